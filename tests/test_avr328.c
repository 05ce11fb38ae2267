/* test_avr328.c - the ATmega328P in-place example (examples/avr/agent) in
 * simavr's atmega328p core: 32 KB of flash, 2 KB of RAM, the reset vector
 * in the boot section (avrhost -b), the state byte in EEPROM (saved and
 * loaded by the host between runs), the host pulling PD2 low while it
 * offers a container.  Every run starts from the flash and EEPROM the
 * previous one left (a new device: app v1 at 0, its image confirmed).
 *
 *   good       a signed, compressed v2 installs in place: the image region
 *              holds v2's exact bytes, confirmed, v2 runs; figures: flash
 *              per part, RAM (static + measured stack, within 2048),
 *              cycles
 *   no update  the host offers nothing: the stub starts v1 at once (the
 *              agent does not run)
 *   tampered   one bit of the last frame flipped: refused after pages were
 *              rewritten (by the first check the damage reaches: frame
 *              hash, deflate data, size or digest), nothing confirmed, no
 *              application started; then the good container installs and v2 runs
 *   powercut   the run stopped half way through writing the image: at the
 *              next reset, nothing offered, the stub does not start the
 *              half-written image (the agent runs and says so); offered
 *              the container again, the agent installs it
 *   badsig     one bit of the signature flipped: refused before any
 *              erase, still confirmed, v1 runs with its bytes unchanged
 *   rollback   v2 installed (the EEPROM's minimum security counter raised
 *              to 2), then v1 offered: refused before any erase, v2 runs
 *
 * Needs avr-gcc/avr-libc/binutils-avr and libsimavr-dev: their absence is
 * a failure with a message, never a silent skip.  Runs from the repo root;
 * FWPACK names the packer (default build/test/fwpack, else
 * build/host/fwpack).  Builds into build/test/avr328. */
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
#include "pack_util.h"

#define O "build/test/avr328"
#define CONFIRMED 0xC3 /* examples/avr/agent/stub.h */

static struct {
    unsigned long f_cpu, flash, ram, ramend, agent, stub;
} cfg;

static int config_num(const char *name, unsigned long *v)
{
    char key[96];
    snprintf(key, sizeof key, "AVR328_%s", name);
    return ar_config_num(key, v);
}

static int setup(void **state)
{
    (void)state;
    if (ar_setup("test_avr328") != 0)
        return -1;

    /* the build fails when a part overflows its flash region or the
     * static data the 2 KB of RAM */
    if (ar_make("examples/avr/agent", O, "all") != 0)
        return -1;
    if (ar_make("examples/avr/agent", O, "print-config") != 0 ||
        config_num("F_CPU", &cfg.f_cpu) ||
        config_num("FLASH", &cfg.flash) || config_num("RAM", &cfg.ram) ||
        config_num("RAMEND", &cfg.ramend) || config_num("AGENT", &cfg.agent) ||
        config_num("STUB", &cfg.stub)) {
        fprintf(stderr, "test_avr328: incomplete print-config:\n%s\n",
                ar_text());
        return -1;
    }
    return 0;
}

/* ---- files ---- */

static uint8_t *must_read(const char *path, size_t *len)
{
    uint8_t *b = (uint8_t *)pu_read(path, len);
    if (!b)
        fail_msg("cannot read %s", path);
    return b;
}

/* A new device: app v1 at 0, its image confirmed (EEPROM byte 0). */
static void new_device(void)
{
    uint8_t ee = CONFIRMED;
    pu_write(O "/eeprom.bin", &ee, 1);
    unlink(O "/image.bin");
}

static uint8_t state_byte(void)
{
    size_t n;
    uint8_t *ee = must_read(O "/eeprom.bin", &n);
    assert_true(n >= 1);
    uint8_t v = ee[0];
    free(ee);
    return v;
}

/* ---- one reset of the device: stub, agent and image region from the
 * last run (or a new device's), the container (or none) offered; the
 * image region and the EEPROM saved after it.  'opts': more avrhost
 * options; 'status': the exit status wanted (0 the program ended, 3
 * stopped by --max-cycles: a power cut). ---- */

