/*
 * pack_target.c - fwpack pack, one target: its input file, --crop and
 * --exclude, its MCU profile and geometry, and the warnings a user needs
 * before flashing (a verifier that does not fit, data that is mostly gap).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pack_cli.h"

#define GAP_WARN_MIN (1024u * 1024u) /* a gap this big in generic flash */

static int load_image(const tspec *s, fwp_image *img)
{
    fwp_err err;
    fwp_format f = fwp_format_from_name(s->file);
    if (!s->has_addr && f == FWP_FMT_BIN)
        return cli_error(EXIT_USAGE, "pack: %s is a raw binary: give its "
                                     "load address (--load-addr or @ADDR)",
                         s->file);
    if (s->has_addr && f != FWP_FMT_BIN && f != FWP_FMT_UNKNOWN)
        return cli_error(EXIT_USAGE, "pack: %s (%s) carries its own "
                                     "addresses: drop @ADDR or --load-addr",
                         s->file, fwp_format_name(f));
    if (fwp_input_load(s->file, s->has_addr, s->addr, img, &err))
        return cli_fail(&err, EXIT_INPUT);
    return 0;
}

static int apply_ranges(const pack_cli *c, const tspec *s, fwp_image *img)
{
    fwp_err err;
    for (size_t i = 0; i < c->range_count; i++) {
        const prange *r = &c->ranges[i];
        if ((r->crop ? fwp_image_crop : fwp_image_exclude)(img, r->lo, r->hi,
                                                           &err))
            return cli_fail(&err, EXIT_INPUT);
    }
    if (c->range_count && img->count == 0)
        return cli_error(EXIT_INPUT, "pack: %s: no data left after --crop "
                                     "and --exclude",
                         fwp_file_name(s->file));
    return 0;
}

static uint32_t pick(const pack_cli *c, int which, const fwp_mcu *m,
                     uint32_t dflt)
{
    static const size_t off[GEO_N] = {
        offsetof(fwp_mcu, flash_base), offsetof(fwp_mcu, flash_size),
        offsetof(fwp_mcu, erase_block), offsetof(fwp_mcu, write_unit),
        offsetof(fwp_mcu, window_bits), offsetof(fwp_mcu, frame_size)};
    if (c->has_geo[which])
        return c->geo[which];
    if (m)
        return *(const uint32_t *)((const char *)m + off[which]);
    return dflt;
}

/* zopfli's window is 32 KiB: a smaller window is for a device that
 * cannot hold that much RAM, so refuse rather than widen it. */
static int level_max_window(const pack_cli *c, const fwp_target_opts *t)
{
    if (c->has_geo[GEO_WINDOW])
        return cli_error(EXIT_USAGE, "pack: --level max needs --window-bits "
                                     "%d (zopfli's window is 32 KiB), not %u",
                         FWP_LEVEL_MAX_WINDOW_BITS,
                         (unsigned)t->window_bits);
    return cli_error(EXIT_USAGE, "pack: --level max needs window bits %d "
                                 "(zopfli's window is 32 KiB), but target "
                                 "%s's MCU %s has %u for its RAM: use "
                                 "--level 9, or --window-bits %d if the "
                                 "bootloader has a 32 KiB window",
                     FWP_LEVEL_MAX_WINDOW_BITS, t->name, t->mcu,
                     (unsigned)t->window_bits, FWP_LEVEL_MAX_WINDOW_BITS);
}

/* The dictionary lives in flash on the device (format/SPEC.md 6.1), so
 * by default it covers the whole image: a profile's window bits are for
 * deflate's RAM window and do not apply.  lc/lp/pb: the profile's, each
 * overridden by its option. */
