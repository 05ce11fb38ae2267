/* test_outboard_stk500.c - fwpack flash --protocol stk500 against real
 * bootloader firmware nobody here wrote: Optiboot from Debian's
 * arduino-core-avr, running on an ATmega328P in simavr with its UART on a
 * pseudo-terminal (tests/emu/simavr_pty.c), and Debian's avrdude -c
 * arduino on the same target:
 *
 *   optiboot   Debian's optiboot_atmega328.hex does not fit where it says
 *              (532 bytes of code for the 512-byte boot section: past the
 *              end of the flash, its version word on its own code); moved
 *              into the 1 KiB boot section (mk/outboard.mk), its code is
 *              byte for byte Debian's optiboot.c built for 0x7c00
 *   fwpack     programs the application through Optiboot; Optiboot's
 *              watchdog starts it, and it prints its version and the CRC
 *              of its own image, which is the packed image's
 *   avrdude    programs the same application (HEX): the same flash, byte
 *              for byte, bootloader included
 *   refused    one bit flipped in the last frame: exit 1 before the port is
 *              opened (an Arduino resets when it is), the flash untouched
 *   wrong chip Debian's Optiboot for the ATmega168 on an ATmega168: exit 5
 *              before anything is written
 *   faults     a byte from the host dropped (Optiboot waits for it), one
 *              with a bit flipped (a page written wrong), Optiboot gone
 *              silent, the port gone: exit 5, one line saying how many
 *              pages were written; the same command again installs the
 *              application and it runs
 *
 * simavr runs in real time (Optiboot's watchdog timeouts are seconds), so
 * each run takes about a second.  Needs simavr, avr-gcc and avrdude (make
 * deps); their absence fails the test with a message.  Runs from the repo
 * root: FWPACK (build/test/fwpack), EMU_DIR (build/test/emu), OB_DIR
 * (build/outboard: the moved Optiboot, the application). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "emu_util.h"
#include "fwpack.h"
#include "pack_util.h"

#define PAGE 128
#define FLASH_328 32768
#define BOOT_328 0x7c00
#define FLASH_168 16384
#define OPTIBOOT_LEN 532
#define DEBIAN "/usr/share/arduino/hardware/arduino/avr/bootloaders/" \
               "optiboot/optiboot_atmega328.hex"
/* Bytes fwpack sends before the first page: GET_SYNC, ENTER_PROGMODE,
 * READ_SIGN, each with CRC_EOP. */
#define PREAMBLE 6
/* Per page: LOAD_ADDRESS (4), PROG_PAGE (4 + 128 + 1), LOAD_ADDRESS,
 * READ_PAGE (5). */
#define PER_PAGE (4 + 4 + PAGE + 1 + 4 + 5)
/* Optiboot flashes its LED for 375 ms before it listens. */
#define TIMEOUT "--timeout 600"
#define APP_WAIT_MS 5000

static void expect_app_runs(const eu_emu *e);
static void expect_programmed(const eu_emu *e);
static eu_target target = {NULL, "simavr_pty",
                           "-m atmega328p -f 16000000 --boot 0x7c00", NULL,
                           "--protocol stk500 " TIMEOUT, expect_app_runs,
                           expect_programmed};
static const char *dir;
static char optiboot[600]; /* the moved Optiboot HEX */
static uint8_t *image;
static size_t image_len;
static char app_line[128]; /* what the application prints */
static uint8_t *fwpack_flash;
static size_t fwpack_len;

static int setup(void **state)
{
    (void)state;
    if (!pu_have("avrdude") || !pu_have("avr-gcc")) {
        fprintf(stderr, "test_outboard_stk500: avrdude or avr-gcc is not "
                        "installed (make deps)\n");
        return -1;
    }
    image = eu_avr_app("test_outboard_stk500", &dir, &image_len);
    if (!image)
        return -1;
    snprintf(app_line, sizeof app_line,
             "app v2.0.0 running, image %zu bytes, crc32 %08lx\n", image_len,
             crc32(0L, image, (uInt)image_len));
    target.dir = dir;
    snprintf(optiboot, sizeof optiboot, "%s",
             eu_ob_path("optiboot_atmega328.hex"));
    target.tail = optiboot;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(image);
    free(fwpack_flash);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* The application started by Optiboot prints its line, and stops. */
static void expect_app_runs(const eu_emu *e)
{
    if (!eu_wait_uart(e, app_line, APP_WAIT_MS) ||
        !eu_wait_log(e, "done", APP_WAIT_MS)) {
        char *log = eu_read_log(e);
        fail_msg("the application did not print \"%.*s\"; log:\n%s",
                 (int)strlen(app_line) - 1, app_line, log);
    }
}

/* The flash: the image at 0, erased up to the bootloader, Optiboot. */
static uint8_t *flash_dump(const eu_emu *e, size_t *n)
{
    fwp_image boot = {0};
    fwp_err err;
    uint8_t *d = eu_read_dump(e, n);
    assert_int_equal(*n, FLASH_328);
    eu_expect_image(d, *n, 0, image, image_len, PAGE);
    size_t end = (image_len + PAGE - 1) / PAGE * PAGE;
    eu_expect_blank(d, end, BOOT_328 - end);
    if (fwp_hex_load(eu_ob_path("optiboot_atmega328.hex"), &boot, &err))
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < boot.count; i++)
        assert_memory_equal(d + boot.segs[i].addr, boot.segs[i].data,
                            boot.segs[i].len);
    fwp_image_free(&boot);
    return d;
}

