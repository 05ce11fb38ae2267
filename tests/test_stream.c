/* test_stream.c - the streaming verifier end to end on the NOR flash
 * model: good containers install byte for byte at every piece size, with
 * every codec (LZMA too), filter and geometry; policy and signature
 * failures touch no flash; the state machine stays failed.  In the builds
 * that leave a codec out (mk/modes.mk), its containers are refused before
 * any erase and the rest install as ever. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"

/* Installed byte for byte; or, when this build left the codec out
 * (FWPK_CODECS), refused before anything is erased. */
static void installs_ex(box_setup *s, size_t chunk, int mapped)
{
    size_t len;
    uint8_t *box = box_pack(s, &len);
    box_policy p = {0};
    fwp_flash f;
    p.chunk = chunk;
    p.mapped = mapped;
    fwpk_err err = box_verify(s, &p, box, len, &f);
    if (box_codec_left_out(s, 0)) {
        assert_int_equal(err, FWPK_ERR_LIMIT);
        assert_int_equal(f.erases + f.writes, 0);
    } else if (err != FWPK_OK) {
        fail_msg("chunk %zu: %s (%s)", chunk, fwpk_strerror(err), f.problem);
    } else {
        assert_true(box_flash_matches(s, 0, &f));
    }
    fwp_flash_free(&f);
    free(box);
}

static void installs(box_setup *s, size_t chunk)
{
    installs_ex(s, chunk, 0);
    if (chunk % 2 == 1)
        installs_ex(s, chunk, 1); /* and from memory-mapped flash */
}

/* Refused before anything is erased (FWPK_ERR_LIMIT, also for a codec
 * this build left out), or installed. */
static void limit_or_installs(box_setup *s, int limit)
{
    size_t len;
    fwp_flash f;
    box_policy p = {0};
    uint8_t *box = box_pack(s, &len);
    fwpk_err err = box_verify(s, &p, box, len, &f);
    if (limit || box_codec_left_out(s, 0)) {
        assert_int_equal(err, FWPK_ERR_LIMIT);
        assert_int_equal(f.erases + f.writes, 0);
    } else {
        assert_int_equal(err, FWPK_OK);
        assert_true(box_flash_matches(s, 0, &f));
    }
    fwp_flash_free(&f);
    free(box);
}

/* RV32 filtering with a window larger than this build's ring: refused
 * before anything is erased (history.h), in builds with the window in
 * flash; installed in the others. */
static void test_rv32_window(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 12000);
    s.t[0].filter = FWPK_FILTER_RV32;
    s.t[0].window_bits = 15;
    limit_or_installs(&s, BOX_RV32_WINDOW_BITS < 15);
    box_free(&s);
}

/* The own target with one segment more than this build keeps
 * (FWPK_SEGMENTS): refused before anything is erased; with exactly as
 * many, installed.  A build keeping all FWPK_MAX_SEGMENTS takes the
 * largest count a container may have. */
static void test_segment_limit(void **state)
{
    (void)state;
    static const uint8_t bytes[64] = {1, 2, 3};
    box_setup s;
    fwp_err err;
    uint32_t k;
    box_init(&s, 4000);
    for (k = 1; k < FWPK_SEGMENTS; k++)
        if (fwp_image_add(&s.t[0].image, BOX_BASE + 0x10000u + k * 0x800u,
                          bytes, sizeof bytes, "test", &err))
            fail_msg("image: %s", err.msg);
    limit_or_installs(&s, 0);
    if (FWPK_SEGMENTS < FWPK_MAX_SEGMENTS) {
        if (fwp_image_add(&s.t[0].image, BOX_BASE + 0x30000u, bytes,
                          sizeof bytes, "test", &err))
            fail_msg("image: %s", err.msg);
        limit_or_installs(&s, 1);
    }
    box_free(&s);
}

/* The manifest's length, from the container's header (SPEC.md 2). */
static size_t manifest_len(box_setup *s)
{
    size_t len;
    uint8_t *box = box_pack(s, &len);
    size_t n = (size_t)box[8] | (size_t)box[9] << 8;
    free(box);
    return n;
}

/* A container with as many targets as this build walks (FWPK_TARGETS),
 * the own one first: installed, unless its manifest is larger than the
 * build's buffer (FWPK_MANIFEST_ROOM: under 1 KiB in the AVR build,
 * test-avr); with one more target: refused before anything is erased.  A build walking all FWPK_MAX_TARGETS takes the most a
 * container may have. */
