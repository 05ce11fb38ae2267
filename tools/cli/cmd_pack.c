/* cmd_pack.c - fwpack pack: firmware files in, one signed container out.
 * Options are checked here, before any work; pack_target.c turns each
 * target's file and options into fwp_target_opts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pack_cli.h"

static const char help[] =
    "usage: fwpack pack -k KEY.pem [options] FILE -o OUT.fwpk\n"
    "       fwpack pack -k KEY.pem [options] -t NAME[:MCU]=FILE[@ADDR] ... "
    "-o OUT.fwpk\n"
    "\n"
    "Compresses, signs and wraps firmware into an fwpack container. FILE is\n"
    "  Intel HEX     .hex .ihex .ihx\n"
    "  S-records     .srec .s19 .s28 .s37 .mot (S1/S2/S3, S5/S6, S7/S8/S9)\n"
    "  ELF32         .elf .axf, or any file that starts with the ELF magic:\n"
    "                the file bytes of its PT_LOAD segments at their load\n"
    "                addresses (LMA), as objcopy -O binary takes them\n"
    "  raw binary    .bin, or any file, with its load address (--load-addr\n"
    "                or @ADDR)\n"
    "Other names are read by their first character (':' HEX, 'S' S-records);\n"
    "FILE - reads stdin.  The output is written to a temporary file and\n"
    "renamed (-o - writes it to stdout); an existing output is replaced, as\n"
    "a compiler replaces its output, but never one of the inputs.\n"
    "\n"
    "targets:\n"
    "  FILE                      one target, named by --target (default app)\n"
    "  -t, --add NAME[:MCU]=FILE[@ADDR]\n"
    "                            a target (repeat for up to 8, each NAME\n"
    "                            once); MCU here overrides --mcu for it\n"
    "      --target NAME         name of the single FILE target\n"
    "      --load-addr ADDR      FILE is a raw binary loaded at ADDR\n"
    "      --crop LO:HI          keep only the bytes at LO..HI-1 (every\n"
    "                            target; srec_cat's -crop)\n"
    "      --exclude LO:HI       drop the bytes at LO..HI-1 (repeatable; a\n"
    "                            HEX file's UICR or option-byte records)\n"
    "      --mcu ID              MCU profile for every target without its own\n"
    "                            (fwpack mcus lists them; case is ignored)\n"
    "      --mcu-file FILE       more profiles (format: fwpack mcus --help)\n"
    "signing:\n"
    "  -k, --key FILE            private key (repeat: one signature each)\n"
    "      --unsigned            no signatures (for external signing)\n"
    "      --passphrase-file F   passphrase of encrypted keys (first line of\n"
    "                            F; else FWPACK_PASSPHRASE, else the terminal)\n"
    "      --allow-weak-kdf      sign with an encrypted key whose Argon2id\n"
    "                            costs are below fwpack's minimum (a warning)\n"
    "      --pkcs11 URI          sign with a PKCS#11 token's Ed25519 key\n"
    "                            (CKM_EDDSA), e.g. 'pkcs11:token=fw;object=\n"
    "                            release' (RFC 7512); repeatable, with -k too\n"
    "      --pkcs11-module PATH  the PKCS#11 module (the URI's module-path,\n"
    "                            which must be absolute, else\n"
    "                            p11-kit-proxy.so); a path must be a file\n"
    "                            only root or you can change\n"
    "      --pkcs11-pin PIN      the token's PIN (else the URI's pin-value or\n"
    "                            pin-source, FWPACK_PKCS11_PIN, the terminal);\n"
    "                            other users see it in ps: prefer\n"
    "                            FWPACK_PKCS11_PIN or pin-source=file:PATH\n"
    "identity (format/SPEC.md 3 and 4; Notehub shows them):\n"
    "      --version V           MAJOR.MINOR.PATCH[-PRE][+BUILD]; without it\n"
    "                            0.0.0, with a warning\n"
    "      --product S           (the first input's name without its\n"
    "                            extension, else the first target's name)\n"
    "      --org S --description S --firmware S --builder S\n"
    "      --security-counter N  anti-rollback counter (0)\n"
    "geometry and compression (each overrides the MCU profile, for all "
    "targets):\n"
    "      --flash-base A --flash-size N --erase-block N --write-unit N\n"
    "                            bytes as in a profile file: decimal or\n"
    "                            0x hex, optionally K or M (64K)\n"
    "      --codec none|deflate|lzma  (deflate)\n"
    "      --level 0-9|max       zlib level (9); max: zopfli, smaller and\n"
    "                            much slower, needs window bits 15; lzma:\n"
    "                            xz preset N with -e (9; max is 9)\n"
    "      --window-bits 9-15    deflate window (profile's, else 15); lzma:\n"
    "                            12-30, dictionary 2^N (else the image size\n"
    "                            rounded up to a power of two)\n"
    "      --lzma-lc N --lzma-lp N --lzma-pb N\n"
    "                            lzma literal context, literal position and\n"
    "                            position bits (lc + lp <= 4, pb <= 4;\n"
    "                            default 0, 1, 1: see README)\n"
    "      --frame-size N        256..8192, or 1K..8K (profile's, else\n"
    "                            4096)\n"
    "      --base OLD            a delta update against OLD, the image the\n"
    "                            device runs (any input format, or an earlier\n"
    "                            container): same target and first address\n"
    "      --base-version V      OLD's version, MAJOR.MINOR.PATCH (a container\n"
    "                            carries its own)\n"
    "      --filter none|thumb|rv32  branch filter (thumb for Cortex-M,\n"
    "                            rv32 for RISC-V profiles, else none)\n"
    "output:\n"
    "  -o, --output FILE         the container (required; - for stdout,\n"
    "                            refused when stdout is a terminal)\n"
    "      --force               accepted for old scripts: outputs are always\n"
    "                            replaced\n"
    "      --max-input BYTES     refuse a bigger input file (67108864, or\n"
    "                            FWPACK_MAX_INPUT; 0: no limit)\n"
    "      --max-size BYTES      refuse a bigger container (1572864, the\n"
    "                            most Notehub takes as host firmware; 0: no\n"
    "                            limit), stopping as soon as the frames pass\n"
    "                            it; above 921600 bytes (WiFi Notecards'\n"
    "                            limit) a warning is printed\n"
    "  -q, --quiet               no progress line (it is shown on stderr only\n"
    "                            when stderr is a terminal)\n"
    "  -v, --verbose             print a summary\n"
    "  -h, --help                this text\n"
    "\n"
    "Without an MCU profile: erase block 4096, write unit 4, flash base =\n"
    "lowest address rounded down to the erase block (at least 4 KiB), flash\n"
    "size = span rounded up to it. Flash base and size must be whole erase\n"
    "blocks (format/SPEC.md 4.2).  With a profile, pack warns when the\n"
    "device verifier does not fit the part (fwpack mcus).\n"
    "The build time is SOURCE_DATE_EPOCH if set, else the clock.  Keys are\n"
    "read (and passphrases asked for) after compression, when signing.\n";

/* Splits arg (an argv string, modified in place). */
static int parse_spec(char *s, tspec *t)
{
    char q[FWP_QUOTE_BUF];
    fwp_quote(s, q);
    char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1])
        return cli_error(EXIT_USAGE, "pack: -t '%s': expected "
                                     "NAME[:MCU]=FILE[@ADDR]", q);
    *eq = 0;
    t->name = s;
    t->file = eq + 1;
    char *colon = strchr(s, ':');
    if (colon) {
        *colon = 0;
        t->mcu = colon + 1;
    }
    char *at = strrchr(t->file, '@');
    if (at && cli_u32(at + 1, &t->addr) == 0) {
        *at = 0;
        t->has_addr = 1;
    }
    if (cli_opt_text("-t NAME", t->name, FWPK_NAME_MAX) ||
        (t->mcu && cli_opt_text("-t NAME:MCU", t->mcu, FWPK_NAME_MAX)))
        return EXIT_USAGE;
    return 0;
}

