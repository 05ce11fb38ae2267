/*
 * Samd21UpdateAgent - fwpack's update agent for a SAMD21 board (Arduino
 * Zero, MKR, Feather M0: ATSAMD21G18A) with a Blues Notecard on I2C
 * (SDA, SCL; address 0x17).
 *
 * The sketch is the board's boot program, in the design of fwpack's
 * example bootloaders (examples/cortex-m and examples/avr in the fwpack
 * tree):
 *
 *   flash (256 KB; 256-byte rows erased, 64-byte pages written)
 *   0x00000  boot section: the board's own bootloader (8 KB, kept by
 *            the BOOTPROT fuse), which starts this sketch
 *   0x02000  this sketch: verifier, Notecard client, A/B logic; the
 *            linker keeps it below AGENT_ACTIVE
 *   0x10000  active slot, 92 KB: the application, linked for 0x10000
 *   0x27000  staging slot, 92 KB: the verifier writes the new image here
 *   0x3E000  state area, 2 x 1 KB: resume records, "copy pending", the
 *            lowest security counter still accepted
 *
 * At reset the A/B logic (abboot, in the library) reads the state area
 * and completes a copy that a power cut interrupted.  Then it asks the
 * Notecard for a host firmware image (dfu.status) and feeds it to the
 * verifier piece by piece (dfu.get), from where a power cut left off if
 * one did (a resume record after each frame that completed a row).  The
 * buffered verifier checks each frame before a byte of it is decoded, and
 * nothing is erased before the signature checks out; only the staging
 * slot is written.  When the whole container checked out and the staging
 * slot holds the signed image digest, "copy pending" is recorded: the
 * commit point.  The copy into the active slot is checked by that digest
 * and redone at the next reset if power fails during it.  Then the
 * application starts, with its own vector table.
 *
 * Build: README.md of the library.  The key: replace keyring.h with yours
 * (fwpack export-key release.pem --format c -o keyring.h).  Containers:
 * fwpack pack --mcu atsamd21g18a --flash-base 0x27000 --flash-size 0x17000
 *   --load-addr 0x27000 ... app.bin (the staging slot).
 */
#include <fwpack.h>
#include <string.h>
#include <Wire.h>

#include "keyring.h"

#define AGENT_ACTIVE 0x10000UL
#define AGENT_STAGING 0x27000UL
#define AGENT_SLOT_SIZE 0x17000UL
#define AGENT_STATE 0x3E000UL
#define AGENT_STATE_BLOCK 1024UL /* four rows; two blocks */
#define ROW 256u                 /* erase */
#define PAGE 64u                 /* write */

/* The NVM controller (SAMD21 datasheet, NVMCTRL), by address, so the
 * sketch needs no vendor header. */
#define NVM_CTRLA (*(volatile uint16_t *)0x41004000u)
#define NVM_CTRLB (*(volatile uint32_t *)0x41004004u)
#define NVM_INTFLAG (*(volatile uint8_t *)0x41004014u)
#define NVM_STATUS (*(volatile uint16_t *)0x41004018u)
#define NVM_ADDR (*(volatile uint32_t *)0x4100401Cu)
#define NVM_KEY 0xA500u
#define NVM_ER 0x02u   /* erase row */
#define NVM_WP 0x04u   /* write page */
#define NVM_PBC 0x44u  /* clear the page buffer */
#define NVM_READY 0x01u
#define NVM_ERRORS 0x1Cu /* PROGE, LOCKE, NVME */

static fwpk_ctx ctx;           /* all of the verifier's memory */
static uint8_t piece[1024];    /* bytes per dfu.get */
static uint8_t rx[255];        /* whole I2C transfers */
static abboot boot;

/* ---- flash: the slots and the state area ---- */

static bool inside(uint32_t addr, uint32_t len, uint32_t base, uint32_t size)
{
    return addr >= base && len <= size && addr - base <= size - len;
}

/* Never the sketch itself, never the board's bootloader. */
static bool writable(uint32_t addr, uint32_t len)
{
    return inside(addr, len, AGENT_ACTIVE, AGENT_SLOT_SIZE) ||
           inside(addr, len, AGENT_STAGING, AGENT_SLOT_SIZE) ||
           inside(addr, len, AGENT_STATE, 2 * AGENT_STATE_BLOCK);
}

static fwpk_err nvm_command(uint32_t addr, uint16_t cmd)
{
    NVM_STATUS = NVM_ERRORS; /* clear old error bits */
    NVM_ADDR = addr / 2;     /* in 16-bit words */
    NVM_CTRLA = NVM_KEY | cmd;
    while (!(NVM_INTFLAG & NVM_READY))
        ;
    return (NVM_STATUS & NVM_ERRORS) ? FWPK_ERR_FLASH : FWPK_OK;
}

static fwpk_err fl_erase(void *, uint32_t addr, uint32_t len)
{
    fwpk_err err = FWPK_OK;
    if (!writable(addr, len) || ((addr | len) & (ROW - 1)))
        return FWPK_ERR_FLASH;
    for (; err == FWPK_OK && len; addr += ROW, len -= ROW)
        err = nvm_command(addr, NVM_ER);
    return err;
}

