/*
 * test_inspect_agrees.c - `fwpack inspect` says ok exactly when the device
 * verifier installs the container (issue 21: the host's "ok" must mean what
 * the device's means).
 *
 * Validly signed two-target containers are made by hand (box_assemble) with
 * what a packer never writes: a window smaller than the stream's, a deflate
 * block that runs from one frame into the next, payload sizes that differ
 * from the frames' sum (in the installed target and in the other one),
 * nonzero padding after the final block, a wrong digest or image size, a
 * broken chain, and manifests whose frame counts, payload sizes or flash a
 * reader refuses.  Each goes to `fwpack inspect --json` and to the device
 * verifier as a device of each target (box_verify, trusted key): every
 * target's "problem" is "" exactly when that device returns FWPK_OK, "ok"
 * and the exit code are true/0 exactly when every device does, and a
 * container inspect cannot read is one that every device refuses.  Then a
 * few hundred random edits of the manifest and frames are judged the same
 * way through the library that inspect uses (fwp_container_walk).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "box.h"
#include "pack_util.h"

#define MAIN_LEN 30000
#define RADIO_LEN 6000
#define RADIO_AT (BOX_BASE + 0x20000)
#define FRAME 1024

static const char *dir;
static box_setup s;
static fwp_manifest genuine;
static const char *const names[2] = {"main", "radio"};

/* Variants of the frames of each target, and what they carry. */
enum { F_GOOD, F_WIN9, F_WHOLE, F_NONE, F_PAD, F_VARIANTS };
static fwp_frames fr[2][F_VARIANTS];
static fwp_mtarget desc[2][F_VARIANTS]; /* manifest fields for them */

static uint32_t rng = 0x2f6b1d3bu;
static uint32_t rnd(void)
{
    return pu_rand(&rng);
}

/* One raw deflate stream, no flushes: blocks run across frame ends. */
static uint8_t *whole_stream(const uint8_t *img, size_t n, size_t *out)
{
    z_stream z;
    uLong cap = compressBound((uLong)n) + 64;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    memset(&z, 0, sizeof z);
    assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, -15, 9,
                                  Z_DEFAULT_STRATEGY), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)img;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
    *out = z.total_out;
    deflateEnd(&z);
    return buf;
}

/* The payloads of a target's frames, concatenated (malloc'd). */
static uint8_t *payloads(const fwp_frames *f, size_t *n)
{
    uint8_t *p = malloc(f->payload);
    size_t off = 0;
    assert_non_null(p);
    *n = 0;
    while (off < f->len) {
        size_t len = f->data[off] | (size_t)f->data[off + 1] << 8;
        memcpy(p + *n, f->data + off + FWPK_FRAME_HEADER_LEN, len);
        *n += len;
        off += FWPK_FRAME_HEADER_LEN + len;
    }
    return p;
}

/* zlib, which ignores the bits that pad the final block's last byte,
 * still inflates the stream to img. */
static int zlib_same(const uint8_t *p, size_t n, const uint8_t *img,
                     size_t len)
{
    uint8_t *out = malloc(len + 1);
    z_stream z;
    int same;
    assert_non_null(out);
    memset(&z, 0, sizeof z);
    assert_int_equal(inflateInit2(&z, -15), Z_OK);
    z.next_in = (Bytef *)(uintptr_t)p;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)len + 1;
    same = inflate(&z, Z_FINISH) == Z_STREAM_END && z.total_out == len &&
           memcmp(out, img, len) == 0;
    inflateEnd(&z);
    free(out);
    return same;
}

/* Good frames with one padding bit of the final block set: the highest
 * bit of the last byte that zlib does not read. */
static void padded(int t)
{
    fwp_frames *f = &fr[t][F_PAD];
    size_t n, last;
    int bit;
    f->data = malloc(fr[t][F_GOOD].len);
    assert_non_null(f->data);
    memcpy(f->data, fr[t][F_GOOD].data, fr[t][F_GOOD].len);
    f->len = fr[t][F_GOOD].len;
    uint8_t *p = payloads(&fr[t][F_GOOD], &n);
    for (bit = 7; bit > 0; bit--) {
        p[n - 1] ^= (uint8_t)(1u << bit);
        if (zlib_same(p, n, s.image[t], s.image_len[t]))
            break;
        p[n - 1] ^= (uint8_t)(1u << bit);
    }
    free(p);
    assert_true(bit > 0); /* the final block did not fill its last byte */
    last = f->len - 1;
    f->data[last] ^= (uint8_t)(1u << bit);
    assert_int_equal(fwp_frames_chain(f), 0);
    desc[t][F_PAD] = desc[t][F_GOOD];
    memcpy(desc[t][F_PAD].anchor, f->anchor, FWPK_HASH_LEN);
}

