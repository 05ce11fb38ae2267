/*
 * test_delta.c - delta targets (format/SPEC.md 6.5, issue 18) on pairs of
 * real programs: each built as released and after a small source change
 * (mk/delta-pairs.mk: one function edited, a constant changed, a function
 * added, a library upgrade).  Each pair is packed as a delta of its
 * release and installed by the device verifier on the NOR flash model,
 * with the release as the installed base:
 *
 * - every codec and both the program's filter and none, at piece sizes 1
 *   to 64 and 4096 (all of them for one pair, the rest at a few sizes),
 *   also through the mapped pointer: the flash then holds the new image,
 *   byte for byte, and the base was never written;
 * - a base that differs by one byte anywhere is refused before any erase
 *   (FWPK_ERR_BASE), as are a base that would be written, a window larger
 *   than the RAM ring and a build without delta support (FWPK_ERR_LIMIT);
 * - patches that break a rule of section 6.5, signed, are refused with
 *   FWPK_ERR_PATCH (never installed);
 * - the packer is deterministic and refuses a base of another target or
 *   address range with one line; verify and unpack take the base (--base)
 *   and refuse the wrong one; unpack gives the new image back.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "pack_util.h"

#define PAIRS_DIR "build/delta-pairs"

typedef struct {
    const char *from, *to; /* PROGRAM-VARIANT of mk/delta-pairs.mk */
    uint32_t filter;       /* the program's own */
} pair;

static const pair pairs[] = {
    {"cm0-app-v1", "cm0-app-edit", FWPK_FILTER_THUMB},
    {"cm0-app-v1", "cm0-app-const", FWPK_FILTER_THUMB},
    {"cm0-app-v1", "cm0-app-add", FWPK_FILTER_THUMB},
    {"rv32-app-v1", "rv32-app-edit", FWPK_FILTER_RV32},
    {"rv32-app-v1", "rv32-app-const", FWPK_FILTER_RV32},
    {"rv32-app-v1", "rv32-app-add", FWPK_FILTER_RV32},
    {"cm4-newlib-v1", "cm4-newlib-libup", FWPK_FILTER_THUMB},
    {"cm4-newlib-v1", "cm4-newlib-edit", FWPK_FILTER_THUMB},
};
#define PAIR_COUNT (sizeof pairs / sizeof pairs[0])

/* A program's bytes as one run from its first address (gaps 0xFF): the
 * image a device holds, moved to BOX_BASE. */
static uint8_t *program(const char *name, size_t *len)
{
    char path[512];
    const char *dir = getenv("FWPK_PAIRS_DIR");
    fwp_image img = {0};
    fwp_err err;
    uint8_t *bytes;
    uint32_t n;
    snprintf(path, sizeof path, "%s/%s.elf", dir ? dir : PAIRS_DIR, name);
    if (fwp_input_load(path, 0, 0, &img, &err))
        fail_msg("%s (make check builds it: mk/delta-pairs.mk)", err.msg);
    if (fwp_base_flatten(&img, path, &bytes, &n, &err))
        fail_msg("%s", err.msg);
    fwp_image_free(&img);
    if (n > BOX_FLASH / 2)
        fail_msg("%s: %u bytes, more than the test flash's half", path,
                 (unsigned)n);
    *len = n;
    return bytes;
}

typedef struct {
    box_setup s;
    uint8_t *base;
    size_t base_len;
} delta_case;

/* The new program as the target's image, a delta against the old one. */
static void make_case(delta_case *c, const pair *p, uint32_t codec,
                      uint32_t filter)
{
    size_t len;
    fwp_err err;
    uint8_t *nw = program(p->to, &len);
    box_init(&c->s, 16);
    fwp_image_free(&c->s.t[0].image);
    memset(&c->s.t[0].image, 0, sizeof c->s.t[0].image);
    free(c->s.image[0]);
    c->s.image[0] = nw;
    c->s.image_len[0] = len;
    if (fwp_image_add(&c->s.t[0].image, BOX_BASE, nw, len, "test", &err))
        fail_msg("%s", err.msg);
    c->base = program(p->from, &c->base_len);
    c->s.t[0].codec = codec;
    c->s.t[0].filter = filter;
    c->s.t[0].window_bits = codec == FWPK_CODEC_NONE ? 0 : 15;
    c->s.t[0].lzma_props = (1 * 5 + 1) * 9 + 0; /* lc 0 lp 1 pb 1 */
    c->s.t[0].base = c->base;
    c->s.t[0].base_size = (uint32_t)c->base_len;
    c->s.t[0].base_version = "1.0.0";
}

