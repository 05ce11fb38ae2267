/* cli.c - helpers shared by the fwpack commands. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fwpack: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return code;
}

int cli_fail(const fwp_err *err, int code)
{
    cli_error(0, "%s", err->msg);
    return err->kind == FWP_E_IO ? EXIT_IO : code;
}

int cli_bad_option(const char *cmd, char **argv, int optind_after)
{
    return cli_error(EXIT_USAGE, "%s: bad option or missing argument: %s "
                                 "(see fwpack %s --help)",
                     cmd, argv[optind_after - 1], cmd);
}

int cli_u32(const char *s, uint32_t *out)
{
    char *end;
    if (!*s || *s == '-' || *s == '+' || *s == ' ')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || *end || v > UINT32_MAX)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

int cli_opt_size(const char *opt, const char *s, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = *s >= '0' && *s <= '9' ? strtoull(s, &end, 0) : 0;
    if (!(*s >= '0' && *s <= '9') || errno || *end || v > SIZE_MAX)
        return cli_error(EXIT_USAGE, "%s: '%s' is not a number of bytes "
                                     "(decimal or 0x hex)", opt, s);
    *out = (size_t)v;
    return 0;
}

int cli_opt_u32(const char *opt, const char *s, uint32_t *out)
{
    if (cli_u32(s, out) == 0)
        return 0;
    return cli_error(EXIT_USAGE, "%s: '%s' is not a number (0..4294967295, "
                                 "decimal or 0x hex)", opt, s);
}