static void variants(int t)
{
    fwp_mtarget *d = desc[t];
    const uint8_t *img = s.image[t];
    size_t n = s.image_len[t], wn;
    for (int v = 0; v < F_VARIANTS; v++)
        d[v] = genuine.targets[t];
    box_frames(&d[F_GOOD], &fr[t][F_GOOD], img, n, FWPK_CODEC_DEFLATE, 15,
               FRAME);
    /* compressed for a 32 KiB window; the manifest will say 512 bytes */
    box_frames(&d[F_WIN9], &fr[t][F_WIN9], img, n, FWPK_CODEC_DEFLATE, 15,
               FRAME);
    d[F_WIN9].window_bits = 9;
    uint8_t *whole = whole_stream(img, n, &wn);
    box_frames(&d[F_WHOLE], &fr[t][F_WHOLE], whole, wn, FWPK_CODEC_NONE, 0,
               FRAME);
    free(whole);
    box_frames(&d[F_NONE], &fr[t][F_NONE], img, n, FWPK_CODEC_NONE, 0, FRAME);
    d[F_NONE].codec = FWPK_CODEC_NONE;
    d[F_NONE].window_bits = 0;
    padded(t);
}

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    box_init(&s, MAIN_LEN);
    box_add_target(&s, "radio", RADIO_AT, RADIO_LEN, 2);
    s.t[0].frame_size = s.t[1].frame_size = FRAME;
    box_manifest(&s, &genuine);
    variants(0);
    variants(1);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int t = 0; t < 2; t++)
        for (int v = 0; v < F_VARIANTS; v++)
            fwp_frames_free(&fr[t][v]);
    box_free(&s);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* A manifest whose targets carry frame variants v0 and v1. */
static void with(fwp_manifest *m, int v0, int v1, fwp_frames out[2])
{
    *m = genuine;
    m->targets[0] = desc[0][v0];
    m->targets[1] = desc[1][v1];
    out[0] = fr[0][v0];
    out[1] = fr[1][v1];
}

/* The device verifier as a device of each target. */
static void device(const uint8_t *box, size_t len, fwpk_err e[2])
{
    for (int t = 0; t < 2; t++) {
        box_policy p = {0};
        fwp_flash f;
        p.target = names[t];
        e[t] = box_verify(&s, &p, box, len, &f);
        fwp_flash_free(&f);
    }
}

/* The i-th "problem" in inspect's JSON is none (null, SPEC appendix). */
static int problem_empty(const char *json, int i)
{
    const char *p = json;
    for (int k = 0; k <= i; k++) {
        p = strstr(p, "\"problem\":");
        assert_non_null(p);
        p += strlen("\"problem\":");
    }
    return strncmp(p, "null", 4) == 0;
}

static size_t cli_cases;

/* inspect --json and the device agree on m over frames f.  want[t] is the
 * device's expected verdict, which makes sure that each case is the one
 * it claims to be. */
