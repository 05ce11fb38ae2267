/* test_cli_errors.c - what a user sees when something is wrong: every
 * option with a bad value exits 2 with one line naming the option and the
 * reason (long values quoted short), messages that say why (k of n
 * signatures, both MCUs, a firmware file given as a key, UTF-8), inspect
 * on a damaged container, one JSON object from every --json command also
 * on failure, null for "none" in JSON, and container text escaped for
 * the terminal. */
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

/* An external signature (attach-sig's input), as README's openssl line
 * makes it: 0 when made. */
static int sign_with_openssl(const char *key, const char *msg,
                             const char *sig)
{
    char cmd[2048], out[1024];
    snprintf(cmd, sizeof cmd, "openssl pkeyutl -sign -rawin -inkey %s -in %s "
             "-out %s", key, msg, sig);
    return pu_capture(cmd, out, sizeof out) == 0 ? 0 : -1;
}

static int setup(void **state)
{
    (void)state;
    uint8_t img[20000];
    fwp_image im = {0};
    fwp_err err;
    char *text;
    size_t len;
    dir = pu_tmpdir();
    pu_firmware(img, sizeof img, 5);
    pu_write(P("app.bin"), img, sizeof img);
    if (fwp_image_add(&im, 0x08000000, img, sizeof img, "t", &err) ||
        fwp_hex_format(&im, &text, &len, &err))
        return -1;
    pu_write(P("app.hex"), text, len);
    free(text);
    fwp_image_free(&im);
    setenv("FWPACK_PASSPHRASE", "correct horse battery", 1);
    int enc = pu_run("keygen --encrypt -o %s", P("ek.pem"));
    unsetenv("FWPACK_PASSPHRASE");
    return enc || pu_run("keygen -o %s", P("k.pem")) ||
           pu_run("keygen -o %s", P("k2.pem")) ||
           pu_run("keygen -o %s", P("k3.pem")) ||
           pu_run("export-key %s -o %s", P("k.pem"), P("pub.pem")) ||
           pu_run("export-key %s -o %s", P("k2.pem"), P("pub2.pem")) ||
           pu_run("pack -k %s --version 1.0.0 --mcu stm32l432kc %s -o %s",
                  P("k.pem"), P("app.hex"), P("app.fwpk")) ||
           pu_run("digest %s -o %s", P("app.fwpk"), P("msg.bin")) ||
           sign_with_openssl(P("k2.pem"), P("msg.bin"), P("sig2.bin"));
}

