/* test_outboard_avr109.c - fwpack flash --protocol avr109 against the
 * AVR109 emulator (tests/emu/avr109_emu.c, written from Atmel's
 * application note), after the emulator itself has been checked against
 * a real client, Debian's avrdude -c avr109:
 *
 *   avrdude    writes the application (chip erase, page blocks) and reads
 *              it back: the emulator's flash and avrdude's read-back both
 *              hold the image
 *   fwpack     programs the same image from a signed container: the same
 *              flash as avrdude's; one chip erase before the first block,
 *              every block read back, the bootloader left ('E')
 *   tamper     one bit flipped in the last frame: refused (exit 1) before
 *              anything is sent, the port never opened, the flash blank
 *   wrong chip the emulator reports an ATmega32U4: exit 5 before the erase
 *   faults     a NACK ('?') to a block, a byte from the host dropped, a
 *              bit that did not program, a target that stops answering, a
 *              port that goes away: exit 5 with one line that names the
 *              operation and says how many pages were written; the same
 *              command again programs the image (the faults are one-time)
 *   Ctrl-C     SIGINT while the pages go out (a 9600-baud line): exit 5,
 *              "interrupted", the pages written so far
 *   usage      options checked before anything (exit 2); --reset asked
 *              for on a port with no modem lines (exit 4)
 *   targets    of a container with two, --target programs the one named;
 *              without it, a usage error
 *
 * Needs avrdude (make deps); its absence fails the test with a message.
 * Runs from the repo root: FWPACK (build/test/fwpack), EMU_DIR
 * (build/test/emu), OB_DIR (build/outboard: the application image). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "emu_util.h"
#include "pack_util.h"

#define PAGE 128
/* Bytes fwpack sends before the first block: ESC S a b P s e. */
#define PREAMBLE 7
/* Per page: A hi lo, B hi lo F + 128 data, A hi lo, g hi lo F. */
#define PER_PAGE (3 + 4 + PAGE + 3 + 4)
#define TIMEOUT "--timeout 300"

static const char *dir;
static uint8_t *image;
static size_t image_len;
static uint8_t *avrdude_flash;
static size_t avrdude_len;

static void expect_programmed(const eu_emu *e);
static eu_target target = {NULL, "avr109_emu", "", "",
                           "--protocol avr109 " TIMEOUT, NULL,
                           expect_programmed};

