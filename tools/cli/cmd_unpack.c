/*
 * cmd_unpack.c - fwpack unpack: what a device would write to flash.  The
 * same run as fwpack verify; the bytes its flash-write callback received
 * go to an Intel HEX, Motorola S-record or raw binary file, only once
 * every target verified.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "verify_run.h"

static const char help[] =
    "usage: fwpack unpack -p PUB.pem [-p PUB.pem ...] [options] -o OUT.hex "
    "FILE\n"
    "       fwpack unpack -p PUB.pem [-p PUB.pem ...] [options] -o OUT.s37 "
    "FILE\n"
    "       fwpack unpack -p PUB.pem [-p PUB.pem ...] [options] -o OUT.bin "
    "FILE\n"
    "\n"
    "Verifies FILE exactly as fwpack verify does (same options), and writes\n"
    "what the verifier handed to its flash-write callback: whole write units,\n"
    "so a segment's first and last unit may carry 0xFF padding.  Nothing at\n"
    "all is written unless every target verified.  FILE - reads stdin.\n"
    "\n"
    "  OUT.hex (or .ihex, .ihx)  Intel HEX of the written ranges\n"
    "  OUT.s19, .s28, .s37       Motorola S-records of the written ranges:\n"
    "                            S1/S9 (16-bit addresses), S2/S8 (24-bit),\n"
    "                            S3/S7 (32-bit); a usage error (exit 2) when\n"
    "                            an address does not fit; no S9/S8/S7 (a\n"
    "                            container has no start address)\n"
    "  OUT.srec (or .mot)        S-records with the fewest address bytes\n"
    "                            that hold every address\n"
    "  OUT.bin                   raw bytes from the lowest written address to\n"
    "                            the highest, gaps filled with 0xFF; its load\n"
    "                            address is printed with -v or --json.  A\n"
    "                            warning when it is mostly gap, refused when\n"
    "                            the gaps exceed --max-gap\n"
    "  -o -                      raw bytes on stdout (or --format)\n"
    "\n"
    "A container with several targets: with --target NAME, that target goes\n"
    "to OUT; without it, every target is verified and goes to its own file,\n"
    "the target's name inserted before the extension (-o out.hex writes\n"
    "out.main.hex and out.radio.hex).  The files are written to temporary\n"
    "files and renamed, replacing existing ones (never an input); on any\n"
    "failure none is left behind.\n"
    "Exit 0 when written, 1 when a target was refused (nothing written).\n"
    "\n"
    "  -p, --pubkey FILE             a trusted public key (repeat: keyring)\n"
    "  -o, --output FILE             OUT.hex, OUT.srec (.s19 .s28 .s37 .mot)\n"
    "                                or OUT.bin, or - for stdout (required)\n"
    "      --format F                hex, srec, s19, s28, s37 or bin, whatever\n"
    "                                the name says\n"
    "      --max-gap BYTES           the most 0xFF fill a .bin may hold between\n"
    "                                segments (1048576; 0: no limit)\n"
    "      --force                   accepted for old scripts\n"
    "      --target NAME             unpack only this target\n"
    "      --mcu ID                  require the target's MCU id to be ID\n"
    "      --min-security-counter N  refuse a lower security counter (0)\n"
    "      --min-signatures N        valid signatures needed (1)\n"
    "      --chunk N                 bytes per fwpk_feed() call (4096)\n"
    VR_HELP_MODE
    "      --base OLD                a delta target's base: the image the\n"
    "                                device runs (any input format, or the\n"
    "                                container that installed it)\n"
    "      --json                    print fwpack verify's JSON object, each\n"
    "                                target with its \"output\" and\n"
    "                                \"address\" (lowest written address)\n"
    "  -v, --verbose                 print the verify lines and each file\n"
    "  -h, --help                    this text\n";

typedef struct {
    char *path;
    const char *name; /* path in messages: "<stdout>" for "-" */
    uint8_t *data;
    size_t len;
    uint32_t addr; /* lowest written address */
    int existed;
    int written;
} output;

/* What -o asks for: the format by its extension, and for S-records the
 * address size (2, 3, 4; 0 = the fewest that hold every address). */
typedef struct {
    fwp_format fmt; /* FWP_FMT_HEX, FWP_FMT_SREC or FWP_FMT_BIN */
    int addr_bytes;
} out_kind;


