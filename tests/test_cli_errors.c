/* test_cli_errors.c - what a user sees when something is wrong: every
 * option with a bad value exits 2 with one line naming the option and the
 * reason (long values quoted short), messages that say why (k of n
 * signatures, both MCUs, a firmware file given as a key, UTF-8), inspect
 * on a damaged container, one JSON object from every --json command also
 * on failure, null for "none" in JSON, and container text escaped for
 * the terminal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"
#include "pack_util.h"

static const char *dir;

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

static int setup(void **state)
{
    (void)state;
    uint8_t img[20000];
    fwp_image im = {0};
    fwp_err err;
    char *text;
    size_t len;
    dir = pu_tmpdir();
    pu_firmware(img, sizeof img, 5);
    pu_write(P("app.bin"), img, sizeof img);
    if (fwp_image_add(&im, 0x08000000, img, sizeof img, "t", &err) ||
        fwp_hex_format(&im, &text, &len, &err))
        return -1;
    pu_write(P("app.hex"), text, len);
    free(text);
    fwp_image_free(&im);
    return pu_run("keygen -o %s", P("k.pem")) ||
           pu_run("keygen -o %s", P("k2.pem")) ||
           pu_run("keygen -o %s", P("k3.pem")) ||
           pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem")) ||
           pu_run("export-key %s -o %s", P("k2.pem"), P("pub2.pem")) ||
           pu_run("pack -k %s --version 1.0.0 --mcu stm32l432kc %s -o %s",
                  P("k.pem"), P("app.hex"), P("app.fwpk"));
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* stdout holds exactly one line, a JSON object. */
static void one_json_object(const char *out)
{
    assert_non_null(out);
    size_t n = strlen(out);
    if (n < 3 || out[0] != '{' || out[n - 2] != '}' || out[n - 1] != '\n' ||
        strchr(out, '\n') != out + n - 1)
        fail_msg("not one JSON object on one line:\n%s", out);
}

/* ---- item 4: a bad option value is a usage error (2) ---- */

/* Every option that takes a value, given a bad one: exit 2, one line
 * naming the option (or the argument) and the reason, no output. */
static void test_bad_option_values(void **state)
{
    (void)state;
    char pack[512], unpack[512], verify[512];
    snprintf(pack, sizeof pack, "pack -k %s %s -o %s", P("k.pem"),
             P("app.hex"), P("out.fwpk"));
    snprintf(verify, sizeof verify, "verify -p %s %s", P("pub.pem"),
             P("app.fwpk"));
    snprintf(unpack, sizeof unpack, "unpack -p %s %s -o %s", P("pub.pem"),
             P("app.fwpk"), P("out.hex"));
    const struct {
        const char *cmd, *opts, *want[3];
    } bad[] = {
        {pack, "--version 1.2", {"--version '1.2'", "MAJOR.MINOR.PATCH"}},
        {pack, "--version v1.2.3", {"--version 'v1.2.3'", "expected"}},
        {pack, "--version 1.2.3+abc", {"--version '1.2.3+abc'", "BUILD a"}},
        {pack, "--frame-size 100", {"--frame-size '100'", "256..8192"}},
        {pack, "--window-bits 8", {"--window-bits '8'", "9..15"}},
        {pack, "--window-bits 16", {"--window-bits 16", "9..15"}},
        {pack, "--level 10", {"--level '10'", "0..9 or max"}},
        {pack, "--codec lz4", {"--codec 'lz4'", "none, deflate or lzma"}},
        {pack, "--filter arm", {"--filter 'arm'", "none, thumb or rv32"}},
        {pack, "--max-size big", {"--max-size 'big'", "not a number"}},
        {pack, "--security-counter -1",
         {"--security-counter '-1'", "not a number"}},
        {pack, "--flash-base 0x1g", {"--flash-base '0x1g'", "not a number"}},
        {pack, "--write-unit 3", {"write unit 3", "power of two"}},
        {pack, "--erase-block 3000", {"erase block 3000", "power of two"}},
        {pack, "--product ''", {"--product", "empty"}},
        {pack, "--product "
               "0123456789012345678901234567890123456789012345678901234567890"
               "123456789",
         {"--product '", "longer than 63 bytes"}},
        {pack, "--product \"$(printf 'bad\\377')\"",
         {"--product 'bad\\xff'", "UTF-8"}},
        {pack, "--org \"$(printf '\\303(')\"", {"--org", "not UTF-8"}},
        {pack, "--crop 5", {"--crop '5'", "LO:HI"}},
        {pack, "--exclude 0x2000:0x1000", {"--exclude '0x2000:0x1000'",
                                           "LO < HI"}},
        {pack, "--mcu z80", {"unknown MCU 'z80'", "fwpack mcus"}},
        {"pack -k k -o o.fwpk -t a=x.hex -t a=y.hex", "",
         {"target name 'a' given twice"}},
        {"pack --unsigned -o o.fwpk", "a1.hex a2.hex",
         {"2 files given", "-t NAME=FILE"}},
        {verify, "--chunk 0", {"--chunk '0'", "1..1048576"}},
        {verify, "--min-signatures two", {"--min-signatures 'two'"}},
        {verify, "--min-security-counter x", {"--min-security-counter 'x'"}},
        {unpack, "--format elf", {"--format 'elf'", "hex, srec"}},
        {unpack, "--max-gap 1M", {"--max-gap '1M'", "not a number"}},
        {"export-key", "--format der k.pem", {"--format must be pem, c"}},
        {"export-key --format c", "k.pem@300", {"generation must be 0..255"}},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = pu_run("%s %s", bad[i].cmd, bad[i].opts);
        if (rc != 2)
            fail_msg("exit %d, not 2: fwpack %s %s\n%s", rc, bad[i].cmd,
                     bad[i].opts, pu_err);
        for (int k = 0; k < 3 && bad[i].want[k]; k++)
            if (!strstr(pu_err, bad[i].want[k]))
                fail_msg("fwpack %s %s: no \"%s\" in\n%s", bad[i].cmd,
                         bad[i].opts, bad[i].want[k], pu_err);
        pu_one_error(pu_err, NULL);
        assert_false(pu_exists(P("out.fwpk")));
        assert_false(pu_exists(P("out.hex")));
    }
    /* keygen --encrypt with no passphrase source: nothing given where one
     * is needed (stdin is no terminal) */
    unsetenv("FWPACK_PASSPHRASE");
    assert_int_equal(pu_run("keygen --encrypt -o %s </dev/null", P("e.pem")),
                     2);
    pu_one_error(pu_err, "e.pem", "needs a passphrase",
                 "--passphrase-file", NULL);
    assert_false(pu_exists(P("e.pem")));
}

