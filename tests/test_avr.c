/* test_avr.c - the AVR bootloader example (examples/avr) in simavr: the
 * ATmega1284P build receives containers over its UART from the libsimavr
 * host (examples/avr/host/avrhost.c) and installs them through SPM.
 *
 *   good       installed; the active slot holds app v2's bytes exactly
 *              (flash saved by the host, compared here), the bootloader's
 *              and the application's CRC-32 of it match the image's, v2 runs
 *   tampered   one bit flipped in a frame: refused with "frame does not
 *              match the hash chain", active slot = v1's bytes, v1 runs
 *   untrusted  signed by an unknown key: refused with the signature error,
 *              nothing erased (staging slot still blank), v1 runs
 *   truncated  the download stops half way: refused, v1 runs
 *   none       no update offered: v1 runs
 *   rollback   v2 installed, the flash kept, v1 offered at the next boot:
 *              refused (the minimum security counter 2 persisted in the
 *              state area), v2 runs
 *   powercut   the simulation stopped (a power cut) half way through
 *              writing the staging slot: the next boot, offered the same
 *              container, resumes from the state area's record; stopped
 *              after the commit: the next boot, offered nothing,
 *              completes the copy; both end with v2's exact bytes
 *   atmega328p the same bootloader built for the ATmega328P: its flash and
 *              RAM needs beside what the part has, printed (it does not
 *              fit: the figures are shown, never hidden)
 *
 * Needs avr-gcc/avr-libc/binutils-avr and libsimavr-dev: their absence is
 * a failure with a message, never a silent skip.  Runs from the repo root;
 * FWPACK names the packer (default build/test/fwpack, else
 * build/host/fwpack).  Builds into build/test/avr. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "avr_run.h"
#include "fwpk_verify.h"

#define AVR_O "build/test/avr"

static struct {
    char chip[32];
    unsigned long f_cpu, active, staging, slot, page, state, state_block;
    unsigned long ram328, flash328;
} cfg;
static unsigned long good_stack; /* measured by the good run */

/* "NAME='value'" in ar_text() */
static int config_value(const char *name, char *buf, size_t len)
{
    char key[96];
    snprintf(key, sizeof key, "%s='", name);
    const char *p = strstr(ar_text(), key);
    if (!p)
        return -1;
    p += strlen(key);
    const char *e = strchr(p, '\'');
    if (!e || (size_t)(e - p) >= len)
        return -1;
    memcpy(buf, p, (size_t)(e - p));
    buf[e - p] = 0;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    if (ar_setup("test_avr") != 0)
        return -1;

    if (ar_make("examples/avr", AVR_O, "all") != 0)
        return -1;
    /* The build says so when the ATmega328P build does not fit: pass it on */
    if (strstr(ar_text(), "DOES NOT FIT"))
        printf("test_avr: building examples/avr:\n%s", ar_text());

    char key[64];
    if (ar_make("examples/avr", AVR_O, "print-config") != 0 ||
        config_value("AVR_CHIP", cfg.chip, sizeof cfg.chip) ||
        ar_config_num("AVR_F_CPU", &cfg.f_cpu)) {
        fprintf(stderr, "test_avr: incomplete print-config:\n%s\n",
                ar_text());
        return -1;
    }
#define NUM(chip, field, var)                                                \
    (snprintf(key, sizeof key, "AVR_%s_%s", chip, field),                    \
     ar_config_num(key, &(var)))
    if (NUM(cfg.chip, "ACTIVE", cfg.active) ||
        NUM(cfg.chip, "STAGING", cfg.staging) ||
        NUM(cfg.chip, "SLOT", cfg.slot) || NUM(cfg.chip, "PAGE", cfg.page) ||
        NUM(cfg.chip, "STATE", cfg.state) ||
        NUM(cfg.chip, "STATE_BLOCK", cfg.state_block) ||
        NUM("atmega328p", "RAM", cfg.ram328) ||
        NUM("atmega328p", "FLASH", cfg.flash328)) {
        fprintf(stderr, "test_avr: incomplete print-config:\n%s\n", ar_text());
        return -1;
    }
#undef NUM
    return 0;
}

