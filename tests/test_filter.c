/*
 * test_filter.c - branch filters: host forward filter vs device inverse
 * filter round trips at every chunk size, and a differential test against
 * liblzma's ARM-Thumb BCJ filter (the same transform, independently
 * written), which must produce exactly our filtered bytes.
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

/* Thumb-like code: about one BL pair in six halfwords, calls to a few
 * dozen functions, the rest random halfwords. */
static void make_code(uint8_t *p, size_t n, uint32_t addr)
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

/* Inverse-filters 'filtered' in pieces of 'chunk' bytes. */
static void unfilter_all(const uint8_t *filtered, size_t n, uint32_t addr,
                         size_t chunk, uint8_t *out)
{
    fwpk_unfilter f;
    collect c = {out, 0, n};
    fwpk_unfilter_segment(&f, addr, (uint32_t)n);
    for (size_t off = 0; off < n; off += chunk) {
        size_t k = n - off < chunk ? n - off : chunk;
        assert_int_equal(fwpk_unfilter_push(&f, filtered + off, k,
                                            collect_sink, &c), FWPK_OK);
    }
    assert_int_equal(c.len, n);
}

static void round_trip(const uint8_t *orig, size_t n, uint32_t addr,
                       size_t chunk)
{
    uint8_t *filtered = malloc(n + 1), *back = malloc(n + 1);
    memcpy(filtered, orig, n);
    fwp_filter_thumb(filtered, n, addr);
    unfilter_all(filtered, n, addr, chunk, back);
    int same = memcmp(back, orig, n) == 0;
    free(filtered);
    free(back);
    assert_true(same);
}

static void test_round_trip_chunks(void **state)
{
    (void)state;
    size_t n = 6000, cases = 0;
    uint8_t *code = malloc(n);
    const uint32_t addrs[] = {0x08000000u, 0x08000001u, 0x20003, 0x0};
    for (size_t a = 0; a < 4; a++) {
        make_code(code, n, addrs[a]);
        for (size_t chunk = 1; chunk <= 64; chunk++, cases++)
            round_trip(code, n, addrs[a], chunk);
        round_trip(code, n, addrs[a], 4096);
        cases++;
    }
    free(code);
    printf("thumb filter round trips: %zu (4 addresses x chunks 1..64, 4096)\n",
           cases);
}

static void test_round_trip_random_and_short(void **state)
{
    (void)state;
    uint8_t buf[64];
    size_t cases = 0;
    /* every length 0..64, random bytes and all-BL-looking bytes */
    for (size_t n = 0; n <= sizeof buf; n++) {
        for (int kind = 0; kind < 3; kind++) {
            for (size_t i = 0; i < n; i++)
                buf[i] = kind == 0 ? (uint8_t)rnd()
                         : kind == 1 ? (uint8_t)(i & 1 ? 0xf8 | (rnd() & 7) : rnd())
                                     : 0xff;
            for (size_t chunk = 1; chunk <= 5; chunk++, cases++)
                round_trip(buf, n, 0x1000u + (uint32_t)(rnd() & 0xffff), chunk);
        }
    }
    printf("thumb filter short/odd cases: %zu\n", cases);
}

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
}

/* The worked example of format/SPEC.md section 6.3, byte for byte. */
static void test_spec_example(void **state)
{
    (void)state;
    uint8_t at100[4] = {0x00, 0xf0, 0x7e, 0xf9};
    uint8_t at200[4] = {0x00, 0xf0, 0xfe, 0xf8};
    const uint8_t want[4] = {0x00, 0xf0, 0x00, 0xfa};
    fwp_filter_thumb(at100, 4, 0x08000100u);
    fwp_filter_thumb(at200, 4, 0x08000200u);
    assert_memory_equal(at100, want, 4);
    assert_memory_equal(at200, want, 4);
}

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
                make_code(code, n, starts[s]);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_chunks),
        cmocka_unit_test(test_round_trip_random_and_short),
        cmocka_unit_test(test_filter_changes_calls),
        cmocka_unit_test(test_spec_example),
        cmocka_unit_test(test_lzma_differential),
    };
    return cmocka_run_group_tests_name("filter", tests, NULL, NULL);
}
