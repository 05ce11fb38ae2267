/* box.c - see box.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "pack_util.h"

static void set_target(box_setup *s, int i, const char *name, uint32_t addr,
                       size_t len, uint32_t seed)
{
    fwp_target_opts *t = &s->t[i];
    fwp_err err;
    s->image[i] = malloc(len ? len : 1);
    s->image_len[i] = len;
    pu_firmware(s->image[i], len, seed);
    memset(t, 0, sizeof *t);
    t->name = name;
    t->mcu = "stm32g071rb";
    t->flash_base = BOX_BASE;
    t->flash_size = BOX_FLASH;
    t->erase_block = 2048;
    t->write_unit = 8;
    t->codec = BOX_CODEC;
    t->lzma_props = 45 + 9; /* lc 0 lp 1 pb 1, if LZMA */
    t->window_bits = 15;
    t->frame_size = 4096;
    t->level = 9;
    if (fwp_image_add(&t->image, addr, s->image[i], len, "test", &err))
        fail_msg("image: %s", err.msg);
}

void box_init(box_setup *s, size_t len)
{
    int i;
    memset(s, 0, sizeof *s);
    set_target(s, 0, "main", BOX_BASE, len, 1);
    for (i = 0; i < 4; i++) {
        uint8_t seed[32] = {0};
        seed[0] = (uint8_t)(i + 1);
        crypto_sign_seed_keypair(s->kp[i].pk, s->kp[i].sk, seed);
    }
    s->o.product = "widget";
    s->o.version = "1.2.3";
    s->o.build_time = 1700000000;
    s->o.targets = s->t;
    s->o.target_count = 1;
    s->o.keys = s->kp;
    s->o.key_count = 1;
}

int box_codec_left_out(const box_setup *s, int t)
{
    uint32_t c = s->t[t].codec;
    return c != FWPK_CODEC_NONE && !FWPK_HAS_CODEC(c);
}

void box_add_target(box_setup *s, const char *name, uint32_t addr,
                    size_t len, uint32_t seed)
{
    set_target(s, (int)s->o.target_count, name, addr, len, seed);
    s->o.target_count++;
}

const uint8_t *box_make_delta(box_setup *s, size_t *base_len)
{
    size_t n = s->image_len[0], cut = n / 3, edit = n / 2, add = 2 * n / 3;
    size_t gone = n / 16, more = n / 16 + 1, len = n - gone + more, i, o = 0;
    uint8_t *b = malloc(len);
    for (i = 0; i < n; i++) {
        if (i >= cut && i < cut + gone)
            continue; /* the new image added these */
        if (i == add) {
            pu_firmware(b + o, more, 77); /* and removed these */
            o += more;
        }
        b[o++] = (uint8_t)(s->image[0][i] ^ (i >= edit && i < edit + 64));
    }
    free(s->base);
    s->base = b;
    s->t[0].base = b;
    s->t[0].base_size = (uint32_t)len;
    s->t[0].base_version = "1.0.0";
    *base_len = len;
    return b;
}

void box_simple_policy(const box_setup *s, fwpk_key *key, fwpk_policy *pol)
{
    memset(key, 0, sizeof *key);
    memcpy(key->pk, s->kp[0].pk, 32);
    fwp_key_id(key->pk, key->id);
    memset(pol, 0, sizeof *pol);
    pol->keys = key;
    pol->key_count = 1;
    pol->target = "main";
    pol->window_lo = BOX_BASE;
    pol->window_hi = BOX_BASE + BOX_FLASH;
}

void box_put_base(const box_setup *s, fwp_flash *flash)
{
    if (s->base)
        memcpy(flash->mem + (BOX_DELTA_BASE - flash->base), s->base,
               s->t[0].base_size);
}

void box_free(box_setup *s)
{
    size_t i;
    free(s->base);
    s->base = NULL;
    for (i = 0; i < FWPK_MAX_TARGETS; i++) {
        fwp_image_free(&s->t[i].image);
        free(s->image[i]);
        s->image[i] = NULL;
    }
}

uint8_t *box_pack(box_setup *s, size_t *len)
{
    uint8_t *box = NULL;
    fwp_err err;
    if (fwp_pack(&s->o, &box, len, &err))
        fail_msg("pack: %s", err.msg);
    return box;
}

fwpk_err box_begin(const box_setup *s, const box_policy *p, fwp_flash *flash,
                   fwpk_ctx *ctx, fwpk_key keys[4], fwpk_policy *pol,
                   fwpk_flash *cb, const fwpk_resume *rec)
{
    int i, nkeys = p->key_count ? p->key_count : 1;

    if (rec == NULL && fwp_flash_init(flash, BOX_BASE, BOX_FLASH, 2048, 8))
        fail_msg("flash model");
    memset(keys, 0, 4 * sizeof *keys);
    for (i = 0; i < nkeys; i++) {
        memcpy(keys[i].pk, s->kp[i].pk, 32);
        fwp_key_id(keys[i].pk, keys[i].id);
        keys[i].revoked = (uint8_t)((p->revoked_mask >> i) & 1);
        keys[i].generation = (uint8_t)p->generation[i];
    }
    memset(pol, 0, sizeof *pol);
    pol->keys = keys;
    pol->key_count = (uint32_t)nkeys;
    pol->min_signatures = p->min_signatures;
    pol->min_generation = p->min_generation;
    pol->target = p->target ? p->target : "main";
    pol->mcu = p->mcu;
    pol->window_lo = p->window_hi ? p->window_lo : BOX_BASE;
    pol->window_hi = p->window_hi ? p->window_hi : BOX_BASE + BOX_FLASH;
    pol->min_security_counter = p->min_security_counter;
    pol->version = p->version;
    pol->version_size = p->version_size;
    fwp_flash_bind(flash, cb);
    cb->checkpoint = p->checkpoint;
    if (p->base) { /* installed before: flash that reads so, not written */
        if (p->base_len > BOX_FLASH / 2)
            fail_msg("base of %zu bytes", p->base_len);
        memcpy(flash->mem + (BOX_DELTA_BASE - BOX_BASE), p->base,
               p->base_len);
        cb->base_addr = BOX_DELTA_BASE;
    }
    if (p->mapped) {
        cb->read = NULL; /* the mapped pointer must serve every read */
        cb->mapped = flash->mem;
        cb->mapped_base = BOX_BASE;
    }
    if (rec != NULL)
        return fwpk_resume_begin(ctx, pol, cb, rec);
    return fwpk_begin(ctx, pol, cb);
}