/* ---- files ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 17;
    uint8_t *b = malloc(cap);
    *len = b ? fread(b, 1, cap, f) : 0;
    fclose(f);
    return b;
}

/* The file's bytes, or a test failure. */
static uint8_t *must_read(const char *path, size_t *len)
{
    uint8_t *b = slurp(path, len);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}

/* ---- one boot: the container (or none) on the UART.  The flash holds
 * the bootloader and either app v1 in the active slot (a new device) or,
 * with 'again', the slots and state area the previous boot saved; after
 * the run they are saved (active.bin, staging.bin, state.bin).  'opts':
 * more avrhost options; 'status': the exit status wanted (0: the program
 * ended, 3: stopped by --max-cycles, a power cut). ---- */

static void boot_run(const char *container, long limit, int again,
                     const char *opts, int status)
{
    char cmd[2048], lim[32] = "", flash[512];
    if (limit >= 0)
        snprintf(lim, sizeof lim, "-n %ld ", limit);
    if (again)
        snprintf(flash, sizeof flash,
                 AVR_O "/active.bin@%#lx " AVR_O "/staging.bin@%#lx " AVR_O
                       "/state.bin@%#lx",
                 cfg.active, cfg.staging, cfg.state);
    else
        snprintf(flash, sizeof flash, AVR_O "/app_v1.bin@%#lx", cfg.active);
    snprintf(cmd, sizeof cmd,
             AVR_O "/avrhost -m %s -f %lu %s%s %s%s -s %#lx:%#lx:" AVR_O
                   "/active.bin -s %#lx:%#lx:" AVR_O "/staging.bin -s "
                   "%#lx:%#lx:" AVR_O "/state.bin " AVR_O "/%s/boot.hex %s",
             cfg.chip, cfg.f_cpu, container ? "-c " AVR_O "/" : "",
             container ? container : "", lim, opts, cfg.active, cfg.slot,
             cfg.staging, cfg.slot, cfg.state, 2 * cfg.state_block, cfg.chip,
             flash);
    /* Without a cut the bootloader ends by starting an application that
     * stops the simulation: exit 0 (2 crashed, 3 stopped, 4 protocol). */
    if (ar_run(cmd) != status)
        fail_msg("%s: exit status %d, not %d:\n%s", cmd, ar_status(), status,
                 ar_text());
    printf("%s", ar_text());
}

static void boot(const char *container, long limit)
{
    boot_run(container, limit, 0, "", 0);
}

/* The saved slot holds the image, then 0xFF to the end of its last page. */
static void expect_slot(const char *slot_file, const char *image_file)
{
    size_t n, m;
    uint8_t *slot = must_read(slot_file, &n);
    uint8_t *img = must_read(image_file, &m);
    assert_int_equal(n, cfg.slot);
    assert_true(m > 0 && m <= n);
    if (memcmp(slot, img, m) != 0) {
        size_t i = 0;
        while (slot[i] == img[i])
            i++;
        fail_msg("%s differs from %s at byte %zu", slot_file, image_file, i);
    }
    size_t end = (m + cfg.page - 1) / cfg.page * cfg.page;
    for (size_t i = m; i < end; i++)
        if (slot[i] != 0xFF)
            fail_msg("%s: byte %zu after the image is 0x%02x, not erased",
                     slot_file, i, slot[i]);
    free(slot);
    free(img);
}

static void expect_blank(const char *slot_file)
{
    size_t n;
    uint8_t *slot = must_read(slot_file, &n);
    assert_int_equal(n, cfg.slot);
    for (size_t i = 0; i < n; i++)
        if (slot[i] != 0xFF)
            fail_msg("%s: byte %zu is 0x%02x: something was written", slot_file,
                     i, slot[i]);
    free(slot);
}

static void expect_app(const char *version, const char *image_file)
{
    char line[160];
    snprintf(line, sizeof line, "app v%s running, ", version);
    ar_expect(line);
    snprintf(line, sizeof line, "crc32 %08lx\n", ar_crc(image_file));
    ar_expect(line);
}

