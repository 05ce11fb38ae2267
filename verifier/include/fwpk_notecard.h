/*
 * fwpk_notecard.h - a Notecard DFU client that feeds the verifier.
 *
 * Reads a host-firmware image (an fwpack container uploaded to Notehub)
 * back from a Blues Notecard over its serial line or its I2C port and feeds
 * it to fwpk_feed().  Freestanding C99 like the verifier: no malloc, no
 * stdio, no JSON library; the caller owns all memory (fwpk_nc, the config,
 * the piece and receive buffers) and must not move any of it during a run.
 *
 *   fwpk_begin(&ctx, &policy, &flash);   // or fwpk_resume_begin(...)
 *   fwpk_nc_init(&nc, &cfg, &ctx);
 *   fwpk_nc_err e = fwpk_nc_run(&nc);    // or: while ((e = fwpk_nc_step(&nc))
 *                                        //            == FWPK_NC_AGAIN) {...}
 *
 * The flow follows the Notecard API reference (dfu-requests, hub-requests;
 * docs/porting.md section 6):
 *   dfu.status                 mode "ready", body.length, body.md5
 *   hub.set mode:"dfu"         renewed every cfg.renew_ms (the Notecard
 *                              leaves DFU mode by itself after ~15 minutes)
 *   dfu.get length:0           until the Notecard is in DFU mode
 *   dfu.get offset,length      base64 "payload", the piece's MD5 in "status"
 *     or, cfg.binary: dfu.get binary:true, then card.binary.get: the JSON
 *     line, then the piece COBS-encoded (XOR 0x0a) and ended by '\n'
 *   fwpk_finish()
 *   hub.set mode:"dfu-completed"
 *   dfu.status stop:true       "status" text, plus "err" on failure
 *
 * Every response is scanned a byte at a time as it arrives: no response,
 * line or base64 text is ever held.  The decoded bytes of a piece collect
 * in the caller's piece buffer (a dfu.get asks for at most its size), and
 * are fed to fwpk_feed() only once their MD5 matches the reply's "status":
 * a flipped bit on the link costs one piece, retried at the same offset,
 * and no byte is ever fed twice.  The next offset is always the one
 * fwpk_resume_skip() gives, so a run begun with fwpk_resume_begin() reads
 * the container's prefix again and then jumps to the frame the resume
 * record names.  Nothing the Notecard says is trusted: its length only
 * bounds the requests, and the verifier decides.
 */
#ifndef FWPK_NOTECARD_H
#define FWPK_NOTECARD_H

#include <stddef.h>
#include <stdint.h>

#include "fwpk_verify.h"

#define FWPK_NC_I2C_ADDR 0x17       /* the Notecard's default I2C address */
#define FWPK_NC_I2C_MAX 253         /* data bytes per I2C transfer */
#define FWPK_NC_GET_MAX 8192        /* largest dfu.get length */
#define FWPK_NC_PIECE_MIN 160       /* piece buffer: also holds a request */
#define FWPK_NC_TIMEOUT_MS 10000u   /* default reply timeout */
#define FWPK_NC_RENEW_MS 600000u    /* default hub.set mode:dfu renewal */
#define FWPK_NC_RETRIES 5           /* default tries per request */

typedef enum {
    FWPK_NC_OK = 0,          /* installed: fwpk_finish() returned FWPK_OK */
    FWPK_NC_AGAIN,           /* fwpk_nc_step(): not finished, call again */
    FWPK_NC_NO_UPDATE,       /* dfu.status: no host image ready */
    FWPK_NC_ERR_ARG,         /* bad config or call */
    FWPK_NC_ERR_IO,          /* a transport callback failed */
    FWPK_NC_ERR_TIMEOUT,     /* no complete reply in time, every try */
    FWPK_NC_ERR_GARBLED,     /* replies not JSON, cut short or too long */
    FWPK_NC_ERR_NOTECARD,    /* the Notecard answered {"err":...} each try */
    FWPK_NC_ERR_SHORT,       /* payload shorter or longer than asked */
    FWPK_NC_ERR_BASE64,      /* payload is not base64 */
    FWPK_NC_ERR_COBS,        /* binary piece is not valid COBS */
    FWPK_NC_ERR_MD5,         /* piece does not match its MD5, every try */
    FWPK_NC_ERR_BODY,        /* dfu.status "ready" without a usable
                                body.length / body.md5 */
    FWPK_NC_ERR_IMAGE_CHANGED, /* the Notecard now holds another image:
                                  retire any resume record, fwpk_begin()
                                  and run again (start over) */
    FWPK_NC_ERR_VERIFY,      /* the verifier refused: see fwpk_nc.verify */
    FWPK_NC_ERR_COUNT
} fwpk_nc_err;