/* LO:HI, HI exclusive and above LO, up to 0x100000000. */
static int parse_range(pack_cli *c, const char *opt, const char *arg,
                       int crop)
{
    char q[FWP_QUOTE_BUF], lo_text[32];
    const char *colon = strchr(arg, ':');
    uint32_t lo, hi32;
    uint64_t hi;
    if (c->range_count == PACK_RANGES_MAX)
        return cli_error(EXIT_USAGE, "pack: at most %d --crop and --exclude",
                         PACK_RANGES_MAX);
    size_t n = colon ? (size_t)(colon - arg) : 0;
    if (n && n < sizeof lo_text) {
        memcpy(lo_text, arg, n);
        lo_text[n] = 0;
    }
    int ok = n && n < sizeof lo_text && cli_u32(lo_text, &lo) == 0;
    if (ok && strcmp(colon + 1, "0x100000000") == 0)
        hi = 0x100000000ULL;
    else if (ok && cli_u32(colon + 1, &hi32) == 0)
        hi = hi32;
    else
        ok = 0;
    if (!ok || hi <= lo)
        return cli_error(EXIT_USAGE, "pack: %s '%s': expected LO:HI, two "
                                     "addresses with LO < HI (HI is not "
                                     "included)", opt, fwp_quote(arg, q));
    c->ranges[c->range_count++] = (prange){lo, hi, crop};
    return 0;
}

