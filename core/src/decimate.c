/* decimate.c — quadric-error edge collapse that keeps a closed mesh closed.
 *
 * ALGORITHM: M. Garland, P. Heckbert, "Surface simplification using quadric
 * error metrics" (SIGGRAPH 1997). Each vertex carries the sum of the
 * area-weighted squared-distance quadrics of its triangles' planes; an edge
 * costs the error of the best point for the sum of its two quadrics (solved as
 * a 3x3 system, or the best of the two ends and the midpoint when the system is
 * near singular or its solution lies far off the edge). Edges sit in a
 * min-heap by cost; an entry records both vertices' versions and is skipped when
 * popped if either has changed since (lazy deletion). A collapse u <- v is refused
 * when the mesh would stop being a closed 2-manifold or degenerate:
 *   - the link condition: u and v share exactly the two neighbours opposite
 *     their edge (else the collapse would pinch the surface);
 *   - no vertex may be left with fewer than 3 neighbours (so a component never
 *     folds below a tetrahedron into a flat double-sided sheet);
 *   - no moved triangle may flip or become a sliver (its normal must stay within
 *     ~78 degrees of where it was, and it must keep a non-trivial area);
 *   - the enclosed volume of the collapse's component must keep its sign
 *     (positive around the label, negative for a cavity's wall): each step's
 *     turn is bounded, but a few steps in a row could still turn a small
 *     component inside out (a thin slab decimated to a tetrahedron of negative
 *     volume: found by fuzzing).
 * The heap is 4-ary, rebuilt from the live edges when it holds more than 3
 * entries per live triangle (most entries are then stale).
 * MEMORY: per vertex 24 (position) + 80 (quadric) + 25 bytes; per triangle 25
 * bytes + at most 72 of heap: ~160 bytes per triangle in all, while it runs.
 * PERFORMANCE: O(t log t); ~4 us per collapse (88k -> 20k triangles: 0.14 s).
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "supervox/mesh.h"

#define NIL UINT32_MAX

typedef struct hent {
    double cost;
    uint32_t u, v, vu, vv; /* the edge and its vertices' versions when pushed */
} hent;

typedef struct dec {
    uint32_t nv, nt, alive;
    double *pos;       /* 3 per vertex */
    double *q;         /* 10 per vertex: the quadric's upper triangle */
    uint32_t *tri;     /* 3 per triangle */
    uint8_t *tdead, *vdead;
    uint32_t *head;    /* per vertex: first corner (t * 3 + k) of its list, NIL if none */
    uint32_t *nxt;     /* per corner: next corner of the same vertex */
    uint32_t *ver;     /* per vertex: bumped when it moves */
    uint32_t *mark;    /* per vertex: stamps for neighbour sets */
    uint32_t *comp;    /* per vertex: its connected component (a vertex of it) */
    double *cvol;      /* per component (indexed by that vertex): 6 x its enclosed volume */
    uint32_t stamp;
    hent *heap;
    size_t hn, hcap;
    uint32_t *nb;      /* scratch: neighbour list */
    size_t nbcap;
} dec;

/* --- heap: 4-ary (half the levels of a binary one; a node's children share a cache line or two) --- */

static int heap_push(dec *d, double cost, uint32_t u, uint32_t v)
{
    size_t i;
    if (d->hn == d->hcap) {
        size_t ncap = d->hcap ? d->hcap * 2 : 1024, bytes;
        hent *nh;
        if (!sv_mul_size(ncap, sizeof *nh, &bytes)) return 0;
        nh = (hent *)SV_REALLOC(d->heap, bytes);
        if (!nh) return 0;
        d->heap = nh;
        d->hcap = ncap;
    }
    i = d->hn++;
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (d->heap[p].cost <= cost) break;
        d->heap[i] = d->heap[p];
        i = p;
    }
    d->heap[i].cost = cost;
    d->heap[i].u = u;
    d->heap[i].v = v;
    d->heap[i].vu = d->ver[u];
    d->heap[i].vv = d->ver[v];
    return 1;
}

static hent heap_pop(dec *d)
{
    hent top = d->heap[0], last = d->heap[--d->hn];
    size_t i = 0, n = d->hn;
    for (;;) {
        size_t c = 4 * i + 1, best = c, k;
        if (c >= n) break;
        for (k = c + 1; k < c + 4 && k < n; k++)
            if (d->heap[k].cost < d->heap[best].cost) best = k;
        if (last.cost <= d->heap[best].cost) break;
        d->heap[i] = d->heap[best];
        i = best;
    }
    if (n) d->heap[i] = last;
    return top;
}

/* --- quadrics --- */

