/*
 * window.c - a codec's history and output (window.h).
 */
#include "window.h"

void fwpk_window_init(fwpk_window *w, uint8_t *ring, uint32_t ring_size,
                      uint32_t dict, uint32_t reserve, fwpk_far_read far,
                      void *far_arg)
{
    w->ring = ring;
    w->mask = ring_size - 1u;
    w->dict = dict;
    w->total = 0;
    w->drained = 0;
    w->reserve = reserve;
    w->far = far;
    w->far_arg = far_arg;
}

uint32_t fwpk_window_room(const fwpk_window *w)
{
    uint32_t used = w->total - w->drained + w->reserve;
    return used > w->mask ? 0 : w->mask + 1u - used;
}

void fwpk_window_put(fwpk_window *w, uint8_t b)
{
    w->ring[w->total & w->mask] = b;
    w->total++;
}

static int dist_ok(const fwpk_window *w, uint32_t dist)
{
    return dist != 0 && dist <= w->total && dist <= w->dict;
}

/* Whether offset total - dist is still in the ring. */
static int in_ring(const fwpk_window *w, uint32_t dist)
{
    return dist <= w->mask + 1u;
}

/* A far match cannot overlap its own output (dist > ring size > room), so
 * it is read straight into the ring, in runs up to the ring's end. */
static fwpk_err copy_far(fwpk_window *w, uint32_t dist, uint32_t len)
{
    while (len > 0) {
        uint32_t at = w->total & w->mask;
        uint32_t n = w->mask + 1u - at;
        if (n > len)
            n = len;
        if (w->far(w->far_arg, w->total - dist, w->ring + at, n) != FWPK_OK)
            return FWPK_ERR_FLASH;
        w->total += n;
        len -= n;
    }
    return FWPK_OK;
}

fwpk_err fwpk_window_copy(fwpk_window *w, uint32_t dist, uint32_t len)
{
    uint8_t *ring = w->ring;
    uint32_t mask = w->mask, from, to;
    if (!dist_ok(w, dist))
        return FWPK_ERR_INFLATE;
    if (!in_ring(w, dist))
        return w->far ? copy_far(w, dist, len) : FWPK_ERR_INFLATE;
    to = w->total;
    from = to - dist;
    w->total = to + len;
    while (len-- > 0)
        ring[to++ & mask] = ring[from++ & mask];
    return FWPK_OK;
}

fwpk_err fwpk_window_byte(const fwpk_window *w, uint32_t dist, uint8_t *out)
{
    if (!dist_ok(w, dist))
        return FWPK_ERR_INFLATE;
    if (in_ring(w, dist)) {
        *out = w->ring[(w->total - dist) & w->mask];
        return FWPK_OK;
    }
    if (w->far == NULL)
        return FWPK_ERR_INFLATE;
    return w->far(w->far_arg, w->total - dist, out, 1) == FWPK_OK
               ? FWPK_OK
               : FWPK_ERR_FLASH;
}

uint32_t fwpk_window_pending(const fwpk_window *w, const uint8_t **p)
{
    uint32_t at = w->drained & w->mask;
    uint32_t n = w->total - w->drained;
    if (n > w->mask + 1u - at)
        n = w->mask + 1u - at;
    *p = w->ring + at;
    return n;
}

void fwpk_window_drain(fwpk_window *w, uint32_t n)
{
    w->drained += n;
}
