/*
 * test_manifest.c - the device's CBOR manifest reader (verifier/src/
 * manifest.c) against the host's libcbor encoder and decoder.
 *
 *   1. differential: random valid manifests, encoded by fwp_manifest_encode,
 *      parsed selecting every target in turn, every field compared;
 *   2. real containers made by fwp_pack;
 *   3. rejections: every head of a manifest re-encoded wrongly (longer
 *      form, indefinite length, tag, negative, float/simple, reserved
 *      additional info, 64-bit argument), every key of every map out of
 *      order, repeated, missing, extra, unknown or of the wrong type, every
 *      prefix, trailing bytes, and one case per rule of SPEC.md 4 and 7;
 *   4. random byte mutations: never a crash (ASan), and whatever the device
 *      accepts, libcbor's strict decoder accepts with the same values;
 *   and text strings: the device's UTF-8 check against libcbor's.
 *
 * The rejection tests use a small CBOR writer of their own that can
 * break the encoding on purpose; unbroken, its output is checked to be
 * byte-identical to fwp_manifest_encode's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"
#include "fwpk_verify.h"
#include "pack_util.h"

static uint32_t rng_state = 0x2545f491u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Uniform-ish in [lo, hi]. */
static uint64_t rnd_in(uint64_t lo, uint64_t hi)
{
    uint64_t r = (uint64_t)rnd() << 32 | rnd();
    return lo + r % (hi - lo + 1);
}

/* ---- random valid manifests -------------------------------------------- */

/* A value that exercises every head width and its edges. */
static uint32_t any_u32(void)
{
    static const uint32_t edges[] = {0,     1,      23,     24,        255,
                                     256,   65535,  65536,  0xffffffu, 0xffffffffu};
    switch (rnd() % 4) {
    case 0:
        return edges[rnd() % (sizeof edges / sizeof edges[0])];
    case 1:
        return rnd() % 300;
    case 2:
        return rnd() % 70000;
    default:
        return rnd();
    }
}

/* Exactly n bytes (n in min..max) of UTF-8: mostly ASCII, some 2, 3 and
 * 4-byte characters, including the edges U+0080, U+07FF, U+0800, U+D7FF,
 * U+E000, U+FFFF, U+10000 and U+10FFFF. */
static void rand_text(char *out, size_t min, size_t max)
{
    static const char abc[] = "abcdefghijklmnopqrstuvwxyz"
                              "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.+ ";
    static const char *const wide[] = {
        "\xc3\xa9", "\xc2\x80", "\xdf\xbf", "\xe2\x82\xac",
        "\xe0\xa0\x80", "\xed\x9f\xbf", "\xee\x80\x80", "\xef\xbf\xbf",
        "\xe6\x97\xa5", "\xf0\x9f\x98\x80", "\xf0\x90\x80\x80",
        "\xf4\x8f\xbf\xbf"};
    size_t n = rnd() % 4 == 0 ? (rnd() & 1 ? min : max)
                              : (size_t)rnd_in(min, max);
    size_t i = 0;
    while (i < n) {
        const char *w = wide[rnd() % (sizeof wide / sizeof wide[0])];
        if (rnd() % 6 == 0 && strlen(w) <= n - i) {
            memcpy(out + i, w, strlen(w));
            i += strlen(w);
        } else {
            out[i++] = abc[rnd() % (sizeof abc - 1)];
        }
    }
    out[n] = 0;
}

/* Names unique within the manifest; some are prefixes of others, so that
 * selection must compare whole names. */
static void rand_name(fwp_manifest *m, uint32_t i)
{
    char *name = m->targets[i].name;
    for (;;) {
        size_t prev = i ? strlen(m->targets[i - 1].name) : 0;
        if (i && rnd() % 4 == 0 && prev < FWPK_NAME_MAX) {
            strcpy(name, m->targets[i - 1].name);
            name[prev] = 'x';
            name[prev + 1] = 0;
        } else if (i && rnd() % 4 == 0 && prev > 1) {
            /* one character shorter: back over continuation bytes */
            size_t cut = prev - 1;
            strcpy(name, m->targets[i - 1].name);
            while (cut > 0 && ((uint8_t)name[cut] & 0xc0) == 0x80)
                cut--;
            name[cut] = 0;
            if (cut == 0)
                rand_text(name, 1, FWPK_NAME_MAX);
        } else {
            rand_text(name, 1, FWPK_NAME_MAX);
        }
        uint32_t j = 0;
        while (j < i && strcmp(m->targets[j].name, name) != 0)
            j++;
        if (j == i)
            return;
    }
}

#define LEN_CAP (1u << 23) /* 32 segments: images up to 2^28 bytes */

/* Segments in write-unit-aligned slots of the flash, one per slot, so
 * they never share a write unit; the last slot runs to the flash end. */
static void rand_segments(fwp_mtarget *t)
{
    uint64_t wu = t->write_unit, end = (uint64_t)t->flash_base + t->flash_size;
    uint64_t start = ((uint64_t)t->flash_base + wu - 1) / wu * wu;
    uint64_t usable = end - start;
    uint32_t k = (uint32_t)rnd_in(1, FWPK_MAX_SEGMENTS);
    if (k > usable / wu)
        k = (uint32_t)(usable / wu);
    uint64_t slot = usable / k / wu * wu;
    t->seg_count = k;
    t->image_size = 0;
    for (uint32_t i = 0; i < k; i++) {
        uint64_t lo = start + i * slot, hi = i + 1 == k ? end : lo + slot;
        uint64_t room = hi - lo, cap = room < LEN_CAP ? room : LEN_CAP;
        uint64_t len = rnd() % 4 == 0 ? cap : rnd() % 4 == 0 ? 1 : rnd_in(1, cap);
        uint64_t off = rnd() % 3 == 0   ? 0
                       : rnd() % 2 == 0 ? room - len
                                        : rnd_in(0, room - len);
        t->seg_addr[i] = (uint32_t)(lo + off);
        t->seg_len[i] = (uint32_t)len;
        t->image_size += (uint32_t)len;
    }
}

static void rand_geometry(fwp_mtarget *t)
{
    uint32_t wlog = rnd() % 9, elog = wlog + rnd() % (19 - wlog);
    uint64_t base, size;
    t->write_unit = 1u << wlog;
    t->erase_block = 1u << elog;
    switch (rnd() % 5) {
    case 0: /* a typical MCU */
        base = 0x08000000u;
        size = rnd_in(0x1000, 0x200000);
        break;
    case 1: /* anywhere */
        size = rnd_in(0x1000, 0x1000000);
        base = rnd_in(0, 0x100000000ull - size);
        break;
    case 2: /* flash ending exactly at 2^32 */
        size = rnd_in(0x1000, 0xffffffffu);
        base = 0x100000000ull - size;
        break;
    case 3: /* from 0, up to 4 GiB - 1 */
        base = 0;
        size = rnd() & 1 ? 0xffffffffu : rnd_in(0x1000, 0xffffffffu);
        break;
    default: /* small base */
        base = rnd() % 0x10000;
        size = rnd_in(0x1000, 0x100000);
        break;
    }
    /* whole erase blocks (SPEC.md 4.2), inside 2^32, at least one */
    uint64_t eb = t->erase_block;
    base = base / eb * eb;
    if (size > 0x100000000ull - base)
        size = 0x100000000ull - base;
    if (size > 0xffffffffu)
        size = 0xffffffffu;
    size = size < eb ? eb : size / eb * eb;
    t->flash_base = (uint32_t)base;
    t->flash_size = (uint32_t)size;
    rand_segments(t);
}

/* A valid LZMA properties byte: lc + lp <= 4, pb <= 4. */
static uint32_t rand_lzma_props(void)
{
    uint32_t lc = rnd() % 5, lp = rnd() % (5 - lc), pb = rnd() % 5;
    return (pb * 5 + lp) * 9 + lc;
}

