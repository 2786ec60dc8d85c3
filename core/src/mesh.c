/* mesh.c — marching cubes over a label map, the block-cached mesher that
 * re-meshes only what an edit touched, Taubin smoothing, normals, measures.
 *
 * ALGORITHM: marching cubes (W. Lorensen, H. Cline, SIGGRAPH 1987) on the
 * indicator of one label at iso 0.5: a cube has a corner at each of 8 voxel
 * centres, its case is the 8-bit set of corners inside the label, and every
 * vertex is the midpoint of a cube edge whose two corners differ. The grid is
 * padded by one background voxel on every side (cubes -1 .. n-1 per axis), so
 * a label touching the border is closed there, by a surface on the border's
 * voxel faces.
 * The case table is not the classic one (which picks a triangulation per case
 * with complementary cases sharing it, so two cubes can disagree about a
 * shared ambiguous face and leave a hole). It is built at first use from the
 * faces: each face joins its crossing points by segments (an ambiguous face,
 * two diagonal corners inside, always joins the inside corners and cuts off
 * the outside ones, as skimage does on such ties: a label is 18-connected, so a
 * one-voxel diagonal brush line is one tube, and background 6-connected),
 * oriented so the inside is on their left seen from outside the cube. The
 * segments of a cube close into loops; each loop becomes a disk, triangulated
 * inside the cube by the greatest-area triangulation (the classic tables'
 * choice) whose diagonals never join two points of one face (so a diagonal is
 * never shared with the cube next door). Both cubes of a face derive the same
 * segments from the same four corners, so every edge of the surface has
 * exactly two triangles, running it in opposite directions. Unlike skimage's
 * Lewiner MC33 we never open a tunnel through a cube's interior (two loops in
 * one cube stay two disks): on thin, folded or fragmented labels skimage's
 * area is up to ~1% larger (~2% on labels of a few hundred voxels).
 * Blocks: the cubes are cut into blocks of 32^3; per block a 256-bit set of the
 * labels its corners hold (only blocks holding the label and something else
 * are meshed), and per (block, label) a small cached mesh whose vertices are
 * named by their grid edge. In a block, each row of corners is one 64-bit
 * mask, so the cubes the surface crosses come out of a few word operations
 * and no other cube is visited; an edge-index cache (one slot per grid edge of
 * the block) shares each edge's vertex among its cubes, and in raster order a
 * cube creates exactly its crossed edges on the high side of both other axes
 * (the rest are already cached), so the hot loop has no "seen it?" branch.
 * The cache is stamped per block instead of cleared. Rows of voxels become
 * masks 16 bytes per compare (SSE2 / wasm SIMD), also when finding a block's
 * labels (one compare per value a row holds).
 * Across blocks the vertices on block faces are welded while stitching: the
 * first block in raster order to hold a seam vertex makes it and records its
 * index in a table of its high face, and the blocks after look it up there
 * (no hash, no float positions compared). The normals of a raw mesh are summed
 * block by block as it is stitched, while its vertices are in cache.
 * Threads: the blocks to re-mesh are spread over the threads (supervox/parallel.h),
 * each with its own row masks and edge cache; a block's mesh depends on the
 * block alone and the stitch is serial, so the output is the same bytes for
 * any thread count. Taubin smoothing's steps are split by vertex ranges.
 * MEMORY: per block 44 bytes; per thread scratch 9 KB (row masks) + 431 KB (edge cache) +
 * 4 bytes per vertex of the largest block + while stitching 8.7 KB per face
 * table (1 + nb[0] + nb[0] * nb[1] of them, nb the blocks per axis: 0.8 MB at
 * 256^3); per cached (block, label) mesh 4 bytes per vertex + 12 per triangle
 * (with up to 2x slack from doubling).
 * PERFORMANCE (the demo brain's cortex, 496k triangles, one core): block label
 * sets ~1 ns per voxel (3 ms), marching cubes 12 ms (~25 ns per triangle),
 * stitching 9 ms, normals 4 ms.
 */
#include <math.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#elif defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "internal.h"
#include "supervox/mesh.h"
#include "supervox/parallel.h"

#define BLK 32              /* cubes per block edge */
#define BLKC (BLK + 1)      /* corners per block edge */
#define NCODES (BLKC * BLKC * BLKC * 3) /* grid edges a block's cubes use: ((lz*BLKC+ly)*BLKC+lx)*3+axis */
#define LOWF 0x80000000u    /* flag on a cached vertex's key: its edge lies on a low face of the block */
#define HIGHF 0x40000000u   /* ... on a high face (both flags on a block edge between the two) */
/* A cached vertex is named by its grid edge in the block: lower corner (lx, ly,
 * lz) in 0..BLK and axis, packed as lx | ly << 6 | lz << 12 | axis << 18 (no
 * divisions to unpack), plus LOWF and HIGHF. */
#define PACK(x, y, z, a) ((uint32_t)(x) | (uint32_t)(y) << 6 | (uint32_t)(z) << 12 | (uint32_t)(a) << 18)
#define PX(k) ((k) & 63u)
#define PY(k) (((k) >> 6) & 63u)
#define PZ(k) (((k) >> 12) & 63u)
#define PA(k) (((k) >> 18) & 3u)
#define MAXTRI 12           /* triangles per cube: at most 12 crossings, loops of >= 3 */
/* Stitching: the slot of a vertex on a block face across axis u, in that face's table: its
 * two in-face corner coordinates and which of the two in-face axes it runs along. */
#define FSLOT(u, l0, l1, l2, a)                                                                         \
    ((u) == 0 ? ((l2) * BLKC + (l1)) * 2 + ((a) == 2)                                                   \
              : (u) == 1 ? ((l2) * BLKC + (l0)) * 2 + ((a) == 2) : ((l1) * BLKC + (l0)) * 2 + ((a) == 1))
#define FACE (BLKC * BLKC * 2) /* slots per face table */

/* The edge cache holds a block-local vertex index (< NCODES < 2^VBITS) under
 * the stamp of the block that made it, so it is never cleared between blocks. */
#define VBITS 17
#define VMASK ((1u << VBITS) - 1)

/* --- the case table -------------------------------------------------------
 * Corner c of a cube sits at (dx, dy, dz) = ((c >> 2) & 1, c & 1, (c >> 1) & 1),
 * so a row of cubes along x reads its case as col[x] | col[x + 1] << 4, col
 * being the 4 corners of one x position. */

static int g_table_ready;
static uint8_t g_ntri[256];
static int8_t g_tri[256][MAXTRI * 3]; /* cube edges, 3 per triangle, counter-clockwise from outside */
static uint8_t g_nedge[256];          /* the cube edges a case crosses, listed once each: */
static uint8_t g_nown[256];           /* first those the cube meets first in raster order */
static int8_t g_edge[256][12];        /* (high side on both other axes), then the rest */
static int8_t g_tri_at[256][MAXTRI * 3]; /* g_tri as positions in g_edge, zero padded */
static uint8_t g_edge_low[12];        /* per cube edge: the other axes on which it is on the low side */
static uint32_t g_edge_off[12];       /* block edge code of cube edge e, relative to the cube's */
static uint8_t g_edge_d[12][4];       /* cube edge e: lower corner dx, dy, dz and axis */

static void corner_xyz(int c, double p[3])
{
    p[0] = (c >> 2) & 1;
    p[1] = c & 1;
    p[2] = (c >> 1) & 1;
}