static int output_kind(const char *path, out_kind *k)
{
    static const struct {
        const char *ext;
        int addr_bytes;
    } srec[] = {{".s19", 2}, {".s28", 3}, {".s37", 4}};
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    k->fmt = fwp_format_from_name(path);
    k->addr_bytes = 0;
    for (size_t i = 0; dot && i < sizeof srec / sizeof srec[0]; i++)
        if (strcasecmp(dot, srec[i].ext) == 0)
            k->addr_bytes = srec[i].addr_bytes;
    if (!dot || (slash && dot < slash))
        return -1;
    return k->fmt == FWP_FMT_HEX || k->fmt == FWP_FMT_SREC ||
                   k->fmt == FWP_FMT_BIN
               ? 0
               : -1;
}

/* --format F, by the extension it names. */
static int format_kind(const char *f, out_kind *k)
{
    char ext[16];
    if (strlen(f) > 8)
        return -1;
    snprintf(ext, sizeof ext, "x.%s", f);
    return output_kind(ext, k);
}

/* Target names are signed, but may hold any character: only plain ones go
 * into a file name. */
static int safe_name(const char *s)
{
    return *s && *s != '.' && *s != '-' && fwp_plain_chars(s);
}

/* "dir/out.hex" + "main" -> "dir/out.main.hex" (malloc'd). */
static char *name_with_target(const char *out, const char *target)
{
    const char *dot = strrchr(out, '.');
    size_t n = strlen(out) + strlen(target) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%.*s.%s%s", (int)(dot - out), out, target, dot);
    return p;
}

/* A raw binary holds the gaps between segments as 0xFF: a stray far
 * segment makes it huge.  Warned when it is mostly gap, refused beyond
 * --max-gap. */
/* Each target is its own file, so only a format without gaps, or data
 * dropped when packing, avoids the fill: the message says both. */
static int bin_gap(const fwp_image *img, const output *out, uint32_t max_gap)
{
    uint64_t data = fwp_image_size(img), gap = out->len - data, lo = 0, hi = 0;
    if (max_gap && gap > max_gap && fwp_image_widest_gap(img, &lo, &hi))
        return cli_error(EXIT_USAGE, "unpack: %s: a raw binary would be %zu "
                                     "bytes, %llu of them 0xFF between "
                                     "segments (the widest 0x%08llx.."
                                     "0x%08llx): write .hex or .s37 (no "
                                     "gaps), pack without the far data "
                                     "(pack --crop LO:HI or --exclude "
                                     "LO:HI), or allow it with --max-gap "
                                     "%llu (0: no limit)",
                         out->name, out->len, (unsigned long long)gap,
                         (unsigned long long)lo, (unsigned long long)hi - 1,
                         (unsigned long long)gap);
    if (gap > data && gap >= 4096)
        cli_warn("unpack: %s: %zu bytes, %llu of them 0xFF between segments",
                 out->name, out->len, (unsigned long long)gap);
    return 0;
}

static int render(const fwp_image *img, const out_kind *k, uint32_t max_gap,
                  output *out)
{
    fwp_err err;
    char *text;
    int rc;
    if (img->count == 0)
        return cli_error(EXIT_VERIFY, "unpack: nothing was written");
    out->addr = img->segs[0].addr;
    if (k->fmt == FWP_FMT_HEX) {
        if (fwp_hex_format(img, &text, &out->len, &err))
            return cli_fail(&err, EXIT_IO);
        out->data = (uint8_t *)text;
        return 0;
    }
    if (k->fmt == FWP_FMT_SREC) {
        /* the only failure besides memory: addresses too wide for the
         * extension's record type, which the -o name asked for */
        if (fwp_srec_format(img, k->addr_bytes, &text, &out->len, &err))
            return cli_error(EXIT_USAGE, "unpack: %s: %s", out->name,
                             err.msg);
        out->data = (uint8_t *)text;
        return 0;
    }
    const fwp_seg *last = &img->segs[img->count - 1];
    out->len = (size_t)((uint64_t)last->addr + last->len - out->addr);
    if ((rc = bin_gap(img, out, max_gap)) != 0)
        return rc;
    if (!(out->data = malloc(out->len)))
        return cli_error(EXIT_IO, "unpack: out of memory for %zu bytes",
                         out->len);
    memset(out->data, 0xff, out->len);
    for (size_t i = 0; i < img->count; i++)
        memcpy(out->data + (img->segs[i].addr - out->addr),
               img->segs[i].data, img->segs[i].len);
    return 0;
}

/* The kind of output: --format, else -o's extension, else (-o -) raw. */
static int kind_of(const vr_opts *o, out_kind *k)
{
    char q[FWP_QUOTE_BUF];
    if (o->format && format_kind(o->format, k) < 0)
        return cli_error(EXIT_USAGE, "unpack: --format '%s': must be hex, "
                                     "srec, s19, s28, s37 or bin",
                         fwp_quote(o->format, q));
    if (o->format)
        return 0;
    if (cli_is_stdio(o->output))
        return format_kind("bin", k);
    if (output_kind(o->output, k) < 0)
        return cli_error(EXIT_USAGE, "unpack: -o %s: the name must end in "
                                     ".hex, .srec (.s19 .s28 .s37 .mot) or "
                                     ".bin (or give --format)",
                         fwp_quote(o->output, q));
    return 0;
}

