/* secret.c - see secret.h. */
#include <ctype.h>
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <termios.h>
#include <unistd.h>

#include "secret.h"

/* ---- locked memory, and the process that holds it ---- */

void *cli_secret_alloc(size_t n)
{
    void *p = sodium_malloc(n ? n : 1);
    if (p)
        sodium_memzero(p, n ? n : 1);
    return p;
}

void cli_secret_free(void *p)
{
    sodium_free(p); /* wipes first */
}

char *cli_secret_copy(const char *s, size_t n)
{
    char *p = cli_secret_alloc(n + 1);
    if (p)
        memcpy(p, s, n);
    return p;
}

static const char *const env_names[] = {"FWPACK_PASSPHRASE",
                                        "FWPACK_PKCS11_PIN"};
#define ENV_N (sizeof env_names / sizeof env_names[0])
static const char *env_values[ENV_N];

int cli_secrets_init(void)
{
    struct rlimit none = {0, 0};
    /* a core file, or another process of this user reading our memory,
     * would find the keys and passphrases */
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    setrlimit(RLIMIT_CORE, &none);
    for (size_t i = 0; i < ENV_N; i++) {
        char *v = getenv(env_names[i]);
        if (!v)
            continue;
        size_t n = strlen(v);
        env_values[i] = cli_secret_copy(v, n);
        /* the bytes in the environment block itself, which
         * /proc/PID/environ shows; unsetenv only drops the pointer */
        sodium_memzero(v, n);
        unsetenv(env_names[i]);
        if (!env_values[i])
            return -1;
    }
    return 0;
}

const char *cli_secret_env(const char *name)
{
    for (size_t i = 0; i < ENV_N; i++)
        if (strcmp(name, env_names[i]) == 0)
            return env_values[i];
    return NULL;
}

const char *cli_secret_from_argv(char *arg, const char *opt,
                                 const char *instead)
{
    size_t n = strlen(arg);
    const char *copy = cli_secret_copy(arg, n);
    sodium_memzero(arg, n);
    cli_error(0, "warning: %s puts the secret on the command line, where "
                 "other users see it (ps) until fwpack has read it; use %s",
              opt, instead);
    if (!copy)
        cli_error(0, "%s: out of memory", opt);
    return copy;
}

/* ---- where a secret comes from ---- */

cli_secret cli_passphrase(const char *file)
{
    cli_secret s = {NULL, file, "FWPACK_PASSPHRASE", "passphrase",
                    "FWPACK_PASSPHRASE, --passphrase-file FILE, or a "
                    "terminal"};
    return s;
}

static int copy(const char *src, size_t n, char *buf, size_t cap,
                const char *what, const cli_secret *s, fwp_err *err)
{
    if (n == 0)
        return fwp_fail(err, "%s: empty %s", what, s->kind);
    if (n >= cap)
        return fwp_fail(err, "%s: %s longer than %zu bytes", what, s->kind,
                        cap - 1);
    memcpy(buf, src, n);
    buf[n] = 0;
    return 0;
}

/* The first line of the file (or pipe), without its line end. */
static int from_file(const cli_secret *s, char *buf, size_t cap,
                     fwp_err *err)
{
    uint8_t *data;
    size_t len;
    if (fwp_read_secret_file(s->file, &data, &len, 65536, err))
        return -1;
    char what[64];
    snprintf(what, sizeof what, "%s file", s->kind);
    fwp_warn_exposed(s->file, what);
    size_t n = strcspn((const char *)data, "\r\n");
    int rc = n ? copy((const char *)data, n, buf, cap, s->file, s, err)
               : fwp_fail(err, "%s: empty %s (the first line is used)",
                          s->file, s->kind);
    fwp_free_secret(data, len);
    return rc;
}

/* ---- the terminal, echo off; restored on SIGINT/SIGTERM/SIGHUP too ---- */

static struct termios saved;
static volatile sig_atomic_t echo_off;

static void restore(int sig)
{
    if (echo_off)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    echo_off = 0;
    signal(sig, SIG_DFL);
    raise(sig);
}

static int read_line(const char *prompt, char *buf, size_t cap)
{
    static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    struct sigaction sa, old[4];
    struct termios t;
    size_t n = 0;
    int rc = -1;
    if (tcgetattr(STDIN_FILENO, &saved))
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = restore;
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &sa, &old[i]);
    t = saved;
    t.c_lflag &= ~(tcflag_t)ECHO;
    t.c_lflag |= ECHONL;
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0) {
        echo_off = 1; /* before the prompt: nothing typed is echoed */
        fputs(prompt, stderr);
        fflush(stderr);
        for (;;) {
            char ch;
            ssize_t r = read(STDIN_FILENO, &ch, 1);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0 || ch == '\n' || ch == '\r') {
                rc = r < 0 ? -1 : 0;
                break;
            }
            if (n + 1 < cap)
                buf[n++] = ch;
            else
                n = cap; /* too long: keep reading to the line end */
        }
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
        echo_off = 0;
    }
    for (int i = 0; i < 4; i++)
        sigaction(sigs[i], &old[i], NULL);
    if (n >= cap) {
        sodium_memzero(buf, cap);
        return -2;
    }
    buf[n] = 0;
    return rc;
}

static int from_tty(const cli_secret *s, const char *what, int confirm,
                    char *buf, size_t cap, fwp_err *err)
{
    char prompt[FWP_MSG_MAX];
    snprintf(prompt, sizeof prompt, "%c%s for %s: ",
             toupper((unsigned char)s->kind[0]), s->kind + 1, what);
    int rc = read_line(prompt, buf, cap);
    if (rc == -2)
        return fwp_fail(err, "%s: %s longer than %zu bytes", what, s->kind,
                        cap - 1);
    if (rc)
        return fwp_fail_io(err, "%s: cannot read the %s from the terminal: "
                                "%s", what, s->kind, strerror(errno));
    if (!buf[0])
        return fwp_fail(err, "%s: empty %s", what, s->kind);
    if (!confirm)
        return 0;
    char *again = cli_secret_alloc(FWP_PASS_MAX);
    if (!again)
        return fwp_fail_io(err, "%s: out of memory", what);
    snprintf(prompt, sizeof prompt, "The same %s again: ", s->kind);
    rc = read_line(prompt, again, FWP_PASS_MAX);
    int same = rc == 0 && strcmp(again, buf) == 0;
    cli_secret_free(again);
    if (!same) {
        sodium_memzero(buf, cap);
        return fwp_fail(err, "%s: the two %ss differ; nothing written", what,
                        s->kind);
    }
    return 0;
}

int cli_secret_get(void *arg, const char *what, int confirm, char *buf,
                   size_t cap, fwp_err *err)
{
    const cli_secret *s = arg;
    const char *env = s->env ? cli_secret_env(s->env) : NULL;
    if (s->value)
        return copy(s->value, strlen(s->value), buf, cap, what, s, err);
    if (s->file)
        return from_file(s, buf, cap, err);
    if (env)
        return copy(env, strlen(env), buf, cap, s->env, s, err);
    if (isatty(STDIN_FILENO))
        return from_tty(s, what, confirm, buf, cap, err);
    /* nothing was given where one is needed: the command line's fault */
    return fwp_fail_usage(err, "%s: needs a %s (%s)", what, s->kind, s->how);
}
