/*
 * keyfile.c - key files: load (warning when a private key is readable by
 * group or others, or belongs to another user; encrypted private keys
 * through a passphrase callback), save (private keys 0600, never
 * overwritten without force).
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

#define KEY_FILE_MAX 16384

static int read_key(const char *path, uint8_t **data, size_t *len,
                    fwp_err *err)
{
    static const char pkcs8_enc[] = "-----BEGIN ENCRYPTED PRIVATE KEY-----";
    if (fwp_read_file(path, data, len, KEY_FILE_MAX, err)) {
        /* a firmware image or a container given as a key: say what the
         * file is not, rather than how large it is */
        if (err && err->kind == FWP_E_INPUT)
            fwp_fail(err, "%s: not a PEM or DER key file (larger than %d "
                          "bytes; a key file is under 1 KB)", path,
                     KEY_FILE_MAX);
        return -1;
    }
    if (*len >= sizeof pkcs8_enc - 1 &&
        strstr((const char *)*data, pkcs8_enc)) {
        free(*data);
        return fwp_fail(err, "%s: OpenSSL's encrypted PKCS#8 is not read: "
                             "decrypt it first (openssl pkey -in %s -out "
                             "PLAIN.pem)", path, path);
    }
    return 0;
}

static void drop(uint8_t *data, size_t len)
{
    sodium_memzero(data, len);
    free(data);
}

static void warn_mode(const char *path)
{
    fwp_warn_exposed(path, "private key");
}

/* The passphrase lives in locked memory (sodium_malloc: not swapped, not
 * in core dumps) only while Argon2id runs. */
static int decrypt(const char *path, const uint8_t *data, size_t len,
                   fwp_keypair *kp, fwp_pass_fn pass, void *arg,
                   unsigned flags, fwp_err *err)
{
    if (!pass)
        return fwp_fail(err, "%s: an encrypted private key: it needs its "
                             "passphrase", path);
    if (fwp_pem_kdf_check(data, len, path, flags, err))
        return -1;
    char *pw = sodium_malloc(FWP_PASS_MAX);
    if (!pw)
        return fwp_fail_io(err, "%s: out of memory", path);
    int rc = pass(arg, path, 0, pw, FWP_PASS_MAX, err);
    if (rc == 0)
        rc = fwp_pem_decrypt(data, len, path, pw, strlen(pw), flags, kp,
                             err);
    sodium_free(pw); /* wipes it */
    return rc;
}

int fwp_key_load_private_pass(const char *path, fwp_keypair *kp,
                              fwp_pass_fn pass, void *arg, unsigned flags,
                              fwp_err *err)
{
    uint8_t *data, seed[32];
    size_t len;
    int is_private = 0, rc;
    if (read_key(path, &data, &len, err))
        return -1;
    if (fwp_pem_is_encrypted(data, len)) {
        rc = decrypt(path, data, len, kp, pass, arg, flags, err);
        drop(data, len);
        if (rc == 0)
            warn_mode(path);
        return rc;
    }
    rc = fwp_pem_parse(data, len, path, seed, &is_private, err);
    drop(data, len);
    if (rc)
        return -1;
    if (!is_private)
        return fwp_fail(err, "%s: a public key; signing needs the private "
                             "key", path);
    warn_mode(path);
    crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
    sodium_memzero(seed, sizeof seed);
    return 0;
}

int fwp_key_load_private(const char *path, fwp_keypair *kp, fwp_err *err)
{
    return fwp_key_load_private_pass(path, kp, NULL, NULL, 0, err);
}

/* An encrypted key's public key, derived from the decrypted seed. */
static int public_of_encrypted(const char *path, const uint8_t *data,
                               size_t len, uint8_t pk[32], fwp_pass_fn pass,
                               void *arg, unsigned flags, fwp_err *err)
{
    fwp_keypair *kp = sodium_malloc(sizeof *kp);
    if (!kp)
        return fwp_fail_io(err, "%s: out of memory", path);
    int rc = decrypt(path, data, len, kp, pass, arg, flags, err);
    if (rc == 0)
        memcpy(pk, kp->pk, 32);
    sodium_free(kp);
    return rc;
}

int fwp_key_load_public_pass(const char *path, uint8_t pk[32],
                             fwp_pass_fn pass, void *arg, unsigned flags,
                             fwp_err *err)
{
    uint8_t *data, key[32];
    size_t len;
    int is_private = 0, rc;
    if (read_key(path, &data, &len, err))
        return -1;
    if (fwp_pem_is_encrypted(data, len)) {
        rc = pass ? public_of_encrypted(path, data, len, pk, pass, arg,
                                        flags, err)
                  : fwp_pem_encrypted_public(data, len, path, pk, err);
        drop(data, len);
        if (rc == 0)
            warn_mode(path);
        return rc;
    }
    rc = fwp_pem_parse(data, len, path, key, &is_private, err);
    drop(data, len);
    if (rc)
        return -1;
    if (is_private) {
        uint8_t sk[64];
        warn_mode(path);
        crypto_sign_seed_keypair(pk, sk, key);
        sodium_memzero(sk, sizeof sk);
        sodium_memzero(key, sizeof key);
    } else {
        memcpy(pk, key, 32);
    }
    return 0;
}

int fwp_key_load_public(const char *path, uint8_t pk[32], fwp_err *err)
{
    return fwp_key_load_public_pass(path, pk, NULL, NULL, 0, err);
}

static int save(const char *path, fwp_buf *b, unsigned mode, int force,
                fwp_err *err)
{
    int rc = fwp_write_file_atomic(path, (const uint8_t *)b->data, b->len,
                                   mode, force, err);
    sodium_memzero(b->data, b->len);
    fwp_buf_free(b);
    return rc;
}

int fwp_key_save_private(const char *path, const fwp_keypair *kp, int force,
                         fwp_err *err)
{
    fwp_buf b = {0};
    if (fwp_pem_private(kp, &b))
        return fwp_fail(err, "out of memory");
    return save(path, &b, 0600, force, err);
}

int fwp_key_save_private_encrypted(const char *path, const fwp_keypair *kp,
                                   const char *pass, size_t pass_len,
                                   int force, fwp_err *err)
{
    fwp_buf b = {0};
    if (fwp_pem_private_encrypted(kp, pass, pass_len, &b)) {
        fwp_buf_free(&b);
        return fwp_fail(err, "%s: out of memory", path);
    }
    return save(path, &b, 0600, force, err);
}

int fwp_key_save_public(const char *path, const uint8_t pk[32], int force,
                        fwp_err *err)
{
    fwp_buf b = {0};
    if (fwp_pem_public(pk, &b))
        return fwp_fail(err, "out of memory");
    return save(path, &b, 0644, force, err);
}

int fwp_key_save_c(const char *path, const uint8_t pk[32], int force,
                   fwp_err *err)
{
    fwp_buf b = {0};
    if (fwp_key_c_header(pk, &b))
        return fwp_fail(err, "out of memory");
    return save(path, &b, 0644, force, err);
}
