/*
 * nc_cobs.h - COBS decoding a byte at a time (internal), for the binary
 * pieces card.binary.get sends after its JSON line.  State: fwpk_nc_cobs
 * in fwpk_notecard.h.
 */
#ifndef FWPK_NC_COBS_H
#define FWPK_NC_COBS_H

#include "fwpk_notecard.h"

/* The byte that ends a packet on the wire, and that every encoded byte is
 * XORed with so that it cannot occur inside one. */
#define FWPK_NC_COBS_EOP 0x0a

void fwpk_nc_cobs_start(fwpk_nc_cobs *d);
/* One byte as received (before the XOR), not the end marker: returns how
 * many bytes (0..1) it decodes to, in *out.  Invalid input sets d->bad. */
unsigned fwpk_nc_cobs_put(fwpk_nc_cobs *d, uint8_t wire, uint8_t *out);
/* At the end marker: a block cut short sets d->bad. */
void fwpk_nc_cobs_end(fwpk_nc_cobs *d);

#endif
