/*
 * walk.c - walks one target's frames in a container (host side, for
 * inspect): delimits them, checks the hash chain, and inflates to check
 * the image digest, undoing the branch filter per segment.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "fwpack.h"

void fwp_walk_free(fwp_walk *w)
{
    free(w->lens);
    w->lens = NULL;
}

static void problem(fwp_walk *w, const char *fmt, uint32_t i)
{
    if (!w->problem[0])
        snprintf(w->problem, sizeof w->problem, fmt, (unsigned)i);
}

/* Decodes the concatenated payloads and compares the image digest. */
static int check_digest(const uint8_t *pay, size_t n, const fwp_mtarget *t)
{
    uint8_t *img = malloc(t->image_size ? t->image_size : 1);
    int ok = 0;
    if (!img)
        return -1;
    if (t->codec == FWPK_CODEC_NONE) {
        ok = n == t->image_size;
        if (ok)
            memcpy(img, pay, n);
    } else {
        z_stream z;
        memset(&z, 0, sizeof z);
        if (inflateInit2(&z, -(int)t->window_bits) == Z_OK) {
            z.next_in = (Bytef *)(uintptr_t)pay;
            z.avail_in = (uInt)n;
            z.next_out = img;
            z.avail_out = t->image_size;
            ok = inflate(&z, Z_FINISH) == Z_STREAM_END && z.avail_in == 0 &&
                 z.avail_out == 0;
            inflateEnd(&z);
        }
    }
    for (uint32_t i = 0, off = 0; ok && i < t->seg_count;
         off += t->seg_len[i++])
        fwp_unfilter_apply(t->filter, img + off, t->seg_len[i],
                           t->seg_addr[i]);
    uint8_t h[FWPK_HASH_LEN] = {0};
    if (ok)
        fwp_hash(h, img, t->image_size);
    free(img);
    return ok && memcmp(h, t->image_digest, FWPK_HASH_LEN) == 0;
}

static int read_frames(const uint8_t *d, size_t len, size_t *off,
                       const fwp_mtarget *t, fwp_walk *w, fwp_buf *pay,
                       fwp_err *err)
{
    uint8_t expect[FWPK_HASH_LEN], h[FWPK_HASH_LEN];
    memcpy(expect, t->anchor, FWPK_HASH_LEN);
    for (uint32_t i = 0; i < t->frame_count; i++) {
        if (len - *off < FWPK_FRAME_HEADER_LEN)
            return fwp_fail(err, "target %s: truncated at frame %u", t->name,
                            (unsigned)i);
        const uint8_t *f = d + *off;
        uint32_t n = (uint32_t)f[0] | (uint32_t)f[1] << 8;
        if (n < 1 || n > t->frame_size ||
            len - *off - FWPK_FRAME_HEADER_LEN < n)
            return fwp_fail(err, "target %s: frame %u at offset %zu: bad or "
                                 "truncated length %u", t->name,
                            (unsigned)i, *off, (unsigned)n);
        w->lens[w->count++] = n;
        w->payload += n;
        fwp_hash(h, f, FWPK_FRAME_HEADER_LEN + n);
        if (memcmp(h, expect, FWPK_HASH_LEN))
            problem(w, "frame %u does not match the hash chain", i);
        memcpy(expect, f + 2, FWPK_HASH_LEN);
        if (fwp_buf_put(pay, f + FWPK_FRAME_HEADER_LEN, n))
            return fwp_fail(err, "out of memory");
        *off += FWPK_FRAME_HEADER_LEN + n;
    }
    static const uint8_t zero[FWPK_HASH_LEN];
    if (memcmp(expect, zero, FWPK_HASH_LEN))
        problem(w, "last frame (%u) has a nonzero next hash", w->count - 1);
    return 0;
}

int fwp_frames_walk(const uint8_t *data, size_t len, size_t *off,
                    const fwp_mtarget *t, fwp_walk *w, fwp_err *err)
{
    fwp_buf pay = {0};
    memset(w, 0, sizeof *w);
    w->digest_ok = -1;
    w->lens = malloc(t->frame_count * sizeof *w->lens);
    if (!w->lens)
        return fwp_fail(err, "out of memory");
    int rc = read_frames(data, len, off, t, w, &pay, err);
    w->chain_ok = rc == 0 && !w->problem[0];
    if (rc == 0 && w->payload != t->payload_size)
        problem(w, "payload size differs from the manifest (%u)",
                t->payload_size);
    if (rc == 0 && w->chain_ok) {
        w->digest_ok = check_digest((const uint8_t *)pay.data, pay.len, t);
        if (w->digest_ok < 0)
            rc = fwp_fail(err, "out of memory");
        else if (!w->digest_ok)
            problem(w, "image digest mismatch (target frame count %u)",
                    t->frame_count);
    }
    fwp_buf_free(&pay);
    return rc;
}

int fwp_frames_end(const uint8_t *data, size_t len, const fwp_layout *lay,
                   const char *name, size_t *end, fwp_err *err)
{
    fwp_manifest m;
    size_t off = lay->frames_offset;
    if (fwp_manifest_decode(lay->manifest, lay->manifest_len, name, &m, err))
        return -1;
    for (uint32_t i = 0; i < m.target_count; i++) {
        fwp_walk w;
        memset(&w, 0, sizeof w);
        int rc = fwp_frames_walk(data, len, &off, &m.targets[i], &w, err);
        fwp_walk_free(&w);
        if (rc)
            return -1;
    }
    *end = off;
    return 0;
}
