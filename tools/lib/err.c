/* err.c - one-line error messages for libfwpack (fwp_err). */
#include <stdarg.h>
#include <stdio.h>

#include "fwpack.h"

static int fail_v(fwp_err *err, int kind, const char *fmt, va_list ap)
{
    if (err) {
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        err->kind = kind;
    }
    return -1;
}

int fwp_fail(fwp_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(err, FWP_E_INPUT, fmt, ap);
    va_end(ap);
    return -1;
}

int fwp_fail_io(fwp_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(err, FWP_E_IO, fmt, ap);
    va_end(ap);
    return -1;
}

int fwp_fail_usage(fwp_err *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_v(err, FWP_E_USAGE, fmt, ap);
    va_end(ap);
    return -1;
}
