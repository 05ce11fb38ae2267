/* cmd_pack.c - fwpack pack: firmware files in, one signed container out. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sign.h"

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
    "Other names are read by their first character (':' HEX, 'S' S-records).\n"
    "The output is written to a temporary file and renamed.\n"
    "\n"
    "targets:\n"
    "  FILE                      one target, named by --target (default app)\n"
    "  -t, --add NAME[:MCU]=FILE[@ADDR]\n"
    "                            a target (repeat for up to 8); MCU here\n"
    "                            overrides --mcu for this target\n"
    "      --target NAME         name of the single FILE target\n"
    "      --load-addr ADDR      FILE is a raw binary loaded at ADDR\n"
    "      --mcu ID              MCU profile for every target without its own:\n"
    "                            stm32g030k8 stm32l432kc atsamd21g18a nrf52840\n"
    "                            esp32c3 atmega328p (see below)\n"
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
    "identity (format/SPEC.md 3 and 4):\n"
    "      --version V           MAJOR.MINOR.PATCH[-PRE][+BUILD] (0.0.0)\n"
    "      --product S --org S --description S --firmware S --builder S\n"
    "      --security-counter N  anti-rollback counter (0)\n"
    "geometry and compression (each overrides the MCU profile, for all "
    "targets):\n"
    "      --flash-base A --flash-size N --erase-block N --write-unit N\n"
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
    "      --frame-size N        256..8192 (profile's, else 4096)\n"
    "      --filter none|thumb|rv32  branch filter (thumb for Cortex-M,\n"
    "                            rv32 for RISC-V profiles, else none)\n"
    "output:\n"
    "  -o, --output FILE         the container (required)\n"
    "      --force               overwrite FILE if it exists\n"
    "      --max-input BYTES     refuse a bigger input file (67108864, or\n"
    "                            FWPACK_MAX_INPUT; 0: no limit)\n"
    "      --max-size BYTES      refuse a bigger container (1572864, the\n"
    "                            most Notehub takes as host firmware; 0: no\n"
    "                            limit); above 921600 bytes (WiFi Notecards'\n"
    "                            limit) a warning is printed\n"
    "  -v, --verbose             print a summary\n"
    "  -h, --help                this text\n"
    "\n"
    "Without an MCU profile: erase block 4096, write unit 4, flash base =\n"
    "lowest address rounded down to the erase block (at least 4 KiB), flash\n"
    "size = span rounded up to it. Flash base and size must be whole erase\n"
    "blocks (format/SPEC.md 4.2).\n"
    "The build time is SOURCE_DATE_EPOCH if set, else the clock.  Keys are\n"
    "read (and passphrases asked for) after compression, when signing.\n";

#define GEO_BASE 0
#define GEO_SIZE 1
#define GEO_ERASE 2
#define GEO_WRITE 3
#define GEO_WINDOW 4
#define GEO_FRAME 5
#define GEO_N 6

typedef struct {
    const char *name, *mcu, *file;
    uint32_t addr;
    int has_addr;
} tspec;

typedef struct {
    fwp_pack_opts p;
    const char *out, *target, *mcu, *codec, *filter;
    cli_keys keys;         /* -k signers */
    tspec specs[FWPK_MAX_TARGETS];
    size_t spec_count;
    uint32_t geo[GEO_N], level;
    int has_geo[GEO_N], has_level, has_load, unsigned_, force, verbose;
    uint32_t lzma[3]; /* --lzma-lc, --lzma-lp, --lzma-pb */
    int has_lzma[3];
    uint32_t load_addr;
    uint32_t max_size; /* 0: no limit */
    int has_max_size;
    cli_p11 p11;           /* --pkcs11 signers */
} pack_cli;

/* Splits arg (an argv string, modified in place). */
static int parse_spec(char *s, tspec *t)
{
    const char *arg = s;
    char *eq = strchr(s, '=');
    if (!eq || eq == s || !eq[1])
        return cli_error(EXIT_USAGE, "pack: -t %s: expected "
                                     "NAME[:MCU]=FILE[@ADDR]", arg);
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
    return 0;
}

