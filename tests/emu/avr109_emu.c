/*
 * avr109_emu.c - an AVR109 self-programming bootloader on a pseudo-
 * terminal, written from Atmel's application note (AVR109: Self
 * Programming, its command table): the target `avrdude -c avr109` and
 * `fwpack flash --protocol avr109` are checked against.
 *
 *   avr109_emu [-m atmega328p|atmega32u4] [options]
 *
 *   -m MCU       the chip: its signature (atmega328p 1e950f, atmega32u4
 *                1e9587); 32 KiB of flash in 128-byte pages, all of it
 *                the application's (the bootloader is the emulator)
 * and the options of emu_target.h (--id: the signature; --nack: '?' to
 * the N-th flash block load; --dump: saved at 'L', 'E' and exit) and of
 * the line (emu_line.h).
 *
 * As in the note: 'A' takes a word address (high byte first), flash
 * blocks ('B' ... 'F') fill the page buffer and write the page without
 * erasing it (programming ANDs: only 'e', the chip erase, erases), 's'
 * sends the signature's last byte first, ESC is ignored and an unknown
 * command is answered '?'.  With --baud, a page erase or write takes the
 * ATmega328P's 4.5 ms.  Each host opening the port starts a new session
 * (a reset); after 'E' (exit to the application) nothing is answered
 * until the next.  Log: open, close, erase, write ADDR LEN, read ADDR
 * LEN, exit, and the faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_target.h"

#define FLASH_SIZE 32768u
#define PAGE 128u
#define EEPROM_SIZE 1024u
#define PAGE_MS 4.5e-3   /* ATmega328P: page erase, page write */
#define DONE '\r'

static emu_target tg;
static uint32_t sig = 0x1e950f;
static unsigned long blocks;

static struct {
    uint32_t addr;  /* word address for flash, byte for EEPROM */
    uint8_t page[PAGE];
    int gone;       /* exited to the application */
} s;

static uint8_t eeprom[EEPROM_SIZE];

static void reply(uint8_t c)
{
    emu_line_putc(&tg.line, c);
}

static int next(void)
{
    return emu_target_next(&tg);
}

static void page_clear(void)
{
    memset(s.page, 0xff, sizeof s.page);
}

static void page_write(uint32_t byte_addr)
{
    uint32_t at = byte_addr / PAGE * PAGE;
    emu_line_busy(&tg.line, PAGE_MS);
    emu_flash_program(&tg.flash, at, s.page, PAGE);
    emu_log(&tg.line, "write 0x%04x %u", (unsigned)at, PAGE);
    page_clear();
}

/* 'B': size (big-endian), memory type, data. */
static void block_load(void)
{
    int hi = next(), lo = next(), mem = next();
    if (hi < 0 || lo < 0 || mem < 0)
        return;
    uint32_t n = (uint32_t)(hi << 8 | lo), start = s.addr * 2u;
    uint8_t data[PAGE * 4];
    if (n > sizeof data)
        n = sizeof data;
    for (uint32_t i = 0; i < n; i++) {
        int c = next();
        if (c < 0)
            return;
        data[i] = (uint8_t)c;
    }
    if (mem == 'E') {
        for (uint32_t i = 0; i < n; i++)
            eeprom[(s.addr++) % EEPROM_SIZE] = data[i];
        reply(DONE);
        return;
    }
    if (mem != 'F' || !emu_flash_inside(&tg.flash, start, n)) {
        reply('?');
        return;
    }
    if (++blocks == tg.nack_at) {
        emu_log(&tg.line, "fault nack block %lu", blocks);
        reply('?');
        return;
    }
    /* the page buffer's index wraps within a page, as the hardware's */
    for (uint32_t i = 0; i < n; i++)
        s.page[(start + i) % PAGE] = data[i];
    page_write(start);
    s.addr += n / 2u;
    reply(DONE);
}

/* 'g': size, memory type; the data. */
static void block_read(void)
{
    int hi = next(), lo = next(), mem = next();
    if (hi < 0 || lo < 0 || mem < 0)
        return;
    uint32_t n = (uint32_t)(hi << 8 | lo), start = s.addr * 2u;
    if (mem == 'E') {
        for (uint32_t i = 0; i < n; i++)
            reply(eeprom[(s.addr++) % EEPROM_SIZE]);
        return;
    }
    if (mem != 'F' || !emu_flash_inside(&tg.flash, start, n)) {
        reply('?');
        return;
    }
    emu_log(&tg.line, "read 0x%04x %u", (unsigned)start, (unsigned)n);
    emu_line_send(&tg.line, emu_flash_at(&tg.flash, start), n);
    s.addr += n / 2u;
}

