/*
 * test_lzma.c - the verifier's LZMA decoder (verifier/src/lzmadec.c)
 * against liblzma.
 *
 * Round trips: liblzma's raw LZMA1 encoder without an end marker
 * (LZMA_FILTER_LZMA1EXT, as the packer runs it) compresses random,
 * firmware-like (pu_firmware), text-like and constant data; our decoder
 * must give back the input, byte for byte, with every lc/lp/pb the format
 * allows (lc + lp above this build's FWPK_LZMA_LCLP_MAX: FWPK_ERR_LIMIT
 * instead), dictionaries of 4 KiB to 1 MiB (with matches reaching back
 * about 1 MiB), input in pieces of every size 1..64 and 4096 and of random
 * sizes, the window drained by random amounts, through a tiny ring whose
 * older history comes from the drained bytes ('flash', the far reader,
 * which must never be asked for a byte not yet drained) and through a RAM
 * ring that holds the whole dictionary; then a thousand random images,
 * each with its own properties, dictionary, preset, piece size and ring
 * (real linked programs with every filter: test_pack).
 *
 * Refusals (never a crash, under ASan): every truncation (not done, no
 * error: more input may come), random corruptions judged against
 * liblzma's own verdict, a nonzero first byte, trailing bytes, an end
 * marker, a wrong output size, a dictionary smaller than the stream's
 * distances, properties out of range, a failing far read; errors stick.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lzma.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lzma_ref.h"
#include "lzmadec.h"
#include "pack_util.h"

static uint32_t rng_state = 0x2545f491u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static uint8_t props_of(unsigned lc, unsigned lp, unsigned pb)
{
    return (uint8_t)((pb * 5 + lp) * 9 + lc);
}

/* ---- liblzma, the reference ---------------------------------------------- */

/* Raw LZMA1, end marker only if asked; preset 9e unless 'preset' says. */
static uint8_t *encode(const uint8_t *in, size_t n, uint8_t props,
                       uint32_t dict, uint32_t preset, int eopm,
                       size_t *out_n)
{
    lzma_options_lzma o;
    lzma_stream s = LZMA_STREAM_INIT;
    assert_false(lzma_lzma_preset(&o, preset));
    o.lc = props % 9;
    o.lp = props / 9 % 5;
    o.pb = props / 45;
    o.dict_size = dict;
    o.ext_flags = eopm ? LZMA_LZMA1EXT_ALLOW_EOPM : 0;
    lzma_filter f[2] = {{LZMA_FILTER_LZMA1EXT, &o},
                        {LZMA_VLI_UNKNOWN, NULL}};
    assert_int_equal(lzma_raw_encoder(&s, f), LZMA_OK);
    size_t cap = n + n / 2 + 1024;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    s.next_in = in;
    s.avail_in = n;
    s.next_out = out;
    s.avail_out = cap;
    assert_int_equal(lzma_code(&s, LZMA_FINISH), LZMA_STREAM_END);
    *out_n = (size_t)s.total_out;
    lzma_end(&s);
    return out;
}

/* liblzma's verdict (lzma_ref.h); it must be able to start. */
static int ref_decode(const uint8_t *in, size_t in_n, uint8_t props,
                      uint32_t dict, uint8_t *out, size_t n)
{
    int ok = lzma_ref_decode(in, in_n, props, dict, out, n);
    assert_true(ok >= 0);
    return ok;
}

/* ---- our decoder, fed and drained like a device ------------------------- */

typedef struct {
    uint32_t ring_bits;
    int far;          /* history older than the ring from 'flash' */
    uint32_t reserve; /* drained bytes that stay readable in the ring */
    uint32_t piece;   /* input piece size; 0: random 1..64 */
    int drain_all;    /* drain everything each time (else random amounts) */
    int fail_far;     /* the far reader fails */
} feed;

typedef struct {
    uint8_t *flash;   /* drained bytes */
    uint32_t drained, cap, reserve;
    int fail;
    uint32_t far_reads;
} sink;

static fwpk_err far_read(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    sink *k = arg;
    /* only bytes handed on, and not the ones held back in the ring */
    assert_true((uint64_t)off + len <= k->drained - k->reserve);
    k->far_reads++;
    if (k->fail)
        return FWPK_ERR_FLASH;
    memcpy(buf, k->flash + off, len);
    return FWPK_OK;
}

