/*
 * inflate_small.c - raw DEFLATE decoding (RFC 1951), resumable (inflate.h),
 * built for size: compiled instead of inflate.c when FWPK_INFLATE_SMALL is
 * 1 (fwpk_verify.h), for 8-bit parts, where inflate.c's 32-bit bit buffer
 * and tables cost 4.8 KB of code and 765 bytes of RAM.
 *
 * The same modes as inflate.c (a block header, a stored block's lengths
 * and bytes, a dynamic header's parts, a literal/length code, its extra
 * bits, a distance code, its extra bits, a match still to copy), but the
 * stream is read a bit at a time and nothing is looked ahead at: the bits
 * of a field or a code read so far wait in the state ('acc', 'nacc') when
 * the input runs out, and the next call goes on from there.  The input
 * byte being read is the only bit buffer, and every value fits 16 bits.
 *
 * Huffman codes are canonical (RFC 1951 3.2.2): the codes of each length
 * are consecutive numbers, given to the symbols of that length in symbol
 * order.  Only the code lengths (4 bits each) and the count of codes per
 * length are kept.  A code is read a bit at a time, keeping the code less
 * the first code of its length so far: once that is below the count of
 * its length, it is the code's place k among them, and the symbol is the
 * k-th of that length, found by counting along the lengths.  Acceptance
 * follows zlib, as in inflate.c: over-subscribed codes are refused, and
 * incomplete ones unless a lone one-bit code.
 */
#include <string.h>

#include "inflate.h"

#if FWPK_INFLATE_SMALL
#include "deflate.h"

#define MAX_BITS FWPK_INFLATE_MAX_BITS
#define LIT_CODE 0  /* s->count[LIT_CODE]: the literal/length code */
#define DIST_CODE 1 /* the distance code; the code-length code's while a
                       header is read */
/* Where each code's lengths start in fwpk_inflate.lens: even symbols,
 * so that find() reads them a byte at a time. */
#define DIST_FIRST FWPK_INFLATE_LITLEN
#define CODELEN_FIRST (FWPK_INFLATE_LITLEN + FWPK_INFLATE_DIST)
#define FIELD_MAX 16 /* bits 'acc' can gather: LEN, NLEN */

enum mode {
    HEAD,        /* BFINAL and BTYPE */
    STORED_LEN,  /* LEN, from the next byte boundary */
    STORED_NLEN, /* NLEN */
    STORED,      /* 'len' bytes as they are */
    TABLE,       /* HLIT, HDIST, HCLEN */
    CODELENS,    /* the code-length code's lengths, 3 bits each */
    LENLENS,     /* a literal/length or distance code length's code */
    REPEAT,      /* a repeat code's extra bits ('dist' is the code) */
    LEN,         /* a literal/length code */
    LENEXT,      /* the length's extra bits */
    DIST,        /* a distance code */
    DISTEXT,     /* the distance's extra bits */
    COPY,        /* 'len' bytes from 'dist' back */
    DONE,        /* after the final block */
    BAD          /* stopped by 'err' */
};

/* What a step did: its part is done (go on with the next mode), or it
 * needs more input or room, or it failed (s->err says why). */
enum step { GO, STOP, FAIL };

typedef struct {
    const uint8_t *p, *end;
} input;

/* For size: one copy of a function called from several places. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

static enum step fail(fwpk_inflate *s, fwpk_err err)
{
    s->mode = BAD;
    s->err = (uint8_t)err;
    return FAIL;
}

/* ---- bits ---- */

/* The next bit of the stream (RFC 1951 3.1.1: a byte's lowest first), or
 * -1 when the input has run out. */
static NOINLINE int next_bit(fwpk_inflate *s, input *in)
{
    int bit;
    if (s->nbits == 0) {
        if (in->p == in->end)
            return -1;
        s->bits = *in->p++;
        s->nbits = 8;
    }
    bit = s->bits & 1;
    s->bits >>= 1;
    s->nbits--;
    return bit;
}

