/* test_prog.c - the programmer library (programmer/) in-process, on a
 * port that is a small STK500v1 target (Optiboot's answers, a flash that
 * starts full of junk) and records the modem lines and delays:
 *
 *   reset      --reset dtr on an AVR: DTR released, then asserted (the
 *              auto-reset edge), before the first byte; STM32 with BOOT0
 *              and RESET wired: BOOT0 high, a reset pulse, and at the end
 *              BOOT0 low and a pulse instead of the Go command
 *   blanks     erase blocks bigger than a page: pages the image does not
 *              cover in an erased block end up erased (written blank,
 *              which is Optiboot's erase), pages outside stay as they were
 *   interrupt  the port says "interrupted" (Ctrl-C) after two pages:
 *              stopped there, two pages written and read back
 *   refusals   an unsigned manifest, a container for the wrong MCU, one
 *              whose flash overruns the chip: the port never used
 *   connect    fwpk_prog_connect: the chip id alone
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../programmer/src/link.h"
#include "fwpack.h"
#include "fwpk_prog.h"
#include "pack_util.h"

#define FLASH 32768
#define PAGE 128
#define JUNK 0x5a

/* ---- the target ---- */

typedef struct {
    uint8_t flash[FLASH];
    uint8_t in[512];       /* the command being received */
    size_t in_len;
    uint8_t out[1024];     /* answers not read yet */
    size_t out_len, out_pos;
    uint32_t addr;         /* byte address */
    unsigned pages;        /* pages programmed */
    unsigned interrupt_at; /* INTERRUPTED once this many are programmed */
    unsigned sent_any;     /* bytes received so far */
    char events[1024];     /* lines and delays, in order */
} target;

static target t;

static void answer(const uint8_t *d, size_t n)
{
    t.out[t.out_len++] = 0x14;
    if (n > 0)
        memcpy(t.out + t.out_len, d, n);
    t.out_len += n;
    t.out[t.out_len++] = 0x10;
}

/* The length of the command at t.in, 0 if not complete yet. */
static size_t command_len(void)
{
    if (t.in_len == 0)
        return 0;
    switch (t.in[0]) {
    case 0x55: return t.in_len >= 4 ? 4 : 0;
    case 0x74: return t.in_len >= 5 ? 5 : 0;
    case 0x64:
        if (t.in_len < 4)
            return 0;
        return t.in_len >= 5u + (size_t)(t.in[1] << 8 | t.in[2])
                   ? 5u + (size_t)(t.in[1] << 8 | t.in[2])
                   : 0;
    default: return t.in_len >= 2 ? 2 : 0;
    }
}

static void run_command(size_t n)
{
    static const uint8_t sig[3] = {0x1e, 0x95, 0x0f};
    assert_int_equal(t.in[n - 1], 0x20); /* CRC_EOP */
    switch (t.in[0]) {
    case 0x75: answer(sig, 3); return;
    case 0x55: t.addr = (uint32_t)(t.in[1] | t.in[2] << 8) * 2u; break;
    case 0x64: /* erases the page, writes it */
        assert_int_equal(n - 5, PAGE);
        assert_int_equal(t.addr % PAGE, 0);
        memcpy(t.flash + t.addr, t.in + 4, PAGE);
        t.pages++;
        break;
    case 0x74:
        answer(t.flash + t.addr, (size_t)(t.in[1] << 8 | t.in[2]));
        return;
    }
    answer(NULL, 0);
}

static fwpk_prog_err port_send(void *io, const uint8_t *d, size_t n)
{
    (void)io;
    t.sent_any += (unsigned)n;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        t.in[t.in_len++] = d[i];
        if ((len = command_len()) != 0) {
            run_command(len);
            t.in_len = 0;
        }
    }
    return FWPK_PROG_OK;
}

