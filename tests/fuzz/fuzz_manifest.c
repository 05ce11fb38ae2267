/*
 * fuzz_manifest.c - the device's CBOR manifest reader on arbitrary bytes,
 * checked against the host's reader (libcbor, tools/lib/manifest_read.c).
 *
 * Both implement SPEC.md section 4.  The device adds the consistency rules
 * between frame count, frame size, payload size and image size that need
 * no frames to check; apart from those, the two must agree on every input,
 * and on every field of the selected target when they accept.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

/* The device's rules the host reader leaves to the frame walk. */
static int device_extra_rules(const fwp_manifest *h)
{
    for (uint32_t i = 0; i < h->target_count; i++) {
        const fwp_mtarget *t = &h->targets[i];
        if (t->payload_size < t->frame_count ||
            (uint64_t)t->payload_size >
                (uint64_t)t->frame_count * t->frame_size)
            return 0;
        if (t->codec == FWPK_CODEC_NONE && t->payload_size != t->image_size)
            return 0;
    }
    return 1;
}

/* The device says where a string lies in the bytes it parsed. */
static int same_text(const uint8_t *cbor, const fwpk_text *d, const char *h)
{
    return d->len == strlen(h) && memcmp(cbor + d->at, h, d->len) == 0;
}

static void same_target(const fwpk_target *d, const fwp_mtarget *h,
                        const uint8_t *cbor)
{
    if (!same_text(cbor, &d->name, h->name) ||
        !same_text(cbor, &d->mcu, h->mcu) ||
        d->flash_base != h->flash_base || d->flash_size != h->flash_size ||
        d->erase_block != h->erase_block || d->write_unit != h->write_unit ||
        d->image_size != h->image_size || d->codec != h->codec ||
        d->window_bits != h->window_bits || d->frame_size != h->frame_size ||
        d->frame_count != h->frame_count ||
        d->payload_size != h->payload_size || d->filter != h->filter ||
        d->segment_count != h->seg_count ||
        memcmp(d->image_digest, h->image_digest, FWPK_HASH_LEN) ||
        memcmp(d->anchor, h->anchor, FWPK_HASH_LEN))
        abort();
    for (uint32_t i = 0; i < d->segment_count; i++)
        if (d->segments[i].addr != h->seg_addr[i] ||
            d->segments[i].len != h->seg_len[i])
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static fwpk_manifest m;
    static fwp_manifest h;
    fwp_err err;
    if (size > FWPK_MANIFEST_MAX)
        return 0;
    fwpk_err e = fwpk_manifest_parse(&m, data, size, "app");
    int host_ok = fwp_manifest_decode(data, size, "fuzz", &h, &err) == 0;
    if (e != FWPK_OK && e != FWPK_ERR_MANIFEST)
        abort();
    if (e == FWPK_OK && !host_ok)
        abort(); /* the device accepts what the host calls malformed */
    if (host_ok && e != FWPK_OK && device_extra_rules(&h))
        abort(); /* the device refuses a manifest the spec allows */
    if (e != FWPK_OK)
        return 0;
    if (m.target_count != h.target_count ||
        m.security_counter != h.security_counter ||
        m.build_time != h.build_time ||
        m.version.len != strlen(h.version) ||
        memcmp(data + m.version.at, h.version, m.version.len) != 0)
        abort();
    for (uint32_t i = 0; i < h.target_count; i++) {
        const fwpk_walk *w = &m.walk[i];
        if (w->frame_count != h.targets[i].frame_count ||
            w->frame_size != h.targets[i].frame_size ||
            w->payload_size != h.targets[i].payload_size ||
            memcmp(data + w->anchor_at, h.targets[i].anchor, FWPK_HASH_LEN))
            abort();
        if (strcmp(h.targets[i].name, "app") == 0) {
            if (m.own_index != i)
                abort();
            same_target(&m.own, &h.targets[i], data);
        }
    }
    if (m.own_index > h.target_count)
        abort();
    return 0;
}
