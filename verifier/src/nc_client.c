/*
 * nc_client.c - the Notecard DFU client's run: which request comes next,
 * what its reply means, and what a failure costs (fwpk_notecard.h).
 *
 * The flow is the one Blues documents for IAP host updates (dev.blues.io
 * "Host firmware updates", the note-c and note-tutorials DFU examples):
 * dfu.status until "mode":"ready", hub.set "mode":"dfu" ("the Notecard
 * will remain in DFU mode for 15 minutes" unless renewed or completed),
 * dfu.get length:0 until it answers without "err", dfu.get pieces, then
 * hub.set "mode":"dfu-completed" and dfu.status "stop":true with the
 * outcome.
 *
 * Outcomes of a failed try (a timeout, a garbled or cut line, an "err", a
 * short or non-base64 payload, a piece whose MD5 does not match): nothing
 * of the piece has been fed, so the same offset is asked again.  An "err"
 * from dfu.get may mean the Notecard has reset (it is out of DFU mode) or
 * holds another image: the client asks dfu.status again, and goes on only
 * if body.length and body.md5 are those it started with, else it stops
 * with FWPK_NC_ERR_IMAGE_CHANGED (start over).  A refusal by the verifier
 * is checked the same way before it is reported, so that a new upload is
 * never reported as a bad container.  After cfg.retries failed tries
 * without progress the run stops with the last fault's code.
 */
#include <string.h>

#include "nc_base64.h"
#include "nc_cobs.h"
#include "nc_link.h"
#include "nc_request.h"
#include "nc_scan.h"

enum {
    PH_STATUS,   /* dfu.status */
    PH_DFU_ON,   /* hub.set mode:dfu */
    PH_READY,    /* dfu.get length:0 */
    PH_GET,      /* dfu.get a piece */
    PH_BIN,      /* card.binary.get the piece */
    PH_FINISH,   /* fwpk_finish(), no request */
    PH_DFU_OFF,  /* hub.set mode:dfu-completed */
    PH_REPORT,   /* dfu.status stop */
    PH_DONE
};

/* nc->flags */
#define F_STARTED 0x01u  /* the image's length and MD5 are known */
#define F_IN_DFU 0x02u   /* hub.set mode:dfu was accepted */
#define F_REFUSED 0x04u  /* the verifier refused: nc->verify */
#define F_REPORT 0x08u   /* dfu.status stop is due at the end */
#define F_GET_MD5 0x10u  /* dfu.get binary:true gave the piece's MD5 */

#define READY_POLLS 60u       /* dfu.get length:0 tries, a second apart */
#define READY_POLL_MS 1000u
#define JSON_SLACK 1024u      /* reply bytes besides a payload */
#define STATUS_REPLY_MAX 4096u /* a dfu.status reply, body and all */
#define COBS_BLOCK 254u       /* data bytes per COBS code byte at most */

typedef char fwpk_nc_fits_256_bytes[sizeof(fwpk_nc) <= 256 ? 1 : -1];

/* What one reply said, beyond the scanner's 'seen' bits. */
typedef struct {
    uint8_t ready;     /* "mode":"ready" */
    uint8_t changed;   /* body.length or body.md5 differ from the start */
    uint8_t md5;       /* the piece's MD5 came ("status") */
    uint8_t overflow;  /* more bytes than asked */
    uint8_t length_ok; /* dfu.get binary:true "length" is the one asked */
} reply;

static uint32_t tries_max(const fwpk_nc *nc)
{
    return nc->cfg->retries != 0 ? nc->cfg->retries : FWPK_NC_RETRIES;
}

static uint32_t timeout(const fwpk_nc *nc)
{
    return nc->cfg->timeout_ms != 0 ? nc->cfg->timeout_ms
                                    : FWPK_NC_TIMEOUT_MS;
}

static uint32_t renew(const fwpk_nc *nc)
{
    return nc->cfg->renew_ms != 0 ? nc->cfg->renew_ms : FWPK_NC_RENEW_MS;
}

