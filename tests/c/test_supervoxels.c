/* test_supervoxels.c — SNIC supervoxels and the index, on phantoms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/supervoxels.h"

/* A piecewise-constant phantom: four boxes of distinct intensity and a ball. */
static sv_volume *phantom(int32_t nx, int32_t ny, int32_t nz)
{
    int32_t d[3];
    sv_volume *v;
    int32_t i, j, k;
    d[0] = nx;
    d[1] = ny;
    d[2] = nz;
    sv_volume_create(d, SV_DT_INT16, &v);
    for (k = 0; k < nz; k++)
        for (j = 0; j < ny; j++)
            for (i = 0; i < nx; i++) {
                double dx = i - nx * 0.6, dy = j - ny * 0.4, dz = k - nz * 0.5;
                int16_t val = (int16_t)((i < nx / 2 ? 100 : 400) + (j < ny / 3 ? 0 : 800));
                if (dx * dx + dy * dy + dz * dz < (nx / 5.0) * (nx / 5.0)) val = 1500;
                ((int16_t *)v->data)[i + nx * (j + ny * k)] = val;
            }
    return v;
}

static int connected(const uint32_t *lab, const int32_t *d, uint32_t id, size_t first, size_t size, uint32_t *queue, uint8_t *seen)
{
    size_t head = 0, tail = 0, reached = 0;
    size_t nxy = (size_t)d[0] * d[1];
    queue[tail++] = (uint32_t)first;
    seen[first] = 1;
    while (head < tail) {
        size_t idx = queue[head++];
        int32_t p[3];
        int nb;
        reached++;
        p[0] = (int32_t)(idx % (size_t)d[0]);
        p[1] = (int32_t)((idx / (size_t)d[0]) % (size_t)d[1]);
        p[2] = (int32_t)(idx / nxy);
        for (nb = 0; nb < 6; nb++) {
            int32_t q[3];
            size_t n;
            q[0] = p[0]; q[1] = p[1]; q[2] = p[2];
            q[nb / 2] += (nb & 1) ? 1 : -1;
            if (q[0] < 0 || q[1] < 0 || q[2] < 0 || q[0] >= d[0] || q[1] >= d[1] || q[2] >= d[2]) continue;
            n = (size_t)q[0] + (size_t)d[0] * ((size_t)q[1] + (size_t)d[1] * q[2]);
            if (lab[n] == id && !seen[n]) {
                seen[n] = 1;
                queue[tail++] = (uint32_t)n;
            }
        }
    }
    return reached == size;
}

/* The index of ids from..count: each id's voxels, all holding it, in
 * increasing order (*bad counts what is not), and every id from 1 on one
 * 6-connected piece, not empty (*disconnected counts those that are not). */
static void check_index(const uint32_t *lab, const sv_volume *v, const sv_sv_index *ix, uint32_t from, uint32_t count,
                        int *bad, int *disconnected)
{
    uint32_t *queue = (uint32_t *)malloc(v->nvox * sizeof *queue), s;
    uint8_t *seen = (uint8_t *)calloc(v->nvox, 1);
    for (s = from; queue && seen && s <= count; s++) {
        uint32_t a = ix->offsets[s], b = ix->offsets[s + 1], t;
        for (t = a; t < b; t++) {
            if (lab[ix->voxels[t]] != s) (*bad)++;
            if (t > a && ix->voxels[t] <= ix->voxels[t - 1]) (*bad)++;
        }
        if (s > 0 && (b <= a || !connected(lab, v->dim, s, ix->voxels[a], b - a, queue, seen))) (*disconnected)++;
    }
    if (!queue || !seen) (*bad)++;
    free(queue);
    free(seen);
}

