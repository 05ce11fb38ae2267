/*
 * inflate.c - raw DEFLATE decoding, from RFC 1951.
 *
 * The container cuts the deflate stream into frames that each hold whole
 * blocks and end on a byte boundary (SPEC.md 6.1), so the only state kept
 * between calls is the window: the last 'size' bytes of output, which
 * back-references may copy from.  Inside a call, the frame is in RAM and
 * the bit reader works straight from it.
 *
 * Huffman codes are canonical (RFC 1951 3.2.2).  Each code gets a root
 * table indexed by its next few bits, whose entries say at once what a
 * short code means: a literal, a length with its base and extra bits, a
 * distance with its base and extra bits.  The rare longer codes finish
 * with the canonical walk, one bit at a time, from the root's prefix, so
 * the tables are small and their size does not depend on the code.
 * Acceptance follows zlib: over-full or incomplete code sets are refused,
 * except a lone one-bit code.
 *
 * The block data is decoded by one loop (codes()) that keeps the bit
 * buffer and the output pointer in locals and writes straight into the
 * window; everything that is not per symbol is out of that loop.
 */
#include <string.h>

#include "fwpk_verify.h"

#define MAX_BITS 15
#define LITLEN_CODES 288 /* 286 usable; fixed codes define 286 and 287 */
#define DIST_CODES 32    /* 30 usable; fixed codes define 30 and 31 */
#define CODELEN_CODES 19
#define LITERALS 256
#define END_OF_BLOCK 256
#define FIRST_LENGTH 257
#define MAX_HLIT 286
#define MAX_HDIST 30
#define DIST_SYMBOLS 30
#define NO_SYMBOL 287 /* what a failed walk decodes to: invalid everywhere */

enum block_type { STORED = 0, FIXED = 1, DYNAMIC = 2 };

/* Root table sizes.  The literal/length root costs 2 << bits bytes of
 * stack and also serves the code-length code, whose codes are at most 7
 * bits, hence 7..12.  Each bit less halves it and sends about twice as
 * many symbols on the walk (with 8 bits, about 1 in 5 on firmware; with
 * 7, about 1 in 2, at some 6 more instructions per byte on Cortex-M3). */
#ifndef FWPK_INFLATE_FAST_BITS
#define FWPK_INFLATE_FAST_BITS 8
#endif
#define LIT_ROOT FWPK_INFLATE_FAST_BITS
#define DIST_ROOT 5
#define CODELEN_ROOT 7

/* Refilling a whole word at a time pays off where an unaligned 4-byte load
 * is one instruction (ARMv7-M and up, x86); elsewhere (ARMv6-M, RISC-V,
 * AVR) it takes four loads, and a byte at a time is smaller and faster. */
#ifndef FWPK_INFLATE_WORD_REFILL
#if defined(__ARM_FEATURE_UNALIGNED) || defined(__x86_64__) || \
    defined(__i386__)
#define FWPK_INFLATE_WORD_REFILL 1
#else
#define FWPK_INFLATE_WORD_REFILL 0
#endif
#endif

/* The code lengths of a block must be off the stack while its data is
 * decoded, and the decoding loop's frame small (AVR reaches only 64 bytes
 * of its frame directly): make_tables() and codes() stay out of line. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

typedef char fast_bits_must_be_7_to_12[LIT_ROOT >= CODELEN_ROOT &&
                                       LIT_ROOT <= 12 ? 1 : -1];

/* A table entry is 16 bits: the code's length in the low 4 (0: the code
 * is longer than the root; the bits above are then its first LIT_ROOT or
 * DIST_ROOT bits, as a number, for the walk), and above it the meaning:
 *   literal or code-length symbol  symbol << 4
 *   length       LENGTH | extra << 12 | top << 4
 *   end of block END_ENTRY     no symbol  BAD_ENTRY
 *   distance     extra << 12 | top << 4
 * the length being (top << extra | extra bits) + 3, the distance the
 * same + 1 (see entry()). */
