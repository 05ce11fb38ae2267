/* test_keys_rotation.c - a key rotation as a release engineer does it with
 * the CLI: keygen, export-key --format c with generations and revoked
 * keys, releases signed by -k A, -k A -k B, -k B with rising security
 * counters, checked by a small bootloader compiled with that keyring.h and
 * the device verifier's sources (and by fwpack verify). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keytest.h"
#include "pack_util.h"

static const char *dir;
static char a[512], b[512], c[512];

/* boot FILE MIN_GENERATION MIN_COUNTER MIN_SIGNATURES: prints the
 * verifier's result (fwpk_err number and text) for the keyring it was
 * built with; boot ring: prints the keyring. */
static const char boot_c[] =
    "#include <stdio.h>\n"
    "#include <stdlib.h>\n"
    "#include <string.h>\n"
    "#include \"keyring.h\"\n"
    "#define BASE 0x08000000u\n"
    "static uint8_t flash[0x40000];\n"
    "static fwpk_ctx ctx;\n"
    "static fwpk_err er(void *u, uint32_t a, uint32_t n)\n"
    "{ (void)u; memset(flash + (a - BASE), 0xff, n); return FWPK_OK; }\n"
    "static fwpk_err wr(void *u, uint32_t a, const uint8_t *d, uint32_t n)\n"
    "{ (void)u; memcpy(flash + (a - BASE), d, n); return FWPK_OK; }\n"
    "int main(int argc, char **argv)\n"
    "{\n"
    "    static uint8_t box[1 << 20];\n"
    "    fwpk_policy p;\n"
    "    fwpk_flash f;\n"
    "    size_t i, j, n;\n"
    "    fwpk_err e;\n"
    "    FILE *in;\n"
    "    if (argc == 2) {\n"
    "        for (i = 0; i < FWPK_KEYRING_COUNT; i++) {\n"
    "            for (j = 0; j < 8; j++)\n"
    "                printf(\"%02x\", fwpk_keyring[i].id[j]);\n"
    "            printf(\" %u %u\\n\", fwpk_keyring[i].revoked,\n"
    "                   fwpk_keyring[i].generation);\n"
    "        }\n"
    "        return 0;\n"
    "    }\n"
    "    if (argc != 5 || !(in = fopen(argv[1], \"rb\")))\n"
    "        return 2;\n"
    "    n = fread(box, 1, sizeof box, in);\n"
    "    fclose(in);\n"
    "    memset(&p, 0, sizeof p);\n"
    "    memset(&f, 0, sizeof f);\n"
    "    p.keys = fwpk_keyring;\n"
    "    p.key_count = FWPK_KEYRING_COUNT;\n"
    "    p.min_generation = (uint32_t)atoi(argv[2]);\n"
    "    p.min_security_counter = (uint32_t)atoi(argv[3]);\n"
    "    p.min_signatures = (uint32_t)atoi(argv[4]);\n"
    "    p.target = \"main\";\n"
    "    p.window_lo = BASE;\n"
    "    p.window_hi = BASE + sizeof flash;\n"
    "    f.erase = er;\n"
    "    f.write = wr;\n"
    "    e = fwpk_begin(&ctx, &p, &f);\n"
    "    for (i = 0; e == FWPK_OK && i < n; i += 1000)\n"
    "        e = fwpk_feed(&ctx, box + i, n - i < 1000 ? n - i : 1000);\n"
    "    if (e == FWPK_OK)\n"
    "        e = fwpk_finish(&ctx);\n"
    "    printf(\"%d %s\\n\", (int)e, fwpk_strerror(e));\n"
    "    return 0;\n"
    "}\n";

static int setup(void **state)
{
    (void)state;
    dir = pu_tmpdir();
    kt_firmware(pu_path(dir, "app.bin"), 24000, 3);
    snprintf(a, sizeof a, "%s", pu_path(dir, "release-2024.pem"));
    snprintf(b, sizeof b, "%s", pu_path(dir, "release-2025.pem"));
    snprintf(c, sizeof c, "%s", pu_path(dir, "leaked.pem"));
    if (kt_run("keygen -o %s", a) || kt_run("keygen -o %s", b) ||
        kt_run("keygen -o %s", c))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pu_rmdir(dir);
    return 0;
}

static void release(const char *keys, uint32_t counter, const char *name)
{
    assert_int_equal(kt_run("pack %s --security-counter %u --version 1.%u.0 "
                            KT_GEO " %s -o %s", keys, (unsigned)counter,
                            (unsigned)counter, pu_path(dir, "app.bin"),
                            pu_path(dir, name)), 0);
}

/* Builds dir/NAME from keyring.h made by export-key with 'ring'. */
static int build_boot(const char *ring, const char *name)
{
    char sub[600];
    snprintf(sub, sizeof sub, "%s", pu_path(dir, name));
    if (kt_sh("mkdir -p %s", sub))
        return -1;
    if (kt_run("export-key --format c %s -o %s/keyring.h", ring, sub))
        return -1;
    pu_write_str(pu_path(sub, "boot.c"), boot_c);
    return kt_sh("${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -O1 "
                 "-I%s -Iverifier/include -Iformat %s/boot.c verifier/src/*.c "
                 "-o %s/boot",
                 sub, sub, sub);
}

/* What the bootloader says about a container. */
static int boot(const char *name, const char *box, unsigned min_gen,
                unsigned min_counter, unsigned min_sigs)
{
    char out[600];
    snprintf(out, sizeof out, "%s", pu_path(dir, "boot.out"));
    assert_int_equal(kt_sh("%s/%s/boot %s %u %u %u >%s", dir, name,
                           pu_path(dir, box), min_gen, min_counter, min_sigs,
                           out), 0);
    char *text = pu_read(out, NULL);
    assert_non_null(text);
    int e = atoi(text);
    free(text);
    return e;
}

