/*
 * stub.h - the boot section of the ATmega328P in-place example, as the
 * update agent sees it: three fixed entries at the start of the boot
 * section (STUB_BASE, the BOOTRST address), a jump table that stays where
 * it is whatever the stub's code becomes.
 *
 *   STUB_BASE + 0  reset: start the application if it is confirmed and no
 *                  update waits (PD2 low), else the agent
 *   STUB_BASE + 2  stub_spm(page, data): erase one page (data NULL) or
 *                  program it with SPM_PAGESIZE bytes from RAM; 0 = done,
 *                  nonzero = refused (not a page of the image region)
 *   STUB_BASE + 4  stub_start_app(): jump to the application if it is
 *                  confirmed and starts with a jmp; returns otherwise
 *
 * SPM executes only from the boot section, so every write to flash goes
 * through stub_spm, which also refuses any page at or above
 * STUB_IMAGE_END: the agent and the stub cannot erase themselves, whatever
 * a container says.  Each call returns with the operation finished and
 * the RWW section readable again (the agent runs there).
 *
 * The state: one EEPROM byte (STUB_STATE_ADDR).  STUB_CONFIRMED only
 * after fwpk_finish() returned FWPK_OK for the image in flash; the agent
 * sets it to 0xFF (erased) before its first page erase.
 */
#ifndef STUB_H
#define STUB_H

#include <stdint.h>

#ifndef STUB_BASE
#define STUB_BASE 0x7E00u /* BOOTSZ = 256 words */
#endif
#ifndef STUB_IMAGE_END
#define STUB_IMAGE_END 0x2800u /* the agent's first byte */
#endif
#define STUB_STATE_ADDR 0u
#define STUB_CONFIRMED 0xC3u
/* PD2: the host pulls it low while it has an update to offer (a Notecard
 * ATTN line would do), and holds it high otherwise (or an external
 * pull-up does). */
#define STUB_UPDATE_PIN 2

/* The entries, as the agent calls them (word addresses). */
#define STUB_SPM ((uint8_t(*)(uint16_t, const uint8_t *))(STUB_BASE / 2 + 1))
#define STUB_START_APP ((void (*)(void))(STUB_BASE / 2 + 2))

#endif
