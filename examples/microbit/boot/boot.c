/*
 * boot.c - an A/B bootloader for a Cortex-M0 with 8 KiB of RAM (the
 * STM32G030's) on QEMU's micro:bit (nRF51822), fed by a Notecard on its
 * UART: the update arrives as Notecard dfu.get replies, decoded by the
 * client (verifier/include/fwpk_notecard.h) straight into the verifier,
 * which runs in its streaming build with the deflate window read back
 * from flash (docs/porting.md section 3).  The A/B logic (state area,
 * resume, commit, copy) is the examples' shared core, examples/abboot.
 *
 *   flash (nRF51: 1 KiB pages, 32-bit words; nrf51.h)
 *   0x00000000    bootloader (this program)
 *   BOOT_ACTIVE   active slot: the application runs from here
 *   BOOT_STAGING  staging slot: the verifier writes the new image here
 *   BOOT_STATE    state area, two pages (abboot/state.h)
 *
 * At each reset: read the state area; finish a pending copy; ask the
 * Notecard (dfu.status) and install what it holds, resuming from the
 * state area's record after a power cut (the Notecard is asked for the
 * container's prefix again, then for the offset fwpk_resume_skip() names);
 * report the outcome to the Notecard (dfu.status stop); boot the active
 * slot.
 *
 * Command line (semihosting, QEMU -append): [--cut K] [--binary]
 * [--no-update]
 *   --cut K      the K-th flash erase or write loses power half way: the
 *                CPU halts there (nvmc.c), and the run script saves the
 *                flash and kills QEMU
 *   --binary     dfu.get binary:true + card.binary.get (COBS), not base64
 *   --no-update  do not ask the Notecard (a boot with nothing offered)
 *
 * Output: one line per event through semihosting, "fwboot: " first; the
 * result line is one of
 *   fwboot: result=installed version=V container_bytes=N ...
 *   fwboot: result=refused error="..." notecard="..." ...
 *   fwboot: result=failed error="..."
 *   fwboot: result=none [reason="no update on the Notecard"]
 * then "fwboot: link requests=N retries=N tx=N rx=N verify_insns=N ..."
 * (the figures the demo's summary is made of) and "fwboot: ram ...".
 * Every run ends with "halt: N" (common/startup.c).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "abboot.h"
#include "fwpk_notecard.h"
#include "fwpk_verify.h"
#include "halt.h"
#include "keyring.h" /* generated: fwpack export-key KEY --format c */
#include "log.h"
#include "nrf51.h"
#include "nvmc.h"
#include "semihost.h"
#include "timer.h"
#include "uart.h"

#ifndef BOOT_ACTIVE
#define BOOT_ACTIVE 0x0000A000u
#endif
#ifndef BOOT_STAGING
#define BOOT_STAGING 0x00021000u
#endif
#ifndef BOOT_SLOT_SIZE
#define BOOT_SLOT_SIZE 0x00017000u
#endif
#ifndef BOOT_STATE
#define BOOT_STATE (BOOT_STAGING + BOOT_SLOT_SIZE)
#endif
#ifndef BOOT_MCU
#define BOOT_MCU "nrf51822"
#endif
#ifndef BOOT_TARGET
#define BOOT_TARGET "app"
#endif
/* dfu.get length: the decoded piece is held until its MD5 checks out. */
#ifndef BOOT_PIECE
#define BOOT_PIECE 1024u
#endif
#ifndef BOOT_RX_CHUNK
#define BOOT_RX_CHUNK 64u
#endif
/* Per reply: a 1 KiB piece is 1.4 s of base64 at 9600 baud. */
#ifndef BOOT_NC_TIMEOUT_MS
#define BOOT_NC_TIMEOUT_MS 3000u
#endif
#ifndef BOOT_NC_RETRIES
#define BOOT_NC_RETRIES 12u
#endif
#define BOOT_STATE_SIZE (2u * NRF51_PAGE_SIZE)
#define PAINT 0xA5A5A5A5u

static fwpk_ctx ctx; /* all of the verifier's memory */
static nvmc flash;
static abboot boot;
static fwpk_nc nc;
static uint8_t piece[BOOT_PIECE];
static uint8_t rx[BOOT_RX_CHUNK];

static const abboot_layout layout = {
    .active = BOOT_ACTIVE,
    .staging = BOOT_STAGING,
    .slot_size = BOOT_SLOT_SIZE,
    .erase_block = NRF51_PAGE_SIZE,
    .write_unit = 4,
    .state = BOOT_STATE,
    .state_block = NRF51_PAGE_SIZE,
    .checkpoint_every = 1,
};

