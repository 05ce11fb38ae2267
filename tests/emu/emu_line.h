/*
 * emu_line.h - the serial line of the target emulators (tests/emu): a
 * pseudo-terminal whose slave end is the "serial port" a programmer
 * (fwpack flash, avrdude, stm32flash) opens.
 *
 * A pty has no modem lines and no baud rate, so the line adds what the
 * emulators need from a real one:
 *   - a host opening the port is seen, through inotify, even a close and
 *     an open in quick succession (it is what an adapter's DTR does to an
 *     Arduino through its auto-reset capacitor: the emulators reset);
 *   - pacing: bytes take (bits per byte) / baud seconds each way, and a
 *     target's busy time (flash erase, write) delays its answer;
 *   - faults on the bytes from the host, counted from 1 over the whole run:
 *     one dropped, one with a bit flipped, no answer after one for the
 *     rest of the session (a target that hangs until it is reset), the
 *     pty closed at one (a pulled cable).
 * Events go to a log, one line each, for the tests to read.
 */
#ifndef EMU_LINE_H
#define EMU_LINE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
    int master;             /* the pty's master side, or -1 */
    char path[128];         /* its slave: the port to open */
    int watch;              /* inotify on it: opens and closes */
    unsigned handles;       /* hosts' descriptors open on it */
    unsigned long opened, closed; /* 0 -> 1 and 1 -> 0 transitions */
    unsigned long session;  /* the one being served (opened at its start) */
    int connected;          /* a host has the port open */
    unsigned long rx, tx;   /* bytes from / to the host, whole run */
    unsigned long rx0, tx0; /* their values when the session began */
    unsigned long drop_at, flip_at, stall_at, hangup_at; /* faults; 0 none */
    int stalled;            /* after stall_at: nothing is answered (until
                               the next session: a reset) */
    unsigned baud;          /* pacing; 0: as fast as the pty goes */
    unsigned bits;          /* bits per byte on the wire: 10 (8N1), 11 (8E1) */
    double free_at;         /* pacing: when the line is next idle */
    uint8_t buf[512];       /* bytes read, not yet taken by emu_line_getc */
    size_t have, pos;
    FILE *log;              /* events; NULL: none */
    const char *port_file;  /* where the slave's path is written */
} emu_line;

/* Seconds on CLOCK_MONOTONIC. */
double emu_now(void);
/* Sleeps until emu_now() >= t. */
void emu_sleep_until(double t);

/* Writes a file whole, through a temporary file and a rename (a reader
 * sees all of it or nothing): 0, or -1 with a message on stderr. */
int emu_save_file(const char *path, const void *data, size_t len);

/* Defaults: no faults, no pacing, 10 bits per byte, no log. */
void emu_line_defaults(emu_line *l);
/* Takes one of the common options at argv[*i] (and its argument), moving
 * *i past them: --port-file F, --log F, --baud N, --bits N, --drop N,
 * --flip N, --stall N, --hangup N.  1 taken, 0 not one of them, -1 bad. */
int emu_line_option(emu_line *l, int argc, char **argv, int *i);
/* The options' help lines. */
extern const char emu_line_usage[];

/* Creates the pty (raw mode) and writes its slave path to port_file
 * (through a temporary file and a rename: a reader sees all or nothing).
 * 0, or -1 with a message on stderr. */
int emu_line_open(emu_line *l);
void emu_line_close(emu_line *l);

/* Waits up to timeout_ms for a host to open the port: 1 connected
 * (logged "open"), 0 not yet. */
int emu_line_wait_host(emu_line *l, int timeout_ms);
/* Up to cap bytes from the host within timeout_ms, faults applied: the
 * count (0 on timeout), or -1 when the host closed the port (logged
 * "close rx=N tx=M", the session's bytes; connected = 0).  A hang-up fault closes the pty, logs
 * "hangup" and sets emu_stop. */
long emu_line_read(emu_line *l, uint8_t *buf, size_t cap, int timeout_ms);
/* One byte from the host: 0..255, -1 the host closed the port, -2 no
 * byte within timeout_ms (< 0: wait as long as it takes). */
int emu_line_getc(emu_line *l, int timeout_ms);
/* Sends to the host, paced; dropped when stalled or nobody listens. */
void emu_line_send(emu_line *l, const void *data, size_t len);
void emu_line_putc(emu_line *l, uint8_t c);
/* The target is busy for 'seconds' (paced lines only). */
void emu_line_busy(emu_line *l, double seconds);
/* Discards whatever the host sent and was not taken yet. */
void emu_line_flush(emu_line *l);

/* A line in the event log (flushed at once). */
void emu_log(emu_line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Set by SIGINT/SIGTERM (emu_line_open installs the handler): the
 * emulator saves what it must and exits. */
extern volatile int emu_stop;

#endif
