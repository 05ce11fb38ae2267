/*
 * mcu.c - the built-in MCU profiles: flash geometry from each part's
 * reference manual or datasheet, its RAM, a deflate window and frame size,
 * and the verifier build (verifier_fit.c) whose figures say whether the
 * verifier fits the part.  Profile files add more (mcu_file.c).
 */
#include <string.h>
#include <strings.h>

#include "fwpack.h"

#define KIB 1024u
#define ST_FLASH 0x08000000u /* STM32 main flash */

/* id, arch, flash base, flash size, erase block, write unit, RAM, window
 * bits, frame size, verifier build.  The build, window and frame were what
 * fwp_verifier_build_for and fwp_verifier_defaults picked for the part's
 * arch and RAM when the profile was added (the buffered build where it
 * fits well, else the streaming one, whose window is in flash), and they
 * stay: bootloaders are built for a profile's window and frame size
 * (FWPK_WINDOW_BITS, FWPK_MAX_FRAME_SIZE), so new figures must not change
 * them.  tests/test_mcus.c checks that each still fits with today's
 * figures.  fwpack mcus shows which parts no verifier fits.
 *
 * One change on purpose (issue 15): every part below 2^15 or 4096-byte
 * frames moved to 2^15 and 4096 where the window read back from flash
 * makes that fit: the AVR parts and the stm32g030k8 (their streaming
 * build needs the same RAM at any window; the AVR's 2^9 waited for the
 * AVR build to decode far distances right), and the Cortex-M parts with
 * 20-36 KiB of RAM, whose buffered build now keeps a 512-byte ring instead
 * of the window (the -flashwin builds: frames still checked before a byte
 * is decoded).  An avr-libc program's container is 27% smaller at 2^15
 * (bench/RESULTS.md). */