static void agree(const char *what, const fwp_manifest *m, const fwp_frames *f,
                  fwpk_err want0, fwpk_err want1)
{
    size_t len;
    fwpk_err e[2];
    uint8_t *box = box_assemble(&s.o, m, s.kp, 1, f, 2, &len);
    const char *path = pu_path(dir, "x.fwpk");
    pu_write(path, box, len);
    device(box, len, e);
    free(box);
    if (e[0] != want0 || e[1] != want1)
        fail_msg("%s: the device says %s / %s, the case expects %s / %s",
                 what, fwpk_strerror(e[0]), fwpk_strerror(e[1]),
                 fwpk_strerror(want0), fwpk_strerror(want1));
    int rc = pu_run("inspect --json %s", path);
    int all = e[0] == FWPK_OK && e[1] == FWPK_OK;
    printf("agree: %-52s device %s / %s, inspect exit %d\n", what,
           fwpk_strerror(e[0]), fwpk_strerror(e[1]), rc);
    if (rc == 1 && strstr(pu_out, "{\"command\":\"inspect\",\"ok\":false")) {
        /* unreadable for inspect (its error object): every device refuses
         * it too */
        if (e[0] == FWPK_OK || e[1] == FWPK_OK)
            fail_msg("%s: inspect cannot read it (%s), a device accepts it",
                     what, pu_err);
        cli_cases++;
        return;
    }
    assert_int_equal(rc, all ? 0 : 1);
    assert_non_null(strstr(pu_out, all ? "\"ok\":true}" : "\"ok\":false}"));
    for (int t = 0; t < 2; t++)
        if (problem_empty(pu_out, t) != (e[t] == FWPK_OK))
            fail_msg("%s: target %s: device %s, inspect %s", what, names[t],
                     fwpk_strerror(e[t]), pu_out);
    cli_cases++;
}

static void test_frames_the_device_refuses(void **state)
{
    (void)state;
    fwp_manifest m;
    fwp_frames f[2];

    with(&m, F_GOOD, F_GOOD, f);
    agree("genuine", &m, f, FWPK_OK, FWPK_OK);
    with(&m, F_NONE, F_GOOD, f);
    agree("genuine, main with codec none", &m, f, FWPK_OK, FWPK_OK);

    /* (a) window bits 9 over a stream that reaches back 32 KiB */
    with(&m, F_WIN9, F_GOOD, f);
    agree("window bits 9, stream with a 32 KiB window", &m, f,
          FWPK_ERR_INFLATE, FWPK_OK);
    /* (b) frames that do not end on block boundaries */
    with(&m, F_WHOLE, F_GOOD, f);
    agree("a deflate block runs across frames", &m, f, FWPK_ERR_INFLATE,
          FWPK_OK);
    /* (c) payload size against the frames' sum: every device checks it
     * for every target (SPEC.md 6) */
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[0].payload_size++;
    agree("payload size one more than the frames hold", &m, f,
          FWPK_ERR_FRAME, FWPK_ERR_FRAME);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[0].payload_size--;
    agree("payload size one less than the frames hold", &m, f,
          FWPK_ERR_FRAME, FWPK_ERR_FRAME);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[1].payload_size++;
    agree("the other target's payload size one more", &m, f, FWPK_ERR_FRAME,
          FWPK_ERR_FRAME);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[1].payload_size--;
    agree("the other target's payload size one less", &m, f, FWPK_ERR_FRAME,
          FWPK_ERR_FRAME);
    /* padding after the final block */
    with(&m, F_PAD, F_GOOD, f);
    agree("nonzero padding after the final block", &m, f, FWPK_ERR_INFLATE,
          FWPK_OK);
    with(&m, F_GOOD, F_PAD, f);
    agree("the other target's padding nonzero", &m, f, FWPK_OK,
          FWPK_ERR_INFLATE);
    /* what inspect always caught, still caught */
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[1].image_digest[5] ^= 1;
    agree("image digest", &m, f, FWPK_OK, FWPK_ERR_DIGEST);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[0].seg_len[0]--;
    m.targets[0].image_size--;
    agree("the stream inflates to more than the image", &m, f, FWPK_ERR_SIZE,
          FWPK_OK);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[0].anchor[0] ^= 1;
    agree("main's chain broken", &m, f, FWPK_ERR_FRAME_HASH,
          FWPK_ERR_FRAME_HASH);
}

static void test_manifests_the_device_refuses(void **state)
{
    (void)state;
    fwp_manifest m;
    fwp_frames f[2];
    with(&m, F_NONE, F_GOOD, f);
    m.targets[0].payload_size--;
    agree("codec none, payload size one less than the image", &m, f,
          FWPK_ERR_MANIFEST, FWPK_ERR_MANIFEST);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[0].payload_size = m.targets[0].frame_count - 1;
    agree("payload size below the frame count", &m, f, FWPK_ERR_MANIFEST,
          FWPK_ERR_MANIFEST);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[1].payload_size =
        m.targets[1].frame_count * m.targets[1].frame_size + 1;
    agree("payload size above frame count x frame size", &m, f,
          FWPK_ERR_MANIFEST, FWPK_ERR_MANIFEST);
    with(&m, F_GOOD, F_GOOD, f);
    m.targets[1].flash_base -= 1024; /* 2 KiB erase blocks */
    m.targets[1].flash_size += 1024;
    agree("flash not whole erase blocks", &m, f, FWPK_ERR_MANIFEST,
          FWPK_ERR_MANIFEST);
    printf("agree: %zu containers, inspect and the device agreed on each\n",
           cli_cases);
}

