/*
 * cmd_inspect.c - fwpack inspect: everything in a container (header, info
 * string, manifest, signatures' key ids, frames), and whether a device of
 * each target accepts it, signatures aside: the device verifier's own code
 * decides (walk.c), so inspect's "ok" is the device's.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: fwpack inspect FILE.fwpk [--json]\n"
    "       fwpack inspect - [--json] < FILE.fwpk\n"
    "\n"
    "Prints the header, info string, manifest (every target: geometry,\n"
    "segments, digest, anchor), the signatures' key ids and the frames, and\n"
    "runs the device verifier's own code over the container for each target\n"
    "(hash chains, frame lengths, decoding, image digest). Signatures are\n"
    "not checked (fwpack verify does that).\n"
    "Exit 0 when a device of every target accepts the container (signatures\n"
    "aside), 1 when one refuses it or it is malformed.\n"
    "FILE - reads the container from stdin.  Text from the container\n"
    "(product, version, names, the info string) is shown with control\n"
    "characters and bytes that are not UTF-8 as \\xNN, so that a hostile\n"
    "file cannot drive the terminal.\n"
    "\n"
    "      --json    machine-readable output: one object, also on failure\n"
    "                (format/SPEC.md, appendix)\n"
    "  -h, --help    this text\n";

typedef struct {
    const char *path; /* as given ("-": stdin) */
    const char *name; /* for messages */
    uint8_t *data;
    size_t len;
    fwp_layout lay;
    fwp_manifest m;
    fwp_walk walks[FWPK_MAX_TARGETS];
    int ok;
} inspection;

/* "label" then s from the container, escaped for the terminal. */
static void text_str(fwp_buf *b, const char *label, const char *s)
{
    fwp_buf_printf(b, "%s", label);
    fwp_buf_escaped(b, s, 0);
}

static void text_target(fwp_buf *b, const fwp_mtarget *t, const fwp_walk *w,
                        uint32_t i)
{
    fwp_buf_printf(b, "target %u: ", (unsigned)i);
    fwp_buf_escaped(b, t->name, 0);
    if (*t->mcu)
        text_str(b, "\n  mcu          ", t->mcu);
    else
        fwp_buf_printf(b, "\n  mcu          (generic)");
    fwp_buf_printf(b, "\n  flash        0x%08x + 0x%x, erase block %u, write "
                      "unit %u\n  segments     %u:",
                   (unsigned)t->flash_base, (unsigned)t->flash_size,
                   (unsigned)t->erase_block, (unsigned)t->write_unit,
                   (unsigned)t->seg_count);
    for (uint32_t s = 0; s < t->seg_count; s++)
        fwp_buf_printf(b, " 0x%08x+%u", (unsigned)t->seg_addr[s],
                       (unsigned)t->seg_len[s]);
    fwp_buf_printf(b, "\n  image        %u bytes, digest ",
                   (unsigned)t->image_size);
    fwp_buf_hex(b, t->image_digest, FWPK_HASH_LEN);
    fwp_buf_printf(b, "\n  codec        %s, window bits %u",
                   fwp_codec_name(t->codec), (unsigned)t->window_bits);
    if (t->codec == FWPK_CODEC_LZMA)
        fwp_buf_printf(b, " (dictionary), lc %u lp %u pb %u",
                       (unsigned)(t->lzma_props % 9),
                       (unsigned)(t->lzma_props / 9 % 5),
                       (unsigned)(t->lzma_props / 45));
    fwp_buf_printf(b, ", filter %s\n", fwp_filter_name(t->filter));
    if (t->base_size) {
        text_str(b, "  delta        against version ", t->base_version);
        fwp_buf_printf(b, ", %u bytes, digest ", (unsigned)t->base_size);
        fwp_buf_hex(b, t->base_digest, FWPK_HASH_LEN);
        fwp_buf_printf(b, "; patch %u bytes\n", (unsigned)t->patch_size);
    }
    fwp_buf_printf(b, "  frames       %u of at most %u bytes, payload %u "
                      "bytes (%.1f%% of the image):",
                   (unsigned)t->frame_count,
                   (unsigned)t->frame_size, (unsigned)t->payload_size,
                   100.0 * t->payload_size / t->image_size);
    for (uint32_t f = 0; f < w->count; f++)
        fwp_buf_printf(b, " %u", (unsigned)w->lens[f]);
    fwp_buf_printf(b, "\n  anchor       ");
    fwp_buf_hex(b, t->anchor, FWPK_HASH_LEN);
    fwp_buf_printf(b, "\n  chain        %s\n  digest       %s\n",
                   w->chain_ok ? "ok" : "BROKEN",
                   w->digest_ok > 0 ? "ok" : w->digest_ok ? "not checked"
                                                          : "MISMATCH");
    if (w->problem[0]) {
        text_str(b, "  refused      ", w->problem);
        fwp_buf_printf(b, "\n");
    }
}

