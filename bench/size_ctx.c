/*
 * size_ctx.c - sizeof probes for make size (bench/size.sh), compiled per
 * cross target and never linked: each array's size, read back with nm -S,
 * is the figure as that target's compiler lays the struct out.
 */
#include "fwpk_verify.h"

#define MEMBER_SIZE(type, m) sizeof(((type *)0)->m)

char fwpk_size_ctx[sizeof(fwpk_ctx)];
char fwpk_size_buffers[MEMBER_SIZE(fwpk_ctx, mem)];
char fwpk_size_manifest[sizeof(fwpk_manifest)];

/* The Notecard client's state (fwpk_notecard.h): bench/size_notecard.sh. */
#include "fwpk_notecard.h"

char fwpk_size_nc[sizeof(fwpk_nc)];
