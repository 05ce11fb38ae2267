/*
 * notecard.c - the Notecard emulator: what a host MCU doing an IAP update
 * sees of a Notecard holding a host firmware image (notecard.h).
 *
 * Replies follow the Notecard API reference and its schemas
 * (blues/notecard-schema): dfu.status "mode" ready / idle with "body"
 * {crc32, created, info, length, md5, modified, name, source, type,
 * version}; hub.set mode "dfu" / "dfu-completed"; dfu.get "payload"
 * (base64) with the piece's MD5 in "status", or with "binary":true the
 * piece into the binary buffer and {"cobs","length","status"}; then
 * card.binary.get: its JSON line, the COBS bytes XOR '\n', and '\n'.
 * What the reference leaves open is chosen here and said where: a dfu.get
 * past the end of the image is an "err".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <zlib.h>

#include "fwpk_notecard.h"
#include "json_member.h"
#include "notecard.h"

#define INFO_PREFIX "firmware::info:"
#define GET_MAX 8192u /* the largest dfu.get length */
#define COBS_EOP 0x0a
#define NOT_IN_DFU "not currently in the DFU operating mode (see hub.set)"

const char *const fwp_nc_fault_names[FWP_NC_FAULT_COUNT] = {
    "timeout", "garbled", "truncated", "err",      "short",
    "base64",  "bitflip", "reset",     "new-image"};

int fwp_nc_fault_by_name(const char *name)
{
    int i;
    for (i = 0; i < FWP_NC_FAULT_COUNT; i++)
        if (strcmp(name, fwp_nc_fault_names[i]) == 0)
            return i;
    return -1;
}

