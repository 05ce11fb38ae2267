/*
 * simavr_pty.c - an AVR in simavr (libsimavr) with UART0 on a
 * pseudo-terminal: real bootloader firmware (Optiboot from Debian's
 * arduino-core-avr) talking to a real programmer (avrdude, fwpack flash)
 * through the port it opens.
 *
 *   simavr_pty -m MCU [-f HZ] [--boot ADDR] [options] FIRMWARE.hex ...
 *
 *   -m MCU          simavr core (atmega328p, atmega168, ...)
 *   -f HZ           clock (16000000).  Optiboot's 115200-baud build run at
 *                   8 MHz talks at half that: 58824 baud, as on an 8 MHz
 *                   board (within 2.1% of 57600)
 *   --boot ADDR     reset address: the boot section (BOOTRST fuse), e.g.
 *                   0x7e00 for Optiboot on the ATmega328P
 *   --dump FILE     at exit, save the whole flash to FILE
 *   --uart-log F    append every byte the AVR sends to F
 *   FIRMWARE.hex    Intel HEX loaded into flash at its addresses
 * and the line options (emu_line.h): --port-file, --log, faults.
 *
 * The AVR is held in reset until a host opens the port, and reset each
 * time one does, with the external reset flag set: what an Arduino's
 * auto-reset circuit does when the adapter asserts DTR at open.  Then it
 * runs in real time: simulated cycles are held to the wall clock, so the
 * UART's own timing (simavr paces bytes at the baud rate the firmware set)
 * is the time on the wire, and Optiboot's watchdog timeouts are real
 * seconds, as avrdude expects.  Bytes from the host are pushed into the
 * UART with simavr's flow control (XON/XOFF notifications).
 *
 * Log events: open, close, reset, done (the program slept with interrupts
 * off: it ended), crashed, and the line's faults.  Exit status 0 after
 * SIGTERM/SIGINT or a hang-up fault, 1 on a usage or file error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "avr_uart.h"
#include "emu_line.h"
#include "sim_avr.h"

static const char *prog = "simavr_pty";

static emu_line line;
static FILE *uart_log;
static avr_irq_t *uart_in;
static int xon;

/* From the host, not yet in the UART. */
static uint8_t pending[4096];
static size_t pending_len, pending_pos;

static void uart_out(struct avr_irq_t *irq, uint32_t value, void *param)
{
    uint8_t c = (uint8_t)value;
    (void)irq;
    (void)param;
    if (uart_log) {
        fputc(c, uart_log);
        fflush(uart_log);
    }
    /* nobody listening: dropped, so a later open does not read it */
    if (line.connected)
        emu_line_putc(&line, c);
}

/* simavr's flow control: XON (param XON_IRQ) when the UART's input FIFO
 * has room, XOFF (value 1) when it is full. */
static const char XON_IRQ[] = "xon";

static void uart_flow(struct avr_irq_t *irq, uint32_t value, void *param)
{
    (void)irq;
    if (param == XON_IRQ)
        xon = 1;
    else if (value)
        xon = 0;
}

static void pump(void)
{
    while (xon && pending_pos < pending_len)
        avr_raise_irq(uart_in, pending[pending_pos++]);
}

/* Intel HEX: data (00) with extended segment (02) and linear (04)
 * addresses; 03/05 (start addresses) and 01 (end) as they come.  Written
 * here because libsimavr 1.6's reader refuses the 03 record Optiboot's
 * HEX ends with. */
static int hex_byte(const char *s)
{
    unsigned v;
    return sscanf(s, "%2x", &v) == 1 ? (int)v : -1;
}

static int load_hex(avr_t *avr, const char *path)
{
    FILE *f = fopen(path, "r");
    char rec[600];
    unsigned long base = 0, lineno = 0;
    if (!f) {
        perror(path);
        return -1;
    }
    while (fgets(rec, sizeof rec, f)) {
        int n, type, sum = 0;
        unsigned long addr;
        lineno++;
        if (rec[0] != ':' || (n = hex_byte(rec + 1)) < 0 ||
            strlen(rec) < 11 + 2 * (size_t)n)
            goto bad;
        for (int i = 0; i < n + 5; i++) {
            int b = hex_byte(rec + 1 + 2 * i);
            if (b < 0)
                goto bad;
            sum += b;
        }
        if (sum & 0xff)
            goto bad;
        addr = (unsigned long)(hex_byte(rec + 3) << 8 | hex_byte(rec + 5));
        type = hex_byte(rec + 7);
        if (type == 0) {
            if (base + addr + (unsigned long)n > (unsigned long)avr->flashend + 1)
                goto bad;
            for (int i = 0; i < n; i++)
                avr->flash[base + addr + (unsigned long)i] =
                    (uint8_t)hex_byte(rec + 9 + 2 * i);
        } else if (type == 2 || type == 4) {
            base = (unsigned long)(hex_byte(rec + 9) << 8 | hex_byte(rec + 11))
                   << (type == 2 ? 4 : 16);
        } else if (type == 1) {
            break;
        }
    }
    fclose(f);
    return 0;
bad:
    fprintf(stderr, "%s: %s:%lu: bad or misplaced record\n", prog, path, lineno);
    fclose(f);
    return -1;
}