enum {
    O_TARGET = 256, O_LOAD, O_MCU, O_UNSIGNED, O_VERSION, O_PRODUCT, O_ORG,
    O_DESC, O_FIRMWARE, O_BUILDER, O_COUNTER, O_BASE, O_SIZE, O_ERASE,
    O_WRITE, O_CODEC, O_LEVEL, O_WINDOW, O_FRAME, O_FILTER, O_FORCE,
    O_MAX_SIZE, O_MAX_INPUT, O_LZMA_LC, O_LZMA_LP, O_LZMA_PB,
    O_PASS_FILE, O_WEAK_KDF,
    O_PKCS11, O_P11_MODULE, O_P11_PIN
};

static const struct option long_opts[] = {
    {"add", required_argument, 0, 't'},
    {"key", required_argument, 0, 'k'},
    {"output", required_argument, 0, 'o'},
    {"verbose", no_argument, 0, 'v'},
    {"help", no_argument, 0, 'h'},
    {"target", required_argument, 0, O_TARGET},
    {"load-addr", required_argument, 0, O_LOAD},
    {"mcu", required_argument, 0, O_MCU},
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
    {"lzma-lc", required_argument, 0, O_LZMA_LC},
    {"lzma-lp", required_argument, 0, O_LZMA_LP},
    {"lzma-pb", required_argument, 0, O_LZMA_PB},
    {"passphrase-file", required_argument, 0, O_PASS_FILE},
    {"allow-weak-kdf", no_argument, 0, O_WEAK_KDF},
    {"pkcs11", required_argument, 0, O_PKCS11},
    {"pkcs11-module", required_argument, 0, O_P11_MODULE},
    {"pkcs11-pin", required_argument, 0, O_P11_PIN},
    {0, 0, 0, 0}};

static int geo_opt(pack_cli *c, int which, const char *arg)
{
    static const char *const names[GEO_N] = {
        "--flash-base", "--flash-size", "--erase-block", "--write-unit",
        "--window-bits", "--frame-size"};
    c->has_geo[which] = 1;
    return cli_opt_u32(names[which], arg, &c->geo[which]);
}

/* --lzma-lc/lp/pb: each 0..4 (lc + lp is checked with the codec). */
static int lzma_opt(pack_cli *c, int which, const char *arg)
{
    static const char *const names[3] = {"--lzma-lc", "--lzma-lp",
                                         "--lzma-pb"};
    c->has_lzma[which] = 1;
    if (cli_u32(arg, &c->lzma[which]) || c->lzma[which] > 4)
        return cli_error(EXIT_USAGE, "pack: %s must be 0..4, not '%s'",
                         names[which], arg);
    return 0;
}

static int option_more(pack_cli *c, int opt, const char *arg)
{
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
            return cli_error(EXIT_USAGE, "pack: --level must be 0..9 or "
                                         "max, not '%s'", arg);
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
    }
    return cli_error(EXIT_USAGE, "pack: unknown option");
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
    case O_TARGET: c->target = arg; return 0;
    case O_MCU: c->mcu = arg; return 0;
    case O_UNSIGNED: c->unsigned_ = 1; return 0;
    case O_FORCE: c->force = 1; return 0;
    case O_VERSION: c->p.version = arg; return 0;
    case O_PRODUCT: c->p.product = arg; return 0;
    case O_ORG: c->p.org = arg; return 0;
    case O_DESC: c->p.description = arg; return 0;
    case O_FIRMWARE: c->p.firmware = arg; return 0;
    case O_BUILDER: c->p.builder = arg; return 0;
    case O_CODEC: c->codec = arg; return 0;
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

