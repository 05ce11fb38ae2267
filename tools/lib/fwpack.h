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
#include "fwpk_verify.h"

#define FWPACK_VERSION "0.1.0"
#define FWP_MSG_MAX 512

/* What kind of failure, so the CLI can pick its exit code. */
enum fwp_err_kind {
    FWP_E_INPUT = 0, /* bad input: a file's content */
    FWP_E_IO = 1,    /* a file could not be read or written */
    FWP_E_USAGE = 2, /* a bad value the caller chose (an option's) */
    FWP_E_STOPPED = 3 /* the caller's progress callback asked to stop */
};

typedef struct {
    char msg[FWP_MSG_MAX];
    int kind; /* enum fwp_err_kind, set by fwp_fail / fwp_fail_io */
} fwp_err;

/* printf-style: fills err->msg, returns -1.  err may be NULL. */
int fwp_fail(fwp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same, with kind FWP_E_IO (the message should include strerror). */
int fwp_fail_io(fwp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The same, with kind FWP_E_USAGE: the value came from the caller's
 * options (a version string, a frame size), not from a file. */
int fwp_fail_usage(fwp_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- growable byte/text buffer (always NUL-terminated after len) ---- */

typedef struct {
    char *data;
    size_t len, cap;
} fwp_buf;

void fwp_buf_free(fwp_buf *b);
int fwp_buf_put(fwp_buf *b, const void *data, size_t len); /* 0 or -1 */
int fwp_buf_printf(fwp_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends s as a quoted JSON string: quote, backslash and controls
 * escaped, a byte that is not UTF-8 as U+FFFD. */
int fwp_buf_json_str(fwp_buf *b, const char *s);
/* Appends lowercase hex of n bytes. */
int fwp_buf_hex(fwp_buf *b, const uint8_t *d, size_t n);

/* ---- text from outside: UTF-8, escaping, quoting (text.c) ---- */

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0:
 * no overlong forms, no surrogates, nothing above U+10FFFF (RFC 3629). */
size_t fwp_utf8_seq(const char *s, size_t n);
/* Bytes of s[0..n) that are well-formed UTF-8 from the start: n when all
 * are, else the offset of the first bad byte. */
size_t fwp_utf8_check(const char *s, size_t n);
/* Nonzero for the sequence s[0..len) a terminal acts on: C0 controls,
 * DEL, C1 controls. */
int fwp_utf8_control(const char *s, size_t len);

/* Nonzero when s holds only ASCII letters, digits and - _ . + (MCU ids in
 * profile files, target names that go into file names). */
int fwp_plain_chars(const char *s);

/* Quotes in messages show at most this many bytes of the value. */
#define FWP_QUOTE_MAX 60
#define FWP_QUOTE_BUF 288
/* Appends s for a terminal: UTF-8 text as it is, '\' as "\\", controls
 * and bytes that are not UTF-8 as \xNN; only the first max bytes (0: all),
 * then "... (N bytes)". */
int fwp_buf_escaped(fwp_buf *b, const char *s, size_t max);
/* s escaped as above, at most FWP_QUOTE_MAX bytes of it, into out; for
 * messages that quote a value and then say what is wrong with it. */
const char *fwp_quote(const char *s, char out[FWP_QUOTE_BUF]);

/* ---- files: whole reads, atomic writes (temp file + rename) ---- */

/* Every read is capped: 64 MiB unless fwp_set_read_limit says otherwise
 * (a firmware of 1.5 MiB, Notehub's limit, is a few MiB as HEX or ELF). */
#define FWP_READ_MAX (64u << 20)
void fwp_set_read_limit(size_t max_len); /* 0: no limit */
size_t fwp_read_limit(void);

/* path "-" is standard input, named FWP_STDIN_NAME in messages. */
#define FWP_STDIN_NAME "<stdin>"
/* The name messages use for path: FWP_STDIN_NAME for "-", else path. */
const char *fwp_file_name(const char *path);
/* Reads a whole regular file (or stdin for "-"); FIFOs, devices, sockets
 * and directories are refused (FWP_E_IO) without blocking.  max_len 0:
 * fwp_read_limit().  More than max_len bytes: an error (FWP_E_INPUT).
 * *data (malloc'd) gets a NUL after the last byte; no copy of the bytes
 * is left on the heap. */
int fwp_read_file(const char *path, uint8_t **data, size_t *len,
                  size_t max_len, fwp_err *err);
/* The same for a passphrase or PIN file: a pipe is accepted too, so that
 * '--passphrase-file <(pass show release)' works.  Free the bytes with
 * fwp_free_secret, which wipes them. */
int fwp_read_secret_file(const char *path, uint8_t **data, size_t *len,
                         size_t max_len, fwp_err *err);
void fwp_free_secret(uint8_t *data, size_t len);
/* Warns on stderr ("fwpack: warning: <what> <path> ...") when the regular
 * file path can be read or written by group or others, or belongs to
 * another user: for private keys, passphrase and PIN files. */
void fwp_warn_exposed(const char *path, const char *what);
/* Writes to "<path>.tmp.<10 random characters>" (created O_EXCL, mode e.g.
 * 0644 or 0600, umask applied), fsyncs, renames.  Only a regular file is
 * ever replaced: anything else at path (a device, FIFO, socket, directory,
 * symbolic link) is refused, with or without overwrite.  If !overwrite and
 * path exists, fails.  Errors name path; nothing is left behind. */
int fwp_write_file_atomic(const char *path, const uint8_t *data, size_t len,
                          unsigned mode, int overwrite, fwp_err *err);
/* What fwp_write_file_atomic checks first, for a caller that wants to
 * refuse before it does the work: nothing at path, or (with overwrite) a
 * regular file.  0, or -1 with err set (FWP_E_IO). */
int fwp_output_check(const char *path, int overwrite, fwp_err *err);

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
/* Segments and their bytes are owned by the image: build them with
 * fwp_image_add only (buffers are kept at power-of-two capacities so that
 * appending is amortised O(1)). */

void fwp_image_free(fwp_image *img);
/* Adds bytes at addr, merging with an adjacent segment; overlap is an
 * error naming 'where' (e.g. "app.hex:12").  Keeps segments sorted. */
int fwp_image_add(fwp_image *img, uint32_t addr, const uint8_t *data,
                  size_t len, const char *where, fwp_err *err);
/* Merges segments whose gap is < 16 bytes or that would share a write
 * unit, filling gaps with 0xFF (format/SPEC.md 4.2). */
int fwp_image_normalize(fwp_image *img, uint32_t write_unit, fwp_err *err);
uint32_t fwp_image_size(const fwp_image *img); /* sum of lengths */
/* The widest gap between two segments, [*from, *to) (set only when
 * there is one); 0 for none.  A stray record far from the rest shows as
 * one, and a raw binary fills it. */
uint64_t fwp_image_widest_gap(const fwp_image *img, uint64_t *from,
                              uint64_t *to);
/* Keeps only the bytes in [lo, hi) (srec_cat's -crop; hi up to 2^32). */
int fwp_image_crop(fwp_image *img, uint64_t lo, uint64_t hi, fwp_err *err);
/* Drops the bytes in [lo, hi) (srec_cat's -exclude). */
int fwp_image_exclude(fwp_image *img, uint64_t lo, uint64_t hi,
                      fwp_err *err);

/* Intel HEX, record types 00-05, checksums verified. */
/* A hex digit's value (either case), or -1 (hexdigits.c). */
int fwp_hex_value(char c);
/* Decodes n hex digits of a text record into n / 2 bytes; errors name
 * the file and line (hexdigits.c, shared by HEX and S-record). */
int fwp_hex_digits(const char *name, unsigned line, const char *s, size_t n,
                   uint8_t *out, fwp_err *err);
int fwp_hex_parse(const char *name, const char *text, size_t len,
                  fwp_image *img, fwp_err *err);
int fwp_hex_load(const char *path, fwp_image *img, fwp_err *err);
int fwp_bin_load(const char *path, uint32_t addr, fwp_image *img,
                 fwp_err *err);
/* Serialise an image as Intel HEX text (malloc'd, NUL-terminated). */
int fwp_hex_format(const fwp_image *img, char **text, size_t *len,
                   fwp_err *err);

/* Motorola S-records: S0 ignored, S1/S2/S3 data, S5/S6 counts checked,
 * S7/S8/S9 end the file (optional: srec_cat omits them without a start
 * address); checksums verified ("file:line: ..."). */
int fwp_srec_parse(const char *name, const char *text, size_t len,
                   fwp_image *img, fwp_err *err);
int fwp_srec_load(const char *path, fwp_image *img, fwp_err *err);
/* S-record text: S0 "fwpack", data records of 'addr_bytes' (2, 3 or 4;
 * 0 = the fewest that hold every address), S5/S6 count, and no S9/S8/S7
 * (the start address is not known).  malloc'd, NUL-terminated. */
int fwp_srec_format(const fwp_image *img, int addr_bytes, char **text,
                    size_t *len, fwp_err *err);

/* ELF32 little-endian: the file bytes (p_filesz, not the .bss tail of
 * p_memsz) of every PT_LOAD segment, at its physical address p_paddr (the
 * LMA).  Errors name the file and the offset ("app.elf: offset 0x34: ..."). */
int fwp_elf_parse(const char *name, const uint8_t *data, size_t len,
                  fwp_image *img, fwp_err *err);
int fwp_elf_load(const char *path, fwp_image *img, fwp_err *err);

/* ---- input and output file formats (input.c) ---- */

typedef enum {
    FWP_FMT_UNKNOWN = 0,
    FWP_FMT_HEX,  /* .hex .ihex .ihx */
    FWP_FMT_SREC, /* .srec .s19 .s28 .s37 .mot */
    FWP_FMT_ELF,  /* .elf .axf */
    FWP_FMT_BIN   /* .bin */
} fwp_format;

/* By the file name's extension (case-insensitive). */
fwp_format fwp_format_from_name(const char *path);
/* "Intel HEX", "S-record", "ELF", "raw binary", "unknown". */
const char *fwp_format_name(fwp_format f);
/* Any input file.  has_addr: a raw binary loaded at addr.  Otherwise ELF
 * when the file starts with the ELF magic, else by extension, else by the
 * first character (':' HEX, 'S' S-record). */
int fwp_input_load(const char *path, int has_addr, uint32_t addr,
                   fwp_image *img, fwp_err *err);

/* ---- MCU profiles (mcu.c: built in; mcu_file.c: profile files) ---- */

typedef struct {
    char id[FWPK_NAME_MAX + 1]; /* e.g. "stm32g030k8"; found ignoring case */
    char arch[24];       /* "cortex-m0plus", "cortex-m4", "rv32imc", "avr" */
    uint32_t flash_base;
    uint32_t flash_size;
    uint32_t erase_block;
    uint32_t write_unit;
    uint32_t ram_size;
    uint32_t window_bits; /* default deflate window for this RAM */
    uint32_t frame_size;  /* default frame size for this RAM */
    char build[24];       /* the verifier build its fit assumes
                             (fwp_verifier_build id), "" for none */
    char origin[160];     /* "" built in, else "FILE:LINE" */
} fwp_mcu;

/* The built-in profiles; fwp_mcu_find ignores case. */
const fwp_mcu *fwp_mcu_find(const char *id);
const fwp_mcu *fwp_mcu_table(size_t *count);
/* The profile's default branch filter (FWPK_FILTER_*), from its arch;
 * NONE for a NULL profile. */
uint32_t fwp_mcu_default_filter(const fwp_mcu *m);
/* The profile's LZMA lc, lp and pb (also for a NULL profile). */
void fwp_mcu_default_lzma(const fwp_mcu *m, uint32_t *lc, uint32_t *lp,
                          uint32_t *pb);

/* Profiles from files, after the built-in ones.  A profile file has one
 * profile per line, "ID key=value ...", with the keys flash-base (default
 * 0), flash-size, erase-block, write-unit, ram (required), arch,
 * window-bits, frame-size, build (optional); numbers decimal or 0x hex,
 * with an optional K (KiB) or M (MiB); '#' starts a comment.  A profile
 * whose id is already listed replaces that one. */
typedef struct {
    fwp_mcu *items;
    size_t count;
} fwp_mcu_list;

int fwp_mcu_list_builtin(fwp_mcu_list *l);
/* Adds the profiles of the file at path; a missing file is an error
 * unless optional.  Errors name the file and line. */
int fwp_mcu_list_add_file(fwp_mcu_list *l, const char *path, int optional,
                          fwp_err *err);
int fwp_mcu_list_parse(fwp_mcu_list *l, const char *name, const char *text,
                       fwp_err *err);
const fwp_mcu *fwp_mcu_list_find(const fwp_mcu_list *l, const char *id);
void fwp_mcu_list_free(fwp_mcu_list *l);
/* A number as a profile file writes it, and pack's options of the same
 * names take it (--flash-size 64K): decimal or 0x hex, then an optional K
 * (KiB) or M (MiB); at most 2^32-1.  Returns 0, or -1 when it is not one. */
int fwp_mcu_number(const char *s, uint32_t *out);

/* ---- does the device verifier fit a part (verifier_fit.c) ---- */

/* One cross build of the verifier that make size measures. */
typedef struct {
    const char *id;          /* named in profiles, e.g. "cortex-m0plus" */
    const char *size_target; /* its make size target (mk/cross.mk) */
    const char *cflags;      /* what sets it apart */
    int buffered;            /* 1: frame buffer in RAM
                                (FWPK_FRAME_BUFFER 1); 0: streaming, the
                                window in flash behind a small ring */
    uint32_t flash;          /* make size "total" */
    uint32_t ram_fixed;      /* RAM besides the window (ring) and the
                                frame buffer: all of it when streaming */
    uint32_t ring_bits;      /* FWPK_RING_BITS where the window is read
                                back from flash behind a 2^ring_bits ring
                                (streaming and -flashwin builds); 0: the
                                whole window is the RAM ring */
} fwp_verifier_build;

const fwp_verifier_build *fwp_verifier_builds(size_t *count);
const fwp_verifier_build *fwp_verifier_build_find(const char *id);
/* RAM the verifier needs: fixed, + the ring (2^window_bits, or
 * 2^ring_bits when smaller) + frame header + frame when buffered. */
uint32_t fwp_verifier_ram(const fwp_verifier_build *b, uint32_t window_bits,
                          uint32_t frame_size);
/* The build a part of this arch and RAM runs, the first that needs at
 * most 3/4 of the RAM at window 2^15 and 4096-byte frames: the arch's
 * buffered build (window in RAM), its buffered build with the window in
 * flash, its streaming build; else the last of those the arch has, the
 * one that needs the least RAM (fwp_verifier_defaults then shrinks the
 * window and frames to fit); "" when there are no figures for the arch. */
const char *fwp_verifier_build_for(const char *arch, uint32_t ram);
/* The window and frame size for a part with ram bytes of RAM running b:
 * the largest frame (4096, 1024, 256), then the largest window, at which b
 * needs at most 3/4 of the RAM (the rest is the bootloader's); the
 * smallest (9, 256) when none fits or b is NULL; 2^15 and 4096 for a
 * streaming build, whose RAM does not depend on them.  Profile files that give
 * no build, window-bits or frame-size get these; the built-in profiles
 * got them when they were added (mcu.c). */
void fwp_verifier_defaults(const fwp_verifier_build *b, uint32_t ram,
                           uint32_t *window_bits, uint32_t *frame_size);

typedef struct {
    const fwp_verifier_build *build; /* NULL: no figures (known 0) */
    int known;
    uint32_t window_bits, frame_size;
    uint32_t ram_need, flash_need;
    int ram_fits, flash_fits; /* the verifier alone fits the part's RAM,
                                 flash */
    int ram_tight;            /* it fits, but needs more than 3/4 of the
                                 RAM (fwp_verifier_defaults' share) */
} fwp_mcu_fit;

/* Whether m's verifier build fits m at this window and frame size. */
void fwp_mcu_fit_check(const fwp_mcu *m, uint32_t window_bits,
                       uint32_t frame_size, fwp_mcu_fit *f);
/* The same for a container packed with --codec lzma: m's build with LZMA
 * ("<build>-lzma"; unknown when there is none), its ring the smaller of the
 * profile's window and the dictionary, plus the probability table of the
 * container's lc + lp beyond the build's (lc + lp <= 1). */
void fwp_mcu_fit_check_lzma(const fwp_mcu *m, uint32_t dict_bits,
                            uint32_t frame_size, uint32_t lzma_props,
                            fwp_mcu_fit *f);
/* "at window 2^W and F-byte frames its B build needs N bytes of RAM[ (the
 * part has R)] and N of flash[ (the part has F)]". */
int fwp_mcu_fit_text(const fwp_mcu *m, const fwp_mcu_fit *f, fwp_buf *b);

/* ---- keys (keys/) ---- */

typedef struct {
    uint8_t sk[64]; /* libsodium layout: seed || pk */
    uint8_t pk[32];
} fwp_keypair;

void fwp_key_id(const uint8_t pk[32], uint8_t id[FWPK_KEY_ID_LEN]);
int fwp_key_generate(fwp_keypair *kp);
/* PKCS#8 PEM "PRIVATE KEY", as openssl genpkey -algorithm ed25519 writes. */
int fwp_key_load_private(const char *path, fwp_keypair *kp, fwp_err *err);
/* SubjectPublicKeyInfo PEM "PUBLIC KEY"; a private key file also works
 * (an encrypted one without its passphrase: its public key is in clear). */
int fwp_key_load_public(const char *path, uint8_t pk[32], fwp_err *err);
int fwp_key_save_private(const char *path, const fwp_keypair *kp, int force,
                         fwp_err *err); /* mode 0600 */
int fwp_key_save_public(const char *path, const uint8_t pk[32], int force,
                        fwp_err *err);
/* A C header with the key bytes and id, for a bootloader keyring. */
int fwp_key_save_c(const char *path, const uint8_t pk[32], int force,
                   fwp_err *err);

/* PEM text (NUL-terminated) of a key, byte-identical to OpenSSL's. */
int fwp_pem_private(const fwp_keypair *kp, fwp_buf *out);
int fwp_pem_public(const uint8_t pk[32], fwp_buf *out);
/* Parses PEM or DER: PKCS#8 (v1, or v2 with the public key) or SPKI.
 * *is_private tells which; key is the 32-byte seed or public key. */
int fwp_pem_parse(const uint8_t *data, size_t len, const char *name,
                  uint8_t key[32], int *is_private, fwp_err *err);
/* The keyring header text (fwpk_keyring[], FWPK_KEYRING_COUNT). */
int fwp_key_c_header(const uint8_t pk[32], fwp_buf *out);
/* The same for several keys, each with its fwpk_key flags. */
typedef struct {
    uint8_t pk[32];
    uint8_t generation; /* refused below the policy's min_generation */
    int revoked;        /* listed, never accepted */
} fwp_ring_key;
int fwp_keyring_c_header(const fwp_ring_key *keys, size_t n, fwp_buf *out);

/* ---- passphrase-protected private keys (keys/encrypted.c) ---- */

/* PEM "FWPACK ENCRYPTED PRIVATE KEY": the seed under XChaCha20-Poly1305
 * with an Argon2id key (libsodium), the public key in clear.  Layout in
 * keys/encrypted.c and README "Keys". */
#define FWP_PASS_MAX 1024

/* Argon2id costs written: libsodium's "moderate" (3 passes over 256 MiB,
 * about 0.7 s), for a long-lived signing key.  The least a reader accepts
 * without FWP_KDF_ALLOW_WEAK: libsodium's "interactive" (2 passes over
 * 64 MiB), what fwpack 0.1 wrote. */
#define FWP_KDF_OPS 3u
#define FWP_KDF_MEM (256u << 20)
#define FWP_KDF_MIN_OPS 2u
#define FWP_KDF_MIN_MEM (64u << 20)
/* flags: accept costs below the minimum (with a warning on stderr) */
#define FWP_KDF_ALLOW_WEAK 1u

/* Supplies a passphrase (or PIN) for 'what' (a file name, a token): a
 * NUL-terminated string in buf (cap bytes).  confirm: a new secret (ask
 * twice on a terminal).  0, or -1 with err set. */
typedef int (*fwp_pass_fn)(void *arg, const char *what, int confirm,
                           char *buf, size_t cap, fwp_err *err);

int fwp_pem_private_encrypted(const fwp_keypair *kp, const char *pass,
                              size_t pass_len, fwp_buf *out);
/* Nonzero when data holds an FWPACK ENCRYPTED PRIVATE KEY block. */
int fwp_pem_is_encrypted(const uint8_t *data, size_t len);
/* The public key stored in clear (no passphrase needed, so nothing
 * authenticates it: fwp_pem_decrypt does). */
int fwp_pem_encrypted_public(const uint8_t *data, size_t len,
                             const char *name, uint8_t pk[32], fwp_err *err);
/* 0 when the block's Argon2id costs are at least the minimum, or when
 * they are not and flags allow it (a warning is printed); else -1 with a
 * message that names --allow-weak-kdf.  Before asking for a passphrase. */
int fwp_pem_kdf_check(const uint8_t *data, size_t len, const char *name,
                      unsigned flags, fwp_err *err);
/* "NAME: wrong passphrase (or a damaged key file)" when the tag fails;
 * refuses costs below the minimum unless flags allow them. */
int fwp_pem_decrypt(const uint8_t *data, size_t len, const char *name,
                    const char *pass, size_t pass_len, unsigned flags,
                    fwp_keypair *kp, fwp_err *err);
int fwp_key_save_private_encrypted(const char *path, const fwp_keypair *kp,
                                   const char *pass, size_t pass_len,
                                   int force, fwp_err *err); /* mode 0600 */
/* fwp_key_load_private for plain and encrypted files: pass (may be NULL)
 * is asked for the passphrase of an encrypted one; flags as above. */
int fwp_key_load_private_pass(const char *path, fwp_keypair *kp,
                              fwp_pass_fn pass, void *arg, unsigned flags,
                              fwp_err *err);
/* fwp_key_load_public, but the public key of an encrypted private key is
 * derived after decrypting it with pass (so it is authenticated), not
 * taken from the clear copy.  The seed is wiped before returning. */
int fwp_key_load_public_pass(const char *path, uint8_t pk[32],
                             fwp_pass_fn pass, void *arg, unsigned flags,
                             fwp_err *err);

/* ---- signing with a PKCS#11 token (tools/lib/pkcs11.c) ---- */

/* p11-kit's proxy module: every module p11-kit is configured with. */
#define FWP_PKCS11_DEFAULT_MODULE "p11-kit-proxy.so"

typedef struct {
    const char *module; /* NULL: the URI's module-path, else the default */
    const char *pin;    /* the PIN given to fwpack (--pkcs11-pin): used
                           before the URI's pin-value and pin-source */
    fwp_pass_fn ask;    /* asked for the PIN ('what' is "token LABEL") when
                           the token needs a login and none of the above
                           gives one; may be NULL */
    void *ask_arg;
    char *loaded;       /* if not NULL: the file of the module loaded */
    size_t loaded_cap;
} fwp_p11_opts;

/* Modules: a module-path in the URI must be absolute; any module named by
 * a path (not a bare file name for the dynamic linker's search) must be
 * a file that only root or this user can change: it and every directory
 * above it owned by one of them and not writable by group or others (a
 * sticky directory such as /tmp excepted).  Checked before dlopen, which
 * runs the library's code. */
/* Signs msg with CKM_EDDSA using the Ed25519 private key that the RFC 7512
 * URI names ("pkcs11:token=fw;object=release"); pk is the key's public key
 * (from the public key object with the same CKA_ID, else CKA_LABEL), and
 * the signature has been checked with it.  Errors name the URI without
 * its query (no PINs in messages). */
int fwp_p11_sign(const char *uri, const fwp_p11_opts *o, const uint8_t *msg,
                 size_t len, uint8_t sig[64], uint8_t pk[32], fwp_err *err);
/* The URI's syntax and attributes alone, as fwp_p11_sign reads them (no
 * module is loaded): a bad URI is a bad option value, refused before any
 * work.  Messages hide a pin-value as fwp_p11_sign's do. */
int fwp_p11_uri_check(const char *uri, fwp_err *err);

/* ---- version strings: MAJOR.MINOR.PATCH[-PRE][+BUILD] ---- */

typedef struct {
    uint32_t major, minor, patch, build;
    char pre[FWPK_VERSION_MAX + 1]; /* whatever room the string leaves */
} fwp_version;

int fwp_version_parse(const char *s, fwp_version *v, fwp_err *err);

/* ---- branch filters (SPEC.md 6.3) ---- */

/* Thumb BL filter, in place, on one segment loaded at addr. */
void fwp_filter_thumb(uint8_t *buf, size_t len, uint32_t addr);
/* RISC-V JAL (rd = ra or t0) filter, in place, on one segment. */
void fwp_filter_rv32(uint8_t *buf, size_t len, uint32_t addr);
/* Applies filter 'id' (FWPK_FILTER_*) in place; -1 for an unknown id. */
int fwp_filter_apply(uint32_t id, uint8_t *buf, size_t len, uint32_t addr);
/* Undoes fwp_filter_apply (what the device does, whole-buffer). */
int fwp_unfilter_apply(uint32_t id, uint8_t *buf, size_t len, uint32_t addr);
int fwp_filter_from_name(const char *name, uint32_t *id);
const char *fwp_filter_name(uint32_t id);

/* ---- delta updates (SPEC.md 6.5, delta.c) ---- */

/* Appends to out the patch that makes nw (new_len bytes, filtered) from
 * base (base_len raw bytes, at least 1): both filtered with 'filter' as
 * one segment at addr for matching, each copied run as the device filters
 * it.  Deterministic. */
int fwp_delta_make(const uint8_t *base, size_t base_len, uint32_t filter,
                   uint32_t addr, const uint8_t *nw, size_t new_len,
                   fwp_buf *out, fwp_err *err);

/* The base from path (base.c): an earlier container's image of 'target'
 * (as a device installs it; its version into 'version'), or any input
 * file (a raw binary loaded at bin_addr; version ""). */
int fwp_base_load(const char *path, const char *target, uint32_t bin_addr,
                  fwp_image *img, char version[FWPK_VERSION_MAX + 1],
                  fwp_err *err);
/* The base as a device holds it: from the image's first address to its
 * last, gaps 0xFF (malloc'd). */
int fwp_base_flatten(const fwp_image *img, const char *name, uint8_t **out,
                     uint32_t *len, fwp_err *err);

/* ---- progress ---- */

/* Progress while frames are made: called after each frame with the image
 * bytes compressed so far and the frame bytes made so far (over every
 * target: in_base / out_base hold the earlier targets'); a nonzero return
 * stops, and the build fails with kind FWP_E_STOPPED. */
typedef int (*fwp_progress_fn)(void *arg, uint64_t in_done, uint64_t in_total,
                               uint64_t out_done);
typedef struct {
    fwp_progress_fn fn;
    void *arg;
    uint64_t in_base, in_total, out_base;
} fwp_frame_hook;

/* ---- packing ---- */

/* Compression level "max": zopfli (frames_zopfli.c).  Its window is fixed
 * at 32 KiB, so it needs window bits 15. */
#define FWP_LEVEL_MAX 10
#define FWP_LEVEL_MAX_WINDOW_BITS 15

/* Notehub's limits for a host firmware upload (bytes). */
#define FWP_NOTEHUB_MAX_SIZE 1572864u  /* 1.5 MiB: refused above */
#define FWP_NOTEHUB_WIFI_SIZE 921600u  /* 900 KiB: WiFi Notecards */

typedef struct {
    const char *name;          /* target name */
    const char *mcu;           /* MCU id or "" */
    fwp_image image;           /* segments; normalized by fwp_pack */
    uint32_t flash_base, flash_size, erase_block, write_unit;
    uint32_t codec;            /* FWPK_CODEC_* */
    uint32_t window_bits;      /* deflate 9..15; lzma: dictionary 12..30 */
    uint32_t frame_size;       /* 256..8192 */
    int level;                 /* zlib level (lzma: xz preset -e) 0..9, or
                                  FWP_LEVEL_MAX */
    uint32_t filter;           /* FWPK_FILTER_*, 0 = none */
    uint32_t lzma_props;       /* codec lzma: (pb * 5 + lp) * 9 + lc */
    /* a delta target (SPEC.md 6.5): the base image, base_size bytes as the
     * device holds them from the image's first address; NULL: a full one */
    const uint8_t *base;
    uint32_t base_size;
    const char *base_version;  /* 1..63 bytes */
} fwp_target_opts;

typedef struct {
    const char *product, *org, *description, *firmware, *version, *builder;
    uint32_t security_counter;
    uint64_t build_time;       /* Unix seconds */
    fwp_target_opts *targets;
    size_t target_count;
    const fwp_keypair *keys;   /* signers; key_count 0 = unsigned */
    size_t key_count;
    fwp_progress_fn progress;  /* may be NULL: see fwp_frame_hook */
    void *progress_arg;
} fwp_pack_opts;

/* Builds a whole container in memory (malloc'd).  NULL strings take the
 * SPEC.md section 3 defaults.  What it made is read back as a reader would
 * before it is handed out: the manifest by fwp_manifest_decode, every
 * target's frames by the device verifier (fwp_device_run). */
int fwp_pack(const fwp_pack_opts *opts, uint8_t **out, size_t *out_len,
             fwp_err *err);

/* The info string (SPEC.md 3), prefix and NUL included (len counts it). */
int fwp_info_build(const fwp_pack_opts *opts, fwp_buf *out, fwp_err *err);
/* "YYYY-MM-DD HH:MM:SS" UTC. */
void fwp_time_format(uint64_t t, char out[20]);

/* ---- manifest (SPEC.md 4), host side ---- */

typedef struct {
    char name[FWPK_NAME_MAX + 1];
    char mcu[FWPK_NAME_MAX + 1];
    uint32_t flash_base, flash_size, erase_block, write_unit;
    uint32_t seg_count;
    uint32_t seg_addr[FWPK_MAX_SEGMENTS], seg_len[FWPK_MAX_SEGMENTS];
    uint32_t image_size, codec, window_bits, frame_size, frame_count;
    uint32_t payload_size, filter;
    uint32_t lzma_props; /* codec LZMA only (key 16), else 0 */
    uint8_t image_digest[FWPK_HASH_LEN];
    uint8_t anchor[FWPK_HASH_LEN];
    /* a delta target (keys 17..20, SPEC.md 6.5); base_size 0: none */
    uint32_t base_size, patch_size;
    uint8_t base_digest[FWPK_HASH_LEN];
    char base_version[FWPK_VERSION_MAX + 1];
} fwp_mtarget;

typedef struct {
    uint32_t format;
    char product[FWPK_PRODUCT_MAX + 1];
    char version[FWPK_VERSION_MAX + 1];
    uint32_t security_counter, build_time;
    uint32_t target_count;
    fwp_mtarget targets[FWPK_MAX_TARGETS];
} fwp_manifest;

/* Deterministic CBOR (RFC 8949 4.2.1); *out is malloc'd. */
int fwp_manifest_encode(const fwp_manifest *m, uint8_t **out, size_t *len,
                        fwp_err *err);
/* Decodes with libcbor and checks every rule of SPEC.md 4, including that
 * re-encoding gives the same bytes (deterministic encoding). */
int fwp_manifest_decode(const uint8_t *cbor, size_t len, const char *name,
                        fwp_manifest *m, fwp_err *err);

/* ---- frames (SPEC.md 6) ---- */

/* Hash = first 32 bytes of SHA-512. */
void fwp_hash(uint8_t out[FWPK_HASH_LEN], const uint8_t *d, size_t len);

typedef struct {
    uint8_t *data;     /* frames, back to back, headers filled in */
    size_t len;
    uint32_t count;
    uint32_t payload;  /* sum of payload lengths */
    uint8_t anchor[FWPK_HASH_LEN];
} fwp_frames;

/* One target's frames from its (already filtered) image bytes; hook may
 * be NULL. */
/* "none", "deflate", "lzma" (the --codec names), else "unknown". */
const char *fwp_codec_name(uint32_t codec);
int fwp_frames_build(const uint8_t *img, size_t len, uint32_t codec,
                     int level, uint32_t window_bits, uint32_t frame_size,
                     const fwp_frame_hook *hook, fwp_frames *fr,
                     fwp_err *err);
/* Codec 1 frames made by zopfli (level FWP_LEVEL_MAX, window 32 KiB),
 * appended to out with zero 'next' fields; fwp_frames_build chains them.
 * Returns 0, -1 on failure, FWP_FRAMES_STOPPED when the hook said stop. */
#define FWP_FRAMES_STOPPED (-2)
int fwp_frames_zopfli(const uint8_t *img, size_t len, uint32_t frame_size,
                      const fwp_frame_hook *hook, fwp_buf *out);
/* Calls the hook (if any) after a frame: nonzero to stop. */
int fwp_frame_hook_call(const fwp_frame_hook *hook, size_t in_done,
                        size_t out_done);
/* Fills every frame's 'next' and the anchor, back to front, and counts
 * the frames and their payload: for fwp_frames_build, and for tests that
 * edit payload bytes.  -1 when out of memory or the frames are empty. */
int fwp_frames_chain(fwp_frames *fr);
/* Codec 2 frames: the image as one raw LZMA1 stream without an end marker
 * (fwp_lzma_encode), cut into frame_size pieces and chained. */
int fwp_frames_build_lzma(const uint8_t *img, size_t len, uint32_t props,
                          int level, uint32_t dict_bits, uint32_t frame_size,
                          const fwp_frame_hook *hook, fwp_frames *fr,
                          fwp_err *err);
/* lc + lp <= 4 and pb <= 4 (format/SPEC.md 4.2). */
int fwp_lzma_props_ok(uint32_t props);
/* That stream alone, appended to out: xz preset 'level' (0..9;
 * FWP_LEVEL_MAX: 9) with -e, properties byte 'props' ((pb * 5 + lp) * 9
 * + lc), dictionary 2^dict_bits.  hook (may be NULL) is called as the
 * input is consumed, with the stream bytes so far; FWP_FRAMES_STOPPED
 * when it said stop. */
int fwp_lzma_encode(const uint8_t *img, size_t len, uint32_t props,
                    int level, uint32_t dict_bits,
                    const fwp_frame_hook *hook, fwp_buf *out, fwp_err *err);
void fwp_frames_free(fwp_frames *fr);

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
/* Where the container ends: just after its last target's frames (the
 * manifest decoded from lay, every target walked).  Bytes after that are
 * not part of it.  -1 when the frames cannot be delimited. */
int fwp_frames_end(const uint8_t *data, size_t len, const fwp_layout *lay,
                   const char *name, size_t *end, fwp_err *err);

/* ---- the device verifier over a container, signatures aside ---- */

/* Where and why the device verifier stopped (fwp_device_run). */
typedef struct {
    fwpk_err err;       /* FWPK_OK: a device of the target installs it */
    size_t offset;      /* container bytes read when it stopped */
    int in_frames;      /* it stopped in the frames (or accepted) */
    uint32_t target;    /* then: the target it stopped in (all targets
                           before it were accepted); target_count if none */
    uint32_t frame;     /* and that frame's index in its target */
} fwp_device_verdict;

/* Runs the device verifier (libfwpk_verify) over the container as a device
 * of target 'target' whose policy allows any MCU, counter and flash window,
 * with the signature block replaced by one signature that the run trusts:
 * every rule of format/SPEC.md but the signatures' is the device's own.
 * Returns -1 only when out of memory. */
int fwp_device_run(const uint8_t *data, size_t len, const fwp_layout *lay,
                   const char *target, fwp_device_verdict *v, fwp_err *err);
/* The same for a delta target, whose device holds 'base' (base_len bytes;
 * NULL: none, the run ends in FWPK_ERR_BASE or FWPK_ERR_ARG).  With 'image'
 * not NULL, the image the run installed goes there (FWPK_OK only). */
int fwp_device_run_base(const uint8_t *data, size_t len,
                        const fwp_layout *lay, const char *target,
                        const uint8_t *base, size_t base_len,
                        fwp_image *image, fwp_device_verdict *v,
                        fwp_err *err);
/* Where a device run puts the base: the lowest address whose base_len
 * bytes meet no erase block of t's segments (0 when none is free). */
uint32_t fwp_base_place(const fwpk_target *t, uint32_t base_len);

/* One target's frames, and what a device of that target makes of the
 * container (fwp_container_walk). */
typedef struct {
    uint32_t count;       /* frames delimited */
    uint32_t *lens;       /* payload length of each (malloc'd) */
    uint32_t payload;     /* their sum */
    int chain_ok;         /* every hash matched and the last next is 0 */
    int digest_ok;        /* the device decoded the payload to the image
                             and its digest matched: 1; it could not or the
                             digest differs: 0; it did not get there: -1 */
    fwp_device_verdict device;
    char problem[192];    /* why a device of this target refuses the
                             container, "" if it accepts it */
} fwp_walk;

/* Delimits every target's frames into w[i] and checks each hash chain on
 * its own, then runs the device verifier once per target (fwp_device_run).
 * Returns -1 when the frames cannot be delimited or bytes follow the last
 * one; else 0, with *ok set when a device of every target accepts the
 * container (signatures aside). */
int fwp_container_walk(const uint8_t *data, size_t len, const fwp_layout *lay,
                       const fwp_manifest *m, fwp_walk *w, int *ok,
                       fwp_err *err);
void fwp_walk_free(fwp_walk *w);

/* A malloc'd copy of the container with one more signature entry (pk's key
 * id, sig), after checking that sig verifies with pk over the signed
 * digest, that no entry has pk's key id, and that there is room (at most
 * FWPK_MAX_SIGNATURES).  Errors name the container. */
int fwp_sig_append(const uint8_t *box, size_t len, const char *name,
                   const uint8_t pk[32], const uint8_t sig[64],
                   uint8_t **out, size_t *out_len, fwp_err *err);

/* ---- a NOR flash model (flashsim.c) for verify, unpack and tests ---- */

typedef struct {
    uint32_t base, size, erase_block, write_unit;
    uint8_t *mem;        /* size bytes; erased bytes read 0xFF */
    uint8_t *programmed; /* per write unit: written since its last erase */
    uint8_t *touched;    /* per write unit: ever written */
    uint32_t erases, writes;
    long cut_after;      /* fail operation number N (power cut); -1 never */
    int cut;             /* the power cut happened */
    char problem[128];   /* first rule broken, "" if none */
} fwp_flash;

int fwp_flash_init(fwp_flash *f, uint32_t base, uint32_t size,
                   uint32_t erase_block, uint32_t write_unit);
void fwp_flash_free(fwp_flash *f);
fwpk_err fwp_flash_erase(void *user, uint32_t addr, uint32_t len);
fwpk_err fwp_flash_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len);
fwpk_err fwp_flash_read(void *user, uint32_t addr, uint8_t *buf,
                        uint32_t len);
/* Points the verifier's callbacks at the model. */
void fwp_flash_bind(fwp_flash *f, fwpk_flash *cb);
/* The written ranges (whole write units, merged) as an image. */
int fwp_flash_image(const fwp_flash *f, fwp_image *img, fwp_err *err);

#endif
