/*
 * sha512.c - SHA-512, from FIPS 180-4 sections 4.1.3, 4.2.3, 5 and 6.4.
 *
 * The one hash on the device: Ed25519 needs SHA-512, and the frame hash
 * chain reuses it (truncated to 32 bytes) so that a bootloader carries a
 * single hash routine.
 */
#include <limits.h>
#include <string.h>

#include "fwpk_verify.h"
#include "rom.h"

#define BLOCK_LEN 128u
#define LENGTH_FIELD 16u /* the message length, in bits, big-endian */

/* FIPS 180-4 4.2.3: first 64 bits of the fractional parts of the cube
 * roots of the first 80 primes. */
static const uint64_t K[80] FWPK_ROM = {
    0x428a2f98d728ae22ULL, 0x7137449123ef65cdULL, 0xb5c0fbcfec4d3b2fULL,
    0xe9b5dba58189dbbcULL, 0x3956c25bf348b538ULL, 0x59f111f1b605d019ULL,
    0x923f82a4af194f9bULL, 0xab1c5ed5da6d8118ULL, 0xd807aa98a3030242ULL,
    0x12835b0145706fbeULL, 0x243185be4ee4b28cULL, 0x550c7dc3d5ffb4e2ULL,
    0x72be5d74f27b896fULL, 0x80deb1fe3b1696b1ULL, 0x9bdc06a725c71235ULL,
    0xc19bf174cf692694ULL, 0xe49b69c19ef14ad2ULL, 0xefbe4786384f25e3ULL,
    0x0fc19dc68b8cd5b5ULL, 0x240ca1cc77ac9c65ULL, 0x2de92c6f592b0275ULL,
    0x4a7484aa6ea6e483ULL, 0x5cb0a9dcbd41fbd4ULL, 0x76f988da831153b5ULL,
    0x983e5152ee66dfabULL, 0xa831c66d2db43210ULL, 0xb00327c898fb213fULL,
    0xbf597fc7beef0ee4ULL, 0xc6e00bf33da88fc2ULL, 0xd5a79147930aa725ULL,
    0x06ca6351e003826fULL, 0x142929670a0e6e70ULL, 0x27b70a8546d22ffcULL,
    0x2e1b21385c26c926ULL, 0x4d2c6dfc5ac42aedULL, 0x53380d139d95b3dfULL,
    0x650a73548baf63deULL, 0x766a0abb3c77b2a8ULL, 0x81c2c92e47edaee6ULL,
    0x92722c851482353bULL, 0xa2bfe8a14cf10364ULL, 0xa81a664bbc423001ULL,
    0xc24b8b70d0f89791ULL, 0xc76c51a30654be30ULL, 0xd192e819d6ef5218ULL,
    0xd69906245565a910ULL, 0xf40e35855771202aULL, 0x106aa07032bbd1b8ULL,
    0x19a4c116b8d2d0c8ULL, 0x1e376c085141ab53ULL, 0x2748774cdf8eeb99ULL,
    0x34b0bcb5e19b48a8ULL, 0x391c0cb3c5c95a63ULL, 0x4ed8aa4ae3418acbULL,
    0x5b9cca4f7763e373ULL, 0x682e6ff3d6b2b8a3ULL, 0x748f82ee5defb2fcULL,
    0x78a5636f43172f60ULL, 0x84c87814a1f0ab72ULL, 0x8cc702081a6439ecULL,
    0x90befffa23631e28ULL, 0xa4506cebde82bde9ULL, 0xbef9a3f7b2c67915ULL,
    0xc67178f2e372532bULL, 0xca273eceea26619cULL, 0xd186b8c721c0c207ULL,
    0xeada7dd6cde0eb1eULL, 0xf57d4f7fee6ed178ULL, 0x06f067aa72176fbaULL,
    0x0a637dc5a2c898a6ULL, 0x113f9804bef90daeULL, 0x1b710b35131c471bULL,
    0x28db77f523047d84ULL, 0x32caab7b40c72493ULL, 0x3c9ebe0a15c9bebcULL,
    0x431d67c49c100d4cULL, 0x4cc5d4becb3e42b6ULL, 0x597f299cfc657e2aULL,
    0x5fcb6fab3ad6faecULL, 0x6c44198c4a475817ULL};

