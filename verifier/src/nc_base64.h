/*
 * nc_base64.h - base64 decoding a character at a time (internal), for the
 * "payload" of a dfu.get reply as it streams in.  State: fwpk_nc_b64 in
 * fwpk_notecard.h.
 */
#ifndef FWPK_NC_BASE64_H
#define FWPK_NC_BASE64_H

#include "fwpk_notecard.h"

void fwpk_nc_b64_start(fwpk_nc_b64 *d);
/* One character of the text: returns how many bytes (0..3) it completes,
 * written to out.  Anything that is not base64 sets d->bad for good. */
unsigned fwpk_nc_b64_put(fwpk_nc_b64 *d, uint8_t ch, uint8_t out[3]);
/* The end of the text: returns the bytes (0..2) an unpadded last group
 * completes; a group cut short sets d->bad. */
unsigned fwpk_nc_b64_end(fwpk_nc_b64 *d, uint8_t out[2]);

#endif
