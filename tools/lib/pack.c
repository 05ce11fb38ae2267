/*
 * pack.c - fwp_pack: header, info string, manifest, signature block and
 * frames (format/SPEC.md), in memory, read back as a reader would before
 * they are handed out.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

static int pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

static int check_lzma(const fwp_target_opts *t, const char *n, fwp_err *err)
{
    uint32_t p = t->lzma_props;
    if (t->window_bits < FWPK_LZMA_DICT_BITS_MIN ||
        t->window_bits > FWPK_LZMA_DICT_BITS_MAX)
        return fwp_fail_usage(err, "target %s: lzma dictionary 2^%u not in "
                                   "2^%d..2^%d", n, (unsigned)t->window_bits,
                              FWPK_LZMA_DICT_BITS_MIN,
                              FWPK_LZMA_DICT_BITS_MAX);
    if (!fwp_lzma_props_ok(p))
        return fwp_fail_usage(err, "target %s: lzma lc %u lp %u pb %u: need "
                                   "lc + lp <= 4 and pb <= 4", n,
                              (unsigned)(p % 9), (unsigned)(p / 9 % 5),
                              (unsigned)(p / 45));
    return 0;
}

/* Everything here comes from the caller's options (or an MCU profile):
 * usage errors, not bad input. */
static int check_opts(const fwp_target_opts *t, fwp_err *err)
{
    const char *n = t->name ? t->name : "";
    if (!*n || strlen(n) > FWPK_NAME_MAX)
        return fwp_fail_usage(err, "target name '%s' must be 1..%d bytes", n,
                              FWPK_NAME_MAX);
    if (t->mcu && strlen(t->mcu) > FWPK_NAME_MAX)
        return fwp_fail_usage(err, "target %s: MCU id longer than %d bytes",
                              n, FWPK_NAME_MAX);
    if (!pow2(t->write_unit) || t->write_unit > FWPK_WRITE_UNIT_MAX)
        return fwp_fail_usage(err, "target %s: write unit %u is not a power "
                                   "of two <= %d",
                              n, (unsigned)t->write_unit,
                              FWPK_WRITE_UNIT_MAX);
    if (!pow2(t->erase_block) || t->erase_block < t->write_unit ||
        t->erase_block > FWPK_ERASE_BLOCK_MAX)
        return fwp_fail_usage(err, "target %s: erase block %u is not a power "
                                   "of two in write unit..256 KiB",
                              n, (unsigned)t->erase_block);
    if ((uint64_t)t->flash_base + t->flash_size > 0x100000000ULL ||
        t->flash_size == 0)
        return fwp_fail_usage(err, "target %s: flash 0x%08x + 0x%x is empty "
                                   "or beyond 4 GiB",
                              n, (unsigned)t->flash_base,
                              (unsigned)t->flash_size);
    if ((t->flash_base | t->flash_size) & (t->erase_block - 1))
        return fwp_fail_usage(err, "target %s: flash 0x%08x + 0x%x is not "
                                   "whole erase blocks of %u bytes (SPEC.md "
                                   "4.2: base and size must be multiples of "
                                   "the erase block)",
                              n, (unsigned)t->flash_base,
                              (unsigned)t->flash_size,
                              (unsigned)t->erase_block);
    if (t->codec > FWPK_CODEC_MAX || t->level < 0 ||
        (t->level > 9 && t->level != FWP_LEVEL_MAX) ||
        t->filter > FWPK_FILTER_MAX)
        return fwp_fail_usage(err, "target %s: bad codec, level or filter",
                              n);
    if (t->codec == FWPK_CODEC_DEFLATE && t->level == FWP_LEVEL_MAX &&
        t->window_bits != FWP_LEVEL_MAX_WINDOW_BITS)
        return fwp_fail_usage(err, "target %s: level max (zopfli, 32 KiB "
                                   "window) needs window bits %d, not %u",
                              n, FWP_LEVEL_MAX_WINDOW_BITS,
                              (unsigned)t->window_bits);
    if (t->codec == FWPK_CODEC_DEFLATE &&
        (t->window_bits < FWPK_WINDOW_BITS_MIN ||
         t->window_bits > FWPK_WINDOW_BITS_MAX))
        return fwp_fail_usage(err, "target %s: window bits %u not in 9..15",
                              n, (unsigned)t->window_bits);
    if (t->frame_size < FWPK_FRAME_SIZE_MIN ||
        t->frame_size > FWPK_FRAME_SIZE_MAX)
        return fwp_fail_usage(err, "target %s: frame size %u not in "
                                   "256..8192",
                              n, (unsigned)t->frame_size);
    if (t->base && (t->base_size == 0 || !t->base_version ||
                    !*t->base_version ||
                    strlen(t->base_version) > FWPK_VERSION_MAX))
        return fwp_fail_usage(err, "target %s: a delta needs a base of at "
                                   "least one byte and its version (1..%d "
                                   "bytes)", n, FWPK_VERSION_MAX);
    /* the device keeps a patch's history in RAM (patch.h) */
    if (t->base && t->codec != FWPK_CODEC_NONE &&
        t->window_bits > FWPK_WINDOW_BITS_MAX)
        return fwp_fail_usage(err, "target %s: a delta's window must be at "
                                   "most 2^%d (the device keeps the patch's "
                                   "history in RAM), not 2^%u", n,
                              FWPK_WINDOW_BITS_MAX,
                              (unsigned)t->window_bits);
    return t->codec == FWPK_CODEC_LZMA ? check_lzma(t, n, err) : 0;
}

