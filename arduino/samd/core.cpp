/*
 * core.cpp - the stand-in core of Arduino.h and Wire.h on an ATSAMD21G18A:
 * reset handler and vector table, the 8 MHz internal clock, millis() from
 * SysTick, the LED pin, and a polled I2C master on SERCOM3 (SDA PA22, SCL
 * PA23, 100 kHz).  Registers by address (SAMD21 datasheet), no vendor
 * headers: Debian has none for the SAMD21.
 */
#include "Arduino.h"
#include "Wire.h"

#define REG8(a) (*(volatile uint8_t *)(a))
#define REG16(a) (*(volatile uint16_t *)(a))
#define REG32(a) (*(volatile uint32_t *)(a))

#define SYSCTRL_OSC8M REG32(0x40000820u)
#define PM_APBCMASK REG32(0x40000420u)
#define GCLK_STATUS REG8(0x40000C01u)
#define GCLK_CLKCTRL REG16(0x40000C02u)
#define PORTA_DIRSET REG32(0x41004408u)
#define PORTA_OUTCLR REG32(0x41004414u)
#define PORTA_OUTSET REG32(0x41004418u)
#define PORTA_PMUX(n) REG8(0x41004430u + (n))
#define PORTA_PINCFG(n) REG8(0x41004440u + (n))
#define SYST_CSR REG32(0xE000E010u)
#define SYST_RVR REG32(0xE000E014u)
#define SYST_CVR REG32(0xE000E018u)

#ifndef F_CPU
#define F_CPU 8000000L /* OSC8M, prescaler 1 */
#endif
#define CPU_HZ ((uint32_t)F_CPU)
#define LED_PIN 17u /* PA17 */

/* ---- time ---- */

static volatile uint32_t ms_count;

extern "C" void SysTick_Handler(void)
{
    ms_count++;
}

uint32_t millis(void)
{
    return ms_count;
}

void delay(uint32_t ms)
{
    uint32_t t0 = millis();
    while (millis() - t0 < ms)
        ;
}

/* ---- the LED, the only pin the example uses ---- */

void pinMode(uint8_t pin, uint8_t mode)
{
    if (pin == LED_BUILTIN && mode == OUTPUT)
        PORTA_DIRSET = 1u << LED_PIN;
}

void digitalWrite(uint8_t pin, uint8_t value)
{
    if (pin != LED_BUILTIN)
        return;
    if (value)
        PORTA_OUTSET = 1u << LED_PIN;
    else
        PORTA_OUTCLR = 1u << LED_PIN;
}

/* ---- I2C master, SERCOM3 ---- */

#define I2C_CTRLA REG32(0x42001400u)
#define I2C_CTRLB REG32(0x42001404u)
#define I2C_BAUD REG32(0x4200140Cu)
#define I2C_INTFLAG REG8(0x42001418u)
#define I2C_STATUS REG16(0x4200141Au)
#define I2C_SYNCBUSY REG32(0x4200141Cu)
#define I2C_ADDR REG32(0x42001424u)
#define I2C_DATA REG8(0x42001428u)
#define I2C_MB 0x01u   /* INTFLAG: master on bus (a write byte done) */
#define I2C_SB 0x02u   /* INTFLAG: slave on bus (a read byte in) */
#define I2C_RXNACK 0x04u
#define I2C_CMD_READ (2u << 16)
#define I2C_CMD_STOP (3u << 16)
#define I2C_ACKACT (1u << 18)
#define I2C_SPINS 100000u /* about 50 ms at 8 MHz: a bus that hangs */

TwoWire Wire;

static bool i2c_wait(uint8_t flags)
{
    for (uint32_t n = 0; n < I2C_SPINS; n++)
        if (I2C_INTFLAG & flags)
            return true;
    return false;
}

static void i2c_stop(void)
{
    I2C_CTRLB = (I2C_CTRLB & ~(3u << 16)) | I2C_CMD_STOP;
    while (I2C_SYNCBUSY & 4u)
        ;
}

