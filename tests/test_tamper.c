/* test_tamper.c - the tamper matrix of issue 6: every way we know to alter
 * a container, each refused by the streaming verifier with the expected
 * error, and the NOR flash model showing that no byte foreign to the
 * genuine image reached flash (box_flash_clean) or, for everything decided
 * before the first frame, that flash was not touched at all.
 *
 *   - a small container (1 KiB image, ~1.5 KB, 4 frames): every bit flipped
 *     once, and cut short at every length;
 *   - a large one (200 KB image, 1 KiB frames, ~130 frames): a byte changed
 *     at 2000 pseudo-random offsets (fixed seed), cut at every length of
 *     the prefix, at every frame boundary and at six points inside every
 *     frame, extended, frames swapped, duplicated, dropped, reversed and
 *     replaced by another container's;
 *   - a manifest or signature block from another container; untrusted,
 *     unknown, duplicated, revoked and retired keys; rollback; wrong MCU or
 *     target; segments outside the policy window; an unsigned container;
 *     the other target's frames of a two-target container;
 *   - validly signed containers whose manifest lies, assembled by hand from
 *     the libfwpack pieces: decompression bombs, streams that run past
 *     their segments, declared sizes larger than the data, and codec,
 *     window, frame size, filter or digest that do not match the payload.
 *     There the stream is what the (trusted) signer made, so the check is
 *     that flash stays erased everywhere outside the declared segments.
 *
 * Each group prints its count of cases and errors; the last test prints
 * the totals ("tamper matrix: N cases run, N refused").  Run one group
 * with TAMPER_FILTER=test_large_truncations (a cmocka test name glob). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "pack_util.h"

#define E(code) (1u << (code))

/* ---- bookkeeping ---------------------------------------------------- */

static struct {
    unsigned run, refused;
    unsigned by_err[FWPK_ERR_COUNT];
} tally;

static const char *err_name(fwpk_err e)
{
    switch (e) {
    case FWPK_OK: return "OK";
    case FWPK_ERR_ARG: return "ARG";
    case FWPK_ERR_STATE: return "STATE";
    case FWPK_ERR_MAGIC: return "MAGIC";
    case FWPK_ERR_VERSION: return "VERSION";
    case FWPK_ERR_HEADER: return "HEADER";
    case FWPK_ERR_INFO: return "INFO";
    case FWPK_ERR_MANIFEST: return "MANIFEST";
    case FWPK_ERR_LIMIT: return "LIMIT";
    case FWPK_ERR_NO_TARGET: return "NO_TARGET";
    case FWPK_ERR_WRONG_MCU: return "WRONG_MCU";
    case FWPK_ERR_POLICY: return "POLICY";
    case FWPK_ERR_ROLLBACK: return "ROLLBACK";
    case FWPK_ERR_UNSIGNED: return "UNSIGNED";
    case FWPK_ERR_SIGNATURE: return "SIGNATURE";
    case FWPK_ERR_REVOKED: return "REVOKED";
    case FWPK_ERR_FRAME: return "FRAME";
    case FWPK_ERR_FRAME_HASH: return "FRAME_HASH";
    case FWPK_ERR_INFLATE: return "INFLATE";
    case FWPK_ERR_SIZE: return "SIZE";
    case FWPK_ERR_DIGEST: return "DIGEST";
    case FWPK_ERR_TRUNCATED: return "TRUNCATED";
    case FWPK_ERR_TRAILING: return "TRAILING";
    case FWPK_ERR_FLASH: return "FLASH";
    case FWPK_ERR_SIG_COUNT: return "SIG_COUNT";
    default: return fwpk_strerror(e);
    }
}

/* "N cases (CODE n, ...)" for the counts since 'mark'. */
typedef struct {
    unsigned run, by_err[FWPK_ERR_COUNT];
} section;

static void section_begin(section *m)
{
    m->run = tally.run;
    memcpy(m->by_err, tally.by_err, sizeof m->by_err);
}

static void section_end(const section *m, const char *label)
{
    unsigned i;
    const char *sep = "";
    printf("tamper: %-34s %5u cases (", label, tally.run - m->run);
    for (i = 0; i < FWPK_ERR_COUNT; i++)
        if (tally.by_err[i] != m->by_err[i]) {
            printf("%s%s %u", sep, err_name((fwpk_err)i),
                   tally.by_err[i] - m->by_err[i]);
            sep = ", ";
        }
    printf(")\n");
}

/* box_flash_clean() walks the image's segments for every flash byte; the
 * matrix runs it tens of thousands of times, so the genuine bytes are laid
 * out like flash once per setup (set_genuine) and compared directly.  Every
 * 64th case is also checked with box_flash_clean itself. */
static struct {
    const box_setup *s;
    uint8_t *flat; /* BOX_FLASH bytes: the image's byte, else 0xFF */
} genuine;

static void set_genuine(const box_setup *s)
{
    const fwp_image *img = &s->t[0].image;
    size_t i;
    if (!genuine.flat)
        genuine.flat = malloc(BOX_FLASH);
    assert_non_null(genuine.flat);
    memset(genuine.flat, 0xff, BOX_FLASH);
    for (i = 0; i < img->count; i++) {
        assert_true(img->segs[i].addr >= BOX_BASE &&
                    img->segs[i].addr - BOX_BASE + img->segs[i].len <=
                        BOX_FLASH);
        memcpy(genuine.flat + (img->segs[i].addr - BOX_BASE),
               img->segs[i].data, img->segs[i].len);
    }
    if (s->base) /* a delta's base, installed before: never written */
        memcpy(genuine.flat + (BOX_DELTA_BASE - BOX_BASE), s->base,
               s->t[0].base_size);
    genuine.s = s;
}

static int flash_clean(const box_setup *s, const fwp_flash *f)
{
    uint32_t a;
    if (genuine.s != s || (tally.run & 63) == 0)
        return box_flash_clean(s, 0, f);
    if (f->erases + f->writes == 0 && !s->base)
        return 1; /* the model's memory changes only by erase and write */
    for (a = 0; a < f->size; a++)
        if (f->mem[a] != 0xff && f->mem[a] != genuine.flat[a])
            return 0;
    return 1;
}

/* What a frame's bytes may fail on when they are decoded before the
 * frame's hash is compared (streaming mode). */
#define STREAMING_ERRS                                                    \
    (E(FWPK_ERR_FRAME) | E(FWPK_ERR_FRAME_HASH) | E(FWPK_ERR_INFLATE) |   \
     E(FWPK_ERR_SIZE) | E(FWPK_ERR_DIGEST) | E(FWPK_ERR_PATCH))

enum {
    UNTOUCHED = 1, /* no erase or write at all */
    NO_CLEAN = 2   /* the caller checks flash itself (lying manifests) */
};

