/* test_bootcut.c - the example bootloaders driven through every single and
 * double power cut (issue 21).
 *
 * The examples (examples/cortex-m in QEMU, examples/avr in simavr,
 * examples/microbit in QEMU fed by the Notecard client through
 * io->fetch) run the same A/B logic, examples/abboot: state area, resume, retiring
 * records, commit, the copy checked by the image digest, anti-rollback.
 * Only the board part differs (semihosting or UART, flash model or SPM,
 * output), and that is what is left out here: the logic is compiled for
 * the host with each example's layout, flash geometry, piece size and
 * checkpoint rate, on the NOR flash model of tools/lib/flashsim.c, which
 * loses power at chosen erase or write operations (an erase cut leaves
 * garbage, a write half its units), with the real verifier.
 *
 * A trial is a sequence of boots of a new device (application v1, counter
 * 1, in the active slot; the state area blank), each offered the next
 * container of the sequence, as the QEMU example's command line does:
 * good releases, a broken download (the container cut short), a different
 * release with the same counter, a tampered one, one signed by an unknown
 * key, an older one.  A cut ends its boot; the next boot takes the next
 * offer.  After the offers come boots without one until a boot is not
 * cut; then, with no more cuts, the newest release is offered again.
 *
 * Checked after every boot:
 *   - the anti-rollback minimum in the state area never goes down, and
 *     is at least the counter of every release installed;
 *   - the flash model saw no broken rule (e.g. a write without an erase);
 *   - nothing erased or wrote the staging slot while the record in force
 *     referred to it: a COPY record, or another container's RESUME record;
 *   - the boot ends: at most OPS_PER_BOOT flash operations, the container
 *     read at most twice over;
 *   - only a genuine container offered at a boot whose minimum it met is
 *     ever "verified" or "installed", and the active slot then holds its
 *     image; a completed copy leaves an allowed image there;
 * after every boot that was not cut:
 *   - the active slot holds, byte for byte, v1 or the image of a genuine
 *     container that was offered while its counter met the minimum, and
 *     its counter is at least the minimum now;
 *   - the active slot changed only at a boot that installed or completed
 *     a copy; no copy is pending;
 * and at the end of every trial:
 *   - the newest release installs (nothing left behind blocks updates),
 *     and a boot with nothing to do then writes nothing.
 *
 * Faults: a cut or a flash error at every erase or write of a trial; after
 * each, a second fault (cut or error) at every operation that follows
 * (make powercut, BOOTCUT=full) or a fixed sample (make check); a sample
 * of triple cuts.  The figures (trials, boots, fault pairs, time) are
 * printed. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../examples/abboot/abboot.h"
#include "fwpack.h"
#include "pack_util.h"

enum { V1, V2, V2B, V3, IMAGES }; /* the releases */
enum {
    O_V1,  /* v1 again: older once v2 is installed */
    O_V2,  /* v2, counter 2 */
    O_V2B, /* v2b: another release with counter 2, other frame size */
    O_V3,  /* v3, counter 3: the newest */
    O_V2X, /* v2 cut short: a broken download */
    O_V3X, /* v3 cut short */
    O_V3T, /* v3 with one bit flipped in its middle frame */
    O_V2U, /* v2 signed by a key the device does not know */
    OFFERS,
    NONE = -1
};

#define OPS_PER_BOOT 2000
#define MAX_SEQ 6
#define MAX_CUTS 3 /* faults per trial */

typedef struct {
    const char *name;     /* the example */
    abboot_layout layout; /* as its Makefile and boot.c set it */
    uint32_t piece;       /* container read size (BOOT_PIECE) */
    const char *mcu;      /* MCU id packed and required; "" none */
    uint32_t window_bits, filter;
    uint32_t frame[IMAGES]; /* frame size of each release */
    uint32_t size[IMAGES];  /* image bytes of each release */
    int fetch;              /* the container comes through io->fetch, as
                               from the Notecard client (examples/microbit),
                               not io->get */
} config;

/* Images smaller than the examples' applications, so that a trial has a
 * few hundred flash operations; each release a different size and frame
 * size (a record of one never lines up with another's frames). */
