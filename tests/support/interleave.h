/* interleave.h - interleavings of interrupted updates (issue 21): a device
 * on the NOR flash model boots again and again, each boot offering one of
 * several signed containers to the real verifier, fresh or resumed from any
 * resume record offered before, and ending early (a power cut at a flash
 * operation, a broken download) or not; between boots the flash may change
 * behind the verifier's back.  After every boot the invariant is checked:
 * when fwpk_finish returns FWPK_OK, flash holds that container's image
 * byte for byte (its segments; 0xFF padding around them is not compared).
 *
 * Shared by tests/test_resume_invariant.c (sequences from a seeded PRNG) and
 * tests/fuzz/fuzz_resume.c (sequences from the fuzzer's input): both drive
 * il_step with an il_src, so one decoder turns bytes into boots.  Needs
 * libfwpack and libfwpk_verify only (no cmocka). */
#ifndef INTERLEAVE_H
#define INTERLEAVE_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack.h"

/* The device: one flash, STM32-like geometry. */
#define IL_BASE 0x08000000u
#define IL_FLASH 0x10000u /* 64 KiB */
#define IL_ERASE_BLOCK 2048u
#define IL_WRITE_UNIT 8u

#define IL_MAX_CONTAINERS 9
#define IL_MAX_RECORDS 256 /* records kept per interleaving; then no more */
#define IL_LOG_MAX 8192

/* ---- the containers ---- */

typedef struct {
    const char *name;        /* for the log, e.g. "B stored f8192" */
    uint32_t codec, window_bits, frame_size, filter, write_unit;
    const char *version;
    /* the image: up to two segments, bytes copied at make time */
    uint32_t addr[2], len[2];
    const uint8_t *data[2];
    uint32_t lzma_props;     /* codec LZMA: (pb * 5 + lp) * 9 + lc */
    const uint8_t *base;     /* a delta against these bytes, or NULL */
    uint32_t base_len;
} il_spec;

typedef struct {
    char name[48];
    uint8_t *box;            /* the signed container */
    size_t len;
    fwp_image image;         /* genuine segments, as packed (normalized) */
} il_container;

typedef struct {
    il_container c[IL_MAX_CONTAINERS];
    int count;
    fwpk_key key;            /* the one trusted key, which signed them all */
    const uint8_t *base;     /* the deltas' base, which every device holds
                                at IL_DELTA_BASE (its active slot) */
    uint32_t base_len;
} il_set;

/* Where the device keeps the deltas' base: above every container's
 * image, never written by an update. */
#define IL_DELTA_BASE (IL_BASE + 0xc000u)

/* Packs spec with kp into the next slot; -1 with err on failure. */
int il_set_add(il_set *set, const il_spec *spec, const fwp_keypair *kp,
               fwp_err *err);
/* The standard set: nine containers of two images, a (firmware-like) in
 * containers 0, 1, 4, 6, 8 and b (random) in 2, 3, 5, 7, each container
 * with the image in part or a few bytes changed; codec none/deflate/LZMA,
 * filters none/thumb/rv32, frames 256 to 8192, write units 8 and 32,
 * container 4 in two segments, container 8 a delta of a' against b.
 * LZMA's records all name its first frame (SPEC.md 6.1): 6 and 7 put that
 * rule into every interleaving. */
int il_set_standard(il_set *set, const fwp_keypair *kp, fwp_err *err);
void il_set_free(il_set *set);

/* ---- one boot, one tamper ---- */

enum il_start { IL_BEGIN, IL_RESUME };
enum il_end { IL_FULL, IL_POWER_CUT, IL_DOWNLOAD_STOP };
enum il_keep { IL_KEEP_ALL, IL_KEEP_NONE, IL_KEEP_ALTERNATE };