/* ---- random edits, judged through the library inspect uses ---- */

/* What inspect would say: -1 unreadable, else 1/0 per target problem. */
static int inspect_lib(const uint8_t *box, size_t len, int ok[2])
{
    fwp_layout lay;
    fwp_manifest m;
    fwp_walk w[FWPK_MAX_TARGETS];
    fwp_err err;
    int all, rc;
    if (fwp_layout_parse(box, len, "x", &lay, &err) ||
        fwp_manifest_decode(lay.manifest, lay.manifest_len, "x", &m, &err))
        return -1;
    rc = fwp_container_walk(box, len, &lay, &m, w, &all, &err);
    for (uint32_t t = 0; t < m.target_count; t++) {
        if (rc == 0)
            ok[t] = w[t].problem[0] == 0;
        fwp_walk_free(&w[t]);
    }
    if (rc == 0)
        assert_int_equal(all, ok[0] && ok[1]);
    return rc;
}

/* One random edit of the manifest of a container over frame variants. */
static void edit(fwp_manifest *m, fwp_frames f[2])
{
    int t = (int)(rnd() & 1);
    fwp_mtarget *d;
    with(m, (int)(rnd() % F_VARIANTS), (int)(rnd() % F_VARIANTS), f);
    d = &m->targets[t];
    switch (rnd() % 8) {
    case 0:
        d->payload_size += rnd() % 3 - 1u;
        break;
    case 1:
        d->window_bits = d->codec ? 9 + rnd() % 7 : 0;
        break;
    case 2:
        d->frame_size = 256 + rnd() % 7937;
        break;
    case 3:
        d->seg_len[0] += rnd() % 3 - 1u;
        d->image_size = d->seg_len[0];
        break;
    case 4:
        d->codec ^= 1;
        d->window_bits = d->codec ? 15 : 0;
        break;
    case 5:
        d->filter = rnd() % 3;
        break;
    case 6:
        d->frame_count += rnd() % 3 - 1u;
        break;
    default: /* unchanged */
        break;
    }
}

static void test_random_edits(void **state)
{
    (void)state;
    unsigned cases = 0, accepted = 0, unreadable = 0;
    for (int i = 0; i < 300; i++) {
        fwp_manifest m;
        fwp_frames f[2];
        size_t len;
        fwpk_err e[2];
        int ok[2] = {0, 0};
        fwp_err err;
        uint8_t *cbor = NULL;
        size_t cbor_len;
        edit(&m, f);
        if (fwp_manifest_encode(&m, &cbor, &cbor_len, &err))
            continue; /* not even encodable (no reader sees it) */
        free(cbor);
        uint8_t *box = box_assemble(&s.o, &m, s.kp, 1, f, 2, &len);
        device(box, len, e);
        int rc = inspect_lib(box, len, ok);
        free(box);
        if (rc < 0) {
            if (e[0] == FWPK_OK || e[1] == FWPK_OK)
                fail_msg("edit %d: unreadable for inspect, a device accepts "
                         "it (%s / %s)", i, fwpk_strerror(e[0]),
                         fwpk_strerror(e[1]));
            unreadable++;
        } else {
            for (int t = 0; t < 2; t++)
                if (ok[t] != (e[t] == FWPK_OK))
                    fail_msg("edit %d: target %s: device %s, inspect %s", i,
                             names[t], fwpk_strerror(e[t]),
                             ok[t] ? "ok" : "refused");
        }
        accepted += e[0] == FWPK_OK && e[1] == FWPK_OK;
        cases++;
    }
    printf("random edits: %u containers (%u unreadable, %u accepted by both "
           "devices): inspect agreed on every one\n", cases, unreadable,
           accepted);
    assert_true(cases > 250 && accepted > 10 && unreadable > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frames_the_device_refuses),
        cmocka_unit_test(test_manifests_the_device_refuses),
        cmocka_unit_test(test_random_edits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