static void boot(const char *container, const char *opts, int status)
{
    char cmd[2048], image[256], ram[64] = "", box[256] = "";
    if (access(O "/image.bin", R_OK) == 0)
        snprintf(image, sizeof image, O "/image.bin@0");
    else
        snprintf(image, sizeof image, O "/app_v1.hex");
    if (container)
        snprintf(box, sizeof box, "-c " O "/%s ", container);
    if (cfg.ramend != 0x100 + cfg.ram - 1) /* TRY_RAM */
        snprintf(ram, sizeof ram, "--ramend %#lx ", cfg.ramend);
    snprintf(cmd, sizeof cmd,
             O "/avrhost -m atmega328p -f %lu -b %#lx -p D2 -t %s%s%s -e " O
               "/eeprom.bin -E " O "/eeprom.bin -s 0:%#lx:" O
               "/image.bin.new " O "/stub.hex " O "/agent.hex %s",
             cfg.f_cpu, cfg.stub, ram, box, opts, cfg.agent, image);
    if (ar_run(cmd) != status)
        fail_msg("%s: exit status %d, not %d:\n%s", cmd, ar_status(), status,
                 ar_text());
    if (rename(O "/image.bin.new", O "/image.bin") != 0)
        fail_msg("no image region saved by %s", cmd);
    printf("%s", ar_text());
    /* every run the agent finished: static data and its deepest stack
     * within the part's RAM (with TRY_RAM, the part as linked) */
    ar_refuse("fwagent: STACK OVERFLOW");
    if (strstr(ar_text(), "fwagent: ram static="))
        assert_true(ar_field("total") <= cfg.ramend + 1 - 0x100);
}

/* The image region starts with the image file's bytes. */
static void expect_image(const char *image_file)
{
    size_t n, m;
    uint8_t *region = must_read(O "/image.bin", &n);
    uint8_t *img = must_read(image_file, &m);
    assert_int_equal(n, cfg.agent);
    assert_true(m > 0 && m <= n);
    if (memcmp(region, img, m) != 0) {
        size_t i = 0;
        while (region[i] == img[i])
            i++;
        fail_msg("the image region differs from %s at byte %zu", image_file,
                 i);
    }
    free(region);
    free(img);
}

static void expect_app(const char *version, const char *image_file)
{
    char line[160];
    snprintf(line, sizeof line, "app v%s running, ", version);
    ar_expect(line);
    snprintf(line, sizeof line, "crc32 %08lx\n", ar_crc(image_file));
    ar_expect(line);
    expect_image(image_file);
}

static void expect_refused(fwpk_err err)
{
    char line[96];
    snprintf(line, sizeof line, "fwagent: result=refused error=%d ", (int)err);
    ar_expect(line);
}

/* A damaged frame, in the streaming design: its payload is decoded as it
 * arrives, so the damage shows as whichever check it reaches first: the
 * deflate data, the decoded size, the frame's hash at its end, or the
 * image digest. */
static void expect_refused_damaged(void)
{
    ar_expect("fwagent: result=refused error=");
    unsigned long e = ar_field("error");
    if (e != FWPK_ERR_FRAME_HASH && e != FWPK_ERR_INFLATE &&
        e != FWPK_ERR_SIZE && e != FWPK_ERR_DIGEST)
        fail_msg("refused with error %lu, not a damaged frame's:\n%s", e,
                 ar_text());
}

static void expect_not_started(void)
{
    ar_expect("fwagent: nothing confirmed, application not started");
    ar_refuse("app v");
    assert_int_not_equal(state_byte(), CONFIRMED);
}

/* The next reset, nothing confirmed, v2 offered: the agent installs it
 * (from the start: no resume), confirms it, and v2 runs. */
static void installed_again(void)
{
    boot("app_v2.fwpk", "", 0);
    ar_expect("fwagent: image not confirmed\n");
    ar_expect("fwagent: result=installed security_counter=2 ");
    expect_app("2.0.0", O "/app_v2.bin");
    assert_int_equal(state_byte(), CONFIRMED);
}

/* ---- the scenarios ---- */

/* avr-size -A FILE: the size of one section, 0 if absent. */
static unsigned long section(const char *file, const char *name)
{
    char cmd[256], key[32];
    snprintf(cmd, sizeof cmd, "avr-size -A %s", file);
    if (ar_run(cmd) != 0)
        fail_msg("%s: %s", cmd, ar_text());
    snprintf(key, sizeof key, "\n%s ", name);
    const char *p = strstr(ar_text(), key);
    return p ? strtoul(p + strlen(key), NULL, 10) : 0;
}

static void print_flash(void)
{
    unsigned long stub = section(O "/stub.elf", ".text");
    unsigned long agent = section(O "/agent.elf", ".text") +
                          section(O "/agent.elf", ".data");
    unsigned long app = section(O "/app_v2.elf", ".text") +
                        section(O "/app_v2.elf", ".data");
    assert_true(stub > 0 && stub <= cfg.flash - cfg.stub);
    assert_true(agent > 0 && agent <= cfg.stub - cfg.agent);
    printf("test_avr328: flash: boot section %lu of %lu bytes (stub), agent "
           "%lu of %lu (verifier, UART, callbacks, its const data), image "
           "region %lu bytes (app v2: %lu)\n",
           stub, cfg.flash - cfg.stub, agent, cfg.stub - cfg.agent, cfg.agent,
           app);
}