/* An n-bit field (n <= 16), its first bit lowest: GO with its value in
 * *v once all its bits have come; STOP when the input ran out first, the
 * bits so far kept in 'acc'. */
static enum step field(fwpk_inflate *s, input *in, unsigned n, unsigned *v)
{
    while (s->nacc < n) {
        int bit = next_bit(s, in);
        if (bit < 0)
            return STOP;
        s->acc = (uint16_t)(s->acc | (unsigned)bit << s->nacc);
        s->nacc++;
    }
    *v = s->acc;
    s->acc = 0;
    s->nacc = 0;
    return GO;
}

/* ---- code lengths, 4 bits each ---- */

static NOINLINE unsigned len_at(const fwpk_inflate *s, unsigned i)
{
    unsigned b = s->lens[i >> 1];
    return i & 1u ? b >> 4 : b & 15u;
}

static void set_len(fwpk_inflate *s, unsigned i, unsigned len)
{
    uint8_t *b = &s->lens[i >> 1];
    *b = (uint8_t)(i & 1u ? (*b & 15u) | len << 4 : (*b & 0xf0u) | len);
}

/* ---- Huffman codes ---- */

/* Counts the codes of each length of the n symbols whose lengths start at
 * 'first', into s->count[code].  Returns -1 for a set zlib refuses
 * (code_refused()). */
static int build(fwpk_inflate *s, unsigned code, unsigned first, unsigned n,
                 int complete)
{
    uint16_t *count = s->count[code];
    memset(count, 0, sizeof s->count[0]);
    while (n-- > 0)
        count[len_at(s, first++)]++;
    return code_refused(count, complete);
}

/* The k-th symbol (from 0) whose length is l of the code whose lengths
 * start at 'first' (an even symbol): the byte at a time, both halves
 * compared at once.  The code's counts counted this one: it is there. */
static unsigned find(const fwpk_inflate *s, unsigned first, unsigned l,
                     unsigned k)
{
    const uint8_t *p = s->lens + first / 2u;
    unsigned high = l << 4;
    for (;; p++) {
        if ((*p & 15u) == l && k-- == 0)
            return (unsigned)(p - s->lens) * 2u - first;
        if ((*p & 0xf0u) == high && k-- == 0)
            return (unsigned)(p - s->lens) * 2u + 1u - first;
    }
}

/* The next code of s->count[code], whose symbols' lengths start at
 * 'first': GO with the symbol (less 'first') in *sym; STOP when the input
 * ran out first (the code so far kept in 'acc', its length in 'nacc');
 * FAIL for bits that are no code of an incomplete set.  After l bits, 'acc' is
 * the code less the first code of length l: below count[l], it is the
 * code's place among them; else the code is longer, and with one more
 * bit, the code less the first code of length l + 1 is 2 (acc -
 * count[l]) + bit. */
static enum step decode(fwpk_inflate *s, input *in, unsigned code,
                        unsigned first, unsigned *sym)
{
    const uint16_t *count = s->count[code];
    for (;;) {
        unsigned k, l;
        int bit = next_bit(s, in);
        if (bit < 0)
            return STOP;
        k = 2u * s->acc + (unsigned)bit;
        l = ++s->nacc;
        if (k < count[l]) {
            s->acc = 0;
            s->nacc = 0;
            *sym = find(s, first, l, k);
            return GO;
        }
        if (l == MAX_BITS)
            return fail(s, FWPK_ERR_INFLATE);
        s->acc = (uint16_t)(k - count[l]);
    }
}

/* RFC 1951 3.2.6: the lengths two to a byte (every run starts at an even
 * symbol), the distance code's from symbol 288. */
