/*
 * manifest.c - the device's reader for the CBOR manifest (format/SPEC.md
 * sections 4 and 7), written from RFC 8949.
 *
 * Only deterministically encoded manifests are accepted (RFC 8949 4.2.1),
 * which keeps the reader tiny: every data item starts with a head (major
 * type in the top 3 bits, "additional info" in the low 5, then 0, 1, 2 or
 * 4 argument bytes) and all lengths are definite.  Unknown keys are
 * refused and keys must ascend; a target's keys 0..15 are required and
 * the optional ones (LZMA's, a delta's) come after them, so we check the
 * keys one head at a time as they come.  No byte is looked at before we know
 * it lies inside the input.
 *
 * Syntax first (read_target), then the rules (check_target), so that each
 * rule of the spec appears once.
 */
#include <string.h>

#include "fwpk_verify.h"
#include "lzmadec.h"
#include "rom.h"

/* RFC 8949 3.1 major types; the spec allows only these five. */
#define MT_UINT 0u
#define MT_BYTES 2u
#define MT_TEXT 3u
#define MT_ARRAY 4u
#define MT_MAP 5u
#define MT_BAD 8u /* not a major type: read_head's "no" */
#define MT_ALLOWED ((1u << MT_UINT) | (1u << MT_BYTES) | (1u << MT_TEXT) | \
                    (1u << MT_ARRAY) | (1u << MT_MAP))

/* RFC 8949 3: additional info 0..23 is the argument itself; 24..27 say it
 * follows in 1, 2, 4 or 8 bytes; 28..30 are reserved; 31 means indefinite
 * length (or, alone, a break). */
#define AI_MASK 31u
#define AI_ONE_BYTE 24u
#define AI_FOUR_BYTES 26u

#define CONTAINER_KEYS 6u        /* section 4.1 */
#define SEGMENT_PAIR 2u          /* [address, length] */
#define FLASH_TOP 0x100000000ULL /* base + size may reach 2^32, not pass it */

typedef struct {
    const uint8_t *p, *end;
    uint32_t seg_sum; /* the last segment list's lengths, added up */
} reader;

/* Where a string lies in the input, to compare it later. */
typedef struct {
    const uint8_t *p;
    uint32_t n;
} span;

static uint32_t left(const reader *r)
{
    return (uint32_t)(r->end - r->p); /* input is at most 4 KiB */
}

/* Reads one head: returns its major type and stores its argument, or
 * returns MT_BAD.  Refused: major types 1 (negative), 6 (tag) and 7
 * (float, simple, break); additional info 27 (an 8-byte argument is at
 * least 2^32 in shortest form, above our limit), 28..30 (reserved) and
 * 31 (indefinite length); and any argument that would fit a shorter
 * head. */
static unsigned read_head(reader *r, uint32_t *arg)
{
    unsigned mt, ai, n, i;
    uint32_t v = 0, floor;

    if (r->p == r->end)
        return MT_BAD;
    mt = *r->p >> 5;
    ai = *r->p++ & AI_MASK;
    if (!((MT_ALLOWED >> mt) & 1u) || ai > AI_FOUR_BYTES)
        return MT_BAD;
    if (ai < AI_ONE_BYTE) {
        *arg = ai;
        return mt;
    }
    n = 1u << (ai - AI_ONE_BYTE); /* 1, 2 or 4 argument bytes */
    if (left(r) < n)
        return MT_BAD;
    for (i = 0; i < n; i++)
        v = v << 8 | *r->p++;
    /* Shortest form: 1 byte only for 24..255 (below 24 fits in the head),
     * 2 bytes only from 2^8 on, 4 bytes only from 2^16 on. */
    floor = n == 1 ? AI_ONE_BYTE : (uint32_t)1 << (4 * n);
    if (v < floor)
        return MT_BAD;
    *arg = v;
    return mt;
}

static int want(reader *r, unsigned mt, uint32_t *arg)
{
    return read_head(r, arg) == mt;
}

/* A map key, checked against the only key allowed at that place. */
static int key(reader *r, uint32_t k)
{
    uint32_t v;
    return want(r, MT_UINT, &v) && v == k;
}

