/*
 * inflate.c - raw DEFLATE decoding (RFC 1951), resumable (inflate.h).
 *
 * A state machine: 'mode' says what comes next in the stream (a block
 * header, a stored block's length or bytes, a dynamic header's parts, a
 * literal/length code, its extra bits, a distance code, its extra bits, a
 * match still to copy), and each step either completes with the bits at
 * hand or stops without using any, to go on when more input comes or the
 * window has room again.  Input bits wait in a 32-bit buffer: any unit the
 * stream is read in (a code and its extra bits, at most 15 + 5 bits; a
 * distance's extra bits, 13; a stored block's LEN and NLEN, 32) fits.
 *
 * Huffman codes are canonical (RFC 1951 3.2.2): the codes of each length
 * are consecutive numbers, in symbol order, so a code is decoded from the
 * counts of codes per length and the symbols in code order, reading a bit
 * at a time.  The literal/length code, decoded once or twice per output
 * byte, also gets a first-level table (FWPK_INFLATE_FAST_BITS) that
 * resolves its short codes at once and hands the longer ones to the walk
 * part way.  Acceptance follows zlib: over-subscribed codes are refused,
 * and incomplete ones unless a lone one-bit code (RFC 1951 3.2.7 allows
 * one distance code; zlib takes a lone code in either code).
 */
#include <string.h>

#include "inflate.h"

#if !FWPK_INFLATE_SMALL
#include "deflate.h"

#define MAX_BITS FWPK_INFLATE_MAX_BITS
#define FAST_BITS FWPK_INFLATE_FAST_BITS
#define DIST_FAST_BITS FWPK_INFLATE_DIST_FAST_BITS
#define CODELEN_BITS FWPK_INFLATE_CODELEN_BITS

typedef char fast_bits_in_range[FAST_BITS >= 0 && FAST_BITS <= 12 ? 1 : -1];

/* What a decoded code is, as one number: symbol << 4 | its length in bits.
 * NEED_BITS: the bits at hand end inside the code.  NO_CODE: the bits are
 * no code of an incomplete set; its symbol is invalid in every code, so
 * the symbol checks refuse it. */
#define CODE_LEN 15u
#define SYM_SHIFT 4
#define NEED_BITS 0u
#define NO_CODE 0xffffu

enum mode {
    HEAD,       /* BFINAL and BTYPE */
    STORED_LEN, /* LEN and NLEN, from the next byte boundary */
    STORED,     /* 'len' bytes as they are */
    TABLE,      /* HLIT, HDIST, HCLEN */
    CODELENS,   /* the code-length code's lengths, 3 bits each */
    LENLENS,    /* the literal/length and distance code lengths */
    LEN,        /* a literal/length code */
    LENEXT,     /* the length's extra bits */
    DIST,       /* a distance code */
    DISTEXT,    /* the distance's extra bits */
    COPY,       /* 'len' bytes from 'dist' back */
    DONE,       /* after the final block */
    BAD         /* stopped by 'err' */
};

/* codes() is the loop that runs per output byte: its own function with its
 * locals in registers, not inlined into the dispatcher. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* What a step did: its part is done (go on with the next mode), or it
 * needs more input or room, or it failed (s->err says why); inside
 * codes(), also: the end-of-block code was read. */
enum step { GO, STOP, FAIL, END };

typedef struct {
    const uint8_t *p, *end;
    uint32_t bits;
    unsigned n;
} bitin;

/* ---- bits ---- */

/* Whether n (<= 32) bits are at hand, taking input bytes as needed. */
static int have_bits(bitin *b, unsigned n)
{
    while (b->n < n && b->p < b->end) {
        b->bits |= (uint32_t)*b->p++ << b->n;
        b->n += 8;
    }
    return b->n >= n;
}

static void drop_bits(bitin *b, unsigned n)
{
    b->bits >>= n;
    b->n -= n;
}

static unsigned low_bits(uint32_t bits, unsigned n)
{
    return (unsigned)(bits & ((1ul << n) - 1u));
}

static enum step fail(fwpk_inflate *s, fwpk_err err)
{
    s->mode = BAD;
    s->err = (uint8_t)err;
    return FAIL;
}

/* ---- Huffman codes ---- */

/* Counts the codes of each length and lists the symbols in code order:
 * by length, and by symbol within a length (RFC 1951 3.2.2).  Returns -1
 * for a set zlib refuses (code_refused()). */