static fwpk_err fl_write(void *, uint32_t addr, const uint8_t *data,
                         uint32_t len)
{
    fwpk_err err = FWPK_OK;
    if (!writable(addr, len) || ((addr | len) & (PAGE - 1)))
        return FWPK_ERR_FLASH;
    NVM_CTRLB |= 1u << 7; /* MANW: a page is written by command only */
    for (; err == FWPK_OK && len; addr += PAGE, len -= PAGE, data += PAGE) {
        volatile uint32_t *dst = (volatile uint32_t *)addr;
        err = nvm_command(addr, NVM_PBC);
        for (uint32_t i = 0; err == FWPK_OK && i < PAGE / 4; i++) {
            uint32_t w;
            memcpy(&w, data + 4 * i, 4);
            dst[i] = w; /* into the page buffer */
        }
        if (err == FWPK_OK)
            err = nvm_command(addr, NVM_WP);
        if (err == FWPK_OK && memcmp((const void *)addr, data, PAGE) != 0)
            err = FWPK_ERR_FLASH; /* read back */
    }
    return err;
}

static fwpk_err fl_read(void *, uint32_t addr, uint8_t *buf, uint32_t len)
{
    if (!writable(addr, len))
        return FWPK_ERR_FLASH;
    memcpy(buf, (const void *)addr, len);
    return FWPK_OK;
}

/* ---- the Notecard on I2C ---- */

static int nc_write(void *, uint8_t addr, const uint8_t *data, uint16_t len)
{
    Wire.beginTransmission(addr);
    Wire.write(data, len);
    return Wire.endTransmission() == 0 ? 0 : -1;
}

static int nc_read(void *, uint8_t addr, uint8_t *buf, uint16_t len,
                   uint32_t)
{
    if (Wire.requestFrom(addr, (size_t)len) != len)
        return -1;
    for (uint16_t i = 0; i < len; i++)
        buf[i] = (uint8_t)Wire.read();
    return len;
}

static uint32_t nc_now(void *) { return millis(); }
static void nc_delay(void *, uint32_t ms) { delay(ms); }

static const fwpk_nc_io nc_io = {FWPK_NC_I2C, 0, nc_write, nc_read,
                                 nc_now, nc_delay, NULL};
static const fwpk_nc_config nc_cfg = {&nc_io, piece, sizeof piece, rx,
                                      sizeof rx, 0, 0, 0, 0};

/* abboot's container source: the client, reading from the Notecard */
static fwpk_agent agent = {&nc_cfg, {}};

/* ---- one boot ---- */

static const abboot_layout layout = {
    AGENT_ACTIVE, AGENT_STAGING, AGENT_SLOT_SIZE, ROW, PAGE,
    AGENT_STATE, AGENT_STATE_BLOCK,
    1, /* every resume record: one per row at most */
};

/* The verifier reads the staging slot as memory (its window in flash,
 * a resume); abboot reads through fl_read. */
static const abboot_io io = {
    {fl_erase, fl_write, fl_read, NULL, NULL,
     (const uint8_t *)AGENT_ACTIVE, AGENT_ACTIVE,
     AGENT_ACTIVE /* a delta's base: the image that runs */},
    NULL, NULL, &agent, fwpk_agent_fetch};

/* A Cortex-M program starts with its stack pointer (in RAM) and its reset
 * handler (a Thumb address in the slot). */
static bool valid_app(void)
{
    const uint32_t *v = (const uint32_t *)AGENT_ACTIVE;
    return (v[0] >> 16) == 0x2000u &&
           inside(v[1] & ~1u, 2, AGENT_ACTIVE, AGENT_SLOT_SIZE);
}

/* As after a reset, as far as the core touched it: interrupts off,
 * SysTick stopped, the application's vector table and stack. */
static void start_application(void)
{
    const uint32_t *v = (const uint32_t *)AGENT_ACTIVE;
    __asm__ volatile("cpsid i" ::: "memory");
    *(volatile uint32_t *)0xE000E010u = 0;            /* SysTick CTRL */
    *(volatile uint32_t *)0xE000E180u = 0xFFFFFFFFu;  /* NVIC: all off */
    *(volatile uint32_t *)0xE000ED08u = AGENT_ACTIVE; /* SCB VTOR */
    __asm__ volatile("msr msp, %0\n\tcpsie i\n\tbx %1" ::"r"(v[0]),
                     "r"(v[1]) : "memory");
}

void setup()
{
    pinMode(LED_BUILTIN, OUTPUT);
    if (fwpk_config_ctx_size != sizeof ctx)
        for (;;) /* fwpk_config.h: an option reached only the sketch */
            ;
    Wire.begin();
    digitalWrite(LED_BUILTIN, HIGH); /* lit while the agent works */
    abboot_init(&boot, &layout, &io, &ctx, piece, sizeof piece);
    boot.policy.keys = fwpk_keyring;
    boot.policy.key_count = FWPK_KEYRING_COUNT;
    boot.policy.min_signatures = 1;
    boot.policy.target = "app";
    boot.policy.mcu = "atsamd21g18a";
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
