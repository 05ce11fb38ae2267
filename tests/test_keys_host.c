/* test_keys_host.c - the signing host, seen by another user of a shared
 * build machine while pack waits for a passphrase: what ps shows (argv,
 * environment), whether a core file could be written, and where the
 * secrets are in pack's memory (what a core or a reader of /proc/PID/mem
 * would get).  pack runs on a pseudo-terminal as uid 65534 when the test
 * runs as root (so that /proc/PID's owner tells whether it is dumpable);
 * the memory itself is read as root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keytest.h"
#include "pack_util.h"
#include "procview.h"

#define NOBODY 65534u
#define PASS1 "first passphrase, typed"
#define PASS2 "second passphrase, typed"
#define ARGPIN "ArgPin7770"
#define URIPIN "UriPin5550"
#define ENVPIN "EnvPin3330"

static const char *dir;

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    unsetenv("FWPACK_PASSPHRASE");
    unsetenv("FWPACK_PKCS11_PIN");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("FWPACK_PASSPHRASE");
    unsetenv("FWPACK_PKCS11_PIN");
    pu_rmdir(dir);
    return 0;
}

/* An encrypted key file with this passphrase; its seed into seed. */
static void make_key(const char *path, const char *pass, uint8_t seed[32])
{
    setenv("FWPACK_PASSPHRASE", pass, 1);
    assert_int_equal(kt_run("keygen --encrypt -o %s", path), 0);
    unsetenv("FWPACK_PASSPHRASE");
    kt_seed(path, pass, seed);
}

/* What the probe saw at the second prompt. */
typedef struct {
    uint8_t seed0[32], seed1[32];
    char pem0[65]; /* the base64 line of the plain key file k0 */
    int seen, uid_ok;
    long cmdline_len, environ_len, core, owner;
    int argv_pin, argv_uri_pin, argv_uri, env_pin, env_name;
    int mem;  /* pv_scan worked */
    int asan; /* an ASan build: its runtime copies /proc/self/environ */
    int pass1[2], seed[2], arg_pin[2], uri_pin[2], env_pin_mem[2];
    int plain_seed[2], plain_text[2];
} seen_t;

static void probe(int pid, int prompt, void *arg)
{
    seen_t *s = arg;
    static char text[1 << 16];
    if (prompt != 1)
        return; /* the first key has signed; the second is asked for */
    s->seen = 1;
    s->cmdline_len = pv_read(pid, "cmdline", text, sizeof text);
    s->argv_pin = pv_has(text, s->cmdline_len, ARGPIN, strlen(ARGPIN));
    s->argv_uri_pin = pv_has(text, s->cmdline_len, URIPIN, strlen(URIPIN));
    s->argv_uri = pv_has(text, s->cmdline_len, "?pin-value=", 11);
    s->environ_len = pv_read(pid, "environ", text, sizeof text);
    s->env_pin = pv_has(text, s->environ_len, ENVPIN, strlen(ENVPIN));
    s->env_name = pv_has(text, s->environ_len, "FWPACK_PKCS11_PIN=", 18);
    s->core = pv_core_limit(pid);
    s->owner = pv_owner(pid);
    char want[64];
    snprintf(want, sizeof want, "Uid:\t%u\t", getuid() ? getuid() : NOBODY);
    s->uid_ok = pv_read(pid, "status", text, sizeof text) > 0 &&
                strstr(text, want) != NULL;
    s->asan = pv_read(pid, "maps", text, sizeof text) > 0 &&
              strstr(text, "libasan") != NULL;
    s->mem = pv_scan(pid, PASS1, strlen(PASS1), &s->pass1[0],
                     &s->pass1[1]) == 0;
    if (!s->mem)
        return;
    pv_scan(pid, s->seed1, 32, &s->seed[0], &s->seed[1]);
    pv_scan(pid, s->seed0, 32, &s->plain_seed[0], &s->plain_seed[1]);
    pv_scan(pid, s->pem0, 64, &s->plain_text[0], &s->plain_text[1]);
    pv_scan(pid, ARGPIN, strlen(ARGPIN), &s->arg_pin[0], &s->arg_pin[1]);
    pv_scan(pid, URIPIN, strlen(URIPIN), &s->uri_pin[0], &s->uri_pin[1]);
    pv_scan(pid, ENVPIN, strlen(ENVPIN), &s->env_pin_mem[0],
            &s->env_pin_mem[1]);
}

