/* test_keys_pkcs11.c - signing with a real PKCS#11 token: SoftHSM2 in a
 * temporary SOFTHSM2_CONF directory, Ed25519 keys made by pkcs11-tool
 * (opensc), pack --pkcs11 with CKM_EDDSA, the device verifier over the
 * result.  Skipped, with the reason, when softhsm2 or opensc is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "keytest.h"
#include "pack_util.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define PROXY "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
#define P11_SOFTHSM "--pkcs11-module " MODULE

static const char *dir;
static char app[512], pub1[512], pub2[512], box[512];
static int have_hsm;

static void tool(const char *args)
{
    assert_int_equal(kt_sh("pkcs11-tool --module " MODULE " %s", args), 0);
}

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    if (!kt_have("softhsm2-util") || !kt_have("pkcs11-tool") ||
        access(MODULE, R_OK) != 0) {
        fprintf(stderr, "test_keys_pkcs11: softhsm2 or opensc (pkcs11-tool) "
                        "not installed: skipped\n");
        return 0;
    }
    have_hsm = 1;
    char conf[600], text[1024];
    snprintf(conf, sizeof conf, "%s", pu_path(dir, "softhsm2.conf"));
    snprintf(text, sizeof text,
             "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
             "log.level = ERROR\n", dir);
    pu_write_str(conf, text);
    setenv("SOFTHSM2_CONF", conf, 1);
    /* SoftHSM2 2.6.1's EdDSA code leaks an OpenSSL ASN.1 string per
     * signature: not fwpack's leak, keep LeakSanitizer quiet about it */
    snprintf(text, sizeof text, "%s", pu_path(dir, "lsan.supp"));
    pu_write_str(text, "leak:libcrypto.so\nleak:libsofthsm2.so\n");
    char lsan[1200];
    snprintf(lsan, sizeof lsan, "suppressions=%s:print_suppressions=0", text);
    setenv("LSAN_OPTIONS", lsan, 1);
    unsetenv("FWPACK_PKCS11_PIN");
    if (kt_sh("mkdir %s/tokens", dir) ||
        kt_sh("softhsm2-util --init-token --free --label fw --pin 1234 "
              "--so-pin 5678") ||
        kt_sh("pkcs11-tool --module " MODULE " --token-label fw --login "
              "--pin 1234 --keypairgen --key-type EC:edwards25519 --label "
              "release --id 01") ||
        kt_sh("pkcs11-tool --module " MODULE " --token-label fw --login "
              "--pin 1234 --keypairgen --key-type EC:edwards25519 --label "
              "release2 --id 02"))
        return -1;
    snprintf(app, sizeof app, "%s", pu_path(dir, "app.bin"));
    snprintf(pub1, sizeof pub1, "%s", pu_path(dir, "release.pub"));
    snprintf(pub2, sizeof pub2, "%s", pu_path(dir, "release2.pub"));
    snprintf(box, sizeof box, "%s", pu_path(dir, "app.fwpk"));
    kt_firmware(app, 30000, 9);
    /* the public keys as the token gives them (SubjectPublicKeyInfo) */
    if (kt_sh("pkcs11-tool --module " MODULE " --token-label fw "
              "--read-object --type pubkey --label release -o %s", pub1) ||
        kt_sh("pkcs11-tool --module " MODULE " --token-label fw "
              "--read-object --type pubkey --label release2 -o %s", pub2))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("FWPACK_PKCS11_PIN");
    pu_rmdir(dir);
    return 0;
}

static void test_pack_and_verify(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    uint8_t pk[32], id[8];
    char hex[17];
    kt_pub(pub1, pk);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            P11_SOFTHSM " --pkcs11-pin 1234 " KT_GEO
                            " %s -o %s -v", app, box), 0);
    assert_non_null(strstr(kt_out, "1 signature(s)"));
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
    assert_int_equal(kt_run("verify -p %s %s", pub1, box), 0);
    /* signed by the key id of the token's public key */
    fwp_key_id(pk, id);
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    assert_int_equal(kt_run("inspect %s", box), 0);
    assert_non_null(strstr(kt_out, hex));
    /* the other key on the token does not verify it */
    kt_pub(pub2, pk);
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_ERR_SIGNATURE);
    /* by CKA_ID, PIN in the environment */
    setenv("FWPACK_PKCS11_PIN", "1234", 1);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;id=%%02' "
                            P11_SOFTHSM " " KT_GEO " %s -o %s --force", app,
                            box), 0);
    unsetenv("FWPACK_PKCS11_PIN");
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
}

static void test_pin_sources(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    const char *pinfile = pu_path(dir, "pin.txt");
    pu_write_str(pinfile, "1234\n");
    /* in the URI: pin-value, pin-source; module-path too */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-value=1234&module-path=" MODULE "' " KT_GEO
                            " %s -o %s --force", app, box), 0);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-source=file:%s' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s --force", pinfile, app, box), 0);
    /* wrong PIN: exit 3, one line, no file, no PIN in the message */
    assert_int_equal(unlink(box), 0);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            P11_SOFTHSM " --pkcs11-pin 9999 " KT_GEO
                            " %s -o %s", app, box), 3);
    assert_string_equal(kt_err, "fwpack: pkcs11:token=fw;object=release: "
                                "token fw: wrong PIN\n");
    assert_false(pu_exists(box));
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-value=4321' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s", app, box), 3);
    assert_null(strstr(kt_err, "4321"));
    /* no PIN anywhere, stdin not a terminal */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            P11_SOFTHSM " " KT_GEO " %s -o %s </dev/null",
                            app, box), 3);
    assert_non_null(strstr(kt_err, "token fw: needs a PIN (--pkcs11-pin, "
                                    "FWPACK_PKCS11_PIN"));
    /* on a terminal: asked once, not echoed */
    static const char *const pin[] = {"1234"}, *const bad[] = {"8888"};
    char out[8192], args[2048];
    snprintf(args, sizeof args, "pack --pkcs11 'pkcs11:token=fw;object="
                                "release' " P11_SOFTHSM " " KT_GEO " %s -o %s",
             app, box);
    assert_int_equal(kt_tty(args, bad, 1, out, sizeof out), 3);
    assert_non_null(strstr(out, "PIN for token fw: "));
    assert_non_null(strstr(out, "wrong PIN"));
    assert_null(strstr(out, "8888"));
    assert_int_equal(kt_tty(args, pin, 1, out, sizeof out), 0);
    assert_int_equal(kt_count(out, "PIN for token fw: "), 1);
    assert_null(strstr(out, "1234"));
    assert_true(pu_exists(box));
}

