/*
 * stk500.c - STK500 version 1 (Atmel AVR061), the subset Optiboot and
 * the older ATmegaBOOT answer: every command ends with CRC_EOP, every
 * answer is STK_INSYNC, its data, STK_OK.
 *
 * Optiboot erases a page as it writes it (STK_PROG_PAGE), so there is no
 * erase command here; addresses are in 16-bit words (128 KiB at most).
 */
#include "link.h"

#define STK_OK 0x10u
#define STK_FAILED 0x11u
#define STK_INSYNC 0x14u
#define CRC_EOP 0x20u
#define STK_GET_SYNC 0x30u
#define STK_ENTER_PROGMODE 0x50u
#define STK_LEAVE_PROGMODE 0x51u
#define STK_LOAD_ADDRESS 0x55u
#define STK_PROG_PAGE 0x64u
#define STK_READ_PAGE 0x74u
#define STK_READ_SIGN 0x75u
#define MEM_FLASH 'F'

#define SYNC_TRIES 5
#define SYNC_SETTLE_MS 20u /* late answers to earlier tries, then dropped */
#define WORD_ADDR_MAX 0xffffu

/* "INSYNC ... OK" around an answer: the first byte of a reply. */
static fwpk_prog_err insync(fwpk_prog *p)
{
    uint8_t b;
    fwpk_prog_err err = fwpk_link_recv(p, &b, 1, 0);
    if (err != FWPK_PROG_OK)
        return err;
    if (b == STK_INSYNC)
        return FWPK_PROG_OK;
    return b == STK_FAILED ? FWPK_PROG_ERR_NACK : FWPK_PROG_ERR_PROTOCOL;
}

static fwpk_prog_err ok(fwpk_prog *p)
{
    uint8_t b;
    fwpk_prog_err err = fwpk_link_recv(p, &b, 1, 0);
    if (err != FWPK_PROG_OK)
        return err;
    if (b == STK_OK)
        return FWPK_PROG_OK;
    return b == STK_FAILED ? FWPK_PROG_ERR_NACK : FWPK_PROG_ERR_PROTOCOL;
}

/* A command of n bytes (CRC_EOP appended) with an answer of len bytes. */
static fwpk_prog_err command(fwpk_prog *p, uint8_t *cmd, size_t n,
                             uint8_t *answer, size_t len)
{
    fwpk_prog_err err;
    cmd[n] = CRC_EOP;
    err = fwpk_link_send(p, cmd, n + 1u);
    if (err == FWPK_PROG_OK)
        err = insync(p);
    if (err == FWPK_PROG_OK && len > 0)
        err = fwpk_link_recv(p, answer, len, 0);
    if (err == FWPK_PROG_OK)
        err = ok(p);
    return err;
}

static fwpk_prog_err stk_open(fwpk_prog *p)
{
    uint8_t cmd[2], reply[2];
    int i;
    for (i = 0; i < SYNC_TRIES; i++) {
        fwpk_prog_err err;
        fwpk_link_discard(p);
        cmd[0] = STK_GET_SYNC;
        cmd[1] = CRC_EOP;
        err = fwpk_link_send(p, cmd, 2);
        if (err == FWPK_PROG_OK)
            err = fwpk_link_recv(p, reply, 2, 0);
        if (err == FWPK_PROG_ERR_IO || err == FWPK_PROG_ERR_INTERRUPTED)
            return err;
        if (err == FWPK_PROG_OK && reply[0] == STK_INSYNC &&
            reply[1] == STK_OK) {
            fwpk_link_delay(p, SYNC_SETTLE_MS);
            fwpk_link_discard(p);
            cmd[0] = STK_ENTER_PROGMODE;
            return command(p, cmd, 1, NULL, 0);
        }
    }
    return FWPK_PROG_ERR_NO_SYNC;
}

static fwpk_prog_err stk_identify(fwpk_prog *p, uint32_t *id)
{
    uint8_t cmd[2], sig[3];
    fwpk_prog_err err;
    cmd[0] = STK_READ_SIGN;
    err = command(p, cmd, 1, sig, 3);
    if (err == FWPK_PROG_OK)
        *id = (uint32_t)sig[0] << 16 | (uint32_t)sig[1] << 8 | sig[2];
    return err;
}

static fwpk_prog_err load_address(fwpk_prog *p, uint32_t addr)
{
    uint8_t cmd[4];
    uint32_t word = addr / 2u;
    if (word > WORD_ADDR_MAX || addr % 2u)
        return FWPK_PROG_ERR_ARG;
    cmd[0] = STK_LOAD_ADDRESS;
    cmd[1] = (uint8_t)word; /* little-endian, AVR061 */
    cmd[2] = (uint8_t)(word >> 8);
    return command(p, cmd, 3, NULL, 0);
}

/* Writing a page erases it: nothing to do for an erase. */
static fwpk_prog_err stk_erase(fwpk_prog *p, uint32_t addr, uint32_t len)
{
    (void)p;
    (void)addr;
    (void)len;
    return FWPK_PROG_OK;
}

static fwpk_prog_err stk_write(fwpk_prog *p, uint32_t addr,
                               const uint8_t *data, uint32_t len)
{
    uint8_t head[4], eop = CRC_EOP;
    fwpk_prog_err err = load_address(p, addr);
    if (err != FWPK_PROG_OK)
        return err;
    head[0] = STK_PROG_PAGE;
    head[1] = (uint8_t)(len >> 8); /* big-endian length */
    head[2] = (uint8_t)len;
    head[3] = MEM_FLASH;
    err = fwpk_link_send(p, head, 4);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, data, len);
    if (err == FWPK_PROG_OK)
        err = fwpk_link_send(p, &eop, 1);
    if (err == FWPK_PROG_OK)
        err = insync(p);
    return err == FWPK_PROG_OK ? ok(p) : err;
}

static fwpk_prog_err stk_read(fwpk_prog *p, uint32_t addr, uint8_t *buf,
                              uint32_t len)
{
    uint8_t cmd[5];
    fwpk_prog_err err = load_address(p, addr);
    if (err != FWPK_PROG_OK)
        return err;
    cmd[0] = STK_READ_PAGE;
    cmd[1] = (uint8_t)(len >> 8);
    cmd[2] = (uint8_t)len;
    cmd[3] = MEM_FLASH;
    return command(p, cmd, 4, buf, len);
}

/* Optiboot leaves through its watchdog into the application. */
static fwpk_prog_err stk_go(fwpk_prog *p, uint32_t addr)
{
    uint8_t cmd[2];
    (void)addr;
    cmd[0] = STK_LEAVE_PROGMODE;
    return command(p, cmd, 1, NULL, 0);
}

const fwpk_prog_driver fwpk_prog_stk500 = {
    "stk500", FWPK_PROG_AVR, FWPK_PROG_ERASE_BY_WRITE, 0,
    stk_open, stk_identify, stk_erase, stk_write, stk_read, stk_go,
};
