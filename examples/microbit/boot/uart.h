/*
 * uart.h - UART0 polled, 9600 8-N-1: the bootloader's line to the
 * Notecard.  Counts the bytes each way (the summary's "bytes over the
 * wire": what a real 9600-baud line would carry, base64 and JSON
 * included).
 */
#ifndef UART_H
#define UART_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t tx, rx; /* bytes sent, received */
} uart_stats;

extern uart_stats uart_count;

void uart_init(void);
void uart_putc(uint8_t c);
void uart_write(const uint8_t *buf, size_t len);
/* The next received byte, or -1 when none arrives within timeout_ms. */
int uart_getc(uint32_t timeout_ms);
/* Up to 'max' bytes: waits up to timeout_ms for the first, then takes
 * what has arrived without waiting.  The count (0: timeout). */
size_t uart_read(uint8_t *buf, size_t max, uint32_t timeout_ms);

#endif