static int teardown(void **state)
{
    (void)state;
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* stdout holds exactly one line, a JSON object. */
static void one_json_object(const char *out)
{
    assert_non_null(out);
    size_t n = strlen(out);
    if (n < 3 || out[0] != '{' || out[n - 2] != '}' || out[n - 1] != '\n' ||
        strchr(out, '\n') != out + n - 1)
        fail_msg("not one JSON object on one line:\n%s", out);
}

/* ---- item 4: a bad option value is a usage error (2) ---- */

/* Each command's options are walked from its --help, so that an option
 * added later without a case here fails the test.  Every command line is
 * the command's good line (BASE below, which must succeed) with one option
 * added; "D/" in it is the test directory. */
static const struct {
    const char *cmd, *base;
    int code; /* of the base line alone */
} commands[] = {
    {"pack", "pack -k D/k.pem --version 1.0.0 D/app.hex -o D/out.fwpk", 0},
    {"verify", "verify -p D/pub.pem D/app.fwpk", 0},
    {"unpack", "unpack -p D/pub.pem D/app.fwpk -o D/out.hex", 0},
    {"inspect", "inspect D/app.fwpk", 0},
    {"digest", "digest D/app.fwpk -o D/out.bin", 0},
    {"attach-sig", "attach-sig D/app.fwpk --sig D/sig2.bin -p D/pub2.pem "
                   "-o D/out.fwpk", 0},
    {"keygen", "keygen -o D/out.pem", 0},
    {"export-key", "export-key D/ek.pem -o D/out.pem", 0}, /* encrypted */
    {"mcus", "mcus", 0},
    /* the port is opened after the container verified: no such port */
    {"flash", "flash -p D/pub.pem --protocol stm32 --port D/noport "
              "D/app.fwpk", 4},
    /* serves on a new pty until a second passes without a byte */
    {"notecard", "notecard D/app.fwpk --idle 1", 0},
};

/* An option given a bad value: the exit code, and what the one error line
 * says (the option or file it names, then the reason).  A bad value of
 * an option is a usage error (2); a file that cannot be read is an I/O
 * error (4); a target or MCU the container does not have is the device's
 * refusal (1). */
static const struct {
    const char *cmd, *opt, *value;
    int code;
    const char *names, *why;
} bad[] = {
    {"pack", "--add", "a", 2, "-t 'a'", "NAME[:MCU]=FILE"},
    {"pack", "--key", "D/missing.pem", 4, "missing.pem", "No such file"},
    {"pack", "--output", "D/nodir/x.fwpk", 4, "nodir/x.fwpk", "No such"},
    {"pack", "--target", "''", 2, "--target", "empty"},
    {"pack", "--load-addr", "0x8g", 2, "--load-addr '0x8g'", "not a number"},
    {"pack", "--mcu", "z80", 2, "unknown MCU 'z80'", "fwpack mcus"},
    {"pack", "--mcu-file", "D/missing.mcus", 4, "missing.mcus", "No such"},
    {"pack", "--base", "D/missing.hex", 4, "missing.hex", "No such"},
    {"pack", "--base-version", "one.two", 2, "--base-version 'one.two'",
     "expected MAJOR.MINOR.PATCH"},
    {"pack", "--crop", "5", 2, "--crop '5'", "LO:HI"},
    {"pack", "--exclude", "0x2000:0x1000", 2, "--exclude '0x2000:0x1000'",
     "LO < HI"},
    {"pack", "--passphrase-file", "D/missing.txt -k D/ek.pem", 4,
     "missing.txt", "No such"},
    {"pack", "--pkcs11", "token=fw", 2, "--pkcs11 token=fw",
     "not a PKCS#11 URI"},
    {"pack", "--pkcs11-module", "D/missing.so --pkcs11 pkcs11:token=fw", 3,
     "missing.so", "cannot load PKCS#11 module"},
    {"pack", "--version", "1.2", 2, "--version '1.2'", "MAJOR.MINOR.PATCH"},
    {"pack", "--version", "v1.2.3", 2, "--version 'v1.2.3'", "expected"},
    {"pack", "--version", "1.2.3+abc", 2, "--version '1.2.3+abc'",
     "BUILD a number"},
    {"pack", "--product", "''", 2, "--product", "empty"},
    {"pack", "--product",
     "0123456789012345678901234567890123456789012345678901234567890123", 2,
     "--product '", "longer than 63 bytes"},
    {"pack", "--product", "\"$(printf 'bad\\377')\"", 2,
     "--product 'bad\\xff'", "not UTF-8"},
    {"pack", "--org", "\"$(printf '\\303(')\"", 2, "--org", "not UTF-8"},
    {"pack", "--description", "\"$(printf '\\377')\"", 2, "--description",
     "not UTF-8"},
    {"pack", "--firmware", "\"$(printf '\\355\\240\\200')\"", 2,
     "--firmware", "not UTF-8"},
    {"pack", "--builder", "\"$(printf 'x\\300\\200')\"", 2, "--builder",
     "not UTF-8"},
    {"pack", "--security-counter", "-1", 2, "--security-counter '-1'",
     "not a number"},
    {"pack", "--flash-base", "0x1g", 2, "--flash-base '0x1g'",
     "not a number"},
    {"pack", "--flash-size", "5G", 2, "--flash-size '5G'", "K or M"},
    {"pack", "--erase-block", "3000", 2, "erase block 3000",
     "power of two"},
    {"pack", "--write-unit", "3", 2, "write unit 3", "power of two"},
    {"pack", "--codec", "lz4", 2, "--codec 'lz4'", "none, deflate or lzma"},
    {"pack", "--level", "10", 2, "--level '10'", "0..9 or max"},
    {"pack", "--window-bits", "8", 2, "--window-bits '8'", "9..15"},
    {"pack", "--window-bits", "16", 2, "--window-bits 16", "9..15"},
    {"pack", "--window-bits", "31 --codec lzma", 2, "--window-bits '31'",
     "12..30 (lzma)"},
    {"pack", "--window-bits", "11 --codec lzma", 2, "--window-bits for lzma",
     "12..30"},
    {"pack", "--lzma-lc", "5 --codec lzma", 2, "--lzma-lc '5'", "0..4"},
    {"pack", "--lzma-lp", "3 --lzma-lc 3 --codec lzma", 2, "lc 3 + lp 3",
     "more than 4"},
    {"pack", "--lzma-pb", "x --codec lzma", 2, "--lzma-pb 'x'", "0..4"},
    {"pack", "--frame-size", "100", 2, "--frame-size '100'", "256..8192"},
    {"pack", "--filter", "arm", 2, "--filter 'arm'", "none, thumb or rv32"},
    {"pack", "--max-size", "big", 2, "--max-size 'big'", "not a number"},
    {"pack", "--max-input", "-3", 2, "--max-input '-3'", "not a number"},
    {"verify", "--pubkey", "D/missing.pem", 4, "missing.pem", "No such"},
    {"verify", "--base", "D/missing.bin", 4, "missing.bin", "No such"},
    {"unpack", "--base", "D/missing.bin", 4, "missing.bin", "No such"},
    {"verify", "--target", "zz", 1, "refused", "no target"},
    {"verify", "--mcu", "z80", 1, "refused", "another MCU"},
    {"verify", "--min-security-counter", "x", 2,
     "--min-security-counter 'x'", "not a number"},
    {"verify", "--min-signatures", "two", 2, "--min-signatures 'two'",
     "not a number"},
    {"verify", "--chunk", "0", 2, "--chunk '0'", "1..1048576"},
    {"verify", "--mode", "fast", 2, "--mode", "buffered or streaming"},
    {"unpack", "--mode", "fast", 2, "--mode", "buffered or streaming"},
    {"unpack", "--pubkey", "D/missing.pem", 4, "missing.pem", "No such"},
    {"unpack", "--output", "D/nodir/x.hex", 4, "nodir/x.hex", "No such"},
    {"unpack", "--format", "elf", 2, "--format 'elf'", "hex, srec"},
    {"unpack", "--max-gap", "1G", 2, "--max-gap '1G'", "not a number"},
    {"unpack", "--target", "zz", 1, "refused", "no target"},
    {"unpack", "--mcu", "z80", 1, "refused", "another MCU"},
    {"unpack", "--min-security-counter", "4294967296", 2,
     "--min-security-counter '4294967296'", "not a number"},
    {"unpack", "--min-signatures", "-1", 2, "--min-signatures '-1'",
     "not a number"},
    {"unpack", "--chunk", "2000000", 2, "--chunk '2000000'", "1..1048576"},
    {"digest", "--output", "D/nodir/x.bin", 4, "nodir/x.bin", "No such"},
    {"attach-sig", "--sig", "D/missing.bin", 4, "missing.bin", "No such"},
    {"attach-sig", "--pubkey", "D/missing.pem", 4, "missing.pem", "No such"},
    {"attach-sig", "--output", "D/nodir/x.fwpk", 4, "nodir/x.fwpk",
     "No such"},
    {"keygen", "--output", "D/nodir/x.pem", 4, "nodir/x.pem", "No such"},
    {"keygen", "--passphrase-file", "D/missing.txt --encrypt", 4,
     "missing.txt", "No such"},
    {"export-key", "--output", "D/nodir/x.pem", 4, "nodir/x.pem", "No such"},
    {"export-key", "--format", "der", 2, "--format", "pem, c or raw"},
    {"export-key", "--passphrase-file", "D/missing.txt", 4, "missing.txt",
     "No such"},
    {"export-key", "--revoked", "D/missing.pem --format c", 4, "missing.pem",
     "No such"},
    {"mcus", "--mcu-file", "D/missing.mcus", 4, "missing.mcus", "No such"},
    {"flash", "--pubkey", "D/missing.pem", 4, "missing.pem", "No such"},
    {"flash", "--port", "D/noport2", 4, "noport2", "No such"},
    {"flash", "--protocol", "xmodem", 2, "--protocol", "'xmodem'"},
    {"flash", "--baud", "0", 2, "--baud 0", "1200 .. 921600"},
    {"flash", "--target", "zz", 1, "refused", "nothing sent"},
    {"flash", "--mcu", "z80", 1, "refused", "nothing sent"},
    {"flash", "--reset", "yes", 2, "--reset", "dtr, rts or none"},
    {"flash", "--boot0", "high", 2, "--boot0", "dtr, rts or none"},
    {"flash", "--timeout", "soon", 2, "--timeout 'soon'", "not a number"},
    {"flash", "--min-security-counter", "x", 2, "--min-security-counter 'x'",
     "not a number"},
    {"flash", "--min-signatures", "x", 2, "--min-signatures 'x'",
     "not a number"},
    {"notecard", "--port", "D/noport", 4, "noport", "No such"},
    {"notecard", "--baud", "7", 2, "--baud 7", "not a standard rate"},
    {"notecard", "--link", "D/app.fwpk", 4, "--link",
     "not a symbolic link"},
    {"notecard", "--fault", "meteor", 2, "--fault", "unknown fault 'meteor'"},
    {"notecard", "--fault-at", "x", 2, "--fault-at 'x'", "not a number"},
    {"notecard", "--new-image", "D/missing.fwpk", 4, "missing.fwpk",
     "No such"},
    {"notecard", "--idle", "0", 2, "--idle '0'", "1..86400"},
    {"notecard", "--log", "D/nodir/log", 4, "nodir/log", "No such"},
};

/* Options whose every value is a good one, and why. */
static const struct {
    const char *cmd, *opt, *why;
} any_value[] = {
    {"pack", "--pkcs11-pin", "any text is a PIN; a wrong one is the "
                             "token's answer (test_keys_pkcs11)"},
};

/* "D/x" -> "<dir>/x", for each D/ in s. */
static void with_dir(const char *s, char *out, size_t cap)
{
    size_t o = 0;
    for (const char *start = s; *s && o + 1 < cap; s++) {
        if (s[0] == 'D' && s[1] == '/' && (s == start || s[-1] == ' ' ||
                                           s[-1] == '=')) {
            o += (size_t)snprintf(out + o, cap - o, "%s", dir);
            continue; /* the '/' follows */
        }
        out[o++] = *s;
    }
    out[o] = 0;
}

static const char *base_of(const char *cmd, int *code)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].cmd, cmd) == 0) {
            *code = commands[i].code;
            return commands[i].base;
        }
    fail_msg("no base command line for %s", cmd);
    return NULL;
}

