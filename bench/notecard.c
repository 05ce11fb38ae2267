/*
 * notecard.c - a 64 KiB update fed by a Notecard, over the link and in the
 * verifier (issue 16): `make bench-notecard`, part of make bench.  Figures
 * only, never asserted.
 *
 *   notecard BENCH_EMU_DIR
 *
 * The image is the first 64 KiB of bench-emu's firmware-like image.bin
 * (newlib's libc + libm), packed for a Cortex-M0+ with 2 KiB erase blocks
 * (window 12 bits, 4 KiB frames).  The device's Notecard client installs
 * it through the verifier from the emulator over the simulated link of
 * tools/lib/notecard_link.c: the time is what the bytes take on the wire
 * (serial 8-N-1 at 9600 baud; I2C at 100 kHz, 9 bits per byte, an address
 * byte per transfer, the client's 1 ms between transfers), both ways, with
 * the Notecard answering at once (a real one takes some milliseconds per
 * request: the figures are a lower bound, more so for small pieces).
 *
 * The verifier's time is bench-emu's measured cost of a 64 KiB container
 * (its run.txt): on Cortex-M0 the instructions of the whole container
 * (at 1 IPC, at 48 MHz), on the AVR one Ed25519 verify plus the
 * hash + inflate cycles per image byte (measured on the atmega1284p, same
 * core) times 65,536, at 16 MHz.  On Cortex-M0 the client's receive path
 * (scanning, base64 or COBS, MD5: bench-emu's nc_rx figures per container
 * byte) is added; on the AVR it is not measured.  Both run between pieces,
 * not while bytes arrive, so the update takes link + CPU.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "fwpack.h"
#include "fwpk_notecard.h"
#include "notecard_link.h"

#define IMAGE_LEN 65536u
#define BASE 0x08000000u
#define FLASH (256u * 1024u)

static fwpk_ctx ctx;
static uint8_t piece_buf[FWPK_NC_GET_MAX], rx_buf[255];

/* A figure "R name value" of bench-emu's run.txt, or -1. */
static double emu_figure(const char *dir, const char *sub, const char *name)
{
    char path[512], line[256], key[128];
    double v = -1, x;
    FILE *f;
    snprintf(path, sizeof path, "%s/%s/run.txt", dir, sub);
    f = fopen(path, "r");
    if (f == NULL)
        return -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "R %127s %lf", key, &x) == 2 && strcmp(key, name) == 0)
            v = x;
    fclose(f);
    return v;
}

/* Seconds for a 64 KiB image at hz: the run's one-off Ed25519 verify, and
 * the rest of bench-emu's whole-container cost scaled per image byte; -1
 * without the figures. */
static double verifier_s(const char *dir, const char *sub, const char *all,
                         const char *verify, double hz)
{
    double a = emu_figure(dir, sub, all), v = emu_figure(dir, sub, verify);
    double n = emu_figure(dir, sub, "container_image_bytes");
    if (a <= 0 || v <= 0 || n <= 0)
        return -1;
    return (v + (a - v) / n * IMAGE_LEN) / hz;
}

static void load_image(const char *dir, uint8_t *img)
{
    char path[512];
    FILE *f;
    size_t n = 0, i;
    snprintf(path, sizeof path, "%s/image.bin", dir);
    f = fopen(path, "rb");
    if (f) {
        n = fread(img, 1, IMAGE_LEN, f);
        fclose(f);
    }
    if (n < IMAGE_LEN)
        fprintf(stderr, "notecard: %s: %zu bytes; the rest firmware-like "
                        "filler\n", path, n);
    for (i = n; i < IMAGE_LEN; i++) /* only without bench-emu's image */
        img[i] = (uint8_t)((i * 7 >> 3) ^ (i % 29 == 0 ? 0x5a : 0));
}

static int pack(const uint8_t *img, const fwp_keypair *kp, uint8_t **box,
                size_t *len)
{
    fwp_target_opts t;
    fwp_pack_opts o;
    fwp_err err;
    memset(&t, 0, sizeof t);
    t.name = "app";
    t.mcu = "";
    t.flash_base = BASE;
    t.flash_size = FLASH;
    t.erase_block = 2048;
    t.write_unit = 8;
    t.codec = FWPK_CODEC_DEFLATE;
    t.window_bits = 12;
    t.frame_size = 4096;
    t.level = 9;
    if (fwp_image_add(&t.image, BASE, img, IMAGE_LEN, "image", &err))
        goto fail;
    memset(&o, 0, sizeof o);
    o.product = "bench";
    o.version = "1.0.0";
    o.build_time = 1700000000u;
    o.targets = &t;
    o.target_count = 1;
    o.keys = kp;
    o.key_count = 1;
    if (fwp_pack(&o, box, len, &err))
        goto fail;
    fwp_image_free(&t.image);
    return 0;
fail:
    fprintf(stderr, "notecard: %s\n", err.msg);
    return -1;
}

typedef struct {
    double link_s;
    uint32_t requests, retries;
    uint64_t wire_bytes;
} run_result;

