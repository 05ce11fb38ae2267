/*
 * filter.c - the inverse Thumb BL filter (format/SPEC.md section 6.3).
 *
 * In a segment, the filter looks at every even offset i (relative to the
 * segment's start) with i + 4 <= segment length.  If byte i+1 has its top
 * five bits 11110 and byte i+3 has 11111, the four bytes are a Thumb BL pair
 * and their 22-bit halfword offset was replaced by the packer with
 * (offset + floor((address + 4) / 2)) mod 2^22; here we subtract it again
 * and skip past the pair.  Otherwise we move on by two bytes.  The top bits we test are never
 * changed by the transform, so both directions see the same pairs.
 */
#include "filter.h"

#define BL_HI_MASK 0xf8u
#define BL_HI_FIRST 0xf0u
#define BL_HI_SECOND 0xf8u
#define BL_LEN 4u
#define STEP 2u

static int is_bl_pair(const uint8_t b[4])
{
    return (b[1] & BL_HI_MASK) == BL_HI_FIRST &&
           (b[3] & BL_HI_MASK) == BL_HI_SECOND;
}

/* Undoes the packer's rewrite of one pair, or (refilter) redoes it. */
static void transform_pair(uint8_t b[4], uint32_t addr, int refilter)
{
    uint32_t v = ((uint32_t)(b[1] & 7u) << 19) | ((uint32_t)b[0] << 11) |
                 ((uint32_t)(b[3] & 7u) << 8) | (uint32_t)b[2];
    uint32_t delta = (addr + 4u) >> 1; /* halfwords: odd addresses too */
    v = refilter ? v + delta : v - delta;
    b[0] = (uint8_t)(v >> 11);
    b[1] = (uint8_t)(BL_HI_FIRST | ((v >> 19) & 7u));
    b[2] = (uint8_t)v;
    b[3] = (uint8_t)(BL_HI_SECOND | ((v >> 8) & 7u));
}

void fwpk_unfilter_segment(fwpk_unfilter *f, uint32_t addr, uint32_t len)
{
    f->addr = addr;
    f->left = len;
    f->count = 0;
}

/* Emits the first n held bytes and shifts the rest down. */
static fwpk_err release(fwpk_unfilter *f, uint32_t n, fwpk_sink sink,
                        void *arg)
{
    fwpk_err e = sink(arg, f->held, n);
    uint32_t keep = f->count - n;
    uint32_t i;
    for (i = 0; i < keep && i + n < BL_LEN; i++)
        f->held[i] = f->held[i + n];
    f->count = (uint8_t)keep;
    f->addr += n;
    f->left -= n;
    return e;
}

static fwpk_err push(fwpk_unfilter *f, const uint8_t *in, size_t len,
                     fwpk_sink sink, void *arg, int refilter)
{
    fwpk_err e = FWPK_OK;
    size_t i;
    for (i = 0; i < len && e == FWPK_OK; i++) {
        f->held[f->count++] = in[i];
        if (f->count == BL_LEN) {
            if (is_bl_pair(f->held)) {
                transform_pair(f->held, f->addr, refilter);
                e = release(f, BL_LEN, sink, arg);
            } else {
                e = release(f, STEP, sink, arg);
            }
        }
        if (e == FWPK_OK && f->count != 0 && f->count == f->left)
            e = release(f, f->count, sink, arg); /* too short for a pair */
    }
    return e;
}

fwpk_err fwpk_unfilter_push(fwpk_unfilter *f, const uint8_t *in, size_t len,
                            fwpk_sink sink, void *arg)
{
    return push(f, in, len, sink, arg, 0);
}

fwpk_err fwpk_refilter_push(fwpk_unfilter *f, const uint8_t *in, size_t len,
                            fwpk_sink sink, void *arg)
{
    return push(f, in, len, sink, arg, 1);
}

fwpk_err fwpk_filter_release_held(fwpk_unfilter *f, fwpk_sink sink,
                                  void *arg)
{
    return f->count ? release(f, f->count, sink, arg) : FWPK_OK;
}