static double q_eval(const double *q, const double *p)
{
    double x = p[0], y = p[1], z = p[2];
    return q[0] * x * x + 2 * q[1] * x * y + 2 * q[2] * x * z + 2 * q[3] * x + q[4] * y * y + 2 * q[5] * y * z +
           2 * q[6] * y + q[7] * z * z + 2 * q[8] * z + q[9];
}

/* The best position for collapsing edge (u, v) and its cost. */
static double edge_target(const dec *d, uint32_t u, uint32_t v, double *p)
{
    double q[10], det, len2 = 0, best, c;
    const double *a = d->pos + (size_t)u * 3, *b = d->pos + (size_t)v * 3;
    double mid[3];
    int k;
    for (k = 0; k < 10; k++) q[k] = d->q[(size_t)u * 10 + k] + d->q[(size_t)v * 10 + k];
    for (k = 0; k < 3; k++) {
        mid[k] = 0.5 * (a[k] + b[k]);
        len2 += (a[k] - b[k]) * (a[k] - b[k]);
    }
    /* [q0 q1 q2; q1 q4 q5; q2 q5 q7] p = -[q3 q6 q8] */
    det = q[0] * (q[4] * q[7] - q[5] * q[5]) - q[1] * (q[1] * q[7] - q[5] * q[2]) + q[2] * (q[1] * q[5] - q[4] * q[2]);
    {
        double tr = q[0] + q[4] + q[7];
        if (fabs(det) > 1e-9 * tr * tr * tr && tr > 0) {
            double r0 = -q[3], r1 = -q[6], r2 = -q[8], x[3], dist2 = 0;
            x[0] = (r0 * (q[4] * q[7] - q[5] * q[5]) - q[1] * (r1 * q[7] - q[5] * r2) + q[2] * (r1 * q[5] - q[4] * r2)) / det;
            x[1] = (q[0] * (r1 * q[7] - q[5] * r2) - r0 * (q[1] * q[7] - q[5] * q[2]) + q[2] * (q[1] * r2 - r1 * q[2])) / det;
            x[2] = (q[0] * (q[4] * r2 - r1 * q[5]) - q[1] * (q[1] * r2 - r1 * q[2]) + r0 * (q[1] * q[5] - q[4] * q[2])) / det;
            for (k = 0; k < 3; k++) dist2 += (x[k] - mid[k]) * (x[k] - mid[k]);
            if (dist2 <= len2) { /* within an edge length of the midpoint: no spikes */
                memcpy(p, x, sizeof x);
                c = q_eval(q, p);
                return c > 0 ? c : 0;
            }
        }
    }
    memcpy(p, mid, sizeof mid);
    best = q_eval(q, mid);
    if ((c = q_eval(q, a)) < best) {
        best = c;
        memcpy(p, a, 3 * sizeof *p);
    }
    if ((c = q_eval(q, b)) < best) {
        best = c;
        memcpy(p, b, 3 * sizeof *p);
    }
    return best > 0 ? best : 0;
}

static int push_edge(dec *d, uint32_t u, uint32_t v)
{
    double p[3];
    return heap_push(d, edge_target(d, u, v, p), u, v);
}

/* Unlink corners of dead triangles from v's list. */
static void clean_list(dec *d, uint32_t v)
{
    uint32_t *link = &d->head[v];
    while (*link != NIL) {
        uint32_t c = *link;
        if (d->tdead[c / 3])
            *link = d->nxt[c];
        else
            link = &d->nxt[c];
    }
}

/* The distinct neighbours of v into d->nb (stamped with s); returns how many. */
static int neighbours(dec *d, uint32_t v, uint32_t s, size_t *n)
{
    uint32_t c;
    *n = 0;
    for (c = d->head[v]; c != NIL; c = d->nxt[c]) {
        uint32_t t = c / 3, k = c % 3, j;
        for (j = 1; j < 3; j++) {
            uint32_t w = d->tri[t * 3 + (k + j) % 3];
            if (d->mark[w] == s) continue;
            d->mark[w] = s;
            if (*n == d->nbcap) {
                size_t ncap = d->nbcap ? d->nbcap * 2 : 64;
                uint32_t *nn = (uint32_t *)SV_REALLOC(d->nb, ncap * sizeof *nn);
                if (!nn) return 0;
                d->nb = nn;
                d->nbcap = ncap;
            }
            d->nb[(*n)++] = w;
        }
    }
    return 1;
}

static uint32_t degree(const dec *d, uint32_t v)
{
    uint32_t c, n = 0;
    for (c = d->head[v]; c != NIL; c = d->nxt[c]) n++;
    return n; /* on a closed manifold: triangles = neighbours */
}