static int check_args(pack_cli *c, int argc, char **argv)
{
    int npos = argc - optind;
    if (!c->out)
        return cli_error(EXIT_USAGE, "pack: -o OUT.fwpk is required");
    if (c->spec_count ? npos != 0 : npos != 1)
        return cli_error(EXIT_USAGE, "pack: give one FILE, or targets with "
                                     "-t NAME=FILE, not both");
    if (c->spec_count && (c->target || c->has_load))
        return cli_error(EXIT_USAGE, "pack: --target and --load-addr go with "
                                     "FILE; use -t NAME=FILE@ADDR");
    if (!c->unsigned_ == !(c->keys.count + c->p11.count))
        return cli_error(EXIT_USAGE, "pack: give -k KEY (or --pkcs11 URI), "
                                     "or --unsigned for an unsigned "
                                     "container (not both)");
    if (c->codec && strcmp(c->codec, "none") && strcmp(c->codec, "deflate") &&
        strcmp(c->codec, "lzma"))
        return cli_error(EXIT_USAGE,
                         "pack: --codec must be none, deflate or lzma");
    int lzma = c->codec && strcmp(c->codec, "lzma") == 0;
    if (!lzma && (c->has_lzma[0] || c->has_lzma[1] || c->has_lzma[2]))
        return cli_error(EXIT_USAGE, "pack: --lzma-lc, --lzma-lp and "
                                     "--lzma-pb go with --codec lzma");
    uint32_t id;
    if (c->filter && fwp_filter_from_name(c->filter, &id))
        return cli_error(EXIT_USAGE,
                         "pack: --filter must be none, thumb or rv32");
    if (!c->spec_count) {
        tspec *t = &c->specs[c->spec_count++];
        t->name = c->target ? c->target : "app";
        t->file = argv[optind];
        t->addr = c->load_addr;
        t->has_addr = c->has_load;
    }
    return 0;
}

