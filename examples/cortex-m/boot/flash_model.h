/*
 * flash_model.h - NOR flash semantics enforced in software over plain RAM.
 *
 * The QEMU board has no flash controller we could program, so the
 * bootloader's "flash" is a region of SSRAM1 that it only ever changes
 * through these calls, which behave like an STM32L4's flash:
 *
 *   - erase works on whole erase blocks (aligned address and length) and
 *     sets every byte to 0xFF;
 *   - a write must start on a write-unit boundary and cover whole write
 *     units, and every unit it touches must be fully erased (0xFF) before;
 *     programming can only clear bits, and the model refuses a write to a
 *     unit that was written since its last erase (STM32 PROGERR);
 *   - reads are plain memory reads.
 *
 * Violations are reported (fm->error) and returned as FWPK_ERR_FLASH, so a
 * verifier bug that writes twice or forgets an erase shows up in the demo.
 *
 * Power cuts (the demo's power-cut scenario): with cut_at = K > 0, the K-th
 * erase or write (counting every call, from 1) loses power half way: an
 * erase leaves the first half of the block erased and the rest as it was,
 * a write programs the first half of its bytes (which may end inside a
 * write unit: a half-programmed unit), and that call and every later one
 * (reads included) fail with FWPK_ERR_FLASH.  The region's bytes survive:
 * the bootloader then starts again, as after a power cycle, and finds in
 * the flash whatever had been written.
 */
#ifndef FLASH_MODEL_H
#define FLASH_MODEL_H

#include <stdint.h>

#include "fwpk_verify.h"

typedef struct {
    uint32_t base, size;          /* the region the model owns */
    uint32_t erase_block, write_unit;
    uint32_t erases, writes;      /* calls that succeeded */
    uint32_t erased_bytes, written_bytes;
    uint32_t ops;                 /* erase and write calls so far */
    uint32_t cut_at;              /* 0, or the call that loses power */
    uint8_t cut;                  /* power has been lost */
    char error[120];              /* first violation, "" if none */
} flash_model;

void fm_init(flash_model *fm, uint32_t base, uint32_t size,
             uint32_t erase_block, uint32_t write_unit);

/* fwpk_flash callbacks; 'user' is the flash_model. */
fwpk_err fm_erase(void *user, uint32_t addr, uint32_t len);
fwpk_err fm_write(void *user, uint32_t addr, const uint8_t *data,
                  uint32_t len);
fwpk_err fm_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len);

#endif
