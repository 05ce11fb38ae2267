/*
 * verify_device.h - the device verifier run by `fwpack verify` and
 * `fwpack unpack` (verify_device.c), in the verifier's two designs.
 */
#ifndef FWPACK_VERIFY_DEVICE_H
#define FWPACK_VERIFY_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "fwpk_verify.h"

/* --mode: which build of the verifier runs */
enum vr_mode {
    VR_MODE_BUFFERED,  /* each frame checked before a byte of it is decoded */
    VR_MODE_STREAMING  /* decoded as it arrives, 512-byte ring (porting.md) */
};

typedef struct {
    fwpk_err err;          /* fwpk_begin/feed/finish's first error */
    uint32_t offset;       /* ctx.offset: container bytes consumed */
    uint32_t sig_valid;    /* trusted keys whose signatures counted */
    uint32_t pieces;       /* fwpk_feed calls */
    int parsed;            /* the manifest was parsed: version is set */
    int no_memory;         /* the context could not be allocated */
    char version[FWPK_VERSION_MAX + 1];
} vr_device_result;

/* Runs fwpk_begin(pol, flash), then feeds data 'chunk' bytes at a time
 * and calls fwpk_finish, as a bootloader does. */
void vr_device_run(const fwpk_policy *pol, const fwpk_flash *flash,
                   const uint8_t *data, size_t len, size_t chunk,
                   vr_device_result *out);
/* The same with the streaming build (FWPK_FRAME_BUFFER 0,
 * FWPK_RING_BITS 9). */
void vr_device_run_streaming(const fwpk_policy *pol, const fwpk_flash *flash,
                             const uint8_t *data, size_t len, size_t chunk,
                             vr_device_result *out);

#endif