static void cross3(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

static double tri_area3(const double a[3], const double b[3], const double c[3])
{
    double u[3], v[3], n[3];
    int i;
    for (i = 0; i < 3; i++) {
        u[i] = b[i] - a[i];
        v[i] = c[i] - a[i];
    }
    cross3(u, v, n);
    return 0.5 * sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
}

/* Triangulate loop v[0..m) (cube edges, in order) into tri (3 per triangle):
 * the greatest total area among the triangulations whose diagonals join no two
 * points of one face (the greatest is what the classic tables, and skimage's,
 * pick for these polygons: voxelised spheres agree with skimage's area to
 * 0.001%). Returns the triangle count (a fan if no triangulation qualifies,
 * which the tests would catch: it does not happen for this table). */
static int triangulate_loop(const int *v, int m, const uint8_t *edge_faces, double (*mid)[3], int8_t *tri)
{
    double cost[12][12];
    int best[12][12], i, j, k, len, n = 0, sp = 0;
    int stack[24][2];
    for (i = 0; i < m; i++)
        for (j = 0; j < m; j++) {
            cost[i][j] = HUGE_VAL;
            best[i][j] = -1;
        }
    for (i = 0; i + 1 < m; i++) cost[i][i + 1] = 0;
    for (len = 2; len < m; len++)
        for (i = 0; i + len < m; i++) {
            j = i + len;
            /* (i, j) is a side of the polygon only for (0, m-1) */
            if (!(i == 0 && j == m - 1) && (edge_faces[v[i]] & edge_faces[v[j]])) continue;
            for (k = i + 1; k < j; k++) {
                double c = cost[i][k] + cost[k][j] - tri_area3(mid[v[i]], mid[v[k]], mid[v[j]]); /* - area: max */
                if (c < cost[i][j] - 1e-12) {
                    cost[i][j] = c;
                    best[i][j] = k;
                }
            }
        }
    if (best[0][m - 1] < 0) { /* no valid triangulation: a fan */
        for (k = 1; k + 1 < m; k++) {
            tri[n++] = (int8_t)v[0];
            tri[n++] = (int8_t)v[k];
            tri[n++] = (int8_t)v[k + 1];
        }
        return n / 3;
    }
    stack[sp][0] = 0;
    stack[sp++][1] = m - 1;
    while (sp > 0) {
        sp--;
        i = stack[sp][0];
        j = stack[sp][1];
        if (j - i < 2) continue;
        k = best[i][j];
        tri[n++] = (int8_t)v[i]; /* (i, k, j) keeps the loop's orientation */
        tri[n++] = (int8_t)v[k];
        tri[n++] = (int8_t)v[j];
        stack[sp][0] = i;
        stack[sp++][1] = k;
        stack[sp][0] = k;
        stack[sp++][1] = j;
    }
    return n / 3;
}

static void table_build(void)
{
    static const int bit[3] = {4, 1, 2}; /* corner bit of a step along x, y, z */
    static const int uv[4][2] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
    int edge_of[8][8], face_c[6][4], e = 0, a, c, f, k, cs;
    double face_n[6][3], mid[12][3];
    uint8_t edge_faces[12];
    memset(edge_of, 0xff, sizeof edge_of);
    for (a = 0; a < 3; a++)
        for (c = 0; c < 8; c++)
            if (!(c & bit[a])) {
                double p[3];
                int d[3];
                corner_xyz(c, p);
                d[0] = (int)p[0];
                d[1] = (int)p[1];
                d[2] = (int)p[2];
                edge_of[c][c | bit[a]] = edge_of[c | bit[a]][c] = e;
                p[a] += 0.5;
                memcpy(mid[e], p, sizeof p);
                g_edge_d[e][0] = (uint8_t)d[0];
                g_edge_d[e][1] = (uint8_t)d[1];
                g_edge_d[e][2] = (uint8_t)d[2];
                g_edge_d[e][3] = (uint8_t)a;
                g_edge_off[e] = (uint32_t)((((d[2] * BLKC) + d[1]) * BLKC + d[0]) * 3 + a);
                g_edge_low[e] = (uint8_t)(((a != 0 && !d[0]) ? 1 : 0) | ((a != 1 && !d[1]) ? 2 : 0) | ((a != 2 && !d[2]) ? 4 : 0));
                e++;
            }
    memset(edge_faces, 0, sizeof edge_faces);
    for (f = 0; f < 6; f++) {
        int fa = f / 2, side = f % 2, u = (fa + 1) % 3, w = (fa + 2) % 3;
        face_n[f][0] = face_n[f][1] = face_n[f][2] = 0;
        face_n[f][fa] = side ? 1 : -1;
        for (k = 0; k < 4; k++) {
            int pos[3];
            pos[fa] = side;
            pos[u] = uv[k][0];
            pos[w] = uv[k][1];
            face_c[f][k] = pos[0] * 4 + pos[1] + pos[2] * 2;
        }
        for (k = 0; k < 4; k++) edge_faces[edge_of[face_c[f][k]][face_c[f][(k + 1) % 4]]] |= (uint8_t)(1 << f);
    }
    for (cs = 0; cs < 256; cs++) {
        int next[12], seen[12], nt = 0;
        for (k = 0; k < 12; k++) {
            next[k] = -1;
            seen[k] = 0;
        }
        for (f = 0; f < 6; f++) {
            int in[4], ed[4], ncross = 0, seg[4][2], nseg = 0, s;
            double ref[4][3];
            for (k = 0; k < 4; k++) in[k] = (cs >> face_c[f][k]) & 1;
            for (k = 0; k < 4; k++) {
                ed[k] = edge_of[face_c[f][k]][face_c[f][(k + 1) % 4]];
                ncross += in[k] != in[(k + 1) % 4];
            }
            if (ncross == 2) {
                int ninside = 0, x[2], nx = 0;
                ref[0][0] = ref[0][1] = ref[0][2] = 0;
                for (k = 0; k < 4; k++) {
                    if (in[k]) {
                        double p[3];
                        corner_xyz(face_c[f][k], p);
                        ref[0][0] += p[0];
                        ref[0][1] += p[1];
                        ref[0][2] += p[2];
                        ninside++;
                    }
                    if (in[k] != in[(k + 1) % 4]) x[nx++] = ed[k];
                }
                ref[0][0] /= ninside;
                ref[0][1] /= ninside;
                ref[0][2] /= ninside;
                seg[0][0] = x[0];
                seg[0][1] = x[1];
                nseg = 1;
            } else if (ncross == 4) { /* ambiguous: join the inside corners, cut off each outside one */
                for (k = 0; k < 4; k++)
                    if (!in[k]) {
                        /* the inside is the face's centre side: the centre of corners k and k + 2 */
                        double cc[3], fc[3];
                        int i;
                        corner_xyz(face_c[f][k], cc);
                        corner_xyz(face_c[f][(k + 2) % 4], fc);
                        for (i = 0; i < 3; i++) ref[nseg][i] = 0.5 * (cc[i] + fc[i]);
                        seg[nseg][0] = ed[(k + 3) % 4];
                        seg[nseg][1] = ed[k];
                        nseg++;
                    }
            }
            for (s = 0; s < nseg; s++) {
                /* run the segment p -> q with the inside on its left seen from
                 * outside the cube: along (away-from-inside) x (face normal) */
                double *p = mid[seg[s][0]], *q = mid[seg[s][1]], uu[3], dir[3], d = 0;
                int i;
                for (i = 0; i < 3; i++) uu[i] = 0.5 * (p[i] + q[i]) - ref[s][i];
                cross3(uu, face_n[f], dir);
                for (i = 0; i < 3; i++) d += (q[i] - p[i]) * dir[i];
                if (d > 0)
                    next[seg[s][0]] = seg[s][1];
                else
                    next[seg[s][1]] = seg[s][0];
            }
        }
        for (k = 0; k < 12; k++) {
            int loop[12], m = 0, x = k;
            if (next[k] < 0 || seen[k]) continue;
            while (!seen[x] && m < 12) {
                seen[x] = 1;
                loop[m++] = x;
                x = next[x];
                if (x < 0) break;
            }
            if (m >= 3 && nt < MAXTRI) nt += triangulate_loop(loop, m, edge_faces, mid, &g_tri[cs][nt * 3]);
        }
        g_ntri[cs] = (uint8_t)nt;
        {
            int at[12], ne = 0, own;
            for (k = 0; k < 12; k++) at[k] = -1;
            for (own = 1; own >= 0; own--)
                for (k = 0; k < nt * 3; k++) {
                    int ed = g_tri[cs][k];
                    if (at[ed] < 0 && (g_edge_low[ed] == 0) == own) {
                        at[ed] = ne;
                        g_edge[cs][ne++] = (int8_t)ed;
                    }
                    if (own) g_nown[cs] = (uint8_t)ne;
                }
            for (k = 0; k < nt * 3; k++) g_tri_at[cs][k] = (int8_t)at[g_tri[cs][k]];
            g_nedge[cs] = (uint8_t)ne;
        }
    }
    g_table_ready = 1;
}

/* --- the mesher ----------------------------------------------------------- */

typedef struct blkmesh {
    uint32_t gen;          /* the block's generation when built; 0 = never */
    uint32_t nv, nt;
    uint32_t vcap, tcap;   /* capacities, in vertices and triangles */
    uint32_t *vcode;       /* per vertex: its grid edge, PACK(...) | LOWF | HIGHF */
    uint32_t *tri;         /* 3 per triangle: block-local vertex indices */
} blkmesh;

/* One thread's scratch for meshing a block. */
typedef struct mcscratch {
    uint64_t *occ;         /* per row (lz, ly) of a block, bit lx = corner inside */
    uint32_t *ecache;      /* NCODES vertex slots, stamp << VBITS | vertex */
    uint32_t stamp;        /* the stamp of the block being meshed (1 .. 2^(32-VBITS) - 1) */
} mcscratch;

static int scratch_init(mcscratch *sc)
{
    sc->occ = (uint64_t *)SV_MALLOC((size_t)BLKC * BLKC * sizeof *sc->occ);
    sc->ecache = (uint32_t *)SV_CALLOC((size_t)NCODES, sizeof *sc->ecache); /* stamp 0: never a block's */
    sc->stamp = 0;
    return sc->occ && sc->ecache;
}

struct sv_mesher {
    const sv_volume *lab;
    int32_t n[3];          /* voxels per axis */
    int32_t nc[3];         /* cubes per axis: n + 1 (one background layer each side) */
    int32_t nb[3];         /* blocks per axis */
    size_t nblocks;
    uint32_t clock;        /* last generation handed out */
    uint32_t *gen;         /* per block: its generation (changes when invalidated) */
    uint32_t *pgen;        /* per block: the generation its label set was computed at */
    uint64_t *present;     /* per block 4 words: labels its corners hold (0 also if it reaches outside) */
    blkmesh *cache[256];   /* per label: nblocks cached meshes, or NULL */
    mcscratch scr[SV_MAX_THREADS]; /* per thread meshing blocks (scr[0] made with the mesher, others at first use) */
    uint32_t *todo;        /* the blocks update_blocks meshes (nblocks) */
    uint32_t *map;         /* stitch: block vertex -> output vertex */
    size_t mapcap;
    uint32_t *face;        /* stitch: output index of the vertices on blocks' high faces, */
                           /* FACE slots per face: 1 (x) + nb[0] (y) + nb[0] * nb[1] (z) faces */
};

void sv_mesh_params_default(sv_mesh_params *p)
{
    p->smooth_iterations = 12;
    p->smooth_lambda = 0.6307; /* Taubin's own example: pass band k_PB = 1/lambda + 1/mu = 0.1 */
    p->smooth_mu = -0.6732;
    p->max_triangles = 0;
}

void sv_mesh_free(sv_mesh *m)
{
    if (!m) return;
    SV_FREE(m->pos);
    SV_FREE(m->normal);
    SV_FREE(m->tri);
    SV_FREE(m);
}

sv_status sv_mesher_create(const sv_volume *labels, sv_mesher **out)
{
    sv_mesher *m;
    size_t i, nb = 1;
    int a;
    *out = NULL;
    if (!labels || labels->dtype != SV_DT_UINT8) return sv_fail(SV_EINVAL, "a mesh is made from a uint8 label map");
    for (a = 0; a < 3; a++) {
        if (labels->dim[a] < 1 || labels->dim[a] > INT32_MAX - 2 * BLK)
            return sv_fail(SV_ERANGE, "the label map's dims are out of range for meshing");
        nb *= (size_t)((labels->dim[a] + 1 + BLK - 1) / BLK);
    }
    /* global edge keys are 64-bit; vertex and triangle counts are checked when stitching */
    if (!g_table_ready) table_build();
    m = (sv_mesher *)SV_CALLOC(1, sizeof *m);
    if (!m) return sv_fail(SV_ENOMEM, "out of memory creating a mesher");
    m->lab = labels;
    for (a = 0; a < 3; a++) {
        m->n[a] = labels->dim[a];
        m->nc[a] = labels->dim[a] + 1;
        m->nb[a] = (m->nc[a] + BLK - 1) / BLK;
    }
    m->nblocks = nb;
    m->gen = (uint32_t *)sv_malloc_n(nb, sizeof *m->gen);
    m->pgen = (uint32_t *)SV_CALLOC(nb, sizeof *m->pgen);
    m->present = (uint64_t *)sv_malloc_n(nb, 4 * sizeof *m->present);
    m->todo = (uint32_t *)sv_malloc_n(nb, sizeof *m->todo);
    if (!m->gen || !m->pgen || !m->present || !m->todo || !scratch_init(&m->scr[0])) {
        sv_mesher_free(m);
        return sv_fail(SV_ENOMEM, "out of memory creating a mesher");
    }
    for (i = 0; i < nb; i++) m->gen[i] = 1;
    m->clock = 1;
    *out = m;
    return SV_OK;
}

static void cache_free(blkmesh *c, size_t nblocks)
{
    size_t b;
    if (!c) return;
    for (b = 0; b < nblocks; b++) {
        SV_FREE(c[b].vcode);
        SV_FREE(c[b].tri);
    }
    SV_FREE(c);
}

void sv_mesher_forget(sv_mesher *m, uint8_t label)
{
    if (!m) return;
    cache_free(m->cache[label], m->nblocks);
    m->cache[label] = NULL;
}

void sv_mesher_free(sv_mesher *m)
{
    int l;
    if (!m) return;
    for (l = 0; l < 256; l++) cache_free(m->cache[l], m->nblocks);
    SV_FREE(m->gen);
    SV_FREE(m->pgen);
    SV_FREE(m->present);
    for (l = 0; l < SV_MAX_THREADS; l++) {
        SV_FREE(m->scr[l].occ);
        SV_FREE(m->scr[l].ecache);
    }
    SV_FREE(m->todo);
    SV_FREE(m->map);
    SV_FREE(m->face);
    SV_FREE(m);
}

size_t sv_mesher_bytes(const sv_mesher *m)
{
    size_t bytes = sizeof *m + m->nblocks * (4 + 4 + 32 + 4) + m->mapcap * 4 +
                   (m->face ? (1 + (size_t)m->nb[0] * (1 + (size_t)m->nb[1])) * FACE * 4 : 0);
    int l;
    for (l = 0; l < SV_MAX_THREADS; l++)
        if (m->scr[l].ecache) bytes += (size_t)BLKC * BLKC * 8 + (size_t)NCODES * 4;
    for (l = 0; l < 256; l++) {
        size_t b;
        if (!m->cache[l]) continue;
        bytes += m->nblocks * sizeof(blkmesh);
        for (b = 0; b < m->nblocks; b++) bytes += (size_t)m->cache[l][b].vcap * 4 + (size_t)m->cache[l][b].tcap * 12;
    }
    return bytes;
}

/* A new generation for block b (its caches become stale). */
static void touch_block(sv_mesher *m, size_t b)
{
    if (m->clock == UINT32_MAX) { /* wrapped: forget every cache, restart the clock */
        int l;
        size_t i;
        for (l = 0; l < 256; l++)
            if (m->cache[l])
                for (i = 0; i < m->nblocks; i++) m->cache[l][i].gen = 0;
        for (i = 0; i < m->nblocks; i++) m->gen[i] = 1, m->pgen[i] = 0;
        m->clock = 1;
    }
    m->gen[b] = ++m->clock;
}

void sv_mesher_invalidate(sv_mesher *m, const sv_box *box)
{
    int32_t lo[3], hi[3];
    int32_t bx, by, bz;
    int a;
    if (!m || !box) return;
    for (a = 0; a < 3; a++) {
        /* voxels [lo, hi) are corners [lo + 1, hi] of the padded grid: cubes [lo, hi] */
        int32_t l = box->lo[a] < 0 ? 0 : box->lo[a], h = box->hi[a] > m->n[a] ? m->n[a] : box->hi[a];
        if (h <= l) return;
        lo[a] = l / BLK;
        hi[a] = h / BLK;
        if (hi[a] >= m->nb[a]) hi[a] = m->nb[a] - 1;
    }
    for (bz = lo[2]; bz <= hi[2]; bz++)
        for (by = lo[1]; by <= hi[1]; by++)
            for (bx = lo[0]; bx <= hi[0]; bx++)
                touch_block(m, (size_t)bx + (size_t)m->nb[0] * ((size_t)by + (size_t)m->nb[1] * (size_t)bz));
}

void sv_mesher_invalidate_all(sv_mesher *m)
{
    size_t b;
    if (!m) return;
    for (b = 0; b < m->nblocks; b++) touch_block(m, b);
}

/* Count trailing zeros of a non-zero word. */
static int ctz64(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_ctzll(x);
#else
    int n = 0;
    while (!(x & 1)) x >>= 1, n++;
    return n;
#endif
}

/* Bit i set where p[i] == v, for i < n (n <= 64): a row of voxels as a mask.
 * 16 bytes per compare with SSE2 or wasm SIMD (a 33-byte row is 3 compares:
 * the last load overlaps, never reading past p + n), 8 per word in SWAR on
 * other little-endian targets, one per byte elsewhere. */
static uint64_t eq_mask(const uint8_t *p, int n, uint8_t v)
{
    uint64_t bits = 0;
    int i = 0;
#if defined(__SSE2__) || defined(__wasm_simd128__)
    if (n >= 16) {
#if defined(__SSE2__)
        const __m128i vv = _mm_set1_epi8((char)v);
#define EQ16(q) ((uint64_t)(uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)(q)), vv)))
#else
        const v128_t vv = wasm_i8x16_splat((int8_t)v);
#define EQ16(q) ((uint64_t)wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(q), vv)))
#endif
        for (; i + 16 <= n; i += 16) bits |= EQ16(p + i) << i;
        if (i < n) bits |= EQ16(p + n - 16) << (n - 16);
#undef EQ16
        return bits;
    }
#elif defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (n >= 8) {
        const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
        for (;;) {
            uint64_t w, z;
            int at = i + 8 <= n ? i : n - 8;
            memcpy(&w, p + at, 8);
            w ^= ones * v;
            z = ~(((w & low7) + low7) | w | low7); /* 0x80 in the bytes that were v */
            bits |= (((z >> 7) * 0x0102040810204080ull) >> 56) << at; /* gather the 8 flags */
            if (at + 8 >= n) return bits;
            i += 8;
        }
    }
#endif
    for (; i < n; i++) bits |= (uint64_t)(p[i] == v) << i;
    return bits;
}

