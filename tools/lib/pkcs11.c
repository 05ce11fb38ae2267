/*
 * pkcs11.c - Ed25519 signatures from a PKCS#11 token (an HSM, a smart
 * card, SoftHSM2) with CKM_EDDSA, the key named by an RFC 7512 URI:
 *
 *   pkcs11:token=fw;object=release            label of token and key
 *   pkcs11:token=fw;id=%01%02?pin-source=file:/run/pin
 *
 * Path attributes: token, manufacturer, model, serial, slot-id, object,
 * id, type (must be "private").  Query attributes: pin-value, pin-source
 * (a file whose first line is the PIN), module-path.  The module is
 * dlopen'ed (opts->module, else module-path, else p11-kit's proxy, which
 * loads the modules p11-kit is configured with), after the checks in
 * fwpack.h: dlopen runs the library's constructors, so a URI must not be
 * able to name a library another user can write.  A PIN is never part of
 * a message: the URI is shown without its query, and a pin-value put in
 * its path by mistake (';' for '?') is shown as "pin-value=(hidden)".
 * The PIN comes from opts->pin, else pin-value, else pin-source, else the
 * token's PIN pad, else opts->ask.  The public key comes
 * from the public key object with the private key's id (else its label),
 * since the key id is computed from it; the signature is checked with it
 * before it is returned.
 */
#define _GNU_SOURCE /* dladdr: the file of the module loaded */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwpack.h"
#include "p11.h"

#define VAL_MAX 256

enum { A_TOKEN, A_MANUF, A_MODEL, A_SERIAL, A_OBJECT, A_ID, A_SLOT, A_N };

typedef struct {
    char val[A_N][VAL_MAX];
    size_t len[A_N]; /* decoded length (id is binary) */
    int has[A_N];
    char pin[FWP_PASS_MAX];
    int has_pin;
    char pin_source[VAL_MAX], module[VAL_MAX];
    char shown[VAL_MAX]; /* the URI without its query, for messages */
} p11_uri;

static const char *const attr_names[A_N] = {
    "token", "manufacturer", "model", "serial", "object", "id", "slot-id"};

static int hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Percent-decodes s[0..n) into out (cap bytes, NUL added). */
static int decode(const char *s, size_t n, char *out, size_t cap,
                  size_t *len)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)s[i];
        if (c == '%') {
            if (i + 2 >= n)
                return -1;
            int h = hexval(s[i + 1]), l = hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            c = h << 4 | l;
            i += 2;
        }
        if (o + 1 >= cap)
            return -1;
        out[o++] = (char)c;
    }
    out[o] = 0;
    *len = o;
    return 0;
}

static int attr_set(p11_uri *u, const char *s, size_t klen,
                    const char *value, size_t vlen, int query,
                    const char *uri, fwp_err *err)
{
#define KEY(k) (klen == strlen(k) && memcmp(s, k, klen) == 0)
    if (query) {
        if (KEY("pin-value")) {
            memcpy(u->pin, value, vlen + 1);
            u->has_pin = 1;
        } else if (KEY("pin-source") && vlen < VAL_MAX) {
            memcpy(u->pin_source, value, vlen + 1);
        } else if (KEY("module-path") && vlen < VAL_MAX) {
            memcpy(u->module, value, vlen + 1);
        } else if (!KEY("module-name")) {
            return fwp_fail(err, "%s: unknown query attribute '%.*s' "
                                 "(pin-value, pin-source, module-path)",
                            uri, (int)klen, s);
        }
        return 0;
    }
    if (KEY("pin-value"))
        return fwp_fail(err, "%s: pin-value goes in the query (after '?'), "
                             "not in the path", uri);
    for (int a = 0; a < A_N; a++)
        if (KEY(attr_names[a]) && vlen < VAL_MAX) {
            memcpy(u->val[a], value, vlen + 1);
            u->len[a] = vlen;
            u->has[a] = 1;
            return 0;
        }
    if (KEY("type"))
        return strcmp(value, "private") == 0
                   ? 0
                   : fwp_fail(err, "%s: type=%s: signing needs type=private",
                              uri, value);
    if (KEY("library-description") || KEY("library-manufacturer") ||
        KEY("library-version"))
        return 0;
    return fwp_fail(err, "%s: unknown attribute '%.*s' (token, manufacturer, "
                         "model, serial, slot-id, object, id, type)",
                    uri, (int)klen, s);
#undef KEY
}

