/*
 * test_filter.c - branch filters (format/SPEC.md 6.3), every filter:
 *
 *   - round trips: host forward filter, then the device's streaming inverse
 *     at chunk sizes 1..64 and 4096 (an instruction across every chunk
 *     boundary, hence every frame boundary), over whole images of several
 *     segments at odd addresses, driven as stream.c drives it; random
 *     bytes, code-like bytes and real linked programs (a newlib program for
 *     Cortex-M, a freestanding one with the verifier for RV32, built here
 *     with the cross compilers);
 *   - the device's forward filter (refilter, used to rebuild the window of
 *     a resumed update) equals the host forward filter, and the state the
 *     device holds at any point is what a resume rebuilds it from;
 *   - the host inverse equals the device inverse;
 *   - thumb against liblzma's ARM-Thumb BCJ filter (the same transform,
 *     independently written), which must produce exactly our bytes;
 *   - rv32 against binutils: on a linked RV32 program, the instructions the
 *     filter rewrites inside the code are exactly the JAL ra/t0 that
 *     riscv64-unknown-elf-objdump decodes, each now holding its absolute
 *     target (liblzma 5.4 has no RISC-V BCJ filter to compare with);
 *   - the worked examples of the spec, byte for byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <lzma.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "fwpack.h"
#include "pack_util.h"

static const uint32_t all_filters[] = {FWPK_FILTER_THUMB, FWPK_FILTER_RV32};
#define NFILTERS (sizeof all_filters / sizeof all_filters[0])

typedef struct {
    uint8_t *out;
    size_t len, cap;
} collect;

static fwpk_err collect_sink(void *arg, const uint8_t *d, size_t n)
{
    collect *c = arg;
    assert_true(c->len + n <= c->cap);
    memcpy(c->out + c->len, d, n);
    c->len += n;
    return FWPK_OK;
}

static uint32_t rng_state = 12345;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void put32(uint8_t *p, uint32_t w)
{
    p[0] = (uint8_t)w;
    p[1] = (uint8_t)(w >> 8);
    p[2] = (uint8_t)(w >> 16);
    p[3] = (uint8_t)(w >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

/* ---- code-like images ---- */

/* Thumb-like code: about one BL pair in six halfwords, calls to a few
 * dozen functions, the rest random halfwords. */
static void make_thumb(uint8_t *p, size_t n, uint32_t addr)
{
    size_t i = 0;
    while (i < n) {
        if (i + 4 <= n && rnd() % 6 == 0) {
            uint32_t target = 0x08000000u + (rnd() % 40) * 0x40u;
            uint32_t off = ((target - (addr + (uint32_t)i + 4)) >> 1) & 0x3fffffu;
            p[i] = (uint8_t)(off >> 11);
            p[i + 1] = (uint8_t)(0xf0 | ((off >> 19) & 7));
            p[i + 2] = (uint8_t)off;
            p[i + 3] = (uint8_t)(0xf8 | ((off >> 8) & 7));
            i += 4;
        } else {
            p[i++] = (uint8_t)rnd();
        }
    }
}

/* A J-type instruction: opcode JAL, rd, byte offset 'off' (even). */
static uint32_t jal(uint32_t rd, uint32_t off)
{
    uint32_t v = off >> 1;
    return 0x6fu | rd << 7 | ((v >> 19) & 1u) << 31 | (v & 0x3ffu) << 21 |
           ((v >> 10) & 1u) << 20 | ((v >> 11) & 0xffu) << 12;
}

/* RV32IMC-like code: 16-bit instructions (low bits 00, 01, 10), 32-bit
 * ones (11), among them JAL ra/t0 calls to a few dozen functions and JAL
 * x0 jumps; sometimes a lone odd byte, to shift the walk. */
static void make_rv32(uint8_t *p, size_t n, uint32_t addr)
{
    size_t i = 0;
    while (i < n) {
        uint32_t r = rnd() % 16;
        if (i + 4 <= n && r < 4) {
            uint32_t target = 0x42000000u + (rnd() % 40) * 0x40u;
            uint32_t rd = r == 0 ? 5 : r == 1 ? 0 : 1;
            put32(p + i, jal(rd, target - (addr + (uint32_t)i)));
            i += 4;
        } else if (i + 4 <= n && r < 10) {
            put32(p + i, rnd() | 3u);
            i += 4;
        } else if (i + 2 <= n && r < 15) {
            uint32_t h = rnd() % 0xc000u; /* low bits 00, 01 or 10 */
            h = (h & ~3u) | (h % 3u);
            p[i] = (uint8_t)h;
            p[i + 1] = (uint8_t)(h >> 8);
            i += 2;
        } else {
            p[i++] = (uint8_t)rnd();
        }
    }
}