static fwpk_prog_err port_recv(void *io, uint8_t *buf, size_t n,
                               uint32_t timeout_ms, size_t *got)
{
    (void)io;
    (void)timeout_ms;
    if (t.interrupt_at && t.pages >= t.interrupt_at)
        return FWPK_PROG_ERR_INTERRUPTED;
    *got = t.out_len - t.out_pos < n ? t.out_len - t.out_pos : n;
    memcpy(buf, t.out + t.out_pos, *got);
    t.out_pos += *got;
    if (t.out_pos == t.out_len)
        t.out_pos = t.out_len = 0;
    return FWPK_PROG_OK;
}

static void event(const char *fmt, ...)
{
    va_list ap;
    size_t n = strlen(t.events);
    va_start(ap, fmt);
    vsnprintf(t.events + n, sizeof t.events - n, fmt, ap);
    va_end(ap);
}

static void port_discard(void *io)
{
    (void)io;
    t.out_pos = t.out_len = 0;
}

static fwpk_prog_err port_line(void *io, fwpk_prog_line which, int on)
{
    (void)io;
    event("%s%s %d;", t.sent_any ? "(after bytes) " : "",
          which == FWPK_PROG_LINE_DTR ? "DTR" : "RTS", on);
    return FWPK_PROG_OK;
}

static void port_delay(void *io, uint32_t ms)
{
    (void)io;
    event("wait %u;", (unsigned)ms);
}

static const fwpk_prog_port port = {port_send, port_recv, port_discard,
                                    port_line, port_delay, NULL};

/* ---- containers ---- */

static const char *dir;
static uint8_t *box_data;
static size_t box_len;

static long source_read(void *src, uint32_t off, uint8_t *buf, uint32_t len)
{
    (void)src;
    if (off >= box_len)
        return 0;
    if (len > box_len - off)
        len = (uint32_t)(box_len - off);
    memcpy(buf, box_data + off, len);
    return (long)len;
}

static fwpk_key key;
static fwpk_policy policy;

static int setup(void **state)
{
    (void)state;
    fwp_err err;
    dir = pu_tmpdir();
    if (pu_run("keygen -o %s/key.pem", dir) ||
        fwp_key_load_public(pu_path(dir, "key.pem"), key.pk, &err))
        return -1;
    fwp_key_id(key.pk, key.id);
    memset(&policy, 0, sizeof policy);
    policy.keys = &key;
    policy.key_count = 1;
    policy.target = "app";
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(box_data);
    pu_run_free();
    pu_rmdir(dir);
    return 0;
}

/* Packs 'hex' (text of an Intel HEX file) with pack options 'opts'. */
static void pack(const char *hex, const char *opts)
{
    pu_write_str(pu_path(dir, "in.hex"), hex);
    if (pu_run("pack -k %s/key.pem %s %s/in.hex -o %s/box.fwpk --force", dir,
               opts, dir, dir) != 0)
        fail_msg("pack: %s", pu_err);
    free(box_data);
    box_data = (uint8_t *)pu_read(pu_path(dir, "box.fwpk"), &box_len);
}

/* n bytes of value v at addr, as HEX records. */
static void hex_fill(char *out, size_t cap, uint32_t addr, unsigned n,
                     uint8_t v)
{
    size_t len = strlen(out);
    while (n > 0) {
        unsigned k = n < 16 ? n : 16, sum = k + (addr >> 8) + (addr & 0xff);
        len += (size_t)snprintf(out + len, cap - len, ":%02X%04X00", k,
                                (unsigned)addr);
        for (unsigned i = 0; i < k; i++) {
            len += (size_t)snprintf(out + len, cap - len, "%02X", v);
            sum += v;
        }
        len += (size_t)snprintf(out + len, cap - len, "%02X\n",
                                (256 - sum % 256) % 256);
        addr += k;
        n -= k;
    }
}

static fwpk_prog_err update(fwpk_prog *p)
{
    static fwpk_ctx ctx;
    uint8_t piece[300];
    fwpk_prog_source src = {source_read, NULL};
    return fwpk_prog_update(p, &ctx, &policy, &src, piece, sizeof piece);
}

static void fresh_target(void)
{
    memset(&t, 0, sizeof t);
    memset(t.flash, JUNK, sizeof t.flash);
}

