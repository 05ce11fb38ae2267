/* test_files.c - what fwpack reads and what it replaces (tools/lib/file.c),
 * through the commands: only regular files are ever replaced (never a
 * FIFO, a device, a symbolic link or a directory, --force or not), and
 * never a private key anywhere else; temporary names cannot be taken in
 * advance by another user; inputs are regular files (a pipe only for a
 * passphrase), never larger than the input limit, and a FIFO never hangs
 * the command. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "keytest.h"
#include "pack_util.h"

static const char *dir;
static char app[512], pub[512], key[512];

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    snprintf(app, sizeof app, "%s", pu_path(dir, "app.bin"));
    snprintf(key, sizeof key, "%s", pu_path(dir, "key.pem"));
    snprintf(pub, sizeof pub, "%s", pu_path(dir, "key.pub"));
    kt_firmware(app, 5000, 1);
    unsetenv("FWPACK_PASSPHRASE");
    unsetenv("FWPACK_MAX_INPUT");
    if (kt_run("keygen -o %s", key) || kt_run("export-key %s -o %s", key, pub))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unsetenv("FWPACK_PASSPHRASE");
    unsetenv("FWPACK_MAX_INPUT");
    pu_rmdir(dir);
    return 0;
}

static mode_t type_of(const char *path)
{
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    return st.st_mode & S_IFMT;
}

/* Every writing command, with and without --force, on path: exit 4, one
 * line "PATH: <what>, not a regular file: ...", path left as it was. */
static void refused_everywhere(const char *path, const char *what)
{
    static const char *const cmds[] = {
        "keygen -o %s%s", "export-key %s -o %s%s", "pack --unsigned "
        "--load-addr 0x08000000 %s -o %s%s", "digest %s -o %s%s"};
    char want[600], args[2048], box[512];
    snprintf(box, sizeof box, "%s", pu_path(dir, "ok.fwpk"));
    assert_int_equal(kt_run("pack --unsigned --load-addr 0x08000000 %s -o %s "
                            "--force", app, box), 0);
    snprintf(want, sizeof want, "fwpack: %s: %s, not a regular file: fwpack "
                                "writes only new or regular files\n",
             path, what);
    mode_t type = type_of(path);
    for (int force = 0; force < 2; force++)
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
            const char *f = force ? " --force" : "";
            if (i == 0)
                snprintf(args, sizeof args, cmds[i], path, f);
            else
                snprintf(args, sizeof args, cmds[i],
                         i == 1 ? key : i == 2 ? app : box, path, f);
            int rc = kt_run("%s", args);
            if (rc != 4 || strcmp(kt_err, want) != 0)
                fail_msg("fwpack %s: exit %d, %s", args, rc, kt_err);
            assert_int_equal(type_of(path), type);
        }
    assert_int_equal(pu_count_tmp(dir), 0);
}