static void tri_normal(const double *a, const double *b, const double *c, double *n)
{
    double u[3], w[3];
    int k;
    for (k = 0; k < 3; k++) {
        u[k] = b[k] - a[k];
        w[k] = c[k] - a[k];
    }
    n[0] = u[1] * w[2] - u[2] * w[1];
    n[1] = u[2] * w[0] - u[0] * w[2];
    n[2] = u[0] * w[1] - u[1] * w[0];
}

/* Would moving vertex x (one end of the edge, the other being y) to p flip or
 * flatten any of its triangles that do not contain y? */
static int moves_badly(const dec *d, uint32_t x, uint32_t y, const double *p)
{
    uint32_t c;
    for (c = d->head[x]; c != NIL; c = d->nxt[c]) {
        uint32_t t = c / 3, k = c % 3;
        const uint32_t *tv = d->tri + (size_t)t * 3;
        const double *b, *e;
        double n0[3], n1[3], l0, l1, dot, e2;
        int i;
        if (tv[0] == y || tv[1] == y || tv[2] == y) continue;
        b = d->pos + (size_t)tv[(k + 1) % 3] * 3;
        e = d->pos + (size_t)tv[(k + 2) % 3] * 3;
        tri_normal(d->pos + (size_t)x * 3, b, e, n0);
        tri_normal(p, b, e, n1);
        l0 = sqrt(n0[0] * n0[0] + n0[1] * n0[1] + n0[2] * n0[2]);
        l1 = sqrt(n1[0] * n1[0] + n1[1] * n1[1] + n1[2] * n1[2]);
        dot = n0[0] * n1[0] + n0[1] * n1[1] + n0[2] * n1[2];
        if (!(dot > 0.2 * l0 * l1)) return 1;
        /* a sliver: twice the area tiny against the squared edges */
        e2 = 0;
        for (i = 0; i < 3; i++)
            e2 += (p[i] - b[i]) * (p[i] - b[i]) + (b[i] - e[i]) * (b[i] - e[i]) + (e[i] - p[i]) * (e[i] - p[i]);
        if (l1 < 0.02 * e2) return 1;
    }
    return 0;
}

/* 6 x the signed volume of the tetrahedron (origin, a, b, c). */
static double det3(const double *a, const double *b, const double *c)
{
    return a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
}

/* 6 x the change of enclosed volume if v collapsed into u at p: the triangles
 * around u and v after the collapse (the two on the edge gone) less before. */
static double collapse_dvol(const dec *d, uint32_t u, uint32_t v, const double *p)
{
    double dv = 0;
    uint32_t c, x;
    for (x = 0; x < 2; x++) {
        uint32_t a = x ? v : u, o = x ? u : v;
        for (c = d->head[a]; c != NIL; c = d->nxt[c]) {
            const uint32_t *tv = d->tri + (size_t)(c / 3) * 3;
            const double *q[3];
            int k, both = tv[0] == o || tv[1] == o || tv[2] == o;
            if (both && x) continue; /* an edge triangle: counted once, from u's list */
            for (k = 0; k < 3; k++) q[k] = d->pos + (size_t)tv[k] * 3;
            dv -= det3(q[0], q[1], q[2]);
            if (both) continue; /* gone after the collapse */
            q[c % 3] = p;
            dv += det3(q[0], q[1], q[2]);
        }
    }
    return dv;
}

