/*
 * link.h - what the protocol drivers share: the caller's port with the
 * bytes on the wire counted, answers awaited with the programmer's
 * timeout (a short answer is FWPK_PROG_ERR_TIMEOUT), and the reset
 * sequences on the modem lines.  Internal to the programmer library.
 */
#ifndef FWPK_PROG_LINK_H
#define FWPK_PROG_LINK_H

#include "fwpk_prog.h"

fwpk_prog_err fwpk_link_send(fwpk_prog *p, const uint8_t *data, size_t len);
/* Exactly len bytes within timeout_ms (0: the programmer's timeout). */
fwpk_prog_err fwpk_link_recv(fwpk_prog *p, uint8_t *buf, size_t len,
                             uint32_t timeout_ms);
void fwpk_link_discard(fwpk_prog *p);
void fwpk_link_delay(fwpk_prog *p, uint32_t ms);

/* Resets the target into its bootloader with the lines p->reset and
 * p->boot0 (nothing when neither is wired). */
fwpk_prog_err fwpk_link_enter_bootloader(fwpk_prog *p);
/* Resets it into its application (BOOT0 low, a reset pulse); 1 when the
 * wiring allows it, 0 when the driver's go() must do it. */
int fwpk_link_can_reset_to_app(const fwpk_prog *p);
fwpk_prog_err fwpk_link_reset_to_app(fwpk_prog *p);

#endif
