/* test_parallel.c — the parallel-for, and that the stages using it give the
 * same bytes for any thread count (1 = serial; the native test build has
 * threads, so 2-4 really run on the pool). */
#include <stdlib.h>
#include <string.h>

#include "../../core/src/internal.h"
#include "harness.h"
#include "supervox/mesh.h"
#include "supervox/nifti.h"
#include "supervox/parallel.h"
#include "supervox/supervoxels.h"

unsigned char *sv_test_read_file(const char *path, size_t *len);

typedef struct pctx {
    unsigned hits[1000];
    unsigned workers[SV_MAX_THREADS];
} pctx;

static sv_status count_piece(void *ctx, size_t i, unsigned worker)
{
    pctx *c = (pctx *)ctx;
    volatile double x = 0;
    int k;
    for (k = 0; k < 2000; k++) x += k; /* a little work, so that several threads take part */
    __atomic_fetch_add(&c->hits[i], 1, __ATOMIC_RELAXED);
    if (worker < SV_MAX_THREADS) __atomic_fetch_add(&c->workers[worker], 1, __ATOMIC_RELAXED);
    return SV_OK;
}

static sv_status fail_piece(void *ctx, size_t i, unsigned worker)
{
    (void)ctx;
    (void)worker;
    if (i == 37 || i == 120 || i == 500) return sv_fail(i == 37 ? SV_ERANGE : SV_ENOMEM, "piece %zu failed", i);
    return SV_OK;
}

static sv_status nested_piece(void *ctx, size_t i, unsigned worker)
{
    pctx *c = (pctx *)ctx;
    (void)worker;
    (void)i;
    return sv_parallel_for(10, count_piece, c); /* runs serially inside a piece */
}

static void every_piece_once_lowest_failure_wins(void)
{
    unsigned t;
    CHECK_EQ_INT(sv_threads_built(), 1);
    for (t = 1; t <= 4; t++) {
        pctx c;
        size_t i;
        unsigned used = sv_set_threads(t), w, sum = 0;
        CHECK_EQ_INT(used, t);
        CHECK_EQ_INT(sv_threads(), t);
        memset(&c, 0, sizeof c);
        CHECK_EQ_INT(sv_parallel_for(1000, count_piece, &c), SV_OK);
        for (i = 0; i < 1000; i++) CHECK_EQ_INT(c.hits[i], 1);
        for (w = 0; w < SV_MAX_THREADS; w++) {
            if (w >= t) CHECK_EQ_INT(c.workers[w], 0);
            sum += c.workers[w];
        }
        CHECK_EQ_INT(sum, 1000);
        /* the failure of the lowest piece is returned, with its message, whatever ran first */
        CHECK_EQ_INT(sv_parallel_for(1000, fail_piece, NULL), SV_ERANGE);
        CHECK(strcmp(sv_last_error(), "piece 37 failed") == 0);
        memset(&c, 0, sizeof c);
        CHECK_EQ_INT(sv_parallel_for(4, nested_piece, &c), SV_OK);
        for (i = 0; i < 10; i++) CHECK_EQ_INT(c.hits[i], 4);
        CHECK_EQ_INT(sv_parallel_for(0, count_piece, &c), SV_OK);
    }
    CHECK_EQ_INT(sv_set_threads(1000), SV_MAX_THREADS);
    CHECK(sv_set_threads(0) >= 1);
    sv_set_threads(0);
}

/* a noisy phantom over several tiles along each axis (odd sizes), with a background */
static sv_volume *noisy(void)
{
    int32_t d[3] = {97, 75, 66}, i, j, k;
    sv_volume *v;
    unsigned r = 12345;
    if (sv_volume_create(d, SV_DT_INT16, &v) != SV_OK) return NULL;
    v->spacing[2] = 1.5;
    for (k = 0; k < d[2]; k++)
        for (j = 0; j < d[1]; j++)
            for (i = 0; i < d[0]; i++) {
                double dx = i - 48, dy = j - 37, dz = (k - 33) * 1.5;
                int val = dx * dx + dy * dy + dz * dz < 35 * 35 ? 300 + (i / 9 % 3) * 200 + (j / 13 % 2) * 350 : 0;
                r = r * 1103515245u + 12345u;
                ((int16_t *)v->data)[i + d[0] * (j + d[1] * k)] = (int16_t)(val + (int)(r >> 16 & 63));
            }
    return v;
}

