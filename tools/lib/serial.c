/* serial.c - see serial.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "serial.h"

static const struct {
    uint32_t baud;
    speed_t speed;
} rates[] = {
    {1200, B1200},     {2400, B2400},     {4800, B4800},
    {9600, B9600},     {19200, B19200},   {38400, B38400},
    {57600, B57600},   {115200, B115200}, {230400, B230400},
    {460800, B460800}, {500000, B500000}, {921600, B921600},
};

static int speed_of(uint32_t baud, speed_t *speed)
{
    for (size_t i = 0; i < sizeof rates / sizeof rates[0]; i++)
        if (rates[i].baud == baud) {
            *speed = rates[i].speed;
            return 0;
        }
    return -1;
}

int fwp_serial_rate_ok(uint32_t baud)
{
    speed_t speed;
    return speed_of(baud, &speed) == 0;
}

/* A pseudo-terminal's slave: Unix98 pty slaves have majors 136..143
 * (Linux's devices.txt). */
static int is_pty(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
           major(st.st_rdev) >= 136 && major(st.st_rdev) <= 143;
}

int fwp_serial_open(fwp_serial *s, const char *path, uint32_t baud,
                    int even_parity, fwp_err *err)
{
    struct termios t;
    speed_t speed;
    int lines;
    memset(s, 0, sizeof *s);
    s->path = path;
    s->fd = -1;
    if (speed_of(baud, &speed))
        return fwp_fail(err, "%s: %u baud is not a standard rate", path,
                        (unsigned)baud);
    s->fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (s->fd < 0)
        return fwp_fail_io(err, "%s: %s", path, strerror(errno));
    if (!isatty(s->fd) || tcgetattr(s->fd, &t) != 0) {
        int e = errno;
        fwp_serial_close(s);
        return fwp_fail_io(err, "%s: not a serial port (%s)", path,
                           strerror(e));
    }
    cfmakeraw(&t);
    t.c_cflag |= CLOCAL | CREAD;
    t.c_cflag &= ~(tcflag_t)(CSTOPB | PARENB | PARODD | CRTSCTS);
    /* A pty has no parity bit on its "wire": Linux clears PARENB on one,
     * and glibc's tcsetattr then says EINVAL (not always the first time). */
    s->no_parity = even_parity && is_pty(s->fd);
    if (even_parity && !s->no_parity)
        t.c_cflag |= PARENB;
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    cfsetispeed(&t, speed);
    cfsetospeed(&t, speed);
    if (tcsetattr(s->fd, TCSANOW, &t) != 0) {
        int e = errno;
        fwp_serial_close(s);
        return fwp_fail_io(err, "%s: cannot set %u baud: %s", path,
                           (unsigned)baud, strerror(e));
    }
    s->has_lines = ioctl(s->fd, TIOCMGET, &lines) == 0;
    tcflush(s->fd, TCIOFLUSH);
    return 0;
}

void fwp_serial_close(fwp_serial *s)
{
    if (s->fd >= 0)
        close(s->fd);
    s->fd = -1;
}

static fwpk_prog_err broken(fwp_serial *s, const char *op)
{
    if (!s->problem[0])
        snprintf(s->problem, sizeof s->problem, "%s (%s)",
                 errno ? strerror(errno) : "the port was closed", op);
    return FWPK_PROG_ERR_IO;
}

static int stopped(const fwp_serial *s)
{
    return s->stop && *s->stop;
}

static long now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* Waits for 'events' until the deadline: 1 ready, 0 timeout, or an
 * error. */
static int wait_for(fwp_serial *s, short events, long deadline,
                    fwpk_prog_err *err)
{
    for (;;) {
        struct pollfd p = {s->fd, events, 0};
        long left = deadline - now_ms();
        int r;
        if (stopped(s)) {
            *err = FWPK_PROG_ERR_INTERRUPTED;
            return -1;
        }
        r = poll(&p, 1, left > 0 ? (int)left : 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *err = broken(s, "poll");
            return -1;
        }
        if (r == 0)
            return 0;
        if (p.revents & (POLLERR | POLLNVAL) ||
            (p.revents & POLLHUP && !(p.revents & POLLIN))) {
            errno = EIO;
            *err = broken(s, "port");
            return -1;
        }
        return 1;
    }
}

static fwpk_prog_err serial_send(void *io, const uint8_t *data, size_t len)
{
    fwp_serial *s = io;
    fwpk_prog_err err = FWPK_PROG_OK;
    long deadline = now_ms() + 5000; /* a port that takes nothing */
    while (len > 0) {
        ssize_t n = write(s->fd, data, len);
        if (n > 0) {
            data += n;
            len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR)
            return broken(s, "write");
        int r = wait_for(s, POLLOUT, deadline, &err);
        if (r < 0)
            return err;
        if (r == 0) {
            errno = ETIMEDOUT;
            return broken(s, "write");
        }
    }
    return stopped(s) ? FWPK_PROG_ERR_INTERRUPTED : FWPK_PROG_OK;
}

static fwpk_prog_err serial_recv(void *io, uint8_t *buf, size_t len,
                                 uint32_t timeout_ms, size_t *got)
{
    fwp_serial *s = io;
    fwpk_prog_err err = FWPK_PROG_OK;
    long deadline = now_ms() + (long)timeout_ms;
    *got = 0;
    while (*got < len) {
        int r = wait_for(s, POLLIN, deadline, &err);
        if (r < 0)
            return err;
        if (r == 0)
            return FWPK_PROG_OK; /* fewer bytes: the caller's timeout */
        ssize_t n = read(s->fd, buf + *got, len - *got);
        if (n > 0)
            *got += (size_t)n;
        else if (n == 0 || (errno != EAGAIN && errno != EINTR))
            return broken(s, "read");
    }
    return FWPK_PROG_OK;
}

static void serial_discard(void *io)
{
    fwp_serial *s = io;
    tcflush(s->fd, TCIFLUSH);
}

static fwpk_prog_err serial_line(void *io, fwpk_prog_line which,
                                 int asserted)
{
    fwp_serial *s = io;
    int bit = which == FWPK_PROG_LINE_DTR ? TIOCM_DTR : TIOCM_RTS;
    if (ioctl(s->fd, asserted ? TIOCMBIS : TIOCMBIC, &bit) != 0)
        return broken(s, which == FWPK_PROG_LINE_DTR ? "DTR" : "RTS");
    return FWPK_PROG_OK;
}

static void serial_delay(void *io, uint32_t ms)
{
    fwp_serial *s = io;
    struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (!stopped(s) && nanosleep(&t, &t) != 0 && errno == EINTR)
        ;
}

void fwp_serial_bind(fwp_serial *s, fwpk_prog_port *port)
{
    memset(port, 0, sizeof *port);
    port->send = serial_send;
    port->recv = serial_recv;
    port->discard = serial_discard;
    port->line = s->has_lines ? serial_line : NULL;
    port->delay = serial_delay;
    port->io = s;
}
