/*
 * emu_flash.h - the flash of the protocol emulators (tests/emu): NOR
 * semantics, so that a programmer that forgets to erase is caught as a
 * real chip would catch it.  Erased bytes read 0xFF; programming can only
 * clear bits (new = old AND data); erases work on whole pages.  Saved to
 * a file ("the flash dump") for the tests to compare.
 */
#ifndef EMU_FLASH_H
#define EMU_FLASH_H

#include <stdint.h>

typedef struct {
    uint8_t *mem;
    uint32_t base, size, page;
    const char *dump;        /* where emu_flash_save writes; NULL: nowhere */
    unsigned long programs;  /* program operations so far */
    unsigned long corrupt_at;/* fault: the N-th program stores one bit
                                wrong (from 1; 0 none) */
} emu_flash;

/* All erased; 'load' (may be NULL) is a raw image placed at base. */
int emu_flash_init(emu_flash *f, uint32_t base, uint32_t size, uint32_t page,
                   const char *load);
void emu_flash_free(emu_flash *f);
/* 1 when [addr, addr + len) is inside the flash. */
int emu_flash_inside(const emu_flash *f, uint32_t addr, uint32_t len);
/* The page holding addr, erased. */
void emu_flash_erase_page(emu_flash *f, uint32_t addr);
void emu_flash_erase_all(emu_flash *f);
/* 1 when every byte of the range is erased. */
int emu_flash_blank(const emu_flash *f, uint32_t addr, uint32_t len);
/* ANDs data into the flash (the range must be inside). */
void emu_flash_program(emu_flash *f, uint32_t addr, const uint8_t *data,
                       uint32_t len);
const uint8_t *emu_flash_at(const emu_flash *f, uint32_t addr);
/* Writes the whole flash to f->dump: 0, or -1 with a message. */
int emu_flash_save(const emu_flash *f);

#endif
