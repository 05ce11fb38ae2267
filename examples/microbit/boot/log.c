/* log.c - printf-like output through semihosting (log.h). */
#include <stdarg.h>
#include <stdint.h>

#include "halt.h"
#include "log.h"

#define LOG_LINE 96

static struct {
    char buf[LOG_LINE + 1];
    unsigned n;
} line;

static void flush(void)
{
    line.buf[line.n] = 0;
    sh_write0(line.buf);
    line.n = 0;
}

static void put(char c)
{
    if (line.n == LOG_LINE)
        flush();
    line.buf[line.n++] = c;
}

static void put_num(uint32_t v, unsigned base, unsigned width, int neg)
{
    char d[11];
    unsigned n = 0;
    do
        d[n++] = "0123456789abcdef"[v % base];
    while (v /= base);
    if (neg)
        put('-');
    while (width > n + (unsigned)neg) {
        put('0');
        width--;
    }
    while (n)
        put(d[--n]);
}

void out(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    for (const char *p = fmt; *p; p++) {
        if (*p != '%') {
            put(*p);
            continue;
        }
        unsigned width = 0;
        while (*++p >= '0' && *p <= '9')
            width = width * 10 + (unsigned)(*p - '0');
        int is_long = *p == 'l';
        if (is_long)
            p++;
        switch (*p) {
        case 's':
            for (const char *s = va_arg(ap, const char *); *s; s++)
                put(*s);
            break;
        case 'c':
            put((char)va_arg(ap, int));
            break;
        case 'd': {
            long v = is_long ? va_arg(ap, long) : va_arg(ap, int);
            put_num(v < 0 ? 0u - (uint32_t)v : (uint32_t)v, 10, width, v < 0);
            break;
        }
        case 'u':
        case 'x': {
            uint32_t v = is_long ? va_arg(ap, unsigned long)
                                 : va_arg(ap, unsigned);
            put_num(v, *p == 'u' ? 10 : 16, width, 0);
            break;
        }
        case '%':
            put('%');
            break;
        default:
            goto done; /* a conversion log.h does not promise: stop */
        }
    }
done:
    va_end(ap);
    flush();
}
