/* test_install.c - make install into a temporary DESTDIR, and everything a
 * project does with what it installed:
 *   - the files are where mk/install.mk says, the binary runs;
 *   - the man page holds every line of every --help text (rendered with
 *     groff), and bash completion completes commands, options and values;
 *   - a host program builds against libfwpack through the installed
 *     fwpack.pc (pkg-config with PKG_CONFIG_PATH and PKG_CONFIG_SYSROOT_DIR
 *     into the DESTDIR) and reads a container;
 *   - the verifier builds from its installed sources through fwpk_verify.pc
 *     and through the CMake package (fwpk::verify, with the RAM limits
 *     passed on), verifies a container into a RAM flash exactly as
 *     fwpack unpack writes it, and refuses a tampered one;
 *   - examples/make (fwpack.mk) and examples/cmake (fwpack_add_image,
 *     fwpk::verify cross-compiled) build a Cortex-M0+ application with
 *     arm-none-eabi-gcc and pack it; fwpack verify accepts the containers,
 *     and they hold the ELF's bytes.
 *
 * Needs make, cc, pkg-config, cmake, groff, bash and arm-none-eabi-gcc:
 * their absence is a failure with a message, never a silent skip.  Runs
 * from the repo root; make install uses the build directory of FWPACK
 * (build/test/fwpack: build), whose release build make check has made. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pack_util.h"

#define PREFIX "/usr/local"

static const char *dir;
static char repo[512], root[512], prefix[600], fw[700], build[512];
static char *out;       /* output of the last sh() */
static char last[8192]; /* and its command */

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

/* Runs a shell command (stderr into stdout, captured in out); returns its
 * exit code. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192], full[8300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(last, sizeof last, "%s", cmd);
    snprintf(full, sizeof full, "{ %s\n} 2>&1", cmd);
    FILE *p = popen(full, "r");
    size_t n = 0, cap = 1 << 16;
    free(out);
    out = malloc(cap + 1);
    if (!p || !out)
        return -1;
    size_t r;
    while ((r = fread(out + n, 1, cap - n, p)) > 0) {
        n += r;
        if (n == cap) {
            char *q = realloc(out, 2 * cap + 1);
            if (!q)
                break;
            out = q;
            cap *= 2;
        }
    }
    out[n] = 0;
    int st = pclose(p);
    if (getenv("TEST_DEBUG"))
        fprintf(stderr, "[%d] %s\n%s", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
                cmd, out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A command that must succeed. */
#define MUST(...)                                                            \
    do {                                                                     \
        if (sh(__VA_ARGS__) != 0)                                            \
            fail_msg("failed: %s\n%s", last, out);                           \
    } while (0)

static void expect_in(const char *text, const char *want)
{
    if (!text || !strstr(text, want))
        fail_msg("got \"%s\", want \"%s\"", text ? text : "(null)", want);
}

/* ---- setup: make install, a key, a container ---- */

