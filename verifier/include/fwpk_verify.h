/*
 * fwpk_verify.h - the whole device API of the fwpack verifier.
 *
 * A freestanding C99 library: no malloc, no stdio, no global state.  The
 * caller owns every byte of memory through struct fwpk_ctx, whose size is
 * fixed at compile time (FWPK_FRAME_BUFFER, FWPK_RING_BITS and the limits
 * below; docs/porting.md section 3).
 *
 *   fwpk_begin(&ctx, &policy, &flash);
 *   while (more) fwpk_feed(&ctx, piece, piece_len);   // any piece size
 *   fwpk_finish(&ctx);                                // FWPK_OK = installed
 *
 * Nothing is erased or written before the manifest's signature checks out,
 * and the first error sticks.  In the default (buffered) design every frame
 * is hashed before it is inflated; in the streaming design (FWPK_FRAME_BUFFER
 * 0, below) bytes reach flash before their frame is checked, and only
 * fwpk_finish() returning FWPK_OK says the image is the signed one: run
 * nothing before it (format/SPEC.md 9).
 */
#ifndef FWPK_VERIFY_H
#define FWPK_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "fwpk_format.h"

/* Compile-time limits; a bootloader may lower them to save RAM. */
#ifndef FWPK_MAX_FRAME_SIZE
#define FWPK_MAX_FRAME_SIZE FWPK_FRAME_SIZE_MAX
#endif
#ifndef FWPK_WINDOW_BITS
#define FWPK_WINDOW_BITS FWPK_WINDOW_BITS_MAX
#endif
#define FWPK_WINDOW_SIZE (1UL << FWPK_WINDOW_BITS)

/* Memory design; the defaults keep everything in RAM.
 *
 * FWPK_FRAME_BUFFER  1: each frame is collected in RAM and checked before
 *               a byte of it is decoded: no unverified byte ever reaches
 *               flash (the frames' state then holds a frame's buffer:
 *               FWPK_MAX_FRAME_SIZE + 34 bytes).
 *               0 (streaming): each payload byte is hashed and decoded as
 *               it arrives, and the frame's hash compared at its end, so
 *               bytes reach flash before their frame is checked.  Only for
 *               installs where nothing runs before fwpk_finish() returns
 *               FWPK_OK: a staging slot, or an in-place install by a
 *               bootloader that boots only a confirmed image and can fetch
 *               the container again.  Resume records are still offered
 *               only at checked frame boundaries.
 * FWPK_RING_BITS  log2 of the codec's RAM ring.  When a container's window
 *               is larger, history older than the ring is read back from
 *               flash (fwpk_flash.mapped, else .read): the window costs no
 *               RAM, at some time per byte.  Default FWPK_WINDOW_BITS: the
 *               whole window in RAM, for flash that is slow to read (SPI).
 * FWPK_WBUF_SIZE  the writer's staging buffer: a multiple of the largest
 *               write unit this device uses (a container asking for more
 *               fails with FWPK_ERR_LIMIT).
 * FWPK_MANIFEST_BUF  the least manifest buffer (default 512; the SPEC's
 *               one-target example is 163 bytes).  It shares RAM with the
 *               frames' state (fwpk_mem), idle while the manifest is read,
 *               and grows to that state's size where that is larger:
 *               FWPK_MANIFEST_ROOM is the largest manifest the build
 *               takes; a larger one fails with FWPK_ERR_LIMIT before
 *               anything is erased. */
#ifndef FWPK_FRAME_BUFFER
#define FWPK_FRAME_BUFFER 1
#endif
#ifndef FWPK_RING_BITS
#define FWPK_RING_BITS FWPK_WINDOW_BITS
#endif
#define FWPK_RING_SIZE (1UL << FWPK_RING_BITS)
#ifndef FWPK_MANIFEST_BUF
#define FWPK_MANIFEST_BUF 512
#endif
#ifndef FWPK_WBUF_SIZE
#define FWPK_WBUF_SIZE FWPK_WRITE_UNIT_MAX
#endif
/* FWPK_SEGMENTS  segments of the own target the context keeps, 1 ..
 *               FWPK_MAX_SEGMENTS (the default, 32: 256 bytes).  Every
 *               target's segments are still checked as they are read; a
 *               container whose own target has more fails with
 *               FWPK_ERR_LIMIT before anything is erased. */
#ifndef FWPK_SEGMENTS
#define FWPK_SEGMENTS FWPK_MAX_SEGMENTS
#endif
/* FWPK_TARGETS  targets a container may have for this build, 1 ..
 *               FWPK_MAX_TARGETS (the default, 8): the context keeps 12
 *               bytes per target to walk its frames.  A container with
 *               more is still read and its signatures checked, then
 *               refused with FWPK_ERR_LIMIT before anything is erased.
 *               1: the other targets' anchors are not checked either
 *               (none is ever walked): 96 bytes less (fwpk_folds). */
#ifndef FWPK_TARGETS
#define FWPK_TARGETS FWPK_MAX_TARGETS
#endif

