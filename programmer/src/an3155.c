/*
 * an3155.c - the USART protocol of the STM32 system-memory bootloader
 * (ST AN3155): 0x7F to start (the bootloader measures the baud rate on
 * it), then each command as its code and the code's complement, each
 * step answered ACK (0x79) or NACK (0x1F); addresses are 4 bytes, big-
 * endian, with their XOR as checksum.
 *
 * Get (0x00) lists the commands: Erase (0x43, one-byte page numbers) or
 * Extended Erase (0x44, two-byte), whichever the bootloader has, and
 * Write Memory (0x31) / Read Memory (0x11) in blocks of up to 256 bytes.
 */
#include "link.h"

#define ACK 0x79u
#define NACK 0x1fu
#define INIT 0x7fu
#define CMD_GET 0x00u
#define CMD_GET_ID 0x02u
#define CMD_READ 0x11u
#define CMD_GO 0x21u
#define CMD_WRITE 0x31u
#define CMD_ERASE 0x43u
#define CMD_EXT_ERASE 0x44u

#define INIT_TRIES 3
#define BLOCK 256u
/* Erase answers come after the pages are erased: RM0444 gives 22 ms
 * typical, 40 ms at most, per 2 KiB page. */
#define PAGE_ERASE_MS 40u
#define ERASE_BATCH 64u /* pages per erase command */

static fwpk_prog_err ack(fwpk_prog *p, uint32_t timeout_ms)
{
    uint8_t b;
    fwpk_prog_err err = fwpk_link_recv(p, &b, 1, timeout_ms);
    if (err != FWPK_PROG_OK)
        return err;
    if (b == ACK)
        return FWPK_PROG_OK;
    return b == NACK ? FWPK_PROG_ERR_NACK : FWPK_PROG_ERR_PROTOCOL;
}

static int listed(const fwpk_prog *p, uint8_t cmd)
{
    uint8_t i;
    for (i = 0; i < p->cmd_count; i++)
        if (p->cmds[i] == cmd)
            return 1;
    return 0;
}

/* A command byte with its complement, and the ACK. */
static fwpk_prog_err command(fwpk_prog *p, uint8_t cmd)
{
    uint8_t b[2];
    fwpk_prog_err err;
    if (cmd != CMD_GET && !listed(p, cmd))
        return FWPK_PROG_ERR_UNSUPPORTED;
    b[0] = cmd;
    b[1] = (uint8_t)(cmd ^ 0xffu);
    err = fwpk_link_send(p, b, 2);
    return err == FWPK_PROG_OK ? ack(p, 0) : err;
}

static fwpk_prog_err address(fwpk_prog *p, uint32_t addr)
{
    uint8_t b[5];
    fwpk_prog_err err;
    b[0] = (uint8_t)(addr >> 24);
    b[1] = (uint8_t)(addr >> 16);
    b[2] = (uint8_t)(addr >> 8);
    b[3] = (uint8_t)addr;
    b[4] = (uint8_t)(b[0] ^ b[1] ^ b[2] ^ b[3]);
    err = fwpk_link_send(p, b, 5);
    return err == FWPK_PROG_OK ? ack(p, 0) : err;
}

/* Get: the version byte, then the command codes. */
static fwpk_prog_err get(fwpk_prog *p)
{
    uint8_t n, version;
    fwpk_prog_err err = command(p, CMD_GET);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_recv(p, &n, 1, 0);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_recv(p, &version, 1, 0);
    if (err != FWPK_PROG_OK)
        return err;
    if (n == 0 || n > sizeof p->cmds)
        return FWPK_PROG_ERR_PROTOCOL;
    p->cmd_count = n; /* n + 1 bytes follow: the version and n codes */
    err = fwpk_link_recv(p, p->cmds, n, 0);
    return err == FWPK_PROG_OK ? ack(p, 0) : err;
}

/* The handshake.  A NACK to 0x7F is a bootloader that already had it
 * (a previous session): it is listening. */
static fwpk_prog_err an_open(fwpk_prog *p)
{
    uint8_t b = INIT;
    fwpk_prog_err err = FWPK_PROG_ERR_NO_SYNC;
    int i;
    for (i = 0; i < INIT_TRIES; i++) {
        fwpk_link_discard(p);
        err = fwpk_link_send(p, &b, 1);
        if (err == FWPK_PROG_OK)
            err = ack(p, 0);
        if (err == FWPK_PROG_OK || err == FWPK_PROG_ERR_NACK)
            break;
        if (err == FWPK_PROG_ERR_IO || err == FWPK_PROG_ERR_INTERRUPTED)
            return err;
    }
    if (err != FWPK_PROG_OK && err != FWPK_PROG_ERR_NACK)
        return FWPK_PROG_ERR_NO_SYNC;
    err = get(p);
    if (err == FWPK_PROG_OK &&
        (!listed(p, CMD_GET_ID) || !listed(p, CMD_READ) ||
         !listed(p, CMD_WRITE) ||
         (!listed(p, CMD_ERASE) && !listed(p, CMD_EXT_ERASE))))
        err = FWPK_PROG_ERR_UNSUPPORTED;
    return err;
}

