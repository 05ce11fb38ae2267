/*
 * chips.c - the MCUs outboard updates program: fwpack's MCU id (the
 * manifest's, tools/lib/mcu.c's profiles), and what the chip's bootloader
 * says it is, with the geometry the protocol works in.
 */
#include <string.h>

#include "fwpk_prog.h"

#define KIB 1024u

static const fwpk_prog_chip chips[] = {
    /* ATmega328P datasheet, 27.8.1: signature 1E 95 0F; 64-word pages */
    {"atmega328p", FWPK_PROG_AVR, 0x1e950fu, 0x0u, 32 * KIB, 128},
    /* ATmega32U4 (Caterina, AVR109): 1E 95 87; 64-word pages */
    {"atmega32u4", FWPK_PROG_AVR, 0x1e9587u, 0x0u, 32 * KIB, 128},
    /* ATmega168: 1E 94 06, 64-word pages (Optiboot's other build) */
    {"atmega168", FWPK_PROG_AVR, 0x1e9406u, 0x0u, 16 * KIB, 128},
    /* RM0444 / AN2606: STM32G03x/04x product id 0x466, 2 KiB pages */
    {"stm32g030k8", FWPK_PROG_STM32, 0x466u, 0x08000000u, 64 * KIB, 2 * KIB},
    /* RM0394 / AN2606: STM32L43x/44x product id 0x435, 2 KiB pages */
    {"stm32l432kc", FWPK_PROG_STM32, 0x435u, 0x08000000u, 256 * KIB, 2 * KIB},
};

#define CHIP_COUNT (sizeof chips / sizeof chips[0])

const fwpk_prog_chip *fwpk_prog_chip_find(const char *mcu)
{
    size_t i;
    if (mcu == NULL)
        return NULL;
    for (i = 0; i < CHIP_COUNT; i++)
        if (strcmp(chips[i].mcu, mcu) == 0)
            return &chips[i];
    return NULL;
}

const fwpk_prog_chip *fwpk_prog_chip_by_id(uint8_t family, uint32_t id)
{
    size_t i;
    for (i = 0; i < CHIP_COUNT; i++)
        if (chips[i].family == family && chips[i].id == id)
            return &chips[i];
    return NULL;
}