/* Nonzero while a test's containers need more than this build has (a
 * delta where FWPK_DELTA is 0, two targets where FWPK_TARGETS is 1): then
 * every change the signed prefix does not catch is refused with
 * FWPK_ERR_LIMIT, before anything is erased. */
static int beyond_build;

/* Runs one tampered container; it must be refused with an error in
 * 'allowed', on flash that holds nothing foreign.  If 'keep' is not NULL the
 * flash model is handed back (caller frees it). */
static fwpk_err refuse_ex(const box_setup *s, const box_policy *p,
                          const uint8_t *box, size_t len, uint32_t allowed,
                          int flags, const char *what, fwp_flash *keep)
{
    fwp_flash f;
    box_policy dflt = {0};
    dflt.base = s->base; /* a delta's, where box_verify puts it */
    dflt.base_len = s->base ? s->t[0].base_size : 0;
    fwpk_err err = box_verify(s, p ? p : &dflt, box, len, &f);
    tally.run++;
    if (err != FWPK_OK) {
        tally.refused++;
        tally.by_err[err]++;
    }
    if (err == FWPK_OK)
        fail_msg("%s: accepted", what);
    /* Streaming (FWPK_FRAME_BUFFER 0): a frame's bytes are decoded before
     * its hash is compared, so whatever it holds may fail the decoder or
     * the size and digest checks first, and reach flash: nothing is
     * confirmed, and nothing outside the target's flash is touched (the
     * model flags that as a problem).  What the signed prefix decides
     * still comes before any erase. */
    if (!FWPK_FRAME_BUFFER && (E(err) & STREAMING_ERRS) &&
        (!(flags & UNTOUCHED) || (allowed & STREAMING_ERRS))) {
        allowed |= STREAMING_ERRS;
        flags = (flags & ~UNTOUCHED) | NO_CLEAN;
    }
    if (beyond_build) {
        allowed |= E(FWPK_ERR_LIMIT);
        if (err == FWPK_ERR_LIMIT)
            flags = (flags | UNTOUCHED) & ~NO_CLEAN;
    }
    /* ... and its manifest buffer is smaller than the format's limit */
    if (!FWPK_FRAME_BUFFER && (allowed & E(FWPK_ERR_HEADER)))
        allowed |= E(FWPK_ERR_LIMIT);
    if (!(allowed & E(err)))
        fail_msg("%s: refused with %s (%d), not the expected error", what,
                 fwpk_strerror(err), (int)err);
    if (f.problem[0])
        fail_msg("%s: flash model: %s", what, f.problem);
    if ((flags & UNTOUCHED) && f.erases + f.writes != 0)
        fail_msg("%s: %u erases and %u writes before refusal", what,
                 f.erases, f.writes);
    if (!(flags & NO_CLEAN) && !flash_clean(s, &f))
        fail_msg("%s: a byte foreign to the image reached flash", what);
    if (keep)
        *keep = f;
    else
        fwp_flash_free(&f);
    return err;
}

static fwpk_err refuse(const box_setup *s, const box_policy *p,
                       const uint8_t *box, size_t len, fwpk_err want,
                       int flags, const char *what)
{
    return refuse_ex(s, p, box, len, E(want), flags, what, NULL);
}

/* xorshift32: the same offsets on every run. */
static uint32_t rng = 0x6a09e667u;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static int forget_genuine(void **state)
{
    (void)state;
    genuine.s = NULL;
    return 0;
}

/* ---- container anatomy ---------------------------------------------- */

typedef struct {
    fwp_layout lay;
    size_t *off;   /* start of each frame, all targets back to back */
    size_t *flen;  /* each frame's whole length, header included */
    size_t n;
} anatomy;

static void dissect(const uint8_t *box, size_t len, anatomy *a)
{
    fwp_err err;
    size_t off, cap = len / (FWPK_FRAME_HEADER_LEN + 1) + 1;
    if (fwp_layout_parse(box, len, "box", &a->lay, &err))
        fail_msg("layout: %s", err.msg);
    a->off = malloc(cap * sizeof *a->off);
    a->flen = malloc(cap * sizeof *a->flen);
    assert_non_null(a->off);
    assert_non_null(a->flen);
    a->n = 0;
    for (off = a->lay.frames_offset; off < len;) {
        size_t fl = FWPK_FRAME_HEADER_LEN + (box[off] | box[off + 1] << 8);
        assert_true(off + fl <= len);
        a->off[a->n] = off;
        a->flen[a->n++] = fl;
        off += fl;
    }
    assert_int_equal(off, len);
}

static void anatomy_free(anatomy *a)
{
    free(a->off);
    free(a->flen);
}

/* What a change at byte 'off' may be refused with, by where it lies
 * (SPEC.md 1): header, info string, manifest, signature count, signature
 * entries, frames. */
static uint32_t allowed_at(const fwp_layout *lay, size_t off)
{
    size_t info = FWPK_HEADER_LEN, man = info + lay->info_len;
    if (off < info) /* lengths: a NUL in the wrong place, a cut manifest */
        return E(FWPK_ERR_MAGIC) | E(FWPK_ERR_VERSION) |
               E(FWPK_ERR_HEADER) | E(FWPK_ERR_INFO) |
               E(FWPK_ERR_MANIFEST) | E(FWPK_ERR_TRUNCATED);
    if (off < man)
        return E(FWPK_ERR_INFO) | E(FWPK_ERR_SIGNATURE);
    if (off < lay->signed_len)
        return E(FWPK_ERR_MANIFEST) | E(FWPK_ERR_SIGNATURE);
    if (off == lay->signed_len) /* count 0, > 8, or more entries than
                                   there are: the frames are misread */
        return E(FWPK_ERR_UNSIGNED) | E(FWPK_ERR_SIG_COUNT) |
               E(FWPK_ERR_SIGNATURE) | E(FWPK_ERR_FRAME) |
               E(FWPK_ERR_FRAME_HASH) | E(FWPK_ERR_TRUNCATED);
    if (off < lay->frames_offset)
        return E(FWPK_ERR_SIGNATURE);
    /* a changed length field reads a different span: too long, or the
     * container ends first */
    return E(FWPK_ERR_FRAME) | E(FWPK_ERR_FRAME_HASH) |
           E(FWPK_ERR_TRUNCATED);
}

/* The prefix [0, frames_offset) followed by the frames listed in 'order'
 * (n of them), as a new container. */
static uint8_t *with_frames(const uint8_t *box, const anatomy *a,
                            const size_t *order, size_t n, size_t *len)
{
    size_t i, total = a->lay.frames_offset, at;
    uint8_t *out;
    for (i = 0; i < n; i++)
        total += a->flen[order[i]];
    out = malloc(total);
    assert_non_null(out);
    memcpy(out, box, a->lay.frames_offset);
    at = a->lay.frames_offset;
    for (i = 0; i < n; i++) {
        memcpy(out + at, box + a->off[order[i]], a->flen[order[i]]);
        at += a->flen[order[i]];
    }
    *len = total;
    return out;
}

