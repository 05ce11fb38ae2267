/*
 * mcu_file.c - MCU profiles from files, for parts fwpack has no built-in
 * profile for: one profile per line,
 *
 *   # id          key=value ...
 *   mypart-64k    arch=cortex-m0plus flash-base=0x08000000 flash-size=64K
 *                 erase-block=2K write-unit=8 ram=8K
 *
 * (one line each).  The keys are pack's option names.  A profile replaces
 * a listed one with the same id (ignoring case), so a file can also
 * correct a built-in profile.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fwpack.h"

void fwp_mcu_list_free(fwp_mcu_list *l)
{
    free(l->items);
    l->items = NULL;
    l->count = 0;
}

/* Adds m, or replaces the profile with its id. */
static int put(fwp_mcu_list *l, const fwp_mcu *m)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcasecmp(l->items[i].id, m->id) == 0) {
            l->items[i] = *m;
            return 0;
        }
    fwp_mcu *p = realloc(l->items, (l->count + 1) * sizeof *p);
    if (!p)
        return -1;
    l->items = p;
    l->items[l->count++] = *m;
    return 0;
}

int fwp_mcu_list_builtin(fwp_mcu_list *l)
{
    size_t n;
    const fwp_mcu *t = fwp_mcu_table(&n);
    for (size_t i = 0; i < n; i++)
        if (put(l, &t[i]))
            return -1;
    return 0;
}

const fwp_mcu *fwp_mcu_list_find(const fwp_mcu_list *l, const char *id)
{
    for (size_t i = 0; i < l->count; i++)
        if (strcasecmp(l->items[i].id, id) == 0)
            return &l->items[i];
    return NULL;
}

/* ---- one line ---- */

typedef struct {
    const char *name; /* FILE */
    unsigned line;
    fwp_err *err;
} where;

int fwp_mcu_number(const char *s, uint32_t *out)
{
    char *end;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0), scale = 1;
    if (*end == 'K' || *end == 'k')
        scale = 1024, end++;
    else if (*end == 'M' || *end == 'm')
        scale = 1024 * 1024, end++;
    /* compared before multiplying: a huge v times 1 MiB wraps around */
    if (errno || *end || v > UINT32_MAX / scale)
        return -1;
    *out = (uint32_t)(v * scale);
    return 0;
}

static int id_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= FWPK_NAME_MAX && fwp_plain_chars(s);
}

static const char *const number_keys[] = {
    "flash-base", "flash-size", "erase-block", "write-unit",
    "ram",        "window-bits", "frame-size"};
#define NUMBER_KEYS (sizeof number_keys / sizeof number_keys[0])

static uint32_t *field(fwp_mcu *m, size_t k)
{
    uint32_t *f[NUMBER_KEYS] = {&m->flash_base,  &m->flash_size,
                                &m->erase_block, &m->write_unit,
                                &m->ram_size,    &m->window_bits,
                                &m->frame_size};
    return f[k];
}

static int text_key(fwp_mcu *m, const char *key, const char *val,
                    const where *w)
{
    char q[FWP_QUOTE_BUF];
    char *dst = strcmp(key, "arch") == 0 ? m->arch : m->build;
    size_t cap = strcmp(key, "arch") == 0 ? sizeof m->arch : sizeof m->build;
    if (strlen(val) >= cap)
        return fwp_fail(w->err, "%s:%u: %s '%s': longer than %zu bytes",
                        w->name, w->line, key, fwp_quote(val, q), cap - 1);
    if (dst == m->build && strcmp(val, "none") != 0 &&
        !fwp_verifier_build_find(val))
        return fwp_fail(w->err, "%s:%u: build '%s': not one of the "
                                "verifier builds fwpack mcus lists",
                        w->name, w->line, fwp_quote(val, q));
    snprintf(dst, cap, "%s", strcmp(val, "none") == 0 ? "" : val);
    return 0;
}

/* One key=value; *seen gets the number key's bit. */
static int key_value(fwp_mcu *m, char *kv, unsigned *seen, int *build_set,
                     const where *w)
{
    char q[FWP_QUOTE_BUF];
    char *eq = strchr(kv, '=');
    if (!eq || eq == kv || !eq[1])
        return fwp_fail(w->err, "%s:%u: '%s': expected key=value", w->name,
                        w->line, fwp_quote(kv, q));
    *eq = 0;
    const char *val = eq + 1;
    if (strcmp(kv, "arch") == 0 || strcmp(kv, "build") == 0) {
        *build_set |= strcmp(kv, "build") == 0;
        return text_key(m, kv, val, w);
    }
    for (size_t k = 0; k < NUMBER_KEYS; k++) {
        if (strcmp(kv, number_keys[k]) != 0)
            continue;
        if (fwp_mcu_number(val, field(m, k)))
            return fwp_fail(w->err, "%s:%u: %s '%s': not a number (decimal "
                                    "or 0x hex, optional K or M)",
                            w->name, w->line, kv, fwp_quote(val, q));
        *seen |= 1u << k;
        return 0;
    }
    return fwp_fail(w->err, "%s:%u: unknown key '%s' (arch, flash-base, "
                            "flash-size, erase-block, write-unit, ram, "
                            "window-bits, frame-size, build)",
                    w->name, w->line, fwp_quote(kv, q));
}

