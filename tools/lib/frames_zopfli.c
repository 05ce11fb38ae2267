/*
 * frames_zopfli.c - codec 1 frames made by zopfli (level "max").  Each
 * frame is one ZopfliDeflatePart call over the next piece of input, with
 * every earlier byte as history (zopfli looks back 32 KiB, so the target
 * needs window bits 15), then an empty stored block so that the frame ends
 * on a byte boundary (a sync flush, format/SPEC.md 6.1); the last frame
 * ends with zopfli's final block instead.  How much input goes into a frame
 * is found by trial, as in frames.c: compress a piece, then grow or shrink
 * it (by the ratio, then between the largest piece that fit and the
 * smallest that did not) until the frame is at least 97% full.  Zopfli is
 * slow, so the bar is lower than with zlib, and the piece is first sized
 * with zlib level 9 (scaled by the last frame's zopfli / zlib ratio), which
 * leaves zopfli about one trial per frame.
 */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zopfli/deflate.h>
#include <zopfli/zopfli.h>

#include "fwpack.h"

#define FILL_NUM 970 /* accept a frame filled to >= 97% of frame_size */
#define FILL_DEN 1000
#define ZOPFLI_TRIALS 6
#define ZLIB_TRIALS 12
#define WINDOW 32768u
/* Zopfli's block splitter costs about the same whatever the input size, so
 * in small frames it dominates (16x slower at 1 KiB frames) for no gain
 * (under 0.1%); from 2 KiB frames on it saves 0.1-1.5%. */
#define SPLIT_MIN_FRAME 2048u

typedef struct {
    uint8_t *data;
    size_t len;
} piece;

typedef struct {
    const uint8_t *img;
    size_t len, pos;  /* input consumed by committed frames */
    uint32_t fs;
    ZopfliOptions zo;
    uint64_t ratio_in, ratio_out; /* the last frame's input / output */
    uint64_t k_num, k_den;        /* the last frame's zopfli / zlib size */
    piece best, cur;  /* the fullest fitting zopfli trial, the latest */
} zpacker;

/* Compresses img[pos, pos + n) into pc: zopfli's blocks, then the sync
 * flush unless this is the end of the image. */
static int zopfli_piece(zpacker *p, size_t n, piece *pc)
{
    unsigned char bp = 0, *z = NULL;
    size_t zlen = 0;
    int last = p->pos + n == p->len;
    ZopfliDeflatePart(&p->zo, 2, last, p->img, p->pos, p->pos + n, &bp, &z,
                      &zlen);
    free(pc->data);
    pc->len = 0;
    pc->data = malloc(zlen + 5);
    if (!pc->data) {
        free(z);
        return -1;
    }
    if (zlen)
        memcpy(pc->data, z, zlen);
    free(z);
    pc->len = zlen;
    if (!last) {
        /* BFINAL 0 and BTYPE 00 are three zero bits at bit bp of the last
         * byte (bp 0: a new byte); the rest of that byte is padding; then
         * LEN 0000 and NLEN FFFF. */
        if (bp == 0 || bp > 5)
            pc->data[pc->len++] = 0;
        memcpy(pc->data + pc->len, "\0\0\xff\xff", 4);
        pc->len += 4;
    }
    return 0;
}

/* zlib level 9's size for the same piece, with the same history: a cheap
 * predictor of zopfli's. */
