/* keytest.h - helpers for the key and signing tests (test_keys_*.c): the
 * CLI with printf-style arguments, shell commands (openssl, softhsm2-util,
 * pkcs11-tool), and the device verifier over a container file. */
#ifndef KEYTEST_H
#define KEYTEST_H

#include <stddef.h>
#include <stdint.h>

#include "box.h"

/* pack options that give a container box_verify accepts: target "main" at
 * BOX_BASE in the BOX_FLASH model (2 KiB erase blocks, 8-byte writes), and
 * a version (no warning for its absence). */
#define KT_GEO                                                             \
    "--target main --load-addr 0x08000000 --flash-base 0x08000000 "        \
    "--flash-size 0x40000 --erase-block 2048 --write-unit 8 --version 1.0.0"

/* stdout and stderr of the last kt_run (malloc'd, never NULL after one). */
extern char *kt_out, *kt_err;

/* fwpack with these arguments (through sh); its exit code. */
int kt_run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A shell command, output to /dev/null unless it redirects; exit code. */
int kt_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Nonzero when the shell finds this program. */
int kt_have(const char *prog);
/* Writes a firmware-like raw binary of len bytes (pu_firmware, seed). */
void kt_firmware(const char *path, size_t len, uint32_t seed);
/* The public key in a PEM file, via libfwpack (fails the test if bad). */
void kt_pub(const char *path, uint8_t pk[32]);
/* A fwp_pass_fn whose arg is the passphrase (a string). */
int kt_pass(void *arg, const char *what, int confirm, char *buf, size_t cap,
            fwp_err *err);
/* The 32-byte seed of the private key file path (encrypted with pass). */
void kt_seed(const char *path, const char *pass, uint8_t seed[32]);
/* How often needle occurs in hay. */
int kt_count(const char *hay, const char *needle);
/* Runs fwpack with args on a pseudo-terminal; answers[i] is typed (and a
 * newline) after the i-th prompt ("Passphrase for", "again: ", "PIN
 * for").  The terminal's transcript goes to out.  Returns the exit code. */
int kt_tty(const char *args, const char *const *answers, int n, char *out,
           size_t cap);
/* kt_tty with more: fwpack runs as uid (and gid uid) when the test runs as
 * root and uid is not 0; probe is called with fwpack's pid at each prompt
 * (0, 1, ...), while fwpack waits for the answer. */
typedef struct {
    unsigned uid;
    void (*probe)(int pid, int prompt, void *arg);
    void *arg;
} kt_tty_opts;
int kt_tty_ex(const char *args, const char *const *answers, int n, char *out,
              size_t cap, const kt_tty_opts *o);
/* Reads the container at path and runs the device verifier over it with
 * keyring pks[0..n) and policy p (its key_count is replaced by n). */
fwpk_err kt_verify_file(const char *path, const uint8_t (*pks)[32], int n,
                        const box_policy *p);

#endif
