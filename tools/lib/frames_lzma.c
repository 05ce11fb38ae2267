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

int fwp_lzma_encode(const uint8_t *img, size_t len, uint32_t props,
                    int level, uint32_t dict_bits, fwp_buf *out, fwp_err *err)
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
    /* incompressible input grows by about 1.5% */
    size_t cap = len + len / 16 + 64, pos = 0;
    uint8_t *buf = malloc(cap);
    if (!buf)
        return fwp_fail(err, "lzma: out of memory");
    lzma_ret rc = lzma_raw_buffer_encode(f, NULL, img, len, buf, &pos, cap);
    int r = rc != LZMA_OK
                ? fwp_fail(err, "lzma: encoder failed (liblzma error %d%s)",
                           (int)rc,
                           rc == LZMA_MEM_ERROR ? ": out of memory, try a "
                                                  "smaller --window-bits"
                                                : "")
            : fwp_buf_put(out, buf, pos) ? fwp_fail(err, "out of memory")
                                         : 0;
    free(buf);
    return r;
}