/* The set of values block b's corners hold (the voxels [bB - 1, bB + B - 1]
 * per axis), with 0 if the corners reach outside the grid. */
static void block_labels(sv_mesher *m, int32_t bx, int32_t by, int32_t bz, uint64_t *set)
{
    const uint8_t *lab = (const uint8_t *)m->lab->data;
    uint8_t seen[256];
    int32_t o[3], lo[3], hi[3], y, z;
    int a, x0, len, outside = 0;
    uint64_t full;
    o[0] = bx * BLK - 1;
    o[1] = by * BLK - 1;
    o[2] = bz * BLK - 1;
    for (a = 0; a < 3; a++) {
        lo[a] = o[a] < 0 ? 0 : o[a];
        hi[a] = o[a] + BLKC > m->n[a] ? m->n[a] : o[a] + BLKC;
        if (o[a] < 0 || o[a] + BLKC > m->n[a]) outside = 1;
    }
    /* mark values in a byte per value, fold into bits once. A row costs one
     * compare per value it holds (mostly one): each pass drops the bytes equal
     * to the first value not yet seen in the row. */
    memset(seen, 0, sizeof seen);
    seen[0] = (uint8_t)outside;
    len = hi[0] - lo[0];
    full = len >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << len) - 1;
    for (z = lo[2]; z < hi[2]; z++)
        for (y = lo[1]; y < hi[1]; y++) {
            const uint8_t *row = lab + (size_t)m->n[0] * ((size_t)y + (size_t)m->n[1] * (size_t)z) + lo[0];
            uint64_t left = full;
            while (left) {
                uint8_t val = row[ctz64(left)];
                seen[val] = 1;
                left &= ~eq_mask(row, len, val);
            }
        }
    set[0] = set[1] = set[2] = set[3] = 0;
    for (x0 = 0; x0 < 256; x0++) set[x0 >> 6] |= (uint64_t)seen[x0] << (x0 & 63);
}

