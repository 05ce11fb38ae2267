/*
 * bench_lzma.c - instruction counts of the device's LZMA decoder
 * (verifier/src/lzmadec.c) on Cortex-M under QEMU -icount shift=0, on the
 * same boards and clocks as bench_verify.c (bench_clock.h).
 *
 * The stream (lzma.bin and lzma_stream.h, gen lzma) is the benchmark image's first bytes as
 * fwpack --codec lzma compresses them (preset 9e, lc 0 lp 1 pb 1, no
 * filter).  It is fed in BENCH_PIECE-byte pieces, as frames would bring
 * it, and decoded through a ring of RING bytes:
 *   far_<RING>   a small ring; older history read back from 'flash' (the
 *                image, memory-mapped here: bytes already written), as the
 *                flash-backed window does
 *   ram          (where the board has the RAM) a ring holding the whole
 *                dictionary, no flash reads
 * Each timed run drains into a counter; then, untimed, the run is
 * repeated hashing the output, which must be the image.  Reported: "R
 * lzma_<run>_insns", "_stack" (painted), and the sizes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "bench_clock.h"
#include "fwpk_verify.h"
#include "lzma_stream.h"

#ifndef BENCH_PIECE
#define BENCH_PIECE 4096u
#endif

extern const uint8_t bench_lzma[], bench_lzma_end[];
extern const uint8_t bench_lzma_image[];

static uint8_t ring[BENCH_RING_MAX];

/* The stream and the image are in flash, read in place. */
static const uint8_t *stream_piece(uint32_t off, uint32_t n)
{
    (void)n;
    return bench_lzma + off;
}

static void image_read(uint8_t *dst, uint32_t off, uint32_t n)
{
    memcpy(dst, bench_lzma_image + off, n);
}

#include "lzma_run.h"

static void bench_run(const char *name, uint32_t ring_size, int far)
{
    char key[48];
    hashing = 0;
    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    fwpk_err err = decode_all(ring, ring_size, far, BENCH_PIECE);
    uint32_t t = clk_ticks() - t0;
    snprintf(key, sizeof key, "lzma_%s_stack", name);
    report(key, stack_used());
    snprintf(key, sizeof key, "lzma_%s_ring", name);
    report(key, ring_size);
    snprintf(key, sizeof key, "lzma_%s_insns", name);
    report(key, insns(t));
    if (err != FWPK_OK || drained != BENCH_LZMA_IMAGE_LEN)
        fail("lzma: error or wrong length");

    uint8_t d[64];
    hashing = 1;
    fwpk_sha512_init(&out_hash);
    err = decode_all(ring, ring_size, far, BENCH_PIECE);
    fwpk_sha512_final(&out_hash, d);
    if (err != FWPK_OK || memcmp(d, bench_lzma_image_sha512, 64) != 0)
        fail("lzma: output differs from the image");
}

int main(void)
{
    printf("bench lzma: %s, %lu bytes from %lu, dictionary 2^%u, pieces of "
           "%u\n", BOARD, (unsigned long)BENCH_LZMA_IMAGE_LEN,
           (unsigned long)BENCH_LZMA_LEN, (unsigned)BENCH_LZMA_DICT_BITS,
           (unsigned)BENCH_PIECE);
    fflush(stdout);
    clk_start();
    calibrate();
    report("lzma_out_bytes", BENCH_LZMA_IMAGE_LEN);
    report("lzma_in_bytes", BENCH_LZMA_LEN);
    report("lzma_state_bytes", sizeof dec);
    report("lzma_probs_bytes", sizeof dec.probs);
    bench_run("far_256", 256, 1);
    bench_run("far_4096", 4096, 1);
    if (BENCH_RING_MAX >= (1u << BENCH_LZMA_DICT_BITS))
        bench_run("ram", 1u << BENCH_LZMA_DICT_BITS, 0);
    report("failed", (uint32_t)failed);
    return failed;
}