static void chip_erase(void)
{
    emu_line_busy(&tg.line, PAGE_MS * (FLASH_SIZE / PAGE));
    emu_flash_erase_all(&tg.flash);
    emu_log(&tg.line, "erase");
    reply(DONE);
}

static void save(void)
{
    if (emu_flash_save(&tg.flash) != 0)
        emu_log(&tg.line, "cannot save the flash");
}

/* Commands with an argument byte or two. */
static void with_args(int c)
{
    int a, b;
    switch (c) {
    case 'A':
        a = next();
        b = next();
        if (a < 0 || b < 0)
            return;
        s.addr = (uint32_t)(a << 8 | b);
        reply(DONE);
        return;
    case 'c': /* low byte of a word into the page buffer */
    case 'C': /* high byte; then the next word */
        if ((a = next()) < 0)
            return;
        s.page[(s.addr * 2u + (c == 'C')) % PAGE] = (uint8_t)a;
        s.addr += c == 'C';
        reply(DONE);
        return;
    case 'D': /* EEPROM byte */
        if ((a = next()) < 0)
            return;
        eeprom[(s.addr++) % EEPROM_SIZE] = (uint8_t)a;
        reply(DONE);
        return;
    case 'T': /* select device type */
    case 'l': /* write lock bits */
        if (next() >= 0)
            reply(DONE);
        return;
    }
}

static void command(int c)
{
    const uint8_t *w;
    switch (c) {
    case 0x1b: return; /* ESC: ignored */
    case 'a': reply('Y'); return;
    case 'b':
        reply('Y');
        reply(PAGE >> 8);
        reply(PAGE & 0xff);
        return;
    case 'B': block_load(); return;
    case 'g': block_read(); return;
    case 'e': chip_erase(); return;
    case 'm': page_write(s.addr * 2u); reply(DONE); return;
    case 'R': /* program memory word: high byte first */
        w = emu_flash_at(&tg.flash, (s.addr * 2u) % FLASH_SIZE);
        reply(w[1]);
        reply(w[0]);
        s.addr++;
        return;
    case 'd': reply(eeprom[(s.addr++) % EEPROM_SIZE]); return;
    case 'P': reply(DONE); return;
    case 'L': save(); reply(DONE); return;
    case 'E':
        save();
        reply(DONE);
        emu_log(&tg.line, "exit");
        s.gone = 1;
        return;
    case 'p': reply('S'); return;
    case 'S': emu_line_send(&tg.line, "AVRBOOT", 7); return;
    case 'V': emu_line_send(&tg.line, "10", 2); return;
    case 's':
        reply((uint8_t)sig);
        reply((uint8_t)(sig >> 8));
        reply((uint8_t)(sig >> 16));
        return;
    case 't': /* supported device codes, 0-terminated */
        reply(0x74);
        reply(0);
        return;
    case 'x': case 'y': reply(DONE); return; /* LED */
    case 'r': reply(0xff); return;           /* lock bits */
    case 'F': case 'N': case 'Q': reply(0xff); return; /* fuses */
    case 'A': case 'c': case 'C': case 'D': case 'T': case 'l':
        with_args(c);
        return;
    }
    reply('?');
}

static int usage(void)
{
    fprintf(stderr, "usage: avr109_emu [-m atmega328p|atmega32u4] "
                    "[options]\n%s%s",
            emu_target_usage, emu_line_usage);
    return 1;
}

static void session(void)
{
    memset(&s, 0, sizeof s);
    page_clear();
}

int main(int argc, char **argv)
{
    if (emu_target_args(&tg, argc, argv, NULL) != 0)
        return usage();
    if (tg.model && !strcmp(tg.model, "atmega32u4"))
        sig = 0x1e9587;
    else if (tg.model && strcmp(tg.model, "atmega328p") != 0)
        return usage();
    if (tg.id)
        sig = (uint32_t)strtoul(tg.id, NULL, 16);
    if (emu_target_open(&tg, 0, FLASH_SIZE, PAGE) != 0)
        return 1;
    session();
    return emu_target_serve(&tg, session, command, &s.gone);
}
