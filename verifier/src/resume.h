/*
 * resume.h - resume records (internal): the state at the start of an own
 * frame, offered to the bootloader once part of the image is in flash, and
 * rebuilt from such a record and the flash after a restart.
 */
#ifndef FWPK_RESUME_H
#define FWPK_RESUME_H

#include "fwpk_verify.h"

/* At the start of an own frame: what a resume would rebuild. */
void fwpk_resume_snapshot(fwpk_ctx *ctx, uint32_t frame_offset);

/* After an own frame checked out and was decoded: offers the record when
 * a write ended an erase block meanwhile (the writer's boundary). */
fwpk_err fwpk_resume_offer(fwpk_ctx *ctx);

/* After the signature block of a resumed run: checks the record in
 * ctx->snap against this container and rebuilds the state from flash. */
fwpk_err fwpk_resume_start(fwpk_ctx *ctx);

#endif
