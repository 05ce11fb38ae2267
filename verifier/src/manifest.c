/*
 * manifest.c - the device's reader for the CBOR manifest (format/SPEC.md
 * sections 4 and 7), written from RFC 8949.
 *
 * Only deterministically encoded manifests are accepted (RFC 8949 4.2.1),
 * so the reader can be tiny: every data item starts with a head (major type
 * in the top 3 bits, "additional info" in the low 5, then 0, 1, 2 or 4
 * argument bytes), lengths are definite, and since every key is required,
 * unknown keys are refused and keys must ascend, a map of N entries must
 * have exactly the keys 0, 1, ..., N-1 in that order.  We check exactly
 * that, one head at a time, and never look at a byte before knowing it
 * lies inside the input.
 *
 * Syntax first (read_target), rules second (check_target), so that each
 * rule of the spec appears once, in the spec's words.
 */
#include <string.h>

#include "fwpk_verify.h"

/* RFC 8949 3.1 major types; the spec allows only these five. */
#define MT_UINT 0u
#define MT_BYTES 2u
#define MT_TEXT 3u
#define MT_ARRAY 4u
#define MT_MAP 5u
#define MT_BAD 8u /* not a major type: read_head's "no" */
#define MT_ALLOWED ((1u << MT_UINT) | (1u << MT_BYTES) | (1u << MT_TEXT) | \
                    (1u << MT_ARRAY) | (1u << MT_MAP))

/* RFC 8949 3: additional info 0..23 is the argument itself, 24..27 say
 * it follows in 1, 2, 4 or 8 bytes, 28..30 are reserved, 31 is
 * "indefinite length" (or a break). */
#define AI_MASK 31u
#define AI_ONE_BYTE 24u
#define AI_FOUR_BYTES 26u

#define CONTAINER_KEYS 6u /* section 4.1 */
#define SEGMENT_PAIR 2u   /* [address, length] */
#define FLASH_TOP 0x100000000ULL /* base + size may reach 2^32, not pass it */

typedef struct {
    const uint8_t *p, *end;
} reader;

/* Where a string lies in the input, so it can be compared later. */
typedef struct {
    const uint8_t *p;
    uint32_t n;
} span;

static uint32_t left(const reader *r)
{
    return (uint32_t)(r->end - r->p); /* manifests are at most 4 KiB */
}

/* Reads one head: returns its major type and stores its argument, or
 * returns MT_BAD.  Refused: major types 1 (negative), 6 (tag) and 7
 * (float, simple, break); additional info 27 (an 8-byte argument is at
 * least 2^32 in shortest form, above our limit), 28..30 (reserved) and 31
 * (indefinite length); and any argument that would have fit a shorter
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
    /* Shortest form: 1 byte only for 24..255 (below 24 fits the head),
     * 2 bytes only from 2^8, 4 bytes only from 2^16. */
    floor = n == 1 ? AI_ONE_BYTE : 1ul << (4 * n);
    if (v < floor)
        return MT_BAD;
    *arg = v;
    return mt;
}

static int want(reader *r, unsigned mt, uint32_t *arg)
{
    return read_head(r, arg) == mt;
}

/* Map keys are checked one by one against the only key allowed there. */
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

/* A text string, copied NUL-terminated into dst (if not NULL); a NUL
 * inside would silently shorten it on the device, so it is refused. */
