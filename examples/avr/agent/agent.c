/*
 * agent.c - the update agent of the ATmega328P in-place example (see
 * ../README.md, "ATmega328P: an update agent, installing in place"): the
 * fwpack device verifier (verifier/src, the mk/cross.mk atmega328p-min
 * switches with one segment and one target), a polled UART and the flash
 * callbacks, linked at AGENT_BASE (= STUB_IMAGE_END), between the
 * application and the boot section.  The stub (stub.c) enters it at reset when an update waits or
 * the image is not confirmed.
 *
 *   0x0000          the application: the image region, installed in place
 *   AGENT_BASE      this agent (RWW flash: it cannot execute SPM itself)
 *   STUB_BASE       the boot section: reset entry, stub_spm, the gate
 *
 * It asks the host for the container a piece at a time (the dfu.get
 * round trip of ../uart.h, AGENT_PIECE bytes each), as the A/B
 * bootloader does (../boot/boot.c), and feeds each piece to the verifier in its streaming design: bytes
 * reach flash before their frame is checked, so the image is "confirmed"
 * (the EEPROM state byte, stub.h) only when fwpk_finish() returns FWPK_OK,
 * and the byte is cleared before the first page is erased.  Nothing is
 * erased before the signature and the manifest checked out.  A refused
 * container that erased nothing leaves the application confirmed and
 * starts it; one that did erase leaves no confirmed image, and the agent
 * stops: the next reset enters it again and it asks for the container
 * again (the host, or its Notecard, keeps it).  The policy's minimum
 * security counter is kept in EEPROM (anti-rollback), raised before the
 * image is confirmed.
 *
 * Output lines start with "fwagent: "; the result line is one of
 *   fwagent: result=installed security_counter=N container_bytes=N
 *            image_bytes=N pages=N receive_cycles=N
 *   fwagent: result=refused error=E container_bytes=N erased_pages=N
 *   fwagent: result=none reason="no update offered"
 * (E: the fwpk_err number, fwpk_verify.h: this build has no strings),
 * then "fwagent: ram static=N stack=N stack_signature=N stack_install=N
 * total=N of N": the stack is painted at entry and again at the first
 * erase; its deepest use before that (the signature check, the manifest),
 * after it (the frames: inflate, hashes, flash callbacks) and the larger.
 * receive_cycles: the UART round trips, timed with Timer1 (to 8 cycles);
 * the host stamps lines with its cycle count (avrhost -t) for the rest.
 */
#include <avr/eeprom.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <string.h>

#include "fwpk_verify.h"
#include "keyring.h" /* generated: fwpack export-key KEY --format c */
#include "stackpaint.h"
#include "stub.h"
#include "uart.h"

#ifndef AGENT_PIECE
#define AGENT_PIECE 64u
#endif
#ifndef AGENT_UBRR
#define AGENT_UBRR 16u /* 115200 baud (-2.1 %) at 16 MHz with U2X */
#endif
#define AGENT_TARGET "app"
#define AGENT_MCU "atmega328p"
#define PAGE ((uint16_t)SPM_PAGESIZE)

static fwpk_ctx ctx; /* all of the verifier's memory */
static uint8_t piece[AGENT_PIECE];
static uint16_t erased, written; /* image pages */
static uint32_t t_receive;       /* cycles in UART round trips */

/* ---- output, the dfu.get round trip (UART: ../uart.h) ---- */

/* Timer1 overflows after 2^16 * 8 cycles: a round trip of up to ~370
 * bytes at 115200 baud; no interrupt is needed (the vector table at 0 is
 * the application's). */
#define T1_PRESCALE 8u

static void out_x(uint16_t v) /* 0x and four digits */
{
    OUT("0x");
    for (int8_t s = 12; s >= 0; s -= 4) {
        uint8_t d = (v >> s) & 15;
        out_c((char)(d < 10 ? '0' + d : 'a' - 10 + d));
    }
}

static void out_field(const char *name_P, uint32_t v) /* " name=v" */
{
    out_c(' ');
    out_P(name_P);
    out_c('=');
    out_u(v);
}
#define FIELD(name, v) out_field(PSTR(name), v)

/* One dfu.get round trip (../uart.h) into piece, timed. */
static uint16_t get_piece(uint32_t offset)
{
    TCNT1 = 0;
    uint16_t n = dfu_get(offset, piece, AGENT_PIECE);
    t_receive += (uint32_t)TCNT1 * T1_PRESCALE;
    return n;
}

/* ---- RAM high-water mark (../stackpaint.h) ---- */

static uint16_t stack_auth; /* the deepest stack before the first erase:
                               the signature check */

/* ---- the state byte and the flash callbacks ---- */

static uint8_t confirmed(void)
{
    return eeprom_read_byte((const uint8_t *)STUB_STATE_ADDR) == STUB_CONFIRMED;
}

/* The anti-rollback minimum: EEPROM bytes AGENT_MIN_ADDR.., erased
 * (0xFFFFFFFF) on a new device, read as 0. */
#define AGENT_MIN_ADDR 4u

static uint32_t min_counter(void)
{
    uint32_t m = eeprom_read_dword((const uint32_t *)AGENT_MIN_ADDR);
    return m == 0xFFFFFFFFul ? 0 : m;
}

static void set_state(uint8_t v)
{
    eeprom_write_byte((uint8_t *)STUB_STATE_ADDR, v);
    eeprom_busy_wait(); /* written before the next page operation */
}

static uint8_t in_image(uint32_t addr, uint32_t len)
{
    return len <= STUB_IMAGE_END && addr <= STUB_IMAGE_END - len;
}

