/* test_inspect_json.c - fwpack inspect --json against its documentation,
 * the field table in format/SPEC.md ("Appendix: inspect --json"): for a
 * good container (two targets, two signatures, several segments and
 * frames), an unsigned one and a tampered one, every documented field is
 * present with a documented type and no undocumented field appears; the
 * exit codes are the documented ones.
 *
 * The output is parsed with a small strict JSON reader (below): any syntax
 * error fails the test.  Runs from the repo root; FWPACK names the CLI
 * (default build/test/fwpack). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"
#include "pack_util.h"

#define SPEC "format/SPEC.md"
#define SECTION "## Appendix: inspect --json"

static const char *dir;

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

/* ---- fields: path -> the types documented / seen ---- */

enum { T_STRING = 1, T_NUMBER = 2, T_BOOLEAN = 4, T_NULL = 8, T_ARRAY = 16,
       T_OBJECT = 32 };

#define MAX_FIELDS 128
typedef struct {
    char path[96];
    unsigned types;
} field;

typedef struct {
    field f[MAX_FIELDS];
    size_t n;
} fields;

static field *find(fields *fs, const char *path)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].path, path) == 0)
            return &fs->f[i];
    return NULL;
}

static void add(fields *fs, const char *path, unsigned type)
{
    field *f = find(fs, path);
    if (!f) {
        assert_true(fs->n < MAX_FIELDS);
        f = &fs->f[fs->n++];
        snprintf(f->path, sizeof f->path, "%s", path);
    }
    f->types |= type;
}

static const struct {
    const char *name;
    unsigned type;
} type_names[] = {{"string", T_STRING}, {"number", T_NUMBER},
                  {"boolean", T_BOOLEAN}, {"null", T_NULL},
                  {"array", T_ARRAY}, {"object", T_OBJECT}};

static unsigned type_of_word(const char *w, size_t n)
{
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (strlen(type_names[i].name) == n &&
            strncmp(type_names[i].name, w, n) == 0)
            return type_names[i].type;
    return 0;
}

/* The table rows of the SPEC appendix: "| `path` | type [or type] | ...". */
static void read_spec(fields *doc)
{
    char *text = pu_read(SPEC, NULL);
    if (!text)
        fail_msg("cannot read %s (run from the repo root)", SPEC);
    char *sec = strstr(text, SECTION);
    if (!sec)
        fail_msg("%s: no section \"%s\"", SPEC, SECTION);
    char *end = strstr(sec + 1, "\n## ");
    if (end)
        *end = 0;
    for (char *line = strtok(sec, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| `", 3) != 0)
            continue;
        char *p = line + 3, *q = strchr(p, '`');
        assert_non_null(q);
        char path[96];
        snprintf(path, sizeof path, "%.*s", (int)(q - p), p);
        p = strchr(q, '|');
        assert_non_null(p);
        char *cell_end = strchr(p + 1, '|');
        assert_non_null(cell_end);
        unsigned types = 0;
        /* "string", "boolean or null" */
        for (p++; p < cell_end;) {
            while (p < cell_end && *p == ' ')
                p++;
            char *w = p;
            while (p < cell_end && isalpha((unsigned char)*p))
                p++;
            if (p == w)
                break;
            if ((size_t)(p - w) == 2 && strncmp(w, "or", 2) == 0)
                continue;
            unsigned t = type_of_word(w, (size_t)(p - w));
            if (!t)
                fail_msg("%s: field %s: unknown type \"%.*s\"", SPEC, path,
                         (int)(p - w), w);
            types |= t;
        }
        if (!types)
            fail_msg("%s: field %s has no type", SPEC, path);
        if (find(doc, path))
            fail_msg("%s: field %s listed twice", SPEC, path);
        add(doc, path, types);
    }
    free(text);
    if (doc->n < 20)
        fail_msg("%s: only %zu fields in the appendix table", SPEC, doc->n);
}

/* ---- a strict JSON reader that records each value's path and type ---- */

typedef struct {
    const char *s;
    fields *seen;
} parser;

static void ws(parser *p)
{
    while (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r')
        p->s++;
}

static void syntax(parser *p, const char *what)
{
    fail_msg("JSON: %s at \"%.20s\"", what, p->s);
}

static void string(parser *p, char *out, size_t cap)
{
    size_t n = 0;
    if (*p->s != '"')
        syntax(p, "expected a string");
    for (p->s++; *p->s != '"'; p->s++) {
        char c = *p->s;
        if ((unsigned char)c < 0x20)
            syntax(p, "control character in a string");
        if (c == '\\') {
            p->s++;
            if (*p->s == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p->s[i]))
                        syntax(p, "bad \\u escape");
                p->s += 4;
                c = '?';
            } else if (strchr("\"\\/bfnrt", *p->s) && *p->s) {
                c = *p->s;
            } else {
                syntax(p, "bad escape");
            }
        }
        if (out && n + 1 < cap)
            out[n++] = c;
    }
    p->s++;
    if (out)
        out[n] = 0;
}

