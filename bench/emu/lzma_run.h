/*
 * lzma_run.h - the decoding run that bench_lzma.c (Cortex-M) and
 * bench_lzma_avr.c (AVR) time: the stream (lzma_stream.h) fed to the
 * device's decoder in pieces, as frames would bring it, through a ring;
 * older history read back from the image, as the flash-backed window reads
 * flash already written; the output drained into a counter, or into
 * SHA-512 when 'hashing'.  Static: one includer per program, which first
 * defines how its memory is read:
 *   static const uint8_t *stream_piece(uint32_t off, uint32_t n);
 *       stream bytes [off, off + n), valid until the next call
 *   static void image_read(uint8_t *dst, uint32_t off, uint32_t n);
 *       image bytes [off, off + n)
 */
#ifndef LZMA_RUN_H
#define LZMA_RUN_H

#include <stdint.h>

#include "fwpk_verify.h"
#include "lzmadec.h"

static fwpk_lzma dec;
static uint32_t drained;
static int hashing;
static fwpk_sha512_ctx out_hash;

/* Only bytes already drained are in 'flash'. */
static fwpk_err far_read(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    (void)arg;
    if (off + len > drained)
        return FWPK_ERR_FLASH; /* never asked for bytes not yet written */
    image_read(buf, off, len);
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

/* The whole stream, 'piece' bytes at a time, through ring[0, ring_size),
 * far reads when 'far'; FWPK_ERR_INFLATE if it does not end. */
static fwpk_err decode_all(uint8_t *ring, uint32_t ring_size, int far,
                           uint32_t piece)
{
    fwpk_window w;
    uint32_t dict = (uint32_t)1 << BENCH_LZMA_DICT_BITS, off = 0, used;
    fwpk_err err = fwpk_lzma_init(&dec, BENCH_LZMA_PROPS, dict,
                                  BENCH_LZMA_IMAGE_LEN);
    fwpk_window_init(&w, ring, ring_size, dict, 0, far ? far_read : NULL,
                     NULL);
    drained = 0;
    while (err == FWPK_OK && off < BENCH_LZMA_LEN) {
        uint32_t n = BENCH_LZMA_LEN - off < piece ? BENCH_LZMA_LEN - off
                                                   : piece;
        const uint8_t *p = stream_piece(off, n);
        off += n;
        while (err == FWPK_OK && n > 0) {
            err = fwpk_lzma_push(&dec, &w, p, n, &used);
            drain(&w);
            p += used;
            n -= used;
        }
    }
    while (err == FWPK_OK && !fwpk_lzma_done(&dec)) { /* a last match */
        uint32_t before = w.total;
        err = fwpk_lzma_push(&dec, &w, NULL, 0, &used);
        drain(&w);
        if (w.total == before)
            break;
    }
    if (err == FWPK_OK && !fwpk_lzma_done(&dec))
        err = FWPK_ERR_INFLATE;
    return err;
}

#endif
