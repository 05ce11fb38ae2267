/*
 * nc_i2c.c - the Notecard's serial-over-I2C framing.
 *
 * From dev.blues.io "Serial-over-I2C protocol" and note-c's n_i2c.c: the
 * Notecard answers at 7-bit address 0x17; every transfer has a 2-byte
 * header and at most 253 data bytes.  A write is [length][data].  A read
 * is a write of [0][n] and then a read of n + 2 bytes: [available][n]
 * [n bytes], 'available' being what the Notecard still holds after them;
 * n = 0 only asks how much is available.  Transactions are at least 1 ms
 * apart.
 */
#include "nc_link.h"

#define HEADER 2u
#define GAP_MS 1u /* between transactions */

static uint8_t addr(const fwpk_nc *nc)
{
    uint8_t a = nc->cfg->io->i2c_addr;
    return a != 0 ? a : FWPK_NC_I2C_ADDR;
}

static int xfer_read(fwpk_nc *nc, uint8_t n)
{
    const fwpk_nc_io *io = nc->cfg->io;
    uint8_t ask[HEADER];
    ask[0] = 0;
    ask[1] = n;
    fwpk_nc_link_wait(nc, GAP_MS);
    if (io->write(io->user, addr(nc), ask, HEADER) != 0)
        return -1;
    fwpk_nc_link_wait(nc, GAP_MS);
    if (io->read(io->user, addr(nc), nc->cfg->rx, (uint16_t)(n + HEADER), 0) !=
        n + (int)HEADER)
        return -1;
    /* the Notecard says how much it sent: never more than asked */
    if (nc->cfg->rx[1] > n)
        return -1;
    nc->i2c_avail = nc->cfg->rx[0];
    return nc->cfg->rx[1];
}

fwpk_nc_err fwpk_nc_i2c_send(fwpk_nc *nc, uint16_t len)
{
    const fwpk_nc_io *io = nc->cfg->io;
    uint8_t *frame = nc->cfg->piece;
    if (len > FWPK_NC_I2C_MAX)
        return FWPK_NC_ERR_ARG; /* the client's requests are shorter */
    frame[0] = (uint8_t)len;
    fwpk_nc_link_wait(nc, GAP_MS);
    if (io->write(io->user, addr(nc), frame, (uint16_t)(len + 1)) != 0)
        return FWPK_NC_ERR_IO;
    return FWPK_NC_OK;
}

int fwpk_nc_i2c_fill(fwpk_nc *nc, uint32_t timeout_ms)
{
    uint32_t start = fwpk_nc_link_now(nc);
    uint16_t room = (uint16_t)(nc->cfg->rx_size - HEADER);
    int n;
    if (room > FWPK_NC_I2C_MAX)
        room = FWPK_NC_I2C_MAX;
    while (nc->i2c_avail == 0) { /* poll until the Notecard has bytes */
        if (xfer_read(nc, 0) < 0)
            return -1;
        if (nc->i2c_avail > 0)
            break;
        if ((uint32_t)(fwpk_nc_link_now(nc) - start) >= timeout_ms)
            return 0;
    }
    n = xfer_read(nc, (uint8_t)(nc->i2c_avail < room ? nc->i2c_avail : room));
    if (n <= 0) /* less than it said it had: a broken reply */
        return n;
    nc->rx_pos = HEADER;
    nc->rx_len = (uint16_t)(HEADER + n);
    return 1;
}