static int prepare(const vr_run *r, const vr_opts *o, output *outs)
{
    out_kind k;
    int rc;
    char q[FWP_QUOTE_BUF];
    const char *in[FWPK_MAX_KEYS + 1] = {o->input};
    kind_of(o, &k);
    for (uint32_t i = 0; i < o->key_files; i++)
        in[i + 1] = o->keys[i];
    for (uint32_t i = 0; i < r->count; i++) {
        const char *name = r->pass[i].name;
        if (r->count > 1 && !safe_name(name))
            return cli_error(EXIT_USAGE, "unpack: target name '%s' cannot go "
                                         "in a file name: unpack it with "
                                         "--target", fwp_quote(name, q));
        if (r->count > 1 && cli_is_stdio(o->output))
            return cli_error(EXIT_USAGE, "unpack: -o -: %u targets cannot "
                                         "share stdout: pick one with "
                                         "--target", (unsigned)r->count);
        outs[i].path = r->count > 1 ? name_with_target(o->output, name)
                                    : strdup(o->output);
        if (!outs[i].path)
            return cli_error(EXIT_IO, "unpack: out of memory");
        outs[i].name =
            cli_is_stdio(outs[i].path) ? "<stdout>" : outs[i].path;
        outs[i].existed = access(outs[i].path, F_OK) == 0;
        if ((rc = k.fmt == FWP_FMT_BIN
                      ? cli_output_check("unpack", outs[i].path, 1, in,
                                         o->key_files + 1)
                      : cli_output_check_text("unpack", outs[i].path, 1, in,
                                              o->key_files + 1)) != 0 ||
            (rc = render(&r->pass[i].written, &k, o->max_gap, &outs[i])) != 0)
            return rc;
    }
    return 0;
}

/* All files or none: a failed write removes the new files made before. */
static int write_all(const vr_run *r, output *outs)
{
    for (uint32_t i = 0; i < r->count; i++) {
        int rc = cli_output_write(outs[i].path, outs[i].data, outs[i].len,
                                  0644, 1);
        if (rc == 0) {
            outs[i].written = 1;
            continue;
        }
        for (uint32_t j = 0; j < i; j++)
            if (!outs[j].existed)
                unlink(outs[j].path);
        return rc;
    }
    return 0;
}

static void report(const vr_run *r, const vr_opts *o, const output *outs)
{
    const char *paths[FWPK_MAX_TARGETS] = {0};
    uint32_t addrs[FWPK_MAX_TARGETS] = {0};
    for (uint32_t i = 0; i < r->count; i++) {
        paths[i] = outs[i].written ? outs[i].path : NULL;
        addrs[i] = outs[i].addr;
    }
    if (o->json) {
        fwp_buf b = {0};
        vr_json(&b, r, paths, addrs);
        cli_json_print(&b);
        fwp_buf_free(&b);
        vr_print_failures(r);
        return;
    }
    vr_print_text(r);
    if (o->verbose)
        for (uint32_t i = 0; i < r->count; i++)
            if (outs[i].written)
                printf("wrote %s: %zu bytes, from address 0x%08x\n",
                       outs[i].path, outs[i].len, (unsigned)outs[i].addr);
}

int cmd_unpack(int argc, char **argv)
{
    vr_opts o;
    vr_run r;
    output outs[FWPK_MAX_TARGETS];
    memset(&o, 0, sizeof o);
    memset(outs, 0, sizeof outs);
    o.cmd = "unpack";
    int rc = vr_parse(&o, argc, argv, help);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    out_kind k;
    if ((rc = kind_of(&o, &k)) != 0)
        return rc;
    if (cli_is_stdio(o.output) && (o.json || o.verbose))
        return cli_error(EXIT_USAGE, "unpack: --json and -v print to stdout, "
                                     "where -o - writes the image");
    rc = vr_execute(&r, &o);
    if (rc == EXIT_OK)
        rc = prepare(&r, &o, outs);
    if (rc == EXIT_OK)
        rc = write_all(&r, outs);
    if (rc == EXIT_OK || (rc == EXIT_VERIFY && r.failed))
        report(&r, &o, outs);
    for (size_t i = 0; i < FWPK_MAX_TARGETS; i++) {
        free(outs[i].path);
        free(outs[i].data);
    }
    vr_free(&r);
    return rc;
}
