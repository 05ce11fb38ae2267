/*
 * fwpk_prog.h - outboard updates: the fwpack verifier in front of a second
 * MCU's serial bootloader.
 *
 * A freestanding C99 library (no malloc, no stdio), for the host
 * (`fwpack flash`) and for a host MCU that updates a co-processor over a
 * UART, from the same sources.  It speaks three ROM or resident serial
 * bootloaders, behind one small driver interface (open, identify, erase,
 * write, read, go):
 *
 *   fwpk_prog_stk500   STK500 version 1, as Optiboot (every Arduino-style
 *                      AVR) speaks it: Atmel AVR061
 *   fwpk_prog_avr109   Atmel AVR109 self-programming (Butterfly, Caterina,
 *                      Xboot)
 *   fwpk_prog_an3155   the STM32 system-memory bootloader's USART
 *                      protocol: ST AN3155
 *
 *   fwpk_prog_init(&p, &fwpk_prog_stk500, &port);
 *   fwpk_prog_update(&p, &ctx, &policy, &source, piece, sizeof piece);
 *
 * fwpk_prog_update() feeds the container through the verifier twice.
 * First with no target at all: the whole container must verify
 * (signatures, policy, every frame, the image digest) and its target's
 * MCU and flash layout must be one the protocol programs, or nothing is
 * sent to the target - a refused container touches nothing.  Then with
 * the target as the verifier's flash: it resets and identifies the target,
 * checks its chip id against the container's MCU before the first erase,
 * and writes only what the verifier releases (authenticated frames), each
 * page read back and compared as soon as it is written.
 */
#ifndef FWPK_PROG_H
#define FWPK_PROG_H

#include <stddef.h>
#include <stdint.h>

#include "fwpk_verify.h"

/* The largest block written or read at once: an AVR SPM page, an AN3155
 * Write Memory command. */
#define FWPK_PROG_BLOCK_MAX 256

typedef enum {
    FWPK_PROG_OK = 0,
    FWPK_PROG_ERR_ARG,         /* NULL pointer or bad option from the caller */
    FWPK_PROG_ERR_IO,          /* the port failed (a pulled cable) */
    FWPK_PROG_ERR_INTERRUPTED, /* the caller stopped it (Ctrl-C) */
    FWPK_PROG_ERR_NO_SYNC,     /* no bootloader answered the first command */
    FWPK_PROG_ERR_TIMEOUT,     /* the target stopped answering */
    FWPK_PROG_ERR_NACK,        /* the target refused a command */
    FWPK_PROG_ERR_PROTOCOL,    /* an answer the protocol does not allow */
    FWPK_PROG_ERR_UNSUPPORTED, /* the bootloader lacks a command needed */
    FWPK_PROG_ERR_MCU,         /* no MCU, or one this protocol cannot program */
    FWPK_PROG_ERR_GEOMETRY,    /* the container's flash layout is not the chip's */
    FWPK_PROG_ERR_WRONG_CHIP,  /* the target's id is not the container's MCU */
    FWPK_PROG_ERR_READBACK,    /* a page read back differs from what was written */
    FWPK_PROG_ERR_VERIFY,      /* the verifier refused the container (verr) */
    FWPK_PROG_ERR_SOURCE,      /* the container could not be read */
    FWPK_PROG_ERR_COUNT
} fwpk_prog_err;

const char *fwpk_prog_strerror(fwpk_prog_err err);

/* ---- the link: a serial port, or a host MCU's UART and two GPIOs ---- */

typedef enum {
    FWPK_PROG_LINE_NONE = 0,
    FWPK_PROG_LINE_DTR,
    FWPK_PROG_LINE_RTS
} fwpk_prog_line;

