/* test_cli_outputs.c - what commands write, and when they refuse to: an
 * output that is an input (any name), -o DIR, errors that name the output
 * and not its temporary file, outputs replaced but keys kept, - for stdin
 * and stdout, --crop/--exclude and data far outside flash, gaps in a raw
 * binary, progress only on a terminal, stopping early at --max-size, the
 * identity Notehub shows without --version/--product, and the Makefile
 * keeping its objects. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fwpack.h"
#include "pack_util.h"

static const char *dir;
static char *app_hex; /* its text, to see that it is unchanged */

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

/* The fwpack under test, for shell lines that redirect its stdout. */
static const char *fwpack(void)
{
    return getenv("FWPACK") ? getenv("FWPACK") : "build/test/fwpack";
}

/* Intel HEX of segments (addr, len) of firmware-like bytes. */
static void write_hex(const char *path, const uint32_t *addr,
                      const uint32_t *len, size_t n)
{
    fwp_image im = {0};
    fwp_err err;
    char *text;
    size_t tlen;
    for (size_t i = 0; i < n; i++) {
        uint8_t *d = malloc(len[i]);
        assert_non_null(d);
        pu_firmware(d, len[i], (uint32_t)i + 1);
        assert_int_equal(fwp_image_add(&im, addr[i], d, len[i], "t", &err),
                         0);
        free(d);
    }
    assert_int_equal(fwp_hex_format(&im, &text, &tlen, &err), 0);
    pu_write(path, text, tlen);
    free(text);
    fwp_image_free(&im);
}

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    uint32_t a[] = {0x08000000}, l[] = {12000};
    write_hex(P("app.hex"), a, l, 1);
    app_hex = pu_read(P("app.hex"), NULL);
    /* an nRF51 build: code from 0, and a UICR word at 0x100010c0 */
    uint32_t na[] = {0x0, 0x100010c0}, nl[] = {20000, 4};
    write_hex(P("nrf.hex"), na, nl, 2);
    return pu_run("keygen -o %s", P("k.pem")) ||
           pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem")) ||
           pu_run("pack -k %s --version 1.0.0 %s -o %s", P("k.pem"),
                  P("app.hex"), P("app.fwpk"));
}

static int teardown(void **state)
{
    (void)state;
    free(app_hex);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* ---- item 6: outputs ---- */

/* Never replace an input: same file by any name, --force or not. */
static void test_output_is_an_input(void **state)
{
    (void)state;
    assert_int_equal(link(P("app.hex"), P("alias.hex")), 0);
    const char *cases[][2] = {
        {"pack -k %s --version 1.0.0 %s -o %s", "app.hex"},
        {"pack -k %s --version 1.0.0 %s -o %s --force", "app.hex"},
        {"pack -k %s --version 1.0.0 %s -o %s", "alias.hex"},
        {"pack -k %s --version 1.0.0 %s -o %s", "k.pem"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(pu_run(cases[i][0], P("k.pem"), P("app.hex"),
                                P(cases[i][1])),
                         2);
        pu_one_error(pu_err, "pack: -o ", cases[i][1], "is the input",
                     "refusing to overwrite", NULL);
    }
    char *now = pu_read(P("app.hex"), NULL);
    assert_string_equal(now, app_hex);
    free(now);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("app.fwpk"), P("app.fwpk")),
                     2);
    pu_one_error(pu_err, "unpack: -o ", "is the input", NULL);
    assert_int_equal(pu_run("digest %s -o %s", P("app.fwpk"), P("app.fwpk")),
                     2);
    assert_int_equal(pu_run("export-key %s -o %s --force", P("k.pem"),
                            P("k.pem")),
                     2);
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("app.fwpk")),
                     0); /* all still intact */
}

/* -o DIR: the same one line with or without --force (not "file exists"
 * first and "Is a directory" after), before any work; nothing inside. */
static void test_output_directory(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("outdir"), 0755), 0);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s", P("k.pem"),
                            P("app.hex"), P("outdir")),
                     4);
    pu_one_error(pu_err, "outdir: a directory, not a regular file", NULL);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s --force",
                            P("k.pem"), P("app.hex"), P("outdir")),
                     4);
    pu_one_error(pu_err, "outdir: a directory, not a regular file", NULL);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("app.fwpk"), P("outdir")),
                     4);
    assert_int_equal(pu_run("keygen -o %s", P("outdir")), 4);
    assert_int_equal(rmdir(P("outdir")), 0); /* still empty */
}

