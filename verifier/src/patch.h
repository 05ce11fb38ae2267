/*
 * patch.h - the delta applier (format/SPEC.md 6.5), internal: a stage
 * between the codec and the inverse filter.  The codec's output is a
 * stream of patch instructions; the applier makes the (filtered) image
 * from them and the base, the image installed before the update, which
 * it reads through fwpk_flash (mapped or read) from base_addr.  O(1) RAM:
 * fwpk_patch, a piece of the base at a time.
 */
#ifndef FWPK_PATCH_H
#define FWPK_PATCH_H

#include "fwpk_verify.h"

/* Everything a delta target needs before the first erase: this build
 * takes it (FWPK_ERR_LIMIT: the codec's whole window in RAM, since its
 * output is the patch and not in flash), the base can be read
 * (FWPK_ERR_ARG) and is not written by the update (FWPK_ERR_POLICY), and
 * the installed base has the manifest's size and digest (FWPK_ERR_BASE).
 * 'h' and 'buf' (buf_len bytes) are scratch: the writer's, before it
 * starts. */
fwpk_err fwpk_patch_start(fwpk_patch *p, const fwpk_target *t,
                          const fwpk_flash *f, fwpk_sha512_ctx *h,
                          uint8_t *buf, uint32_t buf_len);

/* Patch bytes in; image bytes (as the packer filtered them) to sink. */
fwpk_err fwpk_patch_push(fwpk_patch *p, const uint8_t *d, size_t n,
                         fwpk_sink sink, void *arg);

/* The patch ended where the format says: every byte of it taken, the
 * image complete, no instruction begun. */
int fwpk_patch_done(const fwpk_patch *p);

#endif
