/*
 * device_run.c - the device verifier (libfwpk_verify, the code that goes
 * into bootloaders) over a container, signatures aside: what inspect and
 * pack's self-check ask, so that the host's "ok" is the device's.
 *
 * The host has no trusted key, so the run replaces the signature block by
 * one entry of its own, made with a key that only this run trusts, over
 * the container's own signed digest.  Everything else is fed unchanged:
 * the device reads the header, info string and manifest, walks every
 * target's frames (hash chain, frame lengths against the manifest) and
 * decodes the own target's payload as a device does (its inflate with the
 * manifest's window, frame by frame, the inverse filter, the image
 * digest).  The policy allows any MCU, counter and flash window, and the
 * flash callbacks keep only the image's bytes, by their offset in the
 * image, for the decoder to read its history back (an LZMA dictionary is
 * larger than the ring): the question is what the container is, not where
 * a device would put it (fwpack verify does that).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

/* The run's key: fixed, since it signs nothing but a digest that the run
 * hands to the verifier in memory. */
static const uint8_t run_seed[crypto_sign_SEEDBYTES + 1] =
    "fwpack device run: trusts itself";

/* The image bytes written so far; at most this much is kept, beyond it
 * reads fail (the run then ends in FWPK_ERR_FLASH). */
#define KEEP_MAX (64u << 20)

typedef struct {
    const fwpk_ctx *ctx; /* its own target's segments place the bytes */
    uint8_t *img;        /* by image offset; unwritten bytes read 0xFF */
    uint32_t size;
    const uint8_t *base; /* a delta's base, at base_addr */
    uint32_t base_addr, base_len;
} kept;

static fwpk_err keep_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    (void)addr;
    (void)len;
    return FWPK_OK;
}

/* Room for 'need' image bytes, doubling (at most KEEP_MAX). */
static fwpk_err keep_grow(kept *k, uint64_t need)
{
    uint64_t size = k->size ? 2 * (uint64_t)k->size : 65536;
    uint8_t *p;
    if (size < need)
        size = need;
    if (size > KEEP_MAX)
        size = KEEP_MAX;
    if (need > size || (p = realloc(k->img, size)) == NULL)
        return FWPK_ERR_FLASH;
    memset(p + k->size, 0xff, size - k->size);
    k->img = p;
    k->size = (uint32_t)size;
    return FWPK_OK;
}

/* The segments the context kept: a build with FWPK_SEGMENTS below the
 * manifest's count stores only the first ones (and refuses the target). */
static uint32_t kept_count(const fwpk_target *t)
{
    return t->segment_count < FWPK_SEGMENTS ? t->segment_count : FWPK_SEGMENTS;
}

/* Copies between flash [addr, addr + len) and the image bytes it holds;
 * bytes outside the segments are padding (write) or 0xFF (read). */
static fwpk_err keep_copy(kept *k, uint32_t addr, uint8_t *buf, uint32_t len,
                          int write)
{
    const fwpk_target *t = &k->ctx->manifest.own;
    uint64_t end = (uint64_t)addr + len, off = 0;
    if (!write)
        memset(buf, 0xff, len);
    for (uint32_t i = 0; i < kept_count(t); off += t->segments[i++].len) {
        uint64_t lo = t->segments[i].addr, hi = lo + t->segments[i].len;
        lo = lo > addr ? lo : addr;
        hi = hi < end ? hi : end;
        if (lo >= hi)
            continue;
        uint64_t at = off + (lo - t->segments[i].addr), n = hi - lo;
        if (at + n > k->size && keep_grow(k, at + n) != FWPK_OK)
            return FWPK_ERR_FLASH;
        if (write)
            memcpy(k->img + at, buf + (lo - addr), n);
        else
            memcpy(buf + (lo - addr), k->img + at, n);
    }
    return FWPK_OK;
}

static fwpk_err keep_write(void *user, uint32_t addr, const uint8_t *data,
                           uint32_t len)
{
    return keep_copy(user, addr, (uint8_t *)(uintptr_t)data, len, 1);
}

static fwpk_err keep_read(void *user, uint32_t addr, uint8_t *buf,
                          uint32_t len)
{
    kept *k = user;
    if (k->base && addr >= k->base_addr &&
        (uint64_t)addr + len <= (uint64_t)k->base_addr + k->base_len) {
        memcpy(buf, k->base + (addr - k->base_addr), len);
        return FWPK_OK;
    }
    return keep_copy(user, addr, buf, len, 0);
}

/* Does [lo, lo + n) meet an erase block of t's segments? */
static int meets_segments(const fwpk_target *t, uint64_t lo, uint64_t n)
{
    uint64_t eb = t->erase_block ? t->erase_block : 1;
    for (uint32_t i = 0; i < kept_count(t); i++) {
        uint64_t a = t->segments[i].addr / eb * eb;
        uint64_t b = ((uint64_t)t->segments[i].addr + t->segments[i].len +
                      eb - 1) / eb * eb;
        if (lo < b && a < lo + n)
            return 1;
    }
    return 0;
}

uint32_t fwp_base_place(const fwpk_target *t, uint32_t base_len)
{
    uint64_t eb = t->erase_block ? t->erase_block : 1;
    if (!meets_segments(t, 0, base_len))
        return 0;
    for (uint32_t i = 0; i < kept_count(t); i++) {
        uint64_t after = ((uint64_t)t->segments[i].addr + t->segments[i].len +
                          eb - 1) / eb * eb;
        if (after + base_len <= 0x100000000ULL &&
            !meets_segments(t, after, base_len))
            return (uint32_t)after;
    }
    return 0;
}

