/* test_cli_verify.c - fwpack verify and fwpack unpack, and the device
 * verifier they run: every feed size 1..8192, every byte of a container
 * changed, unpack round trips, and no output file after a refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "box.h"
#include "fwpack.h"
#include "pack_util.h"

static const char *dir;

static int lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

/* The HEX image of the CLI tests: two segments, the second starting and
 * ending in the middle of a write unit, so unpack's output carries 0xFF
 * padding around it. */
#define SEG1_ADDR 0x08000000u
#define SEG1_LEN 3000u
#define SEG2_ADDR 0x08002003u
#define SEG2_LEN 1231u
static uint8_t seg1[SEG1_LEN], seg2[SEG2_LEN];

static void write_hex(const char *path, const fwp_image *im)
{
    char *text;
    size_t len;
    fwp_err err;
    assert_int_equal(fwp_hex_format(im, &text, &len, &err), 0);
    pu_write(path, text, len);
    free(text);
}

static int setup(void **state)
{
    (void)state;
    fwp_image im = {0};
    fwp_err err;
    uint8_t radio[2500];
    dir = pu_tmpdir();
    pu_firmware(seg1, sizeof seg1, 11);
    pu_firmware(seg2, sizeof seg2, 12);
    pu_firmware(radio, sizeof radio, 13);
    if (fwp_image_add(&im, SEG1_ADDR, seg1, sizeof seg1, "t", &err) ||
        fwp_image_add(&im, SEG2_ADDR, seg2, sizeof seg2, "t", &err))
        return -1;
    write_hex(P("app.hex"), &im);
    fwp_image_free(&im);
    pu_write(P("radio.bin"), radio, sizeof radio);
    if (pu_run("keygen -o %s", P("k.pem")) ||
        pu_run("keygen -o %s", P("k2.pem")) ||
        pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem")) ||
        pu_run("export-key %s -o %s", P("k2.pem"), P("pub2.pem")))
        return -1;
    if (pu_run("pack -k %s --version 1.2.3 --mcu stm32l432kc %s -o %s",
               P("k.pem"), P("app.hex"), P("app.fwpk")))
        return -1;
    return pu_run("pack -k %s -k %s -t main:stm32l432kc=%s -t radio=%s@0x10000 "
                  "--frame-size 1024 -o %s",
                  P("k.pem"), P("k2.pem"), P("app.hex"), P("radio.bin"),
                  P("both.fwpk"));
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* A copy of src with byte 'at' xored with 'mask'. */
static void tamper(const char *src, const char *dst, size_t at, int mask)
{
    size_t len;
    char *d = pu_read(src, &len);
    assert_non_null(d);
    assert_true(at < len);
    d[at] ^= (char)mask;
    pu_write(dst, d, len);
    free(d);
}

/* ---- (a) verify: one line when good ---- */

static const char ok_line[] = ": ok, target app (stm32l432kc), version 1.2.3, "
                              "4231 bytes in 2 segments, signed by 1 trusted "
                              "key\n";

static void test_verify_good(void **state)
{
    (void)state;
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("app.fwpk")), 0);
    assert_int_equal(lines(pu_out), 1);
    assert_non_null(strstr(pu_out, ok_line));
    assert_string_equal(pu_err, "");
    /* a keyring of two, one of which signed; a private key file works too */
    assert_int_equal(pu_run("verify -p %s -p %s %s", P("pub2.pem"), P("k.pem"),
                            P("app.fwpk")),
                     0);
    assert_non_null(strstr(pu_out, ok_line));
    assert_int_equal(
        pu_run("verify --json -p %s %s", P("pub.pem"), P("app.fwpk")), 0);
    assert_int_equal(lines(pu_out), 1);
    assert_non_null(strstr(pu_out, "\"ok\":true,\"target\":\"app\","
                                   "\"version\":\"1.2.3\",\"error\":null"));
    assert_non_null(strstr(pu_out, "\"image_size\":4231"));
    assert_non_null(strstr(pu_out, "\"segments\":2,\"codec\":\"deflate\""));
    assert_int_equal(pu_run("verify -v -p %s %s", P("pub.pem"), P("app.fwpk")),
                     0);
    assert_true(lines(pu_out) > 1);
    assert_non_null(strstr(pu_out, "erase block 2048, write unit 8, codec "
                                   "deflate;"));
    assert_int_equal(pu_run("verify --help"), 0);
    assert_non_null(strstr(pu_out, "usage: fwpack verify"));
    assert_int_equal(pu_run("unpack --help"), 0);
    assert_non_null(strstr(pu_out, "usage: fwpack unpack"));
    assert_int_equal(pu_run("--help"), 0);
    assert_non_null(strstr(pu_out, "verify"));
    assert_non_null(strstr(pu_out, "unpack"));
}

