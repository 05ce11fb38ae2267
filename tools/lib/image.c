/*
 * image.c - firmware images as sorted, non-overlapping segments.
 *
 * Invariant: a segment's buffer holds cap_for(len) bytes, and the segment
 * array holds cap_for(count) entries, so appending is amortised O(1).
 */
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

static size_t cap_for(size_t n)
{
    size_t c = 16;
    while (c < n)
        c *= 2;
    return c;
}

void fwp_image_free(fwp_image *img)
{
    for (size_t i = 0; i < img->count; i++)
        free(img->segs[i].data);
    free(img->segs);
    img->segs = NULL;
    img->count = 0;
}

uint32_t fwp_image_size(const fwp_image *img)
{
    uint64_t n = 0;
    for (size_t i = 0; i < img->count; i++)
        n += img->segs[i].len;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static uint64_t seg_end(const fwp_seg *s)
{
    return (uint64_t)s->addr + s->len;
}

uint64_t fwp_image_widest_gap(const fwp_image *img, uint64_t *from,
                              uint64_t *to)
{
    uint64_t best = 0;
    for (size_t i = 0; i + 1 < img->count; i++) {
        uint64_t end = seg_end(&img->segs[i]);
        if (img->segs[i + 1].addr - end > best) {
            best = img->segs[i + 1].addr - end;
            *from = end;
            *to = img->segs[i + 1].addr;
        }
    }
    return best;
}

/* Index of the first segment that ends after addr. */
static size_t find(const fwp_image *img, uint32_t addr)
{
    size_t lo = 0, hi = img->count;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (seg_end(&img->segs[mid]) <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Grows segment s to new_len bytes (keeps its contents). */
static int seg_grow(fwp_seg *s, size_t new_len)
{
    if (cap_for(new_len) == cap_for(s->len) && s->data)
        return 0;
    uint8_t *p = realloc(s->data, cap_for(new_len));
    if (!p)
        return -1;
    s->data = p;
    return 0;
}

static int seg_append(fwp_seg *s, const uint8_t *data, size_t len)
{
    if (seg_grow(s, s->len + len))
        return -1;
    memcpy(s->data + s->len, data, len);
    s->len += (uint32_t)len;
    return 0;
}

/* Moves segment i+1's bytes to the end of segment i and removes i+1. */
static int seg_join(fwp_image *img, size_t i, uint8_t fill)
{
    fwp_seg *a = &img->segs[i], *b = &img->segs[i + 1];
    size_t gap = (size_t)(b->addr - seg_end(a));
    if (seg_grow(a, a->len + gap + b->len))
        return -1;
    memset(a->data + a->len, fill, gap);
    memcpy(a->data + a->len + gap, b->data, b->len);
    a->len += (uint32_t)(gap + b->len);
    free(b->data);
    memmove(b, b + 1, (img->count - i - 2) * sizeof *b);
    img->count--;
    return 0;
}

static int seg_insert(fwp_image *img, size_t at, uint32_t addr,
                      const uint8_t *data, size_t len)
{
    if (cap_for(img->count + 1) != cap_for(img->count) || !img->segs) {
        fwp_seg *p = realloc(img->segs, cap_for(img->count + 1) * sizeof *p);
        if (!p)
            return -1;
        img->segs = p;
    }
    fwp_seg s = {addr, 0, NULL};
    if (seg_append(&s, data, len))
        return -1;
    memmove(&img->segs[at + 1], &img->segs[at],
            (img->count - at) * sizeof s);
    img->segs[at] = s;
    img->count++;
    return 0;
}

int fwp_image_add(fwp_image *img, uint32_t addr, const uint8_t *data,
                  size_t len, const char *where, fwp_err *err)
{
    uint64_t end = (uint64_t)addr + len;
    if (len == 0)
        return 0;
    if (end > 0x100000000ULL || len > FWPK_MAX_IMAGE_SIZE)
        return fwp_fail(err, "%s: data at 0x%08x runs past 4 GiB", where,
                        (unsigned)addr);
    size_t i = find(img, addr);
    if (i < img->count && img->segs[i].addr < end)
        return fwp_fail(err,
                        "%s: data at 0x%08x..0x%08llx overlaps earlier data "
                        "at 0x%08x..0x%08llx",
                        where, (unsigned)addr, (unsigned long long)end - 1,
                        (unsigned)img->segs[i].addr,
                        (unsigned long long)seg_end(&img->segs[i]) - 1);
    int rc;
    if (i > 0 && seg_end(&img->segs[i - 1]) == addr) {
        rc = seg_append(&img->segs[i - 1], data, len);
        i--;
    } else {
        rc = seg_insert(img, i, addr, data, len);
    }
    if (rc == 0 && i + 1 < img->count && img->segs[i + 1].addr == end)
        rc = seg_join(img, i, 0xff);
    return rc ? fwp_fail(err, "%s: out of memory", where) : 0;
}

static uint64_t align_up(uint64_t v, uint32_t a)
{
    return (v + a - 1) / a * a;
}

static uint64_t align_down(uint64_t v, uint32_t a)
{
    return v / a * a;
}

int fwp_image_normalize(fwp_image *img, uint32_t write_unit, fwp_err *err)
{
    if (write_unit == 0)
        return fwp_fail(err, "write unit must not be 0");
    size_t i = 0;
    while (i + 1 < img->count) {
        const fwp_seg *a = &img->segs[i], *b = &img->segs[i + 1];
        uint64_t gap = b->addr - seg_end(a);
        if (gap < 16 || align_up(seg_end(a), write_unit) >
                            align_down(b->addr, write_unit)) {
            if ((uint64_t)a->len + gap + b->len > FWPK_MAX_IMAGE_SIZE)
                return fwp_fail(err, "image larger than 2 GiB");
            if (seg_join(img, i, 0xff))
                return fwp_fail(err, "out of memory");
        } else {
            i++;
        }
    }
    return 0;
}

/* The bytes of img inside [lo, hi) (keep_inside) or outside it, as a new
 * image that replaces img. */
static int keep(fwp_image *img, uint64_t lo, uint64_t hi, int keep_inside,
                fwp_err *err)
{
    fwp_image out = {0};
    for (size_t i = 0; i < img->count; i++) {
        const fwp_seg *s = &img->segs[i];
        uint64_t a = s->addr, b = seg_end(s);
        uint64_t in_a = a > lo ? a : lo, in_b = b < hi ? b : hi;
        /* up to three parts: below lo, inside, from hi */
        uint64_t part[3][2] = {{a, in_a < b ? in_a : b},
                               {in_a, in_b},
                               {in_b > a ? in_b : a, b}};
        for (int k = 0; k < 3; k++) {
            if (part[k][0] >= part[k][1] || (k == 1) != !!keep_inside)
                continue;
            if (fwp_image_add(&out, (uint32_t)part[k][0],
                              s->data + (part[k][0] - a),
                              (size_t)(part[k][1] - part[k][0]), "crop",
                              err)) {
                fwp_image_free(&out);
                return -1;
            }
        }
    }
    fwp_image_free(img);
    *img = out;
    return 0;
}

int fwp_image_crop(fwp_image *img, uint64_t lo, uint64_t hi, fwp_err *err)
{
    return keep(img, lo, hi, 1, err);
}

int fwp_image_exclude(fwp_image *img, uint64_t lo, uint64_t hi, fwp_err *err)
{
    return keep(img, lo, hi, 0, err);
}