static void edges_respected_connected_counted(void)
{
    sv_volume *v = phantom(60, 54, 40);
    sv_sv_params p;
    uint32_t *lab, count, s;
    sv_sv_index *ix;
    int straddle = 0, disconnected = 0;
    sv_sv_params_default(&p);
    p.target_count = 300;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
    if (!lab) return;
    CHECK(count >= 240 && count <= 360);
    CHECK_EQ_INT(sv_sv_index_build(lab, v->nvox, count, &ix), SV_OK);
    CHECK_EQ_INT(ix->offsets[1], 0); /* no background here */
    CHECK_EQ_INT(ix->offsets[count + 1], v->nvox);
    for (s = 1; s <= count; s++) {
        uint32_t a = ix->offsets[s], b = ix->offsets[s + 1], t;
        CHECK(b > a); /* no empty supervoxel */
        for (t = a; t < b; t++) /* one intensity: no supervoxel straddles an edge */
            if (((int16_t *)v->data)[ix->voxels[t]] != ((int16_t *)v->data)[ix->voxels[a]]) straddle++;
    }
    check_index(lab, v, ix, 1, count, &straddle, &disconnected);
    CHECK_EQ_INT(straddle, 0);
    CHECK_EQ_INT(disconnected, 0);
    sv_sv_index_free(ix);
    sv_free(lab);
    sv_volume_free(v);
}

static void deterministic(void)
{
    sv_volume *v = phantom(23, 17, 11);
    sv_sv_params p;
    uint32_t *a, *b, ca, cb;
    sv_sv_params_default(&p);
    p.target_count = 40;
    p.compactness = 0.05;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &a, &ca), SV_OK);
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &b, &cb), SV_OK);
    CHECK_EQ_INT(ca, cb);
    CHECK(a && b && memcmp(a, b, v->nvox * sizeof *a) == 0);
    sv_free(a);
    sv_free(b);
    sv_volume_free(v);
}

/* Mean extent (in voxels) of supervoxels along an axis. */
static double mean_extent(const uint32_t *lab, const int32_t *d, uint32_t count, int axis)
{
    int32_t *lo = (int32_t *)malloc((count + 1) * sizeof *lo), *hi = (int32_t *)malloc((count + 1) * sizeof *hi);
    size_t i, n = (size_t)d[0] * d[1] * d[2];
    double sum = 0;
    uint32_t s;
    for (s = 0; s <= count; s++) { lo[s] = INT32_MAX; hi[s] = -1; }
    for (i = 0; i < n; i++) {
        int32_t c = axis == 0 ? (int32_t)(i % (size_t)d[0]) : axis == 1 ? (int32_t)((i / (size_t)d[0]) % (size_t)d[1]) : (int32_t)(i / ((size_t)d[0] * d[1]));
        if (c < lo[lab[i]]) lo[lab[i]] = c;
        if (c > hi[lab[i]]) hi[lab[i]] = c;
    }
    for (s = 1; s <= count; s++) sum += hi[s] - lo[s] + 1;
    free(lo);
    free(hi);
    return sum / count;
}

static void anisotropic_spacing_changes_shapes(void)
{
    int32_t d[3] = {48, 48, 48};
    sv_volume *v;
    sv_sv_params p;
    uint32_t *iso, *aniso, ci, ca;
    double ri, ra;
    sv_volume_create(d, SV_DT_UINT8, &v); /* flat image: shapes come from space alone */
    sv_sv_params_default(&p);
    p.target_count = 216;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &iso, &ci), SV_OK);
    v->spacing[2] = 3.0; /* slices 3x thicker */
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &aniso, &ca), SV_OK);
    ri = mean_extent(iso, v->dim, ci, 2) / mean_extent(iso, v->dim, ci, 0);
    ra = mean_extent(aniso, v->dim, ca, 2) / mean_extent(aniso, v->dim, ca, 0);
    /* isotropic: as many voxels along z as x; 3 mm slices: about a third as many */
    CHECK(ri > 0.8 && ri < 1.25);
    CHECK(ra > 0.22 && ra < 0.5);
    CHECK(ca >= 216 * 0.8 && ca <= 216 * 1.2);
    sv_free(iso);
    sv_free(aniso);
    sv_volume_free(v);
}

