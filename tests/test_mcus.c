/* test_mcus.c - MCU profiles: fwpack mcus (table and --json), the README's
 * table, windows and frames from the one fit rule, the verifier builds'
 * figures against make size, ids in any case, the warning when the
 * verifier does not fit, profile files (--mcu-file, FWPACK_MCU_PATH) and
 * their errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"
#include "pack_util.h"

static const char *dir;

static const char *P(const char *name)
{
    return pu_path(dir, name);
}

static int setup(void **state)
{
    (void)state;
    uint8_t img[6000];
    dir = pu_tmpdir();
    pu_firmware(img, sizeof img, 7);
    pu_write(P("app.bin"), img, sizeof img);
    return pu_run("keygen -o %s", P("k.pem")) ||
           pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem"));
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* The number after "key": in the JSON object text obj. */
static long num(const char *obj, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(obj, k);
    if (!p)
        fail_msg("no %s in %.200s", key, obj);
    return strtol(p + strlen(k), NULL, 10);
}

/* The object of profile id in fwpack mcus --json output (malloc'd). */
static char *profile_json(const char *json, const char *id)
{
    char k[64];
    snprintf(k, sizeof k, "{\"id\":\"%s\"", id);
    const char *p = strstr(json, k);
    if (!p)
        return NULL;
    return strndup(p, strcspn(p, "}") + 1);
}

/* ---- the built-in table ---- */

/* Every profile names a build with figures, and with today's figures its
 * own build, window and frame fit the part, except on the parts README
 * says no verifier fits (for those, nothing the rule could pick fits
 * either); the geometry is one pack accepts. */
