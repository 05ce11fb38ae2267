/*
 * input.c - which reader an input file needs: a raw binary when a load
 * address is given, ELF when the file starts with the ELF magic, else the
 * extension, else the first character (':' Intel HEX, 'S' S-record).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fwpack.h"

static const struct {
    const char *ext;
    fwp_format fmt;
} exts[] = {
    {".hex", FWP_FMT_HEX},   {".ihex", FWP_FMT_HEX},  {".ihx", FWP_FMT_HEX},
    {".srec", FWP_FMT_SREC}, {".s19", FWP_FMT_SREC},  {".s28", FWP_FMT_SREC},
    {".s37", FWP_FMT_SREC},  {".mot", FWP_FMT_SREC},  {".elf", FWP_FMT_ELF},
    {".axf", FWP_FMT_ELF},   {".bin", FWP_FMT_BIN},
};

fwp_format fwp_format_from_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    for (size_t i = 0; dot && i < sizeof exts / sizeof exts[0]; i++)
        if (strcasecmp(dot, exts[i].ext) == 0)
            return exts[i].fmt;
    return FWP_FMT_UNKNOWN;
}

const char *fwp_format_name(fwp_format f)
{
    switch (f) {
    case FWP_FMT_HEX: return "Intel HEX";
    case FWP_FMT_SREC: return "S-record";
    case FWP_FMT_ELF: return "ELF";
    case FWP_FMT_BIN: return "raw binary";
    default: return "unknown";
    }
}

static int is_elf(const uint8_t *d, size_t len)
{
    return len >= 4 && memcmp(d, "\x7f" "ELF", 4) == 0;
}

/* The format of a file without a known extension, from its first
 * non-blank character. */
static fwp_format sniff(const uint8_t *d, size_t len)
{
    size_t i = 0;
    while (i < len && (d[i] == ' ' || d[i] == '\t' || d[i] == '\r' ||
                       d[i] == '\n'))
        i++;
    if (i < len && d[i] == ':')
        return FWP_FMT_HEX;
    if (i < len && d[i] == 'S')
        return FWP_FMT_SREC;
    return FWP_FMT_UNKNOWN;
}

static int parse(const char *path, fwp_format f, const uint8_t *d,
                 size_t len, fwp_image *img, fwp_err *err)
{
    switch (f) {
    case FWP_FMT_HEX:
        return fwp_hex_parse(path, (const char *)d, len, img, err);
    case FWP_FMT_SREC:
        return fwp_srec_parse(path, (const char *)d, len, img, err);
    case FWP_FMT_ELF:
        return fwp_elf_parse(path, d, len, img, err);
    case FWP_FMT_BIN:
        return fwp_fail(err, "%s: a raw binary needs its load address "
                             "(FILE@ADDR or --load-addr)", path);
    default:
        return fwp_fail(err, "%s: offset 0x0: not Intel HEX, S-record or "
                             "ELF (for a raw binary give its load address)",
                        path);
    }
}

int fwp_input_load(const char *path, int has_addr, uint32_t addr,
                   fwp_image *img, fwp_err *err)
{
    if (has_addr)
        return fwp_bin_load(path, addr, img, err);
    uint8_t *data;
    size_t len;
    if (fwp_read_file(path, &data, &len, 0, err))
        return -1;
    fwp_format f = fwp_format_from_name(path);
    if (is_elf(data, len))
        f = FWP_FMT_ELF;
    else if (f == FWP_FMT_UNKNOWN)
        f = sniff(data, len);
    int rc = parse(fwp_file_name(path), f, data, len, img, err);
    free(data);
    return rc;
}
