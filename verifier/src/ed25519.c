/*
 * ed25519.c - Ed25519 signature verification, from RFC 8032 section 5.1.
 *
 * Verification only: every input is public, so nothing here needs to run
 * in constant time, and the code takes the short, variable-time path.
 *
 * The field GF(2^255 - 19) is held in limbs of FWPK_ED25519_LIMB_BITS:
 * eight 32-bit limbs (radix 2^32) by default, or, for 8-bit parts whose
 * multiplier takes 8 x 8 bits, 32 bytes (radix 2^8).  Either way a value
 * is not fully reduced: any value below 2^256 is a valid representative,
 * and 2^256 = 38 (mod p) folds the carries.  One multiply routine serves
 * squaring too, which keeps the code small.  The code is written over
 * limbs (and "wide" sums of two); only the carry fold differs between the
 * radixes.
 *
 * s B - h A is computed in one pass (Straus) with both scalars in
 * width-4 NAF: the odd multiples of -A are computed per verification, in
 * the form additions take, those of B come from a table; T is computed
 * only where an addition will read it.  FWPK_ED25519_UNROLL 0 puts size
 * first: width-2 NAF (no multiples but A and B) with the digits read from
 * the scalars as they are needed, exponentiations bit by bit, loops
 * throughout.  Additions and doublings work in place, so every field
 * element the verification keeps lives in the caller's workspace (below):
 * the stack holds one 512-bit product and a few locals.
 *
 * Acceptance matches libsodium 1.0.18's crypto_sign_verify_detached:
 * S must be below L, R and A must not encode a point of small order, A's
 * y must be canonical, the equation is checked without the cofactor, and
 * the computed R is compared with the signature's R as encoded bytes.
 */
#include <stddef.h>
#include <string.h>

#include "fwpk_verify.h"
#include "rom.h"

#if FWPK_ED25519_LIMB_BITS == 8
typedef uint8_t limb;
typedef uint16_t wide; /* a sum or product of two limbs */
/* One 32-bit word of a constant, as the four limbs it spans. */
#define W(x) (uint8_t)(x), (uint8_t)((uint32_t)(x) >> 8), \
             (uint8_t)((uint32_t)(x) >> 16), (uint8_t)((uint32_t)(x) >> 24)
#elif FWPK_ED25519_LIMB_BITS == 32
typedef uint32_t limb;
typedef uint64_t wide;
#define W(x) x
#else
#error "FWPK_ED25519_LIMB_BITS must be 8 or 32"
#endif

#define LIMB_BITS FWPK_ED25519_LIMB_BITS
#define LIMB_BYTES (LIMB_BITS / 8)
#define LIMBS (256 / LIMB_BITS)
#define FOLD 38u /* 2^256 mod p */
#define LOW_255 ((limb)((limb)~(limb)0 >> 1)) /* the top limb's low bits */

/* A 256-bit constant from its eight 32-bit words, least significant
 * first, in either radix. */
#define FE(w0, w1, w2, w3, w4, w5, w6, w7)                                \
    {                                                                     \
        W(w0), W(w1), W(w2), W(w3), W(w4), W(w5), W(w6), W(w7)            \
    }

typedef limb fe[LIMBS];

/* The scalar multiplication, the reduction of h and (at width 2) the
 * doubling are each called once, and inlined into their callers they cost
 * avr-gcc about 400 bytes more (a frame grows past what a pointer reaches
 * by displacement) and arm-none-eabi-gcc 150: their own functions. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

typedef struct {
    fe x, y, z, t; /* extended coordinates: x = X/Z, y = Y/Z, T = XY/Z */
} point;

static const fe D FWPK_ROM = FE(0x135978a3, 0x75eb4dca, 0x4141d8ab, 0x00700a4d,
                                0x7779e898, 0x8cc74079, 0x2b6ffe73, 0x52036cee);
static const fe SQRTM1 FWPK_ROM = FE(0x4a0ea0b0, 0xc4ee1b27, 0xad2fe478,
                                     0x2f431806, 0x3dfbd7a7, 0x2b4d0099,
                                     0x4fc1df0b, 0x2b832480);
/* The group order L = 2^252 + 27742317777372353535851937790883648493. */
static const limb L[LIMBS] FWPK_ROM = FE(0x5cf5d3ed, 0x5812631a, 0xa2f79cd6,
                                         0x14def9de, 0, 0, 0, 0x10000000);

/* The points of order 1, 2, 4 and 8 have y = 1, -1, 0 and +-y8, where
 * y8^2 solves d u^2 + 2 u - 1 = 0 (RFC 8032 does not list them): their y^2
 * is 1, 0 or this y8^2.  An R or A whose y is one of them is refused, as
 * libsodium does. */
static const fe ORDER8_Y2 FWPK_ROM = FE(0x9c155291, 0xae479185, 0xb4f0a103,
                                        0x6bdf9e34, 0xba609c05, 0xc2c2ebc2,
                                        0x8bd5b257, 0x76b9125b);

/* ---- field arithmetic ---- */

static void fe_set_small(fe r, limb v)
{
    memset(r, 0, sizeof(fe));
    r[0] = v;
}

/* r += c * 2^256, that is c * 38, for c <= 38.  The carry usually dies
 * within a limb or two, so the loop stops as soon as it does; one that
 * runs off the top wraps around as 38 more, onto a value that is then
 * small.  A 32-bit limb holds c * 38 and the sum wraps in place (no
 * 64-bit arithmetic in the commonest loop of all); an 8-bit limb does not,
 * and the sum is a wide. */
