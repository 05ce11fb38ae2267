/*
 * window.h - a codec's history and output: the stage between a codec
 * (inflate, lzma) and the rest of the pipeline (internal).
 *
 * A codec appends what it decodes to a RAM ring and copies matches from
 * its history.  The driver drains new bytes from the ring to the next
 * stage (inverse filter, flash writer).  History older than the ring comes
 * from 'far': in the flash-backed build, image bytes already written,
 * read back through the flash read callback (or memory-mapped); in the
 * RAM-window build the ring holds the whole dictionary and 'far' is
 * never used.
 *
 *   ring:  ... drained (history) ... | pending (not yet drained) |  room
 *                                    ^ drained                   ^ total
 *
 * A codec may produce at most fwpk_window_room() bytes before the driver
 * drains; it keeps its place (a match half copied) and continues on the
 * next call.  Bytes in the ring are never overwritten before they are
 * drained, and 'reserve' more (bytes the later stages hold back, not yet
 * in flash) stay readable from the ring.
 */
#ifndef FWPK_WINDOW_H
#define FWPK_WINDOW_H

#include "fwpk_verify.h"


/* 'ring_size' a power of two; with far == NULL it must be >= dict. */
void fwpk_window_init(fwpk_window *w, uint8_t *ring, uint32_t ring_size,
                      uint32_t dict, uint32_t reserve, fwpk_far_read far,
                      void *far_arg);

/* Bytes a codec may still append before the driver must drain. */
uint32_t fwpk_window_room(const fwpk_window *w);

/* Appends one byte; the caller checked room. */
void fwpk_window_put(fwpk_window *w, uint8_t b);

/* Appends 'len' (<= room) bytes copied from 'dist' back (overlapping
 * allowed, as LZ77 means it).  FWPK_ERR_INFLATE for dist 0, dist > total
 * or dist > dict; FWPK_ERR_FLASH when 'far' fails. */
fwpk_err fwpk_window_copy(fwpk_window *w, uint32_t dist, uint32_t len);

/* The byte 'dist' back (1 = the last one). Same errors. */
fwpk_err fwpk_window_byte(const fwpk_window *w, uint32_t dist, uint8_t *out);

/* The pending bytes, as one contiguous run up to the ring's end: returns
 * its length (0: nothing pending) and sets *p.  fwpk_window_drain() then
 * marks n of them as handed on. */
uint32_t fwpk_window_pending(const fwpk_window *w, const uint8_t **p);
void fwpk_window_drain(fwpk_window *w, uint32_t n);

#endif
