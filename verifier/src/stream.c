/*
 * stream.c - the streaming verifier: container bytes in, verified image
 * bytes out to flash (format/SPEC.md).
 *
 * The container arrives in pieces of any size.  Each stage of the state
 * machine wants a known number of bytes; fixed-size parts are collected in
 * ctx->buf and handled once complete.  Nothing is erased or written before
 * the signature block has been checked, and a frame's payload is decoded
 * only after the frame's hash matched the chain.
 */
#include <stddef.h>
#include <string.h>

#include "filter.h"
#include "fwpk_verify.h"

enum stage {
    ST_HEADER,
    ST_INFO,
    ST_MANIFEST,
    ST_SIG_COUNT,
    ST_SIG,
    ST_SKIP, /* resumed: frames already installed */
    ST_FRAME_LEN,
    ST_FRAME,
    ST_DONE,    /* whole container seen; only finish() may follow */
    ST_FINISHED /* finish() returned FWPK_OK */
};

#define FRAME_LEN_FIELD 2
#define ERASED 0xff

static uint32_t load_le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static int str_equal(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    while (n-- > 0)
        acc |= *p++;
    return acc == 0;
}

static void want(fwpk_ctx *ctx, enum stage stage, uint32_t need)
{
    ctx->stage = (uint8_t)stage;
    ctx->need = need;
    ctx->have = 0;
}

/* ---- flash: erase once, write whole units, never across a block ---- */

/* Walks the blocks by their start up to that of the last byte: len >= 1
 * and addr + len <= 2^32 (segments_ok, manifest.c), so 32 bits do even at
 * the end of the address space, and 64-bit arithmetic costs flash on M0. */
static fwpk_err erase_through(fwpk_ctx *ctx, uint32_t addr, uint32_t len)
{
    uint32_t mask = ctx->manifest.own.erase_block - 1u;
    uint32_t block = addr & ~mask;
    uint32_t last = (addr + (len - 1u)) & ~mask;
    for (;; block += mask + 1u) {
        if (!ctx->erased_any || block > ctx->erased_last) {
            if (ctx->flash.erase(ctx->flash.user, block, mask + 1u) != FWPK_OK)
                return FWPK_ERR_FLASH;
            ctx->erased_any = 1;
            ctx->erased_last = block;
        }
        if (block == last)
            return FWPK_OK;
    }
}

/* SHA-512 in the context's hash state, free once the signed prefix is
 * hashed: keeps 200 bytes off the stack of the deepest call chain
 * (inflate -> write -> resume record). */
static void hash_after_prefix(fwpk_ctx *ctx, uint8_t out[64],
                              const uint8_t *d, size_t n)
{
    fwpk_sha512_init(&ctx->prefix_hash);
    fwpk_sha512_update(&ctx->prefix_hash, d, n);
    fwpk_sha512_final(&ctx->prefix_hash, out);
}

static void record_check(fwpk_ctx *ctx, const fwpk_resume *rec,
                         uint8_t out[8])
{
    uint8_t h[64];
    hash_after_prefix(ctx, h, (const uint8_t *)rec,
                      offsetof(fwpk_resume, check));
    memcpy(out, h, 8);
}

/* Everything before the image offset 'image_out' is in flash, and the
 * next erase block is not erased yet: a point to resume from.  The record
 * is the frame's snapshot completed in place (no copy on the stack). */
static fwpk_err offer_checkpoint(fwpk_ctx *ctx)
{
    fwpk_resume *rec = &ctx->snap;
    if (!FWPK_RESUME || ctx->flash.checkpoint == NULL)
        return FWPK_OK;
    rec->flushed = ctx->image_out;
    record_check(ctx, rec, rec->check);
    return ctx->flash.checkpoint(ctx->flash.user, rec) == FWPK_OK
               ? FWPK_OK
               : FWPK_ERR_FLASH;
}

