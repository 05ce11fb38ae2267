/* test_pack.c - fwp_pack round trips: the container parsed back (header,
 * info string, manifest, hash chain, signatures), determinism, deflate
 * framing overhead vs one raw deflate stream (synthetic images, and real
 * linked programs that make check builds), codecs (LZMA frames decoded by
 * the device's decoder), filters, targets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "fwpack.h"
#include "lzmadec.h"
#include "pack_util.h"

#define BASE 0x08000000u

typedef struct {
    fwp_target_opts t[2];
    fwp_pack_opts o;
    fwp_keypair kp[2];
} setup;

static void target(fwp_target_opts *t, const char *name, uint32_t addr,
                   size_t len, uint32_t seed)
{
    uint8_t *img = malloc(len);
    fwp_err err;
    pu_firmware(img, len, seed);
    memset(t, 0, sizeof *t);
    t->name = name;
    t->mcu = "stm32l432kc";
    t->flash_base = BASE;
    t->flash_size = 256 * 1024;
    t->erase_block = 2048;
    t->write_unit = 8;
    t->codec = FWPK_CODEC_DEFLATE;
    t->window_bits = 15;
    t->frame_size = 4096;
    t->level = 9;
    assert_int_equal(fwp_image_add(&t->image, addr, img, len, "t", &err), 0);
    free(img);
}

static void init(setup *s, size_t len)
{
    memset(s, 0, sizeof *s);
    target(&s->t[0], "main", BASE, len, 1);
    uint8_t seed[32] = {7};
    crypto_sign_seed_keypair(s->kp[0].pk, s->kp[0].sk, seed);
    seed[0] = 8;
    crypto_sign_seed_keypair(s->kp[1].pk, s->kp[1].sk, seed);
    s->o.product = "widget";
    s->o.version = "1.2.3";
    s->o.build_time = 1700000000;
    s->o.targets = s->t;
    s->o.target_count = 1;
    s->o.keys = s->kp;
    s->o.key_count = 1;
}

static void done(setup *s)
{
    fwp_image_free(&s->t[0].image);
    fwp_image_free(&s->t[1].image);
}

static uint8_t *pack(setup *s, size_t *len)
{
    uint8_t *box = NULL;
    fwp_err err;
    if (fwp_pack(&s->o, &box, len, &err))
        fail_msg("pack: %s", err.msg);
    return box;
}

/* Parses box back and checks everything against s. */
static void check_box(setup *s, const uint8_t *box, size_t len)
{
    fwp_layout lay;
    fwp_manifest m;
    fwp_err err;
    assert_int_equal(fwp_layout_parse(box, len, "box", &lay, &err), 0);
    assert_memory_equal(box, "FWPK\1\0", 6);
    fwp_buf info = {0};
    assert_int_equal(fwp_info_build(&s->o, &info, &err), 0);
    assert_int_equal(lay.info_len, info.len);
    assert_memory_equal(lay.info, info.data, info.len);
    fwp_buf_free(&info);
    assert_int_equal(fwp_manifest_decode(lay.manifest, lay.manifest_len, "m",
                                         &m, &err), 0);
    assert_string_equal(m.product, "widget");
    assert_string_equal(m.version, "1.2.3");
    assert_int_equal(m.build_time, 1700000000);
    assert_int_equal(m.target_count, s->o.target_count);
    size_t off = lay.frames_offset;
    fwp_walk w[FWPK_MAX_TARGETS];
    int ok = 0;
    assert_int_equal(fwp_container_walk(box, len, &lay, &m, w, &ok, &err), 0);
    assert_true(ok);
    for (uint32_t i = 0; i < m.target_count; i++) {
        const fwp_mtarget *t = &m.targets[i];
        assert_string_equal(t->name, s->t[i].name);
        assert_int_equal(t->image_size, fwp_image_size(&s->t[i].image));
        uint8_t h[FWPK_HASH_LEN];
        fwp_hash(h, box + off, FWPK_FRAME_HEADER_LEN +
                                   (box[off] | box[off + 1] << 8));
        assert_memory_equal(h, t->anchor, FWPK_HASH_LEN);
        assert_true(w[i].chain_ok);
        assert_int_equal(w[i].digest_ok, 1);
        assert_string_equal(w[i].problem, "");
        assert_int_equal(w[i].count, t->frame_count);
        for (uint32_t f = 0; f < w[i].count; f++)
            off += FWPK_FRAME_HEADER_LEN + w[i].lens[f];
        fwp_walk_free(&w[i]);
    }
    assert_int_equal(off, len);
    uint8_t digest[64];
    crypto_hash_sha512(digest, box, lay.signed_len);
    assert_memory_equal(digest, lay.signed_digest, 64);
    assert_int_equal(lay.sig_count, s->o.key_count);
    for (uint32_t i = 0; i < lay.sig_count; i++) {
        const uint8_t *e = lay.sigs + i * FWPK_SIG_ENTRY_LEN;
        uint8_t id[8];
        fwp_key_id(s->kp[i].pk, id);
        assert_memory_equal(e, id, 8);
        assert_int_equal(crypto_sign_verify_detached(e + 8, digest, 64,
                                                     s->kp[i].pk), 0);
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    setup s;
    init(&s, 50000);
    s.o.key_count = 2;
    size_t len;
    uint8_t *box = pack(&s, &len);
    check_box(&s, box, len);
    /* flip one payload byte: the chain breaks */
    box[len - 10] ^= 1;
    fwp_layout lay;
    fwp_manifest m;
    fwp_err err;
    fwp_walk w[FWPK_MAX_TARGETS];
    int ok = 1;
    fwp_layout_parse(box, len, "box", &lay, &err);
    fwp_manifest_decode(lay.manifest, lay.manifest_len, "m", &m, &err);
    assert_int_equal(fwp_container_walk(box, len, &lay, &m, w, &ok, &err), 0);
    assert_false(ok);
    assert_false(w[0].chain_ok);
    assert_int_equal(w[0].device.err, FWPK_ERR_FRAME_HASH);
    fwp_walk_free(&w[0]);
    free(box);
    done(&s);
}

static void test_variants(void **state)
{
    (void)state;
    setup s;
    init(&s, 30001);
    target(&s.t[1], "radio", 0x10000, 9000, 5);
    s.t[1].mcu = "";
    s.t[1].flash_base = 0x10000;
    s.t[1].codec = FWPK_CODEC_NONE;
    s.t[1].frame_size = 256;
    s.t[0].filter = FWPK_FILTER_THUMB;
    s.t[0].window_bits = 9;
    s.t[0].level = 1;
    s.o.target_count = 2;
    size_t len;
    uint8_t *box = pack(&s, &len);
    check_box(&s, box, len);
    free(box);
    s.o.key_count = 0; /* unsigned */
    box = pack(&s, &len);
    check_box(&s, box, len);
    free(box);
    /* duplicate target names are refused */
    s.t[1].name = "main";
    fwp_err err;
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    done(&s);
}

static void test_errors(void **state)
{
    (void)state;
    setup s;
    fwp_err err;
    uint8_t *box;
    size_t len;
    init(&s, 1000);
    s.t[0].erase_block = 512;
    s.t[0].flash_size = 512; /* image does not fit */
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    assert_non_null(strstr(err.msg, "outside flash"));
    s.t[0].flash_size = 4096;
    /* a flash that is not whole erase blocks (SPEC.md 4.2) */
    s.t[0].erase_block = 8192;
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    assert_non_null(strstr(err.msg, "not whole erase blocks"));
    s.t[0].erase_block = 512;
    s.t[0].write_unit = 12;
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    assert_non_null(strstr(err.msg, "write unit"));
    s.t[0].write_unit = 8;
    s.o.version = "1.x";
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    done(&s);
}

static void test_deterministic(void **state)
{
    (void)state;
    setup s;
    init(&s, 40000);
    size_t a, b;
    uint8_t *x = pack(&s, &a), *y = pack(&s, &b);
    assert_int_equal(a, b);
    assert_memory_equal(x, y, a);
    free(x);
    free(y);
    done(&s);
}

static void test_manifest_canonical(void **state)
{
    (void)state;
    fwp_manifest m, back;
    fwp_err err;
    memset(&m, 0, sizeof m);
    m.format = 1;
    strcpy(m.product, "p");
    strcpy(m.version, "1.0.0");
    m.build_time = 0x12345678;
    m.target_count = 1;
    fwp_mtarget *t = &m.targets[0];
    strcpy(t->name, "a");
    t->flash_base = 0x08000000;
    t->flash_size = 0x10000;
    t->erase_block = 1024;
    t->write_unit = 16;
    t->seg_count = 2;
    t->seg_addr[0] = 0x08000000;
    t->seg_len[0] = 23;
    t->seg_addr[1] = 0x08000100;
    t->seg_len[1] = 256;
    t->image_size = 279;
    t->codec = 1;
    t->window_bits = 15;
    t->frame_size = 300;
    t->frame_count = 256;
    t->payload_size = 65536; /* <= frame count x frame size (SPEC.md 4.2) */
    uint8_t *cbor;
    size_t len;
    assert_int_equal(fwp_manifest_encode(&m, &cbor, &len, &err), 0);
    /* map(6), key 0 -> 1 */
    assert_int_equal(cbor[0], 0xa6);
    assert_int_equal(cbor[1], 0x00);
    assert_int_equal(cbor[2], 0x01);
    assert_int_equal(fwp_manifest_decode(cbor, len, "m", &back, &err), 0);
    assert_memory_equal(&m, &back, sizeof m);
    /* a non-shortest integer is rejected: format 1 as 0x18 0x01 */
    uint8_t *bad = malloc(len + 1);
    bad[0] = 0xa6;
    bad[1] = 0x00;
    bad[2] = 0x18;
    bad[3] = 0x01;
    memcpy(bad + 4, cbor + 3, len - 3);
    assert_int_equal(fwp_manifest_decode(bad, len + 1, "m", &back, &err), -1);
    assert_non_null(strstr(err.msg, "deterministic"));
    /* trailing bytes */
    memcpy(bad, cbor, len);
    bad[len] = 0;
    assert_int_equal(fwp_manifest_decode(bad, len + 1, "m", &back, &err), -1);
    free(bad);
    free(cbor);
}

static size_t raw_deflate(const uint8_t *d, size_t n, int level, int wbits)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, level, Z_DEFLATED, -wbits, 9,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&z, n);
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)d;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    size_t r = cap - z.avail_out;
    deflateEnd(&z);
    free(out);
    return r;
}