/* Compile-time features; a bootloader short of flash may drop some.  The
 * defaults build everything.
 *
 * FWPK_RESUME   1: resume records are offered and accepted (below).  0: no
 *               checkpoint is ever offered, fwpk_resume_begin() returns
 *               FWPK_ERR_ARG and fwpk_resume_skip() the current offset; the
 *               code that rebuilds a run from flash, and the record the
 *               context keeps (ctx->snap), are left out.
 * FWPK_FILTERS  bit mask of the inverse branch filters compiled in, bit
 *               FWPK_FILTER_THUMB and/or FWPK_FILTER_RV32 (FWPK_FILTER_NONE
 *               always works).  A container whose own target uses a filter
 *               left out fails with FWPK_ERR_LIMIT before anything is
 *               erased.  E.g. -DFWPK_FILTERS=2 (Thumb only) for Cortex-M.
 * FWPK_CODECS   bit mask of the codecs compiled in, bit FWPK_CODEC_DEFLATE
 *               and/or FWPK_CODEC_LZMA (FWPK_CODEC_NONE always works).
 *               Default: deflate only.  LZMA puts its probability table in
 *               the context (beside the inflate state, which it shares RAM
 *               with): 6.8 KB at FWPK_LZMA_LCLP_MAX 1.  A container whose
 *               own target uses a codec left out fails with FWPK_ERR_LIMIT
 *               before anything is erased.  E.g. -DFWPK_CODECS=6 for both.
 * FWPK_LZMA_LCLP_MAX  the largest lc + lp an LZMA container may use, 0..4
 *               (default 1, the packer's default lc 0 lp 1): the table is
 *               2 * (1846 + 0x300 << FWPK_LZMA_LCLP_MAX) bytes; more is
 *               refused with FWPK_ERR_LIMIT before anything is erased. */
#ifndef FWPK_RESUME
#define FWPK_RESUME 1
#endif
/* FWPK_DELTA    1: delta targets (format/SPEC.md 6.5) are applied against
 *               the installed image (fwpk_flash.base_addr); 0: the patch
 *               applier is left out and a delta target fails with
 *               FWPK_ERR_LIMIT before anything is erased. */
#ifndef FWPK_DELTA
#define FWPK_DELTA 1
#endif
#ifndef FWPK_FILTERS
#define FWPK_FILTERS (1 << FWPK_FILTER_THUMB | 1 << FWPK_FILTER_RV32)
#endif
#ifndef FWPK_CODECS
#define FWPK_CODECS (1 << FWPK_CODEC_DEFLATE)
#endif
#define FWPK_HAS_CODEC(c) ((FWPK_CODECS >> (c) & 1) != 0)
#ifndef FWPK_LZMA_LCLP_MAX
#define FWPK_LZMA_LCLP_MAX 1
#endif

typedef enum {
    FWPK_OK = 0,
    FWPK_ERR_ARG,          /* NULL pointer or bad policy from the caller */
    FWPK_ERR_STATE,        /* call after failure or after finish */
    FWPK_ERR_MAGIC,        /* not an fwpack container */
    FWPK_ERR_VERSION,      /* unsupported format version */
    FWPK_ERR_HEADER,       /* header field out of range */
    FWPK_ERR_INFO,         /* info string malformed */
    FWPK_ERR_MANIFEST,     /* manifest malformed or out of range */
    FWPK_ERR_LIMIT,        /* frame size, window or codec beyond this
                              build's limits */
    FWPK_ERR_NO_TARGET,    /* no target with the policy's name */
    FWPK_ERR_WRONG_MCU,    /* target is for another MCU */
    FWPK_ERR_POLICY,       /* segment outside the allowed window or flash */
    FWPK_ERR_ROLLBACK,     /* security counter below the minimum */
    FWPK_ERR_UNSIGNED,     /* no signature block entries */
    FWPK_ERR_SIGNATURE,    /* not enough valid signatures from trusted keys */
    FWPK_ERR_REVOKED,      /* the only valid signatures are by revoked keys */
    FWPK_ERR_FRAME,        /* frame length out of range, the chain ends
                              early or late, or a target's frame lengths do
                              not add up to its payload size */
    FWPK_ERR_FRAME_HASH,   /* frame does not match the hash chain */
    FWPK_ERR_INFLATE,      /* compressed data invalid */
    FWPK_ERR_SIZE,         /* decompressed size differs from the manifest */
    FWPK_ERR_DIGEST,       /* decompressed image digest mismatch */
    FWPK_ERR_TRUNCATED,    /* finish() before the container ended */
    FWPK_ERR_TRAILING,     /* bytes after the end of the container */
    FWPK_ERR_FLASH,        /* an erase/write/read callback failed */
    FWPK_ERR_RESUME,       /* resume record torn, stale (flash no longer
                              holds what it says) or not for this
                              container: start over with fwpk_begin */
    FWPK_ERR_SIG_COUNT,    /* more signature entries than FWPK_MAX_SIGNATURES */
    FWPK_ERR_BASE,         /* delta: the installed image is not the base
                              the patch was made against */
    FWPK_ERR_PATCH,        /* delta: the patch instructions are invalid */
    FWPK_ERR_COUNT
} fwpk_err;

