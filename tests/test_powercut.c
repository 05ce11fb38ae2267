/* test_powercut.c - power cuts at every erase and every write (writes cut
 * halfway through, a unit half programmed), then a restart that resumes
 * from the last checkpoint the verifier offered: the result must be the
 * genuine image, byte for byte, and no cut run may ever report success.
 * Also: records that are torn or belong to another container are refused.
 * In the builds that leave a codec out (mk/modes.mk), its containers are
 * refused before any erase; the default codec (box.h) is then LZMA. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"

typedef struct {
    fwp_flash flash;
    fwpk_resume saved; /* what the bootloader persisted */
    int have_saved;
    unsigned offered;
} device;

static fwpk_err persist(void *user, const fwpk_resume *rec)
{
    device *d = (device *)((char *)user - offsetof(device, flash));
    d->saved = *rec;
    d->have_saved = 1;
    d->offered++;
    return FWPK_OK;
}

static fwpk_ctx ctx;

/* One boot: a fresh verifier (or a resumed one) fed the first 'upto' bytes
 * of box (all of it when upto >= len: then finished), going on from the
 * resume point when 'jump' is set.  A boot whose download or power ends
 * early returns the verifier's status at that point. */
static fwpk_err boot_upto(device *d, const box_setup *s, const uint8_t *box,
                          size_t len, size_t upto, int resume, int jump)
{
    fwpk_key key;
    fwpk_policy pol;
    fwpk_flash cb;
    size_t off = 0;
    fwpk_err err;
    memset(&key, 0, sizeof key);
    memcpy(key.pk, s->kp[0].pk, 32);
    fwp_key_id(key.pk, key.id);
    memset(&pol, 0, sizeof pol);
    pol.keys = &key;
    pol.key_count = 1;
    pol.target = "main";
    pol.window_lo = BOX_BASE;
    pol.window_hi = BOX_BASE + BOX_FLASH;
    fwp_flash_bind(&d->flash, &cb);
    cb.checkpoint = persist;
    cb.base_addr = BOX_DELTA_BASE; /* a delta's base (box_put_base) */
    err = resume ? fwpk_resume_begin(&ctx, &pol, &cb, &d->saved)
                 : fwpk_begin(&ctx, &pol, &cb);
    if (upto > len)
        upto = len;
    while (err == FWPK_OK && off < upto) {
        size_t n = upto - off < 1000 ? upto - off : 1000;
        err = fwpk_feed(&ctx, box + off, n);
        off += n;
        if (err == FWPK_OK && jump && resume && off < upto) {
            uint32_t next = fwpk_resume_skip(&ctx);
            if (next > off)
                off = next; /* feed goes on at the resume point */
        }
    }
    if (err == FWPK_OK && upto == len)
        err = fwpk_finish(&ctx);
    return err;
}

static fwpk_err boot(device *d, const box_setup *s, const uint8_t *box,
                     size_t len, int resume, int jump)
{
    return boot_upto(d, s, box, len, len, resume, jump);
}

/* Old contents everywhere: programmed, so every write needs an erase. */
static void old_flash(device *d)
{
    uint32_t i;
    memset(d, 0, sizeof *d);
    assert_int_equal(fwp_flash_init(&d->flash, BOX_BASE, BOX_FLASH, 2048, 8),
                     0);
    for (i = 0; i < BOX_FLASH; i++)
        d->flash.mem[i] = (uint8_t)(i * 131u + 7u);
    memset(d->flash.programmed, 1, BOX_FLASH / 8);
}

/* The image in flash; a delta's base as it was: never written. */
static int image_in_flash(const box_setup *s, const device *d)
{
    return memcmp(d->flash.mem + (s->t[0].image.segs[0].addr - BOX_BASE),
                  s->image[0], s->image_len[0]) == 0 &&
           (!s->base || memcmp(d->flash.mem + (BOX_DELTA_BASE - BOX_BASE),
                               s->base, s->t[0].base_size) == 0);
}

