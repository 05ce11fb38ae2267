/*
 * fuzz_inflate.c - the inflater on arbitrary frames, checked against zlib.
 *
 * Input: the first byte picks the window (512 << (b % 7) bytes), then
 * frames, each a one-byte length and that many bytes, so that the window
 * carries over between frames as on the device.
 *
 * When every frame is accepted, zlib's raw inflate of the frames
 * concatenated must accept them too and produce the same bytes (our
 * window is never larger than zlib's 32 KiB, and every frame holds whole
 * blocks), ending the stream exactly when ours saw the final block.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fwpk_verify.h"

#define OUT_MAX (1u << 20) /* compared up to this much output */

typedef struct {
    uint8_t *out;
    size_t total;
} sink_state;

static fwpk_err sink(void *arg, const uint8_t *d, size_t n)
{
    sink_state *s = arg;
    if (s->total + n <= OUT_MAX)
        memcpy(s->out + s->total, d, n);
    s->total += n;
    return s->total > (1u << 24) ? FWPK_ERR_SIZE : FWPK_OK;
}

static void compare_with_zlib(const uint8_t *in, size_t in_len,
                              const uint8_t *out, size_t out_len, int final)
{
    static uint8_t buf[OUT_MAX + 1];
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -15) != Z_OK)
        abort();
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)in_len;
    z.next_out = buf;
    z.avail_out = sizeof buf;
    int rc = inflate(&z, Z_SYNC_FLUSH);
    size_t got = sizeof buf - z.avail_out;
    inflateEnd(&z);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        abort(); /* zlib calls it invalid deflate; we accepted it */
    if (got != out_len || memcmp(buf, out, out_len) != 0)
        abort(); /* different bytes */
    if (final != (rc == Z_STREAM_END) || z.avail_in != 0)
        abort(); /* the stream ends elsewhere */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t win[32768], out[OUT_MAX], joined[1 << 16];
    fwpk_inflate_state s;
    sink_state st = {out, 0};
    size_t joined_len = 0;
    if (size < 1 || size > sizeof joined)
        return 0;
    fwpk_inflate_frame_init(&s, win, 512u << (data[0] % 7));
    size_t off = 1;
    while (off < size) {
        size_t n = data[off++];
        if (n > size - off)
            n = size - off;
        if (fwpk_inflate_frame(&s, data + off, n, sink, &st) != FWPK_OK)
            return 0;
        memcpy(joined + joined_len, data + off, n);
        joined_len += n;
        off += n;
    }
    if (st.total != s.total) /* every byte produced reached the sink */
        abort();
    if (st.total <= OUT_MAX)
        compare_with_zlib(joined, joined_len, out, st.total, s.final);
    return 0;
}
