/* snic.c — 3D supervoxels by Simple Non-Iterative Clustering, and their index.
 *
 * ALGORITHM: SNIC (R. Achanta, S. Susstrunk, "Superpixels and Polygons using
 * Simple Non-Iterative Clustering", CVPR 2017), extended to 3D and to
 * millimetres, grown tile by tile. Seeds sit on a regular grid of step S mm
 * (S from the target count over the foreground volume); a priority queue pops
 * the (voxel, label) pair with the smallest distance to the label's running
 * centroid, labels the voxel, updates the centroid and pushes the voxel's
 * unlabelled 6-neighbours. The distance is SLIC's (skimage.segmentation.slic):
 * d^2 = dI^2 + (ds/S)^2 m^2 with intensities normalised to [0, 1] and
 * compactness m, so parameters mean what they mean in skimage. Why SNIC
 * rather than SLIC: one pass instead of ~10 iterations, and every supervoxel
 * is 6-connected by construction (it grows only through 6-neighbours), so
 * SLIC's connectivity clean-up is not needed. Foreground voxels no seed
 * reached (islands cut off by background) get seeds of their own, in raster
 * order, so everything is covered.
 *
 * Departures from the paper's single global queue, for speed:
 * - Tiles and bands. A global queue pops voxels all over the volume (the
 *   front of every supervoxel advances at once), so each step was a cache
 *   miss. Here the volume is cut into 32^3-voxel tiles and the distances into
 *   8 bands (4 octaves of d^2 each); the queue holds one tile's entries of the
 *   current band, and the growth runs inside that tile's 256 KB of records
 *   until the band is exhausted there, then moves on to the next tile with
 *   waiting entries (by colour phases, below; repeated until none is left),
 *   then to the next band. The order is exact within a tile; across a tile
 *   face it can differ from the global one only between entries of the same
 *   band. The records are stored tile by tile (rec_of), so a tile's are one
 *   contiguous block and its neighbours 1, 32 and 1024 records away: fewer
 *   cache and TLB misses than rows 256 records and slices 64K records apart,
 *   and the voxel's coordinates come from shifts, not divisions.
 * - A voxel is queued again by the supervoxel that already queued it only if
 *   d^2 drops by more than a factor 2^0.5 (its centroid moved a little
 *   closer); a different supervoxel requeues it for any gain. Such small
 *   requeues were half of all queue traffic and barely change the result.
 * - Colour phases (threads). Within a band the tiles are grown in 8 phases by
 *   colour (tile coordinates mod 2: tiles of one colour never share a face),
 *   and the tiles of a phase grow in parallel (supervox/parallel.h), grouped
 *   when they hold entries of one supervoxel so that its centroid grows in one
 *   order; entries for other tiles join the waiting lists after the phase in
 *   group order. The order depends on the image alone, so the map is the same
 *   for any thread count; against the raster order of tiles it moved boundary
 *   recall and undersegmentation error on the demo brain by at most 0.006.
 * On the demo brain at 1000 and 5000 supervoxels both left boundary recall
 * and undersegmentation error within 0.01 of the global-queue version
 * (docs/bench-results.md), still well ahead of skimage slic.
 * The queue is a bucket queue over log2(d^2) with 2048 buckets per octave
 * (read off the double's exponent and top mantissa bits: no sqrt), LIFO
 * within a bucket: O(1) per operation, and ties resolve in push order, so
 * the result is deterministic. It keeps its lowest non-empty bucket and
 * looks for the next one (three levels of bits) only when that one empties.
 * In wasm two things decide the speed besides the algorithm: the growth
 * loop must get its helpers inlined (HOT_INLINE; clang had left offer() a
 * call), and V8 moves a function to its optimising tier only between calls,
 * so the once-per-call passes over the volume (value range, records, map,
 * islands, index) run as pieces called many times (sv_serial_for) instead of
 * one long loop in the baseline tier; the range, records and map pieces run
 * in parallel in the threaded build.
 * MEMORY: 8 bytes/voxel of the volume padded to whole tiles while running
 * (label, intensity, best bucket: all the growth reads of a voxel in one
 * record; 256^3: no padding, the demo brain 133x139x182: +46%), turned in
 * place into the 4-byte output through a buffer of 32 slices of labels, +
 * 12 bytes per queued entry of the active tile + 12 bytes per waiting entry
 * (the growing front) + 264 KB of buckets and their bits + 32 bytes per
 * tile + 40 bytes per supervoxel; all but the output is freed on return.
 * PERFORMANCE: O(n): each voxel is queued about once (1.13 times on the demo
 * brain, plus 0.3 times onto a waiting list) and popped as often; with the
 * records visited tile by tile this is 2-3x faster than the global queue on
 * the demo brain and about 2x at 256^3 (a large flat background); see
 * docs/bench-results.md. At 256^3 unmasked, 20000 supervoxels (brain256),
 * against the colour-phase driver with raster-ordered records and the
 * per-call loops (7e9a653), same maps, medians of runs alternating with it
 * on a shared 2-core machine: wasm single-threaded 4.20 -> 2.96 s for the
 * supervoxels (9 runs in one Node process; ~175 ns per voxel), 4.86 ->
 * 3.57 s for the whole segmenter; a first call in a fresh process (what a
 * page does) 3.97 -> 2.77 s and 4.83 -> 3.55 s (10 runs); threaded wasm (2
 * threads) 2.46 -> 1.63 s and 3.08 -> 2.31 s; native, one thread, CPU time
 * 2.81 -> 2.12 s, two threads 1.73 -> 1.28 s; the demo brain at 5000 in
 * wasm 0.82 -> 0.61 s. The growth loop is most of it (native cachegrind,
 * demo brain: ~350 instructions and ~4 mispredicted branches per voxel).
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "supervox/parallel.h"
#include "supervox/supervoxels.h"

/* The growth loop's helpers are inlined into it, their rare paths kept out
 * of it: clang for wasm left offer() a call (a third of the time in V8). */
#if defined(__GNUC__)
#define HOT_INLINE static inline __attribute__((always_inline))
#define COLD static __attribute__((noinline))
#else
#define HOT_INLINE static inline
#define COLD static
#endif

#define BG_LABEL 0x7fffffffu /* background while running; 0 in the output */
#define QUEUED 0x80000000u    /* flag on an unlabelled voxel's lab: the label of its best entry follows */
/* labelled (1 .. BG_LABEL - 1) or background */
#define SETTLED(lab) ((uint32_t)(lab) - 1u < BG_LABEL)

/* The priority queue: QBINS buckets of d^2 on a log scale (bucket_of), LIFO
 * within a bucket (what was just pushed, near what was just popped, comes
 * next; ties resolve in push order, so the result is deterministic). Push and
 * pop are O(1); entries live in one pool with a free list. */
#define QBINS 65536

typedef struct qent {
    uint32_t idx, lab, next;
} qent;

/* A few words (the growth loop keeps a copy in registers) and three blocks. */
typedef struct queue {
    uint32_t *head; /* per bucket; UINT32_MAX = empty */
    qent *pool;
    /* which buckets are non-empty: QBINS / 64 words of a bit per bucket, then
       QBINS / 64 / 64 words of a bit per word of those; top: a bit per word of those */
    uint64_t *bits;
    uint32_t used, cap, free_list;
    uint32_t lo;  /* the lowest non-empty bucket; QBINS when the queue is empty */
    uint32_t top; /* QBINS / 64 / 64 = 16 bits */
} queue;
#define QWORDS (QBINS / 64) /* where the second level of bits starts */

#define QNIL UINT32_MAX
#define NEVER (QBINS - 1) /* best of a voxel never queued; bucket_of stays below */
/* a supervoxel requeues a voxel it queued only if the bucket drops by more
 * than this (1024 buckets: d^2 by a factor 2^0.5) */
#define MARGIN 1024

static int queue_init(queue *q)
{
    memset(q, 0, sizeof *q); /* all buckets empty */
    q->head = (uint32_t *)SV_MALLOC(QBINS * sizeof *q->head);
    q->bits = (uint64_t *)SV_CALLOC(QWORDS + QWORDS / 64, sizeof *q->bits);
    if (!q->head || !q->bits) return 0;
    memset(q->head, 0xff, QBINS * sizeof *q->head);
    q->free_list = QNIL;
    q->lo = QBINS;
    return 1;
}

