/*
 * text.c - strings that came from outside (option values, container
 * fields) made safe to show: UTF-8 checks, escaping for a terminal, and
 * short quotes for one-line error messages.
 */
#include <stdio.h>
#include <string.h>

#include "fwpack.h"

size_t fwp_utf8_seq(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    unsigned char c = s[0];
    size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2
                 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4
                 : 0;
    if (len == 0 || len > n)
        return 0;
    for (size_t i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
        (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

size_t fwp_utf8_check(const char *s, size_t n)
{
    size_t i = 0, k;
    while (i < n && (k = fwp_utf8_seq(s + i, n - i)) != 0)
        i += k;
    return i;
}

int fwp_utf8_control(const char *str, size_t len)
{
    const unsigned char *s = (const unsigned char *)str;
    if (len == 1)
        return s[0] < 0x20 || s[0] == 0x7f;
    return len == 2 && s[0] == 0xc2 && s[1] < 0xa0;
}

int fwp_buf_escaped(fwp_buf *b, const char *s, size_t max)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = strlen(s), lim = max && max < n ? max : n, i = 0;
    int rc = 0;
    while (i < lim && rc == 0) {
        size_t k = fwp_utf8_seq(s + i, n - i);
        if (k == 0 || fwp_utf8_control(s + i, k)) {
            for (size_t j = 0; j < (k ? k : 1) && rc == 0; j++)
                rc = fwp_buf_printf(b, "\\x%02x", u[i + j]);
            i += k ? k : 1;
        } else if (u[i] == '\\') {
            rc = fwp_buf_put(b, "\\\\", 2);
            i++;
        } else {
            rc = fwp_buf_put(b, u + i, k);
            i += k;
        }
    }
    if (rc == 0 && i < n)
        rc = fwp_buf_printf(b, "... (%zu bytes)", n);
    return rc;
}

int fwp_plain_chars(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
              (*s >= '0' && *s <= '9') || *s == '-' || *s == '_' ||
              *s == '.' || *s == '+'))
            return 0;
    return 1;
}

const char *fwp_quote(const char *s, char out[FWP_QUOTE_BUF])
{
    fwp_buf b = {0};
    if (fwp_buf_escaped(&b, s, FWP_QUOTE_MAX) == 0 && b.data)
        snprintf(out, FWP_QUOTE_BUF, "%s", b.data);
    else
        out[0] = 0;
    fwp_buf_free(&b);
    return out;
}
