/*
 * gen_patch.c - bench_patch's test data (mk/bench-emu.mk, make
 * bench-patch): the patch that makes the NEW program from the OLD one,
 * as fwpack pack --base makes it (fwp_delta_make, Thumb filter), before
 * any codec: what the device's applier (verifier/src/patch.c) reads.
 *
 * Usage: gen_patch OLD.elf NEW.elf DIR - writes DIR/base.bin (the old
 * image as the device holds it), DIR/patch.bin and DIR/patch_stream.h
 * (sizes, the address, and the SHA-512 of the filtered new image, which
 * the applier must make).
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "fwpack.h"

#define ADDR 0x08000000u /* where the bench's image would go */

static void out(const char *dir, const char *name, const void *d, size_t n)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(d, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "gen_patch: cannot write %s\n", path);
        exit(1);
    }
}

static uint8_t *load(const char *path, uint32_t *len)
{
    fwp_image img = {0};
    fwp_err err;
    uint8_t *b;
    if (fwp_input_load(path, 0, 0, &img, &err) ||
        fwp_base_flatten(&img, path, &b, len, &err)) {
        fprintf(stderr, "gen_patch: %s\n", err.msg);
        exit(1);
    }
    fwp_image_free(&img);
    return b;
}

int main(int argc, char **argv)
{
    uint32_t bn, nn;
    fwp_buf patch = {0};
    fwp_err err;
    uint8_t h[64];
    char text[1024];
    if (argc != 4) {
        fprintf(stderr, "usage: gen_patch OLD.elf NEW.elf DIR\n");
        return 2;
    }
    uint8_t *base = load(argv[1], &bn), *nw = load(argv[2], &nn);
    fwp_filter_apply(FWPK_FILTER_THUMB, nw, nn, ADDR);
    if (fwp_delta_make(base, bn, FWPK_FILTER_THUMB, ADDR, nw, nn, &patch,
                       &err)) {
        fprintf(stderr, "gen_patch: %s\n", err.msg);
        return 1;
    }
    crypto_hash_sha512(h, nw, nn);
    out(argv[3], "base.bin", base, bn);
    out(argv[3], "patch.bin", patch.data, patch.len);
    int n = snprintf(text, sizeof text,
                     "/* gen_patch %s %s */\n#define BENCH_PATCH_ADDR 0x%08xu\n"
                     "#define BENCH_PATCH_BASE_LEN %uu\n"
                     "#define BENCH_PATCH_IMAGE_LEN %uu\n"
                     "#define BENCH_PATCH_LEN %uu\n"
                     "static const uint8_t bench_patch_image_sha512[64] = {",
                     argv[1], argv[2], ADDR, (unsigned)bn, (unsigned)nn,
                     (unsigned)patch.len);
    for (int i = 0; i < 64; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "%s0x%02x",
                      i ? "," : "", h[i]);
    n += snprintf(text + n, sizeof text - (size_t)n, "};\n");
    out(argv[3], "patch_stream.h", text, (size_t)n);
    printf("gen_patch: base %u bytes, image %u, patch %zu\n", (unsigned)bn,
           (unsigned)nn, patch.len);
    return 0;
}
