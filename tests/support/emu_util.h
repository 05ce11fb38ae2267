/*
 * emu_util.h - the outboard tests' side of the target emulators
 * (tests/emu): start one in the background on its own pseudo-terminal,
 * read its event log and flash dump, stop it.
 */
#ifndef EMU_UTIL_H
#define EMU_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct {
    pid_t pid;
    char port[128];  /* the pty to open */
    char log[512];   /* its event log */
    char dump[512];  /* its flash dump (saved as it runs and at exit) */
    char uart[512];  /* simavr_pty: everything the AVR sent */
} eu_emu;

/* The emulators' directory: $EMU_DIR, else build/test/emu. */
const char *eu_dir(void);
/* Starts EMU_DIR/prog with args (a shell word list) and --port-file,
 * --log, --dump (and for simavr_pty --uart-log) in dir/name.*; waits for
 * its port.  Fails the current test on error. */
void eu_start(eu_emu *e, const char *dir, const char *name, const char *prog,
              const char *args);
/* SIGTERM, then waits for it to save and exit. */
void eu_stop(eu_emu *e);
/* The log (malloc'd, NUL-terminated; "" if none yet). */
char *eu_read_log(const eu_emu *e);
/* Waits up to ms for 'text' in the log (or, uart: in the UART bytes):
 * 1 seen, 0 not. */
int eu_wait_log(const eu_emu *e, const char *text, int ms);
int eu_wait_uart(const eu_emu *e, const char *text, int ms);
/* The flash dump (malloc'd), its length in *len. */
uint8_t *eu_read_dump(const eu_emu *e, size_t *len);
/* Occurrences of 'text' in the log. */
int eu_log_count(const eu_emu *e, const char *text);

#endif

/* ---- the outboard tests' files and checks ---- */

/* dir/key.pem and dir/pub.pem, made by fwpack. */
void eu_keys(const char *dir);
/* dst: container src with one bit flipped two bytes before its end, in
 * the payload of its last frame (which ends a container). */
void eu_tamper(const char *src, const char *dst);
/* dump[off, off + len) holds img, the rest of its last page is 0xFF. */
void eu_expect_image(const uint8_t *dump, size_t dump_len, size_t off,
                     const uint8_t *img, size_t len, size_t page);
/* Every byte of dump[off, off + len) is 0xFF. */
void eu_expect_blank(const uint8_t *dump, size_t off, size_t len);
/* Fails the test unless 'text' is in s (named 'what' in the message). */
void eu_expect_in(const char *s, const char *text, const char *what);
/* s is one line ending in a newline. */
void eu_expect_one_line(const char *s);
