/*
 * nc_request.c - the request lines, written into the piece buffer (free
 * while a request goes out: its bytes have been fed).
 *
 * Field names are the Notecard API's (notecard-schema *.req.notecard.api
 * .json): dfu.status "stop", "status", "err"; hub.set "mode" "dfu" and
 * "dfu-completed"; dfu.get "offset", "length" and, on firmware that has it,
 * "binary"; card.binary.get "offset", "length".
 */
#include "nc_request.h"

#define U32_DIGITS 10
#define STATUS_MAX 80 /* characters of a status or err text */

typedef struct {
    char *p;
    uint16_t len, cap;
    uint8_t over;
} line;

static void put(line *l, const char *s)
{
    for (; *s != '\0'; s++) {
        if (l->len >= l->cap) {
            l->over = 1;
            return;
        }
        l->p[l->len++] = *s;
    }
}

static void put_u32(line *l, uint32_t v)
{
    char digits[U32_DIGITS + 1];
    unsigned i = U32_DIGITS;
    digits[i] = '\0';
    do {
        digits[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put(l, digits + i);
}

/* A JSON string of a text that came from the container (its version) or
 * the verifier: anything that would need an escape becomes '?'. */
static void put_text(line *l, const char *prefix, const char *s)
{
    char one[2] = {0, 0};
    unsigned n = 0;
    put(l, "\"");
    put(l, prefix);
    for (; *s != '\0' && n < STATUS_MAX; s++, n++) {
        unsigned char c = (unsigned char)*s;
        one[0] = (char)(c < 0x20 || c >= 0x7f || c == '"' || c == '\\' ? '?'
                                                                       : c);
        put(l, one);
    }
    put(l, "\"");
}

/* The version is the one the caller's policy asked the verifier for
 * (fwpk_policy.version): the context keeps none. */
static void report(line *l, const fwpk_nc *nc)
{
    const fwpk_policy *pol = nc->ctx->policy;
    put(l, "{\"req\":\"dfu.status\",\"stop\":true,\"status\":");
    if (nc->verify == FWPK_OK && pol->version != NULL &&
        pol->version_size > 0) {
        put_text(l, "fwpk: installed ", pol->version);
    } else if (nc->verify == FWPK_OK) {
        put_text(l, "fwpk: installed", "");
    } else {
        put_text(l, "fwpk: refused", "");
        put(l, ",\"err\":");
        put_text(l, "fwpk: ", fwpk_strerror(nc->verify));
    }
    put(l, "}");
}

static void get(line *l, const fwpk_nc *nc)
{
    put(l, "{\"req\":\"dfu.get\",\"offset\":");
    put_u32(l, nc->offset);
    put(l, ",\"length\":");
    put_u32(l, nc->want);
    if (nc->cfg->binary)
        put(l, ",\"binary\":true");
    put(l, "}");
}

uint16_t fwpk_nc_request(fwpk_nc *nc, enum fwpk_nc_request req)
{
    line l;
    l.p = (char *)nc->cfg->piece + 1;
    l.len = 0;
    l.cap = (uint16_t)(nc->cfg->piece_size - 1);
    l.over = 0;
    switch (req) {
    case FWPK_NC_REQ_STATUS:
        put(&l, "{\"req\":\"dfu.status\"}");
        break;
    case FWPK_NC_REQ_DFU_ON:
        put(&l, "{\"req\":\"hub.set\",\"mode\":\"dfu\"}");
        break;
    case FWPK_NC_REQ_READY:
        put(&l, "{\"req\":\"dfu.get\",\"length\":0}");
        break;
    case FWPK_NC_REQ_GET:
        get(&l, nc);
        break;
    case FWPK_NC_REQ_BIN:
        put(&l, "{\"req\":\"card.binary.get\",\"offset\":0,\"length\":");
        put_u32(&l, nc->want);
        put(&l, "}");
        break;
    case FWPK_NC_REQ_DFU_OFF:
        put(&l, "{\"req\":\"hub.set\",\"mode\":\"dfu-completed\"}");
        break;
    default:
        report(&l, nc);
        break;
    }
    put(&l, "\r\n");
    return l.over ? 0 : l.len;
}