/* ---- tests ---- */

static void test_avr_reset_before_first_byte(void **state)
{
    (void)state;
    char hex[4096] = "";
    fwpk_prog p;
    hex_fill(hex, sizeof hex, 0, 200, 0x11);
    strcat(hex, ":00000001FF\n");
    pack(hex, "--mcu atmega328p");
    fresh_target();
    fwpk_prog_init(&p, &fwpk_prog_stk500, &port);
    p.reset = FWPK_PROG_LINE_DTR;
    assert_int_equal(update(&p), FWPK_PROG_OK);
    assert_int_equal(p.stage, FWPK_PROG_STAGE_DONE);
    assert_string_equal(t.events, "DTR 0;wait 100;DTR 1;wait 50;wait 20;");
    assert_int_equal(p.pages, 2);
    assert_int_equal(p.page_total, 2);
    assert_int_equal(p.id, 0x1e950f);
    for (unsigned i = 0; i < 200; i++)
        assert_int_equal(t.flash[i], 0x11);
    for (unsigned i = 200; i < 256; i++)
        assert_int_equal(t.flash[i], 0xff);
    assert_int_equal(t.flash[256], JUNK);
}

static void test_stm32_boot0_and_reset_lines(void **state)
{
    (void)state;
    fwpk_prog p;
    fresh_target();
    fwpk_prog_init(&p, &fwpk_prog_an3155, &port);
    p.reset = FWPK_PROG_LINE_DTR;
    p.boot0 = FWPK_PROG_LINE_RTS;
    assert_int_equal(fwpk_link_enter_bootloader(&p), FWPK_PROG_OK);
    assert_string_equal(t.events, "RTS 0;DTR 1;wait 100;DTR 0;wait 100;");
    t.events[0] = 0;
    assert_true(fwpk_link_can_reset_to_app(&p));
    assert_int_equal(fwpk_link_reset_to_app(&p), FWPK_PROG_OK);
    assert_string_equal(t.events, "RTS 1;DTR 1;wait 100;DTR 0;");
    /* without RESET wired, the Go command starts the application */
    p.reset = FWPK_PROG_LINE_NONE;
    assert_false(fwpk_link_can_reset_to_app(&p));
    /* lines asked for, but the port has none */
    fwpk_prog_port bare = port;
    bare.line = NULL;
    fwpk_prog_init(&p, &fwpk_prog_stk500, &bare);
    p.reset = FWPK_PROG_LINE_RTS;
    assert_int_equal(fwpk_link_enter_bootloader(&p),
                     FWPK_PROG_ERR_UNSUPPORTED);
}

static void test_erased_blocks_end_up_erased(void **state)
{
    (void)state;
    char hex[16384] = "";
    fwpk_prog p;
    /* 512-byte erase blocks (4 pages); the image covers pages 0-2 and 8 */
    hex_fill(hex, sizeof hex, 0, 300, 0x22);
    hex_fill(hex, sizeof hex, 1024, 100, 0x33);
    strcat(hex, ":00000001FF\n");
    pack(hex, "--mcu atmega328p --erase-block 512");
    fresh_target();
    fwpk_prog_init(&p, &fwpk_prog_stk500, &port);
    assert_int_equal(update(&p), FWPK_PROG_OK);
    for (unsigned i = 0; i < 300; i++)
        assert_int_equal(t.flash[i], 0x22);
    for (unsigned i = 300; i < 512; i++) /* page 3 too: written blank */
        assert_int_equal(t.flash[i], 0xff);
    for (unsigned i = 512; i < 1024; i++) /* another block: untouched */
        assert_int_equal(t.flash[i], JUNK);
    for (unsigned i = 1024; i < 1124; i++)
        assert_int_equal(t.flash[i], 0x33);
    for (unsigned i = 1124; i < 1536; i++)
        assert_int_equal(t.flash[i], 0xff);
    assert_int_equal(t.flash[1536], JUNK);
    assert_int_equal(t.pages, 8);
    assert_int_equal(p.pages, 8);
    assert_int_equal(p.lo, 0);
    assert_int_equal(p.hi, 1536);
}

