/* sign.c - see sign.h. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "sign.h"

/* Appends sig (by pk) to the container; 0 or -1 with err set. */
static int append(const char *name, const uint8_t pk[32],
                  const uint8_t sig[64], uint8_t **box, size_t *len,
                  fwp_err *err)
{
    uint8_t *out;
    size_t out_len;
    if (fwp_sig_append(*box, *len, name, pk, sig, &out, &out_len, err))
        return -1;
    free(*box);
    *box = out;
    *len = out_len;
    return 0;
}

/* The passphrase source, and whether any key asked it. */
typedef struct {
    cli_secret pass;
    int asked;
} pass_use;

static int get_pass(void *arg, const char *what, int confirm, char *buf,
                    size_t cap, fwp_err *err)
{
    pass_use *u = arg;
    u->asked = 1;
    return cli_secret_get(&u->pass, what, confirm, buf, cap, err);
}

/* Key file i, loaded into kp (locked memory), signs the digest. */
static int sign_with_file(const cli_keys *k, size_t i, fwp_keypair *kp,
                          pass_use *use, const uint8_t digest[64],
                          uint8_t sig[64], fwp_err *err)
{
    if (fwp_key_load_private_pass(k->files[i], kp, get_pass, use,
                                  k->kdf_flags, err))
        return -1;
    crypto_sign_detached(sig, NULL, digest, 64, kp->sk);
    return 0;
}

int cli_keys_sign(const cli_keys *k, const char *name, uint8_t **box,
                  size_t *len)
{
    uint8_t pks[FWPK_MAX_SIGNATURES][32];
    fwp_keypair *kp = cli_secret_alloc(sizeof *kp);
    pass_use use = {cli_passphrase(k->pass_file), 0};
    if (!kp)
        return cli_error(EXIT_IO, "pack: out of memory");
    for (size_t i = 0; i < k->count; i++) {
        fwp_layout lay;
        fwp_err err;
        uint8_t sig[64];
        int rc = fwp_layout_parse(*box, *len, name, &lay, &err) ||
                 sign_with_file(k, i, kp, &use, lay.signed_digest, sig,
                                &err);
        memcpy(pks[i], kp->pk, 32);
        sodium_memzero(kp, sizeof *kp); /* each key lives for one signature */
        if (rc) {
            cli_secret_free(kp);
            return cli_fail(&err, EXIT_INPUT);
        }
        for (size_t j = 0; j < i; j++)
            if (memcmp(pks[j], pks[i], 32) == 0) {
                cli_secret_free(kp);
                return cli_error(EXIT_USAGE, "pack: %s and %s are the same "
                                             "key: each signs once",
                                 k->files[j], k->files[i]);
            }
        if (append(name, pks[i], sig, box, len, &err)) {
            cli_secret_free(kp);
            return cli_fail(&err, EXIT_INPUT);
        }
    }
    cli_secret_free(kp);
    /* a passphrase for keys that have none: likely the wrong key file */
    if (k->pass_file && k->count && !use.asked)
        cli_error(0, "warning: --passphrase-file %s: no key given is "
                     "encrypted, the passphrase was not used",
                  k->pass_file);
    return 0;
}

/* ---- PKCS#11 ---- */

int cli_p11_add_uri(cli_p11 *p, char *arg)
{
    static const char pv[] = "pin-value=";
    fwp_err err;
    char *copy = cli_secret_copy(arg, strlen(arg));
    if (!copy)
        return cli_error(EXIT_IO, "pack: out of memory");
    p->uris[p->count++] = copy; /* freed with the others, even if bad */
    int warned = 0;
    for (char *at = strstr(arg, pv); at; at = strstr(at, pv)) {
        at += sizeof pv - 1;
        size_t n = strcspn(at, ";&?");
        sodium_memzero(at, n); /* ps shows argv: the PIN goes */
        if (!warned++)
            cli_error(0, "warning: pin-value in a --pkcs11 URI puts the PIN "
                         "on the command line, where other users see it "
                         "(ps) until fwpack has read it; use pin-source="
                         "file:PATH or FWPACK_PKCS11_PIN");
        at += n;
    }
    if (fwp_p11_uri_check(copy, &err))
        return cli_error(EXIT_USAGE, "pack: --pkcs11 %s", err.msg);
    return 0;
}

int cli_p11_set_pin(cli_p11 *p, char *arg)
{
    p->pin = cli_secret_from_argv(arg, "--pkcs11-pin",
                                  "FWPACK_PKCS11_PIN, or pin-source=file:PATH "
                                  "in the URI");
    return p->pin ? 0 : EXIT_IO;
}

int cli_p11_sign(const cli_p11 *p, const char *name, uint8_t **box,
                 size_t *len)
{
    cli_secret pin = {NULL, NULL, "FWPACK_PKCS11_PIN", "PIN",
                      "--pkcs11-pin, FWPACK_PKCS11_PIN, pin-value or "
                      "pin-source in the URI, or a terminal"};
    char loaded[512];
    fwp_p11_opts o = {p->module, p->pin, cli_secret_get, &pin, loaded,
                      sizeof loaded};
    for (size_t i = 0; i < p->count; i++) {
        fwp_layout lay;
        fwp_err err;
        uint8_t sig[64], pk[32];
        loaded[0] = 0;
        if (fwp_layout_parse(*box, *len, name, &lay, &err) ||
            fwp_p11_sign(p->uris[i], &o, lay.signed_digest,
                         sizeof lay.signed_digest, sig, pk, &err) ||
            append(name, pk, sig, box, len, &err))
            return cli_fail(&err, EXIT_INPUT);
        if (p->verbose)
            printf("%.*s: signed through PKCS#11 module %s\n",
                   (int)strcspn(p->uris[i], "?"), p->uris[i], loaded);
    }
    return 0;
}
