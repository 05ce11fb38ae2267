/*
 * avrhost.c - runs the AVR bootloader example in simavr (libsimavr) and
 * plays the host MCU on its UART: it answers the bootloader's
 * "dfu.get offset=N length=L" requests with pieces of a container, the
 * way a host MCU passes Notecard dfu.get data on, and prints everything
 * else the AVR sends.
 *
 *   avrhost -m MCU [-f HZ] [options] PROGRAM.hex|FILE@ADDR ...
 *
 *   -m MCU            simavr core (atmega1284p, atmega328p, ...)
 *   -f HZ             clock (16000000)
 *   PROGRAM.hex       Intel HEX loaded into flash at its addresses (all
 *                     its chunks: simavr's own ELF loader takes only
 *                     .text and .data, not the boot section)
 *   FILE@ADDR         a raw binary loaded into flash at ADDR
 *   -c FILE           the container to serve; without it every request
 *                     is answered "0 bytes" (no update offered)
 *   -n N              serve only its first N bytes (a broken download)
 *   -s ADDR:LEN:FILE  after the run, save that much flash to FILE
 *   -b ADDR           start at ADDR, not 0 (BOOTRST programmed: the reset
 *                     vector is the boot section's)
 *   -e FILE           load the EEPROM from FILE (its first bytes)
 *   -E FILE           after the run, save the whole EEPROM to FILE
 *   -p PIN            e.g. D2: drive that input pin low while a container
 *                     is offered (-c), high otherwise (an "update waiting"
 *                     line from the host)
 *   --ramend N        give the core RAM up to data address N (default the
 *                     part's): only to measure a build that does not fit
 *                     the part yet
 *   --max-cycles N    stop after N cycles (default 1.5e9, 94 s at 16 MHz):
 *                     a runaway program, or a power cut at that cycle (the
 *                     -s files keep the flash as it was then)
 *   -t                print each line with the cycle it ended at: "@N line"
 *   -v                also print the requests
 *
 * The reply to a request is a 2-byte little-endian count C (at most L,
 * 0 at the end of the container) and C bytes.  They are pushed into the
 * UART's receive FIFO with simavr's flow control (UART_IRQ_OUT_XON/XOFF:
 * send while the FIFO has room), at the baud rate the AVR set, and only
 * after a request: the AVR's own 2-byte buffer never overflows while it is
 * busy verifying.
 *
 * Exit status: 0 the program ended (sleep with interrupts off), 1 usage or
 * file error, 2 the AVR crashed, 3 timeout, 4 protocol error.  The last
 * line on stderr is "avrhost: cycles=N state=..." (simavr's own count).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "avr_eeprom.h"
#include "avr_ioport.h"
#include "avr_uart.h"
#include "sim_avr.h"
#include "sim_hex.h"

static const char *prog = "avrhost";

/* ---- the container and the reply being sent ---- */

static uint8_t *box;
static size_t box_len;
static int served; /* a container was given */

static uint8_t reply[2 + 65535];
static size_t reply_len, reply_pos;
static int xon;      /* the UART FIFO has room */
static int protocol; /* a request could not be parsed */
static int verbose;
static int stamps;   /* -t */
static avr_t *sim;

static avr_irq_t *uart_in;

/* ---- lines from the AVR ---- */

static char line[4096];
static size_t line_len;

static void request(const char *s)
{
    unsigned long off, len;
    if (sscanf(s, "dfu.get offset=%lu length=%lu", &off, &len) != 2 ||
        len > 65535) {
        fprintf(stderr, "%s: bad request \"%s\"\n", prog, s);
        protocol = 1;
        return;
    }
    if (reply_pos < reply_len) {
        fprintf(stderr, "%s: request while the last reply is unsent\n", prog);
        protocol = 1;
        return;
    }
    size_t n = 0;
    if (served && off < box_len)
        n = box_len - off < len ? box_len - off : len;
    reply[0] = (uint8_t)n;
    reply[1] = (uint8_t)(n >> 8);
    if (n)
        memcpy(reply + 2, box + off, n);
    reply_len = n + 2;
    reply_pos = 0;
    if (verbose)
        printf("[host] %s -> %zu bytes\n", s, n);
}

static void uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    char c = (char)value;
    if (c == '\n' || line_len == sizeof line - 1) {
        line[line_len] = 0;
        if (strncmp(line, "dfu.get ", 8) == 0)
            request(line);
        else if (stamps)
            printf("@%llu %s\n", (unsigned long long)sim->cycle, line);
        else
            printf("%s\n", line);
        fflush(stdout);
        line_len = 0;
    } else if (c != '\r') {
        line[line_len++] = c;
    }
}

static void uart_xon(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)value;
    (void)param;
    xon = 1;
}