static int map_of(reader *r, uint32_t n)
{
    uint32_t v;
    return want(r, MT_MAP, &v) && v == n;
}

static int get_uint(reader *r, uint32_t *out)
{
    return want(r, MT_UINT, out);
}

static int get_span(reader *r, unsigned mt, uint32_t min, uint32_t max,
                    span *s)
{
    if (!want(r, mt, &s->n) || s->n < min || s->n > max || s->n > left(r))
        return 0;
    s->p = r->p;
    r->p += s->n;
    return 1;
}

/* Text strings must be UTF-8 (RFC 8949 3.1, RFC 3629): lead byte C2..F4
 * and its continuation bytes, decoding to the shortest form of a code
 * point up to U+10FFFF that is not a surrogate (D800..DFFF).  NUL is
 * refused too: the device keeps strings NUL-terminated, and a NUL inside
 * would cut one short. */
static int utf8_ok(const uint8_t *p, uint32_t n)
{
    uint32_t i = 0, more, k, cp;
    unsigned c;

    while (i < n) {
        c = p[i++];
        if (c < 0x80) {
            if (c == 0)
                return 0;
            continue;
        }
        more = 1u + (c >= 0xe0) + (c >= 0xf0); /* continuation bytes */
        if (c < 0xc2 || c > 0xf4 || more > n - i)
            return 0;
        cp = c & (0x3fu >> more);
        for (k = 0; k < more; k++, i++) {
            if ((p[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (p[i] & 0x3fu);
        }
        /* 1 << (5 * more + 1) is 2^11 for 3 bytes, 2^16 for 4 bytes: the
         * smallest code point that needs them (C2 already did 2 bytes) */
        if (cp < (uint32_t)1 << (5 * more + 1) || cp > 0x10ffff ||
            cp >> 11 == 0xd800 >> 11)
            return 0;
    }
    return 1;
}

/* A text string, copied NUL-terminated into dst (if not NULL). */
static int get_text(reader *r, uint32_t min, uint32_t max, char *dst,
                    span *s)
{
    if (!get_span(r, MT_TEXT, min, max, s) || !utf8_ok(s->p, s->n))
        return 0;
    if (dst) {
        memcpy(dst, s->p, s->n);
        dst[s->n] = 0;
    }
    return 1;
}

static int get_hash(reader *r, uint8_t out[FWPK_HASH_LEN])
{
    span s;
    if (!get_span(r, MT_BYTES, FWPK_HASH_LEN, FWPK_HASH_LEN, &s))
        return 0;
    memcpy(out, s.p, FWPK_HASH_LEN);
    return 1;
}

/* Segments (section 4.2): length >= 1, inside flash, never sharing a
 * write unit (so sorted), adding up (r->seg_sum) to the image size, which
 * check_target compares: it comes later in the map.  Checked as they are
 * read, so that a build keeping fewer (FWPK_SEGMENTS) checks them all; the
 * first FWPK_SEGMENTS are stored. */
static int get_segments(reader *r, fwpk_target *t)
{
    uint32_t unit = t->write_unit - 1, last = 0, n, i, pair, off;
    fwpk_segment s;
    if (!want(r, MT_ARRAY, &n) || n < 1 || n > FWPK_MAX_SEGMENTS)
        return 0;
    r->seg_sum = 0;
    for (i = 0; i < n; i++) {
        if (!want(r, MT_ARRAY, &pair) || pair != SEGMENT_PAIR ||
            !get_uint(r, &s.addr) || !get_uint(r, &s.len))
            return 0;
        /* inside [flash_base, flash_base + flash_size), in 32 bits */
        off = s.addr - t->flash_base;
        if (s.len == 0 || s.addr < t->flash_base || off > t->flash_size ||
            s.len > t->flash_size - off)
            return 0;
        /* align_up(previous end) <= align_down(addr), written with the
         * previous segment's last byte: that one fits in 32 bits even
         * when a segment ends exactly at 2^32. */
        if (i > 0 && (last | unit) >= (s.addr & ~unit))
            return 0;
        last = s.addr + (s.len - 1);
        /* the sum never passes the largest image (< 2^31): no wrap */
        if (s.len > FWPK_MAX_IMAGE_SIZE - r->seg_sum)
            return 0;
        r->seg_sum += s.len;
        if (i < FWPK_SEGMENTS)
            t->segments[i] = s;
    }
    t->segment_count = n;
    return 1;
}

static int in_range(uint32_t v, uint32_t lo, uint32_t hi)
{
    return v >= lo && v <= hi;
}

static int pow2(uint32_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* Codec 0 stores the image bytes as they are; codec 1 is deflate with a
 * window of 2^window_bits; codec 2 is LZMA with a dictionary of
 * 2^window_bits and its properties in key 16, which only it has. */
static int codec_ok(const fwpk_target *t, int lzma_key)
{
    if ((t->codec == FWPK_CODEC_LZMA) != lzma_key)
        return 0;
    if (t->codec == FWPK_CODEC_NONE)
        return t->window_bits == 0 &&
               t->payload_size == (t->base_size ? t->patch_size
                                                : t->image_size);
    if (t->codec == FWPK_CODEC_DEFLATE)
        return in_range(t->window_bits, FWPK_WINDOW_BITS_MIN,
                        FWPK_WINDOW_BITS_MAX);
    return t->codec == FWPK_CODEC_LZMA &&
           in_range(t->window_bits, FWPK_LZMA_DICT_BITS_MIN,
                    FWPK_LZMA_DICT_BITS_MAX) &&
           t->lzma_props <= FWPK_LZMA_PROPS_MAX &&
           fwpk_lzma_lclp((uint8_t)t->lzma_props) <= FWPK_LZMA_LCLP_LIMIT;
}

/* A delta target (section 6.5) has the four keys after LZMA's, others
 * none; its sizes are 1 ..= 2^31-1 (one compare each: 0 wraps). */
#define DELTA_KEYS (FWPK_TARGET_KEY_LAST - FWPK_T_LZMA_PROPS)
static int delta_ok(const fwpk_target *t, unsigned delta_keys)
{
    return delta_keys == 0 ||
           (delta_keys == DELTA_KEYS &&
            t->base_size - 1u < FWPK_MAX_IMAGE_SIZE &&
            t->patch_size - 1u < FWPK_MAX_IMAGE_SIZE);
}

/* The rules of sections 4.2 and 7 for one target, which has LZMA's key
 * or not and delta_keys of the delta's, and whose segments add up to
 * seg_sum (get_segments checked the rest of them).  The flash is whole
 * erase blocks: a device erases a block at a time, so a block that stuck
 * out of the flash could never be erased. */
static int check_target(const fwpk_target *t, int lzma_key,
                        unsigned delta_keys, uint32_t seg_sum)
{
    return delta_ok(t, delta_keys) &&
           (uint64_t)t->flash_base + t->flash_size <= FLASH_TOP &&
           pow2(t->write_unit) && t->write_unit <= FWPK_WRITE_UNIT_MAX &&
           pow2(t->erase_block) &&
           in_range(t->erase_block, t->write_unit, FWPK_ERASE_BLOCK_MAX) &&
           ((t->flash_base | t->flash_size) & (t->erase_block - 1u)) == 0 &&
           in_range(t->image_size, 1, FWPK_MAX_IMAGE_SIZE) &&
           codec_ok(t, lzma_key) &&
           in_range(t->frame_size, FWPK_FRAME_SIZE_MIN, FWPK_FRAME_SIZE_MAX) &&
           in_range(t->frame_count, 1, FWPK_MAX_FRAMES) &&
           /* every frame carries 1 ..= frame size payload bytes */
           t->payload_size >= t->frame_count &&
           t->payload_size <= (uint64_t)t->frame_count * t->frame_size &&
           t->filter <= FWPK_FILTER_MAX && seg_sum == t->image_size;
}

/* What a target map value is.  V_VERSION is checked, not kept: the device
 * compares the base by its digest. */
enum { V_UINT, V_TEXT, V_HASH, V_SEGMENTS, V_VERSION };

typedef struct {
    uint8_t kind;
    uint8_t min; /* V_TEXT: fewest bytes allowed */
    uint16_t at; /* where the value goes in fwpk_target */
} field;

/* Section 4.2's table, one row per key.  A table rather than twenty-one
 * calls: it is half the code.  In program memory (rom.h): on AVR 84 bytes
 * of RAM otherwise. */
static const field target_fields[FWPK_TARGET_KEY_LAST + 1] FWPK_ROM = {
    [FWPK_T_NAME] = {V_TEXT, 1, offsetof(fwpk_target, name)},
    [FWPK_T_MCU] = {V_TEXT, 0, offsetof(fwpk_target, mcu)},
    [FWPK_T_FLASH_BASE] = {V_UINT, 0, offsetof(fwpk_target, flash_base)},
    [FWPK_T_FLASH_SIZE] = {V_UINT, 0, offsetof(fwpk_target, flash_size)},
    [FWPK_T_ERASE_BLOCK] = {V_UINT, 0, offsetof(fwpk_target, erase_block)},
    [FWPK_T_WRITE_UNIT] = {V_UINT, 0, offsetof(fwpk_target, write_unit)},
    [FWPK_T_SEGMENTS] = {V_SEGMENTS, 0, offsetof(fwpk_target, segments)},
    [FWPK_T_IMAGE_SIZE] = {V_UINT, 0, offsetof(fwpk_target, image_size)},
    [FWPK_T_CODEC] = {V_UINT, 0, offsetof(fwpk_target, codec)},
    [FWPK_T_WINDOW_BITS] = {V_UINT, 0, offsetof(fwpk_target, window_bits)},
    [FWPK_T_FRAME_SIZE] = {V_UINT, 0, offsetof(fwpk_target, frame_size)},
    [FWPK_T_FRAME_COUNT] = {V_UINT, 0, offsetof(fwpk_target, frame_count)},
    [FWPK_T_PAYLOAD_SIZE] = {V_UINT, 0, offsetof(fwpk_target, payload_size)},
    [FWPK_T_IMAGE_DIGEST] = {V_HASH, 0, offsetof(fwpk_target, image_digest)},
    [FWPK_T_ANCHOR] = {V_HASH, 0, offsetof(fwpk_target, anchor)},
    [FWPK_T_FILTER] = {V_UINT, 0, offsetof(fwpk_target, filter)},
    [FWPK_T_LZMA_PROPS] = {V_UINT, 0, offsetof(fwpk_target, lzma_props)},
    [FWPK_T_BASE_SIZE] = {V_UINT, 0, offsetof(fwpk_target, base_size)},
    [FWPK_T_BASE_DIGEST] = {V_HASH, 0, offsetof(fwpk_target, base_digest)},
    [FWPK_T_BASE_VERSION] = {V_VERSION, 1, 0},
    [FWPK_T_PATCH_SIZE] = {V_UINT, 0, offsetof(fwpk_target, patch_size)},
};

static int target_value(reader *r, const field *row, fwpk_target *t, span *s)
{
    field f;
    uint8_t *at;
    fwpk_rom_read(&f, row, sizeof f);
    at = (uint8_t *)t + f.at;
    switch (f.kind) {
    case V_UINT:
        return get_uint(r, (uint32_t *)(void *)at);
    case V_TEXT:
        return get_text(r, f.min, FWPK_NAME_MAX, (char *)at, s);
    case V_HASH:
        return get_hash(r, at);
    case V_VERSION:
        return get_text(r, f.min, FWPK_VERSION_MAX, NULL, s);
    default:
        return get_segments(r, t);
    }
}

/* One target map: the keys 0..15, and those of 16..20 that it has, in
 * ascending order, then its rules.  The name's place in the input goes to
 * *name, the anchor's to *anchor. */
static int read_target(reader *r, fwpk_target *t, span *name,
                       const uint8_t **anchor)
{
    uint32_t i, k, n;
    unsigned next = 0, low = 0, delta = 0; /* keys in 0..15, 17..20 */
    span s;
    if (!want(r, MT_MAP, &n) ||
        !in_range(n, FWPK_TARGET_KEYS, FWPK_TARGET_KEY_LAST + 1))
        return 0;
    /* m->own is scratch: no value from another target */
    t->lzma_props = t->base_size = t->patch_size = 0;
    for (i = 0; i < n; i++) {
        /* ascending: each key above the one before */
        if (!get_uint(r, &k) || k > FWPK_TARGET_KEY_LAST || k < next ||
            !target_value(r, &target_fields[k], t, &s))
            return 0;
        next = (unsigned)k + 1u;
        low += k < FWPK_TARGET_KEYS;
        delta += k > FWPK_T_LZMA_PROPS;
        if (k == FWPK_T_NAME)
            *name = s;
        if (k == FWPK_T_ANCHOR)
            *anchor = r->p - FWPK_HASH_LEN;
    }
    /* ascending, so sixteen keys below 16 are 0..15 */
    return low == FWPK_TARGET_KEYS &&
           check_target(t, n - low - delta == 1u, delta, r->seg_sum);
}

/* Is the string at s exactly the C string c?  Names hold no NUL, so a
 * shorter c ends the loop at its own NUL, never reading past it. */
static int span_is(span s, const char *c)
{
    uint32_t i;
    for (i = 0; i < s.n; i++)
        if ((uint8_t)c[i] != s.p[i])
            return 0;
    return c[s.n] == 0;
}

/* A rejected manifest leaves nothing half-filled behind. */
static fwpk_err reject(fwpk_manifest *m)
{
    memset(m, 0, sizeof *m);
    return FWPK_ERR_MANIFEST;
}

fwpk_err fwpk_manifest_parse(fwpk_manifest *m, const uint8_t *cbor,
                             size_t len, const char *target)
{
    reader r;
    span names[FWPK_MAX_TARGETS], s;
    const uint8_t *own_at = NULL, *anchor = NULL;
    uint32_t format, n, i, j;

    if (!m || !cbor)
        return FWPK_ERR_ARG;
    memset(m, 0, sizeof *m);
    if (len > FWPK_MANIFEST_MAX)
        return FWPK_ERR_MANIFEST;
    r.p = cbor;
    r.end = cbor + len;
    r.seg_sum = 0;
    if (!map_of(&r, CONTAINER_KEYS) ||
        !key(&r, FWPK_M_FORMAT) || !get_uint(&r, &format) ||
        format != FWPK_FORMAT_VERSION ||
        !key(&r, FWPK_M_PRODUCT) ||
        !get_text(&r, 1, FWPK_PRODUCT_MAX, NULL, &s) ||
        !key(&r, FWPK_M_VERSION) ||
        !get_text(&r, 1, FWPK_VERSION_MAX, m->version, &s) ||
        !key(&r, FWPK_M_SECURITY_COUNTER) ||
        !get_uint(&r, &m->security_counter) ||
        !key(&r, FWPK_M_BUILD_TIME) || !get_uint(&r, &m->build_time) ||
        !key(&r, FWPK_M_TARGETS) || !want(&r, MT_ARRAY, &n) ||
        !in_range(n, 1, FWPK_MAX_TARGETS))
        return reject(m);

    /* Every target is read into m->own as scratch space; the selected one
     * is read again at the end, which is cheaper than a second copy. */
    for (i = 0; i < n; i++) {
        const uint8_t *at = r.p;
        if (!read_target(&r, &m->own, &names[i], &anchor))
            return reject(m);
        for (j = 0; j < i; j++)
            if (span_is(names[j], m->own.name))
                return reject(m);
        m->frame_count[i] = m->own.frame_count;
        m->frame_size[i] = m->own.frame_size;
        m->payload_size[i] = m->own.payload_size;
        m->anchor_at[i] = (uint16_t)(anchor - cbor); /* len <= 4 KiB */
        if (target && span_is(names[i], target)) {
            own_at = at;
            m->own_index = i;
        }
    }
    if (r.p != r.end)
        return reject(m);
    m->target_count = n;

    /* clear the scratch: the re-read fills only its own segments */
    memset(&m->own, 0, sizeof m->own);
    if (!own_at) {
        /* "none": the caller says FWPK_ERR_NO_TARGET only after checking
         * the signatures */
        m->own_index = n;
        return FWPK_OK;
    }
    r.p = own_at;
    if (!read_target(&r, &m->own, &s, &anchor))
        return reject(m); /* cannot happen: it was read above */
    return FWPK_OK;
}
