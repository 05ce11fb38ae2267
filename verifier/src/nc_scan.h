/*
 * nc_scan.h - the Notecard reply scanner (internal): a JSON object read a
 * byte at a time, without holding it.  State: fwpk_nc_scan in
 * fwpk_notecard.h.
 */
#ifndef FWPK_NC_SCAN_H
#define FWPK_NC_SCAN_H

#include "fwpk_notecard.h"

/* The keys the client reads; any other key's value is skipped. */
enum fwpk_nc_key {
    FWPK_NC_KEY_NONE = 0,
    FWPK_NC_KEY_ERR,         /* "err": the request failed */
    FWPK_NC_KEY_MODE,        /* dfu.status "mode" */
    FWPK_NC_KEY_PAYLOAD,     /* dfu.get "payload" (base64) */
    FWPK_NC_KEY_STATUS,      /* dfu.get / card.binary.get "status" (MD5) */
    FWPK_NC_KEY_LENGTH,      /* dfu.get binary:true "length" */
    FWPK_NC_KEY_COBS,        /* dfu.get binary:true "cobs" */
    FWPK_NC_KEY_BODY,        /* dfu.status "body" (an object) */
    FWPK_NC_KEY_BODY_LENGTH, /* dfu.status body.length */
    FWPK_NC_KEY_BODY_MD5,    /* dfu.status body.md5 */
    FWPK_NC_KEY_COUNT
};

enum fwpk_nc_event {
    FWPK_NC_EV_MORE,    /* nothing yet */
    FWPK_NC_EV_PAYLOAD, /* *out is the next character of "payload" */
    FWPK_NC_EV_VALUE,   /* the value of key s->last is complete: if
                           s->seen has its bit, it is valid (num, md5 or
                           text) */
    FWPK_NC_EV_END,     /* the reply object closed (a number or literal
                           that the close ends gives EV_VALUE instead:
                           see fwpk_nc_scan_done) */
    FWPK_NC_EV_BAD      /* not JSON as we take it (sticky) */
};

#define FWPK_NC_SEEN(s, key) (((s)->seen >> (key)) & 1u)
#define FWPK_NC_MAX_DEPTH 8 /* deeper replies are refused */

void fwpk_nc_scan_start(fwpk_nc_scan *s);
/* One byte of the reply: an event, and for EV_PAYLOAD the character in
 * *out (escapes resolved; an escape base64 cannot hold comes out as 0). */
enum fwpk_nc_event fwpk_nc_scan_put(fwpk_nc_scan *s, uint8_t ch,
                                    uint8_t *out);

/* Nonzero once the reply object has closed. */
int fwpk_nc_scan_done(const fwpk_nc_scan *s);

#endif
