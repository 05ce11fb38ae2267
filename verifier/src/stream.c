/*
 * stream.c - the driver: container bytes in, verified image bytes out to
 * flash (format/SPEC.md).  It owns no format knowledge of its own; it runs
 * the stages in order and acts on what each returns:
 *
 *   prefix.c  header, info, manifest, signatures, policy
 *   frame.c   frames and their hash chain
 *   codec     none | inflate.c | lzmadec.c, into window.c's ring
 *             (history.c reads the older part back from flash)
 *   patch.c   delta targets: the patch against the installed base
 *   filter.c  the inverse branch filter
 *   writer.c  staging, erase, writes, the image digest
 *   resume.c  resume records
 *
 * Nothing is erased or written before the signature block has been
 * checked.  In the buffered mode (FWPK_FRAME_BUFFER) a frame's payload is
 * decoded only after the frame's hash matched the chain; in the streaming
 * mode as it arrives, and nothing is confirmed before fwpk_finish().
 */
#include <stddef.h>
#include <string.h>

#include "filter.h"
#include "frame.h"
#include "history.h"
#include "inflate.h"
#include "lzmadec.h"
#include "patch.h"
#include "prefix.h"
#include "resume.h"
#include "writer.h"

/* ---- the decoding pipeline: codec -> inverse filter -> writer ---- */

/* Decoded bytes through the inverse filter, which works segment by
 * segment, to the writer. */
static fwpk_err filter_put(fwpk_ctx *ctx, const uint8_t *d, size_t n)
{
    fwpk_unfilter *f = &ctx->mem.stream.unfilter;
    const fwpk_target *t = &ctx->manifest.own;
    while (n > 0) {
        uint32_t take;
        fwpk_err err;
        if (f->left == 0) {
            const fwpk_segment *seg;
            if (ctx->filter_seg >= t->segment_count)
                return FWPK_ERR_SIZE;
            seg = &t->segments[ctx->filter_seg++];
            fwpk_unfilter_segment(f, t->filter, seg->addr, seg->len);
        }
        take = f->left - f->count; /* bytes not yet pushed */
        if (take > n)
            take = (uint32_t)n;
        err = fwpk_unfilter_push(f, d, take, fwpk_writer_put,
                                 &ctx->mem.stream.writer);
        if (err != FWPK_OK)
            return err;
        d += take;
        n -= take;
    }
    return FWPK_OK;
}

static fwpk_err decoded_put(void *arg, const uint8_t *d, size_t n)
{
    fwpk_ctx *ctx = (fwpk_ctx *)arg;
    ctx->decoded += (uint32_t)n;
    if (!FWPK_FILTERS_ANY || ctx->manifest.own.filter == FWPK_FILTER_NONE)
        return fwpk_writer_put(&ctx->mem.stream.writer, d, n);
    return filter_put(ctx, d, n);
}

/* The codec's output: the image, or a delta target's patch. */
static fwpk_err codec_out(fwpk_ctx *ctx, const uint8_t *d, size_t n)
{
#if FWPK_DELTA
    if (ctx->manifest.own.base_size != 0)
        return fwpk_patch_push(&ctx->mem.stream.patch, d, n, decoded_put, ctx);
#endif
    return decoded_put(ctx, d, n);
}

/* Hands the codec's new output on to the filter and the writer. */
static fwpk_err drain(fwpk_ctx *ctx)
{
    const uint8_t *p;
    uint32_t n;
    while ((n = fwpk_window_pending(&ctx->mem.stream.win, &p)) > 0) {
        fwpk_err err = codec_out(ctx, p, n);
        if (err != FWPK_OK)
            return err;
        fwpk_window_drain(&ctx->mem.stream.win, n);
    }
    return FWPK_OK;
}

/* ---- the own target's decoder: deflate or LZMA (FWPK_CODECS) ---- */