/* One line per error, for logs.  FWPK_STRINGS 0 leaves the messages out
 * (about 1 KB of flash, and on AVR of RAM too, where constant strings are
 * copied to RAM): every code then reads "fwpk error", and the caller
 * reports the number. */
#ifndef FWPK_STRINGS
#define FWPK_STRINGS 1
#endif
const char *fwpk_strerror(fwpk_err err);

/* ---- hashing and signatures (exported for tests and callers) ---- */

typedef struct {
    uint64_t h[8];
    uint64_t len; /* bytes hashed so far */
    union {
        uint8_t bytes[128];  /* input not yet hashed */
        uint64_t words[16];  /* while a block is hashed: its message
                                schedule, in place (not on the stack) */
    } buf;
} fwpk_sha512_ctx;

void fwpk_sha512_init(fwpk_sha512_ctx *c);
void fwpk_sha512_update(fwpk_sha512_ctx *c, const uint8_t *msg, size_t len);
void fwpk_sha512_final(fwpk_sha512_ctx *c, uint8_t out[64]);
void fwpk_sha512(uint8_t out[64], const uint8_t *msg, size_t len);

/* 0 = valid, -1 = invalid; accepts exactly what libsodium 1.0.18 accepts. */
int fwpk_ed25519_verify(const uint8_t sig[64], const uint8_t pk[32],
                        const uint8_t *msg, size_t len);
/* FWPK_ED25519_UNROLL  1 (default): speed on 32-bit cores: the field
 * multiplication's rows written out, exponentiations by addition chains.
 * 0: size, for parts where flash is scarcer than time: loops, the
 * exponentiations bit by bit (about 500 more multiplications a verify),
 * and both scalars in width-2 NAF: no multiples of A to compute, only B
 * itself in flash (about 70 more point additions), and the digits read
 * from the scalars as they are needed instead of stored (the workspace,
 * below, is 384 bytes instead of 992). */
#ifndef FWPK_ED25519_UNROLL
#define FWPK_ED25519_UNROLL 1
#endif
/* FWPK_ED25519_LIMB_BITS  32 (default): the field in eight 32-bit limbs,
 * for 32-bit cores.  8: in 32 bytes, multiplied 8 x 8 bits at a time, for
 * 8-bit parts (AVR: a hardware multiply of that size, and C's 32 x 32-bit
 * products are library calls there): smaller and faster there.  The byte
 * multiplication's rows are always loops; for size on AVR pair it with
 * FWPK_ED25519_UNROLL 0 (mk/cross.mk's atmega328p: 3.2 KB of Ed25519,
 * about 112 M cycles a verify). */
#ifndef FWPK_ED25519_LIMB_BITS
#define FWPK_ED25519_LIMB_BITS 32
#endif
/* FWPK_SHA512_SMALL  0 (default): SHA-512 on 64-bit words, for speed on
 * 32-bit cores.  1: on 8-bit bytes, in loops of small functions, for
 * parts where flash is scarcer than time (AVR: 1.7 KB instead of 4.9 KB,
 * 2.4 times the cycles); same digests, same API.  Little-endian targets
 * only (it reads uint64_t as bytes). */
#ifndef FWPK_SHA512_SMALL
#define FWPK_SHA512_SMALL 0
#endif
/* The same with its temporaries in 'ws': FWPK_ED25519_WORKSPACE bytes,
 * aligned for uint64_t, that the caller does not need meanwhile (the
 * streaming verifier lends its idle buffers).  Every field element the
 * verification keeps is there; the stack holds one 512-bit product and
 * a few locals (AVR: 183 bytes below the call, painted in simavr;
 * fwpk_ed25519_verify puts the workspace on the stack as well).  The
 * size depends on FWPK_ED25519_UNROLL alone (a field element is 32 bytes
 * in either radix): 992 bytes with the width-4 table of -A's multiples
 * and both scalars' digits, 384 with width 2. */
#if FWPK_ED25519_UNROLL
#define FWPK_ED25519_WORKSPACE 992
#else
#define FWPK_ED25519_WORKSPACE 384
#endif
int fwpk_ed25519_verify_ws(const uint8_t sig[64], const uint8_t pk[32],
                           const uint8_t *msg, size_t len, void *ws);

/* ---- raw inflate (RFC 1951), one frame of whole blocks at a time ----
 * The v1 interface, over the resumable decoder (verifier/src/inflate.h),
 * kept for the tests and benchmarks that decode frames on their own. */

/* Receives decompressed bytes in order; returns FWPK_OK or an error. */
typedef fwpk_err (*fwpk_sink)(void *arg, const uint8_t *data, size_t len);

typedef struct {
    uint8_t *win;    /* caller's window, 'size' bytes */
    uint32_t size;   /* power of two */
    uint32_t pos;    /* next write index, mod size */
    uint32_t total;  /* bytes produced so far */
    uint8_t final;   /* the final block has been decoded */
} fwpk_inflate_state;

void fwpk_inflate_frame_init(fwpk_inflate_state *s, uint8_t *win,
                             uint32_t size);
/* Decodes 'len' bytes holding whole deflate blocks (SPEC.md: frames end at
 * block boundaries).  Returns FWPK_ERR_INFLATE for bad data, a block cut
 * off by the end of input, a distance beyond the output so far or the
 * window, data after the final block or nonzero padding bits after it;
 * or the sink's error. */
