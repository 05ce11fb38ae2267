/* pack_util.h - helpers for the packer tests: temp dirs, files, the CLI,
 * firmware-like test images. */
#ifndef PACK_UTIL_H
#define PACK_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* mkdtemp under /tmp; returns a static path. */
const char *pu_tmpdir(void);
/* Removes the directory made by pu_tmpdir and everything in it. */
void pu_rmdir(const char *dir);
/* "<dir>/<name>" in a static ring of buffers. */
const char *pu_path(const char *dir, const char *name);
void pu_write(const char *path, const void *data, size_t len);
void pu_write_str(const char *path, const char *text);
/* Whole file (malloc'd, NUL-terminated); NULL if missing. */
char *pu_read(const char *path, size_t *len);
int pu_exists(const char *path);
/* Fails the current test unless files a and b hold the same bytes. */
void pu_same_files(const char *a, const char *b);
/* How many entries of dir have ".tmp." in their name: fwpack's temporary
 * files (fwp_write_file_atomic), which must never be left behind. */
int pu_count_tmp(const char *dir);
/* Runs the fwpack CLI ($FWPACK, else build/test/fwpack) with args through
 * sh; stdout (and stderr) captured into out/err if not NULL (malloc'd).
 * Returns the exit code. */
int pu_fwpack(const char *args, char **out, char **err);
/* The output of the last pu_run: stdout and stderr, malloc'd, replaced by
 * the next call. */
extern char *pu_out, *pu_err;
/* pu_fwpack with printf-style args, output into pu_out/pu_err; with
 * TEST_DEBUG set, prints each command, its exit code and output. */
int pu_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Fails the test unless text (a command's stderr) has exactly one line
 * that is not a "fwpack: warning:" line, and that line holds every string
 * of the NULL-terminated list: the one-line error naming what and why. */
void pu_one_error(const char *text, ...);
/* The number of "fwpack: warning:" lines in text that hold 'what'. */
int pu_warnings(const char *text, const char *what);
/* Frees pu_out and pu_err (a test program's teardown). */
void pu_run_free(void);
/* Firmware-like bytes: Thumb-ish opcodes, literal pools, tables. */
void pu_firmware(uint8_t *p, size_t n, uint32_t seed);
/* xorshift32: the next of a test's repeatable pseudo-random numbers, from
 * and into *state (never 0). */
uint32_t pu_rand(uint32_t *state);

/* Runs a shell command with stdout and stderr into text (its first cap - 1
 * bytes, NUL-terminated; the rest is read and dropped, so the command is
 * never cut off by a full pipe).  Returns the exit status, or -1. */
int pu_capture(const char *cmd, char *text, size_t cap);

/* The packer the example tests run: $FWPACK, else build/test/fwpack, else
 * build/host/fwpack; exported as FWPACK for the scripts they start.  NULL,
 * after a line on stderr naming 'test', when it is not executable. */
const char *pu_packer(const char *test);

/* Nonzero when 'tool' is on PATH. */
int pu_have(const char *tool);
/* Runs a shell command (printf-style) that must succeed; fails the
 * current test naming the command otherwise. */
void pu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
