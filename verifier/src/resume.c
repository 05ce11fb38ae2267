/*
 * resume.c - resume records (resume.h).
 *
 * A record names an own frame F and says that image bytes [0, flushed)
 * are in flash.  A resumed run re-checks the signature, reads the image
 * bytes before F's decoded output back from flash (they feed the image
 * digest and the codec's history), then decodes F and what follows; the
 * bytes it decodes below 'flushed' are compared with flash, not written
 * (writer.c).  So no byte of the final image is taken on trust.
 */
#include <stddef.h>
#include <string.h>

#include "filter.h"
#include "window.h"
#include "frame.h"
#include "history.h"
#include "prefix.h"
#include "resume.h"
#include "writer.h"

#if FWPK_RESUME

/* SHA-512 of the record in the context's hash state, which is free at the
 * points records are made and checked: between frames. */
static void record_check(fwpk_ctx *ctx, const fwpk_resume *rec,
                         uint8_t out[8])
{
    uint8_t h[64];
    fwpk_sha512_init(&ctx->hash);
    fwpk_sha512_update(&ctx->hash, (const uint8_t *)rec,
                       offsetof(fwpk_resume, check));
    fwpk_sha512_final(&ctx->hash, h);
    memcpy(out, h, 8);
}

void fwpk_resume_container(fwpk_ctx *ctx, const uint8_t *digest)
{
    if (ctx->resuming == FWPK_RESUMING_NO)
        memcpy(ctx->snap.container, digest, FWPK_HASH_LEN);
    else if (memcmp(ctx->snap.container, digest, FWPK_HASH_LEN) != 0)
        ctx->resuming = FWPK_RESUMING_FOREIGN;
}

/* r->container was written once, by fwpk_resume_container() */
void fwpk_resume_snapshot(fwpk_ctx *ctx, uint32_t frame_offset)
{
    fwpk_resume *r = &ctx->snap;
    r->magic = FWPK_RESUME_MAGIC;
    r->target_index = ctx->frames.target;
    r->frame_index = ctx->frames.index;
    r->frame_offset = frame_offset;
    memcpy(r->frame_hash, ctx->frames.expect, FWPK_HASH_LEN);
    r->payload_seen = ctx->payload_seen;
    r->decoded = ctx->decoded;
    r->flushed = 0;
    r->filter_seg = ctx->filter_seg;
    r->unfilter = ctx->mem.stream.unfilter;
    ctx->mem.stream.writer.boundary_hit = 0;
}

fwpk_err fwpk_resume_offer(fwpk_ctx *ctx)
{
    fwpk_resume *rec = &ctx->snap;
    if (ctx->flash->checkpoint == NULL ||
        !ctx->mem.stream.writer.boundary_hit)
        return FWPK_OK;
    ctx->mem.stream.writer.boundary_hit = 0;
    rec->flushed = ctx->mem.stream.writer.boundary;
    record_check(ctx, rec, rec->check);
    return ctx->flash->checkpoint(ctx->flash->user, rec) == FWPK_OK
               ? FWPK_OK
               : FWPK_ERR_FLASH;
}

/* Puts replayed bytes into the codec's ring, as if they were decoded and
 * drained: only the last ring's worth stays, the rest is in flash. */
static fwpk_err ring_put(void *arg, const uint8_t *d, size_t n)
{
    fwpk_window *w = &((fwpk_ctx *)arg)->mem.stream.win;
    while (n-- > 0)
        fwpk_window_put(w, *d++);
    w->drained = w->total;
    return FWPK_OK;
}

static int record_fits(fwpk_ctx *ctx, const fwpk_resume *r)
{
    const fwpk_manifest *m = &ctx->manifest;
    const fwpk_target *t = &m->own;
    uint8_t check[8];
    record_check(ctx, r, check);
    return memcmp(check, r->check, sizeof check) == 0 &&
           r->magic == FWPK_RESUME_MAGIC &&
           ctx->resuming != FWPK_RESUMING_FOREIGN &&
           r->target_index == m->own_index &&
           r->frame_index < t->frame_count &&
           r->frame_offset >= ctx->offset &&
           r->payload_seen < t->payload_size && r->decoded <= t->image_size &&
           r->flushed <= t->image_size && r->unfilter.count <= 3 &&
           r->unfilter.count <= r->decoded &&
           r->decoded - r->unfilter.count <= r->flushed &&
           r->filter_seg <= t->segment_count;
}

