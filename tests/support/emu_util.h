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
/* The emulator's flash is want, len bytes, byte for byte. */
void eu_expect_dump(const eu_emu *e, const uint8_t *want, size_t len);
/* Every byte of dump[off, off + len) is 0xFF. */
void eu_expect_blank(const uint8_t *dump, size_t off, size_t len);
/* Fails the test unless 'text' is in s (named 'what' in the message). */
void eu_expect_in(const char *s, const char *text, const char *what);
/* s is one line ending in a newline. */
void eu_expect_one_line(const char *s);

/* ---- one kind of target, the scenarios every outboard test runs ---- */

typedef struct {
    const char *dir;        /* the test's directory: pub.pem, containers */
    const char *emu;        /* the emulator program */
    const char *head, *tail; /* its arguments before and after the faults */
    const char *flash_args; /* fwpack flash's: --protocol, --timeout */
    /* after a good run, before the emulator stops (may be NULL) */
    void (*running)(const eu_emu *e);
    /* after it stopped: its flash holds the image */
    void (*programmed)(const eu_emu *e);
} eu_target;

/* The build's outboard files: $OB_DIR (build/outboard)/name, in a ring of
 * four static buffers (copy it to keep it). */
const char *eu_ob_path(const char *name);
void eu_target_start(const eu_target *t, eu_emu *e, const char *name,
                     const char *faults);
/* fwpack flash -p dir/pub.pem --port ... flash_args extra dir/box. */
int eu_target_flash(const eu_target *t, const eu_emu *e, const char *extra,
                    const char *box);
/* A fault injected into the emulator, and what fwpack must say. */
typedef struct {
    const char *name;       /* the emulator's files: dir/name.* */
    const char *option;     /* its fault option: --drop, --nack, ... */
    long at;                /* the option's argument */
    const char *message, *state_text; /* in fwpack flash's one line */
} eu_fault;

/* For each fault, on a fresh target: exit 5, one line with message and
 * state_text; the same command again: exit 0, running, programmed. */
void eu_faults_then_rerun(const eu_target *t, const eu_fault *f, size_t n);
/* box refused with exit want_rc and one line with message and "nothing
 * sent to": the port was never opened; the first 'blank' bytes of the
 * flash are still erased. */
void eu_refused(const eu_target *t, const char *name, const char *box,
                int want_rc, const char *message, size_t blank);
/* The keys, dir/app.fwpk packed with pack_args (input file included), and
 * dir/tampered.fwpk (eu_tamper): 0, or -1 with a message on stderr. */
int eu_containers(const char *dir, const char *pack_args);
/* The pty closed at the at-th byte from the host (a pulled cable): exit
 * 5, "the port failed" and state_text in one line. */
void eu_pulled_cable(const eu_target *t, long at, const char *state_text);
/* The AVR tests' image, OB_DIR/app_v2.bin (malloc'd, *len bytes), and a
 * new directory *dir with its containers (eu_containers, for the
 * atmega328p at 0); NULL with a message naming 'test' if it is missing. */
uint8_t *eu_avr_app(const char *test, const char **dir, size_t *len);
/* The target (with emu_args) is another chip than app.fwpk's MCU: exit 5
 * with message, nothing erased or written (no erase or write in the
 * log). */
void eu_wrong_chip(const eu_target *t, const char *emu_args,
                   const char *message);