static int build(fwpk_huff *h, uint8_t *sym, const uint8_t *lens,
                 unsigned n, int complete)
{
    uint16_t next[MAX_BITS + 1]; /* next slot in 'sym' for each length */
    unsigned i, l;
    memset(h, 0, sizeof *h);
    for (i = 0; i < n; i++) {
        h->count[lens[i]]++;
        if (i >= LITERALS)
            h->high[lens[i]]++;
    }
    if (code_refused(h->count, complete))
        return -1;
    next[1] = 0;
    for (l = 1; l < MAX_BITS; l++)
        next[l + 1] = (uint16_t)(next[l] + h->count[l]);
    for (i = 0; i < n; i++)
        if (lens[i])
            sym[next[lens[i]]++] = (uint8_t)i;
    return 0;
}

/* Decodes a code longer than h's first-level table (all codes, if it has
 * none) from 'bits' (n of them at hand), a bit at a time, 'prefix' being
 * its first root_bits bits as a number. */
static unsigned walk(const fwpk_huff *h, const uint8_t *sym, uint32_t bits,
                     unsigned n, unsigned prefix)
{
    unsigned l = h->root_bits, code = prefix << 1, first = h->long_first;
    unsigned index = h->long_index;
    for (;;) {
        unsigned count, k;
        if (++l > n)
            return NEED_BITS;
        code |= (unsigned)(bits >> (l - 1)) & 1u;
        count = h->count[l];
        k = code - first;
        if (k < count) {
            unsigned v = sym[index + k];
            if (k >= count - h->high[l])
                v += LITERALS;
            return v << SYM_SHIFT | l;
        }
        if (l == MAX_BITS)
            return NO_CODE;
        index += count;
        first = (first + count) << 1;
        code <<= 1;
    }
}

/* A code through its first-level table ('root', of h->root_bits bits):
 * found there if short, walked on from its prefix if not. */
static unsigned decode(const fwpk_huff *h, const uint8_t *sym,
                       const uint16_t *root, uint32_t bits, unsigned n)
{
    unsigned e = 0;
    if (h->root_bits) {
        e = root[bits & ((1u << h->root_bits) - 1u)];
        if (e & CODE_LEN)
            return (e & CODE_LEN) <= n ? e : NEED_BITS;
    }
    return walk(h, sym, bits, n, e >> SYM_SHIFT);
}

/* Codes arrive first bit first (RFC 1951 3.1.1), so the table is indexed
 * by codes bit-reversed.  Counting in reverse: the code after an n-bit
 * code adds one at bit n - 1 of the reversed code and carries towards
 * bit 0.  (A code made one bit longer by a 0 at its end reverses to the
 * same number.) */
static unsigned next_reversed(unsigned r, unsigned n)
{
    unsigned b = 1u << (n - 1);
    while (r & b) {
        r ^= b;
        b >>= 1;
    }
    return r | b;
}

/* The first-level table of a code: for each 'bits' bits, the code they
 * start with, or (length 0) the first 'bits' bits of a longer code as a
 * number, from which the walk goes on.  Codes in order, 'r' reversed. */
static void fill_root(fwpk_huff *h, const uint8_t *sym, uint16_t *root,
                      unsigned bits)
{
    unsigned l, k, code = 0, index = 0, r = 0;
    for (l = 1; l <= bits; l++) {
        unsigned count = h->count[l], low = count - h->high[l];
        for (k = 0; k < count; k++, code++) {
            unsigned v = sym[index + k] + (k < low ? 0u : LITERALS), i;
            for (i = r; i < (1u << bits); i += 1u << l)
                root[i] = (uint16_t)(v << SYM_SHIFT | l);
            r = next_reversed(r, l);
        }
        index += count;
        code <<= 1;
    }
    h->long_first = (uint16_t)code;
    h->long_index = (uint16_t)index;
    h->root_bits = (uint8_t)bits;
    for (code >>= 1; code < (1u << bits); code++) {
        root[r] = (uint16_t)(code << SYM_SHIFT);
        r = next_reversed(r, bits);
    }
}

/* The literal/length and distance codes from u.lens: 'hlit' and 'hdist'
 * lengths.  Then the lengths make way for the first-level tables. */
static int make_codes(fwpk_inflate *s, unsigned hlit, unsigned hdist)
{
    const uint8_t *lens = s->u.lens;
    if (build(&s->lit_code, s->sym.lit, lens, hlit, 0) != 0 ||
        build(&s->dist_code, s->dist_sym, lens + hlit, hdist, 0) != 0)
        return -1;
    if (FAST_BITS) {
        fill_root(&s->lit_code, s->sym.lit, s->u.root, FAST_BITS);
        fill_root(&s->dist_code, s->dist_sym, s->u.root + (1u << FAST_BITS),
                  DIST_FAST_BITS);
    }
    return 0;
}

