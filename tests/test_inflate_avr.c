/* test_inflate_avr.c - both inflate decoders on an AVR core (simavr),
 * against zlib.  The host suites (test_inflate, fuzz_inflate) run them
 * with a 32-bit int; the AVR builds run them with a 16-bit one, where a
 * value such as a distance shifted left can lose its top bits (the fast
 * decoder did, for every distance over 4096).  So: an image whose
 * matches reach 5000 and 8000 bytes back, deflated by zlib with a 2^13
 * window at levels 1, 6 and 9, is inflated on an ATmega1284P
 * (tests/avr/inflate_avr.c: 61-byte pieces, an 8 KiB RAM window) by the
 * fast decoder (inflate.c) and by FWPK_INFLATE_SMALL=1's
 * (inflate_small.c); each must give zlib's length and CRC-32.  And the
 * level-6 stream with one of three bytes changed (in the header, the
 * middle, the end) must be refused or give what zlib gives for it, by
 * both.  (inflate.c before a801abe, issue 23's fix, failed the first
 * case.)
 *
 * Needs avr-gcc, avr-libc and simavr: their absence is a failure with a
 * message, never a silent skip.  Runs from the repo root; builds into
 * build/test/inflate_avr. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "pack_util.h"

#define DIR "build/test/inflate_avr"
#define WINDOW_BITS 13
#define IMAGE_LEN 12000u
/* the decoder, the window and the CRC; not the others in verifier/src */
#define SRC "verifier/src/inflate.c verifier/src/inflate_small.c " \
            "verifier/src/window.c tests/avr/inflate_avr.c"

static int setup(void **state)
{
    (void)state;
    const char *tools[] = {"avr-gcc", "simavr"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pu_have(tools[i])) {
            fprintf(stderr,
                    "test_inflate_avr: %s is not installed (make deps, or "
                    "apt-get install gcc-avr avr-libc simavr)\n",
                    tools[i]);
            return -1;
        }
    mkdir("build", 0755);
    mkdir("build/test", 0755);
    mkdir(DIR, 0755);
    return 0;
}

/* Firmware-like bytes, then the same again 5000 and 8000 bytes on, every
 * 97th byte changed: matches beyond 4096 that zlib must use. */
static void make_image(uint8_t *p)
{
    pu_firmware(p, 5000, 21);
    for (uint32_t i = 5000; i < IMAGE_LEN; i++)
        p[i] = i % 97 == 0 ? (uint8_t)(i * 13)
                           : p[i - (i < 8000 ? 5000u : 8000u)];
}

static size_t deflate_raw(const uint8_t *in, size_t n, int level,
                          uint8_t *out, size_t cap)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, -WINDOW_BITS, 8,
                                  Z_DEFAULT_STRATEGY),
                     Z_OK);
    z.next_in = (uint8_t *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

/* zlib's raw inflate of the stream: its length and CRC-32, or -1 if it
 * refuses it. */
static int zlib_verdict(const uint8_t *s, size_t n, uint32_t *len,
                        uint32_t *crc)
{
    static uint8_t out[1 << 20];
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, -15), Z_OK);
    z.next_in = (uint8_t *)s;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = sizeof out;
    int rc = inflate(&z, Z_FINISH);
    *len = (uint32_t)(sizeof out - z.avail_out);
    *crc = (uint32_t)crc32(0, out, *len);
    inflateEnd(&z);
    return rc == Z_STREAM_END && z.avail_in == 0 ? 0 : -1;
}

static void write_stream_h(const uint8_t *s, size_t n)
{
    FILE *f = fopen(DIR "/stream.h", "w");
    assert_non_null(f);
    fprintf(f, "/* written by tests/test_inflate_avr.c */\n"
               "#define STREAM_LEN %zuu\n"
               "static const uint8_t stream[] PROGMEM = {",
            n);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%u,", i % 16 ? "" : "\n", s[i]);
    fprintf(f, "\n};\n");
    assert_int_equal(fclose(f), 0);
}

