/*
 * pem.c - Ed25519 keys as OpenSSL writes them: PKCS#8 "PRIVATE KEY"
 * (RFC 8410: a fixed 16-byte DER prefix + the 32-byte seed; the v2 form
 * with the public key is accepted too) and SubjectPublicKeyInfo "PUBLIC
 * KEY" (12-byte prefix + the 32-byte key), in PEM (64-column base64).
 */
#include <sodium.h>
#include <string.h>

#include "fwpack.h"

static const uint8_t pkcs8_v1[16] = {0x30, 0x2e, 0x02, 0x01, 0x00, 0x30,
                                     0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                     0x04, 0x22, 0x04, 0x20};
/* v2 (RFC 8410 OneAsymmetricKey) with [1] publicKey after the seed */
static const uint8_t pkcs8_v2[16] = {0x30, 0x51, 0x02, 0x01, 0x01, 0x30,
                                     0x05, 0x06, 0x03, 0x2b, 0x65, 0x70,
                                     0x04, 0x22, 0x04, 0x20};
static const uint8_t pkcs8_v2_pub[3] = {0x81, 0x21, 0x00};
static const uint8_t spki[12] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03,
                                 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

/* The base64 of a private key is the key: b64 is wiped before returning
 * (out is the caller's to wipe). */
static int pem(const char *label, const uint8_t *der, size_t n, fwp_buf *out)
{
    char b64[256];
    sodium_bin2base64(b64, sizeof b64, der, n,
                      sodium_base64_VARIANT_ORIGINAL);
    int rc = fwp_buf_printf(out, "-----BEGIN %s-----\n", label);
    for (size_t i = 0, len = strlen(b64); rc == 0 && i < len; i += 64)
        rc = fwp_buf_printf(out, "%.64s\n", b64 + i);
    sodium_memzero(b64, sizeof b64);
    return rc ? rc : fwp_buf_printf(out, "-----END %s-----\n", label);
}

int fwp_pem_private(const fwp_keypair *kp, fwp_buf *out)
{
    uint8_t der[48];
    memcpy(der, pkcs8_v1, 16);
    memcpy(der + 16, kp->sk, 32); /* the seed */
    int rc = pem("PRIVATE KEY", der, sizeof der, out);
    sodium_memzero(der, sizeof der);
    return rc;
}

int fwp_pem_public(const uint8_t pk[32], fwp_buf *out)
{
    uint8_t der[44];
    memcpy(der, spki, 12);
    memcpy(der + 12, pk, 32);
    return pem("PUBLIC KEY", der, sizeof der, out);
}

/* The first occurrence of needle[0..m) in hay[0..n), or NULL. */
static const char *find(const char *hay, size_t n, const char *needle,
                        size_t m)
{
    for (size_t i = 0; m <= n && i <= n - m; i++)
        if (memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

/* DER of a PEM block (base64 between BEGIN and END lines).  Every search
 * stays inside [text, text + len): the text need not end with a NUL. */
static int unpem(const char *text, size_t len, uint8_t *der, size_t cap,
                 size_t *n, int *is_private)
{
    static const char begin[] = "-----BEGIN ", endl[] = "-----END ";
    const char *stop = text + len;
    const char *b = find(text, len, begin, sizeof begin - 1);
    if (!b)
        return -1;
    b += sizeof begin - 1;
    size_t left = (size_t)(stop - b);
    *is_private = left >= 16 && memcmp(b, "PRIVATE KEY-----", 16) == 0;
    if (!*is_private && !(left >= 15 && memcmp(b, "PUBLIC KEY-----", 15) == 0))
        return -1;
    const char *body = memchr(b, '\n', left);
    if (!body)
        return -1;
    const char *end = find(body, (size_t)(stop - body), endl, sizeof endl - 1);
    if (!end)
        return -1;
    return sodium_base642bin(der, cap, body, (size_t)(end - body), " \r\n\t",
                             n, NULL, sodium_base64_VARIANT_ORIGINAL);
}

static int from_der(const uint8_t *d, size_t n, uint8_t key[32],
                    int *is_private)
{
    if (n == 48 && memcmp(d, pkcs8_v1, 16) == 0) {
        *is_private = 1;
        memcpy(key, d + 16, 32);
        return 0;
    }
    if (n == 83 && memcmp(d, pkcs8_v2, 16) == 0 &&
        memcmp(d + 48, pkcs8_v2_pub, 3) == 0) {
        uint8_t pk[32], sk[64];
        crypto_sign_seed_keypair(pk, sk, d + 16);
        sodium_memzero(sk, sizeof sk);
        if (memcmp(pk, d + 51, 32) != 0)
            return -1; /* public key does not belong to the seed */
        *is_private = 1;
        memcpy(key, d + 16, 32);
        return 0;
    }
    if (n == 44 && memcmp(d, spki, 12) == 0) {
        *is_private = 0;
        memcpy(key, d + 12, 32);
        return 0;
    }
    return -1;
}

int fwp_pem_parse(const uint8_t *data, size_t len, const char *name,
                  uint8_t key[32], int *is_private, fwp_err *err)
{
    uint8_t der[128];
    size_t n = 0;
    int rc;
    if (len >= 10 && memcmp(data, "-----BEGIN", 10) == 0) {
        int label_private = 0;
        rc = unpem((const char *)data, len, der, sizeof der, &n,
                   &label_private);
        if (rc == 0)
            rc = from_der(der, n, key, is_private);
        if (rc == 0 && label_private != *is_private)
            rc = -1;
    } else {
        rc = from_der(data, len, key, is_private);
    }
    sodium_memzero(der, sizeof der);
    if (rc)
        return fwp_fail(err, "%s: not an Ed25519 key (expected PKCS#8 "
                             "PRIVATE KEY or SubjectPublicKeyInfo PUBLIC "
                             "KEY, PEM or DER)", name);
    return 0;
}
