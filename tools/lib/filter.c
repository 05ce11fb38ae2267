/*
 * filter.c - branch filters for the packer (format/SPEC.md 6.3), both
 * directions.
 *
 * The device undoes these in verifier/src/filter.c, streaming; this is the
 * whole-buffer version, written from the spec on its own so that the tests
 * can hold the two against each other.
 *
 *   thumb  the 22-bit halfword offset of each Thumb BL pair becomes
 *          (offset + floor((address + 4) / 2)) mod 2^22 (xz's ARM-Thumb BCJ
 *          for even addresses);
 *   rv32   the 20-bit J-immediate imm[20:1] of each 32-bit JAL with rd = ra
 *          or t0 becomes (imm + floor(address / 2)) mod 2^20, walking
 *          instruction by instruction (16-bit ones where the low two bits
 *          are not 11).
 *
 * So every call to one function carries the same bytes and deflate finds
 * the repeats.  The inverse subtracts.
 */
#include <string.h>

#include "fwpack.h"

static uint32_t get32(const uint8_t *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
           (uint32_t)b[3] << 24;
}

static void put32(uint8_t *b, uint32_t w)
{
    b[0] = (uint8_t)w;
    b[1] = (uint8_t)(w >> 8);
    b[2] = (uint8_t)(w >> 16);
    b[3] = (uint8_t)(w >> 24);
}

/* ---- thumb ---- */

static int is_bl_pair(const uint8_t *b)
{
    return (b[1] & 0xf8u) == 0xf0u && (b[3] & 0xf8u) == 0xf8u;
}

static void thumb(uint8_t *buf, size_t len, uint32_t addr, int inverse)
{
    size_t i = 0;
    while (i + 4 <= len) {
        uint8_t *b = buf + i;
        if (!is_bl_pair(b)) {
            i += 2;
            continue;
        }
        uint32_t v = ((uint32_t)(b[1] & 7u) << 19) | ((uint32_t)b[0] << 11) |
                     ((uint32_t)(b[3] & 7u) << 8) | (uint32_t)b[2];
        uint32_t d = (addr + (uint32_t)i + 4u) >> 1; /* odd addresses too */
        v = inverse ? v - d : v + d;
        b[0] = (uint8_t)(v >> 11);
        b[1] = (uint8_t)(0xf0u | ((v >> 19) & 7u));
        b[2] = (uint8_t)v;
        b[3] = (uint8_t)(0xf8u | ((v >> 8) & 7u));
        i += 4;
    }
}

void fwp_filter_thumb(uint8_t *buf, size_t len, uint32_t addr)
{
    thumb(buf, len, addr, 0);
}

/* ---- rv32 ---- */

/* imm[20:1] of a J-type instruction: inst[31] = imm[20], inst[30:21] =
 * imm[10:1], inst[20] = imm[11], inst[19:12] = imm[19:12]. */
static uint32_t jimm(uint32_t w)
{
    return ((w >> 31) & 1u) << 19 | ((w >> 12) & 0xffu) << 11 |
           ((w >> 20) & 1u) << 10 | ((w >> 21) & 0x3ffu);
}

static uint32_t with_jimm(uint32_t w, uint32_t v)
{
    return (w & 0xfffu) | ((v >> 19) & 1u) << 31 | (v & 0x3ffu) << 21 |
           ((v >> 10) & 1u) << 20 | ((v >> 11) & 0xffu) << 12;
}

/* JAL (opcode 1101111) linking in ra (x1) or t0 (x5): a call. */
static int is_jal_call(uint32_t w)
{
    uint32_t rd = (w >> 7) & 31u;
    return (w & 0x7fu) == 0x6fu && (rd == 1 || rd == 5);
}

static void rv32(uint8_t *buf, size_t len, uint32_t addr, int inverse)
{
    size_t i = 0;
    while (i + 4 <= len) {
        uint32_t w = get32(buf + i);
        if ((w & 3u) != 3u) { /* 16-bit (compressed) instruction */
            i += 2;
            continue;
        }
        if (is_jal_call(w)) {
            uint32_t d = (addr + (uint32_t)i) >> 1;
            uint32_t v = inverse ? jimm(w) - d : jimm(w) + d;
            put32(buf + i, with_jimm(w, v & 0xfffffu));
        }
        i += 4;
    }
}

void fwp_filter_rv32(uint8_t *buf, size_t len, uint32_t addr)
{
    rv32(buf, len, addr, 0);
}

/* ---- by id and name ---- */

static const struct {
    const char *name;
    uint32_t id;
} filters[] = {{"none", FWPK_FILTER_NONE},
               {"thumb", FWPK_FILTER_THUMB},
               {"rv32", FWPK_FILTER_RV32}};

int fwp_filter_from_name(const char *name, uint32_t *id)
{
    size_t i;
    for (i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        if (strcmp(name, filters[i].name) == 0) {
            *id = filters[i].id;
            return 0;
        }
    }
    return -1;
}

const char *fwp_filter_name(uint32_t id)
{
    size_t i;
    for (i = 0; i < sizeof filters / sizeof filters[0]; i++)
        if (filters[i].id == id)
            return filters[i].name;
    return "unknown";
}

static int run(uint32_t id, uint8_t *buf, size_t len, uint32_t addr,
               int inverse)
{
    if (id == FWPK_FILTER_NONE)
        return 0;
    if (id == FWPK_FILTER_THUMB) {
        thumb(buf, len, addr, inverse);
        return 0;
    }
    if (id == FWPK_FILTER_RV32) {
        rv32(buf, len, addr, inverse);
        return 0;
    }
    return -1;
}

int fwp_filter_apply(uint32_t id, uint8_t *buf, size_t len, uint32_t addr)
{
    return run(id, buf, len, addr, 0);
}

int fwp_unfilter_apply(uint32_t id, uint8_t *buf, size_t len, uint32_t addr)
{
    return run(id, buf, len, addr, 1);
}