enum {
    O_TARGET = 256, O_LOAD, O_MCU, O_UNSIGNED, O_VERSION, O_PRODUCT, O_ORG,
    O_DESC, O_FIRMWARE, O_BUILDER, O_COUNTER, O_BASE, O_SIZE, O_ERASE,
    O_WRITE, O_CODEC, O_LEVEL, O_WINDOW, O_FRAME, O_FILTER, O_FORCE,
    O_MAX_SIZE, O_MAX_INPUT, O_PASS_FILE, O_WEAK_KDF, O_PKCS11, O_P11_MODULE,
    O_P11_PIN, O_CROP, O_EXCLUDE, O_MCU_FILE, O_LZMA_LC, O_LZMA_LP, O_LZMA_PB,
    O_DELTA_BASE, O_BASE_VERSION
};

static const struct option long_opts[] = {
    {"add", required_argument, 0, 't'},
    {"key", required_argument, 0, 'k'},
    {"output", required_argument, 0, 'o'},
    {"verbose", no_argument, 0, 'v'},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {"target", required_argument, 0, O_TARGET},
    {"load-addr", required_argument, 0, O_LOAD},
    {"mcu", required_argument, 0, O_MCU},
    {"mcu-file", required_argument, 0, O_MCU_FILE},
    {"crop", required_argument, 0, O_CROP},
    {"exclude", required_argument, 0, O_EXCLUDE},
    {"unsigned", no_argument, 0, O_UNSIGNED},
    {"version", required_argument, 0, O_VERSION},
    {"product", required_argument, 0, O_PRODUCT},
    {"org", required_argument, 0, O_ORG},
    {"description", required_argument, 0, O_DESC},
    {"firmware", required_argument, 0, O_FIRMWARE},
    {"builder", required_argument, 0, O_BUILDER},
    {"security-counter", required_argument, 0, O_COUNTER},
    {"flash-base", required_argument, 0, O_BASE},
    {"flash-size", required_argument, 0, O_SIZE},
    {"erase-block", required_argument, 0, O_ERASE},
    {"write-unit", required_argument, 0, O_WRITE},
    {"codec", required_argument, 0, O_CODEC},
    {"level", required_argument, 0, O_LEVEL},
    {"window-bits", required_argument, 0, O_WINDOW},
    {"frame-size", required_argument, 0, O_FRAME},
    {"filter", required_argument, 0, O_FILTER},
    {"force", no_argument, 0, O_FORCE},
    {"max-size", required_argument, 0, O_MAX_SIZE},
    {"max-input", required_argument, 0, O_MAX_INPUT},
    {"base", required_argument, 0, O_DELTA_BASE},
    {"base-version", required_argument, 0, O_BASE_VERSION},
    {"lzma-lc", required_argument, 0, O_LZMA_LC},
    {"lzma-lp", required_argument, 0, O_LZMA_LP},
    {"lzma-pb", required_argument, 0, O_LZMA_PB},
    {"passphrase-file", required_argument, 0, O_PASS_FILE},
    {"allow-weak-kdf", no_argument, 0, O_WEAK_KDF},
    {"pkcs11", required_argument, 0, O_PKCS11},
    {"pkcs11-module", required_argument, 0, O_P11_MODULE},
    {"pkcs11-pin", required_argument, 0, O_P11_PIN},
    {0, 0, 0, 0}};

