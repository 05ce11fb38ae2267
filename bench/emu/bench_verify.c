/*
 * bench_verify.c - instruction counts of the device verifier on Cortex-M
 * under QEMU with -icount shift=0 (one instruction = 1 ns of virtual time).
 *
 * One source, two boards (chosen with -D):
 *   BENCH_MPS2      mps2-an385, Cortex-M3: CMSDK timer0 at 25 MHz,
 *                   1 tick = 40 instructions (examples/cortex-m/common/timer.h)
 *   BENCH_MICROBIT  microbit (nRF51822), Cortex-M0: nRF51 TIMER0 at 16 MHz,
 *                   prescaler 0, 32-bit: 1 tick = 62.5 instructions
 * Each run first calibrates: a loop of exactly 2 * 1 000 000 instructions
 * (subs, bne) must give 2 000 000 / (instructions per tick) ticks.
 *
 * Measured, each with the stack painted before and its high-water mark
 * read after (bytes below the caller's stack pointer):
 *   verify     one fwpk_ed25519_verify of a valid signature (vector.h)
 *   sha512     fwpk_sha512 over the first BENCH_SHA_LEN stream bytes
 *   inflate    fwpk_inflate_frame over every frame of the stream (stream.h,
 *              stream.bin: the image deflated with a sync flush every
 *              BENCH_FLUSH input bytes), into a sink that only counts;
 *              then, untimed, again into a sink that hashes the output,
 *              which must match the image's SHA-512
 *   push       the resumable decoder (inflate.h) over the same frames, in
 *              pieces of a frame each, into a flash-backed window: a ring
 *              of BENCH_RING bytes (BENCH_RESERVE of them held back), the
 *              older history read from the image as from memory-mapped
 *              flash (bench_image); then into a RAM window (the context's);
 *              untimed, again with the output hashed, which must match
 *   container  fwpk_begin / fwpk_feed (BENCH_PIECE-byte pieces) /
 *              fwpk_finish on a container packed by build/host/fwpack, with
 *              the flash callbacks writing to RAM (BENCH_FLASH_RAM) or
 *              discarding (too little RAM on the board); FWPK_OK means the
 *              verifier's own image digest check passed.  Then the
 *              container's signature alone, timed, so that run.sh can
 *              subtract the one-off verify from the per-byte cost
 *   nc_rx      the Notecard client's receive path (fwpk_notecard.h) over
 *              the container in NC_PIECE-byte pieces: each piece's dfu.get
 *              reply ({"payload":"<base64>","status":"<md5>"}, made
 *              untimed) scanned a byte at a time, decoded, hashed with MD5
 *              and checked, as nc_client.c does; then the same pieces as
 *              card.binary.get sends them (COBS XOR '\n'), decoded and
 *              hashed.  Per decoded byte: what the client adds to the
 *              verifier's cost
 *   resume     the same container resumed from the record offered at the
 *              middle of the image (captured in an untimed run first):
 *              fwpk_resume_begin / fwpk_feed, jumping to
 *              fwpk_resume_skip()'s offset / fwpk_finish, as a bootloader
 *              does after a power cut.  The verifier reads the image below
 *              the record back through the read callback (from the RAM
 *              flash stub, or on the microbit from the image itself, linked
 *              into flash: BENCH_CIMAGE); timed in all, and up to the resume
 *              point (signature and read-back)
 *
 * Output: one "R NAME VALUE" line per figure (bench/emu/run.sh reads them),
 * "FAIL ..." lines for wrong results; exit status 1 if any check failed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fwpk_notecard.h"
#include "fwpk_verify.h"
#include "inflate.h"
#include "nc_base64.h"
#include "nc_cobs.h"
#include "nc_scan.h"
#include "keyring.h"
#include "stream.h"
#include "vector.h"

#ifndef BENCH_PIECE
#define BENCH_PIECE 4096u
#endif
#ifndef BENCH_RING
#define BENCH_RING 256u
#endif
#ifndef BENCH_RESERVE
#define BENCH_RESERVE 4u
#endif

#include "bench_clock.h"

/* ---- Ed25519 ---- */

