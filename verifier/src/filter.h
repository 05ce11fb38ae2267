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

/* Nonzero if this build has any inverse filter (FWPK_FILTERS): without, a
 * filtered container is refused (stream.c check_policy) and this code is
 * never reached. */
#define FWPK_FILTERS_ANY \
    (FWPK_FILTERS & (1 << FWPK_FILTER_THUMB | 1 << FWPK_FILTER_RV32))

/* Starts a new segment: 'filter' is FWPK_FILTER_THUMB or FWPK_FILTER_RV32
 * (never NONE: those bytes bypass the filter), 'addr' the segment's load
 * address, 'len' its length. */
void fwpk_unfilter_segment(fwpk_unfilter *f, uint32_t filter, uint32_t addr,
                           uint32_t len);

/* Pushes bytes of the current segment through the filter: inverse
 * (refilter 0: decoded bytes in, flash bytes out) or forward (refilter 1:
 * flash bytes in, decoded bytes out, as the packer filtered them; used
 * when a resumed update rebuilds the inflate window from flash, stream.c).
 * Finished bytes go to 'sink' in order.  The caller never pushes more than
 * the segment's remaining length. */
fwpk_err fwpk_filter_push(fwpk_unfilter *f, const uint8_t *in, size_t len,
                          fwpk_sink sink, void *arg, int refilter);
#define fwpk_unfilter_push(f, in, len, sink, arg) \
    fwpk_filter_push(f, in, len, sink, arg, 0)
#define fwpk_refilter_push(f, in, len, sink, arg) \
    fwpk_filter_push(f, in, len, sink, arg, 1)

/* The Thumb filter on one pair of halfwords at flash address 'addr':
 * rewrites b in place (refilter 1: as the packer did; 0: undone) and
 * returns 1 if it is a BL pair, else 0 and b unchanged. */
int fwpk_filter_pair(uint8_t b[4], uint32_t addr, int refilter);

/* Emits the held bytes unchanged and ends the segment there: for a prefix
 * of a segment whose undecided tail is known not to start a rewritten
 * instruction. */
fwpk_err fwpk_filter_release_held(fwpk_unfilter *f, fwpk_sink sink,
                                  void *arg);

#endif
