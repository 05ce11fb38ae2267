/*
 * fuzz_patch.c - the delta applier (verifier/src/patch.c) on arbitrary
 * patches, checked against a reference applier written from
 * format/SPEC.md 6.5 here: whole buffers, no state.
 *
 * Input: byte 0 the filter (mod 3); bytes 1-2 the base size - 1 and 3-4
 * the image size - 1 (little-endian, each at most what follows); byte 5
 * the seed of the piece sizes (1..64); then the base's bytes, then the
 * patch.
 *
 * The applier's verdict must be the reference's: both accept with the
 * same image, or both refuse, the applier only with FWPK_ERR_PATCH; it
 * reads only the base, and never makes more than the image size.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"
#include "patch.h"

#define HEAD 6
#define BASE_ADDR 0x20000000u
#define IMAGE_ADDR 0x08000000u

typedef struct {
    const uint8_t *base;
    uint32_t base_len;
} flash_view;

static fwpk_err base_read(void *user, uint32_t addr, uint8_t *buf,
                          uint32_t len)
{
    const flash_view *v = user;
    if (addr < BASE_ADDR || (uint64_t)addr - BASE_ADDR + len > v->base_len)
        abort(); /* a read outside the base */
    memcpy(buf, v->base + (addr - BASE_ADDR), len);
    return FWPK_OK;
}

typedef struct {
    uint8_t *out;
    uint32_t n, cap;
} sink;

static fwpk_err put(void *arg, const uint8_t *d, size_t n)
{
    sink *k = arg;
    if (n > k->cap - k->n)
        abort(); /* more than the image */
    memcpy(k->out + k->n, d, n);
    k->n += (uint32_t)n;
    return FWPK_OK;
}

/* ---- the reference: SPEC.md 6.5 over whole buffers ---- */

static int ref_varint(const uint8_t *p, size_t n, size_t *at, uint32_t *v)
{
    uint64_t x = 0;
    for (int i = 0; i < FWPK_VARINT_MAX_BYTES; i++) {
        if (*at >= n)
            return 0;
        uint8_t b = p[(*at)++];
        x |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            if ((b == 0 && i > 0) || x > 0xffffffffu)
                return 0;
            *v = (uint32_t)x;
            return 1;
        }
    }
    return 0;
}

/* 1 and the image in out, or 0. */
static int ref_apply(const uint8_t *base, uint32_t bn, const uint8_t *p,
                     size_t pn, uint32_t filter, uint8_t *out, uint32_t size)
{
    size_t at = 0;
    uint32_t made = 0;
    int64_t cursor = 0;
    while (at < pn) {
        uint32_t n, s, m;
        if (!ref_varint(p, pn, &at, &n) || !ref_varint(p, pn, &at, &s) ||
            !ref_varint(p, pn, &at, &m))
            return 0;
        int64_t c = cursor + ((s & 1) ? -(int64_t)(s >> 1) - 1 : s >> 1);
        if ((n == 0 && s != 0) || (uint64_t)n + m == 0 ||
            (uint64_t)n + m > size - made || c < 0 ||
            (uint64_t)c + n > bn || (uint64_t)n + m > pn - at)
            return 0;
        uint8_t *run = malloc(n + 1);
        memcpy(run, base + c, n);
        fwp_filter_apply(filter, run, n, IMAGE_ADDR + made);
        for (uint32_t i = 0; i < n; i++)
            out[made + i] = (uint8_t)(run[i] + p[at + i]);
        free(run);
        memcpy(out + made + n, p + at + n, m);
        at += (size_t)n + m;
        made += n + m;
        if (n > 0)
            cursor = c + n;
    }
    return made == size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fwpk_patch p;
    static fwpk_target t;
    static fwpk_sha512_ctx h;
    static uint8_t scratch[64];
    uint8_t digest[64];
    if (size < HEAD)
        return 0;
    uint32_t filter = data[0] % 3, x = data[5];
    uint32_t bn = (uint32_t)(data[1] | data[2] << 8) + 1;
    uint32_t in = (uint32_t)(data[3] | data[4] << 8) + 1;
    if (bn > size - HEAD)
        return 0;
    const uint8_t *base = data + HEAD, *patch = base + bn;
    size_t pn = size - HEAD - bn;
    if (pn == 0)
        return 0;
    memset(&t, 0, sizeof t);
    t.image_size = in;
    t.base_size = bn;
    t.patch_size = (uint32_t)pn;
    t.filter = filter;
    t.codec = FWPK_CODEC_NONE;
    t.erase_block = 4096;
    t.segment_count = 1;
    t.segments[0].addr = IMAGE_ADDR;
    t.segments[0].len = in;
    fwpk_sha512(digest, base, bn);
    memcpy(t.base_digest, digest, FWPK_HASH_LEN);
    flash_view view = {base, bn};
    fwpk_flash f;
    memset(&f, 0, sizeof f);
    f.read = base_read;
    f.user = &view;
    f.base_addr = BASE_ADDR;
    if (fwpk_patch_start(&p, &t, &f, &h, scratch, sizeof scratch) != FWPK_OK)
        abort();
    sink k = {malloc(in), 0, in};
    fwpk_err err = FWPK_OK;
    size_t off = 0;
    while (err == FWPK_OK && off < pn) {
        x = x * 1103515245u + 12345u;
        size_t piece = 1 + (x >> 16) % 64;
        if (piece > pn - off)
            piece = pn - off;
        err = fwpk_patch_push(&p, patch + off, piece, put, &k);
        off += piece;
    }
    int ours = err == FWPK_OK && fwpk_patch_done(&p);
    if (err != FWPK_OK && err != FWPK_ERR_PATCH)
        abort();
    uint8_t *ref = malloc(in);
    int theirs = ref_apply(base, bn, patch, pn, filter, ref, in);
    if (ours != theirs || (ours && (k.n != in || memcmp(ref, k.out, in))))
        abort();
    free(ref);
    free(k.out);
    return 0;
}
