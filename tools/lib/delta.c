/*
 * delta.c - makes the patch of a delta target (format/SPEC.md 6.5): the
 * instructions that build the new image from the base, as the device's
 * patch.c applies them.
 *
 * Matching follows bsdiff's design (C. Percival, "Naive differences of
 * executable code", 2003): a suffix array of the base finds exact matches,
 * and a match is extended forwards and backwards as long as at least half
 * its bytes agree, so that code which moved and changed a little (other
 * addresses in its instructions) becomes one copy whose difference bytes
 * are mostly zero, which the codec then compresses.  Both images are
 * filtered first (SPEC.md 6.3): a call whose callee moved holds the same
 * absolute target in both.  The differences are taken against the base
 * run as the device filters it (one segment from the copy's start), so
 * what the device makes is exactly the filtered new image.
 */
#include <stdlib.h>
#include <string.h>

#include "fwpack.h"

/* ---- suffix array by prefix doubling, radix-sorted: O(n log n) ---- */

static void count_sort(const uint32_t *in, uint32_t *out, const uint32_t *key,
                       size_t n, size_t keys, uint32_t *cnt)
{
    memset(cnt, 0, (keys + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        cnt[key[in[i]] + 1]++;
    for (size_t k = 1; k <= keys; k++)
        cnt[k] += cnt[k - 1];
    for (size_t i = 0; i < n; i++)
        out[cnt[key[in[i]]]++] = in[i];
}

/* sa: the suffixes of b in order.  NULL when out of memory. */
static uint32_t *suffix_array(const uint8_t *b, size_t n)
{
    size_t keys = n > 256 ? n : 256;
    uint32_t *sa = malloc(n * sizeof *sa), *tmp = malloc(n * sizeof *tmp);
    uint32_t *rank = malloc(n * sizeof *rank), *nr = malloc(n * sizeof *nr);
    uint32_t *cnt = malloc((keys + 1) * sizeof *cnt);
    if (!sa || !tmp || !rank || !nr || !cnt)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        tmp[i] = (uint32_t)i;
        rank[i] = b[i];
    }
    count_sort(tmp, sa, rank, n, 256, cnt);
    for (size_t k = 1;; k <<= 1) {
        /* by the second key (rank at i + k, none first), then stably by
         * the first */
        size_t m = 0;
        for (size_t i = n - (k < n ? k : n); i < n; i++)
            tmp[m++] = (uint32_t)i;
        for (size_t i = 0; i < n; i++)
            if (sa[i] >= k)
                tmp[m++] = (uint32_t)(sa[i] - k);
        count_sort(tmp, sa, rank, n, keys, cnt);
        nr[sa[0]] = 0;
        for (size_t i = 1; i < n; i++) {
            uint32_t a = sa[i - 1], c = sa[i];
            int same = rank[a] == rank[c] &&
                       (a + k < n ? (int64_t)rank[a + k] : -1) ==
                           (c + k < n ? (int64_t)rank[c + k] : -1);
            nr[c] = nr[a] + (same ? 0 : 1);
        }
        memcpy(rank, nr, n * sizeof *rank);
        if (n == 0 || rank[sa[n - 1]] == n - 1 || k >= n)
            break;
    }
    free(tmp);
    free(rank);
    free(nr);
    free(cnt);
    return sa;
fail:
    free(sa);
    free(tmp);
    free(rank);
    free(nr);
    free(cnt);
    return NULL;
}

static size_t common(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
    size_t i = 0;
    while (i < an && i < bn && a[i] == b[i])
        i++;
    return i;
}

/* The longest prefix of p[0..pn) in the base: its length, start in *pos. */
static size_t longest(const uint32_t *sa, const uint8_t *b, size_t bn,
                      const uint8_t *p, size_t pn, size_t *pos)
{
    size_t lo = 0, hi = bn;
    while (hi - lo > 1) { /* sa[lo] <= p < sa[hi] as far as known */
        size_t mid = lo + (hi - lo) / 2, n = bn - sa[mid];
        int c = memcmp(b + sa[mid], p, n < pn ? n : pn);
        if (c < 0 || (c == 0 && n < pn))
            lo = mid;
        else
            hi = mid;
    }
    size_t l1 = common(b + sa[lo], bn - sa[lo], p, pn), l2 = 0;
    if (hi < bn)
        l2 = common(b + sa[hi], bn - sa[hi], p, pn);
    *pos = l2 > l1 ? sa[hi] : sa[lo];
    return l2 > l1 ? l2 : l1;
}

/* ---- the patch stream ---- */

static int varint(fwp_buf *o, uint32_t v)
{
    uint8_t b[FWPK_VARINT_MAX_BYTES];
    size_t n = 0;
    do {
        b[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v)
            b[n] |= 0x80;
        n++;
    } while (v);
    return fwp_buf_put(o, b, n);
}

typedef struct {
    const uint8_t *base, *base_f, *nw; /* raw and filtered base, new */
    size_t bn, nn;
    uint32_t filter, addr;
    uint32_t cursor;
    fwp_buf *out;
} emitter;

/* One instruction: copy n base bytes from 'from' (with differences),
 * then insert m bytes of the new image from 'at'. */
static int emit(emitter *e, size_t from, size_t n, size_t dst, size_t m)
{
    uint32_t seek = 0;
    if (n == 0 && m == 0)
        return 0;
    if (n > 0) {
        int64_t d = (int64_t)from - e->cursor;
        seek = d >= 0 ? (uint32_t)(2 * d) : (uint32_t)(-2 * d - 1);
    }
    if (varint(e->out, (uint32_t)n) || varint(e->out, seek) ||
        varint(e->out, (uint32_t)m))
        return -1;
    if (n > 0) {
        uint8_t *run = malloc(n);
        if (!run)
            return -1;
        memcpy(run, e->base + from, n);
        fwp_filter_apply(e->filter, run, n, e->addr + (uint32_t)dst);
        for (size_t i = 0; i < n; i++)
            run[i] = (uint8_t)(e->nw[dst + i] - run[i]);
        int rc = fwp_buf_put(e->out, run, n);
        free(run);
        if (rc)
            return -1;
        e->cursor = (uint32_t)(from + n);
    }
    return fwp_buf_put(e->out, e->nw + dst + n, m);
}

/* How far the copy [from, from+n) may reach forward from its start at
 * 'dst', and back from the next match: where more agree than differ. */
static size_t extend_fwd(const emitter *e, size_t dst, size_t from,
                         size_t limit)
{
    size_t best = 0;
    int64_t s = 0, bests = 0;
    for (size_t i = 0; dst + i < limit && from + i < e->bn;) {
        if (e->base_f[from + i] == e->nw[dst + i])
            s++;
        i++;
        if (2 * s - (int64_t)i > 2 * bests - (int64_t)best) {
            bests = s;
            best = i;
        }
    }
    return best;
}

static size_t extend_back(const emitter *e, size_t scan, size_t pos,
                          size_t floor)
{
    size_t best = 0;
    int64_t s = 0, bests = 0;
    for (size_t i = 1; scan >= floor + i && pos >= i; i++) {
        if (e->base_f[pos - i] == e->nw[scan - i])
            s++;
        if (2 * s - (int64_t)i > 2 * bests - (int64_t)best) {
            bests = s;
            best = i;
        }
    }
    return best;
}

/* Where the forward extension of one copy and the backward extension of
 * the next overlap, the split that keeps the most agreeing bytes. */
static void split_overlap(const emitter *e, size_t lastscan, size_t lastpos,
                          size_t *lenf, size_t scan, size_t pos, size_t *lenb)
{
    if (lastscan + *lenf <= scan - *lenb)
        return;
    size_t overlap = lastscan + *lenf - (scan - *lenb), lens = 0;
    int64_t s = 0, best = 0;
    for (size_t i = 0; i < overlap; i++) {
        size_t a = lastscan + *lenf - overlap + i, b = scan - *lenb + i;
        if (e->nw[a] == e->base_f[lastpos + *lenf - overlap + i])
            s++;
        if (e->nw[b] == e->base_f[pos - *lenb + i])
            s--;
        if (s > best) {
            best = s;
            lens = i + 1;
        }
    }
    *lenf += lens - overlap;
    *lenb -= lens;
}

/* Bytes at scan agree with the base at the current alignment. */
static int agrees(const emitter *e, size_t scan, int64_t off)
{
    int64_t at = (int64_t)scan + off;
    return at >= 0 && (size_t)at < e->bn && e->base_f[at] == e->nw[scan];
}

/* A new exact match is worth a new copy when it is longer than what the
 * current alignment already gets by more than this many bytes. */
#define GAIN_MIN 8

static int scan_all(emitter *e, const uint32_t *sa)
{
    size_t scan = 0, len = 0, pos = 0, lastscan = 0, lastpos = 0;
    int64_t lastoff = 0;
    while (scan < e->nn) {
        /* score: bytes of the candidate match that the current alignment
         * gets right anyway (it may dip below 0 before they are counted) */
        int64_t score = 0;
        size_t scsc;
        for (scsc = scan += len; scan < e->nn; scan++) {
            len = longest(sa, e->base_f, e->bn, e->nw + scan, e->nn - scan,
                          &pos);
            for (; scsc < scan + len; scsc++)
                score += agrees(e, scsc, lastoff);
            if (((int64_t)len == score && len != 0) ||
                (int64_t)len > score + GAIN_MIN)
                break;
            if (agrees(e, scan, lastoff))
                score--;
        }
        if ((int64_t)len == score && scan != e->nn)
            continue;
        size_t lenf = extend_fwd(e, lastscan, lastpos, scan);
        size_t lenb = scan < e->nn ? extend_back(e, scan, pos, lastscan) : 0;
        split_overlap(e, lastscan, lastpos, &lenf, scan, pos, &lenb);
        /* the device filters a copy from its first byte (patch.c): start
         * it at an even address, where the new image's walk is */
        if (scan < e->nn && ((e->addr + scan - lenb) & 1)) {
            if (lenb > 0)
                lenb--;
            else if (scan > lastscan + lenf && pos > 0)
                lenb++;
        }
        if (emit(e, lastpos, lenf, lastscan, scan - lenb - lastscan - lenf))
            return -1;
        lastscan = scan - lenb;
        lastpos = pos - lenb;
        lastoff = (int64_t)pos - (int64_t)scan;
    }
    return 0;
}

int fwp_delta_make(const uint8_t *base, size_t base_len, uint32_t filter,
                   uint32_t addr, const uint8_t *nw, size_t new_len,
                   fwp_buf *out, fwp_err *err)
{
    uint8_t *base_f = malloc(base_len ? base_len : 1);
    uint32_t *sa = NULL;
    if (base_f) {
        memcpy(base_f, base, base_len);
        fwp_filter_apply(filter, base_f, base_len, addr);
        sa = suffix_array(base_f, base_len);
    }
    emitter e = {base, base_f, nw, base_len, new_len, filter, addr, 0, out};
    int rc = sa ? scan_all(&e, sa) : -1;
    free(sa);
    free(base_f);
    return rc ? fwp_fail(err, "delta: out of memory") : 0;
}
