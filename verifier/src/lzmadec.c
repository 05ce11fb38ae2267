/*
 * lzmadec.c - raw LZMA1 decoding (lzmadec.h), written from the format as the
 * LZMA SDK's lzma-specification and xz's documentation describe it.
 *
 * The range decoder reads a big-endian number 'code' inside 'range'.  A
 * bit with probability p (of a 0, in 11 bits) splits the range at
 * bound = (range >> 11) * p; the side 'code' lies on is the bit, and p
 * moves 1/32 of the way towards what was seen.  Whenever the range falls
 * below 2^24 it is shifted up a byte and the next input byte enters code.
 * Direct bits (the middle bits of long distances) halve the range with no
 * probability.
 *
 * Symbols, chosen by modelled bits:
 *   0            literal: 8 bits, coded in the context of the previous
 *                byte (its top lc bits) and the position (low lp bits);
 *                after a match, also steered by the byte at rep0 until
 *                the first bit that differs from it
 *   1 0          match: a length, then a distance (6-bit slot, then
 *                reverse-coded or direct bits, and 4 aligned bits)
 *   1 1 0 0      short rep: one byte from rep0
 *   1 1 0 1      rep0 with a length
 *   1 1 1 0      rep1 ...   1 1 1 1 0 rep2 ...   1 1 1 1 1 rep3
 * The 'state' (12 values) remembers what the last symbols were, and with
 * the low pb bits of the position selects the probabilities of the first
 * bits.  The stream has no end marker: it ends after out_size bytes, when
 * the range decoder has read every byte the encoder flushed and its code
 * is 0.
 *
 * Every symbol is decoded with the range decoder's state in a local
 * 'rc'.  With FWPK_LZMA_LOOKAHEAD input bytes at hand it decodes at once.
 * With fewer (the end of a piece), it first runs the same code as a
 * trial: 'dry' leaves the probabilities, the state and the window alone
 * (a symbol reads each probability once, so the trial takes the same
 * path) and only learns whether the input suffices.
 */
#include <string.h>

#include "lzmadec.h"

#define TOP ((uint32_t)1 << 24) /* normalise below this range */
#define MODEL_BITS 11      /* probabilities are 11-bit fractions */
#define PROB_INIT (1u << (MODEL_BITS - 1))
#define MOVE_BITS 5        /* adaptation speed */
#define INIT_BYTES 5       /* a zero byte, then the initial code */

#define STATES 12
#define LIT_STATES 7       /* states below: the last symbol was a literal */
#define POS_BITS_MAX 4     /* pb <= 4 */
#define LEN_LOW_BITS 3
#define LEN_MID_BITS 3
#define LEN_HIGH_BITS 8
#define LEN_LOW 8          /* lengths 2..9 */
#define LEN_MID 8          /* lengths 10..17 */
#define MATCH_MIN 2
#define LEN_STATES 4       /* distance slots are coded per length 2, 3, 4, 5+ */
#define SLOT_BITS 6
#define END_POS_MODEL 14   /* slots from here on use direct bits */
#define ALIGN_BITS 4
#define LITERAL_SIZE 0x300

/* Offsets of the models in probs[]. */
enum {
    IS_MATCH = 0,
    IS_REP = IS_MATCH + (STATES << POS_BITS_MAX),
    IS_REP_G0 = IS_REP + STATES,
    IS_REP_G1 = IS_REP_G0 + STATES,
    IS_REP_G2 = IS_REP_G1 + STATES,
    IS_REP0_LONG = IS_REP_G2 + STATES,
    POS_SLOT = IS_REP0_LONG + (STATES << POS_BITS_MAX),
    SPEC_POS = POS_SLOT + (LEN_STATES << SLOT_BITS),
    ALIGN = SPEC_POS + (1 << (END_POS_MODEL / 2)) - END_POS_MODEL,
    LEN_CODER = ALIGN + (1 << ALIGN_BITS),
    REP_LEN_CODER = LEN_CODER + 514,
    LITERAL = REP_LEN_CODER + 514
};

