/*
 * bench_clock.h - what the Cortex-M benchmarks (bench_verify.c,
 * bench_lzma.c) share: the instruction clock of the board (-DBENCH_MPS2 or
 * -DBENCH_MICROBIT), its calibration, "R NAME VALUE" reports and stack
 * painting.  See bench_verify.c for how each works.  Static functions: one
 * includer per program.
 */
#ifndef BENCH_CLOCK_H
#define BENCH_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define REG32(a) (*(volatile uint32_t *)(a))

/* ---- the instruction clock ---- */

#if defined(BENCH_MPS2)
#include "timer.h"
#define BOARD "mps2-an385"
#define INSNS_NUM 40u /* instructions per tick = NUM / DEN */
#define INSNS_DEN 1u
static void clk_start(void) { timer0_start(); }
static uint32_t clk_ticks(void) { return timer0_ticks(); }
#elif defined(BENCH_MICROBIT)
#define BOARD "microbit"
#define NRF_TIMER0 0x40008000u
#define INSNS_NUM 125u /* 1000 instructions per 16 ticks: 62.5 */
#define INSNS_DEN 2u
static void clk_start(void)
{
    REG32(NRF_TIMER0 + 0x004) = 1; /* TASKS_STOP */
    REG32(NRF_TIMER0 + 0x504) = 0; /* MODE: timer */
    REG32(NRF_TIMER0 + 0x508) = 3; /* BITMODE: 32 bit */
    REG32(NRF_TIMER0 + 0x510) = 0; /* PRESCALER: 16 MHz */
    REG32(NRF_TIMER0 + 0x00C) = 1; /* TASKS_CLEAR */
    REG32(NRF_TIMER0 + 0x000) = 1; /* TASKS_START */
}
static uint32_t clk_ticks(void)
{
    REG32(NRF_TIMER0 + 0x040) = 1; /* TASKS_CAPTURE[0] */
    return REG32(NRF_TIMER0 + 0x540); /* CC[0] */
}
#else
#error "define BENCH_MPS2 or BENCH_MICROBIT"
#endif

static uint64_t insns(uint32_t ticks)
{
    return (uint64_t)ticks * INSNS_NUM / INSNS_DEN;
}

static int failed;

static void report(const char *name, uint64_t v)
{
    /* newlib-nano's printf has no %llu */
    char buf[21], *p = buf + sizeof buf - 1;
    *p = 0;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    printf("R %s %s\n", name, p);
}

static void fail(const char *what)
{
    printf("FAIL %s\n", what);
    failed = 1;
}

/* ---- stack painting ---- */

#define PAINT 0xA5A5A5A5u
#define PAINT_MAX (64u * 1024u)
#define PAINT_GAP 64u /* left unpainted right below the painter's frame */

extern void *_sbrk(ptrdiff_t incr);
static uint32_t *paint_lo;
static uintptr_t paint_top;

static inline uintptr_t get_sp(void)
{
    uintptr_t sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* A leaf: paints from paint_lo up to a little below its own frame. */
__attribute__((noinline)) static void paint(void)
{
    volatile uint32_t *p = paint_lo;
    uintptr_t stop = (get_sp() - PAINT_GAP) & ~(uintptr_t)3;
    while ((uintptr_t)p < stop)
        *p++ = PAINT;
}

/* Call right before the measured code, from the function that calls it. */
#define STACK_BEGIN()                                                        \
    do {                                                                     \
        uintptr_t heap = ((uintptr_t)_sbrk(0) + 64u) & ~(uintptr_t)3;       \
        paint_top = get_sp();                                                \
        paint_lo = (uint32_t *)(paint_top - PAINT_MAX > heap               \
                                    ? paint_top - PAINT_MAX                  \
                                    : heap);                                 \
        paint();                                                             \
    } while (0)

/* Bytes of stack used below paint_top since STACK_BEGIN. */
static uint32_t stack_used(void)
{
    const uint32_t *p = paint_lo;
    while ((uintptr_t)p < paint_top && *p == PAINT)
        p++;
    if (p == paint_lo)
        fail("stack: the painted region was used up (raise PAINT_MAX)");
    return (uint32_t)(paint_top - (uintptr_t)p);
}

/* ---- calibration ---- */

__attribute__((noinline)) static uint32_t loop_ticks(uint32_t n)
{
    uint32_t t0 = clk_ticks();
    __asm__ volatile(".syntax unified\n1:\tsubs %0, %0, #1\n\tbne 1b"
                     : "+r"(n)
                     :
                     : "cc");
    return clk_ticks() - t0;
}

static void calibrate(void)
{
    uint32_t base = loop_ticks(1);
    uint32_t t = loop_ticks(1000000u) - base;
    report("calib_loop_insns", 2000000u);
    report("calib_loop_ticks", t);
    report("calib_insns_per_tick_x1000", 1000u * INSNS_NUM / INSNS_DEN);
    /* 2 000 000 instructions must read as such, within one tick. */
    uint64_t got = insns(t);
    if (got + INSNS_NUM < 2000000u || got > 2000000u + INSNS_NUM)
        fail("calibration: the timer does not count instructions as assumed");
}

#endif