/* Data outside the flash is refused, saying which range to drop (a HEX
 * file's UICR or option-byte records, usually) in pack's words. */
static int check_image(const fwp_target_opts *t, fwp_err *err)
{
    const fwp_image *im = &t->image;
    uint64_t lo = t->flash_base, hi = lo + t->flash_size;
    if (im->count == 0)
        return fwp_fail(err, "target %s: empty image", t->name);
    if (im->count > FWPK_MAX_SEGMENTS)
        return fwp_fail(err, "target %s: %zu segments after merging, more "
                             "than %d", t->name, im->count,
                        FWPK_MAX_SEGMENTS);
    for (size_t i = 0; i < im->count; i++) {
        const fwp_seg *s = &im->segs[i];
        uint64_t end = (uint64_t)s->addr + s->len;
        if (s->addr >= lo && end <= hi)
            continue;
        return fwp_fail(err, "target %s: data at 0x%08x..0x%08llx lies "
                             "outside flash 0x%08llx..0x%08llx%s%s%s: drop "
                             "it with --exclude 0x%08x:0x%08llx, or keep "
                             "only the flash with --crop 0x%08llx:0x%08llx",
                        t->name, (unsigned)s->addr,
                        (unsigned long long)end - 1, (unsigned long long)lo,
                        (unsigned long long)hi - 1,
                        t->mcu && *t->mcu ? " (" : "",
                        t->mcu ? t->mcu : "", t->mcu && *t->mcu ? ")" : "",
                        (unsigned)s->addr, (unsigned long long)end,
                        (unsigned long long)lo, (unsigned long long)hi);
    }
    return 0;
}

/* Concatenated segment bytes: digest over them, filtered copy returned. */
static uint8_t *image_bytes(const fwp_target_opts *t, fwp_mtarget *m)
{
    const fwp_image *im = &t->image;
    uint8_t *buf = malloc(m->image_size), *p = buf;
    if (!buf)
        return NULL;
    for (size_t i = 0; i < im->count; i++) {
        memcpy(p, im->segs[i].data, im->segs[i].len);
        m->seg_addr[i] = im->segs[i].addr;
        m->seg_len[i] = im->segs[i].len;
        p += im->segs[i].len;
    }
    fwp_hash(m->image_digest, buf, m->image_size);
    for (size_t i = 0, off = 0; i < im->count; off += im->segs[i++].len)
        fwp_filter_apply(t->filter, buf + off, im->segs[i].len,
                         im->segs[i].addr);
    return buf;
}

static void describe(const fwp_target_opts *t, fwp_mtarget *m)
{
    memset(m, 0, sizeof *m);
    strcpy(m->name, t->name);
    strcpy(m->mcu, t->mcu ? t->mcu : "");
    m->flash_base = t->flash_base;
    m->flash_size = t->flash_size;
    m->erase_block = t->erase_block;
    m->write_unit = t->write_unit;
    m->seg_count = (uint32_t)t->image.count;
    m->image_size = fwp_image_size(&t->image);
    m->codec = t->codec;
    m->window_bits = t->codec == FWPK_CODEC_NONE ? 0 : t->window_bits;
    m->frame_size = t->frame_size;
    m->filter = t->filter;
    m->lzma_props = t->codec == FWPK_CODEC_LZMA ? t->lzma_props : 0;
}