#define CODE_LEN 15u
#define SYM_SHIFT 4
#define LENGTH 0x8000u
#define EXTRA_SHIFT 12
#define END_ENTRY 0xE000u /* extra field 6 */
#define BAD_ENTRY 0xF000u /* extra field 7 */
#define MAX_LENGTH_EXTRA 5
/* a distance of 3 << 15 or more: beyond any window (2^15 at most) */
#define BAD_DIST (15u << EXTRA_SHIFT | 3u << SYM_SHIFT)

typedef struct {
    uint16_t *root;                /* 1 << bits entries */
    uint8_t *list;                 /* symbols of the longer codes by code,
                                      less 256 at and above low[length] */
    uint16_t count[MAX_BITS + 1];  /* codes of each length */
    uint16_t low[MAX_BITS + 1];    /* ... of them for symbols below 256 */
    uint16_t first;                /* first code one bit longer than root */
    uint8_t bits;                  /* root size */
    uint8_t dist;                  /* entries are distances */
} table;

typedef struct {
    const uint8_t *p, *end;
    uint32_t bits; /* not yet consumed, least significant first */
    int count;     /* how many bits 'bits' holds; below 0: ran past the end */
} bitreader;

typedef struct {
    bitreader br;
    uint8_t *win;
    uint32_t size;  /* power of two */
    uint32_t pos;   /* next write index */
    uint32_t lap;   /* output before win[0] was last written: total - pos */
    uint32_t start; /* window index of the first byte not yet sunk */
    fwpk_sink sink;
    void *arg;
    fwpk_err err;   /* the sink's first error: no call after it */
} inflater;

/* ---- bits ---- */

/* Tops the bit buffer up to 24..31 bits while input lasts: a length code
 * and its extra bits fit, or a distance code, or a code-length code and
 * its extra bits.  Past the end of the frame the bits read as zeros and
 * 'count' goes negative, which callers check before trusting what they
 * decoded. */
static void fill(bitreader *br)
{
    while (br->count < 24 && br->p < br->end) {
        br->bits |= (uint32_t)*br->p++ << br->count;
        br->count += 8;
    }
}

static uint32_t get_bits(bitreader *br, unsigned n)
{
    uint32_t v;
    fill(br);
    v = br->bits & ((1u << n) - 1u);
    br->bits >>= n;
    br->count -= (int)n;
    return v;
}

/* fill() for the block data.  Away from the end of the frame it takes
 * the next 4 bytes at once and keeps the whole bytes that fit: 'count'
 * goes from 0..31 to 24..31, and the bits above 'count' are the stream's
 * next ones, which the next refill puts in again.  Only codes() calls it,
 * so it is inlined there and the bit buffer stays in registers. */
static void refill(bitreader *br)
{
    if (FWPK_INFLATE_WORD_REFILL && br->end - br->p >= 4) {
        uint32_t w = (uint32_t)br->p[0] | (uint32_t)br->p[1] << 8 |
                     (uint32_t)br->p[2] << 16 | (uint32_t)br->p[3] << 24;
        br->bits |= w << br->count;
        br->p += (31 - br->count) >> 3;
        br->count |= 24;
        return;
    }
    while (br->count < 24 && br->p < br->end) {
        br->bits |= (uint32_t)*br->p++ << br->count;
        br->count += 8;
    }
}

/* ---- output through the window ---- */

static fwpk_err sink_pending(inflater *z)
{
    if (z->err == FWPK_OK && z->pos > z->start)
        z->err = z->sink(z->arg, z->win + z->start, z->pos - z->start);
    z->start = z->pos;
    return z->err;
}

/* The window is full: hand it on before it is overwritten. */
static fwpk_err next_lap(inflater *z)
{
    fwpk_err err = sink_pending(z);
    z->lap += z->size;
    z->pos = 0;
    z->start = 0;
    return err;
}