static void test_target_limit(void **state)
{
    (void)state;
    box_setup s;
    char name[FWPK_MAX_TARGETS][8];
    uint32_t k;
    box_init(&s, 3000);
    for (k = 1; k < FWPK_TARGETS; k++) {
        snprintf(name[k], sizeof name[k], "other%u", (unsigned)k);
        box_add_target(&s, name[k], BOX_BASE + k * 0x2000u, 1000, k + 1);
    }
    limit_or_installs(&s, manifest_len(&s) > FWPK_MANIFEST_ROOM);
    if (FWPK_TARGETS < FWPK_MAX_TARGETS) {
        box_add_target(&s, "extra", BOX_BASE + k * 0x2000u, 1000, k + 1);
        limit_or_installs(&s, 1);
    }
    box_free(&s);
}

/* A manifest larger than the build's buffer (FWPK_MANIFEST_ROOM, the
 * room the frames' state leaves: in the AVR build, test-avr, 896 bytes on
 * the host, less than this 1.3 KB manifest of four targets with 32
 * segments each): refused before anything is erased; installed where it
 * fits. */
static void test_manifest_room(void **state)
{
    (void)state;
    static const uint8_t bytes[64] = {1, 2, 3};
    char name[4][8];
    box_setup s;
    fwp_err err;
    uint32_t k, j, targets = FWPK_TARGETS < 4 ? FWPK_TARGETS : 4;
    box_init(&s, 3000);
    for (k = 1; k < targets; k++) {
        snprintf(name[k], sizeof name[k], "other%u", (unsigned)k);
        box_add_target(&s, name[k], BOX_BASE + k * 0x2000u, 1000, k + 1);
        for (j = 1; j < FWPK_MAX_SEGMENTS; j++)
            if (fwp_image_add(&s.t[k].image,
                              BOX_BASE + k * 0x10000u + j * 0x800u, bytes,
                              sizeof bytes, "test", &err))
                fail_msg("image: %s", err.msg);
    }
    limit_or_installs(&s, manifest_len(&s) > FWPK_MANIFEST_ROOM);
    box_free(&s);
}

/* The manifest's version reaches a policy that asks for it (the context
 * keeps no copy), cut to the caller's buffer; size 0 writes nothing. */
static void test_version_out(void **state)
{
    (void)state;
    static const struct {
        uint32_t size;
        const char *want;
    } cases[] = {{64, "1.2.3"}, {6, "1.2.3"}, {4, "1.2"}, {1, ""}, {0, "x"}};
    box_setup s;
    size_t len;
    uint8_t *box;
    box_init(&s, 3000);
    box = box_pack(&s, &len);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char version[64] = "x";
        box_policy p = {0};
        fwp_flash f;
        p.version = version;
        p.version_size = cases[i].size;
        fwpk_err err = box_verify(&s, &p, box, len, &f);
        assert_int_equal(err, box_codec_left_out(&s, 0) ? FWPK_ERR_LIMIT
                                                        : FWPK_OK);
        assert_string_equal(version, cases[i].want);
        fwp_flash_free(&f);
    }
    free(box);
    box_free(&s);
}

/* Each code has its own line, or with FWPK_STRINGS 0 the one generic
 * line (no message table in the build). */
static void test_strings(void **state)
{
    (void)state;
    int e;
    for (e = 0; e <= FWPK_ERR_COUNT; e++) {
        const char *m = fwpk_strerror((fwpk_err)e);
        assert_non_null(m);
        if (FWPK_STRINGS && e < FWPK_ERR_COUNT)
            assert_string_not_equal(m, "fwpk error");
        else if (!FWPK_STRINGS)
            assert_string_equal(m, "fwpk error");
    }
    if (FWPK_STRINGS)
        assert_string_not_equal(fwpk_strerror(FWPK_ERR_DIGEST),
                                fwpk_strerror(FWPK_ERR_FRAME_HASH));
}

static void test_roundtrip_chunks(void **state)
{
    (void)state;
    box_setup s;
    static const size_t chunks[] = {1, 2, 3, 7, 33, 34, 35, 100, 512, 4095,
                                    4096, 4097, 8192, 1 << 20};
    size_t i;
    box_init(&s, 20000);
    for (i = 0; i < sizeof chunks / sizeof chunks[0]; i++)
        installs(&s, chunks[i]);
    box_free(&s);
}

