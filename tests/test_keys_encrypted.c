/* test_keys_encrypted.c - passphrase-protected private keys: the file
 * format (libfwpack), and keygen --encrypt / pack -k with the passphrase
 * from FWPACK_PASSPHRASE, --passphrase-file and a terminal (a pty). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keytest.h"
#include "pack_util.h"

static const char *dir;

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    kt_firmware(pu_path(dir, "app.bin"), 20000, 5);
    unsetenv("FWPACK_PASSPHRASE");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("FWPACK_PASSPHRASE");
    pu_rmdir(dir);
    return 0;
}

/* The PEM text's base64 body decoded (136 bytes), and re-encoded. */
static size_t blob_of(const char *pem, uint8_t *blob, size_t cap)
{
    const char *body = strchr(pem, '\n') + 1, *end = strstr(pem, "-----END");
    size_t n = 0;
    assert_int_equal(sodium_base642bin(blob, cap, body, (size_t)(end - body),
                                       "\n", &n, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    return n;
}

static void pem_of(const uint8_t *blob, size_t n, fwp_buf *out)
{
    char b64[256];
    sodium_bin2base64(b64, sizeof b64, blob, n,
                      sodium_base64_VARIANT_ORIGINAL);
    fwp_buf_printf(out, "-----BEGIN FWPACK ENCRYPTED PRIVATE KEY-----\n");
    for (size_t i = 0; i < strlen(b64); i += 64)
        fwp_buf_printf(out, "%.64s\n", b64 + i);
    fwp_buf_printf(out, "-----END FWPACK ENCRYPTED PRIVATE KEY-----\n");
}

static void test_format(void **state)
{
    (void)state;
    fwp_keypair kp, back;
    fwp_buf pem = {0}, bad = {0};
    fwp_err err;
    uint8_t pk[32], blob[256];
    assert_int_equal(fwp_key_generate(&kp), 0);
    assert_int_equal(fwp_pem_private_encrypted(&kp, "correct horse", 13,
                                               &pem), 0);
    const uint8_t *d = (const uint8_t *)pem.data;
    assert_true(fwp_pem_is_encrypted(d, pem.len));
    size_t n = blob_of(pem.data, blob, sizeof blob);
    assert_int_equal(n, 136);
    assert_int_equal(blob[0], 1); /* version */
    assert_int_equal(blob[1], 1); /* Argon2id */
    assert_int_equal(blob[2], 1); /* XChaCha20-Poly1305 */
    assert_int_equal(blob[4], FWP_KDF_OPS); /* libsodium's "moderate" */
    assert_int_equal(blob[8] | blob[9] << 8 | blob[10] << 16 | blob[11] << 24,
                     FWP_KDF_MEM);
    assert_memory_equal(blob + 56, kp.pk, 32); /* the public key, clear */
    for (size_t i = 0; i + 32 <= n; i++) /* the seed is not */
        assert_true(memcmp(blob + i, kp.sk, 32) != 0);
    /* the public key without the passphrase; the private one with it */
    assert_int_equal(fwp_pem_encrypted_public(d, pem.len, "k", pk, &err), 0);
    assert_memory_equal(pk, kp.pk, 32);
    assert_int_equal(fwp_pem_decrypt(d, pem.len, "k", "correct horse", 13, 0,
                                     &back, &err), 0);
    assert_memory_equal(back.sk, kp.sk, 64);
    assert_int_equal(fwp_pem_decrypt(d, pem.len, "k.pem", "correct horsE", 13, 0,
                                     &back, &err), -1);
    assert_string_equal(err.msg, "k.pem: wrong passphrase (or a damaged key "
                                 "file)");
    /* the public key and the parameters are authenticated */
    blob[60] ^= 1;
    pem_of(blob, n, &bad);
    assert_int_equal(fwp_pem_decrypt((uint8_t *)bad.data, bad.len, "k",
                                     "correct horse", 13, 0, &back, &err), -1);
    assert_non_null(strstr(err.msg, "wrong passphrase"));
    blob[60] ^= 1;
    blob[16] ^= 1; /* salt */
    fwp_buf_free(&bad);
    pem_of(blob, n, &bad);
    assert_int_equal(fwp_pem_decrypt((uint8_t *)bad.data, bad.len, "k",
                                     "correct horse", 13, 0, &back, &err), -1);
    blob[16] ^= 1;
    /* costs a reader refuses before running Argon2id */
    blob[4] = 200;
    fwp_buf_free(&bad);
    pem_of(blob, n, &bad);
    assert_int_equal(fwp_pem_decrypt((uint8_t *)bad.data, bad.len, "k",
                                     "correct horse", 13, 0, &back, &err), -1);
    assert_non_null(strstr(err.msg, "Argon2id cost out of range"));
    blob[4] = FWP_KDF_OPS;
    blob[0] = 2;
    fwp_buf_free(&bad);
    pem_of(blob, n, &bad);
    assert_int_equal(fwp_pem_encrypted_public((uint8_t *)bad.data, bad.len,
                                              "k", pk, &err), -1);
    assert_non_null(strstr(err.msg, "version 2"));
    /* truncated */
    fwp_buf_free(&bad);
    pem_of(blob, n - 3, &bad);
    assert_int_equal(fwp_pem_encrypted_public((uint8_t *)bad.data, bad.len,
                                              "k", pk, &err), -1);
    assert_non_null(strstr(err.msg, "damaged"));
    fwp_buf_free(&bad);
    fwp_buf_free(&pem);
}

static void test_key_files(void **state)
{
    (void)state;
    fwp_keypair kp, back;
    fwp_err err;
    uint8_t pk[32];
    const char *k = pu_path(dir, "lib.pem");
    fwp_key_generate(&kp);
    assert_int_equal(fwp_key_save_private_encrypted(k, &kp, "pw", 2, 0, &err),
                     0);
    struct stat st;
    assert_int_equal(stat(k, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(fwp_key_load_public(k, pk, &err), 0);
    assert_memory_equal(pk, kp.pk, 32);
    /* without a passphrase source: a clear error */
    assert_int_equal(fwp_key_load_private(k, &back, &err), -1);
    assert_non_null(strstr(err.msg, "lib.pem: an encrypted private key"));
    assert_int_equal(fwp_key_load_private_pass(k, &back, kt_pass, "pw", 0, &err),
                     0);
    assert_memory_equal(back.sk, kp.sk, 64);
    assert_int_equal(fwp_key_load_private_pass(k, &back, kt_pass, "pW", 0, &err),
                     -1);
    /* plain keys go through the same call, the callback unused */
    k = pu_path(dir, "lib-plain.pem");
    assert_int_equal(fwp_key_save_private(k, &kp, 0, &err), 0);
    assert_int_equal(fwp_key_load_private_pass(k, &back, NULL, NULL, 0, &err), 0);
    assert_memory_equal(back.sk, kp.sk, 64);
}

static void test_cli_env_and_file(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "enc.pem"), *box = pu_path(dir, "e.fwpk");
    const char *pf = pu_path(dir, "pass.txt"), *app = pu_path(dir, "app.bin");
    setenv("FWPACK_PASSPHRASE", "s3cret passphrase", 1);
    assert_int_equal(kt_run("keygen --encrypt -o %s --json", k), 0);
    assert_non_null(strstr(kt_out, "\"encrypted\":true"));
    struct stat st;
    assert_int_equal(stat(k, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    char *text = pu_read(k, NULL);
    assert_non_null(strstr(text, "-----BEGIN FWPACK ENCRYPTED PRIVATE KEY"));
    free(text);
    /* export-key decrypts: the public key written is the private key's */
    assert_int_equal(kt_run("export-key %s -o %s", k, pu_path(dir, "e.pub")),
                     0);
    unsetenv("FWPACK_PASSPHRASE");
    /* nothing given where a passphrase is needed: a usage error */
    assert_int_equal(kt_run("export-key %s </dev/null", k), 2);
    assert_non_null(strstr(kt_err, "enc.pem: needs a passphrase"));
    uint8_t pk[32];
    kt_pub(pu_path(dir, "e.pub"), pk);
    /* pack -k: no passphrase (stdin not a terminal): nothing was given
     * where one is needed, a usage error */
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s </dev/null", k,
                            app, box), 2);
    assert_non_null(strstr(kt_err, "enc.pem: needs a passphrase "
                                   "(FWPACK_PASSPHRASE, --passphrase-file"));
    assert_false(pu_exists(box));
    /* wrong passphrase: one line, exit 3, nothing written */
    setenv("FWPACK_PASSPHRASE", "s3cret passphrasE", 1);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s", k, app, box),
                     3);
    char want[600];
    snprintf(want, sizeof want, "fwpack: %s: wrong passphrase (or a damaged "
                                "key file)\n", k);
    assert_string_equal(kt_err, want);
    assert_false(pu_exists(box));
    setenv("FWPACK_PASSPHRASE", "s3cret passphrase", 1);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s", k, app, box),
                     0);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
    /* verify -p takes the encrypted file itself: no passphrase needed */
    unsetenv("FWPACK_PASSPHRASE");
    assert_int_equal(kt_run("verify -p %s %s </dev/null", k, box), 0);
    /* --passphrase-file wins over the environment; its first line */
    pu_write_str(pf, "s3cret passphrase\nsecond line\n");
    setenv("FWPACK_PASSPHRASE", "wrong", 1);
    assert_int_equal(kt_run("pack -k %s --passphrase-file %s " KT_GEO
                            " %s -o %s --force", k, pf, app, box), 0);
    pu_write_str(pf, "s3cret passphrase\r\n");
    assert_int_equal(kt_run("pack -k %s --passphrase-file %s " KT_GEO
                            " %s -o %s --force", k, pf, app, box), 0);
    assert_int_equal(kt_run("pack -k %s --passphrase-file %s " KT_GEO
                            " %s -o %s --force", k, pu_path(dir, "nope"),
                            app, box), 4);
    /* a plain key next to an encrypted one: two signatures */
    assert_int_equal(kt_run("keygen -o %s", pu_path(dir, "plain.pem")), 0);
    assert_int_equal(kt_run("pack -k %s -k %s --passphrase-file %s " KT_GEO
                            " %s -o %s --force", pu_path(dir, "plain.pem"),
                            k, pf, app, box), 0);
    assert_null(strstr(kt_err, "not used")); /* the encrypted key used it */
    assert_int_equal(kt_run("inspect %s", box), 0);
    assert_non_null(strstr(kt_out, "signatures   2"));
    /* a passphrase file and no encrypted key: packed, with a warning */
    assert_int_equal(kt_run("pack -k %s --passphrase-file %s " KT_GEO
                            " %s -o %s --force", pu_path(dir, "plain.pem"),
                            pf, app, box), 0);
    char warn[700];
    snprintf(warn, sizeof warn, "fwpack: warning: --passphrase-file %s: no "
             "key given is encrypted, the passphrase was not used\n", pf);
    assert_non_null(strstr(kt_err, warn));
    /* keygen: passphrase from a file; empty ones refused */
    unsetenv("FWPACK_PASSPHRASE");
    assert_int_equal(kt_run("keygen --encrypt --passphrase-file %s -o %s", pf,
                            pu_path(dir, "enc2.pem")), 0);
    setenv("FWPACK_PASSPHRASE", "s3cret passphrase", 1);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s --force",
                            pu_path(dir, "enc2.pem"), app, box), 0);
    setenv("FWPACK_PASSPHRASE", "", 1);
    assert_int_equal(kt_run("keygen --encrypt -o %s", pu_path(dir, "e3.pem")),
                     3);
    assert_non_null(strstr(kt_err, "empty passphrase"));
    assert_false(pu_exists(pu_path(dir, "e3.pem")));
    assert_int_equal(kt_run("keygen --passphrase-file %s -o %s", pf,
                            pu_path(dir, "e3.pem")), 2);
    unsetenv("FWPACK_PASSPHRASE");
}