static void test_verify_policy(void **state)
{
    (void)state;
    const char *pub = P("pub.pem"), *app = P("app.fwpk");
    assert_int_equal(
        pu_run("verify -p %s --mcu stm32l432kc --target app %s", pub, app), 0);
    assert_int_equal(pu_run("verify -p %s --mcu nrf52840 %s", pub, app), 1);
    assert_non_null(strstr(pu_err, "target is for another MCU"));
    assert_int_equal(pu_run("verify -p %s --target radio %s", pub, app), 1);
    assert_non_null(strstr(pu_err, "no target for this device"));
    assert_non_null(strstr(pu_err, "targets: app"));
    assert_int_equal(
        pu_run("verify -p %s --min-security-counter 1 %s", pub, app), 1);
    assert_non_null(strstr(pu_err, "rollback"));
    assert_int_equal(pu_run("verify -p %s -p %s --min-signatures 2 %s", pub,
                            P("pub2.pem"), app),
                     1);
    assert_int_equal(pu_run("verify -p %s -p %s --min-signatures 2 %s", pub,
                            P("pub2.pem"), P("both.fwpk")),
                     0);
    assert_non_null(strstr(pu_out, "signed by 2 trusted keys"));
}

/* Several targets: each verified in its own pass, one line each. */
static void test_verify_targets(void **state)
{
    (void)state;
    const char *pub = P("pub.pem"), *both = P("both.fwpk");
    assert_int_equal(pu_run("verify -p %s %s", pub, both), 0);
    assert_int_equal(lines(pu_out), 2);
    assert_non_null(strstr(pu_out, "ok, target main (stm32l432kc)"));
    assert_non_null(strstr(pu_out, "ok, target radio, version 0.0.0, 2500 "
                                   "bytes in 1 segment"));
    assert_int_equal(pu_run("verify -p %s --target radio %s", pub, both), 0);
    assert_int_equal(lines(pu_out), 1);
    /* --mcu: the radio's device refuses, the main one accepts */
    assert_int_equal(pu_run("verify -p %s --mcu stm32l432kc %s", pub, both), 1);
    assert_int_equal(lines(pu_out), 1);
    assert_int_equal(lines(pu_err), 1);
    assert_non_null(strstr(pu_err, "target radio: refused at offset"));
    assert_int_equal(
        pu_run("verify --json -p %s --mcu stm32l432kc %s", pub, both), 1);
    assert_non_null(strstr(pu_out, "\"ok\":false,\"target\":\"radio\""));
    assert_non_null(strstr(pu_out, "\"targets\":[{\"target\":\"main\""));
}

/* ---- (b) every feed size ---- */

/* The image of the in-process tests: ~3 KB in two segments (the second
 * unaligned and across an erase block edge), thumb filter, 256-byte
 * frames, so that pieces of every size cut frames, fields and segments
 * everywhere. */
static void small_setup(box_setup *s)
{
    uint8_t b[1200];
    fwp_err err;
    box_init(s, 1800);
    pu_firmware(b, sizeof b, 77);
    if (fwp_image_add(&s->t[0].image, BOX_BASE + 0x7f3, b, sizeof b, "t",
                      &err))
        fail_msg("%s", err.msg);
    s->t[0].filter = FWPK_FILTER_THUMB;
    s->t[0].frame_size = 256;
}

#define SMALL_FLASH 0x2000u

/* box_verify with a flash model of 8 KiB instead of 256 KiB (the window
 * stays the target's flash): 8192 runs stay quick under ASan. */
