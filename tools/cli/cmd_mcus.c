/* cmd_mcus.c - fwpack mcus: the MCU profiles, their geometry, and whether
 * today's verifier fits each part. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char help[] =
    "usage: fwpack mcus [ID ...] [--mcu-file FILE] [--json]\n"
    "\n"
    "Lists the MCU profiles pack --mcu ID uses (IDs ignore case): flash\n"
    "base and size, erase block and write unit (the flash geometry the\n"
    "verifier erases and writes by), RAM, the deflate window and frame size\n"
    "packed for that RAM, the branch filter, and whether the device\n"
    "verifier fits the part: the verifier build the part is assumed to run\n"
    "(make size measures each: buffered, with the frame and a 2^15 window\n"
    "in RAM, where that fits; else buffered with the window in flash behind\n"
    "a 512-byte ring (-flashwin); else streaming, no frame buffer and the\n"
    "window in flash; else, on AVR, the same without resume for one target\n"
    "in one segment (avr-one: an in-place install, examples/avr/agent)),\n"
    "the RAM it needs (fixed RAM, + window or ring +\n"
    "frame buffer when buffered) and its flash.  \"yes\": the verifier\n"
    "fits with a quarter of the RAM left for the rest of the bootloader;\n"
    "\"tight\": it fits, with less left; \"no\": it does not fit.\n"
    "fwpack pack warns when a target's verifier does not fit its MCU.\n"
    "\n"
    "Profiles come from fwpack itself, then the profile files on\n"
    "FWPACK_MCU_PATH (FILE:FILE..., default /etc/fwpack/mcus, then\n"
    "$XDG_CONFIG_HOME/fwpack/mcus or ~/.config/fwpack/mcus), then\n"
    "--mcu-file; a profile replaces an earlier one with the same id.  A\n"
    "profile file has one part per line, pack's option names as keys:\n"
    "  # id      key=value ...   (numbers: decimal or 0x hex, K or M)\n"
    "  mypart    arch=cortex-m0plus flash-base=0x08000000 flash-size=64K "
    "erase-block=2K\n"
    "            write-unit=8 ram=8K [window-bits=12 frame-size=1024 "
    "build=cortex-m0plus]\n"
    "(one line each; flash-size, erase-block, write-unit and ram are\n"
    "required; the build follows the arch and RAM, the window and frame\n"
    "the build and RAM, as for fwpack's own profiles).\n"
    "\n"
    "      --mcu-file FILE   add the profiles in FILE\n"
    "      --json            one object: {\"mcus\": [...], \"builds\": [...]}\n"
    "  -h, --help            this text\n";

/* 65536 -> "64K", 2000 -> "2000": what a profile file would say. */
static const char *size_text(uint32_t v, char out[16])
{
    if (v && v % (1024 * 1024) == 0)
        snprintf(out, 16, "%uM", (unsigned)(v / (1024 * 1024)));
    else if (v && v % 1024 == 0)
        snprintf(out, 16, "%uK", (unsigned)(v / 1024));
    else
        snprintf(out, 16, "%u", (unsigned)v);
    return out;
}

static const char *fits_text(const fwp_mcu_fit *f)
{
    if (!f->known)
        return "unknown";
    if (f->ram_fits && f->flash_fits)
        return f->ram_tight ? "tight" : "yes";
    return !f->ram_fits && !f->flash_fits ? "no: RAM, flash"
           : !f->ram_fits                 ? "no: RAM"
                                          : "no: flash";
}

static void text_row(fwp_buf *b, const fwp_mcu *m)
{
    char s[4][16], need[16] = "-", flash[16] = "-";
    fwp_mcu_fit f;
    fwp_mcu_fit_check(m, m->window_bits, m->frame_size, &f);
    if (f.known) {
        snprintf(need, sizeof need, "%u", (unsigned)f.ram_need);
        snprintf(flash, sizeof flash, "%u", (unsigned)f.flash_need);
    }
    fwp_buf_printf(b, "%-13s %-14s 0x%08x+%-5s %-5s %-5u %-5s %-6u %-5u "
                      "%-6s %-22s %-8s %-10s %s\n",
                   m->id, m->arch[0] ? m->arch : "-",
                   (unsigned)m->flash_base, size_text(m->flash_size, s[0]),
                   size_text(m->erase_block, s[1]), (unsigned)m->write_unit,
                   size_text(m->ram_size, s[2]), (unsigned)m->window_bits,
                   (unsigned)m->frame_size,
                   fwp_filter_name(fwp_mcu_default_filter(m)),
                   m->build[0] ? m->build : "-", need, flash, fits_text(&f));
}

