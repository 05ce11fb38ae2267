/*
 * verify_run.c - runs the device verifier (libfwpk_verify, the code that
 * goes into bootloaders) over a container file, as `fwpack verify` and
 * `fwpack unpack` do.
 *
 * The container is fed to fwpk_feed() --chunk bytes at a time.  Flash is
 * the host NOR flash model (flashsim.c) with the target's erase block and
 * write unit from the manifest; the policy window is the target's flash,
 * [flash base, flash base + flash size).  The model covers only the erase
 * blocks that hold the target's segments (one fwp_flash per run of them),
 * and is allocated at the first erase, i.e. only after the verifier has
 * accepted the signatures: an unsigned manifest that claims 4 GiB of
 * flash costs nothing.  An erase or write outside those blocks fails with
 * FWPK_ERR_FLASH, since a correct verifier never does one.
 *
 * After a pass the verifier called good, the host checks the flash on its
 * own: exactly the segments' write units were written, with the image's
 * bytes (their digest is the manifest's) and 0xFF padding.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "verify_run.h"

/* ---- options ---- */

enum {
    O_TARGET = 256, O_MCU, O_COUNTER, O_MINSIG, O_CHUNK, O_JSON, O_FORCE,
    O_FORMAT, O_MAX_GAP, O_BASE, O_MODE
};

static int option(vr_opts *o, int c, const char *arg)
{
    switch (c) {
    case 'p':
        if (o->key_files == FWPK_MAX_KEYS)
            return cli_error(EXIT_USAGE, "%s: at most %d keys (-p)", o->cmd,
                             FWPK_MAX_KEYS);
        o->keys[o->key_files++] = arg;
        return 0;
    case 'o': o->output = arg; return 0;
    case 'v': o->verbose = 1; return 0;
    case O_TARGET: o->target = arg; return 0;
    case O_MCU: o->mcu = arg; return 0;
    case O_JSON: o->json = 1; return 0;
    case O_FORCE: o->force = 1; return 0;
    case O_FORMAT: o->format = arg; return 0;
    case O_BASE: /* named now, whether or not a target is a delta */
        o->base = arg;
        if (access(arg, R_OK) == 0)
            return 0;
        return cli_error(EXIT_IO, "%s: %s", arg, strerror(errno));
    case O_MAX_GAP:
        o->has_max_gap = 1;
        return cli_opt_u32("--max-gap", arg, &o->max_gap);
    case O_COUNTER:
        return cli_opt_u32("--min-security-counter", arg, &o->min_counter);
    case O_MINSIG:
        return cli_opt_u32("--min-signatures", arg, &o->min_sigs);
    case O_CHUNK:
        return cli_opt_range("--chunk", arg, 1, VR_CHUNK_MAX, &o->chunk);
    case O_MODE:
        if (strcmp(arg, "buffered") == 0)
            o->mode = VR_MODE_BUFFERED;
        else if (strcmp(arg, "streaming") == 0)
            o->mode = VR_MODE_STREAMING;
        else
            return cli_error(EXIT_USAGE, "%s: --mode: buffered or "
                                         "streaming, not '%s'", o->cmd, arg);
        return 0;
    }
    return cli_error(EXIT_USAGE, "%s: unknown option", o->cmd);
}

