/*
 * Arduino.h - the part of the Arduino API the Samd21UpdateAgent example
 * uses, for building it with Debian's arm-none-eabi-gcc: Debian packages
 * no SAMD core (ArduinoCore-samd).  With the real core, its own Arduino.h
 * is used instead and this directory plays no part.  core.cpp implements
 * it on an ATSAMD21G18A (8 MHz internal oscillator, SysTick, SERCOM3 as
 * the I2C master on PA22/PA23 as on the Arduino Zero, the LED on PA17).
 * It is built and measured, never run: there is no SAMD21 emulator in
 * Debian.
 */
#ifndef ARDUINO_H
#define ARDUINO_H

#include <stddef.h>
#include <stdint.h>

#define HIGH 1
#define LOW 0
#define OUTPUT 1
#define LED_BUILTIN 13

uint32_t millis(void);
void delay(uint32_t ms);
void pinMode(uint8_t pin, uint8_t mode);
void digitalWrite(uint8_t pin, uint8_t value);

void setup(void);
void loop(void);

#endif
