/*
 * file.c - what fwpack reads and what it replaces.
 *
 * Reads: only regular files (a pipe too where the caller allows it, for
 * secrets given as '<(command)'), never more than a limit, opened without
 * blocking so that a FIFO cannot hang the command in open().  Buffers that
 * grow are copied and wiped, never realloc'd, so a key file leaves no
 * stale copy on the heap.
 *
 * Writes: a temporary file with an unpredictable name in the same
 * directory (so another user cannot block or pre-empt it), fsync, then
 * rename (or link, when overwriting is not allowed, so that an existing
 * file is never replaced).  Only a regular file is ever replaced: a device,
 * FIFO, socket, directory or symbolic link at the output path is refused,
 * with or without overwrite.  Nothing is left on error.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwpack.h"

/* No limit: still far from size_t arithmetic overflowing. */
#define NO_LIMIT (SIZE_MAX / 4)

static size_t read_limit = FWP_READ_MAX;

void fwp_set_read_limit(size_t max_len)
{
    read_limit = max_len && max_len < NO_LIMIT ? max_len : NO_LIMIT;
}

size_t fwp_read_limit(void)
{
    return read_limit;
}

/* What kind of file st is, for messages ("a FIFO"). */
static const char *kind(const struct stat *st)
{
    if (S_ISDIR(st->st_mode))
        return "a directory";
    if (S_ISFIFO(st->st_mode))
        return "a FIFO or pipe";
    if (S_ISCHR(st->st_mode))
        return "a character device";
    if (S_ISBLK(st->st_mode))
        return "a block device";
    if (S_ISSOCK(st->st_mode))
        return "a socket";
    if (S_ISLNK(st->st_mode))
        return "a symbolic link";
    return "not a regular file";
}

static void wipe_free(uint8_t *buf, size_t size)
{
    if (buf)
        sodium_memzero(buf, size);
    free(buf);
}

/* A copy of buf[0..n) in a new buffer of cap + 1 bytes; buf (old_cap + 1
 * bytes) is wiped and freed: realloc would leave the old bytes behind. */
static uint8_t *grow(uint8_t *buf, size_t n, size_t old_cap, size_t cap)
{
    uint8_t *p = malloc(cap + 1);
    if (p && n)
        memcpy(p, buf, n);
    wipe_free(buf, old_cap + 1);
    return p;
}

static int too_big(const char *path, size_t max_len, fwp_err *err)
{
    if (max_len == read_limit)
        return fwp_fail(err, "%s: larger than the input limit of %zu bytes "
                             "(FWPACK_MAX_INPUT or pack --max-input raise "
                             "it)", path, max_len);
    return fwp_fail(err, "%s: file larger than %zu bytes", path, max_len);
}

static int read_all(int fd, const char *path, size_t hint, uint8_t **data,
                    size_t *len, size_t max_len, fwp_err *err)
{
    size_t cap = hint < max_len ? hint + 1 : max_len, n = 0;
    if (cap < 64)
        cap = 64;
    uint8_t *buf = grow(NULL, 0, 0, cap);
    for (;;) {
        if (!buf)
            return fwp_fail_io(err, "%s: out of memory", path);
        if (n == cap) {
            size_t next = cap > max_len / 2 ? max_len + 1 : 2 * cap;
            buf = grow(buf, n, cap, next);
            cap = next;
            continue;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            wipe_free(buf, cap + 1);
            return fwp_fail_io(err, "%s: %s", path, strerror(e));
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n > max_len) {
            wipe_free(buf, cap + 1);
            return too_big(path, max_len, err);
        }
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return 0;
}

/* Opens path for reading without blocking on a FIFO, and checks that it
 * is a regular file (or a pipe, if allowed) of at most max_len bytes. */
static int open_input(const char *path, int allow_pipe, size_t max_len,
                      size_t *size, fwp_err *err)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return fwp_fail_io(err, "%s: %s", path, strerror(errno));
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return fwp_fail_io(err, "%s: %s", path, strerror(e));
    }
    int ok = S_ISREG(st.st_mode) || (allow_pipe && S_ISFIFO(st.st_mode));
    if (!ok) {
        close(fd);
        return fwp_fail_io(err, "%s: %s, not a regular file: fwpack reads "
                                "only regular files", path, kind(&st));
    }
    if (S_ISREG(st.st_mode) && (uint64_t)st.st_size > max_len) {
        close(fd);
        return too_big(path, max_len, err);
    }
    /* blocking reads from here: a pipe's writer may be slower than us */
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    *size = S_ISREG(st.st_mode) ? (size_t)st.st_size : 0;
    return fd;
}

static int read_path(const char *path, int allow_pipe, uint8_t **data,
                     size_t *len, size_t max_len, fwp_err *err)
{
    size_t size = 0;
    if (!max_len)
        max_len = read_limit;
    int fd = open_input(path, allow_pipe, max_len, &size, err);
    if (fd < 0)
        return -1;
    int rc = read_all(fd, path, size, data, len, max_len, err);
    close(fd);
    return rc;
}