static int walked(const char *cmd, const char *opt)
{
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (strcmp(bad[i].cmd, cmd) == 0 && strcmp(bad[i].opt, opt) == 0)
            return 1;
    for (size_t i = 0; i < sizeof any_value / sizeof any_value[0]; i++)
        if (strcmp(any_value[i].cmd, cmd) == 0 &&
            strcmp(any_value[i].opt, opt) == 0)
            return 1;
    return 0;
}

/* The long options of cmd that take a value, as its --help lists them:
 * a line that starts with at most 7 spaces and "-x, --name" or "--name",
 * then "--name VALUE" pairs (several on one line: "--org S --firmware
 * S") up to two spaces, where the description starts.  Each is checked
 * to have a case; the number found is returned. */
static int check_help_options(const char *cmd, char *missing, size_t cap)
{
    assert_int_equal(pu_run("%s --help", cmd), 0);
    int found = 0;
    for (const char *line = pu_out; line && *line;) {
        const char *nl = strchr(line, '\n'), *p = line;
        const char *end = nl ? nl : line + strlen(line);
        while (p < end && *p == ' ')
            p++;
        int indent = (int)(p - line);
        if (p + 4 < end && p[0] == '-' && p[1] != '-' && p[2] == ',' &&
            p[3] == ' ')
            p += 4;
        while (indent >= 1 && indent <= 7 && p + 2 < end && p[0] == '-' &&
               p[1] == '-') {
            size_t n = strcspn(p, " \n");
            const char *after = p + n;
            if (after >= end || after[1] == ' ' || after + 1 >= end)
                break; /* a flag: its description follows */
            char name[40];
            snprintf(name, sizeof name, "%.*s", (int)n, p);
            found++;
            if (!walked(cmd, name) && strlen(missing) + n + 40 < cap)
                snprintf(missing + strlen(missing), cap - strlen(missing),
                         " %s %s", cmd, name);
            p = after + 1 + strcspn(after + 1, " \n"); /* past VALUE */
            if (p + 1 < end && p[0] == ' ' && p[1] == '-')
                p++;
            else
                break;
        }
        line = nl ? nl + 1 : NULL;
    }
    return found;
}

