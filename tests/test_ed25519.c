/*
 * test_ed25519.c - fwpk_ed25519_verify accepts exactly what libsodium
 * 1.0.18's crypto_sign_verify_detached accepts: RFC 8032 section 7.1
 * vectors, all Wycheproof ed25519 cases (../shared/vectors), hand-built
 * small-order and mixed-order forgeries that a lenient or cofactored
 * verifier would accept, and a differential run of thousands of real
 * libsodium signatures and their mutations (bit flips, S >= L, small-order
 * and non-canonical R and A, random points).  Every verdict is compared
 * with libsodium's, case by case.
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

static uint32_t rng_state = 0x2545f491u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void rnd_bytes(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)rnd();
}

static void unhex(uint8_t *out, const char *hex, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

static void print_hex(const char *what, const uint8_t *p, size_t n)
{
    printf("  %s (%zu bytes): ", what, n);
    for (size_t i = 0; i < n; i++)
        printf("%02x", p[i]);
    printf("\n");
}

/* ---- the comparison every test goes through ----------------------------- */

static size_t n_checked, n_valid, n_invalid;

/* Runs both verifiers on one case; on disagreement prints the case. Returns
 * the (common) verdict. The inputs must come back unchanged. */
static int check_case(const uint8_t sig[64], const uint8_t pk[32],
                      const uint8_t *msg, size_t len, const char *what)
{
    static uint8_t msg0[4096];
    uint8_t sig0[64], pk0[32];
    assert_true(len <= sizeof msg0);
    memcpy(sig0, sig, 64);
    memcpy(pk0, pk, 32);
    memcpy(msg0, msg, len);

    int sod = crypto_sign_verify_detached(sig, msg, len, pk);
    int ours = fwpk_ed25519_verify(sig, pk, msg, len);
    if (ours != sod) {
        printf("MISMATCH (%s): fwpk_ed25519_verify=%d libsodium=%d\n", what,
               ours, sod);
        print_hex("sig", sig, 64);
        print_hex("pk", pk, 32);
        print_hex("msg", msg, len);
    }
    assert_true(ours == 0 || ours == -1);
    assert_int_equal(ours, sod);
    assert_memory_equal(sig, sig0, 64);
    assert_memory_equal(pk, pk0, 32);
    if (len)
        assert_memory_equal(msg, msg0, len);
    n_checked++;
    if (sod == 0)
        n_valid++;
    else
        n_invalid++;
    return sod;
}

/* ---- group helpers on top of libsodium's ed25519 core API --------------- */

/* L = 2^252 + 27742317777372353535851937790883648493, little-endian */
static const uint8_t L_LE[32] = {
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
    0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0x10};
static const uint8_t IDENTITY[32] = {1};

/* out = a + b as 256-bit little-endian integers (no reduction) */
static void add256(uint8_t out[32], const uint8_t a[32], const uint8_t b[32])
{
    unsigned carry = 0;
    for (int i = 0; i < 32; i++) {
        carry += (unsigned)a[i] + b[i];
        out[i] = (uint8_t)carry;
        carry >>= 8;
    }
    assert_int_equal(carry, 0);
}

static void rand_scalar(uint8_t s[32])
{
    uint8_t wide[64];
    do {
        rnd_bytes(wide, 64);
        crypto_core_ed25519_scalar_reduce(s, wide);
    } while (sodium_is_zero(s, 32));
}

static void base_mul(uint8_t out[32], const uint8_t s[32])
{
    assert_int_equal(crypto_scalarmult_ed25519_base_noclamp(out, s), 0);
}

static void point_add(uint8_t out[32], const uint8_t p[32], const uint8_t q[32])
{
    assert_int_equal(crypto_core_ed25519_add(out, p, q), 0);
}

/* out = k*T by repeated addition (k small) */
static void small_mul(uint8_t out[32], const uint8_t T[32], unsigned k)
{
    uint8_t acc[32];
    memcpy(acc, IDENTITY, 32);
    for (unsigned i = 0; i < k; i++)
        point_add(acc, acc, T);
    memcpy(out, acc, 32);
}