/* ---- item 5: the reason survives a long value ---- */

static void test_long_values_quoted(void **state)
{
    (void)state;
    static char longv[5001], longname[601];
    memset(longv, '7', sizeof longv - 1);
    memset(longname, 'n', sizeof longname - 1);
    assert_int_equal(pu_run("pack -k %s --version %s %s -o %s", P("k.pem"),
                            longv, P("app.hex"), P("out.fwpk")),
                     2);
    pu_one_error(pu_err, "--version '777", "... (5000 bytes)'",
                 "MAJOR.MINOR.PATCH", NULL);
    assert_true(strlen(pu_err) < 300);
    assert_int_equal(pu_run("pack -k %s -t %s=%s -o %s", P("k.pem"),
                            longname, P("app.hex"), P("out.fwpk")),
                     2);
    pu_one_error(pu_err, "-t NAME 'nnn", "... (600 bytes)'",
                 "longer than 31 bytes", NULL);
    assert_true(strlen(pu_err) < 300);
    assert_false(pu_exists(P("out.fwpk")));
}

/* k of n: how many counted, how many were needed, how many were there. */
static void test_signature_count_message(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s -k %s --version 1.0.0 %s -o %s",
                            P("k.pem"), P("k3.pem"), P("app.hex"),
                            P("two.fwpk")),
                     0);
    assert_int_equal(pu_run("verify -p %s -p %s --min-signatures 2 %s",
                            P("pub.pem"), P("pub2.pem"), P("two.fwpk")),
                     1);
    pu_one_error(pu_err, "two.fwpk: refused", "1 valid signature from "
                 "trusted keys, 2 needed; the container has 2 signatures",
                 NULL);
    assert_int_equal(pu_run("verify -p %s -p %s --min-signatures 2 --json %s",
                            P("pub.pem"), P("pub2.pem"), P("two.fwpk")),
                     1);
    one_json_object(pu_out);
    assert_non_null(strstr(pu_out, "\"problem\":\"1 valid signature"));
}

/* A firmware image given as a key: what it is not, not its size. */
static void test_firmware_as_key(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s",
                            P("app.hex"), P("app.hex"), P("out.fwpk")),
                     3);
    pu_one_error(pu_err, "app.hex: not a PEM or DER key file", NULL);
    assert_null(strstr(pu_err, "file larger than"));
    assert_false(pu_exists(P("out.fwpk")));
    assert_int_equal(pu_run("verify -p %s %s", P("app.fwpk"), P("app.fwpk")),
                     3);
    pu_one_error(pu_err, "app.fwpk: not a", "key", NULL);
}

/* ---- item 3: inspect on a damaged container ---- */

static void test_inspect_damaged(void **state)
{
    (void)state;
    size_t len;
    char *d = pu_read(P("app.fwpk"), &len);
    assert_non_null(d);
    pu_write(P("cut.fwpk"), d, len - 100); /* the last frame cut short */
    free(d);
    assert_int_equal(pu_run("inspect %s", P("cut.fwpk")), 1);
    /* the path once, then the reason from its start */
    char want[600];
    snprintf(want, sizeof want, "fwpack: %s: target app: ", P("cut.fwpk"));
    assert_ptr_equal(strstr(pu_err, want), pu_err);
    const char *first = strstr(pu_err, P("cut.fwpk"));
    assert_null(strstr(first + 1, P("cut.fwpk"))); /* named once */
    pu_one_error(pu_err, "frame", NULL);
    assert_string_equal(pu_out, "");
    assert_int_equal(pu_run("inspect --json %s", P("cut.fwpk")), 1);
    one_json_object(pu_out);
    assert_non_null(strstr(pu_out, "\"command\":\"inspect\",\"ok\":false,"
                                   "\"exit_code\":1,\"error\":\""));
    assert_non_null(strstr(pu_out, "target app: "));
    pu_one_error(pu_err, "target app: ", NULL);
}

