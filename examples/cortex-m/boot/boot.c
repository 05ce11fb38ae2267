/*
 * boot.c - an A/B bootloader for the QEMU mps2-an385 board that installs
 * fwpack containers with the device verifier (verifier/src, linked in).
 *
 *   flash (SSRAM1, see flash_model.h)
 *   0x00000000  bootloader (this program)
 *   BOOT_ACTIVE   active slot: the application runs from here
 *   BOOT_STAGING  staging slot: the verifier writes the new image here
 *
 * At reset: if the semihosting command line names a container, read it in
 * BOOT_PIECE-byte pieces (standing in for Notecard dfu.get reads) and feed
 * it to the verifier, which erases and writes the staging slot.  Only when
 * fwpk_finish() says FWPK_OK is the staging slot copied into the active
 * slot.  Any failure leaves the active slot untouched.  Then boot the
 * active slot: VTOR = slot, MSP = word 0, jump to word 1.
 *
 * Output, one line per event, "fwboot: " first; the result line is
 *   fwboot: result=installed version=V container_bytes=N image_bytes=N
 *           verify_insns=N copy_insns=N
 *   fwboot: result=refused error="..." container_bytes=N verify_insns=N
 *   fwboot: result=none reason="..."
 * Instruction counts come from timer0 (common/timer.h, qemu -icount
 * shift=0) and are exact to 40 instructions.
 *
 * Exit codes when nothing can be booted: 3 no valid application.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

static fwpk_ctx ctx; /* all of the verifier's memory */
static flash_model flash;
static uint8_t piece[BOOT_PIECE];

static const char *u64s(uint64_t v, char buf[21])
{
    char *p = buf + 20;
    *p = 0;
    do
        *--p = (char)('0' + v % 10);
    while (v /= 10);
    return p;
}

static void refused(const char *why, uint32_t bytes, uint32_t ticks)
{
    char n[21];
    printf("fwboot: result=refused error=\"%s\" container_bytes=%lu "
           "verify_insns=%s\n",
           why, (unsigned long)bytes, u64s(timer0_insns(ticks), n));
    if (flash.error[0])
        printf("fwboot: %s\n", flash.error);
    printf("fwboot: active slot untouched\n");
}

/* Copies the installed image from the staging slot to the active slot,
 * erase block by erase block (the verifier left every byte of those
 * blocks outside the segments erased, 0xFF), then compares. */
static fwpk_err promote(const fwpk_target *t)
{
    const uint32_t eb = BOOT_ERASE_BLOCK;
    uint32_t done = BOOT_STAGING; /* staging blocks below this are copied */
    for (uint32_t i = 0; i < t->segment_count; i++) {
        uint32_t lo = t->segments[i].addr & ~(eb - 1);
        uint32_t hi = (t->segments[i].addr + t->segments[i].len + eb - 1) &
                      ~(eb - 1);
        if (lo < done)
            lo = done;
        for (uint32_t a = lo; a < hi; a += eb) {
            uint32_t dst = a - BOOT_STAGING + BOOT_ACTIVE;
            fwpk_err e = fm_erase(&flash, dst, eb);
            if (e == FWPK_OK)
                e = fm_write(&flash, dst, (const uint8_t *)(uintptr_t)a, eb);
            if (e != FWPK_OK)
                return e;
            if (memcmp((const void *)(uintptr_t)dst,
                       (const void *)(uintptr_t)a, eb) != 0) {
                snprintf(flash.error, sizeof flash.error,
                         "read-back mismatch at 0x%08lx", (unsigned long)dst);
                return FWPK_ERR_FLASH;
            }
        }
        if (hi > done)
            done = hi;
    }
    return FWPK_OK;
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

    fm_init(&flash, BOOT_ACTIVE, BOOT_STAGING + BOOT_SLOT_SIZE - BOOT_ACTIVE,
            BOOT_ERASE_BLOCK, BOOT_WRITE_UNIT);
    fwpk_policy policy;
    memset(&policy, 0, sizeof policy);
    policy.keys = fwpk_keyring;
    policy.key_count = FWPK_KEYRING_COUNT;
    policy.min_signatures = 1;
    policy.target = BOOT_TARGET;
    policy.mcu = BOOT_MCU;
    policy.window_lo = BOOT_STAGING;
    policy.window_hi = BOOT_STAGING + BOOT_SLOT_SIZE;
    policy.min_security_counter = 0;
    fwpk_flash cb = {fm_erase, fm_write, fm_read, &flash, NULL};

    timer0_start();
    uint32_t ticks = 0, bytes = 0, t0 = timer0_ticks();
    fwpk_err err = fwpk_begin(&ctx, &policy, &cb);
    ticks += timer0_ticks() - t0;
    while (err == FWPK_OK) {
        size_t n = fread(piece, 1, sizeof piece, f);
        if (n == 0)
            break;
        bytes += n;
        t0 = timer0_ticks();
        err = fwpk_feed(&ctx, piece, n);
        ticks += timer0_ticks() - t0;
    }
    int read_error = ferror(f);
    fclose(f);
    if (err == FWPK_OK && read_error) {
        refused("read error", bytes, ticks);
        return;
    }
    if (err == FWPK_OK) {
        t0 = timer0_ticks();
        err = fwpk_finish(&ctx);
        ticks += timer0_ticks() - t0;
    }
    if (err != FWPK_OK) {
        refused(fwpk_strerror(err), bytes, ticks);
        return;
    }

    const fwpk_target *t = &ctx.manifest.own;
    t0 = timer0_ticks();
    err = promote(t);
    uint32_t copy = timer0_ticks() - t0;
    char n1[21], n2[21];
    if (err != FWPK_OK) {
        /* The active slot is now partly written: a real bootloader would
         * retry the copy from the intact staging slot at the next reset. */
        printf("fwboot: result=failed error=\"copy to the active slot: %s\"\n",
               flash.error);
        return;
    }
    printf("fwboot: result=installed version=%s container_bytes=%lu "
           "image_bytes=%lu verify_insns=%s copy_insns=%s\n",
           ctx.manifest.version, (unsigned long)bytes,
           (unsigned long)t->image_size, u64s(timer0_insns(ticks), n1),
           u64s(timer0_insns(copy), n2));
}

static int valid_app(uint32_t base)
{
    const uint32_t *v = (const uint32_t *)(uintptr_t)base;
    uint32_t sp = v[0], pc = v[1];
    return sp > MPS2_RAM_BASE && sp <= MPS2_RAM_BASE + MPS2_RAM_SIZE &&
           (sp & 3) == 0 && (pc & 1) && pc > base &&
           pc < base + BOOT_SLOT_SIZE;
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

int main(int argc, char **argv)
{
    printf("fwboot: fwpack bootloader, active slot 0x%08lx, staging slot "
           "0x%08lx, %lu KiB each; verifier context %lu bytes "
           "(window 2^%u, frames <= %u)\n",
           (unsigned long)BOOT_ACTIVE, (unsigned long)BOOT_STAGING,
           (unsigned long)(BOOT_SLOT_SIZE / 1024), (unsigned long)sizeof ctx,
           (unsigned)FWPK_WINDOW_BITS, (unsigned)FWPK_MAX_FRAME_SIZE);
    if (argc >= 2)
        update(argv[1]);
    else
        printf("fwboot: result=none reason=\"no container given\"\n");

    if (!valid_app(BOOT_ACTIVE)) {
        printf("fwboot: no valid application in the active slot\n");
        return 3;
    }
    printf("fwboot: booting the application at 0x%08lx\n",
           (unsigned long)BOOT_ACTIVE);
    jump(BOOT_ACTIVE);
}
