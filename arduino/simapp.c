/*
 * simapp.c - the application the Uno agent's simavr run installs (make
 * arduino-sim; arduino/simrun.sh), linked for the active slot of the
 * agent's ATmega2560 layout.  It only ends the simulation (sleep with
 * interrupts off: simavr_pty logs "done"), which tells the run that the
 * agent committed, copied and handed over.  Its version string and a
 * table make v1 and v2 differ.
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
 * (APP_SEED): compressible a little, different in every release.  Copies
 * of it follow at distances that take each of deflate's six longest
 * distance codes (24..29: 4,097 to 32,768 back), zeros between: a
 * container packed with a 2^15 window repeats them as matches that far
 * back, read from flash through the agent's fl_read (far beyond the
 * verifier's 512-byte ring).  A decoder that computes a distance in a
 * 16-bit int gets them wrong (make arduino-sim would end in "image digest
 * mismatch"). */
#define LCG(x) ((uint8_t)(((x) * 1103515245u + 12345u) >> 16))
#define ROW(i) LCG(i), LCG(i + 1), LCG(i + 2), LCG(i + 3), LCG(i + 4), \
               LCG(i + 5), LCG(i + 6), LCG(i + 7)
#define ROWS(i) ROW(i), ROW(i + 8), ROW(i + 16), ROW(i + 24), ROW(i + 32), \
                ROW(i + 40), ROW(i + 48), ROW(i + 56)
#define KB(i) ROWS(i), ROWS(i + 64), ROWS(i + 128), ROWS(i + 192), \
              ROWS(i + 256), ROWS(i + 320), ROWS(i + 384), ROWS(i + 448), \
              ROWS(i + 512), ROWS(i + 576), ROWS(i + 640), ROWS(i + 704), \
              ROWS(i + 768), ROWS(i + 832), ROWS(i + 896), ROWS(i + 960)
#ifndef APP_SEED
#define APP_SEED 0
#endif
#define SEED (APP_SEED * 4099u)
/* the k-th 128 bytes of the sequence again, d bytes after the first */
#define SLICE(k, d) [128 * (k) + (d)] = ROWS(SEED + 128 * (k)), \
                                        ROWS(SEED + 128 * (k) + 64)
const uint8_t table[31 * 1024] PROGMEM __attribute__((used)) = {
    KB(SEED),          SLICE(0, 5000),  SLICE(1, 7000),
    SLICE(2, 10000),   SLICE(3, 14000), SLICE(4, 20000),
    [30 * 1024] = KB(SEED)}; /* all of it again, 30,720 back */

int main(void)
{
    cli();
    sleep_enable();
    sleep_cpu();
    for (;;)
        ;
}