/* Offsets inside a length coder. */
enum {
    CHOICE = 0,
    CHOICE2 = 1,
    LOW = 2,
    MID = LOW + (LEN_LOW << POS_BITS_MAX),
    HIGH = MID + (LEN_MID << POS_BITS_MAX)
};

typedef char layout_must_match_the_format
    [LITERAL == 1846 && HIGH + (1 << LEN_HIGH_BITS) == 514 ? 1 : -1];

typedef struct {
    uint32_t range, code;
    const uint8_t *in, *end;
    uint8_t dry;   /* trial: change nothing but this struct */
    uint8_t short_; /* the input ran out */
} rc_t;

static uint8_t next_byte(rc_t *rc)
{
    if (rc->in == rc->end) {
        rc->short_ = 1;
        return 0;
    }
    return *rc->in++;
}

static void normalize(rc_t *rc)
{
    if (rc->range < TOP) {
        rc->range <<= 8;
        rc->code = rc->code << 8 | next_byte(rc);
    }
}

static unsigned bit(rc_t *rc, uint16_t *p)
{
    uint32_t bound = (rc->range >> MODEL_BITS) * *p;
    unsigned b = rc->code >= bound;
    if (b) {
        rc->range -= bound;
        rc->code -= bound;
        if (!rc->dry)
            *p = (uint16_t)(*p - (*p >> MOVE_BITS));
    } else {
        rc->range = bound;
        if (!rc->dry)
            *p = (uint16_t)(*p + (((1u << MODEL_BITS) - *p) >> MOVE_BITS));
    }
    normalize(rc);
    return b;
}

/* 'bits' bits, most significant first, each modelled by the tree node
 * of the bits before it (node 1 is the root). */
static uint32_t tree(rc_t *rc, uint16_t *probs, unsigned bits)
{
    uint32_t m = 1;
    while (m < (1u << bits))
        m = m << 1 | bit(rc, probs + m);
    return m - (1u << bits);
}

/* The same tree, least significant bit first. */
static uint32_t reverse(rc_t *rc, uint16_t *probs, unsigned bits)
{
    uint32_t m = 1, v = 0;
    unsigned i;
    for (i = 0; i < bits; i++) {
        unsigned b = bit(rc, probs + m);
        m = m << 1 | b;
        v |= (uint32_t)b << i;
    }
    return v;
}

/* Bits of probability 1/2.  Written as the specification does (subtract,
 * then add back on a borrow) so that a corrupt code >= range decodes as
 * every other decoder decodes it. */
static uint32_t direct(rc_t *rc, unsigned bits)
{
    uint32_t v = 0;
    while (bits-- > 0) {
        uint32_t borrow;
        rc->range >>= 1;
        rc->code -= rc->range;
        borrow = 0u - (rc->code >> 31);
        rc->code += rc->range & borrow;
        v = v << 1 | (borrow + 1u);
        normalize(rc);
    }
    return v;
}

/* A match length minus MATCH_MIN: 0..271. */
static uint32_t length(rc_t *rc, uint16_t *p, uint32_t pos_state)
{
    if (!bit(rc, p + CHOICE))
        return tree(rc, p + LOW + (pos_state << LEN_LOW_BITS), LEN_LOW_BITS);
    if (!bit(rc, p + CHOICE2))
        return LEN_LOW + tree(rc, p + MID + (pos_state << LEN_MID_BITS),
                              LEN_MID_BITS);
    return LEN_LOW + LEN_MID + tree(rc, p + HIGH, LEN_HIGH_BITS);
}

