/*
 * cmd_flash.c - fwpack flash: verify a container, then program a second
 * MCU through its own serial bootloader (STK500v1 as Optiboot speaks it,
 * AVR109, the STM32 AN3155 ROM bootloader) with the programmer library
 * (programmer/): the device verifier runs over the whole container first,
 * then again as the bytes stream to the target, every page read back.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "fwpk_prog.h"
#include "serial.h"

#define BAUD_DEFAULT 115200u
#define PIECE 4096u   /* container bytes per fwpk_feed() */
#define EVENTS_MAX 16

static const char help[] =
    "usage: fwpack flash -p PUB.pem [-p PUB2.pem ...] --port DEV\n"
    "                    --protocol stk500|avr109|stm32 [options] FILE.fwpk\n"
    "\n"
    "Programs a second MCU (a co-processor, a board with no room for the\n"
    "verifier) through its serial bootloader, with the device verifier in\n"
    "front of it.  First the whole container is verified (signatures,\n"
    "policy, every frame, the image digest) and the target's MCU and flash\n"
    "layout checked against what the protocol programs: a refused\n"
    "container is never sent, the port not even opened.  Then the target is\n"
    "reset into its bootloader, its chip id compared with the container's\n"
    "MCU before the first erase, and the verifier runs again as the bytes\n"
    "stream to it: only what it releases is written, each page read back\n"
    "and compared at once.  Last, the application is started.\n"
    "\n"
    "protocols (--protocol):\n"
    "  stk500   STK500v1 as Optiboot speaks it (Arduino Uno, Nano, Pro\n"
    "           Mini); writing a page erases it\n"
    "  avr109   AVR109 (Butterfly, Caterina on the Leonardo and Micro,\n"
    "           Xboot); one chip erase first, its only erase\n"
    "  stm32    the STM32 system-memory bootloader's USART protocol (ST\n"
    "           AN3155; 8E1); the pages written are erased first (an3155\n"
    "           is the same)\n"
    "\n"
    "  -p, --pubkey FILE             a trusted public key (repeat: keyring)\n"
    "      --port DEV                the serial port (/dev/ttyUSB0, ...)\n"
    "      --protocol stk500|avr109|stm32\n"
    "                                the bootloader's protocol (required)\n"
    "      --baud N                  115200\n"
    "      --target NAME             the container's target to program (the\n"
    "                                only one if there is one)\n"
    "      --mcu ID                  the chip, for a target with no MCU id;\n"
    "                                else it must be the target's\n"
    "      --reset dtr|rts|none      the adapter line wired to RESET: stk500\n"
    "                                dtr (an Arduino's auto-reset; skipped\n"
    "                                on a port without modem lines), others\n"
    "                                none\n"
    "      --boot0 dtr|rts|none      stm32: the line wired to BOOT0 (none)\n"
    "      --no-go                   stay in the bootloader at the end\n"
    "      --timeout MS              longest wait for an answer (1000)\n"
    "      --min-security-counter N  refuse a lower security counter (0)\n"
    "      --min-signatures N        valid signatures needed (1)\n"
    "      --json                    print one JSON object: ok, error,\n"
    "                                stage, target, mcu, chip_id, pages\n"
    "                                written (of page_size bytes: AN3155\n"
    "                                256-byte blocks), written range,\n"
    "                                bytes on the wire, seconds, and when\n"
    "                                each stage began as \"events\"\n"
    "  -v, --verbose                 print a summary when done\n"
    "  -h, --help                    this text\n"
    "\n"
    "Progress goes to stderr on a terminal.  Exit 0 programmed; 1 the\n"
    "container was refused (nothing sent); 2 usage, or an MCU the protocol\n"
    "does not program; 3 a bad key file; 4 the port cannot be opened; 5 the\n"
    "target failed (no answer, NACK, wrong chip, a page read back wrong,\n"
    "Ctrl-C): the error says which pages were written, and running the\n"
    "same command again starts over.\n";

typedef struct {
    const char *keys[FWPK_MAX_KEYS];
    uint32_t key_files;
    const char *port, *input, *target, *mcu;
    const fwpk_prog_driver *drv;
    uint32_t baud, timeout, min_counter, min_sigs;
    int reset, boot0, reset_given, no_go, json, verbose;
} flash_opts;

/* ---- options ---- */

