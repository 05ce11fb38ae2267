/*
 * make_seeds.c - seed corpora for the fuzz targets, built with the real
 * packer: signed containers (with the key fuzz_verify trusts), their
 * manifests, deflate frames as fuzz_inflate reads them, LZMA streams as
 * fuzz_lzma reads them, patches as fuzz_patch reads them, Intel HEX text
 * and Ed25519 keys in PEM and DER.
 *
 * Usage: make_seeds DIR   (writes DIR/verify, DIR/manifest, DIR/inflate,
 * DIR/inflate_small, DIR/lzma, DIR/patch, DIR/hex, DIR/pem, DIR/resume)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "fuzz_common.h"
#include "fwpack.h"

static void die(const char *what, const fwp_err *err)
{
    fprintf(stderr, "make_seeds: %s: %s\n", what, err ? err->msg : "failed");
    exit(1);
}

static void put(const char *dir, const char *sub, int n, const uint8_t *pre,
                size_t pre_len, const uint8_t *d, size_t len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, sub);
    mkdir(path, 0755);
    snprintf(path, sizeof path, "%s/%s/seed%02d", dir, sub, n);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(pre, 1, pre_len, f) != pre_len ||
        fwrite(d, 1, len, f) != len || fclose(f) != 0)
        die(path, NULL);
}

static void make_image(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (seed >> 29) ? (uint8_t)(i * 7 >> 3) : (uint8_t)(seed >> 16);
    }
}

/* Containers: n = 0..6 vary write unit, codec (6: LZMA), window, filter,
 * sparse segments and a second target.  Each goes to verify twice, as it
 * is (control byte bit 7 clear) and to be re-signed (bit 7 set). */
static void container_seeds(const char *dir, const fwp_keypair *kp)
{
    static uint8_t img[6000];
    make_image(img, sizeof img, 7);
    for (int n = 0; n < 7; n++) {
        fwp_target_opts t[2];
        memset(t, 0, sizeof t);
        t[0].name = "app";
        t[0].mcu = "";
        t[0].flash_base = FUZZ_BASE;
        t[0].flash_size = FUZZ_FLASH;
        t[0].erase_block = 1024;
        t[0].write_unit = (n & 1) ? 8 : 1;
        t[0].codec = n == 3 ? FWPK_CODEC_NONE : FWPK_CODEC_DEFLATE;
        t[0].window_bits = 9 + (uint32_t)n;
        t[0].frame_size = 256;
        t[0].level = 6;
        t[0].filter = n == 4 ? FWPK_FILTER_THUMB : FWPK_FILTER_NONE;
        if (n == 6) {
            t[0].codec = FWPK_CODEC_LZMA;
            t[0].window_bits = 12;
            t[0].lzma_props = 54; /* lc 0 lp 1 pb 1 */
        }
        fwp_err err;
        size_t len = 600 + (size_t)(n % 4) * 1500;
        if (fwp_image_add(&t[0].image, FUZZ_BASE + 16 * (uint32_t)n, img, len,
                          "seed", &err))
            die("image", &err);
        if (n >= 4 && fwp_image_add(&t[0].image, FUZZ_BASE + 0x4000, img + 100,
                                    700, "seed", &err))
            die("image", &err);
        size_t targets = 1;
        if (n == 5) { /* a second target the device skips */
            t[1] = t[0];
            t[1].name = "radio";
            memset(&t[1].image, 0, sizeof t[1].image);
            if (fwp_image_add(&t[1].image, FUZZ_BASE, img + 50, 900, "seed",
                              &err))
                die("image", &err);
            targets = 2;
        }
        fwp_pack_opts o;
        memset(&o, 0, sizeof o);
        o.product = "fuzz";
        o.version = "1.0.0";
        o.targets = t;
        o.target_count = targets;
        o.keys = kp;
        o.key_count = 1;
        uint8_t *box = NULL;
        size_t box_len = 0;
        if (fwp_pack(&o, &box, &box_len, &err))
            die("pack", &err);
        uint8_t control = (uint8_t)(n * 37 % 128);
        put(dir, "verify", n, &control, 1, box, box_len);
        control |= 0x80;
        put(dir, "verify", 10 + n, &control, 1, box, box_len);
        fwp_layout lay;
        if (fwp_layout_parse(box, box_len, "seed", &lay, &err))
            die("layout", &err);
        put(dir, "manifest", n, NULL, 0, lay.manifest, lay.manifest_len);
        char *text = NULL;
        size_t text_len = 0;
        if (fwp_hex_format(&t[0].image, &text, &text_len, &err))
            die("hex", &err);
        put(dir, "hex", n, NULL, 0, (uint8_t *)text, text_len);
        free(text);
        free(box);
        for (size_t i = 0; i < targets; i++)
            fwp_image_free(&t[i].image);
    }
}

