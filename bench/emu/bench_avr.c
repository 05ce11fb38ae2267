/*
 * bench_avr.c - cycle counts of the device verifier on AVR under simavr
 * (simavr -m atmega328p -f 16000000 bench.elf).
 *
 * Timer1 runs at the CPU clock (prescaler 1); its overflow interrupt
 * extends it to 48 bits, so it counts cycles.  Each run first calibrates
 * it against _delay_loop_2 (exactly 4 cycles per iteration).  The
 * interrupt costs about 58 cycles per 65536, 0.09 %, which stays in the
 * figures.
 *
 * Measured, each with the stack painted (from the end of .bss up to the
 * caller's frame) before and its high-water mark read after:
 *   verify     one fwpk_ed25519_verify of a valid signature (vector.h);
 *              key, signature and message copied to RAM first
 *   sha512     fwpk_sha512_update over the first BENCH_SHA_LEN stream
 *              bytes, in 128-byte pieces copied from flash (the copies are
 *              not timed), then fwpk_sha512_final
 *   inflate    fwpk_inflate_frame over every frame of stream.bin, each
 *              copied from flash into a FWPK_MAX_FRAME_SIZE buffer (not
 *              timed), into a sink that only counts; then, untimed, again
 *              into a sink that hashes the output (must match the image)
 *   container  (BENCH_CONTAINER, the atmega1284p build only: the context
 *              does not fit in 2 KB) fwpk_begin / fwpk_feed / fwpk_finish
 *              on a container for the atmega328p profile, fed in
 *              128-byte pieces copied from flash (copies not timed), flash
 *              writes discarded; then its signature alone, timed, so that
 *              run.sh can subtract the one-off verify
 *
 * The atmega1284p has the same AVR core and instruction timings as the
 * atmega328p (16-bit program counter, 2-byte return addresses); the same
 * SHA-512 code measured on both gives the same cycle count.  run.sh runs
 * the 328p build only when it fits in 2 KB of RAM.
 *
 * Output on the UART (simavr prints it): "R NAME VALUE" lines, "FAIL ..."
 * for wrong results.  Ends with cli + sleep, which stops simavr.
 */
#include "avr_clock.h"
#include "fwpk_verify.h"

#define BENCH_ROM PROGMEM
#include "stream.h"
#include "vector.h"
#ifdef BENCH_CONTAINER
#include "keyring.h"
#endif

/* ---- Ed25519 ---- */

static void bench_verify(void)
{
    uint8_t pk[32], sig[64], msg[64];
    memcpy_P(pk, bench_pk, sizeof pk);
    memcpy_P(sig, bench_sig, sizeof sig);
    memcpy_P(msg, bench_msg, sizeof msg);
    STACK_BEGIN();
    uint64_t t0 = cycles();
    int rc = fwpk_ed25519_verify(sig, pk, msg, sizeof msg);
    uint64_t t = cycles() - t0;
    stack_report("verify_stack", "verify_depth");
    report("verify_cycles", t);
    if (rc != 0)
        fail("ed25519: a valid signature was refused");
}

/* ---- SHA-512 ---- */

extern const uint8_t bench_stream[] PROGMEM;
extern const uint8_t bench_stream_end[] PROGMEM;

static fwpk_sha512_ctx hash;
static uint8_t frame[FWPK_MAX_FRAME_SIZE]; /* also the pieces of the others */
#define PIECE 128u

static void bench_sha512(void)
{
    uint8_t out[64], want[64];
    uint64_t t = 0, t0;
    STACK_BEGIN();
    t0 = cycles();
    fwpk_sha512_init(&hash);
    t += cycles() - t0;
    for (uint16_t off = 0; off < BENCH_SHA_LEN; off += PIECE) {
        uint16_t n = BENCH_SHA_LEN - off < PIECE ? (uint16_t)(BENCH_SHA_LEN - off)
                                                 : (uint16_t)PIECE;
        memcpy_P(frame, bench_stream + off, n);
        t0 = cycles();
        fwpk_sha512_update(&hash, frame, n);
        t += cycles() - t0;
    }
    t0 = cycles();
    fwpk_sha512_final(&hash, out);
    t += cycles() - t0;
    stack_report("sha512_stack", "sha512_depth");
    report("sha512_bytes", BENCH_SHA_LEN);
    report("sha512_cycles", t);
    memcpy_P(want, bench_stream_sha512, sizeof want);
    if (memcmp(out, want, sizeof out) != 0)
        fail("sha512: wrong digest");
}

/* ---- inflate ---- */

static uint8_t window[1u << BENCH_WINDOW_BITS];
static uint32_t sunk;

static fwpk_err count_sink(void *arg, const uint8_t *data, size_t len)
{
    (void)arg;
    (void)data;
    sunk += len;
    return FWPK_OK;
}

static fwpk_err hash_sink(void *arg, const uint8_t *data, size_t len)
{
    (void)arg;
    fwpk_sha512_update(&hash, data, len);
    sunk += len;
    return FWPK_OK;
}

static fwpk_err inflate_all(fwpk_sink sink, uint64_t *cyc)
{
    fwpk_inflate_state s;
    uint16_t off = 0;
    fwpk_err err = FWPK_OK;
    uint64_t t = 0, t0;
    fwpk_inflate_frame_init(&s, window, sizeof window);
    sunk = 0;
    for (uint16_t i = 0; i < BENCH_FRAMES && err == FWPK_OK; i++) {
        uint16_t n = pgm_read_word(&bench_frame_len[i]);
        if (n > sizeof frame)
            return FWPK_ERR_FRAME;
        memcpy_P(frame, bench_stream + off, n);
        off += n;
        t0 = cycles();
        err = fwpk_inflate_frame(&s, frame, n, sink, NULL);
        t += cycles() - t0;
    }
    if (err == FWPK_OK && !s.final)
        err = FWPK_ERR_INFLATE;
    *cyc = t;
    return err;
}

