/* emu_line.c - see emu_line.h. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "emu_line.h"

volatile int emu_stop;

const char emu_line_usage[] =
    "  --port-file F  write the port (the pty's slave path) to F\n"
    "  --log F        events, one per line\n"
    "  --baud N       pace bytes at N baud (0: no pacing)\n"
    "  --bits N       bits per byte on the wire (10: 8N1, 11: 8E1)\n"
    "  --drop N       drop the N-th byte from the host (from 1)\n"
    "  --flip N       flip bit 0 of the N-th byte from the host\n"
    "  --stall N      answer nothing from the N-th byte from the host on\n"
    "  --hangup N     close the port at the N-th byte (a pulled cable)\n";

double emu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

void emu_sleep_until(double t)
{
    double d;
    while (!emu_stop && (d = t - emu_now()) > 0) {
        struct timespec s;
        s.tv_sec = (time_t)d;
        s.tv_nsec = (long)((d - (double)s.tv_sec) * 1e9);
        nanosleep(&s, NULL);
    }
}

void emu_line_defaults(emu_line *l)
{
    memset(l, 0, sizeof *l);
    l->master = l->watch = -1;
    l->bits = 10;
}

static int number(const char *s, unsigned long *v)
{
    char *end;
    if (!s || !*s)
        return -1;
    errno = 0;
    *v = strtoul(s, &end, 0);
    return errno || *end ? -1 : 0;
}

int emu_line_option(emu_line *l, int argc, char **argv, int *i)
{
    static const char *const names[] = {"--port-file", "--log", "--baud",
                                        "--bits", "--drop", "--flip",
                                        "--stall", "--hangup"};
    const char *a = argv[*i];
    unsigned long v = 0;
    size_t k;
    for (k = 0; k < sizeof names / sizeof names[0]; k++)
        if (strcmp(a, names[k]) == 0)
            break;
    if (k == sizeof names / sizeof names[0])
        return 0;
    if (*i + 1 >= argc)
        return -1;
    const char *arg = argv[++*i];
    if (k == 0) {
        l->port_file = arg;
        return 1;
    }
    if (k == 1) {
        l->log = fopen(arg, "a");
        return l->log ? 1 : -1;
    }
    if (number(arg, &v))
        return -1;
    switch (k) {
    case 2: l->baud = (unsigned)v; break;
    case 3: l->bits = (unsigned)v; break;
    case 4: l->drop_at = v; break;
    case 5: l->flip_at = v; break;
    case 6: l->stall_at = v; break;
    default: l->hangup_at = v; break;
    }
    return 1;
}

void emu_log(emu_line *l, const char *fmt, ...)
{
    va_list ap;
    if (!l->log)
        return;
    va_start(ap, fmt);
    vfprintf(l->log, fmt, ap);
    va_end(ap);
    fputc('\n', l->log);
    fflush(l->log);
}

static void on_signal(int sig)
{
    (void)sig;
    emu_stop = 1;
}

int emu_save_file(const char *path, const void *data, size_t len)
{
    char tmp[4096];
    FILE *f;
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0 ||
        rename(tmp, path) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static int write_port_file(const emu_line *l)
{
    char text[sizeof l->path + 1];
    if (!l->port_file)
        return 0;
    snprintf(text, sizeof text, "%s\n", l->path);
    return emu_save_file(l->port_file, text, strlen(text));
}

int emu_line_open(emu_line *l)
{
    struct sigaction sa;
    struct termios t;
    int slave;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    l->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (l->master < 0 || grantpt(l->master) || unlockpt(l->master) ||
        !ptsname(l->master)) {
        perror("emu: pty");
        return -1;
    }
    snprintf(l->path, sizeof l->path, "%s", ptsname(l->master));
    /* Raw from the start: a host that does not set it gets no echo. */
    slave = open(l->path, O_RDWR | O_NOCTTY);
    if (slave < 0 || tcgetattr(slave, &t) != 0) {
        perror(l->path);
        return -1;
    }
    cfmakeraw(&t);
    tcsetattr(slave, TCSANOW, &t);
    close(slave);
    l->watch = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (l->watch < 0 ||
        inotify_add_watch(l->watch, l->path, IN_OPEN | IN_CLOSE) < 0) {
        perror("emu: inotify");
        return -1;
    }
    return write_port_file(l);
}

void emu_line_close(emu_line *l)
{
    if (l->master >= 0)
        close(l->master);
    if (l->watch >= 0)
        close(l->watch);
    l->master = l->watch = -1;
    if (l->port_file)
        unlink(l->port_file);
    if (l->log)
        fclose(l->log);
    l->log = NULL;
}

/* Opens and closes of the port, from inotify: a host that closes the
 * port and opens it again between two polls of the master (which would
 * show no hang-up) still starts a new session. */
static void port_events(emu_line *l)
{
    char buf[4096]
        __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t n;
    while (l->watch >= 0 && (n = read(l->watch, buf, sizeof buf)) > 0) {
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *e = (const struct inotify_event *)p;
            if (e->mask & IN_OPEN && l->handles++ == 0)
                l->opened++;
            if (e->mask & IN_CLOSE && l->handles > 0 && --l->handles == 0)
                l->closed++;
            p += sizeof *e + e->len;
        }
    }
}