static int attr(p11_uri *u, const char *s, size_t n, int query,
                const char *uri, fwp_err *err)
{
    const char *eq = memchr(s, '=', n);
    size_t klen = eq ? (size_t)(eq - s) : n, vlen = 0;
    char value[FWP_PASS_MAX];
    int rc;
    if (!eq || decode(eq + 1, n - klen - 1, value, sizeof value, &vlen))
        rc = fwp_fail(err, "%s: bad attribute '%.*s' (NAME=VALUE, %%XX "
                           "escapes)", uri, (int)klen, s);
    else
        rc = attr_set(u, s, klen, value, vlen, query, uri, err);
    sodium_memzero(value, sizeof value);
    return rc;
}

/* The URI's path for messages, any pin-value in it hidden. */
static void shown(const char *uri, size_t path_len, char *out, size_t cap)
{
    static const char pv[] = "pin-value=", hidden[] = "pin-value=(hidden)";
    size_t o = 0, i = strncmp(uri, "pkcs11:", 7) == 0 ? 7 : 0;
    snprintf(out, cap, "%.*s", (int)i, uri);
    o = strlen(out);
    for (const char *sep = ""; i < path_len && o + 1 < cap; sep = ";") {
        size_t n = strcspn(uri + i, ";");
        if (i + n > path_len)
            n = path_len - i;
        int secret = n >= sizeof pv - 1 &&
                     memcmp(uri + i, pv, sizeof pv - 1) == 0;
        snprintf(out + o, cap - o, "%s%.*s", sep,
                 secret ? (int)sizeof hidden - 1 : (int)n,
                 secret ? hidden : uri + i);
        o += strlen(out + o);
        i += n + 1;
    }
}

static int parse_uri(const char *uri, p11_uri *u, fwp_err *err)
{
    memset(u, 0, sizeof *u);
    size_t path_len = strcspn(uri, "?");
    shown(uri, path_len, u->shown, sizeof u->shown);
    if (strncmp(uri, "pkcs11:", 7) != 0)
        return fwp_fail(err, "%s: not a PKCS#11 URI (pkcs11:token=...;"
                             "object=...)", u->shown);
    const char *p = uri + 7, *end = uri + path_len;
    while (p < end) {
        size_t n = strcspn(p, ";");
        if (p + n > end)
            n = (size_t)(end - p);
        if (n && attr(u, p, n, 0, u->shown, err))
            return -1;
        p += n + 1;
    }
    for (p = uri[path_len] ? end + 1 : end; *p;) {
        size_t n = strcspn(p, "&");
        if (n && attr(u, p, n, 1, u->shown, err))
            return -1;
        p += n;
        if (*p)
            p++;
    }
    return 0;
}

/* ---- talking to the module ---- */

static const char *rv_name(CK_RV rv)
{
    static char other[32];
    static const struct {
        CK_RV rv;
        const char *name;
    } names[] = {
        {CKR_ARGUMENTS_BAD, "CKR_ARGUMENTS_BAD"},
        {CKR_DEVICE_ERROR, "CKR_DEVICE_ERROR"},
        {CKR_KEY_TYPE_INCONSISTENT, "CKR_KEY_TYPE_INCONSISTENT"},
        {CKR_KEY_FUNCTION_NOT_PERMITTED, "CKR_KEY_FUNCTION_NOT_PERMITTED"},
        {CKR_MECHANISM_INVALID, "CKR_MECHANISM_INVALID"},
        {CKR_PIN_INCORRECT, "CKR_PIN_INCORRECT"},
        {CKR_PIN_INVALID, "CKR_PIN_INVALID"},
        {CKR_PIN_LEN_RANGE, "CKR_PIN_LEN_RANGE"},
        {CKR_PIN_EXPIRED, "CKR_PIN_EXPIRED"},
        {CKR_PIN_LOCKED, "CKR_PIN_LOCKED"},
        {CKR_TOKEN_NOT_PRESENT, "CKR_TOKEN_NOT_PRESENT"},
        {CKR_USER_NOT_LOGGED_IN, "CKR_USER_NOT_LOGGED_IN"},
        {CKR_USER_PIN_NOT_INITIALIZED, "CKR_USER_PIN_NOT_INITIALIZED"},
        {CKR_BUFFER_TOO_SMALL, "CKR_BUFFER_TOO_SMALL"},
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].rv == rv)
            return names[i].name;
    snprintf(other, sizeof other, "CKR 0x%lx", rv);
    return other;
}

