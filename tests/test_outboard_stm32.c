/* test_outboard_stm32.c - fwpack flash --protocol stm32 against the AN3155
 * emulator (tests/emu/an3155_emu.c, written from ST's AN3155, as an
 * STM32G030K8's ROM bootloader), after the emulator itself has been
 * checked against a real client, Debian's stm32flash:
 *
 *   stm32flash  writes a 6 KB image (page erases, 256-byte writes, each
 *               verified), reads it back and starts it; with Erase (0x43)
 *               or Extended Erase (0x44) offered
 *   fwpack      programs the same image from a signed container: the same
 *               flash; every page erased before its first write, every
 *               block read back, Go to the flash base; with either erase
 *   refused     one bit flipped in the last frame (exit 1), a container
 *               whose flash is bigger than the chip's (exit 1) or for an
 *               AVR (exit 2): nothing sent, the port never opened
 *   wrong chip  the emulator reports an STM32L43x (0x435): exit 5 before
 *               the first erase
 *   faults      a NACK to a write, a byte from the host dropped, a bit that
 *               did not program, a target that stops answering: exit 5 with
 *               one line that says how many blocks were written; the same
 *               command again programs the image (the faults are one-time)
 *
 * stm32flash runs with -m 8n1: the Linux pty driver clears PARENB and
 * stm32flash checks the flags it set (a pty has no parity on its "wire").
 * Needs stm32flash (make deps); its absence fails the test with a message.
 * Runs from the repo root: FWPACK (build/test/fwpack), EMU_DIR
 * (build/test/emu). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_util.h"
#include "pack_util.h"

#define BASE 0x08000000u
#define FLASH_SIZE 65536
#define IMAGE_LEN 6000
#define BLOCK 256
#define BLOCKS ((IMAGE_LEN + BLOCK - 1) / BLOCK)
/* Bytes fwpack sends before the first write: 0x7F, Get, Get ID, and the
 * first Extended Erase (command 2, count 2, page 2, checksum 1). */
#define PREAMBLE (1 + 2 + 2 + 7)
/* Per 256-byte block: Write Memory (2 + address 5 + N 1 + data + XOR 1),
 * Read Memory (2 + address 5 + N and its complement 2). */
#define PER_BLOCK (2 + 5 + 1 + BLOCK + 1 + 2 + 5 + 2)
#define TIMEOUT "--timeout 300"

static void expect_programmed(const eu_emu *e);
static eu_target target = {NULL, "an3155_emu", "", "",
                           "--protocol stm32 " TIMEOUT, NULL,
                           expect_programmed};
static const char *dir;
static uint8_t image[IMAGE_LEN];
static uint8_t *stm32flash_flash;
static size_t stm32flash_len;

