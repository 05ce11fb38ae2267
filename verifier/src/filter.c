/*
 * filter.c - the inverse branch filters (format/SPEC.md section 6.3), and
 * the forward ones, streaming, for a resumed update's window (stream.c).
 *
 * In a segment, both filters walk the offsets i = 0, 2, 4, ... (relative to
 * the segment's start) and look at the four bytes from i, read as a
 * little-endian word w:
 *
 *   thumb  if w & 0xF800F800 == 0xF800F000 (a Thumb BL pair), its 22-bit
 *          halfword offset v = (w & 0x7FF) << 11 | (w >> 16 & 0x7FF) was
 *          replaced by (v + floor((addr + 4) / 2)) mod 2^22, and the walk
 *          moves on by 4; otherwise by 2.
 *   rv32   if w & 3 != 3 (a 16-bit instruction) the walk moves on by 2,
 *          otherwise by 4; if also w & 0xDFF == 0x0EF (JAL with rd = ra or
 *          t0), its J-immediate v = imm[20:1] was replaced by
 *          (v + floor(addr / 2)) mod 2^20.
 *
 * Here we subtract again (or, to refilter, add).  The bits the tests read
 * are never changed, so both directions take the same steps.  The state is
 * O(1): up to four bytes are held until the decision at their offset can be
 * made, so an instruction split across chunks, frames or pushes comes out
 * right; the last one to three bytes of a segment are never changed.
 */
#include "filter.h"

#define WIN 4u

void fwpk_unfilter_segment(fwpk_unfilter *f, uint32_t filter, uint32_t addr,
                           uint32_t len)
{
    f->addr = addr;
    f->left = len;
    f->count = 0;
    f->filter = (uint8_t)filter;
}

int fwpk_filter_pair(uint8_t b[4], uint32_t addr, int refilter)
{
    uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                 (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    uint32_t v, i, d = (addr >> 1) + 2u; /* floor((addr + 4) / 2) */
    if ((w & 0xf800f800u) != 0xf800f000u)
        return 0;
    v = (w & 0x7ffu) << 11 | (w >> 16 & 0x7ffu);
    v += refilter ? d : 0u - d;
    w = (w & 0xf800f800u) | (v >> 11 & 0x7ffu) | (v & 0x7ffu) << 16;
    for (i = 0; i < WIN; i++, w >>= 8)
        b[i] = (uint8_t)w;
    return 1;
}

/* The RV32 filter at b: how far the walk moves on (2 after a 16-bit
 * instruction, else 4), rewriting a JAL with rd = ra or t0. */
static uint32_t rv32_insn(uint8_t b[4], uint32_t addr, int refilter)
{
    uint32_t w = (uint32_t)b[0] | (uint32_t)b[1] << 8 |
                 (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    uint32_t v, i, d = addr >> 1;
    if ((w & 3u) != 3u)
        return 2;
    if ((w & 0xdffu) != 0x0efu)
        return 4;
    v = (w >> 21 & 0x3ffu) | (w >> 10 & 0x400u) | (w >> 1 & 0x7f800u) |
        (w >> 12 & 0x80000u);
    v += refilter ? d : 0u - d;
    w = (w & 0xfffu) | (v & 0x3ffu) << 21 | (v & 0x400u) << 10 |
        (v & 0x7f800u) << 1 | (v & 0x80000u) << 12;
    for (i = 0; i < WIN; i++, w >>= 8)
        b[i] = (uint8_t)w;
    return 4;
}

/* Decides at held[0] (four bytes held): rewrites an instruction in place
 * and returns how many bytes the walk moves on.  A filter left out of the
 * build (FWPK_FILTERS) never gets here: the constant test drops its code;
 * with Thumb alone, every segment is Thumb. */
static uint32_t decide(fwpk_unfilter *f, int refilter)
{
    if ((FWPK_FILTERS & 1 << FWPK_FILTER_RV32) == 0 ||
        ((FWPK_FILTERS & 1 << FWPK_FILTER_THUMB) &&
         f->filter == FWPK_FILTER_THUMB))
        return fwpk_filter_pair(f->held, f->addr, refilter) ? 4 : 2;
    return rv32_insn(f->held, f->addr, refilter);
}

/* Emits the first n held bytes: all of them, or two of four. */
static fwpk_err release(fwpk_unfilter *f, uint32_t n, fwpk_sink sink,
                        void *arg)
{
    fwpk_err e = sink(arg, f->held, n);
    f->count = (uint8_t)(f->count - n);
    f->held[0] = f->held[2];
    f->held[1] = f->held[3];
    f->addr += n;
    f->left -= n;
    return e;
}

fwpk_err fwpk_filter_push(fwpk_unfilter *f, const uint8_t *in, size_t len,
                          fwpk_sink sink, void *arg, int refilter)
{
    fwpk_err e = FWPK_OK;
    for (;;) {
        while (e == FWPK_OK && f->count != 0 &&
               (f->count == WIN || f->count == f->left))
            e = release(f, f->count < WIN ? f->count : decide(f, refilter),
                        sink, arg);
        if (len == 0 || e != FWPK_OK)
            return e;
        f->held[f->count++] = *in++;
        len--;
    }
}

fwpk_err fwpk_filter_release_held(fwpk_unfilter *f, fwpk_sink sink,
                                  void *arg)
{
    f->left = f->count; /* ends the segment here */
    return fwpk_filter_push(f, 0, 0, sink, arg, 0);
}