/* A match distance minus one, for a length (minus MATCH_MIN) of 'len'. */
static uint32_t distance(rc_t *rc, uint16_t *p, uint32_t len)
{
    uint32_t len_state = len < LEN_STATES - 1 ? len : LEN_STATES - 1;
    uint32_t slot = tree(rc, p + POS_SLOT + (len_state << SLOT_BITS),
                         SLOT_BITS);
    uint32_t bits, dist;
    if (slot < 4)
        return slot;
    bits = (slot >> 1) - 1;
    dist = (2 | (slot & 1)) << bits;
    if (slot < END_POS_MODEL) /* a small tree per slot, from SPEC_POS */
        return dist + reverse(rc, p + (SPEC_POS + dist - slot - 1), bits);
    dist += direct(rc, bits - ALIGN_BITS) << ALIGN_BITS;
    return dist + reverse(rc, p + ALIGN, ALIGN_BITS);
}

/* ---- symbols ---- */

static fwpk_err copy(fwpk_lzma *s, fwpk_window *w)
{
    uint32_t n = fwpk_window_room(w);
    if (n > s->len)
        n = s->len;
    s->len = (uint16_t)(s->len - n);
    s->pos += n;
    return fwpk_window_copy(w, s->rep[0] + 1u, n);
}

/* A match of 'len' bytes from rep0: it must reach no further back than
 * the output and the dictionary, and no further on than out_size. */
static fwpk_err start_copy(fwpk_lzma *s, fwpk_window *w, uint32_t len)
{
    if (s->rep[0] >= s->pos || s->rep[0] >= s->dict_size ||
        len > s->out_size - s->pos)
        return FWPK_ERR_INFLATE;
    s->len = (uint16_t)len;
    return copy(s, w);
}

/* After a match, the first literal bits are steered by the byte at rep0
 * (likely the same) until one differs. */
static uint32_t matched(rc_t *rc, uint16_t *probs, unsigned match_byte)
{
    uint32_t sym = 1;
    unsigned mbit, b;
    do {
        mbit = match_byte >> 7 & 1;
        match_byte <<= 1;
        b = bit(rc, probs + 0x100 + (mbit << 8) + sym);
        sym = sym << 1 | b;
    } while (b == mbit && sym < 0x100);
    return sym;
}

static fwpk_err literal(fwpk_lzma *s, fwpk_window *w, rc_t *rc)
{
    uint8_t prev = 0, match_byte;
    uint32_t sym = 1, ctx;
    uint16_t *probs;
    fwpk_err err;
    if (s->pos > 0 && (err = fwpk_window_byte(w, 1, &prev)) != FWPK_OK)
        return err;
    ctx = ((s->pos & s->lp_mask) << s->lc) + ((unsigned)prev >> (8 - s->lc));
    probs = s->probs + LITERAL + LITERAL_SIZE * ctx;
    if (s->state >= LIT_STATES) {
        err = fwpk_window_byte(w, s->rep[0] + 1u, &match_byte);
        if (err != FWPK_OK)
            return err;
        sym = matched(rc, probs, match_byte);
    }
    while (sym < 0x100)
        sym = sym << 1 | bit(rc, probs + sym);
    if (rc->dry)
        return FWPK_OK;
    fwpk_window_put(w, (uint8_t)sym);
    s->pos++;
    s->state = (uint8_t)(s->state < 4 ? 0 : s->state < 10 ? s->state - 3
                                                            : s->state - 6);
    return FWPK_OK;
}

static fwpk_err match(fwpk_lzma *s, fwpk_window *w, rc_t *rc,
                      uint32_t pos_state)
{
    uint32_t len = length(rc, s->probs + LEN_CODER, pos_state);
    uint32_t dist = distance(rc, s->probs, len);
    if (rc->dry)
        return FWPK_OK;
    s->rep[3] = s->rep[2];
    s->rep[2] = s->rep[1];
    s->rep[1] = s->rep[0];
    s->rep[0] = dist;
    s->state = s->state < LIT_STATES ? 7 : 10;
    return start_copy(s, w, len + MATCH_MIN);
}

/* A match at one of the last four distances; rep 'which' moves to the
 * front. */
