/* test_image.c - image segments and normalize, version strings, MCU
 * profiles, the info string. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "fwpack.h"

static void add(fwp_image *img, uint32_t addr, size_t len, uint8_t v)
{
    uint8_t buf[256];
    fwp_err err;
    memset(buf, v, len);
    assert_int_equal(fwp_image_add(img, addr, buf, len, "x", &err), 0);
}

static void test_add_merge(void **state)
{
    (void)state;
    fwp_image img = {0};
    fwp_err err;
    add(&img, 0x100, 16, 1);
    add(&img, 0x120, 16, 3);
    add(&img, 0x110, 16, 2); /* fills the hole: all three join */
    assert_int_equal(img.count, 1);
    assert_int_equal(img.segs[0].len, 48);
    assert_int_equal(img.segs[0].data[0x10], 2);
    assert_int_equal(fwp_image_size(&img), 48);
    uint8_t b = 0;
    assert_int_equal(fwp_image_add(&img, 0x12f, &b, 1, "f.hex:9", &err), -1);
    assert_non_null(strstr(err.msg, "f.hex:9: data at 0x0000012f"));
    assert_int_equal(fwp_image_add(&img, 0xffffffff, &b, 2, "w", &err), -1);
    fwp_image_free(&img);
}

static void test_normalize(void **state)
{
    (void)state;
    fwp_image img = {0};
    fwp_err err;
    add(&img, 0x1000, 4, 1);
    add(&img, 0x100a, 4, 2);  /* gap 6 < 16: merged, 0xff filled */
    add(&img, 0x1020, 4, 3);  /* gap 18, own write unit: separate */
    add(&img, 0x1100, 4, 4);  /* far: stays separate */
    add(&img, 0x1117, 1, 5);  /* gap 19 >= 16 but shares unit 0x1100..0x111f
                                 at write unit 32 */
    assert_int_equal(fwp_image_normalize(&img, 8, &err), 0);
    assert_int_equal(img.count, 4);
    assert_int_equal(img.segs[0].len, 14);
    assert_int_equal(img.segs[0].data[5], 0xff);
    assert_int_equal(fwp_image_normalize(&img, 32, &err), 0);
    assert_int_equal(img.count, 3); /* 0x1100 and 0x1117 share a unit */
    assert_int_equal(img.segs[1].addr, 0x1020);
    assert_int_equal(img.segs[2].addr, 0x1100);
    assert_int_equal(img.segs[2].len, 0x18);
    assert_int_equal(img.segs[2].data[0x10], 0xff);
    fwp_image_free(&img);
}

static void test_version(void **state)
{
    (void)state;
    fwp_version v;
    fwp_err err;
    assert_int_equal(fwp_version_parse("1.2.3", &v, &err), 0);
    assert_int_equal(v.major, 1);
    assert_int_equal(v.patch, 3);
    assert_int_equal(fwp_version_parse("10.20.30-rc.1+456", &v, &err), 0);
    assert_string_equal(v.pre, "rc.1");
    assert_int_equal(v.build, 456);
    assert_int_equal(fwp_version_parse("4294967295.0.0", &v, &err), 0);
    const char *bad[] = {"1.2", "1.2.3.4", "a.b.c", "1.2.3-", "1.2.3+x",
                         "4294967296.0.0", "1..3", "", "1.2.3 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fwp_version_parse(bad[i], &v, &err) != -1)
            fail_msg("accepted '%s'", bad[i]);
}

static void test_info(void **state)
{
    (void)state;
    fwp_target_opts t;
    memset(&t, 0, sizeof t);
    t.name = "main";
    t.mcu = "nrf52840";
    fwp_pack_opts o;
    memset(&o, 0, sizeof o);
    o.targets = &t;
    o.target_count = 1;
    o.version = "2.0.1+7";
    o.description = "say \"hi\"\\\n";
    o.build_time = 1700000000;
    fwp_buf b = {0};
    fwp_err err;
    assert_int_equal(fwp_info_build(&o, &b, &err), 0);
    const char *want =
        "firmware::info:{\"org\":\"\",\"product\":\"fwpack\",\"description\":"
        "\"say \\\"hi\\\"\\\\\\u000a\",\"firmware\":\"main\",\"version\":"
        "\"2.0.1+7\",\"ver_major\":2,\"ver_minor\":0,\"ver_patch\":1,"
        "\"ver_build\":7,\"built\":\"2023-11-14 22:13:20\",\"builder\":"
        "\"fwpack " FWPACK_VERSION "\",\"target\":\"nrf52840\"}";
    assert_string_equal(b.data, want);
    assert_int_equal(b.len, strlen(want) + 1);
    fwp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_add_merge), cmocka_unit_test(test_normalize),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
