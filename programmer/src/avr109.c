/*
 * avr109.c - Atmel AVR109 self-programming (the application note's
 * command set, as Butterfly, Caterina and Xboot answer it): single-letter
 * commands, '\r' for done, '?' for unknown.
 *
 * Block mode only ('b' must say 'Y'), one page per block: the note's
 * block load fills the page buffer and writes it without erasing, so
 * the flash must have been erased by 'e' (chip erase) first; there is no
 * finer erase.  Flash addresses are in 16-bit words (128 KiB at most).
 */
#include "link.h"

#define DONE '\r'
#define YES 'Y'
#define ESC 0x1bu
#define MEM_FLASH 'F'
#define ID_LEN 7
#define ESC_SETTLE_MS 20u

#define WORD_ADDR_MAX 0xffffu
/* Chip erase: AVR109's only erase, every application page in turn
 * (ATmega328P datasheet: 4.5 ms per page erase), on top of the usual
 * answer time. */
#define PAGE_ERASE_MS 5u

static fwpk_prog_err expect(fwpk_prog *p, uint8_t want, uint32_t timeout_ms)
{
    uint8_t b;
    fwpk_prog_err err = fwpk_link_recv(p, &b, 1, timeout_ms);
    if (err != FWPK_PROG_OK)
        return err;
    if (b == want)
        return FWPK_PROG_OK;
    return b == '?' ? FWPK_PROG_ERR_NACK : FWPK_PROG_ERR_PROTOCOL;
}

/* A one-letter command and its one-byte answer. */
static fwpk_prog_err letter(fwpk_prog *p, uint8_t cmd, uint8_t want)
{
    fwpk_prog_err err = fwpk_link_send(p, &cmd, 1);
    return err == FWPK_PROG_OK ? expect(p, want, 0) : err;
}

/* ESC first: ends a command a previous session left half sent (the note
 * ignores it, others answer '?': dropped).  Then the identifier, block
 * mode with auto-increment, and programming mode. */
static fwpk_prog_err a109_open(fwpk_prog *p)
{
    uint8_t b = ESC, id[ID_LEN], size[2];
    fwpk_prog_err err;
    err = fwpk_link_send(p, &b, 1);
    fwpk_link_delay(p, ESC_SETTLE_MS);
    fwpk_link_discard(p);
    b = 'S';
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, &b, 1);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_recv(p, id, ID_LEN, 0);
    if (err == FWPK_PROG_ERR_TIMEOUT)
        return FWPK_PROG_ERR_NO_SYNC;
    if (err == FWPK_PROG_OK)
        err = letter(p, 'a', YES);
    if (err == FWPK_PROG_ERR_NACK || err == FWPK_PROG_ERR_PROTOCOL)
        return FWPK_PROG_ERR_UNSUPPORTED; /* no auto-increment */
    b = 'b';
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, &b, 1);
    if (err == FWPK_PROG_OK)
        err = expect(p, YES, 0);
    if (err == FWPK_PROG_ERR_NACK || err == FWPK_PROG_ERR_PROTOCOL)
        return FWPK_PROG_ERR_UNSUPPORTED; /* no block mode */
    if (err == FWPK_PROG_OK)
        err = fwpk_link_recv(p, size, 2, 0);
    if (err != FWPK_PROG_OK)
        return err;
    /* blocks of one page: the chip's, known once the container is read */
    if (p->chip && ((uint32_t)size[0] << 8 | size[1]) < p->chip->page)
        return FWPK_PROG_ERR_UNSUPPORTED;
    return letter(p, 'P', DONE);
}

/* The note sends the signature's last byte first. */
static fwpk_prog_err a109_identify(fwpk_prog *p, uint32_t *id)
{
    uint8_t b = 's', sig[3];
    fwpk_prog_err err = fwpk_link_send(p, &b, 1);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_recv(p, sig, 3, 0);
    if (err == FWPK_PROG_OK)
        *id = (uint32_t)sig[2] << 16 | (uint32_t)sig[1] << 8 | sig[0];
    return err;
}

static fwpk_prog_err a109_erase(fwpk_prog *p, uint32_t addr, uint32_t len)
{
    uint8_t b = 'e';
    uint32_t pages = p->chip ? p->chip->flash_size / p->chip->page : 1024u;
    fwpk_prog_err err;
    if (addr != 0 || len != 0)
        return FWPK_PROG_ERR_ARG; /* the chip erase only */
    err = fwpk_link_send(p, &b, 1);
    if (err != FWPK_PROG_OK)
        return err;
    return expect(p, DONE, p->timeout_ms + pages * PAGE_ERASE_MS);
}

static fwpk_prog_err set_address(fwpk_prog *p, uint32_t addr)
{
    uint8_t cmd[3];
    fwpk_prog_err err;
    uint32_t word = addr / 2u;
    if (word > WORD_ADDR_MAX || addr % 2u)
        return FWPK_PROG_ERR_ARG;
    cmd[0] = 'A';
    cmd[1] = (uint8_t)(word >> 8); /* big-endian, the note */
    cmd[2] = (uint8_t)word;
    err = fwpk_link_send(p, cmd, 3);
    return err == FWPK_PROG_OK ? expect(p, DONE, 0) : err;
}

static fwpk_prog_err a109_write(fwpk_prog *p, uint32_t addr,
                                const uint8_t *data, uint32_t len)
{
    uint8_t head[4];
    fwpk_prog_err err = set_address(p, addr);
    head[0] = 'B';
    head[1] = (uint8_t)(len >> 8);
    head[2] = (uint8_t)len;
    head[3] = MEM_FLASH;
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, head, 4);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, data, len);
    return err == FWPK_PROG_OK ? expect(p, DONE, 0) : err;
}

static fwpk_prog_err a109_read(fwpk_prog *p, uint32_t addr, uint8_t *buf,
                               uint32_t len)
{
    uint8_t head[4];
    fwpk_prog_err err = set_address(p, addr);
    head[0] = 'g';
    head[1] = (uint8_t)(len >> 8);
    head[2] = (uint8_t)len;
    head[3] = MEM_FLASH;
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, head, 4);
    return err == FWPK_PROG_OK ? fwpk_link_recv(p, buf, len, 0) : err;
}

/* Leave programming mode, then exit the bootloader. */
static fwpk_prog_err a109_go(fwpk_prog *p, uint32_t addr)
{
    fwpk_prog_err err = letter(p, 'L', DONE);
    (void)addr;
    return err == FWPK_PROG_OK ? letter(p, 'E', DONE) : err;
}

const fwpk_prog_driver fwpk_prog_avr109 = {
    "avr109", FWPK_PROG_AVR, FWPK_PROG_ERASE_CHIP, 0,
    a109_open, a109_identify, a109_erase, a109_write, a109_read, a109_go,
};