static fwpk_err rep_match(fwpk_lzma *s, fwpk_window *w, rc_t *rc,
                          uint32_t pos_state)
{
    uint16_t *p = s->probs;
    unsigned st = s->state, which;
    uint32_t len, dist;
    if (!bit(rc, p + IS_REP_G0 + st)) {
        if (!bit(rc, p + IS_REP0_LONG + (st << POS_BITS_MAX) + pos_state)) {
            if (rc->dry)
                return FWPK_OK;
            s->state = st < LIT_STATES ? 9 : 11;
            return start_copy(s, w, 1);
        }
        which = 0;
    } else if (!bit(rc, p + IS_REP_G1 + st)) {
        which = 1;
    } else {
        which = 2 + bit(rc, p + IS_REP_G2 + st);
    }
    len = length(rc, p + REP_LEN_CODER, pos_state);
    if (rc->dry)
        return FWPK_OK;
    dist = s->rep[which];
    for (; which > 0; which--)
        s->rep[which] = s->rep[which - 1];
    s->rep[0] = dist;
    s->state = st < LIT_STATES ? 8 : 11;
    return start_copy(s, w, len + MATCH_MIN);
}

static fwpk_err symbol(fwpk_lzma *s, fwpk_window *w, rc_t *rc)
{
    uint32_t pos_state = s->pos & s->pb_mask;
    uint16_t *p = s->probs;
    if (!bit(rc, p + IS_MATCH + (s->state << POS_BITS_MAX) + pos_state))
        return literal(s, w, rc);
    if (!bit(rc, p + IS_REP + s->state))
        return match(s, w, rc, pos_state);
    return rep_match(s, w, rc, pos_state);
}

/* Decodes one symbol from in[0, n): returns the bytes it took, or -1 (in
 * *err FWPK_OK) when n did not suffice and nothing changed. */
static long decode(fwpk_lzma *s, fwpk_window *w, const uint8_t *in,
                   uint32_t n, int dry, fwpk_err *err)
{
    rc_t rc;
    rc.range = s->range;
    rc.code = s->code;
    rc.in = in;
    rc.end = in + n;
    rc.dry = (uint8_t)dry;
    rc.short_ = 0;
    *err = symbol(s, w, &rc);
    if (rc.short_) {
        /* not after a full lookahead: FWPK_LZMA_LOOKAHEAD is a bound */
        if (!dry || n >= FWPK_LZMA_LOOKAHEAD)
            *err = FWPK_ERR_INFLATE;
        return -1;
    }
    if (!dry) {
        s->range = rc.range;
        s->code = rc.code;
    }
    return (long)(rc.in - in);
}

/* One symbol from the kept bytes and in[*at, len).  Sets *more when the
 * input ran out first (all of it is then kept). */
static fwpk_err step(fwpk_lzma *s, fwpk_window *w, const uint8_t *in,
                     uint32_t len, uint32_t *at, int *more)
{
    uint32_t kept = s->in_len, add = len - *at;
    fwpk_err err;
    long took;
    if (kept == 0 && add >= FWPK_LZMA_LOOKAHEAD) {
        took = decode(s, w, in + *at, add, 0, &err);
        if (took >= 0)
            *at += (uint32_t)took;
        return err;
    }
    if (add > FWPK_LZMA_LOOKAHEAD - kept)
        add = FWPK_LZMA_LOOKAHEAD - kept;
    if (add > 0) /* in may be NULL when len is 0 */
        memcpy(s->in + kept, in + *at, add);
    took = decode(s, w, s->in, kept + add, 1, &err);
    if (err != FWPK_OK)
        return err;
    if (took < 0) { /* keep everything, wait for more */
        s->in_len = (uint8_t)(kept + add);
        *at += add;
        *more = 1;
        return FWPK_OK;
    }
    took = decode(s, w, s->in, kept + add, 0, &err);
    if (took < 0)
        return err;
    if ((uint32_t)took >= kept) { /* the kept bytes are used up */
        *at += (uint32_t)took - kept;
        s->in_len = 0;
    } else {
        memmove(s->in, s->in + took, kept - (uint32_t)took);
        s->in_len = (uint8_t)(kept - (uint32_t)took);
    }
    return err;
}

