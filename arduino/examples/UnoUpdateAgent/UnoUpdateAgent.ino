/*
 * UnoUpdateAgent - fwpack's update agent for an Arduino Uno (ATmega328P)
 * with a Blues Notecard on its serial port (pins 0 and 1, 9600 baud).
 *
 * The sketch is the board's boot program, laid out like fwpack's AVR
 * example bootloader (examples/avr in the fwpack tree):
 *
 *   flash (byte addresses)
 *   0x0000  this sketch: reset vector, Arduino core, verifier, Notecard
 *           client, A/B logic; it must end below AGENT_ACTIVE
 *   0x5000  active slot, 5 KB: the application, linked for 0x5000
 *   0x6400  staging slot, 5 KB: the verifier writes the new image here
 *   0x7800  state area, 2 x 512 bytes: resume records, "copy pending",
 *           the lowest security counter still accepted
 *   0x7E00  boot section (BOOTSZ = 256 words): only the SPM routines
 *           (spm.c), since SPM works only from there
 *
 * At reset the A/B logic (abboot, in the library) reads the state area
 * and completes a copy that a power cut interrupted.  Then it asks the
 * Notecard for a host firmware image (dfu.status) and feeds it to the
 * verifier piece by piece (dfu.get), from where a power cut left off if
 * one did (every 4th resume record is kept).  Nothing is erased before the
 * signature checks out, and only the staging slot is ever written by an
 * update.  When the whole container checked out and the staging slot
 * holds the signed image digest, "copy pending" is recorded: the commit
 * point.  The copy into the active slot is checked by that digest and
 * redone at the next reset if power fails during it.  Then the
 * application starts.  The Notecard hears the outcome (dfu.status).
 *
 * Build and fuses: README.md of the library.  The key: replace keyring.h
 * with yours (fwpack export-key release.pem --format c -o keyring.h).
 * Containers: fwpack pack --mcu atmega328p --flash-base 0x6400
 *   --flash-size 0x1400 --load-addr 0x6400 ... app.bin (the staging slot).
 */
#include <fwpack.h>
#include <avr/pgmspace.h>

#include "keyring.h"
extern "C" {
#include "spm.h" /* C, in the boot section */
}

#if FLASHEND > 0xFFFF
/* The same agent on an Arduino Mega 2560 (256 KB, 256-byte pages; the
 * boot section's SPM routines at 0x3FC00, BOOTSZ = 512 words), which fwpack
 * runs in simavr while the ATmega328P build does not fit.  No MCU profile:
 * containers are packed with --erase-block 256 --write-unit 256. */
#define AGENT_ACTIVE 0x10000UL
#define AGENT_STAGING 0x20000UL
#define AGENT_SLOT_SIZE 0x8000UL
#define AGENT_STATE 0x30000UL
#define AGENT_STATE_BLOCK 1024UL
#define AGENT_MCU NULL
#define FLASH_BYTE(a) pgm_read_byte_far(a)
#define FLASH_WORD(a) pgm_read_word_far(a)
#else
#define AGENT_ACTIVE 0x5000UL
#define AGENT_STAGING 0x6400UL
#define AGENT_SLOT_SIZE 0x1400UL
#define AGENT_STATE 0x7800UL
#define AGENT_STATE_BLOCK 512UL /* four pages; two blocks */
#define AGENT_MCU "atmega328p"
#define FLASH_BYTE(a) pgm_read_byte((uint16_t)(a))
#define FLASH_WORD(a) pgm_read_word((uint16_t)(a))
#endif
#define AGENT_PIECE 256u        /* bytes per dfu.get */
#define NOTECARD Serial
#define PAGE ((uint32_t)SPM_PAGESIZE)

static fwpk_ctx ctx;            /* all of the verifier's memory */
static uint8_t piece[AGENT_PIECE];
static uint8_t rx[16];          /* serial reads */
static abboot boot;

/* ---- flash: the slots and the state area, through SPM ---- */

static bool inside(uint32_t addr, uint32_t len, uint32_t base, uint32_t size)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

/* Never the sketch itself, never the boot section. */
static bool writable(uint32_t addr, uint32_t len)
{
    return inside(addr, len, AGENT_ACTIVE, AGENT_SLOT_SIZE) ||
           inside(addr, len, AGENT_STAGING, AGENT_SLOT_SIZE) ||
           inside(addr, len, AGENT_STATE, 2 * AGENT_STATE_BLOCK);
}