static void queue_free(queue *q)
{
    SV_FREE(q->head);
    SV_FREE(q->bits);
    SV_FREE(q->pool);
}

/* The bucket of a squared distance: log-scale, from the top bits of the
 * double (exponent and the first QMANT mantissa bits), which order like the
 * value for non-negative doubles. QMANT bits give a relative step of
 * 2^-QMANT in d^2 (2^-(QMANT+1) in d); d^2 below 2^QEXP_LO shares bucket 0,
 * above 2^(QEXP_LO + QBINS / 2^QMANT) the last. No sqrt, no division. */
#define QMANT 11
#define QEXP_LO (-26)

static uint32_t bucket_of(double d2)
{
    uint64_t u;
    int64_t b;
    memcpy(&u, &d2, sizeof u);
    b = (int64_t)(u >> (52 - QMANT)) - ((int64_t)(1023 + QEXP_LO) << QMANT) + 1;
    b = b < 1 ? 0 : b; /* selects, not branches */
    b = b < QBINS - 2 ? b : QBINS - 2;
    return (uint32_t)b;
}

/* The pool with twice the room (cap doubled), or NULL when out of memory
 * (the pool stays). Takes and returns values, not q: the growth loop's copy
 * of the queue stays in registers. */
COLD qent *queue_grow(qent *pool, uint32_t *cap)
{
    uint32_t ncap = *cap ? *cap * 2 : 65536;
    qent *np = ncap < *cap ? NULL : (qent *)SV_REALLOC(pool, (size_t)ncap * sizeof *np);
    if (np) *cap = ncap;
    return np;
}

HOT_INLINE int queue_push(queue *q, uint32_t b, uint32_t idx, uint32_t lab)
{
    uint32_t e;
    if (q->free_list != QNIL) {
        e = q->free_list;
        q->free_list = q->pool[e].next;
    } else {
        if (q->used == q->cap) {
            uint32_t cap = q->cap;
            qent *np = queue_grow(q->pool, &cap);
            if (!np) return 0;
            q->pool = np;
            q->cap = cap;
        }
        e = q->used++;
    }
    q->pool[e].idx = idx;
    q->pool[e].lab = lab;
    q->pool[e].next = q->head[b]; /* LIFO: what was just pushed, near what was just popped, comes next */
    if (q->head[b] == QNIL) {
        q->bits[b >> 6] |= (uint64_t)1 << (b & 63);
        q->bits[QWORDS + (b >> 12)] |= (uint64_t)1 << ((b >> 6) & 63);
        q->top |= 1u << (b >> 12);
        if (b < q->lo) q->lo = b;
    }
    q->head[b] = e;
    return 1;
}

/* The lowest non-empty bucket at or above b, QBINS if none: the bits of
 * b's word from b up, else the words above, else the groups above. */
static uint32_t queue_next(const queue *q, uint32_t b)
{
    uint64_t m = q->bits[b >> 6] & (~(uint64_t)0 << (b & 63));
    uint32_t w, word;
    if (m) return (b & ~63u) + (uint32_t)__builtin_ctzll(m);
    word = (b >> 6) + 1;
    if ((word & 63) && (m = q->bits[QWORDS + (word >> 6)] & (~(uint64_t)0 << (word & 63))) != 0)
        word = (word & ~63u) + (uint32_t)__builtin_ctzll(m);
    else {
        uint32_t t;
        w = (b >> 12) + 1;
        t = w < 32 ? q->top >> w << w : 0;
        if (!t) return QBINS;
        w = (uint32_t)__builtin_ctz(t);
        word = (w << 6) + (uint32_t)__builtin_ctzll(q->bits[QWORDS + w]);
    }
    return (word << 6) + (uint32_t)__builtin_ctzll(q->bits[word]);
}

/* Pop the newest entry of the lowest bucket (the queue must not be empty). */
static void queue_pop(queue *q, uint32_t *idx, uint32_t *lab)
{
    uint32_t b = q->lo, e = q->head[b];
    q->head[b] = q->pool[e].next;
    if (q->head[b] == QNIL) {
        q->bits[b >> 6] &= ~((uint64_t)1 << (b & 63));
        if (!q->bits[b >> 6]) {
            q->bits[QWORDS + (b >> 12)] &= ~((uint64_t)1 << ((b >> 6) & 63));
            if (!q->bits[QWORDS + (b >> 12)]) q->top &= ~(1u << (b >> 12));
        }
        q->lo = queue_next(q, b);
    }
    *idx = q->pool[e].idx;
    *lab = q->pool[e].lab;
    q->pool[e].next = q->free_list;
    q->free_list = e;
}

void sv_sv_params_default(sv_sv_params *p)
{
    p->target_count = 20000;
    p->size_mm = 0;
    p->compactness = 0.1;
    p->threshold = -HUGE_VAL;
}

typedef struct centroid {
    double x, y, z, v; /* sums: mm, mm, mm, normalised intensity */
    double n;
} centroid;

/* Everything the growth reads of a voxel, in one 8-byte record (one cache miss). */
typedef struct vox {
    uint32_t lab;  /* 0 never queued, QUEUED | label of its best entry, BG_LABEL background, else its supervoxel */
    uint16_t q;    /* normalised intensity * 65535 */
    uint16_t best; /* lowest bucket this voxel was queued with (NEVER if never) */
} vox;

/* Tiles and bands. The volume is cut into TILE^3-voxel tiles; the queue
 * above holds only the entries of one tile (the active one) whose bucket is
 * below the current band's end. Entries for other tiles, or for later bands,
 * wait in per-(band, tile) lists of chunks. Bands are processed in order, and
 * in each band every tile with waiting entries in turn (in raster order,
 * again until none is left), so the growth stays inside one tile's 256 KB of
 * voxel records for many steps instead of jumping across the volume. */
#define TSH 5 /* tile edge 2^TSH voxels: 32^3 voxels, 256 KB of records (16^3: slower in wasm) */
#define TILE (1u << TSH)
#define BAND_SHIFT 13 /* a band is 2^BAND_SHIFT buckets: four octaves of d^2 (one octave: ~10% slower, same quality) */
#define NBANDS (QBINS >> BAND_SHIFT)
#define PCHUNK 10

typedef struct pent {
    uint32_t idx, lab, bk;
} pent;

typedef struct pchunk {
    uint32_t next, n;
    pent e[PCHUNK];
} pchunk; /* 128 bytes */

/* What a tile grown in parallel sends to the waiting lists, kept in order
 * and added to them after the phase (the lists are shared). */
typedef struct oent {
    uint32_t tile, idx, lab, bk;
} oent;

typedef struct outbuf {
    oent *e;
    size_t n, cap;
} outbuf;

typedef struct snic {
    const sv_volume *img;
    vox *v;
    queue h;
    centroid *c;
    uint32_t nlab, ccap;
    double inv_s2m2; /* m^2 / S^2 */
    size_t done, nfg;
    sv_progress_fn progress;
    void *ctx;
    /* tiles */
    uint32_t tdim[3], ntiles; /* tiles along each axis, in all */
    uint32_t *phead;          /* NBANDS * ntiles chunk lists (QNIL = empty), band-major */
    pchunk *chunks;
    uint32_t cused, ccapc, cfree;
    uint32_t cur_tile, band, bend; /* the active tile, band, and the band's end (bucket) */
    uint32_t tsel, tcur;           /* n & tsel == tcur: record n goes to the queue (islands: 0 and 0, all of it) */
    outbuf *out;                   /* while growing tiles in parallel: where waiting entries go */
} snic;

/* The record of voxel (x, y, z): records are stored tile by tile (tiles in
 * raster order, TILE^3 records each, the volume padded to whole tiles), so
 * a tile's records are one contiguous block and neighbours within a tile sit
 * 1, TILE and TILE^2 records apart. */
