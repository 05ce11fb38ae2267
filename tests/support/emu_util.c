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

void eu_expect_dump(const eu_emu *e, const uint8_t *want, size_t len)
{
    size_t n;
    uint8_t *d = eu_read_dump(e, &n);
    if (!want || n != len)
        fail_msg("flash dump of %zu bytes, %zu expected", n, len);
    for (size_t i = 0; i < n; i++)
        if (d[i] != want[i])
            fail_msg("flash at +0x%zx is 0x%02x, not 0x%02x", i, d[i],
                     want[i]);
    free(d);
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

const char *eu_ob_path(const char *name)
{
    static char p[4][600];
    static unsigned n;
    const char *ob = getenv("OB_DIR");
    char *s = p[n++ % 4];
    snprintf(s, sizeof p[0], "%s/%s", ob && *ob ? ob : "build/outboard",
             name);
    return s;
}

void eu_target_start(const eu_target *t, eu_emu *e, const char *name,
                     const char *faults)
{
    char args[2048];
    snprintf(args, sizeof args, "%s %s %s", t->head ? t->head : "", faults,
             t->tail ? t->tail : "");
    eu_start(e, t->dir, name, t->emu, args);
}

int eu_target_flash(const eu_target *t, const eu_emu *e, const char *extra,
                    const char *box)
{
    return pu_run("flash -p %s/pub.pem --port %s %s %s %s/%s", t->dir,
                  e->port, t->flash_args, extra, t->dir, box);
}

static void fault_then_rerun(const eu_target *t, const eu_fault *f)
{
    eu_emu e;
    char faults[96];
    snprintf(faults, sizeof faults, "%s %ld", f->option, f->at);
    eu_target_start(t, &e, f->name, faults);
    int rc = eu_target_flash(t, &e, "", "app.fwpk");
    if (rc != 5) {
        eu_stop(&e);
        fail_msg("%s: exit %d, not 5:\n%s", f->name, rc, pu_err);
    }
    eu_expect_in(pu_err, f->message, "stderr");
    eu_expect_in(pu_err, f->state_text, "stderr");
    eu_expect_one_line(pu_err);
    rc = eu_target_flash(t, &e, "", "app.fwpk");
    if (rc != 0) {
        eu_stop(&e);
        fail_msg("%s: the rerun: exit %d\n%s", f->name, rc, pu_err);
    }
    if (t->running)
        t->running(&e);
    eu_stop(&e);
    t->programmed(&e);
}

void eu_faults_then_rerun(const eu_target *t, const eu_fault *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fault_then_rerun(t, &f[i]);
}

void eu_refused(const eu_target *t, const char *name, const char *box,
                int want_rc, const char *message, size_t blank)
{
    eu_emu e;
    size_t n;
    eu_target_start(t, &e, name, "");
    int rc = eu_target_flash(t, &e, "", box);
    eu_stop(&e);
    if (rc != want_rc)
        fail_msg("%s: exit %d, not %d:\n%s", name, rc, want_rc, pu_err);
    eu_expect_in(pu_err, message, "stderr");
    eu_expect_in(pu_err, "nothing sent to", "stderr");
    eu_expect_one_line(pu_err);
    if (eu_log_count(&e, "open") != 0)
        fail_msg("%s: the port was opened", name);
    uint8_t *d = eu_read_dump(&e, &n);
    eu_expect_blank(d, 0, blank < n ? blank : n);
    free(d);
}

int eu_containers(const char *dir, const char *pack_args)
{
    eu_keys(dir);
    if (pu_run("pack -k %s/key.pem %s -o %s/app.fwpk", dir, pack_args,
               dir) != 0) {
        fprintf(stderr, "pack: %s\n", pu_err);
        return -1;
    }
    eu_tamper(pu_path(dir, "app.fwpk"), pu_path(dir, "tampered.fwpk"));
    return 0;
}

void eu_wrong_chip(const eu_target *t, const char *emu_args,
                   const char *message)
{
    eu_emu e;
    eu_target_start(t, &e, "wrongchip", emu_args);
    int rc = eu_target_flash(t, &e, "", "app.fwpk");
    eu_stop(&e);
    if (rc != 5)
        fail_msg("exit %d, not 5:\n%s", rc, pu_err);
    eu_expect_in(pu_err, message, "stderr");
    eu_expect_in(pu_err, "; nothing erased or written", "stderr");
    eu_expect_one_line(pu_err);
    if (eu_log_count(&e, "erase") || eu_log_count(&e, "write 0x"))
        fail_msg("the target was erased or written");
}

void eu_pulled_cable(const eu_target *t, long at, const char *state_text)
{
    eu_emu e;
    char faults[64];
    snprintf(faults, sizeof faults, "--hangup %ld", at);
    eu_target_start(t, &e, "hangup", faults);
    int rc = eu_target_flash(t, &e, "", "app.fwpk");
    eu_stop(&e);
    if (rc != 5)
        fail_msg("exit %d, not 5:\n%s", rc, pu_err);
    eu_expect_in(pu_err, "the port failed", "stderr");
    eu_expect_in(pu_err, state_text, "stderr");
    eu_expect_one_line(pu_err);
}

uint8_t *eu_avr_app(const char *test, const char **dir, size_t *len)
{
    char args[1024];
    const char *app = eu_ob_path("app_v2.bin");
    uint8_t *image = (uint8_t *)pu_read(app, len);
    if (!image || *len < 3 * 128) {
        fprintf(stderr, "%s: %s missing or short (make outboard-build)\n",
                test, app);
        free(image);
        return NULL;
    }
    *dir = pu_tmpdir();
    snprintf(args, sizeof args, "--mcu atmega328p --load-addr 0 --version "
             "2.0.0 %s", app);
    if (eu_containers(*dir, args) != 0) {
        free(image);
        return NULL;
    }
    return image;
}
