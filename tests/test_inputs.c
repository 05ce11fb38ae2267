/* test_inputs.c - input formats against reference tools, level max, and
 * Notehub's limits:
 *   - S-records (S19, S28, S37) and Intel HEX that srec_cat makes from the
 *     same raw bytes read back as exactly those bytes; what fwpack writes
 *     (fwp_srec_format, fwp_hex_format) is what srec_cmp expects;
 *   - ELF from arm-none-eabi-gcc (.text, .data with LMA != VMA, .bss) reads
 *     as arm-none-eabi-objcopy -O binary / -O ihex see it;
 *   - malformed inputs: one line naming file and line or offset, exit 3, no
 *     output file;
 *   - --level max (zopfli) through the device verifier, smaller than 9;
 *   - the 1.5 MiB refusal, --max-size, the 900 KiB warning; --version.
 *
 * Needs srec_cat/srec_cmp (srecord) and arm-none-eabi-gcc (with newlib):
 * their absence is a failure with a message, never a silent skip.  Runs
 * from the repo root; FWPACK names the CLI (default build/test/fwpack). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "fwpack.h"
#include "pack_util.h"

static const char *dir;

/* ---- running things ---- */

static void expect_in(const char *text, const char *want)
{
    if (!text || !strstr(text, want))
        fail_msg("got \"%s\", want \"%s\"", text ? text : "(null)", want);
}

/* ---- images ---- */

static void load(const char *path, int has_addr, uint32_t addr,
                 fwp_image *img)
{
    fwp_err err;
    memset(img, 0, sizeof *img);
    if (fwp_input_load(path, has_addr, addr, img, &err))
        fail_msg("%s", err.msg);
}

static void same_image(const fwp_image *a, const fwp_image *b,
                       const char *what)
{
    if (a->count != b->count)
        fail_msg("%s: %zu segments, want %zu", what, a->count, b->count);
    for (size_t i = 0; i < a->count; i++) {
        const fwp_seg *x = &a->segs[i], *y = &b->segs[i];
        if (x->addr != y->addr || x->len != y->len ||
            memcmp(x->data, y->data, x->len) != 0)
            fail_msg("%s: segment %zu is 0x%08x+%u, want 0x%08x+%u (or "
                     "its bytes differ)", what, i, (unsigned)x->addr,
                     (unsigned)x->len, (unsigned)y->addr, (unsigned)y->len);
    }
}

/* The image's bytes from its lowest address, gaps filled with 'fill'. */
static uint8_t *flatten(const fwp_image *img, uint8_t fill, size_t *len)
{
    const fwp_seg *last = &img->segs[img->count - 1];
    *len = last->addr + last->len - img->segs[0].addr;
    uint8_t *p = malloc(*len);
    assert_non_null(p);
    memset(p, fill, *len);
    for (size_t i = 0; i < img->count; i++)
        memcpy(p + img->segs[i].addr - img->segs[0].addr, img->segs[i].data,
               img->segs[i].len);
    return p;
}

typedef struct {
    uint32_t addr, len;
} span;

/* Three sparse segments per address width; the last ends at the top of
 * the address space of that width. */
static const span img16[] = {{0x0100, 3000}, {0x2000, 2000}, {0xf000, 0x1000}};
static const span img24[] = {
    {0x00020000, 3000}, {0x00031000, 2000}, {0x00fff000, 0x1000}};
static const span img32[] = {
    {0x08000000, 3000}, {0x08011000, 2000}, {0xfffff000, 0x1000}};

typedef struct {
    fwp_image img;
    char src[1024]; /* srec_cat input arguments for the same bytes */
} ref_image;

/* Raw segment files NAME_i.bin and the image they make. */
static void make_ref(const char *name, const span *s, size_t n,
                     ref_image *r)
{
    fwp_err err;
    size_t used = 0;
    memset(r, 0, sizeof *r);
    for (size_t i = 0; i < n; i++) {
        char file[64];
        uint8_t *b = malloc(s[i].len);
        assert_non_null(b);
        pu_firmware(b, s[i].len, s[i].addr + (uint32_t)i);
        snprintf(file, sizeof file, "%s_%zu.bin", name, i);
        pu_write(pu_path(dir, file), b, s[i].len);
        if (fwp_image_add(&r->img, s[i].addr, b, s[i].len, "ref", &err))
            fail_msg("%s", err.msg);
        used += (size_t)snprintf(r->src + used, sizeof r->src - used,
                                 "%s -binary -offset 0x%x ",
                                 pu_path(dir, file), (unsigned)s[i].addr);
        free(b);
    }
}

