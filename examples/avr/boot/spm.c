/*
 * spm.c - page erase / write through SPM, from the boot section (see
 * spm.h).  Self-contained: no calls out of .bootspm (the Makefile checks
 * the disassembly), since the code that calls them is in the RWW section,
 * which cannot be read while a page of it is being erased or written.
 */
#include <avr/boot.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <stdint.h>

#include "spm.h"

#define BOOTSPM __attribute__((section(".bootspm"), noinline, used))

#if FLASHEND > 0xFFFF
#define FLASH_WORD(a) pgm_read_word_far(a)
#else
#define FLASH_WORD(a) pgm_read_word((uint16_t)(a))
#endif

/* Waits for the page operation, makes the RWW section readable again. */
#define SPM_DONE()                                                           \
    do {                                                                     \
        boot_spm_busy_wait();                                                \
        boot_rww_enable();                                                   \
    } while (0)

BOOTSPM void spm_erase(uint32_t page)
{
    uint8_t sreg = SREG;
    __asm__ volatile("cli" ::: "memory");
    boot_spm_busy_wait();
    boot_page_erase(page);
    SPM_DONE();
#ifdef RAMPZ
    RAMPZ = 0;
#endif
    SREG = sreg;
}

BOOTSPM void spm_write(uint32_t page, const uint8_t *data)
{
    uint8_t sreg = SREG;
    __asm__ volatile("cli" ::: "memory");
    boot_spm_busy_wait();
    for (uint16_t i = 0; i < SPM_PAGESIZE; i += 2) {
        uint16_t w = data[i] | (uint16_t)data[i + 1] << 8;
        boot_page_fill(page + i, w);
    }
    boot_page_write(page);
    SPM_DONE();
#ifdef RAMPZ
    RAMPZ = 0;
#endif
    SREG = sreg;
}
