/* test_spec_example.c - format/SPEC.md's example container as a golden
 * vector: the appendix's key, image and command are packed with the CLI
 * and the result must equal the appendix's dump byte for byte; then the
 * device verifier installs it with the RFC 8032 TEST 1 public key, and a
 * flipped byte in each section is refused.  So the SPEC's dump, the packer
 * and the verifier cannot drift apart. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"
#include "fwpk_verify.h"
#include "pack_util.h"

#define SPEC "format/SPEC.md"
#define SECTION "## Appendix: example container"
#define MAX_BYTES 4096

/* RFC 8032 section 7.1, TEST 1. */
static const char rfc8032_pk[] =
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";

static const char *dir;
static char *spec;
static uint8_t dump[MAX_BYTES];
static size_t dump_len;

static int hexval(int c)
{
    return isdigit(c) ? c - '0' : tolower(c) - 'a' + 10;
}

/* The appendix, from its heading to the end of the file. */
static const char *section(void)
{
    const char *s = strstr(spec, SECTION);
    if (!s)
        fail_msg("%s: no \"%s\"", SPEC, SECTION);
    return s;
}

/* The body of the first fenced block of kind 'fence' (e.g. "```text")
 * after 'from', copied into a malloc'd string. */
static char *block(const char *from, const char *fence)
{
    const char *a = strstr(from, fence);
    if (!a)
        fail_msg("%s: no %s block in the appendix", SPEC, fence);
    a = strchr(a, '\n') + 1;
    const char *b = strstr(a, "```");
    assert_non_null(b);
    while (b > a && b[-1] != '\n')
        b--; /* the fence line may be indented */
    char *out = strndup(a, (size_t)(b - a));
    assert_non_null(out);
    return out;
}

/* Lines "OFFSET  HH HH ...  | note": the offsets must follow on from the
 * bytes before them. */
static void parse_dump(const char *text)
{
    dump_len = 0;
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t n = end ? (size_t)(end - line) : strlen(line);
        unsigned long off = strtoul(line, NULL, 16);
        if (off != dump_len)
            fail_msg("%s: dump line at offset %06lx, expected %06zx", SPEC,
                     off, dump_len);
        for (const char *p = line + 6; p < line + n && *p != '|'; p++) {
            if (!isxdigit((unsigned char)p[0]))
                continue;
            assert_true(isxdigit((unsigned char)p[1]));
            assert_true(dump_len < MAX_BYTES);
            dump[dump_len++] = (uint8_t)(hexval(p[0]) << 4 | hexval(p[1]));
            p++;
        }
        line += n + (end != NULL);
    }
    assert_true(dump_len > FWPK_HEADER_LEN);
}

static void write_inputs(void)
{
    char *pem = block(section(), "```pem");
    /* the block is indented as a list item: strip each line's indentation */
    char *o = pem;
    for (const char *p = pem; *p; p++)
        if (*p != ' ' || (p > pem && p[-1] != '\n' && p[-1] != ' '))
            *o++ = *p;
    *o = 0;
    pu_write_str(pu_path(dir, "rfc8032-1.pem"), pem);
    free(pem);
    uint8_t img[16];
    for (int i = 0; i < 16; i++)
        img[i] = (uint8_t)i;
    pu_write(pu_path(dir, "app.bin"), img, sizeof img);
}