static void test_interrupt_stops_after_two_pages(void **state)
{
    (void)state;
    char hex[8192] = "";
    fwpk_prog p;
    hex_fill(hex, sizeof hex, 0, 640, 0x44);
    strcat(hex, ":00000001FF\n");
    pack(hex, "--mcu atmega328p");
    fresh_target();
    t.interrupt_at = 2;
    fwpk_prog_init(&p, &fwpk_prog_stk500, &port);
    assert_int_equal(update(&p), FWPK_PROG_ERR_INTERRUPTED);
    assert_int_equal(p.pages, 1); /* the second was not read back */
    assert_int_equal(p.stage, FWPK_PROG_STAGE_WRITE);
    assert_int_equal(p.op_addr, 128);
    assert_int_equal(p.page_total, 5);
    assert_true(p.erased);
    assert_int_equal(t.pages, 2);
}

static void refused_unsent(const char *hex_opts, fwpk_prog_err want,
                           const fwpk_prog_driver *drv)
{
    char hex[4096] = "";
    fwpk_prog p;
    if (strstr(hex_opts, "stm32"))
        strcat(hex, ":020000040800F2\n"); /* upper address 0x0800 */
    hex_fill(hex, sizeof hex, 0, 64, 0x55);
    strcat(hex, ":00000001FF\n");
    pack(hex, hex_opts);
    fresh_target();
    fwpk_prog_init(&p, drv, &port);
    assert_int_equal(update(&p), want);
    assert_int_equal(p.stage, FWPK_PROG_STAGE_VERIFY);
    assert_int_equal(t.sent_any, 0);
    assert_string_equal(t.events, "");
}

static void test_refused_before_the_port(void **state)
{
    (void)state;
    refused_unsent("--mcu stm32g030k8", FWPK_PROG_ERR_MCU, &fwpk_prog_stk500);
    refused_unsent("--mcu atmega328p --flash-size 0x10000",
                   FWPK_PROG_ERR_GEOMETRY, &fwpk_prog_stk500);
    refused_unsent("--mcu atmega328p --erase-block 64 --write-unit 64",
                   FWPK_PROG_ERR_GEOMETRY, &fwpk_prog_stk500);
    /* no MCU in the container, none given */
    refused_unsent("--flash-base 0 --flash-size 0x8000 --erase-block 128 "
                   "--write-unit 128", FWPK_PROG_ERR_MCU, &fwpk_prog_avr109);
    /* a key the device does not trust */
    fwpk_key saved = key;
    key.pk[0] ^= 1;
    refused_unsent("--mcu atmega328p", FWPK_PROG_ERR_VERIFY,
                   &fwpk_prog_stk500);
    key = saved;
}

static void test_connect_reads_the_chip_id(void **state)
{
    (void)state;
    fwpk_prog p;
    uint32_t id = 0;
    fresh_target();
    fwpk_prog_init(&p, &fwpk_prog_stk500, &port);
    assert_int_equal(fwpk_prog_connect(&p, &id), FWPK_PROG_OK);
    assert_int_equal(id, 0x1e950f);
    assert_int_equal(t.pages, 0);
    assert_string_equal(fwpk_prog_chip_by_id(FWPK_PROG_AVR, id)->mcu,
                        "atmega328p");
    assert_null(fwpk_prog_chip_by_id(FWPK_PROG_STM32, id));
    assert_string_equal(fwpk_prog_strerror(FWPK_PROG_ERR_COUNT),
                        "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_avr_reset_before_first_byte),
        cmocka_unit_test(test_stm32_boot0_and_reset_lines),
        cmocka_unit_test(test_erased_blocks_end_up_erased),
        cmocka_unit_test(test_interrupt_stops_after_two_pages),
        cmocka_unit_test(test_refused_before_the_port),
        cmocka_unit_test(test_connect_reads_the_chip_id),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