/* Appends n bytes from src, a run of input or of the window behind the
 * write index, handing the window on each time it fills up.  The copy
 * goes forward byte by byte: a match that overlaps its own output
 * repeats the last 'dist' bytes, as RFC 1951 requires. */
static fwpk_err put(inflater *z, const uint8_t *src, uint32_t n)
{
    fwpk_err err = FWPK_OK;
    while (n-- > 0 && err == FWPK_OK) {
        z->win[z->pos++] = *src++;
        if (z->pos == z->size)
            err = next_lap(z);
    }
    return err;
}

/* A match that wraps around the window, in runs that do not wrap the
 * source (the common case is copied in codes()). */
static fwpk_err copy_match(inflater *z, uint32_t len, uint32_t dist)
{
    fwpk_err err = FWPK_OK;
    while (len > 0 && err == FWPK_OK) {
        uint32_t from = (z->pos - dist) & (z->size - 1u);
        uint32_t run = z->size - from;
        if (run > len)
            run = len;
        err = put(z, z->win + from, run);
        len -= run;
    }
    return err;
}

/* ---- Huffman codes ---- */

/* What symbol 'sym' with a code of n bits means, as a table entry.
 * Length and distance codes (RFC 1951 3.2.5) come in groups of 2^g (4
 * lengths, 2 distances) whose extra bits grow by one from group to group,
 * the first two groups having none.  So for the c-th code, from group 2
 * on, extra = c / 2^g - 1 and the value less its smallest is
 * (2^g + c mod 2^g) << extra | the extra bits; before that, c itself.
 * Length 258 stands alone. */
static unsigned entry(const table *t, unsigned sym, unsigned n)
{
    unsigned g = 1, extra = 0, type = 0;
    if (!t->dist) {
        if (sym < END_OF_BLOCK)
            return sym << SYM_SHIFT | n;
        if (sym == END_OF_BLOCK)
            return END_ENTRY | n;
        if (sym >= MAX_HLIT)
            return BAD_ENTRY | n;
        sym -= FIRST_LENGTH;
        if (sym == 28)
            return LENGTH | 255u << SYM_SHIFT | n;
        g = 2;
        type = LENGTH;
    } else if (sym >= DIST_SYMBOLS) {
        return BAD_DIST; /* beyond any window: refused by the caller */
    }
    if (sym >> g > 1) {
        extra = (sym >> g) - 1;
        sym = 1u << g | (sym & ((1u << g) - 1));
    }
    return type | extra << EXTRA_SHIFT | sym << SYM_SHIFT | n;
}

/* Codes arrive first bit first (RFC 1951 3.1.1), so the root is indexed
 * by codes bit-reversed. */
static unsigned reverse(unsigned code, unsigned n)
{
    unsigned r = 0;
    while (n-- > 0) {
        r = r << 1 | (code & 1u);
        code >>= 1;
    }
    return r;
}

/* The code after an n-bit code, both reversed: adds one at the code's
 * last bit, which is bit n - 1 here, and carries towards bit 0. */
static unsigned next_reversed(unsigned r, unsigned n)
{
    unsigned b = 1u << (n - 1);
    while (r & b) {
        r ^= b;
        b >>= 1;
    }
    return r | b;
}

/* Builds the table of a canonical code from its code lengths.  Returns -1
 * for a set that is over-subscribed, or incomplete when that is not
 * allowed. */
