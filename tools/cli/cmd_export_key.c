/* cmd_export_key.c - fwpack export-key: the public key of a key file, or a
 * bootloader keyring of several. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "secret.h"

static const char help[] =
    "usage: fwpack export-key KEY.pem [-o FILE] [--format pem|c|raw] "
    "[--passphrase-file F] [--force] [-v] [--json]\n"
    "       fwpack export-key --format c KEY.pem[@GEN] ... [--revoked "
    "KEY.pem[@GEN]] ... -o keyring.h\n"
    "\n"
    "Writes the public key of KEY.pem (a private or public key, PEM or DER).\n"
    "An encrypted private key is decrypted, with its passphrase from\n"
    "--passphrase-file, FWPACK_PASSPHRASE or the terminal: the public key in\n"
    "clear in that file is not authenticated, and a keyring built from a\n"
    "swapped one would trust another key.\n"
    "\n"
    "  -o, --output FILE   where to write (default, or -: stdout)\n"
    "  -f, --format FMT    pem: SubjectPublicKeyInfo PEM, byte-identical to\n"
    "                           `openssl pkey -pubout` (default)\n"
    "                      c:   a C header defining fwpk_keyring[] and\n"
    "                           FWPK_KEYRING_COUNT for the bootloader\n"
    "                      raw: the 32 key bytes\n"
    "      --passphrase-file F\n"
    "                      the passphrase of encrypted keys (its first line)\n"
    "      --force         overwrite FILE if it exists (key files are never\n"
    "                      replaced without it)\n"
    "  -v, --verbose       print the key id (on stderr)\n"
    "      --json          print {\"key_id\": ...} on stdout (needs -o)\n"
    "  -h, --help          this text\n"
    "\n"
    "keyrings (--format c): every KEY given becomes one fwpk_key entry, in\n"
    "order.  KEY@GEN sets its generation (0..255, default 0): a device whose\n"
    "policy has min_generation above GEN refuses the key, so raising the\n"
    "minimum retires old keys without a new bootloader.\n"
    "      --revoked KEY   list KEY marked revoked (never accepted; its\n"
    "                      signatures are reported as FWPK_ERR_REVOKED)\n";

#define RING_MAX FWPK_MAX_KEYS

typedef struct {
    const char *out, *format, *pass_file;
    const char *files[RING_MAX];
    fwp_ring_key ring[RING_MAX];
    size_t count;
    int force, verbose, json;
} export_opts;

static int render(const export_opts *o, fwp_buf *b)
{
    if (strcmp(o->format, "pem") == 0)
        return fwp_pem_public(o->ring[0].pk, b);
    if (strcmp(o->format, "c") == 0)
        return fwp_keyring_c_header(o->ring, o->count, b);
    return fwp_buf_put(b, o->ring[0].pk, 32);
}

static int emit(const export_opts *o)
{
    fwp_buf b = {0};
    int rc = EXIT_OK;
    if (render(o, &b))
        rc = cli_error(EXIT_IO, "export-key: out of memory");
    else
        rc = cli_output_write(o->out ? o->out : "-", (uint8_t *)b.data,
                              b.len, 0644, o->force);
    fwp_buf_free(&b);
    return rc;
}

static void report(const export_opts *o)
{
    fwp_buf b = {0};
    for (size_t i = 0; i < o->count; i++) {
        uint8_t id[FWPK_KEY_ID_LEN];
        fwp_key_id(o->ring[i].pk, id);
        if (!o->json) {
            fwp_buf_printf(&b, "key id ");
            fwp_buf_hex(&b, id, sizeof id);
            if (o->count > 1)
                fwp_buf_printf(&b, " %s, generation %u%s", o->files[i],
                               (unsigned)o->ring[i].generation,
                               o->ring[i].revoked ? ", revoked" : "");
            fwp_buf_printf(&b, "\n");
            continue;
        }
        if (i == 0) {
            fwp_buf_printf(&b, "{\"key_id\":\"");
            fwp_buf_hex(&b, id, sizeof id);
            fwp_buf_printf(&b, "\",\"public_key\":\"");
            fwp_buf_hex(&b, o->ring[i].pk, 32);
            fwp_buf_printf(&b, "\",\"keys\":[");
        }
        fwp_buf_printf(&b, "%s{\"file\":", i ? "," : "");
        fwp_buf_json_str(&b, o->files[i]);
        fwp_buf_printf(&b, ",\"key_id\":\"");
        fwp_buf_hex(&b, id, sizeof id);
        fwp_buf_printf(&b, "\",\"generation\":%u,\"revoked\":%s}",
                       (unsigned)o->ring[i].generation,
                       o->ring[i].revoked ? "true" : "false");
    }
    if (o->json)
        fwp_buf_printf(&b, "]}\n");
    if (o->json)
        cli_json_print(&b);
    else
        fputs(b.data ? b.data : "", stderr);
    fwp_buf_free(&b);
}

/* Records KEY[@GEN] (arg is modified); the key is loaded later. */
static int add_key(export_opts *o, char *arg, int revoked)
{
    if (o->count == RING_MAX)
        return cli_error(EXIT_USAGE, "export-key: at most %d keys",
                         RING_MAX);
    fwp_ring_key *k = &o->ring[o->count];
    char *at = strrchr(arg, '@');
    uint32_t gen;
    if (at && at[1] && cli_u32(at + 1, &gen) == 0) {
        if (gen > 255)
            return cli_error(EXIT_USAGE, "export-key: %s: generation must "
                                         "be 0..255", arg);
        *at = 0;
        k->generation = (uint8_t)gen;
    }
    k->revoked = revoked;
    o->files[o->count++] = arg;
    return 0;
}