static const config configs[] = {
    /* examples/cortex-m: Makefile (slots, state area, stm32l432kc erase
     * block 2 KiB and write unit 8), boot.c (4 KiB pieces, every resume
     * record persisted, state blocks of one erase block) */
    {"cortex-m",
     {0x20000, 0x40000, 0x20000, 2048, 8, 0x60000, 2048, 1},
     4096,
     "stm32l432kc",
     15,
     FWPK_FILTER_THUMB,
     {4096, 1024, 4096, 2048},
     {5000, 6500, 4100, 7000},
     0},
    /* examples/avr, ATmega1284P: Makefile (slots, state area, 256-byte
     * pages, window 2^9, frames <= 512), boot.c (64-byte pieces, every 4th
     * resume record, state blocks of 1 KiB) */
    {"avr",
     {0xe000, 0x10000, 0x2000, 256, 256, 0x12000, 1024, 4},
     64,
     "",
     9,
     FWPK_FILTER_NONE,
     {512, 512, 256, 512},
     {2000, 2600, 1800, 3000},
     0},
    /* examples/microbit: Makefile (slots, state area, nrf51822 pages of
     * 1 KiB and 32-bit words), boot.c (1 KiB dfu.get pieces fed by the
     * Notecard client through io->fetch, every record persisted) */
    {"microbit",
     {0xA000, 0x21000, 0x17000, 1024, 4, 0x38000, 1024, 1},
     1024,
     "nrf51822",
     15,
     FWPK_FILTER_THUMB,
     {4096, 1024, 4096, 2048},
     {5000, 6500, 4100, 7000},
     1},
};

typedef struct {
    const char *name;
    int retry; /* a boot that lost power or failed gets the same offer
                  again (a host that retries), else the next one */
    int n;
    int offer[MAX_SEQ];
} sequence;

static const sequence sequences[] = {
    {"good, offered until it installs", 1, 1, {O_V2}},
    {"broken download, resumed", 0, 2, {O_V2X, O_V2}},
    /* issue 21: v2 installed, v3 broken off (a record in v3's first
     * frame), v2b offered (cut before its first record), v3 again */
    {"broken download, other release, the first again", 0, 4,
     {O_V2, O_V3X, O_V2B, O_V3}},
    {"the same, each offered until it is done", 1, 4,
     {O_V2, O_V3X, O_V2B, O_V3}},
    {"tampered, unknown signer, older", 0, 4, {O_V2, O_V3T, O_V2U, O_V1}},
    {"broken, other release, none, older, newest", 0, 5,
     {O_V2X, O_V2B, NONE, O_V1, O_V3}},
};
#define SEQUENCES (sizeof sequences / sizeof sequences[0])

/* ---- the containers of one example ---- */

typedef struct {
    const char *name;
    int image;        /* the release it installs, or NONE */
    uint32_t counter; /* its security counter */
    uint8_t *box;
    size_t len;
    uint8_t id[FWPK_HASH_LEN]; /* what a resume record names it by */
} offer;

static struct {
    const config *c;
    uint8_t *image[IMAGES];
    uint8_t digest[IMAGES][FWPK_HASH_LEN];
    offer offers[OFFERS];
    fwp_keypair key, stranger;
    fwpk_key keyring;
} w;

static const uint32_t counters[IMAGES] = {1, 2, 2, 3};
static const char *const versions[IMAGES] = {"1.0.0", "2.0.0", "2.0.1",
                                             "3.0.0"};

static uint8_t *pack(int img, const fwp_keypair *key, size_t *len)
{
    const config *c = w.c;
    fwp_target_opts t;
    fwp_pack_opts o;
    fwp_err err;
    uint8_t *box = NULL;
    memset(&t, 0, sizeof t);
    t.name = "app";
    t.mcu = c->mcu;
    t.flash_base = c->layout.staging;
    t.flash_size = c->layout.slot_size;
    t.erase_block = c->layout.erase_block;
    t.write_unit = c->layout.write_unit;
    t.codec = FWPK_CODEC_DEFLATE;
    t.window_bits = c->window_bits;
    t.frame_size = c->frame[img];
    t.level = 9;
    t.filter = c->filter;
    if (fwp_image_add(&t.image, c->layout.staging, w.image[img],
                      c->size[img], "test", &err))
        fail_msg("image: %s", err.msg);
    memset(&o, 0, sizeof o);
    o.product = "widget";
    o.version = versions[img];
    o.security_counter = counters[img];
    o.build_time = 1700000000;
    o.targets = &t;
    o.target_count = 1;
    o.keys = key;
    o.key_count = 1;
    if (fwp_pack(&o, &box, len, &err))
        fail_msg("pack: %s", err.msg);
    fwp_image_free(&t.image);
    return box;
}

