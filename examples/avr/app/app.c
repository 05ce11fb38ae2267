/*
 * app.c - the sample application the AVR bootloader installs.  Built
 * twice from this source (-DAPP_VERSION="1.0.0" and "2.0.0"), linked for
 * the active slot (-Wl,--section-start=.text=APP_ORIGIN), started by the
 * bootloader's jump.  It uses no interrupts (on the ATmega1284P its
 * vector table is not the one the CPU uses: that stays at 0, the
 * bootloader's).  The ATmega328P example (../agent) links it at 0, where
 * its vector table is the CPU's.
 *
 * It does a little of what a sensor node would: filters a table of
 * readings, formats them with avr-libc's printf (floating point included,
 * so the image carries a realistic amount of library code), checks its
 * own image with a CRC-32, and stops (sleep with interrupts off, which
 * ends simavr).
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#ifndef APP_VERSION
#define APP_VERSION "0.0.0"
#endif
#ifndef APP_ORIGIN
#define APP_ORIGIN 0x8000u
#endif

extern const uint8_t __data_load_end[]; /* end of the image in flash */

static int uart_put(char c, FILE *f)
{
    (void)f;
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = (uint8_t)c;
    return 0;
}
static FILE uart = FDEV_SETUP_STREAM(uart_put, NULL, _FDEV_SETUP_WRITE);

static uint32_t crc32_flash(uint16_t from, uint16_t to)
{
    uint32_t c = 0xFFFFFFFFul;
    for (uint16_t a = from; a != to; a++) {
        c ^= pgm_read_byte(a);
        for (uint8_t k = 0; k < 8; k++)
            c = c >> 1 ^ (0xEDB88320ul & -(c & 1));
    }
    return ~c;
}

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

static const int16_t raw[] PROGMEM = {2113, 2120, 2131, 2098, 2145, 2210, 2189,
                                      2154, 2143, 2101, 2087, 2099, 2120, 2133};
#define N (sizeof raw / sizeof raw[0])

int main(void)
{
    UBRR0 = 16; /* 115200 baud with U2X at 16 MHz */
    UCSR0A = 1 << U2X0;
    UCSR0C = 3 << UCSZ00;
    UCSR0B = 1 << TXEN0;
    stdout = &uart;

    uint16_t end = (uint16_t)__data_load_end;
    printf_P(PSTR("app v%s running, image %u bytes at 0x%04x, crc32 %08lx\n"),
             APP_VERSION, end - APP_ORIGIN, APP_ORIGIN,
             (unsigned long)crc32_flash(APP_ORIGIN, end));

    float c[N];
    float sum = 0, sq = 0;
    for (uint8_t i = 0; i < N; i++) {
        c[i] = (int16_t)pgm_read_word(&raw[i]) / 100.0f;
        sum += c[i];
        sq += c[i] * c[i];
    }
    float mean = sum / N, sd = sqrtf(sq / N - mean * mean);
    qsort(c, N, sizeof c[0], cmp_float);
    printf_P(PSTR("app: %.2f C mean, %.3f sd, median %.2f C, range %.2f..%.2f\n"),
             (double)mean, (double)sd, (double)((c[N / 2 - 1] + c[N / 2]) / 2),
             (double)c[0], (double)c[N - 1]);

    while (!(UCSR0A & (1 << UDRE0)))
        ;
    cli();
    sleep_enable();
    sleep_cpu(); /* simavr stops: sleeping with interrupts off */
    for (;;)
        ;
}
