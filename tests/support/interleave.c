/* interleave.c - see interleave.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interleave.h"

/* ---- the containers ---- */

int il_set_add(il_set *set, const il_spec *spec, const fwp_keypair *kp,
               fwp_err *err)
{
    il_container *c;
    fwp_target_opts t;
    fwp_pack_opts o;
    int i;
    if (set->count >= IL_MAX_CONTAINERS)
        return fwp_fail(err, "%s: more than %d containers", spec->name,
                        IL_MAX_CONTAINERS);
    c = &set->c[set->count];
    memset(&t, 0, sizeof t);
    t.name = "main";
    t.mcu = "";
    t.flash_base = IL_BASE;
    t.flash_size = IL_FLASH;
    t.erase_block = IL_ERASE_BLOCK;
    t.write_unit = spec->write_unit;
    t.codec = spec->codec;
    t.window_bits = spec->window_bits;
    t.frame_size = spec->frame_size;
    t.level = 9;
    t.filter = spec->filter;
    t.lzma_props = spec->lzma_props;
    t.base = spec->base;
    t.base_size = spec->base_len;
    t.base_version = "1.0.0";
    for (i = 0; i < 2 && spec->len[i] > 0; i++)
        if (fwp_image_add(&t.image, spec->addr[i], spec->data[i], spec->len[i],
                          spec->name, err)) {
            fwp_image_free(&t.image);
            return -1;
        }
    memset(&o, 0, sizeof o);
    o.product = "widget";
    o.version = spec->version;
    o.build_time = 1700000000;
    o.targets = &t;
    o.target_count = 1;
    o.keys = kp;
    o.key_count = 1;
    memset(c, 0, sizeof *c);
    if (fwp_pack(&o, &c->box, &c->len, err)) {
        fwp_image_free(&t.image);
        return -1;
    }
    snprintf(c->name, sizeof c->name, "%s", spec->name);
    c->image = t.image; /* normalized by fwp_pack: what the device gets */
    if (set->count == 0) {
        memset(&set->key, 0, sizeof set->key);
        memcpy(set->key.pk, kp->pk, sizeof set->key.pk);
        fwp_key_id(set->key.pk, set->key.id);
    }
    set->count++;
    return 0;
}

/* Firmware-like bytes: Thumb BL pairs (so that the filters change
 * something), small literals, runs; deterministic from seed. */
static void firmware_bytes(uint8_t *p, size_t n, uint32_t seed)
{
    size_t i;
    for (i = 0; i + 3 < n; i += 4) {
        seed = seed * 1664525u + 1013904223u;
        switch (seed >> 30) {
        case 0: /* BL: f000 f800 with a 22-bit offset */
            p[i] = (uint8_t)(seed >> 8);
            p[i + 1] = (uint8_t)(0xf0 | ((seed >> 16) & 7));
            p[i + 2] = (uint8_t)(seed >> 20);
            p[i + 3] = 0xf8;
            break;
        case 1: /* a literal pool word near the image */
            p[i] = (uint8_t)(seed >> 12);
            p[i + 1] = (uint8_t)(seed >> 20) & 0x3f;
            p[i + 2] = 0x00;
            p[i + 3] = 0x08;
            break;
        default: /* two 16-bit opcodes from a short list */
            p[i] = (uint8_t)(0x20 + (seed >> 24) % 8);
            p[i + 1] = 0x46;
            p[i + 2] = (uint8_t)(seed >> 16);
            p[i + 3] = 0xbd;
        }
    }
    for (; i < n; i++)
        p[i] = 0xff;
}

static void random_bytes(uint8_t *p, size_t n, uint64_t seed)
{
    il_src s;
    size_t i;
    il_src_random(&s, seed);
    for (i = 0; i < n; i++)
        p[i] = (uint8_t)il_take(&s, 256);
}

#define IL_IMAGE_LEN 12000u