static int setup(void **state)
{
    (void)state;
    const char *tools[] = {"make", "cc", "pkg-config", "cmake", "groff",
                           "bash", "arm-none-eabi-gcc",
                           "arm-none-eabi-objcopy", "arm-none-eabi-nm",
                           "arm-none-eabi-readelf", "cmp", "srec_cat"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pu_have(tools[i])) {
            fprintf(stderr, "test_install: %s is not installed: the install "
                            "tests need it (make deps, or apt-get install "
                            "cmake groff-base pkg-config srecord "
                            "gcc-arm-none-eabi libnewlib-arm-none-eabi)\n",
                    tools[i]);
            return -1;
        }
    if (!getcwd(repo, sizeof repo) || access("mk/install.mk", R_OK) != 0) {
        fprintf(stderr, "test_install: run from the repo root\n");
        return -1;
    }
    /* the build directory of FWPACK (BUILD/test/fwpack), else build */
    const char *f = getenv("FWPACK");
    const char *t = f ? strstr(f, "/test/fwpack") : NULL;
    snprintf(build, sizeof build, "%.*s", t ? (int)(t - f) : 5,
             t ? f : "build");
    dir = pu_tmpdir();
    snprintf(root, sizeof root, "%s/root", dir);
    snprintf(prefix, sizeof prefix, "%s" PREFIX, root);
    snprintf(fw, sizeof fw, "%s/bin/fwpack", prefix);
    /* Under make check: this make is not part of that make */
    unsetenv("MAKEFLAGS");
    unsetenv("MFLAGS");
    unsetenv("MAKELEVEL");
    if (sh("make --no-print-directory -s install PREFIX=" PREFIX
           " DESTDIR=%s BUILD=%s", root, build) != 0) {
        fprintf(stderr, "test_install: make install failed:\n%s\n", out);
        return -1;
    }
    /* a key, its keyring header; a container for the verifier programs:
     * two segments for the stm32g030k8, at the window and frames
     * tests/install's build takes (2^12, 1024-byte frames) */
    uint8_t a[5000], b[777];
    pu_firmware(a, sizeof a, 21);
    pu_firmware(b, sizeof b, 22);
    pu_write(P("a.bin"), a, sizeof a);
    pu_write(P("b.bin"), b, sizeof b);
    if (sh("cd %s && %s keygen -o key.pem && "
           "%s export-key key.pem -o pub.pem && "
           "%s export-key key.pem --format c -o keyring.h && "
           "srec_cat a.bin -binary -offset 0x08000000 b.bin -binary "
           "-offset 0x08003001 -o app.hex -intel && "
           "%s pack -k key.pem --mcu stm32g030k8 --window-bits 12 "
           "--frame-size 1024 --version 2.3.4 app.hex -o app.fwpk && "
           "%s unpack -p pub.pem app.fwpk -o flash.bin && "
           "%s pack -k key.pem --mcu stm32l432kc app.hex -o wide.fwpk",
           dir, fw, fw, fw, fw, fw, fw) != 0) {
        fprintf(stderr, "test_install: preparing the container failed:\n%s\n",
                out);
        return -1;
    }
    /* one bit of the last frame changed */
    size_t len;
    char *c = pu_read(P("app.fwpk"), &len);
    if (!c || len < 100)
        return -1;
    c[len - 50] ^= 0x08;
    pu_write(P("bad.fwpk"), c, len);
    free(c);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(out);
    pu_rmdir(dir);
    return 0;
}

/* ---- what is installed ---- */

static void test_files(void **state)
{
    (void)state;
    static const char *const files[] = {
        "bin/fwpack",
        "share/man/man1/fwpack.1",
        "share/bash-completion/completions/fwpack",
        "lib/libfwpack.a",
        "lib/libfwpk_verify.a",
        "include/fwpack/fwpack.h",
        "include/fwpack/fwpk_verify.h",
        "include/fwpack/fwpk_format.h",
        "include/fwpack/fwpk_notecard.h",
        "lib/pkgconfig/fwpack.pc",
        "lib/pkgconfig/fwpk_verify.pc",
        "lib/cmake/fwpack/fwpackConfig.cmake",
        "lib/cmake/fwpack/fwpackConfigVersion.cmake",
        "lib/cmake/fwpack/FwpackImage.cmake",
        "lib/cmake/fwpk_verify/fwpk_verifyConfig.cmake",
        "lib/cmake/fwpk_verify/fwpk_verifyConfigVersion.cmake",
        "share/fwpack/fwpack.mk",
        "share/fwpk_verify/src/stream.c",
        "share/fwpk_verify/src/filter.h",
    };
    char path[1024];
    struct stat st;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", prefix, files[i]);
        if (stat(path, &st) != 0)
            fail_msg("make install did not install %s", path);
        assert_int_equal(st.st_mode & 0777, i == 0 ? 0755 : 0644);
    }
    /* nothing outside DESTDIR/PREFIX */
    MUST("cd %s && find . -mindepth 1 -maxdepth 1", root);
    assert_string_equal(out, "./usr\n");
    /* the verifier's sources, all of them, as in the tree */
    MUST("for f in verifier/src/*.c verifier/src/*.h; do "
         "cmp $f %s/share/fwpk_verify/src/${f##*/} || exit 1; done; "
         "ls %s/share/fwpk_verify/src | wc -l; ls verifier/src | wc -l",
         prefix, prefix);
    int n1 = 0, n2 = 0;
    assert_int_equal(sscanf(out, "%d %d", &n1, &n2), 2);
    assert_int_equal(n1, n2);
    /* it runs, and every version agrees */
    MUST("%s --version", fw);
    char version[32];
    assert_int_equal(sscanf(out, "fwpack %31s", version), 1);
    MUST("PKG_CONFIG_PATH=%s/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=%s "
         "pkg-config --modversion fwpack fwpk_verify", prefix, root);
    char want[80];
    snprintf(want, sizeof want, "%s\n%s\n", version, version);
    assert_string_equal(out, want);
    MUST("grep -c 'set(PACKAGE_VERSION \"%s\")' "
         "%s/lib/cmake/fwpack/fwpackConfigVersion.cmake", version, prefix);
}