/* Keys: private and public, PEM and DER (the PEM's base64 decoded). */
static void pem_seeds(const char *dir, const fwp_keypair *kp)
{
    for (int n = 0; n < 2; n++) {
        fwp_buf b = {0};
        if (n == 0 ? fwp_pem_private(kp, &b) : fwp_pem_public(kp->pk, &b))
            die("pem", NULL);
        put(dir, "pem", n, NULL, 0, (uint8_t *)b.data, b.len);
        const char *body = strchr(b.data, '\n') + 1;
        const char *end = strstr(body, "-----END");
        uint8_t der[128];
        size_t der_len = 0;
        if (sodium_base642bin(der, sizeof der, body, (size_t)(end - body),
                              "\n", &der_len, NULL,
                              sodium_base64_VARIANT_ORIGINAL))
            die("base64", NULL);
        put(dir, "pem", 2 + n, NULL, 0, der, der_len);
        fwp_buf_free(&b);
    }
}

/* Frames as fuzz_inflate reads them: window byte, then (len, bytes)*. */
static void inflate_seeds(const char *dir)
{
    static uint8_t img[3000], out[8192];
    make_image(img, sizeof img, 9);
    for (int n = 0; n < 3; n++) {
        z_stream z;
        memset(&z, 0, sizeof z);
        int strategy = n == 1 ? Z_FIXED : Z_DEFAULT_STRATEGY;
        if (deflateInit2(&z, n == 2 ? 0 : 6, Z_DEFLATED, -9, 8, strategy) != Z_OK)
            die("deflateInit2", NULL);
        size_t o = 0;
        out[o++] = 0; /* window 512 */
        for (size_t off = 0; off < sizeof img; off += 100) {
            uint8_t frame[255];
            z.next_in = img + off;
            z.avail_in = 100;
            z.next_out = frame;
            z.avail_out = sizeof frame;
            int last = off + 100 >= sizeof img;
            deflate(&z, last ? Z_FINISH : Z_SYNC_FLUSH);
            size_t flen = sizeof frame - z.avail_out;
            if (z.avail_out == 0 || o + 1 + flen > sizeof out)
                break;
            out[o++] = (uint8_t)flen;
            memcpy(out + o, frame, flen);
            o += flen;
        }
        deflateEnd(&z);
        put(dir, "inflate", n, NULL, 0, out, o);
        put(dir, "inflate_small", n, NULL, 0, out, o); /* the same target,
                                                   the small decoder */
    }
}

/* fuzz_resume's input is a string of decisions: any bytes make a sequence
 * of boots.  Pseudo-random ones of a few lengths (about ten bytes an
 * event) start it off. */
static void resume_seeds(const char *dir)
{
    static uint8_t d[400];
    uint32_t x = 21;
    for (int n = 0; n < 4; n++) {
        size_t len = 40 + (size_t)n * 120;
        for (size_t i = 0; i < len; i++) {
            x = x * 1103515245u + 12345u;
            d[i] = (uint8_t)(x >> 16);
        }
        put(dir, "resume", n, NULL, 0, d, len);
    }
}

/* LZMA streams as fuzz_lzma reads them: props selector, dictionary,
 * output size - 1 (LE16), ring and piece seed, then the stream. */
