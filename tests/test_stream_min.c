/* test_stream_min.c - the verifier's compile-time features (fwpk_verify.h:
 * FWPK_RESUME, FWPK_FILTERS).  Built twice: with the defaults, as every test,
 * and by mk/min.mk against a verifier compiled like make size's
 * cortex-m0plus-min (-DFWPK_RESUME=0 -DFWPK_FILTERS=2).  Each build checks
 * what its own configuration promises: a filter left out is refused before
 * anything is erased, and without resume no record is ever offered. */
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

static void test_filters(void **state)
{
    static const uint32_t filters[] = {FWPK_FILTER_NONE, FWPK_FILTER_THUMB,
                                       FWPK_FILTER_RV32};
    box_setup s;
    size_t i;
    (void)state;
    box_init(&s, 9000);
    for (i = 0; i < sizeof filters / sizeof filters[0]; i++) {
        fwp_flash f;
        uint32_t filter = filters[i];
        int built = filter == FWPK_FILTER_NONE || (FWPK_FILTERS >> filter & 1);
        s.t[0].filter = filter;
        s.t[0].window_bits =
            filter == FWPK_FILTER_RV32 ? BOX_RV32_WINDOW_BITS : 15;
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
    box_init(&s, 9000);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_resume),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
