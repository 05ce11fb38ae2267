/*
 * bench_patch.c - instruction counts of the delta applier
 * (verifier/src/patch.c, format/SPEC.md 6.5) on Cortex-M under QEMU
 * -icount shift=0, on the boards and clocks of bench_verify.c
 * (bench_clock.h).
 *
 * The patch (patch.bin, gen_patch) makes the Cortex-M0+ application of
 * mk/delta-pairs.mk with one function edited from its release (base.bin),
 * Thumb-filtered, before any codec: the applier alone.  It is fed in
 * BENCH_PIECE-byte pieces; the base is read as memory-mapped flash
 * (fwpk_flash.mapped), 16 bytes at a time, as patch.c does.
 *   base    fwpk_patch_start: the base's SHA-512 and the checks before
 *           any erase
 *   apply   fwpk_patch_push over the whole patch into a sink that counts
 * Then, untimed, the run again hashing the output, which must be the
 * filtered new image.  Reported: "R patch_<run>_insns", stack, sizes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench_clock.h"
#include "fwpk_verify.h"
#include "patch.h"
#include "patch_stream.h"

#ifndef BENCH_PIECE
#define BENCH_PIECE 4096u
#endif
#define BASE_AT 0x00100000u /* the base's address as the applier sees it */

extern const uint8_t bench_patch[], bench_patch_base[];

static fwpk_patch p;
static fwpk_target t;
static fwpk_flash f;
static fwpk_sha512_ctx h, out_hash;
static uint8_t scratch[256];
static uint32_t made;
static int hashing;

static fwpk_err sink(void *arg, const uint8_t *d, size_t n)
{
    (void)arg;
    if (hashing)
        fwpk_sha512_update(&out_hash, d, n);
    made += (uint32_t)n;
    return FWPK_OK;
}

static fwpk_err start(const uint8_t *digest)
{
    memset(&t, 0, sizeof t);
    memcpy(t.base_digest, digest, FWPK_HASH_LEN);
    t.image_size = BENCH_PATCH_IMAGE_LEN;
    t.base_size = BENCH_PATCH_BASE_LEN;
    t.patch_size = BENCH_PATCH_LEN;
    t.filter = FWPK_FILTER_THUMB;
    t.erase_block = 1024;
    t.segment_count = 1;
    t.segments[0].addr = BENCH_PATCH_ADDR;
    t.segments[0].len = BENCH_PATCH_IMAGE_LEN;
    memset(&f, 0, sizeof f);
    f.mapped = bench_patch_base;
    f.mapped_base = BASE_AT;
    f.base_addr = BASE_AT;
    return fwpk_patch_start(&p, &t, &f, &h, scratch, sizeof scratch);
}

static fwpk_err apply(void)
{
    fwpk_err err = FWPK_OK;
    uint32_t off;
    made = 0;
    for (off = 0; err == FWPK_OK && off < BENCH_PATCH_LEN; off += BENCH_PIECE) {
        uint32_t n = BENCH_PATCH_LEN - off;
        err = fwpk_patch_push(&p, bench_patch + off,
                              n < BENCH_PIECE ? n : BENCH_PIECE, sink, NULL);
    }
    return err == FWPK_OK && !fwpk_patch_done(&p) ? FWPK_ERR_PATCH : err;
}

int main(void)
{
    uint8_t d[64];
    printf("bench patch: %s, %lu bytes from a %lu-byte patch and a %lu-byte "
           "base\n", BOARD, (unsigned long)BENCH_PATCH_IMAGE_LEN,
           (unsigned long)BENCH_PATCH_LEN, (unsigned long)BENCH_PATCH_BASE_LEN);
    fflush(stdout);
    clk_start();
    calibrate();
    report("patch_out_bytes", BENCH_PATCH_IMAGE_LEN);
    report("patch_in_bytes", BENCH_PATCH_LEN);
    report("patch_base_bytes", BENCH_PATCH_BASE_LEN);
    report("patch_state_bytes", sizeof p);
    /* the base's digest: the manifest's, as the packer computed it */
    fwpk_sha512(d, bench_patch_base, BENCH_PATCH_BASE_LEN);
    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    fwpk_err err = start(d);
    uint32_t t1 = clk_ticks();
    if (err == FWPK_OK)
        err = apply();
    uint32_t t2 = clk_ticks();
    report("patch_stack", stack_used());
    report("patch_base_insns", insns(t1 - t0));
    report("patch_apply_insns", insns(t2 - t1));
    if (err != FWPK_OK || made != BENCH_PATCH_IMAGE_LEN)
        fail("patch: error or wrong length");
    hashing = 1;
    fwpk_sha512_init(&out_hash);
    err = start(d);
    if (err == FWPK_OK)
        err = apply();
    fwpk_sha512_final(&out_hash, d);
    if (err != FWPK_OK || memcmp(d, bench_patch_image_sha512, 64) != 0)
        fail("patch: output differs from the image");
    report("failed", (uint32_t)failed);
    return failed;
}
