/*
 * serial.h - a POSIX serial port (termios) as the programmer library's
 * link (programmer/include/fwpk_prog.h): raw 8N1 or 8E1 at a standard
 * baud rate, reads with a deadline, DTR/RTS through TIOCMBIS/TIOCMBIC.
 *
 * A signal handler that sets *stop (e.g. on SIGINT) makes the next or the
 * current wait return FWPK_PROG_ERR_INTERRUPTED.  The first failure of the
 * port is described in 'problem' ("read: Input/output error").
 */
#ifndef FWPACK_SERIAL_H
#define FWPACK_SERIAL_H

#include <signal.h>

#include "fwpack.h"
#include "fwpk_prog.h"

typedef struct {
    int fd;
    const char *path;
    volatile sig_atomic_t *stop; /* may be NULL */
    int has_lines;               /* the port has modem control lines */
    int no_parity;               /* a pty: 8E1 asked for, 8N1 it is */
    char problem[160];
} fwp_serial;

/* Nonzero for a rate fwp_serial_open takes. */
int fwp_serial_rate_ok(uint32_t baud);
/* Opens path at baud (1200 .. 921600, a standard rate), even parity when
 * even_parity (AN3155 wants 8E1).  Errors name the port (FWP_E_IO). */
int fwp_serial_open(fwp_serial *s, const char *path, uint32_t baud,
                    int even_parity, fwp_err *err);
void fwp_serial_close(fwp_serial *s);
/* The port's callbacks, for fwpk_prog_init; 'line' is NULL when the port
 * has no modem lines (a pseudo-terminal). */
void fwp_serial_bind(fwp_serial *s, fwpk_prog_port *port);

#endif
