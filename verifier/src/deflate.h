/*
 * deflate.h - the numbers of the DEFLATE format (RFC 1951) that both
 * decoders read it by (internal): inflate.c, the fast one, and
 * inflate_small.c, the small one (FWPK_INFLATE_SMALL).  Block types, the
 * symbol ranges, the order of the code-length code's lengths, and the
 * bases and extra bits of lengths and distances as arithmetic instead of
 * tables (no RAM on AVR, where avr-gcc copies constant tables to RAM).
 */
#ifndef FWPK_DEFLATE_H
#define FWPK_DEFLATE_H

#include "fwpk_verify.h"

#define CODELEN_CODES 19
#define LITERALS 256
#define END_OF_BLOCK 256
#define FIRST_LENGTH 257
#define LENGTH_CODES 29   /* 257..285: 286 and 287 are invalid */
#define DIST_CODES 30     /* 30 and 31 are invalid */
#define MAX_HLIT 286
#define MAX_HDIST 30
#define FIXED_DIST_BITS 5

enum block_type { STORED_BLOCK, FIXED_BLOCK, DYNAMIC_BLOCK };

#define REPEAT_PREVIOUS 16 /* 3..6 times, 2 extra bits */
#define REPEAT_ZERO 17     /* 3..10 times, 3 extra bits */
/* 18: zero 11..138 times, 7 extra bits */

/* The symbol whose code length comes i-th: 16, 17, 18, 0, then from 8
 * outwards, 8 7 9 6 10 5 11 4 12 3 13 2 14 1 15. */
static unsigned codelen_order(unsigned i)
{
    if (i < 3)
        return 16u + i;
    if (i == 3)
        return 0;
    return i & 1u ? (19u - i) / 2u : 6u + i / 2u;
}

/* A canonical code from the count of codes of each length (count[1..15]):
 * 0 if zlib accepts it, -1 for an over-subscribed set, or an incomplete
 * one unless it is empty or a lone one-bit code and 'complete' is not
 * required (RFC 1951 3.2.7 allows one distance code; zlib takes a lone
 * code in either code). */
static int code_refused(const uint16_t *count, int complete)
{
    int32_t left = 1; /* codes of length l still free */
    unsigned l, max = 0;
    for (l = 1; l <= FWPK_INFLATE_MAX_BITS; l++) {
        left = 2 * left - count[l];
        if (left < 0)
            return -1;
        if (count[l])
            max = l;
    }
    return left > 0 && max > 0 && (complete || max > 1) ? -1 : 0;
}

/* ---- lengths and distances (RFC 1951 3.2.5) ---- */

/* Length and distance codes come in groups of 2^g codes (4 lengths, 2
 * distances) whose extra bits grow by one from group to group, the first
 * two groups having none; so for the c-th code, from group 2 on, extra =
 * c / 2^g - 1 and the value less the smallest one is (2^g + c mod 2^g) <<
 * extra, plus the extra bits; before that, c.  Length 258 stands alone.
 * Every value fits 16 bits (the largest distance base is 24577). */
static unsigned extra_bits(unsigned c, unsigned g)
{
    return c >> g > 1 ? (c >> g) - 1u : 0u;
}

static unsigned base(unsigned c, unsigned g)
{
    if (c >> g <= 1)
        return c;
    return ((1u << g) | (c & ((1u << g) - 1u))) << extra_bits(c, g);
}

#define LENGTH_GROUP 2
#define DIST_GROUP 1
#define MIN_MATCH 3
#define LAST_LENGTH_CODE 28 /* 258, no extra bits */
#define MAX_MATCH 258

/* Length code 'sym' (less 257): its smallest length, and its extra bits. */
static unsigned length_base(unsigned sym)
{
    return sym == LAST_LENGTH_CODE ? MAX_MATCH
                                   : base(sym, LENGTH_GROUP) + MIN_MATCH;
}

static unsigned length_extra(unsigned sym)
{
    return sym == LAST_LENGTH_CODE ? 0u : extra_bits(sym, LENGTH_GROUP);
}

/* Distance code 'sym': its smallest distance, and its extra bits. */
static unsigned dist_base(unsigned sym)
{
    return base(sym, DIST_GROUP) + 1u;
}

static unsigned dist_extra(unsigned sym)
{
    return extra_bits(sym, DIST_GROUP);
}

#endif