static void background_is_never_a_supervoxel(void)
{
    sv_volume *v = phantom(40, 36, 30);
    sv_sv_params p;
    uint32_t *lab, count;
    size_t i;
    int bad = 0, fg = 0;
    sv_sv_params_default(&p);
    p.target_count = 100;
    p.threshold = 1000; /* only the ball (1500) and the j >= ny/3 boxes (900, 1200) */
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
    for (i = 0; i < v->nvox; i++) {
        int16_t x = ((int16_t *)v->data)[i];
        if ((x < 1000) != (lab[i] == 0)) bad++;
        fg += x >= 1000;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(fg > 0);
    CHECK(count >= 80 && count <= 130);
    sv_free(lab);
    p.threshold = 1e9; /* everything background */
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
    CHECK_EQ_INT(count, 0);
    sv_free(lab);
    sv_volume_free(v);
}

/* sv_auto_threshold: the lowest value is background when at least 5% of the
 * voxels hold it (padding), whatever the type and the sign of the scaling;
 * otherwise, and for a constant image, there is none. */
static void the_automatic_background_is_the_padding_the_image_marks(void)
{
    sv_volume *v = phantom(40, 36, 30);
    sv_sv_params p;
    uint32_t *lab, count;
    double t, share;
    size_t i, pad = 0;
    int bad = 0;
    int32_t d[3] = {10, 10, 10};
    /* no padding: the lowest value (50) is held by under 5% of the voxels */
    for (i = 0; i < v->nvox; i += 25) ((int16_t *)v->data)[i] = 50;
    CHECK_EQ_INT(sv_auto_threshold(v, &t, &share), SV_OK);
    CHECK(t == -HUGE_VAL && share == 0);
    /* padding of -1024 in the first 6 of 40 columns: 15% */
    for (i = 0; i < v->nvox; i++)
        if (i % 40 < 6) ((int16_t *)v->data)[i] = -1024, pad++;
    CHECK_EQ_INT(sv_auto_threshold(v, &t, &share), SV_OK);
    CHECK(t > -1024 && t < -1023.999);
    CHECK(fabs(share - (double)pad / (double)v->nvox) < 1e-12);
    sv_sv_params_default(&p);
    p.target_count = 100;
    p.threshold = t;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
    for (i = 0; i < v->nvox; i++) bad += (i % 40 < 6) != (lab[i] == 0);
    CHECK_EQ_INT(bad, 0);
    sv_free(lab);
    sv_volume_free(v);

    /* uint8 with a negative slope: the lowest scaled value is the largest stored one */
    sv_volume_create(d, SV_DT_UINT8, &v);
    for (i = 0; i < v->nvox; i++) ((uint8_t *)v->data)[i] = (uint8_t)(i % 10 < 3 ? 7 : (i * 7919) % 7);
    v->scl_slope = -2;
    v->scl_inter = 10;
    CHECK_EQ_INT(sv_auto_threshold(v, &t, &share), SV_OK);
    CHECK(t > -4 && t < -3.999);
    CHECK(fabs(share - 0.3) < 1e-12);
    sv_volume_free(v);

    /* float32 with NaN (never counted) and a lowest value on 10% of the voxels */
    sv_volume_create(d, SV_DT_FLOAT32, &v);
    for (i = 0; i < v->nvox; i++) ((float *)v->data)[i] = i % 10 == 0 ? -5.5f : i % 10 == 1 ? NAN : (float)(i % 97);
    CHECK_EQ_INT(sv_auto_threshold(v, &t, &share), SV_OK);
    CHECK(t > -5.5 && t < -5.499);
    CHECK(fabs(share - 0.1) < 1e-12);
    /* a constant image: no background */
    for (i = 0; i < v->nvox; i++) ((float *)v->data)[i] = 3;
    CHECK_EQ_INT(sv_auto_threshold(v, &t, &share), SV_OK);
    CHECK(t == -HUGE_VAL && share == 0);
    sv_volume_free(v);
}

static int cancel_soon(void *ctx, double f)
{
    (void)f;
    return ++*(int *)ctx >= 1;
}

/* Float data holding infinities and NaN (the normalisation's range was then
 * infinite: every finite value at 0, and inf / inf converted to a 16-bit value,
 * undefined): supervoxels cover every voxel but the NaN, and follow the
 * finite values as if the infinities were the extremes. */
static void infinities_in_float_data(void)
{
    int32_t d[3] = {20, 18, 12};
    sv_volume *v;
    sv_sv_params p;
    uint32_t *lab = NULL, count = 0;
    size_t i, unlabelled = 0;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_FLOAT32, &v), SV_OK);
    if (!v) return;
    for (i = 0; i < v->nvox; i++) ((float *)v->data)[i] = (float)(i % 97);
    ((float *)v->data)[5] = (float)HUGE_VAL;
    ((float *)v->data)[700] = (float)-HUGE_VAL;
    ((float *)v->data)[900] = (float)NAN;
    sv_sv_params_default(&p);
    p.target_count = 40;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
    CHECK(count > 0);
    for (i = 0; lab && i < v->nvox; i++) unlabelled += lab[i] == 0;
    CHECK_EQ_INT((int)unlabelled, 1); /* the NaN: below any threshold, background */
    /* the range is the finite values': +inf weighs as the largest (96), -inf as the
     * smallest (0), so the map is the one of those values */
    {
        uint32_t *lab2 = NULL, count2 = 0;
        ((float *)v->data)[5] = 96;
        ((float *)v->data)[700] = 0;
        CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab2, &count2), SV_OK);
        CHECK_EQ_INT((int)count2, (int)count);
        CHECK(lab && lab2 && memcmp(lab, lab2, v->nvox * sizeof *lab) == 0);
        sv_free(lab2);
    }
    sv_free(lab);
    sv_volume_free(v);
}

