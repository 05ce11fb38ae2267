/* test_notecard_scan.c - the Notecard client's parts on their own: the
 * reply scanner and the base64 decoder against real replies (the samples
 * of blues/notecard-schema and the emulator's) cut at every byte boundary,
 * the COBS decoder against known encodings and the emulator's binary
 * replies, MD5 against RFC 1321's vectors and against openssl. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "nc_base64.h"
#include "nc_cobs.h"
#include "nc_scan.h"
#include "notecard.h"

/* What a reply said, as the client would take it. */
typedef struct {
    int bad, done, b64_bad;
    uint16_t seen;
    uint32_t length, body_length, cobs;
    char mode[16];
    uint8_t md5[16], body_md5[16];
    uint8_t payload[8192];
    size_t payload_len;
} taken;

typedef struct {
    fwpk_nc_scan s;
    fwpk_nc_b64 d;
    taken t;
} scanner;

static void sc_start(scanner *sc)
{
    memset(sc, 0, sizeof *sc);
    fwpk_nc_scan_start(&sc->s);
    fwpk_nc_b64_start(&sc->d);
}

static void sc_put(scanner *sc, const char *text, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        uint8_t ch = (uint8_t)text[i], out[3];
        unsigned k;
        switch (fwpk_nc_scan_put(&sc->s, ch, &ch)) {
        case FWPK_NC_EV_BAD:
            sc->t.bad = 1;
            break;
        case FWPK_NC_EV_PAYLOAD:
            k = fwpk_nc_b64_put(&sc->d, ch, out);
            assert_true(sc->t.payload_len + k <= sizeof sc->t.payload);
            memcpy(sc->t.payload + sc->t.payload_len, out, k);
            sc->t.payload_len += k;
            break;
        case FWPK_NC_EV_VALUE:
            if (!FWPK_NC_SEEN(&sc->s, sc->s.last))
                break;
            switch (sc->s.last) {
            case FWPK_NC_KEY_MODE:
                snprintf(sc->t.mode, sizeof sc->t.mode, "%s", sc->s.text);
                break;
            case FWPK_NC_KEY_STATUS:
                memcpy(sc->t.md5, sc->s.md5, 16);
                break;
            case FWPK_NC_KEY_BODY_MD5:
                memcpy(sc->t.body_md5, sc->s.md5, 16);
                break;
            case FWPK_NC_KEY_LENGTH:
                sc->t.length = sc->s.num;
                break;
            case FWPK_NC_KEY_BODY_LENGTH:
                sc->t.body_length = sc->s.num;
                break;
            case FWPK_NC_KEY_COBS:
                sc->t.cobs = sc->s.num;
                break;
            default:
                break;
            }
            break;
        default:
            break;
        }
    }
}

static taken *sc_end(scanner *sc)
{
    uint8_t out[2];
    unsigned k = fwpk_nc_b64_end(&sc->d, out);
    memcpy(sc->t.payload + sc->t.payload_len, out, k);
    sc->t.payload_len += k;
    sc->t.b64_bad = sc->d.bad;
    sc->t.done = fwpk_nc_scan_done(&sc->s);
    sc->t.seen = sc->s.seen;
    return &sc->t;
}

/* The reply whole, then cut at every byte boundary (and a byte at a time):
 * always the same result, which is returned. */
static taken *scan_every_split(const char *text)
{
    static scanner whole, cut;
    size_t n = strlen(text), k;
    taken *t;
    sc_start(&whole);
    sc_put(&whole, text, n);
    t = sc_end(&whole);
    for (k = 0; k <= n; k++) {
        sc_start(&cut);
        sc_put(&cut, text, k);
        sc_put(&cut, text + k, n - k);
        if (memcmp(sc_end(&cut), t, sizeof *t) != 0)
            fail_msg("cut at %zu of \"%s\": another result", k, text);
    }
    sc_start(&cut);
    for (k = 0; k < n; k++)
        sc_put(&cut, text + k, 1);
    assert_memory_equal(sc_end(&cut), t, sizeof *t);
    return t;
}

