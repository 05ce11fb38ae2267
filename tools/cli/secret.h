/*
 * secret.h - passphrases and PINs: where they come from (an option's
 * value, a file or pipe, an environment variable, or the terminal with
 * echo off when stdin is one, in that order) and where they are kept:
 * locked memory that core dumps leave out, in a process that cannot dump
 * core and that other processes of the same user cannot read.
 */
#ifndef FWPACK_SECRET_H
#define FWPACK_SECRET_H

#include "cli.h"

/* Called by main before any command.  The process becomes non-dumpable
 * (PR_SET_DUMPABLE 0: no core file, and no ptrace or /proc/PID/mem for
 * other processes of the same user) with RLIMIT_CORE 0, and
 * FWPACK_PASSPHRASE and FWPACK_PKCS11_PIN move from the environment into
 * locked memory: their bytes are wiped where /proc/PID/environ (ps e)
 * shows them, and they are unset.  -1 when that fails (no memory). */
int cli_secrets_init(void);

/* n zeroed bytes of locked memory (sodium_malloc: mlock'd, MADV_DONTDUMP,
 * guard pages), or NULL; cli_secret_free wipes and frees them. */
void *cli_secret_alloc(size_t n);
void cli_secret_free(void *p);
/* A NUL-terminated copy of s[0..n) in locked memory, or NULL. */
char *cli_secret_copy(const char *s, size_t n);

/* Takes a secret option's value out of argv: returns a locked copy and
 * wipes arg (ps showed it until now, so a warning on stderr names opt and
 * the sources to use instead).  NULL: out of memory (message printed). */
const char *cli_secret_from_argv(char *arg, const char *opt,
                                 const char *instead);

/* The value FWPACK_PASSPHRASE or FWPACK_PKCS11_PIN had when fwpack
 * started (cli_secrets_init), or NULL. */
const char *cli_secret_env(const char *name);

typedef struct {
    const char *value; /* given on the command line (PINs), or NULL */
    const char *file;  /* --passphrase-file: its first line, or NULL */
    const char *env;   /* "FWPACK_PASSPHRASE" or "FWPACK_PKCS11_PIN" */
    const char *kind;  /* "passphrase" or "PIN" */
    const char *how;   /* the options that give it, for the error */
} cli_secret;

/* A fwp_pass_fn over a cli_secret (arg). */
int cli_secret_get(void *arg, const char *what, int confirm, char *buf,
                   size_t cap, fwp_err *err);

/* The passphrase sources of the commands that load private keys. */
cli_secret cli_passphrase(const char *file);

#endif
