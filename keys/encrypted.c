/*
 * encrypted.c - passphrase-protected private keys, in a PEM block of
 * fwpack's own, "FWPACK ENCRYPTED PRIVATE KEY", holding (little-endian):
 *
 *   off size
 *     0   1  version, 1
 *     1   1  KDF, 1 = Argon2id v1.3 (libsodium crypto_pwhash)
 *     2   1  cipher, 1 = XChaCha20-Poly1305-IETF (crypto_aead_xchacha20...)
 *     3   1  reserved, 0
 *     4   4  Argon2id opslimit (passes)
 *     8   8  Argon2id memlimit (bytes)
 *    16  16  Argon2id salt
 *    32  24  XChaCha20 nonce
 *    56  32  the Ed25519 public key, in clear (so that export-key and
 *            verify -p need no passphrase)
 *    88  48  the 32-byte seed encrypted, then the 16-byte tag
 *
 * The AEAD key is Argon2id(passphrase, salt, opslimit, memlimit), 32 bytes;
 * fwpack writes FWP_KDF_OPS and FWP_KDF_MEM, and refuses to decrypt with
 * less than FWP_KDF_MIN_OPS and FWP_KDF_MIN_MEM unless allowed (a file
 * made elsewhere with opslimit 1 and 8 KiB makes guessing the passphrase
 * thousands of times cheaper, and nothing in it looks wrong).
 * the associated data is bytes 0..87, so the parameters and the public key
 * cannot be changed without the tag failing.  After decrypting, the public
 * key derived from the seed must equal the stored one.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "fwpack.h"

#define LABEL "FWPACK ENCRYPTED PRIVATE KEY"
#define V_OFF 0
#define OPS_OFF 4
#define MEM_OFF 8
#define SALT_OFF 16
#define NONCE_OFF 32
#define PK_OFF 56
#define CT_OFF 88
#define BLOB_LEN (CT_OFF + 32 + crypto_aead_xchacha20poly1305_ietf_ABYTES)

/* What a reader accepts: at most libsodium's "sensitive" costs, so that a
 * crafted file cannot make fwpack spin or allocate without bound. */
#define OPS_MAX 16u
#define MEM_MAX ((uint64_t)crypto_pwhash_MEMLIMIT_SENSITIVE)

static void put_le(uint8_t *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int derive(uint8_t key[32], const char *pass, size_t pass_len,
                  const uint8_t *blob)
{
    return crypto_pwhash(key, 32, pass, pass_len, blob + SALT_OFF,
                         get_le(blob + OPS_OFF, 4),
                         (size_t)get_le(blob + MEM_OFF, 8),
                         crypto_pwhash_ALG_ARGON2ID13);
}

int fwp_pem_private_encrypted(const fwp_keypair *kp, const char *pass,
                              size_t pass_len, fwp_buf *out)
{
    uint8_t blob[BLOB_LEN], key[32];
    char b64[sodium_base64_ENCODED_LEN(BLOB_LEN,
                                       sodium_base64_VARIANT_ORIGINAL)];
    if (sodium_init() < 0)
        return -1;
    memset(blob, 0, sizeof blob);
    blob[V_OFF] = 1;
    blob[V_OFF + 1] = 1;
    blob[V_OFF + 2] = 1;
    put_le(blob + OPS_OFF, FWP_KDF_OPS, 4);
    put_le(blob + MEM_OFF, FWP_KDF_MEM, 8);
    randombytes_buf(blob + SALT_OFF, crypto_pwhash_SALTBYTES);
    randombytes_buf(blob + NONCE_OFF,
                    crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    memcpy(blob + PK_OFF, kp->pk, 32);
    int rc = derive(key, pass, pass_len, blob);
    if (rc == 0)
        crypto_aead_xchacha20poly1305_ietf_encrypt(
            blob + CT_OFF, NULL, kp->sk, 32, blob, CT_OFF, NULL,
            blob + NONCE_OFF, key);
    sodium_memzero(key, sizeof key);
    if (rc)
        return -1; /* out of memory for Argon2id */
    sodium_bin2base64(b64, sizeof b64, blob, sizeof blob,
                      sodium_base64_VARIANT_ORIGINAL);
    rc = fwp_buf_printf(out, "-----BEGIN " LABEL "-----\n");
    for (size_t i = 0, n = strlen(b64); rc == 0 && i < n; i += 64)
        rc = fwp_buf_printf(out, "%.64s\n", b64 + i);
    return rc ? rc : fwp_buf_printf(out, "-----END " LABEL "-----\n");
}

/* The block's start, or NULL. */
static const char *find_block(const uint8_t *data, size_t len)
{
    static const char begin[] = "-----BEGIN " LABEL "-----";
    size_t n = sizeof begin - 1;
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(data + i, begin, n) == 0)
            return (const char *)data + i + n;
    return NULL;
}

int fwp_pem_is_encrypted(const uint8_t *data, size_t len)
{
    return find_block(data, len) != NULL;
}

/* The blob, with its fixed fields checked. */
static int unpack(const uint8_t *data, size_t len, const char *name,
                  uint8_t blob[BLOB_LEN], fwp_err *err)
{
    static const char end_line[] = "-----END " LABEL "-----";
    const char *body = find_block(data, len);
    const char *stop = (const char *)data + len;
    const char *end = NULL;
    size_t n = 0;
    for (const char *p = body; p && p + sizeof end_line - 1 <= stop; p++)
        if (memcmp(p, end_line, sizeof end_line - 1) == 0) {
            end = p;
            break;
        }
    if (!end || sodium_base642bin(blob, BLOB_LEN, body, (size_t)(end - body),
                                  " \r\n\t", &n, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) ||
        n != BLOB_LEN)
        return fwp_fail(err, "%s: damaged " LABEL " block (expected %d bytes "
                             "of base64 between BEGIN and END)",
                        name, BLOB_LEN);
    if (blob[V_OFF] != 1 || blob[V_OFF + 1] != 1 || blob[V_OFF + 2] != 1 ||
        blob[V_OFF + 3] != 0)
        return fwp_fail(err, "%s: encrypted key version %u, KDF %u, cipher "
                             "%u: this fwpack reads 1, 1 (Argon2id), 1 "
                             "(XChaCha20-Poly1305)",
                        name, blob[0], blob[1], blob[2]);
    uint64_t ops = get_le(blob + OPS_OFF, 4), mem = get_le(blob + MEM_OFF, 8);
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > OPS_MAX ||
        mem < crypto_pwhash_MEMLIMIT_MIN || mem > MEM_MAX)
        return fwp_fail(err, "%s: Argon2id cost out of range (opslimit %llu, "
                             "memlimit %llu bytes; at most %u and %llu)",
                        name, (unsigned long long)ops,
                        (unsigned long long)mem, OPS_MAX,
                        (unsigned long long)MEM_MAX);
    return 0;
}

