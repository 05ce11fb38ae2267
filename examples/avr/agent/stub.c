/*
 * stub.c - the boot section of the ATmega328P in-place example (stub.h):
 * the reset entry (BOOTRST programmed: the CPU starts here), the SPM
 * routine the update agent writes flash through, and the gate that starts
 * the application only when its image is confirmed.
 *
 * Linked on its own at STUB_BASE with no C runtime and no library
 * (-nostartfiles -nostdlib): nothing in it can call out of the boot
 * section; the only jumps out are to the application (0) and the agent
 * (STUB_IMAGE_END).  No interrupts, no RAM of its own but the stack.
 */
#include <avr/boot.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <stdint.h>

#include "stub.h"

void stub_reset(void) __attribute__((naked, used));
uint8_t stub_spm(uint16_t page, const uint8_t *data) __attribute__((used));
void stub_start_app(void) __attribute__((used));
static void stub_main(void) __attribute__((used, noreturn, OS_main));

/* The fixed entries (stub.h), first in the boot section. */
__attribute__((naked, used, section(".vectors"))) static void stub_entries(void)
{
    __asm__ volatile("rjmp stub_reset\n\t"
                     "rjmp stub_spm\n\t"
                     "rjmp stub_start_app\n\t");
}

/* The C environment a reset does not give: r1 zero, SREG clear, SP at
 * the top of RAM. */
void stub_reset(void)
{
    __asm__ volatile("clr __zero_reg__\n\t"
                     "out __SREG__, __zero_reg__\n\t"
                     "ldi r28, lo8(%0)\n\t"
                     "ldi r29, hi8(%0)\n\t"
                     "out __SP_H__, r29\n\t"
                     "out __SP_L__, r28\n\t"
                     "rjmp stub_main\n\t" ::"i"(RAMEND));
}

static uint8_t state(void)
{
    while (EECR & (1 << EEPE))
        ;
    EEAR = STUB_STATE_ADDR;
    EECR |= 1 << EERE;
    return EEDR;
}

/* An application starts with its vector table: "jmp __ctors_end". */
static uint8_t app_present(void)
{
    return (pgm_read_word(0) & 0xFE0Eu) == 0x940Cu;
}

void stub_start_app(void)
{
    if (state() == STUB_CONFIRMED && app_present())
        ((void (*)(void))0)();
}

static void stub_main(void)
{
    /* An input since reset; the host drives it (or an external pull-up
     * holds it high).  No internal pull-up: simavr 1.6 would read the
     * PORT bit back instead of the host's level. */
    if (PIND & (1 << STUB_UPDATE_PIN))
        stub_start_app();
    ((void (*)(void))(STUB_IMAGE_END / 2))(); /* the agent */
    for (;;)
        ;
}

/* One page: erased (data NULL) or programmed from RAM, then the RWW
 * section re-enabled before returning to the agent that runs there. */
uint8_t stub_spm(uint16_t page, const uint8_t *data)
{
    if ((page & (SPM_PAGESIZE - 1)) || page >= STUB_IMAGE_END)
        return 1;
    uint8_t sreg = SREG;
    __asm__ volatile("cli" ::: "memory");
    while (EECR & (1 << EEPE)) /* no SPM while EEPROM is written */
        ;
    boot_spm_busy_wait();
    if (!data) {
        boot_page_erase(page);
    } else {
        for (uint8_t i = 0; i < SPM_PAGESIZE; i += 2)
            boot_page_fill(page + i, data[i] | (uint16_t)data[i + 1] << 8);
        boot_page_write(page);
    }
    boot_spm_busy_wait();
    boot_rww_enable();
    SREG = sreg;
    return 0;
}