/* Bring the label sets of the blocks in row piece (by, bz) of ctx's mesher up to date. */
static sv_status labels_piece(void *ctx, size_t piece, unsigned worker)
{
    sv_mesher *m = (sv_mesher *)ctx;
    int32_t bx, by = (int32_t)(piece % (size_t)m->nb[1]), bz = (int32_t)(piece / (size_t)m->nb[1]);
    size_t b = piece * (size_t)m->nb[0];
    (void)worker;
    for (bx = 0; bx < m->nb[0]; bx++, b++)
        if (m->pgen[b] != m->gen[b]) {
            block_labels(m, bx, by, bz, m->present + 4 * b);
            m->pgen[b] = m->gen[b];
        }
    return SV_OK;
}

void sv_mesher_labels(sv_mesher *m, int changed_only, uint64_t set[4])
{
    int32_t bx, by, bz;
    size_t b = 0;
    int i, L;
    set[0] = set[1] = set[2] = set[3] = 0;
    if (!m) return;
    /* the stale blocks' sets, a row of blocks per piece (cannot fail) */
    (void)sv_parallel_for((size_t)m->nb[1] * (size_t)m->nb[2], labels_piece, m);
    for (bz = 0; bz < m->nb[2]; bz++)
        for (by = 0; by < m->nb[1]; by++)
            for (bx = 0; bx < m->nb[0]; bx++, b++) {
                uint64_t *now = m->present + 4 * b;
                if (!changed_only) {
                    for (i = 0; i < 4; i++) set[i] |= now[i];
                    continue;
                }
                for (L = 1; L < 256; L++) {
                    const blkmesh *c = m->cache[L];
                    int holds = (int)(now[L >> 6] >> (L & 63) & 1);
                    if (c ? c[b].gen != m->gen[b] && (holds || c[b].nt) : holds) set[L >> 6] |= (uint64_t)1 << (L & 63);
                }
            }
    set[0] &= ~(uint64_t)1; /* the background has no mesh */
}

static int grow32(uint32_t **p, uint32_t *cap, size_t need, size_t unit)
{
    size_t ncap = *cap ? *cap : 256, bytes;
    uint32_t *np;
    while (ncap < need) ncap *= 2;
    if (ncap > UINT32_MAX || !sv_mul_size(ncap, unit * sizeof **p, &bytes)) return 0;
    np = (uint32_t *)SV_REALLOC(*p, bytes);
    if (!np) return 0;
    *p = np;
    *cap = (uint32_t)ncap;
    return 1;
}

/* Marching cubes on block (bx, by, bz) for label L into bm. The block's
 * corners are read into one bit mask per row (bit lx = inside); the cubes of
 * a row whose corners are not all alike come out of a few word operations on
 * the row's four masks, so only cubes the surface crosses are visited. */