/* Frame size fs: prints the figures, returns container and payload. */
static void measure(size_t n, uint32_t fs, size_t *box_len, size_t *payload,
                    size_t *raw)
{
    setup s;
    init(&s, n);
    s.t[0].frame_size = fs;
    clock_t t0 = clock();
    uint8_t *box = pack(&s, box_len);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    *raw = raw_deflate(s.t[0].image.segs[0].data, n, 9, 15);
    fwp_layout lay;
    fwp_manifest m;
    fwp_err err;
    assert_int_equal(fwp_layout_parse(box, *box_len, "box", &lay, &err), 0);
    assert_int_equal(fwp_manifest_decode(lay.manifest, lay.manifest_len, "m",
                                         &m, &err), 0);
    *payload = m.targets[0].payload_size;
    printf("# %zu KiB image, frame size %u: raw deflate %zu, payload %zu "
           "(+%.2f%%), container %zu (+%.2f%%), %u frames, %.2f s "
           "(sanitized build)\n",
           n / 1024, (unsigned)fs, *raw, *payload,
           100.0 * ((double)*payload / *raw - 1), *box_len,
           100.0 * ((double)*box_len / *raw - 1),
           (unsigned)m.targets[0].frame_count, secs);
    free(box);
    done(&s);
}

static void test_size_vs_raw_deflate(void **state)
{
    (void)state;
    size_t box, payload, raw;
    /* default frames: the deflate stream itself within 2% */
    measure(200 * 1024, 4096, &box, &payload, &raw);
    assert_true(payload <= raw * 102 / 100);
    /* 8 KiB frames: the whole container within 2% + header/manifest */
    measure(200 * 1024, 8192, &box, &payload, &raw);
    assert_true(box <= raw * 102 / 100 + 600);
}