static int check_opts(vr_opts *o, int argc, char **argv)
{
    int unpack = strcmp(o->cmd, "unpack") == 0;
    if (optind + 1 != argc)
        return cli_error(EXIT_USAGE, "%s: need exactly one container",
                         o->cmd);
    o->input = argv[optind];
    o->name = fwp_file_name(o->input);
    if (o->key_files == 0)
        return cli_error(EXIT_USAGE, "%s: give the trusted public key(s) "
                                     "with -p KEY.pem", o->cmd);
    if (o->min_sigs > o->key_files)
        return cli_error(EXIT_USAGE, "%s: --min-signatures %u needs at "
                                     "least %u keys (-p)", o->cmd,
                         (unsigned)o->min_sigs, (unsigned)o->min_sigs);
    const fwp_mcu *m = o->mcu ? fwp_mcu_find(o->mcu) : NULL;
    if (m)
        o->mcu = m->id; /* a profile's id, whatever its case */
    if (o->target && (!*o->target || strlen(o->target) > FWPK_NAME_MAX))
        return cli_error(EXIT_USAGE, "%s: --target: a name of 1..%d bytes",
                         o->cmd, FWPK_NAME_MAX);
    if (unpack && !o->output)
        return cli_error(EXIT_USAGE, "unpack: -o OUT.hex, -o OUT.s37 or "
                                     "-o OUT.bin is required");
    if (!unpack && (o->output || o->force || o->format || o->has_max_gap))
        return cli_error(EXIT_USAGE, "verify: writes no file (-o, --force, "
                                     "--format and --max-gap are for fwpack "
                                     "unpack)");
    if (!unpack)
        return 0;
    const char *in[FWPK_MAX_KEYS + 2] = {o->input, o->base};
    for (uint32_t i = 0; i < o->key_files; i++)
        in[i + 2] = o->keys[i];
    /* --format hex or srec is text, fit for a terminal; bin and raw not */
    if (o->format && strcmp(o->format, "bin") != 0)
        return cli_output_check_text("unpack", o->output, 1, in,
                                     o->key_files + 2);
    return cli_output_check("unpack", o->output, 1, in, o->key_files + 2);
}

int vr_parse(vr_opts *o, int argc, char **argv, const char *help)
{
    static const struct option opts[] = {
        {"pubkey", required_argument, 0, 'p'},
        {"output", required_argument, 0, 'o'},
        {"verbose", no_argument, 0, 'v'},
        {"help", no_argument, 0, 'h'},
        {"target", required_argument, 0, O_TARGET},
        {"mcu", required_argument, 0, O_MCU},
        {"min-security-counter", required_argument, 0, O_COUNTER},
        {"min-signatures", required_argument, 0, O_MINSIG},
        {"chunk", required_argument, 0, O_CHUNK},
        {"json", no_argument, 0, O_JSON},
        {"force", no_argument, 0, O_FORCE},
        {"format", required_argument, 0, O_FORMAT},
        {"max-gap", required_argument, 0, O_MAX_GAP},
        {"base", required_argument, 0, O_BASE},
        {"mode", required_argument, 0, O_MODE},
        {0, 0, 0, 0}};
    int c;
    o->chunk = VR_CHUNK_DEFAULT;
    o->max_gap = VR_MAX_GAP_DEFAULT;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "p:o:vh", opts)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return -1;
        }
        if (c == '?' || c == ':')
            return cli_bad_option(o->cmd, argv, optind);
        int rc = option(o, c, optarg);
        if (rc)
            return rc;
    }
    return check_opts(o, argc, argv);
}

/* ---- the flash: one NOR model per run of erase blocks with segments ---- */

typedef struct {
    uint32_t n, erase_block, write_unit;
    uint32_t lo[FWPK_MAX_SEGMENTS];
    uint32_t size[FWPK_MAX_SEGMENTS];
    fwp_flash f[FWPK_MAX_SEGMENTS];
    int ready;          /* 1 allocated, -1 allocation failed */
    char problem[128];  /* an operation outside the model, or no memory */
    uint8_t *base;      /* a delta's base (--base), read-only at base_addr */
    uint32_t base_addr, base_len;
} region_flash;

static void regions_plan(region_flash *rf, const fwpk_target *t)
{
    uint64_t eb = t->erase_block, hi = 0;
    memset(rf, 0, sizeof *rf);
    rf->erase_block = t->erase_block;
    rf->write_unit = t->write_unit;
    for (uint32_t i = 0; i < t->segment_count; i++) {
        uint64_t a = t->segments[i].addr / eb * eb;
        uint64_t b = ((uint64_t)t->segments[i].addr + t->segments[i].len +
                      eb - 1) / eb * eb;
        if (rf->n > 0 && a <= hi) { /* shares or touches the previous run */
            hi = b > hi ? b : hi;
            rf->size[rf->n - 1] = (uint32_t)(hi - rf->lo[rf->n - 1]);
            continue;
        }
        rf->lo[rf->n] = (uint32_t)a;
        rf->size[rf->n++] = (uint32_t)(b - a);
        hi = b;
    }
}

