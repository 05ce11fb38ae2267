/* cli.c - helpers shared by the fwpack commands. */
#include <errno.h>
#include <getopt.h>
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

/* The option an error names when cli_getopt refused it, else NULL. */
static const char *refused;

int cli_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts)
{
    int idx = -1;
    refused = NULL;
    int c = getopt_long(argc, argv, shortopts, longopts, &idx);
    if (c == -1 || c == '?' || c == ':' || idx < 0)
        return c;
    /* the element that named it: before its separate argument, if any */
    const char *elem = argv[optind - 1];
    if (optarg && optarg == argv[optind - 1] && optind >= 2)
        elem = argv[optind - 2];
    size_t n = strcspn(elem + 2, "=");
    if (strncmp(elem, "--", 2) != 0 || strlen(longopts[idx].name) != n ||
        strncmp(elem + 2, longopts[idx].name, n) != 0) {
        refused = elem;
        return '?';
    }
    return c;
}

int cli_bad_option(const char *cmd, char **argv, int optind_after)
{
    const char *elem = refused ? refused : argv[optind_after - 1];
    if (refused)
        return cli_error(EXIT_USAGE, "%s: unknown option %.*s (options are "
                                     "not abbreviated; see fwpack %s "
                                     "--help)",
                         cmd, (int)strcspn(elem, "="), elem, cmd);
    if (strncmp(elem, "--", 2) != 0 && optopt > ' ' && optopt < 127)
        return cli_error(EXIT_USAGE, "%s: bad option or missing argument: "
                                     "-%c (see fwpack %s --help)",
                         cmd, optopt, cmd);
    /* never a value: "--pin=1234" is shown as "--pin" */
    return cli_error(EXIT_USAGE, "%s: bad option or missing argument: %.*s "
                                 "(see fwpack %s --help)",
                     cmd, (int)strcspn(elem, "="), elem, cmd);
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
