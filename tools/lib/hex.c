/*
 * hex.c - Intel HEX: parse (record types 00-05, every error as
 * "file:line: reason") and format (16-byte data records, type 04 for the
 * upper address bits, EOF record).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

typedef struct {
    const char *name;
    unsigned line;
    uint32_t base;       /* from type 02 or 04 */
    int seen_eof;
    unsigned eof_line;
    fwp_image *img;
    fwp_err *err;
} hex_ctx;

static int bad(hex_ctx *h, const char *reason)
{
    return fwp_fail(h->err, "%s:%u: %s", h->name, h->line, reason);
}

/* Decodes the hex digits of one record (after ':') into bytes. */
static int decode(hex_ctx *h, const char *s, size_t n, uint8_t *out)
{
    return fwp_hex_digits(h->name, h->line, s, n, out, h->err);
}

static int add_data(hex_ctx *h, uint16_t off, const uint8_t *d, size_t n)
{
    char where[300];
    snprintf(where, sizeof where, "%s:%u", h->name, h->line);
    /* offsets wrap within the 64 KiB block the base selects */
    size_t first = n <= 0x10000u - off ? n : 0x10000u - off;
    if (fwp_image_add(h->img, h->base + off, d, first, where, h->err))
        return -1;
    return fwp_image_add(h->img, h->base, d + first, n - first, where,
                         h->err);
}

static int need_count(hex_ctx *h, unsigned type, unsigned count,
                      unsigned want)
{
    if (count == want)
        return 0;
    return fwp_fail(h->err, "%s:%u: record type %02x needs %u data bytes, "
                            "has %u",
                    h->name, h->line, type, want, count);
}

static int record(hex_ctx *h, const uint8_t *r, unsigned count)
{
    unsigned type = r[3];
    uint16_t off = (uint16_t)(r[1] << 8 | r[2]);
    const uint8_t *d = r + 4;
    switch (type) {
    case 0:
        return add_data(h, off, d, count);
    case 1:
        h->seen_eof = 1;
        h->eof_line = h->line;
        return need_count(h, type, count, 0);
    case 2:
        if (need_count(h, type, count, 2))
            return -1;
        h->base = (uint32_t)(d[0] << 8 | d[1]) << 4;
        return 0;
    case 4:
        if (need_count(h, type, count, 2))
            return -1;
        h->base = (uint32_t)(d[0] << 8 | d[1]) << 16;
        return 0;
    case 3:
    case 5:
        return need_count(h, type, count, 4); /* start address: ignored */
    default:
        return fwp_fail(h->err, "%s:%u: unknown record type %02x", h->name,
                        h->line, type);
    }
}

static int parse_line(hex_ctx *h, const char *s, size_t n)
{
    uint8_t r[5 + 255];
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (n == 0)
        return 0; /* blank lines are allowed */
    if (h->seen_eof)
        return fwp_fail(h->err, "%s:%u: data after end-of-file record "
                                "(line %u)",
                        h->name, h->line, h->eof_line);
    if (s[0] != ':')
        return bad(h, "record does not start with ':'");
    if (n < 11)
        return bad(h, "record too short");
    if (decode(h, s + 1, 2, r))
        return -1;
    if (n - 1 != 2 * (5 + (size_t)r[0]))
        return fwp_fail(h->err, "%s:%u: byte count %u does not match line "
                                "length (%zu hex digits, expected %u)",
                        h->name, h->line, r[0], n - 1, 2 * (5 + r[0]));
    if (decode(h, s + 1, n - 1, r))
        return -1;
    uint8_t sum = 0;
    for (size_t i = 0; i < 5 + (size_t)r[0]; i++)
        sum = (uint8_t)(sum + r[i]);
    if (sum != 0) {
        uint8_t want = (uint8_t)(r[4 + r[0]] - sum);
        return fwp_fail(h->err, "%s:%u: bad checksum %02x (expected %02x)",
                        h->name, h->line, r[4 + r[0]], want);
    }
    return record(h, r, r[0]);
}

int fwp_hex_parse(const char *name, const char *text, size_t len,
                  fwp_image *img, fwp_err *err)
{
    hex_ctx h = {name, 0, 0, 0, 0, img, err};
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
    if (!h.seen_eof)
        return fwp_fail(err, "%s:%u: missing end-of-file record", name,
                        h.line);
    if (img->count == 0)
        return fwp_fail(err, "%s:%u: no data records", name, h.eof_line);
    return 0;
}

int fwp_hex_load(const char *path, fwp_image *img, fwp_err *err)
{
    uint8_t *text;
    size_t len;
    if (fwp_read_file(path, &text, &len, 0, err))
        return -1;
    int rc = fwp_hex_parse(path, (const char *)text, len, img, err);
    free(text);
    return rc;
}

static int put_record(fwp_buf *b, unsigned type, uint16_t addr,
                      const uint8_t *d, unsigned n)
{
    uint8_t sum = (uint8_t)(n + (addr >> 8) + (addr & 0xff) + type);
    int rc = fwp_buf_printf(b, ":%02X%04X%02X", n, addr, type);
    for (unsigned i = 0; i < n && rc == 0; i++) {
        sum = (uint8_t)(sum + d[i]);
        rc = fwp_buf_printf(b, "%02X", d[i]);
    }
    return rc ? rc : fwp_buf_printf(b, "%02X\n", (uint8_t)-sum);
}

static int put_segment(fwp_buf *b, const fwp_seg *s, uint32_t *upper)
{
    uint32_t done = 0;
    while (done < s->len) {
        uint32_t a = s->addr + done;
        if (a >> 16 != *upper) {
            uint8_t u[2] = {(uint8_t)(a >> 24), (uint8_t)(a >> 16)};
            *upper = a >> 16;
            if (put_record(b, 4, 0, u, 2))
                return -1;
        }
        uint32_t room = 0x10000u - (a & 0xffffu); /* to the 64 KiB edge */
        uint32_t n = s->len - done;
        n = n < 16 ? n : 16;
        n = n < room ? n : room;
        if (put_record(b, 0, (uint16_t)a, s->data + done, n))
            return -1;
        done += n;
    }
    return 0;
}

int fwp_hex_format(const fwp_image *img, char **text, size_t *len,
                   fwp_err *err)
{
    fwp_buf b = {0};
    uint32_t upper = 0;
    int rc = 0;
    for (size_t i = 0; i < img->count && rc == 0; i++)
        rc = put_segment(&b, &img->segs[i], &upper);
    if (rc == 0)
        rc = put_record(&b, 1, 0, NULL, 0);
    if (rc) {
        fwp_buf_free(&b);
        return fwp_fail(err, "out of memory");
    }
    *text = b.data;
    *len = b.len;
    return 0;
}
