/*
 * nc_scan.c - a JSON object scanner for Notecard replies (RFC 8259).
 *
 * The reply is never held: each byte moves a small state machine, the
 * keys the client needs are recognised as they end, and their values are
 * kept only as far as the client uses them (a uint32, an MD5's 16 bytes,
 * the first 11 characters of a text).  "payload" is handed out character
 * by character.  Numbers, strings and literals of other keys are checked
 * for form only loosely (a Notecard is not a JSON test suite), but every
 * structural error (a stray byte, a close that does not match, a control
 * character in a string, nesting beyond FWPK_NC_MAX_DEPTH) is caught.
 */
#include <string.h>

#include "nc_scan.h"

enum {
    ST_OPEN,      /* before the reply's '{' */
    ST_KEY_FIRST, /* after '{': a key or '}' */
    ST_KEY_NEXT,  /* after ',' in an object: a key */
    ST_KEY,       /* in a key */
    ST_KEY_ESC,   /* after '\' in a key */
    ST_COLON,     /* after a key */
    ST_VALUE,     /* a value is due */
    ST_VALUE_FIRST, /* after '[': a value or ']' */
    ST_STR,       /* in a string value */
    ST_STR_ESC,   /* after '\' in a string value */
    ST_STR_U,     /* in the four digits of \uXXXX */
    ST_NUM,       /* in a number */
    ST_LIT,       /* in true, false or null */
    ST_AFTER,     /* after a value: ',' or a close */
    ST_DONE       /* the reply has closed */
};

#define TEXT_MAX (sizeof ((fwpk_nc_scan *)0)->text - 1)
#define MD5_HEX 32

static const char *const TOP_KEYS[] = {
    "", "err", "mode", "payload", "status", "length", "cobs", "body"};
static const char *const BODY_KEYS[] = {"length", "md5"};

void fwpk_nc_scan_start(fwpk_nc_scan *s)
{
    memset(s, 0, sizeof *s);
}

int fwpk_nc_scan_done(const fwpk_nc_scan *s)
{
    return s->state == ST_DONE;
}

static enum fwpk_nc_event fail(fwpk_nc_scan *s)
{
    s->bad = 1;
    return FWPK_NC_EV_BAD;
}

static int is_space(uint8_t ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
}

