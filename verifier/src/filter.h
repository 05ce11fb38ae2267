/*
 * filter.h - inverse branch filters (format/SPEC.md section 6.3), internal.
 *
 * The packer rewrites relative branch offsets as absolute targets before
 * compressing; the device undoes it between inflate and the flash write.
 * State is O(1): at most four bytes are held back until a decision can be
 * made, so an instruction split across chunks or frames comes out right.
 */
#ifndef FWPK_FILTER_H
#define FWPK_FILTER_H

#include "fwpk_verify.h"

/* Starts a new segment: 'addr' is its load address, 'len' its length. */
void fwpk_unfilter_segment(fwpk_unfilter *f, uint32_t addr, uint32_t len);

/* Pushes decoded bytes of the current segment through the inverse filter;
 * restored bytes go to 'sink' in order.  The caller never pushes more than
 * the segment's remaining length. */
fwpk_err fwpk_unfilter_push(fwpk_unfilter *f, const uint8_t *in, size_t len,
                            fwpk_sink sink, void *arg);

/* The forward filter, streaming, as the packer applies it: used when a
 * resumed update rebuilds the inflate window from flash (stream.c). */
fwpk_err fwpk_refilter_push(fwpk_unfilter *f, const uint8_t *in, size_t len,
                            fwpk_sink sink, void *arg);

/* Emits the held bytes unchanged: for a prefix of a segment whose
 * undecided tail is known not to start a pair. */
fwpk_err fwpk_filter_release_held(fwpk_unfilter *f, fwpk_sink sink,
                                  void *arg);

#endif