#if LIMB_BITS == 32
static void fe_fold(fe r, limb c)
{
    int i = 0;
    c *= FOLD;
    while (c != 0) {
        r[i] += c;
        c = r[i] < c;
        if (++i == LIMBS) {
            i = 0;
            c *= FOLD;
        }
    }
}
#else
static void fe_fold(fe r, limb c)
{
    int i = 0;
    wide x = (wide)(c * FOLD);
    while (x != 0) {
        x = (wide)(x + r[i]);
        r[i] = (limb)x;
        x >>= LIMB_BITS;
        if (++i == LIMBS) {
            i = 0;
            x = (wide)(x * FOLD);
        }
    }
}
#endif

static void fe_add(fe r, const fe a, const fe b)
{
    wide acc = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        acc = (wide)(acc + a[i] + b[i]);
        r[i] = (limb)acc;
        acc >>= LIMB_BITS;
    }
    fe_fold(r, (limb)acc);
}

/* r -= c * 2^256, that is c * 38, borrowing only as far as needed; a
 * borrow off the top wraps around as 38 less, from a value then large. */
static void fe_unfold(fe r, limb c)
{
    int i = 0;
    c = (limb)(c * FOLD);
    while (c != 0) {
        limb before = r[i];
        r[i] = (limb)(r[i] - c);
        c = r[i] > before;
        if (++i == LIMBS) {
            i = 0;
            c = (limb)(c * FOLD);
        }
    }
}

/* r = a - b over the limbs alone; returns the borrow out of the top.
 * Not inlined: fe_sub (size first) and sub_const share it. */
static NOINLINE limb sub_limbs(limb *r, const limb *a, const limb *b)
{
    limb borrow = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        wide d = (wide)((wide)a[i] - b[i] - borrow);
        r[i] = (limb)d;
        borrow = (limb)(d >> (2 * LIMB_BITS - 1));
    }
    return borrow;
}

/* Where speed comes first the loop is fe_sub's own: a call to sub_limbs
 * in the commonest subtraction costs Cortex-M3 0.2 %. */
static void fe_sub(fe r, const fe a, const fe b)
{
    limb borrow = 0;
    int i;
    if (!FWPK_ED25519_UNROLL) {
        fe_unfold(r, sub_limbs(r, a, b));
        return;
    }
    for (i = 0; i < LIMBS; i++) {
        wide d = (wide)((wide)a[i] - b[i] - borrow);
        r[i] = (limb)d;
        borrow = (limb)(d >> (2 * LIMB_BITS - 1));
    }
    fe_unfold(r, borrow);
}

/* t = x - c for a constant c in flash; returns the borrow: x < c.  t
 * must not be x. */
static limb sub_const(limb t[LIMBS], const limb x[LIMBS],
                      const limb c[LIMBS])
{
    fwpk_rom_read(t, c, LIMBS * sizeof(limb));
    return sub_limbs(t, x, t);
}

/* *t += a * b + carry for one limb: returns the new carry.  The sum
 * cannot overflow: (2^n - 1)^2 + 2 (2^n - 1) = 2^2n - 1.  With 8-bit
 * limbs this is the 8 x 8-bit multiply AVR has in hardware, with 16-bit
 * sums: no library call for a wider product. */
static limb mac(limb *t, limb a, limb b, limb carry)
{
    wide acc = (wide)((wide)a * b + *t + carry);
    *t = (limb)acc;
    return (limb)(acc >> LIMB_BITS);
}

/* t[0..LIMBS-1] += ai * b, returning the carry out.  Eight 32-bit limbs
 * are written out: a loop would cost Cortex-M3 nearly as much again as the
 * multiply-accumulates.  On 8-bit parts each multiply-accumulate is a
 * long run of code and size comes first: FWPK_ED25519_UNROLL 0 keeps the
 * loop, as 32 limbs always do. */
static limb row(limb *t, limb ai, const fe b)
{
    limb c;
    int j;
    if (LIMBS != 8 || !FWPK_ED25519_UNROLL) {
        c = 0;
        for (j = 0; j < LIMBS; j++)
            c = mac(&t[j], ai, b[j], c);
        return c;
    }
    c = mac(&t[0], ai, b[0], 0);
    c = mac(&t[1], ai, b[1], c);
    c = mac(&t[2], ai, b[2], c);
    c = mac(&t[3], ai, b[3], c);
    c = mac(&t[4], ai, b[4], c);
    c = mac(&t[5], ai, b[5], c);
    c = mac(&t[6], ai, b[6], c);
    return mac(&t[7], ai, b[7], c);
}

/* r = t mod p for a 512-bit t: the high half times 38 onto the low.  The
 * sum stays within a wide: 2^n - 1 + 38 (2^n - 1) + 38 < 2^2n. */
static void fe_reduce_wide(fe r, const limb t[2 * LIMBS])
{
    wide acc = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        acc = (wide)(acc + t[i] + (wide)t[i + LIMBS] * FOLD);
        r[i] = (limb)acc;
        acc >>= LIMB_BITS;
    }
    fe_fold(r, (limb)acc);
}

/* Schoolbook, one row per limb of a into the 512-bit t.  The rows add
 * onto zeros: eight limbs are set one by one (as a loop, compilers call
 * memset), 32 bytes by memset. */
static void fe_mul(fe r, const fe a, const fe b)
{
    limb t[2 * LIMBS];
    int i;
    if (LIMBS == 8)
        t[0] = t[1] = t[2] = t[3] = t[4] = t[5] = t[6] = t[7] = 0;
    else
        memset(t, 0, LIMBS * sizeof(limb));
    for (i = 0; i < LIMBS; i++)
        t[i + LIMBS] = row(t + i, a[i], b);
    fe_reduce_wide(r, t);
}

/* No dedicated squaring: on Cortex-M3 the written-out rows make the
 * general product cheaper than a squaring's triangular loops would be,
 * and one routine is less flash. */
static void fe_sq(fe r, const fe a)
{
    fe_mul(r, a, a);
}