static void test_codecs_and_filters(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 30001);
    installs(&s, 4096);
    s.t[0].filter = FWPK_FILTER_THUMB;
    installs(&s, 777);
    s.t[0].filter = FWPK_FILTER_RV32;
    if (BOX_RV32_WINDOW_BITS >= FWPK_WINDOW_BITS_MIN) {
        s.t[0].window_bits = BOX_RV32_WINDOW_BITS;
        installs(&s, 333);
    } else { /* a ring below the smallest window: RV32 is refused */
        s.t[0].window_bits = FWPK_WINDOW_BITS_MIN;
        limit_or_installs(&s, 1);
    }
    s.t[0].codec = FWPK_CODEC_NONE;
    s.t[0].window_bits = 0;
    installs(&s, 4096);
    s.t[0].filter = FWPK_FILTER_NONE;
    installs(&s, 1);
    s.t[0].codec = FWPK_CODEC_DEFLATE;
    s.t[0].window_bits = 9;
    s.t[0].frame_size = 256;
    installs(&s, 300);
    box_free(&s);
}

/* LZMA (SPEC.md 6.1): a dictionary larger than any ring (history read
 * back from flash, through the Thumb filter), piece sizes that cut
 * symbols, many small frames; RV32 filtering needs the dictionary in the
 * ring, else it is refused before anything is erased. */
static void test_lzma(void **state)
{
    (void)state;
    box_setup s;
    box_init(&s, 40000);
    s.t[0].codec = FWPK_CODEC_LZMA;
    s.t[0].lzma_props = 45 + 9; /* lc 0 lp 1 pb 1 */
    s.t[0].window_bits = 17;
    s.t[0].filter = FWPK_FILTER_THUMB;
    installs(&s, 1);
    installs(&s, 19);
    installs(&s, 4096);
    s.t[0].frame_size = 256;
    s.t[0].window_bits = 12;
    s.t[0].filter = FWPK_FILTER_NONE;
    s.t[0].lzma_props = 2 * 45 + 9 + 1; /* lc 1 lp 1 pb 2 */
    installs(&s, 333);
    s.t[0].filter = FWPK_FILTER_RV32;
    limit_or_installs(&s, FWPK_RING_BITS < 12);
    box_free(&s);
}

static void test_refusals(void **state)
{
    (void)state;
    box_setup s;
    size_t len;
    fwp_flash f;
    box_init(&s, 5000);
    s.o.security_counter = 5;
    uint8_t *box = box_pack(&s, &len);
    box_policy p = {0};
    p.target = "other";
    assert_int_equal(box_verify(&s, &p, box, len, &f), FWPK_ERR_NO_TARGET);
    assert_int_equal(f.erases + f.writes, 0);
    fwp_flash_free(&f);
    memset(&p, 0, sizeof p);
    p.mcu = "nrf52840";
    assert_int_equal(box_verify(&s, &p, box, len, &f), FWPK_ERR_WRONG_MCU);
    fwp_flash_free(&f);
    memset(&p, 0, sizeof p);
    p.min_security_counter = 6;
    assert_int_equal(box_verify(&s, &p, box, len, &f), FWPK_ERR_ROLLBACK);
    fwp_flash_free(&f);
    memset(&p, 0, sizeof p);
    p.window_lo = BOX_BASE + 0x800;
    p.window_hi = BOX_BASE + BOX_FLASH;
    assert_int_equal(box_verify(&s, &p, box, len, &f), FWPK_ERR_POLICY);
    assert_int_equal(f.erases + f.writes, 0);
    fwp_flash_free(&f);
    memset(&p, 0, sizeof p);
    p.revoked_mask = 1;
    assert_int_equal(box_verify(&s, &p, box, len, &f), FWPK_ERR_REVOKED);
    fwp_flash_free(&f);
    free(box);
    box_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_chunks),
        cmocka_unit_test(test_codecs_and_filters),
        cmocka_unit_test(test_lzma),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_rv32_window),
        cmocka_unit_test(test_segment_limit),
        cmocka_unit_test(test_target_limit),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_version_out),
        cmocka_unit_test(test_manifest_room),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