/* ---- fixtures ---- */

/* A tiny Cortex-M0+ program: .text and .rodata in flash, .data in RAM
 * loaded from flash (AT>), .bss in RAM after it. */
static const char app_c[] =
    "#include <stdint.h>\n"
    "extern uint32_t _sidata, _sdata, _edata, _sbss, _ebss, _estack;\n"
    "uint32_t counter = 0xC0FFEE42u;\n"
    "uint16_t scale[4] = {1, 2, 3, 5};\n"
    "const char banner[] = \"fwpack elf test!\";\n"
    "static uint32_t table[64];\n"
    "int main(void);\n"
    "void reset(void)\n"
    "{\n"
    "    uint32_t *s = &_sidata, *d = &_sdata;\n"
    "    while (d < &_edata)\n"
    "        *d++ = *s++;\n"
    "    for (d = &_sbss; d < &_ebss;)\n"
    "        *d++ = 0;\n"
    "    main();\n"
    "    for (;;)\n"
    "        ;\n"
    "}\n"
    "__attribute__((section(\".vectors\"), used))\n"
    "const void *const vectors[] = {&_estack, (const void *)reset};\n"
    "int main(void)\n"
    "{\n"
    "    for (int i = 0; i < 64; i++)\n"
    "        table[i] = counter * scale[i & 3] + (uint32_t)banner[i & 15];\n"
    "    return (int)table[counter & 63];\n"
    "}\n";

static const char link_ld[] =
    "MEMORY\n"
    "{\n"
    "    FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 64K\n"
    "    RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 8K\n"
    "}\n"
    "ENTRY(reset)\n"
    "SECTIONS\n"
    "{\n"
    "    .text : { KEEP(*(.vectors)) *(.text*) *(.rodata*) . = ALIGN(4); }"
    " > FLASH\n"
    "    .data : { _sdata = .; *(.data*) . = ALIGN(4); _edata = .; }"
    " > RAM AT> FLASH\n"
    "    _sidata = LOADADDR(.data);\n"
    "    .bss : { _sbss = .; *(.bss*) *(COMMON) . = ALIGN(4); _ebss = .; }"
    " > RAM\n"
    "    _estack = ORIGIN(RAM) + LENGTH(RAM);\n"
    "}\n";

/* A newlib-heavy program (printf, scanf, math, time): real firmware
 * bytes, about 75 KB, linked at 0x08000000. */
static const char big_c[] =
    "#include <math.h>\n"
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include <time.h>\n"
    "static int cmp(const void *a, const void *b)\n"
    "{\n"
    "    return *(const char *)a - *(const char *)b;\n"
    "}\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    char buf[128];\n"
    "    double d = strtod(argv[argc - 1], 0);\n"
    "    time_t t = 0;\n"
    "    snprintf(buf, sizeof buf, \"%g %f %e %s\", sin(d), cos(d) * exp(d),\n"
    "             log(d + 1), asctime(gmtime(&t)));\n"
    "    long l = strtol(buf, 0, 0);\n"
    "    sscanf(buf, \"%lf %ld\", &d, &l);\n"
    "    qsort(buf, 10, 1, cmp);\n"
    "    printf(\"%s %ld %g\\n\", buf, l, pow(d, 2.5));\n"
    "    return (int)l;\n"
    "}\n";

static int setup(void **state)
{
    (void)state;
    const char *tools[] = {"srec_cat", "srec_cmp", "arm-none-eabi-gcc",
                           "arm-none-eabi-objcopy"};
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++)
        if (!pu_have(tools[i])) {
            fprintf(stderr, "test_inputs: %s is not installed: the format "
                            "tests need it (make deps, or apt-get install "
                            "srecord gcc-arm-none-eabi "
                            "libnewlib-arm-none-eabi)\n", tools[i]);
            return -1;
        }
    dir = pu_tmpdir();
    pu_write_str(pu_path(dir, "app.c"), app_c);
    pu_write_str(pu_path(dir, "link.ld"), link_ld);
    pu_write_str(pu_path(dir, "big.c"), big_c);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && arm-none-eabi-gcc -mcpu=cortex-m0plus -mthumb -Os "
             "-nostdlib -ffreestanding -T link.ld app.c -o app.elf && "
             "arm-none-eabi-objcopy -O binary app.elf app.bin && "
             "arm-none-eabi-objcopy -O ihex app.elf app.hex && "
             "arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -O2 "
             "--specs=nosys.specs -Wl,-Ttext-segment=0x08000000 big.c -lm "
             "-o big.elf 2>/dev/null && "
             "arm-none-eabi-objcopy -O binary big.elf big.bin && "
             "arm-none-eabi-objcopy -O ihex big.elf big.hex", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "test_inputs: building the ELF fixtures failed: "
                        "%s\n", cmd);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* ---- S-records and HEX vs srec_cat ---- */

