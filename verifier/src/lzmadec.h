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
 * RAM: the probability table, 2 * (1846 + 0x300 << (lc + lp)) bytes, plus
 * about 60 bytes.  The table's size is fixed at compile time by
 * FWPK_LZMA_LCLP_MAX (0..4, default 1: 6,764 bytes, enough for the
 * lc=0 lp=1 the packer uses for Thumb code); a stream with a larger
 * lc + lp is refused with FWPK_ERR_LIMIT.
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

#ifndef FWPK_LZMA_LCLP_MAX
#define FWPK_LZMA_LCLP_MAX 1
#endif

/* The most input bytes one symbol (with the range decoder's
 * normalisation after its last bit) can take: the longest symbol is a
 * match with 22 modelled bits (each shrinks the range by at most 2048/31)
 * and 26 direct bits (by 2 each): 22 * 6.05 + 26 = 159 bits of range, so
 * (159 + 8) / 8 = 20 bytes from a normalised range. */
#define FWPK_LZMA_LOOKAHEAD 20

/* 1846 probabilities for the match, length and distance models, and 0x300
 * per literal coder. */
#define FWPK_LZMA_PROBS (1846u + (0x300u << FWPK_LZMA_LCLP_MAX))

typedef char fwpk_lzma_lclp_max_must_be_0_to_4
    [FWPK_LZMA_LCLP_MAX >= 0 && FWPK_LZMA_LCLP_MAX <= FWPK_LZMA_LCLP_LIMIT
         ? 1
         : -1];

typedef struct {
    uint16_t probs[FWPK_LZMA_PROBS];
    uint32_t range, code; /* range decoder; range 0: not started */
    uint32_t rep[4];      /* the last four match distances, minus one */
    uint32_t pos;         /* bytes decoded so far */
    uint32_t out_size;    /* bytes the stream decodes to */
    uint32_t dict_size;   /* larger distances are invalid */
    uint16_t len;         /* bytes of the current match not yet copied */
    uint8_t state;        /* 0..11: what the last symbols were */
    uint8_t lc, lp_mask, pb_mask;
    uint8_t err;          /* sticky: the first error (fwpk_err) */
    uint8_t in_len;
    uint8_t in[FWPK_LZMA_LOOKAHEAD]; /* input kept for the next symbol */
} fwpk_lzma;

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
