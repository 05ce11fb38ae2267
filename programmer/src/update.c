/*
 * update.c - fwpk_prog_update: the container through the verifier twice,
 * first on nothing, then onto the target through the protocol driver.
 *
 * The verifier's flash callbacks are mapped onto what the bootloader can
 * do.  Writes go through a one-page cache: the verifier writes whole write
 * units in address order, a bootloader wants whole pages (AVR: the SPM
 * page, erased and written in one go by Optiboot) or blocks of up to 256
 * bytes (AN3155); a page is sent when the writes move past it or at the
 * end, then read back and compared at once.  Erases follow the driver:
 * pages erased by their write (STK500: erased pages that no write covers
 * are written blank), one chip erase (AVR109), or page erases (AN3155).
 */
#include <string.h>

#include "fwpk_prog.h"
#include "link.h"

#define ERASED 0xffu

/* The first pass has no flash to read the window's history back from, and
 * the second must write only checked frames (fwpk_verify.h). */
#if FWPK_RING_BITS < FWPK_WINDOW_BITS
#error "the programmer needs the whole window in RAM (FWPK_RING_BITS)"
#endif
#if !FWPK_FRAME_BUFFER
#error "the programmer writes only checked frames: FWPK_FRAME_BUFFER 1"
#endif

void fwpk_prog_init(fwpk_prog *p, const fwpk_prog_driver *drv,
                    const fwpk_prog_port *port)
{
    memset(p, 0, sizeof *p);
    p->drv = drv;
    if (port)
        p->port = *port;
    p->timeout_ms = 1000;
    p->go = 1;
}

static void report(fwpk_prog *p)
{
    if (p->progress)
        p->progress(p->user, p);
}

/* A new stage, reported when it changes (writes and read-backs take
 * turns page by page). */
static void enter(fwpk_prog *p, fwpk_prog_stage stage)
{
    if (p->stage == stage && stage != FWPK_PROG_STAGE_VERIFY)
        return;
    p->stage = (uint8_t)stage;
    report(p);
}

/* Records the first error and the operation it stopped; returns it. */
static fwpk_prog_err fail(fwpk_prog *p, fwpk_prog_err err, uint32_t addr,
                          uint32_t len)
{
    if (err != FWPK_PROG_OK && p->err == FWPK_PROG_OK) {
        p->err = err;
        p->op_addr = addr;
        p->op_len = len;
    }
    return err;
}

/* ---- the chip and the container's layout ---- */

static uint32_t block_size(const fwpk_prog *p)
{
    return p->drv->block ? p->drv->block : p->chip->page;
}

/* The chip for the container's own target, and its layout checked: the
 * target's flash inside the chip's, erase blocks of whole pages.  The
 * verifier keeps where the target's MCU id lies in the manifest, not a
 * copy: it is read from the container. */
static fwpk_prog_err check_target(fwpk_prog *p, const fwpk_target *t)
{
    char mcu[FWPK_NAME_MAX + 1];
    const fwpk_prog_chip *c = NULL;
    uint64_t end = (uint64_t)t->flash_base + t->flash_size;
    uint32_t at = FWPK_HEADER_LEN + p->vctx->info_len + t->mcu.at;
    if (t->mcu.len == 0) {
        c = fwpk_prog_chip_find(p->mcu);
    } else if (p->vsrc->read(p->vsrc->src, at, (uint8_t *)mcu, t->mcu.len) ==
               (long)t->mcu.len) {
        mcu[t->mcu.len] = 0;
        c = fwpk_prog_chip_find(mcu);
    } else {
        return FWPK_PROG_ERR_SOURCE;
    }
    if (c == NULL || c->family != p->drv->family)
        return FWPK_PROG_ERR_MCU;
    p->chip = c;
    if (t->flash_base < c->flash_base ||
        end > (uint64_t)c->flash_base + c->flash_size ||
        t->flash_base % c->page != 0 || t->erase_block % c->page != 0 ||
        (p->drv->block && t->write_unit % 4u != 0) ||
        block_size(p) > FWPK_PROG_BLOCK_MAX)
        return FWPK_PROG_ERR_GEOMETRY;
    p->page = block_size(p);
    return FWPK_PROG_OK;
}

/* ---- first pass: the verifier's flash is nobody's ---- */

