/*
 * frames.c - one target's frames (format/SPEC.md 6): codec 0 cuts the image
 * into frame_size pieces; codec 1 runs one raw deflate stream and cuts it at
 * sync flushes, choosing how much input goes into each frame by trial
 * compression on a deflateCopy of the stream (level max: zopfli, in
 * frames_zopfli.c); codec 2 cuts one LZMA stream (frames_lzma.c) into
 * frame_size pieces.  Then the hash chain is computed back to front.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fwpack.h"

/* A frame filled to >= 97% of frame_size is accepted: a less full frame
 * costs only a share of one more frame header and sync flush (+0.04% on
 * a 1 MiB image against 99.7%), and each trial compresses the frame's
 * input again (1.2 trials a frame instead of 2.2: bench/RESULTS.md). */
#define FILL_NUM 970
#define FILL_DEN 1000
#define MAX_TRIALS 12

void fwp_hash(uint8_t out[FWPK_HASH_LEN], const uint8_t *d, size_t len)
{
    uint8_t full[crypto_hash_sha512_BYTES];
    crypto_hash_sha512(full, d, len);
    memcpy(out, full, FWPK_HASH_LEN);
}

void fwp_frames_free(fwp_frames *fr)
{
    free(fr->data);
    memset(fr, 0, sizeof *fr);
}

/* Appends one frame (header with zero 'next', filled in later). */
static int add_frame(fwp_buf *b, const uint8_t *payload, size_t len)
{
    uint8_t hdr[FWPK_FRAME_HEADER_LEN] = {(uint8_t)len, (uint8_t)(len >> 8)};
    return fwp_buf_put(b, hdr, sizeof hdr) || fwp_buf_put(b, payload, len);
}

int fwp_frame_hook_call(const fwp_frame_hook *hook, size_t in_done,
                        size_t out_done)
{
    return hook && hook->fn &&
           hook->fn(hook->arg, hook->in_base + in_done, hook->in_total,
                    hook->out_base + out_done);
}

static int frames_none(const uint8_t *img, size_t len, uint32_t fs,
                       const fwp_frame_hook *hook, fwp_buf *b)
{
    for (size_t off = 0; off < len; off += fs) {
        size_t n = len - off < fs ? len - off : fs;
        if (add_frame(b, img + off, n))
            return -1;
        if (fwp_frame_hook_call(hook, off + n, b->len))
            return FWP_FRAMES_STOPPED;
    }
    return 0;
}

/* Three streams: the committed one (frames written), the fullest trial
 * that fits so far, and the latest trial.  Keeping the best fitting trial
 * instead of compressing its input again when a later trial overshoots
 * saves about a third of the trials (issue 15's packing time). */
#define SLOTS 3

typedef struct {
    z_stream zs[SLOTS];
    uint8_t *out[SLOTS]; /* each slot's trial output, out_cap bytes */
    int live[SLOTS];     /* zs[i] initialised */
    int cur;             /* slot of the committed stream */
    int best;            /* slot of the fullest fitting trial, -1: none */
    int last;            /* slot of the latest trial */
    const uint8_t *img;
    size_t len, pos; /* input consumed by committed frames */
    uint32_t fs;
    size_t out_cap;  /* 2 * fs + 64 */
    uint64_t in_total, out_total;
} packer;

/* A slot that is neither the committed stream nor the best trial. */
static int free_slot(const packer *p)
{
    for (int i = 0; i < SLOTS; i++)
        if (i != p->cur && i != p->best)
            return i;
    return -1; /* not reached: SLOTS > 2 */
}

/* Runs n input bytes through a copy of the committed stream, in a free
 * slot (p->last).  Returns the output size, or out_cap + 1 if it did not
 * fit in out_cap; -1 on error. */
static long trial(packer *p, size_t n)
{
    int k = free_slot(p);
    z_stream *t = &p->zs[k];
    if (p->live[k])
        deflateEnd(t);
    p->live[k] = 0;
    if (deflateCopy(t, &p->zs[p->cur]) != Z_OK)
        return -1;
    p->live[k] = 1;
    p->last = k;
    int last = p->pos + n == p->len;
    t->next_in = (Bytef *)(uintptr_t)(p->img + p->pos);
    t->avail_in = (uInt)n;
    t->next_out = p->out[k];
    t->avail_out = (uInt)p->out_cap;
    int rc = deflate(t, last ? Z_FINISH : Z_SYNC_FLUSH);
    int done = last ? rc == Z_STREAM_END
                    : (rc == Z_OK && t->avail_in == 0 && t->avail_out > 0);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
        return -1;
    return done ? (long)(p->out_cap - t->avail_out) : (long)p->out_cap + 1;
}

