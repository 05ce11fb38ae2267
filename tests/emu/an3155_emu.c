/*
 * an3155_emu.c - the STM32 system-memory bootloader's USART protocol on a
 * pseudo-terminal, written from ST's AN3155 (USART protocol used in the
 * STM32 bootloader): the target `stm32flash` and `fwpack flash --protocol
 * stm32` are checked against.
 *
 *   an3155_emu [-m stm32g030k8|stm32l432kc] [--legacy-erase] [options]
 *
 *   -m MCU           the chip: product id and flash (stm32g030k8: 0x466,
 *                    64 KiB; stm32l432kc: 0x435, 256 KiB; 2 KiB pages
 *                    from 0x08000000)
 *   --legacy-erase   list Erase (0x43) instead of Extended Erase (0x44)
 * and the options of emu_target.h (--id: the product id; --nack: NACK the
 * N-th Write Memory, after its data; --dump: saved after each write or
 * erase, and at exit) and of the line (emu_line.h); bytes are 11 bits on
 * the wire (8E1).
 *
 * As in AN3155: 0x7F first (ACK; the bootloader takes its baud rate from
 * it), then each command as its code and the code's complement, ACK (0x79)
 * or NACK (0x1F) at each step; addresses and lengths with XOR checksums.
 * Get lists bootloader version 3.1 and its commands, Get ID the product id
 * (2 bytes), Read Memory and Write Memory take up to 256 bytes, Write
 * Memory a multiple of 4 and only onto erased flash (as on the G0 and L4,
 * which program double words once: otherwise NACK), (Extended) Erase takes
 * page numbers or a mass erase, Go jumps: nothing is answered after it
 * until the next session.  With --baud, a page erase takes 22 ms and a
 * 256-byte write 3 ms (RM0444).  Each host opening the port starts a new
 * session (reset with BOOT0 high).  Log: open, close, erase PAGES, write
 * ADDR LEN, read ADDR LEN, go ADDR, and the faults.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_target.h"

#define ACK 0x79u
#define NACK 0x1fu
#define FLASH_BASE 0x08000000u
#define PAGE 2048u
#define VERSION 0x31u
#define PAGE_ERASE_S 22e-3
#define WRITE_S 3e-3

static emu_target tg;
static uint16_t pid = 0x466;
static unsigned long writes;
static int legacy_erase;

static struct {
    int synced;  /* 0x7F seen */
    int gone;    /* jumped to the application */
} s;

static void reply(uint8_t c)
{
    emu_line_putc(&tg.line, c);
}

static int next(void)
{
    return emu_target_next(&tg);
}

/* n bytes and their checksum (XOR of all, seeded with 'seed'): 0 good. */
static int take(uint8_t *buf, size_t n, uint8_t seed)
{
    uint8_t x = seed;
    for (size_t i = 0; i < n; i++) {
        int c = next();
        if (c < 0)
            return -1;
        buf[i] = (uint8_t)c;
        x ^= buf[i];
    }
    int c = next();
    if (c < 0)
        return -1;
    return c == x ? 0 : 1;
}

/* An address with its checksum, ACKed when good and in flash. */
static int address(uint32_t *addr, uint32_t len)
{
    uint8_t a[4];
    int r = take(a, 4, 0);
    if (r < 0)
        return -1;
    *addr = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 |
            a[3];
    if (r != 0 || !emu_flash_inside(&tg.flash, *addr, len ? len : 1)) {
        reply(NACK);
        return -1;
    }
    reply(ACK);
    return 0;
}

static void cmd_get(void)
{
    static const uint8_t cmds[] = {0x00, 0x01, 0x02, 0x11, 0x21, 0x31,
                                   0x44, 0x63, 0x73, 0x82, 0x92};
    uint8_t list[sizeof cmds];
    memcpy(list, cmds, sizeof cmds);
    if (legacy_erase)
        list[6] = 0x43;
    reply(ACK);
    reply(sizeof list); /* N: the version and N codes follow */
    reply(VERSION);
    emu_line_send(&tg.line, list, sizeof list);
    reply(ACK);
}

static void cmd_read(void)
{
    uint32_t addr;
    reply(ACK);
    if (address(&addr, 1) != 0)
        return;
    int n = next(), check = next();
    if (n < 0 || check < 0)
        return;
    if ((n ^ check) != 0xff || !emu_flash_inside(&tg.flash, addr, (uint32_t)n + 1)) {
        reply(NACK);
        return;
    }
    reply(ACK);
    emu_log(&tg.line, "read 0x%08x %d", (unsigned)addr, n + 1);
    emu_line_send(&tg.line, emu_flash_at(&tg.flash, addr), (size_t)n + 1);
}

static void cmd_write(void)
{
    uint32_t addr;
    uint8_t data[256];
    reply(ACK);
    if (address(&addr, 1) != 0)
        return;
    int n = next();
    if (n < 0)
        return;
    uint32_t len = (uint32_t)n + 1;
    int r = take(data, len, (uint8_t)n);
    if (r < 0)
        return;
    writes++;
    if (r != 0 || len % 4 || !emu_flash_inside(&tg.flash, addr, len) ||
        !emu_flash_blank(&tg.flash, addr, len)) {
        emu_log(&tg.line, "write 0x%08x %u refused", (unsigned)addr,
                (unsigned)len);
        reply(NACK);
        return;
    }
    if (writes == tg.nack_at) {
        emu_log(&tg.line, "fault nack write %lu", writes);
        reply(NACK);
        return;
    }
    emu_line_busy(&tg.line, WRITE_S);
    emu_flash_program(&tg.flash, addr, data, len);
    emu_flash_save(&tg.flash);
    emu_log(&tg.line, "write 0x%08x %u", (unsigned)addr, (unsigned)len);
    reply(ACK);
}