static void make_code(uint32_t filter, uint8_t *p, size_t n, uint32_t addr)
{
    if (filter == FWPK_FILTER_THUMB)
        make_thumb(p, n, addr);
    else
        make_rv32(p, n, addr);
}

/* ---- drivers ---- */

typedef struct {
    const uint32_t *addr, *len;
    size_t count;
} layout;

/* Pushes the concatenated segments through the device filter in chunks of
 * 'chunk' bytes, segment by segment as stream.c's filter_put does. */
static void stream_image(uint32_t filter, int refilter, const layout *l,
                         const uint8_t *in, size_t n, size_t chunk,
                         uint8_t *out)
{
    fwpk_unfilter f;
    collect c = {out, 0, n};
    size_t seg = 0, off = 0;
    memset(&f, 0, sizeof f);
    while (off < n) {
        size_t k = n - off < chunk ? n - off : chunk;
        const uint8_t *d = in + off;
        off += k;
        while (k > 0) {
            size_t take;
            if (f.left == 0) {
                assert_true(seg < l->count);
                fwpk_unfilter_segment(&f, filter, l->addr[seg], l->len[seg]);
                seg++;
            }
            take = f.left - f.count;
            if (take > k)
                take = k;
            if (refilter)
                assert_int_equal(fwpk_refilter_push(&f, d, take,
                                                    collect_sink, &c),
                                 FWPK_OK);
            else
                assert_int_equal(fwpk_unfilter_push(&f, d, take,
                                                    collect_sink, &c),
                                 FWPK_OK);
            d += take;
            k -= take;
        }
    }
    assert_int_equal(seg, l->count);
    assert_int_equal(f.left, 0);
    assert_int_equal(c.len, n);
}

/* The host filter over every segment: forward, or inverse. */
static void host_image(uint32_t filter, int inverse, const layout *l,
                       uint8_t *buf)
{
    size_t off = 0;
    for (size_t i = 0; i < l->count; i++) {
        if (inverse)
            assert_int_equal(fwp_unfilter_apply(filter, buf + off, l->len[i],
                                                l->addr[i]), 0);
        else
            assert_int_equal(fwp_filter_apply(filter, buf + off, l->len[i],
                                              l->addr[i]), 0);
        off += l->len[i];
    }
}

static size_t layout_size(const layout *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->count; i++)
        n += l->len[i];
    return n;
}

/* Every check of one image: host forward; device inverse at one chunk
 * size; device forward at the same chunk size; host inverse. */
static void round_trip(uint32_t filter, const layout *l, const uint8_t *orig,
                       size_t chunk)
{
    size_t n = layout_size(l);
    uint8_t *filtered = malloc(n + 1), *back = malloc(n + 1);
    assert_non_null(filtered);
    assert_non_null(back);
    memcpy(filtered, orig, n);
    host_image(filter, 0, l, filtered);

    stream_image(filter, 0, l, filtered, n, chunk, back);
    assert_memory_equal(back, orig, n);

    stream_image(filter, 1, l, orig, n, chunk, back);
    assert_memory_equal(back, filtered, n);

    memcpy(back, filtered, n);
    host_image(filter, 1, l, back);
    assert_memory_equal(back, orig, n);
    free(filtered);
    free(back);
}

static size_t chunk_sweep(uint32_t filter, const layout *l,
                          const uint8_t *orig)
{
    size_t cases = 0;
    for (size_t chunk = 1; chunk <= 64; chunk++, cases++)
        round_trip(filter, l, orig, chunk);
    round_trip(filter, l, orig, 4096);
    return cases + 1;
}

/* ---- round trips on generated images ---- */

