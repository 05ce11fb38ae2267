/*
 * uart.h - the polled UART0 both AVR examples talk to their host over
 * (boot/boot.c, agent/agent.c): 8N1 with U2X, output from flash strings
 * and numbers without RAM tables, input a byte at a time, and the dfu.get
 * round trip they fetch a container with.  No interrupts:
 * the host sends only what was asked for (the dfu.get loop), so the
 * receiver's 2-byte buffer never overflows.
 */
#ifndef AVR_UART_H
#define AVR_UART_H

#include <avr/io.h>
#include <avr/pgmspace.h>
#include <stdint.h>

static inline void uart_init(uint16_t ubrr)
{
    UBRR0 = ubrr;
    UCSR0A = 1 << U2X0;
    UCSR0C = 3 << UCSZ00; /* 8N1 */
    UCSR0B = (1 << RXEN0) | (1 << TXEN0);
}

static inline void out_c(char c)
{
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = (uint8_t)c;
}

static inline void out_P(const char *s) /* a string in flash */
{
    char c;
    while ((c = (char)pgm_read_byte(s++)) != 0)
        out_c(c);
}
#define OUT(s) out_P(PSTR(s))

static inline void out_u(uint32_t v) /* decimal */
{
    char b[10];
    uint8_t n = 0;
    do
        b[n++] = (char)('0' + v % 10);
    while (v /= 10);
    while (n)
        out_c(b[--n]);
}

static inline uint8_t in_c(void)
{
    while (!(UCSR0A & (1 << RXC0)))
        ;
    return UDR0;
}

/* One dfu.get round trip, as both examples' hosts answer it:
 *   AVR -> host   "dfu.get offset=N length=L\n"
 *   host -> AVR   2 bytes little-endian count C <= L, then C bytes
 * Returns C (0: the container ended, or no update offered), or 0xFFFF
 * for a reply longer than asked (a broken host). */
static inline uint16_t dfu_get(uint32_t offset, uint8_t *buf, uint16_t len)
{
    OUT("dfu.get offset=");
    out_u(offset);
    OUT(" length=");
    out_u(len);
    out_c('\n');
    uint16_t n = in_c();
    n |= (uint16_t)in_c() << 8;
    if (n > len)
        return 0xFFFF;
    for (uint16_t i = 0; i < n; i++)
        buf[i] = in_c();
    return n;
}

/* Waits until the last byte has left the transmit buffer. */
static inline void uart_drain(void)
{
    while (!(UCSR0A & (1 << UDRE0)))
        ;
}

#endif