static fwpk_err codec_init(fwpk_ctx *ctx, uint32_t dict)
{
    const fwpk_target *t = &ctx->manifest.own;
    fwpk_codec_mem *c = &ctx->mem.stream.codec;
#if FWPK_HAS_CODEC(FWPK_CODEC_LZMA)
    if (t->codec == FWPK_CODEC_LZMA)
        return fwpk_lzma_init(&c->dec.lzma, (uint8_t)t->lzma_props, dict,
                              t->base_size ? t->patch_size : t->image_size);
#endif
    (void)t;
    (void)dict;
    fwpk_inflate_init(&c->dec.inflate);
    return FWPK_OK;
}

static fwpk_err codec_push(fwpk_ctx *ctx, const uint8_t *p, uint32_t len,
                           uint32_t *used)
{
    fwpk_stream_mem *s = &ctx->mem.stream;
#if FWPK_HAS_CODEC(FWPK_CODEC_LZMA)
    if (ctx->manifest.own.codec == FWPK_CODEC_LZMA)
        return fwpk_lzma_push(&s->codec.dec.lzma, &s->win, p, len, used);
#endif
    if (!FWPK_HAS_CODEC(FWPK_CODEC_DEFLATE)) /* check_policy refused it */
        return FWPK_ERR_LIMIT;
    return fwpk_inflate_push(&s->codec.dec.inflate, &s->win, p, len, used);
}

/* The decoder has seen its stream end where the format says. */
static int codec_done(const fwpk_ctx *ctx)
{
#if FWPK_HAS_CODEC(FWPK_CODEC_LZMA)
    if (ctx->manifest.own.codec == FWPK_CODEC_LZMA)
        return fwpk_lzma_done(&ctx->mem.stream.codec.dec.lzma);
#endif
    return FWPK_HAS_CODEC(FWPK_CODEC_DEFLATE) &&
           fwpk_inflate_done(&ctx->mem.stream.codec.dec.inflate);
}

/* Feeds and drains in turns: a full ring means "drain and call again",
 * even with no input left (inflate.h, lzmadec.h). */
static fwpk_err codec_payload(fwpk_ctx *ctx, const uint8_t *p, uint32_t len)
{
    fwpk_err err, sunk;
    int full;
    do {
        uint32_t used;
        err = codec_push(ctx, p, len, &used);
        p += used;
        len -= used;
        full = fwpk_window_room(&ctx->mem.stream.win) == 0;
        sunk = drain(ctx);
        if (err == FWPK_OK)
            err = sunk;
    } while (err == FWPK_OK && (len > 0 || full));
    return err;
}

/* Adds payload bytes to the current target's sum, which never passes the
 * manifest's payload size and at the target's last frame equals it
 * (SPEC.md 6).  Other targets' frames are not decoded, but are counted
 * all the same: every device class refuses the same containers. */
static int payload_fits(fwpk_ctx *ctx, uint32_t len, int last)
{
    uint32_t size = ctx->manifest.walk[ctx->frames.target].payload_size;
    if (len > size - ctx->payload_seen)
        return 0;
    ctx->payload_seen += len;
    return !last || ctx->payload_seen == size;
}

/* The own target's sum is compared at its end by finish_image(), after
 * the decoder had its say. */
static fwpk_err decode_payload(fwpk_ctx *ctx, const uint8_t *p, uint32_t len)
{
    if (!payload_fits(ctx, len, 0))
        return FWPK_ERR_FRAME;
    if (ctx->manifest.own.codec == FWPK_CODEC_NONE)
        return codec_out(ctx, p, len);
    return codec_payload(ctx, p, len);
}

/* After the own target's last frame: the image must be complete. */
static fwpk_err finish_image(fwpk_ctx *ctx)
{
    const fwpk_target *t = &ctx->manifest.own;
    uint8_t digest[64];
    fwpk_err err = fwpk_writer_flush(&ctx->mem.stream.writer);
    if (err != FWPK_OK)
        return err;
    if (t->codec != FWPK_CODEC_NONE && !codec_done(ctx))
        return FWPK_ERR_INFLATE;
#if FWPK_DELTA
    if (t->base_size != 0 && !fwpk_patch_done(&ctx->mem.stream.patch))
        return FWPK_ERR_PATCH;
#endif
    if (ctx->payload_seen != t->payload_size)
        return FWPK_ERR_FRAME;
    if (!fwpk_writer_complete(&ctx->mem.stream.writer))
        return FWPK_ERR_SIZE;
    fwpk_sha512_final(&ctx->mem.stream.writer.hash, digest);
    /* Resumed, the digest also covers the bytes the resume read back below
     * the record's frame, which nothing else checks: a mismatch may be a
     * stale record (another container wrote there) as much as a bad
     * container, so start over and let a fresh run decide. */
    if (memcmp(digest, t->image_digest, FWPK_HASH_LEN) != 0)
        return FWPK_RESUME && ctx->resuming ? FWPK_ERR_RESUME
                                            : FWPK_ERR_DIGEST;
    return FWPK_OK;
}