/* RFC 1951 3.2.6. */
static void fixed_codes(fwpk_inflate *s)
{
    uint8_t *lens = s->u.lens;
    memset(lens, 8, 144);
    memset(lens + 144, 9, 256 - 144);
    memset(lens + 256, 7, 280 - 256);
    memset(lens + 280, 8, FWPK_INFLATE_LITLEN - 280);
    memset(lens + FWPK_INFLATE_LITLEN, FIXED_DIST_BITS, FWPK_INFLATE_DIST);
    /* complete codes: cannot fail */
    (void)make_codes(s, FWPK_INFLATE_LITLEN, FWPK_INFLATE_DIST);
}

/* ---- blocks ---- */

/* RFC 1951 3.2.3. */
static enum step header(fwpk_inflate *s, bitin *b)
{
    unsigned type;
    if (!have_bits(b, 3))
        return STOP;
    s->last = (uint8_t)(b->bits & 1u);
    type = low_bits(b->bits >> 1, 2);
    drop_bits(b, 3);
    switch (type) {
    case STORED_BLOCK:
        drop_bits(b, b->n & 7u); /* to the byte boundary */
        s->mode = STORED_LEN;
        return GO;
    case FIXED_BLOCK:
        fixed_codes(s);
        s->mode = LEN;
        return GO;
    case DYNAMIC_BLOCK:
        s->mode = TABLE;
        return GO;
    default:
        return fail(s, FWPK_ERR_INFLATE);
    }
}

static enum step end_of_block(fwpk_inflate *s, bitin *b)
{
    unsigned pad = b->n & 7u;
    if (!s->last) {
        s->mode = HEAD;
        return GO;
    }
    /* SPEC.md 6.1: the final block's last byte is padded with zeros, and
     * nothing follows it. */
    if (low_bits(b->bits, pad) != 0 || b->n > pad)
        return fail(s, FWPK_ERR_INFLATE);
    drop_bits(b, pad);
    s->mode = DONE;
    return GO;
}

/* RFC 1951 3.2.4. */
static enum step stored_len(fwpk_inflate *s, bitin *b)
{
    unsigned len, nlen;
    if (!have_bits(b, 32))
        return STOP;
    len = low_bits(b->bits, 16);
    nlen = (unsigned)(b->bits >> 16);
    if (len != (~nlen & 0xffffu))
        return fail(s, FWPK_ERR_INFLATE);
    b->bits = 0; /* all 32 bits used (a shift by 32 is undefined) */
    b->n = 0;
    s->len = (uint16_t)len;
    s->mode = STORED;
    return GO;
}

/* The bytes of a stored block come straight from the input: the bit
 * buffer is empty here (LEN and NLEN filled it to exactly 32 bits from a
 * byte boundary, and used them all). */
static enum step stored(fwpk_inflate *s, fwpk_window *w, bitin *b,
                        uint32_t *room)
{
    while (s->len > 0) {
        if (*room == 0 || b->p == b->end)
            return STOP;
        fwpk_window_put(w, *b->p++);
        --*room;
        s->len--;
    }
    return end_of_block(s, b);
}

/* RFC 1951 3.2.7: HLIT, HDIST, HCLEN. */
static enum step table(fwpk_inflate *s, bitin *b)
{
    if (!have_bits(b, 14))
        return STOP;
    s->hlit = (uint16_t)(low_bits(b->bits, 5) + 257u);
    s->hdist = (uint8_t)(low_bits(b->bits >> 5, 5) + 1u);
    s->hclen = (uint8_t)(low_bits(b->bits >> 10, 4) + 4u);
    drop_bits(b, 14);
    if (s->hlit > MAX_HLIT || s->hdist > MAX_HDIST)
        return fail(s, FWPK_ERR_INFLATE);
    memset(s->u.lens, 0, CODELEN_CODES);
    s->have = 0;
    s->mode = CODELENS;
    return GO;
}

/* The code-length code's lengths; the code goes into dist_code (free until
 * the distance code is built), its lengths into u.lens[0..18]. */
static enum step codelens(fwpk_inflate *s, bitin *b)
{
    while (s->have < s->hclen) {
        if (!have_bits(b, 3))
            return STOP;
        s->u.lens[codelen_order(s->have++)] = (uint8_t)low_bits(b->bits, 3);
        drop_bits(b, 3);
    }
    if (build(&s->dist_code, s->dist_sym, s->u.lens, CODELEN_CODES, 1) != 0)
        return fail(s, FWPK_ERR_INFLATE);
    if (FAST_BITS)
        fill_root(&s->dist_code, s->dist_sym, s->sym.codelen_root,
                  CODELEN_BITS);
    s->have = 0;
    s->mode = LENLENS;
    return GO;
}