static int check(export_opts *o)
{
    if (o->count == 0)
        return cli_error(EXIT_USAGE, "export-key: need a key file");
    if (strcmp(o->format, "pem") && strcmp(o->format, "c") &&
        strcmp(o->format, "raw"))
        return cli_error(EXIT_USAGE, "export-key: --format must be pem, c or "
                                     "raw, not '%s'", o->format);
    if (strcmp(o->format, "c") &&
        (o->count > 1 || o->ring[0].revoked || o->ring[0].generation))
        return cli_error(EXIT_USAGE, "export-key: several keys, @GEN and "
                                     "--revoked go with --format c");
    if (o->json && (!o->out || cli_is_stdio(o->out)))
        return cli_error(EXIT_USAGE, "export-key: --json needs -o FILE");
    if (!o->out)
        return EXIT_OK;
    const char *in[RING_MAX + 1];
    memcpy(in, o->files, o->count * sizeof in[0]);
    in[o->count] = o->pass_file;
    return cli_output_check_text("export-key", o->out, o->force, in,
                                 o->count + 1);
}

static int parse(int argc, char **argv, export_opts *o)
{
    enum { O_FORCE = 256, O_JSON, O_REVOKED, O_PASS_FILE };
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"format", required_argument, 0, 'f'},
        {"force", no_argument, 0, O_FORCE},
        {"verbose", no_argument, 0, 'v'},
        {"json", no_argument, 0, O_JSON},
        {"revoked", required_argument, 0, O_REVOKED},
        {"passphrase-file", required_argument, 0, O_PASS_FILE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c, rc;
    opterr = 0;
    /* "-": key files come back as 1, in command-line order */
    while ((c = cli_getopt(argc, argv, "-o:f:vh", opts)) != -1) {
        switch (c) {
        case 1:
            if ((rc = add_key(o, optarg, 0)) != 0)
                return rc;
            break;
        case 'o': o->out = optarg; break;
        case 'f': o->format = optarg; break;
        case O_FORCE: o->force = 1; break;
        case 'v': o->verbose = 1; break;
        case O_JSON: o->json = 1; break;
        case O_PASS_FILE: o->pass_file = optarg; break;
        case O_REVOKED:
            if ((rc = add_key(o, optarg, 1)) != 0)
                return rc;
            break;
        case 'h': fputs(help, stdout); return -1;
        default: return cli_bad_option("export-key", argv, optind);
        }
    }
    for (int i = optind; i < argc; i++) /* after "--" */
        if ((rc = add_key(o, argv[i], 0)) != 0)
            return rc;
    return check(o);
}

static int load(export_opts *o)
{
    fwp_err err;
    cli_secret pass = cli_passphrase(o->pass_file);
    for (size_t i = 0; i < o->count; i++) {
        /* weak Argon2id costs: a warning (nothing is signed here) */
        if (fwp_key_load_public_pass(o->files[i], o->ring[i].pk,
                                     cli_secret_get, &pass,
                                     FWP_KDF_ALLOW_WEAK, &err))
            return cli_fail(&err, EXIT_INPUT);
        for (size_t j = 0; j < i; j++)
            if (memcmp(o->ring[j].pk, o->ring[i].pk, 32) == 0)
                return cli_error(EXIT_USAGE, "export-key: %s and %s are the "
                                             "same key", o->files[j],
                                 o->files[i]);
    }
    return EXIT_OK;
}

int cmd_export_key(int argc, char **argv)
{
    static export_opts o;
    memset(&o, 0, sizeof o);
    o.format = "pem";
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    rc = load(&o);
    if (rc == EXIT_OK)
        rc = emit(&o);
    if (rc == EXIT_OK && (o.verbose || o.json))
        report(&o);
    return rc;
}
