/*
 * frame.h - the framing stage (internal): splits the frames section of a
 * container (format/SPEC.md 5) into frames, hashes each as it streams and
 * checks it against the hash chain at its end.  It hands out payload bytes
 * as they arrive; whether they are decoded at once (streaming mode) or
 * kept until the frame checks out (buffered mode) is the driver's choice.
 * State: fwpk_frames in fwpk_verify.h.
 */
#ifndef FWPK_FRAME_H
#define FWPK_FRAME_H

#include "fwpk_verify.h"

enum fwpk_frame_event {
    FWPK_FRAME_MORE,    /* input used up */
    FWPK_FRAME_PAYLOAD, /* *payload holds *plen payload bytes of the frame */
    FWPK_FRAME_END,     /* the frame is complete and matches the chain */
    FWPK_FRAME_ALL      /* the last target's last frame has ended */
};

/* Starts the walk at target 'target', frame 'index', whose hash must be
 * 'expect' (NULL: a first frame of another target, checked by the fold
 * below; 'expect' is then not read). */
void fwpk_frames_start(fwpk_frames *f, uint32_t target, uint32_t index,
                       const uint8_t expect[FWPK_HASH_LEN]);

/* The anchor a target's walk starts with: the own target's, or NULL. */
const uint8_t *fwpk_frames_anchor(const fwpk_manifest *m, uint32_t target);

/* Consumes bytes from in[0..len) until one event; *used says how many.
 * Payload bytes are returned pointing into 'in'.  At FWPK_FRAME_END,
 * f->target and f->index still name the frame that ended; call
 * fwpk_frames_next() before pushing more.  'hash' is scratch owned by the
 * caller, busy from a frame's first byte to its end. */
fwpk_err fwpk_frames_push(fwpk_frames *f, const fwpk_manifest *m,
                          fwpk_sha512_ctx *hash, const uint8_t *in,
                          uint32_t len, uint32_t *used,
                          const uint8_t **payload, uint32_t *plen,
                          enum fwpk_frame_event *event);

/* After FWPK_FRAME_END: moves on to the next frame (or the next target's
 * first).  Returns FWPK_FRAME_ALL after the last one, else FWPK_FRAME_MORE. */
enum fwpk_frame_event fwpk_frames_next(fwpk_frames *f,
                                       const fwpk_manifest *m);

/* Nonzero if the frame that just ended is its target's last. */
int fwpk_frames_last(const fwpk_frames *f, const fwpk_manifest *m);

#endif
