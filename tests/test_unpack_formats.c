/* test_unpack_formats.c - fwpack unpack writing Motorola S-records, checked
 * against srec_cat/srec_cmp (srecord) as the reference:
 *   - .s19/.s28/.s37 (S1/S2/S3 data, no S9/S8/S7: a container has no
 *     start address, and 0 would differ from the build's) and .srec/.mot (the
 *     fewest address bytes) of images at 16-, 24- and 32-bit addresses hold
 *     exactly the bytes srec_cat makes from the expected flash contents
 *     (the segments padded with 0xFF to whole write units);
 *   - every record is well formed: one data record type, the S5 count, the
 *     no end record; fwpack's own reader reads the file back;
 *   - an address too wide for the extension: exit 2, no file;
 *   - several targets: one S-record file per target.
 *
 * Needs srec_cat/srec_cmp: their absence is a failure with a message,
 * never a silent skip.  Runs from the repo root; FWPACK names the CLI
 * (default build/test/fwpack). */
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

/* ---- the images: two segments each, the second starting and ending in
 * the middle of a write unit, so the flash holds 0xFF padding ---- */

typedef struct {
    const char *name;
    uint32_t addr[2], len[2];
    const char *pack_opts; /* geometry: the write unit is what matters */
    uint32_t write_unit;
    int need;              /* address bytes of the highest address */
    char src[1024];        /* srec_cat arguments for the expected flash */
} width;

static width widths[] = {
    {"w16", {0x0100, 0x2003}, {3000, 1231}, "", 4, 2, ""},
    {"w24", {0x00020000, 0x00031003}, {3000, 1231}, "", 4, 3, ""},
    {"w32", {0x08000000, 0x08002003}, {3000, 1231}, "--mcu stm32l432kc", 8,
     4, ""},
};
#define NWIDTHS (sizeof widths / sizeof widths[0])

/* Writes W_i.bin (segment i padded to write units with 0xFF, what the
 * device flash holds) and W.hex (the input to pack); packs W.fwpk. */
static int make_width(width *w)
{
    fwp_image in = {0};
    fwp_err err;
    size_t used = 0;
    for (int i = 0; i < 2; i++) {
        uint32_t wu = w->write_unit;
        uint32_t lo = w->addr[i] / wu * wu;
        uint32_t hi = (w->addr[i] + w->len[i] + wu - 1) / wu * wu;
        uint8_t *flash = malloc(hi - lo);
        char file[64];
        if (!flash)
            return -1;
        memset(flash, 0xff, hi - lo);
        pu_firmware(flash + (w->addr[i] - lo), w->len[i],
                    w->addr[i] + (uint32_t)i);
        if (fwp_image_add(&in, w->addr[i], flash + (w->addr[i] - lo),
                          w->len[i], "t", &err))
            return -1;
        snprintf(file, sizeof file, "%s_%d.bin", w->name, i);
        pu_write(P(file), flash, hi - lo);
        used += (size_t)snprintf(w->src + used, sizeof w->src - used,
                                 "%s -binary -offset 0x%x ", P(file),
                                 (unsigned)lo);
        free(flash);
    }
    char *text, name[64];
    size_t len;
    if (fwp_hex_format(&in, &text, &len, &err))
        return -1;
    snprintf(name, sizeof name, "%s.hex", w->name);
    pu_write(P(name), text, len);
    free(text);
    fwp_image_free(&in);
    char hex[512], fwpk[512];
    snprintf(hex, sizeof hex, "%s", P(name));
    snprintf(name, sizeof name, "%s.fwpk", w->name);
    snprintf(fwpk, sizeof fwpk, "%s", P(name));
    return pu_run("pack -k %s %s %s -o %s", P("k.pem"), w->pack_opts, hex,
                  fwpk);
}