/* Reads the image bytes [0, released) back from flash: they feed the
 * image hash, and (re-filtered) the codec's ring.  The writer's staging
 * buffer is free until the frames start. */
static fwpk_err replay(fwpk_ctx *ctx, uint32_t released)
{
    uint8_t *buf = ctx->mem.stream.writer.wbuf;
    const fwpk_target *t = &ctx->manifest.own;
    int windowed = t->codec == FWPK_CODEC_DEFLATE;
    int filtered = FWPK_FILTERS_ANY && t->filter != FWPK_FILTER_NONE;
    fwpk_unfilter rf;
    uint32_t done = 0, i;
    for (i = 0; i < t->segment_count && done < released; i++) {
        const fwpk_segment *seg = &t->segments[i];
        uint32_t n = seg->len, off, chunk;
        fwpk_err err = FWPK_OK;
        if (n > released - done)
            n = released - done;
        fwpk_unfilter_segment(&rf, t->filter, seg->addr, seg->len);
        for (off = 0; off < n && err == FWPK_OK; off += chunk) {
            chunk = n - off < FWPK_WBUF_SIZE ? n - off : FWPK_WBUF_SIZE;
            if (fwpk_flash_read(ctx->flash, seg->addr + off, buf, chunk) !=
                FWPK_OK)
                return FWPK_ERR_FLASH;
            fwpk_sha512_update(&ctx->mem.stream.writer.hash, buf, chunk);
            if (windowed && filtered)
                err = fwpk_refilter_push(&rf, buf, chunk, ring_put, ctx);
            else if (windowed)
                err = ring_put(ctx, buf, chunk);
        }
        if (windowed && filtered && n < seg->len)
            fwpk_filter_release_held(&rf, ring_put, ctx);
        done += n;
    }
    return FWPK_OK;
}

fwpk_err fwpk_resume_start(fwpk_ctx *ctx)
{
    const fwpk_resume *r = &ctx->snap;
    const fwpk_target *t = &ctx->manifest.own;
    uint32_t released = r->decoded - r->unfilter.count;
    fwpk_err err;
    if (!record_fits(ctx, r))
        return FWPK_ERR_RESUME;
    if (ctx->flash->read == NULL && ctx->flash->mapped == NULL)
        return FWPK_ERR_ARG;
    err = replay(ctx, released);
    if (err != FWPK_OK)
        return err;
    if (t->codec == FWPK_CODEC_DEFLATE)
        ring_put(ctx, r->unfilter.held, r->unfilter.count);
    ctx->decoded = r->decoded;
    fwpk_writer_resume(&ctx->mem.stream.writer, released, r->flushed);
    ctx->payload_seen = r->payload_seen;
    ctx->mem.stream.unfilter = r->unfilter;
    ctx->mem.stream.unfilter.filter = (uint8_t)t->filter;
    ctx->filter_seg = r->filter_seg;
    fwpk_frames_start(&ctx->frames, r->target_index, r->frame_index,
                      r->frame_hash);
    fwpk_want(ctx, FWPK_ST_SKIP, r->frame_offset - ctx->offset);
    if (ctx->need == 0)
        fwpk_want(ctx, FWPK_ST_FRAMES, 0);
    return FWPK_OK;
}

#else /* no resume: no record in the context, nothing to offer or check */

void fwpk_resume_container(fwpk_ctx *ctx, const uint8_t *digest)
{
    (void)ctx;
    (void)digest;
}

void fwpk_resume_snapshot(fwpk_ctx *ctx, uint32_t frame_offset)
{
    (void)ctx;
    (void)frame_offset;
}

fwpk_err fwpk_resume_offer(fwpk_ctx *ctx)
{
    (void)ctx;
    return FWPK_OK;
}

fwpk_err fwpk_resume_start(fwpk_ctx *ctx)
{
    (void)ctx;
    return FWPK_ERR_ARG;
}

#endif