static void free_case(delta_case *c)
{
    box_free(&c->s);
    free(c->base);
}

/* The flash holds the new image, the base untouched, 0xFF elsewhere. */
static int image_and_base(const delta_case *c, fwp_flash *flash)
{
    uint8_t *at = flash->mem + (BOX_DELTA_BASE - BOX_BASE);
    if (memcmp(at, c->base, c->base_len) != 0)
        return 0;
    memset(at, 0xff, c->base_len);
    int ok = box_flash_matches(&c->s, 0, flash);
    memcpy(at, c->base, c->base_len);
    return ok;
}

/* Installs box with the base in place; the flash must then hold the new
 * image and the base, untouched. */
static void install(delta_case *c, const uint8_t *box, size_t len,
                    size_t chunk, int mapped)
{
    box_policy pol = {0};
    fwp_flash flash;
    pol.chunk = chunk;
    pol.mapped = mapped;
    pol.base = c->base;
    pol.base_len = c->base_len;
    fwpk_err e = box_verify(&c->s, &pol, box, len, &flash);
    if (e != FWPK_OK)
        fail_msg("chunk %zu: %s", chunk, fwpk_strerror(e));
    assert_true(image_and_base(c, &flash));
    assert_string_equal(flash.problem, "");
    fwp_flash_free(&flash);
}

static const uint32_t codecs[] = {FWPK_CODEC_NONE, FWPK_CODEC_DEFLATE,
                                  FWPK_CODEC_LZMA};

/* ---- round trips ---- */

static void test_round_trips(void **state)
{
    (void)state;
    size_t installs = 0;
    for (size_t i = 0; i < PAIR_COUNT; i++)
        for (size_t k = 0; k < 3; k++)
            for (int f = 0; f < 2; f++) {
                delta_case c;
                size_t len;
                make_case(&c, &pairs[i], codecs[k],
                          f ? pairs[i].filter : FWPK_FILTER_NONE);
                uint8_t *box = box_pack(&c.s, &len);
                /* one pair at every piece size, the others at a few */
                size_t last = i == 0 ? 64 : 3;
                for (size_t chunk = 1; chunk <= last; chunk++, installs++)
                    install(&c, box, len, chunk, 0);
                install(&c, box, len, 4096, 0);
                install(&c, box, len, 4096, 1);
                installs += 2;
                free(box);
                free_case(&c);
            }
    printf("delta round trips: %zu pairs x 3 codecs x 2 filters, %zu "
           "installs\n", PAIR_COUNT, installs);
}

/* The full container of the same pair, for the sizes printed. */
static void test_sizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < PAIR_COUNT; i++) {
        delta_case c;
        size_t dlen, flen;
        make_case(&c, &pairs[i], FWPK_CODEC_DEFLATE, pairs[i].filter);
        uint8_t *d = box_pack(&c.s, &dlen);
        c.s.t[0].base = NULL;
        uint8_t *f = box_pack(&c.s, &flen);
        printf("%-15s -> %-17s full %6zu, delta %5zu bytes (%.1f%%)\n",
               pairs[i].from, pairs[i].to, flen, dlen, 100.0 * dlen / flen);
        assert_true(dlen < flen / 4);
        free(d);
        free(f);
        free_case(&c);
    }
}

/* ---- the base ---- */

static void test_base_one_byte(void **state)
{
    (void)state;
    delta_case c;
    size_t len, refused = 0;
    make_case(&c, &pairs[0], FWPK_CODEC_DEFLATE, FWPK_FILTER_THUMB);
    uint8_t *box = box_pack(&c.s, &len);
    uint8_t *good = malloc(c.base_len);
    memcpy(good, c.base, c.base_len);
    /* a byte changed at the start, the end and spread over the base */
    for (size_t at = 0; at < c.base_len;
         at += at + 1 == c.base_len ? 1 : (c.base_len / 37) | 1) {
        for (int last = 0; last < 2; last++) {
            size_t pos = last ? c.base_len - 1 : at;
            box_policy pol = {0};
            fwp_flash flash;
            memcpy(c.base, good, c.base_len);
            c.base[pos] ^= 0x01;
            pol.base = c.base;
            pol.base_len = c.base_len;
            assert_int_equal(box_verify(&c.s, &pol, box, len, &flash),
                             FWPK_ERR_BASE);
            assert_int_equal(flash.erases, 0);
            assert_int_equal(flash.writes, 0);
            fwp_flash_free(&flash);
            refused++;
        }
    }
    /* one byte short: the base's last byte is then the flash's 0xFF */
    box_policy pol = {0};
    fwp_flash flash;
    memcpy(c.base, good, c.base_len);
    pol.base = c.base;
    pol.base_len = c.base_len - 1;
    if (c.base[c.base_len - 1] != 0xff) {
        assert_int_equal(box_verify(&c.s, &pol, box, len, &flash),
                         FWPK_ERR_BASE);
        fwp_flash_free(&flash);
    }
    printf("a base one byte off: refused before any erase, %zu times\n",
           refused);
    free(good);
    free(box);
    free_case(&c);
}

