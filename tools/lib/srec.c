/*
 * srec.c - Motorola S-records: parse (S0 header ignored, S1/S2/S3 data with
 * 16/24/32-bit addresses, S5/S6 record counts checked, S7/S8/S9 end the
 * file but are optional, as srec_cat writes none without a start address;
 * every error as "file:line: reason") and format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

typedef struct {
    const char *name;
    unsigned line;
    uint32_t data_records; /* S1/S2/S3 so far, for S5/S6 */
    int seen_end;
    unsigned end_line;
    fwp_image *img;
    fwp_err *err;
} srec_ctx;

static int bad(srec_ctx *h, const char *reason)
{
    return fwp_fail(h->err, "%s:%u: %s", h->name, h->line, reason);
}

/* Decodes n hex digits into n / 2 bytes. */
static int decode(srec_ctx *h, const char *s, size_t n, uint8_t *out)
{
    return fwp_hex_digits(h->name, h->line, s, n, out, h->err);
}

/* Address bytes of record type t (0-9), 0 for S4 (reserved). */
static unsigned addr_bytes(unsigned t)
{
    static const unsigned n[10] = {2, 2, 3, 4, 0, 2, 3, 4, 3, 2};
    return n[t];
}

static uint32_t be(const uint8_t *p, unsigned n)
{
    uint32_t v = 0;
    for (unsigned i = 0; i < n; i++)
        v = v << 8 | p[i];
    return v;
}

static int count_record(srec_ctx *h, unsigned type, uint32_t count)
{
    uint32_t mask = type == 5 ? 0xffffu : 0xffffffu;
    if (count == (h->data_records & mask))
        return 0;
    return fwp_fail(h->err, "%s:%u: S%u record count %u, but %u data "
                            "records precede it",
                    h->name, h->line, type, (unsigned)count,
                    (unsigned)h->data_records);
}

/* r: count byte, address, data, checksum; n = 1 + count bytes. */
static int record(srec_ctx *h, unsigned type, const uint8_t *r, size_t n)
{
    unsigned ab = addr_bytes(type);
    size_t dlen = n - 2 - ab; /* minus count, address and checksum */
    uint32_t addr = be(r + 1, ab);
    char where[300];
    switch (type) {
    case 0:
        return 0; /* header: free text */
    case 1:
    case 2:
    case 3:
        h->data_records++;
        snprintf(where, sizeof where, "%s:%u", h->name, h->line);
        return fwp_image_add(h->img, addr, r + 1 + ab, dlen, where, h->err);
    case 5:
    case 6:
        if (dlen != 0)
            return fwp_fail(h->err, "%s:%u: S%u record with %zu data bytes "
                                    "(a count record has none)",
                            h->name, h->line, type, dlen);
        return count_record(h, type, addr);
    default: /* 7, 8, 9: end, with a start address that is ignored */
        if (dlen != 0)
            return fwp_fail(h->err, "%s:%u: S%u record with %zu data bytes "
                                    "(a termination record has none)",
                            h->name, h->line, type, dlen);
        h->seen_end = 1;
        h->end_line = h->line;
        return 0;
    }
}

static int parse_line(srec_ctx *h, const char *s, size_t n)
{
    uint8_t r[256];
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return 0; /* blank lines are allowed */
    if (h->seen_end)
        return fwp_fail(h->err, "%s:%u: record after the termination record "
                                "(line %u)",
                        h->name, h->line, h->end_line);
    if (s[0] != 'S')
        return bad(h, "record does not start with 'S'");
    if (n < 4)
        return bad(h, "record too short");
    if (s[1] < '0' || s[1] > '9' || s[1] == '4')
        return fwp_fail(h->err, "%s:%u: unknown record type S%c", h->name,
                        h->line, s[1]);
    unsigned type = (unsigned)(s[1] - '0');
    if (decode(h, s + 2, 2, r))
        return -1;
    if (n - 2 != 2 * (1 + (size_t)r[0]))
        return fwp_fail(h->err, "%s:%u: byte count %u does not match line "
                                "length (%zu hex digits, expected %u)",
                        h->name, h->line, r[0], n - 2, 2 * (1 + r[0]));
    if (r[0] < addr_bytes(type) + 1)
        return fwp_fail(h->err, "%s:%u: byte count %u too small for an S%u "
                                "record (%u address bytes and a checksum)",
                        h->name, h->line, r[0], type, addr_bytes(type));
    if (decode(h, s + 2, n - 2, r))
        return -1;
    uint8_t sum = 0;
    for (size_t i = 0; i < (size_t)r[0]; i++)
        sum = (uint8_t)(sum + r[i]);
    uint8_t want = (uint8_t)~sum;
    if (r[r[0]] != want)
        return fwp_fail(h->err, "%s:%u: bad checksum %02x (expected %02x)",
                        h->name, h->line, r[r[0]], want);
    return record(h, type, r, 1 + (size_t)r[0]);
}