/* The two exponents the verifier needs, p - 2 (an inverse) and
 * (p - 5) / 8 (a square root), are 2^n - 1 but for a few of the low 8
 * bits: as n and the low byte. */
#define INVERT_BITS 255
#define INVERT_LOW 0xeb /* p - 2 = 2^255 - 21 */
#define P58_BITS 252
#define P58_LOW 0xfd    /* (p - 5) / 8 = 2^252 - 3 */

#if FWPK_ED25519_UNROLL
/* The temporaries of an exponentiation, lent by the caller (they are
 * part of the workspace, below, not of the stack). */
typedef struct {
    fe t, x5, x10, x50; /* the addition chain's */
    fe u, a11;          /* the steps after it */
} pow_tmp;

static void fe_sq_times(fe r, const fe a, int n)
{
    fe_sq(r, a);
    while (--n > 0)
        fe_sq(r, r);
}

/* r = a^(2^250 - 1), and a11 = a^11, by the addition chain
 * 2, 9, 11, 2^5-1, 2^10-1, 2^20-1, 2^40-1, 2^50-1, 2^100-1, 2^200-1,
 * 2^250-1: 250 squarings and 11 multiplications.  Both exponents the
 * verifier needs are this followed by a few more steps. */
static void fe_pow_2_250_1(fe r, fe a11, const fe a, pow_tmp *m)
{
    limb *t = m->t, *x5 = m->x5, *x10 = m->x10, *x50 = m->x50;
    fe_sq(t, a);               /* 2 */
    fe_sq_times(r, t, 2);      /* 8 */
    fe_mul(r, r, a);           /* 9 */
    fe_mul(a11, r, t);         /* 11 */
    fe_sq(t, a11);             /* 22 */
    fe_mul(x5, t, r);          /* 31 = 2^5 - 1 */
    fe_sq_times(t, x5, 5);
    fe_mul(x10, t, x5);        /* 2^10 - 1 */
    fe_sq_times(t, x10, 10);
    fe_mul(t, t, x10);         /* 2^20 - 1 */
    fe_sq_times(r, t, 20);
    fe_mul(t, r, t);           /* 2^40 - 1 */
    fe_sq_times(t, t, 10);
    fe_mul(x50, t, x10);       /* 2^50 - 1 */
    fe_sq_times(t, x50, 50);
    fe_mul(t, t, x50);         /* 2^100 - 1 */
    fe_sq_times(r, t, 100);
    fe_mul(t, r, t);           /* 2^200 - 1 */
    fe_sq_times(t, t, 50);
    fe_mul(r, t, x50);         /* 2^250 - 1 */
}

/* a^(p - 2) = a^(2^255 - 21) = (a^(2^250 - 1))^(2^5) * a^11. */
static void fe_invert(fe r, const fe a, pow_tmp *m)
{
    fe_pow_2_250_1(m->u, m->a11, a, m);
    fe_sq_times(m->u, m->u, 5);
    fe_mul(r, m->u, m->a11);
}

/* a^((p - 5) / 8) = a^(2^252 - 3) = (a^(2^250 - 1))^4 * a. */
static void fe_pow_p58(fe r, const fe a, pow_tmp *m)
{
    fe_pow_2_250_1(m->u, m->a11, a, m);
    fe_sq_times(m->u, m->u, 2);
    fe_mul(r, m->u, a);
}
#else
typedef struct {
    fe t; /* a, kept while r is squared */
} pow_tmp;

/* r = a^e for the exponent e of n bits whose low byte is 'low' and whose
 * other bits are all ones, by squaring and multiplying, from the top bit
 * down: about n multiplications where the addition chain has a dozen,
 * and a tenth of its code (FWPK_ED25519_UNROLL 0).  a is read into m->t
 * first, so r may be a. */
static void fe_pow_bits(fe r, const fe a, int n, unsigned low, pow_tmp *m)
{
    int i;
    memcpy(m->t, a, sizeof(fe));
    memcpy(r, a, sizeof(fe)); /* the top bit */
    for (i = n - 2; i >= 0; i--) {
        fe_sq(r, r);
        if (i >= 8 || (low >> i & 1))
            fe_mul(r, r, m->t);
    }
}

static void fe_invert(fe r, const fe a, pow_tmp *m)
{
    fe_pow_bits(r, a, INVERT_BITS, INVERT_LOW, m);
}

static void fe_pow_p58(fe r, const fe a, pow_tmp *m)
{
    fe_pow_bits(r, a, P58_BITS, P58_LOW, m);
}
#endif

/* Whether r >= p, that is r + 19 >= 2^255: the carry of adding 19,
 * followed up to the top limb without storing the sum. */
static int fe_ge_p(const fe r)
{
    limb c = 19;
    int i;
    for (i = 0; i < LIMBS - 1; i++)
        c = (limb)(r[i] + c) < c;
    return r[LIMBS - 1] > LOW_255 - c;
}

/* Fully reduces r below p, in place (no copy on the stack): r < 2^256 =
 * 2p + 38, so two steps suffice.  r - p = r + 19 - 2^255: 19 added with
 * the carry out of the top dropped, and bit 255 flipped (set when the
 * carry was dropped, clear otherwise). */
static void fe_reduce(fe r)
{
    int k, i;
    for (k = 0; k < 2 && fe_ge_p(r); k++) {
        wide acc = 19;
        for (i = 0; i < LIMBS; i++) {
            acc = (wide)(acc + r[i]);
            r[i] = (limb)acc;
            acc >>= LIMB_BITS;
        }
        r[LIMBS - 1] ^= (limb)~LOW_255;
    }
}

/* The comparisons below reduce their arguments in place: the values stay
 * what they were, only their representatives change. */
