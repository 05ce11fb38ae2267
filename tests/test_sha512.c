/*
 * test_sha512.c - the verifier's SHA-512: the FIPS 180-4 example vectors
 * (one-shot and streamed), and a differential test against libsodium's
 * crypto_hash_sha512 for every message length 0..1024, hashed one-shot, fed
 * in uneven pieces around the 112/128-byte padding edges, and byte by byte;
 * and counts past 2^32 and 2^61 bytes.  The mode build test-ring8
 * (mk/modes.mk) runs it against FWPK_SHA512_SMALL's variant.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpk_verify.h"

static uint32_t rng_state = 0x5eed5a12u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void unhex(uint8_t *out, const char *hex, size_t n)
{
    assert_int_equal(strlen(hex), 2 * n);
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void print_hex(const char *what, const uint8_t *p, size_t n)
{
    printf("%s (%zu bytes): ", what, n);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

/* Streams msg through init/update/final: the pieces end at the ascending
 * offsets in cuts[] (those past len are ignored), the rest in one update. */
static void sha512_pieces(uint8_t out[64], const uint8_t *msg, size_t len,
                          const size_t *cuts, size_t ncuts)
{
    fwpk_sha512_ctx c;
    size_t done = 0;
    fwpk_sha512_init(&c);
    for (size_t i = 0; i < ncuts; i++) {
        if (cuts[i] < done || cuts[i] > len)
            continue;
        fwpk_sha512_update(&c, msg + done, cuts[i] - done);
        done = cuts[i];
    }
    fwpk_sha512_update(&c, msg + done, len - done);
    fwpk_sha512_final(&c, out);
}

/* All ways of hashing msg must give want (and libsodium must agree). */
static void check_vector(const uint8_t *msg, size_t len, const char *want_hex)
{
    uint8_t want[64], got[64], sod[64];
    unhex(want, want_hex, 64);
    crypto_hash_sha512(sod, msg, len);
    assert_memory_equal(sod, want, 64); /* guards the typed vector itself */

    fwpk_sha512(got, msg, len);
    assert_memory_equal(got, want, 64);

    fwpk_sha512_ctx c;
    fwpk_sha512_init(&c);
    fwpk_sha512_update(&c, msg, len);
    fwpk_sha512_final(&c, got);
    assert_memory_equal(got, want, 64);

    fwpk_sha512_init(&c);
    for (size_t i = 0; i < len; i++)
        fwpk_sha512_update(&c, msg + i, 1);
    fwpk_sha512_update(&c, msg, 0); /* empty updates change nothing */
    fwpk_sha512_final(&c, got);
    assert_memory_equal(got, want, 64);
}

