/* test_keys_pkcs11.c - signing with a real PKCS#11 token: SoftHSM2 in a
 * temporary SOFTHSM2_CONF directory, Ed25519 keys made by pkcs11-tool
 * (opensc), pack --pkcs11 with CKM_EDDSA, the device verifier over the
 * result.  Skipped, with the reason, when softhsm2 or opensc is missing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "keytest.h"
#include "pack_util.h"
#include "procview.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define PROXY "/usr/lib/x86_64-linux-gnu/p11-kit-proxy.so"
#define P11_SOFTHSM "--pkcs11-module " MODULE

static const char *dir;
static char app[512], pub1[512], pub2[512], box[512];
static int have_hsm;

static void tool(const char *args)
{
    assert_int_equal(kt_sh("pkcs11-tool --module " MODULE " %s", args), 0);
}

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    if (!kt_have("softhsm2-util") || !kt_have("pkcs11-tool") ||
        access(MODULE, R_OK) != 0) {
        fprintf(stderr, "test_keys_pkcs11: softhsm2 or opensc (pkcs11-tool) "
                        "not installed: skipped\n");
        return 0;
    }
    have_hsm = 1;
    char conf[600], text[1024];
    snprintf(conf, sizeof conf, "%s", pu_path(dir, "softhsm2.conf"));
    snprintf(text, sizeof text,
             "directories.tokendir = %s/tokens\nobjectstore.backend = file\n"
             "log.level = ERROR\n", dir);
    pu_write_str(conf, text);
    setenv("SOFTHSM2_CONF", conf, 1);
    /* SoftHSM2 2.6.1's EdDSA code leaks an OpenSSL ASN.1 string per
     * signature: not fwpack's leak, keep LeakSanitizer quiet about it */
    snprintf(text, sizeof text, "%s", pu_path(dir, "lsan.supp"));
    pu_write_str(text, "leak:libcrypto.so\nleak:libsofthsm2.so\n");
    char lsan[1200];
    snprintf(lsan, sizeof lsan, "suppressions=%s:print_suppressions=0", text);
    setenv("LSAN_OPTIONS", lsan, 1);
    unsetenv("FWPACK_PKCS11_PIN");
    if (kt_sh("mkdir %s/tokens", dir) ||
        kt_sh("softhsm2-util --init-token --free --label fw --pin 1234 "
              "--so-pin 5678") ||
        kt_sh("pkcs11-tool --module " MODULE " --token-label fw --login "
              "--pin 1234 --keypairgen --key-type EC:edwards25519 --label "
              "release --id 01") ||
        kt_sh("pkcs11-tool --module " MODULE " --token-label fw --login "
              "--pin 1234 --keypairgen --key-type EC:edwards25519 --label "
              "release2 --id 02"))
        return -1;
    snprintf(app, sizeof app, "%s", pu_path(dir, "app.bin"));
    snprintf(pub1, sizeof pub1, "%s", pu_path(dir, "release.pub"));
    snprintf(pub2, sizeof pub2, "%s", pu_path(dir, "release2.pub"));
    snprintf(box, sizeof box, "%s", pu_path(dir, "app.fwpk"));
    kt_firmware(app, 30000, 9);
    /* the public keys as the token gives them (SubjectPublicKeyInfo) */
    if (kt_sh("pkcs11-tool --module " MODULE " --token-label fw "
              "--read-object --type pubkey --label release -o %s", pub1) ||
        kt_sh("pkcs11-tool --module " MODULE " --token-label fw "
              "--read-object --type pubkey --label release2 -o %s", pub2))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("FWPACK_PKCS11_PIN");
    pu_rmdir(dir);
    return 0;
}

static void test_pack_and_verify(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    uint8_t pk[32], id[8];
    char hex[17];
    kt_pub(pub1, pk);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            P11_SOFTHSM " --pkcs11-pin 1234 " KT_GEO
                            " %s -o %s -v", app, box), 0);
    assert_non_null(strstr(kt_out, "1 signature(s)"));
    /* -v says which module was loaded */
    assert_non_null(strstr(kt_out, "pkcs11:token=fw;object=release: signed "
                                   "through PKCS#11 module " MODULE "\n"));
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
    assert_int_equal(kt_run("verify -p %s %s", pub1, box), 0);
    /* signed by the key id of the token's public key */
    fwp_key_id(pk, id);
    sodium_bin2hex(hex, sizeof hex, id, sizeof id);
    assert_int_equal(kt_run("inspect %s", box), 0);
    assert_non_null(strstr(kt_out, hex));
    /* the other key on the token does not verify it */
    kt_pub(pub2, pk);
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_ERR_SIGNATURE);
    /* by CKA_ID, PIN in the environment */
    setenv("FWPACK_PKCS11_PIN", "1234", 1);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;id=%%02' "
                            P11_SOFTHSM " " KT_GEO " %s -o %s --force", app,
                            box), 0);
    unsetenv("FWPACK_PKCS11_PIN");
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
}