static void drain(fwpk_window *w, sink *k, int all)
{
    const uint8_t *p;
    uint32_t n;
    while ((n = fwpk_window_pending(w, &p)) > 0) {
        if (!all && fwpk_window_room(w) > 0 && rnd() % 3 == 0)
            return; /* leave some for later */
        if (!all && n > 1 && rnd() % 2)
            n = 1 + rnd() % n;
        assert_true(k->drained + n <= k->cap);
        memcpy(k->flash + k->drained, p, n);
        k->drained += n;
        fwpk_window_drain(w, n);
    }
}

typedef struct {
    fwpk_err err;
    int done;
    uint32_t out_len;
    uint32_t far_reads;
    uint8_t *out; /* malloc'd, out_len bytes */
} result;

static result run(const uint8_t *in, size_t in_n, uint8_t props,
                  uint32_t dict, uint32_t out_size, const feed *f)
{
    fwpk_lzma *s = malloc(sizeof *s);
    uint8_t *ring = malloc((size_t)1 << f->ring_bits);
    sink k = {0};
    fwpk_window w;
    result r = {0};
    assert_non_null(s);
    assert_non_null(ring);
    k.cap = out_size + 1;
    k.flash = malloc(k.cap);
    assert_non_null(k.flash);
    k.reserve = f->reserve;
    k.fail = f->fail_far;
    fwpk_window_init(&w, ring, (uint32_t)1 << f->ring_bits, dict, f->reserve,
                     f->far ? far_read : NULL, &k);
    r.err = fwpk_lzma_init(s, props, dict, out_size);
    size_t at = 0;
    while (r.err == FWPK_OK && at < in_n) {
        uint32_t n = f->piece ? f->piece : 1 + rnd() % 64, used;
        if (n > in_n - at)
            n = (uint32_t)(in_n - at);
        while (r.err == FWPK_OK && n > 0) {
            uint32_t before = w.total;
            r.err = fwpk_lzma_push(s, &w, in + at, n, &used);
            assert_true(used <= n);
            /* it stops early only for a full window (or an error) */
            if (r.err == FWPK_OK && used < n)
                assert_int_equal(fwpk_window_room(&w), 0);
            at += used;
            n -= used;
            drain(&w, &k, f->drain_all);
            if (used == 0 && w.total == before && r.err == FWPK_OK)
                drain(&w, &k, 1);
        }
    }
    /* input used up: let a match cut by a full window finish */
    for (int guard = 0; r.err == FWPK_OK && guard < 1 << 20; guard++) {
        uint32_t before = w.total, used;
        drain(&w, &k, 1);
        r.err = fwpk_lzma_push(s, &w, NULL, 0, &used);
        if (w.total == before)
            break;
    }
    drain(&w, &k, 1);
    r.done = fwpk_lzma_done(s);
    r.out_len = k.drained;
    r.out = k.flash;
    r.far_reads = k.far_reads;
    free(ring);
    free(s);
    return r;
}

static const feed full_ram = {16, 0, 0, 0, 0, 0}; /* 64 KiB ring, no far */
static const feed tiny_far = {6, 1, 5, 0, 0, 0};  /* 64 bytes + flash */

static void expect_image(const uint8_t *stream, size_t n, uint8_t props,
                         uint32_t dict, const uint8_t *img, uint32_t len,
                         const feed *f)
{
    result r = run(stream, n, props, dict, len, f);
    if (r.err != FWPK_OK || !r.done || r.out_len != len ||
        memcmp(r.out, img, len) != 0)
        fail_msg("props %u dict %u ring 2^%u far %d piece %u: err %d done "
                 "%d, %u of %u bytes", props, dict, f->ring_bits, f->far,
                 f->piece, r.err, r.done, r.out_len, len);
    free(r.out);
}

/* ---- test data ------------------------------------------------------------ */

enum { D_FIRMWARE, D_RANDOM, D_TEXT, D_ZERO, D_MIXED, D_KINDS };