/* Geometry options; the window (deflate's 9..15 or LZMA's dictionary
 * 12..30: the codec checks which, pack_target.c) and frame size are checked
 * against the format's limits here, the rest (powers of two, 4 GiB) by
 * fwp_pack.  Sizes are written as in a profile file (fwp_mcu_number). */
static int cli_window_bits(const char *arg, uint32_t *v)
{
    char q[FWP_QUOTE_BUF];
    if (cli_u32(arg, v) || *v < FWPK_WINDOW_BITS_MIN ||
        *v > FWPK_LZMA_DICT_BITS_MAX)
        return cli_error(EXIT_USAGE, "pack: --window-bits '%s': must be a "
                                     "number in %d..%d (deflate), %d..%d "
                                     "(lzma)", fwp_quote(arg, q),
                         FWPK_WINDOW_BITS_MIN, FWPK_WINDOW_BITS_MAX,
                         FWPK_LZMA_DICT_BITS_MIN, FWPK_LZMA_DICT_BITS_MAX);
    return 0;
}

static int geo_opt(pack_cli *c, int which, const char *arg)
{
    static const char *const names[GEO_N] = {
        "--flash-base", "--flash-size", "--erase-block", "--write-unit",
        "--window-bits", "--frame-size"};
    char q[FWP_QUOTE_BUF];
    c->has_geo[which] = 1;
    if (which == GEO_WINDOW)
        return cli_window_bits(arg, &c->geo[which]);
    /* the profile file's keys have these names, and the same numbers */
    if (fwp_mcu_number(arg, &c->geo[which]))
        return cli_error(EXIT_USAGE, "pack: %s '%s': not a number (decimal "
                                     "or 0x hex, optionally K or M)",
                         names[which], fwp_quote(arg, q));
    if (which == GEO_FRAME && (c->geo[which] < FWPK_FRAME_SIZE_MIN ||
                               c->geo[which] > FWPK_FRAME_SIZE_MAX))
        return cli_error(EXIT_USAGE, "pack: %s '%s': must be a number in "
                                     "%d..%d",
                         names[which], fwp_quote(arg, q), FWPK_FRAME_SIZE_MIN,
                         FWPK_FRAME_SIZE_MAX);
    return 0;
}

/* --lzma-lc/lp/pb: each 0..4 (lc + lp is checked with the codec). */
static int lzma_opt(pack_cli *c, int which, const char *arg)
{
    static const char *const names[3] = {"--lzma-lc", "--lzma-lp",
                                         "--lzma-pb"};
    char q[FWP_QUOTE_BUF];
    c->has_lzma[which] = 1;
    if (cli_u32(arg, &c->lzma[which]) || c->lzma[which] > 4)
        return cli_error(EXIT_USAGE, "pack: %s '%s': must be 0..4",
                         names[which], fwp_quote(arg, q));
    return 0;
}

/* Text that goes into the info string (JSON) or the manifest (CBOR text):
 * UTF-8, and the manifest's limits. */
static int identity_opt(pack_cli *c, int opt, const char *arg)
{
    fwp_err err;
    fwp_version v;
    char q[FWP_QUOTE_BUF];
    switch (opt) {
    case O_VERSION:
    case O_BASE_VERSION:
        /* the base's version is a version too: devices compare them */
        if (opt == O_VERSION)
            c->p.version = arg;
        else
            c->base_version = arg;
        if (fwp_version_parse(arg, &v, &err) == 0)
            return 0;
        return cli_error(EXIT_USAGE, "pack: %s '%s': expected "
                                     "MAJOR.MINOR.PATCH[-PRE][+BUILD] (BUILD a "
                                     "number, at most %d bytes)",
                         opt == O_VERSION ? "--version" : "--base-version",
                         fwp_quote(arg, q), FWPK_VERSION_MAX);
    case O_PRODUCT:
        c->p.product = arg;
        if (!*arg)
            return cli_error(EXIT_USAGE, "pack: --product must not be "
                                         "empty");
        return cli_opt_text("--product", arg, FWPK_PRODUCT_MAX);
    case O_ORG: c->p.org = arg; return cli_opt_text("--org", arg, 0);
    case O_DESC:
        c->p.description = arg;
        return cli_opt_text("--description", arg, 0);
    case O_FIRMWARE:
        c->p.firmware = arg;
        return cli_opt_text("--firmware", arg, 0);
    case O_BUILDER:
        c->p.builder = arg;
        return cli_opt_text("--builder", arg, 0);
    }
    return cli_error(EXIT_USAGE, "pack: unknown option");
}

