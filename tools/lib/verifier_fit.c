/*
 * verifier_fit.c - what the device verifier costs, per build, and whether
 * it fits a part: the one place that turns make size's figures into a
 * profile's RAM and flash need, and picks a part's build, window and
 * frame size.
 *
 * RAM need = the build's fixed RAM (its context without the window and the
 * frame buffer, its static data, its deepest stack) + the ring (in a
 * buffered build: the whole window, 2^bits, or with FWPK_RING_BITS a ring
 * of 2^ring_bits and the older window read back from flash) + the frame
 * buffer (frame header + frame size, in a buffered build).  A streaming
 * build (FWPK_FRAME_BUFFER 0, a 256-byte ring, the window read back from
 * flash) needs the same RAM whatever the container's window and frames.  The
 * bootloader's own buffers come on top.  Flash need = everything
 * fwpk_begin/feed/finish link in.
 */
#include <stdio.h>
#include <string.h>

#include "fwpack.h"

/* make size (bench/size.sh, mk/cross.mk), -Os, 2026-12-05,
 * arm-none-eabi-gcc 12.2, riscv64-unknown-elf-gcc 12.2, avr-gcc 5.4:
 * flash is "total"; fixed RAM is "ram.all" less the window and the frame
 * buffer the measured build reserves (buffered builds: window 2^15, 8 KiB
 * frames; streaming builds reserve neither).  Re-measure with make size
 * when the verifier changes: tests/test_mcus.c compares.  The -flashwin
 * builds are their core's buffered build with FWPK_RING_BITS=9: the same
 * code (history.c's read-back is in every build) and the same context
 * but for the ring (sizeof(fwpk_ctx) on the M0+: 43,496 B with the 2^15
 * window, 11,240 B with the 512-byte ring, 32,768 - 512 less), so make
 * size's figures for the buffered build are theirs. */
