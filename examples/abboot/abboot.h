/*
 * abboot.h - the A/B update logic that both example bootloaders
 * (examples/cortex-m: QEMU, examples/avr: simavr) run, and that
 * tests/test_bootcut.c drives on the host through every single and double
 * power cut.  The platform part (how the container arrives, how flash is
 * programmed, what is printed, how the application is started) stays in
 * each example's boot.c.
 *
 *   flash:  ACTIVE   the application runs from here
 *           STAGING  the verifier writes the new image here
 *           STATE    two blocks of records (state.h)
 *
 * One boot (abboot_run):
 *  1. Read the state area: idle, update in progress (a resume record) or
 *     copy pending.
 *  2. Copy pending: make the active slot hold the image the COPY record
 *     names, checked by its digest (promote.c), then record IDLE.  If that
 *     fails, nothing else happens at this boot: no update may begin while
 *     a copy is pending, since it would write the staging slot the copy
 *     reads.
 *  3. A container offered: feed it to the verifier, resuming from the
 *     RESUME record when there is one.  Every Nth resume record the
 *     verifier offers is appended (layout.checkpoint_every).  If the
 *     record is not for this container (FWPK_ERR_RESUME), it is retired
 *     first (IDLE appended, power-safely), and only then does fwpk_begin
 *     start over: from the moment another container writes the staging
 *     slot, no record may still describe it.
 *  4. fwpk_finish() said FWPK_OK: check the staging slot by the signed
 *     image digest, append COPY (the commit point, which also raises the
 *     anti-rollback minimum to the container's security counter, and
 *     keeps the digest), copy staging -> active, check the active slot by
 *     the digest, append IDLE.
 *  5. Refused: the RESUME record in force stays only while it still
 *     describes the staging slot and can be used: this container's after
 *     a transient failure (a broken download, a flash error), another
 *     container's if this run wrote nothing.  Otherwise it is retired.
 * Then the platform starts the active slot, unless abboot_active_ok()
 * says a copy is still pending.
 *
 * Power cuts: every flash operation may be the last one.  The flash
 * callbacks return an error from then on; abboot_run() returns, and the
 * next boot finds the state area as the last complete record left it.
 */
#ifndef ABBOOT_H
#define ABBOOT_H

#include <stdint.h>

#include "fwpk_verify.h"
#include "state.h"

typedef struct {
    uint32_t active, staging, slot_size; /* the two slots, same size */
    uint32_t erase_block, write_unit;    /* the flash's geometry */
    uint32_t state, state_block;         /* two blocks of state_block bytes
                                            (whole erase blocks) */
    uint32_t checkpoint_every;           /* persist every Nth resume
                                            record (0 or 1: every one) */
} abboot_layout;

/* What happened; the platform prints it (fields of abboot below). */
typedef enum {
    ABBOOT_STATE,        /* state area read: st, min_counter */
    ABBOOT_COPY_PENDING, /* completing a copy: copy */
    ABBOOT_COPIED,       /* the pending copy is done: copy, min_counter */
    ABBOOT_COPY_FAILED,  /* the copy did not complete: err */
    ABBOOT_BUSY,         /* the offer is ignored: a copy is pending */
    ABBOOT_UPDATE,       /* verifying begins: resuming, from */
    ABBOOT_RESUMED,      /* the record was accepted: from, skipped */
    ABBOOT_START_OVER,   /* the record was retired; fwpk_begin follows */
    ABBOOT_VERIFIED,     /* fwpk_finish said FWPK_OK: ctx->manifest,
                            version */
    ABBOOT_INSTALLED,    /* committed, copied, checked: copy, min_counter */
    ABBOOT_REFUSED,      /* the container was refused: err, bytes */
    ABBOOT_KEPT,         /* ... transiently: st.last (RESUME) kept */
    ABBOOT_ABANDONED     /* ... finally: the record was retired */
} abboot_event;

typedef enum {
    ABBOOT_END_NOTHING,   /* no copy pending, nothing offered */
    ABBOOT_END_INSTALLED, /* installed, or a pending copy completed */
    ABBOOT_END_REFUSED,   /* the container was refused; active untouched */
    ABBOOT_END_FAILED     /* a flash operation or the copy failed: err */
} abboot_result;

