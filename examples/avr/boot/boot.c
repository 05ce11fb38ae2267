/*
 * boot.c - an A/B bootloader for AVR (ATmega1284P in simavr; the same
 * source builds for the ATmega328P, which it does not fit: see README.md)
 * that installs fwpack containers with the device verifier (verifier/src,
 * linked in) through the real self-programming path: SPM page erase and
 * page write, from the boot section (spm.c).
 *
 *   flash (byte addresses, ATmega1284P build; the Makefile sets them)
 *   0x00000        this bootloader (reset vector, verifier, UART)
 *   BOOT_ACTIVE    active slot: the application is linked and runs here
 *   BOOT_STAGING   staging slot, upper flash: the verifier writes here
 *   .bootspm       the SPM routines, at the start of the boot section
 *
 * At reset it asks the host on the UART for the container, one piece at a
 * time, the way a host MCU passes Notecard dfu.get data on:
 *
 *   bootloader -> host   "dfu.get offset=N length=L\n"   (L = BOOT_PIECE)
 *   host -> bootloader   2 bytes little-endian count C <= L, then C bytes;
 *                        C = 0: the container ended (or no update offered)
 *
 * The host sends only what was asked for, when asked, so nothing is lost
 * while the verifier is busy (the Ed25519 check takes ~9 s at 16 MHz)
 * and the AVR needs no more than its 2-byte receive buffer.  Each piece
 * goes to fwpk_feed(); the verifier erases and writes the staging slot
 * (spm_erase / spm_write) only after the signature checked out.  Only when
 * fwpk_finish() says FWPK_OK are the image's pages copied into the active
 * slot (spm_copy), compared with staging, and the image's CRC-32 printed.  Any failure leaves the active
 * slot untouched.  Then the active slot's application is started.
 *
 * Output lines start with "fwboot: "; the result line is one of
 *   fwboot: result=installed version=V container_bytes=N image_bytes=N
 *           verify_cycles=N auth_cycles=N flash_cycles=N copy_cycles=N
 *           receive_cycles=N
 *   fwboot: result=refused error="..." container_bytes=N verify_cycles=N
 *           erased_pages=N
 *   fwboot: result=none reason="..."
 * Cycle counts come from Timer1 at clk/1, extended by its overflow
 * interrupt: verify_cycles is all the time in fwpk_begin/feed/finish,
 * flash callbacks included; auth_cycles the part of it before the first
 * erase (header, manifest, Ed25519 signature, first frame); flash_cycles
 * the part in the erase/write callbacks; receive_cycles the UART
 * transfers, not included in verify_cycles.
 */
#include <avr/interrupt.h>
#include <avr/io.h>
#include <avr/pgmspace.h>
#include <avr/sleep.h>
#include <stdint.h>
#include <string.h>

#include "fwpk_verify.h"
#include "keyring.h" /* generated: fwpack export-key KEY --format c */
#include "spm.h"

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

/* ---- UART (polled) ---- */

static void uart_init(void)
{
    UBRR0 = BOOT_UBRR;
    UCSR0A = 1 << U2X0;
    UCSR0C = 3 << UCSZ00; /* 8N1 */
    UCSR0B = (1 << RXEN0) | (1 << TXEN0);
}

static void out_c(char c)
{
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    UDR0 = (uint8_t)c;
}

static void out_P(const char *s) /* a string in flash */
{
    char c;
    while ((c = (char)pgm_read_byte(s++)) != 0)
        out_c(c);
}
#define OUT(s) out_P(PSTR(s))

static void out_s(const char *s) /* a string in RAM */
{
    while (*s)
        out_c(*s++);
}