typedef struct {
    /* Sends all of data: FWPK_PROG_OK, or _IO / _INTERRUPTED. */
    fwpk_prog_err (*send)(void *io, const uint8_t *data, size_t len);
    /* Waits up to timeout_ms for len bytes; *got says how many came (fewer
     * on a timeout, which is not an error here): FWPK_PROG_OK, or _IO /
     * _INTERRUPTED. */
    fwpk_prog_err (*recv)(void *io, uint8_t *buf, size_t len,
                          uint32_t timeout_ms, size_t *got);
    /* Drops whatever was received and not read yet. */
    void (*discard)(void *io);
    /* Asserts (1) or deasserts (0) a modem line; NULL when there are
     * none.  On USB-serial adapters an asserted line drives its pin low. */
    fwpk_prog_err (*line)(void *io, fwpk_prog_line which, int asserted);
    void (*delay)(void *io, uint32_t ms);
    void *io;
} fwpk_prog_port;

/* ---- the chips: fwpack MCU ids and what their bootloaders report ---- */

typedef enum { FWPK_PROG_AVR = 1, FWPK_PROG_STM32 = 2 } fwpk_prog_family;

typedef struct {
    const char *mcu;       /* fwpack's MCU id, as in the manifest */
    uint8_t family;        /* fwpk_prog_family */
    uint32_t id;           /* AVR: signature bytes 0x1e950f; STM32: product id */
    uint32_t flash_base, flash_size;
    uint32_t page;         /* AVR: SPM page, written whole; STM32: erase page */
} fwpk_prog_chip;

const fwpk_prog_chip *fwpk_prog_chip_find(const char *mcu);
const fwpk_prog_chip *fwpk_prog_chip_by_id(uint8_t family, uint32_t id);

/* ---- the drivers ---- */

typedef struct fwpk_prog fwpk_prog;

typedef enum {
    FWPK_PROG_ERASE_BY_WRITE = 1, /* writing a page erases it (Optiboot) */
    FWPK_PROG_ERASE_CHIP,         /* one chip erase, nothing finer (AVR109) */
    FWPK_PROG_ERASE_PAGES         /* erase commands per page (AN3155) */
} fwpk_prog_erase_kind;

typedef struct {
    const char *name;      /* "stk500", "avr109", "an3155" */
    uint8_t family;        /* fwpk_prog_family it programs */
    uint8_t erase_kind;    /* fwpk_prog_erase_kind */
    uint16_t block;        /* bytes per write: 0 the chip's page, written
                              whole and aligned; else at most this many,
                              any multiple of 4 */
    /* Gets the bootloader's attention (sync, programming mode). */
    fwpk_prog_err (*open)(fwpk_prog *p);
    fwpk_prog_err (*identify)(fwpk_prog *p, uint32_t *id);
    /* [addr, addr + len) in whole pages; len 0: the chip erase */
    fwpk_prog_err (*erase)(fwpk_prog *p, uint32_t addr, uint32_t len);
    fwpk_prog_err (*write)(fwpk_prog *p, uint32_t addr, const uint8_t *data,
                           uint32_t len);
    fwpk_prog_err (*read)(fwpk_prog *p, uint32_t addr, uint8_t *buf,
                          uint32_t len);
    /* Leaves the bootloader for the application at addr. */
    fwpk_prog_err (*go)(fwpk_prog *p, uint32_t addr);
} fwpk_prog_driver;

extern const fwpk_prog_driver fwpk_prog_stk500;
extern const fwpk_prog_driver fwpk_prog_avr109;
extern const fwpk_prog_driver fwpk_prog_an3155;

/* ---- the programmer ---- */

/* Where it was when it stopped. */
typedef enum {
    FWPK_PROG_STAGE_VERIFY = 0, /* first pass: nothing sent to the target */
    FWPK_PROG_STAGE_CONNECT,    /* reset, sync */
    FWPK_PROG_STAGE_IDENTIFY,
    FWPK_PROG_STAGE_ERASE,
    FWPK_PROG_STAGE_WRITE,
    FWPK_PROG_STAGE_READ_BACK,
    FWPK_PROG_STAGE_GO,
    FWPK_PROG_STAGE_DONE
} fwpk_prog_stage;

const char *fwpk_prog_stage_name(fwpk_prog_stage stage);

/* Where the container comes from: up to len bytes from offset, the count
 * (0 past the end), or < 0 when it cannot be read. */
typedef struct {
    long (*read)(void *src, uint32_t offset, uint8_t *buf, uint32_t len);
    void *src;
} fwpk_prog_source;

