/*
 * test_inflate.c - the verifier's raw inflate, against zlib: the resumable
 * decoder (inflate.h, fwpk_inflate_push) and the v1 frame-at-a-time API
 * over it (fwpk_inflate_frame).
 *
 * Round trips: a corpus (empty, 1 byte, random, text, runs, periodic data
 * whose matches reach back across frames, 300 KB of firmware-like bytes) is
 * deflated by zlib in raw mode at levels 0/1/6/9 and with the FIXED,
 * HUFFMAN_ONLY, RLE and FILTERED strategies, window bits 8..15, with a sync
 * flush every N input bytes (the fwpack frame rule) and Z_FINISH at the end;
 * each frame goes to fwpk_inflate_frame in order with a window of exactly
 * 2^window bits, and the output must be the input.  The resumable decoder
 * gets streams of every level 0..9 and those strategies, window bits 9..15,
 * as v1 frames or one continuous stream, in pieces of every size 1..64 and
 * 4096, its output drained in random amounts, through a RAM window and a
 * flash-backed one (a ring of 1..256 bytes, some held back, older history
 * read back from the output, never from bytes not yet in "flash"); after
 * each v1 frame it must be at a block boundary, and it must never use
 * more room than the window gave it.
 *
 * Refusals (FWPK_ERR_INFLATE, never a crash under ASan), by both APIs, the
 * resumable one in several piece sizes and rings: every prefix of a frame
 * (the resumable decoder waits instead, at a block boundary exactly where
 * zlib sees one), random bit flips and garbage judged against zlib's own
 * verdict, hand-built streams with a distance beyond the output or the
 * window, bad stored lengths, block type 3, invalid symbols, data or
 * frames after the final block, nonzero padding after it, and malformed
 * dynamic headers (over-subscribed, incomplete, no end-of-block code, bad
 * repeats, HLIT 287, HDIST 31); each hand-built bad stream has a good twin
 * that must decode.  A sink's or far reader's error stops decoding and is
 * returned as is; the resumable decoder's errors stick.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fwpk_verify.h"
#include "inflate.h"
#include "pack_util.h"

static uint32_t rng_state = 0x9e3779b9u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void print_hex(const char *what, const uint8_t *p, size_t n)
{
    printf("  %s (%zu bytes):", what, n);
    for (size_t i = 0; i < n; i++)
        printf("%s%02x", i % 32 ? "" : "\n    ", p[i]);
    printf("\n");
}

/* ---- sinks ------------------------------------------------------------------ */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    size_t calls;
    int overflow;
} sinkbuf;

static void sb_init(sinkbuf *b, size_t cap)
{
    b->p = malloc(cap ? cap : 1);
    assert_non_null(b->p);
    b->len = 0;
    b->cap = cap;
    b->calls = 0;
    b->overflow = 0;
}

static void sb_free(sinkbuf *b)
{
    free(b->p);
    b->p = NULL;
}

/* Appends; refuses (with an error the decoder never makes up itself) to
 * run past the buffer. */
static fwpk_err sink_collect(void *arg, const uint8_t *d, size_t n)
{
    sinkbuf *b = arg;
    b->calls++;
    if (n > b->cap - b->len) {
        b->overflow = 1;
        return FWPK_ERR_SIZE;
    }
    if (n)
        memcpy(b->p + b->len, d, n);
    b->len += n;
    return FWPK_OK;
}

/* Compares with the expected bytes as they come; fails with 'err' once
 * more than 'limit' bytes would have been accepted. */
typedef struct {
    const uint8_t *want;
    size_t want_len, limit, got;
    fwpk_err err;
    int failed, calls_after, mismatch;
} failsink;

static fwpk_err sink_fail(void *arg, const uint8_t *d, size_t n)
{
    failsink *f = arg;
    if (f->failed) {
        f->calls_after++;
        return f->err;
    }
    if (f->got + n > f->limit) {
        f->failed = 1;
        return f->err;
    }
    if (f->got + n > f->want_len || memcmp(f->want + f->got, d, n) != 0)
        f->mismatch = 1;
    f->got += n;
    return FWPK_OK;
}

/* ---- zlib side -------------------------------------------------------------- */

typedef struct {
    uint8_t *data;
    size_t len;
    size_t *end; /* end offset of each frame */
    size_t nframes;
} cstream;

static void cs_free(cstream *c)
{
    free(c->data);
    free(c->end);
    memset(c, 0, sizeof *c);
}

/* Raw deflate of in[0..n) with a sync flush after every 'chunk' input bytes
 * and Z_FINISH on the last piece.  Returns -1 if zlib refuses the
 * parameters (raw windowBits 8 on newer zlib). */
static int deflate_frames(cstream *c, const uint8_t *in, size_t n, int level,
                          int wb, int mem, int strategy, size_t chunk)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    memset(c, 0, sizeof *c);
    if (deflateInit2(&z, level, Z_DEFLATED, -wb, mem, strategy) != Z_OK)
        return -1;
    size_t frames = n ? (n + chunk - 1) / chunk : 1;
    size_t cap = n + n / 4 + 16 * frames + 1024;
    c->data = malloc(cap);
    c->end = malloc(frames * sizeof *c->end);
    assert_non_null(c->data);
    assert_non_null(c->end);
    size_t off = 0;
    for (size_t f = 0; f < frames; f++) {
        size_t k = n - off < chunk ? n - off : chunk;
        int last = f + 1 == frames;
        z.next_in = (Bytef *)(uintptr_t)(in + off);
        z.avail_in = (uInt)k;
        z.next_out = c->data + c->len;
        z.avail_out = (uInt)(cap - c->len);
        int rc = deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
        assert_int_equal(rc, last ? Z_STREAM_END : Z_OK);
        assert_int_equal(z.avail_in, 0);
        assert_true(z.avail_out > 0);
        c->len = cap - z.avail_out;
        c->end[f] = c->len;
        off += k;
    }
    c->nframes = frames;
    deflateEnd(&z);
    return 0;
}

enum { Z_CLEAN, Z_TRAILING, Z_ERROR, Z_INCOMPLETE };
static const char *const zstatus_name[] = {"clean", "trailing data",
                                           "error", "incomplete"};

/* zlib's reading of a raw deflate stream, block by block (Z_BLOCK). */
typedef struct {
    int status;
    uint8_t *out;
    size_t out_len;
    size_t nb;          /* block boundaries seen */
    size_t *bit;        /* bit position of each boundary */
    size_t *out_at;     /* output length at each boundary */
    int *after_final;   /* boundary is the end of the final block */
    int pad_nonzero;    /* bits after the final block are not all zero */
} zresult;

static void zr_free(zresult *r)
{
    free(r->out);
    free(r->bit);
    free(r->out_at);
    free(r->after_final);
    memset(r, 0, sizeof *r);
}

/* zlib's inflate checks distances against the output of the current call
 * plus its window, so with a big output buffer it accepts distances beyond
 * 2^wb.  With 'step' = 1 every match starts a call with nothing written
 * yet, which makes its check exactly "distance <= min(output, 2^wb)". */
static void zlib_run(zresult *r, const uint8_t *in, size_t n, int wb,
                     size_t step)
{
    memset(r, 0, sizeof *r);
    size_t cap = 1100 * n + 1024, bcap = 16;
    r->out = malloc(cap);
    r->bit = malloc(bcap * sizeof *r->bit);
    r->out_at = malloc(bcap * sizeof *r->out_at);
    r->after_final = malloc(bcap * sizeof *r->after_final);
    assert_true(r->out && r->bit && r->out_at && r->after_final);
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, -wb), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)n;
    for (;;) {
        size_t room = cap - r->out_len;
        assert_true(room > 0); /* cap is above deflate's best ratio */
        z.next_out = r->out + r->out_len;
        z.avail_out = (uInt)(room < step ? room : step);
        int rc = inflate(&z, Z_BLOCK);
        r->out_len = (size_t)(z.next_out - r->out);
        if (rc == Z_STREAM_END) {
            r->status = z.avail_in ? Z_TRAILING : Z_CLEAN;
            break;
        }
        if (rc == Z_BUF_ERROR) { /* no progress possible: wants input */
            r->status = Z_INCOMPLETE;
            break;
        }
        if (rc != Z_OK) {
            r->status = Z_ERROR;
            break;
        }
        if (z.data_type & 128) { /* stopped at a block boundary */
            unsigned bits = (unsigned)z.data_type & 7;
            if (r->nb == bcap) {
                bcap *= 2;
                r->bit = realloc(r->bit, bcap * sizeof *r->bit);
                r->out_at = realloc(r->out_at, bcap * sizeof *r->out_at);
                r->after_final = realloc(r->after_final,
                                         bcap * sizeof *r->after_final);
                assert_true(r->bit && r->out_at && r->after_final);
            }
            r->bit[r->nb] = z.total_in * 8 - bits;
            r->out_at[r->nb] = r->out_len;
            r->after_final[r->nb] = (z.data_type & 64) != 0;
            if ((z.data_type & 64) && bits)
                r->pad_nonzero = (in[z.total_in - 1] >> (8 - bits)) != 0;
            r->nb++;
        }
    }
    inflateEnd(&z);
}

static void zlib_analyze(zresult *r, const uint8_t *in, size_t n, int wb)
{
    zlib_run(r, in, n, wb, (size_t)-1);
    if (r->out_len > (1u << wb)) { /* distances beyond the window matter */
        zr_free(r);
        zlib_run(r, in, n, wb, 1);
    }
}

/* index of the boundary at exactly bit position 'bit', or -1 */
static long boundary_at(const zresult *r, size_t bit)
{
    for (size_t i = 0; i < r->nb; i++)
        if (r->bit[i] == bit)
            return (long)i;
    return -1;
}

/* a boundary strictly inside the last byte before 'bit' (bit is a byte end) */
static int boundary_in_last_byte(const zresult *r, size_t bit)
{
    for (size_t i = 0; i < r->nb; i++)
        if (r->bit[i] < bit && r->bit[i] + 8 > bit)
            return 1;
    return 0;
}

/* ---- our side --------------------------------------------------------------- */

typedef struct {
    fwpk_inflate_state s;
    uint8_t *win;
    uint32_t size;
} dec;

/* The window is malloc'd at exactly 'size' bytes (ASan sees any overrun)
 * and filled with junk first: nothing may depend on its initial bytes. */
static void dec_init(dec *d, uint32_t size)
{
    d->win = malloc(size);
    assert_non_null(d->win);
    memset(d->win, 0xa5, size);
    d->size = size;
    fwpk_inflate_frame_init(&d->s, d->win, size);
    assert_int_equal(d->s.total, 0);
    assert_int_equal(d->s.final, 0);
}

static void dec_free(dec *d)
{
    free(d->win);
    d->win = NULL;
}

static fwpk_err dec_frame(dec *d, const uint8_t *in, size_t len, sinkbuf *b)
{
    /* each frame in its own exact-size allocation, so an over-read past
     * the frame is caught */
    uint8_t *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    if (len)
        memcpy(copy, in, len);
    fwpk_err e = fwpk_inflate_frame(&d->s, copy, len, sink_collect, b);
    free(copy);
    return e;
}

static uint32_t window_for(int wb)
{
    return 1u << (wb < 9 ? 9 : wb);
}

/* Feeds every frame (or 'group' frames at a time, concatenated) and checks
 * the output is exactly want[0..n). */