/* Asking for more supervoxels than voxels (or a size below a voxel) gives a
 * supervoxel per foreground voxel, none empty: two seeds on one voxel left an
 * empty id, and a size of 1e-9 mm converted ~1e11 cells to an int (undefined). */
static void more_supervoxels_than_voxels(void)
{
    int32_t d[3] = {40, 36, 34}; /* more than one 32^3 tile */
    sv_volume *v;
    sv_sv_params p;
    uint32_t *lab = NULL, count = 0, *seen;
    size_t i, fg = 0;
    int k, empty = 0;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_UINT8, &v), SV_OK);
    if (!v) return;
    for (i = 0; i < v->nvox; i++) ((uint8_t *)v->data)[i] = (uint8_t)(i % 3 ? 100 + i % 50 : 0), fg += i % 3 != 0;
    seen = (uint32_t *)calloc(v->nvox + 1, sizeof *seen);
    for (k = 0; k < 2 && seen; k++) {
        sv_sv_params_default(&p);
        p.threshold = 1;
        if (k == 0) p.target_count = 1000000;
        else p.target_count = 0, p.size_mm = 1e-9;
        CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
        if (!lab) break;
        CHECK_EQ_INT((int)count, (int)fg);
        memset(seen, 0, (v->nvox + 1) * sizeof *seen);
        for (i = 0; i < v->nvox; i++)
            if (lab[i] <= v->nvox) seen[lab[i]]++;
        for (i = 1; i <= count && i <= v->nvox; i++) empty += seen[i] != 1;
        CHECK_EQ_INT(empty, 0);
        sv_free(lab);
        lab = NULL;
    }
    free(seen);
    sv_volume_free(v);
}

