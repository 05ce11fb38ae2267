/*
 * test_spec_rules.c - rules of format/SPEC.md that issue 24 found silent or
 * loose, each as the device verifier and the host reader apply them:
 *
 *   3    the info string is checked for its prefix and its only NUL, not
 *        as JSON or UTF-8;
 *   4.2  a filter applies with codec none too: the frames carry the
 *        filtered image;
 *   4.3  an empty mcu is generic: a policy that names an MCU refuses it;
 *   5    more than 8 signatures has its own error, FWPK_ERR_SIG_COUNT;
 *   10   the error table lists every fwpk_err, with its value, in order,
 *        and sections that exist.
 *
 * The other points have their tests where their code is tested: section 4
 * text strings and the payload size rules in test_manifest (device and
 * host), 4.2's whole erase blocks in test_manifest and test_pack_geometry,
 * 6's frame lengths of every target and 6.1's padding and block boundaries
 * in test_inspect_agrees and test_inflate, 7's device limits in
 * test_stream_min, 4.1's security counter in test_stream.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "pack_util.h"

#define SPEC "format/SPEC.md"
#define HEADER "verifier/include/fwpk_verify.h"

static box_setup s;        /* one target "main", 20000 bytes, kp[0] signs */
static const box_policy any; /* the default policy */

static size_t le16(const uint8_t *p)
{
    return (size_t)p[0] | (size_t)p[1] << 8;
}

static int setup(void **state)
{
    (void)state;
    box_init(&s, 20000);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    box_free(&s);
    return 0;
}

/* Signs the container's prefix again with kp[0] into its first entry. */
static void resign(uint8_t *box)
{
    size_t signed_len = FWPK_HEADER_LEN + le16(box + 6) + le16(box + 8);
    uint8_t digest[64];
    crypto_hash_sha512(digest, box, signed_len);
    crypto_sign_detached(box + signed_len + 1 + FWPK_KEY_ID_LEN, NULL, digest,
                         sizeof digest, s.kp[0].sk);
}

/* The device verifier, and whether flash holds the image (1), was not
 * touched (0), or neither (-1). */
static fwpk_err device(const box_policy *p, const uint8_t *box, size_t len,
                       int *flash)
{
    fwp_flash f;
    fwpk_err e = box_verify(&s, p, box, len, &f);
    *flash = box_flash_matches(&s, 0, &f) ? 1 : f.erases + f.writes ? -1 : 0;
    fwp_flash_free(&f);
    return e;
}

/* The host's reading of the container's parts (fwp_layout_parse). */
static int host_reads(const uint8_t *box, size_t len, fwp_layout *lay)
{
    fwp_err err;
    return fwp_layout_parse(box, len, "box", lay, &err) == 0;
}

/* SPEC.md 3: any bytes but NUL after the prefix, JSON or not. */
static void test_s3_info_string(void **state)
{
    (void)state;
    static const char odd[] = "\xff\xfe\xc0\x80 not json, \xed\xa0\x80 {";
    fwp_layout lay;
    size_t len;
    int flash;
    uint8_t *box = box_pack(&s, &len);
    size_t info_len = le16(box + 6);
    uint8_t *text = box + FWPK_HEADER_LEN + FWPK_INFO_PREFIX_LEN;
    size_t n = info_len - FWPK_INFO_PREFIX_LEN - 1;
    assert_true(n > sizeof odd);
    memset(text, 'x', n);
    memcpy(text, odd, sizeof odd - 1);
    resign(box);
    assert_int_equal(device(&any, box, len, &flash), FWPK_OK);
    assert_int_equal(flash, 1);
    assert_true(host_reads(box, len, &lay));
    /* a NUL inside, or a prefix changed: refused by both */
    text[3] = 0;
    resign(box);
    assert_int_equal(device(&any, box, len, &flash), FWPK_ERR_INFO);
    assert_int_equal(flash, 0);
    assert_false(host_reads(box, len, &lay));
    text[3] = 'x';
    box[FWPK_HEADER_LEN + 8] = 'I'; /* firmware:: -> firmwareI: */
    resign(box);
    assert_int_equal(device(&any, box, len, &flash), FWPK_ERR_INFO);
    assert_false(host_reads(box, len, &lay));
    free(box);
}

/* SPEC.md 4.2: codec none carries the filtered image. */
static void test_s42_filter_with_codec_none(void **state)
{
    (void)state;
    fwp_layout lay;
    size_t len, n = s.image_len[0], got = 0;
    int flash;
    s.t[0].codec = FWPK_CODEC_NONE;
    s.t[0].filter = FWPK_FILTER_THUMB;
    uint8_t *box = box_pack(&s, &len);
    s.t[0].codec = FWPK_CODEC_DEFLATE;
    s.t[0].filter = FWPK_FILTER_NONE;
    uint8_t *carried = malloc(n), *filtered = malloc(n);
    assert_non_null(carried);
    assert_non_null(filtered);
    assert_true(host_reads(box, len, &lay));
    for (size_t off = lay.frames_offset; off < len;) {
        size_t fl = le16(box + off);
        assert_true(got + fl <= n);
        memcpy(carried + got, box + off + FWPK_FRAME_HEADER_LEN, fl);
        got += fl;
        off += FWPK_FRAME_HEADER_LEN + fl;
    }
    assert_int_equal(got, n);
    memcpy(filtered, s.image[0], n);
    fwp_filter_apply(FWPK_FILTER_THUMB, filtered, n, BOX_BASE);
    assert_memory_not_equal(filtered, s.image[0], n); /* it found BLs */
    assert_memory_equal(carried, filtered, n);
    assert_int_equal(device(&any, box, len, &flash), FWPK_OK);
    assert_int_equal(flash, 1);
    free(carried);
    free(filtered);
    free(box);
}