fwpk_err fwpk_inflate_frame(fwpk_inflate_state *s, const uint8_t *in,
                            size_t len, fwpk_sink sink, void *arg);

/* ---- inverse branch filter state (SPEC.md 6.3), O(1) ---- */

typedef struct {
    uint32_t addr;    /* load address of held[0] */
    uint32_t left;    /* bytes of the segment not yet released */
    uint8_t held[4];  /* bytes waiting for a decision */
    uint8_t count;
    uint8_t filter;   /* FWPK_FILTER_* of the segment */
} fwpk_unfilter;

/* ---- what the bootloader provides ---- */

typedef struct {
    uint8_t id[FWPK_KEY_ID_LEN]; /* first 8 bytes of SHA-512(pk) */
    uint8_t pk[32];
    uint8_t revoked;             /* nonzero: never accepted */
    uint8_t generation;          /* refused below policy min_generation */
} fwpk_key;

#define FWPK_MAX_KEYS 32 /* keyring size limit */

typedef struct {
    const fwpk_key *keys;
    uint32_t key_count;            /* 1 ..= FWPK_MAX_KEYS */
    uint32_t min_signatures;       /* valid signatures required; 0 means 1 */
    uint32_t min_generation;       /* keys of a lower generation are refused */
    const char *target;            /* this device's target name */
    const char *mcu;               /* required MCU id, or NULL for any */
    uint32_t window_lo, window_hi; /* writes allowed in [lo, hi); hi 0
                                      means up to the end, 2^32 */
    uint32_t min_security_counter;
    /* optional (NULL: not wanted): receives the manifest's version as a C
     * string, cut to version_size - 1 bytes, as the manifest is read; the
     * signed one once fwpk_finish() returned FWPK_OK.  The context keeps
     * no copy of it. */
    char *version;
    uint32_t version_size;
} fwpk_policy;

/* ---- resuming an interrupted update (power loss, broken download) ----
 *
 * While it installs, the verifier offers a record at points where
 * everything before is complete in flash and everything after is not yet
 * erased: each time a write ends on an erase block boundary.  The
 * bootloader may persist any of them (see docs/porting.md).  After a
 * restart, fwpk_resume_begin() with the last persisted record and the
 * container fed again from offset 0: the verifier re-checks the signature,
 * rebuilds its state from the flash (through the read callback), and
 * continues with the frame the record names.  fwpk_resume_skip() lets the
 * caller jump over the frames already installed instead of feeding them. */
#define FWPK_RESUME_MAGIC 0x53525746u /* "FWRS" */

typedef struct {
    uint32_t magic;
    uint8_t container[FWPK_HASH_LEN]; /* first 32 bytes of signed digest */
    uint32_t target_index;
    uint32_t frame_index;   /* the own target's frame to continue with */
    uint32_t frame_offset;  /* its offset in the container */
    uint8_t frame_hash[FWPK_HASH_LEN];
    uint32_t payload_seen;  /* own payload bytes before that frame */
    uint32_t decoded;       /* decoded bytes before that frame */
    uint32_t flushed;       /* image bytes complete in flash */
    uint32_t filter_seg;
    fwpk_unfilter unfilter; /* inverse filter state at the frame's start */
    uint8_t check[8];       /* SHA-512 of the fields above: torn records */
} fwpk_resume;

typedef struct {
    fwpk_err (*erase)(void *user, uint32_t addr, uint32_t len);
    fwpk_err (*write)(void *user, uint32_t addr, const uint8_t *data,
                      uint32_t len);
    fwpk_err (*read)(void *user, uint32_t addr, uint8_t *buf,
                     uint32_t len); /* needed only to resume */
    void *user;
    /* optional: offered a resume record; an error aborts the update */
    fwpk_err (*checkpoint)(void *user, const fwpk_resume *rec);
    /* optional: flash readable as memory, the byte at address a being
     * mapped[a - mapped_base]; then 'read' is not called (the window in
     * flash reads back often, see FWPK_RING_BITS) */
    const uint8_t *mapped;
    uint32_t mapped_base;
    /* delta updates: the installed image (the base) is read from here,
     * through mapped or read; it must not lie in an erase block that the
     * update writes (FWPK_ERR_POLICY) */
    uint32_t base_addr;
} fwpk_flash;

/* ---- what the verifier learned from the manifest ---- */

typedef struct {
    uint32_t addr, len;
} fwpk_segment;

/* Where a string lies in the manifest bytes parsed: cbor[at .. at + len),
 * UTF-8 without NUL, not terminated.  The verifier keeps no copy: it
 * compares the name and MCU with the policy while the manifest is at
 * hand (and copies the version out for a policy that asks); a host tool
 * reads them from the bytes it parsed, a device from the container
 * (FWPK_HEADER_LEN + info length + at). */
typedef struct {
    uint16_t at; /* the manifest is at most 4 KiB */
    uint8_t len;
} fwpk_text;

/* Copies text t of the manifest bytes 'cbor' to dst as a C string, cut to
 * size - 1 bytes (size 0: nothing). */
