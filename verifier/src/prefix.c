/*
 * prefix.c - the signed prefix (prefix.h).
 */
#include <string.h>

#include "fold.h"
#include "frame.h"
#include "lzmadec.h"
#include "manifest.h"
#include "prefix.h"
#include "resume.h"

static unsigned load_le16(const uint8_t *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

void fwpk_want(fwpk_ctx *ctx, enum fwpk_stage stage, uint32_t need)
{
    ctx->stage = (uint8_t)stage;
    ctx->need = need;
    ctx->have = 0;
}

static fwpk_err on_header(fwpk_ctx *ctx)
{
    const uint8_t *h = ctx->mem.prefix.buf.bytes;
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
    if (ctx->manifest_len > sizeof ctx->mem.prefix.buf.bytes)
        return FWPK_ERR_LIMIT;
    fwpk_want(ctx, FWPK_ST_INFO, ctx->info_len);
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
    const uint8_t *cbor = ctx->mem.prefix.buf.bytes;
    const fwpk_policy *pol = ctx->policy;
    fwpk_manifest *m = &ctx->manifest;
    fwpk_err err = fwpk_manifest_parse(m, cbor, ctx->manifest_len,
                                       pol->target);
    if (err != FWPK_OK)
        return err;
    /* the MCU is compared while the manifest is at hand (not kept), and
     * refused only once the signatures are checked (check_policy) */
    ctx->wrong_mcu = m->own_index < m->target_count && pol->mcu != NULL &&
                     !fwpk_text_is(cbor, &m->own.mcu, pol->mcu);
    if (pol->version != NULL)
        fwpk_text_copy(pol->version, pol->version_size, cbor, &m->version);
    fwpk_sha512_final(&ctx->hash, fwpk_signed_digest(ctx));
    /* the other targets' anchors, while the manifest is at hand */
    fwpk_folds_anchors(&ctx->frames.folds, m, cbor, &ctx->hash);
    fwpk_want(ctx, FWPK_ST_SIG_COUNT, 1);
    return FWPK_OK;
}

static fwpk_err on_sig_count(fwpk_ctx *ctx)
{
    ctx->sig_count = ctx->mem.prefix.buf.bytes[0];
    if (ctx->sig_count == 0)
        return FWPK_ERR_UNSIGNED;
    if (ctx->sig_count > FWPK_MAX_SIGNATURES)
        return FWPK_ERR_SIG_COUNT;
    fwpk_want(ctx, FWPK_ST_SIG, FWPK_SIG_ENTRY_LEN);
    return FWPK_OK;
}

/* Ed25519's temporaries go into the prefix's buffer, where the manifest
 * was (fwpk_prefix_mem), once the signature is copied out of it: not on
 * the deepest stack. */
static int ed25519_check(fwpk_ctx *ctx, const uint8_t *entry_sig,
                         const uint8_t *pk)
{
    uint8_t sig[FWPK_SIG_LEN];
    memcpy(sig, entry_sig, sizeof sig);
    return fwpk_ed25519_verify_ws(sig, pk, fwpk_signed_digest(ctx),
                                  FWPK_SIGNED_DIGEST_LEN,
                                  ctx->mem.prefix.buf.ed25519);
}

static void check_signature(fwpk_ctx *ctx, const uint8_t entry[72])
{
    const fwpk_policy *pol = ctx->policy;
    uint32_t k;
    for (k = 0; k < pol->key_count; k++) {
        const fwpk_key *key = &pol->keys[k];
        if (memcmp(key->id, entry, FWPK_KEY_ID_LEN) != 0 ||
            (ctx->keys_used >> k & 1u))
            continue;
        if (ed25519_check(ctx, entry + FWPK_KEY_ID_LEN, key->pk) != 0)
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
    const fwpk_policy *pol = ctx->policy;
    const fwpk_manifest *m = &ctx->manifest;
    const fwpk_target *t = &m->own;
    unsigned i; /* at most FWPK_MAX_SEGMENTS */
    if (m->own_index >= m->target_count)
        return FWPK_ERR_NO_TARGET;
    if (ctx->wrong_mcu)
        return FWPK_ERR_WRONG_MCU;
    if (m->security_counter < pol->min_security_counter)
        return FWPK_ERR_ROLLBACK;
    if (m->target_count > FWPK_TARGETS)
        return FWPK_ERR_LIMIT;
    for (i = 0; i < m->target_count; i++)
        if (m->walk[i].frame_size > FWPK_MAX_FRAME_SIZE)
            return FWPK_ERR_LIMIT;
    if (t->write_unit > FWPK_WBUF_SIZE || t->segment_count > FWPK_SEGMENTS)
        return FWPK_ERR_LIMIT;
    /* a codec this build left out (FWPK_CODECS), a deflate window above
     * FWPK_WINDOW_BITS, an LZMA table larger than FWPK_LZMA_LCLP_MAX's (an
     * LZMA dictionary of any size can be read back from flash) */
    if (t->codec != FWPK_CODEC_NONE && !FWPK_HAS_CODEC(t->codec))
        return FWPK_ERR_LIMIT;
    if (t->codec == FWPK_CODEC_DEFLATE && t->window_bits > FWPK_WINDOW_BITS)
        return FWPK_ERR_LIMIT;
    if (t->codec == FWPK_CODEC_LZMA &&
        fwpk_lzma_lclp((uint8_t)t->lzma_props) > FWPK_LZMA_LCLP_MAX)
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

static fwpk_err on_signature(fwpk_ctx *ctx)
{
    uint32_t min = ctx->policy->min_signatures;
    uint32_t required = min ? min : 1u;
    check_signature(ctx, ctx->mem.prefix.buf.bytes);
    if (++ctx->sig_index < ctx->sig_count) {
        fwpk_want(ctx, FWPK_ST_SIG, FWPK_SIG_ENTRY_LEN);
        return FWPK_OK;
    }
    if (ctx->sig_valid < required)
        return ctx->sig_valid == 0 && ctx->sig_retired > 0
                   ? FWPK_ERR_REVOKED
                   : FWPK_ERR_SIGNATURE;
    fwpk_resume_container(ctx, fwpk_signed_digest(ctx));
    fwpk_want(ctx, FWPK_ST_FRAMES, 0);
    return check_policy(ctx);
}

/* Runs the stage whose bytes are complete in ctx->mem.prefix.buf.bytes. */
static fwpk_err step(fwpk_ctx *ctx)
{
    switch (ctx->stage) {
    case FWPK_ST_HEADER:
        return on_header(ctx);
    case FWPK_ST_MANIFEST:
        return on_manifest(ctx);
    case FWPK_ST_SIG_COUNT:
        return on_sig_count(ctx);
    case FWPK_ST_SIG:
        return on_signature(ctx);
    default:
        return FWPK_ERR_STATE;
    }
}

fwpk_err fwpk_prefix_feed(fwpk_ctx *ctx, const uint8_t *data, uint32_t take)
{
    fwpk_err err = FWPK_OK;
    if (ctx->stage <= FWPK_ST_MANIFEST)
        fwpk_sha512_update(&ctx->hash, data, take);
    if (ctx->stage == FWPK_ST_INFO) {
        err = on_info_bytes(ctx, data, take);
        ctx->have += take;
        if (err == FWPK_OK && ctx->have == ctx->need)
            fwpk_want(ctx, FWPK_ST_MANIFEST, ctx->manifest_len);
        return err;
    }
    memcpy(ctx->mem.prefix.buf.bytes + ctx->have, data, take);
    ctx->have += take;
    if (ctx->have == ctx->need)
        err = step(ctx);
    return err;
}

/* Each keyring entry must carry its own key's id, and appear once: a key
 * listed twice would count twice towards min_signatures.  The hash state
 * and the digest are the context's, idle before the first byte (on the
 * stack they would be the deepest frame of fwpk_begin). */
fwpk_err fwpk_prefix_check_keys(fwpk_ctx *ctx, const fwpk_policy *pol)
{
    uint8_t *id = fwpk_signed_digest(ctx);
    uint32_t k, j;
    for (k = 0; k < pol->key_count; k++) {
        fwpk_sha512_init(&ctx->hash);
        fwpk_sha512_update(&ctx->hash, pol->keys[k].pk,
                           sizeof pol->keys[k].pk);
        fwpk_sha512_final(&ctx->hash, id);
        if (memcmp(id, pol->keys[k].id, FWPK_KEY_ID_LEN) != 0)
            return FWPK_ERR_ARG;
        for (j = 0; j < k; j++)
            if (memcmp(pol->keys[j].id, pol->keys[k].id, FWPK_KEY_ID_LEN) == 0)
                return FWPK_ERR_ARG;
    }
    return FWPK_OK;
}
