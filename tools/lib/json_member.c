/*
 * json_member.c - one member of a JSON object (RFC 8259), for the Notecard
 * emulator's requests: {"req":"dfu.get","offset":0,"length":4096}.
 *
 * The whole text is checked (one object, nothing after it but white
 * space); the member's value comes back as text: a string unescaped
 * (\uXXXX above U+007F as '?': no request the emulator reads needs more),
 * anything else as its raw token.
 */
#include <string.h>

#include "json_member.h"

typedef struct {
    const char *p, *end;
    int depth;
} cursor;

#define DEPTH_MAX 32

static void space(cursor *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\t' || *c->p == '\r' || *c->p == '\n'))
        c->p++;
}

/* A string at c->p (its opening quote); its unescaped text into out when
 * out is not NULL. */
static int string(cursor *c, fwp_buf *out)
{
    c->p++;
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p++;
        if ((unsigned char)ch < 0x20)
            return -1;
        if (ch == '\\') {
            const char *esc = "\"\\/bfnrt", *val = "\"\\/\b\f\n\r\t", *hit;
            if (c->p >= c->end)
                return -1;
            ch = *c->p++;
            if (ch == 'u') {
                int v = 0, i;
                for (i = 0; i < 4; i++) {
                    int h = c->p < c->end ? fwp_hex_value(*c->p) : -1;
                    if (h < 0)
                        return -1;
                    v = v << 4 | h;
                    c->p++;
                }
                ch = v > 0 && v < 0x80 ? (char)v : '?';
            } else if ((hit = strchr(esc, ch)) != NULL && ch != '\0') {
                ch = val[hit - esc];
            } else {
                return -1;
            }
        }
        if (out && fwp_buf_put(out, &ch, 1))
            return -1;
    }
    if (c->p >= c->end)
        return -1;
    c->p++;
    return 0;
}

static int value(cursor *c, fwp_buf *out);

static int members(cursor *c, char close, int keyed)
{
    space(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 0;
    }
    for (;;) {
        space(c);
        if (keyed) {
            if (c->p >= c->end || *c->p != '"' || string(c, NULL))
                return -1;
            space(c);
            if (c->p >= c->end || *c->p++ != ':')
                return -1;
        }
        if (value(c, NULL))
            return -1;
        space(c);
        if (c->p >= c->end)
            return -1;
        if (*c->p == close) {
            c->p++;
            return 0;
        }
        if (*c->p++ != ',')
            return -1;
    }
}

/* Any value; a scalar's text (strings unescaped) into out if not NULL. */
static int value(cursor *c, fwp_buf *out)
{
    const char *start;
    int r;
    space(c);
    if (c->p >= c->end)
        return -1;
    if (*c->p == '"')
        return string(c, out);
    if (*c->p == '{' || *c->p == '[') {
        char close = *c->p == '{' ? '}' : ']';
        start = c->p++;
        if (++c->depth > DEPTH_MAX)
            return -1;
        r = members(c, close, close == '}');
        c->depth--;
        if (r == 0 && out)
            r = fwp_buf_put(out, start, (size_t)(c->p - start));
        return r;
    }
    start = c->p;
    while (c->p < c->end && strchr(",}] \t\r\n", *c->p) == NULL)
        c->p++;
    if (c->p == start)
        return -1;
    if (strspn(start, "0123456789+-.eEtruefalsn") < (size_t)(c->p - start))
        return -1;
    return out ? fwp_buf_put(out, start, (size_t)(c->p - start)) : 0;
}

int fwp_json_member(const char *text, size_t len, const char *key,
                    fwp_buf *val, int *is_string)
{
    cursor c = {text, text + len, 0};
    int found = 0;
    fwp_buf k = {0};
    space(&c);
    if (c.p >= c.end || *c.p++ != '{')
        return -1;
    space(&c);
    if (c.p < c.end && *c.p == '}') {
        c.p++;
    } else {
        for (;;) {
            int want;
            space(&c);
            k.len = 0;
            if (c.p >= c.end || *c.p != '"' || string(&c, &k))
                goto bad;
            space(&c);
            if (c.p >= c.end || *c.p++ != ':')
                goto bad;
            space(&c);
            want = !found && k.data && strcmp(k.data, key) == 0;
            if (want) {
                val->len = 0;
                if (is_string)
                    *is_string = c.p < c.end && *c.p == '"';
            }
            if (value(&c, want ? val : NULL))
                goto bad;
            found |= want;
            space(&c);
            if (c.p < c.end && *c.p == '}') {
                c.p++;
                break;
            }
            if (c.p >= c.end || *c.p++ != ',')
                goto bad;
        }
    }
    fwp_buf_free(&k);
    space(&c);
    if (c.p != c.end)
        return -1;
    if (found && val->data == NULL && fwp_buf_put(val, "", 0))
        return -1;
    return found;
bad:
    fwp_buf_free(&k);
    return -1;
}