typedef struct {
    const char *name;
    const span *spans;
    int ab; /* S-record address bytes */
} width;

static const width widths[] = {
    {"w16", img16, 2}, {"w24", img24, 3}, {"w32", img32, 4}};

/* srec_cat variants: record sizes, with and without S5/S6, S0, S7-S9. */
static const char *const variants[] = {
    "",
    "-obs=7",
    "-obs=250 -execution-start-address=0x1234",
    "-disable=data-count -disable=header",
};

static void check_srec_cat(const width *w, const ref_image *r)
{
    static const char *const ext[] = {"", "", ".s19", ".s28", ".s37"};
    fwp_image got;
    char file[64], what[160];
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        snprintf(file, sizeof file, "%s_v%zu%s", w->name, v, ext[w->ab]);
        const char *path = pu_path(dir, file);
        pu_sh("srec_cat %s -o %s -motorola -address-length=%d %s", r->src, path,
           w->ab, variants[v]);
        snprintf(what, sizeof what, "%s (srec_cat %s)", file, variants[v]);
        load(path, 0, 0, &got);
        same_image(&got, &r->img, what);
        fwp_image_free(&got);
    }
    /* Intel HEX from srec_cat: type 04 records, two record sizes */
    for (int obs = 16; obs <= 255; obs += 239) {
        snprintf(file, sizeof file, "%s_%d.hex", w->name, obs);
        const char *path = pu_path(dir, file);
        pu_sh("srec_cat %s -o %s -intel -obs=%d", r->src, path, obs);
        load(path, 0, 0, &got);
        same_image(&got, &r->img, file);
        fwp_image_free(&got);
    }
}

/* What fwpack writes, checked by srec_cmp against what srec_cat made from
 * the raw bytes (no start address: fwp_srec_format writes none). */
static void check_writers(const width *w, const ref_image *r)
{
    static const char *const first[] = {"", "", "S1", "S2", "S3"};
    static const char *const last[] = {"", "", "\nS9", "\nS8", "\nS7"};
    fwp_err err;
    char *text, file[64], ref[512], ref_hex[512];
    size_t len;
    snprintf(file, sizeof file, "%s_ref.srec", w->name);
    snprintf(ref, sizeof ref, "%s", pu_path(dir, file));
    pu_sh("srec_cat %s -o %s -motorola", r->src, ref);
    snprintf(file, sizeof file, "%s_ref.hex", w->name);
    snprintf(ref_hex, sizeof ref_hex, "%s", pu_path(dir, file));
    pu_sh("srec_cat %s -o %s -intel", r->src, ref_hex);
    assert_int_equal(fwp_srec_format(&r->img, 0, &text, &len, &err), 0);
    expect_in(text, first[w->ab]);
    assert_null(strstr(text, last[w->ab])); /* no start address record */
    if (w->ab > 2) /* the fewest address bytes that hold the image */
        assert_null(strstr(text, first[w->ab - 1]));
    snprintf(file, sizeof file, "%s_ours.srec", w->name);
    pu_write(pu_path(dir, file), text, len);
    free(text);
    pu_sh("srec_cmp %s -motorola %s -motorola", pu_path(dir, file), ref);
    assert_int_equal(fwp_hex_format(&r->img, &text, &len, &err), 0);
    snprintf(file, sizeof file, "%s_ours.hex", w->name);
    pu_write(pu_path(dir, file), text, len);
    free(text);
    pu_sh("srec_cmp %s -intel %s -intel", pu_path(dir, file), ref_hex);
    /* wider addresses than needed are fine, narrower are refused */
    assert_int_equal(fwp_srec_format(&r->img, 4, &text, &len, &err), 0);
    free(text);
    if (w->ab > 2) {
        assert_int_equal(fwp_srec_format(&r->img, 2, &text, &len, &err), -1);
        expect_in(err.msg, "needs");
    }
}

static void test_srec_hex_vs_srec_cat(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof widths / sizeof widths[0]; i++) {
        ref_image r;
        make_ref(widths[i].name, widths[i].spans, 3, &r);
        check_srec_cat(&widths[i], &r);
        check_writers(&widths[i], &r);
        fwp_image_free(&r.img);
    }
}

/* A raw binary that srec_cat cut out of an S-record file, at its address;
 * and the same container from every format of the same image. */
