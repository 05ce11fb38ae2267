/*
 * prefix.h - the signed prefix (internal): header, info string, manifest
 * and signature block (format/SPEC.md 2-5), then the device's policy
 * decisions on the now-authentic manifest.  Nothing is erased before this
 * stage is done.
 */
#ifndef FWPK_PREFIX_H
#define FWPK_PREFIX_H

#include "fwpk_verify.h"

enum fwpk_stage {
    FWPK_ST_HEADER,
    FWPK_ST_INFO,
    FWPK_ST_MANIFEST,
    FWPK_ST_SIG_COUNT,
    FWPK_ST_SIG,
    FWPK_ST_SKIP,    /* resumed: frames already installed */
    FWPK_ST_FRAMES,  /* the frames section */
    FWPK_ST_DONE,    /* whole container seen; only finish() may follow */
    FWPK_ST_FINISHED /* finish() returned FWPK_OK */
};

void fwpk_want(fwpk_ctx *ctx, enum fwpk_stage stage, uint32_t need);

/* The signed digest (SPEC.md 1) is needed from the manifest's end to the
 * last signature entry, in the prefix's RAM (fwpk_prefix_mem; resume
 * records keep its first half, resume.h). */
static inline uint8_t *fwpk_signed_digest(fwpk_ctx *ctx)
{
    return ctx->mem.prefix.digest;
}

/* The caller's keyring: each entry carries its own key's id, once.
 * Uses ctx->hash and fwpk_signed_digest() as scratch. */
fwpk_err fwpk_prefix_check_keys(fwpk_ctx *ctx, const fwpk_policy *pol);

/* Bytes of the prefix stages (header .. signatures), ctx->need in all:
 * collected in ctx->mem.prefix.buf.bytes (the info string streams
 * through), hashed, and handled once complete.  After the last signature entry, ctx->stage is
 * FWPK_ST_FRAMES: the policy holds and the frames may start. */
fwpk_err fwpk_prefix_feed(fwpk_ctx *ctx, const uint8_t *data, uint32_t take);

#endif