static int fe_equal(fe a, fe b)
{
    fe_reduce(a);
    fe_reduce(b);
    return memcmp(a, b, sizeof(fe)) == 0;
}

static int fe_is_odd(fe a)
{
    fe_reduce(a);
    return (int)(a[0] & 1);
}

/* r = -a, from a zero the caller keeps: on the stack it would join the
 * verification's frame (avr-gcc inlines this), under the hash's chain. */
static void fe_neg(fe r, const fe a, const fe zero)
{
    fe_sub(r, zero, a);
}

/* 32 little-endian bytes as limbs: a field element or a scalar. */
static void limbs_from_bytes(limb r[LIMBS], const uint8_t s[32])
{
    int i;
    if (LIMB_BYTES == 1) { /* bytes are the limbs */
        memcpy(r, s, 32);
        return;
    }
    memset(r, 0, LIMBS * sizeof(limb));
    for (i = 0; i < 32; i++)
        r[i / LIMB_BYTES] |= (limb)((limb)s[i] << (8 * (i % LIMB_BYTES)));
}

/* The low 255 bits of s; bit 255 (the sign of x) is ignored. */
static void fe_from_bytes(fe r, const uint8_t s[32])
{
    limbs_from_bytes(r, s);
    r[LIMBS - 1] &= LOW_255;
}

/* a is reduced in place. */
static void fe_to_bytes(uint8_t s[32], fe a)
{
    int i;
    fe_reduce(a);
    for (i = 0; i < 32; i++)
        s[i] = (uint8_t)(a[i / LIMB_BYTES] >> (8 * (i % LIMB_BYTES)));
}

/* ---- points ---- */

/* A point prepared for being added: the parts of RFC 8032's addition
 * that depend on it alone, Y + X, Y - X and 2dT (for a point with Z = 1,
 * as the base point's multiples and the decoded -A are kept; others keep
 * their 2Z beside, below). */
typedef struct {
    fe ypx, ymx, t2d;
} niels;

/* n = p prepared for additions; d is scratch (for the constant d). */
static void point_to_niels(niels *n, const point *p, limb *d)
{
    fwpk_rom_read(d, D, sizeof(fe));
    /* n is output only: cppcheck takes fe_add's r for an input. */
    /* cppcheck-suppress uninitvar */
    fe_add(n->ypx, p->y, p->x);
    fe_sub(n->ymx, p->y, p->x);
    fe_mul(n->t2d, p->t, d);
    fe_add(n->t2d, n->t2d, n->t2d);
}

/* How point_add adds q, as bits. */
#define ADD_NEGATE 1u   /* p - q instead of p + q */
#define ADD_WITH_T 2u   /* the sum's T: only an addition reads it, so
                           before a doubling it would be a wasted
                           multiplication */
#define ADD_Q_IN_ROM 4u /* q is a constant in flash: on AVR each field is
                           read into RAM where it is used, not all at
                           once */

/* q's field f where the addition can read it: as it is, or from flash
 * into 'slot', a temporary free at that time.  Not inlined: avr-gcc
 * would repeat the test and the copy's set-up at each of the three uses
 * (120 bytes); elsewhere it is not called at all (FWPK_ROM_MAPPED). */
static NOINLINE const limb *q_field_copy(const limb *f, unsigned how,
                                         limb *slot)
{
    if (!(how & ADD_Q_IN_ROM))
        return f;
    fwpk_rom_read(slot, f, sizeof(fe));
    return slot;
}

static const limb *q_field(const limb *f, unsigned how, limb *slot)
{
    return FWPK_ROM_MAPPED ? f : q_field_copy(f, how, slot);
}

/* RFC 8032 5.1.4, addition, in place: p += q, or p -= q with ADD_NEGATE.
 * -q is (-X, Y, Z, -T), which swaps Y + X with Y - X and, through -2dT,
 * swaps F with G.  q's 2Z is z2, or 2 when z2 is null, which saves the
 * multiplication.  The RFC's temporaries take p's coordinates as they
 * fall free, and 'tmp' one more: no field element on the stack (the
 * deepest stack of the whole verifier runs through here). */
static void point_add(point *p, const niels *q, const limb *z2,
                      unsigned how, limb *tmp)
{
    int negate = (how & ADD_NEGATE) != 0;
    fe_mul(p->t, p->t, q_field(q->t2d, how, tmp));        /* C */
    fe_sub(tmp, p->y, p->x);
    fe_add(p->y, p->y, p->x);
    fe_mul(p->x, tmp, q_field(negate ? q->ypx : q->ymx, how, p->x)); /* A */
    fe_mul(p->y, p->y, q_field(negate ? q->ymx : q->ypx, how, tmp)); /* B */
    if (z2 != NULL)
        fe_mul(p->z, p->z, z2);                           /* D */
    else
        fe_add(p->z, p->z, p->z);
    fe_sub(tmp, p->y, p->x);                              /* E = B - A */
    fe_add(p->y, p->y, p->x);                             /* H = B + A */
    if (negate) {
        fe_add(p->x, p->z, p->t);                         /* F = D + C */
        fe_sub(p->z, p->z, p->t);                         /* G = D - C */
    } else {
        fe_sub(p->x, p->z, p->t);                         /* F = D - C */
        fe_add(p->z, p->z, p->t);                         /* G = D + C */
    }
    if (how & ADD_WITH_T)
        fe_mul(p->t, tmp, p->y);                          /* T = E H */
    fe_mul(p->y, p->z, p->y);                             /* Y = G H */
    fe_mul(p->z, p->x, p->z);                             /* Z = F G */
    fe_mul(p->x, tmp, p->x);                              /* X = E F */
}

/* RFC 8032 5.1.4, doubling, in place: four squarings and three
 * multiplications, a fourth for T 'with_t'.  p's T is not read: it holds
 * (X + Y)^2 meanwhile, and 'tmp' G. */