typedef struct {
    const p11_uri *u;
    const fwp_p11_opts *o;
    void *lib;
    const char *module;
    CK_RV (*get)(CK_FUNCTION_LIST **);
    CK_FUNCTION_LIST *f;
    int initialized;
    CK_SLOT_ID slot;
    char token[33];
    CK_SESSION_HANDLE session;
    int open;
    CK_OBJECT_HANDLE key, pub;
} p11_run;

/* One file or directory of a module's path: owned by root or this user,
 * and not writable by group or others (unless a sticky directory). */
static int trusted_one(const p11_run *r, const char *m, const char *p,
                       fwp_err *err)
{
    struct stat st;
    if (stat(p, &st) != 0)
        return fwp_fail(err, "%s: PKCS#11 module %s: %s: %s", r->u->shown, m,
                        p, strerror(errno));
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return fwp_fail(err, "%s: PKCS#11 module %s not loaded: %s belongs "
                             "to uid %u (neither root nor you)",
                        r->u->shown, m, p, (unsigned)st.st_uid);
    if ((st.st_mode & 022) && !(S_ISDIR(st.st_mode) &&
                                (st.st_mode & S_ISVTX)))
        return fwp_fail(err, "%s: PKCS#11 module %s not loaded: %s is "
                             "writable by group or others (mode %03o)",
                        r->u->shown, m, p, (unsigned)(st.st_mode & 0777));
    return 0;
}

/* path and every directory above it (after resolving symbolic links). */
static int trusted_chain(const p11_run *r, const char *m, const char *path,
                         fwp_err *err)
{
    char real[PATH_MAX];
    if (!realpath(path, real))
        return fwp_fail(err, "%s: cannot load PKCS#11 module %s: %s",
                        r->u->shown, m, strerror(errno));
    for (;;) {
        if (trusted_one(r, m, real[0] ? real : "/", err))
            return -1;
        char *slash = strrchr(real, '/');
        if (!slash || !real[0])
            return 0;
        *slash = 0;
    }
}

/* The checks of fwpack.h, before dlopen runs any of the module's code. */
static int module_allowed(const p11_run *r, const char *m, int from_uri,
                          fwp_err *err)
{
    if (from_uri && m[0] != '/')
        return fwp_fail(err, "%s: module-path=%s: not an absolute path "
                             "(give --pkcs11-module to use it)",
                        r->u->shown, m);
    if (!strchr(m, '/'))
        return 0; /* the dynamic linker's search path, as the user asked */
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", m);
    char *slash = strrchr(dir, '/');
    if (slash == dir)
        slash[1] = 0; /* "/x.so" */
    else
        *slash = 0;
    /* the link's own directories too, if m is a symbolic link */
    return trusted_chain(r, m, dir, err) || trusted_chain(r, m, m, err)
               ? -1
               : 0;
}

static void note_loaded(const p11_run *r)
{
    Dl_info info;
    const char *file = r->module;
    if (dladdr(*(void **)&r->get, &info) && info.dli_fname)
        file = info.dli_fname;
    if (r->o->loaded && r->o->loaded_cap)
        snprintf(r->o->loaded, r->o->loaded_cap, "%s", file);
}

