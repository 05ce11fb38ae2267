/*
 * fwpk_config.h - the verifier's compile-time options for Arduino boards.
 *
 * Every option below changes struct fwpk_ctx, so the library's files and
 * the sketch must all see the same values: fwpk_verify.h includes this
 * file first (make arduino-lib adds the #include), and each value is
 * taken only if not already defined.  To change one, either
 *   - pass it to every file the build compiles, e.g. with arduino-cli:
 *       --build-property compiler.c.extra_flags=-DFWPK_WINDOW_BITS=12
 *       --build-property compiler.cpp.extra_flags=-DFWPK_WINDOW_BITS=12
 *     (the IDE: the same two lines in a platform.local.txt), or
 *   - edit this file in your copy of the library.
 * A #define in the sketch alone reaches only the sketch: fwpack.h's
 * fwpk_config_ctx_size tells the mismatch at run time.
 *
 * What each option means: fwpk_verify.h, and docs/porting.md section 3 in
 * the fwpack tree.  The defaults are the builds fwpack's MCU profiles
 * assume (fwpack mcus): containers packed with --mcu for the part fit them.
 */
#ifndef FWPK_CONFIG_H
#define FWPK_CONFIG_H

#if defined(__AVR__)
/* ATmega (Uno, Nano, Mega): 2-8 KB of RAM.  The streaming build (make
 * size's atmega328p): no frame buffer, the deflate window read back from
 * flash behind a 256-byte ring (512 with 256-byte pages), writes staged
 * one flash page at a time, at most 4 segments, no branch filter (AVR
 * code gains nothing from the ARM and RISC-V ones). */
#ifndef FWPK_FRAME_BUFFER
#define FWPK_FRAME_BUFFER 0
#endif
#include <avr/io.h> /* SPM_PAGESIZE: 128 on the ATmega328P, 256 on the 2560 */
#ifndef FWPK_RING_BITS
#if SPM_PAGESIZE > 128
#define FWPK_RING_BITS 9 /* the ring holds a page and room to decode */
#else
#define FWPK_RING_BITS 8
#endif
#endif
#ifndef FWPK_SEGMENTS
#define FWPK_SEGMENTS 4
#endif
#ifndef FWPK_WBUF_SIZE
#define FWPK_WBUF_SIZE SPM_PAGESIZE
#endif
#ifndef FWPK_FILTERS
#define FWPK_FILTERS 0
#endif
/* Flash for time: Ed25519's field in bytes, multiplied 8 x 8 bits at a
 * time by the hardware multiplier, size first (4.1 KB of Ed25519 instead
 * of 7.8 KB with 32-bit limbs in loops, and no slower), and on 32 KB parts
 * no error messages (1 KB of flash and of RAM: fwpk_strerror says "fwpk
 * error" and Notehub hears the number). */
#ifndef FWPK_ED25519_UNROLL
#define FWPK_ED25519_UNROLL 0
#endif
#ifndef FWPK_ED25519_LIMB_BITS
#define FWPK_ED25519_LIMB_BITS 8
#endif
#if !defined(FWPK_STRINGS) && FLASHEND <= 0x7FFF
#define FWPK_STRINGS 0
#endif

#elif defined(__ARM_ARCH_6M__)
/* Cortex-M0+ (SAMD21: Zero, MKR, Feather M0): 32 KB of RAM.  The buffered
 * build, each frame checked before a byte of it is decoded, with the
 * atsamd21g18a profile's window (2^15) and frames (4096 bytes): the
 * window read back from flash behind a 512-byte ring (its
 * cortex-m0plus-flashwin build; a delta container then needs
 * --window-bits 9); SAMD21 flash is written in 64-byte pages; the Thumb
 * branch filter only. */
#ifndef FWPK_RING_BITS
#define FWPK_RING_BITS 9
#endif
#ifndef FWPK_MAX_FRAME_SIZE
#define FWPK_MAX_FRAME_SIZE 4096
#endif
#ifndef FWPK_WBUF_SIZE
#define FWPK_WBUF_SIZE 64
#endif
#ifndef FWPK_FILTERS
#define FWPK_FILTERS 2
#endif
#endif

#endif
