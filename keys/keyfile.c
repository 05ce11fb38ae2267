/*
 * keyfile.c - key files: load (warning when a private key is readable by
 * group or others), save (private keys 0600, never overwritten without
 * force).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fwpack.h"

#define KEY_FILE_MAX 16384

static int load(const char *path, uint8_t key[32], int *is_private,
                fwp_err *err)
{
    uint8_t *data;
    size_t len;
    if (fwp_read_file(path, &data, &len, KEY_FILE_MAX, err))
        return -1;
    int rc = fwp_pem_parse(data, len, path, key, is_private, err);
    sodium_memzero(data, len);
    free(data);
    return rc;
}

static void warn_mode(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && (st.st_mode & 077))
        fprintf(stderr, "fwpack: warning: private key %s is readable by "
                        "group or others (mode %03o); chmod 600 it\n",
                path, (unsigned)(st.st_mode & 0777));
}

int fwp_key_load_private(const char *path, fwp_keypair *kp, fwp_err *err)
{
    uint8_t seed[32];
    int is_private = 0;
    if (load(path, seed, &is_private, err))
        return -1;
    if (!is_private)
        return fwp_fail(err, "%s: a public key; signing needs the private "
                             "key", path);
    warn_mode(path);
    crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
    sodium_memzero(seed, sizeof seed);
    return 0;
}

int fwp_key_load_public(const char *path, uint8_t pk[32], fwp_err *err)
{
    uint8_t key[32];
    int is_private = 0;
    if (load(path, key, &is_private, err))
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