typedef struct {
    int container;
    int start;          /* enum il_start */
    uint32_t record;    /* IL_RESUME: index into the device's records */
    int fallback;       /* on FWPK_ERR_RESUME start over in the same boot */
    int end;            /* enum il_end */
    uint32_t at;        /* power cut: flash operation (from 0, this boot);
                           download stop: container offset */
    uint32_t chunk;     /* feed piece size; 0: all at once */
    int jump;           /* go on at fwpk_resume_skip()'s offset */
    int keep;           /* enum il_keep: which offered records are kept */
    int fail_at;        /* the checkpoint callback fails at this offer of
                           the boot (the state area broke); -1 never */
} il_boot_plan;

enum il_tamper_kind {
    IL_FLIP,    /* xor 'mask' into the byte at addr */
    IL_ERASE,   /* erase the block holding addr */
    IL_FOREIGN, /* container 'source''s image bytes over [addr, addr+len) */
    IL_TEAR,    /* xor 'mask' into byte addr % size of record 'record' */
    IL_TAMPER_KINDS
};

typedef struct {
    int kind;           /* enum il_tamper_kind */
    uint32_t addr;      /* flash address (IL_TEAR: byte of the record) */
    uint32_t len;
    int source;
    uint8_t mask;       /* nonzero */
    uint32_t record;
} il_tamper_plan;

/* ---- the device ---- */

typedef struct {
    fwpk_resume rec;
    int container;      /* whose run offered it */
    uint32_t boot;      /* in which boot */
    uint32_t op;        /* flash operations of that boot before the offer:
                           a power cut at op leaves flash as it was then */
} il_record;

typedef struct {
    uint32_t boots, installed, installed_resumed, refused_resume, cut,
        stopped, tampers, violations;
} il_stats;

typedef struct {
    fwp_flash flash;              /* first: the checkpoint callback's user */
    il_record records[IL_MAX_RECORDS]; /* every record kept, oldest first */
    uint32_t record_count;
    uint32_t boots;
    int flash_tampered;           /* flash changed behind the verifier */
    /* the boot in progress */
    int container;
    int keep, fail_at;
    uint32_t offered;
    uint32_t ops_before;          /* flash operations before the boot */
    il_stats stats;
    char log[IL_LOG_MAX];         /* the interleaving so far, one line per
                                     event, for a failure report */
    size_t log_len;
} il_device;

/* A flash holding old programmed contents everywhere (every write needs an
 * erase first), no records.  -1 if the model cannot be allocated. */
int il_device_init(il_device *d);
void il_device_free(il_device *d);
/* dst (initialized) becomes a copy of src: flash, records, counters. */
void il_device_copy(il_device *dst, const il_device *src);

/* Runs one boot.  Returns the verifier's final status (fwpk_finish's when
 * the container was fed to its end) and sets *violation when the boot
 * broke the invariant (also logged): FWPK_OK with flash that differs from
 * the image, FWPK_OK from a boot whose power was cut, or, while nothing
 * tampered with the flash, a flash rule broken (a write onto unerased
 * flash).  The plan is clamped to what exists (a resume with no record
 * kept is a fresh begin). */
fwpk_err il_boot(il_device *d, const il_set *set, const il_boot_plan *plan,
                 int *violation);
void il_tamper(il_device *d, const il_set *set, const il_tamper_plan *plan);
/* Nonzero when every segment of container c is in flash byte for byte. */
int il_installed(const il_device *d, const il_set *set, int c);

/* ---- byte-driven interleavings ---- */

/* Where the decisions come from: a seeded PRNG, or the fuzzer's bytes
 * (then 'done' is set once they run out, and the sequence ends). */
typedef struct {
    const uint8_t *p;
    size_t n;
    uint64_t x;
    int random;
    int done;
} il_src;

void il_src_random(il_src *s, uint64_t seed);
void il_src_bytes(il_src *s, const uint8_t *p, size_t n);
/* A decision in [0, bound), bound >= 1. */
uint32_t il_take(il_src *s, uint32_t bound);

/* Decodes one event (a boot, or a tamper between boots) from src and runs
 * it.  Returns 1 when it broke the invariant, else 0. */
int il_step(il_device *d, const il_set *set, il_src *src);

#endif