fwpk_nc_err fwpk_nc_init(fwpk_nc *nc, const fwpk_nc_config *cfg,
                         fwpk_ctx *ctx)
{
    const fwpk_nc_io *io;
    if (nc == NULL || cfg == NULL || ctx == NULL || cfg->io == NULL ||
        cfg->piece == NULL || cfg->rx == NULL)
        return FWPK_NC_ERR_ARG;
    io = cfg->io;
    if (io->write == NULL || io->read == NULL || io->now_ms == NULL ||
        io->transport > FWPK_NC_I2C ||
        cfg->piece_size < FWPK_NC_PIECE_MIN ||
        cfg->piece_size > FWPK_NC_GET_MAX || cfg->rx_size < 1 ||
        (io->transport == FWPK_NC_I2C && cfg->rx_size < 3))
        return FWPK_NC_ERR_ARG;
    memset(nc, 0, sizeof *nc);
    nc->cfg = cfg;
    nc->ctx = ctx;
    nc->phase = PH_STATUS;
    nc->verify = ctx->err;
    /* a resumed run reads the prefix again from 0 like a fresh one; the
     * verifier says where the bytes it wants next are */
    nc->offset = fwpk_resume_skip(ctx);
    return FWPK_NC_OK;
}

/* The run ends with 'result': leave DFU mode if we entered it, report if
 * the outcome is one Notehub should hear (an install, or a container
 * that can never succeed), else keep the image for another try. */
static void end(fwpk_nc *nc, fwpk_nc_err result)
{
    nc->result = (uint8_t)result;
    nc->tries = 0;
    if (result == FWPK_NC_OK ||
        (result == FWPK_NC_ERR_VERIFY && nc->verify != FWPK_ERR_FLASH &&
         nc->verify != FWPK_ERR_RESUME))
        nc->flags |= F_REPORT;
    if (nc->flags & F_IN_DFU)
        nc->phase = PH_DFU_OFF;
    else
        nc->phase = (nc->flags & F_REPORT) ? PH_REPORT : PH_DONE;
}

/* A failed try of the current request. */
static void fault(fwpk_nc *nc, fwpk_nc_err code)
{
    nc->fault = (uint8_t)code;
    nc->retries++;
    if (++nc->tries < tries_max(nc)) {
        if (nc->phase == PH_BIN) /* the binary buffer is refilled */
            nc->phase = PH_GET;
        else if (nc->phase == PH_GET && code == FWPK_NC_ERR_NOTECARD)
            nc->phase = PH_STATUS; /* reset, or another image? */
        return;
    }
    if (nc->phase == PH_DFU_OFF) {
        nc->tries = 0;
        nc->phase = (nc->flags & F_REPORT) ? PH_REPORT : PH_DONE;
    } else if (nc->phase == PH_REPORT) {
        nc->phase = PH_DONE;
    } else {
        end(nc, (nc->flags & F_REFUSED) ? FWPK_NC_ERR_VERIFY : code);
    }
}

/* Decoded bytes of the piece: kept in the piece buffer and hashed. */
static void take_bytes(fwpk_nc *nc, reply *r, const uint8_t *b, unsigned n)
{
    if (n == 0)
        return;
    if (nc->got + n > nc->want) {
        r->overflow = 1;
        return;
    }
    memcpy(nc->cfg->piece + nc->got, b, n);
    fwpk_md5_update(&nc->md5, b, n);
    nc->got += n;
}

static void take_value(fwpk_nc *nc, reply *r)
{
    const fwpk_nc_scan *s = &nc->scan;
    uint8_t key = s->last;
    if (!FWPK_NC_SEEN(s, key))
        return;
    switch (key) {
    case FWPK_NC_KEY_MODE:
        r->ready = strcmp(s->text, "ready") == 0;
        break;
    case FWPK_NC_KEY_STATUS:
        memcpy(nc->piece_md5, s->md5, sizeof nc->piece_md5);
        r->md5 = 1;
        break;
    case FWPK_NC_KEY_LENGTH:
        r->length_ok = s->num == nc->want;
        break;
    case FWPK_NC_KEY_BODY_LENGTH:
        if (!(nc->flags & F_STARTED))
            nc->file_len = s->num;
        else if (s->num != nc->file_len)
            r->changed = 1;
        break;
    case FWPK_NC_KEY_BODY_MD5:
        if (!(nc->flags & F_STARTED))
            memcpy(nc->file_md5, s->md5, sizeof nc->file_md5);
        else if (memcmp(nc->file_md5, s->md5, sizeof nc->file_md5) != 0)
            r->changed = 1;
        break;
    default:
        break;
    }
}

/* Reads one reply line through the scanner.  Returns FWPK_NC_OK when a
 * whole JSON object and its newline came, else the fault; a line that
 * goes wrong is still read to its end, so the next reply starts clean. */