static void text(fwp_buf *b, const inspection *x)
{
    const fwp_manifest *m = &x->m;
    char built[20];
    fwp_time_format(m->build_time, built);
    text_str(b, "file         ", fwp_file_name(x->path));
    fwp_buf_printf(b, ", %zu bytes\n", x->len);
    fwp_buf_printf(b, "header       format %u, info %u bytes, manifest %u "
                      "bytes\n", x->data[4], (unsigned)x->lay.info_len,
                   (unsigned)x->lay.manifest_len);
    text_str(b, "info         ", (const char *)x->lay.info);
    text_str(b, "\nproduct      ", m->product);
    text_str(b, "\nversion      ", m->version);
    fwp_buf_printf(b, "\nsecurity     %u\nbuilt        %u (%s UTC)\n"
                      "signed hash  ",
                   (unsigned)m->security_counter, (unsigned)m->build_time,
                   built);
    fwp_buf_hex(b, x->lay.signed_digest, FWPK_SIGNED_DIGEST_LEN);
    fwp_buf_printf(b, "\nsignatures   %u%s", (unsigned)x->lay.sig_count,
                   x->lay.sig_count ? ", key ids:" : " (unsigned)");
    for (uint32_t i = 0; i < x->lay.sig_count; i++) {
        fwp_buf_printf(b, " ");
        fwp_buf_hex(b, x->lay.sigs + i * FWPK_SIG_ENTRY_LEN, FWPK_KEY_ID_LEN);
    }
    fwp_buf_printf(b, "\n");
    for (uint32_t i = 0; i < m->target_count; i++)
        text_target(b, &m->targets[i], &x->walks[i], i);
    fwp_buf_printf(b, "result       %s\n", x->ok ? "ok" : "BROKEN");
}

static void json_hex(fwp_buf *b, const char *key, const uint8_t *d, size_t n)
{
    fwp_buf_printf(b, "\"%s\":\"", key);
    fwp_buf_hex(b, d, n);
    fwp_buf_printf(b, "\"");
}

/* JSON's one convention for "none": null, never "" (SPEC.md appendix). */
static void json_str_or_null(fwp_buf *b, const char *s)
{
    if (*s)
        fwp_buf_json_str(b, s);
    else
        fwp_buf_printf(b, "null");
}

/* A delta target's base (SPEC.md 6.5), else null. */
static void json_delta(fwp_buf *b, const fwp_mtarget *t)
{
    fwp_buf_printf(b, ",\"delta\":");
    if (!t->base_size) {
        fwp_buf_printf(b, "null");
        return;
    }
    fwp_buf_printf(b, "{\"base_size\":%u,", (unsigned)t->base_size);
    json_hex(b, "base_digest", t->base_digest, FWPK_HASH_LEN);
    fwp_buf_printf(b, ",\"base_version\":");
    fwp_buf_json_str(b, t->base_version);
    fwp_buf_printf(b, ",\"patch_size\":%u}", (unsigned)t->patch_size);
}

static void json_target(fwp_buf *b, const fwp_mtarget *t, const fwp_walk *w)
{
    fwp_buf_printf(b, "{\"name\":");
    fwp_buf_json_str(b, t->name);
    fwp_buf_printf(b, ",\"mcu\":");
    json_str_or_null(b, t->mcu);
    fwp_buf_printf(b, ",\"flash_base\":%u,\"flash_size\":%u,\"erase_block\":"
                      "%u,\"write_unit\":%u,\"segments\":[",
                   (unsigned)t->flash_base, (unsigned)t->flash_size,
                   (unsigned)t->erase_block, (unsigned)t->write_unit);
    for (uint32_t s = 0; s < t->seg_count; s++)
        fwp_buf_printf(b, "%s{\"address\":%u,\"length\":%u}", s ? "," : "",
                       (unsigned)t->seg_addr[s], (unsigned)t->seg_len[s]);
    fwp_buf_printf(b, "],\"image_size\":%u,\"codec\":\"%s\",\"window_bits\":"
                      "%u,\"lzma\":",
                   (unsigned)t->image_size, fwp_codec_name(t->codec),
                   (unsigned)t->window_bits);
    if (t->codec == FWPK_CODEC_LZMA)
        fwp_buf_printf(b, "{\"lc\":%u,\"lp\":%u,\"pb\":%u}",
                       (unsigned)(t->lzma_props % 9),
                       (unsigned)(t->lzma_props / 9 % 5),
                       (unsigned)(t->lzma_props / 45));
    else
        fwp_buf_printf(b, "null");
    json_delta(b, t);
    fwp_buf_printf(b, ",\"filter\":\"%s\",\"frame_size\":%u,\"frame_count\""
                      ":%u,\"payload_size\":%u,",
                   fwp_filter_name(t->filter), (unsigned)t->frame_size,
                   (unsigned)t->frame_count, (unsigned)t->payload_size);
    json_hex(b, "image_digest", t->image_digest, FWPK_HASH_LEN);
    fwp_buf_printf(b, ",");
    json_hex(b, "anchor", t->anchor, FWPK_HASH_LEN);
    fwp_buf_printf(b, ",\"frames\":[");
    for (uint32_t f = 0; f < w->count; f++)
        fwp_buf_printf(b, "%s%u", f ? "," : "", (unsigned)w->lens[f]);
    fwp_buf_printf(b, "],\"chain_ok\":%s,\"digest_ok\":%s,\"problem\":",
                   w->chain_ok ? "true" : "false",
                   w->digest_ok > 0 ? "true" : w->digest_ok ? "null"
                                                            : "false");
    json_str_or_null(b, w->problem);
    fwp_buf_printf(b, "}");
}

