/* test_robust.c - regressions for what fuzzing and interruption found:
 * the PEM reader stays inside the length it is given (no NUL needed after
 * the text: ASan catches any read past it), and an output file written by
 * fwp_write_file_atomic is either complete or absent when the process is
 * interrupted by SIGINT, with no temporary file left behind. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fwpack.h"
#include "pack_util.h"

/* Every PEM the packer writes, parsed from a buffer of exactly its length,
 * and every prefix of it: the reader must never look past 'len'. */
static void test_pem_exact_length(void **state)
{
    (void)state;
    fwp_keypair kp;
    fwp_buf pem = {0};
    unsigned prefixes = 0;
    assert_int_equal(fwp_key_generate(&kp), 0);
    assert_int_equal(fwp_pem_private(&kp, &pem), 0);
    for (size_t n = 0; n <= pem.len; n++) {
        uint8_t *exact = malloc(n ? n : 1);
        uint8_t key[32];
        int is_private = 0;
        fwp_err err;
        memcpy(exact, pem.data, n);
        int rc = fwp_pem_parse(exact, n, "key.pem", key, &is_private, &err);
        if (n == pem.len) {
            assert_int_equal(rc, 0);
            assert_true(is_private);
        }
        free(exact);
        prefixes++;
    }
    printf("# PEM parsed from %u exact-length buffers\n", prefixes);
    fwp_buf_free(&pem);
}

/* A child writes a large file; SIGINT arrives at some point during it.
 * Whatever the moment, the result is all or nothing and no temp remains. */
static void test_sigint_leaves_nothing_half_written(void **state)
{
    (void)state;
    const char *dir = pu_tmpdir();
    const size_t len = 64u << 20;
    unsigned complete = 0, absent = 0;
    for (int round = 0; round < 6; round++) {
        char path[512];
        snprintf(path, sizeof path, "%s/out%d.bin", dir, round);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            uint8_t *data = malloc(len);
            fwp_err err;
            if (!data)
                _exit(3);
            memset(data, 0x5a, len);
            _exit(fwp_write_file_atomic(path, data, len, 0644, 0, &err) ? 1
                                                                        : 0);
        }
        struct timespec ts = {0, 20000000L * (round + 1)};
        nanosleep(&ts, NULL);
        kill(pid, SIGINT);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        struct stat st;
        if (stat(path, &st) == 0) {
            assert_int_equal((size_t)st.st_size, len);
            complete++;
        } else {
            assert_true(WIFSIGNALED(status));
            absent++;
        }
        assert_int_equal(pu_count_tmp(dir), 0);
    }
    printf("# SIGINT during a 64 MiB write: %u complete, %u absent, no "
           "temporary file left\n",
           complete, absent);
    pu_rmdir(dir);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pem_exact_length),
        cmocka_unit_test(test_sigint_leaves_nothing_half_written),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