/* One install through the client; 0 when it installed. */
static int run(const uint8_t *box, size_t len, const fwp_keypair *kp,
               int transport, int binary, uint16_t piece, run_result *r)
{
    fwpk_key key;
    fwpk_policy pol;
    fwp_flash flash;
    fwpk_flash cb;
    fwp_nc_link w;
    fwpk_nc nc;
    fwpk_nc_config cfg;
    fwpk_nc_err e;
    memset(&key, 0, sizeof key);
    memcpy(key.pk, kp->pk, 32);
    fwp_key_id(key.pk, key.id);
    memset(&pol, 0, sizeof pol);
    pol.keys = &key;
    pol.key_count = 1;
    pol.target = "app";
    pol.window_lo = BASE;
    pol.window_hi = BASE + FLASH;
    if (fwp_flash_init(&flash, BASE, FLASH, 2048, 8) ||
        fwp_nc_link_init(&w, transport, box, len, NULL))
        return -1;
    fwp_flash_bind(&flash, &cb);
    memset(&cfg, 0, sizeof cfg);
    cfg.io = &w.io;
    cfg.piece = piece_buf;
    cfg.piece_size = piece;
    cfg.rx = rx_buf;
    cfg.rx_size = transport == FWPK_NC_I2C ? 255 : 64;
    cfg.binary = (uint8_t)binary;
    if (fwpk_begin(&ctx, &pol, &cb) != FWPK_OK ||
        fwpk_nc_init(&nc, &cfg, &ctx) != FWPK_NC_OK)
        return -1;
    e = fwpk_nc_run(&nc);
    r->link_s = (double)w.us / 1e6;
    r->requests = nc.requests;
    r->retries = nc.retries;
    r->wire_bytes = w.wire_bytes;
    fwp_nc_link_free(&w);
    fwp_flash_free(&flash);
    if (e != FWPK_NC_OK)
        fprintf(stderr, "notecard: %s\n", fwpk_nc_strerror(e));
    return e == FWPK_NC_OK ? 0 : -1;
}

static void row(const char *link, const char *enc, uint16_t piece,
                const run_result *r, double m0_s, double avr_s)
{
    char m0[32] = "-", avr[32] = "-";
    if (m0_s >= 0)
        snprintf(m0, sizeof m0, "%.2f s %4.1f%%", m0_s,
                 100 * m0_s / (r->link_s + m0_s));
    if (avr_s >= 0)
        snprintf(avr, sizeof avr, "%.2f s %4.1f%%", avr_s,
                 100 * avr_s / (r->link_s + avr_s));
    printf("%-15s %-7s %5u %6u %8llu %9.1f s   %-16s %-16s %s / %s\n", link,
           enc, piece, r->requests, (unsigned long long)r->wire_bytes,
           r->link_s, m0, avr, r->link_s > m0_s ? "link" : "CPU",
           r->link_s > avr_s ? "link" : "verifier");
}

int main(int argc, char **argv)
{
    static const uint16_t pieces[] = {256, 1024, 4096};
    static const struct {
        const char *name;
        int transport;
    } links[] = {{"serial 9600", FWPK_NC_SERIAL}, {"I2C 100 kHz", FWPK_NC_I2C}};
    static uint8_t img[IMAGE_LEN];
    unsigned char seed[32];
    fwp_keypair kp;
    uint8_t *box = NULL;
    size_t len;
    double m0_s, avr_s, rx_b64 = -1, rx_cobs = -1, rx_bytes;
    const char *dir = argc > 1 ? argv[1] : "build/bench-emu";
    if (sodium_init() < 0)
        return 1;
    memset(seed, 7, sizeof seed);
    crypto_sign_seed_keypair(kp.pk, kp.sk, seed);
    load_image(dir, img);
    if (pack(img, &kp, &box, &len))
        return 1;

    /* the verifier's cost of a 64 KiB image, from bench-emu's runs */
    m0_s = verifier_s(dir, "m0", "container_insns", "container_verify_insns",
                      48e6);
    avr_s = verifier_s(dir, "avr-atmega1284p", "container_cycles",
                       "container_verify_cycles", 16e6);
    rx_bytes = emu_figure(dir, "m0", "nc_rx_bytes");
    if (rx_bytes > 0) {
        rx_b64 = emu_figure(dir, "m0", "nc_rx_base64_insns") / rx_bytes;
        rx_cobs = emu_figure(dir, "m0", "nc_rx_cobs_insns") / rx_bytes;
    }

    printf("# make bench-notecard: a %u-byte image (%zu-byte container) "
           "from the Notecard emulator\n# through the device client and "
           "verifier; link time simulated, verifier time from bench-emu\n"
           "# (%s; Cortex-M0 at 48 MHz and 1 IPC, ATmega at 16 MHz). "
           "Goal: the link is the\n# bottleneck on Cortex-M0 at 48 MHz.\n",
           IMAGE_LEN, len, dir);
    if (m0_s < 0 || avr_s < 0)
        printf("# (no bench-emu figures for %s: run make bench-emu)\n",
               m0_s < 0 ? "Cortex-M0" : "AVR");
    if (rx_b64 > 0)
        printf("# client receive path on Cortex-M0: %.1f insn per container "
               "byte base64, %.1f binary\n", rx_b64, rx_cobs);
    printf("%-15s %-7s %5s %6s %8s %11s   %-16s %-16s %s\n", "# link",
           "pieces", "piece", "reqs", "wire B", "link time", "M0 CPU, share",
           "AVR verifier", "bottleneck M0 / AVR");
    for (size_t l = 0; l < sizeof links / sizeof links[0]; l++)
        for (int binary = 0; binary <= 1; binary++)
            for (size_t p = 0; p < sizeof pieces / sizeof pieces[0]; p++) {
                run_result r;
                if (run(box, len, &kp, links[l].transport, binary, pieces[p],
                        &r)) {
                    fprintf(stderr, "notecard: %s %s %u: not installed\n",
                            links[l].name, binary ? "binary" : "base64",
                            pieces[p]);
                    free(box);
                    return 1;
                }
                double rx = binary ? rx_cobs : rx_b64;
                row(links[l].name, binary ? "binary" : "base64", pieces[p],
                    &r, m0_s >= 0 && rx > 0 ? m0_s + rx * (double)len / 48e6
                                            : m0_s,
                    avr_s);
            }
    free(box);
    return 0;
}
