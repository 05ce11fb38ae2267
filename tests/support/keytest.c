/* keytest.c - see keytest.h. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <poll.h>
#include <pty.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include "keytest.h"
#include "pack_util.h"

char *kt_out, *kt_err;

int kt_run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    free(kt_out);
    free(kt_err);
    kt_out = kt_err = NULL;
    int rc = pu_fwpack(cmd, &kt_out, &kt_err);
    if (!kt_out)
        kt_out = calloc(1, 1);
    if (!kt_err)
        kt_err = calloc(1, 1);
    if (getenv("TEST_DEBUG"))
        fprintf(stderr, "[%d] fwpack %s\n%s%s", rc, cmd, kt_out, kt_err);
    return rc;
}

int kt_sh(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    if (!getenv("TEST_DEBUG") && !strchr(cmd, '>'))
        strncat(cmd, " >/dev/null 2>&1", sizeof cmd - strlen(cmd) - 1);
    else if (getenv("TEST_DEBUG"))
        fprintf(stderr, "$ %s\n", cmd);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int kt_have(const char *prog)
{
    return kt_sh("command -v %s", prog) == 0;
}

void kt_firmware(const char *path, size_t len, uint32_t seed)
{
    uint8_t *p = malloc(len);
    assert_non_null(p);
    pu_firmware(p, len, seed);
    pu_write(path, p, len);
    free(p);
}

void kt_pub(const char *path, uint8_t pk[32])
{
    fwp_err err;
    if (fwp_key_load_public(path, pk, &err))
        fail_msg("%s", err.msg);
}

int kt_pass(void *arg, const char *what, int confirm, char *buf, size_t cap,
            fwp_err *err)
{
    (void)what;
    (void)confirm;
    (void)err;
    snprintf(buf, cap, "%s", (const char *)arg);
    return 0;
}

void kt_seed(const char *path, const char *pass, uint8_t seed[32])
{
    fwp_keypair kp;
    fwp_err err;
    if (fwp_key_load_private_pass(path, &kp, kt_pass, (void *)pass, 0, &err))
        fail_msg("%s", err.msg);
    memcpy(seed, kp.sk, 32);
    memset(&kp, 0, sizeof kp);
}

int kt_count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p++)
        n++;
    return n;
}

/* In the child of forkpty: become o->uid (when root), then fwpack. */
static void tty_child(const char *cmd, const kt_tty_opts *o)
{
    if (o && o->uid && getuid() == 0) {
        gid_t gid = (gid_t)o->uid;
        if (setgroups(0, NULL) || setgid(gid) || setuid((uid_t)o->uid))
            _exit(126);
    }
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
}

int kt_tty_ex(const char *args, const char *const *answers, int n, char *out,
              size_t cap, const kt_tty_opts *o)
{
    const char *bin = getenv("FWPACK");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "exec %s %s", bin ? bin : "build/test/fwpack",
             args);
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    assert_true(pid >= 0);
    if (pid == 0)
        tty_child(cmd, o);
    size_t len = 0;
    int answered = 0;
    out[0] = 0;
    for (;;) {
        struct pollfd p = {master, POLLIN, 0};
        if (poll(&p, 1, 20000) <= 0)
            break;
        ssize_t r = read(master, out + len, cap - 1 - len);
        if (r <= 0)
            break; /* EIO: the child closed the terminal */
        len += (size_t)r;
        out[len] = 0;
        int prompts = kt_count(out, "assphrase for ") +
                      kt_count(out, "again: ") + kt_count(out, "PIN for ");
        while (answered < prompts && answered < n) {
            const char *a = answers[answered];
            if (o && o->probe) /* fwpack waits for the answer */
                o->probe(pid, answered, o->arg);
            answered++;
            assert_int_equal(write(master, a, strlen(a)), (ssize_t)strlen(a));
            assert_int_equal(write(master, "\n", 1), 1);
        }
    }
    close(master);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    if (getenv("TEST_DEBUG"))
        fprintf(stderr, "[tty] %s\n%s\n", cmd, out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int kt_tty(const char *args, const char *const *answers, int n, char *out,
           size_t cap)
{
    return kt_tty_ex(args, answers, n, out, cap, NULL);
}

fwpk_err kt_verify_file(const char *path, const uint8_t (*pks)[32], int n,
                        const box_policy *p)
{
    static box_setup s; /* only the keyring's public keys are used */
    box_policy pol = *p;
    fwp_flash flash;
    size_t len;
    char *box = pu_read(path, &len);
    assert_non_null(box);
    assert_true(n >= 1 && n <= 4);
    memset(&s, 0, sizeof s);
    for (int i = 0; i < n; i++)
        memcpy(s.kp[i].pk, pks[i], 32);
    pol.key_count = n;
    fwpk_err e = box_verify(&s, &pol, (const uint8_t *)box, len, &flash);
    fwp_flash_free(&flash);
    free(box);
    return e;
}
