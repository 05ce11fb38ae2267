/* test_resume_invariant.c - issue 21's invariant: whenever fwpk_finish
 * returns FWPK_OK, flash holds that container's image byte for byte, however
 * interrupted updates of several containers interleave, whichever record a
 * resume starts from, and whatever happened to the flash in between.
 *
 *   random interleavings   seeded sequences of boots and tampers over eight
 *                          containers, LZMA among them
 *                          (tests/support/interleave.h)
 *   tamper after a record  every record of every container, the flash
 *                          changed below and above what the record covers:
 *                          refused when a byte of the image changed, else
 *                          installed
 *   issue 21's sweep       its reproduction (C1, C2, C1 resumed; and C2,
 *                          C1, C2) with both cut points swept, download
 *                          cuts and power cuts
 *
 * Environment: RESUME_INVARIANT_RUNS (random interleavings, default 300),
 * RESUME_INVARIANT_SEED (the first one's seed, default 1; interleaving i has
 * seed + i), RESUME_INVARIANT_FULL=1 (issue 21's sweeps in full, below).
 * `make resume-invariant` runs 20,000 interleavings and the full sweeps
 * (a few minutes).  A failure prints the seed or the cut points and the
 * whole sequence of boots.
 *
 * make check also runs it in the other memory designs (mk/modes.mk:
 * streaming, window in flash), there with smaller defaults (SMALLER). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interleave.h"

/* The builds of mk/modes.mk: 100 random interleavings, download cuts only
 * at frame ends, power cuts in boot 2's first block; so that the three
 * runs in make check stay near 20 s under ASan. */
#if FWPK_FRAME_BUFFER && FWPK_RING_BITS >= FWPK_WINDOW_BITS
#define SMALLER 0
#else
#define SMALLER 1
#endif

static fwp_keypair kp;
static il_set set;
static il_device dev;

