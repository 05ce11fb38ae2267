/*
 * manifest_read.c - decodes a manifest with libcbor and checks it against
 * every rule of format/SPEC.md sections 4 and 7 (the host's view, for
 * inspect, pack's self-check and the tests; the device has its own parser,
 * which has the last word: see device_agrees()).
 */
#include <cbor.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

typedef struct {
    const char *name;
    fwp_err *err;
} rd;

#define BAD(r, ...) fwp_fail((r)->err, __VA_ARGS__)

/* Value of key 'key' in a map whose keys were checked (check_map,
 * target_keys): present and ascending. */
static cbor_item_t *field(const cbor_item_t *map, uint32_t key)
{
    struct cbor_pair *p = cbor_map_handle(map);
    size_t i = 0;
    while (cbor_get_int(p[i].key) != key)
        i++;
    return p[i].value;
}

/* A target map: keys ascending, 0..15 all there, then those of 16..20
 * that it has; bit k of *keys says key k is. */
static int target_keys(rd *r, const cbor_item_t *m, uint32_t *keys)
{
    if (!cbor_isa_map(m) || !cbor_map_is_definite(m))
        return BAD(r, "%s: manifest: target is not a map", r->name);
    struct cbor_pair *p = cbor_map_handle(m);
    *keys = 0;
    for (size_t i = 0; i < cbor_map_size(m); i++) {
        uint64_t k = cbor_isa_uint(p[i].key) ? cbor_get_int(p[i].key) : 99;
        if (k > FWPK_TARGET_KEY_LAST || (*keys >> k) != 0)
            return BAD(r, "%s: manifest: target: key %zu unknown, missing "
                          "or out of order", r->name, i);
        *keys |= 1u << k;
    }
    if ((*keys & ((1u << FWPK_TARGET_KEYS) - 1u)) !=
        (1u << FWPK_TARGET_KEYS) - 1u)
        return BAD(r, "%s: manifest: target: a key of 0..%d missing",
                   r->name, FWPK_TARGET_KEYS - 1);
    return 0;
}

/* A map of n keys, or of n or n + 1 with 'optional' (a target's key 16). */
static int check_map(rd *r, const cbor_item_t *m, size_t n, int optional,
                     const char *what)
{
    if (!cbor_isa_map(m) || !cbor_map_is_definite(m))
        return BAD(r, "%s: manifest: %s is not a map", r->name, what);
    if (cbor_map_size(m) != n && !(optional && cbor_map_size(m) == n + 1))
        return BAD(r, "%s: manifest: %s has %zu keys, expected %zu%s",
                   r->name, what, cbor_map_size(m), n,
                   optional ? " (or one more)" : "");
    n = cbor_map_size(m);
    struct cbor_pair *p = cbor_map_handle(m);
    for (size_t i = 0; i < n; i++)
        if (!cbor_isa_uint(p[i].key) || cbor_get_int(p[i].key) != i)
            return BAD(r, "%s: manifest: %s: key %zu missing or out of "
                          "order",
                       r->name, what, i);
    return 0;
}

static int get_uint(rd *r, const cbor_item_t *it, uint32_t *out,
                    const char *what)
{
    if (!cbor_isa_uint(it) || cbor_get_int(it) > UINT32_MAX)
        return BAD(r, "%s: manifest: %s is not an unsigned integer < 2^32",
                   r->name, what);
    *out = (uint32_t)cbor_get_int(it);
    return 0;
}

static int get_str(rd *r, const cbor_item_t *it, char *out, size_t min,
                   size_t max, const char *what)
{
    if (!cbor_isa_string(it) || !cbor_string_is_definite(it))
        return BAD(r, "%s: manifest: %s is not a text string", r->name, what);
    size_t n = cbor_string_length(it);
    if (n < min || n > max ||
        memchr(cbor_string_handle(it), 0, n))
        return BAD(r, "%s: manifest: %s must be %zu..%zu bytes, no NUL",
                   r->name, what, min, max);
    memcpy(out, cbor_string_handle(it), n);
    out[n] = 0;
    return 0;
}

static int get_hash(rd *r, const cbor_item_t *it, uint8_t out[32],
                    const char *what)
{
    if (!cbor_isa_bytestring(it) || !cbor_bytestring_is_definite(it) ||
        cbor_bytestring_length(it) != FWPK_HASH_LEN)
        return BAD(r, "%s: manifest: %s is not a 32-byte string", r->name,
                   what);
    memcpy(out, cbor_bytestring_handle(it), FWPK_HASH_LEN);
    return 0;
}

