/*
 * history.c - the flash-backed window (history.h).
 */
#include <string.h>

#include "filter.h"
#include "history.h"

#define PAIR 4u /* a Thumb BL pair: two halfwords */

fwpk_err fwpk_flash_read(const fwpk_flash *f, uint32_t addr, uint8_t *buf,
                         uint32_t len)
{
    if (f->mapped != NULL) {
        memcpy(buf, f->mapped + (addr - f->mapped_base), len);
        return FWPK_OK;
    }
    return f->read(f->user, addr, buf, len) == FWPK_OK ? FWPK_OK
                                                       : FWPK_ERR_FLASH;
}

/* The pair at segment offset 'at' (even, at + 4 <= segment length), with
 * bytes inside [lo, lo + n) taken from 'buf' (flash bytes read for the
 * caller) and the others read from flash, filtered again where it is a BL
 * pair; the bytes inside [lo, lo + n) are then written back. */
static fwpk_err refilter_pair(const fwpk_flash *f, const fwpk_segment *seg,
                              uint32_t at, uint8_t *buf, uint32_t lo,
                              uint32_t n)
{
    uint8_t w[PAIR];
    uint32_t i;
    fwpk_err err;
    for (i = 0; i < PAIR; i++) {
        uint32_t o = at + i;
        if (o >= lo && o < lo + n)
            w[i] = buf[o - lo];
        else if ((err = fwpk_flash_read(f, seg->addr + o, &w[i], 1)) !=
                 FWPK_OK)
            return err;
    }
    fwpk_filter_pair(w, seg->addr + at, 1);
    for (i = 0; i < PAIR; i++) {
        uint32_t o = at + i;
        if (o >= lo && o < lo + n)
            buf[o - lo] = w[i];
    }
    return FWPK_OK;
}

/* Reads segment bytes [lo, lo + n) and redoes the Thumb filter on every
 * pair that touches them. */
static fwpk_err read_segment(const fwpk_ctx *ctx, const fwpk_segment *seg,
                             uint32_t lo, uint8_t *buf, uint32_t n)
{
    const fwpk_flash *f = ctx->flash;
    uint32_t at;
    fwpk_err err = fwpk_flash_read(f, seg->addr + lo, buf, n);
    if (err != FWPK_OK || !FWPK_FILTERS_ANY ||
        ctx->manifest.own.filter == FWPK_FILTER_NONE)
        return err;
    /* pairs start at even segment offsets, from 3 bytes before lo */
    at = lo >= PAIR - 1u ? (lo - (PAIR - 1u) + 1u) & ~1u : 0;
    for (; at < lo + n && at + PAIR <= seg->len && err == FWPK_OK; at += 2) {
        if (at >= lo && at + PAIR <= lo + n)
            fwpk_filter_pair(buf + (at - lo), seg->addr + at, 1);
        else
            err = refilter_pair(f, seg, at, buf, lo, n);
    }
    return err;
}

fwpk_err fwpk_history_read(void *arg, uint32_t offset, uint8_t *buf,
                           uint32_t len)
{
    const fwpk_ctx *ctx = (const fwpk_ctx *)arg;
    const fwpk_target *t = &ctx->manifest.own;
    uint32_t i;
    for (i = 0; i < t->segment_count && len > 0; i++) {
        const fwpk_segment *seg = &t->segments[i];
        uint32_t n;
        fwpk_err err;
        if (offset >= seg->len) {
            offset -= seg->len;
            continue;
        }
        n = seg->len - offset < len ? seg->len - offset : len;
        err = read_segment(ctx, seg, offset, buf, n);
        if (err != FWPK_OK)
            return err;
        buf += n;
        len -= n;
        offset = 0;
    }
    return len == 0 ? FWPK_OK : FWPK_ERR_SIZE;
}