extern uint32_t __stack_top[];
extern uint32_t __data_start[], __bss_end[];

static unsigned long ul(uint32_t v) { return (unsigned long)v; }

/* ---- the Notecard on UART0 ---- */

static int nc_write(void *user, uint8_t addr, const uint8_t *data,
                    uint16_t len)
{
    (void)user;
    (void)addr;
    uart_write(data, len);
    return 0;
}

static int nc_read(void *user, uint8_t addr, uint8_t *buf, uint16_t len,
                   uint32_t timeout_ms)
{
    (void)user;
    (void)addr;
    return (int)uart_read(buf, len, timeout_ms);
}

static uint32_t nc_now(void *user)
{
    (void)user;
    return timer_ms();
}

static void nc_delay(void *user, uint32_t ms)
{
    (void)user;
    timer_delay_ms(ms);
}

static const fwpk_nc_io nc_io = {FWPK_NC_SERIAL, 0, nc_write, nc_read,
                                 nc_now, nc_delay, NULL};
static fwpk_nc_config nc_cfg = {
    .io = &nc_io,
    .piece = piece,
    .piece_size = BOOT_PIECE,
    .rx = rx,
    .rx_size = BOOT_RX_CHUNK,
    .timeout_ms = BOOT_NC_TIMEOUT_MS,
    /* A bootloader has nothing better to do than wait for a good piece:
     * more tries than note-c's 5 (every fault the demo injects lands on
     * the same piece, one after the other). */
    .retries = BOOT_NC_RETRIES,
};

/* ---- what happens, as it happens ---- */

static struct {
    uint64_t verify_ticks; /* inside fwpk_feed/fwpk_finish */
    uint32_t requests, retries, runs; /* of the client runs that ended */
    int in_run;           /* a client run is going on (nc's figures) */
    fwpk_nc_err nc;       /* how the last client run ended */
    uint32_t t0;          /* the update's start */
} run;

/* The client calls fwpk_feed() itself; the link is told to route those
 * calls here (-Wl,--wrap), to time the verifier and tell the A/B core
 * where the container stands (abboot_fed). */
fwpk_err __real_fwpk_feed(fwpk_ctx *c, const uint8_t *data, size_t len);
fwpk_err __wrap_fwpk_feed(fwpk_ctx *c, const uint8_t *data, size_t len);
fwpk_err __real_fwpk_finish(fwpk_ctx *c);
fwpk_err __wrap_fwpk_finish(fwpk_ctx *c);

fwpk_err __wrap_fwpk_feed(fwpk_ctx *c, const uint8_t *data, size_t len)
{
    uint32_t offered = boot.offered, t0 = timer_ticks();
    fwpk_err err = __real_fwpk_feed(c, data, len);
    run.verify_ticks += timer_ticks() - t0;
    abboot_fed(&boot, (uint32_t)len, err);
    if (boot.offered != offered)
        out("fwboot: checkpoint %lu: resume record for frame %lu (offset "
            "%lu), %lu image bytes in flash\n",
            ul(boot.offered), ul(boot.st.last.u.resume.frame_index),
            ul(boot.st.last.u.resume.frame_offset),
            ul(boot.st.last.u.resume.flushed));
    return err;
}

fwpk_err __wrap_fwpk_finish(fwpk_ctx *c)
{
    uint32_t t0 = timer_ticks();
    fwpk_err err = __real_fwpk_finish(c);
    run.verify_ticks += timer_ticks() - t0;
    return err;
}

/* abboot's io->fetch: one client run over the Notecard. */
static fwpk_err fetch(void *user, abboot *b)
{
    fwpk_nc_err e;
    (void)user;
    run.runs++;
    e = fwpk_nc_init(&nc, &nc_cfg, b->ctx);
    run.in_run = 1;
    if (e == FWPK_NC_OK)
        e = fwpk_nc_run(&nc);
    run.in_run = 0;
    run.nc = e;
    run.requests += nc.requests;
    run.retries += nc.retries;
    out("fwboot: notecard: %s (%lu requests, %lu retries)\n",
        e == FWPK_NC_OK ? "done" : fwpk_nc_strerror(e), ul(nc.requests),
        ul(nc.retries));
    switch (e) {
    case FWPK_NC_OK:
        return FWPK_OK;
    case FWPK_NC_ERR_VERIFY:
        return nc.verify;
    case FWPK_NC_ERR_IMAGE_CHANGED:
        return FWPK_ERR_RESUME; /* retire the record, start over */
    default:
        return FWPK_ERR_TRUNCATED; /* the link failed: keep the record */
    }
}

