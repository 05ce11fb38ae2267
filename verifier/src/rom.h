/*
 * rom.h - the verifier's constant tables in program memory (internal).
 *
 * On AVR (a Harvard machine) the C startup copies every const table into
 * RAM, where SHA-512's round constants and Ed25519's points would cost
 * 1.4 KB of a 2 KB part.  A table marked FWPK_ROM stays in flash there
 * and is read with fwpk_rom_read() (avr-libc's memcpy_P, LPM).  On every
 * other target FWPK_ROM is nothing and the read a memcpy, which the
 * compiler turns into plain loads.  Every table is read through here, so
 * no other file knows about the AVR.  FWPK_ROM_MAPPED says whether a
 * table can also be read where it is, through a plain pointer (not on
 * AVR): code that would copy a piece of a table only to read it once can
 * then skip the copy.
 */
#ifndef FWPK_ROM_H
#define FWPK_ROM_H

#include <stddef.h>
#include <string.h>

#if defined(__AVR__)
#include <avr/pgmspace.h>
#define FWPK_ROM PROGMEM
#define FWPK_ROM_MAPPED 0
static inline void fwpk_rom_read(void *dst, const void *src, size_t n)
{
    memcpy_P(dst, src, n);
}
#else
#define FWPK_ROM
#define FWPK_ROM_MAPPED 1
static inline void fwpk_rom_read(void *dst, const void *src, size_t n)
{
    memcpy(dst, src, n);
}
#endif

#endif