static void cancel_and_bad_parameters(void)
{
    int32_t d[3] = {128, 128, 80}; /* > 2^20 voxels: the callback runs */
    sv_volume *v;
    sv_sv_params p;
    uint32_t *lab = (uint32_t *)1, count;
    int calls = 0;
    sv_volume_create(d, SV_DT_UINT8, &v);
    sv_sv_params_default(&p);
    CHECK_EQ_INT(sv_supervoxels(v, &p, cancel_soon, &calls, &lab, &count), SV_ECANCELLED);
    CHECK(lab == NULL);
    p.compactness = 0;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_EINVAL);
    sv_sv_params_default(&p);
    p.target_count = 0;
    p.size_mm = -1;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_EINVAL);
    p.size_mm = 10; /* by size: 128x128x80 mm in 10 mm cells */
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
    CHECK_EQ_INT(count, 13 * 13 * 8);
    sv_free(lab);
    sv_volume_free(v);
}

static void index_refuses_bad_ids(void)
{
    uint32_t lab[5] = {0, 2, 1, 2, 7};
    sv_sv_index *ix;
    CHECK_EQ_INT(sv_sv_index_build(lab, 5, 2, &ix), SV_EINVAL);
    CHECK(ix == NULL);
    CHECK_EQ_INT(sv_sv_index_build(lab, 4, 2, &ix), SV_OK);
    if (ix) {
        CHECK_EQ_INT(ix->offsets[0], 0);
        CHECK_EQ_INT(ix->offsets[1], 1);
        CHECK_EQ_INT(ix->offsets[2], 2);
        CHECK_EQ_INT(ix->offsets[3], 4);
        CHECK_EQ_INT(ix->voxels[2], 1);
        CHECK_EQ_INT(ix->voxels[3], 3);
    }
    sv_sv_index_free(ix);
}

