/*
 * fuzz_common.h - the fixed key and policy the verifier fuzz target and its
 * seed generator share, so that seeds carry signatures the target accepts
 * and mutations reach the frame and inflate paths.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <sodium.h>
#include <string.h>

#include "fwpk_verify.h"

#define FUZZ_BASE 0x08000000u
#define FUZZ_FLASH (64u * 1024u)

static inline void fuzz_keypair(unsigned char pk[32], unsigned char sk[64])
{
    unsigned char seed[32];
    memset(seed, 0x42, sizeof seed);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static inline void fuzz_policy(fwpk_policy *p, fwpk_key *key)
{
    unsigned char sk[64], h[64];
    fuzz_keypair(key->pk, sk);
    crypto_hash_sha512(h, key->pk, 32);
    memcpy(key->id, h, FWPK_KEY_ID_LEN);
    key->revoked = 0;
    key->generation = 0;
    memset(p, 0, sizeof *p);
    p->keys = key;
    p->key_count = 1;
    p->target = "app";
    p->window_lo = FUZZ_BASE;
    p->window_hi = FUZZ_BASE + FUZZ_FLASH;
}

#endif