/* Concatenates up to four byte ranges. */
static uint8_t *cat(size_t *len, const uint8_t *a, size_t na,
                    const uint8_t *b, size_t nb, const uint8_t *c, size_t nc,
                    const uint8_t *d, size_t nd)
{
    uint8_t *out = malloc(na + nb + nc + nd + 1);
    assert_non_null(out);
    if (na)
        memcpy(out, a, na);
    if (nb)
        memcpy(out + na, b, nb);
    if (nc)
        memcpy(out + na + nb, c, nc);
    if (nd)
        memcpy(out + na + nb + nc, d, nd);
    *len = na + nb + nc + nd;
    return out;
}

/* ---- the small container: every bit --------------------------------- */

static void small_setup(box_setup *s)
{
    box_init(s, 1024);
    s->t[0].frame_size = 256; /* a few frames, so the chain is exercised */
}

/* Every bit of s's container flipped, one at a time: each refused. */
static void flip_every_bit(box_setup *s, const char *name)
{
    size_t len, off;
    unsigned bit, flips = 0;
    anatomy a;
    section mark;
    char what[128];
    section_begin(&mark);
    uint8_t *box = box_pack(s, &len);
    set_genuine(s);
    dissect(box, len, &a);
    printf("tamper: %s container: %zu bytes (%zu of prefix and "
           "signatures, %zu frames), %zu bits\n", name, len,
           a.lay.frames_offset, a.n, len * 8);
    for (off = 0; off < len; off++) {
        int flags = off < a.lay.frames_offset ? UNTOUCHED : 0;
        uint32_t allowed = allowed_at(&a.lay, off);
        for (bit = 0; bit < 8; bit++) {
            snprintf(what, sizeof what, "%s: bit %u of byte %zu", name, bit,
                     off);
            box[off] ^= (uint8_t)(1u << bit);
            refuse_ex(s, NULL, box, len, allowed, flags, what, NULL);
            box[off] ^= (uint8_t)(1u << bit);
            flips++;
        }
    }
    assert_int_equal(flips, len * 8);
    assert_int_equal(tally.run - mark.run, flips);
    snprintf(what, sizeof what, "%s: every bit flipped", name);
    section_end(&mark, what);
    anatomy_free(&a);
    free(box);
}

static void test_small_every_bit(void **state)
{
    (void)state;
    box_setup s;
    small_setup(&s);
    flip_every_bit(&s, "small");
    box_free(&s);
}

/* The same with LZMA: its frames are cut anywhere in the stream. */
static void test_small_lzma_every_bit(void **state)
{
    (void)state;
    box_setup s;
    small_setup(&s);
    s.t[0].codec = FWPK_CODEC_LZMA;
    s.t[0].lzma_props = 45 + 9; /* lc 0 lp 1 pb 1 */
    s.t[0].window_bits = 12;
    flip_every_bit(&s, "small lzma");
    box_free(&s);
}

/* The same as a delta (SPEC.md 6.5) against an older image. */
static void test_small_delta_every_bit(void **state)
{
    (void)state;
    box_setup s;
    size_t blen;
    small_setup(&s);
    s.t[0].codec = BOX_DELTA_CODEC;
    s.t[0].window_bits =
        BOX_DELTA_CODEC == FWPK_CODEC_NONE ? 0 : BOX_DELTA_WINDOW_BITS;
    box_make_delta(&s, &blen);
    beyond_build = !FWPK_DELTA;
    flip_every_bit(&s, "small delta");
    beyond_build = 0;
    box_free(&s);
}

static void test_small_every_length(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    box_setup s;
    size_t len, cut;
    anatomy a;
    small_setup(&s);
    uint8_t *box = box_pack(&s, &len);
    set_genuine(&s);
    dissect(box, len, &a);
    for (cut = 0; cut < len; cut++) {
        char what[128];
        snprintf(what, sizeof what, "small: cut to %zu bytes", cut);
        refuse(&s, NULL, box, cut, FWPK_ERR_TRUNCATED,
               cut <= a.lay.frames_offset ? UNTOUCHED : 0, what);
    }
    anatomy_free(&a);
    free(box);
    box_free(&s);
    section_end(&mark, "small: cut at every length");
}

/* ---- the large container -------------------------------------------- */

static void large_setup(box_setup *s)
{
    box_init(s, 200000);
    s->t[0].frame_size = 1024;
}

typedef struct {
    box_setup s;
    uint8_t *box;
    size_t len;
    anatomy a;
} large;

static large big; /* packed once: the packer is slow under ASan */

static int large_up(void **state)
{
    (void)state;
    large_setup(&big.s);
    big.box = box_pack(&big.s, &big.len);
    dissect(big.box, big.len, &big.a);
    printf("tamper: large container: %zu bytes (%zu of prefix and "
           "signatures, %zu frames)\n", big.len, big.a.lay.frames_offset,
           big.a.n);
    return 0;
}

static int large_down(void **state)
{
    (void)state;
    anatomy_free(&big.a);
    free(big.box);
    box_free(&big.s);
    free(genuine.flat);
    genuine.flat = NULL;
    return 0;
}

static void test_large_genuine(void **state)
{
    (void)state;
    fwp_flash f;
    box_policy p = {0};
    assert_true(big.a.n >= 50);
    assert_int_equal(box_verify(&big.s, &p, big.box, big.len, &f), FWPK_OK);
    assert_true(box_flash_matches(&big.s, 0, &f));
    fwp_flash_free(&f);
}

static void test_large_random_bytes(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    set_genuine(&big.s);
    int i;
    for (i = 0; i < 2000; i++) {
        /* every tenth change in the prefix and signatures, the rest
         * anywhere (uniformly, almost all of it is frames) */
        size_t off = i % 10 == 0 ? rnd() % big.a.lay.frames_offset
                                 : rnd() % big.len;
        uint8_t old = big.box[off], x = (uint8_t)(1 + rnd() % 255);
        char what[128];
        snprintf(what, sizeof what, "large: byte %zu ^= 0x%02x", off, x);
        big.box[off] ^= x;
        refuse_ex(&big.s, NULL, big.box, big.len,
                  allowed_at(&big.a.lay, off),
                  off < big.a.lay.frames_offset ? UNTOUCHED : 0, what, NULL);
        big.box[off] = old;
    }
    section_end(&mark, "large: bytes changed at random");
}

