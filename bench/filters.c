/*
 * filters.c - what the branch filters (format/SPEC.md 6.3) buy on real
 * linked programs: `make bench-filters` (mk/bench-filters.mk).  Figures
 * only, never asserted.
 *
 *   filters FWPACK WORKDIR NAME=FILE:KIND ...
 *
 * FILE is an ELF (or anything fwpack reads); KIND picks the MCU profile and
 * so the default filter:
 *   cortex-m   --mcu nrf52840 (window 2^15, 4 KiB frames), filter thumb
 *   rv32       --mcu esp32c3 (window 2^15, 4 KiB frames), filter rv32
 *   avr        --mcu atmega328p (window 2^15, 4 KiB frames), no filter
 *   avr-16k    an ATmega1284P-sized part: 128 KiB flash, 256-byte pages,
 *              window 2^12, 1 KiB frames (no profile in fwpack), no filter
 *
 * For each program, over the bytes fwpack packs (its segments, concatenated):
 *   deflate   raw deflate -9 (zlib, window 2^15), without and with the
 *             architecture's filter (for AVR: RCALL/RJMP as absolute
 *             targets, measured and not kept; SPEC.md 6.3)
 *   gzip -9, xz -9e   the commands, on the same bytes
 *   fwpack    the signed container at the default level (9) and at
 *             --level max (zopfli; needs window 2^15), --filter none and
 *             the profile's filter
 * and the goals beside: container at the default level <= 0.97 x
 * raw deflate -9; at --level max <= 0.94 x gzip -9.
 *
 * Then a second table, LZMA (issue 17), from the same run:
 *   xz -9e    raw LZMA1 of the filtered bytes, `xz --format=raw
 *             --lzma1=preset=9e` (xz's own lc 3 lp 0 pb 2, 64 MiB
 *             dictionary, end marker; xz's ARM-Thumb filter is the thumb
 *             filter for even addresses; xz 5.4 has no RISC-V filter)
 *   lzma      the signed container with --codec lzma (lc 0 lp 1 pb 1, the
 *             dictionary covering the image) and the profile's filter
 * beside the goals: lzma container <= 0.84 x raw deflate -9 (unfiltered,
 * as above), <= xz -9e + 1%.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fwpack.h"

#define EPOCH "1700000000"

typedef struct {
    const char *kind, *pack_args;
    uint32_t filter; /* the profile's */
    int avr;         /* measure the AVR RCALL/RJMP transform */
    const char *lzma_args; /* pack_args for --codec lzma */
} kind_info;

#define AVR16K_GEOMETRY \
    "--flash-base 0 --flash-size 131072 --erase-block 256 --write-unit 256 "

static const kind_info kinds[] = {
    {"cortex-m", "--mcu nrf52840", FWPK_FILTER_THUMB, 0, "--mcu nrf52840"},
    {"rv32", "--mcu esp32c3", FWPK_FILTER_RV32, 0, "--mcu esp32c3"},
    {"avr", "--mcu atmega328p", FWPK_FILTER_NONE, 1, "--mcu atmega328p"},
    /* LZMA's dictionary is not deflate's RAM window: not --window-bits */
    {"avr-16k", AVR16K_GEOMETRY "--window-bits 12 --frame-size 1024",
     FWPK_FILTER_NONE, 1, AVR16K_GEOMETRY "--frame-size 1024"},
};

static long raw_deflate9(const uint8_t *p, size_t n)
{
    z_stream z;
    uLong cap = compressBound((uLong)n) + 64;
    uint8_t *out = malloc(cap);
    long len = -1;
    memset(&z, 0, sizeof z);
    if (out && deflateInit2(&z, 9, Z_DEFLATED, -15, 8,
                            Z_DEFAULT_STRATEGY) == Z_OK) {
        z.next_in = (Bytef *)(uintptr_t)p;
        z.avail_in = (uInt)n;
        z.next_out = out;
        z.avail_out = (uInt)cap;
        if (deflate(&z, Z_FINISH) == Z_STREAM_END)
            len = (long)z.total_out;
        deflateEnd(&z);
    }
    free(out);
    return len;
}

/* AVR RCALL (1101 k12) / RJMP (1100 k12): the 12-bit word offset k as
 * (k + addr / 2 + 1) mod 2^12, walking halfwords.  Measurement only. */
static void avr_rel12(uint8_t *b, size_t n, uint32_t addr)
{
    for (size_t i = 0; i + 2 <= n; i += 2) {
        unsigned h = b[i] | (unsigned)b[i + 1] << 8;
        if ((h >> 12) == 0xc || (h >> 12) == 0xd) {
            unsigned k = (h + ((addr + (uint32_t)i) >> 1) + 1) & 0xfffu;
            h = (h & 0xf000u) | k;
            b[i] = (uint8_t)h;
            b[i + 1] = (uint8_t)(h >> 8);
        }
    }
}