static void lzma_seeds(const char *dir)
{
    static uint8_t img[3000];
    make_image(img, sizeof img, 11);
    for (int n = 0; n < 4; n++) {
        /* lc 0..2, lp 0..1, pb 0..4 as fuzz_lzma's byte 0 picks them */
        uint32_t lc = (uint32_t)n % 3, lp = (uint32_t)n % 2, pb = 1;
        uint8_t head[5] = {(uint8_t)(pb * 6 + lp * 3 + lc), (uint8_t)n,
                           (uint8_t)((sizeof img - 1) & 0xff),
                           (uint8_t)((sizeof img - 1) >> 8),
                           (uint8_t)(n * 3)};
        fwp_buf z = {0};
        fwp_err err;
        if (fwp_lzma_encode(img, sizeof img, (pb * 5 + lp) * 9 + lc, 6,
                            12 + (uint32_t)n, NULL, &z, &err))
            die("lzma", &err);
        put(dir, "lzma", n, head, sizeof head, (uint8_t *)z.data, z.len);
        fwp_buf_free(&z);
    }
}

/* fuzz_notecard: the emulator's replies untouched, in each transport and
 * piece size, or with a few corruptions; and raw reply streams. */
static void notecard_seeds(const char *dir)
{
    static const char raw[] =
        "{\"mode\":\"ready\",\"body\":{\"length\":300,\"md5\":"
        "\"0123456789abcdef0123456789abcdef\"}}\r\n{}\r\n"
        "{\"payload\":\"\"}\r\n{\"payload\":\"AAAA\",\"status\":"
        "\"0123456789abcdef0123456789abcdef\"}\r\n"
        "{\"err\":\"no\"}\r\n{\"cobs\":5,\"length\":3,\"status\":\"00\"}"
        "\r\n{\"status\":\"00\"}\r\n\x0b\x0a\n";
    uint8_t d[64];
    for (int n = 0; n < 8; n++) {
        d[0] = (uint8_t)(n * 9 % 32); /* binary, I2C, piece size */
        size_t len = 1;
        for (int k = 0; k < n; k++) { /* corruptions: (skip, xor) */
            d[len++] = (uint8_t)(40 + 50 * k);
            d[len++] = (uint8_t)(k == 2 ? 0 : 1u << k);
        }
        put(dir, "notecard", n, NULL, 0, d, len);
    }
    for (int n = 0; n < 4; n++) {
        d[0] = (uint8_t)(0x80 | n);
        put(dir, "notecard", 10 + n, d, 1, (const uint8_t *)raw,
            sizeof raw - 1);
    }
}

/* Patches as fuzz_patch reads them: filter, base size - 1, image size -
 * 1 (LE16 each), piece seed, the base, then the patch fwp_delta_make
 * makes from it to an edited image. */
static void patch_seeds(const char *dir)
{
    static uint8_t base[2000], img[2100], in[4200];
    make_image(base, sizeof base, 13);
    for (int n = 0; n < 3; n++) {
        uint32_t filter = (uint32_t)n, len = sizeof img - 40 * (uint32_t)n;
        fwp_buf patch = {0};
        fwp_err err;
        memcpy(img, base, 600);
        make_image(img + 600, 100, 17 + (uint32_t)n);
        memcpy(img + 700, base + 600 + 40 * (uint32_t)n, len - 700);
        memcpy(in, img, len);
        fwp_filter_apply(filter, in, len, 0x08000000u);
        if (fwp_delta_make(base, sizeof base, filter, 0x08000000u, in, len,
                           &patch, &err))
            die("patch", &err);
        uint8_t head[6] = {(uint8_t)filter, (sizeof base - 1) & 0xff,
                           (sizeof base - 1) >> 8, (uint8_t)((len - 1) & 0xff),
                           (uint8_t)((len - 1) >> 8), (uint8_t)(n * 5)};
        memcpy(in, base, sizeof base);
        memcpy(in + sizeof base, patch.data, patch.len);
        put(dir, "patch", n, head, sizeof head, in, sizeof base + patch.len);
        fwp_buf_free(&patch);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds DIR\n");
        return 2;
    }
    if (sodium_init() < 0)
        return 1;
    mkdir(argv[1], 0755);
    fwp_keypair kp;
    fuzz_keypair(kp.pk, kp.sk);
    container_seeds(argv[1], &kp);
    inflate_seeds(argv[1]);
    lzma_seeds(argv[1]);
    patch_seeds(argv[1]);
    pem_seeds(argv[1], &kp);
    resume_seeds(argv[1]);
    notecard_seeds(argv[1]);
    return 0;
}
