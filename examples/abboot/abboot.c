/* abboot.c - one boot of the example bootloaders: the state area's
 * records, resuming, retiring, committing (see abboot.h). */
#include <string.h>

#include "abboot.h"

static void emit(abboot *b, abboot_event ev)
{
    if (b->io->event)
        b->io->event(b->io->user, b, ev);
}

/* Makes the state area idle: one record append, so a cut leaves the
 * previous record in force, and nothing else has happened yet. */
static fwpk_err retire(abboot *b)
{
    return state_append(&b->st, STATE_IDLE, b->min_counter, NULL, 0);
}

/* ---- the verifier's flash: the platform's, watched ---- */

static fwpk_err v_erase(void *user, uint32_t addr, uint32_t len)
{
    abboot *b = user;
    b->wrote = 1;
    return b->io->flash.erase(b->io->flash.user, addr, len);
}

static fwpk_err v_write(void *user, uint32_t addr, const uint8_t *data,
                        uint32_t len)
{
    abboot *b = user;
    b->wrote = 1;
    return b->io->flash.write(b->io->flash.user, addr, data, len);
}

static fwpk_err v_read(void *user, uint32_t addr, uint8_t *buf, uint32_t len)
{
    abboot *b = user;
    return b->io->flash.read(b->io->flash.user, addr, buf, len);
}

/* Persists every Nth record offered.  Skipping some costs nothing in
 * safety: a resume from an older record compares everything it skips with
 * flash and erases again what was written after it. */
static fwpk_err v_checkpoint(void *user, const fwpk_resume *rec)
{
    abboot *b = user;
    uint32_t every = b->layout->checkpoint_every ? b->layout->checkpoint_every
                                                 : 1;
    fwpk_err err;
    if (++b->offered % every != 0)
        return FWPK_OK;
    err = state_append(&b->st, STATE_RESUME, b->min_counter, rec, sizeof *rec);
    if (err == FWPK_OK)
        b->recorded = 1;
    return err;
}

/* ---- one pass of the verifier over the container ---- */

/* In a resumed run: where to read on; says once when the record fits. */
static uint32_t skip(abboot *b, uint32_t pos)
{
    uint32_t next = fwpk_resume_skip(b->ctx);
    if (!b->accepted && next >= b->from.frame_offset) {
        /* past the signature block, and the record was accepted */
        b->accepted = 1;
        b->skipped = next > pos ? next - pos : 0;
        emit(b, ABBOOT_RESUMED);
    }
    return next > pos ? next : pos;
}

uint32_t abboot_fed(abboot *b, uint32_t n, fwpk_err err)
{
    b->bytes += n;
    b->pos += n;
    if (err == FWPK_OK && b->resuming)
        b->pos = skip(b, b->pos);
    return b->pos;
}

static fwpk_err verify(abboot *b)
{
    fwpk_flash cb = b->io->flash; /* 'mapped' included, if set */
    fwpk_err err;
    cb.erase = v_erase;
    cb.write = v_write;
    cb.read = v_read;
    cb.user = b;
    cb.checkpoint = v_checkpoint;
    b->pos = 0;
    /* a delta update (format/SPEC.md 6.5) applies to the image that runs */
    cb.base_addr = b->layout->active;
    err = b->resuming ? fwpk_resume_begin(b->ctx, &b->policy, &cb, &b->from)
                      : fwpk_begin(b->ctx, &b->policy, &cb);
    if (err == FWPK_OK && b->io->fetch)
        return b->io->fetch(b->io->user, b);
    while (err == FWPK_OK) {
        int32_t n = b->io->get(b->io->user, b->pos, b->piece, b->piece_size);
        if (n < 0 || (uint32_t)n > b->piece_size)
            return FWPK_ERR_TRUNCATED; /* like a broken download */
        if (n == 0)
            return fwpk_finish(b->ctx);
        err = fwpk_feed(b->ctx, b->piece, (size_t)n);
        abboot_fed(b, (uint32_t)n, err);
    }
    return err;
}

/* ---- refusals and failures ---- */

/* A broken download or a flash error may go away at the next boot. */
static int transient(fwpk_err err)
{
    return err == FWPK_ERR_TRUNCATED || err == FWPK_ERR_FLASH;
}

/* A RESUME record in force stays only while it describes the staging
 * slot and can still be used: if it is this container's (accepted or
 * written by this run), a transient failure keeps it; if it is another
 * container's, it stays only if this run wrote nothing there. */
static abboot_result refuse(abboot *b, fwpk_err err)
{
    int ours = b->accepted || b->recorded;
    b->err = err;
    emit(b, ABBOOT_REFUSED);
    if (!b->st.have || b->st.last.kind != STATE_RESUME)
        return ABBOOT_END_REFUSED;
    if (ours ? transient(err) : !b->wrote)
        emit(b, ABBOOT_KEPT);
    else if (retire(b) == FWPK_OK)
        emit(b, ABBOOT_ABANDONED);
    return ABBOOT_END_REFUSED;
}

/* The COPY record is in force and the copy did not complete: the next
 * boot tries again, and no update may write the staging slot before. */
