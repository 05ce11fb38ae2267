/*
 * stackpaint.h - the RAM high-water mark of both AVR examples: the free
 * RAM between the end of .bss and the stack is painted, and the deepest
 * stack use is where the paint stops.  Paint again to measure a later
 * phase on its own.
 */
#ifndef AVR_STACKPAINT_H
#define AVR_STACKPAINT_H

#include <avr/io.h>
#include <stdint.h>

#define PAINT 0xA5
extern uint8_t __heap_start; /* end of .bss */
extern uint8_t __stack;      /* the top of the stack: RAMEND, or the linker's */

/* Paints up to 16 bytes below the caller's stack pointer. */
__attribute__((noinline, unused)) static void paint(void)
{
    volatile uint8_t *p = &__heap_start;
    uint16_t stop = SP - 16;
    while ((uint16_t)p < stop)
        *p++ = PAINT;
}

/* Bytes of stack used at the deepest since the last paint(). */
static inline uint16_t stack_used(void)
{
    const uint8_t *p = &__heap_start;
    while ((uint16_t)p < SP && *p == PAINT)
        p++;
    return (uint16_t)((uint16_t)&__stack + 1 - (uint16_t)p);
}

/* Not one painted byte left above .bss: the stack ran into it. */
static inline uint8_t stack_overflowed(void)
{
    return __heap_start != PAINT;
}

#endif
