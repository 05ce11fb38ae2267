/*
 * walk.c - a container's frames as inspect reports them: every target's
 * frames delimited and listed, its hash chain checked on its own, and the
 * verdict of the device verifier for each target (device_run.c).  The
 * verdict is the device's own code, not a host imitation of it: whatever
 * inspect calls ok, every device accepts (signatures aside), and the
 * reverse.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

void fwp_walk_free(fwp_walk *w)
{
    free(w->lens);
    w->lens = NULL;
}

/* Delimits target t's frames from *off on and checks its chain.  -1 when
 * a frame is cut off or its length is out of range. */
static int delimit(const uint8_t *d, size_t len, size_t *off,
                   const fwp_mtarget *t, fwp_walk *w, fwp_err *err)
{
    static const uint8_t zero[FWPK_HASH_LEN];
    uint8_t expect[FWPK_HASH_LEN], h[FWPK_HASH_LEN];
    w->chain_ok = 1;
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
        w->chain_ok &= memcmp(h, expect, FWPK_HASH_LEN) == 0;
        memcpy(expect, f + 2, FWPK_HASH_LEN);
        *off += FWPK_FRAME_HEADER_LEN + n;
    }
    w->chain_ok &= memcmp(expect, zero, FWPK_HASH_LEN) == 0;
    return 0;
}

/* Errors the device meets while decoding its own target's payload. */
static int decode_error(fwpk_err e)
{
    return e == FWPK_ERR_INFLATE || e == FWPK_ERR_SIZE ||
           e == FWPK_ERR_DIGEST;
}

/* Target i's digest_ok and problem, from its device run. */
static void explain(fwp_walk *w, uint32_t i, const fwp_manifest *m,
                    const fwp_walk *all)
{
    const fwp_device_verdict *v = &w->device;
    int at = 0;
    w->digest_ok = v->err == FWPK_OK || (v->in_frames && v->target > i) ? 1
                   : v->in_frames && v->target == i && decode_error(v->err)
                       ? 0
                       : -1;
    w->problem[0] = 0;
    if (v->err == FWPK_OK)
        return;
    if (!v->in_frames || v->target >= m->target_count) {
        snprintf(w->problem, sizeof w->problem, "%s (offset %zu)",
                 fwpk_strerror(v->err), v->offset);
        return;
    }
    const fwp_mtarget *t = &m->targets[v->target];
    if (v->target != i)
        at = snprintf(w->problem, sizeof w->problem, "target %s, ", t->name);
    at += snprintf(w->problem + at, sizeof w->problem - (size_t)at,
                   "frame %u: ", (unsigned)v->frame);
    if (v->err == FWPK_ERR_FRAME && all[v->target].payload != t->payload_size)
        snprintf(w->problem + at, sizeof w->problem - (size_t)at,
                 "the frames hold %u bytes, the manifest's payload size is "
                 "%u", (unsigned)all[v->target].payload,
                 (unsigned)t->payload_size);
    else
        snprintf(w->problem + at, sizeof w->problem - (size_t)at, "%s",
                 fwpk_strerror(v->err));
}

int fwp_container_walk(const uint8_t *data, size_t len, const fwp_layout *lay,
                       const fwp_manifest *m, fwp_walk *w, int *ok,
                       fwp_err *err)
{
    size_t off = lay->frames_offset;
    *ok = 1;
    memset(w, 0, m->target_count * sizeof *w);
    for (uint32_t i = 0; i < m->target_count; i++) {
        w[i].lens = malloc(m->targets[i].frame_count * sizeof *w[i].lens);
        if (!w[i].lens)
            return fwp_fail(err, "out of memory");
        if (delimit(data, len, &off, &m->targets[i], &w[i], err))
            return -1;
    }
    if (off != len)
        return fwp_fail(err, "%zu bytes after the last frame", len - off);
    for (uint32_t i = 0; i < m->target_count; i++) {
        if (fwp_device_run(data, len, lay, m->targets[i].name, &w[i].device,
                           err))
            return -1;
        explain(&w[i], i, m, w);
        /* a delta target decodes only against its base, which a walk
         * does not have (fwpack verify --base does): its chain and lengths
         * are checked above and by the other targets' runs */
        if (w[i].device.err == FWPK_ERR_BASE && m->targets[i].base_size) {
            w[i].problem[0] = 0;
            w[i].digest_ok = -1;
            continue;
        }
        *ok &= w[i].device.err == FWPK_OK;
    }
    return 0;
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
        w.lens = malloc(m.targets[i].frame_count * sizeof *w.lens);
        int rc = w.lens ? delimit(data, len, &off, &m.targets[i], &w, err)
                        : fwp_fail(err, "out of memory");
        fwp_walk_free(&w);
        if (rc)
            return -1;
    }
    *end = off;
    return 0;
}