/* Runs box with the flash callbacks given, on the model. */
static fwpk_err run_with(delta_case *c, const uint8_t *box, size_t len,
                         uint32_t base_addr, int no_read, fwp_flash *flash)
{
    static fwpk_ctx ctx;
    fwpk_key key;
    fwpk_policy pol;
    fwpk_flash cb;
    box_simple_policy(&c->s, &key, &pol);
    if (fwp_flash_init(flash, BOX_BASE, BOX_FLASH, 2048, 8))
        fail_msg("flash model");
    memcpy(flash->mem + (BOX_DELTA_BASE - BOX_BASE), c->base, c->base_len);
    fwp_flash_bind(flash, &cb);
    cb.base_addr = base_addr;
    if (no_read)
        cb.read = NULL;
    fwpk_err e = fwpk_begin(&ctx, &pol, &cb);
    if (e == FWPK_OK)
        e = fwpk_feed(&ctx, box, len);
    return e == FWPK_OK ? fwpk_finish(&ctx) : e;
}

static void test_base_rules(void **state)
{
    (void)state;
    delta_case c;
    size_t len;
    fwp_flash flash;
    make_case(&c, &pairs[0], FWPK_CODEC_DEFLATE, FWPK_FILTER_THUMB);
    uint8_t *box = box_pack(&c.s, &len);
    /* where the update writes: the base would be erased under it */
    uint32_t img_end = BOX_BASE + (uint32_t)c.s.image_len[0];
    uint32_t overlaps[] = {BOX_BASE, img_end - 1,
                           (img_end | 2047u) + 1 - (uint32_t)c.base_len};
    for (size_t i = 0; i < sizeof overlaps / sizeof overlaps[0]; i++) {
        assert_int_equal(run_with(&c, box, len, overlaps[i], 0, &flash),
                         FWPK_ERR_POLICY);
        assert_int_equal(flash.erases, 0);
        fwp_flash_free(&flash);
    }
    /* past 2^32 */
    assert_int_equal(run_with(&c, box, len, 0xffffff00u, 0, &flash),
                     FWPK_ERR_POLICY);
    fwp_flash_free(&flash);
    /* no way to read the base */
    assert_int_equal(run_with(&c, box, len, BOX_DELTA_BASE, 1, &flash),
                     FWPK_ERR_ARG);
    assert_int_equal(flash.erases, 0);
    fwp_flash_free(&flash);
    /* the right place: installed */
    assert_int_equal(run_with(&c, box, len, BOX_DELTA_BASE, 0, &flash),
                     FWPK_OK);
    assert_true(image_and_base(&c, &flash));
    fwp_flash_free(&flash);
    free(box);
    free_case(&c);
}

/* ---- patches that break the rules, in signed containers ---- */

/* A container for c whose patch is 'patch' (codec none, so the frames
 * carry it as it is), signed by the test key. */
static uint8_t *with_patch(delta_case *c, const uint8_t *patch, size_t n,
                           size_t *len)
{
    fwp_manifest m;
    fwp_frames fr;
    c->s.t[0].codec = FWPK_CODEC_NONE;
    c->s.t[0].window_bits = 0;
    box_manifest(&c->s, &m);
    box_frames(&m.targets[0], &fr, patch, n, FWPK_CODEC_NONE, 0, 4096);
    m.targets[0].patch_size = (uint32_t)n;
    uint8_t *box = box_assemble(&c->s.o, &m, c->s.kp, 1, &fr, 1, len);
    fwp_frames_free(&fr);
    return box;
}

typedef struct {
    const char *what;
    uint8_t head[24]; /* the instructions' varints and first bytes */
    size_t n;
} bad_patch;