static void fixed_codes(fwpk_inflate *s)
{
    memset(s->lens, 0x88, 144 / 2);
    memset(s->lens + 144 / 2, 0x99, (256 - 144) / 2);
    memset(s->lens + 256 / 2, 0x77, (280 - 256) / 2);
    memset(s->lens + 280 / 2, 0x88, (FWPK_INFLATE_LITLEN - 280) / 2);
    memset(s->lens + FWPK_INFLATE_LITLEN / 2, FIXED_DIST_BITS * 0x11,
           FWPK_INFLATE_DIST / 2);
    /* complete codes: cannot fail */
    (void)build(s, LIT_CODE, 0, FWPK_INFLATE_LITLEN, 0);
    (void)build(s, DIST_CODE, FWPK_INFLATE_LITLEN, FWPK_INFLATE_DIST, 0);
}

/* ---- blocks ----
 * Each mode but STORED and COPY reads one thing, a field of s->width
 * bits or a code (read()), and then acts on it (the functions below, by
 * mode), setting the width of the next field where it changes. */

/* The fields' widths (RFC 1951 3.2.3, 3.2.4, 3.2.7). */
#define HEAD_BITS 3     /* BFINAL, BTYPE */
#define TABLE_BITS 14   /* HLIT, HDIST, HCLEN */
#define CODELEN_BITS 3  /* each code-length code length */

/* A block header comes next. */
static void head(fwpk_inflate *s)
{
    s->width = HEAD_BITS;
    s->mode = HEAD;
}

/* HEAD: BFINAL and BTYPE (RFC 1951 3.2.3). */
static enum step header(fwpk_inflate *s, unsigned v)
{
    s->last = (uint8_t)(v & 1u);
    switch (v >> 1) {
    case STORED_BLOCK:
        s->bits = 0; /* to the byte boundary */
        s->nbits = 0;
        s->width = FIELD_MAX;
        s->mode = STORED_LEN;
        return GO;
    case FIXED_BLOCK:
        fixed_codes(s);
        s->mode = LEN;
        return GO;
    case DYNAMIC_BLOCK:
        s->width = TABLE_BITS;
        s->mode = TABLE;
        return GO;
    default:
        return fail(s, FWPK_ERR_INFLATE);
    }
}

static enum step end_of_block(fwpk_inflate *s)
{
    if (!s->last) {
        head(s);
        return GO;
    }
    /* SPEC.md 6.1: the final block's last byte is padded with zeros (the
     * byte's bits not read yet), and nothing follows it (DONE). */
    if (s->bits != 0)
        return fail(s, FWPK_ERR_INFLATE);
    s->nbits = 0;
    s->mode = DONE;
    return GO;
}

/* STORED_LEN, STORED_NLEN: LEN, then its ones' complement (RFC 1951
 * 3.2.4), which end on a byte boundary. */
static enum step stored_len(fwpk_inflate *s, unsigned v)
{
    if (s->mode == STORED_LEN) {
        s->len = (uint16_t)v;
        s->mode = STORED_NLEN;
        return GO;
    }
    if (v != (~(unsigned)s->len & 0xffffu))
        return fail(s, FWPK_ERR_INFLATE);
    s->mode = STORED;
    return GO;
}

/* STORED: the bytes come straight from the input. */
static enum step stored(fwpk_inflate *s, fwpk_window *w, input *in)
{
    while (s->len > 0) {
        if (fwpk_window_room(w) == 0 || in->p == in->end)
            return STOP;
        fwpk_window_put(w, *in->p++);
        s->len--;
    }
    return end_of_block(s);
}

/* TABLE: HLIT, HDIST, HCLEN (RFC 1951 3.2.7). */
static enum step table(fwpk_inflate *s, unsigned v)
{
    s->hlit = (uint16_t)((v & 31u) + 257u);
    s->hdist = (uint8_t)((v >> 5 & 31u) + 1u);
    s->hclen = (uint8_t)((v >> 10) + 4u);
    if (s->hlit > MAX_HLIT || s->hdist > MAX_HDIST)
        return fail(s, FWPK_ERR_INFLATE);
    memset(s->lens + CODELEN_FIRST / 2, 0, (CODELEN_CODES + 1) / 2);
    s->have = 0;
    s->width = CODELEN_BITS;
    s->mode = CODELENS;
    return GO;
}

