/* emu_util.c - see emu_util.h. */
#define _GNU_SOURCE /* memmem */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "emu_util.h"
#include "pack_util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

const char *eu_dir(void)
{
    const char *d = getenv("EMU_DIR");
    return d && *d ? d : "build/test/emu";
}

void eu_start(eu_emu *e, const char *dir, const char *name, const char *prog,
              const char *args)
{
    char cmd[4096], portfile[512];
    memset(e, 0, sizeof *e);
    snprintf(portfile, sizeof portfile, "%s/%s.port", dir, name);
    snprintf(e->log, sizeof e->log, "%s/%s.log", dir, name);
    snprintf(e->dump, sizeof e->dump, "%s/%s.flash", dir, name);
    snprintf(e->uart, sizeof e->uart, "%s/%s.uart", dir, name);
    unlink(portfile);
    unlink(e->log);
    unlink(e->dump);
    unlink(e->uart);
    snprintf(cmd, sizeof cmd,
             "exec %s/%s %s --port-file %s --log %s --dump %s%s%s "
             ">>%s/%s.out 2>&1",
             eu_dir(), prog, args, portfile, e->log, e->dump,
             strcmp(prog, "simavr_pty") == 0 ? " --uart-log " : "",
             strcmp(prog, "simavr_pty") == 0 ? e->uart : "", dir, name);
    e->pid = fork();
    if (e->pid < 0)
        fail_msg("fork: %s", cmd);
    if (e->pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 500; i++) {
        char *p = pu_read(portfile, NULL);
        if (p && strchr(p, '\n')) {
            *strchr(p, '\n') = 0;
            snprintf(e->port, sizeof e->port, "%s", p);
            free(p);
            return;
        }
        free(p);
        if (waitpid(e->pid, NULL, WNOHANG) == e->pid) {
            e->pid = 0;
            fail_msg("%s/%s did not start: %s", eu_dir(), prog, cmd);
        }
        sleep_ms(10);
    }
    fail_msg("%s/%s: no port after 5 s", eu_dir(), prog);
}

void eu_stop(eu_emu *e)
{
    if (e->pid <= 0)
        return;
    kill(e->pid, SIGTERM);
    for (int i = 0; i < 500; i++) {
        if (waitpid(e->pid, NULL, WNOHANG) == e->pid) {
            e->pid = 0;
            return;
        }
        sleep_ms(10);
    }
    kill(e->pid, SIGKILL);
    waitpid(e->pid, NULL, 0);
    e->pid = 0;
}

char *eu_read_log(const eu_emu *e)
{
    char *s = pu_read(e->log, NULL);
    return s ? s : calloc(1, 1);
}

static int contains(const char *path, const char *text)
{
    size_t n;
    char *s = pu_read(path, &n);
    int found = s && memmem(s, n, text, strlen(text)) != NULL;
    free(s);
    return found;
}

static int wait_in(const char *path, const char *text, int ms)
{
    for (int t = 0; t <= ms; t += 10) {
        if (contains(path, text))
            return 1;
        sleep_ms(10);
    }
    return 0;
}

int eu_wait_log(const eu_emu *e, const char *text, int ms)
{
    return wait_in(e->log, text, ms);
}

int eu_wait_uart(const eu_emu *e, const char *text, int ms)
{
    return wait_in(e->uart, text, ms);
}

uint8_t *eu_read_dump(const eu_emu *e, size_t *len)
{
    uint8_t *d = (uint8_t *)pu_read(e->dump, len);
    if (!d)
        fail_msg("no flash dump %s", e->dump);
    return d;
}

int eu_log_count(const eu_emu *e, const char *text)
{
    char *s = eu_read_log(e), *p = s;
    int n = 0;
    while ((p = strstr(p, text)) != NULL) {
        n++;
        p += strlen(text);
    }
    free(s);
    return n;
}

void eu_keys(const char *dir)
{
    if (pu_run("keygen -o %s/key.pem", dir) != 0 ||
        pu_run("export-key %s/key.pem -o %s/pub.pem", dir, dir) != 0)
        fail_msg("keygen: %s", pu_err ? pu_err : "");
}

void eu_tamper(const char *src, const char *dst)
{
    size_t n;
    uint8_t *b = (uint8_t *)pu_read(src, &n);
    if (!b || n < 64)
        fail_msg("cannot read %s", src);
    b[n - 2] ^= 0x01;
    pu_write(dst, b, n);
    free(b);
}

void eu_expect_image(const uint8_t *dump, size_t dump_len, size_t off,
                     const uint8_t *img, size_t len, size_t page)
{
    size_t end = (off + len + page - 1) / page * page;
    if (end > dump_len)
        fail_msg("flash dump of %zu bytes is shorter than the image's end "
                 "%zu", dump_len, end);
    for (size_t i = 0; i < len; i++)
        if (dump[off + i] != img[i])
            fail_msg("flash at +0x%zx is 0x%02x, the image has 0x%02x",
                     off + i, dump[off + i], img[i]);
    eu_expect_blank(dump, off + len, end - off - len);
}

void eu_expect_blank(const uint8_t *dump, size_t off, size_t len)
{
    for (size_t i = off; i < off + len; i++)
        if (dump[i] != 0xff)
            fail_msg("flash at +0x%zx is 0x%02x, not erased", i, dump[i]);
}

void eu_expect_in(const char *s, const char *text, const char *what)
{
    if (!s || !strstr(s, text))
        fail_msg("expected \"%s\" in %s:\n%s", text, what, s ? s : "(none)");
}

void eu_expect_one_line(const char *s)
{
    const char *nl = s ? strchr(s, '\n') : NULL;
    if (!nl || nl[1] != 0)
        fail_msg("expected one line:\n%s", s ? s : "(none)");
}