/* Every option that takes a value, with a bad one: the code README's
 * table gives, one line naming the option or file and the reason, and
 * no output left behind. */
static void test_bad_option_values(void **state)
{
    (void)state;
    char missing[2048] = "", line[4096], value[1024];
    int total = 0;
    /* ek.pem's passphrase, for the lines that do not name a file */
    setenv("FWPACK_PASSPHRASE", "correct horse battery", 1);
    /* every command fwpack --help lists is walked */
    assert_int_equal(pu_run("--help"), 0);
    const char *list = strstr(pu_out, "\ncommands:\n");
    assert_non_null(list);
    for (const char *l = strchr(list + 1, '\n') + 1; l[0] == ' ';
         l = strchr(l, '\n') + 1) {
        char name[32];
        int code;
        assert_int_equal(sscanf(l, " %31s", name), 1);
        base_of(name, &code); /* fails the test when there is none */
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        total += check_help_options(commands[i].cmd, missing, sizeof missing);
        with_dir(commands[i].base, line, sizeof line);
        int rc = pu_run("%s", line);
        if (rc != commands[i].code)
            fail_msg("fwpack %s: exit %d, not %d\n%s", line, rc,
                     commands[i].code, pu_err);
        pu_sh("rm -f %s/out.*", dir);
    }
    if (*missing)
        fail_msg("options in --help with no bad-value case here:%s", missing);
    assert_true(total >= 70); /* the walk found the options */
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int code;
        with_dir(base_of(bad[i].cmd, &code), line, sizeof line);
        with_dir(bad[i].value, value, sizeof value);
        int rc = pu_run("%s %s %s", line, bad[i].opt, value);
        if (rc != bad[i].code)
            fail_msg("exit %d, not %d: fwpack %s %s %s\n%s", rc, bad[i].code,
                     line, bad[i].opt, value, pu_err);
        if (!pu_err || !strstr(pu_err, bad[i].names) ||
            !strstr(pu_err, bad[i].why))
            fail_msg("fwpack %s %s %s: no \"%s\" or \"%s\" in\n%s", line,
                     bad[i].opt, value, bad[i].names, bad[i].why, pu_err);
        pu_one_error(pu_err, NULL);
        /* usage errors name the command, as git's do: "fwpack: pack: " */
        char who[64];
        snprintf(who, sizeof who, "fwpack: %.*s: ",
                 (int)strcspn(bad[i].cmd, " "), bad[i].cmd);
        if (bad[i].code == 2 && strncmp(pu_err, who, strlen(who)) != 0)
            fail_msg("fwpack %s %s %s: the line does not start with \"%s\""
                     ":\n%s", line, bad[i].opt, value, who, pu_err);
        const char *outs[] = {"out.fwpk", "out.hex", "out.bin", "out.pem"};
        for (size_t k = 0; k < 4; k++)
            if (pu_exists(P(outs[k])))
                fail_msg("fwpack %s %s %s left %s", line, bad[i].opt, value,
                         outs[k]);
    }
    unsetenv("FWPACK_PASSPHRASE");
}