/* Writes the staged bytes, padded with 0xFF to whole write units. */
static fwpk_err flush_wbuf(fwpk_ctx *ctx)
{
    uint32_t wu = ctx->manifest.own.write_unit;
    uint32_t len = (ctx->wbuf_len + wu - 1u) & ~(wu - 1u);
    fwpk_err err;
    if (ctx->wbuf_len == 0)
        return FWPK_OK;
    memset(ctx->wbuf + ctx->wbuf_len, ERASED, len - ctx->wbuf_len);
    err = erase_through(ctx, ctx->wbuf_addr, len);
    if (err == FWPK_OK &&
        ctx->flash.write(ctx->flash.user, ctx->wbuf_addr, ctx->wbuf, len) !=
            FWPK_OK)
        err = FWPK_ERR_FLASH;
    ctx->written += len;
    ctx->wbuf_len = 0;
    if (err == FWPK_OK && ((ctx->wbuf_addr + len) &
                           (ctx->manifest.own.erase_block - 1u)) == 0)
        err = offer_checkpoint(ctx);
    return err;
}

/* Stages image bytes for flash address 'addr' on. */
static fwpk_err stage_bytes(fwpk_ctx *ctx, uint32_t addr, const uint8_t *d,
                            size_t n)
{
    const fwpk_target *t = &ctx->manifest.own;
    fwpk_err err = FWPK_OK;
    while (n > 0 && err == FWPK_OK) {
        uint32_t room, take;
        if (ctx->wbuf_len > 0 && addr != ctx->wbuf_addr + ctx->wbuf_len)
            err = flush_wbuf(ctx); /* a new segment */
        if (err != FWPK_OK)
            break;
        if (ctx->wbuf_len == 0) {
            ctx->wbuf_addr = addr & ~(t->write_unit - 1u);
            ctx->wbuf_len = addr - ctx->wbuf_addr;
            memset(ctx->wbuf, ERASED, ctx->wbuf_len);
        }
        room = sizeof ctx->wbuf - ctx->wbuf_len;
        take = t->erase_block - ((ctx->wbuf_addr + ctx->wbuf_len) &
                                 (t->erase_block - 1u));
        if (take > room)
            take = room;
        if (take > n)
            take = (uint32_t)n;
        memcpy(ctx->wbuf + ctx->wbuf_len, d, take);
        ctx->wbuf_len += take;
        ctx->image_out += take;
        addr += take;
        d += take;
        n -= take;
        if (ctx->wbuf_len == sizeof ctx->wbuf ||
            ((ctx->wbuf_addr + ctx->wbuf_len) & (t->erase_block - 1u)) == 0)
            err = flush_wbuf(ctx);
    }
    return err;
}

/* ---- the image: bytes in order, split over the segments ---- */

/* A resumed run skips image bytes that the record says are in flash.  The
 * record only proves they were written once: another container may have
 * been started in between, or the flash changed behind our back.  So each
 * skipped byte is read back and must equal the decoded one; otherwise the
 * record is stale (start over), never success.  The staging buffer is
 * free: nothing is staged before the skipped range ends. */
static fwpk_err compare_flash(fwpk_ctx *ctx, uint32_t addr, const uint8_t *d,
                              uint32_t n)
{
    while (n > 0) {
        uint32_t chunk = n < sizeof ctx->wbuf ? n : sizeof ctx->wbuf;
        if (ctx->flash.read(ctx->flash.user, addr, ctx->wbuf, chunk) !=
            FWPK_OK)
            return FWPK_ERR_FLASH;
        if (memcmp(ctx->wbuf, d, chunk) != 0)
            return FWPK_ERR_RESUME;
        addr += chunk;
        d += chunk;
        n -= chunk;
    }
    return FWPK_OK;
}

static fwpk_err image_put(void *arg, const uint8_t *d, size_t n)
{
    fwpk_ctx *ctx = (fwpk_ctx *)arg;
    const fwpk_target *t = &ctx->manifest.own;
    while (n > 0) {
        const fwpk_segment *seg;
        uint32_t take, skip;
        fwpk_err err;
        if (ctx->seg_index >= t->segment_count)
            return FWPK_ERR_SIZE; /* more output than the manifest says */
        seg = &t->segments[ctx->seg_index];
        take = seg->len - ctx->seg_done;
        if (take > n)
            take = (uint32_t)n;
        fwpk_sha512_update(&ctx->image_hash, d, take);
        skip = 0;
        if (FWPK_RESUME && ctx->image_out < ctx->skip_until) {
            /* resumed: already there, but the image digest covers what
             * was decoded, so flash must hold exactly that */
            skip = ctx->skip_until - ctx->image_out;
            if (skip > take)
                skip = take;
            err = compare_flash(ctx, seg->addr + ctx->seg_done, d, skip);
            if (err != FWPK_OK)
                return err;
            ctx->image_out += skip;
        }
        err = stage_bytes(ctx, seg->addr + ctx->seg_done + skip, d + skip,
                          take - skip);
        if (err != FWPK_OK)
            return err;
        ctx->seg_done += take;
        if (ctx->seg_done == seg->len) {
            ctx->seg_index++;
            ctx->seg_done = 0;
        }
        d += take;
        n -= take;
    }
    return FWPK_OK;
}