static void regions_free(region_flash *rf)
{
    for (uint32_t i = 0; i < rf->n; i++)
        fwp_flash_free(&rf->f[i]);
}

static int regions_alloc(region_flash *rf)
{
    for (uint32_t i = 0; i < rf->n && rf->ready == 0; i++)
        if (fwp_flash_init(&rf->f[i], rf->lo[i], rf->size[i], rf->erase_block,
                           rf->write_unit)) {
            regions_free(rf);
            snprintf(rf->problem, sizeof rf->problem, "flash model: no "
                     "memory for %u bytes at 0x%08x", (unsigned)rf->size[i],
                     (unsigned)rf->lo[i]);
            rf->ready = -1;
        }
    if (rf->ready == 0)
        rf->ready = 1;
    return rf->ready;
}

static fwp_flash *region_of(region_flash *rf, const char *op, uint32_t addr,
                            uint32_t len)
{
    if (rf->ready == 0 && regions_alloc(rf) < 0)
        return NULL;
    if (rf->ready < 0)
        return NULL;
    for (uint32_t i = 0; i < rf->n; i++)
        if (addr >= rf->lo[i] &&
            (uint64_t)addr + len <= (uint64_t)rf->lo[i] + rf->size[i])
            return &rf->f[i];
    if (!rf->problem[0])
        snprintf(rf->problem, sizeof rf->problem, "%s 0x%08x+%u: outside the "
                 "erase blocks of every segment", op, (unsigned)addr,
                 (unsigned)len);
    return NULL;
}

static fwpk_err rf_erase(void *user, uint32_t addr, uint32_t len)
{
    fwp_flash *f = region_of(user, "erase", addr, len);
    return f ? fwp_flash_erase(f, addr, len) : FWPK_ERR_FLASH;
}

static fwpk_err rf_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    fwp_flash *f = region_of(user, "write", addr, len);
    return f ? fwp_flash_write(f, addr, data, len) : FWPK_ERR_FLASH;
}

static fwpk_err rf_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    region_flash *rf = user;
    if (rf->base && addr >= rf->base_addr &&
        (uint64_t)addr + len <= (uint64_t)rf->base_addr + rf->base_len) {
        memcpy(buf, rf->base + (addr - rf->base_addr), len);
        return FWPK_OK;
    }
    fwp_flash *f = region_of(user, "read", addr, len);
    return f ? fwp_flash_read(f, addr, buf, len) : FWPK_ERR_FLASH;
}

/* The first problem any model recorded. */
static const char *regions_problem(const region_flash *rf)
{
    if (rf->problem[0])
        return rf->problem;
    for (uint32_t i = 0; i < rf->n; i++)
        if (rf->ready > 0 && rf->f[i].problem[0])
            return rf->f[i].problem;
    return "";
}

/* ---- the host's own check of the flash after a good pass ---- */

static uint64_t up(uint64_t v, uint32_t a) { return (v + a - 1) / a * a; }

static int all_ff(const uint8_t *p, uint64_t n)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i] != 0xff)
            return 0;
    return 1;
}

/* The written range holding [addr, addr + len), or NULL. */
static const fwp_seg *holding(const fwp_image *w, uint64_t addr, uint64_t len)
{
    for (size_t i = 0; i < w->count; i++)
        if (addr >= w->segs[i].addr &&
            addr + len <= (uint64_t)w->segs[i].addr + w->segs[i].len)
            return &w->segs[i];
    return NULL;
}

/* Written = the segments rounded out to write units; bytes = the image
 * (its digest is the manifest's) and 0xFF padding.  0, or -1 with *why. */
