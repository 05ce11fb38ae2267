/*
 * frames_lzma.c - codec 2's stream (format/SPEC.md 6.1): the image as one
 * raw LZMA1 stream without an end marker, made by liblzma's raw encoder
 * (LZMA_FILTER_LZMA1EXT: LZMA1 with the end marker optional, here left
 * out) from an xz preset with the target's lc/lp/pb and dictionary.  The
 * stream is never flushed: frames are plain cuts of it (frames.c).
 */
#include <lzma.h>
#include <stdlib.h>

#include "fwpack.h"

int fwp_lzma_props_ok(uint32_t props)
{
    return props <= FWPK_LZMA_PROPS_MAX &&
           props % 9 + props / 9 % 5 <= FWPK_LZMA_LCLP_LIMIT;
}

/* Input per lzma_code() call: the hook sees progress, and can stop the
 * encoder, this often (a fraction of a second at preset 9e). */
#define LZMA_STEP (64u * 1024u)

static int lzma_fail(lzma_ret rc, fwp_err *err)
{
    return fwp_fail(err, "lzma: encoder failed (liblzma error %d%s)",
                    (int)rc,
                    rc == LZMA_MEM_ERROR ? ": out of memory, try a smaller "
                                           "--window-bits"
                                         : "");
}

/* Runs the encoder over img in LZMA_STEP pieces, appending to out; the
 * stream does not depend on how its input is cut (no flush in between),
 * so the pieces only serve the hook, which is told the stream bytes so
 * far: fewer than the frames will hold, so a stop is never early. */
static int run(lzma_stream *s, const uint8_t *img, size_t len,
               const fwp_frame_hook *hook, fwp_buf *out, fwp_err *err)
{
    uint8_t buf[LZMA_STEP];
    size_t fed = 0, start = out->len;
    for (;;) {
        if (s->avail_in == 0 && fed < len) {
            s->next_in = img + fed;
            s->avail_in = len - fed < LZMA_STEP ? len - fed : LZMA_STEP;
            fed += s->avail_in;
        }
        int last = fed == len;
        s->next_out = buf;
        s->avail_out = sizeof buf;
        lzma_ret rc = lzma_code(s, last ? LZMA_FINISH : LZMA_RUN);
        if (fwp_buf_put(out, buf, sizeof buf - s->avail_out))
            return fwp_fail(err, "out of memory");
        if (rc == LZMA_STREAM_END)
            return 0;
        if (rc != LZMA_OK)
            return lzma_fail(rc, err);
        if (!last && s->avail_in == 0 &&
            fwp_frame_hook_call(hook, fed, out->len - start))
            return FWP_FRAMES_STOPPED;
    }
}

int fwp_lzma_encode(const uint8_t *img, size_t len, uint32_t props,
                    int level, uint32_t dict_bits,
                    const fwp_frame_hook *hook, fwp_buf *out, fwp_err *err)
{
    lzma_options_lzma o;
    uint32_t preset = level == FWP_LEVEL_MAX ? 9u : (uint32_t)level;
    if (!fwp_lzma_props_ok(props) || dict_bits < FWPK_LZMA_DICT_BITS_MIN ||
        dict_bits > FWPK_LZMA_DICT_BITS_MAX || preset > 9)
        return fwp_fail(err, "lzma: properties %u, dictionary 2^%u or "
                             "preset %u out of range",
                        (unsigned)props, (unsigned)dict_bits,
                        (unsigned)preset);
    if (lzma_lzma_preset(&o, preset | LZMA_PRESET_EXTREME))
        return fwp_fail(err, "lzma: preset %u unsupported", (unsigned)preset);
    o.lc = props % 9;
    o.lp = props / 9 % 5;
    o.pb = props / 45;
    o.dict_size = (uint32_t)1 << dict_bits;
    o.ext_flags = 0; /* no end marker: the manifest has the image size */
    lzma_filter f[2] = {{LZMA_FILTER_LZMA1EXT, &o},
                        {LZMA_VLI_UNKNOWN, NULL}};
    lzma_stream s = LZMA_STREAM_INIT;
    lzma_ret rc = lzma_raw_encoder(&s, f);
    if (rc != LZMA_OK)
        return lzma_fail(rc, err);
    int r = run(&s, img, len, hook, out, err);
    lzma_end(&s);
    return r;
}
