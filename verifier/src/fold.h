/*
 * fold.h - the other targets' first frames against their anchors
 * (internal, for frame.c).
 *
 * The context keeps the own target's anchor only.  The other targets'
 * anchors are folded into one hash each, those of the targets before the
 * own one and those after it (fold = SHA-512(fold || anchor), truncated,
 * from zero), read from the manifest bytes while they are at hand.  The
 * walk folds what those targets' first frames hash to in the same way, and
 * compares when the own target begins and after the last target.
 * State: fwpk_folds in fwpk_verify.h (empty where FWPK_TARGETS is 1).
 */
#ifndef FWPK_FOLD_H
#define FWPK_FOLD_H

#include "fwpk_verify.h"

/* Folds the anchors of every target but the own one from 'cbor' (the
 * manifest bytes parsed into m).  'scratch' is a hash state free
 * meanwhile; fwpk_begin left the folds zero. */
void fwpk_folds_anchors(fwpk_folds *fo, const fwpk_manifest *m,
                        const uint8_t *cbor, fwpk_sha512_ctx *scratch);

/* Another target's first frame hashed to 'link': folds it in. */
fwpk_err fwpk_folds_first_frame(fwpk_folds *fo, const uint8_t *link,
                                fwpk_sha512_ctx *scratch);

/* After target 'ended's last frame: nonzero when the first frames folded
 * so far match the anchors, where the own target comes next or no target
 * does (the fold then starts again from zero); nonzero elsewhere. */
int fwpk_folds_match(fwpk_folds *fo, const fwpk_manifest *m, uint32_t ended);

#endif