static uint8_t *make_data(int kind, size_t n, uint32_t seed)
{
    static const char *words[] = {"flash ", "erase ", "block ", "frame ",
                                  "hash ", "chain ", "the ", "of "};
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    rng_state = seed | 1;
    for (size_t i = 0; i < n;) {
        switch (kind) {
        case D_FIRMWARE:
            pu_firmware(p, n, seed);
            return p;
        case D_RANDOM:
            p[i++] = (uint8_t)rnd();
            break;
        case D_TEXT: {
            const char *wd = words[rnd() % 8];
            for (; *wd && i < n; wd++)
                p[i++] = (uint8_t)*wd;
            break;
        }
        case D_ZERO:
            p[i++] = 0;
            break;
        default: /* firmware with random stretches and repeats */
            if (i > 4096 && rnd() % 4 == 0) {
                size_t len = 16 + rnd() % 600, from = rnd() % (i - len);
                for (; len-- > 0 && i < n; i++)
                    p[i] = p[from++];
            } else {
                size_t len = 1 + rnd() % 200;
                pu_firmware(p + i, len < n - i ? len : n - i, rnd());
                i += len < n - i ? len : n - i;
            }
            break;
        }
    }
    return p;
}

/* ---- round trips ----------------------------------------------------------- */

/* Every lc/lp/pb in range, on firmware-like bytes with random stretches;
 * above the build's limit, refused. */
static void test_every_property(void **state)
{
    (void)state;
    uint32_t len = 12000;
    uint8_t *img = make_data(D_MIXED, len, 7);
    for (unsigned lc = 0; lc <= 4; lc++)
        for (unsigned lp = 0; lc + lp <= 4; lp++)
            for (unsigned pb = 0; pb <= 4; pb++) {
                uint8_t props = props_of(lc, lp, pb);
                fwpk_lzma s;
                if (lc + lp > FWPK_LZMA_LCLP_MAX) {
                    assert_int_equal(fwpk_lzma_init(&s, props, 4096, len),
                                     FWPK_ERR_LIMIT);
                    continue;
                }
                size_t n;
                uint8_t *z = encode(img, len, props, 1u << 16, 6, 0, &n);
                uint8_t *ref = malloc(len);
                assert_true(ref_decode(z, n, props, 1u << 16, ref, len));
                assert_memory_equal(ref, img, len);
                expect_image(z, n, props, 1u << 16, img, len, &full_ram);
                expect_image(z, n, props, 1u << 16, img, len, &tiny_far);
                free(ref);
                free(z);
            }
    free(img);
}

/* The kinds of data, short and long, at the packer's defaults (9e). */
static void test_kinds_of_data(void **state)
{
    (void)state;
    static const uint32_t sizes[] = {1, 2, 5, 100, 4097, 70000};
    uint8_t props = props_of(0, 1, 1);
    for (int kind = 0; kind < D_KINDS; kind++)
        for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
            uint32_t len = sizes[i];
            uint8_t *img = make_data(kind, len, 100 + (uint32_t)i);
            size_t n;
            uint8_t *z = encode(img, len, props, 1u << 17,
                                9 | LZMA_PRESET_EXTREME, 0, &n);
            expect_image(z, n, props, 1u << 17, img, len, &full_ram);
            expect_image(z, n, props, 1u << 17, img, len, &tiny_far);
            free(z);
            free(img);
        }
}

/* Random bytes, then from 'reach' on mostly 1 KiB blocks sent again
 * 'reach' bytes later (give or take 64), so that the distances span the
 * dictionary. */
static uint8_t *far_repeats(uint32_t len, uint32_t reach)
{
    uint8_t *p = malloc(len);
    assert_non_null(p);
    rng_state = 99;
    for (uint32_t i = 0; i < len; i++)
        p[i] = (uint8_t)rnd();
    for (uint32_t i = reach; i + 1024 <= len; i += 1280)
        memcpy(p + i, p + i - reach + (rnd() % 64), 1024);
    return p;
}

static void test_dictionary_sizes(void **state)
{
    (void)state;
    for (uint32_t bits = 12; bits <= 20; bits += 2) {
        uint32_t dict = 1u << bits, reach = dict - dict / 16;
        uint32_t len = dict + dict / 4 + 3000;
        uint8_t *img = far_repeats(len, reach);
        uint8_t props = props_of(0, 1, 1);
        size_t n;
        uint8_t *z = encode(img, len, props, dict, 2, 0, &n);
        assert_true(n < len - len / 8); /* the repeats were found */
        feed ram = {bits, 0, 0, 0, 0, 0};
        feed far = {7, 1, 3, 0, 0, 0};
        expect_image(z, n, props, dict, img, len, &ram);
        expect_image(z, n, props, dict, img, len, &far);
        result r = run(z, n, props, dict, len, &far);
        assert_true(r.far_reads > 0);
        free(r.out);
        /* half the dictionary: some distance is beyond it (liblzma's
         * dictionary is at least 4 KiB) */
        uint8_t *ref = malloc(len);
        if (dict / 2 >= 4096)
            assert_false(ref_decode(z, n, props, dict / 2, ref, len));
        r = run(z, n, props, dict / 2, len, &far);
        assert_int_equal(r.err, FWPK_ERR_INFLATE);
        free(r.out);
        free(ref);
        free(z);
        free(img);
    }
}