void fwpk_text_copy(char *dst, size_t size, const uint8_t *cbor,
                    const fwpk_text *t);

typedef struct {
    fwpk_text name, mcu;
    uint32_t flash_base, flash_size, erase_block, write_unit;
    uint32_t image_size, codec, window_bits, frame_size, frame_count;
    uint32_t payload_size, filter;
    uint32_t lzma_props; /* codec LZMA: (pb * 5 + lp) * 9 + lc; else 0 */
    uint32_t segment_count; /* may pass FWPK_SEGMENTS (then refused) */
    /* after the first 64 bytes, which AVR reaches most cheaply */
    uint8_t image_digest[FWPK_HASH_LEN];
    uint8_t anchor[FWPK_HASH_LEN];
    /* every build keeps these two: base_size tells a delta target (which
     * a FWPK_DELTA 0 build refuses), and patch_size is checked against
     * the payload like image_size (SPEC.md 6.5), by every build alike */
    uint32_t base_size;  /* delta: the base image's size; else 0 */
    uint32_t patch_size; /* delta: the patch's size (codec output) */
#if FWPK_DELTA
    uint8_t base_digest[FWPK_HASH_LEN]; /* delta: the base's hash */
#endif
    /* last: the manifest reader's table reaches the fields above in a
     * byte (manifest.c) */
    fwpk_segment segments[FWPK_SEGMENTS]; /* the first FWPK_SEGMENTS */
} fwpk_target;

/* What the stream needs to walk a target's frames, for every target. */
typedef struct {
    uint32_t frame_count;
    uint32_t payload_size;
    uint16_t frame_size;  /* at most FWPK_FRAME_SIZE_MAX */
    /* where the target's anchor lies in the manifest bytes parsed: the
     * verifier folds the other targets' anchors from there (frame.h)
     * instead of keeping them */
    uint16_t anchor_at;
} fwpk_walk;

typedef struct {
    uint32_t security_counter;
    uint32_t target_count;
    uint32_t own_index;           /* index of this device's target */
    uint32_t build_time;
    fwpk_text version;            /* in the manifest bytes (fwpk_text) */
    fwpk_target own;              /* this device's target */
    fwpk_walk walk[FWPK_TARGETS]; /* the first FWPK_TARGETS targets */
} fwpk_manifest;

/* Parses a manifest (RFC 8949 subset, SPEC.md section 4), selecting the
 * target named 'target'.  Exported for the host tools and the fuzzer. */
fwpk_err fwpk_manifest_parse(fwpk_manifest *m, const uint8_t *cbor,
                             size_t len, const char *target);

/* ---- the streaming verifier ----
 *
 * A pipeline of stages (verifier/src): prefix.c (header .. signatures and
 * policy) -> frame.c (frames, hash chain) -> codec (inflate.c) -> patch.c
 * (delta targets only) -> filter.c (inverse branch filter) -> writer.c
 * (staging, erase, image digest), run
 * by stream.c.  Each stage's state is below; the caller allocates it all
 * as part of fwpk_ctx, and must not move a context between calls. */

/* window.c: a codec's output ring and history (window.h). */
/* Reads 'len' decoded bytes from stream offset 'offset' (older than the
 * ring) into buf. */
typedef fwpk_err (*fwpk_far_read)(void *arg, uint32_t offset, uint8_t *buf,
                                  uint32_t len);

typedef struct {
    uint8_t *ring;      /* caller's RAM, a power of two in size */
    uint32_t mask;      /* ring size - 1 */
    uint32_t dict;      /* dictionary size: larger distances are invalid */
    uint32_t total;     /* bytes produced so far */
    uint32_t drained;   /* bytes handed to the next stage so far */
    uint32_t reserve;   /* drained bytes that must stay in the ring */
    fwpk_far_read far;  /* NULL: the ring is the whole dictionary */
    void *far_arg;
} fwpk_window;

/* inflate.c: the resumable deflate decoder (inflate.h). */
/* Size option for 8-bit parts: FWPK_INFLATE_SMALL 1 builds the decoder of
 * inflate_small.c instead, which reads the stream a bit at a time (no
 * 32-bit bit buffer: every value fits 16 bits), keeps the code lengths 4
 * bits each and finds each symbol by counting along them (no symbol lists,
 * no tables; FWPK_INFLATE_FAST_BITS does not apply).  On the ATmega328P:
 * 2.7 KB of code instead of 4.8 KB and a 253-byte state instead of 765,
 * for 3.2 to 3.7 times the time per output byte (docs/porting.md 3).
 * It changes fwpk_inflate (in fwpk_ctx): the same in every file.
 * Default 0: the fast decoder. */
#ifndef FWPK_INFLATE_SMALL
#define FWPK_INFLATE_SMALL 0
#endif

/* Speed option: the literal/length code gets a first-level table of
 * 2^FWPK_INFLATE_FAST_BITS entries (2 bytes each), and the distance code
 * one of 2^5, so that codes of at most that many bits are looked up at
 * once; longer ones, and all codes when it is 0, are decoded a bit at a
 * time.  The tables share their RAM with the code lengths of a dynamic
 * header (316 bytes), so up to 7 bits cost no RAM (768 bytes in all); 8
 * costs 256 more for some 4% less time on Cortex-M0; 0 saves 340 bytes of
 * Cortex-M0 code and takes twice the time.  (The code-length code then
 * has a table too, where the literal/length symbols go later.) */