static void supervoxels_same_for_any_thread_count(void)
{
    sv_volume *v = noisy(), *brain = NULL;
    sv_sv_params p;
    uint32_t *ref = NULL, *lab = NULL, cref = 0, c = 0;
    unsigned t;
    int masked;
    size_t len = 0;
    char path[4200];
    unsigned char *buf;
    CHECK(v != NULL);
    if (!v) return;
    for (masked = 0; masked < 2; masked++) {
        sv_sv_params_default(&p);
        p.target_count = 700;
        p.threshold = masked ? 100 : -HUGE_VAL;
        for (t = 1; t <= 4; t++) {
            sv_set_threads(t);
            CHECK_EQ_INT(sv_supervoxels(v, &p, NULL, NULL, t == 1 ? &ref : &lab, t == 1 ? &cref : &c), SV_OK);
            if (t > 1) {
                CHECK_EQ_INT(c, cref);
                CHECK(ref && lab && memcmp(ref, lab, v->nvox * sizeof *lab) == 0);
                sv_free(lab);
                lab = NULL;
            }
        }
        CHECK(cref > 300);
        sv_free(ref);
        ref = NULL;
    }
    /* the demo brain, unmasked, 5000: the bench's case */
    snprintf(path, sizeof path, "%s/brain/norm_crop.nii.gz", sv_test_data);
    buf = sv_test_read_file(path, &len);
    CHECK(buf && sv_nifti_read(buf, len, &brain) == SV_OK);
    if (brain) {
        sv_sv_params_default(&p);
        p.target_count = 5000;
        sv_set_threads(1);
        CHECK_EQ_INT(sv_supervoxels(brain, &p, NULL, NULL, &ref, &cref), SV_OK);
        sv_set_threads(3);
        CHECK_EQ_INT(sv_supervoxels(brain, &p, NULL, NULL, &lab, &c), SV_OK);
        CHECK_EQ_INT(c, cref);
        CHECK(ref && lab && memcmp(ref, lab, brain->nvox * sizeof *lab) == 0);
        sv_free(ref);
        sv_free(lab);
    }
    free(buf);
    sv_volume_free(brain);
    sv_volume_free(v);
    sv_set_threads(0);
}

static int same_mesh(const sv_mesh *a, const sv_mesh *b)
{
    return a && b && a->nvert == b->nvert && a->ntri == b->ntri &&
           memcmp(a->pos, b->pos, (size_t)a->nvert * 3 * sizeof(float)) == 0 &&
           memcmp(a->normal, b->normal, (size_t)a->nvert * 3 * sizeof(float)) == 0 &&
           memcmp(a->tri, b->tri, (size_t)a->ntri * 3 * sizeof(uint32_t)) == 0;
}

static void meshes_same_for_any_thread_count(void)
{
    sv_volume *lab = NULL;
    size_t len = 0;
    char path[4200];
    unsigned char *buf;
    static const uint8_t labels[] = {3, 17, 2};
    unsigned i, t;
    snprintf(path, sizeof path, "%s/brain/aseg_collapsed_crop.nii.gz", sv_test_data);
    buf = sv_test_read_file(path, &len);
    CHECK(buf && sv_nifti_read(buf, len, &lab) == SV_OK);
    if (!lab) {
        free(buf);
        return;
    }
    for (i = 0; i < sizeof labels; i++) {
        int smooth;
        for (smooth = 0; smooth < 2; smooth++) {
            sv_mesh_params p;
            sv_mesh *ref = NULL, *m = NULL;
            sv_mesh_params_default(&p);
            if (!smooth) p.smooth_iterations = 0;
            sv_set_threads(1);
            CHECK_EQ_INT(sv_mesh_extract(lab, labels[i], &p, NULL, NULL, &ref), SV_OK);
            for (t = 2; t <= 4; t += 2) {
                sv_set_threads(t);
                CHECK_EQ_INT(sv_mesh_extract(lab, labels[i], &p, NULL, NULL, &m), SV_OK);
                CHECK(same_mesh(ref, m));
                sv_mesh_free(m);
                m = NULL;
            }
            CHECK(ref && ref->ntri > 1000);
            sv_mesh_free(ref);
        }
    }
    /* the block cache after an edit: threaded re-mesh of the touched blocks equals a serial full mesh */
    {
        sv_mesher *ms = NULL;
        sv_mesh *a = NULL, *b = NULL;
        sv_mesh_params p;
        sv_box box;
        uint8_t *d = (uint8_t *)lab->data;
        int32_t x, y, z;
        sv_mesh_params_default(&p);
        p.smooth_iterations = 0;
        sv_set_threads(3);
        CHECK_EQ_INT(sv_mesher_create(lab, &ms), SV_OK);
        CHECK_EQ_INT(sv_mesher_build(ms, 3, &p, NULL, NULL, &a), SV_OK);
        sv_mesh_free(a);
        a = NULL;
        for (z = 60; z < 100; z++)
            for (y = 50; y < 90; y++)
                for (x = 40; x < 80; x++) d[x + lab->dim[0] * (y + lab->dim[1] * z)] = 3;
        box.lo[0] = 40, box.lo[1] = 50, box.lo[2] = 60;
        box.hi[0] = 79, box.hi[1] = 89, box.hi[2] = 99;
        sv_mesher_invalidate(ms, &box);
        CHECK_EQ_INT(sv_mesher_build(ms, 3, &p, NULL, NULL, &a), SV_OK);
        sv_set_threads(1);
        CHECK_EQ_INT(sv_mesh_extract(lab, 3, &p, NULL, NULL, &b), SV_OK);
        CHECK(same_mesh(a, b));
        sv_mesh_free(a);
        sv_mesh_free(b);
        sv_mesher_free(ms);
    }
    sv_set_threads(0);
    sv_volume_free(lab);
    free(buf);
}

void suite_parallel(void)
{
    RUN(every_piece_once_lowest_failure_wins);
    RUN(supervoxels_same_for_any_thread_count);
    RUN(meshes_same_for_any_thread_count);
}