/* A write that fails names the output, never "OUT.tmp.PID". */
static void test_errors_name_the_output(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s",
                            P("k.pem"), P("app.hex"), P("nodir/a.fwpk")),
                     4);
    pu_one_error(pu_err, "nodir/a.fwpk: ", "No such file or directory",
                 NULL);
    assert_null(strstr(pu_err, ".tmp."));
    assert_int_equal(pu_run("unpack -p %s %s -o /proc/fwpack-test.hex",
                            P("pub.pem"), P("app.fwpk")),
                     4);
    pu_one_error(pu_err, "/proc/fwpack-test.hex: ", NULL);
    assert_null(strstr(pu_err, ".tmp."));
}

/* Build products are replaced like a compiler's; keys are not. */
static void test_force_convention(void **state)
{
    (void)state;
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pu_run("pack -k %s --version 1.0.%d %s -o %s",
                                P("k.pem"), i, P("app.hex"), P("re.fwpk")),
                         0);
        assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                                P("re.fwpk"), P("re.hex")),
                         0);
        assert_int_equal(pu_run("digest %s -o %s", P("re.fwpk"),
                                P("re.bin")),
                         0);
    }
    assert_int_equal(pu_run("inspect --json %s", P("re.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"version\":\"1.0.1\""));
    assert_int_equal(pu_run("keygen -o %s", P("k.pem")), 4);
    pu_one_error(pu_err, "k.pem: file exists (use --force)", NULL);
    assert_int_equal(pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem")),
                     4);
    pu_one_error(pu_err, "pub.pem: file exists (use --force)", NULL);
}

/* "-": stdin for inputs, stdout for outputs, where a stream makes sense. */
static void test_stdio(void **state)
{
    (void)state;
    assert_int_equal(pu_run("inspect - < %s", P("app.fwpk")), 0);
    assert_non_null(strstr(pu_out, "result       ok"));
    /* named as verify names it: stdin is no file called "-" */
    assert_int_equal(strncmp(pu_out, "file         <stdin>, ", 22), 0);
    assert_int_equal(pu_run("verify -p %s - < %s", P("pub.pem"),
                            P("app.fwpk")),
                     0);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("app.fwpk"), P("file.bin")),
                     0);
    pu_sh("%s unpack -p %s %s -o - > %s", fwpack(), P("pub.pem"),
          P("app.fwpk"), P("stdout.bin"));
    pu_same_files(P("file.bin"), P("stdout.bin"));
    assert_int_equal(pu_run("unpack -p %s %s -o - --format hex", P("pub.pem"),
                            P("app.fwpk")),
                     0);
    assert_int_equal(strncmp(pu_out, ":02000004", 9), 0);
    /* a HEX from stdin, the container to stdout */
    pu_sh("%s pack -k %s --version 1.0.0 - -o - < %s > %s", fwpack(),
          P("k.pem"), P("app.hex"), P("piped.fwpk"));
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("piped.fwpk")),
                     0);
    assert_int_equal(pu_run("digest %s -o - | wc -c", P("app.fwpk")), 0);
    assert_int_equal(atoi(pu_out), 64);
    /* stdout cannot carry both */
    assert_int_equal(pu_run("unpack --json -p %s %s -o -", P("pub.pem"),
                            P("app.fwpk")),
                     2);
    assert_int_equal(pu_run("pack -k %s -t a=- -t b=- -o x.fwpk",
                            P("k.pem")),
                     2);
    pu_one_error(pu_err, "stdin", "once", NULL);
}

/* ---- item 2: data outside flash, gaps ---- */

static void test_crop_and_exclude(void **state)
{
    (void)state;
    const char *o = P("nrf.fwpk");
    /* with the profile: refused, saying how to drop the UICR word */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu nrf51822 %s "
                            "-o %s", P("k.pem"), P("nrf.hex"), o),
                     3);
    pu_one_error(pu_err, "target app: data at 0x100010c0..0x100010c3",
                 "outside flash 0x00000000..0x0003ffff (nrf51822)",
                 "--exclude 0x100010c0:0x100010c4",
                 "--crop 0x00000000:0x00040000", NULL);
    assert_false(pu_exists(o));
    /* either way out works */
    const char *ways[] = {"--exclude 0x100010c0:0x100010c4",
                          "--crop 0x00000000:0x00040000",
                          "--crop 0:0x100000000 --exclude 0x10000000:0x20000000"};
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu nrf51822 "
                                "%s %s -o %s",
                                P("k.pem"), ways[i], P("nrf.hex"), o),
                         0);
        assert_string_equal(pu_err, "");
        assert_int_equal(pu_run("inspect --json %s", o), 0);
        assert_non_null(strstr(pu_out, "\"segments\":[{\"address\":0,"
                                       "\"length\":20000}]"));
    }
    /* cropping everything away */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --crop 0x20000000:"
                            "0x30000000 %s -o %s",
                            P("k.pem"), P("nrf.hex"), P("none.fwpk")),
                     3);
    pu_one_error(pu_err, "nrf.hex: no data left after --crop", NULL);
}

