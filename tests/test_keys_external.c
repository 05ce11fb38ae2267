/* test_keys_external.c - signing without the key in fwpack: pack
 * --unsigned, digest, openssl pkeyutl -sign -rawin, attach-sig; the device
 * verifier over the result; what attach-sig refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytest.h"
#include "pack_util.h"

static const char *dir;

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    kt_firmware(pu_path(dir, "app.bin"), 40000, 11);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pu_rmdir(dir);
    return 0;
}

static void unsigned_box(const char *out)
{
    assert_int_equal(kt_run("pack --unsigned " KT_GEO
                            " --version 2.0.0 %s -o %s --force", pu_path(dir, "app.bin"),
                            out), 0);
}

static void layout(const char *path, fwp_layout *lay, uint8_t **data)
{
    size_t len;
    fwp_err err;
    *data = (uint8_t *)pu_read(path, &len);
    assert_non_null(*data);
    if (fwp_layout_parse(*data, len, path, lay, &err))
        fail_msg("%s", err.msg);
}

/* Signs the container's digest in-process; sig written raw. */
static void sign_file(const char *box, const fwp_keypair *kp,
                      const char *sig_path)
{
    fwp_layout lay;
    uint8_t *data, sig[64];
    layout(box, &lay, &data);
    crypto_sign_detached(sig, NULL, lay.signed_digest, 64, kp->sk);
    pu_write(sig_path, sig, 64);
    free(data);
}

static void test_openssl_signs(void **state)
{
    (void)state;
    if (!kt_have("openssl"))
        skip();
    const char *k = pu_path(dir, "rel.pem"), *pub = pu_path(dir, "rel.pub");
    const char *box = pu_path(dir, "app.fwpk"), *msg = pu_path(dir, "msg.bin");
    const char *sig = pu_path(dir, "sig.bin");
    assert_int_equal(kt_sh("openssl genpkey -algorithm ed25519 -out %s", k),
                     0);
    assert_int_equal(kt_sh("openssl pkey -in %s -pubout -out %s", k, pub), 0);
    uint8_t pk[32];
    kt_pub(pub, pk);
    unsigned_box(box);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_ERR_UNSIGNED);
    /* digest: exactly the 64-byte signed digest */
    assert_int_equal(kt_run("digest %s -o %s", box, msg), 0);
    size_t n;
    uint8_t *m = (uint8_t *)pu_read(msg, &n), *data;
    fwp_layout lay;
    layout(box, &lay, &data);
    assert_int_equal(n, 64);
    assert_memory_equal(m, lay.signed_digest, 64);
    char hex[129];
    sodium_bin2hex(hex, sizeof hex, m, 64);
    assert_int_equal(kt_run("digest %s", box), 0);
    assert_int_equal(strlen(kt_out), 129);
    assert_memory_equal(kt_out, hex, 128);
    assert_int_equal(kt_run("digest %s --json", box), 0);
    assert_non_null(strstr(kt_out, hex));
    assert_non_null(strstr(kt_out, "\"signatures\":0,\"key_ids\":[]"));
    free(m);
    free(data);
    /* openssl signs, attach-sig checks and adds */
    assert_int_equal(kt_sh("openssl pkeyutl -sign -rawin -inkey %s -in %s "
                           "-out %s", k, msg, sig), 0);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s --json", box, sig,
                            pub), 0);
    assert_non_null(strstr(kt_out, "\"signatures\":1"));
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
    assert_int_equal(kt_run("verify -p %s %s", pub, box), 0);
    /* the digest does not change with the signature block */
    assert_int_equal(kt_run("digest %s", box), 0);
    assert_memory_equal(kt_out, hex, 128);
    /* attaching the same signature again: refused, file unchanged */
    size_t before_len, after_len;
    char *before = pu_read(box, &before_len);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box, sig, pub),
                     3);
    assert_non_null(strstr(kt_err, "already signed by key"));
    char *after = pu_read(box, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    free(before);
    free(after);
    /* no temporary files left behind */
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
}