/* ---- frames ---- */

static int own_frame(const fwpk_ctx *ctx)
{
    return ctx->frames.target == ctx->manifest.own_index;
}

/* A frame checked out.  Its payload is decoded now (buffered mode, from
 * the frame buffer) or was decoded as it arrived (streaming); a v1 frame
 * ends on a deflate block boundary (SPEC.md 6.1).  Then a record is
 * offered, or the image finished after the own target's last frame. */
static fwpk_err on_frame_end(fwpk_ctx *ctx)
{
    const fwpk_manifest *m = &ctx->manifest;
    fwpk_err err = FWPK_OK;
    if (own_frame(ctx)) {
#if FWPK_FRAME_BUFFER
        err = decode_payload(ctx, ctx->mem.stream.frame, ctx->frames.len);
#endif
        if (err == FWPK_OK && FWPK_HAS_CODEC(FWPK_CODEC_DEFLATE) &&
            m->own.codec == FWPK_CODEC_DEFLATE &&
            !fwpk_inflate_at_boundary(&ctx->mem.stream.codec.dec.inflate))
            err = FWPK_ERR_INFLATE;
        if (err == FWPK_OK && fwpk_frames_last(&ctx->frames, m))
            err = finish_image(ctx);
        else if (err == FWPK_OK)
            err = fwpk_resume_offer(ctx);
    } else if (!payload_fits(ctx, ctx->frames.len,
                             fwpk_frames_last(&ctx->frames, m))) {
        err = FWPK_ERR_FRAME;
    }
    if (err != FWPK_OK)
        return err;
    if (fwpk_frames_last(&ctx->frames, m))
        ctx->payload_seen = 0; /* the next target's sum starts */
    if (fwpk_frames_next(&ctx->frames, m) == FWPK_FRAME_ALL)
        fwpk_want(ctx, FWPK_ST_DONE, 0);
    return FWPK_OK;
}

/* Frame bytes: the own target's payload is kept until its frame checks
 * out (buffered) or decoded at once (streaming). */
static fwpk_err frames_feed(fwpk_ctx *ctx, const uint8_t *data, uint32_t len,
                            uint32_t *used)
{
    const uint8_t *p = NULL;
    uint32_t plen;
    enum fwpk_frame_event ev;
    fwpk_err err;
    /* LZMA's state between frames is too large for a record, and a
     * patch's history is not in flash: their records name the target's
     * first frame, and a resumed run decodes again from there, comparing
     * what is already in flash (SPEC.md 6.1, 6.5) */
    if (FWPK_RESUME && ctx->frames.have == 0 && own_frame(ctx) &&
        ((ctx->manifest.own.codec != FWPK_CODEC_LZMA &&
          ctx->manifest.own.base_size == 0) ||
         ctx->frames.index == 0))
        fwpk_resume_snapshot(ctx, ctx->offset);
    err = fwpk_frames_push(&ctx->frames, &ctx->manifest, &ctx->hash, data,
                           len, used, &p, &plen, &ev);
    ctx->offset += *used;
    if (err != FWPK_OK)
        return err;
    if (ev == FWPK_FRAME_PAYLOAD && own_frame(ctx)) {
#if FWPK_FRAME_BUFFER
        memcpy(ctx->mem.stream.frame +
                   (ctx->frames.have - FWPK_FRAME_HEADER_LEN - plen),
               p, plen);
#else
        return decode_payload(ctx, p, plen);
#endif
    }
    if (ev == FWPK_FRAME_END)
        return on_frame_end(ctx);
    return FWPK_OK;
}

