/* test_keys_host.c - the signing host, seen by another user of a shared
 * build machine: what fwpack's messages and ps show of its secrets. */
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
        cmocka_unit_test(test_no_abbreviations),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
