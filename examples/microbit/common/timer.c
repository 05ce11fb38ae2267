/* timer.c - TIMER0 free-running (timer.h). */
#include "timer.h"

#include "nrf51.h"

static struct {
    uint32_t last; /* ticks at the previous timer_ms() */
    uint32_t ms;   /* milliseconds up to 'last' */
    uint32_t rest; /* ticks since the last whole millisecond */
} clock;

void timer_start(void)
{
    TIMER0_STOP = 1;
    TIMER0_MODE = 0; /* timer, not counter */
    TIMER0_BITMODE = TIMER0_BITMODE_32;
    TIMER0_PRESCALER = 0;
    TIMER0_CLEAR = 1;
    TIMER0_START = 1;
    clock.last = clock.ms = clock.rest = 0;
}

uint32_t timer_ticks(void)
{
    TIMER0_CAPTURE0 = 1;
    return TIMER0_CC0;
}

/* The tick counter wraps every 268 s; milliseconds are accumulated from
 * its differences, so they wrap at 2^32 as a caller expects (called at
 * least every 268 s, which every wait loop does). */
uint32_t timer_ms(void)
{
    uint32_t now = timer_ticks();
    clock.rest += now - clock.last;
    clock.last = now;
    clock.ms += clock.rest / TIMER_TICKS_PER_MS;
    clock.rest %= TIMER_TICKS_PER_MS;
    return clock.ms;
}

void timer_delay_ms(uint32_t ms)
{
    uint32_t t0 = timer_ms();
    while (timer_ms() - t0 < ms)
        ;
}