/* pack -k k0 -k k1 -k k2 (k0 plain, the others encrypted) with a PIN on
 * the command line (twice) and one in the environment, stopped at the
 * second passphrase prompt: k0 and k1 have signed. */
static void test_what_others_see(void **state)
{
    (void)state;
    static seen_t s;
    uint8_t seed2[32];
    const char *run = pu_path(dir, "host"); /* open to uid 65534 */
    assert_int_equal(mkdir(run, 0777), 0);
    assert_int_equal(chmod(dir, 0711), 0);
    assert_int_equal(chmod(run, 0777), 0);
    char k0[512], k1[512], k2[512], app[512], out[512];
    snprintf(k0, sizeof k0, "%s/k0.pem", run);
    snprintf(k1, sizeof k1, "%s/k1.pem", run);
    snprintf(k2, sizeof k2, "%s/k2.pem", run);
    snprintf(app, sizeof app, "%s/app.bin", run);
    snprintf(out, sizeof out, "%s/out.fwpk", run);
    assert_int_equal(kt_run("keygen -o %s", k0), 0);
    kt_seed(k0, NULL, s.seed0);
    char *text = pu_read(k0, NULL);
    memcpy(s.pem0, strchr(text, '\n') + 1, 64); /* holds the seed */
    free(text);
    make_key(k1, PASS1, s.seed1);
    make_key(k2, PASS2, seed2);
    kt_firmware(app, 20000, 3);
    if (getuid() == 0)
        pu_sh("chown %u:%u %s %s %s %s", NOBODY, NOBODY, k0, k1, k2, app);
    char args[4096], tty[8192];
    snprintf(args, sizeof args,
             "pack -k %s -k %s -k %s --pkcs11 'pkcs11:token=x;object=y?"
             "pin-value=" URIPIN "' --pkcs11-pin " ARGPIN " --pkcs11-module "
             "/nonexistent/p11.so " KT_GEO " %s -o %s",
             k0, k1, k2, app, out);
    static const char *const answers[] = {PASS1, PASS2};
    kt_tty_opts o = {NOBODY, probe, &s};
    setenv("FWPACK_PKCS11_PIN", ENVPIN, 1);
    int rc = kt_tty_ex(args, answers, 2, tty, sizeof tty, &o);
    unsetenv("FWPACK_PKCS11_PIN");
    /* both keys signed; the token's module does not exist */
    assert_int_equal(rc, 3);
    assert_non_null(strstr(tty, "cannot load PKCS#11 module "
                                "/nonexistent/p11.so"));
    assert_non_null(strstr(tty, "warning: --pkcs11-pin puts the secret"));
    assert_non_null(strstr(tty, "warning: pin-value in a --pkcs11 URI"));
    assert_true(s.seen);
    assert_true(s.uid_ok);
    /* ps: the command line without the PINs, the URI still there */
    assert_true(s.cmdline_len > 0);
    assert_true(s.argv_uri);
    assert_false(s.argv_pin);
    assert_false(s.argv_uri_pin);
    /* ps e: the environment without the PIN's value */
    assert_true(s.environ_len > 0);
    assert_true(s.env_name);
    assert_false(s.env_pin);
    /* no core file, and not dumpable: /proc/PID belongs to root */
    assert_int_equal(s.core, 0);
    assert_int_equal(s.owner, 0);
    if (!s.mem) {
        assert_true(getuid() != 0);
        fprintf(stderr, "test_what_others_see: not root: /proc/PID/mem is "
                        "closed (as it should be); memory not scanned\n");
        return;
    }
    /* memory: the first key and its passphrase are gone; the PINs are
     * only in locked pages that a core dump leaves out ("dd").  (ASan's
     * runtime keeps a copy of /proc/self/environ, read before main: with
     * the test build, the environment's PIN is also there.) */
    printf("# memory hits (dd, other): passphrase 1 %d %d, seed 1 %d %d, "
           "plain key file %d %d, its seed %d %d, --pkcs11-pin %d %d, "
           "pin-value %d %d, env PIN %d %d\n",
           s.pass1[0], s.pass1[1], s.seed[0], s.seed[1], s.plain_text[0],
           s.plain_text[1], s.plain_seed[0], s.plain_seed[1], s.arg_pin[0],
           s.arg_pin[1], s.uri_pin[0], s.uri_pin[1], s.env_pin_mem[0],
           s.env_pin_mem[1]);
    assert_int_equal(s.pass1[0] + s.pass1[1], 0);
    assert_int_equal(s.seed[0] + s.seed[1], 0);
    assert_int_equal(s.plain_text[0] + s.plain_text[1], 0);
    assert_int_equal(s.plain_seed[0] + s.plain_seed[1], 0);
    assert_true(s.arg_pin[0] >= 1);
    assert_int_equal(s.arg_pin[1], 0);
    assert_true(s.uri_pin[0] >= 1);
    assert_int_equal(s.uri_pin[1], 0);
    assert_true(s.env_pin_mem[0] >= 1);
    if (!s.asan)
        assert_int_equal(s.env_pin_mem[1], 0);
}