static void test_refusals(void **state)
{
    (void)state;
    const char *box = pu_path(dir, "r.fwpk"), *other = pu_path(dir, "o.fwpk");
    const char *sig = pu_path(dir, "r.sig"), *pub = pu_path(dir, "r.pub");
    fwp_keypair kp, kp2;
    fwp_err err;
    fwp_key_generate(&kp);
    fwp_key_generate(&kp2);
    assert_int_equal(fwp_key_save_public(pub, kp.pk, 0, &err), 0);
    unsigned_box(box);
    assert_int_equal(kt_run("pack --unsigned " KT_GEO
                            " --version 2.0.1 %s -o %s", pu_path(dir, "app.bin"), other), 0);
    /* a signature over another container's digest */
    sign_file(other, &kp, sig);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box, sig, pub),
                     3);
    assert_non_null(strstr(kt_err, "r.fwpk: the signature does not verify "
                                   "with key"));
    /* by another key than -p's */
    sign_file(box, &kp2, sig);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box, sig, pub),
                     3);
    /* one bit off */
    sign_file(box, &kp, sig);
    size_t n;
    uint8_t *s = (uint8_t *)pu_read(sig, &n);
    s[10] ^= 4;
    pu_write(pu_path(dir, "bad.sig"), s, 64);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box,
                            pu_path(dir, "bad.sig"), pub), 3);
    /* not a signature at all; missing files; not a container */
    pu_write_str(pu_path(dir, "junk.sig"), "hello\n");
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box,
                            pu_path(dir, "junk.sig"), pub), 3);
    assert_non_null(strstr(kt_err, "junk.sig: not an Ed25519 signature"));
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box,
                            pu_path(dir, "none.sig"), pub), 4);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box, sig,
                            pu_path(dir, "none.pub")), 4);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box, sig, sig),
                     3);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", sig, sig, pub),
                     1);
    assert_int_equal(kt_run("digest %s", sig), 1);
    assert_int_equal(kt_run("digest %s", pu_path(dir, "none.fwpk")), 4);
    assert_int_equal(kt_run("attach-sig %s -p %s", box, pub), 2);
    assert_int_equal(kt_run("attach-sig --sig %s -p %s", sig, pub), 2);
    assert_int_equal(kt_run("digest"), 2);
    /* hex and base64 signatures; -o leaves the input alone */
    char text[200];
    s[10] ^= 4;
    sodium_bin2hex(text, sizeof text, s, 64);
    strcat(text, "\n");
    pu_write_str(pu_path(dir, "hex.sig"), text);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s -o %s", box,
                            pu_path(dir, "hex.sig"), pub,
                            pu_path(dir, "hex.fwpk")), 0);
    sodium_bin2base64(text, sizeof text, s, 64,
                      sodium_base64_VARIANT_ORIGINAL);
    pu_write_str(pu_path(dir, "b64.sig"), text);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s -o %s -v", box,
                            pu_path(dir, "b64.sig"), pub,
                            pu_path(dir, "b64.fwpk")), 0);
    assert_non_null(strstr(kt_out, "signature 1 of at most 8"));
    /* an existing -o is replaced, as every build product (README) */
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s -o %s", box,
                            pu_path(dir, "b64.sig"), pub,
                            pu_path(dir, "b64.fwpk")), 0);
    assert_int_equal(kt_run("inspect %s", box), 0);
    assert_non_null(strstr(kt_out, "signatures   0"));
    size_t a, b;
    char *x = pu_read(pu_path(dir, "hex.fwpk"), &a);
    char *y = pu_read(pu_path(dir, "b64.fwpk"), &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
    free(s);
}

/* Bytes after the last frame would ride along in the signed file without
 * being signed: attach-sig refuses them (exit 1), as inspect does, and a
 * container cut short. */
static void test_trailing_bytes(void **state)
{
    (void)state;
    const char *box = pu_path(dir, "t.fwpk"), *sig = pu_path(dir, "t.sig");
    const char *pub = pu_path(dir, "t.pub"), *out = pu_path(dir, "t2.fwpk");
    fwp_keypair kp;
    fwp_err err;
    fwp_key_generate(&kp);
    assert_int_equal(fwp_key_save_public(pub, kp.pk, 0, &err), 0);
    unsigned_box(box);
    sign_file(box, &kp, sig);
    size_t n;
    char *data = pu_read(box, &n);
    char *longer = malloc(n + 9);
    memcpy(longer, data, n);
    memcpy(longer + n, "appended", 8);
    pu_write(box, longer, n + 8);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s -o %s", box, sig,
                            pub, out), 1);
    char want[600];
    snprintf(want, sizeof want, "fwpack: %s: 8 bytes after the last frame: "
                                "not a container as pack writes it\n", box);
    assert_string_equal(kt_err, want);
    assert_false(pu_exists(out));
    pu_write(box, data, n - 1); /* the last frame cut short */
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s -o %s", box, sig,
                            pub, out), 1);
    assert_false(pu_exists(out));
    pu_write(box, data, n);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s -o %s", box, sig,
                            pub, out), 0);
    free(data);
    free(longer);
}

