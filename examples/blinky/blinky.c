/*
 * blinky.c - the sample application of examples/make and examples/cmake:
 * an STM32G030K8 (Cortex-M0+, 64 KiB flash, 8 KiB RAM) toggling PA5 every
 * 500 ms off the 16 MHz HSI, with its own vector table and startup, no
 * library.  It is linked for the application slot behind a bootloader
 * (blinky.ld), which points VTOR at it before jumping.
 */
#include <stdint.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define RCC_IOPENR REG(0x40021034u)  /* GPIO port clock enable */
#define GPIOA_MODER REG(0x50000000u)
#define GPIOA_ODR REG(0x50000014u)
#define SYST_CSR REG(0xE000E010u)    /* SysTick */
#define SYST_RVR REG(0xE000E014u)
#define SYST_CVR REG(0xE000E018u)

#define HSI_HZ 16000000u
#define LED_PIN 5u

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];

static volatile uint32_t ticks;
volatile uint32_t period_ms = 500; /* .data: copied from flash at reset */

void reset_handler(void);
void systick_handler(void);
static void fault_handler(void);

__attribute__((section(".vectors"), used))
static void (*const vectors[16])(void) = {
    (void (*)(void))(uintptr_t)_estack, /* initial stack pointer */
    reset_handler,
    fault_handler, /* NMI */
    fault_handler, /* HardFault */
    0, 0, 0, 0, 0, 0, 0,
    fault_handler, /* SVCall */
    0, 0,
    fault_handler, /* PendSV */
    systick_handler,
};

void systick_handler(void)
{
    ticks++;
}

static void fault_handler(void)
{
    for (;;)
        ;
}

static void delay_ms(uint32_t ms)
{
    uint32_t start = ticks;
    while (ticks - start < ms)
        __asm__ volatile("wfi");
}

int main(void)
{
    RCC_IOPENR |= 1u << 0; /* GPIOA */
    GPIOA_MODER = (GPIOA_MODER & ~(3u << 2 * LED_PIN)) | 1u << 2 * LED_PIN;
    SYST_RVR = HSI_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
    for (;;) {
        GPIOA_ODR ^= 1u << LED_PIN;
        delay_ms(period_ms);
    }
}

void reset_handler(void)
{
    uint32_t *s = _sidata, *d = _sdata;
    while (d < _edata)
        *d++ = *s++;
    for (d = _sbss; d < _ebss;)
        *d++ = 0;
    main();
    for (;;)
        ;
}