/* One line per outcome; FWPK_STRINGS 0 (fwpk_verify.h) leaves them out:
 * every code then reads "fwpk_nc error". */
const char *fwpk_nc_strerror(fwpk_nc_err err);

/* ---- transport ----
 * Serial (FWPK_NC_SERIAL, 9600 8-N-1 by default; the line is the caller's):
 *   write: send all 'len' bytes; 0 = ok.
 *   read:  up to 'len' bytes that arrive within timeout_ms; returns how
 *          many (0 = nothing in time), < 0 on error.  'addr' is unused.
 * I2C (FWPK_NC_I2C, the Notecard's serial-over-I2C framing):
 *   write: one raw I2C write of 'len' bytes to 'addr'; 0 = ok.
 *   read:  one raw I2C read of exactly 'len' bytes from 'addr'; returns
 *          len, < 0 on error.  timeout_ms is unused.
 * now_ms: a free-running millisecond clock (wraps at 2^32).
 * delay_ms: optional (NULL: now_ms is polled); the I2C framing waits 1 ms
 *          between transactions and polls for replies. */
enum { FWPK_NC_SERIAL = 0, FWPK_NC_I2C = 1 };

typedef struct {
    uint8_t transport;  /* FWPK_NC_SERIAL or FWPK_NC_I2C */
    uint8_t i2c_addr;   /* 0: FWPK_NC_I2C_ADDR */
    int (*write)(void *user, uint8_t addr, const uint8_t *data, uint16_t len);
    int (*read)(void *user, uint8_t addr, uint8_t *buf, uint16_t len,
                uint32_t timeout_ms);
    uint32_t (*now_ms)(void *user);
    void (*delay_ms)(void *user, uint32_t ms);
    void *user;
} fwpk_nc_io;

/* ---- configuration (the caller's; must outlive the run) ---- */
typedef struct {
    const fwpk_nc_io *io;
    uint8_t *piece;        /* decoded piece; also each request line */
    uint16_t piece_size;   /* FWPK_NC_PIECE_MIN .. FWPK_NC_GET_MAX: the
                              dfu.get length */
    uint8_t *rx;           /* receive chunk: serial reads, I2C transfers */
    uint16_t rx_size;      /* >= 1 (serial), >= 3 (I2C; 255 = full frames) */
    uint8_t binary;        /* 1: dfu.get binary:true + card.binary.get */
    uint8_t retries;       /* tries per request; 0: FWPK_NC_RETRIES */
    uint32_t timeout_ms;   /* per reply; 0: FWPK_NC_TIMEOUT_MS */
    uint32_t renew_ms;     /* DFU mode renewal; 0: FWPK_NC_RENEW_MS */
} fwpk_nc_config;

/* ---- MD5 (RFC 1321), for the per-piece transport check ---- */
typedef struct {
    uint32_t h[4];
    uint32_t len;        /* bytes hashed so far (pieces are < 4 GB) */
    uint8_t buf[64];
} fwpk_md5_ctx;

void fwpk_md5_init(fwpk_md5_ctx *c);
void fwpk_md5_update(fwpk_md5_ctx *c, const uint8_t *msg, size_t len);
void fwpk_md5_final(fwpk_md5_ctx *c, uint8_t out[16]);

/* ---- the response scanner (nc_scan.c) ----
 * A JSON object scanner, one byte at a time: it tracks nesting and
 * strings, recognises the few keys the client needs (at the top level, or
 * inside "body") and hands their values over: numbers as uint32, MD5 hex
 * as 16 bytes, "mode" and "err" as a short prefix, "payload" byte by byte
 * to the base64 decoder. */
