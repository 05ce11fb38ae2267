/*
 * inflate_avr.c - the device's inflate on an AVR core, for
 * tests/test_inflate_avr.c: a 16-bit int, where arithmetic that a host
 * build cannot get wrong can overflow.  Built by the test with avr-gcc
 * for the ATmega1284P (16 KB of RAM: an 8 KiB window) and run in simavr.
 *
 * stream.h (written by the test) holds a raw deflate stream in program
 * memory.  It is pushed through the resumable decoder (inflate.h) in
 * 61-byte pieces into a RAM window of 2^FWPK_WINDOW_BITS, and the output
 * is summed up as a CRC-32.  Prints "R len N", "R crc X", "R err E" on
 * the UART, then stops the simulation (interrupts off, sleep).
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdio.h>
#include <string.h>

#include "inflate.h"
#include "stream.h"

#define PIECE 61 /* cuts codes and blocks anywhere */

static int uart_put(char c, FILE *f)
{
    (void)f;
    loop_until_bit_is_set(UCSR0A, UDRE0);
    UDR0 = (uint8_t)c;
    return 0;
}

static FILE uart = FDEV_SETUP_STREAM(uart_put, NULL, _FDEV_SETUP_WRITE);

static uint8_t ring[1u << FWPK_WINDOW_BITS];
static fwpk_inflate dec;
static uint32_t crc = 0xffffffffu, out;

static void crc_bytes(const uint8_t *p, uint32_t n)
{
    out += n;
    while (n-- > 0) {
        crc ^= *p++;
        for (uint8_t k = 0; k < 8; k++)
            crc = crc >> 1 ^ (0xedb88320u & (0u - (crc & 1u)));
    }
}

int main(void)
{
    static uint8_t piece[PIECE];
    fwpk_window w;
    fwpk_err err = FWPK_OK;
    uint16_t off = 0;
    UCSR0B = 1 << TXEN0;
    stdout = &uart;
    fwpk_inflate_init(&dec);
    fwpk_window_init(&w, ring, sizeof ring, sizeof ring, 0, NULL, NULL);
    while (err == FWPK_OK && off < STREAM_LEN) {
        uint16_t n = STREAM_LEN - off < PIECE ? STREAM_LEN - off : PIECE;
        const uint8_t *p = piece;
        memcpy_P(piece, stream + off, n);
        off += n;
        for (;;) { /* inflate.h: feed, drain, again while full */
            uint32_t used, k;
            const uint8_t *d;
            int full;
            err = fwpk_inflate_push(&dec, &w, p, n, &used);
            p += used;
            n -= (uint16_t)used;
            full = fwpk_window_room(&w) == 0;
            while ((k = fwpk_window_pending(&w, &d)) > 0) {
                crc_bytes(d, k);
                fwpk_window_drain(&w, k);
            }
            if (err != FWPK_OK || (n == 0 && !full))
                break;
        }
    }
    if (err == FWPK_OK && !fwpk_inflate_done(&dec))
        err = FWPK_ERR_INFLATE;
    printf_P(PSTR("R len %lu\nR crc %08lx\nR err %d\n"), (unsigned long)out,
             (unsigned long)~crc, (int)err);
    cli();
    sleep_cpu();
    for (;;)
        ;
}