/* An encrypted key file with these Argon2id costs, as another tool could
 * write it (fwpack writes FWP_KDF_OPS and FWP_KDF_MEM). */
static void write_with_costs(const char *path, const fwp_keypair *kp,
                             const char *pass, uint32_t ops, uint64_t mem)
{
    uint8_t blob[136], key[32];
    fwp_buf pem = {0};
    memset(blob, 0, sizeof blob);
    blob[0] = blob[1] = blob[2] = 1;
    for (int i = 0; i < 4; i++)
        blob[4 + i] = (uint8_t)(ops >> 8 * i);
    for (int i = 0; i < 8; i++)
        blob[8 + i] = (uint8_t)(mem >> 8 * i);
    randombytes_buf(blob + 16, 16 + 24); /* salt, nonce */
    memcpy(blob + 56, kp->pk, 32);
    assert_int_equal(crypto_pwhash(key, 32, pass, strlen(pass), blob + 16, ops,
                                   (size_t)mem, crypto_pwhash_ALG_ARGON2ID13),
                     0);
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + 88, NULL, kp->sk, 32,
                                               blob, 88, NULL, blob + 32, key);
    pem_of(blob, sizeof blob, &pem);
    pu_write(path, pem.data, pem.len);
    assert_int_equal(chmod(path, 0600), 0);
    fwp_buf_free(&pem);
}

