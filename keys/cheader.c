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

int fwp_key_c_header(const uint8_t pk[32], fwp_buf *out)
{
    uint8_t id[FWPK_KEY_ID_LEN];
    fwp_key_id(pk, id);
    fwp_buf hex = {0};
    int rc = fwp_buf_hex(&hex, id, sizeof id);
    rc = rc || fwp_buf_printf(
        out,
        "/* fwpack keyring, written by fwpack " FWPACK_VERSION ".\n"
        " * Include it once in the bootloader and pass fwpk_keyring and\n"
        " * FWPK_KEYRING_COUNT as fwpk_policy.keys / key_count. */\n"
        "#ifndef FWPK_KEYRING_H\n#define FWPK_KEYRING_H\n\n"
        "#include \"fwpk_verify.h\"\n\n"
        "static const fwpk_key fwpk_keyring[] = {\n"
        "    { /* key id %s */\n        ",
        hex.data);
    rc = rc || bytes(out, id, sizeof id) || fwp_buf_printf(out, ",\n        ") ||
         bytes(out, pk, 32) ||
         fwp_buf_printf(out, ",\n        0, /* revoked */\n"
                             "        0  /* generation */\n    },\n};\n\n"
                             "#define FWPK_KEYRING_COUNT "
                             "(sizeof fwpk_keyring / sizeof fwpk_keyring[0])"
                             "\n\n#endif\n");
    fwp_buf_free(&hex);
    return rc ? -1 : 0;
}
