/*
 * nc_link.c - requests and replies on the Notecard's serial line.
 *
 * "The Notecard's serial interface is newline-delimited JSON" at 9600
 * 8-N-1 by default (dev.blues.io, Notecard interfaces).  note-c pauses
 * 250 ms after every 250 bytes it sends so that the Notecard's receive
 * buffer keeps up; this client's longest request (the final dfu.status)
 * is shorter than that, so it never has to.  Reply bytes are read in
 * chunks of cfg->rx and handed out one at a time.
 */
#include "nc_link.h"

#define DRAIN_MAX 64u /* reads of leftover bytes before a request */

uint32_t fwpk_nc_link_now(const fwpk_nc *nc)
{
    const fwpk_nc_io *io = nc->cfg->io;
    return io->now_ms(io->user);
}

void fwpk_nc_link_wait(fwpk_nc *nc, uint32_t ms)
{
    const fwpk_nc_io *io = nc->cfg->io;
    uint32_t start;
    if (io->delay_ms != NULL) {
        io->delay_ms(io->user, ms);
        return;
    }
    start = io->now_ms(io->user);
    while ((uint32_t)(io->now_ms(io->user) - start) < ms)
        continue;
}

fwpk_nc_err fwpk_nc_link_send(fwpk_nc *nc, uint16_t len)
{
    const fwpk_nc_io *io = nc->cfg->io;
    nc->requests++;
    nc->bytes_tx += len;
    if (io->transport == FWPK_NC_I2C)
        return fwpk_nc_i2c_send(nc, len);
    if (io->write(io->user, 0, nc->cfg->piece + 1, len) != 0)
        return FWPK_NC_ERR_IO;
    return FWPK_NC_OK;
}

static int serial_fill(fwpk_nc *nc, uint32_t timeout_ms)
{
    const fwpk_nc_io *io = nc->cfg->io;
    int n = io->read(io->user, 0, nc->cfg->rx, nc->cfg->rx_size, timeout_ms);
    if (n < 0 || (unsigned)n > nc->cfg->rx_size)
        return -1;
    nc->rx_pos = 0;
    nc->rx_len = (uint16_t)n;
    return n > 0;
}

int fwpk_nc_link_byte(fwpk_nc *nc, uint32_t timeout_ms, uint8_t *ch)
{
    if (nc->rx_pos >= nc->rx_len) {
        int r = nc->cfg->io->transport == FWPK_NC_I2C
                    ? fwpk_nc_i2c_fill(nc, timeout_ms)
                    : serial_fill(nc, timeout_ms);
        if (r <= 0)
            return r;
    }
    *ch = nc->cfg->rx[nc->rx_pos++];
    nc->bytes_rx++;
    return 1;
}

void fwpk_nc_link_drain(fwpk_nc *nc)
{
    unsigned i;
    nc->rx_pos = nc->rx_len = 0;
    for (i = 0; i < DRAIN_MAX; i++) {
        int r = nc->cfg->io->transport == FWPK_NC_I2C
                    ? fwpk_nc_i2c_fill(nc, 0)
                    : serial_fill(nc, 0);
        if (r <= 0)
            break;
    }
    nc->rx_pos = nc->rx_len = 0;
}