static void test_large_truncations(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    set_genuine(&big.s);
    /* inside a frame: half its length field, its length field only, its
     * whole header, one payload byte, all but its last byte; and below,
     * its middle */
    static const int inside[] = {1, 2, FWPK_FRAME_HEADER_LEN,
                                 FWPK_FRAME_HEADER_LEN + 1, -1};
    size_t k, j;
    char what[128];
    /* every length of the prefix and signature block */
    for (k = 0; k <= big.a.lay.frames_offset; k++) {
        snprintf(what, sizeof what, "large: cut to %zu (prefix)", k);
        refuse(&big.s, NULL, big.box, k, FWPK_ERR_TRUNCATED, UNTOUCHED, what);
    }
    for (k = 0; k < big.a.n; k++) {
        size_t at = big.a.off[k], fl = big.a.flen[k];
        snprintf(what, sizeof what, "large: cut at frame %zu boundary", k);
        refuse(&big.s, NULL, big.box, at, FWPK_ERR_TRUNCATED, 0, what);
        for (j = 0; j < sizeof inside / sizeof inside[0]; j++) {
            size_t cut = inside[j] > 0 ? at + (size_t)inside[j]
                                       : at + fl - (size_t)-inside[j];
            snprintf(what, sizeof what, "large: cut inside frame %zu at +%zu",
                     k, cut - at);
            refuse(&big.s, NULL, big.box, cut, FWPK_ERR_TRUNCATED, 0, what);
        }
        snprintf(what, sizeof what, "large: cut in the middle of frame %zu",
                 k);
        refuse(&big.s, NULL, big.box, at + fl / 2, FWPK_ERR_TRUNCATED, 0,
               what);
    }
    section_end(&mark, "large: truncated");
}

static void test_large_extensions(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    set_genuine(&big.s);
    const anatomy *a = &big.a;
    size_t len, last = a->n - 1;
    static const uint8_t bytes[] = {0x00, 0xff, 0x01};
    uint8_t *b;
    size_t i;
    for (i = 0; i < sizeof bytes; i++) {
        b = cat(&len, big.box, big.len, &bytes[i], 1, NULL, 0, NULL, 0);
        refuse(&big.s, NULL, b, len, FWPK_ERR_TRAILING, 0, "large: +1 byte");
        free(b);
    }
    b = cat(&len, big.box, big.len, big.box + a->off[last], a->flen[last],
            NULL, 0, NULL, 0);
    refuse(&big.s, NULL, b, len, FWPK_ERR_TRAILING, 0,
           "large: last frame appended again");
    free(b);
    b = cat(&len, big.box, big.len, big.box + a->off[0], a->flen[0], NULL, 0,
            NULL, 0);
    refuse(&big.s, NULL, b, len, FWPK_ERR_TRAILING, 0,
           "large: first frame appended");
    free(b);
    b = cat(&len, big.box, big.len, big.box, big.len, NULL, 0, NULL, 0);
    refuse(&big.s, NULL, b, len, FWPK_ERR_TRAILING, 0,
           "large: the container twice");
    free(b);
    section_end(&mark, "large: extended");
}

static void test_large_frame_order(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    set_genuine(&big.s);
    const anatomy *a = &big.a;
    size_t n = a->n, k, i, len;
    size_t *order = malloc((n + 1) * sizeof *order);
    char what[128];
    uint8_t *b;
    assert_non_null(order);
    /* every adjacent pair swapped */
    for (k = 0; k + 1 < n; k++) {
        for (i = 0; i < n; i++)
            order[i] = i;
        order[k] = k + 1;
        order[k + 1] = k;
        b = with_frames(big.box, a, order, n, &len);
        snprintf(what, sizeof what, "large: frames %zu and %zu swapped", k,
                 k + 1);
        refuse(&big.s, NULL, b, len, FWPK_ERR_FRAME_HASH, 0, what);
        free(b);
    }
    /* first and last swapped; all reversed */
    for (i = 0; i < n; i++)
        order[i] = i;
    order[0] = n - 1;
    order[n - 1] = 0;
    b = with_frames(big.box, a, order, n, &len);
    refuse(&big.s, NULL, b, len, FWPK_ERR_FRAME_HASH, 0,
           "large: first and last frames swapped");
    free(b);
    for (i = 0; i < n; i++)
        order[i] = n - 1 - i;
    b = with_frames(big.box, a, order, n, &len);
    refuse(&big.s, NULL, b, len, FWPK_ERR_FRAME_HASH, 0,
           "large: frames reversed");
    free(b);
    /* every frame duplicated in place: the copy does not hash to the next
     * frame's expected hash; after the last frame the container is over */
    for (k = 0; k < n; k++) {
        size_t m = 0;
        for (i = 0; i < n; i++) {
            order[m++] = i;
            if (i == k)
                order[m++] = i;
        }
        b = with_frames(big.box, a, order, m, &len);
        snprintf(what, sizeof what, "large: frame %zu duplicated", k);
        refuse(&big.s, NULL, b, len,
               k + 1 < n ? FWPK_ERR_FRAME_HASH : FWPK_ERR_TRAILING, 0, what);
        free(b);
    }
    /* every frame dropped; without the last one the container ends early */
    for (k = 0; k < n; k++) {
        size_t m = 0;
        for (i = 0; i < n; i++)
            if (i != k)
                order[m++] = i;
        b = with_frames(big.box, a, order, m, &len);
        snprintf(what, sizeof what, "large: frame %zu dropped", k);
        refuse(&big.s, NULL, b, len,
               k + 1 < n ? FWPK_ERR_FRAME_HASH : FWPK_ERR_TRUNCATED, 0, what);
        free(b);
    }
    free(order);
    section_end(&mark, "large: frames swapped/dup/dropped");
}

/* A frame from another container (same settings, other firmware) in the
 * same place. */
static void test_large_foreign_frames(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    set_genuine(&big.s);
    box_setup o;
    size_t olen, len, k;
    anatomy oa;
    large_setup(&o);
    pu_firmware(o.image[0], o.image_len[0], 99);
    fwp_image_free(&o.t[0].image);
    fwp_err err;
    assert_int_equal(fwp_image_add(&o.t[0].image, BOX_BASE, o.image[0],
                                   o.image_len[0], "other", &err), 0);
    uint8_t *other = box_pack(&o, &olen);
    dissect(other, olen, &oa);
    static const double where[] = {0.0, 0.25, 0.5, 0.75, 1.0};
    for (k = 0; k < sizeof where / sizeof where[0]; k++) {
        size_t i = (size_t)(where[k] * (double)(big.a.n - 1));
        size_t j = i < oa.n ? i : oa.n - 1;
        const anatomy *a = &big.a;
        uint8_t *b = cat(&len, big.box, a->off[i], other + oa.off[j],
                         oa.flen[j], big.box + a->off[i] + a->flen[i],
                         big.len - a->off[i] - a->flen[i], NULL, 0);
        char what[128];
        snprintf(what, sizeof what, "large: frame %zu from another container",
                 i);
        refuse(&big.s, NULL, b, len, FWPK_ERR_FRAME_HASH, 0, what);
        free(b);
    }
    /* all of the other container's frames after our signed prefix */
    uint8_t *b = cat(&len, big.box, big.a.lay.frames_offset,
                     other + oa.lay.frames_offset,
                     olen - oa.lay.frames_offset, NULL, 0, NULL, 0);
    refuse(&big.s, NULL, b, len, FWPK_ERR_FRAME_HASH, 0,
           "large: all frames from another container");
    free(b);
    anatomy_free(&oa);
    free(other);
    box_free(&o);
    section_end(&mark, "large: frames from another box");
}