static void test_pin_sources(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    const char *pinfile = pu_path(dir, "pin.txt");
    pu_write_str(pinfile, "1234\n");
    /* in the URI: pin-value, pin-source; module-path too */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-value=1234&module-path=" MODULE "' " KT_GEO
                            " %s -o %s --force", app, box), 0);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-source=file:%s' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s --force", pinfile, app, box), 0);
    /* wrong PIN: exit 3, one line, no file, no PIN in the message */
    assert_int_equal(unlink(box), 0);
    setenv("FWPACK_PKCS11_PIN", "9999", 1);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            P11_SOFTHSM " " KT_GEO " %s -o %s", app, box), 3);
    unsetenv("FWPACK_PKCS11_PIN");
    assert_string_equal(kt_err, "fwpack: pkcs11:token=fw;object=release: "
                                "token fw: wrong PIN\n");
    assert_false(pu_exists(box));
    /* on the command line: a warning first (ps shows it) */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            P11_SOFTHSM " --pkcs11-pin 9999 " KT_GEO
                            " %s -o %s", app, box), 3);
    assert_string_equal(kt_err, "fwpack: warning: --pkcs11-pin puts the "
                                "secret on the command line, where other "
                                "users see it (ps) until fwpack has read it; "
                                "use FWPACK_PKCS11_PIN, or pin-source=file:"
                                "PATH in the URI\n"
                                "fwpack: pkcs11:token=fw;object=release: "
                                "token fw: wrong PIN\n");
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-value=4321' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s", app, box), 3);
    assert_null(strstr(kt_err, "4321"));
    /* no PIN anywhere, stdin not a terminal: a usage error */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            P11_SOFTHSM " " KT_GEO " %s -o %s </dev/null",
                            app, box), 2);
    assert_non_null(strstr(kt_err, "token fw: needs a PIN (--pkcs11-pin, "
                                    "FWPACK_PKCS11_PIN"));
    /* on a terminal: asked once, not echoed */
    static const char *const pin[] = {"1234"}, *const bad[] = {"8888"};
    char out[8192], args[2048];
    snprintf(args, sizeof args, "pack --pkcs11 'pkcs11:token=fw;object="
                                "release' " P11_SOFTHSM " " KT_GEO " %s -o %s",
             app, box);
    assert_int_equal(kt_tty(args, bad, 1, out, sizeof out), 3);
    assert_non_null(strstr(out, "PIN for token fw: "));
    assert_non_null(strstr(out, "wrong PIN"));
    assert_null(strstr(out, "8888"));
    assert_int_equal(kt_tty(args, pin, 1, out, sizeof out), 0);
    assert_int_equal(kt_count(out, "PIN for token fw: "), 1);
    assert_null(strstr(out, "1234"));
    assert_true(pu_exists(box));
}