static fwpk_err fl_erase(void *, uint32_t addr, uint32_t len)
{
    if (!writable(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    for (; len; addr += PAGE, len -= PAGE)
        spm_erase(addr);
    return FWPK_OK;
}

static fwpk_err fl_write(void *, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    if (!writable(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    for (; len; addr += PAGE, len -= PAGE, data += PAGE) {
        spm_write(addr, data);
        for (uint16_t i = 0; i < PAGE; i++) /* read back */
            if (FLASH_BYTE(addr + i) != data[i])
                return FWPK_ERR_FLASH; /* a worn or locked page */
    }
    return FWPK_OK;
}

static fwpk_err fl_read(void *, uint32_t addr, uint8_t *buf, uint32_t len)
{
    if (!writable(addr, len))
        return FWPK_ERR_FLASH;
    while (len--)
        *buf++ = FLASH_BYTE(addr++);
    return FWPK_OK;
}

/* ---- the Notecard on the serial port ---- */

static int nc_write(void *, uint8_t, const uint8_t *data, uint16_t len)
{
    return NOTECARD.write(data, len) == len ? 0 : -1;
}

/* What arrives within timeout_ms: the first byte waited for, then
 * whatever is already in the receive buffer. */
static int nc_read(void *, uint8_t, uint8_t *buf, uint16_t len,
                   uint32_t timeout_ms)
{
    uint32_t t0 = millis();
    while (!NOTECARD.available())
        if (millis() - t0 >= timeout_ms)
            return 0;
    uint16_t n = 0;
    while (n < len && NOTECARD.available())
        buf[n++] = (uint8_t)NOTECARD.read();
    return n;
}

static uint32_t nc_now(void *) { return millis(); }
static void nc_delay(void *, uint32_t ms) { delay(ms); }

static const fwpk_nc_io nc_io = {FWPK_NC_SERIAL, 0, nc_write, nc_read,
                                 nc_now, nc_delay, NULL};
static const fwpk_nc_config nc_cfg = {&nc_io, piece, sizeof piece, rx,
                                      sizeof rx, 0, 0, 0, 0};

/* abboot's container source: the client, reading from the Notecard */
static fwpk_agent agent = {&nc_cfg, {}};

/* ---- one boot ---- */

static const abboot_layout layout = {
    AGENT_ACTIVE, AGENT_STAGING, AGENT_SLOT_SIZE, PAGE, PAGE,
    AGENT_STATE, AGENT_STATE_BLOCK,
    4, /* every 4th resume record: each costs a page write */
};

static const abboot_io io = {
    {fl_erase, fl_write, fl_read, NULL, NULL, NULL, 0, 0},
    NULL, NULL, &agent, fwpk_agent_fetch};

/* An AVR program starts with its vector table: "jmp __ctors_end". */
static bool valid_app(void)
{
    return (FLASH_WORD(AGENT_ACTIVE) & 0xFE0Eu) == 0x940Cu;
}

/* Hands the CPU over as after a reset, as far as the core touched it:
 * the application's vector table is not the CPU's (that one is at 0,
 * this sketch's), so it runs with interrupts off. */
static void start_application(void)
{
    NOTECARD.end();
    cli();
    TIMSK0 = 0;
    TCCR0B = 0;
    ((void (*)(void))(uint16_t)(AGENT_ACTIVE / 2))();
}

void setup()
{
    pinMode(LED_BUILTIN, OUTPUT);
    if (fwpk_config_ctx_size != sizeof ctx)
        for (;;) /* fwpk_config.h: an option reached only the sketch */
            ;
    NOTECARD.begin(9600);
    digitalWrite(LED_BUILTIN, HIGH); /* lit while the agent works */
    abboot_init(&boot, &layout, &io, &ctx, piece, sizeof piece);
    boot.policy.keys = fwpk_keyring;
    boot.policy.key_count = FWPK_KEYRING_COUNT;
    boot.policy.min_signatures = 1;
    boot.policy.target = "app";
    boot.policy.mcu = AGENT_MCU;
    abboot_run(&boot, 1);
    digitalWrite(LED_BUILTIN, LOW);
    /* While a copy is pending the active slot may be half written: stay
     * here; the next reset completes the copy. */
    if (abboot_active_ok(&boot) && valid_app())
        start_application();
}

void loop()
{
}
