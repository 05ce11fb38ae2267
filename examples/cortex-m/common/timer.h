/*
 * timer.h - instruction counting with the CMSDK timer0 under QEMU.
 *
 * QEMU's mps2-an385 clocks timer0 from the 25 MHz system clock.  With
 * "-icount shift=0" QEMU advances virtual time by exactly 1 ns per guest
 * instruction, so the timer ticks once every 40 instructions (40 ns at
 * 25 MHz).  Measured with a loop of known length (make -C examples/cortex-m
 * calib): 2 000 000 two-instruction iterations give 100 000 ticks.  The
 * count is deterministic from run to run; its resolution is 40
 * instructions.  Without -icount the timer follows the host clock and the
 * numbers mean nothing.
 *
 *   timer0_start();          // free-running from 0xFFFFFFFF
 *   uint32_t t0 = timer0_ticks();
 *   work();
 *   uint64_t insns = timer0_insns(timer0_ticks() - t0);
 *
 * The counter wraps after 2^32 ticks (about 171 * 10^9 instructions).
 */
#ifndef TIMER_H
#define TIMER_H

#include <stdint.h>

#define TIMER0_INSNS_PER_TICK 40u

void timer0_start(void);
uint32_t timer0_ticks(void); /* ticks since timer0_start(), wrapping */

static inline uint64_t timer0_insns(uint32_t ticks)
{
    return (uint64_t)ticks * TIMER0_INSNS_PER_TICK;
}

#endif
