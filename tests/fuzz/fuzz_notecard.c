/*
 * fuzz_notecard.c - the device's Notecard client (fwpk_notecard.h) on a
 * link the fuzzer controls, installing through the real verifier.
 *
 * Input byte 0 picks the run: bit 0 binary pieces, bit 1 I2C, bits 2..4
 * the piece size, bit 7 the mode:
 *   clear  the emulator (tools/lib/notecard.c) serves a genuine container
 *          (packed at start-up, signed with the fuzz key) and the rest of
 *          the input corrupts its replies on the way: pairs (skip, xor),
 *          the byte 'skip' bytes on XORed with 'xor' (0: dropped);
 *   set    the rest of the input is everything the "Notecard" says, in
 *          order, whatever was asked.
 * Invariants (abort when broken): the piece buffer (exactly its size, on
 * the heap) is never overrun; no dfu.get asks past the body.length the
 * client took; FWPK_NC_OK means the flash holds the genuine image byte
 * for byte; the run ends.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "fwpack.h"
#include "fwpk_notecard.h"
#include "notecard.h"

#define IMAGE_LEN 1500
#define MAX_STEPS 2000

static uint8_t img[IMAGE_LEN];
static uint8_t *box;
static size_t box_len;
static fwpk_ctx ctx;

typedef struct {
    const uint8_t *in;     /* the rest of the input */
    size_t in_len;
    int raw;
    fwp_nc_emu emu;
    fwp_buf req, pending;  /* request line; reply bytes from pos */
    size_t pos;
    uint32_t now, i2c_ask;
    uint64_t corrupt_at;   /* reply byte index of the next corruption */
    uint64_t sent;         /* reply bytes handed out */
    uint8_t xor_val;
    const fwpk_nc *nc;
} link_t;

static void next_corruption(link_t *l)
{
    if (l->in_len < 2) {
        l->corrupt_at = UINT64_MAX;
        return;
    }
    l->corrupt_at = l->sent + l->in[0];
    l->xor_val = l->in[1];
    l->in += 2;
    l->in_len -= 2;
}

static void on_line(link_t *l)
{
    const fwpk_nc *nc = l->nc;
    if (l->req.data == NULL)
        abort(); /* the client never sends an empty line */
    /* never past the image the client was told of */
    if (strstr(l->req.data, "\"dfu.get\"") && nc->want > 0 &&
        strstr(l->req.data, "\"length\":0}") == NULL &&
        (uint64_t)nc->offset + nc->want > nc->file_len)
        abort();
    if (!l->raw) {
        if (l->pos == l->pending.len)
            l->pending.len = l->pos = 0;
        if (fwp_nc_emu_request(&l->emu, l->req.data, l->req.len, &l->pending))
            abort();
    }
    l->req.len = 0;
}

static int link_write(void *user, uint8_t addr, const uint8_t *data,
                      uint16_t len)
{
    link_t *l = user;
    (void)addr;
    if (l->nc->cfg->io->transport == FWPK_NC_I2C) {
        if (len == 2 && data[0] == 0) {
            l->i2c_ask = data[1];
            return 0;
        }
        if (len == 0 || data[0] != len - 1)
            abort(); /* the client's own framing */
        data++;
        len--;
    }
    for (uint16_t i = 0; i < len; i++) {
        if (data[i] == '\n')
            on_line(l);
        else if (fwp_buf_put(&l->req, &data[i], 1))
            abort();
    }
    return 0;
}

/* The next reply byte, corrupted as the input says; -1 when none. */
static int next_byte(link_t *l)
{
    for (;;) {
        uint8_t b;
        if (l->raw) {
            if (l->in_len == 0)
                return -1;
            l->in_len--;
            return *l->in++;
        }
        if (l->pos >= l->pending.len)
            return -1;
        b = (uint8_t)l->pending.data[l->pos++];
        if (l->sent++ == l->corrupt_at) {
            uint8_t x = l->xor_val;
            next_corruption(l);
            if (x == 0)
                continue; /* dropped */
            b ^= x;
        }
        return b;
    }
}

static int link_read(void *user, uint8_t addr, uint8_t *buf, uint16_t len,
                     uint32_t timeout_ms)
{
    link_t *l = user;
    uint16_t n = 0;
    int b;
    (void)addr;
    if (l->nc->cfg->io->transport == FWPK_NC_I2C) {
        if (len != l->i2c_ask + 2u)
            abort();
        while (n < l->i2c_ask && (b = next_byte(l)) >= 0)
            buf[2 + n++] = (uint8_t)b;
        buf[0] = (uint8_t)(l->raw ? (l->in_len > 255 ? 255 : l->in_len)
                                  : (l->pending.len - l->pos > 255
                                         ? 255
                                         : l->pending.len - l->pos));
        buf[1] = (uint8_t)n;
        l->now += 1;
        return len;
    }
    while (n < len && n < 61 && (b = next_byte(l)) >= 0)
        buf[n++] = (uint8_t)b;
    l->now += n ? 1 : timeout_ms;
    return n;
}