static int option_more(pack_cli *c, int opt, const char *arg)
{
    char q[FWP_QUOTE_BUF];
    switch (opt) {
    case O_LZMA_LC: return lzma_opt(c, 0, arg);
    case O_LZMA_LP: return lzma_opt(c, 1, arg);
    case O_LZMA_PB: return lzma_opt(c, 2, arg);
    case O_COUNTER:
        return cli_opt_u32("--security-counter", arg,
                           &c->p.security_counter);
    case O_BASE: return geo_opt(c, GEO_BASE, arg);
    case O_SIZE: return geo_opt(c, GEO_SIZE, arg);
    case O_ERASE: return geo_opt(c, GEO_ERASE, arg);
    case O_WRITE: return geo_opt(c, GEO_WRITE, arg);
    case O_WINDOW: return geo_opt(c, GEO_WINDOW, arg);
    case O_FRAME: return geo_opt(c, GEO_FRAME, arg);
    case O_LEVEL:
        c->has_level = 1;
        if (strcmp(arg, "max") == 0)
            c->level = FWP_LEVEL_MAX;
        else if (cli_u32(arg, &c->level) || c->level > 9)
            return cli_error(EXIT_USAGE, "pack: --level '%s': must be 0..9 "
                                         "or max", fwp_quote(arg, q));
        return 0;
    case O_MAX_SIZE:
        c->has_max_size = 1;
        return cli_opt_u32("--max-size", arg, &c->max_size);
    case O_MAX_INPUT: {
        size_t max;
        int rc = cli_opt_size("--max-input", arg, &max);
        if (rc == 0)
            fwp_set_read_limit(max);
        return rc;
    }
    case O_LOAD:
        c->has_load = 1;
        return cli_opt_u32("--load-addr", arg, &c->load_addr);
    case O_CROP: return parse_range(c, "--crop", arg, 1);
    case O_EXCLUDE: return parse_range(c, "--exclude", arg, 0);
    }
    return identity_opt(c, opt, arg);
}

static int option(pack_cli *c, int opt, char *arg)
{
    switch (opt) {
    case 't':
        if (c->spec_count == FWPK_MAX_TARGETS)
            return cli_error(EXIT_USAGE, "pack: at most %d targets",
                             FWPK_MAX_TARGETS);
        return parse_spec(arg, &c->specs[c->spec_count++]);
    case 'k':
        if (c->keys.count + c->p11.count == FWPK_MAX_SIGNATURES)
            return cli_error(EXIT_USAGE, "pack: at most %d keys",
                             FWPK_MAX_SIGNATURES);
        c->keys.files[c->keys.count++] = arg;
        return 0;
    case 'o': c->out = arg; return 0;
    case 'v': c->verbose = 1; return 0;
    case 'q': c->quiet = 1; return 0;
    case O_TARGET:
        c->target = arg;
        if (!*arg)
            return cli_error(EXIT_USAGE, "pack: --target must not be empty");
        return cli_opt_text("--target", arg, FWPK_NAME_MAX);
    case O_MCU: c->mcu = arg; return cli_opt_text("--mcu", arg, 0);
    case O_MCU_FILE: c->mcu_file = arg; return 0;
    case O_UNSIGNED: c->unsigned_ = 1; return 0;
    case O_FORCE: return 0; /* outputs are always replaced */
    case O_CODEC: c->codec = arg; return 0;
    case O_DELTA_BASE: c->base = arg; return 0;
    case O_FILTER: c->filter = arg; return 0;
    case O_PASS_FILE: c->keys.pass_file = arg; return 0;
    case O_WEAK_KDF: c->keys.kdf_flags |= FWP_KDF_ALLOW_WEAK; return 0;
    case O_P11_MODULE: c->p11.module = arg; return 0;
    case O_P11_PIN: return cli_p11_set_pin(&c->p11, arg);
    case O_PKCS11:
        if (c->keys.count + c->p11.count == FWPK_MAX_SIGNATURES)
            return cli_error(EXIT_USAGE, "pack: at most %d signers",
                             FWPK_MAX_SIGNATURES);
        return cli_p11_add_uri(&c->p11, arg);
    }
    return option_more(c, opt, arg);
}

