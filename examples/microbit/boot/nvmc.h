/*
 * nvmc.h - the nRF51's flash as fwpk_flash callbacks: erase whole 1 KiB
 * pages, write whole 32-bit words, read as memory.  Counts every erase
 * and write, and can be told to lose power during one: half of it is
 * done, then the CPU halts (--cut in boot.c; the run script saves the
 * flash and kills QEMU).
 */
#ifndef NVMC_H
#define NVMC_H

#include <stdint.h>

#include "fwpk_verify.h"

typedef struct {
    uint32_t lo, hi;   /* the range erase and write may touch */
    uint32_t ops;      /* erases + writes so far */
    uint32_t erases, words;
    uint32_t cut_at;   /* 0, or the operation during which power is lost */
    void (*on_cut)(void); /* optional: the last words before it halts */
} nvmc;

void nvmc_init(nvmc *f, uint32_t lo, uint32_t hi);
fwpk_err nvmc_erase(void *user, uint32_t addr, uint32_t len);
fwpk_err nvmc_write(void *user, uint32_t addr, const uint8_t *data,
                    uint32_t len);
fwpk_err nvmc_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len);

#endif
