/* ncwire.c - the client and the emulator on one simulated link (ncwire.h). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ncwire.h"

static void advance(ncwire *w, size_t bytes, int transfers)
{
    uint64_t t;
    if (w->io.transport == FWPK_NC_I2C)
        t = ((uint64_t)bytes + (uint64_t)transfers) * 9u * 1000000u /
            w->i2c_hz;
    else
        t = (uint64_t)bytes * 10u * 1000000u / w->baud;
    w->us += t;
    w->link_us += t;
}

/* Request bytes in: each complete line goes to the emulator. */
static void take_request(ncwire *w, const uint8_t *data, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        if (data[i] != '\n') {
            if (fwp_buf_put(&w->req, &data[i], 1))
                fail_msg("out of memory");
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
            fail_msg("emulator: out of memory");
        w->req.len = 0;
    }
}

static int wire_write(void *user, uint8_t addr, const uint8_t *data,
                      uint16_t len)
{
    ncwire *w = user;
    if (w->io.transport == FWPK_NC_I2C) {
        assert_int_equal(addr, FWPK_NC_I2C_ADDR);
        advance(w, len, 1);
        if (len == 2 && data[0] == 0) { /* [0][n]: what the next read gets */
            w->i2c_ask = data[1];
            return 0;
        }
        assert_true(len >= 1 && data[0] == len - 1 && len - 1 <= 253);
        take_request(w, data + 1, len - 1u);
        return 0;
    }
    advance(w, len, 0);
    take_request(w, data, len);
    return 0;
}

static int wire_read(void *user, uint8_t addr, uint8_t *buf, uint16_t len,
                     uint32_t timeout_ms)
{
    ncwire *w = user;
    size_t have = w->pending.len - w->pos, n;
    if (w->io.transport == FWPK_NC_I2C) {
        assert_int_equal(addr, FWPK_NC_I2C_ADDR);
        assert_int_equal(len, w->i2c_ask + 2u);
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
    ncwire *w = user;
    w->us += 1; /* time moves on even when nothing is sent */
    return (uint32_t)(w->us / 1000u);
}

static void wire_delay(void *user, uint32_t ms)
{
    ncwire *w = user;
    w->us += (uint64_t)ms * 1000u;
}

void ncwire_init(ncwire *w, int transport, const uint8_t *image, size_t len)
{
    fwp_err err;
    memset(w, 0, sizeof *w);
    if (fwp_nc_emu_init(&w->emu, image, len, "app.fwpk", &err))
        fail_msg("%s", err.msg);
    w->baud = 9600;
    w->i2c_hz = 100000;
    w->io.transport = (uint8_t)transport;
    w->io.write = wire_write;
    w->io.read = wire_read;
    w->io.now_ms = wire_now;
    w->io.delay_ms = wire_delay;
    w->io.user = w;
}

void ncwire_free(ncwire *w)
{
    fwp_nc_emu_free(&w->emu);
    fwp_buf_free(&w->req);
    fwp_buf_free(&w->pending);
}