static void test_bad_patches(void **state)
{
    (void)state;
    delta_case c;
    make_case(&c, &pairs[0], FWPK_CODEC_NONE, FWPK_FILTER_NONE);
    size_t img = c.s.image_len[0], blen = c.base_len;
    /* each followed by enough bytes to complete whatever it starts */
    static const bad_patch bad[] = {
        {"an empty instruction", {0, 0, 0}, 3},
        {"a seek with nothing to copy", {0, 2, 1, 0xaa}, 4},
        {"a seek before the base", {1, 1, 0, 0}, 4},
        {"a varint not in its shortest form", {0x80, 0x00, 0, 1, 0xaa}, 5},
        {"a varint above 2^32 - 1", {0xff, 0xff, 0xff, 0xff, 0x1f}, 5},
        {"a varint of six bytes", {0x80, 0x80, 0x80, 0x80, 0x80, 0}, 6},
    };
    size_t refused = 0;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        size_t n = bad[i].n + img, len;
        uint8_t *p = calloc(1, n);
        memcpy(p, bad[i].head, bad[i].n);
        uint8_t *box = with_patch(&c, p, n, &len);
        box_policy pol = {0};
        fwp_flash flash;
        pol.base = c.base;
        pol.base_len = c.base_len;
        fwpk_err e = box_verify(&c.s, &pol, box, len, &flash);
        if (e != FWPK_ERR_PATCH)
            fail_msg("%s: %s", bad[i].what, fwpk_strerror(e));
        fwp_flash_free(&flash);
        free(box);
        free(p);
        refused++;
    }
    /* instructions built from numbers: past the base, past the image, too
     * short, one byte too many */
    struct {
        const char *what;
        uint32_t copy, seek, insert;
        size_t extra; /* bytes after the instruction's own */
        fwpk_err want;
    } nums[] = {
        {"a copy past the base", (uint32_t)blen + 1, 0, 0, 0, FWPK_ERR_PATCH},
        {"a seek past the base", 1, (uint32_t)(2 * blen), 0, 0,
         FWPK_ERR_PATCH},
        {"more than the image", 0, 0, (uint32_t)img + 1, 0, FWPK_ERR_PATCH},
        {"the image, then more", 0, 0, (uint32_t)img, 4, FWPK_ERR_PATCH},
        {"less than the image", 0, 0, (uint32_t)img - 1, 0, FWPK_ERR_PATCH},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++) {
        fwp_buf b = {0};
        uint32_t v[3] = {nums[i].copy, nums[i].seek, nums[i].insert};
        for (int k = 0; k < 3; k++) {
            do {
                uint8_t byte = (uint8_t)(v[k] & 0x7f);
                v[k] >>= 7;
                if (v[k])
                    byte |= 0x80;
                fwp_buf_put(&b, &byte, 1);
            } while (v[k]);
        }
        size_t body = nums[i].copy + nums[i].insert + nums[i].extra;
        uint8_t *zeros = calloc(1, body + 1);
        fwp_buf_put(&b, zeros, body);
        size_t len;
        uint8_t *box = with_patch(&c, (uint8_t *)b.data, b.len, &len);
        box_policy pol = {0};
        fwp_flash flash;
        pol.base = c.base;
        pol.base_len = c.base_len;
        fwpk_err e = box_verify(&c.s, &pol, box, len, &flash);
        if (e != nums[i].want)
            fail_msg("%s: %s", nums[i].what, fwpk_strerror(e));
        fwp_flash_free(&flash);
        free(box);
        free(zeros);
        fwp_buf_free(&b);
        refused++;
    }
    printf("patches that break section 6.5, signed: %zu refused\n", refused);
    free_case(&c);
}

/* ---- the packer ---- */

static void test_deterministic(void **state)
{
    (void)state;
    delta_case c;
    size_t a_len, b_len;
    make_case(&c, &pairs[2], FWPK_CODEC_LZMA, FWPK_FILTER_THUMB);
    uint8_t *a = box_pack(&c.s, &a_len), *b = box_pack(&c.s, &b_len);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a);
    free(b);
    free_case(&c);
}

/* A device with the patch applier left out refuses before any erase: the
 * limit rule is the driver's (stream.c), so the build under test checks
 * its own FWPK_DELTA. */
static void test_window_limit(void **state)
{
    (void)state;
    delta_case c;
    make_case(&c, &pairs[1], FWPK_CODEC_LZMA, FWPK_FILTER_THUMB);
    c.s.t[0].window_bits = 16; /* the patch's history would be in flash */
    fwp_err err;
    uint8_t *box = NULL;
    size_t len;
    assert_int_equal(fwp_pack(&c.s.o, &box, &len, &err), -1);
    assert_non_null(strstr(err.msg, "at most 2^15"));
    free(box);
    free_case(&c);
}

/* ---- the CLI: pack --base, verify / unpack --base, inspect ---- */