/* The target list: names are the manifest's keys, so each once. */
static int check_targets(const pack_cli *c)
{
    char q[FWP_QUOTE_BUF];
    int stdin_used = 0;
    for (size_t i = 0; i < c->spec_count; i++) {
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->specs[i].name, c->specs[j].name) == 0)
                return cli_error(EXIT_USAGE, "pack: -t: target name '%s' "
                                             "given twice (each target needs "
                                             "its own name)",
                                 fwp_quote(c->specs[i].name, q));
        if (cli_is_stdio(c->specs[i].file) && stdin_used++)
            return cli_error(EXIT_USAGE, "pack: stdin (-) can be read once, "
                                         "not for two targets");
    }
    return 0;
}

static int check_args(pack_cli *c, int argc, char **argv)
{
    int npos = argc - optind;
    char q[FWP_QUOTE_BUF];
    if (!c->out)
        return cli_error(EXIT_USAGE, "pack: -o OUT.fwpk is required");
    if (c->spec_count && npos)
        return cli_error(EXIT_USAGE, "pack: '%s': with -t targets, every "
                                     "file goes in a -t NAME=FILE",
                         fwp_quote(argv[optind], q));
    if (!c->spec_count && npos == 0)
        return cli_error(EXIT_USAGE, "pack: no input: give FILE, or targets "
                                     "with -t NAME=FILE");
    if (!c->spec_count && npos > 1)
        return cli_error(EXIT_USAGE, "pack: %d files given: pack one FILE, "
                                     "or several as targets with -t "
                                     "NAME=FILE each", npos);
    if (c->spec_count && (c->target || c->has_load))
        return cli_error(EXIT_USAGE, "pack: --target and --load-addr go with "
                                     "FILE; use -t NAME=FILE@ADDR");
    if (!c->unsigned_ == !(c->keys.count + c->p11.count))
        return cli_error(EXIT_USAGE, "pack: give -k KEY (or --pkcs11 URI), "
                                     "or --unsigned for an unsigned "
                                     "container (not both)");
    if (c->codec && strcmp(c->codec, "none") && strcmp(c->codec, "deflate") &&
        strcmp(c->codec, "lzma"))
        return cli_error(EXIT_USAGE, "pack: --codec '%s': must be none, "
                                     "deflate or lzma", fwp_quote(c->codec, q));
    int lzma = c->codec && strcmp(c->codec, "lzma") == 0;
    if (!lzma && (c->has_lzma[0] || c->has_lzma[1] || c->has_lzma[2]))
        return cli_error(EXIT_USAGE, "pack: --lzma-lc, --lzma-lp and "
                                     "--lzma-pb go with --codec lzma");
    uint32_t id;
    if (c->filter && fwp_filter_from_name(c->filter, &id))
        return cli_error(EXIT_USAGE, "pack: --filter '%s': must be none, "
                                     "thumb or rv32", fwp_quote(c->filter, q));
    if (c->base && c->spec_count > 1)
        return cli_error(EXIT_USAGE, "pack: --base makes one target a delta: "
                                     "pack one FILE with it");
    if (c->base_version && !c->base)
        return cli_error(EXIT_USAGE, "pack: --base-version goes with --base");
    if (c->verbose && cli_is_stdio(c->out))
        return cli_error(EXIT_USAGE, "pack: -v prints to stdout, where -o - "
                                     "writes the container");
    if (!c->spec_count) {
        tspec *t = &c->specs[c->spec_count++];
        t->name = c->target ? c->target : "app";
        t->file = argv[optind];
        t->addr = c->load_addr;
        t->has_addr = c->has_load;
    }
    return check_targets(c);
}