#define RING 9 /* the -flashwin builds' ring: 512 bytes */
#define FLASHWIN "-DFWPK_RING_BITS=9"
static const fwp_verifier_build builds[] = {
    {"cortex-m0plus", "cortex-m0plus", "-mcpu=cortex-m0plus", 1, 16899, 3318,
     0},
    {"cortex-m0plus-min", "cortex-m0plus-min",
     "-mcpu=cortex-m0plus -DFWPK_RESUME=0 -DFWPK_FILTERS=2 -DFWPK_DELTA=0 "
     "-DFWPK_INFLATE_FAST_BITS=7",
     1, 14417, 3022, 0},
    {"cortex-m0plus-stream", "cortex-m0plus-stream",
     "-mcpu=cortex-m0plus -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 "
     "-DFWPK_WBUF_SIZE=64 -DFWPK_SEGMENTS=4 -DFWPK_TARGETS=4",
     0, 16837, 3096, 8},
    {"cortex-m0plus-stream-min", "cortex-m0plus-stream-min",
     "-mcpu=cortex-m0plus -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 "
     "-DFWPK_WBUF_SIZE=64 -DFWPK_SEGMENTS=4 -DFWPK_TARGETS=4 "
     "-DFWPK_RESUME=0 -DFWPK_FILTERS=2 -DFWPK_DELTA=0",
     0, 14357, 2800, 8},
    {"cortex-m3", "cortex-m3", "-mcpu=cortex-m3", 1, 15685, 3286, 0},
    {"cortex-m4", "cortex-m4", "-mcpu=cortex-m4", 1, 15683, 3286, 0},
    {"cortex-m0plus-flashwin", "cortex-m0plus",
     "-mcpu=cortex-m0plus " FLASHWIN, 1, 16899, 3318, RING},
    {"cortex-m3-flashwin", "cortex-m3", "-mcpu=cortex-m3 " FLASHWIN, 1, 15685,
     3286, RING},
    {"cortex-m4-flashwin", "cortex-m4", "-mcpu=cortex-m4 " FLASHWIN, 1, 15683,
     3286, RING},
    {"rv32imc", "rv32imc", "-march=rv32imc", 1, 18011, 3374, 0},
    /* its tables are in program memory (verifier/src/rom.h) */
    {"avr-stream", "atmega328p",
     "-mmcu=atmega328p -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 "
     "-DFWPK_WBUF_SIZE=128 -DFWPK_FILTERS=0 -DFWPK_SEGMENTS=4 "
     "-DFWPK_TARGETS=4 -DFWPK_ED25519_UNROLL=0 -DFWPK_ED25519_LIMB_BITS=8 "
     "-DFWPK_SHA512_SMALL=1 -DFWPK_STRINGS=0 "
     "-DFWPK_DELTA=0 -DFWPK_INFLATE_SMALL=1",
     0, 22177, 2161, 8},
    /* the same without resume, for one target in one segment: the
     * in-place agent of examples/avr/agent (mk/cross.mk atmega328p-one) */
    {"avr-one", "atmega328p-one",
     "-mmcu=atmega328p -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 "
     "-DFWPK_WBUF_SIZE=128 -DFWPK_FILTERS=0 -DFWPK_SEGMENTS=1 "
     "-DFWPK_TARGETS=1 -DFWPK_ED25519_UNROLL=0 -DFWPK_ED25519_LIMB_BITS=8 "
     "-DFWPK_SHA512_SMALL=1 -DFWPK_STRINGS=0 "
     "-DFWPK_DELTA=0 -DFWPK_INFLATE_SMALL=1 -DFWPK_RESUME=0",
     0, 19393, 1808, 8},
    /* With LZMA beside deflate (FWPK_CODECS=6, its table at lc + lp <= 1):
     * what a container packed with --codec lzma needs (SUFFIX_LZMA). */
    {"cortex-m0plus-lzma", "cortex-m0plus-lzma",
     "-mcpu=cortex-m0plus -DFWPK_CODECS=6", 1, 19209, 9422, 0},
    {"cortex-m0plus-stream-lzma", "cortex-m0plus-stream-lzma",
     "-mcpu=cortex-m0plus -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=9 "
     "-DFWPK_WBUF_SIZE=64 -DFWPK_CODECS=6",
     0, 19141, 9208, 9},
    {"cortex-m3-lzma", "cortex-m3-lzma", "-mcpu=cortex-m3 -DFWPK_CODECS=6", 1,
     17841, 9386, 0},
    {"cortex-m4-lzma", "cortex-m4-lzma", "-mcpu=cortex-m4 -DFWPK_CODECS=6", 1,
     17843, 9386, 0},
    {"cortex-m0plus-flashwin-lzma", "cortex-m0plus-lzma",
     "-mcpu=cortex-m0plus -DFWPK_CODECS=6 " FLASHWIN, 1, 19209, 9422, RING},
    {"cortex-m3-flashwin-lzma", "cortex-m3-lzma",
     "-mcpu=cortex-m3 -DFWPK_CODECS=6 " FLASHWIN, 1, 17841, 9386, RING},
    {"cortex-m4-flashwin-lzma", "cortex-m4-lzma",
     "-mcpu=cortex-m4 -DFWPK_CODECS=6 " FLASHWIN, 1, 17843, 9386, RING},
    {"rv32imc-lzma", "rv32imc-lzma", "-march=rv32imc -DFWPK_CODECS=6", 1,
     20399, 9478, 0},
    /* the atmega328p build (mk/cross.mk) on a part with 16 KB of RAM */
    {"avr-stream-lzma", "atmega1284p-lzma",
     "-mmcu=atmega1284p -DFWPK_FRAME_BUFFER=0 -DFWPK_RING_BITS=8 "
     "-DFWPK_WBUF_SIZE=128 -DFWPK_FILTERS=0 -DFWPK_SEGMENTS=4 "
     "-DFWPK_TARGETS=4 -DFWPK_ED25519_UNROLL=0 -DFWPK_ED25519_LIMB_BITS=8 "
     "-DFWPK_SHA512_SMALL=1 -DFWPK_STRINGS=0 "
     "-DFWPK_DELTA=0 -DFWPK_INFLATE_SMALL=1 -DFWPK_CODECS=6",
     0, 26703, 8738, 8},
};

