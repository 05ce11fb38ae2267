/*
 * resume.h - resume records (internal): the state at the start of an own
 * frame, offered to the bootloader once part of the image is in flash, and
 * rebuilt from such a record and the flash after a restart.
 */
#ifndef FWPK_RESUME_H
#define FWPK_RESUME_H

#include "fwpk_verify.h"

/* ctx->resuming */
enum fwpk_resuming {
    FWPK_RESUMING_NO,     /* a fresh run */
    FWPK_RESUMING_YES,    /* resumed from the record in ctx->snap */
    FWPK_RESUMING_FOREIGN /* ... which is another container's */
};

/* After the signature block: records name the container by the first
 * half of its signed digest, which is not kept beyond this point.  A
 * fresh run writes it into ctx->snap once; a resumed run's record must
 * carry it (else FWPK_ERR_RESUME at fwpk_resume_start()). */
void fwpk_resume_container(fwpk_ctx *ctx, const uint8_t *digest);

/* At the start of an own frame: what a resume would rebuild. */
void fwpk_resume_snapshot(fwpk_ctx *ctx, uint32_t frame_offset);

/* After an own frame checked out and was decoded: offers the record when
 * a write ended an erase block meanwhile (the writer's boundary). */
fwpk_err fwpk_resume_offer(fwpk_ctx *ctx);

/* After the signature block of a resumed run: checks the record in
 * ctx->snap against this container and rebuilds the state from flash. */
fwpk_err fwpk_resume_start(fwpk_ctx *ctx);

#endif
