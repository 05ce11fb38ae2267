/* cmd_attach_sig.c - fwpack attach-sig: adds a signature made elsewhere
 * (openssl, an HSM, a KMS) to a container, after checking it. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: fwpack attach-sig FILE.fwpk --sig SIG -p PUB.pem [-o OUT.fwpk] "
    "[--force] [-v] [--json]\n"
    "\n"
    "Adds an Ed25519 signature made outside fwpack over FILE's signed\n"
    "digest (the 64 bytes `fwpack digest` writes) to FILE's signature\n"
    "block, as an entry with PUB's key id.  The signature is checked first:\n"
    "refused when it does not verify with PUB over the digest, when PUB's\n"
    "key already signed FILE, or when FILE has 8 signatures (exit 3); a FILE\n"
    "whose frames cannot be delimited, or with bytes after its last frame,\n"
    "is refused too (exit 1).  Run it again for more signatures (k-of-n\n"
    "policies).\n"
    "\n"
    "  --sig FILE          the signature: 64 bytes (openssl pkeyutl -sign\n"
    "                      -rawin writes them), or 128 hex digits, or the 64\n"
    "                      bytes in base64 (a KMS's JSON field)\n"
    "  -p, --pubkey FILE   the signer's public key (SubjectPublicKeyInfo PEM\n"
    "                      or DER; a private key file works too)\n"
    "  -o, --output FILE   write the signed container to FILE, replacing it\n"
    "                      (- for stdout); without -o, FILE.fwpk is\n"
    "                      replaced (temporary file + rename)\n"
    "      --force         accepted for old scripts\n"
    "  -v, --verbose       print the signature count and key id\n"
    "      --json          print {\"file\", \"key_id\", \"signatures\"}\n"
    "  -h, --help          this text\n";

typedef struct {
    const char *in, *out, *sig, *pub;
    int force, verbose, json;
} attach_opts;

static int parse(int argc, char **argv, attach_opts *o)
{
    enum { O_FORCE = 256, O_JSON, O_SIG };
    static const struct option opts[] = {
        {"sig", required_argument, 0, O_SIG},
        {"pubkey", required_argument, 0, 'p'},
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, O_FORCE},
        {"verbose", no_argument, 0, 'v'},
        {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "p:o:vh", opts)) != -1) {
        switch (c) {
        case O_SIG: o->sig = optarg; break;
        case 'p': o->pub = optarg; break;
        case 'o': o->out = optarg; break;
        case O_FORCE: o->force = 1; break;
        case 'v': o->verbose = 1; break;
        case O_JSON: o->json = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default: return cli_bad_option("attach-sig", argv, optind);
        }
    }
    if (optind + 1 != argc)
        return cli_error(EXIT_USAGE, "attach-sig: need exactly one "
                                     "container");
    o->in = argv[optind];
    if (!o->sig || !o->pub)
        return cli_error(EXIT_USAGE, "attach-sig: --sig SIG and -p PUB.pem "
                                     "are required");
    if (o->out && cli_is_stdio(o->out) && (o->json || o->verbose))
        return cli_error(EXIT_USAGE, "attach-sig: --json and -v print to "
                                     "stdout, where -o - writes the "
                                     "container");
    /* -o FILE.fwpk is the default made explicit; the others are not */
    const char *in[] = {o->sig, o->pub};
    return o->out ? cli_output_check("attach-sig", o->out, 1, in, 2) : 0;
}

/* 64 raw bytes, 128 hex digits, or base64 of 64 bytes. */
static int read_sig(const char *path, uint8_t sig[64])
{
    uint8_t *data;
    size_t len, n = 0;
    fwp_err err;
    if (fwp_read_file(path, &data, &len, 4096, &err))
        return cli_fail(&err, EXIT_INPUT);
    int rc = -1;
    if (len == 64) {
        memcpy(sig, data, 64);
        rc = 0;
    } else if (sodium_hex2bin(sig, 64, (const char *)data, len, " \t\r\n",
                              &n, NULL) == 0 && n == 64) {
        rc = 0;
    } else if (sodium_base642bin(sig, 64, (const char *)data, len,
                                 " \t\r\n", &n, NULL,
                                 sodium_base64_VARIANT_ORIGINAL) == 0 &&
               n == 64) {
        rc = 0;
    }
    free(data);
    if (rc)
        return cli_error(EXIT_INPUT, "%s: not an Ed25519 signature (64 "
                                     "bytes, 128 hex digits, or base64 of "
                                     "64 bytes)", path);
    return 0;
}

static void report(const attach_opts *o, const char *out, const uint8_t *box,
                   size_t len, const uint8_t pk[32])
{
    uint8_t id[FWPK_KEY_ID_LEN];
    fwp_layout lay;
    fwp_err err;
    fwp_buf b = {0};
    fwp_key_id(pk, id);
    if (fwp_layout_parse(box, len, out, &lay, &err))
        return;
    if (o->json) {
        fwp_buf_printf(&b, "{\"file\":");
        fwp_buf_json_str(&b, out);
        fwp_buf_printf(&b, ",\"key_id\":\"");
        fwp_buf_hex(&b, id, sizeof id);
        fwp_buf_printf(&b, "\",\"signatures\":%u}\n",
                       (unsigned)lay.sig_count);
    } else {
        fwp_buf_printf(&b, "%s: signature %u of at most %d, key id ", out,
                       (unsigned)lay.sig_count, FWPK_MAX_SIGNATURES);
        fwp_buf_hex(&b, id, sizeof id);
        fwp_buf_printf(&b, "\n");
    }
    cli_json_print(&b);
    fwp_buf_free(&b);
}

int cmd_attach_sig(int argc, char **argv)
{
    attach_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    uint8_t pk[32], sig[64], *data = NULL, *box = NULL;
    size_t len, box_len = 0;
    fwp_err err;
    if (fwp_key_load_public(o.pub, pk, &err))
        return cli_fail(&err, EXIT_INPUT);
    if ((rc = read_sig(o.sig, sig)) != 0)
        return rc;
    if (fwp_read_file(o.in, &data, &len, 0, &err))
        return cli_fail(&err, EXIT_IO);
    fwp_layout lay;
    size_t end = 0;
    const char *name = fwp_file_name(o.in);
    if (fwp_layout_parse(data, len, name, &lay, &err) ||
        fwp_frames_end(data, len, &lay, name, &end, &err))
        rc = cli_fail(&err, EXIT_VERIFY);
    else if (end != len) /* kept, they would ride along unsigned */
        rc = cli_error(EXIT_VERIFY, "%s: %zu bytes after the last frame: "
                                    "not a container as pack writes it",
                       name, len - end);
    else if (fwp_sig_append(data, len, name, pk, sig, &box, &box_len, &err))
        rc = cli_fail(&err, EXIT_INPUT);
    const char *out = o.out ? o.out : o.in;
    if (rc == EXIT_OK && cli_is_stdio(o.in) && !o.out)
        rc = cli_error(EXIT_USAGE, "attach-sig: the container came from "
                                   "stdin: give -o OUT.fwpk (or -o -)");
    if (rc == EXIT_OK)
        rc = cli_output_write(out, box, box_len, 0644, 1);
    if (rc == EXIT_OK && (o.verbose || o.json))
        report(&o, out, box, box_len, pk);
    free(data);
    free(box);
    return rc;
}
