/*
 * pack_cli.h - fwpack pack's options (cmd_pack.c parses them) and how
 * they become targets (pack_target.c: inputs, ranges, MCU profile,
 * geometry).
 */
#ifndef FWPACK_PACK_CLI_H
#define FWPACK_PACK_CLI_H

#include "cli.h"
#include "sign.h"

#define GEO_BASE 0
#define GEO_SIZE 1
#define GEO_ERASE 2
#define GEO_WRITE 3
#define GEO_WINDOW 4
#define GEO_FRAME 5
#define GEO_N 6

#define PACK_RANGES_MAX 16 /* --crop and --exclude, together */

typedef struct {
    const char *name, *mcu, *file;
    uint32_t addr;
    int has_addr;
} tspec;

/* --crop LO:HI or --exclude LO:HI, in command-line order. */
typedef struct {
    uint64_t lo, hi;
    int crop;
} prange;

typedef struct {
    fwp_pack_opts p;
    const char *out, *target, *mcu, *codec, *filter, *mcu_file;
    cli_keys keys;         /* -k signers, signed after packing (sign.h) */
    tspec specs[FWPK_MAX_TARGETS];
    size_t spec_count;
    prange ranges[PACK_RANGES_MAX];
    size_t range_count;
    uint32_t geo[GEO_N], level;
    int has_geo[GEO_N], has_level, has_load, unsigned_, verbose, quiet;
    uint32_t lzma[3]; /* --lzma-lc, --lzma-lp, --lzma-pb */
    int has_lzma[3];
    uint32_t load_addr;
    uint32_t max_size; /* 0: no limit */
    int has_max_size;
    const char *base, *base_version; /* --base OLD, --base-version V */
    uint8_t *base_bytes;   /* the base as the device holds it (malloc'd) */
    char base_ver[FWPK_VERSION_MAX + 1];
    cli_p11 p11;           /* --pkcs11 signers */
    fwp_mcu_list profiles;
} pack_cli;

/* Fills t from spec s: reads the input, applies --crop/--exclude, finds
 * the MCU profile, picks the geometry, and warns when the verifier does
 * not fit the MCU or the data is mostly gap.  Returns 0 or an exit code
 * after printing. */
int pack_make_target(const pack_cli *c, const tspec *s, fwp_target_opts *t);

/* --base OLD: makes t a delta target against OLD's image (an earlier
 * container's, or any input file's), refusing a base for another target
 * or address range.  Returns 0 or an exit code after printing. */
int pack_delta_base(pack_cli *c, fwp_target_opts *t);

#endif