static int lzma_choices(const pack_cli *c, fwp_target_opts *t,
                        const fwp_mcu *m)
{
    uint32_t size = fwp_image_size(&t->image), bits = FWPK_LZMA_DICT_BITS_MIN;
    uint32_t d[3];
    while (bits < FWPK_LZMA_DICT_BITS_MAX && ((uint32_t)1 << bits) < size)
        bits++;
    /* a delta's patch history stays in the device's RAM (patch.h) */
    if (c->base && bits > FWPK_WINDOW_BITS_MAX)
        bits = FWPK_WINDOW_BITS_MAX;
    t->window_bits = c->has_geo[GEO_WINDOW] ? c->geo[GEO_WINDOW] : bits;
    if (t->window_bits < FWPK_LZMA_DICT_BITS_MIN ||
        t->window_bits > FWPK_LZMA_DICT_BITS_MAX)
        return cli_error(EXIT_USAGE, "pack: --window-bits for lzma must be "
                                     "%d..%d (a dictionary of 4 KiB to "
                                     "1 GiB), not %u",
                         FWPK_LZMA_DICT_BITS_MIN, FWPK_LZMA_DICT_BITS_MAX,
                         (unsigned)t->window_bits);
    fwp_mcu_default_lzma(m, &d[0], &d[1], &d[2]);
    for (int i = 0; i < 3; i++)
        if (c->has_lzma[i])
            d[i] = c->lzma[i];
    if (d[0] + d[1] > FWPK_LZMA_LCLP_LIMIT)
        return cli_error(EXIT_USAGE, "pack: lzma lc %u + lp %u is more than "
                                     "%d", (unsigned)d[0], (unsigned)d[1],
                         FWPK_LZMA_LCLP_LIMIT);
    t->lzma_props = (d[2] * 5 + d[1]) * 9 + d[0];
    return 0;
}

static int geometry(const pack_cli *c, fwp_target_opts *t, const fwp_mcu *m)
{
    const fwp_image *im = &t->image;
    uint64_t lo = im->segs[0].addr, hi = (uint64_t)im->segs[im->count - 1].addr +
                                         im->segs[im->count - 1].len;
    /* The flash a reader accepts is whole erase blocks (SPEC.md 4.2): the
     * default one is the image's span in blocks of at least 4 KiB. */
    t->erase_block = pick(c, GEO_ERASE, m, 4096);
    uint64_t unit = t->erase_block > 4096 ? t->erase_block : 4096;
    t->flash_base = pick(c, GEO_BASE, m, (uint32_t)(lo / unit * unit));
    uint64_t span = hi > t->flash_base ? hi - t->flash_base : 1;
    span = (span + unit - 1) / unit * unit;
    if (span > 0x100000000ULL - t->flash_base)
        span = 0x100000000ULL - t->flash_base;
    t->flash_size = pick(c, GEO_SIZE, m, (uint32_t)span);
    t->write_unit = pick(c, GEO_WRITE, m, 4);
    t->window_bits = pick(c, GEO_WINDOW, m, 15);
    t->frame_size = pick(c, GEO_FRAME, m, FWPK_FRAME_SIZE_DEFAULT);
    t->level = c->has_level ? (int)c->level : 9;
    t->codec = !c->codec || strcmp(c->codec, "deflate") == 0
                   ? FWPK_CODEC_DEFLATE
               : strcmp(c->codec, "none") == 0 ? FWPK_CODEC_NONE
                                               : FWPK_CODEC_LZMA;
    if (t->codec == FWPK_CODEC_DEFLATE &&
        t->window_bits > FWPK_WINDOW_BITS_MAX)
        return cli_error(EXIT_USAGE, "pack: --window-bits %u: deflate's "
                                     "window is %d..%d bits (above that, "
                                     "--codec lzma)",
                         (unsigned)t->window_bits, FWPK_WINDOW_BITS_MIN,
                         FWPK_WINDOW_BITS_MAX);
    if (t->codec == FWPK_CODEC_DEFLATE && t->level == FWP_LEVEL_MAX &&
        t->window_bits != FWP_LEVEL_MAX_WINDOW_BITS)
        return level_max_window(c, t);
    if (c->filter)
        fwp_filter_from_name(c->filter, &t->filter);
    else
        t->filter = fwp_mcu_default_filter(m);
    return t->codec == FWPK_CODEC_LZMA ? lzma_choices(c, t, m) : 0;
}

/* Generic geometry spans every byte from the lowest to the highest: a
 * stray record far away makes a flash window of megabytes around a small
 * image (and unpack a huge .bin). */