static void id_hex(const char *key, char out[17])
{
    uint8_t pk[32], id[8];
    kt_pub(key, pk);
    fwp_key_id(pk, id);
    sodium_bin2hex(out, 17, id, 8);
}

static void test_keyring_header(void **state)
{
    (void)state;
    char ring[2048], want[512], ia[17], ib[17], ic[17];
    if (!kt_have("${CC:-cc}"))
        skip();
    snprintf(ring, sizeof ring, "%s@0 %s@1 --revoked %s@7", a, b, c);
    assert_int_equal(build_boot(ring, "boot-ring"), 0);
    char out[600];
    snprintf(out, sizeof out, "%s", pu_path(dir, "ring.out"));
    assert_int_equal(kt_sh("%s/boot-ring/boot ring >%s", dir, out), 0);
    char *text = pu_read(out, NULL);
    id_hex(a, ia);
    id_hex(b, ib);
    id_hex(c, ic);
    snprintf(want, sizeof want, "%s 0 0\n%s 0 1\n%s 1 7\n", ia, ib, ic);
    assert_string_equal(text, want);
    free(text);
    /* --json lists them */
    assert_int_equal(kt_run("export-key --format c %s -o %s --json", ring,
                            pu_path(dir, "r.h")), 0);
    assert_non_null(strstr(kt_out, "\"generation\":7,\"revoked\":true"));
    /* usage errors */
    assert_int_equal(kt_run("export-key %s %s", a, b), 2);
    assert_int_equal(kt_run("export-key --format c %s %s@0", a, a), 2);
    assert_int_equal(kt_run("export-key --format c %s@256", a), 2);
    assert_int_equal(kt_run("export-key %s@1", a), 2);
}

static void test_rotation(void **state)
{
    (void)state;
    char keys[2048], ring[2048];
    if (!kt_have("${CC:-cc}"))
        skip();
    /* three releases: the old key, the transition, the new key */
    snprintf(keys, sizeof keys, "-k %s", a);
    release(keys, 1, "r1.fwpk");
    snprintf(keys, sizeof keys, "-k %s -k %s", a, b);
    release(keys, 2, "r2.fwpk");
    snprintf(keys, sizeof keys, "-k %s", b);
    release(keys, 3, "r3.fwpk");
    /* the bootloader in the field shipped with A (generation 0) and B
     * (generation 1) */
    snprintf(ring, sizeof ring, "%s@0 %s@1", a, b);
    assert_int_equal(build_boot(ring, "boot1"), 0);
    assert_int_equal(boot("boot1", "r1.fwpk", 0, 0, 0), FWPK_OK);
    assert_int_equal(boot("boot1", "r2.fwpk", 0, 1, 0), FWPK_OK);
    assert_int_equal(boot("boot1", "r3.fwpk", 0, 2, 0), FWPK_OK);
    /* after installing r2 the device persists min generation 1 and
     * counter 2: A's release is refused, even though A signed it */
    assert_int_equal(boot("boot1", "r1.fwpk", 1, 2, 0),
                        FWPK_ERR_REVOKED);
    assert_int_equal(boot("boot1", "r3.fwpk", 1, 2, 0), FWPK_OK);
    /* rollback: r2 is genuine, signed by B, but older than r3 */
    assert_int_equal(boot("boot1", "r2.fwpk", 1, 3, 0),
                        FWPK_ERR_ROLLBACK);
    /* both keys required during the transition */
    assert_int_equal(boot("boot1", "r2.fwpk", 0, 0, 2), FWPK_OK);
    assert_int_equal(boot("boot1", "r3.fwpk", 0, 0, 2),
                        FWPK_ERR_SIGNATURE);
    /* a new bootloader lists A as revoked */
    snprintf(ring, sizeof ring, "--revoked %s %s@1", a, b);
    assert_int_equal(build_boot(ring, "boot2"), 0);
    assert_int_equal(boot("boot2", "r1.fwpk", 0, 0, 0),
                        FWPK_ERR_REVOKED);
    assert_int_equal(boot("boot2", "r2.fwpk", 0, 0, 0), FWPK_OK);
    assert_int_equal(boot("boot2", "r3.fwpk", 0, 0, 0), FWPK_OK);
    /* a key the bootloader never knew */
    snprintf(keys, sizeof keys, "-k %s", c);
    release(keys, 4, "r4.fwpk");
    assert_int_equal(boot("boot2", "r4.fwpk", 0, 0, 0),
                        FWPK_ERR_SIGNATURE);
    /* the same through fwpack verify */
    assert_int_equal(kt_run("verify -p %s -p %s %s", a, b,
                            pu_path(dir, "r3.fwpk")), 0);
    assert_int_equal(kt_run("verify -p %s -p %s --min-security-counter 4 %s",
                            a, b, pu_path(dir, "r3.fwpk")), 1);
    assert_non_null(strstr(kt_err, "rollback"));
    assert_int_equal(kt_run("verify -p %s -p %s --min-signatures 2 %s", a, b,
                            pu_path(dir, "r2.fwpk")), 0);
    assert_int_equal(kt_run("verify -p %s -p %s --min-signatures 2 %s", a, b,
                            pu_path(dir, "r1.fwpk")), 1);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keyring_header),
        cmocka_unit_test(test_rotation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