static int setup(void **state)
{
    (void)state;
    if (!pu_have("stm32flash")) {
        fprintf(stderr, "test_outboard_stm32: stm32flash is not installed "
                        "(make deps, or apt-get install stm32flash)\n");
        return -1;
    }
    target.dir = dir = pu_tmpdir();
    pu_firmware(image, sizeof image, 0x5732);
    pu_write(pu_path(dir, "app.bin"), image, sizeof image);
    char args[1024];
    snprintf(args, sizeof args, "--mcu stm32g030k8 --load-addr 0x%x --version "
             "1.2.0 %s/app.bin", BASE, dir);
    if (eu_containers(dir, args) != 0 ||
        pu_run("pack -k %s/key.pem --mcu stm32g030k8 --load-addr 0x%x "
               "--flash-size 0x20000 %s/app.bin -o %s/big.fwpk", dir, BASE,
               dir, dir) != 0 ||
        pu_run("pack -k %s/key.pem --mcu atmega328p --load-addr 0 "
               "%s/app.bin -o %s/avr.fwpk", dir, dir, dir) != 0) {
        fprintf(stderr, "pack: %s\n", pu_err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(stm32flash_flash);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

static void expect_programmed(const eu_emu *e)
{
    size_t n;
    uint8_t *d = eu_read_dump(e, &n);
    assert_int_equal(n, FLASH_SIZE);
    eu_expect_image(d, n, 0, image, IMAGE_LEN, 8);
    eu_expect_blank(d, IMAGE_LEN, n - IMAGE_LEN);
    free(d);
}

/* stm32flash writes (verifying each block), then reads back; both with
 * the erase command the emulator offers. */
static void stm32flash_round_trip(const char *name, const char *emu_args)
{
    eu_emu e;
    char cmd[2048], out[16384];
    eu_start(&e, dir, name, "an3155_emu", emu_args);
    snprintf(cmd, sizeof cmd, "stm32flash -m 8n1 -b 115200 -w %s/app.bin -v "
             "-g 0x0 %s", dir, e.port);
    if (pu_capture(cmd, out, sizeof out) != 0)
        fail_msg("%s:\n%s", cmd, out);
    /* the second stm32flash is a new session (the emulator resets on a
     * new open, Go having left the last one mute): let the emulator see
     * the first one close before it opens the port, as a loaded machine
     * may otherwise deliver its 0x7F to the old session */
    eu_wait_log(&e, "close", 10000);
    snprintf(cmd, sizeof cmd, "stm32flash -m 8n1 -b 115200 -S 0x%x:%d -r "
             "%s/read.bin %s", BASE, IMAGE_LEN, dir, e.port);
    if (pu_capture(cmd, out, sizeof out) != 0) {
        char *log = eu_read_log(&e);
        fail_msg("%s:\n%s\nemulator log:\n%s", cmd, out, log);
    }
    eu_stop(&e);
    size_t n;
    uint8_t *back = (uint8_t *)pu_read(pu_path(dir, "read.bin"), &n);
    assert_non_null(back);
    assert_int_equal(n, IMAGE_LEN);
    assert_memory_equal(back, image, IMAGE_LEN);
    free(back);
    expect_programmed(&e);
    assert_true(eu_log_count(&e, "go 0x08000000") == 1);
}

static void test_stm32flash_extended_erase(void **state)
{
    (void)state;
    stm32flash_round_trip("stm32flash", "");
    /* keep its flash for the comparison with fwpack's */
    eu_emu e;
    memset(&e, 0, sizeof e);
    snprintf(e.dump, sizeof e.dump, "%s/stm32flash.flash", dir);
    stm32flash_flash = eu_read_dump(&e, &stm32flash_len);
}

static void test_stm32flash_legacy_erase(void **state)
{
    (void)state;
    stm32flash_round_trip("stm32flash-legacy", "--legacy-erase");
}

static void fwpack_programs(const char *name, const char *emu_args)
{
    eu_emu e;
    eu_target_start(&target, &e, name, emu_args);
    int rc = eu_target_flash(&target, &e, "--json", "app.fwpk");
    eu_stop(&e);
    if (rc != 0)
        fail_msg("fwpack flash: %d\n%s%s", rc, pu_out, pu_err);
    eu_expect_in(pu_out, "\"ok\":true", "the JSON");
    eu_expect_in(pu_out, "\"chip_id\":\"0x466\"", "the JSON");
    eu_expect_in(pu_out, "\"page_size\":256", "the JSON");
    assert_string_equal(pu_err, "");
    expect_programmed(&e);
    /* each 2 KiB page erased before its first write; each write read back */
    char *log = eu_read_log(&e);
    const char *w = strstr(log, "write 0x08000800");
    const char *er = strstr(log, "erase 1 pages from 1");
    assert_true(w && er && er < w);
    free(log);
    assert_int_equal(eu_log_count(&e, "erase 1 pages"), 3);
    assert_int_equal(eu_log_count(&e, "write 0x"), BLOCKS);
    assert_int_equal(eu_log_count(&e, "read 0x"), BLOCKS);
    assert_int_equal(eu_log_count(&e, "go 0x08000000"), 1);
    eu_expect_dump(&e, stm32flash_flash, stm32flash_len); /* stm32flash's */
}

static void test_fwpack_extended_erase(void **state)
{
    (void)state;
    fwpack_programs("fwpack", "");
}

static void test_fwpack_legacy_erase(void **state)
{
    (void)state;
    fwpack_programs("fwpack-legacy", "--legacy-erase");
}

static void test_refused_before_anything(void **state)
{
    (void)state;
    eu_refused(&target, "tamper", "tampered.fwpk", 1,
               "frame does not match the hash chain", FLASH_SIZE);
    eu_refused(&target, "big", "big.fwpk", 1,
               "its flash layout (base, size, erase block, write unit) does "
               "not fit the stm32g030k8", FLASH_SIZE);
    eu_refused(&target, "avr", "avr.fwpk", 2,
               "target app is for MCU 'atmega328p', which --protocol an3155 "
               "does not program", FLASH_SIZE);
}

static void test_wrong_chip_refused_before_erase(void **state)
{
    (void)state;
    eu_wrong_chip(&target, "--id 435", "the target is 0x435 (stm32l432kc), "
                  "not the container's stm32g030k8");
}

/* one-time faults: a NACK to the third write, a byte dropped in its data,
 * the fifth write one bit wrong, no answer from within the fourth write on
 * (until the next session: a reset) */
static const eu_fault faults[] = {
    {"nack", "--nack", 3,
     "an3155: the target refused a command (NACK) while writing "
     "0x8000200..0x80002ff",
     "2 of 24 pages of 256 bytes (0x8000000..0x80001ff) written and read "
     "back"},
    {"drop", "--drop", PREAMBLE + 2 * PER_BLOCK + 100,
     "an3155: the target stopped answering while writing "
     "0x8000200..0x80002ff",
     "2 of 24 pages of 256 bytes (0x8000000..0x80001ff) written and read "
     "back"},
    {"corrupt", "--corrupt", 5,
     "an3155: a page read back differs from what was written while reading "
     "back 0x8000400..0x80004ff",
     "4 of 24 pages of 256 bytes"},
    {"stall", "--stall", PREAMBLE + 3 * PER_BLOCK + 3,
     "an3155: the target stopped answering while writing "
     "0x8000300..0x80003ff",
     "3 of 24 pages of 256 bytes"},
};

static void test_faults_then_rerun(void **state)
{
    (void)state;
    eu_faults_then_rerun(&target, faults, sizeof faults / sizeof faults[0]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stm32flash_extended_erase),
        cmocka_unit_test(test_stm32flash_legacy_erase),
        cmocka_unit_test(test_fwpack_extended_erase),
        cmocka_unit_test(test_fwpack_legacy_erase),
        cmocka_unit_test(test_refused_before_anything),
        cmocka_unit_test(test_wrong_chip_refused_before_erase),
        cmocka_unit_test(test_faults_then_rerun),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