static void test_round_trip_chunks(void **state)
{
    (void)state;
    size_t n = 6000, cases = 0;
    uint8_t *code = malloc(n);
    const uint32_t addrs[] = {0x08000000u, 0x08000001u, 0x20003, 0x0,
                              0x42000002u, 0xfffff000u};
    assert_non_null(code);
    for (size_t fi = 0; fi < NFILTERS; fi++) {
        for (size_t a = 0; a < sizeof addrs / sizeof addrs[0]; a++) {
            uint32_t len = (uint32_t)n;
            layout l = {&addrs[a], &len, 1};
            make_code(all_filters[fi], code, n, addrs[a]);
            cases += chunk_sweep(all_filters[fi], &l, code);
        }
    }
    free(code);
    printf("one segment: %zu round trips (thumb, rv32 x 6 addresses x "
           "chunks 1..64, 4096)\n", cases);
}

/* Segments at odd addresses and of odd lengths, one of 1 byte and one of
 * 3: a 4-byte window never spans two of them. */
static void test_round_trip_segments(void **state)
{
    (void)state;
    static const uint32_t addr[] = {0x08000001u, 0x08001003u, 0x08001100u,
                                    0x08002005u, 0x08003000u, 0x08004007u};
    static const uint32_t len[] = {1001, 7, 1, 3, 2050, 999};
    layout l = {addr, len, 6};
    size_t n = layout_size(&l), cases = 0;
    uint8_t *img = malloc(n);
    assert_non_null(img);
    for (size_t fi = 0; fi < NFILTERS; fi++) {
        for (int kind = 0; kind < 2; kind++) {
            size_t off = 0;
            for (size_t s = 0; s < l.count; off += len[s++])
                if (kind == 0)
                    make_code(all_filters[fi], img + off, len[s], addr[s]);
                else
                    for (size_t i = 0; i < len[s]; i++)
                        img[off + i] = (uint8_t)rnd();
            cases += chunk_sweep(all_filters[fi], &l, img);
        }
    }
    free(img);
    printf("6 segments at odd addresses: %zu round trips (thumb, rv32 x "
           "code, random x chunks 1..64, 4096)\n", cases);
}

static void test_round_trip_short(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t cases = 0;
    /* every length 1..64; random bytes, bytes that look like instructions
     * everywhere, and 0xFF */
    for (size_t fi = 0; fi < NFILTERS; fi++) {
        for (uint32_t n = 1; n <= sizeof buf; n++) {
            for (int kind = 0; kind < 3; kind++) {
                uint32_t addr = 0x1000u + (rnd() & 0xffff);
                layout l = {&addr, &n, 1};
                for (size_t i = 0; i < n; i++) {
                    uint8_t look = all_filters[fi] == FWPK_FILTER_THUMB
                                       ? (uint8_t)(i & 1 ? 0xf8 | (rnd() & 7)
                                                         : rnd())
                                       : (uint8_t)(i % 4 == 0   ? 0xef
                                                   : i % 4 == 1 ? rnd() & 0xf2
                                                                : rnd());
                    buf[i] = kind == 0 ? (uint8_t)rnd() : kind == 1 ? look
                                                                    : 0xff;
                }
                for (size_t chunk = 1; chunk <= 5; chunk++, cases++)
                    round_trip(all_filters[fi], &l, buf, chunk);
            }
        }
    }
    printf("short segments: %zu round trips\n", cases);
}

/* Resume (stream.c): after any number k of decoded bytes, the device has
 * released k - count restored bytes and holds count decoded ones.  A
 * resumed update rebuilds the window from flash: the released bytes
 * refiltered, the refilter's held tail released unchanged, then the held
 * bytes.  That must be exactly the first k decoded bytes. */