/* ---- splices, keys and policy --------------------------------------- */

static void test_spliced_manifest(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    box_setup s, t;
    size_t alen, blen, len;
    anatomy a, b;
    box_init(&s, 20000);
    box_init(&t, 20000);
    pu_firmware(t.image[0], t.image_len[0], 7);
    fwp_image_free(&t.t[0].image);
    fwp_err err;
    assert_int_equal(fwp_image_add(&t.t[0].image, BOX_BASE, t.image[0],
                                   t.image_len[0], "t", &err), 0);
    t.o.version = "1.2.4";
    uint8_t *A = box_pack(&s, &alen), *B = box_pack(&t, &blen);
    dissect(A, alen, &a);
    dissect(B, blen, &b);
    size_t asig = a.lay.frames_offset - a.lay.signed_len;
    size_t bsig = b.lay.frames_offset - b.lay.signed_len;

    /* B's signed prefix, A's signature and frames */
    uint8_t *x = cat(&len, B, b.lay.signed_len, A + a.lay.signed_len,
                     alen - a.lay.signed_len, NULL, 0, NULL, 0);
    refuse(&s, NULL, x, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
           "B's prefix with A's signature and frames");
    free(x);
    /* A's header and info, B's manifest (header length patched) */
    uint8_t hdr[FWPK_HEADER_LEN];
    memcpy(hdr, A, sizeof hdr);
    hdr[8] = (uint8_t)b.lay.manifest_len;
    hdr[9] = (uint8_t)(b.lay.manifest_len >> 8);
    x = cat(&len, hdr, sizeof hdr, A + FWPK_HEADER_LEN, a.lay.info_len,
            b.lay.manifest, b.lay.manifest_len, A + a.lay.signed_len,
            alen - a.lay.signed_len);
    refuse(&s, NULL, x, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
           "B's manifest inside A");
    free(x);
    /* A's prefix, B's signature block, A's frames */
    x = cat(&len, A, a.lay.signed_len, B + b.lay.signed_len, bsig,
            A + a.lay.frames_offset, alen - a.lay.frames_offset, NULL, 0);
    refuse(&s, NULL, x, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
           "A with B's signature block");
    free(x);
    /* B's prefix and signatures (valid), A's frames: the anchor differs */
    x = cat(&len, B, b.lay.frames_offset, A + a.lay.frames_offset,
            alen - a.lay.frames_offset, NULL, 0, NULL, 0);
    refuse(&s, NULL, x, len, FWPK_ERR_FRAME_HASH, UNTOUCHED,
           "B's signed manifest over A's frames");
    free(x);
    (void)asig;
    anatomy_free(&a);
    anatomy_free(&b);
    free(A);
    free(B);
    box_free(&s);
    box_free(&t);
    section_end(&mark, "manifest/signatures spliced");
}

static void test_keys(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    box_setup s;
    size_t len;
    uint8_t *box;
    box_policy p;
    fwp_keypair two[2];
    box_init(&s, 8000);

    /* a valid signature by a key the device does not trust */
    s.o.keys = &s.kp[1];
    box = box_pack(&s, &len);
    refuse(&s, NULL, box, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
           "signed by an untrusted key");
    memset(&p, 0, sizeof p);
    p.key_count = 3; /* kp[0], kp[1], kp[2] */
    p.revoked_mask = 2;
    refuse(&s, &p, box, len, FWPK_ERR_REVOKED, UNTOUCHED,
           "signed by a revoked key of three");
    free(box);

    /* a key id rewritten: the entry claims a trusted key, kp[1] signed */
    s.o.keys = &s.kp[1];
    box = box_pack(&s, &len);
    {
        fwp_layout lay;
        fwp_err err;
        assert_int_equal(fwp_layout_parse(box, len, "b", &lay, &err), 0);
        fwp_key_id(s.kp[0].pk, box + lay.signed_len + 1);
        refuse(&s, NULL, box, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
               "kp[1]'s signature under kp[0]'s key id");
    }
    free(box);
    s.o.keys = s.kp;

    /* revoked, and below the minimum generation */
    box = box_pack(&s, &len);
    memset(&p, 0, sizeof p);
    p.revoked_mask = 1;
    refuse(&s, &p, box, len, FWPK_ERR_REVOKED, UNTOUCHED, "revoked key");
    memset(&p, 0, sizeof p);
    p.min_generation = 2;
    p.generation[0] = 1;
    refuse(&s, &p, box, len, FWPK_ERR_REVOKED, UNTOUCHED,
           "key below the minimum generation");
    free(box);

    /* two signatures, two required, one by a key the device does not know */
    two[0] = s.kp[0];
    two[1] = s.kp[2];
    s.o.keys = two;
    s.o.key_count = 2;
    box = box_pack(&s, &len);
    memset(&p, 0, sizeof p);
    p.key_count = 2;
    p.min_signatures = 2;
    refuse(&s, &p, box, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
           "2 of 2 required, one signer unknown");
    p.revoked_mask = 1; /* the only valid one is revoked */
    refuse(&s, &p, box, len, FWPK_ERR_REVOKED, UNTOUCHED,
           "2 required, the known signer revoked, the other unknown");
    free(box);
    /* the same key twice counts once */
    two[1] = s.kp[0];
    box = box_pack(&s, &len);
    memset(&p, 0, sizeof p);
    p.key_count = 2;
    p.min_signatures = 2;
    refuse(&s, &p, box, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
           "2 required, one key signed twice");
    free(box);
    /* two trusted signers, one revoked, two required */
    two[1] = s.kp[1];
    box = box_pack(&s, &len);
    memset(&p, 0, sizeof p);
    p.key_count = 2;
    p.min_signatures = 2;
    p.revoked_mask = 1;
    refuse(&s, &p, box, len, FWPK_ERR_SIGNATURE, UNTOUCHED,
           "2 required, 1 valid and 1 revoked");
    free(box);

    /* unsigned */
    s.o.key_count = 0;
    box = box_pack(&s, &len);
    refuse(&s, NULL, box, len, FWPK_ERR_UNSIGNED, UNTOUCHED, "unsigned");
    memset(&p, 0, sizeof p);
    p.key_count = 4;
    refuse(&s, &p, box, len, FWPK_ERR_UNSIGNED, UNTOUCHED,
           "unsigned, four keys trusted");
    free(box);
    box_free(&s);
    section_end(&mark, "keys: untrusted/revoked/unsigned");
}