#ifndef FWPK_INFLATE_FAST_BITS
#define FWPK_INFLATE_FAST_BITS 7
#endif
#define FWPK_INFLATE_DIST_FAST_BITS (FWPK_INFLATE_FAST_BITS ? 5 : 0)
#define FWPK_INFLATE_CODELEN_BITS 7 /* longest code-length code */

#define FWPK_INFLATE_MAX_BITS 15    /* longest Huffman code */
#define FWPK_INFLATE_LITLEN 288     /* literal/length symbols (fixed code) */
#define FWPK_INFLATE_DIST 32        /* distance symbols (fixed code) */
#define FWPK_INFLATE_LENS (286 + 30) /* code lengths a header may send */
#define FWPK_INFLATE_ROOTS ((1 << FWPK_INFLATE_FAST_BITS) + \
                            (1 << FWPK_INFLATE_DIST_FAST_BITS))

#if FWPK_INFLATE_SMALL
/* Code lengths a block may need at once: literal/length and distance
 * (the fixed code's 288 + 32), and after them the code-length code's 19
 * while a header is read. */
#define FWPK_INFLATE_NIBBLES (FWPK_INFLATE_LITLEN + FWPK_INFLATE_DIST + 19)

typedef struct {
    uint8_t lens[(FWPK_INFLATE_NIBBLES + 1) / 2]; /* code lengths, two to a
                                     byte, the lower symbol low: literal/
                                     length from 0, distance from 'hlit',
                                     the code-length code's from 320 */
    uint16_t count[2][FWPK_INFLATE_MAX_BITS + 1]; /* codes of each length:
                                     literal/length, then distance (the
                                     code-length code's while a header is
                                     read) */
    uint16_t acc;        /* a field's bits so far, or a code's: the code so
                            far less the first code of its length */
    uint16_t len;        /* match length, or stored bytes, still to come */
    uint16_t dist;       /* the match's distance; the repeat code read */
    uint16_t have;       /* code lengths read so far */
    uint16_t hlit;       /* literal/length code lengths the header sends */
    uint8_t hdist;       /* distance code lengths it sends */
    uint8_t hclen;       /* code-length code lengths it sends */
    uint8_t nacc;        /* how many bits 'acc' holds */
    uint8_t bits;        /* the input byte being read, its used bits
                            shifted out */
    uint8_t nbits;       /* how many bits 'bits' still holds */
    uint8_t width;       /* bits of the field the mode reads: a header's
                            part, or a length's, distance's or repeat's
                            extra bits */
    uint8_t mode;        /* where decoding stands (inflate_small.c) */
    uint8_t last;        /* the current block is the final one */
    uint8_t err;         /* the error that stopped decoding, or FWPK_OK */
} fwpk_inflate;
#else
/* A canonical code (RFC 1951 3.2.2): how many codes each length has; the
 * symbols themselves are listed by code in a separate array of bytes, the
 * symbols from 256 up (lengths and end of block) stored less 256: they
 * come last among the codes of each length, 'high' of them.  Codes longer
 * than the first-level table are walked from the table's length on. */
typedef struct {
    uint16_t count[FWPK_INFLATE_MAX_BITS + 1];
    uint8_t high[FWPK_INFLATE_MAX_BITS + 1];
    uint16_t long_first; /* first code longer than the table, and */
    uint16_t long_index; /* ... its place in the symbol list */
    uint8_t root_bits;   /* the table's size: 2^root_bits (0: none) */
} fwpk_huff;

typedef struct {
    fwpk_huff lit_code, dist_code;        /* the current block's codes; the
                                             code-length code borrows
                                             dist_code */
    union {
        uint8_t lit[FWPK_INFLATE_LITLEN]; /* literal/length symbols in code
                                             order */
        uint16_t codelen_root[1 << FWPK_INFLATE_CODELEN_BITS]; /* the
                                   code-length code's table, while a
                                   header's code lengths are read */
    } sym;
    uint8_t dist_sym[FWPK_INFLATE_DIST];
    union {
        uint8_t lens[FWPK_INFLATE_LENS];   /* while a header is read */
        uint16_t root[FWPK_INFLATE_ROOTS]; /* while a block is decoded:
                                              literal/length, distance */
    } u;
    uint32_t bits;       /* input bits not yet used, the next one lowest */
    uint16_t len;        /* match length, or stored bytes, still to come */
    uint16_t dist;       /* the match's distance */
    uint16_t have;       /* code lengths read so far */
    uint16_t hlit;       /* literal/length code lengths the header sends */
    uint8_t hdist;       /* distance code lengths it sends */
    uint8_t hclen;       /* code-length code lengths it sends */
    uint8_t nbits;       /* how many bits 'bits' holds */
    uint8_t extra;       /* extra bits the length or distance still needs */
    uint8_t mode;        /* where decoding stands (inflate.c) */
    uint8_t last;        /* the current block is the final one */
    uint8_t err;         /* the error that stopped decoding, or FWPK_OK */
} fwpk_inflate;
#endif