static int get_segments(rd *r, const cbor_item_t *it, fwp_mtarget *t)
{
    if (!cbor_isa_array(it) || !cbor_array_is_definite(it) ||
        cbor_array_size(it) < 1 || cbor_array_size(it) > FWPK_MAX_SEGMENTS)
        return BAD(r, "%s: manifest: segments must be an array of 1..%d",
                   r->name, FWPK_MAX_SEGMENTS);
    t->seg_count = (uint32_t)cbor_array_size(it);
    for (uint32_t i = 0; i < t->seg_count; i++) {
        const cbor_item_t *p = cbor_array_handle(it)[i];
        if (!cbor_isa_array(p) || !cbor_array_is_definite(p) ||
            cbor_array_size(p) != 2 ||
            get_uint(r, cbor_array_handle(p)[0], &t->seg_addr[i],
                     "segment address") ||
            get_uint(r, cbor_array_handle(p)[1], &t->seg_len[i],
                     "segment length"))
            return BAD(r, "%s: manifest: segment %u is not [address, length]",
                       r->name, (unsigned)i);
    }
    return 0;
}

#define DELTA_KEYS (1u << FWPK_T_BASE_SIZE | 1u << FWPK_T_BASE_DIGEST | \
                    1u << FWPK_T_BASE_VERSION | 1u << FWPK_T_PATCH_SIZE)

/* Keys 17..20: all four (a delta target) or none. */
static int get_delta(rd *r, const cbor_item_t *m, uint32_t keys,
                     fwp_mtarget *t)
{
    if ((keys & DELTA_KEYS) == 0)
        return 0;
    if ((keys & DELTA_KEYS) != DELTA_KEYS)
        return BAD(r, "%s: manifest: target %s: keys %d..%d (the delta's "
                      "base) go together", r->name, t->name,
                   FWPK_T_BASE_SIZE, FWPK_T_PATCH_SIZE);
    if (get_uint(r, field(m, FWPK_T_BASE_SIZE), &t->base_size, "base size") ||
        get_hash(r, field(m, FWPK_T_BASE_DIGEST), t->base_digest,
                 "base digest") ||
        get_str(r, field(m, FWPK_T_BASE_VERSION), t->base_version, 1,
                FWPK_VERSION_MAX, "base version") ||
        get_uint(r, field(m, FWPK_T_PATCH_SIZE), &t->patch_size,
                 "patch size"))
        return -1;
    if (t->base_size < 1 || t->base_size > FWPK_MAX_IMAGE_SIZE ||
        t->patch_size < 1 || t->patch_size > FWPK_MAX_IMAGE_SIZE)
        return BAD(r, "%s: manifest: target %s: base or patch size out of "
                      "range", r->name, t->name);
    return 0;
}

static int get_target_fields(rd *r, const cbor_item_t *m, fwp_mtarget *t)
{
    static const struct {
        uint32_t key;
        size_t off;
        const char *what;
    } u[] = {
#define U(k, f) {k, offsetof(fwp_mtarget, f), #f}
        U(FWPK_T_FLASH_BASE, flash_base), U(FWPK_T_FLASH_SIZE, flash_size),
        U(FWPK_T_ERASE_BLOCK, erase_block), U(FWPK_T_WRITE_UNIT, write_unit),
        U(FWPK_T_IMAGE_SIZE, image_size), U(FWPK_T_CODEC, codec),
        U(FWPK_T_WINDOW_BITS, window_bits), U(FWPK_T_FRAME_SIZE, frame_size),
        U(FWPK_T_FRAME_COUNT, frame_count),
        U(FWPK_T_PAYLOAD_SIZE, payload_size), U(FWPK_T_FILTER, filter),
#undef U
    };
    uint32_t keys = 0;
    if (target_keys(r, m, &keys) ||
        get_str(r, field(m, FWPK_T_NAME), t->name, 1, FWPK_NAME_MAX,
                "target name") ||
        get_str(r, field(m, FWPK_T_MCU), t->mcu, 0, FWPK_NAME_MAX, "mcu") ||
        get_segments(r, field(m, FWPK_T_SEGMENTS), t) ||
        get_hash(r, field(m, FWPK_T_IMAGE_DIGEST), t->image_digest,
                 "image digest") ||
        get_hash(r, field(m, FWPK_T_ANCHOR), t->anchor, "anchor"))
        return -1;
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++)
        if (get_uint(r, field(m, u[i].key),
                     (uint32_t *)((char *)t + u[i].off), u[i].what))
            return -1;
    int lzma = (keys >> FWPK_T_LZMA_PROPS & 1) != 0;
    if (lzma && get_uint(r, field(m, FWPK_T_LZMA_PROPS), &t->lzma_props,
                         "lzma properties"))
        return -1;
    if (get_delta(r, m, keys, t))
        return -1;
    if (lzma != (t->codec == FWPK_CODEC_LZMA))
        return BAD(r, "%s: manifest: target %s: key %d (lzma properties) "
                      "goes with codec %d and only with it",
                   r->name, t->name, FWPK_T_LZMA_PROPS, FWPK_CODEC_LZMA);
    return 0;
}

