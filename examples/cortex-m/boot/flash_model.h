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
