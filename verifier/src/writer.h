/*
 * writer.h - the flash writer stage (internal): image bytes in order in,
 * spread over the target's segments, staged to whole write units, each
 * erase block erased once before its first write.  It also keeps the image
 * digest, and in a resumed run compares the bytes already in flash instead
 * of writing them.  State: fwpk_writer in fwpk_verify.h.
 */
#ifndef FWPK_WRITER_H
#define FWPK_WRITER_H

#include "fwpk_verify.h"

/* Starts the image of target 't' on 'flash' (both must outlive the run). */
void fwpk_writer_init(fwpk_writer *w, const fwpk_target *t,
                      const fwpk_flash *flash);

/* Takes image bytes (a fwpk_sink: the inverse filter's output).  After it,
 * w->boundary tells whether a write ended on an erase block boundary. */
fwpk_err fwpk_writer_put(void *w, const uint8_t *d, size_t n);

/* Writes what is staged (padded to a write unit): at the image's end. */
fwpk_err fwpk_writer_flush(fwpk_writer *w);

/* Nonzero when every segment is complete. */
int fwpk_writer_complete(const fwpk_writer *w);

/* Flash address of image byte 'off' (off < image size). */
uint32_t fwpk_image_addr(const fwpk_target *t, uint32_t off);

/* Resumed: image bytes [0, released) come from flash, the caller hashed
 * them; [released, flushed) will be decoded again and compared. */
void fwpk_writer_resume(fwpk_writer *w, uint32_t released, uint32_t flushed);

#endif