static fwpk_nc_err read_reply(fwpk_nc *nc, reply *r, uint32_t limit)
{
    uint32_t total = 0;
    int bad = 0;
    uint8_t ch, out[3];
    memset(r, 0, sizeof *r);
    fwpk_nc_scan_start(&nc->scan);
    fwpk_nc_b64_start(&nc->dec.b64);
    fwpk_md5_init(&nc->md5);
    nc->got = 0;
    for (;;) {
        int got = fwpk_nc_link_byte(nc, timeout(nc), &ch);
        enum fwpk_nc_event ev;
        if (got < 0)
            return FWPK_NC_ERR_IO;
        if (got == 0)
            return FWPK_NC_ERR_TIMEOUT;
        if (++total > limit)
            return FWPK_NC_ERR_GARBLED; /* no line ends: drained later */
        if (ch == '\n') {
            if (nc->scan.depth == 0 && !fwpk_nc_scan_done(&nc->scan) &&
                !bad)
                continue; /* an empty line before the reply */
            break;
        }
        ev = fwpk_nc_scan_put(&nc->scan, ch, &ch);
        if (ev == FWPK_NC_EV_BAD)
            bad = 1;
        else if (ev == FWPK_NC_EV_PAYLOAD)
            take_bytes(nc, r, out, fwpk_nc_b64_put(&nc->dec.b64, ch, out));
        else if (ev == FWPK_NC_EV_VALUE)
            take_value(nc, r);
    }
    if (bad || !fwpk_nc_scan_done(&nc->scan))
        return FWPK_NC_ERR_GARBLED;
    if (FWPK_NC_SEEN(&nc->scan, FWPK_NC_KEY_PAYLOAD))
        take_bytes(nc, r, out, fwpk_nc_b64_end(&nc->dec.b64, out));
    return FWPK_NC_OK;
}

/* card.binary.get's piece after its JSON line: COBS up to a '\n'. */
static fwpk_nc_err read_cobs(fwpk_nc *nc, reply *r)
{
    uint32_t total = 0, limit = nc->want + nc->want / COBS_BLOCK + 2;
    uint8_t ch, out;
    fwpk_nc_cobs_start(&nc->dec.cobs);
    for (;;) {
        int got = fwpk_nc_link_byte(nc, timeout(nc), &ch);
        if (got < 0)
            return FWPK_NC_ERR_IO;
        if (got == 0)
            return FWPK_NC_ERR_TIMEOUT;
        if (ch == '\n')
            break;
        if (++total > limit)
            return FWPK_NC_ERR_SHORT;
        take_bytes(nc, r, &out, fwpk_nc_cobs_put(&nc->dec.cobs, ch, &out));
    }
    fwpk_nc_cobs_end(&nc->dec.cobs);
    return nc->dec.cobs.bad ? FWPK_NC_ERR_COBS : FWPK_NC_OK;
}

static int has_err(const fwpk_nc *nc)
{
    return FWPK_NC_SEEN(&nc->scan, FWPK_NC_KEY_ERR);
}

static void on_status(fwpk_nc *nc, const reply *r)
{
    const fwpk_nc_scan *s = &nc->scan;
    if (has_err(nc)) {
        fault(nc, FWPK_NC_ERR_NOTECARD);
    } else if (!FWPK_NC_SEEN(s, FWPK_NC_KEY_MODE)) {
        fault(nc, FWPK_NC_ERR_GARBLED);
    } else if (!r->ready) {
        /* mid-run, "downloading" or "idle" means our image is gone */
        end(nc, (nc->flags & F_STARTED) ? FWPK_NC_ERR_IMAGE_CHANGED
                                        : FWPK_NC_NO_UPDATE);
    } else if (!FWPK_NC_SEEN(s, FWPK_NC_KEY_BODY_LENGTH) ||
               !FWPK_NC_SEEN(s, FWPK_NC_KEY_BODY_MD5) ||
               nc->file_len == 0) {
        end(nc, FWPK_NC_ERR_BODY); /* "ready" without a body: seen */
    } else if (r->changed) {
        end(nc, FWPK_NC_ERR_IMAGE_CHANGED);
    } else if (nc->flags & F_REFUSED) {
        end(nc, FWPK_NC_ERR_VERIFY); /* the same image: the verdict holds */
    } else {
        if (!(nc->flags & F_STARTED))
            nc->tries = 0;
        nc->flags |= F_STARTED;
        nc->phase = PH_DFU_ON;
    }
}