static void uart_xoff(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    (void)param;
    if (value)
        xon = 0;
}

/* Sends what the FIFO takes (the XOFF notification stops the loop). */
static void pump(void)
{
    while (xon && reply_pos < reply_len)
        avr_raise_irq(uart_in, reply[reply_pos++]);
}

/* ---- loading ---- */

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    size_t got;
    while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    int bad = ferror(f);
    fclose(f);
    if (!b || bad) {
        fprintf(stderr, "%s: %s: read error\n", prog, path);
        free(b);
        return NULL;
    }
    *len = n;
    return b;
}

static int load(avr_t *avr, const char *arg)
{
    const char *at = strrchr(arg, '@');
    if (at) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)(at - arg), arg);
        char *end;
        unsigned long addr = strtoul(at + 1, &end, 0);
        size_t n;
        uint8_t *b = *end ? NULL : slurp(path, &n);
        if (!b) {
            if (*end)
                fprintf(stderr, "%s: bad address in %s\n", prog, arg);
            return -1;
        }
        if (addr + n > (unsigned long)avr->flashend + 1) {
            fprintf(stderr, "%s: %s does not fit in flash\n", prog, arg);
            free(b);
            return -1;
        }
        memcpy(avr->flash + addr, b, n);
        free(b);
        return 0;
    }
    ihex_chunk_p chunk;
    int count = read_ihex_chunks(arg, &chunk);
    if (count <= 0) {
        fprintf(stderr, "%s: %s: not an Intel HEX file\n", prog, arg);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        if (chunk[i].baseaddr + chunk[i].size > avr->flashend + 1) {
            fprintf(stderr, "%s: %s: 0x%x+%u is outside the flash\n", prog,
                    arg, chunk[i].baseaddr, chunk[i].size);
            free_ihex_chunks(chunk);
            return -1;
        }
        memcpy(avr->flash + chunk[i].baseaddr, chunk[i].data, chunk[i].size);
    }
    free_ihex_chunks(chunk);
    return 0;
}

/* ---- EEPROM ---- */

static int load_eeprom(avr_t *avr, const char *path)
{
    size_t n;
    uint8_t *b = slurp(path, &n);
    if (!b)
        return -1;
    /* (simavr 1.6's EEPROM ioctls return -1 even when they worked) */
    int fits = n <= (size_t)avr->e2end + 1;
    avr_eeprom_desc_t d = {.ee = b, .offset = 0, .size = (uint32_t)n};
    if (n && fits)
        avr_ioctl(avr, AVR_IOCTL_EEPROM_SET, &d);
    free(b);
    if (!fits)
        fprintf(stderr, "%s: %s: larger than the EEPROM\n", prog, path);
    return fits ? 0 : -1;
}

static int save_eeprom(avr_t *avr, const char *path)
{
    uint8_t b[4096];
    uint32_t n = (uint32_t)(avr->e2end + 1);
    avr_eeprom_desc_t d = {.ee = b, .offset = 0, .size = n};
    if (n > sizeof b) {
        fprintf(stderr, "%s: %s has no EEPROM to save\n", prog, path);
        return -1;
    }
    avr_ioctl(avr, AVR_IOCTL_EEPROM_GET, &d);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(d.ee, 1, n, f) == n;
    if ((f && fclose(f) != 0) || !ok) {
        fprintf(stderr, "%s: cannot write %s\n", prog, path);
        return -1;
    }
    return 0;
}

static int usage(void)
{
    fprintf(stderr,
            "usage: %s -m MCU [-f HZ] [-c CONTAINER [-n N]] [-s ADDR:LEN:FILE]... "
            "[-b ADDR] [-e FILE] [-E FILE] [-p PIN] [--ramend N] "
            "[--max-cycles N] [-t] [-v] PROGRAM.hex|FILE@ADDR ...\n",
            prog);
    return 1;
}

