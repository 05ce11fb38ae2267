/*
 * fuzz_pem.c - the key parser (keys/pem.c: PEM or DER, PKCS#8 or SPKI) on
 * arbitrary bytes.  A key it accepts must come back unchanged through
 * fwp_pem_private / fwp_pem_public and a second parse; a refusal must come
 * with a message.
 *
 * The input is handed over bare, (data, len) with no NUL after it: the
 * parser must never look past len (it once did, with strstr).  Build with
 * -DFUZZ_PEM_WITH_NUL to hand it over as fwp_read_file does.
 */
#ifndef FUZZ_PEM_WITH_NUL
#define FUZZ_PEM_NO_NUL 1
#endif
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    return sodium_init() < 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t key[32], key2[32];
    int priv = -1, priv2 = -1;
    fwp_err err;
#ifdef FUZZ_PEM_NO_NUL
    const uint8_t *in = data; /* the bare (data, len) contract */
#else
    uint8_t *in = malloc(size + 1);
    if (!in)
        return 0;
    memcpy(in, data, size);
    in[size] = 0;
#endif
    err.msg[0] = 0;
    if (fwp_pem_parse(in, size, "fuzz.pem", key, &priv, &err)) {
        if (err.msg[0] == 0)
            abort();
    } else {
        fwp_buf b = {0};
        if (priv != 0 && priv != 1)
            abort();
        if (priv) {
            fwp_keypair kp;
            crypto_sign_seed_keypair(kp.pk, kp.sk, key);
            if (fwp_pem_private(&kp, &b))
                abort();
        } else if (fwp_pem_public(key, &b)) {
            abort();
        }
        if (fwp_pem_parse((const uint8_t *)b.data, b.len, "again.pem", key2,
                          &priv2, &err) ||
            priv2 != priv || memcmp(key, key2, 32) != 0)
            abort();
        fwp_buf_free(&b);
    }
#ifndef FUZZ_PEM_NO_NUL
    free(in);
#endif
    return 0;
}
