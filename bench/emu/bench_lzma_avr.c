/*
 * bench_lzma_avr.c - cycles per output byte of the device's LZMA decoder
 * (verifier/src/lzmadec.c) on AVR under simavr, on an ATmega1284P: the
 * probability table (6.8 KB at lc + lp = 1) does not fit an ATmega328P's
 * 2 KB; the core and its instruction timings are the same.
 *
 * The stream (gen lzma: preset 9e, lc 0 lp 1 pb 1, no filter, a dictionary
 * as large as the slice) and the image it decodes to are in program memory.
 * The stream is copied into RAM in PIECE-byte pieces (the copies are not
 * timed), as frames would bring it, and decoded through a RING-byte ring;
 * older history is read back from the image in program memory, as the
 * flash-backed window reads back flash already written.  Timed: the
 * decoder and draining its output into a counter.  Then, untimed, the
 * same into SHA-512, which must give the image's digest.
 *
 * Output on the UART (avr_clock.h): "R lzma_cycles", "_in_bytes",
 * "_out_bytes", "_ring", "_state_bytes", "_probs_bytes", "_stack".
 */
#include "avr_clock.h"
#include "fwpk_verify.h"
#include "lzmadec.h"

#define BENCH_ROM PROGMEM
#include "lzma_stream.h"

#define PIECE 128u
#define RING 256u

extern const uint8_t bench_lzma[] PROGMEM;
extern const uint8_t bench_lzma_end[] PROGMEM;
extern const uint8_t bench_lzma_image[] PROGMEM;

static fwpk_lzma dec;
static uint8_t ring[RING];
static uint8_t piece[PIECE];
static uint32_t drained;
static uint8_t hashing;
static fwpk_sha512_ctx out_hash;

/* Bytes already drained are in 'flash': the image, in program memory. */
static fwpk_err far_read(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    (void)arg;
    if (off + len > drained)
        return FWPK_ERR_FLASH; /* never asked for bytes not yet written */
    memcpy_P(buf, bench_lzma_image + off, len);
    return FWPK_OK;
}

static void drain(fwpk_window *w)
{
    const uint8_t *p;
    uint32_t n;
    while ((n = fwpk_window_pending(w, &p)) > 0) {
        if (hashing)
            fwpk_sha512_update(&out_hash, p, n);
        drained += n;
        fwpk_window_drain(w, n);
    }
}

static fwpk_err decode_all(uint64_t *cyc)
{
    fwpk_window w;
    uint16_t size = (uint16_t)(bench_lzma_end - bench_lzma), off = 0;
    uint32_t dict = 1ul << BENCH_LZMA_DICT_BITS, used;
    uint64_t t0 = cycles();
    fwpk_err err = fwpk_lzma_init(&dec, BENCH_LZMA_PROPS, dict,
                                  BENCH_LZMA_IMAGE_LEN);
    fwpk_window_init(&w, ring, sizeof ring, dict, 0, far_read, NULL);
    uint64_t t = cycles() - t0;
    drained = 0;
    while (err == FWPK_OK && off < size) {
        uint16_t n = size - off < PIECE ? size - off : PIECE;
        const uint8_t *p = piece;
        memcpy_P(piece, bench_lzma + off, n);
        off += n;
        t0 = cycles();
        while (err == FWPK_OK && n > 0) {
            err = fwpk_lzma_push(&dec, &w, p, n, &used);
            drain(&w);
            p += used;
            n -= (uint16_t)used;
        }
        t += cycles() - t0;
    }
    t0 = cycles();
    while (err == FWPK_OK && !fwpk_lzma_done(&dec)) { /* a last match */
        uint32_t before = w.total;
        err = fwpk_lzma_push(&dec, &w, NULL, 0, &used);
        drain(&w);
        if (w.total == before)
            break;
    }
    t += cycles() - t0;
    if (err == FWPK_OK && !fwpk_lzma_done(&dec))
        err = FWPK_ERR_INFLATE;
    *cyc = t;
    return err;
}

static void run_lzma(void)
{
    uint64_t t;
    uint8_t d[64], want[64];
    hashing = 0;
    STACK_BEGIN();
    fwpk_err err = decode_all(&t);
    stack_report("lzma_stack", "lzma_depth");
    report("lzma_in_bytes", (uint16_t)(bench_lzma_end - bench_lzma));
    report("lzma_out_bytes", drained);
    report("lzma_ring", RING);
    report("lzma_state_bytes", sizeof dec);
    report("lzma_probs_bytes", sizeof dec.probs);
    report("lzma_cycles", t);
    if (err != FWPK_OK || drained != BENCH_LZMA_IMAGE_LEN)
        fail("lzma: error or wrong length");

    hashing = 1;
    fwpk_sha512_init(&out_hash);
    err = decode_all(&t);
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