static void test_bin_and_same_container(void **state)
{
    (void)state;
    ref_image r;
    fwp_image got;
    make_ref("c", img24, 3, &r);
    const char *s28 = pu_path(dir, "c.s28"), *bin = pu_path(dir, "c0.bin");
    pu_sh("srec_cat %s -o %s -motorola -address-length=3 "
       "-execution-start-address=0x20000", r.src, s28);
    pu_sh("srec_cat %s -motorola -crop 0x20000 0x20bb8 -offset -0x20000 -o %s "
       "-binary", s28, bin);
    load(bin, 1, 0x20000, &got);
    assert_int_equal(got.count, 1);
    assert_int_equal(got.segs[0].addr, 0x20000);
    assert_int_equal(got.segs[0].len, 3000);
    assert_memory_equal(got.segs[0].data, r.img.segs[0].data, 3000);
    fwp_image_free(&got);

    pu_sh("srec_cat %s -o %s -intel", r.src, pu_path(dir, "c.hex"));
    pu_sh("cp %s %s", s28, pu_path(dir, "c.mot"));
    pu_sh("cp %s %s", s28, pu_path(dir, "c-noext"));
    const char *ins[] = {"c.hex", "c.s28", "c.mot", "c-noext"};
    char *first = NULL;
    size_t first_len = 0;
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    for (size_t i = 0; i < 4; i++) {
        const char *o = pu_path(dir, "c.fwpk");
        assert_int_equal(
            pu_run("pack --unsigned --version 1.0.0 --product c %s -o %s",
                   pu_path(dir, ins[i]), o),
            0);
        size_t len;
        char *box = pu_read(o, &len);
        if (!first) {
            first = box;
            first_len = len;
            continue;
        }
        if (len != first_len || memcmp(box, first, len) != 0)
            fail_msg("%s packs differently from %s", ins[i], ins[0]);
        free(box);
    }
    unsetenv("SOURCE_DATE_EPOCH");
    free(first);
    fwp_image_free(&r.img);
}

/* ---- ELF vs objcopy ---- */

/* Every byte of 'part' is in 'whole', with the same value. */
static void contained(const fwp_image *part, const fwp_image *whole,
                      const char *what)
{
    for (size_t i = 0; i < part->count; i++) {
        const fwp_seg *p = &part->segs[i];
        size_t j = 0;
        while (j < whole->count &&
               (uint64_t)whole->segs[j].addr + whole->segs[j].len <= p->addr)
            j++;
        const fwp_seg *w = j < whole->count ? &whole->segs[j] : NULL;
        if (!w || w->addr > p->addr ||
            (uint64_t)p->addr + p->len > (uint64_t)w->addr + w->len ||
            memcmp(w->data + (p->addr - w->addr), p->data, p->len) != 0)
            fail_msg("%s: 0x%08x+%u not read, or read differently", what,
                     (unsigned)p->addr, (unsigned)p->len);
    }
}

/* exact: no padding between sections, so objcopy -O ihex has exactly the
 * segments' bytes; else its bytes must be among them. */
static void check_elf(const char *elf, const char *bin, const char *hex,
                      int exact)
{
    fwp_image img, ref;
    size_t flat_len, bin_len;
    load(pu_path(dir, elf), 0, 0, &img);
    load(pu_path(dir, hex), 0, 0, &ref);
    /* objcopy -O ihex writes the sections' bytes at their LMAs */
    if (exact)
        same_image(&img, &ref, elf);
    else
        contained(&ref, &img, elf);
    /* objcopy -O binary: from the lowest LMA, gaps filled with zeros */
    uint8_t *flat = flatten(&img, 0, &flat_len);
    char *b = pu_read(pu_path(dir, bin), &bin_len);
    assert_non_null(b);
    assert_int_equal(flat_len, bin_len);
    assert_memory_equal(flat, b, bin_len);
    free(flat);
    free(b);
    fwp_image_free(&img);
    fwp_image_free(&ref);
}

