/*
 * boot.c - an A/B bootloader for the QEMU mps2-an385 board that installs
 * fwpack containers with the device verifier (verifier/src, linked in),
 * survives power cuts and refuses rollbacks.
 *
 *   flash (SSRAM1, see flash_model.h)
 *   0x00000000    bootloader (this program)
 *   BOOT_ACTIVE   active slot: the application runs from here
 *   BOOT_STAGING  staging slot: the verifier writes the new image here
 *   BOOT_STATE    state area, two erase blocks (state.h): resume records,
 *                 "copy pending", the anti-rollback minimum
 *
 * At reset:
 *  1. Read the state area: the newest valid record says idle, update in
 *     progress (with the verifier's resume record) or copy pending.
 *  2. Copy pending: the staging slot holds a verified image whose copy to
 *     the active slot was interrupted: copy it again, then record idle.
 *  3. If a container is offered (semihosting command line), read it in
 *     BOOT_PIECE-byte pieces (standing in for Notecard dfu.get reads) and
 *     feed it to the verifier, which erases and writes the staging slot and
 *     offers a resume record at each erase-block boundary; every one is
 *     appended to the state area.  With an update in progress, resume:
 *     fwpk_resume_begin() with the record, and once the signature checks
 *     out, fwpk_resume_skip() names the container offset to read on from.
 *  4. When fwpk_finish() says FWPK_OK: record "copy pending" (the commit
 *     point, which also raises the anti-rollback minimum to the container's
 *     security counter), copy staging -> active, record idle.  Any failure
 *     before the commit leaves the active slot untouched.
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
 *   fwboot: result=none reason="..."
 * After an install, "fwboot: flash_ops update=N commit=N ..." gives the
 * erase+write counts of the two phases (to aim --cut at either).  Before
 * the jump, "fwboot: ram: ..." gives the static RAM, the stack high-water
 * mark (painted stack) and the heap newlib took.
 * Instruction counts come from timer0 (common/timer.h, qemu -icount
 * shift=0) and are exact to 40 instructions.
 *
 * Exit codes when nothing can be booted: 3 no valid application.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flash_model.h"
#include "fwpk_verify.h"
#include "keyring.h" /* generated: fwpack export-key KEY --format c */
#include "mps2.h"
#include "semihost.h"
#include "state.h"
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
static state_area st;
static uint32_t min_counter; /* anti-rollback minimum in force */
static uint8_t piece[BOOT_PIECE];

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

static void refused(const char *why, uint32_t bytes, uint32_t ticks)
{
    char n[21];
    printf("fwboot: result=refused error=\"%s\" container_bytes=%lu "
           "verify_insns=%s\n",
           why, ul(bytes), u64s(timer0_insns(ticks), n));
    if (flash.error[0])
        printf("fwboot: %s\n", flash.error);
    printf("fwboot: active slot untouched\n");
}

static void interrupted(const char *phase, uint32_t bytes, uint32_t ticks)
{
    char n[21];
    printf("fwboot: result=interrupted error=\"power lost\" phase=%s "
           "container_bytes=%lu insns=%s\n",
           phase, ul(bytes), u64s(timer0_insns(ticks), n));
    printf("fwboot: %s\n", flash.error);
}

/* The erase-block ranges of the staging slot an image occupies (segments
 * are sorted by address).  More ranges than a record holds: the last one
 * grows over the gaps, which are then copied too. */
static void ranges_of(const fwpk_target *t, state_copy *c)
{
    const uint32_t eb = BOOT_ERASE_BLOCK;
    memset(c, 0, sizeof *c);
    for (uint32_t i = 0; i < t->segment_count; i++) {
        uint32_t lo = t->segments[i].addr & ~(eb - 1);
        uint32_t hi = (t->segments[i].addr + t->segments[i].len + eb - 1) &
                      ~(eb - 1);
        state_range *last = c->count ? &c->range[c->count - 1] : NULL;
        if (last && (lo <= last->hi || c->count == STATE_COPY_RANGES)) {
            if (hi > last->hi)
                last->hi = hi;
        } else {
            c->range[c->count].lo = lo;
            c->range[c->count].hi = hi;
            c->count++;
        }
    }
}

/* Copies the image's erase blocks from the staging slot to the active
 * slot (the verifier left every byte of those blocks outside the segments
 * erased, 0xFF), comparing each block after writing it.  Idempotent: after
 * a power cut it is simply done again. */