static void load_program(setup *s, const char *name);

/* A real linked program (load_program), packed without filter: the framing
 * (payload + frame headers) stays within 2% of one raw deflate stream of
 * the same bytes at the same window; the whole container too when 'whole'
 * is set.  Returns nothing: asserts. */
static void linked_program(const char *name, int whole)
{
    setup s;
    fwp_err err;
    load_program(&s, name);
    fwp_target_opts *t = &s.t[0];
    size_t n = fwp_image_size(&t->image), off = 0;
    uint8_t *img = malloc(n);
    for (size_t i = 0; i < t->image.count; off += t->image.segs[i++].len)
        memcpy(img + off, t->image.segs[i].data, t->image.segs[i].len);
    size_t raw = raw_deflate(img, n, 9, 15), box_len;
    free(img);
    uint8_t *box = pack(&s, &box_len);
    fwp_layout lay;
    fwp_manifest m;
    assert_int_equal(fwp_layout_parse(box, box_len, name, &lay, &err), 0);
    assert_int_equal(fwp_manifest_decode(lay.manifest, lay.manifest_len, name,
                                         &m, &err), 0);
    assert_int_equal(m.targets[0].image_size, n);
    size_t framing = box_len - lay.frames_offset;
    assert_int_equal(framing, m.targets[0].payload_size +
                                  m.targets[0].frame_count *
                                      FWPK_FRAME_HEADER_LEN);
    printf("# %s: %zu bytes, raw deflate %zu, framing %zu (+%.2f%%, "
           "budget 2%%), container %zu (+%.2f%%), %u frames\n",
           name, n, raw, framing, 100.0 * ((double)framing / raw - 1),
           box_len, 100.0 * ((double)box_len / raw - 1),
           (unsigned)m.targets[0].frame_count);
    assert_true(framing * 100 <= raw * 102);
    if (whole)
        assert_true(box_len * 100 <= raw * 102);
    free(box);
    done(&s);
}