/* Bad combinations rather than bad values: still usage errors. */
static void test_bad_combinations(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s -t a=%s -t a=%s -o %s", P("k.pem"),
                            P("app.hex"), P("app.hex"), P("out.fwpk")),
                     2);
    pu_one_error(pu_err, "target name 'a' given twice", NULL);
    assert_int_equal(pu_run("pack --unsigned -o %s a1.hex a2.hex",
                            P("out.fwpk")),
                     2);
    pu_one_error(pu_err, "2 files given", "-t NAME=FILE", NULL);
    assert_int_equal(pu_run("pack -k %s --lzma-lc 1 %s -o %s", P("k.pem"),
                            P("app.hex"), P("out.fwpk")),
                     2);
    pu_one_error(pu_err, "--lzma-lc", "--codec lzma", NULL);
    assert_int_equal(pu_run("export-key --format c %s@300", P("k.pem")), 2);
    pu_one_error(pu_err, "generation must be 0..255", NULL);
    assert_false(pu_exists(P("out.fwpk")));
    /* keygen --encrypt with no passphrase source: nothing given where one
     * is needed (stdin is no terminal) */
    unsetenv("FWPACK_PASSPHRASE");
    assert_int_equal(pu_run("keygen --encrypt -o %s </dev/null", P("e.pem")),
                     2);
    pu_one_error(pu_err, "e.pem", "needs a passphrase",
                 "--passphrase-file", NULL);
    assert_false(pu_exists(P("e.pem")));
}

