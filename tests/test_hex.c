/* test_hex.c - Intel HEX parser and formatter: every error path (message
 * names file:line), extended addresses, sparse images, overlaps. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

static int parse(const char *text, fwp_image *img, fwp_err *err)
{
    memset(img, 0, sizeof *img);
    return fwp_hex_parse("t.hex", text, strlen(text), img, err);
}

static void expect_error(const char *text, const char *msg)
{
    fwp_image img;
    fwp_err err = {{0}, 0};
    assert_int_equal(parse(text, &img, &err), -1);
    if (!strstr(err.msg, msg))
        fail_msg("got \"%s\", want \"%s\"", err.msg, msg);
    fwp_image_free(&img);
}

#define EOFREC ":00000001FF\n"

static void test_simple(void **state)
{
    (void)state;
    fwp_image img;
    fwp_err err = {{0}, 0};
    assert_int_equal(parse(":0400100001020304E2\r\n" EOFREC, &img, &err), 0);
    assert_int_equal(img.count, 1);
    assert_int_equal(img.segs[0].addr, 0x10);
    assert_int_equal(img.segs[0].len, 4);
    assert_memory_equal(img.segs[0].data, "\1\2\3\4", 4);
    fwp_image_free(&img);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error(":0400100001020304E3\n" EOFREC, "t.hex:1: bad checksum e3");
    expect_error("\n:0400100001020304\n" EOFREC,
                 "t.hex:2: byte count 4 does not match line length");
    expect_error(":0400100001020G04E2\n" EOFREC, "t.hex:1: bad hex digit 'G'");
    expect_error(":0400100001020304E2\n", "t.hex:1: missing end-of-file");
    expect_error(EOFREC ":0400100001020304E2\n",
                 "t.hex:2: data after end-of-file record");
    expect_error("0400100001020304E2\n" EOFREC, "t.hex:1: record does not "
                                                 "start with ':'");
    expect_error(":0000000\n" EOFREC, "t.hex:1: record too short");
    expect_error(":00000006FA\n" EOFREC, "t.hex:1: unknown record type 06");
    expect_error(":0100000401FA\n" EOFREC,
                 "t.hex:1: record type 04 needs 2 data bytes");
    expect_error(":0100000102FC\n", "t.hex:1: record type 01 needs 0");
    expect_error(EOFREC, "no data records");
    /* overlap: second record rewrites byte 0x12 */
    expect_error(":0400100001020304E2\n:02001200AABB87\n" EOFREC,
                 "t.hex:2: data at 0x00000012..0x00000013 overlaps");
}

static void test_extended(void **state)
{
    (void)state;
    fwp_image img;
    fwp_err err = {{0}, 0};
    /* type 04: 0x0800 << 16; type 02: 0x1000 << 4; 03/05 ignored */
    const char *text = ":020000040800F2\n"
                       ":040000001122334452\n"
                       ":0400000500000101F5\n"
                       ":020000021000EC\n"
                       ":02000400AABB95\n"
                       ":0400000300000000F9\n" EOFREC;
    assert_int_equal(parse(text, &img, &err), 0);
    assert_int_equal(img.count, 2);
    assert_int_equal(img.segs[0].addr, 0x10004);
    assert_int_equal(img.segs[1].addr, 0x08000000);
    assert_int_equal(img.segs[1].len, 4);
    fwp_image_free(&img);
}

static void test_sparse_and_format(void **state)
{
    (void)state;
    fwp_image img = {0}, back;
    fwp_err err = {{0}, 0};
    uint8_t a[40], b[3];
    memset(a, 0x5a, sizeof a);
    memset(b, 0x11, sizeof b);
    assert_int_equal(fwp_image_add(&img, 0x0800fff0, a, sizeof a, "x", &err),
                     0);
    assert_int_equal(fwp_image_add(&img, 0x08100000, b, sizeof b, "x", &err),
                     0);
    char *text;
    size_t len;
    assert_int_equal(fwp_hex_format(&img, &text, &len, &err), 0);
    assert_int_equal(parse(text, &back, &err), 0);
    assert_int_equal(back.count, 2); /* sparse stays sparse */
    assert_int_equal(back.segs[0].addr, 0x0800fff0);
    assert_int_equal(back.segs[0].len, 40);
    assert_int_equal(back.segs[1].addr, 0x08100000);
    assert_memory_equal(back.segs[0].data, a, sizeof a);
    free(text);
    fwp_image_free(&img);
    fwp_image_free(&back);
}

static void test_load_missing(void **state)
{
    (void)state;
    fwp_image img = {0};
    fwp_err err = {{0}, 0};
    assert_int_equal(fwp_hex_load("/nonexistent/x.hex", &img, &err), -1);
    assert_int_equal(err.kind, FWP_E_IO);
    assert_non_null(strstr(err.msg, "/nonexistent/x.hex"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_extended),
        cmocka_unit_test(test_sparse_and_format),
        cmocka_unit_test(test_load_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
