/*
 * fwpack.h - the fwpack Arduino library, for a sketch:
 *
 *   fwpk_verify.h      the container verifier (fwpk_begin, fwpk_feed,
 *                      fwpk_finish; docs/porting.md in the fwpack tree)
 *   fwpk_notecard.h    the Notecard DFU client that feeds it (fwpk_nc_*),
 *                      serial or I2C
 *   abboot/abboot.h    the A/B update logic of fwpack's example
 *                      bootloaders: staging slot, state area, resume after
 *                      a power cut, the copy, anti-rollback
 *   fwpk_agent.h       the client as that logic's container source
 *
 * The library is C; a sketch is C++, so it is included with C linkage
 * here.  Its compile-time options are in fwpk_config.h.
 */
#ifndef FWPACK_ARDUINO_H
#define FWPACK_ARDUINO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#include "fwpk_config.h"
#include "fwpk_verify.h"
#include "fwpk_notecard.h"
#include "abboot/abboot.h"
#include "fwpk_agent.h"

/* sizeof(fwpk_ctx) as the library's own files were compiled.  An FWPK_*
 * option that reached the sketch but not the library (or the reverse)
 * changes the struct in one and not the other: compare it with
 * sizeof(fwpk_ctx) before using the verifier (the examples do). */
extern const uint32_t fwpk_config_ctx_size;

#ifdef __cplusplus
}
#endif

#endif