/* The literal/length and distance code lengths, one sequence, each code
 * with its extra bits read at once (7 + 7 bits at most).  Some 300 codes
 * per block: the bit buffer is kept in locals, as in codes(). */
static NOINLINE enum step lenlens(fwpk_inflate *s, bitin *b)
{
    const uint8_t *p = b->p, *end = b->end;
    uint32_t bits = b->bits;
    unsigned n = b->n, have = s->have, total = s->hlit + s->hdist;
    uint8_t *lens = s->u.lens;
    enum step r = GO;
    while (r == GO && have < total) {
        unsigned e, sym, l, extra, repeat;
        uint8_t value = 0;
        while (n <= 24 && p < end) {
            bits |= (uint32_t)*p++ << n;
            n += 8;
        }
        if (FAST_BITS) { /* the table holds every code (7 bits at most) */
            e = s->sym.codelen_root[bits & ((1u << CODELEN_BITS) - 1u)];
            if ((e & CODE_LEN) == 0)
                e = NO_CODE; /* none: the code is empty */
            else if ((e & CODE_LEN) > n)
                e = NEED_BITS;
        } else {
            e = decode(&s->dist_code, s->dist_sym, NULL, bits, n);
        }
        sym = e >> SYM_SHIFT;
        l = e & CODE_LEN;
        if (e == NEED_BITS) {
            r = STOP;
        } else if (sym < 16) {
            lens[have++] = (uint8_t)sym;
            bits >>= l;
            n -= l;
        } else if (sym >= CODELEN_CODES ||
                   (sym == REPEAT_PREVIOUS && have == 0)) {
            r = fail(s, FWPK_ERR_INFLATE); /* no code; nothing to repeat */
        } else {
            if (sym == REPEAT_PREVIOUS) {
                value = lens[have - 1];
                extra = 2;
                repeat = 3;
            } else if (sym == REPEAT_ZERO) {
                extra = 3;
                repeat = 3;
            } else {
                extra = 7;
                repeat = 11;
            }
            repeat += low_bits(bits >> l, extra);
            if (n < l + extra) {
                r = STOP;
            } else if (repeat > total - have) {
                r = fail(s, FWPK_ERR_INFLATE);
            } else {
                bits >>= l + extra;
                n -= l + extra;
                memset(lens + have, value, repeat);
                have += repeat;
            }
        }
    }
    b->p = p;
    b->bits = bits;
    b->n = n;
    s->have = (uint16_t)have;
    if (r != GO)
        return r;
    if (lens[END_OF_BLOCK] == 0 || make_codes(s, s->hlit, s->hdist) != 0)
        return fail(s, FWPK_ERR_INFLATE);
    s->mode = LEN;
    return GO;
}

/* ---- block data ---- */

/* Literals, lengths and distances until the block ends, the input runs
 * out or the window is full.  This is the loop that runs once or twice
 * per output byte: the bit buffer, the input pointer, the mode and the
 * room stay in locals meanwhile, literals take the shortest way, and the
 * buffer is topped up to 25 bits or more before each pass, so that a code
 * and its extra bits fit: a match takes two passes, one for the length,
 * one for the distance and the copy.  A step that lacks bits or room
 * stops with nothing used; the next call redoes it (the modes LENEXT and
 * DISTEXT are where a code's extra bits were still missing). */