static void json(fwp_buf *b, const inspection *x)
{
    const fwp_manifest *m = &x->m;
    fwp_buf_printf(b, "{\"file\":");
    fwp_buf_json_str(b, x->path);
    fwp_buf_printf(b, ",\"size\":%zu,\"format\":%u,\"info_len\":%u,"
                      "\"manifest_len\":%u,\"info\":",
                   x->len, x->data[4], (unsigned)x->lay.info_len,
                   (unsigned)x->lay.manifest_len);
    fwp_buf_json_str(b, (const char *)x->lay.info);
    fwp_buf_printf(b, ",\"product\":");
    fwp_buf_json_str(b, m->product);
    fwp_buf_printf(b, ",\"version\":");
    fwp_buf_json_str(b, m->version);
    fwp_buf_printf(b, ",\"security_counter\":%u,\"build_time\":%u,",
                   (unsigned)m->security_counter, (unsigned)m->build_time);
    json_hex(b, "signed_digest", x->lay.signed_digest, FWPK_SIGNED_DIGEST_LEN);
    fwp_buf_printf(b, ",\"signatures\":[");
    for (uint32_t i = 0; i < x->lay.sig_count; i++) {
        fwp_buf_printf(b, "%s{", i ? "," : "");
        json_hex(b, "key_id", x->lay.sigs + i * FWPK_SIG_ENTRY_LEN,
                 FWPK_KEY_ID_LEN);
        fwp_buf_printf(b, "}");
    }
    fwp_buf_printf(b, "],\"targets\":[");
    for (uint32_t i = 0; i < m->target_count; i++) {
        fwp_buf_printf(b, "%s", i ? "," : "");
        json_target(b, &m->targets[i], &x->walks[i]);
    }
    fwp_buf_printf(b, "],\"ok\":%s}\n", x->ok ? "true" : "false");
}

static int examine(inspection *x, fwp_err *err)
{
    if (fwp_read_file(x->path, &x->data, &x->len, 0, err))
        return -1;
    if (fwp_layout_parse(x->data, x->len, x->name, &x->lay, err) ||
        fwp_manifest_decode(x->lay.manifest, x->lay.manifest_len, x->name,
                            &x->m, err))
        return -1;
    if (fwp_container_walk(x->data, x->len, &x->lay, &x->m, x->walks, &x->ok,
                           err)) {
        char why[sizeof err->msg]; /* not formatted into itself */
        memcpy(why, err->msg, sizeof why);
        return fwp_fail(err, "%s: %s", x->name, why);
    }
    return 0;
}

int cmd_inspect(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int as_json = 0, c;
    opterr = 0;
    while ((c = cli_getopt(argc, argv, "h", opts)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return EXIT_OK;
        }
        if (c != 'j')
            return cli_bad_option("inspect", argv, optind);
        as_json = 1;
    }
    if (optind + 1 != argc)
        return cli_error(EXIT_USAGE, "inspect: need exactly one container");
    inspection x;
    fwp_err err;
    memset(&x, 0, sizeof x);
    x.path = argv[optind];
    x.name = fwp_file_name(x.path);
    int rc = examine(&x, &err) ? cli_fail(&err, EXIT_VERIFY) : EXIT_OK;
    if (rc == EXIT_OK) {
        fwp_buf b = {0};
        (as_json ? json : text)(&b, &x);
        cli_json_print(&b);
        fwp_buf_free(&b);
        rc = x.ok ? EXIT_OK : EXIT_VERIFY;
    }
    for (uint32_t i = 0; i < FWPK_MAX_TARGETS; i++)
        fwp_walk_free(&x.walks[i]);
    free(x.data);
    return rc;
}
