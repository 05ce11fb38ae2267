/*
 * overhead.c - what the container costs over raw deflate on real linked
 * programs, beside issue 3's budget ("the container stays within 2% of raw
 * deflate of the same image at the same window"): `make bench-overhead`
 * (mk/bench-filters.mk).  Figures only, never asserted.
 *
 *   overhead FWPACK WORKDIR NAME=FILE:KIND ...
 *
 * The samples and kinds are bench-filters' (bench/filters.c): each program
 * is packed with its kind's profile, --filter none (the filter changes the
 * bytes, and the budget compares like with like), the default level and the
 * profile's frame size.  The container is then read back with the host
 * library, and compared with one raw deflate stream (level 9, memLevel 9,
 * the target's window) of exactly the bytes fwpack packed.
 *
 *   framing   payload (one deflate stream cut at sync flushes, SPEC.md 6)
 *             + frame_count * FWPK_FRAME_HEADER_LEN: what grows with the
 *             image, and what the 2% is about
 *   prefix    header + info string + manifest + signature block: fixed per
 *             container, so it fades as the image grows; "min deflate" is
 *             the size from which the whole container fits in 2% too
 *
 * Exit 0 with the table; 1 with one line on stderr if a step fails.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fwpack.h"

#define EPOCH "1700000000"
#define BUDGET 0.02 /* issue 3 */

/* The pack options of bench/filters.c, kept in step by hand: the figures
 * must describe the same containers that bench measures. */
typedef struct {
    const char *kind, *pack_args;
} kind_info;

static const kind_info kinds[] = {
    {"cortex-m", "--mcu nrf52840"},
    {"rv32", "--mcu esp32c3"},
    {"avr", "--mcu atmega328p"},
    {"avr-16k",
     "--flash-base 0 --flash-size 131072 --erase-block 256 --write-unit 256 "
     "--window-bits 12 --frame-size 1024"},
};

typedef struct {
    char name[128];
    const char *kind;
    long image, deflate, total, prefix, payload, framing;
    unsigned wbits, frame_size, frames;
} row;

/* One failure ends the run: the table would be wrong, not just short. */
static int fail(const char *name, const char *what)
{
    fprintf(stderr, "overhead: %s: %s\n", name, what);
    return -1;
}

/* Raw deflate as issue 3 states the baseline: one stream, level 9, the
 * container's window, no flushes.  memLevel 9 as fwpack's frames use. */