static fwpk_err verify_small(const box_setup *s, const uint8_t *box,
                             size_t len, size_t chunk, fwp_flash *f,
                             uint32_t *offset)
{
    static fwpk_ctx ctx;
    fwpk_key key;
    fwpk_policy pol;
    fwpk_flash cb;
    size_t off = 0;
    fwpk_err err;
    if (fwp_flash_init(f, BOX_BASE, SMALL_FLASH, 2048, 8))
        fail_msg("flash model");
    memset(&key, 0, sizeof key);
    memcpy(key.pk, s->kp[0].pk, 32);
    fwp_key_id(key.pk, key.id);
    memset(&pol, 0, sizeof pol);
    pol.keys = &key;
    pol.key_count = 1;
    pol.target = "main";
    pol.window_lo = BOX_BASE;
    pol.window_hi = BOX_BASE + BOX_FLASH;
    memset(&cb, 0, sizeof cb);
    fwp_flash_bind(f, &cb);
    err = fwpk_begin(&ctx, &pol, &cb);
    while (err == FWPK_OK && off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        err = fwpk_feed(&ctx, box + off, n);
        off += n;
    }
    if (err == FWPK_OK)
        err = fwpk_finish(&ctx);
    *offset = ctx.offset;
    return err;
}

static void test_every_chunk_size(void **state)
{
    (void)state;
    box_setup s;
    size_t len, n;
    small_setup(&s);
    uint8_t *box = box_pack(&s, &len);
    assert_int_equal(s.t[0].image.count, 2);
    for (n = 1; n <= 8192; n++) {
        fwp_flash f;
        uint32_t offset;
        fwpk_err err = verify_small(&s, box, len, n, &f, &offset);
        if (err != FWPK_OK)
            fail_msg("chunk %zu: %s (%s)", n, fwpk_strerror(err), f.problem);
        if (!box_flash_matches(&s, 0, &f) || f.problem[0] || offset != len)
            fail_msg("chunk %zu: flash differs (%s)", n, f.problem);
        fwp_flash_free(&f);
    }
    printf("every chunk size 1..8192: %zu-byte container, %zu-byte image "
           "installed byte for byte\n", len,
           (size_t)fwp_image_size(&s.t[0].image));
    free(box);
    box_free(&s);
}

static void test_cli_chunks(void **state)
{
    (void)state;
    static const unsigned chunks[] = {1, 7, 4096, 8192, 1048576};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        assert_int_equal(pu_run("verify --chunk %u -p %s %s", chunks[i],
                                P("pub.pem"), P("app.fwpk")),
                         0);
        assert_non_null(strstr(pu_out, ok_line));
        assert_int_equal(pu_run("verify --chunk %u -p %s %s", chunks[i],
                                P("pub.pem"), P("both.fwpk")),
                         0);
        assert_int_equal(lines(pu_out), 2);
    }
}

/* --mode streaming runs the verifier as small parts build it (no frame
 * buffer, the window read back from flash): the same verdicts and the same
 * unpacked image as the buffered build, the mode named in --json. */
static void test_streaming_mode(void **state)
{
    (void)state;
    static const unsigned chunks[] = {1, 7, 4096};
    size_t len;
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        assert_int_equal(pu_run("verify --mode streaming --chunk %u -p %s %s",
                                chunks[i], P("pub.pem"), P("app.fwpk")),
                         0);
        assert_non_null(strstr(pu_out, ok_line));
        assert_int_equal(pu_run("verify --mode streaming --chunk %u -p %s %s",
                                chunks[i], P("pub.pem"), P("both.fwpk")),
                         0);
        assert_int_equal(lines(pu_out), 2);
    }
    assert_int_equal(pu_run("verify --mode streaming --json -p %s %s",
                            P("pub.pem"), P("app.fwpk")),
                     0);
    assert_non_null(strstr(pu_out, "\"mode\":\"streaming\""));
    assert_int_equal(pu_run("verify --json -p %s %s", P("pub.pem"),
                            P("app.fwpk")),
                     0);
    assert_non_null(strstr(pu_out, "\"mode\":\"buffered\""));
    assert_int_equal(pu_run("verify -v --mode streaming -p %s %s",
                            P("pub.pem"), P("app.fwpk")),
                     0);
    assert_non_null(strstr(pu_out, "streaming verifier fed"));
    /* the last payload byte changed: both builds refuse, exit 1 */
    char *d = pu_read(P("app.fwpk"), &len);
    assert_non_null(d);
    free(d);
    tamper(P("app.fwpk"), P("late.fwpk"), len - 1, 0x01);
    assert_int_equal(pu_run("verify --mode streaming -p %s %s", P("pub.pem"),
                            P("late.fwpk")),
                     1);
    assert_non_null(strstr(pu_err, "refused at offset"));
    assert_int_equal(pu_run("verify --mode buffered -p %s %s", P("pub.pem"),
                            P("late.fwpk")),
                     1);
    /* unpack: the same image from both builds, nothing after a refusal */
    assert_int_equal(pu_run("unpack --mode streaming -p %s %s -o %s",
                            P("pub.pem"), P("app.fwpk"), P("stream.hex")),
                     0);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("app.fwpk"), P("buf.hex")),
                     0);
    pu_same_files(P("stream.hex"), P("buf.hex"));
    assert_int_equal(pu_run("unpack --mode streaming -p %s %s -o %s",
                            P("pub.pem"), P("late.fwpk"), P("late.hex")),
                     1);
    assert_int_equal(access(P("late.hex"), F_OK), -1);
    /* a mode that does not exist is a usage error naming the option */
    assert_int_equal(pu_run("verify --mode fast -p %s %s", P("pub.pem"),
                            P("app.fwpk")),
                     2);
    assert_non_null(strstr(pu_err, "fwpack: verify: --mode: buffered or "
                                    "streaming, not 'fast'"));
}

