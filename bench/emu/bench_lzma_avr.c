/*
 * bench_lzma_avr.c - cycles per output byte of the device's LZMA decoder
 * (verifier/src/lzmadec.c) on AVR under simavr, on an ATmega1284P: the
 * probability table (6.8 KB at lc + lp = 1) does not fit an ATmega328P's
 * 2 KB; the core and its instruction timings are the same.
 *
 * The stream (gen lzma: preset 9e, lc 0 lp 1 pb 1, no filter, a dictionary
 * as large as the slice) and the image it decodes to are in program memory.
 * The run is lzma_run.h's: the stream copied into RAM in PIECE-byte pieces,
 * as frames would bring it (about 1 cycle per output byte of the figure),
 * decoded through a RING-byte ring, older history read back from the image
 * in program memory, as the flash-backed window reads back flash already
 * written, the output drained into a counter.  Then, untimed, the same
 * into SHA-512, which must give the image's digest.
 *
 * Output on the UART (avr_clock.h): "R lzma_cycles", "_in_bytes",
 * "_out_bytes", "_ring", "_state_bytes", "_probs_bytes", "_stack".
 */
#include "avr_clock.h"
#include "fwpk_verify.h"

#define BENCH_ROM PROGMEM
#include "lzma_stream.h"

#define PIECE 128u
#define RING 256u

extern const uint8_t bench_lzma[] PROGMEM;
extern const uint8_t bench_lzma_image[] PROGMEM;

static uint8_t ring[RING];
static uint8_t piece[PIECE];

/* Program memory is read with memcpy_P: a piece of the stream into RAM,
 * as a frame would arrive. */
static const uint8_t *stream_piece(uint32_t off, uint32_t n)
{
    memcpy_P(piece, bench_lzma + off, n);
    return piece;
}

static void image_read(uint8_t *dst, uint32_t off, uint32_t n)
{
    memcpy_P(dst, bench_lzma_image + off, n);
}

#include "lzma_run.h"

static void run_lzma(void)
{
    uint8_t d[64], want[64];
    hashing = 0;
    STACK_BEGIN();
    uint64_t t0 = cycles();
    fwpk_err err = decode_all(ring, sizeof ring, 1, PIECE);
    uint64_t t = cycles() - t0;
    stack_report("lzma_stack", "lzma_depth");
    report("lzma_in_bytes", BENCH_LZMA_LEN);
    report("lzma_out_bytes", drained);
    report("lzma_ring", RING);
    report("lzma_state_bytes", sizeof dec);
    report("lzma_probs_bytes", sizeof dec.probs);
    report("lzma_cycles", t);
    if (err != FWPK_OK || drained != BENCH_LZMA_IMAGE_LEN)
        fail("lzma: error or wrong length");

    hashing = 1;
    fwpk_sha512_init(&out_hash);
    err = decode_all(ring, sizeof ring, 1, PIECE);
    fwpk_sha512_final(&out_hash, d);
    memcpy_P(want, bench_lzma_image_sha512, sizeof want);
    if (err != FWPK_OK || memcmp(d, want, sizeof d) != 0)
        fail("lzma: output differs from the image");
}

int main(void)
{
    bench_start();
    printf_P(PSTR("bench: avr lzma, dictionary 2^%u, ring %u B\n"),
             (unsigned)BENCH_LZMA_DICT_BITS, (unsigned)RING);
    bench_ram_and_calibrate();
    run_lzma();
    bench_end();
}
