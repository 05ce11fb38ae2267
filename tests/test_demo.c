/* test_demo.c - the Cortex-M bootloader in QEMU (examples/cortex-m), driven
 * through examples/demo.sh: a good update is installed and v2 boots; a
 * tampered container, one signed by an unknown key and a truncated one are
 * refused with the error the verifier names, and v1 still boots.
 * Power cuts (boot.c --cut K, several boots in one QEMU run with the flash
 * kept): cut during the update, the next boot resumes from the record in
 * the state area and installs the same image as an uncut run (the app's
 * CRC-32 of itself matches); cut before the commit with no container at
 * the next boot: v1 still boots; cut during the copy: the next boot
 * completes it.  A broken download resumes; a record for another container
 * is refused and the update starts over; a lower security counter than an
 * installed one is refused (anti-rollback minimum in the state area).
 * The same v2 packed with --codec lzma installs, and resumes after a cut.
 * A delta update of v2 against v1 installs the same image; a delta for
 * another base is refused before any erase.
 *
 * Needs arm-none-eabi-gcc and qemu-system-arm: their absence is a failure
 * with a message, never a silent skip.  Runs from the repo root; FWPACK
 * names the packer (default build/test/fwpack, else build/host/fwpack).
 * Builds into build/test/demo and build/test/cortex-m. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fwpk_verify.h"
#include "pack_util.h"

#define DEMO_DIR "build/test/demo"
#define CM_OUT "build/test/cortex-m"
#define OUT_MAX 65536

typedef struct {
    char text[OUT_MAX];
    int status; /* exit status, or -1 */
} run_out;

static run_out out;

/* From the good run: flash operations of each phase, the app's CRC line. */
static unsigned long ops_update, ops_commit;
static char v2_crc[64];

/* Runs a shell command, output (stdout and stderr) into out. */
static int run(const char *cmd)
{
    return out.status = pu_capture(cmd, out.text, sizeof out.text);
}

static int setup(void **state)
{
    (void)state;
    const char *missing[] = {"qemu-system-arm", "arm-none-eabi-gcc"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++)
        if (!pu_have(missing[i])) {
            fprintf(stderr,
                    "test_demo: %s is not installed: the bootloader tests "
                    "need it (make deps, or apt-get install "
                    "qemu-system-arm gcc-arm-none-eabi "
                    "libnewlib-arm-none-eabi)\n",
                    missing[i]);
            return -1;
        }
    if (!pu_packer("test_demo"))
        return -1;
    setenv("DEMO_DIR", DEMO_DIR, 1);
    setenv("CM_OUT", CM_OUT, 1);
    if (run("examples/demo.sh prepare") != 0) {
        fprintf(stderr, "test_demo: examples/demo.sh prepare failed:\n%s\n",
                out.text);
        return -1;
    }
    /* A container cut off in the middle of its frames. */
    if (run("f=" DEMO_DIR "/app_v2.fwpk; head -c $(($(wc -c <$f) * 2 / 3)) "
            "$f >" DEMO_DIR "/app_v2_truncated.fwpk") != 0) {
        fprintf(stderr, "test_demo: cannot truncate: %s\n", out.text);
        return -1;
    }
    /* The good run's figures, to aim the power cuts. */
    if (run("examples/demo.sh boot " DEMO_DIR "/app_v2.fwpk") != 0) {
        fprintf(stderr, "test_demo: good run failed:\n%s\n", out.text);
        return -1;
    }
    const char *ops = strstr(out.text, "fwboot: flash_ops update=");
    const char *crc = strstr(out.text, "crc32 ");
    if (!ops || sscanf(ops, "fwboot: flash_ops update=%lu commit=%lu",
                       &ops_update, &ops_commit) != 2 ||
        ops_update < 10 || ops_commit < 4 || !crc) {
        fprintf(stderr, "test_demo: no flash_ops/crc32 in:\n%s\n", out.text);
        return -1;
    }
    snprintf(v2_crc, sizeof v2_crc, "%.14s", crc); /* "crc32 xxxxxxxx" */
    return 0;
}

static void boot(const char *args)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "examples/demo.sh boot %s", args);
    /* The bootloader always ends by booting an application that exits 0. */
    if (run(cmd) != 0)
        fail_msg("%s: exit status %d:\n%s", cmd, out.status, out.text);
}