static void test_resume_state(void **state)
{
    (void)state;
    static const uint32_t addr[] = {0x08000003u, 0x08000800u};
    static const uint32_t len[] = {301, 500};
    layout l = {addr, len, 2};
    size_t n = layout_size(&l), checked = 0;
    uint8_t *orig = malloc(n), *filtered = malloc(n), *back = malloc(n),
            *window = malloc(n);
    assert_non_null(orig);
    assert_non_null(filtered);
    assert_non_null(back);
    assert_non_null(window);
    for (size_t fi = 0; fi < NFILTERS; fi++) {
        uint32_t filter = all_filters[fi];
        make_code(filter, orig, len[0], addr[0]);
        make_code(filter, orig + len[0], len[1], addr[1]);
        memcpy(filtered, orig, n);
        host_image(filter, 0, &l, filtered);
        for (size_t k = 1; k <= n; k++) {
            /* the device after k decoded bytes */
            fwpk_unfilter f;
            collect c = {back, 0, n};
            size_t seg0 = k > len[0] ? len[0] : k;
            fwpk_unfilter_segment(&f, filter, addr[0], len[0]);
            assert_int_equal(fwpk_unfilter_push(&f, filtered, seg0,
                                                collect_sink, &c), FWPK_OK);
            if (k > len[0]) {
                fwpk_unfilter_segment(&f, filter, addr[1], len[1]);
                assert_int_equal(fwpk_unfilter_push(&f, filtered + len[0],
                                                    k - len[0], collect_sink,
                                                    &c), FWPK_OK);
            }
            assert_true(f.count <= 3);
            assert_int_equal(c.len + f.count, k);
            assert_memory_equal(back, orig, c.len);
            assert_memory_equal(f.held, filtered + c.len, f.count);

            /* the window rebuilt from the released (flash) bytes */
            size_t released = c.len, done = 0;
            collect w = {window, 0, n};
            for (size_t s = 0; s < 2 && done < released; s++) {
                fwpk_unfilter rf;
                size_t m = released - done < len[s] ? released - done : len[s];
                fwpk_unfilter_segment(&rf, filter, addr[s], len[s]);
                assert_int_equal(fwpk_refilter_push(&rf, orig + done, m,
                                                    collect_sink, &w),
                                 FWPK_OK);
                if (m < len[s])
                    assert_int_equal(fwpk_filter_release_held(&rf,
                                                              collect_sink,
                                                              &w),
                                     FWPK_OK);
                done += m;
            }
            assert_int_equal(w.len, released);
            memcpy(window + w.len, f.held, f.count);
            assert_memory_equal(window, filtered, k);
            checked++;
        }
    }
    free(orig);
    free(filtered);
    free(back);
    free(window);
    printf("resume: device state and rebuilt window at %zu points\n",
           checked);
}

/* ---- what the filters do ---- */

static void test_filter_changes_calls(void **state)
{
    (void)state;
    /* Two calls to one target from different addresses differ before the
     * filter and are identical after it: that is the whole point. */
    uint8_t a[8];
    uint32_t target = 0x08000400u;
    for (int k = 0; k < 2; k++) {
        uint32_t at = 0x08000000u + (uint32_t)k * 4;
        uint32_t off = ((target - (at + 4)) >> 1) & 0x3fffffu;
        a[k * 4] = (uint8_t)(off >> 11);
        a[k * 4 + 1] = (uint8_t)(0xf0 | ((off >> 19) & 7));
        a[k * 4 + 2] = (uint8_t)off;
        a[k * 4 + 3] = (uint8_t)(0xf8 | ((off >> 8) & 7));
    }
    assert_memory_not_equal(a, a + 4, 4);
    fwp_filter_thumb(a, sizeof a, 0x08000000u);
    assert_memory_equal(a, a + 4, 4);

    /* rv32: a compressed instruction between two calls, t0 as well as ra;
     * JAL x0 (a jump, not a call) is left alone */
    uint8_t r[18];
    target = 0x42000400u;
    put32(r, jal(1, target - 0x42000000u));
    r[4] = 0x01; /* c.nop */
    r[5] = 0x00;
    put32(r + 6, jal(1, target - 0x42000006u));
    put32(r + 10, jal(5, target - 0x4200000au));
    put32(r + 14, jal(0, target - 0x4200000eu));
    uint8_t before[18];
    memcpy(before, r, sizeof r);
    assert_memory_not_equal(r, r + 6, 4);
    fwp_filter_rv32(r, sizeof r, 0x42000000u);
    assert_memory_equal(r, r + 6, 4);
    /* same target from t0: the same bytes but for rd (byte 1, low bits) */
    assert_int_equal(r[1] & 0xf0, r[11] & 0xf0);
    assert_memory_equal(r + 2, r + 12, 2);
    assert_memory_equal(r + 4, before + 4, 2);
    assert_memory_equal(r + 14, before + 14, 4);
}