const char *fwp_file_name(const char *path)
{
    return strcmp(path, "-") == 0 ? FWP_STDIN_NAME : path;
}

/* "-" is stdin, whatever it is: the user said so (pack - < app.hex). */
int fwp_read_file(const char *path, uint8_t **data, size_t *len,
                  size_t max_len, fwp_err *err)
{
    if (strcmp(path, "-") == 0)
        return read_all(STDIN_FILENO, FWP_STDIN_NAME, 0, data, len,
                        max_len ? max_len : read_limit, err);
    return read_path(path, 0, data, len, max_len, err);
}

int fwp_read_secret_file(const char *path, uint8_t **data, size_t *len,
                         size_t max_len, fwp_err *err)
{
    return read_path(path, 1, data, len, max_len, err);
}

void fwp_free_secret(uint8_t *data, size_t len)
{
    wipe_free(data, len + 1);
}

void fwp_warn_exposed(const char *path, const char *what)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return; /* a pipe ('<(command)') is the caller's own */
    if (st.st_mode & 077)
        fprintf(stderr, "fwpack: warning: %s %s is readable or writable by "
                        "group or others (mode %03o); chmod 600 it\n",
                what, path, (unsigned)(st.st_mode & 0777));
    if (st.st_uid != geteuid())
        fprintf(stderr, "fwpack: warning: %s %s belongs to uid %u, not to "
                        "you (uid %u): its owner can change or read it\n",
                what, path, (unsigned)st.st_uid, (unsigned)geteuid());
}

/* ---- writing ---- */

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

/* What may be at the output path: nothing, or (with overwrite) a regular
 * file.  rename() would replace a device node or a symbolic link with a
 * regular file (as root, /dev/null), so they are refused outright. */
int fwp_output_check(const char *path, int overwrite, fwp_err *err)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return errno == ENOENT
                   ? 0
                   : fwp_fail_io(err, "%s: %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return fwp_fail_io(err, "%s: %s, not a regular file: fwpack writes "
                                "only new or regular files", path, kind(&st));
    if (!overwrite)
        return fwp_fail_io(err, "%s: file exists (use --force)", path);
    return 0;
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

#define TMP_SUFFIX ".tmp."
#define TMP_RANDOM 10   /* characters: 62^10, about 2^59 names */
#define TMP_TRIES 100

/* Creates "<path>.tmp.<10 random characters>" (O_EXCL, no symlink
 * followed), like mkstemp but with the caller's mode (umask applied).
 * Signals are guarded from before the file exists.  tmp holds the name. */
static int create_tmp(const char *path, unsigned mode, char *tmp,
                      size_t cap, struct sigaction old[CLEANUP_SIGNALS],
                      fwp_err *err)
{
    static const char chars[] = "abcdefghijklmnopqrstuvwxyz"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    for (int tries = 0; tries < TMP_TRIES; tries++) {
        uint8_t r[TMP_RANDOM];
        size_t n = (size_t)snprintf(tmp, cap, "%s" TMP_SUFFIX, path);
        if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
            return fwp_fail_io(err, "%s: no randomness for a temporary "
                                    "name", path);
        for (size_t i = 0; i < TMP_RANDOM; i++)
            tmp[n + i] = chars[r[i] % (sizeof chars - 1)];
        tmp[n + TMP_RANDOM] = 0;
        guard_tmp(tmp, old);
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
                               O_CLOEXEC, (mode_t)mode);
        if (fd >= 0)
            return fd;
        unguard_tmp(old);
        if (errno != EEXIST)
            return fwp_fail_io(err, "%s: cannot create a temporary file "
                                    "beside it: %s", path, strerror(errno));
    }
    return fwp_fail_io(err, "%s: cannot create a temporary file beside it "
                            "(%d names taken)", path, TMP_TRIES);
}

int fwp_write_file_atomic(const char *path, const uint8_t *data, size_t len,
                          unsigned mode, int overwrite, fwp_err *err)
{
    struct sigaction old[CLEANUP_SIGNALS];
    if (fwp_output_check(path, overwrite, err))
        return -1;
    size_t tlen = strlen(path) + sizeof TMP_SUFFIX + TMP_RANDOM;
    char *tmp = malloc(tlen);
    if (!tmp)
        return fwp_fail_io(err, "%s: out of memory", path);
    int fd = create_tmp(path, mode, tmp, tlen, old, err);
    if (fd < 0) {
        free(tmp);
        return -1;
    }
    int rc = 0;
    if (write_all(fd, data, len) || fsync(fd))
        rc = fwp_fail_io(err, "%s: %s", path, strerror(errno));
    if (close(fd) && rc == 0)
        rc = fwp_fail_io(err, "%s: %s", path, strerror(errno));
    if (rc == 0)
        rc = publish(tmp, path, overwrite, err);
    if (rc == 0)
        sync_dir(path);
    unlink(tmp); /* no-op after rename */
    unguard_tmp(old);
    free(tmp);
    return rc;
}