static void erase_pages(const uint16_t *pages, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        emu_flash_erase_page(&tg.flash, FLASH_BASE + pages[i] * PAGE);
    emu_line_busy(&tg.line, PAGE_ERASE_S * n);
    emu_flash_save(&tg.flash);
    emu_log(&tg.line, "erase %u pages from %u", (unsigned)n,
            n ? (unsigned)pages[0] : 0u);
}

static void mass_erase(void)
{
    emu_flash_erase_all(&tg.flash);
    emu_line_busy(&tg.line, PAGE_ERASE_S * (tg.flash.size / PAGE));
    emu_flash_save(&tg.flash);
    emu_log(&tg.line, "erase all");
}

/* 0x44: N (2 bytes) + pages (2 bytes each) + checksum, or 0xFFFF mass. */
static void cmd_ext_erase(void)
{
    uint8_t b[2 + 2 * 1024];
    uint16_t pages[1024];
    reply(ACK);
    int h = next(), l = next();
    if (h < 0 || l < 0)
        return;
    uint32_t n = (uint32_t)(h << 8 | l);
    if (n >= 0xfff0) { /* special: mass, bank 1, bank 2 */
        int c = next();
        if (c < 0)
            return;
        if (c != (h ^ l) || n != 0xffff) {
            reply(NACK);
            return;
        }
        mass_erase();
        reply(ACK);
        return;
    }
    n += 1;
    if (n > 1024) {
        reply(NACK);
        return;
    }
    int r = take(b, 2 * n, (uint8_t)(h ^ l));
    if (r < 0)
        return;
    for (uint32_t i = 0; i < n; i++) {
        pages[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
        if ((uint32_t)pages[i] * PAGE >= tg.flash.size)
            r = 1;
    }
    if (r != 0) {
        reply(NACK);
        return;
    }
    erase_pages(pages, n);
    reply(ACK);
}

/* 0x43: N (1 byte) + pages (1 byte each) + checksum, or 0xFF 0x00. */
static void cmd_erase(void)
{
    uint8_t b[256];
    uint16_t pages[256];
    reply(ACK);
    int n = next();
    if (n < 0)
        return;
    if (n == 0xff) {
        int c = next();
        if (c < 0)
            return;
        if (c != 0x00) {
            reply(NACK);
            return;
        }
        mass_erase();
        reply(ACK);
        return;
    }
    int r = take(b, (size_t)n + 1, (uint8_t)n);
    if (r < 0)
        return;
    for (int i = 0; i <= n; i++) {
        pages[i] = b[i];
        if ((uint32_t)pages[i] * PAGE >= tg.flash.size)
            r = 1;
    }
    if (r != 0) {
        reply(NACK);
        return;
    }
    erase_pages(pages, (uint32_t)n + 1);
    reply(ACK);
}

static void cmd_go(void)
{
    uint32_t addr;
    reply(ACK);
    if (address(&addr, 0) != 0)
        return;
    emu_flash_save(&tg.flash);
    emu_log(&tg.line, "go 0x%08x", (unsigned)addr);
    s.gone = 1;
}

static void command(int c)
{
    int check;
    if (!s.synced) {
        /* the baud rate is measured on 0x7F; anything else is noise */
        if (c == 0x7f) {
            s.synced = 1;
            reply(ACK);
        }
        return;
    }
    if ((check = next()) < 0)
        return;
    if ((c ^ check) != 0xff) {
        reply(NACK);
        return;
    }
    switch (c) {
    case 0x00: cmd_get(); return;
    case 0x01: /* Get Version and Read Protection Status */
        reply(ACK);
        reply(VERSION);
        reply(0);
        reply(0);
        reply(ACK);
        return;
    case 0x02:
        reply(ACK);
        reply(1); /* N: two bytes follow */
        reply((uint8_t)(pid >> 8));
        reply((uint8_t)pid);
        reply(ACK);
        return;
    case 0x11: cmd_read(); return;
    case 0x21: cmd_go(); return;
    case 0x31: cmd_write(); return;
    case 0x43:
        if (legacy_erase) {
            cmd_erase();
            return;
        }
        break;
    case 0x44:
        if (!legacy_erase) {
            cmd_ext_erase();
            return;
        }
        break;
    }
    reply(NACK); /* protection commands and the rest: not here */
}

static int usage(void)
{
    fprintf(stderr, "usage: an3155_emu [-m stm32g030k8|stm32l432kc] "
                    "[--legacy-erase] [options]\n%s%s",
            emu_target_usage, emu_line_usage);
    return 1;
}

static void session(void)
{
    memset(&s, 0, sizeof s);
}

int main(int argc, char **argv)
{
    uint32_t size = 64 * 1024;
    if (emu_target_args(&tg, argc, argv, "--legacy-erase") != 0)
        return usage();
    tg.line.bits = 11; /* 8E1 */
    legacy_erase = tg.flag;
    if (tg.model && !strcmp(tg.model, "stm32l432kc")) {
        pid = 0x435;
        size = 256 * 1024;
    } else if (tg.model && strcmp(tg.model, "stm32g030k8") != 0) {
        return usage();
    }
    if (tg.id)
        pid = (uint16_t)strtoul(tg.id, NULL, 16);
    if (emu_target_open(&tg, FLASH_BASE, size, PAGE) != 0)
        return 1;
    return emu_target_serve(&tg, session, command, &s.gone);
}