/* The worked examples of format/SPEC.md section 6.3, byte for byte. */
static void test_spec_examples(void **state)
{
    (void)state;
    uint8_t at100[4] = {0x00, 0xf0, 0x7e, 0xf9};
    uint8_t at200[4] = {0x00, 0xf0, 0xfe, 0xf8};
    const uint8_t want[4] = {0x00, 0xf0, 0x00, 0xfa};
    fwp_filter_thumb(at100, 4, 0x08000100u);
    fwp_filter_thumb(at200, 4, 0x08000200u);
    assert_memory_equal(at100, want, 4);
    assert_memory_equal(at200, want, 4);

    /* rv32: jal ra at 0x42001234, and after a c.nop at 0x420012FE a jal
     * ra at 0x42001300, both to 0x42023456 */
    uint8_t j1[4] = {0xef, 0x20, 0x22, 0x22};
    uint8_t j2[6] = {0x01, 0x00, 0xef, 0x20, 0x62, 0x15};
    const uint8_t jwant[4] = {0xef, 0x30, 0x62, 0x45};
    fwp_filter_rv32(j1, 4, 0x42001234u);
    fwp_filter_rv32(j2, 6, 0x420012feu);
    assert_memory_equal(j1, jwant, 4);
    assert_memory_equal(j2 + 2, jwant, 4);
    assert_int_equal(j2[0], 0x01);
    assert_int_equal(j2[1], 0x00);
}

static void test_names(void **state)
{
    (void)state;
    uint32_t id = 99;
    assert_int_equal(fwp_filter_from_name("rv32", &id), 0);
    assert_int_equal(id, FWPK_FILTER_RV32);
    assert_int_equal(fwp_filter_from_name("thumb", &id), 0);
    assert_int_equal(id, FWPK_FILTER_THUMB);
    assert_int_equal(fwp_filter_from_name("none", &id), 0);
    assert_int_equal(id, FWPK_FILTER_NONE);
    assert_int_equal(fwp_filter_from_name("avr", &id), -1);
    assert_string_equal(fwp_filter_name(FWPK_FILTER_RV32), "rv32");
    assert_int_equal(FWPK_FILTER_MAX, FWPK_FILTER_RV32);
    uint8_t b[4] = {0};
    assert_int_equal(fwp_filter_apply(FWPK_FILTER_MAX + 1, b, 4, 0), -1);
    assert_int_equal(fwp_unfilter_apply(FWPK_FILTER_MAX + 1, b, 4, 0), -1);

    /* MCU profiles: thumb for Cortex-M, rv32 for RISC-V, none for AVR */
    assert_int_equal(fwp_mcu_default_filter(fwp_mcu_find("stm32g030k8")),
                     FWPK_FILTER_THUMB);
    assert_int_equal(fwp_mcu_default_filter(fwp_mcu_find("nrf52840")),
                     FWPK_FILTER_THUMB);
    assert_int_equal(fwp_mcu_default_filter(fwp_mcu_find("esp32c3")),
                     FWPK_FILTER_RV32);
    assert_int_equal(fwp_mcu_default_filter(fwp_mcu_find("atmega328p")),
                     FWPK_FILTER_NONE);
    assert_int_equal(fwp_mcu_default_filter(NULL), FWPK_FILTER_NONE);
}

/* ---- liblzma: thumb ---- */

/* liblzma: encode raw with [ARM-Thumb BCJ(start_offset), LZMA2], decode raw
 * with [LZMA2] alone: the result is exactly liblzma's filtered bytes. */
static void lzma_thumb_filtered(const uint8_t *in, size_t n, uint32_t start,
                                uint8_t *out)
{
    lzma_options_lzma lz;
    assert_false(lzma_lzma_preset(&lz, 1));
    lzma_options_bcj bcj = {start};
    lzma_filter enc[] = {{LZMA_FILTER_ARMTHUMB, &bcj},
                         {LZMA_FILTER_LZMA2, &lz},
                         {LZMA_VLI_UNKNOWN, NULL}};
    lzma_filter dec[] = {{LZMA_FILTER_LZMA2, &lz},
                         {LZMA_VLI_UNKNOWN, NULL}};
    size_t cap = n + n / 2 + 1024, clen = 0, in_pos = 0, out_pos = 0;
    uint8_t *comp = malloc(cap);
    assert_int_equal(lzma_raw_buffer_encode(enc, NULL, in, n, comp, &clen, cap),
                     LZMA_OK);
    assert_int_equal(lzma_raw_buffer_decode(dec, NULL, comp, &in_pos, clen,
                                            out, &out_pos, n),
                     LZMA_OK);
    assert_int_equal(out_pos, n);
    free(comp);
}

