/* extsign.h - signatures made outside libfwpack's key files, added to a
 * packed container: PKCS#11 tokens (pack --pkcs11). */
#ifndef FWPACK_EXTSIGN_H
#define FWPACK_EXTSIGN_H

#include "cli.h"

typedef struct {
    const char *uris[FWPK_MAX_SIGNATURES]; /* --pkcs11, in order */
    size_t count;
    const char *module; /* --pkcs11-module, or NULL */
    const char *pin;    /* --pkcs11-pin, or NULL */
} cli_p11;

/* Signs the container (*box, *len, for the file 'name') with every URI in
 * p and appends the signatures (*box is replaced).  Returns 0 or an exit
 * code after printing the error. */
int cli_p11_sign(const cli_p11 *p, const char *name, uint8_t **box,
                 size_t *len);

#endif