static void value(parser *p, const char *path);

static void child(char *buf, size_t cap, const char *path, const char *key)
{
    if (!key)
        snprintf(buf, cap, "%s[]", path);
    else if (!*path)
        snprintf(buf, cap, "%s", key);
    else
        snprintf(buf, cap, "%s.%s", path, key);
}

static void value(parser *p, const char *path)
{
    char sub[96], key[64];
    ws(p);
    if (*p->s == '{') {
        if (*path)
            add(p->seen, path, T_OBJECT);
        p->s++;
        ws(p);
        if (*p->s == '}') {
            p->s++;
            return;
        }
        for (;;) {
            ws(p);
            string(p, key, sizeof key);
            ws(p);
            if (*p->s++ != ':')
                syntax(p, "expected ':'");
            child(sub, sizeof sub, path, key);
            value(p, sub);
            ws(p);
            if (*p->s == ',') {
                p->s++;
                continue;
            }
            if (*p->s++ != '}')
                syntax(p, "expected ',' or '}'");
            return;
        }
    }
    assert_true(*path); /* the top level is an object */
    if (*p->s == '[') {
        add(p->seen, path, T_ARRAY);
        p->s++;
        ws(p);
        if (*p->s == ']') {
            p->s++;
            return;
        }
        child(sub, sizeof sub, path, NULL);
        for (;;) {
            value(p, sub);
            ws(p);
            if (*p->s == ',') {
                p->s++;
                continue;
            }
            if (*p->s++ != ']')
                syntax(p, "expected ',' or ']'");
            return;
        }
    }
    if (*p->s == '"') {
        string(p, NULL, 0);
        add(p->seen, path, T_STRING);
    } else if (strncmp(p->s, "true", 4) == 0 ||
               strncmp(p->s, "false", 5) == 0) {
        p->s += *p->s == 't' ? 4 : 5;
        add(p->seen, path, T_BOOLEAN);
    } else if (strncmp(p->s, "null", 4) == 0) {
        p->s += 4;
        add(p->seen, path, T_NULL);
    } else if (isdigit((unsigned char)*p->s)) {
        /* the documented numbers are non-negative integers */
        if (*p->s == '0' && isdigit((unsigned char)p->s[1]))
            syntax(p, "leading zero");
        while (isdigit((unsigned char)*p->s))
            p->s++;
        add(p->seen, path, T_NUMBER);
    } else {
        syntax(p, "unexpected value");
    }
}

static void parse(const char *text, fields *seen)
{
    parser p = {text, seen};
    ws(&p);
    if (*p.s != '{')
        syntax(&p, "the output is not an object");
    value(&p, "");
    if (*p.s != '\n' || p.s[1])
        syntax(&p, "not one line ending in a newline");
}

/* Two calls may share one message: a ring of two buffers. */
static const char *type_list(unsigned t)
{
    static char ring[2][128];
    static unsigned n;
    char *buf = ring[n++ % 2];
    buf[0] = 0;
    for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
        if (t & type_names[i].type)
            snprintf(buf + strlen(buf), sizeof ring[0] - strlen(buf), "%s%s",
                     buf[0] ? " or " : "", type_names[i].name);
    return buf;
}