static sv_status mesh_block(const sv_mesher *m, mcscratch *sc, int32_t bx, int32_t by, int32_t bz, uint8_t L,
                            blkmesh *bm)
{
    const uint8_t *lab = (const uint8_t *)m->lab->data;
    uint64_t *occ = sc->occ, valid;
    uint32_t *ec = sc->ecache, tag, *tri;
    int32_t o[3], nc[3], lx, ly, lz;
    sv_status st = SV_OK;
    o[0] = bx * BLK - 1; /* voxel at block corner 0 */
    o[1] = by * BLK - 1;
    o[2] = bz * BLK - 1;
    nc[0] = m->nc[0] - bx * BLK < BLK ? m->nc[0] - bx * BLK : BLK;
    nc[1] = m->nc[1] - by * BLK < BLK ? m->nc[1] - by * BLK : BLK;
    nc[2] = m->nc[2] - bz * BLK < BLK ? m->nc[2] - bz * BLK : BLK;
    valid = ((uint64_t)1 << nc[0]) - 1; /* cubes 0 .. nc[0]-1 of a row (nc[0] <= 32) */
    for (lz = 0; lz <= nc[2]; lz++)
        for (ly = 0; ly <= nc[1]; ly++) {
            int32_t py = o[1] + ly, pz = o[2] + lz, xa, xb;
            const uint8_t *src;
            uint64_t bits = 0;
            if (py >= 0 && pz >= 0 && py < m->n[1] && pz < m->n[2]) {
                src = lab + (size_t)m->n[0] * ((size_t)py + (size_t)m->n[1] * (size_t)pz) + o[0];
                xa = o[0] < 0 ? -o[0] : 0;
                xb = m->n[0] - o[0] < nc[0] + 1 ? m->n[0] - o[0] : nc[0] + 1;
                bits = eq_mask(src + xa, xb - xa, L) << xa;
            }
            occ[lz * BLKC + ly] = bits;
        }
    bm->nv = bm->nt = 0;
    /* a new stamp instead of clearing the edge cache after each block */
    if (++sc->stamp >> (32 - VBITS)) {
        memset(ec, 0, (size_t)NCODES * sizeof *ec);
        sc->stamp = 1;
    }
    tag = sc->stamp << VBITS;
    for (lz = 0; lz < nc[2]; lz++)
        for (ly = 0; ly < nc[1]; ly++) {
            uint64_t r00 = occ[lz * BLKC + ly], r10 = occ[lz * BLKC + ly + 1];
            uint64_t r01 = occ[(lz + 1) * BLKC + ly], r11 = occ[(lz + 1) * BLKC + ly + 1];
            uint64_t any = r00 | r10 | r01 | r11, all = r00 & r10 & r01 & r11;
            /* cube lx has corners lx and lx + 1: skip it if all 8 are out or all in */
            uint64_t act = ~((~any & ~(any >> 1)) | (all & (all >> 1))) & valid;
            uint32_t base = (uint32_t)(((lz * BLKC) + ly) * BLKC) * 3;
            if (!act) continue;
            /* room for the whole row: at most BLK cubes of MAXTRI triangles and 12 new vertices */
            if ((bm->nt + BLK * MAXTRI > bm->tcap && !grow32(&bm->tri, &bm->tcap, (size_t)bm->nt + BLK * MAXTRI, 3)) ||
                (bm->nv + BLK * 12 > bm->vcap && !grow32(&bm->vcode, &bm->vcap, (size_t)bm->nv + BLK * 12, 1))) {
                st = sv_fail(SV_ENOMEM, "out of memory meshing a label");
                goto done;
            }
            while (act) {
                int k, ne, cs, low;
                uint32_t vix[12], cb;
                const int8_t *t;
                lx = ctz64(act);
                act &= act - 1;
                cs = (int)((r00 >> lx & 1) | (r10 >> lx & 1) << 1 | (r01 >> lx & 1) << 2 | (r11 >> lx & 1) << 3 |
                           (r00 >> (lx + 1) & 1) << 4 | (r10 >> (lx + 1) & 1) << 5 | (r01 >> (lx + 1) & 1) << 6 |
                           (r11 >> (lx + 1) & 1) << 7);
                low = (lx == 0) | (ly == 0) | (lz == 0);
                cb = base + (uint32_t)lx * 3;
                /* each crossed edge's vertex once, then the triangles from the table. A
                 * cube off the block's low faces makes exactly its first g_nown edges
                 * (the earlier cubes met the rest); on a low face it looks each up. */
                ne = g_nedge[cs];
                k = 0;
                if (!low) {
                    for (; k < g_nown[cs]; k++) {
                        int e = g_edge[cs][k];
                        uint32_t code = cb + g_edge_off[e], vi = bm->nv++;
                        uint32_t l0 = (uint32_t)lx + g_edge_d[e][0], l1 = (uint32_t)ly + g_edge_d[e][1],
                                 l2 = (uint32_t)lz + g_edge_d[e][2];
                        int a = g_edge_d[e][3];
                        /* the high side on both other axes: a seam only at the block's high faces */
                        int seam = (a != 0 && l0 == BLK) || (a != 1 && l1 == BLK) || (a != 2 && l2 == BLK);
                        ec[code] = tag | vi;
                        bm->vcode[vi] = PACK(l0, l1, l2, a) | (seam ? HIGHF : 0);
                        vix[k] = vi;
                    }
                    for (; k < ne; k++) vix[k] = ec[cb + g_edge_off[(int)g_edge[cs][k]]] & VMASK;
                }
                for (; k < ne; k++) {
                    int e = g_edge[cs][k];
                    uint32_t code = cb + g_edge_off[e], vi = ec[code];
                    if ((vi & ~VMASK) == tag) {
                        vi &= VMASK;
                    } else {
                        /* on a block face if a corner coordinate across the edge is 0 or BLK */
                        int32_t l[3];
                        int a = g_edge_d[e][3], lo, hi;
                        l[0] = lx + g_edge_d[e][0];
                        l[1] = ly + g_edge_d[e][1];
                        l[2] = lz + g_edge_d[e][2];
                        lo = (a != 0 && l[0] == 0) || (a != 1 && l[1] == 0) || (a != 2 && l[2] == 0);
                        hi = (a != 0 && l[0] == BLK) || (a != 1 && l[1] == BLK) || (a != 2 && l[2] == BLK);
                        vi = bm->nv++;
                        ec[code] = tag | vi;
                        bm->vcode[vi] = PACK(l[0], l[1], l[2], a) | (lo ? LOWF : 0) | (hi ? HIGHF : 0);
                    }
                    vix[k] = vi;
                }
                t = g_tri_at[cs];
                tri = bm->tri + (size_t)bm->nt * 3;
                /* three triangles whatever the case (most cubes the surface crosses
                 * have one to three), unrolled: no loop exit to mispredict */
                tri[0] = vix[t[0]], tri[1] = vix[t[1]], tri[2] = vix[t[2]];
                tri[3] = vix[t[3]], tri[4] = vix[t[4]], tri[5] = vix[t[5]];
                tri[6] = vix[t[6]], tri[7] = vix[t[7]], tri[8] = vix[t[8]];
                if (g_ntri[cs] > 3)
                    for (k = 9; k < 3 * g_ntri[cs]; k++) tri[k] = vix[t[k]];
                bm->nt += g_ntri[cs];
            }
        }
done:
    if (st != SV_OK) bm->nv = bm->nt = 0;
    return st;
}

/* update_blocks' pieces: a run of the blocks to re-mesh. */
typedef struct blkjob {
    sv_mesher *m;
    blkmesh *c;
    uint8_t L;
    size_t from, to, per; /* blocks todo[from .. to), per piece */
} blkjob;

/* Bring one run of blocks up to date (one piece: its blocks' caches, label
 * sets and meshes are its own; the scratch is the thread's). */
static sv_status update_piece(void *ctx, size_t piece, unsigned worker)
{
    blkjob *j = (blkjob *)ctx;
    sv_mesher *m = j->m;
    mcscratch *sc = &m->scr[worker];
    size_t k, k0 = j->from + piece * j->per, k1 = k0 + j->per < j->to ? k0 + j->per : j->to;
    const int L = j->L;
    if (!sc->ecache && !scratch_init(sc)) return sv_fail(SV_ENOMEM, "out of memory meshing a label");
    for (k = k0; k < k1; k++) {
        size_t b = m->todo[k];
        int32_t bx = (int32_t)(b % (size_t)m->nb[0]), by = (int32_t)(b / (size_t)m->nb[0] % (size_t)m->nb[1]),
                bz = (int32_t)(b / ((size_t)m->nb[0] * (size_t)m->nb[1]));
        uint64_t *set = m->present + 4 * b, others = 0;
        int i;
        if (m->pgen[b] != m->gen[b]) {
            block_labels(m, bx, by, bz, set);
            m->pgen[b] = m->gen[b];
        }
        for (i = 0; i < 4; i++) others |= set[i] & ~(i == L >> 6 ? (uint64_t)1 << (L & 63) : 0);
        if ((set[L >> 6] >> (L & 63) & 1) && others) {
            sv_status st = mesh_block(m, sc, bx, by, bz, j->L, &j->c[b]);
            if (st != SV_OK) return st;
        } else {
            j->c[b].nv = j->c[b].nt = 0;
        }
        j->c[b].gen = m->gen[b];
    }
    return SV_OK;
}

/* Bring label L's cached mesh of every block up to date: the stale blocks in
 * runs of up to 256, each run spread over the threads in pieces of 4 (a
 * block's mesh depends on the block alone, so any thread count gives the
 * same meshes), progress and cancelling between runs. */
static sv_status update_blocks(sv_mesher *m, uint8_t L, sv_progress_fn progress, void *ctx, double share)
{
    blkmesh *c = m->cache[L];
    size_t b, n = 0, from;
    blkjob j;
    if (!c) {
        c = (blkmesh *)SV_CALLOC(m->nblocks, sizeof *c);
        if (!c) return sv_fail(SV_ENOMEM, "out of memory caching a label's mesh");
        m->cache[L] = c;
    }
    for (b = 0; b < m->nblocks; b++)
        if (c[b].gen != m->gen[b]) m->todo[n++] = (uint32_t)b;
    j.m = m;
    j.c = c;
    j.L = L;
    j.per = 4;
    for (from = 0; from < n; from += 256) {
        sv_status st;
        j.from = from;
        j.to = from + 256 < n ? from + 256 : n;
        if ((st = sv_parallel_for((j.to - j.from + j.per - 1) / j.per, update_piece, &j)) != SV_OK) return st;
        if (j.to < n && progress && progress(ctx, share * (double)j.to / (double)n))
            return sv_fail(SV_ECANCELLED, "meshing cancelled");
    }
    return SV_OK;
}

/* Add triangles [t0, t1)'s normals (twice their areas: area-weighted) to
 * their vertices' sums in nrm. */
static void normals_add(const float *pos, const uint32_t *tri, size_t t0, size_t t1, float *nrm)
{
    size_t i;
    for (i = t0; i < t1; i++) {
        const uint32_t *t = tri + i * 3;
        const float *a = pos + (size_t)t[0] * 3, *b = pos + (size_t)t[1] * 3, *c = pos + (size_t)t[2] * 3;
        float ux = b[0] - a[0], uy = b[1] - a[1], uz = b[2] - a[2];
        float vx = c[0] - a[0], vy = c[1] - a[1], vz = c[2] - a[2];
        float nx = uy * vz - uz * vy, ny = uz * vx - ux * vz, nz = ux * vy - uy * vx;
        float *n0 = nrm + (size_t)t[0] * 3, *n1 = nrm + (size_t)t[1] * 3, *n2 = nrm + (size_t)t[2] * 3;
        n0[0] += nx, n0[1] += ny, n0[2] += nz;
        n1[0] += nx, n1[1] += ny, n1[2] += nz;
        n2[0] += nx, n2[1] += ny, n2[2] += nz;
    }
}