#define TVOX (1u << (3 * TSH))
static uint32_t rec_of(const snic *s, uint32_t x, uint32_t y, uint32_t z)
{
    uint32_t t = ((z >> TSH) * s->tdim[1] + (y >> TSH)) * s->tdim[0] + (x >> TSH);
    return t << (3 * TSH) | (z & (TILE - 1)) << (2 * TSH) | (y & (TILE - 1)) << TSH | (x & (TILE - 1));
}

/* The record of voxel x of a row whose first record is row (rec_of(s, 0, y, z)). */
#define ROW_REC(x) (((x) >> TSH) << (3 * TSH) | ((x) & (TILE - 1)))

static sv_status new_label(snic *s, uint32_t *out)
{
    if (s->nlab + 1 >= BG_LABEL) return sv_fail(SV_ERANGE, "more than 2^31 - 2 supervoxels");
    if (s->nlab + 1 >= s->ccap) {
        uint32_t ncap = s->ccap ? s->ccap * 2 : 1024;
        centroid *nc = (centroid *)SV_REALLOC(s->c, (size_t)ncap * sizeof *nc);
        if (!nc) return sv_fail(SV_ENOMEM, "out of memory seeding supervoxels");
        s->c = nc;
        s->ccap = ncap;
    }
    *out = ++s->nlab;
    memset(&s->c[*out], 0, sizeof s->c[*out]);
    return SV_OK;
}

/* Put an entry on tile t's waiting list for its band (never an earlier band than the current one). */
static int pend_push(snic *s, uint32_t t, uint32_t bk, uint32_t idx, uint32_t L)
{
    uint32_t band = bk >> BAND_SHIFT, *head, c;
    pchunk *ch;
    if (band < s->band) band = s->band;
    head = &s->phead[(size_t)band * s->ntiles + t];
    c = *head;
    if (c == QNIL || s->chunks[c].n == PCHUNK) {
        if (s->cfree != QNIL) {
            c = s->cfree;
            s->cfree = s->chunks[c].next;
        } else {
            if (s->cused == s->ccapc) {
                uint32_t ncap = s->ccapc ? s->ccapc * 2 : 4096;
                pchunk *np = (pchunk *)SV_REALLOC(s->chunks, (size_t)ncap * sizeof *np);
                if (!np || ncap < s->ccapc) return 0;
                s->chunks = np;
                s->ccapc = ncap;
            }
            c = s->cused++;
        }
        s->chunks[c].next = *head;
        s->chunks[c].n = 0;
        *head = c;
    }
    ch = &s->chunks[c];
    ch->e[ch->n].idx = idx;
    ch->e[ch->n].lab = L;
    ch->e[ch->n].bk = bk;
    ch->n++;
    return 1;
}

static int out_push(outbuf *o, uint32_t t, uint32_t bk, uint32_t idx, uint32_t L)
{
    if (o->n == o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 1024;
        oent *ne = (oent *)SV_REALLOC(o->e, ncap * sizeof *ne);
        if (!ne) return 0;
        o->e = ne;
        o->cap = ncap;
    }
    o->e[o->n].tile = t;
    o->e[o->n].idx = idx;
    o->e[o->n].lab = L;
    o->e[o->n].bk = bk;
    o->n++;
    return 1;
}

/* Put an entry for record n on the waiting list of n's tile (through the
 * phase's buffer while tiles grow in parallel); 0 when out of memory. */
COLD int wait_push(snic *s, uint32_t n, uint32_t bk, uint32_t L)
{
    if (s->out) return out_push(s->out, n >> (3 * TSH), bk, n, L);
    return pend_push(s, n >> (3 * TSH), bk, n, L);
}

/* Queue neighbour n (record index; spatial term sd2 = (ds/S)^2 m^2 already
 * scaled) for label L (QL: QUEUED | L) if it gets closer than any entry it
 * already has: into the queue if it belongs to the active tile and band
 * (n & tsel == tcur, bucket below bend), else onto a waiting list. Returns 0
 * when out of memory. */
HOT_INLINE int offer(snic *s, queue *q, vox *v, uint32_t n, double sd2, double cv, uint32_t L, uint32_t QL,
                     uint32_t tsel, uint32_t tcur, uint32_t bend)
{
    vox *w = &v[n];
    const uint32_t lab = w->lab, best = w->best;
    double dv;
    uint32_t bk;
    if (SETTLED(lab)) return 1;
    dv = w->q * (1.0 / 65535.0) - cv;
    bk = bucket_of(dv * dv + sd2);
    /* an entry at least as good is already queued (this one would pop later
       and be skipped; best is NEVER, above any bucket, if there is none); or
       the same supervoxel's, a little worse (its centroid moved): keep it.
       One branch for both (an entry of L's means best was set). */
    if ((bk >= best) | ((lab == QL) & (bk + MARGIN >= best))) return 1;
    w->best = (uint16_t)bk;
    w->lab = QL;
    if ((n & tsel) == tcur && bk < bend) return queue_push(q, bk, n, L);
    return wait_push(s, n, bk, L);
}

/* Grow from whatever is in the queue until it is empty. */
static sv_status grow(snic *s)
{
    const uint32_t nx = (uint32_t)s->img->dim[0], ny = (uint32_t)s->img->dim[1], nz = (uint32_t)s->img->dim[2];
    const uint32_t M = TILE - 1, tx = s->tdim[0], txy = s->tdim[0] * s->tdim[1];
    /* record steps to the neighbour along y and z when it lies in the next tile that way */
    const uint32_t ystep = tx * TVOX - M * TILE, zstep = txy * TVOX - M * TILE * TILE;
    const uint32_t tsel = s->tsel, tcur = s->tcur, bend = s->bend;
    const double sp0 = s->img->spacing[0], sp1 = s->img->spacing[1], sp2 = s->img->spacing[2];
    const double k = s->inv_s2m2;
    vox *const v = s->v;
    centroid *const cen = s->c;
    queue qc = s->h, *const q = &qc; /* a copy in locals (registers), stored back on the way out */
    size_t done = s->done;
    sv_status st = SV_OK;
    uint32_t last_t = UINT32_MAX, ox = 0, oy = 0, oz = 0;
    while (q->lo < QBINS) {
        uint32_t idx, L, QL, i, j, kk, lx, ly, lz, t;
        centroid *c;
        double inv, cv, ex, ey, ez, exm, exp, eym, eyp, ezm, ezp, ex2, ey2, ez2;
        int ok = 1;
        queue_pop(q, &idx, &L);
        if (SETTLED(v[idx].lab)) continue;
        v[idx].lab = L;
        QL = QUEUED | L;
        /* record -> (i, j, kk): the tile's origin (divisions only when the tile changes) plus the offsets within */
        t = idx >> (3 * TSH);
        if (t != last_t) {
            last_t = t;
            oz = (t / txy) << TSH;
            oy = (t % txy / tx) << TSH;
            ox = (t % tx) << TSH;
        }
        lx = idx & M;
        ly = (idx >> TSH) & M;
        lz = (idx >> (2 * TSH)) & M;
        i = ox + lx;
        j = oy + ly;
        kk = oz + lz;
        c = &cen[L];
        c->x += i * sp0;
        c->y += j * sp1;
        c->z += kk * sp2;
        c->v += v[idx].q * (1.0 / 65535.0);
        c->n += 1;
        inv = 1.0 / c->n;
        cv = c->v * inv;
        /* offsets from the centroid of the voxel and of its neighbours along each axis */
        ex = i * sp0 - c->x * inv;
        ey = j * sp1 - c->y * inv;
        ez = kk * sp2 - c->z * inv;
        exm = ex - sp0;
        exp = ex + sp0;
        eym = ey - sp1;
        eyp = ey + sp1;
        ezm = ez - sp2;
        ezp = ez + sp2;
        ex2 = ex * ex;
        ey2 = ey * ey;
        ez2 = ez * ez;
        /* a neighbour across a tile face is in the next tile that way */
#define OFFER(n, sd2) ok &= offer(s, q, v, n, sd2, cv, L, QL, tsel, tcur, bend)
        if (i > 0) OFFER(lx ? idx - 1 : idx - TVOX + M, (exm * exm + ey2 + ez2) * k);
        if (i + 1 < nx) OFFER(lx < M ? idx + 1 : idx + TVOX - M, (exp * exp + ey2 + ez2) * k);
        if (j > 0) OFFER(ly ? idx - TILE : idx - ystep, (ex2 + eym * eym + ez2) * k);
        if (j + 1 < ny) OFFER(ly < M ? idx + TILE : idx + ystep, (ex2 + eyp * eyp + ez2) * k);
        if (kk > 0) OFFER(lz ? idx - TILE * TILE : idx - zstep, (ex2 + ey2 + ezm * ezm) * k);
        if (kk + 1 < nz) OFFER(lz < M ? idx + TILE * TILE : idx + zstep, (ex2 + ey2 + ezp * ezp) * k);
#undef OFFER
        if (!ok) {
            st = sv_fail(SV_ENOMEM, "out of memory growing supervoxels");
            break;
        }
        if ((++done & 0xfffff) == 0 && s->progress && s->progress(s->ctx, (double)done / (double)s->nfg)) {
            st = sv_fail(SV_ECANCELLED, "supervoxel computation cancelled");
            break;
        }
    }
    s->h = qc;
    s->done = done;
    return st;
}

