/* test_demo.c - the Cortex-M bootloader in QEMU (examples/cortex-m), driven
 * through examples/demo.sh: a good update is installed and v2 boots; a
 * tampered container, one signed by an unknown key and a truncated one are
 * refused with the error the verifier names, and v1 still boots.
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

#define DEMO_DIR "build/test/demo"
#define CM_OUT "build/test/cortex-m"
#define OUT_MAX 65536

typedef struct {
    char text[OUT_MAX];
    int status; /* exit status, or -1 */
} run_out;

static run_out out;

/* Runs a shell command, output (stdout and stderr) into out. */
static int run(const char *cmd)
{
    char full[1024];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return out.status = -1;
    size_t n = fread(out.text, 1, sizeof out.text - 1, p);
    out.text[n] = 0;
    int st = pclose(p);
    out.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return out.status;
}

static int have(const char *tool)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static int setup(void **state)
{
    (void)state;
    const char *missing[] = {"qemu-system-arm", "arm-none-eabi-gcc"};
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++)
        if (!have(missing[i])) {
            fprintf(stderr,
                    "test_demo: %s is not installed: the bootloader tests "
                    "need it (make deps, or apt-get install "
                    "qemu-system-arm gcc-arm-none-eabi "
                    "libnewlib-arm-none-eabi)\n",
                    missing[i]);
            return -1;
        }
    const char *fw = getenv("FWPACK");
    if (!fw || !*fw)
        fw = access("build/test/fwpack", X_OK) == 0 ? "build/test/fwpack"
                                                    : "build/host/fwpack";
    if (access(fw, X_OK) != 0) {
        fprintf(stderr, "test_demo: packer %s not found (set FWPACK)\n", fw);
        return -1;
    }
    setenv("FWPACK", fw, 1);
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
    return 0;
}

static void boot(const char *container)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "examples/demo.sh boot %s", container);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_update_installs_v2),
        cmocka_unit_test(test_tampered_frame_refused),
        cmocka_unit_test(test_untrusted_key_refused),
        cmocka_unit_test(test_truncated_refused),
        cmocka_unit_test(test_no_update_boots_v1),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