/* h = SHA-512(R || A || M) mod L */
static void hram(uint8_t h[32], const uint8_t R[32], const uint8_t A[32],
                 const uint8_t *m, size_t n)
{
    crypto_hash_sha512_state st;
    uint8_t wide[64];
    crypto_hash_sha512_init(&st);
    crypto_hash_sha512_update(&st, R, 32);
    crypto_hash_sha512_update(&st, A, 32);
    crypto_hash_sha512_update(&st, m, n);
    crypto_hash_sha512_final(&st, wide);
    crypto_core_ed25519_scalar_reduce(h, wide);
}

/* An Ed25519 signature with raw (unclamped) secret scalar a for public
 * point encoding A, which need not be a*B: R = r*B, S = r + h*a. */
static void sign_raw(uint8_t sig[64], const uint8_t a[32], const uint8_t A[32],
                     const uint8_t *m, size_t n, const uint8_t r[32])
{
    uint8_t h[32], ha[32];
    base_mul(sig, r);
    hram(h, sig, A, m, n);
    crypto_core_ed25519_scalar_mul(ha, h, a);
    crypto_core_ed25519_scalar_add(sig + 32, r, ha);
}

/* ---- small-order and non-canonical encodings ----------------------------- */

/* The 8 points of order dividing 8 (canonical encodings) followed by the 6
 * non-canonical encodings of some of them: 14 in all. canon[] gives, for
 * each, the index of the canonical encoding of the same point (for x = 0
 * with the sign bit set, the point with x = 0). */