static int build(table *t, const uint8_t *len, unsigned n, int is_codelen)
{
    uint16_t next[MAX_BITS + 1]; /* next reversed code, or next list slot */
    /* t->bits is set by every caller (cppcheck's cross-file check misses
     * the assignment before make_tables()). */
    /* cppcheck-suppress ctuuninitvar */
    unsigned root = t->bits, size = 1u << root, i, l, code = 0, slot = 0;
    int32_t left = 1; /* codes of 'l' bits still free: up to 2^15 */
    int max = 0;
    memset(t->count, 0, sizeof t->count);
    memset(t->low, 0, sizeof t->low);
    for (i = 0; i < n; i++)
        t->count[len[i]]++;
    t->count[0] = 0;
    for (l = 1; l <= MAX_BITS; l++) {
        left = (left << 1) - t->count[l];
        if (left < 0)
            return -1;
        if (t->count[l])
            max = (int)l;
        code = (code + t->count[l - 1]) << 1; /* first code of length l */
        if (l <= root) {
            next[l] = (uint16_t)reverse(code, l);
        } else {
            next[l] = (uint16_t)slot;
            slot += t->count[l];
        }
        if (l == root + 1)
            t->first = (uint16_t)code;
    }
    if (left > 0 && max > 0 && (is_codelen || max != 1))
        return -1;
    /* RFC 1951 3.2.2: codes of one length go to the symbols in order. */
    for (i = 0; i < n; i++) {
        l = len[i];
        if (l == 0)
            continue;
        if (l > root) {
            t->list[next[l]++] = (uint8_t)i;
            if (i < LITERALS)
                t->low[l]++;
        } else {
            unsigned e = entry(t, i, l), j;
            for (j = next[l]; j < size; j += 1u << l)
                t->root[j] = (uint16_t)e;
            next[l] = (uint16_t)next_reversed(next[l], l);
        }
    }
    /* The rest of the root: prefixes of the longer codes (of no code, in
     * an incomplete set), which the walk continues from.  They follow the
     * last code of the root's length. */
    code = t->first >> 1;
    for (i = next[root]; code < size; code++) {
        t->root[i] = (uint16_t)(code << SYM_SHIFT);
        i = next_reversed(i, root);
    }
    return 0;
}

/* Decodes a code longer than the root (RFC 1951 3.2.2): one bit at a
 * time from the root's prefix, while the code is past the last code of
 * each length.  Returns its entry; NO_SYMBOL's if there is no such code. */
static unsigned walk(const table *t, uint32_t bits, unsigned e)
{
    unsigned code = e >> SYM_SHIFT, first = t->first, index = 0, l;
    bits >>= t->bits;
    for (l = t->bits + 1u; l <= MAX_BITS; l++) {
        unsigned count = t->count[l], k;
        code = code << 1 | (bits & 1u);
        bits >>= 1;
        k = code - first;
        if (k < count)
            return entry(t, t->list[index + k] + (k < t->low[l] ? 0u : 256u),
                         l);
        index += count;
        first = (first + count) << 1;
    }
    return entry(t, NO_SYMBOL, 0);
}

/* ---- blocks ---- */

/* The data of a Huffman block: literals go straight into the window,
 * matches are copied there, and the output is sunk each time the window
 * fills up.  The bit buffer and output pointer live in locals.  A length
 * code and its extra bits take one pass of the loop, and its distance the
 * next one; a pass refills the bit buffer only when it holds fewer bits
 * than a length code and its extra bits. */
