/*
 * boot.c - an A/B bootloader for the QEMU mps2-an385 board that installs
 * fwpack containers with the device verifier (verifier/src, linked in),
 * survives power cuts and refuses rollbacks.  The update logic is the
 * examples' shared A/B core (examples/abboot: state area, resume, commit,
 * copy checked by the image digest); this file is the board: the flash
 * model, the container read through semihosting, the output, the jump.
 *
 *   flash (SSRAM1, see flash_model.h)
 *   0x00000000    bootloader (this program)
 *   BOOT_ACTIVE   active slot: the application runs from here
 *   BOOT_STAGING  staging slot: the verifier writes the new image here
 *   BOOT_STATE    state area, two erase blocks (abboot/state.h): resume
 *                 records, "copy pending", the anti-rollback minimum
 *
 * At reset (abboot.h gives the rules and why):
 *  1. Read the state area: the newest valid record says idle, update in
 *     progress (with the verifier's resume record) or copy pending.
 *  2. Copy pending: the staging slot holds a verified image whose copy to
 *     the active slot was interrupted: copy it again unless the active
 *     slot already matches the image digest, check it, record idle.  If
 *     that fails, no update is started at this boot.
 *  3. If a container is offered (semihosting command line), read it in
 *     BOOT_PIECE-byte pieces (standing in for Notecard dfu.get reads) and
 *     feed it to the verifier, which erases and writes the staging slot and
 *     offers a resume record after each frame that completed an erase
 *     block; every one is appended to the state area.  With an update in
 *     progress, resume: fwpk_resume_begin() with the record, and once the
 *     signature checks out, fwpk_resume_skip() names the container offset
 *     to read on from.
 *     A record that does not fit is retired (idle) before starting over.
 *  4. When fwpk_finish() says FWPK_OK: check the staging slot by the
 *     image digest, record "copy pending" (the commit point, which also
 *     raises the anti-rollback minimum to the container's security
 *     counter), copy staging -> active, check it by the digest, record
 *     idle.  Any failure before the commit leaves the active slot
 *     untouched.
 *  5. Boot the active slot: VTOR = slot, MSP = word 0, jump to word 1.
 *
 * Command line (QEMU -append): [--cut K] [CONTAINER|-]...
 *   The i-th CONTAINER is offered at the i-th boot of this QEMU run ("-":
 *   none).  Between boots the bootloader starts again from its reset
 *   handler (RAM re-initialised as at power-on, the flash model's region
 *   kept): after a power cut, or to offer the next container.
 *   --cut K: the K-th flash erase or write of the first boot loses power
 *   half way (flash_model.h); the run goes on with the next boot.
 *
 * Output, one line per event, "fwboot: " first; the result lines are
 *   fwboot: result=installed version=V container_bytes=N image_bytes=N
 *           security_counter=N verify_insns=N copy_insns=N
 *   fwboot: result=refused error="..." container_bytes=N verify_insns=N
 *   fwboot: result=interrupted error="power lost" ...
 *   fwboot: result=failed error="copy to the active slot: ..."
 *   fwboot: result=none reason="..."
 * After an install, "fwboot: flash_ops update=N commit=N ..." gives the
 * erase+write counts of the two phases (to aim --cut at either).  Before
 * the jump, "fwboot: ram: ..." gives the static RAM, the stack high-water
 * mark (painted stack) and the heap newlib took.
 * Instruction counts come from timer0 (common/timer.h, qemu -icount
 * shift=0) and are exact to 40 instructions.
 *
 * Exit codes when nothing can be booted: 3 no valid application, or a
 * copy to the active slot still pending (a flash error during the copy:
 * the slot may be half written, so it is not started).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "abboot.h"
#include "flash_model.h"
#include "fwpk_verify.h"
#include "keyring.h" /* generated: fwpack export-key KEY --format c */
#include "mps2.h"
#include "semihost.h"
#include "timer.h"