static void warn_gap(const fwp_target_opts *t)
{
    uint64_t data = fwp_image_size(&t->image), at = 0, to = 0;
    uint64_t gap = fwp_image_widest_gap(&t->image, &at, &to);
    if (gap < GAP_WARN_MIN || gap < data)
        return;
    cli_warn("target %s: %llu bytes of data around a gap of %llu bytes "
             "(0x%08llx..0x%08llx), all of it in the flash window: a stray "
             "record? Drop it with --crop LO:HI or --exclude LO:HI, or give "
             "--mcu", t->name, (unsigned long long)data,
             (unsigned long long)gap, (unsigned long long)at,
             (unsigned long long)to - 1);
}

/* The verifier build the profile names (with LZMA, for an LZMA target),
 * at this target's window and frame size, against the part's RAM and flash
 * (verifier_fit.c). */
static void warn_fit(const fwp_target_opts *t, const fwp_mcu *m)
{
    fwp_mcu_fit f;
    fwp_buf b = {0};
    uint32_t wbits = t->codec == FWPK_CODEC_NONE ? FWPK_WINDOW_BITS_MIN
                                                 : t->window_bits;
    if (t->codec == FWPK_CODEC_LZMA) /* the dictionary is not RAM */
        fwp_mcu_fit_check_lzma(m, t->window_bits, t->frame_size,
                               t->lzma_props, &f);
    else
        fwp_mcu_fit_check(m, wbits, t->frame_size, &f);
    if (t->codec == FWPK_CODEC_LZMA && !f.build) {
        cli_warn("target %s: the %s's %s build has no LZMA decoder (none "
                 "measured: fwpack mcus): it would refuse this container "
                 "(--codec deflate)", t->name, m->id, m->build);
        return;
    }
    if (!f.known || (f.ram_fits && f.flash_fits))
        return;
    fwp_mcu_fit_text(m, &f, &b);
    cli_warn("target %s: the device verifier does not fit the %s, so a "
             "bootloader on it cannot check this container (fwpack flash "
             "checks it on the host instead): %s (fwpack mcus)",
             t->name, m->id, b.data ? b.data : "");
    fwp_buf_free(&b);
}

/* Whether build b is compiled with 'flag' (a whole word of its cflags:
 * "-DFWPK_TARGETS=1" is not "-DFWPK_TARGETS=16"). */