/* Output size of a shell command's stdout, or -1. */
static long command_size(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    char buf[65536];
    long n = 0;
    size_t k;
    if (!p)
        return -1;
    while ((k = fread(buf, 1, sizeof buf, p)) > 0)
        n += (long)k;
    return pclose(p) == 0 ? n : -1;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* The container's size; 'args' the kind's (and codec) options. */
static long pack(const char *fwpack, const char *dir, const char *file,
                 const char *args, const char *filter, const char *level)
{
    char cmd[2048], out[1024];
    snprintf(out, sizeof out, "%s/pack.fwpk", dir);
    snprintf(cmd, sizeof cmd,
             "SOURCE_DATE_EPOCH=" EPOCH " '%s' pack -k '%s/key.pem' %s "
             "--filter %s --level %s --version 1.0.0 --force '%s' -o '%s' "
             ">/dev/null 2>&1",
             fwpack, dir, args, filter, level, file, out);
    remove(out);
    return system(cmd) == 0 ? file_size(out) : -1;
}

static void cell(long v)
{
    if (v < 0)
        printf(" %9s", "-");
    else
        printf(" %9ld", v);
}

static void pct(long v, long base)
{
    if (v < 0 || base <= 0)
        printf(" %7s", "");
    else
        printf(" %+6.2f%%", 100.0 * (double)(v - base) / (double)base);
}

static void ratio(long v, long base, double goal)
{
    if (v < 0 || base <= 0) {
        printf("  %-11s", "-");
        return;
    }
    double r = (double)v / (double)base;
    printf("  %.3f %-5s", r, r <= goal ? "ok" : "above");
}

typedef struct {
    const char *name, *kind;
    long size, d9, d9f, gz, xz, c9n, c9f, cmn, cmf;
    long xzf, cl; /* raw LZMA1 -9e of the filtered bytes; lzma container */
} row;

static int measure(const char *fwpack, const char *dir, const char *spec,
                   row *r)
{
    char name[128], file[1024], bin[1200], cmd[2600];
    const char *eq = strchr(spec, '='), *colon = strrchr(spec, ':');
    const kind_info *k = NULL;
    memset(r, 0, sizeof *r);
    if (!eq || !colon || colon < eq || (size_t)(eq - spec) >= sizeof name ||
        (size_t)(colon - eq - 1) >= sizeof file) {
        fprintf(stderr, "filters: bad sample '%s' (NAME=FILE:KIND)\n", spec);
        return -1;
    }
    memcpy(name, spec, (size_t)(eq - spec));
    name[eq - spec] = 0;
    memcpy(file, eq + 1, (size_t)(colon - eq - 1));
    file[colon - eq - 1] = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, colon + 1) == 0)
            k = &kinds[i];
    if (!k) {
        fprintf(stderr, "filters: unknown kind '%s'\n", colon + 1);
        return -1;
    }
    r->name = strdup(name);
    r->kind = k->kind;

    fwp_image img;
    fwp_err err;
    memset(&img, 0, sizeof img);
    if (fwp_input_load(file, 0, 0, &img, &err)) {
        fprintf(stderr, "filters: %s: %s\n", name, err.msg);
        return -1;
    }
    size_t n = fwp_image_size(&img), off = 0;
    uint8_t *bytes = malloc(n ? n : 1), *filtered = malloc(n ? n : 1);
    for (size_t i = 0; i < img.count; i++) {
        memcpy(bytes + off, img.segs[i].data, img.segs[i].len);
        memcpy(filtered + off, img.segs[i].data, img.segs[i].len);
        if (k->avr)
            avr_rel12(filtered + off, img.segs[i].len, img.segs[i].addr);
        else
            fwp_filter_apply(k->filter, filtered + off, img.segs[i].len,
                             img.segs[i].addr);
        off += img.segs[i].len;
    }
    r->size = (long)n;
    r->d9 = raw_deflate9(bytes, n);
    r->d9f = raw_deflate9(filtered, n);

    snprintf(bin, sizeof bin, "%s/%s.bin", dir, name);
    if (fwp_write_file_atomic(bin, bytes, n, 0644, 1, &err))
        fprintf(stderr, "filters: %s\n", err.msg);
    snprintf(cmd, sizeof cmd, "gzip -9 -n -c '%s'", bin);
    r->gz = command_size(cmd);
    snprintf(cmd, sizeof cmd, "xz -9e -T1 -c '%s'", bin);
    r->xz = command_size(cmd);
    if (!k->avr) { /* the profile's filter (AVR: none kept) */
        snprintf(bin, sizeof bin, "%s/%s.filtered", dir, name);
        if (fwp_write_file_atomic(bin, filtered, n, 0644, 1, &err))
            fprintf(stderr, "filters: %s\n", err.msg);
    }
    snprintf(cmd, sizeof cmd,
             "xz --format=raw --lzma1=preset=9e -T1 -c '%s'", bin);
    r->xzf = command_size(cmd);

    const char *fname = fwp_filter_name(k->filter);
    char lzma_args[512];
    snprintf(lzma_args, sizeof lzma_args, "%s --codec lzma", k->lzma_args);
    r->c9n = pack(fwpack, dir, file, k->pack_args, "none", "9");
    r->c9f = k->filter ? pack(fwpack, dir, file, k->pack_args, fname, "9")
                       : -1;
    r->cmn = pack(fwpack, dir, file, k->pack_args, "none", "max");
    r->cmf = k->filter ? pack(fwpack, dir, file, k->pack_args, fname, "max")
                       : -1;
    r->cl = pack(fwpack, dir, file, lzma_args, fname, "9");
    fwp_image_free(&img);
    free(bytes);
    free(filtered);
    return 0;
}