/* lzmadec.c: a raw LZMA1 decoder (lzmadec.h). */

/* The most input bytes one symbol (with the range decoder's
 * normalisation after its last bit) can take: the longest symbol is a
 * match with 22 modelled bits (each shrinks the range by at most 2048/31)
 * and 26 direct bits (by 2 each): 22 * 6.05 + 26 = 159 bits of range, so
 * (159 + 8) / 8 = 20 bytes from a normalised range. */
#define FWPK_LZMA_LOOKAHEAD 20

/* 1846 probabilities for the match, length and distance models, and 0x300
 * per literal coder. */
#define FWPK_LZMA_PROBS (1846u + (0x300u << FWPK_LZMA_LCLP_MAX))

typedef char fwpk_lzma_lclp_max_must_be_0_to_4
    [FWPK_LZMA_LCLP_MAX >= 0 && FWPK_LZMA_LCLP_MAX <= FWPK_LZMA_LCLP_LIMIT
         ? 1
         : -1];

typedef struct {
    uint16_t probs[FWPK_LZMA_PROBS];
    uint32_t range, code; /* range decoder; range 0: not started */
    uint32_t rep[4];      /* the last four match distances, minus one */
    uint32_t pos;         /* bytes decoded so far */
    uint32_t out_size;    /* bytes the stream decodes to */
    uint32_t dict_size;   /* larger distances are invalid */
    uint16_t len;         /* bytes of the current match not yet copied */
    uint8_t state;        /* 0..11: what the last symbols were */
    uint8_t lc, lp_mask, pb_mask;
    uint8_t err;          /* sticky: the first error (fwpk_err) */
    uint8_t in_len;
    uint8_t in[FWPK_LZMA_LOOKAHEAD]; /* input kept for the next symbol */
} fwpk_lzma;

/* fold.c: the other targets' first frames against their anchors, which
 * the context does not keep (fold.h): what the anchors before and after
 * the own target fold to, and what the first frames walked so far fold
 * to.  A build for one target (FWPK_TARGETS 1) never walks another
 * target's frames (a container with more is refused before them), so it
 * keeps nothing: 96 bytes less. */
#if FWPK_TARGETS > 1
typedef struct {
    uint8_t before[FWPK_HASH_LEN], after[FWPK_HASH_LEN];
    uint8_t fold[FWPK_HASH_LEN];
} fwpk_folds;
#else
typedef struct {
    uint8_t none; /* C has no empty struct */
} fwpk_folds;
#endif

/* frame.c: where the walk over the frames section is. */
typedef struct {
    uint32_t target, index;  /* the frame being read */
    unsigned len;            /* its payload length, once known */
    unsigned have;           /* its bytes seen, header included (a frame
                                is at most 34 + 8192 bytes) */
    uint8_t head[FWPK_FRAME_HEADER_LEN]; /* length field and next link */
    uint8_t expect[FWPK_HASH_LEN];       /* the hash it must have */
    fwpk_folds folds;                    /* the other targets' anchors */
} fwpk_frames;

/* writer.c: image bytes to flash. */
typedef struct {
    const fwpk_target *t;
    const fwpk_flash *flash;
    fwpk_sha512_ctx hash;          /* the decompressed image */
    uint32_t seg_index, seg_done;  /* image output position */
    uint32_t image_out;            /* image bytes staged or skipped */
    uint32_t skip_until;           /* resumed: image bytes already in flash */
    uint32_t erased_last;          /* highest erase block erased so far */
    uint8_t erased_any;
    uint8_t boundary_hit;          /* a write ended an erase block ... */
    uint32_t boundary;             /* ... here (image offset) */
    uint32_t wbuf_addr, wbuf_len;  /* write staging: flash address, fill */
    uint32_t written;              /* bytes handed to write() */
    uint8_t wbuf[FWPK_WBUF_SIZE];
} fwpk_writer;

/* patch.c: the delta applier (SPEC.md 6.5) between codec and filter:
 * patch instructions in, the (filtered) image out, copied bytes read from
 * the base in pieces of FWPK_PATCH_CHUNK. */
#define FWPK_PATCH_CHUNK 16

typedef struct {
    const fwpk_target *t;
    const fwpk_flash *flash;
    uint32_t in;         /* patch bytes taken so far */
    uint32_t out;        /* image bytes made so far */
    uint32_t src;        /* base offset of the next base byte to read */
    uint32_t copy;       /* bytes of the current copy still to make */
    uint32_t insert;     /* bytes of the current insert still to pass */
    uint32_t arg;        /* the varint being read */
    uint8_t shift;       /* its bits so far */
    uint8_t field;       /* what is being read (patch.c) */
    uint8_t have, used;  /* filtered base bytes in fb, and taken of them */
    fwpk_unfilter bf;    /* forward filter over the copy's base bytes */
    uint8_t fb[FWPK_PATCH_CHUNK + 4];
} fwpk_patch;

/* The codec's memory: the own target's decoder and its output ring (win).
 * One target, one codec: the decoders share their RAM. */