static int load_module(p11_run *r, fwp_err *err)
{
    static const char *const defaults[] = {
        FWP_PKCS11_DEFAULT_MODULE,
        "/usr/lib/x86_64-linux-gnu/" FWP_PKCS11_DEFAULT_MODULE,
        "/usr/lib/aarch64-linux-gnu/" FWP_PKCS11_DEFAULT_MODULE,
        "/usr/lib/arm-linux-gnueabihf/" FWP_PKCS11_DEFAULT_MODULE,
        "/usr/lib64/" FWP_PKCS11_DEFAULT_MODULE,
        "/usr/lib/" FWP_PKCS11_DEFAULT_MODULE};
    const char *m = r->o->module ? r->o->module
                    : r->u->module[0] ? r->u->module
                                      : NULL;
    if (m) {
        if (module_allowed(r, m, !r->o->module, err))
            return -1;
        r->module = m;
        r->lib = dlopen(m, RTLD_NOW | RTLD_LOCAL);
    }
    for (size_t i = 0; !m && !r->lib && i < sizeof defaults / sizeof *defaults;
         i++) {
        r->module = defaults[i];
        r->lib = dlopen(defaults[i], RTLD_NOW | RTLD_LOCAL);
    }
    if (!r->lib && m)
        return fwp_fail(err, "%s: cannot load PKCS#11 module %s: %s",
                        r->u->shown, m, dlerror());
    if (!r->lib)
        return fwp_fail(err, "%s: cannot load the default PKCS#11 module "
                             "%s (Debian: p11-kit-modules); give "
                             "--pkcs11-module PATH", r->u->shown,
                        FWP_PKCS11_DEFAULT_MODULE);
    *(void **)&r->get = dlsym(r->lib, "C_GetFunctionList");
    if (!r->get || r->get(&r->f) != CKR_OK || !r->f)
        return fwp_fail(err, "%s: %s is not a PKCS#11 module (no "
                             "C_GetFunctionList)", r->u->shown, r->module);
    note_loaded(r);
    CK_RV rv = r->f->C_Initialize(NULL);
    if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
        return fwp_fail(err, "%s: %s: C_Initialize failed: %s", r->u->shown,
                        r->module, rv_name(rv));
    r->initialized = rv == CKR_OK;
    return 0;
}

/* A blank-padded CK_TOKEN_INFO field, trimmed, as a string. */
static void field(char *out, const CK_BYTE *f, size_t n)
{
    while (n && f[n - 1] == ' ')
        n--;
    memcpy(out, f, n);
    out[n] = 0;
}

static int token_matches(const p11_uri *u, CK_SLOT_ID slot,
                         const CK_TOKEN_INFO *t, char label[33])
{
    char manuf[33], model[17], serial[17];
    field(label, t->label, 32);
    field(manuf, t->manufacturerID, 32);
    field(model, t->model, 16);
    field(serial, t->serialNumber, 16);
    char slot_id[32];
    snprintf(slot_id, sizeof slot_id, "%lu", slot);
    return (!u->has[A_TOKEN] || strcmp(u->val[A_TOKEN], label) == 0) &&
           (!u->has[A_MANUF] || strcmp(u->val[A_MANUF], manuf) == 0) &&
           (!u->has[A_MODEL] || strcmp(u->val[A_MODEL], model) == 0) &&
           (!u->has[A_SERIAL] || strcmp(u->val[A_SERIAL], serial) == 0) &&
           (!u->has[A_SLOT] || strcmp(u->val[A_SLOT], slot_id) == 0);
}

static int find_token(p11_run *r, fwp_err *err)
{
    CK_ULONG n = 0;
    CK_RV rv = r->f->C_GetSlotList(CK_TRUE, NULL, &n);
    CK_SLOT_ID slots[64];
    if (rv == CKR_OK && n > 64)
        n = 64;
    if (rv == CKR_OK && n)
        rv = r->f->C_GetSlotList(CK_TRUE, slots, &n);
    if (rv != CKR_OK && rv != CKR_BUFFER_TOO_SMALL)
        return fwp_fail(err, "%s: %s: C_GetSlotList failed: %s",
                        r->u->shown, r->module, rv_name(rv));
    char seen[256] = "", label[33];
    int found = 0;
    for (CK_ULONG i = 0; i < n && i < 64; i++) {
        CK_TOKEN_INFO t;
        if (r->f->C_GetTokenInfo(slots[i], &t) != CKR_OK ||
            !(t.flags & CKF_TOKEN_INITIALIZED))
            continue; /* SoftHSM2 keeps a blank token in a free slot */
        if (token_matches(r->u, slots[i], &t, label)) {
            if (found++ == 0) {
                r->slot = slots[i];
                memcpy(r->token, label, sizeof label);
            }
        }
        size_t l = strlen(seen);
        snprintf(seen + l, sizeof seen - l, "%s'%s'", l ? ", " : "", label);
    }
    if (found == 1)
        return 0;
    if (found > 1)
        return fwp_fail(err, "%s: %d tokens match; add serial= or slot-id= "
                             "(tokens: %s)", r->u->shown, found, seen);
    return fwp_fail(err, "%s: no such token in %s (tokens: %s)", r->u->shown,
                    r->module, n ? seen : "none");
}