static int get_text(reader *r, uint32_t min, uint32_t max, char *dst,
                    span *s)
{
    uint32_t i;
    if (!get_span(r, MT_TEXT, min, max, s))
        return 0;
    for (i = 0; i < s->n; i++)
        if (s->p[i] == 0)
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

static int get_segments(reader *r, fwpk_target *t)
{
    uint32_t n, i;
    if (!want(r, MT_ARRAY, &n) || n < 1 || n > FWPK_MAX_SEGMENTS)
        return 0;
    for (i = 0; i < n; i++) {
        uint32_t pair;
        if (!want(r, MT_ARRAY, &pair) || pair != SEGMENT_PAIR ||
            !get_uint(r, &t->segments[i].addr) ||
            !get_uint(r, &t->segments[i].len))
            return 0;
    }
    t->segment_count = n;
    return 1;
}

/* The value of key k of a target map (section 4.2). */
static int target_value(reader *r, uint32_t k, fwpk_target *t, span *name)
{
    span mcu;
    switch (k) {
    case FWPK_T_NAME:
        return get_text(r, 1, FWPK_NAME_MAX, t->name, name);
    case FWPK_T_MCU:
        return get_text(r, 0, FWPK_NAME_MAX, t->mcu, &mcu);
    case FWPK_T_FLASH_BASE:
        return get_uint(r, &t->flash_base);
    case FWPK_T_FLASH_SIZE:
        return get_uint(r, &t->flash_size);
    case FWPK_T_ERASE_BLOCK:
        return get_uint(r, &t->erase_block);
    case FWPK_T_WRITE_UNIT:
        return get_uint(r, &t->write_unit);
    case FWPK_T_SEGMENTS:
        return get_segments(r, t);
    case FWPK_T_IMAGE_SIZE:
        return get_uint(r, &t->image_size);
    case FWPK_T_CODEC:
        return get_uint(r, &t->codec);
    case FWPK_T_WINDOW_BITS:
        return get_uint(r, &t->window_bits);
    case FWPK_T_FRAME_SIZE:
        return get_uint(r, &t->frame_size);
    case FWPK_T_FRAME_COUNT:
        return get_uint(r, &t->frame_count);
    case FWPK_T_PAYLOAD_SIZE:
        return get_uint(r, &t->payload_size);
    case FWPK_T_IMAGE_DIGEST:
        return get_hash(r, t->image_digest);
    case FWPK_T_ANCHOR:
        return get_hash(r, t->anchor);
    default: /* FWPK_T_FILTER, the last key */
        return get_uint(r, &t->filter);
    }
}

/* Syntax of one target map: exactly the keys 0..15, in order. */
static int read_target(reader *r, fwpk_target *t, span *name)
{
    uint32_t k;
    if (!map_of(r, FWPK_TARGET_KEYS))
        return 0;
    for (k = 0; k < FWPK_TARGET_KEYS; k++)
        if (!key(r, k) || !target_value(r, k, t, name))
            return 0;
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

/* Sorted, inside flash, length >= 1, never sharing a write unit, and
 * adding up to the image size. */
static int segments_ok(const fwpk_target *t)
{
    uint64_t flash_end = (uint64_t)t->flash_base + t->flash_size;
    uint32_t unit = t->write_unit - 1, sum = 0, last = 0, i;

    for (i = 0; i < t->segment_count; i++) {
        const fwpk_segment *s = &t->segments[i];
        if (s->len == 0 || s->addr < t->flash_base ||
            (uint64_t)s->addr + s->len > flash_end)
            return 0;
        /* align_up(prev end, unit) <= align_down(addr, unit), written
         * with the previous segment's last byte so it stays in 32 bits
         * (a segment may end exactly at 2^32); it also means sorted. */
        if (i > 0 && (last | unit) >= (s->addr & ~unit))
            return 0;
        last = s->addr + (s->len - 1);
        /* sum never passes image size (< 2^31), so it cannot wrap */
        if (s->len > t->image_size - sum)
            return 0;
        sum += s->len;
    }
    return sum == t->image_size;
}

/* Codec 0 stores the image as is; codec 1 is deflate with a window. */
static int codec_ok(const fwpk_target *t)
{
    if (t->codec == FWPK_CODEC_NONE)
        return t->window_bits == 0 && t->payload_size == t->image_size;
    return t->codec == FWPK_CODEC_DEFLATE &&
           in_range(t->window_bits, FWPK_WINDOW_BITS_MIN,
                    FWPK_WINDOW_BITS_MAX);
}

/* The rules of section 4.2 and 7 for one target. */
static int check_target(const fwpk_target *t)
{
    return (uint64_t)t->flash_base + t->flash_size <= FLASH_TOP &&
           pow2(t->write_unit) && t->write_unit <= FWPK_WRITE_UNIT_MAX &&
           pow2(t->erase_block) &&
           in_range(t->erase_block, t->write_unit, FWPK_ERASE_BLOCK_MAX) &&
           in_range(t->image_size, 1, FWPK_MAX_IMAGE_SIZE) &&
           codec_ok(t) &&
           in_range(t->frame_size, FWPK_FRAME_SIZE_MIN, FWPK_FRAME_SIZE_MAX) &&
           in_range(t->frame_count, 1, FWPK_MAX_FRAMES) &&
           /* every frame carries at least one byte, at most frame size */
           t->payload_size >= t->frame_count &&
           t->payload_size <= (uint64_t)t->frame_count * t->frame_size &&
           t->filter <= FWPK_FILTER_MAX && segments_ok(t);
}

/* Is the string at s exactly the C string c?  Names hold no NUL, so a
 * shorter c stops the loop at its own NUL without reading past it. */
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
    const uint8_t *own_at = NULL;
    uint32_t format, n, i, j;

    if (!m || !cbor)
        return FWPK_ERR_ARG;
    memset(m, 0, sizeof *m);
    if (len > FWPK_MANIFEST_MAX)
        return FWPK_ERR_MANIFEST;
    r.p = cbor;
    r.end = cbor + len;
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

    /* Each target is read into m->own as scratch space; the selected one
     * is read again at the end, which costs less than a second copy. */
    for (i = 0; i < n; i++) {
        const uint8_t *at = r.p;
        if (!read_target(&r, &m->own, &names[i]) || !check_target(&m->own))
            return reject(m);
        for (j = 0; j < i; j++)
            if (span_is(names[j], m->own.name))
                return reject(m);
        m->frame_count[i] = m->own.frame_count;
        m->frame_size[i] = m->own.frame_size;
        memcpy(m->anchor[i], m->own.anchor, FWPK_HASH_LEN);
        if (target && span_is(names[i], target)) {
            own_at = at;
            m->own_index = i;
        }
    }
    if (r.p != r.end)
        return reject(m);
    m->target_count = n;

    if (!own_at) {
        /* "none": the caller reports FWPK_ERR_NO_TARGET after the
         * signatures, so an unsigned manifest reveals nothing more */
        m->own_index = n;
        memset(&m->own, 0, sizeof m->own);
        return FWPK_OK;
    }
    r.p = own_at;
    if (!read_target(&r, &m->own, &s))
        return reject(m); /* cannot happen: it was read above */
    return FWPK_OK;
}