/* ---- (c) any byte changed ---- */

static void refused(const box_setup *s, const uint8_t *box, size_t len,
                    size_t chunk, const char *what, size_t at,
                    unsigned counts[FWPK_ERR_COUNT + 1])
{
    fwp_flash f;
    uint32_t offset;
    fwpk_err err = verify_small(s, box, len, chunk, &f, &offset);
    if (err == FWPK_OK)
        fail_msg("%s at %zu: accepted", what, at);
    if (!box_flash_clean(s, 0, &f) || f.problem[0])
        fail_msg("%s at %zu: %s, but foreign bytes reached flash (%s)", what,
                 at, fwpk_strerror(err), f.problem);
    counts[(unsigned)err < FWPK_ERR_COUNT ? err : FWPK_ERR_COUNT]++;
    fwp_flash_free(&f);
}

static void test_every_byte_changed(void **state)
{
    (void)state;
    static const int masks[] = {0x80, 0x02, 0x40, 0x04, 0x20, 0x08, 0x10,
                                0xff};
    unsigned counts[FWPK_ERR_COUNT + 1] = {0};
    box_setup s;
    size_t len, i, cases = 0;
    small_setup(&s);
    uint8_t *box = box_pack(&s, &len);
    uint8_t *bad = malloc(len + 1);
    assert_non_null(bad);
    memcpy(bad, box, len);
    for (i = 0; i < len; i++) {
        /* every byte with its low bit flipped, and every other byte once
         * more with another mask, in turn each bit and 0xff */
        bad[i] ^= 0x01;
        refused(&s, bad, len, 4096, "xor 0x01", i, counts);
        bad[i] = box[i];
        cases++;
        if (i % 2 == 0) {
            bad[i] ^= (uint8_t)masks[(i / 2) % 8];
            refused(&s, bad, len, 1 + i % 600, "xor mask", i, counts);
            bad[i] = box[i];
            cases++;
        }
    }
    /* cut short anywhere (every 7th length), one byte too many */
    for (i = 0; i < len; i += 7, cases++)
        refused(&s, box, i, 4096, "truncated", i, counts);
    bad[len] = 0;
    refused(&s, bad, len + 1, 4096, "trailing byte", len, counts);
    cases++;
    printf("%zu changed containers (%zu-byte original, every byte "
           "changed): all refused, no foreign byte in flash\n", cases, len);
    for (i = 0; i <= FWPK_ERR_COUNT; i++)
        if (counts[i])
            printf("  %5u %s\n", counts[i], fwpk_strerror((fwpk_err)i));
    free(bad);
    free(box);
    box_free(&s);
}

/* ---- (d) unpack round trips ---- */

/* img holds seg at addr, and around it only 0xFF up to write-unit edges. */
static void holds(const fwp_image *img, uint32_t addr, const uint8_t *seg,
                  uint32_t len, uint32_t wu)
{
    uint32_t lo = addr / wu * wu, hi = (addr + len + wu - 1) / wu * wu;
    for (size_t i = 0; i < img->count; i++) {
        const fwp_seg *g = &img->segs[i];
        if (lo < g->addr || hi > g->addr + g->len)
            continue;
        assert_memory_equal(g->data + (addr - g->addr), seg, len);
        for (uint32_t a = lo; a < hi; a++)
            if (a < addr || a >= addr + len)
                assert_int_equal(g->data[a - g->addr], 0xff);
        return;
    }
    fail_msg("0x%08x+%u not in the unpacked image", (unsigned)addr,
             (unsigned)len);
}

