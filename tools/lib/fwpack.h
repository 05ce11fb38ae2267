/*
 * fwpack.h - libfwpack, the host library behind the fwpack CLI.
 *
 * Every function that can fail takes a fwp_err and returns 0 on success or
 * -1 with a one-line message in err->msg that names the file and the line or
 * offset ("app.hex:12: bad checksum").  The CLI prints that line verbatim.
 */
#ifndef FWPACK_H
#define FWPACK_H

#include <stddef.h>
#include <stdint.h>

#include "fwpk_format.h"

#define FWPACK_VERSION "0.1.0"
#define FWP_MSG_MAX 512

typedef struct {
    char msg[FWP_MSG_MAX];
} fwp_err;

/* printf-style: fills err->msg, returns -1.  err may be NULL. */
int fwp_fail(fwp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- files: whole reads, atomic writes (temp file + rename) ---- */

int fwp_read_file(const char *path, uint8_t **data, size_t *len,
                  size_t max_len, fwp_err *err);
/* Writes to "<path>.tmp.<pid>", fsyncs, renames.  mode e.g. 0644 or 0600.
 * If !overwrite and path exists, fails.  Nothing is left behind on error. */
int fwp_write_file_atomic(const char *path, const uint8_t *data, size_t len,
                          unsigned mode, int overwrite, fwp_err *err);

/* ---- firmware images: sorted, non-overlapping segments ---- */

typedef struct {
    uint32_t addr;
    uint32_t len;
    uint8_t *data;
} fwp_seg;

typedef struct {
    fwp_seg *segs;
    size_t count;
} fwp_image;

void fwp_image_free(fwp_image *img);
/* Adds bytes at addr, merging with an adjacent segment; overlap is an
 * error naming 'where' (e.g. "app.hex:12").  Keeps segments sorted. */
int fwp_image_add(fwp_image *img, uint32_t addr, const uint8_t *data,
                  size_t len, const char *where, fwp_err *err);
/* Merges segments whose gap is < 16 bytes or that would share a write
 * unit, filling gaps with 0xFF (format/SPEC.md 4.2). */
int fwp_image_normalize(fwp_image *img, uint32_t write_unit, fwp_err *err);
uint32_t fwp_image_size(const fwp_image *img); /* sum of lengths */

/* Intel HEX, record types 00-05, checksums verified. */
int fwp_hex_parse(const char *name, const char *text, size_t len,
                  fwp_image *img, fwp_err *err);
int fwp_hex_load(const char *path, fwp_image *img, fwp_err *err);
int fwp_bin_load(const char *path, uint32_t addr, fwp_image *img,
                 fwp_err *err);
/* Serialise an image as Intel HEX text (malloc'd, NUL-terminated). */
int fwp_hex_format(const fwp_image *img, char **text, size_t *len,
                   fwp_err *err);

/* ---- MCU profiles (datasheet geometry) ---- */

typedef struct {
    const char *id;      /* e.g. "stm32g030k8" */
    const char *arch;    /* "cortex-m0plus", "cortex-m4", "rv32imc", "avr" */
    uint32_t flash_base;
    uint32_t flash_size;
    uint32_t erase_block;
    uint32_t write_unit;
    uint32_t ram_size;
    uint32_t window_bits; /* default deflate window for this RAM */
} fwp_mcu;

const fwp_mcu *fwp_mcu_find(const char *id);
const fwp_mcu *fwp_mcu_table(size_t *count);

/* ---- keys (keys/) ---- */

typedef struct {
    uint8_t sk[64]; /* libsodium layout: seed || pk */
    uint8_t pk[32];
} fwp_keypair;

void fwp_key_id(const uint8_t pk[32], uint8_t id[FWPK_KEY_ID_LEN]);
int fwp_key_generate(fwp_keypair *kp);
/* PKCS#8 PEM "PRIVATE KEY", as openssl genpkey -algorithm ed25519 writes. */
int fwp_key_load_private(const char *path, fwp_keypair *kp, fwp_err *err);
/* SubjectPublicKeyInfo PEM "PUBLIC KEY"; a private key file also works. */
int fwp_key_load_public(const char *path, uint8_t pk[32], fwp_err *err);
int fwp_key_save_private(const char *path, const fwp_keypair *kp, int force,
                         fwp_err *err); /* mode 0600 */
int fwp_key_save_public(const char *path, const uint8_t pk[32], int force,
                        fwp_err *err);
/* A C header with the key bytes and id, for a bootloader keyring. */
int fwp_key_save_c(const char *path, const uint8_t pk[32], int force,
                   fwp_err *err);

/* ---- version strings: MAJOR.MINOR.PATCH[-PRE][+BUILD] ---- */

typedef struct {
    uint32_t major, minor, patch, build;
    char pre[32];
} fwp_version;

int fwp_version_parse(const char *s, fwp_version *v, fwp_err *err);

/* ---- packing ---- */

typedef struct {
    const char *name;          /* target name */
    const char *mcu;           /* MCU id or "" */
    fwp_image image;           /* segments; normalized by fwp_pack */
    uint32_t flash_base, flash_size, erase_block, write_unit;
    uint32_t codec;            /* FWPK_CODEC_* */
    uint32_t window_bits;      /* 9..15 */
    uint32_t frame_size;       /* 256..8192 */
    int level;                 /* zlib level 0..9 */
} fwp_target_opts;

typedef struct {
    const char *product, *org, *description, *firmware, *version, *builder;
    uint32_t security_counter;
    uint64_t build_time;       /* Unix seconds */
    fwp_target_opts *targets;
    size_t target_count;
    const fwp_keypair *keys;   /* signers; key_count 0 = unsigned */
    size_t key_count;
} fwp_pack_opts;

/* Builds a whole container in memory (malloc'd). */
int fwp_pack(const fwp_pack_opts *opts, uint8_t **out, size_t *out_len,
             fwp_err *err);

/* ---- reading containers on the host (inspect, digest, attach-sig) ---- */

typedef struct {
    uint32_t info_len, manifest_len;
    const uint8_t *info;       /* points into the container */
    const uint8_t *manifest;
    size_t signed_len;         /* header + info + manifest */
    uint8_t signed_digest[64]; /* SHA-512 of the signed prefix */
    uint32_t sig_count;
    const uint8_t *sigs;       /* sig_count entries of 72 bytes */
    size_t frames_offset;      /* first frame */
} fwp_layout;

/* Splits a container into its parts, checking the header's limits. */
int fwp_layout_parse(const uint8_t *data, size_t len, const char *name,
                     fwp_layout *lay, fwp_err *err);

#endif