int fwp_pem_encrypted_public(const uint8_t *data, size_t len,
                             const char *name, uint8_t pk[32], fwp_err *err)
{
    uint8_t blob[BLOB_LEN];
    if (unpack(data, len, name, blob, err))
        return -1;
    memcpy(pk, blob + PK_OFF, 32);
    return 0;
}

/* 0 when the costs are at least the minimum; else -1 with err saying so. */
static int weak(const uint8_t blob[BLOB_LEN], const char *name, fwp_err *err)
{
    uint64_t ops = get_le(blob + OPS_OFF, 4), mem = get_le(blob + MEM_OFF, 8);
    if (ops >= FWP_KDF_MIN_OPS && mem >= FWP_KDF_MIN_MEM)
        return 0;
    return fwp_fail(err, "%s: weak Argon2id costs (opslimit %llu, memlimit "
                         "%llu bytes; fwpack wants at least %u and %u): the "
                         "passphrase is cheap to guess",
                    name, (unsigned long long)ops, (unsigned long long)mem,
                    FWP_KDF_MIN_OPS, FWP_KDF_MIN_MEM);
}

int fwp_pem_kdf_check(const uint8_t *data, size_t len, const char *name,
                      unsigned flags, fwp_err *err)
{
    uint8_t blob[BLOB_LEN];
    fwp_err why;
    if (unpack(data, len, name, blob, err))
        return -1;
    if (weak(blob, name, &why) == 0)
        return 0;
    if (!(flags & FWP_KDF_ALLOW_WEAK))
        return fwp_fail(err, "%s (--allow-weak-kdf uses it anyway)",
                        why.msg);
    fprintf(stderr, "fwpack: warning: %s\n", why.msg);
    return 0;
}

int fwp_pem_decrypt(const uint8_t *data, size_t len, const char *name,
                    const char *pass, size_t pass_len, unsigned flags,
                    fwp_keypair *kp, fwp_err *err)
{
    uint8_t blob[BLOB_LEN], key[32], seed[32];
    if (unpack(data, len, name, blob, err))
        return -1;
    if (!(flags & FWP_KDF_ALLOW_WEAK) && weak(blob, name, err))
        return -1;
    if (sodium_init() < 0 || derive(key, pass, pass_len, blob))
        return fwp_fail(err, "%s: out of memory for Argon2id (memlimit %llu "
                             "bytes)", name,
                        (unsigned long long)get_le(blob + MEM_OFF, 8));
    int rc = crypto_aead_xchacha20poly1305_ietf_decrypt(
        seed, NULL, NULL, blob + CT_OFF, BLOB_LEN - CT_OFF, blob, CT_OFF,
        blob + NONCE_OFF, key);
    sodium_memzero(key, sizeof key);
    if (rc)
        return fwp_fail(err, "%s: wrong passphrase (or a damaged key file)",
                        name);
    crypto_sign_seed_keypair(kp->pk, kp->sk, seed);
    sodium_memzero(seed, sizeof seed);
    if (memcmp(kp->pk, blob + PK_OFF, 32) != 0) {
        sodium_memzero(kp, sizeof *kp);
        return fwp_fail(err, "%s: the stored public key does not belong to "
                             "the private key", name);
    }
    return 0;
}