/* The image as the run wrote it, in the own target's segments. */
static int kept_image(const kept *k, fwp_image *img, fwp_err *err)
{
    const fwpk_target *t = &k->ctx->manifest.own;
    uint64_t off = 0;
    memset(img, 0, sizeof *img);
    for (uint32_t i = 0; i < kept_count(t); off += t->segments[i++].len)
        if (off + t->segments[i].len > k->size ||
            fwp_image_add(img, t->segments[i].addr, k->img + off,
                          t->segments[i].len, "device run", err)) {
            fwp_image_free(img);
            return fwp_fail(err, "device run: image not kept");
        }
    return 0;
}

/* sig_count 1 and one entry: the run key's id and its signature. */
static void run_signature(const fwp_layout *lay, fwpk_key *key,
                          uint8_t block[1 + FWPK_SIG_ENTRY_LEN])
{
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    memset(key, 0, sizeof *key);
    crypto_sign_seed_keypair(key->pk, sk, run_seed);
    fwp_key_id(key->pk, key->id);
    block[0] = 1;
    memcpy(block + 1, key->id, FWPK_KEY_ID_LEN);
    crypto_sign_detached(block + 1 + FWPK_KEY_ID_LEN, NULL, lay->signed_digest,
                         FWPK_SIGNED_DIGEST_LEN, sk);
    sodium_memzero(sk, sizeof sk);
}

/* The prefix, the run's signature block, then the frames: any piece size
 * will do for the verifier. */
static fwpk_err feed(fwpk_ctx *ctx, const uint8_t *data, size_t len,
                     const fwp_layout *lay, const uint8_t *block)
{
    fwpk_err err = fwpk_feed(ctx, data, lay->signed_len);
    if (err == FWPK_OK)
        err = fwpk_feed(ctx, block, 1 + FWPK_SIG_ENTRY_LEN);
    if (err == FWPK_OK)
        err = fwpk_feed(ctx, data + lay->frames_offset,
                        len - lay->frames_offset);
    return err == FWPK_OK ? fwpk_finish(ctx) : err;
}

/* Where the run stopped, in the container's own offsets. */
static void locate(const fwpk_ctx *ctx, const fwp_layout *lay,
                   fwp_device_verdict *v)
{
    size_t frames_at = lay->signed_len + 1 + FWPK_SIG_ENTRY_LEN;
    v->in_frames = ctx->offset > frames_at ||
                   (ctx->offset == frames_at && v->err == FWPK_OK);
    if (!v->in_frames) {
        v->offset = ctx->offset < lay->signed_len ? ctx->offset
                                                  : lay->signed_len;
        return;
    }
    v->offset = ctx->offset - frames_at + lay->frames_offset;
    v->target = ctx->frames.target;
    v->frame = ctx->frames.index;
    /* bytes after the last frame belong to no target */
    if (v->err == FWPK_ERR_TRAILING)
        v->target = ctx->manifest.target_count;
}

int fwp_device_run(const uint8_t *data, size_t len, const fwp_layout *lay,
                   const char *target, fwp_device_verdict *v, fwp_err *err)
{
    return fwp_device_run_base(data, len, lay, target, NULL, 0, NULL, v, err);
}

/* The own target's view before the run, to place the base beside it
 * (without a base, where the manifest's would go: it reads 0xFF there). */
static uint32_t base_addr_for(const fwp_layout *lay, const char *target,
                              size_t base_len)
{
    fwpk_manifest *m = calloc(1, sizeof *m);
    uint32_t at = 0;
    if (m && fwpk_manifest_parse(m, lay->manifest, lay->manifest_len,
                                 target) == FWPK_OK &&
        m->own_index < m->target_count)
        at = fwp_base_place(&m->own, base_len ? (uint32_t)base_len
                                              : m->own.base_size);
    free(m);
    return at;
}

int fwp_device_run_base(const uint8_t *data, size_t len,
                        const fwp_layout *lay, const char *target,
                        const uint8_t *base, size_t base_len,
                        fwp_image *image, fwp_device_verdict *v,
                        fwp_err *err)
{
    uint8_t block[1 + FWPK_SIG_ENTRY_LEN];
    fwpk_key key;
    fwpk_policy pol;
    fwpk_flash flash;
    fwpk_ctx *ctx = calloc(1, sizeof *ctx);
    kept k = {ctx, NULL, 0, base, 0, (uint32_t)base_len};
    memset(v, 0, sizeof *v);
    k.base_addr = base_addr_for(lay, target, base ? base_len : 0);
    if (!ctx)
        return fwp_fail(err, "out of memory");
    run_signature(lay, &key, block);
    memset(&pol, 0, sizeof pol);
    pol.keys = &key;
    pol.key_count = 1;
    pol.target = target;
    /* window_lo = window_hi = 0: all of the 32-bit address space */
    memset(&flash, 0, sizeof flash);
    flash.erase = keep_erase;
    flash.write = keep_write;
    flash.read = keep_read;
    flash.user = &k;
    flash.base_addr = k.base_addr;
    v->err = fwpk_begin(ctx, &pol, &flash);
    if (v->err == FWPK_OK)
        v->err = feed(ctx, data, len, lay, block);
    locate(ctx, lay, v);
    int rc = image && v->err == FWPK_OK ? kept_image(&k, image, err) : 0;
    free(k.img);
    free(ctx);
    return rc;
}