static int setup(void **state)
{
    (void)state;
    if (!pu_have("avrdude")) {
        fprintf(stderr, "test_outboard_avr109: avrdude is not installed "
                        "(make deps, or apt-get install avrdude)\n");
        return -1;
    }
    image = eu_avr_app("test_outboard_avr109", &dir, &image_len);
    target.dir = dir;
    return image ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    free(image);
    free(avrdude_flash);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

static void expect_programmed(const eu_emu *e)
{
    size_t n;
    uint8_t *d = eu_read_dump(e, &n);
    assert_int_equal(n, 32768);
    eu_expect_image(d, n, 0, image, image_len, PAGE);
    eu_expect_blank(d, (image_len + PAGE - 1) / PAGE * PAGE,
                    n - (image_len + PAGE - 1) / PAGE * PAGE);
    free(d);
}

static void test_avrdude_writes_and_reads_back(void **state)
{
    (void)state;
    eu_emu e;
    char cmd[2048], out[8192];
    eu_start(&e, dir, "avrdude", "avr109_emu", "");
    snprintf(cmd, sizeof cmd, "avrdude -q -q -c avr109 -p m328p -P %s "
             "-b 115200 -U flash:w:%s:i", e.port, eu_ob_path("app_v2.hex"));
    if (pu_capture(cmd, out, sizeof out) != 0)
        fail_msg("%s:\n%s", cmd, out);
    snprintf(cmd, sizeof cmd, "avrdude -q -q -c avr109 -p m328p -P %s "
             "-b 115200 -U flash:r:%s/read.bin:r", e.port, dir);
    if (pu_capture(cmd, out, sizeof out) != 0)
        fail_msg("%s:\n%s", cmd, out);
    eu_stop(&e);
    size_t n;
    uint8_t *back = (uint8_t *)pu_read(pu_path(dir, "read.bin"), &n);
    assert_non_null(back);
    /* avrdude drops the trailing 0xFF bytes of what it read */
    assert_true(n >= image_len);
    assert_memory_equal(back, image, image_len);
    free(back);
    expect_programmed(&e);
    assert_int_equal(eu_log_count(&e, "erase"), 1);
    avrdude_flash = eu_read_dump(&e, &avrdude_len);
}

static void test_fwpack_programs_the_same_flash(void **state)
{
    (void)state;
    eu_emu e;
    eu_target_start(&target, &e, "fwpack", "");
    int rc = eu_target_flash(&target, &e, "--json", "app.fwpk");
    eu_stop(&e);
    if (rc != 0)
        fail_msg("fwpack flash: %d\n%s%s", rc, pu_out, pu_err);
    eu_expect_in(pu_out, "\"ok\":true", "the JSON");
    eu_expect_in(pu_out, "\"chip_id\":\"1e950f\"", "the JSON");
    char pages[64];
    snprintf(pages, sizeof pages, "\"pages\":%zu,\"page_total\":%zu",
             (image_len + PAGE - 1) / PAGE, (image_len + PAGE - 1) / PAGE);
    eu_expect_in(pu_out, pages, "the JSON");
    assert_string_equal(pu_err, "");
    expect_programmed(&e);
    /* one chip erase, before the first block; each block read back */
    char *log = eu_read_log(&e);
    char *erase = strstr(log, "erase"), *write = strstr(log, "write ");
    assert_non_null(erase);
    assert_true(write && erase < write);
    free(log);
    assert_int_equal(eu_log_count(&e, "erase"), 1);
    assert_int_equal(eu_log_count(&e, "write 0x"), eu_log_count(&e, "read 0x"));
    assert_int_equal(eu_log_count(&e, "\nexit\n"), 1);
    eu_expect_dump(&e, avrdude_flash, avrdude_len); /* what avrdude left */
}

static void test_tampered_refused_before_anything(void **state)
{
    (void)state;
    eu_refused(&target, "tamper", "tampered.fwpk", 1,
               "frame does not match the hash chain", 32768);
}

static void test_wrong_chip_refused_before_erase(void **state)
{
    (void)state;
    eu_wrong_chip(&target, "-m atmega32u4", "the target is 1e9587 "
                  "(atmega32u4), not the container's atmega328p");
}

static void test_target_stops_answering(void **state)
{
    (void)state;
    char args[64];
    snprintf(args, sizeof args, "--stall %d", PREAMBLE + PER_PAGE + 1);
    eu_emu e;
    eu_target_start(&target, &e, "stall", args);
    int rc = eu_target_flash(&target, &e, "--json", "app.fwpk");
    eu_stop(&e);
    assert_int_equal(rc, 5);
    eu_expect_in(pu_err, "the target stopped answering while writing "
                         "0x80..0xff",
                 "stderr");
    eu_expect_in(pu_out, "\"ok\":false", "the JSON");
    eu_expect_in(pu_out, "\"stage\":\"write\"", "the JSON");
    eu_expect_in(pu_out, "\"pages\":1,", "the JSON");
    eu_expect_in(pu_out, "\"written\":[0,128]", "the JSON");
}

static void test_port_goes_away(void **state)
{
    (void)state;
    eu_pulled_cable(&target, PREAMBLE + PER_PAGE + 20,
                    "1 of 5 pages (0x0..0x7f) written");
}

static void test_ctrl_c_stops_cleanly(void **state)
{
    (void)state;
    eu_emu e;
    const char *fw = getenv("FWPACK");
    char cmd[2048];
    eu_start(&e, dir, "ctrlc", "avr109_emu", "--baud 9600");
    snprintf(cmd, sizeof cmd, "exec %s flash -p %s/pub.pem --port %s "
             "--protocol avr109 %s/app.fwpk >%s/ctrlc.out 2>%s/ctrlc.err",
             fw && *fw ? fw : "build/test/fwpack", dir, e.port, dir, dir, dir);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    int seen = eu_wait_log(&e, "write 0x0080", 20000);
    kill(pid, SIGINT);
    int st = 0;
    waitpid(pid, &st, 0);
    eu_stop(&e);
    assert_true(seen);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 5);
    char *err = pu_read(pu_path(dir, "ctrlc.err"), NULL);
    eu_expect_in(err, "avr109: interrupted while", "stderr");
    eu_expect_in(err, "of 5 pages", "stderr");
    eu_expect_in(err, "run the same command again", "stderr");
    eu_expect_one_line(err);
    free(err);
}

