/*
 * filter.c - forward branch filters for the packer (format/SPEC.md 6.3).
 *
 * The device undoes these in verifier/src/filter.c; the definition of the
 * Thumb filter is repeated there.  Here the 22-bit halfword offset of each
 * Thumb BL pair becomes (offset + floor((address + 4) / 2)) mod 2^22, so that every call to
 * one function carries the same bytes and deflate finds the repeats.
 */
#include <string.h>

#include "fwpack.h"

static int is_bl_pair(const uint8_t *b)
{
    return (b[1] & 0xf8u) == 0xf0u && (b[3] & 0xf8u) == 0xf8u;
}

static void filter_pair(uint8_t *b, uint32_t addr)
{
    uint32_t v = ((uint32_t)(b[1] & 7u) << 19) | ((uint32_t)b[0] << 11) |
                 ((uint32_t)(b[3] & 7u) << 8) | (uint32_t)b[2];
    v += (addr + 4u) >> 1; /* as xz's ARM-Thumb BCJ for even addresses */
    b[0] = (uint8_t)(v >> 11);
    b[1] = (uint8_t)(0xf0u | ((v >> 19) & 7u));
    b[2] = (uint8_t)v;
    b[3] = (uint8_t)(0xf8u | ((v >> 8) & 7u));
}

void fwp_filter_thumb(uint8_t *buf, size_t len, uint32_t addr)
{
    size_t i = 0;
    while (i + 4 <= len) {
        if (is_bl_pair(buf + i)) {
            filter_pair(buf + i, addr + (uint32_t)i);
            i += 4;
        } else {
            i += 2;
        }
    }
}

static const struct {
    const char *name;
    uint32_t id;
} filters[] = {{"none", FWPK_FILTER_NONE}, {"thumb", FWPK_FILTER_THUMB}};

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

int fwp_filter_apply(uint32_t id, uint8_t *buf, size_t len, uint32_t addr)
{
    if (id == FWPK_FILTER_NONE)
        return 0;
    if (id == FWPK_FILTER_THUMB) {
        fwp_filter_thumb(buf, len, addr);
        return 0;
    }
    return -1;
}
