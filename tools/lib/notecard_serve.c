/*
 * notecard_serve.c - the emulator on a line: bytes in, one request per
 * newline, each reply written back whole (notecard_serve.h).
 */
/* posix_openpt, grantpt, unlockpt, ptsname: XSI */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "notecard_serve.h"

#define LINE_MAX_BYTES 65536u /* a longer request is dropped, with an err */
#define POLL_MS 100

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int write_all(int fd, const char *p, size_t n, fwp_err *err)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && (errno == EINTR || errno == EAGAIN)) {
            struct pollfd pf = {fd, POLLOUT, 0};
            poll(&pf, 1, POLL_MS);
            continue;
        }
        if (w <= 0)
            return fwp_fail_io(err, "notecard: write: %s", strerror(errno));
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* One line: the emulator's reply written back. */
static int answer(fwp_nc_emu *e, int fd, fwp_buf *line, fwp_err *err)
{
    fwp_buf out = {0};
    int r;
    if (line->len > LINE_MAX_BYTES)
        r = fwp_buf_printf(&out, "{\"err\":\"request too long {io}\"}\r\n");
    else
        r = fwp_nc_emu_request(e, line->data ? line->data : "", line->len,
                               &out);
    if (r) {
        fwp_buf_free(&out);
        return fwp_fail_io(err, "notecard: out of memory");
    }
    r = write_all(fd, out.data ? out.data : "", out.len, err);
    fwp_buf_free(&out);
    line->len = 0;
    return r;
}

int fwp_nc_serve(fwp_nc_emu *e, int fd, const fwp_nc_serve_opts *o,
                 fwp_err *err)
{
    fwp_buf line = {0};
    uint64_t last = now_ms();
    int rc = 0;
    while (rc == 0 && !(o->stop && *o->stop) && !(o->once && e->stopped)) {
        struct pollfd pf = {fd, POLLIN, 0};
        char buf[512];
        ssize_t n;
        if (o->idle_ms && now_ms() - last >= o->idle_ms)
            break;
        if (poll(&pf, 1, POLL_MS) <= 0)
            continue;
        n = read(fd, buf, sizeof buf);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n <= 0) {
            rc = fwp_fail_io(err, "notecard: read: %s",
                             n < 0 ? strerror(errno) : "end of file");
            break;
        }
        last = now_ms();
        for (ssize_t i = 0; i < n && rc == 0; i++) {
            if (buf[i] == '\n')
                rc = answer(e, fd, &line, err);
            else if (line.len <= LINE_MAX_BYTES &&
                     fwp_buf_put(&line, &buf[i], 1))
                rc = fwp_fail_io(err, "notecard: out of memory");
        }
    }
    fwp_buf_free(&line);
    return rc;
}

int fwp_pty_open(int *master, char *slave, size_t n, fwp_err *err)
{
    const char *name;
    *master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0)
        return fwp_fail_io(err, "notecard: cannot create a pty: %s",
                           strerror(errno));
    if (grantpt(*master) != 0 || unlockpt(*master) != 0 ||
        (name = ptsname(*master)) == NULL || strlen(name) >= n) {
        int e = errno;
        close(*master);
        return fwp_fail_io(err, "notecard: cannot set up the pty: %s",
                           strerror(e));
    }
    strcpy(slave, name);
    return 0;
}