static NOINLINE void point_double(point *p, int with_t, limb *tmp)
{
    fe_add(p->t, p->x, p->y);
    fe_sq(p->t, p->t);          /* (X + Y)^2 */
    fe_sq(p->x, p->x);          /* A */
    fe_sq(p->y, p->y);          /* B */
    fe_sq(p->z, p->z);
    fe_add(p->z, p->z, p->z);   /* C */
    fe_sub(tmp, p->x, p->y);    /* G = A - B */
    fe_add(p->y, p->x, p->y);   /* H = A + B */
    fe_sub(p->x, p->y, p->t);   /* E = H - (X + Y)^2 */
    fe_add(p->z, p->z, tmp);    /* F = C + G */
    if (with_t)
        fe_mul(p->t, p->x, p->y); /* T = E H */
    fe_mul(p->y, tmp, p->y);    /* Y = G H */
    fe_mul(p->x, p->x, p->z);   /* X = E F */
    fe_mul(p->z, p->z, tmp);    /* Z = F G */
}

/* point_encode's temporaries, lent by the caller. */
typedef struct {
    fe zinv;
    pow_tmp pow;
    uint8_t out[32]; /* the encoding */
} encode_tmp;

/* p is scaled to Z = 1 on the way. */
static void point_encode(point *p, encode_tmp *e)
{
    fe_invert(e->zinv, p->z, &e->pow);
    fe_mul(p->x, p->x, e->zinv);
    fe_mul(p->y, p->y, e->zinv);
    fe_to_bytes(e->out, p->y);
    e->out[31] |= (uint8_t)(fe_is_odd(p->x) << 7);
}

/* point_decode_neg's temporaries, lent by the caller. */
typedef struct {
    fe u, v, v3, chk;
    pow_tmp pow;
} decode_tmp;

/* RFC 8032 5.1.3, decoding, then negated: the verifier needs -A.
 * Returns -1 when y is not below p (libsodium refuses a non-canonical A;
 * R needs no such check: a non-canonical R can never equal the canonical
 * encoding it is compared with) or when x^2 = (y^2 - 1) / (d y^2 + 1) has
 * no root.  The constants d, 1 and sqrt(-1) are read into chk while it
 * is free.  p's X and Y are written first, its Z and T only at the end:
 * m may lie in their room. */
static int point_decode_neg(point *p, const uint8_t s[32], decode_tmp *m)
{
    limb *u = m->u, *v = m->v, *v3 = m->v3, *x = p->x, *chk = m->chk;
    fe_from_bytes(p->y, s);
    if (fe_ge_p(p->y))
        return -1;
    fe_sq(u, p->y);
    fwpk_rom_read(chk, D, sizeof(fe));
    fe_mul(v, u, chk);
    fe_set_small(chk, 1);
    fe_sub(u, u, chk);            /* u = y^2 - 1 */
    fe_add(v, v, chk);            /* v = d y^2 + 1 */
    fe_sq(v3, v);
    fe_mul(v3, v3, v);            /* v^3 */
    fe_sq(x, v3);
    fe_mul(x, x, v);
    fe_mul(x, x, u);              /* u v^7 */
    fe_pow_p58(x, x, &m->pow);    /* (u v^7)^((p - 5) / 8) */
    fe_mul(x, x, v3);
    fe_mul(x, x, u);              /* candidate root u v^3 (u v^7)^((p-5)/8) */
    fe_sq(chk, x);
    fe_mul(chk, chk, v);
    fe_set_small(v3, 0);          /* v3 is free from here on: a zero */
    if (!fe_equal(chk, u)) {
        fe_neg(u, u, v3);
        if (!fe_equal(chk, u))
            return -1;
        fwpk_rom_read(chk, SQRTM1, sizeof(fe));
        fe_mul(x, x, chk);
    }
    if (fe_is_odd(x) == (s[31] >> 7))
        fe_neg(x, x, v3); /* the sign bit's x, negated */
    fe_set_small(p->z, 1);
    fe_mul(p->t, x, p->y);
    return 0;
}

/* ---- encodings libsodium refuses before doing any arithmetic ---- */

/* y2 and c are scratch. */
static int has_small_order(const uint8_t s[32], limb *y2, limb *c)
{
    limb k;
    fe_from_bytes(y2, s);
    fe_sq(y2, y2);
    for (k = 0; k < 3; k++) { /* y^2 = 0, 1, y8^2 */
        if (k < 2)
            fe_set_small(c, k);
        else
            fwpk_rom_read(c, ORDER8_Y2, sizeof(fe));
        if (fe_equal(y2, c))
            return 1;
    }
    return 0;
}

/* ---- scalars modulo L ---- */

/* r = h mod L for a 512-bit little-endian h, a byte at a time from the
 * top: t = t * 256 + byte, then t -= q L for q = floor(t / 2^252).  As
 * L = 2^252 + c with c < 2^125, q L overshoots t by less than q c <
 * 2^134, so at most one L has to be added back, and the result stays
 * below 2^252 < L. */