static fwpk_err dry_check(fwpk_prog *p, uint32_t addr, uint32_t len)
{
    if (p->chip == NULL &&
        fail(p, check_target(p, &p->vctx->manifest.own), addr, len))
        return FWPK_ERR_FLASH;
    return FWPK_OK;
}

static fwpk_err dry_erase(void *user, uint32_t addr, uint32_t len)
{
    return dry_check(user, addr, len);
}

/* Counts the pages the second pass will send, for progress. */
static fwpk_err dry_write(void *user, uint32_t addr, const uint8_t *data,
                          uint32_t len)
{
    fwpk_prog *p = user;
    uint32_t first, last;
    (void)data;
    if (dry_check(p, addr, len) != FWPK_OK)
        return FWPK_ERR_FLASH;
    first = addr / p->page;
    last = (addr + len - 1u) / p->page;
    if (p->dry_page > first)
        first = p->dry_page;
    if (last >= first)
        p->page_total += last - first + 1u;
    p->dry_page = last + 1u;
    return FWPK_OK;
}

static fwpk_err dry_read(void *user, uint32_t addr, uint8_t *buf,
                         uint32_t len)
{
    (void)user;
    (void)addr;
    memset(buf, ERASED, len);
    return FWPK_OK;
}

/* ---- second pass: the target ---- */

/* Sends one block and reads it back. */
static fwpk_err program(fwpk_prog *p, uint32_t addr, const uint8_t *data,
                        uint32_t len)
{
    fwpk_prog_err err;
    enter(p, FWPK_PROG_STAGE_WRITE);
    if (p->drv->erase_kind == FWPK_PROG_ERASE_BY_WRITE)
        p->erased = 1;
    err = p->drv->write(p, addr, data, len);
    if (err == FWPK_PROG_OK) {
        enter(p, FWPK_PROG_STAGE_READ_BACK);
        err = p->drv->read(p, addr, p->back, len);
    }
    if (err == FWPK_PROG_OK && memcmp(p->back, data, len) != 0)
        err = FWPK_PROG_ERR_READBACK;
    if (fail(p, err, addr, len) != FWPK_PROG_OK)
        return FWPK_ERR_FLASH;
    if (p->hi == 0 || addr < p->lo)
        p->lo = addr;
    if (addr + len > p->hi)
        p->hi = addr + len;
    p->pages++;
    report(p);
    return FWPK_OK;
}

/* Erased pages below 'until' that no write covered: written blank, which
 * is how a page is erased where writing is erasing. */
static fwpk_err blank_pending(fwpk_prog *p, uint32_t until)
{
    while (p->pend_lo < p->pend_hi && p->pend_lo < until) {
        memset(p->cache, ERASED, p->page);
        if (program(p, p->pend_lo, p->cache, p->page) != FWPK_OK)
            return FWPK_ERR_FLASH;
        p->pend_lo += p->page;
    }
    return FWPK_OK;
}

/* Sends the cached page: all of it, or its written bytes. */
static fwpk_err flush_cache(fwpk_prog *p)
{
    uint32_t lo = p->drv->block ? p->cache_lo : 0;
    uint32_t hi = p->drv->block ? p->cache_hi : p->page;
    if (p->cache_hi == 0)
        return FWPK_OK;
    if (blank_pending(p, p->cache_addr) != FWPK_OK)
        return FWPK_ERR_FLASH;
    if (p->pend_lo == p->cache_addr && p->pend_lo < p->pend_hi)
        p->pend_lo += p->page;
    p->cache_hi = 0;
    return program(p, p->cache_addr + lo, p->cache + lo, hi - lo);
}

static fwpk_err target_erase(void *user, uint32_t addr, uint32_t len)
{
    fwpk_prog *p = user;
    fwpk_prog_err err = FWPK_PROG_OK;
    switch (p->drv->erase_kind) {
    case FWPK_PROG_ERASE_BY_WRITE:
        /* blocks come in address order: a gap ends the pending run */
        if (p->pend_lo < p->pend_hi && addr != p->pend_hi &&
            (flush_cache(p) != FWPK_OK || blank_pending(p, p->pend_hi)))
            return FWPK_ERR_FLASH;
        if (p->pend_lo >= p->pend_hi)
            p->pend_lo = addr;
        p->pend_hi = addr + len;
        return FWPK_OK;
    case FWPK_PROG_ERASE_CHIP:
        if (p->chip_erased)
            return FWPK_OK;
        enter(p, FWPK_PROG_STAGE_ERASE);
        p->erased = 1;
        p->erases++;
        err = p->drv->erase(p, 0, 0);
        p->chip_erased = err == FWPK_PROG_OK;
        break;
    default:
        enter(p, FWPK_PROG_STAGE_ERASE);
        p->erased = 1;
        p->erases++;
        err = p->drv->erase(p, addr, len);
        break;
    }
    return fail(p, err, addr, len) == FWPK_PROG_OK ? FWPK_OK : FWPK_ERR_FLASH;
}