void TwoWire::begin(void)
{
    PM_APBCMASK |= 1u << 5;                   /* SERCOM3 bus clock */
    GCLK_CLKCTRL = (1u << 14) | 0x17u;        /* GCLK0 -> SERCOM3_CORE */
    while (GCLK_STATUS & 0x80u)
        ;
    PORTA_PMUX(11) = 0x22u;                   /* PA22, PA23: function C */
    PORTA_PINCFG(22) = 1u;
    PORTA_PINCFG(23) = 1u;
    I2C_CTRLA = 1u;                           /* reset */
    while (I2C_SYNCBUSY & 1u)
        ;
    I2C_CTRLA = 5u << 2;                      /* I2C master */
    I2C_BAUD = (CPU_HZ / 100000u - 10u) / 2u;  /* 100 kHz */
    I2C_CTRLA |= 2u;                          /* enable */
    while (I2C_SYNCBUSY & 2u)
        ;
    I2C_STATUS = 1u << 4;                     /* bus state: idle */
    while (I2C_SYNCBUSY & 4u)
        ;
}

void TwoWire::beginTransmission(uint8_t addr)
{
    addr_ = addr;
    tx_len_ = 0;
}

size_t TwoWire::write(const uint8_t *data, size_t len)
{
    size_t n = 0;
    while (n < len && tx_len_ < sizeof tx_)
        tx_[tx_len_++] = data[n++];
    return n;
}

/* 0: sent; 2: address not acknowledged; 3: data not acknowledged;
 * 4: the bus hung (as Arduino's Wire numbers them). */
uint8_t TwoWire::endTransmission(bool stop)
{
    uint8_t result = 0;
    I2C_ADDR = (uint32_t)addr_ << 1;
    if (!i2c_wait(I2C_MB))
        result = 4;
    else if (I2C_STATUS & I2C_RXNACK)
        result = 2;
    for (uint16_t i = 0; result == 0 && i < tx_len_; i++) {
        I2C_DATA = tx_[i];
        if (!i2c_wait(I2C_MB))
            result = 4;
        else if (I2C_STATUS & I2C_RXNACK)
            result = 3;
    }
    if (stop || result != 0)
        i2c_stop();
    return result;
}

/* Each byte but the last acknowledged; the last one not, then a stop. */
uint8_t TwoWire::requestFrom(uint8_t addr, size_t len, bool stop)
{
    rx_len_ = rx_pos_ = 0;
    if (len == 0 || len > sizeof rx_)
        return 0;
    I2C_ADDR = (uint32_t)addr << 1 | 1u;
    for (size_t i = 0; i < len; i++) {
        if (!i2c_wait(I2C_SB)) {
            i2c_stop();
            return 0;
        }
        rx_[rx_len_++] = I2C_DATA;
        if (i + 1 < len) {
            I2C_CTRLB = (I2C_CTRLB & ~(I2C_ACKACT | 3u << 16)) | I2C_CMD_READ;
        } else {
            I2C_CTRLB |= I2C_ACKACT;
            if (stop)
                i2c_stop();
        }
    }
    return (uint8_t)rx_len_;
}

int TwoWire::available(void)
{
    return rx_len_ - rx_pos_;
}

int TwoWire::read(void)
{
    return rx_pos_ < rx_len_ ? rx_[rx_pos_++] : -1;
}

/* ---- reset ---- */

extern uint32_t _sidata[], _sdata[], _edata[], _sbss[], _ebss[], _estack[];
extern void (*__init_array_start[])(void);
extern void (*__init_array_end[])(void);

int main(void)
{
    SYSCTRL_OSC8M &= ~(3u << 8); /* prescaler 1: 8 MHz */
    SYST_RVR = CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = 7u; /* CPU clock, interrupt, enable */
    setup();
    for (;;)
        loop();
}

extern "C" void Reset_Handler(void)
{
    uint32_t *src = _sidata, *dst = _sdata;
    /* the linker script's bounds of one region each, not separate objects */
    // cppcheck-suppress comparePointers
    while (dst < _edata)
        *dst++ = *src++;
    // cppcheck-suppress comparePointers
    for (dst = _sbss; dst < _ebss; dst++)
        *dst = 0;
    for (void (**f)(void) = __init_array_start; f < __init_array_end; f++)
        (*f)();
    main();
}

extern "C" void Default_Handler(void)
{
    for (;;)
        ;
}

/* Cortex-M0+ vectors: the stack, reset, NMI, HardFault, 7 reserved,
 * SVCall, 2 reserved, PendSV, SysTick; the peripherals' are not used. */
__attribute__((section(".isr_vector"), used)) static void (*const vectors[16])(
    void) = {
    (void (*)(void))_estack, Reset_Handler, Default_Handler, Default_Handler,
    0, 0, 0, 0, 0, 0, 0, Default_Handler, 0, 0, Default_Handler,
    SysTick_Handler,
};