/* The tile driver. Bands are run in order; in each, the tiles with waiting
 * entries are grown in 8 colour phases (colour = tile coordinates mod 2, so
 * two tiles of one colour never share a face: what one writes outside itself
 * lies in tiles of other colours, on voxels no other tile of its colour
 * touches), repeated until no tile has entries waiting in the band. Tiles of
 * one phase grow in parallel, but a supervoxel may have entries in two of
 * them, and its centroid must grow in one order: the phase's tiles are
 * grouped by shared supervoxels (union-find), and each group is one piece
 * that grows its tiles in raster order. A piece's waiting entries go to its
 * own buffer and join the shared lists after the phase, tile by tile in raster
 * order (what one thread does directly, without grouping or buffering:
 * grow_phase_serial). So
 * the order of everything depends on the image alone: the map is the same
 * for any thread count (and with threads or without). */
typedef struct tiler {
    snic *s;
    sv_progress_fn progress;  /* s's, called between phases */
    uint32_t band, bend;      /* the phase's band and its end (what the growers copy) */
    snic *w[SV_MAX_THREADS];  /* per thread: a grower (its own queue), sharing s's records and centroids */
    uint32_t *cand, ncand;    /* the phase's tiles with waiting entries, in raster order */
    uint32_t *parent;         /* per tile: union-find over the phase's tiles */
    uint32_t *taken;          /* per tile: the chunk list it grows from this phase */
    uint32_t *owner, *ostamp; /* per supervoxel: the first tile of the phase holding it */
    uint32_t stamp;
    uint32_t *root;           /* per phase tile: its group's root */
    uint32_t *pid;            /* per tile (a root): its piece */
    uint32_t *first, *last;   /* per piece: its first and last tile */
    uint32_t *nextt;          /* per tile: the next of its piece (QNIL ends) */
    uint32_t npieces;
    outbuf *bufs;             /* per piece */
    uint32_t nbufs;
    size_t *ostart, *oend;    /* per tile: its range of its piece's buffer */
} tiler;

static uint32_t uf_find(uint32_t *parent, uint32_t t)
{
    while (parent[t] != t) t = parent[t] = parent[parent[t]];
    return t;
}

/* Move the waiting entries of list c (s's chunks: not w's copy of the
 * pointer, which merging may have moved) that can still win into w's queue;
 * 0 when out of memory. */
COLD int queue_waiting(snic *w, const snic *s, uint32_t c)
{
    while (c != QNIL) {
        const pchunk *ch = &s->chunks[c];
        uint32_t e;
        for (e = 0; e < ch->n; e++) {
            const pent *pe = &ch->e[e];
            const vox *v = &w->v[pe->idx];
            if (!SETTLED(v->lab) && pe->bk <= v->best && !queue_push(&w->h, pe->bk, pe->idx, pe->lab)) return 0;
        }
        c = ch->next;
    }
    return 1;
}

static sv_status grow_piece(void *ctx, size_t piece, unsigned worker)
{
    tiler *T = (tiler *)ctx;
    snic *w = T->w[worker];
    uint32_t t;
    sv_status st;
    if (!w) return sv_fail(SV_ENOMEM, "out of memory growing supervoxels");
    w->out = &T->bufs[piece];
    w->out->n = 0;
    w->band = T->band;
    w->bend = T->bend;
    for (t = T->first[piece]; t != QNIL; t = T->nextt[t]) {
        uint32_t c = T->taken[t];
        w->cur_tile = t;
        w->tcur = t << (3 * TSH);
        T->ostart[t] = w->out->n;
        if (!queue_waiting(w, T->s, c)) return sv_fail(SV_ENOMEM, "out of memory growing supervoxels");
        if ((st = grow(w)) != SV_OK) return st;
        T->oend[t] = w->out->n;
    }
    return SV_OK;
}

/* One phase with one thread: the tiles of colour col with entries waiting in
 * the current band, grown in raster order, each sending its entries for other
 * tiles straight to their lists — the same order as the threads' buffers
 * joined tile by tile (grow_phase), without grouping or buffering. */
static sv_status grow_phase_serial(tiler *T, uint32_t col, int *any)
{
    snic *s = T->s;
    uint32_t *heads = &s->phead[(size_t)s->band * s->ntiles], tx, ty, tz;
    size_t done0 = s->done;
    sv_status st;
    *any = 0;
    s->out = NULL;
    for (tz = col >> 2 & 1; tz < s->tdim[2]; tz += 2)
        for (ty = col >> 1 & 1; ty < s->tdim[1]; ty += 2)
            for (tx = col & 1; tx < s->tdim[0]; tx += 2) {
                uint32_t t = tx + s->tdim[0] * (ty + s->tdim[1] * tz), c = heads[t];
                if (c == QNIL) continue;
                *any = 1;
                heads[t] = QNIL;
                s->cur_tile = t;
                s->tcur = t << (3 * TSH);
                if (!queue_waiting(s, s, c)) return sv_fail(SV_ENOMEM, "out of memory growing supervoxels");
                while (c != QNIL) { /* the list's chunks are free again */
                    uint32_t next = s->chunks[c].next;
                    s->chunks[c].next = s->cfree;
                    s->cfree = c;
                    c = next;
                }
                if ((st = grow(s)) != SV_OK) return st;
            }
    if (T->progress && (done0 >> 20) != (s->done >> 20) && T->progress(s->ctx, (double)s->done / (double)s->nfg))
        return sv_fail(SV_ECANCELLED, "supervoxel computation cancelled");
    return SV_OK;
}

/* One phase: the tiles of colour col with entries waiting in the current
 * band. Sets *any if there were some. */