static NOINLINE fwpk_err codes(inflater *z, const table *lit,
                                const table *dist)
{
    bitreader br = z->br;
    const uint16_t *lit_root = lit->root, *dist_root = dist->root;
    uint8_t *win = z->win, *out = win + z->pos, *win_end = win + z->size;
    uint32_t len = 0; /* of the match waiting for its distance */
    fwpk_err err = FWPK_OK;
    for (;;) {
        unsigned e, extra;
        uint32_t d, pos;
        if (br.count < MAX_BITS + MAX_LENGTH_EXTRA)
            refill(&br);
        if (len == 0) {
            e = lit_root[br.bits & ((1u << LIT_ROOT) - 1u)];
            if ((e & CODE_LEN) == 0)
                e = walk(lit, br.bits, e);
            br.bits >>= e & CODE_LEN;
            br.count -= (int)(e & CODE_LEN);
            if (br.count < 0) {
                err = FWPK_ERR_INFLATE;
                break;
            }
            if (e < LENGTH) {
                *out++ = (uint8_t)(e >> SYM_SHIFT);
                if (out == win_end) {
                    z->pos = z->size;
                    err = next_lap(z);
                    out = win;
                    if (err != FWPK_OK)
                        break;
                }
                continue;
            }
            extra = e >> EXTRA_SHIFT & 7u;
            if (extra > MAX_LENGTH_EXTRA) {
                if (e >= BAD_ENTRY)
                    err = FWPK_ERR_INFLATE;
                break; /* or the end of the block */
            }
            len = ((e >> SYM_SHIFT & 0xffu) << extra |
                   (br.bits & ((1u << extra) - 1u))) + 3u;
            br.bits >>= extra;
            br.count -= (int)extra;
            continue;
        }
        e = dist_root[br.bits & ((1u << DIST_ROOT) - 1u)];
        if ((e & CODE_LEN) == 0)
            e = walk(dist, br.bits, e);
        br.bits >>= e & CODE_LEN;
        br.count -= (int)(e & CODE_LEN);
        extra = e >> EXTRA_SHIFT;
        while (br.count < (int)extra && br.p < br.end) {
            /* rare: a distance code of 12 bits or more */
            br.bits |= (uint32_t)*br.p++ << br.count;
            br.count += 8;
        }
        d = ((e >> SYM_SHIFT & 0xffu) << extra |
             (br.bits & ((1u << extra) - 1u))) + 1u;
        br.bits >>= extra;
        br.count -= (int)extra;
        pos = (uint32_t)(out - win);
        /* before the start of the output, or beyond the window */
        if (br.count < 0 || (d > pos && (z->lap == 0 || d > z->size))) {
            err = FWPK_ERR_INFLATE;
            break;
        }
        if (d <= pos && len < (uint32_t)(win_end - out)) {
            const uint8_t *src = out - d;
            do
                *out++ = *src++;
            while (--len > 0);
        } else {
            z->pos = pos;
            err = copy_match(z, len, d);
            out = win + z->pos;
            len = 0;
            if (err != FWPK_OK)
                break;
        }
    }
    z->br = br;
    z->pos = (uint32_t)(out - win);
    return err;
}

static fwpk_err stored(inflater *z)
{
    bitreader *br = &z->br;
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
    br->p += len;
    return put(z, br->p - len, len);
}

/* RFC 1951 3.2.7: code lengths, themselves Huffman coded.  The
 * code-length code borrows the literal/length root, built later. */
static int read_lengths(bitreader *br, table *cl, uint8_t *len, unsigned n)
{
    static const uint8_t order[CODELEN_CODES] = {
        16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15};
    uint8_t cl_len[CODELEN_CODES];
    unsigned hclen = get_bits(br, 4) + 4, i;
    memset(cl_len, 0, sizeof cl_len);
    for (i = 0; i < hclen; i++)
        cl_len[order[i]] = (uint8_t)get_bits(br, 3);
    if (br->count < 0 || build(cl, cl_len, CODELEN_CODES, 1) != 0)
        return -1;
    i = 0;
    while (i < n) {
        unsigned e, sym, repeat;
        uint8_t value = 0;
        if (br->count < CODELEN_ROOT + 7) /* a code and its extra bits */
            fill(br);
        /* The root holds every code: 7 bits at most (3.2.7). */
        e = cl->root[br->bits & ((1u << CODELEN_ROOT) - 1u)];
        br->bits >>= e & CODE_LEN;
        br->count -= (int)(e & CODE_LEN);
        sym = e >> SYM_SHIFT;
        if ((e & CODE_LEN) == 0)
            return -1; /* no code */
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
        if (br->count < 0 || repeat > n - i)
            return -1;
        while (repeat-- > 0)
            len[i++] = value;
    }
    return br->count < 0 ? -1 : 0;
}