/* getopt_long took "--passphrase SECRET" for --passphrase-file SECRET,
 * and printed SECRET as a file name: no abbreviations, and no value of an
 * option is ever part of the message. */
static void test_no_abbreviations(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "abbr.pem"), *app = pu_path(dir, "abbr.bin");
    kt_firmware(app, 3000, 2);
    assert_int_equal(kt_run("keygen -o %s", k), 0);
    static const struct {
        const char *cmd, *args, *name;
    } cases[] = {
        {"pack", "--passphrase Secret4401", "--passphrase"},
        {"pack", "--passphrase=Secret4402", "--passphrase"},
        {"pack", "--pkcs11-p Secret4403", "--pkcs11-p"},
        {"pack", "--pkcs11-pi=Secret4404", "--pkcs11-pi"},
        {"pack", "--outp x.fwpk", "--outp"},
        {"keygen", "--encr", "--encr"},
        {"export-key", "--form c", "--form"},
        {"inspect", "--js", "--js"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char args[1024], want[600];
        snprintf(args, sizeof args, "%s -k %s %s --load-addr 0x08000000 %s "
                                    "-o %s.fwpk",
                 cases[i].cmd, k, cases[i].args, app, app);
        if (strcmp(cases[i].cmd, "pack") != 0)
            snprintf(args, sizeof args, "%s %s %s", cases[i].cmd,
                     cases[i].args, k);
        snprintf(want, sizeof want, "fwpack: %s: unknown option %s (options "
                                    "are not abbreviated; see fwpack %s "
                                    "--help)\n",
                 cases[i].cmd, cases[i].name, cases[i].cmd);
        int rc = kt_run("%s", args);
        if (rc != 2 || strcmp(kt_err, want) != 0)
            fail_msg("%s: exit %d, %s", args, rc, kt_err);
        assert_null(strstr(kt_err, "Secret44"));
        assert_false(pu_exists(pu_path(dir, "abbr.bin.fwpk")));
    }
    /* an unknown option with a value, a secret option without one */
    assert_int_equal(kt_run("pack --bogus=Secret4405 -k %s %s -o %s.fwpk", k,
                            app, app), 2);
    assert_string_equal(kt_err, "fwpack: pack: bad option or missing "
                                "argument: --bogus (see fwpack pack --help)\n");
    assert_int_equal(kt_run("pack -k %s %s -o %s.fwpk --pkcs11-pin", k, app,
                            app), 2);
    assert_string_equal(kt_err, "fwpack: pack: bad option or missing "
                                "argument: --pkcs11-pin (see fwpack pack "
                                "--help)\n");
    /* whole names work */
    assert_int_equal(kt_run("pack -k %s --load-addr 0x08000000 %s --output "
                            "%s.fwpk", k, app, app), 0);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_what_others_see),
        cmocka_unit_test(test_no_abbreviations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