static int parse(pack_cli *c, int argc, char **argv)
{
    int opt;
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, "t:k:o:vqh", long_opts)) != -1) {
        if (opt == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (opt == '?' || opt == ':')
            return cli_bad_option("pack", argv, optind);
        int rc = option(c, opt, optarg);
        if (rc)
            return rc;
    }
    return check_args(c, argc, argv);
}

/* -o must not be one of the files pack reads. */
static int check_output(const pack_cli *c)
{
    const char *in[FWPK_MAX_TARGETS + FWPK_MAX_SIGNATURES + 3];
    size_t n = 0;
    for (size_t i = 0; i < c->spec_count; i++)
        in[n++] = c->specs[i].file;
    for (size_t i = 0; i < c->keys.count; i++)
        in[n++] = c->keys.files[i];
    in[n++] = c->keys.pass_file;
    in[n++] = c->mcu_file;
    in[n++] = c->base;
    return cli_output_check("pack", c->out, 1, in, n);
}

/* ---- identity defaults ---- */

/* The product Notehub shows, when --product is not given: the first
 * input's name without directory and extension ("app" for build/app.hex),
 * else the first target's name; never the tool's. */
static void default_product(pack_cli *c, char *buf, size_t cap)
{
    const char *f = c->specs[0].file, *slash = strrchr(f, '/');
    const char *base = slash ? slash + 1 : f, *dot = strrchr(base, '.');
    size_t n = dot && dot > base ? (size_t)(dot - base) : strlen(base);
    if (cli_is_stdio(f) || n == 0 || n >= cap ||
        fwp_utf8_check(base, n) != n) {
        base = c->specs[0].name;
        n = strlen(base);
    }
    snprintf(buf, cap, "%.*s", (int)n, base);
    c->p.product = buf;
}

static int build_time(uint64_t *t)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    char q[FWP_QUOTE_BUF];
    uint32_t v;
    if (!s) {
        *t = (uint64_t)time(NULL);
        return 0;
    }
    if (cli_u32(s, &v))
        return cli_error(EXIT_USAGE, "pack: SOURCE_DATE_EPOCH '%s': not a "
                                     "number of seconds", fwp_quote(s, q));
    *t = v;
    return 0;
}

/* ---- packing: progress, the size limit, the output ---- */

typedef struct {
    const pack_cli *c;
    int tty;           /* draw the progress line */
    int shown;         /* last percentage drawn, -1 none */
    uint64_t in_done, in_total, out_done;
} progress;

/* After each frame: a progress line on a terminal, and a stop as soon as
 * the frames alone are over --max-size (the rest only adds bytes). */
static int on_frame(void *arg, uint64_t in_done, uint64_t in_total,
                    uint64_t out_done)
{
    progress *p = arg;
    p->in_done = in_done;
    p->in_total = in_total;
    p->out_done = out_done;
    if (p->tty && in_total) {
        int pct = (int)(in_done * 100 / in_total);
        if (pct != p->shown)
            fprintf(stderr, "\rfwpack: pack: %3d%% (%llu of %llu image "
                            "bytes)",
                    pct, (unsigned long long)in_done,
                    (unsigned long long)in_total);
        p->shown = pct;
    }
    return p->c->max_size && out_done > p->c->max_size;
}

static void progress_end(progress *p)
{
    if (p->tty && p->shown >= 0)
        fprintf(stderr, "\r%70s\r", "");
}

/* "would be N bytes" (size), or after an early stop "would be more than
 * the limit" and how far packing got (stopped). */
static int too_big(const pack_cli *c, const char *size, const char *stopped)
{
    char limit[96];
    if (c->has_max_size)
        snprintf(limit, sizeof limit, "--max-size %u", (unsigned)c->max_size);
    else
        snprintf(limit, sizeof limit, "Notehub accepts for host firmware "
                 "(%u bytes, 1.5 MiB; --max-size changes the limit)",
                 (unsigned)c->max_size);
    if (stopped)
        return cli_error(EXIT_INPUT, "pack: the container would be more than "
                                     "%s: %s; nothing written",
                         limit, stopped);
    return cli_error(EXIT_INPUT, "pack: the container would be %s bytes, "
                                 "more than %s; nothing written",
                     size, limit);
}