typedef struct {
    union {
        fwpk_inflate inflate;
#if FWPK_HAS_CODEC(FWPK_CODEC_LZMA)
        fwpk_lzma lzma;
#endif
    } dec;
    uint8_t ring[FWPK_RING_SIZE];
} fwpk_codec_mem;

/* What only the frames need: the stages after the framing, and in the
 * buffered mode the frame.  Each stage is cleared or started when the
 * frames begin (stream.c), over what the prefix left. */
typedef struct {
    fwpk_window win;
    fwpk_unfilter unfilter;
#if FWPK_DELTA
    fwpk_patch patch;
#endif
    fwpk_writer writer;
    fwpk_codec_mem codec;
#if FWPK_FRAME_BUFFER
    uint8_t frame[FWPK_FRAME_HEADER_LEN + FWPK_MAX_FRAME_SIZE];
#endif
} fwpk_stream_mem;

/* What only the signed prefix needs: the manifest's bytes until they are
 * parsed, in FWPK_MANIFEST_BUF bytes or more where the frames' state is
 * larger anyway (it costs nothing then); from the manifest's end the
 * signed digest, and Ed25519's workspace while each signature is checked
 * (the entry is copied out of buf first). */
typedef struct {
    uint8_t digest[FWPK_SIGNED_DIGEST_LEN];
    union {
        /* the current stage's bytes: header, manifest, count, entry */
        uint8_t bytes[sizeof(fwpk_stream_mem) >
                                 FWPK_SIGNED_DIGEST_LEN + FWPK_MANIFEST_BUF
                             ? sizeof(fwpk_stream_mem) -
                                   FWPK_SIGNED_DIGEST_LEN
                             : FWPK_MANIFEST_BUF];
        uint64_t ed25519[(FWPK_ED25519_WORKSPACE + 7) / 8];
    } buf;
} fwpk_prefix_mem;

/* The two phases never overlap in time, so they share their RAM: the
 * larger sets the context's size.  What lives through both (the parsed
 * manifest, the hash, the frames' walk and folds, the resume record) is
 * in fwpk_ctx itself. */
typedef union {
    fwpk_prefix_mem prefix;
    fwpk_stream_mem stream;
} fwpk_mem;

typedef struct {
    const fwpk_policy *policy; /* the caller's (fwpk_begin) */
    const fwpk_flash *flash;
    fwpk_err err;          /* sticky: the first error, or FWPK_OK */
    uint8_t stage;         /* prefix.h: enum fwpk_stage */
    uint8_t resuming;      /* resume.h: enum fwpk_resuming */
    uint8_t wrong_mcu;     /* the own target's MCU is not policy.mcu */
    uint32_t need;         /* bytes the current prefix stage wants in all */
    uint32_t have;         /* bytes of it seen so far */
    uint32_t offset;       /* container bytes consumed */
    unsigned info_len, manifest_len;  /* at most 1 KiB and 4 KiB */
    unsigned sig_count, sig_index;    /* at most 255 */
    unsigned sig_valid, sig_retired;  /* at most FWPK_MAX_KEYS */
    uint32_t keys_used;    /* bit k: keyring key k already counted */
    uint32_t payload_seen; /* the current target's frame payload bytes so
                              far (every target's must add up, SPEC.md 6) */
    uint32_t decoded;      /* bytes out of the codec so far */
    unsigned filter_seg;   /* next segment for the inverse filter */
#if FWPK_RESUME
    fwpk_resume snap;      /* own frame's start; or the record */
#endif
    fwpk_sha512_ctx hash;  /* the signed prefix, then each frame, and
                              resume records between frames */
    fwpk_frames frames;
    fwpk_manifest manifest;
    fwpk_mem mem;
} fwpk_ctx;

/* The largest manifest this build takes (larger: FWPK_ERR_LIMIT, before
 * anything is erased). */
#define FWPK_MANIFEST_ROOM sizeof(((fwpk_ctx *)0)->mem.prefix.buf.bytes)

/* The context keeps pointers to 'policy' and 'flash' (and what they point
 * to: keys, target and MCU names), not copies: they must stay valid and
 * unchanged until fwpk_finish() (or the run's last call). */
fwpk_err fwpk_begin(fwpk_ctx *ctx, const fwpk_policy *policy,
                    const fwpk_flash *flash);
fwpk_err fwpk_feed(fwpk_ctx *ctx, const uint8_t *data, size_t len);
fwpk_err fwpk_finish(fwpk_ctx *ctx);

/* Like fwpk_begin, continuing the update that 'rec' was offered for.
 * A record that is torn or belongs to another container makes the run
 * fail with FWPK_ERR_RESUME once the signature block has been checked; a
 * stale one (flash no longer holds the image bytes it covers) as soon as
 * that shows: where the record's frame decodes over them, or at the
 * latest at the image digest, after the last frame. */
fwpk_err fwpk_resume_begin(fwpk_ctx *ctx, const fwpk_policy *policy,
                           const fwpk_flash *flash, const fwpk_resume *rec);
/* In a resumed run, after the signature block: skips the frames already
 * installed.  Returns the container offset of the next byte to feed. */
uint32_t fwpk_resume_skip(fwpk_ctx *ctx);

#endif