static fwpk_prog_err an_identify(fwpk_prog *p, uint32_t *id)
{
    uint8_t n, pid[2];
    fwpk_prog_err err = command(p, CMD_GET_ID);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_recv(p, &n, 1, 0);
    if (err == FWPK_PROG_OK && n != 1)
        err = FWPK_PROG_ERR_PROTOCOL; /* two bytes follow (n + 1) */
    if (err == FWPK_PROG_OK)
        err = fwpk_link_recv(p, pid, 2, 0);
    if (err == FWPK_PROG_OK)
        err = ack(p, 0);
    if (err == FWPK_PROG_OK)
        *id = (uint32_t)pid[0] << 8 | pid[1];
    return err;
}

/* Pages first .. first + count - 1, in one Erase or Extended Erase. */
static fwpk_prog_err erase_pages(fwpk_prog *p, uint32_t first, uint32_t count)
{
    uint8_t b[2 + 2 * ERASE_BATCH + 1], sum = 0;
    size_t n = 0;
    uint32_t i;
    int ext = listed(p, CMD_EXT_ERASE);
    fwpk_prog_err err = command(p, ext ? CMD_EXT_ERASE : CMD_ERASE);
    if (err != FWPK_PROG_OK)
        return err;
    if (!ext && first + count > 0x100u)
        return FWPK_PROG_ERR_ARG; /* one-byte page numbers */
    if (ext)
        b[n++] = (uint8_t)((count - 1u) >> 8);
    b[n++] = (uint8_t)(count - 1u);
    for (i = first; i < first + count; i++) {
        if (ext)
            b[n++] = (uint8_t)(i >> 8);
        b[n++] = (uint8_t)i;
    }
    for (i = 0; i < n; i++)
        sum ^= b[i];
    b[n++] = sum;
    err = fwpk_link_send(p, b, n);
    return err == FWPK_PROG_OK
               ? ack(p, p->timeout_ms + count * PAGE_ERASE_MS)
               : err;
}

static fwpk_prog_err an_erase(fwpk_prog *p, uint32_t addr, uint32_t len)
{
    uint32_t page = p->chip ? p->chip->page : 0, first, count;
    fwpk_prog_err err = FWPK_PROG_OK;
    if (page == 0 || len == 0 || addr < p->chip->flash_base ||
        (addr - p->chip->flash_base) % page || len % page)
        return FWPK_PROG_ERR_ARG;
    first = (addr - p->chip->flash_base) / page;
    count = len / page;
    while (count > 0 && err == FWPK_PROG_OK) {
        uint32_t n = count < ERASE_BATCH ? count : ERASE_BATCH;
        err = erase_pages(p, first, n);
        first += n;
        count -= n;
    }
    return err;
}

static fwpk_prog_err an_write(fwpk_prog *p, uint32_t addr,
                              const uint8_t *data, uint32_t len)
{
    uint8_t n = (uint8_t)(len - 1u), sum = n;
    uint32_t i;
    fwpk_prog_err err;
    if (len == 0 || len > BLOCK || len % 4u || addr % 4u)
        return FWPK_PROG_ERR_ARG;
    err = command(p, CMD_WRITE);
    if (err == FWPK_PROG_OK)
        err = address(p, addr);
    for (i = 0; i < len; i++)
        sum ^= data[i];
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, &n, 1);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, data, len);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, &sum, 1);
    return err == FWPK_PROG_OK ? ack(p, 0) : err;
}

static fwpk_prog_err an_read(fwpk_prog *p, uint32_t addr, uint8_t *buf,
                             uint32_t len)
{
    uint8_t n[2];
    fwpk_prog_err err;
    if (len == 0 || len > BLOCK)
        return FWPK_PROG_ERR_ARG;
    err = command(p, CMD_READ);
    if (err == FWPK_PROG_OK)
        err = address(p, addr);
    n[0] = (uint8_t)(len - 1u);
    n[1] = (uint8_t)(n[0] ^ 0xffu);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, n, 2);
    if (err == FWPK_PROG_OK)
        err = ack(p, 0);
    return err == FWPK_PROG_OK ? fwpk_link_recv(p, buf, len, 0) : err;
}

static fwpk_prog_err an_go(fwpk_prog *p, uint32_t addr)
{
    fwpk_prog_err err = command(p, CMD_GO);
    return err == FWPK_PROG_OK ? address(p, addr) : err;
}

const fwpk_prog_driver fwpk_prog_an3155 = {
    "an3155", FWPK_PROG_STM32, FWPK_PROG_ERASE_PAGES, BLOCK,
    an_open, an_identify, an_erase, an_write, an_read, an_go,
};