static sv_status grow_phase(tiler *T, uint32_t col, int *any)
{
    snic *s = T->s;
    uint32_t *heads = &s->phead[(size_t)s->band * s->ntiles], tx, ty, tz, k, p;
    size_t done0 = 0, done1 = 0;
    sv_status st;
    T->ncand = 0;
    T->stamp++;
    for (tz = col >> 2 & 1; tz < s->tdim[2]; tz += 2)
        for (ty = col >> 1 & 1; ty < s->tdim[1]; ty += 2)
            for (tx = col & 1; tx < s->tdim[0]; tx += 2) {
                uint32_t t = tx + s->tdim[0] * (ty + s->tdim[1] * tz), c = heads[t];
                if (c == QNIL) continue;
                heads[t] = QNIL;
                T->taken[t] = c;
                T->parent[t] = t;
                T->cand[T->ncand++] = t;
                /* join the earlier tile of this phase holding one of its supervoxels */
                for (; c != QNIL; c = s->chunks[c].next) {
                    const pchunk *ch = &s->chunks[c];
                    uint32_t e;
                    for (e = 0; e < ch->n; e++) {
                        uint32_t L = ch->e[e].lab;
                        if (T->ostamp[L] != T->stamp) {
                            T->ostamp[L] = T->stamp;
                            T->owner[L] = t;
                        } else {
                            uint32_t a = uf_find(T->parent, T->owner[L]), b = uf_find(T->parent, t);
                            if (a != b) T->parent[a > b ? a : b] = a < b ? a : b;
                        }
                    }
                }
            }
    *any = T->ncand > 0;
    if (!T->ncand) return SV_OK;
    /* pieces: the groups, numbered in the order of their first tile (a
     * group's root is its lowest tile, and tiles come in increasing order);
     * each lists its tiles in raster order */
    for (k = 0; k < T->ncand; k++) T->root[k] = uf_find(T->parent, T->cand[k]);
    T->npieces = 0;
    for (k = 0; k < T->ncand; k++) {
        uint32_t t = T->cand[k], r = T->root[k], id;
        T->nextt[t] = QNIL;
        if (r == t) {
            id = T->pid[t] = T->npieces++;
            T->first[id] = t;
        } else {
            id = T->pid[r];
            T->nextt[T->last[id]] = t;
        }
        T->last[id] = t;
    }
    for (p = 0; p < SV_MAX_THREADS; p++)
        if (T->w[p]) done0 += T->w[p]->done;
    T->band = s->band;
    T->bend = s->bend;
    st = sv_parallel_for(T->npieces, grow_piece, T);
    /* the taken chunks are free again; the pieces' waiting entries join the lists in piece order */
    for (k = 0; k < T->ncand; k++) {
        uint32_t c = T->taken[T->cand[k]];
        while (c != QNIL) {
            uint32_t next = s->chunks[c].next;
            s->chunks[c].next = s->cfree;
            s->cfree = c;
            c = next;
        }
    }
    if (st != SV_OK) return st;
    for (k = 0; k < T->ncand; k++) {
        uint32_t t = T->cand[k];
        const outbuf *o = &T->bufs[T->pid[T->root[k]]];
        size_t e;
        for (e = T->ostart[t]; e < T->oend[t]; e++)
            if (!pend_push(s, o->e[e].tile, o->e[e].bk, o->e[e].idx, o->e[e].lab))
                return sv_fail(SV_ENOMEM, "out of memory growing supervoxels");
    }
    for (p = 0; p < SV_MAX_THREADS; p++)
        if (T->w[p]) done1 += T->w[p]->done;
    if (T->progress && (done0 >> 20) != (done1 >> 20) && T->progress(s->ctx, (double)done1 / (double)s->nfg))
        return sv_fail(SV_ECANCELLED, "supervoxel computation cancelled");
    return SV_OK;
}

/* Run every band: in each, grow every tile with waiting entries, colour by colour, until none is left. */
static sv_status grow_tiled(snic *s)
{
    tiler T;
    uint32_t b, col, p, nthreads = sv_threads();
    int serial;
    size_t nt = s->ntiles;
    sv_status st = SV_OK;
    sv_progress_fn progress = s->progress;
    memset(&T, 0, sizeof T);
    T.s = s;
    T.progress = progress;
    T.cand = (uint32_t *)sv_malloc_n(nt, sizeof *T.cand);
    T.parent = (uint32_t *)sv_malloc_n(nt, sizeof *T.parent);
    T.taken = (uint32_t *)sv_malloc_n(nt, sizeof *T.taken);
    T.first = (uint32_t *)sv_malloc_n(nt, sizeof *T.first);
    T.last = (uint32_t *)sv_malloc_n(nt, sizeof *T.last);
    T.root = (uint32_t *)sv_malloc_n(nt, sizeof *T.root);
    T.pid = (uint32_t *)sv_malloc_n(nt, sizeof *T.pid);
    T.nextt = (uint32_t *)sv_malloc_n(nt, sizeof *T.nextt);
    T.ostart = (size_t *)sv_malloc_n(nt, sizeof *T.ostart);
    T.oend = (size_t *)sv_malloc_n(nt, sizeof *T.oend);
    T.owner = (uint32_t *)sv_malloc_n((size_t)s->nlab + 1, sizeof *T.owner);
    T.ostamp = (uint32_t *)SV_CALLOC((size_t)s->nlab + 1, sizeof *T.ostamp);
    /* at most half the tiles along each axis share a colour: enough buffers for any phase */
    T.nbufs = ((s->tdim[0] + 1) / 2) * ((s->tdim[1] + 1) / 2) * ((s->tdim[2] + 1) / 2);
    T.bufs = (outbuf *)SV_CALLOC(T.nbufs, sizeof *T.bufs);
    if (!T.cand || !T.parent || !T.taken || !T.first || !T.last || !T.root || !T.pid || !T.nextt || !T.owner ||
        !T.ostamp || !T.bufs || !T.ostart || !T.oend) {
        st = sv_fail(SV_ENOMEM, "out of memory growing supervoxels");
        goto done;
    }
    /* the growers: thread 0's is s itself; the others copy it, each with its own queue */
    for (p = 0; p < nthreads && p < SV_MAX_THREADS; p++) {
        snic *w = p == 0 ? s : (snic *)SV_MALLOC(sizeof *w);
        if (!w) continue; /* that thread's pieces fail with ENOMEM */
        if (p > 0) {
            *w = *s;
            if (!queue_init(&w->h)) {
                queue_free(&w->h);
                SV_FREE(w);
                continue;
            }
        }
        w->progress = NULL; /* progress and cancelling between phases (grow_phase), by the caller's thread */
        if (p > 0) w->done = 0;
        T.w[p] = w;
    }
    serial = nthreads < 2 || !T.w[1];
    for (b = 0; b < NBANDS && st == SV_OK; b++) {
        int again = 1;
        s->band = b;
        s->bend = b + 1 < NBANDS ? (b + 1) << BAND_SHIFT : QBINS;
        while (again && st == SV_OK) {
            again = 0;
            for (col = 0; col < 8 && st == SV_OK; col++) {
                int any = 0;
                st = serial ? grow_phase_serial(&T, col, &any) : grow_phase(&T, col, &any);
                again |= any;
            }
        }
    }
done:
    s->out = NULL;
    for (p = 0; p < SV_MAX_THREADS; p++) {
        if (p > 0 && T.w[p]) {
            s->done += T.w[p]->done;
            queue_free(&T.w[p]->h);
            SV_FREE(T.w[p]);
        }
    }
    s->progress = progress;
    for (p = 0; T.bufs && p < T.nbufs; p++) SV_FREE(T.bufs[p].e);
    SV_FREE(T.bufs);
    SV_FREE(T.cand);
    SV_FREE(T.parent);
    SV_FREE(T.taken);
    SV_FREE(T.first);
    SV_FREE(T.last);
    SV_FREE(T.root);
    SV_FREE(T.pid);
    SV_FREE(T.nextt);
    SV_FREE(T.ostart);
    SV_FREE(T.oend);
    SV_FREE(T.owner);
    SV_FREE(T.ostamp);
    return st;
}

#define RANGE_SH 20 /* voxels per piece of scaled_range: 2^20 */

typedef struct range_task {
    const sv_volume *img;
    double *lo, *hi; /* per piece: the extremes (stored values for integer types, scaled ones for floating point) */
} range_task;

static sv_status range_piece(void *ctx, size_t piece, unsigned worker)
{
    const range_task *R = (const range_task *)ctx;
    const sv_volume *img = R->img;
    size_t i = piece << RANGE_SH, n = img->nvox - i < ((size_t)1 << RANGE_SH) ? img->nvox : i + ((size_t)1 << RANGE_SH);
    double a = HUGE_VAL, b = -HUGE_VAL;
    (void)worker;
#define RANGE(T)                                                                                                       \
    {                                                                                                                  \
        const T *d = (const T *)img->data;                                                                             \
        T mn = d[i], mx = d[i];                                                                                        \
        for (i++; i < n; i++) {                                                                                        \
            mn = d[i] < mn ? d[i] : mn;                                                                                \
            mx = d[i] > mx ? d[i] : mx;                                                                                \
        }                                                                                                              \
        a = (double)mn;                                                                                                \
        b = (double)mx;                                                                                                \
    }                                                                                                                  \
    break
    switch (img->dtype) {
    case SV_DT_UINT8: RANGE(uint8_t);
    case SV_DT_INT8: RANGE(int8_t);
    case SV_DT_INT16: RANGE(int16_t);
    case SV_DT_UINT16: RANGE(uint16_t);
    case SV_DT_INT32: RANGE(int32_t);
    case SV_DT_UINT32: RANGE(uint32_t);
    default: /* floating point: scale each value; skip NaN and infinities (they would
                leave every finite value at one end of an infinite range) */
        for (; i < n; i++) {
            double x = sv_volume_get(img, i);
            if (!isfinite(x)) continue;
            if (x < a) a = x;
            if (x > b) b = x;
        }
    }
#undef RANGE
    R->lo[piece] = a;
    R->hi[piece] = b;
    return SV_OK;
}