/* Decoded bytes before the inverse filter: it works segment by segment. */
static fwpk_err filter_put(void *arg, const uint8_t *d, size_t n)
{
    fwpk_ctx *ctx = (fwpk_ctx *)arg;
    fwpk_unfilter *f = &ctx->unfilter;
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
        err = fwpk_unfilter_push(f, d, take, image_put, ctx);
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
    if (!FWPK_FILTERS_ANY || ctx->manifest.own.filter == FWPK_FILTER_NONE)
        return image_put(arg, d, n);
    return filter_put(arg, d, n);
}

/* ---- stages ---- */

static fwpk_err on_header(fwpk_ctx *ctx)
{
    const uint8_t *h = ctx->buf;
    if (memcmp(h, FWPK_MAGIC, FWPK_MAGIC_LEN) != 0)
        return FWPK_ERR_MAGIC;
    if (h[4] != FWPK_FORMAT_VERSION)
        return FWPK_ERR_VERSION;
    ctx->info_len = load_le16(h + 6);
    ctx->manifest_len = load_le16(h + 8);
    if (h[5] != 0 || load_le16(h + 10) != 0 ||
        ctx->info_len < FWPK_INFO_PREFIX_LEN + 3 ||
        ctx->info_len > FWPK_INFO_MAX || ctx->manifest_len < 1 ||
        ctx->manifest_len > FWPK_MANIFEST_MAX)
        return FWPK_ERR_HEADER;
    if (ctx->manifest_len > sizeof ctx->buf)
        return FWPK_ERR_LIMIT;
    want(ctx, ST_INFO, ctx->info_len);
    return FWPK_OK;
}

/* The info string streams through unbuffered: prefix, then no NUL until
 * the last byte, which must be the NUL. */
static fwpk_err on_info_bytes(fwpk_ctx *ctx, const uint8_t *d, uint32_t n)
{
    uint32_t i;
    for (i = 0; i < n; i++) {
        uint32_t at = ctx->have + i;
        int last = at + 1 == ctx->info_len;
        if (at < FWPK_INFO_PREFIX_LEN &&
            d[i] != (uint8_t)FWPK_INFO_PREFIX[at])
            return FWPK_ERR_INFO;
        if ((d[i] == 0) != last)
            return FWPK_ERR_INFO;
    }
    return FWPK_OK;
}

static fwpk_err on_manifest(fwpk_ctx *ctx)
{
    fwpk_err err = fwpk_manifest_parse(&ctx->manifest, ctx->buf,
                                       ctx->manifest_len,
                                       ctx->policy.target);
    if (err != FWPK_OK)
        return err;
    fwpk_sha512_final(&ctx->prefix_hash, ctx->signed_digest);
    want(ctx, ST_SIG_COUNT, 1);
    return FWPK_OK;
}

static fwpk_err on_sig_count(fwpk_ctx *ctx)
{
    ctx->sig_count = ctx->buf[0];
    if (ctx->sig_count == 0)
        return FWPK_ERR_UNSIGNED;
    if (ctx->sig_count > FWPK_MAX_SIGNATURES)
        return FWPK_ERR_SIGNATURE;
    want(ctx, ST_SIG, FWPK_SIG_ENTRY_LEN);
    return FWPK_OK;
}

static void check_signature(fwpk_ctx *ctx, const uint8_t entry[72])
{
    const fwpk_policy *pol = &ctx->policy;
    uint32_t k;
    for (k = 0; k < pol->key_count; k++) {
        const fwpk_key *key = &pol->keys[k];
        if (memcmp(key->id, entry, FWPK_KEY_ID_LEN) != 0 ||
            (ctx->keys_used >> k & 1u))
            continue;
        if (fwpk_ed25519_verify(entry + FWPK_KEY_ID_LEN, key->pk,
                                ctx->signed_digest,
                                FWPK_SIGNED_DIGEST_LEN) != 0)
            continue;
        ctx->keys_used |= 1u << k;
        if (key->revoked || key->generation < pol->min_generation)
            ctx->sig_retired++;
        else
            ctx->sig_valid++;
        return;
    }
}