static void on_dfu_on(fwpk_nc *nc)
{
    if (has_err(nc)) {
        fault(nc, FWPK_NC_ERR_NOTECARD);
        return;
    }
    nc->flags |= F_IN_DFU;
    nc->dfu_since = fwpk_nc_link_now(nc);
    nc->polls = 0;
    nc->phase = PH_READY;
}

static void on_ready(fwpk_nc *nc)
{
    if (has_err(nc)) { /* not in DFU mode yet: it may take a while */
        if (++nc->polls >= READY_POLLS) {
            nc->fault = FWPK_NC_ERR_NOTECARD;
            end(nc, FWPK_NC_ERR_NOTECARD);
        } else {
            fwpk_nc_link_wait(nc, READY_POLL_MS);
        }
    } else if (!FWPK_NC_SEEN(&nc->scan, FWPK_NC_KEY_PAYLOAD)) {
        fault(nc, FWPK_NC_ERR_GARBLED);
    } else {
        nc->phase = PH_GET;
    }
}

/* The piece is whole and its MD5 matches: the verifier's turn. */
static void feed(fwpk_nc *nc)
{
    fwpk_err err = fwpk_feed(nc->ctx, nc->cfg->piece, nc->got);
    nc->tries = 0;
    if (err != FWPK_OK) {
        nc->verify = err;
        nc->flags |= F_REFUSED;
        nc->phase = PH_STATUS; /* unless the image changed under us */
        return;
    }
    nc->offset = fwpk_resume_skip(nc->ctx);
    nc->phase = PH_GET;
}

static fwpk_nc_err piece_check(fwpk_nc *nc, const reply *r)
{
    uint8_t md5[16];
    if (r->overflow || nc->got != nc->want)
        return FWPK_NC_ERR_SHORT;
    if (!r->md5)
        return FWPK_NC_ERR_MD5;
    fwpk_md5_final(&nc->md5, md5);
    if (memcmp(md5, nc->piece_md5, sizeof md5) != 0)
        return FWPK_NC_ERR_MD5;
    return FWPK_NC_OK;
}

static void on_get(fwpk_nc *nc, const reply *r)
{
    fwpk_nc_err e;
    if (has_err(nc)) {
        fault(nc, FWPK_NC_ERR_NOTECARD);
    } else if (nc->cfg->binary) {
        if (!r->length_ok) {
            fault(nc, FWPK_NC_ERR_SHORT);
            return;
        }
        nc->flags = (uint8_t)(r->md5 ? nc->flags | F_GET_MD5
                                     : nc->flags & ~F_GET_MD5);
        nc->phase = PH_BIN;
    } else if (!FWPK_NC_SEEN(&nc->scan, FWPK_NC_KEY_PAYLOAD)) {
        fault(nc, nc->dec.b64.bad ? FWPK_NC_ERR_BASE64 : FWPK_NC_ERR_GARBLED);
    } else if (nc->dec.b64.bad) {
        fault(nc, FWPK_NC_ERR_BASE64);
    } else if ((e = piece_check(nc, r)) != FWPK_NC_OK) {
        fault(nc, e);
    } else {
        feed(nc);
    }
}

/* The JSON line of card.binary.get and the COBS piece after it. */
static fwpk_nc_err read_bin(fwpk_nc *nc, reply *r)
{
    uint8_t md5_from_get[16];
    fwpk_nc_err e;
    memcpy(md5_from_get, nc->piece_md5, sizeof md5_from_get);
    e = read_reply(nc, r, JSON_SLACK);
    if (e != FWPK_NC_OK)
        return e;
    if (has_err(nc))
        return FWPK_NC_ERR_NOTECARD;
    if (!r->md5 && (nc->flags & F_GET_MD5)) { /* dfu.get's "status" */
        memcpy(nc->piece_md5, md5_from_get, sizeof md5_from_get);
        r->md5 = 1;
    }
    e = read_cobs(nc, r);
    if (e != FWPK_NC_OK)
        return e;
    return piece_check(nc, r);
}

