/* promote.c - staging -> active, checked by the signed image digest (see
 * abboot.h).  The digest comes from the manifest the verifier checked, and
 * the COPY record keeps it, so the active slot is compared with what the
 * signer produced, not with its own vector table. */
#include <string.h>

#include "abboot.h"

static const fwpk_flash *io(const abboot *b) { return &b->io->flash; }

fwpk_err abboot_slot_holds(abboot *b, uint32_t base, const state_copy *c)
{
    const uint32_t staging = b->layout->staging;
    fwpk_sha512_ctx h;
    uint8_t digest[64];
    fwpk_sha512_init(&h);
    for (uint32_t i = 0; i < c->count && i < STATE_COPY_SEGMENTS; i++) {
        uint32_t addr = c->seg[i].addr - staging + base;
        for (uint32_t off = 0; off < c->seg[i].len;) {
            uint32_t n = c->seg[i].len - off;
            if (n > sizeof b->buf)
                n = sizeof b->buf;
            if (io(b)->read(io(b)->user, addr + off, b->buf, n) != FWPK_OK)
                return FWPK_ERR_FLASH;
            fwpk_sha512_update(&h, b->buf, n);
            off += n;
        }
    }
    fwpk_sha512_final(&h, digest);
    return memcmp(digest, c->digest, FWPK_HASH_LEN) == 0 ? FWPK_OK
                                                         : FWPK_ERR_DIGEST;
}

/* Erases one erase block of the active slot and writes it with the
 * staging slot's block at the same offset, a buffer at a time (whole write
 * units: both are powers of two up to FWPK_WRITE_UNIT_MAX). */
static fwpk_err copy_block(abboot *b, uint32_t src)
{
    const abboot_layout *l = b->layout;
    uint32_t dst = src - l->staging + l->active;
    uint32_t n = l->erase_block < sizeof b->buf ? l->erase_block
                                                : (uint32_t)sizeof b->buf;
    fwpk_err err = io(b)->erase(io(b)->user, dst, l->erase_block);
    for (uint32_t off = 0; off < l->erase_block && err == FWPK_OK; off += n) {
        err = io(b)->read(io(b)->user, src + off, b->buf, n);
        if (err == FWPK_OK)
            err = io(b)->write(io(b)->user, dst + off, b->buf, n);
    }
    return err == FWPK_OK ? FWPK_OK : FWPK_ERR_FLASH;
}

fwpk_err abboot_promote(abboot *b, const state_copy *c, int again)
{
    const abboot_layout *l = b->layout;
    const uint32_t eb = l->erase_block;
    uint32_t done = l->staging; /* staging blocks below this are copied */
    fwpk_err err;
    if (again) {
        if (abboot_slot_holds(b, l->active, c) == FWPK_OK)
            return FWPK_OK; /* copied before the cut; IDLE was not */
        err = abboot_slot_holds(b, l->staging, c);
        if (err != FWPK_OK)
            return err; /* never copy what is not the image */
    }
    for (uint32_t i = 0; i < c->count && i < STATE_COPY_SEGMENTS; i++) {
        uint32_t lo = c->seg[i].addr & ~(eb - 1);
        uint32_t hi = (c->seg[i].addr + c->seg[i].len + eb - 1) & ~(eb - 1);
        if (lo < done)
            lo = done;
        if (lo < l->staging || hi > l->staging + l->slot_size)
            return FWPK_ERR_ARG;
        for (uint32_t a = lo; a < hi; a += eb)
            if ((err = copy_block(b, a)) != FWPK_OK)
                return err;
        if (hi > done)
            done = hi;
    }
    return abboot_slot_holds(b, l->active, c);
}