static void test_table_fits(void **state)
{
    (void)state;
    size_t n;
    const fwp_mcu *t = fwp_mcu_table(&n);
    assert_true(n >= 24);
    for (size_t i = 0; i < n; i++) {
        if (!fwp_verifier_build_find(t[i].build))
            fail_msg("%s: no verifier build '%s'", t[i].id, t[i].build);
        fwp_mcu_fit own, best;
        uint32_t w, f;
        fwp_mcu_fit_check(&t[i], t[i].window_bits, t[i].frame_size, &own);
        const char *b = fwp_verifier_build_for(t[i].arch, t[i].ram_size);
        fwp_mcu rule = t[i];
        snprintf(rule.build, sizeof rule.build, "%s", b);
        fwp_verifier_defaults(fwp_verifier_build_find(b), t[i].ram_size, &w,
                              &f);
        fwp_mcu_fit_check(&rule, w, f, &best);
        if (!(best.ram_fits && best.flash_fits))
            fail_msg("%s: the rule's %s build does not fit it", t[i].id, b);
        if (!(own.ram_fits && own.flash_fits))
            fail_msg("%s: its %s build at window 2^%u, %u-byte frames needs "
                     "%u bytes of RAM, %u of flash: no longer fits",
                     t[i].id, t[i].build, (unsigned)t[i].window_bits,
                     (unsigned)t[i].frame_size, (unsigned)own.ram_need,
                     (unsigned)own.flash_need);
        assert_true(t[i].erase_block >= t[i].write_unit);
        assert_true((t[i].write_unit & (t[i].write_unit - 1)) == 0);
        assert_true((t[i].erase_block & (t[i].erase_block - 1)) == 0);
        assert_ptr_equal(fwp_mcu_find(t[i].id), &t[i]);
    }
    const char *asked[] = {"nrf51822",    "atmega328pb", "atmega64a",
                           "atmega1284p", "atmega4809",  "atsamd51j19a",
                           "stm32f030c8", "stm32f103c8", "stm32l053r8",
                           "stm32l432kc", "stm32g431kb"};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++)
        if (!fwp_mcu_find(asked[i]))
            fail_msg("no profile %s", asked[i]);
    /* the one place: RAM need = fixed + window + frame buffer when
     * buffered, fixed + ring + frame buffer when buffered with the window
     * in flash, fixed when streaming */
    fwp_mcu_fit f;
    fwp_mcu_fit_check(fwp_mcu_find("stm32l432kc"), 12, 4096, &f);
    assert_true(f.known && f.ram_fits && !f.ram_tight);
    assert_int_equal(f.ram_need, fwp_verifier_build_find("cortex-m4")
                                         ->ram_fixed + 4096 + 34 + 4096);
    fwp_mcu_fit_check(fwp_mcu_find("stm32f103c8"), 15, 4096, &f);
    assert_true(f.known && f.ram_fits && !f.ram_tight); /* 20 KiB */
    assert_string_equal(f.build->id, "cortex-m3-flashwin");
    assert_int_equal(f.ram_need, fwp_verifier_build_find("cortex-m3")
                                         ->ram_fixed + 512 + 34 + 4096);
    /* the rule: the window in RAM where 2^15 and 4 KiB frames fit in 3/4
     * of it, else in flash behind a ring, else streaming; else the build
     * that needs the least */
    assert_string_equal(fwp_verifier_build_for("cortex-m3", 64 * 1024),
                        "cortex-m3");
    assert_string_equal(fwp_verifier_build_for("cortex-m3", 20 * 1024),
                        "cortex-m3-flashwin");
    assert_string_equal(fwp_verifier_build_for("cortex-m3", 8 * 1024),
                        "cortex-m3-flashwin");
    assert_string_equal(fwp_verifier_build_for("cortex-m0plus", 32 * 1024),
                        "cortex-m0plus-flashwin");
    assert_string_equal(fwp_verifier_build_for("cortex-m0plus", 8 * 1024),
                        "cortex-m0plus-stream");
    assert_string_equal(fwp_verifier_build_for("rv32imc", 8 * 1024),
                        "rv32imc");
    assert_string_equal(fwp_verifier_build_for("avr", 64 * 1024),
                        "avr-stream");
    /* issue 15: the small parts pack 2^15 and 4 KiB frames */
    const char *small[] = {"atmega328p",  "atmega328pb",  "atmega64a",
                           "atmega1284p", "atsamd21g18a", "stm32f103c8",
                           "stm32l073rz", "stm32g071rb",  "stm32g431kb",
                           "stm32g030k8"};
    for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
        const fwp_mcu *m = fwp_mcu_find(small[i]);
        if (m->window_bits != 15 || m->frame_size != 4096)
            fail_msg("%s: window 2^%u, %u-byte frames", m->id,
                     (unsigned)m->window_bits, (unsigned)m->frame_size);
    }
    const fwp_mcu *g = fwp_mcu_find("STM32G030K8");
    fwp_mcu_fit_check(g, 12, 1024, &f);
    assert_int_equal(f.ram_need,
                     fwp_verifier_build_find("cortex-m0plus-stream")
                         ->ram_fixed);
    assert_true(f.ram_fits && f.flash_fits);
    fwp_mcu_fit_check(g, 15, 8192, &f); /* the window is in flash */
    assert_true(f.ram_fits);
    /* the ATmega328P: only the in-place build (no resume, one target)
     * fits its 2 KB, tightly; the streaming build with resume does not */
    assert_string_equal(fwp_verifier_build_for("avr", 2 * 1024), "avr-one");
    fwp_mcu_fit_check(fwp_mcu_find("atmega328p"), 15, 4096, &f);
    assert_string_equal(f.build->id, "avr-one");
    assert_true(f.ram_fits && f.ram_tight && f.flash_fits);
    fwp_mcu m328 = *fwp_mcu_find("atmega328p");
    snprintf(m328.build, sizeof m328.build, "avr-stream");
    fwp_mcu_fit_check(&m328, 15, 4096, &f);
    assert_false(f.ram_fits); /* 2.2 KB in 2 KB */
    /* 2.9 KB in 4 KB: a quarter is left for the rest of the bootloader */
    fwp_mcu_fit_check(fwp_mcu_find("atmega64a"), 15, 4096, &f);
    assert_true(f.ram_fits && !f.ram_tight && f.flash_fits);
}