/* Everything the device decides from the now-authentic manifest, before
 * the first erase. */
static fwpk_err check_policy(fwpk_ctx *ctx)
{
    const fwpk_policy *pol = &ctx->policy;
    const fwpk_manifest *m = &ctx->manifest;
    const fwpk_target *t = &m->own;
    uint32_t i;
    if (m->own_index >= m->target_count)
        return FWPK_ERR_NO_TARGET;
    if (pol->mcu != NULL && !str_equal(t->mcu, pol->mcu))
        return FWPK_ERR_WRONG_MCU;
    if (m->security_counter < pol->min_security_counter)
        return FWPK_ERR_ROLLBACK;
    for (i = 0; i < m->target_count; i++)
        if (m->frame_size[i] > FWPK_MAX_FRAME_SIZE)
            return FWPK_ERR_LIMIT;
    if (t->window_bits > FWPK_WINDOW_BITS)
        return FWPK_ERR_LIMIT;
    /* a filter this build left out (FWPK_FILTERS) */
    if ((FWPK_FILTERS >> t->filter & 1) == 0 && t->filter != FWPK_FILTER_NONE)
        return FWPK_ERR_LIMIT;
    /* The erase blocks a segment touches, by their first and last byte:
     * len >= 1 and addr + len <= 2^32 (manifest.c), so the last byte fits
     * 32 bits, and window_hi - 1 is the window's last byte also for
     * window_hi 0 (2^32). */
    for (i = 0; i < t->segment_count; i++) {
        const fwpk_segment *s = &t->segments[i];
        uint32_t mask = t->erase_block - 1u;
        if ((s->addr & ~mask) < pol->window_lo ||
            ((s->addr + (s->len - 1u)) | mask) > pol->window_hi - 1u)
            return FWPK_ERR_POLICY;
    }
    return FWPK_OK;
}

/* ---- resuming ---- */

/* Appends bytes to the inflate window, as if they had been decoded. */
static fwpk_err window_put(void *arg, const uint8_t *d, size_t n)
{
    fwpk_ctx *ctx = (fwpk_ctx *)arg;
    fwpk_inflate_state *s = &ctx->inflate;
    while (n-- > 0) {
        s->win[s->pos] = *d++;
        s->pos = (s->pos + 1u) & (s->size - 1u);
    }
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
           memcmp(r->container, ctx->signed_digest, FWPK_HASH_LEN) == 0 &&
           r->target_index == m->own_index &&
           r->frame_index < m->frame_count[m->own_index] &&
           r->frame_offset >= ctx->offset &&
           r->payload_seen < t->payload_size && r->decoded <= t->image_size &&
           r->flushed <= t->image_size && r->unfilter.count <= 3 &&
           r->unfilter.count <= r->decoded &&
           r->decoded - r->unfilter.count <= r->flushed &&
           r->filter_seg <= t->segment_count;
}

/* Reads the image bytes [0, released) back from flash: they feed the
 * image hash, and (re-filtered) the inflate window. */
static fwpk_err replay(fwpk_ctx *ctx, uint32_t released)
{
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
            chunk = n - off < sizeof ctx->buf ? n - off : sizeof ctx->buf;
            if (ctx->flash.read(ctx->flash.user, seg->addr + off, ctx->buf,
                                chunk) != FWPK_OK)
                return FWPK_ERR_FLASH;
            fwpk_sha512_update(&ctx->image_hash, ctx->buf, chunk);
            if (windowed && filtered)
                err = fwpk_refilter_push(&rf, ctx->buf, chunk, window_put,
                                         ctx);
            else if (windowed)
                err = window_put(ctx, ctx->buf, chunk);
        }
        if (windowed && filtered && n < seg->len)
            fwpk_filter_release_held(&rf, window_put, ctx);
        done += n;
        ctx->seg_index = n == seg->len ? i + 1 : i;
        ctx->seg_done = n == seg->len ? 0 : n;
    }
    return FWPK_OK;
}