/* Notehub takes at most 1.5 MiB of host firmware (or --max-size), and a
 * WiFi Notecard at most 900 KiB. */
static int size_limits(const pack_cli *c, size_t len)
{
    char size[48];
    snprintf(size, sizeof size, "%zu", len);
    if (c->max_size && len > c->max_size)
        return too_big(c, size, NULL);
    if (len > FWP_NOTEHUB_WIFI_SIZE)
        cli_warn("%s: %zu bytes, more than WiFi Notecards accept for host "
                 "firmware (%u bytes, 900 KiB)",
                 c->out, len, (unsigned)FWP_NOTEHUB_WIFI_SIZE);
    return 0;
}

static void summary(const pack_cli *c, size_t len)
{
    printf("wrote %s: %zu bytes, %zu target(s), %zu signature(s)\n", c->out,
           len, c->p.target_count, c->keys.count + c->p11.count);
    for (size_t i = 0; i < c->p.target_count; i++) {
        const fwp_target_opts *t = &c->p.targets[i];
        uint32_t size = fwp_image_size(&t->image);
        printf("  %s: %zu segment(s), %u bytes, flash 0x%08x+0x%x\n",
               t->name, t->image.count, (unsigned)size,
               (unsigned)t->flash_base, (unsigned)t->flash_size);
    }
}

static int pack_and_write(pack_cli *c)
{
    uint8_t *box = NULL;
    size_t len = 0;
    fwp_err err;
    char size[160];
    progress pg = {c, isatty(STDERR_FILENO) && !c->quiet, -1, 0, 0, 0};
    c->p.progress = on_frame;
    c->p.progress_arg = &pg;
    int rc = fwp_pack(&c->p, &box, &len, &err);
    progress_end(&pg);
    if (rc && err.kind == FWP_E_STOPPED) {
        snprintf(size, sizeof size, "stopped after compressing %llu of %llu "
                 "image bytes into %llu",
                 (unsigned long long)pg.in_done,
                 (unsigned long long)pg.in_total,
                 (unsigned long long)pg.out_done);
        return too_big(c, NULL, size);
    }
    if (rc)
        return cli_fail(&err, EXIT_INPUT);
    c->p11.verbose = c->verbose;
    rc = cli_keys_sign(&c->keys, c->out, &box, &len);
    if (rc == 0)
        rc = cli_p11_sign(&c->p11, c->out, &box, &len);
    if (rc == 0)
        rc = size_limits(c, len);
    if (rc == 0)
        rc = cli_output_write(c->out, box, len, 0644, 1);
    free(box);
    if (rc == EXIT_OK && !c->p.version) /* about what was written */
        cli_warn("pack: no --version: the container says 0.0.0, and "
                 "Notehub shows that as the firmware's version");
    if (rc == EXIT_OK && c->verbose)
        summary(c, len);
    return rc;
}

static int run(pack_cli *c, fwp_target_opts *targets)
{
    char product[FWPK_PRODUCT_MAX + 1];
    int rc = check_output(c);
    if (rc == 0)
        rc = build_time(&c->p.build_time);
    if (rc == 0)
        rc = cli_profiles_load(&c->profiles, c->mcu_file);
    for (size_t i = 0; rc == 0 && i < c->spec_count; i++) {
        rc = pack_make_target(c, &c->specs[i], &targets[i]);
        c->p.target_count = i + 1;
    }
    if (rc == 0 && c->base)
        rc = pack_delta_base(c, &targets[0]);
    c->p.targets = targets;
    if (rc == 0 && !c->p.product)
        default_product(c, product, sizeof product);
    return rc ? rc : pack_and_write(c); /* unsigned: signed after packing */
}

int cmd_pack(int argc, char **argv)
{
    pack_cli c;
    memset(&c, 0, sizeof c);
    c.max_size = FWP_NOTEHUB_MAX_SIZE;
    int rc = parse(&c, argc, argv);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    fwp_target_opts targets[FWPK_MAX_TARGETS];
    memset(targets, 0, sizeof targets);
    rc = run(&c, targets);
    for (size_t i = 0; i < FWPK_MAX_TARGETS; i++)
        fwp_image_free(&targets[i].image);
    fwp_mcu_list_free(&c.profiles);
    free(c.base_bytes);
    return rc;
}