static void test_linked_programs_vs_raw_deflate(void **state)
{
    (void)state;
    linked_program("cm0-newlib.elf", 0);     /* 94 KB, 16 frames */
    linked_program("cm4-newlib-all.elf", 1); /* 309 KB, 49 frames */
}

/* ---- codec 2: LZMA frames, decoded by the device's decoder ---- */

typedef struct {
    uint8_t *out;
    uint32_t drained;
} lz_flash;

static fwpk_err lz_far(void *arg, uint32_t off, uint8_t *buf, uint32_t len)
{
    lz_flash *f = arg;
    assert_true(off + len <= f->drained);
    memcpy(buf, f->out + off, len);
    return FWPK_OK;
}

static void lz_drain(fwpk_window *w, lz_flash *f)
{
    const uint8_t *p;
    uint32_t n;
    while ((n = fwpk_window_pending(w, &p)) > 0) {
        memcpy(f->out + f->drained, p, n);
        f->drained += n;
        fwpk_window_drain(w, n);
    }
}

/* Feeds target t's frames (at off in box) to lzmadec frame by frame, as a
 * device would, in pieces of at most 'piece' bytes (0: whole frames),
 * through a 256-byte ring with the rest of the history in 'flash'; returns
 * the decoded (still filtered) image. */
static uint8_t *lz_device_decode(const uint8_t *box, size_t off,
                                 const fwp_mtarget *t, uint32_t piece)
{
    static fwpk_lzma s;
    uint8_t ring[256];
    lz_flash f = {malloc(t->image_size), 0};
    fwpk_window w;
    fwpk_window_init(&w, ring, sizeof ring, 1u << t->window_bits, 0, lz_far,
                     &f);
    assert_int_equal(fwpk_lzma_init(&s, (uint8_t)t->lzma_props,
                                    1u << t->window_bits, t->image_size),
                     FWPK_OK);
    for (uint32_t i = 0; i < t->frame_count; i++) {
        uint32_t n = box[off] | box[off + 1] << 8, used;
        const uint8_t *p = box + off + FWPK_FRAME_HEADER_LEN;
        /* a plain cut: every frame but the last is full */
        if (i + 1 < t->frame_count)
            assert_int_equal(n, t->frame_size);
        assert_false(fwpk_lzma_done(&s));
        while (n > 0) {
            uint32_t k = piece && piece < n ? piece : n;
            assert_int_equal(fwpk_lzma_push(&s, &w, p, k, &used), FWPK_OK);
            lz_drain(&w, &f);
            p += used;
            n -= used;
        }
        off += FWPK_FRAME_HEADER_LEN + (box[off] | box[off + 1] << 8);
    }
    for (uint32_t guard = 0; guard < 100000 && !fwpk_lzma_done(&s);
         guard++) {
        uint32_t used;
        assert_int_equal(fwpk_lzma_push(&s, &w, NULL, 0, &used), FWPK_OK);
        lz_drain(&w, &f);
    }
    assert_true(fwpk_lzma_done(&s));
    assert_int_equal(f.drained, t->image_size);
    return f.out;
}

