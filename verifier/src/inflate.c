/*
 * inflate.c - raw DEFLATE decoding, from RFC 1951.
 *
 * The container cuts the deflate stream into frames that each hold whole
 * blocks and end on a byte boundary (SPEC.md 6.1), so the only state kept
 * between calls is the window: the last 'size' bytes of output, which
 * back-references may copy from.  Inside a call, the frame is in RAM and
 * the bit reader works straight from it.
 *
 * Huffman codes are decoded canonically (RFC 1951 3.2.2): codes of one
 * length are consecutive, so a count per length and the symbols sorted by
 * code are all the table there is.  Acceptance follows zlib: over-full or
 * incomplete code sets are refused, except a lone one-bit code.
 */
#include <string.h>

#include "fwpk_verify.h"

#define MAX_BITS 15
#define LITLEN_CODES 288 /* 286 usable; fixed codes define 286 and 287 */
#define DIST_CODES 32    /* 30 usable; fixed codes define 30 and 31 */
#define CODELEN_CODES 19
#define END_OF_BLOCK 256
#define FIRST_LENGTH 257
#define MAX_HLIT 286
#define MAX_HDIST 30
#define LENGTH_SYMBOLS 29
#define DIST_SYMBOLS 30

enum block_type { STORED = 0, FIXED = 1, DYNAMIC = 2 };

/* A first-level lookup table on the next FAST_BITS bits decodes the
 * short (frequent) codes in one step; longer codes take the canonical walk.
 * It costs 2 << FAST_BITS bytes of stack: a bootloader short of RAM may
 * set FWPK_INFLATE_FAST_BITS to 0, which keeps only the walk. */
#ifndef FWPK_INFLATE_FAST_BITS
#define FWPK_INFLATE_FAST_BITS 8
#endif
#define FAST_BITS FWPK_INFLATE_FAST_BITS
#define FAST_SIZE (1u << FAST_BITS)
#define FAST_SYMBOL_BITS 9 /* entry = length << 9 | symbol; 0 = no entry */

typedef struct {
    uint16_t count[MAX_BITS + 1]; /* codes of each length */
    uint16_t *symbol;             /* symbols ordered by code */
    uint16_t *fast;               /* FAST_SIZE entries, or NULL */
} huffman;

typedef struct {
    const uint8_t *p, *end;
    uint32_t bits;  /* not yet consumed, least significant first */
    unsigned count; /* how many bits 'bits' holds */
    int bad;        /* ran past the end of the frame */
} bitreader;

typedef struct {
    fwpk_inflate_state *s;
    fwpk_sink sink;
    void *arg;
    uint32_t start;   /* window index of the first byte not yet sunk */
    uint32_t pending; /* bytes from 'start' on not yet sunk */
    fwpk_err err;
} output;

/* ---- bits ---- */

static uint32_t get_bits(bitreader *br, unsigned n)
{
    uint32_t v;
    while (br->count < n) {
        if (br->p == br->end) {
            br->bad = 1;
            return 0;
        }
        br->bits |= (uint32_t)*br->p++ << br->count;
        br->count += 8;
    }
    v = br->bits & ((1u << n) - 1u);
    br->bits >>= n;
    br->count -= n;
    return v;
}

/* Tops the bit buffer up to at least 25 bits while input lasts. */
static void refill(bitreader *br)
{
    while (br->count <= 24 && br->p < br->end) {
        br->bits |= (uint32_t)*br->p++ << br->count;
        br->count += 8;
    }
}

/* ---- output through the window ---- */

static void sink_pending(output *o)
{
    if (o->err == FWPK_OK && o->pending > 0)
        o->err = o->sink(o->arg, o->s->win + o->start, o->pending);
    o->start = o->s->pos;
    o->pending = 0;
}

static void put_byte(output *o, uint8_t b)
{
    fwpk_inflate_state *s = o->s;
    s->win[s->pos] = b;
    s->pos = (s->pos + 1) & (s->size - 1);
    s->total++;
    o->pending++;
    if (s->pos == 0)
        sink_pending(o); /* the window is full: hand it on before reuse */
}

/* ---- Huffman codes ---- */