static int parse(pack_cli *c, int argc, char **argv)
{
    int opt;
    opterr = 0;
    while ((opt = cli_getopt(argc, argv, "t:k:o:vh", long_opts)) != -1) {
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

/* ---- from options to fwp_target_opts ---- */

static int load_image(const tspec *s, fwp_image *img)
{
    fwp_err err;
    fwp_format f = fwp_format_from_name(s->file);
    if (!s->has_addr && f == FWP_FMT_BIN)
        return cli_error(EXIT_USAGE, "pack: %s is a raw binary: give its "
                                     "load address (--load-addr or @ADDR)",
                         s->file);
    if (s->has_addr && f != FWP_FMT_BIN && f != FWP_FMT_UNKNOWN)
        return cli_error(EXIT_USAGE, "pack: %s (%s) carries its own "
                                     "addresses: drop @ADDR or --load-addr",
                         s->file, fwp_format_name(f));
    if (fwp_input_load(s->file, s->has_addr, s->addr, img, &err))
        return cli_fail(&err, EXIT_INPUT);
    return 0;
}

static uint32_t pick(const pack_cli *c, int which, const fwp_mcu *m,
                     uint32_t dflt)
{
    static const size_t off[GEO_N] = {
        offsetof(fwp_mcu, flash_base), offsetof(fwp_mcu, flash_size),
        offsetof(fwp_mcu, erase_block), offsetof(fwp_mcu, write_unit),
        offsetof(fwp_mcu, window_bits), offsetof(fwp_mcu, frame_size)};
    if (c->has_geo[which])
        return c->geo[which];
    if (m)
        return *(const uint32_t *)((const char *)m + off[which]);
    return dflt;
}

/* zopfli's window is 32 KiB: a smaller window is for a device that
 * cannot hold that much RAM, so refuse rather than widen it. */
static int level_max_window(const pack_cli *c, const fwp_target_opts *t)
{
    if (c->has_geo[GEO_WINDOW])
        return cli_error(EXIT_USAGE, "pack: --level max needs --window-bits "
                                     "%d (zopfli's window is 32 KiB), not %u",
                         FWP_LEVEL_MAX_WINDOW_BITS,
                         (unsigned)t->window_bits);
    return cli_error(EXIT_USAGE, "pack: --level max needs window bits %d "
                                 "(zopfli's window is 32 KiB), but target "
                                 "%s's MCU %s has %u for its RAM: use "
                                 "--level 9, or --window-bits %d if the "
                                 "bootloader has a 32 KiB window",
                     FWP_LEVEL_MAX_WINDOW_BITS, t->name, t->mcu,
                     (unsigned)t->window_bits, FWP_LEVEL_MAX_WINDOW_BITS);
}

/* The dictionary lives in flash on the device (format/SPEC.md 6.1), so
 * by default it covers the whole image: a profile's window bits are for
 * deflate's RAM window and do not apply.  lc/lp/pb: the profile's, each
 * overridden by its option. */
static int lzma_choices(const pack_cli *c, fwp_target_opts *t,
                        const fwp_mcu *m)
{
    uint32_t size = fwp_image_size(&t->image), bits = FWPK_LZMA_DICT_BITS_MIN;
    uint32_t d[3];
    while (bits < FWPK_LZMA_DICT_BITS_MAX && ((uint32_t)1 << bits) < size)
        bits++;
    t->window_bits = c->has_geo[GEO_WINDOW] ? c->geo[GEO_WINDOW] : bits;
    if (t->window_bits < FWPK_LZMA_DICT_BITS_MIN ||
        t->window_bits > FWPK_LZMA_DICT_BITS_MAX)
        return cli_error(EXIT_USAGE, "pack: --window-bits for lzma must be "
                                     "%d..%d (a dictionary of 4 KiB to "
                                     "1 GiB), not %u",
                         FWPK_LZMA_DICT_BITS_MIN, FWPK_LZMA_DICT_BITS_MAX,
                         (unsigned)t->window_bits);
    fwp_mcu_default_lzma(m, &d[0], &d[1], &d[2]);
    for (int i = 0; i < 3; i++)
        if (c->has_lzma[i])
            d[i] = c->lzma[i];
    if (d[0] + d[1] > FWPK_LZMA_LCLP_LIMIT)
        return cli_error(EXIT_USAGE, "pack: lzma lc %u + lp %u is more than "
                                     "%d", (unsigned)d[0], (unsigned)d[1],
                         FWPK_LZMA_LCLP_LIMIT);
    t->lzma_props = (d[2] * 5 + d[1]) * 9 + d[0];
    return 0;
}

static int geometry(const pack_cli *c, fwp_target_opts *t, const fwp_mcu *m)
{
    const fwp_image *im = &t->image;
    uint64_t lo = im->segs[0].addr, hi = (uint64_t)im->segs[im->count - 1].addr +
                                         im->segs[im->count - 1].len;
    /* The flash a reader accepts is whole erase blocks (SPEC.md 4.2): the
     * default one is the image's span in blocks of at least 4 KiB. */
    t->erase_block = pick(c, GEO_ERASE, m, 4096);
    uint64_t unit = t->erase_block > 4096 ? t->erase_block : 4096;
    t->flash_base = pick(c, GEO_BASE, m, (uint32_t)(lo / unit * unit));
    uint64_t span = hi > t->flash_base ? hi - t->flash_base : 1;
    span = (span + unit - 1) / unit * unit;
    if (span > 0x100000000ULL - t->flash_base)
        span = 0x100000000ULL - t->flash_base;
    t->flash_size = pick(c, GEO_SIZE, m, (uint32_t)span);
    t->write_unit = pick(c, GEO_WRITE, m, 4);
    t->window_bits = pick(c, GEO_WINDOW, m, 15);
    t->frame_size = pick(c, GEO_FRAME, m, FWPK_FRAME_SIZE_DEFAULT);
    t->level = c->has_level ? (int)c->level : 9;
    t->codec = !c->codec || strcmp(c->codec, "deflate") == 0
                   ? FWPK_CODEC_DEFLATE
               : strcmp(c->codec, "none") == 0 ? FWPK_CODEC_NONE
                                               : FWPK_CODEC_LZMA;
    if (t->codec == FWPK_CODEC_DEFLATE && t->level == FWP_LEVEL_MAX &&
        t->window_bits != FWP_LEVEL_MAX_WINDOW_BITS)
        return level_max_window(c, t);
    if (c->filter)
        fwp_filter_from_name(c->filter, &t->filter);
    else
        t->filter = fwp_mcu_default_filter(m);
    return t->codec == FWPK_CODEC_LZMA ? lzma_choices(c, t, m) : 0;
}

static int known_geometry(const pack_cli *c)
{
    return c->has_geo[GEO_BASE] && c->has_geo[GEO_SIZE] &&
           c->has_geo[GEO_ERASE] && c->has_geo[GEO_WRITE];
}

static int make_target(const pack_cli *c, const tspec *s, fwp_target_opts *t)
{
    t->name = s->name;
    t->mcu = s->mcu ? s->mcu : c->mcu ? c->mcu : "";
    const fwp_mcu *m = *t->mcu ? fwp_mcu_find(t->mcu) : NULL;
    if (*t->mcu && !m && !known_geometry(c))
        return cli_error(EXIT_USAGE, "pack: unknown MCU '%s': use a known "
                                     "one (fwpack pack --help) or give "
                                     "--flash-base, --flash-size, "
                                     "--erase-block and --write-unit",
                         t->mcu);
    int rc = load_image(s, &t->image);
    return rc ? rc : geometry(c, t, m);
}

static int build_time(uint64_t *t)
{
    const char *s = getenv("SOURCE_DATE_EPOCH");
    uint32_t v;
    if (!s) {
        *t = (uint64_t)time(NULL);
        return 0;
    }
    if (cli_u32(s, &v))
        return cli_error(EXIT_USAGE, "pack: SOURCE_DATE_EPOCH '%s' is not "
                                     "a number of seconds", s);
    *t = v;
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

/* Notehub takes at most 1.5 MiB of host firmware (or --max-size), and a
 * WiFi Notecard at most 900 KiB. */
static int size_limits(const pack_cli *c, size_t len)
{
    if (c->max_size && len > c->max_size) {
        if (c->has_max_size)
            return cli_error(EXIT_INPUT, "pack: the container would be %zu "
                                         "bytes, more than --max-size %u; "
                                         "nothing written", len,
                             (unsigned)c->max_size);
        return cli_error(EXIT_INPUT, "pack: the container would be %zu "
                                     "bytes, more than Notehub accepts for "
                                     "host firmware (%u bytes, 1.5 MiB; "
                                     "--max-size changes the limit); "
                                     "nothing written",
                         len, (unsigned)c->max_size);
    }
    if (len > FWP_NOTEHUB_WIFI_SIZE)
        cli_error(0, "warning: %s: %zu bytes, more than WiFi Notecards "
                     "accept for host firmware (%u bytes, 900 KiB)", c->out,
                  len, (unsigned)FWP_NOTEHUB_WIFI_SIZE);
    return 0;
}

static int pack_and_write(pack_cli *c)
{
    uint8_t *box = NULL;
    size_t len = 0;
    fwp_err err;
    if (fwp_pack(&c->p, &box, &len, &err))
        return cli_fail(&err, EXIT_INPUT);
    c->p11.verbose = c->verbose;
    int sign_rc = cli_keys_sign(&c->keys, c->out, &box, &len);
    if (sign_rc == 0)
        sign_rc = cli_p11_sign(&c->p11, c->out, &box, &len);
    if (sign_rc) {
        free(box);
        return sign_rc;
    }
    if (size_limits(c, len)) {
        free(box);
        return EXIT_INPUT;
    }
    int rc = fwp_write_file_atomic(c->out, box, len, 0644, c->force, &err)
                 ? cli_fail(&err, EXIT_IO)
                 : EXIT_OK;
    free(box);
    if (rc == EXIT_OK && c->verbose)
        summary(c, len);
    return rc;
}

static int run(pack_cli *c, fwp_target_opts *targets)
{
    int rc = build_time(&c->p.build_time);
    for (size_t i = 0; rc == 0 && i < c->spec_count; i++) {
        rc = make_target(c, &c->specs[i], &targets[i]);
        c->p.target_count = i + 1;
    }
    c->p.targets = targets;
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
    return rc;
}