static void out_u(uint32_t v)
{
    char b[11], *p = b + sizeof b;
    *--p = 0;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    out_s(p);
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

static uint8_t in_c(void)
{
    while (!(UCSR0A & (1 << RXC0)))
        ;
    return UDR0;
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

/* ---- RAM high-water mark: the stack is painted at reset ---- */

#define PAINT 0xA5
extern uint8_t __heap_start; /* end of .bss */

__attribute__((noinline)) static void paint(void)
{
    volatile uint8_t *p = &__heap_start;
    uint16_t stop = SP - 16;
    while ((uint16_t)p < stop)
        *p++ = PAINT;
}

static uint16_t stack_used(void)
{
    const uint8_t *p = &__heap_start;
    while ((uint16_t)p < SP && *p == PAINT)
        p++;
    return (uint16_t)(RAMEND + 1 - (uint16_t)p);
}

/* ---- the flash callbacks: the staging slot, through SPM ---- */

static uint32_t t_call;     /* cycles() when the current fwpk_* call began */
static uint32_t t_verify;   /* cycles in fwpk_* calls so far */
static uint32_t t_auth;     /* ... before the first erase */
static uint32_t t_flash;    /* ... in the erase/write callbacks */
static uint16_t erased, written; /* pages */

static uint8_t in_staging(uint32_t addr, uint32_t len)
{
    return addr >= BOOT_STAGING && len <= BOOT_SLOT_SIZE &&
           addr - BOOT_STAGING <= BOOT_SLOT_SIZE - len;
}

static fwpk_err fl_erase(void *user, uint32_t addr, uint32_t len)
{
    (void)user;
    uint32_t t0 = cycles();
    if (erased == 0 && written == 0)
        t_auth = t_verify + (t0 - t_call);
    if (!in_staging(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    for (; len; addr += PAGE, len -= PAGE) {
        spm_erase(addr);
        erased++;
    }
    t_flash += cycles() - t0;
    return FWPK_OK;
}

static fwpk_err fl_write(void *user, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    (void)user;
    uint32_t t0 = cycles();
    if (!in_staging(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    for (; len; addr += PAGE, len -= PAGE, data += PAGE) {
        spm_write(addr, data);
        written++;
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
    if (!in_staging(addr, len))
        return FWPK_ERR_FLASH;
    memcpy_PF(buf, addr, len);
    return FWPK_OK;
}

/* ---- the update ---- */

static uint32_t t_receive;

/* One dfu.get round trip; returns the byte count, 0 at the end, or
 * 0xFFFF for a reply longer than asked (a broken host). */
static uint16_t get_piece(uint32_t offset)
{
    uint32_t t0 = cycles();
    OUT("dfu.get offset=");
    out_u(offset);
    OUT(" length=");
    out_u(BOOT_PIECE);
    out_c('\n');
    uint16_t n = in_c();
    n |= (uint16_t)in_c() << 8;
    if (n > BOOT_PIECE)
        return 0xFFFF;
    for (uint16_t i = 0; i < n; i++)
        piece[i] = in_c();
    t_receive += cycles() - t0;
    return n;
}

static void refused(const char *why, uint32_t bytes)
{
    OUT("fwboot: result=refused error=\"");
    out_s(why);
    OUT("\" container_bytes=");
    out_u(bytes);
    OUT(" verify_cycles=");
    out_u(t_verify);
    OUT(" erased_pages=");
    out_u(erased);
    OUT("\nfwboot: active slot untouched\n");
}

/* Copies the image's pages from staging to active (the verifier left the
 * bytes of those pages outside the segments erased, 0xFF) and compares
 * them.  The staging pages were read back as they were written (fl_write),
 * and what was written is what the verifier hashed against the signed
 * image digest: so the active slot now holds the signed image. */
static uint8_t promote(const fwpk_target *t)
{
    uint32_t done = BOOT_STAGING; /* staging pages below this are copied */
    for (uint32_t i = 0; i < t->segment_count; i++) {
        uint32_t lo = t->segments[i].addr & ~(PAGE - 1);
        uint32_t hi = (t->segments[i].addr + t->segments[i].len + PAGE - 1) &
                      ~(PAGE - 1);
        if (lo < done)
            lo = done;
        for (uint32_t a = lo; a < hi; a += PAGE) {
            uint32_t dst = a - BOOT_STAGING + BOOT_ACTIVE;
            spm_erase(dst);
            spm_copy(dst, a);
            for (uint16_t k = 0; k < PAGE; k += 2)
                if (FLASH_WORD(dst + k) != FLASH_WORD(a + k)) {
                    OUT("fwboot: read-back mismatch at ");
                    out_x(dst + k);
                    out_c('\n');
                    return 0;
                }
        }
        if (hi > done)
            done = hi;
    }
    /* CRC-32 (zlib's) of the segments' bytes as they are now in the active
     * slot: what the host can compare with the image file. */
    uint32_t crc = 0xFFFFFFFFul;
    for (uint32_t i = 0; i < t->segment_count; i++) {
        uint32_t a = t->segments[i].addr - BOOT_STAGING + BOOT_ACTIVE;
        for (uint32_t left = t->segments[i].len; left; left--) {
            crc ^= FLASH_BYTE(a++);
            for (uint8_t k = 0; k < 8; k++)
                crc = crc >> 1 ^ (0xEDB88320ul & -(crc & 1));
        }
    }
    OUT("fwboot: active slot image crc32=");
    out_hex8(~crc);
    out_c('\n');
    return 1;
}

static void update(void)
{
    fwpk_policy policy;
    memset(&policy, 0, sizeof policy);
    policy.keys = fwpk_keyring; /* in RAM: avr-gcc puts const data there */
    policy.key_count = FWPK_KEYRING_COUNT;
    policy.min_signatures = 1;
    policy.target = BOOT_TARGET;
#ifdef BOOT_MCU
    policy.mcu = BOOT_MCU;
#endif
    policy.window_lo = BOOT_STAGING;
    policy.window_hi = BOOT_STAGING + BOOT_SLOT_SIZE;
    policy.min_security_counter = 0;
    fwpk_flash cb = {fl_erase, fl_write, fl_read, NULL, NULL, NULL, 0};

    uint32_t bytes = 0;
    uint16_t n = get_piece(0);
    if (n == 0 || n == 0xFFFF) {
        OUT("fwboot: result=none reason=\"");
        if (n)
            OUT("bad reply from the host");
        else
            OUT("no update offered");
        OUT("\"\n");
        return;
    }
    OUT("fwboot: update offered, read in ");
    out_u(BOOT_PIECE);
    OUT("-byte pieces\n");

    t_call = cycles();
    fwpk_err err = fwpk_begin(&ctx, &policy, &cb);
    t_verify += cycles() - t_call;
    while (err == FWPK_OK) {
        if (n == 0xFFFF) {
            refused("bad reply from the host", bytes);
            return;
        }
        if (n == 0)
            break;
        bytes += n;
        t_call = cycles();
        err = fwpk_feed(&ctx, piece, n);
        t_verify += cycles() - t_call;
        if (err == FWPK_OK)
            n = get_piece(bytes);
    }
    if (err == FWPK_OK) {
        t_call = cycles();
        err = fwpk_finish(&ctx);
        t_verify += cycles() - t_call;
    }
    if (err != FWPK_OK) {
        refused(fwpk_strerror(err), bytes);
        return;
    }

    const fwpk_target *t = &ctx.manifest.own;
    uint32_t t0 = cycles();
    uint8_t ok = promote(t);
    uint32_t copy = cycles() - t0;
    if (!ok) {
        /* The active slot is now partly written: a real bootloader would
         * retry the copy from the intact staging slot at the next reset. */
        OUT("fwboot: result=failed error=\"copy to the active slot\"\n");
        return;
    }
    OUT("fwboot: result=installed version=");
    out_s(ctx.manifest.version);
    OUT(" container_bytes=");
    out_u(bytes);
    OUT(" image_bytes=");
    out_u(t->image_size);
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

/* An application starts with its vector table: "jmp __ctors_end". */
static uint8_t valid_app(void)
{
    return (FLASH_WORD(BOOT_ACTIVE) & 0xFE0Eu) == 0x940Cu;
}

int main(void)
{
    paint();
    uart_init();
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

    if (!valid_app()) {
        OUT("fwboot: no valid application in the active slot\n");
    } else {
        OUT("fwboot: booting the application at ");
        out_x(BOOT_ACTIVE);
        out_c('\n');
    }
    while (!(UCSR0A & (1 << UDRE0)))
        ;
    clk_stop(); /* hand over quiet peripherals, interrupts off */
    if (valid_app())
        ((void (*)(void))(uint16_t)(BOOT_ACTIVE / 2))();
    sleep_enable();
    sleep_cpu(); /* simavr stops: sleeping with interrupts off */
    for (;;)
        ;
}
