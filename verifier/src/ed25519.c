/*
 * ed25519.c - Ed25519 signature verification, from RFC 8032 section 5.1.
 *
 * Verification only: every input is public, so nothing here needs to run
 * in constant time, and the code takes the short, variable-time path.
 *
 * The field GF(2^255 - 19) is held in eight 32-bit limbs (radix 2^32),
 * not fully reduced: any value below 2^256 is a valid representative, and
 * 2^256 = 38 (mod p) folds the carries.  One 32x32->64 multiply routine
 * serves squaring too, which keeps the code small.
 *
 * Acceptance matches libsodium 1.0.18's crypto_sign_verify_detached:
 * S must be below L, R and A must not encode a point of small order, A's
 * y must be canonical, the equation is checked without the cofactor, and
 * the computed R is compared with the signature's R as encoded bytes.
 */
#include <string.h>

#include "fwpk_verify.h"

#define LIMBS 8
#define FOLD 38u /* 2^256 mod p */

typedef uint32_t fe[LIMBS];

typedef struct {
    fe x, y, z, t; /* extended coordinates: x = X/Z, y = Y/Z, T = XY/Z */
} point;

static const fe P = {0xffffffed, 0xffffffff, 0xffffffff, 0xffffffff,
                     0xffffffff, 0xffffffff, 0xffffffff, 0x7fffffff};
static const fe D = {0x135978a3, 0x75eb4dca, 0x4141d8ab, 0x00700a4d,
                     0x7779e898, 0x8cc74079, 0x2b6ffe73, 0x52036cee};
static const fe D2 = {0x26b2f159, 0xebd69b94, 0x8283b156, 0x00e0149a,
                      0xeef3d130, 0x198e80f2, 0x56dffce7, 0x2406d9dc};
static const fe SQRTM1 = {0x4a0ea0b0, 0xc4ee1b27, 0xad2fe478, 0x2f431806,
                          0x3dfbd7a7, 0x2b4d0099, 0x4fc1df0b, 0x2b832480};
static const fe BASE_X = {0x8f25d51a, 0xc9562d60, 0x9525a7b2, 0x692cc760,
                          0xfdd6dc5c, 0xc0a4e231, 0xcd6e53fe, 0x216936d3};
static const fe BASE_Y = {0x66666658, 0x66666666, 0x66666666, 0x66666666,
                          0x66666666, 0x66666666, 0x66666666, 0x66666666};
/* The group order L = 2^252 + 27742317777372353535851937790883648493. */
static const uint32_t L[LIMBS] = {0x5cf5d3ed, 0x5812631a, 0xa2f79cd6,
                                  0x14def9de, 0, 0, 0, 0x10000000};

/* y coordinates of the points of order 1, 2, 4 and 8 (RFC 8032 does not
 * list them; they solve d*y^4 + 2*y^2 - 1 = 0 for order 8).  An R or A
 * whose y reduces to one of these is refused, as libsodium does. */
static const fe SMALL_ORDER_Y[5] = {
    {0, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 0, 0, 0, 0, 0, 0},
    {0xffffffec, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
     0xffffffff, 0x7fffffff},
    {0x8f95e826, 0xb027b2c2, 0x89f4c345, 0xf098eff2, 0x05acdfd5, 0x3933c6d3,
     0x880238b1, 0x05fc536d},
    {0x706a17c7, 0x4fd84d3d, 0x760b3cba, 0x0f67100d, 0xfa53202a, 0xc6cc392c,
     0x77fdc74e, 0x7a03ac92}};

/* ---- field arithmetic ---- */

static void fe_copy(fe r, const fe a)
{
    memcpy(r, a, sizeof(fe));
}

static void fe_set_small(fe r, uint32_t v)
{
    memset(r, 0, sizeof(fe));
    r[0] = v;
}

/* r += top * 2^256, folded in as top * 38. */
static void fe_fold(fe r, uint32_t top)
{
    uint64_t acc = (uint64_t)top * FOLD;
    int i;
    for (i = 0; i < LIMBS; i++) {
        acc += r[i];
        r[i] = (uint32_t)acc;
        acc >>= 32;
    }
    /* A second wrap leaves r below 38 * 2^6, so this cannot overflow. */
    r[0] += (uint32_t)acc * FOLD;
}

