/*
 * writer.c - the flash writer stage (writer.h).
 */
#include <string.h>

#include "history.h"
#include "writer.h"

#define ERASED 0xff

void fwpk_writer_init(fwpk_writer *w, const fwpk_target *t,
                      const fwpk_flash *flash)
{
    memset(w, 0, sizeof *w);
    w->t = t;
    w->flash = flash;
    fwpk_sha512_init(&w->hash);
}

/* Walks the blocks by their start up to that of the last byte: len >= 1
 * and addr + len <= 2^32 (segments_ok, manifest.c), so 32 bits do even at
 * the end of the address space, and 64-bit arithmetic costs flash on M0. */
static fwpk_err erase_through(fwpk_writer *w, uint32_t addr, uint32_t len)
{
    uint32_t mask = w->t->erase_block - 1u;
    uint32_t block = addr & ~mask;
    uint32_t last = (addr + (len - 1u)) & ~mask;
    for (;; block += mask + 1u) {
        if (!w->erased_any || block > w->erased_last) {
            if (w->flash->erase(w->flash->user, block, mask + 1u) != FWPK_OK)
                return FWPK_ERR_FLASH;
            w->erased_any = 1;
            w->erased_last = block;
        }
        if (block == last)
            return FWPK_OK;
    }
}

/* Writes the staged bytes, padded with 0xFF to whole write units.  A
 * write that ends an erase block is a point to resume from: everything
 * before it is in flash (the driver offers a record for it). */
fwpk_err fwpk_writer_flush(fwpk_writer *w)
{
    uint32_t wu = w->t->write_unit;
    uint32_t len = (w->wbuf_len + wu - 1u) & ~(wu - 1u);
    fwpk_err err;
    if (w->wbuf_len == 0)
        return FWPK_OK;
    memset(w->wbuf + w->wbuf_len, ERASED, len - w->wbuf_len);
    err = erase_through(w, w->wbuf_addr, len);
    if (err == FWPK_OK &&
        w->flash->write(w->flash->user, w->wbuf_addr, w->wbuf, len) !=
            FWPK_OK)
        err = FWPK_ERR_FLASH;
    w->written += len;
    w->wbuf_len = 0;
    if (((w->wbuf_addr + len) & (w->t->erase_block - 1u)) == 0) {
        w->boundary = w->image_out;
        w->boundary_hit = 1;
    }
    return err;
}

/* Stages image bytes for flash address 'addr' on. */
static fwpk_err stage_bytes(fwpk_writer *w, uint32_t addr, const uint8_t *d,
                            size_t n)
{
    const fwpk_target *t = w->t;
    fwpk_err err = FWPK_OK;
    while (n > 0 && err == FWPK_OK) {
        uint32_t room, take;
        if (w->wbuf_len > 0 && addr != w->wbuf_addr + w->wbuf_len)
            err = fwpk_writer_flush(w); /* a new segment */
        if (err != FWPK_OK)
            break;
        if (w->wbuf_len == 0) {
            w->wbuf_addr = addr & ~(t->write_unit - 1u);
            w->wbuf_len = addr - w->wbuf_addr;
            memset(w->wbuf, ERASED, w->wbuf_len);
        }
        room = sizeof w->wbuf - w->wbuf_len;
        take = t->erase_block -
               ((w->wbuf_addr + w->wbuf_len) & (t->erase_block - 1u));
        if (take > room)
            take = room;
        if (take > n)
            take = (uint32_t)n;
        memcpy(w->wbuf + w->wbuf_len, d, take);
        w->wbuf_len += take;
        w->image_out += take;
        addr += take;
        d += take;
        n -= take;
        if (w->wbuf_len == sizeof w->wbuf ||
            ((w->wbuf_addr + w->wbuf_len) & (t->erase_block - 1u)) == 0)
            err = fwpk_writer_flush(w);
    }
    return err;
}

/* A resumed run skips image bytes that the record says are in flash.  The
 * record only proves they were written once: another container may have
 * been started in between, or the flash changed behind our back.  So each
 * skipped byte is read back and must equal the decoded one; otherwise the
 * record is stale (start over), never success.  The staging buffer is
 * free: nothing is staged before the skipped range ends. */
static fwpk_err compare_flash(fwpk_writer *w, uint32_t addr,
                              const uint8_t *d, uint32_t n)
{
    while (n > 0) {
        uint32_t chunk = n < sizeof w->wbuf ? n : sizeof w->wbuf;
        if (fwpk_flash_read(w->flash, addr, w->wbuf, chunk) != FWPK_OK)
            return FWPK_ERR_FLASH;
        if (memcmp(w->wbuf, d, chunk) != 0)
            return FWPK_ERR_RESUME;
        addr += chunk;
        d += chunk;
        n -= chunk;
    }
    return FWPK_OK;
}

fwpk_err fwpk_writer_put(void *arg, const uint8_t *d, size_t n)
{
    fwpk_writer *w = (fwpk_writer *)arg;
    const fwpk_target *t = w->t;
    while (n > 0) {
        const fwpk_segment *seg;
        uint32_t take, skip = 0;
        fwpk_err err;
        if (w->seg_index >= t->segment_count)
            return FWPK_ERR_SIZE; /* more output than the manifest says */
        seg = &t->segments[w->seg_index];
        take = seg->len - w->seg_done;
        if (take > n)
            take = (uint32_t)n;
        fwpk_sha512_update(&w->hash, d, take);
        if (FWPK_RESUME && w->image_out < w->skip_until) {
            skip = w->skip_until - w->image_out;
            if (skip > take)
                skip = take;
            err = compare_flash(w, seg->addr + w->seg_done, d, skip);
            if (err != FWPK_OK)
                return err;
            w->image_out += skip;
        }
        err = stage_bytes(w, seg->addr + w->seg_done + skip, d + skip,
                          take - skip);
        if (err != FWPK_OK)
            return err;
        w->seg_done += take;
        if (w->seg_done == seg->len) {
            w->seg_index++;
            w->seg_done = 0;
        }
        d += take;
        n -= take;
    }
    return FWPK_OK;
}

int fwpk_writer_complete(const fwpk_writer *w)
{
    return w->seg_index == w->t->segment_count;
}

uint32_t fwpk_image_addr(const fwpk_target *t, uint32_t off)
{
    uint32_t i;
    for (i = 0; i < t->segment_count; i++) {
        if (off < t->segments[i].len)
            return t->segments[i].addr + off;
        off -= t->segments[i].len;
    }
    return 0;
}

void fwpk_writer_resume(fwpk_writer *w, uint32_t released, uint32_t flushed)
{
    const fwpk_target *t = w->t;
    uint32_t off = released;
    w->seg_index = 0;
    while (w->seg_index < t->segment_count &&
           off >= t->segments[w->seg_index].len) {
        off -= t->segments[w->seg_index].len;
        w->seg_index++;
    }
    w->seg_done = off;
    w->image_out = released;
    w->skip_until = flushed;
    if (flushed > 0) {
        w->erased_any = 1;
        w->erased_last =
            fwpk_image_addr(t, flushed - 1u) & ~(t->erase_block - 1u);
    }
}
