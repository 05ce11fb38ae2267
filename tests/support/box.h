/* box.h - test helpers: make containers in memory with libfwpack, run the
 * device verifier over them on the NOR flash model. */
#ifndef BOX_H
#define BOX_H

#include <stddef.h>
#include <stdint.h>

#include "fwpack.h"

#define BOX_BASE 0x08000000u
#define BOX_FLASH 0x40000u /* 256 KiB */

/* The largest deflate window an RV32-filtered container may have in this
 * build: a window in flash cannot be filtered back (history.h). */
#define BOX_RV32_WINDOW_BITS \
    (FWPK_RING_BITS < FWPK_WINDOW_BITS ? FWPK_RING_BITS : FWPK_WINDOW_BITS)
/* The same for a delta's codec: the patch's history is not in flash, so
 * the whole window is the RAM ring (patch.h). */
#define BOX_DELTA_WINDOW_BITS BOX_RV32_WINDOW_BITS
/* deflate's smallest window, 2^9, is more than a 256-byte ring: then a
 * delta carries its patch uncompressed */
#define BOX_DELTA_CODEC \
    (BOX_DELTA_WINDOW_BITS >= FWPK_WINDOW_BITS_MIN ? FWPK_CODEC_DEFLATE \
                                                   : FWPK_CODEC_NONE)

typedef struct {
    fwp_target_opts t[FWPK_MAX_TARGETS];
    fwp_pack_opts o;
    fwp_keypair kp[4];     /* kp[i] from seed i+1 */
    uint8_t *image[FWPK_MAX_TARGETS]; /* each target's bytes (one segment) */
    size_t image_len[FWPK_MAX_TARGETS];
    uint8_t *base;         /* box_make_delta's */
} box_setup;

/* The codec box_init picks: deflate, or LZMA (lc 0 lp 1 pb 1) in a build
 * that left deflate out (FWPK_CODECS, mk/modes.mk's test-lzma), so that
 * the suites that take the default run over either. */
#define BOX_CODEC                                                        \
    (FWPK_HAS_CODEC(FWPK_CODEC_DEFLATE) ? FWPK_CODEC_DEFLATE : FWPK_CODEC_LZMA)

/* One target "main" at BOX_BASE, 'len' firmware-like bytes, STM32-like
 * geometry (2 KiB erase, 8-byte writes), BOX_CODEC at level 9, window (or
 * dictionary) 2^15, 4 KiB frames, signed by kp[0]. */
void box_init(box_setup *s, size_t len);
/* Nonzero when this build left out target t's codec (FWPK_CODECS): its
 * containers must be refused with FWPK_ERR_LIMIT before any erase. */
int box_codec_left_out(const box_setup *s, int t);
/* Adds a target with its own image at 'addr'. */
void box_add_target(box_setup *s, const char *name, uint32_t addr,
                    size_t len, uint32_t seed);
void box_free(box_setup *s);
/* Packs; the container is malloc'd. */
uint8_t *box_pack(box_setup *s, size_t *len);

typedef struct {
    const char *target;      /* default "main" */
    const char *mcu;         /* NULL: any */
    uint32_t window_lo, window_hi; /* default the 256 KiB flash */
    uint32_t min_security_counter;
    uint32_t min_signatures;
    uint32_t min_generation;
    int key_count;           /* keyring = kp[0..key_count), default 1 */
    int revoked_mask;        /* bit i: kp[i] revoked */
    uint32_t generation[4];
    size_t chunk;            /* feed piece size, default 4096 */
    int mapped;              /* flash read through fwpk_flash.mapped */
    /* offered resume records (user: the fwp_flash); may be NULL */
    fwpk_err (*checkpoint)(void *user, const fwpk_resume *rec);
    const uint8_t *base;     /* a delta's base, put at BOX_DELTA_BASE */
    size_t base_len;
    char *version;           /* fwpk_policy.version, version_size */
    uint32_t version_size;
} box_policy;

/* Where box_verify puts a delta's base: the flash's upper half, which an
 * image of at most 128 KiB at BOX_BASE never touches. */
#define BOX_DELTA_BASE (BOX_BASE + BOX_FLASH / 2)

/* Containers made by hand, for manifests that lie and frames that a
 * packer would never make. */

/* header + info + manifest + signature block + frames (SPEC.md 1, 2, 5):
 * what fwp_pack does, from a manifest the test may have edited, signed by
 * signers[0..nsig).  The container is malloc'd. */
uint8_t *box_assemble(const fwp_pack_opts *o, const fwp_manifest *m,
                      const fwp_keypair *signers, size_t nsig,
                      const fwp_frames *fr, size_t nfr, size_t *len);
/* The manifest fwp_pack writes for s, decoded so that it can be edited. */
void box_manifest(box_setup *s, fwp_manifest *m);
/* Frames of 'stream' (the bytes as the codec carries them: codec none
 * cuts them as they are) and the manifest fields of t that describe
 * them: frame count, payload size, frame size, anchor. */
void box_frames(fwp_mtarget *t, fwp_frames *fr, const uint8_t *stream,
                size_t n, uint32_t codec, uint32_t wbits, uint32_t fs);

/* fwpk_begin (or, with rec, fwpk_resume_begin on the flash model as it
 * is) with policy p: a fresh flash model unless resuming.  keys, pol and
 * cb are filled in, and must live as long as ctx (the verifier keeps
 * pointers to pol and cb). */
fwpk_err box_begin(const box_setup *s, const box_policy *p, fwp_flash *flash,
                   fwpk_ctx *ctx, fwpk_key keys[4], fwpk_policy *pol,
                   fwpk_flash *cb, const fwpk_resume *rec);
/* Makes target 0 a delta (SPEC.md 6.5) against an older version of its
 * image, as an edit leaves it (bytes removed, changed, added), and
 * returns that base (malloc'd, kept by s: box_free frees it), which a
 * device holds at BOX_DELTA_BASE (box_policy.base). */
const uint8_t *box_make_delta(box_setup *s, size_t *base_len);
/* Puts s's delta base (if any) into the flash at BOX_DELTA_BASE. */
void box_put_base(const box_setup *s, fwp_flash *flash);

/* The usual device: kp[0] its one trusted key, target "main", the box
 * flash as its window. */
void box_simple_policy(const box_setup *s, fwpk_key *key, fwpk_policy *pol);

/* Runs begin/feed.../finish over box with policy p on a fresh flash model
 * (which the caller frees with fwp_flash_free). */
fwpk_err box_verify(const box_setup *s, const box_policy *p,
                    const uint8_t *box, size_t len, fwp_flash *flash);
/* Nonzero when flash holds target t's image at its address, s's delta
 * base (box_make_delta) at BOX_DELTA_BASE, and 0xFF everywhere else that
 * was written. */
int box_flash_matches(const box_setup *s, int t, const fwp_flash *flash);
/* Nonzero when every programmed byte equals the genuine image's byte at
 * that address (or 0xFF padding): nothing foreign reached flash. */
int box_flash_clean(const box_setup *s, int t, const fwp_flash *flash);

#endif