/* Argon2id costs below libsodium's "interactive" (a file made elsewhere):
 * refused before any passphrase is asked, unless --allow-weak-kdf, which
 * warns.  What fwpack 0.1 wrote ("interactive") is still read. */
static void test_weak_kdf(void **state)
{
    (void)state;
    const char *weak = pu_path(dir, "weak.pem"), *old = pu_path(dir, "old.pem");
    const char *app = pu_path(dir, "app.bin"), *box = pu_path(dir, "w.fwpk");
    fwp_keypair kp, back;
    fwp_err err;
    fwp_key_generate(&kp);
    write_with_costs(weak, &kp, "weak but long passphrase", 1, 8192);
    char why[700];
    snprintf(why, sizeof why, "%s: weak Argon2id costs (opslimit 1, memlimit "
                              "8192 bytes; fwpack wants at least 2 and "
                              "67108864): the passphrase is cheap to guess",
             weak);
    char want[800];
    snprintf(want, sizeof want, "fwpack: %s (--allow-weak-kdf uses it "
                                "anyway)\n", why);
    unsetenv("FWPACK_PASSPHRASE");
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s </dev/null", weak,
                            app, box), 3);
    assert_string_equal(kt_err, want); /* not "needs a passphrase" */
    setenv("FWPACK_PASSPHRASE", "weak but long passphrase", 1);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s", weak, app, box),
                     3);
    assert_string_equal(kt_err, want);
    assert_false(pu_exists(box));
    assert_int_equal(kt_run("pack -k %s --allow-weak-kdf " KT_GEO " %s -o %s",
                            weak, app, box), 0);
    snprintf(want, sizeof want, "fwpack: warning: %s\n", why);
    assert_string_equal(kt_err, want);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &kp.pk, 1, &pol), FWPK_OK);
    /* export-key signs nothing: a warning */
    assert_int_equal(kt_run("export-key %s -o %s", weak,
                            pu_path(dir, "weak.pub")), 0);
    assert_string_equal(kt_err, want);
    /* the library refuses it unless allowed */
    size_t n;
    char *text = pu_read(weak, &n);
    assert_int_equal(fwp_pem_decrypt((uint8_t *)text, n, "w", "weak but long "
                                     "passphrase", 24, 0, &back, &err), -1);
    assert_non_null(strstr(err.msg, "weak Argon2id costs"));
    assert_int_equal(fwp_pem_decrypt((uint8_t *)text, n, "w", "weak but long "
                                     "passphrase", 24, FWP_KDF_ALLOW_WEAK,
                                     &back, &err), 0);
    assert_memory_equal(back.sk, kp.sk, 64);
    free(text);
    /* libsodium's "interactive", what fwpack 0.1 wrote: no warning */
    write_with_costs(old, &kp, "weak but long passphrase",
                     crypto_pwhash_OPSLIMIT_INTERACTIVE,
                     crypto_pwhash_MEMLIMIT_INTERACTIVE);
    assert_int_equal(kt_run("pack -k %s " KT_GEO " %s -o %s --force", old,
                            app, box), 0);
    assert_string_equal(kt_err, "");
    unsetenv("FWPACK_PASSPHRASE");
}

