/* cmd_notecard.c - fwpack notecard: a Notecard on a serial line, holding a
 * container as host firmware, for bootloaders on the bench and in tests. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "notecard_serve.h"
#include "serial.h"

static const char help[] =
    "usage: fwpack notecard FILE [--port DEV [--baud N] | --link PATH]\n"
    "                       [--fault NAME]... [--fault-at N] [--new-image "
    "FILE]\n"
    "                       [--once] [--idle SECONDS] [--log FILE] "
    "[--json]\n"
    "\n"
    "Acts as a Blues Notecard whose host firmware download is FILE (a\n"
    "container, as uploaded to Notehub), on a serial line: it answers the\n"
    "requests a bootloader makes to update itself, as the Notecard API\n"
    "reference describes them: dfu.status (mode \"ready\"; body.length,\n"
    "body.md5, body.crc32, and body.info / body.version from the file's\n"
    "firmware::info string, as Notehub reports them), hub.set mode \"dfu\" /\n"
    "\"dfu-completed\", dfu.get (base64 \"payload\", the piece's MD5 in\n"
    "\"status\"; with \"binary\":true into the binary buffer) and\n"
    "card.binary.get (its JSON line, then the piece COBS-encoded and XORed\n"
    "with '\\n', then '\\n').  dfu.get needs DFU mode, as on a Notecard.\n"
    "\n"
    "Without --port it creates a pseudo-terminal and prints its path on\n"
    "stdout (\"notecard: serving FILE on /dev/pts/N\"); a bootloader's host\n"
    "side or an emulator opens that as its serial port.  It serves until\n"
    "interrupted (Ctrl-C), or with --once until dfu.status stop:true.\n"
    "\n"
    "  -p, --port DEV      serve on this serial port instead (e.g.\n"
    "                      /dev/ttyUSB0, wired to the board's Notecard "
    "UART)\n"
    "  -b, --baud N        its rate, default 9600 (the Notecard's), 8-N-1\n"
    "      --link PATH     also make PATH a symlink to the pty (replacing\n"
    "                      only a symlink there)\n"
    "      --fault NAME    inject a fault, once, at a dfu.get that reads "
    "data\n"
    "                      (repeat for several, at successive requests; "
    "\"all\"\n"
    "                      for every one but new-image):\n"
    "                        timeout    no reply\n"
    "                        garbled    a reply that is not JSON\n"
    "                        truncated  a reply cut in half\n"
    "                        err        {\"err\":...} instead of the piece\n"
    "                        short      one byte less than asked\n"
    "                        base64     a payload that is not base64 (binary:"
    "\n"
    "                                   broken COBS)\n"
    "                        bitflip    a bit flipped, the MD5 the true "
    "one's\n"
    "                        reset      no reply, then out of DFU mode\n"
    "                        new-image  another image from then on\n"
    "      --fault-at N    the first fault at the N-th data dfu.get, from 0 "
    "(2)\n"
    "      --new-image F   the image new-image switches to (default: FILE\n"
    "                      with its last byte changed)\n"
    "      --once          stop after the update's dfu.status stop:true\n"
    "      --idle SECONDS  stop after so long without a byte\n"
    "      --log FILE      one line per request and what was done (- for\n"
    "                      stderr; default: stderr when it is a terminal)\n"
    "      --json          at the end, print {\"file\", \"port\", \"length\", "
    "\"md5\",\n"
    "                      \"version\", \"requests\", \"gets\", \"faults\", "
    "\"stopped\",\n"
    "                      \"report\", \"report_err\"} on stdout: \"faults\" "
    "those fired,\n"
    "                      \"report\" the dfu.status stop's err, else its "
    "status (null\n"
    "                      before one); the pty line goes to stderr\n"
    "  -h, --help          this text\n"
    "\n"
    "Exit codes: 0 served (until stopped), 2 usage error, 3 FILE unreadable\n"
    "as firmware (empty), 4 I/O error (FILE, the port, the pty).\n";

typedef struct {
    const char *file, *port, *link, *next, *log;
    uint32_t baud, fault_at, idle;
    uint32_t faults;
    int once, json;
} nc_opts;

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static int add_fault(nc_opts *o, const char *name)
{
    int f;
    char q[FWP_QUOTE_BUF];
    if (strcmp(name, "all") == 0) {
        o->faults |= (1u << FWP_NC_NEW_IMAGE) - 1;
        return 0;
    }
    f = fwp_nc_fault_by_name(name);
    if (f < 0)
        return cli_error(EXIT_USAGE,
                         "notecard: --fault: unknown fault '%s' (see "
                         "fwpack notecard --help)",
                         fwp_quote(name, q));
    o->faults |= 1u << f;
    return 0;
}

static int parse(int argc, char **argv, nc_opts *o)
{
    enum { O_LINK = 256, O_FAULT, O_FAULT_AT, O_NEXT, O_ONCE, O_IDLE, O_LOG,
           O_JSON };
    static const struct option opts[] = {
        {"port", required_argument, 0, 'p'},
        {"baud", required_argument, 0, 'b'},
        {"link", required_argument, 0, O_LINK},
        {"fault", required_argument, 0, O_FAULT},
        {"fault-at", required_argument, 0, O_FAULT_AT},
        {"new-image", required_argument, 0, O_NEXT},
        {"once", no_argument, 0, O_ONCE},
        {"idle", required_argument, 0, O_IDLE},
        {"log", required_argument, 0, O_LOG},
        {"json", no_argument, 0, O_JSON},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c, rc = 0;
    opterr = 0;
    while (rc == 0 && (c = cli_getopt(argc, argv, "p:b:h", opts)) != -1) {
        switch (c) {
        case 'p': o->port = optarg; break;
        case 'b': rc = cli_opt_u32("--baud", optarg, &o->baud); break;
        case O_LINK: o->link = optarg; break;
        case O_FAULT: rc = add_fault(o, optarg); break;
        case O_FAULT_AT: rc = cli_opt_u32("--fault-at", optarg, &o->fault_at);
            break;
        case O_NEXT: o->next = optarg; break;
        case O_ONCE: o->once = 1; break;
        case O_IDLE:
            rc = cli_opt_range("--idle", optarg, 1, 86400, &o->idle);
            break;
        case O_LOG: o->log = optarg; break;
        case O_JSON: o->json = 1; break;
        case 'h': fputs(help, stdout); return -1;
        default: return cli_bad_option("notecard", argv, optind);
        }
    }
    if (rc)
        return EXIT_USAGE;
    if (optind + 1 != argc)
        return cli_error(EXIT_USAGE, "notecard: need exactly one firmware "
                                     "file");
    o->file = argv[optind];
    if (!fwp_serial_rate_ok(o->baud))
        return cli_error(EXIT_USAGE, "notecard: --baud %u is not a standard "
                                     "rate",
                         (unsigned)o->baud);
    if (o->port && o->link)
        return cli_error(EXIT_USAGE, "notecard: --link is for the pty; not "
                                     "with --port");
    return 0;
}

static void log_line(void *arg, const char *line)
{
    fprintf((FILE *)arg, "%s\n", line);
    fflush((FILE *)arg);
}

static int load(const nc_opts *o, fwp_nc_emu *e)
{
    uint8_t *data;
    size_t len;
    fwp_err err;
    if (fwp_read_file(o->file, &data, &len, 0, &err))
        return cli_fail(&err, EXIT_IO);
    if (len == 0) {
        free(data);
        return cli_error(EXIT_INPUT, "%s: empty file", o->file);
    }
    if (len > FWP_NOTEHUB_MAX_SIZE)
        cli_warn("%s: %zu bytes: Notehub takes host firmware up to %u, a "
                 "Notecard would never hold it",
                 o->file, len, (unsigned)FWP_NOTEHUB_MAX_SIZE);
    if (fwp_nc_emu_init(e, data, len, fwp_file_name(o->file), &err)) {
        free(data);
        return cli_fail(&err, EXIT_IO);
    }
    free(data);
    e->faults = o->faults;
    e->fault_at = o->fault_at;
    if (o->next) {
        int r = fwp_read_file(o->next, &data, &len, 0, &err);
        if (r == 0) {
            r = fwp_nc_emu_set_next(e, data, len, &err);
            free(data);
        }
        if (r) {
            fwp_nc_emu_free(e); /* the caller frees it only on success */
            return cli_fail(&err, EXIT_IO);
        }
    }
    return 0;
}

