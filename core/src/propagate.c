/* propagate.c — the supervoxel graph, and strokes propagated over it.
 *
 * ALGORITHM (paint): from ../shared/docs/propagation-research.md, measured
 * on real organs: painting only the touched supervoxels plateaus near Dice
 * 0.6, while a competition between the stroke and automatic background
 * markers, decided on intensity edges and limited in reach by the stroke's
 * length, reached ~0.8. Here the competition runs on the supervoxel graph:
 * object markers are the touched supervoxels; background markers are those
 * whose mean intensity lies outside mean +- k sd of the stroke's voxels, or
 * whose centroid is beyond reach x (stroke length + width) from the stroke;
 * a minimax flood (Prim-like, ordered by the largest intensity step on the
 * path so far) gives every other supervoxel to the marker that reaches it
 * over the lowest edges — a watershed on the graph.
 * Edges first: the flood runs once with the beyond-reach markers held back,
 * so the label fills everything within reach that intensity edges enclose;
 * only if more than `enclosed` of its frontier is then cut by the reach (no
 * edge stops it: grey nuclei next to white matter of the same intensity) does
 * it run again with those markers competing, which stops it about halfway to
 * the reach (simulated annotator, 3 slices: spleen 0.76 -> 0.86, mean over
 * brain and CT 0.71 -> 0.72). That second run is a shortest-path
 * competition rather than a watershed: a path costs the sum of its steps
 * in sd plus a constant per step (beyond_cost), so where edges are weak the
 * nearer marker wins (3 slices: brain 0.76 -> 0.79). In that second run, unless strong edges wall
 * the label in (75% of its frontier: ventricles), the strokes' envelope also
 * bounds it: an ellipse per slice of strokes, interpolated between slices
 * and closed beyond the outer ones (envelope_at); in-reach supervoxels well
 * outside it are background markers too. Where no edge exists (grey nuclei
 * in white matter of about their intensity) that is the only evidence of
 * where the structure ends (simulated annotator, 3 slices: thalami
 * 0.52-0.59 -> 0.71-0.79, brain mean 0.68 -> 0.74). A label walled in by
 * strong edges that the reach cuts first tries a longer reach (doubling, up
 * to 32x) while its walls hold (> 4 sd where the reach does not cut it), so
 * a ventricle marked where it is small is followed along (3 slices: lateral
 * ventricles 0.70 / 0.79 -> 0.85 / 0.92); a reach at which it leaks is not
 * kept. To find walls, the first flood looks at least three supervoxels
 * far even from a dot; a label walled by very strong edges where that reach
 * does not cut it counts as walled too (1 slice: a ventricle crossed where
 * it is a thin sheet, 0.04 -> 0.87). Without walls, the strokes' own reach
 * (at least 1.5 supervoxels).
 * A label's strokes work together: the workspace remembers the last 32 paint
 * and erase strokes, and a new one competes jointly with the earlier strokes
 * of its label that still stand (90% of their voxels still hold the label, so
 * undone or erased strokes drop out) and are linked to it (the 4 nearest that
 * strokes_linked accepts: one label on two separate structures stays two):
 * their voxels pool into the intensity model, their supervoxels are object
 * markers, and the box spanned by all their
 * points is in reach — strokes on a few slices fill the structure between
 * them (simulated annotator, 3 slices: brain mean Dice 0.66 -> 0.72).
 * Remembered strokes of other labels that still stand compete too: their
 * supervoxels are background markers of the second flood (and a label whose
 * first flood took one of them goes on to it), so labels drawn side by side
 * meet between their strokes, as seeds compete in 3D Slicer's Grow from
 * seeds (crosses on 3 slices of a hippocampus, then of the amygdala with
 * another label: hippocampus 0.68 -> 0.74, amygdala 0.62 -> 0.66 Dice; the
 * amygdala's spread no longer paints over the hippocampus).
 * Erase strokes that still stand (90% of their voxels still cleared of
 * their label, or of every label for an erase of label 0) compete the same
 * way: what a user erased is a background marker for later paint strokes
 * of that label, so a stroke on the next slice does not flood back into a
 * leak the user just cleared (as background seeds in ITK-SNAP's and 3D
 * Slicer's seeded segmentation). Undo the erase and it drops out.
 * MEMORY: graph ~ (40 + 24 x degree) bytes per supervoxel (adjacency both
 * ways and its edge weights); the stroke workspace 35 bytes per supervoxel
 * (flags, sides, best keys, the flood's heap, slots and stack), sized once;
 * a stroke allocates only its touched voxels (kept between strokes). While
 * the graph is built: 40 bytes per supervoxel of sums and 16 per boundary
 * pair noted (256^3: ~1.6 million faces between supervoxels, fewer pairs).
 * PERFORMANCE: graph build O(nvox + P) for P boundary pairs: one raster
 * pass over the map, then a radix sort (256^3, 20000 supervoxels: ~0.3 s
 * in wasm); a paint stroke O(S) box checks
 * for S supervoxels, distance checks for those in a stroke's box, O(E' + S'
 * log S') on the in-reach part of the graph (S' supervoxels, E' edges: the
 * flood queues each supervoxel once, at its best offer, and those decided
 * at the key just popped not at all) plus the voxels it paints (through the
 * index: no scan of the volume). Joined strokes reach far: at 256^3 with
 * 20000 supervoxels the slowest put 12000 supervoxels in reach and flood
 * them two to four times (edges first, a walled label's longer reach). tests/bench/stroke-latency.mjs there, wasm in Node on a busy
 * 2-core machine: paint median / p95 about 6 / 15 ms (before the indexed
 * heap and these shortcuts, in the same runs: 12 / 30 ms).
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "supervox/propagate.h"

void sv_paint_params_default(sv_paint_params *p)
{
    p->k_sd = 2.5;
    p->reach = 1.0;
    p->enclosed = 0.1;
}

void sv_sv_graph_free(sv_sv_graph *g)
{
    if (!g) return;
    SV_FREE(g->mean);
    SV_FREE(g->sd);
    SV_FREE(g->centroid);
    SV_FREE(g->size);
    SV_FREE(g->adj_off);
    SV_FREE(g->adj);
    SV_FREE(g->adj_w);
    SV_FREE(g);
}

/* The graph is built in one raster pass over the map, a slice per piece
 * (sv_serial_for says why: in wasm, a loop run once stays in V8's baseline
 * tier), in runs along i: each run adds its voxels to its supervoxel's sums
 * (one by one, in increasing voxel order: the order of the index, so the
 * sums are the same as adding a supervoxel's voxels in index order) and
 * notes the pairs of different supervoxels across its +i end and its +j
 * and +k faces (a pair repeated along the run noted once); the pairs are
 * then sorted (radix), made unique and laid out both ways, each
 * supervoxel's neighbours in increasing id. Against walking each
 * supervoxel's voxels through the index (neighbours in all six directions,
 * rows all over the volume): 256^3, 20000 supervoxels, native 350-440 ->
 * 250-290 ms, wasm 430-460 -> 285-325 ms; the same graph but for the order
 * of each list (which no flood or merge result depends on: same labels on
 * the simulated annotator's strokes and on stroke-latency.mjs's). */
typedef struct graph_task {
    const sv_volume *img;
    const uint32_t *labels;
    sv_sv_graph *g;
    double *sum, *sum2, *cx, *cy, *cz; /* per supervoxel */
    uint64_t *pairs;                   /* (lower id) << 32 | higher id */
    size_t npairs, cap;
} graph_task;

/* Note pair (a, b), a != b, both supervoxels; 0 when out of memory. */
static int pair_add(graph_task *G, uint32_t a, uint32_t b)
{
    if (G->npairs == G->cap) {
        size_t ncap = G->cap ? G->cap * 2 : 65536;
        uint64_t *np = (uint64_t *)SV_REALLOC(G->pairs, ncap * sizeof *np);
        if (!np) return 0;
        G->pairs = np;
        G->cap = ncap;
    }
    G->pairs[G->npairs++] = a < b ? (uint64_t)a << 32 | b : (uint64_t)b << 32 | a;
    return 1;
}

static sv_status graph_slice(void *ctx, size_t k, unsigned worker)
{
    graph_task *G = (graph_task *)ctx;
    const sv_volume *img = G->img;
    const int32_t nx = img->dim[0], ny = img->dim[1], nz = img->dim[2];
    const size_t sxy = (size_t)nx * (size_t)ny;
    const double slope = img->scl_slope, inter = img->scl_inter;
    const uint32_t n = G->g->count;
    uint32_t *size = G->g->size;
    int32_t j;
    (void)worker;
    for (j = 0; j < ny; j++) {
        const size_t row0 = k * sxy + (size_t)j * (size_t)nx;
        const uint32_t *row = G->labels + row0;
        const uint32_t *up = j + 1 < ny ? row + nx : NULL, *next = k + 1 < (size_t)nz ? row + sxy : NULL;
        int32_t i = 0;
        while (i < nx) {
            const uint32_t s = row[i];
            int32_t e = i + 1, q;
            uint32_t r, last;
            while (e < nx && row[e] == s) e++;
            if (s == 0 || s > n) { /* background (or no supervoxel) */
                i = e;
                continue;
            }
            r = (uint32_t)(e - i);
            {
                double sum = G->sum[s], sum2 = G->sum2[s];
#define RUN_SUM(T)                                                                                                     \
    {                                                                                                                  \
        const T *d = (const T *)img->data + row0;                                                                      \
        for (q = i; q < e; q++) {                                                                                      \
            double x = d[q] * slope + inter;                                                                           \
            sum += x;                                                                                                  \
            sum2 += x * x;                                                                                             \
        }                                                                                                              \
    }                                                                                                                  \
    break
                switch (img->dtype) {
                case SV_DT_UINT8: RUN_SUM(uint8_t);
                case SV_DT_INT8: RUN_SUM(int8_t);
                case SV_DT_INT16: RUN_SUM(int16_t);
                case SV_DT_UINT16: RUN_SUM(uint16_t);
                case SV_DT_INT32: RUN_SUM(int32_t);
                case SV_DT_UINT32: RUN_SUM(uint32_t);
                case SV_DT_FLOAT32: RUN_SUM(float);
                case SV_DT_FLOAT64: RUN_SUM(double);
                }
#undef RUN_SUM
                G->sum[s] = sum;
                G->sum2[s] = sum2;
            }
            /* integer sums: exact in any order */
            G->cx[s] += (double)r * i + (double)r * (r - 1) / 2;
            G->cy[s] += (double)r * j;
            G->cz[s] += (double)r * (double)k;
            size[s] += r;
            if (e < nx && row[e] != 0 && row[e] <= n && !pair_add(G, s, row[e])) return SV_ENOMEM;
            if (up)
                for (q = i, last = s; q < e; q++)
                    if (up[q] != last) {
                        last = up[q];
                        if (last != s && last != 0 && last <= n && !pair_add(G, s, last)) return SV_ENOMEM;
                    }
            if (next)
                for (q = i, last = s; q < e; q++)
                    if (next[q] != last) {
                        last = next[q];
                        if (last != s && last != 0 && last <= n && !pair_add(G, s, last)) return SV_ENOMEM;
                    }
            i = e;
        }
    }
    return SV_OK;
}