/* CODELENS: one of the code-length code's lengths; after the last, the
 * code, whose counts go into the distance code's (free until the
 * distance code is built). */
static enum step codelen(fwpk_inflate *s, unsigned v)
{
    set_len(s, CODELEN_FIRST + codelen_order(s->have++), v);
    if (s->have < s->hclen)
        return GO;
    if (build(s, DIST_CODE, CODELEN_FIRST, CODELEN_CODES, 1) != 0)
        return fail(s, FWPK_ERR_INFLATE);
    s->have = 0;
    s->mode = LENLENS;
    return GO;
}

/* Where the i-th length of a header's sequence goes: the literal/length
 * code's from 0, the distance code's from DIST_FIRST. */
static unsigned seq_pos(const fwpk_inflate *s, unsigned i)
{
    return i < s->hlit ? i : i - s->hlit + DIST_FIRST;
}

/* After each of the literal/length and distance code lengths (one
 * sequence): after the last, the two codes. */
static enum step lens_read(fwpk_inflate *s)
{
    s->mode = LENLENS;
    if (s->have < s->hlit + s->hdist)
        return GO;
    if (len_at(s, END_OF_BLOCK) == 0 ||
        build(s, LIT_CODE, 0, s->hlit, 0) != 0 ||
        build(s, DIST_CODE, DIST_FIRST, s->hdist, 0) != 0)
        return fail(s, FWPK_ERR_INFLATE);
    s->mode = LEN;
    return GO;
}

/* LENLENS: a code of the code-length code: a length, or a repeat code
 * whose extra bits come next (REPEAT, the code in 'dist'). */
static enum step lenlen(fwpk_inflate *s, unsigned sym)
{
    if (sym < REPEAT_PREVIOUS) {
        set_len(s, seq_pos(s, s->have++), sym);
        return lens_read(s);
    }
    if (sym == REPEAT_PREVIOUS && s->have == 0)
        return fail(s, FWPK_ERR_INFLATE); /* nothing to repeat */
    s->dist = (uint16_t)sym;
    s->width = (uint8_t)(sym == REPEAT_PREVIOUS ? 2u
                         : sym == REPEAT_ZERO   ? 3u
                                                : 7u);
    s->mode = REPEAT;
    return GO;
}

/* REPEAT: the repeat's extra bits; the previous length or zeros. */
static enum step repeat(fwpk_inflate *s, unsigned v)
{
    unsigned value = 0;
    v += s->dist == REPEAT_PREVIOUS || s->dist == REPEAT_ZERO ? 3u : 11u;
    if (v > (unsigned)(s->hlit + s->hdist) - s->have)
        return fail(s, FWPK_ERR_INFLATE);
    if (s->dist == REPEAT_PREVIOUS)
        value = len_at(s, seq_pos(s, s->have - 1u));
    while (v-- > 0)
        set_len(s, seq_pos(s, s->have++), value);
    return lens_read(s);
}

/* ---- block data ---- */

/* LEN: a literal (the window has room for it: checked before the code
 * was read), the end of the block, or a length code. */
static enum step literal_length(fwpk_inflate *s, fwpk_window *w,
                                unsigned sym)
{
    if (sym < LITERALS) {
        fwpk_window_put(w, (uint8_t)sym);
        return GO;
    }
    if (sym == END_OF_BLOCK)
        return end_of_block(s);
    sym -= FIRST_LENGTH;
    if (sym >= LENGTH_CODES)
        return fail(s, FWPK_ERR_INFLATE);
    s->len = (uint16_t)length_base(sym);
    s->width = (uint8_t)length_extra(sym);
    s->mode = LENEXT;
    return GO;
}

