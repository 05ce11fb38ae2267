/*
 * verifier_fit.c - what the device verifier costs, per build, and whether
 * it fits a part: the one place that turns make size's figures into a
 * profile's RAM and flash need.
 *
 * RAM need = the build's fixed RAM + the window (2^bits) + the frame
 * buffer (frame header + frame size): the verifier's context, its static
 * data and its deepest stack; the bootloader's own buffers come on top.
 * Flash need = everything fwpk_begin/feed/finish link in.
 */
#include <string.h>

#include "fwpack.h"

/* make size (bench/size.sh), -Os, 2026-12-05, arm-none-eabi-gcc 12.2,
 * riscv64-unknown-elf-gcc 12.2, avr-gcc 5.4: "total" is flash, "ram.beyond"
 * (context without its two buffers + static data + worst-case stack) is
 * fixed RAM.  Re-measure with make size when the verifier changes;
 * tests/test_mcus.c compares these with make size's output. */
static const fwp_verifier_build builds[] = {
    {"cortex-m0plus", "cortex-m0plus", "-mcpu=cortex-m0plus", 13266, 3982},
    {"cortex-m0plus-min", "cortex-m0plus-min",
     "-mcpu=cortex-m0plus -DFWPK_RESUME=0 -DFWPK_FILTERS=2 "
     "-DFWPK_INFLATE_FAST_BITS=7",
     12014, 3834},
    {"cortex-m3", "cortex-m3", "-mcpu=cortex-m3", 12192, 3950},
    {"cortex-m4", "cortex-m4", "-mcpu=cortex-m4", 12190, 3950},
    {"rv32imc", "rv32imc", "-march=rv32imc", 14120, 3998},
    /* avr-gcc copies const tables into RAM: they count as static data */
    {"avr", "atmega328p", "-mmcu=atmega328p", 34894, 5279},
};

const fwp_verifier_build *fwp_verifier_builds(size_t *count)
{
    *count = sizeof builds / sizeof builds[0];
    return builds;
}

const fwp_verifier_build *fwp_verifier_build_find(const char *id)
{
    for (size_t i = 0; id && i < sizeof builds / sizeof builds[0]; i++)
        if (strcmp(builds[i].id, id) == 0)
            return &builds[i];
    return NULL;
}

uint32_t fwp_verifier_ram(const fwp_verifier_build *b, uint32_t window_bits,
                          uint32_t frame_size)
{
    return b->ram_fixed + (1u << window_bits) + FWPK_FRAME_HEADER_LEN +
           frame_size;
}

void fwp_mcu_fit_check(const fwp_mcu *m, uint32_t window_bits,
                       uint32_t frame_size, fwp_mcu_fit *f)
{
    memset(f, 0, sizeof *f);
    f->build = fwp_verifier_build_find(m->build);
    f->window_bits = window_bits;
    f->frame_size = frame_size;
    if (!f->build || m->ram_size == 0) {
        f->known = 0;
        return;
    }
    f->known = 1;
    f->ram_need = fwp_verifier_ram(f->build, window_bits, frame_size);
    f->flash_need = f->build->flash;
    f->ram_fits = f->ram_need <= m->ram_size;
    f->ram_tight = f->ram_fits && f->ram_need > (uint64_t)m->ram_size * 3 / 4;
    f->flash_fits = f->flash_need <= m->flash_size;
}

int fwp_mcu_fit_text(const fwp_mcu *m, const fwp_mcu_fit *f, fwp_buf *b)
{
    if (!f->known)
        return fwp_buf_printf(b, "no verifier figures for %s (arch %s)",
                              m->id, m->arch[0] ? m->arch : "unknown");
    int rc = fwp_buf_printf(b, "at window 2^%u and %u-byte frames its %s "
                               "build needs %u bytes of RAM",
                            (unsigned)f->window_bits,
                            (unsigned)f->frame_size, f->build->id,
                            (unsigned)f->ram_need);
    if (rc == 0 && !f->ram_fits)
        rc = fwp_buf_printf(b, " (the part has %u)", (unsigned)m->ram_size);
    if (rc == 0)
        rc = fwp_buf_printf(b, " and %u of flash", (unsigned)f->flash_need);
    if (rc == 0 && !f->flash_fits)
        rc = fwp_buf_printf(b, " (the part has %u)", (unsigned)m->flash_size);
    return rc;
}

const char *fwp_verifier_build_for_arch(const char *arch)
{
    static const struct {
        const char *arch, *build;
    } map[] = {
        {"cortex-m0", "cortex-m0plus"}, {"cortex-m0plus", "cortex-m0plus"},
        {"cortex-m3", "cortex-m3"},     {"cortex-m4", "cortex-m4"},
        {"rv32imc", "rv32imc"},         {"avr", "avr"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(map[i].arch, arch) == 0)
            return map[i].build;
    return "";
}

/* The fixed RAM to assume without a build: the most any build needs. */
static uint32_t worst_fixed(void)
{
    uint32_t w = 0;
    for (size_t i = 0; i < sizeof builds / sizeof builds[0]; i++)
        if (builds[i].ram_fixed > w)
            w = builds[i].ram_fixed;
    return w;
}

void fwp_verifier_defaults(const fwp_verifier_build *b, uint32_t ram,
                           uint32_t *window_bits, uint32_t *frame_size)
{
    static const uint32_t frames[] = {4096, 1024, 256};
    fwp_verifier_build any = {"", "", "", 0, 0};
    uint64_t budget = (uint64_t)ram * 3 / 4; /* a quarter for the rest */
    if (!b) {
        any.ram_fixed = worst_fixed();
        b = &any;
    }
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        for (uint32_t w = FWPK_WINDOW_BITS_MAX; w >= FWPK_WINDOW_BITS_MIN;
             w--)
            if (fwp_verifier_ram(b, w, frames[i]) <= budget) {
                *window_bits = w;
                *frame_size = frames[i];
                return;
            }
    *window_bits = FWPK_WINDOW_BITS_MIN;
    *frame_size = FWPK_FRAME_SIZE_MIN;
}
