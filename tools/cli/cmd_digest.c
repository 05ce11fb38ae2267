/* cmd_digest.c - fwpack digest: the 64 bytes an external signer signs. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static const char help[] =
    "usage: fwpack digest FILE.fwpk [-o MSG.bin] [--force] [--json]\n"
    "\n"
    "Writes the container's signed digest: SHA-512 over its header, info\n"
    "string and manifest (format/SPEC.md 5), 64 bytes.  That is exactly the\n"
    "message to sign with Ed25519 (pure Ed25519, the 64 bytes as the whole\n"
    "message) outside fwpack, for instance\n"
    "  fwpack pack --unsigned ... -o app.fwpk\n"
    "  fwpack digest app.fwpk -o msg.bin\n"
    "  openssl pkeyutl -sign -rawin -inkey key.pem -in msg.bin -out sig.bin\n"
    "  fwpack attach-sig app.fwpk --sig sig.bin -p pub.pem\n"
    "Signatures already in FILE do not change the digest.\n"
    "\n"
    "FILE - reads the container from stdin.\n"
    "\n"
    "  -o, --output FILE   write the 64 bytes to FILE, replacing it (- for\n"
    "                      stdout; default: print them in hex on stdout)\n"
    "      --force         accepted for old scripts\n"
    "      --json          print {\"file\", \"signed_digest\", \"signatures\",\n"
    "                      \"key_ids\"} on stdout\n"
    "  -h, --help          this text\n";

typedef struct {
    const char *in, *out;
    int force, json;
} digest_opts;

static int parse(int argc, char **argv, digest_opts *o)
{
    enum { O_FORCE = 256, O_JSON };
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, O_FORCE},
        {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "o:h", opts)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case O_FORCE: o->force = 1; break;
        case O_JSON: o->json = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default: return cli_bad_option("digest", argv, optind);
        }
    }
    if (optind + 1 != argc)
        return cli_error(EXIT_USAGE, "digest: need exactly one container");
    o->in = argv[optind];
    if (o->out && cli_is_stdio(o->out) && o->json)
        return cli_error(EXIT_USAGE, "digest: --json prints to stdout, where "
                                     "-o - writes the digest");
    const char *in[] = {o->in};
    return o->out ? cli_output_check("digest", o->out, 1, in, 1) : 0;
}

static void print(const digest_opts *o, const fwp_layout *lay)
{
    fwp_buf b = {0};
    if (!o->json) {
        fwp_buf_hex(&b, lay->signed_digest, sizeof lay->signed_digest);
        fwp_buf_printf(&b, "\n");
    } else {
        fwp_buf_printf(&b, "{\"file\":");
        fwp_buf_json_str(&b, o->in);
        fwp_buf_printf(&b, ",\"signed_digest\":\"");
        fwp_buf_hex(&b, lay->signed_digest, sizeof lay->signed_digest);
        fwp_buf_printf(&b, "\",\"signatures\":%u,\"key_ids\":[",
                       (unsigned)lay->sig_count);
        for (uint32_t i = 0; i < lay->sig_count; i++) {
            fwp_buf_printf(&b, "%s\"", i ? "," : "");
            fwp_buf_hex(&b, lay->sigs + i * FWPK_SIG_ENTRY_LEN,
                        FWPK_KEY_ID_LEN);
            fwp_buf_printf(&b, "\"");
        }
        fwp_buf_printf(&b, "]}\n");
    }
    cli_json_print(&b);
    fwp_buf_free(&b);
}

int cmd_digest(int argc, char **argv)
{
    digest_opts o = {NULL, NULL, 0, 0};
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    uint8_t *data;
    size_t len;
    fwp_layout lay;
    fwp_err err;
    if (fwp_read_file(o.in, &data, &len, 0, &err))
        return cli_fail(&err, EXIT_IO);
    rc = fwp_layout_parse(data, len, fwp_file_name(o.in), &lay, &err)
             ? cli_fail(&err, EXIT_VERIFY)
             : EXIT_OK;
    if (rc == EXIT_OK && o.out)
        rc = cli_output_write(o.out, lay.signed_digest,
                              sizeof lay.signed_digest, 0644, 1);
    if (rc == EXIT_OK && (o.json || !o.out))
        print(&o, &lay);
    free(data);
    return rc;
}