enum {
    O_PORT = 256, O_PROTOCOL, O_BAUD, O_TARGET, O_MCU, O_RESET, O_BOOT0,
    O_NO_GO, O_TIMEOUT, O_COUNTER, O_MINSIG, O_JSON
};

static int line_option(const char *opt, const char *arg, int *line)
{
    if (strcmp(arg, "dtr") == 0)
        *line = FWPK_PROG_LINE_DTR;
    else if (strcmp(arg, "rts") == 0)
        *line = FWPK_PROG_LINE_RTS;
    else if (strcmp(arg, "none") == 0)
        *line = FWPK_PROG_LINE_NONE;
    else
        return cli_error(EXIT_USAGE, "flash: %s: dtr, rts or none, not '%s'",
                         opt, arg);
    return 0;
}

static int protocol_option(flash_opts *o, const char *arg)
{
    if (strcmp(arg, "stk500") == 0)
        o->drv = &fwpk_prog_stk500;
    else if (strcmp(arg, "avr109") == 0)
        o->drv = &fwpk_prog_avr109;
    else if (strcmp(arg, "stm32") == 0 || strcmp(arg, "an3155") == 0)
        o->drv = &fwpk_prog_an3155;
    else
        return cli_error(EXIT_USAGE, "flash: --protocol: stk500, avr109 or "
                                     "stm32, not '%s'", arg);
    return 0;
}

static int option(flash_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'p':
        if (o->key_files == FWPK_MAX_KEYS)
            return cli_error(EXIT_USAGE, "flash: at most %d keys (-p)",
                             FWPK_MAX_KEYS);
        o->keys[o->key_files++] = arg;
        return 0;
    case 'v': o->verbose = 1; return 0;
    case O_PORT: o->port = arg; return 0;
    case O_PROTOCOL: return protocol_option(o, arg);
    case O_BAUD: return cli_opt_u32("--baud", arg, &o->baud);
    case O_TARGET: o->target = arg; return 0;
    case O_MCU: o->mcu = arg; return 0;
    case O_RESET: o->reset_given = 1; return line_option("--reset", arg, &o->reset);
    case O_BOOT0: return line_option("--boot0", arg, &o->boot0);
    case O_NO_GO: o->no_go = 1; return 0;
    case O_TIMEOUT: return cli_opt_u32("--timeout", arg, &o->timeout);
    case O_COUNTER:
        return cli_opt_u32("--min-security-counter", arg, &o->min_counter);
    case O_MINSIG: return cli_opt_u32("--min-signatures", arg, &o->min_sigs);
    case O_JSON: o->json = 1; return 0;
    }
    return cli_error(EXIT_USAGE, "flash: unknown option");
}

static int check_opts(flash_opts *o, int argc, char **argv)
{
    if (optind + 1 != argc)
        return cli_error(EXIT_USAGE, "flash: need exactly one container");
    o->input = argv[optind];
    if (o->key_files == 0)
        return cli_error(EXIT_USAGE, "flash: give the trusted public key(s) "
                                     "with -p KEY.pem");
    if (!o->port || !o->drv)
        return cli_error(EXIT_USAGE, "flash: --port DEV and --protocol "
                                     "stk500|avr109|stm32 are required");
    if (o->min_sigs > o->key_files)
        return cli_error(EXIT_USAGE, "flash: --min-signatures %u needs at "
                                     "least %u keys (-p)",
                         (unsigned)o->min_sigs, (unsigned)o->min_sigs);
    if (!fwp_serial_rate_ok(o->baud))
        return cli_error(EXIT_USAGE, "flash: --baud %u is not a standard "
                                     "rate (1200 .. 921600)",
                         (unsigned)o->baud);
    if (o->timeout == 0)
        return cli_error(EXIT_USAGE, "flash: --timeout must be at least 1");
    if (o->boot0 && o->drv->family != FWPK_PROG_STM32)
        return cli_error(EXIT_USAGE, "flash: --boot0 is for --protocol stm32");
    if (o->target && (!*o->target || strlen(o->target) > FWPK_NAME_MAX))
        return cli_error(EXIT_USAGE, "flash: --target: a name of 1..%d bytes",
                         FWPK_NAME_MAX);
    if (!o->reset_given && o->drv == &fwpk_prog_stk500)
        o->reset = FWPK_PROG_LINE_DTR;
    return 0;
}

