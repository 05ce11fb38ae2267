/*
 * nrf51.h - the parts of the nRF51822 (QEMU -M microbit) the example uses,
 * from the nRF51 Series Reference Manual v3.0: memory map, NVMC (section
 * 6), UART0 (29), TIMER0 (18).  QEMU models each of them (hw/nvram/
 * nrf51_nvm.c, hw/char/nrf51_uart.c, hw/timer/nrf51_timer.c); what the
 * model does and does not do is said beside each block.
 *
 *   flash  0x00000000  256 KiB, 1 KiB pages, written a 32-bit word at a time
 *   RAM    0x20000000   16 KiB (the bootloader's linker script takes 8)
 */
#ifndef NRF51_H
#define NRF51_H

#include <stdint.h>

#define NRF51_FLASH_SIZE 0x40000u
#define NRF51_PAGE_SIZE 1024u

#define NRF_REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

/* NVMC.  QEMU: READY always reads 1 (erases and writes are instant);
 * CONFIG WEN lets 32-bit stores into flash AND the word (1 -> 0 only, as
 * NOR flash); EEN lets ERASEPAGE fill a page with 0xFF.  Stores of another
 * width into flash are bus errors, and a store while WEN is clear is
 * ignored (logged with -d guest_errors). */
#define NVMC_BASE 0x4001E000u
#define NVMC_READY NRF_REG(NVMC_BASE + 0x400u)
#define NVMC_CONFIG NRF_REG(NVMC_BASE + 0x504u)
#define NVMC_ERASEPAGE NRF_REG(NVMC_BASE + 0x508u)
#define NVMC_CONFIG_REN 0u
#define NVMC_CONFIG_WEN 1u
#define NVMC_CONFIG_EEN 2u

/* UART0.  QEMU: a 6-byte receive FIFO that takes bytes from the chardev
 * only while there is room (so a polled receiver loses nothing, whatever
 * the host sends), RXDRDY set while it holds a byte; TXD sends at once
 * and sets TXDRDY, and a store to TXD before TXDRDY is dropped.  The baud
 * rate register is stored, not timed: bytes move as fast as the host. */
#define UART0_BASE 0x40002000u
#define UART0_STARTRX NRF_REG(UART0_BASE + 0x000u)
#define UART0_STARTTX NRF_REG(UART0_BASE + 0x008u)
#define UART0_RXDRDY NRF_REG(UART0_BASE + 0x108u)
#define UART0_TXDRDY NRF_REG(UART0_BASE + 0x11Cu)
#define UART0_ERROR NRF_REG(UART0_BASE + 0x124u)
#define UART0_ERRORSRC NRF_REG(UART0_BASE + 0x480u)
#define UART0_ENABLE NRF_REG(UART0_BASE + 0x500u)
#define UART0_PSELTXD NRF_REG(UART0_BASE + 0x50Cu)
#define UART0_PSELRXD NRF_REG(UART0_BASE + 0x514u)
#define UART0_RXD NRF_REG(UART0_BASE + 0x518u)
#define UART0_TXD NRF_REG(UART0_BASE + 0x51Cu)
#define UART0_BAUDRATE NRF_REG(UART0_BASE + 0x524u)
#define UART0_INTENSET NRF_REG(UART0_BASE + 0x304u)
#define UART0_INTEN_RXDRDY (1u << 2)
#define UART0_IRQ 2u
#define UART0_ENABLE_ON 4u
#define UART0_BAUD_9600 0x00275000u
/* The micro:bit's interface-chip UART: TX P0.24, RX P0.25. */
#define UART0_PIN_TX 24u
#define UART0_PIN_RX 25u

/* TIMER0, 16 MHz >> PRESCALER.  QEMU counts virtual time, which under
 * -icount shift=0 is 1 ns per instruction while the CPU runs (one tick
 * per 62.5 instructions at prescaler 0) and follows the host's clock
 * while it sleeps in WFI (QEMU's default sleep=on): so timeouts waited
 * out in WFI last as long as they say, and instruction counts stay
 * exact. */
#define TIMER0_BASE 0x40008000u
#define TIMER0_START NRF_REG(TIMER0_BASE + 0x000u)
#define TIMER0_STOP NRF_REG(TIMER0_BASE + 0x004u)
#define TIMER0_CLEAR NRF_REG(TIMER0_BASE + 0x00Cu)
#define TIMER0_CAPTURE0 NRF_REG(TIMER0_BASE + 0x040u)
#define TIMER0_MODE NRF_REG(TIMER0_BASE + 0x504u)
#define TIMER0_BITMODE NRF_REG(TIMER0_BASE + 0x508u)
#define TIMER0_PRESCALER NRF_REG(TIMER0_BASE + 0x510u)
#define TIMER0_CC0 NRF_REG(TIMER0_BASE + 0x540u)
#define TIMER0_CC1 NRF_REG(TIMER0_BASE + 0x544u)
#define TIMER0_COMPARE1 NRF_REG(TIMER0_BASE + 0x144u)
#define TIMER0_INTENSET NRF_REG(TIMER0_BASE + 0x304u)
#define TIMER0_INTEN_COMPARE1 (1u << 17)
#define TIMER0_IRQ 8u

/* NVIC: interrupts are enabled here but masked by PRIMASK, so that WFI
 * wakes on them and no handler runs (the Cortex-M0's "sleep until an
 * event" with interrupts off). */
#define NVIC_ISER NRF_REG(0xE000E100u)
#define NVIC_ICER NRF_REG(0xE000E180u)
#define NVIC_ICPR NRF_REG(0xE000E280u)
#define TIMER0_BITMODE_32 3u
#define TIMER0_HZ 16000000u

#endif