static fwpk_err target_write(void *user, uint32_t addr, const uint8_t *data,
                             uint32_t len)
{
    fwpk_prog *p = user;
    while (len > 0) {
        uint32_t page = addr - addr % p->page, off = addr - page;
        uint32_t take = p->page - off;
        if (take > len)
            take = len;
        if (p->cache_hi > 0 && p->cache_addr != page &&
            flush_cache(p) != FWPK_OK)
            return FWPK_ERR_FLASH;
        if (p->cache_hi == 0) {
            memset(p->cache, ERASED, p->page);
            p->cache_addr = page;
            p->cache_lo = off;
        }
        memcpy(p->cache + off, data, take);
        if (off < p->cache_lo)
            p->cache_lo = off;
        if (off + take > p->cache_hi)
            p->cache_hi = off + take;
        addr += take;
        data += take;
        len -= take;
    }
    return FWPK_OK;
}

/* ---- the passes ---- */

/* Field by field: the verifier's flash may grow optional fields. */
static void callbacks(fwpk_flash *f, fwpk_prog *p,
                      fwpk_err (*erase)(void *, uint32_t, uint32_t),
                      fwpk_err (*write)(void *, uint32_t, const uint8_t *,
                                        uint32_t),
                      fwpk_err (*read)(void *, uint32_t, uint8_t *, uint32_t))
{
    memset(f, 0, sizeof *f);
    f->erase = erase;
    f->write = write;
    f->read = read;
    f->user = p;
}

/* Feeds the whole container; the verifier's verdict. */
static fwpk_err feed(fwpk_prog *p, fwpk_ctx *ctx,
                     const fwpk_prog_source *src, uint8_t *piece,
                     uint32_t piece_len)
{
    uint32_t off = 0;
    fwpk_err err = FWPK_OK;
    for (;;) {
        long n = src->read(src->src, off, piece, piece_len);
        if (n < 0) {
            fail(p, FWPK_PROG_ERR_SOURCE, off, piece_len);
            return FWPK_ERR_TRUNCATED;
        }
        if (n == 0)
            break;
        err = fwpk_feed(ctx, piece, (size_t)n);
        if (err != FWPK_OK)
            break;
        off += (uint32_t)n;
    }
    if (err == FWPK_OK)
        err = fwpk_finish(ctx);
    p->voffset = ctx->offset;
    return err;
}

/* Ends a pass: the verifier's error, unless the flash side has one. */
static fwpk_prog_err verdict(fwpk_prog *p, fwpk_err err)
{
    if (p->err != FWPK_PROG_OK)
        return p->err;
    if (err != FWPK_OK) {
        p->verr = err;
        return fail(p, FWPK_PROG_ERR_VERIFY, 0, 0);
    }
    return FWPK_PROG_OK;
}

static fwpk_prog_err verify_only(fwpk_prog *p, fwpk_ctx *ctx,
                                 const fwpk_policy *policy,
                                 const fwpk_prog_source *src, uint8_t *piece,
                                 uint32_t piece_len)
{
    fwpk_flash none;
    fwpk_err err;
    callbacks(&none, p, dry_erase, dry_write, dry_read);
    enter(p, FWPK_PROG_STAGE_VERIFY);
    p->vctx = ctx;
    p->vsrc = src;
    err = fwpk_begin(ctx, policy, &none);
    if (err == FWPK_OK)
        err = feed(p, ctx, src, piece, piece_len);
    if (verdict(p, err) == FWPK_PROG_OK && p->chip == NULL)
        fail(p, FWPK_PROG_ERR_GEOMETRY, 0, 0); /* an image with no bytes */
    return p->err;
}