/* SPEC.md 4.3: a generic target (empty mcu) and the policy's MCU. */
static void test_s43_generic_target(void **state)
{
    (void)state;
    box_policy p = {0};
    size_t len;
    int flash;
    const char *mcu = s.t[0].mcu;
    s.t[0].mcu = "";
    uint8_t *box = box_pack(&s, &len);
    s.t[0].mcu = mcu;
    assert_int_equal(device(&p, box, len, &flash), FWPK_OK);
    p.mcu = "stm32g071rb";
    assert_int_equal(device(&p, box, len, &flash), FWPK_ERR_WRONG_MCU);
    assert_int_equal(flash, 0);
    p.mcu = "";
    assert_int_equal(device(&p, box, len, &flash), FWPK_OK);
    free(box);
}

/* SPEC.md 5: sig_count 8 is read, 9 is FWPK_ERR_SIG_COUNT. */
static void test_s5_signature_count(void **state)
{
    (void)state;
    fwp_layout lay, again;
    size_t len;
    int flash;
    uint8_t *box = box_pack(&s, &len);
    assert_true(host_reads(box, len, &lay));
    assert_int_equal(lay.sig_count, 1);
    for (uint8_t count = 8; count <= 9; count++) {
        size_t more = (count - 1u) * FWPK_SIG_ENTRY_LEN, n = len + more;
        uint8_t *b = malloc(n);
        assert_non_null(b);
        memcpy(b, box, lay.frames_offset);
        b[lay.signed_len] = count;
        for (size_t k = 1; k < count; k++) /* the same entry again */
            memcpy(b + lay.frames_offset + (k - 1) * FWPK_SIG_ENTRY_LEN,
                   lay.sigs, FWPK_SIG_ENTRY_LEN);
        memcpy(b + lay.frames_offset + more, box + lay.frames_offset,
               len - lay.frames_offset);
        fwpk_err e = device(&any, b, n, &flash);
        if (count == 8) {
            assert_int_equal(e, FWPK_OK); /* one key, counted once */
            assert_true(host_reads(b, n, &again));
        } else {
            assert_int_equal(e, FWPK_ERR_SIG_COUNT);
            assert_int_equal(flash, 0);
            assert_false(host_reads(b, n, &again));
        }
        free(b);
    }
    assert_string_equal(fwpk_strerror(FWPK_ERR_SIG_COUNT),
                        "more signatures than a container may hold (8)");
    free(box);
}

/* ---- SPEC.md 10: the error table ---- */

/* The enum's names in order, from the header. */
static int enum_names(char names[][32], int cap)
{
    size_t len;
    char *h = pu_read(HEADER, &len), *line, *save = NULL;
    int n = 0, in = 0;
    assert_non_null(h);
    for (line = strtok_r(h, "\n", &save); line;
         line = strtok_r(NULL, "\n", &save)) {
        char id[32];
        if (strstr(line, "typedef enum {")) {
            in = 1;
            continue;
        }
        if (!in || sscanf(line, " %31[A-Z_0-9]", id) != 1 ||
            strncmp(id, "FWPK_", 5) != 0)
            continue;
        if (strcmp(id, "FWPK_ERR_COUNT") == 0)
            break;
        assert_true(n < cap);
        strcpy(names[n++], id);
    }
    free(h);
    return n;
}

/* Is there a heading "## N." or "### N.M " for section sec? */
static int section_exists(const char *spec, const char *sec)
{
    char want[32];
    snprintf(want, sizeof want, strchr(sec, '.') ? "\n### %s " : "\n## %s. ",
             sec);
    return strstr(spec, want) != NULL;
}

static void test_s10_error_table(void **state)
{
    (void)state;
    char names[64][32];
    size_t len;
    int n = enum_names(names, 64), rows = 0;
    assert_int_equal(n, FWPK_ERR_COUNT);
    char *spec = pu_read(SPEC, &len);
    assert_non_null(spec);
    const char *p = strstr(spec, "\n## 10. Errors\n");
    assert_non_null(p);
    const char *end = strstr(p + 1, "\n## ");
    p = strstr(p, "|---|---|---|---|\n");
    assert_non_null(p);
    p += strlen("|---|---|---|---|\n");
    while (p < end && *p == '|') {
        int value;
        char name[32], secs[64];
        if (sscanf(p, "| %d | `%31[A-Z_0-9]` | %63[^|]|", &value, name,
                   secs) != 3)
            fail_msg("%s: unreadable row: %.60s", SPEC, p);
        if (value != rows || rows >= n || strcmp(name, names[rows]) != 0)
            fail_msg("%s: row %d is %d %s, the enum's is %s", SPEC, rows,
                     value, name, rows < n ? names[rows] : "(none)");
        /* every section named exists, or "API" */
        for (char *sec = strtok(secs, ", "); sec; sec = strtok(NULL, ", "))
            if (strcmp(sec, "API") != 0 && !section_exists(spec, sec))
                fail_msg("%s: %s: no section %s", SPEC, name, sec);
        /* and each code has its own message */
        for (int k = 0; k < rows; k++)
            assert_string_not_equal(fwpk_strerror((fwpk_err)k),
                                    fwpk_strerror((fwpk_err)rows));
        rows++;
        p = strchr(p, '\n') + 1;
    }
    assert_int_equal(rows, n);
    printf("SPEC.md 10: %d errors, each with its value, section and message\n",
           rows);
    free(spec);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_s3_info_string),
        cmocka_unit_test(test_s42_filter_with_codec_none),
        cmocka_unit_test(test_s43_generic_target),
        cmocka_unit_test(test_s5_signature_count),
        cmocka_unit_test(test_s10_error_table),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