static int read_pin_source(const p11_run *r, char *pin, size_t cap,
                           fwp_err *err)
{
    const char *path = r->u->pin_source;
    uint8_t *data;
    size_t len;
    if (strncmp(path, "file:", 5) == 0)
        path += 5;
    if (fwp_read_secret_file(path, &data, &len, 4096, err))
        return -1;
    fwp_warn_exposed(path, "PIN file");
    size_t n = strcspn((const char *)data, "\r\n");
    int rc = 0;
    if (n == 0 || n >= cap)
        rc = fwp_fail(err, "%s: pin-source %s: no PIN on its first line",
                      r->u->shown, path);
    else {
        memcpy(pin, data, n);
        pin[n] = 0;
    }
    fwp_free_secret(data, len);
    return rc;
}

/* The PIN, by the order in the header comment, into pin (cap bytes). */
static int get_pin(p11_run *r, const CK_TOKEN_INFO *t, char *pin, size_t cap,
                   int *protected_path, fwp_err *err)
{
    char what[VAL_MAX + 16];
    snprintf(what, sizeof what, "token %s", r->token);
    if (r->o->pin) {
        if (strlen(r->o->pin) >= cap)
            return fwp_fail(err, "%s: the PIN is too long", r->u->shown);
        memcpy(pin, r->o->pin, strlen(r->o->pin) + 1);
        return 0;
    }
    if (r->u->has_pin) {
        memcpy(pin, r->u->pin, sizeof r->u->pin);
        return 0;
    }
    if (r->u->pin_source[0])
        return read_pin_source(r, pin, cap, err);
    if (t->flags & CKF_PROTECTED_AUTHENTICATION_PATH) {
        *protected_path = 1; /* PIN pad: C_Login with no PIN */
        return 0;
    }
    if (r->o->ask)
        return r->o->ask(r->o->ask_arg, what, 0, pin, cap, err);
    return fwp_fail(err, "%s: token %s needs a PIN", r->u->shown, r->token);
}

static int login(p11_run *r, fwp_err *err)
{
    CK_TOKEN_INFO t;
    CK_RV rv = r->f->C_GetTokenInfo(r->slot, &t);
    if (rv != CKR_OK)
        return fwp_fail(err, "%s: C_GetTokenInfo failed: %s", r->u->shown,
                        rv_name(rv));
    if (!(t.flags & CKF_LOGIN_REQUIRED))
        return 0;
    int protected_path = 0;
    char *pin = sodium_malloc(FWP_PASS_MAX); /* locked, not in core dumps */
    if (!pin)
        return fwp_fail(err, "%s: out of memory", r->u->shown);
    int rc = get_pin(r, &t, pin, FWP_PASS_MAX, &protected_path, err);
    if (rc == 0) {
        rv = r->f->C_Login(r->session, CKU_USER,
                           protected_path ? NULL : (CK_BYTE *)pin,
                           protected_path ? 0 : (CK_ULONG)strlen(pin));
        if (rv == CKR_PIN_INCORRECT)
            rc = fwp_fail(err, "%s: token %s: wrong PIN", r->u->shown,
                          r->token);
        else if (rv != CKR_OK && rv != CKR_USER_ALREADY_LOGGED_IN)
            rc = fwp_fail(err, "%s: token %s: login failed: %s", r->u->shown,
                          r->token, rv_name(rv));
    }
    sodium_free(pin); /* wipes it */
    return rc;
}

static void set(CK_ATTRIBUTE *a, CK_ATTRIBUTE_TYPE type, const void *p,
                size_t len)
{
    a->type = type;
    a->pValue = (void *)p;
    a->ulValueLen = (CK_ULONG)len;
}

/* Up to two objects of class cls with this label and id (NULL: any). */
static int find(p11_run *r, CK_ULONG cls, const char *label, size_t label_len,
                const uint8_t *id, size_t id_len, CK_OBJECT_HANDLE *objs,
                CK_ULONG *n)
{
    CK_ATTRIBUTE t[3];
    CK_ULONG k = 0;
    set(&t[k++], CKA_CLASS, &cls, sizeof cls);
    if (label)
        set(&t[k++], CKA_LABEL, label, label_len);
    if (id)
        set(&t[k++], CKA_ID, id, id_len);
    CK_RV rv = r->f->C_FindObjectsInit(r->session, t, k);
    if (rv == CKR_OK) {
        rv = r->f->C_FindObjects(r->session, objs, 2, n);
        r->f->C_FindObjectsFinal(r->session);
    }
    return rv == CKR_OK ? 0 : -1;
}