/* The codec's history is in flash when its window is larger than the
 * ring; bytes the filter and writer still hold stay in the ring. */
#define RING_RESERVE (FWPK_WBUF_SIZE + 4u)

/* and leaves the codec room to work in (any room works; less is slower:
 * 64 lets a 256-byte ring serve AVR's 128-byte pages) */
#define RING_MIN_ROOM 64u
typedef char ring_must_exceed_what_writer_holds[
    FWPK_RING_SIZE >= RING_RESERVE + RING_MIN_ROOM ||
            FWPK_RING_BITS >= FWPK_WINDOW_BITS
        ? 1 : -1];

/* A delta target's base is checked before anything is erased; the
 * writer's hash and buffer are free until it starts. */
static fwpk_err start_patch(fwpk_ctx *ctx)
{
#if FWPK_DELTA
    if (ctx->manifest.own.base_size != 0)
        return fwpk_patch_start(&ctx->mem.stream.patch, &ctx->manifest.own,
                                ctx->flash, &ctx->mem.stream.writer.hash,
                                ctx->mem.stream.writer.wbuf, FWPK_WBUF_SIZE);
#endif
    return ctx->manifest.own.base_size != 0 ? FWPK_ERR_LIMIT : FWPK_OK;
}

/* The frames' state takes over the prefix's RAM (fwpk_mem): the stages
 * that fwpk_begin's clearing no longer reaches are cleared here, the
 * others start themselves. */
static fwpk_err start_frames(fwpk_ctx *ctx)
{
    const fwpk_target *t = &ctx->manifest.own;
    fwpk_stream_mem *s = &ctx->mem.stream;
    uint32_t dict = (uint32_t)1 << t->window_bits;
    int far = t->window_bits > FWPK_RING_BITS;
    fwpk_err err;
    memset(&s->win, 0, sizeof s->win);
    memset(&s->unfilter, 0, sizeof s->unfilter);
    err = start_patch(ctx);
    if (err != FWPK_OK)
        return err;
    fwpk_writer_init(&s->writer, t, ctx->flash);
    if (t->codec != FWPK_CODEC_NONE) {
        /* an LZMA dictionary may pass FWPK_WINDOW_BITS (prefix.c), and
         * the ring must hold more than what the writer keeps */
        if (far && (t->filter == FWPK_FILTER_RV32 ||
                    (ctx->flash->read == NULL && ctx->flash->mapped == NULL) ||
                    FWPK_RING_SIZE < RING_RESERVE + RING_MIN_ROOM))
            return FWPK_ERR_LIMIT; /* history.h */
        fwpk_window_init(&s->win, s->codec.ring, FWPK_RING_SIZE, dict,
                         far ? RING_RESERVE : 0u,
                         far ? fwpk_history_read : NULL, ctx);
        err = codec_init(ctx, dict);
        if (err != FWPK_OK)
            return err;
    }
    fwpk_frames_start(&ctx->frames, 0, 0,
                      fwpk_frames_anchor(&ctx->manifest, 0));
    if (FWPK_RESUME && ctx->resuming)
        return fwpk_resume_start(ctx);
    return FWPK_OK;
}

/* ---- the API ---- */

#define FEED_PIECE 0x8000u

fwpk_err fwpk_begin(fwpk_ctx *ctx, const fwpk_policy *policy,
                    const fwpk_flash *flash)
{
    if (ctx == NULL)
        return FWPK_ERR_ARG;
    memset(ctx, 0, sizeof *ctx);
    ctx->err = FWPK_ERR_ARG;
    if (policy == NULL || flash == NULL || flash->erase == NULL ||
        flash->write == NULL || policy->keys == NULL ||
        policy->key_count == 0 || policy->key_count > FWPK_MAX_KEYS ||
        policy->min_signatures > policy->key_count ||
        policy->target == NULL ||
        /* empty window; window_hi 0 (2^32) minus one is the last byte too */
        policy->window_lo > policy->window_hi - 1u ||
        fwpk_prefix_check_keys(ctx, policy) != FWPK_OK)
        return FWPK_ERR_ARG;
    ctx->policy = policy;
    ctx->flash = flash;
    ctx->err = FWPK_OK;
    fwpk_sha512_init(&ctx->hash);
    fwpk_want(ctx, FWPK_ST_HEADER, FWPK_HEADER_LEN);
    return FWPK_OK;
}

