/*
 * lzmadec.h - the LZMA decoder stage (format/SPEC.md 6.1, codec 2), internal.
 *
 * A raw LZMA1 stream (no header: the properties and the dictionary size
 * come from the manifest), decoded into a window (window.h): the decoder
 * appends what it decodes to the window's ring and copies matches from
 * its history, which may lie in flash.  Input arrives in pieces of any
 * size, cut anywhere, even inside a symbol: a symbol takes at most
 * FWPK_LZMA_LOOKAHEAD input bytes, and when fewer than that are at hand
 * the decoder first decodes the symbol on trial, without changing any
 * state, to learn whether they suffice; the bytes it cannot use yet wait
 * in the state.
 *
 * RAM: fwpk_lzma (fwpk_verify.h), the probability table, 2 * (1846 +
 * 0x300 << (lc + lp)) bytes, plus 64 bytes.  The table's size is fixed at
 * compile time by FWPK_LZMA_LCLP_MAX (0..4, default 1: 6,764 bytes, enough
 * for the lc=0 lp=1 the packer uses); a stream with a larger lc + lp is
 * refused with FWPK_ERR_LIMIT.
 *
 *   fwpk_lzma_init(&s, props, dict_size, image_size);
 *   for each piece:  while (piece not used up) {
 *       fwpk_lzma_push(&s, &w, p, n, &used); p += used; n -= used;
 *       drain the window (fwpk_window_pending / fwpk_window_drain);
 *   }
 *   at the end: fwpk_lzma_done(&s) must be true.
 */
#ifndef FWPK_LZMADEC_H
#define FWPK_LZMADEC_H

#include "window.h"

/* lc + lp of properties byte 'props' (FWPK_LZMA_PROPS_MAX at most). */
unsigned fwpk_lzma_lclp(uint8_t props);

/* 'props' the properties byte, 'out_size' what the stream decodes to (it
 * has no end marker).  FWPK_ERR_ARG for props above FWPK_LZMA_PROPS_MAX,
 * FWPK_ERR_LIMIT for lc + lp above FWPK_LZMA_LCLP_MAX. */
fwpk_err fwpk_lzma_init(fwpk_lzma *s, uint8_t props, uint32_t dict_size,
                        uint32_t out_size);

/* Decodes from 'in' into the window until the input is used up, the
 * window is full (fwpk_window_room() 0: drain it and call again with the
 * rest), or the stream has ended.  *used says how many bytes of 'in' were
 * taken (kept ones included).  Returns FWPK_OK, or FWPK_ERR_INFLATE for an
 * invalid stream (also: a match beyond the output so far or the
 * dictionary, output beyond out_size, input after the end, a nonzero
 * range decoder at the end), or FWPK_ERR_FLASH from the window; an error
 * sticks. */
fwpk_err fwpk_lzma_push(fwpk_lzma *s, fwpk_window *w, const uint8_t *in,
                        uint32_t len, uint32_t *used);

/* 1 when the stream has decoded to exactly out_size bytes and ended
 * cleanly, all of them in the window. */
int fwpk_lzma_done(const fwpk_lzma *s);

#endif
