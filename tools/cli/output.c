/*
 * output.c - the files commands write (-o): checked before any work is
 * done, written through a temporary file and a rename, or to stdout
 * for "-".
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_is_stdio(const char *path)
{
    return strcmp(path, "-") == 0;
}

int cli_output_check(const char *cmd, const char *out,
                     const char *const *inputs, size_t n)
{
    struct stat so, si;
    char q[FWP_QUOTE_BUF];
    if (cli_is_stdio(out) || stat(out, &so) != 0)
        return 0; /* a new file: nothing to compare */
    if (S_ISDIR(so.st_mode))
        return cli_error(EXIT_USAGE, "%s: -o %s: is a directory (give the "
                                     "output file's name)",
                         cmd, fwp_quote(out, q));
    for (size_t i = 0; i < n; i++)
        if (inputs[i] && !cli_is_stdio(inputs[i]) &&
            stat(inputs[i], &si) == 0 && si.st_dev == so.st_dev &&
            si.st_ino == so.st_ino)
            return cli_error(EXIT_USAGE, "%s: -o %s is the input %s: "
                                         "refusing to overwrite what it "
                                         "reads (give another output)",
                             cmd, fwp_quote(out, q), inputs[i]);
    return 0;
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