static void expect_programmed(const eu_emu *e)
{
    size_t n;
    free(flash_dump(e, &n));
}

static void test_debian_optiboot_moved_exactly(void **state)
{
    (void)state;
    fwp_image img = {0};
    fwp_err err;
    /* as shipped: the version record lands on code already there */
    assert_int_equal(fwp_hex_load(DEBIAN, &img, &err), -1);
    eu_expect_in(err.msg, "overlap", "the HEX reader's message");
    fwp_image_free(&img);
    printf("test_outboard_stk500: Debian's HEX as shipped: %s\n", err.msg);
    /* moved: 532 bytes at 0x7c00 = optiboot.c built for 0x7c00, then the
     * version word (Optiboot 4.4) at 0x7ffe */
    if (fwp_hex_load(eu_ob_path("optiboot_atmega328.hex"), &img, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(img.count, 2);
    assert_int_equal(img.segs[0].addr, BOOT_328);
    assert_int_equal(img.segs[0].len, OPTIBOOT_LEN);
    assert_true(BOOT_328 + OPTIBOOT_LEN > 0x7e00); /* too big for 512 */
    assert_int_equal(img.segs[1].addr, 0x7ffe);
    assert_int_equal(img.segs[1].data[0], 4);
    assert_int_equal(img.segs[1].data[1], 4);
    size_t n;
    uint8_t *src = (uint8_t *)pu_read(eu_ob_path("optiboot-src-7c00.bin"), &n);
    assert_non_null(src);
    assert_int_equal(n, OPTIBOOT_LEN);
    assert_memory_equal(img.segs[0].data, src, OPTIBOOT_LEN);
    free(src);
    fwp_image_free(&img);
}

static void test_fwpack_programs_and_app_runs(void **state)
{
    (void)state;
    eu_emu e;
    eu_target_start(&target, &e, "fwpack", "");
    int rc = eu_target_flash(&target, &e, "", "app.fwpk");
    if (rc != 0) {
        eu_stop(&e);
        fail_msg("fwpack flash: %d\n%s", rc, pu_err);
    }
    assert_string_equal(pu_err, "");
    expect_app_runs(&e);
    eu_stop(&e);
    fwpack_flash = flash_dump(&e, &fwpack_len);
    printf("test_outboard_stk500: fwpack flash through Optiboot, then: %s",
           app_line);
}

static void test_avrdude_programs_the_same_flash(void **state)
{
    (void)state;
    eu_emu e;
    char cmd[2048], out[8192];
    eu_target_start(&target, &e, "avrdude", "");
    snprintf(cmd, sizeof cmd, "avrdude -q -q -c arduino -p m328p -P %s "
             "-b 115200 -U flash:w:%s:i 2>&1 | grep -v TIOCM", e.port,
             eu_ob_path("app_v2.hex"));
    pu_capture(cmd, out, sizeof out);
    expect_app_runs(&e);
    eu_stop(&e);
    if (out[0])
        fail_msg("%s:\n%s", cmd, out);
    expect_programmed(&e);
    eu_expect_dump(&e, fwpack_flash, fwpack_len); /* what fwpack left */
}

static void test_tampered_refused_before_the_port(void **state)
{
    (void)state;
    eu_refused(&target, "tamper", "tampered.fwpk", 1,
               "frame does not match the hash chain", BOOT_328);
}

static void test_atmega168_refused_before_writing(void **state)
{
    (void)state;
    eu_target m168 = target;
    m168.head = "-m atmega168 -f 16000000 --boot 0x3c00";
    m168.tail = eu_ob_path("optiboot_atmega168.hex"); /* used at once */
    eu_wrong_chip(&m168, "", "the target is 1e9406 (atmega168), not the "
                             "container's atmega328p");
}

static void test_port_goes_away(void **state)
{
    (void)state;
    eu_pulled_cable(&target, PREAMBLE + PER_PAGE + 30,
                    "1 of 5 pages (0x0..0x7f) written");
}

/* one-time faults: a byte dropped in the third page's data (Optiboot waits
 * for it), a bit flipped in the fourth's (written wrong), Optiboot silent
 * from the second page on (until the next session: a reset) */
static const eu_fault faults[] = {
    {"drop", "--drop", PREAMBLE + 2 * PER_PAGE + 8 + 64,
     "stk500: the target stopped answering while writing 0x100..0x17f",
     "2 of 5 pages (0x0..0xff) written and read back"},
    {"flip", "--flip", PREAMBLE + 3 * PER_PAGE + 8 + 10,
     "stk500: a page read back differs from what was written while reading "
     "back 0x180..0x1ff",
     "3 of 5 pages (0x0..0x17f) written and read back"},
    {"stall", "--stall", PREAMBLE + PER_PAGE + 2,
     "stk500: the target stopped answering while writing 0x80..0xff",
     "1 of 5 pages (0x0..0x7f) written and read back"},
};

static void test_faults_then_rerun(void **state)
{
    (void)state;
    eu_faults_then_rerun(&target, faults, sizeof faults / sizeof faults[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_debian_optiboot_moved_exactly),
        cmocka_unit_test(test_fwpack_programs_and_app_runs),
        cmocka_unit_test(test_avrdude_programs_the_same_flash),
        cmocka_unit_test(test_tampered_refused_before_the_port),
        cmocka_unit_test(test_atmega168_refused_before_writing),
        cmocka_unit_test(test_faults_then_rerun),
        cmocka_unit_test(test_port_goes_away),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
