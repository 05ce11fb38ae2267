/*
 * output.c - the files commands write (-o): checked before any work is
 * done, written through a temporary file and a rename, or to stdout
 * for "-".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_is_stdio(const char *path)
{
    return strcmp(path, "-") == 0;
}

static int check(const char *cmd, const char *out, int overwrite,
                 const char *const *inputs, size_t n, int binary)
{
    struct stat so, si;
    char q[FWP_QUOTE_BUF];
    fwp_err err;
    /* binary bytes on a terminal garble it and help nobody (gzip's rule) */
    if (cli_is_stdio(out))
        return binary && isatty(STDOUT_FILENO)
                   ? cli_error(EXIT_USAGE, "%s: -o - would write binary "
                                           "data to a terminal: redirect "
                                           "stdout or give -o FILE", cmd)
                   : 0;
    if (stat(out, &so) == 0)
        for (size_t i = 0; i < n; i++)
            if (inputs[i] && !cli_is_stdio(inputs[i]) &&
                stat(inputs[i], &si) == 0 && si.st_dev == so.st_dev &&
                si.st_ino == so.st_ino)
                return cli_error(EXIT_USAGE, "%s: -o %s is the input %s: "
                                             "refusing to overwrite what it "
                                             "reads (give another output)",
                                 cmd, fwp_quote(out, q), inputs[i]);
    /* a directory, device, FIFO, link, or a key without --force: said now,
     * not after the work (file.c's rule, file.c's words) */
    return fwp_output_check(out, overwrite, &err) ? cli_fail(&err, EXIT_IO)
                                                  : 0;
}

int cli_output_check(const char *cmd, const char *out, int overwrite,
                     const char *const *inputs, size_t n)
{
    return check(cmd, out, overwrite, inputs, n, 1);
}

int cli_output_check_text(const char *cmd, const char *out, int overwrite,
                          const char *const *inputs, size_t n)
{
    return check(cmd, out, overwrite, inputs, n, 0);
}

int cli_output_write(const char *path, const uint8_t *data, size_t len,
                     unsigned mode, int overwrite)
{
    fwp_err err;
    if (!cli_is_stdio(path))
        return fwp_write_file_atomic(path, data, len, mode, overwrite, &err)
                   ? cli_fail(&err, EXIT_IO)
                   : EXIT_OK;
    if (fwrite(data, 1, len, stdout) != len || fflush(stdout) != 0)
        return cli_error(EXIT_IO, "<stdout>: %s", strerror(errno));
    return EXIT_OK;
}