/* Normalise n summed normals (a zero sum becomes +z). */
static void normals_finish(float *nrm, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        float *v = nrm + i * 3;
        float len2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
        if (len2 > 0) {
            float inv = 1.0f / sqrtf(len2);
            v[0] *= inv;
            v[1] *= inv;
            v[2] *= inv;
        } else {
            v[0] = v[1] = 0;
            v[2] = 1;
        }
    }
}

/* Join the cached block meshes of label L into one mesh in world mm, with its
 * normals if normals is set (else the normals array is left unset).
 * Blocks are joined in raster order. A vertex on a block's low face (its edge
 * at local coordinate 0 across some other axis) was made first by the block
 * before it on that axis, which holds it on its high face: every block writes
 * the output index of its high-face vertices into a face table (the last
 * block of the row for x, one per column for y, one per column and row for
 * z), and the next block on that axis reads it there, so seam vertices are
 * welded by array look-ups, in the order a hash on their global edge would
 * give. */
static sv_status stitch(sv_mesher *m, uint8_t L, int normals, sv_mesh **out)
{
    const blkmesh *c = m->cache[L];
    const sv_volume *v = m->lab;
    size_t tv = 0, tt = 0, maxnv = 0, b, nout = 0, tout = 0, nface;
    int flip, r;
    double A[3][4], det;
    sv_mesh *mesh;
    uint32_t *xface, *yface, *zface;
    int32_t bx, by, bz;
    *out = NULL;
    for (b = 0; b < m->nblocks; b++) {
        tv += c[b].nv;
        tt += c[b].nt;
        if (c[b].nv > maxnv) maxnv = c[b].nv;
    }
    if (tv >= UINT32_MAX || tt >= UINT32_MAX / 3)
        return sv_fail(SV_ERANGE, "the mesh of label %d has more than 2^32 vertices or triangles", L);
    mesh = (sv_mesh *)SV_CALLOC(1, sizeof *mesh);
    if (!mesh) return sv_fail(SV_ENOMEM, "out of memory stitching a mesh");
    if (tt == 0) {
        *out = mesh;
        return SV_OK;
    }
    nface = 1 + (size_t)m->nb[0] + (size_t)m->nb[0] * (size_t)m->nb[1]; /* < the voxels of a z slice */
    mesh->pos = (float *)sv_malloc_n(tv, 3 * sizeof(float));
    mesh->tri = (uint32_t *)sv_malloc_n(tt, 3 * sizeof(uint32_t));
    mesh->normal = normals ? (float *)SV_CALLOC(tv, 3 * sizeof(float)) : (float *)sv_malloc_n(tv, 3 * sizeof(float));
    if (maxnv > m->mapcap) {
        SV_FREE(m->map);
        m->map = (uint32_t *)sv_malloc_n(maxnv, sizeof *m->map);
        m->mapcap = m->map ? maxnv : 0;
    }
    if (!m->face) m->face = (uint32_t *)sv_malloc_n(nface, FACE * sizeof *m->face);
    if (!mesh->pos || !mesh->tri || !mesh->normal || !m->map || !m->face) {
        sv_mesh_free(mesh);
        return sv_fail(SV_ENOMEM, "out of memory stitching a mesh");
    }
    /* every look-up finds its slot written by the block before (the blocks an
     * edit touches are re-meshed together); unset slots read as out of range */
    memset(m->face, 0xff, nface * FACE * sizeof *m->face);
    xface = m->face;
    yface = xface + FACE;
    zface = yface + (size_t)m->nb[0] * FACE;
    for (r = 0; r < 3; r++) {
        int k;
        for (k = 0; k < 4; k++) A[r][k] = v->affine[r][k];
    }
    det = A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) - A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
          A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]);
    flip = det < 0; /* a mirroring matrix turns counter-clockwise into clockwise */
    b = 0;
    for (bz = 0; bz < m->nb[2]; bz++)
        for (by = 0; by < m->nb[1]; by++)
            for (bx = 0; bx < m->nb[0]; bx++, b++) {
                const blkmesh *bm = &c[b];
                uint32_t i, *map = m->map;
                const uint32_t *t = bm->tri;
                uint32_t *to = mesh->tri + tout * 3;
                uint32_t *yf = yface + (size_t)bx * FACE, *zf = zface + ((size_t)by * (size_t)m->nb[0] + (size_t)bx) * FACE;
                int64_t q0[3];
                if (!bm->nt) continue;
                q0[0] = (int64_t)bx * BLK;
                q0[1] = (int64_t)by * BLK;
                q0[2] = (int64_t)bz * BLK;
                for (i = 0; i < bm->nv; i++) {
                    uint32_t code = bm->vcode[i], l0 = PX(code), l1 = PY(code), l2 = PZ(code), vo = UINT32_MAX;
                    int a = (int)PA(code);
                    if (code & LOWF) {
                        /* made by the block before, across the first axis it is low on */
                        if (a != 0 && l0 == 0)
                            vo = xface[FSLOT(0, l0, l1, l2, a)];
                        else if (a != 1 && l1 == 0)
                            vo = yf[FSLOT(1, l0, l1, l2, a)];
                        else
                            vo = zf[FSLOT(2, l0, l1, l2, a)];
                    }
                    if (vo >= nout) { /* new (or, past an unreported edit, a seam that no longer matches) */
                        double p[3];
                        float *o = mesh->pos + nout * 3;
                        /* padded corner q is voxel q - 1; the vertex is half way along axis a */
                        p[0] = (double)(q0[0] + l0 - 1) + (a == 0 ? 0.5 : 0.0);
                        p[1] = (double)(q0[1] + l1 - 1) + (a == 1 ? 0.5 : 0.0);
                        p[2] = (double)(q0[2] + l2 - 1) + (a == 2 ? 0.5 : 0.0);
                        for (r = 0; r < 3; r++) o[r] = (float)(A[r][0] * p[0] + A[r][1] * p[1] + A[r][2] * p[2] + A[r][3]);
                        vo = (uint32_t)nout++;
                    }
                    map[i] = vo;
                    if (code & HIGHF) { /* for the blocks after, across each axis it is high on */
                        if (a != 0 && l0 == BLK) xface[FSLOT(0, l0, l1, l2, a)] = vo;
                        if (a != 1 && l1 == BLK) yf[FSLOT(1, l0, l1, l2, a)] = vo;
                        if (a != 2 && l2 == BLK) zf[FSLOT(2, l0, l1, l2, a)] = vo;
                    }
                }
                for (i = 0; i < bm->nt; i++, t += 3, to += 3) {
                    to[0] = map[t[0]];
                    to[1] = map[flip ? t[2] : t[1]];
                    to[2] = map[flip ? t[1] : t[2]];
                }
                if (normals) normals_add(mesh->pos, mesh->tri, tout, tout + bm->nt, mesh->normal);
                tout += bm->nt;
            }
    mesh->nvert = (uint32_t)nout;
    mesh->ntri = (uint32_t)tout;
    if (nout < tv) {
        float *np = (float *)SV_REALLOC(mesh->pos, nout * 3 * sizeof(float));
        if (np) mesh->pos = np;
        np = (float *)SV_REALLOC(mesh->normal, nout * 3 * sizeof(float));
        if (np) mesh->normal = np;
    }
    if (normals) normals_finish(mesh->normal, nout);
    *out = mesh;
    return SV_OK;
}

static sv_status check_params(const sv_mesh_params *p)
{
    if (p->smooth_iterations < 0 || p->smooth_iterations > 10000)
        return sv_fail(SV_EINVAL, "smoothing iterations must be 0..10000 (got %d)", p->smooth_iterations);
    if (p->smooth_iterations > 0 &&
        !(p->smooth_lambda > 0 && p->smooth_lambda < 1 && p->smooth_mu < -p->smooth_lambda && p->smooth_mu > -1))
        return sv_fail(SV_EINVAL, "Taubin smoothing needs 0 < lambda < 1 and -1 < mu < -lambda");
    return SV_OK;
}

/* Fractions of a build's progress: blocks, smoothing, decimation. */
typedef struct phase {
    sv_progress_fn fn;
    void *ctx;
    double from, span;
} phase;

static int phase_fn(void *ctx, double f)
{
    phase *ph = (phase *)ctx;
    return ph->fn(ph->ctx, ph->from + ph->span * f);
}

