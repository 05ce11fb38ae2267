/* test_keys.c - PEM round trips, byte-for-byte OpenSSL interop, key ids,
 * file modes, the keyring header. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fwpack.h"
#include "pack_util.h"

static int have_openssl(void)
{
    return system("openssl version >/dev/null 2>&1") == 0;
}

static void sh(const char *fmt, const char *a, const char *b)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, fmt, a, b);
    assert_int_equal(system(cmd), 0);
}

static void test_round_trip(void **state)
{
    (void)state;
    const char *dir = pu_tmpdir();
    fwp_keypair kp, back;
    fwp_err err;
    uint8_t pk[32];
    assert_int_equal(fwp_key_generate(&kp), 0);
    assert_int_equal(
        fwp_key_save_private(pu_path(dir, "k.pem"), &kp, 0, &err), 0);
    struct stat st;
    assert_int_equal(stat(pu_path(dir, "k.pem"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* no overwrite without force */
    assert_int_equal(
        fwp_key_save_private(pu_path(dir, "k.pem"), &kp, 0, &err), -1);
    assert_non_null(strstr(err.msg, "exists"));
    assert_int_equal(fwp_key_load_private(pu_path(dir, "k.pem"), &back, &err),
                     0);
    assert_memory_equal(back.sk, kp.sk, 64);
    assert_int_equal(fwp_key_save_public(pu_path(dir, "p.pem"), kp.pk, 0,
                                         &err), 0);
    assert_int_equal(fwp_key_load_public(pu_path(dir, "p.pem"), pk, &err), 0);
    assert_memory_equal(pk, kp.pk, 32);
    assert_int_equal(fwp_key_load_public(pu_path(dir, "k.pem"), pk, &err), 0);
    assert_memory_equal(pk, kp.pk, 32);
    /* a public key cannot sign */
    assert_int_equal(fwp_key_load_private(pu_path(dir, "p.pem"), &back, &err),
                     -1);
    pu_write_str(pu_path(dir, "junk.pem"), "-----BEGIN PRIVATE KEY-----\n"
                                           "AAAA\n-----END PRIVATE KEY-----\n");
    assert_int_equal(
        fwp_key_load_private(pu_path(dir, "junk.pem"), &back, &err), -1);
    assert_non_null(strstr(err.msg, "junk.pem: not an Ed25519 key"));
    pu_rmdir(dir);
}

static void test_openssl_reads_ours(void **state)
{
    (void)state;
    if (!have_openssl())
        skip();
    const char *dir = pu_tmpdir();
    fwp_keypair kp;
    fwp_err err;
    fwp_key_generate(&kp);
    assert_int_equal(fwp_key_save_private(pu_path(dir, "k.pem"), &kp, 0, &err),
                     0);
    assert_int_equal(fwp_key_save_public(pu_path(dir, "p.pem"), kp.pk, 0, &err),
                     0);
    sh("openssl pkey -in %s -pubout -out %s", pu_path(dir, "k.pem"),
       pu_path(dir, "o.pem"));
    size_t a, b;
    char *ours = pu_read(pu_path(dir, "p.pem"), &a);
    char *theirs = pu_read(pu_path(dir, "o.pem"), &b);
    assert_int_equal(a, b);
    assert_memory_equal(ours, theirs, a);
    free(ours);
    free(theirs);
    /* and openssl re-writing our private key gives the same bytes */
    sh("openssl pkey -in %s -out %s", pu_path(dir, "k.pem"),
       pu_path(dir, "k2.pem"));
    ours = pu_read(pu_path(dir, "k.pem"), &a);
    theirs = pu_read(pu_path(dir, "k2.pem"), &b);
    assert_int_equal(a, b);
    assert_memory_equal(ours, theirs, a);
    free(ours);
    free(theirs);
    pu_rmdir(dir);
}

static void test_we_read_openssl(void **state)
{
    (void)state;
    if (!have_openssl())
        skip();
    const char *dir = pu_tmpdir();
    sh("openssl genpkey -algorithm ed25519 -out %s%s", pu_path(dir, "k.pem"),
       "");
    sh("openssl pkey -in %s -pubout -out %s", pu_path(dir, "k.pem"),
       pu_path(dir, "p.pem"));
    fwp_keypair kp;
    fwp_err err;
    uint8_t pk[32], sig[64], msg[64] = {1, 2, 3};
    assert_int_equal(fwp_key_load_private(pu_path(dir, "k.pem"), &kp, &err),
                     0);
    assert_int_equal(fwp_key_load_public(pu_path(dir, "p.pem"), pk, &err), 0);
    assert_memory_equal(pk, kp.pk, 32);
    crypto_sign_detached(sig, NULL, msg, sizeof msg, kp.sk);
    assert_int_equal(crypto_sign_verify_detached(sig, msg, sizeof msg, pk), 0);
    /* and OpenSSL verifies our signature with its own public key file */
    pu_write(pu_path(dir, "msg"), msg, sizeof msg);
    pu_write(pu_path(dir, "sig"), sig, sizeof sig);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl pkeyutl -verify -pubin -inkey %s -rawin -in %s "
             "-sigfile %s >/dev/null",
             pu_path(dir, "p.pem"), pu_path(dir, "msg"), pu_path(dir, "sig"));
    assert_int_equal(system(cmd), 0);
    /* fwpack rewrites openssl's private key byte for byte */
    assert_int_equal(fwp_key_save_private(pu_path(dir, "k2.pem"), &kp, 0,
                                          &err), 0);
    size_t a, b;
    char *x = pu_read(pu_path(dir, "k.pem"), &a);
    char *y = pu_read(pu_path(dir, "k2.pem"), &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
    pu_rmdir(dir);
}

static void test_v2_and_der(void **state)
{
    (void)state;
    fwp_keypair kp;
    fwp_key_generate(&kp);
    uint8_t der[83] = {0x30, 0x51, 0x02, 0x01, 0x01, 0x30, 0x05, 0x06, 0x03,
                       0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20};
    memcpy(der + 16, kp.sk, 32);
    der[48] = 0x81;
    der[49] = 0x21;
    der[50] = 0x00;
    memcpy(der + 51, kp.pk, 32);
    uint8_t key[32];
    int priv = 0;
    fwp_err err;
    assert_int_equal(fwp_pem_parse(der, sizeof der, "v2", key, &priv, &err), 0);
    assert_true(priv);
    assert_memory_equal(key, kp.sk, 32);
    der[60] ^= 1; /* public key that does not match the seed */
    assert_int_equal(fwp_pem_parse(der, sizeof der, "v2", key, &priv, &err),
                     -1);
}

static void test_key_id_and_header(void **state)
{
    (void)state;
    uint8_t pk[32], id[8], h[64];
    for (int i = 0; i < 32; i++)
        pk[i] = (uint8_t)i;
    fwp_key_id(pk, id);
    crypto_hash_sha512(h, pk, 32);
    assert_memory_equal(id, h, 8);
    fwp_buf b = {0};
    assert_int_equal(fwp_key_c_header(pk, &b), 0);
    assert_non_null(strstr(b.data, "static const fwpk_key fwpk_keyring[]"));
    assert_non_null(strstr(b.data, "#define FWPK_KEYRING_COUNT"));
    assert_non_null(strstr(b.data, "0x1f}"));
    fwp_buf_free(&b);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_openssl_reads_ours),
        cmocka_unit_test(test_we_read_openssl),
        cmocka_unit_test(test_v2_and_der),
        cmocka_unit_test(test_key_id_and_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