/* The lowest and highest scaled value (NaN and, for floating point, infinities
 * ignored: they normalise to the ends; HUGE_VAL and -HUGE_VAL if there are
 * none), from the pieces' extremes in piece order (the same values as one pass). */
static sv_status scaled_range(const sv_volume *img, double *lo, double *hi)
{
    range_task R;
    size_t np = (img->nvox + ((size_t)1 << RANGE_SH) - 1) >> RANGE_SH, p;
    double a = HUGE_VAL, b = -HUGE_VAL;
    sv_status st;
    R.img = img;
    R.lo = (double *)sv_malloc_n(2 * (np ? np : 1), sizeof *R.lo);
    if (!R.lo) return sv_fail(SV_ENOMEM, "out of memory for supervoxels");
    R.hi = R.lo + np;
    st = sv_parallel_for(np, range_piece, &R);
    for (p = 0; p < np; p++) {
        if (R.lo[p] < a) a = R.lo[p];
        if (R.hi[p] > b) b = R.hi[p];
    }
    SV_FREE(R.lo);
    if (st != SV_OK) return st;
    if (img->dtype != SV_DT_FLOAT32 && img->dtype != SV_DT_FLOAT64 && np) {
        /* integers: scale the extremes (a negative slope swaps them) */
        a = a * img->scl_slope + img->scl_inter;
        b = b * img->scl_slope + img->scl_inter;
        *lo = a < b ? a : b;
        *hi = a < b ? b : a;
    } else {
        *lo = a;
        *hi = b;
    }
    return SV_OK;
}

#define AUTO_BG_SHARE 0.05 /* sv_auto_threshold: the least share of voxels at the minimum */

typedef struct lowest_task {
    const sv_volume *img;
    double lo;       /* the scaled minimum */
    size_t *count;   /* per piece: voxels whose scaled value is lo */
} lowest_task;

static sv_status lowest_piece(void *ctx, size_t piece, unsigned worker)
{
    const lowest_task *L = (const lowest_task *)ctx;
    const sv_volume *img = L->img;
    const double lo = L->lo, slope = img->scl_slope, inter = img->scl_inter;
    size_t i = piece << RANGE_SH, n = img->nvox - i < ((size_t)1 << RANGE_SH) ? img->nvox : i + ((size_t)1 << RANGE_SH);
    size_t c = 0;
    (void)worker;
#define LOWEST(T)                                                                                                      \
    {                                                                                                                  \
        const T *d = (const T *)img->data;                                                                             \
        for (; i < n; i++) c += (double)d[i] * slope + inter == lo;                                                   \
    }                                                                                                                  \
    break
    switch (img->dtype) {
    case SV_DT_UINT8: LOWEST(uint8_t);
    case SV_DT_INT8: LOWEST(int8_t);
    case SV_DT_INT16: LOWEST(int16_t);
    case SV_DT_UINT16: LOWEST(uint16_t);
    case SV_DT_INT32: LOWEST(int32_t);
    case SV_DT_UINT32: LOWEST(uint32_t);
    default:
        for (; i < n; i++) c += sv_volume_get(img, i) == lo;
    }
#undef LOWEST
    L->count[piece] = c;
    return SV_OK;
}

sv_status sv_auto_threshold(const sv_volume *img, double *threshold, double *share)
{
    lowest_task L;
    size_t np = (img->nvox + ((size_t)1 << RANGE_SH) - 1) >> RANGE_SH, p, c = 0;
    double lo, hi;
    sv_status st;
    *threshold = -HUGE_VAL;
    *share = 0;
    if ((st = scaled_range(img, &lo, &hi)) != SV_OK) return st;
    if (!(lo < hi)) return SV_OK; /* no values, or one value: nothing stands out as background */
    L.img = img;
    L.lo = lo;
    L.count = (size_t *)sv_malloc_n(np, sizeof *L.count);
    if (!L.count) return sv_fail(SV_ENOMEM, "out of memory for the background threshold");
    st = sv_parallel_for(np, lowest_piece, &L);
    for (p = 0; p < np; p++) c += L.count[p];
    SV_FREE(L.count);
    if (st != SV_OK) return st;
    if ((double)c < AUTO_BG_SHARE * (double)img->nvox) return SV_OK;
    *threshold = nextafter(lo, HUGE_VAL); /* below it: exactly the voxels at lo */
    *share = (double)c / (double)img->nvox;
    return SV_OK;
}

/* A record for a voxel of scaled value val: background (below the
 * threshold, or NaN) or unlabelled with the value normalised to 0..65535.
 * The lookup table of a 16-bit type holds values outside the image's range
 * too (never used): they are clamped, as converting an out-of-range double
 * to an integer is undefined. */
static vox record_of(double val, double lo, double range, double threshold)
{
    vox r;
    r.best = NEVER;
    if (!(val >= threshold) || val != val) {
        r.lab = BG_LABEL;
        r.q = 0;
    } else {
        double x = (val - lo) / range * 65535.0 + 0.5;
        r.lab = 0;
        r.q = (uint16_t)(x > 0 ? (x < 65535.0 ? x : 65535.0) : 0); /* NaN (inf / inf) too: 0 */
    }
    return r;
}

typedef struct fill_task {
    const snic *s;
    const vox *lut; /* the record of each stored value (8- and 16-bit types), indexed from lmin; or NULL */
    long lmin;
    double lo, range, threshold;
    size_t *nfg; /* per slice: its foreground voxels */
} fill_task;

/* Fill slice z's records (tile order, rec_of). */
static sv_status fill_piece(void *ctx, size_t z, unsigned worker)
{
    const fill_task *F = (const fill_task *)ctx;
    const snic *s = F->s;
    const sv_volume *img = s->img;
    const uint32_t nx = (uint32_t)img->dim[0], ny = (uint32_t)img->dim[1];
    const double slope = img->scl_slope, inter = img->scl_inter, lo = F->lo, range = F->range, threshold = F->threshold;
    const vox *lut = F->lut;
    const long lmin = F->lmin;
    size_t nfg = 0, i = z * nx * ny;
    uint32_t x, y;
    (void)worker;
#define FILL(T)                                                                                                        \
    {                                                                                                                  \
        const T *d = (const T *)img->data;                                                                             \
        for (y = 0; y < ny; y++) {                                                                                     \
            vox *r = s->v + rec_of(s, 0, y, (uint32_t)z);                                                              \
            for (x = 0; x < nx; x += TILE, r += TVOX) { /* a row's run in each tile */                                \
                uint32_t e = nx - x < TILE ? nx - x : TILE, u;                                                         \
                if (lut)                                                                                               \
                    for (u = 0; u < e; u++, i++) {                                                                     \
                        r[u] = lut[(long)d[i] - lmin];                                                                 \
                        nfg += r[u].lab == 0;                                                                          \
                    }                                                                                                  \
                else                                                                                                   \
                    for (u = 0; u < e; u++, i++) {                                                                     \
                        r[u] = record_of(d[i] * slope + inter, lo, range, threshold);                                  \
                        nfg += r[u].lab == 0;                                                                          \
                    }                                                                                                  \
            }                                                                                                          \
        }                                                                                                              \
    }                                                                                                                  \
    break
    switch (img->dtype) {
    case SV_DT_UINT8: FILL(uint8_t);
    case SV_DT_INT8: FILL(int8_t);
    case SV_DT_INT16: FILL(int16_t);
    case SV_DT_UINT16: FILL(uint16_t);
    case SV_DT_INT32: FILL(int32_t);
    case SV_DT_UINT32: FILL(uint32_t);
    case SV_DT_FLOAT32: FILL(float);
    case SV_DT_FLOAT64: FILL(double);
    }
#undef FILL
    F->nfg[z] = nfg;
    return SV_OK;
}