static int setup(void **state)
{
    uint8_t seed[32] = {21};
    fwp_err err;
    (void)state;
    if (sodium_init() < 0)
        return -1;
    crypto_sign_seed_keypair(kp.pk, kp.sk, seed);
    if (il_set_standard(&set, &kp, &err)) {
        fprintf(stderr, "pack: %s\n", err.msg);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    il_set_free(&set);
    return 0;
}

static unsigned long env_number(const char *name, unsigned long def)
{
    const char *v = getenv(name);
    return v && *v ? strtoul(v, NULL, 0) : def;
}

static void stats_add(il_stats *sum, const il_stats *s)
{
    sum->boots += s->boots;
    sum->installed += s->installed;
    sum->installed_resumed += s->installed_resumed;
    sum->refused_resume += s->refused_resume;
    sum->cut += s->cut;
    sum->stopped += s->stopped;
    sum->tampers += s->tampers;
}

/* ---- random interleavings ---- */

static void test_random_interleavings(void **state)
{
    unsigned long runs = env_number("RESUME_INVARIANT_RUNS", SMALLER ? 100 : 300);
    unsigned long seed0 = env_number("RESUME_INVARIANT_SEED", 1);
    il_stats sum;
    unsigned long i;
    (void)state;
    memset(&sum, 0, sizeof sum);
    for (i = 0; i < runs; i++) {
        il_src src;
        uint32_t events, e;
        il_src_random(&src, seed0 + i);
        assert_int_equal(il_device_init(&dev), 0);
        events = 4 + il_take(&src, 12);
        for (e = 0; e < events; e++)
            if (il_step(&dev, &set, &src)) {
                printf("# interleaving with seed %lu:\n%s", seed0 + i,
                       dev.log);
                fail_msg("the invariant broke in the interleaving above "
                         "(replay: RESUME_INVARIANT_SEED=%lu "
                         "RESUME_INVARIANT_RUNS=1)",
                         seed0 + i);
            }
        stats_add(&sum, &dev.stats);
        il_device_free(&dev);
    }
    printf("# %lu interleavings (seeds %lu..%lu): %u boots, %u power cuts, "
           "%u broken downloads, %u tampers; %u installed (%u of them "
           "resumed), %u resumes refused; no violation\n",
           runs, seed0, seed0 + runs - 1, sum.boots, sum.cut, sum.stopped,
           sum.tampers, sum.installed, sum.installed_resumed,
           sum.refused_resume);
    /* the sequences reach what they are for */
    if (runs >= 100) {
        assert_true(sum.installed_resumed > 0);
        assert_true(sum.refused_resume > 0);
        assert_true(sum.cut > 0 && sum.stopped > 0 && sum.tampers > 0);
    }
}

/* ---- flash changed between a record and the resume ---- */

/* Flash address of image offset off in container c, or 0 past its end. */
static uint32_t image_addr(const il_container *c, uint32_t off)
{
    size_t s;
    for (s = 0; s < c->image.count; s++) {
        if (off < c->image.segs[s].len)
            return c->image.segs[s].addr + off;
        off -= c->image.segs[s].len;
    }
    return 0;
}

/* Nonzero when an image byte below offset 'below' differs in flash. */
static int changed_below(const il_device *d, const il_container *c,
                         uint32_t below)
{
    uint32_t done = 0;
    size_t s;
    for (s = 0; s < c->image.count && done < below; s++) {
        const fwp_seg *seg = &c->image.segs[s];
        uint32_t n = seg->len < below - done ? seg->len : below - done;
        if (memcmp(d->flash.mem + (seg->addr - IL_BASE), seg->data, n) != 0)
            return 1;
        done += n;
    }
    return 0;
}

static il_boot_plan plan_for(int c, int start, int end, uint32_t at)
{
    il_boot_plan p;
    memset(&p, 0, sizeof p);
    p.container = c;
    p.start = start;
    p.end = end;
    p.at = at;
    p.chunk = 1000;
    p.keep = IL_KEEP_ALL;
    p.fail_at = -1;
    return p;
}

typedef struct {
    unsigned scenarios, refused, installed;
} tamper_count;

/* The flash as at record k of container c's install (a power cut at the
 * next operation), then t, then a resume from that record. */
static void tamper_one(int c, const il_record *rk, il_tamper_plan *t,
                       tamper_count *n)
{
    const il_container *con = &set.c[c];
    il_boot_plan p = plan_for(c, IL_BEGIN, IL_POWER_CUT, rk->op);
    int violation, changed;
    fwpk_err err;
    assert_int_equal(il_device_init(&dev), 0);
    assert_int_not_equal(il_boot(&dev, &set, &p, &violation), FWPK_OK);
    assert_false(violation);
    assert_true(dev.record_count > 0);
    assert_int_equal(dev.records[dev.record_count - 1].rec.flushed,
                     rk->rec.flushed);
    il_tamper(&dev, &set, t);
    changed = changed_below(&dev, con, rk->rec.flushed);
    p = plan_for(c, IL_RESUME, IL_FULL, 0);
    p.record = dev.record_count - 1;
    err = il_boot(&dev, &set, &p, &violation);
    if (violation || (changed && err == FWPK_OK) ||
        (!changed && (err != FWPK_OK || !il_installed(&dev, &set, c)))) {
        printf("%s", dev.log);
        fail_msg("%s the image below the record's %u bytes, the resume "
                 "above ended %s",
                 changed ? "with a byte changed in" : "with nothing changed in",
                 rk->rec.flushed, fwpk_strerror(err));
    }
    n->scenarios++;
    n->refused += err != FWPK_OK;
    n->installed += err == FWPK_OK;
    il_device_free(&dev);
}

/* Where to tamper, as image offsets: the first byte, the record's
 * released point (the old code's unchecked range began there), the middle
 * and the last byte of what the record covers, and beyond it. */
static void tamper_offsets(const il_container *c, const fwpk_resume *r,
                           uint32_t off[6])
{
    uint32_t released = r->decoded - r->unfilter.count;
    uint32_t size = fwp_image_size(&c->image);
    off[0] = 0;
    off[1] = released < r->flushed ? released : 0;
    off[2] = released + (r->flushed - released) / 2;
    off[3] = r->flushed - 1;
    off[4] = r->flushed < size ? r->flushed : size - 1;
    off[5] = size - 1;
}

static void test_tamper_after_record(void **state)
{
    /* il_set_standard: containers 0, 1, 4, 6, 8 hold image a, 2, 3, 5, 7
     * image b */
    static const int sibling[9] = {1, 4, 3, 5, 6, 7, 0, 2, 1};
    static const int stranger[9] = {2, 3, 0, 1, 5, 4, 7, 6, 3};
    tamper_count n = {0, 0, 0};
    int c;
    (void)state;
    assert_int_equal(set.count, 9);
    for (c = 0; c < set.count; c++) {
        const il_container *con = &set.c[c];
        il_boot_plan p = plan_for(c, IL_BEGIN, IL_FULL, 0);
        il_record recs[32];
        uint32_t count, k;
        int violation;
        fwpk_err err;
        assert_int_equal(il_device_init(&dev), 0);
        err = il_boot(&dev, &set, &p, &violation);
#if FWPK_RING_BITS < FWPK_WINDOW_BITS
        /* the window in flash cannot redo the rv32 filter (fwpk_verify.h):
         * this build refuses container 4 */
        if (err == FWPK_ERR_LIMIT) {
            printf("# container %d refused by this build (%s)\n", c,
                   fwpk_strerror(err));
            il_device_free(&dev);
            continue;
        }
#endif
        assert_int_equal(err, FWPK_OK);
        assert_true(il_installed(&dev, &set, c));
        count = dev.record_count;
        assert_true(count > 0 && count <= 32);
        memcpy(recs, dev.records, count * sizeof recs[0]);
        il_device_free(&dev);
        for (k = 0; k < count; k++) {
            uint32_t off[6];
            int i, kind;
            tamper_offsets(con, &recs[k].rec, off);
            for (i = 0; i < 6; i++)
                for (kind = 0; kind < 4; kind++) {
                    il_tamper_plan t;
                    memset(&t, 0, sizeof t);
                    t.addr = image_addr(con, off[i]);
                    t.mask = 0x10;
                    t.kind = kind < 2 ? kind : IL_FOREIGN;
                    t.len = 300;
                    /* 300 bytes of a container of the same image family
                     * (mostly the same bytes: may change nothing), or of
                     * the other family */
                    t.source = kind == 2 ? sibling[c] : stranger[c];
                    tamper_one(c, &recs[k], &t, &n);
                }
        }
    }
    printf("# %u tampers after a record, then a resume: %u refused (an "
           "image byte below the record had changed), %u installed exactly\n",
           n.scenarios, n.refused, n.installed);
    assert_true(n.refused > 0 && n.installed > 0);
}

/* ---- issue 21's reproduction, swept ----
 *
 * Its geometry (64 KiB at 0x08000000, 2 KiB erase blocks, 8-byte writes)
 * and containers: C1 = 12,000 random bytes in 8 KiB frames, version 2.0.0;
 * C2 = 12,000 other random bytes in 1 KiB frames, version 1.0.0; both
 * codec none, filter none, signed by the same key.  The bootloader keeps
 * the newest record, resumes from it when there is one and starts over on
 * FWPK_ERR_RESUME.  Boot 1 offers one container and ends at the first cut
 * point, boot 2 offers the other and ends at the second, boot 3 offers the
 * first in full: C1, C2, C1 as in the issue, and C2, C1, C2.  Boot 3 must
 * install its container exactly, and no boot may report success on other
 * bytes.
 *
 * Download cuts, what the issue describes: with codec none, what a boot
 * leaves (flash and records) depends only on how many whole frames it got,
 * so cutting at each frame's end, one byte before and one after, gives
 * every outcome any sweep of the two cut points can have (the issue's
 * 1,512 included; its text does not say where they fell); every 4096th
 * byte is added (every 256th with RESUME_INVARIANT_FULL).  Power cuts: at
 * every flash operation of boot 1, and of boot 2's first two erase blocks
 * and the next erase, where it has not yet or only just left records of
 * its own (every operation with RESUME_INVARIANT_FULL). */

static il_set set21;
static il_device after1; /* the flash and records after boot 1 */

typedef struct {
    int first, second;       /* containers of boots 1 (and 3) and 2 */
    unsigned runs, resumed, refused, fresh;
    unsigned foreign;        /* a boot broke the invariant */
    unsigned stuck;          /* boot 3 did not install its container */
    char first_bad[IL_LOG_MAX]; /* the first bad interleaving's log */
} sweep_count;

static void issue21_containers(void)
{
    static uint8_t c1[12000], c2[12000];
    il_spec s1 = {"C1", FWPK_CODEC_NONE, 0, 8192, FWPK_FILTER_NONE, 8,
                  "2.0.0", {IL_BASE, 0}, {12000, 0}, {c1, NULL}, 0, NULL, 0};
    il_spec s2 = {"C2", FWPK_CODEC_NONE, 0, 1024, FWPK_FILTER_NONE, 8,
                  "1.0.0", {IL_BASE, 0}, {12000, 0}, {c2, NULL}, 0, NULL, 0};
    il_src src;
    fwp_err err;
    size_t i;
    il_src_random(&src, 21);
    for (i = 0; i < sizeof c1; i++)
        c1[i] = (uint8_t)il_take(&src, 256);
    for (i = 0; i < sizeof c2; i++)
        c2[i] = (uint8_t)il_take(&src, 256);
    memset(&set21, 0, sizeof set21);
    if (il_set_add(&set21, &s1, &kp, &err) ||
        il_set_add(&set21, &s2, &kp, &err))
        fail_msg("pack: %s", err.msg);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Download cut points of c: every 'step'th byte, the end of the signature
 * block and of each frame, one byte before and after each, and the whole
 * container (no cut).  Sorted, each once. */
static uint32_t download_cuts(const il_container *c, uint32_t step,
                              uint32_t *out, uint32_t cap)
{
    fwp_layout lay;
    fwp_err err;
    uint32_t n = 0, i, k, at;
    assert_int_equal(fwp_layout_parse(c->box, c->len, c->name, &lay, &err),
                     0);
    for (at = 0; at < c->len && n < cap; at += step)
        out[n++] = at;
    for (at = (uint32_t)lay.frames_offset; n + 3 <= cap;) {
        out[n++] = at - 1;
        out[n++] = at;
        if (at + 1 < c->len)
            out[n++] = at + 1;
        if (at >= c->len)
            break;
        at += FWPK_FRAME_HEADER_LEN + (c->box[at] | c->box[at + 1] << 8);
    }
    qsort(out, n, sizeof out[0], cmp_u32);
    for (i = k = 0; i < n; i++)
        if (k == 0 || out[i] != out[k - 1])
            out[k++] = out[i];
    return k;
}

/* Flash operations of a whole install of container c on a fresh device. */
static uint32_t install_ops(il_set *s, int c)
{
    il_boot_plan p = plan_for(c, IL_BEGIN, IL_FULL, 0);
    int violation;
    uint32_t ops;
    assert_int_equal(il_device_init(&dev), 0);
    assert_int_equal(il_boot(&dev, s, &p, &violation), FWPK_OK);
    ops = dev.flash.erases + dev.flash.writes;
    il_device_free(&dev);
    return ops;
}

static void sweep_boot(il_device *d, int c, int end, uint32_t at,
                       int *violation, fwpk_err *err)
{
    il_boot_plan p = plan_for(c, IL_RESUME, end, at);
    int v;
    p.record = d->record_count ? d->record_count - 1 : 0; /* the newest */
    p.fallback = 1;
    *err = il_boot(d, &set21, &p, &v);
    *violation |= v;
}

/* Boots 2 and 3 from the state after boot 1. */
static void sweep_rest(int end, uint32_t at, sweep_count *n)
{
    il_stats before;
    int violation = 0, stuck;
    fwpk_err err;
    il_device_copy(&dev, &after1);
    sweep_boot(&dev, n->second, end, at, &violation, &err);
    before = dev.stats;
    sweep_boot(&dev, n->first, IL_FULL, 0, &violation, &err);
    stuck = err != FWPK_OK || !il_installed(&dev, &set21, n->first);
    if (stuck)
        snprintf(dev.log + dev.log_len, sizeof dev.log - dev.log_len,
                 "  boot 3 did not install its container\n");
    n->runs++;
    n->foreign += violation != 0;
    n->stuck += stuck;
    if ((violation || stuck) && n->foreign + n->stuck == 1)
        memcpy(n->first_bad, dev.log, sizeof n->first_bad);
    if (dev.stats.refused_resume > before.refused_resume)
        n->refused++;
    else if (dev.stats.installed_resumed > before.installed_resumed)
        n->resumed++;
    else
        n->fresh++;
}

static void sweep_first(int c, int end, uint32_t at)
{
    int violation = 0;
    fwpk_err err;
    assert_int_equal(il_device_init(&dev), 0);
    sweep_boot(&dev, c, end, at, &violation, &err);
    if (violation) {
        printf("%s", dev.log);
        fail_msg("boot 1 alone broke the invariant");
    }
    il_device_copy(&after1, &dev);
    il_device_free(&dev);
}

static void sweep_report(const char *what, sweep_count *n, int total)
{
    printf("# issue 21, %s, %s %s %s: %u interleavings; boot 3 resumed %u, "
           "refused the record and started over %u, began with no record "
           "%u; %u broke the invariant, %u did not install %s\n",
           what, set21.c[n->first].name, set21.c[n->second].name,
           set21.c[n->first].name, n->runs, n->resumed, n->refused, n->fresh,
           n->foreign, n->stuck, set21.c[n->first].name);
    if (total)
        printf("# issue 21, %s: %d interleavings in all\n", what, total);
    if (n->foreign || n->stuck) {
        printf("# the first:\n%s", n->first_bad);
        fail_msg("%u of %u interleavings reported success on other bytes "
                 "than the image's, %u ended without %s",
                 n->foreign, n->runs, n->stuck, set21.c[n->first].name);
    }
}

static void test_issue21_download_cuts(void **state)
{
    static uint32_t cuts[2][512];
    uint32_t step = env_number("RESUME_INVARIANT_FULL", 0) ? 256
                    : SMALLER                             ? 0x10000
                                                          : 4096;
    uint32_t count[2], i, j;
    int total = 0, order;
    (void)state;
    issue21_containers();
    for (order = 0; order < 2; order++)
        count[order] = download_cuts(&set21.c[order], step, cuts[order], 512);
    assert_int_equal(il_device_init(&after1), 0);
    for (order = 0; order < 2; order++) {
        sweep_count n;
        memset(&n, 0, sizeof n);
        n.first = order;
        n.second = !order;
        for (i = 0; i < count[n.first]; i++) {
            sweep_first(n.first, IL_DOWNLOAD_STOP, cuts[n.first][i]);
            assert_int_equal(il_device_init(&dev), 0);
            for (j = 0; j < count[n.second]; j++)
                sweep_rest(IL_DOWNLOAD_STOP, cuts[n.second][j], &n);
            il_device_free(&dev);
        }
        total += (int)n.runs;
        sweep_report("download cuts", &n, order ? total : 0);
    }
    il_device_free(&after1);
    il_set_free(&set21);
}

static void test_issue21_power_cuts(void **state)
{
    uint32_t ops[2], i, j;
    int total = 0, order;
    (void)state;
    issue21_containers();
    for (order = 0; order < 2; order++)
        ops[order] = install_ops(&set21, order);
    assert_int_equal(il_device_init(&after1), 0);
    for (order = 0; order < 2; order++) {
        sweep_count n;
        uint32_t second_ops;
        memset(&n, 0, sizeof n);
        n.first = order;
        n.second = !order;
        second_ops = ops[n.second];
        if (!env_number("RESUME_INVARIANT_FULL", 0)) /* blocks, an erase */
            second_ops = (SMALLER ? 1 : 2) *
                         (IL_ERASE_BLOCK / FWPK_WRITE_UNIT_MAX + 1);
        for (i = 0; i <= ops[n.first]; i++) { /* the last: no cut */
            sweep_first(n.first, IL_POWER_CUT, i);
            assert_int_equal(il_device_init(&dev), 0);
            for (j = 0; j <= second_ops; j++)
                sweep_rest(IL_POWER_CUT, j, &n);
            il_device_free(&dev);
        }
        total += (int)n.runs;
        sweep_report("power cuts", &n, order ? total : 0);
    }
    il_device_free(&after1);
    il_set_free(&set21);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue21_download_cuts),
        cmocka_unit_test(test_issue21_power_cuts),
        cmocka_unit_test(test_tamper_after_record),
        cmocka_unit_test(test_random_interleavings),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