/* Sort keys[0..n) ascending by their low `bits` bits of each 32-bit half
 * (LSD radix, 16-bit digits, through tmp); returns the sorted array (keys or
 * tmp). */
static uint64_t *pairs_sort(uint64_t *keys, uint64_t *tmp, size_t n, int bits, uint32_t *count)
{
    int shifts[4], ns = 0, d;
    shifts[ns++] = 0;
    if (bits > 16) shifts[ns++] = 16;
    shifts[ns++] = 32;
    if (bits > 16) shifts[ns++] = 48;
    for (d = 0; d < ns; d++) {
        const int sh = shifts[d];
        size_t i;
        uint32_t sumc = 0, b;
        uint64_t *t;
        memset(count, 0, 65536 * sizeof *count);
        for (i = 0; i < n; i++) count[(keys[i] >> sh) & 0xffff]++;
        for (b = 0; b < 65536; b++) {
            uint32_t c = count[b];
            count[b] = sumc;
            sumc += c;
        }
        for (i = 0; i < n; i++) tmp[count[(keys[i] >> sh) & 0xffff]++] = keys[i];
        t = keys;
        keys = tmp;
        tmp = t;
    }
    return keys;
}

/* The k-th smallest of x[0..n) (k < n; no NaN), by quickselect: a three-way
 * partition around the median of three; x is reordered. */
static double select_kth(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n; /* the k-th lies in x[lo..hi) */
    for (;;) {
        double a = x[lo], b = x[lo + (hi - lo) / 2], c = x[hi - 1], t;
        double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t lt = lo, i = lo, gt = hi;
        /* x[lo..lt) < pivot, x[lt..i) == pivot, x[gt..hi) > pivot; the pivot
         * is one of the values, so [lt, gt) is not empty and the range shrinks */
        while (i < gt) {
            if (x[i] < pivot) {
                t = x[lt], x[lt++] = x[i], x[i++] = t;
            } else if (x[i] > pivot) {
                t = x[--gt], x[gt] = x[i], x[i] = t;
            } else {
                i++;
            }
        }
        if (k < lt) hi = lt;
        else if (k >= gt) lo = gt;
        else return pivot;
    }
}

sv_status sv_sv_graph_build(const sv_volume *img, const uint32_t *labels, const sv_sv_index *ix, sv_sv_graph **out)
{
    sv_sv_graph *g;
    uint32_t n = ix->count, s, *pos = NULL, *count = NULL;
    uint64_t *tmp = NULL, *sorted;
    size_t i, m = 0, nadj = 0;
    int bits = 0;
    graph_task G;
    *out = NULL;
    memset(&G, 0, sizeof G);
    g = (sv_sv_graph *)SV_CALLOC(1, sizeof *g);
    if (!g) return sv_fail(SV_ENOMEM, "out of memory for the supervoxel graph");
    g->count = n;
    g->mean = (double *)SV_CALLOC((size_t)n + 1, sizeof *g->mean);
    g->sd = (double *)SV_CALLOC((size_t)n + 1, sizeof *g->sd);
    g->centroid = (double *)SV_CALLOC(3 * ((size_t)n + 1), sizeof *g->centroid);
    g->size = (uint32_t *)SV_CALLOC((size_t)n + 1, sizeof *g->size);
    g->adj_off = (uint32_t *)SV_CALLOC((size_t)n + 2, sizeof *g->adj_off);
    G.sum = (double *)SV_CALLOC(5 * ((size_t)n + 1), sizeof *G.sum);
    if (!g->mean || !g->sd || !g->centroid || !g->size || !g->adj_off || !G.sum) goto oom;
    G.sum2 = G.sum + (n + 1);
    G.cx = G.sum2 + (n + 1);
    G.cy = G.cx + (n + 1);
    G.cz = G.cy + (n + 1);
    G.img = img;
    G.labels = labels;
    G.g = g;
    if (sv_serial_for((size_t)img->dim[2], graph_slice, &G) != SV_OK) goto oom;
    for (s = 1; s <= n; s++) {
        uint32_t c = g->size[s];
        if (!c) continue;
        g->mean[s] = G.sum[s] / c;
        g->sd[s] = sqrt(fmax(0.0, G.sum2[s] / c - g->mean[s] * g->mean[s]));
        g->centroid[3 * s] = G.cx[s] / c * img->spacing[0];
        g->centroid[3 * s + 1] = G.cy[s] / c * img->spacing[1];
        g->centroid[3 * s + 2] = G.cz[s] / c * img->spacing[2];
    }
    SV_FREE(G.sum);
    G.sum = NULL;
    /* the pairs, sorted and unique, both ways: each list comes out in increasing id */
    while (bits < 32 && (n >> bits)) bits++;
    tmp = (uint64_t *)SV_MALLOC((G.npairs ? G.npairs : 1) * sizeof *tmp);
    count = (uint32_t *)SV_MALLOC(65536 * sizeof *count);
    pos = (uint32_t *)SV_CALLOC((size_t)n + 2, sizeof *pos);
    if (!tmp || !count || !pos) goto oom;
    sorted = pairs_sort(G.pairs, tmp, G.npairs, bits, count);
    for (i = 0; i < G.npairs; i++)
        if (!m || sorted[i] != sorted[m - 1]) sorted[m++] = sorted[i];
    for (i = 0; i < m; i++) {
        pos[(uint32_t)(sorted[i] >> 32)]++;
        pos[(uint32_t)sorted[i]]++;
    }
    for (s = 1; s <= n; s++) {
        g->adj_off[s] = (uint32_t)nadj;
        nadj += pos[s];
        pos[s] = g->adj_off[s];
    }
    g->adj_off[n + 1] = (uint32_t)nadj;
    g->adj = (uint32_t *)SV_MALLOC((nadj ? nadj : 1) * sizeof *g->adj);
    /* the edges' weights, read by every stroke's flood next to adj (one
     * sequential read instead of a neighbour's mean from anywhere) */
    g->adj_w = (double *)SV_MALLOC((nadj ? nadj : 1) * sizeof *g->adj_w);
    if (!g->adj || !g->adj_w) goto oom;
    for (i = 0; i < m; i++) {
        uint32_t a = (uint32_t)(sorted[i] >> 32), b = (uint32_t)sorted[i];
        g->adj[pos[a]++] = b;
        g->adj[pos[b]++] = a;
    }
    for (s = 1; s <= n; s++) {
        uint32_t a;
        for (a = g->adj_off[s]; a < g->adj_off[s + 1]; a++) g->adj_w[a] = fabs(g->mean[g->adj[a]] - g->mean[s]);
    }
    g->side_mm = n ? cbrt((double)(ix->offsets[n + 1] - ix->offsets[1]) / n * img->spacing[0] * img->spacing[1] * img->spacing[2]) : 0;
    {
        double *sds = (double *)SV_MALLOC(((size_t)n + 1) * sizeof *sds);
        size_t k = 0;
        if (!sds) goto oom;
        for (s = 1; s <= n; s++)
            if (g->size[s]) sds[k++] = g->sd[s];
        g->sd_median = k ? select_kth(sds, k, k / 2) : 0;
        SV_FREE(sds);
    }
    SV_FREE(G.pairs);
    SV_FREE(tmp);
    SV_FREE(count);
    SV_FREE(pos);
    *out = g;
    return SV_OK;
oom:
    SV_FREE(G.sum);
    SV_FREE(G.pairs);
    SV_FREE(tmp);
    SV_FREE(count);
    SV_FREE(pos);
    sv_sv_graph_free(g);
    return sv_fail(SV_ENOMEM, "out of memory for the supervoxel graph");
}

/* --- merging into coarser levels ------------------------------------------------ */

/* One binary min-heap serves both the merge and the flood: entries order by
 * cost, then a, then b (merge: the two supervoxels; flood: side, then id —
 * so the stroke wins ties, and ties resolve the same way every time). */
typedef struct pq {
    double c;
    uint32_t a, b;
} pq;

static int pq_less(const pq *x, const pq *y)
{
    if (x->c != y->c) return x->c < y->c;
    if (x->a != y->a) return x->a < y->a;
    return x->b < y->b;
}