static void decode_and_check(const cstream *c, const uint8_t *want, size_t n,
                             uint32_t wsize, size_t group, const char *label)
{
    dec d;
    sinkbuf b;
    dec_init(&d, wsize);
    sb_init(&b, n + 1);
    size_t start = 0;
    for (size_t f = 0; f < c->nframes; f += group) {
        size_t last = f + group < c->nframes ? f + group : c->nframes;
        size_t end = c->end[last - 1];
        fwpk_err e = dec_frame(&d, c->data + start, end - start, &b);
        if (e != FWPK_OK) {
            printf("%s: frames %zu..%zu of %zu: %s (output so far %zu of "
                   "%zu)\n", label, f, last - 1, c->nframes,
                   fwpk_strerror(e), b.len, n);
            if (end - start <= 256)
                print_hex("frame", c->data + start, end - start);
        }
        assert_int_equal(e, FWPK_OK);
        assert_false(b.overflow);
        assert_int_equal(d.s.total, b.len);
        assert_int_equal(d.s.final, last == c->nframes ? 1 : 0);
        start = end;
    }
    if (b.len != n || memcmp(b.p, want, n) != 0) {
        size_t i = 0;
        while (i < b.len && i < n && b.p[i] == want[i])
            i++;
        printf("%s: output differs at byte %zu (got %zu bytes, want %zu)\n",
               label, i, b.len, n);
    }
    assert_int_equal(b.len, n);
    assert_memory_equal(b.p, want, n);
    sb_free(&b);
    dec_free(&d);
}

/* ---- our side: the resumable decoder (inflate.h) ------------------------------ */

/* As the driver uses it: input in pieces, output drained from the window's
 * ring in random amounts into 'out' (the flash).  Two kinds of ring: RAM
 * (the ring is the whole dictionary, no far reader) and flash-backed (a
 * ring of a few bytes; history older than it is read back from 'out',
 * never from bytes the ring still holds back: 'reserve' of the drained
 * ones, nor from bytes not drained yet). */
typedef struct {
    uint32_t ring;    /* ring size; 0: the dictionary, in RAM */
    uint32_t reserve; /* drained bytes the ring keeps (later stages) */
} ringcfg;

typedef struct {
    fwpk_inflate s;
    fwpk_window w;
    uint8_t *ring;
    uint8_t *out;
    size_t cap;
    size_t far_reads;  /* calls of the far reader */
    long far_fail_at;  /* that call fails with FWPK_ERR_FLASH; -1 never */
    int overflow;      /* more output than 'cap' */
} pdec;

static fwpk_err far_read(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    pdec *d = arg;
    uint32_t in_flash = d->w.drained - d->w.reserve;
    assert_true(len > 0);
    assert_false(d->overflow);
    if (off > in_flash || len > in_flash - off) {
        printf("far read of [%u, %u) with only %u bytes in flash\n", off,
               off + len, in_flash);
        fail();
    }
    if ((long)d->far_reads++ == d->far_fail_at)
        return FWPK_ERR_FLASH;
    memcpy(buf, d->out + off, len);
    return FWPK_OK;
}

static void pdec_init(pdec *d, uint32_t dict, ringcfg rc, size_t cap)
{
    uint32_t size = rc.ring ? rc.ring : dict;
    memset(d, 0, sizeof *d);
    d->ring = malloc(size); /* exact size: ASan sees any overrun */
    d->out = malloc(cap ? cap : 1);
    assert_true(d->ring && d->out);
    memset(d->ring, 0xa5, size); /* junk: nothing may depend on it */
    d->cap = cap;
    d->far_fail_at = -1;
    fwpk_inflate_init(&d->s);
    fwpk_window_init(&d->w, d->ring, size, dict, rc.reserve,
                     rc.ring ? far_read : NULL, d);
    assert_true(fwpk_inflate_at_boundary(&d->s));
    assert_false(fwpk_inflate_done(&d->s));
}

static void pdec_free(pdec *d)
{
    free(d->ring);
    free(d->out);
    d->ring = d->out = NULL;
}

/* Hands on pending bytes: all of them, or (all == 0) a random amount, at
 * least one. */
static void pdec_drain(pdec *d, int all)
{
    for (;;) {
        const uint8_t *p;
        uint32_t n = fwpk_window_pending(&d->w, &p), k;
        if (n == 0)
            return;
        k = all ? n : 1 + rnd() % n;
        if (d->w.drained + k > d->cap)
            d->overflow = 1;
        else
            memcpy(d->out + d->w.drained, p, k);
        fwpk_window_drain(&d->w, k);
        if (!all && rnd() % 2)
            return;
    }
}

/* Feeds in[0..len) in pieces of 'piece' bytes (each in its own exact-size
 * allocation), draining between calls, until all is used and the window
 * has room: what the driver does with one frame. */
static fwpk_err pdec_feed(pdec *d, const uint8_t *in, size_t len,
                          size_t piece)
{
    int full = 0;
    while (len > 0 || full) {
        uint32_t n = (uint32_t)(len < piece ? len : piece), used = 12345;
        uint8_t *copy = malloc(n ? n : 1);
        assert_non_null(copy);
        if (n)
            memcpy(copy, in, n);
        fwpk_err e = fwpk_inflate_push(&d->s, &d->w, copy, n, &used);
        free(copy);
        assert_true(used <= n);
        /* never more output than the room it was given */
        assert_true(d->w.total - d->w.drained + d->w.reserve <=
                    d->w.mask + 1u);
        full = fwpk_window_room(&d->w) == 0;
        /* it stops early only for a full window */
        if (e == FWPK_OK && used < n && !full) {
            printf("push used %u of %u bytes, window not full\n", used, n);
            fail();
        }
        in += used;
        len -= used;
        pdec_drain(d, 0);
        if (e != FWPK_OK)
            return e;
    }
    return FWPK_OK;
}

/* The whole stream in one go: FWPK_OK only if it decodes and ends with
 * the final block; the output drained into d->out. */
static fwpk_err pdec_stream(pdec *d, const uint8_t *in, size_t len,
                            size_t piece)
{
    fwpk_err e = pdec_feed(d, in, len, piece);
    pdec_drain(d, 1);
    if (e == FWPK_OK && !fwpk_inflate_done(&d->s))
        e = FWPK_ERR_INFLATE; /* cut off: what the driver's finish says */
    return e;
}

/* A few ways to run the decoder, for each hand-built stream: byte by byte
 * through a one-byte ring, odd pieces through small rings holding bytes
 * back, whole through a RAM window. */
static const struct {
    size_t piece;
    ringcfg rc;
} PUSH_WAYS[] = {{1, {1, 0}},  {3, {16, 5}},         {64, {64, 0}},
                 {7, {0, 0}},  {(size_t)-1, {0, 2}}, {5, {2, 1}},
                 {2, {1024, 3}}}; /* a ring larger than a 2^9 dictionary */
enum { N_PUSH_WAYS = sizeof PUSH_WAYS / sizeof PUSH_WAYS[0] };

static size_t push_far_reads; /* far reads over the round trips */

/* Every frame fed in pieces; after each the decoder is at a block
 * boundary (v1 frames end on one; a v2-like stream is one frame), and the
 * output is exactly want[0..n). */
static void push_decode_and_check(const cstream *c, const uint8_t *want,
                                  size_t n, uint32_t dict, size_t piece,
                                  ringcfg rc, const char *label)
{
    pdec d;
    pdec_init(&d, dict, rc, n + 1);
    size_t start = 0;
    for (size_t f = 0; f < c->nframes; f++) {
        fwpk_err e = pdec_feed(&d, c->data + start, c->end[f] - start, piece);
        if (e != FWPK_OK || !fwpk_inflate_at_boundary(&d.s))
            printf("%s; pieces of %zu, ring %u (reserve %u): frame %zu of "
                   "%zu: %s, at a boundary: %d (output so far %u of %zu)\n",
                   label, piece, rc.ring, rc.reserve, f, c->nframes,
                   fwpk_strerror(e), fwpk_inflate_at_boundary(&d.s),
                   d.w.total, n);
        assert_int_equal(e, FWPK_OK);
        assert_true(fwpk_inflate_at_boundary(&d.s));
        assert_int_equal(fwpk_inflate_done(&d.s), f + 1 == c->nframes);
        start = c->end[f];
    }
    pdec_drain(&d, 1);
    assert_false(d.overflow);
    if (d.w.drained != n || memcmp(d.out, want, n) != 0) {
        size_t i = 0;
        while (i < d.w.drained && i < n && d.out[i] == want[i])
            i++;
        printf("%s; pieces of %zu, ring %u (reserve %u): output differs at "
               "byte %zu (got %u bytes, want %zu)\n", label, piece, rc.ring,
               rc.reserve, i, d.w.drained, n);
    }
    assert_int_equal(d.w.drained, n);
    assert_memory_equal(d.out, want, n);
    push_far_reads += d.far_reads;
    pdec_free(&d);
}

/* The resumable decoder's verdict on a whole stream, each of PUSH_WAYS:
 * a good stream gives zlib's output and ends with the final block; a bad
 * one FWPK_ERR_INFLATE (at once or as a stream cut off), having handed on
 * no more than zlib did, and every later call says the same. */
static void push_verdict(const uint8_t *p, size_t n, int wb,
                         const zresult *z, int good, const char *what)
{
    for (int i = 0; i < N_PUSH_WAYS; i++) {
        pdec d;
        uint32_t used;
        pdec_init(&d, 1u << wb, PUSH_WAYS[i].rc, z->out_len + 1100 * n + 1024);
        fwpk_err e = pdec_stream(&d, p, n, PUSH_WAYS[i].piece);
        assert_false(d.overflow);
        if (e != (good ? FWPK_OK : FWPK_ERR_INFLATE))
            printf("'%s' in pieces of %zu, ring %u: got %s, want %s\n", what,
                   PUSH_WAYS[i].piece, PUSH_WAYS[i].rc.ring, fwpk_strerror(e),
                   good ? "OK" : fwpk_strerror(FWPK_ERR_INFLATE));
        if (good) {
            assert_int_equal(e, FWPK_OK);
            assert_int_equal(d.w.drained, z->out_len);
        } else {
            assert_int_equal(e, FWPK_ERR_INFLATE);
            assert_true(d.w.drained <= z->out_len);
            /* refused by the decoder: it says so again, whatever comes;
             * or cut off: it still waits for more */
            if (fwpk_inflate_push(&d.s, &d.w, p, 0, &used) == FWPK_OK)
                assert_false(fwpk_inflate_done(&d.s));
            else
                assert_int_equal(fwpk_inflate_push(&d.s, &d.w, p, n ? 1 : 0,
                                                   &used),
                                 FWPK_ERR_INFLATE);
        }
        assert_memory_equal(d.out, z->out, d.w.drained);
        pdec_free(&d);
    }
}

/* The resumable decoder on a damaged stream, one of PUSH_WAYS ('way'),
 * judged by zlib: what zlib decodes cleanly it gives back the same (but
 * refuses nonzero padding after the final block, SPEC.md 6.1); what zlib
 * refuses, or finds cut off, it refuses; before refusing it hands on no
 * more than zlib and the same bytes.  Returns whether it accepted. */
static int push_judge(const uint8_t *p, size_t n, int wb, const zresult *z,
                      unsigned way)
{
    pdec d;
    way %= N_PUSH_WAYS;
    pdec_init(&d, 1u << wb, PUSH_WAYS[way].rc, z->out_len + 1100 * n + 1024);
    fwpk_err e = pdec_stream(&d, p, n, PUSH_WAYS[way].piece);
    assert_false(d.overflow);
    int clean = z->status == Z_CLEAN && !z->pad_nonzero;
    int bad = e != (clean ? FWPK_OK : FWPK_ERR_INFLATE) ||
              d.w.drained > z->out_len ||
              memcmp(d.out, z->out, d.w.drained) != 0 ||
              (clean && d.w.drained != z->out_len);
    if (bad) {
        printf("resumable decoder, pieces of %zu, ring %u: zlib says %s%s "
               "(%zu bytes out), we say %s (%u bytes out)\n",
               PUSH_WAYS[way].piece, PUSH_WAYS[way].rc.ring,
               zstatus_name[z->status],
               z->pad_nonzero ? " with nonzero padding" : "", z->out_len,
               fwpk_strerror(e), d.w.drained);
        print_hex("stream", p, n < 256 ? n : 256);
    }
    assert_false(bad);
    pdec_free(&d);
    return e == FWPK_OK;
}

