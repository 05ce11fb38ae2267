/*
 * boot.c - an A/B bootloader for AVR (ATmega1284P in simavr; the same
 * source builds for the ATmega328P, which it does not fit: see README.md)
 * that installs fwpack containers with the device verifier (verifier/src,
 * linked in) through the real self-programming path: SPM page erase and
 * page write, from the boot section (spm.c).  The update logic is the
 * examples' shared A/B core (examples/abboot: state area, resume, commit,
 * copy checked by the image digest, anti-rollback); this file is the
 * chip: UART, SPM, timing, output, the jump.
 *
 *   flash (byte addresses, ATmega1284P build; the Makefile sets them)
 *   0x00000        this bootloader (reset vector, verifier, UART)
 *   BOOT_ACTIVE    active slot: the application is linked and runs here
 *   BOOT_STAGING   staging slot, upper flash: the verifier writes here
 *   BOOT_STATE     state area, two blocks of BOOT_STATE_BLOCK bytes
 *                  (abboot/state.h): resume records, "copy pending", the
 *                  anti-rollback minimum
 *   .bootspm       the SPM routines, at the start of the boot section
 *
 * At reset it reads the state area and completes a copy that a power cut
 * interrupted, then asks the host on the UART for the container, one piece
 * at a time, the way a host MCU passes Notecard dfu.get data on:
 *
 *   bootloader -> host   "dfu.get offset=N length=L\n"   (L = BOOT_PIECE)
 *   host -> bootloader   2 bytes little-endian count C <= L, then C bytes;
 *                        C = 0: the container ended (or no update offered)
 *
 * The host sends only what was asked for, when asked, so nothing is lost
 * while the verifier is busy (the Ed25519 check takes ~7 s at 16 MHz)
 * and the AVR needs no more than its 2-byte receive buffer.  Each piece
 * goes to fwpk_feed(); the verifier erases and writes the staging slot
 * (spm_erase / spm_write) only after the signature checked out, and every
 * BOOT_CHECKPOINT_EVERY-th resume record it offers is appended to the
 * state area, so a cut or a broken download resumes at the next boot.
 * Only when fwpk_finish() says FWPK_OK, and the staging slot matches the
 * signed image digest, is "copy pending" recorded (raising the
 * anti-rollback minimum to the container's security counter); then the
 * image's pages are copied into the active slot, checked against the
 * digest, the image's CRC-32 printed, and "idle" recorded.  A failure
 * before that record leaves the active slot untouched; a cut after it is
 * completed at the next reset.  Then the active slot's application starts.
 *
 * Output lines start with "fwboot: "; the result line is one of
 *   fwboot: result=installed version=V container_bytes=N image_bytes=N
 *           security_counter=N verify_cycles=N auth_cycles=N
 *           flash_cycles=N copy_cycles=N receive_cycles=N pages=N
 *   fwboot: result=installed version=V completed_copy=1 ...
 *   fwboot: result=refused error="..." container_bytes=N verify_cycles=N
 *           erased_pages=N
 *   fwboot: result=failed error="copy to the active slot: ..."
 *   fwboot: result=none reason="..."
 * Cycle counts come from Timer1 at clk/1, extended by its overflow
 * interrupt: verify_cycles is all the time in fwpk_begin/feed/finish,
 * flash callbacks and resume records included; auth_cycles the part of it
 * before the first erase of the staging slot (header, manifest, Ed25519
 * signature, first frame); flash_cycles the part in the erase/write
 * callbacks; copy_cycles the commit (digest checks, records, copy);
 * receive_cycles the UART transfers, not included in verify_cycles.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <string.h>

#include "abboot.h"
#include "fwpk_verify.h"
#include "keyring.h" /* generated: fwpack export-key KEY --format c */
#include "spm.h"
#include "stackpaint.h"
#include "uart.h"