static int pq_push(pq **h, size_t *n, size_t *cap, pq e)
{
    size_t i;
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 1024;
        pq *nh = (pq *)SV_REALLOC(*h, ncap * sizeof *nh);
        if (!nh) return 0;
        *h = nh;
        *cap = ncap;
    }
    i = (*n)++;
    while (i > 0 && pq_less(&e, &(*h)[(i - 1) / 2])) {
        (*h)[i] = (*h)[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    (*h)[i] = e;
    return 1;
}

static pq pq_pop(pq *h, size_t *n)
{
    pq top = h[0], last = h[--*n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && pq_less(&h[c + 1], &h[c])) c++;
        if (!pq_less(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n) h[i] = last;
    return top;
}

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* The flood's queue: an indexed binary min-heap of supervoxels, each at most
 * once, at the best entry offered to it so far (a plain heap would hold every
 * offer and skip the stale ones when they pop: 3-4 per supervoxel on a large
 * stroke). An entry's key packs its cost and side into one integer: the cost
 * (a double >= +0, whose bits order like its value) shifted up one bit, the
 * side (0 object, 1 background) below, so the object wins ties. Entries of
 * equal key pop in any order: at a given cost the object takes everything it
 * reaches over edges no higher, then the background does, which does not
 * depend on the order within. hpos[id] is id's slot, FLOOD_OUT when not
 * queued. Capacity: count + 1 (sized with the workspace: no allocation per
 * stroke). */
#define FLOOD_OUT UINT32_MAX

typedef struct fent {
    uint64_t k;
    uint32_t id;
} fent;

static uint64_t flood_key(double c, int side)
{
    uint64_t u;
    memcpy(&u, &c, sizeof u);
    return u << 1 | (uint64_t)(side - 1);
}

/* The merge's price of joining two groups: Ward's (the growth of the
 * groups' summed squared deviation from their means) over each group's mean
 * intensity, in units of the spread of the supervoxels' means, and its
 * centroid, in units of the mean supervoxel's side, weighted by MERGE_SPACE.
 * Why not the plain intensity difference (what this merged by until session
 * 13): uniform tissue has near-equal means, so its supervoxels chained into
 * a few huge groups snaking through it — on the demo brain at a quarter of
 * 20 070 supervoxels one group held 131 676 voxels and the undersegmentation
 * error against aseg was 0.254 (0.438 at a sixteenth, one group of 356 240),
 * and a short stroke on white matter at the coarser level labelled 153 070
 * voxels across the hemisphere. Ward's size weight makes a group dearer to
 * grow the larger it is; the centroid term keeps it compact. Now 0.108 /
 * 0.138 (the largest group 1 268 / 4 498 voxels), boundary recall 0.935 /
 * 0.916 against 0.929 / 0.886 before; SNIC run directly at 5 000 / 1 000
 * scores 0.107 / 0.133 and 0.914 / 0.873. The bench's CT (19 908): 0.056 /
 * 0.072 against 0.064 / 0.205, recall 0.745 / 0.660 against 0.728 / 0.547.
 * MERGE_SPACE 1e-4 / 1e-3 / 1e-2 on the brain at a quarter: 0.119 / 0.111 /
 * 0.107, recall 0.940 / 0.938 / 0.930; at a sixteenth on the CT 0.082 /
 * 0.075 / 0.072, recall 0.682 / 0.669 / 0.643. */
#define MERGE_SPACE 3e-3

typedef struct merge_group {
    double mean, c[3], size;
} merge_group;

static double merge_cost(const merge_group *x, const merge_group *y)
{
    double d = x->mean - y->mean, c0 = x->c[0] - y->c[0], c1 = x->c[1] - y->c[1], c2 = x->c[2] - y->c[2];
    return (d * d + MERGE_SPACE * (c0 * c0 + c1 * c1 + c2 * c2)) * (x->size * y->size / (x->size + y->size));
}

sv_status sv_sv_merge(const sv_sv_graph *g, uint32_t target, uint32_t *map, uint32_t *groups)
{
    return sv_sv_merge_levels(g, &target, 1, &map, groups);
}

sv_status sv_sv_merge_levels(const sv_sv_graph *g, const uint32_t *targets, int nlevels, uint32_t *const *maps, uint32_t *groups)
{
    uint32_t n = g->count, id, a, left = n, *parent = NULL;
    int l;
    merge_group *grp = NULL;
    double total = 0, mu = 0, var = 0, unit_i, unit_s;
    pq *h = NULL;
    size_t hn = 0, hcap = 0;
    sv_status st = SV_OK;
    for (l = 0; l < nlevels; l++) {
        groups[l] = 0;
        if (targets[l] < 1) return sv_fail(SV_EINVAL, "a merge needs a target of at least one group");
        if (l && targets[l] > targets[l - 1]) return sv_fail(SV_EINVAL, "merge levels must go from fine to coarse");
    }
    parent = (uint32_t *)SV_MALLOC(((size_t)n + 1) * sizeof *parent);
    grp = (merge_group *)SV_MALLOC(((size_t)n + 1) * sizeof *grp);
    if (!parent || !grp) goto oom;
    /* the units: the size-weighted sd of the supervoxels' means (a flat image: 1), the mean side */
    for (id = 1; id <= n; id++) {
        total += g->size[id];
        mu += g->size[id] * g->mean[id];
    }
    mu = total > 0 ? mu / total : 0;
    for (id = 1; id <= n; id++) var += g->size[id] * (g->mean[id] - mu) * (g->mean[id] - mu);
    unit_i = total > 0 && var > 0 ? sqrt(var / total) : 1;
    unit_s = g->side_mm > 0 ? g->side_mm : 1;
    for (id = 0; id <= n; id++) {
        parent[id] = id;
        grp[id].mean = g->mean[id] / unit_i;
        grp[id].c[0] = g->centroid[3 * (size_t)id] / unit_s;
        grp[id].c[1] = g->centroid[3 * (size_t)id + 1] / unit_s;
        grp[id].c[2] = g->centroid[3 * (size_t)id + 2] / unit_s;
        grp[id].size = g->size[id] ? g->size[id] : 1;
    }
    for (id = 1; id <= n; id++)
        for (a = g->adj_off[id]; a < g->adj_off[id + 1]; a++) {
            pq e;
            if (g->adj[a] < id) continue; /* each pair once */
            e.a = id;
            e.b = g->adj[a];
            e.c = merge_cost(&grp[e.a], &grp[e.b]);
            if (!pq_push(&h, &hn, &hcap, e)) goto oom;
        }
    /* greedy: the cheapest pair of groups first; an edge whose groups changed is re-priced lazily
       (joining groups can make an edge to them dearer; a cheaper one merges when it pops). Each
       coarser level goes on from the one before: the same merges as starting afresh */
    for (l = 0; l < nlevels; l++) {
        uint32_t *map = maps[l], next = 0;
        while (left > targets[l] && hn) {
            pq e = pq_pop(h, &hn);
            uint32_t ra = find(parent, e.a), rb = find(parent, e.b), lo, hi;
            merge_group *x, *y;
            double c, s;
            int k;
            if (ra == rb) continue;
            c = merge_cost(&grp[ra], &grp[rb]);
            if (c > e.c) {
                e.c = c;
                if (!pq_push(&h, &hn, &hcap, e)) goto oom;
                continue;
            }
            lo = ra < rb ? ra : rb;
            hi = ra < rb ? rb : ra;
            x = &grp[lo];
            y = &grp[hi];
            s = x->size + y->size;
            x->mean = (x->mean * x->size + y->mean * y->size) / s;
            for (k = 0; k < 3; k++) x->c[k] = (x->c[k] * x->size + y->c[k] * y->size) / s;
            x->size = s;
            parent[hi] = lo;
            left--;
        }
        /* number the groups 1.. in order of their first supervoxel */
        map[0] = 0;
        for (id = 1; id <= n; id++) {
            uint32_t r = find(parent, id);
            map[id] = r == id ? ++next : map[r];
        }
        groups[l] = next;
    }
    goto done;
oom:
    st = sv_fail(SV_ENOMEM, "out of memory merging supervoxels");
done:
    SV_FREE(parent);
    SV_FREE(grp);
    SV_FREE(h);
    return st;
}

/* --- strokes ---------------------------------------------------------------- */

/* Paint strokes remembered per workspace (a ring of the most recent). */
#define SV_STROKE_MEMORY 32
/* A stroke joins at most this many of them (the nearest linked ones). */
#define SV_STROKE_JOIN 4

struct sv_stroke_ws {
    uint32_t count;
    uint8_t *sv;    /* per supervoxel: bit 0 touched, bit 1 in reach, bit 2 touched by another label's stroke */
    uint8_t *side;  /* per supervoxel: 0, 1 object, 2 background */
    uint64_t *best; /* per supervoxel: the key of the best entry the flood queued (flood_key) */
    uint8_t *grp;   /* per group of a coarser level: touched */
    uint32_t *vox;  /* touched voxels */
    size_t vcap;
    fent *heap;     /* the flood's queue (count + 1 entries) */
    uint32_t *hpos; /* per supervoxel: its slot in heap, or FLOOD_OUT */
    uint32_t *stack; /* the flood's supervoxels decided at the current key (count + 1) */
    /* the recent paint and erase strokes (a ring), so a new stroke of a label
     * competes together with the earlier strokes of that label that still
     * stand, and against what was erased */
    struct memo {
        sv_stroke st;   /* its points are pts */
        double *pts;
        uint8_t label;
    } memo[SV_STROKE_MEMORY];
    size_t nmemo, next;
};

sv_status sv_stroke_ws_create(uint32_t count, sv_stroke_ws **out)
{
    sv_stroke_ws *ws = (sv_stroke_ws *)SV_CALLOC(1, sizeof *ws);
    *out = NULL;
    if (!ws) return sv_fail(SV_ENOMEM, "out of memory for stroke scratch");
    ws->count = count;
    ws->sv = (uint8_t *)SV_CALLOC((size_t)count + 1, 1);
    ws->side = (uint8_t *)SV_CALLOC((size_t)count + 1, 1);
    ws->grp = (uint8_t *)SV_CALLOC((size_t)count + 1, 1);
    ws->best = (uint64_t *)SV_MALLOC(((size_t)count + 1) * sizeof *ws->best);
    ws->heap = (fent *)SV_MALLOC(((size_t)count + 1) * sizeof *ws->heap);
    ws->hpos = (uint32_t *)SV_MALLOC(((size_t)count + 1) * sizeof *ws->hpos);
    ws->stack = (uint32_t *)SV_MALLOC(((size_t)count + 1) * sizeof *ws->stack);
    if (!ws->sv || !ws->side || !ws->grp || !ws->best || !ws->heap || !ws->hpos || !ws->stack) {
        sv_stroke_ws_free(ws);
        return sv_fail(SV_ENOMEM, "out of memory for stroke scratch");
    }
    memset(ws->hpos, 0xff, ((size_t)count + 1) * sizeof *ws->hpos); /* FLOOD_OUT: nothing queued */
    *out = ws;
    return SV_OK;
}

void sv_stroke_ws_free(sv_stroke_ws *ws);

static void flood_up(sv_stroke_ws *ws, size_t i, fent e)
{
    fent *h = ws->heap;
    while (i > 0 && e.k < h[(i - 1) / 2].k) {
        h[i] = h[(i - 1) / 2];
        ws->hpos[h[i].id] = (uint32_t)i;
        i = (i - 1) / 2;
    }
    h[i] = e;
    ws->hpos[e.id] = (uint32_t)i;
}

/* Queue id with key k, or lower its entry to k (k must be lower). */
static void flood_offer(sv_stroke_ws *ws, size_t *n, uint64_t k, uint32_t id)
{
    uint32_t at = ws->hpos[id];
    fent e;
    e.k = k;
    e.id = id;
    flood_up(ws, at == FLOOD_OUT ? (*n)++ : at, e);
}

/* Pop the lowest entry (n > 0): its supervoxel, and its key in *k. */
static uint32_t flood_pop(sv_stroke_ws *ws, size_t *n, uint64_t *k)
{
    fent *h = ws->heap, top = h[0], last = h[--*n];
    size_t i = 0;
    ws->hpos[top.id] = FLOOD_OUT;
    *k = top.k;
    if (!*n) return top.id;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && h[c + 1].k < h[c].k) c++;
        if (h[c].k >= last.k) break;
        h[i] = h[c];
        ws->hpos[h[i].id] = (uint32_t)i;
        i = c;
    }
    h[i] = last;
    ws->hpos[last.id] = (uint32_t)i;
    return top.id;
}