static void test_cli(void **state)
{
    (void)state;
    const char *dir = pu_tmpdir(), *pairs = getenv("FWPK_PAIRS_DIR");
    char v1[512], v2[512], rv[512];
    if (!pairs)
        pairs = PAIRS_DIR;
    snprintf(v1, sizeof v1, "%s/cm0-app-v1.elf", pairs);
    snprintf(v2, sizeof v2, "%s/cm0-app-edit.elf", pairs);
    snprintf(rv, sizeof rv, "%s/rv32-app-edit.elf", pairs);
#define P(n) pu_path(dir, n)
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1); /* deterministic */
    assert_int_equal(pu_run("keygen -o %s", P("k.pem")), 0);
    assert_int_equal(pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem")),
                     0);
    const char *geo = "--mcu nrf52840";
    assert_int_equal(pu_run("pack -q -k %s %s --version 1.0.0 %s -o %s",
                            P("k.pem"), geo, v1, P("v1.fwpk")), 0);
    /* a delta against the container, and against the ELF (its version
     * given), deterministic: the same bytes */
    assert_int_equal(pu_run("pack -q -k %s %s --version 1.1.0 --base %s %s "
                            "-o %s", P("k.pem"), geo, P("v1.fwpk"), v2,
                            P("d.fwpk")), 0);
    assert_int_equal(pu_run("pack -q -k %s %s --version 1.1.0 --base %s "
                            "--base-version 1.0.0 %s -o %s", P("k.pem"), geo,
                            v1, v2, P("d2.fwpk")), 0);
    size_t a_len, b_len;
    char *a = pu_read(P("d.fwpk"), &a_len), *b = pu_read(P("d2.fwpk"), &b_len);
    assert_int_equal(a_len, b_len);
    assert_memory_equal(a, b, a_len);
    free(a);
    free(b);
    /* the ELF without its version: one line, usage */
    assert_int_equal(pu_run("pack -q -k %s %s --base %s %s -o %s", P("k.pem"),
                            geo, v1, v2, P("x.fwpk")), 2);
    pu_one_error(pu_err, "--base-version", NULL);
    /* another target, another address range: one line each, nothing
     * written */
    assert_int_equal(pu_run("pack -q -k %s %s --target radio --base %s %s -o "
                            "%s", P("k.pem"), geo, P("v1.fwpk"), v2,
                            P("x.fwpk")), 3);
    pu_one_error(pu_err, "v1.fwpk", "another target", NULL);
    assert_int_equal(pu_run("pack -q -k %s %s --base %s %s -o %s", P("k.pem"),
                            geo, P("v1.fwpk"), rv, P("x.fwpk")), 3);
    pu_one_error(pu_err, "another address range", NULL);
    assert_false(pu_exists(P("x.fwpk")));
    /* inspect shows the base; verify and unpack need it */
    assert_int_equal(pu_run("inspect %s", P("d.fwpk")), 0);
    assert_non_null(strstr(pu_out, "delta        against version 1.0.0"));
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("d.fwpk")), 2);
    pu_one_error(pu_err, "--base", NULL);
    assert_int_equal(pu_run("verify -p %s --base %s %s", P("pub.pem"),
                            P("v1.fwpk"), P("d.fwpk")), 0);
    assert_int_equal(pu_run("verify -p %s --chunk 1 --base %s %s",
                            P("pub.pem"), v1, P("d.fwpk")), 0);
    assert_int_equal(pu_run("unpack -p %s --base %s %s -o %s", P("pub.pem"),
                            v1, P("d.fwpk"), P("new.hex")), 0);
    assert_int_equal(pu_run("pack -q -k %s %s --version 1.1.0 %s -o %s",
                            P("k.pem"), geo, P("new.hex"), P("full.fwpk")),
                     0);
    assert_int_equal(pu_run("pack -q -k %s %s --version 1.1.0 %s -o %s",
                            P("k.pem"), geo, v2, P("full2.fwpk")), 0);
    /* unpack gave v2's image back: the same image digest */
    assert_int_equal(pu_run("inspect --json %s", P("full.fwpk")), 0);
    char *d1 = strstr(pu_out, "\"image_digest\":");
    assert_non_null(d1);
    d1 = strndup(d1, 80);
    assert_int_equal(pu_run("inspect --json %s", P("full2.fwpk")), 0);
    assert_non_null(strstr(pu_out, d1));
    free(d1);
    /* the wrong base: refused, exit 1, the device's reason */
    assert_int_equal(pu_run("verify -p %s --base %s %s", P("pub.pem"), v2,
                            P("d.fwpk")), 1);
    pu_one_error(pu_err, "not the base", NULL);
#undef P
    pu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trips),
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_base_one_byte),
        cmocka_unit_test(test_base_rules),
        cmocka_unit_test(test_bad_patches),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_window_limit),
        cmocka_unit_test(test_cli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
