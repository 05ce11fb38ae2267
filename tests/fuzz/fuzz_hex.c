/*
 * fuzz_hex.c - the packer's Intel HEX parser on arbitrary text.  What it
 * accepts must survive fwp_hex_format and a second parse unchanged, and
 * what it refuses must come with a message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

static int same_image(const fwp_image *a, const fwp_image *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++)
        if (a->segs[i].addr != b->segs[i].addr ||
            a->segs[i].len != b->segs[i].len ||
            memcmp(a->segs[i].data, b->segs[i].data, a->segs[i].len))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fwp_image img = {0}, again = {0};
    fwp_err err;
    err.msg[0] = 0;
    if (fwp_hex_parse("fuzz.hex", (const char *)data, size, &img, &err)) {
        if (err.msg[0] == 0)
            abort();
    } else {
        char *text = NULL;
        size_t len = 0;
        if (fwp_hex_format(&img, &text, &len, &err) ||
            fwp_hex_parse("again.hex", text, len, &again, &err) ||
            !same_image(&img, &again))
            abort();
        free(text);
    }
    fwp_image_free(&img);
    fwp_image_free(&again);
    return 0;
}
