/*
 * size_main.c - the smallest bootloader that uses the whole verifier, linked
 * per cross target with --gc-sections (mk/cross.mk) so that make size can
 * report what fwpk_begin/fwpk_feed/fwpk_finish really pull in.  Never run.
 *
 * A static fwpk_ctx, a keyring of one key, flash callbacks that poke a
 * register, bytes from a receive register.  Startup: on ARM a two-word vector
 * table and _start, on RISC-V _start, on AVR avr-libc's crt calling main().
 * bench/size.sh counts everything in this file (and any crt) as the
 * harness's own and leaves it out of the verifier total.
 */
#include "fwpk_verify.h"

#define REG8(a) (*(volatile uint8_t *)(a))
#define REG32(a) (*(volatile uint32_t *)(a))

#if defined(__AVR__)
#define RX_DATA REG8(0xc6u) /* UDR0 */
#define FLASH_CMD(v) (REG8(0x57u) = (uint8_t)(v)) /* SPMCSR */
#else
#define RX_DATA REG8(0x40000000u)
#define FLASH_CMD(v) (REG32(0x40000004u) = (uint32_t)(v))
#endif

static fwpk_ctx ctx;

static const fwpk_key keyring[1] = {{
    {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef},
    {0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe,
     0xd3, 0xc9, 0x64, 0x07, 0x3a, 0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6,
     0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a},
    0,
    1,
}};

static fwpk_err flash_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    FLASH_CMD(addr ^ len);
    return FWPK_OK;
}

static fwpk_err flash_write(void *user, uint32_t addr, const uint8_t *data,
                            uint32_t len)
{
    (void)user;
    while (len--)
        FLASH_CMD(addr++ ^ *data++);
    return FWPK_OK;
}

static fwpk_err flash_read(void *user, uint32_t addr, uint8_t *buf,
                           uint32_t len)
{
    (void)user;
    while (len--)
        *buf++ = RX_DATA ^ (uint8_t)addr++;
    return FWPK_OK;
}

int main(void);
int main(void)
{
    static const fwpk_policy policy = {
        keyring, 1, 1, 0, "app", "atmega328p", 0x1000, 0x8000, 0, 0, 0,
    };
    static const fwpk_flash flash = {flash_erase, flash_write, flash_read,
                                     0, 0, 0, 0, 0};
    uint8_t piece[16];
    fwpk_err err = fwpk_begin(&ctx, &policy, &flash);

    while (err == FWPK_OK && RX_DATA != 0) {
        size_t i;
        for (i = 0; i < sizeof piece; i++)
            piece[i] = RX_DATA;
        err = fwpk_feed(&ctx, piece, sizeof piece);
    }
    if (err == FWPK_OK)
        err = fwpk_finish(&ctx);
    FLASH_CMD(err);
    return err == FWPK_OK ? 0 : 1;
}

#if !defined(__AVR__)
void _start(void);
void _start(void)
{
    for (;;)
        main();
}
#endif

#if defined(__arm__)
static uint32_t stack[64];
/* Initial SP and reset vector; kept by -Wl,-u,fwpk_size_vectors. */
__attribute__((section(".vectors"), used)) void *const fwpk_size_vectors[2] = {
    &stack[64], (void *)_start};
#endif