/* Flash address of image byte 'off'. */
static uint32_t image_addr(const fwpk_target *t, uint32_t off)
{
    uint32_t i;
    for (i = 0; i < t->segment_count; i++) {
        if (off < t->segments[i].len)
            return t->segments[i].addr + off;
        off -= t->segments[i].len;
    }
    return 0;
}

static fwpk_err start_resumed(fwpk_ctx *ctx)
{
    const fwpk_resume *r = &ctx->snap;
    const fwpk_target *t = &ctx->manifest.own;
    uint32_t released = r->decoded - r->unfilter.count;
    fwpk_err err;
    if (!record_fits(ctx, r))
        return FWPK_ERR_RESUME;
    if (ctx->flash.read == NULL)
        return FWPK_ERR_ARG;
    err = replay(ctx, released);
    if (err != FWPK_OK)
        return err;
    if (t->codec == FWPK_CODEC_DEFLATE)
        window_put(ctx, r->unfilter.held, r->unfilter.count);
    ctx->inflate.total = r->decoded;
    ctx->image_out = released;
    ctx->skip_until = r->flushed;
    ctx->payload_seen = r->payload_seen;
    ctx->unfilter = r->unfilter;
    ctx->unfilter.filter = (uint8_t)t->filter;
    ctx->filter_seg = r->filter_seg;
    if (r->flushed > 0) {
        ctx->erased_any = 1;
        ctx->erased_last = image_addr(t, r->flushed - 1u) &
                           ~(t->erase_block - 1u);
    }
    ctx->target_index = r->target_index;
    ctx->frame_index = r->frame_index;
    memcpy(ctx->expect, r->frame_hash, FWPK_HASH_LEN);
    want(ctx, ST_SKIP, r->frame_offset - ctx->offset);
    if (ctx->need == 0)
        want(ctx, ST_FRAME_LEN, FRAME_LEN_FIELD);
    return FWPK_OK;
}

static fwpk_err start_frames(fwpk_ctx *ctx)
{
    const fwpk_target *t = &ctx->manifest.own;
    fwpk_sha512_init(&ctx->image_hash);
    if (t->codec == FWPK_CODEC_DEFLATE)
        fwpk_inflate_init(&ctx->inflate, ctx->window,
                          (uint32_t)1 << t->window_bits);
    if (FWPK_RESUME && ctx->resuming)
        return start_resumed(ctx);
    ctx->target_index = 0;
    ctx->frame_index = 0;
    memcpy(ctx->expect, ctx->manifest.anchor[0], FWPK_HASH_LEN);
    want(ctx, ST_FRAME_LEN, FRAME_LEN_FIELD);
    return FWPK_OK;
}

static fwpk_err on_signature(fwpk_ctx *ctx)
{
    uint32_t required = ctx->policy.min_signatures ? ctx->policy.min_signatures
                                                   : 1u;
    fwpk_err err;
    check_signature(ctx, ctx->buf);
    if (++ctx->sig_index < ctx->sig_count) {
        want(ctx, ST_SIG, FWPK_SIG_ENTRY_LEN);
        return FWPK_OK;
    }
    if (ctx->sig_valid < required)
        return ctx->sig_valid == 0 && ctx->sig_retired > 0
                   ? FWPK_ERR_REVOKED
                   : FWPK_ERR_SIGNATURE;
    err = check_policy(ctx);
    return err != FWPK_OK ? err : start_frames(ctx);
}

static fwpk_err on_frame_len(fwpk_ctx *ctx)
{
    uint32_t len = load_le16(ctx->buf);
    if (len < 1 || len > ctx->manifest.frame_size[ctx->target_index])
        return FWPK_ERR_FRAME;
    ctx->stage = ST_FRAME; /* keep the two bytes: they are hashed too */
    ctx->need = FWPK_FRAME_HEADER_LEN + len;
    return FWPK_OK;
}

