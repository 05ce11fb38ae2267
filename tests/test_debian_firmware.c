/* test_debian_firmware.c - issue 20's commands on firmware nobody here
 * wrote, from Debian packages (PKGS in the Makefile): MicroPython for the
 * BBC micro:bit, an nRF51822 HEX that carries a UICR record at
 * 0x100010C0, and the Arduino AVR bootloaders.  What a new user runs:
 * pack with and without a profile, the refusal that says how to crop,
 * both ways out, unpack to HEX and .bin compared with srec_cat, and an
 * AVR part the verifier fits only tightly. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fwpack.h"
#include "pack_util.h"

#define MICROBIT_HEX "/usr/share/firmware-microbit-micropython/firmware.hex"
#define AVR_BOOT "/usr/share/arduino/hardware/arduino/avr/bootloaders"
#define ATMEGABOOT_328 AVR_BOOT "/atmega/ATmegaBOOT_168_atmega328.hex"
#define STK500V2_2560 AVR_BOOT "/stk500v2/stk500boot_v2_mega2560.hex"
#define OPTIBOOT_328 AVR_BOOT "/optiboot/optiboot_atmega328.hex"

static const char *dir;

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

static int setup(void **state)
{
    (void)state;
    const char *need[] = {MICROBIT_HEX, ATMEGABOOT_328, STK500V2_2560,
                          OPTIBOOT_328};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (!pu_exists(need[i])) {
            fprintf(stderr, "test_debian_firmware: no %s (make deps installs "
                            "firmware-microbit-micropython and "
                            "arduino-core-avr)\n", need[i]);
            return -1;
        }
    if (!pu_have("srec_cmp") || !pu_have("srec_cat"))
        return -1;
    dir = pu_tmpdir();
    return pu_run("keygen -o %s", P("k.pem")) ||
           pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem"));
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* The micro:bit's HEX without a profile: it packs (the flash window spans
 * the 256 MiB gap up to the UICR word, with a warning), unpack refuses
 * to fill that gap in a .bin and says how to avoid it, and a HEX keeps
 * every byte, the UICR's too. */
static void test_microbit_without_profile(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s", P("k.pem"),
                            MICROBIT_HEX, P("mb.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "a gap of 268195892 bytes "
                                         "(0x0003b88c..0x100010bf)"),
                     1);
    assert_int_equal(pu_warnings(pu_err, "--crop LO:HI or --exclude LO:HI"),
                     1);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("mb.fwpk"), P("mb.bin")),
                     2);
    pu_one_error(pu_err, "mb.bin: a raw binary would be 268439772 bytes",
                 "0x0003b88c..0x100010bf", "write .hex",
                 "pack --crop LO:HI or --exclude LO:HI", "--max-gap", NULL);
    assert_false(pu_exists(P("mb.bin")));
    assert_int_equal(pu_count_tmp(dir), 0);
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("mb.fwpk"), P("mb.hex")),
                     0);
    pu_sh("srec_cmp %s -intel %s -intel", P("mb.hex"), MICROBIT_HEX);
}

/* With the nRF51822 profile: refused, the message naming the UICR range
 * and the options that drop it; each way out, copied from the message,
 * packs the flash alone, byte for byte what srec_cat crops. */
