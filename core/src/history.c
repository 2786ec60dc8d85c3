/* history.c — bounded undo/redo of label edits.
 *
 * ALGORITHM: while a step is open every change is appended to three parallel
 * arrays (index, old, new). Closing the step packs them into one byte string:
 * per change, the zig-zag varint of the index difference to the previous
 * change, then the old and the new byte. Undo replays old bytes, redo new
 * ones; each voxel appears at most once per step (a second write of the same
 * value is no change), so order does not matter.
 * MEMORY: packed steps <= cap (the newest is always kept); the recording
 * arrays keep their capacity between steps.
 * PERFORMANCE: set = O(1) amortised; end/undo/redo = O(changes).
 */
#include <string.h>

#include "internal.h"
#include "supervox/history.h"

typedef struct step {
    sv_volume *layer;
    size_t n;      /* changes */
    sv_box box;
    uint8_t *packed;
    size_t bytes;
} step;

struct sv_history {
    size_t cap, used;
    step *steps;
    int nsteps, nundo, stepcap; /* steps[0..nundo) undoable, steps[nundo..nsteps) redoable */
    sv_volume *cur;             /* layer of the open step */
    uint32_t *ridx;
    uint8_t *rold, *rnew;
    size_t rn, rcap;
};

sv_status sv_history_create(size_t cap_bytes, sv_history **out)
{
    sv_history *h = (sv_history *)SV_CALLOC(1, sizeof *h);
    *out = NULL;
    if (!h) return sv_fail(SV_ENOMEM, "out of memory creating the undo history");
    h->cap = cap_bytes;
    *out = h;
    return SV_OK;
}

static void drop_step(sv_history *h, int i)
{
    h->used -= h->steps[i].bytes;
    SV_FREE(h->steps[i].packed);
    memmove(h->steps + i, h->steps + i + 1, (size_t)(h->nsteps - i - 1) * sizeof *h->steps);
    h->nsteps--;
    if (i < h->nundo) h->nundo--;
}

void sv_history_free(sv_history *h)
{
    int i;
    if (!h) return;
    for (i = 0; i < h->nsteps; i++) SV_FREE(h->steps[i].packed);
    SV_FREE(h->steps);
    SV_FREE(h->ridx);
    SV_FREE(h->rold);
    SV_FREE(h->rnew);
    SV_FREE(h);
}

sv_status sv_history_begin(sv_history *h, sv_volume *layer)
{
    if (h->cur) return sv_fail(SV_EINVAL, "an edit is already in progress");
    if (!layer || layer->dtype != SV_DT_UINT8) return sv_fail(SV_EINVAL, "edits need a uint8 label map");
    if (layer->nvox > 0xffffffffu) return sv_fail(SV_EINVAL, "label maps over 2^32 voxels cannot be edited");
    h->cur = layer;
    h->rn = 0;
    return SV_OK;
}

sv_volume *sv_history_layer(const sv_history *h) { return h->cur; }

static int grow_recording(sv_history *h)
{
    size_t ncap = h->rcap ? h->rcap * 2 : 4096;
    uint32_t *ni;
    uint8_t *no, *nn;
    if (ncap > SIZE_MAX / sizeof *ni) return 0;
    ni = (uint32_t *)SV_REALLOC(h->ridx, ncap * sizeof *ni);
    if (!ni) return 0;
    h->ridx = ni;
    no = (uint8_t *)SV_REALLOC(h->rold, ncap);
    if (!no) return 0;
    h->rold = no;
    nn = (uint8_t *)SV_REALLOC(h->rnew, ncap);
    if (!nn) return 0;
    h->rnew = nn;
    h->rcap = ncap;
    return 1;
}

int sv_history_set(sv_history *h, size_t idx, uint8_t value)
{
    uint8_t *d = (uint8_t *)h->cur->data;
    if (d[idx] == value) return 0;
    if (h->rn == h->rcap && !grow_recording(h)) return -1;
    h->ridx[h->rn] = (uint32_t)idx;
    h->rold[h->rn] = d[idx];
    h->rnew[h->rn] = value;
    h->rn++;
    d[idx] = value;
    return 1;
}

static void box_empty(sv_box *b)
{
    int a;
    for (a = 0; a < 3; a++) {
        b->lo[a] = INT32_MAX;
        b->hi[a] = 0;
    }
}

static void box_add(sv_box *b, const sv_volume *v, uint32_t idx)
{
    size_t nx = (size_t)v->dim[0], nxy = nx * (size_t)v->dim[1];
    int32_t p[3];
    int a;
    p[0] = (int32_t)(idx % nx);
    p[1] = (int32_t)((idx / nx) % (size_t)v->dim[1]);
    p[2] = (int32_t)(idx / nxy);
    for (a = 0; a < 3; a++) {
        if (p[a] < b->lo[a]) b->lo[a] = p[a];
        if (p[a] + 1 > b->hi[a]) b->hi[a] = p[a] + 1;
    }
}

static size_t put_varint(uint8_t *p, uint64_t x)
{
    size_t n = 0;
    while (x >= 0x80) {
        p[n++] = (uint8_t)(x | 0x80);
        x >>= 7;
    }
    p[n++] = (uint8_t)x;
    return n;
}