static fwpk_err promote(const state_copy *c)
{
    const uint32_t eb = BOOT_ERASE_BLOCK;
    for (uint32_t i = 0; i < c->count && i < STATE_COPY_RANGES; i++)
        for (uint32_t a = c->range[i].lo; a < c->range[i].hi; a += eb) {
            uint32_t dst = a - BOOT_STAGING + BOOT_ACTIVE;
            if (a < BOOT_STAGING || a + eb > BOOT_STAGING + BOOT_SLOT_SIZE)
                return FWPK_ERR_ARG;
            fwpk_err e = fm_erase(&flash, dst, eb);
            if (e == FWPK_OK)
                e = fm_write(&flash, dst, (const uint8_t *)(uintptr_t)a, eb);
            if (e != FWPK_OK)
                return e;
            if (memcmp((const void *)(uintptr_t)dst,
                       (const void *)(uintptr_t)a, eb) != 0) {
                snprintf(flash.error, sizeof flash.error,
                         "read-back mismatch at 0x%08lx", ul(dst));
                return FWPK_ERR_FLASH;
            }
        }
    return FWPK_OK;
}

/* Step 2: a copy that a power cut interrupted.  Returns 1 if it ran. */
static int complete_copy(void)
{
    state_copy c = st.last.u.copy;
    uint32_t min = st.last.min_counter;
    char n[21];
    printf("fwboot: copy pending: the staging slot holds verified %s; "
           "copying it to the active slot again\n",
           c.version[0] ? c.version : "image");
    timer0_start();
    uint32_t t0 = timer0_ticks();
    fwpk_err err = promote(&c);
    if (err == FWPK_OK)
        err = state_append(&st, STATE_IDLE, min, NULL, 0);
    uint32_t ticks = timer0_ticks() - t0;
    if (flash.cut) {
        interrupted("copy", 0, ticks);
        return 1;
    }
    if (err != FWPK_OK) {
        printf("fwboot: result=failed error=\"copy to the active slot: "
               "%s\"\n",
               flash.error[0] ? flash.error : fwpk_strerror(err));
        return 1;
    }
    printf("fwboot: result=installed version=%s completed_copy=1 "
           "security_counter=%lu copy_insns=%s\n",
           c.version, ul(min), u64s(timer0_insns(ticks), n));
    return 1;
}

/* The verifier's checkpoints: every one is persisted. */
static fwpk_err checkpoint(void *user, const fwpk_resume *rec)
{
    (void)user;
    return state_append(&st, STATE_RESUME, min_counter, rec, sizeof *rec);
}

/* Transient failures keep an update in progress for the next boot; any
 * other refusal is final for this container and ends it. */
static int transient(fwpk_err err)
{
    return err == FWPK_ERR_TRUNCATED || err == FWPK_ERR_FLASH;
}

static void update(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("fwboot: result=none reason=\"cannot open %s\"\n", path);
        return;
    }
    printf("fwboot: update offered: %s, read in %u-byte pieces\n", path,
           (unsigned)BOOT_PIECE);

    fwpk_policy policy;
    memset(&policy, 0, sizeof policy);
    policy.keys = fwpk_keyring;
    policy.key_count = FWPK_KEYRING_COUNT;
    policy.min_signatures = 1;
    policy.target = BOOT_TARGET;
    policy.mcu = BOOT_MCU;
    policy.window_lo = BOOT_STAGING;
    policy.window_hi = BOOT_STAGING + BOOT_SLOT_SIZE;
    policy.min_security_counter = min_counter;
    fwpk_flash cb = {fm_erase, fm_write, fm_read, &flash, checkpoint, NULL, 0};

    /* st.last changes with every record appended: keep a copy. */
    fwpk_resume from;
    int resuming = st.have && st.last.kind == STATE_RESUME;
    if (resuming)
        from = st.last.u.resume;
    uint32_t ops0 = flash.ops, rec0 = st.appended, erases0 = st.erases;

    timer0_start();
    uint32_t ticks = 0, bytes = 0, pos = 0, t0;
    int announced = 0, read_error = 0;
    fwpk_err err;
