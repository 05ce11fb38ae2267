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

/* Prints "fwpack: <message>" on stderr; returns code.  The first such
 * line of a run is the "error" of the --json error object. */
int cli_error(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints "fwpack: warning: <message>" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints err's message; returns EXIT_IO for I/O errors, EXIT_USAGE for a
 * bad option value (FWP_E_USAGE), else code. */
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
/* The running command, named by the cli_opt_* errors (main.c sets it). */
void cli_set_command(const char *name);
int cli_opt_u32(const char *opt, const char *s, uint32_t *out);
/* A byte count (decimal or 0x hex), with a usage error naming opt. */
int cli_opt_size(const char *opt, const char *s, size_t *out);
/* The same, and the number must be in lo..hi. */
int cli_opt_range(const char *opt, const char *s, uint32_t lo, uint32_t hi,
                  uint32_t *out);
/* A text option: UTF-8, at most max bytes (0: any length); else a usage
 * error naming the option.  Returns 0 or EXIT_USAGE. */
int cli_opt_text(const char *opt, const char *s, size_t max);

/* --json: every command prints exactly one JSON object on stdout. */
/* Prints a command's result b on stdout (with --json: its one object) and
 * notes that it did, so that no error object follows. */
void cli_json_print(const fwp_buf *b);
/* Nonzero when argv (a command's) has --json before any "--". */
int cli_json_wanted(int argc, char **argv);
/* When no object was printed: {"command","ok":false,"exit_code","error"}
 * with the run's first error line (format/SPEC.md, appendix). */
void cli_json_error(const char *cmd, int code);

/* ---- outputs (output.c) ---- */

/* Checks -o OUT before any work: refuses a file that is one of the inputs
 * (same device and inode, whatever the name: usage error), so that no
 * command replaces what it reads, and what fwp_output_check refuses (a
 * directory, device, FIFO or link; an existing file without overwrite:
 * I/O error).  "-" (stdout) passes unless stdout is a terminal: the
 * output is binary (usage error).  Returns 0 or an exit code after
 * printing. */
int cli_output_check(const char *cmd, const char *out, int overwrite,
                     const char *const *inputs, size_t n);
/* The same for text outputs (PEM, C headers): "-" always passes. */
int cli_output_check_text(const char *cmd, const char *out, int overwrite,
                          const char *const *inputs, size_t n);
/* Writes data to path (temporary file + rename; replaces an existing
 * file when overwrite), or to stdout for "-".  Returns 0 or an exit code
 * after printing an error that names path. */
int cli_output_write(const char *path, const uint8_t *data, size_t len,
                     unsigned mode, int overwrite);
/* Nonzero for "-" (stdin or stdout). */
int cli_is_stdio(const char *path);

/* ---- MCU profiles (profiles.c) ---- */

/* The system-wide profile file on the default search path. */
#define CLI_MCU_SYSTEM_FILE "/etc/fwpack/mcus"
/* The built-in profiles, then the files on FWPACK_MCU_PATH (colon-
 * separated; default: $XDG_CONFIG_HOME/fwpack/mcus or
 * ~/.config/fwpack/mcus, then /etc/fwpack/mcus; missing ones are
 * skipped), then mcu_file (--mcu-file, may be NULL; must exist).  Returns
 * 0 or an exit code after printing; free l with fwp_mcu_list_free. */
int cli_profiles_load(fwp_mcu_list *l, const char *mcu_file);

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
int cmd_mcus(int argc, char **argv);
int cmd_notecard(int argc, char **argv);

#endif