/* The codes of a fixed (RFC 1951 3.2.6) or dynamic (3.2.7) block.  The
 * lengths live in this frame only, not while the block is decoded. */
static NOINLINE int make_tables(bitreader *br, int type, table *lit,
                                table *dist)
{
    uint8_t len[LITLEN_CODES + DIST_CODES];
    unsigned hlit = LITLEN_CODES, hdist = DIST_CODES;
    if (type == FIXED) {
        memset(len, 8, 144);
        memset(len + 144, 9, 256 - 144);
        memset(len + 256, 7, 280 - 256);
        memset(len + 280, 8, LITLEN_CODES - 280);
        memset(len + LITLEN_CODES, 5, DIST_CODES);
    } else {
        int bad;
        hlit = get_bits(br, 5) + 257;
        hdist = get_bits(br, 5) + 1;
        if (br->count < 0 || hlit > MAX_HLIT || hdist > MAX_HDIST)
            return -1;
        lit->bits = CODELEN_ROOT; /* the code-length code borrows it */
        bad = read_lengths(br, lit, len, hlit + hdist);
        lit->bits = LIT_ROOT;
        if (bad || len[END_OF_BLOCK] == 0)
            return -1;
    }
    if (build(lit, len, hlit, 0) != 0 || build(dist, len + hlit, hdist, 0))
        return -1;
    return 0;
}

/* A fixed or dynamic block: its tables live in this frame while its data
 * is decoded, about 1 KB with the default root sizes. */
static fwpk_err huffman_block(inflater *z, int type)
{
    uint16_t lit_root[1u << LIT_ROOT], dist_root[1u << DIST_ROOT];
    uint8_t lit_list[LITLEN_CODES], dist_list[DIST_CODES];
    table lit, dist;
    lit.root = lit_root;
    lit.list = lit_list;
    lit.bits = LIT_ROOT;
    lit.dist = 0;
    dist.root = dist_root;
    dist.list = dist_list;
    dist.bits = DIST_ROOT;
    dist.dist = 1;
    if (make_tables(&z->br, type, &lit, &dist) != 0)
        return FWPK_ERR_INFLATE;
    return codes(z, &lit, &dist);
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

/* The blocks of a frame, up to its end or the final block. */
static fwpk_err blocks(inflater *z, fwpk_inflate_state *s)
{
    bitreader *br = &z->br;
    while (!(br->p == br->end && br->count == 0)) {
        unsigned last = get_bits(br, 1), type = get_bits(br, 2);
        fwpk_err err;
        if (br->count < 0 || type > DYNAMIC)
            return FWPK_ERR_INFLATE;
        err = type == STORED ? stored(z) : huffman_block(z, (int)type);
        if (err != FWPK_OK)
            return err;
        if (last) {
            s->final = 1;
            if (br->p != br->end || br->count >= 8)
                return FWPK_ERR_INFLATE; /* bytes after the final block */
            break;
        }
    }
    return FWPK_OK;
}

fwpk_err fwpk_inflate_frame(fwpk_inflate_state *s, const uint8_t *in,
                            size_t len, fwpk_sink sink, void *arg)
{
    inflater z;
    fwpk_err err;
    if (s->final)
        return len ? FWPK_ERR_INFLATE : FWPK_OK; /* data after the end */
    z.br.p = in;
    z.br.end = in + len;
    z.br.bits = 0;
    z.br.count = 0;
    z.win = s->win;
    z.size = s->size;
    z.pos = s->pos;
    z.lap = s->total - s->pos;
    z.start = s->pos;
    z.sink = sink;
    z.arg = arg;
    z.err = FWPK_OK;
    err = blocks(&z, s);
    sink_pending(&z); /* what was decoded, even before an error */
    s->pos = z.pos;
    s->total = z.lap + z.pos;
    return err != FWPK_OK ? err : z.err;
}