static int prepare_target(fwp_target_opts *t, fwp_err *err)
{
    return check_opts(t, err) ||
                   fwp_image_normalize(&t->image, t->write_unit, err) ||
                   check_image(t, err)
               ? -1
               : 0;
}

/* A delta target's payload is the patch from its base to the filtered
 * image (SPEC.md 6.5), which the codec then compresses. */
static int delta(const fwp_target_opts *t, fwp_mtarget *m, uint8_t **bytes,
                 size_t *len, fwp_err *err)
{
    fwp_buf patch = {0};
    if (fwp_delta_make(t->base, t->base_size, t->filter,
                       t->image.segs[0].addr, *bytes, *len, &patch, err))
        return -1;
    m->base_size = t->base_size;
    m->patch_size = (uint32_t)patch.len;
    fwp_hash(m->base_digest, t->base, t->base_size);
    strcpy(m->base_version, t->base_version);
    free(*bytes);
    *bytes = (uint8_t *)patch.data;
    *len = patch.len;
    return 0;
}

static int pack_target(fwp_target_opts *t, fwp_mtarget *m, fwp_frames *fr,
                       fwp_frame_hook *hook, fwp_err *err)
{
    describe(t, m);
    uint8_t *bytes = image_bytes(t, m);
    size_t len = m->image_size;
    if (!bytes)
        return fwp_fail(err, "target %s: out of memory", t->name);
    if (t->base && delta(t, m, &bytes, &len, err)) {
        free(bytes);
        return -1;
    }
    int rc = t->codec == FWPK_CODEC_LZMA
                 ? fwp_frames_build_lzma(bytes, len, t->lzma_props,
                                         t->level, t->window_bits,
                                         t->frame_size, hook, fr, err)
                 : fwp_frames_build(bytes, len, t->codec, t->level,
                                    t->window_bits, t->frame_size, hook, fr,
                                    err);
    free(bytes);
    if (rc)
        return -1;
    hook->in_base += m->image_size;
    hook->out_base += fr->len;
    m->frame_count = fr->count;
    m->payload_size = fr->payload;
    memcpy(m->anchor, fr->anchor, FWPK_HASH_LEN);
    return 0;
}

static int check_pack_opts(const fwp_pack_opts *o, fwp_err *err)
{
    const char *product = o->product ? o->product : "fwpack";
    const char *version = o->version ? o->version : "0.0.0";
    if (o->target_count < 1 || o->target_count > FWPK_MAX_TARGETS)
        return fwp_fail_usage(err, "%zu targets: need 1..%d",
                              o->target_count, FWPK_MAX_TARGETS);
    if (o->key_count > FWPK_MAX_SIGNATURES)
        return fwp_fail_usage(err, "%zu signing keys: at most %d",
                              o->key_count, FWPK_MAX_SIGNATURES);
    if (!*product || strlen(product) > FWPK_PRODUCT_MAX)
        return fwp_fail_usage(err, "product must be 1..%d bytes",
                              FWPK_PRODUCT_MAX);
    if (o->build_time > UINT32_MAX)
        return fwp_fail_usage(err, "build time %llu beyond 2^32-1",
                              (unsigned long long)o->build_time);
    fwp_version v;
    if (fwp_version_parse(version, &v, err) == 0)
        return 0;
    if (err)
        err->kind = FWP_E_USAGE;
    return -1;
}

static int manifest(const fwp_pack_opts *o, fwp_manifest *m, fwp_frames *fr,
                    fwp_err *err)
{
    memset(m, 0, sizeof *m);
    m->format = FWPK_FORMAT_VERSION;
    strcpy(m->product, o->product ? o->product : "fwpack");
    strcpy(m->version, o->version ? o->version : "0.0.0");
    m->security_counter = o->security_counter;
    m->build_time = (uint32_t)o->build_time;
    m->target_count = (uint32_t)o->target_count;
    /* every target normalized first, so that progress knows the total */
    fwp_frame_hook hook = {o->progress, o->progress_arg, 0, 0, 0};
    for (size_t i = 0; i < o->target_count; i++) {
        if (prepare_target(&o->targets[i], err))
            return -1;
        hook.in_total += fwp_image_size(&o->targets[i].image);
    }
    for (size_t i = 0; i < o->target_count; i++)
        if (pack_target(&o->targets[i], &m->targets[i], &fr[i], &hook, err))
            return -1;
    return 0;
}

