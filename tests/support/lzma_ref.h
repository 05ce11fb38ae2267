/*
 * lzma_ref.h - liblzma as the reference for the device's LZMA decoder
 * (test_lzma.c, fuzz_lzma.c): its verdict on a raw LZMA1 stream in the
 * format of SPEC.md 6.1.
 */
#ifndef LZMA_REF_H
#define LZMA_REF_H

#include <lzma.h>
#include <stdint.h>
#include <string.h>

/* 1 when liblzma decodes in[0, n) to exactly 'size' bytes (into out) with
 * no end marker and every input byte used; 0 when it refuses; -1 when it
 * could not start. */
static inline int lzma_ref_decode(const uint8_t *in, size_t n, uint8_t props,
                                  uint32_t dict, uint8_t *out, size_t size)
{
    lzma_options_lzma o;
    lzma_stream s = LZMA_STREAM_INIT;
    memset(&o, 0, sizeof o);
    o.lc = props % 9;
    o.lp = props / 9 % 5;
    o.pb = props / 45;
    o.dict_size = dict;
    lzma_set_ext_size(o, size);
    lzma_filter f[2] = {{LZMA_FILTER_LZMA1EXT, &o},
                        {LZMA_VLI_UNKNOWN, NULL}};
    if (lzma_raw_decoder(&s, f) != LZMA_OK)
        return -1;
    s.next_in = in;
    s.avail_in = n;
    s.next_out = out;
    s.avail_out = size;
    int ok = lzma_code(&s, LZMA_FINISH) == LZMA_STREAM_END &&
             s.avail_in == 0 && s.total_out == size;
    lzma_end(&s);
    return ok;
}

#endif