static void test_errors(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    /* what the token or module says: a bad key (3); what the URI itself
     * says: a bad option value (2), refused before packing */
    static const struct {
        const char *uri, *module, *msg;
        int code;
    } cases[] = {
        {"pkcs11:token=nope;object=release", MODULE,
         "no such token in " MODULE " (tokens: 'fw')", 3},
        {"pkcs11:token=fw;object=nope", MODULE,
         "token fw has no such private key", 3},
        {"pkcs11:token=fw", MODULE, "several such private keys", 3},
        {"pkcs11:token=fw;object=release;colour=red", MODULE,
         "--pkcs11 pkcs11:token=fw;object=release;colour=red: unknown "
         "attribute 'colour'", 2},
        {"pkcs11:token=fw;object=release;type=public", MODULE,
         "signing needs type=private", 2},
        {"pkcs11:token=fw;object=%zz", MODULE, "bad attribute", 2},
        {"token=fw;object=release", MODULE, "not a PKCS#11 URI", 2},
        {"pkcs11:token=fw;object=release", "/nonexistent/module.so",
         "cannot load PKCS#11 module /nonexistent/module.so", 3},
        {"pkcs11:token=fw;object=release", "libz.so.1",
         "libz.so.1 is not a PKCS#11 module", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = kt_run("pack --pkcs11 '%s' --pkcs11-module %s "
                        "--pkcs11-pin 1234 " KT_GEO " %s -o %s --force",
                        cases[i].uri, cases[i].module, app,
                        pu_path(dir, "err.fwpk"));
        if (rc != cases[i].code || !strstr(kt_err, cases[i].msg))
            fail_msg("%s: exit %d, %s", cases[i].uri, rc, kt_err);
        assert_false(pu_exists(pu_path(dir, "err.fwpk")));
    }
    /* usage */
    assert_int_equal(kt_run("pack --pkcs11 pkcs11:token=fw --unsigned "
                            KT_GEO " %s -o %s", app, box), 2);
}

/* Which PIN wins: --pkcs11-pin, then the URI's pin-value, then its
 * pin-source, then FWPACK_PKCS11_PIN (the README's order); a wrong one
 * lower down is never tried (a token counts wrong PINs).  A pin-value in
 * the path (';' typed for '?') is refused without showing it. */
static void test_pin_order(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    const char *good = pu_path(dir, "good.pin"), *bad = pu_path(dir, "bad.pin");
    pu_write_str(good, "1234\n");
    pu_write_str(bad, "9999\n");
    chmod(good, 0600);
    chmod(bad, 0600);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-value=9999' " P11_SOFTHSM " --pkcs11-pin "
                            "1234 " KT_GEO " %s -o %s --force", app, box), 0);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-source=file:%s' " P11_SOFTHSM " --pkcs11-pin "
                            "1234 " KT_GEO " %s -o %s --force", bad, app, box),
                     0);
    setenv("FWPACK_PKCS11_PIN", "9999", 1);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-value=1234' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s --force", app, box), 0);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-source=file:%s' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s --force", good, app, box), 0);
    assert_string_equal(kt_err, "");
    unsetenv("FWPACK_PKCS11_PIN");
    /* the PIN file readable by others: a warning */
    chmod(good, 0644);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "pin-source=file:%s' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s --force", good, app, box), 0);
    assert_non_null(strstr(kt_err, "warning: PIN file "));
    assert_non_null(strstr(kt_err, "(mode 644); chmod 600 it"));
    /* ';' for '?': refused, the PIN never shown */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release;"
                            "pin-value=80817263' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s --force", app, box), 2);
    assert_non_null(strstr(kt_err, "pkcs11:token=fw;object=release;"
                                   "pin-value=(hidden): pin-value goes in the "
                                   "query (after '?'), not in the path"));
    assert_null(strstr(kt_err, "80817263"));
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:pin-value=80817263;token="
                            "fw;colour=red' " P11_SOFTHSM " " KT_GEO
                            " %s -o %s --force", app, box), 2);
    assert_null(strstr(kt_err, "80817263"));
}

/* A library with a constructor that leaves a mark: what loading it would
 * run.  Each refused path leaves no mark; the one allowed leaves one. */