/* ---- --json: one object, success or not, for every command ---- */

static void test_json_always_one_object(void **state)
{
    (void)state;
    const char *fails[] = {
        "inspect --json %s/missing.fwpk",
        "verify --json -p %s/pub.pem %s/missing.fwpk",
        "verify --json -p %s/app.hex %s/app.fwpk",
        "unpack --json -p %s/pub2.pem %s/app.fwpk -o x.hex",
        "digest --json %s/app.hex",
        "attach-sig --json %s/app.fwpk --sig %s/app.hex -p %s/pub.pem",
        "keygen --json -o %s/k.pem",
        "export-key --json %s/app.hex -o %s/x.pem",
        "mcus --json --mcu-file %s/app.hex",
        "inspect --json",
        "verify --json --chunk 0 -p %s/pub.pem %s/app.fwpk",
    };
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        int rc = pu_run(fails[i], dir, dir, dir);
        assert_true(rc != 0);
        one_json_object(pu_out);
        if (!strstr(pu_out, "\"ok\":false"))
            fail_msg("%s: %s", fails[i], pu_out);
        assert_true(strlen(pu_err) > 0);
    }
    /* the error object's error is the stderr line without "fwpack: " */
    assert_int_equal(pu_run("inspect --json %s/missing.fwpk", dir), 4);
    assert_non_null(strstr(pu_out, "\"exit_code\":4,\"error\":\""));
    assert_non_null(strstr(pu_out, "missing.fwpk: No such file"));
}

/* One convention for "none" in JSON: null (format/SPEC.md, appendix). */
static void test_json_null_convention(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --load-addr "
                            "0x08000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("gen.fwpk")),
                     0);
    assert_int_equal(pu_run("inspect --json %s", P("gen.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"mcu\":null"));
    assert_non_null(strstr(pu_out, "\"problem\":null"));
    assert_null(strstr(pu_out, "\"\""));
    assert_int_equal(pu_run("verify --json -p %s %s", P("pub.pem"),
                            P("gen.fwpk")),
                     0);
    assert_non_null(strstr(pu_out, "\"mcu\":null"));
    assert_null(strstr(pu_out, "(generic)"));
    assert_null(strstr(pu_out, "\"\""));
}

/* ---- item 9: container text escaped on the terminal ---- */

static void test_escapes_control_characters(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --product "
                            "\"$(printf 'ctl\\001\\033[31mred')\" "
                            "-t \"$(printf 'a\\033b')=%s\" -o %s",
                            P("k.pem"), P("app.hex"), P("ctl.fwpk")),
                     0);
    assert_int_equal(pu_run("inspect %s", P("ctl.fwpk")), 0);
    assert_null(strchr(pu_out, 0x1b));
    assert_null(strchr(pu_out, 0x01));
    assert_non_null(strstr(pu_out, "product      ctl\\x01\\x1b[31mred\n"));
    assert_non_null(strstr(pu_out, "target 0: a\\x1bb\n"));
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("ctl.fwpk")),
                     0);
    assert_null(strchr(pu_out, 0x1b));
    assert_non_null(strstr(pu_out, "target a\\x1bb,"));
    /* error lines too: the target names the refusal lists */
    assert_int_equal(pu_run("verify -p %s --target zz %s", P("pub.pem"),
                            P("ctl.fwpk")),
                     1);
    assert_null(strchr(pu_err, 0x1b));
    pu_one_error(pu_err, "targets: a\\x1bb", NULL);
    assert_int_equal(pu_run("inspect --json %s", P("ctl.fwpk")), 0);
    assert_null(strchr(pu_out, 0x1b));
    assert_non_null(strstr(pu_out, "\"product\":\"ctl\\u0001\\u001b[31mred\""));
}

/* ---- item 10: the top-level help's exit codes ---- */

static void test_help_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(pu_run("--help"), 0);
    assert_non_null(strstr(pu_out, "  3  bad input file"));
    assert_non_null(strstr(pu_out, "larger\n     than --max-size"));
    assert_non_null(strstr(pu_out, "mcus"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_option_values),
        cmocka_unit_test(test_long_values_quoted),
        cmocka_unit_test(test_signature_count_message),
        cmocka_unit_test(test_firmware_as_key),
        cmocka_unit_test(test_inspect_damaged),
        cmocka_unit_test(test_json_always_one_object),
        cmocka_unit_test(test_json_null_convention),
        cmocka_unit_test(test_escapes_control_characters),
        cmocka_unit_test(test_help_exit_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