static void print_json(const nc_opts *o, const fwp_nc_emu *e,
                       const char *port)
{
    fwp_buf b = {0};
    char md5[33], *info = NULL, *version = NULL;
    int first = 1;
    fwp_nc_md5_hex(e->image, e->len, md5);
    fwp_nc_image_info(e->image, e->len, &info, &version);
    fwp_buf_printf(&b, "{\"file\":");
    fwp_buf_json_str(&b, o->file);
    fwp_buf_printf(&b, ",\"port\":");
    fwp_buf_json_str(&b, port);
    fwp_buf_printf(&b, ",\"length\":%zu,\"md5\":\"%s\",\"version\":", e->len,
                   md5);
    if (version)
        fwp_buf_json_str(&b, version);
    else
        fwp_buf_printf(&b, "null");
    fwp_buf_printf(&b, ",\"requests\":%u,\"gets\":%u,\"faults\":[",
                   e->requests, e->gets);
    for (int f = 0; f < FWP_NC_FAULT_COUNT; f++)
        if (e->fired >> f & 1u) {
            fwp_buf_printf(&b, "%s\"%s\"", first ? "" : ",",
                           fwp_nc_fault_names[f]);
            first = 0;
        }
    fwp_buf_printf(&b, "],\"stopped\":%s,\"report\":",
                   e->stopped ? "true" : "false");
    if (e->stopped) /* the status, or the err, of dfu.status stop */
        fwp_buf_json_str(&b, e->report);
    else
        fwp_buf_printf(&b, "null");
    fwp_buf_printf(&b, ",\"report_err\":%s}\n",
                   e->report_err ? "true" : "false");
    cli_json_print(&b);
    fwp_buf_free(&b);
    free(info);
    free(version);
}