/* Input bytes expected to fill a frame, from the running ratio. */
static size_t estimate(const packer *p, size_t want_out)
{
    uint64_t in = p->in_total ? p->in_total : 3, out = p->out_total ? p->out_total : 1;
    uint64_t n = (uint64_t)want_out * in / out;
    return n < 1 ? 1 : n;
}

static size_t clamp(size_t n, size_t lo, size_t hi)
{
    return n < lo ? lo : n > hi ? hi : n;
}

/* Picks n for the next frame; leaves the matching trial in slot p->best.
 * Returns its output size or -1. */
static long choose(packer *p, size_t *n_out)
{
    size_t rem = p->len - p->pos, good = 0, bad = rem + 1;
    /* aim half way between the fill threshold and a full frame */
    size_t target = (size_t)p->fs * (FILL_DEN + FILL_NUM) / FILL_DEN / 2;
    size_t n = clamp(estimate(p, target), 1, rem);
    long good_size = -1;
    p->best = -1;
    for (int i = 0; i < MAX_TRIALS || good == 0; i++) {
        long s = trial(p, n);
        if (s < 0)
            return -1;
        if ((size_t)s <= p->fs) {
            good = n, good_size = s, p->best = p->last;
            if (n == rem || (size_t)s * FILL_DEN >= (size_t)p->fs * FILL_NUM)
                break;
        } else {
            bad = n;
        }
        size_t next = (size_t)((uint64_t)n * target / (size_t)(s ? s : 1));
        if ((size_t)s > p->out_cap)
            next = n / 2;
        next = clamp(next, good + 1, bad - 1);
        if (next <= good || next >= bad)
            break;
        n = next;
    }
    *n_out = good;
    return good_size;
}

static int deflate_frames(packer *p, const fwp_frame_hook *hook,
                          fwp_buf *b)
{
    while (p->pos < p->len) {
        size_t n = 0;
        long s = choose(p, &n);
        if (s < 0 || add_frame(b, p->out[p->best], (size_t)s))
            return -1;
        p->cur = p->best; /* the trial becomes the committed stream */
        p->best = -1;
        p->pos += n;
        p->in_total += n;
        p->out_total += (size_t)s;
        if (fwp_frame_hook_call(hook, p->pos, b->len))
            return FWP_FRAMES_STOPPED;
    }
    return 0;
}

static int frames_deflate(const uint8_t *img, size_t len, int level,
                          uint32_t wbits, uint32_t fs,
                          const fwp_frame_hook *hook, fwp_buf *b)
{
    packer p;
    memset(&p, 0, sizeof p);
    p.img = img;
    p.len = len;
    p.fs = fs;
    p.best = -1;
    p.out_cap = 2 * (size_t)fs + 64;
    int rc = -1;
    for (int i = 0; i < SLOTS; i++)
        if (!(p.out[i] = malloc(p.out_cap)))
            goto out;
    if (deflateInit2(&p.zs[0], level, Z_DEFLATED, -(int)wbits, 9,
                     Z_DEFAULT_STRATEGY) == Z_OK) {
        p.live[0] = 1;
        rc = deflate_frames(&p, hook, b);
    }
out:
    for (int i = 0; i < SLOTS; i++) {
        if (p.live[i])
            deflateEnd(&p.zs[i]);
        free(p.out[i]);
    }
    return rc;
}

int fwp_frames_chain(fwp_frames *fr)
{
    size_t cap = 64, n = 0;
    fr->payload = 0;
    size_t *offs = malloc(cap * sizeof *offs);
    if (!offs)
        return -1;
    for (size_t off = 0; off < fr->len; n++) {
        if (n == cap) {
            size_t *p = realloc(offs, 2 * cap * sizeof *offs);
            if (!p) {
                free(offs);
                return -1;
            }
            offs = p;
            cap *= 2;
        }
        offs[n] = off;
        fr->payload += (uint32_t)(fr->data[off] | fr->data[off + 1] << 8);
        off += FWPK_FRAME_HEADER_LEN + (fr->data[off] | fr->data[off + 1] << 8);
    }
    if (n == 0 || offs[n - 1] >= fr->len) {
        free(offs);
        return -1;
    }
    uint8_t next[FWPK_HASH_LEN] = {0};
    for (size_t i = n; i-- > 0;) {
        uint8_t *f = fr->data + offs[i];
        size_t end = i + 1 < n ? offs[i + 1] : fr->len;
        memcpy(f + 2, next, FWPK_HASH_LEN);
        fwp_hash(next, f, end - offs[i]);
    }
    memcpy(fr->anchor, next, FWPK_HASH_LEN);
    fr->count = (uint32_t)n;
    free(offs);
    return 0;
}