void sv_stroke_ws_free(sv_stroke_ws *ws)
{
    size_t i;
    if (!ws) return;
    SV_FREE(ws->sv);
    SV_FREE(ws->side);
    SV_FREE(ws->grp);
    SV_FREE(ws->best);
    SV_FREE(ws->vox);
    SV_FREE(ws->heap);
    SV_FREE(ws->hpos);
    SV_FREE(ws->stack);
    for (i = 0; i < ws->nmemo; i++) SV_FREE(ws->memo[i].pts);
    SV_FREE(ws);
}

typedef struct touched {
    sv_stroke_ws *ws;   /* vox, vcap and sv live here */
    size_t n;
    const uint32_t *labels;
    int oom;
} touched;

static int touch_voxel(void *ctx, size_t idx, const int32_t p[3])
{
    touched *t = (touched *)ctx;
    sv_stroke_ws *ws = t->ws;
    (void)p;
    if (t->n == ws->vcap) { /* grows only past the largest stroke so far */
        size_t ncap = ws->vcap ? ws->vcap * 2 : 1024;
        uint32_t *nv = (uint32_t *)SV_REALLOC(ws->vox, ncap * sizeof *nv);
        if (!nv) {
            t->oom = 1;
            return 1;
        }
        ws->vox = nv;
        ws->vcap = ncap;
    }
    ws->vox[t->n++] = (uint32_t)idx;
    ws->sv[t->labels[idx]] = 1;
    return 0;
}

/* Set a voxel per the stroke's masking rules; -1 on out of memory. */
static int put(sv_history *h, const uint8_t *d, size_t idx, const sv_stroke *st)
{
    if (st->mode == SV_STROKE_ERASE) {
        if (d[idx] == 0 || (st->label != 0 && d[idx] != st->label)) return 0;
        return sv_history_set(h, idx, 0);
    }
    if (d[idx] == st->label || (st->only_unlabelled && d[idx] != 0)) return 0; /* no change, or kept */
    return sv_history_set(h, idx, st->label);
}

/* Paint (or erase) every voxel of supervoxel s. */
static int put_supervoxel(sv_history *h, const uint8_t *d, const sv_sv_index *ix, uint32_t s, const sv_stroke *st)
{
    uint32_t t;
    for (t = ix->offsets[s]; t < ix->offsets[s + 1]; t++)
        if (put(h, d, ix->voxels[t], st) < 0) return -1;
    return 0;
}

/* Distance (mm) from point c to the stroke's polyline, points in voxels. */
static double dist_to_stroke(const double c[3], const sv_stroke *st, const double sp[3])
{
    double best = HUGE_VAL;
    size_t i;
    for (i = 0; i < st->npoints; i++) {
        const double *a = st->points + 3 * (i ? i - 1 : 0), *b = st->points + 3 * i;
        double ab[3], ac[3], l2 = 0, t = 0, d2 = 0;
        int k;
        for (k = 0; k < 3; k++) {
            ab[k] = (b[k] - a[k]) * sp[k];
            ac[k] = c[k] - a[k] * sp[k];
            l2 += ab[k] * ab[k];
        }
        if (l2 > 0) t = fmin(1.0, fmax(0.0, (ac[0] * ab[0] + ac[1] * ab[1] + ac[2] * ab[2]) / l2));
        for (k = 0; k < 3; k++) d2 += (ac[k] - t * ab[k]) * (ac[k] - t * ab[k]);
        if (d2 < best) best = d2;
    }
    return sqrt(best);
}

/* Length (mm) of a stroke's polyline. */
static double stroke_length(const sv_stroke *st, const double sp[3])
{
    double len = 0;
    size_t i;
    for (i = 1; i < st->npoints; i++) {
        double d2 = 0;
        int k;
        for (k = 0; k < 3; k++) d2 += pow((st->points[3 * i + k] - st->points[3 * i - 3 + k]) * sp[k], 2);
        len += sqrt(d2);
    }
    return len;
}

/* How far (mm) a paint stroke's label may spread from it: reach x its
 * length, and at least `min_sv` supervoxels. compete() first looks
 * REACH_WALLS_SV far to find walls: a dot or a short dash (a cross through
 * a ventricle where it is a thin sheet) otherwise reaches only its own
 * supervoxels, so the first flood meets no edge to tell how far the
 * structure goes (simulated annotator, 1 slice: left ventricle 0.04 ->
 * 0.87, hippocampi 0.38 / 0.47 -> 0.50 / 0.53, brain mean 0.44 -> 0.53;
 * 3 and 5 slices unchanged; 2.5 gains half as much, 4 loses 0.02 at 3
 * slices). Without walls it takes the strokes' own reach, at least
 * REACH_MIN_SV supervoxels (3 slices: vertebra T11's short strokes 0.26 ->
 * 0.30; 3 supervoxels spread a 9 mm cross in a flat region past its
 * envelope). Strokes joined across slices skip the wall-finding reach: what
 * they span tells how far the structure goes, and the flood at the longer
 * reach, then again at their own, was a third flood per stroke (simulated
 * annotator, 3 / 5 slices: 0.768 / 0.762 -> 0.771 / 0.764, 1 slice the
 * same; paint p95 at 256^3 in wasm 17-18 -> 11-13 ms in alternating runs). */
#define REACH_WALLS_SV 3.0
#define REACH_MIN_SV 1.5
static double stroke_reach(const sv_segmenter *s, const sv_stroke *st, double min_sv)
{
    const double *sp = s->image->spacing;
    double r = s->paint.reach * (stroke_length(st, sp) + st->width * fmin(sp[0], fmin(sp[1], sp[2])));
    return fmax(r, min_sv * s->graph->side_mm);
}

/* The gap (mm) between two strokes' polylines: the least distance from a
 * point of one to the other (exact unless two segments cross mid-way, which
 * strokes on different slices cannot). Spacing 0 on an axis measures the
 * gap as seen along it. */
static double stroke_gap(const sv_stroke *a, const sv_stroke *b, const double sp[3])
{
    double best = HUGE_VAL, c[3];
    size_t i;
    int k, pass;
    for (pass = 0; pass < 2; pass++) {
        const sv_stroke *x = pass ? b : a, *y = pass ? a : b;
        for (i = 0; i < x->npoints; i++) {
            for (k = 0; k < 3; k++) c[k] = x->points[3 * i + k] * sp[k];
            best = fmin(best, dist_to_stroke(c, y, sp));
        }
    }
    return best;
}

/* Two paint strokes of a label belong to one structure if their reach
 * balls meet; strokes on parallel slices (an annotator marking a structure
 * every few slices, its middle moving from slice to slice) if both their
 * distance seen along the slice axis and the distance between their slices
 * are within three times their reach. Measured: left and right hippocampi,
 * putamens, thalami or caudates marked with one label give the same labels
 * as each marked on its own. */
static int strokes_linked(const sv_segmenter *s, const sv_stroke *a, const sv_stroke *b)
{
    const double *sp = s->image->spacing;
    double r = stroke_reach(s, a, 0) + stroke_reach(s, b, 0), flat[3];
    if (a->axis != b->axis) return stroke_gap(a, b, sp) <= r;
    flat[0] = sp[0];
    flat[1] = sp[1];
    flat[2] = sp[2];
    flat[a->axis] = 0; /* seen along the slice axis */
    return stroke_gap(a, b, flat) <= 3 * r && fabs(a->points[a->axis] - b->points[b->axis]) * sp[a->axis] <= 3 * r;
}

/* The strokes' envelope: where a structure marked by these strokes most
 * likely ends when no intensity edge says so. Per slice that holds strokes,
 * an ellipse around their points (axis-aligned, its half-axes `ENV_SCALE`
 * times their half-extents: an annotator draws inside the structure, short
 * of its edges; a single straight stroke along an axis is taken as round);
 * between two such slices the ellipses are interpolated, beyond the outer
 * ones the shape closes over half the mean gap between slices (one slice:
 * over its mean half-axis). envelope_at gives the elliptic distance
 * (1 on the envelope). */
#define ENV_SCALE 1.5
/* In reach but this far out (elliptic distance), a supervoxel is a
 * background marker when the envelope is used: with no edge in between, the
 * flood then stops about midway, near the envelope. */
#define ENV_OUTSIDE 2.2
/* A frontier step of more than this many sd of the strokes' voxels is a
 * strong edge; a label whose frontier is at least this share strong edges
 * (the rest: cut by the reach, or weak) is walled in. */
#define STRONG_STEP 1.5
#define STRONG_WALLED 0.75
/* A walled-in label's reach grows (doubling) up to this factor while at
 * least GROW_WALLED of its frontier is a step of more than GROW_STEP sd. */
#define GROW_MAX 32
#define GROW_STEP 4.0
#define GROW_WALLED 0.65
/* Strokes on one slice, or a single line on each of their slices, whose
 * label is neither walled in nor enclosed at their reach, but nearly walled
 * (strong edges on NEAR_STRONG of its frontier, what the reach cuts
 * included), try twice the reach: a line says little of the structure's
 * size (its envelope, taken as round, is a guess), and the walls it met say
 * the structure goes on. The longer reach is kept (and grows on) only if
 * the label is walled in there by the tests above; else the label is what
 * it was before the trial. One arm of the bench's crosses, 1 slice: liver
 * 0.56 -> 0.96, spleen 0.66 -> 0.91, aorta 0.64 -> 0.83; the crosses
 * unchanged. 0.5 does the same, 0.7 misses the liver (68%). Lines joined
 * across slices: liver, 5 slices, 0.44 -> 0.95; spleen, 3 and 5 slices,
 * 0.67 / 0.59 -> 0.91 / 0.90; no other structure moves. Crosses joined
 * across slices do not try: the left putamen's would be enclosed at twice
 * the reach by the claustrum's 1.5 sd edges (0.75 -> 0.62), and a cross
 * gives the section's extent both ways. Also trying when the edges met, on
 * a tenth of the frontier or more, are nearly all steps of > GROW_STEP sd
 * (a line in one slice of a bright ball in soft tissue: 19% of its
 * frontier) broke four C tests, among them
 * without_edges_the_label_keeps_to_the_strokes: one strong wall beside a
 * flat region looks the same (docs/propagation-notes.md, sessions 11-12). */