static void rand_frames(fwp_mtarget *t)
{
    static const uint32_t sizes[] = {256, 257, 4096, 8191, 8192};
    uint64_t img = t->image_size;
    t->codec = rnd() % 3;
    t->window_bits = t->codec == FWPK_CODEC_DEFLATE ? (uint32_t)rnd_in(9, 15)
                     : t->codec == FWPK_CODEC_LZMA  ? (uint32_t)rnd_in(12, 30)
                                                    : 0;
    t->lzma_props = t->codec == FWPK_CODEC_LZMA ? rand_lzma_props() : 0;
    t->frame_size = rnd() & 1 ? sizes[rnd() % 5] : (uint32_t)rnd_in(256, 8192);
    uint64_t fs = t->frame_size;
    if (t->codec == FWPK_CODEC_NONE) {
        uint64_t lo = (img + fs - 1) / fs,
                 hi = img < FWPK_MAX_FRAMES ? img : FWPK_MAX_FRAMES;
        t->frame_count = (uint32_t)(rnd() % 3 == 0   ? lo
                                    : rnd() % 2 == 0 ? hi
                                                     : rnd_in(lo, hi));
        t->payload_size = t->image_size;
    } else {
        uint64_t fc = rnd() % 4 == 0   ? 1
                      : rnd() % 4 == 0 ? FWPK_MAX_FRAMES
                      : rnd() % 2 == 0 ? rnd_in(1, 100)
                                       : rnd_in(1, FWPK_MAX_FRAMES);
        uint64_t hi = fc * fs > 0xffffffffu ? 0xffffffffu : fc * fs;
        t->frame_count = (uint32_t)fc;
        t->payload_size = (uint32_t)(rnd() % 3 == 0   ? fc
                                     : rnd() % 2 == 0 ? hi
                                                      : rnd_in(fc, hi));
    }
}

static void rand_target(fwp_manifest *m, uint32_t i)
{
    fwp_mtarget *t = &m->targets[i];
    rand_name(m, i);
    rand_text(t->mcu, 0, FWPK_NAME_MAX);
    rand_geometry(t);
    rand_frames(t);
    t->filter = rnd() & 1;
    for (int k = 0; k < FWPK_HASH_LEN; k++) {
        t->image_digest[k] = (uint8_t)rnd();
        t->anchor[k] = (uint8_t)rnd();
    }
}

static void rand_manifest(fwp_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->format = FWPK_FORMAT_VERSION;
    rand_text(m->product, 1, FWPK_PRODUCT_MAX);
    rand_text(m->version, 1, FWPK_VERSION_MAX);
    m->security_counter = any_u32();
    m->build_time = any_u32();
    m->target_count = rnd() % 3 == 0 ? (uint32_t)rnd_in(1, FWPK_MAX_TARGETS)
                                     : (uint32_t)rnd_in(1, 3);
    for (uint32_t i = 0; i < m->target_count; i++)
        rand_target(m, i);
}

/* A random manifest that fits in FWPK_MANIFEST_MAX, encoded; the host's
 * strict decoder must agree it is valid. */
static uint8_t *rand_encoded(fwp_manifest *m, size_t *len)
{
    uint8_t *cbor = NULL;
    fwp_err err;
    fwp_manifest back;
    do
        rand_manifest(m);
    while (fwp_manifest_encode(m, &cbor, len, &err) != 0);
    if (fwp_manifest_decode(cbor, *len, "gen", &back, &err))
        fail_msg("generator made an invalid manifest: %s", err.msg);
    return cbor;
}

/* ---- comparing the device's view with the host's ------------------------ */

static int all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

/* The device says where a string lies in the bytes it parsed. */
static void compare_text(const uint8_t *cbor, const fwpk_text *d,
                         const char *h)
{
    assert_int_equal(d->len, strlen(h));
    assert_memory_equal(cbor + d->at, h, d->len);
}

static void compare_target(const fwpk_target *d, const fwp_mtarget *h,
                           const uint8_t *cbor)
{
    compare_text(cbor, &d->name, h->name);
    compare_text(cbor, &d->mcu, h->mcu);
    assert_int_equal(d->flash_base, h->flash_base);
    assert_int_equal(d->flash_size, h->flash_size);
    assert_int_equal(d->erase_block, h->erase_block);
    assert_int_equal(d->write_unit, h->write_unit);
    assert_int_equal(d->image_size, h->image_size);
    assert_int_equal(d->codec, h->codec);
    assert_int_equal(d->window_bits, h->window_bits);
    assert_int_equal(d->frame_size, h->frame_size);
    assert_int_equal(d->frame_count, h->frame_count);
    assert_int_equal(d->payload_size, h->payload_size);
    assert_int_equal(d->filter, h->filter);
    assert_int_equal(d->lzma_props, h->lzma_props);
    assert_int_equal(d->segment_count, h->seg_count);
    for (uint32_t i = 0; i < h->seg_count; i++) {
        assert_int_equal(d->segments[i].addr, h->seg_addr[i]);
        assert_int_equal(d->segments[i].len, h->seg_len[i]);
    }
    assert_true(all_zero(&d->segments[h->seg_count],
                         (FWPK_MAX_SEGMENTS - h->seg_count) *
                             sizeof d->segments[0]));
    assert_memory_equal(d->image_digest, h->image_digest, FWPK_HASH_LEN);
    assert_memory_equal(d->anchor, h->anchor, FWPK_HASH_LEN);
}

/* own: the index the device must report (target_count for "none");
 * cbor: the bytes parsed (the device says where each anchor is in them). */
static void compare(const fwpk_manifest *d, const fwp_manifest *h,
                    uint32_t own, const uint8_t *cbor)
{
    assert_int_equal(d->security_counter, h->security_counter);
    assert_int_equal(d->build_time, h->build_time);
    compare_text(cbor, &d->version, h->version);
    assert_int_equal(d->target_count, h->target_count);
    assert_int_equal(d->own_index, own);
    for (uint32_t i = 0; i < FWPK_TARGETS; i++) {
        const fwpk_walk *w = &d->walk[i];
        if (i < h->target_count) {
            assert_int_equal(w->frame_count, h->targets[i].frame_count);
            assert_int_equal(w->frame_size, h->targets[i].frame_size);
            assert_int_equal(w->payload_size, h->targets[i].payload_size);
            assert_memory_equal(cbor + w->anchor_at, h->targets[i].anchor,
                                FWPK_HASH_LEN);
        } else {
            assert_true(all_zero(w, sizeof *w));
        }
    }
    if (own < h->target_count)
        compare_target(&d->own, &h->targets[own], cbor);
    else
        assert_true(all_zero(&d->own, sizeof d->own));
}

/* Parses a copy in a buffer of exactly len bytes, so that ASan sees any
 * read past the end. */
static fwpk_err parse_exact(fwpk_manifest *d, const uint8_t *cbor,
                            size_t len, const char *target)
{
    uint8_t *copy = malloc(len ? len : 1);
    memcpy(copy, cbor, len);
    fwpk_err e = fwpk_manifest_parse(d, copy, len, target);
    free(copy);
    return e;
}

/* Parses selecting every target in turn, then none, and compares. */
static size_t check_all_selections(const uint8_t *cbor, size_t len,
                                   const fwp_manifest *h)
{
    static fwpk_manifest d;
    size_t n = 0;
    for (uint32_t i = 0; i < h->target_count; i++, n++) {
        memset(&d, 0xa5, sizeof d); /* the parser must clear it */
        assert_int_equal(parse_exact(&d, cbor, len, h->targets[i].name),
                         FWPK_OK);
        compare(&d, h, i, cbor);
    }
    assert_int_equal(parse_exact(&d, cbor, len, NULL), FWPK_OK);
    compare(&d, h, h->target_count, cbor);
    assert_int_equal(parse_exact(&d, cbor, len, "no such target!"), FWPK_OK);
    compare(&d, h, h->target_count, cbor);
    assert_int_equal(parse_exact(&d, cbor, len, ""), FWPK_OK);
    compare(&d, h, h->target_count, cbor);
    return n + 3;
}

/* ---- 1. differential ---------------------------------------------------- */

static void test_differential(void **state)
{
    (void)state;
    size_t manifests = 0, parses = 0, targets = 0, segments = 0, bytes = 0;
    for (int it = 0; it < 3000; it++) {
        fwp_manifest m;
        size_t len;
        uint8_t *cbor = rand_encoded(&m, &len);
        parses += check_all_selections(cbor, len, &m);
        manifests++;
        bytes += len;
        targets += m.target_count;
        for (uint32_t i = 0; i < m.target_count; i++)
            segments += m.targets[i].seg_count;
        free(cbor);
    }
    printf("differential: %zu random manifests (%zu targets, %zu segments, "
           "%zu bytes), %zu parses compared field by field\n",
           manifests, targets, segments, bytes, parses);
}