static const struct {
    const char *hex;
    unsigned order;
    int canon;
} SMALL[14] = {
    {"0100000000000000000000000000000000000000000000000000000000000000", 1, 0},
    {"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 2, 1},
    {"0000000000000000000000000000000000000000000000000000000000000000", 4, 2},
    {"0000000000000000000000000000000000000000000000000000000000000080", 4, 3},
    {"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", 8, 4},
    {"26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85", 8, 5},
    {"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", 8, 6},
    {"c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", 8, 7},
    /* non-canonical: x = 0 with the sign bit, or y >= p */
    {"0100000000000000000000000000000000000000000000000000000000000080", 1, 0},
    {"ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 2, 1},
    {"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 4, 2},
    {"edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 4, 3},
    {"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", 1, 0},
    {"eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 1, 0},
};
enum { N_SMALL = 14, N_SMALL_CANON = 8 };
static uint8_t small_pt[N_SMALL][32];

/* y = p + k (k = 0..18), with and without the sign bit: every encoding
 * with y >= p.  38 in all. */
static void noncanon_y(uint8_t out[32], unsigned idx)
{
    unsigned k = idx / 2;
    memset(out, 0xff, 32);
    out[0] = (uint8_t)(0xed + k);
    out[31] = (idx & 1) ? 0xff : 0x7f;
}
enum { N_NONCANON = 38 };

static void decode_small_points(void)
{
    for (int i = 0; i < N_SMALL; i++)
        unhex(small_pt[i], SMALL[i].hex, 32);
}

/* ---- (a) RFC 8032 section 7.1 ------------------------------------------- */

static const struct {
    const char *name, *seed, *pk, *msg, *sig;
} RFC[] = {
    {"TEST 1",
     "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
     "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
    {"TEST 2",
     "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
     "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
    {"TEST 3",
     "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
     "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
     "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac"
     "18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"},
    {"TEST 1024",
     "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
     "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
     "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98"
     "fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d8"
     "79de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d"
     "658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc"
     "1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4fe"
     "ba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e"
     "06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbef"
     "efd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7"
     "aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed1"
     "85ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2"
     "d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24"
     "554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f270"
     "88d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc"
     "2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b07"
     "07e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128ba"
     "b27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51a"
     "ddd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429e"
     "c96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb7"
     "51fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c"
     "42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8"
     "ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34df"
     "f7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08"
     "d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649"
     "de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e4"
     "88acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a3"
     "2ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e"
     "6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5f"
     "b93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b5"
     "0d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1"
     "369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380d"
     "b2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c"
     "0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0",
     "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350"
     "aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"},
    {"TEST SHA(abc)",
     "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
     "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
     "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
     "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
     "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b589"
     "09351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"},
};

static void test_rfc8032(void **state)
{
    (void)state;
    static const size_t want_len[] = {0, 1, 2, 1023, 64};
    for (size_t v = 0; v < sizeof RFC / sizeof RFC[0]; v++) {
        uint8_t seed[32], pk[32], sig[64], spk[32], ssk[64], ssig[64];
        size_t len = strlen(RFC[v].msg) / 2;
        assert_int_equal(len, want_len[v]);
        uint8_t *msg = malloc(len + 1);
        assert_non_null(msg);
        unhex(seed, RFC[v].seed, 32);
        unhex(pk, RFC[v].pk, 32);
        unhex(msg, RFC[v].msg, len);
        unhex(sig, RFC[v].sig, 64);

        /* guard against typos in the vector: libsodium derives the same key
         * and (signing is deterministic) the same signature */
        assert_int_equal(crypto_sign_seed_keypair(spk, ssk, seed), 0);
        assert_memory_equal(spk, pk, 32);
        assert_int_equal(crypto_sign_detached(ssig, NULL, msg, len, ssk), 0);
        assert_memory_equal(ssig, sig, 64);
        if (v == 4) { /* the message is SHA-512("abc") */
            uint8_t h[64];
            crypto_hash_sha512(h, (const uint8_t *)"abc", 3);
            assert_memory_equal(h, msg, 64);
        }

        assert_int_equal(fwpk_ed25519_verify(sig, pk, msg, len), 0);
        assert_int_equal(check_case(sig, pk, msg, len, RFC[v].name), 0);

        /* the same vector, damaged: R, S, pk, message */
        const size_t sig_bits[] = {0, 255, 256, 300, 511};
        for (size_t i = 0; i < 5; i++) {
            sig[sig_bits[i] / 8] ^= (uint8_t)(1u << (sig_bits[i] % 8));
            assert_int_equal(check_case(sig, pk, msg, len, RFC[v].name), -1);
            sig[sig_bits[i] / 8] ^= (uint8_t)(1u << (sig_bits[i] % 8));
        }
        pk[5] ^= 0x10;
        assert_int_equal(check_case(sig, pk, msg, len, RFC[v].name), -1);
        pk[5] ^= 0x10;
        if (len) {
            msg[len - 1] ^= 1;
            assert_int_equal(check_case(sig, pk, msg, len, RFC[v].name), -1);
            msg[len - 1] ^= 1;
        } else {
            uint8_t one = 0;
            assert_int_equal(check_case(sig, pk, &one, 1, RFC[v].name), -1);
        }
        free(msg);
    }
}

/* ---- (b) Wycheproof ------------------------------------------------------- */

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *p = malloc(cap + 1);
    assert_non_null(p);
    size_t k;
    while ((k = fread(p + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap) {
            cap *= 2;
            p = realloc(p, cap + 1);
            assert_non_null(p);
        }
    }
    fclose(f);
    p[n] = 0;
    *len = n;
    return p;
}

/* If *pp points at "key" followed by ':' returns a pointer just past the
 * colon and any blanks, else NULL. */
static const char *at_key(const char *p, const char *key)
{
    size_t k = strlen(key);
    if (p[0] != '"' || strncmp(p + 1, key, k) != 0 || p[1 + k] != '"')
        return NULL;
    p += k + 2;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    if (*p != ':')
        return NULL;
    p++;
    while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
        p++;
    return p;
}

/* A JSON string of hex digits at p: decodes into a malloc'd buffer. */
static uint8_t *hex_string(const char *p, size_t *len, const char **end)
{
    assert_int_equal(*p, '"');
    const char *q = strchr(p + 1, '"');
    assert_non_null(q);
    size_t digits = (size_t)(q - p - 1);
    assert_int_equal(digits % 2, 0);
    uint8_t *out = malloc(digits / 2 + 1);
    assert_non_null(out);
    unhex(out, p + 1, digits / 2);
    *len = digits / 2;
    *end = q + 1;
    return out;
}

static const char *vectors_dir(void)
{
    const char *d = getenv("FWPK_VECTORS");
    return d && *d ? d : "../shared/vectors";
}

static void test_wycheproof(void **state)
{
    (void)state;
    char path[512];
    snprintf(path, sizeof path, "%s/wycheproof/ed25519_test.json",
             vectors_dir());
    size_t flen;
    char *json = read_file(path, &flen);
    if (!json) {
        printf("SKIPPED: Wycheproof vectors not found at %s (run from the "
               "repo root with ../shared/vectors present, or set "
               "FWPK_VECTORS); 0 cases checked\n", path);
        skip();
    }

    long declared = -1, tcid = -1;
    uint8_t pk[32];
    int have_pk = 0;
    uint8_t *msg = NULL, *sig = NULL;
    size_t msg_len = 0, sig_len = 0;
    size_t cases = 0, both = 0, by_length = 0, want_valid = 0;
    size_t pk_groups = 0;

    for (const char *p = json; *p; p++) {
        const char *v;
        if (*p != '"')
            continue;
        if ((v = at_key(p, "numberOfTests"))) {
            declared = strtol(v, NULL, 10);
        } else if ((v = at_key(p, "pk"))) {
            size_t n;
            uint8_t *k = hex_string(v, &n, &p);
            assert_int_equal(n, 32);
            memcpy(pk, k, 32);
            free(k);
            have_pk = 1;
            pk_groups++;
            p--;
        } else if ((v = at_key(p, "tcId"))) {
            tcid = strtol(v, NULL, 10);
            free(msg);
            free(sig);
            msg = sig = NULL;
        } else if ((v = at_key(p, "msg"))) {
            msg = hex_string(v, &msg_len, &p);
            p--;
        } else if ((v = at_key(p, "sig"))) {
            sig = hex_string(v, &sig_len, &p);
            p--;
        } else if ((v = at_key(p, "result"))) {
            assert_true(have_pk && msg && sig && tcid >= 0);
            int expect = -1;
            if (strncmp(v, "\"valid\"", 7) == 0)
                expect = 0;
            else if (strncmp(v, "\"invalid\"", 9) == 0)
                expect = -1;
            else
                fail_msg("tcId %ld: unexpected result %.12s", tcid, v);
            cases++;
            want_valid += expect == 0;
            char what[64];
            snprintf(what, sizeof what, "wycheproof tcId %ld", tcid);
            if (sig_len == 64) {
                int got = check_case(sig, pk, msg, msg_len, what);
                if (got != expect)
                    printf("tcId %ld: expected %s, both verifiers say %s\n",
                           tcid, expect ? "invalid" : "valid",
                           got ? "invalid" : "valid");
                assert_int_equal(got, expect);
                both++;
            } else {
                /* a signature that is not 64 bytes cannot be passed to a
                 * 64-byte API at all: it must be an invalid case */
                assert_int_equal(expect, -1);
                by_length++;
                if (sig_len > 64) /* the 64-byte prefix: agree, whatever */
                    check_case(sig, pk, msg, msg_len, what);
            }
            tcid = -1;
        }
    }
    free(msg);
    free(sig);
    free(json);
    assert_true(declared > 0);
    assert_int_equal(cases, (size_t)declared);
    assert_true(pk_groups > 0);
    printf("wycheproof ed25519: %zu cases checked (%zu expected valid): %zu "
           "with 64-byte signatures agree with the file and libsodium, %zu "
           "invalid by length alone; %zu public keys\n",
           cases, want_valid, both, by_length, pk_groups);
}

/* ---- (c) small-order points and hand-built forgeries --------------------- */

static void test_small_order_table(void **state)
{
    (void)state;
    /* the typed encodings really are the 8 small-order points: each has
     * the stated order, they are distinct, and libsodium refuses them as
     * points; L really is the group order */
    uint8_t t[32], wide[64] = {0}, red[32];
    for (int i = 0; i < N_SMALL_CANON; i++) {
        unsigned ord = 0;
        for (unsigned k = 1; k <= 8; k++) {
            small_mul(t, small_pt[i], k);
            if (memcmp(t, IDENTITY, 32) == 0) {
                ord = k;
                break;
            }
        }
        assert_int_equal(ord, SMALL[i].order);
        assert_int_equal(crypto_core_ed25519_is_valid_point(small_pt[i]), 0);
        for (int j = 0; j < i; j++)
            assert_memory_not_equal(small_pt[i], small_pt[j], 32);
    }
    memcpy(wide, L_LE, 32);
    crypto_core_ed25519_scalar_reduce(red, wide);
    assert_true(sodium_is_zero(red, 32));
    wide[0]--; /* L - 1 is not zero mod L */
    crypto_core_ed25519_scalar_reduce(red, wide);
    assert_false(sodium_is_zero(red, 32));
}

/* Small-order A: with R = s*B and h = 0 mod 8, s*B - h*A = R, so a
 * verifier without libsodium's small-order check on A would accept. */
static void test_small_order_A_forgery(void **state)
{
    (void)state;
    size_t made = 0;
    uint8_t A[32], s[32], sig[64], h[32], msg[40];
    for (int e = 0; e < N_SMALL + N_NONCANON; e++) {
        if (e < N_SMALL)
            memcpy(A, small_pt[e], 32);
        else
            noncanon_y(A, (unsigned)(e - N_SMALL));
        for (int rep = 0; rep < 3; rep++) {
            size_t len = rnd() % sizeof msg;
            rnd_bytes(msg, len);
            int tries = 0;
            do {
                assert_true(++tries < 1000);
                rand_scalar(s);
                base_mul(sig, s);
                memcpy(sig + 32, s, 32);
                hram(h, sig, A, msg, len);
            } while ((h[0] & 7) != 0);
            assert_int_equal(check_case(sig, A, msg, len, "small-order A forgery"),
                             -1);
            made++;
        }
        /* and S = 0 with every small-order R */
        memset(sig + 32, 0, 32);
        for (int r = 0; r < N_SMALL; r++) {
            memcpy(sig, small_pt[r], 32);
            check_case(sig, A, msg, 0, "small-order A and R, S = 0");
            made++;
        }
    }
    printf("small-order / non-canonical A forgeries: %zu cases\n", made);
}

/* Small-order R: with a mixed-order key A = a*B + T8, S = h*a makes
 * S*B - h*A = -h*T8; choosing the message so that this is R itself gives a
 * signature that cofactorless verification without libsodium's
 * small-order check on R accepts.  For the identity R the key can be
 * honest (A = a*B). */
static void test_small_order_R_forgery(void **state)
{
    (void)state;
    size_t made = 0, tries_total = 0;
    uint8_t a[32], aB[32], A[32], R[32], h[32], sig[64], P[32], msg[32];
    for (int t8 = 4; t8 < 8; t8++) {
        rand_scalar(a);
        base_mul(aB, a);
        point_add(A, aB, small_pt[t8]);
        /* not in the prime-order subgroup: libsodium's point check says no */
        assert_int_equal(crypto_core_ed25519_is_valid_point(aB), 1);
        assert_int_equal(crypto_core_ed25519_is_valid_point(A), 0);
        for (int r = 0; r < N_SMALL; r++) {
            memcpy(R, small_pt[r], 32);
            const uint8_t *target = small_pt[SMALL[r].canon];
            int found = 0;
            for (int tries = 0; tries < 1000 && !found; tries++) {
                rnd_bytes(msg, sizeof msg);
                hram(h, R, A, msg, sizeof msg);
                small_mul(P, small_pt[t8], (8u - (h[0] & 7u)) & 7u);
                found = memcmp(P, target, 32) == 0;
                tries_total++;
            }
            assert_true(found);
            memcpy(sig, R, 32);
            crypto_core_ed25519_scalar_mul(sig + 32, h, a);
            assert_int_equal(check_case(sig, A, msg, sizeof msg,
                                        "small-order R, mixed-order A"),
                             -1);
            made++;
        }
    }
    /* identity R (all four encodings of it) with an honest key */
    const int id_enc[] = {0, 8, 12, 13};
    for (int i = 0; i < 4; i++) {
        for (int rep = 0; rep < 4; rep++) {
            rand_scalar(a);
            base_mul(A, a);
            size_t len = rnd() % sizeof msg;
            rnd_bytes(msg, len);
            memcpy(sig, small_pt[id_enc[i]], 32);
            hram(h, sig, A, msg, len);
            crypto_core_ed25519_scalar_mul(sig + 32, h, a);
            assert_int_equal(check_case(sig, A, msg, len, "identity R"), -1);
            made++;
        }
    }
    printf("small-order R forgeries: %zu cases (%zu message tries)\n", made,
           tries_total);
}

/* Mixed-order A = a*B + T, honestly signed: libsodium's cofactorless check
 * passes exactly when h*T = 0, i.e. h = 0 mod ord(T). */
static void test_mixed_order_A(void **state)
{
    (void)state;
    size_t acc = 0, rej = 0;
    uint8_t a[32], aB[32], A[32], r[32], sig[64], h[32], msg[64];
    for (int t = 1; t < N_SMALL_CANON; t++) {
        for (int rep = 0; rep < 24; rep++) {
            rand_scalar(a);
            rand_scalar(r);
            base_mul(aB, a);
            point_add(A, aB, small_pt[t]);
            size_t len = rnd() % sizeof msg;
            rnd_bytes(msg, len);
            sign_raw(sig, a, A, msg, len, r);
            hram(h, sig, A, msg, len);
            int predicted = (h[0] % SMALL[t].order) == 0 ? 0 : -1;
            int v = check_case(sig, A, msg, len, "mixed-order A");
            assert_int_equal(v, predicted);
            if (v == 0)
                acc++;
            else
                rej++;
            /* the same key with S + L, and the cofactor-only difference
             * R + T: both refused */
            uint8_t bad[64];
            memcpy(bad, sig, 64);
            add256(bad + 32, sig + 32, L_LE);
            assert_int_equal(check_case(bad, A, msg, len, "mixed-order A, S+L"),
                             -1);
            point_add(bad, sig, small_pt[t]);
            memcpy(bad + 32, sig + 32, 32);
            check_case(bad, A, msg, len, "mixed-order A, R + T");
        }
    }
    /* honest key, R with a small-order component: R' = r*B never equals
     * r*B + T, so always refused */
    for (int t = 1; t < N_SMALL_CANON; t++) {
        for (int rep = 0; rep < 8; rep++) {
            uint8_t pk[32];
            rand_scalar(a);
            rand_scalar(r);
            base_mul(pk, a);
            size_t len = rnd() % sizeof msg;
            rnd_bytes(msg, len);
            uint8_t rB[32];
            base_mul(rB, r);
            point_add(sig, rB, small_pt[t]);
            hram(h, sig, pk, msg, len);
            uint8_t ha[32];
            crypto_core_ed25519_scalar_mul(ha, h, a);
            crypto_core_ed25519_scalar_add(sig + 32, r, ha);
            assert_int_equal(check_case(sig, pk, msg, len, "mixed-order R"), -1);
            rej++;
        }
    }
    printf("mixed-order keys/R: %zu accepted, %zu refused (all as libsodium)\n",
           acc, rej);
    assert_true(acc > 0);
    assert_true(rej > 0);
}

/* ---- (d) differential: real signatures and their mutations --------------- */

enum { N_KINDS = 19 };

static void test_differential(void **state)
{
    (void)state;
    long rounds = 500; /* ~10k cases, ~10 s under ASan; FWPK_ED25519_ROUNDS */
    const char *env = getenv("FWPK_ED25519_ROUNDS");
    if (env && atol(env) > 0)
        rounds = atol(env);

    size_t start_checked = n_checked, start_valid = n_valid;
    size_t per_kind[N_KINDS] = {0}, valid_kind[N_KINDS] = {0};
    uint8_t seed[32], pk[32], sk[64], sig[64], msg[301], s2[64], p2[32];
    uint8_t m2[301];

    for (long it = 0; it < rounds; it++) {
        rnd_bytes(seed, 32);
        assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
        size_t len = rnd() % 301;
        rnd_bytes(msg, len);
        assert_int_equal(crypto_sign_detached(sig, NULL, msg, len, sk), 0);

        for (int kind = 0; kind < N_KINDS; kind++) {
            memcpy(s2, sig, 64);
            memcpy(p2, pk, 32);
            memcpy(m2, msg, len);
            size_t l2 = len;
            const char *what = "";
            switch (kind) {
            case 0:
                what = "valid";
                break;
            case 1: {
                unsigned b = rnd() % 512;
                s2[b / 8] ^= (uint8_t)(1u << (b % 8));
                what = "sig bit flip";
                break;
            }
            case 2: {
                unsigned b = rnd() % 256;
                p2[b / 8] ^= (uint8_t)(1u << (b % 8));
                what = "pk bit flip";
                break;
            }
            case 3:
                if (l2) {
                    unsigned b = rnd() % (unsigned)(8 * l2);
                    m2[b / 8] ^= (uint8_t)(1u << (b % 8));
                } else {
                    m2[0] = 0;
                    l2 = 1;
                }
                what = "msg bit flip";
                break;
            case 4:
                add256(s2 + 32, sig + 32, L_LE);
                what = "S + L";
                break;
            case 5:
                memcpy(s2 + 32, L_LE, 32);
                what = "S = L";
                break;
            case 6:
                memset(s2 + 32, 0, 32);
                what = "S = 0";
                break;
            case 7: /* S + k*L for the largest k that fits, or S | high bits */
                if (it & 1) {
                    uint8_t t[32];
                    memcpy(t, s2 + 32, 32);
                    for (;;) {
                        uint8_t n[32];
                        unsigned carry = 0;
                        for (int i = 0; i < 32; i++) {
                            carry += (unsigned)t[i] + L_LE[i];
                            n[i] = (uint8_t)carry;
                            carry >>= 8;
                        }
                        if (carry)
                            break;
                        memcpy(t, n, 32);
                    }
                    memcpy(s2 + 32, t, 32);
                } else {
                    s2[63] |= (uint8_t)((1 + rnd() % 15) << 4);
                }
                what = "S >= L";
                break;
            case 8:
                memcpy(s2, small_pt[rnd() % N_SMALL], 32);
                what = "small-order R";
                break;
            case 9:
                memcpy(p2, small_pt[rnd() % N_SMALL], 32);
                what = "small-order A";
                break;
            case 10:
                noncanon_y(p2, rnd() % N_NONCANON);
                what = "A with y >= p";
                break;
            case 11:
                noncanon_y(s2, rnd() % N_NONCANON);
                what = "R with y >= p";
                break;
            case 12:
                rnd_bytes(p2, 32);
                what = "random A";
                break;
            case 13:
                rnd_bytes(s2, 32);
                what = "random R";
                break;
            case 14: /* sign bit of A or R flipped: -A, -R */
                if (it & 1)
                    p2[31] ^= 0x80;
                else
                    s2[31] ^= 0x80;
                what = "negated A or R";
                break;
            case 15: /* another key's valid signature on the same message */
            {
                uint8_t pk3[32], sk3[64], seed3[32];
                rnd_bytes(seed3, 32);
                crypto_sign_seed_keypair(pk3, sk3, seed3);
                memcpy(p2, pk3, 32);
                what = "wrong key";
                break;
            }
            case 16: /* truncated or extended message */
                if (l2 && (it & 1))
                    l2--;
                else
                    m2[l2++] = (uint8_t)rnd();
                what = "msg length changed";
                break;
            case 17: /* R's sign bit flipped and S recomputed for it: the
                      * equation gives the original R, which differs from
                      * the signature's R in the sign bit only */
            case 18: /* a valid signature by a full-range (unclamped)
                      * scalar key, or by -a for the negated key */
            {
                uint8_t a[32], r[32], A[32], h[32], ha[32];
                rand_scalar(a);
                rand_scalar(r);
                if (kind == 18 && (it & 1))
                    crypto_core_ed25519_scalar_negate(a, a);
                base_mul(A, a);
                memcpy(p2, A, 32);
                base_mul(s2, r);
                if (kind == 17)
                    s2[31] ^= 0x80;
                hram(h, s2, A, m2, l2);
                crypto_core_ed25519_scalar_mul(ha, h, a);
                crypto_core_ed25519_scalar_add(s2 + 32, r, ha);
                what = kind == 17 ? "R negated, S recomputed" : "raw scalar key";
                break;
            }
            }
            int v = check_case(s2, p2, m2, l2, what);
            per_kind[kind]++;
            if (v == 0)
                valid_kind[kind]++;
            if (kind == 0)
                assert_int_equal(v, 0);
        }
    }
    size_t cases = n_checked - start_checked;
    size_t valid = n_valid - start_valid;
    printf("ed25519 differential: %ld signatures, %zu cases: %zu valid, %zu "
           "invalid, all as libsodium\n",
           rounds, cases, valid, cases - valid);
    printf("  valid per mutation (kind: accepted/tried):");
    for (int k = 0; k < N_KINDS; k++)
        printf(" %d:%zu/%zu", k, valid_kind[k], per_kind[k]);
    printf("\n");
    assert_int_equal(valid_kind[0], (size_t)rounds);
    assert_int_equal(valid_kind[18], (size_t)rounds);
    assert_int_equal(valid_kind[17], 0);
}

static int setup(void **state)
{
    (void)state;
    decode_small_points();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    printf("ed25519 total: %zu cases compared with libsodium (%zu valid, %zu "
           "invalid)\n", n_checked, n_valid, n_invalid);
    return 0;
}

int main(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "sodium_init failed\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc8032),
        cmocka_unit_test(test_wycheproof),
        cmocka_unit_test(test_small_order_table),
        cmocka_unit_test(test_small_order_A_forgery),
        cmocka_unit_test(test_small_order_R_forgery),
        cmocka_unit_test(test_mixed_order_A),
        cmocka_unit_test(test_differential),
    };
    return cmocka_run_group_tests_name("ed25519", tests, setup, teardown);
}