static int setup(void **state)
{
    (void)state;
    spec = pu_read(SPEC, NULL);
    if (!spec) {
        fprintf(stderr, "test_spec_example: run from the repo root\n");
        return -1;
    }
    dir = pu_tmpdir();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(spec);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

static uint8_t *pack_example(size_t *len)
{
    write_inputs();
    char *dump_text = block(section(), "```text");
    parse_dump(dump_text);
    free(dump_text);
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    int rc = pu_run("pack -k %s --mcu stm32g030k8 --frame-size 1024 "
                    "--load-addr 0x08000000 "
                    "--codec none --filter none --product example "
                    "--version 1.2.3+4 --builder example %s -o %s",
                    pu_path(dir, "rfc8032-1.pem"), pu_path(dir, "app.bin"),
                    pu_path(dir, "app.fwpk"));
    unsetenv("SOURCE_DATE_EPOCH");
    if (rc != 0)
        fail_msg("fwpack pack failed (%d): %s", rc, pu_err);
    uint8_t *box = (uint8_t *)pu_read(pu_path(dir, "app.fwpk"), len);
    assert_non_null(box);
    return box;
}

static void test_dump_is_what_fwpack_writes(void **state)
{
    (void)state;
    size_t len;
    uint8_t *box = pack_example(&len);
    for (size_t i = 0; i < len && i < dump_len; i++)
        if (box[i] != dump[i])
            fail_msg("offset 0x%03zx: fwpack wrote %02x, %s shows %02x", i,
                     box[i], SPEC, dump[i]);
    assert_int_equal(len, dump_len);
    free(box);
}

/* Installs the dump with the device verifier on the NOR flash model. */
static fwpk_err install(const uint8_t *box, size_t len, fwp_flash *flash)
{
    fwpk_key key;
    memset(&key, 0, sizeof key);
    for (int i = 0; i < 32; i++)
        key.pk[i] = (uint8_t)(hexval(rfc8032_pk[2 * i]) << 4 |
                              hexval(rfc8032_pk[2 * i + 1]));
    uint8_t h[64];
    crypto_hash_sha512(h, key.pk, sizeof key.pk);
    memcpy(key.id, h, FWPK_KEY_ID_LEN);
    fwpk_policy pol;
    memset(&pol, 0, sizeof pol);
    pol.keys = &key;
    pol.key_count = 1;
    pol.target = "app";
    pol.mcu = "stm32g030k8";
    assert_int_equal(fwp_flash_init(flash, 0x08000000u, 0x10000, 2048, 8), 0);
    fwpk_flash cb;
    fwp_flash_bind(flash, &cb);
    static fwpk_ctx ctx;
    fwpk_err err = fwpk_begin(&ctx, &pol, &cb);
    for (size_t off = 0; err == FWPK_OK && off < len; off += 7)
        err = fwpk_feed(&ctx, box + off, len - off < 7 ? len - off : 7);
    return err == FWPK_OK ? fwpk_finish(&ctx) : err;
}

static void test_dump_installs(void **state)
{
    (void)state;
    if (dump_len == 0)
        pack_example(&(size_t){0}); /* parses the dump */
    fwp_flash flash;
    assert_int_equal(install(dump, dump_len, &flash), FWPK_OK);
    for (int i = 0; i < 16; i++)
        assert_int_equal(flash.mem[i], i);
    fwp_flash_free(&flash);
}

/* One flipped bit in each section of the dump is refused. */
static void test_dump_tampered_refused(void **state)
{
    (void)state;
    static const struct {
        size_t off;
        fwpk_err want;
    } cases[] = {
        {0x000, FWPK_ERR_MAGIC},     {0x0f0, FWPK_ERR_INFO},
        {0x100, FWPK_ERR_SIGNATURE}, {0x1a0, FWPK_ERR_SIGNATURE},
        {0x1e0, FWPK_ERR_FRAME_HASH}, {0x20e, FWPK_ERR_FRAME_HASH},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint8_t copy[MAX_BYTES];
        memcpy(copy, dump, dump_len);
        copy[cases[i].off] ^= 1;
        fwp_flash flash;
        fwpk_err err = install(copy, dump_len, &flash);
        if (err != cases[i].want)
            fail_msg("bit flipped at 0x%03zx: %s, expected %s",
                     cases[i].off, fwpk_strerror(err),
                     fwpk_strerror(cases[i].want));
        fwp_flash_free(&flash);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump_is_what_fwpack_writes),
        cmocka_unit_test(test_dump_installs),
        cmocka_unit_test(test_dump_tampered_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