sv_status sv_mesher_build(sv_mesher *m, uint8_t label, const sv_mesh_params *p, sv_progress_fn progress, void *ctx,
                          sv_mesh **out)
{
    sv_mesh_params def;
    sv_mesh *mesh = NULL;
    sv_status st;
    phase ph;
    double f_mc, f_smooth;
    int fresh; /* the normals are those of the current positions */
    *out = NULL;
    if (!m) return sv_fail(SV_EINVAL, "no mesher");
    if (label == 0) return sv_fail(SV_EINVAL, "label 0 is the background and has no mesh");
    if (!p) {
        sv_mesh_params_default(&def);
        p = &def;
    }
    if ((st = check_params(p)) != SV_OK) return st;
    f_mc = 0.4;
    f_smooth = p->max_triangles ? 0.7 : 1.0;
    if ((st = update_blocks(m, label, progress, ctx, f_mc)) != SV_OK) return st;
    /* the normals of raw marching cubes come with the stitch; smoothing makes its own */
    fresh = p->smooth_iterations == 0;
    if ((st = stitch(m, label, fresh, &mesh)) != SV_OK) return st;
    ph.fn = progress;
    ph.ctx = ctx;
    if (p->smooth_iterations > 0 && mesh->ntri) {
        ph.from = f_mc;
        ph.span = f_smooth - f_mc;
        st = sv_mesh_smooth(mesh, p->smooth_iterations, p->smooth_lambda, p->smooth_mu, progress ? phase_fn : NULL, &ph);
        if (st != SV_OK) goto fail;
        fresh = 1; /* sv_mesh_smooth recomputed them */
    }
    if (p->max_triangles && mesh->ntri > p->max_triangles) {
        ph.from = f_smooth;
        ph.span = 1.0 - f_smooth;
        st = sv_mesh_decimate(mesh, p->max_triangles, progress ? phase_fn : NULL, &ph);
        if (st != SV_OK) goto fail;
        fresh = 0;
    }
    if (!fresh) sv_mesh_compute_normals(mesh);
    if (progress && progress(ctx, 1.0)) {
        st = sv_fail(SV_ECANCELLED, "meshing cancelled");
        goto fail;
    }
    *out = mesh;
    return SV_OK;
fail:
    sv_mesh_free(mesh);
    return st;
}

sv_status sv_mesh_extract(const sv_volume *labels, uint8_t label, const sv_mesh_params *p, sv_progress_fn progress,
                          void *ctx, sv_mesh **out)
{
    sv_mesher *m;
    sv_status st;
    *out = NULL;
    if (label == 0) return sv_fail(SV_EINVAL, "label 0 is the background and has no mesh");
    if ((st = sv_mesher_create(labels, &m)) != SV_OK) return st;
    st = sv_mesher_build(m, label, p, progress, ctx, out);
    sv_mesher_free(m);
    return st;
}

/* --- normals, smoothing ------------------------------------------------------ */

void sv_mesh_compute_normals(sv_mesh *m)
{
    if (!m || !m->normal) return;
    memset(m->normal, 0, (size_t)m->nvert * 3 * sizeof(float));
    normals_add(m->pos, m->tri, 0, m->ntri, m->normal);
    normals_finish(m->normal, m->nvert);
}

/* Neighbours of each vertex as CSR from the directed triangle edges: on a
 * closed mesh the edges leaving a vertex reach each neighbour exactly once.
 * *off (nvert + 1) and *nbr (3 * ntri) are SV_MALLOC'ed. */
static sv_status vertex_neighbours(const sv_mesh *m, uint32_t **off_out, uint32_t **nbr_out)
{
    uint32_t *off = (uint32_t *)SV_CALLOC((size_t)m->nvert + 1, sizeof *off);
    uint32_t *nbr = (uint32_t *)sv_malloc_n((size_t)m->ntri * 3 + 1, sizeof *nbr);
    size_t i;
    *off_out = *nbr_out = NULL;
    if (!off || !nbr) {
        SV_FREE(off);
        SV_FREE(nbr);
        return sv_fail(SV_ENOMEM, "out of memory finding a mesh's neighbours");
    }
    for (i = 0; i < (size_t)m->ntri * 3; i++) off[m->tri[i] + 1]++;
    for (i = 0; i < m->nvert; i++) off[i + 1] += off[i];
    for (i = 0; i < m->ntri; i++) {
        const uint32_t *t = m->tri + i * 3;
        int k;
        for (k = 0; k < 3; k++) nbr[off[t[k]]++] = t[(k + 1) % 3];
    }
    for (i = m->nvert; i > 0; i--) off[i] = off[i - 1];
    off[0] = 0;
    *off_out = off;
    *nbr_out = nbr;
    return SV_OK;
}

/* Smoothing reads each vertex's neighbours from 8 fixed slots, padded with the
 * vertex itself (its weight corrected for the padding), so the inner loop has
 * a fixed length and never mispredicts; the rare neighbours past the 8th are
 * added in a second pass from an overflow list. */
#define SLOTS 8

typedef struct smoother {
    uint32_t n;
    uint32_t *slot;             /* n * SLOTS neighbour indices */
    float *keep_l, *w_l;        /* per vertex, lambda step: dst = keep * p + w * sum(slots) */
    float *keep_m, *w_m;        /* the same for the mu step */
    uint32_t *xoff, *xnbr, nx;  /* overflow: vertices xv[i] have extra neighbours xnbr[xoff[i] .. xoff[i+1]) */
    uint32_t *xv;
} smoother;

static void smoother_free(smoother *s)
{
    SV_FREE(s->slot);
    SV_FREE(s->keep_l);
    SV_FREE(s->xoff);
    SV_FREE(s->xnbr);
    SV_FREE(s->xv);
}

static sv_status smoother_init(smoother *s, const sv_mesh *m, double lambda, double mu)
{
    uint32_t *off = NULL, *nbr = NULL, v, nxv = 0, nxe = 0;
    sv_status st;
    memset(s, 0, sizeof *s);
    s->n = m->nvert;
    if ((st = vertex_neighbours(m, &off, &nbr)) != SV_OK) return st;
    for (v = 0; v < m->nvert; v++) {
        uint32_t deg = off[v + 1] - off[v];
        if (deg > SLOTS) {
            nxv++;
            nxe += deg - SLOTS;
        }
    }
    s->slot = (uint32_t *)sv_malloc_n(m->nvert, SLOTS * sizeof *s->slot);
    s->keep_l = (float *)sv_malloc_n(m->nvert, 4 * sizeof(float));
    s->xoff = (uint32_t *)sv_malloc_n((size_t)nxv + 1, sizeof *s->xoff);
    s->xnbr = (uint32_t *)sv_malloc_n((size_t)nxe + 1, sizeof *s->xnbr);
    s->xv = (uint32_t *)sv_malloc_n((size_t)nxv + 1, sizeof *s->xv);
    if (!s->slot || !s->keep_l || !s->xoff || !s->xnbr || !s->xv) {
        smoother_free(s);
        SV_FREE(off);
        SV_FREE(nbr);
        return sv_fail(SV_ENOMEM, "out of memory smoothing a mesh");
    }
    s->w_l = s->keep_l + m->nvert;
    s->keep_m = s->w_l + m->nvert;
    s->w_m = s->keep_m + m->nvert;
    s->xoff[0] = 0;
    for (v = 0; v < m->nvert; v++) {
        uint32_t deg = off[v + 1] - off[v], j, pad = deg < SLOTS ? SLOTS - deg : 0;
        uint32_t *sl = s->slot + (size_t)v * SLOTS;
        for (j = 0; j < SLOTS; j++) sl[j] = j < deg ? nbr[off[v] + j] : v;
        if (deg == 0) { /* stays put */
            s->keep_l[v] = s->keep_m[v] = 0;
            s->w_l[v] = s->w_m[v] = 1.0f / SLOTS;
            continue;
        }
        /* p + f (sum / deg - p) with sum = slots - pad p */
        s->w_l[v] = (float)(lambda / deg);
        s->w_m[v] = (float)(mu / deg);
        s->keep_l[v] = (float)(1 - lambda - lambda * pad / deg);
        s->keep_m[v] = (float)(1 - mu - mu * pad / deg);
        if (deg > SLOTS) {
            uint32_t at = s->xoff[s->nx];
            s->xv[s->nx] = v;
            for (j = SLOTS; j < deg; j++) s->xnbr[at++] = nbr[off[v] + j];
            s->xoff[++s->nx] = at;
        }
    }
    SV_FREE(off);
    SV_FREE(nbr);
    return SV_OK;
}

/* Floats per vertex while smoothing: with SSE2 x, y, z and a spare lane, so
 * one vector load or store moves a vertex; elsewhere 3 (in wasm the 4-float
 * vector version measured no faster: more bytes to move for no fewer loads). */
#if defined(__SSE2__)
#define VS 4
#else
#define VS 3
#endif

/* One umbrella step from src into dst (VS floats per vertex) with the given
 * weights. The vector and scalar paths do the same float operations in the
 * same order (a summing tree over the 8 slots, not a chain: 3 dependent adds
 * instead of 8), so every target gives the same bits. */