/* The request of this phase and its reply. */
static void transact(fwpk_nc *nc, enum fwpk_nc_request req, uint8_t phase)
{
    reply r;
    uint16_t len = fwpk_nc_request(nc, req);
    uint32_t limit = STATUS_REPLY_MAX;
    fwpk_nc_err e;
    if (len == 0) {
        end(nc, FWPK_NC_ERR_ARG);
        return;
    }
    fwpk_nc_link_drain(nc);
    e = fwpk_nc_link_send(nc, len);
    if (e == FWPK_NC_OK && phase == PH_BIN) {
        e = read_bin(nc, &r);
        if (e == FWPK_NC_OK)
            feed(nc);
        else
            fault(nc, e);
        return;
    }
    if (phase == PH_GET)
        limit = nc->want / 3 * 4 + 4 + JSON_SLACK;
    if (e == FWPK_NC_OK)
        e = read_reply(nc, &r, limit);
    if (e != FWPK_NC_OK) {
        fault(nc, e);
        return;
    }
    switch (phase) {
    case PH_STATUS:
        on_status(nc, &r);
        break;
    case PH_DFU_ON:
        on_dfu_on(nc);
        break;
    case PH_READY:
        on_ready(nc);
        break;
    case PH_GET:
        on_get(nc, &r);
        break;
    case PH_DFU_OFF:
        if (has_err(nc)) {
            fault(nc, FWPK_NC_ERR_NOTECARD);
        } else {
            nc->flags &= (uint8_t)~F_IN_DFU;
            nc->tries = 0;
            nc->phase = (nc->flags & F_REPORT) ? PH_REPORT : PH_DONE;
        }
        break;
    default: /* PH_REPORT */
        if (has_err(nc))
            fault(nc, FWPK_NC_ERR_NOTECARD);
        else
            nc->phase = PH_DONE;
        break;
    }
}

/* The next piece: as much as the buffer holds, never past the image. */
static void next_piece(fwpk_nc *nc)
{
    uint32_t left;
    if (nc->offset >= nc->file_len) {
        nc->phase = PH_FINISH;
        return;
    }
    if ((uint32_t)(fwpk_nc_link_now(nc) - nc->dfu_since) >= renew(nc)) {
        nc->phase = PH_DFU_ON; /* before the Notecard's own timeout */
        transact(nc, FWPK_NC_REQ_DFU_ON, PH_DFU_ON);
        return;
    }
    left = nc->file_len - nc->offset;
    nc->want = left < nc->cfg->piece_size ? left : nc->cfg->piece_size;
    transact(nc, FWPK_NC_REQ_GET, PH_GET);
}

fwpk_nc_err fwpk_nc_step(fwpk_nc *nc)
{
    fwpk_err err;
    if (nc == NULL || nc->cfg == NULL)
        return FWPK_NC_ERR_ARG;
    switch (nc->phase) {
    case PH_STATUS:
        if (nc->verify != FWPK_OK && !(nc->flags & F_REFUSED)) {
            end(nc, FWPK_NC_ERR_VERIFY); /* begun on a failed context */
            nc->phase = PH_DONE;
            break;
        }
        transact(nc, FWPK_NC_REQ_STATUS, PH_STATUS);
        break;
    case PH_DFU_ON:
        transact(nc, FWPK_NC_REQ_DFU_ON, PH_DFU_ON);
        break;
    case PH_READY:
        transact(nc, FWPK_NC_REQ_READY, PH_READY);
        break;
    case PH_GET:
        next_piece(nc);
        break;
    case PH_BIN:
        transact(nc, FWPK_NC_REQ_BIN, PH_BIN);
        break;
    case PH_FINISH:
        err = fwpk_finish(nc->ctx);
        nc->verify = err;
        if (err == FWPK_OK) {
            end(nc, FWPK_NC_OK);
        } else {
            nc->flags |= F_REFUSED;
            nc->phase = PH_STATUS;
        }
        break;
    case PH_DFU_OFF:
        transact(nc, FWPK_NC_REQ_DFU_OFF, PH_DFU_OFF);
        break;
    case PH_REPORT:
        transact(nc, FWPK_NC_REQ_REPORT, PH_REPORT);
        break;
    default:
        return (fwpk_nc_err)nc->result;
    }
    return nc->phase == PH_DONE ? (fwpk_nc_err)nc->result : FWPK_NC_AGAIN;
}

fwpk_nc_err fwpk_nc_run(fwpk_nc *nc)
{
    fwpk_nc_err e;
    do
        e = fwpk_nc_step(nc);
    while (e == FWPK_NC_AGAIN);
    return e;
}
