/*
 * secret.h - passphrases and PINs for the commands that need them: from an
 * option's value, a file, an environment variable, or the terminal (echo
 * off) when stdin is one, in that order.
 */
#ifndef FWPACK_SECRET_H
#define FWPACK_SECRET_H

#include "cli.h"

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