#ifndef BOOT_ACTIVE
#define BOOT_ACTIVE 0x00020000u
#endif
#ifndef BOOT_STAGING
#define BOOT_STAGING 0x00040000u
#endif
#ifndef BOOT_SLOT_SIZE
#define BOOT_SLOT_SIZE 0x00020000u
#endif
#ifndef BOOT_STATE
#define BOOT_STATE (BOOT_STAGING + BOOT_SLOT_SIZE)
#endif
#ifndef BOOT_ERASE_BLOCK
#define BOOT_ERASE_BLOCK 2048u
#endif
#ifndef BOOT_WRITE_UNIT
#define BOOT_WRITE_UNIT 8u
#endif
#ifndef BOOT_MCU
#define BOOT_MCU "stm32l432kc"
#endif
#ifndef BOOT_TARGET
#define BOOT_TARGET "app"
#endif
#ifndef BOOT_PIECE
#define BOOT_PIECE 4096u
#endif
#define BOOT_STATE_SIZE (2u * BOOT_ERASE_BLOCK)
/* Stack painted at each boot to measure the high-water mark. */
#define BOOT_STACK_PAINT 0x10000u
#define PAINT 0xA5A5A5A5u

static fwpk_ctx ctx; /* all of the verifier's memory */
static flash_model flash;
static uint8_t piece[BOOT_PIECE];
static abboot boot;

/* Every resume record is persisted: the finest resume, and the state
 * area's two 2 KiB blocks take 13 records each. */
static const abboot_layout layout = {
    .active = BOOT_ACTIVE,
    .staging = BOOT_STAGING,
    .slot_size = BOOT_SLOT_SIZE,
    .erase_block = BOOT_ERASE_BLOCK,
    .write_unit = BOOT_WRITE_UNIT,
    .state = BOOT_STATE,
    .state_block = BOOT_ERASE_BLOCK,
    .checkpoint_every = 1,
};

/* The simulation's power supply, not the device: which boot of this QEMU
 * run this is.  In .noinit, which the reset handler leaves alone; QEMU
 * starts with RAM zeroed. */
#define SIM_MAGIC 0x4D495346u
static struct {
    uint32_t magic;
    uint32_t boot; /* 0 = the first */
} sim __attribute__((section(".noinit")));

extern void Reset_Handler(void);
extern uint32_t __stack_top[];
extern uint32_t __data_start[], __bss_end[];
extern char end[];
extern void *_sbrk(int incr);