typedef struct abboot abboot;

typedef struct {
    /* Erase, write and read over the slots and the state area (the
     * checkpoint member is not used; 'mapped', if set, is passed on to the
     * verifier).  After a power cut every call must fail. */
    fwpk_flash flash;
    /* The container, dfu.get style: up to len bytes from offset into buf;
     * the count, 0 at its end, -1 for a transport error. */
    int32_t (*get)(void *user, uint32_t offset, uint8_t *buf, uint32_t len);
    /* Optional: told each event as it happens. */
    void (*event)(void *user, const abboot *b, abboot_event ev);
    void *user;
    /* Or, when set, instead of get: the platform feeds the container to
     * b->ctx (begun or resumed) itself, as a Notecard client that decodes
     * each reply straight into fwpk_feed() does, calling abboot_fed()
     * after each fwpk_feed(), and returns fwpk_finish()'s verdict (or the
     * first fwpk_feed() error), FWPK_ERR_TRUNCATED for a broken download,
     * or FWPK_ERR_RESUME when the source now holds another container:
     * then the record is retired and the update starts over once. */
    fwpk_err (*fetch)(void *user, abboot *b);
} abboot_io;

struct abboot {
    /* set by the platform */
    const abboot_layout *layout;
    const abboot_io *io;
    fwpk_ctx *ctx;
    uint8_t *piece; /* container read buffer */
    uint32_t piece_size;
    fwpk_policy policy; /* keys, target, mcu, signatures; the window and
                           the minimum are set here */
    /* what abboot_run found and did */
    state_area st;
    uint32_t min_counter; /* anti-rollback minimum in force */
    fwpk_err err;         /* why it was refused or failed */
    uint32_t bytes;       /* container bytes read */
    uint32_t pos;         /* container offset to read on from */
    int resuming;         /* this run continues a RESUME record */
    int accepted;         /* ... which the verifier accepted */
    int recorded;         /* a record was appended by this run */
    int wrote;            /* this run erased or wrote the staging slot */
    uint32_t offered;     /* resume records offered by the verifier */
    uint32_t skipped;     /* container bytes not read again */
    fwpk_resume from;     /* the record resumed from */
    char version[STATE_VERSION_LEN]; /* the container's version, for the
                                        log (policy.version), cut short */
    state_copy copy;      /* the image being copied */
    uint8_t buf[FWPK_WRITE_UNIT_MAX]; /* copy and digest scratch */
};

/* Zeroes b and sets what every boot needs; the platform then fills in
 * b->policy's keys, target, MCU and signatures. */
void abboot_init(abboot *b, const abboot_layout *layout, const abboot_io *io,
                 fwpk_ctx *ctx, uint8_t *piece, uint32_t piece_size);

/* One boot: steps 1-5 above; 'offered' says whether io->get has a
 * container.  Does not start the application. */
abboot_result abboot_run(abboot *b, int offered);

/* During io->fetch: 'n' more container bytes went to fwpk_feed(), which
 * said 'err'.  Counts them and, in a resumed run, notes when the record
 * was accepted.  Returns the offset to read on from (b->pos), which is
 * fwpk_resume_skip()'s. */
uint32_t abboot_fed(abboot *b, uint32_t n, fwpk_err err);

/* After abboot_run: nonzero when the active slot holds the image the
 * state area says it does.  Zero while a copy is pending (it failed at
 * this boot, e.g. a flash error): the active slot may be half copied,
 * whatever its vector table looks like, so do not start it; reset and
 * let the next boot complete the copy. */
int abboot_active_ok(const abboot *b);

/* promote.c: FWPK_OK when the slot at 'base' holds the image 'c' names
 * (its segments, moved from the staging slot to 'base', hash to the
 * digest); FWPK_ERR_DIGEST when not, FWPK_ERR_FLASH when a read failed. */
fwpk_err abboot_slot_holds(abboot *b, uint32_t base, const state_copy *c);
/* Copies the erase blocks of image 'c' from the staging slot to the active
 * slot and checks the result by the digest.  'again': a copy that was
 * interrupted, so the active slot may already hold the image (nothing to
 * do) and the staging slot is checked before anything is erased. */
fwpk_err abboot_promote(abboot *b, const state_copy *c, int again);

#endif
