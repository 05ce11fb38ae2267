/*
 * strerror.c - one message per fwpk_err, for logs and the host tools
 * (left out with FWPK_STRINGS 0, fwpk_verify.h).
 */
#include "fwpk_verify.h"

static const char *const messages[FWPK_ERR_COUNT] = {
    "ok",
    "bad argument or policy from the caller",
    "verifier already failed or finished",
    "not an fwpack container (bad magic)",
    "unsupported container format version",
    "container header field out of range",
    "info string malformed",
    "manifest malformed or out of range",
    "frame size, window or codec beyond what this build allows",
    "no target for this device in the container",
    "target is for another MCU",
    "segment outside the allowed flash window",
    "security counter below the device minimum (rollback)",
    "container is unsigned",
    "no valid signature from a trusted key",
    "only revoked or retired keys signed this container",
    "frame length out of range, or frames do not match the manifest",
    "frame does not match the hash chain",
    "compressed data invalid",
    "decompressed size differs from the manifest",
    "image digest mismatch",
    "container truncated",
    "bytes after the end of the container",
    "flash erase, write or read failed",
    "resume record torn, stale or not for this container",
    "more signatures than a container may hold (8)",
    "installed image is not the base this delta update was made for",
    "delta patch invalid",
};

const char *fwpk_strerror(fwpk_err err)
{
    if (!FWPK_STRINGS)
        return "fwpk error";
    if ((unsigned)err >= (unsigned)FWPK_ERR_COUNT)
        return "unknown error";
    return messages[err];
}