static const char *u64s(uint64_t v, char buf[21])
{
    char *p = buf + 20;
    *p = 0;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

static unsigned long ul(uint32_t v) { return (unsigned long)v; }

/* ---- the container: a file through semihosting, read like dfu.get ---- */

static struct {
    const char *path;
    FILE *f;
    uint32_t pos;   /* file position */
    uint32_t ticks; /* spent reading: not the verifier's */
    int error;      /* a read or seek failed */
} box;

static int32_t file_get(void *user, uint32_t offset, uint8_t *buf,
                        uint32_t len)
{
    (void)user;
    uint32_t t0 = timer0_ticks();
    if (offset != box.pos && fseek(box.f, (long)offset, SEEK_SET) != 0)
        box.error = 1;
    size_t n = box.error ? 0 : fread(buf, 1, len, box.f);
    if (ferror(box.f))
        box.error = 1;
    box.pos = offset + (uint32_t)n;
    box.ticks += timer0_ticks() - t0;
    return box.error ? -1 : (int32_t)n;
}

/* ---- what happens, as it happens ---- */

static struct {
    const char *phase;      /* for "interrupted": update, commit or copy */
    uint32_t t0;            /* phase start */
    uint32_t verify;        /* ticks in the verifier */
    uint32_t ops0, ops1;    /* flash.ops at the update's start, its end */
    uint32_t rec0, rec1;    /* records appended, the same */
} run;

static void interrupted(uint32_t bytes, uint32_t ticks)
{
    char n[21];
    printf("fwboot: result=interrupted error=\"power lost\" phase=%s "
           "container_bytes=%lu insns=%s\n",
           run.phase, ul(bytes), u64s(timer0_insns(ticks), n));
    printf("fwboot: %s\n", flash.error);
}

static void on_state(const abboot *b)
{
    const state_record *r = &b->st.last;
    if (!b->st.have)
        printf("fwboot: state: no record (new device)\n");
    else if (r->kind == STATE_RESUME)
        printf("fwboot: state: record %lu, update in progress: resume at "
               "frame %lu (offset %lu), %lu image bytes in flash; minimum "
               "security counter %lu\n",
               ul(r->seq), ul(r->u.resume.frame_index),
               ul(r->u.resume.frame_offset), ul(r->u.resume.flushed),
               ul(b->min_counter));
    else
        printf("fwboot: state: record %lu, %s; minimum security counter "
               "%lu\n",
               ul(r->seq), r->kind == STATE_COPY ? "copy pending" : "idle",
               ul(b->min_counter));
}

static void on_refused(const abboot *b)
{
    char n[21];
    uint32_t ticks = timer0_ticks() - run.t0 - box.ticks;
    if (flash.cut) {
        interrupted(b->bytes, ticks);
        return;
    }
    printf("fwboot: result=refused error=\"%s\" container_bytes=%lu "
           "verify_insns=%s\n",
           box.error ? "read error" : fwpk_strerror(b->err), ul(b->bytes),
           u64s(timer0_insns(ticks), n));
    if (flash.error[0])
        printf("fwboot: %s\n", flash.error);
    printf("fwboot: active slot untouched\n");
}

static void on_installed(const abboot *b)
{
    const fwpk_manifest *m = &b->ctx->manifest;
    char n1[21], n2[21];
    printf("fwboot: result=installed version=%s container_bytes=%lu "
           "image_bytes=%lu security_counter=%lu verify_insns=%s "
           "copy_insns=%s\n",
           b->copy.version, ul(b->bytes), ul(m->own.image_size),
           ul(m->security_counter), u64s(timer0_insns(run.verify), n1),
           u64s(timer0_insns(timer0_ticks() - run.t0), n2));
    printf("fwboot: flash_ops update=%lu commit=%lu resume_records=%lu "
           "state_erases=%lu\n",
           ul(run.ops1 - run.ops0), ul(flash.ops - run.ops1),
           ul(run.rec1 - run.rec0), ul(b->st.erases));
}

static void on_event(void *user, const abboot *b, abboot_event ev)
{
    (void)user;
    char n[21];
    switch (ev) {
    case ABBOOT_STATE:
        on_state(b);
        break;
    case ABBOOT_COPY_PENDING:
        printf("fwboot: copy pending: the staging slot holds verified %s; "
               "completing its copy to the active slot\n",
               b->copy.version[0] ? b->copy.version : "image");
        run.phase = "copy";
        run.t0 = timer0_ticks();
        break;
    case ABBOOT_COPIED:
        printf("fwboot: result=installed version=%s completed_copy=1 "
               "security_counter=%lu copy_insns=%s\n",
               b->copy.version, ul(b->min_counter),
               u64s(timer0_insns(timer0_ticks() - run.t0), n));
        break;
    case ABBOOT_COPY_FAILED:
        if (flash.cut)
            interrupted(b->bytes, timer0_ticks() - run.t0);
        else
            printf("fwboot: result=failed error=\"copy to the active slot: "
                   "%s\"\n",
                   flash.error[0] ? flash.error : fwpk_strerror(b->err));
        break;
    case ABBOOT_BUSY:
        printf("fwboot: update not started: the copy to the active slot is "
               "still pending\n");
        break;
    case ABBOOT_UPDATE:
        printf("fwboot: update offered: %s, read in %u-byte pieces\n",
               box.path, (unsigned)BOOT_PIECE);
        run.phase = "update";
        run.t0 = timer0_ticks();
        run.ops0 = flash.ops;
        run.rec0 = b->st.appended;
        box.ticks = 0;
        break;
    case ABBOOT_RESUMED:
        printf("fwboot: resuming at frame %lu (offset %lu): %lu image bytes "
               "already in flash, %lu container bytes not read again\n",
               ul(b->from.frame_index), ul(b->from.frame_offset),
               ul(b->from.flushed), ul(b->skipped));
        break;
    case ABBOOT_START_OVER:
        printf("fwboot: the resume record is not for this container (or "
               "flash no longer holds what it says): retired, starting "
               "over\n");
        break;
    case ABBOOT_VERIFIED:
        run.verify = timer0_ticks() - run.t0 - box.ticks;
        run.ops1 = flash.ops;
        run.rec1 = b->st.appended;
        run.phase = "commit";
        run.t0 = timer0_ticks();
        break;
    case ABBOOT_INSTALLED:
        on_installed(b);
        break;
    case ABBOOT_REFUSED:
        on_refused(b);
        break;
    case ABBOOT_KEPT:
        if (!flash.cut)
            printf("fwboot: update in progress kept: the next boot resumes "
                   "at frame %lu\n",
                   ul(b->st.last.u.resume.frame_index));
        break;
    case ABBOOT_ABANDONED:
        printf("fwboot: update abandoned: state area idle\n");
        break;
    }
}

static const abboot_io io = {
    .flash = {.erase = fm_erase, .write = fm_write, .read = fm_read, .user = &flash},
    .get = file_get,
    .event = on_event,
    .user = NULL,
};

/* Sets up the verifier's policy, offers 'path' (NULL: none), runs the
 * boot's update logic. */
static void update(const char *path)
{
    abboot_init(&boot, &layout, &io, &ctx, piece, sizeof piece);
    boot.policy.keys = fwpk_keyring;
    boot.policy.key_count = FWPK_KEYRING_COUNT;
    boot.policy.min_signatures = 1;
    boot.policy.target = BOOT_TARGET;
    boot.policy.mcu = BOOT_MCU;

    memset(&box, 0, sizeof box);
    box.path = path;
    if (path)
        box.f = fopen(path, "rb");
    timer0_start();
    abboot_result r = abboot_run(&boot, box.f != NULL);
    if (box.f)
        fclose(box.f);
    if (flash.cut || r != ABBOOT_END_NOTHING)
        return;
    if (path)
        printf("fwboot: result=none reason=\"cannot open %s\"\n", path);
    else
        printf("fwboot: result=none reason=\"no container given\"\n");
    if (boot.st.have && boot.st.last.kind == STATE_RESUME)
        printf("fwboot: update in progress, active slot untouched: offer "
               "the container again to resume\n");
}

static int valid_app(uint32_t base)
{
    const uint32_t *v = (const uint32_t *)(uintptr_t)base;
    uint32_t sp = v[0], pc = v[1];
    return sp > MPS2_RAM_BASE && sp <= MPS2_RAM_BASE + MPS2_RAM_SIZE &&
           (sp & 3) == 0 && (pc & 1) && pc > base &&
           pc < base + BOOT_SLOT_SIZE;
}

/* Fills the stack below the current frame with PAINT. */
static uint32_t stack_top(void) { return (uint32_t)(uintptr_t)__stack_top; }

static void __attribute__((noinline)) stack_paint(void)
{
    uint32_t a = stack_top() - BOOT_STACK_PAINT;
    uint32_t here = (uint32_t)(uintptr_t)&a;
    for (; a < here - 64; a += 4)
        *(volatile uint32_t *)(uintptr_t)a = PAINT;
}

static void report_ram(void)
{
    uint32_t a = stack_top() - BOOT_STACK_PAINT;
    while (a < stack_top() && *(volatile uint32_t *)(uintptr_t)a == PAINT)
        a += 4;
    uint32_t stack = stack_top() - a;
    uint32_t heap = (uint32_t)((char *)_sbrk(0) - end);
    printf("fwboot: ram: static=%lu stack=%lu heap=%lu (bytes: .data+.bss, "
           "stack high-water mark, newlib heap)\n",
           ul((uint32_t)((__bss_end - __data_start) * 4)), ul(stack),
           ul(heap));
}

static void __attribute__((noreturn)) jump(uint32_t base)
{
    const uint32_t *v = (const uint32_t *)(uintptr_t)base;
    fflush(stdout);
    TIMER0_CTRL = 0; /* hand over quiet peripherals */
    __asm__ volatile("cpsid i" ::: "memory");
    SCB_VTOR = base;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    __asm__ volatile("msr msp, %0\n\t"
                     "cpsie i\n\t"
                     "bx %1" ::"r"(v[0]),
                     "r"(v[1])
                     : "memory");
    __builtin_unreachable();
}

/* Starts the bootloader again from its reset handler: .data and .bss are
 * re-initialised as at power-on; the flash model's region (and .noinit)
 * keep their contents. */
static void __attribute__((noreturn)) restart(const char *why)
{
    printf("fwboot: ---- %s: boot %lu of this run starts from reset; the "
           "flash keeps its contents ----\n",
           why, ul(sim.boot + 2));
    fflush(stdout);
    TIMER0_CTRL = 0;
    sim.boot++;
    __asm__ volatile("cpsid i" ::: "memory");
    SCB_VTOR = 0;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    __asm__ volatile("msr msp, %0\n\t"
                     "cpsie i\n\t"
                     "bx %1" ::"r"(__stack_top),
                     "r"(Reset_Handler)
                     : "memory");
    __builtin_unreachable();
}

int main(int argc, char **argv)
{
    if (sim.magic != SIM_MAGIC) {
        sim.magic = SIM_MAGIC;
        sim.boot = 0;
    }
    stack_paint();
    uint32_t cut_at = 0;
    int first = 1;
    if (argc >= 3 && strcmp(argv[1], "--cut") == 0) {
        cut_at = (uint32_t)strtoul(argv[2], NULL, 0);
        first = 3;
    }
    int offers = argc > first ? argc - first : 0;
    const char *offer =
        (int)sim.boot < offers ? argv[first + (int)sim.boot] : NULL;
    if (offer && strcmp(offer, "-") == 0)
        offer = NULL;

    printf("fwboot: fwpack bootloader, active slot 0x%08lx, staging slot "
           "0x%08lx, %lu KiB each, state area 0x%08lx; verifier context "
           "%lu bytes (window 2^%u, frames <= %u)\n",
           ul(BOOT_ACTIVE), ul(BOOT_STAGING), ul(BOOT_SLOT_SIZE / 1024),
           ul(BOOT_STATE), ul(sizeof ctx), (unsigned)FWPK_WINDOW_BITS,
           (unsigned)FWPK_MAX_FRAME_SIZE);

    fm_init(&flash, BOOT_ACTIVE, BOOT_STATE + BOOT_STATE_SIZE - BOOT_ACTIVE,
            BOOT_ERASE_BLOCK, BOOT_WRITE_UNIT);
    if (sim.boot == 0 && cut_at) {
        flash.cut_at = cut_at;
        printf("fwboot: power will be lost during flash operation %lu\n",
               ul(cut_at));
    }
    update(offer);
    if (flash.cut)
        restart("power cut");
    if ((int)sim.boot + 1 < offers)
        restart("reset for the next update");

    report_ram();
    if (!abboot_active_ok(&boot)) {
        printf("fwboot: not starting the active slot: its copy is still "
               "pending (the next reset retries it)\n");
        return 3;
    }
    if (!valid_app(BOOT_ACTIVE)) {
        printf("fwboot: no valid application in the active slot\n");
        return 3;
    }
    printf("fwboot: booting the application at 0x%08lx\n", ul(BOOT_ACTIVE));
    jump(BOOT_ACTIVE);
}
