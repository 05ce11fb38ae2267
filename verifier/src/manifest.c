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
#include "manifest.h"
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

typedef struct {
    const uint8_t *start, *p, *end;
    const uint8_t *anchor; /* the last target's anchor */
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

/* Text strings must be UTF-8 (RFC 8949 3.1): the byte sequences of RFC
 * 3629 section 4, where a lead byte C2..F4 sets how many continuation
 * bytes (80..BF) follow, and E0, ED, F0 and F4 narrow the first of them
 * so that no overlong form, surrogate (D800..DFFF) or code point above
 * U+10FFFF gets through.  In bytes, not code points: AVR compares a byte
 * at a time.  NUL is refused too: the device keeps strings
 * NUL-terminated, and a NUL inside would cut one short. */
static int utf8_ok(const uint8_t *p, uint32_t n)
{
    const uint8_t *end = p + n;
    while (p < end) {
        uint8_t c = *p++, lo = 0x80, hi = 0xbf, more;
        if (c < 0x80) {
            if (c == 0)
                return 0;
            continue;
        }
        if (c < 0xc2 || c > 0xf4)
            return 0;
        more = (uint8_t)(1 + (c >= 0xe0) + (c >= 0xf0));
        if (c == 0xe0)
            lo = 0xa0; /* below U+0800: overlong */
        else if (c == 0xed)
            hi = 0x9f; /* U+D800 on: surrogates */
        else if (c == 0xf0)
            lo = 0x90; /* below U+10000: overlong */
        else if (c == 0xf4)
            hi = 0x8f; /* above U+10FFFF */
        if (more > end - p)
            return 0;
        for (; more > 0; more--, lo = 0x80, hi = 0xbf) {
            c = *p++;
            if (c < lo || c > hi)
                return 0;
        }
    }
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

/* What a map value is, and how it is checked and kept.  The ranges of
 * sections 4.1 and 4.2 are in the table below; check_target() has the
 * rules that tie fields together. */
enum {
    V_UINT,    /* lo ..= hi */
    V_POW2,    /* a power of two, lo ..= hi */
    V_TEXT,    /* lo ..= hi bytes of UTF-8; where it lies is kept */
    V_SEGMENTS, /* section 4.2's segment list (get_segments) */
    V_HASH,    /* FWPK_HASH_LEN bytes */
    V_ANCHOR   /* the same, and where it lies (reader.anchor) */
};
#define NOWHERE 0xffu /* 'at' of a value that is checked, not kept */

typedef struct {
    uint8_t kind;
    uint8_t at;  /* offset in the struct the map fills, or NOWHERE */
    uint16_t lo;
    uint32_t hi;
} field;

#define KEPT(type, member) (uint8_t)offsetof(type, member)
#define T_AT(member) KEPT(fwpk_target, member)
#define M_AT(member) KEPT(fwpk_manifest, member)
#define ANY 0xffffffffUL

/* Section 4.1's keys 0..4 (5, the targets, is read apart) and section
 * 4.2's, one row per key: a table rather than a call per key, in program
 * memory (rom.h: on AVR it would be copied to RAM). */
static const field container_fields[FWPK_M_TARGETS] FWPK_ROM = {
    [FWPK_M_FORMAT] = {V_UINT, NOWHERE, FWPK_FORMAT_VERSION,
                       FWPK_FORMAT_VERSION},
    [FWPK_M_PRODUCT] = {V_TEXT, NOWHERE, 1, FWPK_PRODUCT_MAX},
    [FWPK_M_VERSION] = {V_TEXT, M_AT(version), 1, FWPK_VERSION_MAX},
    [FWPK_M_SECURITY_COUNTER] = {V_UINT, M_AT(security_counter), 0, ANY},
    [FWPK_M_BUILD_TIME] = {V_UINT, M_AT(build_time), 0, ANY},
};

static const field target_fields[FWPK_TARGET_KEY_LAST + 1] FWPK_ROM = {
    [FWPK_T_NAME] = {V_TEXT, T_AT(name), 1, FWPK_NAME_MAX},
    [FWPK_T_MCU] = {V_TEXT, T_AT(mcu), 0, FWPK_NAME_MAX},
    [FWPK_T_FLASH_BASE] = {V_UINT, T_AT(flash_base), 0, ANY},
    [FWPK_T_FLASH_SIZE] = {V_UINT, T_AT(flash_size), 0, ANY},
    /* at least the write unit: check_target */
    [FWPK_T_ERASE_BLOCK] = {V_POW2, T_AT(erase_block), 1,
                            FWPK_ERASE_BLOCK_MAX},
    [FWPK_T_WRITE_UNIT] = {V_POW2, T_AT(write_unit), 1, FWPK_WRITE_UNIT_MAX},
    [FWPK_T_SEGMENTS] = {V_SEGMENTS, NOWHERE, 0, 0},
    [FWPK_T_IMAGE_SIZE] = {V_UINT, T_AT(image_size), 1, FWPK_MAX_IMAGE_SIZE},
    [FWPK_T_CODEC] = {V_UINT, T_AT(codec), 0, FWPK_CODEC_MAX},
    /* the codec's own range: check_target */
    [FWPK_T_WINDOW_BITS] = {V_UINT, T_AT(window_bits), 0,
                            FWPK_LZMA_DICT_BITS_MAX},
    [FWPK_T_FRAME_SIZE] = {V_UINT, T_AT(frame_size), FWPK_FRAME_SIZE_MIN,
                           FWPK_FRAME_SIZE_MAX},
    [FWPK_T_FRAME_COUNT] = {V_UINT, T_AT(frame_count), 1, FWPK_MAX_FRAMES},
    [FWPK_T_PAYLOAD_SIZE] = {V_UINT, T_AT(payload_size), 0, ANY},
    [FWPK_T_IMAGE_DIGEST] = {V_HASH, T_AT(image_digest), 0, 0},
    [FWPK_T_ANCHOR] = {V_ANCHOR, T_AT(anchor), 0, 0},
    [FWPK_T_FILTER] = {V_UINT, T_AT(filter), 0, FWPK_FILTER_MAX},
    [FWPK_T_LZMA_PROPS] = {V_UINT, T_AT(lzma_props), 0, FWPK_LZMA_PROPS_MAX},
    [FWPK_T_BASE_SIZE] = {V_UINT, T_AT(base_size), 1, FWPK_MAX_IMAGE_SIZE},
#if FWPK_DELTA
    [FWPK_T_BASE_DIGEST] = {V_HASH, T_AT(base_digest), 0, 0},
#else /* checked, not kept: no base is ever compared */
    [FWPK_T_BASE_DIGEST] = {V_HASH, NOWHERE, 0, 0},
#endif
    /* informative: the device compares the base by its digest */
    [FWPK_T_BASE_VERSION] = {V_TEXT, NOWHERE, 1, FWPK_VERSION_MAX},
    [FWPK_T_PATCH_SIZE] = {V_UINT, T_AT(patch_size), 1, FWPK_MAX_IMAGE_SIZE},
};

typedef char kept_fields_reach_in_a_byte
    [offsetof(fwpk_target, segments) < NOWHERE &&
             offsetof(fwpk_manifest, own) < NOWHERE
         ? 1
         : -1];

/* One value, checked by its row, and kept at dst + the row's 'at'. */
static int read_value(reader *r, const field *row, uint8_t *dst)
{
    field f;
    uint32_t v;
    span s;
    uint8_t *at;
    fwpk_rom_read(&f, row, sizeof f);
    at = dst + f.at;
    if (f.kind == V_SEGMENTS)
        return get_segments(r, (fwpk_target *)(void *)dst);
    if (f.kind >= V_HASH) {
        if (!get_span(r, MT_BYTES, FWPK_HASH_LEN, FWPK_HASH_LEN, &s))
            return 0;
        if (f.at != NOWHERE)
            memcpy(at, s.p, FWPK_HASH_LEN);
        if (f.kind == V_ANCHOR)
            r->anchor = s.p;
        return 1;
    }
    if (f.kind == V_TEXT) {
        if (!get_span(r, MT_TEXT, f.lo, f.hi, &s) || !utf8_ok(s.p, s.n))
            return 0;
        if (f.at != NOWHERE) {
            fwpk_text *text = (fwpk_text *)(void *)at;
            text->at = (uint16_t)(s.p - r->start); /* input <= 4 KiB */
            text->len = (uint8_t)s.n;
        }
        return 1;
    }
    if (!want(r, MT_UINT, &v) || v < f.lo || v > f.hi ||
        (f.kind == V_POW2 && (v & (v - 1u)) != 0))
        return 0;
    if (f.at != NOWHERE)
        *(uint32_t *)(void *)at = v;
    return 1;
}

/* A map's pairs, keys ascending from 0, each value by its row (rows[k]
 * for key k < nrows), kept in dst.  Returns the keys present as a bit
 * mask, or 0 for a map that breaks a rule (key 0 is always required). */
static uint32_t read_fields(reader *r, const field *rows, uint32_t nrows,
                            uint32_t pairs, void *dst)
{
    uint32_t i, k, keys = 0, next = 0;
    for (i = 0; i < pairs; i++) {
        if (!want(r, MT_UINT, &k) || k < next || k >= nrows ||
            !read_value(r, &rows[k], (uint8_t *)dst))
            return 0;
        next = k + 1u;
        keys |= (uint32_t)1 << k;
    }
    return keys;
}

/* The keys a target has: 0..15 always, 16 exactly with codec LZMA, 17..20
 * all four (a delta target, section 6.5) or none. */
#define KEYS_REQUIRED (((uint32_t)1 << FWPK_TARGET_KEYS) - 1u)
#define KEY_LZMA ((uint32_t)1 << FWPK_T_LZMA_PROPS)
#define KEYS_DELTA ((((uint32_t)1 << (FWPK_TARGET_KEY_LAST + 1)) - 1u) & \
                    ~(KEYS_REQUIRED | KEY_LZMA))

/* The window's range by codec (section 4.2, key 9): none; deflate's;
 * LZMA's dictionary. */
static int window_ok(unsigned codec, unsigned bits)
{
    if (codec == FWPK_CODEC_DEFLATE)
        return bits >= FWPK_WINDOW_BITS_MIN && bits <= FWPK_WINDOW_BITS_MAX;
    if (codec == FWPK_CODEC_LZMA)
        return bits >= FWPK_LZMA_DICT_BITS_MIN;
    return bits == 0;
}

/* The rules of sections 4.2 and 7 that tie a target's fields together
 * (the table checked each field's range; get_segments the segments,
 * whose lengths add up to seg_sum).  The flash is whole erase blocks: a
 * device erases a block at a time, so a block that stuck out of the flash
 * could never be erased.  Codec, window bits and LZMA properties are
 * small after the table: compared in 8 bits, as AVR likes them. */
static int check_target(const fwpk_target *t, uint32_t keys,
                        uint32_t seg_sum)
{
    unsigned codec = (uint8_t)t->codec;
    uint32_t delta = keys & KEYS_DELTA;
    uint32_t codec_out = delta ? t->patch_size : t->image_size;
    return (keys & KEYS_REQUIRED) == KEYS_REQUIRED &&
           (delta == 0 || delta == KEYS_DELTA) &&
           ((keys & KEY_LZMA) != 0) == (codec == FWPK_CODEC_LZMA) &&
           /* base + size <= 2^32; a size of 0 holds no segment */
           t->flash_size - 1u <= ~t->flash_base &&
           t->erase_block >= t->write_unit &&
           ((t->flash_base | t->flash_size) & (t->erase_block - 1u)) == 0 &&
           window_ok(codec, (uint8_t)t->window_bits) &&
           (codec != FWPK_CODEC_LZMA ||
            fwpk_lzma_lclp((uint8_t)t->lzma_props) <= FWPK_LZMA_LCLP_LIMIT) &&
           (codec != FWPK_CODEC_NONE || t->payload_size == codec_out) &&
           /* every frame carries 1 ..= frame size payload bytes */
           t->payload_size >= t->frame_count &&
           t->payload_size <= (uint64_t)t->frame_count * t->frame_size &&
           seg_sum == t->image_size;
}

/* One target map, then its rules.  Its anchor's place: r->anchor. */
static int read_target(reader *r, fwpk_target *t)
{
    uint32_t n, keys;
    /* m->own is scratch: no value from another target */
    memset(t, 0, sizeof *t);
    if (!want(r, MT_MAP, &n))
        return 0;
    keys = read_fields(r, target_fields, FWPK_TARGET_KEY_LAST + 1u, n, t);
    return check_target(t, keys, r->seg_sum);
}

/* Names hold no NUL, so a shorter c ends the loop at its own NUL, never
 * reading past it. */
int fwpk_text_is(const uint8_t *cbor, const fwpk_text *t, const char *c)
{
    uint32_t i;
    for (i = 0; i < t->len; i++)
        if ((uint8_t)c[i] != cbor[t->at + i])
            return 0;
    return c[t->len] == 0;
}

void fwpk_text_copy(char *dst, size_t size, const uint8_t *cbor,
                    const fwpk_text *t)
{
    size_t n = t->len;
    if (size == 0)
        return;
    if (n > size - 1u)
        n = size - 1u;
    memcpy(dst, cbor + t->at, n);
    dst[n] = 0;
}

static int same_text(const uint8_t *cbor, const fwpk_text *a,
                     const fwpk_text *b)
{
    return a->len == b->len &&
           memcmp(cbor + a->at, cbor + b->at, a->len) == 0;
}

/* A rejected manifest leaves nothing half-filled behind. */
static fwpk_err reject(fwpk_manifest *m)
{
    memset(m, 0, sizeof *m);
    return FWPK_ERR_MANIFEST;
}

#define CONTAINER_KEYS_READ (((uint32_t)1 << FWPK_M_TARGETS) - 1u)

fwpk_err fwpk_manifest_parse(fwpk_manifest *m, const uint8_t *cbor,
                             size_t len, const char *target)
{
    reader r;
    fwpk_text names[FWPK_MAX_TARGETS];
    const uint8_t *own_at = NULL;
    uint32_t n, k;
    unsigned i, j; /* n <= FWPK_MAX_TARGETS */

    if (!m || !cbor)
        return FWPK_ERR_ARG;
    memset(m, 0, sizeof *m);
    if (len > FWPK_MANIFEST_MAX)
        return FWPK_ERR_MANIFEST;
    r.start = r.p = r.anchor = cbor;
    r.end = cbor + len;
    r.seg_sum = 0;
    /* keys 0..4 by the table, then 5: the targets */
    if (!want(&r, MT_MAP, &n) || n != CONTAINER_KEYS ||
        read_fields(&r, container_fields, FWPK_M_TARGETS, FWPK_M_TARGETS,
                    m) != CONTAINER_KEYS_READ ||
        !want(&r, MT_UINT, &k) || k != FWPK_M_TARGETS ||
        !want(&r, MT_ARRAY, &n) || n < 1 || n > FWPK_MAX_TARGETS)
        return reject(m);

    /* Every target is read into m->own as scratch space; the selected one
     * is read again at the end, which is cheaper than a second copy. */
    for (i = 0; i < n; i++) {
        const uint8_t *at = r.p;
        if (!read_target(&r, &m->own))
            return reject(m);
        names[i] = m->own.name;
        for (j = 0; j < i; j++)
            if (same_text(cbor, &names[j], &names[i]))
                return reject(m);
        if (i < FWPK_TARGETS) {
            fwpk_walk *w = &m->walk[i];
            w->frame_count = m->own.frame_count;
            w->payload_size = m->own.payload_size;
            w->frame_size = (uint16_t)m->own.frame_size;
            w->anchor_at = (uint16_t)(r.anchor - cbor); /* len <= 4 KiB */
        }
        if (target && fwpk_text_is(cbor, &names[i], target)) {
            own_at = at;
            m->own_index = i;
        }
    }
    if (r.p != r.end)
        return reject(m);
    m->target_count = n;
    if (!own_at) {
        /* "none": the caller says FWPK_ERR_NO_TARGET only after checking
         * the signatures */
        memset(&m->own, 0, sizeof m->own);
        m->own_index = n;
        return FWPK_OK;
    }
    r.p = own_at;
    if (!read_target(&r, &m->own))
        return reject(m); /* cannot happen: it was read above */
    return FWPK_OK;
}
