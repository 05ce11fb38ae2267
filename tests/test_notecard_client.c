/* test_notecard_client.c - the Notecard client (fwpk_notecard.h) against
 * the emulator (tools/lib/notecard.h) in-process: real containers
 * installed by the device verifier over the serial line and I2C, base64
 * and binary; every fault the emulator injects ends in its defined
 * outcome; a run cut short resumes from the verifier's record at the
 * offset it names; the client's RAM stays within 256 bytes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "box.h"
#include "notecard_link.h"

#define IMAGE_LEN 20000

static fwpk_ctx ctx;

typedef struct {
    box_setup s;
    uint8_t *box;
    size_t len;
    fwp_flash flash;
    fwpk_key keys[4];
    fwpk_policy pol;
    fwpk_flash cb;
    char version[FWPK_VERSION_MAX + 1]; /* pol.version: the report's */
    fwp_nc_link w;
    fwpk_nc nc;
    fwpk_nc_config cfg;
    uint8_t piece[FWPK_NC_GET_MAX];
    uint8_t rx[255];
} rig;

static void rig_setup(rig *r, int transport, uint16_t piece, int binary)
{
    box_policy p = {0};
    memset(r, 0, sizeof *r);
    box_init(&r->s, IMAGE_LEN);
    r->box = box_pack(&r->s, &r->len);
    p.version = r->version;
    p.version_size = sizeof r->version;
    assert_int_equal(box_begin(&r->s, &p, &r->flash, &ctx, r->keys, &r->pol,
                               &r->cb, NULL),
                     FWPK_OK);
    assert_int_equal(fwp_nc_link_init(&r->w, transport, r->box, r->len, NULL),
                     0);
    r->cfg.io = &r->w.io;
    r->cfg.piece = r->piece;
    r->cfg.piece_size = piece;
    r->cfg.rx = r->rx;
    r->cfg.rx_size = transport == FWPK_NC_I2C ? 255 : 64;
    r->cfg.binary = (uint8_t)binary;
    assert_int_equal(fwpk_nc_init(&r->nc, &r->cfg, &ctx), FWPK_NC_OK);
}

static void rig_free(rig *r)
{
    assert_null(r->w.problem); /* the client kept to the framing */
    fwp_nc_link_free(&r->w);
    fwp_flash_free(&r->flash);
    box_free(&r->s);
    free(r->box);
}

/* Installed, reported to Notehub as such, DFU mode left. */
static void assert_installed(rig *r, fwpk_nc_err e)
{
    if (e != FWPK_NC_OK)
        fail_msg("%s (verifier: %s)", fwpk_nc_strerror(e),
                 fwpk_strerror(r->nc.verify));
    assert_true(box_flash_matches(&r->s, 0, &r->flash));
    assert_true(r->w.emu.stopped);
    assert_false(r->w.emu.report_err);
    assert_string_equal(r->w.emu.report, "fwpk: installed 1.2.3");
    assert_false(r->w.emu.dfu);
}

static void installs(int transport, uint16_t piece, int binary)
{
    rig r;
    rig_setup(&r, transport, piece, binary);
    assert_installed(&r, fwpk_nc_run(&r.nc));
    assert_int_equal(r.nc.retries, 0);
    /* dfu.status, hub.set, dfu.get 0, the pieces (binary: two requests
     * each), hub.set, dfu.status stop */
    assert_int_equal(r.nc.requests,
                     5 + (binary ? 2 : 1) * ((r.len + piece - 1) / piece));
    rig_free(&r);
}

static void test_installs_serial_base64(void **state)
{
    (void)state;
    installs(FWPK_NC_SERIAL, 160, 0);
    installs(FWPK_NC_SERIAL, 1000, 0);
    installs(FWPK_NC_SERIAL, 4096, 0);
    installs(FWPK_NC_SERIAL, 8192, 0);
}

static void test_installs_serial_binary(void **state)
{
    (void)state;
    installs(FWPK_NC_SERIAL, 256, 1);
    installs(FWPK_NC_SERIAL, 8192, 1);
}

