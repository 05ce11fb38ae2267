/* verify_file.c - a host program that runs the device verifier, compiled
 * from its installed sources (through fwpk_verify.pc, or the CMake package
 * fwpk_verify), over a container file, with the keyring of keyring.h
 * (fwpack export-key --format c) and a RAM flash of FLASH_SIZE bytes at
 * FLASH_BASE.  Built by tests/test_install.c.
 *
 *   verify_file FILE.fwpk TARGET OUT.bin
 *
 * Exit 0 and "ok N" (N image bytes written, whole write units) after
 * writing the flash from the lowest to the highest written address to
 * OUT.bin; else "refused: reason" on stderr and exit 1. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpk_verify.h"
#include "keyring.h"

#define FLASH_BASE 0x08000000u
#define FLASH_SIZE (256u * 1024u)

static uint8_t flash[FLASH_SIZE];
static uint32_t lo = FLASH_SIZE, hi;
static fwpk_ctx ctx;

static int inside(uint32_t addr, uint32_t len)
{
    return addr >= FLASH_BASE && len <= FLASH_SIZE &&
           addr - FLASH_BASE <= FLASH_SIZE - len;
}

static fwpk_err on_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    if (!inside(addr, len))
        return FWPK_ERR_FLASH;
    memset(flash + (addr - FLASH_BASE), 0xff, len);
    return FWPK_OK;
}

static fwpk_err on_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    (void)user;
    if (!inside(addr, len))
        return FWPK_ERR_FLASH;
    memcpy(flash + (addr - FLASH_BASE), data, len);
    if (addr - FLASH_BASE < lo)
        lo = addr - FLASH_BASE;
    if (addr - FLASH_BASE + len > hi)
        hi = addr - FLASH_BASE + len;
    return FWPK_OK;
}

static fwpk_err on_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    (void)user;
    if (!inside(addr, len))
        return FWPK_ERR_FLASH;
    memcpy(buf, flash + (addr - FLASH_BASE), len);
    return FWPK_OK;
}

int main(int argc, char **argv)
{
    fwpk_policy policy;
    fwpk_flash cb;
    uint8_t piece[512];
    size_t n;
    fwpk_err err;
    FILE *f;
    if (argc != 4) {
        fprintf(stderr, "usage: verify_file FILE.fwpk TARGET OUT.bin\n");
        return 2;
    }
    if (!(f = fopen(argv[1], "rb"))) {
        perror(argv[1]);
        return 2;
    }
    memset(flash, 0xff, sizeof flash);
    memset(&policy, 0, sizeof policy);
    policy.keys = fwpk_keyring;
    policy.key_count = FWPK_KEYRING_COUNT;
    policy.target = argv[2];
    policy.window_lo = FLASH_BASE;
    policy.window_hi = FLASH_BASE + FLASH_SIZE;
    memset(&cb, 0, sizeof cb);
    cb.erase = on_erase;
    cb.write = on_write;
    cb.read = on_read;
    err = fwpk_begin(&ctx, &policy, &cb);
    while (err == FWPK_OK && (n = fread(piece, 1, sizeof piece, f)) > 0)
        err = fwpk_feed(&ctx, piece, n);
    fclose(f);
    if (err == FWPK_OK)
        err = fwpk_finish(&ctx);
    if (err != FWPK_OK) {
        fprintf(stderr, "refused: %s\n", fwpk_strerror(err));
        return 1;
    }
    if (!(f = fopen(argv[3], "wb")) ||
        fwrite(flash + lo, 1, hi - lo, f) != hi - lo || fclose(f)) {
        perror(argv[3]);
        return 2;
    }
    printf("ok %lu\n", (unsigned long)ctx.manifest.own.image_size);
    return 0;
}