/* Issue 17's differential in bulk: thousands of images of every kind and
 * many sizes, each with random properties (within the build's limit), a
 * dictionary of 4 KiB to 1 MiB, a preset, a piece size (1..64, 4096 or
 * random) and a ring (a RAM ring holding the dictionary, or 16 bytes to
 * 64 KiB with older history from flash): our bytes are liblzma's decode of
 * the same stream and the image, byte for byte.  LZMA_DIFF_RUNS sets the
 * count (default 1000; each costs a liblzma encoder, ~10 ms under ASan). */
static void test_thousands_of_images(void **state)
{
    (void)state;
    const char *env = getenv("LZMA_DIFF_RUNS");
    unsigned runs = env && *env ? (unsigned)strtoul(env, NULL, 0) : 1000;
    unsigned long in_bytes = 0, out_bytes = 0;
    for (unsigned trial = 0; trial < runs; trial++) {
        rng_state = 0x9e3779b9u ^ (trial * 2654435761u);
        uint32_t pick = rnd();
        int kind = (int)(pick % D_KINDS);
        uint32_t len = 1 + rnd() % (trial % 100 == 0 ? 100000 : 4000);
        uint32_t lc = rnd() % 5, lp = rnd() % 5, pb = rnd() % 5;
        while (lc + lp > FWPK_LZMA_LCLP_MAX)
            lc > 0 ? lc-- : lp--;
        uint32_t bits = 12 + rnd() % 9, dict = 1u << bits;
        uint32_t preset = rnd() % 10 | (rnd() % 4 == 0 ? LZMA_PRESET_EXTREME
                                                       : 0);
        uint32_t p = rnd() % 67;
        feed f = {4 + rnd() % 13, 1, 0, p == 0 ? 0 : p <= 64 ? p : 4096,
                  (int)(rnd() % 2), 0};
        if (f.ring_bits >= bits && rnd() % 2)
            f.far = 0; /* the whole dictionary in RAM */
        else if (f.ring_bits > 4)
            f.reserve = rnd() % 8;
        uint8_t props = props_of(lc, lp, pb);
        uint8_t *img = make_data(kind, len, rnd());
        /* the encoder's dictionary need not pass the image (a stream for
         * a smaller one is one for the larger); liblzma sizes its match
         * finder by it, which made the run slow */
        uint32_t edict = 4096;
        while (edict < dict && edict < len)
            edict <<= 1;
        size_t n;
        uint8_t *z = encode(img, len, props, edict, preset, 0, &n);
        uint8_t *ref = malloc(len);
        assert_true(ref_decode(z, n, props, dict, ref, len));
        assert_memory_equal(ref, img, len);
        result r = run(z, n, props, dict, len, &f);
        if (r.err != FWPK_OK || !r.done || r.out_len != len ||
            memcmp(r.out, ref, len) != 0)
            fail_msg("trial %u: kind %d, %u bytes, lc %u lp %u pb %u, "
                     "dictionary 2^%u, preset %#x, ring 2^%u far %d, piece "
                     "%u: err %d done %d, %u bytes", trial, kind, len, lc,
                     lp, pb, bits, preset, f.ring_bits, f.far, f.piece,
                     r.err, r.done, r.out_len);
        in_bytes += n;
        out_bytes += len;
        free(r.out);
        free(ref);
        free(z);
        free(img);
    }
    printf("# %u images, %lu bytes decoded from %lu, each equal to "
           "liblzma's decode\n", runs, out_bytes, in_bytes);
}

/* Every piece size 1..64, and 4096, through a tiny ring with far history
 * and through a RAM ring, with random drains. */