/* Fill the records, slice by slice; padding records stay unwritten: nothing
 * reads them. 8- and 16-bit types go through a table of the record of each
 * stored value (the same arithmetic, once per value instead of once per
 * voxel). Sets *nfg to the foreground count. */
static sv_status fill_records(const snic *s, double lo, double range, double threshold, size_t *nfg)
{
    const sv_volume *img = s->img;
    const size_t nz = (size_t)img->dim[2];
    const double slope = img->scl_slope, inter = img->scl_inter;
    fill_task F;
    vox *lut = NULL;
    long lsize = 0, l;
    size_t z;
    sv_status st;
    F.s = s;
    F.lmin = 0;
    F.lo = lo;
    F.range = range;
    F.threshold = threshold;
    switch (img->dtype) {
    case SV_DT_UINT8: F.lmin = 0, lsize = 256; break;
    case SV_DT_INT8: F.lmin = -128, lsize = 256; break;
    case SV_DT_INT16: F.lmin = -32768, lsize = 65536; break;
    case SV_DT_UINT16: F.lmin = 0, lsize = 65536; break;
    default: break;
    }
    if (lsize) lut = (vox *)SV_MALLOC((size_t)lsize * sizeof *lut); /* without it: per voxel */
    for (l = 0; lut && l < lsize; l++) lut[l] = record_of((double)(l + F.lmin) * slope + inter, lo, range, threshold);
    F.lut = lut;
    F.nfg = (size_t *)sv_malloc_n(nz, sizeof *F.nfg);
    if (!F.nfg) {
        SV_FREE(lut);
        return sv_fail(SV_ENOMEM, "out of memory for supervoxels");
    }
    st = sv_parallel_for(nz, fill_piece, &F);
    for (*nfg = 0, z = 0; z < nz; z++) *nfg += F.nfg[z];
    SV_FREE(F.nfg);
    SV_FREE(lut);
    return st;
}

typedef struct map_task {
    const snic *s;
    uint32_t *buf, z0; /* the labels of slices z0 .. */
} map_task;

/* Slice z0 + dz's labels, raster order, into the buffer. */
static sv_status map_piece(void *ctx, size_t dz, unsigned worker)
{
    const map_task *M = (const map_task *)ctx;
    const snic *s = M->s;
    const uint32_t nx = (uint32_t)s->img->dim[0], ny = (uint32_t)s->img->dim[1], z = M->z0 + (uint32_t)dz;
    uint32_t *b = M->buf + dz * nx * ny, x, y;
    (void)worker;
    for (y = 0; y < ny; y++) {
        const vox *r = s->v + rec_of(s, 0, y, z);
        for (x = 0; x < nx; x += TILE, r += TVOX) { /* a row's run in each tile */
            uint32_t e = nx - x < TILE ? nx - x : TILE, u;
            for (u = 0; u < e; u++) {
                uint32_t l = r[u].lab;
                *b++ = l == BG_LABEL ? 0 : l;
            }
        }
    }
    return SV_OK;
}

/* Turn the records into the raster label map in place: slab by slab (TILE
 * slices, the same voxels in both orders), through a buffer of one slab's
 * labels. The labels of slab z end before the records of slab z + 1 begin
 * (4 bytes a voxel against 8), so nothing unread is overwritten. Returns the
 * map (the records' block) or NULL when the buffer cannot be had. */
static uint32_t *records_to_map(const snic *s)
{
    const uint32_t nx = (uint32_t)s->img->dim[0], ny = (uint32_t)s->img->dim[1], nz = (uint32_t)s->img->dim[2];
    uint32_t *out = (uint32_t *)(void *)s->v, z0;
    const size_t slab = (size_t)nx * ny * (nz < TILE ? nz : TILE);
    map_task M;
    M.s = s;
    M.buf = (uint32_t *)SV_MALLOC((slab ? slab : 1) * sizeof *M.buf);
    if (!M.buf) return NULL;
    for (z0 = 0; z0 < nz; z0 += TILE) {
        uint32_t z1 = nz - z0 < TILE ? nz : z0 + TILE;
        M.z0 = z0;
        sv_parallel_for(z1 - z0, map_piece, &M); /* never fails */
        memcpy(out + (size_t)z0 * nx * ny, M.buf, (size_t)(z1 - z0) * nx * ny * sizeof *M.buf);
    }
    SV_FREE(M.buf);
    return out;
}

/* Islands that no seed reached, in slice z: each unlabelled foreground
 * voxel, in raster order, seeds a supervoxel grown with one queue over the
 * whole volume (s->tsel = s->tcur = 0). */
static sv_status island_piece(void *ctx, size_t z, unsigned worker)
{
    snic *s = (snic *)ctx;
    const uint32_t nx = (uint32_t)s->img->dim[0], ny = (uint32_t)s->img->dim[1];
    uint32_t x, y;
    sv_status st;
    (void)worker;
    for (y = 0; y < ny; y++) {
        const uint32_t row = rec_of(s, 0, y, (uint32_t)z);
        for (x = 0; x < nx; x++) {
            uint32_t L, r = row + ROW_REC(x);
            if (SETTLED(s->v[r].lab)) continue;
            s->v[r].best = 0;
            if ((st = new_label(s, &L)) != SV_OK) return st;
            if (!queue_push(&s->h, 0, r, L)) return sv_fail(SV_ENOMEM, "out of memory seeding supervoxels");
            if ((st = grow(s)) != SV_OK) return st;
        }
    }
    return SV_OK;
}

