/* semihost.c - SYS_GET_CMDLINE and SYS_EXIT_EXTENDED. */
#include "semihost.h"

#define SYS_GET_CMDLINE 0x15
#define SYS_EXIT 0x18
#define SYS_EXIT_EXTENDED 0x20
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

uint32_t sh_call(uint32_t op, void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

int sh_cmdline(char *buf, size_t size)
{
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)size};
    if (size == 0 || sh_call(SYS_GET_CMDLINE, block) != 0)
        return -1;
    buf[size - 1] = 0;
    return 0;
}

void sh_exit(int code)
{
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    sh_call(SYS_EXIT_EXTENDED, block);
    /* A host without the extension: plain SYS_EXIT (status 0 or 1). */
    sh_call(SYS_EXIT, (void *)(uintptr_t)(code ? 0x20024u /* RunTimeError */
                                              : ADP_STOPPED_APPLICATION_EXIT));
    for (;;)
        __asm__ volatile("wfi");
}
