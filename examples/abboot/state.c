/* state.c - see state.h. */
#include "state.h"

#include <string.h>

static uint32_t slot_addr(const state_area *s, uint32_t block, uint32_t slot)
{
    return s->base + block * s->block + slot * s->stride;
}

static void record_check(const state_record *r, uint8_t out[8])
{
    uint8_t h[64];
    fwpk_sha512(h, (const uint8_t *)r, offsetof(state_record, check));
    memcpy(out, h, 8);
}

static int valid(const state_record *r)
{
    uint8_t check[8];
    if (r->magic != STATE_MAGIC || r->kind < STATE_IDLE ||
        r->kind > STATE_COPY)
        return 0;
    record_check(r, check);
    return memcmp(check, r->check, sizeof check) == 0;
}

/* 1 if the slot at 'addr' reads as 'want' (NULL: all 0xFF), 0 if not, -1
 * if the read failed.  A little at a time: this runs inside the verifier's
 * deepest call chain (write -> checkpoint -> append). */
static int reads_as(const state_area *s, uint32_t addr, const uint8_t *want)
{
    uint8_t buf[32];
    for (uint32_t off = 0; off < s->stride; off += sizeof buf) {
        uint32_t n = s->stride - off < sizeof buf ? s->stride - off
                                                  : (uint32_t)sizeof buf;
        if (s->io->read(s->io->user, addr + off, buf, n) != FWPK_OK)
            return -1;
        for (uint32_t i = 0; i < n; i++)
            if (buf[i] != (want ? want[off + i] : 0xFF))
                return 0;
    }
    return 1;
}

fwpk_err state_open(state_area *s, const fwpk_flash *io, uint32_t base,
                    uint32_t block, uint32_t erase_block,
                    uint32_t write_unit)
{
    memset(s, 0, sizeof *s);
    s->io = io;
    s->base = base;
    s->block = block;
    s->erase_block = erase_block;
    s->stride = ((uint32_t)sizeof(state_record) + write_unit - 1) &
                ~(write_unit - 1);
    s->slots = block / s->stride;
    if (s->slots == 0 || s->stride > sizeof(state_record) + FWPK_WRITE_UNIT_MAX)
        return FWPK_ERR_ARG;
    /* No record: the first append erases block 0. */
    s->cur_block = 1;
    s->next_slot = s->slots;
    for (uint32_t b = 0; b < 2; b++)
        for (uint32_t i = 0; i < s->slots; i++) {
            state_record r;
            if (io->read(io->user, slot_addr(s, b, i), (uint8_t *)&r,
                         sizeof r) != FWPK_OK)
                return FWPK_ERR_FLASH;
            if (valid(&r) && (!s->have || r.seq > s->last.seq)) {
                s->have = 1;
                s->last = r;
                s->cur_block = b;
                s->next_slot = i + 1;
            }
        }
    return FWPK_OK;
}

/* Erases the other block and continues the log there. */
static fwpk_err next_block(state_area *s)
{
    uint32_t other = 1 - s->cur_block;
    for (uint32_t off = 0; off < s->block; off += s->erase_block) {
        fwpk_err err = s->io->erase(s->io->user,
                                    s->base + other * s->block + off,
                                    s->erase_block);
        if (err != FWPK_OK)
            return err;
    }
    s->erases++;
    s->cur_block = other;
    s->next_slot = 0;
    return FWPK_OK;
}

fwpk_err state_append(state_area *s, uint32_t kind, uint32_t min_counter,
                      const void *payload, size_t len)
{
    union {
        state_record r;
        uint8_t b[sizeof(state_record) + FWPK_WRITE_UNIT_MAX];
    } slot;
    state_record *r = &slot.r;
    fwpk_err err;
    if (len > sizeof r->u)
        return FWPK_ERR_ARG;
    memset(slot.b, 0xFF, s->stride); /* padding stays erased */
    memset(r, 0, sizeof *r);
    r->magic = STATE_MAGIC;
    r->seq = s->have ? s->last.seq + 1 : 1;
    r->kind = kind;
    r->min_counter = min_counter;
    if (len)
        memcpy(&r->u, payload, len);
    record_check(r, r->check);

    /* The next erased slot after the newest record (a torn record, not
     * erased, is passed over); none left: continue in the other block. */
    int e = 0;
    while (s->next_slot < s->slots &&
           (e = reads_as(s, slot_addr(s, s->cur_block, s->next_slot),
                         NULL)) == 0)
        s->next_slot++;
    if (e < 0)
        return FWPK_ERR_FLASH;
    if (s->next_slot >= s->slots && (err = next_block(s)) != FWPK_OK)
        return err;
    uint32_t at = slot_addr(s, s->cur_block, s->next_slot);
    err = s->io->write(s->io->user, at, slot.b, s->stride);
    s->next_slot++;
    if (err != FWPK_OK)
        return err;
    /* Read back: a record that did not stick must not count as state. */
    if (reads_as(s, at, slot.b) != 1)
        return FWPK_ERR_FLASH;
    s->have = 1;
    s->last = *r;
    s->appended++;
    return FWPK_OK;
}
