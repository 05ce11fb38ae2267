/* link.c - see link.h. */
#include "link.h"

fwpk_prog_err fwpk_link_send(fwpk_prog *p, const uint8_t *data, size_t len)
{
    fwpk_prog_err err = p->port.send(p->port.io, data, len);
    if (err == FWPK_PROG_OK)
        p->sent += (uint32_t)len;
    return err;
}

fwpk_prog_err fwpk_link_recv(fwpk_prog *p, uint8_t *buf, size_t len,
                             uint32_t timeout_ms)
{
    size_t got = 0;
    fwpk_prog_err err = p->port.recv(p->port.io, buf, len,
                                     timeout_ms ? timeout_ms : p->timeout_ms,
                                     &got);
    p->received += (uint32_t)got;
    if (err == FWPK_PROG_OK && got < len)
        err = FWPK_PROG_ERR_TIMEOUT;
    return err;
}

void fwpk_link_discard(fwpk_prog *p)
{
    if (p->port.discard)
        p->port.discard(p->port.io);
}

void fwpk_link_delay(fwpk_prog *p, uint32_t ms)
{
    if (p->port.delay)
        p->port.delay(p->port.io, ms);
}

static fwpk_prog_err set(fwpk_prog *p, uint8_t which, int asserted)
{
    if (which == FWPK_PROG_LINE_NONE)
        return FWPK_PROG_OK;
    if (!p->port.line)
        return FWPK_PROG_ERR_UNSUPPORTED;
    return p->port.line(p->port.io, (fwpk_prog_line)which, asserted);
}

/* Reset timings.  AVR: an Arduino's auto-reset is a capacitor from the
 * adapter's DTR (or RTS) pin to RESET, so the edge of asserting the line
 * (pin going low) is the reset pulse; it stays asserted.  Optiboot then
 * listens within a few ms.  STM32: the line is wired to NRST (asserted:
 * held in reset), BOOT0 to the other one (deasserted: pin high, the
 * system-memory bootloader), as ST's AN2606 wants it sampled at reset. */
#define AVR_RELEASE_MS 100u  /* line deasserted before the edge */
#define AVR_START_MS 50u     /* from the edge to the bootloader listening */
#define STM32_PULSE_MS 100u  /* NRST held low */
#define STM32_START_MS 100u  /* from NRST high to the bootloader's USART */

fwpk_prog_err fwpk_link_enter_bootloader(fwpk_prog *p)
{
    fwpk_prog_err err;
    if (p->drv->family == FWPK_PROG_AVR) {
        if (p->reset == FWPK_PROG_LINE_NONE)
            return FWPK_PROG_OK;
        if ((err = set(p, p->reset, 0)) != FWPK_PROG_OK)
            return err;
        fwpk_link_delay(p, AVR_RELEASE_MS);
        if ((err = set(p, p->reset, 1)) != FWPK_PROG_OK)
            return err;
        fwpk_link_delay(p, AVR_START_MS);
        fwpk_link_discard(p);
        return FWPK_PROG_OK;
    }
    if ((err = set(p, p->boot0, 0)) != FWPK_PROG_OK)
        return err;
    if (p->reset == FWPK_PROG_LINE_NONE)
        return FWPK_PROG_OK;
    if ((err = set(p, p->reset, 1)) != FWPK_PROG_OK)
        return err;
    fwpk_link_delay(p, STM32_PULSE_MS);
    if ((err = set(p, p->reset, 0)) != FWPK_PROG_OK)
        return err;
    fwpk_link_delay(p, STM32_START_MS);
    fwpk_link_discard(p);
    return FWPK_PROG_OK;
}

int fwpk_link_can_reset_to_app(const fwpk_prog *p)
{
    return p->drv->family == FWPK_PROG_STM32 &&
           p->reset != FWPK_PROG_LINE_NONE && p->boot0 != FWPK_PROG_LINE_NONE;
}

fwpk_prog_err fwpk_link_reset_to_app(fwpk_prog *p)
{
    fwpk_prog_err err = set(p, p->boot0, 1); /* BOOT0 low: boot from flash */
    if (err == FWPK_PROG_OK)
        err = set(p, p->reset, 1);
    fwpk_link_delay(p, STM32_PULSE_MS);
    if (err == FWPK_PROG_OK)
        err = set(p, p->reset, 0);
    return err;
}