static void on_state(const abboot *b)
{
    const state_record *r = &b->st.last;
    if (!b->st.have)
        out("fwboot: state: no record (new device)\n");
    else if (r->kind == STATE_RESUME)
        out("fwboot: state: record %lu, update in progress: resume at "
            "frame %lu (offset %lu), %lu image bytes in flash; minimum "
            "security counter %lu\n",
            ul(r->seq), ul(r->u.resume.frame_index),
            ul(r->u.resume.frame_offset), ul(r->u.resume.flushed),
            ul(b->min_counter));
    else
        out("fwboot: state: record %lu, %s; minimum security counter %lu\n",
            ul(r->seq), r->kind == STATE_COPY ? "copy pending" : "idle",
            ul(b->min_counter));
}

static void event(void *user, const abboot *b, abboot_event ev)
{
    (void)user;
    switch (ev) {
    case ABBOOT_STATE:
        on_state(b);
        break;
    case ABBOOT_COPY_PENDING:
        out("fwboot: copy pending: completing the copy of %s\n",
            b->copy.version);
        break;
    case ABBOOT_COPIED:
        out("fwboot: copy completed: version %s\n", b->copy.version);
        break;
    case ABBOOT_COPY_FAILED:
        out("fwboot: copy failed: %s\n", fwpk_strerror(b->err));
        break;
    case ABBOOT_BUSY:
        out("fwboot: a copy is pending: no update at this boot\n");
        break;
    case ABBOOT_UPDATE:
        run.t0 = timer_ticks();
        out("fwboot: asking the Notecard for an update%s\n",
            b->resuming ? " (resuming)" : "");
        break;
    case ABBOOT_RESUMED:
        out("fwboot: resuming at frame %lu (offset %lu): %lu image bytes "
            "already in flash\n",
            ul(b->from.frame_index), ul(b->from.frame_offset),
            ul(b->from.flushed));
        break;
    case ABBOOT_START_OVER:
        out("fwboot: the record does not fit this container (or the "
            "Notecard's image changed): retired, starting over\n");
        break;
    case ABBOOT_VERIFIED:
        out("fwboot: verified: version %s, security counter %lu\n",
            b->version, ul(b->ctx->manifest.security_counter));
        break;
    case ABBOOT_INSTALLED:
        out("fwboot: result=installed version=%s container_bytes=%lu "
            "image_bytes=%lu security_counter=%lu\n",
            b->copy.version, ul(b->bytes),
            ul(b->ctx->manifest.own.image_size),
            ul(b->ctx->manifest.security_counter));
        break;
    case ABBOOT_REFUSED:
        if (run.nc == FWPK_NC_NO_UPDATE) { /* nothing read, nothing written */
            out("fwboot: result=none reason=\"no update on the Notecard\"\n");
            break;
        }
        out("fwboot: result=refused error=\"%s\" notecard=\"%s\" "
                "container_bytes=%lu\n",
                fwpk_strerror(b->err),
                run.nc == FWPK_NC_OK ? "ok" : fwpk_nc_strerror(run.nc),
                ul(b->bytes));
        break;
    case ABBOOT_KEPT:
        out("fwboot: update kept in progress: the next boot resumes it\n");
        break;
    case ABBOOT_ABANDONED:
        out("fwboot: update abandoned: record retired\n");
        break;
    }
}

static const abboot_io io = {
    /* The flash reads as memory: the verifier's window is read back
     * through 'mapped' (the staging slot is all it reads). */
    .flash = {nvmc_erase, nvmc_write, nvmc_read, &flash, NULL,
              (const uint8_t *)BOOT_STAGING, BOOT_STAGING},
    .fetch = fetch,
    .event = event,
    .user = NULL,
};

/* ---- RAM, the jump, the command line ---- */

static void __attribute__((noinline)) stack_paint(void)
{
    uint32_t a = (uint32_t)(uintptr_t)__bss_end;
    uint32_t here = (uint32_t)(uintptr_t)&a;
    for (; a < here - 64; a += 4)
        *(volatile uint32_t *)(uintptr_t)a = PAINT;
}

