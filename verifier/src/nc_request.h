/*
 * nc_request.h - the request lines the client sends (internal), each
 * written to cfg->piece + 1 and ended by "\r\n" as note-c ends them.
 */
#ifndef FWPK_NC_REQUEST_H
#define FWPK_NC_REQUEST_H

#include "fwpk_notecard.h"

enum fwpk_nc_request {
    FWPK_NC_REQ_STATUS,   /* {"req":"dfu.status"} */
    FWPK_NC_REQ_DFU_ON,   /* {"req":"hub.set","mode":"dfu"} */
    FWPK_NC_REQ_READY,    /* {"req":"dfu.get","length":0} */
    FWPK_NC_REQ_GET,      /* dfu.get offset, length [, binary:true] */
    FWPK_NC_REQ_BIN,      /* card.binary.get offset 0, length */
    FWPK_NC_REQ_DFU_OFF,  /* {"req":"hub.set","mode":"dfu-completed"} */
    FWPK_NC_REQ_REPORT    /* dfu.status stop:true, status [, err] */
};

/* Writes the request; returns its length, 0 if it does not fit. */
uint16_t fwpk_nc_request(fwpk_nc *nc, enum fwpk_nc_request req);

#endif
