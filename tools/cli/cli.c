/* cli.c - helpers shared by the fwpack commands: error lines, the JSON
 * object every --json command prints, option parsing and values. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The first error line of this run (without "fwpack: "), for the JSON
 * error object; and whether a command printed its own JSON object. */
static char first_error[FWP_MSG_MAX + 64];
static int json_printed;
/* The command running ("pack"), so that option errors name it as the
 * commands' own messages do: "fwpack: pack: --level ...". */
static const char *command = "";

void cli_set_command(const char *name)
{
    command = name;
}

/* "pack: " for option messages, or "" outside a command */
static const char *cmd_prefix(char buf[32])
{
    snprintf(buf, 32, "%s%s", command, *command ? ": " : "");
    return buf;
}

/* Messages quote names from containers and files: their control bytes
 * (and bytes that are not UTF-8) go to the terminal as \xNN. */
static void put_safe(const char *s)
{
    size_t n = strlen(s), i = 0;
    while (i < n) {
        size_t k = fwp_utf8_seq(s + i, n - i);
        if (k == 0 || fwp_utf8_control(s + i, k)) {
            for (size_t j = 0; j < (k ? k : 1); j++)
                fprintf(stderr, "\\x%02x", (unsigned char)s[i + j]);
            i += k ? k : 1;
        } else {
            fwrite(s + i, 1, k, stderr);
            i += k;
        }
    }
}

static void vline(const char *prefix, const char *fmt, va_list ap)
{
    char line[sizeof first_error];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "fwpack: %s", prefix);
    put_safe(line);
    fputc('\n', stderr);
    /* warnings (cli_warn, or a "warning: " line) are not the error */
    if (!*prefix && !first_error[0] && strncmp(line, "warning: ", 9) != 0)
        memcpy(first_error, line, sizeof line);
}

int cli_error(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline("", fmt, ap);
    va_end(ap);
    return code;
}

void cli_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline("warning: ", fmt, ap);
    va_end(ap);
}

int cli_fail(const fwp_err *err, int code)
{
    size_t n = strlen(command);
    /* the library's usage errors ("target app: ...") name no command */
    if (err->kind == FWP_E_USAGE && n &&
        !(strncmp(err->msg, command, n) == 0 && err->msg[n] == ':'))
        cli_error(0, "%s: %s", command, err->msg);
    else
        cli_error(0, "%s", err->msg);
    switch (err->kind) {
    case FWP_E_IO: return EXIT_IO;
    case FWP_E_USAGE: return EXIT_USAGE;
    default: return code;
    }
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
    char *end, q[FWP_QUOTE_BUF], c[32];
    errno = 0;
    unsigned long long v = *s >= '0' && *s <= '9' ? strtoull(s, &end, 0) : 0;
    if (!(*s >= '0' && *s <= '9') || errno || *end || v > SIZE_MAX)
        return cli_error(EXIT_USAGE, "%s%s '%s': not a number of bytes "
                                     "(decimal or 0x hex)", cmd_prefix(c),
                         opt, fwp_quote(s, q));
    *out = (size_t)v;
    return 0;
}

int cli_opt_u32(const char *opt, const char *s, uint32_t *out)
{
    char q[FWP_QUOTE_BUF], c[32];
    if (cli_u32(s, out) == 0)
        return 0;
    return cli_error(EXIT_USAGE, "%s%s '%s': not a number (0..4294967295, "
                                 "decimal or 0x hex)", cmd_prefix(c), opt,
                     fwp_quote(s, q));
}

int cli_opt_range(const char *opt, const char *s, uint32_t lo, uint32_t hi,
                  uint32_t *out)
{
    char q[FWP_QUOTE_BUF], c[32];
    if (cli_u32(s, out) == 0 && *out >= lo && *out <= hi)
        return 0;
    return cli_error(EXIT_USAGE, "%s%s '%s': must be a number in %u..%u",
                     cmd_prefix(c), opt, fwp_quote(s, q), (unsigned)lo,
                     (unsigned)hi);
}

int cli_opt_text(const char *opt, const char *s, size_t max)
{
    char q[FWP_QUOTE_BUF], c[32];
    size_t n = strlen(s), good = fwp_utf8_check(s, n);
    if (good != n)
        return cli_error(EXIT_USAGE, "%s%s '%s': not UTF-8 text (byte %zu)",
                         cmd_prefix(c), opt, fwp_quote(s, q), good);
    if (max && n > max)
        return cli_error(EXIT_USAGE, "%s%s '%s': longer than %zu bytes",
                         cmd_prefix(c), opt, fwp_quote(s, q), max);
    return 0;
}

/* ---- --json: one object on stdout, success or not ---- */

void cli_json_print(const fwp_buf *b)
{
    fputs(b->data ? b->data : "", stdout);
    json_printed = 1;
}

int cli_json_wanted(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "--json") == 0)
            return 1;
    return 0;
}

void cli_json_error(const char *cmd, int code)
{
    fwp_buf b = {0};
    if (json_printed)
        return;
    fwp_buf_printf(&b, "{\"command\":");
    fwp_buf_json_str(&b, cmd);
    fwp_buf_printf(&b, ",\"ok\":false,\"exit_code\":%d,\"error\":", code);
    if (first_error[0])
        fwp_buf_json_str(&b, first_error);
    else
        fwp_buf_printf(&b, "null");
    fwp_buf_printf(&b, "}\n");
    cli_json_print(&b);
    fwp_buf_free(&b);
}