/* The builds' figures are make size's (bench/size.sh, on make cross's
 * objects, which make check builds first), within 5%: flash is "total",
 * fixed RAM "ram.all" less the window (2^15) and frame buffer (8 KiB + 34)
 * a buffered build reserves.  When the verifier changes,
 * tools/lib/verifier_fit.c must follow. */
static void test_builds_match_make_size(void **state)
{
    (void)state;
    size_t n;
    const fwp_verifier_build *b = fwp_verifier_builds(&n);
    static char out[1 << 16];
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "sh bench/size.sh build/cross "
             "bench/size_budgets cortex-m0plus=arm-none-eabi- "
             "cortex-m0plus-min=arm-none-eabi- "
             "cortex-m0plus-stream=arm-none-eabi- "
             "cortex-m0plus-stream-min=arm-none-eabi- cortex-m3=arm-none-eabi- "
             "cortex-m4=arm-none-eabi- rv32imc=riscv64-unknown-elf- "
             "atmega328p=avr- atmega328p-one=avr- cortex-m0plus-lzma=arm-none-eabi- "
             "cortex-m0plus-stream-lzma=arm-none-eabi- "
             "cortex-m3-lzma=arm-none-eabi- cortex-m4-lzma=arm-none-eabi- "
             "rv32imc-lzma=riscv64-unknown-elf- atmega1284p-lzma=avr-");
    assert_int_equal(pu_capture(cmd, out, sizeof out), 0);
    for (size_t i = 0; i < n; i++) {
        const char *fig[2] = {"total", "ram.all"};
        long reserved = b[i].buffered ? 32768 + 34 + 8192 : 0;
        uint32_t have[2] = {b[i].flash, b[i].ram_fixed};
        for (int k = 0; k < 2; k++) {
            char key[96];
            snprintf(key, sizeof key, "\n%s %s ", b[i].size_target, fig[k]);
            const char *p = strstr(out, key);
            if (!p)
                fail_msg("make size printed no \"%s %s\" (run make cross "
                         "first):\n%.500s", b[i].size_target, fig[k], out);
            long measured = strtol(p + strlen(key), NULL, 10) -
                            (k == 1 ? reserved : 0);
            if (labs(measured - (long)have[k]) * 20 > measured)
                fail_msg("verifier build %s: %s is %u in verifier_fit.c, "
                         "make size says %ld: update the table",
                         b[i].id, fig[k], (unsigned)have[k], measured);
        }
    }
}

/* ---- fwpack mcus ---- */

static void test_mcus_command(void **state)
{
    (void)state;
    size_t n;
    const fwp_mcu *t = fwp_mcu_table(&n);
    assert_int_equal(pu_run("mcus"), 0);
    assert_string_equal(pu_err, "");
    for (size_t i = 0; i < n; i++) {
        char row[64];
        snprintf(row, sizeof row, "\n%s ", t[i].id);
        if (!strstr(pu_out, row))
            fail_msg("fwpack mcus has no row for %s", t[i].id);
    }
    assert_non_null(strstr(pu_out, "avr-one")); /* atmega328p */
    assert_non_null(strstr(pu_out, "tight\n"));
    assert_int_equal(pu_run("mcus --json"), 0);
    assert_int_equal(strchr(pu_out, '\n') - pu_out + 1, strlen(pu_out));
    char *g = profile_json(pu_out, "stm32g030k8");
    assert_non_null(g);
    assert_int_equal(num(g, "flash_base"), 0x08000000);
    assert_int_equal(num(g, "flash_size"), 65536);
    assert_int_equal(num(g, "erase_block"), 2048);
    assert_int_equal(num(g, "write_unit"), 8);
    assert_int_equal(num(g, "ram"), 8192);
    assert_int_equal(num(g, "window_bits"), 15);
    assert_int_equal(num(g, "frame_size"), 4096);
    assert_non_null(strstr(g, "\"filter\":\"thumb\""));
    assert_non_null(strstr(g, "\"verifier_build\":\"cortex-m0plus-stream\""));
    assert_non_null(strstr(g, "\"fits\":true"));
    assert_non_null(strstr(g, "\"source\":null"));
    free(g);
    assert_non_null(strstr(pu_out, "\"builds\":[{\"id\":\"cortex-m0plus\""));
    /* ids in any case; an unknown one is a usage error */
    assert_int_equal(pu_run("mcus NRF51822 atmega1284P"), 0);
    assert_non_null(strstr(pu_out, "\nnrf51822 "));
    assert_non_null(strstr(pu_out, "\natmega1284p "));
    assert_null(strstr(pu_out, "stm32"));
    assert_int_equal(pu_run("mcus z80 --json"), 2);
    pu_one_error(pu_err, "mcus", "'z80'", "fwpack mcus", NULL);
    assert_non_null(strstr(pu_out, "\"ok\":false"));
}

