/* state.c - see state.h. */
#include "state.h"

#include <string.h>

static const uint8_t *slot_addr(const state_area *s, uint32_t block,
                                uint32_t slot)
{
    return (const uint8_t *)(uintptr_t)(s->base + block * s->block +
                                        slot * s->stride);
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

static int erased(const uint8_t *p, uint32_t len)
{
    while (len--)
        if (*p++ != 0xFF)
            return 0;
    return 1;
}

void state_open(state_area *s, flash_model *fm, uint32_t base,
                uint32_t block)
{
    uint32_t wu = fm->write_unit;
    memset(s, 0, sizeof *s);
    s->fm = fm;
    s->base = base;
    s->block = block;
    s->stride = ((uint32_t)sizeof(state_record) + wu - 1) & ~(wu - 1);
    s->slots = block / s->stride;
    /* No record: the first append erases block 0. */
    s->cur_block = 1;
    s->next_slot = s->slots;
    for (uint32_t b = 0; b < 2; b++)
        for (uint32_t i = 0; i < s->slots; i++) {
            state_record r;
            memcpy(&r, slot_addr(s, b, i), sizeof r);
            if (valid(&r) && (!s->have || r.seq > s->last.seq)) {
                s->have = 1;
                s->last = r;
                s->cur_block = b;
                s->next_slot = i + 1;
            }
        }
}

fwpk_err state_append(state_area *s, uint32_t kind, uint32_t min_counter,
                      const void *payload, size_t len)
{
    union {
        state_record r;
        uint8_t b[sizeof(state_record) + FWPK_WRITE_UNIT_MAX];
    } slot;
    state_record *r = &slot.r;
    uint8_t *buf = slot.b;
    fwpk_err err;
    if (len > sizeof r->u || s->stride > sizeof slot.b)
        return FWPK_ERR_ARG;
    memset(buf, 0xFF, s->stride); /* padding stays erased */
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
    while (s->next_slot < s->slots &&
           !erased(slot_addr(s, s->cur_block, s->next_slot), s->stride))
        s->next_slot++;
    if (s->next_slot >= s->slots) {
        uint32_t other = 1 - s->cur_block;
        err = fm_erase(s->fm, s->base + other * s->block, s->block);
        if (err != FWPK_OK)
            return err;
        s->erases++;
        s->cur_block = other;
        s->next_slot = 0;
    }
    const uint8_t *at = slot_addr(s, s->cur_block, s->next_slot);
    err = fm_write(s->fm, (uint32_t)(uintptr_t)at, buf, s->stride);
    s->next_slot++;
    if (err != FWPK_OK)
        return err;
    if (memcmp(at, buf, s->stride) != 0)
        return FWPK_ERR_FLASH; /* read back differs */
    s->have = 1;
    s->last = *r;
    s->appended++;
    return FWPK_OK;
}

const char *state_kind_name(uint32_t kind)
{
    switch (kind) {
    case STATE_IDLE:
        return "idle";
    case STATE_RESUME:
        return "update in progress";
    case STATE_COPY:
        return "copy pending";
    default:
        return "?";
    }
}