/* FIPS 180-4 5.3.5: the initial hash value. */
static const uint64_t H0[8] FWPK_ROM = {
    0x6a09e667f3bcc908ULL, 0xbb67ae8584caa73bULL, 0x3c6ef372fe94f82bULL,
    0xa54ff53a5f1d36f1ULL, 0x510e527fade682d1ULL, 0x9b05688c2b3e6c1fULL,
    0x1f83d9abfb41bd6bULL, 0x5be0cd19137e2179ULL};

#if !FWPK_SHA512_SMALL
/* ---- the default: 64-bit words, for speed ---- */

/* FIPS 180-4 4.1.3, (4.10) to (4.13). */
#if UINT_MAX > 0xffffu
/* On 32-bit targets without 64-bit shifts (ARMv6-M above all), rotations
 * written on the two 32-bit halves are two shifts per half and no more;
 * left to the compiler, each 64-bit shift also shuffles word pairs.
 * spill(x, y, n) is half x shifted right by n (0 < n < 32), with the bits
 * falling out of the other half y coming in on top: rotr by n gives
 * hi' = spill(hi, lo, n) and lo' = spill(lo, hi, n); rotr by 32 + n swaps
 * the halves first. */
static uint32_t spill(uint32_t x, uint32_t y, unsigned n)
{
    return (x >> n) | (y << (32 - n));
}

static uint64_t join(uint32_t hi, uint32_t lo)
{
    return ((uint64_t)hi << 32) | lo;
}

/* rotr 28 ^ rotr 34 ^ rotr 39 */
static uint64_t big_sigma0(uint64_t x)
{
    uint32_t h = (uint32_t)(x >> 32), l = (uint32_t)x;
    return join(spill(h, l, 28) ^ spill(l, h, 2) ^ spill(l, h, 7),
                spill(l, h, 28) ^ spill(h, l, 2) ^ spill(h, l, 7));
}

/* rotr 14 ^ rotr 18 ^ rotr 41 */
static uint64_t big_sigma1(uint64_t x)
{
    uint32_t h = (uint32_t)(x >> 32), l = (uint32_t)x;
    return join(spill(h, l, 14) ^ spill(h, l, 18) ^ spill(l, h, 9),
                spill(l, h, 14) ^ spill(l, h, 18) ^ spill(h, l, 9));
}

/* rotr 1 ^ rotr 8 ^ shr 7 */
static uint64_t small_sigma0(uint64_t x)
{
    uint32_t h = (uint32_t)(x >> 32), l = (uint32_t)x;
    return join(spill(h, l, 1) ^ spill(h, l, 8) ^ (h >> 7),
                spill(l, h, 1) ^ spill(l, h, 8) ^ spill(l, h, 7));
}

/* rotr 19 ^ rotr 61 ^ shr 6 */
static uint64_t small_sigma1(uint64_t x)
{
    uint32_t h = (uint32_t)(x >> 32), l = (uint32_t)x;
    return join(spill(h, l, 19) ^ spill(l, h, 29) ^ (h >> 6),
                spill(l, h, 19) ^ spill(h, l, 29) ^ spill(l, h, 6));
}
#else
/* 8-bit targets (AVR): 32-bit shifts go one bit at a time, while the
 * compiler's 64-bit rotations move whole bytes first. */
static uint64_t rotr(uint64_t x, unsigned n)
{
    return (x >> n) | (x << (64 - n));
}

static uint64_t big_sigma0(uint64_t x)
{
    return rotr(x, 28) ^ rotr(x, 34) ^ rotr(x, 39);
}

static uint64_t big_sigma1(uint64_t x)
{
    return rotr(x, 14) ^ rotr(x, 18) ^ rotr(x, 41);
}

