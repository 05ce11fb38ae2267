/* test_notecard_pty.c - `fwpack notecard` on a pseudo-terminal, and the
 * device's Notecard client (fwpk_notecard.h) on the other end installing
 * the container through the verifier: the way a bench or an emulated MCU
 * uses it.  Also its options and exit codes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "box.h"
#include "fwpk_notecard.h"
#include "serial.h"

static fwpk_ctx ctx;

static const char *fwpack(void)
{
    return getenv("FWPACK") ? getenv("FWPACK") : "build/test/fwpack";
}

static int port_write(void *user, uint8_t addr, const uint8_t *data,
                      uint16_t len)
{
    int fd = *(int *)user;
    (void)addr;
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (w <= 0)
            return -1;
        data += w;
        len = (uint16_t)(len - w);
    }
    return 0;
}

static int port_read(void *user, uint8_t addr, uint8_t *buf, uint16_t len,
                     uint32_t timeout_ms)
{
    int fd = *(int *)user;
    struct pollfd pf = {fd, POLLIN, 0};
    ssize_t n;
    (void)addr;
    if (poll(&pf, 1, (int)timeout_ms) <= 0)
        return 0;
    n = read(fd, buf, len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return 0;
    return (int)n;
}

static uint32_t port_now(void *user)
{
    struct timespec ts;
    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* Starts `fwpack notecard BOX --link LINK args...`, waits for the link. */
static pid_t serve(const char *box, const char *link, const char *json,
                   const char *const *args)
{
    const char *argv[24];
    int n = 0, i;
    pid_t pid;
    struct stat st;
    argv[n++] = fwpack();
    argv[n++] = "notecard";
    argv[n++] = box;
    argv[n++] = "--link";
    argv[n++] = link;
    argv[n++] = "--once";
    argv[n++] = "--idle";
    argv[n++] = "60";
    argv[n++] = "--json";
    for (i = 0; args && args[i]; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    unlink(link);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(json, "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(99);
        execv(argv[0], (char *const *)argv);
        _exit(98);
    }
    for (i = 0; i < 500 && lstat(link, &st) != 0; i++)
        usleep(10000);
    assert_int_equal(lstat(link, &st), 0);
    return pid;
}

static int wait_exit(pid_t pid)
{
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n;
    assert_non_null(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void install_over_pty(int binary, const char *const *args,
                             const char *json_has)
{
    char dir[] = "/tmp/test_ncpty_XXXXXX", box_path[64], link[64], json[64];
    box_setup s;
    box_policy p = {0};
    fwp_flash flash;
    fwpk_key keys[4];
    fwpk_policy pol;
    fwpk_flash cb;
    char version[FWPK_VERSION_MAX + 1]; /* pol.version: the report's */
    fwp_serial port;
    fwp_err err;
    fwpk_nc nc;
    fwpk_nc_io io = {FWPK_NC_SERIAL, 0, port_write, port_read, port_now,
                     NULL, NULL};
    fwpk_nc_config cfg;
    static uint8_t piece[2048], rx[64];
    uint8_t *box;
    size_t len;
    FILE *f;
    pid_t pid;
    fwpk_nc_err e;

    assert_non_null(mkdtemp(dir));
    snprintf(box_path, sizeof box_path, "%s/app.fwpk", dir);
    snprintf(link, sizeof link, "%s/tty", dir);
    snprintf(json, sizeof json, "%s/out.json", dir);
    box_init(&s, 30000);
    box = box_pack(&s, &len);
    f = fopen(box_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(box, 1, len, f), len);
    fclose(f);

    pid = serve(box_path, link, json, args);
    if (fwp_serial_open(&port, link, 9600, 0, &err))
        fail_msg("%s", err.msg);
    io.user = &port.fd;
    p.version = version;
    p.version_size = sizeof version;
    assert_int_equal(box_begin(&s, &p, &flash, &ctx, keys, &pol, &cb, NULL),
                     FWPK_OK);
    cfg = (fwpk_nc_config){&io, piece, sizeof piece, rx, sizeof rx,
                           (uint8_t)binary, 12, 2000, 0};
    assert_int_equal(fwpk_nc_init(&nc, &cfg, &ctx), FWPK_NC_OK);
    e = fwpk_nc_run(&nc);
    fwp_serial_close(&port);
    assert_int_equal(wait_exit(pid), 0);
    if (e != FWPK_NC_OK)
        fail_msg("%s (verifier: %s)", fwpk_nc_strerror(e),
                 fwpk_strerror(nc.verify));
    assert_true(box_flash_matches(&s, 0, &flash));
    char *out = slurp(json);
    assert_non_null(strstr(out, "\"stopped\":true"));
    assert_non_null(strstr(out, "\"report\":\"fwpk: installed 1.2.3\""));
    assert_non_null(strstr(out, "\"version\":\"1.2.3\""));
    if (json_has && strstr(out, json_has) == NULL)
        fail_msg("no %s in %s", json_has, out);
    fwp_flash_free(&flash);
    box_free(&s);
    free(box);
    unlink(json);
    unlink(box_path);
    rmdir(dir);
}

static void test_installs_over_pty(void **state)
{
    (void)state;
    install_over_pty(0, NULL, "\"faults\":[]");
    install_over_pty(1, NULL, NULL);
}

static void test_faults_over_pty(void **state)
{
    static const char *const all[] = {"--fault", "all", "--fault-at", "1",
                                      NULL};
    (void)state;
    install_over_pty(0, all,
                     "\"faults\":[\"timeout\",\"garbled\",\"truncated\","
                     "\"err\",\"short\",\"base64\",\"bitflip\",\"reset\"]");
}

static int run(const char *args, const char *out_has)
{
    char cmd[512], buf[2048] = "";
    FILE *p;
    size_t n;
    int status;
    snprintf(cmd, sizeof cmd, "%s notecard %s 2>&1", fwpack(), args);
    p = popen(cmd, "r");
    assert_non_null(p);
    n = fread(buf, 1, sizeof buf - 1, p);
    buf[n] = '\0';
    status = pclose(p);
    if (out_has && strstr(buf, out_has) == NULL)
        fail_msg("%s: no \"%s\" in:\n%s", args, out_has, buf);
    return WEXITSTATUS(status);
}

static void test_cli_errors(void **state)
{
    (void)state;
    assert_int_equal(run("--help", "usage: fwpack notecard"), 0);
    assert_int_equal(run("", "need exactly one"), 2);
    assert_int_equal(run("x.fwpk --fault nope", "unknown fault 'nope'"), 2);
    assert_int_equal(run("x.fwpk --baud 1234", "not a standard rate"), 2);
    assert_int_equal(run("x.fwpk --bogus", NULL), 2);
    assert_int_equal(run("/nonexistent/x.fwpk", "/nonexistent/x.fwpk"), 4);
    assert_int_equal(run("--json /nonexistent/x.fwpk",
                         "{\"command\":\"notecard\",\"ok\":false,"
                         "\"exit_code\":4"),
                     4);
    FILE *f = fopen("/tmp/test_ncpty_empty.bin", "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(run("/tmp/test_ncpty_empty.bin", "empty file"), 3);
    unlink("/tmp/test_ncpty_empty.bin");
    assert_int_equal(run("/etc/hostname --port /nonexistent/tty",
                         "/nonexistent/tty"),
                     4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_installs_over_pty),
        cmocka_unit_test(test_faults_over_pty),
        cmocka_unit_test(test_cli_errors),
    };
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