static void hex16(const char *hex, uint8_t out[16])
{
    for (int i = 0; i < 16; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* notecard-schema dfu.status.rsp "DFU Ready Status" sample. */
static const char READY[] =
    "{\"mode\": \"ready\", \"status\": \"successfully downloaded\", \"on\": "
    "true, \"body\": {\"crc32\": 2525287425, \"created\": 1599163431, "
    "\"info\": {}, \"length\": 42892, \"md5\": "
    "\"5a3f73a7f1b4bc8917b12b36c2532969\", \"modified\": 1599163431, "
    "\"name\": \"stm32-new-firmware$20200903200351.bin\", \"notes\": "
    "\"Latest prod firmware\", \"source\": \"stm32-new-firmware.bin\", "
    "\"type\": \"firmware\"}}";

static void test_status_replies(void **state)
{
    uint8_t md5[16];
    taken *t;
    (void)state;
    t = scan_every_split(READY);
    assert_false(t->bad);
    assert_true(t->done);
    assert_string_equal(t->mode, "ready");
    assert_int_equal(t->body_length, 42892);
    hex16("5a3f73a7f1b4bc8917b12b36c2532969", md5);
    assert_memory_equal(t->body_md5, md5, 16);
    /* "status" is text here, not an MD5: not taken as one */
    assert_false(t->seen >> FWPK_NC_KEY_STATUS & 1);
    /* "length" inside "body" is body.length, never the reply's own */
    assert_false(t->seen >> FWPK_NC_KEY_LENGTH & 1);

    t = scan_every_split("{\"mode\": \"idle\", \"status\": \"no download "
                         "in progress\", \"on\": true}");
    assert_true(t->done);
    assert_string_equal(t->mode, "idle");
    assert_false(t->seen >> FWPK_NC_KEY_BODY_LENGTH & 1);

    /* a nested "md5" or "length" elsewhere is not the body's */
    t = scan_every_split("{\"mode\":\"ready\",\"x\":{\"body\":{\"length\":5}},"
                         "\"body\":{\"info\":{\"length\":7,\"md5\":\"00\"},"
                         "\"length\":9}}");
    assert_true(t->done);
    assert_int_equal(t->body_length, 9);
    assert_false(t->seen >> FWPK_NC_KEY_BODY_MD5 & 1);
}

static void test_payload_replies(void **state)
{
    taken *t;
    (void)state;
    /* notecard-schema dfu.get.rsp samples */
    t = scan_every_split(
        "{\"payload\": \"AAAAAAAAAAAAAAAAcy8ACIEvAAgAAAAAjy8ACJ0vAAg=\"}");
    assert_true(t->done);
    assert_false(t->b64_bad);
    assert_int_equal(t->payload_len, 32);
    assert_memory_equal(t->payload + 12, "\x73\x2f\x00\x08\x81\x2f\x00\x08",
                        8);
    t = scan_every_split("{\"payload\": \"\"}");
    assert_true(t->done);
    assert_true(t->seen >> FWPK_NC_KEY_PAYLOAD & 1);
    assert_int_equal(t->payload_len, 0);
    t = scan_every_split("{\"payload\": \"dGVzdGZpcm13YXJlZGF0YQ==\"}");
    assert_int_equal(t->payload_len, 16);
    assert_memory_equal(t->payload, "testfirmwaredata", 16);
    /* card.binary.get.rsp sample */
    t = scan_every_split("{\"status\":\"ce6fdef565eeecf14ab38d83643b922d\"}");
    assert_true(t->seen >> FWPK_NC_KEY_STATUS & 1);
    /* "\/" is '/' in JSON; other escapes are not base64 */
    t = scan_every_split("{\"payload\":\"\\/w==\"}");
    assert_false(t->b64_bad);
    assert_int_equal(t->payload[0], 0xff);
    t = scan_every_split("{\"payload\":\"\\u0041AAA\"}");
    assert_true(t->b64_bad);
    t = scan_every_split("{\"err\":\"not currently in the DFU operating mode "
                         "(see hub.set)\"}");
    assert_true(t->seen >> FWPK_NC_KEY_ERR & 1);
}

/* The emulator's replies for a real piece: the same, every split. */
static void test_emulator_replies(void **state)
{
    fwp_nc_emu e;
    fwp_err err;
    fwp_buf out = {0};
    uint8_t img[3000], md5[16];
    char hex[33];
    const char *get = "{\"req\":\"dfu.get\",\"offset\":100,\"length\":1000}";
    const char *bin = "{\"req\":\"dfu.get\",\"offset\":7,\"length\":600,"
                      "\"binary\":true}";
    taken *t;
    (void)state;
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 31 + (i >> 7));
    assert_int_equal(fwp_nc_emu_init(&e, img, sizeof img, "x.bin", &err), 0);
    e.dfu = 1;
    assert_int_equal(fwp_nc_emu_request(&e, get, strlen(get), &out), 0);
    out.data[out.len - 2] = '\0'; /* the line without its \r\n */
    t = scan_every_split(out.data);
    assert_false(t->bad);
    assert_false(t->b64_bad);
    assert_int_equal(t->payload_len, 1000);
    assert_memory_equal(t->payload, img + 100, 1000);
    fwp_nc_md5_hex(img + 100, 1000, hex);
    hex16(hex, md5);
    assert_memory_equal(t->md5, md5, 16);

    out.len = 0;
    assert_int_equal(fwp_nc_emu_request(&e, bin, strlen(bin), &out), 0);
    out.data[out.len - 2] = '\0';
    t = scan_every_split(out.data);
    assert_int_equal(t->length, 600);
    assert_true(t->cobs >= 600);

    out.len = 0;
    bin = "{\"req\":\"dfu.status\"}";
    assert_int_equal(fwp_nc_emu_request(&e, bin, strlen(bin), &out), 0);
    out.data[out.len - 2] = '\0';
    t = scan_every_split(out.data);
    assert_string_equal(t->mode, "ready");
    assert_int_equal(t->body_length, sizeof img);
    fwp_nc_md5_hex(img, sizeof img, hex);
    hex16(hex, md5);
    assert_memory_equal(t->body_md5, md5, 16);
    fwp_buf_free(&out);
    fwp_nc_emu_free(&e);
}

static void assert_bad(const char *text)
{
    static scanner sc;
    sc_start(&sc);
    sc_put(&sc, text, strlen(text));
    if (!sc.t.bad)
        fail_msg("taken as JSON: %s", text);
}

static void assert_unusable(const char *text, int key)
{
    taken *t = scan_every_split(text);
    assert_false(t->bad);
    if (t->seen >> key & 1)
        fail_msg("value taken: %s", text);
}

static void test_garbled(void **state)
{
    char deep[64] = "{\"a\":";
    (void)state;
    assert_bad("[1]");
    assert_bad("x{}");
    assert_bad("{\"a\":1,}");
    assert_bad("{\"a\" 1}");
    assert_bad("{\"a\":[1,2}");
    assert_bad("{\"a\":{\"b\":1]}");
    assert_bad("{\"a\":\"x\ty\"}");
    assert_bad("{\"a\":\"\\q\"}");
    assert_bad("{\"a\":\"\\u00g0\"}");
    assert_bad("{\"a\":tru3}");
    assert_bad("{\"a\":1x}");
    assert_bad("{\"a\":}");
    assert_bad("{} {}");
    assert_bad("{\"a\"}");
    for (int i = 0; i < 8; i++)
        strcat(deep, "[");
    assert_bad(deep); /* nesting beyond FWPK_NC_MAX_DEPTH */
    /* well-formed, but no value the client can use */
    assert_unusable("{\"length\":1.5}", FWPK_NC_KEY_LENGTH);
    assert_unusable("{\"length\":-1}", FWPK_NC_KEY_LENGTH);
    assert_unusable("{\"length\":4294967296}", FWPK_NC_KEY_LENGTH);
    assert_unusable("{\"length\":\"12\"}", FWPK_NC_KEY_LENGTH);
    assert_unusable("{\"length\":true}", FWPK_NC_KEY_LENGTH);
    assert_unusable("{\"status\":\"5a3f73a7f1b4bc8917b12b36c253296\"}",
                    FWPK_NC_KEY_STATUS);
    assert_unusable("{\"status\":\"5a3f73a7f1b4bc8917b12b36c25329690\"}",
                    FWPK_NC_KEY_STATUS);
    assert_unusable("{\"status\":\"5a3f73a7f1b4bc8917b12b36c253296g\"}",
                    FWPK_NC_KEY_STATUS);
    assert_unusable("{\"mode\":5}", FWPK_NC_KEY_MODE);
    assert_unusable("{\"payload\":5}", FWPK_NC_KEY_PAYLOAD);
    assert_unusable("{\"pay\\u006coad\":\"QQ==\"}", FWPK_NC_KEY_PAYLOAD);
    /* the largest number that fits */
    assert_int_equal(scan_every_split("{\"length\":4294967295}")->length,
                     4294967295u);
}

static int b64_decode(const char *text, uint8_t *out, size_t *n)
{
    fwpk_nc_b64 d;
    uint8_t b[3];
    size_t i;
    unsigned k;
    fwpk_nc_b64_start(&d);
    *n = 0;
    for (i = 0; text[i] != '\0'; i++) {
        k = fwpk_nc_b64_put(&d, (uint8_t)text[i], b);
        memcpy(out + *n, b, k);
        *n += k;
    }
    k = fwpk_nc_b64_end(&d, b);
    memcpy(out + *n, b, k);
    *n += k;
    return d.bad ? -1 : 0;
}

static void test_base64(void **state)
{
    /* RFC 4648 section 10 */
    static const char *const vec[][2] = {
        {"", ""},         {"f", "Zg=="},     {"fo", "Zm8="},
        {"foo", "Zm9v"},  {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="},
        {"foobar", "Zm9vYmFy"}, {"f", "Zg"},    {"fo", "Zm8"}};
    static const char *const bad[] = {"Z", "Zg=", "Zg==Zg==", "Zh==",
                                      "Zm9=", "Zm9v!", "Zm9v Zm9v", "=",
                                      "Zg===", "Zm9vY", "Zg=a"};
    uint8_t out[64], data[700];
    char text[1000];
    size_t n, i, len;
    (void)state;
    for (i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        assert_int_equal(b64_decode(vec[i][1], out, &n), 0);
        assert_int_equal(n, strlen(vec[i][0]));
        assert_memory_equal(out, vec[i][0], n);
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (b64_decode(bad[i], out, &n) == 0)
            fail_msg("taken as base64: \"%s\"", bad[i]);
    /* against libsodium's encoder, every length up to 700 */
    randombytes_buf_deterministic(data, sizeof data,
                                  (const unsigned char *)"0123456789abcdef"
                                                         "0123456789abcdef");
    for (len = 0; len <= sizeof data; len++) {
        uint8_t back[700];
        sodium_bin2base64(text, sizeof text, data, len,
                          sodium_base64_VARIANT_ORIGINAL);
        assert_int_equal(b64_decode(text, back, &n), 0);
        assert_int_equal(n, len);
        assert_memory_equal(back, data, len);
    }
}

static int cobs_decode(const uint8_t *wire, size_t n, uint8_t *out,
                       size_t *outn)
{
    fwpk_nc_cobs d;
    size_t i;
    fwpk_nc_cobs_start(&d);
    *outn = 0;
    for (i = 0; i < n; i++)
        *outn += fwpk_nc_cobs_put(&d, wire[i], out + *outn);
    fwpk_nc_cobs_end(&d);
    return d.bad ? -1 : 0;
}

static void test_cobs(void **state)
{
    /* COBS (Cheshire and Baker 1999) encodings, before the XOR with '\n' */
    static const struct {
        const char *data;
        size_t dlen;
        const char *enc;
        size_t elen;
    } vec[] = {
        {"", 0, "\x01", 1},
        {"\x00", 1, "\x01\x01", 2},
        {"\x00\x00", 2, "\x01\x01\x01", 3},
        {"\x11\x22\x00\x33", 4, "\x03\x11\x22\x02\x33", 5},
        {"\x11\x22\x33\x44", 4, "\x05\x11\x22\x33\x44", 5},
        {"\x11\x00\x00\x00", 4, "\x02\x11\x01\x01\x01", 5},
    };
    uint8_t wire[600], out[600], run[254];
    size_t i, n;
    (void)state;
    for (i = 0; i < sizeof vec / sizeof vec[0]; i++) {
        for (n = 0; n < vec[i].elen; n++)
            wire[n] = (uint8_t)vec[i].enc[n] ^ FWPK_NC_COBS_EOP;
        assert_int_equal(cobs_decode(wire, vec[i].elen, out, &n), 0);
        assert_int_equal(n, vec[i].dlen);
        assert_memory_equal(out, vec[i].data, n);
    }
    /* 254 non-zero bytes: one full block, no zero after it */
    wire[0] = 0xff ^ FWPK_NC_COBS_EOP;
    for (i = 0; i < 254; i++) {
        run[i] = (uint8_t)(i + 1);
        wire[1 + i] = run[i] ^ FWPK_NC_COBS_EOP;
    }
    assert_int_equal(cobs_decode(wire, 255, out, &n), 0);
    assert_int_equal(n, 254);
    assert_memory_equal(out, run, 254);
    /* a block that runs past the packet; a zero code byte */
    wire[0] = 0x05 ^ FWPK_NC_COBS_EOP;
    assert_int_equal(cobs_decode(wire, 3, out, &n), -1);
    wire[0] = 0x00 ^ FWPK_NC_COBS_EOP;
    assert_int_equal(cobs_decode(wire, 1, out, &n), -1);
}

/* The emulator's card.binary.get for pieces full of zeros, runs of 254 and
 * 255 non-zero bytes and random bytes. */
static void test_cobs_emulator(void **state)
{
    static uint8_t img[4096];
    fwp_nc_emu e;
    fwp_err err;
    size_t len, n, i;
    (void)state;
    for (i = 0; i < sizeof img; i++)
        img[i] = i < 600 ? (uint8_t)(i % 255 + 1)
                 : i < 900 ? 0
                 : (uint8_t)randombytes_uniform(4) * 85;
    assert_int_equal(fwp_nc_emu_init(&e, img, sizeof img, "x.bin", &err), 0);
    e.dfu = 1;
    for (len = 1; len < 1300; len += 37) {
        for (size_t off = 0; off + len <= sizeof img; off += 311) {
            char req[128];
            fwp_buf out = {0};
            uint8_t dec[1300];
            const char *nl;
            snprintf(req, sizeof req,
                     "{\"req\":\"dfu.get\",\"offset\":%zu,\"length\":%zu,"
                     "\"binary\":true}", off, len);
            assert_int_equal(fwp_nc_emu_request(&e, req, strlen(req), &out), 0);
            out.len = 0;
            strcpy(req, "{\"req\":\"card.binary.get\"}");
            assert_int_equal(fwp_nc_emu_request(&e, req, strlen(req), &out), 0);
            nl = memchr(out.data, '\n', out.len);
            assert_non_null(nl);
            nl++;
            assert_int_equal(out.data[out.len - 1], '\n');
            assert_null(memchr(nl, '\n', (size_t)(out.data + out.len - 1 - nl)));
            assert_int_equal(cobs_decode((const uint8_t *)nl,
                                         (size_t)(out.data + out.len - 1 - nl),
                                         dec, &n), 0);
            assert_int_equal(n, len);
            assert_memory_equal(dec, img + off, len);
            fwp_buf_free(&out);
        }
    }
    fwp_nc_emu_free(&e);
}

static void md5_hex(const uint8_t *d, size_t n, size_t step, char out[33])
{
    fwpk_md5_ctx c;
    uint8_t h[16];
    size_t i;
    fwpk_md5_init(&c);
    for (i = 0; i < n; i += step)
        fwpk_md5_update(&c, d + i, n - i < step ? n - i : step);
    fwpk_md5_final(&c, h);
    for (i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", h[i]);
}

static void test_md5_rfc1321(void **state)
{
    /* RFC 1321 appendix A.5 */
    static const char *const vec[][2] = {
        {"", "d41d8cd98f00b204e9800998ecf8427e"},
        {"a", "0cc175b9c0f1b6a831c399e269772661"},
        {"abc", "900150983cd24fb0d6963f7d28e17f72"},
        {"message digest", "f96b697d7cb7938d525a2f31aaf161d0"},
        {"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"},
        {"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
         "d174ab98d277d9f5a5611c2c9f419d9f"},
        {"1234567890123456789012345678901234567890123456789012345678901234567"
         "8901234567890",
         "57edf4a22be3c955ac49da2e2107b67a"}};
    char hex[33];
    size_t i, step;
    (void)state;
    for (i = 0; i < sizeof vec / sizeof vec[0]; i++)
        for (step = 1; step <= 65; step += 16) {
            md5_hex((const uint8_t *)vec[i][0], strlen(vec[i][0]), step, hex);
            assert_string_equal(hex, vec[i][1]);
        }
}

/* Against openssl dgst -md5, lengths around the block and padding edges. */
static void test_md5_openssl(void **state)
{
    static const size_t lens[] = {0,  1,  55, 56,  57,   63,   64,
                                  65, 119, 120, 128, 1000, 8192, 100000};
    static uint8_t data[100000];
    char path[] = "/tmp/test_md5_XXXXXX", cmd[128], line[256], hex[33];
    size_t i;
    (void)state;
    randombytes_buf(data, sizeof data);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (i = 0; i < sizeof lens / sizeof lens[0]; i++) {
        FILE *f = fopen(path, "wb"), *p;
        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, lens[i], f), lens[i]);
        fclose(f);
        snprintf(cmd, sizeof cmd, "openssl dgst -md5 -r %s", path);
        p = popen(cmd, "r");
        assert_non_null(p);
        assert_non_null(fgets(line, sizeof line, p));
        assert_int_equal(pclose(p), 0);
        md5_hex(data, lens[i], 7, hex);
        if (strncmp(line, hex, 32) != 0)
            fail_msg("length %zu: openssl %.32s, fwpk_md5 %s", lens[i], line,
                     hex);
    }
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_status_replies),
        cmocka_unit_test(test_payload_replies),
        cmocka_unit_test(test_emulator_replies),
        cmocka_unit_test(test_garbled),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_cobs),
        cmocka_unit_test(test_cobs_emulator),
        cmocka_unit_test(test_md5_rfc1321),
        cmocka_unit_test(test_md5_openssl),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
