/* ncwire.h - the Notecard client (fwpk_notecard.h) wired to the emulator
 * (tools/lib/notecard.h) in-process: a serial line or the I2C framing,
 * with a simulated clock that advances by the time each byte takes on the
 * link (serial: 10 bits per byte at 'baud'; I2C: 9 bits per byte and one
 * address byte per transfer at 'i2c_hz'). */
#ifndef NCWIRE_H
#define NCWIRE_H

#include "fwpk_notecard.h"
#include "notecard.h"

typedef struct {
    fwp_nc_emu emu;
    fwpk_nc_io io;
    fwp_buf req;         /* request bytes until their newline */
    fwp_buf pending;     /* reply bytes not read yet, from 'pos' */
    size_t pos;
    uint64_t us;         /* the clock */
    uint32_t baud;       /* serial: default 9600 */
    uint32_t i2c_hz;     /* I2C: default 100000 */
    uint32_t i2c_ask;    /* I2C: n of the last [0][n] write */
    size_t read_max;     /* serial: bytes per read() at most (0: any) */
    uint64_t link_us;    /* time the link was busy */
    int cut_after;       /* > 0: the line dies after this many requests */
} ncwire;

/* transport FWPK_NC_SERIAL or FWPK_NC_I2C; the emulator serves image. */
void ncwire_init(ncwire *w, int transport, const uint8_t *image, size_t len);
void ncwire_free(ncwire *w);

#endif