int il_set_standard(il_set *set, const fwp_keypair *kp, fwp_err *err)
{
    /* two families: a = firmware-like, b = random; primes = a few bytes
     * changed, so that another container's bytes are mostly the same */
    static uint8_t a[IL_IMAGE_LEN], a2[IL_IMAGE_LEN], b[IL_IMAGE_LEN],
        b2[IL_IMAGE_LEN];
    const il_spec specs[] = {
        {"a deflate f512", FWPK_CODEC_DEFLATE, 12, 512, FWPK_FILTER_NONE,
         8, "1.0.0", {IL_BASE, 0}, {10000, 0}, {a, NULL}, 0, NULL, 0},
        {"a' deflate+thumb f1024 w10", FWPK_CODEC_DEFLATE, 10, 1024,
         FWPK_FILTER_THUMB, 8, "1.1.0", {IL_BASE, 0}, {11000, 0}, {a2, NULL},
         0, NULL, 0},
        {"b stored f8192", FWPK_CODEC_NONE, 0, 8192, FWPK_FILTER_NONE, 8,
         "2.0.0", {IL_BASE, 0}, {IL_IMAGE_LEN, 0}, {b, NULL}, 0, NULL, 0},
        {"b' stored+rv32 f1024 wu32", FWPK_CODEC_NONE, 0, 1024,
         FWPK_FILTER_RV32, 32, "2.0.1", {IL_BASE, 0}, {IL_IMAGE_LEN, 0},
         {b2, NULL}, 0, NULL, 0},
        {"a 2 segments deflate+rv32 f4096", FWPK_CODEC_DEFLATE, 15, 4096,
         FWPK_FILTER_RV32, 8, "1.2.0", {IL_BASE, IL_BASE + 0x2040},
         {6000, 3000}, {a, a + 6000}, 0, NULL, 0},
        {"b deflate+thumb f256 w9 wu32", FWPK_CODEC_DEFLATE, 9, 256,
         FWPK_FILTER_THUMB, 32, "2.1.0", {IL_BASE, 0}, {7000, 0}, {b, NULL},
         0, NULL, 0},
        /* the dictionaries pass the flash-window builds' 512-byte ring:
         * history read back from flash, through the Thumb filter */
        {"a' lzma 0,1,1+thumb f1024 d14", FWPK_CODEC_LZMA, 14, 1024,
         FWPK_FILTER_THUMB, 8, "1.3.0", {IL_BASE, 0}, {11500, 0}, {a2, NULL},
         45 + 9, NULL, 0},
        {"b' lzma 1,0,2 f512 d12 wu32", FWPK_CODEC_LZMA, 12, 512,
         FWPK_FILTER_NONE, 32, "2.2.0", {IL_BASE, 0}, {9000, 0}, {b2, NULL},
         2 * 45 + 1, NULL, 0},
        /* against b, so that the patch spans frames (and records) */
        {"a' delta of b, deflate+thumb f256 w9", FWPK_CODEC_DEFLATE, 9,
         256, FWPK_FILTER_THUMB, 8, "1.1.1", {IL_BASE, 0}, {11000, 0},
         {a2, NULL}, 0, b, IL_IMAGE_LEN},
    };
    size_t i;
    firmware_bytes(a, sizeof a, 1);
    memcpy(a2, a, sizeof a2);
    for (i = 5000; i < 5100; i++)
        a2[i] ^= 0xa5;
    random_bytes(b, sizeof b, 2);
    memcpy(b2, b, sizeof b2);
    b2[100] ^= 1;
    memset(set, 0, sizeof *set);
    set->base = b;
    set->base_len = IL_IMAGE_LEN;
    for (i = 0; i < sizeof specs / sizeof specs[0]; i++)
        if (il_set_add(set, &specs[i], kp, err)) {
            il_set_free(set);
            return -1;
        }
    return 0;
}

void il_set_free(il_set *set)
{
    int i;
    for (i = 0; i < set->count; i++) {
        free(set->c[i].box);
        fwp_image_free(&set->c[i].image);
    }
    set->count = 0;
}

/* ---- the device ---- */

