/*
 * fuzz_inflate.c - the inflaters on arbitrary frames, checked against zlib.
 *
 * Input: the first byte b picks the dictionary (512 << (b % 7) bytes) and,
 * with b / 7, the resumable decoder's ring (1 << (b / 7 % 9) bytes) and
 * piece size; then frames, each a one-byte length and that many bytes.
 *
 * Two decoders run on the same bytes:
 *   - the v1 API (fwpk_inflate_frame), frame by frame, so that the window
 *     carries over between frames as on a v1 device;
 *   - the resumable decoder (inflate.h) on the frames as one stream, in
 *     small pieces, through a flash-backed window: a ring of a few bytes,
 *     one of them held back, older history read back from the output
 *     drained so far (a read of anything not yet drained aborts).
 * What either accepts, zlib's raw inflate of the frames concatenated must
 * accept too and give the same bytes (our dictionary is never larger than
 * zlib's 32 KiB), ending the stream exactly where ours saw the final block;
 * and every stream the v1 API accepts the resumable decoder accepts too,
 * with the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fwpk_verify.h"
#include "inflate.h"

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

/* ---- the resumable decoder, flash-backed ---- */

static uint8_t push_out[OUT_MAX];

static fwpk_err far_read(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    const fwpk_window *w = arg;
    if (off > w->drained - w->reserve || len > w->drained - w->reserve - off)
        abort(); /* history not yet in "flash" */
    memcpy(buf, push_out + off, len);
    return FWPK_OK;
}

/* Returns the output length if the stream decodes and ends with the final
 * block, -1 if it is refused (or too long to compare). */
static long push_run(const uint8_t *in, size_t len, uint32_t dict,
                     unsigned sel)
{
    static uint8_t ring[256];
    uint32_t ring_size = 1u << (sel % 9), piece = 1 + sel % 13;
    fwpk_inflate s;
    fwpk_window w;
    int full = 0;
    fwpk_inflate_init(&s);
    fwpk_window_init(&w, ring, ring_size, dict, ring_size > 1 ? 1 : 0,
                     far_read, &w);
    while (len > 0 || full) {
        uint32_t n = len < piece ? (uint32_t)len : piece, used, k;
        const uint8_t *p;
        fwpk_err err = fwpk_inflate_push(&s, &w, in, n, &used);
        if (err != FWPK_OK)
            return -1;
        full = fwpk_window_room(&w) == 0;
        if (used > n || (used < n && !full))
            abort(); /* stopped early with room left */
        in += used;
        len -= used;
        while ((k = fwpk_window_pending(&w, &p)) > 0) {
            if (w.drained + k > OUT_MAX)
                return -1;
            memcpy(push_out + w.drained, p, k);
            fwpk_window_drain(&w, k);
        }
    }
    return fwpk_inflate_done(&s) ? (long)w.drained : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t win[32768], out[OUT_MAX], joined[1 << 16];
    fwpk_inflate_state s;
    sink_state st = {out, 0};
    size_t joined_len = 0;
    int frames_ok = 1;
    if (size < 1 || size > sizeof joined)
        return 0;
    uint32_t dict = 512u << (data[0] % 7);
    fwpk_inflate_frame_init(&s, win, dict);
    size_t off = 1;
    while (off < size) {
        size_t n = data[off++];
        if (n > size - off)
            n = size - off;
        if (frames_ok &&
            fwpk_inflate_frame(&s, data + off, n, sink, &st) != FWPK_OK)
            frames_ok = 0;
        memcpy(joined + joined_len, data + off, n);
        joined_len += n;
        off += n;
    }
    if (frames_ok && st.total != s.total) /* every byte reached the sink */
        abort();
    if (frames_ok && st.total <= OUT_MAX)
        compare_with_zlib(joined, joined_len, out, st.total, s.final);

    long got = push_run(joined, joined_len, dict, data[0] / 7u);
    if (got >= 0)
        compare_with_zlib(joined, joined_len, push_out, (size_t)got, 1);
    if (frames_ok && s.final && st.total <= OUT_MAX &&
        (got != (long)st.total || memcmp(push_out, out, st.total) != 0))
        abort(); /* the v1 API accepted what the resumable one did not */
    return 0;
}
