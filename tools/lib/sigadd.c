/*
 * sigadd.c - a signature made elsewhere (openssl, an HSM, a KMS) added to
 * a packed container.  The signed prefix does not cover the signature
 * block (format/SPEC.md 5), so only sig_count and the entries change.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

int fwp_sig_append(const uint8_t *box, size_t len, const char *name,
                   const uint8_t pk[32], const uint8_t sig[64],
                   uint8_t **out, size_t *out_len, fwp_err *err)
{
    fwp_layout lay;
    uint8_t id[FWPK_KEY_ID_LEN];
    char hex[2 * FWPK_KEY_ID_LEN + 1];
    if (fwp_layout_parse(box, len, name, &lay, err))
        return -1;
    fwp_key_id(pk, id);
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    if (crypto_sign_verify_detached(sig, lay.signed_digest,
                                    sizeof lay.signed_digest, pk) != 0)
        return fwp_fail(err, "%s: the signature does not verify with key "
                             "%s over this container's signed digest",
                        name, hex);
    for (uint32_t i = 0; i < lay.sig_count; i++)
        if (memcmp(lay.sigs + i * FWPK_SIG_ENTRY_LEN, id, sizeof id) == 0)
            return fwp_fail(err, "%s: already signed by key %s", name, hex);
    if (lay.sig_count >= FWPK_MAX_SIGNATURES)
        return fwp_fail(err, "%s: already %u signatures, the most a "
                             "container holds", name,
                        (unsigned)lay.sig_count);
    size_t at = lay.frames_offset, n = len + FWPK_SIG_ENTRY_LEN;
    uint8_t *o = malloc(n);
    if (!o)
        return fwp_fail(err, "%s: out of memory", name);
    memcpy(o, box, at);
    o[lay.signed_len] = (uint8_t)(lay.sig_count + 1);
    memcpy(o + at, id, sizeof id);
    memcpy(o + at + sizeof id, sig, 64);
    memcpy(o + at + FWPK_SIG_ENTRY_LEN, box + at, len - at);
    *out = o;
    *out_len = n;
    return 0;
}