#ifndef BOOT_CHIP
#define BOOT_CHIP "atmega1284p"
#endif
#ifndef BOOT_ACTIVE
#define BOOT_ACTIVE 0x08000UL
#endif
#ifndef BOOT_STAGING
#define BOOT_STAGING 0x10000UL
#endif
#ifndef BOOT_SLOT_SIZE
#define BOOT_SLOT_SIZE 0x08000UL
#endif
#ifndef BOOT_STATE
#define BOOT_STATE (BOOT_STAGING + BOOT_SLOT_SIZE)
#endif
#ifndef BOOT_STATE_BLOCK
#define BOOT_STATE_BLOCK 1024UL /* whole pages, two of them */
#endif
/* Every 4th resume record the verifier offers (it offers one after each
 * frame that completed a page: about one per 500 bytes of image here): a
 * record costs a page write, and every few a block erase, and page
 * endurance is 10 000 cycles. */
#ifndef BOOT_CHECKPOINT_EVERY
#define BOOT_CHECKPOINT_EVERY 4u
#endif
#ifndef BOOT_TARGET
#define BOOT_TARGET "app"
#endif
#ifndef BOOT_PIECE
#define BOOT_PIECE 64u
#endif
#ifndef BOOT_UBRR
#define BOOT_UBRR 16u /* 115200 baud (-2.1 %) at 16 MHz with U2X */
#endif
/* BOOT_MCU: the MCU id the container must name (fwpack pack --mcu);
 * undefined: any (the packer has no profile for this part). */

#define PAGE ((uint32_t)SPM_PAGESIZE)

#if FLASHEND > 0xFFFF
#define FLASH_BYTE(a) pgm_read_byte_far(a)
#define FLASH_WORD(a) pgm_read_word_far(a)
#else
#define FLASH_BYTE(a) pgm_read_byte((uint16_t)(a))
#define FLASH_WORD(a) pgm_read_word((uint16_t)(a))
#endif

static fwpk_ctx ctx; /* all of the verifier's memory */
static uint8_t piece[BOOT_PIECE];

/* ---- output beyond ../uart.h ---- */

static void out_s(const char *s) /* a string in RAM */
{
    while (*s)
        out_c(*s++);
}

static void out_x(uint32_t v) /* 0x..., no leading zeros */
{
    static const char hex[] PROGMEM = "0123456789abcdef";
    OUT("0x");
    int8_t s = 28;
    while (s > 0 && !(v >> s))
        s -= 4;
    for (; s >= 0; s -= 4)
        out_c((char)pgm_read_byte(&hex[(v >> s) & 15]));
}

static void out_hex8(uint32_t v) /* 8 hex digits */
{
    static const char hex[] PROGMEM = "0123456789abcdef";
    for (int8_t s = 28; s >= 0; s -= 4)
        out_c((char)pgm_read_byte(&hex[(v >> s) & 15]));
}

/* ---- Timer1: CPU cycles ---- */

static volatile uint16_t t1_high; /* overflows */

ISR(TIMER1_OVF_vect)
{
    t1_high++;
}

static void clk_start(void)
{
    TCCR1A = 0;
    TCCR1B = 0;
    TCNT1 = 0;
    TIFR1 = 1 << TOV1;
    TIMSK1 = 1 << TOIE1;
    TCCR1B = 1 << CS10; /* clk/1 */
    sei();
}

static void clk_stop(void)
{
    cli();
    TCCR1B = 0;
    TIMSK1 = 0;
    TIFR1 = 1 << TOV1;
}

/* Wraps after 2^32 cycles (268 s at 16 MHz): far above one update. */
static uint32_t cycles(void)
{
    uint8_t sreg = SREG;
    cli();
    uint16_t lo = TCNT1;
    uint16_t hi = t1_high;
    if ((TIFR1 & (1 << TOV1)) && lo < 0x8000)
        hi++; /* overflowed, interrupt not yet taken */
    SREG = sreg;
    return (uint32_t)hi << 16 | lo;
}

/* RAM high-water mark: the stack is painted at reset (../stackpaint.h) */

