/* timer.c - CMSDK timer0 as a free-running instruction counter. */
#include "timer.h"

#include "mps2.h"

void timer0_start(void)
{
    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 0xFFFFFFFFu;
    TIMER0_VALUE = 0xFFFFFFFFu;
    TIMER0_CTRL = 1; /* enable, system clock, no interrupt */
}

uint32_t timer0_ticks(void)
{
    return 0xFFFFFFFFu - TIMER0_VALUE;
}