static void test_policy(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    box_setup s;
    size_t len;
    uint8_t *box;
    box_policy p;
    box_init(&s, 30000);
    s.o.security_counter = 5;
    box = box_pack(&s, &len);

    memset(&p, 0, sizeof p);
    p.min_security_counter = 6;
    refuse(&s, &p, box, len, FWPK_ERR_ROLLBACK, UNTOUCHED,
           "security counter 5 < 6");
    p.min_security_counter = 0xffffffffu;
    refuse(&s, &p, box, len, FWPK_ERR_ROLLBACK, UNTOUCHED,
           "security counter 5 < 2^32-1");

    memset(&p, 0, sizeof p);
    p.mcu = "nrf52840";
    refuse(&s, &p, box, len, FWPK_ERR_WRONG_MCU, UNTOUCHED, "other MCU");
    p.mcu = "stm32g071r"; /* a prefix of the container's */
    refuse(&s, &p, box, len, FWPK_ERR_WRONG_MCU, UNTOUCHED, "MCU prefix");
    p.mcu = "stm32g071rbx";
    refuse(&s, &p, box, len, FWPK_ERR_WRONG_MCU, UNTOUCHED, "MCU longer");
    p.mcu = "";
    refuse(&s, &p, box, len, FWPK_ERR_WRONG_MCU, UNTOUCHED, "MCU empty");
    memset(&p, 0, sizeof p);
    p.target = "boot";
    refuse(&s, &p, box, len, FWPK_ERR_NO_TARGET, UNTOUCHED, "no target");
    p.target = "mai";
    refuse(&s, &p, box, len, FWPK_ERR_NO_TARGET, UNTOUCHED,
           "target name prefix");

    /* segments outside the window (30000 bytes = 15 blocks of 2 KiB) */
    static const struct {
        uint32_t lo, hi;
        const char *what;
    } win[] = {
        {BOX_BASE + 0x800, BOX_BASE + BOX_FLASH, "window starts one block in"},
        {BOX_BASE, BOX_BASE + 14 * 2048, "window one block short"},
        {BOX_BASE, BOX_BASE + 30000, "window ends mid-block"},
        {BOX_BASE + 0x20000, BOX_BASE + BOX_FLASH, "window elsewhere"},
        {BOX_BASE - 0x10000, BOX_BASE, "window just below"},
        {BOX_BASE + 1, BOX_BASE + BOX_FLASH, "window starts at byte 1"},
    };
    for (size_t i = 0; i < sizeof win / sizeof win[0]; i++) {
        memset(&p, 0, sizeof p);
        p.window_lo = win[i].lo;
        p.window_hi = win[i].hi;
        refuse(&s, &p, box, len, FWPK_ERR_POLICY, UNTOUCHED, win[i].what);
    }
    free(box);
    box_free(&s);

    /* an image that starts mid-block: the erase reaches below it */
    box_init(&s, 4000);
    fwp_image_free(&s.t[0].image);
    fwp_err err;
    assert_int_equal(fwp_image_add(&s.t[0].image, BOX_BASE + 0x900,
                                   s.image[0], 4000, "t", &err), 0);
    box = box_pack(&s, &len);
    memset(&p, 0, sizeof p);
    p.window_lo = BOX_BASE + 0x900;
    p.window_hi = BOX_BASE + BOX_FLASH;
    refuse(&s, &p, box, len, FWPK_ERR_POLICY, UNTOUCHED,
           "segment at the window's start, its erase block below");
    free(box);
    box_free(&s);
    section_end(&mark, "policy: rollback/MCU/target/window");
}

/* Two targets: the other target's frames are hash-checked too. */
static void test_other_target(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    box_setup s;
    size_t len, k;
    anatomy a;
    box_init(&s, 12000);
    box_add_target(&s, "radio", BOX_BASE + 0x10000, 12000, 5);
    s.t[1].frame_size = 1024;
    uint8_t *box = box_pack(&s, &len);
    dissect(box, len, &a);
    beyond_build = FWPK_TARGETS < 2;
    for (k = 0; k < a.n; k++) {
        size_t off = a.off[k] + a.flen[k] / 2;
        char what[128];
        box[off] ^= 0x10;
        snprintf(what, sizeof what, "two targets: frame %zu changed", k);
        refuse(&s, NULL, box, len, FWPK_ERR_FRAME_HASH, 0, what);
        box[off] ^= 0x10;
    }
    /* the two targets' frame runs exchanged */
    {
        fwp_layout *lay = &a.lay;
        size_t first = 0, n0 = 0;
        fwp_manifest m;
        fwp_err err;
        assert_int_equal(fwp_manifest_decode(lay->manifest, lay->manifest_len,
                                             "m", &m, &err), 0);
        n0 = m.targets[0].frame_count;
        size_t t1 = a.off[n0], nlen;
        uint8_t *x = cat(&nlen, box, lay->frames_offset, box + t1, len - t1,
                         box + lay->frames_offset, t1 - lay->frames_offset,
                         NULL, 0);
        refuse(&s, NULL, x, nlen, FWPK_ERR_FRAME_HASH, UNTOUCHED,
               "two targets: frame runs exchanged");
        free(x);
        (void)first;
    }
    /* the own target second: the first target's anchor is checked folded
     * (frame.h) when the own target begins, so a changed first frame of
     * it is refused before the own target's first erase */
    {
        box_policy p = {0};
        fwp_flash f;
        size_t off = a.off[0] + a.flen[0] / 2;
        p.target = "radio";
        assert_int_equal(box_verify(&s, &p, box, len, &f),
                         beyond_build ? FWPK_ERR_LIMIT : FWPK_OK);
        assert_true(beyond_build ? f.erases + f.writes == 0
                                 : box_flash_matches(&s, 1, &f));
        fwp_flash_free(&f);
        box[off] ^= 0x10;
        refuse(&s, &p, box, len, FWPK_ERR_FRAME_HASH, UNTOUCHED | NO_CLEAN,
               "two targets, own second: first target's first frame changed");
        box[off] ^= 0x10;
    }
    beyond_build = 0;
    anatomy_free(&a);
    free(box);
    box_free(&s);
    section_end(&mark, "two targets: other target tampered");
}

/* ---- validly signed containers whose manifest lies ------------------ */

static void one_segment(fwp_mtarget *t, uint32_t addr, uint32_t len)
{
    t->seg_count = 1;
    t->seg_addr[0] = addr;
    t->seg_len[0] = len;
    t->image_size = len;
}

/* Nonzero when flash is erased everywhere outside t's segments and holds
 * inside them only erased bytes or, if ref is not NULL, ref's bytes (the
 * segments' bytes concatenated). */
static int flash_within(const fwp_flash *f, const fwp_mtarget *t,
                        const uint8_t *ref)
{
    uint32_t a, i;
    for (a = 0; a < f->size; a++) {
        uint32_t addr = f->base + a, before = 0;
        int in = 0;
        for (i = 0; i < t->seg_count; i++) {
            if (addr >= t->seg_addr[i] && addr - t->seg_addr[i] < t->seg_len[i]) {
                in = 1;
                break;
            }
            before += t->seg_len[i];
        }
        if (f->mem[a] == 0xff)
            continue;
        if (!in)
            return 0;
        if (ref && f->mem[a] != ref[before + (addr - t->seg_addr[i])])
            return 0;
    }
    return 1;
}

