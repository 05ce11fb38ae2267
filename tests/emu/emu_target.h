/*
 * emu_target.h - what the protocol emulators (avr109_emu, an3155_emu)
 * share: their common options, their line and flash, and the loop that
 * serves one host session after another.
 *
 *   -m MODEL     the chip (each emulator's list)
 *   --id HEX     report this chip id instead (a wrong chip)
 *   --dump FILE  the flash, saved as it changes and at exit
 *   --load FILE  its contents at start (a raw image from its base)
 *   --nack N     refuse the N-th write command (from 1)
 *   --corrupt N  the N-th write stores one bit wrong
 * and the line's options (emu_line.h).
 */
#ifndef EMU_TARGET_H
#define EMU_TARGET_H

#include "emu_flash.h"
#include "emu_line.h"

typedef struct {
    emu_line line;
    emu_flash flash;
    const char *model;        /* -m, NULL if not given */
    const char *id;           /* --id, NULL if not given */
    const char *dump, *load;
    unsigned long nack_at, corrupt_at;
    int flag;                 /* the emulator's own flag was given */
} emu_target;

extern const char emu_target_usage[];

/* Parses argv.  'flag' (may be NULL) is one more option without an
 * argument, the emulator's own.  0, or -1 for a bad command line. */
int emu_target_args(emu_target *t, int argc, char **argv, const char *flag);
/* The flash (all erased, or --load) and the pty: 0, or -1 with a message. */
int emu_target_open(emu_target *t, uint32_t base, uint32_t size,
                    uint32_t page);
/* The next byte of the command being received: -1 when the host closed
 * the port or sent nothing more for 2 s (logged). */
int emu_target_next(emu_target *t);
/* Serves hosts until SIGTERM/SIGINT: session() when one opens the port,
 * command(c) for each byte it sends while *gone is 0; then saves the
 * flash and closes.  The exit status for main. */
int emu_target_serve(emu_target *t, void (*session)(void),
                     void (*command)(int c), const int *gone);

#endif