static void umbrella_range(const smoother *s, const float *src, float *dst, const float *keep, const float *w,
                           uint32_t v0, uint32_t v1)
{
    uint32_t v, i, lo = 0, hi = s->nx;
    for (v = v0; v < v1; v++) {
        const uint32_t *sl = s->slot + (size_t)v * SLOTS;
#if defined(__SSE2__)
        __m128 s01 = _mm_add_ps(_mm_loadu_ps(src + (size_t)sl[0] * VS), _mm_loadu_ps(src + (size_t)sl[1] * VS));
        __m128 s23 = _mm_add_ps(_mm_loadu_ps(src + (size_t)sl[2] * VS), _mm_loadu_ps(src + (size_t)sl[3] * VS));
        __m128 s45 = _mm_add_ps(_mm_loadu_ps(src + (size_t)sl[4] * VS), _mm_loadu_ps(src + (size_t)sl[5] * VS));
        __m128 s67 = _mm_add_ps(_mm_loadu_ps(src + (size_t)sl[6] * VS), _mm_loadu_ps(src + (size_t)sl[7] * VS));
        __m128 sum = _mm_add_ps(_mm_add_ps(s01, s23), _mm_add_ps(s45, s67));
        _mm_storeu_ps(dst + (size_t)v * VS, _mm_add_ps(_mm_mul_ps(_mm_set1_ps(keep[v]), _mm_loadu_ps(src + (size_t)v * VS)),
                                                      _mm_mul_ps(_mm_set1_ps(w[v]), sum)));
#else
        const float *p = src + (size_t)v * VS;
        const float *q0 = src + (size_t)sl[0] * VS, *q1 = src + (size_t)sl[1] * VS, *q2 = src + (size_t)sl[2] * VS,
                    *q3 = src + (size_t)sl[3] * VS, *q4 = src + (size_t)sl[4] * VS, *q5 = src + (size_t)sl[5] * VS,
                    *q6 = src + (size_t)sl[6] * VS, *q7 = src + (size_t)sl[7] * VS;
        int c;
        for (c = 0; c < 3; c++) {
            float sum = ((q0[c] + q1[c]) + (q2[c] + q3[c])) + ((q4[c] + q5[c]) + (q6[c] + q7[c]));
            dst[(size_t)v * VS + c] = keep[v] * p[c] + w[v] * sum;
        }
#endif
    }
    /* the overflow vertices in [v0, v1): xv is increasing */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (s->xv[mid] < v0) lo = mid + 1;
        else hi = mid;
    }
    for (i = lo; i < s->nx && s->xv[i] < v1; i++) {
        uint32_t x = s->xv[i], j;
        for (j = s->xoff[i]; j < s->xoff[i + 1]; j++) {
            const float *q = src + (size_t)s->xnbr[j] * VS;
            dst[(size_t)x * VS + 0] += w[x] * q[0];
            dst[(size_t)x * VS + 1] += w[x] * q[1];
            dst[(size_t)x * VS + 2] += w[x] * q[2];
        }
    }
}

typedef struct umbjob {
    const smoother *s;
    const float *src, *keep, *w;
    float *dst;
    uint32_t per; /* vertices per piece */
} umbjob;

static sv_status umbrella_piece(void *ctx, size_t piece, unsigned worker)
{
    const umbjob *j = (const umbjob *)ctx;
    uint32_t v0 = (uint32_t)piece * j->per, v1 = j->s->n - v0 > j->per ? v0 + j->per : j->s->n;
    (void)worker;
    umbrella_range(j->s, j->src, j->dst, j->keep, j->w, v0, v1);
    return SV_OK;
}

/* One umbrella step over all vertices, in pieces of 32768 spread over the
 * threads (each vertex's sum is the same whoever computes it). */
static void umbrella(const smoother *s, const float *src, float *dst, const float *keep, const float *w)
{
    umbjob j;
    j.s = s;
    j.src = src;
    j.dst = dst;
    j.keep = keep;
    j.w = w;
    j.per = 32768;
    (void)sv_parallel_for(((size_t)s->n + j.per - 1) / j.per, umbrella_piece, &j); /* cannot fail */
}

sv_status sv_mesh_smooth(sv_mesh *m, int iterations, double lambda, double mu, sv_progress_fn progress, void *ctx)
{
    smoother sm;
    float *a = NULL, *b;
    sv_status st;
    uint32_t v;
    int it;
    if (!m) return sv_fail(SV_EINVAL, "no mesh to smooth");
    if (iterations < 0 || !(lambda > 0 && lambda < 1 && mu < -lambda && mu > -1))
        return sv_fail(SV_EINVAL, "Taubin smoothing needs iterations >= 0, 0 < lambda < 1 and -1 < mu < -lambda");
    if (iterations == 0 || m->ntri == 0) return SV_OK;
    if ((st = smoother_init(&sm, m, lambda, mu)) != SV_OK) return st;
    a = (float *)sv_malloc_n(m->nvert, 2 * VS * sizeof(float)); /* two arrays of VS floats per vertex */
    if (!a) {
        st = sv_fail(SV_ENOMEM, "out of memory smoothing a mesh");
        goto done;
    }
    b = a + (size_t)m->nvert * VS;
    for (v = 0; v < m->nvert; v++) {
        a[(size_t)v * VS + 0] = m->pos[(size_t)v * 3 + 0];
        a[(size_t)v * VS + 1] = m->pos[(size_t)v * 3 + 1];
        a[(size_t)v * VS + 2] = m->pos[(size_t)v * 3 + 2];
        if (VS == 4) a[(size_t)v * VS + VS - 1] = 0;
    }
    for (it = 0; it < iterations; it++) {
        umbrella(&sm, a, b, sm.keep_l, sm.w_l);
        umbrella(&sm, b, a, sm.keep_m, sm.w_m);
        if (progress && progress(ctx, (double)(it + 1) / iterations)) {
            st = sv_fail(SV_ECANCELLED, "smoothing cancelled");
            break;
        }
    }
    for (v = 0; v < m->nvert; v++) { /* also when cancelled: part-smoothed, as documented */
        m->pos[(size_t)v * 3 + 0] = a[(size_t)v * VS + 0];
        m->pos[(size_t)v * 3 + 1] = a[(size_t)v * VS + 1];
        m->pos[(size_t)v * 3 + 2] = a[(size_t)v * VS + 2];
    }
    if (st == SV_OK) sv_mesh_compute_normals(m);
done:
    SV_FREE(a);
    smoother_free(&sm);
    return st;
}

/* --- measures ------------------------------------------------------------------ */

double sv_mesh_area(const sv_mesh *m)
{
    double sum = 0;
    uint32_t i;
    for (i = 0; i < m->ntri; i++) {
        const uint32_t *t = m->tri + (size_t)i * 3;
        double a[3], b[3], c[3];
        int k;
        for (k = 0; k < 3; k++) {
            a[k] = m->pos[(size_t)t[0] * 3 + k];
            b[k] = m->pos[(size_t)t[1] * 3 + k];
            c[k] = m->pos[(size_t)t[2] * 3 + k];
        }
        sum += tri_area3(a, b, c);
    }
    return sum;
}

double sv_mesh_volume(const sv_mesh *m)
{
    double sum = 0;
    uint32_t i;
    for (i = 0; i < m->ntri; i++) {
        const uint32_t *t = m->tri + (size_t)i * 3;
        double a[3], b[3], c[3], n[3];
        int k;
        for (k = 0; k < 3; k++) {
            a[k] = m->pos[(size_t)t[0] * 3 + k];
            b[k] = m->pos[(size_t)t[1] * 3 + k];
            c[k] = m->pos[(size_t)t[2] * 3 + k];
        }
        cross3(b, c, n);
        sum += a[0] * n[0] + a[1] * n[1] + a[2] * n[2];
    }
    return sum / 6.0;
}

sv_status sv_mesh_check_closed(const sv_mesh *m, size_t *bad)
{
    uint32_t *off = NULL, *nbr = NULL;
    size_t count = 0, i;
    sv_status st;
    *bad = 0;
    if (m->ntri == 0) return SV_OK;
    if ((st = vertex_neighbours(m, &off, &nbr)) != SV_OK) return st;
    for (i = 0; i < m->ntri; i++) {
        const uint32_t *t = m->tri + i * 3;
        if (t[0] == t[1] || t[1] == t[2] || t[0] == t[2]) count++;
    }
    for (i = 0; i < m->nvert; i++) {
        uint32_t j;
        for (j = off[i]; j < off[i + 1]; j++) {
            uint32_t b = nbr[j], k, same = 0, back = 0;
            for (k = off[i]; k < off[i + 1]; k++) same += nbr[k] == b;
            for (k = off[b]; k < off[b + 1]; k++) back += nbr[k] == i;
            if (same != 1 || back != 1) count++;
        }
    }
    SV_FREE(off);
    SV_FREE(nbr);
    *bad = count;
    return SV_OK;
}
