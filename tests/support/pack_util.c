/* pack_util.c - see pack_util.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pack_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *pu_tmpdir(void)
{
    static char dir[64];
    snprintf(dir, sizeof dir, "/tmp/fwpack-test-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(1);
    }
    return dir;
}

void pu_rmdir(const char *dir)
{
    char cmd[256];
    if (strncmp(dir, "/tmp/fwpack-test-", 17) != 0)
        return;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

const char *pu_path(const char *dir, const char *name)
{
    static char ring[32][512];
    static unsigned n;
    char *p = ring[n++ % 32];
    snprintf(p, sizeof ring[0], "%s/%s", dir, name);
    return p;
}

void pu_write(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
        perror(path);
        exit(1);
    }
}

void pu_write_str(const char *path, const char *text)
{
    pu_write(path, text, strlen(text));
}

char *pu_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *p = realloc(buf, 2 * cap + 1);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf)
        buf[n] = 0;
    if (len)
        *len = n;
    return buf;
}

int pu_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int pu_count_tmp(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)) != NULL)
        n += strstr(e->d_name, ".tmp.") != NULL;
    if (d)
        closedir(d);
    return n;
}

const char *pu_packer(const char *test)
{
    const char *fw = getenv("FWPACK");
    if (!fw || !*fw)
        fw = access("build/test/fwpack", X_OK) == 0 ? "build/test/fwpack"
                                                    : "build/host/fwpack";
    if (access(fw, X_OK) != 0) {
        fprintf(stderr, "%s: packer %s not found (set FWPACK)\n", test, fw);
        return NULL;
    }
    setenv("FWPACK", fw, 1);
    return fw;
}

int pu_fwpack(const char *args, char **out, char **err)
{
    const char *bin = getenv("FWPACK");
    static char dir[64];
    if (!bin)
        bin = "build/test/fwpack";
    snprintf(dir, sizeof dir, "/tmp/fwpack-test-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char cmd[16384];
    snprintf(cmd, sizeof cmd, "%s %s >%s/out 2>%s/err", bin, args, dir, dir);
    int st = system(cmd);
    char path[128];
    snprintf(path, sizeof path, "%s/out", dir);
    if (out)
        *out = pu_read(path, NULL);
    snprintf(path, sizeof path, "%s/err", dir);
    if (err)
        *err = pu_read(path, NULL);
    pu_rmdir(dir);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *pu_out, *pu_err;

int pu_run(const char *fmt, ...)
{
    char args[12288];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    free(pu_out);
    free(pu_err);
    pu_out = pu_err = NULL;
    int rc = pu_fwpack(args, &pu_out, &pu_err);
    if (getenv("TEST_DEBUG"))
        fprintf(stderr, "[%d] fwpack %s\n%s%s", rc, args, pu_out ? pu_out : "",
                pu_err ? pu_err : "");
    return rc;
}

int pu_capture(const char *cmd, char *text, size_t cap)
{
    char full[4096], drop[4096];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t n = fread(text, 1, cap - 1, p);
    text[n] = 0;
    while (fread(drop, 1, sizeof drop, p) > 0)
        continue;
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

void pu_run_free(void)
{
    free(pu_out);
    free(pu_err);
    pu_out = pu_err = NULL;
}

void pu_firmware(uint8_t *p, size_t n, uint32_t seed)
{
    static const uint16_t ops[] = {0xb580, 0x4770, 0x2000, 0x6800, 0xf000,
                                   0xe7fe, 0x4b02, 0x681b, 0x3301, 0xbd80};
    uint32_t x = seed;
    for (size_t i = 0; i + 1 < n; i += 2) {
        x = x * 1103515245u + 12345u;
        uint16_t v = (x >> 28) < 11 ? ops[(x >> 16) % 10] : (uint16_t)(x >> 9);
        if ((i & 0x3ff) < 64)
            v = (uint16_t)(0x0800 + ((i >> 2) & 0xff));
        p[i] = (uint8_t)v;
        p[i + 1] = (uint8_t)(v >> 8);
    }
    if (n & 1)
        p[n - 1] = 0xff;
}

int pu_have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

void pu_same_files(const char *a, const char *b)
{
    size_t na, nb;
    char *x = pu_read(a, &na), *y = pu_read(b, &nb);
    int same = x && y && na == nb && memcmp(x, y, na) == 0;
    if (!x || !y)
        na = nb = 0;
    free(x);
    free(y);
    if (!same)
        fail_msg("%s and %s differ (%zu and %zu bytes)", a, b, na, nb);
}

void pu_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (system(cmd) != 0)
        fail_msg("command failed: %s", cmd);
}

uint32_t pu_rand(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

void pu_one_error(const char *text, ...)
{
    static const char warn[] = "fwpack: warning:";
    const char *line = NULL;
    int n = 0;
    for (const char *p = text ? text : ""; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (strncmp(p, warn, sizeof warn - 1) != 0) {
            line = p;
            n++;
        }
        p += len + (nl != NULL);
    }
    if (n != 1)
        fail_msg("expected one error line, got %d:\n%s", n, text ? text : "");
    size_t len = strcspn(line, "\n");
    va_list ap;
    va_start(ap, text);
    for (const char *want; (want = va_arg(ap, const char *)) != NULL;) {
        char *copy = strndup(line, len);
        int found = copy && strstr(copy, want) != NULL;
        free(copy);
        if (!found) {
            va_end(ap);
            fail_msg("the error line lacks \"%s\":\n%.*s", want, (int)len,
                     line);
        }
    }
    va_end(ap);
}

int pu_warnings(const char *text, const char *what)
{
    static const char warn[] = "fwpack: warning:";
    int n = 0;
    for (const char *p = text ? text : ""; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        char *copy = strndup(p, len);
        n += copy && strncmp(copy, warn, sizeof warn - 1) == 0 &&
             strstr(copy, what) != NULL;
        free(copy);
        p += len + (nl != NULL);
    }
    return n;
}