/* The line: the port, or a new pty (its slave kept open and raw here, so
 * that the master never reads EIO between two users). */
static int open_line(const nc_opts *o, int *fd, fwp_serial *slave,
                     char *name, size_t n)
{
    fwp_err err;
    if (o->port) {
        if (fwp_serial_open(slave, o->port, o->baud, 0, &err))
            return cli_fail(&err, EXIT_IO);
        *fd = slave->fd;
        snprintf(name, n, "%s", o->port);
        return 0;
    }
    if (fwp_pty_open(fd, name, n, &err))
        return cli_fail(&err, EXIT_IO);
    if (fwp_serial_open(slave, name, o->baud, 0, &err)) {
        close(*fd);
        return cli_fail(&err, EXIT_IO);
    }
    if (o->link) {
        /* a stale link from an earlier run is replaced; anything else at
         * PATH (the container itself, say) is the user's, and stays */
        struct stat st;
        int taken = lstat(o->link, &st) == 0 && !S_ISLNK(st.st_mode);
        if (!taken)
            unlink(o->link);
        if (taken || symlink(name, o->link) != 0) {
            const char *why = taken ? "it exists and is not a symbolic link "
                                      "(only a link is replaced)"
                                    : strerror(errno);
            close(*fd);
            fwp_serial_close(slave);
            return cli_error(EXIT_IO, "notecard: --link %s: cannot link it "
                                      "to %s: %s", o->link, name, why);
        }
    }
    FILE *out = o->json ? stderr : stdout;
    fprintf(out, "notecard: serving %s on %s\n", o->file, name);
    fflush(out);
    return 0;
}

int cmd_notecard(int argc, char **argv)
{
    nc_opts o = {0};
    fwp_nc_emu e;
    fwp_serial slave;
    fwp_nc_serve_opts so = {0};
    fwp_err err;
    struct sigaction sa, old_int, old_term;
    FILE *log = NULL;
    char name[256];
    int fd, rc;
    o.baud = 9600;
    o.fault_at = 2;
    rc = parse(argc, argv, &o);
    if (rc)
        return rc < 0 ? EXIT_OK : rc;
    if ((rc = load(&o, &e)) != 0)
        return rc;
    if (o.log && strcmp(o.log, "-") != 0) {
        log = fopen(o.log, "w");
        if (log == NULL) {
            fwp_nc_emu_free(&e);
            return cli_error(EXIT_IO, "notecard: --log %s: cannot write: %s",
                             o.log, strerror(errno));
        }
    } else if (o.log || isatty(STDERR_FILENO)) {
        log = stderr;
    }
    if (log) {
        e.log = log_line;
        e.log_arg = log;
    }
    if ((rc = open_line(&o, &fd, &slave, name, sizeof name)) != 0) {
        fwp_nc_emu_free(&e);
        if (log && log != stderr)
            fclose(log);
        return rc;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    so.once = o.once;
    so.idle_ms = o.idle * 1000u;
    so.stop = &stop_flag;
    rc = fwp_nc_serve(&e, fd, &so, &err) ? cli_fail(&err, EXIT_IO) : EXIT_OK;
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (rc == EXIT_OK && o.json)
        print_json(&o, &e, name);
    if (!o.port)
        close(fd);
    fwp_serial_close(&slave);
    if (o.link)
        unlink(o.link);
    if (log && log != stderr)
        fclose(log);
    fwp_nc_emu_free(&e);
    return rc;
}
