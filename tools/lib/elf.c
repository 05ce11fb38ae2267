/*
 * elf.c - ELF32 little-endian executables: the file bytes of each PT_LOAD
 * program header, placed at its physical (load) address.  Like objcopy, the
 * .bss tail (p_memsz beyond p_filesz) is not part of the image, and
 * initialised data is taken at its LMA in flash, not its VMA in RAM.  Every
 * error names the file and the offset of the field or data at fault.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fwpack.h"

#define EHDR_LEN 52u
#define PHDR_LEN 32u
#define SHDR_LEN 40u
#define PT_LOAD 1u
#define PN_XNUM 0xffffu

typedef struct {
    const char *name;
    const uint8_t *d;
    size_t len;
    fwp_err *err;
} elf_ctx;

static uint32_t le16(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t le32(const uint8_t *p)
{
    return le16(p) | le16(p + 2) << 16;
}

/* Nonzero when [off, off + n) lies inside the file. */
static int inside(const elf_ctx *e, uint64_t off, uint64_t n)
{
    return off <= e->len && n <= e->len - off;
}

static int check_ident(const elf_ctx *e)
{
    const uint8_t *d = e->d;
    if (e->len < 4 || d[0] != 0x7f || d[1] != 'E' || d[2] != 'L' ||
        d[3] != 'F')
        return fwp_fail(e->err, "%s: offset 0x0: not an ELF file (no "
                                "\\x7fELF magic)", e->name);
    if (e->len < 6)
        return fwp_fail(e->err, "%s: offset 0x%zx: truncated ELF header "
                                "(file is %zu bytes)", e->name, e->len,
                        e->len);
    if (d[4] == 2)
        return fwp_fail(e->err, "%s: offset 0x4: ELF64 file; only ELF32 "
                                "(32-bit MCU) executables are read", e->name);
    if (d[4] != 1)
        return fwp_fail(e->err, "%s: offset 0x4: bad ELF class %u", e->name,
                        d[4]);
    if (d[5] == 2)
        return fwp_fail(e->err, "%s: offset 0x5: big-endian ELF; only "
                                "little-endian is read", e->name);
    if (d[5] != 1)
        return fwp_fail(e->err, "%s: offset 0x5: bad ELF data encoding %u",
                        e->name, d[5]);
    if (e->len < EHDR_LEN)
        return fwp_fail(e->err, "%s: offset 0x%zx: truncated ELF header "
                                "(%u bytes, file is %zu)", e->name, e->len,
                        EHDR_LEN, e->len);
    if (d[6] != 1)
        return fwp_fail(e->err, "%s: offset 0x6: ELF version %u, expected 1",
                        e->name, d[6]);
    if (le32(d + 20) != 1)
        return fwp_fail(e->err, "%s: offset 0x14: ELF version %u, expected 1",
                        e->name, (unsigned)le32(d + 20));
    return 0;
}

/* The program header count, from section header 0 when e_phnum is
 * PN_XNUM (more than 65534 entries). */
static int phnum(const elf_ctx *e, uint32_t *n)
{
    *n = le16(e->d + 44);
    if (*n != PN_XNUM)
        return 0;
    uint32_t shoff = le32(e->d + 32);
    if (!inside(e, shoff, SHDR_LEN))
        return fwp_fail(e->err, "%s: offset 0x%x: section header 0 (for "
                                "e_phnum 0xffff) runs past the end of the "
                                "file (%zu bytes)", e->name,
                        (unsigned)shoff, e->len);
    *n = le32(e->d + shoff + 28);
    return 0;
}

static int load_segment(const elf_ctx *e, uint32_t i, uint64_t ph,
                        fwp_image *img)
{
    const uint8_t *p = e->d + ph;
    uint32_t off = le32(p + 4), paddr = le32(p + 12), filesz = le32(p + 16);
    char where[300];
    if (!inside(e, off, filesz))
        return fwp_fail(e->err, "%s: offset 0x%x: segment %u (0x%x bytes "
                                "for 0x%08x) runs past the end of the file "
                                "(%zu bytes)", e->name, (unsigned)off,
                        (unsigned)i, (unsigned)filesz, (unsigned)paddr,
                        e->len);
    snprintf(where, sizeof where, "%s: offset 0x%x: segment %u", e->name,
             (unsigned)off, (unsigned)i);
    return fwp_image_add(img, paddr, e->d + off, filesz, where, e->err);
}

int fwp_elf_parse(const char *name, const uint8_t *data, size_t len,
                  fwp_image *img, fwp_err *err)
{
    elf_ctx e = {name, data, len, err};
    uint32_t n;
    if (check_ident(&e) || phnum(&e, &n))
        return -1;
    uint32_t phoff = le32(data + 28), phentsize = le16(data + 42);
    if (n == 0)
        return fwp_fail(err, "%s: offset 0x2c: no program headers (an "
                             "object file? give the linked executable)",
                        name);
    if (phentsize < PHDR_LEN)
        return fwp_fail(err, "%s: offset 0x2a: program header size %u, "
                             "expected %u", name, (unsigned)phentsize,
                        PHDR_LEN);
    if (!inside(&e, phoff, (uint64_t)n * phentsize))
        return fwp_fail(err, "%s: offset 0x%x: %u program headers of %u "
                             "bytes run past the end of the file (%zu "
                             "bytes)", name, (unsigned)phoff, (unsigned)n,
                        (unsigned)phentsize, len);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t ph = phoff + (uint64_t)i * phentsize;
        if (le32(data + ph) != PT_LOAD || le32(data + ph + 16) == 0)
            continue;
        if (load_segment(&e, i, ph, img))
            return -1;
    }
    if (img->count == 0)
        return fwp_fail(err, "%s: offset 0x%x: no PT_LOAD program header "
                             "with file data", name, (unsigned)phoff);
    return 0;
}

int fwp_elf_load(const char *path, fwp_image *img, fwp_err *err)
{
    uint8_t *data;
    size_t len;
    if (fwp_read_file(path, &data, &len, 0, err))
        return -1;
    int rc = fwp_elf_parse(path, data, len, img, err);
    free(data);
    return rc;
}