static void bench_inflate(void)
{
    uint64_t t;
    STACK_BEGIN();
    fwpk_err err = inflate_all(count_sink, &t);
    stack_report("inflate_stack", "inflate_depth");
    report("inflate_in_bytes", (uint16_t)(bench_stream_end - bench_stream));
    report("inflate_out_bytes", sunk);
    report("inflate_window", sizeof window);
    report("inflate_frame_buf", sizeof frame);
    report("inflate_cycles", t);
    if (err != FWPK_OK || sunk != BENCH_IMAGE_LEN)
        fail("inflate: error or wrong length");

    uint8_t d[64], want[64];
    fwpk_sha512_init(&hash);
    err = inflate_all(hash_sink, &t);
    fwpk_sha512_final(&hash, d);
    memcpy_P(want, bench_image_sha512, sizeof want);
    if (err != FWPK_OK || memcmp(d, want, sizeof d) != 0)
        fail("inflate: output differs from the image");
}

/* ---- a whole container (atmega1284p build) ---- */

#ifdef BENCH_CONTAINER
extern const uint8_t bench_container[] PROGMEM;
extern const uint8_t bench_container_end[] PROGMEM;

static fwpk_ctx ctx;
static uint32_t written;

static fwpk_err stub_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    return addr + len <= BENCH_FLASH_SIZE ? FWPK_OK : FWPK_ERR_FLASH;
}

static fwpk_err stub_write(void *user, uint32_t addr, const uint8_t *data,
                           uint32_t len)
{
    (void)user;
    (void)data;
    written += len;
    return addr + len <= BENCH_FLASH_SIZE ? FWPK_OK : FWPK_ERR_FLASH;
}

static void bench_container_run(void)
{
    fwpk_policy pol;
    fwpk_flash fl;
    memset(&pol, 0, sizeof pol);
    pol.keys = fwpk_keyring; /* in RAM: avr-gcc puts const data there */
    pol.key_count = FWPK_KEYRING_COUNT;
    pol.min_signatures = 1;
    pol.target = "app"; /* the verifier reads RAM strings */
    pol.mcu = BENCH_MCU;
    pol.window_lo = 0;
    pol.window_hi = BENCH_FLASH_SIZE;
    memset(&fl, 0, sizeof fl);
    memset(&fl, 0, sizeof fl);
    fl.erase = stub_erase;
    fl.write = stub_write;

    uint16_t size = (uint16_t)(bench_container_end - bench_container);
    uint64_t t = 0, t0;
    STACK_BEGIN();
    t0 = cycles();
    fwpk_err err = fwpk_begin(&ctx, &pol, &fl);
    t += cycles() - t0;
    for (uint16_t off = 0; err == FWPK_OK && off < size; off += PIECE) {
        uint16_t n = size - off < PIECE ? size - off : PIECE;
        memcpy_P(frame, bench_container + off, n);
        t0 = cycles();
        err = fwpk_feed(&ctx, frame, n);
        t += cycles() - t0;
    }
    if (err == FWPK_OK) {
        t0 = cycles();
        err = fwpk_finish(&ctx);
        t += cycles() - t0;
    }
    stack_report("container_stack", "container_depth");
    report("container_bytes", size);
    report("container_image_bytes", ctx.manifest.own.image_size);
    report("container_cycles", t);
    report("ctx_bytes", sizeof ctx);
    report("ctx_window_bytes", sizeof ctx.mem.stream.codec.ring);
    report("ctx_buf_bytes", sizeof ctx.mem.stream.frame);
    if (err != FWPK_OK) {
        printf_P(PSTR("FAIL container: %s\n"), fwpk_strerror(err));
        failed = 1;
    } else if (written != ctx.manifest.own.image_size) {
        fail("container: written bytes differ from the image size");
    }

    /* The same signature check alone (SPEC.md 1, 2: Ed25519 over the
     * SHA-512 of header..manifest; the signature block follows), so that
     * run.sh can tell the per-byte cost without the one-off verify. */
    uint8_t hdr[12], digest[64], sig[64];
    memcpy_P(hdr, bench_container, sizeof hdr);
    uint16_t signed_len = 12u + (hdr[6] | (uint16_t)hdr[7] << 8) +
                          (hdr[8] | (uint16_t)hdr[9] << 8);
    fwpk_sha512_init(&hash);
    for (uint16_t off = 0; off < signed_len; off += PIECE) {
        uint16_t n = signed_len - off < PIECE ? signed_len - off : PIECE;
        memcpy_P(frame, bench_container + off, n);
        fwpk_sha512_update(&hash, frame, n);
    }
    fwpk_sha512_final(&hash, digest);
    memcpy_P(sig, bench_container + signed_len + 1 + FWPK_KEY_ID_LEN,
             sizeof sig);
    t0 = cycles();
    int rc = fwpk_ed25519_verify(sig, fwpk_keyring[0].pk, digest,
                                 sizeof digest);
    t = cycles() - t0;
    report("container_verify_cycles", t);
    if (rc != 0)
        fail("container: its signature alone does not verify");
}
#endif

int main(void)
{
    bench_start();
    printf_P(PSTR("bench: avr, verifier window 2^%u, frames <= %u\n"),
             (unsigned)FWPK_WINDOW_BITS, (unsigned)FWPK_MAX_FRAME_SIZE);
    bench_ram_and_calibrate();
    bench_verify();
    bench_sha512();
    bench_inflate();
#ifdef BENCH_CONTAINER
    bench_container_run();
#endif
    bench_end();
}