static void test_good_update_installs_v2(void **state)
{
    (void)state;
    new_device();
    boot("app_v2.fwpk", "", 0);
    ar_expect("fwagent: image confirmed\n");
    ar_expect("fwagent: result=installed security_counter=2 ");
    ar_expect("fwagent: starting the application\n");
    expect_app("2.0.0", O "/app_v2.bin");
    ar_refuse("app v1");
    assert_int_equal(state_byte(), CONFIRMED);

    ar_expect("fwagent: ram static=");
    unsigned long st = ar_field("static"), stk = ar_field("stack");
    unsigned long total = ar_field("total"), of = cfg.ramend + 1 - 0x100;
    unsigned long sig = ar_field("stack_signature");
    unsigned long inst = ar_field("stack_install");
    assert_true(stk > 0 && total == st + stk);
    assert_true(stk == (sig > inst ? sig : inst));
    unsigned long t0 = ar_stamp("fwagent: update offered");
    unsigned long t1 = ar_stamp("fwagent: signature checked");
    unsigned long t2 = ar_stamp("fwagent: result=installed");
    unsigned long recv = ar_field("receive_cycles"), image = ar_field("image_bytes");
    unsigned long box = ar_field("container_bytes");
    assert_true(t0 < t1 && t1 < t2 && recv < t2 - t0);
    printf("test_avr328: RAM: %lu of %lu bytes (static %lu: .data + .bss, "
           "the verifier's context included; stack %lu, measured: %lu to "
           "the signature check, %lu installing)\n",
           total, of, st, stk, sig, inst);
    printf("test_avr328: cycles: %lu for the update of %lu image bytes "
           "from a %lu-byte container (%.1f s at %lu MHz): %lu before the "
           "first erase (signature), %lu per image byte after; of all that "
           "%lu in UART round trips\n",
           t2 - t0, image, box, (double)(t2 - t0) / cfg.f_cpu,
           cfg.f_cpu / 1000000, t1 - t0, (t2 - t1) / image, recv);
    print_flash();
    /* the real part: the 2 KB hold the static data and the deepest stack */
    if (cfg.ramend == 0x100 + cfg.ram - 1)
        assert_true(total <= cfg.ram);
    else
        printf("test_avr328: run with TRY_RAM: %lu bytes of RAM needed, %ld "
               "over the part's %lu\n",
               total, (long)total - (long)cfg.ram, cfg.ram);
}

static void test_no_update_starts_v1(void **state)
{
    (void)state;
    new_device();
    boot(NULL, "", 0);
    ar_refuse("fwagent:"); /* the stub started the application itself */
    expect_app("1.0.0", O "/app_v1.bin");
}

static void test_tampered_frame_then_good(void **state)
{
    (void)state;
    new_device();
    boot("app_v2_tampered.fwpk", "", 0);
    expect_refused_damaged();
    assert_true(ar_field("erased_pages") > 0); /* found while writing */
    expect_not_started();
    /* the host offers the container again, the good one this time */
    installed_again();
}

static void test_powercut_then_fetched_again(void **state)
{
    (void)state;
    new_device();
    boot("app_v2.fwpk", "", 0); /* timed: when writing begins and ends */
    unsigned long t1 = ar_stamp("fwagent: signature checked");
    unsigned long t2 = ar_stamp("fwagent: result=installed");

    char opt[64];
    snprintf(opt, sizeof opt, "--max-cycles %lu", (t1 + t2) / 2);
    new_device();
    boot("app_v2.fwpk", opt, 3); /* power lost half way through writing */
    ar_refuse("fwagent: result=");
    assert_int_not_equal(state_byte(), CONFIRMED);
    /* next reset, nothing offered: the half-written image is not started */
    boot(NULL, "", 0);
    ar_expect("fwagent: image not confirmed\n");
    ar_expect("fwagent: result=none");
    expect_not_started();
    installed_again(); /* offered again */
}

static void test_bad_signature_refused_before_erase(void **state)
{
    (void)state;
    new_device();
    boot("app_v2_badsig.fwpk", "", 0);
    expect_refused(FWPK_ERR_SIGNATURE);
    assert_int_equal(ar_field("erased_pages"), 0);
    ar_refuse("fwagent: signature checked");
    ar_expect("fwagent: starting the application\n");
    expect_app("1.0.0", O "/app_v1.bin");
    assert_int_equal(state_byte(), CONFIRMED);
}

static void test_rollback_refused(void **state)
{
    (void)state;
    new_device();
    boot("app_v2.fwpk", "", 0);
    ar_expect("fwagent: result=installed security_counter=2 ");
    boot("app_v1.fwpk", "", 0); /* the next reset, the older one offered */
    expect_refused(FWPK_ERR_ROLLBACK);
    assert_int_equal(ar_field("erased_pages"), 0);
    ar_expect("fwagent: starting the application\n");
    expect_app("2.0.0", O "/app_v2.bin");
    assert_int_equal(state_byte(), CONFIRMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_update_installs_v2),
        cmocka_unit_test(test_no_update_starts_v1),
        cmocka_unit_test(test_tampered_frame_then_good),
        cmocka_unit_test(test_powercut_then_fetched_again),
        cmocka_unit_test(test_bad_signature_refused_before_erase),
        cmocka_unit_test(test_rollback_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