/* Signs (with the trusted kp[0]) a container for manifest m over frames
 * fr, runs it, and checks the error and that flash stayed inside the
 * declared segments (and equals ref there, if ref is not NULL). */
static void lie(box_setup *s, const fwp_manifest *m, const fwp_frames *fr,
                const uint8_t *ref, uint32_t allowed, int flags,
                const char *what)
{
    size_t len;
    fwp_flash f;
    uint8_t *box = box_assemble(&s->o, m, s->kp, 1, fr, 1, &len);
    fwpk_err e = refuse_ex(s, NULL, box, len, allowed, flags | NO_CLEAN, what,
                           &f);
    if (!flash_within(&f, &m->targets[0], ref))
        fail_msg("%s: flash written outside the declared segments, or not "
                 "with the stream's bytes", what);
    printf("tamper: lying manifest: %-44s %s (%u erases, %u writes)\n",
           what, err_name(e), f.erases, f.writes);
    fwp_flash_free(&f);
    free(box);
}

static void test_assemble_matches_pack(void **state)
{
    (void)state;
    box_setup s;
    fwp_manifest m;
    fwp_frames fr;
    size_t len, glen;
    fwp_flash f;
    box_policy p = {0};
    box_init(&s, 20000);
    s.t[0].frame_size = 1024;
    box_manifest(&s, &m);
    box_frames(&m.targets[0], &fr, s.image[0], s.image_len[0],
              FWPK_CODEC_DEFLATE, 15, 1024);
    uint8_t *box = box_assemble(&s.o, &m, s.kp, 1, &fr, 1, &len);
    uint8_t *g = box_pack(&s, &glen);
    assert_int_equal(len, glen);
    assert_memory_equal(box, g, len);
    assert_int_equal(box_verify(&s, &p, box, len, &f), FWPK_OK);
    assert_true(box_flash_matches(&s, 0, &f));
    fwp_flash_free(&f);
    free(g);
    free(box);
    fwp_frames_free(&fr);
    box_free(&s);
}