static int parse(flash_opts *o, int argc, char **argv)
{
    static const struct option opts[] = {
        {"pubkey", required_argument, 0, 'p'},
        {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},
        {"port", required_argument, 0, O_PORT},
        {"protocol", required_argument, 0, O_PROTOCOL},
        {"baud", required_argument, 0, O_BAUD},
        {"target", required_argument, 0, O_TARGET},
        {"mcu", required_argument, 0, O_MCU},
        {"reset", required_argument, 0, O_RESET},
        {"boot0", required_argument, 0, O_BOOT0},
        {"no-go", no_argument, 0, O_NO_GO},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"min-security-counter", required_argument, 0, O_COUNTER},
        {"min-signatures", required_argument, 0, O_MINSIG},
        {"json", no_argument, 0, O_JSON},
        {0, 0, 0, 0}};
    int c;
    memset(o, 0, sizeof *o);
    o->baud = BAUD_DEFAULT;
    o->timeout = 1000;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "p:vh", opts)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (c == '?' || c == ':')
            return cli_bad_option("flash", argv, optind);
        int rc = option(o, c, optarg);
        if (rc)
            return rc;
    }
    return check_opts(o, argc, argv);
}

/* ---- the run ---- */

typedef struct {
    uint8_t stage;
    double t;
} flash_event;

typedef struct {
    const flash_opts *o;
    uint8_t *data;                    /* the container */
    size_t len;
    fwpk_key keys[FWPK_MAX_KEYS];
    uint32_t key_count;
    char target[FWPK_NAME_MAX + 1];   /* the target programmed */
    char mcu[FWPK_NAME_MAX + 1];      /* its MCU id, "" unknown */
    fwp_serial serial;
    int opened;
    fwpk_prog prog;
    double t0, seconds;
    flash_event events[EVENTS_MAX];
    unsigned nevents;
    unsigned seen;                    /* bit s: stage s has an event */
    int tty;                          /* progress on stderr */
} flash_run;

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void progress(void *user, const fwpk_prog *p)
{
    flash_run *r = user;
    /* each stage once, when it is first reached (writes and read-backs
     * take turns page by page) */
    if (!(r->seen & 1u << p->stage) && r->nevents < EVENTS_MAX) {
        r->seen |= 1u << p->stage;
        r->events[r->nevents].stage = p->stage;
        r->events[r->nevents++].t = now() - r->t0;
    }
    if (r->tty && p->stage >= FWPK_PROG_STAGE_ERASE &&
        p->stage <= FWPK_PROG_STAGE_READ_BACK)
        fprintf(stderr, "\rfwpack: flash: %s: page %u of %u ", r->o->port,
                (unsigned)p->pages, (unsigned)p->page_total);
}

static long source_read(void *src, uint32_t offset, uint8_t *buf,
                        uint32_t len)
{
    const flash_run *r = src;
    if (offset >= r->len)
        return 0;
    if (len > r->len - offset)
        len = (uint32_t)(r->len - offset);
    memcpy(buf, r->data + offset, len);
    return (long)len;
}

static int load_keys(flash_run *r)
{
    fwp_err err;
    for (uint32_t i = 0; i < r->o->key_files; i++) {
        fwpk_key *k = &r->keys[r->key_count];
        if (fwp_key_load_public(r->o->keys[i], k->pk, &err))
            return cli_fail(&err, EXIT_INPUT);
        fwp_key_id(k->pk, k->id);
        r->key_count++;
    }
    return 0;
}

/* The target: --target, else the manifest's only one (read with the
 * host decoder; if it cannot, the verifier says why). */
static int pick_target(flash_run *r)
{
    fwp_layout lay;
    fwp_err err;
    fwp_manifest *m = calloc(1, sizeof *m);
    int ok = m && fwp_layout_parse(r->data, r->len, r->o->input, &lay,
                                   &err) == 0 &&
             fwp_manifest_decode(lay.manifest, lay.manifest_len,
                                 r->o->input, m, &err) == 0;
    int rc = 0;
    if (r->o->target)
        snprintf(r->target, sizeof r->target, "%s", r->o->target);
    else if (ok && m->target_count == 1)
        snprintf(r->target, sizeof r->target, "%s", m->targets[0].name);
    else if (ok)
        rc = cli_error(EXIT_USAGE, "flash: %s has %u targets: say which "
                                   "with --target", r->o->input,
                       (unsigned)m->target_count);
    for (uint32_t i = 0; ok && i < m->target_count; i++)
        if (strcmp(m->targets[i].name, r->target) == 0)
            snprintf(r->mcu, sizeof r->mcu, "%s", m->targets[i].mcu);
    free(m);
    return rc;
}