/* Packs s's first target with LZMA (lc 0 lp 1 pb 1, dictionary 2^bits,
 * 'filter'), checks the container (chain; liblzma's decode gives the
 * digest), that the payloads are exactly liblzma's raw stream of the
 * filtered image, cut, and that the device's decoder, fed in pieces of
 * each size in 'pieces' (0: whole frames), gives that image, which the
 * inverse filter turns into the packed one.  Returns the container's
 * size. */
static size_t lzma_round_trip(setup *s, uint32_t filter, uint32_t bits,
                              const uint32_t *pieces, size_t npieces)
{
    fwp_target_opts *t = &s->t[0];
    fwp_err err;
    t->codec = FWPK_CODEC_LZMA;
    t->lzma_props = 45 + 9;
    t->window_bits = bits;
    t->filter = filter;
    size_t len;
    uint8_t *box = pack(s, &len);
    check_box(s, box, len);

    fwp_layout lay;
    fwp_manifest m;
    fwp_layout_parse(box, len, "box", &lay, &err);
    fwp_manifest_decode(lay.manifest, lay.manifest_len, "m", &m, &err);
    const fwp_mtarget *mt = &m.targets[0];
    assert_int_equal(mt->codec, FWPK_CODEC_LZMA);
    assert_int_equal(mt->lzma_props, 54);
    assert_int_equal(mt->window_bits, bits);

    /* the payloads are one raw stream of the filtered image, cut */
    uint8_t *img = malloc(mt->image_size);
    uint32_t at = 0;
    for (size_t i = 0; i < t->image.count; i++) {
        memcpy(img + at, t->image.segs[i].data, t->image.segs[i].len);
        fwp_filter_apply(filter, img + at, t->image.segs[i].len,
                         t->image.segs[i].addr);
        at += t->image.segs[i].len;
    }
    fwp_buf z = {0};
    assert_int_equal(fwp_lzma_encode(img, mt->image_size, 54, 9, bits, NULL,
                                     &z, &err),
                     0);
    assert_int_equal(z.len, mt->payload_size);
    for (size_t k = 0; k < npieces; k++) {
        uint8_t *dec = lz_device_decode(box, lay.frames_offset, mt, pieces[k]);
        if (memcmp(dec, img, mt->image_size) != 0)
            fail_msg("filter %u, dictionary 2^%u, pieces of %u: the device "
                     "decoded other bytes", (unsigned)filter, (unsigned)bits,
                     (unsigned)pieces[k]);
        /* undoing the filter gives the image the digest covers */
        at = 0;
        for (uint32_t i = 0; i < mt->seg_count; i++) {
            fwp_unfilter_apply(filter, dec + at, mt->seg_len[i],
                               mt->seg_addr[i]);
            assert_memory_equal(dec + at, t->image.segs[i].data,
                                mt->seg_len[i]);
            at += mt->seg_len[i];
        }
        free(dec);
    }
    fwp_buf_free(&z);
    free(img);
    free(box);
    return len;
}

