/*
 * md5.c - MD5, from RFC 1321 section 3.
 *
 * Only a transport check: the Notecard sends each dfu.get piece's MD5 in
 * the reply's "status", and the client compares it before a byte of the
 * piece reaches fwpk_feed(), so that a flipped bit on the link costs one
 * piece, not the download.  Authenticity is the verifier's business.
 * Written as one loop over the 64 steps, for flash on small parts.
 */
#include <string.h>

#include "fwpk_notecard.h"

#define BLOCK_LEN 64u
#define LENGTH_AT 56u /* where the length in bits goes in the last block */

/* RFC 1321 3.4: T[i] = floor(2^32 * abs(sin(i + 1))). */
static const uint32_t T[64] = {
    0xd76aa478u, 0xe8c7b756u, 0x242070dbu, 0xc1bdceeeu,
    0xf57c0fafu, 0x4787c62au, 0xa8304613u, 0xfd469501u,
    0x698098d8u, 0x8b44f7afu, 0xffff5bb1u, 0x895cd7beu,
    0x6b901122u, 0xfd987193u, 0xa679438eu, 0x49b40821u,
    0xf61e2562u, 0xc040b340u, 0x265e5a51u, 0xe9b6c7aau,
    0xd62f105du, 0x02441453u, 0xd8a1e681u, 0xe7d3fbc8u,
    0x21e1cde6u, 0xc33707d6u, 0xf4d50d87u, 0x455a14edu,
    0xa9e3e905u, 0xfcefa3f8u, 0x676f02d9u, 0x8d2a4c8au,
    0xfffa3942u, 0x8771f681u, 0x6d9d6122u, 0xfde5380cu,
    0xa4beea44u, 0x4bdecfa9u, 0xf6bb4b60u, 0xbebfbc70u,
    0x289b7ec6u, 0xeaa127fau, 0xd4ef3085u, 0x04881d05u,
    0xd9d4d039u, 0xe6db99e5u, 0x1fa27cf8u, 0xc4ac5665u,
    0xf4292244u, 0x432aff97u, 0xab9423a7u, 0xfc93a039u,
    0x655b59c3u, 0x8f0ccc92u, 0xffeff47du, 0x85845dd1u,
    0x6fa87e4fu, 0xfe2ce6e0u, 0xa3014314u, 0x4e0811a1u,
    0xf7537e82u, 0xbd3af235u, 0x2ad7d2bbu, 0xeb86d391u,
};

/* RFC 1321 3.4: the rotation of each step, four per round. */
static const uint8_t S[16] = {7, 12, 17, 22, 5, 9, 14, 20,
                              4, 11, 16, 23, 6, 10, 15, 21};

static uint32_t rotl(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32 - n));
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* Round r's function of b, c, d (F, G, H, I) and the message word that
 * step i uses: k, 5k + 1, 3k + 5, 7k (mod 16) for k = i mod 16. */
static uint32_t round_fn(unsigned r, uint32_t b, uint32_t c, uint32_t d)
{
    switch (r) {
    case 0:
        return (b & c) | (~b & d);
    case 1:
        return (b & d) | (c & ~d);
    case 2:
        return b ^ c ^ d;
    default:
        return c ^ (b | ~d);
    }
}

static const uint8_t WORD_MUL[4] = {1, 5, 3, 7};
static const uint8_t WORD_ADD[4] = {0, 1, 5, 0};

static void block(uint32_t h[4], const uint8_t *p)
{
    uint32_t x[16], a = h[0], b = h[1], c = h[2], d = h[3];
    unsigned i;
    for (i = 0; i < 16; i++)
        x[i] = le32(p + 4 * i);
    for (i = 0; i < 64; i++) {
        unsigned r = i / 16;
        unsigned k = (WORD_MUL[r] * (i % 16) + WORD_ADD[r]) % 16;
        uint32_t t = a + round_fn(r, b, c, d) + x[k] + T[i];
        a = d;
        d = c;
        c = b;
        b += rotl(t, S[r * 4 + i % 4]);
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
}

void fwpk_md5_init(fwpk_md5_ctx *c)
{
    c->h[0] = 0x67452301u; /* RFC 1321 3.3 */
    c->h[1] = 0xefcdab89u;
    c->h[2] = 0x98badcfeu;
    c->h[3] = 0x10325476u;
    c->len = 0;
}

void fwpk_md5_update(fwpk_md5_ctx *c, const uint8_t *msg, size_t len)
{
    while (len > 0) {
        uint32_t used = c->len % BLOCK_LEN;
        uint32_t take = BLOCK_LEN - used;
        if (take > len)
            take = (uint32_t)len;
        memcpy(c->buf + used, msg, take);
        c->len += take;
        msg += take;
        len -= take;
        if (c->len % BLOCK_LEN == 0)
            block(c->h, c->buf);
    }
}

void fwpk_md5_final(fwpk_md5_ctx *c, uint8_t out[16])
{
    uint32_t used = c->len % BLOCK_LEN;
    uint32_t bits_lo = c->len << 3, bits_hi = c->len >> 29;
    unsigned i;
    c->buf[used++] = 0x80; /* RFC 1321 3.1: one bit, then zeros */
    if (used > LENGTH_AT) {
        memset(c->buf + used, 0, BLOCK_LEN - used);
        block(c->h, c->buf);
        used = 0;
    }
    memset(c->buf + used, 0, LENGTH_AT - used);
    for (i = 0; i < 4; i++) { /* RFC 1321 3.2: 64-bit length, low first */
        c->buf[LENGTH_AT + i] = (uint8_t)(bits_lo >> (8 * i));
        c->buf[LENGTH_AT + 4 + i] = (uint8_t)(bits_hi >> (8 * i));
    }
    block(c->h, c->buf);
    for (i = 0; i < 16; i++)
        out[i] = (uint8_t)(c->h[i / 4] >> (8 * (i % 4)));
}
