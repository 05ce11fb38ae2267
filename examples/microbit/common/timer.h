/*
 * timer.h - TIMER0 as a free-running 32-bit clock at 16 MHz: the
 * bootloader's timeouts, and its instruction counts under QEMU -icount
 * shift=0 (1 ns of virtual time per instruction, so a tick is 62.5
 * instructions; nrf51.h).
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

#define TIMER_TICKS_PER_MS 16000u /* TIMER0 at 16 MHz, prescaler 0 */

void timer_start(void);
uint32_t timer_ticks(void); /* since timer_start(), wrapping */
uint32_t timer_ms(void);    /* milliseconds since timer_start(), wrapping at 2^32 */
void timer_delay_ms(uint32_t ms);

/* Instructions under -icount shift=0: ticks * 62.5. */
static inline uint64_t timer_insns(uint64_t ticks) { return ticks * 125u / 2u; }

#endif