static int check_written(const fwpk_target *t, const fwp_image *w,
                         const char **why)
{
    uint32_t wu = t->write_unit;
    uint64_t expected = 0, seen = 0;
    fwpk_sha512_ctx h;
    uint8_t digest[64];
    fwpk_sha512_init(&h);
    for (uint32_t i = 0; i < t->segment_count; i++) {
        const fwpk_segment *s = &t->segments[i];
        uint64_t lo = s->addr / wu * wu;
        uint64_t hi = up((uint64_t)s->addr + s->len, wu);
        const fwp_seg *g = holding(w, lo, hi - lo);
        if (!g) {
            *why = "not every write unit of the segments was written";
            return -1;
        }
        const uint8_t *p = g->data + (lo - g->addr);
        if (!all_ff(p, s->addr - lo) ||
            !all_ff(p + (s->addr - lo) + s->len, hi - s->addr - s->len)) {
            *why = "the write-unit padding around a segment is not 0xFF";
            return -1;
        }
        fwpk_sha512_update(&h, p + (s->addr - lo), s->len);
        expected += hi - lo; /* segments never share a write unit */
    }
    for (size_t i = 0; i < w->count; i++)
        seen += w->segs[i].len;
    if (seen != expected) {
        *why = "bytes were written outside the segments' write units";
        return -1;
    }
    fwpk_sha512_final(&h, digest);
    if (memcmp(digest, t->image_digest, FWPK_HASH_LEN) != 0) {
        *why = "the flash does not hold the image (digest mismatch)";
        return -1;
    }
    return 0;
}

/* ---- one pass ---- */

static void window_of(const fwpk_target *t, vr_pass *p)
{
    uint64_t hi = (uint64_t)t->flash_base + t->flash_size;
    p->window_lo = t->flash_base;
    p->window_hi = (uint32_t)hi; /* 2^32 wraps to 0, which means 2^32 */
}

/* fwpk_begin, the container in --chunk pieces, fwpk_finish: in the build
 * of the verifier that --mode names (verify_device.c). */
static int run_device(vr_run *r, vr_pass *p, const fwpk_policy *pol,
                      const fwpk_flash *cb)
{
    vr_device_result d;
    if (r->o->mode == VR_MODE_STREAMING)
        vr_device_run_streaming(pol, cb, r->data, r->len, r->o->chunk, &d);
    else
        vr_device_run(pol, cb, r->data, r->len, r->o->chunk, &d);
    if (d.no_memory)
        return cli_error(EXIT_IO, "%s: out of memory", r->o->cmd);
    p->err = d.err;
    p->pieces = d.pieces;
    p->offset = d.offset;
    p->sig_valid = d.sig_valid;
    if (d.parsed && !r->version[0])
        memcpy(r->version, d.version, sizeof r->version);
    return 0;
}

static void finish_pass(vr_pass *p, region_flash *rf)
{
    fwp_err e;
    const char *why = NULL;
    for (uint32_t i = 0; i < rf->n && rf->ready > 0; i++) {
        p->erases += rf->f[i].erases;
        p->writes += rf->f[i].writes;
    }
    if (p->err == FWPK_ERR_FLASH)
        snprintf(p->problem, sizeof p->problem, "%s", regions_problem(rf));
    if (p->err != FWPK_OK)
        return;
    for (uint32_t i = 0; i < rf->n && rf->ready > 0 && !why; i++)
        if (fwp_flash_image(&rf->f[i], &p->written, &e))
            why = "out of memory";
    if (!why && rf->ready <= 0)
        why = "nothing was written";
    if (!why)
        check_written(&p->own, &p->written, &why);
    if (why) {
        p->host_fail = 1;
        snprintf(p->problem, sizeof p->problem, "%s", why);
    }
}

/* --base for a delta target 'name': the device's installed image, beside
 * the flash the update writes.  0, or an exit code after printing. */