static void bench_verify(void)
{
    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    int rc = fwpk_ed25519_verify(bench_sig, bench_pk, bench_msg,
                                 sizeof bench_msg);
    uint32_t t = clk_ticks() - t0;
    report("verify_stack", stack_used());
    report("verify_insns", insns(t));
    if (rc != 0)
        fail("ed25519: a valid signature was refused");
}

/* ---- SHA-512 ---- */

extern const uint8_t bench_stream[], bench_stream_end[];

static void bench_sha512(void)
{
    uint8_t out[64];
    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    fwpk_sha512(out, bench_stream, BENCH_SHA_LEN);
    uint32_t t = clk_ticks() - t0;
    report("sha512_stack", stack_used());
    report("sha512_bytes", BENCH_SHA_LEN);
    report("sha512_insns", insns(t));
    if (memcmp(out, bench_stream_sha512, 64) != 0)
        fail("sha512: wrong digest");
}

/* ---- inflate ---- */

/* The verifier's context; its window also serves the inflate benchmark
 * (16 KiB of RAM on the microbit has no room for a second one). */
static fwpk_ctx ctx;
#define WINDOW_SIZE (1u << BENCH_WINDOW_BITS)
typedef char window_fits[BENCH_WINDOW_BITS <= FWPK_WINDOW_BITS ? 1 : -1];
static uint32_t sunk;
static fwpk_sha512_ctx out_hash;

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
    fwpk_sha512_update(&out_hash, data, len);
    sunk += len;
    return FWPK_OK;
}

static fwpk_err inflate_all(fwpk_sink sink)
{
    fwpk_inflate_state s;
    const uint8_t *p = bench_stream;
    fwpk_err err = FWPK_OK;
    fwpk_inflate_frame_init(&s, ctx.mem.stream.codec.ring, WINDOW_SIZE);
    sunk = 0;
    for (unsigned i = 0; i < BENCH_FRAMES && err == FWPK_OK; i++) {
        err = fwpk_inflate_frame(&s, p, bench_frame_len[i], sink, NULL);
        p += bench_frame_len[i];
    }
    if (err == FWPK_OK && !s.final)
        err = FWPK_ERR_INFLATE;
    return err;
}

static void bench_inflate(void)
{
    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    fwpk_err err = inflate_all(count_sink);
    uint32_t t = clk_ticks() - t0;
    report("inflate_stack", stack_used());
    report("inflate_in_bytes", (uint32_t)(bench_stream_end - bench_stream));
    report("inflate_out_bytes", sunk);
    report("inflate_window", WINDOW_SIZE);
    report("inflate_frames", BENCH_FRAMES);
    report("inflate_insns", insns(t));
    if (err != FWPK_OK || sunk != BENCH_IMAGE_LEN)
        fail("inflate: error or wrong length");

    uint8_t d[64];
    fwpk_sha512_init(&out_hash);
    err = inflate_all(hash_sink);
    fwpk_sha512_final(&out_hash, d);
    if (err != FWPK_OK || memcmp(d, bench_image_sha512, 64) != 0)
        fail("inflate: output differs from the image");
}

/* ---- the resumable decoder ---- */

extern const uint8_t bench_image[];
static fwpk_inflate push_state; /* as a driver's context would hold it */
static uint8_t push_ring[BENCH_RING];
/* the RAM window run uses the context's ring */
typedef char ram_ring_fits[sizeof ctx.mem.stream.codec.ring >= WINDOW_SIZE ? 1 : -1];
static uint32_t far_reads;

static fwpk_err far_image(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    (void)arg;
    memcpy(buf, bench_image + off, len);
    far_reads++;
    return FWPK_OK;
}

/* Every frame in one piece, the window drained into 'sink' after each
 * call; each frame must end on a block boundary (v1), the last with the
 * final block. */
