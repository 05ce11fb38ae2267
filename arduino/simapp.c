/*
 * simapp.c - the application the Uno agent's simavr run installs (make
 * arduino-sim; arduino/simrun.sh), linked for the active slot of the
 * agent's ATmega2560 layout.  It only ends the simulation (sleep with
 * interrupts off: simavr_pty logs "done"), which tells the run that the
 * agent committed, copied and handed over.  Its version string and a
 * table make v1 and v2 differ over several frames.
 */
#include <avr/interrupt.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdint.h>

#ifndef APP_VERSION
#define APP_VERSION "0.0.0"
#endif

const char version[] PROGMEM __attribute__((used)) = "app " APP_VERSION;

/* 1 KB of a linear congruential sequence, seeded by the release number
 * (APP_SEED): compressible a little, different in every release */
#define LCG(x) ((uint8_t)(((x) * 1103515245u + 12345u) >> 16))
#define ROW(i) LCG(i), LCG(i + 1), LCG(i + 2), LCG(i + 3), LCG(i + 4), \
               LCG(i + 5), LCG(i + 6), LCG(i + 7)
#define ROWS(i) ROW(i), ROW(i + 8), ROW(i + 16), ROW(i + 24), ROW(i + 32), \
                ROW(i + 40), ROW(i + 48), ROW(i + 56)
#ifndef APP_SEED
#define APP_SEED 0
#endif
#define SEED (APP_SEED * 4099u)
const uint8_t table[] PROGMEM __attribute__((used)) = {
    ROWS(SEED), ROWS(SEED + 64), ROWS(SEED + 128), ROWS(SEED + 192),
    ROWS(SEED + 256), ROWS(SEED + 320), ROWS(SEED + 384), ROWS(SEED + 448),
    ROWS(SEED + 512), ROWS(SEED + 576), ROWS(SEED + 640), ROWS(SEED + 704),
    ROWS(SEED + 768), ROWS(SEED + 832), ROWS(SEED + 896), ROWS(SEED + 960)};

int main(void)
{
    cli();
    sleep_enable();
    sleep_cpu();
    for (;;)
        ;
}