/* ---- 2. real containers --------------------------------------------------- */

static void add_image(fwp_target_opts *t, uint32_t addr, size_t len,
                      uint32_t seed)
{
    uint8_t *img = malloc(len);
    fwp_err err;
    pu_firmware(img, len, seed);
    assert_int_equal(fwp_image_add(&t->image, addr, img, len, "t", &err), 0);
    free(img);
}

static void opts_target(fwp_target_opts *t, const char *name, uint32_t base,
                        uint32_t codec, uint32_t frame_size)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->mcu = "stm32l432kc";
    t->flash_base = base;
    t->flash_size = 512 * 1024;
    t->erase_block = 2048;
    t->write_unit = 8;
    t->codec = codec;
    t->window_bits = codec ? 12 : 0;
    t->frame_size = frame_size;
    t->level = 6;
}

static size_t check_container(const fwp_pack_opts *o)
{
    uint8_t *box = NULL;
    size_t len;
    fwp_err err;
    fwp_layout lay;
    fwp_manifest h;
    if (fwp_pack(o, &box, &len, &err))
        fail_msg("pack: %s", err.msg);
    assert_int_equal(fwp_layout_parse(box, len, "box", &lay, &err), 0);
    assert_int_equal(fwp_manifest_decode(lay.manifest, lay.manifest_len, "m",
                                         &h, &err), 0);
    assert_int_equal(h.target_count, o->target_count);
    size_t n = check_all_selections(lay.manifest, lay.manifest_len, &h);
    free(box);
    return n;
}

static void test_containers(void **state)
{
    (void)state;
    static const char *const names[FWPK_MAX_TARGETS] = {
        "app", "radio", "app2", "ap", "boot", "sensor", "x", "main"};
    fwp_target_opts t[FWPK_MAX_TARGETS];
    fwp_pack_opts o;
    fwp_keypair kp;
    uint8_t seed[32] = {42};
    size_t parses = 0, boxes = 0;
    crypto_sign_seed_keypair(kp.pk, kp.sk, seed);
    memset(&o, 0, sizeof o);
    o.product = "widget";
    o.version = "1.2.3-rc.1+77";
    o.security_counter = 70000;
    o.build_time = 1700000000;
    o.targets = t;
    o.keys = &kp;
    o.key_count = 1;

    /* one deflate target */
    opts_target(&t[0], "app", 0x08000000u, FWPK_CODEC_DEFLATE, 4096);
    add_image(&t[0], 0x08000000u, 30000, 1);
    o.target_count = 1;
    parses += check_container(&o);
    boxes++;

    /* stored + deflate with the thumb filter, small window and frames */
    opts_target(&t[1], "radio", 0x10000, FWPK_CODEC_NONE, 256);
    t[1].mcu = "";
    add_image(&t[1], 0x10000, 9000, 2);
    t[0].filter = FWPK_FILTER_THUMB;
    t[0].window_bits = 9;
    o.target_count = 2;
    parses += check_container(&o);
    boxes++;
    o.key_count = 0; /* unsigned: same manifest rules */
    parses += check_container(&o);
    boxes++;
    o.key_count = 1;

    /* eight targets, sparse images with gaps: several segments each */
    for (uint32_t i = 2; i < FWPK_MAX_TARGETS; i++) {
        static const uint32_t codecs[3] = {FWPK_CODEC_NONE, FWPK_CODEC_DEFLATE,
                                           FWPK_CODEC_LZMA};
        opts_target(&t[i], names[i], 0x20000000u + i * 0x100000u,
                    codecs[i % 3], 256u << (i % 6));
        t[i].lzma_props = (i % 5) * 45 + 9; /* pb i % 5, lp 1, lc 0 */
        t[i].write_unit = 1u << (i % 9);
        t[i].erase_block = 4096;
        for (uint32_t s = 0; s < i; s++)
            add_image(&t[i], 0x20000000u + i * 0x100000u + s * 0x1000u,
                      100 + s * 37, i * 10 + s);
    }
    o.target_count = FWPK_MAX_TARGETS;
    parses += check_container(&o);
    boxes++;

    for (uint32_t i = 0; i < FWPK_MAX_TARGETS; i++)
        fwp_image_free(&t[i].image);
    printf("real containers: %zu packed, %zu parses compared\n", boxes,
           parses);
}

/* ---- a CBOR writer that breaks things on purpose ------------------------- */

enum head_mut {
    H_NONE,
    H_LONG,     /* one size longer than shortest */
    H_INDEF,    /* additional info 31 */
    H_TAG,      /* tag 1 in front */
    H_NEG,      /* uint as a negative integer */
    H_SIMPLE,   /* uint replaced by a float or simple value */
    H_RESERVED, /* additional info 28..30 */
    H_BIG,      /* argument + 2^32, additional info 27 */
    H_KINDS
};

enum key_mut {
    K_NONE,
    K_SWAP,       /* keys k and k+1 swapped */
    K_DUP,        /* key k twice, k+1 missing */
    K_DUP_EXTRA,  /* key k twice, N+1 entries */
    K_DROP,       /* key k missing, N-1 entries */
    K_EXTRA,      /* key N added, N+1 entries */
    K_UNKNOWN,    /* key k replaced by N + 7 */
    K_MORE,       /* count says N+1, N entries follow */
    K_TEXT_KEY,   /* key k as a text string */
    K_WRONG_TYPE, /* value of key k of another type (alt) */
    K_KINDS
};

/* Which string a tweak applies to. */
enum { S_OTHER = -1, S_NONE, S_PRODUCT, S_VERSION, S_NAME, S_MCU };

typedef struct {
    int head, how;          /* head number to break, and how */
    int map, keyop, key;    /* map: 0 container, 1 + i target i */
    int alt;                /* K_WRONG_TYPE: substitute 0..4; H_SIMPLE: 0..5 */
    int nul_in, grow_str;   /* S_*: put a NUL in / add one byte to */
    int digest_len;         /* 0: 32 */
    int anchor_len;         /* 0: 32 */
    int seg_arity;          /* 0: 2 */
    int extra_seg;          /* one more segment in target 0 */
    int extra_target;       /* one more target (a renamed copy of 0) */
    int raw_in;             /* S_*: that string's bytes are raw, raw_len */
    const uint8_t *raw;
    size_t raw_len;
} mut;

static const mut no_mut = {.head = -1, .map = -1};

typedef struct {
    uint8_t b[16384];
    size_t n;
    int heads; /* heads written so far */
    int hit;   /* the requested mutation was applied */
    const mut *x;
} wr;

static void put(wr *w, const void *p, size_t n)
{
    assert_true(w->n + n <= sizeof w->b);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}

static void put1(wr *w, unsigned byte)
{
    uint8_t b = (uint8_t)byte;
    put(w, &b, 1);
}

static void put_be(wr *w, uint64_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--)
        put1(w, (unsigned)(v >> (8 * i)));
}

/* ai 24..27 with 1, 2, 4, 8 bytes */
static void head_width(wr *w, unsigned mt, uint64_t v, int ai)
{
    put1(w, mt << 5 | (unsigned)ai);
    put_be(w, v, 1 << (ai - 24));
}

static void raw_head(wr *w, unsigned mt, uint64_t v)
{
    if (v < 24)
        put1(w, mt << 5 | (unsigned)v);
    else
        head_width(w, mt, v, v < 0x100 ? 24 : v < 0x10000 ? 25
                                  : v < 0x100000000ull ? 26 : 27);
}

/* A float or simple value in place of an unsigned integer. */
static void simple_value(wr *w, int which)
{
    switch (which) {
    case 0:
        put1(w, 0xf4); /* false */
        break;
    case 1:
        put1(w, 0xf6); /* null */
        break;
    case 2:
        put1(w, 0xf8); /* simple(32) */
        put1(w, 0x20);
        break;
    case 3:
        put1(w, 0xf9); /* 1.0, half precision */
        put_be(w, 0x3c00, 2);
        break;
    case 4:
        put1(w, 0xfa); /* 1.0, single */
        put_be(w, 0x3f800000u, 4);
        break;
    default:
        put1(w, 0xfb); /* 1.0, double */
        put_be(w, 0x3ff0000000000000ull, 8);
        break;
    }
}