/* Every field seen is documented, with a documented type. */
static void seen_documented(const fields *doc, const fields *seen,
                            const char *what)
{
    for (size_t i = 0; i < seen->n; i++) {
        const field *d = find((fields *)doc, seen->f[i].path);
        if (!d)
            fail_msg("%s: field %s is not in %s", what, seen->f[i].path,
                     SPEC);
        if (seen->f[i].types & ~d->types)
            fail_msg("%s: field %s is %s, documented as %s", what,
                     seen->f[i].path, type_list(seen->f[i].types),
                     type_list(d->types));
    }
}

/* ---- fixtures ---- */

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    fwp_image im = {0};
    fwp_err err;
    static uint8_t a[9000], b[1500], radio[2500];
    char *text;
    size_t len;
    pu_firmware(a, sizeof a, 1);
    pu_firmware(b, sizeof b, 2);
    pu_firmware(radio, sizeof radio, 3);
    if (fwp_image_add(&im, 0x08000000, a, sizeof a, "t", &err) ||
        fwp_image_add(&im, 0x08010000, b, sizeof b, "t", &err) ||
        fwp_hex_format(&im, &text, &len, &err))
        return -1;
    pu_write(P("app.hex"), text, len);
    free(text);
    fwp_image_free(&im);
    pu_write(P("radio.bin"), radio, sizeof radio);
    if (pu_run("keygen -o %s", P("k1.pem")) ||
        pu_run("keygen -o %s", P("k2.pem")))
        return -1;
    if (pu_run("pack -k %s -k %s --version 1.2.3-rc1+7 --frame-size 1024 "
               "-t main:stm32l432kc=%s -t radio=%s@0x10000 -o %s",
               P("k1.pem"), P("k2.pem"), P("app.hex"), P("radio.bin"),
               P("both.fwpk")))
        return -1;
    if (pu_run("pack --unsigned --codec lzma %s -o %s", P("app.hex"),
               P("lzma.fwpk")))
        return -1;
    if (pu_run("pack --unsigned --codec none %s -o %s", P("app.hex"),
               P("plain.fwpk")))
        return -1;
    /* a delta target against plain.fwpk's image */
    return pu_run("pack --unsigned --base %s %s -o %s", P("plain.fwpk"),
                  P("app.hex"), P("delta.fwpk"));
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* ---- tests ---- */

static void test_fields_documented(void **state)
{
    (void)state;
    fields doc = {0}, seen = {0};
    read_spec(&doc);

    assert_int_equal(pu_run("inspect --json %s", P("both.fwpk")), 0);
    parse(pu_out, &seen);
    assert_non_null(strstr(pu_out, "\"ok\":true"));
    seen_documented(&doc, &seen, "good container");

    /* unsigned, codec none: still only documented fields */
    fields plain = {0};
    assert_int_equal(pu_run("inspect --json %s", P("plain.fwpk")), 0);
    parse(pu_out, &plain);
    assert_non_null(strstr(pu_out, "\"signatures\":[]"));
    assert_non_null(strstr(pu_out, "\"codec\":\"none\""));
    seen_documented(&doc, &plain, "unsigned container");

    /* codec lzma: its properties object */
    fields lz = {0};
    assert_int_equal(pu_run("inspect --json %s", P("lzma.fwpk")), 0);
    parse(pu_out, &lz);
    assert_non_null(strstr(pu_out, "\"codec\":\"lzma\""));
    assert_non_null(strstr(pu_out, "\"lzma\":{\"lc\":0,\"lp\":1,\"pb\":1}"));
    seen_documented(&doc, &lz, "lzma container");

    /* a delta target: its base; decoded only with it (verify --base) */
    fields dl = {0};
    assert_int_equal(pu_run("inspect --json %s", P("delta.fwpk")), 0);
    parse(pu_out, &dl);
    assert_non_null(strstr(pu_out, "\"delta\":{\"base_size\":"));
    assert_non_null(strstr(pu_out, "\"base_version\":\"0.0.0\""));
    assert_non_null(strstr(pu_out, "\"digest_ok\":null,\"problem\":null"));
    assert_non_null(strstr(pu_out, "\"ok\":true}"));
    seen_documented(&doc, &dl, "delta container");

    /* a frame byte changed: the object with ok false, exit 1 */
    size_t len;
    char *d = pu_read(P("both.fwpk"), &len);
    assert_non_null(d);
    d[len - 100] ^= 0x40;
    pu_write(P("bad.fwpk"), d, len);
    free(d);
    fields bad = {0};
    assert_int_equal(pu_run("inspect --json %s", P("bad.fwpk")), 1);
    parse(pu_out, &bad);
    assert_non_null(strstr(pu_out, "\"chain_ok\":false,\"digest_ok\":null,"
                                   "\"problem\":\"frame "));
    assert_non_null(strstr(pu_out, "\"ok\":false}"));
    seen_documented(&doc, &bad, "tampered container");

    /* every documented field appeared, as each of its types somewhere */
    for (size_t i = 0; i < bad.n; i++)
        add(&seen, bad.f[i].path, bad.f[i].types);
    for (size_t i = 0; i < plain.n; i++)
        add(&seen, plain.f[i].path, plain.f[i].types);
    for (size_t i = 0; i < lz.n; i++)
        add(&seen, lz.f[i].path, lz.f[i].types);
    for (size_t i = 0; i < dl.n; i++)
        add(&seen, dl.f[i].path, dl.f[i].types);
    for (size_t i = 0; i < doc.n; i++) {
        const field *s = find(&seen, doc.f[i].path);
        if (!s)
            fail_msg("%s documents %s, which fwpack inspect --json does not "
                     "print", SPEC, doc.f[i].path);
        if ((s->types & doc.f[i].types) != doc.f[i].types)
            fail_msg("%s: documented as %s, seen only as %s", doc.f[i].path,
                     type_list(doc.f[i].types), type_list(s->types));
    }
}