int fwp_srec_parse(const char *name, const char *text, size_t len,
                   fwp_image *img, fwp_err *err)
{
    srec_ctx h = {name, 0, 0, 0, 0, img, err};
    size_t pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len;
        h.line++;
        if (memchr(text + pos, '\0', end - pos))
            return bad(&h, "NUL byte in text");
        if (parse_line(&h, text + pos, end - pos))
            return -1;
        pos = end + 1;
    }
    /* no S7/S8/S9 is fine: srec_cat writes none without a start address */
    if (img->count == 0)
        return fwp_fail(err, "%s:%u: no data records", name,
                        h.seen_end ? h.end_line : h.line);
    return 0;
}

int fwp_srec_load(const char *path, fwp_image *img, fwp_err *err)
{
    uint8_t *text;
    size_t len;
    if (fwp_read_file(path, &text, &len, 0, err))
        return -1;
    int rc = fwp_srec_parse(path, (const char *)text, len, img, err);
    free(text);
    return rc;
}

/* One record: type, address of ab bytes, n data bytes. */
static int put_record(fwp_buf *b, unsigned type, unsigned ab, uint32_t addr,
                      const uint8_t *d, unsigned n)
{
    unsigned count = ab + n + 1;
    uint8_t sum = (uint8_t)count;
    int rc = fwp_buf_printf(b, "S%u%02X", type, count);
    for (unsigned i = ab; i-- > 0 && rc == 0;) {
        sum = (uint8_t)(sum + (addr >> 8 * i));
        rc = fwp_buf_printf(b, "%02X", (unsigned)(addr >> 8 * i) & 0xffu);
    }
    for (unsigned i = 0; i < n && rc == 0; i++) {
        sum = (uint8_t)(sum + d[i]);
        rc = fwp_buf_printf(b, "%02X", d[i]);
    }
    return rc ? rc : fwp_buf_printf(b, "%02X\n", (uint8_t)~sum);
}

static int put_segment(fwp_buf *b, const fwp_seg *s, unsigned ab,
                       uint32_t *records)
{
    for (uint32_t done = 0; done < s->len; done += 16) {
        uint32_t n = s->len - done < 16 ? s->len - done : 16;
        if (put_record(b, ab - 1, ab, s->addr + done, s->data + done, n))
            return -1;
        (*records)++;
    }
    return 0;
}

int fwp_srec_format(const fwp_image *img, int addr_bytes_, char **text,
                    size_t *len, fwp_err *err)
{
    uint64_t top = 0;
    for (size_t i = 0; i < img->count; i++)
        top = (uint64_t)img->segs[i].addr + img->segs[i].len;
    unsigned need = top <= 0x10000u ? 2 : top <= 0x1000000u ? 3 : 4;
    unsigned ab = addr_bytes_ ? (unsigned)addr_bytes_ : need;
    if (ab < 2 || ab > 4)
        return fwp_fail(err, "S-record address size %d not 2, 3 or 4",
                        addr_bytes_);
    if (ab < need)
        return fwp_fail(err, "S-record: data up to 0x%llx needs %u-byte "
                             "addresses (S%u), not %u",
                        (unsigned long long)top - 1, need, need - 1, ab);
    fwp_buf b = {0};
    uint32_t records = 0;
    int rc = put_record(&b, 0, 2, 0, (const uint8_t *)"fwpack", 6);
    for (size_t i = 0; i < img->count && rc == 0; i++)
        rc = put_segment(&b, &img->segs[i], ab, &records);
    if (rc == 0 && records <= 0xffffffu)
        rc = put_record(&b, records <= 0xffffu ? 5 : 6,
                        records <= 0xffffu ? 2 : 3, records, NULL, 0);
    /* No S7/S8/S9: their only content is the execution start address,
     * which a container does not carry, and 0 in its place would differ
     * from the build's (srec_cmp says so).  srec_cat writes none either
     * without a start address. */
    if (rc) {
        fwp_buf_free(&b);
        return fwp_fail(err, "out of memory");
    }
    *text = b.data;
    *len = b.len;
    return 0;
}