static void prog_setup(flash_run *r)
{
    const flash_opts *o = r->o;
    fwpk_prog_init(&r->prog, o->drv, NULL);
    r->prog.timeout_ms = o->timeout;
    r->prog.reset = (uint8_t)o->reset;
    r->prog.boot0 = (uint8_t)o->boot0;
    r->prog.go = !o->no_go;
    r->prog.mcu = o->mcu;
    r->prog.progress = progress;
    r->prog.user = r;
}

/* Opened only once the container is through the first pass: opening an
 * Arduino's port resets it.  A port without modem lines (a pseudo-
 * terminal) skips the default Arduino reset; one asked for is an error. */
static int open_port(flash_run *r)
{
    const flash_opts *o = r->o;
    fwp_err err;
    int even = o->drv->family == FWPK_PROG_STM32;
    if (fwp_serial_open(&r->serial, o->port, o->baud, even, &err))
        return cli_fail(&err, EXIT_IO);
    r->opened = 1;
    r->serial.stop = &interrupted;
    if (!r->serial.has_lines && (o->boot0 || (o->reset && o->reset_given)))
        return cli_error(EXIT_IO, "flash: %s has no modem control lines (a "
                                  "pseudo-terminal?): --reset/--boot0 "
                                  "cannot drive them", o->port);
    if (!r->serial.has_lines)
        r->prog.reset = FWPK_PROG_LINE_NONE;
    fwp_serial_bind(&r->serial, &r->prog.port);
    return 0;
}

/* Both passes; an exit code only when the port cannot be used. */
static int run(flash_run *r)
{
    fwpk_policy pol;
    fwpk_prog_source src = {source_read, NULL};
    fwpk_ctx *ctx = calloc(1, sizeof *ctx);
    uint8_t *piece = malloc(PIECE);
    struct sigaction sa, old;
    int rc = 0;
    if (!ctx || !piece) {
        free(ctx);
        free(piece);
        return cli_error(EXIT_IO, "flash: out of memory");
    }
    memset(&pol, 0, sizeof pol);
    pol.keys = r->keys;
    pol.key_count = r->key_count;
    pol.min_signatures = r->o->min_sigs;
    pol.target = r->target;
    pol.mcu = r->o->mcu;
    pol.min_security_counter = r->o->min_counter;
    src.src = r;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint; /* no SA_RESTART: waits end at once */
    sigaction(SIGINT, &sa, &old);
    r->t0 = now();
    prog_setup(r);
    if (fwpk_prog_check(&r->prog, ctx, &pol, &src, piece, PIECE) ==
            FWPK_PROG_OK &&
        (rc = open_port(r)) == 0)
        fwpk_prog_program(&r->prog, ctx, &pol, &src, piece, PIECE);
    r->seconds = now() - r->t0;
    sigaction(SIGINT, &old, NULL);
    if (r->tty && r->prog.stage > FWPK_PROG_STAGE_IDENTIFY)
        fputs("\r\033[K", stderr);
    free(ctx);
    free(piece);
    return rc;
}

/* ---- the report ---- */

/* AN3155 "pages" are 256-byte blocks of the 2 KiB erase pages. */
static const char *page_unit(const fwpk_prog *p)
{
    return p->drv->block ? " of 256 bytes" : "";
}

/* What the target holds after a failure, in words. */
static void state_text(const fwpk_prog *p, char *buf, size_t cap)
{
    if (!p->erased)
        snprintf(buf, cap, "nothing erased or written");
    else if (p->pages == 0)
        snprintf(buf, cap, "erased, nothing written: run the same command "
                           "again");
    else if (p->pages >= p->page_total)
        snprintf(buf, cap, "all %u pages%s written and read back",
                 (unsigned)p->page_total, page_unit(p));
    else
        snprintf(buf, cap, "%u of %u pages%s (0x%x..0x%x) written and read "
                           "back, the rest not: run the same command again "
                           "(it starts over)",
                 (unsigned)p->pages, (unsigned)p->page_total, page_unit(p),
                 (unsigned)p->lo, (unsigned)(p->hi - 1));
}