typedef struct {
    uint32_t num;         /* a number value */
    uint16_t seen;        /* bit per FWPK_NC_KEY_* read whole and valid */
    uint8_t state;        /* where in the JSON text the scanner is */
    uint8_t depth;        /* nesting, 1 = the reply object itself */
    uint8_t arrays;       /* bit d - 1: level d is an array */
    uint8_t key;          /* FWPK_NC_KEY_* of the value being read */
    uint8_t last;         /* FWPK_NC_KEY_* of the value that just ended */
    uint8_t body;         /* depth of the "body" object, or 0 */
    uint8_t len;          /* characters of the key / string so far */
    uint8_t hex;          /* hex digits of an MD5 value so far */
    uint8_t esc;          /* \u digits still to skip */
    uint8_t vbad;         /* the value is not of the form its key needs */
    uint8_t bad;          /* sticky: the text is not JSON as we take it */
    char text[12];        /* key being read, or a string value's prefix */
    uint8_t md5[16];      /* a hex MD5 value */
} fwpk_nc_scan;

/* base64 (RFC 4648, standard alphabet, '=' padding) as it streams */
typedef struct {
    uint32_t acc;  /* bits not yet output */
    uint8_t n;     /* symbols in acc */
    uint8_t pad;   /* '=' seen */
    uint8_t bad;   /* sticky: not base64 */
} fwpk_nc_b64;

/* COBS (with every byte XOR 0x0a, as the Notecard sends it) as it streams */
typedef struct {
    uint8_t left;   /* data bytes left in the current block */
    uint8_t zero;   /* a zero is due before the next block's data */
    uint8_t bad;    /* sticky */
} fwpk_nc_cobs;

/* ---- the client: every byte of RAM it uses, 256 at most ---- */
typedef struct {
    const fwpk_nc_config *cfg;
    fwpk_ctx *ctx;
    fwpk_nc_scan scan;
    union {
        fwpk_nc_b64 b64;
        fwpk_nc_cobs cobs;
    } dec;
    fwpk_md5_ctx md5;        /* the piece being received */
    uint8_t piece_md5[16];   /* the piece's MD5 from the reply */
    uint8_t file_md5[16];    /* dfu.status body.md5 at the start */
    uint32_t file_len;       /* dfu.status body.length at the start */
    uint32_t offset;         /* container offset of the next piece */
    uint32_t want;           /* bytes asked for in this piece */
    uint32_t got;            /* bytes of it decoded so far */
    uint32_t dfu_since;      /* now_ms at the last hub.set mode:dfu */
    uint16_t rx_len, rx_pos; /* bytes in cfg->rx, next one to scan */
    uint16_t i2c_avail;      /* I2C: bytes the Notecard still has */
    uint8_t phase;           /* the request to send next (nc_client.c) */
    uint8_t flags;           /* what the run has done so far (nc_client.c) */
    uint8_t tries;           /* failed tries since the last piece fed */
    uint8_t polls;           /* dfu.get length:0 polls for DFU mode */
    uint8_t fault;           /* fwpk_nc_err of the last failed try */
    uint8_t result;          /* fwpk_nc_err the run ends with */
    fwpk_err verify;         /* the verifier's verdict (FWPK_OK = installed) */
    /* figures for logs and the demos' summaries */
    uint32_t requests, retries, bytes_tx, bytes_rx;
} fwpk_nc;

/* Sets up a run; the verifier context must have been begun (fwpk_begin or
 * fwpk_resume_begin).  Sends nothing. */
fwpk_nc_err fwpk_nc_init(fwpk_nc *nc, const fwpk_nc_config *cfg,
                         fwpk_ctx *ctx);
/* One request and its reply.  FWPK_NC_AGAIN until the run has ended; then
 * its outcome, every later call returning the same. */
fwpk_nc_err fwpk_nc_step(fwpk_nc *nc);
/* fwpk_nc_step() until the run has ended. */
fwpk_nc_err fwpk_nc_run(fwpk_nc *nc);

#endif