/* ---- the flash callbacks: slots and state area, through SPM ---- */

static uint32_t t_update;   /* cycles() when the update began */
static uint32_t t_verify;   /* cycles in the verifier (no UART) */
static uint32_t t_auth;     /* ... before the first erase of staging */
static uint32_t t_flash;    /* ... in the erase/write callbacks */
static uint32_t t_receive;  /* in UART transfers */
static uint32_t t_commit;   /* cycles() when the commit began */
static uint16_t erased, written; /* staging pages */
static uint8_t bad_reply;   /* the host sent more than was asked */

static uint8_t inside(uint32_t addr, uint32_t len, uint32_t base,
                      uint32_t size)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

/* Only the slots and the state area: never the bootloader itself. */
static uint8_t writable(uint32_t addr, uint32_t len)
{
    return inside(addr, len, BOOT_ACTIVE, BOOT_SLOT_SIZE) ||
           inside(addr, len, BOOT_STAGING, BOOT_SLOT_SIZE) ||
           inside(addr, len, BOOT_STATE, 2 * BOOT_STATE_BLOCK);
}

static uint8_t staging(uint32_t addr)
{
    return inside(addr, 1, BOOT_STAGING, BOOT_SLOT_SIZE);
}

static fwpk_err fl_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    uint32_t t0 = cycles();
    if (staging(addr) && erased == 0 && written == 0)
        t_auth = t0 - t_update - t_receive;
    if (!writable(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    for (; len; addr += PAGE, len -= PAGE) {
        spm_erase(addr);
        erased += staging(addr);
    }
    t_flash += cycles() - t0;
    return FWPK_OK;
}

static fwpk_err fl_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    (void)user;
    uint32_t t0 = cycles();
    if (!writable(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    for (; len; addr += PAGE, len -= PAGE, data += PAGE) {
        spm_write(addr, data);
        written += staging(addr);
        for (uint16_t i = 0; i < PAGE; i++) /* read back */
            if (FLASH_BYTE(addr + i) != data[i])
                return FWPK_ERR_FLASH;
    }
    t_flash += cycles() - t0;
    return FWPK_OK;
}

static fwpk_err fl_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    (void)user;
    if (!writable(addr, len))
        return FWPK_ERR_FLASH;
    memcpy_PF(buf, addr, len);
    return FWPK_OK;
}

/* ---- the container: dfu.get round trips ---- */

/* One dfu.get round trip (../uart.h) into piece, timed. */
static uint16_t get_piece(uint32_t offset)
{
    uint32_t t0 = cycles();
    uint16_t n = dfu_get(offset, piece, BOOT_PIECE);
    t_receive += cycles() - t0;
    return n;
}

static int32_t host_get(void *user, uint32_t offset, uint8_t *buf,
                        uint32_t len)
{
    (void)user;
    (void)buf; /* piece, which get_piece fills */
    (void)len; /* BOOT_PIECE */
    uint16_t n = get_piece(offset);
    if (n == 0xFFFF)
        bad_reply = 1;
    return n == 0xFFFF ? -1 : (int32_t)n;
}

/* ---- what happens, as it happens ---- */

/* CRC-32 (zlib's) of the image's bytes as they are now in the active
 * slot: what the host can compare with the image file. */
static void print_crc(const state_copy *c)
{
    uint32_t crc = 0xFFFFFFFFul;
    for (uint32_t i = 0; i < c->count; i++) {
        uint32_t a = c->seg[i].addr - BOOT_STAGING + BOOT_ACTIVE;
        for (uint32_t left = c->seg[i].len; left; left--) {
            crc ^= FLASH_BYTE(a++);
            for (uint8_t k = 0; k < 8; k++)
                crc = crc >> 1 ^ (0xEDB88320ul & -(crc & 1));
        }
    }
    OUT("fwboot: active slot image crc32=");
    out_hex8(~crc);
    out_c('\n');
}

static void on_state(const abboot *b)
{
    const state_record *r = &b->st.last;
    OUT("fwboot: state: ");
    if (!b->st.have) {
        OUT("no record (new device)\n");
        return;
    }
    OUT("record ");
    out_u(r->seq);
    if (r->kind == STATE_RESUME) {
        OUT(", update in progress: resume at frame ");
        out_u(r->u.resume.frame_index);
    } else if (r->kind == STATE_COPY) {
        OUT(", copy pending");
    } else {
        OUT(", idle");
    }
    OUT("; minimum security counter ");
    out_u(b->min_counter);
    out_c('\n');
}

static void on_installed(const abboot *b)
{
    const fwpk_manifest *m = &b->ctx->manifest;
    uint32_t copy = cycles() - t_commit;
    print_crc(&b->copy);
    OUT("fwboot: result=installed version=");
    out_s(b->copy.version);
    OUT(" container_bytes=");
    out_u(b->bytes);
    OUT(" image_bytes=");
    out_u(m->own.image_size);
    OUT(" security_counter=");
    out_u(m->security_counter);
    OUT(" verify_cycles=");
    out_u(t_verify);
    OUT(" auth_cycles=");
    out_u(t_auth);
    OUT(" flash_cycles=");
    out_u(t_flash);
    OUT(" copy_cycles=");
    out_u(copy);
    OUT(" receive_cycles=");
    out_u(t_receive);
    OUT(" pages=");
    out_u(written);
    out_c('\n');
}

static void on_refused(const abboot *b)
{
    OUT("fwboot: result=refused error=\"");
    if (bad_reply)
        OUT("bad reply from the host");
    else
        out_s(fwpk_strerror(b->err));
    OUT("\" container_bytes=");
    out_u(b->bytes);
    OUT(" verify_cycles=");
    out_u(cycles() - t_update - t_receive);
    OUT(" erased_pages=");
    out_u(erased);
    OUT("\nfwboot: active slot untouched\n");
}

static void on_event(void *user, const abboot *b, abboot_event ev)
{
    (void)user;
    switch (ev) {
    case ABBOOT_STATE:
        on_state(b);
        break;
    case ABBOOT_COPY_PENDING:
        OUT("fwboot: copy pending: the staging slot holds verified ");
        out_s(b->copy.version);
        OUT("; completing its copy to the active slot\n");
        break;
    case ABBOOT_COPIED:
        print_crc(&b->copy);
        OUT("fwboot: result=installed version=");
        out_s(b->copy.version);
        OUT(" completed_copy=1 security_counter=");
        out_u(b->min_counter);
        out_c('\n');
        break;
    case ABBOOT_COPY_FAILED:
        OUT("fwboot: result=failed error=\"copy to the active slot: ");
        out_s(fwpk_strerror(b->err));
        OUT("\"\n");
        break;
    case ABBOOT_BUSY:
        OUT("fwboot: update not started: the copy to the active slot is "
            "still pending\n");
        break;
    case ABBOOT_UPDATE:
        OUT("fwboot: update offered, read in ");
        out_u(BOOT_PIECE);
        OUT("-byte pieces\n");
        t_update = cycles();
        t_receive = 0;
        break;
    case ABBOOT_RESUMED:
        OUT("fwboot: resuming at frame ");
        out_u(b->from.frame_index);
        OUT(" (offset ");
        out_u(b->from.frame_offset);
        OUT("): ");
        out_u(b->from.flushed);
        OUT(" image bytes already in flash\n");
        break;
    case ABBOOT_START_OVER:
        OUT("fwboot: the resume record is not for this container (or flash "
            "no longer holds what it says): retired, starting over\n");
        break;
    case ABBOOT_VERIFIED:
        t_commit = cycles();
        t_verify = t_commit - t_update - t_receive;
        break;
    case ABBOOT_INSTALLED:
        on_installed(b);
        break;
    case ABBOOT_REFUSED:
        on_refused(b);
        break;
    case ABBOOT_KEPT:
        OUT("fwboot: update in progress kept: the next boot resumes at "
            "frame ");
        out_u(b->st.last.u.resume.frame_index);
        out_c('\n');
        break;
    case ABBOOT_ABANDONED:
        OUT("fwboot: update abandoned: state area idle\n");
        break;
    }
}

/* ---- one boot's update logic ---- */

static const abboot_layout layout = {
    .active = BOOT_ACTIVE,
    .staging = BOOT_STAGING,
    .slot_size = BOOT_SLOT_SIZE,
    .erase_block = PAGE,
    .write_unit = PAGE,
    .state = BOOT_STATE,
    .state_block = BOOT_STATE_BLOCK,
    .checkpoint_every = BOOT_CHECKPOINT_EVERY,
};

static const abboot_io io = {
    .flash = {.erase = fl_erase, .write = fl_write, .read = fl_read},
    .get = host_get,
    .event = on_event,
    .user = NULL,
};

static abboot boot;

static void update(void)
{
    abboot_init(&boot, &layout, &io, &ctx, piece, BOOT_PIECE);
    boot.policy.keys = fwpk_keyring; /* in RAM: avr-gcc puts const data there */
    boot.policy.key_count = FWPK_KEYRING_COUNT;
    boot.policy.min_signatures = 1;
    boot.policy.target = BOOT_TARGET;
#ifdef BOOT_MCU
    boot.policy.mcu = BOOT_MCU;
#endif

    /* Is there a container?  (The verifier asks for offset 0 again.) */
    uint16_t n = get_piece(0);
    t_receive = 0;
    if (abboot_run(&boot, n > 0 && n != 0xFFFF) != ABBOOT_END_NOTHING)
        return;
    OUT("fwboot: result=none reason=\"");
    if (n)
        OUT("bad reply from the host");
    else
        OUT("no update offered");
    OUT("\"\n");
}

/* An application starts with its vector table: "jmp __ctors_end". */
static uint8_t valid_app(void)
{
    return (FLASH_WORD(BOOT_ACTIVE) & 0xFE0Eu) == 0x940Cu;
}

int main(void)
{
    paint();
    uart_init(BOOT_UBRR);
    clk_start();
    OUT("fwboot: fwpack AVR bootloader, " BOOT_CHIP ", active slot ");
    out_x(BOOT_ACTIVE);
    OUT(", staging slot ");
    out_x(BOOT_STAGING);
    OUT(", ");
    out_u(BOOT_SLOT_SIZE);
    OUT(" bytes each, ");
    out_u(PAGE);
    OUT("-byte pages; verifier context ");
    out_u(sizeof ctx);
    OUT(" bytes (window 2^");
    out_u(FWPK_WINDOW_BITS);
    OUT(", frames <= ");
    out_u(FWPK_MAX_FRAME_SIZE);
    OUT(")\n");

    update();

    uint16_t st = stack_used();
    uint16_t stat = (uint16_t)&__heap_start - RAMSTART;
    OUT("fwboot: ram static=");
    out_u(stat);
    OUT(" stack=");
    out_u(st);
    OUT(" total=");
    out_u(stat + st);
    OUT(" of ");
    out_u(RAMEND + 1 - RAMSTART);
    out_c('\n');

    uint8_t start = abboot_active_ok(&boot) && valid_app();
    if (!abboot_active_ok(&boot)) {
        OUT("fwboot: not starting the active slot: its copy is still "
            "pending (the next reset retries it)\n");
    } else if (!start) {
        OUT("fwboot: no valid application in the active slot\n");
    } else {
        OUT("fwboot: booting the application at ");
        out_x(BOOT_ACTIVE);
        out_c('\n');
    }
    uart_drain();
    clk_stop(); /* hand over quiet peripherals, interrupts off */
    if (start)
        ((void (*)(void))(uint16_t)(BOOT_ACTIVE / 2))();
    sleep_enable();
    sleep_cpu(); /* simavr stops: sleeping with interrupts off */
    for (;;)
        ;
}
