/*
 * mcu.c - MCU profiles: flash geometry from the datasheets, and a deflate
 * window and frame size that fit the part's RAM.
 */
#include <string.h>

#include "fwpack.h"

#define KIB 1024u

/* id, arch, flash base, flash size, erase block, write unit, RAM,
 * window bits (fwp_mcu_window_bits(RAM)), frame size */
static const fwp_mcu mcus[] = {
    /* RM0444: 2 KiB pages, 64-bit double-word programming */
    {"stm32g030k8", "cortex-m0plus", 0x08000000u, 64 * KIB, 2 * KIB, 8,
     8 * KIB, 12, 1024},
    /* RM0394: 2 KiB pages, 64-bit double-word programming */
    {"stm32l432kc", "cortex-m4", 0x08000000u, 256 * KIB, 2 * KIB, 8,
     64 * KIB, 15, 4096},
    /* SAM D21: 256-byte rows erased, 64-byte pages written */
    {"atsamd21g18a", "cortex-m0plus", 0x0u, 256 * KIB, 256, 64, 32 * KIB,
     14, 4096},
    /* nRF52840 NVMC: 4 KiB pages, 32-bit word writes */
    {"nrf52840", "cortex-m4", 0x0u, 1024 * KIB, 4 * KIB, 4, 256 * KIB, 15,
     4096},
    /* ESP32-C3: 4 MiB external SPI flash from offset 0, 4 KiB sectors */
    {"esp32c3", "rv32imc", 0x0u, 4096 * KIB, 4 * KIB, 4, 400 * KIB, 15,
     4096},
    /* ATmega328P: 128-byte pages, erased and written a page at a time */
    {"atmega328p", "avr", 0x0u, 32 * KIB, 128, 128, 2 * KIB, 9, 256},
};

uint32_t fwp_mcu_window_bits(uint32_t ram_size)
{
    if (ram_size <= 2 * KIB)
        return 9;
    if (ram_size <= 8 * KIB)
        return 12;
    if (ram_size <= 32 * KIB)
        return 14;
    return 15;
}

const fwp_mcu *fwp_mcu_table(size_t *count)
{
    *count = sizeof mcus / sizeof mcus[0];
    return mcus;
}

const fwp_mcu *fwp_mcu_find(const char *id)
{
    for (size_t i = 0; i < sizeof mcus / sizeof mcus[0]; i++)
        if (strcmp(mcus[i].id, id) == 0)
            return &mcus[i];
    return NULL;
}

/* Branch filter by architecture (SPEC.md 6.3): thumb for Cortex-M, rv32 for
 * RISC-V.  AVR has none: on avr-gcc programs, RCALL/RJMP as absolute
 * targets made deflate's output 0.7% larger overall (make bench-filters
 * shows it per program). */
uint32_t fwp_mcu_default_filter(const fwp_mcu *m)
{
    if (m && strncmp(m->arch, "cortex-m", 8) == 0)
        return FWPK_FILTER_THUMB;
    if (m && strncmp(m->arch, "rv32", 4) == 0)
        return FWPK_FILTER_RV32;
    return FWPK_FILTER_NONE;
}

/* LZMA lc/lp/pb by architecture (README "LZMA"): Thumb, RV32C and AVR code
 * is made of 16-bit units, so lp = pb = 1 (positions in pairs), and the
 * previous byte says little about the next (lc = 0), which also keeps the
 * device's probability table at its smallest useful size (lc + lp = 1).
 * Without a profile the same. */
void fwp_mcu_default_lzma(const fwp_mcu *m, uint32_t *lc, uint32_t *lp,
                          uint32_t *pb)
{
    (void)m;
    *lc = 0;
    *lp = 1;
    *pb = 1;
}
