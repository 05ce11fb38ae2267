/*
 * startup.c - vector table and reset handler for the Cortex-M0 programs of
 * this example (bootloader and application), on QEMU's micro:bit.
 *
 * Reset_Handler copies .data, zeroes .bss, runs the constructors, opens
 * newlib's semihosting streams when the program links them (the
 * application; the bootloader has no stdio), calls main() and then halts:
 * it prints "halt: N" (main's value) through semihosting and waits for
 * interrupts forever.  The run scripts take that line as the end of a run
 * and save the flash through QEMU's monitor before they stop QEMU: a
 * semihosting exit would end QEMU, and the flash with it.
 *
 * The Cortex-M0 has no VTOR: the vector table is the one at address 0,
 * the bootloader's, for the application too.  Faults print one line and
 * halt with 99.  Symbols from ../../cortex-m/common/sections.ld.
 */
#include <stdint.h>

#include "halt.h"

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);
extern int main(void);
/* Defined only where newlib's rdimon is linked (the application). */
extern void initialise_monitor_handles(void) __attribute__((weak));

void Reset_Handler(void) __attribute__((noreturn));

void Reset_Handler(void)
{
    uint32_t *src = __data_load, *dst = __data_start;
    while (dst < __data_end)
        *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end;)
        *dst++ = 0;
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++)
        (*f)();
    if (initialise_monitor_handles)
        initialise_monitor_handles();
    halt(main());
}

static void fault(void) { halt_msg("*** hard fault", 99); }
static void unexpected(void) { halt_msg("*** unexpected exception", 99); }

/* 16 system vectors + 32 nRF51 interrupts, none of them used. */
typedef void (*vector)(void);
__attribute__((section(".isr_vector"), used)) const vector vector_table[48] = {
    (vector)(uintptr_t)__stack_top,
    Reset_Handler,
    unexpected, /* NMI */
    fault,      /* HardFault: every fault on an M0 */
    [4 ... 47] = unexpected,
};