/* Try to collapse v into u at p; 1 if done, 0 if refused, -1 out of memory. */
static int try_collapse(dec *d, uint32_t u, uint32_t v, const double *p)
{
    size_t nu, nv, i, common = 0, opp_ok = 1;
    uint32_t su, sv2, c, *tail;
    /* the link condition: N(u) and N(v) share exactly the two opposite vertices */
    su = ++d->stamp;
    if (!neighbours(d, u, su, &nu)) return -1;
    if (d->mark[v] != su) return 0; /* a stale entry: no longer an edge */
    sv2 = ++d->stamp;
    {
        /* v's neighbours that u also has (marked su before being re-stamped) */
        size_t n = 0;
        for (c = d->head[v]; c != NIL; c = d->nxt[c]) {
            uint32_t t = c / 3, k = c % 3, j;
            for (j = 1; j < 3; j++) {
                uint32_t w = d->tri[t * 3 + (k + j) % 3];
                if (d->mark[w] == sv2) continue;
                if (d->mark[w] == su && w != u) {
                    common++;
                    /* an opposite vertex must keep >= 3 neighbours after losing one */
                    if (degree(d, w) <= 3) opp_ok = 0;
                }
                d->mark[w] = sv2;
                n++;
            }
        }
        nv = n;
    }
    if (common != 2 || !opp_ok || nu + nv < 4 + 3) return 0;
    if (moves_badly(d, u, v, p) || moves_badly(d, v, u, p)) return 0;
    {
        /* a component keeps the sign of its volume: positive for a surface
         * around the label, negative for the wall of a cavity in it */
        double dv = collapse_dvol(d, u, v, p), *cv = &d->cvol[d->comp[u]];
        if (!(*cv * (*cv + dv) > 0)) return 0; /* it would turn the component inside out */
        *cv += dv;
    }
    /* collapse */
    memcpy(d->pos + (size_t)u * 3, p, 3 * sizeof *p);
    for (i = 0; i < 10; i++) d->q[(size_t)u * 10 + i] += d->q[(size_t)v * 10 + i];
    for (c = d->head[v]; c != NIL; c = d->nxt[c]) {
        uint32_t t = c / 3, *tv = d->tri + (size_t)t * 3;
        if (tv[0] == u || tv[1] == u || tv[2] == u) {
            d->tdead[t] = 1;
            d->alive--;
        } else {
            tv[c % 3] = u;
        }
    }
    tail = &d->head[u];
    while (*tail != NIL) tail = &d->nxt[*tail];
    *tail = d->head[v];
    d->head[v] = NIL;
    d->vdead[v] = 1;
    clean_list(d, u);
    d->ver[u]++;
    /* the two opposite vertices lost their dead triangles too */
    {
        uint32_t s = ++d->stamp;
        size_t n;
        if (!neighbours(d, u, s, &n)) return -1;
        for (i = 0; i < n; i++) {
            clean_list(d, d->nb[i]);
            if (!push_edge(d, u, d->nb[i])) return -1;
        }
    }
    return 1;
}

