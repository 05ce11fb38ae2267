/*
 * patch.c - the delta applier (format/SPEC.md 6.5, patch.h).
 *
 * A patch is a sequence of instructions, each three LEB128 varints and
 * then its bytes:
 *
 *   copy   n   base bytes to take, each plus the patch byte that follows
 *   seek   s   zigzag: the base cursor moves by s before the copy
 *   insert m   new bytes, as they follow
 *
 * then n difference bytes, then m new bytes.  Both images are filtered
 * (SPEC.md 6.3) before diffing; the device filters each copied base run
 * forward as it reads it, as one segment at its own address, so that the
 * image comes out as the packer filtered it and the inverse filter after
 * this stage undoes it.  The state is O(1): the instruction being read
 * and FWPK_PATCH_CHUNK filtered base bytes.  A build with FWPK_DELTA 0
 * compiles none of it (stream.c never calls it).
 */
#include <string.h>

#include "filter.h"
#include "history.h"
#include "patch.h"

#if FWPK_DELTA

/* What the applier is reading (fwpk_patch.field). */
enum { F_COPY, F_SEEK, F_INSERT, F_COPYING, F_INSERTING };

#define VARINT_LAST_SHIFT 28u /* the fifth byte holds bits 28..31 */
#define VARINT_LAST_MAX 0x0fu
#define VARINT_MORE 0x80u
#define VARINT_BITS 0x7fu

/* Does the erase block span [lo, hi] (last bytes) meet the base? */
static int meets_base(const fwpk_flash *f, uint32_t size, uint32_t lo,
                      uint32_t hi)
{
    return lo <= f->base_addr + (size - 1u) && f->base_addr <= hi;
}

fwpk_err fwpk_patch_start(fwpk_patch *p, const fwpk_target *t,
                          const fwpk_flash *f, fwpk_sha512_ctx *h,
                          uint8_t *buf, uint32_t buf_len)
{
    uint8_t digest[64];
    uint32_t off, i, mask = t->erase_block - 1u;
    memset(p, 0, sizeof *p);
    p->t = t;
    p->flash = f;
    if (t->codec != FWPK_CODEC_NONE && t->window_bits > FWPK_RING_BITS)
        return FWPK_ERR_LIMIT;
    if (f->read == NULL && f->mapped == NULL)
        return FWPK_ERR_ARG;
    if (t->base_size - 1u > 0xffffffffu - f->base_addr)
        return FWPK_ERR_POLICY; /* the base would pass 2^32 */
    for (i = 0; i < t->segment_count; i++) {
        const fwpk_segment *s = &t->segments[i];
        if (meets_base(f, t->base_size, s->addr & ~mask,
                       (s->addr + (s->len - 1u)) | mask))
            return FWPK_ERR_POLICY;
    }
    fwpk_sha512_init(h);
    for (off = 0; off < t->base_size; off += buf_len) {
        if (buf_len > t->base_size - off)
            buf_len = t->base_size - off;
        if (fwpk_flash_read(f, f->base_addr + off, buf, buf_len) != FWPK_OK)
            return FWPK_ERR_FLASH;
        fwpk_sha512_update(h, buf, buf_len);
    }
    fwpk_sha512_final(h, digest);
    return memcmp(digest, t->base_digest, FWPK_HASH_LEN) == 0 ? FWPK_OK
                                                              : FWPK_ERR_BASE;
}

/* One byte of a varint: 1 when it is complete (in *v), 0 when more
 * follow, -1 when it is not the shortest form of a 32-bit value. */
static int varint_byte(fwpk_patch *p, uint8_t b, uint32_t *v)
{
    if (p->shift == VARINT_LAST_SHIFT && b > VARINT_LAST_MAX)
        return -1;
    p->arg |= (uint32_t)(b & VARINT_BITS) << p->shift;
    if (b & VARINT_MORE) {
        p->shift = (uint8_t)(p->shift + 7u);
        return 0;
    }
    if (b == 0 && p->shift != 0)
        return -1;
    *v = p->arg;
    p->arg = 0;
    p->shift = 0;
    return 1;
}

/* The seek, zigzag coded (0, -1, 1, -2, ...): the copy's start, which
 * must leave the copy inside the base.  p->src is the cursor. */
static int seek(fwpk_patch *p, uint32_t v)
{
    uint32_t mag = v >> 1, size = p->t->base_size;
    if (p->copy == 0)
        return v == 0; /* nothing to copy: nowhere to go */
    if (v & 1u) {
        if (mag >= p->src)
            return 0;
        p->src -= mag + 1u;
    } else {
        if (mag > size - p->src)
            return 0;
        p->src += mag;
    }
    return p->copy <= size - p->src;
}