/* README's profile table (section "MCU profiles") says what fwpack mcus
 * says: every profile, its geometry, RAM, window, frame and fit. */
static void test_readme_table(void **state)
{
    (void)state;
    size_t n, rows = 0;
    fwp_mcu_table(&n);
    char *readme = pu_read("README.md", NULL);
    assert_non_null(readme);
    assert_int_equal(pu_run("mcus --json"), 0);
    for (char *line = strtok(readme, "\n"); line; line = strtok(NULL, "\n")) {
        char id[40], arch[40], base[20], size[20], erase[20], ram[20], fits[40];
        unsigned wu, wb, fs;
        if (sscanf(line, "| `%39[^`]` | %39s | %19s | %19s | %19s | %u | "
                         "%19s | %u | %u | %39[^|]|",
                   id, arch, base, size, erase, &wu, ram, &wb, &fs,
                   fits) != 10)
            continue;
        const fwp_mcu *m = fwp_mcu_find(id);
        if (!m)
            fail_msg("README lists %s, fwpack has no such profile", id);
        char want[256], got[256], s[3][16];
        const char *k[] = {"", "K", "M"};
        uint32_t v[3] = {m->flash_size, m->erase_block, m->ram_size};
        for (int i = 0; i < 3; i++) {
            int u = v[i] % (1u << 20) == 0 ? 2 : v[i] % 1024 == 0 ? 1 : 0;
            snprintf(s[i], sizeof s[i], "%u%s",
                     (unsigned)(v[i] >> (10 * u)), k[u]);
        }
        fwp_mcu_fit f;
        fwp_mcu_fit_check(m, m->window_bits, m->frame_size, &f);
        snprintf(want, sizeof want, "%s 0x%08x %s %s %u %s %u %u %s", m->arch,
                 (unsigned)m->flash_base, s[0], s[1], (unsigned)m->write_unit,
                 s[2], (unsigned)m->window_bits, (unsigned)m->frame_size,
                 !(f.ram_fits && f.flash_fits) ? "no"
                 : f.ram_tight                 ? "tight"
                                               : "yes");
        fits[strcspn(fits, " :")] = 0;
        snprintf(got, sizeof got, "%s %s %s %s %u %s %u %u %s", arch, base,
                 size, erase, wu, ram, wb, fs, fits);
        if (strcmp(want, got) != 0)
            fail_msg("README row for %s says\n  %s\nfwpack says\n  %s", id,
                     got, want);
        rows++;
    }
    free(readme);
    assert_int_equal(rows, n);
}

/* ---- pack with profiles ---- */

/* --mcu in any case packs the profile's own id (the device compares it
 * byte for byte); verify --mcu takes any case too. */