static int pow2(uint32_t v)
{
    return v && !(v & (v - 1));
}

/* The rules pack checks, here with the file and line. */
static int check(const fwp_mcu *m, const where *w)
{
    const char *bad = NULL;
    if (!pow2(m->write_unit) || m->write_unit > FWPK_WRITE_UNIT_MAX)
        bad = "write-unit must be a power of two up to 256";
    else if (!pow2(m->erase_block) || m->erase_block < m->write_unit ||
             m->erase_block > FWPK_ERASE_BLOCK_MAX)
        bad = "erase-block must be a power of two from write-unit to 256K";
    else if (m->flash_size == 0 ||
             (uint64_t)m->flash_base + m->flash_size > 0x100000000ULL)
        bad = "flash-base + flash-size must be inside 4 GiB, and not empty";
    else if (m->ram_size == 0)
        bad = "ram must not be 0";
    else if (m->window_bits < FWPK_WINDOW_BITS_MIN ||
             m->window_bits > FWPK_WINDOW_BITS_MAX)
        bad = "window-bits must be 9..15";
    else if (m->frame_size < FWPK_FRAME_SIZE_MIN ||
             m->frame_size > FWPK_FRAME_SIZE_MAX)
        bad = "frame-size must be 256..8192";
    return bad ? fwp_fail(w->err, "%s:%u: %s: %s", w->name, w->line, m->id,
                          bad)
               : 0;
}

enum { NEED = 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 }; /* size .. ram */

static int parse_line(fwp_mcu_list *l, char *s, const where *w)
{
    fwp_mcu m;
    char q[FWP_QUOTE_BUF];
    unsigned seen = 0;
    int build_set = 0;
    const char *sep = " \t\r";
    char *save, *tok = strtok_r(s, sep, &save);
    if (!tok)
        return 0;
    memset(&m, 0, sizeof m);
    if (!id_ok(tok))
        return fwp_fail(w->err, "%s:%u: '%s': an MCU id is 1..%d letters, "
                                "digits and - _ . +",
                        w->name, w->line, fwp_quote(tok, q), FWPK_NAME_MAX);
    snprintf(m.id, sizeof m.id, "%s", tok);
    while ((tok = strtok_r(NULL, sep, &save)) != NULL)
        if (key_value(&m, tok, &seen, &build_set, w))
            return -1;
    if ((seen & NEED) != NEED)
        return fwp_fail(w->err, "%s:%u: %s: needs flash-size, erase-block, "
                                "write-unit and ram",
                        w->name, w->line, m.id);
    if (!build_set)
        snprintf(m.build, sizeof m.build, "%s",
                 fwp_verifier_build_for(m.arch, m.ram_size));
    uint32_t wbits, frame;
    fwp_verifier_defaults(fwp_verifier_build_find(m.build), m.ram_size,
                          &wbits, &frame);
    if (!(seen & 1u << 5))
        m.window_bits = wbits;
    if (!(seen & 1u << 6))
        m.frame_size = frame;
    snprintf(m.origin, sizeof m.origin, "%s:%u", w->name, w->line);
    if (check(&m, w))
        return -1;
    return put(l, &m) ? fwp_fail(w->err, "out of memory") : 0;
}

int fwp_mcu_list_parse(fwp_mcu_list *l, const char *name, const char *text,
                       fwp_err *err)
{
    where w = {name, 0, err};
    const char *p = text;
    while (*p) {
        size_t n = strcspn(p, "\n");
        char *line = malloc(n + 1);
        if (!line)
            return fwp_fail(err, "out of memory");
        memcpy(line, p, n);
        line[n] = 0;
        line[strcspn(line, "#")] = 0;
        w.line++;
        int rc = parse_line(l, line, &w);
        free(line);
        if (rc)
            return -1;
        p += n + (p[n] == '\n');
    }
    return 0;
}

int fwp_mcu_list_add_file(fwp_mcu_list *l, const char *path, int optional,
                          fwp_err *err)
{
    uint8_t *data;
    size_t len;
    FILE *f = optional ? fopen(path, "r") : NULL;
    if (optional && !f)
        return 0; /* a search path entry that is not there */
    if (f)
        fclose(f);
    if (fwp_read_file(path, &data, &len, 1 << 20, err))
        return -1;
    int rc = strlen((const char *)data) != len
                 ? fwp_fail(err, "%s: not a text file (NUL byte)", path)
                 : fwp_mcu_list_parse(l, path, (const char *)data, err);
    free(data);
    return rc;
}
