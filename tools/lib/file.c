/*
 * file.c - whole-file reads and atomic writes: a temporary file in the same
 * directory, fsync, then rename (or link, when overwriting is not allowed,
 * so that an existing file is never replaced).  Nothing is left on error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwpack.h"

static int read_all(int fd, const char *path, uint8_t **data, size_t *len,
                    size_t max_len, fwp_err *err)
{
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap + 1);
    for (;;) {
        if (!buf)
            return fwp_fail_io(err, "%s: out of memory", path);
        if (n == cap) {
            uint8_t *p = realloc(buf, 2 * cap + 1);
            if (!p) {
                free(buf);
                return fwp_fail_io(err, "%s: out of memory", path);
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            return fwp_fail_io(err, "%s: %s", path, strerror(errno));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (max_len && n > max_len) {
            free(buf);
            return fwp_fail(err, "%s: file larger than %zu bytes", path,
                            max_len);
        }
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

int fwp_read_file(const char *path, uint8_t **data, size_t *len,
                  size_t max_len, fwp_err *err)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fwp_fail_io(err, "%s: %s", path, strerror(errno));
    int rc = read_all(fd, path, data, len, max_len, err);
    close(fd);
    return rc;
}

static int write_all(int fd, const uint8_t *data, size_t len)
{
    while (len) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        data += w;
        len -= (size_t)w;
    }
    return 0;
}

static void sync_dir(const char *path)
{
    char *copy = strdup(path);
    if (!copy)
        return;
    int fd = open(dirname(copy), O_RDONLY);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(copy);
}

/* Moves tmp to path; without overwrite, link() fails if path exists. */
static int publish(const char *tmp, const char *path, int overwrite,
                   fwp_err *err)
{
    if (overwrite) {
        if (rename(tmp, path) == 0)
            return 0;
        return fwp_fail_io(err, "%s: %s", path, strerror(errno));
    }
    if (link(tmp, path) == 0) {
        unlink(tmp);
        return 0;
    }
    if (errno == EEXIST)
        return fwp_fail_io(err, "%s: file exists (use --force)", path);
    struct stat st;
    if (errno != EPERM && errno != ENOTSUP && errno != EXDEV)
        return fwp_fail_io(err, "%s: %s", path, strerror(errno));
    if (lstat(path, &st) == 0) /* no hard links here: check, then rename */
        return fwp_fail_io(err, "%s: file exists (use --force)", path);
    if (rename(tmp, path) == 0)
        return 0;
    return fwp_fail_io(err, "%s: %s", path, strerror(errno));
}

/* While a temporary file exists, SIGINT/SIGTERM/SIGHUP remove it before
 * the process dies, so an interrupted command leaves nothing behind. */
static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define CLEANUP_SIGNALS (sizeof cleanup_signals / sizeof cleanup_signals[0])
static char pending_tmp[4096];
static volatile sig_atomic_t have_pending;

static void remove_pending(int sig)
{
    if (have_pending)
        unlink(pending_tmp); /* async-signal-safe */
    signal(sig, SIG_DFL);
    raise(sig);
}

static void guard_tmp(const char *tmp, struct sigaction old[CLEANUP_SIGNALS])
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = remove_pending;
    sigemptyset(&sa.sa_mask);
    snprintf(pending_tmp, sizeof pending_tmp, "%s", tmp);
    have_pending = strlen(tmp) < sizeof pending_tmp;
    for (size_t i = 0; i < CLEANUP_SIGNALS; i++)
        sigaction(cleanup_signals[i], &sa, &old[i]);
}

static void unguard_tmp(const struct sigaction old[CLEANUP_SIGNALS])
{
    have_pending = 0;
    for (size_t i = 0; i < CLEANUP_SIGNALS; i++)
        sigaction(cleanup_signals[i], &old[i], NULL);
}

int fwp_write_file_atomic(const char *path, const uint8_t *data, size_t len,
                          unsigned mode, int overwrite, fwp_err *err)
{
    struct sigaction old[CLEANUP_SIGNALS];
    struct stat st;
    if (!overwrite && lstat(path, &st) == 0)
        return fwp_fail_io(err, "%s: file exists (use --force)", path);
    size_t tlen = strlen(path) + 32;
    char *tmp = malloc(tlen);
    if (!tmp)
        return fwp_fail_io(err, "%s: out of memory", path);
    snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
    guard_tmp(tmp, old);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL, (mode_t)mode);
    if (fd < 0) {
        unguard_tmp(old);
        fwp_fail_io(err, "%s: %s", tmp, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = 0;
    if (write_all(fd, data, len) || fsync(fd))
        rc = fwp_fail_io(err, "%s: %s", tmp, strerror(errno));
    if (close(fd) && rc == 0)
        rc = fwp_fail_io(err, "%s: %s", tmp, strerror(errno));
    if (rc == 0)
        rc = publish(tmp, path, overwrite, err);
    if (rc == 0)
        sync_dir(path);
    unlink(tmp); /* no-op after rename */
    unguard_tmp(old);
    free(tmp);
    return rc;
}