/* The exit codes and stdout the appendix promises. */
static void test_exit_codes(void **state)
{
    (void)state;
    /* a failure: the error object, and the same line on stderr */
    pu_write_str(P("junk.fwpk"), "not a container at all");
    assert_int_equal(pu_run("inspect --json %s", P("junk.fwpk")), 1);
    assert_non_null(strstr(pu_out, "{\"command\":\"inspect\",\"ok\":false,"
                                   "\"exit_code\":1,\"error\":\""));
    assert_non_null(strstr(pu_err, "fwpack: "));
    assert_int_equal(pu_run("inspect --json %s", P("none.fwpk")), 4);
    assert_non_null(strstr(pu_out, "\"exit_code\":4,"));
    assert_int_equal(pu_run("inspect --json"), 2);
    assert_non_null(strstr(pu_out, "\"exit_code\":2,"));
    assert_int_equal(pu_run("inspect --json --bogus %s", P("both.fwpk")), 2);
    assert_non_null(strstr(pu_out, "\"ok\":false"));
}

/* Values, not only names: the fields mean what the table says. */
static void test_values(void **state)
{
    (void)state;
    assert_int_equal(pu_run("inspect --json %s", P("both.fwpk")), 0);
    const char *o = pu_out;
    assert_non_null(strstr(o, "\"format\":1,"));
    assert_non_null(strstr(o, "\"version\":\"1.2.3-rc1+7\""));
    assert_non_null(strstr(o, "\"info\":\"firmware::info:{"));
    assert_non_null(strstr(o, "\"segments\":[{\"address\":134217728,"
                              "\"length\":9000},{\"address\":134283264,"
                              "\"length\":1500}],\"image_size\":10500,"));
    assert_non_null(strstr(o, "{\"name\":\"radio\",\"mcu\":null,"));
    assert_non_null(strstr(o, "\"frame_size\":1024,"));
    /* two key ids of 16 hex digits */
    const char *k = strstr(o, "\"signatures\":[{\"key_id\":\"");
    assert_non_null(k);
    k += strlen("\"signatures\":[{\"key_id\":\"");
    for (int i = 0; i < 16; i++)
        assert_true(isxdigit((unsigned char)k[i]) &&
                    !isupper((unsigned char)k[i]));
    assert_memory_equal(k + 16, "\"},{\"key_id\":\"", 14);
    /* size is the file's */
    size_t len;
    free(pu_read(P("both.fwpk"), &len));
    char want[64];
    snprintf(want, sizeof want, ",\"size\":%zu,", len);
    assert_non_null(strstr(o, want));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_documented),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_values),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