#define NEAR_STRONG 0.6
typedef struct env_slice {
    int axis;
    double z, lo[2], hi[2]; /* slice position, and the box of its strokes' points (mm) */
    double c[2], h[2];      /* the ellipse: centre and half-axes (mm) */
    double w, m1[2], m2[3]; /* the strokes' paths: length, first and second moments (aa, bb, ab) */
    double r;               /* the widest stroke's half-width (mm) */
    int line;               /* its strokes make one straight line: the ellipse is a guess */
} env_slice;

/* Are a slice's strokes one straight line? Their paths, as a uniform
 * distribution along their segments (a dot: a point weighing its width;
 * all widened by the widest half-width), spread at least 4x more along
 * their main axis than across it: a line at any angle, not a cross, a
 * curve, a dot or a line and a dot beside it. */
static int env_is_line(const env_slice *e)
{
    double ma, mb, caa, cbb, cab, half, root, lo, hi;
    if (e->w <= 0) return 0;
    ma = e->m1[0] / e->w, mb = e->m1[1] / e->w;
    caa = e->m2[0] / e->w - ma * ma + e->r * e->r / 4;
    cbb = e->m2[1] / e->w - mb * mb + e->r * e->r / 4;
    cab = e->m2[2] / e->w - ma * mb;
    half = (caa + cbb) / 2;
    root = sqrt(fmax(0, half * half - (caa * cbb - cab * cab)));
    lo = half - root, hi = half + root;
    return hi > 0 && lo < 0.0625 * hi;
}

static size_t envelope_build(const sv_stroke *const *set, size_t m, const double sp[3], env_slice *out)
{
    size_t n = 0, q, i, j;
    for (q = 0; q < m; q++) {
        const sv_stroke *st = set[q];
        int o0 = st->axis == 0 ? 1 : 0, o1 = st->axis == 2 ? 1 : 2;
        double z = st->points[st->axis] * sp[st->axis], r = st->width / 2.0 * fmin(sp[o0], sp[o1]);
        env_slice *e = NULL;
        for (j = 0; j < n; j++) /* strokes on one slice share its box */
            if (out[j].axis == st->axis && fabs(out[j].z - z) < 1e-6) e = &out[j];
        if (!e) {
            e = &out[n++];
            e->axis = st->axis;
            e->z = z;
            e->lo[0] = e->lo[1] = HUGE_VAL;
            e->hi[0] = e->hi[1] = -HUGE_VAL;
            e->w = e->m1[0] = e->m1[1] = e->m2[0] = e->m2[1] = e->m2[2] = e->r = 0;
        }
        e->r = fmax(e->r, r);
        if (stroke_length(st, sp) <= 0) { /* a dot: a point of the weight of its width */
            double a = st->points[o0] * sp[o0], b = st->points[o1] * sp[o1], wt = fmax(2 * r, 1e-3);
            e->w += wt;
            e->m1[0] += wt * a, e->m1[1] += wt * b;
            e->m2[0] += wt * a * a, e->m2[1] += wt * b * b, e->m2[2] += wt * a * b;
        }
        for (i = 0; i < st->npoints; i++) {
            double a = st->points[3 * i + o0] * sp[o0], b = st->points[3 * i + o1] * sp[o1];
            e->lo[0] = fmin(e->lo[0], a - r), e->hi[0] = fmax(e->hi[0], a + r);
            e->lo[1] = fmin(e->lo[1], b - r), e->hi[1] = fmax(e->hi[1], b + r);
            if (i > 0) { /* the segment from the previous point: its length and moments */
                double a0 = st->points[3 * (i - 1) + o0] * sp[o0], b0 = st->points[3 * (i - 1) + o1] * sp[o1];
                double len = hypot(a - a0, b - b0);
                e->w += len;
                e->m1[0] += len * (a0 + a) / 2, e->m1[1] += len * (b0 + b) / 2;
                e->m2[0] += len * (a0 * a0 + a0 * a + a * a) / 3;
                e->m2[1] += len * (b0 * b0 + b0 * b + b * b) / 3;
                e->m2[2] += len * (2 * a0 * b0 + a0 * b + a * b0 + 2 * a * b) / 6;
            }
        }
    }
    for (j = 0; j < n; j++) { /* the box -> centre and half-axes */
        env_slice *e = &out[j];
        double h0 = (e->hi[0] - e->lo[0]) / 2, h1 = (e->hi[1] - e->lo[1]) / 2, hmax = fmax(h0, h1);
        e->c[0] = e->lo[0] + h0, e->c[1] = e->lo[1] + h1;
        e->line = env_is_line(e);
        if (h0 < 0.25 * hmax) h0 = hmax;
        if (h1 < 0.25 * hmax) h1 = hmax;
        e->h[0] = ENV_SCALE * h0, e->h[1] = ENV_SCALE * h1;
    }
    /* sort by axis, then position (insertion: a handful) */
    for (i = 1; i < n; i++)
        for (j = i; j > 0 && (out[j - 1].axis > out[j].axis || (out[j - 1].axis == out[j].axis && out[j - 1].z > out[j].z)); j--) {
            env_slice t = out[j];
            out[j] = out[j - 1];
            out[j - 1] = t;
        }
    return n;
}

static double env_inplane(const env_slice *e, const double c[3])
{
    int o0 = e->axis == 0 ? 1 : 0, o1 = e->axis == 2 ? 1 : 2;
    double u = (c[o0] - e->c[0]) / e->h[0], w = (c[o1] - e->c[1]) / e->h[1];
    return sqrt(u * u + w * w);
}

static double envelope_at(const env_slice *e, size_t n, const double c[3])
{
    double best = HUGE_VAL;
    size_t a = 0, b, q;
    while (a < n) {
        double z, gap, hz;
        for (b = a; b < n && e[b].axis == e[a].axis; b++) continue;
        z = c[e[a].axis];
        gap = b - a > 1 ? (e[b - 1].z - e[a].z) / (double)(b - a - 1) : 0;
        for (q = a; q + 1 < b; q++)
            if (z >= e[q].z && z <= e[q + 1].z) {
                double t = e[q + 1].z > e[q].z ? (z - e[q].z) / (e[q + 1].z - e[q].z) : 0;
                best = fmin(best, (1 - t) * env_inplane(&e[q], c) + t * env_inplane(&e[q + 1], c));
            }
        for (q = a; q < b; q += (b - a > 1 ? b - a - 1 : 1)) {
            double dz = q == a ? e[a].z - z : z - e[q].z, ei;
            if (q == a && q + 1 == b) dz = fabs(z - e[q].z);
            if (dz < 0) continue;
            hz = gap > 0 ? 0.5 * gap : 0.5 * (e[q].h[0] + e[q].h[1]);
            ei = env_inplane(&e[q], c);
            best = fmin(best, sqrt(ei * ei + dz * dz / (hz * hz)));
        }
        a = b;
    }
    return best;
}

/* Mark the supervoxels within f x reach of the strokes set[0..m) (bit 1 of
 * ws->sv; bits 1 and 2 cleared first); along the strokes' slice axis the
 * reach is `stretch` times longer (strokes all on one slice; 1: none). Only
 * supervoxels within reach can go either way; those beyond are background.
 * So the flood runs on the in-reach part of the graph, seeded with the
 * object, the in-reach intensity outliers, and the out-of-reach neighbours
 * of in-reach supervoxels (cost 0, like every background marker) — the same
 * assignment as flooding the whole graph, in time proportional to the
 * strokes' neighbourhood. */
static void mark_reach(const sv_segmenter *s, const sv_stroke *const *set, size_t m, const double *reach, double f,
                       double stretch)
{
    const sv_sv_graph *g = s->graph;
    const double *sp = s->image->spacing;
    uint8_t *tsv = s->ws->sv;
    double lo[3], hi[3], rlo[3], rhi[3], qlo[SV_STROKE_JOIN + 1][3], qhi[SV_STROKE_JOIN + 1][3], r = 0, rmax = 0;
    size_t q, i;
    uint32_t id;
    int k;
    for (q = 0; q < m; q++) {
        r += f * reach[q] / (double)m;
        rmax = fmax(rmax, f * reach[q]);
    }
    for (k = 0; k < 3; k++) {
        int across = 1;
        lo[k] = HUGE_VAL;
        hi[k] = -HUGE_VAL;
        for (q = 0; q < m; q++) {
            across &= set[q]->axis == k;
            for (i = 0; i < set[q]->npoints; i++) {
                lo[k] = fmin(lo[k], set[q]->points[3 * i + k] * sp[k]);
                hi[k] = fmax(hi[k], set[q]->points[3 * i + k] * sp[k]);
            }
        }
        /* no centroid outside the strokes' box grown by the largest reach is in
         * reach; nor outside a stroke's own box grown by its reach, with a
         * margin far above rounding (so dist_to_stroke need not say so) */
        double along = k == set[0]->axis ? stretch : 1;
        rlo[k] = lo[k] - rmax * along;
        rhi[k] = hi[k] + rmax * along;
        for (q = 0; q < m; q++) {
            double rq = (f * reach[q] * (1 + 1e-6) + 1e-9) * along;
            qlo[q][k] = HUGE_VAL;
            qhi[q][k] = -HUGE_VAL;
            for (i = 0; i < set[q]->npoints; i++) {
                qlo[q][k] = fmin(qlo[q][k], set[q]->points[3 * i + k] * sp[k]);
                qhi[q][k] = fmax(qhi[q][k], set[q]->points[3 * i + k] * sp[k]);
            }
            qlo[q][k] -= rq;
            qhi[q][k] += rq;
        }
        /* the box of several strokes is in reach: within their slices it
         * reaches half as far as the strokes do (a cross drawn inside a
         * structure stops short of its edges; a box of strokes on one line
         * would be flat); across slices it spans the strokes' own slices, and
         * the reach does the rest */
        if (!across) {
            lo[k] -= 0.5 * r;
            hi[k] += 0.5 * r;
        }
    }
    for (id = 1; id <= g->count; id++) {
        const double *c = g->centroid + 3 * id;
        tsv[id] &= 5;
        if (tsv[id] & 1) {
            tsv[id] |= 2;
            continue;
        }
        if (m > 1 && c[0] >= lo[0] && c[0] <= hi[0] && c[1] >= lo[1] && c[1] <= hi[1] && c[2] >= lo[2] && c[2] <= hi[2]) {
            tsv[id] |= 2;
            continue;
        }
        if (c[0] < rlo[0] || c[0] > rhi[0] || c[1] < rlo[1] || c[1] > rhi[1] || c[2] < rlo[2] || c[2] > rhi[2]) continue;
        for (q = 0; q < m; q++) {
            double cs[3];
            const double *cq = c;
            if (stretch != 1) { /* the centroid pulled towards the stroke's slice */
                int ax = set[q]->axis;
                double z0 = set[q]->points[ax] * sp[ax];
                cs[0] = c[0], cs[1] = c[1], cs[2] = c[2];
                cs[ax] = z0 + (c[ax] - z0) / stretch;
                cq = cs;
            }
            if (c[0] >= qlo[q][0] && c[0] <= qhi[q][0] && c[1] >= qlo[q][1] && c[1] <= qhi[q][1] && c[2] >= qlo[q][2] &&
                c[2] <= qhi[q][2] && dist_to_stroke(cq, set[q], sp) <= f * reach[q]) {
                tsv[id] |= 2;
                break;
            }
        }
    }
}

