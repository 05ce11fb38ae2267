/* flash_model.c - see flash_model.h. */
#include "flash_model.h"

#include <stdio.h>
#include <string.h>

void fm_init(flash_model *fm, uint32_t base, uint32_t size,
             uint32_t erase_block, uint32_t write_unit)
{
    memset(fm, 0, sizeof *fm);
    fm->base = base;
    fm->size = size;
    fm->erase_block = erase_block;
    fm->write_unit = write_unit;
}

static fwpk_err violation(flash_model *fm, const char *what, uint32_t addr,
                          uint32_t len)
{
    if (!fm->error[0])
        snprintf(fm->error, sizeof fm->error,
                 "flash model: %s (addr 0x%08lx, len %lu)", what,
                 (unsigned long)addr, (unsigned long)len);
    return FWPK_ERR_FLASH;
}

/* Counts a call; true if power is (or has just been) lost. */
static int power_lost(flash_model *fm, const char *what, uint32_t addr,
                      uint32_t len)
{
    if (++fm->ops != fm->cut_at || fm->cut_at == 0)
        return 0;
    fm->cut = 1;
    snprintf(fm->error, sizeof fm->error,
             "power lost during flash operation %lu: %s of %lu bytes at "
             "0x%08lx, half done",
             (unsigned long)fm->ops, what, (unsigned long)len,
             (unsigned long)addr);
    return 1;
}

static int inside(const flash_model *fm, uint32_t addr, uint32_t len)
{
    return addr >= fm->base && len <= fm->size &&
           addr - fm->base <= fm->size - len;
}

fwpk_err fm_erase(void *user, uint32_t addr, uint32_t len)
{
    flash_model *fm = user;
    if (fm->cut)
        return FWPK_ERR_FLASH;
    if (!inside(fm, addr, len))
        return violation(fm, "erase outside the flash", addr, len);
    if (len == 0 || (addr - fm->base) % fm->erase_block ||
        len % fm->erase_block)
        return violation(fm, "erase not on erase-block boundaries", addr,
                         len);
    if (power_lost(fm, "erase", addr, len)) {
        memset((void *)(uintptr_t)addr, 0xFF, len / 2);
        return FWPK_ERR_FLASH;
    }
    memset((void *)(uintptr_t)addr, 0xFF, len);
    fm->erases++;
    fm->erased_bytes += len;
    return FWPK_OK;
}

fwpk_err fm_write(void *user, uint32_t addr, const uint8_t *data,
                  uint32_t len)
{
    flash_model *fm = user;
    if (fm->cut)
        return FWPK_ERR_FLASH;
    if (!inside(fm, addr, len))
        return violation(fm, "write outside the flash", addr, len);
    if (len == 0 || addr % fm->write_unit || len % fm->write_unit)
        return violation(fm, "write not in whole write units", addr, len);
    uint8_t *dst = (uint8_t *)(uintptr_t)addr;
    for (uint32_t i = 0; i < len; i++)
        if (dst[i] != 0xFF)
            return violation(fm, "write to a unit that is not erased",
                             addr + i - i % fm->write_unit, fm->write_unit);
    if (power_lost(fm, "write", addr, len)) {
        for (uint32_t i = 0; i < len / 2; i++)
            dst[i] &= data[i];
        return FWPK_ERR_FLASH;
    }
    for (uint32_t i = 0; i < len; i++)
        dst[i] &= data[i]; /* programming only clears bits */
    fm->writes++;
    fm->written_bytes += len;
    return FWPK_OK;
}

fwpk_err fm_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    flash_model *fm = user;
    if (fm->cut)
        return FWPK_ERR_FLASH;
    if (!inside(fm, addr, len))
        return violation(fm, "read outside the flash", addr, len);
    memcpy(buf, (const void *)(uintptr_t)addr, len);
    return FWPK_OK;
}
