/* cheader.c - a keyring header for the bootloader (fwpk_key entries). */
#include "fwpack.h"

static int bytes(fwp_buf *b, const uint8_t *d, size_t n)
{
    int rc = fwp_buf_printf(b, "{");
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = fwp_buf_printf(b, "%s0x%02x%s", i % 8 ? "" : "\n         ",
                            d[i], i + 1 < n ? ", " : "");
    return rc ? rc : fwp_buf_printf(b, "}");
}

static int entry(fwp_buf *out, const fwp_ring_key *k)
{
    uint8_t id[FWPK_KEY_ID_LEN];
    fwp_key_id(k->pk, id);
    int rc = fwp_buf_printf(out, "    { /* key id ") ||
             fwp_buf_hex(out, id, sizeof id) ||
             fwp_buf_printf(out, "%s */\n        ",
                            k->revoked ? ", REVOKED" : "") ||
             bytes(out, id, sizeof id) ||
             fwp_buf_printf(out, ",\n        ") || bytes(out, k->pk, 32) ||
             fwp_buf_printf(out, ",\n        %d, /* revoked */\n"
                                 "        %u  /* generation */\n    },\n",
                            k->revoked ? 1 : 0, (unsigned)k->generation);
    return rc ? -1 : 0;
}

int fwp_keyring_c_header(const fwp_ring_key *keys, size_t n, fwp_buf *out)
{
    int rc = fwp_buf_printf(
        out,
        "/* fwpack keyring, written by fwpack " FWPACK_VERSION ".\n"
        " * Include it once in the bootloader and pass fwpk_keyring and\n"
        " * FWPK_KEYRING_COUNT as fwpk_policy.keys / key_count. */\n"
        "#ifndef FWPK_KEYRING_H\n#define FWPK_KEYRING_H\n\n"
        "#include \"fwpk_verify.h\"\n\n"
        "static const fwpk_key fwpk_keyring[] = {\n");
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = entry(out, &keys[i]);
    rc = rc || fwp_buf_printf(out, "};\n\n"
                                   "#define FWPK_KEYRING_COUNT "
                                   "(sizeof fwpk_keyring / sizeof "
                                   "fwpk_keyring[0])\n\n#endif\n");
    return rc ? -1 : 0;
}

int fwp_key_c_header(const uint8_t pk[32], fwp_buf *out)
{
    fwp_ring_key k = {{0}, 0, 0};
    for (int i = 0; i < 32; i++)
        k.pk[i] = pk[i];
    return fwp_keyring_c_header(&k, 1, out);
}
