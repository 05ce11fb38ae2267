/*
 * log.h - the bootloader's output: printf-like, through semihosting (the
 * UART is the Notecard's), with no newlib stdio (its buffers and heap
 * would not fit 8 KiB of RAM).  Conversions: %s %c %d %u %x with the
 * optional l and a zero-padded width (%08lx); %% .
 */
#ifndef LOG_H
#define LOG_H

void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
