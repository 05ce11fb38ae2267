/* layout.c - splits a container into header, info, manifest, signatures. */
#include <sodium.h>
#include <string.h>

#include "fwpack.h"

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static int check_header(const uint8_t *d, size_t len, const char *name,
                        fwp_layout *lay, fwp_err *err)
{
    if (len < FWPK_HEADER_LEN || memcmp(d, FWPK_MAGIC, FWPK_MAGIC_LEN))
        return fwp_fail(err, "%s: not an fwpack container (no FWPK magic)",
                        name);
    if (d[4] != FWPK_FORMAT_VERSION)
        return fwp_fail(err, "%s: format version %u, expected %d", name,
                        d[4], FWPK_FORMAT_VERSION);
    if (d[5] != 0 || d[10] != 0 || d[11] != 0)
        return fwp_fail(err, "%s: header flags or reserved bytes not zero",
                        name);
    lay->info_len = le16(d + 6);
    lay->manifest_len = le16(d + 8);
    if (lay->info_len < FWPK_INFO_PREFIX_LEN + 3 ||
        lay->info_len > FWPK_INFO_MAX)
        return fwp_fail(err, "%s:6: info_len %u not in %d..%d", name,
                        (unsigned)lay->info_len, FWPK_INFO_PREFIX_LEN + 3,
                        FWPK_INFO_MAX);
    if (lay->manifest_len < 1 || lay->manifest_len > FWPK_MANIFEST_MAX)
        return fwp_fail(err, "%s:8: manifest_len %u not in 1..%d", name,
                        (unsigned)lay->manifest_len, FWPK_MANIFEST_MAX);
    return 0;
}

static int check_info(const uint8_t *info, uint32_t n, const char *name,
                      fwp_err *err)
{
    if (memcmp(info, FWPK_INFO_PREFIX, FWPK_INFO_PREFIX_LEN))
        return fwp_fail(err, "%s:%d: info string does not start with %s",
                        name, FWPK_HEADER_LEN, FWPK_INFO_PREFIX);
    const uint8_t *nul = memchr(info, 0, n);
    if (nul != info + n - 1)
        return fwp_fail(err, "%s:%d: info string not terminated by its only "
                             "NUL", name, FWPK_HEADER_LEN);
    return 0;
}

int fwp_layout_parse(const uint8_t *data, size_t len, const char *name,
                     fwp_layout *lay, fwp_err *err)
{
    memset(lay, 0, sizeof *lay);
    if (check_header(data, len, name, lay, err))
        return -1;
    lay->signed_len = FWPK_HEADER_LEN + lay->info_len + lay->manifest_len;
    if (len < lay->signed_len + 1)
        return fwp_fail(err, "%s: truncated in the signed prefix (%zu of %zu "
                             "bytes)", name, len, lay->signed_len + 1);
    lay->info = data + FWPK_HEADER_LEN;
    lay->manifest = lay->info + lay->info_len;
    if (check_info(lay->info, lay->info_len, name, err))
        return -1;
    crypto_hash_sha512(lay->signed_digest, data, lay->signed_len);
    lay->sig_count = data[lay->signed_len];
    if (lay->sig_count > FWPK_MAX_SIGNATURES)
        return fwp_fail(err, "%s:%zu: %u signatures, at most %d", name,
                        lay->signed_len, (unsigned)lay->sig_count,
                        FWPK_MAX_SIGNATURES);
    lay->sigs = data + lay->signed_len + 1;
    lay->frames_offset = lay->signed_len + 1 +
                         (size_t)lay->sig_count * FWPK_SIG_ENTRY_LEN;
    if (len < lay->frames_offset)
        return fwp_fail(err, "%s: truncated in the signature block", name);
    return 0;
}