/* Every line of fwpack --help and of every command's --help is on the
 * rendered man page: the page says what the code says. */
static void test_man_page(void **state)
{
    (void)state;
    MUST("groff -man -Tascii -P-cbou -ww %s/share/man/man1/fwpack.1 "
         "2>/dev/null", prefix);
    char *page = strdup(out);
    assert_non_null(page);
    MUST("%s --version", fw);
    char version[32], th[64];
    assert_int_equal(sscanf(out, "fwpack %31s", version), 1);
    snprintf(th, sizeof th, "fwpack %s", version);
    expect_in(page, th);
    /* the commands, from fwpack --help */
    MUST("%s --help | sed -n '/^commands:/,/^$/s/^  \\([a-z-]*\\) .*/\\1/p'",
         fw);
    char commands[1024];
    snprintf(commands, sizeof commands, "%s", out);
    assert_true(strlen(commands) > 20);
    char *save = NULL, list[1100];
    snprintf(list, sizeof list, "--help\n%s", commands);
    int checked = 0;
    for (char *c = strtok_r(list, "\n", &save); c;
         c = strtok_r(NULL, "\n", &save)) {
        MUST("%s %s --help", fw, strcmp(c, "--help") == 0 ? "" : c);
        char *save2 = NULL;
        for (char *l = strtok_r(out, "\n", &save2); l;
             l = strtok_r(NULL, "\n", &save2)) {
            while (*l == ' ')
                l++;
            if (!*l)
                continue;
            if (!strstr(page, l))
                fail_msg("the man page lacks this line of fwpack %s "
                         "--help:\n%s", c, l);
            checked++;
        }
    }
    assert_true(checked > 200);
    free(page);
}

