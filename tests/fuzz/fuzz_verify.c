/*
 * fuzz_verify.c - the whole verifier fed a mutated container in mutated
 * piece sizes, on a flash model that aborts on anything the format forbids.
 *
 * Input: one control byte, then the container.
 *   bits 0-4  seed of the piece sizes; bits 2-4 also pick their cap (1,
 *             7, 64, 300, 1100, 4096, 9000 bytes, or the whole container)
 *   bit 7     re-sign: before feeding, the harness repairs the hash chain
 *             (every frame's 'next', every target's anchor) and signs the
 *             mutated manifest with the trusted fuzz key, so that signed
 *             but lying manifests and arbitrary payloads reach the
 *             inflater, the inverse filter and the flash writer.
 *
 * Invariants (abort, i.e. a crash report, when broken):
 *   - no erase or write before a valid signature has been counted;
 *   - erases are single aligned blocks of the manifest's erase size, inside
 *     the policy window; writes are whole aligned write units inside the
 *     window, onto erased flash;
 *   - every byte written lies in a declared segment of the device's target,
 *     or is 0xFF padding of a write unit that overlaps one;
 *   - FWPK_OK means the declared segments in flash hash to the manifest's
 *     image digest;
 *   - the pieces do not matter: fed in one piece, the container gives the
 *     same result and leaves the same flash;
 *   - inspect agrees (issue 21): once the signature and the policy have
 *     passed, the host's reading (fwp_container_walk, what fwpack inspect
 *     runs) says "app" is ok exactly when the device returned FWPK_OK.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fwpack.h"

typedef struct {
    uint8_t mem[FUZZ_FLASH];
    const fwpk_ctx *ctx;
} fuzz_flash;

static fwpk_ctx ctx;
static fuzz_flash flash;

static int in_window(uint32_t a, uint32_t n)
{
    return a >= FUZZ_BASE && n <= FUZZ_FLASH && a - FUZZ_BASE <= FUZZ_FLASH - n;
}

static fwpk_err f_erase(void *u, uint32_t a, uint32_t n)
{
    fuzz_flash *f = u;
    const fwpk_target *t = &f->ctx->manifest.own;
    if (f->ctx->sig_valid == 0)
        abort(); /* erase before the signature checked out */
    if (!in_window(a, n) || n != t->erase_block || a % t->erase_block)
        abort();
    memset(f->mem + (a - FUZZ_BASE), 0xff, n);
    return FWPK_OK;
}

/* Is flash address a inside a segment of t?  Is it in a write unit that
 * overlaps one? */
static int in_segment(const fwpk_target *t, uint32_t a, uint32_t unit)
{
    for (uint32_t i = 0; i < t->segment_count; i++) {
        uint64_t lo = t->segments[i].addr, hi = lo + t->segments[i].len;
        if (unit) {
            lo &= ~(uint64_t)(unit - 1);
            hi = (hi + unit - 1) & ~(uint64_t)(unit - 1);
        }
        if (a >= lo && a < hi)
            return 1;
    }
    return 0;
}

static fwpk_err f_write(void *u, uint32_t a, const uint8_t *d, uint32_t n)
{
    fuzz_flash *f = u;
    const fwpk_target *t = &f->ctx->manifest.own;
    if (f->ctx->sig_valid == 0)
        abort(); /* write before the signature checked out */
    if (!in_window(a, n) || n == 0 || n % t->write_unit || a % t->write_unit)
        abort();
    for (uint32_t i = 0; i < n; i++) {
        if (f->mem[a - FUZZ_BASE + i] != 0xff)
            abort(); /* write to unerased or already written flash */
        if (!in_segment(t, a + i, 0) &&
            (d[i] != 0xff || !in_segment(t, a + i, t->write_unit)))
            abort(); /* a byte outside the declared segments */
        f->mem[a - FUZZ_BASE + i] = d[i];
    }
    return FWPK_OK;
}

/* ---- re-signing ------------------------------------------------------- */

static uint8_t resigned[1 << 16];

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

/* Repairs the chain and signs; returns the new length, 0 if the container
 * cannot be delimited (then it is fed as it is). */
static size_t resign(const uint8_t *in, size_t n)
{
    static fwp_manifest m;
    static size_t off[FWPK_MAX_TARGETS][512];
    fwp_layout lay;
    fwp_err err;
    uint8_t *cbor = NULL, digest[64], sk[64], pk[32];
    size_t cbor_len = 0, at, frames_len, out;
    uint32_t t, k;

    if (fwp_layout_parse(in, n, "fuzz", &lay, &err) ||
        fwp_manifest_decode(lay.manifest, lay.manifest_len, "fuzz", &m, &err))
        return 0;
    /* delimit every target's frames (at most 512 each) */
    at = lay.frames_offset;
    uint8_t *frames = resigned + 8192; /* prefix goes below, frames here */
    for (t = 0; t < m.target_count; t++) {
        if (m.targets[t].frame_count > 512)
            return 0;
        for (k = 0; k < m.targets[t].frame_count; k++) {
            size_t len;
            if (n - at < FWPK_FRAME_HEADER_LEN)
                return 0;
            len = FWPK_FRAME_HEADER_LEN + (in[at] | in[at + 1] << 8);
            if (n - at < len)
                return 0;
            off[t][k] = at - lay.frames_offset;
            at += len;
        }
    }
    frames_len = n - lay.frames_offset; /* trailing bytes kept */
    if (frames_len > sizeof resigned - 8192)
        return 0;
    memcpy(frames, in + lay.frames_offset, frames_len);
    /* the chain, back to front, per target */
    for (t = 0; t < m.target_count; t++) {
        uint8_t next[FWPK_HASH_LEN] = {0};
        for (k = m.targets[t].frame_count; k-- > 0;) {
            uint8_t *f = frames + off[t][k];
            memcpy(f + 2, next, FWPK_HASH_LEN);
            fwp_hash(next, f, FWPK_FRAME_HEADER_LEN + (f[0] | f[1] << 8));
        }
        memcpy(m.targets[t].anchor, next, FWPK_HASH_LEN);
    }
    if (fwp_manifest_encode(&m, &cbor, &cbor_len, &err) ||
        cbor_len > FWPK_MANIFEST_MAX) {
        free(cbor);
        return 0;
    }
    /* header (lengths patched), info, manifest, one signature, frames */
    memcpy(resigned, in, FWPK_HEADER_LEN);
    put16(resigned + 8, (uint32_t)cbor_len);
    out = FWPK_HEADER_LEN;
    memcpy(resigned + out, lay.info, lay.info_len);
    out += lay.info_len;
    memcpy(resigned + out, cbor, cbor_len);
    out += cbor_len;
    free(cbor);
    crypto_hash_sha512(digest, resigned, out);
    fuzz_keypair(pk, sk);
    resigned[out++] = 1;
    fwp_key_id(pk, resigned + out);
    crypto_sign_detached(resigned + out + FWPK_KEY_ID_LEN, NULL, digest,
                         sizeof digest, sk);
    out += FWPK_SIG_ENTRY_LEN;
    memmove(resigned + out, frames, frames_len);
    return out + frames_len;
}