/* LZMA's dictionary is flash on the device: --window-bits up to 30 with
 * it, whichever of --window-bits and --codec comes first. */
static void test_lzma_window_bits(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --window-bits 20 "
                            "--codec lzma %s -o %s",
                            P("k.pem"), P("app.hex"), P("lz.fwpk")),
                     0);
    assert_int_equal(pu_run("inspect --json %s", P("lz.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"codec\":\"lzma\",\"window_bits\":20"));
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("lz.fwpk")),
                     0);
}

/* ---- item 5: the reason survives a long value ---- */

static void test_long_values_quoted(void **state)
{
    (void)state;
    static char longv[5001], longname[601];
    memset(longv, '7', sizeof longv - 1);
    memset(longname, 'n', sizeof longname - 1);
    assert_int_equal(pu_run("pack -k %s --version %s %s -o %s", P("k.pem"),
                            longv, P("app.hex"), P("out.fwpk")),
                     2);
    pu_one_error(pu_err, "--version '777", "... (5000 bytes)'",
                 "MAJOR.MINOR.PATCH", NULL);
    assert_true(strlen(pu_err) < 300);
    assert_int_equal(pu_run("pack -k %s -t %s=%s -o %s", P("k.pem"),
                            longname, P("app.hex"), P("out.fwpk")),
                     2);
    pu_one_error(pu_err, "-t NAME 'nnn", "... (600 bytes)'",
                 "longer than 31 bytes", NULL);
    assert_true(strlen(pu_err) < 300);
    assert_false(pu_exists(P("out.fwpk")));
}