/* An external reset (the RESET pin pulled low by the auto-reset circuit):
 * the CPU starts at the reset address with EXTRF in MCUSR. */
static void external_reset(avr_t *avr)
{
    avr_reset(avr);
    avr_regbit_set(avr, avr->reset_flags.extrf);
    pending_len = pending_pos = 0;
    xon = 1;
    emu_log(&line, "reset");
}

/* Takes what the host sent, while the UART has room for it. */
static void from_host(void)
{
    if (pending_pos == pending_len) {
        long n = emu_line_read(&line, pending, sizeof pending, 0);
        pending_len = n > 0 ? (size_t)n : 0;
        pending_pos = 0;
    }
    pump();
}

/* Runs in real time from the first open on: simulated cycles held to the
 * wall clock.  The AVR runs on when the host closes the port (the
 * application it started prints); a host opening it resets it. */
static void run(avr_t *avr)
{
    double t0 = 0;
    avr_cycle_count_t c0 = 0;
    int state = cpu_Running, said = 0, started = 0;
    while (!emu_stop) {
        if (!line.connected && emu_line_wait_host(&line, started ? 0 : 100)) {
            external_reset(avr);
            t0 = emu_now();
            c0 = avr->cycle;
            state = cpu_Running;
            said = 0;
            started = 1;
        }
        if (!started)
            continue;
        for (int k = 0; k < 2000 && state != cpu_Done && state != cpu_Crashed;
             k++) {
            state = avr_run(avr);
            pump();
        }
        if ((state == cpu_Done || state == cpu_Crashed) && !said) {
            emu_log(&line, state == cpu_Done ? "done" : "crashed");
            said = 1;
        }
        if (line.connected)
            from_host();
        double sim = (double)(avr->cycle - c0) / avr->frequency;
        if (state == cpu_Done || state == cpu_Crashed)
            usleep(1000); /* nothing runs: only wait for the host */
        else if (sim > emu_now() - t0 + 0.001)
            emu_sleep_until(t0 + sim);
    }
}

static int usage(void)
{
    fprintf(stderr,
            "usage: %s -m MCU [-f HZ] [--boot ADDR] [--dump FILE] "
            "[--uart-log FILE] [line options] FIRMWARE.hex ...\n%s",
            prog, emu_line_usage);
    return 1;
}

int main(int argc, char **argv)
{
    const char *mcu = NULL, *dump = NULL, *loads[16];
    unsigned long hz = 16000000, boot = 0;
    int nload = 0;

    emu_line_defaults(&line);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r = emu_line_option(&line, argc, argv, &i);
        if (r < 0)
            return usage();
        if (r > 0)
            continue;
        if (!strcmp(a, "-m") && i + 1 < argc)
            mcu = argv[++i];
        else if (!strcmp(a, "-f") && i + 1 < argc)
            hz = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(a, "--boot") && i + 1 < argc)
            boot = strtoul(argv[++i], NULL, 0);
        else if (!strcmp(a, "--dump") && i + 1 < argc)
            dump = argv[++i];
        else if (!strcmp(a, "--uart-log") && i + 1 < argc) {
            uart_log = fopen(argv[++i], "ab");
            if (!uart_log) {
                perror(argv[i]);
                return 1;
            }
        } else if (a[0] != '-' && nload < 16)
            loads[nload++] = a;
        else
            return usage();
    }
    if (!mcu || !nload || !hz)
        return usage();

    avr_t *avr = avr_make_mcu_by_name(mcu);
    if (!avr) {
        fprintf(stderr, "%s: simavr has no core '%s'\n", prog, mcu);
        return 1;
    }
    avr_init(avr);
    avr->frequency = (uint32_t)hz;
    avr->log = LOG_WARNING;
    avr->reset_pc = (avr_flashaddr_t)boot;
    for (int i = 0; i < nload; i++)
        if (load_hex(avr, loads[i]) != 0)
            return 1;

    uint32_t flags = 0; /* no console echo, no sleeping while it polls */
    avr_ioctl(avr, AVR_IOCTL_UART_SET_FLAGS('0'), &flags);
    avr_irq_register_notify(
        avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUTPUT),
        uart_out, NULL);
    avr_irq_register_notify(
        avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XON),
        uart_flow, (void *)XON_IRQ);
    avr_irq_register_notify(
        avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_OUT_XOFF),
        uart_flow, NULL);
    uart_in = avr_io_getirq(avr, AVR_IOCTL_UART_GETIRQ('0'), UART_IRQ_INPUT);

    if (emu_line_open(&line) != 0)
        return 1;
    run(avr);
    int rc = dump ? emu_save_file(dump, avr->flash, (size_t)avr->flashend + 1)
                  : 0;
    emu_log(&line, "exit cycles=%llu", (unsigned long long)avr->cycle);
    emu_line_close(&line);
    avr_terminate(avr);
    return rc ? 1 : 0;
}