static void test_installs_i2c(void **state)
{
    (void)state;
    installs(FWPK_NC_I2C, 1024, 0);
    installs(FWPK_NC_I2C, 4096, 1);
}

/* Serial reads that return one byte at a time, and a receive chunk of
 * one byte: the scanner sees every split. */
static void test_installs_byte_by_byte(void **state)
{
    rig r;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 512, 0);
    r.cfg.rx_size = 1;
    assert_installed(&r, fwpk_nc_run(&r.nc));
    rig_free(&r);
    rig_setup(&r, FWPK_NC_SERIAL, 512, 1);
    r.w.read_max = 1;
    assert_installed(&r, fwpk_nc_run(&r.nc));
    rig_free(&r);
}

static void log_stderr(void *arg, const char *line)
{
    (void)arg;
    fprintf(stderr, "%s\n", line);
}

/* One fault, fired at the third piece: retried at the same offset (never
 * a byte fed twice: the flash holds the image exactly), installed. */
static void survives(int fault, int binary, fwpk_nc_err expect_fault)
{
    rig r;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, binary);
    r.w.emu.faults = 1u << fault;
    if (getenv("NCLOG"))
        r.w.emu.log = log_stderr;
    assert_installed(&r, fwpk_nc_run(&r.nc));
    assert_true(r.w.emu.fired & 1u << fault);
    if (r.nc.retries < 1)
        fail_msg("%s: no retry", fwp_nc_fault_names[fault]);
    if (expect_fault != FWPK_NC_OK && r.nc.fault != expect_fault)
        fail_msg("%s%s: %s", fwp_nc_fault_names[fault],
                 binary ? " (binary)" : "", fwpk_nc_strerror(r.nc.fault));
    rig_free(&r);
}

static void test_faults_retried(void **state)
{
    (void)state;
    survives(FWP_NC_TIMEOUT, 0, FWPK_NC_ERR_TIMEOUT);
    survives(FWP_NC_GARBLED, 0, FWPK_NC_ERR_GARBLED);
    survives(FWP_NC_TRUNCATED, 0, FWPK_NC_ERR_GARBLED);
    survives(FWP_NC_ERR, 0, FWPK_NC_ERR_NOTECARD);
    survives(FWP_NC_SHORT, 0, FWPK_NC_ERR_SHORT);
    survives(FWP_NC_BASE64, 0, FWPK_NC_ERR_BASE64);
    survives(FWP_NC_BITFLIP, 0, FWPK_NC_ERR_MD5);
    /* a reset: no reply, then out of DFU mode until hub.set again */
    survives(FWP_NC_RESET, 0, FWPK_NC_ERR_NOTECARD);
    survives(FWP_NC_TIMEOUT, 1, FWPK_NC_ERR_TIMEOUT);
    survives(FWP_NC_SHORT, 1, FWPK_NC_ERR_SHORT);
    survives(FWP_NC_BITFLIP, 1, FWPK_NC_OK); /* MD5, COBS or short */
    survives(FWP_NC_BASE64, 1, FWPK_NC_ERR_COBS);
    survives(FWP_NC_GARBLED, 1, FWPK_NC_ERR_GARBLED);
    survives(FWP_NC_ERR, 1, FWPK_NC_ERR_NOTECARD);
    survives(FWP_NC_RESET, 1, FWPK_NC_ERR_NOTECARD);
}

static void test_all_faults_in_a_row(void **state)
{
    rig r;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    r.cfg.retries = FWP_NC_NEW_IMAGE + 3; /* they come without progress */
    r.w.emu.faults = (1u << FWP_NC_NEW_IMAGE) - 1;
    assert_installed(&r, fwpk_nc_run(&r.nc));
    assert_int_equal(r.w.emu.fired, (1u << FWP_NC_NEW_IMAGE) - 1);
    assert_true(r.nc.retries >= FWP_NC_NEW_IMAGE);
    rig_free(&r);
}

/* Another image appears mid-download: the run stops with "start over",
 * reports nothing (the new image must stay on the Notecard) and leaves
 * DFU mode. */