/* Flips one bit in the middle of the middle frame's payload (not the
 * first frame's: the refusal then comes after writing has begun). */
static void tamper(uint8_t *box, size_t len)
{
    fwp_layout lay;
    fwp_err err;
    size_t off[4096], n = 0, at;
    if (fwp_layout_parse(box, len, "test", &lay, &err))
        fail_msg("layout: %s", err.msg);
    for (at = lay.frames_offset; at + 2 <= len && n < 4096;
         at += FWPK_FRAME_HEADER_LEN + (box[at] | box[at + 1] << 8))
        off[n++] = at;
    assert_true(n >= 2);
    at = off[n / 2];
    box[at + FWPK_FRAME_HEADER_LEN + (box[at] | box[at + 1] << 8) / 2] ^= 1;
}

static void make_offer(int id, const char *name, int img, int installs,
                       const fwp_keypair *key)
{
    offer *o = &w.offers[id];
    fwp_layout lay;
    fwp_err err;
    o->name = name;
    o->image = installs ? img : NONE;
    o->counter = counters[img];
    o->box = pack(img, key, &o->len);
    if (fwp_layout_parse(o->box, o->len, name, &lay, &err))
        fail_msg("layout: %s", err.msg);
    memcpy(o->id, lay.signed_digest, FWPK_HASH_LEN);
}

static void make_world(const config *c)
{
    uint8_t seed[32] = {21};
    memset(&w, 0, sizeof w);
    w.c = c;
    crypto_sign_seed_keypair(w.key.pk, w.key.sk, seed);
    seed[0] = 99;
    crypto_sign_seed_keypair(w.stranger.pk, w.stranger.sk, seed);
    memcpy(w.keyring.pk, w.key.pk, 32);
    fwp_key_id(w.keyring.pk, w.keyring.id);
    for (int i = 0; i < IMAGES; i++) {
        uint8_t h[64];
        w.image[i] = malloc(c->size[i]);
        assert_non_null(w.image[i]);
        pu_firmware(w.image[i], c->size[i], 100u + (uint32_t)i);
        fwpk_sha512(h, w.image[i], c->size[i]);
        memcpy(w.digest[i], h, FWPK_HASH_LEN);
    }
    make_offer(O_V1, "v1", V1, 1, &w.key);
    make_offer(O_V2, "v2", V2, 1, &w.key);
    make_offer(O_V2B, "v2b", V2B, 1, &w.key);
    make_offer(O_V3, "v3", V3, 1, &w.key);
    make_offer(O_V2X, "v2-broken", V2, 0, &w.key);
    w.offers[O_V2X].len = w.offers[O_V2X].len * 3 / 5;
    make_offer(O_V3X, "v3-broken", V3, 0, &w.key);
    w.offers[O_V3X].len = w.offers[O_V3X].len * 3 / 5;
    make_offer(O_V3T, "v3-tampered", V3, 0, &w.key);
    tamper(w.offers[O_V3T].box, w.offers[O_V3T].len);
    make_offer(O_V2U, "v2-unknown-signer", V2, 0, &w.stranger);
}

static void free_world(void)
{
    for (int i = 0; i < IMAGES; i++)
        free(w.image[i]);
    for (int i = 0; i < OFFERS; i++)
        free(w.offers[i].box);
    memset(&w, 0, sizeof w);
}

/* ---- the device: flash model, power cuts, one boot ---- */

/* A fault: at the erase or write with index 'at' (counting every
 * operation that completed, from the first boot of the trial) the power
 * goes (a cut), or the operation fails and the boot goes on (an error:
 * a program or erase error, or a read-back mismatch).  Either way the
 * operation is half done. */
typedef struct {
    long at;
    int error;
} fault;