static long raw_deflate(const uint8_t *p, size_t n, unsigned wbits)
{
    z_stream z;
    uLong cap = compressBound((uLong)n) + 64;
    uint8_t *out = malloc(cap);
    long len = -1;
    memset(&z, 0, sizeof z);
    if (out && deflateInit2(&z, 9, Z_DEFLATED, -(int)wbits, 9,
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

/* NAME=FILE:KIND, split as bench/filters.c does (FILE may hold ':'). */
static int parse_spec(const char *spec, row *r, char *file, size_t cap)
{
    const char *eq = strchr(spec, '='), *colon = strrchr(spec, ':');
    if (!eq || !colon || colon < eq || (size_t)(eq - spec) >= sizeof r->name ||
        (size_t)(colon - eq - 1) >= cap)
        return fail(spec, "bad sample (NAME=FILE:KIND)");
    memcpy(r->name, spec, (size_t)(eq - spec));
    r->name[eq - spec] = 0;
    memcpy(file, eq + 1, (size_t)(colon - eq - 1));
    file[colon - eq - 1] = 0;
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kinds[i].kind, colon + 1) == 0)
            return (int)i;
    char msg[300];
    snprintf(msg, sizeof msg, "unknown kind '%.200s'", colon + 1);
    return fail(r->name, msg);
}

/* fwpack's stderr goes to a log so that a failure is still one line. */
static int pack(const char *fwpack, const char *dir, const char *file,
                const kind_info *k, const char *out, const char *name)
{
    char cmd[4096], log[1100], line[256] = "";
    snprintf(log, sizeof log, "%s/pack.log", dir);
    snprintf(cmd, sizeof cmd,
             "SOURCE_DATE_EPOCH=" EPOCH " '%s' pack -k '%s/key.pem' %s "
             "--filter none --version 1.0.0 --force '%s' -o '%s' "
             ">/dev/null 2>'%s'",
             fwpack, dir, k->pack_args, file, out, log);
    remove(out);
    if (system(cmd) == 0)
        return 0;
    FILE *f = fopen(log, "r");
    if (f) {
        if (fgets(line, sizeof line, f))
            line[strcspn(line, "\n")] = 0;
        fclose(f);
    }
    char msg[400];
    snprintf(msg, sizeof msg, "fwpack pack failed: %s", line);
    return fail(name, msg);
}

/* Sizes from the container itself, not from what fwpack says it did. */
static int read_layout(const uint8_t *box, size_t len, const char *name,
                       fwp_mtarget *t, row *r)
{
    fwp_layout lay;
    fwp_manifest m;
    fwp_err err;
    if (fwp_layout_parse(box, len, name, &lay, &err) ||
        fwp_manifest_decode(lay.manifest, lay.manifest_len, name, &m, &err))
        return fail(name, err.msg);
    if (m.target_count != 1)
        return fail(name, "expected one target");
    *t = m.targets[0];
    r->total = (long)len;
    r->prefix = (long)lay.frames_offset;
    r->payload = t->payload_size;
    r->framing = r->payload + (long)t->frame_count * FWPK_FRAME_HEADER_LEN;
    r->wbits = t->window_bits;
    r->frame_size = t->frame_size;
    r->frames = t->frame_count;
    /* The frame header length is being changed: a stale fwpack and this
     * tool would then count different framing, so refuse to guess. */
    if (r->prefix + r->framing != r->total)
        return fail(name, "frames do not add up to payload + frame_count x "
                          "FWPK_FRAME_HEADER_LEN (fwpack built with another "
                          "frame header?)");
    return 0;
}

/* Same segments as the manifest lists, and the same digest. */
static int same_as_packed(const fwp_image *img, const uint8_t *bytes,
                          size_t n, const fwp_mtarget *t)
{
    uint8_t h[FWPK_HASH_LEN];
    if (img->count != t->seg_count || n != t->image_size)
        return 0;
    for (size_t i = 0; i < img->count; i++)
        if (img->segs[i].addr != t->seg_addr[i] ||
            img->segs[i].len != t->seg_len[i])
            return 0;
    fwp_hash(h, bytes, n);
    return memcmp(h, t->image_digest, FWPK_HASH_LEN) == 0;
}

/* The image fwpack packed: the ELF's segments, normalised as fwp_pack does
 * (gaps < 16 bytes or within a write unit filled with 0xFF), concatenated;
 * checked against the manifest's image digest. */
static int baseline(const char *file, const fwp_mtarget *t, row *r)
{
    fwp_image img;
    fwp_err err;
    memset(&img, 0, sizeof img);
    if (fwp_input_load(file, 0, 0, &img, &err) ||
        fwp_image_normalize(&img, t->write_unit, &err)) {
        fwp_image_free(&img);
        return fail(r->name, err.msg);
    }
    size_t n = fwp_image_size(&img), off = 0;
    uint8_t *bytes = malloc(n ? n : 1);
    for (size_t i = 0; bytes && i < img.count; off += img.segs[i++].len)
        memcpy(bytes + off, img.segs[i].data, img.segs[i].len);
    int same = bytes && same_as_packed(&img, bytes, n, t);
    r->image = (long)n;
    r->deflate = same ? raw_deflate(bytes, n, t->window_bits) : -1;
    fwp_image_free(&img);
    free(bytes);
    if (!same)
        return fail(r->name, "image read back differs from the packed one");
    return r->deflate < 0 ? fail(r->name, "raw deflate failed") : 0;
}

static int measure(const char *fwpack, const char *dir, const char *spec,
                   row *r)
{
    char file[1024], out[1100];
    int k = parse_spec(spec, r, file, sizeof file);
    if (k < 0)
        return -1;
    r->kind = kinds[k].kind;
    snprintf(out, sizeof out, "%s/overhead.fwpk", dir);
    if (pack(fwpack, dir, file, &kinds[k], out, r->name))
        return -1;
    uint8_t *box;
    size_t len;
    fwp_err err;
    fwp_mtarget t;
    if (fwp_read_file(out, &box, &len, 0, &err))
        return fail(r->name, err.msg);
    int rc = read_layout(box, len, r->name, &t, r);
    free(box);
    remove(out);
    return rc ? rc : baseline(file, &t, r);
}

static double over(long v, long base)
{
    return (double)(v - base) / (double)base;
}

/* Smallest deflate size at which prefix + framing fits in the budget,
 * with this program's framing fraction f: d * (1 + f) + p <= 1.02 d. */
static void min_deflate(long prefix, double f)
{
    if (f >= BUDGET)
        printf("  %11s", "never");
    else
        printf("  %11.0f", (double)prefix / (BUDGET - f));
}

static void print_row(const row *r)
{
    double f = over(r->framing, r->deflate);
    char verdict[40];
    if (r->frame_size < FWPK_FRAME_SIZE_DEFAULT)
        snprintf(verdict, sizeof verdict, "frame %u < %d: figure only",
                 r->frame_size, FWPK_FRAME_SIZE_DEFAULT);
    else
        snprintf(verdict, sizeof verdict, "%s", f <= BUDGET ? "ok" : "OVER");
    printf("%-14s %-8s %8ld %8ld %5u %6u %6u %8ld %+8.2f%% %6.2f%%  %-31s "
           "%6ld %+9.2f%%",
           r->name, r->kind, r->image, r->deflate, r->wbits, r->frame_size,
           r->frames, r->framing, 100.0 * f, 100.0 * BUDGET, verdict,
           r->prefix, 100.0 * over(r->total, r->deflate));
    min_deflate(r->prefix, f);
    printf("\n");
}

static void print_header(void)
{
    printf("# make bench-overhead: container vs raw deflate of the same "
           "image at the same window (bytes; figures, never asserted)\n");
    printf("# budget (issue 3): framing within %.2f%% of raw deflate. "
           "framing = the deflate stream with its per-frame sync flushes "
           "(payload) + frame_count x %d-byte frame headers; raw deflate = "
           "one zlib stream of the same bytes, level 9, same window\n",
           100.0 * BUDGET, FWPK_FRAME_HEADER_LEN);
    printf("# packed with the kind's profile as bench-filters (cortex-m "
           "nrf52840, rv32 esp32c3, avr atmega328p, avr-16k own geometry), "
           "--filter none, default level and frame size\n");
    printf("# image: bytes packed; deflate: raw deflate -9; wb: window bits; "
           "frame: frame size; frames: frame count; framing%%: framing vs "
           "deflate; verdict: ok/OVER at the default frame size %d, smaller "
           "frames are figures only\n", FWPK_FRAME_SIZE_DEFAULT);
    printf("# prefix: header + info string (Notehub reads it) + signed "
           "manifest + signatures, fixed per container, does not grow with "
           "the image; container%%: whole file vs deflate\n");
    printf("# min deflate: deflate size from which the whole container is "
           "within the budget at this framing%% (prefix / (%.2f - framing "
           "fraction); never: framing alone is over)\n\n", BUDGET);
    printf("%-14s %-8s %8s %8s %5s %6s %6s %8s %9s %7s  %-31s %6s %10s "
           "%12s\n",
           "program", "kind", "image", "deflate", "wb", "frame", "frames",
           "framing", "framing%", "budget", "verdict", "prefix",
           "container%", "min deflate");
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: overhead FWPACK WORKDIR NAME=FILE:KIND...\n");
        return 1;
    }
    const char *fwpack = argv[1], *dir = argv[2];
    char cmd[2048];
    /* A throwaway key: the signature's size, not its owner, matters. */
    snprintf(cmd, sizeof cmd,
             "mkdir -p '%s' && '%s' keygen --force -o '%s/key.pem' "
             ">/dev/null 2>&1",
             dir, fwpack, dir);
    if (system(cmd) != 0) {
        fail(fwpack, "fwpack keygen failed");
        return 1;
    }

    int count = argc - 3;
    row *rows = calloc((size_t)count, sizeof *rows);
    if (!rows) {
        fail(dir, "out of memory");
        return 1;
    }
    for (int i = 0; i < count; i++) {
        fprintf(stderr, "bench-overhead: %s ...\n", argv[i + 3]);
        if (measure(fwpack, dir, argv[i + 3], &rows[i])) {
            free(rows);
            return 1;
        }
    }
    print_header();
    for (int i = 0; i < count; i++)
        print_row(&rows[i]);
    free(rows);
    return 0;
}
