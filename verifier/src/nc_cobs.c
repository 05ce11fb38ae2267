/*
 * nc_cobs.c - Consistent Overhead Byte Stuffing, decoded as it streams.
 *
 * card.binary.get "first returns the JSON-formatted response object, then
 * the binary data" (notecard-schema card.binary.get.req); note-c's
 * NoteBinaryCodecDecode takes that data as COBS with every byte XORed with
 * '\n', the packet ending in a bare '\n'.  COBS: a code byte c is followed
 * by c - 1 data bytes and stands for a zero after them, except when c is
 * 0xff (a full block) or the packet ends there.  The zero a block stands
 * for is held until the next code byte shows it is not the last.
 */
#include "nc_cobs.h"

#define FULL_BLOCK 0xffu

void fwpk_nc_cobs_start(fwpk_nc_cobs *d)
{
    d->left = 0;
    d->zero = 0;
    d->bad = 0;
}

unsigned fwpk_nc_cobs_put(fwpk_nc_cobs *d, uint8_t wire, uint8_t *out)
{
    uint8_t b = (uint8_t)(wire ^ FWPK_NC_COBS_EOP);
    unsigned n = 0;
    if (d->bad)
        return 0;
    if (d->left > 0) {
        d->left--;
        *out = b;
        return 1;
    }
    if (b == 0) { /* a code byte is never zero */
        d->bad = 1;
        return 0;
    }
    if (d->zero) {
        *out = 0;
        n = 1;
    }
    d->left = (uint8_t)(b - 1);
    d->zero = b != FULL_BLOCK;
    return n;
}

void fwpk_nc_cobs_end(fwpk_nc_cobs *d)
{
    if (d->left > 0)
        d->bad = 1;
}