static NOINLINE void scalar_reduce(limb r[LIMBS], const uint8_t h[64])
{
    limb t[LIMBS + 1], l[LIMBS];
    int byte, i;
    fwpk_rom_read(l, L, sizeof l);
    memset(t, 0, sizeof t);
    for (byte = 63; byte >= 0; byte--) {
        limb q, borrow = 0;
        for (i = LIMBS; i > 0; i--)
            t[i] = (limb)((wide)t[i] << 8 | t[i - 1] >> (LIMB_BITS - 8));
        t[0] = (limb)((wide)t[0] << 8 | h[byte]);
        q = (limb)(t[LIMBS] << 4 | t[LIMBS - 1] >> (LIMB_BITS - 4));
        for (i = 0; i < LIMBS; i++) {
            wide take = (wide)((wide)q * l[i] + borrow);
            borrow = (limb)((limb)(take >> LIMB_BITS) + (t[i] < (limb)take));
            t[i] = (limb)(t[i] - (limb)take);
        }
        if (t[LIMBS] != borrow) { /* negative: add L back */
            wide acc = 0;
            for (i = 0; i < LIMBS; i++) {
                acc = (wide)(acc + t[i] + l[i]);
                t[i] = (limb)acc;
                acc >>= LIMB_BITS;
            }
        }
        t[LIMBS] = 0;
    }
    memcpy(r, t, LIMBS * sizeof(limb));
}

/* ---- the scalar multiplication's two designs ---- */

/* Both scalars are below L < 2^253 and a NAF is at most one digit longer
 * than the binary form: no digit lies above position 253 in either
 * design (at width 2, digit 254 reads bit 255 of 3k, still in range). */
#define TOP_DIGIT 254

#if FWPK_ED25519_UNROLL
/* Width-4 NAF (non-adjacent form): odd digits -7..7, and any nonzero
 * digit is followed by at least 3 zeros: about 51 additions for a scalar
 * below 2^253, instead of about 127 for plain bits, with the multiples
 * P, 3P, 5P, 7P: computed per verification for -A, in flash for B. */
#define NAF_WIDTH 4
#define NAF_LEN 256
#define NAF_BIAS 8   /* digits are stored as digit + 8 in one nibble */
#define TABLE_LEN (1 << (NAF_WIDTH - 2)) /* odd multiples P, 3P, ... */

/* Writes the nonzero NAF digits of s into the nibble of each naf[i] at
 * 'shift' (0 or 4): both scalars share one 256-byte array, which starts
 * as all zero digits.  The digits come from the bits of s read in
 * windows, with a carry for the negative digits taken so far (a digit
 * d < 0 leaves s - d 2^i, which carries into bit i + NAF_WIDTH); after a
 * nonzero digit the next NAF_WIDTH - 1 are zero. */
static void scalar_naf(uint8_t naf[NAF_LEN], const limb s[LIMBS],
                       unsigned shift)
{
    unsigned carry = 0;
    int i = 0;
    while (i < NAF_LEN) {
        unsigned bit = (unsigned)i % LIMB_BITS, v;
        unsigned w = (unsigned)(s[i / LIMB_BITS] >> bit); /* low bits kept */
        int d;
        if (bit > LIMB_BITS - NAF_WIDTH && i / LIMB_BITS + 1 < LIMBS) {
            /* the window runs across two limbs */
            w |= (unsigned)(s[i / LIMB_BITS + 1] << (LIMB_BITS - bit));
        }
        v = (unsigned)(w & ((1u << NAF_WIDTH) - 1)) + carry;
        if ((v & 1) == 0) { /* the carry, if any, moves on */
            i++;
            continue;
        }
        d = v < 1u << (NAF_WIDTH - 1) ? (int)v : (int)v - (1 << NAF_WIDTH);
        carry = v >= 1u << (NAF_WIDTH - 1);
        naf[i] = (uint8_t)((naf[i] & ~(15u << shift)) |
                           (unsigned)(d + NAF_BIAS) << shift);
        i += NAF_WIDTH;
    }
}

/* A point with its 2Z beside, for additions: -A's odd multiples. */
typedef struct {
    niels n;
    fe z2;
} cached;

typedef cached a_multiples[TABLE_LEN]; /* -A, -3A, -5A, -7A */
typedef union {
    uint8_t naf[NAF_LEN]; /* both scalars' digits */
    point q;              /* before them: odd_multiples' scratch */
} digits;
#else
/* FWPK_ED25519_UNROLL 0, size first: both scalars in width-2 NAF (digits
 * -1 and 1): about 85 additions each, with no multiples to compute for -A
 * or to keep in flash for B, and the digits are not stored but read as
 * they are needed: digit i of k is bit i + 1 of 3k less bit i + 1 of k
 * (the NAF's known closed form), so 3k beside k is all there is to keep:
 * 64 bytes for both scalars instead of 256 for their digits. */
#define TABLE_LEN 1

typedef niels a_multiples[1]; /* -A, with Z = 1: its additions need no 2Z */
typedef struct {
    limb h3[LIMBS], s3[LIMBS]; /* 3h and 3s: below 3L < 2^255 */
} digits;

/* Digit i of k's width-2 NAF, from k and k3 = 3k. */
static int naf2_digit(const limb k3[LIMBS], const limb k[LIMBS], unsigned i)
{
    unsigned n = (i + 1) / LIMB_BITS;
    limb bit = (limb)((limb)1 << (i + 1) % LIMB_BITS);
    return ((k3[n] & bit) != 0) - ((k[n] & bit) != 0);
}

/* r = 3k, for k < 2^254. */
static void scalar_triple(limb r[LIMBS], const limb k[LIMBS])
{
    wide acc = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        acc = (wide)(acc + (wide)k[i] * 3u);
        r[i] = (limb)acc;
        acc >>= LIMB_BITS;
    }
}
#endif

/* B, 3B, 5B, 7B (width 2: B alone) for the base point B of RFC 8032,
 * affine (Z = 1), as (y + x, y - x, 2dxy) mod p, little-endian limbs:
 * computed once with exact integers from B = (x, 4/5), x even (RFC 8032
 * 5.1), then 2B and B + 2B, 3B + 2B, 5B + 2B by the affine addition law
 * of 5.1.4. */