static void fe_add(fe r, const fe a, const fe b)
{
    uint64_t acc = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        acc += (uint64_t)a[i] + b[i];
        r[i] = (uint32_t)acc;
        acc >>= 32;
    }
    fe_fold(r, (uint32_t)acc);
}

/* r -= borrow * 2^256, i.e. r -= borrow * 38. */
static void fe_unfold(fe r, uint32_t borrow)
{
    uint32_t take = borrow * FOLD;
    int i;
    for (i = 0; i < LIMBS; i++) {
        uint64_t d = (uint64_t)r[i] - take;
        r[i] = (uint32_t)d;
        take = (uint32_t)(d >> 63);
    }
    /* A second wrap leaves r at least 2^256 - 38, so this cannot borrow. */
    r[0] -= take * FOLD;
}

static void fe_sub(fe r, const fe a, const fe b)
{
    uint32_t borrow = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        uint64_t d = (uint64_t)a[i] - b[i] - borrow;
        r[i] = (uint32_t)d;
        borrow = (uint32_t)(d >> 63);
    }
    fe_unfold(r, borrow);
}

/* r = t mod p for a 512-bit t: the high half times 38 onto the low. */
static void fe_reduce_wide(fe r, const uint32_t t[2 * LIMBS])
{
    uint64_t acc = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        acc += (uint64_t)t[i] + (uint64_t)t[i + LIMBS] * FOLD;
        r[i] = (uint32_t)acc;
        acc >>= 32;
    }
    fe_fold(r, (uint32_t)acc);
}

static void fe_mul(fe r, const fe a, const fe b)
{
    uint32_t t[2 * LIMBS];
    uint64_t acc;
    int i, j;
    memset(t, 0, sizeof t);
    for (i = 0; i < LIMBS; i++) {
        uint32_t carry = 0;
        for (j = 0; j < LIMBS; j++) {
            acc = (uint64_t)a[i] * b[j] + t[i + j] + carry;
            t[i + j] = (uint32_t)acc;
            carry = (uint32_t)(acc >> 32);
        }
        t[i + LIMBS] = carry;
    }
    fe_reduce_wide(r, t);
}

/* Squaring: each cross product a[i]a[j] (i < j) once, doubled by a shift,
 * then the squares a[i]^2: 36 multiplies instead of 64. */