/* After the own target's last frame: the image must be complete. */
static fwpk_err finish_image(fwpk_ctx *ctx)
{
    const fwpk_target *t = &ctx->manifest.own;
    uint8_t digest[64];
    fwpk_err err = flush_wbuf(ctx);
    if (err != FWPK_OK)
        return err;
    if (t->codec == FWPK_CODEC_DEFLATE && !ctx->inflate.final)
        return FWPK_ERR_INFLATE;
    if (ctx->payload_seen != t->payload_size)
        return FWPK_ERR_FRAME;
    if (ctx->seg_index != t->segment_count)
        return FWPK_ERR_SIZE;
    fwpk_sha512_final(&ctx->image_hash, digest);
    if (memcmp(digest, t->image_digest, FWPK_HASH_LEN) != 0)
        return FWPK_ERR_DIGEST;
    return FWPK_OK;
}

static fwpk_err decode_payload(fwpk_ctx *ctx, const uint8_t *p, uint32_t len)
{
    ctx->payload_seen += len;
    if (ctx->payload_seen > ctx->manifest.own.payload_size)
        return FWPK_ERR_FRAME;
    if (ctx->manifest.own.codec == FWPK_CODEC_NONE)
        return decoded_put(ctx, p, len);
    return fwpk_inflate_frame(&ctx->inflate, p, len, decoded_put, ctx);
}

/* The state at the start of an own frame, which a resume rebuilds. */
static void take_snapshot(fwpk_ctx *ctx)
{
    fwpk_resume *r = &ctx->snap;
    r->magic = FWPK_RESUME_MAGIC;
    memcpy(r->container, ctx->signed_digest, FWPK_HASH_LEN);
    r->target_index = ctx->target_index;
    r->frame_index = ctx->frame_index;
    r->frame_offset = ctx->offset - ctx->need;
    memcpy(r->frame_hash, ctx->expect, FWPK_HASH_LEN);
    r->payload_seen = ctx->payload_seen;
    r->decoded = ctx->manifest.own.codec == FWPK_CODEC_NONE
                     ? ctx->payload_seen
                     : ctx->inflate.total;
    r->flushed = 0;
    r->filter_seg = ctx->filter_seg;
    r->unfilter = ctx->unfilter;
}

static fwpk_err on_frame(fwpk_ctx *ctx)
{
    const fwpk_manifest *m = &ctx->manifest;
    uint8_t hash[64];
    int own = ctx->target_index == m->own_index;
    int last = ctx->frame_index + 1 == m->frame_count[ctx->target_index];
    fwpk_err err = FWPK_OK;
    hash_after_prefix(ctx, hash, ctx->buf, ctx->need);
    if (memcmp(hash, ctx->expect, FWPK_HASH_LEN) != 0)
        return FWPK_ERR_FRAME_HASH;
    if (last != all_zero(ctx->buf + FRAME_LEN_FIELD, FWPK_HASH_LEN))
        return FWPK_ERR_FRAME; /* the chain must end at the last frame */
    if (FWPK_RESUME && own)
        take_snapshot(ctx);
    memcpy(ctx->expect, ctx->buf + FRAME_LEN_FIELD, FWPK_HASH_LEN);
    if (own)
        err = decode_payload(ctx, ctx->buf + FWPK_FRAME_HEADER_LEN,
                             ctx->need - FWPK_FRAME_HEADER_LEN);
    if (err == FWPK_OK && own && last)
        err = finish_image(ctx);
    if (err != FWPK_OK)
        return err;
    ctx->frame_index++;
    if (last) {
        ctx->frame_index = 0;
        if (++ctx->target_index == m->target_count) {
            want(ctx, ST_DONE, 0);
            return FWPK_OK;
        }
        memcpy(ctx->expect, m->anchor[ctx->target_index], FWPK_HASH_LEN);
    }
    want(ctx, ST_FRAME_LEN, FRAME_LEN_FIELD);
    return FWPK_OK;
}

/* Runs the stage whose bytes are complete in ctx->buf. */
static fwpk_err step(fwpk_ctx *ctx)
{
    switch (ctx->stage) {
    case ST_HEADER:
        return on_header(ctx);
    case ST_MANIFEST:
        return on_manifest(ctx);
    case ST_SIG_COUNT:
        return on_sig_count(ctx);
    case ST_SIG:
        return on_signature(ctx);
    case ST_FRAME_LEN:
        return on_frame_len(ctx);
    case ST_FRAME:
        return on_frame(ctx);
    default:
        return FWPK_ERR_STATE;
    }
}

/* ---- the API ---- */

/* Each keyring entry must carry its own key's id, and appear once: a key
 * listed twice would count twice towards min_signatures. */