/* ---- the target ------------------------------------------------------- */

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return sodium_init() < 0;
}

/* After FWPK_OK: the declared segments, read back from flash, must hash to
 * the manifest's image digest. */
static void check_installed(void)
{
    const fwpk_target *t = &ctx.manifest.own;
    fwpk_sha512_ctx h;
    uint8_t digest[64];
    fwpk_sha512_init(&h);
    for (uint32_t i = 0; i < t->segment_count; i++) {
        if (!in_window(t->segments[i].addr, t->segments[i].len))
            abort();
        fwpk_sha512_update(&h, flash.mem + (t->segments[i].addr - FUZZ_BASE),
                           t->segments[i].len);
    }
    fwpk_sha512_final(&h, digest);
    if (memcmp(digest, t->image_digest, FWPK_HASH_LEN) != 0)
        abort();
}

/* One run over the container in pieces from 'control'; cap 0: all at
 * once. */
static fwpk_err run(const uint8_t *data, size_t size, uint8_t control,
                    size_t cap)
{
    fwpk_key key;
    fwpk_policy pol;
    fwpk_flash fl;
    fuzz_policy(&pol, &key);
    memset(flash.mem, 0x00, sizeof flash.mem); /* unerased */
    flash.ctx = &ctx;
    memset(&fl, 0, sizeof fl);
    fl.erase = f_erase;
    fl.write = f_write;
    fl.user = &flash;
    uint32_t x = (control & 0x1f) * 2654435761u + 1;
    fwpk_err e = fwpk_begin(&ctx, &pol, &fl);
    size_t off = 0;
    while (e == FWPK_OK && off < size) {
        x = x * 1103515245u + 12345u;
        size_t step = cap ? 1 + (x >> 8) % cap : size;
        size_t n = size - off < step ? size - off : step;
        e = fwpk_feed(&ctx, data + off, n);
        off += n;
    }
    if (e == FWPK_OK)
        e = fwpk_finish(&ctx);
    if (e == FWPK_OK)
        check_installed();
    (void)fwpk_strerror(e);
    return e;
}

/* The errors of a run that got past the signature and the policy. */
static int frames_error(fwpk_err e)
{
    return e == FWPK_OK || e == FWPK_ERR_FRAME || e == FWPK_ERR_FRAME_HASH ||
           e == FWPK_ERR_INFLATE || e == FWPK_ERR_SIZE ||
           e == FWPK_ERR_DIGEST || e == FWPK_ERR_TRUNCATED ||
           e == FWPK_ERR_TRAILING;
}

static void check_inspect(const uint8_t *data, size_t size, fwpk_err e)
{
    static fwp_manifest m;
    static fwp_walk w[FWPK_MAX_TARGETS];
    fwp_layout lay;
    fwp_err err;
    int all;
    if (ctx.sig_valid == 0 || !frames_error(e))
        return;
    if (fwp_layout_parse(data, size, "fuzz", &lay, &err) ||
        fwp_manifest_decode(lay.manifest, lay.manifest_len, "fuzz", &m, &err))
        abort(); /* the device read what the host cannot */
    int rc = fwp_container_walk(data, size, &lay, &m, w, &all, &err);
    for (uint32_t t = 0; t < m.target_count; t++) {
        if (rc == 0 && strcmp(m.targets[t].name, "app") == 0 &&
            (w[t].problem[0] == 0) != (e == FWPK_OK))
            abort(); /* inspect and the device disagree */
        fwp_walk_free(&w[t]);
    }
    if (rc != 0 && e == FWPK_OK)
        abort(); /* inspect cannot delimit what the device installed */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t caps[8] = {1, 7, 64, 300, 1100, 4096, 9000, 0};
    static uint8_t first[FUZZ_FLASH];
    if (size < 1)
        return 0;
    uint8_t control = data[0];
    data++;
    size--;
    if (control & 0x80) {
        size_t n = resign(data, size);
        if (n) {
            data = resigned;
            size = n;
        }
    }
    /* the pieces must not matter: the same error and the same flash as
     * with the container in one piece */
    fwpk_err e = run(data, size, control, caps[(control >> 2) & 7]);
    memcpy(first, flash.mem, sizeof first);
    if (run(data, size, control, 0) != e ||
        memcmp(first, flash.mem, sizeof first) != 0)
        abort();
    check_inspect(data, size, e);
    return 0;
}