typedef struct {
    fwp_flash f;
    const fault *faults; /* ascending */
    int nfaults, done;   /* ... how many, how many happened */
    int cut;             /* the power is off: every call fails */
    int lost;            /* this boot lost power */
    int failed;          /* an operation of this boot failed */
    uint32_t ops;        /* this boot's erases and writes */
    uint32_t gets;       /* this boot's container reads */
    const offer *o;      /* this boot's offer, or NULL */
    uint32_t min;        /* the minimum before this boot */
    uint32_t floor;      /* the highest counter installed so far */
    uint32_t allowed;    /* bit i: image i may be in the active slot */
    int installed;       /* the image this boot installed or copied, or -1 */
    int active_ok;       /* abboot_active_ok() after this boot */
    int state_known;     /* 'state' is what the state area holds */
    state_area state;
    fwpk_flash state_io; /* for state_open */
    int boot;            /* boots of this trial */
    uint64_t boots;      /* boots of all trials */
    char trial[200];     /* which trial, for failure messages */
} device;

#define FAIL(d, ...)                                                         \
    fail_msg("%s: %s, boot %d (%s): %s", w.c->name, (d)->trial, (d)->boot,   \
             (d)->o ? (d)->o->name : "no offer", why(__VA_ARGS__))

static const char *why(const char *fmt, ...)
{
    static char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return msg;
}

/* Counts an operation; nonzero if the power is gone (before or now). */
static int powered_off(device *d)
{
    if (d->cut)
        return 1;
    if (++d->ops > OPS_PER_BOOT)
        FAIL(d, "more than %d flash operations: a loop", OPS_PER_BOOT);
    d->f.cut_after = d->done < d->nfaults ? d->faults[d->done].at : -1;
    return 0;
}

static fwpk_err after_op(device *d, fwpk_err err)
{
    if (d->f.cut) { /* the model did half of it */
        if (d->faults[d->done++].error) {
            d->f.cut = 0;
            d->failed = 1;
        } else {
            d->cut = 1;
        }
        return FWPK_ERR_FLASH;
    }
    if (err != FWPK_OK)
        FAIL(d, "flash rule broken: %s", d->f.problem);
    return FWPK_OK;
}

static void peek_state(device *d, uint32_t *min, uint32_t *kind);

/* The rule the examples' state area rests on: nothing writes the staging
 * slot while the record in force refers to it for another container (a
 * RESUME record of another container, or any COPY record). */
static void check_staging_write(device *d, uint32_t addr)
{
    const abboot_layout *l = &w.c->layout;
    if (d->cut || addr < l->staging || addr - l->staging >= l->slot_size)
        return;
    if (!d->state_known) {
        uint32_t min, kind;
        peek_state(d, &min, &kind);
    }
    const state_record *r = &d->state.last;
    if (!d->state.have || r->kind == STATE_IDLE)
        return;
    if (r->kind == STATE_COPY)
        FAIL(d, "the staging slot written while a copy is pending");
    if (!d->o || memcmp(r->u.resume.container, d->o->id, FWPK_HASH_LEN) != 0)
        FAIL(d, "the staging slot written while a resume record of another "
                "container is in force");
}

/* A write into the state area changes what is in force. */
static void state_touched(device *d, uint32_t addr)
{
    const abboot_layout *l = &w.c->layout;
    if (addr >= l->state && addr - l->state < 2 * l->state_block)
        d->state_known = 0;
}

static fwpk_err d_erase(void *user, uint32_t addr, uint32_t len)
{
    device *d = user;
    check_staging_write(d, addr);
    state_touched(d, addr);
    /* a block of the state area may span several erase blocks: each is
     * one operation, as on the AVR (one SPM page erase each) */
    for (uint32_t off = 0; off < len; off += d->f.erase_block) {
        if (powered_off(d))
            return FWPK_ERR_FLASH;
        if (after_op(d, fwp_flash_erase(&d->f, addr + off,
                                        d->f.erase_block)) != FWPK_OK)
            return FWPK_ERR_FLASH;
    }
    return FWPK_OK;
}