static void test_unpack_roundtrip(void **state)
{
    (void)state;
    fwp_image img = {0};
    fwp_err err;
    const char *hex = P("out.hex"), *bin = P("out.bin");
    assert_int_equal(
        pu_run("unpack -p %s %s -o %s", P("pub.pem"), P("app.fwpk"), hex), 0);
    assert_string_equal(pu_out, ""); /* quiet */
    assert_int_equal(fwp_hex_load(hex, &img, &err), 0);
    assert_int_equal(img.count, 2);
    holds(&img, SEG1_ADDR, seg1, SEG1_LEN, 8);
    holds(&img, SEG2_ADDR, seg2, SEG2_LEN, 8);
    assert_int_equal(fwp_image_size(&img), SEG1_LEN + 8 + 1232);
    fwp_image_free(&img);
    /* again: an existing output is replaced, as a compiler's (README,
     * "Outputs"); --force is still accepted */
    assert_int_equal(
        pu_run("unpack -p %s %s -o %s", P("pub.pem"), P("app.fwpk"), hex), 0);
    assert_int_equal(pu_run("unpack --force --chunk 1 -p %s %s -o %s",
                            P("pub.pem"), P("app.fwpk"), hex),
                     0);
    /* raw binary: lowest to highest written address, gaps 0xFF */
    assert_int_equal(
        pu_run("unpack -v -p %s %s -o %s", P("pub.pem"), P("app.fwpk"), bin),
        0);
    assert_non_null(strstr(pu_out, "from address 0x08000000"));
    size_t len;
    uint8_t *b = (uint8_t *)pu_read(bin, &len);
    assert_int_equal(len, 0x2000 + 8 + 1232);
    assert_memory_equal(b, seg1, SEG1_LEN);
    for (size_t a = SEG1_LEN; a < SEG2_ADDR - SEG1_ADDR; a++)
        assert_int_equal(b[a], 0xff);
    assert_memory_equal(b + (SEG2_ADDR - SEG1_ADDR), seg2, SEG2_LEN);
    for (size_t a = SEG2_ADDR - SEG1_ADDR + SEG2_LEN; a < len; a++)
        assert_int_equal(b[a], 0xff);
    free(b);
    assert_int_equal(pu_count_tmp(dir), 0);
}

/* LZMA: verify and unpack name the codec and give back the same bytes. */
static void test_lzma_verify_unpack(void **state)
{
    (void)state;
    fwp_image img = {0};
    fwp_err err;
    const char *box = P("lz.fwpk"), *hex = P("lz.hex");
    assert_int_equal(pu_run("pack -k %s --version 1.2.3 --mcu stm32l432kc "
                            "--codec lzma %s -o %s",
                            P("k.pem"), P("app.hex"), box),
                     0);
    assert_int_equal(pu_run("verify --json --chunk 3 -p %s %s", P("pub.pem"),
                            box),
                     0);
    assert_non_null(strstr(pu_out, "\"ok\":true"));
    assert_non_null(strstr(pu_out, "\"segments\":2,\"codec\":\"lzma\""));
    assert_int_equal(pu_run("verify -v -p %s %s", P("pub.pem"), box), 0);
    assert_non_null(strstr(pu_out, "write unit 8, codec lzma;"));
    assert_int_equal(pu_run("unpack --json -p %s %s -o %s", P("pub.pem"),
                            box, hex),
                     0);
    assert_non_null(strstr(pu_out, "\"codec\":\"lzma\""));
    assert_int_equal(fwp_hex_load(hex, &img, &err), 0);
    holds(&img, SEG1_ADDR, seg1, SEG1_LEN, 8);
    holds(&img, SEG2_ADDR, seg2, SEG2_LEN, 8);
    fwp_image_free(&img);
    tamper(box, P("lz_bad.fwpk"), 700, 0x04);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("lz_bad.fwpk"), P("lz_bad.hex")),
                     1);
    assert_false(pu_exists(P("lz_bad.hex")));
}