/* A build's LZMA variant is named "<build>-lzma". */
#define SUFFIX_LZMA "-lzma"
/* The table those builds have room for (FWPK_LZMA_LCLP_MAX 1); a container
 * with a larger lc + lp needs a build with a larger one. */
#define LZMA_LCLP_MEASURED 1u

/* Per architecture, in the order preferred: the buffered build with the
 * window in RAM, the buffered one with the window in flash (none for
 * RV32: its filter cannot be redone on bytes read back, history.h), the
 * streaming one, the smallest streaming one (no resume, one target, one
 * segment: an in-place install that fetches the container again after a
 * power cut) ("" none). */
#define BUILD_KINDS 4
static const struct {
    const char *arch, *kind[BUILD_KINDS];
} by_arch[] = {
    {"cortex-m0",
     {"cortex-m0plus", "cortex-m0plus-flashwin", "cortex-m0plus-stream", ""}},
    {"cortex-m0plus",
     {"cortex-m0plus", "cortex-m0plus-flashwin", "cortex-m0plus-stream", ""}},
    {"cortex-m3", {"cortex-m3", "cortex-m3-flashwin", "", ""}},
    {"cortex-m4", {"cortex-m4", "cortex-m4-flashwin", "", ""}},
    {"rv32imc", {"rv32imc", "", "", ""}},
    {"avr", {"", "", "avr-stream", "avr-one"}},
};

#define SHARE_NUM 3 /* of the RAM, the verifier may take 3/4 ... */
#define SHARE_DEN 4 /* ... and leaves the rest to the bootloader */
/* A part gets the first build that fits this window and these frames */
#define GOOD_WINDOW FWPK_WINDOW_BITS_MAX
#define GOOD_FRAME 4096u

const fwp_verifier_build *fwp_verifier_builds(size_t *count)
{
    *count = sizeof builds / sizeof builds[0];
    return builds;
}

const fwp_verifier_build *fwp_verifier_build_find(const char *id)
{
    for (size_t i = 0; id && i < sizeof builds / sizeof builds[0]; i++)
        if (strcmp(builds[i].id, id) == 0)
            return &builds[i];
    return NULL;
}

uint32_t fwp_verifier_ram(const fwp_verifier_build *b, uint32_t window_bits,
                          uint32_t frame_size)
{
    uint32_t ring = window_bits;
    if (!b->buffered)
        return b->ram_fixed;
    if (b->ring_bits != 0 && b->ring_bits < ring)
        ring = b->ring_bits;
    return b->ram_fixed + (1u << ring) + FWPK_FRAME_HEADER_LEN + frame_size;
}

static int within_share(uint32_t need, uint32_t ram)
{
    return (uint64_t)need * SHARE_DEN <= (uint64_t)ram * SHARE_NUM;
}

void fwp_verifier_defaults(const fwp_verifier_build *b, uint32_t ram,
                           uint32_t *window_bits, uint32_t *frame_size)
{
    static const uint32_t frames[] = {4096, 1024, 256};
    *window_bits = FWPK_WINDOW_BITS_MIN;
    *frame_size = FWPK_FRAME_SIZE_MIN;
    if (!b)
        return;
    if (!b->buffered) { /* the same RAM at any window: the best one */
        *window_bits = FWPK_WINDOW_BITS_MAX;
        *frame_size = frames[0];
        return;
    }
    for (size_t i = 0; i < sizeof frames / sizeof frames[0]; i++)
        for (uint32_t w = FWPK_WINDOW_BITS_MAX; w >= FWPK_WINDOW_BITS_MIN;
             w--)
            if (within_share(fwp_verifier_ram(b, w, frames[i]), ram)) {
                *window_bits = w;
                *frame_size = frames[i];
                return;
            }
}