static void test_elf_vs_objcopy(void **state)
{
    (void)state;
    check_elf("app.elf", "app.bin", "app.hex", 1);
    check_elf("big.elf", "big.bin", "big.hex", 0);

    fwp_image img;
    load(pu_path(dir, "app.elf"), 0, 0, &img);
    /* .data's initial value sits at its LMA right after .text, nothing at
     * its VMA in RAM, and .bss (memsz beyond filesz) is not there */
    assert_int_equal(img.count, 1);
    assert_int_equal(img.segs[0].addr, 0x08000000);
    const fwp_seg *s = &img.segs[0];
    int found = 0;
    for (size_t i = s->len - 12; i + 4 <= s->len; i++)
        found |= memcmp(s->data + i, "\x42\xee\xff\xc0", 4) == 0;
    assert_true(found);
    assert_true(s->len < 0x100); /* table[64] would add 256 bytes */
    fwp_image_free(&img);

    /* by magic, whatever the name; .axf */
    pu_sh("cp %s %s", pu_path(dir, "app.elf"), pu_path(dir, "app-noext"));
    pu_sh("cp %s %s", pu_path(dir, "app.elf"), pu_path(dir, "app.axf"));
    check_elf("app-noext", "app.bin", "app.hex", 1);
    check_elf("app.axf", "app.bin", "app.hex", 1);

    /* through the CLI: the container decodes to the objcopy image */
    const char *o = pu_path(dir, "elf.fwpk");
    assert_int_equal(pu_run("pack --unsigned --mcu stm32l432kc %s -o %s",
                            pu_path(dir, "big.elf"), o),
                     0);
    assert_int_equal(pu_run("inspect %s", o), 0);
    expect_in(pu_out, "digest       ok");
}

/* ---- malformed inputs ---- */

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Packing 'file' fails with exit 3, 'want' in the message, no output. */
static void refused(const char *file, const char *want)
{
    const char *o = pu_path(dir, "bad.fwpk");
    char full[600];
    assert_int_equal(pu_run("pack --unsigned %s -o %s", pu_path(dir, file), o),
                     3);
    snprintf(full, sizeof full, "fwpack: %s%s", pu_path(dir, file), want);
    expect_in(pu_err, full);
    assert_null(strchr(strchr(pu_err, '\n') + 1, '\n')); /* one line */
    assert_false(pu_exists(o));
}

static void bad_elf(const char *file, const uint8_t *d, size_t len,
                    const char *want)
{
    pu_write(pu_path(dir, file), d, len);
    refused(file, want);
}

static void test_malformed_elf(void **state)
{
    (void)state;
    size_t len;
    uint8_t *e = (uint8_t *)pu_read(pu_path(dir, "app.elf"), &len);
    uint8_t *d = malloc(len);
    char want[200];
    assert_non_null(e);
    assert_non_null(d);
    uint32_t phoff = le32(e + 28);
    uint32_t off0 = le32(e + phoff + 4), off1 = le32(e + phoff + 32 + 4);
    uint32_t paddr0 = le32(e + phoff + 12);

    snprintf(want, sizeof want, ": offset 0x%x: segment 0 (0x", off0);
    bad_elf("trunc.elf", e, off0 + 16, want);
    bad_elf("hdr.elf", e, 40, ": offset 0x28: truncated ELF header");
    memcpy(d, e, len);
    d[4] = 2;
    bad_elf("e64.elf", d, len, ": offset 0x4: ELF64 file");
    memcpy(d, e, len);
    d[5] = 2;
    bad_elf("be.elf", d, len, ": offset 0x5: big-endian ELF");
    memcpy(d, e, len);
    put32(d + phoff + 32 + 12, paddr0 + 16); /* .data's LMA inside .text */
    snprintf(want, sizeof want, ": offset 0x%x: segment 1: data at 0x%08x",
             off1, paddr0 + 16);
    bad_elf("overlap.elf", d, len, want);
    expect_in(pu_err, "overlaps earlier data at 0x08000000");
    memcpy(d, e, len);
    put32(d + 28, (uint32_t)len - 8);
    snprintf(want, sizeof want, ": offset 0x%x: 2 program headers",
             (unsigned)len - 8);
    bad_elf("phdrs.elf", d, len, want);
    bad_elf("text.elf", (const uint8_t *)"hello", 5,
            ": offset 0x0: not an ELF file");
    free(d);
    free(e);
}

