/*
 * board_stub.c - stands in for the board's flash driver so that the
 * example links; a real one erases 2 KiB pages and programs double words
 * through the FLASH peripheral (RM0444 section 3.3).  These refuse every
 * operation, so the verifier stops with FWPK_ERR_FLASH before writing.
 */
#include <stdint.h>

#include "fwpk_verify.h"

fwpk_err board_flash_erase(uint32_t addr, uint32_t len);
fwpk_err board_flash_write(uint32_t addr, const uint8_t *data, uint32_t len);

fwpk_err board_flash_erase(uint32_t addr, uint32_t len)
{
    (void)addr;
    (void)len;
    return FWPK_ERR_FLASH;
}

fwpk_err board_flash_write(uint32_t addr, const uint8_t *data, uint32_t len)
{
    (void)addr;
    (void)data;
    (void)len;
    return FWPK_ERR_FLASH;
}
