/*
 * semihost.h - the few semihosting calls newlib's librdimon does not
 * expose the way the examples need them.  Everything else (printf, fopen,
 * fread) goes through newlib linked with --specs=rdimon.specs; startup.c
 * calls initialise_monitor_handles() before main().
 *
 * Run under QEMU with -semihosting (or -semihosting-config enable=on).
 */
#ifndef SEMIHOST_H
#define SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Raw semihosting call: BKPT 0xAB with r0 = op, r1 = arg. */
uint32_t sh_call(uint32_t op, void *arg);

/* The command line QEMU passes: "-kernel FILE -append ARGS" gives
 * "FILE ARGS".  Returns 0, or -1 if there is none or it does not fit. */
int sh_cmdline(char *buf, size_t size);

/* Ends the simulation; QEMU exits with 'code' (SYS_EXIT_EXTENDED). */
void sh_exit(int code) __attribute__((noreturn));

#endif