static void test_malformed_text(void **state)
{
    (void)state;
    /* valid: S0, two S1 records (4 bytes at 0, 2 at 0x10), S5 2, S9 */
    static const char good[] = "S00600004844521B\n"
                               "S107000001020304EE\n"
                               "S1050010AABB85\n"
                               "S5030002FA\n"
                               "S9030000FC\n";
    fwp_image img = {0};
    fwp_err err;
    assert_int_equal(fwp_srec_parse("g.s19", good, strlen(good), &img, &err),
                     0);
    assert_int_equal(img.count, 2);
    assert_int_equal(img.segs[1].addr, 0x10);
    fwp_image_free(&img);

    struct {
        const char *file, *text, *want;
    } cases[] = {
        {"sum.s19", "S0030000FC\nS107000001020304EF\nS9030000FC\n",
         ":2: bad checksum ef (expected ee)"},
        {"cut.s19", "S0030000FC\nS107000001020304EE\nS1050010AA",
         ":3: byte count 5 does not match line length"},
        {"type.s19", "S0030000FC\nS407000001020304EE\nS9030000FC\n",
         ":2: unknown record type S4"},
        {"digit.s19", "S0030000FC\nS1070000010G0304EE\nS9030000FC\n",
         ":2: bad hex digit 'G'"},
        {"count.s19", "S107000001020304EE\nS1050010AABB85\nS5030005F7\n",
         ":3: S5 record count 5, but 2 data records precede it"},
        {"after.s19", "S107000001020304EE\nS9030000FC\nS1050010AABB85\n",
         ":3: record after the termination record (line 2)"},
        {"short.s37", "S304000000FB\n", ":1: byte count 4 too small for "
                                        "an S3 record"},
        {"nodata.srec", "S0030000FC\nS9030000FC\n", ":2: no data records"},
        {"over.s19", "S107000001020304EE\nS1050002AABB93\n",
         ":2: data at 0x00000002..0x00000003 overlaps"},
        {"type.hex", ":00000006FA\n:00000001FF\n",
         ":1: unknown record type 06"},
        {"sum.hex", ":0400100001020304E3\n:00000001FF\n",
         ":1: bad checksum e3"},
        {"blob.dat", "\x01\x02garbage",
         ": offset 0x0: not Intel HEX, S-record or ELF"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pu_write_str(pu_path(dir, cases[i].file), cases[i].text);
        refused(cases[i].file, cases[i].want);
    }
    /* an address belongs to raw binaries only: usage error */
    pu_write_str(pu_path(dir, "g.s19"), good);
    assert_int_equal(pu_run("pack --unsigned -t app=%s@0x100 -o %s",
                            pu_path(dir, "g.s19"), pu_path(dir, "x.fwpk")),
                     2);
    expect_in(pu_err, "(S-record) carries its own addresses");
    assert_int_equal(pu_run("pack --unsigned --load-addr 0 %s -o %s",
                            pu_path(dir, "g.s19"), pu_path(dir, "x.fwpk")),
                     2);
    assert_int_equal(pu_run("pack --unsigned %s -o %s", pu_path(dir, "g.s19"),
                            pu_path(dir, "x.fwpk")),
                     0);
}

/* ---- --level max through the device verifier ---- */

static size_t pack_verify(box_setup *s, int level, const char *what)
{
    fwp_flash flash;
    box_policy pol;
    size_t len;
    memset(&pol, 0, sizeof pol);
    for (size_t i = 0; i < s->o.target_count; i++)
        s->t[i].level = level;
    uint8_t *box = box_pack(s, &len);
    fwpk_err e = box_verify(s, &pol, box, len, &flash);
    if (e != FWPK_OK)
        fail_msg("%s, level %d: verifier says %d", what, level, (int)e);
    if (!box_flash_matches(s, 0, &flash))
        fail_msg("%s, level %d: flash differs from the image", what, level);
    fwp_flash_free(&flash);
    free(box);
    return len;
}

/* Level 9 and max on one setup: both verify, max is smaller. */
static void compare_levels(box_setup *s, const char *what)
{
    size_t n9 = pack_verify(s, 9, what);
    size_t nmax = pack_verify(s, FWP_LEVEL_MAX, what);
    printf("  %-36s level 9 %7zu bytes, max %7zu bytes (%.2f%% smaller)\n",
           what, n9, nmax, 100.0 * ((double)n9 - (double)nmax) / (double)n9);
    if (nmax >= n9)
        fail_msg("%s: level max %zu bytes, not smaller than level 9 %zu",
                 what, nmax, n9);
}

/* Replaces target 0's image with img (taken over). */
static void use_image(box_setup *s, fwp_image *img)
{
    fwp_image_free(&s->t[0].image);
    s->t[0].image = *img;
    memset(img, 0, sizeof *img);
}

static void test_level_max(void **state)
{
    (void)state;
    box_setup s;
    fwp_image img;
    fwp_err err;

    box_init(&s, 64 * 1024);
    compare_levels(&s, "64 KiB synthetic, 4 KiB frames");
    s.t[0].frame_size = 256;
    compare_levels(&s, "64 KiB synthetic, 256-byte frames");
    s.t[0].frame_size = 8192;
    compare_levels(&s, "64 KiB synthetic, 8 KiB frames");
    box_free(&s);

    /* long runs: a frame takes much more input than it holds */
    box_init(&s, 8192);
    uint8_t *buf = malloc(96 * 1024);
    assert_non_null(buf);
    pu_firmware(buf, 96 * 1024, 7);
    memset(buf + 8192, 0xff, 80 * 1024);
    memset(&img, 0, sizeof img);
    assert_int_equal(fwp_image_add(&img, BOX_BASE, buf, 96 * 1024, "t",
                                   &err), 0);
    use_image(&s, &img);
    s.t[0].frame_size = 1024;
    compare_levels(&s, "8+80 KiB 0xFF+8 KiB, 1 KiB frames");
    free(buf);
    box_free(&s);

    /* real firmware, the thumb filter on */
    box_init(&s, 16);
    load(pu_path(dir, "big.elf"), 0, 0, &img);
    use_image(&s, &img);
    s.t[0].filter = FWPK_FILTER_THUMB;
    compare_levels(&s, "newlib program (big.elf), thumb");

    /* zopfli's window is 32 KiB: a smaller window is refused */
    s.t[0].level = FWP_LEVEL_MAX;
    s.t[0].window_bits = 12;
    uint8_t *box;
    size_t len;
    assert_int_equal(fwp_pack(&s.o, &box, &len, &err), -1);
    expect_in(err.msg, "target main: level max (zopfli, 32 KiB window) "
                       "needs window bits 15, not 12");
    box_free(&s);

    /* the CLI: 'max', and the MCU profile's window */
    const char *elf = pu_path(dir, "app.elf"), *o = pu_path(dir, "max.fwpk");
    const char *mcus = pu_path(dir, "mcus.txt");
    pu_write_str(mcus, "w12 arch=cortex-m0plus flash-base=0x08000000 "
                       "flash-size=64K erase-block=2K write-unit=8 ram=8K "
                       "window-bits=12\n");
    assert_int_equal(pu_run("pack --unsigned --level max --mcu-file %s "
                            "--mcu w12 %s -o %s",
                            mcus, elf, o),
                     2);
    expect_in(pu_err, "--level max needs window bits 15");
    expect_in(pu_err, "w12 has 12");
    assert_int_equal(pu_run("pack --unsigned --level max --window-bits 14 %s "
                            "-o %s",
                            elf, o),
                     2);
    assert_int_equal(pu_run("pack --unsigned --level 10 %s -o %s", elf, o), 2);
    assert_false(pu_exists(o));
    assert_int_equal(pu_run("pack --unsigned --level max --mcu-file %s "
                            "--mcu w12 --window-bits 15 %s -o %s",
                            mcus, elf, o),
                     0);
    assert_int_equal(pu_run("inspect %s", o), 0);
    expect_in(pu_out, "digest       ok");
}

/* ---- Notehub: size limits, info string ---- */

static void random_bin(const char *file, size_t n)
{
    uint8_t *b = malloc(n);
    uint32_t x = 2463534242u;
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b[i] = (uint8_t)x;
    }
    pu_write(pu_path(dir, file), b, n);
    free(b);
}