static fwpk_err push_all(uint8_t *ring, uint32_t ring_size, fwpk_far_read far,
                         fwpk_sink sink)
{
    fwpk_window w;
    const uint8_t *p = bench_stream;
    fwpk_err err = FWPK_OK;
    fwpk_inflate_init(&push_state);
    fwpk_window_init(&w, ring, ring_size, WINDOW_SIZE, BENCH_RESERVE, far,
                     NULL);
    sunk = 0;
    far_reads = 0;
    for (unsigned i = 0; i < BENCH_FRAMES && err == FWPK_OK; i++) {
        uint32_t len = bench_frame_len[i];
        int full = 0;
        while (err == FWPK_OK && (len > 0 || full)) {
            const uint8_t *q;
            uint32_t used, k;
            err = fwpk_inflate_push(&push_state, &w, p, len, &used);
            p += used;
            len -= used;
            full = fwpk_window_room(&w) == 0;
            while ((k = fwpk_window_pending(&w, &q)) > 0) {
                sink(NULL, q, k);
                fwpk_window_drain(&w, k);
            }
        }
        if (err == FWPK_OK && !fwpk_inflate_at_boundary(&push_state))
            err = FWPK_ERR_INFLATE;
    }
    if (err == FWPK_OK && !fwpk_inflate_done(&push_state))
        err = FWPK_ERR_INFLATE;
    return err;
}

static void bench_push(void)
{
    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    fwpk_err err = push_all(push_ring, BENCH_RING, far_image, count_sink);
    uint32_t t = clk_ticks() - t0;
    report("push_stack", stack_used());
    report("push_out_bytes", sunk);
    report("push_ring", BENCH_RING);
    report("push_far_reads", far_reads);
    report("push_state_bytes", sizeof push_state);
    report("push_insns", insns(t));
    if (err != FWPK_OK || sunk != BENCH_IMAGE_LEN)
        fail("push: error or wrong length");

    uint8_t d[64];
    fwpk_sha512_init(&out_hash);
    err = push_all(push_ring, BENCH_RING, far_image, hash_sink);
    fwpk_sha512_final(&out_hash, d);
    if (err != FWPK_OK || memcmp(d, bench_image_sha512, 64) != 0)
        fail("push: output differs from the image");

    t0 = clk_ticks();
    err = push_all(ctx.mem.stream.codec.ring, WINDOW_SIZE, NULL, count_sink);
    t = clk_ticks() - t0;
    report("push_ram_insns", insns(t));
    if (err != FWPK_OK || sunk != BENCH_IMAGE_LEN)
        fail("push (RAM window): error or wrong length");
}

/* ---- a whole container ---- */

extern const uint8_t bench_container[], bench_container_end[];

static uint32_t erased, written;
#if BENCH_FLASH_RAM
static uint8_t flash_mem[BENCH_FLASH_SIZE]; /* the RAM flash stub */
#endif

static int in_flash(uint32_t addr, uint32_t len)
{
    return addr >= BENCH_FLASH_BASE && len <= BENCH_FLASH_SIZE &&
           addr - BENCH_FLASH_BASE <= BENCH_FLASH_SIZE - len;
}

static fwpk_err stub_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    if (!in_flash(addr, len))
        return FWPK_ERR_FLASH;
#if BENCH_FLASH_RAM
    memset(flash_mem + (addr - BENCH_FLASH_BASE), 0xff, len);
#endif
    erased += len;
    return FWPK_OK;
}

static fwpk_err stub_write(void *user, uint32_t addr, const uint8_t *data,
                           uint32_t len)
{
    (void)user;
    if (!in_flash(addr, len))
        return FWPK_ERR_FLASH;
#if BENCH_FLASH_RAM
    memcpy(flash_mem + (addr - BENCH_FLASH_BASE), data, len);
#else
    (void)data;
#endif
    written += len;
    return FWPK_OK;
}

#ifdef BENCH_CIMAGE
/* The image the container holds, as flash holds it once written. */
extern const uint8_t bench_cimage[], bench_cimage_end[];
#endif

static fwpk_err stub_read(void *user, uint32_t addr, uint8_t *buf,
                          uint32_t len)
{
    (void)user;
    if (!in_flash(addr, len))
        return FWPK_ERR_FLASH;
#if BENCH_FLASH_RAM
    memcpy(buf, flash_mem + (addr - BENCH_FLASH_BASE), len);
#elif defined(BENCH_CIMAGE)
    /* writes were discarded: what they wrote is the image */
    if (addr - BENCH_FLASH_BASE + len > (uint32_t)(bench_cimage_end - bench_cimage))
        return FWPK_ERR_FLASH;
    memcpy(buf, bench_cimage + (addr - BENCH_FLASH_BASE), len);
#else
    (void)buf;
    return FWPK_ERR_FLASH;
#endif
    return FWPK_OK;
}