/* The competition on the in-reach graph: object markers (touched), intensity
 * outliers (beyond k sd of mu), with use_env the supervoxels outside the
 * envelope, and with `beyond` the out-of-reach neighbours, all flooded by the
 * largest step on the path (minimax). side[] must be all 0; it gets 1 for the
 * object, 2 for the background. Returns the object's frontier: cut by the
 * reach, in reach, and how much of that is a strong edge (> STRONG_STEP sd)
 * and a wall (> GROW_STEP sd). 0 on out of memory. */
/* The second flood's cost of a step over an edge of weight w: the
 * competition there is not a watershed (the largest step on the way) but
 * the shortest path, each step costing its intensity step in sd plus
 * HOP_COST, so a marker wins what it reaches over fewer and smaller steps.
 * Where edges are weak (grey nuclei in white matter) the minimax flood
 * handed whole regions to whichever marker had a path of slightly lower
 * steps; summed, the nearer marker wins (simulated annotator, mean Dice at
 * N = 1 / 3 / 5 slices: brain 0.53 / 0.76 / 0.76 -> 0.57 / 0.79 / 0.77,
 * CT 0.63 / 0.68 / 0.71 -> 0.68 / 0.70 / 0.71; a hop cost of 0 / 0.1 /
 * 0.3 / 1: brain at 3 slices 0.774 / 0.783 / 0.789 / 0.792, CT at 1 slice
 * 0.70 / 0.69 / 0.69 / 0.66; squared steps 0.759, square roots 0.789). The
 * beyond-reach markers start BEYOND_START behind (0: brain at 1 slice 0.54,
 * aorta 0.57; 2: brain at 3 slices 0.775). The first flood stays a
 * watershed: it asks whether edges enclose the label (summed there: brain
 * at 3 slices 0.770). */
#define HOP_COST 0.6
/* The least spread of a paint stroke's intensity model, as a share of the
 * image's median within-supervoxel sd (simulated annotator, mean Dice at
 * N = 1 / 3 / 5 slices: 0.653 / 0.772 / 0.768 -> 0.665 / 0.774 / 0.767;
 * brain stem at 1 slice 0.44 -> 0.65, spleen at 3 slices 0.85 -> 0.90;
 * 0.5: no change; 1.0: 0.661 / 0.766 / 0.752, CT at 5 slices falls) */
#define SD_FLOOR 0.75
#define BEYOND_START 1.0
static double beyond_cost(double w, double sd)
{
    return w / sd + HOP_COST;
}

/* The object's frontier after a first flood: steps to in-reach supervoxels
 * (edge), how many of them are strong (> STRONG_STEP sd) and walls
 * (> GROW_STEP sd), and steps cut by the reach; `side_*` count only the steps
 * that run mostly within the strokes' slices (their centroids differ less
 * along the slice axis than across it), cap_cut the cut steps along it. */
typedef struct frontier {
    double cut, edge, strong, wall;
    double side_cut, side_edge, side_strong, cap_cut;
} frontier;

static int flood(const sv_segmenter *s, sv_stroke_ws *ws, uint8_t *side, double mu, double sd, double k_sd, int beyond, int use_env,
                 const env_slice *env, size_t nenv, int axis, frontier *fr)
{
    const sv_sv_graph *g = s->graph;
    const uint8_t *tsv = ws->sv;
    uint64_t *best = ws->best, klevel = 0;
    size_t hn = 0, sn = 0;
    uint32_t id;
    memset(fr, 0, sizeof *fr);
    /* best[id]: the key of the best entry queued for id so far; an entry no
     * better cannot win, so it is not queued. 0 (nothing beats it) for the
     * supervoxels the flood must not enter: beyond reach, or already decided */
    for (id = 1; id <= g->count; id++) best[id] = tsv[id] & 2 ? UINT64_MAX : 0;
    for (id = 1; id <= g->count; id++) {
        uint32_t a;
        uint64_t key = UINT64_MAX;
        if (!(tsv[id] & 2)) continue;
        if (tsv[id] & 1) key = flood_key(0.0, 1);
        else if (beyond && tsv[id] & 4) key = flood_key(0.0, 2); /* another label's stroke, or erased */
        else if (fabs(g->mean[id] - mu) > k_sd * sd) key = flood_key(0.0, 2);
        else if (use_env && envelope_at(env, nenv, g->centroid + 3 * id) > ENV_OUTSIDE) key = flood_key(0.0, 2);
        /* with `beyond`, the beyond-reach neighbours are background markers
         * (cost 0); all they would do is offer the background to their
         * in-reach neighbours over the edge between, so that offer is made
         * here instead of queueing them (the same assignment). Without, they
         * could only take what no other marker reaches, which stays
         * unlabelled anyway: left out */
        for (a = g->adj_off[id]; beyond && key && a < g->adj_off[id + 1]; a++) {
            uint32_t o = g->adj[a];
            uint64_t f;
            if (tsv[o] & 2) continue;
            f = flood_key(BEYOND_START + beyond_cost(g->adj_w[a], sd), 2);
            if (f < key) key = f;
        }
        if (key != UINT64_MAX) flood_offer(ws, &hn, best[id] = key, id);
    }
    /* An offer of the very key just popped (an edge no higher than the cost
     * so far) will be decided at this key, whatever the order within it: it
     * goes on a plain stack, taken before the heap, and never through the
     * heap (its heap entry, if it has one, is skipped when it pops). In a
     * large flood most supervoxels go this way. */
    for (;;) {
        uint64_t k, kc, kside;
        uint32_t b, a;
        double c;
        if (sn) {
            b = ws->stack[--sn];
            k = klevel;
        } else if (hn) {
            b = flood_pop(ws, &hn, &k);
            if (side[b]) continue; /* decided from the stack meanwhile */
            klevel = k;
        } else {
            break;
        }
        kside = k & 1;
        kc = k >> 1;
        memcpy(&c, &kc, sizeof c);
        side[b] = (uint8_t)(kside + 1);
        best[b] = 0;
        for (a = g->adj_off[b]; a < g->adj_off[b + 1]; a++) {
            uint32_t o = g->adj[a];
            double w = g->adj_w[a];
            /* minimax (fmax, without the call: no NaN or -0 here), or with
             * `beyond` a path's cost: its steps in sd, and HOP_COST a step */
            uint64_t f = flood_key(beyond ? c + beyond_cost(w, sd) : w > c ? w : c, 1) | kside;
            if (f >= best[o]) continue; /* decided, beyond reach, or no better than its entry */
            best[o] = f;
            if (f == k) ws->stack[sn++] = o;
            else flood_offer(ws, &hn, f, o);
        }
    }
    if (beyond) return 1;
    for (id = 1; id <= g->count; id++) {
        uint32_t a;
        if (side[id] != 1) continue;
        for (a = g->adj_off[id]; a < g->adj_off[id + 1]; a++) {
            uint32_t o = g->adj[a];
            const double *c0 = g->centroid + 3 * id, *c1 = g->centroid + 3 * o;
            double along, within = 0;
            int k, strong;
            if (side[o] == 1) continue;
            along = c1[axis] - c0[axis];
            for (k = 0; k < 3; k++)
                if (k != axis) within += (c1[k] - c0[k]) * (c1[k] - c0[k]);
            if (tsv[o] & 2) {
                strong = g->adj_w[a] > STRONG_STEP * sd;
                fr->edge += 1;
                fr->strong += strong;
                fr->wall += g->adj_w[a] > GROW_STEP * sd;
                if (along * along <= within) {
                    fr->side_edge += 1;
                    fr->side_strong += strong;
                }
            } else {
                fr->cut += 1;
                if (along * along <= within) fr->side_cut += 1;
                else fr->cap_cut += 1;
            }
        }
    }
    return 1;
}

/* Does the object (side 1) hold a supervoxel of another label's stroke? */
static int holds_rivals(const sv_sv_graph *g, const uint8_t *tsv, const uint8_t *side)
{
    uint32_t id;
    for (id = 1; id <= g->count; id++)
        if (side[id] == 1 && tsv[id] & 4) return 1;
    return 0;
}