static const niels BASE_MULTIPLES[TABLE_LEN] FWPK_ROM = {
    /* 1B */
    {FE(0xf58c3b85, 0x2fbc93c6, 0xfb8c0e19, 0xcf932dc6,
        0x643d42c2, 0x270b4898, 0x33d4ba65, 0x07cf9d3a),
     FE(0xd740913e, 0x9d103905, 0xd140beb3, 0xfd399f05,
        0x688f8a09, 0xa5c18434, 0x98f81267, 0x44fd2f92),
     FE(0x877aaa68, 0xabc91205, 0xccaac49e, 0x26d9e823,
        0xdd43598c, 0x5a1b7dcb, 0x9f0c65a8, 0x6f117b68)},
#if FWPK_ED25519_UNROLL
    /* 3B */
    {FE(0x4cee9730, 0xaf25b0a8, 0xe8864b8a, 0x025a8430,
        0x9f016732, 0xc11b5002, 0x9a80f8f4, 0x7a164e1b),
     FE(0xa4fcd265, 0x56611fe8, 0xe5c1ba7d, 0x3bd353fd,
        0x214bd6bd, 0x8131f31a, 0x555bda62, 0x2ab91587),
     FE(0x0dd0d889, 0x14ae933f, 0x1c35da62, 0x58942322,
        0x8cf2db4c, 0xd170e545, 0x12b9b4c6, 0x5a2826af)},
    /* 5B */
    {FE(0x08a5bb33, 0xa212bc44, 0xc75eed02, 0x8d5048c3,
        0x5abfec44, 0xdd1beb0c, 0x46e206eb, 0x2945ccf1),
     FE(0xa447d6ba, 0x7f9182c3, 0x4b2729b7, 0xd50014d1,
        0xb864a087, 0xe33cf11c, 0xeb1b55f3, 0x154a7e73),
     FE(0x812a8285, 0xbcbbdbf1, 0xd0bdd1fc, 0x270e0807,
        0x1bbda72d, 0xb41b670b, 0x6b3bb69a, 0x43aabe69)},
    /* 7B */
    {FE(0x944ea3bf, 0x6b1a5cd0, 0xb39dc0d2, 0x7470353a,
        0x28542e49, 0x71b25282, 0x283c927e, 0x461bea69),
     FE(0xaa3221b1, 0xba6f2c9a, 0x3bba23a7, 0x6ca02153,
        0x92192c3a, 0x9dea764f, 0x2e5317e0, 0x1d6edd5d),
     FE(0x01b8b3a2, 0xf1836dc8, 0x053ea49a, 0xb3035f47,
        0x5877adf3, 0x529c41ba, 0x6a0f90a7, 0x7a9fbb1c)},
#endif
};


/* ---- the verification's workspace ---- */

/* The scalar multiplication's: its result, the temporary of its
 * additions and doublings and the scalars' digits; after it, its
 * result's encoding. */
typedef struct {
    point r;
    union {
        struct {
            fe tmp;
            digits d;
        } loop;
        encode_tmp enc;
    } v;
} mult;

/* The verification's temporaries, which the caller may lend from RAM it
 * has free at that time (the streaming verifier lends its buffers, idle
 * between the manifest and the first frame) instead of the stack.  What
 * is live at once shares nothing: the steps run in this order.
 *   1. s from the signature, the small-order checks (in dec's room);
 *   2. h computed (hash);
 *   3. -A decoded into m.r (dec beside its X and Y), then its multiples
 *      (a) and the digits of h and s;
 *   4. the loop: m.r, a, the digits, the additions' temporary;
 *   5. m.r encoded (m.v.enc). */
typedef struct {
    limb h[LIMBS], s[LIMBS];          /* steps 1-4 */
    union {
        struct {
            fwpk_sha512_ctx hs;
            uint8_t digest[64];
        } hash;                       /* step 2 */
        struct {
            a_multiples a;            /* steps 3-4 */
            union {
                struct {
                    fe xy[2];         /* -A's X and Y: m.r's */
                    decode_tmp t;
                } dec;                /* steps 1 and 3 */
                mult m;               /* steps 3-5 */
            } x;
        } pt;
    } u;
} workspace;

typedef char workspace_fits[sizeof(workspace) <= FWPK_ED25519_WORKSPACE
                                ? 1 : -1];
/* and FWPK_ED25519_WORKSPACE asks for no more than this build needs */
typedef char workspace_tight[FWPK_ED25519_WORKSPACE - sizeof(workspace) < 16
                                 ? 1 : -1];
/* decoding writes m.r's X and Y beside its temporaries */
typedef char decode_beside_xy[offsetof(mult, r.z) == sizeof(fe[2]) ? 1 : -1];

#if FWPK_ED25519_UNROLL
/* c = p with its 2Z; d is scratch. */
static void point_to_cached(cached *c, const point *p, limb *d)
{
    point_to_niels(&c->n, p, d);
    fe_add(c->z2, p->z, p->z);
}

/* table = P, 3P, 5P, 7P, cached; p must have T.  q is scratch, and 2P
 * waits in the table's last entry, which is written only after its last
 * use; tmp is the additions' temporary. */
static void odd_multiples(cached table[TABLE_LEN], const point *p, point *q,
                          limb *tmp)
{
    cached *twice = &table[TABLE_LEN - 1];
    int k;
    point_to_cached(&table[0], p, tmp);
    *q = *p;
    point_double(q, 1, tmp);
    point_to_cached(twice, q, tmp);
    *q = *p;
    for (k = 1; k < TABLE_LEN; k++) {
        point_add(q, &twice->n, twice->z2, ADD_WITH_T, tmp);
        point_to_cached(&table[k], q, tmp);
    }
}

/* The table index of an odd NAF digit: 1, 3, 5, 7 -> 0, 1, 2, 3. */
static int digit_index(int digit)
{
    return (digit < 0 ? -digit : digit) >> 1;
}