static void test_module_paths(void **state)
{
    (void)state;
    if (!kt_have("cc")) {
        fprintf(stderr, "test_module_paths: no C compiler: skipped\n");
        skip();
    }
    const char *src = pu_path(dir, "evil.c"), *mark = pu_path(dir, "mark");
    char so[512], ww[512], args[8192];
    snprintf(so, sizeof so, "%s", pu_path(dir, "evil.so"));
    snprintf(ww, sizeof ww, "%s", pu_path(dir, "ww"));
    pu_write_str(src, "#include <stdio.h>\n#include <stdlib.h>\n"
                      "__attribute__((constructor)) static void run(void)\n"
                      "{ FILE *f = fopen(getenv(\"EVIL_MARK\"), \"w\");\n"
                      "  if (f) fclose(f); }\n");
    assert_int_equal(kt_sh("cc -shared -fPIC -o %s %s", so, src), 0);
    assert_int_equal(chmod(so, 0755), 0);
    assert_int_equal(mkdir(ww, 0777), 0);
    assert_int_equal(chmod(ww, 0777), 0);
    pu_sh("cp %s %s/evil.so && ln -s %s %s/link.so", so, ww, so, ww);
    setenv("EVIL_MARK", mark, 1);
    /* relative, in the URI: refused even where ./evil.so exists */
    char bin[PATH_MAX], err[8192];
    assert_non_null(realpath(getenv("FWPACK") ? getenv("FWPACK")
                                              : "build/test/fwpack", bin));
    snprintf(args, sizeof args, "cd %s && %s pack --pkcs11 'pkcs11:token=fw;"
                                "object=release?module-path=./evil.so' "
                                KT_GEO " app.bin -o m.fwpk", dir, bin);
    assert_int_equal(pu_capture(args, err, sizeof err), 3);
    assert_non_null(strstr(err, "module-path=./evil.so: not an absolute path "
                                "(give --pkcs11-module to use it)"));
    assert_false(pu_exists(mark));
    /* in a directory others can write to, or through a link there */
    static const char *const how[] = {
        "--pkcs11 'pkcs11:token=fw;object=release?module-path=%s/evil.so'",
        "--pkcs11 'pkcs11:token=fw;object=release' --pkcs11-module "
        "%s/evil.so",
        "--pkcs11 'pkcs11:token=fw;object=release' --pkcs11-module "
        "%s/link.so"};
    for (size_t i = 0; i < sizeof how / sizeof how[0]; i++) {
        snprintf(args, sizeof args, how[i], ww);
        int rc = kt_run("pack %s " KT_GEO " %s -o %s --force", args, app,
                        pu_path(dir, "m.fwpk"));
        if (rc != 3 || !strstr(kt_err, "/ww is writable by group or others "
                                        "(mode 777)"))
            fail_msg("%s: exit %d, %s", args, rc, kt_err);
        assert_false(pu_exists(mark));
    }
    /* writable by others, or someone else's */
    assert_int_equal(chmod(so, 0666), 0);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            "--pkcs11-module %s " KT_GEO " %s -o %s --force",
                            so, app, pu_path(dir, "m.fwpk")), 3);
    assert_non_null(strstr(kt_err, "evil.so is writable by group or others "
                                   "(mode 666)"));
    assert_int_equal(chmod(so, 0755), 0);
    if (getuid() == 0) {
        assert_int_equal(chown(so, 65534, 65534), 0);
        assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object="
                                "release' --pkcs11-module %s " KT_GEO
                                " %s -o %s --force", so, app,
                                pu_path(dir, "m.fwpk")), 3);
        assert_non_null(strstr(kt_err, "belongs to uid 65534 (neither root "
                                       "nor you)"));
        assert_int_equal(chown(so, 0, 0), 0);
    }
    assert_false(pu_exists(mark));
    /* absolute, and only root or we can change it: loaded (and found not
     * to be a PKCS#11 module) - the mark shows the check above could fail */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release?"
                            "module-path=%s' " KT_GEO " %s -o %s --force", so,
                            app, pu_path(dir, "m.fwpk")), 3);
    assert_non_null(strstr(kt_err, "evil.so is not a PKCS#11 module"));
    assert_true(pu_exists(mark));
    unsetenv("EVIL_MARK");
}

/* What another user sees while pack waits for the token's PIN, after a
 * key file has signed with FWPACK_PASSPHRASE: no passphrase in
 * /proc/PID/environ (ps e), and the key's seed nowhere in memory. */
typedef struct {
    uint8_t seed[32];
    long environ_len;
    int env_pass, env_name, mem, seed_dd, seed_other;
} pin_wait;

static void probe(int pid, int prompt, void *arg)
{
    pin_wait *w = arg;
    static char text[1 << 16];
    (void)prompt;
    w->environ_len = pv_read(pid, "environ", text, sizeof text);
    w->env_pass = pv_has(text, w->environ_len, "passphrase in env", 17);
    w->env_name = pv_has(text, w->environ_len, "FWPACK_PASSPHRASE=", 18);
    w->mem = pv_scan(pid, w->seed, 32, &w->seed_dd, &w->seed_other) == 0;
}

static void test_environment_cleared(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    static pin_wait w;
    const char *k = pu_path(dir, "env.pem");
    setenv("FWPACK_PASSPHRASE", "passphrase in env", 1);
    assert_int_equal(kt_run("keygen --encrypt -o %s", k), 0);
    kt_seed(k, "passphrase in env", w.seed);
    char args[2048], out[8192];
    snprintf(args, sizeof args, "pack -k %s --pkcs11 'pkcs11:token=fw;object="
                                "release' " P11_SOFTHSM " " KT_GEO " %s -o %s "
                                "--force", k, app, box);
    static const char *const pin[] = {"1234"};
    kt_tty_opts o = {0, probe, &w};
    assert_int_equal(kt_tty_ex(args, pin, 1, out, sizeof out, &o), 0);
    unsetenv("FWPACK_PASSPHRASE");
    assert_int_equal(kt_count(out, "PIN for token fw: "), 1);
    assert_true(w.environ_len > 0);
    assert_true(w.env_name);
    assert_false(w.env_pass);
    if (w.mem) {
        assert_int_equal(w.seed_dd + w.seed_other, 0);
    } else {
        assert_true(getuid() != 0);
        fprintf(stderr, "test_environment_cleared: not root: memory not "
                        "scanned\n");
    }
}