void fwp_nc_md5_hex(const uint8_t *data, size_t len, char out[33])
{
    fwpk_md5_ctx c;
    uint8_t d[16];
    int i;
    fwpk_md5_init(&c);
    fwpk_md5_update(&c, data, len);
    fwpk_md5_final(&c, d);
    for (i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* The extent of the JSON object at p (up to end): brace depth, strings
 * skipped.  0 when it does not close. */
static size_t object_len(const char *p, const char *end)
{
    const char *q = p;
    int depth = 0, in_str = 0;
    for (; q < end && *q != '\0'; q++) {
        if (in_str) {
            if (*q == '\\' && q + 1 < end)
                q++;
            else if (*q == '"')
                in_str = 0;
        } else if (*q == '"') {
            in_str = 1;
        } else if (*q == '{') {
            depth++;
        } else if (*q == '}' && --depth == 0) {
            return (size_t)(q + 1 - p);
        }
    }
    return 0;
}

/* Notehub finds host firmware's identity by the clear text
 * "firmware::info:" anywhere in the file, followed by a JSON object. */
int fwp_nc_image_info(const uint8_t *image, size_t len, char **info,
                      char **version)
{
    const size_t plen = sizeof INFO_PREFIX - 1;
    const char *p = NULL, *end = (const char *)image + len;
    fwp_buf v = {0};
    size_t i, n;
    int is_str = 0;
    *info = *version = NULL;
    for (i = 0; i + plen <= len; i++)
        if (memcmp(image + i, INFO_PREFIX, plen) == 0) {
            p = (const char *)image + i + plen;
            break;
        }
    if (p == NULL || (n = object_len(p, end)) == 0)
        return 0;
    *info = strndup(p, n);
    if (*info == NULL)
        return -1;
    if (fwp_json_member(*info, n, "version", &v, &is_str) != 1 || !is_str) {
        free(*info);
        *info = NULL;
        fwp_buf_free(&v);
        return 0;
    }
    *version = v.data;
    return 0;
}

int fwp_nc_emu_init(fwp_nc_emu *e, const uint8_t *image, size_t len,
                    const char *name, fwp_err *err)
{
    memset(e, 0, sizeof *e);
    e->image = malloc(len ? len : 1);
    if (e->image == NULL)
        return fwp_fail_io(err, "notecard: out of memory");
    memcpy(e->image, image, len);
    e->len = len;
    snprintf(e->name, sizeof e->name, "%s", name ? name : "firmware");
    e->fault_at = 2;
    e->bin_fault = -1;
    e->created = 1764892800u; /* a fixed time: replies are reproducible */
    return 0;
}

int fwp_nc_emu_set_next(fwp_nc_emu *e, const uint8_t *image, size_t len,
                        fwp_err *err)
{
    free(e->next);
    e->next = malloc(len ? len : 1);
    if (e->next == NULL)
        return fwp_fail_io(err, "notecard: out of memory");
    memcpy(e->next, image, len);
    e->next_len = len;
    return 0;
}

void fwp_nc_emu_free(fwp_nc_emu *e)
{
    free(e->image);
    free(e->next);
    free(e->bin);
    memset(e, 0, sizeof *e);
}

static void logf_(fwp_nc_emu *e, const char *line, size_t len,
                  const char *what)
{
    char msg[512];
    if (e->log == NULL)
        return;
    while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    snprintf(msg, sizeof msg, "notecard: #%u %.*s -> %s", e->requests,
             (int)(len > 300 ? 300 : len), line, what);
    e->log(e->log_arg, msg);
}

static int reply(fwp_buf *out, const char *json)
{
    return fwp_buf_printf(out, "%s\r\n", json);
}

static int reply_err(fwp_buf *out, const char *text)
{
    fwp_buf j = {0};
    int r = fwp_buf_put(&j, "{\"err\":", 7) || fwp_buf_json_str(&j, text) ||
            fwp_buf_put(&j, "}", 1) || reply(out, j.data);
    fwp_buf_free(&j);
    return r ? -1 : 0;
}

static int status_reply(fwp_nc_emu *e, fwp_buf *out)
{
    char md5[33], *info = NULL, *version = NULL;
    fwp_buf j = {0};
    int r;
    if (e->stopped || e->len == 0)
        return reply(out, "{\"mode\":\"idle\",\"status\":\"no download in "
                          "progress\",\"on\":true}");
    fwp_nc_md5_hex(e->image, e->len, md5);
    if (fwp_nc_image_info(e->image, e->len, &info, &version))
        return -1;
    r = fwp_buf_printf(&j,
                       "{\"mode\":\"ready\",\"status\":\"successfully "
                       "downloaded\",\"on\":true,\"body\":{\"crc32\":%lu,"
                       "\"created\":%u,",
                       crc32(0L, e->image, (uInt)e->len), e->created);
    if (r == 0 && info)
        r = fwp_buf_printf(&j, "\"info\":%s,", info);
    if (r == 0)
        r = fwp_buf_printf(&j,
                           "\"length\":%zu,\"md5\":\"%s\",\"modified\":%u,"
                           "\"name\":",
                           e->len, md5, e->created);
    r = r || fwp_buf_json_str(&j, e->name) ||
        fwp_buf_put(&j, ",\"source\":", 10) ||
        fwp_buf_json_str(&j, e->name) ||
        fwp_buf_put(&j, ",\"type\":\"firmware\"", 18);
    if (r == 0 && version)
        r = fwp_buf_put(&j, ",\"version\":", 11) ||
            fwp_buf_json_str(&j, version);
    r = r || fwp_buf_put(&j, "}}", 2) || reply(out, j.data);
    free(info);
    free(version);
    fwp_buf_free(&j);
    return r ? -1 : 0;
}

/* A member as an unsigned number; -1 when absent or not one. */
static long long number(const char *line, size_t len, const char *key)
{
    fwp_buf v = {0};
    long long n = -1;
    int is_str = 0;
    if (fwp_json_member(line, len, key, &v, &is_str) == 1 && !is_str &&
        v.len > 0 && v.len < 12 && strspn(v.data, "0123456789") == v.len)
        n = strtoll(v.data, NULL, 10);
    fwp_buf_free(&v);
    return n;
}

static int is_true(const char *line, size_t len, const char *key)
{
    fwp_buf v = {0};
    int t = fwp_json_member(line, len, key, &v, NULL) == 1 &&
            strcmp(v.data, "true") == 0;
    fwp_buf_free(&v);
    return t;
}

/* The next fault due at this data dfu.get, or -1. */
static int fault_now(fwp_nc_emu *e)
{
    int f;
    if (e->gets < e->fault_at || e->faults == 0)
        return -1;
    for (f = 0; f < FWP_NC_FAULT_COUNT; f++)
        if (e->faults >> f & 1u) {
            e->faults &= ~(1u << f);
            e->fired |= 1u << f;
            return f;
        }
    return -1;
}

static void switch_image(fwp_nc_emu *e)
{
    if (e->next != NULL) {
        free(e->image);
        e->image = e->next;
        e->len = e->next_len;
        e->next = NULL;
    } else if (e->len > 0) {
        e->image[e->len - 1] ^= 0x5a;
    }
}

/* COBS (a code byte, then up to 254 non-zero bytes; the code says how
 * many and stands for a zero after them unless it is 0xff), every byte
 * XOR '\n', then the '\n' that ends the packet. */
static int cobs_put(fwp_buf *out, const uint8_t *d, size_t n)
{
    uint8_t block[255];
    size_t k = 0, i;
    for (i = 0; i <= n; i++) {
        int end = i == n;
        if (!end && d[i] != 0) {
            block[1 + k++] = d[i];
            if (k < 254)
                continue;
        }
        block[0] = (uint8_t)(k + 1);
        for (size_t j = 0; j <= k; j++)
            block[j] ^= COBS_EOP;
        if (fwp_buf_put(out, block, k + 1))
            return -1;
        k = 0;
    }
    return fwp_buf_put(out, "\n", 1);
}

static int piece_reply(fwp_buf *out, const uint8_t *piece, size_t n,
                       int fault)
{
    size_t cap = sodium_base64_ENCODED_LEN(GET_MAX, sodium_base64_VARIANT_ORIGINAL);
    char md5[33], *b64 = malloc(cap);
    uint8_t sent[GET_MAX];
    fwp_buf j = {0};
    int r;
    if (b64 == NULL)
        return -1;
    memcpy(sent, piece, n);
    fwp_nc_md5_hex(piece, n, md5);
    if (fault == FWP_NC_SHORT && n > 0)
        fwp_nc_md5_hex(piece, --n, md5);
    if (fault == FWP_NC_BITFLIP && n > 0)
        sent[n / 2] ^= 0x10; /* on the link: the MD5 is the true one's */
    sodium_bin2base64(b64, cap, sent, n, sodium_base64_VARIANT_ORIGINAL);
    if (fault == FWP_NC_BASE64 && n > 0)
        b64[strlen(b64) / 2] = '*';
    r = fwp_buf_printf(&j, "{\"payload\":\"%s\",\"status\":\"%s\"}", b64,
                       md5);
    free(b64);
    if (r == 0 && fault == FWP_NC_GARBLED)
        j.data[1] = '#';
    if (r == 0 && fault == FWP_NC_TRUNCATED) {
        j.len /= 2;
        j.data[j.len] = '\0';
    }
    r = r || reply(out, j.data);
    fwp_buf_free(&j);
    return r ? -1 : 0;
}

/* The piece into the binary buffer.  A fault on the link hits the
 * card.binary.get that reads it (bitflip, base64: a COBS code byte broken);
 * "short" puts one byte less there. */
static int binary_reply(fwp_nc_emu *e, fwp_buf *out, const uint8_t *piece,
                        size_t n, int fault)
{
    char md5[33];
    fwp_buf enc = {0};
    if (fault == FWP_NC_SHORT && n > 0)
        n--;
    e->bin_fault = fault;
    free(e->bin);
    e->bin = malloc(n ? n : 1);
    if (e->bin == NULL)
        return -1;
    memcpy(e->bin, piece, n);
    e->bin_len = n;
    fwp_nc_md5_hex(piece, n, md5);
    if (cobs_put(&enc, piece, n))
        return -1;
    /* "cobs": the encoded size, without the terminator */
    int r = fwp_buf_printf(out,
                           "{\"cobs\":%zu,\"length\":%zu,\"status\":\"%s\"}"
                           "\r\n",
                           enc.len - 1, n, md5);
    fwp_buf_free(&enc);
    return r;
}

static int dfu_get(fwp_nc_emu *e, const char *line, size_t len, fwp_buf *out,
                   const char **what)
{
    long long off = number(line, len, "offset");
    long long n = number(line, len, "length");
    int fault;
    if (off < 0)
        off = 0;
    if (!e->dfu) {
        *what = "err: not in DFU mode";
        return reply_err(out, NOT_IN_DFU);
    }
    if (n <= 0) {
        *what = "ready";
        return reply(out, "{\"payload\":\"\"}");
    }
    fault = fault_now(e);
    e->gets++;
    if (fault >= 0)
        *what = fwp_nc_fault_names[fault];
    switch (fault) {
    case FWP_NC_TIMEOUT:
        return 0;
    case FWP_NC_RESET:
        e->dfu = 0;
        free(e->bin);
        e->bin = NULL;
        e->bin_len = 0;
        return 0;
    case FWP_NC_ERR:
        return reply_err(out, "simulated failure {io}");
    case FWP_NC_NEW_IMAGE:
        switch_image(e);
        break;
    default:
        break;
    }
    if (n > GET_MAX || (unsigned long long)off + (unsigned long long)n > e->len) {
        *what = "err: beyond the image";
        return reply_err(out, "dfu.get: offset and length beyond the image");
    }
    if (*what == NULL)
        *what = "piece";
    if (is_true(line, len, "binary") && fault != FWP_NC_GARBLED &&
        fault != FWP_NC_TRUNCATED)
        return binary_reply(e, out, e->image + off, (size_t)n, fault);
    return piece_reply(out, e->image + off, (size_t)n, fault);
}

static int binary_get(fwp_nc_emu *e, const char *line, size_t len,
                      fwp_buf *out)
{
    long long off = number(line, len, "offset");
    long long n = number(line, len, "length");
    char md5[33];
    size_t start;
    if (e->bin == NULL)
        return reply_err(out, "no binary data available");
    if (off < 0)
        off = 0;
    if (n < 0)
        n = (long long)e->bin_len - off;
    if (off + n > (long long)e->bin_len || n < 0)
        return reply_err(out, "card.binary.get: beyond the binary data");
    fwp_nc_md5_hex(e->bin + off, (size_t)n, md5);
    if (fwp_buf_printf(out, "{\"status\":\"%s\"}\r\n", md5))
        return -1;
    start = out->len;
    if (cobs_put(out, e->bin + off, (size_t)n))
        return -1;
    if (e->bin_fault == FWP_NC_BITFLIP && out->len - start > 2)
        out->data[start + (out->len - start) / 2] ^= 0x01;
    if (e->bin_fault == FWP_NC_BASE64) /* a block longer than the packet */
        out->data[start] = (char)(0xff ^ COBS_EOP);
    e->bin_fault = -1;
    return 0;
}

static void keep_report(fwp_nc_emu *e, const char *line, size_t len)
{
    fwp_buf v = {0};
    e->report_err = fwp_json_member(line, len, "err", &v, NULL) == 1;
    if (!e->report_err)
        fwp_json_member(line, len, "status", &v, NULL);
    snprintf(e->report, sizeof e->report, "%s", v.data ? v.data : "");
    fwp_buf_free(&v);
}

int fwp_nc_emu_request(fwp_nc_emu *e, const char *line, size_t len,
                       fwp_buf *out)
{
    fwp_buf req = {0}, mode = {0}, text = {0};
    const char *what = NULL;
    int r = 0, is_cmd = 0;
    size_t start = out->len;
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
        len--;
    if (len == 0) /* note-c resynchronises with an empty line: "\r\n" */
        return fwp_buf_put(out, "\r\n", 2);
    if (fwp_buf_put(&text, line, len)) /* NUL-terminated for the parser */
        return -1;
    e->requests++;
    if (fwp_json_member(text.data, len, "req", &req, NULL) != 1 &&
        !(is_cmd = fwp_json_member(text.data, len, "cmd", &req, NULL) == 1)) {
        what = "err: not a request";
        r = reply_err(out, "request or command is not valid JSON {io}");
    } else if (strcmp(req.data, "dfu.status") == 0) {
        if (is_true(text.data, len, "stop")) {
            keep_report(e, text.data, len);
            e->stopped = 1;
            what = e->report_err ? "stopped with err" : "stopped";
            r = reply(out, "{}");
        } else {
            what = e->stopped || e->len == 0 ? "idle" : "ready";
            r = status_reply(e, out);
        }
    } else if (strcmp(req.data, "hub.set") == 0) {
        fwp_json_member(text.data, len, "mode", &mode, NULL);
        if (mode.data && strcmp(mode.data, "dfu") == 0)
            e->dfu = 1;
        else if (mode.data && strcmp(mode.data, "dfu-completed") == 0)
            e->dfu = 0;
        what = e->dfu ? "DFU mode" : "ok";
        r = reply(out, "{}");
    } else if (strcmp(req.data, "dfu.get") == 0) {
        r = dfu_get(e, text.data, len, out, &what);
    } else if (strcmp(req.data, "card.binary.get") == 0) {
        what = "binary";
        r = binary_get(e, text.data, len, out);
    } else {
        what = "err: unknown request";
        r = reply_err(out, "unknown request");
    }
    if (is_cmd && out->data) { /* a command has no reply */
        out->len = start;
        out->data[start] = '\0';
    }
    logf_(e, text.data, len, what ? what : "");
    fwp_buf_free(&req);
    fwp_buf_free(&mode);
    fwp_buf_free(&text);
    return r;
}