/* Writes one head; returns 1 when it was made indefinite (the caller
 * then ends the container with a break). */
static int head(wr *w, unsigned mt, uint64_t v)
{
    int me = w->heads++;
    if (me != w->x->head) {
        raw_head(w, mt, v);
        return 0;
    }
    switch (w->x->how) {
    case H_LONG:
        w->hit = 1;
        head_width(w, mt, v, v < 24 ? 24 : v < 0x100 ? 25 : v < 0x10000 ? 26 : 27);
        return 0;
    case H_INDEF:
        w->hit = 1;
        put1(w, mt << 5 | 31);
        return mt == 4 || mt == 5;
    case H_TAG:
        w->hit = 1;
        put1(w, 0xc1);
        raw_head(w, mt, v);
        return 0;
    case H_NEG:
        if (mt != 0)
            break;
        w->hit = 1;
        raw_head(w, 1, v);
        return 0;
    case H_SIMPLE:
        if (mt != 0)
            break;
        w->hit = 1;
        simple_value(w, w->x->alt);
        return 0;
    case H_RESERVED:
        w->hit = 1;
        put1(w, mt << 5 | (unsigned)(28 + me % 3));
        return 0;
    case H_BIG:
        w->hit = 1;
        head_width(w, mt, v + 0x100000000ull, 27);
        return 0;
    }
    raw_head(w, mt, v);
    return 0;
}

/* A byte or text string; indefinite means one definite chunk and a
 * break. */
static void string(wr *w, unsigned mt, const void *p, size_t n)
{
    if (w->heads == w->x->head && w->x->how == H_INDEF) {
        w->heads++;
        w->hit = 1;
        put1(w, mt << 5 | 31);
        raw_head(w, mt, n);
        put(w, p, n);
        put1(w, 0xff);
        return;
    }
    head(w, mt, n);
    put(w, p, n);
}

static void text(wr *w, const char *s, int which)
{
    char buf[128];
    size_t n = strlen(s);
    if (w->x->raw_in == which) {
        string(w, 3, w->x->raw, w->x->raw_len);
        return;
    }
    memcpy(buf, s, n);
    if (w->x->nul_in == which) {
        buf[n++] = 0;
        buf[n++] = 'x';
    }
    if (w->x->grow_str == which)
        buf[n++] = 'y';
    string(w, 3, buf, n);
}

typedef void (*value_fn)(wr *w, const void *ctx, int key);

/* Real major type of each key's value. */
static const unsigned container_types[6] = {0, 3, 3, 0, 0, 4};
static const unsigned target_types[17] = {3, 3, 0, 0, 0, 0, 4, 0, 0,
                                          0, 0, 0, 0, 2, 2, 0, 0};

static void wrong_value(wr *w, int alt)
{
    static const uint8_t zero32[32];
    switch (alt) {
    case 0:
        raw_head(w, 0, 1);
        break;
    case 1:
        raw_head(w, 2, 32);
        put(w, zero32, 32);
        break;
    case 2:
        raw_head(w, 3, 1);
        put1(w, 'a');
        break;
    case 3:
        raw_head(w, 4, 2);
        raw_head(w, 0, 1);
        raw_head(w, 0, 1);
        break;
    default:
        raw_head(w, 5, 0);
        break;
    }
}

static void map(wr *w, int id, int n, value_fn f, const void *ctx)
{
    int keys[24], count = n, header;
    for (int i = 0; i < n; i++)
        keys[i] = i;
    const mut *x = w->x;
    int k = x->key, op = x->map == id ? x->keyop : K_NONE;
    switch (op) {
    case K_SWAP:
        keys[k] = k + 1;
        keys[k + 1] = k;
        break;
    case K_DUP:
        keys[k + 1] = k;
        break;
    case K_DUP_EXTRA:
        memmove(keys + k + 1, keys + k, (size_t)(n - k) * sizeof keys[0]);
        count++;
        break;
    case K_DROP:
        memmove(keys + k, keys + k + 1, (size_t)(n - k - 1) * sizeof keys[0]);
        count--;
        break;
    case K_EXTRA:
        keys[count++] = n;
        break;
    case K_UNKNOWN:
        keys[k] = n + 7;
        break;
    }
    if (op != K_NONE && op != K_TEXT_KEY && op != K_WRONG_TYPE)
        w->hit = 1;
    header = op == K_MORE ? count + 1 : count;
    int indef = head(w, 5, (uint64_t)header);
    for (int i = 0; i < count; i++) {
        if (op == K_TEXT_KEY && keys[i] == k) {
            w->hit = 1;
            string(w, 3, "k", 1);
        } else {
            head(w, 0, (uint64_t)keys[i]);
        }
        if (op == K_WRONG_TYPE && keys[i] == k) {
            w->hit = 1;
            wrong_value(w, x->alt);
        } else if (keys[i] >= n) {
            head(w, 0, 0);
        } else {
            f(w, ctx, keys[i]);
        }
    }
    if (indef)
        put1(w, 0xff);
}

typedef struct {
    const fwp_mtarget *t;
    int first; /* target 0: the one the string/hash/segment tweaks touch */
} tctx;

static void target_value(wr *w, const void *ctx, int key)
{
    const tctx *c = ctx;
    const fwp_mtarget *t = c->t;
    const mut *x = w->x;
    uint8_t hash[64] = {0};
    int indef, n;
    switch (key) {
    case FWPK_T_NAME:
        text(w, t->name, c->first ? S_NAME : S_OTHER);
        break;
    case FWPK_T_MCU:
        text(w, t->mcu, c->first ? S_MCU : S_OTHER);
        break;
    case FWPK_T_FLASH_BASE:
        head(w, 0, t->flash_base);
        break;
    case FWPK_T_FLASH_SIZE:
        head(w, 0, t->flash_size);
        break;
    case FWPK_T_ERASE_BLOCK:
        head(w, 0, t->erase_block);
        break;
    case FWPK_T_WRITE_UNIT:
        head(w, 0, t->write_unit);
        break;
    case FWPK_T_SEGMENTS:
        n = (int)t->seg_count + (c->first && x->extra_seg);
        indef = head(w, 4, (uint64_t)n);
        for (int i = 0; i < n; i++) {
            int arity = c->first && x->seg_arity ? x->seg_arity : 2;
            uint32_t addr = i < (int)t->seg_count ? t->seg_addr[i] : 0xfffffff0u;
            uint32_t len = i < (int)t->seg_count ? t->seg_len[i] : 1;
            int ind = head(w, 4, (uint64_t)arity);
            head(w, 0, addr);
            if (arity >= 2)
                head(w, 0, len);
            if (arity >= 3)
                head(w, 0, 0);
            if (ind)
                put1(w, 0xff);
        }
        if (indef)
            put1(w, 0xff);
        break;
    case FWPK_T_IMAGE_SIZE:
        head(w, 0, t->image_size);
        break;
    case FWPK_T_CODEC:
        head(w, 0, t->codec);
        break;
    case FWPK_T_WINDOW_BITS:
        head(w, 0, t->window_bits);
        break;
    case FWPK_T_FRAME_SIZE:
        head(w, 0, t->frame_size);
        break;
    case FWPK_T_FRAME_COUNT:
        head(w, 0, t->frame_count);
        break;
    case FWPK_T_PAYLOAD_SIZE:
        head(w, 0, t->payload_size);
        break;
    case FWPK_T_IMAGE_DIGEST:
        memcpy(hash, t->image_digest, FWPK_HASH_LEN);
        string(w, 2, hash, c->first && x->digest_len ? (size_t)x->digest_len
                                                     : FWPK_HASH_LEN);
        break;
    case FWPK_T_ANCHOR:
        memcpy(hash, t->anchor, FWPK_HASH_LEN);
        string(w, 2, hash, c->first && x->anchor_len ? (size_t)x->anchor_len
                                                     : FWPK_HASH_LEN);
        break;
    case FWPK_T_FILTER:
        head(w, 0, t->filter);
        break;
    default:
        head(w, 0, t->lzma_props);
        break;
    }
}