static void test_microbit_with_profile(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu nrf51822 %s "
                            "-o %s", P("k.pem"), MICROBIT_HEX, P("nrf.fwpk")),
                     3);
    pu_one_error(pu_err, "target app: data at 0x100010c0..",
                 "lies outside flash 0x00000000..0x0003ffff (nrf51822)",
                 "drop it with --exclude 0x100010c0:",
                 "or keep only the flash with --crop 0x00000000:0x00040000",
                 NULL);
    assert_false(pu_exists(P("nrf.fwpk")));
    char exclude[64], crop[64];
    const char *e = strstr(pu_err, "--exclude "), *c = strstr(pu_err, "--crop ");
    assert_non_null(e);
    assert_non_null(c);
    snprintf(exclude, sizeof exclude, "%.*s", (int)strcspn(e, ",\n"), e);
    snprintf(crop, sizeof crop, "%.*s", (int)strcspn(c, ",\n"), c);
    const char *ways[] = {exclude, crop};
    for (size_t i = 0; i < 2; i++) {
        /* the id in any case, as a user types it */
        assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu NRF51822 %s "
                                "%s -o %s", P("k.pem"), ways[i], MICROBIT_HEX,
                                P("nrf.fwpk")),
                         0);
        assert_string_equal(pu_err, ""); /* the verifier fits the part */
        assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                                P("nrf.fwpk"), P("nrf.hex")),
                         0);
        pu_sh("srec_cmp %s -intel %s -intel -crop 0 0x40000", P("nrf.hex"),
              MICROBIT_HEX);
        char cmd[1024], out[1024]; /* and the UICR word is gone */
        snprintf(cmd, sizeof cmd, "srec_cmp %s -intel %s -intel",
                 P("nrf.hex"), MICROBIT_HEX);
        assert_int_not_equal(pu_capture(cmd, out, sizeof out), 0);
    }
    /* the .bin is now the flash image objcopy would make */
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("nrf.fwpk"), P("nrf.bin")),
                     0);
    assert_string_equal(pu_err, "");
    pu_sh("srec_cat %s -intel -crop 0 0x40000 -o %s -binary", MICROBIT_HEX,
          P("want.bin"));
    pu_same_files(P("nrf.bin"), P("want.bin"));
}

/* An Arduino bootloader for the ATmega328P: packs without a warning (the
 * profile's avr-one build fits the part, tightly: examples/avr/agent);
 * unpack gives back its bytes, padded to whole 128-byte pages as the
 * device writes them. */
static void test_avr_bootloader(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu ATmega328P %s "
                            "-o %s", P("k.pem"), ATMEGABOOT_328,
                            P("avr.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    assert_int_equal(pu_run("unpack -p %s %s -o %s", P("pub.pem"),
                            P("avr.fwpk"), P("avr.hex")),
                     0);
    pu_sh("srec_cmp %s -intel %s -intel -fill 0xff -within %s -intel "
          "-range-padding 128", P("avr.hex"), ATMEGABOOT_328, ATMEGABOOT_328);
    assert_int_equal(pu_run("mcus --json atmega328p"), 0);
    assert_non_null(strstr(pu_out, "\"fits\":true,\"tight\":true"));
}

/* Real files that do not fit what they are packed for: one line naming
 * the file (and line) or target, and why; nothing written. */
static void test_avr_refusals(void **state)
{
    (void)state;
    /* the ATmega2560's bootloader sits at 0x3e000, past a 1284P's 128K */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu atmega1284p %s "
                            "-o %s", P("k.pem"), STK500V2_2560,
                            P("x.fwpk")),
                     3);
    pu_one_error(pu_err, "data at 0x0003e000..",
                 "outside flash 0x00000000..0x0001ffff (atmega1284p)",
                 "--crop 0x00000000:0x00020000", NULL);
    /* Debian 12's Optiboot for the 328: 532 bytes of code for the 512 at
     * 0x7e00, its version word written over its own code */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu atmega328p %s "
                            "-o %s", P("k.pem"), OPTIBOOT_328, P("x.fwpk")),
                     3);
    pu_one_error(pu_err, "optiboot_atmega328.hex:35: data at "
                 "0x00007ffe..0x00007fff overlaps earlier data", NULL);
    assert_false(pu_exists(P("x.fwpk")));
    assert_int_equal(pu_count_tmp(dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_microbit_without_profile),
        cmocka_unit_test(test_microbit_with_profile),
        cmocka_unit_test(test_avr_bootloader),
        cmocka_unit_test(test_avr_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
