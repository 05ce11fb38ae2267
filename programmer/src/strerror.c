/* strerror.c - one line for each fwpk_prog_err and stage. */
#include "fwpk_prog.h"

static const char *const messages[FWPK_PROG_ERR_COUNT] = {
    "ok",
    "bad argument",
    "the port failed (cable pulled or device gone)",
    "interrupted",
    "no bootloader answered (wrong port, baud rate or protocol, or the "
    "target is not in its bootloader)",
    "the target stopped answering",
    "the target refused a command (NACK)",
    "the target's answer breaks the protocol",
    "the bootloader lacks a command this needs",
    "the container's MCU is not one this protocol programs",
    "the container's flash layout does not fit the chip",
    "the target is another chip than the container's MCU",
    "a page read back differs from what was written",
    "the container was refused",
    "the container could not be read",
};

const char *fwpk_prog_strerror(fwpk_prog_err err)
{
    if ((unsigned)err >= FWPK_PROG_ERR_COUNT)
        return "unknown error";
    return messages[err];
}

static const char *const stages[] = {
    "verify", "connect", "identify", "erase", "write", "read-back", "go",
    "done",
};

const char *fwpk_prog_stage_name(fwpk_prog_stage stage)
{
    if ((unsigned)stage >= sizeof stages / sizeof stages[0])
        return "unknown";
    return stages[stage];
}