static unsigned cut_everywhere(box_setup *s, const char *what)
{
    size_t len;
    uint8_t *box = box_pack(s, &len);
    device d;
    unsigned ops, k, resumed = 0, restarted = 0;
    old_flash(&d);
    if (box_codec_left_out(s, 0)) { /* FWPK_CODECS: nothing to cut */
        assert_int_equal(boot(&d, s, box, len, 0, 0), FWPK_ERR_LIMIT);
        assert_int_equal(d.flash.erases + d.flash.writes, 0);
        printf("# %s: refused before any erase, this build has no such "
               "codec\n", what);
        fwp_flash_free(&d.flash);
        free(box);
        return 0;
    }
    box_put_base(s, &d.flash);
    assert_int_equal(boot(&d, s, box, len, 0, 0), FWPK_OK);
    assert_true(image_in_flash(s, &d));
    ops = d.flash.erases + d.flash.writes;
    fwp_flash_free(&d.flash);
    for (k = 0; k < ops; k++) {
        fwpk_err err;
        int had_record;
        old_flash(&d);
        box_put_base(s, &d.flash);
        d.flash.cut_after = (long)k;
        err = boot(&d, s, box, len, 0, 0);
        assert_int_not_equal(err, FWPK_OK); /* never "done" when cut */
        assert_true(d.flash.cut);
        d.flash.cut_after = -1;
        d.flash.cut = 0;
        d.flash.problem[0] = 0;
        had_record = d.have_saved;
        err = boot(&d, s, box, len, had_record, k & 1);
        if (err != FWPK_OK)
            fail_msg("%s: cut at op %u, restart: %s (%s)", what, k,
                     fwpk_strerror(err), d.flash.problem);
        assert_true(image_in_flash(s, &d));
        if (had_record)
            resumed++;
        else
            restarted++;
        fwp_flash_free(&d.flash);
    }
    printf("# %s: %u cut points (%u resumed from a checkpoint, %u restarted "
           "from scratch), every one ends with the genuine image\n",
           what, ops, resumed, restarted);
    free(box);
    return ops;
}

static void test_cut_deflate(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 24000);
    s.t[0].codec = FWPK_CODEC_DEFLATE;
    s.t[0].frame_size = 512;
    cut_everywhere(&s, "deflate, 512-byte frames");
    box_free(&s);
}

static void test_cut_deflate_thumb(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 24001);
    s.t[0].codec = FWPK_CODEC_DEFLATE;
    s.t[0].frame_size = 1024;
    s.t[0].filter = FWPK_FILTER_THUMB;
    s.t[0].window_bits = 10;
    cut_everywhere(&s, "deflate + thumb filter, window 2^10");
    box_free(&s);
}

static void test_cut_deflate_rv32(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 24003);
    s.t[0].codec = FWPK_CODEC_DEFLATE;
    s.t[0].frame_size = 1024;
    s.t[0].filter = FWPK_FILTER_RV32;
    s.t[0].window_bits =
        BOX_RV32_WINDOW_BITS < 10 ? BOX_RV32_WINDOW_BITS : 10;
    cut_everywhere(&s, "deflate + rv32 filter, window 2^10");
    box_free(&s);
}

/* LZMA's records all name its first frame: a resumed run decodes again
 * from there and compares what is already in flash (SPEC.md 6.1). */
static void test_cut_lzma(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 24005);
    s.t[0].codec = FWPK_CODEC_LZMA;
    s.t[0].lzma_props = 45 + 9; /* lc 0 lp 1 pb 1 */
    s.t[0].window_bits = 16;
    s.t[0].frame_size = 1024;
    s.t[0].filter = FWPK_FILTER_THUMB;
    cut_everywhere(&s, "lzma + thumb filter, dictionary 2^16");
    box_free(&s);
}

/* A delta's records name its first frame too (SPEC.md 6.5): a resumed
 * run checks the base again and decodes from the start; the base, read
 * until the last byte, is never written. */
