/* test_cli_pack.c - the fwpack binary: keygen, export-key, pack (also
 * --codec lzma), inspect, exit codes, and no output file after a failed
 * pack. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fwpack.h"
#include "pack_util.h"

static const char *dir;

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    uint8_t img[20000];
    fwp_image im = {0};
    fwp_err err;
    char *text;
    size_t len;
    pu_firmware(img, sizeof img, 3);
    pu_write(pu_path(dir, "app.bin"), img, sizeof img);
    fwp_image_add(&im, 0x08000000, img, sizeof img, "t", &err);
    fwp_hex_format(&im, &text, &len, &err);
    pu_write(pu_path(dir, "app.hex"), text, len);
    free(text);
    fwp_image_free(&im);
    pu_write_str(pu_path(dir, "bad.hex"), ":0400100001020304E3\n:00000001FF\n");
    return pu_run("keygen -o %s", pu_path(dir, "k.pem"));
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

static void test_help_and_usage(void **state)
{
    (void)state;
    assert_int_equal(pu_run("--help"), 0);
    assert_non_null(strstr(pu_out, "exit codes"));
    assert_int_equal(pu_run("--version"), 0);
    assert_int_equal(pu_run("frobnicate"), 2);
    assert_non_null(strstr(pu_err, "fwpack: unknown command"));
    const char *cmds[] = {"keygen", "export-key", "pack", "inspect"};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(pu_run("%s --help", cmds[i]), 0);
        assert_non_null(strstr(pu_out, "usage: fwpack"));
        assert_int_equal(pu_run("%s --bogus", cmds[i]), 2);
    }
}

static void test_keys(void **state)
{
    (void)state;
    struct stat st;
    assert_int_equal(stat(pu_path(dir, "k.pem"), &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(pu_run("keygen -o %s", pu_path(dir, "k.pem")), 4);
    assert_non_null(strstr(pu_err, "exists"));
    assert_int_equal(pu_run("export-key %s -o %s --json", pu_path(dir, "k.pem"),
                            pu_path(dir, "pub.pem")),
                     0);
    assert_non_null(strstr(pu_out, "\"key_id\":\""));
    assert_int_equal(pu_run("export-key %s --format c -o %s",
                            pu_path(dir, "k.pem"), pu_path(dir, "ring.h")),
                     0);
    char *h = pu_read(pu_path(dir, "ring.h"), NULL);
    assert_non_null(strstr(h, "fwpk_keyring[]"));
    free(h);
    assert_int_equal(
        pu_run("export-key %s --format xml", pu_path(dir, "k.pem")), 2);
    assert_int_equal(pu_run("export-key %s", pu_path(dir, "app.hex")), 3);
    assert_int_equal(pu_run("export-key %s", pu_path(dir, "nope.pem")), 4);
}

static void test_pack_inspect(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "k.pem"), *o = pu_path(dir, "a.fwpk");
    assert_int_equal(pu_run("pack -k %s --version 1.2.3 --mcu stm32g030k8 %s "
                            "-o %s",
                            k, pu_path(dir, "app.hex"), o),
                     0);
    assert_string_equal(pu_out, ""); /* quiet */
    assert_int_equal(pu_run("inspect %s", o), 0);
    assert_non_null(strstr(pu_out, "chain        ok"));
    assert_non_null(strstr(pu_out, "stm32g030k8"));
    assert_int_equal(pu_run("inspect --json %s", o), 0);
    assert_non_null(strstr(pu_out, "\"ok\":true"));
    /* an existing output is replaced, as a compiler's (README, "Outputs") */
    assert_int_equal(
        pu_run("pack -k %s %s -o %s", k, pu_path(dir, "app.hex"), o), 0);
    /* multi-target, bin with address, two keys, determinism */
    const char *m1 = pu_path(dir, "m1.fwpk"), *m2 = pu_path(dir, "m2.fwpk");
    const char *k2 = pu_path(dir, "k2.pem");
    assert_int_equal(pu_run("keygen -o %s", k2), 0);
    /* the same key twice is refused: each key signs once */
    assert_int_equal(
        pu_run("pack -k %s -k %s %s -o %s", k, k, pu_path(dir, "app.hex"), m1),
        2);
    assert_non_null(strstr(pu_err, "are the same key"));
    const char *fmt = "pack -k %s -k %s -t main:nrf52840=%s "
                      "-t radio=%s@0x10000 --frame-size 1024 -o %s";
    assert_int_equal(pu_run(fmt, k, k2, pu_path(dir, "app.hex"),
                            pu_path(dir, "app.bin"), m1),
                     3);
    assert_non_null(strstr(pu_err, "outside flash")); /* nrf52840 at 0 */
    fmt = "pack -k %s -k %s -t main:stm32l432kc=%s -t radio=%s@0x10000 "
          "--frame-size 1024 -o %s";
    assert_int_equal(pu_run(fmt, k, k2, pu_path(dir, "app.hex"),
                            pu_path(dir, "app.bin"), m1),
                     0);
    assert_int_equal(pu_run(fmt, k, k2, pu_path(dir, "app.hex"),
                            pu_path(dir, "app.bin"), m2),
                     0);
    assert_int_equal(pu_run("inspect --json %s", m1), 0);
    assert_non_null(strstr(pu_out, "\"name\":\"radio\""));
}

