/* fwpack_probe.c - a host program built against an installed libfwpack
 * (pkg-config fwpack) by tests/test_install.c: reads a container with the
 * host library and prints, on one line,
 *   "<version> <targets> <first target's name> <image bytes> <key id>"
 * (the key id of the public key file given, as fwpack inspect shows the
 * signer's), or the library's error on stderr and exit 1. */
#include <fwpack.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    static fwp_manifest m;
    fwp_layout lay;
    fwp_err err;
    uint8_t *data, pk[32], id[FWPK_KEY_ID_LEN];
    size_t len;
    if (argc != 3) {
        fprintf(stderr, "usage: fwpack_probe FILE.fwpk PUB.pem\n");
        return 2;
    }
    if (fwp_read_file(argv[1], &data, &len, 0, &err) ||
        fwp_layout_parse(data, len, argv[1], &lay, &err) ||
        fwp_manifest_decode(lay.manifest, lay.manifest_len, argv[1], &m,
                            &err) ||
        fwp_key_load_public(argv[2], pk, &err)) {
        fprintf(stderr, "fwpack_probe: %s\n", err.msg);
        return 1;
    }
    fwp_key_id(pk, id);
    printf("%s %u %s %u ", m.version, (unsigned)m.target_count,
           m.targets[0].name, (unsigned)m.targets[0].image_size);
    for (int i = 0; i < FWPK_KEY_ID_LEN; i++)
        printf("%02x", id[i]);
    printf("\n");
    free(data);
    return 0;
}
