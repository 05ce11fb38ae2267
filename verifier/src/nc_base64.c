/*
 * nc_base64.c - base64 (RFC 4648 section 4) decoded as it streams.
 *
 * The Notecard sends each piece as the standard alphabet with '='
 * padding (dfu.get: "payload": "A base64 string containing firmware data",
 * notecard-schema dfu.get.rsp).  Strict: no whitespace, no other alphabet,
 * nothing after padding, and the unused bits of the last group zero, so
 * one text means one piece; a group left unpadded at the end is accepted
 * (RFC 4648 3.2 lets a specification drop the padding).
 */
#include "nc_base64.h"

#define NO_SYMBOL 0xffu
#define GROUP 4u /* symbols per 3 bytes */

static uint8_t symbol(uint8_t ch)
{
    if (ch >= 'A' && ch <= 'Z')
        return (uint8_t)(ch - 'A');
    if (ch >= 'a' && ch <= 'z')
        return (uint8_t)(ch - 'a' + 26);
    if (ch >= '0' && ch <= '9')
        return (uint8_t)(ch - '0' + 52);
    if (ch == '+')
        return 62;
    if (ch == '/')
        return 63;
    return NO_SYMBOL;
}

void fwpk_nc_b64_start(fwpk_nc_b64 *d)
{
    d->acc = 0;
    d->n = 0;
    d->pad = 0;
    d->bad = 0;
}

/* The bytes of a group of n symbols (2, 3 or 4) whose bits are in acc,
 * the first symbol highest; the unused low bits must be zero. */
static unsigned flush(fwpk_nc_b64 *d, unsigned n, uint8_t *out)
{
    uint32_t acc = d->acc << (6 * (GROUP - n));
    unsigned bytes = n - 1, i;
    if (n < 2 || (acc & (0xffffffu >> (8 * bytes))) != 0) {
        d->bad = 1;
        return 0;
    }
    for (i = 0; i < bytes; i++)
        out[i] = (uint8_t)(acc >> (16 - 8 * i));
    d->acc = 0;
    d->n = 0;
    return bytes;
}

unsigned fwpk_nc_b64_put(fwpk_nc_b64 *d, uint8_t ch, uint8_t out[3])
{
    uint8_t v = symbol(ch);
    if (d->bad)
        return 0;
    if (ch == '=') {
        /* padding fills a group of 2 or 3 symbols up to 4 */
        if (d->n + d->pad < 2 || d->n + d->pad >= GROUP) {
            d->bad = 1;
            return 0;
        }
        d->pad++;
        if (d->n + d->pad < GROUP)
            return 0;
        d->pad = GROUP; /* the group is closed: nothing may follow */
        return flush(d, d->n, out);
    }
    if (v == NO_SYMBOL || d->pad) {
        d->bad = 1;
        return 0;
    }
    d->acc = d->acc << 6 | v;
    if (++d->n < GROUP)
        return 0;
    return flush(d, GROUP, out);
}

unsigned fwpk_nc_b64_end(fwpk_nc_b64 *d, uint8_t out[2])
{
    if (d->bad)
        return 0;
    if (d->pad) { /* GROUP: a padded group closed the text */
        if (d->pad != GROUP)
            d->bad = 1;
        return 0;
    }
    if (d->n == 0)
        return 0;
    return flush(d, d->n, out);
}