static void test_deterministic(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "k.pem");
    const char *o1 = pu_path(dir, "d1.fwpk"), *o2 = pu_path(dir, "d2.fwpk");
    const char *bin = pu_path(dir, "app.bin");
    assert_int_equal(
        pu_run("pack -k %s --load-addr 0x08000000 %s -o %s", k, bin, o1), 0);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    assert_int_equal(
        pu_run("pack -k %s --load-addr 0x08000000 %s -o %s --force", k, bin,
               o1),
        0);
    assert_int_equal(
        pu_run("pack -k %s --load-addr 0x08000000 %s -o %s", k, bin, o2), 0);
    unsetenv("SOURCE_DATE_EPOCH");
    size_t a, b;
    char *x = pu_read(o1, &a), *y = pu_read(o2, &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
}

static void test_pack_failures(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "k.pem"), *o = pu_path(dir, "f.fwpk");
    assert_int_equal(
        pu_run("pack -k %s %s -o %s", k, pu_path(dir, "bad.hex"), o), 3);
    assert_non_null(strstr(pu_err, "bad.hex:1: bad checksum"));
    assert_false(pu_exists(o));
    assert_int_equal(
        pu_run("pack -k %s %s -o %s", k, pu_path(dir, "app.bin"), o),
        2); /* .bin without load address */
    assert_int_equal(pu_run("pack %s -o %s", pu_path(dir, "app.hex"), o), 2);
    assert_int_equal(pu_run("pack -k %s %s", k, pu_path(dir, "app.hex")), 2);
    assert_int_equal(
        pu_run("pack -k %s --mcu z80 %s -o %s", k, pu_path(dir, "app.hex"), o),
        2);
    assert_int_equal(
        pu_run("pack -k %s --level 12 %s -o %s", k, pu_path(dir, "app.hex"), o),
        2);
    assert_int_equal(pu_run("pack -k %s --flash-size 0x100 --erase-block "
                            "256 %s -o %s", k, pu_path(dir, "app.hex"), o),
                     3);
    assert_non_null(strstr(pu_err, "outside flash"));
    /* a flash a reader refuses: not whole erase blocks (SPEC.md 4.2); the
     * options chose it, a usage error */
    assert_int_equal(pu_run("pack -k %s --flash-size 0x100 %s -o %s", k,
                            pu_path(dir, "app.hex"), o),
                     2);
    assert_non_null(strstr(pu_err, "not whole erase blocks"));
    assert_int_equal(pu_run("pack -k %s %s -o %s", pu_path(dir, "app.hex"),
                            pu_path(dir, "app.hex"), o),
                     3);
    assert_int_equal(
        pu_run("pack -k %s %s -o %s", k, pu_path(dir, "none.hex"), o), 4);
    assert_int_equal(pu_run("pack -k %s %s -o /nonexistent/dir/x.fwpk", k,
                            pu_path(dir, "app.hex")),
                     4);
    assert_false(pu_exists(o));
    pu_write_str(pu_path(dir, "junk.fwpk"), "not a container");
    assert_int_equal(pu_run("inspect %s", pu_path(dir, "junk.fwpk")), 1);
    assert_non_null(strstr(pu_err, "fwpack: "));
}