static NOINLINE enum step codes(fwpk_inflate *s, fwpk_window *w, bitin *in,
                                uint32_t *room_p)
{
    const uint16_t *lit_root = s->u.root;
    const uint16_t *dist_root = s->u.root + (1u << FAST_BITS);
    const uint8_t *p = in->p, *end = in->end;
    uint32_t bits = in->bits, room = *room_p;
    unsigned n = in->n, mode = s->mode;
    enum step r = GO;
    while (r == GO) {
        unsigned e, sym, l;
        uint32_t k;
        fwpk_err err;
        while (n <= 24 && p < end) {
            bits |= (uint32_t)*p++ << n;
            n += 8;
        }
        if (mode == LEN) {
            e = FAST_BITS ? lit_root[bits & ((1u << FAST_BITS) - 1u)] : 0u;
            if ((e & CODE_LEN) == 0) /* longer than the table, or no table */
                e = walk(&s->lit_code, s->sym.lit, bits, n, e >> SYM_SHIFT);
            else if ((e & CODE_LEN) > n)
                e = NEED_BITS;
            sym = e >> SYM_SHIFT;
            l = e & CODE_LEN;
            if (e == NEED_BITS || (sym < LITERALS && room == 0)) {
                r = STOP;
                continue;
            }
            bits >>= l;
            n -= l;
            if (sym < LITERALS) {
                fwpk_window_put(w, (uint8_t)sym);
                room--;
                continue;
            }
            if (sym == END_OF_BLOCK) {
                r = END;
                continue;
            }
            sym -= FIRST_LENGTH;
            if (sym >= LENGTH_CODES) {
                mode = BAD;
                r = FAIL;
                continue;
            }
            s->len = (uint16_t)length_base(sym);
            s->extra = (uint8_t)length_extra(sym);
            mode = LENEXT; /* its extra bits, at once if they are here */
        }
        if (mode == DIST) {
            e = decode(&s->dist_code, s->dist_sym, dist_root, bits, n);
            sym = e >> SYM_SHIFT;
            if (e == NEED_BITS) {
                r = STOP;
                continue;
            }
            if (sym >= DIST_CODES) {
                mode = BAD;
                r = FAIL;
                continue;
            }
            bits >>= e & CODE_LEN;
            n -= e & CODE_LEN;
            s->dist = (uint16_t)dist_base(sym);
            s->extra = (uint8_t)dist_extra(sym);
            mode = DISTEXT; /* its extra bits, at once if they are here */
        }
        if (mode == LENEXT || mode == DISTEXT) {
            uint16_t *value = mode == LENEXT ? &s->len : &s->dist;
            if (n < s->extra) {
                r = STOP;
                continue;
            }
            *value = (uint16_t)(*value + low_bits(bits, s->extra));
            bits >>= s->extra;
            n -= s->extra;
            if (mode == LENEXT) {
                mode = DIST;
                continue; /* topped up first */
            }
            mode = COPY;
        }
        /* COPY: as much of the match as there is room for */
        k = s->len < room ? s->len : room;
        if (k == 0) {
            r = STOP;
            continue;
        }
        err = fwpk_window_copy(w, s->dist, k);
        if (err != FWPK_OK) {
            s->err = (uint8_t)err;
            mode = BAD;
            r = FAIL;
            continue;
        }
        room -= k;
        s->len = (uint16_t)(s->len - k);
        if (s->len == 0)
            mode = LEN;
    }
    in->p = p;
    in->bits = bits;
    in->n = n;
    *room_p = room;
    s->mode = (uint8_t)mode;
    if (mode == BAD)
        return fail(s, s->err != FWPK_OK ? (fwpk_err)s->err
                                         : FWPK_ERR_INFLATE);
    if (r == END)
        return end_of_block(s, in);
    return STOP;
}

/* ---- the decoder ---- */

void fwpk_inflate_init(fwpk_inflate *s)
{
    memset(s, 0, sizeof *s);
    s->mode = HEAD;
    s->err = FWPK_OK;
}

static enum step step(fwpk_inflate *s, fwpk_window *w, bitin *b,
                      uint32_t *room)
{
    switch (s->mode) {
    case HEAD:
        return header(s, b);
    case STORED_LEN:
        return stored_len(s, b);
    case STORED:
        return stored(s, w, b, room);
    case TABLE:
        return table(s, b);
    case CODELENS:
        return codelens(s, b);
    case LENLENS:
        return lenlens(s, b);
    case DONE:
        return b->p < b->end ? fail(s, FWPK_ERR_INFLATE) : STOP;
    case BAD:
        return FAIL;
    default:
        return codes(s, w, b, room);
    }
}

fwpk_err fwpk_inflate_push(fwpk_inflate *s, fwpk_window *w, const uint8_t *in,
                           uint32_t len, uint32_t *used)
{
    uint32_t room = fwpk_window_room(w);
    bitin b;
    enum step r;
    b.p = in;
    b.end = in + len;
    b.bits = s->bits;
    b.n = s->nbits;
    do
        r = step(s, w, &b, &room);
    while (r == GO);
    s->bits = b.bits;
    s->nbits = (uint8_t)b.n;
    *used = (uint32_t)(b.p - in);
    return (fwpk_err)s->err;
}

int fwpk_inflate_done(const fwpk_inflate *s)
{
    return s->mode == DONE;
}

int fwpk_inflate_at_boundary(const fwpk_inflate *s)
{
    return (s->mode == HEAD || s->mode == DONE) && s->nbits == 0;
}

#else
typedef int fwpk_inflate_left_out; /* ISO C: a file is never empty */
#endif
