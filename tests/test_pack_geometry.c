/*
 * test_pack_geometry.c - `fwpack pack` succeeds exactly when `fwpack verify`
 * accepts what it would make (issue 24: the packer made containers that its
 * own verify refused, e.g. --load-addr 0x1000 --erase-block 65536, whose
 * default flash base was not on an erase block).
 *
 * Random flash geometry: load address, image length, frame size, and each
 * of --flash-base, --flash-size, --erase-block and --write-unit given
 * (sometimes a value no reader accepts) or left to the defaults that
 * `fwpack pack --help` documents.  When pack succeeds, verify must accept
 * the container and its manifest must hold that geometry.  When pack
 * refuses (exit 3, one line), the container with that geometry is made by
 * hand (box_assemble, signed with the same key) and verify must refuse it:
 * pack refuses nothing that a reader would accept.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "pack_util.h"

#define CASES 100
#define MAX_LEN 12000

enum { G_BASE, G_SIZE, G_ERASE, G_UNIT, G_N };
static const char *const opt[G_N] = {"--flash-base", "--flash-size",
                                     "--erase-block", "--write-unit"};

typedef struct {
    uint32_t load, len, frame;
    int given[G_N];
    uint32_t geo[G_N]; /* as given, or the documented default */
} gcase;

static const char *dir;
static box_setup s;
static uint8_t image[MAX_LEN];

static uint32_t rng = 0x51f15e5du;
static uint32_t rnd(void)
{
    return pu_rand(&rng);
}

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