static void test_lzma_differential(void **state)
{
    (void)state;
    size_t n = 20000, cases = 0;
    uint8_t *code = malloc(n), *ours = malloc(n), *theirs = malloc(n);
    const uint32_t starts[] = {0, 0x08000000u, 0x08000002u, 0x00020000u,
                               0x0000f00eu, 0x08001ffeu};
    for (size_t s = 0; s < sizeof starts / sizeof starts[0]; s++) {
        for (int kind = 0; kind < 2; kind++, cases++) {
            if (kind == 0)
                make_thumb(code, n, starts[s]);
            else
                for (size_t i = 0; i < n; i++)
                    code[i] = (uint8_t)rnd();
            memcpy(ours, code, n);
            fwp_filter_thumb(ours, n, starts[s]);
            lzma_thumb_filtered(code, n, starts[s], theirs);
            assert_memory_equal(ours, theirs, n);
            assert_memory_not_equal(ours, code, n); /* the filter did act */
        }
    }
    free(code);
    free(ours);
    free(theirs);
    printf("thumb filter vs liblzma ARM-Thumb BCJ: %zu images of %zu bytes "
           "identical\n", cases, n);
}

/* ---- real linked programs ---- */

static const char *dir;

/* The sources are the benchmark's (bench/filters); the tests run from the
 * repository root. */
static int build_real(void)
{
    char cmd[4096];
    dir = pu_tmpdir();
    snprintf(cmd, sizeof cmd,
             "arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb -Os "
             "--specs=nosys.specs bench/filters/newlib_app.c -lm "
             "-o %s/cm.elf 2>/dev/null && "
             "riscv64-unknown-elf-gcc -march=rv32imc -mabi=ilp32 -Os "
             "-isystem /usr/include/newlib -ffunction-sections "
             "-fdata-sections -fno-tree-loop-distribute-patterns "
             "-Iverifier/include -Iformat -Iverifier/src "
             "bench/filters/app.c verifier/src/*.c bench/size_libc.c "
             "-nostdlib -nostartfiles -Wl,-e,main -Wl,--gc-sections "
             "-Wl,--no-warn-rwx-segments -lgcc -o %s/rv.elf && "
             "riscv64-unknown-elf-objdump -d -M no-aliases %s/rv.elf "
             "> %s/rv.dis",
             dir, dir, dir, dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "test_filter: building the real programs failed "
                        "(make deps installs the cross compilers): %s\n",
                cmd);
        return -1;
    }
    return 0;
}

static void load_elf(const char *name, fwp_image *img, uint8_t **bytes,
                     uint32_t **addr, uint32_t **len, layout *l)
{
    fwp_err err;
    memset(img, 0, sizeof *img);
    assert_int_equal(fwp_elf_load(pu_path(dir, name), img, &err), 0);
    size_t n = fwp_image_size(img), off = 0;
    *bytes = malloc(n);
    *addr = malloc(img->count * sizeof **addr);
    *len = malloc(img->count * sizeof **len);
    for (size_t i = 0; i < img->count; i++) {
        (*addr)[i] = img->segs[i].addr;
        (*len)[i] = img->segs[i].len;
        memcpy(*bytes + off, img->segs[i].data, img->segs[i].len);
        off += img->segs[i].len;
    }
    l->addr = *addr;
    l->len = *len;
    l->count = img->count;
}

static void test_real_round_trips(void **state)
{
    (void)state;
    const char *names[] = {"cm.elf", "rv.elf"};
    size_t cases = 0;
    for (size_t e = 0; e < 2; e++) {
        fwp_image img;
        uint8_t *bytes;
        uint32_t *addr, *len;
        layout l;
        load_elf(names[e], &img, &bytes, &addr, &len, &l);
        /* every filter on every program (the wrong one must round trip
         * too), at its own addresses and moved by 1 and 3 bytes */
        for (uint32_t shift = 0; shift < 4; shift += shift ? 2 : 1) {
            for (size_t i = 0; i < l.count; i++)
                addr[i] = img.segs[i].addr + shift;
            for (size_t fi = 0; fi < NFILTERS; fi++)
                cases += chunk_sweep(all_filters[fi], &l, bytes);
        }
        printf("%s: %zu segment(s), %u bytes\n", names[e], l.count,
               (unsigned)layout_size(&l));
        fwp_image_free(&img);
        free(bytes);
        free(addr);
        free(len);
    }
    printf("real programs: %zu round trips (2 programs x 2 filters x 3 "
           "addresses x chunks 1..64, 4096)\n", cases);
}

