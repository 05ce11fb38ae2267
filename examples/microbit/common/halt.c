/* halt.c - semihosting output and the halt (halt.h). */
#include "halt.h"

#define SYS_WRITE0 0x04

/* Only where newlib's stdio is linked (the application): its buffers are
 * flushed before the halt line. */
struct _reent;
extern int fflush(void *stream) __attribute__((weak));

void sh_write0(const char *s)
{
    register uint32_t r0 __asm__("r0") = SYS_WRITE0;
    register const char *r1 __asm__("r1") = s;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
}

static void put_int(int v)
{
    char buf[12], *p = buf + sizeof buf - 1;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    *p = 0;
    do
        *--p = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        *--p = '-';
    sh_write0(p);
}

void halt(int code)
{
    if (fflush)
        fflush(0);
    sh_write0("halt: ");
    put_int(code);
    sh_write0("\n");
    for (;;)
        __asm__ volatile("wfi");
}

void halt_msg(const char *msg, int code)
{
    sh_write0(msg);
    sh_write0("\n");
    halt(code);
}