const char *fwp_verifier_build_for(const char *arch, uint32_t ram)
{
    for (size_t i = 0; i < sizeof by_arch / sizeof by_arch[0]; i++) {
        const char *least = ""; /* the arch's last build: least RAM */
        if (strcmp(by_arch[i].arch, arch) != 0)
            continue;
        for (size_t k = 0; k < BUILD_KINDS; k++) {
            const fwp_verifier_build *b =
                fwp_verifier_build_find(by_arch[i].kind[k]);
            if (!b)
                continue;
            if (within_share(fwp_verifier_ram(b, GOOD_WINDOW, GOOD_FRAME),
                             ram))
                return b->id;
            least = b->id;
        }
        return least;
    }
    return "";
}

/* Build b (by id) on m at this window and frame size, with 'extra' bytes
 * of RAM beyond b's figures. */
static void fit(const fwp_mcu *m, const char *id, uint32_t window_bits,
                uint32_t frame_size, uint32_t extra, fwp_mcu_fit *f)
{
    memset(f, 0, sizeof *f);
    f->build = fwp_verifier_build_find(id);
    f->window_bits = window_bits;
    f->frame_size = frame_size;
    if (!f->build || m->ram_size == 0)
        return;
    f->known = 1;
    f->ram_need = fwp_verifier_ram(f->build, window_bits, frame_size) + extra;
    f->flash_need = f->build->flash;
    f->ram_fits = f->ram_need <= m->ram_size;
    f->ram_tight = f->ram_fits && !within_share(f->ram_need, m->ram_size);
    f->flash_fits = f->flash_need <= m->flash_size;
}

void fwp_mcu_fit_check(const fwp_mcu *m, uint32_t window_bits,
                       uint32_t frame_size, fwp_mcu_fit *f)
{
    fit(m, m->build, window_bits, frame_size, 0, f);
}

/* An LZMA container: the LZMA variant of m's build, its ring the profile's
 * window (or the dictionary, when smaller: the rest is read back from
 * flash), and the probability table for the container's lc + lp. */
void fwp_mcu_fit_check_lzma(const fwp_mcu *m, uint32_t dict_bits,
                            uint32_t frame_size, uint32_t lzma_props,
                            fwp_mcu_fit *f)
{
    char id[sizeof m->build + sizeof SUFFIX_LZMA];
    uint32_t ring = dict_bits < m->window_bits ? dict_bits : m->window_bits;
    uint32_t lclp = lzma_props % 9 + lzma_props / 9 % 5, table = 0;
    if (lclp > LZMA_LCLP_MEASURED) /* 16-bit probabilities */
        table = 2 * ((0x300u << lclp) - (0x300u << LZMA_LCLP_MEASURED));
    snprintf(id, sizeof id, "%s%s", m->build, SUFFIX_LZMA);
    fit(m, id, ring, frame_size, table, f);
}

int fwp_mcu_fit_text(const fwp_mcu *m, const fwp_mcu_fit *f, fwp_buf *b)
{
    if (!f->known)
        return fwp_buf_printf(b, "no verifier figures for %s (arch %s)",
                              m->id, m->arch[0] ? m->arch : "unknown");
    int rc = f->build->buffered
                 ? fwp_buf_printf(b, "at window 2^%u and %u-byte frames its "
                                     "%s build needs %u bytes of RAM",
                                  (unsigned)f->window_bits,
                                  (unsigned)f->frame_size, f->build->id,
                                  (unsigned)f->ram_need)
                 : fwp_buf_printf(b, "its %s build needs %u bytes of RAM",
                                  f->build->id, (unsigned)f->ram_need);
    if (rc == 0 && !f->ram_fits)
        rc = fwp_buf_printf(b, " (the part has %u)", (unsigned)m->ram_size);
    if (rc == 0)
        rc = fwp_buf_printf(b, " and %u of flash", (unsigned)f->flash_need);
    if (rc == 0 && !f->flash_fits)
        rc = fwp_buf_printf(b, " (the part has %u)", (unsigned)m->flash_size);
    return rc;
}