/* A key file and two token keys: three signatures, 3-of-3 met. */
static void test_several_signers(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    const char *k = pu_path(dir, "file.pem");
    assert_int_equal(kt_run("keygen -o %s", k), 0);
    assert_int_equal(kt_run("pack -k %s --pkcs11 'pkcs11:token=fw;object="
                            "release' --pkcs11 'pkcs11:token=fw;object="
                            "release2' " P11_SOFTHSM " --pkcs11-pin 1234 "
                            KT_GEO " %s -o %s --force", k, app, box), 0);
    uint8_t ring[3][32];
    kt_pub(k, ring[0]);
    kt_pub(pub1, ring[1]);
    kt_pub(pub2, ring[2]);
    box_policy pol = {0};
    pol.min_signatures = 3;
    assert_int_equal(kt_verify_file(box, ring, 3, &pol), FWPK_OK);
    /* the same token key twice */
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            "--pkcs11 'pkcs11:token=fw;id=%%01' " P11_SOFTHSM
                            " --pkcs11-pin 1234 " KT_GEO " %s -o %s --force",
                            app, box), 3);
    assert_non_null(strstr(kt_err, "already signed by key"));
}

/* The token signs outside fwpack (pkcs11-tool), attach-sig adds it.
 * (pkcs11-tool 0.23 picks the key by --id: with --label it signed with
 * "release2" here.) */
static void test_external_with_pkcs11_tool(void **state)
{
    (void)state;
    if (!have_hsm)
        skip();
    const char *msg = pu_path(dir, "msg.bin"), *sig = pu_path(dir, "sig.bin");
    assert_int_equal(kt_run("pack --unsigned " KT_GEO " %s -o %s --force", app,
                            box), 0);
    assert_int_equal(kt_run("digest %s -o %s --force", box, msg), 0);
    char args[1024];
    snprintf(args, sizeof args, "--token-label fw --login --pin 1234 --sign "
                                "--mechanism EDDSA --id 01 -i %s -o %s",
             msg, sig);
    tool(args);
    assert_int_equal(kt_run("attach-sig %s --sig %s -p %s", box, sig, pub1),
                     0);
    uint8_t pk[32];
    kt_pub(pub1, pk);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
}

/* No --pkcs11-module: p11-kit's proxy, which loads SoftHSM2 through its
 * p11-kit module registration (/usr/share/p11-kit/modules). */
static void test_default_module(void **state)
{
    (void)state;
    if (!have_hsm || access(PROXY, R_OK) != 0 ||
        access("/usr/share/p11-kit/modules/softhsm2.module", R_OK) != 0) {
        fprintf(stderr, "test_default_module: p11-kit-modules or SoftHSM2's "
                        "p11-kit registration missing: skipped\n");
        skip();
    }
    setenv("FWPACK_PKCS11_PIN", "1234", 1);
    assert_int_equal(kt_run("pack --pkcs11 'pkcs11:token=fw;object=release' "
                            KT_GEO " %s -o %s --force -v", app, box), 0);
    unsetenv("FWPACK_PKCS11_PIN");
    /* -v: the file the dynamic linker found for the bare name */
    assert_non_null(strstr(kt_out, "object=release: signed through PKCS#11 "
                                   "module /"));
    assert_non_null(strstr(kt_out, "/" FWP_PKCS11_DEFAULT_MODULE "\n"));
    uint8_t pk[32];
    kt_pub(pub1, pk);
    box_policy pol = {0};
    assert_int_equal(kt_verify_file(box, &pk, 1, &pol), FWPK_OK);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pack_and_verify),
        cmocka_unit_test(test_pin_sources),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_pin_order),
        cmocka_unit_test(test_module_paths),
        cmocka_unit_test(test_environment_cleared),
        cmocka_unit_test(test_several_signers),
        cmocka_unit_test(test_external_with_pkcs11_tool),
        cmocka_unit_test(test_default_module),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