/* DIST: a distance code. */
static enum step distance(fwpk_inflate *s, unsigned sym)
{
    if (sym >= DIST_CODES)
        return fail(s, FWPK_ERR_INFLATE);
    s->dist = (uint16_t)dist_base(sym);
    s->width = (uint8_t)dist_extra(sym);
    s->mode = DISTEXT;
    return GO;
}

/* COPY: as much of the match as there is room for. */
static enum step copy(fwpk_inflate *s, fwpk_window *w)
{
    uint32_t room = fwpk_window_room(w);
    unsigned k = room < s->len ? (unsigned)room : s->len;
    fwpk_err err;
    if (k == 0)
        return STOP;
    err = fwpk_window_copy(w, s->dist, k);
    if (err != FWPK_OK)
        return fail(s, err);
    s->len = (uint16_t)(s->len - k);
    if (s->len == 0)
        s->mode = LEN;
    return GO;
}

/* What the current mode reads: a code (its counts and where its symbols'
 * lengths start), or else a field of s->width bits. */
static enum step read(fwpk_inflate *s, input *in, unsigned *v)
{
    if (s->mode == LENLENS)
        return decode(s, in, DIST_CODE, CODELEN_FIRST, v);
    if (s->mode == LEN)
        return decode(s, in, LIT_CODE, 0, v);
    if (s->mode == DIST)
        return decode(s, in, DIST_CODE, DIST_FIRST, v);
    return field(s, in, s->width, v);
}

static enum step step(fwpk_inflate *s, fwpk_window *w, input *in)
{
    unsigned v;
    enum step r;
    switch (s->mode) { /* the modes that read no field or code */
    case STORED:
        return stored(s, w, in);
    case COPY:
        return copy(s, w);
    case DONE:
        return in->p < in->end ? fail(s, FWPK_ERR_INFLATE) : STOP;
    case BAD:
        return FAIL;
    case LEN:
        if (fwpk_window_room(w) == 0)
            return STOP; /* a literal must have its room */
        break;
    default:
        break;
    }
    r = read(s, in, &v);
    if (r != GO)
        return r;
    switch (s->mode) {
    case HEAD:
        return header(s, v);
    case STORED_LEN:
    case STORED_NLEN:
        return stored_len(s, v);
    case TABLE:
        return table(s, v);
    case CODELENS:
        return codelen(s, v);
    case LENLENS:
        return lenlen(s, v);
    case REPEAT:
        return repeat(s, v);
    case LEN:
        return literal_length(s, w, v);
    case LENEXT:
        s->len = (uint16_t)(s->len + v);
        s->mode = DIST;
        return GO;
    case DIST:
        return distance(s, v);
    default: /* DISTEXT */
        s->dist = (uint16_t)(s->dist + v);
        s->mode = COPY;
        return GO;
    }
}

/* ---- the decoder ---- */

void fwpk_inflate_init(fwpk_inflate *s)
{
    memset(s, 0, sizeof *s);
    head(s);
    s->err = FWPK_OK;
}

fwpk_err fwpk_inflate_push(fwpk_inflate *s, fwpk_window *w, const uint8_t *in,
                           uint32_t len, uint32_t *used)
{
    input b;
    b.p = in;
    b.end = in + len;
    while (step(s, w, &b) == GO)
        ;
    *used = (uint32_t)(b.p - in);
    return (fwpk_err)s->err;
}

int fwpk_inflate_done(const fwpk_inflate *s)
{
    return s->mode == DONE;
}

int fwpk_inflate_at_boundary(const fwpk_inflate *s)
{
    return (s->mode == HEAD || s->mode == DONE) && s->nbits == 0 &&
           s->nacc == 0;
}

#else
typedef int fwpk_inflate_small_left_out; /* ISO C: a file is never empty */
#endif