/* Key 16 goes with codec LZMA (SPEC.md 4.2). */
static int target_keys(const fwp_mtarget *t)
{
    return FWPK_TARGET_KEYS + (t->codec == FWPK_CODEC_LZMA);
}

static void container_value(wr *w, const void *ctx, int key)
{
    const fwp_manifest *m = ctx;
    int n, indef;
    fwp_mtarget extra;
    switch (key) {
    case FWPK_M_FORMAT:
        head(w, 0, m->format);
        break;
    case FWPK_M_PRODUCT:
        text(w, m->product, S_PRODUCT);
        break;
    case FWPK_M_VERSION:
        text(w, m->version, S_VERSION);
        break;
    case FWPK_M_SECURITY_COUNTER:
        head(w, 0, m->security_counter);
        break;
    case FWPK_M_BUILD_TIME:
        head(w, 0, m->build_time);
        break;
    default:
        n = (int)m->target_count + w->x->extra_target;
        indef = head(w, 4, (uint64_t)n);
        for (int i = 0; i < (int)m->target_count; i++) {
            tctx c = {&m->targets[i], i == 0};
            map(w, 1 + i, target_keys(c.t), target_value, &c);
        }
        if (w->x->extra_target) {
            extra = m->targets[0];
            strcpy(extra.name, "extra-target");
            tctx c = {&extra, 0};
            map(w, 1 + (int)m->target_count, target_keys(c.t), target_value,
                &c);
        }
        if (indef)
            put1(w, 0xff);
        break;
    }
}

static void encode(wr *w, const fwp_manifest *m, const mut *x)
{
    w->n = 0;
    w->heads = 0;
    w->hit = 0;
    w->x = x;
    map(w, 0, 6, container_value, m);
}

/* The manifest most rule tests start from: two targets, three segments. */
static void base_manifest(fwp_manifest *m)
{
    memset(m, 0, sizeof *m);
    m->format = 1;
    strcpy(m->product, "widget");
    strcpy(m->version, "1.2.3");
    m->security_counter = 5;
    m->build_time = 1700000000;
    m->target_count = 2;
    fwp_mtarget *t = &m->targets[0];
    strcpy(t->name, "app");
    strcpy(t->mcu, "stm32l432kc");
    t->flash_base = 0x08000000u;
    t->flash_size = 0x40000;
    t->erase_block = 2048;
    t->write_unit = 8;
    t->seg_count = 2;
    t->seg_addr[0] = 0x08000000u;
    t->seg_len[0] = 100;
    t->seg_addr[1] = 0x08000100u;
    t->seg_len[1] = 50;
    t->image_size = 150;
    t->codec = 1;
    t->window_bits = 12;
    t->frame_size = 4096;
    t->frame_count = 1;
    t->payload_size = 120;
    t->filter = 1;
    memset(t->image_digest, 0x11, FWPK_HASH_LEN);
    memset(t->anchor, 0x22, FWPK_HASH_LEN);
    t = &m->targets[1];
    strcpy(t->name, "radio");
    t->flash_base = 0x10000;
    t->flash_size = 0x10000;
    t->erase_block = 1024;
    t->write_unit = 4;
    t->seg_count = 1;
    t->seg_addr[0] = 0x10000;
    t->seg_len[0] = 300;
    t->image_size = 300;
    t->frame_size = 256;
    t->frame_count = 2;
    t->payload_size = 300;
    memset(t->image_digest, 0x33, FWPK_HASH_LEN);
    memset(t->anchor, 0x44, FWPK_HASH_LEN);
}

static void test_writer_matches_encoder(void **state)
{
    (void)state;
    static wr w;
    size_t n = 0;
    for (int it = 0; it < 300; it++) {
        fwp_manifest m;
        size_t len;
        uint8_t *cbor;
        if (it == 0) {
            fwp_err err;
            base_manifest(&m);
            assert_int_equal(fwp_manifest_encode(&m, &cbor, &len, &err), 0);
        } else {
            cbor = rand_encoded(&m, &len);
        }
        encode(&w, &m, &no_mut);
        assert_false(w.hit);
        assert_int_equal(w.n, len);
        assert_memory_equal(w.b, cbor, len);
        free(cbor);
        n++;
    }
    printf("test writer: byte-identical to fwp_manifest_encode on %zu "
           "manifests\n", n);
}

/* ---- 3. rejections ---------------------------------------------------------- */

static size_t rejected_cases;

/* Encodes m broken as x says; the device and the host must both refuse. */
static void must_reject(const fwp_manifest *m, const mut *x)
{
    static wr w;
    static fwpk_manifest d;
    fwp_manifest back;
    fwp_err err;
    encode(&w, m, x);
    if (!w.hit)
        return;
    memset(&d, 0x5a, sizeof d);
    fwpk_err e = parse_exact(&d, w.b, w.n, "app");
    if (e != FWPK_ERR_MANIFEST)
        fail_msg("accepted: head %d how %d / map %d keyop %d key %d alt %d",
                 x->head, x->how, x->map, x->keyop, x->key, x->alt);
    assert_true(all_zero(&d, sizeof d)); /* nothing half-filled */
    /* libcbor 0.8 allocates a map or array of the declared size before
     * reading it, and 2^32 entries is more than ASan lets it have: the
     * host's view is skipped for those. */
    if (x->how == H_BIG)
        return (void)rejected_cases++;
    if (fwp_manifest_decode(w.b, w.n, "m", &back, &err) == 0)
        fail_msg("host accepted: head %d how %d / map %d keyop %d key %d",
                 x->head, x->how, x->map, x->keyop, x->key);
    rejected_cases++;
}

static void every_head(const fwp_manifest *m, size_t counts[H_KINDS])
{
    static wr w;
    encode(&w, m, &no_mut);
    int heads = w.heads;
    for (int h = 0; h < heads; h++)
        for (int how = H_LONG; how < H_KINDS; how++)
            for (int alt = 0; alt < (how == H_SIMPLE ? 6 : 1); alt++) {
                mut x = no_mut;
                x.head = h;
                x.how = how;
                x.alt = alt;
                size_t before = rejected_cases;
                must_reject(m, &x);
                counts[how] += rejected_cases - before;
            }
}

static void test_reject_heads(void **state)
{
    (void)state;
    static const char *const what[H_KINDS] = {
        "", "longer form", "indefinite", "tag", "negative", "float/simple",
        "reserved ai 28..30", "argument >= 2^32"};
    size_t counts[H_KINDS] = {0};
    fwp_manifest m;
    base_manifest(&m);
    every_head(&m, counts);
    for (int it = 0; it < 12; it++) {
        size_t len;
        free(rand_encoded(&m, &len));
        every_head(&m, counts);
    }
    printf("bad heads rejected (13 manifests, every head):");
    for (int k = H_LONG; k < H_KINDS; k++)
        printf(" %s %zu%s", what[k], counts[k], k + 1 < H_KINDS ? "," : "\n");
}

static void every_key(const fwp_manifest *m, int id, int n,
                      const unsigned *types, size_t *count)
{
    for (int op = K_SWAP; op < K_KINDS; op++)
        for (int k = 0; k < n; k++) {
            if ((op == K_SWAP || op == K_DUP) && k + 1 >= n)
                continue;
            for (int alt = 0; alt < (op == K_WRONG_TYPE ? 5 : 1); alt++) {
                static const unsigned alt_type[5] = {0, 2, 3, 4, 5};
                if (op == K_WRONG_TYPE && alt_type[alt] == types[k])
                    continue;
                mut x = no_mut;
                x.map = id;
                x.keyop = op;
                x.key = k;
                x.alt = alt;
                size_t before = rejected_cases;
                must_reject(m, &x);
                assert_int_equal(rejected_cases, before + 1);
                (*count)++;
            }
        }
}