/* The instruction is read: it must make at least one byte, and no more
 * than the image still lacks. */
static int begin(fwpk_patch *p)
{
    const fwpk_target *t = p->t;
    uint32_t rest = t->image_size - p->out;
    if ((p->copy == 0 && p->insert == 0) || p->copy > rest ||
        p->insert > rest - p->copy)
        return 0;
    p->have = p->used = 0;
    if (p->copy > 0 && FWPK_FILTERS_ANY != 0 && t->filter != FWPK_FILTER_NONE)
        fwpk_unfilter_segment(&p->bf, t->filter, t->segments[0].addr + p->out,
                              p->copy);
    p->field = p->copy > 0 ? F_COPYING : F_INSERTING;
    return 1;
}

static fwpk_err header_byte(fwpk_patch *p, uint8_t b)
{
    uint32_t v;
    int r = varint_byte(p, b, &v);
    if (r <= 0)
        return r == 0 ? FWPK_OK : FWPK_ERR_PATCH;
    if (p->field == F_COPY)
        p->copy = v;
    else if (p->field == F_SEEK && !seek(p, v))
        return FWPK_ERR_PATCH;
    if (p->field != F_INSERT) {
        p->field++;
        return FWPK_OK;
    }
    p->insert = v;
    return begin(p) ? FWPK_OK : FWPK_ERR_PATCH;
}

static fwpk_err base_put(void *arg, const uint8_t *d, size_t n)
{
    fwpk_patch *p = (fwpk_patch *)arg;
    memcpy(p->fb + p->have, d, n);
    p->have = (uint8_t)(p->have + n);
    return FWPK_OK;
}

/* Refills fb with the copy's next base bytes, filtered: the filter holds
 * at most three bytes back, so one piece releases at most three more. */
static fwpk_err base_fill(fwpk_patch *p)
{
    uint8_t raw[FWPK_PATCH_CHUNK];
    int filtered = FWPK_FILTERS_ANY != 0 && p->t->filter != FWPK_FILTER_NONE;
    p->have = p->used = 0;
    while (p->have == 0) {
        uint32_t k = filtered ? p->bf.left - p->bf.count : p->copy;
        fwpk_err err;
        if (k > FWPK_PATCH_CHUNK)
            k = FWPK_PATCH_CHUNK;
        err = fwpk_flash_read(p->flash, p->flash->base_addr + p->src, raw, k);
        if (err != FWPK_OK)
            return err;
        p->src += k;
        if (filtered)
            fwpk_refilter_push(&p->bf, raw, k, base_put, p);
        else
            base_put(p, raw, k);
    }
    return FWPK_OK;
}

/* Up to n bytes of the copy: base plus difference. */
static fwpk_err copy_bytes(fwpk_patch *p, const uint8_t *d, uint32_t n,
                           fwpk_sink sink, void *arg)
{
    uint8_t *b = p->fb + p->used;
    uint32_t i;
    fwpk_err err;
    for (i = 0; i < n; i++)
        b[i] = (uint8_t)(b[i] + d[i]);
    err = sink(arg, b, n);
    p->used = (uint8_t)(p->used + n);
    p->copy -= n;
    if (p->copy == 0)
        p->field = p->insert > 0 ? F_INSERTING : F_COPY;
    return err;
}

fwpk_err fwpk_patch_push(fwpk_patch *p, const uint8_t *d, size_t n,
                         fwpk_sink sink, void *arg)
{
    fwpk_err err = FWPK_OK;
    if (n > p->t->patch_size - p->in)
        return FWPK_ERR_PATCH;
    p->in += (uint32_t)n;
    while (n > 0 && err == FWPK_OK) {
        uint32_t k = 1;
        if (p->field == F_COPYING) {
            if (p->used == p->have && (err = base_fill(p)) != FWPK_OK)
                return err;
            k = p->have - p->used;
            if (k > p->copy)
                k = p->copy;
            if (k > n)
                k = (uint32_t)n;
            p->out += k;
            err = copy_bytes(p, d, k, sink, arg);
        } else if (p->field == F_INSERTING) {
            k = p->insert < n ? p->insert : (uint32_t)n;
            p->out += k;
            p->insert -= k;
            if (p->insert == 0)
                p->field = F_COPY;
            err = sink(arg, d, k);
        } else {
            err = header_byte(p, *d);
        }
        d += k;
        n -= k;
    }
    return err;
}

int fwpk_patch_done(const fwpk_patch *p)
{
    return p->field == F_COPY && p->shift == 0 &&
           p->out == p->t->image_size && p->in == p->t->patch_size;
}

#else
typedef int fwpk_patch_left_out; /* ISO C: a file is never empty */
#endif
