/* uart.c - UART0, received by sleeping until an event (uart.h). */
#include "uart.h"

#include "nrf51.h"
#include "timer.h"

uart_stats uart_count;

void uart_init(void)
{
    UART0_ENABLE = 0;
    UART0_PSELTXD = UART0_PIN_TX;
    UART0_PSELRXD = UART0_PIN_RX;
    UART0_BAUDRATE = UART0_BAUD_9600;
    UART0_ENABLE = UART0_ENABLE_ON;
    UART0_TXDRDY = 0;
    UART0_RXDRDY = 0;
    UART0_STARTTX = 1;
    UART0_STARTRX = 1;
    /* Wake-ups, not interrupts: PRIMASK stays set (nrf51.h, NVIC). */
    __asm__ volatile("cpsid i" ::: "memory");
    UART0_INTENSET = UART0_INTEN_RXDRDY;
    TIMER0_INTENSET = TIMER0_INTEN_COMPARE1;
    NVIC_ISER = (1u << UART0_IRQ) | (1u << TIMER0_IRQ);
}

void uart_putc(uint8_t c)
{
    UART0_TXDRDY = 0;
    UART0_TXD = c;
    while (UART0_TXDRDY == 0) /* a store before TXDRDY would be lost */
        ;
    uart_count.tx++;
}

void uart_write(const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len; i++)
        uart_putc(buf[i]);
}

/* RXDRDY is cleared before RXD is read: reading RXD sets it again when
 * the FIFO still holds a byte, so none is missed. */
static int take(void)
{
    UART0_RXDRDY = 0;
    uart_count.rx++;
    return (int)(UART0_RXD & 0xFFu);
}

/* Sleeps until a byte or the deadline (TIMER0 compare 1).  A byte that
 * arrives between the check and WFI leaves its interrupt pending, and a
 * pending interrupt ends WFI at once. */
int uart_getc(uint32_t timeout_ms)
{
    uint32_t t0 = timer_ticks(), limit = timeout_ms * TIMER_TICKS_PER_MS;
    TIMER0_COMPARE1 = 0;
    TIMER0_CC1 = t0 + limit;
    while (UART0_RXDRDY == 0) {
        if (timer_ticks() - t0 >= limit)
            return -1;
        __asm__ volatile("wfi" ::: "memory");
        TIMER0_COMPARE1 = 0;
        NVIC_ICPR = (1u << UART0_IRQ) | (1u << TIMER0_IRQ);
    }
    return take();
}

size_t uart_read(uint8_t *buf, size_t max, uint32_t timeout_ms)
{
    size_t n = 0;
    if (max == 0)
        return 0;
    int c = uart_getc(timeout_ms);
    if (c < 0)
        return 0;
    buf[n++] = (uint8_t)c;
    while (n < max && UART0_RXDRDY != 0)
        buf[n++] = (uint8_t)take();
    return n;
}