static void bench_policy(fwpk_policy *pol, fwpk_flash *fl)
{
    memset(pol, 0, sizeof *pol);
    pol->keys = fwpk_keyring;
    pol->key_count = FWPK_KEYRING_COUNT;
    pol->min_signatures = 1;
    pol->target = "app";
    pol->mcu = BENCH_MCU;
    pol->window_lo = BENCH_FLASH_BASE;
    pol->window_hi = BENCH_FLASH_BASE + BENCH_FLASH_SIZE;
    memset(fl, 0, sizeof *fl);
    fl->erase = stub_erase;
    fl->write = stub_write;
    fl->read = stub_read;
}

static void bench_container_run(void)
{
    fwpk_policy pol;
    fwpk_flash fl;
    bench_policy(&pol, &fl);

    const uint8_t *p = bench_container;
    uint32_t size = (uint32_t)(bench_container_end - bench_container);
    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    fwpk_err err = fwpk_begin(&ctx, &pol, &fl);
    for (uint32_t off = 0; err == FWPK_OK && off < size; off += BENCH_PIECE)
        err = fwpk_feed(&ctx, p + off,
                        size - off < BENCH_PIECE ? size - off : BENCH_PIECE);
    if (err == FWPK_OK)
        err = fwpk_finish(&ctx);
    uint32_t t = clk_ticks() - t0;
    report("container_stack", stack_used());
    report("container_bytes", size);
    report("container_image_bytes", ctx.manifest.own.image_size);
    report("container_written", written);
    report("container_insns", insns(t));
    report("ctx_bytes", sizeof ctx);
    report("ctx_window_bytes", sizeof ctx.mem.stream.codec.ring);
    report("ctx_buf_bytes", sizeof ctx.mem.stream.frame);
    if (err != FWPK_OK) {
        printf("FAIL container: %s\n", fwpk_strerror(err));
        failed = 1;
    } else if (written != ctx.manifest.own.image_size) {
        fail("container: written bytes differ from the image size");
    }

    /* The same signature check alone (SPEC.md 1, 2: Ed25519 over the
     * SHA-512 of header..manifest; the signature block follows), so that
     * run.sh can tell the per-byte cost without the one-off verify. */
    uint32_t signed_len = 12u + (p[6] | (uint32_t)p[7] << 8) +
                          (p[8] | (uint32_t)p[9] << 8);
    uint8_t digest[64];
    fwpk_sha512(digest, p, signed_len);
    t0 = clk_ticks();
    int rc = fwpk_ed25519_verify(p + signed_len + 1 + FWPK_KEY_ID_LEN,
                                 fwpk_keyring[0].pk, digest, sizeof digest);
    t = clk_ticks() - t0;
    report("container_verify_insns", insns(t));
    if (rc != 0)
        fail("container: its signature alone does not verify");
}

/* ---- the Notecard client's receive path ---- */

#define NC_PIECE 1024u
#define NC_TEXT (NC_PIECE / 3 * 4 + 4 + 64)
/* The reply text and the piece borrow the context's buffers, idle between
 * the container and the resume runs: the microbit's 16 KB hold no more
 * beside the painted stack. */
#define nc_text ((char *)ctx.mem.stream.codec.ring)
#define nc_piece (ctx.mem.stream.frame)
typedef char nc_text_fits[sizeof ctx.mem.stream.codec.ring >= NC_TEXT &&
                                  sizeof ctx.mem.stream.frame >= NC_PIECE
                              ? 1
                              : -1];
static uint8_t nc_md5[16];