/* k of n: how many counted, how many were needed, how many were there. */
static void test_signature_count_message(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s -k %s --version 1.0.0 %s -o %s",
                            P("k.pem"), P("k3.pem"), P("app.hex"),
                            P("two.fwpk")),
                     0);
    assert_int_equal(pu_run("verify -p %s -p %s --min-signatures 2 %s",
                            P("pub.pem"), P("pub2.pem"), P("two.fwpk")),
                     1);
    pu_one_error(pu_err, "two.fwpk: refused", "1 valid signature from "
                 "trusted keys, 2 needed; the container has 2 signatures",
                 NULL);
    assert_int_equal(pu_run("verify -p %s -p %s --min-signatures 2 --json %s",
                            P("pub.pem"), P("pub2.pem"), P("two.fwpk")),
                     1);
    one_json_object(pu_out);
    assert_non_null(strstr(pu_out, "\"problem\":\"1 valid signature"));
}

/* A firmware image given as a key: what it is not, not its size. */
static void test_firmware_as_key(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 %s -o %s",
                            P("app.hex"), P("app.hex"), P("out.fwpk")),
                     3);
    pu_one_error(pu_err, "app.hex: not a PEM or DER key file", NULL);
    assert_null(strstr(pu_err, "file larger than"));
    assert_false(pu_exists(P("out.fwpk")));
    assert_int_equal(pu_run("verify -p %s %s", P("app.fwpk"), P("app.fwpk")),
                     3);
    pu_one_error(pu_err, "app.fwpk: not a", "key", NULL);
}

/* ---- item 3: inspect on a damaged container ---- */

static void test_inspect_damaged(void **state)
{
    (void)state;
    size_t len;
    char *d = pu_read(P("app.fwpk"), &len);
    assert_non_null(d);
    pu_write(P("cut.fwpk"), d, len - 100); /* the last frame cut short */
    free(d);
    assert_int_equal(pu_run("inspect %s", P("cut.fwpk")), 1);
    /* the path once, then the reason from its start */
    char want[600];
    snprintf(want, sizeof want, "fwpack: %s: target app: ", P("cut.fwpk"));
    assert_ptr_equal(strstr(pu_err, want), pu_err);
    const char *first = strstr(pu_err, P("cut.fwpk"));
    assert_null(strstr(first + 1, P("cut.fwpk"))); /* named once */
    pu_one_error(pu_err, "frame", NULL);
    assert_string_equal(pu_out, "");
    assert_int_equal(pu_run("inspect --json %s", P("cut.fwpk")), 1);
    one_json_object(pu_out);
    assert_non_null(strstr(pu_out, "\"command\":\"inspect\",\"ok\":false,"
                                   "\"exit_code\":1,\"error\":\""));
    assert_non_null(strstr(pu_out, "target app: "));
    pu_one_error(pu_err, "target app: ", NULL);
}

/* ---- --json: one object, success or not, for every command ---- */

static void test_json_always_one_object(void **state)
{
    (void)state;
    const char *fails[] = {
        "inspect --json %s/missing.fwpk",
        "verify --json -p %s/pub.pem %s/missing.fwpk",
        "verify --json -p %s/app.hex %s/app.fwpk",
        "unpack --json -p %s/pub2.pem %s/app.fwpk -o x.hex",
        "digest --json %s/app.hex",
        "attach-sig --json %s/app.fwpk --sig %s/app.hex -p %s/pub.pem",
        "keygen --json -o %s/k.pem",
        "export-key --json %s/app.hex -o %s/x.pem",
        "mcus --json --mcu-file %s/app.hex",
        "inspect --json",
        "verify --json --chunk 0 -p %s/pub.pem %s/app.fwpk",
    };
    for (size_t i = 0; i < sizeof fails / sizeof fails[0]; i++) {
        int rc = pu_run(fails[i], dir, dir, dir);
        assert_true(rc != 0);
        one_json_object(pu_out);
        if (!strstr(pu_out, "\"ok\":false"))
            fail_msg("%s: %s", fails[i], pu_out);
        assert_true(strlen(pu_err) > 0);
    }
    /* the error object's error is the stderr line without "fwpack: " */
    assert_int_equal(pu_run("inspect --json %s/missing.fwpk", dir), 4);
    assert_non_null(strstr(pu_out, "\"exit_code\":4,\"error\":\""));
    assert_non_null(strstr(pu_out, "missing.fwpk: No such file"));
}