static fwpk_err d_write(void *user, uint32_t addr, const uint8_t *data,
                        uint32_t len)
{
    device *d = user;
    if (powered_off(d))
        return FWPK_ERR_FLASH;
    check_staging_write(d, addr);
    state_touched(d, addr);
    return after_op(d, fwp_flash_write(&d->f, addr, data, len));
}

static fwpk_err d_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    device *d = user;
    if (d->cut)
        return FWPK_ERR_FLASH;
    if (fwp_flash_read(&d->f, addr, buf, len) != FWPK_OK)
        FAIL(d, "read outside the flash: %s", d->f.problem);
    return FWPK_OK;
}

static int32_t d_get(void *user, uint32_t offset, uint8_t *buf, uint32_t len)
{
    device *d = user;
    const offer *o = d->o;
    uint32_t most = 2 * ((uint32_t)o->len / w.c->piece + 2);
    if (++d->gets > most)
        FAIL(d, "the container read more than twice over: a loop");
    if (offset >= o->len)
        return 0;
    if (len > o->len - offset)
        len = (uint32_t)(o->len - offset);
    memcpy(buf, o->box + offset, len);
    return (int32_t)len;
}

/* The release the active slot holds (its bytes, then 0xFF to the end of
 * its last erase block), or -1. */
static int active_image(const device *d)
{
    const abboot_layout *l = &w.c->layout;
    const uint8_t *slot = d->f.mem + (l->active - d->f.base);
    for (int i = 0; i < IMAGES; i++) {
        uint32_t n = w.c->size[i];
        uint32_t end = (n + l->erase_block - 1) / l->erase_block *
                       l->erase_block;
        if (memcmp(slot, w.image[i], n) != 0)
            continue;
        while (n < end && slot[n] == 0xFF)
            n++;
        if (n == end)
            return i;
    }
    return -1;
}

static int image_of_digest(const uint8_t *digest)
{
    for (int i = 0; i < IMAGES; i++)
        if (memcmp(digest, w.digest[i], FWPK_HASH_LEN) == 0)
            return i;
    return -1;
}

/* Anti-rollback: from an install on, the minimum is at least its
 * counter (the COPY record raised it before the copy began). */
static void installed(device *d, const abboot *b, int img)
{
    if (counters[img] > d->floor)
        d->floor = counters[img];
    if (b->min_counter < d->floor)
        FAIL(d, "%s installed, and the minimum is only %u", versions[img],
             (unsigned)b->min_counter);
}

static void on_event(void *user, const abboot *b, abboot_event ev)
{
    device *d = user;
    int img;
    switch (ev) {
    case ABBOOT_VERIFIED:
        if (d->o->image == NONE)
            FAIL(d, "the verifier accepted it");
        if (d->o->counter < b->policy.min_security_counter)
            FAIL(d, "accepted below the minimum %u",
                 (unsigned)b->policy.min_security_counter);
        break;
    case ABBOOT_INSTALLED:
        if (d->o->image == NONE ||
            image_of_digest(b->copy.digest) != d->o->image)
            FAIL(d, "installed, but not this offer's image");
        if ((img = active_image(d)) != d->o->image)
            FAIL(d, "installed, and the active slot holds %s",
                 img < 0 ? "no image" : versions[img]);
        d->installed = img;
        installed(d, b, img);
        break;
    case ABBOOT_COPIED:
        img = active_image(d);
        if (img < 0)
            FAIL(d, "copy completed, and the active slot holds no image");
        else if (img != image_of_digest(b->copy.digest) ||
                 !(d->allowed >> img & 1))
            FAIL(d, "copy completed, and the active slot holds %s",
                 versions[img]);
        else
            installed(d, b, img);
        d->installed = img;
        break;
    default:
        break;
    }
}

/* The state area as the bootloader's own code reads it. */
static void peek_state(device *d, uint32_t *min, uint32_t *kind)
{
    const abboot_layout *l = &w.c->layout;
    fwpk_flash io = {.erase = d_erase, .write = d_write, .read = d_read,
                     .user = d};
    d->state_io = io;
    if (!d->state_known &&
        state_open(&d->state, &d->state_io, l->state, l->state_block,
                   l->erase_block, l->write_unit) != FWPK_OK)
        FAIL(d, "state area unreadable");
    d->state_known = 1;
    *min = d->state.have ? d->state.last.min_counter : 0;
    *kind = d->state.have ? d->state.last.kind : STATE_IDLE;
}

