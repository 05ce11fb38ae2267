/*
 * frame.c - the framing stage (frame.h).
 *
 * A frame is a 2-byte little-endian payload length, the 16... 32-byte hash
 * the next frame must have (zero after a target's last frame), and the
 * payload.  Its own hash, SHA-512 over all three truncated, must equal the
 * link the previous frame (or the manifest's anchor) gave.
 */
#include <string.h>

#include "fold.h"
#include "frame.h"

#define LEN_FIELD 2

void fwpk_frames_start(fwpk_frames *f, uint32_t target, uint32_t index,
                       const uint8_t expect[FWPK_HASH_LEN])
{
    f->target = target;
    f->index = index;
    f->len = 0;
    f->have = 0;
    if (expect != NULL) /* else on_end folds instead of comparing */
        memcpy(f->expect, expect, FWPK_HASH_LEN);
}

const uint8_t *fwpk_frames_anchor(const fwpk_manifest *m, uint32_t target)
{
    return target == m->own_index ? m->own.anchor : NULL;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    while (n-- > 0)
        acc |= *p++;
    return acc == 0;
}

int fwpk_frames_last(const fwpk_frames *f, const fwpk_manifest *m)
{
    return f->index + 1 == m->walk[f->target].frame_count;
}

/* The header is complete: its length must fit the target's frame size. */
static fwpk_err on_header(fwpk_frames *f, const fwpk_manifest *m)
{
    f->len = (uint32_t)f->head[0] | (uint32_t)f->head[1] << 8;
    if (f->len < 1 || f->len > m->walk[f->target].frame_size)
        return FWPK_ERR_FRAME;
    return FWPK_OK;
}

/* The frame is complete: its hash must be the expected link (another
 * target's first frame: folded, fold.h), and only the
 * target's last frame may end the chain (a zero link). */
static fwpk_err on_end(fwpk_frames *f, const fwpk_manifest *m,
                       fwpk_sha512_ctx *hash)
{
    uint8_t h[64];
    int last = fwpk_frames_last(f, m);
    fwpk_sha512_final(hash, h);
    if (f->index == 0 && f->target != m->own_index) {
        fwpk_err err = fwpk_folds_first_frame(&f->folds, h, hash);
        if (err != FWPK_OK)
            return err;
    } else if (memcmp(h, f->expect, FWPK_HASH_LEN) != 0) {
        return FWPK_ERR_FRAME_HASH;
    }
    if (last != all_zero(f->head + LEN_FIELD, FWPK_HASH_LEN))
        return FWPK_ERR_FRAME;
    if (last && !fwpk_folds_match(&f->folds, m, f->target))
        return FWPK_ERR_FRAME_HASH;
    return FWPK_OK;
}

fwpk_err fwpk_frames_push(fwpk_frames *f, const fwpk_manifest *m,
                          fwpk_sha512_ctx *hash, const uint8_t *in,
                          uint32_t len, uint32_t *used,
                          const uint8_t **payload, uint32_t *plen,
                          enum fwpk_frame_event *event)
{
    uint32_t take;
    *used = 0;
    *plen = 0;
    *event = FWPK_FRAME_MORE;
    if (f->have < FWPK_FRAME_HEADER_LEN) {
        if (f->have == 0)
            fwpk_sha512_init(hash);
        take = FWPK_FRAME_HEADER_LEN - f->have;
        if (take > len)
            take = len;
        memcpy(f->head + f->have, in, take);
        fwpk_sha512_update(hash, in, take);
        f->have += take;
        *used = take;
        if (f->have >= LEN_FIELD && f->have - take < LEN_FIELD) {
            fwpk_err err = on_header(f, m);
            if (err != FWPK_OK)
                return err;
        }
        return FWPK_OK;
    }
    take = FWPK_FRAME_HEADER_LEN + f->len - f->have;
    if (take == 0) {
        *event = FWPK_FRAME_END;
        return on_end(f, m, hash);
    }
    if (take > len)
        take = len;
    fwpk_sha512_update(hash, in, take);
    f->have += take;
    *used = take;
    *payload = in;
    *plen = take;
    *event = take > 0 ? FWPK_FRAME_PAYLOAD : FWPK_FRAME_MORE;
    return FWPK_OK;
}

enum fwpk_frame_event fwpk_frames_next(fwpk_frames *f,
                                       const fwpk_manifest *m)
{
    int last = fwpk_frames_last(f, m);
    uint8_t link[FWPK_HASH_LEN];
    memcpy(link, f->head + LEN_FIELD, FWPK_HASH_LEN);
    if (!last) {
        fwpk_frames_start(f, f->target, f->index + 1, link);
        return FWPK_FRAME_MORE;
    }
    if (f->target + 1 == m->target_count)
        return FWPK_FRAME_ALL;
    fwpk_frames_start(f, f->target + 1, 0,
                      fwpk_frames_anchor(m, f->target + 1));
    return FWPK_FRAME_MORE;
}