/* Without a profile the generic flash spans the gap: a warning; unpack to
 * .bin refuses a huge gap unless --max-gap allows it. */
static void test_gaps(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s",
                            P("k.pem"), P("nrf.hex"), P("gap.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "a gap of"), 1);
    assert_int_equal(pu_warnings(pu_err, "--crop LO:HI or --exclude LO:HI"),
                     1);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("gap.fwpk"), P("gap.bin")),
                     2);
    pu_one_error(pu_err, "gap.bin", "0xFF between segments",
                 "(the widest 0x00004e20..0x100010bf)", ".hex",
                 "pack --crop LO:HI or --exclude LO:HI", "--max-gap", NULL);
    assert_false(pu_exists(P("gap.bin")));
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("gap.fwpk"), P("gap.hex")),
                     0); /* HEX has no gaps to fill */
    /* a smaller gap: allowed with --max-gap, with a warning */
    uint32_t a[] = {0x0, 0x200000}, l[] = {4096, 16};
    write_hex(P("two.hex"), a, l, 2);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s",
                            P("k.pem"), P("two.hex"), P("two.fwpk")),
                     0);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("two.fwpk"), P("two.bin")),
                     2);
    assert_int_equal(pu_run("unpack -p %s %s -o %s --max-gap 0",
                            P("pub.pem"), P("two.fwpk"), P("two.bin")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "0xFF between segments"), 1);
    struct stat st;
    assert_int_equal(stat(P("two.bin"), &st), 0);
    assert_true(st.st_size >= 0x200000 + 16);
}

/* ---- item 7: progress and --max-size ---- */

/* pack big.bin with opts on a terminal (script(1) gives it one): what the
 * terminal showed, in out. */
static void pack_on_a_tty(const char *opts, char *out, size_t cap)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "script -qec '%s pack %s -k %s --version 1.0.0 "
             "--load-addr 0 %s -o %s' /dev/null",
             fwpack(), opts, P("k.pem"), P("big.bin"), P("big.fwpk"));
    assert_int_equal(pu_capture(cmd, out, cap), 0);
}

static void test_progress_only_on_a_tty(void **state)
{
    (void)state;
    uint8_t *big = malloc(1 << 20);
    assert_non_null(big);
    pu_firmware(big, 1 << 20, 3);
    pu_write(P("big.bin"), big, 1 << 20);
    free(big);
    char out[8192];
    pack_on_a_tty("", out, sizeof out);
    if (!strstr(out, "fwpack: pack: 100% (1048576 of 1048576 image bytes)"))
        fail_msg("no progress on a terminal:\n%s", out);
    pack_on_a_tty("-q", out, sizeof out);
    assert_null(strstr(out, "%"));
    /* LZMA too, as liblzma goes, not once at the end */
    pack_on_a_tty("--codec lzma --level 0", out, sizeof out);
    if (!strstr(out, "% (65536 of 1048576 image bytes)"))
        fail_msg("no LZMA progress on a terminal:\n%s", out);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --load-addr 0 %s -o %s",
                            P("k.pem"), P("big.bin"), P("big.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
}

/* -o - onto a terminal: binary bytes there help nobody; refused before
 * any work (usage error), while a redirected stdout still gets them. */
static void test_binary_not_to_a_tty(void **state)
{
    (void)state;
    uint8_t img[4096];
    pu_firmware(img, sizeof img, 5);
    pu_write(P("small.bin"), img, sizeof img);
    char cmd[2048], out[8192];
    snprintf(cmd, sizeof cmd, "script -qec '%s pack -k %s --version 1.0.0 "
             "--load-addr 0 %s -o -' /dev/null",
             fwpack(), P("k.pem"), P("small.bin"));
    assert_int_equal(pu_capture(cmd, out, sizeof out), 2);
    if (!strstr(out, "fwpack: pack: -o - would write binary data to a "
                     "terminal"))
        fail_msg("pack -o - on a terminal:\n%s", out);
    assert_true(strlen(out) < 200); /* the message, no container bytes */
    /* hex digests are text: digest without -o still prints on a tty */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --load-addr 0 %s "
                            "-o %s", P("k.pem"), P("small.bin"),
                            P("small.fwpk")),
                     0);
    snprintf(cmd, sizeof cmd, "script -qec '%s digest %s' /dev/null",
             fwpack(), P("small.fwpk"));
    assert_int_equal(pu_capture(cmd, out, sizeof out), 0);
    snprintf(cmd, sizeof cmd, "script -qec '%s digest %s -o -' /dev/null",
             fwpack(), P("small.fwpk"));
    assert_int_equal(pu_capture(cmd, out, sizeof out), 2);
    assert_non_null(strstr(out, "fwpack: digest: -o - would write binary"));
    /* redirected: the bytes flow */
    snprintf(cmd, sizeof cmd, "%s pack -k %s --version 1.0.0 --load-addr 0 "
             "%s -o - > %s", fwpack(), P("k.pem"), P("small.bin"),
             P("piped.fwpk"));
    assert_int_equal(pu_capture(cmd, out, sizeof out), 0);
    struct stat st;
    assert_int_equal(stat(P("piped.fwpk"), &st), 0);
    assert_true(st.st_size > 64);
}

