/* test_stream_min.c - the verifier's compile-time features and limits
 * (fwpk_verify.h: FWPK_RESUME, FWPK_FILTERS, FWPK_DELTA,
 * FWPK_MAX_FRAME_SIZE, FWPK_WINDOW_BITS).  Built twice: with the defaults,
 * as every test, and by mk/min.mk against a verifier compiled like make
 * size's cortex-m0plus-min (-DFWPK_RESUME=0 -DFWPK_FILTERS=2
 * -DFWPK_DELTA=0) with the M0 demo's limits (12-bit window, 1 KiB frames).
 * Each build checks what its own configuration promises: a filter or delta
 * support left out, or a frame size or window above the limits (SPEC.md
 * 7), is refused before anything is erased, and without resume no record
 * is ever offered. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "box.h"

static unsigned checkpoints;

static fwpk_err count_checkpoint(void *user, const fwpk_resume *rec)
{
    (void)user;
    (void)rec;
    checkpoints++;
    return FWPK_OK;
}

/* Like box_verify, with a checkpoint callback that counts the records. */
static fwpk_err run(box_setup *s, fwp_flash *flash)
{
    static fwpk_ctx ctx;
    fwpk_key key;
    fwpk_policy pol;
    fwpk_flash cb;
    size_t len, off = 0;
    uint8_t *box = box_pack(s, &len);
    fwpk_err err;

    if (fwp_flash_init(flash, BOX_BASE, BOX_FLASH, 2048, 8))
        fail_msg("flash model");
    memset(&key, 0, sizeof key);
    memcpy(key.pk, s->kp[0].pk, 32);
    fwp_key_id(key.pk, key.id);
    memset(&pol, 0, sizeof pol);
    pol.keys = &key;
    pol.key_count = 1;
    pol.target = "main";
    pol.window_lo = BOX_BASE;
    pol.window_hi = BOX_BASE + BOX_FLASH;
    fwp_flash_bind(flash, &cb);
    cb.checkpoint = count_checkpoint;
    box_put_base(s, flash); /* a delta's base, if any */
    cb.base_addr = BOX_DELTA_BASE;
    checkpoints = 0;
    err = fwpk_begin(&ctx, &pol, &cb);
    while (err == FWPK_OK && off < len) {
        size_t n = len - off < 1000 ? len - off : 1000;
        err = fwpk_feed(&ctx, box + off, n);
        off += n;
    }
    if (err == FWPK_OK)
        err = fwpk_finish(&ctx);
    free(box);
    return err;
}

/* A container every build can install: 1 KiB frames, a 12-bit window. */
static void small_box(box_setup *s, size_t len)
{
    box_init(s, len);
    s->t[0].frame_size = 1024;
    s->t[0].window_bits = 12;
}

/* SPEC.md 7: frame sizes and windows above this build's limits are
 * FWPK_ERR_LIMIT, the other target's frame size too (every frame goes
 * through the frame buffer); at the limits they install. */
static void test_limits(void **state)
{
    static const struct {
        uint32_t frame, window, other_frame;
    } cases[] = {{1024, 12, 1024}, {2048, 12, 1024}, {1024, 13, 1024},
                 {8192, 15, 1024}, {1024, 12, 2048}, {1024, 12, 8192}};
    size_t i;
    (void)state;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        box_setup s;
        fwp_flash f;
        int over = cases[i].frame > FWPK_MAX_FRAME_SIZE ||
                   cases[i].other_frame > FWPK_MAX_FRAME_SIZE ||
                   cases[i].window > FWPK_WINDOW_BITS;
        small_box(&s, 9000);
        s.t[0].frame_size = cases[i].frame;
        s.t[0].window_bits = cases[i].window;
        box_add_target(&s, "radio", BOX_BASE + 0x20000, 3000, 2);
        s.t[1].frame_size = cases[i].other_frame;
        s.t[1].window_bits = 9;
        assert_int_equal(run(&s, &f), over ? FWPK_ERR_LIMIT : FWPK_OK);
        if (over)
            assert_int_equal(f.erases + f.writes, 0);
        else
            assert_true(box_flash_matches(&s, 0, &f));
        fwp_flash_free(&f);
        box_free(&s);
    }
}

static void test_filters(void **state)
{
    static const uint32_t filters[] = {FWPK_FILTER_NONE, FWPK_FILTER_THUMB,
                                       FWPK_FILTER_RV32};
    box_setup s;
    size_t i;
    (void)state;
    small_box(&s, 9000);
    for (i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        fwp_flash f;
        uint32_t filter = filters[i];
        int built = filter == FWPK_FILTER_NONE || (FWPK_FILTERS >> filter & 1);
        s.t[0].filter = filter;
        /* small_box's 12 bits, or less where RV32 needs it */
        s.t[0].window_bits = filter == FWPK_FILTER_RV32 &&
                                     BOX_RV32_WINDOW_BITS < 12
                                 ? BOX_RV32_WINDOW_BITS
                                 : 12;
        if (built) {
            assert_int_equal(run(&s, &f), FWPK_OK);
            assert_true(box_flash_matches(&s, 0, &f));
        } else {
            /* refused in the policy check: nothing erased or written */
            assert_int_equal(run(&s, &f), FWPK_ERR_LIMIT);
            assert_int_equal(f.erases + f.writes, 0);
        }
        fwp_flash_free(&f);
    }
    box_free(&s);
}

static void test_resume(void **state)
{
    static fwpk_ctx ctx;
    fwpk_resume rec;
    fwpk_key key;
    fwpk_policy pol;
    fwpk_flash cb;
    fwp_flash f;
    box_setup s;
    (void)state;
    small_box(&s, 9000);
    /* 2 KiB erase blocks, 9000 bytes: a build with resume offers records */
    assert_int_equal(run(&s, &f), FWPK_OK);
    if (FWPK_RESUME)
        assert_true(checkpoints > 0);
    else
        assert_int_equal(checkpoints, 0);
    fwp_flash_bind(&f, &cb);
    memset(&key, 0, sizeof key);
    memcpy(key.pk, s.kp[0].pk, 32);
    fwp_key_id(key.pk, key.id);
    memset(&pol, 0, sizeof pol);
    pol.keys = &key;
    pol.key_count = 1;
    pol.target = "main";
    memset(&rec, 0, sizeof rec);
    assert_int_equal(fwpk_resume_begin(&ctx, &pol, &cb, &rec),
                     FWPK_RESUME ? FWPK_OK : FWPK_ERR_ARG);
    /* the offset, whatever the build: nothing was fed yet */
    assert_int_equal(fwpk_resume_skip(&ctx), 0);
    fwp_flash_free(&f);
    box_free(&s);
}

/* A delta target (SPEC.md 6.5): installed, or refused before any erase
 * by a build without the applier. */
static void test_delta(void **state)
{
    box_setup s;
    fwp_flash f;
    size_t blen;
    (void)state;
    small_box(&s, 9000);
    if (s.t[0].window_bits > BOX_DELTA_WINDOW_BITS)
        s.t[0].window_bits = BOX_DELTA_WINDOW_BITS;
    s.t[0].codec = BOX_DELTA_CODEC;
    if (BOX_DELTA_CODEC == FWPK_CODEC_NONE)
        s.t[0].window_bits = 0;
    box_make_delta(&s, &blen);
    assert_int_equal(run(&s, &f), FWPK_DELTA ? FWPK_OK : FWPK_ERR_LIMIT);
    if (FWPK_DELTA)
        assert_true(box_flash_matches(&s, 0, &f));
    else
        assert_int_equal(f.erases + f.writes, 0);
    fwp_flash_free(&f);
    box_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_delta),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