static void chip_text(uint8_t family, uint32_t id, char *buf, size_t cap)
{
    const fwpk_prog_chip *c = fwpk_prog_chip_by_id(family, id);
    snprintf(buf, cap, family == FWPK_PROG_AVR ? "%06x%s%s%s" : "0x%03x%s%s%s",
             (unsigned)id, c ? " (" : "", c ? c->mcu : "", c ? ")" : "");
}

/* "while ..." for where it stopped. */
static const char *doing(uint8_t stage)
{
    switch (stage) {
    case FWPK_PROG_STAGE_CONNECT: return "connecting";
    case FWPK_PROG_STAGE_IDENTIFY: return "reading the chip id";
    case FWPK_PROG_STAGE_ERASE: return "erasing";
    case FWPK_PROG_STAGE_WRITE: return "writing";
    case FWPK_PROG_STAGE_READ_BACK: return "reading back";
    case FWPK_PROG_STAGE_GO: return "starting the application";
    default: return "verifying";
    }
}

static void error_text(const flash_run *r, char *buf, size_t cap)
{
    const fwpk_prog *p = &r->prog;
    char state[256], chip[64];
    const char *mcu = p->chip ? p->chip->mcu : r->mcu;
    state_text(p, state, sizeof state);
    switch (p->err) {
    case FWPK_PROG_ERR_VERIFY:
        snprintf(buf, cap, "%s: refused at offset %u: %s; nothing sent to %s",
                 r->o->input, (unsigned)p->voffset, fwpk_strerror(p->verr),
                 r->o->port);
        return;
    case FWPK_PROG_ERR_MCU:
        snprintf(buf, cap, "%s: target %s is for MCU '%s', which --protocol "
                           "%s does not program (--mcu for a target with "
                           "none); nothing sent to %s",
                 r->o->input, r->target, mcu[0] ? mcu : "(none)",
                 p->drv->name, r->o->port);
        return;
    case FWPK_PROG_ERR_GEOMETRY:
        snprintf(buf, cap, "%s: target %s: its flash layout (base, size, "
                           "erase block, write unit) does not fit the %s; "
                           "nothing sent to %s",
                 r->o->input, r->target, mcu, r->o->port);
        return;
    case FWPK_PROG_ERR_WRONG_CHIP:
        chip_text(p->drv->family, p->id, chip, sizeof chip);
        snprintf(buf, cap, "%s: the target is %s, not the container's %s; %s",
                 r->o->port, chip, mcu, state);
        return;
    default:
        break;
    }
    if (p->op_len)
        snprintf(buf, cap, "%s: %s: %s%s%s while %s 0x%x..0x%x; %s",
                 r->o->port, p->drv->name, fwpk_prog_strerror(p->err),
                 r->serial.problem[0] ? ": " : "", r->serial.problem,
                 doing(p->stage), (unsigned)p->op_addr,
                 (unsigned)(p->op_addr + p->op_len - 1), state);
    else
        snprintf(buf, cap, "%s: %s: %s%s%s while %s; %s", r->o->port,
                 p->drv->name, fwpk_prog_strerror(p->err),
                 r->serial.problem[0] ? ": " : "", r->serial.problem,
                 doing(p->stage), state);
}

static int exit_code(const fwpk_prog *p)
{
    switch (p->err) {
    case FWPK_PROG_OK: return EXIT_OK;
    case FWPK_PROG_ERR_VERIFY:
    case FWPK_PROG_ERR_GEOMETRY: return EXIT_VERIFY;
    case FWPK_PROG_ERR_MCU: return EXIT_USAGE;
    case FWPK_PROG_ERR_SOURCE: return EXIT_IO;
    default: return EXIT_TARGET;
    }
}

static void print_summary(const flash_run *r)
{
    const fwpk_prog *p = &r->prog;
    char chip[64];
    chip_text(p->drv->family, p->id, chip, sizeof chip);
    printf("%s: target %s programmed through %s on %s: chip %s, %u pages%s "
           "(0x%x..0x%x) written and read back, %u bytes sent, %u "
           "received, %.2f s\n",
           r->o->input, r->target, p->drv->name, r->o->port, chip,
           (unsigned)p->pages, page_unit(p), (unsigned)p->lo,
           (unsigned)(p->hi ? p->hi - 1 : 0), (unsigned)p->sent,
           (unsigned)p->received, r->seconds);
}

