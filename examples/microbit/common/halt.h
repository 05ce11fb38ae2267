/*
 * halt.h - the end of a run on the emulated micro:bit, and the bootloader's
 * one-line output, both through semihosting (the UART is the Notecard's).
 */
#ifndef HALT_H
#define HALT_H

#include <stdint.h>

/* Writes a NUL-terminated string to QEMU's semihosting console. */
void sh_write0(const char *s);
/* Prints "halt: CODE" and stops: the run script saves the flash and ends
 * QEMU when it sees that line. */
void halt(int code) __attribute__((noreturn));
/* The same, after the line 'msg'. */
void halt_msg(const char *msg, int code) __attribute__((noreturn));

#endif
