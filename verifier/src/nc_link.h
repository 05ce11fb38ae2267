/*
 * nc_link.h - the client's byte pipe to the Notecard (internal): request
 * lines out, reply bytes in, over the serial line (nc_link.c) or the
 * Notecard's serial-over-I2C framing (nc_i2c.c).
 */
#ifndef FWPK_NC_LINK_H
#define FWPK_NC_LINK_H

#include "fwpk_notecard.h"

/* Sends the request line at cfg->piece + 1 ('len' bytes, ending in a
 * newline); cfg->piece[0] is free for the I2C length byte. */
fwpk_nc_err fwpk_nc_link_send(fwpk_nc *nc, uint16_t len);
/* The next reply byte: 1, or 0 when none came within timeout_ms, or -1 on
 * a transport error. */
int fwpk_nc_link_byte(fwpk_nc *nc, uint32_t timeout_ms, uint8_t *ch);
/* Drops what is left of an earlier reply before a new request. */
void fwpk_nc_link_drain(fwpk_nc *nc);
/* Waits 'ms' milliseconds (delay_ms, or polling now_ms). */
void fwpk_nc_link_wait(fwpk_nc *nc, uint32_t ms);
uint32_t fwpk_nc_link_now(const fwpk_nc *nc);

/* nc_i2c.c: the same over I2C. */
fwpk_nc_err fwpk_nc_i2c_send(fwpk_nc *nc, uint16_t len);
/* Refills cfg->rx with the next chunk the Notecard has: 1, 0 (nothing
 * within timeout_ms) or -1. */
int fwpk_nc_i2c_fill(fwpk_nc *nc, uint32_t timeout_ms);

#endif