/* One convention for "none" in JSON: null (format/SPEC.md, appendix). */
static void test_json_null_convention(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --load-addr "
                            "0x08000000 %s -o %s",
                            P("k.pem"), P("app.bin"), P("gen.fwpk")),
                     0);
    assert_int_equal(pu_run("inspect --json %s", P("gen.fwpk")), 0);
    assert_non_null(strstr(pu_out, "\"mcu\":null"));
    assert_non_null(strstr(pu_out, "\"problem\":null"));
    assert_null(strstr(pu_out, "\"\""));
    assert_int_equal(pu_run("verify --json -p %s %s", P("pub.pem"),
                            P("gen.fwpk")),
                     0);
    assert_non_null(strstr(pu_out, "\"mcu\":null"));
    assert_null(strstr(pu_out, "(generic)"));
    assert_null(strstr(pu_out, "\"\""));
}

/* ---- item 9: container text escaped on the terminal ---- */

static void test_escapes_control_characters(void **state)
{
    (void)state;
    assert_int_equal(pu_run("pack -k %s --version 1.0.0 --product "
                            "\"$(printf 'ctl\\001\\033[31mred')\" "
                            "-t \"$(printf 'a\\033b')=%s\" -o %s",
                            P("k.pem"), P("app.hex"), P("ctl.fwpk")),
                     0);
    assert_int_equal(pu_run("inspect %s", P("ctl.fwpk")), 0);
    assert_null(strchr(pu_out, 0x1b));
    assert_null(strchr(pu_out, 0x01));
    assert_non_null(strstr(pu_out, "product      ctl\\x01\\x1b[31mred\n"));
    assert_non_null(strstr(pu_out, "target 0: a\\x1bb\n"));
    assert_int_equal(pu_run("verify -p %s %s", P("pub.pem"), P("ctl.fwpk")),
                     0);
    assert_null(strchr(pu_out, 0x1b));
    assert_non_null(strstr(pu_out, "target a\\x1bb,"));
    /* error lines too: the target names the refusal lists */
    assert_int_equal(pu_run("verify -p %s --target zz %s", P("pub.pem"),
                            P("ctl.fwpk")),
                     1);
    assert_null(strchr(pu_err, 0x1b));
    pu_one_error(pu_err, "targets: a\\x1bb", NULL);
    assert_int_equal(pu_run("inspect --json %s", P("ctl.fwpk")), 0);
    assert_null(strchr(pu_out, 0x1b));
    assert_non_null(strstr(pu_out, "\"product\":\"ctl\\u0001\\u001b[31mred\""));
}

/* ---- item 10: the top-level help's exit codes ---- */

static void test_help_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(pu_run("--help"), 0);
    assert_non_null(strstr(pu_out, "  3  bad input file"));
    assert_non_null(strstr(pu_out, "larger\n     than --max-size"));
    assert_non_null(strstr(pu_out, "mcus"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_option_values),
        cmocka_unit_test(test_bad_combinations),
        cmocka_unit_test(test_lzma_window_bits),
        cmocka_unit_test(test_long_values_quoted),
        cmocka_unit_test(test_signature_count_message),
        cmocka_unit_test(test_firmware_as_key),
        cmocka_unit_test(test_inspect_damaged),
        cmocka_unit_test(test_json_always_one_object),
        cmocka_unit_test(test_json_null_convention),
        cmocka_unit_test(test_escapes_control_characters),
        cmocka_unit_test(test_help_exit_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