int main(int argc, char **argv)
{
    const char *mcu = NULL, *container = NULL;
    const char *ee_in = NULL, *ee_out = NULL, *pin = NULL;
    unsigned long boot_at = 0, ramend = 0;
    unsigned long hz = 16000000;
    double max_cycles = 1.5e9;
    long limit = -1;
    const char *saves[16];
    const char *loads[16];
    int nsave = 0, nload = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-m") && i + 1 < argc)
            mcu = argv[++i];
        else if (!strcmp(a, "-f") && i + 1 < argc)
            hz = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(a, "-c") && i + 1 < argc)
            container = argv[++i];
        else if (!strcmp(a, "-n") && i + 1 < argc)
            limit = strtol(argv[++i], NULL, 0);
        else if (!strcmp(a, "-s") && i + 1 < argc && nsave < 16)
            saves[nsave++] = argv[++i];
        else if (!strcmp(a, "--max-cycles") && i + 1 < argc)
            max_cycles = strtod(argv[++i], NULL);
        else if (!strcmp(a, "-b") && i + 1 < argc)
            boot_at = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(a, "-e") && i + 1 < argc)
            ee_in = argv[++i];
        else if (!strcmp(a, "-E") && i + 1 < argc)
            ee_out = argv[++i];
        else if (!strcmp(a, "-p") && i + 1 < argc)
            pin = argv[++i];
        else if (!strcmp(a, "--ramend") && i + 1 < argc)
            ramend = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(a, "-v"))
            verbose = 1;
        else if (!strcmp(a, "-t"))
            stamps = 1;
        else if (a[0] != '-' && nload < 16)
            loads[nload++] = a;
        else
            return usage();
    }
    if (!mcu || !nload || !hz)
        return usage();
    if (pin && (pin[0] < 'A' || pin[0] > 'L' || pin[1] < '0' || pin[1] > '7' ||
                pin[2])) {
        fprintf(stderr, "%s: bad -p %s (a port letter and a bit: D2)\n", prog,
                pin);
        return 1;
    }

    avr_t *avr = sim = avr_make_mcu_by_name(mcu);
    if (!avr) {
        fprintf(stderr, "%s: simavr has no core '%s'\n", prog, mcu);
        return 1;
    }
    if (ramend > avr->ramend && ramend <= 0xFFFF)
        avr->ramend = (uint16_t)ramend; /* avr_init allocates up to it */
    avr_init(avr);
    avr->frequency = hz;
    avr->log = LOG_WARNING;
    for (int i = 0; i < nload; i++)
        if (load(avr, loads[i]) != 0)
            return 1;
    if (boot_at) {
        if (boot_at > avr->flashend) {
            fprintf(stderr, "%s: -b %#lx is outside the flash\n", prog, boot_at);
            return 1;
        }
        avr->reset_pc = avr->pc = (avr_flashaddr_t)boot_at;
    }
    if (ee_in && load_eeprom(avr, ee_in) != 0)
        return 1;
    if (container) {
        box = slurp(container, &box_len);
        if (!box)
            return 1;
        served = 1;
        if (limit >= 0 && (size_t)limit < box_len)
            box_len = (size_t)limit;
    }

    /* UART0: no console echo, no sleeping while the AVR polls */
    uint32_t flags = 0;
    avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    avr_irq_register_notify(
        avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
        uart_out, NULL);
    avr_irq_register_notify(
        avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON),
        uart_xon, NULL);
    avr_irq_register_notify(
        avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF),
        uart_xoff, NULL);
    uart_in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);
    if (pin) {
        avr_irq_t *p = avr_io_getirq(avr, AVR_IOCTL_IOPORT_GETIRQ(pin[0]),
                                     pin[1] - '0');
        if (!p) {
            fprintf(stderr, "%s: %s has no port %c\n", prog, mcu, pin[0]);
            return 1;
        }
        avr_raise_irq(p, served ? 0 : 1);
    }

    int state = cpu_Running;
    while (state != cpu_Done && state != cpu_Crashed && !protocol &&
           (double)avr->cycle < max_cycles) {
        state = avr_run(avr);
        pump();
    }
    if (line_len) { /* an unterminated last line */
        line[line_len] = 0;
        printf("%s\n", line);
    }
    fflush(stdout);

    int rc = 0;
    const char *how = "done";
    if (protocol) {
        rc = 4;
        how = "protocol-error";
    } else if (state == cpu_Crashed) {
        rc = 2;
        how = "crashed";
    } else if (state != cpu_Done) {
        rc = 3;
        how = "timeout";
    }
    for (int i = 0; i < nsave; i++) {
        unsigned long addr, len;
        int pos = 0;
        if (sscanf(saves[i], "%li:%li:%n", (long *)&addr, (long *)&len,
                   &pos) != 2 ||
            !saves[i][pos] || addr + len > (unsigned long)avr->flashend + 1) {
            fprintf(stderr, "%s: bad -s %s\n", prog, saves[i]);
            rc = rc ? rc : 1;
            continue;
        }
        FILE *f = fopen(saves[i] + pos, "wb");
        if (!f || fwrite(avr->flash + addr, 1, len, f) != len ||
            fclose(f) != 0) {
            fprintf(stderr, "%s: cannot write %s\n", prog, saves[i] + pos);
            rc = rc ? rc : 1;
        }
    }
    if (ee_out && save_eeprom(avr, ee_out) != 0)
        rc = rc ? rc : 1;
    fprintf(stderr, "%s: cycles=%llu state=%s\n", prog,
            (unsigned long long)avr->cycle, how);
    avr_terminate(avr);
    free(box);
    return rc;
}