static int load_base(const vr_run *r, const char *name, const fwpk_target *t,
                     region_flash *rf, fwpk_flash *cb)
{
    fwp_image img;
    fwp_err err;
    char version[FWPK_VERSION_MAX + 1];
    if (t->base_size == 0)
        return 0;
    if (!r->o->base)
        return cli_error(EXIT_USAGE, "%s: target %s is a delta update: give "
                                     "the image it applies to with --base "
                                     "OLD", r->o->cmd, name);
    if (fwp_base_load(r->o->base, name, t->segments[0].addr, &img,
                      version, &err) ||
        fwp_base_flatten(&img, fwp_file_name(r->o->base), &rf->base,
                         &rf->base_len, &err)) {
        fwp_image_free(&img);
        return cli_fail(&err, EXIT_INPUT);
    }
    fwp_image_free(&img);
    rf->base_addr = cb->base_addr = fwp_base_place(t, rf->base_len);
    return 0;
}

static int run_pass(vr_run *r, vr_pass *p, const fwp_layout *lay)
{
    fwpk_manifest *m = calloc(1, sizeof *m);
    region_flash *rf = calloc(1, sizeof *rf);
    fwpk_policy pol;
    fwpk_flash cb;
    if (!m || !rf) {
        free(m);
        free(rf);
        return cli_error(EXIT_IO, "%s: out of memory", r->o->cmd);
    }
    memset(&cb, 0, sizeof cb);
    cb.erase = rf_erase;
    cb.write = rf_write;
    cb.read = rf_read;
    cb.user = rf;
    p->window_lo = 0;
    p->window_hi = 0; /* the whole address space */
    if (lay && fwpk_manifest_parse(m, lay->manifest, lay->manifest_len,
                                   p->name) == FWPK_OK &&
        m->own_index < m->target_count) {
        p->known = 1;
        p->own = m->own;
        /* the device keeps where the MCU id lies, not a copy */
        memcpy(p->mcu, lay->manifest + m->own.mcu.at, m->own.mcu.len);
        p->mcu[m->own.mcu.len] = 0;
        regions_plan(rf, &m->own);
        window_of(&m->own, p);
    }
    int rc = p->known ? load_base(r, p->name, &m->own, rf, &cb) : 0;
    if (rc) {
        free(m);
        free(rf);
        return rc;
    }
    memset(&pol, 0, sizeof pol);
    pol.keys = r->keys;
    pol.key_count = r->key_count;
    pol.min_signatures = r->o->min_sigs;
    pol.target = p->name;
    pol.mcu = r->o->mcu;
    pol.window_lo = p->window_lo;
    pol.window_hi = p->window_hi;
    pol.min_security_counter = r->o->min_counter;
    rc = run_device(r, p, &pol, &cb);
    if (!rc)
        finish_pass(p, rf);
    regions_free(rf);
    free(rf->base);
    free(rf);
    free(m);
    return rc;
}

/* ---- keys, container, passes ---- */

static int load_keys(vr_run *r)
{
    fwp_err err;
    for (uint32_t i = 0; i < r->o->key_files; i++) {
        fwpk_key *k = &r->keys[r->key_count];
        uint32_t j;
        if (fwp_key_load_public(r->o->keys[i], k->pk, &err))
            return cli_fail(&err, EXIT_INPUT);
        for (j = 0; j < r->key_count; j++)
            if (memcmp(r->keys[j].pk, k->pk, 32) == 0)
                break;
        if (j < r->key_count)
            continue; /* the same key twice counts once */
        fwp_key_id(k->pk, k->id);
        r->key_file[r->key_count++] = r->o->keys[i];
    }
    if (r->o->min_sigs > r->key_count)
        return cli_error(EXIT_USAGE, "%s: --min-signatures %u, but only %u "
                                     "different keys", r->o->cmd,
                         (unsigned)r->o->min_sigs, (unsigned)r->key_count);
    return 0;
}

static void add_pass(vr_run *r, const char *name)
{
    vr_pass *p = &r->pass[r->count++];
    snprintf(p->name, sizeof p->name, "%s", name);
}

