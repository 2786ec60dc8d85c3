/* bench_mesh.c FILE LABEL — native meshing times on a label map, as JSON:
 * one label from scratch (raw marching cubes, and with the default smoothing),
 * every label present (raw, one mesher), and the re-mesh of that label after
 * a 10 mm ball of it is painted on its surface (the mesher told the edit's
 * box), median and p95 over 20 such edits. Times are medians in ms. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervox/mesh.h"
#include "supervox/nifti.h"

#define REPS 5
#define EDITS 20

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    return t[n / 2];
}

static void die(const char *what)
{
    fprintf(stderr, "bench_mesh: %s: %s\n", what, sv_last_error());
    exit(1);
}

int main(int argc, char **argv)
{
    FILE *f;
    unsigned char *buf;
    long n;
    sv_volume *v0, *v;
    sv_mesh_params raw, def;
    sv_mesh *m;
    sv_mesher *ms;
    double t[REPS], te[EDITS], ts[EDITS], t0;
    uint8_t L, *lab, *saved;
    size_t count[256] = {0}, i, tri_all = 0, tri_one = 0;
    int r, e, l, nlabels = 0;
    const double radius = 10.0;
    if (argc != 3) return 2;
    L = (uint8_t)atoi(argv[2]);
    f = fopen(argv[1], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) return 1;
    fclose(f);
    if (sv_nifti_read(buf, (size_t)n, &v0) != SV_OK) die(argv[1]);
    if (sv_volume_to_labels(v0, &v) != SV_OK) die(argv[1]);
    sv_volume_free(v0);
    free(buf);
    lab = (uint8_t *)v->data;
    for (i = 0; i < v->nvox; i++) count[lab[i]]++;
    sv_mesh_params_default(&def);
    raw = def;
    raw.smooth_iterations = 0;

    /* one label from scratch */
    for (r = 0; r < REPS; r++) {
        t0 = now();
        if (sv_mesh_extract(v, L, &raw, NULL, NULL, &m) != SV_OK) die("extract");
        t[r] = now() - t0;
        tri_one = m->ntri;
        sv_mesh_free(m);
    }
    printf("{\"voxels\": %lu, \"label\": %d, \"triangles\": %lu, \"full_raw_ms\": %.1f", (unsigned long)v->nvox, L,
           (unsigned long)tri_one, median(t, REPS));
    for (r = 0; r < REPS; r++) {
        t0 = now();
        if (sv_mesh_extract(v, L, &def, NULL, NULL, &m) != SV_OK) die("extract");
        t[r] = now() - t0;
        sv_mesh_free(m);
    }
    printf(", \"full_smooth_ms\": %.1f", median(t, REPS));

    /* every label, one mesher */
    for (r = 0; r < 3; r++) {
        t0 = now();
        if (sv_mesher_create(v, &ms) != SV_OK) die("mesher");
        tri_all = 0;
        nlabels = 0;
        for (l = 1; l < 256; l++) {
            if (!count[l]) continue;
            if (sv_mesher_build(ms, (uint8_t)l, &raw, NULL, NULL, &m) != SV_OK) die("build");
            tri_all += m->ntri;
            nlabels++;
            sv_mesh_free(m);
        }
        sv_mesher_free(ms);
        t[r] = now() - t0;
    }
    printf(", \"labels\": %d, \"all_triangles\": %lu, \"all_raw_ms\": %.1f", nlabels, (unsigned long)tri_all, median(t, 3));

    /* re-mesh after painting a 10 mm ball of L centred on a surface voxel of L */
    if (sv_mesher_create(v, &ms) != SV_OK) die("mesher");
    if (sv_mesher_build(ms, L, &raw, NULL, NULL, &m) != SV_OK) die("build");
    sv_mesh_free(m);
    saved = malloc(v->nvox);
    if (!saved) return 1;
    {
        size_t nx = (size_t)v->dim[0], nxy = nx * (size_t)v->dim[1], surface = 0, seen = 0, stride;
        /* surface voxels: L with a 6-neighbour that is not */
        for (i = nxy; i + nxy < v->nvox; i++)
            if (lab[i] == L && (lab[i - 1] != L || lab[i + 1] != L || lab[i - nx] != L || lab[i + nx] != L ||
                                lab[i - nxy] != L || lab[i + nxy] != L))
                surface++;
        stride = surface / EDITS + 1;
        e = 0;
        for (i = nxy; i + nxy < v->nvox && e < EDITS; i++) {
            int32_t c[3], a, x, y, z;
            sv_box box;
            int pass;
            if (!(lab[i] == L && (lab[i - 1] != L || lab[i + 1] != L || lab[i - nx] != L || lab[i + nx] != L ||
                                  lab[i - nxy] != L || lab[i + nxy] != L)))
                continue;
            if (seen++ % stride != stride / 2) continue;
            c[0] = (int32_t)(i % nx);
            c[1] = (int32_t)((i / nx) % (size_t)v->dim[1]);
            c[2] = (int32_t)(i / nxy);
            for (a = 0; a < 3; a++) {
                int32_t rr = (int32_t)ceil(radius / v->spacing[a]);
                box.lo[a] = c[a] - rr < 0 ? 0 : c[a] - rr;
                box.hi[a] = c[a] + rr + 1 > v->dim[a] ? v->dim[a] : c[a] + rr + 1;
            }
            memcpy(saved, lab, v->nvox);
            for (z = box.lo[2]; z < box.hi[2]; z++)
                for (y = box.lo[1]; y < box.hi[1]; y++)
                    for (x = box.lo[0]; x < box.hi[0]; x++) {
                        double dx = (x - c[0]) * v->spacing[0], dy = (y - c[1]) * v->spacing[1], dz = (z - c[2]) * v->spacing[2];
                        if (dx * dx + dy * dy + dz * dz <= radius * radius) lab[(size_t)x + nx * (size_t)y + nxy * (size_t)z] = L;
                    }
            for (pass = 0; pass < 2; pass++) {
                sv_mesher_invalidate(ms, &box);
                t0 = now();
                if (sv_mesher_build(ms, L, pass ? &def : &raw, NULL, NULL, &m) != SV_OK) die("build");
                (pass ? ts : te)[e] = now() - t0;
                sv_mesh_free(m);
            }
            memcpy(lab, saved, v->nvox); /* undo, and tell the mesher (not timed) */
            sv_mesher_invalidate(ms, &box);
            if (sv_mesher_build(ms, L, &raw, NULL, NULL, &m) != SV_OK) die("build");
            sv_mesh_free(m);
            e++;
        }
    }
    qsort(te, (size_t)e, sizeof *te, cmp);
    qsort(ts, (size_t)e, sizeof *ts, cmp);
    printf(", \"edits\": %d, \"remesh_raw_ms\": [%.1f, %.1f], \"remesh_smooth_ms\": [%.1f, %.1f]}\n", e, te[e / 2],
           te[(e * 95) / 100 < e ? (e * 95) / 100 : e - 1], ts[e / 2], ts[(e * 95) / 100 < e ? (e * 95) / 100 : e - 1]);
    free(saved);
    sv_mesher_free(ms);
    sv_volume_free(v);
    return 0;
}