static void test_lzma(void **state)
{
    (void)state;
    setup s;
    init(&s, 70000);
    fwp_target_opts *t = &s.t[0];
    /* two segments with a gap, the Thumb filter, 1 KiB frames */
    uint8_t more[5000];
    fwp_err err;
    pu_firmware(more, sizeof more, 9);
    assert_int_equal(fwp_image_add(&t->image, BASE + 0x20000, more,
                                   sizeof more, "t", &err), 0);
    t->filter = FWPK_FILTER_THUMB;
    t->frame_size = 1024;
    size_t dlen;
    uint8_t *dbox = pack(&s, &dlen); /* deflate, for the size */
    free(dbox);
    static const uint32_t whole[] = {0};
    size_t len = lzma_round_trip(&s, FWPK_FILTER_THUMB, 17, whole, 1);
    assert_true(len < dlen); /* firmware-like bytes: smaller than deflate */

    /* refused options */
    uint8_t *box;
    t->lzma_props = 2 * 9 + 3; /* lc 3 + lp 2 */
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    assert_non_null(strstr(err.msg, "lzma lc 3 lp 2 pb 0"));
    t->lzma_props = 54;
    t->window_bits = 11;
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    assert_non_null(strstr(err.msg, "lzma dictionary 2^11"));
    t->window_bits = 31;
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    done(&s);
}

/* A real linked program from mk/bench-filters.mk's samples, which make
 * check builds first (FWPK_BENCH_DIR, default build/bench-filters), as the
 * only target, placed as for an nRF52840. */
static void load_program(setup *s, const char *name)
{
    const char *dir = getenv("FWPK_BENCH_DIR");
    char path[512];
    fwp_err err;
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "build/bench-filters",
             name);
    init(s, 16);
    fwp_target_opts *t = &s->t[0];
    fwp_image_free(&t->image);
    if (fwp_input_load(path, 0, 0, &t->image, &err) ||
        fwp_image_normalize(&t->image, 4, &err))
        fail_msg("%s (make check builds it: mk/bench-filters.mk)", err.msg);
    t->flash_base = 0;
    t->flash_size = 1024 * 1024;
    t->erase_block = 4096;
    t->write_unit = 4;
}

/* Issue 17's differential on real images: the two linked programs of
 * test_linked_programs_vs_raw_deflate, with every filter, dictionaries of
 * 4 KiB to 1 MiB, the device's decoder fed in pieces of every size 1..64
 * and 4096 (and whole frames). */
static void test_lzma_linked_programs(void **state)
{
    (void)state;
    static const uint32_t filters[] = {FWPK_FILTER_NONE, FWPK_FILTER_THUMB,
                                       FWPK_FILTER_RV32};
    uint32_t pieces[66], few[] = {0, 7, 4096};
    size_t n = 0;
    for (uint32_t p = 1; p <= 64; p++)
        pieces[n++] = p;
    pieces[n++] = 4096;
    pieces[n++] = 0;
    /* the rv32 filter cannot be redone on history read back from flash
     * (SPEC.md 6.1): its dictionary stays within the ring */
    uint32_t rv32_bits = FWPK_RING_BITS < 15 ? FWPK_RING_BITS : 15;
    setup s;
    load_program(&s, "cm0-newlib.elf"); /* 94 KB */
    for (size_t f = 0; f < 3; f++)
        lzma_round_trip(&s, filters[f],
                        filters[f] == FWPK_FILTER_RV32 ? rv32_bits : 17, few,
                        3);
    lzma_round_trip(&s, FWPK_FILTER_THUMB, 17, pieces, n);
    for (uint32_t bits = 12; bits <= 20; bits += 2)
        lzma_round_trip(&s, FWPK_FILTER_THUMB, bits, few, 3);
    done(&s);
    load_program(&s, "cm4-newlib-all.elf"); /* 309 KB */
    for (size_t f = 0; f < 3; f++)
        printf("# cm4-newlib-all.elf, lzma, filter %u: %zu bytes\n",
               (unsigned)filters[f],
               lzma_round_trip(&s, filters[f],
                               filters[f] == FWPK_FILTER_RV32 ? rv32_bits : 19,
                               few, 2));
    done(&s);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_manifest_canonical),
        cmocka_unit_test(test_size_vs_raw_deflate),
        cmocka_unit_test(test_linked_programs_vs_raw_deflate),
        cmocka_unit_test(test_lzma),
        cmocka_unit_test(test_lzma_linked_programs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
