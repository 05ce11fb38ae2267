/* info.c - the Notehub info string, format/SPEC.md section 3. */
#include <stdio.h>
#include <time.h>

#include "fwpack.h"

void fwp_time_format(uint64_t t, char out[20])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) ||
        !strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm))
        snprintf(out, 20, "1970-01-01 00:00:00");
}

static const char *def(const char *s, const char *dflt)
{
    return s ? s : dflt;
}

static int member(fwp_buf *b, const char *key, const char *val, int first)
{
    if (fwp_buf_printf(b, "%s\"%s\":", first ? "" : ",", key))
        return -1;
    return fwp_buf_json_str(b, val);
}

static int members(fwp_buf *b, const fwp_pack_opts *o, const fwp_version *v)
{
    const fwp_target_opts *t0 = o->target_count ? &o->targets[0] : NULL;
    const char *name = t0 && t0->name ? t0->name : "";
    const char *target = t0 && t0->mcu && *t0->mcu ? t0->mcu : name;
    char built[20];
    fwp_time_format(o->build_time, built);
    return member(b, "org", def(o->org, ""), 1) ||
           member(b, "product", def(o->product, "fwpack"), 0) ||
           member(b, "description", def(o->description, ""), 0) ||
           member(b, "firmware", def(o->firmware, name), 0) ||
           member(b, "version", def(o->version, "0.0.0"), 0) ||
           fwp_buf_printf(b,
                          ",\"ver_major\":%u,\"ver_minor\":%u,\"ver_patch\":%u"
                          ",\"ver_build\":%u",
                          (unsigned)v->major, (unsigned)v->minor,
                          (unsigned)v->patch, (unsigned)v->build) ||
           member(b, "built", built, 0) ||
           member(b, "builder", def(o->builder, "fwpack " FWPACK_VERSION), 0) ||
           member(b, "target", target, 0);
}

int fwp_info_build(const fwp_pack_opts *o, fwp_buf *out, fwp_err *err)
{
    fwp_version v;
    if (fwp_version_parse(def(o->version, "0.0.0"), &v, err))
        return -1;
    if (fwp_buf_put(out, FWPK_INFO_PREFIX "{", FWPK_INFO_PREFIX_LEN + 1) ||
        members(out, o, &v) || fwp_buf_put(out, "}", 2))
        return fwp_fail(err, "out of memory");
    if (out->len > FWPK_INFO_MAX)
        return fwp_fail_usage(err, "info string is %zu bytes, more than %d "
                             "(shorten --description and friends)",
                        out->len, FWPK_INFO_MAX);
    return 0;
}