/* The dfu.get reply to a piece, as the emulator writes it (untimed). */
static uint32_t nc_reply(const uint8_t *d, uint32_t n)
{
    static const char sym[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    static const char hex[] = "0123456789abcdef";
    fwpk_md5_ctx m;
    uint32_t i, len = 0;
    memcpy(nc_text, "{\"payload\":\"", 12);
    len = 12;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)d[i] << 16 |
                     (i + 1 < n ? (uint32_t)d[i + 1] << 8 : 0) |
                     (i + 2 < n ? d[i + 2] : 0);
        nc_text[len++] = sym[v >> 18 & 63];
        nc_text[len++] = sym[v >> 12 & 63];
        nc_text[len++] = i + 1 < n ? sym[v >> 6 & 63] : '=';
        nc_text[len++] = i + 2 < n ? sym[v & 63] : '=';
    }
    memcpy(nc_text + len, "\",\"status\":\"", 12);
    len += 12;
    fwpk_md5_init(&m);
    fwpk_md5_update(&m, d, n);
    fwpk_md5_final(&m, nc_md5);
    for (i = 0; i < 16; i++) {
        nc_text[len++] = hex[nc_md5[i] >> 4];
        nc_text[len++] = hex[nc_md5[i] & 15];
    }
    memcpy(nc_text + len, "\"}", 2);
    return len + 2;
}

/* The piece as card.binary.get sends it (untimed): COBS XOR '\n'. */
static uint32_t nc_cobs_text(const uint8_t *d, uint32_t n)
{
    uint32_t code_at = 0, len = 1, i;
    uint8_t code = 1;
    for (i = 0; i < n; i++) {
        if (d[i] != 0) {
            nc_text[len++] = (char)(d[i] ^ FWPK_NC_COBS_EOP);
            code++;
        }
        if (d[i] == 0 || code == 0xff) {
            nc_text[code_at] = (char)(code ^ FWPK_NC_COBS_EOP);
            code_at = len++;
            code = 1;
        }
    }
    nc_text[code_at] = (char)(code ^ FWPK_NC_COBS_EOP);
    return len;
}

static int nc_check(uint32_t got, uint32_t n, fwpk_md5_ctx *m)
{
    uint8_t d[16];
    fwpk_md5_final(m, d);
    return got == n && memcmp(d, nc_md5, 16) == 0;
}

/* What read_reply (nc_client.c) does per byte of a base64 reply. */
static int nc_rx_base64(uint32_t len, uint32_t n)
{
    static fwpk_nc_scan s;
    static fwpk_nc_b64 b;
    fwpk_md5_ctx m;
    uint32_t i, got = 0;
    uint8_t out[3];
    fwpk_nc_scan_start(&s);
    fwpk_nc_b64_start(&b);
    fwpk_md5_init(&m);
    for (i = 0; i < len; i++) {
        uint8_t ch = (uint8_t)nc_text[i];
        if (fwpk_nc_scan_put(&s, ch, &ch) == FWPK_NC_EV_PAYLOAD) {
            unsigned k = fwpk_nc_b64_put(&b, ch, out);
            if (got + k > NC_PIECE)
                return 0;
            memcpy(nc_piece + got, out, k);
            fwpk_md5_update(&m, out, k);
            got += k;
        }
    }
    return fwpk_nc_scan_done(&s) && !b.bad && nc_check(got, n, &m);
}

static int nc_rx_cobs(uint32_t len, uint32_t n)
{
    static fwpk_nc_cobs c;
    fwpk_md5_ctx m;
    uint32_t i, got = 0;
    uint8_t out;
    fwpk_nc_cobs_start(&c);
    fwpk_md5_init(&m);
    for (i = 0; i < len; i++)
        if (fwpk_nc_cobs_put(&c, (uint8_t)nc_text[i], &out)) {
            if (got >= NC_PIECE)
                return 0;
            nc_piece[got++] = out;
            fwpk_md5_update(&m, &out, 1);
        }
    fwpk_nc_cobs_end(&c);
    return !c.bad && nc_check(got, n, &m);
}