/* attach-sig repeated: up to 8 entries, then refused; the device counts
 * each trusted key once. */
static void test_many(void **state)
{
    (void)state;
    char box[512]; /* pu_path's ring is reused in the loop */
    snprintf(box, sizeof box, "%s", pu_path(dir, "m.fwpk"));
    fwp_keypair kp[9];
    fwp_err err;
    char pub[64], sig[64];
    unsigned_box(box);
    for (int i = 0; i < 9; i++) {
        fwp_key_generate(&kp[i]);
        snprintf(pub, sizeof pub, "m%d.pub", i);
        snprintf(sig, sizeof sig, "m%d.sig", i);
        assert_int_equal(fwp_key_save_public(pu_path(dir, pub), kp[i].pk, 0,
                                             &err), 0);
        sign_file(box, &kp[i], pu_path(dir, sig));
        int rc = kt_run("attach-sig %s --sig %s -p %s", box,
                        pu_path(dir, sig), pu_path(dir, pub));
        assert_int_equal(rc, i < 8 ? 0 : 3);
    }
    assert_non_null(strstr(kt_err, "already 8 signatures"));
    assert_int_equal(kt_run("inspect %s", box), 0);
    assert_non_null(strstr(kt_out, "signatures   8"));
    /* keyring of three of the signers, 3 of them required */
    uint8_t ring[3][32];
    memcpy(ring[0], kp[1].pk, 32);
    memcpy(ring[1], kp[5].pk, 32);
    memcpy(ring[2], kp[7].pk, 32);
    box_policy pol = {0};
    pol.min_signatures = 3;
    assert_int_equal(kt_verify_file(box, ring, 3, &pol), FWPK_OK);
    /* the ninth key is not in the container */
    memcpy(ring[2], kp[8].pk, 32);
    assert_int_equal(kt_verify_file(box, ring, 3, &pol), FWPK_ERR_SIGNATURE);
}

/* pack -k A, then attach-sig B: both count. */
static void test_signed_then_more(void **state)
{
    (void)state;
    const char *box = pu_path(dir, "s.fwpk");
    const char *a = pu_path(dir, "a.pem"), *b = pu_path(dir, "b.pem");
    assert_int_equal(kt_run("keygen -o %s", a), 0);
    assert_int_equal(kt_run("keygen -o %s", b), 0);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s", a,
                            pu_path(dir, "app.bin"), box), 0);
    fwp_keypair kb;
    fwp_err err;
    assert_int_equal(fwp_key_load_private(b, &kb, &err), 0);
    sign_file(box, &kb, pu_path(dir, "b.sig"));
    /* -p takes the private key file too */
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box,
                            pu_path(dir, "b.sig"), b), 0);
    uint8_t ring[2][32];
    kt_pub(a, ring[0]);
    kt_pub(b, ring[1]);
    box_policy pol = {0};
    pol.min_signatures = 2;
    assert_int_equal(kt_verify_file(box, ring, 2, &pol), FWPK_OK);
    assert_int_equal(kt_run("verify -p %s -p %s --min-signatures 2 %s", a, b,
                            box), 0);
    /* a's signature from a second attach-sig: refused */
    fwp_keypair ka;
    assert_int_equal(fwp_key_load_private(a, &ka, &err), 0);
    sign_file(box, &ka, pu_path(dir, "a.sig"));
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box,
                            pu_path(dir, "a.sig"), a), 3);
}

static void test_help(void **state)
{
    (void)state;
    static const char *const cmds[] = {"digest", "attach-sig", "keygen",
                                       "export-key", "pack"};
    for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
        assert_int_equal(kt_run("%s --help", cmds[i]), 0);
        assert_non_null(strstr(kt_out, "usage: fwpack"));
        assert_int_equal(kt_run("%s --bogus", cmds[i]), 2);
    }
    assert_int_equal(kt_run("--help"), 0);
    assert_non_null(strstr(kt_out, "attach-sig"));
    assert_int_equal(kt_run("pack --help"), 0);
    assert_non_null(strstr(kt_out, "--pkcs11 URI"));
    assert_int_equal(kt_run("keygen --help"), 0);
    assert_non_null(strstr(kt_out, "--encrypt"));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help),
        cmocka_unit_test(test_openssl_signs),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_trailing_bytes),
        cmocka_unit_test(test_many),
        cmocka_unit_test(test_signed_then_more),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
