/*
 * mps2.h - the parts of the QEMU mps2-an385 board (Cortex-M3) that the
 * examples use: memory map, System Control Block, CMSDK timer0.
 *
 *   SSRAM1   0x00000000  4 MiB  code ("flash" in these examples)
 *   SSRAM2/3 0x20000000  4 MiB  data
 *   timer0   0x40000000         CMSDK APB timer, 32-bit down counter
 *
 * Reusable by any bare-metal program built with common/common.mk.
 */
#ifndef MPS2_H
#define MPS2_H

#include <stdint.h>

#define MPS2_CODE_BASE 0x00000000u
#define MPS2_CODE_SIZE 0x00400000u
#define MPS2_RAM_BASE 0x20000000u
#define MPS2_RAM_SIZE 0x00400000u

#define REG32(a) (*(volatile uint32_t *)(a))

/* System Control Block: vector table offset register. */
#define SCB_VTOR REG32(0xE000ED08u)

/* CMSDK APB timer 0. */
#define TIMER0_BASE 0x40000000u
#define TIMER0_CTRL REG32(TIMER0_BASE + 0x0)   /* bit 0: enable */
#define TIMER0_VALUE REG32(TIMER0_BASE + 0x4)  /* counts down */
#define TIMER0_RELOAD REG32(TIMER0_BASE + 0x8) /* loaded at zero */

#endif
