/* test_microbit.c - the Cortex-M0 bootloader with 8 KiB of RAM on QEMU's
 * micro:bit (examples/microbit), updated from the Notecard emulator over
 * its UART, through examples/microbit/demo.sh: each scenario's outcome,
 * as the demo's summary states it, and what proves it in the logs.
 *   good       installed, v2 boots; the bootloader's RAM (static + stack
 *              high-water mark) within the 8 KiB of its linker script
 *   tampered   refused, v1 boots
 *   untrusted  refused before any erase, v1 boots
 *   rollback   v2 installed, then v1 refused by the security counter
 *   powercut   the CPU stops in the middle of a flash write, QEMU is
 *              killed; the next power-on resumes from the record, the
 *              Notecard is asked for the record's frame offset, and the
 *              image is the good run's (the application's CRC-32 of itself)
 *   powerkill  QEMU stopped and killed at an arbitrary instruction after
 *              the second resume record: resumed, the good run's image
 *   garbled    faulty replies retried, v2 installed
 *   newimage   a new image on the Notecard mid-download: start over, v3
 *   binary     card.binary.get (COBS): installed, fewer bytes received
 * Outcomes only: no time is asserted.
 *
 * Needs arm-none-eabi-gcc, qemu-system-arm and socat: their absence is a
 * failure with a message, never a silent skip.  Runs from the repo root;
 * FWPACK names the packer (default build/test/fwpack). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pack_util.h"

#define DEMO "examples/microbit/demo.sh"
#define DEMO_DIR "build/test/demo-microbit"
#define OUT_MAX (1 << 20)

static char *out;

static int run(const char *cmd) { return pu_capture(cmd, out, OUT_MAX); }

static int setup(void **state)
{
    (void)state;
    const char *tools[] = {"qemu-system-arm", "arm-none-eabi-gcc", "socat"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pu_have(tools[i])) {
            fprintf(stderr,
                    "test_microbit: %s is not installed: the micro:bit "
                    "bootloader tests need it (make deps)\n",
                    tools[i]);
            return -1;
        }
    if (!pu_packer("test_microbit"))
        return -1;
    setenv("MB_DEMO_DIR", DEMO_DIR, 1);
    setenv("MB_OUT", "build/test/microbit", 1);
    out = malloc(OUT_MAX);
    if (!out)
        return -1;
    if (run(DEMO " prepare") != 0) {
        fprintf(stderr, "test_microbit: %s prepare failed:\n%s\n", DEMO, out);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(out);
    return 0;
}

static void expect(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("expected \"%s\" in the output:\n%s", needle, out);
}

/* Runs one scenario; it must end as the summary line 'want' says. */
static void scenario(const char *name, const char *want)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, DEMO " scenario %s", name);
    int rc = run(cmd);
    expect(want);
    if (rc != 0)
        fail_msg("%s: exit status %d:\n%s", cmd, rc, out);
}

/* The app's "crc32 xxxxxxxx" of the last boot, into crc. */
static void last_crc(char crc[15])
{
    const char *p = NULL, *q = out;
    while ((q = strstr(q, "crc32 ")) != NULL)
        p = q++;
    assert_non_null(p);
    snprintf(crc, 15, "%.14s", p);
}

/* Bytes the device received in the last "fwboot: link" line. */
static unsigned long last_rx(void)
{
    const char *p = NULL, *q = out;
    unsigned long rx = 0;
    while ((q = strstr(q, "fwboot: link ")) != NULL)
        p = q++;
    assert_non_null(p);
    p = strstr(p, " rx=");
    assert_non_null(p);
    assert_int_equal(sscanf(p, " rx=%lu", &rx), 1);
    return rx;
}

static unsigned long good_rx;

static char good_crc[15];

static void test_good(void **state)
{
    (void)state;
    scenario("good", "microbit good: installed, app v2.0.0 boots: ok");
    expect("fwboot: verified: version 2.0.0");
    last_crc(good_crc);
    good_rx = last_rx();
    /* RAM: what the linker script gives it, and what one update used */
    unsigned long st = 0, stack = 0, limit = 0;
    const char *r = strstr(out, "fwboot: ram static=");
    assert_non_null(r);
    assert_int_equal(sscanf(r, "fwboot: ram static=%lu stack=%lu limit=%lu",
                            &st, &stack, &limit),
                     3);
    assert_int_equal(limit, 8192);
    assert_true(st + stack <= limit);
    assert_true(stack > 256); /* painted and measured, not zero */
}

static void test_tampered(void **state)
{
    (void)state;
    scenario("tampered",
             "microbit tampered: refused (frame does not match the hash "
             "chain), app v1.0.0 boots: ok");
}

static void test_untrusted(void **state)
{
    (void)state;
    scenario("untrusted", "microbit untrusted: refused");
    expect("app v1.0.0 boots: ok");
    expect("erases=0 "); /* refused before anything was erased */
}

static void test_rollback(void **state)
{
    (void)state;
    scenario("rollback", "microbit rollback: refused (security counter "
                         "below the device minimum (rollback)), app v2.0.0 "
                         "boots: ok");
}

static void test_powercut(void **state)
{
    (void)state;
    scenario("powercut", "microbit powercut: installed, app v2.0.0 boots: ok");
    expect("fwboot: power lost during flash operation");
    expect("fwboot: state: record");
    expect("update in progress: resume at frame");
    expect("fwboot: resuming at frame");
    if (good_crc[0]) {
        char crc[15];
        last_crc(crc);
        assert_string_equal(crc, good_crc);
    }
}

static void test_powerkill(void **state)
{
    (void)state;
    scenario("powerkill",
             "microbit powerkill: installed, app v2.0.0 boots: ok");
    expect("run.sh: power cut: QEMU stopped and killed");
    expect("fwboot: resuming at frame");
    if (good_crc[0]) {
        char crc[15];
        last_crc(crc);
        assert_string_equal(crc, good_crc);
    }
}


static void test_binary(void **state)
{
    (void)state;
    scenario("binary", "microbit binary: installed, app v2.0.0 boots: ok");
    expect("card.binary.get");
    /* COBS bytes instead of base64 text: fewer bytes from the Notecard */
    if (good_rx)
        assert_true(last_rx() < good_rx);
}

static void test_garbled(void **state)
{
    (void)state;
    scenario("garbled", "microbit garbled: installed, app v2.0.0 boots: ok");
    const char *p = strstr(out, "fwboot: link requests=");
    unsigned long req = 0, retries = 0;
    assert_non_null(p);
    assert_int_equal(
        sscanf(p, "fwboot: link requests=%lu retries=%lu", &req, &retries), 2);
    assert_true(retries >= 7); /* one per fault injected */
}

static void test_newimage(void **state)
{
    (void)state;
    scenario("newimage", "microbit newimage: installed, app v3.0.0 boots: ok");
    expect("starting over");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good),      cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_untrusted), cmocka_unit_test(test_rollback),
        cmocka_unit_test(test_powercut),  cmocka_unit_test(test_powerkill),
        cmocka_unit_test(test_garbled),   cmocka_unit_test(test_newimage),
        cmocka_unit_test(test_binary),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