static void print_json(const flash_run *r, const char *error)
{
    const fwpk_prog *p = &r->prog;
    fwp_buf b = {0};
    fwp_buf_printf(&b, "{\"file\":");
    fwp_buf_json_str(&b, r->o->input);
    fwp_buf_printf(&b, ",\"port\":");
    fwp_buf_json_str(&b, r->o->port);
    fwp_buf_printf(&b, ",\"protocol\":\"%s\",\"ok\":%s,\"error\":",
                   r->o->drv->name, p->err ? "false" : "true");
    if (error)
        fwp_buf_json_str(&b, error);
    else
        fwp_buf_printf(&b, "null");
    fwp_buf_printf(&b, ",\"stage\":\"%s\",\"target\":",
                   fwpk_prog_stage_name(p->stage));
    fwp_buf_json_str(&b, r->target);
    fwp_buf_printf(&b, ",\"mcu\":");
    const char *mcu = p->chip ? p->chip->mcu : r->mcu;
    if (*mcu) /* null for none, as in every --json output */
        fwp_buf_json_str(&b, mcu);
    else
        fwp_buf_printf(&b, "null");
    if (p->stage > FWPK_PROG_STAGE_IDENTIFY ||
        p->err == FWPK_PROG_ERR_WRONG_CHIP)
        fwp_buf_printf(&b, p->drv->family == FWPK_PROG_AVR
                               ? ",\"chip_id\":\"%06x\""
                               : ",\"chip_id\":\"0x%03x\"",
                       (unsigned)p->id);
    else
        fwp_buf_printf(&b, ",\"chip_id\":null");
    fwp_buf_printf(&b, ",\"verifier_error\":");
    if (p->err == FWPK_PROG_ERR_VERIFY)
        fwp_buf_json_str(&b, fwpk_strerror(p->verr));
    else
        fwp_buf_printf(&b, "null");
    fwp_buf_printf(&b, ",\"offset\":%u,\"erased\":%s,\"pages\":%u,"
                       "\"page_total\":%u,\"page_size\":%u,\"written\":",
                   (unsigned)p->voffset, p->erased ? "true" : "false",
                   (unsigned)p->pages, (unsigned)p->page_total,
                   (unsigned)p->page);
    if (p->hi)
        fwp_buf_printf(&b, "[%u,%u]", (unsigned)p->lo, (unsigned)p->hi);
    else
        fwp_buf_printf(&b, "null");
    fwp_buf_printf(&b, ",\"bytes_sent\":%u,\"bytes_received\":%u,"
                       "\"seconds\":%.3f,\"events\":[",
                   (unsigned)p->sent, (unsigned)p->received, r->seconds);
    for (unsigned i = 0; i < r->nevents; i++)
        fwp_buf_printf(&b, "%s{\"stage\":\"%s\",\"t\":%.3f}", i ? "," : "",
                       fwpk_prog_stage_name(r->events[i].stage),
                       r->events[i].t);
    fwp_buf_printf(&b, "]}\n");
    cli_json_print(&b);
    fwp_buf_free(&b);
}

int cmd_flash(int argc, char **argv)
{
    flash_opts o;
    flash_run *r;
    char error[FWP_MSG_MAX];
    int rc = parse(&o, argc, argv);
    fwp_err err;
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if (!(r = calloc(1, sizeof *r)))
        return cli_error(EXIT_IO, "flash: out of memory");
    r->o = &o;
    r->tty = isatty(STDERR_FILENO) && !o.json;
    rc = load_keys(r);
    if (!rc && fwp_read_file(o.input, &r->data, &r->len, 0, &err))
        rc = cli_fail(&err, EXIT_IO);
    if (!rc)
        rc = pick_target(r);
    if (!rc)
        rc = run(r);
    if (!rc) {
        rc = exit_code(&r->prog);
        if (rc)
            error_text(r, error, sizeof error);
        if (rc)
            cli_error(0, "%s", error);
        if (o.json)
            print_json(r, rc ? error : NULL);
        else if (!rc && o.verbose)
            print_summary(r);
    }
    if (r->opened)
        fwp_serial_close(&r->serial);
    free(r->data);
    free(r);
    return rc;
}