static int setup(void **state)
{
    (void)state;
    fwp_err err;
    dir = pu_tmpdir();
    box_init(&s, 16);
    if (fwp_key_save_private(P("k.pem"), &s.kp[0], 1, &err) ||
        fwp_key_save_public(P("pub.pem"), s.kp[0].pk, 1, &err))
        fail_msg("keys: %s", err.msg);
    pu_firmware(image, sizeof image, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    box_free(&s);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* `fwpack pack --help`: erase block 4096, write unit 4; the flash is the
 * image's span in blocks of the erase block, at least 4 KiB. */
static void defaults(gcase *c)
{
    uint64_t hi = (uint64_t)c->load + c->len, unit, span;
    if (!c->given[G_ERASE])
        c->geo[G_ERASE] = 4096;
    if (!c->given[G_UNIT])
        c->geo[G_UNIT] = 4;
    unit = c->geo[G_ERASE] > 4096 ? c->geo[G_ERASE] : 4096;
    if (!c->given[G_BASE])
        c->geo[G_BASE] = (uint32_t)(c->load / unit * unit);
    span = hi > c->geo[G_BASE] ? hi - c->geo[G_BASE] : 1;
    span = (span + unit - 1) / unit * unit;
    if (span > 0x100000000ull - c->geo[G_BASE])
        span = 0x100000000ull - c->geo[G_BASE];
    if (!c->given[G_SIZE])
        c->geo[G_SIZE] = (uint32_t)span;
}

static uint32_t pick(const uint32_t *v, size_t n)
{
    return v[rnd() % n];
}

#define PICK(a) pick(a, sizeof a / sizeof a[0])

static void random_case(gcase *c)
{
    static const uint32_t blocks[] = {128,   256,    1024,   2048,  4096,
                                      16384, 65536,  131072, 262144, 3000,
                                      524288};
    static const uint32_t units[] = {1, 2, 4, 8, 16, 256, 12, 512};
    static const uint32_t frames[] = {256, 1024, 4096, 8192};
    memset(c, 0, sizeof *c);
    c->len = 1 + rnd() % MAX_LEN;
    switch (rnd() % 4) {
    case 0: c->load = 0x08000000u + (rnd() % 64) * 0x400u; break;
    case 1: c->load = rnd() % 0x100000u; break;
    case 2: c->load = 0xfff00000u + rnd() % 0xf0000u; break;
    default: c->load = (rnd() % 256) * 0x1000u; break;
    }
    for (int g = 0; g < G_N; g++)
        c->given[g] = rnd() % 3 == 0;
    c->geo[G_ERASE] = PICK(blocks);
    c->geo[G_UNIT] = PICK(units);
    /* a base at or below the image, on a block or not */
    uint32_t step = rnd() & 1 ? c->geo[G_ERASE] : 0x400u;
    c->geo[G_BASE] = c->load / step * step - (rnd() % 3 == 0 ? step : 0);
    if (c->geo[G_BASE] > c->load)
        c->geo[G_BASE] = 0;
    c->geo[G_SIZE] = rnd() & 1 ? (rnd() % 64 + 1) * 0x1000u
                               : (rnd() % 8 + 1) * c->geo[G_ERASE];
    if ((uint64_t)c->geo[G_BASE] + c->geo[G_SIZE] > 0x100000000ull)
        c->geo[G_SIZE] = (uint32_t)(0x100000000ull - c->geo[G_BASE]);
    c->frame = PICK(frames);
    defaults(c);
}

static void describe(const gcase *c, char *out, size_t cap)
{
    int n = snprintf(out, cap, "--load-addr 0x%x (%u bytes) --frame-size %u",
                     (unsigned)c->load, (unsigned)c->len,
                     (unsigned)c->frame);
    for (int g = 0; g < G_N; g++)
        if (c->given[g])
            n += snprintf(out + n, cap - (size_t)n, " %s 0x%x", opt[g],
                          (unsigned)c->geo[g]);
}

/* The container with c's geometry, made by hand: what pack would have
 * written had it not refused. */
static void write_by_hand(const gcase *c, const char *path)
{
    fwp_manifest m;
    fwp_mtarget *t = &m.targets[0];
    fwp_frames fr;
    size_t len;
    memset(&m, 0, sizeof m);
    m.format = FWPK_FORMAT_VERSION;
    strcpy(m.product, "fwpack");
    strcpy(m.version, "0.0.0");
    m.build_time = 1700000000;
    m.target_count = 1;
    strcpy(t->name, "app");
    t->flash_base = c->geo[G_BASE];
    t->flash_size = c->geo[G_SIZE];
    t->erase_block = c->geo[G_ERASE];
    t->write_unit = c->geo[G_UNIT];
    t->seg_count = 1;
    t->seg_addr[0] = c->load;
    t->seg_len[0] = t->image_size = c->len;
    t->codec = FWPK_CODEC_NONE;
    fwp_hash(t->image_digest, image, c->len);
    box_frames(t, &fr, image, c->len, FWPK_CODEC_NONE, 0, c->frame);
    uint8_t *box = box_assemble(&s.o, &m, s.kp, 1, &fr, 1, &len);
    pu_write(path, box, len);
    free(box);
    fwp_frames_free(&fr);
}

/* The geometry in the manifest pack wrote. */
static void check_manifest(const gcase *c, const char *what)
{
    size_t len;
    fwp_layout lay;
    fwp_manifest m;
    fwp_err err;
    char *box = pu_read(P("out.fwpk"), &len);
    assert_non_null(box);
    if (fwp_layout_parse((uint8_t *)box, len, "out", &lay, &err) ||
        fwp_manifest_decode(lay.manifest, lay.manifest_len, "out", &m, &err))
        fail_msg("%s: %s", what, err.msg);
    const fwp_mtarget *t = &m.targets[0];
    if (t->flash_base != c->geo[G_BASE] || t->flash_size != c->geo[G_SIZE] ||
        t->erase_block != c->geo[G_ERASE] ||
        t->write_unit != c->geo[G_UNIT])
        fail_msg("%s: packed flash 0x%x+0x%x, erase %u, write %u", what,
                 (unsigned)t->flash_base, (unsigned)t->flash_size,
                 (unsigned)t->erase_block, (unsigned)t->write_unit);
    free(box);
}

static unsigned packed, refused;
static char pack_err[512]; /* what the last refusal said */

static void run_case(const gcase *c)
{
    char what[256], args[512];
    int n;
    describe(c, what, sizeof what);
    pu_write(P("x.bin"), image, c->len);
    n = snprintf(args, sizeof args, "pack -k %s --codec none --frame-size %u "
                 "--load-addr 0x%x --force", P("k.pem"), (unsigned)c->frame,
                 (unsigned)c->load);
    for (int g = 0; g < G_N; g++)
        if (c->given[g])
            n += snprintf(args + n, sizeof args - (size_t)n, " %s 0x%x",
                          opt[g], (unsigned)c->geo[g]);
    int rc = pu_run("%s %s -o %s", args, P("x.bin"), P("out.fwpk"));
    if (rc == 0) {
        check_manifest(c, what);
        if (pu_run("verify -p %s %s", P("pub.pem"), P("out.fwpk")) != 0)
            fail_msg("%s: pack made it, verify refuses: %s", what, pu_err);
        packed++;
        return;
    }
    /* 2: the geometry options make a flash no reader accepts; 3: the data
     * lies outside the flash they make (README, "Exit codes") */
    if ((rc != 2 && rc != 3) || strchr(pu_err, '\n') != strrchr(pu_err, '\n'))
        fail_msg("%s: pack exit %d, not 2 or 3 with one line: %s", what, rc,
                 pu_err);
    snprintf(pack_err, sizeof pack_err, "%s", pu_err);
    write_by_hand(c, P("hand.fwpk"));
    if (pu_run("verify -p %s %s", P("pub.pem"), P("hand.fwpk")) != 1)
        fail_msg("%s: pack refuses, verify accepts it made by hand", what);
    refused++;
}

static void test_issue_24_reproduction(void **state)
{
    (void)state;
    gcase c;
    memset(&c, 0, sizeof c);
    c.load = 0x1000;
    c.len = 5000;
    c.frame = 1024;
    c.given[G_ERASE] = 1;
    c.geo[G_ERASE] = 65536;
    defaults(&c);
    assert_int_equal(c.geo[G_BASE], 0); /* the block holding the image */
    assert_int_equal(c.geo[G_SIZE], 65536);
    run_case(&c);
    c.given[G_BASE] = 1;
    c.geo[G_BASE] = 0x1000; /* not on a 64 KiB block: refused */
    defaults(&c);
    run_case(&c);
    assert_int_equal(packed, 1);
    assert_int_equal(refused, 1);
    assert_non_null(strstr(pack_err, "not whole erase blocks"));
}

static void test_random_geometry(void **state)
{
    (void)state;
    gcase c;
    packed = refused = 0;
    for (int i = 0; i < CASES; i++) {
        random_case(&c);
        run_case(&c);
    }
    printf("random geometry: %d cases, %u packed and verified, %u refused by "
           "pack and by verify\n", CASES, packed, refused);
    assert_true(packed >= CASES / 5 && refused >= CASES / 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_issue_24_reproduction),
        cmocka_unit_test(test_random_geometry),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