static int hex_value(uint8_t ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

static int in_array(const fwpk_nc_scan *s)
{
    return (s->arrays >> (s->depth - 1)) & 1u;
}

/* The key just read, by name and place: the reply's own keys, or the
 * body object's. */
static uint8_t key_id(const fwpk_nc_scan *s)
{
    unsigned i;
    if (s->len > TEXT_MAX)
        return FWPK_NC_KEY_NONE;
    if (s->depth == 1) {
        for (i = 1; i < sizeof TOP_KEYS / sizeof TOP_KEYS[0]; i++)
            if (strcmp(s->text, TOP_KEYS[i]) == 0)
                return (uint8_t)i;
    } else if (s->depth == s->body) {
        for (i = 0; i < sizeof BODY_KEYS / sizeof BODY_KEYS[0]; i++)
            if (strcmp(s->text, BODY_KEYS[i]) == 0)
                return (uint8_t)(FWPK_NC_KEY_BODY_LENGTH + i);
    }
    return FWPK_NC_KEY_NONE;
}

static int is_md5_key(uint8_t key)
{
    return key == FWPK_NC_KEY_STATUS || key == FWPK_NC_KEY_BODY_MD5;
}

static int is_num_key(uint8_t key)
{
    return key == FWPK_NC_KEY_LENGTH || key == FWPK_NC_KEY_COBS ||
           key == FWPK_NC_KEY_BODY_LENGTH;
}

/* A value's end: record whether it had the form its key needs. */
static enum fwpk_nc_event value_end(fwpk_nc_scan *s, int is_string)
{
    uint8_t key = s->key;
    int ok = !s->vbad;
    s->state = ST_AFTER;
    s->last = key;
    if (key == FWPK_NC_KEY_NONE || key == FWPK_NC_KEY_BODY)
        return FWPK_NC_EV_MORE;
    if (is_md5_key(key))
        ok = ok && is_string && s->hex == MD5_HEX;
    else if (is_num_key(key))
        ok = ok && !is_string;
    else
        ok = ok && is_string;
    if (ok)
        s->seen = (uint16_t)(s->seen | 1u << key);
    else
        s->seen = (uint16_t)(s->seen & ~(1u << key));
    return FWPK_NC_EV_VALUE;
}

static enum fwpk_nc_event open_level(fwpk_nc_scan *s, int array)
{
    if (s->depth >= FWPK_NC_MAX_DEPTH)
        return fail(s);
    s->depth++;
    if (array) {
        s->arrays = (uint8_t)(s->arrays | 1u << (s->depth - 1));
        s->state = ST_VALUE_FIRST;
    } else {
        s->arrays = (uint8_t)(s->arrays & ~(1u << (s->depth - 1)));
        s->state = ST_KEY_FIRST;
        if (s->depth == 2 && s->key == FWPK_NC_KEY_BODY)
            s->body = s->depth;
    }
    s->key = FWPK_NC_KEY_NONE;
    return FWPK_NC_EV_MORE;
}

static enum fwpk_nc_event close_level(fwpk_nc_scan *s, uint8_t ch)
{
    if ((ch == ']') != in_array(s))
        return fail(s);
    if (s->depth == s->body)
        s->body = 0;
    s->depth--;
    s->key = FWPK_NC_KEY_NONE;
    if (s->depth == 0) {
        s->state = ST_DONE;
        return FWPK_NC_EV_END;
    }
    s->state = ST_AFTER;
    return FWPK_NC_EV_MORE;
}

static enum fwpk_nc_event value_start(fwpk_nc_scan *s, uint8_t ch)
{
    s->len = 0;
    s->hex = 0;
    s->num = 0;
    s->vbad = 0;
    s->text[0] = '\0';
    if (ch == '"') {
        s->state = ST_STR;
        return FWPK_NC_EV_MORE;
    }
    if (ch == '{' || ch == '[')
        return open_level(s, ch == '[');
    if (ch == '-' || (ch >= '0' && ch <= '9')) {
        s->state = ST_NUM;
        s->vbad = ch == '-';
        s->num = ch == '-' ? 0 : (uint32_t)(ch - '0');
        return FWPK_NC_EV_MORE;
    }
    if (ch == 't' || ch == 'f' || ch == 'n') {
        s->state = ST_LIT;
        s->vbad = 1; /* no key we read takes true, false or null */
        return FWPK_NC_EV_MORE;
    }
    return fail(s);
}

/* A character of a string value (escapes resolved, 0 for one that is
 * neither base64 nor hex). */
static enum fwpk_nc_event string_char(fwpk_nc_scan *s, uint8_t ch,
                                      uint8_t *out)
{
    if (s->key == FWPK_NC_KEY_PAYLOAD) {
        *out = ch;
        return FWPK_NC_EV_PAYLOAD;
    }
    if (is_md5_key(s->key)) {
        int v = hex_value(ch);
        if (v < 0 || s->hex >= MD5_HEX) {
            s->vbad = 1;
            return FWPK_NC_EV_MORE;
        }
        if (s->hex % 2 == 0)
            s->md5[s->hex / 2] = (uint8_t)(v << 4);
        else
            s->md5[s->hex / 2] |= (uint8_t)v;
        s->hex++;
        return FWPK_NC_EV_MORE;
    }
    if (s->len < TEXT_MAX) {
        s->text[s->len++] = (char)ch;
        s->text[s->len] = '\0';
    }
    return FWPK_NC_EV_MORE;
}

static enum fwpk_nc_event in_string(fwpk_nc_scan *s, uint8_t ch,
                                    uint8_t *out)
{
    if (ch == '"')
        return value_end(s, 1);
    if (ch == '\\') {
        s->state = ST_STR_ESC;
        return FWPK_NC_EV_MORE;
    }
    if (ch < 0x20)
        return fail(s);
    return string_char(s, ch, out);
}

static const char ESCAPES[] = "\"\\/bfnrt";

static enum fwpk_nc_event string_escape(fwpk_nc_scan *s, uint8_t ch,
                                        uint8_t *out)
{
    s->state = ST_STR;
    if (ch == 'u') {
        s->state = ST_STR_U;
        s->esc = 4;
        return string_char(s, 0, out);
    }
    if (ch == 0 || strchr(ESCAPES, ch) == NULL)
        return fail(s);
    /* only "\/" can stand for a character that base64 or hex uses */
    return string_char(s, ch == '/' ? '/' : 0, out);
}

static enum fwpk_nc_event in_number(fwpk_nc_scan *s, uint8_t ch)
{
    if (ch >= '0' && ch <= '9') {
        uint32_t d = (uint32_t)(ch - '0');
        if (s->num > (0xffffffffu - d) / 10)
            s->vbad = 1;
        else
            s->num = s->num * 10 + d;
        return FWPK_NC_EV_MORE;
    }
    if (ch == '.' || ch == 'e' || ch == 'E' || ch == '+' || ch == '-') {
        s->vbad = 1; /* a fraction or exponent: not a byte count */
        return FWPK_NC_EV_MORE;
    }
    return fail(s);
}

static enum fwpk_nc_event in_literal(fwpk_nc_scan *s, uint8_t ch)
{
    return ch >= 'a' && ch <= 'z' ? FWPK_NC_EV_MORE : fail(s);
}

static int ends_value(uint8_t ch)
{
    return ch == ',' || ch == '}' || ch == ']' || is_space(ch);
}

static enum fwpk_nc_event after_value(fwpk_nc_scan *s, uint8_t ch)
{
    if (is_space(ch))
        return FWPK_NC_EV_MORE;
    if (ch == '}' || ch == ']')
        return close_level(s, ch);
    if (ch != ',')
        return fail(s);
    s->key = FWPK_NC_KEY_NONE;
    s->state = in_array(s) ? ST_VALUE : ST_KEY_NEXT;
    return FWPK_NC_EV_MORE;
}

static enum fwpk_nc_event in_key(fwpk_nc_scan *s, uint8_t ch)
{
    if (ch == '"') {
        s->key = key_id(s);
        s->state = ST_COLON;
        return FWPK_NC_EV_MORE;
    }
    if (ch < 0x20)
        return fail(s);
    if (ch == '\\') { /* no key we read has an escape */
        s->len = TEXT_MAX + 1;
        s->state = ST_KEY_ESC;
        return FWPK_NC_EV_MORE;
    }
    if (s->len < TEXT_MAX) {
        s->text[s->len] = (char)ch;
        s->text[s->len + 1] = '\0';
    }
    if (s->len <= TEXT_MAX)
        s->len++;
    return FWPK_NC_EV_MORE;
}

static enum fwpk_nc_event key_start(fwpk_nc_scan *s, uint8_t ch, int may_close)
{
    if (is_space(ch))
        return FWPK_NC_EV_MORE;
    if (may_close && ch == '}')
        return close_level(s, ch);
    if (ch != '"')
        return fail(s);
    s->len = 0;
    s->text[0] = '\0';
    s->state = ST_KEY;
    return FWPK_NC_EV_MORE;
}

enum fwpk_nc_event fwpk_nc_scan_put(fwpk_nc_scan *s, uint8_t ch,
                                    uint8_t *out)
{
    enum fwpk_nc_event ev;
    if (s->bad)
        return FWPK_NC_EV_BAD;
    switch (s->state) {
    case ST_OPEN:
        if (is_space(ch))
            return FWPK_NC_EV_MORE;
        return ch == '{' ? open_level(s, 0) : fail(s);
    case ST_KEY_FIRST:
        return key_start(s, ch, 1);
    case ST_KEY_NEXT:
        return key_start(s, ch, 0);
    case ST_KEY:
        return in_key(s, ch);
    case ST_KEY_ESC:
        if (ch < 0x20)
            return fail(s);
        s->state = ST_KEY; /* \uXXXX: its digits pass as key characters */
        return FWPK_NC_EV_MORE;
    case ST_COLON:
        if (is_space(ch))
            return FWPK_NC_EV_MORE;
        if (ch != ':')
            return fail(s);
        s->state = ST_VALUE;
        return FWPK_NC_EV_MORE;
    case ST_VALUE_FIRST:
        if (ch == ']')
            return close_level(s, ch);
        /* fall through */
    case ST_VALUE:
        if (is_space(ch))
            return FWPK_NC_EV_MORE;
        return value_start(s, ch);
    case ST_STR:
        return in_string(s, ch, out);
    case ST_STR_ESC:
        return string_escape(s, ch, out);
    case ST_STR_U:
        if (hex_value(ch) < 0)
            return fail(s);
        if (--s->esc == 0)
            s->state = ST_STR;
        return FWPK_NC_EV_MORE;
    case ST_NUM:
    case ST_LIT:
        if (!ends_value(ch))
            return s->state == ST_NUM ? in_number(s, ch) : in_literal(s, ch);
        ev = value_end(s, 0);
        if (after_value(s, ch) == FWPK_NC_EV_BAD)
            return FWPK_NC_EV_BAD;
        /* a value that a close ends: its event first; the client sees
         * the end by fwpk_nc_scan_done() */
        if (ev == FWPK_NC_EV_VALUE)
            return ev;
        return s->state == ST_DONE ? FWPK_NC_EV_END : FWPK_NC_EV_MORE;
    case ST_AFTER:
        return after_value(s, ch);
    default: /* ST_DONE: nothing may follow the reply's close */
        return is_space(ch) ? FWPK_NC_EV_MORE : fail(s);
    }
}
