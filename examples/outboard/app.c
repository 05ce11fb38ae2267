/*
 * app.c - the co-processor's application in the outboard example: an
 * ATmega328P program that fwpack flash installs through Optiboot.  Built
 * with -DAPP_VERSION="x.y.z".
 *
 * It prints its version and the CRC-32 of its own image in flash (what
 * the tests compare with the image packed), on the UART at the rate
 * Optiboot uses (UBRR 16 with U2X: 115200 baud at 16 MHz), and stops:
 * sleep with interrupts off, which ends a simavr run.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdint.h>

#ifndef APP_VERSION
#define APP_VERSION "0.0.0"
#endif

extern const uint8_t __data_load_end[]; /* end of the image in flash */

static void put(char c)
{
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = (uint8_t)c;
}

static void put_str(const char *s)
{
    char c;
    while ((c = (char)pgm_read_byte(s++)) != 0)
        put(c);
}

static void put_hex(uint32_t v, uint8_t digits)
{
    while (digits-- > 0)
        put("0123456789abcdef"[(v >> (4 * digits)) & 15]);
}

static void put_dec(uint16_t v)
{
    char buf[6];
    uint8_t n = 0;
    do
        buf[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        put(buf[--n]);
}

static uint32_t crc32_flash(uint16_t end)
{
    uint32_t c = 0xFFFFFFFFul;
    for (uint16_t a = 0; a != end; a++) {
        c ^= pgm_read_byte(a);
        for (uint8_t k = 0; k < 8; k++)
            c = c >> 1 ^ (0xEDB88320ul & -(c & 1));
    }
    return ~c;
}

int main(void)
{
    uint16_t end = (uint16_t)__data_load_end;
    UBRR0 = 16;
    UCSR0A = 1 << U2X0;
    UCSR0C = 3 << UCSZ00;
    UCSR0B = 1 << TXEN0;
    put_str(PSTR("app v" APP_VERSION " running, image "));
    put_dec(end);
    put_str(PSTR(" bytes, crc32 "));
    put_hex(crc32_flash(end), 8);
    put('\n');
    while (!(UCSR0A & (1 << TXC0)))
        ;
    cli();
    sleep_enable();
    sleep_cpu(); /* simavr stops: sleeping with interrupts off */
    for (;;)
        ;
}