/* The smaller container: with the filter (-1: none) or without. */
static long smaller(long filtered, long plain)
{
    return filtered >= 0 && filtered < plain ? filtered : plain;
}

/* Issue 17's figures: the LZMA container beside deflate and xz. */
static void lzma_table(const row *rows, int count)
{
    printf("\n# LZMA (issue 17): xz-9e+f: raw LZMA1, xz --format=raw "
           "--lzma1=preset=9e of the filtered bytes (cortex-m thumb, rv32 "
           "rv32, avr none); lzma: container, --codec lzma, profile's "
           "filter\n# goals: lzma <= 0.84 x deflate -9 (unfiltered); "
           "lzma <= xz -9e with the filter + 1%%\n\n");
    printf("%-14s %-8s %9s %9s %9s %9s %9s %9s %-11s %-11s\n", "program",
           "kind", "bytes", "deflate9", "xz-9e+f", "c9", "cmax", "c:lzma",
           "lzma/defl9", "lzma/xz");
    for (int i = 0; i < count; i++) {
        const row *r = &rows[i];
        if (!r->name)
            continue;
        printf("%-14s %-8s", r->name, r->kind);
        cell(r->size);
        cell(r->d9);
        cell(r->xzf);
        cell(smaller(r->c9f, r->c9n));
        cell(smaller(r->cmf, r->cmn));
        cell(r->cl);
        printf(" ");
        ratio(r->cl, r->d9, 0.84);
        ratio(r->cl, r->xzf, 1.01);
        printf("\n");
    }
    printf("\n# c9, cmax: the smaller container of filter none and the "
           "profile's, at the default level and at --level max\n");
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: filters FWPACK WORKDIR NAME=FILE:KIND...\n");
        return 0;
    }
    const char *fwpack = argv[1], *dir = argv[2];
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "test -f '%s/key.pem' || '%s' keygen -o '%s/key.pem' >/dev/null",
             dir, fwpack, dir);
    if (system(cmd) != 0)
        fprintf(stderr, "filters: keygen failed\n");

    int count = argc - 3;
    row *rows = calloc((size_t)count, sizeof *rows);
    for (int i = 0; i < count; i++) {
        fprintf(stderr, "bench-filters: %s ...\n", argv[i + 3]);
        if (measure(fwpack, dir, argv[i + 3], &rows[i]))
            rows[i].name = NULL;
    }

    printf("# make bench-filters: branch filters on linked programs (bytes; "
           "figures, never asserted)\n");
    printf("# deflate: raw deflate -9 of the bytes fwpack packs, +filter: "
           "after the arch's filter (avr: RCALL/RJMP, not kept)\n");
    printf("# container: signed fwpack container for the kind's profile "
           "(cortex-m nrf52840, rv32 esp32c3, avr atmega328p; avr-16k own "
           "geometry), filter none | profile's\n");
    printf("# goals: default level <= 0.97 x deflate -9; level max <= 0.94 x "
           "gzip -9 (best container of each level)\n\n");
    printf("%-14s %-8s %9s %9s %9s %8s %9s %9s %9s %9s %9s %9s %9s %-11s "
           "%-11s\n",
           "program", "kind", "bytes", "deflate9", "+filter", "gain",
           "gzip-9", "xz-9e", "c9:none", "c9:filt", "cmax:none", "cmax:filt",
           "filt.gain", "c9/defl9", "cmax/gzip9");
    for (int i = 0; i < count; i++) {
        row *r = &rows[i];
        if (!r->name) {
            printf("%-14s (failed, see above)\n", argv[i + 3]);
            continue;
        }
        long c9 = smaller(r->c9f, r->c9n), cm = smaller(r->cmf, r->cmn);
        printf("%-14s %-8s", r->name, r->kind);
        cell(r->size);
        cell(r->d9);
        cell(r->d9f);
        pct(r->d9f, r->d9);
        cell(r->gz);
        cell(r->xz);
        cell(r->c9n);
        cell(r->c9f);
        cell(r->cmn);
        cell(r->cmf);
        pct(r->cmf >= 0 ? r->cmf : r->c9f, r->cmf >= 0 ? r->cmn : r->c9n);
        printf(" ");
        ratio(c9, r->d9, 0.97);
        ratio(cm, r->gz, 0.94);
        printf("\n");
    }
    printf("\n# gain: deflate -9 with the filter vs without; filt.gain: the "
           "container at level max (else 9) with the filter vs without\n");
    lzma_table(rows, count);
    return 0;
}