/* What the verifier's one-word reason leaves out: how many signatures
 * counted against how many were needed, and both MCU ids. */
static void explain(const vr_run *r, vr_pass *p, const fwp_layout *lay)
{
    uint32_t need = r->o->min_sigs ? r->o->min_sigs : 1;
    char q[FWP_QUOTE_BUF];
    if (p->err == FWPK_ERR_SIGNATURE && lay)
        snprintf(p->problem, sizeof p->problem, "%u valid signature%s from "
                 "trusted keys, %u needed; the container has %u signature%s",
                 (unsigned)p->sig_valid, p->sig_valid == 1 ? "" : "s",
                 (unsigned)need, (unsigned)lay->sig_count,
                 lay->sig_count == 1 ? "" : "s");
    else if (p->err == FWPK_ERR_WRONG_MCU && p->known)
        snprintf(p->problem, sizeof p->problem, "the target is for %s, "
                 "--mcu is %s", p->mcu[0] ? fwp_quote(p->mcu, q) : "any MCU",
                 r->o->mcu);
}

/* Which targets to run: --target, else every target of the manifest (read
 * with the host decoder, which also gives the names), else one pass with
 * no target name, which the verifier refuses with its own reason. */
static void plan(vr_run *r, const fwp_layout *lay, fwp_manifest *hm,
                 int *host_ok, fwp_err *herr)
{
    *host_ok = lay && fwp_manifest_decode(lay->manifest, lay->manifest_len,
                                          r->o->name, hm, herr) == 0;
    if (*host_ok)
        for (uint32_t i = 0; i < hm->target_count; i++) {
            size_t n = strlen(r->names);
            char q[FWP_QUOTE_BUF];
            snprintf(r->names + n, sizeof r->names - n, "%s%s",
                     i ? ", " : "", fwp_quote(hm->targets[i].name, q));
        }
    if (r->o->target)
        add_pass(r, r->o->target);
    else if (*host_ok)
        for (uint32_t i = 0; i < hm->target_count; i++)
            add_pass(r, hm->targets[i].name);
    else
        add_pass(r, "");
}

int vr_execute(vr_run *r, const vr_opts *o)
{
    fwp_err err;
    fwp_layout lay;
    fwp_manifest *hm;
    int rc, host_ok;
    memset(r, 0, sizeof *r);
    r->o = o;
    if ((rc = load_keys(r)) != 0)
        return rc;
    if (fwp_read_file(o->input, &r->data, &r->len, 0, &err))
        return cli_fail(&err, EXIT_IO);
    if (!(hm = calloc(1, sizeof *hm)))
        return cli_error(EXIT_IO, "%s: out of memory", o->cmd);
    int lay_ok = fwp_layout_parse(r->data, r->len, o->name, &lay, &err) == 0;
    plan(r, lay_ok ? &lay : NULL, hm, &host_ok, &err);
    free(hm);
    for (uint32_t i = 0; i < r->count; i++) {
        vr_pass *p = &r->pass[i];
        if ((rc = run_pass(r, p, lay_ok ? &lay : NULL)) != 0)
            return rc;
        if (p->err == FWPK_ERR_NO_TARGET && !p->name[0] && !host_ok) {
            /* the device read a manifest the host decoder refused */
            p->host_fail = 1;
            snprintf(p->problem, sizeof p->problem, "%s", err.msg);
        } else if (p->err == FWPK_ERR_NO_TARGET && r->names[0]) {
            snprintf(p->problem, sizeof p->problem, "targets: %s", r->names);
        } else {
            explain(r, p, lay_ok ? &lay : NULL);
        }
        r->failed += p->err != FWPK_OK || p->host_fail;
    }
    return r->failed ? EXIT_VERIFY : EXIT_OK;
}

void vr_free(vr_run *r)
{
    for (uint32_t i = 0; i < r->count; i++)
        fwp_image_free(&r->pass[i].written);
    free(r->data);
    r->data = NULL;
}

