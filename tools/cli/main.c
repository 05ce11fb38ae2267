/* main.c - fwpack: dispatches `fwpack <command> [options]`. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "secret.h"

/* Commands live in cmd_<name>.c.  To add one, declare it in cli.h and
 * list it here. */
static const cli_command commands[] = {
    {"keygen", cmd_keygen, "generate an Ed25519 signing key (PKCS#8 PEM)"},
    {"export-key", cmd_export_key,
     "write the public key: PEM, C keyring header, or raw"},
    {"pack", cmd_pack, "compress, sign and wrap firmware into a container"},
    {"inspect", cmd_inspect, "show everything in a container, check frames"},
    {"verify", cmd_verify,
     "run the device verifier over a container, on a flash model"},
    {"unpack", cmd_unpack,
     "verify, write what the device would flash (HEX, S-record, bin)"},
    {"digest", cmd_digest, "write the 64 bytes to sign (external signing)"},
    {"attach-sig", cmd_attach_sig,
     "add an external signature to a container, after checking it"},
    {"flash", cmd_flash,
     "verify, then program a second MCU through its serial bootloader"},
    {"mcus", cmd_mcus,
     "list the MCU profiles: geometry, window, and whether the verifier "
     "fits"},
    {"notecard", cmd_notecard,
     "act as a Notecard serving a container as host firmware (serial/pty)"},
};

static void usage(FILE *f)
{
    fprintf(f, "usage: fwpack <command> [options]   (fwpack <command> "
               "--help for its options)\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\nexit codes:\n"
               "  0  success\n"
               "  1  verification failed, or the container is malformed\n"
               "  2  usage error (bad option or argument)\n"
               "  3  bad input file (ELF, HEX, S-record, bin, key), or a "
               "container larger\n     than --max-size\n"
               "  4  I/O error (cannot read or write a file or port)\n"
               "  5  flash: the target failed (no answer, wrong chip, ...)\n"
               "\nErrors are one line on stderr; commands are quiet on "
               "success unless -v\n(verify prints one line per target).  "
               "With --json a command prints one\nJSON object on stdout, "
               "also when it fails (format/SPEC.md, appendix).\n");
}

/* FWPACK_MAX_INPUT: the most bytes any input file may have. */
static int input_limit(void)
{
    const char *s = getenv("FWPACK_MAX_INPUT");
    size_t max;
    if (!s)
        return 0;
    if (cli_opt_size("FWPACK_MAX_INPUT", s, &max))
        return EXIT_USAGE;
    fwp_set_read_limit(max);
    return 0;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return cli_error(EXIT_IO, "libsodium failed to initialise");
    /* before anything reads a key, a passphrase or a PIN */
    if (cli_secrets_init())
        return cli_error(EXIT_IO, "out of memory for secrets");
    if (input_limit())
        return EXIT_USAGE;
    if (argc < 2) {
        usage(stderr);
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("fwpack %s (container format %d)\n", FWPACK_VERSION,
               FWPK_FORMAT_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0) {
            cli_set_command(commands[i].name);
            int rc = commands[i].run(argc - 1, argv + 1);
            if (rc != EXIT_OK && cli_json_wanted(argc - 1, argv + 1))
                cli_json_error(commands[i].name, rc);
            return rc;
        }
    char q[FWP_QUOTE_BUF];
    return cli_error(EXIT_USAGE, "unknown command '%s' (see fwpack --help)",
                     fwp_quote(argv[1], q));
}
