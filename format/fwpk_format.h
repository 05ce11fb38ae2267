/*
 * fwpk_format.h - constants of the fwpack container format, version 1.
 *
 * Shared by the host packer (tools/) and the device verifier (verifier/).
 * format/SPEC.md is the normative description; every number here is
 * named there.  Plain C99, no includes: a bootloader can copy it as is.
 */
#ifndef FWPK_FORMAT_H
#define FWPK_FORMAT_H

/* Fixed header, 12 bytes. */
#define FWPK_MAGIC "FWPK"
#define FWPK_MAGIC_LEN 4
#define FWPK_FORMAT_VERSION 1
#define FWPK_HEADER_LEN 12

/* Notehub info string: "firmware::info:" + JSON + NUL. */
#define FWPK_INFO_PREFIX "firmware::info:"
#define FWPK_INFO_PREFIX_LEN 15
#define FWPK_INFO_MAX 1024 /* bytes, NUL included */

/* CBOR manifest. */
#define FWPK_MANIFEST_MAX 4096
#define FWPK_MAX_TARGETS 8
#define FWPK_MAX_SEGMENTS 32 /* per target */
#define FWPK_NAME_MAX 31     /* target name and MCU id, bytes, no NUL */
#define FWPK_PRODUCT_MAX 63
#define FWPK_VERSION_MAX 63

/* Signature block. */
#define FWPK_MAX_SIGNATURES 8
#define FWPK_KEY_ID_LEN 8
#define FWPK_SIG_LEN 64
#define FWPK_SIG_ENTRY_LEN (FWPK_KEY_ID_LEN + FWPK_SIG_LEN)
#define FWPK_SIGNED_DIGEST_LEN 64 /* Ed25519 signs SHA-512(header..manifest) */

/* Frames. */
#define FWPK_HASH_LEN 32 /* SHA-512 truncated to its first 32 bytes */
#define FWPK_FRAME_HEADER_LEN (2 + FWPK_HASH_LEN)
#define FWPK_FRAME_SIZE_MIN 256
#define FWPK_FRAME_SIZE_MAX 8192
#define FWPK_FRAME_SIZE_DEFAULT 4096
#define FWPK_MAX_FRAMES 1048576UL
#define FWPK_MAX_IMAGE_SIZE 0x7fffffffUL

/* Codecs and filters. */
#define FWPK_CODEC_NONE 0
#define FWPK_CODEC_DEFLATE 1
#define FWPK_CODEC_LZMA 2 /* raw LZMA1, SPEC.md 6.1 */
#define FWPK_CODEC_MAX 2
#define FWPK_FILTER_NONE 0
#define FWPK_FILTER_THUMB 1 /* Thumb BL pairs, SPEC.md 6.3 */
#define FWPK_FILTER_RV32 2  /* RISC-V JAL ra/t0, SPEC.md 6.3 */
#define FWPK_FILTER_MAX 2
#define FWPK_WINDOW_BITS_MIN 9
#define FWPK_WINDOW_BITS_MAX 15
/* LZMA: dictionary 2^window bits; properties byte (pb * 5 + lp) * 9 + lc
 * with lc + lp <= 4 and pb <= 4. */
#define FWPK_LZMA_DICT_BITS_MIN 12
#define FWPK_LZMA_DICT_BITS_MAX 30
#define FWPK_LZMA_PROPS_MAX ((4 * 5 + 4) * 9 + 8)
#define FWPK_LZMA_LCLP_LIMIT 4
#define FWPK_WRITE_UNIT_MAX 256
#define FWPK_ERASE_BLOCK_MAX 0x40000UL

/* Manifest map keys (container level). */
enum fwpk_manifest_key {
    FWPK_M_FORMAT = 0,
    FWPK_M_PRODUCT = 1,
    FWPK_M_VERSION = 2,
    FWPK_M_SECURITY_COUNTER = 3,
    FWPK_M_BUILD_TIME = 4,
    FWPK_M_TARGETS = 5
};

/* Manifest map keys (per target). */
enum fwpk_target_key {
    FWPK_T_NAME = 0,
    FWPK_T_MCU = 1,
    FWPK_T_FLASH_BASE = 2,
    FWPK_T_FLASH_SIZE = 3,
    FWPK_T_ERASE_BLOCK = 4,
    FWPK_T_WRITE_UNIT = 5,
    FWPK_T_SEGMENTS = 6,
    FWPK_T_IMAGE_SIZE = 7,
    FWPK_T_CODEC = 8,
    FWPK_T_WINDOW_BITS = 9,
    FWPK_T_FRAME_SIZE = 10,
    FWPK_T_FRAME_COUNT = 11,
    FWPK_T_PAYLOAD_SIZE = 12,
    FWPK_T_IMAGE_DIGEST = 13,
    FWPK_T_ANCHOR = 14,
    FWPK_T_FILTER = 15,
    FWPK_T_LZMA_PROPS = 16, /* present exactly when the codec is LZMA */
    /* a delta target (SPEC.md 6.5) has all four of these, others none */
    FWPK_T_BASE_SIZE = 17,
    FWPK_T_BASE_DIGEST = 18,
    FWPK_T_BASE_VERSION = 19,
    FWPK_T_PATCH_SIZE = 20
};
#define FWPK_TARGET_KEYS 16 /* keys every target has: 0..15 */
#define FWPK_TARGET_KEY_LAST FWPK_T_PATCH_SIZE

/* Delta targets (SPEC.md 6.5): patch instructions, LEB128 varints. */
#define FWPK_VARINT_MAX_BYTES 5 /* 32 bits, 7 per byte */

#endif
