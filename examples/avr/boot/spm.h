/*
 * spm.h - the self-programming routines of the AVR bootloader example.
 *
 * They live in the boot section (NRWW flash, section .bootspm, placed by
 * the Makefile at the start of the smallest boot section), because the
 * SPM instruction only works from there.  Everything else of the
 * bootloader (the verifier included, ~20 KB) runs in the application
 * (RWW) section: it is far larger than any AVR boot section (4 KB on the
 * ATmega328P, 8 KB on the ATmega1284P).  Each call returns with the
 * operation finished and the RWW section readable again.
 *
 * Addresses are byte addresses in flash, page-aligned (SPM_PAGESIZE: 128
 * on the ATmega328P, 256 on the ATmega1284P).  Interrupts are off during
 * each call (an interrupt vector in the busy RWW section cannot run).
 */
#ifndef SPM_H
#define SPM_H

#include <stdint.h>

/* Erases one page. */
void spm_erase(uint32_t page);
/* Programs one erased page with SPM_PAGESIZE bytes from RAM. */
void spm_write(uint32_t page, const uint8_t *data);

#endif