/* ---- reporting ---- */

static const char *plural(uint32_t n)
{
    return n == 1 ? "" : "s";
}

/* Names and the version come from the container: escaped for the
 * terminal (fwp_buf_escaped). */
static void print_ok(const vr_run *r, const vr_pass *p)
{
    fwp_buf b = {0};
    fwp_buf_printf(&b, "%s: ok, target ", r->o->name);
    fwp_buf_escaped(&b, p->name, 0);
    if (p->mcu[0]) {
        fwp_buf_printf(&b, " (");
        fwp_buf_escaped(&b, p->mcu, 0);
        fwp_buf_printf(&b, ")");
    }
    fwp_buf_printf(&b, ", version ");
    fwp_buf_escaped(&b, r->version, 0);
    fwp_buf_printf(&b, ", %u bytes in %u segment%s, signed by %u trusted "
                       "key%s\n", (unsigned)p->own.image_size,
                   (unsigned)p->own.segment_count,
                   plural(p->own.segment_count), (unsigned)p->sig_valid,
                   plural(p->sig_valid));
    fputs(b.data ? b.data : "", stdout);
    fwp_buf_free(&b);
}

static void print_failure(const vr_run *r, const vr_pass *p)
{
    char who[FWP_QUOTE_BUF + 16] = "", q[FWP_QUOTE_BUF];
    if (r->count > 1)
        snprintf(who, sizeof who, "target %s: ", fwp_quote(p->name, q));
    if (p->err == FWPK_OK) /* the verifier said ok, the host disagrees */
        cli_error(0, "%s: %sverifier said ok at offset %u, but %s",
                  r->o->name, who, (unsigned)p->offset, p->problem);
    else if (p->host_fail)
        cli_error(0, "%s", p->problem);
    else
        cli_error(0, "%s: %srefused at offset %u: %s%s%s%s", r->o->name,
                  who, (unsigned)p->offset, fwpk_strerror(p->err),
                  p->problem[0] ? " (" : "", p->problem,
                  p->problem[0] ? ")" : "");
}

static void print_details(const vr_run *r, const vr_pass *p)
{
    char q[FWP_QUOTE_BUF];
    printf("  target %s: ", p->name[0] ? fwp_quote(p->name, q) : "(none)");
    if (p->known)
        printf("flash 0x%08x+0x%x, erase block %u, write unit %u, codec %s; ",
               (unsigned)p->own.flash_base, (unsigned)p->own.flash_size,
               (unsigned)p->own.erase_block, (unsigned)p->own.write_unit,
               fwp_codec_name(p->own.codec));
    printf("%s verifier fed %u of %zu bytes in %u piece%s of at most %u; "
           "%u erase%s, %u write%s\n",
           r->o->mode == VR_MODE_STREAMING ? "streaming" : "buffered",
           (unsigned)p->offset, r->len, (unsigned)p->pieces,
           plural(p->pieces), (unsigned)r->o->chunk, (unsigned)p->erases,
           plural(p->erases), (unsigned)p->writes, plural(p->writes));
}

void vr_print_failures(const vr_run *r)
{
    for (uint32_t i = 0; i < r->count; i++)
        if (r->pass[i].err != FWPK_OK || r->pass[i].host_fail)
            print_failure(r, &r->pass[i]);
}

void vr_print_text(const vr_run *r)
{
    if (r->o->verbose)
        for (uint32_t k = 0; k < r->key_count; k++) {
            fwp_buf hex = {0};
            fwp_buf_hex(&hex, r->keys[k].id, FWPK_KEY_ID_LEN);
            printf("  key %s from %s\n", hex.data ? hex.data : "",
                   r->key_file[k]);
            fwp_buf_free(&hex);
        }
    for (uint32_t i = 0; i < r->count; i++) {
        const vr_pass *p = &r->pass[i];
        int ok = p->err == FWPK_OK && !p->host_fail;
        if (ok && (strcmp(r->o->cmd, "verify") == 0 || r->o->verbose))
            print_ok(r, p);
        else if (!ok)
            print_failure(r, p);
        if (r->o->verbose)
            print_details(r, p);
    }
}