static void test_completion(void **state)
{
    (void)state;
    static const struct {
        const char *words, *want;
    } cases[] = {
        {"FW un", "unpack"},
        {"FW ''", "attach-sig"},
        {"FW unpack --fo", "--force"},
        {"FW pack --codec ''", "none deflate"},
        {"FW pack --level m", "max"},
        {"FW pack --mcu stm32g0", "stm32g030k8"},
        {"FW verify --mcu nrf", "nrf52840"},
        {"FW export-key -f r", "raw"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char words[1024];
        const char *w = cases[i].words;
        snprintf(words, sizeof words, "%s%s", fw, w + 2); /* FW -> fw */
        MUST("bash -c 'source %s/share/bash-completion/completions/fwpack; "
             "COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _fwpack; "
             "echo \"${COMPREPLY[*]}\"' x %s", prefix, words);
        expect_in(out, cases[i].want);
    }
}

/* ---- building against the installed files ---- */

static const char *pkg_env(void)
{
    static char env[1400];
    snprintf(env, sizeof env,
             "PKG_CONFIG_PATH=%s/lib/pkgconfig PKG_CONFIG_SYSROOT_DIR=%s",
             prefix, root);
    return env;
}

static void test_pkgconfig_fwpack(void **state)
{
    (void)state;
    /* the flags point into DESTDIR, not at this tree */
    MUST("%s pkg-config --cflags --libs fwpack", pkg_env());
    char want[2048];
    snprintf(want, sizeof want, "-I%s/include/fwpack -L%s/lib -lfwpack",
             prefix, prefix);
    expect_in(out, want);
    MUST("cd %s && cp %s/tests/install/fwpack_probe.c . && "
         "cc -std=c11 -Wall -Wextra -Werror $(%s pkg-config --cflags fwpack) "
         "fwpack_probe.c $(%s pkg-config --libs fwpack) -o fwpack_probe",
         dir, repo, pkg_env(), pkg_env());
    MUST("%s export-key %s --json --force -o %s", fw, P("key.pem"),
         P("pub2.pem"));
    const char *k = strstr(out, "\"key_id\":\"");
    assert_non_null(k);
    char key_id[17];
    snprintf(key_id, sizeof key_id, "%s", k + 10);
    MUST("%s %s %s", P("fwpack_probe"), P("app.fwpk"), P("pub.pem"));
    snprintf(want, sizeof want, "2.3.4 1 app 5777 %s\n", key_id);
    assert_string_equal(out, want);
    assert_int_equal(sh("%s %s %s", P("fwpack_probe"), P("a.bin"),
                        P("pub.pem")), 1);
}

/* verify_file (tests/install) built as BIN: the good container verifies
 * into exactly what fwpack unpack writes; the tampered one is refused. */
static void check_verifier(const char *bin)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s", bin);
    MUST("cd %s && %s app.fwpk app %s.flash", dir, cmd, bin);
    assert_string_equal(out, "ok 5777\n");
    MUST("cmp %s.flash %s", bin, P("flash.bin"));
    assert_int_equal(sh("cd %s && %s bad.fwpk app x.flash", dir, cmd), 1);
    expect_in(out, "refused: ");
    assert_int_equal(sh("cd %s && %s app.fwpk radio x.flash", dir, cmd), 1);
    assert_false(pu_exists(P("x.flash")));
}

static void test_pkgconfig_verifier(void **state)
{
    (void)state;
    MUST("%s pkg-config --variable=srcdir fwpk_verify", pkg_env());
    char want[800];
    snprintf(want, sizeof want, "%s/share/fwpk_verify/src\n", prefix);
    assert_string_equal(out, want);
    /* as a device build would: the listed sources, the Cflags, C99 */
    MUST("cd %s && cp %s/tests/install/verify_file.c . && "
         "src=$(%s pkg-config --variable=srcdir fwpk_verify) && "
         "cc -std=c99 -pedantic -Wall -Wextra -Werror "
         "$(%s pkg-config --cflags fwpk_verify) -I. verify_file.c "
         "$(for f in $(%s pkg-config --variable=sources fwpk_verify); do "
         "echo $src/$f; done) -o verify_pc",
         dir, repo, pkg_env(), pkg_env(), pkg_env());
    check_verifier(P("verify_pc"));
}

static void test_cmake_verifier(void **state)
{
    (void)state;
    MUST("cmake -S %s/tests/install -B %s -DCMAKE_PREFIX_PATH=%s "
         "-DKEYRING_DIR=%s && cmake --build %s",
         repo, P("cmake-host"), prefix, dir, P("cmake-host"));
    check_verifier(P("cmake-host/verify_file"));
    /* built with the installed sources */
    MUST("grep -l '%s/share/fwpk_verify/src/stream.c' -r %s", prefix,
         P("cmake-host"));
    /* FWPK_VERIFY_WINDOW_BITS 12 reached the library and its user: a
     * container with a 2^15 window is over this build's limit */
    assert_int_equal(sh("cd %s && cmake-host/verify_file wide.fwpk app "
                        "x.flash", dir), 1);
    expect_in(out, "refused: ");
    MUST("cd %s && ./verify_pc wide.fwpk app wide.flash", dir);
}

/* ---- the examples ---- */

/* The container verifies with version V; what it installs is the ELF's
 * bytes (objcopy -O binary) in whole 8-byte write units. */
