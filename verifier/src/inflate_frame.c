/*
 * inflate_frame.c - the v1 raw-inflate API (fwpk_verify.h): whole blocks
 * per call into a RAM window, over the resumable decoder (inflate.h).
 *
 * Kept while stream.c moves to the decoder itself; then it goes.  A v1
 * frame holds whole blocks and ends on a byte boundary (SPEC.md 6.1), so
 * between frames the only state is the window: each call decodes with a
 * fresh decoder (on the stack) whose window is the caller's RAM, and hands
 * the output on each time the window fills up and at the end.
 */
#include "fwpk_verify.h"
#include "inflate.h"

void fwpk_inflate_frame_init(fwpk_inflate_state *s, uint8_t *win,
                             uint32_t size)
{
    s->win = win;
    s->size = size;
    s->pos = 0;
    s->total = 0;
    s->final = 0;
}

/* Hands every pending byte to the sink: one or two runs (the ring's end). */
static fwpk_err drain(fwpk_window *w, fwpk_sink sink, void *arg)
{
    const uint8_t *p;
    uint32_t n;
    while ((n = fwpk_window_pending(w, &p)) > 0) {
        fwpk_err err = sink(arg, p, n);
        if (err != FWPK_OK)
            return err;
        fwpk_window_drain(w, n);
    }
    return FWPK_OK;
}

fwpk_err fwpk_inflate_frame(fwpk_inflate_state *s, const uint8_t *in,
                            size_t len, fwpk_sink sink, void *arg)
{
    fwpk_inflate z;
    fwpk_window w;
    fwpk_err err, sunk;
    int full;
    if (s->final)
        return len ? FWPK_ERR_INFLATE : FWPK_OK; /* data after the end */
    fwpk_inflate_init(&z);
    fwpk_window_init(&w, s->win, s->size, s->size, 0, NULL, NULL);
    w.total = s->total; /* the history: the window's last 'size' bytes */
    w.drained = s->total;
    do {
        uint32_t used, piece = (uint32_t)(len < 0x8000u ? len : 0x8000u);
        err = fwpk_inflate_push(&z, &w, in, piece, &used);
        in += used;
        len -= used;
        full = fwpk_window_room(&w) == 0;
        sunk = drain(&w, sink, arg); /* what was decoded, even before an
                                        error */
        if (err == FWPK_OK)
            err = sunk;
    } while (err == FWPK_OK && (len > 0 || full));
    s->total = w.total;
    s->pos = w.total & (s->size - 1u);
    s->final = (uint8_t)fwpk_inflate_done(&z);
    if (err == FWPK_OK && !fwpk_inflate_at_boundary(&z))
        err = FWPK_ERR_INFLATE; /* a block cut off by the end of the frame */
    return err;
}
