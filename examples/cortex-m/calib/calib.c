/*
 * calib.c - measures how timer0 ticks relate to executed instructions
 * under qemu -icount shift=0.  The loop body is exactly two instructions
 * (subs, bne), so N iterations execute 2N instructions plus a constant.
 */
#include <stdint.h>
#include <stdio.h>

#include "timer.h"

static uint32_t run(uint32_t n)
{
    uint32_t t0 = timer0_ticks();
    __asm__ volatile("1: subs %0, %0, #1\n\tbne 1b" : "+r"(n) : : "cc");
    return timer0_ticks() - t0;
}

int main(void)
{
    timer0_start();
    static const uint32_t ns[] = {1000, 10000, 100000, 1000000, 2000000};
    uint32_t base = run(1);
    for (unsigned i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        uint32_t t = run(ns[i]) - base;
        printf("calib: %lu iterations = %lu instructions -> %lu ticks "
               "(%lu.%02lu instructions per tick)\n",
               (unsigned long)ns[i], (unsigned long)(2 * ns[i]),
               (unsigned long)t,
               (unsigned long)(t ? 2 * ns[i] / t : 0),
               (unsigned long)(t ? (200ull * ns[i] / t) % 100 : 0));
    }
    return 0;
}
