/* test_keys_openssl.c - key files both ways between the fwpack CLI and the
 * openssl CLI (PKCS#8 private, SubjectPublicKeyInfo public), file modes,
 * the warning for a readable private key, key ids. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "keytest.h"
#include "pack_util.h"

static const char *dir;

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    kt_firmware(pu_path(dir, "app.bin"), 30000, 7);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pu_rmdir(dir);
    return 0;
}

static void same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = pu_read(a, &na), *y = pu_read(b, &nb);
    assert_non_null(x);
    assert_non_null(y);
    assert_int_equal(na, nb);
    assert_memory_equal(x, y, na);
    free(x);
    free(y);
}

static void hex_id(const uint8_t pk[32], char out[17])
{
    uint8_t id[FWPK_KEY_ID_LEN];
    fwp_key_id(pk, id);
    sodium_bin2hex(out, 17, id, sizeof id);
}

/* openssl genpkey's key: fwpack reads it, its public key is openssl's,
 * and a container signed with it verifies on the device with the public
 * key file openssl wrote. */
static void test_openssl_key_in_fwpack(void **state)
{
    (void)state;
    if (!kt_have("openssl"))
        skip();
    const char *k = pu_path(dir, "ossl.pem"), *p = pu_path(dir, "ossl.pub");
    assert_int_equal(kt_sh("openssl genpkey -algorithm ed25519 -out %s", k),
                     0);
    assert_int_equal(kt_sh("openssl pkey -in %s -pubout -out %s", k, p), 0);
    /* export-key to stdout and to a file: byte for byte openssl's */
    assert_int_equal(kt_run("export-key %s -o %s", k,
                            pu_path(dir, "ossl.fw.pub")), 0);
    same_file(p, pu_path(dir, "ossl.fw.pub"));
    assert_int_equal(kt_run("export-key %s", k), 0);
    size_t n;
    char *want = pu_read(p, &n);
    assert_string_equal(kt_out, want);
    free(want);
    /* the public key file itself goes through too */
    assert_int_equal(kt_run("export-key %s", p), 0);
    /* key id: the first 8 bytes of SHA-512 of the key, in --json */
    uint8_t pk[32];
    char id[17], want_json[128];
    kt_pub(p, pk);
    hex_id(pk, id);
    assert_int_equal(kt_run("export-key %s --json -o %s --force", k,
                            pu_path(dir, "ossl.fw.pub")), 0);
    snprintf(want_json, sizeof want_json, "\"key_id\":\"%s\"", id);
    assert_non_null(strstr(kt_out, want_json));
    /* pack with it, verify with openssl's public key */
    const char *box = pu_path(dir, "ossl.fwpk");
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s", k,
                            pu_path(dir, "app.bin"), box), 0);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
    /* inspect names the signer by the same key id */
    assert_int_equal(kt_run("inspect %s", box), 0);
    assert_non_null(strstr(kt_out, id));
}

/* fwpack keygen's key: 0600, openssl reads it, and `openssl pkey -pubout`
 * equals `fwpack export-key`. */
static void test_fwpack_key_in_openssl(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "fw.pem");
    assert_int_equal(kt_run("keygen -o %s --json", k), 0);
    assert_non_null(strstr(kt_out, "\"key_id\":\""));
    struct stat st;
    assert_int_equal(stat(k, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    if (!kt_have("openssl"))
        skip();
    assert_int_equal(kt_sh("openssl pkey -in %s -pubout -out %s", k,
                           pu_path(dir, "fw.ossl.pub")), 0);
    assert_int_equal(kt_run("export-key %s -o %s", k,
                            pu_path(dir, "fw.pub")), 0);
    same_file(pu_path(dir, "fw.ossl.pub"), pu_path(dir, "fw.pub"));
    /* openssl re-encoding the private key changes nothing */
    assert_int_equal(kt_sh("openssl pkey -in %s -out %s", k,
                           pu_path(dir, "fw.ossl.pem")), 0);
    same_file(k, pu_path(dir, "fw.ossl.pem"));
    /* DER, as openssl writes it with -outform DER, is read too */
    assert_int_equal(kt_sh("openssl pkey -in %s -outform DER -out %s", k,
                           pu_path(dir, "fw.der")), 0);
    uint8_t a[32], b[32];
    kt_pub(pu_path(dir, "fw.der"), a);
    kt_pub(pu_path(dir, "fw.pub"), b);
    assert_memory_equal(a, b, 32);
}

/* A private key readable by group or others: a warning on stderr, the
 * command still works; 0600: no warning. */
static void test_mode_warning(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "w.pem"), *box = pu_path(dir, "w.fwpk");
    assert_int_equal(kt_run("keygen -o %s", k), 0);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s", k,
                            pu_path(dir, "app.bin"), box), 0);
    assert_null(strstr(kt_err, "warning"));
    assert_int_equal(chmod(k, 0644), 0);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s --force", k,
                            pu_path(dir, "app.bin"), box), 0);
    assert_non_null(strstr(kt_err, "warning: private key"));
    assert_non_null(strstr(kt_err, "w.pem"));
    assert_non_null(strstr(kt_err, "chmod 600"));
    assert_int_equal(chmod(k, 0640), 0);
    assert_int_equal(kt_run("export-key %s", k), 0);
    assert_non_null(strstr(kt_err, "mode 640"));
    /* a public key file may be world-readable */
    assert_int_equal(kt_run("export-key %s -o %s", k, pu_path(dir, "w.pub")),
                     0);
    assert_int_equal(kt_run("export-key %s", pu_path(dir, "w.pub")), 0);
    assert_string_equal(kt_err, "");
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openssl_key_in_fwpack),
        cmocka_unit_test(test_fwpack_key_in_openssl),
        cmocka_unit_test(test_mode_warning),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
