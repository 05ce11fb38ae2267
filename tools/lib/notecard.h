/*
 * notecard.h - a Notecard as a host firmware update sees it (notecard.c):
 * one image served as host firmware (dfu.status, hub.set, dfu.get,
 * card.binary.get), faults injected on request, each request logged.
 * `fwpack notecard` puts it on a serial line; tests call it in-process.
 */
#ifndef FWPACK_NOTECARD_H
#define FWPACK_NOTECARD_H

#include "fwpack.h"

/* Faults, each fired once, at successive dfu.get data requests from the
 * fault_at-th on (0 = the first). */
enum fwp_nc_fault {
    FWP_NC_TIMEOUT,   /* no reply */
    FWP_NC_GARBLED,   /* a reply byte replaced: not JSON */
    FWP_NC_TRUNCATED, /* the reply cut in half, then its newline */
    FWP_NC_ERR,       /* {"err":...} instead of the piece */
    FWP_NC_SHORT,     /* one byte less than asked (its MD5 matching) */
    FWP_NC_BASE64,    /* a payload character that is not base64 (binary:
                         a COBS code byte that runs past the packet) */
    FWP_NC_BITFLIP,   /* a bit of the piece flipped on the link, the MD5
                         the true one's */
    FWP_NC_RESET,     /* the Notecard resets: no reply, out of DFU mode */
    FWP_NC_NEW_IMAGE, /* another image replaces this one, silently */
    FWP_NC_FAULT_COUNT
};

/* "timeout", "garbled", ... in enum order. */
extern const char *const fwp_nc_fault_names[FWP_NC_FAULT_COUNT];
/* The fault named 'name', or -1. */
int fwp_nc_fault_by_name(const char *name);

typedef struct {
    uint8_t *image;          /* the host firmware file (owned) */
    size_t len;
    uint8_t *next;           /* the image FWP_NC_NEW_IMAGE switches to */
    size_t next_len;
    char name[64];           /* body.name and body.source */
    uint32_t faults;         /* bit per fault still to fire */
    uint32_t fault_at;       /* data dfu.get index of the first fault */
    uint32_t created;        /* body.created/modified (Unix time) */
    int dfu;                 /* in DFU mode */
    int stopped;             /* dfu.status stop:true received */
    uint8_t *bin;            /* the binary buffer (dfu.get binary:true) */
    size_t bin_len;
    int bin_fault;           /* fault for the next card.binary.get, or -1 */
    uint32_t requests, gets; /* requests answered, data dfu.get among them */
    uint32_t fired;          /* bit per fault fired */
    char report[256];        /* the status / err of dfu.status stop */
    int report_err;          /* it came with "err" */
    /* each request line and what was done; may be NULL */
    void (*log)(void *arg, const char *line);
    void *log_arg;
} fwp_nc_emu;

/* Serves a copy of image[0..len) as host firmware called 'name'. */
int fwp_nc_emu_init(fwp_nc_emu *e, const uint8_t *image, size_t len,
                    const char *name, fwp_err *err);
/* The image FWP_NC_NEW_IMAGE switches to (a copy); without one it is
 * this image with its last byte changed. */
int fwp_nc_emu_set_next(fwp_nc_emu *e, const uint8_t *image, size_t len,
                        fwp_err *err);
void fwp_nc_emu_free(fwp_nc_emu *e);

/* One request line (its newline may be left off): the reply is appended
 * to out, JSON and "\r\n", for card.binary.get then the COBS bytes and
 * '\n'; nothing for a "cmd" or an injected timeout.  -1 only when out of
 * memory. */
int fwp_nc_emu_request(fwp_nc_emu *e, const char *line, size_t len,
                       fwp_buf *out);

/* What dfu.status reports for an image, as Notehub would: its MD5 as hex,
 * and the firmware::info object and its "version" (NULL when the image has
 * no such string, or the text after it is not one JSON object).  For
 * tests and `fwpack notecard --json`.  The strings are malloc'd. */
void fwp_nc_md5_hex(const uint8_t *data, size_t len, char out[33]);
int fwp_nc_image_info(const uint8_t *image, size_t len, char **info,
                      char **version);

#endif