static int window_ok(const fwp_mtarget *t)
{
    if (t->codec == FWPK_CODEC_NONE)
        return t->window_bits == 0;
    if (t->codec == FWPK_CODEC_DEFLATE)
        return t->window_bits >= FWPK_WINDOW_BITS_MIN &&
               t->window_bits <= FWPK_WINDOW_BITS_MAX;
    return t->window_bits >= FWPK_LZMA_DICT_BITS_MIN &&
           t->window_bits <= FWPK_LZMA_DICT_BITS_MAX;
}

static int pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static int check_segments(rd *r, const fwp_mtarget *t)
{
    uint64_t sum = 0, lo = t->flash_base,
             hi = (uint64_t)t->flash_base + t->flash_size, w = t->write_unit;
    for (uint32_t i = 0; i < t->seg_count; i++) {
        uint64_t a = t->seg_addr[i], e = a + t->seg_len[i];
        if (t->seg_len[i] == 0 || a < lo || e > hi)
            return BAD(r, "%s: manifest: target %s: segment %u empty or "
                          "outside flash",
                       r->name, t->name, (unsigned)i);
        if (i + 1 < t->seg_count &&
            (e + w - 1) / w * w > t->seg_addr[i + 1] / w * w)
            return BAD(r, "%s: manifest: target %s: segments %u and %u "
                          "unsorted or share a write unit",
                       r->name, t->name, (unsigned)i, (unsigned)i + 1);
        sum += t->seg_len[i];
    }
    if (sum != t->image_size)
        return BAD(r, "%s: manifest: target %s: image size %u is not the sum "
                      "of segment lengths",
                   r->name, t->name, (unsigned)t->image_size);
    return 0;
}

static int check_target(rd *r, const fwp_mtarget *t)
{
    const char *why = NULL;
    if ((uint64_t)t->flash_base + t->flash_size > 0x100000000ULL)
        why = "flash base + size above 4 GiB";
    else if (!pow2(t->write_unit) || t->write_unit > FWPK_WRITE_UNIT_MAX)
        why = "write unit not a power of two <= 256";
    else if (!pow2(t->erase_block) || t->erase_block < t->write_unit ||
             t->erase_block > FWPK_ERASE_BLOCK_MAX)
        why = "erase block not a power of two in write unit..256 KiB";
    else if ((t->flash_base | t->flash_size) & (t->erase_block - 1))
        why = "flash base or size not a multiple of the erase block";
    else if (t->image_size < 1 || t->image_size > FWPK_MAX_IMAGE_SIZE)
        why = "image size out of range";
    else if (t->codec > FWPK_CODEC_MAX)
        why = "unknown codec";
    else if (!window_ok(t))
        why = "window bits out of range";
    else if (t->codec == FWPK_CODEC_LZMA && !fwp_lzma_props_ok(t->lzma_props))
        why = "lzma properties out of range (lc + lp <= 4, pb <= 4)";
    else if (t->frame_size < FWPK_FRAME_SIZE_MIN ||
             t->frame_size > FWPK_FRAME_SIZE_MAX)
        why = "frame size out of range";
    else if (t->frame_count < 1 || t->frame_count > FWPK_MAX_FRAMES)
        why = "frame count out of range";
    else if (t->payload_size < t->frame_count ||
             t->payload_size > (uint64_t)t->frame_count * t->frame_size)
        why = "payload size not in frame count..frame count x frame size "
              "(every frame holds 1..frame size bytes)";
    else if (t->codec == FWPK_CODEC_NONE &&
             t->payload_size != (t->base_size ? t->patch_size : t->image_size))
        why = "codec none, but the payload size is not the image size (of "
              "a delta: the patch size)";
    else if (t->filter > FWPK_FILTER_MAX)
        why = "unknown filter";
    if (why)
        return BAD(r, "%s: manifest: target %s: %s", r->name, t->name, why);
    return check_segments(r, t);
}

static int get_targets(rd *r, const cbor_item_t *it, fwp_manifest *m)
{
    if (!cbor_isa_array(it) || !cbor_array_is_definite(it) ||
        cbor_array_size(it) < 1 || cbor_array_size(it) > FWPK_MAX_TARGETS)
        return BAD(r, "%s: manifest: targets must be an array of 1..%d",
                   r->name, FWPK_MAX_TARGETS);
    m->target_count = (uint32_t)cbor_array_size(it);
    for (uint32_t i = 0; i < m->target_count; i++) {
        fwp_mtarget *t = &m->targets[i];
        if (get_target_fields(r, cbor_array_handle(it)[i], t) ||
            check_target(r, t))
            return -1;
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(m->targets[j].name, t->name) == 0)
                return BAD(r, "%s: manifest: target name %s repeated",
                           r->name, t->name);
    }
    return 0;
}

