/*
 * boot.c - a bootloader skeleton for the STM32G030K8 of examples/cmake:
 * what a bootloader linked with fwpk::verify looks like.
 *
 *   0x08000000  this bootloader (16 KiB)
 *   0x08004000  application slot (24 KiB): blinky runs from here
 *   0x0800A000  staging slot (24 KiB): word 0 the container's length
 *               (0xFFFFFFFF: none), the container from word 1, put there by
 *               the application (e.g. read from a Notecard with dfu.get)
 *
 * At reset: if the staging slot holds a container, feed it to the verifier
 * in 256-byte pieces; the verifier checks the signature against the keyring
 * (keyring.h, from fwpack export-key --format c), then erases and writes
 * the application slot (its policy window) frame by frame, only with bytes
 * it has verified.  On success the container is erased; on failure it is
 * kept for another try, and the verifier has written nothing if the
 * signature or the manifest was refused.  Then jump to the application.
 *
 * Built and linked by make check (tests/test_install.c), not run: the
 * flash driver, board_flash_erase/board_flash_write (RM0444 section 3.3),
 * is the board support's (board_stub.c stands in).  examples/cortex-m is
 * the complete bootloader that make check runs in QEMU (resume after power
 * loss, A/B commit, anti-rollback).
 */
#include <stdint.h>
#include <string.h>

#include "fwpk_verify.h"
#include "keyring.h"

#define APP_BASE 0x08004000u
#define APP_SIZE (24u * 1024u)
#define STAGING_BASE 0x0800A000u
#define STAGING_SIZE (24u * 1024u)
#define PAGE 2048u
#define PIECE 256u

/* The board's flash driver: erase whole 2 KiB pages, program 64-bit
 * double words; FWPK_OK or FWPK_ERR_FLASH. */
fwpk_err board_flash_erase(uint32_t addr, uint32_t len);
fwpk_err board_flash_write(uint32_t addr, const uint8_t *data, uint32_t len);

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
void reset_handler(void);
static void fault_handler(void);

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_estack, reset_handler, fault_handler,
    fault_handler, 0, 0, 0, 0, 0, 0, 0, fault_handler, 0, 0, fault_handler,
    fault_handler,
};

/* The verifier's whole state: its size is set by FWPK_WINDOW_BITS and
 * FWPK_MAX_FRAME_SIZE, which fwpk::verify passes on. */
static fwpk_ctx ctx;

static fwpk_err on_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    return board_flash_erase(addr, len);
}

static fwpk_err on_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    (void)user;
    return board_flash_write(addr, data, len);
}

static fwpk_err on_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    (void)user;
    memcpy(buf, (const void *)(uintptr_t)addr, len); /* memory-mapped */
    return FWPK_OK;
}

static fwpk_err install(const uint8_t *container, uint32_t len)
{
    fwpk_policy policy;
    fwpk_flash flash;
    memset(&policy, 0, sizeof policy);
    policy.keys = fwpk_keyring;
    policy.key_count = FWPK_KEYRING_COUNT;
    policy.target = "app";
    policy.mcu = "stm32g030k8";
    policy.window_lo = APP_BASE;
    policy.window_hi = APP_BASE + APP_SIZE;
    memset(&flash, 0, sizeof flash);
    flash.erase = on_erase;
    flash.write = on_write;
    flash.read = on_read;
    /* the deflate window is read back from the slot: flash is memory */
    flash.mapped = (const uint8_t *)APP_BASE;
    flash.mapped_base = APP_BASE;
    fwpk_err err = fwpk_begin(&ctx, &policy, &flash);
    for (uint32_t off = 0; err == FWPK_OK && off < len; off += PIECE)
        err = fwpk_feed(&ctx, container + off,
                        len - off < PIECE ? len - off : PIECE);
    return err == FWPK_OK ? fwpk_finish(&ctx) : err;
}

static void fault_handler(void)
{
    for (;;)
        ;
}

static void jump_to_app(void)
{
    const uint32_t *app = (const uint32_t *)APP_BASE;
    if (app[0] == 0xFFFFFFFFu)
        fault_handler(); /* no application */
    *(volatile uint32_t *)0xE000ED08u = APP_BASE; /* SCB->VTOR */
    __asm__ volatile("msr msp, %0\n\tbx %1" : : "r"(app[0]), "r"(app[1]));
}

void reset_handler(void)
{
    uint32_t *s = _sidata, *d = _sdata;
    while (d < _edata)
        *d++ = *s++;
    for (d = _sbss; d < _ebss;)
        *d++ = 0;

    const uint32_t *staging = (const uint32_t *)STAGING_BASE;
    uint32_t len = staging[0];
    if (len != 0xFFFFFFFFu && len <= STAGING_SIZE - 4u &&
        install((const uint8_t *)(staging + 1), len) == FWPK_OK)
        board_flash_erase(STAGING_BASE, PAGE); /* installed: forget it */
    jump_to_app();
    fault_handler();
}