static int build_has_flag(const fwp_verifier_build *b, const char *flag)
{
    size_t n = strlen(flag);
    for (const char *p = b ? b->cflags : NULL; p && (p = strstr(p, flag));
         p += n)
        if ((p == b->cflags || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
            return 1;
    return 0;
}

/* A build for one target (FWPK_TARGETS=1, avr-one) refuses a container
 * with more before anything is erased. */
static void warn_one_target(const fwp_target_opts *t, const fwp_mcu *m)
{
    const fwp_verifier_build *b = fwp_verifier_build_find(m->build);
    if (build_has_flag(b, "-DFWPK_TARGETS=1"))
        cli_warn("target %s: the %s's %s build takes containers of one "
                 "target (FWPK_TARGETS=1): it would refuse this one",
                 t->name, m->id, b->id);
}

/* A delta's patch is not in flash, so its whole window must be the
 * device's RAM ring (docs/porting.md 3), and a build that reads the
 * window back from flash keeps only 2^ring_bits of it in RAM: below the
 * smallest window, only codec none fits. */
static void warn_delta_ring(const fwp_target_opts *t, const fwp_mcu *m)
{
    const fwp_verifier_build *b = fwp_verifier_build_find(m->build);
    char fix[32] = "--codec none";
    if (build_has_flag(b, "-DFWPK_DELTA=0")) {
        cli_warn("target %s: the %s's %s build leaves delta updates out "
                 "(FWPK_DELTA=0): it would refuse this container",
                 t->name, m->id, b->id);
        return;
    }
    if (!b || !b->ring_bits || t->codec == FWPK_CODEC_NONE ||
        t->window_bits <= b->ring_bits)
        return;
    if (b->ring_bits >= FWPK_WINDOW_BITS_MIN)
        snprintf(fix, sizeof fix, "--window-bits %u",
                 (unsigned)b->ring_bits);
    cli_warn("target %s: a delta's window must fit the device's RAM ring, "
             "and the %s's %s build has 2^%u: it would refuse this window "
             "(2^%u); pack the delta with %s",
             t->name, m->id, b->id, (unsigned)b->ring_bits,
             (unsigned)t->window_bits, fix);
}

static int known_geometry(const pack_cli *c)
{
    return c->has_geo[GEO_BASE] && c->has_geo[GEO_SIZE] &&
           c->has_geo[GEO_ERASE] && c->has_geo[GEO_WRITE];
}

int pack_make_target(const pack_cli *c, const tspec *s, fwp_target_opts *t)
{
    char q[FWP_QUOTE_BUF];
    const char *id = s->mcu ? s->mcu : c->mcu ? c->mcu : "";
    const fwp_mcu *m = *id ? fwp_mcu_list_find(&c->profiles, id) : NULL;
    t->name = s->name;
    t->mcu = m ? m->id : id; /* the profile's own spelling */
    if (*id && !m && !known_geometry(c))
        return cli_error(EXIT_USAGE, "pack: unknown MCU '%s': fwpack mcus "
                                     "lists the profiles; describe another "
                                     "part with --mcu-file, or give "
                                     "--flash-base, --flash-size, "
                                     "--erase-block and --write-unit",
                         fwp_quote(id, q));
    int rc = load_image(s, &t->image);
    if (rc == 0)
        rc = apply_ranges(c, s, &t->image);
    if (rc == 0)
        rc = geometry(c, t, m);
    if (rc == 0 && m)
        warn_fit(t, m);
    if (rc == 0 && m && c->spec_count > 1)
        warn_one_target(t, m);
    if (rc == 0 && m && c->base)
        warn_delta_ring(t, m);
    if (rc == 0 && !m && !c->has_geo[GEO_SIZE])
        warn_gap(t);
    return rc;
}

/* The base must be the image the device runs in this target's place:
 * same first address, inside the target's flash. */
static int base_range(const pack_cli *c, const fwp_target_opts *t,
                      const fwp_image *b)
{
    const fwp_seg *last = &b->segs[b->count - 1];
    uint64_t end = (uint64_t)last->addr + last->len;
    uint64_t fend = (uint64_t)t->flash_base + t->flash_size;
    if (b->segs[0].addr != t->image.segs[0].addr || b->segs[0].addr <
        t->flash_base || end > fend)
        return cli_error(EXIT_INPUT, "pack: base %s holds 0x%08x..0x%08llx, "
                                     "target %s's image starts at 0x%08x in "
                                     "flash 0x%08x..0x%08llx: a base for "
                                     "another address range",
                         fwp_file_name(c->base), (unsigned)b->segs[0].addr,
                         (unsigned long long)end - 1, t->name,
                         (unsigned)t->image.segs[0].addr,
                         (unsigned)t->flash_base,
                         (unsigned long long)fend - 1);
    return 0;
}

int pack_delta_base(pack_cli *c, fwp_target_opts *t)
{
    fwp_image b;
    fwp_err err;
    const char *name = fwp_file_name(c->base);
    if (fwp_base_load(c->base, t->name, t->image.segs[0].addr, &b,
                      c->base_ver, &err))
        return cli_fail(&err, EXIT_INPUT);
    tspec s = {t->name, NULL, c->base, 0, 0};
    int rc = apply_ranges(c, &s, &b);
    if (rc == 0)
        rc = base_range(c, t, &b);
    if (rc == 0 && fwp_base_flatten(&b, name, &c->base_bytes, &t->base_size,
                                    &err))
        rc = cli_fail(&err, EXIT_INPUT);
    fwp_image_free(&b);
    if (rc)
        return rc;
    if (c->base_version)
        snprintf(c->base_ver, sizeof c->base_ver, "%s", c->base_version);
    if (!c->base_ver[0])
        return cli_error(EXIT_USAGE, "pack: base %s is not a container: give "
                                     "its version with --base-version",
                         name);
    t->base = c->base_bytes;
    t->base_version = c->base_ver;
    return 0;
}