static const fwp_mcu mcus[] = {
    /* STM32F0, RM0360 / RM0091: 1 or 2 KiB pages, half-word programming */
    {"stm32f030c8", "cortex-m0", ST_FLASH, 64 * KIB, 1 * KIB, 2, 8 * KIB, 15,
     4096, "cortex-m0plus-stream", ""},
    {"stm32f072rb", "cortex-m0", ST_FLASH, 128 * KIB, 2 * KIB, 2, 16 * KIB, 15,
     4096, "cortex-m0plus-stream", ""},
    /* STM32F1, RM0008: 1 KiB pages (medium density), 2 KiB (high
     * density), half-word programming */
    {"stm32f103c8", "cortex-m3", ST_FLASH, 64 * KIB, 1 * KIB, 2, 20 * KIB, 15,
     4096, "cortex-m3-flashwin", ""},
    {"stm32f103rb", "cortex-m3", ST_FLASH, 128 * KIB, 1 * KIB, 2, 20 * KIB, 15,
     4096, "cortex-m3-flashwin", ""},
    {"stm32f103re", "cortex-m3", ST_FLASH, 512 * KIB, 2 * KIB, 2, 64 * KIB, 15,
     4096, "cortex-m3", ""},
    /* STM32G0, RM0444: 2 KiB pages, 64-bit double-word programming */
    {"stm32g030k8", "cortex-m0plus", ST_FLASH, 64 * KIB, 2 * KIB, 8, 8 * KIB,
     15, 4096, "cortex-m0plus-stream", ""},
    {"stm32g071rb", "cortex-m0plus", ST_FLASH, 128 * KIB, 2 * KIB, 8, 36 * KIB,
     15, 4096, "cortex-m0plus-flashwin", ""},
    /* STM32L0, RM0367: 128-byte pages erased, 32-bit words written */
    {"stm32l053r8", "cortex-m0plus", ST_FLASH, 64 * KIB, 128, 4, 8 * KIB, 15,
     4096, "cortex-m0plus-stream", ""},
    {"stm32l073rz", "cortex-m0plus", ST_FLASH, 192 * KIB, 128, 4, 20 * KIB, 15,
     4096, "cortex-m0plus-flashwin", ""},
    /* STM32L4, RM0394 / RM0351: 2 KiB pages, 64-bit double-word
     * programming */
    {"stm32l432kc", "cortex-m4", ST_FLASH, 256 * KIB, 2 * KIB, 8, 64 * KIB, 15,
     4096, "cortex-m4", ""},
    {"stm32l476rg", "cortex-m4", ST_FLASH, 1024 * KIB, 2 * KIB, 8, 128 * KIB,
     15, 4096, "cortex-m4", ""},
    /* STM32G4, RM0440: 2 KiB pages (dual-bank mode, the default on the
     * G47x), 64-bit double-word programming */
    {"stm32g431kb", "cortex-m4", ST_FLASH, 128 * KIB, 2 * KIB, 8, 32 * KIB, 15,
     4096, "cortex-m4-flashwin", ""},
    {"stm32g474re", "cortex-m4", ST_FLASH, 512 * KIB, 2 * KIB, 8, 128 * KIB,
     15, 4096, "cortex-m4", ""},
    /* SAM D21: 256-byte rows erased, 64-byte pages written */
    {"atsamd21g18a", "cortex-m0plus", 0x0u, 256 * KIB, 256, 64, 32 * KIB, 15,
     4096, "cortex-m0plus-flashwin", ""},
    /* SAM D5x: 8 KiB blocks erased, 16-byte quad-words written */
    {"atsamd51j19a", "cortex-m4", 0x0u, 512 * KIB, 8 * KIB, 16, 192 * KIB, 15,
     4096, "cortex-m4", ""},
    {"atsamd51j20a", "cortex-m4", 0x0u, 1024 * KIB, 8 * KIB, 16, 256 * KIB, 15,
     4096, "cortex-m4", ""},
    /* nRF51 NVMC (xxAA): 1 KiB pages, 32-bit word writes */
    {"nrf51822", "cortex-m0", 0x0u, 256 * KIB, 1 * KIB, 4, 16 * KIB, 15, 4096,
     "cortex-m0plus-stream", ""},
    /* nRF52840 NVMC: 4 KiB pages, 32-bit word writes */
    {"nrf52840", "cortex-m4", 0x0u, 1024 * KIB, 4 * KIB, 4, 256 * KIB, 15,
     4096, "cortex-m4", ""},
    /* ESP32-C3: 4 MiB external SPI flash from offset 0, 4 KiB sectors */
    {"esp32c3", "rv32imc", 0x0u, 4096 * KIB, 4 * KIB, 4, 400 * KIB, 15, 4096,
     "rv32imc", ""},
    /* megaAVR: pages erased and written a page at a time (SPM; NVMCTRL on
     * the 4809), 128 bytes (64 words) or 256 bytes (128 words) */
    {"atmega328p", "avr", 0x0u, 32 * KIB, 128, 128, 2 * KIB, 15, 4096,
     "avr-one", ""},
    {"atmega328pb", "avr", 0x0u, 32 * KIB, 128, 128, 2 * KIB, 15, 4096,
     "avr-one", ""},
    {"atmega64a", "avr", 0x0u, 64 * KIB, 256, 256, 4 * KIB, 15, 4096,
     "avr-stream", ""},
    {"atmega1284p", "avr", 0x0u, 128 * KIB, 256, 256, 16 * KIB, 15, 4096,
     "avr-stream", ""},
    {"atmega4809", "avr", 0x0u, 48 * KIB, 128, 128, 6 * KIB, 15, 4096,
     "avr-stream", ""},
};

const fwp_mcu *fwp_mcu_table(size_t *count)
{
    *count = sizeof mcus / sizeof mcus[0];
    return mcus;
}

const fwp_mcu *fwp_mcu_find(const char *id)
{
    for (size_t i = 0; i < sizeof mcus / sizeof mcus[0]; i++)
        if (strcasecmp(mcus[i].id, id) == 0)
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