static fwpk_ctx ctx;
static uint8_t piece[4096];

/* io->fetch as the Notecard client does it: read a piece, feed it, go on
 * from where abboot_fed() (fwpk_resume_skip) says. */
static fwpk_err d_fetch(void *user, abboot *b)
{
    uint32_t pos = 0;
    for (;;) {
        int32_t n = d_get(user, pos, piece, w.c->piece);
        if (n <= 0)
            return n < 0 ? FWPK_ERR_TRUNCATED : fwpk_finish(b->ctx);
        fwpk_err err = fwpk_feed(b->ctx, piece, (size_t)n);
        pos = abboot_fed(b, (uint32_t)n, err);
        if (err != FWPK_OK)
            return err;
    }
}

static void boot(device *d, int offer_id)
{
    const abboot_io io = {
        .flash = {.erase = d_erase, .write = d_write, .read = d_read, .user = d},
        .get = d_get, .event = on_event, .user = d,
        .fetch = w.c->fetch ? d_fetch : NULL};
    abboot b;
    uint32_t min, kind;
    int before = d->active_ok ? active_image(d) : -1, img;

    d->cut = d->lost = d->failed = 0;
    d->f.cut = 0;
    d->ops = d->gets = 0;
    d->installed = -1;
    d->boot++;
    d->o = offer_id == NONE ? NULL : &w.offers[offer_id];
    peek_state(d, &min, &kind);
    if (min < d->min)
        FAIL(d, "the minimum went down from %u to %u", (unsigned)d->min,
             (unsigned)min);
    d->min = min;
    if (d->o && d->o->image != NONE && d->o->counter >= min)
        d->allowed |= 1u << d->o->image;

    abboot_init(&b, &w.c->layout, &io, &ctx, piece, w.c->piece);
    b.policy.keys = &w.keyring;
    b.policy.key_count = 1;
    b.policy.min_signatures = 1;
    b.policy.target = "app";
    b.policy.mcu = w.c->mcu[0] ? w.c->mcu : NULL;
    abboot_run(&b, d->o != NULL);
    d->boots++;

    d->lost = d->cut;
    d->cut = 0; /* power back: read what the boot left */
    peek_state(d, &min, &kind);
    if (min < d->min)
        FAIL(d, "the minimum went down from %u to %u", (unsigned)d->min,
             (unsigned)min);
    d->min = min;
    if (min < d->floor)
        FAIL(d, "the minimum %u is below the counter %u of an installed "
                "release", (unsigned)min, (unsigned)d->floor);
    if (d->lost) {
        d->active_ok = 0; /* unknown until a boot completes */
        return;
    }
    /* The boot would start the active slot only if abboot says so, and
     * that must be what the state area says. */
    d->active_ok = abboot_active_ok(&b);
    if (d->active_ok != (kind != STATE_COPY))
        FAIL(d, "abboot_active_ok() disagrees with the state area");
    if (!d->active_ok) {
        if (!d->failed)
            FAIL(d, "a copy is still pending after a boot without a fault");
        return; /* not started; the next boot completes the copy */
    }
    img = active_image(d);
    if (img < 0) {
        FAIL(d, "no valid application: the active slot holds no release");
        return;
    }
    if (!(d->allowed >> img & 1))
        FAIL(d, "the active slot holds %s, never offered or not verified",
             versions[img]);
    if (counters[img] < min)
        FAIL(d, "the active slot holds %s (counter %u) below the minimum %u",
             versions[img], (unsigned)counters[img], (unsigned)min);
    if (before >= 0 && img != before && d->installed != img)
        FAIL(d, "the active slot changed to %s without an install",
             versions[img]);
}

/* ---- trials ---- */

/* Runs a sequence on a new device with 'faults'; returns the flash
 * operations of the offers and the settling boots (the range later faults
 * are drawn from). */