static void fe_sq(fe r, const fe a)
{
    uint32_t t[2 * LIMBS];
    uint64_t acc;
    int i, j;
    memset(t, 0, sizeof t);
    for (i = 0; i < LIMBS - 1; i++) {
        uint32_t carry = 0;
        for (j = i + 1; j < LIMBS; j++) {
            acc = (uint64_t)a[i] * a[j] + t[i + j] + carry;
            t[i + j] = (uint32_t)acc;
            carry = (uint32_t)(acc >> 32);
        }
        t[i + LIMBS] = carry;
    }
    for (i = 2 * LIMBS - 1; i > 0; i--)
        t[i] = t[i] << 1 | t[i - 1] >> 31;
    t[0] <<= 1;
    acc = 0;
    for (i = 0; i < LIMBS; i++) {
        uint64_t sq = (uint64_t)a[i] * a[i];
        acc += (uint64_t)t[2 * i] + (uint32_t)sq;
        t[2 * i] = (uint32_t)acc;
        acc = (acc >> 32) + t[2 * i + 1] + (sq >> 32);
        t[2 * i + 1] = (uint32_t)acc;
        acc >>= 32;
    }
    fe_reduce_wide(r, t);
}

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
static void fe_pow_2_250_1(fe r, fe a11, const fe a)
{
    fe t, x5, x10, x50;
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
static void fe_invert(fe r, const fe a)
{
    fe t, a11;
    fe_pow_2_250_1(t, a11, a);
    fe_sq_times(t, t, 5);
    fe_mul(r, t, a11);
}

/* a^((p - 5) / 8) = a^(2^252 - 3) = (a^(2^250 - 1))^4 * a. */
static void fe_pow_p58(fe r, const fe a)
{
    fe t, a11;
    fe_pow_2_250_1(t, a11, a);
    fe_sq_times(t, t, 2);
    fe_mul(r, t, a);
}

/* Fully reduces r below p: r < 2^256 = 2p + 38, so two steps suffice. */
static void fe_reduce(fe r)
{
    int k, i;
    for (k = 0; k < 2; k++) {
        fe t;
        uint32_t borrow = 0;
        for (i = 0; i < LIMBS; i++) {
            uint64_t d = (uint64_t)r[i] - P[i] - borrow;
            t[i] = (uint32_t)d;
            borrow = (uint32_t)(d >> 63);
        }
        if (!borrow)
            fe_copy(r, t);
    }
}

static int fe_equal(const fe a, const fe b)
{
    fe x, y;
    fe_copy(x, a);
    fe_copy(y, b);
    fe_reduce(x);
    fe_reduce(y);
    return memcmp(x, y, sizeof(fe)) == 0;
}

static int fe_is_odd(const fe a)
{
    fe x;
    fe_copy(x, a);
    fe_reduce(x);
    return (int)(x[0] & 1);
}

static void fe_neg(fe r, const fe a)
{
    fe zero;
    fe_set_small(zero, 0);
    fe_sub(r, zero, a);
}

static uint32_t load_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* The low 255 bits of s; bit 255 (the sign of x) is ignored. */
static void fe_from_bytes(fe r, const uint8_t s[32])
{
    int i;
    for (i = 0; i < LIMBS; i++)
        r[i] = load_le32(s + 4 * i);
    r[LIMBS - 1] &= 0x7fffffff;
}

static void fe_to_bytes(uint8_t s[32], const fe a)
{
    fe x;
    int i;
    fe_copy(x, a);
    fe_reduce(x);
    for (i = 0; i < 4 * LIMBS; i++)
        s[i] = (uint8_t)(x[i / 4] >> (8 * (i % 4)));
}

/* ---- points ---- */

static void point_identity(point *p)
{
    fe_set_small(p->x, 0);
    fe_set_small(p->y, 1);
    fe_set_small(p->z, 1);
    fe_set_small(p->t, 0);
}

/* RFC 8032 5.1.4, addition in extended coordinates. */
/* RFC 8032 5.1.4, addition in extended coordinates; with 'negate' it
 * adds -q = (-x, y, z, -t), which swaps y - x with y + x and flips T. */
static void point_add_signed(point *r, const point *p, const point *q,
                             int negate)
{
    fe a, b, c, d, e, f, g, h;
    fe_sub(a, p->y, p->x);
    if (negate)
        fe_add(h, q->y, q->x);
    else
        fe_sub(h, q->y, q->x);
    fe_mul(a, a, h);
    fe_add(b, p->y, p->x);
    if (negate)
        fe_sub(h, q->y, q->x);
    else
        fe_add(h, q->y, q->x);
    fe_mul(b, b, h);
    fe_mul(c, p->t, q->t);
    fe_mul(c, c, D2);
    if (negate)
        fe_neg(c, c);
    fe_mul(d, p->z, q->z);
    fe_add(d, d, d);
    fe_sub(e, b, a);
    fe_sub(f, d, c);
    fe_add(g, d, c);
    fe_add(h, b, a);
    fe_mul(r->x, e, f);
    fe_mul(r->y, g, h);
    fe_mul(r->t, e, h);
    fe_mul(r->z, f, g);
}

static void point_add(point *r, const point *p, const point *q)
{
    point_add_signed(r, p, q, 0);
}

/* RFC 8032 5.1.4, doubling: four squarings and four multiplications. */
static void point_double(point *r, const point *p)
{
    fe a, b, c, e, f, g, h;
    fe_sq(a, p->x);
    fe_sq(b, p->y);
    fe_sq(c, p->z);
    fe_add(c, c, c);
    fe_add(h, a, b);
    fe_add(e, p->x, p->y);
    fe_sq(e, e);
    fe_sub(e, h, e);
    fe_sub(g, a, b);
    fe_add(f, c, g);
    fe_mul(r->x, e, f);
    fe_mul(r->y, g, h);
    fe_mul(r->t, e, h);
    fe_mul(r->z, f, g);
}

static void point_encode(uint8_t s[32], const point *p)
{
    fe zinv, x, y;
    fe_invert(zinv, p->z);
    fe_mul(x, p->x, zinv);
    fe_mul(y, p->y, zinv);
    fe_to_bytes(s, y);
    s[31] |= (uint8_t)(fe_is_odd(x) << 7);
}

/* RFC 8032 5.1.3, decoding, then negated: the verifier needs -A.
 * Returns -1 when x^2 = (y^2 - 1) / (d y^2 + 1) has no root. */
static int point_decode_neg(point *p, const uint8_t s[32])
{
    fe u, v, v3, x, chk;
    fe_from_bytes(p->y, s);
    fe_set_small(p->z, 1);
    fe_sq(u, p->y);
    fe_mul(v, u, D);
    fe_sub(u, u, p->z);           /* u = y^2 - 1 */
    fe_add(v, v, p->z);           /* v = d y^2 + 1 */
    fe_sq(v3, v);
    fe_mul(v3, v3, v);            /* v^3 */
    fe_sq(x, v3);
    fe_mul(x, x, v);
    fe_mul(x, x, u);              /* u v^7 */
    fe_pow_p58(x, x);             /* (u v^7)^((p - 5) / 8) */
    fe_mul(x, x, v3);
    fe_mul(x, x, u);              /* candidate root u v^3 (u v^7)^((p-5)/8) */
    fe_sq(chk, x);
    fe_mul(chk, chk, v);
    if (!fe_equal(chk, u)) {
        fe_neg(u, u);
        if (!fe_equal(chk, u))
            return -1;
        fe_mul(x, x, SQRTM1);
    }
    if (fe_is_odd(x) == (s[31] >> 7))
        fe_neg(x, x); /* the sign bit's x, negated */
    fe_copy(p->x, x);
    fe_mul(p->t, p->x, p->y);
    return 0;
}

/* ---- encodings libsodium refuses before doing any arithmetic ---- */

static int has_small_order(const uint8_t s[32])
{
    fe y;
    int i;
    fe_from_bytes(y, s);
    for (i = 0; i < 5; i++)
        if (fe_equal(y, SMALL_ORDER_Y[i]))
            return 1;
    return 0;
}

/* A's y must be below p (R needs no such check: a non-canonical R can
 * never equal the canonical encoding it is compared with). */
static int is_canonical_y(const uint8_t s[32])
{
    fe y;
    int i;
    fe_from_bytes(y, s);
    for (i = LIMBS - 1; i >= 0; i--)
        if (y[i] != P[i])
            return y[i] < P[i];
    return 0;
}

/* ---- scalars modulo L ---- */

static int scalar_below_l(const uint32_t s[LIMBS])
{
    int i;
    for (i = LIMBS - 1; i >= 0; i--)
        if (s[i] != L[i])
            return s[i] < L[i];
    return 0;
}

static void scalar_sub_l(uint32_t s[LIMBS])
{
    uint32_t borrow = 0;
    int i;
    for (i = 0; i < LIMBS; i++) {
        uint64_t d = (uint64_t)s[i] - L[i] - borrow;
        s[i] = (uint32_t)d;
        borrow = (uint32_t)(d >> 63);
    }
}

/* r = h mod L for a 512-bit little-endian h, one bit at a time: slow in
 * theory (512 steps) but a few percent of a verification, and tiny. */
static void scalar_reduce(uint32_t r[LIMBS], const uint8_t h[64])
{
    int bit, i;
    memset(r, 0, LIMBS * sizeof(uint32_t));
    for (bit = 511; bit >= 0; bit--) {
        for (i = LIMBS - 1; i > 0; i--)
            r[i] = r[i] << 1 | r[i - 1] >> 31;
        r[0] = r[0] << 1 | ((h[bit / 8] >> (bit % 8)) & 1u);
        if (!scalar_below_l(r))
            scalar_sub_l(r);
    }
}

/* Width-3 NAF (non-adjacent form): digits in {0, +-1, +-3}, and any
 * nonzero digit is followed by at least two zeros, so a scalar below
 * 2^253 needs about 64 additions instead of about 127 for plain bits. */
#define NAF_LEN 256
#define NAF_BIAS 4 /* digits are stored as digit + 4 in one nibble */

/* Writes the NAF digits of s into the nibble of each naf[i] at 'shift'
 * (0 or 4): both scalars share one 256-byte array. */
static void scalar_naf(uint8_t naf[NAF_LEN], const uint32_t s[LIMBS],
                       unsigned shift)
{
    uint32_t k[LIMBS + 1];
    int i, j;
    memcpy(k, s, LIMBS * sizeof(uint32_t));
    k[LIMBS] = 0;
    for (i = 0; i < NAF_LEN; i++) {
        int d = 0;
        if (k[0] & 1u) {
            d = (int)(k[0] & 7u);
            if (d >= 4)
                d -= 8;
            if (d > 0) { /* k -= d: the low bits are d, so no borrow */
                k[0] -= (uint32_t)d;
            } else { /* k += -d, carrying */
                uint64_t acc = (uint64_t)k[0] + (uint32_t)-d;
                k[0] = (uint32_t)acc;
                for (j = 1; j <= LIMBS && (acc >> 32); j++) {
                    acc = (uint64_t)k[j] + 1u;
                    k[j] = (uint32_t)acc;
                }
            }
        }
        naf[i] = (uint8_t)(naf[i] & ~(15u << shift));
        naf[i] = (uint8_t)(naf[i] | (unsigned)(d + NAF_BIAS) << shift);
        for (j = 0; j < LIMBS; j++)
            k[j] = k[j] >> 1 | k[j + 1] << 31;
        k[LIMBS] >>= 1;
    }
}

/* r += digit * table[0 or 1] (the point times 1 or 3). */
static void add_digit(point *r, int digit, const point table[2])
{
    if (digit != 0)
        point_add_signed(r, r, &table[(digit < 0 ? -digit : digit) >> 1],
                         digit < 0);
}

/* r = h * (-A) + s * B (Straus, both scalars in width-3 NAF). */
static void double_scalarmult(point *r, const uint32_t h[LIMBS],
                              const point *neg_a, const uint32_t s[LIMBS])
{
    point ta[2], tb[2], twice; /* P and 3P for P = -A and P = B */
    uint8_t naf[NAF_LEN];
    int i;
    ta[0] = *neg_a;
    fe_copy(tb[0].x, BASE_X);
    fe_copy(tb[0].y, BASE_Y);
    fe_set_small(tb[0].z, 1);
    fe_mul(tb[0].t, BASE_X, BASE_Y);
    point_double(&twice, &ta[0]);
    point_add(&ta[1], &twice, &ta[0]);
    point_double(&twice, &tb[0]);
    point_add(&tb[1], &twice, &tb[0]);
    scalar_naf(naf, h, 0);
    scalar_naf(naf, s, 4);
    point_identity(r);
    i = NAF_LEN - 1;
    while (i >= 0 && naf[i] == (NAF_BIAS | NAF_BIAS << 4))
        i--; /* doubling the identity changes nothing */
    for (; i >= 0; i--) {
        point_double(r, r);
        add_digit(r, (naf[i] & 15) - NAF_BIAS, ta);
        add_digit(r, (naf[i] >> 4) - NAF_BIAS, tb);
    }
}

int fwpk_ed25519_verify(const uint8_t sig[64], const uint8_t pk[32],
                        const uint8_t *msg, size_t len)
{
    fwpk_sha512_ctx hs;
    uint8_t digest[64], check[32];
    uint32_t h[LIMBS], s[LIMBS];
    point neg_a, r;
    int i;

    for (i = 0; i < LIMBS; i++)
        s[i] = load_le32(sig + 32 + 4 * i);
    if (!scalar_below_l(s) || has_small_order(sig))
        return -1;
    if (!is_canonical_y(pk) || has_small_order(pk))
        return -1;
    if (point_decode_neg(&neg_a, pk) != 0)
        return -1;

    fwpk_sha512_init(&hs);
    fwpk_sha512_update(&hs, sig, 32);
    fwpk_sha512_update(&hs, pk, 32);
    fwpk_sha512_update(&hs, msg, len);
    fwpk_sha512_final(&hs, digest);
    scalar_reduce(h, digest);

    double_scalarmult(&r, h, &neg_a, s);
    point_encode(check, &r);
    return memcmp(check, sig, 32) == 0 ? 0 : -1;
}