static void test_new_image_starts_over(void **state)
{
    rig r;
    box_setup other;
    size_t other_len;
    uint8_t *other_box;
    fwp_err err;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    box_init(&other, IMAGE_LEN + 5000);
    other.o.version = "1.3.0";
    other_box = box_pack(&other, &other_len);
    assert_int_equal(fwp_nc_emu_set_next(&r.w.emu, other_box, other_len, &err), 0);
    r.w.emu.faults = 1u << FWP_NC_NEW_IMAGE;
    assert_int_equal(fwpk_nc_run(&r.nc), FWPK_NC_ERR_IMAGE_CHANGED);
    assert_false(r.w.emu.stopped);
    assert_false(r.w.emu.dfu);
    rig_free(&r);
    box_free(&other);
    free(other_box);
    /* the same with no other image given: the last byte changes */
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    r.w.emu.faults = 1u << FWP_NC_NEW_IMAGE;
    assert_int_equal(fwpk_nc_run(&r.nc), FWPK_NC_ERR_IMAGE_CHANGED);
    assert_false(r.w.emu.stopped);
    rig_free(&r);
}

/* A line that dies: a timeout after the tries, nothing reported, the
 * image kept for the next boot. */
static void test_dead_line_times_out(void **state)
{
    rig r;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    r.w.cut_after = 6;
    assert_int_equal(fwpk_nc_run(&r.nc), FWPK_NC_ERR_TIMEOUT);
    assert_false(r.w.emu.stopped);
    /* the pieces' tries, then hub.set dfu-completed's */
    assert_int_equal(r.nc.retries, 2 * FWPK_NC_RETRIES);
    rig_free(&r);
}

static void test_no_update(void **state)
{
    rig r;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    r.w.emu.len = 0;
    assert_int_equal(fwpk_nc_run(&r.nc), FWPK_NC_NO_UPDATE);
    assert_int_equal(r.nc.requests, 1);
    assert_int_equal(r.flash.erases, 0);
    rig_free(&r);
}

/* A container the verifier refuses: reported with its err text, the
 * image stopped (it can never succeed), nothing erased. */
static void test_refused_is_reported(void **state)
{
    rig r;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    r.w.emu.image[r.len - 100] ^= 1; /* tampered: the last frame */
    assert_int_equal(fwpk_nc_run(&r.nc), FWPK_NC_ERR_VERIFY);
    assert_int_not_equal(r.nc.verify, FWPK_OK);
    assert_true(r.w.emu.stopped);
    assert_true(r.w.emu.report_err);
    assert_non_null(strstr(r.w.emu.report, fwpk_strerror(r.nc.verify)));
    assert_false(r.w.emu.dfu);
    rig_free(&r);
}

static fwpk_resume last_rec;
static int recs;

static fwpk_err keep_record(void *user, const fwpk_resume *rec)
{
    (void)user;
    last_rec = *rec;
    recs++;
    return FWPK_OK;
}

static void log_line(void *arg, const char *line)
{
    fwp_buf *b = arg;
    fwp_buf_printf(b, "%s\n", line);
}

/* Power cut mid-download: the next run resumes from the verifier's record
 * and, after the prefix, asks the Notecard for the frame it names. */