static void logf_(il_device *d, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void logf_(il_device *d, const char *fmt, ...)
{
    va_list ap;
    int n;
    if (d->log_len + 1 >= sizeof d->log)
        return;
    va_start(ap, fmt);
    n = vsnprintf(d->log + d->log_len, sizeof d->log - d->log_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        d->log_len += (size_t)n;
    if (d->log_len >= sizeof d->log)
        d->log_len = sizeof d->log - 1;
}

int il_device_init(il_device *d)
{
    uint32_t i;
    memset(d, 0, sizeof *d);
    if (fwp_flash_init(&d->flash, IL_BASE, IL_FLASH, IL_ERASE_BLOCK,
                       IL_WRITE_UNIT))
        return -1;
    for (i = 0; i < IL_FLASH; i++)
        d->flash.mem[i] = (uint8_t)(i * 131u + 7u);
    memset(d->flash.programmed, 1, IL_FLASH / IL_WRITE_UNIT);
    return 0;
}

void il_device_free(il_device *d)
{
    fwp_flash_free(&d->flash);
}

void il_device_copy(il_device *dst, const il_device *src)
{
    fwp_flash keep = dst->flash;
    uint32_t units = IL_FLASH / IL_WRITE_UNIT;
    *dst = *src;
    dst->flash.mem = keep.mem;
    dst->flash.programmed = keep.programmed;
    dst->flash.touched = keep.touched;
    memcpy(dst->flash.mem, src->flash.mem, IL_FLASH);
    memcpy(dst->flash.programmed, src->flash.programmed, units);
    memcpy(dst->flash.touched, src->flash.touched, units);
}

static fwpk_err keep_record(void *user, const fwpk_resume *rec)
{
    il_device *d = (il_device *)user; /* flash is the first member */
    uint32_t n = d->offered++;
    il_record *r;
    if ((long)n == d->fail_at)
        return FWPK_ERR_FLASH;
    if (d->keep == IL_KEEP_NONE || (d->keep == IL_KEEP_ALTERNATE && n % 2))
        return FWPK_OK;
    if (d->record_count == IL_MAX_RECORDS)
        return FWPK_OK;
    r = &d->records[d->record_count++];
    r->rec = *rec;
    r->container = d->container;
    r->boot = d->boots;
    r->op = d->flash.erases + d->flash.writes - d->ops_before;
    return FWPK_OK;
}

/* Finds the first flash address where a segment of c differs. */
static int first_difference(const il_device *d, const il_container *c,
                            uint32_t *addr)
{
    size_t s;
    uint32_t i;
    for (s = 0; s < c->image.count; s++) {
        const fwp_seg *seg = &c->image.segs[s];
        const uint8_t *m = d->flash.mem + (seg->addr - IL_BASE);
        for (i = 0; i < seg->len; i++)
            if (m[i] != seg->data[i]) {
                *addr = seg->addr + i;
                return 1;
            }
    }
    return 0;
}

int il_installed(const il_device *d, const il_set *set, int c)
{
    uint32_t addr;
    return !first_difference(d, &set->c[c], &addr);
}

/* One attempt of a boot: the verifier from begin (rec NULL) or from a
 * record, fed up to 'limit'. */
static fwpk_err attempt(il_device *d, const il_set *set, const il_container *c,
                        const il_boot_plan *plan, const fwpk_resume *rec,
                        size_t limit)
{
    static fwpk_ctx ctx; /* large: not on the stack */
    fwpk_policy pol;
    fwpk_flash cb;
    size_t off = 0;
    fwpk_err err;
    memset(&pol, 0, sizeof pol);
    pol.keys = &set->key;
    pol.key_count = 1;
    pol.target = "main";
    pol.window_lo = IL_BASE;
    pol.window_hi = IL_BASE + IL_FLASH;
    fwp_flash_bind(&d->flash, &cb);
    cb.checkpoint = keep_record;
    if (set->base) { /* the active slot: the deltas' base, as ever */
        memcpy(d->flash.mem + (IL_DELTA_BASE - IL_BASE), set->base,
               set->base_len);
        cb.base_addr = IL_DELTA_BASE;
    }
    err = rec ? fwpk_resume_begin(&ctx, &pol, &cb, rec)
              : fwpk_begin(&ctx, &pol, &cb);
    while (err == FWPK_OK && off < limit) {
        size_t n = limit - off;
        if (plan->chunk > 0 && n > plan->chunk)
            n = plan->chunk;
        err = fwpk_feed(&ctx, c->box + off, n);
        off += n;
        if (err == FWPK_OK && plan->jump) {
            uint32_t next = fwpk_resume_skip(&ctx);
            if (next > off)
                off = next;
        }
    }
    return err == FWPK_OK ? fwpk_finish(&ctx) : err;
}

static const char *keep_name(int keep)
{
    return keep == IL_KEEP_NONE ? ", records lost"
           : keep == IL_KEEP_ALTERNATE ? ", every other record lost"
                                       : "";
}

static void log_plan(il_device *d, const il_set *set, int ci, int resumed,
                     uint32_t ri, const il_boot_plan *plan)
{
    logf_(d, "boot %u: container %d \"%s\", ", d->boots, ci, set->c[ci].name);
    if (resumed) {
        const il_record *r = &d->records[ri];
        logf_(d,
              "resume from record %u (container %d, boot %u: frame %u, "
              "decoded %u, flushed %u)%s",
              ri, r->container, r->boot, r->rec.frame_index, r->rec.decoded,
              r->rec.flushed,
              plan->fallback ? ", start over on FWPK_ERR_RESUME" : "");
    } else {
        logf_(d, "begin");
    }
    logf_(d, ", pieces of %u%s%s", plan->chunk,
          plan->jump ? ", jumping" : "", keep_name(plan->keep));
    if (plan->fail_at >= 0)
        logf_(d, ", checkpoint fails at offer %d", plan->fail_at);
    if (plan->end == IL_POWER_CUT)
        logf_(d, ", power cut at flash operation %u", plan->at);
    else if (plan->end == IL_DOWNLOAD_STOP)
        logf_(d, ", download stops at byte %u", plan->at);
}

/* The invariant after a boot that ended with err. */
static int check(il_device *d, const il_set *set, int ci, fwpk_err err)
{
    uint32_t addr;
    int bad = 0;
    if (err == FWPK_OK && first_difference(d, &set->c[ci], &addr)) {
        logf_(d, "  VIOLATION: FWPK_OK, but flash differs from the image "
                 "at 0x%08x\n",
              addr);
        bad = 1;
    }
    if (err == FWPK_OK && d->flash.cut) {
        logf_(d, "  VIOLATION: FWPK_OK from a boot whose power was cut\n");
        bad = 1;
    }
    if (d->flash.problem[0] && !d->flash_tampered) {
        logf_(d, "  VIOLATION: flash rule broken: %s\n", d->flash.problem);
        bad = 1;
    }
    return bad;
}

fwpk_err il_boot(il_device *d, const il_set *set, const il_boot_plan *plan,
                 int *violation)
{
    int ci = plan->container % set->count;
    const il_container *c = &set->c[ci];
    int resumed = plan->start == IL_RESUME && d->record_count > 0;
    uint32_t ri = resumed ? plan->record % d->record_count : 0;
    size_t limit = c->len;
    fwpk_resume rec;
    fwpk_err err;
    if (plan->end == IL_DOWNLOAD_STOP && plan->at < limit)
        limit = plan->at;
    d->boots++;
    d->container = ci;
    d->keep = plan->keep;
    d->fail_at = plan->fail_at;
    d->offered = 0;
    d->ops_before = d->flash.erases + d->flash.writes;
    d->flash.cut = 0;
    d->flash.problem[0] = 0;
    d->flash.cut_after = plan->end == IL_POWER_CUT
                             ? (long)(d->ops_before + plan->at)
                             : -1;
    log_plan(d, set, ci, resumed, ri, plan);
    if (resumed)
        rec = d->records[ri].rec; /* a copy: records may grow meanwhile */
    err = attempt(d, set, c, plan, resumed ? &rec : NULL, limit);
    logf_(d, " -> %s", fwpk_strerror(err));
    if (resumed && err == FWPK_ERR_RESUME) {
        d->stats.refused_resume++;
        if (plan->fallback) {
            resumed = 0;
            err = attempt(d, set, c, plan, NULL, limit);
            logf_(d, "; begin -> %s", fwpk_strerror(err));
        }
    }
    logf_(d, "\n");
    d->stats.boots++;
    d->stats.cut += d->flash.cut != 0;
    d->stats.stopped += limit < c->len;
    if (err == FWPK_OK) {
        d->stats.installed++;
        d->stats.installed_resumed += resumed != 0;
    }
    *violation = check(d, set, ci, err);
    d->stats.violations += (uint32_t)*violation;
    d->flash.cut = 0;
    d->flash.cut_after = -1;
    d->flash.problem[0] = 0;
    return err;
}

static void mark_programmed(fwp_flash *f, uint32_t off, uint32_t len)
{
    uint32_t u;
    for (u = off / f->write_unit; u < (off + len + f->write_unit - 1) /
                                          f->write_unit;
         u++)
        f->programmed[u] = f->touched[u] = 1;
}

static void foreign(il_device *d, const il_container *src, uint32_t addr,
                    uint32_t len)
{
    size_t s;
    for (s = 0; s < src->image.count; s++) {
        const fwp_seg *seg = &src->image.segs[s];
        uint32_t lo = addr > seg->addr ? addr : seg->addr;
        uint32_t hi = addr + len < seg->addr + seg->len ? addr + len
                                                        : seg->addr + seg->len;
        if (lo >= hi)
            continue;
        memcpy(d->flash.mem + (lo - IL_BASE), seg->data + (lo - seg->addr),
               hi - lo);
        mark_programmed(&d->flash, lo - IL_BASE, hi - lo);
    }
}

void il_tamper(il_device *d, const il_set *set, const il_tamper_plan *plan)
{
    uint32_t off = plan->addr - IL_BASE;
    uint8_t mask = plan->mask ? plan->mask : 1;
    if (plan->kind != IL_TEAR && (plan->addr < IL_BASE || off >= IL_FLASH))
        off %= IL_FLASH;
    d->stats.tampers++;
    switch (plan->kind) {
    case IL_FLIP:
        d->flash.mem[off] ^= mask;
        mark_programmed(&d->flash, off, 1);
        logf_(d, "tamper: flip 0x%02x at 0x%08x\n", mask, IL_BASE + off);
        break;
    case IL_ERASE:
        off &= ~(IL_ERASE_BLOCK - 1u);
        memset(d->flash.mem + off, 0xff, IL_ERASE_BLOCK);
        memset(d->flash.programmed + off / IL_WRITE_UNIT, 0,
               IL_ERASE_BLOCK / IL_WRITE_UNIT);
        logf_(d, "tamper: erase the block at 0x%08x\n", IL_BASE + off);
        break;
    case IL_FOREIGN: {
        int si = plan->source % set->count;
        uint32_t len = plan->len < IL_FLASH - off ? plan->len : IL_FLASH - off;
        foreign(d, &set->c[si], IL_BASE + off, len);
        logf_(d, "tamper: container %d's bytes over 0x%08x+%u\n", si,
              IL_BASE + off, len);
        break;
    }
    default: /* IL_TEAR */
        if (d->record_count > 0) {
            uint32_t ri = plan->record % d->record_count;
            uint8_t *p = (uint8_t *)&d->records[ri].rec;
            p[plan->addr % sizeof d->records[ri].rec] ^= mask;
            logf_(d, "tamper: record %u byte %u ^= 0x%02x\n", ri,
                  (unsigned)(plan->addr % sizeof d->records[ri].rec), mask);
        }
        return;
    }
    d->flash_tampered = 1;
}

/* ---- byte-driven interleavings ---- */

void il_src_random(il_src *s, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->random = 1;
    s->x = seed * 0x9e3779b97f4a7c15ull + 0x2545f4914f6cdd1dull;
}

void il_src_bytes(il_src *s, const uint8_t *p, size_t n)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->n = n;
}

uint32_t il_take(il_src *s, uint32_t bound)
{
    uint32_t v = 0, width;
    if (s->random) { /* splitmix64 */
        uint64_t z = (s->x += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return (uint32_t)((z ^ (z >> 31)) >> 32) % bound;
    }
    for (width = 1; width < bound && width != 0; width <<= 8) {
        if (s->n == 0) {
            s->done = 1;
            break;
        }
        v = v << 8 | *s->p++;
        s->n--;
    }
    return v % bound;
}

/* The most image bytes any record says are in flash: below that, a tamper
 * matters most. */
static uint32_t recorded_span(const il_device *d)
{
    uint32_t span = 0, i;
    for (i = 0; i < d->record_count; i++)
        if (d->records[i].rec.flushed > span)
            span = d->records[i].rec.flushed;
    return span;
}

static uint32_t image_end(const il_set *set)
{
    uint32_t end = IL_BASE;
    int i;
    for (i = 0; i < set->count; i++) {
        const fwp_image *im = &set->c[i].image;
        const fwp_seg *last = &im->segs[im->count - 1];
        if (last->addr + last->len > end)
            end = last->addr + last->len;
    }
    return end;
}

static void step_tamper(il_device *d, const il_set *set, il_src *src)
{
    il_tamper_plan t;
    uint32_t span = recorded_span(d);
    memset(&t, 0, sizeof t);
    t.kind = (int)il_take(src, IL_TAMPER_KINDS);
    if (span > 0 && il_take(src, 2))
        t.addr = IL_BASE + il_take(src, span);
    else
        t.addr = IL_BASE + il_take(src, image_end(set) - IL_BASE);
    t.len = 1 + il_take(src, 4096);
    t.source = (int)il_take(src, (uint32_t)set->count);
    t.mask = (uint8_t)(1 + il_take(src, 255));
    t.record = il_take(src, d->record_count ? d->record_count : 1);
    if (t.kind == IL_TEAR)
        t.addr = il_take(src, sizeof(fwpk_resume));
    il_tamper(d, set, &t);
}

/* Flash operations of a whole install of c, and a few more (a cut there
 * does not happen): one write per 256 staged bytes, one erase per block. */
static uint32_t ops_bound(const il_container *c)
{
    uint32_t size = fwp_image_size(&c->image);
    return size / FWPK_WRITE_UNIT_MAX + size / IL_ERASE_BLOCK + 8;
}

int il_step(il_device *d, const il_set *set, il_src *src)
{
    static const uint32_t chunks[8] = {0, 1, 7, 64, 300, 1000, 1024, 4096};
    il_boot_plan p;
    uint32_t sel;
    int violation;
    if (il_take(src, 4) == 3) {
        step_tamper(d, set, src);
        return 0;
    }
    memset(&p, 0, sizeof p);
    switch (il_take(src, 4)) {
    case 0:
        p.start = IL_BEGIN;
        break;
    case 3: /* any record kept so far, not just the newest */
        p.start = IL_RESUME;
        p.record = il_take(src, d->record_count ? d->record_count : 1);
        break;
    default:
        p.start = IL_RESUME;
        p.record = d->record_count ? d->record_count - 1 : 0;
    }
    /* half the time the record's own container (the update retried),
     * else any */
    sel = il_take(src, 2 * (uint32_t)set->count);
    p.container = (int)sel;
    if (sel >= (uint32_t)set->count)
        p.container = d->record_count > 0
                          ? d->records[p.record % d->record_count].container
                          : (int)(sel % (uint32_t)set->count);
    p.fallback = il_take(src, 4) != 0;
    p.end = (int)il_take(src, 3);
    if (p.end == IL_POWER_CUT)
        p.at = il_take(src, ops_bound(&set->c[p.container]));
    else if (p.end == IL_DOWNLOAD_STOP)
        p.at = il_take(src, (uint32_t)set->c[p.container].len + 1);
    p.chunk = chunks[il_take(src, 8)];
    p.jump = (int)il_take(src, 2);
    p.keep = (int)il_take(src, 4);
    if (p.keep == 3)
        p.keep = IL_KEEP_ALL;
    p.fail_at = il_take(src, 8) == 0 ? (int)il_take(src, 8) : -1;
    il_boot(d, set, &p, &violation);
    return violation;
}