static void test_piece_sizes(void **state)
{
    (void)state;
    uint32_t len = 20000;
    uint8_t *img = make_data(D_MIXED, len, 3);
    uint8_t props = props_of(0, 1, 1);
    size_t n;
    uint8_t *z = encode(img, len, props, 1u << 15, 9 | LZMA_PRESET_EXTREME,
                        0, &n);
    for (uint32_t piece = 1; piece <= 65; piece++) {
        uint32_t p = piece == 65 ? 4096 : piece;
        feed far = {4 + piece % 5, 1, piece % 4, p, 0, 0};
        feed ram = {15, 0, 0, p, 0, 0};
        expect_image(z, n, props, 1u << 15, img, len, &far);
        expect_image(z, n, props, 1u << 15, img, len, &ram);
    }
    free(z);
    free(img);
}

/* Ring sizes from 16 bytes up, reserves, whole and random drains. */
static void test_ring_sizes(void **state)
{
    (void)state;
    uint32_t len = 30000;
    uint8_t *img = make_data(D_MIXED, len, 11);
    uint8_t props = props_of(1, 0, 2);
    size_t n;
    uint8_t *z = encode(img, len, props, 1u << 15, 6, 0, &n);
    for (uint32_t bits = 4; bits <= 15; bits++)
        for (uint32_t reserve = 0; reserve < 8; reserve += 7) {
            feed f = {bits, 1, reserve, 0, (int)(bits & 1), 0};
            expect_image(z, n, props, 1u << 15, img, len, &f);
        }
    free(z);
    free(img);
}

/* A full window stops the decoder with input left; it goes on where it
 * stopped once drained. */
static void test_window_full(void **state)
{
    (void)state;
    uint32_t len = 5000, used;
    uint8_t *img = make_data(D_ZERO, len, 1);
    uint8_t props = props_of(0, 0, 0), ring[16];
    size_t n;
    uint8_t *z = encode(img, len, props, 4096, 6, 0, &n);
    fwpk_lzma s;
    fwpk_window w;
    fwpk_window_init(&w, ring, sizeof ring, 4096, 0, NULL, NULL);
    assert_int_equal(fwpk_lzma_init(&s, props, 4096, len), FWPK_OK);
    assert_int_equal(fwpk_lzma_push(&s, &w, z, (uint32_t)n, &used), FWPK_OK);
    assert_int_equal(fwpk_window_room(&w), 0);
    assert_int_equal(w.total, sizeof ring);
    assert_false(fwpk_lzma_done(&s));
    uint32_t at = used, out = 0;
    while (!fwpk_lzma_done(&s)) {
        const uint8_t *p;
        uint32_t k = fwpk_window_pending(&w, &p);
        for (uint32_t i = 0; i < k; i++)
            assert_int_equal(p[i], 0);
        out += k;
        fwpk_window_drain(&w, k);
        assert_int_equal(fwpk_lzma_push(&s, &w, z + at, (uint32_t)n - at,
                                        &used),
                         FWPK_OK);
        at += used;
        assert_true(out <= len);
    }
    assert_int_equal(at, n);
    assert_int_equal(out + (w.total - w.drained), len);
    free(z);
    free(img);
}

/* ---- refusals ---------------------------------------------------------------- */

/* Every truncation: no error (more may come), but never done. */
static void test_truncated(void **state)
{
    (void)state;
    uint32_t len = 3000;
    uint8_t *img = make_data(D_MIXED, len, 5);
    uint8_t props = props_of(0, 1, 1);
    size_t n;
    uint8_t *z = encode(img, len, props, 4096, 6, 0, &n);
    for (size_t cut = 0; cut < n; cut++) {
        result r = run(z, cut, props, 4096, len, &tiny_far);
        assert_int_equal(r.err, FWPK_OK);
        assert_false(r.done);
        assert_memory_equal(r.out, img, r.out_len); /* a prefix */
        free(r.out);
    }
    free(z);
    free(img);
}