/* binutils decodes the program: in its code, the filter rewrites exactly
 * the 32-bit JAL ra/t0 and each gets its target / 2 (mod 2^20). */
static void test_rv32_vs_objdump(void **state)
{
    (void)state;
    fwp_image img;
    uint8_t *bytes;
    uint32_t *addr, *len;
    layout l;
    load_elf("rv.elf", &img, &bytes, &addr, &len, &l);
    size_t n = layout_size(&l);
    uint8_t *filtered = malloc(n), *covered = calloc(n, 1);
    memcpy(filtered, bytes, n);
    host_image(FWPK_FILTER_RV32, 0, &l, filtered);

    size_t dlen;
    char *dis = pu_read(pu_path(dir, "rv.dis"), &dlen);
    assert_non_null(dis);
    uint32_t lo = 0xffffffffu, hi = 0, calls = 0, jumps = 0;
    for (char *line = strtok(dis, "\n"); line; line = strtok(NULL, "\n")) {
        unsigned long at, target;
        char enc[16], mnem[16], ops[64];
        if (sscanf(line, " %lx: %15s %15s %63s", &at, enc, mnem, ops) != 4)
            continue;
        if (at < lo)
            lo = (uint32_t)at;
        if (at + 2 > hi)
            hi = (uint32_t)at + 2;
        if (strcmp(mnem, "jal") != 0 || strlen(enc) != 8)
            continue;
        int call = strncmp(ops, "ra,", 3) == 0 || strncmp(ops, "t0,", 3) == 0;
        if (!call) {
            jumps++;
            continue;
        }
        assert_int_equal(sscanf(ops + 3, "%lx", &target), 1);
        /* find the segment */
        size_t off = 0, s = 0;
        while (s < l.count && !(at >= addr[s] && at < addr[s] + len[s]))
            off += len[s++];
        assert_true(s < l.count);
        size_t pos = off + (at - addr[s]);
        uint32_t w = get32(filtered + pos);
        uint32_t v = ((w >> 31) & 1u) << 19 | ((w >> 12) & 0xffu) << 11 |
                     ((w >> 20) & 1u) << 10 | ((w >> 21) & 0x3ffu);
        assert_int_equal(v, (target >> 1) & 0xfffffu);
        assert_int_equal(w & 0xfffu, get32(bytes + pos) & 0xfffu);
        covered[pos + 1] = covered[pos + 2] = covered[pos + 3] = 1;
        calls++;
    }
    free(dis);
    assert_true(calls > 100);
    /* nothing else changed inside the disassembled range */
    size_t off = 0, changed = 0;
    for (size_t s = 0; s < l.count; off += len[s++])
        for (size_t i = 0; i < len[s]; i++) {
            uint32_t a = addr[s] + (uint32_t)i;
            if (a < lo || a >= hi || filtered[off + i] == bytes[off + i])
                continue;
            assert_true(covered[off + i]);
            changed++;
        }
    printf("rv32 vs objdump: %u JAL ra/t0 rewritten to their targets, %u "
           "JAL x0 and the rest of 0x%x..0x%x unchanged (%zu bytes "
           "changed)\n", (unsigned)calls, (unsigned)jumps, (unsigned)lo,
           (unsigned)hi, changed);
    fwp_image_free(&img);
    free(bytes);
    free(addr);
    free(len);
    free(filtered);
    free(covered);
}

static int setup(void **state)
{
    (void)state;
    return build_real();
}

static int teardown(void **state)
{
    (void)state;
    if (dir)
        pu_rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_chunks),
        cmocka_unit_test(test_round_trip_segments),
        cmocka_unit_test(test_round_trip_short),
        cmocka_unit_test(test_resume_state),
        cmocka_unit_test(test_filter_changes_calls),
        cmocka_unit_test(test_spec_examples),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_lzma_differential),
        cmocka_unit_test(test_real_round_trips),
        cmocka_unit_test(test_rv32_vs_objdump),
    };
    return cmocka_run_group_tests_name("filter", tests, setup, teardown);
}