static void expect(const char *needle)
{
    if (!strstr(out.text, needle))
        fail_msg("expected \"%s\" in the output:\n%s", needle, out.text);
}

static void refuse(const char *needle)
{
    if (strstr(out.text, needle))
        fail_msg("did not expect \"%s\" in the output:\n%s", needle,
                 out.text);
}

static void expect_refused(fwpk_err err)
{
    char line[160];
    snprintf(line, sizeof line, "fwboot: result=refused error=\"%s\"",
             fwpk_strerror(err));
    expect(line);
    expect("fwboot: active slot untouched");
    expect("app v1.0.0 running");
    refuse("app v2");
}

static void test_good_update_installs_v2(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2.fwpk");
    expect("fwboot: result=installed version=2.0.0 ");
    expect("verify_insns=");
    expect("app v2.0.0 running");
    refuse("app v1");
    refuse("flash model:");
}

static void test_tampered_frame_refused(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2_tampered.fwpk");
    expect_refused(FWPK_ERR_FRAME_HASH);
    /* Final: the update in progress (records written) is ended. */
    expect("fwboot: update abandoned: state area idle");
}

static void test_untrusted_key_refused(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2_untrusted.fwpk");
    expect_refused(FWPK_ERR_SIGNATURE);
}

static void test_truncated_refused(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2_truncated.fwpk");
    expect_refused(FWPK_ERR_TRUNCATED);
}

static void test_no_update_boots_v1(void **state)
{
    (void)state;
    boot(DEMO_DIR "/no-such-container.fwpk");
    expect("fwboot: result=none");
    expect("app v1.0.0 running");
}

/* --cut K, then the containers (or "-") of the following boots. */
static void boot_cut(unsigned long k, const char *offers)
{
    char args[400];
    snprintf(args, sizeof args, "--cut %lu %s", k, offers);
    boot(args);
    expect("fwboot: result=interrupted error=\"power lost\"");
    expect("fwboot: ---- power cut: boot 2 of this run starts from reset");
}

static void expect_v2_genuine(void)
{
    expect("app v2.0.0 running");
    expect(v2_crc); /* the image in the active slot is the uncut one */
    refuse("app v1");
    refuse("flash model:");
}

static void test_powercut_mid_update_resumes(void **state)
{
    (void)state;
    boot_cut(ops_update / 2,
             DEMO_DIR "/app_v2.fwpk " DEMO_DIR "/app_v2.fwpk");
    expect("phase=update");
    expect("fwboot: state: record ");
    expect(", update in progress: resume at frame ");
    expect("fwboot: resuming at frame ");
    expect("fwboot: result=installed version=2.0.0 ");
    expect_v2_genuine();
}

static void test_powercut_early_and_late_resume(void **state)
{
    (void)state;
    /* Near the start (before or at the first records) and near the end
     * of the update: both end with the genuine image. */
    unsigned long cuts[] = {3, ops_update / 4, ops_update - 2};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        boot_cut(cuts[i], DEMO_DIR "/app_v2.fwpk " DEMO_DIR "/app_v2.fwpk");
        expect("fwboot: result=installed version=2.0.0 ");
        expect_v2_genuine();
    }
}

static void test_powercut_before_commit_keeps_v1(void **state)
{
    (void)state;
    /* Mid-update, and the "copy pending" record itself torn: the next
     * boot, with no container offered, runs the old application. */
    unsigned long cuts[] = {ops_update / 2, ops_update + 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        boot_cut(cuts[i], DEMO_DIR "/app_v2.fwpk");
        expect("fwboot: result=none reason=\"no container given\"");
        expect("fwboot: update in progress, active slot untouched");
        expect("app v1.0.0 running");
        refuse("app v2");
    }
    /* The torn "copy pending" record: offered again, it resumes. */
    boot_cut(ops_update + 1, DEMO_DIR "/app_v2.fwpk " DEMO_DIR "/app_v2.fwpk");
    expect("fwboot: resuming at frame ");
    expect_v2_genuine();
}

static void test_powercut_during_copy_completes(void **state)
{
    (void)state;
    /* After the commit: the next boot completes the copy on its own. */
    unsigned long cuts[] = {ops_update + 2, ops_update + ops_commit / 2,
                            ops_update + ops_commit};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        boot_cut(cuts[i], DEMO_DIR "/app_v2.fwpk");
        expect("phase=commit");
        expect("fwboot: copy pending: the staging slot holds verified "
               "2.0.0");
        expect("fwboot: result=installed version=2.0.0 completed_copy=1");
        expect_v2_genuine();
    }
}