static void test_lying_manifests(void **state)
{
    (void)state;
    section mark;
    section_begin(&mark);
    box_setup s;
    fwp_manifest g, m;
    fwp_frames fr;
    fwp_mtarget *t = &m.targets[0];
    const size_t N = 20000;
    size_t i;
    box_init(&s, N);
    s.t[0].frame_size = 1024;
    box_manifest(&s, &g);
    const uint8_t *img = s.image[0];

    /* decompression bombs: the stream inflates far beyond the 4 KiB the
     * manifest declares */
    {
        size_t big_n = 8u << 20;
        uint8_t *zeros = calloc(big_n, 1);
        assert_non_null(zeros);
        m = g;
        one_segment(t, BOX_BASE, 4096);
        fwp_hash(t->image_digest, zeros, 4096);
        box_frames(t, &fr, zeros, big_n, FWPK_CODEC_DEFLATE, 15, 1024);
        lie(&s, &m, &fr, zeros, E(FWPK_ERR_SIZE), 0,
            "bomb: 8 MiB of zeros declared as 4 KiB");
        fwp_frames_free(&fr);
        free(zeros);

        uint8_t *rep = malloc(1u << 20);
        assert_non_null(rep);
        for (i = 0; i < (1u << 20); i += 4096)
            memcpy(rep + i, img, 4096);
        m = g;
        one_segment(t, BOX_BASE, 8192);
        fwp_hash(t->image_digest, rep, 8192);
        box_frames(t, &fr, rep, 1u << 20, FWPK_CODEC_DEFLATE, 15, 1024);
        lie(&s, &m, &fr, rep, E(FWPK_ERR_SIZE), 0,
            "bomb: 1 MiB of repeats declared as 8 KiB");
        fwp_frames_free(&fr);
        free(rep);
    }

    /* a stream one byte longer than its segment; the byte past it must
     * stay erased */
    m = g;
    one_segment(t, BOX_BASE, (uint32_t)N - 1);
    fwp_hash(t->image_digest, img, N - 1);
    box_frames(t, &fr, img, N, FWPK_CODEC_DEFLATE, 15, 1024);
    lie(&s, &m, &fr, img, E(FWPK_ERR_SIZE), 0,
        "stream 1 byte longer than its segment");
    fwp_frames_free(&fr);

    /* two segments, the stream runs past the second into the gap and
     * beyond; with and without the thumb filter (its own segment walk) */
    for (int filter = 0; filter <= 1; filter++) {
        m = g;
        t->seg_count = 2;
        t->seg_addr[0] = BOX_BASE;
        t->seg_len[0] = 3001;
        t->seg_addr[1] = BOX_BASE + 0x8000;
        t->seg_len[1] = 3000;
        t->image_size = 6001;
        t->filter = (uint32_t)filter;
        fwp_hash(t->image_digest, img, 6001);
        box_frames(t, &fr, img, N, FWPK_CODEC_DEFLATE, 15, 1024);
        lie(&s, &m, &fr, filter ? NULL : img, E(FWPK_ERR_SIZE), 0,
            filter ? "stream past its 2 segments, thumb filter"
                   : "stream past its 2 segments");
        fwp_frames_free(&fr);
    }

    /* the same with codec none: frames carry more than the segments */
    m = g;
    t->codec = FWPK_CODEC_NONE;
    t->window_bits = 0;
    box_frames(t, &fr, img, N, FWPK_CODEC_NONE, 0, 1024);
    one_segment(t, BOX_BASE, 5000);
    t->payload_size = 5000; /* codec none: payload size == image size */
    fwp_hash(t->image_digest, img, 5000);
    lie(&s, &m, &fr, img, E(FWPK_ERR_FRAME), 0,
        "codec none, frames carry more than declared");
    fwp_frames_free(&fr);

    /* declared sizes larger than the data */
    m = g;
    box_frames(t, &fr, img, N, FWPK_CODEC_DEFLATE, 15, 1024);
    one_segment(t, BOX_BASE, (uint32_t)N + 1);
    lie(&s, &m, &fr, img, E(FWPK_ERR_SIZE), 0,
        "image size 1 byte larger than the stream");
    one_segment(t, BOX_BASE, (uint32_t)N * 4);
    lie(&s, &m, &fr, img, E(FWPK_ERR_SIZE), 0,
        "image size 4x the stream");
    m = g;
    t->seg_count = 2; /* a second segment the stream never reaches */
    t->seg_addr[1] = BOX_BASE + 0x10000;
    t->seg_len[1] = 100;
    t->image_size = (uint32_t)N + 100;
    lie(&s, &m, &fr, img, E(FWPK_ERR_SIZE), 0,
        "a second segment the stream never fills");
    m = g;
    t->payload_size += 1;
    lie(&s, &m, &fr, img, E(FWPK_ERR_FRAME), 0, "payload size + 1");
    m = g;
    t->frame_count += 1;
    lie(&s, &m, &fr, img, E(FWPK_ERR_FRAME), 0, "frame count + 1");
    m = g;
    t->frame_count -= 1;
    t->frame_size = FWPK_FRAME_SIZE_MAX; /* keeps payload <= count * size */
    lie(&s, &m, &fr, img, E(FWPK_ERR_FRAME), 0, "frame count - 1");
    {
        /* a frame size that still holds the payload (count * size >=
         * payload) but is below the first frame's length */
        uint32_t fs;
        size_t first = fr.data[0] | fr.data[1] << 8;
        m = g;
        fs = (t->payload_size + t->frame_count - 1) / t->frame_count;
        t->frame_size = fs < FWPK_FRAME_SIZE_MIN ? FWPK_FRAME_SIZE_MIN : fs;
        assert_true(t->frame_size < first);
        lie(&s, &m, &fr, img, E(FWPK_ERR_FRAME), UNTOUCHED,
            "frame size smaller than the first frame");
    }
    m = g;
    t->image_digest[7] ^= 1;
    {
        size_t len;
        fwp_flash f;
        uint8_t *box = box_assemble(&s.o, &m, s.kp, 1, &fr, 1, &len);
        /* the bytes are the genuine image, only the digest lies */
        refuse_ex(&s, NULL, box, len, E(FWPK_ERR_DIGEST), 0,
                  "image digest wrong", &f);
        assert_true(box_flash_clean(&s, 0, &f));
        fwp_flash_free(&f);
        free(box);
    }
    m = g;
    t->filter = FWPK_FILTER_THUMB; /* frames made without it */
    lie(&s, &m, &fr, NULL, E(FWPK_ERR_DIGEST), 0,
        "thumb filter claimed, stream unfiltered");
    fwp_frames_free(&fr);

    /* codec none claimed, deflate payload: sizes consistent with the
     * payload, digest of the real image */
    m = g;
    box_frames(t, &fr, img, N, FWPK_CODEC_DEFLATE, 15, 1024);
    {
        uint8_t *payload = malloc(t->payload_size), *p = payload;
        size_t off = 0;
        assert_non_null(payload);
        while (off < fr.len) { /* the payloads, concatenated */
            size_t fl = fr.data[off] | fr.data[off + 1] << 8;
            memcpy(p, fr.data + off + FWPK_FRAME_HEADER_LEN, fl);
            p += fl;
            off += FWPK_FRAME_HEADER_LEN + fl;
        }
        t->codec = FWPK_CODEC_NONE;
        t->window_bits = 0;
        one_segment(t, BOX_BASE, t->payload_size);
        lie(&s, &m, &fr, payload, E(FWPK_ERR_DIGEST), 0,
            "codec none claimed, payload is deflate");
        free(payload);
    }
    /* ... and with the real image size: payload size != image size */
    m = g;
    t->codec = FWPK_CODEC_NONE;
    t->window_bits = 0;
    lie(&s, &m, &fr, NULL, E(FWPK_ERR_MANIFEST), UNTOUCHED,
        "codec none claimed, sizes of deflate");
    fwp_frames_free(&fr);

    /* deflate claimed, payload stored as is */
    m = g;
    box_frames(t, &fr, img, N, FWPK_CODEC_NONE, 0, 1024);
    lie(&s, &m, &fr, NULL, E(FWPK_ERR_INFLATE), 0,
        "deflate claimed, payload is the raw image");
    fwp_frames_free(&fr);

    /* a window smaller than the stream uses: an 8 KiB block repeated, so
     * deflate refers 8 KiB back; the manifest says 512 bytes */
    {
        uint8_t *twice = malloc(16384);
        assert_non_null(twice);
        memcpy(twice, img, 8192);
        memcpy(twice + 8192, img, 8192);
        m = g;
        one_segment(t, BOX_BASE, 16384);
        fwp_hash(t->image_digest, twice, 16384);
        box_frames(t, &fr, twice, 16384, FWPK_CODEC_DEFLATE, 15, 1024);
        t->window_bits = 9;
        lie(&s, &m, &fr, twice, E(FWPK_ERR_INFLATE), 0,
            "window 2^9 claimed, stream uses 2^15");
        fwp_frames_free(&fr);
        free(twice);
    }
    box_free(&s);
    section_end(&mark, "signed but lying manifests");
}

/* ---- summary ---------------------------------------------------------- */

static void test_summary(void **state)
{
    (void)state;
    unsigned i;
    const char *sep = "";
    printf("tamper matrix: %u cases run, %u refused (", tally.run,
           tally.refused);
    for (i = 0; i < FWPK_ERR_COUNT; i++)
        if (tally.by_err[i]) {
            printf("%s%s %u", sep, err_name((fwpk_err)i), tally.by_err[i]);
            sep = ", ";
        }
    printf(")\n");
    assert_int_equal(tally.refused, tally.run);
    if (!getenv("TAMPER_FILTER"))
        assert_true(tally.run > 10000);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    if (getenv("TAMPER_FILTER")) /* e.g. TAMPER_FILTER='test_large_*' */
        cmocka_set_test_filter(getenv("TAMPER_FILTER"));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_small_every_bit, forget_genuine),
        cmocka_unit_test_teardown(test_small_lzma_every_bit, forget_genuine),
        cmocka_unit_test_teardown(test_small_delta_every_bit, forget_genuine),
        cmocka_unit_test_teardown(test_small_every_length, forget_genuine),
        cmocka_unit_test_teardown(test_large_genuine, forget_genuine),
        cmocka_unit_test_teardown(test_large_random_bytes, forget_genuine),
        cmocka_unit_test_teardown(test_large_truncations, forget_genuine),
        cmocka_unit_test_teardown(test_large_extensions, forget_genuine),
        cmocka_unit_test_teardown(test_large_frame_order, forget_genuine),
        cmocka_unit_test_teardown(test_large_foreign_frames, forget_genuine),
        cmocka_unit_test_teardown(test_spliced_manifest, forget_genuine),
        cmocka_unit_test_teardown(test_keys, forget_genuine),
        cmocka_unit_test_teardown(test_policy, forget_genuine),
        cmocka_unit_test_teardown(test_other_target, forget_genuine),
        cmocka_unit_test_teardown(test_assemble_matches_pack, forget_genuine),
        cmocka_unit_test_teardown(test_lying_manifests, forget_genuine),
        cmocka_unit_test_teardown(test_summary, forget_genuine),
    };
    int rc1 = cmocka_run_group_tests_name("tamper", tests, large_up,
                                          large_down);
    return rc1;
}