/* Corruptions: we accept exactly what liblzma accepts, with its bytes. */
static void test_corrupt_like_liblzma(void **state)
{
    (void)state;
    uint32_t len = 2500;
    uint8_t *img = make_data(D_MIXED, len, 9);
    uint8_t *ref = malloc(len), *good[30], *z = NULL;
    size_t good_n[30];
    int refused = 0;
    /* one stream per lc 0..2, lp 0..1, pb 0..4 within the build's limit */
    for (int k = 0; k < 30; k++) {
        unsigned lc = k % 3, lp = k / 3 % 2;
        uint8_t props = props_of(lc + lp > FWPK_LZMA_LCLP_MAX ? 0 : lc,
                                 lc + lp > FWPK_LZMA_LCLP_MAX ? 0 : lp, k / 6);
        good[k] = encode(img, len, props, 4096, 6, 0, &good_n[k]);
    }
    for (int trial = 0; trial < 3000; trial++) {
        int k = trial % 30;
        unsigned lc = k % 3, lp = k / 3 % 2;
        uint8_t props = props_of(lc + lp > FWPK_LZMA_LCLP_MAX ? 0 : lc,
                                 lc + lp > FWPK_LZMA_LCLP_MAX ? 0 : lp, k / 6);
        size_t n = good_n[k];
        z = realloc(z, n);
        memcpy(z, good[k], n);
        uint32_t seed = rnd();
        int flips = 1 + (int)(seed % 4);
        for (int i = 0; i < flips; i++) {
            size_t at = 1 + rnd() % (n - 1); /* keep the zero byte mostly */
            if (trial % 5 == 0)
                z[at] = (uint8_t)rnd();
            else
                z[at] ^= (uint8_t)(1u << (rnd() % 8));
        }
        int ok = ref_decode(z, n, props, 4096, ref, len);
        result r = run(z, n, props, 4096, len, trial % 2 ? &tiny_far
                                                          : &full_ram);
        int ours = r.err == FWPK_OK && r.done;
        if (ours != ok)
            fail_msg("trial %d: liblzma %s, we %s (err %d, done %d)", trial,
                     ok ? "accepts" : "refuses", ours ? "accept" : "refuse",
                     r.err, r.done);
        if (ok)
            assert_memory_equal(r.out, ref, len);
        else
            refused++;
        if (r.err != FWPK_OK) /* bad data is bad data, nothing else */
            assert_int_equal(r.err, FWPK_ERR_INFLATE);
        free(r.out);
    }
    assert_true(refused > 2000);
    for (int k = 0; k < 30; k++)
        free(good[k]);
    free(z);
    free(ref);
    free(img);
}

/* Random streams after a valid start: never a crash, and liblzma's verdict. */
static void test_garbage(void **state)
{
    (void)state;
    uint8_t in[600], ref[2000];
    for (int trial = 0; trial < 2000; trial++) {
        size_t n = 5 + rnd() % (sizeof in - 5);
        uint32_t len = 1 + rnd() % sizeof ref;
        for (size_t i = 0; i < n; i++)
            in[i] = (uint8_t)rnd();
        in[0] = 0;
        if (trial % 2) /* small codes last longer */
            in[1] = 0;
        int ok = ref_decode(in, n, 0, 4096, ref, len);
        result r = run(in, n, 0, 4096, len, &tiny_far);
        assert_int_equal(r.err == FWPK_OK && r.done, ok);
        if (ok)
            assert_memory_equal(r.out, ref, len);
        free(r.out);
    }
}

static void expect_refused(const uint8_t *z, size_t n, uint8_t props,
                           uint32_t dict, uint32_t len)
{
    uint8_t *ref = malloc(len);
    assert_false(ref_decode(z, n, props, dict, ref, len));
    free(ref);
    result r = run(z, n, props, dict, len, &tiny_far);
    assert_false(r.err == FWPK_OK && r.done);
    free(r.out);
    r = run(z, n, props, dict, len, &full_ram);
    assert_false(r.err == FWPK_OK && r.done);
    free(r.out);
}

static void test_bad_streams(void **state)
{
    (void)state;
    uint32_t len = 4000;
    uint8_t *img = make_data(D_FIRMWARE, len, 21);
    uint8_t props = props_of(0, 1, 1);
    size_t n, m;
    uint8_t *z = encode(img, len, props, 4096, 6, 0, &n);
    result r;

    /* the first byte is always 0 */
    z[0] = 1;
    r = run(z, n, props, 4096, len, &tiny_far);
    assert_int_equal(r.err, FWPK_ERR_INFLATE);
    free(r.out);
    z[0] = 0;

    /* a byte after the end */
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, z, n);
    longer[n] = 0;
    expect_refused(longer, n + 1, props, 4096, len);
    r = run(longer, n + 1, props, 4096, len, &full_ram);
    assert_int_equal(r.err, FWPK_ERR_INFLATE);
    free(r.out);
    free(longer);

    /* the output size must be exact */
    expect_refused(z, n, props, 4096, len - 1);
    r = run(z, n, props, 4096, len - 1, &full_ram);
    assert_int_equal(r.err, FWPK_ERR_INFLATE);
    free(r.out);
    r = run(z, n, props, 4096, len + 1, &full_ram);
    assert_int_equal(r.err, FWPK_OK); /* waiting for more, never done */
    assert_false(r.done);
    free(r.out);

    /* an end marker is not part of the format */
    uint8_t *marked = encode(img, len, props, 4096, 6, 1, &m);
    assert_true(m > n);
    expect_refused(marked, m, props, 4096, len);
    r = run(marked, m, props, 4096, len, &tiny_far);
    assert_int_equal(r.err, FWPK_ERR_INFLATE);
    free(r.out);
    free(marked);
    free(z);
    free(img);
}

