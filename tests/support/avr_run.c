/*
 * avr_run.c - the AVR example tests' side of simavr (avr_run.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "avr_run.h"
#include "pack_util.h"

#define OUT_MAX 65536

static struct {
    char text[OUT_MAX];
    int status;
} out;
static char test_name[64], packer[512]; /* ar_setup's */

int ar_setup(const char *test)
{
    const char *tools[] = {"avr-gcc", "avr-objcopy", "avr-size",
                           "avr-objdump", "make", "cc"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pu_have(tools[i])) {
            fprintf(stderr,
                    "%s: %s is not installed: the AVR examples need it "
                    "(make deps, or apt-get install gcc-avr avr-libc "
                    "binutils-avr libsimavr-dev)\n",
                    test, tools[i]);
            return -1;
        }
    if (access("/usr/include/simavr/sim_avr.h", R_OK) != 0) {
        fprintf(stderr, "%s: libsimavr headers not found (/usr/include/simavr): "
                        "apt-get install libsimavr-dev\n",
                test);
        return -1;
    }
    const char *fw = pu_packer(test);
    if (!fw)
        return -1;
    snprintf(packer, sizeof packer, "%s", fw);
    snprintf(test_name, sizeof test_name, "%s", test);
    /* Under make check: the example's make is not part of that make */
    unsetenv("MAKEFLAGS");
    unsetenv("MFLAGS");
    unsetenv("MAKELEVEL");
    return 0;
}

int ar_make(const char *dir, const char *o, const char *target)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "make --no-print-directory -s -j2 -C %s O=%s FWPACK=%s %s", dir,
             o, packer, target);
    if (ar_run(cmd) == 0)
        return 0;
    fprintf(stderr, "%s: %s failed:\n%s\n", test_name, cmd, out.text);
    return -1;
}

int ar_run(const char *cmd)
{
    return out.status = pu_capture(cmd, out.text, sizeof out.text);
}

const char *ar_text(void)
{
    return out.text;
}

int ar_status(void)
{
    return out.status;
}

int ar_config_num(const char *name, unsigned long *v)
{
    char key[96];
    snprintf(key, sizeof key, "%s='", name);
    const char *p = strstr(out.text, key);
    if (!p)
        return -1;
    *v = strtoul(p + strlen(key), NULL, 0);
    return 0;
}

void ar_expect(const char *needle)
{
    if (!strstr(out.text, needle))
        fail_msg("expected \"%s\" in the output:\n%s", needle, out.text);
}

void ar_refuse(const char *needle)
{
    if (strstr(out.text, needle))
        fail_msg("did not expect \"%s\" in the output:\n%s", needle,
                 out.text);
}

unsigned long ar_field(const char *name)
{
    char key[64];
    snprintf(key, sizeof key, " %s=", name);
    const char *p = strstr(out.text, key);
    if (!p)
        fail_msg("no %s= in the output:\n%s", name, out.text);
    return strtoul(p + strlen(key), NULL, 10);
}

unsigned long ar_stamp(const char *text)
{
    for (const char *p = out.text; (p = strchr(p, '@')) != NULL; p++) {
        char *rest;
        unsigned long c = strtoul(p + 1, &rest, 10);
        if (*rest == ' ' && strncmp(rest + 1, text, strlen(text)) == 0)
            return c;
    }
    fail_msg("no line \"%s\" in:\n%s", text, out.text);
    return 0;
}

unsigned long ar_crc(const char *file)
{
    size_t n;
    uint8_t *b = (uint8_t *)pu_read(file, &n);
    if (!b)
        fail_msg("cannot read %s", file);
    unsigned long c = crc32(0L, b, (uInt)n);
    free(b);
    return c;
}