/* The first INIT_BYTES bytes: a zero, then the initial code. */
static fwpk_err start(fwpk_lzma *s, const uint8_t *in, uint32_t len,
                      uint32_t *at)
{
    while (s->in_len < INIT_BYTES && *at < len)
        s->in[s->in_len++] = in[(*at)++];
    if (s->in_len < INIT_BYTES)
        return FWPK_OK;
    if (s->in[0] != 0)
        return FWPK_ERR_INFLATE;
    s->code = (uint32_t)s->in[1] << 24 | (uint32_t)s->in[2] << 16 |
              (uint32_t)s->in[3] << 8 | s->in[4];
    s->range = 0xffffffffu;
    s->in_len = 0;
    return FWPK_OK;
}

/* out_size bytes are out: the encoder's flush has been read to its last
 * byte exactly when the code is 0, and nothing may follow. */
static fwpk_err finish(const fwpk_lzma *s, int trailing)
{
    return s->code != 0 || s->in_len > 0 || trailing ? FWPK_ERR_INFLATE
                                                     : FWPK_OK;
}

/* props = (pb * 5 + lp) * 9 + lc, taken apart without a division (M0
 * has none); returns pb. */
static unsigned split(unsigned props, unsigned *lc, unsigned *lp)
{
    unsigned pb = 0;
    for (*lc = props, *lp = 0; *lc >= 9; *lc -= 9)
        ++*lp;
    for (; *lp >= 5; *lp -= 5)
        pb++;
    return pb;
}

unsigned fwpk_lzma_lclp(uint8_t props)
{
    unsigned lc, lp;
    split(props, &lc, &lp);
    return lc + lp;
}

fwpk_err fwpk_lzma_init(fwpk_lzma *s, uint8_t props, uint32_t dict_size,
                        uint32_t out_size)
{
    unsigned lc, lp, pb, i;
    if (props > FWPK_LZMA_PROPS_MAX)
        return FWPK_ERR_ARG;
    pb = split(props, &lc, &lp);
    if (lc + lp > FWPK_LZMA_LCLP_MAX)
        return FWPK_ERR_LIMIT;
    memset(s, 0, sizeof *s);
    for (i = 0; i < FWPK_LZMA_PROBS; i++)
        s->probs[i] = PROB_INIT;
    s->lc = (uint8_t)lc;
    s->lp_mask = (uint8_t)((1u << lp) - 1);
    s->pb_mask = (uint8_t)((1u << pb) - 1);
    s->dict_size = dict_size;
    s->out_size = out_size;
    return FWPK_OK;
}

fwpk_err fwpk_lzma_push(fwpk_lzma *s, fwpk_window *w, const uint8_t *in,
                        uint32_t len, uint32_t *used)
{
    fwpk_err err = (fwpk_err)s->err;
    uint32_t at = 0;
    int more = 0;
    while (err == FWPK_OK && !more) {
        if (s->len > 0 && ((err = copy(s, w)) != FWPK_OK || s->len > 0))
            break; /* an error, or the window is full */
        if (s->range == 0 &&
            ((err = start(s, in, len, &at)) != FWPK_OK || s->range == 0))
            break;
        if (s->pos == s->out_size) {
            err = finish(s, at < len);
            break;
        }
        if (fwpk_window_room(w) == 0)
            break;
        err = step(s, w, in, len, &at, &more);
    }
    s->err = (uint8_t)err;
    *used = at;
    return err;
}

int fwpk_lzma_done(const fwpk_lzma *s)
{
    return s->err == FWPK_OK && s->range != 0 && s->pos == s->out_size &&
           s->len == 0 && finish(s, 0) == FWPK_OK;
}