static void report(void)
{
    uint32_t top = (uint32_t)(uintptr_t)__stack_top;
    uint32_t a = (uint32_t)(uintptr_t)__bss_end;
    uint32_t stat = a - (uint32_t)(uintptr_t)__data_start;
    while (a < top && *(volatile uint32_t *)(uintptr_t)a == PAINT)
        a += 4;
    uint64_t insns = timer_insns(run.verify_ticks); /* < 2^32 here */
    out("fwboot: link requests=%lu retries=%lu tx=%lu rx=%lu "
        "verify_insns=%lu flash_ops=%lu erases=%lu words=%lu "
        "client_runs=%lu\n",
        ul(run.requests + (run.in_run ? nc.requests : 0)),
        ul(run.retries + (run.in_run ? nc.retries : 0)), ul(uart_count.tx),
        ul(uart_count.rx), ul((uint32_t)insns), ul(flash.ops), ul(flash.erases),
        ul(flash.words), ul(run.runs));
    out("fwboot: ram static=%lu stack=%lu limit=%lu (bytes: .data+.bss, "
        "stack high-water mark, the linker script's RAM)\n",
        ul(stat), ul(top - a), ul(top - (uint32_t)(uintptr_t)__data_start));
}

static int valid_app(uint32_t base)
{
    const uint32_t *v = (const uint32_t *)(uintptr_t)base;
    return v[0] >= 0x20000000u && v[0] <= 0x20004000u && (v[1] & 1u) &&
           v[1] > base && v[1] < base + BOOT_SLOT_SIZE;
}

/* No VTOR on a Cortex-M0: the application runs with the bootloader's
 * vector table, so it must not rely on interrupts of its own (this one
 * uses none).  Leave the peripherals as reset left them. */
static void __attribute__((noreturn)) jump(uint32_t base)
{
    const uint32_t *v = (const uint32_t *)(uintptr_t)base;
    TIMER0_STOP = 1;
    NVIC_ICER = 0xFFFFFFFFu;
    NVIC_ICPR = 0xFFFFFFFFu;
    UART0_ENABLE = 0;
    __asm__ volatile("msr msp, %0\n\t"
                     "cpsie i\n\t"
                     "bx %1" ::"r"(v[0]),
                     "r"(v[1])
                     : "memory");
    __builtin_unreachable();
}

static struct {
    uint32_t cut_at;
    int binary, no_update;
} opt;

/* Before the update: its buffer is stack the verifier reuses later. */
static void __attribute__((noinline)) parse_cmdline(void)
{
    char line[128];
    char *p = line;
    if (sh_cmdline(line, sizeof line) != 0)
        return;
    while (*p) {
        char *w = p;
        while (*p && *p != ' ')
            p++;
        if (*p)
            *p++ = 0;
        if (strcmp(w, "--cut") == 0 && *p)
            opt.cut_at = (uint32_t)strtoul(p, &p, 0);
        else if (strcmp(w, "--binary") == 0)
            opt.binary = 1;
        else if (strcmp(w, "--no-update") == 0)
            opt.no_update = 1;
        while (*p == ' ')
            p++;
    }
}

int main(void)
{
    stack_paint();
    timer_start();
    uart_init();
    parse_cmdline();
    nc_cfg.binary = (uint8_t)opt.binary;
    out("fwboot: fwpack bootloader (Cortex-M0, micro:bit), active slot "
        "0x%08lx, staging slot 0x%08lx, %lu KiB each, state area 0x%08lx; "
        "verifier context %lu bytes, Notecard client %lu, piece %lu\n",
        ul(BOOT_ACTIVE), ul(BOOT_STAGING), ul(BOOT_SLOT_SIZE / 1024),
        ul(BOOT_STATE), ul(sizeof ctx), ul(sizeof nc), ul(BOOT_PIECE));

    nvmc_init(&flash, BOOT_ACTIVE, BOOT_STATE + BOOT_STATE_SIZE);
    flash.cut_at = opt.cut_at;
    flash.on_cut = report; /* the figures up to the cut, for the summary */
    abboot_init(&boot, &layout, &io, &ctx, piece, sizeof piece);
    boot.policy.keys = fwpk_keyring;
    boot.policy.key_count = FWPK_KEYRING_COUNT;
    boot.policy.min_signatures = 1;
    boot.policy.target = BOOT_TARGET;
    boot.policy.mcu = BOOT_MCU;
    abboot_result r = abboot_run(&boot, !opt.no_update);
    if (r == ABBOOT_END_NOTHING)
        out("fwboot: result=none\n");
    else if (r == ABBOOT_END_FAILED)
        out("fwboot: result=failed error=\"%s\"\n", fwpk_strerror(boot.err));
    report();
    if (!abboot_active_ok(&boot)) {
        out("fwboot: not starting the active slot: its copy is still "
            "pending (the next reset retries it)\n");
        return 3;
    }
    if (!valid_app(BOOT_ACTIVE)) {
        out("fwboot: no valid application in the active slot\n");
        return 3;
    }
    out("fwboot: booting the application at 0x%08lx\n", ul(BOOT_ACTIVE));
    jump(BOOT_ACTIVE);
}