static void test_usage_errors(void **state)
{
    (void)state;
    eu_emu e;
    eu_start(&e, dir, "usage", "avr109_emu", "");
    assert_int_equal(pu_run("flash -p %s/pub.pem --protocol avr109 "
                            "%s/app.fwpk", dir, dir), 2);
    eu_expect_in(pu_err, "--port DEV and --protocol", "stderr");
    assert_int_equal(pu_run("flash -p %s/pub.pem --port %s --protocol xmodem "
                            "%s/app.fwpk", dir, e.port, dir), 2);
    eu_expect_in(pu_err, "--protocol: stk500, avr109 or stm32, not "
                         "'xmodem'", "stderr");
    assert_int_equal(pu_run("flash -p %s/pub.pem --port %s --protocol avr109 "
                            "--boot0 rts %s/app.fwpk", dir, e.port, dir), 2);
    eu_expect_in(pu_err, "--boot0 is for --protocol stm32", "stderr");
    assert_int_equal(pu_run("flash -p %s/pub.pem --port %s --protocol avr109 "
                            "--baud 12345 %s/app.fwpk", dir, e.port, dir), 2);
    eu_expect_in(pu_err, "--baud 12345 is not a standard rate", "stderr");
    assert_int_equal(pu_run("flash -p %s/pub.pem --port %s --protocol avr109 "
                            "--reset dtr %s/app.fwpk", dir, e.port, dir), 4);
    eu_expect_in(pu_err, "has no modem control lines", "stderr");
    assert_int_equal(pu_run("flash -p %s/pub.pem --port %s/no-such-port "
                            "--protocol avr109 %s/app.fwpk", dir, dir, dir),
                     4);
    eu_expect_in(pu_err, "no-such-port: No such file or directory", "stderr");
    assert_int_equal(pu_run("flash --help"), 0);
    eu_expect_in(pu_out, "usage: fwpack flash", "stdout");
    eu_stop(&e);
    /* none of them got as far as programming */
    assert_int_equal(eu_log_count(&e, "erase"), 0);
}

/* one-time faults: a NACK to the third block, a byte dropped in the middle
 * of its data, the fourth page programmed one bit wrong */
static const eu_fault faults[] = {
    {"nack", "--nack", 3,
     "avr109: the target refused a command (NACK) while writing 0x100..0x17f",
     "2 of 5 pages (0x0..0xff) written and read back"},
    {"drop", "--drop", PREAMBLE + 2 * PER_PAGE + 7 + 64,
     "avr109: the target stopped answering while writing 0x100..0x17f",
     "2 of 5 pages (0x0..0xff) written and read back"},
    {"corrupt", "--corrupt", 4,
     "avr109: a page read back differs from what was written while reading "
     "back 0x180..0x1ff",
     "3 of 5 pages (0x0..0x17f) written and read back"},
};

static void test_faults_then_rerun(void **state)
{
    (void)state;
    eu_faults_then_rerun(&target, faults, sizeof faults / sizeof faults[0]);
}

/* A container with two targets: --target picks one, without it the
 * command asks. */
static void test_one_target_of_two(void **state)
{
    (void)state;
    eu_emu e;
    size_t n;
    if (pu_run("pack -k %s/key.pem --mcu atmega328p -t main=%s@0 "
               "-t radio=%s@0x4000 -o %s/two.fwpk", dir,
               eu_ob_path("app_v2.bin"), eu_ob_path("app_v2.bin"), dir) != 0)
        fail_msg("pack: %s", pu_err);
    eu_target_start(&target, &e, "two", "");
    assert_int_equal(eu_target_flash(&target, &e, "", "two.fwpk"), 2);
    eu_expect_in(pu_err, "two.fwpk has 2 targets: say which with --target",
                 "stderr");
    int rc = eu_target_flash(&target, &e, "--target radio", "two.fwpk");
    eu_stop(&e);
    if (rc != 0)
        fail_msg("--target radio: exit %d\n%s", rc, pu_err);
    uint8_t *d = eu_read_dump(&e, &n);
    eu_expect_blank(d, 0, 0x4000);
    eu_expect_image(d, n, 0x4000, image, image_len, PAGE);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avrdude_writes_and_reads_back),
        cmocka_unit_test(test_fwpack_programs_the_same_flash),
        cmocka_unit_test(test_tampered_refused_before_anything),
        cmocka_unit_test(test_wrong_chip_refused_before_erase),
        cmocka_unit_test(test_faults_then_rerun),
        cmocka_unit_test(test_target_stops_answering),
        cmocka_unit_test(test_port_goes_away),
        cmocka_unit_test(test_ctrl_c_stops_cleanly),
        cmocka_unit_test(test_usage_errors),
        cmocka_unit_test(test_one_target_of_two),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