/* --codec lzma and its options, inspected and verified. */
static void test_pack_lzma(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "k.pem"), *o = pu_path(dir, "z.fwpk");
    const char *hex = pu_path(dir, "app.hex");
    assert_int_equal(pu_run("pack -k %s --mcu stm32l432kc --codec lzma "
                            "--frame-size 1024 %s -o %s", k, hex, o), 0);
    assert_string_equal(pu_out, "");
    assert_int_equal(pu_run("inspect %s", o), 0);
    /* 20000 bytes: a 32 KiB dictionary, the defaults lc 0 lp 1 pb 1 */
    assert_non_null(strstr(pu_out, "codec        lzma, window bits 15 "
                                   "(dictionary), lc 0 lp 1 pb 1, filter "
                                   "thumb"));
    assert_non_null(strstr(pu_out, "digest       ok"));
    assert_int_equal(pu_run("inspect --json %s", o), 0);
    assert_non_null(strstr(pu_out, "\"codec\":\"lzma\",\"window_bits\":15,"
                                   "\"lzma\":{\"lc\":0,\"lp\":1,\"pb\":1}"));
    assert_non_null(strstr(pu_out, "\"frames\":[1024,1024,"));
    assert_int_equal(pu_run("pack -k %s --codec lzma --lzma-lc 1 --lzma-lp 0 "
                            "--lzma-pb 2 --window-bits 20 --level 6 --force "
                            "%s -o %s", k, hex, o), 0);
    assert_int_equal(pu_run("inspect --json %s", o), 0);
    assert_non_null(strstr(pu_out, "\"window_bits\":20,\"lzma\":{\"lc\":1,"
                                   "\"lp\":0,\"pb\":2}"));
    assert_non_null(strstr(pu_out, "\"ok\":true"));

    /* the device verifier installs it (a 1 MiB dictionary: history read
     * back from flash), piece by piece; a changed byte is refused */
    const char *pub = pu_path(dir, "z.pub");
    assert_int_equal(pu_run("export-key %s -o %s", k, pub), 0);
    assert_int_equal(pu_run("verify -p %s --chunk 7 %s", pub, o), 0);
    assert_non_null(strstr(pu_out, ": ok, target app"));
    size_t len;
    char *box = pu_read(o, &len);
    assert_non_null(box);
    box[len - 3] ^= 0x10;
    const char *bad_box = pu_path(dir, "ztampered.fwpk");
    pu_write(bad_box, box, len);
    free(box);
    assert_int_equal(pu_run("verify -p %s %s", pub, bad_box), 1);
    assert_non_null(strstr(pu_err, "does not match the hash chain"));

    /* usage errors: exit 2, nothing written */
    const char *bad = pu_path(dir, "zbad.fwpk");
    const char *usage[] = {
        "--codec lzma --lzma-lc 3 --lzma-lp 2", /* lc + lp > 4 */
        "--codec lzma --lzma-lc 5",
        "--codec lzma --lzma-pb x",
        "--lzma-lp 1",                          /* without --codec lzma */
        "--codec lzma --window-bits 11",
        "--codec lzma --window-bits 31",
        "--window-bits 16",                     /* lzma's, not deflate's */
        "--codec lzma --level 10",
        "--codec zstd",
    };
    for (size_t i = 0; i < sizeof usage / sizeof usage[0]; i++) {
        assert_int_equal(pu_run("pack -k %s %s %s -o %s", k, usage[i], hex,
                                bad),
                         2);
        assert_non_null(strstr(pu_err, "fwpack: pack: "));
        assert_false(pu_exists(bad));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_usage),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_pack_inspect),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_pack_failures),
        cmocka_unit_test(test_pack_lzma),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