static void expect_refused(fwpk_err err)
{
    char line[160];
    snprintf(line, sizeof line, "fwboot: result=refused error=\"%s\"",
             fwpk_strerror(err));
    ar_expect(line);
    ar_expect("fwboot: active slot untouched");
    expect_app("1.0.0", AVR_O "/app_v1.bin");
    ar_refuse("app v2");
    expect_slot(AVR_O "/active.bin", AVR_O "/app_v1.bin");
}

/* ---- the scenarios ---- */

static void test_good_update_installs_v2(void **state)
{
    (void)state;
    boot("app_v2.fwpk", -1);
    ar_expect("fwboot: result=installed version=2.0.0 ");
    char line[96];
    snprintf(line, sizeof line, "fwboot: active slot image crc32=%08lx\n",
             ar_crc(AVR_O "/app_v2.bin"));
    ar_expect(line);
    expect_app("2.0.0", AVR_O "/app_v2.bin");
    ar_refuse("app v1");
    expect_slot(AVR_O "/active.bin", AVR_O "/app_v2.bin");
    expect_slot(AVR_O "/staging.bin", AVR_O "/app_v2.bin");

    unsigned long verify = ar_field("verify_cycles"), auth = ar_field("auth_cycles");
    unsigned long image = ar_field("image_bytes");
    unsigned long st, stk, total, ram;
    const char *r = strstr(ar_text(), "fwboot: ram static=");
    if (!r || sscanf(r, "fwboot: ram static=%lu stack=%lu total=%lu of %lu",
                     &st, &stk, &total, &ram) != 4)
        fail_msg("no RAM figures in the output:\n%s", ar_text());
    good_stack = stk;
    assert_true(auth > 0 && auth < verify && image > 0);
    printf("test_avr: %s: %lu cycles to verify and write %lu image bytes "
           "(%.2f s at %lu MHz): %lu before the first erase (signature), "
           "%lu per image byte after; RAM %lu of %lu bytes\n",
           cfg.chip, verify, image, (double)verify / cfg.f_cpu,
           cfg.f_cpu / 1000000, auth, (verify - auth) / image, total, ram);
}

static void test_tampered_frame_refused(void **state)
{
    (void)state;
    /* the tampered container is the good one with one bit flipped */
    size_t n, m, diff = 0;
    uint8_t *a = must_read(AVR_O "/app_v2.fwpk", &n);
    uint8_t *b = must_read(AVR_O "/app_v2_tampered.fwpk", &m);
    assert_int_equal(n, m);
    for (size_t i = 0; i < n; i++)
        diff += (size_t)__builtin_popcount(a[i] ^ b[i]);
    assert_int_equal(diff, 1);
    free(a);
    free(b);

    boot("app_v2_tampered.fwpk", -1);
    expect_refused(FWPK_ERR_FRAME_HASH);
    assert_true(ar_field("erased_pages") > 0); /* it failed while writing */
}

static void test_untrusted_key_refused(void **state)
{
    (void)state;
    boot("app_v2_untrusted.fwpk", -1);
    expect_refused(FWPK_ERR_SIGNATURE);
    assert_int_equal(ar_field("erased_pages"), 0);
    expect_blank(AVR_O "/staging.bin");
}

static void test_truncated_refused(void **state)
{
    (void)state;
    size_t n;
    free(must_read(AVR_O "/app_v2.fwpk", &n));
    boot("app_v2.fwpk", (long)(n / 2));
    expect_refused(FWPK_ERR_TRUNCATED);
}

static void test_no_update_boots_v1(void **state)
{
    (void)state;
    boot(NULL, -1);
    ar_expect("fwboot: result=none reason=\"no update offered\"");
    expect_app("1.0.0", AVR_O "/app_v1.bin");
    expect_slot(AVR_O "/active.bin", AVR_O "/app_v1.bin");
    expect_blank(AVR_O "/staging.bin");
}

static void test_rollback_refused(void **state)
{
    (void)state;
    boot("app_v2.fwpk", -1);
    ar_expect("fwboot: result=installed version=2.0.0 ");
    ar_expect(" security_counter=2 ");
    /* the next boot, the flash kept, is offered the older v1 */
    boot_run("app_v1.fwpk", -1, 1, "", 0);
    ar_expect(", idle; minimum security counter 2\n");
    char line[160];
    snprintf(line, sizeof line, "fwboot: result=refused error=\"%s\"",
             fwpk_strerror(FWPK_ERR_ROLLBACK));
    ar_expect(line);
    assert_int_equal(ar_field("erased_pages"), 0);
    expect_app("2.0.0", AVR_O "/app_v2.bin");
    expect_slot(AVR_O "/active.bin", AVR_O "/app_v2.bin");
}

