/*
 * notecard_link.h - the device's Notecard client (fwpk_notecard.h) wired
 * to the emulator (notecard.h) in one process (notecard_link.c): a serial
 * line or the I2C framing, with a simulated clock that advances by the
 * time each byte takes on the link (serial: 10 bits per byte at 'baud';
 * I2C: 9 bits per byte and an address byte per transfer at 'i2c_hz') and
 * by the client's waits.  For tests and make bench.
 */
#ifndef FWPACK_NOTECARD_LINK_H
#define FWPACK_NOTECARD_LINK_H

#include "fwpk_notecard.h"
#include "notecard.h"

typedef struct {
    fwp_nc_emu emu;
    fwpk_nc_io io;       /* the client's transport: bound to this link */
    fwp_buf req;         /* request bytes until their newline */
    fwp_buf pending;     /* reply bytes not read yet, from 'pos' */
    size_t pos;
    uint64_t us;         /* the clock */
    uint32_t baud;       /* serial: default 9600 */
    uint32_t i2c_hz;     /* I2C: default 100000 */
    uint32_t i2c_ask;    /* I2C: n of the last [0][n] write */
    size_t read_max;     /* serial: bytes per read() at most (0: any) */
    uint64_t link_us;    /* time bytes were on the link */
    uint64_t wire_bytes; /* bytes on the link, both ways (I2C: headers too) */
    int cut_after;       /* > 0: the line dies after this many requests */
    const char *problem; /* the first thing the client did wrong, or NULL */
} fwp_nc_link;

/* transport FWPK_NC_SERIAL or FWPK_NC_I2C; the emulator serves a copy of
 * image.  -1 (err set) when out of memory. */
int fwp_nc_link_init(fwp_nc_link *w, int transport, const uint8_t *image,
                     size_t len, fwp_err *err);
void fwp_nc_link_free(fwp_nc_link *w);

#endif