static fwpk_err fl_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    if (!in_image(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    if (!erased) {
        stack_auth = stack_used();
        paint(); /* from here on: the install's own deepest stack */
        set_state(0xFF); /* from here on, no image is confirmed */
        OUT("fwagent: signature checked, image unconfirmed, erasing\n");
    }
    for (; len; addr += PAGE, len -= PAGE, erased++)
        if (STUB_SPM((uint16_t)addr, NULL))
            return FWPK_ERR_FLASH;
    return FWPK_OK;
}

static fwpk_err fl_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    (void)user;
    if (!in_image(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    for (; len; addr += PAGE, len -= PAGE, data += PAGE, written++)
        if (STUB_SPM((uint16_t)addr, data) ||
            memcmp_P(data, (const void *)(uint16_t)addr, PAGE) != 0)
            return FWPK_ERR_FLASH; /* refused, or did not read back */
    return FWPK_OK;
}

/* The window: image bytes already written, read back with LPM. */
static fwpk_err fl_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    (void)user;
    if (!in_image(addr, len))
        return FWPK_ERR_FLASH;
    memcpy_P(buf, (const void *)(uint16_t)addr, len);
    return FWPK_OK;
}

/* ---- one update ---- */

static void install(void)
{
    static const fwpk_flash flash = {
        .erase = fl_erase, .write = fl_write, .read = fl_read};
    fwpk_policy policy = {
        .keys = fwpk_keyring, /* in RAM: avr-gcc puts const data there */
        .key_count = FWPK_KEYRING_COUNT,
        .min_signatures = 1,
        .target = AGENT_TARGET,
        .mcu = AGENT_MCU,
        .window_lo = 0,
        .window_hi = STUB_IMAGE_END, /* the image region only */
        .min_security_counter = min_counter(),
    };
    OUT("fwagent: update offered, read in ");
    out_u(AGENT_PIECE);
    OUT("-byte pieces\n");
    t_receive = 0;
    uint32_t offset = 0;
    fwpk_err err = fwpk_begin(&ctx, &policy, &flash);
    uint16_t n;
    while (err == FWPK_OK && (n = get_piece(offset)) != 0) {
        if (n == 0xFFFF) {
            err = FWPK_ERR_ARG; /* a broken host: refused like a bad container */
            break;
        }
        err = fwpk_feed(&ctx, piece, n);
        offset += n;
    }
    if (err == FWPK_OK)
        err = fwpk_finish(&ctx);
    if (err == FWPK_OK) {
        /* raised before the image is confirmed: a cut between the two
         * leaves the same container acceptable, never an older one */
        if (ctx.manifest.security_counter > policy.min_security_counter) {
            eeprom_write_dword((uint32_t *)AGENT_MIN_ADDR,
                               ctx.manifest.security_counter);
            eeprom_busy_wait();
        }
        set_state(STUB_CONFIRMED); /* the commit point */
        /* the security counter, not the version string: the context
         * keeps no copy of it, and a buffer for it costs RAM */
        OUT("fwagent: result=installed");
        FIELD("security_counter", ctx.manifest.security_counter);
        FIELD("container_bytes", offset);
        FIELD("image_bytes", ctx.manifest.own.image_size);
        FIELD("pages", written);
        FIELD("receive_cycles", t_receive);
        out_c('\n');
        return;
    }
    OUT("fwagent: result=refused");
    FIELD("error", err);
    FIELD("container_bytes", offset);
    FIELD("erased_pages", erased);
    FIELD("receive_cycles", t_receive);
    out_c('\n');
}

/* OS_main: entered from the C runtime, never returns: no registers to
 * save (less stack under the verifier). */
__attribute__((OS_main)) int main(void)
{
    paint();
    uart_init(AGENT_UBRR);
    TCCR1A = 0;
    TCCR1B = 1 << CS11; /* clk/8 */

    OUT("fwagent: fwpack update agent, atmega328p: image region 0x0000..");
    out_x(STUB_IMAGE_END - 1);
    OUT(", agent at ");
    out_x(STUB_IMAGE_END);
    OUT(", boot section at ");
    out_x(STUB_BASE);
    OUT("; verifier context ");
    out_u(sizeof ctx);
    OUT(" bytes\nfwagent: image ");
    if (!confirmed())
        OUT("not ");
    OUT("confirmed\n");

    if (get_piece(0) != 0)
        install();
    else
        OUT("fwagent: result=none reason=\"no update offered\"\n");

    uint16_t st = stack_used(); /* since the first erase, if any */
    uint16_t st_install = erased ? st : 0;
    if (!erased)
        stack_auth = st; /* all of it was before any erase */
    if (stack_auth > st)
        st = stack_auth;
    uint16_t stat = (uint16_t)&__heap_start - RAMSTART;
    OUT("fwagent: ram static=");
    out_u(stat);
    FIELD("stack", st);
    FIELD("stack_signature", stack_auth);
    FIELD("stack_install", st_install);
    FIELD("total", stat + st);
    OUT(" of ");
    out_u((uint16_t)&__stack + 1 - RAMSTART);
    out_c('\n');
    if (stack_overflowed())
        OUT("fwagent: STACK OVERFLOW into .bss\n");

    if (confirmed())
        OUT("fwagent: starting the application\n");
    else
        OUT("fwagent: nothing confirmed, application not started\n");
    uart_drain();
    TCCR1B = 0;
    STUB_START_APP(); /* returns only when nothing is confirmed */
    sleep_enable();
    sleep_cpu(); /* simavr stops: sleeping with interrupts off */
    for (;;)
        ;
}