static void check_packed(const char *fwpk, const char *elf, const char *v)
{
    char want[160];
    MUST("%s verify -p %s %s", fw, P("pub.pem"), fwpk);
    snprintf(want, sizeof want,
             ": ok, target app (stm32g030k8), version %s, ", v);
    expect_in(out, want);
    MUST("cd %s && rm -f ex.bin ex_ref.bin && "
         "%s unpack -p pub.pem %s -o ex.bin && "
         "arm-none-eabi-objcopy -O binary %s ex_ref.bin && "
         "n=$(stat -c %%s ex_ref.bin) && "
         "head -c $n ex.bin | cmp - ex_ref.bin && "
         "tail -c +$((n + 1)) ex.bin | od -An -tx1 | tr -d ' \\n' && "
         "echo \"|$(( ($n + 7) / 8 * 8 - $(stat -c %%s ex.bin) ))\"",
         dir, fw, fwpk, elf);
    /* the tail is 0xFF padding up to the write unit, nothing more */
    char *bar = strchr(out, '|');
    assert_non_null(bar);
    for (char *p = out; p < bar; p++)
        assert_true(*p == 'f');
    assert_string_equal(bar, "|0\n");
}

static void test_make_example(void **state)
{
    (void)state;
    char args[2400];
    snprintf(args, sizeof args,
             "-C examples/make O=%s FWPACK=%s "
             "FWPACK_MK=%s/share/fwpack/fwpack.mk FWPACK_KEY=%s VERSION=3.1.4",
             P("make"), fw, prefix, P("key.pem"));
    MUST("make --no-print-directory %s", args);
    /* the %.fwpk: %.hex rule of the installed fwpack.mk ran */
    char want[1200];
    snprintf(want, sizeof want, "%s pack -k %s --mcu stm32g030k8 --version "
             "3.1.4 --force %s -o %s", fw, P("key.pem"), P("make/blinky.hex"),
             P("make/blinky.fwpk"));
    expect_in(out, want);
    check_packed(P("make/blinky.fwpk"), P("make/blinky.elf"), "3.1.4");
    /* up to date; a changed key repacks */
    assert_int_equal(sh("make --no-print-directory -q %s", args), 0);
    MUST("sleep 1; touch %s", P("key.pem"));
    assert_int_equal(sh("make --no-print-directory -q %s", args), 1);
    MUST("make --no-print-directory %s", args);
    expect_in(out, " pack -k ");
}

static void test_cmake_example(void **state)
{
    (void)state;
    const char *b = P("cmake-arm");
    MUST("cmake -S examples/cmake -B %s "
         "-DCMAKE_TOOLCHAIN_FILE=%s/examples/cmake/arm-none-eabi.cmake "
         "-DCMAKE_PREFIX_PATH=%s -DFWPACK_KEY=%s && cmake --build %s",
         b, repo, prefix, P("key.pem"), b);
    expect_in(out, "fwpack: packing blinky into blinky.fwpk");
    /* the installed fwpack did it */
    char want[1200];
    snprintf(want, sizeof want, "FWPACK_EXECUTABLE:FILEPATH=%s\n", fw);
    MUST("cat %s/CMakeCache.txt", b);
    expect_in(out, want);
    char fwpk[800], elf[800];
    snprintf(fwpk, sizeof fwpk, "%s/blinky.fwpk", b);
    snprintf(elf, sizeof elf, "%s/blinky.elf", b);
    check_packed(fwpk, elf, "1.4.2"); /* project(blinky VERSION 1.4.2) */
    /* boot: fwpk::verify compiled by arm-none-eabi-gcc from the installed
     * sources, linked into Cortex-M0+ firmware that fits the part */
    MUST("arm-none-eabi-readelf -h %s/boot.elf", b);
    expect_in(out, "Machine:                           ARM");
    MUST("arm-none-eabi-nm %s/boot.elf", b);
    expect_in(out, " T fwpk_feed\n");
    expect_in(out, " T fwpk_ed25519_verify_ws\n");
    MUST("grep -rl '%s/share/fwpk_verify/src/inflate.c' %s", prefix, b);
    /* each link repacks */
    MUST("rm %s/blinky.elf && cmake --build %s", b, b);
    expect_in(out, "fwpack: packing blinky");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files),
        cmocka_unit_test(test_man_page),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_pkgconfig_fwpack),
        cmocka_unit_test(test_pkgconfig_verifier),
        cmocka_unit_test(test_cmake_verifier),
        cmocka_unit_test(test_make_example),
        cmocka_unit_test(test_cmake_example),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