static void test_ids_ignore_case(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu STM32L432KC "
                            "--load-addr 0x08000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("l4.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    assert_int_equal(pu_run("inspect --json %s", P("l4.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"mcu\":\"stm32l432kc\""));
    assert_int_equal(pu_run("verify -p %s --mcu Stm32L432kc %s", P("pub.pem"),
                            P("l4.fwpk")),
                     0);
    assert_int_equal(pu_run("verify -p %s --mcu stm32g030k8 %s",
                            P("pub.pem"), P("l4.fwpk")),
                     1);
    pu_one_error(pu_err, "l4.fwpk", "another MCU", "stm32l432kc",
                 "--mcu is stm32g030k8", NULL);
}

/* A profile the verifier does not fit: packed (the container is fine),
 * with one warning line that says by how much; none when it fits. */
static void test_fit_warning(void **state)
{
    (void)state;
    /* an AVR with 1 KB of RAM (an ATmega168's): not even avr-one fits */
    pu_write_str(P("t1.txt"), "t1 arch=avr flash-size=32K erase-block=128 "
                              "write-unit=128 ram=1K\n");
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu-file %s "
                            "--mcu t1 --load-addr 0 %s -o %s",
                            P("k.pem"), P("t1.txt"), P("app.bin"),
                            P("avr.fwpk")),
                     0);
    assert_true(pu_exists(P("avr.fwpk")));
    assert_int_equal(pu_warnings(pu_err, "does not fit the t1"), 1);
    assert_int_equal(pu_warnings(pu_err, "(the part has 1024)"), 1);
    assert_int_equal(pu_warnings(pu_err, "(the part has 32768)"), 0);
    assert_int_equal(pu_warnings(pu_err, "fwpack mcus"), 1);
    /* the ATmega328P's in-place build fits: no warning; but it takes
     * neither LZMA nor a second target */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu atmega328p "
                            "--load-addr 0 %s -o %s",
                            P("k.pem"), P("app.bin"), P("avr.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu atmega328p "
                            "--codec lzma --load-addr 0 %s -o %s",
                            P("k.pem"), P("app.bin"), P("avr.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "avr-one build has no LZMA decoder"),
                     1);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu atmega328p "
                            "-t a=%s@0 -t b=%s@0x4000 -o %s",
                            P("k.pem"), P("app.bin"), P("app.bin"),
                            P("avr.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "takes containers of one target"),
                     2);
    /* a buffered build with the window in RAM: the warning follows the
     * window and frame packed, not the profile's defaults */
    pu_write_str(P("f1.txt"), "f1 arch=cortex-m3 flash-base=0x08000000 "
                              "flash-size=64K erase-block=1K write-unit=2 "
                              "ram=20K window-bits=12 build=cortex-m3\n");
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu-file %s "
                            "--mcu f1 --window-bits 15 --load-addr 0x08000000 "
                            "%s -o %s",
                            P("k.pem"), P("f1.txt"), P("app.bin"),
                            P("f1.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "window 2^15"), 1);
    assert_int_equal(pu_warnings(pu_err, "(the part has 20480)"), 1);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu-file %s "
                            "--mcu f1 --load-addr 0x08000000 %s -o %s",
                            P("k.pem"), P("f1.txt"), P("app.bin"),
                            P("f1.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    /* its flash-window build takes 2^15 in the same part */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu stm32f103c8 "
                            "--window-bits 15 --load-addr 0x08000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("f1.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    /* but not a delta's window, which must be in its 512-byte ring */
    uint8_t img[6000];
    pu_firmware(img, sizeof img, 7);
    img[100] ^= 1;
    pu_write(P("app2.bin"), img, sizeof img);
    assert_int_equal(pu_run("pack -k %s --version 1.0.1 --mcu stm32f103c8 "
                            "--base %s --load-addr 0x08000000 %s -o %s",
                            P("k.pem"), P("f1.fwpk"), P("app2.bin"),
                            P("d.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "cortex-m3-flashwin build has 2^9"),
                     1);
    assert_int_equal(pu_warnings(pu_err, "--window-bits 9"), 1);
    assert_int_equal(pu_run("pack -k %s --version 1.0.1 --mcu stm32f103c8 "
                            "--base %s --window-bits 9 --load-addr 0x08000000 "
                            "%s -o %s",
                            P("k.pem"), P("f1.fwpk"), P("app2.bin"),
                            P("d.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    /* a 256-byte ring is below every window; AVR's build has no deltas */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu stm32g030k8 "
                            "--load-addr 0x08000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("g0.fwpk")),
                     0);
    assert_int_equal(pu_run("pack -k %s --version 1.0.1 --mcu stm32g030k8 "
                            "--base %s --load-addr 0x08000000 %s -o %s",
                            P("k.pem"), P("g0.fwpk"), P("app2.bin"),
                            P("d.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "build has 2^8"), 1);
    assert_int_equal(pu_warnings(pu_err, "with --codec none"), 1);
    assert_int_equal(pu_run("pack -k %s --version 1.0.1 --mcu stm32g030k8 "
                            "--base %s --codec none --load-addr 0x08000000 "
                            "%s -o %s",
                            P("k.pem"), P("g0.fwpk"), P("app2.bin"),
                            P("d.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu atmega1284p "
                            "--load-addr 0 %s -o %s",
                            P("k.pem"), P("app.bin"), P("m0.fwpk")),
                     0);
    assert_int_equal(pu_run("pack -k %s --version 1.0.1 --mcu atmega1284p "
                            "--base %s --codec none --load-addr 0 %s -o %s",
                            P("k.pem"), P("m0.fwpk"), P("app2.bin"),
                            P("d.fwpk")),
                     0);
    assert_int_equal(pu_warnings(pu_err, "leaves delta updates out"), 1);
}

/* LZMA: the dictionary is read back from flash, so a 1 MiB one costs no
 * RAM; the probability table does (the build with LZMA, "<build>-lzma",
 * and more for lc + lp above 1). */
static void test_fit_lzma(void **state)
{
    (void)state;
    const fwp_mcu *l4 = fwp_mcu_find("stm32l432kc");
    const fwp_verifier_build *b = fwp_verifier_build_find("cortex-m4-lzma");
    fwp_mcu_fit f;
    assert_non_null(b);
    fwp_mcu_fit_check_lzma(l4, 20, 4096, 45 + 9, &f);
    assert_true(f.known && f.ram_fits && f.flash_fits);
    assert_ptr_equal(f.build, b);
    assert_int_equal(f.ram_need, b->ram_fixed + (1u << 15) + 34 + 4096);
    assert_true(b->ram_fixed > 2 * (1846 + (0x300 << 1))); /* the table */
    fwp_mcu_fit_check_lzma(l4, 13, 4096, 45 + 9, &f); /* a small dictionary */
    assert_int_equal(f.ram_need, b->ram_fixed + (1u << 13) + 34 + 4096);
    fwp_mcu_fit_check_lzma(l4, 13, 4096, 45 + 9 * 2 + 1, &f); /* lc 1 lp 2 */
    assert_int_equal(f.ram_need, b->ram_fixed + (1u << 13) + 34 + 4096 +
                                     2 * ((0x300u << 3) - (0x300u << 1)));
    fwp_mcu_fit_check_lzma(fwp_mcu_find("stm32f030c8"), 16, 4096, 54, &f);
    assert_true(f.known && !f.ram_fits); /* 8 KB: no room for the table */
    assert_string_equal(f.build->id, "cortex-m0plus-stream-lzma");
    fwp_mcu_fit_check_lzma(fwp_mcu_find("atmega1284p"), 16, 4096, 54, &f);
    assert_true(f.known && f.ram_fits && f.flash_fits);

    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu stm32l432kc "
                            "--codec lzma --window-bits 20 --load-addr "
                            "0x08000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("lz.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu stm32f030c8 "
                            "--codec lzma --load-addr 0x08000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("lz0.fwpk")),
                     0);
    assert_true(pu_exists(P("lz0.fwpk")));
    assert_int_equal(pu_warnings(pu_err, "does not fit the stm32f030c8"), 1);
    assert_int_equal(pu_warnings(pu_err, "its cortex-m0plus-stream-lzma "
                                         "build needs"), 1);
    assert_int_equal(pu_warnings(pu_err, "(the part has 8192)"), 1);
}

static void test_unknown_mcu(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu z80 "
                            "--load-addr 0 %s -o %s",
                            P("k.pem"), P("app.bin"), P("z.fwpk")),
                     2);
    pu_one_error(pu_err, "unknown MCU 'z80'", "fwpack mcus", "--mcu-file",
                 "--flash-base", NULL);
    assert_false(pu_exists(P("z.fwpk")));
    /* with the whole geometry, any id */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu z80 "
                            "--flash-base 0 --flash-size 0x10000 "
                            "--erase-block 256 --write-unit 1 --load-addr 0 "
                            "%s -o %s",
                            P("k.pem"), P("app.bin"), P("z.fwpk")),
                     0);
    assert_int_equal(pu_run("inspect --json %s", P("z.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"mcu\":\"z80\",\"flash_base\":0,"
                                   "\"flash_size\":65536,\"erase_block\":256,"
                                   "\"write_unit\":1"));
}

/* A part fwpack does not know, described in a profile file: pack uses its
 * geometry, mcus lists it with its source, defaults follow the rule. */
static void test_profile_file(void **state)
{
    (void)state;
    pu_write_str(P("mcus.txt"),
                 "# my parts\n"
                 "\n"
                 "mypart arch=cortex-m0plus flash-base=0x10000000 "
                 "flash-size=128K erase-block=4K write-unit=16 ram=24K  # x\n"
                 "STM32G030K8 arch=cortex-m0plus flash-base=0x08000000 "
                 "flash-size=64K erase-block=2K write-unit=8 ram=2K "
                 "window-bits=10\n");
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu-file %s "
                            "--mcu MyPart --load-addr 0x10000000 %s -o %s",
                            P("k.pem"), P("mcus.txt"), P("app.bin"),
                            P("my.fwpk")),
                     0);
    assert_string_equal(pu_err, "");
    assert_int_equal(pu_run("inspect --json %s", P("my.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"mcu\":\"mypart\",\"flash_base\":"
                                   "268435456,\"flash_size\":131072,"
                                   "\"erase_block\":4096,\"write_unit\":16"));
    uint32_t w, f;
    fwp_verifier_defaults(fwp_verifier_build_find(fwp_verifier_build_for(
                              "cortex-m0plus", 24 * 1024)),
                          24 * 1024, &w, &f);
    char want[64];
    snprintf(want, sizeof want, "\"window_bits\":%u", (unsigned)w);
    assert_non_null(strstr(pu_out, want));
    assert_non_null(strstr(pu_out, "\"filter\":\"thumb\""));
    /* the file replaces the built-in stm32g030k8 (here with 2 KiB of
     * RAM, which the verifier does not fit) */
    assert_int_equal(pu_run("mcus --json --mcu-file %s stm32g030k8 mypart",
                            P("mcus.txt")),
                     0);
    char *g = profile_json(pu_out, "STM32G030K8");
    assert_non_null(g);
    assert_int_equal(num(g, "window_bits"), 10);
    assert_int_equal(num(g, "ram"), 2048);
    assert_non_null(strstr(g, "\"fits\":false"));
    assert_non_null(strstr(g, "mcus.txt:4\""));
    free(g);
    /* the search path: FWPACK_MCU_PATH, missing entries skipped */
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu mypart "
                            "--load-addr 0x10000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("my.fwpk")),
                     2);
    setenv("FWPACK_MCU_PATH", P("nothing-here"), 1);
    char path[1024];
    snprintf(path, sizeof path, "%s:%s", P("nothing-here"), P("mcus.txt"));
    setenv("FWPACK_MCU_PATH", path, 1);
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --mcu mypart "
                            "--load-addr 0x10000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("my.fwpk")),
                     0);
    unsetenv("FWPACK_MCU_PATH");
    /* without it: the user's file, $XDG_CONFIG_HOME's else ~/.config's
     * (after /etc/fwpack/mcus, which it replaces profile by profile) */
    const char *home = getenv("HOME"), *xdg = getenv("XDG_CONFIG_HOME");
    char *old_home = home ? strdup(home) : NULL;
    char *old_xdg = xdg ? strdup(xdg) : NULL;
    pu_sh("mkdir -p %s/.config/fwpack %s/xdg/fwpack && cp %s "
          "%s/.config/fwpack/mcus && cp %s %s/xdg/fwpack/mcus",
          dir, dir, P("mcus.txt"), dir, P("mcus.txt"), dir);
    setenv("HOME", dir, 1);
    unsetenv("XDG_CONFIG_HOME");
    assert_int_equal(pu_run("mcus --json mypart"), 0);
    assert_non_null(strstr(pu_out, "/.config/fwpack/mcus:3\""));
    setenv("XDG_CONFIG_HOME", P("xdg"), 1);
    assert_int_equal(pu_run("mcus --json mypart"), 0);
    assert_non_null(strstr(pu_out, "/xdg/fwpack/mcus:3\""));
    if (old_home)
        setenv("HOME", old_home, 1);
    if (old_xdg)
        setenv("XDG_CONFIG_HOME", old_xdg, 1);
    else
        unsetenv("XDG_CONFIG_HOME");
    free(old_home);
    free(old_xdg);
}

/* A bad profile file: exit 3 and the file and line; a missing one: 4;
 * nothing written. */
static void test_profile_file_errors(void **state)
{
    (void)state;
    const struct {
        const char *text, *want;
    } bad[] = {
        {"ok flash-size=1K erase-block=256 write-unit=4 ram=1K\n"
         "p2 flsh-size=64K\n", "mcus.bad:2: unknown key 'flsh-size'"},
        {"p flash-size=64K erase-block=2K write-unit=8\n",
         "mcus.bad:1: p: needs flash-size, erase-block, write-unit and ram"},
        {"p flash-size=64Q erase-block=2K write-unit=8 ram=1K\n",
         "mcus.bad:1: flash-size '64Q': not a number"},
        {"p flash-size=64K erase-block=2K write-unit=3 ram=1K\n",
         "mcus.bad:1: p: write-unit must be a power of two"},
        {"p flash-size=64K erase-block=2K write-unit=8 ram=1K build=x\n",
         "mcus.bad:1: build 'x'"},
        {"bad/id flash-size=64K\n", "mcus.bad:1: 'bad/id': an MCU id"},
        {"p flash-size\n", "mcus.bad:1: 'flash-size': expected key=value"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pu_write_str(P("mcus.bad"), bad[i].text);
        assert_int_equal(pu_run("pack -k %s --mcu-file %s --mcu p "
                                "--load-addr 0 %s -o %s",
                                P("k.pem"), P("mcus.bad"), P("app.bin"),
                                P("bad.fwpk")),
                         3);
        pu_one_error(pu_err, bad[i].want, NULL);
        assert_false(pu_exists(P("bad.fwpk")));
    }
    assert_int_equal(pu_run("mcus --mcu-file %s", P("missing.txt")), 4);
    pu_one_error(pu_err, "missing.txt", "No such file", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_fits),
        cmocka_unit_test(test_builds_match_make_size),
        cmocka_unit_test(test_mcus_command),
        cmocka_unit_test(test_readme_table),
        cmocka_unit_test(test_ids_ignore_case),
        cmocka_unit_test(test_fit_warning),
        cmocka_unit_test(test_fit_lzma),
        cmocka_unit_test(test_unknown_mcu),
        cmocka_unit_test(test_profile_file),
        cmocka_unit_test(test_profile_file_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
