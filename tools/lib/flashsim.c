/*
 * flashsim.c - a NOR flash model for the host: what `fwpack verify` and
 * `unpack` and the tests hand the verifier as its flash.
 *
 * Real NOR semantics, so that the tests see what a device would: erased
 * bytes read 0xFF, erase works on whole aligned blocks, a write must cover
 * whole aligned write units inside the flash, and a unit may be written
 * only once between erases (programming can only clear bits).  Every
 * operation that breaks a rule fails with FWPK_ERR_FLASH and says why in
 * 'problem'.  'cut_after' injects a power cut: the operation with that
 * index fails, a write half done (the first half of its units programmed).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

int fwp_flash_init(fwp_flash *f, uint32_t base, uint32_t size,
                   uint32_t erase_block, uint32_t write_unit)
{
    memset(f, 0, sizeof *f);
    if (size == 0 || erase_block == 0 || write_unit == 0 ||
        size % erase_block || erase_block % write_unit)
        return -1;
    f->base = base;
    f->size = size;
    f->erase_block = erase_block;
    f->write_unit = write_unit;
    f->cut_after = -1;
    f->mem = malloc(size);
    f->programmed = calloc(size / write_unit, 1);
    f->touched = calloc(size / write_unit, 1);
    if (!f->mem || !f->programmed || !f->touched) {
        fwp_flash_free(f);
        return -1;
    }
    memset(f->mem, 0xff, size);
    return 0;
}

void fwp_flash_free(fwp_flash *f)
{
    free(f->mem);
    free(f->programmed);
    free(f->touched);
    f->mem = f->programmed = f->touched = NULL;
}

static fwpk_err refuse(fwp_flash *f, const char *fmt, uint32_t addr,
                       uint32_t len)
{
    if (f->problem[0] == 0)
        snprintf(f->problem, sizeof f->problem, fmt, addr, len);
    return FWPK_ERR_FLASH;
}

static int inside(const fwp_flash *f, uint32_t addr, uint32_t len)
{
    return addr >= f->base &&
           (uint64_t)addr + len <= (uint64_t)f->base + f->size;
}

/* Counts an operation; nonzero when the power goes at this one. */
static int power_cut(fwp_flash *f)
{
    return f->cut_after >= 0 && (long)(f->erases + f->writes) == f->cut_after;
}

fwpk_err fwp_flash_erase(void *user, uint32_t addr, uint32_t len)
{
    fwp_flash *f = user;
    uint32_t off = addr - f->base, u;
    if (len != f->erase_block || addr % f->erase_block || !inside(f, addr, len))
        return refuse(f, "erase 0x%08x+%u: not one aligned block in flash",
                      addr, len);
    if (power_cut(f)) {
        memset(f->mem + off, 0x00, len / 2); /* an erase cut short */
        f->cut = 1;
        return FWPK_ERR_FLASH;
    }
    f->erases++;
    memset(f->mem + off, 0xff, len);
    for (u = off / f->write_unit; u < (off + len) / f->write_unit; u++)
        f->programmed[u] = 0;
    return FWPK_OK;
}

fwpk_err fwp_flash_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    fwp_flash *f = user;
    uint32_t off = addr - f->base, u, n, units = len / f->write_unit;
    if (len == 0 || len % f->write_unit || addr % f->write_unit ||
        !inside(f, addr, len))
        return refuse(f, "write 0x%08x+%u: not whole aligned units in flash",
                      addr, len);
    for (u = off / f->write_unit, n = 0; n < units; u++, n++)
        if (f->programmed[u])
            return refuse(f, "write 0x%08x+%u: unit already programmed",
                          addr, len);
    if (power_cut(f)) {
        units /= 2; /* half the units made it, then the power went */
        f->cut = 1;
    } else {
        f->writes++;
    }
    for (u = off / f->write_unit, n = 0; n < units; u++, n++) {
        uint32_t i, at = n * f->write_unit;
        for (i = 0; i < f->write_unit; i++)
            f->mem[off + at + i] &= data[at + i];
        f->programmed[u] = f->touched[u] = 1;
    }
    return f->cut ? FWPK_ERR_FLASH : FWPK_OK;
}

fwpk_err fwp_flash_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    fwp_flash *f = user;
    if (!inside(f, addr, len))
        return refuse(f, "read 0x%08x+%u: outside flash", addr, len);
    memcpy(buf, f->mem + (addr - f->base), len);
    return FWPK_OK;
}

void fwp_flash_bind(fwp_flash *f, fwpk_flash *cb)
{
    memset(cb, 0, sizeof *cb); /* fields a caller does not know stay off */
    cb->erase = fwp_flash_erase;
    cb->write = fwp_flash_write;
    cb->read = fwp_flash_read;
    cb->user = f;
    cb->checkpoint = NULL; /* callers that resume set their own */
}

int fwp_flash_image(const fwp_flash *f, fwp_image *img, fwp_err *err)
{
    uint32_t units = f->size / f->write_unit, u = 0;
    while (u < units) {
        uint32_t start;
        if (!f->touched[u]) {
            u++;
            continue;
        }
        start = u;
        while (u < units && f->touched[u])
            u++;
        if (fwp_image_add(img, f->base + start * f->write_unit,
                          f->mem + start * f->write_unit,
                          (u - start) * f->write_unit, "flash", err))
            return -1;
    }
    return 0;
}
