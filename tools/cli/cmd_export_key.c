/* cmd_export_key.c - fwpack export-key: the public key of a key file. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: fwpack export-key KEY.pem [-o FILE] [--format pem|c|raw] "
    "[--force] [-v] [--json]\n"
    "\n"
    "Writes the public key of KEY.pem (a private or public key, PEM or DER).\n"
    "\n"
    "  -o, --output FILE   where to write (default: stdout)\n"
    "  -f, --format FMT    pem: SubjectPublicKeyInfo PEM, byte-identical to\n"
    "                           `openssl pkey -pubout` (default)\n"
    "                      c:   a C header defining fwpk_keyring[] and\n"
    "                           FWPK_KEYRING_COUNT for the bootloader\n"
    "                      raw: the 32 key bytes\n"
    "      --force         overwrite FILE if it exists\n"
    "  -v, --verbose       print the key id (on stderr)\n"
    "      --json          print {\"key_id\": ...} on stdout (needs -o)\n"
    "  -h, --help          this text\n";

typedef struct {
    const char *in, *out, *format;
    int force, verbose, json;
} export_opts;

static int render(const char *format, const uint8_t pk[32], fwp_buf *b)
{
    if (strcmp(format, "pem") == 0)
        return fwp_pem_public(pk, b);
    if (strcmp(format, "c") == 0)
        return fwp_key_c_header(pk, b);
    return fwp_buf_put(b, pk, 32);
}

static int emit(const export_opts *o, const uint8_t pk[32])
{
    fwp_buf b = {0};
    fwp_err err;
    int rc = EXIT_OK;
    if (render(o->format, pk, &b))
        rc = cli_error(EXIT_IO, "export-key: out of memory");
    else if (!o->out && fwrite(b.data, 1, b.len, stdout) != b.len)
        rc = cli_error(EXIT_IO, "export-key: cannot write to stdout");
    else if (o->out && fwp_write_file_atomic(o->out, (uint8_t *)b.data, b.len,
                                             0644, o->force, &err))
        rc = cli_fail(&err, EXIT_IO);
    fwp_buf_free(&b);
    return rc;
}

static void report(const export_opts *o, const uint8_t pk[32])
{
    uint8_t id[FWPK_KEY_ID_LEN];
    fwp_buf hex = {0};
    fwp_key_id(pk, id);
    fwp_buf_hex(&hex, id, sizeof id);
    if (o->json) {
        fwp_buf pkhex = {0};
        fwp_buf_hex(&pkhex, pk, 32);
        printf("{\"key_id\":\"%s\",\"public_key\":\"%s\"}\n", hex.data,
               pkhex.data);
        fwp_buf_free(&pkhex);
    } else if (o->verbose) {
        fprintf(stderr, "key id %s\n", hex.data);
    }
    fwp_buf_free(&hex);
}

static int parse(int argc, char **argv, export_opts *o)
{
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"format", required_argument, 0, 'f'},
        {"force", no_argument, 0, 'F'},
        {"verbose", no_argument, 0, 'v'},
        {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "o:f:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'f': o->format = optarg; break;
        case 'F': o->force = 1; break;
        case 'v': o->verbose = 1; break;
        case 'j': o->json = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default: return cli_bad_option("export-key", argv, optind);
        }
    }
    if (optind + 1 != argc)
        return cli_error(EXIT_USAGE, "export-key: need exactly one key file");
    o->in = argv[optind];
    if (strcmp(o->format, "pem") && strcmp(o->format, "c") &&
        strcmp(o->format, "raw"))
        return cli_error(EXIT_USAGE, "export-key: --format must be pem, c or "
                                     "raw, not '%s'", o->format);
    if (o->json && !o->out)
        return cli_error(EXIT_USAGE, "export-key: --json needs -o FILE");
    return EXIT_OK;
}

int cmd_export_key(int argc, char **argv)
{
    export_opts o = {NULL, NULL, "pem", 0, 0, 0};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    uint8_t pk[32];
    fwp_err err;
    if (fwp_key_load_public(o.in, pk, &err))
        return cli_fail(&err, EXIT_INPUT);
    rc = emit(&o, pk);
    if (rc == EXIT_OK)
        report(&o, pk);
    return rc;
}