int emu_line_wait_host(emu_line *l, int timeout_ms)
{
    double until = emu_now() + timeout_ms / 1000.0;
    for (;;) {
        port_events(l);
        if (l->opened > l->session) {
            l->session = l->opened;
            l->connected = 1;
            l->stalled = 0; /* a new session: the target was reset */
            l->have = l->pos = 0;
            l->free_at = 0;
            l->rx0 = l->rx;
            l->tx0 = l->tx;
            emu_log(l, "open");
            return 1;
        }
        if (emu_stop || emu_now() >= until)
            return 0;
        struct pollfd p = {l->watch, POLLIN, 0};
        poll(&p, 1, 10);
    }
}

/* The session's host closed the port (perhaps opening it again since). */
static int session_over(emu_line *l)
{
    port_events(l);
    return l->closed >= l->session;
}

static void lost(emu_line *l)
{
    l->connected = 0;
    l->have = l->pos = 0;
    emu_log(l, "close rx=%lu tx=%lu", l->rx - l->rx0, l->tx - l->tx0);
}

/* The faults, applied to bytes as they come from the host. */
static size_t faults(emu_line *l, uint8_t *buf, size_t n)
{
    size_t out = 0;
    for (size_t i = 0; i < n; i++) {
        l->rx++;
        if (l->rx == l->hangup_at) {
            emu_log(l, "fault hangup at byte %lu", l->rx);
            close(l->master);
            l->master = -1;
            l->connected = 0;
            emu_stop = 1;
            return 0;
        }
        if (l->rx == l->stall_at) {
            emu_log(l, "fault stall at byte %lu", l->rx);
            l->stalled = 1;
        }
        if (l->stalled)
            continue;
        if (l->rx == l->drop_at) {
            emu_log(l, "fault drop byte %lu (0x%02x)", l->rx, buf[i]);
            continue;
        }
        if (l->rx == l->flip_at) {
            emu_log(l, "fault flip byte %lu (0x%02x)", l->rx, buf[i]);
            buf[i] ^= 1;
        }
        buf[out++] = buf[i];
    }
    return out;
}

static void pace(emu_line *l, size_t n)
{
    double now = emu_now();
    if (!l->baud)
        return;
    if (l->free_at < now)
        l->free_at = now;
    l->free_at += (double)n * l->bits / l->baud;
}

long emu_line_read(emu_line *l, uint8_t *buf, size_t cap, int timeout_ms)
{
    struct pollfd p[2] = {{l->master, POLLIN, 0}, {l->watch, POLLIN, 0}};
    ssize_t n;
    if (l->master < 0 || !l->connected)
        return -1;
    if (poll(p, 2, timeout_ms) < 0)
        return errno == EINTR ? 0 : -1;
    /* what this session's host sent before it closed is still its own */
    n = p[0].revents & POLLIN ? read(l->master, buf, cap) : 0;
    if (n <= 0) {
        if (session_over(l)) {
            lost(l);
            return -1;
        }
        return 0;
    }
    pace(l, (size_t)n);
    return (long)faults(l, buf, (size_t)n);
}

int emu_line_getc(emu_line *l, int timeout_ms)
{
    double until = emu_now() + timeout_ms / 1000.0;
    while (l->pos == l->have) {
        int wait = 50;
        if (timeout_ms >= 0) {
            double left = until - emu_now();
            if (left <= 0)
                return -2;
            if (left * 1000 < wait)
                wait = (int)(left * 1000) + 1;
        }
        if (emu_stop)
            return -1;
        long n = emu_line_read(l, l->buf, sizeof l->buf, wait);
        if (n < 0)
            return -1;
        l->have = (size_t)n;
        l->pos = 0;
    }
    return l->buf[l->pos++];
}

void emu_line_flush(emu_line *l)
{
    l->have = l->pos = 0;
}

void emu_line_busy(emu_line *l, double seconds)
{
    double now = emu_now();
    if (!l->baud)
        return;
    if (l->free_at < now)
        l->free_at = now;
    l->free_at += seconds;
}

void emu_line_send(emu_line *l, const void *data, size_t len)
{
    const uint8_t *d = data;
    if (l->stalled || !l->connected || l->master < 0)
        return;
    pace(l, len);
    emu_sleep_until(l->free_at);
    while (len > 0) {
        ssize_t n = write(l->master, d, len);
        if (n < 0 && errno == EAGAIN) {
            struct pollfd p = {l->master, POLLOUT, 0};
            poll(&p, 1, 10);
            if (p.revents & POLLHUP)
                return;
            continue;
        }
        if (n <= 0)
            return;
        l->tx += (size_t)n;
        d += n;
        len -= (size_t)n;
    }
}

void emu_line_putc(emu_line *l, uint8_t c)
{
    emu_line_send(l, &c, 1);
}