struct fwpk_prog {
    /* set by fwpk_prog_init; options the caller may change after it */
    const fwpk_prog_driver *drv;
    fwpk_prog_port port;
    uint32_t timeout_ms;   /* longest wait for an answer (1000) */
    uint8_t reset, boot0;  /* fwpk_prog_line wired to RESET and BOOT0 */
    uint8_t go;            /* start the application at the end (1) */
    const char *mcu;       /* the chip, when the container names none */
    /* called after each page written and read back, and at each stage */
    void (*progress)(void *user, const fwpk_prog *p);
    void *user;

    /* the outcome */
    fwpk_prog_err err;     /* the first error */
    fwpk_err verr;         /* the verifier's, with FWPK_PROG_ERR_VERIFY */
    uint32_t voffset;      /* container bytes the verifier had consumed */
    uint8_t stage;         /* fwpk_prog_stage reached */
    const fwpk_prog_chip *chip;
    uint32_t id;           /* what the target said it is */
    uint32_t op_addr, op_len; /* the operation that failed */
    uint32_t pages, page_total; /* written and read back / to write */
    uint32_t lo, hi;       /* lowest and end of the highest page written
                              and read back (hi 0: none) */
    uint8_t erased;        /* an erase reached the target */
    uint32_t erases;       /* erase commands sent */
    uint32_t sent, received; /* bytes on the wire */

    /* internal */
    const fwpk_ctx *vctx;  /* the verifier's context in use */
    const fwpk_prog_source *vsrc; /* ... and the container it reads */
    uint8_t chip_erased;
    uint8_t cmds[16];      /* AN3155: the commands Get listed */
    uint8_t cmd_count;
    uint32_t page;         /* cache: page size in use */
    uint32_t cache_addr;   /* page in the cache (when cache_hi > 0) */
    uint32_t cache_lo, cache_hi; /* its bytes written, offsets */
    uint32_t pend_lo, pend_hi;   /* erased, not yet programmed */
    uint32_t dry_page;     /* first pass: the last page seen + 1 */
    uint8_t cache[FWPK_PROG_BLOCK_MAX];
    uint8_t back[FWPK_PROG_BLOCK_MAX];
};

/* Zeroes p and sets the driver, the port and the option defaults. */
void fwpk_prog_init(fwpk_prog *p, const fwpk_prog_driver *drv,
                    const fwpk_prog_port *port);

/* The whole update (see the top of this file): fwpk_prog_check, then
 * fwpk_prog_program.  The caller owns every byte: ctx (the verifier's),
 * piece (the container is read into it piece_len bytes at a time).  The
 * policy is the device's: keys, target, MCU, security counter; its window
 * is narrowed to the chip's flash.  Returns p->err; p says how far it
 * got. */
fwpk_prog_err fwpk_prog_update(fwpk_prog *p, fwpk_ctx *ctx,
                               const fwpk_policy *policy,
                               const fwpk_prog_source *src, uint8_t *piece,
                               uint32_t piece_len);
/* The first pass alone, which needs no port: the container verified, its
 * target's chip found (p->chip) and its layout checked.  A caller that
 * must not even open the port for a refused container (opening an
 * Arduino's resets it) opens it after this. */
fwpk_prog_err fwpk_prog_check(fwpk_prog *p, fwpk_ctx *ctx,
                              const fwpk_policy *policy,
                              const fwpk_prog_source *src, uint8_t *piece,
                              uint32_t piece_len);
/* The rest, after a successful fwpk_prog_check with the same arguments:
 * reset, identify, the second pass onto the target, go.  p->port may be
 * set between the two. */
fwpk_prog_err fwpk_prog_program(fwpk_prog *p, fwpk_ctx *ctx,
                                const fwpk_policy *policy,
                                const fwpk_prog_source *src, uint8_t *piece,
                                uint32_t piece_len);

/* Only the target side, without a container: the reset sequence, the
 * driver's open, identify.  For tools and tests; *id as identify says. */
fwpk_prog_err fwpk_prog_connect(fwpk_prog *p, uint32_t *id);

#endif