static void test_size_limits(void **state)
{
    (void)state;
    const char *o = pu_path(dir, "size.fwpk");
    const char *opts = "--unsigned --version 1.0.0 --codec none "
                       "--load-addr 0x08000000";
    random_bin("r1600k.bin", 1600000);
    random_bin("r1000k.bin", 1000000);
    random_bin("r500k.bin", 500000);

    assert_int_equal(
        pu_run("pack %s %s -o %s", opts, pu_path(dir, "r1600k.bin"), o), 3);
    expect_in(pu_err, "more than Notehub accepts for host firmware "
                      "(1572864 bytes");
    assert_false(pu_exists(o));
    assert_int_equal(pu_run("pack %s --max-size 2000000 %s -o %s", opts,
                            pu_path(dir, "r1600k.bin"), o),
                     0);
    expect_in(pu_err, "warning:");
    assert_int_equal(pu_run("pack %s --max-size 0 %s -o %s --force", opts,
                            pu_path(dir, "r1600k.bin"), o),
                     0);

    assert_int_equal(
        pu_run("pack %s %s -o %s --force", opts, pu_path(dir, "r1000k.bin"), o),
        0);
    expect_in(pu_err, "more than WiFi Notecards accept for host firmware "
                      "(921600 bytes");
    assert_int_equal(
        pu_run("pack %s %s -o %s --force", opts, pu_path(dir, "r500k.bin"), o),
        0);
    assert_string_equal(pu_err, "");

    assert_int_equal(pu_run("pack %s --max-size 1000 %s -o %s", opts,
                            pu_path(dir, "r500k.bin"), pu_path(dir, "s.fwpk")),
                     3);
    expect_in(pu_err, "more than --max-size 1000");
    expect_in(pu_err, "nothing written");
    assert_false(pu_exists(pu_path(dir, "s.fwpk")));
    assert_int_equal(pu_run("pack %s --max-size lots %s -o %s", opts,
                            pu_path(dir, "r500k.bin"), pu_path(dir, "s.fwpk")),
                     2);
}

