/*
 * state.h - the example bootloaders' state area: what must survive a power
 * cut.
 *
 * Two blocks of the flash (outside both slots; each one or more erase
 * blocks) hold a log of fixed-size records, appended one after the other
 * into erased space:
 *
 *   block 0: [rec seq 1][rec seq 2] ... [rec seq 13]
 *   block 1: [rec seq 14][rec seq 15][erased ...]        <- next append
 *
 * Each record carries a sequence number and its own check bytes (the
 * first 8 bytes of SHA-512 over the record); the valid record with the
 * highest sequence number is the state.  A record torn by a power cut
 * fails its check and is skipped, so the previous one stays in force.
 * When the block holding the newest record is full, the other block is
 * erased and the log continues there: the block with the newest record is
 * never erased, so at every instant one valid record (or none, on a new
 * device) describes the state.  NOR flash needs no erase per record.
 *
 * Kinds of record:
 *   IDLE    no record refers to the staging slot: anything may write it
 *   RESUME  an update is being written to the staging slot; the verifier's
 *           resume record (fwpk_resume) says where to continue.  Only the
 *           run that continues it may write the staging slot.
 *   COPY    the staging slot holds a verified image (fwpk_finish said OK):
 *           copy its erase blocks to the active slot, check the copy by
 *           the image digest, then IDLE.  Nothing writes the staging slot.
 * Every record also carries the anti-rollback minimum: the lowest
 * security counter the bootloader accepts from now on.
 *
 * All flash access goes through the fwpk_flash callbacks (erase, write,
 * read), so the same code runs on the QEMU board, on the AVR and on the
 * host (tests/test_bootcut.c).
 */
#ifndef STATE_H
#define STATE_H

#include <stddef.h>
#include <stdint.h>

#include "fwpk_verify.h"

#define STATE_MAGIC 0x53425746u /* "FWBS" */
/* Segments a COPY record holds: an image with more is not installed. */
#define STATE_COPY_SEGMENTS 8
#define STATE_VERSION_LEN 24

enum { STATE_IDLE = 1, STATE_RESUME = 2, STATE_COPY = 3 };

typedef struct {
    uint32_t count;                        /* segments */
    fwpk_segment seg[STATE_COPY_SEGMENTS]; /* staging addresses, sorted */
    uint8_t digest[FWPK_HASH_LEN];         /* the signed image digest */
    char version[STATE_VERSION_LEN];       /* for the log only; may be cut
                                              short */
} state_copy;

typedef struct {
    uint32_t magic;
    uint32_t seq;         /* 1, 2, ...: the highest valid one wins */
    uint32_t kind;        /* STATE_IDLE, STATE_RESUME, STATE_COPY */
    uint32_t min_counter; /* anti-rollback: lowest security counter */
    union {
        fwpk_resume resume;
        state_copy copy;
    } u;
    uint8_t check[8]; /* SHA-512 of the fields above, first 8 bytes */
} state_record;

typedef struct {
    const fwpk_flash *io; /* erase, write, read, user */
    uint32_t base;        /* two blocks from here */
    uint32_t block;       /* block size: whole erase blocks */
    uint32_t erase_block; /* the flash's, for erasing a block */
    uint32_t stride;      /* bytes per record slot: whole write units */
    uint32_t slots;       /* record slots per block */
    int have;             /* a valid record exists */
    state_record last;    /* the newest valid record */
    uint32_t cur_block;   /* 0 or 1: the block the next record goes into, */
    uint32_t next_slot;   /* from this slot on (if erased) */
    uint32_t appended;    /* records written since state_open */
    uint32_t erases;      /* block erases since state_open */
} state_area;

/* Finds the newest valid record (reads only).  FWPK_ERR_ARG if a record
 * does not fit a block; FWPK_ERR_FLASH if a read failed. */
fwpk_err state_open(state_area *s, const fwpk_flash *io, uint32_t base,
                    uint32_t block, uint32_t erase_block,
                    uint32_t write_unit);

/* Appends a record of 'kind' with 'len' bytes of payload (the union);
 * on success it is s->last.  FWPK_ERR_FLASH if the flash failed (a power
 * cut: the previous record is still the state). */
fwpk_err state_append(state_area *s, uint32_t kind, uint32_t min_counter,
                      const void *payload, size_t len);

#endif
