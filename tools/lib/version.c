/* version.c - MAJOR.MINOR.PATCH[-PRE][+BUILD] (BUILD numeric). */
#include <string.h>

#include "fwpack.h"

/* Parses a decimal number of at most 10 digits <= 2^32-1. */
static const char *number(const char *s, uint32_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && p - s < 11)
        v = v * 10 + (uint64_t)(*p++ - '0');
    if (p == s || v > UINT32_MAX || (*p >= '0' && *p <= '9'))
        return NULL;
    *out = (uint32_t)v;
    return p;
}

static int pre_ok(const char *s, size_t n)
{
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
              (c >= 'A' && c <= 'Z') || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static int bad(const char *s, const char *why, fwp_err *err)
{
    return fwp_fail(err, "version '%s': expected MAJOR.MINOR.PATCH[-PRE]"
                         "[+BUILD]: %s", s, why);
}

int fwp_version_parse(const char *s, fwp_version *v, fwp_err *err)
{
    static const char numbers[] = "MAJOR, MINOR and PATCH are numbers "
                                  "0..4294967295";
    memset(v, 0, sizeof *v);
    if (strlen(s) > FWPK_VERSION_MAX)
        return fwp_fail(err, "version '%s': longer than %d bytes", s,
                        FWPK_VERSION_MAX);
    const char *p = number(s, &v->major);
    if (!p || *p++ != '.' || !(p = number(p, &v->minor)) || *p++ != '.' ||
        !(p = number(p, &v->patch)))
        return bad(s, numbers, err);
    if (*p == '-') {
        const char *plus = strchr(p, '+');
        size_t n = plus ? (size_t)(plus - p - 1) : strlen(p + 1);
        /* n < sizeof v->pre: the whole string is at most FWPK_VERSION_MAX */
        if (!pre_ok(p + 1, n))
            return bad(s, "PRE is 1 or more of 0-9 a-z A-Z . -", err);
        memcpy(v->pre, p + 1, n);
        p += 1 + n;
    }
    if (*p == '+' && !(p = number(p + 1, &v->build)))
        return bad(s, "BUILD is a number 0..4294967295", err);
    if (*p)
        return fwp_fail(err, "version '%s': expected MAJOR.MINOR.PATCH[-PRE]"
                             "[+BUILD]: unexpected '%c' at byte %zu", s, *p,
                        (size_t)(p - s));
    return 0;
}