static fwpk_err check_keys(const fwpk_policy *pol)
{
    uint32_t k, j;
    for (k = 0; k < pol->key_count; k++) {
        uint8_t id[64];
        fwpk_sha512(id, pol->keys[k].pk, sizeof pol->keys[k].pk);
        if (memcmp(id, pol->keys[k].id, FWPK_KEY_ID_LEN) != 0)
            return FWPK_ERR_ARG;
        for (j = 0; j < k; j++)
            if (memcmp(pol->keys[j].id, pol->keys[k].id, FWPK_KEY_ID_LEN) == 0)
                return FWPK_ERR_ARG;
    }
    return FWPK_OK;
}

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
        check_keys(policy) != FWPK_OK)
        return FWPK_ERR_ARG;
    ctx->policy = *policy;
    ctx->flash = *flash;
    ctx->err = FWPK_OK;
    fwpk_sha512_init(&ctx->prefix_hash);
    want(ctx, ST_HEADER, FWPK_HEADER_LEN);
    return FWPK_OK;
}

fwpk_err fwpk_resume_begin(fwpk_ctx *ctx, const fwpk_policy *policy,
                           const fwpk_flash *flash, const fwpk_resume *rec)
{
    fwpk_err err = fwpk_begin(ctx, policy, flash);
    if (err != FWPK_OK)
        return err;
    if (!FWPK_RESUME || rec == NULL)
        return ctx->err = FWPK_ERR_ARG;
    ctx->snap = *rec;
    ctx->resuming = 1;
    return FWPK_OK;
}

uint32_t fwpk_resume_skip(fwpk_ctx *ctx)
{
    if (FWPK_RESUME && ctx->err == FWPK_OK && ctx->stage == ST_SKIP) {
        ctx->offset += ctx->need - ctx->have;
        want(ctx, ST_FRAME_LEN, FRAME_LEN_FIELD);
    }
    return ctx->offset;
}

static fwpk_err feed_step(fwpk_ctx *ctx, const uint8_t *data, uint32_t take)
{
    fwpk_err err = FWPK_OK;
    if (ctx->stage <= ST_MANIFEST)
        fwpk_sha512_update(&ctx->prefix_hash, data, take);
    if (ctx->stage == ST_INFO) {
        err = on_info_bytes(ctx, data, take);
        ctx->have += take;
        if (err == FWPK_OK && ctx->have == ctx->need)
            want(ctx, ST_MANIFEST, ctx->manifest_len);
        return err;
    }
    if (FWPK_RESUME && ctx->stage == ST_SKIP) {
        ctx->have += take;
        if (ctx->have == ctx->need)
            want(ctx, ST_FRAME_LEN, FRAME_LEN_FIELD);
        return FWPK_OK;
    }
    memcpy(ctx->buf + ctx->have, data, take);
    ctx->have += take;
    if (ctx->have == ctx->need)
        err = step(ctx);
    return err;
}

fwpk_err fwpk_feed(fwpk_ctx *ctx, const uint8_t *data, size_t len)
{
    if (ctx == NULL)
        return FWPK_ERR_ARG;
    if (ctx->err != FWPK_OK)
        return ctx->err;
    if (ctx->stage == ST_FINISHED)
        return FWPK_ERR_STATE;
    if (data == NULL && len > 0)
        return ctx->err = FWPK_ERR_ARG;
    while (len > 0) {
        uint32_t take = ctx->need - ctx->have;
        fwpk_err err;
        if (ctx->stage == ST_DONE)
            return ctx->err = FWPK_ERR_TRAILING;
        if (take > len)
            take = (uint32_t)len;
        ctx->offset += take;
        err = feed_step(ctx, data, take);
        if (err != FWPK_OK)
            return ctx->err = err;
        data += take;
        len -= take;
    }
    return FWPK_OK;
}

fwpk_err fwpk_finish(fwpk_ctx *ctx)
{
    if (ctx == NULL)
        return FWPK_ERR_ARG;
    if (ctx->err != FWPK_OK)
        return ctx->err;
    if (ctx->stage == ST_FINISHED)
        return FWPK_ERR_STATE;
    if (ctx->stage != ST_DONE)
        return ctx->err = FWPK_ERR_TRUNCATED;
    ctx->stage = ST_FINISHED;
    return FWPK_OK;
}
