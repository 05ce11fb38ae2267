/* cmd_keygen.c - fwpack keygen: a new Ed25519 key, PKCS#8 PEM, mode 0600. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>

#include "cli.h"

static const char help[] =
    "usage: fwpack keygen -o KEY.pem [--force] [-v] [--json]\n"
    "\n"
    "Generates an Ed25519 signing key and writes it as PKCS#8 PEM (the file\n"
    "`openssl genpkey -algorithm ed25519` writes), mode 0600.\n"
    "\n"
    "  -o, --output FILE   the key file (required)\n"
    "      --force         overwrite FILE if it exists\n"
    "  -v, --verbose       print the key id\n"
    "      --json          print {\"key_id\": ...} on stdout\n"
    "  -h, --help          this text\n";

static int report(const fwp_keypair *kp, const char *path, int json)
{
    uint8_t id[FWPK_KEY_ID_LEN];
    fwp_buf hex = {0};
    fwp_key_id(kp->pk, id);
    if (fwp_buf_hex(&hex, id, sizeof id))
        return EXIT_IO;
    if (json)
        printf("{\"key_id\":\"%s\",\"file\":", hex.data);
    else
        printf("wrote %s, key id %s\n", path, hex.data);
    fwp_buf_free(&hex);
    if (json) {
        fwp_buf b = {0};
        fwp_buf_json_str(&b, path);
        printf("%s}\n", b.data ? b.data : "\"\"");
        fwp_buf_free(&b);
    }
    return EXIT_OK;
}

int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, 'f'},
        {"verbose", no_argument, 0, 'v'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    const char *out = NULL;
    int force = 0, verbose = 0, json = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'f': force = 1; break;
        case 'v': verbose = 1; break;
        case 'j': json = 1; break;
        case 'h': fputs(help, stdout); return EXIT_OK;
        default: return cli_bad_option("keygen", argv, optind);
        }
    }
    if (optind != argc)
        return cli_error(EXIT_USAGE, "keygen: unexpected argument '%s'",
                         argv[optind]);
    if (!out)
        return cli_error(EXIT_USAGE, "keygen: -o FILE is required");
    fwp_keypair kp;
    fwp_err err;
    if (fwp_key_generate(&kp))
        return cli_error(EXIT_IO, "keygen: no randomness");
    int rc = fwp_key_save_private(out, &kp, force, &err);
    if (rc == 0 && (verbose || json))
        report(&kp, out, json);
    sodium_memzero(&kp, sizeof kp);
    return rc ? cli_fail(&err, EXIT_IO) : EXIT_OK;
}