static void bench_nc_rx(void)
{
    const uint8_t *p = bench_container;
    uint32_t size = (uint32_t)(bench_container_end - bench_container);
    uint32_t off, t_b64 = 0, t_cobs = 0, t0;
    int ok = 1;
    for (off = 0; off < size; off += NC_PIECE) {
        uint32_t n = size - off < NC_PIECE ? size - off : NC_PIECE;
        uint32_t len = nc_reply(p + off, n);
        t0 = clk_ticks();
        ok &= nc_rx_base64(len, n);
        t_b64 += clk_ticks() - t0;
        len = nc_cobs_text(p + off, n);
        t0 = clk_ticks();
        ok &= nc_rx_cobs(len, n);
        t_cobs += clk_ticks() - t0;
    }
    report("nc_rx_bytes", size);
    report("nc_rx_piece", NC_PIECE);
    report("nc_rx_base64_insns", insns(t_b64));
    report("nc_rx_cobs_insns", insns(t_cobs));
    if (!ok)
        fail("nc_rx: a piece did not decode to itself");
}

/* ---- a resumed container ---- */

static fwpk_resume mid_record; /* the first offered at half the image */
static int have_mid;

static fwpk_err keep_mid(void *user, const fwpk_resume *rec)
{
    (void)user;
    if (!have_mid && rec->flushed >= ctx.manifest.own.image_size / 2) {
        mid_record = *rec;
        have_mid = 1;
    }
    return FWPK_OK;
}

static fwpk_err feed_all(const uint8_t *p, uint32_t size, int jump,
                         uint32_t *t_jump, uint32_t t0)
{
    fwpk_err err = FWPK_OK;
    uint32_t off = 0;
    while (err == FWPK_OK && off < size) {
        uint32_t n = size - off < BENCH_PIECE ? size - off : BENCH_PIECE;
        err = fwpk_feed(&ctx, p + off, n);
        off += n;
        if (jump && err == FWPK_OK) {
            uint32_t next = fwpk_resume_skip(&ctx);
            if (next > off && *t_jump == 0)
                *t_jump = clk_ticks() - t0;
            if (next > off)
                off = next;
        }
    }
    return err == FWPK_OK ? fwpk_finish(&ctx) : err;
}

static void bench_resume_run(void)
{
    fwpk_policy pol;
    fwpk_flash fl;
    const uint8_t *p = bench_container;
    uint32_t size = (uint32_t)(bench_container_end - bench_container);
    uint32_t t_jump = 0;
    bench_policy(&pol, &fl);

    /* untimed: the records of a whole run, keeping the middle one */
    fl.checkpoint = keep_mid;
    fwpk_err err = fwpk_begin(&ctx, &pol, &fl);
    if (err == FWPK_OK)
        err = feed_all(p, size, 0, &t_jump, 0);
    if (err != FWPK_OK || !have_mid) {
        fail("resume: no record at the middle of the image");
        return;
    }
    fl.checkpoint = NULL;
    written = 0;

    STACK_BEGIN();
    uint32_t t0 = clk_ticks();
    err = fwpk_resume_begin(&ctx, &pol, &fl, &mid_record);
    if (err == FWPK_OK)
        err = feed_all(p, size, 1, &t_jump, t0);
    uint32_t t = clk_ticks() - t0;
    uint32_t released = mid_record.decoded - mid_record.unfilter.count;
    report("resume_stack", stack_used());
    report("resume_flushed", mid_record.flushed);
    report("resume_replayed", released);
    report("resume_compared", mid_record.flushed - released);
    report("resume_written", written);
    report("resume_insns", insns(t));
    report("resume_setup_insns", insns(t_jump));
    if (err != FWPK_OK) {
        printf("FAIL resume: %s\n", fwpk_strerror(err));
        failed = 1;
    } else if (t_jump == 0) {
        fail("resume: never jumped to the record's frame");
    }
}

int main(void)
{
    printf("bench: %s, verifier window 2^%u, frames <= %u, stream window "
           "2^%u, sync flush every %u bytes\n",
           BOARD, (unsigned)FWPK_WINDOW_BITS, (unsigned)FWPK_MAX_FRAME_SIZE,
           (unsigned)BENCH_WINDOW_BITS, (unsigned)BENCH_FLUSH);
    fflush(stdout);
    clk_start();
    calibrate();
    bench_verify();
    bench_sha512();
    bench_inflate();
    bench_push();
    bench_container_run();
    bench_nc_rx();
    bench_resume_run();
    report("failed", (uint32_t)failed);
    return failed;
}