/* What keygen warns about, and the key file read only when signing. */
static void test_warnings(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "warn.pem"), *app = pu_path(dir, "app.bin");
    const char *pf = pu_path(dir, "warn.pass"), *box = pu_path(dir, "n.fwpk");
    setenv("FWPACK_PASSPHRASE", "short", 1);
    assert_int_equal(kt_run("keygen --encrypt -o %s", k), 0);
    char want[700];
    snprintf(want, sizeof want, "fwpack: warning: %s: a passphrase of 5 "
                                "characters is quick to guess if the key file "
                                "leaks; use 12 or more\n", k);
    assert_string_equal(kt_err, want);
    setenv("FWPACK_PASSPHRASE", "twelve chars", 1);
    assert_int_equal(kt_run("keygen --encrypt -o %s --force", k), 0);
    assert_string_equal(kt_err, "");
    /* FWPACK_PASSPHRASE without --encrypt: said, not silently plain */
    assert_int_equal(kt_run("keygen -o %s", pu_path(dir, "plain2.pem")), 0);
    assert_non_null(strstr(kt_err, "warning: FWPACK_PASSPHRASE is set, but "
                                   "without --encrypt"));
    assert_non_null(strstr(kt_err, "plain2.pem is written unencrypted"));
    /* a passphrase file others can read or change */
    unsetenv("FWPACK_PASSPHRASE");
    pu_write_str(pf, "twelve chars\n");
    assert_int_equal(chmod(pf, 0600), 0);
    assert_int_equal(kt_run("pack -k %s --passphrase-file %s " KT_GEO
                            " %s -o %s --force", k, pf, app, box), 0);
    assert_string_equal(kt_err, "");
    assert_int_equal(chmod(pf, 0666), 0);
    assert_int_equal(kt_run("pack -k %s --passphrase-file %s " KT_GEO
                            " %s -o %s --force", k, pf, app, box), 0);
    snprintf(want, sizeof want, "fwpack: warning: passphrase file %s is "
                                "readable or writable by group or others "
                                "(mode 666); chmod 600 it\n", pf);
    assert_string_equal(kt_err, want);
    /* a key file that belongs to someone else */
    if (getuid() == 0) {
        assert_int_equal(chown(k, 65534, 65534), 0);
        assert_int_equal(kt_run("pack -k %s --passphrase-file %s " KT_GEO
                                " %s -o %s --force", k, pf, app, box), 0);
        assert_non_null(strstr(kt_err, "warning: private key"));
        assert_non_null(strstr(kt_err, "warn.pem belongs to uid 65534, not "
                                       "to you (uid 0)"));
        assert_int_equal(chown(k, 0, 0), 0);
    }
    /* the key is read after the firmware: a bad input is reported, not
     * a missing passphrase */
    const char *bad = pu_path(dir, "bad.hex");
    pu_write_str(bad, ":00000001FE\n:0400000001020304EE\n");
    assert_int_equal(kt_run("pack -k %s %s -o %s --force </dev/null", k, bad,
                            box), 3);
    assert_non_null(strstr(kt_err, "bad.hex:"));
    assert_null(strstr(kt_err, "passphrase"));
}

