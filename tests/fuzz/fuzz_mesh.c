/* fuzz_mesh.c — libFuzzer harness for label surfaces (make fuzz-mesh).
 * The input is a small label map: 3 bytes of dims (1..16 each), a byte of
 * flags (which spacing, a mirrored or oblique affine, smoothing, a triangle
 * budget), then the voxels (mod 4: labels 0..3, the rest zero). Every label
 * present is meshed with the incremental mesher, and, for the first, by one
 * call with the flags' smoothing and decimation. The promises of mesh.h must
 * hold on any map: every mesh closed (each edge in two triangles, run in
 * opposite directions), finite positions, a positive enclosed volume no
 * larger than the grid's (grown by a voxel); the writers accept it.
 * No crash, no leak, no hang. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "supervox/mesh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const sv_mesh *m)
{
    size_t bad = 1, i;
    if (sv_mesh_check_closed(m, &bad) != SV_OK || bad) __builtin_trap();
    for (i = 0; i < (size_t)m->nvert * 3; i++)
        if (!isfinite(m->pos[i])) __builtin_trap();
    if (m->ntri && !(sv_mesh_volume(m) > 0)) __builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int32_t d[3];
    sv_volume *v = NULL;
    sv_mesher *mr = NULL;
    sv_mesh_params p;
    uint8_t flags, present[4] = {0, 0, 0, 0};
    size_t i;
    double voxmm3;
    int a, l;
    if (size < 4) return 0;
    for (a = 0; a < 3; a++) d[a] = 1 + data[a] % 16;
    flags = data[3];
    if (sv_volume_create(d, SV_DT_UINT8, &v) != SV_OK) __builtin_trap();
    for (i = 0; i < v->nvox && 4 + i < size; i++) {
        uint8_t x = data[4 + i] % 4;
        ((uint8_t *)v->data)[i] = x;
        present[x] = 1;
    }
    {
        /* spacing 1 or anisotropic, axes mirrored and/or turned by 30 degrees */
        double sp[3] = {flags & 1 ? 0.7 : 1, 1, flags & 1 ? 2.5 : 1}, A[16] = {0};
        double c = flags & 2 ? cos(0.5236) : 1, s = flags & 2 ? sin(0.5236) : 0, m = flags & 4 ? -1 : 1;
        A[0] = m * c * sp[0], A[1] = -s * sp[1];
        A[4] = m * s * sp[0], A[5] = c * sp[1];
        A[10] = sp[2];
        A[3] = 10, A[7] = -20, A[11] = 5, A[15] = 1;
        sv_volume_set_affine(v, A, 2);
    }
    {
        const double(*A)[4] = (const double(*)[4])v->affine;
        voxmm3 = fabs(A[0][0] * (A[1][1] * A[2][2] - A[1][2] * A[2][1]) - A[0][1] * (A[1][0] * A[2][2] - A[1][2] * A[2][0]) +
                      A[0][2] * (A[1][0] * A[2][1] - A[1][1] * A[2][0]));
    }
    if (sv_mesher_create(v, &mr) != SV_OK) __builtin_trap();
    sv_mesh_params_default(&p);
    p.smooth_iterations = 0;
    for (l = 1; l < 4; l++) {
        sv_mesh *m = NULL;
        if (!present[l]) continue;
        if (sv_mesher_build(mr, (uint8_t)l, &p, NULL, NULL, &m) != SV_OK) __builtin_trap();
        check(m);
        /* within the box of the label's voxels, grown by one: a loose sanity bound */
        if (sv_mesh_volume(m) > (double)(d[0] + 2) * (d[1] + 2) * (d[2] + 2) * voxmm3) __builtin_trap();
        sv_mesh_free(m);
    }
    for (l = 1; l < 4; l++) {
        sv_mesh *m = NULL;
        uint8_t *out = NULL;
        size_t len = 0;
        const sv_mesh *one[1];
        const char *name[1] = {"label"};
        if (!present[l]) continue;
        sv_mesh_params_default(&p);
        p.smooth_iterations = flags >> 3 & 3 ? 4 * (flags >> 3 & 3) : 0;
        p.max_triangles = flags & 0x20 ? (uint32_t)(flags >> 6) * 20 + 4 : 0;
        if (sv_mesh_extract(v, (uint8_t)l, &p, NULL, NULL, &m) != SV_OK) __builtin_trap();
        check(m);
        one[0] = m;
        if (sv_mesh_write_stl(one, 1, &out, &len) != SV_OK) __builtin_trap();
        sv_free(out);
        out = NULL;
        if (sv_mesh_write_obj(one, name, 1, &out, &len) != SV_OK) __builtin_trap();
        sv_free(out);
        sv_mesh_free(m);
        break;
    }
    sv_mesher_free(mr);
    sv_volume_free(v);
    return 0;
}