static void test_errors(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    static const struct {
        const char *uri, *module, *msg;
    } cases[] = {
        {"pkcs11:token=nope;object=release", MODULE,
         "no such token in " MODULE " (tokens: 'fw')"},
        {"pkcs11:token=fw;object=nope", MODULE,
         "token fw has no such private key"},
        {"pkcs11:token=fw", MODULE, "several such private keys"},
        {"pkcs11:token=fw;object=release;colour=red", MODULE,
         "unknown attribute 'colour'"},
        {"pkcs11:token=fw;object=release;type=public", MODULE,
         "signing needs type=private"},
        {"pkcs11:token=fw;object=%zz", MODULE, "bad attribute"},
        {"token=fw;object=release", MODULE, "not a PKCS#11 URI"},
        {"pkcs11:token=fw;object=release", "/nonexistent/module.so",
         "cannot load PKCS#11 module /nonexistent/module.so"},
        {"pkcs11:token=fw;object=release", "libz.so.1",
         "libz.so.1 is not a PKCS#11 module"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = kt_run("pack --pkcs11 '%s' --pkcs11-module %s "
                        "--pkcs11-pin 1234 " KT_GEO " %s -o %s --force",
                        cases[i].uri, cases[i].module, app,
                        pu_path(dir, "err.fwpk"));
        if (rc != 3 || !strstr(kt_err, cases[i].msg))
            fail_msg("%s: exit %d, %s", cases[i].uri, rc, kt_err);
        assert_false(pu_exists(pu_path(dir, "err.fwpk")));
    }
    /* usage */
    assert_int_equal(kt_run("pack --pkcs11 pkcs11:token=fw --unsigned "
                            KT_GEO " %s -o %s", app, box), 2);
}

/* A key file and two token keys: three signatures, 3-of-3 met. */
static void test_several_signers(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    const char *k = pu_path(dir, "file.pem");
    assert_int_equal(kt_run("keygen -o %s", k), 0);
    assert_int_equal(kt_run("pack -k %s --pkcs11 'pkcs11:token=fw;object="
                            "release' --pkcs11 'pkcs11:token=fw;object="
                            "release2' " P11_SOFTHSM " --pkcs11-pin 1234 "
                            KT_GEO " %s -o %s --force", k, app, box), 0);
    uint8_t ring[3][32];
    kt_pub(k, ring[0]);
    kt_pub(pub1, ring[1]);
    kt_pub(pub2, ring[2]);
    box_policy pol = {0};
    pol.min_signatures = 3;
    assert_int_equal(kt_verify_file(box, ring, 3, &pol), FWPK_OK);
    /* the same token key twice */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            "--pkcs11 'pkcs11:token=fw;id=%%01' " P11_SOFTHSM
                            " --pkcs11-pin 1234 " KT_GEO " %s -o %s --force",
                            app, box), 3);
    assert_non_null(strstr(kt_err, "already signed by key"));
}

/* The token signs outside fwpack (pkcs11-tool), attach-sig adds it.
 * (pkcs11-tool 0.23 picks the key by --id: with --label it signed with
 * "release2" here.) */
static void test_external_with_pkcs11_tool(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    const char *msg = pu_path(dir, "msg.bin"), *sig = pu_path(dir, "sig.bin");
    assert_int_equal(kt_run("pack --unsigned " KT_GEO " %s -o %s --force", app,
                            box), 0);
    assert_int_equal(kt_run("digest %s -o %s --force", box, msg), 0);
    char args[1024];
    snprintf(args, sizeof args, "--token-label fw --login --pin 1234 --sign "
                                "--mechanism EDDSA --id 01 -i %s -o %s",
             msg, sig);
    tool(args);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box, sig, pub1),
                     0);
    uint8_t pk[32];
    kt_pub(pub1, pk);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
}

/* No --pkcs11-module: p11-kit's proxy, which loads SoftHSM2 through its
 * p11-kit module registration (/usr/share/p11-kit/modules). */
static void test_default_module(void **state)
{
    (void)state;
    if (!have_hsm || access(PROXY, R_OK) != 0 ||
        access("/usr/share/p11-kit/modules/softhsm2.module", R_OK) != 0) {
        fprintf(stderr, "test_default_module: p11-kit-modules or SoftHSM2's "
                        "p11-kit registration missing: skipped\n");
        skip();
    }
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            "--pkcs11-pin 1234 " KT_GEO " %s -o %s --force",
                            app, box), 0);
    uint8_t pk[32];
    kt_pub(pub1, pk);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_and_verify),
        cmocka_unit_test(test_pin_sources),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_several_signers),
        cmocka_unit_test(test_external_with_pkcs11_tool),
        cmocka_unit_test(test_default_module),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