/* export-key takes the public key from the decrypted seed: a swapped
 * clear copy (bytes 56..87) is not written into a keyring. */
static void test_export_authenticated(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "swap.pem"), *out = pu_path(dir, "swap.pub");
    fwp_keypair kp, other;
    uint8_t blob[256];
    fwp_buf pem = {0};
    fwp_key_generate(&kp);
    fwp_key_generate(&other);
    assert_int_equal(fwp_pem_private_encrypted(&kp, "swapped public key", 18,
                                               &pem), 0);
    size_t n = blob_of(pem.data, blob, sizeof blob);
    memcpy(blob + 56, other.pk, 32);
    fwp_buf_free(&pem);
    pem_of(blob, n, &pem);
    pu_write(k, pem.data, pem.len);
    assert_int_equal(chmod(k, 0600), 0);
    fwp_buf_free(&pem);
    setenv("FWPACK_PASSPHRASE", "swapped public key", 1);
    assert_int_equal(kt_run("export-key %s -o %s", k, out), 3);
    assert_non_null(strstr(kt_err, "swap.pem: wrong passphrase (or a damaged "
                                   "key file)"));
    assert_false(pu_exists(out));
    unsetenv("FWPACK_PASSPHRASE");
}

/* ---- the terminal: a pty (kt_tty) ---- */

static void test_terminal(void **state)
{
    (void)state;
    char out[8192], args[1024];
    const char *k = pu_path(dir, "tty.pem");
    static const char *const same[] = {"typed-on-a-tty", "typed-on-a-tty"};
    static const char *const differ[] = {"typed-on-a-tty", "typed-on-a-TTY"};
    static const char *const wrong[] = {"not-it"};
    unsetenv("FWPACK_PASSPHRASE");
    snprintf(args, sizeof args, "keygen --encrypt -o %s", k);
    assert_int_equal(kt_tty(args, differ, 2, out, sizeof out), 3);
    assert_non_null(strstr(out, "differ"));
    assert_false(pu_exists(k));
    assert_int_equal(kt_tty(args, same, 2, out, sizeof out), 0);
    assert_non_null(strstr(out, "Passphrase for "));
    assert_non_null(strstr(out, "The same passphrase again: "));
    assert_null(strstr(out, "typed-on")); /* echo was off */
    assert_true(pu_exists(k));
    /* pack asks once */
    snprintf(args, sizeof args, "pack -k %s " KT_GEO " %s -o %s", k,
             pu_path(dir, "app.bin"), pu_path(dir, "tty.fwpk"));
    assert_int_equal(kt_tty(args, wrong, 1, out, sizeof out), 3);
    assert_non_null(strstr(out, "tty.pem: wrong passphrase"));
    assert_null(strstr(out, "not-it"));
    assert_int_equal(kt_tty(args, same, 1, out, sizeof out), 0);
    assert_int_equal(kt_count(out, "Passphrase for"), 1);
    assert_true(pu_exists(pu_path(dir, "tty.fwpk")));
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_key_files),
        cmocka_unit_test(test_cli_env_and_file),
        cmocka_unit_test(test_weak_kdf),
        cmocka_unit_test(test_warnings),
        cmocka_unit_test(test_export_authenticated),
        cmocka_unit_test(test_terminal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
