/*
 * history.h - the flash-backed window (internal): a codec's older output
 * read back from the image bytes already in flash.
 *
 * The codec's output is the image as the packer filtered it; flash holds
 * the image itself.  Both have the same length and the same offsets, and
 * differ only where the Thumb filter rewrote a BL pair.  Such a pair is
 * recognised by bits the filter never changes, and two pairs cannot
 * overlap (the first halfword of a pair has top bits 11110, the second
 * 11111), so every pair is rewritten on its own: reading back any range,
 * we redo the filter on the pairs that touch it (format/SPEC.md 6.3).
 * The RV32 filter walks instruction lengths from the segment's start, so
 * it has no such local form: a flash-backed window refuses it (a part
 * with RV32 code has RAM for the window).
 */
#ifndef FWPK_HISTORY_H
#define FWPK_HISTORY_H

#include "fwpk_verify.h"

/* A fwpk_far_read (window.h) over ctx's own target: reads the codec's
 * output bytes [offset, offset + len) back from flash. */
fwpk_err fwpk_history_read(void *ctx, uint32_t offset, uint8_t *buf,
                           uint32_t len);

/* Reads flash bytes [addr, addr + len): the mapped pointer when the caller
 * gave one, else the read callback. */
fwpk_err fwpk_flash_read(const fwpk_flash *f, uint32_t addr, uint8_t *buf,
                         uint32_t len);

#endif
