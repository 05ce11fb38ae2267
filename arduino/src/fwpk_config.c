/* fwpk_config.c - what the library was compiled with (fwpack.h). */
#include "fwpk_verify.h"

const uint32_t fwpk_config_ctx_size = sizeof(fwpk_ctx);