static int setup(void **state)
{
    (void)state;
    const char *tools[] = {"srec_cat", "srec_cmp"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pu_have(tools[i])) {
            fprintf(stderr, "test_unpack_formats: %s is not installed: the "
                            "tests need it (make deps, or apt-get install "
                            "srecord)\n", tools[i]);
            return -1;
        }
    dir = pu_tmpdir();
    if (pu_run("keygen -o %s", P("k.pem")) ||
        pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem")))
        return -1;
    for (size_t i = 0; i < NWIDTHS; i++)
        if (make_width(&widths[i])) {
            fprintf(stderr, "test_unpack_formats: packing %s failed: %s",
                    widths[i].name, pu_err ? pu_err : "");
            return -1;
        }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* ---- checks on one S-record file ---- */

static unsigned hexbyte(const char *s)
{
    unsigned v;
    if (sscanf(s, "%2x", &v) != 1)
        fail_msg("bad hex digits \"%.2s\"", s);
    return v;
}

/* Every record's checksum; data records all S<ab-1>; an S0 first, the S5
 * (or S6) count of the data records last: no S7/S8/S9 (start address). */
static void check_records(const char *path, int ab)
{
    char *text = pu_read(path, NULL);
    unsigned data = 0, count = 0, lines = 0;
    int saw_count = 0;
    assert_non_null(text);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        size_t n = strlen(line);
        lines++;
        if (n < 4 || line[0] != 'S' || saw_count)
            fail_msg("%s:%u: unexpected \"%s\"", path, lines, line);
        unsigned type = (unsigned)(line[1] - '0'), cnt = hexbyte(line + 2);
        unsigned sum = cnt;
        if (n != 4 + 2 * (size_t)cnt)
            fail_msg("%s:%u: count %u for %zu characters", path, lines, cnt,
                     n);
        for (unsigned i = 0; i + 1 < cnt; i++)
            sum += hexbyte(line + 4 + 2 * i);
        if ((~sum & 0xffu) != hexbyte(line + 2 + 2 * cnt))
            fail_msg("%s:%u: bad checksum", path, lines);
        if (lines == 1) {
            assert_int_equal(type, 0);
        } else if (type == (unsigned)ab - 1) {
            assert_false(saw_count);
            data++;
        } else if (type == 5 || type == 6) {
            assert_false(saw_count);
            saw_count = 1;
            count = 0;
            for (unsigned i = 0; i < (type == 5 ? 2u : 3u); i++)
                count = count << 8 | hexbyte(line + 4 + 2 * i);
        } else {
            fail_msg("%s:%u: record S%u in a file of S%d data records", path,
                     lines, type, ab - 1);
        }
    }
    assert_true(saw_count);
    assert_int_equal(count, data);
    assert_true(data > 0);
    free(text);
}

/* path (ours) holds exactly the bytes srec_cat makes from w's flash; and
 * fwpack's own S-record reader reads it back as the HEX output. */
static void check_against_srec_cat(const width *w, const char *path, int ab)
{
    char ref[512], name[64];
    snprintf(name, sizeof name, "%s_ref.s%d", w->name, ab == 2 ? 19 : ab == 3
                                                                    ? 28
                                                                    : 37);
    snprintf(ref, sizeof ref, "%s", P(name));
    pu_sh("srec_cat %s -o %s -motorola -address-length=%d", w->src, ref,
          ab);
    pu_sh("srec_cmp %s -motorola %s -motorola", path, ref);
    check_records(path, ab);

    fwp_image a = {0}, b = {0};
    fwp_err err;
    char hex[512];
    snprintf(name, sizeof name, "%s_out.hex", w->name);
    snprintf(hex, sizeof hex, "%s", P(name));
    if (!pu_exists(hex)) {
        char fwpk[512];
        snprintf(name, sizeof name, "%s.fwpk", w->name);
        snprintf(fwpk, sizeof fwpk, "%s", P(name));
        assert_int_equal(
            pu_run("unpack -p %s %s -o %s", P("pub.pem"), fwpk, hex), 0);
    }
    if (fwp_srec_load(path, &a, &err) || fwp_hex_load(hex, &b, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(a.count, b.count);
    for (size_t i = 0; i < a.count; i++) {
        assert_int_equal(a.segs[i].addr, b.segs[i].addr);
        assert_int_equal(a.segs[i].len, b.segs[i].len);
        assert_memory_equal(a.segs[i].data, b.segs[i].data, a.segs[i].len);
    }
    fwp_image_free(&a);
    fwp_image_free(&b);
}

/* ---- tests ---- */

static const struct {
    const char *ext;
    int ab; /* 0: the fewest */
} exts[] = {{"s19", 2}, {"s28", 3}, {"s37", 4}, {"srec", 0}, {"mot", 0},
            {"S37", 4}};

static void test_srec_vs_srec_cat(void **state)
{
    (void)state;
    for (size_t i = 0; i < NWIDTHS; i++) {
        const width *w = &widths[i];
        char fwpk[512], name[64];
        snprintf(name, sizeof name, "%s.fwpk", w->name);
        snprintf(fwpk, sizeof fwpk, "%s", P(name));
        for (size_t e = 0; e < sizeof exts / sizeof exts[0]; e++) {
            int ab = exts[e].ab ? exts[e].ab : w->need;
            if (ab < w->need)
                continue; /* test_srec_too_wide */
            char out[512];
            snprintf(name, sizeof name, "%s_out.%s", w->name, exts[e].ext);
            snprintf(out, sizeof out, "%s", P(name));
            assert_int_equal(
                pu_run("unpack -p %s %s -o %s", P("pub.pem"), fwpk, out), 0);
            assert_string_equal(pu_out, ""); /* quiet */
            check_against_srec_cat(w, out, ab);
        }
    }
    /* what unpack wrote packs again, and verifies */
    assert_int_equal(pu_run("pack -k %s --mcu stm32l432kc %s -o %s", P("k.pem"),
                            P("w32_out.s37"), P("again.fwpk")),
                     0);
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("again.fwpk")),
                     0);
    /* -v and --json name the file and its lowest address */
    assert_int_equal(pu_run("unpack -v -p %s %s -o %s", P("pub.pem"),
                            P("w24.fwpk"), P("v.s28")),
                     0);
    assert_non_null(strstr(pu_out, "from address 0x00020000"));
    assert_int_equal(pu_run("unpack --json -p %s %s -o %s", P("pub.pem"),
                            P("w24.fwpk"), P("j.srec")),
                     0);
    assert_non_null(strstr(pu_out, "j.srec\",\"address\":131072}"));
}

/* .s19 holds 16-bit addresses, .s28 24-bit: a usage error, no file. */
static void test_srec_too_wide(void **state)
{
    (void)state;
    static const struct {
        const char *fwpk, *ext, *want;
    } cases[] = {
        {"w24.fwpk", "s19", "needs 3-byte addresses (S2), not 2"},
        {"w32.fwpk", "s19", "needs 4-byte addresses (S3), not 2"},
        {"w32.fwpk", "s28", "needs 4-byte addresses (S3), not 3"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[512], name[64];
        snprintf(name, sizeof name, "wide%zu.%s", i, cases[i].ext);
        snprintf(out, sizeof out, "%s", P(name));
        assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                                P(cases[i].fwpk), out),
                         2);
        if (!strstr(pu_err, cases[i].want))
            fail_msg("got \"%s\", want \"%s\"", pu_err, cases[i].want);
        assert_false(pu_exists(out));
    }
    /* a name that is no output format */
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("w16.fwpk"), P("x.elf")),
                     2);
    assert_non_null(strstr(pu_err, ".srec (.s19 .s28 .s37 .mot)"));
    assert_int_equal(pu_run("unpack --help"), 0);
    assert_non_null(strstr(pu_out, "OUT.s19, .s28, .s37"));
}