static long trial(const sequence *s, const fault *faults, int nfaults,
                  uint64_t *boots)
{
    const abboot_layout *l = &w.c->layout;
    device d;
    size_t n = w.c->size[V1];
    uint8_t unit[FWPK_WRITE_UNIT_MAX];
    int len, settle = 0;
    memset(&d, 0, sizeof d);
    len = snprintf(d.trial, sizeof d.trial, "\"%s\", faults at", s->name);
    for (int i = 0; i < nfaults; i++)
        len += snprintf(d.trial + len, sizeof d.trial - (size_t)len, " %ld%s",
                        faults[i].at, faults[i].error ? " (error)" : "");
    if (nfaults == 0)
        snprintf(d.trial + len, sizeof d.trial - (size_t)len, " none");
    if (fwp_flash_init(&d.f, l->active,
                       l->state + 2 * l->state_block - l->active,
                       l->erase_block, l->write_unit))
        fail_msg("flash model");
    /* made with v1 in the active slot */
    for (size_t off = 0; off < n; off += l->write_unit) {
        size_t k = n - off < l->write_unit ? n - off : l->write_unit;
        memset(unit, 0xFF, l->write_unit);
        memcpy(unit, w.image[V1] + off, k);
        assert_int_equal(fwp_flash_write(&d.f, l->active + (uint32_t)off,
                                         unit, l->write_unit),
                         FWPK_OK);
    }
    d.f.erases = d.f.writes = 0;
    d.allowed = 1u << V1;
    d.active_ok = 1;
    d.faults = faults;
    d.nfaults = nfaults;

    /* Every lost or failed boot uses up a fault: retries and settling
     * end. */
    for (int i = 0; i < s->n; i++) {
        int again = 0;
        do
            boot(&d, s->offer[i]);
        while (s->retry && (d.lost || d.failed) && again++ <= nfaults);
    }
    do
        boot(&d, NONE);
    while ((d.lost || !d.active_ok) && settle++ <= nfaults);
    if (d.lost || !d.active_ok)
        FAIL(&d, "still not settled after %d boots without an offer",
             settle);
    long total = (long)(d.f.erases + d.f.writes);
    if (d.done != nfaults)
        FAIL(&d, "only %d of the %d faults happened", d.done, nfaults);

    /* Updates still work: the newest release installs, and then a boot
     * with nothing to do touches nothing. */
    boot(&d, O_V3);
    if (d.installed != V3)
        FAIL(&d, "the newest release, offered without faults, did not "
                 "install");
    boot(&d, NONE);
    if (d.ops != 0)
        FAIL(&d, "a boot with nothing to do made %u flash operations",
             (unsigned)d.ops);
    *boots += d.boots;
    fwp_flash_free(&d.f);
    return total;
}

/* ---- the sweep ---- */

typedef struct {
    uint64_t trials, boots;
    uint64_t cuts, errors;          /* single faults */
    uint64_t pairs, pairs_all;      /* cut, then cut or error */
    uint64_t epairs, epairs_all;    /* error, then cut or error */
    uint64_t triples;               /* cut, cut, cut */
    double seconds;
} figures;

static uint32_t rnd_state = 2463534242u;
static uint32_t rnd(uint32_t n) /* xorshift32: the same sample every run */
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 17;
    rnd_state ^= rnd_state << 5;
    return n ? rnd_state % n : 0;
}

/* What a sweep covers.  make powercut (BOOTCUT=full): every single cut
 * and flash error, every cut and every error after each, 2000 sampled
 * triple cuts per sequence.  make check: every single cut, a fixed sample
 * of the rest (about 20 s of CPU for both examples under ASan). */
typedef struct {
    int error_stride; /* a first error at every Nth operation */
    int pair_odds;    /* a second fault, cut or error, after 1 in N first
                         faults (0: every one of both kinds) */
    int triples;
} plan;

static plan the_plan(void)
{
    const char *e = getenv("BOOTCUT");
    plan full = {1, 0, 2000}, check = {3, 2, 20};
    return e && strcmp(e, "full") == 0 ? full : check;
}

/* A first fault of one kind at every operation of the uncut trial (every
 * Nth for errors, by the plan), and second faults after it.  Returns how
 * many operations each trial with a first cut had (malloc'd, 'total'
 * entries; for errors NULL). */