/* Packing stops as soon as the frames pass --max-size: the message says
 * how little of the image it compressed. */
static void test_stops_early(void **state)
{
    (void)state;
    size_t n = 8u << 20;
    uint8_t *noise = malloc(n);
    assert_non_null(noise);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) { /* xorshift32: incompressible */
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        noise[i] = (uint8_t)(x >> 24);
    }
    pu_write(P("noise.bin"), noise, n);
    free(noise);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --level 1 --max-size "
                            "100000 --load-addr 0 %s -o %s",
                            P("k.pem"), P("noise.bin"), P("noise.fwpk")),
                     3);
    pu_one_error(pu_err, "more than --max-size 100000", "stopped after "
                 "compressing", "of 8388608 image bytes", "nothing written",
                 NULL);
    const char *p = strstr(pu_err, "compressing ");
    assert_true(atol(p + strlen("compressing ")) < 1000000);
    assert_false(pu_exists(P("noise.fwpk")));
    /* LZMA stops as early: liblzma is fed in pieces */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --codec lzma --level 0 "
                            "--max-size 100000 --load-addr 0 %s -o %s",
                            P("k.pem"), P("noise.bin"), P("noise.fwpk")),
                     3);
    pu_one_error(pu_err, "more than --max-size 100000", "stopped after "
                 "compressing", "of 8388608 image bytes", "nothing written",
                 NULL);
    p = strstr(pu_err, "compressing ");
    assert_true(atol(p + strlen("compressing ")) < 1000000);
    assert_false(pu_exists(P("noise.fwpk")));
}

/* ---- item 8: what Notehub shows ---- */

static void test_identity_defaults(void **state)
{
    (void)state;
    assert_int_equal(mkdir(P("fw"), 0755), 0);
    pu_sh("cp %s %s", P("app.hex"), P("fw/blinky.hex"));
    assert_int_equal(pu_run("pack -k %s %s -o %s", P("k.pem"),
                            P("fw/blinky.hex"), P("id.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "no --version"), 1);
    assert_int_equal(pu_warnings(pu_err, "0.0.0"), 1);
    assert_int_equal(pu_run("inspect --json %s", P("id.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\\\"product\\\":\\\"blinky\\\""));
    assert_non_null(strstr(pu_out, "\"product\":\"blinky\""));
    assert_null(strstr(pu_out, "\"product\":\"fwpack\""));
    /* a target from stdin has no file name: the target's name */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 -t radio=- -o %s < %s",
                            P("k.pem"), P("id.fwpk"), P("app.hex")),
                     0);
    assert_string_equal(pu_err, "");
    assert_int_equal(pu_run("inspect --json %s", P("id.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"product\":\"radio\""));
}

/* ---- item 10: make keeps its objects ---- */

/* The objects are prerequisites of the libraries' pattern rules; without
 * .SECONDARY make deletes them after a build ("rm build/.../x.o ...") and
 * the next make rebuilds them.  make -n shows that rm line, for the host
 * build and for make demo (which also builds the outboard example). */
static void test_make_keeps_objects(void **state)
{
    (void)state;
    char cmd[512], *out = malloc(1 << 18);
    assert_non_null(out);
    snprintf(cmd, sizeof cmd, "env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "
             "make -n --no-print-directory BUILD=%s %s/host/fwpack demo "
             "%s/host/bench/host_bench", P("mk"), P("mk"), P("mk"));
    assert_int_equal(pu_capture(cmd, out, 1 << 18), 0);
    assert_non_null(strstr(out, "cli.o"));
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n"))
        if (strncmp(line, "rm ", 3) == 0 && strncmp(line, "rm -f ", 6) != 0)
            fail_msg("make deletes objects as intermediates:\n%.200s", line);
    free(out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_output_is_an_input),
        cmocka_unit_test(test_output_directory),
        cmocka_unit_test(test_errors_name_the_output),
        cmocka_unit_test(test_force_convention),
        cmocka_unit_test(test_stdio),
        cmocka_unit_test(test_crop_and_exclude),
        cmocka_unit_test(test_gaps),
        cmocka_unit_test(test_progress_only_on_a_tty),
        cmocka_unit_test(test_binary_not_to_a_tty),
        cmocka_unit_test(test_stops_early),
        cmocka_unit_test(test_identity_defaults),
        cmocka_unit_test(test_make_keeps_objects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