static void json_str_or_null(fwp_buf *b, const char *s)
{
    if (s && *s)
        fwp_buf_json_str(b, s);
    else
        fwp_buf_printf(b, "null");
}

static const char *error_text(const vr_pass *p)
{
    if (p->err != FWPK_OK)
        return fwpk_strerror(p->err);
    return p->host_fail ? p->problem : NULL;
}

static void json_pass(fwp_buf *b, const vr_pass *p, const char *output,
                      uint32_t addr)
{
    int ok = p->err == FWPK_OK && !p->host_fail;
    fwp_buf_printf(b, "{\"target\":");
    json_str_or_null(b, p->name);
    fwp_buf_printf(b, ",\"mcu\":");
    json_str_or_null(b, p->known ? p->mcu : NULL);
    fwp_buf_printf(b, ",\"ok\":%s,\"error\":", ok ? "true" : "false");
    json_str_or_null(b, error_text(p));
    fwp_buf_printf(b, ",\"problem\":");
    json_str_or_null(b, p->err != FWPK_OK ? p->problem : NULL);
    fwp_buf_printf(b, ",\"offset\":%u", (unsigned)p->offset);
    if (p->known)
        fwp_buf_printf(b, ",\"image_size\":%u,\"segments\":%u,"
                          "\"codec\":\"%s\"",
                       (unsigned)p->own.image_size,
                       (unsigned)p->own.segment_count,
                       fwp_codec_name(p->own.codec));
    else
        fwp_buf_printf(b, ",\"image_size\":null,\"segments\":null,"
                          "\"codec\":null");
    fwp_buf_printf(b, ",\"signatures\":%u,\"erases\":%u,\"writes\":%u",
                   (unsigned)p->sig_valid, (unsigned)p->erases,
                   (unsigned)p->writes);
    if (output && *output) {
        fwp_buf_printf(b, ",\"output\":");
        fwp_buf_json_str(b, output);
        fwp_buf_printf(b, ",\"address\":%u", (unsigned)addr);
    } else if (output) {
        fwp_buf_printf(b, ",\"output\":null,\"address\":null");
    }
    fwp_buf_printf(b, "}");
}

void vr_json(fwp_buf *b, const vr_run *r, const char *const *outputs,
             const uint32_t *addrs)
{
    const vr_pass *head = &r->pass[0];
    for (uint32_t i = 0; i < r->count; i++)
        if (r->pass[i].err != FWPK_OK || r->pass[i].host_fail) {
            head = &r->pass[i];
            break;
        }
    fwp_buf_printf(b, "{\"file\":");
    fwp_buf_json_str(b, r->o->input);
    fwp_buf_printf(b, ",\"ok\":%s,\"target\":", r->failed ? "false" : "true");
    json_str_or_null(b, head->name);
    fwp_buf_printf(b, ",\"version\":");
    json_str_or_null(b, r->version);
    fwp_buf_printf(b, ",\"error\":");
    json_str_or_null(b, error_text(head));
    fwp_buf_printf(b, ",\"offset\":%u,\"image_size\":", (unsigned)head->offset);
    if (head->known)
        fwp_buf_printf(b, "%u", (unsigned)head->own.image_size);
    else
        fwp_buf_printf(b, "null");
    fwp_buf_printf(b, ",\"chunk\":%u,\"mode\":\"%s\",\"targets\":[",
                   (unsigned)r->o->chunk,
                   r->o->mode == VR_MODE_STREAMING ? "streaming" : "buffered");
    for (uint32_t i = 0; i < r->count; i++) {
        fwp_buf_printf(b, "%s", i ? "," : "");
        json_pass(b, &r->pass[i],
                  outputs ? (outputs[i] ? outputs[i] : "") : NULL,
                  addrs ? addrs[i] : 0);
    }
    fwp_buf_printf(b, "]}\n");
}
