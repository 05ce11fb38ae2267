/*
 * verify_run.h - what `fwpack verify` and `fwpack unpack` share: their
 * options, running the device verifier (libfwpk_verify) over a container
 * file on the host NOR flash model, and reporting the outcome.
 */
#ifndef FWPACK_VERIFY_RUN_H
#define FWPACK_VERIFY_RUN_H

#include "cli.h"
#include "verify_device.h"

#define VR_CHUNK_DEFAULT 4096u
#define VR_CHUNK_MAX 1048576u
/* unpack refuses a .bin with more 0xFF fill between its segments (the
 * default of --max-gap) */
#define VR_MAX_GAP_DEFAULT 1048576u

/* --mode's help lines, the same in verify's and unpack's --help */
#define VR_HELP_MODE \
    "      --mode buffered|streaming the verifier build that runs: buffered\n" \
    "                                (each frame checked before it is\n" \
    "                                decoded; the default) or streaming, as\n" \
    "                                small parts build it (no frame buffer,\n" \
    "                                a 512-byte ring, older history read\n" \
    "                                back from flash: docs/porting.md 3)\n"

/* Command-line options of verify (and unpack, which adds -o and --force). */
typedef struct {
    const char *cmd;                   /* "verify" or "unpack" */
    const char *keys[FWPK_MAX_KEYS];   /* -p files */
    uint32_t key_files;
    const char *target, *mcu, *input, *output;
    const char *name;                  /* input in messages ("-": stdin) */
    uint32_t min_counter, min_sigs, chunk;
    enum vr_mode mode;                 /* --mode: the verifier build run */
    int json, verbose, force;
    const char *format;                /* unpack --format, or NULL */
    const char *base;                  /* --base: a delta's base, or NULL */
    uint32_t max_gap;                  /* unpack --max-gap, 0: no limit */
    int has_max_gap;
} vr_opts;

/* Parses argv for cmd ("verify": no -o; "unpack": -o required).  Returns 0,
 * -1 after printing help (exit 0), or an exit code after a usage error. */
int vr_parse(vr_opts *o, int argc, char **argv, const char *help);

/* One pass of the verifier over the whole container, for one target. */
typedef struct {
    char name[FWPK_NAME_MAX + 1]; /* the policy's target ("" if unknown) */
    char mcu[FWPK_NAME_MAX + 1];  /* the target's MCU id from the manifest */
    int known;                    /* the target exists in the manifest */
    fwpk_target own;              /* the device's view of it, when known */
    fwpk_err err;                 /* what the verifier said */
    uint32_t offset;              /* ctx.offset: bytes consumed */
    uint32_t sig_valid;           /* trusted keys whose signatures count */
    uint32_t window_lo, window_hi;
    uint32_t erases, writes, pieces;
    char problem[FWP_MSG_MAX];    /* extra detail, "" if none */
    int host_fail;                /* the host's checks failed, see problem */
    fwp_image written;            /* what went to the write callback */
} vr_pass;

typedef struct {
    const vr_opts *o;
    uint8_t *data;                /* the container file */
    size_t len;
    fwpk_key keys[FWPK_MAX_KEYS];
    const char *key_file[FWPK_MAX_KEYS];
    uint32_t key_count;
    char version[FWPK_VERSION_MAX + 1]; /* "" until the manifest parsed */
    vr_pass pass[FWPK_MAX_TARGETS];
    uint32_t count;               /* passes run */
    uint32_t failed;              /* passes that failed */
    char names[FWP_MSG_MAX - 32]; /* "a, b", names escaped */
} vr_run;

/* Loads the keys and the container and runs one pass per target (the
 * --target one, else every target in the manifest).  Returns EXIT_OK when
 * every pass succeeded, EXIT_VERIFY when one failed, or the exit code of a
 * key or I/O problem (already printed).  Free with vr_free. */
int vr_execute(vr_run *r, const vr_opts *o);
void vr_free(vr_run *r);

/* Reporting: one line per pass (success on stdout, failure on stderr as
 * "fwpack: FILE: [target T: ]refused at offset N: reason"), -v details. */
void vr_print_text(const vr_run *r);
/* Only the failure lines (with --json, which prints the rest). */
void vr_print_failures(const vr_run *r);
/* The JSON object (see fwpack verify --help); 'outputs' (may be NULL) are
 * unpack's files, one per pass (NULL: none written), with the lowest
 * address written in each ('addrs'). */
void vr_json(fwp_buf *b, const vr_run *r, const char *const *outputs,
             const uint32_t *addrs);

#endif
