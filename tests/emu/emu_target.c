/* emu_target.c - see emu_target.h. */
#include <stdlib.h>
#include <string.h>

#include "emu_target.h"

const char emu_target_usage[] =
    "  -m MODEL       the chip\n"
    "  --id HEX       report this chip id instead (a wrong chip)\n"
    "  --dump FILE    the flash, saved as it changes and at exit\n"
    "  --load FILE    its contents at start (a raw image from its base)\n"
    "  --nack N       refuse the N-th write command (from 1)\n"
    "  --corrupt N    the N-th write stores one bit wrong\n";

int emu_target_args(emu_target *t, int argc, char **argv, const char *flag)
{
    emu_line_defaults(&t->line);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = emu_line_option(&t->line, argc, argv, &i);
        if (r < 0)
            return -1;
        if (r > 0)
            continue;
        if (flag && strcmp(a, flag) == 0) {
            t->flag = 1;
            continue;
        }
        if (i + 1 >= argc)
            return -1;
        const char *v = argv[++i];
        if (!strcmp(a, "-m"))
            t->model = v;
        else if (!strcmp(a, "--id"))
            t->id = v;
        else if (!strcmp(a, "--dump"))
            t->dump = v;
        else if (!strcmp(a, "--load"))
            t->load = v;
        else if (!strcmp(a, "--nack"))
            t->nack_at = strtoul(v, NULL, 0);
        else if (!strcmp(a, "--corrupt"))
            t->corrupt_at = strtoul(v, NULL, 0);
        else
            return -1;
    }
    return 0;
}

int emu_target_open(emu_target *t, uint32_t base, uint32_t size,
                    uint32_t page)
{
    if (emu_flash_init(&t->flash, base, size, page, t->load) != 0)
        return -1;
    t->flash.dump = t->dump;
    t->flash.corrupt_at = t->corrupt_at;
    return emu_line_open(&t->line);
}

#define BYTE_WAIT_MS 2000

int emu_target_next(emu_target *t)
{
    int c = emu_line_getc(&t->line, BYTE_WAIT_MS);
    if (c == -2)
        emu_log(&t->line, "timeout in a command");
    return c < 0 ? -1 : c;
}

int emu_target_serve(emu_target *t, void (*session)(void),
                     void (*command)(int c), const int *gone)
{
    while (!emu_stop) {
        if (!t->line.connected) {
            if (emu_line_wait_host(&t->line, 100))
                session();
            continue;
        }
        int c = emu_line_getc(&t->line, 100);
        if (c >= 0 && !*gone)
            command(c);
    }
    int rc = emu_flash_save(&t->flash) ? 1 : 0;
    emu_log(&t->line, "exit-emulator");
    emu_line_close(&t->line);
    emu_flash_free(&t->flash);
    return rc;
}
