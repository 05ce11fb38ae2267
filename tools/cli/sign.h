/* sign.h - the last step of pack: signatures added to the packed
 * container, by key files (-k) and then PKCS#11 tokens (--pkcs11).  A key
 * file is decrypted only here, after compression, into locked memory that
 * is wiped as soon as it has signed.  fwp_sig_append checks each
 * signature. */
#ifndef FWPACK_SIGN_H
#define FWPACK_SIGN_H

#include "cli.h"

typedef struct {
    const char *files[FWPK_MAX_SIGNATURES]; /* -k, in order */
    size_t count;
    const char *pass_file; /* --passphrase-file, or NULL */
    unsigned kdf_flags;    /* FWP_KDF_ALLOW_WEAK with --allow-weak-kdf */
} cli_keys;

typedef struct {
    const char *uris[FWPK_MAX_SIGNATURES]; /* --pkcs11 (locked copies) */
    size_t count;
    const char *module; /* --pkcs11-module, or NULL */
    const char *pin;    /* --pkcs11-pin (a locked copy), or NULL */
    int verbose;        /* print the module each URI was signed through */
} cli_p11;

/* --pkcs11 URI: a locked copy is kept; a pin-value in arg is wiped from
 * argv (with a warning: ps showed it).  0, or an exit code. */
int cli_p11_add_uri(cli_p11 *p, char *arg);
/* --pkcs11-pin PIN: the same for the PIN. */
int cli_p11_set_pin(cli_p11 *p, char *arg);

/* Sign the container (*box, *len, for the file 'name') with every key
 * file, then every URI, appending the signatures (*box is replaced).
 * Return 0 or an exit code after printing the error. */
int cli_keys_sign(const cli_keys *k, const char *name, uint8_t **box,
                  size_t *len);
int cli_p11_sign(const cli_p11 *p, const char *name, uint8_t **box,
                 size_t *len);

#endif