static long zlib_size(const zpacker *p, size_t n)
{
    z_stream zs;
    uint8_t buf[4096];
    size_t h = p->pos < WINDOW ? p->pos : WINDOW;
    int last = p->pos + n == p->len, rc = Z_OK;
    long total = 0;
    memset(&zs, 0, sizeof zs);
    if (deflateInit2(&zs, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    if (h)
        rc = deflateSetDictionary(&zs, p->img + p->pos - h, (uInt)h);
    zs.next_in = (Bytef *)(uintptr_t)(p->img + p->pos);
    zs.avail_in = (uInt)n;
    while (rc == Z_OK) {
        zs.next_out = buf;
        zs.avail_out = sizeof buf;
        rc = deflate(&zs, last ? Z_FINISH : Z_SYNC_FLUSH);
        total += (long)(sizeof buf - zs.avail_out);
        if (zs.avail_out)
            break;
    }
    deflateEnd(&zs);
    return rc == Z_OK || rc == Z_STREAM_END ? total : -1;
}

/* The frame size for n input bytes: zopfli's (output in p->cur), or zlib's
 * scaled by the last frame's zopfli / zlib ratio. */
static long measure(zpacker *p, size_t n, int zopfli)
{
    if (zopfli)
        return zopfli_piece(p, n, &p->cur) ? -1 : (long)p->cur.len;
    long z = zlib_size(p, n);
    return z < 0 ? -1 : (long)((uint64_t)z * p->k_num / p->k_den);
}

static size_t clamp(size_t n, size_t lo, size_t hi)
{
    return n < lo ? lo : n > hi ? hi : n;
}

/* The next n to try.  While nothing has been too big (or nothing small
 * enough), scale the last n by target / size; once both are known,
 * interpolate between them, at least 1/8 of the way in from either end so
 * that the bracket keeps shrinking (a run of 0xFF followed by code is far
 * from linear). */
static size_t next_n(size_t good, size_t good_s, size_t bad, size_t bad_s,
                     size_t rem, size_t target)
{
    if (bad > rem) {
        uint64_t n = (uint64_t)good * target / good_s;
        return clamp(n < rem ? (size_t)n : rem, good + 1, rem);
    }
    if (good == 0)
        return clamp((size_t)((uint64_t)bad * target / bad_s), 1, bad - 1);
    size_t span = bad - good;
    size_t n = good + (size_t)((uint64_t)(target - good_s) * span /
                               (bad_s - good_s));
    size_t lo = good + span / 8, hi = bad - span / 8;
    return clamp(n, lo > good ? lo : good + 1, hi < bad ? hi : bad - 1);
}

/* Narrows n down to a frame that fits and is full enough, or the fullest
 * that fits when the trials run out; *n_out gets it.  With zopfli, its
 * output is left in p->best. */
static int fit(zpacker *p, size_t n, int zopfli, int trials, size_t *n_out)
{
    size_t rem = p->len - p->pos, good = 0, bad = rem + 1;
    size_t good_s = 0, bad_s = 0;
    /* aim half way between the fill threshold and a full frame */
    size_t target = (size_t)p->fs * (FILL_DEN + FILL_NUM) / FILL_DEN / 2;
    n = clamp(n, 1, rem);
    for (int i = 0; i < trials || good == 0; i++) {
        long s = measure(p, n, zopfli);
        if (s < 0)
            return -1;
        if ((size_t)s <= p->fs) {
            if (zopfli) {
                piece t = p->best;
                p->best = p->cur;
                p->cur = t;
            }
            good = n;
            good_s = s ? (size_t)s : 1;
            if (n == rem || (size_t)s * FILL_DEN >= (size_t)p->fs * FILL_NUM)
                break;
        } else {
            bad = n;
            bad_s = (size_t)s;
        }
        n = next_n(good, good_s, bad, bad_s, rem, target);
        if (n <= good || n >= bad)
            break;
    }
    *n_out = good;
    return 0;
}

/* The next frame: a first n from the last frame's ratio, refined with the
 * zlib predictor, then with zopfli itself (usually one trial). */
static int next_frame(zpacker *p, size_t *n)
{
    size_t target = (size_t)p->fs * (FILL_DEN + FILL_NUM) / FILL_DEN / 2;
    uint64_t guess = (uint64_t)target * p->ratio_in / p->ratio_out;
    if (fit(p, guess > SIZE_MAX ? SIZE_MAX : (size_t)guess, 0, ZLIB_TRIALS,
            n) ||
        fit(p, *n, 1, ZOPFLI_TRIALS, n))
        return -1;
    long z = zlib_size(p, *n);
    if (z <= 0)
        return -1;
    p->k_num = p->best.len;
    p->k_den = (uint64_t)z;
    p->ratio_in = *n;
    p->ratio_out = p->best.len;
    return 0;
}

static int add_frame(fwp_buf *b, const piece *pc)
{
    uint8_t hdr[FWPK_FRAME_HEADER_LEN] = {(uint8_t)pc->len,
                                          (uint8_t)(pc->len >> 8)};
    return fwp_buf_put(b, hdr, sizeof hdr) ||
           fwp_buf_put(b, pc->data, pc->len);
}

int fwp_frames_zopfli(const uint8_t *img, size_t len, uint32_t frame_size,
                      const fwp_frame_hook *hook, fwp_buf *out)
{
    zpacker p;
    memset(&p, 0, sizeof p);
    p.img = img;
    p.len = len;
    p.fs = frame_size;
    p.ratio_in = 3; /* a first guess; the zlib predictor corrects it */
    p.ratio_out = 1;
    p.k_num = p.k_den = 1;
    ZopfliInitOptions(&p.zo);
    p.zo.blocksplitting = frame_size >= SPLIT_MIN_FRAME;
    int rc = 0;
    while (rc == 0 && p.pos < p.len) {
        size_t n = 0;
        rc = next_frame(&p, &n);
        if (rc == 0 && add_frame(out, &p.best))
            rc = -1;
        p.pos += n;
        if (rc == 0 && fwp_frame_hook_call(hook, p.pos, out->len))
            rc = FWP_FRAMES_STOPPED;
    }
    free(p.best.data);
    free(p.cur.data);
    return rc;
}