static void test_cut_delta(void **state)
{
    (void)state;
    static const uint32_t codec[] = {FWPK_CODEC_DEFLATE, FWPK_CODEC_LZMA,
                                     FWPK_CODEC_NONE};
    static const char *const what[] = {
        "delta, deflate + thumb filter, 256-byte frames",
        "delta, lzma + thumb filter, 256-byte frames",
        "delta, no codec, 256-byte frames"};
    for (int i = 0; i < 3; i++) {
        box_setup s;
        size_t blen;
        /* LZMA's smallest dictionary, 2^12, and deflate's, 2^9, may be
         * more than this build's ring */
        if ((codec[i] == FWPK_CODEC_LZMA &&
             BOX_DELTA_WINDOW_BITS < FWPK_LZMA_DICT_BITS_MIN) ||
            (codec[i] == FWPK_CODEC_DEFLATE &&
             BOX_DELTA_CODEC == FWPK_CODEC_NONE)) {
            printf("# %s: not in this build (ring 2^%d)\n", what[i],
                   FWPK_RING_BITS);
            continue;
        }
        box_init(&s, 24007);
        s.t[0].codec = codec[i];
        s.t[0].lzma_props = 45 + 9;
        s.t[0].window_bits = codec[i] == FWPK_CODEC_NONE ? 0
                             : codec[i] == FWPK_CODEC_LZMA
                                 ? FWPK_LZMA_DICT_BITS_MIN
                             : BOX_DELTA_WINDOW_BITS < 12 ? BOX_DELTA_WINDOW_BITS
                                                          : 12;
        s.t[0].frame_size = 256; /* a patch of a few frames */
        s.t[0].filter = FWPK_FILTER_THUMB;
        box_make_delta(&s, &blen);
        cut_everywhere(&s, what[i]);
        box_free(&s);
    }
}

static void test_cut_stored(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 9001);
    s.t[0].codec = FWPK_CODEC_NONE;
    s.t[0].window_bits = 0;
    s.t[0].frame_size = 700;
    s.t[0].filter = FWPK_FILTER_THUMB;
    cut_everywhere(&s, "no codec + thumb filter");
    box_free(&s);
}

/* A second cut during the resumed run, then a third boot. */
static void test_cut_twice(void **state)
{
    (void)state;
    box_setup s;
    size_t len;
    unsigned k, runs = 0;
    box_init(&s, 20000);
    s.t[0].frame_size = 512;
    s.t[0].filter = FWPK_FILTER_THUMB;
    uint8_t *box = box_pack(&s, &len);
    for (k = 3; k < 40; k += 5) {
        device d;
        old_flash(&d);
        box_put_base(&s, &d.flash);
        d.flash.cut_after = (long)k;
        assert_int_not_equal(boot(&d, &s, box, len, 0, 0), FWPK_OK);
        d.flash.cut = 0;
        d.flash.cut_after = (long)(d.flash.erases + d.flash.writes + 4);
        assert_int_not_equal(boot(&d, &s, box, len, d.have_saved, 1),
                             FWPK_OK);
        d.flash.cut = 0;
        d.flash.cut_after = -1;
        assert_int_equal(boot(&d, &s, box, len, d.have_saved, 1), FWPK_OK);
        assert_true(image_in_flash(&s, &d));
        fwp_flash_free(&d.flash);
        runs++;
    }
    printf("# %u double cuts recovered\n", runs);
    free(box);
    box_free(&s);
}

