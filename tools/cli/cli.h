/*
 * cli.h - shared by the fwpack commands: exit codes, error printing,
 * option parsing helpers, and the command entry points.
 */
#ifndef FWPACK_CLI_H
#define FWPACK_CLI_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack.h"

/* Exit codes (documented in `fwpack --help`). */
enum {
    EXIT_OK = 0,
    EXIT_VERIFY = 1, /* verification failed, or a malformed container */
    EXIT_USAGE = 2,  /* bad option or argument */
    EXIT_INPUT = 3,  /* bad input file: ELF, HEX, S-record, bin, key */
    EXIT_IO = 4,     /* a file (or port) could not be read or written */
    EXIT_TARGET = 5  /* flash: the target failed (no answer, wrong chip) */
};

/* Prints "fwpack: <message>" on stderr; returns code. */
int cli_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints err's message; returns EXIT_IO for I/O errors, else code. */
int cli_fail(const fwp_err *err, int code);
/* getopt_long without its abbreviations: "--pass" is not taken for
 * --passphrase-file (a secret typed after a mistyped option would become a
 * file name, and be printed in the error): '?' for it, as for an unknown
 * option.  The commands parse their options with this. */
struct option;
int cli_getopt(int argc, char **argv, const char *shortopts,
               const struct option *longopts);
/* The message for an unknown option or a missing argument (getopt '?');
 * it names the option, never its value. */
int cli_bad_option(const char *cmd, char **argv, int optind_after);

/* Unsigned 32-bit number, decimal or 0x hex; -1 if malformed. */
int cli_u32(const char *s, uint32_t *out);
/* cli_u32 with a usage error naming the option. */
int cli_opt_u32(const char *opt, const char *s, uint32_t *out);
/* A byte count (decimal or 0x hex), with a usage error naming opt. */
int cli_opt_size(const char *opt, const char *s, size_t *out);

typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} cli_command;

int cmd_keygen(int argc, char **argv);
int cmd_export_key(int argc, char **argv);
int cmd_pack(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_unpack(int argc, char **argv);
int cmd_digest(int argc, char **argv);
int cmd_attach_sig(int argc, char **argv);
int cmd_flash(int argc, char **argv);

#endif