fwpk_prog_err fwpk_prog_connect(fwpk_prog *p, uint32_t *id)
{
    fwpk_prog_err err;
    enter(p, FWPK_PROG_STAGE_CONNECT);
    err = fwpk_link_enter_bootloader(p);
    if (err == FWPK_PROG_OK)
        err = p->drv->open(p);
    if (fail(p, err, 0, 0) != FWPK_PROG_OK)
        return err;
    enter(p, FWPK_PROG_STAGE_IDENTIFY);
    err = p->drv->identify(p, id);
    return fail(p, err, 0, 0);
}

static fwpk_prog_err start_app(fwpk_prog *p, uint32_t addr)
{
    fwpk_prog_err err;
    enter(p, FWPK_PROG_STAGE_GO);
    if (fwpk_link_can_reset_to_app(p))
        err = fwpk_link_reset_to_app(p);
    else
        err = p->drv->go(p, addr);
    return fail(p, err, addr, 0);
}

static fwpk_prog_err program_target(fwpk_prog *p, fwpk_ctx *ctx,
                                    const fwpk_policy *policy,
                                    const fwpk_prog_source *src,
                                    uint8_t *piece, uint32_t piece_len)
{
    fwpk_flash target;
    fwpk_err err;
    callbacks(&target, p, target_erase, target_write, NULL);
    err = fwpk_begin(ctx, policy, &target);
    if (err == FWPK_OK)
        err = feed(p, ctx, src, piece, piece_len);
    if (err == FWPK_OK && flush_cache(p) == FWPK_OK)
        blank_pending(p, p->pend_hi);
    return verdict(p, err);
}

static int args_ok(const fwpk_prog *p, const fwpk_ctx *ctx,
                   const fwpk_policy *policy, const fwpk_prog_source *src,
                   const uint8_t *piece, uint32_t piece_len)
{
    return p && p->drv && ctx && policy && src && src->read && piece &&
           piece_len > 0;
}

fwpk_prog_err fwpk_prog_check(fwpk_prog *p, fwpk_ctx *ctx,
                              const fwpk_policy *policy,
                              const fwpk_prog_source *src, uint8_t *piece,
                              uint32_t piece_len)
{
    if (!args_ok(p, ctx, policy, src, piece, piece_len))
        return p ? fail(p, FWPK_PROG_ERR_ARG, 0, 0) : FWPK_PROG_ERR_ARG;
    return verify_only(p, ctx, policy, src, piece, piece_len);
}

fwpk_prog_err fwpk_prog_program(fwpk_prog *p, fwpk_ctx *ctx,
                                const fwpk_policy *policy,
                                const fwpk_prog_source *src, uint8_t *piece,
                                uint32_t piece_len)
{
    fwpk_policy pol;
    uint32_t id = 0, base;
    if (!args_ok(p, ctx, policy, src, piece, piece_len) || !p->port.send ||
        !p->port.recv || !p->chip)
        return p ? fail(p, FWPK_PROG_ERR_ARG, 0, 0) : FWPK_PROG_ERR_ARG;
    if (p->err != FWPK_PROG_OK)
        return p->err;
    /* the chip's flash is the window: what the first pass checked */
    pol = *policy;
    pol.window_lo = p->chip->flash_base;
    pol.window_hi = p->chip->flash_base + p->chip->flash_size;
    base = ctx->manifest.own.flash_base;
    if (fwpk_prog_connect(p, &id) != FWPK_PROG_OK)
        return p->err;
    p->id = id;
    if (id != p->chip->id)
        return fail(p, FWPK_PROG_ERR_WRONG_CHIP, 0, 0);
    if (program_target(p, ctx, &pol, src, piece, piece_len) != FWPK_PROG_OK)
        return p->err;
    if (p->go && start_app(p, base) != FWPK_PROG_OK)
        return p->err;
    enter(p, FWPK_PROG_STAGE_DONE);
    return FWPK_PROG_OK;
}

fwpk_prog_err fwpk_prog_update(fwpk_prog *p, fwpk_ctx *ctx,
                               const fwpk_policy *policy,
                               const fwpk_prog_source *src, uint8_t *piece,
                               uint32_t piece_len)
{
    if (fwpk_prog_check(p, ctx, policy, src, piece, piece_len) !=
        FWPK_PROG_OK)
        return p ? p->err : FWPK_PROG_ERR_ARG;
    return fwpk_prog_program(p, ctx, policy, src, piece, piece_len);
}
