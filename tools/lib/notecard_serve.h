/*
 * notecard_serve.h - the Notecard emulator (notecard.h) on a serial line:
 * a port, or a pseudo-terminal it creates (notecard_serve.c).
 */
#ifndef FWPACK_NOTECARD_SERVE_H
#define FWPACK_NOTECARD_SERVE_H

#include <signal.h>

#include "notecard.h"

typedef struct {
    int once;                    /* return after answering dfu.status stop */
    uint32_t idle_ms;            /* return after so long without a byte
                                    (0: never) */
    volatile sig_atomic_t *stop; /* set (by a signal handler): return */
} fwp_nc_serve_opts;

/* Answers request lines read from fd (a port or a pty master) until an
 * end in o.  0, or -1 with err set (FWP_E_IO) when the line fails. */
int fwp_nc_serve(fwp_nc_emu *e, int fd, const fwp_nc_serve_opts *o,
                 fwp_err *err);

/* A new pseudo-terminal: its master (returned in *master) and the path of
 * its slave, which a bootloader's host side or a test opens as a serial
 * port. */
int fwp_pty_open(int *master, char *slave, size_t n, fwp_err *err);

#endif