static void test_properties(void **state)
{
    (void)state;
    fwpk_lzma s;
    assert_int_equal(fwpk_lzma_init(&s, FWPK_LZMA_PROPS_MAX + 1, 4096, 1),
                     FWPK_ERR_ARG);
    assert_int_equal(fwpk_lzma_init(&s, 255, 4096, 1), FWPK_ERR_ARG);
    assert_int_equal(fwpk_lzma_init(&s, props_of(5, 0, 0), 4096, 1),
                     FWPK_ERR_LIMIT); /* lc + lp > 4: never */
    assert_int_equal(fwpk_lzma_init(&s, props_of(8, 4, 4), 4096, 1),
                     FWPK_ERR_LIMIT);
    assert_int_equal(fwpk_lzma_init(&s, props_of(0, 0, 4), 4096, 1), FWPK_OK);
    assert_int_equal(
        fwpk_lzma_init(&s, props_of(FWPK_LZMA_LCLP_MAX, 0, 0), 4096, 1),
        FWPK_OK);
    assert_int_equal(
        fwpk_lzma_init(&s, props_of(0, FWPK_LZMA_LCLP_MAX, 0), 4096, 1),
        FWPK_OK);
    if (FWPK_LZMA_LCLP_MAX < FWPK_LZMA_LCLP_LIMIT)
        assert_int_equal(fwpk_lzma_init(&s, props_of(FWPK_LZMA_LCLP_MAX + 1,
                                                     0, 0),
                                        4096, 1),
                         FWPK_ERR_LIMIT);
    /* the table is what the build limit needs, the rest is small */
    assert_int_equal(sizeof s.probs,
                     2 * (1846 + (0x300 << FWPK_LZMA_LCLP_MAX)));
    assert_true(sizeof s - sizeof s.probs <= 80);
}

/* A failing far read is FWPK_ERR_FLASH, and every error sticks. */
static void test_far_error_sticks(void **state)
{
    (void)state;
    uint32_t len = 40000;
    uint8_t *img = make_data(D_MIXED, len, 17);
    uint8_t props = props_of(0, 1, 1);
    size_t n;
    uint8_t *z = encode(img, len, props, 1u << 16, 6, 0, &n);
    feed f = {6, 1, 0, 0, 0, 1};
    result r = run(z, n, props, 1u << 16, len, &f);
    assert_int_equal(r.err, FWPK_ERR_FLASH);
    assert_int_equal(r.far_reads, 1);
    free(r.out);

    fwpk_lzma s;
    fwpk_window w;
    uint8_t ring[1 << 16];
    uint32_t used;
    fwpk_window_init(&w, ring, sizeof ring, 1u << 16, 0, NULL, NULL);
    assert_int_equal(fwpk_lzma_init(&s, props, 1u << 16, len), FWPK_OK);
    z[0] = 7;
    assert_int_equal(fwpk_lzma_push(&s, &w, z, (uint32_t)n, &used),
                     FWPK_ERR_INFLATE);
    z[0] = 0;
    assert_int_equal(fwpk_lzma_push(&s, &w, z, (uint32_t)n, &used),
                     FWPK_ERR_INFLATE);
    assert_int_equal(used, 0);
    assert_false(fwpk_lzma_done(&s));
    free(z);
    free(img);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_property),
        cmocka_unit_test(test_kinds_of_data),
        cmocka_unit_test(test_dictionary_sizes),
        cmocka_unit_test(test_piece_sizes),
        cmocka_unit_test(test_thousands_of_images),
        cmocka_unit_test(test_ring_sizes),
        cmocka_unit_test(test_window_full),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_corrupt_like_liblzma),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_bad_streams),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_far_error_sticks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