/* Takes b's frames (rc: how making them went), chains them, checks the
 * count. */
static int finish(fwp_frames *fr, fwp_buf *b, int rc, fwp_err *err)
{
    fr->data = (uint8_t *)b->data;
    fr->len = b->len;
    if (rc == FWP_FRAMES_STOPPED) {
        fwp_frames_free(fr);
        fwp_fail(err, "frames: stopped by the caller");
        if (err)
            err->kind = FWP_E_STOPPED;
        return -1;
    }
    if (rc || fwp_frames_chain(fr)) {
        fwp_frames_free(fr);
        return fwp_fail(err, "frames: compression failed (out of memory?)");
    }
    if (fr->count > FWPK_MAX_FRAMES) {
        fwp_frames_free(fr);
        return fwp_fail(err, "frames: %u frames, more than %lu",
                        (unsigned)fr->count, FWPK_MAX_FRAMES);
    }
    return 0;
}

static int check_args(size_t len, uint32_t frame_size, fwp_err *err)
{
    if (len == 0 || frame_size < FWPK_FRAME_SIZE_MIN ||
        frame_size > FWPK_FRAME_SIZE_MAX)
        return fwp_fail(err, "frames: empty image or bad frame size %u",
                        (unsigned)frame_size);
    return 0;
}

int fwp_frames_build(const uint8_t *img, size_t len, uint32_t codec,
                     int level, uint32_t window_bits, uint32_t frame_size,
                     const fwp_frame_hook *hook, fwp_frames *fr,
                     fwp_err *err)
{
    memset(fr, 0, sizeof *fr);
    if (check_args(len, frame_size, err))
        return -1;
    if (codec == FWPK_CODEC_DEFLATE && level == FWP_LEVEL_MAX &&
        window_bits < FWP_LEVEL_MAX_WINDOW_BITS)
        return fwp_fail(err, "frames: level max needs window bits %d, not "
                             "%u", FWP_LEVEL_MAX_WINDOW_BITS,
                        (unsigned)window_bits);
    fwp_buf b = {0};
    int rc = codec == FWPK_CODEC_NONE
                 ? frames_none(img, len, frame_size, hook, &b)
             : level == FWP_LEVEL_MAX
                 ? fwp_frames_zopfli(img, len, frame_size, hook, &b)
                 : frames_deflate(img, len, level, window_bits, frame_size,
                                  hook, &b);
    return finish(fr, &b, rc, err);
}

/* Codec 2: one LZMA stream, cut every frame_size bytes (no flush). */
int fwp_frames_build_lzma(const uint8_t *img, size_t len, uint32_t props,
                          int level, uint32_t dict_bits, uint32_t frame_size,
                          const fwp_frame_hook *hook, fwp_frames *fr,
                          fwp_err *err)
{
    memset(fr, 0, sizeof *fr);
    if (check_args(len, frame_size, err))
        return -1;
    fwp_buf z = {0}, b = {0};
    /* progress (and a stop) while liblzma encodes; the cutting after it is
     * quick */
    int rc = fwp_lzma_encode(img, len, props, level, dict_bits, hook, &z,
                             err);
    if (rc == -1) {
        fwp_buf_free(&z);
        return -1;
    }
    if (rc == 0)
        rc = frames_none((const uint8_t *)z.data, z.len, frame_size, NULL,
                         &b);
    fwp_buf_free(&z);
    if (rc == 0 && fwp_frame_hook_call(hook, len, b.len))
        rc = FWP_FRAMES_STOPPED;
    return finish(fr, &b, rc, err);
}

const char *fwp_codec_name(uint32_t codec)
{
    return codec == FWPK_CODEC_NONE      ? "none"
           : codec == FWPK_CODEC_DEFLATE ? "deflate"
           : codec == FWPK_CODEC_LZMA    ? "lzma"
                                         : "unknown";
}