static void test_resumes_at_the_record(void **state)
{
    rig r;
    box_policy p = {0};
    fwp_buf log = {0};
    fwpk_resume rec;
    char want[64];
    (void)state;
    recs = 0;
    p.checkpoint = keep_record;
    memset(&r, 0, sizeof r);
    p.version = r.version;
    p.version_size = sizeof r.version;
    box_init(&r.s, 60000);
    r.box = box_pack(&r.s, &r.len);
    assert_int_equal(box_begin(&r.s, &p, &r.flash, &ctx, r.keys, &r.pol,
                               &r.cb, NULL),
                     FWPK_OK);
    assert_int_equal(fwp_nc_link_init(&r.w, FWPK_NC_SERIAL, r.box, r.len, NULL),
                     0);
    r.cfg = (fwpk_nc_config){&r.w.io, r.piece, 2048, r.rx, 64, 0, 0, 0, 0};
    r.w.cut_after = 14; /* the power goes after 10 pieces */
    assert_int_equal(fwpk_nc_init(&r.nc, &r.cfg, &ctx), FWPK_NC_OK);
    assert_int_equal(fwpk_nc_run(&r.nc), FWPK_NC_ERR_TIMEOUT);
    assert_true(recs > 0);
    rec = last_rec;
    assert_true(rec.frame_offset > 4096);

    /* after the reset: the same flash, the record, a new Notecard session */
    fwp_nc_link_free(&r.w);
    assert_int_equal(fwp_nc_link_init(&r.w, FWPK_NC_SERIAL, r.box, r.len, NULL),
                     0);
    r.w.emu.log = log_line;
    r.w.emu.log_arg = &log;
    assert_int_equal(box_begin(&r.s, &p, &r.flash, &ctx, r.keys, &r.pol, &r.cb,
                               &rec),
                     FWPK_OK);
    assert_int_equal(fwpk_nc_init(&r.nc, &r.cfg, &ctx), FWPK_NC_OK);
    assert_installed(&r, fwpk_nc_run(&r.nc));
    snprintf(want, sizeof want, "\"offset\":%u,", rec.frame_offset);
    if (strstr(log.data, want) == NULL)
        fail_msg("no dfu.get at the record's offset %u:\n%s",
                 rec.frame_offset, log.data);
    assert_null(strstr(log.data, "\"offset\":4096,")); /* skipped */
    fwp_buf_free(&log);
    rig_free(&r);
}

/* DFU mode renewed before the Notecard's own timeout on a slow link. */
static void test_dfu_mode_renewed(void **state)
{
    rig r;
    fwp_buf log = {0};
    const char *p;
    int renewals = 0;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    r.cfg.renew_ms = 5000; /* about every 4 pieces at 9600 baud */
    r.w.emu.log = log_line;
    r.w.emu.log_arg = &log;
    assert_installed(&r, fwpk_nc_run(&r.nc));
    for (p = log.data; (p = strstr(p, "\"mode\":\"dfu\"}")) != NULL; p++)
        renewals++;
    assert_true(renewals >= 3);
    fwp_buf_free(&log);
    rig_free(&r);
}

static void test_bad_config(void **state)
{
    rig r;
    (void)state;
    rig_setup(&r, FWPK_NC_SERIAL, 1024, 0);
    r.cfg.piece_size = FWPK_NC_PIECE_MIN - 1;
    assert_int_equal(fwpk_nc_init(&r.nc, &r.cfg, &ctx), FWPK_NC_ERR_ARG);
    r.cfg.piece_size = FWPK_NC_GET_MAX + 1;
    assert_int_equal(fwpk_nc_init(&r.nc, &r.cfg, &ctx), FWPK_NC_ERR_ARG);
    r.cfg.piece_size = 1024;
    r.w.io.transport = FWPK_NC_I2C;
    r.cfg.rx_size = 2;
    assert_int_equal(fwpk_nc_init(&r.nc, &r.cfg, &ctx), FWPK_NC_ERR_ARG);
    assert_int_equal(fwpk_nc_init(NULL, &r.cfg, &ctx), FWPK_NC_ERR_ARG);
    assert_true(sizeof(fwpk_nc) <= 256);
    assert_string_equal(fwpk_nc_strerror(FWPK_NC_ERR_COUNT),
                        "unknown Notecard client error");
    rig_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_installs_serial_base64),
        cmocka_unit_test(test_installs_serial_binary),
        cmocka_unit_test(test_installs_i2c),
        cmocka_unit_test(test_installs_byte_by_byte),
        cmocka_unit_test(test_faults_retried),
        cmocka_unit_test(test_all_faults_in_a_row),
        cmocka_unit_test(test_new_image_starts_over),
        cmocka_unit_test(test_dead_line_times_out),
        cmocka_unit_test(test_no_update),
        cmocka_unit_test(test_refused_is_reported),
        cmocka_unit_test(test_resumes_at_the_record),
        cmocka_unit_test(test_dfu_mode_renewed),
        cmocka_unit_test(test_bad_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