typedef struct {
    unsigned long len, crc;
    int err;
} avr_result;

/* Builds the harness with 'defs' and runs it on the stream in
 * stream.h. */
static avr_result run_avr(const char *defs)
{
    char cmd[2048], out[4096];
    avr_result r = {0, 0, -1};
    snprintf(cmd, sizeof cmd,
             "avr-gcc -mmcu=atmega1284p -Os -std=gnu99 -Wall -Wextra "
             "-Werror -ffunction-sections -fdata-sections -Wl,--gc-sections "
             "-DFWPK_WINDOW_BITS=%d -DFWPK_RING_BITS=%d %s -Iverifier/include "
             "-Iverifier/src -Iformat -I" DIR " " SRC " -o " DIR "/inflate.elf",
             WINDOW_BITS, WINDOW_BITS, defs);
    if (pu_capture(cmd, out, sizeof out) != 0)
        fail_msg("avr-gcc failed (%s):\n%s", defs, out);
    snprintf(cmd, sizeof cmd,
             "timeout 600 simavr -m atmega1284p -f 16000000 " DIR
             "/inflate.elf < /dev/null 2>&1 | sed 's/\\x1b\\[[0-9;]*m//g'");
    pu_capture(cmd, out, sizeof out);
    const char *p = strstr(out, "R len ");
    if (!p || sscanf(p, "R len %lu", &r.len) != 1 ||
        !(p = strstr(out, "R crc ")) || sscanf(p, "R crc %lx", &r.crc) != 1 ||
        !(p = strstr(out, "R err ")) || sscanf(p, "R err %d", &r.err) != 1)
        fail_msg("simavr printed no result (%s):\n%.1000s", defs, out);
    return r;
}

static const char *const decoders[] = {"-DFWPK_INFLATE_SMALL=0",
                                       "-DFWPK_INFLATE_SMALL=1"};

static void test_long_distances(void **state)
{
    (void)state;
    static uint8_t img[IMAGE_LEN], s[IMAGE_LEN + 1024];
    const int levels[] = {1, 6, 9};
    make_image(img);
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        size_t n = deflate_raw(img, sizeof img, levels[l], s, sizeof s);
        uint32_t len, crc;
        assert_int_equal(zlib_verdict(s, n, &len, &crc), 0);
        assert_int_equal(len, IMAGE_LEN);
        write_stream_h(s, n);
        for (size_t d = 0; d < 2; d++) {
            avr_result r = run_avr(decoders[d]);
            printf("level %d, %s: %zu -> %lu bytes, crc %08lx, err %d "
                   "(zlib: %08lx)\n",
                   levels[l], decoders[d], n, r.len, r.crc, r.err,
                   (unsigned long)crc);
            assert_int_equal(r.err, 0);
            assert_int_equal(r.len, len);
            assert_int_equal(r.crc, crc);
        }
    }
}

/* A changed byte: each decoder refuses the stream or gives zlib's bytes
 * (some changes make another valid stream). */
static void test_corrupted(void **state)
{
    (void)state;
    static uint8_t img[IMAGE_LEN], s[IMAGE_LEN + 1024];
    make_image(img);
    size_t n = deflate_raw(img, sizeof img, 6, s, sizeof s);
    const size_t at[] = {1, n / 3, n - 2};
    for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
        uint32_t len, crc;
        s[at[i]] ^= 0x24;
        int zrc = zlib_verdict(s, n, &len, &crc);
        write_stream_h(s, n);
        for (size_t d = 0; d < 2; d++) {
            avr_result r = run_avr(decoders[d]);
            printf("byte %zu changed, %s: err %d, %lu bytes (zlib: %s)\n",
                   at[i], decoders[d], r.err, r.len,
                   zrc ? "refused" : "accepted");
            if (r.err == 0) {
                assert_int_equal(zrc, 0);
                assert_int_equal(r.len, len);
                assert_int_equal(r.crc, crc);
            }
        }
        s[at[i]] ^= 0x24;
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_long_distances),
        cmocka_unit_test(test_corrupted),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