static void test_versions(void **state)
{
    (void)state;
    fwp_version v;
    fwp_err err;
    assert_int_equal(fwp_version_parse("1.2.3", &v, &err), 0);
    assert_true(v.major == 1 && v.minor == 2 && v.patch == 3 && v.build == 0);
    assert_string_equal(v.pre, "");
    assert_int_equal(fwp_version_parse("1.2.3-rc1", &v, &err), 0);
    assert_string_equal(v.pre, "rc1");
    assert_int_equal(v.build, 0);
    assert_int_equal(fwp_version_parse("1.2.3+45", &v, &err), 0);
    assert_string_equal(v.pre, "");
    assert_int_equal(v.build, 45);
    assert_int_equal(fwp_version_parse("10.20.30-rc.1+4294967295", &v, &err),
                     0);
    assert_string_equal(v.pre, "rc.1");
    assert_int_equal(v.build, 4294967295u);
    const char *bad[] = {"1.2", "v1.2.3", "1.2.3-", "1.2.3+", "1.2.3+abc",
                         "1.2.3-r_c", "1.2.3 ", "1.2.3+4294967296", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (fwp_version_parse(bad[i], &v, &err) == 0)
            fail_msg("version '%s' accepted", bad[i]);
    /* each refusal says what is wrong */
    assert_int_equal(fwp_version_parse("1.2.3-r_c", &v, &err), -1);
    expect_in(err.msg, "PRE is 1 or more of 0-9 a-z A-Z . -");
    assert_int_equal(fwp_version_parse("1.2.3+abc", &v, &err), -1);
    expect_in(err.msg, "BUILD is a number");
    assert_int_equal(fwp_version_parse("1.2.3 ", &v, &err), -1);
    expect_in(err.msg, "unexpected ' ' at byte 5");
    /* SPEC.md 4.1: the version string may be 63 bytes, so PRE up to 57
     * (issue 24: PRE over 31 bytes was refused as "BUILD a number") */
    char pre57[64] = "1.2.3-", longer[66];
    memset(pre57 + 6, 'p', 57);
    pre57[63] = 0;
    assert_int_equal(fwp_version_parse(pre57, &v, &err), 0);
    assert_int_equal(strlen(v.pre), 57);
    snprintf(longer, sizeof longer, "%.61s+7", pre57); /* 63 with BUILD */
    assert_int_equal(fwp_version_parse(longer, &v, &err), 0);
    assert_int_equal(strlen(v.pre), 55);
    assert_int_equal(v.build, 7);
    snprintf(longer, sizeof longer, "%sp", pre57);
    assert_int_equal(fwp_version_parse(longer, &v, &err), -1);
    expect_in(err.msg, "longer than 63 bytes");

    /* the info string Notehub reads: version fields, built, builder */
    const char *o = pu_path(dir, "v.fwpk");
    setenv("SOURCE_DATE_EPOCH", "1700000000", 1);
    assert_int_equal(pu_run("pack --unsigned --version 1.2.3-rc1+45 %s -o %s",
                            pu_path(dir, "app.elf"), o),
                     0);
    unsetenv("SOURCE_DATE_EPOCH");
    assert_int_equal(pu_run("inspect %s", o), 0);
    expect_in(pu_out, "\"version\":\"1.2.3-rc1+45\",\"ver_major\":1,"
                      "\"ver_minor\":2,\"ver_patch\":3,\"ver_build\":45,"
                      "\"built\":\"2023-11-14 22:13:20\","
                      "\"builder\":\"fwpack " FWPACK_VERSION "\"");
    assert_int_equal(pu_run("pack --unsigned --version 1.2 %s -o %s --force",
                            pu_path(dir, "app.elf"), o),
                     2); /* a bad option value: usage */
    expect_in(pu_err, "version '1.2'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_srec_hex_vs_srec_cat),
        cmocka_unit_test(test_bin_and_same_container),
        cmocka_unit_test(test_elf_vs_objcopy),
        cmocka_unit_test(test_malformed_elf),
        cmocka_unit_test(test_malformed_text),
        cmocka_unit_test(test_level_max),
        cmocka_unit_test(test_size_limits),
        cmocka_unit_test(test_versions),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
