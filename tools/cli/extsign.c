/* extsign.c - see extsign.h. */
#include <stdlib.h>

#include "extsign.h"
#include "secret.h"

int cli_p11_sign(const cli_p11 *p, const char *name, uint8_t **box,
                 size_t *len)
{
    cli_secret pin = {p->pin, NULL, "FWPACK_PKCS11_PIN", "PIN",
                      "--pkcs11-pin, FWPACK_PKCS11_PIN, pin-value or "
                      "pin-source in the URI, or a terminal"};
    fwp_p11_opts o = {p->module, cli_secret_get, &pin};
    for (size_t i = 0; i < p->count; i++) {
        fwp_layout lay;
        fwp_err err;
        uint8_t sig[64], pk[32], *out;
        size_t out_len;
        if (fwp_layout_parse(*box, *len, name, &lay, &err) ||
            fwp_p11_sign(p->uris[i], &o, lay.signed_digest,
                         sizeof lay.signed_digest, sig, pk, &err) ||
            fwp_sig_append(*box, *len, name, pk, sig, &out, &out_len, &err))
            return cli_fail(&err, EXIT_INPUT);
        free(*box);
        *box = out;
        *len = out_len;
    }
    return 0;
}