static long *sweep_first(const sequence *s, long total, int error,
                         const plan *p, figures *fg)
{
    long *after = error ? NULL : malloc(sizeof(long) * (size_t)(total + 1));
    fault f[2];
    assert_true(error || after != NULL);
    for (long k1 = error ? (long)rnd((uint32_t)p->error_stride) : 0;
         k1 < total; k1 += error ? p->error_stride : 1) {
        f[0].at = k1;
        f[0].error = error;
        long ops = trial(s, f, 1, &fg->boots), room = ops - k1;
        if (after)
            after[k1] = ops;
        fg->trials++;
        *(error ? &fg->errors : &fg->cuts) += 1;
        *(error ? &fg->epairs_all : &fg->pairs_all) += 2 * (uint64_t)room;
        for (long j = 0; j < room; j++) {
            if (p->pair_odds && (j > 0 || rnd((uint32_t)p->pair_odds)))
                break;
            f[1].at = p->pair_odds ? k1 + (long)rnd((uint32_t)room) : k1 + j;
            /* the second fault: a cut, and an error (a sample: either) */
            for (int e = p->pair_odds ? (int)rnd(2) : 0; e < 2; e++) {
                f[1].error = e;
                trial(s, f, 2, &fg->boots);
                fg->trials++;
                *(error ? &fg->epairs : &fg->pairs) += 1;
                if (p->pair_odds)
                    break;
            }
        }
    }
    return after;
}

static void sweep(const sequence *s, figures *fg)
{
    long total = trial(s, NULL, 0, &fg->boots);
    plan p = the_plan();
    fault f[MAX_CUTS];
    fg->trials++;
    sweep_first(s, total, 1, &p, fg);
    long *after1 = sweep_first(s, total, 0, &p, fg);
    /* Triples: a first cut that more operations follow, a second cut
     * among them, a third among those after it. */
    for (int j = 0, tries = 0; j < p.triples && tries < 100 * p.triples;
         tries++) {
        for (int i = 0; i < MAX_CUTS; i++)
            f[i].error = 0;
        f[0].at = (long)rnd((uint32_t)total);
        if (after1[f[0].at] == f[0].at)
            continue;
        f[1].at = f[0].at + (long)rnd((uint32_t)(after1[f[0].at] - f[0].at));
        long after2 = trial(s, f, 2, &fg->boots);
        fg->trials++;
        if (after2 == f[1].at)
            continue;
        f[2].at = f[1].at + (long)rnd((uint32_t)(after2 - f[1].at));
        trial(s, f, 3, &fg->boots);
        fg->trials++;
        fg->triples++;
        j++;
    }
    free(after1);
}

static void sweep_example(const config *c)
{
    figures fg;
    struct timespec t0, t1;
    memset(&fg, 0, sizeof fg);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    make_world(c);
    for (size_t i = 0; i < SEQUENCES; i++)
        sweep(&sequences[i], &fg);
    free_world();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fg.seconds = (double)(t1.tv_sec - t0.tv_sec) +
                 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("test_bootcut: %s: %zu offer sequences, %llu trials, %llu boots; "
           "%llu single cuts, %llu single flash errors, %llu fault pairs "
           "starting with a cut (%s of %llu), %llu starting with an error "
           "(%s of %llu), %llu sampled triple cuts; every invariant held; "
           "%.1f s\n",
           c->name, SEQUENCES, (unsigned long long)fg.trials,
           (unsigned long long)fg.boots, (unsigned long long)fg.cuts,
           (unsigned long long)fg.errors, (unsigned long long)fg.pairs,
           the_plan().pair_odds ? "a sample" : "all",
           (unsigned long long)fg.pairs_all, (unsigned long long)fg.epairs,
           the_plan().pair_odds ? "a sample" : "all",
           (unsigned long long)fg.epairs_all,
           (unsigned long long)fg.triples, fg.seconds);
}

static void test_cortex_m_every_cut(void **state)
{
    (void)state;
    sweep_example(&configs[0]);
}

static void test_avr_every_cut(void **state)
{
    (void)state;
    sweep_example(&configs[1]);
}

static void test_microbit_every_cut(void **state)
{
    (void)state;
    sweep_example(&configs[2]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cortex_m_every_cut),
        cmocka_unit_test(test_avr_every_cut),
        cmocka_unit_test(test_microbit_every_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
