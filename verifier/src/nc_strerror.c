/*
 * nc_strerror.c - one message per fwpk_nc_err, for logs and reports
 * (left out with FWPK_STRINGS 0, fwpk_verify.h, as the verifier's are).
 */
#include "fwpk_notecard.h"

static const char *const messages[FWPK_NC_ERR_COUNT] = {
    "installed",
    "not finished: step again",
    "no host firmware ready on the Notecard",
    "bad Notecard client configuration or call",
    "Notecard transport error",
    "no reply from the Notecard in time",
    "Notecard replies garbled, cut short or too long",
    "the Notecard answered with an error",
    "piece shorter or longer than asked",
    "piece payload is not base64",
    "binary piece is not valid COBS",
    "piece does not match its MD5",
    "dfu.status ready without a usable body length and md5",
    "the Notecard now holds another image: start over",
    "the verifier refused the container",
};

const char *fwpk_nc_strerror(fwpk_nc_err err)
{
    if (!FWPK_STRINGS)
        return "fwpk_nc error";
    if ((unsigned)err >= (unsigned)FWPK_NC_ERR_COUNT)
        return "unknown Notecard client error";
    return messages[err];
}