/* ---- corpus ----------------------------------------------------------------- */

typedef struct {
    const char *name;
    uint8_t *p;
    size_t n;
} corpus;

enum { C_EMPTY, C_ONE, C_RANDOM, C_TEXT, C_RUNS, C_PERIOD1500, C_PERIOD200,
       C_RAMP, C_FIRMWARE, C_COUNT };
static corpus cor[C_COUNT];

static void make_text(uint8_t *p, size_t n)
{
    static const char *words[] = {
        "the", "frame", "window", "deflate", "block", "of", "and", "flash",
        "bootloader", "signature", "verify", "a", "to", "in", "segment",
        "image", "hash", "key", "manifest", "target", "erase", "write"};
    size_t i = 0;
    while (i < n) {
        const char *w = words[rnd() % (sizeof words / sizeof words[0])];
        for (size_t k = 0; w[k] && i < n; k++)
            p[i++] = (uint8_t)w[k];
        if (i < n)
            p[i++] = rnd() % 11 == 0 ? '\n' : ' ';
    }
}

static void make_period(uint8_t *p, size_t n, size_t period)
{
    for (size_t i = 0; i < period && i < n; i++)
        p[i] = (uint8_t)rnd();
    for (size_t i = period; i < n; i++)
        p[i] = rnd() % 97 == 0 ? (uint8_t)rnd() : p[i - period];
}

/* firmware-like: code, literal pools, erased 0xff gaps, zero-filled .bss
 * images, string tables, a vector table */
static void make_firmware(uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i < 512 && i + 4 <= n; i += 4) { /* vector table */
        uint32_t v = 0x08000101u + (uint32_t)(rnd() % 64) * 4;
        memcpy(p + i, &v, 4);
    }
    while (i < n) {
        size_t k = 256 + rnd() % 8192;
        if (k > n - i)
            k = n - i;
        switch (rnd() % 6) {
        case 0:
        case 1:
        case 2:
            pu_firmware(p + i, k, rnd());
            break;
        case 3:
            memset(p + i, 0xff, k);
            break;
        case 4:
            memset(p + i, 0, k);
            break;
        case 5:
            make_text(p + i, k);
            break;
        }
        i += k;
    }
}

static int corpus_setup(void **state)
{
    (void)state;
    static const size_t sizes[C_COUNT] = {0, 1, 16384, 20000, 20000, 24000,
                                          12000, 10000, 300 * 1024};
    static const char *names[C_COUNT] = {"empty", "1 byte", "random",
                                         "text", "runs", "period 1500",
                                         "period 200", "ramp", "firmware"};
    for (int c = 0; c < C_COUNT; c++) {
        cor[c].name = names[c];
        cor[c].n = sizes[c];
        cor[c].p = malloc(sizes[c] + 1);
        assert_non_null(cor[c].p);
    }
    cor[C_ONE].p[0] = 'x';
    for (size_t i = 0; i < cor[C_RANDOM].n; i++)
        cor[C_RANDOM].p[i] = (uint8_t)rnd();
    make_text(cor[C_TEXT].p, cor[C_TEXT].n);
    uint8_t *r = cor[C_RUNS].p; /* distance-1 runs, 2-byte and 3-byte runs */
    memset(r, 0, 8000);
    for (size_t i = 8000; i < 12000; i++)
        r[i] = i & 1 ? 'b' : 'a';
    memset(r + 12000, 0xff, 6000);
    for (size_t i = 18000; i < 20000; i++)
        r[i] = (uint8_t)("xyz"[i % 3]);
    make_period(cor[C_PERIOD1500].p, cor[C_PERIOD1500].n, 1500);
    make_period(cor[C_PERIOD200].p, cor[C_PERIOD200].n, 200);
    for (size_t i = 0; i < cor[C_RAMP].n; i++)
        cor[C_RAMP].p[i] = (uint8_t)(i * 7 ^ (i >> 8));
    make_firmware(cor[C_FIRMWARE].p, cor[C_FIRMWARE].n);
    return 0;
}

static int corpus_teardown(void **state)
{
    (void)state;
    for (int c = 0; c < C_COUNT; c++)
        free(cor[c].p);
    return 0;
}

typedef struct {
    const char *name;
    int level, strategy;
} zmode;

static const zmode MODES[] = {
    {"level 0 (stored)", 0, Z_DEFAULT_STRATEGY},
    {"level 1", 1, Z_DEFAULT_STRATEGY},
    {"level 6", 6, Z_DEFAULT_STRATEGY},
    {"level 9", 9, Z_DEFAULT_STRATEGY},
    {"fixed", 6, Z_FIXED},
    {"huffman only", 6, Z_HUFFMAN_ONLY},
    {"rle", 6, Z_RLE},
    {"filtered", 9, Z_FILTERED},
};
enum { N_MODES = sizeof MODES / sizeof MODES[0] };

/* ---- round trips ------------------------------------------------------------ */

static size_t rt_streams, rt_frames, rt_bytes;

static void round_trip(const corpus *c, const zmode *m, int wb, int mem,
                       size_t chunk, size_t group)
{
    cstream cs;
    if (deflate_frames(&cs, c->p, c->n, m->level, wb, mem, m->strategy,
                       chunk) != 0) {
        assert_int_equal(wb, 8); /* only raw windowBits 8 may be refused */
        return;
    }
    char label[160];
    snprintf(label, sizeof label, "%s, %s, window bits %d, memLevel %d, "
             "%zu input bytes per frame, %zu frames per call", c->name,
             m->name, wb, mem, chunk, group);
    decode_and_check(&cs, c->p, c->n, window_for(wb), group, label);
    rt_streams++;
    rt_frames += cs.nframes;
    rt_bytes += c->n;
    cs_free(&cs);
}

static void test_round_trip_small(void **state)
{
    (void)state;
    static const size_t chunks[] = {97, 1024, (size_t)-1 / 2};
    size_t refused8 = 0;
    rt_streams = rt_frames = rt_bytes = 0;
    for (int c = 0; c < C_COUNT; c++) {
        if (c == C_FIRMWARE)
            continue;
        for (int m = 0; m < N_MODES; m++)
            for (int wb = 8; wb <= 15; wb++)
                for (size_t k = 0; k < 3; k++) {
                    size_t before = rt_streams;
                    round_trip(&cor[c], &MODES[m], wb, 8, chunks[k], 1);
                    refused8 += before == rt_streams;
                }
    }
    printf("round trips: %zu streams, %zu frames, %zu bytes, all exact "
           "(window bits 8..15%s)\n", rt_streams, rt_frames, rt_bytes,
           refused8 ? "; this zlib refuses raw window bits 8, so 8 was "
                      "skipped" : "");
    assert_true(rt_streams > 1000);
}

static void test_round_trip_firmware(void **state)
{
    (void)state;
    rt_streams = rt_frames = rt_bytes = 0;
    static const int wbs[] = {9, 12, 15};
    for (int m = 0; m < N_MODES; m++)
        for (int w = 0; w < 3; w++)
            round_trip(&cor[C_FIRMWARE], &MODES[m], wbs[w], 8, 4096, 1);
    /* as the packer does it: memLevel 9 */
    round_trip(&cor[C_FIRMWARE], &MODES[3], 15, 9, 4096, 1);
    round_trip(&cor[C_FIRMWARE], &MODES[2], 10, 9, 2000, 1);
    /* small frames, and the whole image in one frame */
    round_trip(&cor[C_FIRMWARE], &MODES[3], 15, 8, 300, 1);
    round_trip(&cor[C_FIRMWARE], &MODES[2], 15, 8, (size_t)-1 / 2, 1);
    printf("firmware round trips: %zu streams of %zu bytes, %zu frames\n",
           rt_streams, cor[C_FIRMWARE].n, rt_frames);
}

/* The corpus reaches the block types it claims to: the first block zlib
 * writes is stored at level 0 and for random data, fixed for Z_FIXED and
 * dynamic for the other modes on text. */
static void test_block_types_covered(void **state)
{
    (void)state;
    for (int m = 0; m < N_MODES; m++) {
        for (int c = C_RANDOM; c <= C_TEXT; c++) {
            cstream cs;
            assert_int_equal(deflate_frames(&cs, cor[c].p, cor[c].n,
                                            MODES[m].level, 15, 8,
                                            MODES[m].strategy, 4096), 0);
            unsigned type = (cs.data[0] >> 1) & 3u;
            unsigned want = MODES[m].level == 0 || c == C_RANDOM ? 0
                            : MODES[m].strategy == Z_FIXED       ? 1
                                                                 : 2;
            if (type != want)
                printf("%s, %s: first block type %u, expected %u\n",
                       cor[c].name, MODES[m].name, type, want);
            assert_int_equal(type, want);
            cs_free(&cs);
        }
    }
}

/* Several frames handed over in one call are still whole blocks. */
static void test_frames_grouped(void **state)
{
    (void)state;
    rt_streams = 0;
    for (size_t g = 2; g <= 7; g += 5)
        for (int m = 1; m < N_MODES; m += 2) {
            round_trip(&cor[C_PERIOD1500], &MODES[m], 11, 8, 300, g);
            round_trip(&cor[C_TEXT], &MODES[m], 15, 8, 97, g);
        }
    assert_int_equal(rt_streams, 16);
}

/* Matches across frame boundaries really happen in the periodic corpus:
 * every frame is smaller than the period, and compression still wins. */
static void test_cross_frame_matches(void **state)
{
    (void)state;
    cstream cs;
    const corpus *c = &cor[C_PERIOD1500];
    assert_int_equal(deflate_frames(&cs, c->p, c->n, 9, 15, 8,
                                    Z_DEFAULT_STRATEGY, 256), 0);
    /* 256-byte frames of fresh random data could not shrink below 256 */
    assert_true(cs.len < c->n / 3);
    decode_and_check(&cs, c->p, c->n, 1u << 15, 1, "period 1500, 256/frame");
    cs_free(&cs);
    /* and with period 200 through the smallest window */
    c = &cor[C_PERIOD200];
    assert_int_equal(deflate_frames(&cs, c->p, c->n, 9, 9, 8,
                                    Z_DEFAULT_STRATEGY, 64), 0);
    assert_true(cs.len < c->n / 2);
    decode_and_check(&cs, c->p, c->n, 512, 1, "period 200, 64/frame, 512 window");
    cs_free(&cs);
}

/* A frame that is nothing but a sync flush (an empty stored block), in
 * between real frames, and the empty stream. */
static void test_empty_frames(void **state)
{
    (void)state;
    static const uint8_t sync[] = {0x00, 0x00, 0x00, 0xff, 0xff};
    cstream cs;
    const corpus *c = &cor[C_TEXT];
    assert_int_equal(deflate_frames(&cs, c->p, c->n, 6, 15, 8,
                                    Z_DEFAULT_STRATEGY, 5000), 0);
    dec d;
    sinkbuf b;
    dec_init(&d, 1u << 15);
    sb_init(&b, c->n);
    size_t start = 0;
    for (size_t f = 0; f < cs.nframes; f++) {
        assert_int_equal(dec_frame(&d, sync, sizeof sync, &b), FWPK_OK);
        assert_int_equal(dec_frame(&d, cs.data + start, cs.end[f] - start, &b),
                         FWPK_OK);
        start = cs.end[f];
        if (f + 1 < cs.nframes)
            assert_int_equal(dec_frame(&d, sync, sizeof sync, &b), FWPK_OK);
    }
    assert_int_equal(b.len, c->n);
    assert_memory_equal(b.p, c->p, c->n);
    assert_int_equal(d.s.final, 1);
    sb_free(&b);
    dec_free(&d);
    cs_free(&cs);

    /* the empty stream: one frame, no output */
    assert_int_equal(deflate_frames(&cs, NULL, 0, 6, 15, 8,
                                    Z_DEFAULT_STRATEGY, 1), 0);
    dec_init(&d, 1u << 15);
    sb_init(&b, 16);
    assert_int_equal(dec_frame(&d, cs.data, cs.len, &b), FWPK_OK);
    assert_int_equal(b.len, 0);
    assert_int_equal(d.s.total, 0);
    assert_int_equal(d.s.final, 1);
    sb_free(&b);
    dec_free(&d);
    cs_free(&cs);
}