/* Strokes on one slice whose label strong edges wall in, but which leaked
 * when the reach grew: along the slice axis the structure may still go on
 * (the brain stem, caudate or hippocampus crossed on one axial slice, walled
 * in the slice, cut above and below it). The reach along the axis doubles,
 * up to TUBE_MAX x, while at least TUBE_WALLED of the label's frontier within
 * the slices stays strong edges and the reach still cuts it along the axis;
 * *stretch gets the last such factor (1: none). Simulated annotator, 1 slice:
 * left caudate 0.64 -> 0.69, left hippocampus 0.54 -> 0.63, brain stem 0.65
 * -> 0.68, right hippocampus 0.63 -> 0.62, mean 0.665 -> 0.675; 3 and 5
 * slices unchanged; TUBE_WALLED 0.5 and TUBE_MAX 8 / 16 the same, TUBE_WALLED
 * 0.75 never stretches. Returns 0 on out of memory.
 * The label then decided on (the second flood) takes intensities up to
 * TUBE_SPREAD x further from the strokes' mean: the strokes sampled one
 * slice, and a structure long along the axis drifts along it (the brain
 * stem darkens by 11 from the pons to the medulla, 2.7 of its floored sd),
 * while the walls that made it a tube keep it from leaking. Simulated
 * annotator, mean Dice at 1 / 3 / 5 slices: 0.675 / 0.774 / 0.766 -> 0.692 /
 * 0.774 / 0.763 (1 slice: brain stem 0.68 -> 0.77, left caudate 0.69 ->
 * 0.80, left hippocampus 0.63 -> 0.69; 5 slices, where the first slice's
 * cross labels before the others join: left caudate 0.83 -> 0.80, right
 * hippocampus 0.74 -> 0.72); 1.2 / 1.3 / 1.6 / 2.0: 0.690 / 0.687 / 0.692 /
 * 0.693 at 1 slice, 0.765 / 0.764 / 0.763 / 0.759 at 5. */
#define TUBE_WALLED 0.6
#define TUBE_MAX 4
#define TUBE_SPREAD 1.4
static int tube_stretch(const sv_segmenter *s, sv_stroke_ws *ws, const sv_stroke *const *set, size_t m,
                        const double *reach, double f, uint8_t *side, double mu, double sd, const env_slice *env,
                        size_t nenv, double *stretch)
{
    double t = 1;
    frontier fr;
    for (;;) {
        mark_reach(s, set, m, reach, f, 2 * t);
        memset(side, 0, (size_t)s->graph->count + 1);
        if (!flood(s, ws, side, mu, sd, s->paint.k_sd, 0, 0, env, nenv, set[0]->axis, &fr)) return 0;
        if (fr.side_strong < TUBE_WALLED * (fr.side_edge + fr.side_cut)) break;
        t *= 2;
        if (fr.cap_cut == 0 || t >= TUBE_MAX) break;
    }
    *stretch = t;
    return 1;
}

/* Decide which supervoxels the paint strokes set[0..m) label together:
 * side[s] = 1 (object). The touched voxels of all of them are in t. */
static sv_status compete(const sv_segmenter *s, const sv_stroke *const *set, size_t m, const touched *t, uint8_t *side)
{
    const sv_sv_graph *g = s->graph;
    const double *sp = s->image->spacing;
    double sum = 0, sum2 = 0, mu, sd, sdmin = 0, reach[SV_STROKE_JOIN + 1];
    size_t i, n = 0, q;
    int floored = 0, one_slice = 1;
    uint32_t id, touched_svs = 0;
    sv_stroke_ws *ws = t->ws;
    uint8_t *tsv = ws->sv;
    env_slice env[SV_STROKE_JOIN + 1];
    size_t nenv = envelope_build(set, m, sp, env);
    for (i = 0; i < t->n; i++) {
        if (!s->labels[ws->vox[i]]) continue;
        double x = sv_volume_get(s->image, ws->vox[i]);
        sum += x;
        sum2 += x * x;
        n++;
    }
    if (!n) return SV_OK; /* only background touched */
    mu = sum / n;
    sd = sqrt(fmax(0.0, sum2 / n - mu * mu));
    for (id = 1; id <= g->count; id++)
        if (tsv[id] & 1) {
            sdmin += g->sd[id];
            touched_svs++;
        }
    /* a stroke over a flat region has ~0 spread: allow at least the touched
     * supervoxels' own, and SD_FLOOR x the image's typical within-supervoxel
     * spread: a cross through a homogeneous patch of a structure says little
     * of how much the structure varies (1 slice of the brain stem: sd 1.8
     * from the cross, 8.5 over the structure, 5.4 the image's median; its
     * lower half, 4-7 such sd darker, was all intensity outliers) */
    sd = fmax(sd, sdmin / touched_svs);
    sd = fmax(sd, SD_FLOOR * g->sd_median);
    if (sd <= 0) sd = 1e-6 * fmax(1.0, fabs(mu));
    for (q = 1; q < m; q++)
        one_slice &= set[q]->axis == set[0]->axis &&
                     floor(set[q]->points[set[q]->axis] + 0.5) == floor(set[0]->points[set[0]->axis] + 0.5);
    for (q = 0; q < m; q++) {
        reach[q] = stroke_reach(s, set[q], one_slice ? REACH_WALLS_SV : REACH_MIN_SV);
        floored |= reach[q] > stroke_reach(s, set[q], REACH_MIN_SV);
    }
    /* The first flood (edges only, beyond-reach markers held back) at the
     * strokes' reach, at least REACH_WALLS_SV supervoxels. If strong edges wall
     * the label in but the reach cuts it (a ventricle marked on a slice where
     * it is small), the reach doubles, up to GROW_MAX x, while the label
     * stays walled in: it goes as far as the edges say. If a larger reach
     * lets it leak (no longer walled), the last walled reach is taken, and
     * strokes on one slice then try a longer reach along the slice axis alone
     * (tube_stretch). Not walled at all: the strokes' own reach decides.
     * Then, unless enclosed, the second flood. */
    {
        double f = 1, stretch = 1;
        frontier fr;
        int use_env = 0, was_enclosed = 0, trial = 0; /* trial: 1 while a nearly walled label tries twice its reach, then 2 */
        int lines = 1;                                /* every slice's strokes are a single line (NEAR_STRONG) */
        for (q = 0; q < nenv; q++) lines &= env[q].line;
        for (;;) {
            int enclosed, walled;
            mark_reach(s, set, m, reach, f, 1);
            memset(side, 0, (size_t)g->count + 1);
            if (!flood(s, ws, side, mu, sd, s->paint.k_sd, 0, 0, env, nenv, set[0]->axis, &fr)) goto oom;
            enclosed = fr.cut <= s->paint.enclosed * (fr.cut + fr.edge);
            /* walled: strong edges on most of the frontier; or very strong
             * ones on most of what the reach does not cut, when it cuts
             * less than half (a ventricle marked where it is a thin sheet:
             * what the first reach finds is walls, and the rest is cut) */
            walled = fr.strong >= STRONG_WALLED * (fr.edge + fr.cut) ||
                     (fr.edge >= fr.cut && fr.edge > 0 && fr.wall >= GROW_WALLED * fr.edge);
            /* a grown reach is kept only while the label stays walled in by
             * very strong edges (a ventricle's) where the reach does not cut
             * it; grey matter next to white matter is walled at 1.5 sd but
             * leaks as the reach grows. Or when the reach no longer cuts it
             * at all and strong edges wall it in: edges enclose it, nothing
             * leaked (1 slice: the aorta, 95% of its frontier > 1.5 sd but
             * half > 4 sd, 0.71 -> 0.84; the spleen 0.89 -> 0.92) */
            if (f > 1 && fr.wall < GROW_WALLED * fr.edge && !(fr.cut == 0 && fr.strong >= STRONG_WALLED * fr.edge)) walled = 0;
            if (trial == 1) {
                trial = 2;
                if (!walled) { /* not walled at twice the reach either: as before the trial */
                    f = 1;
                    if (floored) {
                        for (q = 0; q < m; q++) reach[q] = stroke_reach(s, set[q], REACH_MIN_SV);
                        floored = 0;
                        continue;
                    }
                    mark_reach(s, set, m, reach, f, 1);
                    use_env = 1;
                    break;
                }
            }
            if (f > 1 && !walled) { /* it leaked at this reach: back to the last walled one */
                f /= 2;
                if (!was_enclosed) {
                    if (one_slice && !tube_stretch(s, ws, set, m, reach, f, side, mu, sd, env, nenv, &stretch)) goto oom;
                    mark_reach(s, set, m, reach, f, stretch);
                    break;
                }
                mark_reach(s, set, m, reach, f, 1);
                memset(side, 0, (size_t)g->count + 1);
                if (!flood(s, ws, side, mu, sd, s->paint.k_sd, 0, 0, env, nenv, set[0]->axis, &fr)) goto oom;
                if (!holds_rivals(g, tsv, side)) return SV_OK;
                break;
            }
            if (!walled && !enclosed && !trial && (one_slice || lines) && fr.edge > 0 && fr.strong >= NEAR_STRONG * (fr.edge + fr.cut)) {
                trial = 1;
                f = 2;
                continue;
            }
            if (!walled && floored) { /* the longer reach was there to find walls: none, so the strokes' own */
                for (q = 0; q < m; q++) reach[q] = stroke_reach(s, set[q], REACH_MIN_SV);
                floored = 0;
                continue;
            }
            if (enclosed && (!walled || fr.cut == 0 || f >= GROW_MAX)) {
                if (!holds_rivals(g, tsv, side)) return SV_OK;
                break;
            }
            if (!walled) { /* f == 1: no edges wall it in, so the envelope bounds it */
                use_env = 1;
                break;
            }
            if (f >= GROW_MAX) break;
            was_enclosed = enclosed;
            f *= 2;
        }
        memset(side, 0, (size_t)g->count + 1);
        /* a label followed along the slice axis (tube_stretch) takes a
         * wider intensity range there (TUBE_SPREAD) */
        if (!flood(s, ws, side, mu, sd, s->paint.k_sd * (stretch > 1 ? TUBE_SPREAD : 1), 1, use_env, env, nenv, set[0]->axis, &fr))
            goto oom;
    }
    return SV_OK;
oom:
    return sv_fail(SV_ENOMEM, "out of memory propagating the stroke");
}

/* Counts a stroke's voxels that still hold what it left: its label for a
 * paint stroke (has it been erased or painted over since?); for an erase
 * stroke, no longer its label (any label, if its label is 0). */
typedef struct standing {
    const uint8_t *d;
    uint8_t label;
    int erased;
    size_t n, same;
} standing;

static int standing_voxel(void *ctx, size_t idx, const int32_t p[3])
{
    standing *c = (standing *)ctx;
    (void)p;
    c->n++;
    c->same += c->erased ? (c->label ? c->d[idx] != c->label : c->d[idx] == 0) : c->d[idx] == c->label;
    return 0;
}

static int visit_stroke(const sv_volume *img, const sv_stroke *st, sv_voxel_fn fn, void *ctx)
{
    const double ones[3] = {1, 1, 1};
    size_t i;
    for (i = 0; i < st->npoints; i++) {
        const double *a = st->points + 3 * (i ? i - 1 : 0), *b = st->points + 3 * i;
        int r = sv_capsule_visit(img->dim, ones, st->axis, a, b, st->width / 2.0, fn, ctx);
        if (r) return r;
    }
    return 0;
}