static void test_reject_keys(void **state)
{
    (void)state;
    fwp_manifest m;
    size_t count = 0;
    base_manifest(&m);
    every_key(&m, 0, 6, container_types, &count);
    for (int t = 0; t < 2; t++)
        every_key(&m, 1 + t, FWPK_TARGET_KEYS, target_types, &count);
    /* an LZMA target: seventeen keys */
    m.targets[0].codec = FWPK_CODEC_LZMA;
    m.targets[0].lzma_props = 45 + 9;
    every_key(&m, 1, FWPK_TARGET_KEYS + 1, target_types, &count);
    printf("bad keys/values rejected: %zu (swapped, repeated, missing, "
           "extra, unknown, miscounted, text keys, wrong types)\n", count);
}

static void test_reject_truncated_and_trailing(void **state)
{
    (void)state;
    static fwpk_manifest d;
    size_t prefixes = 0, trailing = 0;
    for (int it = 0; it < 40; it++) {
        fwp_manifest m;
        size_t len;
        uint8_t *cbor;
        if (it == 0) {
            fwp_err err;
            base_manifest(&m);
            assert_int_equal(fwp_manifest_encode(&m, &cbor, &len, &err), 0);
        } else {
            cbor = rand_encoded(&m, &len);
        }
        for (size_t n = 0; n < len; n++, prefixes++)
            assert_int_equal(parse_exact(&d, cbor, n, "app"),
                             FWPK_ERR_MANIFEST);
        static const uint8_t tails[] = {0x00, 0xff, 0xa0, 0x60, 0x18};
        uint8_t *more = malloc(len + 2);
        memcpy(more, cbor, len);
        for (size_t k = 0; k < sizeof tails; k++, trailing++) {
            more[len] = tails[k];
            more[len + 1] = tails[k];
            assert_int_equal(parse_exact(&d, more, len + 1, "app"),
                             FWPK_ERR_MANIFEST);
            assert_int_equal(parse_exact(&d, more, len + 2, "app"),
                             FWPK_ERR_MANIFEST);
        }
        assert_int_equal(parse_exact(&d, more, len, NULL), FWPK_OK);
        free(more);
        free(cbor);
    }
    /* more than FWPK_MANIFEST_MAX bytes, and NULL arguments */
    uint8_t *big = calloc(FWPK_MANIFEST_MAX + 1, 1);
    assert_int_equal(fwpk_manifest_parse(&d, big, FWPK_MANIFEST_MAX + 1, NULL),
                     FWPK_ERR_MANIFEST);
    assert_int_equal(fwpk_manifest_parse(NULL, big, 10, NULL), FWPK_ERR_ARG);
    assert_int_equal(fwpk_manifest_parse(&d, NULL, 10, NULL), FWPK_ERR_ARG);
    free(big);
    printf("truncations rejected: %zu prefixes; trailing bytes: %zu\n",
           prefixes, trailing * 2);
}

/* One rule case: m encoded with x must be accepted iff ok, by the device
 * and by the host (manifest_read.c), whose own rules must name the reason:
 * its last resort, asking the device's reader, must not be what refuses. */
static size_t rule_cases;

static void rule(const fwp_manifest *m, const mut *x, int ok, const char *what,
                 int line)
{
    static wr w;
    static fwpk_manifest d;
    fwp_manifest back;
    fwp_err err;
    encode(&w, m, x);
    fwpk_err e = parse_exact(&d, w.b, w.n, "app");
    if (e != (ok ? FWPK_OK : FWPK_ERR_MANIFEST))
        fail_msg("line %d: %s: expected %s, got %d", line, what,
                 ok ? "accept" : "reject", (int)e);
    if (!ok && fwp_manifest_decode(w.b, w.n, "m", &back, &err) == 0)
        fail_msg("line %d: %s: the device refuses, the host accepts", line,
                 what);
    if (!ok && strstr(err.msg, "device's reader"))
        fail_msg("line %d: %s: no host rule refuses it: %s", line, what,
                 err.msg);
    if (ok) {
        /* an accepted case must be valid for the host too, same values */
        uint32_t own = 0;
        if (fwp_manifest_decode(w.b, w.n, "m", &back, &err))
            fail_msg("line %d: %s: host refused: %s", line, what, err.msg);
        while (own < back.target_count &&
               strcmp(back.targets[own].name, "app") != 0)
            own++;
        compare(&d, &back, own, w.b);
    }
    rule_cases++;
}

/* RULE(ok, statements): the base manifest m edited by the statements
 * (which may also set the writer tweaks in x). */