/* ---- the resumable decoder: round trips ---------------------------------------- */

/* Every zlib level and strategy, window bits 9..15 (each combination
 * meets several), v1 frames (a sync flush every 500..3000 input bytes) or
 * one continuous stream; the input in pieces of every size 1..64 and
 * 4096; each through a RAM window and through a flash-backed one (a ring
 * of 1..256 bytes, some held back, the rest of the history read back from
 * the output). */
static const zmode PUSH_MODES[] = {
    {"level 0", 0, Z_DEFAULT_STRATEGY}, {"level 1", 1, Z_DEFAULT_STRATEGY},
    {"level 2", 2, Z_DEFAULT_STRATEGY}, {"level 3", 3, Z_DEFAULT_STRATEGY},
    {"level 4", 4, Z_DEFAULT_STRATEGY}, {"level 5", 5, Z_DEFAULT_STRATEGY},
    {"level 6", 6, Z_DEFAULT_STRATEGY}, {"level 7", 7, Z_DEFAULT_STRATEGY},
    {"level 8", 8, Z_DEFAULT_STRATEGY}, {"level 9", 9, Z_DEFAULT_STRATEGY},
    {"fixed", 6, Z_FIXED},              {"huffman only", 6, Z_HUFFMAN_ONLY},
    {"rle", 6, Z_RLE},                  {"filtered", 9, Z_FILTERED},
};
enum { N_PUSH_MODES = sizeof PUSH_MODES / sizeof PUSH_MODES[0] };
#define PIECE_SIZES 65 /* 1..64, then 4096 */

static size_t piece_size(size_t i)
{
    return i < 64 ? i + 1 : 4096;
}

static void test_push_round_trips(void **state)
{
    (void)state;
    /* text, then data repeating every 1500 bytes (matches reaching past
     * any small ring), then firmware */
    static uint8_t mixed[2000 + 4000 + 3000];
    memcpy(mixed, cor[C_TEXT].p, 2000);
    memcpy(mixed + 2000, cor[C_PERIOD1500].p, 4000);
    memcpy(mixed + 6000, cor[C_FIRMWARE].p, 3000);
    static const size_t chunks[] = {(size_t)-1 / 2, 500, 1024, 3000};
    size_t streams = 0, far_streams = 0;
    push_far_reads = 0;
    for (int m = 0; m < N_PUSH_MODES; m++) {
        for (size_t i = 0; i < PIECE_SIZES; i++) {
            for (int flash = 0; flash <= 1; flash++) {
                int wb = 9 + (int)((2 * i + (size_t)flash + (size_t)m) % 7);
                size_t chunk = chunks[(i + (size_t)m) % 4];
                uint32_t ring = 1u << (i % 9);
                ringcfg rc = {0, (uint32_t)(i % 4)};
                if (flash) {
                    rc.ring = ring;
                    rc.reserve = (uint32_t)(i % 5) < ring ? (uint32_t)(i % 5)
                                                          : ring - 1;
                }
                cstream cs;
                assert_int_equal(deflate_frames(&cs, mixed, sizeof mixed,
                                                PUSH_MODES[m].level, wb, 8,
                                                PUSH_MODES[m].strategy,
                                                chunk), 0);
                char label[160];
                snprintf(label, sizeof label, "%s, window bits %d, %zu "
                         "frames", PUSH_MODES[m].name, wb, cs.nframes);
                size_t before = push_far_reads;
                push_decode_and_check(&cs, mixed, sizeof mixed, 1u << wb,
                                      piece_size(i), rc, label);
                far_streams += push_far_reads > before;
                streams++;
                cs_free(&cs);
            }
        }
    }
    printf("resumable decoder: %zu streams, %zu of them flash-backed with "
           "far reads (%zu reads)\n", streams, far_streams, push_far_reads);
    /* the flash-backed runs really read history back */
    assert_true(far_streams > streams / 3);
}

/* 300 KB of firmware at the packer's settings, v1 frames and one stream. */
static void test_push_firmware(void **state)
{
    (void)state;
    static const size_t pieces[] = {1, 13, 64, 4096};
    static const ringcfg rings[] = {{0, 0}, {32, 3}, {256, 0}, {1, 0}};
    const corpus *c = &cor[C_FIRMWARE];
    for (int k = 0; k < 4; k++) {
        cstream cs;
        size_t chunk = k % 2 ? 4096 : (size_t)-1 / 2;
        assert_int_equal(deflate_frames(&cs, c->p, c->n, 9, 15, 9,
                                        Z_DEFAULT_STRATEGY, chunk), 0);
        push_decode_and_check(&cs, c->p, c->n, 1u << 15, pieces[k], rings[k],
                              "firmware, level 9, window bits 15");
        cs_free(&cs);
    }
}

/* ---- hand-built streams ------------------------------------------------------- */

typedef struct {
    uint8_t buf[70000];
    size_t n;
    uint32_t acc;
    int bits;
} bw;

static void bw_init(bw *w)
{
    w->n = 0;
    w->acc = 0;
    w->bits = 0;
}

static void bw_put(bw *w, uint32_t v, int n) /* LSB first */
{
    for (int i = 0; i < n; i++) {
        w->acc |= ((v >> i) & 1u) << w->bits;
        if (++w->bits == 8) {
            assert_true(w->n < sizeof w->buf);
            w->buf[w->n++] = (uint8_t)w->acc;
            w->acc = 0;
            w->bits = 0;
        }
    }
}

static void bw_huff(bw *w, uint32_t code, int len) /* MSB of the code first */
{
    for (int i = len - 1; i >= 0; i--)
        bw_put(w, (code >> i) & 1u, 1);
}

static void bw_align(bw *w)
{
    if (w->bits)
        bw_put(w, 0, 8 - w->bits);
}

static void bw_byte(bw *w, uint8_t b)
{
    bw_put(w, b, 8);
}

static void stored_block(bw *w, int final, const uint8_t *p, size_t n)
{
    bw_put(w, (uint32_t)final, 1);
    bw_put(w, 0, 2);
    bw_align(w);
    bw_put(w, (uint32_t)n, 16);
    bw_put(w, (uint32_t)~n & 0xffffu, 16);
    for (size_t i = 0; i < n; i++)
        bw_byte(w, p[i]);
}

static void fixed_sym(bw *w, unsigned sym)
{
    if (sym < 144)
        bw_huff(w, 0x30 + sym, 8);
    else if (sym < 256)
        bw_huff(w, 0x190 + sym - 144, 9);
    else if (sym < 280)
        bw_huff(w, sym - 256, 7);
    else
        bw_huff(w, 0xc0 + sym - 280, 8);
}

static const uint16_t LBASE[29] = {3,   4,   5,   6,   7,   8,   9,   10,
                                   11,  13,  15,  17,  19,  23,  27,  31,
                                   35,  43,  51,  59,  67,  83,  99,  115,
                                   131, 163, 195, 227, 258};
