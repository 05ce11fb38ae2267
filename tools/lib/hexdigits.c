/*
 * hexdigits.c - the hex digits of a text record (Intel HEX, S-record):
 * both formats carry their bytes the same way, and report bad digits the
 * same way, naming the file and line.
 */
#include "fwpack.h"

int fwp_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

int fwp_hex_digits(const char *name, unsigned line, const char *s, size_t n,
                   uint8_t *out, fwp_err *err)
{
    if (n % 2)
        return fwp_fail(err, "%s:%u: odd number of hex digits", name, line);
    for (size_t i = 0; i < n; i += 2) {
        int hi = fwp_hex_value(s[i]), lo = fwp_hex_value(s[i + 1]);
        if (hi < 0 || lo < 0)
            return fwp_fail(err, "%s:%u: bad hex digit '%c'", name, line,
                            hi < 0 ? s[i] : s[i + 1]);
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