/* Union-find root, halving the path as it goes. */
static uint32_t comp_root(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

static int rebuild_heap(dec *d)
{
    uint32_t t;
    d->hn = 0;
    for (t = 0; t < d->nt; t++) {
        int k;
        if (d->tdead[t]) continue;
        for (k = 0; k < 3; k++) {
            uint32_t a = d->tri[t * 3 + k], b = d->tri[t * 3 + (k + 1) % 3];
            if (a < b && !push_edge(d, a, b)) return 0;
        }
    }
    return 1;
}

static void dec_free(dec *d)
{
    SV_FREE(d->pos);
    SV_FREE(d->q);
    SV_FREE(d->tri);
    SV_FREE(d->tdead);
    SV_FREE(d->vdead);
    SV_FREE(d->head);
    SV_FREE(d->nxt);
    SV_FREE(d->ver);
    SV_FREE(d->mark);
    SV_FREE(d->comp);
    SV_FREE(d->cvol);
    SV_FREE(d->heap);
    SV_FREE(d->nb);
}

sv_status sv_mesh_decimate(sv_mesh *m, uint32_t max_triangles, sv_progress_fn progress, void *ctx)
{
    dec d;
    sv_status st = SV_OK;
    uint32_t i, t, start, *remap = NULL, nout = 0, tout = 0;
    size_t collapses = 0;
    memset(&d, 0, sizeof d);
    if (!m) return sv_fail(SV_EINVAL, "no mesh to decimate");
    if (m->ntri <= max_triangles) return SV_OK;
    d.nv = m->nvert;
    d.nt = d.alive = start = m->ntri;
    d.pos = (double *)sv_malloc_n(d.nv, 3 * sizeof *d.pos);
    d.q = (double *)SV_CALLOC(d.nv, 10 * sizeof *d.q);
    d.tri = (uint32_t *)sv_malloc_n(d.nt, 3 * sizeof *d.tri);
    d.tdead = (uint8_t *)SV_CALLOC(d.nt, 1);
    d.vdead = (uint8_t *)SV_CALLOC(d.nv, 1);
    d.head = (uint32_t *)sv_malloc_n(d.nv, sizeof *d.head);
    d.nxt = (uint32_t *)sv_malloc_n(d.nt, 3 * sizeof *d.nxt);
    d.ver = (uint32_t *)SV_CALLOC(d.nv, sizeof *d.ver);
    d.mark = (uint32_t *)SV_CALLOC(d.nv, sizeof *d.mark);
    d.comp = (uint32_t *)sv_malloc_n(d.nv, sizeof *d.comp);
    d.cvol = (double *)SV_CALLOC(d.nv, sizeof *d.cvol);
    if (!d.pos || !d.q || !d.tri || !d.tdead || !d.vdead || !d.head || !d.nxt || !d.ver || !d.mark || !d.comp || !d.cvol)
        goto nomem;
    for (i = 0; i < d.nv * 3; i++) d.pos[i] = m->pos[i];
    memcpy(d.tri, m->tri, (size_t)d.nt * 3 * sizeof *d.tri);
    memset(d.head, 0xff, (size_t)d.nv * sizeof *d.head);
    for (t = 0; t < d.nt; t++) {
        uint32_t *tv = d.tri + (size_t)t * 3;
        double n[3], len, pl[4], w;
        int k, a, b, j;
        tri_normal(d.pos + (size_t)tv[0] * 3, d.pos + (size_t)tv[1] * 3, d.pos + (size_t)tv[2] * 3, n);
        len = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
        for (k = 0; k < 3; k++) {
            d.nxt[t * 3 + k] = d.head[tv[k]];
            d.head[tv[k]] = t * 3 + k;
        }
        if (len <= 0) continue;
        w = 0.5 * len; /* area weight */
        for (k = 0; k < 3; k++) pl[k] = n[k] / len;
        pl[3] = -(pl[0] * d.pos[(size_t)tv[0] * 3] + pl[1] * d.pos[(size_t)tv[0] * 3 + 1] + pl[2] * d.pos[(size_t)tv[0] * 3 + 2]);
        for (k = 0; k < 3; k++) {
            double *q = d.q + (size_t)tv[k] * 10;
            j = 0;
            for (a = 0; a < 4; a++)
                for (b = a; b < 4; b++) q[j++] += w * pl[a] * pl[b];
        }
    }
    /* components (union-find over the triangles' vertices) and their volumes */
    for (i = 0; i < d.nv; i++) d.comp[i] = i;
    for (t = 0; t < d.nt; t++) {
        int k;
        for (k = 1; k < 3; k++) {
            uint32_t a = comp_root(d.comp, d.tri[t * 3]), b = comp_root(d.comp, d.tri[t * 3 + k]);
            if (a != b) d.comp[a < b ? b : a] = a < b ? a : b;
        }
    }
    for (i = 0; i < d.nv; i++) d.comp[i] = comp_root(d.comp, i);
    for (t = 0; t < d.nt; t++) {
        const uint32_t *tv = d.tri + (size_t)t * 3;
        d.cvol[d.comp[tv[0]]] += det3(d.pos + (size_t)tv[0] * 3, d.pos + (size_t)tv[1] * 3, d.pos + (size_t)tv[2] * 3);
    }
    if (!rebuild_heap(&d)) goto nomem;
    while (d.alive > max_triangles && d.hn > 0) {
        hent e = heap_pop(&d);
        double p[3];
        int r;
        if (d.vdead[e.u] || d.vdead[e.v] || d.ver[e.u] != e.vu || d.ver[e.v] != e.vv) continue;
        edge_target(&d, e.u, e.v, p);
        r = try_collapse(&d, e.u, e.v, p);
        if (r < 0) goto nomem;
        if (r == 0) continue;
        collapses++;
        if (d.hn > 3 * (size_t)d.alive + 4096 && !rebuild_heap(&d)) goto nomem;
        if ((collapses & 4095) == 0 && progress &&
            progress(ctx, (double)(start - d.alive) / (double)(start - max_triangles))) {
            st = sv_fail(SV_ECANCELLED, "decimation cancelled");
            goto done;
        }
    }
    /* compact into m */
    remap = (uint32_t *)sv_malloc_n(d.nv, sizeof *remap);
    if (!remap) goto nomem;
    memset(remap, 0xff, (size_t)d.nv * sizeof *remap);
    for (t = 0; t < d.nt; t++) {
        int k;
        if (d.tdead[t]) continue;
        for (k = 0; k < 3; k++) {
            uint32_t v = d.tri[t * 3 + k];
            if (remap[v] == NIL) {
                remap[v] = nout;
                m->pos[(size_t)nout * 3 + 0] = (float)d.pos[(size_t)v * 3 + 0];
                m->pos[(size_t)nout * 3 + 1] = (float)d.pos[(size_t)v * 3 + 1];
                m->pos[(size_t)nout * 3 + 2] = (float)d.pos[(size_t)v * 3 + 2];
                nout++;
            }
            m->tri[(size_t)tout * 3 + k] = remap[v];
        }
        tout++;
    }
    m->nvert = nout;
    m->ntri = tout;
    sv_mesh_compute_normals(m);
    goto done;
nomem:
    st = sv_fail(SV_ENOMEM, "out of memory decimating a mesh");
done:
    SV_FREE(remap);
    dec_free(&d);
    return st;
}
