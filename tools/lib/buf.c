/* buf.c - a growable, always NUL-terminated byte buffer (fwp_buf). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

void fwp_buf_free(fwp_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

static int reserve(fwp_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int fwp_buf_put(fwp_buf *b, const void *data, size_t len)
{
    if (reserve(b, len))
        return -1;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int fwp_buf_printf(fwp_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n))
        return -1;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

/* Controls (C0, DEL, C1) as \uXXXX, so that a terminal shows JSON output
 * as text; a byte that is not UTF-8 as U+FFFD, so the output is JSON. */
int fwp_buf_json_str(fwp_buf *b, const char *s)
{
    size_t n = strlen(s), i = 0;
    int rc = fwp_buf_put(b, "\"", 1);
    while (i < n && rc == 0) {
        size_t k = fwp_utf8_seq(s + i, n - i);
        unsigned char c = (unsigned char)s[i];
        if (k == 0)
            rc = fwp_buf_printf(b, "\\ufffd");
        else if (c == '"' || c == '\\')
            rc = fwp_buf_printf(b, "\\%c", c);
        else if (fwp_utf8_control(s + i, k))
            rc = fwp_buf_printf(b, "\\u%04x",
                                k == 1 ? c : (unsigned char)s[i + 1]);
        else
            rc = fwp_buf_put(b, s + i, k);
        i += k ? k : 1;
    }
    return rc ? rc : fwp_buf_put(b, "\"", 1);
}

int fwp_buf_hex(fwp_buf *b, const uint8_t *d, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    if (reserve(b, 2 * n))
        return -1;
    for (size_t i = 0; i < n; i++) {
        b->data[b->len++] = digits[d[i] >> 4];
        b->data[b->len++] = digits[d[i] & 15];
    }
    b->data[b->len] = '\0';
    return 0;
}
