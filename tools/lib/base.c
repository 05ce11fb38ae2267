/*
 * base.c - the base of a delta target (format/SPEC.md 6.5) on the host:
 * read from an earlier container (its image of the same target) or from
 * any input file, and laid out as the device holds it: the bytes from the
 * image's first address to its last, gaps 0xFF.
 */
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

/* The image that a device of 'target' installs from the container: the
 * device verifier's own run (signatures aside), so a base is never a
 * container that a device would refuse. */
static int container_image(const uint8_t *d, size_t len, const char *name,
                           const char *target, fwp_image *img,
                           char version[FWPK_VERSION_MAX + 1], fwp_err *err)
{
    fwp_layout lay;
    fwp_manifest *m = malloc(sizeof *m);
    fwp_device_verdict v;
    int rc = m ? 0 : fwp_fail(err, "out of memory");
    const fwp_mtarget *t = NULL;
    if (rc == 0)
        rc = fwp_layout_parse(d, len, name, &lay, err) ||
                     fwp_manifest_decode(lay.manifest, lay.manifest_len, name,
                                         m, err)
                 ? -1
                 : 0;
    for (uint32_t i = 0; rc == 0 && i < m->target_count; i++)
        if (strcmp(m->targets[i].name, target) == 0)
            t = &m->targets[i];
    if (rc == 0 && !t)
        rc = fwp_fail(err, "%s: a base for another target: it has no target "
                           "%s", name, target);
    if (rc == 0 && t->base_size)
        rc = fwp_fail(err, "%s: target %s is itself a delta: give the image "
                           "it installs (fwpack unpack --base) as the base",
                      name, target);
    if (rc == 0) {
        strcpy(version, m->version);
        rc = fwp_device_run_base(d, len, &lay, target, NULL, 0, img, &v, err);
    }
    if (rc == 0 && v.err != FWPK_OK)
        rc = fwp_fail(err, "%s: target %s: a device refuses it at offset %zu "
                           "(%s), so it cannot be a base", name, target,
                      v.offset, fwpk_strerror(v.err));
    free(m);
    return rc;
}

int fwp_base_load(const char *path, const char *target, uint32_t bin_addr,
                  fwp_image *img, char version[FWPK_VERSION_MAX + 1],
                  fwp_err *err)
{
    uint8_t *d;
    size_t len;
    memset(img, 0, sizeof *img);
    version[0] = 0;
    if (fwp_format_from_name(path) == FWP_FMT_BIN)
        return fwp_bin_load(path, bin_addr, img, err);
    if (fwp_read_file(path, &d, &len, 0, err))
        return -1;
    int box = len >= FWPK_MAGIC_LEN && !memcmp(d, FWPK_MAGIC, FWPK_MAGIC_LEN);
    int rc = box ? container_image(d, len, fwp_file_name(path), target, img,
                                   version, err)
                 : fwp_input_load(path, 0, 0, img, err);
    free(d);
    return rc;
}

int fwp_base_flatten(const fwp_image *img, const char *name, uint8_t **out,
                     uint32_t *len, fwp_err *err)
{
    if (img->count == 0)
        return fwp_fail(err, "%s: the base is empty", name);
    uint32_t lo = img->segs[0].addr;
    const fwp_seg *last = &img->segs[img->count - 1];
    uint64_t n = (uint64_t)last->addr + last->len - lo;
    if (n > FWPK_MAX_IMAGE_SIZE)
        return fwp_fail(err, "%s: the base spans %llu bytes, more than an "
                             "image may", name, (unsigned long long)n);
    uint8_t *p = malloc(n);
    if (!p)
        return fwp_fail(err, "out of memory");
    memset(p, 0xff, n);
    for (size_t i = 0; i < img->count; i++)
        memcpy(p + (img->segs[i].addr - lo), img->segs[i].data,
               img->segs[i].len);
    *out = p;
    *len = (uint32_t)n;
    return 0;
}
