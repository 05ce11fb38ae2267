/* keyid.c - key ids (first 8 bytes of SHA-512(pk)) and key generation. */
#include <sodium.h>
#include <string.h>

#include "fwpack.h"

void fwp_key_id(const uint8_t pk[32], uint8_t id[FWPK_KEY_ID_LEN])
{
    uint8_t h[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(h, pk, 32);
    memcpy(id, h, FWPK_KEY_ID_LEN);
}

int fwp_key_generate(fwp_keypair *kp)
{
    if (sodium_init() < 0)
        return -1;
    return crypto_sign_keypair(kp->pk, kp->sk);
}
