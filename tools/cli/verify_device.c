/*
 * verify_device.c - one run of the device verifier over a container, fed
 * --chunk bytes at a time: fwpk_begin, fwpk_feed, fwpk_finish.
 *
 * Compiled twice (mk/streamrun.mk): as vr_device_run against the host's
 * verifier (the default, buffered design: a frame buffer, the whole window
 * in RAM), and as vr_device_run_streaming against a second copy of the
 * verifier built as the small parts build it (FWPK_FRAME_BUFFER 0: no frame
 * buffer, each frame hashed as it is decoded; FWPK_RING_BITS 9: a 512-byte
 * ring, older history read back from flash), whose fwpk_ symbols are
 * renamed fwpks_ so that both link into one fwpack.  Only this file sees
 * struct fwpk_ctx, whose size differs between the two; every type it
 * shares with the caller (fwpk_policy, fwpk_flash, fwpk_err) is the same
 * in both builds.
 */
#include <stdlib.h>
#include <string.h>

#include "verify_device.h"

#ifndef VR_DEVICE_RUN
#define VR_DEVICE_RUN vr_device_run
#endif

void VR_DEVICE_RUN(const fwpk_policy *pol, const fwpk_flash *flash,
                   const uint8_t *data, size_t len, size_t chunk,
                   vr_device_result *out)
{
    fwpk_ctx *ctx = calloc(1, sizeof *ctx);
    size_t off = 0;
    memset(out, 0, sizeof *out);
    if (!ctx) {
        out->no_memory = 1;
        return;
    }
    out->err = fwpk_begin(ctx, pol, flash);
    while (out->err == FWPK_OK && off < len) {
        size_t n = len - off < chunk ? len - off : chunk;
        out->err = fwpk_feed(ctx, data + off, n);
        out->pieces++;
        off += n;
    }
    if (out->err == FWPK_OK)
        out->err = fwpk_finish(ctx);
    out->offset = ctx->offset;
    out->sig_valid = ctx->sig_valid;
    out->parsed = ctx->manifest.target_count > 0;
    /* the context keeps where the version lies in the manifest it read */
    if (out->parsed)
        fwpk_text_copy(out->version, sizeof out->version,
                       data + FWPK_HEADER_LEN + ctx->info_len,
                       &ctx->manifest.version);
    free(ctx);
}
