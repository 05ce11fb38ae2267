/*
 * fuzz_resume.c - issue 21's invariant with the interleavings chosen by the
 * fuzzer: the input's bytes are the decisions of tests/support/interleave.c
 * (which container each boot offers, fresh or resumed from which record
 * kept so far, where the power or the download is cut, piece sizes, which
 * records are kept, how the flash is changed between boots), decoded one
 * event at a time until the input runs out (at most MAX_EVENTS).
 *
 * The containers are interleave.c's standard eight (LZMA among them),
 * packed once at start-up and signed with the fuzz key (fuzz_common.h); the
 * device is the NOR flash model with old contents everywhere.
 *
 * Invariant (abort, i.e. a crash report, when broken; the sequence of boots
 * is printed first): whenever fwpk_finish returns FWPK_OK, flash holds that
 * container's image byte for byte; a boot whose power was cut never
 * reports success; while nothing changed the flash behind the verifier's
 * back, it never breaks a flash rule (a write onto unerased flash).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_common.h"
#include "interleave.h"

#define MAX_EVENTS 16

static il_set set;
static il_device dev;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fwp_keypair kp;
    fwp_err err;
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        return 1;
    fuzz_keypair(kp.pk, kp.sk);
    if (il_set_standard(&set, &kp, &err)) {
        fprintf(stderr, "fuzz_resume: %s\n", err.msg);
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    il_src src;
    int e;
    if (il_device_init(&dev))
        abort();
    il_src_bytes(&src, data, size);
    for (e = 0; e < MAX_EVENTS && !src.done; e++)
        if (il_step(&dev, &set, &src)) {
            fprintf(stderr, "fuzz_resume: invariant broken:\n%s", dev.log);
            abort();
        }
    il_device_free(&dev);
    return 0;
}
