/*
 * fuzz_lzma.c - the LZMA decoder (verifier/src/lzmadec.c) on arbitrary
 * streams, checked against liblzma.
 *
 * Input: byte 0 picks lc 0..2, lp 0..1, pb 0..4; byte 1 the dictionary
 * (2^12..2^20); bytes 2-3 the output size - 1 (little-endian); byte 4 the
 * ring (2^4..2^16 bytes, older history from the drained bytes, 'flash')
 * and the seed of the piece sizes (1..64) and drains; the rest is the
 * stream.
 *
 * Our verdict must be liblzma's (raw LZMA1 of exactly that size, no end
 * marker, every input byte used): accepted by both with the same bytes,
 * or refused by both; ours refuses bad data only with FWPK_ERR_INFLATE,
 * and the far reader is only asked for bytes already drained.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../support/lzma_ref.h"
#include "lzmadec.h"

#define HEAD 5

typedef struct {
    uint8_t *flash;
    uint32_t drained;
} sink;

static fwpk_err far_read(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    sink *k = arg;
    if ((uint64_t)off + len > k->drained)
        abort(); /* history not yet drained */
    memcpy(buf, k->flash + off, len);
    return FWPK_OK;
}

static uint32_t next(uint32_t *x)
{
    *x = *x * 1103515245u + 12345u;
    return *x >> 16;
}

static void drain(fwpk_window *w, sink *k, uint32_t *x)
{
    const uint8_t *p;
    uint32_t n;
    while ((n = fwpk_window_pending(w, &p)) > 0) {
        if (fwpk_window_room(w) > 0 && next(x) % 4 == 0)
            return;
        memcpy(k->flash + k->drained, p, n);
        k->drained += n;
        fwpk_window_drain(w, n);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fwpk_lzma s;
    static uint8_t ring[1 << 16], flash[1 << 16], ref[1 << 16];
    if (size < HEAD)
        return 0;
    uint8_t props = (uint8_t)((data[0] / 6 % 5 * 5 + data[0] / 3 % 2) * 9 +
                              data[0] % 3);
    uint32_t dict = 1u << (12 + data[1] % 9);
    uint32_t out_size = (uint32_t)(data[2] | data[3] << 8) + 1;
    uint32_t ring_size = 1u << (4 + data[4] % 13), x = data[4];
    const uint8_t *in = data + HEAD;
    uint32_t n = (uint32_t)(size - HEAD), at = 0, used;
    sink k = {flash, 0};
    fwpk_window w;
    fwpk_err err;

    fwpk_window_init(&w, ring, ring_size, dict, 0,
                     ring_size < dict ? far_read : NULL, &k);
    if (fwpk_lzma_init(&s, props, dict, out_size) != FWPK_OK)
        abort();
    for (err = FWPK_OK; err == FWPK_OK;) {
        uint32_t piece = 1 + next(&x) % 64, before = w.total;
        if (piece > n - at)
            piece = n - at;
        err = fwpk_lzma_push(&s, &w, in + at, piece, &used);
        if (used > piece)
            abort();
        at += used;
        drain(&w, &k, &x);
        if (at == n && w.total == before && used == 0)
            break; /* input used up, nothing more comes out */
    }
    while (w.total != w.drained) {
        x = 1; /* drain everything */
        drain(&w, &k, &x);
    }
    int ours = err == FWPK_OK && fwpk_lzma_done(&s);
    if (err != FWPK_OK && err != FWPK_ERR_INFLATE)
        abort(); /* bad data is FWPK_ERR_INFLATE, nothing else */
    if (ours && k.drained != out_size)
        abort();
    int theirs = lzma_ref_decode(in, n, props, dict, ref, out_size);
    if (theirs < 0 || ours != theirs)
        abort(); /* a different verdict */
    if (ours && memcmp(ref, flash, out_size) != 0)
        abort(); /* different bytes */
    return 0;
}