/* Fills the lookup table: a code of b <= FAST_BITS bits, which arrives
 * first bit first, owns every index whose low b bits are the code
 * reversed.  Canonical codes of one length are consecutive (RFC 1951
 * 3.2.2), in the order of h->symbol. */
static void build_fast(huffman *h)
{
    unsigned bits, j, k = 0, code = 0;
    memset(h->fast, 0, FAST_SIZE * sizeof h->fast[0]);
    for (bits = 1; bits <= FAST_BITS; bits++) {
        for (j = 0; j < h->count[bits]; j++, k++, code++) {
            unsigned rev = 0, b, i;
            for (b = 0; b < bits; b++)
                rev |= ((code >> b) & 1u) << (bits - 1 - b);
            for (i = rev; i < FAST_SIZE; i += 1u << bits)
                h->fast[i] = (uint16_t)(bits << FAST_SYMBOL_BITS |
                                        h->symbol[k]);
        }
        code <<= 1;
    }
}

/* Builds a canonical code from code lengths.  Returns -1 for a set that
 * is over-subscribed, or incomplete when that is not allowed. */
static int build(huffman *h, const uint8_t *len, unsigned n, int is_codelen)
{
    uint16_t next[MAX_BITS + 2];
    int left = 1, max = 0;
    unsigned i, bits;
    memset(h->count, 0, sizeof h->count);
    for (i = 0; i < n; i++)
        h->count[len[i]]++;
    for (bits = 1; bits <= MAX_BITS; bits++) {
        left = (left << 1) - h->count[bits];
        if (left < 0)
            return -1;
        if (h->count[bits])
            max = (int)bits;
    }
    if (left > 0 && max > 0 && (is_codelen || max != 1))
        return -1;
    next[1] = 0;
    for (bits = 1; bits <= MAX_BITS; bits++)
        next[bits + 1] = (uint16_t)(next[bits] + h->count[bits]);
    for (i = 0; i < n; i++)
        if (len[i])
            h->symbol[next[len[i]]++] = (uint16_t)i;
    if (h->fast != NULL)
        build_fast(h);
    return 0;
}

