/* nvmc.c - erase, write and read the nRF51's flash (nvmc.h). */
#include <string.h>

#include "halt.h"
#include "log.h"
#include "nrf51.h"
#include "nvmc.h"

void nvmc_init(nvmc *f, uint32_t lo, uint32_t hi)
{
    memset(f, 0, sizeof *f);
    f->lo = lo;
    f->hi = hi;
}

static void wait_ready(void)
{
    while (NVMC_READY == 0)
        ;
}

/* A power cut at this operation: it happens half way (an erase not at
 * all, a write programs half its words), then the CPU stops. */
static int losing_power(nvmc *f)
{
    f->ops++;
    return f->cut_at && f->ops == f->cut_at;
}

static void __attribute__((noreturn)) power_lost(const nvmc *f,
                                                 const char *what,
                                                 uint32_t addr)
{
    if (f->on_cut)
        f->on_cut();
    out("fwboot: power lost during flash operation %lu: %s at 0x%08lx\n",
        (unsigned long)f->ops, what, (unsigned long)addr);
    halt(98);
}

static int in_range(const nvmc *f, uint32_t addr, uint32_t len)
{
    return addr >= f->lo && addr <= f->hi && len <= f->hi - addr;
}

fwpk_err nvmc_erase(void *user, uint32_t addr, uint32_t len)
{
    nvmc *f = user;
    if (addr % NRF51_PAGE_SIZE || len % NRF51_PAGE_SIZE ||
        !in_range(f, addr, len))
        return FWPK_ERR_FLASH;
    if (losing_power(f))
        power_lost(f, "erase, not started", addr);
    NVMC_CONFIG = NVMC_CONFIG_EEN;
    for (uint32_t a = addr; a < addr + len; a += NRF51_PAGE_SIZE) {
        NVMC_ERASEPAGE = a;
        wait_ready();
        f->erases++;
    }
    NVMC_CONFIG = NVMC_CONFIG_REN;
    return FWPK_OK;
}

fwpk_err nvmc_write(void *user, uint32_t addr, const uint8_t *data,
                    uint32_t len)
{
    nvmc *f = user;
    uint32_t n = len / 4, w;
    int cut = 0;
    if (addr % 4 || len % 4 || !in_range(f, addr, len))
        return FWPK_ERR_FLASH;
    if (losing_power(f)) {
        cut = 1;
        n /= 2;
    }
    NVMC_CONFIG = NVMC_CONFIG_WEN;
    for (uint32_t i = 0; i < n; i++) {
        memcpy(&w, data + 4 * i, 4); /* data need not be aligned */
        *(volatile uint32_t *)(uintptr_t)(addr + 4 * i) = w;
        wait_ready();
        f->words++;
    }
    NVMC_CONFIG = NVMC_CONFIG_REN;
    if (cut)
        power_lost(f, "write, half done", addr);
    /* Programming only clears bits: a word that was not erased reads back
     * as the AND of old and new.  Check, as a real driver would. */
    return memcmp((const void *)(uintptr_t)addr, data, len) == 0
               ? FWPK_OK
               : FWPK_ERR_FLASH;
}

fwpk_err nvmc_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    nvmc *f = user;
    (void)f;
    if (addr >= NRF51_FLASH_SIZE || len > NRF51_FLASH_SIZE - addr)
        return FWPK_ERR_FLASH;
    memcpy(buf, (const void *)(uintptr_t)addr, len);
    return FWPK_OK;
}
