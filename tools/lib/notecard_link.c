/* notecard_link.c - the client and the emulator on one simulated link
 * (notecard_link.h). */
#include <string.h>

#include "notecard_link.h"

static void advance(fwp_nc_link *w, size_t bytes, int transfers)
{
    uint64_t t;
    if (w->io.transport == FWPK_NC_I2C)
        t = ((uint64_t)bytes + (uint64_t)transfers) * 9u * 1000000u /
            w->i2c_hz;
    else
        t = (uint64_t)bytes * 10u * 1000000u / w->baud;
    w->us += t;
    w->link_us += t;
    w->wire_bytes += bytes + (w->io.transport == FWPK_NC_I2C ? transfers : 0);
}

/* Request bytes in: each complete line goes to the emulator. */
static void wrong(fwp_nc_link *w, const char *what)
{
    if (w->problem == NULL)
        w->problem = what;
}

static int take_request(fwp_nc_link *w, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (data[i] != '\n') {
            if (fwp_buf_put(&w->req, &data[i], 1))
                return -1;
            continue;
        }
        if (w->cut_after > 0 && w->emu.requests >= (uint32_t)w->cut_after) {
            w->req.len = 0; /* the line is dead: nothing answers */
            continue;
        }
        if (w->pos == w->pending.len)
            w->pending.len = w->pos = 0;
        if (fwp_nc_emu_request(&w->emu, w->req.data ? w->req.data : "",
                               w->req.len, &w->pending))
            return -1;
        w->req.len = 0;
    }
    return 0;
}

static int wire_write(void *user, uint8_t addr, const uint8_t *data,
                      uint16_t len)
{
    fwp_nc_link *w = user;
    if (w->io.transport == FWPK_NC_I2C) {
        if (addr != FWPK_NC_I2C_ADDR)
            wrong(w, "I2C write to another address");
        advance(w, len, 1);
        if (len == 2 && data[0] == 0) { /* [0][n]: what the next read gets */
            w->i2c_ask = data[1];
            return 0;
        }
        if (len < 1 || data[0] != len - 1 || len - 1 > FWPK_NC_I2C_MAX) {
            wrong(w, "I2C write not [length][data], or too long");
            return -1;
        }
        return take_request(w, data + 1, len - 1u);
    }
    advance(w, len, 0);
    return take_request(w, data, len);
}

static int wire_read(void *user, uint8_t addr, uint8_t *buf, uint16_t len,
                     uint32_t timeout_ms)
{
    fwp_nc_link *w = user;
    size_t have = w->pending.len - w->pos, n;
    if (w->io.transport == FWPK_NC_I2C) {
        if (addr != FWPK_NC_I2C_ADDR || len != w->i2c_ask + 2u) {
            wrong(w, "I2C read not as the last [0][n] asked");
            return -1;
        }
        n = have < w->i2c_ask ? have : w->i2c_ask;
        if (n > 0)
            memcpy(buf + 2, w->pending.data + w->pos, n);
        w->pos += n;
        have -= n;
        buf[0] = (uint8_t)(have > 255 ? 255 : have);
        buf[1] = (uint8_t)n;
        advance(w, len, 1);
        return len;
    }
    if (have == 0) {
        w->us += (uint64_t)timeout_ms * 1000u;
        return 0;
    }
    n = have < len ? have : len;
    if (w->read_max && n > w->read_max)
        n = w->read_max;
    memcpy(buf, w->pending.data + w->pos, n);
    w->pos += n;
    advance(w, n, 0);
    return (int)n;
}

static uint32_t wire_now(void *user)
{
    fwp_nc_link *w = user;
    w->us += 1; /* time moves on even when nothing is sent */
    return (uint32_t)(w->us / 1000u);
}

static void wire_delay(void *user, uint32_t ms)
{
    fwp_nc_link *w = user;
    w->us += (uint64_t)ms * 1000u;
}

int fwp_nc_link_init(fwp_nc_link *w, int transport, const uint8_t *image,
                     size_t len, fwp_err *err)
{
    memset(w, 0, sizeof *w);
    if (fwp_nc_emu_init(&w->emu, image, len, "app.fwpk", err))
        return -1;
    w->baud = 9600;
    w->i2c_hz = 100000;
    w->io.transport = (uint8_t)transport;
    w->io.write = wire_write;
    w->io.read = wire_read;
    w->io.now_ms = wire_now;
    w->io.delay_ms = wire_delay;
    w->io.user = w;
    return 0;
}

void fwp_nc_link_free(fwp_nc_link *w)
{
    fwp_nc_emu_free(&w->emu);
    fwp_buf_free(&w->req);
    fwp_buf_free(&w->pending);
}