static uint32_t link_now(void *user)
{
    link_t *l = user;
    return l->now++;
}

static void link_delay(void *user, uint32_t ms)
{
    link_t *l = user;
    l->now += ms;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fwp_keypair kp;
    fwp_target_opts t;
    fwp_pack_opts o;
    fwp_err err;
    (void)argc;
    (void)argv;
    if (sodium_init() < 0)
        return 1;
    fuzz_keypair(kp.pk, kp.sk);
    for (size_t i = 0; i < sizeof img; i++)
        img[i] = (uint8_t)(i * 7 >> 3 ^ i % 13);
    memset(&t, 0, sizeof t);
    t.name = "app";
    t.mcu = "";
    t.flash_base = FUZZ_BASE;
    t.flash_size = FUZZ_FLASH;
    t.erase_block = 1024;
    t.write_unit = 8;
    t.codec = FWPK_CODEC_DEFLATE;
    t.window_bits = 10;
    t.frame_size = 256;
    t.level = 6;
    if (fwp_image_add(&t.image, FUZZ_BASE, img, sizeof img, "fuzz", &err))
        abort();
    memset(&o, 0, sizeof o);
    o.product = "fuzz";
    o.version = "1.0.0";
    o.targets = &t;
    o.target_count = 1;
    o.keys = &kp;
    o.key_count = 1;
    if (fwp_pack(&o, &box, &box_len, &err)) {
        fprintf(stderr, "fuzz_notecard: %s\n", err.msg);
        exit(1);
    }
    fwp_image_free(&t.image);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t pieces[8] = {160, 161, 200, 256, 333, 512, 700,
                                       1024};
    link_t l;
    fwpk_nc_io io;
    fwpk_nc_config cfg;
    fwpk_nc nc;
    fwpk_policy pol;
    fwpk_key key;
    fwpk_flash cb;
    fwp_flash flash;
    uint8_t rx[255], *piece;
    fwpk_nc_err e = FWPK_NC_AGAIN;
    int steps;
    if (size < 1)
        return 0;
    memset(&l, 0, sizeof l);
    l.raw = data[0] >> 7;
    l.in = data + 1;
    l.in_len = size - 1;
    l.nc = &nc;
    if (fwp_nc_emu_init(&l.emu, box, box_len, "fuzz.fwpk", NULL))
        abort();
    next_corruption(&l);
    memset(&io, 0, sizeof io);
    io.transport = (data[0] >> 1 & 1) ? FWPK_NC_I2C : FWPK_NC_SERIAL;
    io.write = link_write;
    io.read = link_read;
    io.now_ms = link_now;
    io.delay_ms = link_delay;
    io.user = &l;
    memset(&cfg, 0, sizeof cfg);
    cfg.io = &io;
    cfg.piece_size = pieces[data[0] >> 2 & 7];
    piece = malloc(cfg.piece_size); /* exactly: ASan sees an overrun */
    cfg.piece = piece;
    cfg.rx = rx;
    cfg.rx_size = io.transport == FWPK_NC_I2C ? 255 : 61;
    cfg.binary = data[0] & 1;
    cfg.timeout_ms = 100;
    if (piece == NULL || fwp_flash_init(&flash, FUZZ_BASE, FUZZ_FLASH, 1024, 8))
        abort();
    fuzz_policy(&pol, &key);
    fwp_flash_bind(&flash, &cb);
    if (fwpk_begin(&ctx, &pol, &cb) != FWPK_OK ||
        fwpk_nc_init(&nc, &cfg, &ctx) != FWPK_NC_OK)
        abort();
    for (steps = 0; steps < MAX_STEPS && e == FWPK_NC_AGAIN; steps++)
        e = fwpk_nc_step(&nc);
    if (e == FWPK_NC_AGAIN) {
        fprintf(stderr, "fuzz_notecard: no end after %d steps\n", steps);
        abort();
    }
    if (e == FWPK_NC_OK &&
        (nc.verify != FWPK_OK || memcmp(flash.mem, img, sizeof img) != 0)) {
        fprintf(stderr, "fuzz_notecard: installed, but not the image\n");
        abort();
    }
    fwp_flash_free(&flash);
    fwp_nc_emu_free(&l.emu);
    fwp_buf_free(&l.req);
    fwp_buf_free(&l.pending);
    free(piece);
    return 0;
}
