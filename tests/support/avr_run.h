/*
 * avr_run.h - the AVR example tests' side of simavr (test_avr,
 * test_avr328): the tools they need, the packer, one command's output and
 * the checks on it (lines the bootloader printed, "name=value" fields,
 * the cycle stamps of avrhost -t).
 */
#ifndef AVR_RUN_H
#define AVR_RUN_H

#include <stddef.h>

/* Checks avr-gcc & co. and the libsimavr headers (a message naming
 * 'test' and the package otherwise), picks the packer ($FWPACK, else
 * build/test/fwpack, else build/host/fwpack) for ar_make, and leaves the
 * example's make out of an enclosing make check.  0 ok, -1 not. */
int ar_setup(const char *test);
/* make -s -C dir O=out FWPACK=(the packer) target, into the output; on
 * failure says so on stderr with the output and returns -1. */
int ar_make(const char *dir, const char *out, const char *target);

/* Runs a shell command, stdout and stderr into the output below; returns
 * its exit status. */
int ar_run(const char *cmd);
/* The last command's output and exit status. */
const char *ar_text(void);
int ar_status(void);

/* "NAME='value'" (make print-config) in the output, as a number. */
int ar_config_num(const char *name, unsigned long *v);
/* Fail the current test unless 'needle' is (is not) in the output. */
void ar_expect(const char *needle);
void ar_refuse(const char *needle);
/* The number after the first " name=" in the output (fails without). */
unsigned long ar_field(const char *name);
/* The cycle of the first line starting with 'text' (avrhost -t's
 * "@CYCLE line"; fails without). */
unsigned long ar_stamp(const char *text);
/* CRC-32 (zlib's) of a file's bytes (fails if it cannot be read). */
unsigned long ar_crc(const char *file);

#endif