static void test_bad_records(void **state)
{
    (void)state;
    box_setup s, other;
    size_t len, olen;
    device d;
    box_init(&s, 20000);
    s.t[0].frame_size = 512;
    box_init(&other, 20000);
    other.o.version = "9.9.9";
    other.t[0].frame_size = 512;
    uint8_t *box = box_pack(&s, &len);
    uint8_t *obox = box_pack(&other, &olen);
    old_flash(&d);
    d.flash.cut_after = 12;
    assert_int_not_equal(boot(&d, &s, box, len, 0, 0), FWPK_OK);
    assert_true(d.have_saved);
    d.flash.cut = 0;
    d.flash.cut_after = -1;
    /* the record belongs to box, not obox */
    assert_int_equal(boot(&d, &other, obox, olen, 1, 0), FWPK_ERR_RESUME);
    /* a torn record */
    d.saved.flushed ^= 1;
    assert_int_equal(boot(&d, &s, box, len, 1, 0), FWPK_ERR_RESUME);
    d.saved.flushed ^= 1;
    assert_int_equal(boot(&d, &s, box, len, 1, 0), FWPK_OK);
    assert_true(image_in_flash(&s, &d));
    fwp_flash_free(&d.flash);
    free(box);
    free(obox);
    box_free(&s);
    box_free(&other);
}

/* Issue 21's reproduction: a record of container C1 survives an attempt to
 * install C2 that overwrote part of what the record says is in flash.  The
 * resumed C1 run must not report success on that flash. */
static void test_resume_over_foreign_bytes(void **state)
{
    (void)state;
    box_setup c1, c2;
    size_t len1, len2, i;
    device d;
    box_init(&c1, 12000);
    c1.t[0].codec = FWPK_CODEC_NONE;
    c1.t[0].window_bits = 0;
    c1.t[0].frame_size = 8192;
    c1.o.version = "2.0.0";
    box_init(&c2, 12000);
    c2.t[0].codec = FWPK_CODEC_NONE;
    c2.t[0].window_bits = 0;
    c2.t[0].frame_size = 1024;
    c2.o.version = "1.0.0";
    for (i = 0; i < 12000; i++)
        c2.image[0][i] = (uint8_t)(c1.image[0][i] ^ 0x5a);
    fwp_image_free(&c2.t[0].image);
    fwp_err perr;
    assert_int_equal(fwp_image_add(&c2.t[0].image, BOX_BASE, c2.image[0],
                                   12000, "c2", &perr),
                     0);
    uint8_t *b1 = box_pack(&c1, &len1);
    uint8_t *b2 = box_pack(&c2, &len2);
    old_flash(&d);
    /* boot 1: C1 up to byte 9000, inside its first frame's installation */
    assert_int_equal(boot_upto(&d, &c1, b1, len1, 9000, 0, 0), FWPK_OK);
    assert_true(d.have_saved);
    fwpk_resume rec = d.saved;
    /* boot 2: the record does not fit C2; C2 starts over and writes 1 KiB
     * into block 0, offering no record */
    size_t c2_frame1 = len2 - 12000 - 12 * FWPK_FRAME_HEADER_LEN +
                       FWPK_FRAME_HEADER_LEN + 1024;
    assert_int_equal(boot_upto(&d, &c2, b2, len2, c2_frame1 + 100, 1, 0),
                     FWPK_ERR_RESUME);
    assert_int_equal(boot_upto(&d, &c2, b2, len2, c2_frame1 + 100, 0, 0),
                     FWPK_OK);
    assert_memory_equal(&d.saved, &rec, sizeof rec);
    /* boot 3: C1 resumed from its old record: refused, not "installed" */
    assert_int_equal(boot_upto(&d, &c1, b1, len1, len1, 1, 0),
                     FWPK_ERR_RESUME);
    /* ... and starting over installs C1 exactly */
    assert_int_equal(boot_upto(&d, &c1, b1, len1, len1, 0, 0), FWPK_OK);
    assert_true(image_in_flash(&c1, &d));
    fwp_flash_free(&d.flash);
    free(b1);
    free(b2);
    box_free(&c1);
    box_free(&c2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cut_deflate),
        cmocka_unit_test(test_cut_deflate_thumb),
        cmocka_unit_test(test_cut_deflate_rv32),
        cmocka_unit_test(test_cut_lzma),
        cmocka_unit_test(test_cut_stored),
        cmocka_unit_test(test_cut_delta),
        cmocka_unit_test(test_cut_twice),
        cmocka_unit_test(test_bad_records),
        cmocka_unit_test(test_resume_over_foreign_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
