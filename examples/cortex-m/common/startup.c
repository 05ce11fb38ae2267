/*
 * startup.c - vector table and reset handler for a Cortex-M3 program that
 * uses newlib with semihosting (--specs=rdimon.specs, linked with
 * -nostartfiles so that this file, not rdimon-crt0, is the entry point).
 *
 * Reset_Handler: copies .data from its load address, zeroes .bss, runs the
 * C/C++ constructors, opens the semihosting standard streams, calls
 * main(argc, argv) with the semihosting command line split on spaces, and
 * ends the simulation with main's return value.
 *
 * Symbols from common/sections.ld: __stack_top, __data_load, __data_start,
 * __data_end, __bss_start, __bss_end.  Faults print one line and exit
 * with code 99 so that a crash never looks like a hang.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "semihost.h"

extern uint32_t __stack_top[];
extern uint32_t __data_load[], __data_start[], __data_end[];
extern uint32_t __bss_start[], __bss_end[];
extern void (*__preinit_array_start[])(void);
extern void (*__preinit_array_end[])(void);
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

extern void initialise_monitor_handles(void);
extern int main(int argc, char **argv);

void Reset_Handler(void) __attribute__((noreturn));
void Default_Handler(void);

#define STARTUP_ARGV_MAX 12
static char cmdline[512];
static char *argv_buf[STARTUP_ARGV_MAX + 1];

static int split_cmdline(void)
{
    int argc = 0;
    if (sh_cmdline(cmdline, sizeof cmdline) != 0)
        return 0;
    for (char *p = cmdline; *p && argc < STARTUP_ARGV_MAX;) {
        while (*p == ' ')
            *p++ = 0;
        if (!*p)
            break;
        argv_buf[argc++] = p;
        while (*p && *p != ' ')
            p++;
    }
    argv_buf[argc] = NULL;
    return argc;
}

void Reset_Handler(void)
{
    uint32_t *src = __data_load, *dst = __data_start;
    while (dst < __data_end)
        *dst++ = *src++;
    for (dst = __bss_start; dst < __bss_end;)
        *dst++ = 0;
    for (void (**f)(void) = __preinit_array_start; f < __preinit_array_end; f++)
        (*f)();
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++)
        (*f)();
    initialise_monitor_handles();
    int argc = split_cmdline();
    int rc = main(argc, argv_buf);
    fflush(stdout);
    sh_exit(rc);
}

static void fault(const char *what)
{
    /* The semihosting handles are open once main() runs. */
    uint32_t ipsr;
    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    fprintf(stderr, "\n*** %s (exception %lu)\n", what, (unsigned long)ipsr);
    sh_exit(99);
}

void Default_Handler(void) { fault("unexpected exception"); }
void HardFault_Handler(void) { fault("hard fault"); }
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("HardFault_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

/* 16 system vectors + 32 device interrupts (all to Default_Handler). */
typedef void (*vector)(void);
__attribute__((section(".isr_vector"), used)) const vector vector_table[48] = {
    (vector)(uintptr_t)__stack_top,
    Reset_Handler,
    NMI_Handler,
    HardFault_Handler,
    MemManage_Handler,
    BusFault_Handler,
    UsageFault_Handler,
    0, 0, 0, 0,
    SVC_Handler,
    DebugMon_Handler,
    0,
    PendSV_Handler,
    SysTick_Handler,
    [16 ... 47] = Default_Handler,
};