again:
    t0 = timer0_ticks();
    err = resuming ? fwpk_resume_begin(&ctx, &policy, &cb, &from)
                   : fwpk_begin(&ctx, &policy, &cb);
    ticks += timer0_ticks() - t0;
    while (err == FWPK_OK) {
        size_t n = fread(piece, 1, sizeof piece, f);
        if (n == 0)
            break;
        bytes += n;
        pos += n;
        t0 = timer0_ticks();
        err = fwpk_feed(&ctx, piece, n);
        uint32_t next = err == FWPK_OK && resuming ? fwpk_resume_skip(&ctx)
                                                   : pos;
        ticks += timer0_ticks() - t0;
        if (err == FWPK_OK && resuming && !announced &&
            next >= from.frame_offset) {
            /* Past the signature block, and the record was accepted. */
            printf("fwboot: resuming at frame %lu (offset %lu): %lu image "
                   "bytes already in flash, %lu container bytes not read "
                   "again\n",
                   ul(from.frame_index), ul(from.frame_offset),
                   ul(from.flushed), ul(next - pos));
            announced = 1;
        }
        if (next > pos) {
            if (fseek(f, (long)next, SEEK_SET) != 0) {
                read_error = 1;
                break;
            }
            pos = next;
        }
    }
    if (err == FWPK_ERR_RESUME && resuming) {
        printf("fwboot: the resume record is not for this container: "
               "starting over\n");
        resuming = 0;
        rewind(f);
        pos = 0;
        goto again;
    }
    read_error |= ferror(f);
    fclose(f);
    if (err == FWPK_OK && read_error)
        err = FWPK_ERR_TRUNCATED; /* like a broken download */
    if (err == FWPK_OK) {
        t0 = timer0_ticks();
        err = fwpk_finish(&ctx);
        ticks += timer0_ticks() - t0;
    }
    if (err != FWPK_OK) {
        if (flash.cut) {
            interrupted("update", bytes, ticks);
            return;
        }
        refused(read_error ? "read error" : fwpk_strerror(err), bytes,
                ticks);
        if (st.have && st.last.kind == STATE_RESUME) {
            if (transient(err))
                printf("fwboot: update in progress kept: the next boot "
                       "resumes at frame %lu\n",
                       ul(st.last.u.resume.frame_index));
            else if (state_append(&st, STATE_IDLE, min_counter, NULL, 0) ==
                     FWPK_OK)
                printf("fwboot: update abandoned: state area idle\n");
        }
        return;
    }

    /* Commit: from the "copy pending" record on, the new image is the one
     * the device will run, whatever happens (section 4 of the porting
     * guide); the anti-rollback minimum rises with it. */
    const fwpk_target *t = &ctx.manifest.own;
    uint32_t new_min = ctx.manifest.security_counter > min_counter
                           ? ctx.manifest.security_counter
                           : min_counter;
    state_copy c;
    ranges_of(t, &c);
    strncpy(c.version, ctx.manifest.version, sizeof c.version - 1);
    uint32_t ops1 = flash.ops, rec1 = st.appended;
    t0 = timer0_ticks();
    err = state_append(&st, STATE_COPY, new_min, &c, sizeof c);
    if (err == FWPK_OK)
        err = promote(&c);
    if (err == FWPK_OK)
        err = state_append(&st, STATE_IDLE, new_min, NULL, 0);
    uint32_t copy = timer0_ticks() - t0;
    char n1[21], n2[21];
    if (flash.cut) {
        interrupted("commit", bytes, ticks + copy);
        return;
    }
    if (err != FWPK_OK) {
        /* The copy is still pending: the next reset retries it. */
        printf("fwboot: result=failed error=\"copy to the active slot: "
               "%s\"\n",
               flash.error[0] ? flash.error : fwpk_strerror(err));
        return;
    }
    min_counter = new_min;
    printf("fwboot: result=installed version=%s container_bytes=%lu "
           "image_bytes=%lu security_counter=%lu verify_insns=%s "
           "copy_insns=%s\n",
           ctx.manifest.version, ul(bytes), ul(t->image_size),
           ul(ctx.manifest.security_counter), u64s(timer0_insns(ticks), n1),
           u64s(timer0_insns(copy), n2));
    printf("fwboot: flash_ops update=%lu commit=%lu resume_records=%lu "
           "state_erases=%lu\n",
           ul(ops1 - ops0), ul(flash.ops - ops1), ul(rec1 - rec0),
           ul(st.erases - erases0));
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
    state_open(&st, &flash, BOOT_STATE, BOOT_ERASE_BLOCK);
    min_counter = st.have ? st.last.min_counter : 0;
    if (!st.have)
        printf("fwboot: state: no record (new device)\n");
    else if (st.last.kind == STATE_RESUME)
        printf("fwboot: state: record %lu, update in progress: resume at "
               "frame %lu (offset %lu), %lu image bytes in flash; minimum "
               "security counter %lu\n",
               ul(st.last.seq), ul(st.last.u.resume.frame_index),
               ul(st.last.u.resume.frame_offset),
               ul(st.last.u.resume.flushed), ul(min_counter));
    else
        printf("fwboot: state: record %lu, %s; minimum security counter "
               "%lu\n",
               ul(st.last.seq), state_kind_name(st.last.kind),
               ul(min_counter));

    int copied = 0;
    if (st.have && st.last.kind == STATE_COPY)
        copied = complete_copy();
    if (!flash.cut && offer)
        update(offer);
    else if (!flash.cut && !copied) {
        printf("fwboot: result=none reason=\"no container given\"\n");
        if (st.have && st.last.kind == STATE_RESUME)
            printf("fwboot: update in progress, active slot untouched: "
                   "offer the container again to resume\n");
    }
    if (flash.cut)
        restart("power cut");
    if ((int)sim.boot + 1 < offers)
        restart("reset for the next update");

    report_ram();
    if (!valid_app(BOOT_ACTIVE)) {
        printf("fwboot: no valid application in the active slot\n");
        return 3;
    }
    printf("fwboot: booting the application at 0x%08lx\n", ul(BOOT_ACTIVE));
    jump(BOOT_ACTIVE);
}