fwpk_err fwpk_resume_begin(fwpk_ctx *ctx, const fwpk_policy *policy,
                           const fwpk_flash *flash, const fwpk_resume *rec)
{
    fwpk_err err = fwpk_begin(ctx, policy, flash);
    if (err != FWPK_OK)
        return err;
#if FWPK_RESUME
    if (rec == NULL)
        return ctx->err = FWPK_ERR_ARG;
    ctx->snap = *rec;
    ctx->resuming = FWPK_RESUMING_YES;
    return FWPK_OK;
#else
    (void)rec;
    return ctx->err = FWPK_ERR_ARG;
#endif
}

uint32_t fwpk_resume_skip(fwpk_ctx *ctx)
{
    if (FWPK_RESUME && ctx->err == FWPK_OK && ctx->stage == FWPK_ST_SKIP) {
        ctx->offset += ctx->need - ctx->have;
        fwpk_want(ctx, FWPK_ST_FRAMES, 0);
    }
    return ctx->offset;
}

/* One stage's worth of input: *used says how much (ctx->offset counts
 * it before the stage acts, so a stage sees where its bytes end). */
static fwpk_err feed_step(fwpk_ctx *ctx, const uint8_t *data, uint32_t len,
                          uint32_t *used)
{
    uint32_t take = ctx->need - ctx->have;
    fwpk_err err;
    if (ctx->stage == FWPK_ST_FRAMES)
        return frames_feed(ctx, data, len, used);
    if (take > len)
        take = len;
    *used = take;
    ctx->offset += take;
    if (FWPK_RESUME && ctx->stage == FWPK_ST_SKIP) {
        ctx->have += take;
        if (ctx->have == ctx->need)
            fwpk_want(ctx, FWPK_ST_FRAMES, 0);
        return FWPK_OK;
    }
    err = fwpk_prefix_feed(ctx, data, take);
    if (err == FWPK_OK && ctx->stage == FWPK_ST_FRAMES)
        err = start_frames(ctx);
    return err;
}

fwpk_err fwpk_feed(fwpk_ctx *ctx, const uint8_t *data, size_t len)
{
    if (ctx == NULL)
        return FWPK_ERR_ARG;
    if (ctx->err != FWPK_OK)
        return ctx->err;
    if (ctx->stage == FWPK_ST_FINISHED)
        return FWPK_ERR_STATE;
    if (data == NULL && len > 0)
        return ctx->err = FWPK_ERR_ARG;
    while (len > 0) {
        /* size_t may be 16 bits (AVR) or 64: stages count in 32 */
        uint32_t piece = (uint32_t)(len < FEED_PIECE ? len : FEED_PIECE);
        uint32_t used = 0;
        fwpk_err err;
        if (ctx->stage == FWPK_ST_DONE)
            return ctx->err = FWPK_ERR_TRAILING;
        err = feed_step(ctx, data, piece, &used);
        if (err != FWPK_OK)
            return ctx->err = err;
        data += used;
        len -= used;
    }
    /* a frame whose last byte just arrived ends now, not with the next */
    if (ctx->stage == FWPK_ST_FRAMES) {
        uint32_t used;
        fwpk_err err = frames_feed(ctx, data, 0, &used);
        if (err != FWPK_OK)
            return ctx->err = err;
    }
    return FWPK_OK;
}

fwpk_err fwpk_finish(fwpk_ctx *ctx)
{
    if (ctx == NULL)
        return FWPK_ERR_ARG;
    if (ctx->err != FWPK_OK)
        return ctx->err;
    if (ctx->stage == FWPK_ST_FINISHED)
        return FWPK_ERR_STATE;
    if (ctx->stage != FWPK_ST_DONE)
        return ctx->err = FWPK_ERR_TRUNCATED;
    ctx->stage = FWPK_ST_FINISHED;
    return FWPK_OK;
}