static void json_row(fwp_buf *b, const fwp_mcu *m)
{
    fwp_mcu_fit f;
    fwp_mcu_fit_check(m, m->window_bits, m->frame_size, &f);
    fwp_buf_printf(b, "{\"id\":");
    fwp_buf_json_str(b, m->id);
    fwp_buf_printf(b, ",\"arch\":");
    if (m->arch[0])
        fwp_buf_json_str(b, m->arch);
    else
        fwp_buf_printf(b, "null");
    fwp_buf_printf(b, ",\"flash_base\":%u,\"flash_size\":%u,\"erase_block\":"
                      "%u,\"write_unit\":%u,\"ram\":%u,\"window_bits\":%u,"
                      "\"frame_size\":%u,\"filter\":\"%s\",\"verifier_build\":",
                   (unsigned)m->flash_base, (unsigned)m->flash_size,
                   (unsigned)m->erase_block, (unsigned)m->write_unit,
                   (unsigned)m->ram_size, (unsigned)m->window_bits,
                   (unsigned)m->frame_size,
                   fwp_filter_name(fwp_mcu_default_filter(m)));
    if (f.known)
        fwp_buf_printf(b, "\"%s\",\"ram_need\":%u,\"flash_need\":%u,\"fits\":"
                          "%s,\"tight\":%s", f.build->id, (unsigned)f.ram_need,
                       (unsigned)f.flash_need,
                       f.ram_fits && f.flash_fits ? "true" : "false",
                       f.ram_tight ? "true" : "false");
    else
        fwp_buf_printf(b, "null,\"ram_need\":null,\"flash_need\":null,"
                          "\"fits\":null,\"tight\":null");
    fwp_buf_printf(b, ",\"source\":");
    if (m->origin[0])
        fwp_buf_json_str(b, m->origin);
    else
        fwp_buf_printf(b, "null");
    fwp_buf_printf(b, "}");
}

static void json_builds(fwp_buf *b)
{
    size_t n;
    const fwp_verifier_build *v = fwp_verifier_builds(&n);
    fwp_buf_printf(b, "],\"builds\":[");
    for (size_t i = 0; i < n; i++) {
        fwp_buf_printf(b, "%s{\"id\":\"%s\",\"size_target\":\"%s\","
                          "\"buffered\":%s,\"flash\":%u,\"ram_fixed\":%u,"
                          "\"ring_bits\":%u,\"cflags\":",
                       i ? "," : "", v[i].id, v[i].size_target,
                       v[i].buffered ? "true" : "false",
                       (unsigned)v[i].flash, (unsigned)v[i].ram_fixed,
                       (unsigned)v[i].ring_bits);
        fwp_buf_json_str(b, v[i].cflags);
        fwp_buf_printf(b, "}");
    }
    fwp_buf_printf(b, "]}\n");
}

/* The rows: every profile, or the ones named (in that order). */
static int rows(const fwp_mcu_list *l, char **ids, int n, int json,
                fwp_buf *b)
{
    char q[FWP_QUOTE_BUF];
    size_t count = n ? (size_t)n : l->count;
    for (size_t i = 0; i < count; i++) {
        const fwp_mcu *m = n ? fwp_mcu_list_find(l, ids[i]) : &l->items[i];
        if (!m)
            return cli_error(EXIT_USAGE, "mcus: no profile '%s' (fwpack "
                                         "mcus lists them)",
                             fwp_quote(ids[i], q));
        if (json && i)
            fwp_buf_printf(b, ",");
        (json ? json_row : text_row)(b, m);
    }
    return 0;
}

int cmd_mcus(int argc, char **argv)
{
    enum { O_JSON = 256, O_FILE };
    static const struct option opts[] = {{"json", no_argument, 0, O_JSON},
                                         {"mcu-file", required_argument, 0,
                                          O_FILE},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *file = NULL;
    int json = 0, c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(help, stdout);
            return EXIT_OK;
        }
        if (c == O_JSON)
            json = 1;
        else if (c == O_FILE)
            file = optarg;
        else
            return cli_bad_option("mcus", argv, optind);
    }
    fwp_mcu_list l;
    int rc = cli_profiles_load(&l, file);
    if (rc)
        return rc;
    fwp_buf b = {0};
    if (json)
        fwp_buf_printf(&b, "{\"mcus\":[");
    else
        fwp_buf_printf(&b, "%-13s %-14s %-16s %-5s %-5s %-5s %-6s %-5s "
                           "%-6s %-22s %-8s %-10s %s\n",
                       "ID", "ARCH", "FLASH", "ERASE", "WRITE", "RAM",
                       "WINDOW", "FRAME", "FILTER", "VERIFIER", "RAM-NEED",
                       "FLASH-NEED", "FITS");
    rc = rows(&l, argv + optind, argc - optind, json, &b);
    if (rc == 0 && json)
        json_builds(&b);
    if (rc == 0)
        cli_json_print(&b);
    fwp_buf_free(&b);
    fwp_mcu_list_free(&l);
    return rc;
}