#define RULE(ok, ...)                                                        \
    do {                                                                     \
        fwp_manifest m;                                                      \
        mut x = no_mut;                                                      \
        base_manifest(&m);                                                   \
        fwp_mtarget *t0 = &m.targets[0], *t1 = &m.targets[1];               \
        (void)t0;                                                            \
        (void)t1;                                                            \
        __VA_ARGS__;                                                         \
        rule(&m, &x, ok, #__VA_ARGS__, __LINE__);                            \
    } while (0)

static void fill(char *s, size_t n)
{
    memset(s, 'a' + (int)(n % 26), n);
    s[n] = 0;
}

/* A target whose one segment of 'len' bytes starts at 0 in a flash of
 * 'size' bytes at 0 (for the image size limits). */
static void one_big_segment(fwp_mtarget *t, uint32_t size, uint32_t len)
{
    t->flash_base = 0;
    t->flash_size = size;
    t->seg_count = 1;
    t->seg_addr[0] = 0;
    t->seg_len[0] = len;
    t->image_size = len;
    t->codec = 1;
    t->window_bits = 15;
    t->frame_count = 1;
    t->payload_size = 1;
}

static void test_rules_container(void **state)
{
    (void)state;
    RULE(1, (void)0);
    RULE(0, m.format = 0);
    RULE(0, m.format = 2);
    RULE(0, m.product[0] = 0);
    RULE(1, m.product[0] = 'p'; m.product[1] = 0);
    RULE(1, fill(m.product, 63));
    RULE(0, fill(m.product, 63); x.grow_str = S_PRODUCT);
    RULE(0, x.nul_in = S_PRODUCT);
    RULE(0, m.version[0] = 0);
    RULE(1, fill(m.version, 63));
    RULE(0, fill(m.version, 63); x.grow_str = S_VERSION);
    RULE(0, x.nul_in = S_VERSION);
    RULE(1, m.security_counter = 0xffffffffu; m.build_time = 0xffffffffu);
    RULE(1, m.security_counter = 0; m.build_time = 0);
    RULE(0, m.target_count = 0);
    RULE(1, m.target_count = 1);
    RULE(1, for (int i = 2; i < 8; i++) {
        m.targets[i] = m.targets[1];
        snprintf(m.targets[i].name, sizeof m.targets[i].name, "t%d", i);
    } m.target_count = 8);
    RULE(0, for (int i = 2; i < 8; i++) {
        m.targets[i] = m.targets[1];
        snprintf(m.targets[i].name, sizeof m.targets[i].name, "t%d", i);
    } m.target_count = 8; x.extra_target = 1);
}

static void test_rules_names(void **state)
{
    (void)state;
    RULE(0, t0->name[0] = 0);
    RULE(1, strcpy(t0->name, "a"));
    RULE(1, fill(t0->name, 31));
    RULE(0, fill(t0->name, 31); x.grow_str = S_NAME);
    RULE(0, strcpy(t1->name, "app"));
    RULE(1, strcpy(t1->name, "ap"));   /* a prefix is another name */
    RULE(1, strcpy(t1->name, "appx")); /* and so is a longer one */
    RULE(0, x.nul_in = S_NAME);
    RULE(1, t0->mcu[0] = 0);
    RULE(1, fill(t0->mcu, 31));
    RULE(0, fill(t0->mcu, 31); x.grow_str = S_MCU);
    RULE(0, x.nul_in = S_MCU);
}

static void test_rules_utf8(void **state)
{
    (void)state;
    RULE(1, strcpy(t0->name, "caf\xc3\xa9"));
    RULE(1, strcpy(t0->name, "\xc2\x80\xdf\xbf\xe0\xa0\x80\xed\x9f\xbf"));
    RULE(1, strcpy(t0->name, "\xee\x80\x80\xef\xbf\xbf\xf0\x90\x80\x80"));
    RULE(1, strcpy(t0->mcu, "\xf4\x8f\xbf\xbf\xf0\x9f\x98\x80"));
    RULE(1, strcpy(m.product, "\x01\x7f control bytes are text"));
    RULE(0, strcpy(t0->name, "\xc1\x81"));         /* overlong 2 bytes */
    RULE(0, strcpy(t0->name, "\xc0\x80"));         /* overlong NUL */
    RULE(0, strcpy(t0->name, "\xe0\x9f\xbf"));     /* overlong 3 bytes */
    RULE(0, strcpy(t0->name, "\xf0\x8f\xbf\xbf")); /* overlong 4 bytes */
    RULE(0, strcpy(t0->name, "\xed\xa0\x80"));     /* surrogate D800 */
    RULE(0, strcpy(t0->name, "\xed\xbf\xbf"));     /* surrogate DFFF */
    RULE(0, strcpy(t0->name, "\xf4\x90\x80\x80")); /* above U+10FFFF */
    RULE(0, strcpy(t0->name, "\xf5\x80\x80\x80"));
    RULE(0, strcpy(t0->name, "\xf8\x88\x80\x80\x80"));
    RULE(0, strcpy(t0->name, "\xff"));
    RULE(0, strcpy(t0->name, "\x80"));             /* lone continuation */
    RULE(0, strcpy(t0->name, "a\xc3"));            /* cut at the end */
    RULE(0, strcpy(t0->name, "a\xe2\x82"));
    RULE(0, strcpy(t0->name, "\xe2\x82" "a"));    /* cut in the middle */
    RULE(0, strcpy(t0->mcu, "\xc3\x28"));
    RULE(0, strcpy(m.product, "\xa9"));
    RULE(0, strcpy(m.version, "1.0\xfe"));
}

/* Every string of 1 and 2 bytes, and 3 and 4-byte strings whose bytes
 * are drawn from the boundaries of the UTF-8 ranges, as the product: the
 * device must accept exactly what libcbor accepts. */
static void test_utf8_vs_libcbor(void **state)
{
    (void)state;
    static const uint8_t edge[] = {0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90,
                                   0x9f, 0xa0, 0xbf, 0xc0, 0xff};
    static wr w;
    static fwpk_manifest d;
    fwp_manifest m, back;
    fwp_err err;
    size_t cases = 0, valid = 0;
    base_manifest(&m);
    for (uint32_t len = 1; len <= 4; len++) {
        uint32_t total = len == 1 ? 256 : len == 2 ? 65536
                       : len == 3 ? 64 * 11 * 11 : 64 * 11 * 11 * 11;
        for (uint32_t v = 0; v < total; v++) {
            uint8_t b[4];
            if (len <= 2) {
                b[0] = (uint8_t)(len == 1 ? v : v >> 8);
                b[1] = (uint8_t)v;
            } else {
                uint32_t r = v;
                b[0] = (uint8_t)(0xc0 + r % 64);
                r /= 64;
                for (uint32_t k = 1; k < len; k++, r /= 11)
                    b[k] = edge[r % 11];
            }
            mut x = no_mut;
            x.raw_in = S_PRODUCT;
            x.raw = b;
            x.raw_len = len;
            encode(&w, &m, &x);
            int dev = parse_exact(&d, w.b, w.n, "app") == FWPK_OK;
            int host = fwp_manifest_decode(w.b, w.n, "m", &back, &err) == 0;
            if (dev != host)
                fail_msg("%02x %02x %02x %02x (%u bytes): device %d, host %d",
                         b[0], b[1], b[2], b[3], len, dev, host);
            cases++;
            valid += (size_t)dev;
        }
    }
    printf("UTF-8 vs libcbor: %zu byte strings, %zu valid, all agreed\n",
           cases, valid);
}

static void test_rules_geometry(void **state)
{
    (void)state;
    /* base + size */
    RULE(1, t1->flash_base = 0xffff0000u; t1->seg_addr[0] = 0xfffffed4u);
    RULE(0, t1->flash_base = 0xffff0000u; t1->seg_addr[0] = 0xfffffed4u;
         t1->flash_size = 0x10400);
    RULE(0, t1->flash_base = 0xffffffffu; t1->flash_size = 0xffffffffu);
    RULE(0, t1->flash_size = 0);
    /* whole erase blocks (radio: 1 KiB blocks, 64 KiB at 64 KiB) */
    RULE(1, t1->flash_base = 0xfc00u; t1->flash_size = 0x10400);
    RULE(1, t1->erase_block = 0x10000);
    RULE(0, t1->erase_block = 0x20000); /* base half way into a block */
    RULE(0, t1->flash_size = 0x10200);
    RULE(0, t1->flash_base = 0xfe00u; t1->flash_size = 0x10200);
    RULE(0, t1->flash_base = 0xfe00u; t1->flash_size = 0x10400);
    /* write unit */
    RULE(0, t0->write_unit = 0);
    RULE(0, t0->write_unit = 3);
    RULE(0, t0->write_unit = 12);
    RULE(0, t0->write_unit = 512; t0->erase_block = 2048);
    RULE(1, t0->write_unit = 256);
    RULE(1, t0->write_unit = 1);
    /* erase block */
    RULE(0, t0->erase_block = 0);
    RULE(0, t0->erase_block = 3000);
    RULE(0, t0->erase_block = 4);
    RULE(1, t0->erase_block = 8);
    RULE(1, t0->erase_block = 0x40000);
    RULE(0, t0->erase_block = 0x80000);
    RULE(0, t0->erase_block = 0x80000000u);
}

static void test_rules_segments(void **state)
{
    (void)state;
    /* count and shape */
    RULE(0, t0->seg_count = 0);
    RULE(0, x.extra_seg = 1);
    RULE(0, x.seg_arity = 1);
    RULE(0, x.seg_arity = 3);
    RULE(1, t0->seg_count = 32; t0->image_size = 0;
         for (int i = 0; i < 32; i++) {
             t0->seg_addr[i] = 0x08000000u + (uint32_t)i * 0x100u;
             t0->seg_len[i] = 9 + (uint32_t)i;
             t0->image_size += t0->seg_len[i];
         } t0->payload_size = t0->image_size);
    /* length, order, write units */
    RULE(0, t0->seg_len[1] = 0; t0->image_size = 100);
    RULE(0, t0->seg_addr[0] = 0x08000100u; t0->seg_addr[1] = 0x08000000u);
    RULE(0, t0->seg_addr[1] = 0x08000050u);  /* overlap */
    RULE(0, t0->seg_addr[1] = 0x08000064u);  /* adjacent, shares a unit */
    RULE(0, t0->seg_addr[1] = 0x08000067u);  /* shares a write unit */
    RULE(1, t0->seg_addr[1] = 0x08000068u);  /* next write unit */
    RULE(1, t0->seg_addr[1] = 0x0800006cu);  /* inside the next unit */
    RULE(1, t0->seg_len[0] = 0x68; t0->seg_addr[1] = 0x08000068u;
         t0->image_size = 0x68 + 50);        /* touching at a unit edge */
    RULE(0, t0->write_unit = 256; t0->seg_addr[1] = 0x080000f0u);
    RULE(1, t0->write_unit = 256; t0->seg_addr[1] = 0x08000200u);
    /* inside flash */
    RULE(0, t0->seg_addr[0] = 0x07ffffffu);
    RULE(0, t0->seg_addr[1] = 0x08040000u - 49);
    RULE(1, t0->seg_addr[1] = 0x08040000u - 50);
    RULE(0, t0->seg_addr[1] = 0x08040000u);
    RULE(0, t0->seg_addr[1] = 0xfffffff0u);
    RULE(0, t0->seg_len[1] = 0xffffffffu);
    /* image size */
    RULE(0, t0->image_size = 151);
    RULE(0, t0->image_size = 149);
    RULE(0, t0->image_size = 0);
    RULE(1, one_big_segment(t0, 0x80000000u, 0x7fffffffu));
    RULE(0, one_big_segment(t0, 0x80000000u, 0x80000000u));
    RULE(0, one_big_segment(t0, 0xffffffffu, 0xffffffffu));
}

static void test_rules_frames(void **state)
{
    (void)state;
    /* codec and window */
    RULE(0, t0->codec = 3);
    RULE(0, t0->codec = 0xffffffffu);
    /* LZMA: a dictionary of 2^12..2^30, its properties in key 16 */
    RULE(1, t0->codec = 2; t0->lzma_props = 54);
    RULE(1, t0->codec = 2; t0->window_bits = 30);
    RULE(0, t0->codec = 2; t0->window_bits = 11);
    RULE(0, t0->codec = 2; t0->window_bits = 31);
    RULE(1, t0->codec = 2; t0->lzma_props = 0);
    RULE(1, t0->codec = 2; t0->lzma_props = 4 * 45 + 4);      /* lc 4 */
    RULE(1, t0->codec = 2; t0->lzma_props = (4 * 5 + 4) * 9); /* lp 4 */
    RULE(1, t0->codec = 2; t0->lzma_props = 2 * 9 + 2);       /* 2 + 2 */
    RULE(0, t0->codec = 2; t0->lzma_props = 2 * 9 + 3);       /* 3 + 2 */
    RULE(0, t0->codec = 2; t0->lzma_props = 5);               /* lc 5 */
    RULE(0, t0->codec = 2; t0->lzma_props = 4 * 45 + 9 + 4);  /* 4 + 1 */
    RULE(0, t0->codec = 2; t0->lzma_props = FWPK_LZMA_PROPS_MAX);
    RULE(0, t0->codec = 2; t0->lzma_props = FWPK_LZMA_PROPS_MAX + 1);
    RULE(0, t0->codec = 2; t0->lzma_props = 256);
    /* key 16 exactly with codec 2 */
    RULE(0, t0->codec = 2; x.map = 1; x.keyop = K_DROP; x.key = 16);
    RULE(0, x.map = 1; x.keyop = K_EXTRA);
    RULE(0, x.map = 2; x.keyop = K_EXTRA);
    RULE(0, t0->window_bits = 8);
    RULE(1, t0->window_bits = 9);
    RULE(1, t0->window_bits = 15);
    RULE(0, t0->window_bits = 16);
    RULE(0, t0->window_bits = 0);
    RULE(0, t1->window_bits = 9);
    RULE(0, t1->window_bits = 15);
    /* frame size */
    RULE(0, t0->frame_size = 255);
    RULE(1, t0->frame_size = 256);
    RULE(1, t0->frame_size = 8192);
    RULE(0, t0->frame_size = 8193);
    RULE(0, t0->frame_size = 0);
    /* frame count */
    RULE(0, t0->frame_count = 0);
    RULE(1, t0->frame_count = 1u << 20; t0->payload_size = 1u << 20);
    RULE(0, t0->frame_count = (1u << 20) + 1; t0->payload_size = 1u << 21);
    /* payload size */
    RULE(0, t0->frame_count = 2; t0->payload_size = 1);
    RULE(1, t0->frame_count = 2; t0->payload_size = 2);
    RULE(1, t0->frame_count = 2; t0->payload_size = 8192);
    RULE(0, t0->frame_count = 2; t0->payload_size = 8193);
    /* frame count * frame size needs 64 bits: 2^33, and 2^32 + 8192 */
    RULE(1, t0->frame_size = 8192; t0->frame_count = 1u << 20;
         t0->payload_size = 0xffffffffu);
    RULE(1, t0->frame_size = 8192; t0->frame_count = (1u << 19) + 1;
         t0->payload_size = 0x100000);
    /* codec 0: the payload is the image */
    RULE(0, t1->payload_size = 299);
    RULE(0, t1->payload_size = 301);
    RULE(0, t1->frame_count = 1); /* 300 bytes in one 256-byte frame */
    /* hashes and filter */
    RULE(0, x.digest_len = 31);
    RULE(0, x.digest_len = 33);
    RULE(0, x.anchor_len = 31);
    RULE(0, x.anchor_len = 33);
    RULE(1, t0->filter = 0);
    RULE(1, t0->filter = FWPK_FILTER_RV32);
    RULE(0, t0->filter = FWPK_FILTER_MAX + 1);
    RULE(0, t0->filter = 0xffffffffu);
    printf("rule cases: %zu; head/key rejections so far: %zu\n", rule_cases,
           rejected_cases);
}

/* ---- 4. random mutations ------------------------------------------------------ */

static void mutate(uint8_t *b, size_t *len, size_t cap)
{
    static const uint8_t interesting[] = {0x00, 0x17, 0x18, 0x19, 0x1a, 0x1b,
                                          0x1c, 0x1f, 0x20, 0x3f, 0x40, 0x5f,
                                          0x60, 0x7f, 0x80, 0x9f, 0xa0, 0xbf,
                                          0xc0, 0xf4, 0xf6, 0xf9, 0xff};
    size_t n = *len, at = n ? rnd() % n : 0;
    switch (rnd() % 7) {
    case 0: /* bit flip */
        if (n)
            b[at] ^= (uint8_t)(1u << (rnd() % 8));
        break;
    case 1:
        if (n)
            b[at] = (uint8_t)rnd();
        break;
    case 2:
        if (n)
            b[at] = interesting[rnd() % sizeof interesting];
        break;
    case 3: /* small +- on a byte (lengths, values) */
        if (n)
            b[at] = (uint8_t)(b[at] + (rnd() & 1 ? 1 : -1));
        break;
    case 4: /* truncate */
        *len = rnd() % (n + 1);
        break;
    case 5: /* insert */
        if (n < cap) {
            memmove(b + at + 1, b + at, n - at);
            b[at] = (uint8_t)rnd();
            *len = n + 1;
        }
        break;
    default: /* delete */
        if (n) {
            memmove(b + at, b + at + 1, n - at - 1);
            *len = n - 1;
        }
        break;
    }
}

static void test_random_mutations(void **state)
{
    (void)state;
    enum { CORPUS = 32, ROUNDS = 20000 };
    static fwp_manifest hm[CORPUS];
    static uint8_t *cbor[CORPUS];
    static size_t clen[CORPUS];
    static fwpk_manifest d;
    static uint8_t buf[FWPK_MANIFEST_MAX + 64];
    size_t accepted = 0, rejected = 0, unchanged = 0;
    rng_state = 0x1234567u; /* deterministic, whatever ran before */
    for (int i = 0; i < CORPUS; i++)
        cbor[i] = rand_encoded(&hm[i], &clen[i]);
    for (int r = 0; r < ROUNDS; r++) {
        int c = (int)(rnd() % CORPUS);
        size_t len = clen[c];
        memcpy(buf, cbor[c], len);
        for (int k = (int)rnd_in(1, 3); k > 0; k--)
            mutate(buf, &len, sizeof buf);
        if (len == clen[c] && memcmp(buf, cbor[c], len) == 0) {
            unchanged++;
            continue;
        }
        const char *name = hm[c].targets[rnd() % hm[c].target_count].name;
        fwpk_err e = parse_exact(&d, buf, len, name);
        if (e != FWPK_OK) {
            assert_int_equal(e, FWPK_ERR_MANIFEST);
            rejected++;
            continue;
        }
        /* we accepted: libcbor's strict reader must agree, same values */
        fwp_manifest back;
        fwp_err err;
        if (fwp_manifest_decode(buf, len, "mut", &back, &err))
            fail_msg("device accepted what the host refuses: %s", err.msg);
        uint32_t own = back.target_count;
        for (uint32_t i = 0; i < back.target_count; i++)
            if (strcmp(back.targets[i].name, name) == 0)
                own = i;
        compare(&d, &back, own, buf);
        accepted++;
    }
    for (int i = 0; i < CORPUS; i++)
        free(cbor[i]);
    printf("random mutations: %d rounds over %d manifests: %zu rejected, "
           "%zu accepted (host agreed on every one), %zu no-ops\n",
           ROUNDS, CORPUS, rejected, accepted, unchanged);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_differential),
        cmocka_unit_test(test_containers),
        cmocka_unit_test(test_writer_matches_encoder),
        cmocka_unit_test(test_reject_heads),
        cmocka_unit_test(test_reject_keys),
        cmocka_unit_test(test_reject_truncated_and_trailing),
        cmocka_unit_test(test_rules_container),
        cmocka_unit_test(test_rules_names),
        cmocka_unit_test(test_rules_utf8),
        cmocka_unit_test(test_utf8_vs_libcbor),
        cmocka_unit_test(test_rules_geometry),
        cmocka_unit_test(test_rules_segments),
        cmocka_unit_test(test_rules_frames),
        cmocka_unit_test(test_random_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
