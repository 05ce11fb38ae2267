/* test_keys_policy.c - the device keyring policy with several signatures:
 * rotation from key A to key B across releases, revocation, minimum key
 * generation, anti-rollback, k-of-n met and not met.  Containers are made
 * with libfwpack and run through the device verifier (box.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "box.h"

enum { A = 0, B = 1, C = 2, D = 3 };

typedef struct {
    box_setup s;
    fwp_keypair keys[FWPK_MAX_SIGNATURES];
    uint8_t *box;
    size_t len;
} release;

/* A release signed by the keys in 'signers' (indexes into s.kp, -1 ends),
 * with this security counter. */
static void make(release *r, const int *signers, uint32_t counter,
                 const char *version)
{
    size_t n = 0;
    box_init(&r->s, 12000);
    for (; signers[n] >= 0; n++)
        r->keys[n] = r->s.kp[signers[n]];
    r->s.o.keys = r->keys;
    r->s.o.key_count = n;
    r->s.o.security_counter = counter;
    r->s.o.version = version;
    r->box = box_pack(&r->s, &r->len);
}

static void drop(release *r)
{
    free(r->box);
    box_free(&r->s);
}

/* Runs the verifier; on success, checks the flash holds the image; on
 * refusal, that nothing was erased or written. */
static fwpk_err run(const release *r, const box_policy *p)
{
    fwp_flash flash;
    fwpk_err e = box_verify(&r->s, p, r->box, r->len, &flash);
    if (e == FWPK_OK)
        assert_true(box_flash_matches(&r->s, 0, &flash));
    else
        assert_true(flash.erases == 0 && flash.writes == 0);
    fwp_flash_free(&flash);
    return e;
}

static void test_rotation(void **state)
{
    (void)state;
    static const int by_a[] = {A, -1}, by_ab[] = {A, B, -1}, by_b[] = {B, -1};
    release r1, r2, r3;
    make(&r1, by_a, 1, "1.0.0");  /* before the rotation */
    make(&r2, by_ab, 2, "1.1.0"); /* the transition release */
    make(&r3, by_b, 3, "2.0.0");  /* after it */
    box_policy old = {0}, both = {0}, revoked = {0};
    old.key_count = 1; /* devices in the field: A only */
    both.key_count = 2; /* the keyring that shipped before the rotation */
    revoked.key_count = 2;
    revoked.revoked_mask = 1 << A;
    /* an old device takes r1 and r2, not r3 (it does not know B) */
    assert_int_equal(run(&r1, &old), FWPK_OK);
    assert_int_equal(run(&r2, &old), FWPK_OK);
    assert_int_equal(run(&r3, &old), FWPK_ERR_SIGNATURE);
    /* keyring [A, B]: every release */
    assert_int_equal(run(&r1, &both), FWPK_OK);
    assert_int_equal(run(&r2, &both), FWPK_OK);
    assert_int_equal(run(&r3, &both), FWPK_OK);
    /* A revoked: what A alone signed is refused as revoked; B's count */
    assert_int_equal(run(&r1, &revoked), FWPK_ERR_REVOKED);
    assert_int_equal(run(&r2, &revoked), FWPK_OK);
    assert_int_equal(run(&r3, &revoked), FWPK_OK);
    /* the same by generation: A is 0, B is 1, the device's minimum 1 */
    box_policy gen = {0};
    gen.key_count = 2;
    gen.generation[A] = 0;
    gen.generation[B] = 1;
    assert_int_equal(run(&r1, &gen), FWPK_OK);
    gen.min_generation = 1;
    assert_int_equal(run(&r1, &gen), FWPK_ERR_REVOKED);
    assert_int_equal(run(&r2, &gen), FWPK_OK);
    assert_int_equal(run(&r3, &gen), FWPK_OK);
    gen.min_generation = 2; /* nothing left */
    assert_int_equal(run(&r3, &gen), FWPK_ERR_REVOKED);
    drop(&r1);
    drop(&r2);
    drop(&r3);
}

static void test_rollback(void **state)
{
    (void)state;
    static const int by_b[] = {B, -1};
    release old, cur;
    make(&old, by_b, 2, "1.0.0");
    make(&cur, by_b, 5, "1.4.0");
    box_policy p = {0};
    p.key_count = 2;
    /* the device's minimum is the counter of what it installed last */
    p.min_security_counter = 5;
    assert_int_equal(run(&cur, &p), FWPK_OK);
    assert_int_equal(run(&old, &p), FWPK_ERR_ROLLBACK);
    p.min_security_counter = 6;
    assert_int_equal(run(&cur, &p), FWPK_ERR_ROLLBACK);
    p.min_security_counter = 2;
    assert_int_equal(run(&old, &p), FWPK_OK);
    /* the counter is only believed once the manifest is authentic: the
     * signatures are decided first */
    p.min_security_counter = 3;
    p.revoked_mask = 1 << B;
    assert_int_equal(run(&old, &p), FWPK_ERR_REVOKED);
    p.revoked_mask = 0;
    p.key_count = 1; /* keyring A only */
    assert_int_equal(run(&old, &p), FWPK_ERR_SIGNATURE);
    drop(&old);
    drop(&cur);
}

static void test_k_of_n(void **state)
{
    (void)state;
    static const int ab[] = {A, B, -1}, a[] = {A, -1}, ad[] = {A, D, -1},
                     abc[] = {A, B, C, -1}, cb[] = {C, B, -1};
    release r;
    box_policy p = {0};
    p.key_count = 3; /* keyring A, B, C; two signatures needed */
    p.min_signatures = 2;
    make(&r, ab, 0, "1.0.0");
    assert_int_equal(run(&r, &p), FWPK_OK);
    drop(&r);
    make(&r, cb, 0, "1.0.0");
    assert_int_equal(run(&r, &p), FWPK_OK);
    drop(&r);
    make(&r, abc, 0, "1.0.0");
    assert_int_equal(run(&r, &p), FWPK_OK);
    p.min_signatures = 3;
    assert_int_equal(run(&r, &p), FWPK_OK);
    p.min_signatures = 2;
    drop(&r);
    /* one signer: not met */
    make(&r, a, 0, "1.0.0");
    assert_int_equal(run(&r, &p), FWPK_ERR_SIGNATURE);
    drop(&r);
    /* two signers, one of them unknown to the device: not met */
    make(&r, ad, 0, "1.0.0");
    assert_int_equal(run(&r, &p), FWPK_ERR_SIGNATURE);
    drop(&r);
    /* two valid signatures, one by a revoked key: not met, and the error
     * is SIGNATURE since a good key did sign */
    make(&r, ab, 0, "1.0.0");
    p.revoked_mask = 1 << A;
    assert_int_equal(run(&r, &p), FWPK_ERR_SIGNATURE);
    p.revoked_mask = 0;
    /* 1-of-n by default */
    p.min_signatures = 0;
    assert_int_equal(run(&r, &p), FWPK_OK);
    drop(&r);
}

/* Two entries by the same key count once. */
static void test_same_key_twice(void **state)
{
    (void)state;
    static const int aa[] = {A, A, -1};
    release r;
    box_policy p = {0};
    p.key_count = 2;
    make(&r, aa, 0, "1.0.0");
    assert_int_equal(run(&r, &p), FWPK_OK);
    p.min_signatures = 2;
    assert_int_equal(run(&r, &p), FWPK_ERR_SIGNATURE);
    drop(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rotation),
        cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_k_of_n),
        cmocka_unit_test(test_same_key_twice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
