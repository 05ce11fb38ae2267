/*
 * avr_clock.h - what the AVR benchmarks (bench_avr.c, bench_lzma_avr.c)
 * share under simavr: the UART that simavr prints, "R NAME VALUE" reports
 * and FAIL lines, Timer1 extended to a 48-bit cycle counter and its
 * calibration, stack painting.  See bench_avr.c for how each works.
 * Static functions: one includer per program.
 */
#ifndef AVR_CLOCK_H
#define AVR_CLOCK_H

#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <util/delay_basic.h>

/* ---- UART: simavr prints what is sent ---- */

static int uart_put(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = (uint8_t)c;
    return 0;
}
static FILE uart = FDEV_SETUP_STREAM(uart_put, NULL, _FDEV_SETUP_WRITE);

static uint8_t failed;

/* Names and messages stay in flash (PSTR): RAM is what is measured. */
#define report(name, v) report_P(PSTR(name), v)
#define fail(what) fail_P(PSTR(what))

/* avr-libc has no %llu; and no 64-bit division here, so that libgcc's
 * share of the program is the verifier's: subtract powers of ten. */
static const uint64_t pow10[20] PROGMEM = {
    1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL, 1000000ULL,
    10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL,
    100000000000ULL, 1000000000000ULL, 10000000000000ULL,
    100000000000000ULL, 1000000000000000ULL, 10000000000000000ULL,
    100000000000000000ULL, 1000000000000000000ULL, 10000000000000000000ULL};

static void report_P(const char *name, uint64_t v)
{
    char buf[21], *p = buf;
    for (int8_t i = 19; i >= 0; i--) {
        uint64_t pow;
        memcpy_P(&pow, &pow10[i], sizeof pow);
        char d = '0';
        while (v >= pow) {
            v -= pow;
            d++;
        }
        if (d != '0' || p != buf || i == 0)
            *p++ = d;
    }
    *p = 0;
    printf_P(PSTR("R %S %s\n"), name, buf);
}

static void fail_P(const char *what)
{
    printf_P(PSTR("FAIL %S\n"), what);
    failed = 1;
}

/* ---- the cycle counter ---- */

static volatile uint32_t t1_high; /* overflows of Timer1 */

ISR(TIMER1_OVF_vect)
{
    t1_high++;
}

static void clk_start(void)
{
    TCCR1A = 0;
    TCCR1B = 0;
    TCNT1 = 0;
    TIFR1 = 1 << TOV1;
    TIMSK1 = 1 << TOIE1;
    TCCR1B = 1 << CS10; /* clk/1 */
    sei();
}

static uint64_t cycles(void)
{
    uint8_t sreg = SREG;
    cli();
    uint16_t lo = TCNT1;
    uint32_t hi = t1_high;
    if ((TIFR1 & (1 << TOV1)) && lo < 0x8000)
        hi++; /* overflowed, interrupt not yet taken */
    SREG = sreg;
    return (uint64_t)hi << 16 | lo;
}

static void calibrate(void)
{
    uint64_t t0 = cycles();
    _delay_loop_2(1);
    uint64_t base = cycles() - t0;
    t0 = cycles();
    _delay_loop_2(50000);
    uint64_t t = cycles() - t0 - base;
    /* 4 * 50000 - 1 cycles minus 4 * 1 - 1, plus 3 overflow interrupts */
    report("calib_loop_cycles", 4 * 49999UL);
    report("calib_loop_ticks", t);
    if (t < 4 * 49999UL || t > 4 * 49999UL + 4 * 49999UL / 500)
        fail("calibration: Timer1 does not count cycles as assumed");
}

/* ---- stack painting ---- */

#define PAINT 0xA5
#define PAINT_GAP 16

extern uint8_t __heap_start; /* end of .bss (avr-libc's linker script) */
static uint8_t *paint_lo;
static uint16_t paint_top;

/* A leaf: paints from the end of .bss up to a little below its frame. */
__attribute__((noinline)) static void paint(void)
{
    volatile uint8_t *p = paint_lo;
    uint16_t stop = SP - PAINT_GAP;
    while ((uint16_t)p < stop)
        *p++ = PAINT;
}

#define STACK_BEGIN()                                                        \
    do {                                                                     \
        paint_top = SP;                                                      \
        paint_lo = &__heap_start;                                            \
        paint();                                                             \
    } while (0)

/* Reports NAME_stack (bytes below the caller's stack pointer) and
 * NAME_depth (bytes above it: the harness's frames, up to RAMEND). */
#define stack_report(stack, depth) stack_report_P(PSTR(stack), PSTR(depth))
static void stack_report_P(const char *stack, const char *depth)
{
    const uint8_t *p = paint_lo;
    while ((uint16_t)p < paint_top && *p == PAINT)
        p++;
    report_P(stack, (uint16_t)(paint_top - (uint16_t)p));
    report_P(depth, (uint16_t)(RAMEND - paint_top));
    if (p == paint_lo)
        fail("stack: reached the end of .bss (overflow)");
}

/* ---- a program's start and end ---- */

static void bench_start(void)
{
    UCSR0B = 1 << TXEN0;
    stdout = &uart;
}

static void bench_ram_and_calibrate(void)
{
    report("ram_static", (uint16_t)&__heap_start - RAMSTART);
    report("ram_size", RAMEND + 1 - RAMSTART);
    clk_start();
    calibrate();
}

/* Reports "failed", then sleeps with interrupts off: simavr stops. */
__attribute__((noreturn)) static void bench_end(void)
{
    report("failed", failed);
    cli();
    sleep_cpu();
    for (;;)
        ;
}

#endif