/* header + info + manifest, then the signature block. */
static int prefix(const fwp_pack_opts *o, const fwp_buf *info,
                  const uint8_t *cbor, size_t cbor_len, fwp_buf *out)
{
    uint8_t h[FWPK_HEADER_LEN] = {'F', 'W', 'P', 'K', FWPK_FORMAT_VERSION, 0,
                                  (uint8_t)info->len,
                                  (uint8_t)(info->len >> 8),
                                  (uint8_t)cbor_len,
                                  (uint8_t)(cbor_len >> 8), 0, 0};
    if (fwp_buf_put(out, h, sizeof h) ||
        fwp_buf_put(out, info->data, info->len) ||
        fwp_buf_put(out, cbor, cbor_len))
        return -1;
    uint8_t digest[FWPK_SIGNED_DIGEST_LEN], count = (uint8_t)o->key_count;
    crypto_hash_sha512(digest, (const uint8_t *)out->data, out->len);
    if (fwp_buf_put(out, &count, 1))
        return -1;
    for (size_t i = 0; i < o->key_count; i++) {
        uint8_t e[FWPK_SIG_ENTRY_LEN];
        fwp_key_id(o->keys[i].pk, e);
        crypto_sign_detached(e + FWPK_KEY_ID_LEN, NULL, digest,
                             sizeof digest, o->keys[i].sk);
        if (fwp_buf_put(out, e, sizeof e))
            return -1;
    }
    return 0;
}

/* The device verifier's word on what was just made, for every target:
 * pack never hands out a container that a device would refuse (its
 * signatures aside, which the device run replaces). */
static int device_accepts(const fwp_buf *box, const fwp_pack_opts *o,
                          const fwp_manifest *m, fwp_err *err)
{
    const uint8_t *d = (const uint8_t *)box->data;
    fwp_layout lay;
    if (fwp_layout_parse(d, box->len, "pack", &lay, err))
        return -1;
    for (uint32_t i = 0; i < m->target_count; i++) {
        fwp_device_verdict v;
        if (fwp_device_run_base(d, box->len, &lay, m->targets[i].name,
                                o->targets[i].base, o->targets[i].base_size,
                                NULL, &v, err))
            return -1;
        /* FWPK_ERR_LIMIT is about the verifier linked in, not the
         * container: one built for a smaller device than the format allows
         * (fwpk_verify.h) cannot judge these frames. */
        if (v.err != FWPK_OK && v.err != FWPK_ERR_LIMIT)
            return fwp_fail(err, "target %s: the device verifier refuses the "
                                 "container at offset %zu (%s): a packer "
                                 "bug, nothing written", m->targets[i].name,
                            v.offset, fwpk_strerror(v.err));
    }
    return 0;
}

static int assemble(const fwp_pack_opts *o, const fwp_manifest *m,
                    fwp_frames *fr, fwp_buf *out, fwp_err *err)
{
    fwp_buf info = {0};
    uint8_t *cbor = NULL;
    size_t cbor_len = 0;
    fwp_manifest check;
    int rc = fwp_info_build(o, &info, err);
    if (rc == 0)
        rc = fwp_manifest_encode(m, &cbor, &cbor_len, err);
    if (rc == 0) /* every SPEC.md 4 rule, as a reader checks them */
        rc = fwp_manifest_decode(cbor, cbor_len, "pack", &check, err);
    if (rc == 0 && prefix(o, &info, cbor, cbor_len, out))
        rc = fwp_fail(err, "out of memory");
    for (size_t i = 0; rc == 0 && i < o->target_count; i++)
        if (fwp_buf_put(out, fr[i].data, fr[i].len))
            rc = fwp_fail(err, "out of memory");
    if (rc == 0)
        rc = device_accepts(out, o, m, err);
    free(cbor);
    fwp_buf_free(&info);
    return rc;
}

int fwp_pack(const fwp_pack_opts *o, uint8_t **out, size_t *out_len,
             fwp_err *err)
{
    if (check_pack_opts(o, err))
        return -1;
    fwp_manifest *m = malloc(sizeof *m);
    fwp_frames fr[FWPK_MAX_TARGETS];
    fwp_buf box = {0};
    memset(fr, 0, sizeof fr);
    int rc = m ? manifest(o, m, fr, err) : fwp_fail(err, "out of memory");
    if (rc == 0)
        rc = assemble(o, m, fr, &box, err);
    for (size_t i = 0; i < FWPK_MAX_TARGETS; i++)
        fwp_frames_free(&fr[i]);
    free(m);
    if (rc) {
        fwp_buf_free(&box);
        return -1;
    }
    *out = (uint8_t *)box.data;
    *out_len = box.len;
    return 0;
}