/* FIPS 180-4 / FIPS 180-2 appendix C and the NIST example values. */
static void test_fips_abc(void **state)
{
    (void)state;
    check_vector((const uint8_t *)"abc", 3,
                 "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
                 "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
}

static void test_fips_two_block(void **state)
{
    (void)state;
    const char *m = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                    "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    assert_int_equal(strlen(m), 112); /* 896 bits */
    check_vector((const uint8_t *)m, strlen(m),
                 "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018"
                 "501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909");
}

static void test_fips_empty(void **state)
{
    (void)state;
    uint8_t dummy = 0;
    const char *want =
        "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce"
        "47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
    check_vector(&dummy, 0, want);
}

static void test_fips_million_a(void **state)
{
    (void)state;
    uint8_t want[64], got[64], chunk[1000];
    unhex(want, "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb"
                "de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
          64);
    memset(chunk, 'a', sizeof chunk);

    /* 1000 updates of 1000 bytes */
    fwpk_sha512_ctx c;
    fwpk_sha512_init(&c);
    for (int i = 0; i < 1000; i++)
        fwpk_sha512_update(&c, chunk, sizeof chunk);
    fwpk_sha512_final(&c, got);
    assert_memory_equal(got, want, 64);

    /* uneven pieces of 1..997 bytes, never aligned to the block */
    size_t left = 1000000, k = 0;
    fwpk_sha512_init(&c);
    while (left) {
        size_t n = 1 + (k++ * 131) % 997;
        if (n > left)
            n = left;
        fwpk_sha512_update(&c, chunk, n);
        left -= n;
    }
    fwpk_sha512_final(&c, got);
    assert_memory_equal(got, want, 64);

    /* one-shot over the whole million */
    uint8_t *big = malloc(1000000);
    assert_non_null(big);
    memset(big, 'a', 1000000);
    fwpk_sha512(got, big, 1000000);
    free(big);
    assert_memory_equal(got, want, 64);
}

/* Every length 0..1024 against libsodium, one-shot and in pieces. */
static void test_differential_lengths(void **state)
{
    (void)state;
    enum { MAXLEN = 1024 };
    static const size_t cut_sets[][8] = {
        {1, 63, 111, 112, 127, 128, 129, 0},
        {63, 64, 65, 240, 255, 256, 257, 0},
        {111, 239, 240, 367, 368, 500, 895, 896},
        {0, 0, 0, 128, 128, 256, 384, 1000}, /* repeated cuts: empty updates */
        {17, 34, 51, 68, 85, 102, 119, 136},
    };
    const size_t nsets = sizeof cut_sets / sizeof cut_sets[0];
    uint8_t *msg = malloc(MAXLEN + 1);
    assert_non_null(msg);
    uint8_t want[64], got[64];
    size_t cases = 0;

    for (size_t len = 0; len <= MAXLEN; len++) {
        for (size_t i = 0; i < len; i++)
            msg[i] = (uint8_t)rnd();
        /* the hashed bytes sit at the end of the allocation so ASan sees
         * any read past them */
        uint8_t *m = msg + (MAXLEN + 1 - len);
        memmove(m, msg, len);
        crypto_hash_sha512(want, m, len);

        fwpk_sha512(got, m, len);
        if (memcmp(got, want, 64) != 0)
            print_hex("one-shot mismatch, message", m, len);
        assert_memory_equal(got, want, 64);
        cases++;

        for (size_t s = 0; s < nsets; s++, cases++) {
            sha512_pieces(got, m, len, cut_sets[s], 8);
            if (memcmp(got, want, 64) != 0) {
                printf("pieces mismatch, cut set %zu\n", s);
                print_hex("message", m, len);
            }
            assert_memory_equal(got, want, 64);
        }

        /* random piece sizes 0..200 */
        fwpk_sha512_ctx c;
        size_t off = 0;
        fwpk_sha512_init(&c);
        while (off < len) {
            size_t n = rnd() % 201;
            if (n > len - off)
                n = len - off;
            fwpk_sha512_update(&c, m + off, n);
            off += n;
        }
        fwpk_sha512_final(&c, got);
        assert_memory_equal(got, want, 64);
        cases++;

        /* byte by byte, for the lengths around the padding edges */
        if (len <= 300 || len % 64 <= 1 || len % 128 >= 110) {
            fwpk_sha512_init(&c);
            for (size_t i = 0; i < len; i++)
                fwpk_sha512_update(&c, m + i, 1);
            fwpk_sha512_final(&c, got);
            assert_memory_equal(got, want, 64);
            cases++;
        }
    }
    free(msg);
    printf("sha512 vs libsodium: %zu hashes of lengths 0..%d identical\n",
           cases, MAXLEN);
}

/* Counts no test can reach by hashing: past 2^32 bytes, past 2^61 (the
 * bit count's 65th bit, in the high half of the 128-bit length field) and
 * near 2^64.  Both hashes start from a count saying that many bytes went
 * before (a whole number of blocks: nothing pending) and then take the
 * same bytes, in two updates.  libsodium counts bits, high half in
 * count[0]. */
static void test_large_counts(void **state)
{
    (void)state;
    static const uint64_t before[] = {
        0xffffff00u, (1ULL << 61) - 256, 0x0123456789abcd80ULL,
        0xfffffffffffffe00ULL, /* + 300 bytes stays below 2^64 */
    };
    static const size_t lens[] = {0, 1, 111, 112, 127, 128, 129, 255, 256, 300};
    uint8_t msg[300], got[64], want[64];
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)rnd();
    for (size_t b = 0; b < sizeof before / sizeof before[0]; b++) {
        for (size_t l = 0; l < sizeof lens / sizeof lens[0]; l++) {
            size_t n = lens[l], half = n / 2;
            fwpk_sha512_ctx c;
            crypto_hash_sha512_state st;
            fwpk_sha512_init(&c);
            c.len = before[b];
            fwpk_sha512_update(&c, msg, half);
            fwpk_sha512_update(&c, msg + half, n - half);
            fwpk_sha512_final(&c, got);
            crypto_hash_sha512_init(&st);
            st.count[0] = before[b] >> 61;
            st.count[1] = before[b] << 3;
            crypto_hash_sha512_update(&st, msg, n);
            crypto_hash_sha512_final(&st, want);
            if (memcmp(got, want, 64) != 0)
                printf("count 0x%016llx + %zu bytes: digests differ\n",
                       (unsigned long long)before[b], n);
            assert_memory_equal(got, want, 64);
        }
    }
}

/* Contexts are independent, and the digest depends on every input bit. */
static void test_independent_contexts(void **state)
{
    (void)state;
    uint8_t a[300], b[300], da[64], db[64], want[64];
    for (size_t i = 0; i < sizeof a; i++) {
        a[i] = (uint8_t)rnd();
        b[i] = (uint8_t)rnd();
    }
    fwpk_sha512_ctx ca, cb;
    fwpk_sha512_init(&ca);
    fwpk_sha512_init(&cb);
    for (size_t off = 0; off < sizeof a; off += 50) {
        fwpk_sha512_update(&ca, a + off, 50);
        fwpk_sha512_update(&cb, b + off, 50);
    }
    fwpk_sha512_final(&ca, da);
    fwpk_sha512_final(&cb, db);
    crypto_hash_sha512(want, a, sizeof a);
    assert_memory_equal(da, want, 64);
    crypto_hash_sha512(want, b, sizeof b);
    assert_memory_equal(db, want, 64);

    /* every single-bit flip of a 129-byte message changes the digest, and
     * matches libsodium */
    uint8_t base[64];
    fwpk_sha512(base, a, 129);
    for (size_t bit = 0; bit < 129 * 8; bit++) {
        a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        fwpk_sha512(da, a, 129);
        crypto_hash_sha512(want, a, 129);
        a[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        assert_memory_equal(da, want, 64);
        assert_memory_not_equal(da, base, 64);
    }
}

int main(void)
{
    /* which variant this build tests (mk/modes.mk: test-ring8 sets it) */
    printf("FWPK_SHA512_SMALL=%d\n", FWPK_SHA512_SMALL);
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fips_abc),
        cmocka_unit_test(test_fips_two_block),
        cmocka_unit_test(test_fips_empty),
        cmocka_unit_test(test_fips_million_a),
        cmocka_unit_test(test_differential_lengths),
        cmocka_unit_test(test_large_counts),
        cmocka_unit_test(test_independent_contexts),
    };
    return cmocka_run_group_tests_name("sha512", tests, NULL, NULL);
}