static void test_broken_download_resumes(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2_truncated.fwpk " DEMO_DIR "/app_v2.fwpk");
    expect("fwboot: update in progress kept: the next boot resumes at "
           "frame ");
    expect("fwboot: resuming at frame ");
    expect_v2_genuine();
}

static void test_record_for_other_container_starts_over(void **state)
{
    (void)state;
    /* Cut while installing v2; the next boot is offered v1 (counter 1,
     * still allowed): the record is refused and v1 installed from 0. */
    boot_cut(ops_update / 2,
             DEMO_DIR "/app_v2.fwpk " DEMO_DIR "/app_v1.fwpk");
    expect("fwboot: the resume record is not for this container (or flash "
           "no longer holds what it says): retired, starting over");
    expect("fwboot: result=installed version=1.0.0 ");
    expect("app v1.0.0 running");
    refuse("app v2");
}

/* LZMA (the bootloader is built with FWPK_CODECS=6): the same v2 packed
 * with --codec lzma, its dictionary the whole image (read back from
 * flash), installs; a power cut half way resumes from frame 0, the frame
 * every LZMA record names (SPEC.md 6.1), and ends with the same image. */
static void test_lzma_update_installs_v2(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2_lzma.fwpk");
    expect("fwboot: result=installed version=2.0.0 ");
    expect_v2_genuine();
    const char *ops = strstr(out.text, "fwboot: flash_ops update=");
    unsigned long update = 0;
    assert_non_null(ops);
    assert_int_equal(sscanf(ops, "fwboot: flash_ops update=%lu", &update), 1);
    assert_true(update > 10);
    boot_cut(update / 2, DEMO_DIR "/app_v2_lzma.fwpk " DEMO_DIR
                         "/app_v2_lzma.fwpk");
    expect("fwboot: state: record ");
    expect("fwboot: resuming at frame 0 (offset ");
    expect("fwboot: result=installed version=2.0.0 ");
    expect_v2_genuine();
}

static void test_rollback_refused(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2.fwpk " DEMO_DIR "/app_v1.fwpk");
    expect("fwboot: result=installed version=2.0.0 ");
    expect("security_counter=2 ");
    expect("fwboot: state: record ");
    expect(", idle; minimum security counter 2");
    char line[160];
    snprintf(line, sizeof line, "fwboot: result=refused error=\"%s\"",
             fwpk_strerror(FWPK_ERR_ROLLBACK));
    expect(line);
    expect("app v2.0.0 running");
    refuse("app v1");
}

/* v2 as a delta against v1 (SPEC.md 6.5): rebuilt from the active slot */
static void test_delta_update_installs_v2(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2_delta.fwpk");
    expect("fwboot: result=installed version=2.0.0 ");
    expect("app v2.0.0 running");
    expect(v2_crc); /* the same image as the full container's */
    refuse("app v1");
    refuse("flash model:");
}

/* a delta for devices that run v2: refused before any erase */
static void test_delta_wrong_base_refused(void **state)
{
    (void)state;
    boot(DEMO_DIR "/app_v2_wrongbase.fwpk");
    expect_refused(FWPK_ERR_BASE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_update_installs_v2),
        cmocka_unit_test(test_tampered_frame_refused),
        cmocka_unit_test(test_untrusted_key_refused),
        cmocka_unit_test(test_truncated_refused),
        cmocka_unit_test(test_no_update_boots_v1),
        cmocka_unit_test(test_powercut_mid_update_resumes),
        cmocka_unit_test(test_powercut_early_and_late_resume),
        cmocka_unit_test(test_powercut_before_commit_keeps_v1),
        cmocka_unit_test(test_powercut_during_copy_completes),
        cmocka_unit_test(test_broken_download_resumes),
        cmocka_unit_test(test_record_for_other_container_starts_over),
        cmocka_unit_test(test_rollback_refused),
        cmocka_unit_test(test_lzma_update_installs_v2),
        cmocka_unit_test(test_delta_update_installs_v2),
        cmocka_unit_test(test_delta_wrong_base_refused),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