/* Several targets: out.NAME.s37 for each; --target picks one. */
static void test_srec_targets(void **state)
{
    (void)state;
    uint8_t radio[2500];
    pu_firmware(radio, sizeof radio, 77);
    pu_write(P("radio.bin"), radio, sizeof radio);
    assert_int_equal(pu_run("pack -k %s -t main:stm32l432kc=%s "
                            "-t radio=%s@0x10000 -o %s",
                            P("k.pem"), P("w32.hex"), P("radio.bin"),
                            P("both.fwpk")),
                     0);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("both.fwpk"), P("both.s37")),
                     0);
    check_against_srec_cat(&widths[2], P("both.main.s37"), 4);
    check_records(P("both.radio.s37"), 4);
    pu_sh("srec_cmp %s -motorola %s -binary -offset 0x10000", P("both.radio.s37"),
       P("radio.bin"));
    /* the radio alone fits S2 records, but not S1 */
    assert_int_equal(pu_run("unpack --target radio -p %s %s -o %s",
                            P("pub.pem"), P("both.fwpk"), P("radio.s28")),
                     0);
    check_records(P("radio.s28"), 3);
    pu_sh("srec_cmp %s -motorola %s -binary -offset 0x10000", P("radio.s28"),
       P("radio.bin"));
    assert_int_equal(pu_run("unpack --target radio -p %s %s -o %s",
                            P("pub.pem"), P("both.fwpk"), P("radio.s19")),
                     2);
    assert_false(pu_exists(P("radio.s19")));
    /* one too wide: none of the files is written */
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("both.fwpk"), P("both.s28")),
                     2);
    assert_false(pu_exists(P("both.main.s28")));
    assert_false(pu_exists(P("both.radio.s28")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_srec_vs_srec_cat),
        cmocka_unit_test(test_srec_too_wide),
        cmocka_unit_test(test_srec_targets),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
