/*
 * fold.c - the other targets' first frames against their anchors (fold.h).
 */
#include <string.h>

#include "fold.h"

#if FWPK_TARGETS > 1

/* fold = SHA-512(fold || link), truncated */
static void fold_in(uint8_t fold[FWPK_HASH_LEN], const uint8_t *link,
                    fwpk_sha512_ctx *scratch)
{
    uint8_t h[64];
    fwpk_sha512_init(scratch);
    fwpk_sha512_update(scratch, fold, FWPK_HASH_LEN);
    fwpk_sha512_update(scratch, link, FWPK_HASH_LEN);
    fwpk_sha512_final(scratch, h);
    memcpy(fold, h, FWPK_HASH_LEN);
}

void fwpk_folds_anchors(fwpk_folds *fo, const fwpk_manifest *m,
                        const uint8_t *cbor, fwpk_sha512_ctx *scratch)
{
    uint32_t i;
    /* (a container with more than FWPK_TARGETS is refused before its
     * frames: prefix.c) */
    for (i = 0; i < m->target_count && i < FWPK_TARGETS; i++)
        if (i != m->own_index)
            fold_in(i < m->own_index ? fo->before : fo->after,
                    cbor + m->walk[i].anchor_at, scratch);
}

fwpk_err fwpk_folds_first_frame(fwpk_folds *fo, const uint8_t *link,
                                fwpk_sha512_ctx *scratch)
{
    fold_in(fo->fold, link, scratch);
    return FWPK_OK;
}

int fwpk_folds_match(fwpk_folds *fo, const fwpk_manifest *m, uint32_t ended)
{
    uint32_t next = ended + 1;
    const uint8_t *want;
    if (next == m->own_index)
        want = fo->before;
    else if (next == m->target_count)
        want = fo->after;
    else
        return 1;
    if (memcmp(fo->fold, want, FWPK_HASH_LEN) != 0)
        return 0;
    memset(fo->fold, 0, FWPK_HASH_LEN);
    return 1;
}

#else /* one target: its own, nothing to fold */

void fwpk_folds_anchors(fwpk_folds *fo, const fwpk_manifest *m,
                        const uint8_t *cbor, fwpk_sha512_ctx *scratch)
{
    (void)fo;
    (void)m;
    (void)cbor;
    (void)scratch;
}

/* Not reached: a container with another target is refused before its
 * frames.  Refusing here keeps it so if that ever changed. */
fwpk_err fwpk_folds_first_frame(fwpk_folds *fo, const uint8_t *link,
                                fwpk_sha512_ctx *scratch)
{
    (void)fo;
    (void)link;
    (void)scratch;
    return FWPK_ERR_FRAME_HASH;
}

int fwpk_folds_match(fwpk_folds *fo, const fwpk_manifest *m, uint32_t ended)
{
    (void)fo;
    return ended + 1 == m->target_count;
}

#endif