static void test_only_regular_files_replaced(void **state)
{
    (void)state;
    const char *fifo = pu_path(dir, "fifo"), *link = pu_path(dir, "link");
    const char *sub = pu_path(dir, "sub"), *target = pu_path(dir, "target");
    assert_int_equal(mkfifo(fifo, 0644), 0);
    pu_write_str(target, "kept\n");
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(mkdir(sub, 0755), 0);
    refused_everywhere(fifo, "a FIFO or pipe");
    refused_everywhere(link, "a symbolic link");
    refused_everywhere(sub, "a directory");
    char *text = pu_read(target, NULL);
    assert_string_equal(text, "kept\n"); /* not written through the link */
    free(text);
    /* as root, keygen -o /dev/null --force turned the host's /dev/null
     * into a key file: a device node of our own stands in for it */
    const char *null = pu_path(dir, "null");
    if (getuid() == 0 && mknod(null, S_IFCHR | 0666, makedev(1, 3)) == 0) {
        refused_everywhere(null, "a character device");
        struct stat st;
        assert_int_equal(stat(null, &st), 0);
        assert_int_equal(st.st_rdev, makedev(1, 3));
    } else {
        fprintf(stderr, "test_only_regular_files_replaced: not root: no "
                        "device node made (the FIFO stands for it)\n");
    }
    /* a regular file is replaced with --force, and only then */
    const char *reg = pu_path(dir, "reg.pem");
    pu_write_str(reg, "old\n");
    assert_int_equal(kt_run("keygen -o %s", reg), 4);
    assert_non_null(strstr(kt_err, "reg.pem: file exists (use --force)"));
    assert_int_equal(kt_run("keygen -o %s --force", reg), 0);
    struct stat st;
    assert_int_equal(stat(reg, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    /* a private key never goes to stdout */
    assert_int_equal(kt_run("keygen -o - >%s", pu_path(dir, "stdout")), 2);
    assert_non_null(strstr(kt_err, "never to stdout"));
    assert_false(pu_exists(pu_path(dir, "-")));
    char *out = pu_read(pu_path(dir, "stdout"), NULL);
    assert_string_equal(out, "");
    free(out);
}

/* Another user who knows the PID used to create OUT.tmp.PID first (a FIFO
 * here) and make the command fail.  "sh -c 'mkfifo X.tmp.$$; exec
 * fwpack'" runs fwpack with the PID the shell had. */
static void test_temp_names_unpredictable(void **state)
{
    (void)state;
    const char *bin = getenv("FWPACK") ? getenv("FWPACK")
                                       : "build/test/fwpack";
    char cmd[4096], text[4096];
    const char *k = pu_path(dir, "blocked.pem");
    snprintf(cmd, sizeof cmd, "sh -c 'mkfifo %s.tmp.$$ && exec %s keygen -o "
                              "%s'", k, bin, k);
    assert_int_equal(pu_capture(cmd, text, sizeof text), 0);
    assert_string_equal(text, "");
    assert_int_equal(type_of(k), S_IFREG);
    const char *box = pu_path(dir, "blocked.fwpk");
    snprintf(cmd, sizeof cmd, "sh -c 'mkfifo %s.tmp.$$ && exec %s pack "
                              "--unsigned --load-addr 0x08000000 %s -o %s'",
             box, bin, app, box);
    assert_int_equal(pu_capture(cmd, text, sizeof text), 0);
    assert_int_equal(type_of(box), S_IFREG);
    /* the two blockers, untouched; no temporary of fwpack's left */
    assert_int_equal(pu_count_tmp(dir), 2);
    pu_sh("rm -f %s.tmp.* %s.tmp.*", k, box);
    assert_int_equal(pu_count_tmp(dir), 0);
}

/* fwpack with args under "timeout" (a hang becomes exit 124), stdout and
 * stderr into text; the exit code. */
static int run_timed(const char *args, char *text, size_t cap)
{
    const char *bin = getenv("FWPACK") ? getenv("FWPACK")
                                       : "build/test/fwpack";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "timeout 20 %s %s", bin, args);
    return pu_capture(cmd, text, cap);
}

/* A FIFO or a device as an input: refused at once (exit 4), never a hang
 * in open() or an endless read. */
static void test_inputs_regular_files_only(void **state)
{
    (void)state;
    const char *fifo = pu_path(dir, "in.fifo"), *out = pu_path(dir, "in.fwpk");
    assert_int_equal(mkfifo(fifo, 0644), 0);
    char cases[7][2048];
    snprintf(cases[0], sizeof cases[0],
             "pack --unsigned --load-addr 0x08000000 %s -o %s", fifo, out);
    snprintf(cases[1], sizeof cases[1],
             "pack --unsigned --load-addr 0x08000000 /dev/zero -o %s", out);
    snprintf(cases[2], sizeof cases[2],
             "pack -k %s --load-addr 0x08000000 %s -o %s", fifo, app, out);
    snprintf(cases[3], sizeof cases[3], "inspect %s", fifo);
    snprintf(cases[4], sizeof cases[4], "verify -p %s %s", fifo, app);
    snprintf(cases[5], sizeof cases[5], "verify -p %s %s", pub, fifo);
    snprintf(cases[6], sizeof cases[6], "export-key %s", fifo);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[4096];
        int rc = run_timed(cases[i], text, sizeof text);
        const char *what = i == 1 ? "/dev/zero: a character device"
                                  : "in.fifo: a FIFO or pipe";
        if (rc != 4 || !strstr(text, what) ||
            !strstr(text, ", not a regular file: fwpack reads only regular "
                          "files"))
            fail_msg("%s: exit %d, %s", cases[i], rc, text);
        assert_false(pu_exists(out));
    }
}