static uint64_t get_varint(const uint8_t **pp)
{
    const uint8_t *p = *pp;
    uint64_t x = 0;
    int shift = 0;
    while (*p & 0x80) {
        x |= (uint64_t)(*p++ & 0x7f) << shift;
        shift += 7;
    }
    x |= (uint64_t)*p++ << shift;
    *pp = p;
    return x;
}

/* Out of memory while closing a step: restore the layer and report it. */
static sv_status rollback(sv_history *h, sv_edit_result *res)
{
    uint8_t *d = (uint8_t *)h->cur->data;
    size_t i;
    for (i = h->rn; i-- > 0;) d[h->ridx[i]] = h->rold[i];
    h->cur = NULL;
    if (res) res->changed = 0;
    return sv_fail(SV_ENOMEM, "out of memory recording the edit; it was undone");
}

sv_status sv_history_end(sv_history *h, sv_edit_result *res)
{
    step s;
    size_t i, pos = 0, worst;
    int64_t prev = 0;
    uint8_t *packed;
    if (!h->cur) return sv_fail(SV_EINVAL, "no edit is in progress");
    memset(&s, 0, sizeof s);
    box_empty(&s.box);
    s.layer = h->cur;
    s.n = h->rn;
    for (i = 0; i < h->rn; i++) box_add(&s.box, h->cur, h->ridx[i]);
    if (res) {
        res->changed = s.n;
        res->box = s.box;
    }
    if (h->rn == 0) {
        h->cur = NULL;
        return SV_OK;
    }
    /* room for one more step (redo steps are dropped below, so nundo slots are in use) */
    if (h->nundo == h->stepcap) {
        int ncap = h->stepcap ? h->stepcap * 2 : 64;
        step *ns = (step *)SV_REALLOC(h->steps, (size_t)ncap * sizeof *ns);
        if (!ns) return rollback(h, res);
        h->steps = ns;
        h->stepcap = ncap;
    }
    worst = h->rn * 12; /* <= 10 bytes of varint + old + new */
    packed = (uint8_t *)SV_MALLOC(worst);
    if (!packed) return rollback(h, res);
    for (i = 0; i < h->rn; i++) {
        int64_t d = (int64_t)h->ridx[i] - prev;
        prev = (int64_t)h->ridx[i];
        pos += put_varint(packed + pos, d < 0 ? ((uint64_t)(-(d + 1)) << 1) | 1 : (uint64_t)d << 1);
        packed[pos++] = h->rold[i];
        packed[pos++] = h->rnew[i];
    }
    s.packed = (uint8_t *)SV_REALLOC(packed, pos);
    if (!s.packed) s.packed = packed;
    s.bytes = pos;
    while (h->nsteps > h->nundo) drop_step(h, h->nsteps - 1); /* a new step clears redo */
    h->steps[h->nsteps++] = s;
    h->nundo = h->nsteps;
    h->used += s.bytes;
    while (h->used > h->cap && h->nsteps > 1) drop_step(h, 0);
    h->cur = NULL;
    return SV_OK;
}

static void apply(const step *s, int redo)
{
    uint8_t *d = (uint8_t *)s->layer->data;
    const uint8_t *p = s->packed;
    int64_t idx = 0;
    size_t i;
    for (i = 0; i < s->n; i++) {
        uint64_t z = get_varint(&p);
        idx += (z & 1) ? -(int64_t)(z >> 1) - 1 : (int64_t)(z >> 1);
        d[idx] = redo ? p[1] : p[0];
        p += 2;
    }
}

static sv_status move(sv_history *h, int redo, sv_volume **layer, sv_edit_result *res)
{
    step *s;
    *layer = NULL;
    if (res) {
        res->changed = 0;
        box_empty(&res->box);
    }
    if (h->cur) return sv_fail(SV_EINVAL, "finish the edit in progress before undo or redo");
    if (redo ? h->nundo == h->nsteps : h->nundo == 0) return SV_OK;
    s = &h->steps[redo ? h->nundo : h->nundo - 1];
    apply(s, redo);
    h->nundo += redo ? 1 : -1;
    *layer = s->layer;
    if (res) {
        res->changed = s->n;
        res->box = s->box;
    }
    return SV_OK;
}

sv_status sv_history_undo(sv_history *h, sv_volume **layer, sv_edit_result *res) { return move(h, 0, layer, res); }
sv_status sv_history_redo(sv_history *h, sv_volume **layer, sv_edit_result *res) { return move(h, 1, layer, res); }

int sv_history_undo_count(const sv_history *h) { return h->nundo; }
int sv_history_redo_count(const sv_history *h) { return h->nsteps - h->nundo; }
size_t sv_history_bytes(const sv_history *h) { return h->used; }

void sv_history_forget(sv_history *h, const sv_volume *layer)
{
    int i;
    for (i = h->nsteps; i-- > 0;)
        if (h->steps[i].layer == layer) drop_step(h, i);
    if (h->cur == layer) h->cur = NULL;
}
