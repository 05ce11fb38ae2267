/* cmd_keygen.c - fwpack keygen: a new Ed25519 key, PKCS#8 PEM (or fwpack's
 * passphrase-encrypted PEM with --encrypt), mode 0600. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "secret.h"

static const char help[] =
    "usage: fwpack keygen -o KEY.pem [--encrypt [--passphrase-file F]] "
    "[--force] [-v] [--json]\n"
    "\n"
    "Generates an Ed25519 signing key and writes it as PKCS#8 PEM (the file\n"
    "`openssl genpkey -algorithm ed25519` writes), mode 0600.\n"
    "\n"
    "With --encrypt the key is written as an \"FWPACK ENCRYPTED PRIVATE KEY\"\n"
    "PEM block instead: the key under XChaCha20-Poly1305, with a key derived\n"
    "from a passphrase by Argon2id (libsodium), and the public key in clear\n"
    "(export-key and verify -p need no passphrase).  The passphrase comes\n"
    "from --passphrase-file (its first line), else FWPACK_PASSPHRASE, else\n"
    "the terminal (asked twice, not echoed) when stdin is one.  Every command\n"
    "that signs with -k takes the same sources.  Argon2id runs 3 passes over\n"
    "256 MiB (libsodium's \"moderate\"), under a second per unlock; a\n"
    "passphrase shorter than 12 characters gets a warning.\n"
    "\n"
    "The key is only ever written to a new file or over a regular file (never\n"
    "to stdout, a device or a FIFO).\n"
    "\n"
    "  -o, --output FILE         the key file (required)\n"
    "      --encrypt             protect the key with a passphrase\n"
    "      --passphrase-file F   read the passphrase from F (with --encrypt)\n"
    "      --force               overwrite FILE if it exists\n"
    "  -v, --verbose             print the key id\n"
    "      --json                print {\"key_id\": ...} on stdout\n"
    "  -h, --help                this text\n";

static int report(const fwp_keypair *kp, const char *path, int encrypted,
                  int json)
{
    uint8_t id[FWPK_KEY_ID_LEN];
    fwp_buf hex = {0};
    fwp_key_id(kp->pk, id);
    if (fwp_buf_hex(&hex, id, sizeof id))
        return EXIT_IO;
    if (!json) {
        printf("wrote %s%s, key id %s\n", path,
               encrypted ? " (encrypted)" : "", hex.data);
    } else {
        fwp_buf b = {0};
        fwp_buf_printf(&b, "{\"key_id\":\"%s\",\"encrypted\":%s,\"file\":",
                       hex.data, encrypted ? "true" : "false");
        fwp_buf_json_str(&b, path);
        fwp_buf_printf(&b, "}\n");
        cli_json_print(&b);
        fwp_buf_free(&b);
    }
    fwp_buf_free(&hex);
    return EXIT_OK;
}

typedef struct {
    const char *out, *pass_file;
    int force, verbose, json, encrypt;
} keygen_opts;

static int parse(int argc, char **argv, keygen_opts *o)
{
    enum { O_FORCE = 256, O_JSON, O_ENCRYPT, O_PASS_FILE };
    static const struct option opts[] = {
        {"output", required_argument, 0, 'o'},
        {"force", no_argument, 0, O_FORCE},
        {"verbose", no_argument, 0, 'v'},
        {"json", no_argument, 0, O_JSON},
        {"encrypt", no_argument, 0, O_ENCRYPT},
        {"passphrase-file", required_argument, 0, O_PASS_FILE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "o:vh", opts)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case O_FORCE: o->force = 1; break;
        case 'v': o->verbose = 1; break;
        case O_JSON: o->json = 1; break;
        case O_ENCRYPT: o->encrypt = 1; break;
        case O_PASS_FILE: o->pass_file = optarg; break;
        case 'h': fputs(help, stdout); return -1;
        default: return cli_bad_option("keygen", argv, optind);
        }
    }
    if (optind != argc)
        return cli_error(EXIT_USAGE, "keygen: unexpected argument '%s'",
                         argv[optind]);
    if (!o->out)
        return cli_error(EXIT_USAGE, "keygen: -o FILE is required");
    if (o->pass_file && !o->encrypt)
        return cli_error(EXIT_USAGE, "keygen: --passphrase-file goes with "
                                     "--encrypt");
    if (strcmp(o->out, "-") == 0)
        return cli_error(EXIT_USAGE, "keygen: -o -: a private key is written "
                                     "to a file only, never to stdout");
    if (!o->encrypt && cli_secret_env("FWPACK_PASSPHRASE"))
        cli_warn("FWPACK_PASSPHRASE is set, but without --encrypt %s is "
                 "written unencrypted", o->out);
    const char *in[] = {o->pass_file};
    return cli_output_check("keygen", o->out, o->force, in, 1);
}

/* Shorter passphrases are guessed offline if the key file leaks. */
#define PASS_WARN_LEN 12

static int save_encrypted(const keygen_opts *o, const fwp_keypair *kp,
                          fwp_err *err)
{
    char *pw = cli_secret_alloc(FWP_PASS_MAX);
    cli_secret s = cli_passphrase(o->pass_file);
    if (!pw)
        return fwp_fail_io(err, "%s: out of memory", o->out);
    int rc = cli_secret_get(&s, o->out, 1, pw, FWP_PASS_MAX, err);
    if (rc == 0 && strlen(pw) < PASS_WARN_LEN)
        cli_error(0, "warning: %s: a passphrase of %zu characters is quick "
                     "to guess if the key file leaks; use %d or more",
                  o->out, strlen(pw), PASS_WARN_LEN);
    if (rc == 0)
        rc = fwp_key_save_private_encrypted(o->out, kp, pw, strlen(pw),
                                            o->force, err);
    cli_secret_free(pw);
    return rc;
}

int cmd_keygen(int argc, char **argv)
{
    keygen_opts o;
    memset(&o, 0, sizeof o);
    int rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    fwp_keypair *kp = cli_secret_alloc(sizeof *kp);
    fwp_err err;
    if (!kp)
        return cli_error(EXIT_IO, "keygen: out of memory");
    if (fwp_key_generate(kp)) {
        cli_secret_free(kp);
        return cli_error(EXIT_IO, "keygen: no randomness");
    }
    rc = o.encrypt ? save_encrypted(&o, kp, &err)
                   : fwp_key_save_private(o.out, kp, o.force, &err);
    if (rc == 0 && (o.verbose || o.json))
        report(kp, o.out, o.encrypt, o.json);
    cli_secret_free(kp);
    return rc ? cli_fail(&err, EXIT_INPUT) : EXIT_OK;
}