fwpk_err box_verify(const box_setup *s, const box_policy *p,
                    const uint8_t *box, size_t len, fwp_flash *flash)
{
    static fwpk_ctx ctx;
    fwpk_key keys[4];
    fwpk_policy pol;
    fwpk_flash cb;
    size_t off = 0, chunk = p->chunk ? p->chunk : 4096;
    fwpk_err err = box_begin(s, p, flash, &ctx, keys, &pol, &cb, NULL);

    while (err == FWPK_OK && off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        err = fwpk_feed(&ctx, box + off, n);
        off += n;
    }
    if (err == FWPK_OK)
        err = fwpk_finish(&ctx);
    return err;
}

static int genuine_byte(const box_setup *s, int t, uint32_t addr)
{
    const fwp_image *img = &s->t[t].image;
    size_t i;
    if (s->base && addr >= BOX_DELTA_BASE &&
        addr - BOX_DELTA_BASE < s->t[0].base_size)
        return s->base[addr - BOX_DELTA_BASE]; /* as it was installed */
    for (i = 0; i < img->count; i++) {
        const fwp_seg *seg = &img->segs[i];
        if (addr >= seg->addr && addr - seg->addr < seg->len)
            return seg->data[addr - seg->addr];
    }
    return -1; /* not part of the image */
}

int box_flash_matches(const box_setup *s, int t, const fwp_flash *flash)
{
    uint32_t a;
    for (a = 0; a < flash->size; a++) {
        int g = genuine_byte(s, t, flash->base + a);
        if (flash->mem[a] != (g < 0 ? 0xff : g))
            return 0;
    }
    return 1;
}

int box_flash_clean(const box_setup *s, int t, const fwp_flash *flash)
{
    uint32_t a;
    for (a = 0; a < flash->size; a++) {
        int g = genuine_byte(s, t, flash->base + a);
        uint8_t m = flash->mem[a];
        if (m != 0xff && m != g)
            return 0;
    }
    return 1;
}

uint8_t *box_assemble(const fwp_pack_opts *o, const fwp_manifest *m,
                      const fwp_keypair *signers, size_t nsig,
                      const fwp_frames *fr, size_t nfr, size_t *len)
{
    fwp_buf info = {0}, out = {0};
    fwp_err err;
    uint8_t *cbor = NULL, digest[64], count = (uint8_t)nsig;
    size_t cbor_len = 0, i;
    if (fwp_info_build(o, &info, &err) ||
        fwp_manifest_encode(m, &cbor, &cbor_len, &err))
        fail_msg("box_assemble: %s", err.msg);
    uint8_t h[FWPK_HEADER_LEN] = {'F', 'W', 'P', 'K', FWPK_FORMAT_VERSION, 0,
                                  (uint8_t)info.len, (uint8_t)(info.len >> 8),
                                  (uint8_t)cbor_len, (uint8_t)(cbor_len >> 8),
                                  0, 0};
    assert_int_equal(fwp_buf_put(&out, h, sizeof h), 0);
    assert_int_equal(fwp_buf_put(&out, info.data, info.len), 0);
    assert_int_equal(fwp_buf_put(&out, cbor, cbor_len), 0);
    crypto_hash_sha512(digest, (const uint8_t *)out.data, out.len);
    assert_int_equal(fwp_buf_put(&out, &count, 1), 0);
    for (i = 0; i < nsig; i++) {
        uint8_t e[FWPK_SIG_ENTRY_LEN];
        fwp_key_id(signers[i].pk, e);
        crypto_sign_detached(e + FWPK_KEY_ID_LEN, NULL, digest, sizeof digest,
                             signers[i].sk);
        assert_int_equal(fwp_buf_put(&out, e, sizeof e), 0);
    }
    for (i = 0; i < nfr; i++)
        assert_int_equal(fwp_buf_put(&out, fr[i].data, fr[i].len), 0);
    free(cbor);
    fwp_buf_free(&info);
    *len = out.len;
    return (uint8_t *)out.data;
}

void box_manifest(box_setup *s, fwp_manifest *m)
{
    size_t len;
    fwp_layout lay;
    fwp_err err;
    uint8_t *box = box_pack(s, &len);
    if (fwp_layout_parse(box, len, "box", &lay, &err) ||
        fwp_manifest_decode(lay.manifest, lay.manifest_len, "box", m, &err))
        fail_msg("genuine manifest: %s", err.msg);
    free(box);
}

void box_frames(fwp_mtarget *t, fwp_frames *fr, const uint8_t *stream,
                size_t n, uint32_t codec, uint32_t wbits, uint32_t fs)
{
    fwp_err err;
    if (fwp_frames_build(stream, n, codec, 9, wbits, fs, NULL, fr, &err))
        fail_msg("frames: %s", err.msg);
    t->frame_count = fr->count;
    t->payload_size = fr->payload;
    t->frame_size = fs;
    memcpy(t->anchor, fr->anchor, FWPK_HASH_LEN);
}