static void test_unpack_targets(void **state)
{
    (void)state;
    fwp_image img = {0};
    fwp_err err;
    size_t len;
    uint8_t radio[2500];
    pu_firmware(radio, sizeof radio, 13);
    /* several targets, no --target: one file per target */
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("both.fwpk"), P("multi.hex")),
                     0);
    assert_false(pu_exists(P("multi.hex")));
    assert_int_equal(fwp_hex_load(P("multi.main.hex"), &img, &err), 0);
    holds(&img, SEG1_ADDR, seg1, SEG1_LEN, 8);
    holds(&img, SEG2_ADDR, seg2, SEG2_LEN, 8);
    fwp_image_free(&img);
    assert_int_equal(fwp_hex_load(P("multi.radio.hex"), &img, &err), 0);
    holds(&img, 0x10000, radio, sizeof radio, 4);
    fwp_image_free(&img);
    /* --target: that one, to exactly -o */
    assert_int_equal(pu_run("unpack --json --target radio -p %s %s -o %s",
                            P("pub.pem"), P("both.fwpk"), P("radio.out.bin")),
                     0);
    assert_non_null(strstr(pu_out, "\"address\":65536"));
    uint8_t *b = (uint8_t *)pu_read(P("radio.out.bin"), &len);
    assert_int_equal(len, sizeof radio);
    assert_memory_equal(b, radio, sizeof radio);
    free(b);
    /* one target refused: no file at all, not even the good one's */
    assert_int_equal(pu_run("unpack --mcu stm32l432kc -p %s %s -o %s",
                            P("pub.pem"), P("both.fwpk"), P("m2.hex")),
                     1);
    assert_false(pu_exists(P("m2.main.hex")));
    assert_false(pu_exists(P("m2.radio.hex")));
    /* one target's file cannot be written (a directory): none is */
    assert_int_equal(mkdir(P("m3.radio.hex"), 0755), 0);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("both.fwpk"), P("m3.hex")),
                     4);
    assert_non_null(strstr(pu_err, "m3.radio.hex: a directory, not a "
                                   "regular file"));
    assert_false(pu_exists(P("m3.main.hex")));
    assert_int_equal(rmdir(P("m3.radio.hex")), 0);
    /* a target name that is no file name: --target needed */
    assert_int_equal(pu_run("pack -k %s -t 'a/b=%s' -t c=%s@0x10000 -o %s",
                            P("k.pem"), P("app.hex"), P("radio.bin"),
                            P("odd.fwpk")),
                     0);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("odd.fwpk"), P("odd.hex")),
                     2);
    assert_non_null(strstr(pu_err, "'a/b' cannot go in a file name"));
    assert_false(pu_exists(P("odd.c.hex")));
    assert_int_equal(pu_run("unpack -p %s --target c %s -o %s", P("pub.pem"),
                            P("odd.fwpk"), P("odd.hex")),
                     0);
    assert_true(pu_exists(P("odd.hex")));
    assert_int_equal(pu_count_tmp(dir), 0);
}

/* ---- (e) tampered: refused, nothing written ---- */

static void test_unpack_tampered(void **state)
{
    (void)state;
    size_t len;
    fwp_layout lay;
    fwp_err err;
    uint8_t *box = (uint8_t *)pu_read(P("app.fwpk"), &len);
    assert_int_equal(fwp_layout_parse(box, len, "app.fwpk", &lay, &err), 0);
    size_t sig = lay.signed_len, fr = lay.frames_offset;
    free(box);
    /* the header, the info string, the manifest, the signature count, a
     * key id, a signature, the first frame's length and next hash, a
     * payload byte, the last byte */
    size_t spots[] = {9, 40, sig - 20, sig, sig + 3, sig + 50, fr, fr + 10,
                      fr + 100, len / 2, len - 1};
    const char *out[] = {"t.hex", "t.bin"};
    for (size_t i = 0; i < sizeof spots / sizeof spots[0]; i++) {
        tamper(P("app.fwpk"), P("t.fwpk"), spots[i], 0x01);
        for (size_t j = 0; j < 2; j++) {
            assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                                    P("t.fwpk"), P(out[j])),
                             1);
            assert_non_null(strstr(pu_err, "refused at offset"));
            assert_int_equal(lines(pu_err), 1);
            assert_false(pu_exists(P(out[j])));
        }
        assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("t.fwpk")),
                         1);
        assert_string_equal(pu_out, "");
    }
    /* a frame payload byte: the same offset (the end of the frame the
     * verifier refused) whatever the piece size */
    tamper(P("app.fwpk"), P("t.fwpk"), len - 10, 0x80);
    assert_int_equal(
        pu_run("verify -p %s --chunk 1 %s", P("pub.pem"), P("t.fwpk")), 1);
    assert_non_null(strstr(pu_err, "frame does not match the hash chain"));
    char first[512];
    snprintf(first, sizeof first, "%s", pu_err);
    assert_int_equal(
        pu_run("verify -p %s --chunk 4096 %s", P("pub.pem"), P("t.fwpk")), 1);
    assert_string_equal(pu_err, first);
    /* truncated and junk */
    pu_write(P("short.fwpk"), "FWPK", 4);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("short.fwpk"), P("s.hex")),
                     1);
    assert_non_null(strstr(pu_err, "container truncated"));
    assert_false(pu_exists(P("s.hex")));
    assert_int_equal(pu_count_tmp(dir), 0);
}