/* Marks the supervoxel of a voxel of another label's stroke, or of an erase that stands (bit 2). */
static int rival_voxel(void *ctx, size_t idx, const int32_t p[3])
{
    touched *t = (touched *)ctx;
    (void)p;
    t->ws->sv[t->labels[idx]] |= 4;
    return 0;
}

/* Remember a paint or erase stroke (a copy) in the workspace's ring; 0 on
 * out of memory (then it is simply not remembered). */
static int remember(sv_stroke_ws *ws, const sv_stroke *st)
{
    struct memo *mo = &ws->memo[ws->next];
    double *pts = (double *)SV_MALLOC(st->npoints * 3 * sizeof *pts);
    if (!pts) return 0;
    memcpy(pts, st->points, st->npoints * 3 * sizeof *pts);
    if (ws->nmemo == SV_STROKE_MEMORY) SV_FREE(mo->pts);
    else ws->nmemo++;
    mo->st = *st;
    mo->st.points = pts;
    mo->pts = pts;
    mo->label = st->label;
    ws->next = (ws->next + 1) % SV_STROKE_MEMORY;
    return 1;
}

/* Check a stroke and decide what it labels, without changing anything: the
 * touched voxels in t, the touched supervoxels (bit 1 of ws->sv; whole
 * groups at a coarser level) and, for paint, side[] = 1 for the supervoxels
 * it labels. *wsp: the workspace used (s->ws, or *own, made here when s has
 * none of the right size: the caller frees it). */
static sv_status decide(const sv_volume *layer, const sv_segmenter *s, const sv_stroke *st, touched *t, sv_stroke_ws **wsp,
                        sv_stroke_ws **own)
{
    uint8_t *side;
    sv_status rc;
    size_t i;
    uint32_t id, n = s->graph->count;
    sv_stroke_ws *ws = s->ws;
    int32_t slice;
    double ones[3] = {1, 1, 1};
    memset(t, 0, sizeof *t);
    *own = NULL;
    *wsp = NULL;
    if (st->axis < 0 || st->axis > 2) return sv_fail(SV_EINVAL, "stroke axis %d is not 0, 1 or 2", st->axis);
    if (st->npoints < 1 || !st->points) return sv_fail(SV_EINVAL, "a stroke needs at least one point");
    if (!(st->width >= 1 && st->width <= 1000)) return sv_fail(SV_EINVAL, "stroke width %g is outside 1..1000 voxels", st->width);
    if (st->mode != SV_STROKE_ERASE && st->label == 0) return sv_fail(SV_EINVAL, "a stroke paints labels 1..255, not 0");
    if ((int)st->mode < 0 || st->mode > SV_STROKE_ERASE) return sv_fail(SV_EINVAL, "unknown stroke mode");
    if (!sv_volume_same_grid(layer, s->image, 1e-3) || layer->dtype != SV_DT_UINT8)
        return sv_fail(SV_EINVAL, "the label layer is not a uint8 map on the image's grid");
    slice = sv_iround(st->points[st->axis]);
    for (i = 0; i < st->npoints; i++) {
        int k;
        for (k = 0; k < 3; k++)
            if (!isfinite(st->points[3 * i + k])) return sv_fail(SV_EINVAL, "stroke point %zu is not finite", i + 1);
        if (sv_iround(st->points[3 * i + st->axis]) != slice)
            return sv_fail(SV_EINVAL, "stroke point %zu is off the stroke's slice %ld", i + 1, (long)slice);
    }
    if (!ws || ws->count != n) {
        rc = sv_stroke_ws_create(n, own);
        if (rc != SV_OK) return rc;
        ws = *own;
    }
    *wsp = ws;
    memset(ws->sv, 0, (size_t)n + 1);
    memset(ws->side, 0, (size_t)n + 1);
    t->ws = ws;
    t->labels = s->labels;
    side = ws->side;
    for (i = 0; i < st->npoints; i++) {
        const double *a = st->points + 3 * (i ? i - 1 : 0), *b = st->points + 3 * i;
        sv_capsule_visit(s->image->dim, ones, st->axis, a, b, st->width / 2.0, touch_voxel, t);
        if (t->oom) return sv_fail(SV_ENOMEM, "out of memory for the stroke");
    }
    if (!t->n) { /* a path clipped to nothing: coordinates for another volume, or in mm, not voxels */
        const int32_t *dim = s->image->dim;
        if (slice < 0 || slice >= dim[st->axis])
            return sv_fail(SV_EINVAL, "the stroke is off the volume: its slice %.6g is outside 0..%ld along axis %d",
                           st->points[st->axis], (long)dim[st->axis] - 1, st->axis);
        return sv_fail(SV_EINVAL, "the stroke is off the volume: its path misses the volume (%ld x %ld x %ld voxels)",
                       (long)dim[0], (long)dim[1], (long)dim[2]);
    }
    if (s->level && s->level_groups <= n) {
        /* a coarser level: every supervoxel of a touched group counts as touched */
        uint8_t *grp = ws->grp;
        memset(grp, 0, (size_t)s->level_groups + 1);
        for (id = 1; id <= n; id++)
            if (ws->sv[id]) grp[s->level[id]] = 1;
        for (id = 1; id <= n; id++)
            if (grp[s->level[id]]) ws->sv[id] = 1;
    }
    if (st->mode == SV_STROKE_PAINT) {
        /* the label's earlier strokes that still stand and are linked to
         * this one (strokes_linked) join it, the nearest few: enough to fill
         * between neighbouring slices, and a stroke's cost stays bounded
         * however many came before; one label on two separate structures
         * stays two */
        const sv_stroke *cand[SV_STROKE_MEMORY], *set[SV_STROKE_JOIN + 1];
        size_t m = 0, nc = 0, j, q;
        set[m++] = st;
        for (j = 0; ws != *own && j < ws->nmemo; j++) {
            const struct memo *mo = &ws->memo[(ws->next + SV_STROKE_MEMORY - 1 - j) % SV_STROKE_MEMORY];
            standing c;
            int erase = mo->st.mode == SV_STROKE_ERASE;
            if (erase && mo->label && mo->label != st->label) continue; /* erased another label */
            c.d = (const uint8_t *)layer->data;
            c.label = mo->label;
            c.erased = erase;
            c.n = c.same = 0;
            visit_stroke(s->image, &mo->st, standing_voxel, &c);
            if (!c.n || c.same * 10 < c.n * 9) continue; /* undone, erased or painted over */
            if (erase || mo->label != st->label) {
                /* another label's stroke that stands: its supervoxels are
                 * that label's, background markers in this competition, so
                 * labels drawn side by side meet between their strokes (as
                 * seeds compete in 3D Slicer's Grow from seeds); an erase
                 * that stands: the user said "not this" there */
                visit_stroke(s->image, &mo->st, rival_voxel, t);
                continue;
            }
            if (strokes_linked(s, &mo->st, st)) cand[nc++] = &mo->st;
        }
        while (m <= SV_STROKE_JOIN && nc) {
            size_t pick = 0;
            double g, bg = HUGE_VAL;
            for (j = 0; j < nc; j++)
                if ((g = stroke_gap(cand[j], st, s->image->spacing)) < bg) bg = g, pick = j;
            set[m++] = cand[pick];
            cand[pick] = cand[--nc];
        }
        for (q = 1; q < m; q++) {
            visit_stroke(s->image, set[q], touch_voxel, t);
            if (t->oom) return sv_fail(SV_ENOMEM, "out of memory for the stroke");
        }
        return compete(s, set, m, t, side);
    }
    return SV_OK;
}

sv_status sv_propagate(sv_history *h, sv_volume *layer, const sv_segmenter *s, const sv_stroke *st, sv_edit_result *res)
{
    touched t;
    uint8_t *side;
    const uint8_t *d;
    sv_status rc;
    size_t i;
    uint32_t id, n = s->graph->count;
    sv_stroke_ws *ws, *own;
    if (res) res->changed = 0;
    rc = decide(layer, s, st, &t, &ws, &own);
    if (rc != SV_OK) goto done;
    side = ws->side;
    rc = sv_history_begin(h, layer);
    if (rc != SV_OK) goto done;
    d = (const uint8_t *)layer->data;
    {
        int bad = 0;
        switch (st->mode) {
        case SV_STROKE_BRUSH:
            /* fine corrections: the touched voxels, background included */
            for (i = 0; i < t.n && !bad; i++) bad = put(h, d, ws->vox[i], st) < 0;
            break;
        case SV_STROKE_TOUCH:
        case SV_STROKE_ERASE:
            for (id = 1; id <= n && !bad; id++)
                if (ws->sv[id]) bad = put_supervoxel(h, d, s->index, id, st) < 0;
            if (st->mode == SV_STROKE_ERASE) /* touched background voxels: only themselves */
                for (i = 0; i < t.n && !bad; i++)
                    if (!s->labels[ws->vox[i]]) bad = put(h, d, ws->vox[i], st) < 0;
            break;
        case SV_STROKE_PAINT:
            for (id = 1; id <= n && !bad; id++)
                if (side[id] == 1) bad = put_supervoxel(h, d, s->index, id, st) < 0;
            break;
        }
        rc = sv_history_end(h, res); /* on out of memory, end rolls the step back */
        if (!bad && rc == SV_OK && (st->mode == SV_STROKE_PAINT || st->mode == SV_STROKE_ERASE) && ws != own) remember(ws, st);
        if (bad && rc == SV_OK) {
            sv_volume *which;
            sv_history_undo(h, &which, NULL); /* a partial stroke is no stroke */
            rc = sv_fail(SV_ENOMEM, "out of memory applying the stroke; nothing was changed");
        }
    }
done:
    sv_stroke_ws_free(own);
    return rc;
}

sv_status sv_propagate_preview(const sv_volume *layer, const sv_segmenter *s, const sv_stroke *st, uint8_t *out)
{
    touched t;
    sv_stroke_ws *ws, *own;
    uint32_t id, n = s->graph->count;
    sv_status rc = decide(layer, s, st, &t, &ws, &own);
    if (rc == SV_OK) {
        out[0] = 0;
        for (id = 1; id <= n; id++) out[id] = st->mode == SV_STROKE_PAINT ? ws->side[id] == 1 : ws->sv[id] & 1;
    }
    sv_stroke_ws_free(own);
    return rc;
}