static uint64_t small_sigma0(uint64_t x)
{
    return rotr(x, 1) ^ rotr(x, 8) ^ (x >> 7);
}

static uint64_t small_sigma1(uint64_t x)
{
    return rotr(x, 19) ^ rotr(x, 61) ^ (x >> 6);
}
#endif

static uint32_t load_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

/* Two 32-bit halves: no 64-bit shift per byte on 32-bit targets. */
static uint64_t load_be64(const uint8_t *p)
{
    return ((uint64_t)load_be32(p) << 32) | load_be32(p + 4);
}

static void store_be64(uint8_t *p, uint64_t v)
{
    unsigned i;
    for (i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* FIPS 180-4 6.4.2 on the block in c->buf.  The message schedule is a
 * 16-word ring in the block's own room (640 bytes would be the textbook's,
 * 128 of stack the ring's).  The working variables slide down an array of 16
 * instead of moving along every round: round j of each group of eight
 * finds a..h at v[8 - j .. 15 - j], adds t1 to d in place and writes the
 * new a just below.  After eight rounds a..h sit in v[0..7] and move back
 * up together.  Every access is then a constant offset from one
 * pointer, which ARMv6-M loads in one instruction. */
static void compress(fwpk_sha512_ctx *c)
{
    uint64_t *h = c->h, *w = c->buf.words, v[16];
    unsigned t, i;
    for (t = 0; t < 16; t++)
        w[t] = load_be64(c->buf.bytes + 8 * t);
    memcpy(v + 8, h, 8 * sizeof *h);
    for (t = 0; t < 80; t += 8) {
        uint64_t *p = v + 8;
        for (i = 0; i < 8; i++) {
            uint64_t *x = w + ((t + i) & 15);
            uint64_t a = p[0], e = p[4], k, t1;
            fwpk_rom_read(&k, &K[t + i], sizeof k);
            if (t >= 16)
                *x += small_sigma0(w[(t + i - 15) & 15]) +
                      small_sigma1(w[(t + i - 2) & 15]) + w[(t + i - 7) & 15];
            /* Ch(e, f, g) and, below, Maj(a, b, c) of (4.8) and (4.9),
             * rewritten with one operation fewer. */
            t1 = p[7] + big_sigma1(e) + (((p[5] ^ p[6]) & e) ^ p[6]) +
                 k + *x;
            p[3] += t1;  /* d becomes the next round's e */
            p--;
            p[0] = t1 + big_sigma0(a) +  /* the next round's a */
                   ((a & p[2]) | ((a | p[2]) & p[3]));
        }
        for (i = 0; i < 8; i++) /* slide a..h back up for the next eight */
            v[8 + i] = v[i];
    }
    for (i = 0; i < 8; i++)
        h[i] += v[8 + i];
}

void fwpk_sha512_update(fwpk_sha512_ctx *c, const uint8_t *msg, size_t len)
{
    size_t used = (size_t)(c->len % BLOCK_LEN);
    c->len += len;
    while (len > 0) {
        size_t take = BLOCK_LEN - used;
        if (take > len)
            take = len;
        memcpy(c->buf.bytes + used, msg, take);
        if (used + take == BLOCK_LEN)
            compress(c);
        used = (used + take) % BLOCK_LEN;
        msg += take;
        len -= take;
    }
}

/* FIPS 180-4 5.1.2: a 1 bit, zeros, then the length in bits as 128 bits. */
void fwpk_sha512_final(fwpk_sha512_ctx *c, uint8_t out[64])
{
    size_t used = (size_t)(c->len % BLOCK_LEN);
    unsigned i;
    c->buf.bytes[used++] = 0x80;
    if (used > BLOCK_LEN - LENGTH_FIELD) {
        memset(c->buf.bytes + used, 0, BLOCK_LEN - used);
        compress(c);
        used = 0;
    }
    memset(c->buf.bytes + used, 0, BLOCK_LEN - used);
    store_be64(c->buf.bytes + BLOCK_LEN - 16, c->len >> 61);
    store_be64(c->buf.bytes + BLOCK_LEN - 8, c->len << 3);
    compress(c);
    for (i = 0; i < 8; i++)
        store_be64(out + 8 * i, c->h[i]);
}

#else
/* ---- FWPK_SHA512_SMALL: size first, for 8-bit parts ----
 * A 64-bit word is its 8 bytes in memory, least significant first, and
 * every operation on it is one small loop called from everywhere: written
 * as uint64_t arithmetic, each add, rotation and xor expands inline into
 * dozens of 8-bit instructions (the default compress is 3.4 KB on AVR).
 * The rounds are one loop, the schedule is the block's own 16 words and
 * the working variables turn one word per round: no big locals (on AVR
 * the deepest chain from fwpk_sha512() takes 357 bytes of stack, 210 of
 * them its context; 441 with the default).  The byte order is that of a
 * little-endian uint64_t, so K, H0, c->h and c->len are read and written
 * in place. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "FWPK_SHA512_SMALL reads uint64_t as little-endian bytes"
#endif

/* Offsets of the working variables a..h in v[] (FIPS 180-4 6.4.2). */
enum { A = 0, B = 8, C = 16, D = 24, E = 32, F = 40, G = 48, H = 56, WORD = 8 };

/* Added to an amount given to xor_shifted(): shift, do not rotate. */
#define SHIFT 64u

/* w += x, modulo 2^64 */
static void add(uint8_t w[8], const uint8_t x[8])
{
    uint8_t i;
    unsigned carry = 0;
    for (i = 0; i < WORD; i++) {
        carry += (unsigned)w[i] + x[i];
        w[i] = (uint8_t)carry;
        carry >>= 8;
    }
}

/* Byte j (0..15) of x as if x were repeated above itself (a rotation) or
 * followed by zeros (a shift). */
static uint8_t byte_at(const uint8_t x[8], uint8_t j, uint8_t n)
{
    return j >= WORD && n >= SHIFT ? 0 : x[j % WORD];
}

/* w ^= x rotated right by n bits (0 < n < 64), or shifted right by
 * n - SHIFT bits: whole bytes by indexing, the rest by a 16-bit shift. */
static void xor_shifted(uint8_t w[8], const uint8_t x[8], uint8_t n)
{
    uint8_t i, skip = n % 64 / 8;
    unsigned two = byte_at(x, skip, n);
    for (i = 0; i < WORD; i++) {
        two |= (unsigned)byte_at(x, skip + i + 1, n) << 8;
        w[i] ^= (uint8_t)(two >> n % 8);
        two >>= 8;
    }
}

/* w += one of the functions (4.10) to (4.13) of x: the xor of x rotated
 * or shifted by n1, n2 and n3. */
static void add_sigma(uint8_t w[8], const uint8_t x[8], uint8_t n1,
                      uint8_t n2, uint8_t n3)
{
    uint8_t s[8] = {0};
    xor_shifted(s, x, n1);
    xor_shifted(s, x, n2);
    xor_shifted(s, x, n3);
    add(w, s);
}

/* w += Ch(x, y, z) (4.8), or Maj(x, y, z) (4.9) if maj, of the three
 * words from p on: e, f, g or a, b, c. */
static void add_ch_maj(uint8_t w[8], const uint8_t *p, uint8_t maj)
{
    uint8_t s[8], i;
    for (i = 0; i < WORD; i++) {
        uint8_t x = p[i], y = p[WORD + i], z = p[2 * WORD + i];
        s[i] = maj ? (x & y) | ((x | y) & z) : ((y ^ z) & x) ^ z;
    }
    add(w, s);
}

/* Word t of the message schedule's 16-word ring. */
static uint8_t *schedule(uint8_t *w, uint8_t t)
{
    return w + WORD * (t % 16);
}

/* FIPS 180-4 6.4.2 on the block in c->buf (its words already in our byte
 * order), which becomes the 16-word ring of the message schedule.  T1 is made in h's room
 * (h is not needed after it), d + T1 in d's, T1 + T2 in h's again; then
 * the eight words turn one place up, h's room becoming a's. */
static void compress(fwpk_sha512_ctx *c)
{
    uint8_t *h = (uint8_t *)c->h, *w = c->buf.bytes;
    uint8_t v[64], k[8]; /* a..h; K[t], then h */
    uint8_t t, i;
    memcpy(v, h, sizeof v);
    for (t = 0; t < 80; t++) {
        uint8_t *x = schedule(w, t);
        if (t >= 16) {
            add_sigma(x, schedule(w, t - 15), 1, 8, SHIFT + 7);
            add_sigma(x, schedule(w, t - 2), 19, 61, SHIFT + 6);
            add(x, schedule(w, t - 7));
        }
        /* T1 = h + Sigma1(e) + Ch(e, f, g) + K[t] + W[t] */
        add_sigma(v + H, v + E, 14, 18, 41);
        add_ch_maj(v + H, v + E, 0);
        fwpk_rom_read(k, &K[t], WORD);
        add(v + H, k);
        add(v + H, x);
        add(v + D, v + H); /* d + T1: the next round's e */
        /* T1 + T2 = T1 + Sigma0(a) + Maj(a, b, c): the next round's a */
        add_sigma(v + H, v + A, 28, 34, 39);
        add_ch_maj(v + H, v + A, 1);
        memcpy(k, v + H, WORD); /* a..h turn: h = g, ..., b = a, a = h */
        for (i = H + WORD - 1; i >= WORD; i--)
            v[i] = v[i - WORD];
        memcpy(v, k, WORD);
    }
    for (i = 0; i < sizeof v; i += WORD)
        add(h + i, v + i);
}

/* One byte at a time: the message is copied into the block anyway, and
 * the count's low byte says where.  Each byte goes to the mirror place in
 * its 8-byte word (used ^ 7): the big-endian words land least significant
 * byte first, as compress() reads them. */
void fwpk_sha512_update(fwpk_sha512_ctx *c, const uint8_t *msg, size_t len)
{
    uint8_t *count = (uint8_t *)&c->len, i;
    for (; len > 0; len--) {
        uint8_t used = count[0] % BLOCK_LEN;
        c->buf.bytes[used ^ (WORD - 1)] = *msg++;
        for (i = 0; i < WORD && ++count[i] == 0; i++) /* c->len += 1 */
            ;
        if (used == BLOCK_LEN - 1)
            compress(c);
    }
}

/* FIPS 180-4 5.1.2: a 1 bit, zeros up to the last 16 bytes of a block,
 * then the length in bits as 128 bits (count's bytes moved up 3 bits,
 * big-endian), all through update. */
void fwpk_sha512_final(fwpk_sha512_ctx *c, uint8_t out[64])
{
    const uint8_t *count = (const uint8_t *)&c->len;
    uint8_t end[LENGTH_FIELD], pad = 0x80, i;
    unsigned two = 0;
    for (i = 0; i < LENGTH_FIELD; i++) {
        two = two >> 8 | (unsigned)(i < WORD ? count[i] : 0) << 3;
        end[LENGTH_FIELD - 1 - i] = (uint8_t)two;
    }
    do {
        fwpk_sha512_update(c, &pad, 1);
        pad = 0;
    } while (count[0] % BLOCK_LEN != BLOCK_LEN - LENGTH_FIELD);
    fwpk_sha512_update(c, end, LENGTH_FIELD);
    for (i = 0; i < 64; i++) /* each word big-endian */
        out[i] = ((const uint8_t *)c->h)[i ^ (WORD - 1)];
}
#endif

void fwpk_sha512_init(fwpk_sha512_ctx *c)
{
    fwpk_rom_read(c->h, H0, sizeof H0);
    c->len = 0;
}

void fwpk_sha512(uint8_t out[64], const uint8_t *msg, size_t len)
{
    fwpk_sha512_ctx c;
    fwpk_sha512_init(&c);
    fwpk_sha512_update(&c, msg, len);
    fwpk_sha512_final(&c, out);
}