/* ---- (f) wrong key, usage ---- */

static void test_wrong_key_and_usage(void **state)
{
    (void)state;
    const char *pub = P("pub.pem"), *app = P("app.fwpk");
    assert_int_equal(pu_run("verify -p %s %s", P("pub2.pem"), app), 1);
    assert_string_equal(pu_out, "");
    assert_int_equal(lines(pu_err), 1);
    assert_non_null(strstr(pu_err, "fwpack: "));
    assert_non_null(strstr(pu_err, "app.fwpk: refused at offset "));
    assert_non_null(strstr(pu_err, "no valid signature from a trusted key"));
    assert_int_equal(pu_run("verify --json -p %s %s", P("pub2.pem"), app), 1);
    assert_non_null(strstr(pu_out, "\"ok\":false"));
    assert_non_null(strstr(pu_out, "\"error\":\"no valid signature"));
    assert_int_equal(
        pu_run("unpack -p %s %s -o %s", P("pub2.pem"), app, P("w.hex")), 1);
    assert_false(pu_exists(P("w.hex")));
    /* usage: exit 2 */
    assert_int_equal(pu_run("verify %s", app), 2);    /* no key */
    assert_int_equal(pu_run("verify -p %s", pub), 2); /* no file */
    assert_int_equal(pu_run("verify -p %s %s %s", pub, app, app), 2);
    assert_int_equal(pu_run("verify -p %s --bogus %s", pub, app), 2);
    assert_int_equal(pu_run("verify -p %s --chunk 0 %s", pub, app), 2);
    assert_int_equal(pu_run("verify -p %s --chunk 1048577 %s", pub, app), 2);
    assert_int_equal(pu_run("verify -p %s --chunk 12k %s", pub, app), 2);
    assert_int_equal(pu_run("verify -p %s --min-signatures 2 %s", pub, app), 2);
    assert_int_equal(pu_run("verify -p %s -o x.hex %s", pub, app), 2);
    assert_int_equal(pu_run("verify -p %s --target %s %s", pub,
                            "app456789012345678901234567890123", app),
                     2);
    assert_int_equal(pu_run("unpack -p %s %s", pub, app), 2); /* no -o */
    assert_int_equal(pu_run("unpack -p %s %s -o %s", pub, app, P("x.elf")), 2);
    assert_false(pu_exists(P("x.elf")));
    assert_int_equal(
        pu_run("unpack -p %s --bogus %s -o %s", pub, app, P("x.hex")), 2);
    /* bad input 3, I/O 4 */
    assert_int_equal(pu_run("verify -p %s %s", P("app.hex"), app), 3);
    assert_int_equal(pu_run("verify -p %s %s", P("nokey.pem"), app), 4);
    assert_int_equal(pu_run("verify -p %s %s", pub, P("none.fwpk")), 4);
    assert_int_equal(
        pu_run("unpack -p %s %s -o /nonexistent/dir/x.hex", pub, app), 4);
    assert_int_equal(pu_count_tmp(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_verify_good),
        cmocka_unit_test(test_verify_policy),
        cmocka_unit_test(test_verify_targets),
        cmocka_unit_test(test_every_chunk_size),
        cmocka_unit_test(test_cli_chunks),
        cmocka_unit_test(test_streaming_mode),
        cmocka_unit_test(test_every_byte_changed),
        cmocka_unit_test(test_unpack_roundtrip),
        cmocka_unit_test(test_lzma_verify_unpack),
        cmocka_unit_test(test_unpack_targets),
        cmocka_unit_test(test_unpack_tampered),
        cmocka_unit_test(test_wrong_key_and_usage),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