static abboot_result copy_failed(abboot *b, fwpk_err err)
{
    b->err = err;
    emit(b, ABBOOT_COPY_FAILED);
    return ABBOOT_END_FAILED;
}

/* Makes the active slot hold b->copy (promote.c), then records idle. */
static abboot_result copy_then_idle(abboot *b, int again, abboot_event done)
{
    fwpk_err err = abboot_promote(b, &b->copy, again);
    if (err == FWPK_OK)
        err = retire(b);
    if (err != FWPK_OK)
        return copy_failed(b, err);
    emit(b, done);
    return ABBOOT_END_INSTALLED;
}

/* ---- the steps ---- */

static abboot_result commit(abboot *b)
{
    const fwpk_manifest *m = &b->ctx->manifest;
    const fwpk_target *t = &m->own;
    state_copy *c = &b->copy;
    uint32_t new_min = m->security_counter > b->min_counter
                           ? m->security_counter
                           : b->min_counter;
    fwpk_err err;
    if (t->segment_count > STATE_COPY_SEGMENTS)
        return refuse(b, FWPK_ERR_LIMIT);
    memset(c, 0, sizeof *c);
    c->count = t->segment_count;
    memcpy(c->seg, t->segments, c->count * sizeof c->seg[0]);
    memcpy(c->digest, t->image_digest, FWPK_HASH_LEN);
    memcpy(c->version, b->version, sizeof c->version);
    /* The verifier hashed what it wrote; the copy reads what the staging
     * slot holds.  They must agree before the active slot is touched. */
    err = abboot_slot_holds(b, b->layout->staging, c);
    if (err == FWPK_OK)
        err = state_append(&b->st, STATE_COPY, new_min, c, sizeof *c);
    if (err != FWPK_OK)
        return refuse(b, err);
    /* Committed: from here on this image is the one the device runs. */
    b->min_counter = new_min;
    return copy_then_idle(b, 0, ABBOOT_INSTALLED);
}

static abboot_result update(abboot *b)
{
    const abboot_layout *l = b->layout;
    fwpk_err err;
    b->policy.window_lo = l->staging;
    b->policy.window_hi = l->staging + l->slot_size;
    b->policy.min_security_counter = b->min_counter;
    b->policy.version = b->version; /* the manifest keeps no copy */
    b->policy.version_size = sizeof b->version;
    b->resuming = b->st.have && b->st.last.kind == STATE_RESUME;
    if (b->resuming)
        b->from = b->st.last.u.resume; /* st.last changes with appends */
    emit(b, ABBOOT_UPDATE);
    err = verify(b);
    if (err == FWPK_ERR_RESUME && (b->resuming || b->io->fetch)) {
        /* The record is not this container's, or flash no longer holds
         * what it says; or (fetch) the source now holds another
         * container.  Retire the record before fwpk_begin writes the
         * staging slot: else a cut would leave it in force over other
         * bytes. */
        err = retire(b);
        if (err != FWPK_OK)
            return refuse(b, err);
        b->resuming = b->accepted = 0;
        emit(b, ABBOOT_START_OVER);
        err = verify(b);
    }
    if (err != FWPK_OK)
        return refuse(b, err);
    emit(b, ABBOOT_VERIFIED);
    return commit(b);
}

/* The COPY record is the newest: finish what a cut interrupted. */
static abboot_result complete_copy(abboot *b)
{
    b->copy = b->st.last.u.copy;
    emit(b, ABBOOT_COPY_PENDING);
    return copy_then_idle(b, 1, ABBOOT_COPIED);
}

void abboot_init(abboot *b, const abboot_layout *layout, const abboot_io *io,
                 fwpk_ctx *ctx, uint8_t *piece, uint32_t piece_size)
{
    memset(b, 0, sizeof *b);
    b->layout = layout;
    b->io = io;
    b->ctx = ctx;
    b->piece = piece;
    b->piece_size = piece_size;
}

abboot_result abboot_run(abboot *b, int offered)
{
    const abboot_layout *l = b->layout;
    abboot_result r = ABBOOT_END_NOTHING;
    fwpk_err err;
    b->err = FWPK_OK;
    b->bytes = b->offered = b->skipped = 0;
    b->resuming = b->accepted = b->recorded = b->wrote = 0;
    err = state_open(&b->st, &b->io->flash, l->state, l->state_block,
                     l->erase_block, l->write_unit);
    if (err != FWPK_OK) {
        b->err = err;
        return ABBOOT_END_FAILED;
    }
    b->min_counter = b->st.have ? b->st.last.min_counter : 0;
    emit(b, ABBOOT_STATE);
    if (b->st.have && b->st.last.kind == STATE_COPY) {
        r = complete_copy(b);
        if (r == ABBOOT_END_FAILED) {
            if (offered)
                emit(b, ABBOOT_BUSY);
            return r;
        }
    }
    return offered ? update(b) : r;
}

int abboot_active_ok(const abboot *b)
{
    return !(b->st.have && b->st.last.kind == STATE_COPY);
}