static void test_powercut_resumes_and_completes(void **state)
{
    (void)state;
    char opt[64];
    /* The good update, timed: when its install ended, how long the
     * commit (digest checks, records, copy) and the writing took. */
    boot_run("app_v2.fwpk", -1, 0, "-t", 0);
    unsigned long done = ar_stamp("fwboot: active slot image crc32=");
    unsigned long commit = ar_field("copy_cycles");
    unsigned long writing = ar_field("verify_cycles") - ar_field("auth_cycles");
    unsigned long verified = done - commit;

    /* Power lost half way through writing the staging slot: the next
     * boot resumes from the last record and installs the same bytes. */
    snprintf(opt, sizeof opt, "--max-cycles %lu", verified - writing / 2);
    boot_run("app_v2.fwpk", -1, 0, opt, 3);
    ar_refuse("fwboot: result=");
    boot_run("app_v2.fwpk", -1, 1, "", 0);
    ar_expect(", update in progress: resume at frame ");
    ar_expect("fwboot: resuming at frame ");
    ar_expect("fwboot: result=installed version=2.0.0 ");
    expect_app("2.0.0", AVR_O "/app_v2.bin");
    expect_slot(AVR_O "/active.bin", AVR_O "/app_v2.bin");

    /* Power lost after the commit, while the copy is checked: the next
     * boot, offered nothing, completes it. */
    snprintf(opt, sizeof opt, "--max-cycles %lu", done - commit / 4);
    boot_run("app_v2.fwpk", -1, 0, opt, 3);
    ar_refuse("fwboot: result=");
    boot_run(NULL, -1, 1, "", 0);
    ar_expect(", copy pending; minimum security counter 2\n");
    ar_expect("fwboot: copy pending: the staging slot holds verified 2.0.0");
    ar_expect("fwboot: result=installed version=2.0.0 completed_copy=1 ");
    expect_app("2.0.0", AVR_O "/app_v2.bin");
    expect_slot(AVR_O "/active.bin", AVR_O "/app_v2.bin");
}

/* avr-size -A: the size of one section, 0 if absent. */
static unsigned long section(const char *name)
{
    char key[32];
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(ar_text(), key);
    return p ? strtoul(p + strlen(key), NULL, 10) : 0;
}

static void test_atmega328p_figures(void **state)
{
    (void)state;
    if (ar_run("avr-size -A " AVR_O "/atmega328p/boot.elf") != 0)
        fail_msg("avr-size: %s", ar_text());
    unsigned long text = section(".text"), data = section(".data");
    unsigned long bss = section(".bss"), spm = section(".bootspm");
    assert_true(text > 0 && bss > 0 && spm > 0);
    assert_true(good_stack > 0); /* from the good run, same core */
    unsigned long flash = text + data + spm, ram = data + bss + good_stack;
    int fits = flash <= cfg.flash328 && ram <= cfg.ram328;
    printf("test_avr: atmega328p: %s: flash %lu of %lu bytes (text %lu + "
           "const data %lu + SPM routines %lu), RAM %lu of %lu bytes "
           "(.data %lu + .bss %lu + stack %lu as measured on the %s); the "
           "runs above are on the %s\n",
           fits ? "fits" : "DOES NOT FIT", flash, cfg.flash328, text, data,
           spm, ram, cfg.ram328, data, bss, good_stack, cfg.chip, cfg.chip);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_update_installs_v2),
        cmocka_unit_test(test_tampered_frame_refused),
        cmocka_unit_test(test_untrusted_key_refused),
        cmocka_unit_test(test_truncated_refused),
        cmocka_unit_test(test_no_update_boots_v1),
        cmocka_unit_test(test_rollback_refused),
        cmocka_unit_test(test_powercut_resumes_and_completes),
        cmocka_unit_test(test_atmega328p_figures),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