/* Reads one symbol; -1 when the bits are no code or the frame ran out. */
static int decode(bitreader *br, const huffman *h)
{
    int code = 0, first = 0, index = 0;
    unsigned bits;
    if (h->fast != NULL) {
        unsigned e, len;
        refill(br);
        e = h->fast[br->bits & (FAST_SIZE - 1u)];
        len = e >> FAST_SYMBOL_BITS;
        if (e != 0 && len <= br->count) {
            br->bits >>= len;
            br->count -= len;
            return (int)(e & ((1u << FAST_SYMBOL_BITS) - 1u));
        }
    }
    for (bits = 1; bits <= MAX_BITS; bits++) {
        int count = h->count[bits];
        code |= (int)get_bits(br, 1);
        if (br->bad)
            return -1;
        if (code - first < count)
            return h->symbol[index + code - first];
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
    return -1;
}

/* ---- length and distance bases (RFC 1951 3.2.5), computed ---- */

/* Length codes 0..28 (symbols 257..285): 3..10 direct, then four codes
 * per extra bit, and 258 alone. */
static void length_base(unsigned code, unsigned *base, unsigned *extra)
{
    if (code < 8) {
        *base = 3 + code;
        *extra = 0;
    } else if (code == 28) {
        *base = 258;
        *extra = 0;
    } else {
        *extra = (code >> 2) - 1;
        *base = ((4u + (code & 3u)) << *extra) + 3u;
    }
}

/* Distance codes 0..29: 1..4 direct, then two codes per extra bit. */
static void dist_base(unsigned code, unsigned *base, unsigned *extra)
{
    if (code < 4) {
        *base = code + 1;
        *extra = 0;
    } else {
        *extra = (code >> 1) - 1;
        *base = ((2u + (code & 1u)) << *extra) + 1u;
    }
}

/* ---- blocks ---- */

/* Copies in runs that neither wrap the source nor pass the window's end
 * (where the output is handed on); overlapping runs copy forward byte by
 * byte, which repeats the last 'dist' bytes as RFC 1951 requires. */
static fwpk_err copy_match(output *o, uint32_t len, uint32_t dist)
{
    fwpk_inflate_state *s = o->s;
    if (dist > s->total || dist > s->size)
        return FWPK_ERR_INFLATE; /* before the start, or beyond the window */
    while (len > 0) {
        uint32_t from = (s->pos - dist) & (s->size - 1u);
        uint32_t run = len, i;
        uint8_t *dst = s->win + s->pos;
        const uint8_t *src = s->win + from;
        if (run > s->size - s->pos)
            run = s->size - s->pos;
        if (run > s->size - from)
            run = s->size - from;
        for (i = 0; i < run; i++)
            dst[i] = src[i];
        len -= run;
        s->total += run;
        o->pending += run;
        s->pos = (s->pos + run) & (s->size - 1u);
        if (s->pos == 0)
            sink_pending(o);
    }
    return o->err;
}

static fwpk_err codes(bitreader *br, output *o, const huffman *lit,
                      const huffman *dist)
{
    for (;;) {
        unsigned base, extra, len, d;
        int sym = decode(br, lit);
        if (sym < 0)
            return FWPK_ERR_INFLATE;
        if (sym < END_OF_BLOCK) {
            put_byte(o, (uint8_t)sym);
            if (o->err != FWPK_OK)
                return o->err;
            continue;
        }
        if (sym == END_OF_BLOCK)
            return FWPK_OK;
        if (sym - FIRST_LENGTH >= LENGTH_SYMBOLS)
            return FWPK_ERR_INFLATE;
        length_base((unsigned)(sym - FIRST_LENGTH), &base, &extra);
        len = base + get_bits(br, extra);
        sym = decode(br, dist);
        if (sym < 0 || sym >= DIST_SYMBOLS)
            return FWPK_ERR_INFLATE;
        dist_base((unsigned)sym, &base, &extra);
        d = base + get_bits(br, extra);
        if (br->bad)
            return FWPK_ERR_INFLATE;
        if (copy_match(o, len, d) != FWPK_OK)
            return o->err != FWPK_OK ? o->err : FWPK_ERR_INFLATE;
    }
}

static fwpk_err stored(bitreader *br, output *o)
{
    uint32_t len, nlen;
    /* Skip to the byte boundary, and give back whole bytes read ahead. */
    br->p -= br->count / 8;
    br->bits = 0;
    br->count = 0;
    if (br->end - br->p < 4)
        return FWPK_ERR_INFLATE;
    len = (uint32_t)br->p[0] | (uint32_t)br->p[1] << 8;
    nlen = (uint32_t)br->p[2] | (uint32_t)br->p[3] << 8;
    br->p += 4;
    if (len != (~nlen & 0xffffu) || (size_t)(br->end - br->p) < len)
        return FWPK_ERR_INFLATE;
    while (len-- > 0 && o->err == FWPK_OK)
        put_byte(o, *br->p++);
    return o->err;
}

/* RFC 1951 3.2.6. */
static fwpk_err fixed(bitreader *br, output *o)
{
    huffman lit, dist;
    uint16_t lit_symbol[LITLEN_CODES], dist_symbol[DIST_CODES];
    uint8_t len[LITLEN_CODES];
    unsigned i;
    lit.symbol = lit_symbol;
    dist.symbol = dist_symbol;
    lit.fast = dist.fast = NULL; /* fixed blocks are rare and short */
    for (i = 0; i < LITLEN_CODES; i++)
        len[i] = i < 144 ? 8 : i < 256 ? 9 : i < 280 ? 7 : 8;
    build(&lit, len, LITLEN_CODES, 0);
    memset(len, 5, DIST_CODES);
    build(&dist, len, DIST_CODES, 0);
    return codes(br, o, &lit, &dist);
}

/* RFC 1951 3.2.7: code lengths, themselves Huffman coded. */
static int read_lengths(bitreader *br, uint8_t *len, unsigned n)
{
    static const uint8_t order[CODELEN_CODES] = {
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    huffman cl;
    uint16_t cl_symbol[CODELEN_CODES];
    uint8_t cl_len[CODELEN_CODES];
    unsigned hclen = get_bits(br, 4) + 4, i = 0;
    cl.symbol = cl_symbol;
    cl.fast = NULL;
    memset(cl_len, 0, sizeof cl_len);
    for (i = 0; i < hclen; i++)
        cl_len[order[i]] = (uint8_t)get_bits(br, 3);
    if (br->bad || build(&cl, cl_len, CODELEN_CODES, 1) != 0)
        return -1;
    i = 0;
    while (i < n) {
        int sym = decode(br, &cl);
        unsigned repeat;
        uint8_t value = 0;
        if (sym < 0)
            return -1;
        if (sym < 16) {
            len[i++] = (uint8_t)sym;
            continue;
        }
        if (sym == 16) {
            if (i == 0)
                return -1; /* nothing to repeat */
            value = len[i - 1];
            repeat = 3 + get_bits(br, 2);
        } else if (sym == 17) {
            repeat = 3 + get_bits(br, 3);
        } else {
            repeat = 11 + get_bits(br, 7);
        }
        if (br->bad || repeat > n - i)
            return -1;
        while (repeat-- > 0)
            len[i++] = value;
    }
    return 0;
}

/* Reads the code lengths and builds both codes.  Its own stack frame
 * holds the lengths, so they are gone before the block's data is decoded. */
static int read_dynamic_codes(bitreader *br, huffman *lit, huffman *dist)
{
    uint8_t len[MAX_HLIT + MAX_HDIST];
    unsigned hlit = get_bits(br, 5) + 257, hdist = get_bits(br, 5) + 1;
    if (br->bad || hlit > MAX_HLIT || hdist > MAX_HDIST)
        return -1;
    if (read_lengths(br, len, hlit + hdist) != 0 || len[END_OF_BLOCK] == 0)
        return -1;
    if (build(lit, len, hlit, 0) != 0 || build(dist, len + hlit, hdist, 0))
        return -1;
    return 0;
}

static fwpk_err dynamic(bitreader *br, output *o)
{
    huffman lit, dist;
    uint16_t lit_symbol[MAX_HLIT], dist_symbol[MAX_HDIST];
    uint16_t lit_fast[FAST_SIZE];
    lit.symbol = lit_symbol;
    lit.fast = FAST_BITS > 0 ? lit_fast : NULL;
    dist.symbol = dist_symbol;
    dist.fast = NULL; /* one distance per match: the walk is cheap enough */
    if (read_dynamic_codes(br, &lit, &dist) != 0)
        return FWPK_ERR_INFLATE;
    return codes(br, o, &lit, &dist);
}

/* ---- frames ---- */

void fwpk_inflate_init(fwpk_inflate_state *s, uint8_t *win, uint32_t size)
{
    s->win = win;
    s->size = size;
    s->pos = 0;
    s->total = 0;
    s->final = 0;
}

fwpk_err fwpk_inflate_frame(fwpk_inflate_state *s, const uint8_t *in,
                            size_t len, fwpk_sink sink, void *arg)
{
    bitreader br;
    output o;
    fwpk_err err = FWPK_OK;
    if (s->final)
        return len ? FWPK_ERR_INFLATE : FWPK_OK; /* data after the end */
    br.p = in;
    br.end = in + len;
    br.bits = 0;
    br.count = 0;
    br.bad = 0;
    o.s = s;
    o.sink = sink;
    o.arg = arg;
    o.start = s->pos;
    o.pending = 0;
    o.err = FWPK_OK;
    while (err == FWPK_OK && !(br.p == br.end && br.count == 0)) {
        unsigned last = get_bits(&br, 1), type = get_bits(&br, 2);
        if (br.bad)
            err = FWPK_ERR_INFLATE;
        else if (type == STORED)
            err = stored(&br, &o);
        else if (type == FIXED)
            err = fixed(&br, &o);
        else if (type == DYNAMIC)
            err = dynamic(&br, &o);
        else
            err = FWPK_ERR_INFLATE;
        if (err == FWPK_OK && last) {
            s->final = 1;
            if (br.p != br.end || br.count >= 8)
                err = FWPK_ERR_INFLATE; /* bytes after the final block */
            break;
        }
    }
    sink_pending(&o);
    return err != FWPK_OK ? err : o.err;
}