static int get_container(rd *r, const cbor_item_t *root, fwp_manifest *m)
{
    if (check_map(r, root, 6, 0, "manifest") ||
        get_uint(r, field(root, FWPK_M_FORMAT), &m->format, "format") ||
        get_str(r, field(root, FWPK_M_PRODUCT), m->product, 1,
                FWPK_PRODUCT_MAX, "product") ||
        get_str(r, field(root, FWPK_M_VERSION), m->version, 1,
                FWPK_VERSION_MAX, "version") ||
        get_uint(r, field(root, FWPK_M_SECURITY_COUNTER),
                 &m->security_counter, "security counter") ||
        get_uint(r, field(root, FWPK_M_BUILD_TIME), &m->build_time,
                 "build time") ||
        get_targets(r, field(root, FWPK_M_TARGETS), m))
        return -1;
    if (m->format != FWPK_FORMAT_VERSION)
        return BAD(r, "%s: manifest: format %u, expected %d", r->name,
                   (unsigned)m->format, FWPK_FORMAT_VERSION);
    return 0;
}

/* Deterministic encoding: our encoder must reproduce the bytes exactly. */
static int check_canonical(rd *r, const fwp_manifest *m, const uint8_t *cbor,
                           size_t len)
{
    uint8_t *again = NULL;
    size_t n = 0;
    if (fwp_manifest_encode(m, &again, &n, r->err))
        return -1;
    int same = n == len && memcmp(again, cbor, len) == 0;
    free(again);
    if (!same)
        return BAD(r, "%s: manifest: not deterministically encoded "
                      "(non-shortest integer or length)",
                   r->name);
    return 0;
}

/* The rules above are meant to be the device's (verifier/src/manifest.c)
 * one for one; should one ever be missing, the device's own reader still
 * has the last word, so the host never accepts what a device refuses. */
static int device_agrees(rd *r, const uint8_t *cbor, size_t len)
{
    fwpk_manifest dev;
    if (fwpk_manifest_parse(&dev, cbor, len, NULL) != FWPK_OK)
        return BAD(r, "%s: manifest: refused by the device's reader (a rule "
                      "the host check does not name)", r->name);
    return 0;
}

/* Walks the CBOR item at p without allocating; NULL when a declared
 * length or count cannot fit in the bytes left (libcbor would allocate the
 * declared count first: a hostile 2^32-entry map must never reach it), the
 * nesting is deeper than a manifest's, or the item is cut off. */
static const uint8_t *skip_item(const uint8_t *p, const uint8_t *end,
                                int depth)
{
    if (p >= end || depth > 8)
        return NULL;
    unsigned major = *p >> 5, ai = *p & 31u;
    uint64_t v = ai;
    p++;
    if (ai >= 24 && ai <= 27) {
        size_t n = (size_t)1 << (ai - 24);
        if ((size_t)(end - p) < n)
            return NULL;
        v = 0;
        for (size_t i = 0; i < n; i++)
            v = v << 8 | *p++;
    } else if (ai > 27) {
        return NULL; /* indefinite or reserved: never in a manifest */
    }
    switch (major) {
    case 2:
    case 3:
        return v <= (uint64_t)(end - p) ? p + v : NULL;
    case 4:
    case 5: {
        uint64_t items = major == 5 ? v * 2 : v;
        if (v > (uint64_t)(end - p) || items > (uint64_t)(end - p))
            return NULL;
        for (uint64_t i = 0; i < items && p; i++)
            p = skip_item(p, end, depth + 1);
        return p;
    }
    case 6:
        return skip_item(p, end, depth + 1);
    default:
        return p;
    }
}

int fwp_manifest_decode(const uint8_t *cbor, size_t len, const char *name,
                        fwp_manifest *m, fwp_err *err)
{
    rd r = {name, err};
    struct cbor_load_result res;
    memset(m, 0, sizeof *m);
    const uint8_t *end = skip_item(cbor, cbor + len, 0);
    if (!end)
        return BAD(&r, "%s: manifest: malformed CBOR (a length or count "
                       "runs past the end)", name);
    cbor_item_t *root = cbor_load(cbor, len, &res);
    if (!root)
        return BAD(&r, "%s: manifest: bad CBOR at byte %zu", name,
                   res.error.position);
    int rc = res.read != len
                 ? BAD(&r, "%s: manifest: %zu trailing bytes", name,
                       len - res.read)
                 : get_container(&r, root, m);
    cbor_decref(&root);
    if (rc == 0)
        rc = check_canonical(&r, m, cbor, len);
    return rc ? rc : device_agrees(&r, cbor, len);
}
