/* emu_flash.c - see emu_flash.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_flash.h"
#include "emu_line.h"

int emu_flash_init(emu_flash *f, uint32_t base, uint32_t size, uint32_t page,
                   const char *load)
{
    memset(f, 0, sizeof *f);
    f->base = base;
    f->size = size;
    f->page = page;
    f->mem = malloc(size);
    if (!f->mem)
        return -1;
    memset(f->mem, 0xff, size);
    if (load) {
        FILE *in = fopen(load, "rb");
        if (!in) {
            perror(load);
            return -1;
        }
        size_t n = fread(f->mem, 1, size, in);
        fclose(in);
        (void)n;
    }
    return 0;
}

void emu_flash_free(emu_flash *f)
{
    free(f->mem);
    f->mem = NULL;
}

int emu_flash_inside(const emu_flash *f, uint32_t addr, uint32_t len)
{
    return addr >= f->base &&
           (uint64_t)addr + len <= (uint64_t)f->base + f->size;
}

void emu_flash_erase_page(emu_flash *f, uint32_t addr)
{
    uint32_t off = (addr - f->base) / f->page * f->page;
    memset(f->mem + off, 0xff, f->page);
}

void emu_flash_erase_all(emu_flash *f)
{
    memset(f->mem, 0xff, f->size);
}

int emu_flash_blank(const emu_flash *f, uint32_t addr, uint32_t len)
{
    const uint8_t *p = f->mem + (addr - f->base);
    for (uint32_t i = 0; i < len; i++)
        if (p[i] != 0xff)
            return 0;
    return 1;
}

void emu_flash_program(emu_flash *f, uint32_t addr, const uint8_t *data,
                       uint32_t len)
{
    uint8_t *p = f->mem + (addr - f->base);
    f->programs++;
    for (uint32_t i = 0; i < len; i++)
        p[i] &= data[i];
    if (f->programs == f->corrupt_at && len > 0)
        p[len / 2] ^= 0x10; /* one cell that did not take */
}

const uint8_t *emu_flash_at(const emu_flash *f, uint32_t addr)
{
    return f->mem + (addr - f->base);
}

int emu_flash_save(const emu_flash *f)
{
    return f->dump ? emu_save_file(f->dump, f->mem, f->size) : 0;
}