/* FNV-1a of a label map. */
static uint64_t map_hash(const uint32_t *lab, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= lab[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Volumes that end mid-tile (32^3) along every axis, with and without
 * background, one slice thick, and anisotropic: every supervoxel is one
 * 6-connected piece, the count is near its target, and the maps equal, bit
 * for bit, the ones recorded when the tiles first grew in colour phases (the
 * same for any thread count: test_parallel.c). A change meant to alter the
 * segmentation updates the hashes. */
static void maps_on_partial_tiles_are_the_recorded_ones(void)
{
    static const struct {
        int32_t d[3];
        double threshold, sp2;
        int count;
        uint64_t hash;
    } cases[] = {
        {{70, 45, 37}, -HUGE_VAL, 1, 300, 0x409d6690bb3b09a6ull},
        {{70, 45, 37}, 150, 1, 300, 0x4f442df933548935ull},
        {{97, 33, 1}, -HUGE_VAL, 1, 60, 0x6672e1f50cc648f8ull},
        {{33, 65, 40}, 150, 2.5, 200, 0x39b5f30a5e825a04ull},
    };
    size_t c;
    for (c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sv_volume *v = phantom(cases[c].d[0], cases[c].d[1], cases[c].d[2]);
        sv_sv_params p;
        uint32_t *lab = NULL, count = 0, s, *queue;
        sv_sv_index *ix = NULL;
        uint8_t *seen;
        int disconnected = 0;
        v->spacing[2] = cases[c].sp2;
        sv_sv_params_default(&p);
        p.target_count = cases[c].count;
        p.threshold = cases[c].threshold;
        CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
        if (!lab) continue;
        CHECK(map_hash(lab, v->nvox) == cases[c].hash);
        /* the count is aimed at in 3D; one slice is not */
        if (cases[c].d[2] > 1) CHECK(count >= 0.8 * cases[c].count && count <= 1.2 * cases[c].count);
        CHECK_EQ_INT(sv_sv_index_build(lab, v->nvox, count, &ix), SV_OK);
        queue = (uint32_t *)malloc(v->nvox * sizeof *queue);
        seen = (uint8_t *)calloc(v->nvox, 1);
        for (s = 1; ix && s <= count; s++) {
            uint32_t a = ix->offsets[s], b = ix->offsets[s + 1];
            if (b <= a || !connected(lab, v->dim, s, ix->voxels[a], b - a, queue, seen)) disconnected++;
        }
        CHECK_EQ_INT(disconnected, 0);
        free(queue);
        free(seen);
        sv_sv_index_free(ix);
        sv_free(lab);
        sv_volume_free(v);
    }
}

/* A float volume over 2^20 voxels (the range, record and index passes run
 * in pieces of 2^20 voxels or one slice, some in parallel), ending mid-tile
 * on every axis: regions of different means cut apart by background walls
 * (below the threshold), foreground specks inside the walls that no grid
 * seed reaches (islands), and scattered NaN (background too). */
static sv_volume *walled_blobs(void)
{
    int32_t d[3] = {131, 97, 90};
    sv_volume *v;
    int32_t i, j, k;
    if (sv_volume_create(d, SV_DT_FLOAT32, &v) != SV_OK) return NULL;
    for (k = 0; k < d[2]; k++)
        for (j = 0; j < d[1]; j++)
            for (i = 0; i < d[0]; i++) {
                size_t n = (size_t)i + (size_t)d[0] * ((size_t)j + (size_t)d[1] * k);
                uint32_t h = (uint32_t)n * 2654435761u;
                float x = (float)(100 + 50 * (i / 20) + 30 * (j / 25) + 10 * (k / 30)) + (float)(h >> 28);
                if (i % 40 < 4 || j % 33 < 3) x = -5; /* background walls */
                if ((i % 40 == 1 || i % 40 == 2) && j % 7 == 3 && k % 9 == 4) x = 300; /* islands in the walls */
                if (h % 9973 == 0) x = NAN;
                ((float *)v->data)[n] = x;
            }
    return v;
}

/* The map equals, bit for bit, the one the raster-ordered records gave
 * (recorded with them); background is 0 and nothing else is; every
 * supervoxel is one 6-connected piece; the index (built in pieces) lists
 * each supervoxel's voxels in increasing order. */
static void pieces_give_the_recorded_map(void)
{
    sv_volume *v = walled_blobs();
    sv_sv_params p;
    uint32_t *lab = NULL, count = 0;
    sv_sv_index *ix = NULL;
    size_t i;
    int bad = 0, disconnected = 0;
    if (!v) {
        CHECK(v != NULL);
        return;
    }
    sv_sv_params_default(&p);
    p.target_count = 400;
    p.threshold = 0;
    CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, &lab, &count), SV_OK);
    if (!lab) {
        sv_volume_free(v);
        return;
    }
    CHECK(map_hash(lab, v->nvox) == 0x58bbd0f92e779829ull);
    CHECK_EQ_INT(count, 980); /* 400-odd grid seeds, the rest islands */
    for (i = 0; i < v->nvox; i++) {
        float x = ((float *)v->data)[i];
        if (!(x >= 0) != (lab[i] == 0)) bad++;
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(sv_sv_index_build(lab, v->nvox, count, &ix), SV_OK);
    CHECK(ix && ix->offsets[count + 1] == v->nvox);
    if (ix) check_index(lab, v, ix, 0, count, &bad, &disconnected); /* background (0) listed too */
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(disconnected, 0);
    sv_sv_index_free(ix);
    sv_free(lab);
    sv_volume_free(v);
}

void suite_supervoxels(void)
{
    RUN(maps_on_partial_tiles_are_the_recorded_ones);
    RUN(pieces_give_the_recorded_map);
    RUN(edges_respected_connected_counted);
    RUN(deterministic);
    RUN(anisotropic_spacing_changes_shapes);
    RUN(background_is_never_a_supervoxel);
    RUN(the_automatic_background_is_the_padding_the_image_marks);
    RUN(infinities_in_float_data);
    RUN(more_supervoxels_than_voxels);
    RUN(cancel_and_bad_parameters);
    RUN(index_refuses_bad_ids);
}