static const uint8_t LEXT[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const uint16_t DBASE[30] = {
    1,   2,   3,   4,   5,   7,    9,    13,   17,   25,   33,   49,   65,   97,    129,
    193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t DEXT[30] = {0, 0, 0, 0, 1, 1, 2,  2,  3,  3,  4,  4,  5,  5,  6,
                                 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

static void fixed_match(bw *w, unsigned len, unsigned dist)
{
    int i = 28, j = 29;
    while (LBASE[i] > len)
        i--;
    while (DBASE[j] > dist)
        j--;
    fixed_sym(w, 257u + (unsigned)i);
    bw_put(w, len - LBASE[i], LEXT[i]);
    bw_huff(w, (uint32_t)j, 5);
    bw_put(w, dist - DBASE[j], DEXT[j]);
}

static void fixed_header(bw *w, int final)
{
    bw_put(w, (uint32_t)final, 1);
    bw_put(w, 1, 2);
}

static void fixed_literals(bw *w, const char *s)
{
    while (*s)
        fixed_sym(w, (uint8_t)*s++);
}

/* Decodes buf as one frame with a fresh state; returns the error and
 * leaves the output in b. */
static fwpk_err decode_one(const uint8_t *p, size_t n, uint32_t wsize,
                           sinkbuf *b)
{
    dec d;
    dec_init(&d, wsize);
    fwpk_err e = dec_frame(&d, p, n, b);
    assert_false(b->overflow);
    dec_free(&d);
    return e;
}

/* A bad stream must be refused by zlib (which validates the builder) and
 * by us; its good twin must be clean for zlib and give zlib's output.
 * Before refusing we may hand on no more than zlib produced before it
 * gave up: a header zlib refuses (no end-of-block code, say) yields no
 * output at all, even though such a block could never end anyway. */
static void expect_bad(const bw *w, int wb, const char *what)
{
    zresult z;
    sinkbuf b;
    zlib_analyze(&z, w->buf, w->n, wb);
    if (z.status == Z_CLEAN)
        printf("builder bug? zlib accepts the bad stream '%s'\n", what);
    assert_int_not_equal(z.status, Z_CLEAN);
    sb_init(&b, 1 << 20);
    fwpk_err e = decode_one(w->buf, w->n, 1u << wb, &b);
    if (e != FWPK_ERR_INFLATE) {
        printf("'%s' (zlib: %s): got %s, want %s\n", what,
               zstatus_name[z.status], fwpk_strerror(e),
               fwpk_strerror(FWPK_ERR_INFLATE));
        print_hex("stream", w->buf, w->n < 200 ? w->n : 200);
    }
    assert_int_equal(e, FWPK_ERR_INFLATE);
    if (b.len > z.out_len || memcmp(b.p, z.out, b.len) != 0)
        printf("'%s': %zu bytes handed on before the refusal, zlib gave "
               "%zu\n", what, b.len, z.out_len);
    assert_true(b.len <= z.out_len);
    assert_memory_equal(b.p, z.out, b.len);
    push_verdict(w->buf, w->n, wb, &z, 0, what);
    sb_free(&b);
    zr_free(&z);
}

static void expect_good(const bw *w, int wb, const char *want, size_t want_len,
                        const char *what)
{
    zresult z;
    sinkbuf b;
    zlib_analyze(&z, w->buf, w->n, wb);
    if (z.status != Z_CLEAN)
        printf("builder bug? zlib says %s for '%s'\n", zstatus_name[z.status],
               what);
    assert_int_equal(z.status, Z_CLEAN);
    if (want) {
        assert_int_equal(z.out_len, want_len);
        assert_memory_equal(z.out, want, want_len);
    }
    sb_init(&b, z.out_len + 1);
    fwpk_err e = decode_one(w->buf, w->n, 1u << wb, &b);
    if (e != FWPK_OK) {
        printf("'%s': got %s, want OK\n", what, fwpk_strerror(e));
        print_hex("stream", w->buf, w->n < 200 ? w->n : 200);
    }
    assert_int_equal(e, FWPK_OK);
    assert_int_equal(b.len, z.out_len);
    assert_memory_equal(b.p, z.out, z.out_len);
    push_verdict(w->buf, w->n, wb, &z, 1, what);
    sb_free(&b);
    zr_free(&z);
}

static void test_fixed_and_distances(void **state)
{
    (void)state;
    static bw w;

    /* good: literals, a run of distance 1, length 258 */
    bw_init(&w);
    fixed_header(&w, 1);
    fixed_literals(&w, "hello");
    fixed_match(&w, 3, 1);
    fixed_sym(&w, 256);
    bw_align(&w);
    expect_good(&w, 15, "helloooo", 8, "fixed block, distance 1");

    bw_init(&w);
    fixed_header(&w, 1);
    fixed_literals(&w, "ab");
    fixed_match(&w, 258, 2);
    fixed_match(&w, 227, 1);
    fixed_sym(&w, 256);
    bw_align(&w);
    expect_good(&w, 15, NULL, 0, "fixed block, lengths 258 and 227");

    /* distance farther back than the output so far */
    bw_init(&w);
    fixed_header(&w, 1);
    fixed_literals(&w, "a");
    fixed_match(&w, 3, 2);
    fixed_sym(&w, 256);
    bw_align(&w);
    expect_bad(&w, 15, "distance 2 after 1 byte");

    bw_init(&w);
    fixed_header(&w, 1);
    fixed_match(&w, 3, 1);
    fixed_sym(&w, 256);
    bw_align(&w);
    expect_bad(&w, 15, "match before any output");

    /* invalid symbols of the fixed code: lengths 286, 287, distances 30, 31 */
    for (unsigned sym = 286; sym <= 287; sym++) {
        bw_init(&w);
        fixed_header(&w, 1);
        fixed_literals(&w, "abc");
        fixed_sym(&w, sym);
        bw_huff(&w, 0, 5);
        fixed_sym(&w, 256);
        bw_align(&w);
        expect_bad(&w, 15, "fixed length symbol 286/287");
    }
    for (unsigned dsym = 30; dsym <= 31; dsym++) {
        bw_init(&w);
        fixed_header(&w, 1);
        fixed_literals(&w, "abc");
        fixed_sym(&w, 257);
        bw_huff(&w, dsym, 5);
        fixed_sym(&w, 256);
        bw_align(&w);
        expect_bad(&w, 15, "fixed distance symbol 30/31");
    }

    /* distances at and beyond the window */
    static uint8_t fill[40000];
    for (size_t i = 0; i < sizeof fill; i++)
        fill[i] = (uint8_t)rnd();
    static const int wbs[] = {9, 12, 15};
    for (int k = 0; k < 3; k++) {
        unsigned W = 1u << wbs[k];
        size_t nfill = W + 100;
        /* distance == window: the oldest byte still in the window */
        bw_init(&w);
        stored_block(&w, 0, fill, nfill);
        fixed_header(&w, 1);
        fixed_match(&w, 10, W);
        fixed_match(&w, 258, W);
        fixed_sym(&w, 256);
        bw_align(&w);
        expect_good(&w, wbs[k], NULL, 0, "distance equal to the window size");
        if (W < 32768) {
            bw_init(&w);
            stored_block(&w, 0, fill, nfill);
            fixed_header(&w, 1);
            fixed_match(&w, 10, W + 1);
            fixed_sym(&w, 256);
            bw_align(&w);
            expect_bad(&w, wbs[k], "distance one past the window");
        }
    }
}

/* Distances checked across frames: the window carries over, and the
 * output so far counts every earlier frame. */
static void test_distance_across_frames(void **state)
{
    (void)state;
    static bw f1, f2;
    bw_init(&f1);
    stored_block(&f1, 0, (const uint8_t *)"ab", 2);
    for (unsigned dist = 1; dist <= 3; dist++) {
        bw_init(&f2);
        fixed_header(&f2, 1);
        fixed_match(&f2, 5, dist);
        fixed_sym(&f2, 256);
        bw_align(&f2);
        dec d;
        sinkbuf b;
        dec_init(&d, 512);
        sb_init(&b, 64);
        assert_int_equal(dec_frame(&d, f1.buf, f1.n, &b), FWPK_OK);
        assert_int_equal(d.s.final, 0);
        fwpk_err e = dec_frame(&d, f2.buf, f2.n, &b);
        if (dist == 3) {
            assert_int_equal(e, FWPK_ERR_INFLATE);
        } else {
            assert_int_equal(e, FWPK_OK);
            assert_int_equal(b.len, 7);
            assert_memory_equal(b.p, dist == 1 ? "abbbbbb" : "abababa", 7);
            assert_int_equal(d.s.final, 1);
        }
        sb_free(&b);
        dec_free(&d);
    }

    /* 600 bytes through a 512-byte window in frames of 150, then a match
     * of distance 512 (fine) or 513 (beyond the window, though not beyond
     * the output) */
    uint8_t fill[600];
    for (size_t i = 0; i < sizeof fill; i++)
        fill[i] = (uint8_t)rnd();
    for (unsigned dist = 512; dist <= 513; dist++) {
        dec d;
        sinkbuf b;
        dec_init(&d, 512);
        sb_init(&b, 1024);
        for (size_t off = 0; off < sizeof fill; off += 150) {
            bw_init(&f1);
            stored_block(&f1, 0, fill + off, 150);
            assert_int_equal(dec_frame(&d, f1.buf, f1.n, &b), FWPK_OK);
        }
        bw_init(&f2);
        fixed_header(&f2, 1);
        fixed_match(&f2, 20, dist);
        fixed_sym(&f2, 256);
        bw_align(&f2);
        fwpk_err e = dec_frame(&d, f2.buf, f2.n, &b);
        if (dist == 513) {
            assert_int_equal(e, FWPK_ERR_INFLATE);
        } else {
            assert_int_equal(e, FWPK_OK);
            assert_int_equal(b.len, 620);
            assert_memory_equal(b.p, fill, 600);
            for (size_t i = 600; i < 620; i++)
                assert_int_equal(b.p[i], b.p[i - 512]);
        }
        sb_free(&b);
        dec_free(&d);
    }
}

static void test_stored_and_block_types(void **state)
{
    (void)state;
    static bw w;
    const uint8_t five[5] = {1, 2, 3, 4, 5};

    bw_init(&w);
    stored_block(&w, 1, five, 5);
    expect_good(&w, 15, (const char *)five, 5, "stored block");

    bw_init(&w); /* LEN != ~NLEN */
    bw_put(&w, 1, 1);
    bw_put(&w, 0, 2);
    bw_align(&w);
    bw_put(&w, 5, 16);
    bw_put(&w, (~5u & 0xffffu) ^ 1u, 16); /* one bit off */
    for (int i = 0; i < 5; i++)
        bw_byte(&w, five[i]);
    expect_bad(&w, 15, "stored LEN != ~NLEN");

    bw_init(&w); /* LEN longer than the data present */
    stored_block(&w, 1, five, 5);
    w.buf[1] = 9;
    w.buf[3] = (uint8_t)~9;
    expect_bad(&w, 15, "stored LEN past the end of the frame");

    for (int final = 0; final <= 1; final++) {
        bw_init(&w); /* block type 3 */
        bw_put(&w, (uint32_t)final, 1);
        bw_put(&w, 3, 2);
        for (int i = 0; i < 16; i++)
            bw_byte(&w, 0);
        expect_bad(&w, 15, "block type 3");
    }
}

static void test_after_final(void **state)
{
    (void)state;
    static bw w, extra;
    /* data after the final block in the same frame */
    const uint8_t tails[][2] = {{0x00, 0}, {0x03, 0x00}, {0xff, 0}};
    const size_t tail_len[] = {1, 2, 1};
    for (int t = 0; t < 3; t++) {
        bw_init(&w);
        fixed_header(&w, 1);
        fixed_literals(&w, "end");
        fixed_sym(&w, 256);
        bw_align(&w);
        expect_good(&w, 15, "end", 3, "final block alone");
        for (size_t i = 0; i < tail_len[t]; i++)
            bw_byte(&w, tails[t][i]);
        dec d;
        sinkbuf b;
        dec_init(&d, 1024);
        sb_init(&b, 64);
        assert_int_equal(dec_frame(&d, w.buf, w.n, &b), FWPK_ERR_INFLATE);
        sb_free(&b);
        dec_free(&d);
    }

    /* a second frame after the final one */
    bw_init(&w);
    fixed_header(&w, 1);
    fixed_literals(&w, "end");
    fixed_sym(&w, 256);
    bw_align(&w);
    for (int k = 0; k < 3; k++) {
        bw_init(&extra);
        if (k == 0)
            stored_block(&extra, 0, NULL, 0); /* a sync flush */
        else if (k == 1)
            stored_block(&extra, 1, (const uint8_t *)"x", 1);
        else {
            fixed_header(&extra, 1);
            fixed_sym(&extra, 256);
            bw_align(&extra);
        }
        dec d;
        sinkbuf b;
        dec_init(&d, 1024);
        sb_init(&b, 64);
        assert_int_equal(dec_frame(&d, w.buf, w.n, &b), FWPK_OK);
        assert_int_equal(d.s.final, 1);
        assert_int_equal(dec_frame(&d, extra.buf, extra.n, &b),
                         FWPK_ERR_INFLATE);
        assert_int_equal(b.len, 3);
        sb_free(&b);
        dec_free(&d);
    }
}

/* SPEC.md 6.1: the bits after the final block's last code, to the end of
 * its byte, are zero.  zlib ignores them; both decoders refuse any set.
 * Bits skipped before a stored block's LEN are not checked (nor by zlib). */
static void test_final_padding(void **state)
{
    (void)state;
    static bw w, bad;
    bw_init(&w);
    fixed_header(&w, 1);
    fixed_literals(&w, "end");
    fixed_sym(&w, 256);
    int pad = 8 - w.bits;
    assert_true(w.bits > 0 && pad > 0);
    for (int j = 0; j < pad; j++) {
        bad = w;
        bw_put(&bad, 1u << j, pad);
        zresult z;
        zlib_analyze(&z, bad.buf, bad.n, 15);
        assert_int_equal(z.status, Z_CLEAN);
        assert_true(z.pad_nonzero);
        sinkbuf b;
        sb_init(&b, 64);
        assert_int_equal(decode_one(bad.buf, bad.n, 1u << 15, &b),
                         FWPK_ERR_INFLATE);
        push_verdict(bad.buf, bad.n, 15, &z, 0, "nonzero padding");
        sb_free(&b);
        zr_free(&z);
    }
    bw_align(&w);
    expect_good(&w, 15, "end", 3, "zero padding");

    /* ones before a stored block's LEN */
    bw_init(&w);
    fixed_header(&w, 0);
    fixed_literals(&w, "ab");
    fixed_sym(&w, 256);
    bw_put(&w, 1, 1);
    bw_put(&w, 0, 2);
    assert_true(w.bits > 0);
    bw_put(&w, 0xff, 8 - w.bits);
    bw_put(&w, 2, 16);
    bw_put(&w, ~2u & 0xffffu, 16);
    bw_byte(&w, 'c');
    bw_byte(&w, 'd');
    expect_good(&w, 15, "abcd", 4, "ones before a stored block's length");
}

/* The resumable decoder's calls: empty ones, bytes after the final block
 * (in the same piece or a later one), errors that stick, and a failing
 * far reader, whose error comes back as it is. */
static void test_push_calls(void **state)
{
    (void)state;
    static bw w;
    static const uint8_t tail[] = {0x00, 0x03, 0xff};
    const ringcfg tiny = {16, 0}, ram = {0, 0};
    uint32_t used = 99;
    pdec d;

    pdec_init(&d, 512, tiny, 64);
    assert_int_equal(fwpk_inflate_push(&d.s, &d.w, tail, 0, &used), FWPK_OK);
    assert_int_equal(used, 0);
    assert_int_equal(d.w.total, 0);
    assert_true(fwpk_inflate_at_boundary(&d.s));
    assert_false(fwpk_inflate_done(&d.s));
    pdec_free(&d);

    bw_init(&w);
    fixed_header(&w, 1);
    fixed_literals(&w, "end");
    fixed_sym(&w, 256);
    bw_align(&w);
    for (size_t t = 0; t < sizeof tail; t++) {
        /* a later piece */
        pdec_init(&d, 512, t ? tiny : ram, 64);
        assert_int_equal(pdec_feed(&d, w.buf, w.n, 1 + t), FWPK_OK);
        assert_true(fwpk_inflate_done(&d.s));
        assert_true(fwpk_inflate_at_boundary(&d.s));
        assert_int_equal(fwpk_inflate_push(&d.s, &d.w, tail, 0, &used),
                         FWPK_OK);
        assert_true(fwpk_inflate_done(&d.s));
        assert_int_equal(fwpk_inflate_push(&d.s, &d.w, tail + t, 1, &used),
                         FWPK_ERR_INFLATE);
        assert_int_equal(fwpk_inflate_push(&d.s, &d.w, tail, 0, &used),
                         FWPK_ERR_INFLATE); /* and ever after */
        pdec_drain(&d, 1);
        assert_int_equal(d.w.drained, 3);
        assert_memory_equal(d.out, "end", 3);
        pdec_free(&d);
        /* the same piece */
        static bw more;
        more = w;
        bw_byte(&more, tail[t]);
        pdec_init(&d, 512, t ? ram : tiny, 64);
        assert_int_equal(pdec_stream(&d, more.buf, more.n, more.n),
                         FWPK_ERR_INFLATE);
        pdec_free(&d);
    }

    /* far reads that fail, early and late */
    cstream cs;
    const corpus *c = &cor[C_PERIOD1500];
    assert_int_equal(deflate_frames(&cs, c->p, 6000, 9, 12, 8,
                                    Z_DEFAULT_STRATEGY, 6000), 0);
    const long fail_at[] = {0, 1, 7, 100};
    for (size_t k = 0; k < sizeof fail_at / sizeof fail_at[0]; k++) {
        pdec_init(&d, 1u << 12, (ringcfg){64, 1}, 6001);
        d.far_fail_at = fail_at[k];
        assert_int_equal(pdec_stream(&d, cs.data, cs.len, 5), FWPK_ERR_FLASH);
        assert_int_equal(d.far_reads, fail_at[k] + 1);
        assert_int_equal(fwpk_inflate_push(&d.s, &d.w, cs.data, 1, &used),
                         FWPK_ERR_FLASH);
        assert_false(fwpk_inflate_done(&d.s));
        assert_true(d.w.drained < 6000);
        assert_memory_equal(d.out, c->p, d.w.drained);
        pdec_free(&d);
    }
    cs_free(&cs);
}

/* ---- dynamic headers ---------------------------------------------------------- */

static const uint8_t CL_ORDER[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                     11, 4,  12, 3, 13, 2, 14, 1, 15};

/* canonical Huffman codes (RFC 1951 3.2.2) */
static void canon(const uint8_t *len, int n, uint16_t *code)
{
    unsigned count[16] = {0}, next[16] = {0};
    for (int i = 0; i < n; i++)
        count[len[i]]++;
    count[0] = 0;
    unsigned c = 0;
    for (int b = 1; b < 16; b++) {
        c = (c + count[b - 1]) << 1;
        next[b] = c;
    }
    for (int i = 0; i < n; i++)
        if (len[i])
            code[i] = (uint16_t)next[len[i]]++;
}

typedef struct {
    int nlit, ndist;           /* codes sent: 257..286, 1..30 */
    uint8_t lit[288], dist[32];
    uint8_t cl[19];            /* code-length code lengths */
    int nclen;                 /* code-length codes sent, 4..19 */
    uint16_t litc[288], distc[32];
} dyn;

/* complete code-length code: 0..12 get 4 bits, 13..18 get 5 */
static void dyn_default_cl(dyn *d)
{
    for (int i = 0; i < 19; i++)
        d->cl[i] = i <= 12 ? 4 : 5;
    d->nclen = 19;
}

/* Header with every length sent as itself (no repeat codes), unless
 * 'raw_lengths' is given: then those code-length symbols (and extra bits,
 * as sym | extra << 8 | nbits << 16) are sent instead. */
static void dyn_header(bw *w, dyn *d, int final, const uint32_t *raw_lengths,
                       size_t nraw)
{
    uint16_t clc[19];
    canon(d->cl, 19, clc);
    bw_put(w, (uint32_t)final, 1);
    bw_put(w, 2, 2);
    bw_put(w, (uint32_t)(d->nlit - 257), 5);
    bw_put(w, (uint32_t)(d->ndist - 1), 5);
    bw_put(w, (uint32_t)(d->nclen - 4), 4);
    for (int i = 0; i < d->nclen; i++)
        bw_put(w, d->cl[CL_ORDER[i]], 3);
    if (raw_lengths) {
        for (size_t i = 0; i < nraw; i++) {
            unsigned sym = raw_lengths[i] & 0xff;
            bw_huff(w, clc[sym], d->cl[sym]);
            bw_put(w, (raw_lengths[i] >> 8) & 0xff, (int)(raw_lengths[i] >> 16));
        }
    } else {
        for (int i = 0; i < d->nlit; i++)
            bw_huff(w, clc[d->lit[i]], d->cl[d->lit[i]]);
        for (int i = 0; i < d->ndist; i++)
            bw_huff(w, clc[d->dist[i]], d->cl[d->dist[i]]);
    }
    canon(d->lit, 288, d->litc);
    canon(d->dist, 32, d->distc);
}

static void dyn_sym(bw *w, const dyn *d, unsigned sym)
{
    assert_true(d->lit[sym] > 0);
    bw_huff(w, d->litc[sym], d->lit[sym]);
}

static void dyn_dist(bw *w, const dyn *d, unsigned dsym)
{
    assert_true(d->dist[dsym] > 0);
    bw_huff(w, d->distc[dsym], d->dist[dsym]);
}

/* litlen: 0..255 9 bits, 256 2 bits, 257 and 258 3 bits (complete);
 * dist: 0 and 1, 1 bit each (complete) */
static void dyn_good(dyn *d)
{
    memset(d, 0, sizeof *d);
    dyn_default_cl(d);
    d->nlit = 259;
    d->ndist = 2;
    for (int i = 0; i < 256; i++)
        d->lit[i] = 9;
    d->lit[256] = 2;
    d->lit[257] = 3;
    d->lit[258] = 3;
    d->dist[0] = 1;
    d->dist[1] = 1;
}

/* "hello", then length 3 at distance 1, length 4 at distance 2:
 * "helloooooooo" */
static void dyn_body(bw *w, const dyn *d, int eob)
{
    for (const char *s = "hello"; *s; s++)
        dyn_sym(w, d, (uint8_t)*s);
    dyn_sym(w, d, 257);
    dyn_dist(w, d, 0);
    dyn_sym(w, d, 258);
    dyn_dist(w, d, 1);
    if (eob)
        dyn_sym(w, d, 256);
    bw_align(w);
}

/* d's header and body: good at a limit, bad one past it. */
static void expect_at_limit(bw *w, dyn *d, int past, const char *field,
                            int count)
{
    char what[80];
    bw_init(w);
    dyn_header(w, d, 1, NULL, 0);
    dyn_body(w, d, 1);
    snprintf(what, sizeof what, "%s %d", field, count);
    if (past)
        expect_bad(w, 15, what);
    else
        expect_good(w, 15, "helloooooooo", 12, what);
}

static void test_dynamic_headers(void **state)
{
    (void)state;
    static bw w;
    dyn d;

    /* the good twin */
    bw_init(&w);
    dyn_good(&d);
    dyn_header(&w, &d, 1, NULL, 0);
    dyn_body(&w, &d, 1);
    expect_good(&w, 15, "helloooooooo", 12, "hand-built dynamic block");

    /* a good one with repeat codes 16, 17, 18 in the lengths */
    {
        /* 0..255: "9" then 16 x(3..6) until 256 sent; 256: 2; 257,258: 3;
         * dist: 1, 1 */
        uint32_t raw[320];
        size_t k = 0;
        int sent = 0;
        raw[k++] = 9;
        sent = 1;
        while (sent < 256) {
            int rep = 256 - sent >= 6 ? 6 : 256 - sent;
            if (rep < 3) {
                raw[k++] = 9;
                sent++;
                continue;
            }
            raw[k++] = 16u | (uint32_t)(rep - 3) << 8 | 2u << 16;
            sent += rep;
        }
        raw[k++] = 2;
        raw[k++] = 3;
        raw[k++] = 3;
        raw[k++] = 1;
        raw[k++] = 1;
        bw_init(&w);
        dyn_good(&d);
        dyn_header(&w, &d, 1, raw, k);
        dyn_body(&w, &d, 1);
        expect_good(&w, 15, "helloooooooo", 12, "dynamic block with repeat code 16");

        /* literals 0..127 unused (sent as 18, 17 and a plain 0),
         * 128..255 9 bits (1/4), 256..258 2 bits (3/4): complete */
        dyn_good(&d);
        for (int i = 0; i < 128; i++)
            d.lit[i] = 0;
        d.lit[256] = d.lit[257] = d.lit[258] = 2;
        k = 0;
        raw[k++] = 18u | (117u - 11u) << 8 | 7u << 16; /* 117 zeros */
        raw[k++] = 17u | (10u - 3u) << 8 | 3u << 16;   /* 10 zeros */
        raw[k++] = 0;                                   /* 128 zeros */
        raw[k++] = 9;
        raw[k++] = 16u | 3u << 8 | 2u << 16; /* 6 more: 7 nines */
        for (int i = 135; i < 256; i++)
            raw[k++] = 9;
        raw[k++] = 2;
        raw[k++] = 2;
        raw[k++] = 2;
        raw[k++] = 1;
        raw[k++] = 1;
        assert_true(k <= 320);
        bw_init(&w);
        dyn_header(&w, &d, 1, raw, k);
        /* body with literals >= 128 only */
        dyn_sym(&w, &d, 200);
        dyn_sym(&w, &d, 201);
        dyn_sym(&w, &d, 257); /* length 3 at distance 2 */
        dyn_dist(&w, &d, 1);
        dyn_sym(&w, &d, 256);
        bw_align(&w);
        const char want[] = {(char)200, (char)201, (char)200, (char)201, (char)200};
        expect_good(&w, 15, want, 5, "dynamic block with repeat codes 17, 18");

        /* 16 with no previous length */
        bw_init(&w);
        dyn_good(&d);
        raw[0] = 16u | 0u << 8 | 2u << 16;
        dyn_header(&w, &d, 1, raw, 1);
        for (int i = 0; i < 64; i++)
            bw_byte(&w, 0x55);
        expect_bad(&w, 15, "repeat code 16 first");

        /* 18 running past HLIT + HDIST */
        bw_init(&w);
        dyn_good(&d);
        k = 0;
        for (int i = 0; i < 255; i++)
            raw[k++] = 9;
        raw[k++] = 18u | (20u - 11u) << 8 | 7u << 16; /* 20 zeros > 6 left */
        dyn_header(&w, &d, 1, raw, k);
        for (int i = 0; i < 64; i++)
            bw_byte(&w, 0x55);
        expect_bad(&w, 15, "repeat past the end of the lengths");
    }

    /* litlen code without an end-of-block code (otherwise complete) */
    bw_init(&w);
    dyn_good(&d);
    d.nlit = 260;
    d.lit[256] = 0;
    d.lit[257] = 2;
    d.lit[258] = 3;
    d.lit[259] = 3;
    dyn_header(&w, &d, 1, NULL, 0);
    for (const char *s = "hello world"; *s; s++)
        dyn_sym(&w, &d, (uint8_t)*s);
    bw_align(&w);
    expect_bad(&w, 15, "no end-of-block code");

    /* over-subscribed code-length code: all 19 lengths 1 */
    bw_init(&w);
    dyn_good(&d);
    for (int i = 0; i < 19; i++)
        d.cl[i] = 1;
    bw_put(&w, 1, 1);
    bw_put(&w, 2, 2);
    bw_put(&w, 2, 5);
    bw_put(&w, 1, 5);
    bw_put(&w, 15, 4);
    for (int i = 0; i < 19; i++)
        bw_put(&w, 1, 3);
    for (int i = 0; i < 200; i++)
        bw_byte(&w, (uint8_t)rnd());
    expect_bad(&w, 15, "over-subscribed code-length code");

    /* incomplete code-length code (zlib refuses it) */
    bw_init(&w);
    dyn_good(&d);
    for (int i = 0; i < 19; i++)
        d.cl[i] = 5; /* 19/32 */
    dyn_header(&w, &d, 1, NULL, 0);
    dyn_body(&w, &d, 1);
    expect_bad(&w, 15, "incomplete code-length code");

    /* over-subscribed litlen code */
    bw_init(&w);
    dyn_good(&d);
    for (int i = 0; i < 256; i++)
        d.lit[i] = 8;
    d.lit[256] = 1;
    {
        /* header only: the code cannot be built, so no body symbols */
        uint16_t clc[19];
        canon(d.cl, 19, clc);
        bw_put(&w, 1, 1);
        bw_put(&w, 2, 2);
        bw_put(&w, (uint32_t)(d.nlit - 257), 5);
        bw_put(&w, (uint32_t)(d.ndist - 1), 5);
        bw_put(&w, 15, 4);
        for (int i = 0; i < 19; i++)
            bw_put(&w, d.cl[CL_ORDER[i]], 3);
        for (int i = 0; i < d.nlit; i++)
            bw_huff(&w, clc[d.lit[i]], d.cl[d.lit[i]]);
        for (int i = 0; i < d.ndist; i++)
            bw_huff(&w, clc[d.dist[i]], d.cl[d.dist[i]]);
        for (int i = 0; i < 100; i++)
            bw_byte(&w, (uint8_t)rnd());
    }
    expect_bad(&w, 15, "over-subscribed litlen code");

    /* incomplete litlen code (zlib refuses it) */
    bw_init(&w);
    dyn_good(&d);
    d.lit[258] = 0; /* 1/8 missing */
    d.nlit = 258;
    dyn_header(&w, &d, 1, NULL, 0);
    for (const char *s = "hi"; *s; s++)
        dyn_sym(&w, &d, (uint8_t)*s);
    dyn_sym(&w, &d, 256);
    bw_align(&w);
    expect_bad(&w, 15, "incomplete litlen code");

    /* over-subscribed distance code */
    bw_init(&w);
    dyn_good(&d);
    d.ndist = 3;
    d.dist[2] = 1;
    {
        uint16_t clc[19];
        canon(d.cl, 19, clc);
        bw_put(&w, 1, 1);
        bw_put(&w, 2, 2);
        bw_put(&w, (uint32_t)(d.nlit - 257), 5);
        bw_put(&w, (uint32_t)(d.ndist - 1), 5);
        bw_put(&w, 15, 4);
        for (int i = 0; i < 19; i++)
            bw_put(&w, d.cl[CL_ORDER[i]], 3);
        for (int i = 0; i < d.nlit; i++)
            bw_huff(&w, clc[d.lit[i]], d.cl[d.lit[i]]);
        for (int i = 0; i < d.ndist; i++)
            bw_huff(&w, clc[d.dist[i]], d.cl[d.dist[i]]);
        for (int i = 0; i < 100; i++)
            bw_byte(&w, (uint8_t)rnd());
    }
    expect_bad(&w, 15, "over-subscribed distance code");

    /* one distance code of one bit (incomplete, allowed by RFC 1951 and
     * zlib) */
    bw_init(&w);
    dyn_good(&d);
    d.ndist = 1;
    d.dist[1] = 0;
    dyn_header(&w, &d, 1, NULL, 0);
    for (const char *s = "hello"; *s; s++)
        dyn_sym(&w, &d, (uint8_t)*s);
    dyn_sym(&w, &d, 258);
    dyn_dist(&w, &d, 0);
    dyn_sym(&w, &d, 256);
    bw_align(&w);
    expect_good(&w, 15, "hellooooo", 9, "a single distance code");

    /* a literal/length code of one one-bit code, end of block (zlib
     * takes a lone one-bit code in either code): an empty block */
    bw_init(&w);
    dyn_good(&d);
    memset(d.lit, 0, sizeof d.lit);
    d.lit[256] = 1;
    d.nlit = 257;
    d.ndist = 1;
    d.dist[0] = 0;
    d.dist[1] = 0;
    dyn_header(&w, &d, 1, NULL, 0);
    dyn_sym(&w, &d, 256);
    bw_align(&w);
    expect_good(&w, 15, "", 0, "a lone one-bit literal/length code");
    /* ... but not of two bits */
    bw_init(&w);
    d.lit[256] = 2;
    dyn_header(&w, &d, 1, NULL, 0);
    dyn_sym(&w, &d, 256);
    bw_align(&w);
    expect_bad(&w, 15, "a lone two-bit literal/length code");
    /* a code-length code must be complete, even a lone one-bit code */
    bw_init(&w);
    dyn_good(&d);
    memset(d.cl, 0, sizeof d.cl);
    d.cl[8] = 1;
    memset(d.lit, 8, 257);
    d.nlit = 257;
    d.ndist = 1;
    d.dist[0] = 8;
    dyn_header(&w, &d, 1, NULL, 0);
    for (int i = 0; i < 16; i++)
        bw_byte(&w, 0);
    expect_bad(&w, 15, "a lone one-bit code-length code");

    /* no distance codes at all (one length of zero): literals only */
    bw_init(&w);
    dyn_good(&d);
    d.ndist = 1;
    d.dist[0] = 0;
    d.dist[1] = 0;
    dyn_header(&w, &d, 1, NULL, 0);
    for (const char *s = "literal"; *s; s++)
        dyn_sym(&w, &d, (uint8_t)*s);
    dyn_sym(&w, &d, 256);
    bw_align(&w);
    expect_good(&w, 15, "literal", 7, "no distance codes, literals only");
    /* ... and then a match cannot be decoded */
    bw_init(&w);
    dyn_header(&w, &d, 1, NULL, 0);
    dyn_sym(&w, &d, 'a');
    dyn_sym(&w, &d, 257);
    for (int i = 0; i < 8; i++)
        bw_byte(&w, 0);
    expect_bad(&w, 15, "a match with no distance codes");

    /* HLIT 287 and HDIST 31, in streams otherwise good (complete codes
     * that give the extra symbol a code it never uses), and their twins at
     * the limits, 286 and 30 */
    for (int extra = 0; extra <= 1; extra++) {
        /* literals 9 bits (1/2); 30 or 31 length codes: two or one of 5
         * bits, the rest 6 (1/2) */
        dyn_good(&d);
        d.nlit = 286 + extra;
        for (int i = 256; i < d.nlit; i++)
            d.lit[i] = 6;
        d.lit[256] = 5;
        if (!extra)
            d.lit[257] = 5;
        expect_at_limit(&w, &d, extra, "HLIT", d.nlit);
        /* 30 or 31 distance codes: 30 of 5 bits, and one of 4 bits (31)
         * or two of 5 bits made one of 4 (30) */
        dyn_good(&d);
        d.ndist = 30 + extra;
        for (int i = 0; i < d.ndist; i++)
            d.dist[i] = 5;
        d.dist[0] = 4;
        if (!extra)
            d.dist[1] = 4;
        expect_at_limit(&w, &d, extra, "HDIST", d.ndist);
    }

    /* too many litlen (287) or distance (31, 32) codes */
    for (int k = 0; k < 3; k++) {
        bw_init(&w);
        bw_put(&w, 1, 1);
        bw_put(&w, 2, 2);
        bw_put(&w, k == 0 ? 30u : 0u, 5);
        bw_put(&w, k == 0 ? 0u : (k == 1 ? 30u : 31u), 5);
        bw_put(&w, 15, 4);
        dyn_good(&d);
        for (int i = 0; i < 19; i++)
            bw_put(&w, d.cl[CL_ORDER[i]], 3);
        for (int i = 0; i < 300; i++)
            bw_byte(&w, 0);
        expect_bad(&w, 15, "too many litlen or distance codes");
    }
}

/* ---- truncation ------------------------------------------------------------------ */

/* Every prefix of every frame: refused unless it ends exactly on a block
 * boundary (zlib's reading), in which case it decodes to zlib's output so
 * far.  Output given before a refusal is always a prefix of the truth. */
static size_t prefix_cases, prefix_ok;

/* The resumable decoder on the first p bytes of a stream: never an error
 * (it waits for more), never done; at a block boundary exactly when zlib
 * finds one there (boundary 'at', or -1), with zlib's output so far;
 * otherwise a prefix of zlib's output. */
static void push_prefix(const uint8_t *frame, size_t p, int wb,
                        const zresult *z, long at)
{
    unsigned way = (unsigned)p % N_PUSH_WAYS;
    pdec d;
    pdec_init(&d, 1u << wb, PUSH_WAYS[way].rc, z->out_len + 1);
    fwpk_err e = pdec_feed(&d, frame, p, PUSH_WAYS[way].piece);
    pdec_drain(&d, 1);
    assert_false(d.overflow);
    if (e != FWPK_OK || fwpk_inflate_at_boundary(&d.s) != (at >= 0))
        printf("resumable decoder, prefix of %zu bytes: %s, at a boundary: "
               "%d (zlib: %s)\n", p, fwpk_strerror(e),
               fwpk_inflate_at_boundary(&d.s), at >= 0 ? "yes" : "no");
    assert_int_equal(e, FWPK_OK);
    assert_false(fwpk_inflate_done(&d.s));
    assert_int_equal(fwpk_inflate_at_boundary(&d.s), at >= 0);
    if (at >= 0)
        assert_int_equal(d.w.drained, z->out_at[at]);
    assert_true(d.w.drained <= z->out_len);
    assert_memory_equal(d.out, z->out, d.w.drained);
    pdec_free(&d);
}

static void prefixes_of(const uint8_t *frame, size_t n, int wb)
{
    zresult z;
    zlib_analyze(&z, frame, n, wb);
    assert_true(z.status == Z_CLEAN || z.status == Z_INCOMPLETE);
    for (size_t p = 1; p < n; p++) {
        dec d;
        sinkbuf b;
        dec_init(&d, 1u << wb);
        sb_init(&b, z.out_len + 1);
        fwpk_err e = dec_frame(&d, frame, p, &b);
        assert_false(b.overflow);
        assert_true(b.len <= z.out_len);
        assert_memory_equal(b.p, z.out, b.len);
        long at = boundary_at(&z, 8 * p);
        if (at >= 0) {
            if (e != FWPK_OK)
                printf("prefix %zu of %zu ends on a block boundary: %s\n", p,
                       n, fwpk_strerror(e));
            assert_int_equal(e, FWPK_OK);
            assert_int_equal(b.len, z.out_at[at]);
            prefix_ok++;
        } else if (!boundary_in_last_byte(&z, 8 * p)) {
            if (e != FWPK_ERR_INFLATE) {
                printf("prefix %zu of %zu (cut inside a block): %s\n", p, n,
                       fwpk_strerror(e));
                print_hex("frame", frame, n < 128 ? n : 128);
            }
            assert_int_equal(e, FWPK_ERR_INFLATE);
        }
        prefix_cases++;
        sb_free(&b);
        dec_free(&d);
        push_prefix(frame, p, wb, &z, at);
    }
    zr_free(&z);
}

static void test_truncated_frames(void **state)
{
    (void)state;
    prefix_cases = prefix_ok = 0;
    cstream cs;
    /* final frames of each block type, and a sync-flushed frame */
    static const int modes[] = {0, 2, 4, 5, 6};
    for (size_t m = 0; m < sizeof modes / sizeof modes[0]; m++) {
        assert_int_equal(deflate_frames(&cs, cor[C_TEXT].p, 1500,
                                        MODES[modes[m]].level, 15, 8,
                                        MODES[modes[m]].strategy, 1500), 0);
        prefixes_of(cs.data, cs.len, 15);
        cs_free(&cs);
        assert_int_equal(deflate_frames(&cs, cor[C_TEXT].p, 3000,
                                        MODES[modes[m]].level, 15, 8,
                                        MODES[modes[m]].strategy, 1500), 0);
        prefixes_of(cs.data, cs.end[0], 15); /* ends with a sync flush */
        cs_free(&cs);
    }
    /* a frame of several stored blocks and a few fixed blocks */
    static bw w;
    bw_init(&w);
    stored_block(&w, 0, cor[C_RANDOM].p, 40);
    stored_block(&w, 0, cor[C_RANDOM].p + 40, 1);
    fixed_header(&w, 0);
    fixed_literals(&w, "abc");
    fixed_match(&w, 4, 3);
    fixed_sym(&w, 256);
    stored_block(&w, 0, NULL, 0);
    fixed_header(&w, 1);
    fixed_literals(&w, "z");
    fixed_sym(&w, 256);
    bw_align(&w);
    prefixes_of(w.buf, w.n, 15);
    printf("truncated frames: %zu prefixes, %zu of them on a block "
           "boundary\n", prefix_cases, prefix_ok);
    assert_true(prefix_ok > 0);
}

/* ---- corruption, judged against zlib ------------------------------------------ */

static size_t fz_cases, fz_zerr, fz_ok;

/* One damaged final frame: zlib's verdict bounds ours. */
static void judge_single(const uint8_t *p, size_t n, int wb)
{
    zresult z;
    sinkbuf b;
    zlib_analyze(&z, p, n, wb);
    sb_init(&b, z.out_len + 1100 * n + 1024);
    dec d;
    dec_init(&d, 1u << wb);
    fwpk_err e = dec_frame(&d, p, n, &b);
    assert_false(b.overflow);
    int ok = e == FWPK_OK;
    int same = b.len == z.out_len && memcmp(b.p, z.out, b.len) == 0;
    int must_ok = 0, may_ok = 0;
    switch (z.status) {
    case Z_ERROR:
    case Z_TRAILING:
        break;
    case Z_CLEAN: /* nonzero padding after the final block: refused */
        may_ok = !z.pad_nonzero;
        must_ok = !z.pad_nonzero;
        break;
    case Z_INCOMPLETE:
        may_ok = boundary_at(&z, 8 * n) >= 0 || boundary_in_last_byte(&z, 8 * n);
        must_ok = boundary_at(&z, 8 * n) >= 0;
        break;
    }
    int bad = (e != FWPK_OK && e != FWPK_ERR_INFLATE) || (ok && !may_ok) ||
              (!ok && must_ok) || (ok && !same) ||
              (ok && d.s.final != (z.status == Z_CLEAN));
    if (bad) {
        printf("disagreement: zlib says %s (%zu bytes out), we say %s (%zu "
               "bytes out, final %d)\n", zstatus_name[z.status], z.out_len,
               fwpk_strerror(e), b.len, d.s.final);
        print_hex("frame", p, n);
    }
    assert_false(bad);
    push_judge(p, n, wb, &z, (unsigned)fz_cases);
    fz_cases++;
    fz_zerr += z.status == Z_ERROR || z.status == Z_TRAILING;
    fz_ok += ok;
    dec_free(&d);
    sb_free(&b);
    zr_free(&z);
}

static void test_bit_flips_single_frame(void **state)
{
    (void)state;
    fz_cases = fz_zerr = fz_ok = 0;
    static const struct {
        int corpus, mode;
        size_t n;
    } src[] = {{C_TEXT, 3, 3000},      {C_FIRMWARE, 2, 4000},
               {C_TEXT, 4, 1500},      {C_RUNS, 6, 20000},
               {C_PERIOD1500, 5, 2500}, {C_RANDOM, 0, 300}};
    uint8_t *p = NULL;
    for (size_t s = 0; s < sizeof src / sizeof src[0]; s++) {
        cstream cs;
        const zmode *m = &MODES[src[s].mode];
        assert_int_equal(deflate_frames(&cs, cor[src[s].corpus].p, src[s].n,
                                        m->level, 15, 8, m->strategy,
                                        src[s].n), 0);
        p = realloc(p, cs.len);
        assert_non_null(p);
        for (int t = 0; t < 600; t++) {
            memcpy(p, cs.data, cs.len);
            int flips = 1 + (t % 3 == 0) * (int)(rnd() % 4);
            for (int f = 0; f < flips; f++) {
                /* half of the flips in the first 40 bytes: the header */
                size_t span = (t & 1) && cs.len > 40 ? 40 : cs.len;
                size_t bit = rnd() % (8 * span);
                p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
            }
            judge_single(p, cs.len, 15);
        }
        cs_free(&cs);
    }
    /* random garbage, short and long */
    for (int t = 0; t < 2000; t++) {
        size_t n = 1 + rnd() % (t < 1000 ? 16 : 600);
        p = realloc(p, n);
        assert_non_null(p);
        for (size_t i = 0; i < n; i++)
            p[i] = (uint8_t)rnd();
        /* steer some towards dynamic and fixed headers */
        if (t % 3 == 1)
            p[0] = (uint8_t)((p[0] & ~6u) | 4u);
        else if (t % 3 == 2)
            p[0] = (uint8_t)((p[0] & ~6u) | 2u);
        judge_single(p, n, 9 + (int)(t % 7));
    }
    free(p);
    printf("corrupted frames: %zu cases (zlib refused %zu; we accepted %zu, "
           "each with zlib's output)\n", fz_cases, fz_zerr, fz_ok);
    assert_true(fz_zerr > fz_cases / 2);
}

/* Flips in one frame of a multi-frame stream: earlier frames decode
 * exactly; if zlib refuses the stream we refuse some frame; if we accept
 * every frame the output is zlib's. */
static void test_bit_flips_multi_frame(void **state)
{
    (void)state;
    cstream cs;
    const corpus *c = &cor[C_PERIOD1500];
    assert_int_equal(deflate_frames(&cs, c->p, 8000, 6, 12, 8,
                                    Z_DEFAULT_STRATEGY, 800), 0);
    assert_int_equal(cs.nframes, 10);
    uint8_t *p = malloc(cs.len);
    assert_non_null(p);
    size_t refused = 0, accepted = 0;
    for (int t = 0; t < 1000; t++) {
        memcpy(p, cs.data, cs.len);
        size_t bit = rnd() % (8 * cs.len);
        p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        size_t hit = 0;
        while (cs.end[hit] <= bit / 8)
            hit++;
        zresult z;
        zlib_analyze(&z, p, cs.len, 12);
        dec d;
        sinkbuf b;
        dec_init(&d, 1u << 12);
        sb_init(&b, z.out_len + 1100 * cs.len);
        size_t start = 0, f;
        fwpk_err e = FWPK_OK;
        for (f = 0; f < cs.nframes; f++) {
            e = dec_frame(&d, p + start, cs.end[f] - start, &b);
            assert_false(b.overflow);
            if (f < hit) {
                assert_int_equal(e, FWPK_OK);
                assert_memory_equal(b.p, c->p, b.len);
            }
            if (e != FWPK_OK)
                break;
            start = cs.end[f];
        }
        if (e != FWPK_OK)
            assert_int_equal(e, FWPK_ERR_INFLATE);
        if (z.status == Z_ERROR || z.status == Z_TRAILING) {
            if (e == FWPK_OK)
                printf("zlib says %s, we accepted all frames (flipped bit "
                       "%zu)\n", zstatus_name[z.status], bit);
            assert_int_not_equal(e, FWPK_OK);
        }
        if (e == FWPK_OK) {
            assert_int_equal(b.len, z.out_len);
            assert_memory_equal(b.p, z.out, b.len);
            accepted++;
        } else {
            refused++;
        }
        push_judge(p, cs.len, 12, &z, (unsigned)t);
        sb_free(&b);
        dec_free(&d);
        zr_free(&z);
    }
    free(p);
    cs_free(&cs);
    printf("multi-frame flips: 1000 cases, %zu refused, %zu accepted\n",
           refused, accepted);
}

/* ---- sink errors ------------------------------------------------------------------ */

static void test_sink_error(void **state)
{
    (void)state;
    cstream cs;
    const corpus *c = &cor[C_FIRMWARE];
    size_t n = 64 * 1024;
    assert_int_equal(deflate_frames(&cs, c->p, n, 6, 15, 8,
                                    Z_DEFAULT_STRATEGY, 4096), 0);
    const size_t limits[] = {0, 1, 100, 4095, 4096, 5000, n / 2, n - 1, n};
    const fwpk_err errs[] = {FWPK_ERR_FLASH, FWPK_ERR_SIZE, FWPK_ERR_POLICY};
    for (size_t li = 0; li < sizeof limits / sizeof limits[0]; li++) {
        failsink fs = {c->p, n, limits[li], 0, errs[li % 3], 0, 0, 0};
        dec d;
        dec_init(&d, 1u << 15);
        size_t start = 0;
        fwpk_err e = FWPK_OK;
        for (size_t f = 0; f < cs.nframes && e == FWPK_OK; f++) {
            uint8_t *copy = malloc(cs.end[f] - start);
            assert_non_null(copy);
            memcpy(copy, cs.data + start, cs.end[f] - start);
            e = fwpk_inflate_frame(&d.s, copy, cs.end[f] - start, sink_fail,
                                   &fs);
            free(copy);
            start = cs.end[f];
            if (e == FWPK_OK)
                assert_false(fs.failed);
        }
        assert_false(fs.mismatch);
        if (limits[li] >= n) {
            assert_int_equal(e, FWPK_OK);
            assert_int_equal(fs.got, n);
        } else {
            assert_int_equal(e, errs[li % 3]); /* the sink's own error */
            assert_true(fs.failed);
            assert_int_equal(fs.calls_after, 0); /* stopped at once */
            assert_true(fs.got <= limits[li]);
        }
        dec_free(&d);
    }
    cs_free(&cs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_small),
        cmocka_unit_test(test_round_trip_firmware),
        cmocka_unit_test(test_block_types_covered),
        cmocka_unit_test(test_frames_grouped),
        cmocka_unit_test(test_cross_frame_matches),
        cmocka_unit_test(test_empty_frames),
        cmocka_unit_test(test_push_round_trips),
        cmocka_unit_test(test_push_firmware),
        cmocka_unit_test(test_fixed_and_distances),
        cmocka_unit_test(test_distance_across_frames),
        cmocka_unit_test(test_stored_and_block_types),
        cmocka_unit_test(test_after_final),
        cmocka_unit_test(test_final_padding),
        cmocka_unit_test(test_push_calls),
        cmocka_unit_test(test_dynamic_headers),
        cmocka_unit_test(test_truncated_frames),
        cmocka_unit_test(test_bit_flips_single_frame),
        cmocka_unit_test(test_bit_flips_multi_frame),
        cmocka_unit_test(test_sink_error),
    };
    return cmocka_run_group_tests_name("inflate", tests, corpus_setup,
                                       corpus_teardown);
}