sv_status sv_supervoxels(const sv_volume *img, const sv_sv_params *p, sv_progress_fn progress, void *ctx,
                         uint32_t **labels, uint32_t *count)
{
    snic s;
    size_t n = img->nvox;
    double lo = HUGE_VAL, hi = -HUGE_VAL, S, range;
    sv_status st = SV_OK;
    int a;
    double stepv[3];
    int32_t cells[3], g[3];

    *labels = NULL;
    *count = 0;
    if (!(p->compactness > 0 && p->compactness < 1e6))
        return sv_fail(SV_EINVAL, "compactness must be above 0 and below 1e6 (got %g)", p->compactness);
    if (p->target_count < 0) return sv_fail(SV_EINVAL, "the supervoxel count must be positive (got %d)", p->target_count);
    if (p->target_count == 0 && !(p->size_mm > 0 && p->size_mm < 1e6))
        return sv_fail(SV_EINVAL, "give a supervoxel count, or a size in mm above 0 and below 1e6 (got %g)", p->size_mm);
    if (n > 0xfffffffeu) return sv_fail(SV_EINVAL, "volumes over 2^32 voxels are not supported for supervoxels");
    memset(&s, 0, sizeof s);
    s.img = img;
    s.progress = progress;
    s.ctx = ctx;
    s.cfree = QNIL;
    s.tsel = ~(TVOX - 1);
    for (a = 0; a < 3; a++) s.tdim[a] = ((uint32_t)img->dim[a] + TILE - 1) >> TSH;
    if ((double)s.tdim[0] * s.tdim[1] * s.tdim[2] * TVOX > 4294967295.0)
        return sv_fail(SV_EINVAL, "volumes over 2^32 voxels (padded to whole %u^3 tiles) are not supported for supervoxels",
                       TILE);
    s.ntiles = s.tdim[0] * s.tdim[1] * s.tdim[2];
    s.v = (vox *)SV_MALLOC((size_t)s.ntiles * TVOX * sizeof *s.v);
    s.phead = (uint32_t *)SV_MALLOC((size_t)NBANDS * s.ntiles * sizeof *s.phead);
    if (!s.v || !s.phead || !queue_init(&s.h)) {
        st = sv_fail(SV_ENOMEM, "out of memory for supervoxels of %zu voxels", n);
        goto done;
    }
    /* normalise to [0, 1] over the whole image (as the Dash app's rescale) and mark the background */
    if ((st = scaled_range(img, &lo, &hi)) != SV_OK) goto done;
    range = hi > lo ? hi - lo : 1.0;
    if ((st = fill_records(&s, lo, range, p->threshold, &s.nfg)) != SV_OK) goto done;
    memset(s.phead, 0xff, (size_t)NBANDS * s.ntiles * sizeof *s.phead);
    if (s.nfg == 0) goto finish; /* all background: no supervoxels */
    S = p->target_count > 0
            ? cbrt((double)s.nfg * img->spacing[0] * img->spacing[1] * img->spacing[2] / (double)p->target_count)
            : p->size_mm;
    if (p->target_count > 0) {
        /* Rounding the cells per axis can miss the target by a lot on thin
         * volumes (20 slices: 2.47 cells -> 2). Scale S within +-30% so that
         * the grid's expected foreground seeds come closest to the target. */
        double fg = (double)s.nfg / (double)n, best = HUGE_VAL, bestS = S, f;
        for (f = 0.7; f <= 1.3; f += 0.005) {
            double prod = fg, err;
            for (a = 0; a < 3; a++) {
                double c = floor((double)img->dim[a] * img->spacing[a] / (S * f) + 0.5);
                prod *= c < 1 ? 1 : c;
            }
            err = fabs(prod - p->target_count);
            if (err < best) {
                best = err;
                bestS = S * f;
            }
        }
        S = bestS;
    }
    s.inv_s2m2 = p->compactness * p->compactness / (S * S);
    for (a = 0; a < 3; a++) {
        /* at most a seed per voxel: a count beyond the voxels (or a size below
         * one) gives a supervoxel per voxel, never two seeds on one voxel (an
         * empty supervoxel), and the cell count is converted only in range */
        double cellv = S / img->spacing[a], c = floor((double)img->dim[a] / cellv + 0.5);
        cells[a] = c < 1 ? 1 : c > (double)img->dim[a] ? img->dim[a] : (int32_t)c;
        stepv[a] = (double)img->dim[a] / cells[a];
    }
    /* grid seeds on foreground voxels */
    for (g[2] = 0; g[2] < cells[2]; g[2]++)
        for (g[1] = 0; g[1] < cells[1]; g[1]++)
            for (g[0] = 0; g[0] < cells[0]; g[0]++) {
                uint32_t L, idx = rec_of(&s, (uint32_t)floor((g[0] + 0.5) * stepv[0]), (uint32_t)floor((g[1] + 0.5) * stepv[1]),
                                         (uint32_t)floor((g[2] + 0.5) * stepv[2]));
                if (s.v[idx].lab == BG_LABEL) continue;
                s.v[idx].best = 0;
                if ((st = new_label(&s, &L)) != SV_OK) goto done;
                if (!pend_push(&s, idx >> (3 * TSH), 0, idx, L)) {
                    st = sv_fail(SV_ENOMEM, "out of memory seeding supervoxels");
                    goto done;
                }
            }
    st = grow_tiled(&s);
    if (st == SV_OK && s.done == s.nfg) goto finish; /* every foreground voxel labelled: no islands */
    /* islands that no seed reached, in raster order: one queue over the whole volume */
    s.tsel = s.tcur = 0;
    s.bend = QBINS;
    if (st == SV_OK) st = sv_serial_for((size_t)img->dim[2], island_piece, &s);
    if (st != SV_OK) goto done;
finish:
    /* the map replaces the records in place, then the block shrinks to the map */
    {
        uint32_t *out = records_to_map(&s), *shrunk;
        if (!out) {
            st = sv_fail(SV_ENOMEM, "out of memory for the supervoxel map");
            goto done;
        }
        shrunk = (uint32_t *)SV_REALLOC(out, n * sizeof *out);
        *labels = shrunk ? shrunk : out;
        s.v = NULL;
    }
    if (progress) progress(ctx, 1.0);
    *count = s.nlab;
done:
    SV_FREE(s.v);
    SV_FREE(s.phead);
    SV_FREE(s.chunks);
    queue_free(&s.h);
    SV_FREE(s.c);
    return st;
}

typedef struct index_task {
    const uint32_t *labels;
    size_t nvox;
    sv_sv_index *ix;
} index_task;

#define INDEX_SH 20 /* voxels per piece of the index build: 2^20 */

/* Count piece's voxels per id (in offsets[id + 1]); refuses ids above the count. */
static sv_status index_count_piece(void *ctx, size_t piece, unsigned worker)
{
    const index_task *I = (const index_task *)ctx;
    const uint32_t *labels = I->labels, count = I->ix->count;
    uint32_t *offsets = I->ix->offsets;
    size_t i = piece << INDEX_SH, n = I->nvox - i < ((size_t)1 << INDEX_SH) ? I->nvox : i + ((size_t)1 << INDEX_SH);
    (void)worker;
    for (; i < n; i++) {
        if (labels[i] > count)
            return sv_fail(SV_EINVAL, "supervoxel id %lu at voxel %zu exceeds the count %lu", (unsigned long)labels[i], i,
                           (unsigned long)count);
        offsets[labels[i] + 1]++;
    }
    return SV_OK;
}

/* Place piece's voxels, offsets[id] being each id's cursor. */
static sv_status index_place_piece(void *ctx, size_t piece, unsigned worker)
{
    const index_task *I = (const index_task *)ctx;
    const uint32_t *labels = I->labels;
    uint32_t *offsets = I->ix->offsets, *voxels = I->ix->voxels;
    size_t i = piece << INDEX_SH, n = I->nvox - i < ((size_t)1 << INDEX_SH) ? I->nvox : i + ((size_t)1 << INDEX_SH);
    (void)worker;
    for (; i < n; i++) voxels[offsets[labels[i]]++] = (uint32_t)i;
    return SV_OK;
}

sv_status sv_sv_index_build(const uint32_t *labels, size_t nvox, uint32_t count, sv_sv_index **out)
{
    sv_sv_index *ix;
    index_task I;
    size_t np = (nvox + ((size_t)1 << INDEX_SH) - 1) >> INDEX_SH;
    uint32_t s;
    sv_status st;
    *out = NULL;
    if (nvox > 0xffffffffu) return sv_fail(SV_EINVAL, "volumes over 2^32 voxels cannot be indexed");
    if (count > 0xfffffffdu) return sv_fail(SV_EINVAL, "too many supervoxels");
    ix = (sv_sv_index *)SV_CALLOC(1, sizeof *ix);
    if (!ix) return sv_fail(SV_ENOMEM, "out of memory for the supervoxel index");
    ix->count = count;
    ix->offsets = (uint32_t *)SV_CALLOC((size_t)count + 2, sizeof *ix->offsets);
    ix->voxels = (uint32_t *)SV_MALLOC((nvox ? nvox : 1) * sizeof *ix->voxels);
    if (!ix->offsets || !ix->voxels) {
        sv_sv_index_free(ix);
        return sv_fail(SV_ENOMEM, "out of memory for the supervoxel index of %zu voxels", nvox);
    }
    I.labels = labels;
    I.nvox = nvox;
    I.ix = ix;
    /* count, prefix-sum, place (pieces in order: sv_serial_for says why): the
       voxels of each id come out in increasing order */
    if ((st = sv_serial_for(np, index_count_piece, &I)) != SV_OK) {
        sv_sv_index_free(ix);
        return st;
    }
    for (s = 0; s <= count; s++) ix->offsets[s + 1] += ix->offsets[s];
    /* place with a moving cursor per id: reuse offsets[s] as the cursor, then shift back */
    sv_serial_for(np, index_place_piece, &I); /* never fails */
    for (s = count + 1; s > 0; s--) ix->offsets[s] = ix->offsets[s - 1];
    ix->offsets[0] = 0;
    *out = ix;
    return SV_OK;
}

void sv_sv_index_free(sv_sv_index *ix)
{
    if (!ix) return;
    SV_FREE(ix->offsets);
    SV_FREE(ix->voxels);
    SV_FREE(ix);
}