/* Step 3 after decoding: -A's odd multiples from m.r, then both NAFs
 * (where the multiples' scratch was). */
static void prepare(workspace *w)
{
    mult *m = &w->u.pt.x.m;
    odd_multiples(w->u.pt.a, &m->r, &m->v.loop.d.q, m->v.loop.tmp);
    memset(m->v.loop.d.naf, NAF_BIAS << 4 | NAF_BIAS, NAF_LEN);
    scalar_naf(m->v.loop.d.naf, w->h, 0);
    scalar_naf(m->v.loop.d.naf, w->s, 4);
}

/* The digits of h (da) and s (db) at position i. */
static void digits_at(const workspace *w, int i, int *da, int *db)
{
    unsigned n = w->u.pt.x.m.v.loop.d.naf[i];
    *da = (int)(n & 15) - NAF_BIAS;
    *db = (int)(n >> 4) - NAF_BIAS;
}

/* The multiple of -A for digit da, and its 2Z. */
static const niels *a_multiple(const workspace *w, int da, const limb **z2)
{
    const cached *c = &w->u.pt.a[digit_index(da)];
    *z2 = c->z2;
    return &c->n;
}

/* The multiple of B for digit db, in flash. */
static const niels *b_multiple(int db)
{
    return &BASE_MULTIPLES[digit_index(db)];
}
#else
/* Step 3 after decoding: -A prepared for additions, and 3h, 3s. */
static void prepare(workspace *w)
{
    mult *m = &w->u.pt.x.m;
    point_to_niels(&w->u.pt.a[0], &m->r, m->v.loop.tmp);
    scalar_triple(m->v.loop.d.h3, w->h);
    scalar_triple(m->v.loop.d.s3, w->s);
}

static void digits_at(const workspace *w, int i, int *da, int *db)
{
    const digits *d = &w->u.pt.x.m.v.loop.d;
    *da = naf2_digit(d->h3, w->h, (unsigned)i);
    *db = naf2_digit(d->s3, w->s, (unsigned)i);
}

static const niels *a_multiple(const workspace *w, int da, const limb **z2)
{
    (void)da;
    *z2 = NULL;
    return &w->u.pt.a[0];
}

static const niels *b_multiple(int db)
{
    (void)db;
    return &BASE_MULTIPLES[0];
}
#endif

/* m.r = h * (-A) + s * B (Straus: both scalars' digits in one pass of
 * doublings), -A decoded into m.r.  T is kept only where an addition
 * follows. */
static NOINLINE void double_scalarmult(workspace *w)
{
    mult *m = &w->u.pt.x.m;
    point *r = &m->r;
    limb *tmp = m->v.loop.tmp;
    int i, da = 0, db = 0;
    prepare(w);
    memset(r, 0, sizeof *r); /* the identity (0, 1, 1, 0) */
    r->y[0] = 1;
    r->z[0] = 1;
    for (i = TOP_DIGIT; i >= 0; i--) {
        digits_at(w, i, &da, &db);
        if (da != 0 || db != 0)
            break; /* doubling the identity changes nothing */
    }
    for (; i >= 0; i--) {
        digits_at(w, i, &da, &db);
        point_double(r, da != 0 || db != 0, tmp);
        if (da != 0) {
            const limb *z2;
            const niels *q = a_multiple(w, da, &z2);
            point_add(r, q, z2, (da < 0 ? ADD_NEGATE : 0u) |
                                    (db != 0 ? ADD_WITH_T : 0u), tmp);
        }
        if (db != 0)
            point_add(r, b_multiple(db), NULL,
                      (db < 0 ? ADD_NEGATE : 0u) | ADD_Q_IN_ROM, tmp);
    }
}

/* h = SHA-512(R || A || M) mod L, RFC 8032 5.1.7 step 2. */
static void hash_ram(workspace *w, const uint8_t sig[64],
                     const uint8_t pk[32], const uint8_t *msg, size_t len)
{
    fwpk_sha512_init(&w->u.hash.hs);
    fwpk_sha512_update(&w->u.hash.hs, sig, 32);
    fwpk_sha512_update(&w->u.hash.hs, pk, 32);
    fwpk_sha512_update(&w->u.hash.hs, msg, len);
    fwpk_sha512_final(&w->u.hash.hs, w->u.hash.digest);
    scalar_reduce(w->h, w->u.hash.digest);
}

/* Whether s B - h A encodes as R, RFC 8032 5.1.7 step 3 without the
 * cofactor, comparing encodings as libsodium does.  A is decoded after
 * the hash (libsodium decodes it before: the same signatures pass),
 * so that the hash's state and -A never share the workspace. */
int fwpk_ed25519_verify_ws(const uint8_t sig[64], const uint8_t pk[32],
                           const uint8_t *msg, size_t len, void *ws)
{
    workspace *w = (workspace *)ws;
    decode_tmp *dec = &w->u.pt.x.dec.t;
    mult *m = &w->u.pt.x.m;

    limbs_from_bytes(w->s, sig + 32);
    /* S < L: S - L borrows (into h's room, free until h is computed) */
    if (!sub_const(w->h, w->s, L) || has_small_order(sig, dec->u, dec->v) ||
        has_small_order(pk, dec->u, dec->v))
        return -1;
    hash_ram(w, sig, pk, msg, len);
    if (point_decode_neg(&m->r, pk, dec))
        return -1;
    double_scalarmult(w);
    point_encode(&m->r, &m->v.enc);
    return memcmp(m->v.enc.out, sig, 32) == 0 ? 0 : -1;
}

int fwpk_ed25519_verify(const uint8_t sig[64], const uint8_t pk[32],
                        const uint8_t *msg, size_t len)
{
    workspace w;
    return fwpk_ed25519_verify_ws(sig, pk, msg, len, &w);
}