static int find_key(p11_run *r, fwp_err *err)
{
    const p11_uri *u = r->u;
    CK_OBJECT_HANDLE objs[2];
    CK_ULONG n = 0;
    if (find(r, CKO_PRIVATE_KEY, u->has[A_OBJECT] ? u->val[A_OBJECT] : NULL,
             u->len[A_OBJECT],
             u->has[A_ID] ? (const uint8_t *)u->val[A_ID] : NULL,
             u->len[A_ID], objs, &n))
        return fwp_fail(err, "%s: token %s: cannot search for keys",
                        u->shown, r->token);
    if (n == 0)
        return fwp_fail(err, "%s: token %s has no such private key%s",
                        u->shown, r->token,
                        u->has[A_OBJECT] || u->has[A_ID]
                            ? ""
                            : " (give object= or id=)");
    if (n > 1)
        return fwp_fail(err, "%s: token %s has several such private keys: "
                             "give object= and/or id=", u->shown, r->token);
    r->key = objs[0];
    CK_ULONG type = 0;
    CK_ATTRIBUTE a = {CKA_KEY_TYPE, &type, sizeof type};
    if (r->f->C_GetAttributeValue(r->session, r->key, &a, 1) != CKR_OK ||
        type != CKK_EC_EDWARDS)
        return fwp_fail(err, "%s: not an Ed25519 key (CKA_KEY_TYPE 0x%lx, "
                             "expected CKK_EC_EDWARDS)", u->shown, type);
    return 0;
}

/* The public key object that goes with r->key: same CKA_ID, else same
 * CKA_LABEL. */
static int find_pub(p11_run *r, fwp_err *err)
{
    uint8_t id[VAL_MAX];
    char label[VAL_MAX];
    CK_ATTRIBUTE a[2] = {{CKA_ID, id, sizeof id},
                         {CKA_LABEL, label, sizeof label}};
    CK_OBJECT_HANDLE objs[2];
    CK_ULONG n = 0;
    CK_RV rv = r->f->C_GetAttributeValue(r->session, r->key, a, 2);
    int has_id = (rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
                  rv == CKR_BUFFER_TOO_SMALL) &&
                 a[0].ulValueLen != (CK_ULONG)-1 && a[0].ulValueLen > 0 &&
                 a[0].ulValueLen <= sizeof id;
    int has_label = (rv == CKR_OK || rv == CKR_ATTRIBUTE_TYPE_INVALID ||
                     rv == CKR_BUFFER_TOO_SMALL) &&
                    a[1].ulValueLen != (CK_ULONG)-1 && a[1].ulValueLen > 0 &&
                    a[1].ulValueLen <= sizeof label;
    if (has_id && find(r, CKO_PUBLIC_KEY, NULL, 0, id, a[0].ulValueLen, objs,
                       &n) == 0 &&
        n == 1) {
        r->pub = objs[0];
        return 0;
    }
    n = 0;
    if (has_label && find(r, CKO_PUBLIC_KEY, label, a[1].ulValueLen, NULL, 0,
                          objs, &n) == 0 &&
        n == 1) {
        r->pub = objs[0];
        return 0;
    }
    return fwp_fail(err, "%s: token %s: no public key object with the "
                         "private key's id or label (the key id is "
                         "computed from it)", r->u->shown, r->token);
}

/* CKA_EC_POINT: the DER OCTET STRING 04 20 <32 bytes> (PKCS#11 3.0), or
 * the bare 32 bytes some modules return.  CKA_EC_PARAMS must name
 * Ed25519: OID 1.3.101.112 or the PrintableString "edwards25519". */
