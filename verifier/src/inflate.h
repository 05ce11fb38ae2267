/*
 * inflate.h - raw DEFLATE (RFC 1951) as a resumable decoder (internal).
 *
 * The decoder takes its input in pieces of any size, cut anywhere (inside
 * a block, a code or a header), and writes its output to a window
 * (window.h), at most fwpk_window_room() bytes per call.  Everything it
 * needs between calls is in fwpk_inflate, a few hundred bytes whatever
 * the deflate window: the history lives in the window, which may read
 * the older part of it back from flash.
 *
 * The caller feeds and drains in turns:
 *
 *     do {
 *         err = fwpk_inflate_push(&s, &w, in, len, &used);
 *         in += used, len -= used;
 *         full = fwpk_window_room(&w) == 0;
 *         ... hand fwpk_window_pending() on, fwpk_window_drain() ...
 *     } while (err == FWPK_OK && (len > 0 || full));
 *
 * A call returns FWPK_OK when it has used all its input and can make no
 * more output from it, or when the window is full; a full window means
 * "drain and call again", even with no input left.  Errors stick: every
 * later call returns the same one.
 */
#ifndef FWPK_INFLATE_H
#define FWPK_INFLATE_H

#include "window.h"


void fwpk_inflate_init(fwpk_inflate *s);

/* Decodes from in[0..len) into w.  Sets *used to the bytes taken (all of
 * them unless the window filled up first).  FWPK_ERR_INFLATE for invalid
 * data (a code set over-subscribed or incomplete as zlib refuses it, too
 * many codes, an invalid symbol, a distance beyond the dictionary or the
 * output so far, bytes after the final block, or nonzero padding bits
 * after it); FWPK_ERR_FLASH when w's far reader fails. */
fwpk_err fwpk_inflate_push(fwpk_inflate *s, fwpk_window *w, const uint8_t *in,
                           uint32_t len, uint32_t *used);

/* The final block has been decoded (and its padding checked). */
int fwpk_inflate_done(const fwpk_inflate *s);

/* Between blocks with no input bits held: where a v1 frame must end
 * (SPEC.md 6.1).  Also true once done. */
int fwpk_inflate_at_boundary(const fwpk_inflate *s);

#endif