/* Every input is capped: 64 MiB unless FWPACK_MAX_INPUT or --max-input
 * says otherwise (a sparse file stands for a big one). */
static void test_input_limit(void **state)
{
    (void)state;
    const char *big = pu_path(dir, "big.hex"), *out = pu_path(dir, "b.fwpk");
    pu_sh("truncate -s %u %s", FWP_READ_MAX + 1, big);
    assert_int_equal(kt_run("pack --unsigned %s -o %s", big, out), 3);
    char want[600];
    snprintf(want, sizeof want, "fwpack: %s: larger than the input limit of "
                                "67108864 bytes (FWPACK_MAX_INPUT or pack "
                                "--max-input raise it)\n", big);
    assert_string_equal(kt_err, want);
    /* raised, or no limit: read, and refused for what it holds (NULs) */
    assert_int_equal(kt_run("pack --unsigned --max-input 70000000 %s -o %s",
                            big, out), 3);
    assert_non_null(strstr(kt_err, "big.hex:1"));
    assert_int_equal(kt_run("pack --unsigned --max-input 0 %s -o %s", big,
                            out), 3);
    assert_non_null(strstr(kt_err, "big.hex:1"));
    assert_false(pu_exists(out));
    /* lowered for every command through the environment */
    setenv("FWPACK_MAX_INPUT", "1000", 1);
    assert_int_equal(kt_run("pack --unsigned --load-addr 0x08000000 %s -o %s",
                            app, out), 3);
    assert_non_null(strstr(kt_err, "app.bin: larger than the input limit of "
                                   "1000 bytes"));
    assert_int_equal(kt_run("pack --unsigned --max-input 10000 --load-addr "
                            "0x08000000 %s -o %s", app, out), 0);
    assert_int_equal(kt_run("inspect %s", out), 1);
    assert_non_null(strstr(kt_err, "larger than the input limit of 1000"));
    setenv("FWPACK_MAX_INPUT", "lots", 1);
    assert_int_equal(kt_run("inspect %s", out), 2);
    assert_non_null(strstr(kt_err, "FWPACK_MAX_INPUT 'lots': not a "
                                   "number of bytes"));
    unsetenv("FWPACK_MAX_INPUT");
    assert_int_equal(kt_run("pack --unsigned --max-input 1k %s -o %s", app,
                            out), 2);
}

/* Secrets may come through a pipe ('--passphrase-file <(pass show k)');
 * a FIFO nobody writes to is an empty passphrase, not a hang. */
static void test_passphrase_from_a_pipe(void **state)
{
    (void)state;
    const char *k = pu_path(dir, "enc.pem"), *out = pu_path(dir, "p.fwpk");
    const char *fifo = pu_path(dir, "pass.fifo");
    setenv("FWPACK_PASSPHRASE", "through a pipe, not a file", 1);
    assert_int_equal(kt_run("keygen --encrypt -o %s", k), 0);
    unsetenv("FWPACK_PASSPHRASE");
    assert_int_equal(kt_run("pack -k %s --passphrase-file /dev/stdin "
                            "--load-addr 0x08000000 %s -o %s <<EOF\n"
                            "through a pipe, not a file\nEOF", k, app, out),
                     0);
    assert_int_equal(kt_run("verify -p %s %s", pub, out), 1); /* other key */
    assert_int_equal(kt_run("verify -p %s %s", k, out), 0);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    char args[2048], text[4096];
    snprintf(args, sizeof args, "pack -k %s --passphrase-file %s --load-addr "
                                "0x08000000 %s -o %s --force", k, fifo, app,
             out);
    assert_int_equal(run_timed(args, text, sizeof text), 3);
    assert_non_null(strstr(text, "pass.fifo: empty passphrase"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_only_regular_files_replaced),
        cmocka_unit_test(test_temp_names_unpredictable),
        cmocka_unit_test(test_inputs_regular_files_only),
        cmocka_unit_test(test_input_limit),
        cmocka_unit_test(test_passphrase_from_a_pipe),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