static int pub_key(p11_run *r, uint8_t pk[32], fwp_err *err)
{
    static const uint8_t oid[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
    static const uint8_t name[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r', 'd',
                                   's', '2', '5', '5', '1', '9'};
    uint8_t point[64], params[64];
    CK_ATTRIBUTE a[2] = {{CKA_EC_POINT, point, sizeof point},
                         {CKA_EC_PARAMS, params, sizeof params}};
    CK_RV rv = r->f->C_GetAttributeValue(r->session, r->pub, a, 2);
    if (rv != CKR_OK)
        return fwp_fail(err, "%s: token %s: cannot read the public key: %s",
                        r->u->shown, r->token, rv_name(rv));
    CK_ULONG pl = a[1].ulValueLen;
    if (!(pl == sizeof oid && memcmp(params, oid, pl) == 0) &&
        !(pl == sizeof name && memcmp(params, name, pl) == 0))
        return fwp_fail(err, "%s: token %s: the key is not Ed25519 "
                             "(CKA_EC_PARAMS names another curve)",
                        r->u->shown, r->token);
    if (a[0].ulValueLen == 34 && point[0] == 0x04 && point[1] == 0x20)
        memcpy(pk, point + 2, 32);
    else if (a[0].ulValueLen == 32)
        memcpy(pk, point, 32);
    else
        return fwp_fail(err, "%s: token %s: CKA_EC_POINT of %lu bytes, "
                             "expected an Ed25519 key", r->u->shown,
                        r->token, a[0].ulValueLen);
    return 0;
}

static int sign(p11_run *r, const uint8_t *msg, size_t len, uint8_t sig[64],
                fwp_err *err)
{
    CK_MECHANISM m = {CKM_EDDSA, NULL, 0};
    CK_ULONG n = 64;
    CK_RV rv = r->f->C_SignInit(r->session, &m, r->key);
    if (rv == CKR_OK)
        rv = r->f->C_Sign(r->session, (CK_BYTE *)msg, (CK_ULONG)len, sig, &n);
    if (rv != CKR_OK)
        return fwp_fail(err, "%s: token %s: CKM_EDDSA signing failed: %s",
                        r->u->shown, r->token, rv_name(rv));
    if (n != 64)
        return fwp_fail(err, "%s: token %s: a %lu-byte signature, expected "
                             "64", r->u->shown, r->token, n);
    return 0;
}

static int run(p11_run *r, const uint8_t *msg, size_t len, uint8_t sig[64],
               uint8_t pk[32], fwp_err *err)
{
    if (load_module(r, err) || find_token(r, err))
        return -1;
    CK_RV rv = r->f->C_OpenSession(r->slot, CKF_SERIAL_SESSION, NULL, NULL,
                                   &r->session);
    if (rv != CKR_OK)
        return fwp_fail(err, "%s: token %s: C_OpenSession failed: %s",
                        r->u->shown, r->token, rv_name(rv));
    r->open = 1;
    if (login(r, err) || find_key(r, err) || find_pub(r, err) ||
        pub_key(r, pk, err) || sign(r, msg, len, sig, err))
        return -1;
    if (crypto_sign_verify_detached(sig, msg, len, pk) != 0)
        return fwp_fail(err, "%s: token %s: the signature does not verify "
                             "with the token's public key object",
                        r->u->shown, r->token);
    return 0;
}

int fwp_p11_uri_check(const char *uri, fwp_err *err)
{
    p11_uri *u = sodium_malloc(sizeof *u); /* it may hold a pin-value */
    if (!u)
        return fwp_fail(err, "out of memory");
    int rc = parse_uri(uri, u, err);
    sodium_free(u); /* wipes it */
    return rc;
}

int fwp_p11_sign(const char *uri, const fwp_p11_opts *o, const uint8_t *msg,
                 size_t len, uint8_t sig[64], uint8_t pk[32], fwp_err *err)
{
    p11_uri *u = sodium_malloc(sizeof *u); /* it may hold a pin-value */
    p11_run r;
    if (!u)
        return fwp_fail(err, "out of memory");
    memset(&r, 0, sizeof r);
    r.u = u;
    r.o = o;
    int rc = parse_uri(uri, u, err);
    if (rc == 0)
        rc = run(&r, msg, len, sig, pk, err);
    if (r.open) {
        r.f->C_Logout(r.session);
        r.f->C_CloseSession(r.session);
    }
    if (r.initialized)
        r.f->C_Finalize(NULL);
    if (r.lib)
        dlclose(r.lib);
    sodium_free(u); /* wipes it */
    return rc;
}
