/* meshio.c — meshes out as binary STL and Wavefront OBJ, into memory.
 *
 * STL (binary): 80-byte header, uint32 triangle count, then per triangle 12
 * float32 (facet normal, three vertices) and a zero uint16, all little-endian.
 * It has no shared vertices and no names: several meshes are simply
 * concatenated. OBJ: text, one "o" object per mesh with its vertices, vertex
 * normals and faces, indices 1-based over the whole file.
 * MEMORY: the output (50 bytes per triangle for STL, ~100 per vertex for OBJ).
 * PERFORMANCE: linear; OBJ formats numbers with snprintf (~150 ns each).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "supervox/mesh.h"

static uint8_t *put_u32(uint8_t *p, uint32_t x)
{
    p[0] = (uint8_t)x;
    p[1] = (uint8_t)(x >> 8);
    p[2] = (uint8_t)(x >> 16);
    p[3] = (uint8_t)(x >> 24);
    return p + 4;
}

static uint8_t *put_f32(uint8_t *p, float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    return put_u32(p, x);
}

sv_status sv_mesh_write_stl(const sv_mesh *const *meshes, size_t n, uint8_t **out, size_t *len)
{
    static const char header[] = "binary STL from supervox; world coordinates in mm (RAS+)";
    size_t total = 0, i, bytes;
    uint8_t *buf, *p;
    *out = NULL;
    *len = 0;
    for (i = 0; i < n; i++)
        if (meshes[i]) total += meshes[i]->ntri;
    if (total > UINT32_MAX || !sv_mul_size(total, 50, &bytes) || !sv_add_size(bytes, 84, &bytes))
        return sv_fail(SV_ERANGE, "%lu triangles are too many for one STL file", (unsigned long)total);
    buf = (uint8_t *)SV_MALLOC(bytes);
    if (!buf) return sv_fail(SV_ENOMEM, "out of memory writing STL");
    memset(buf, 0, 80);
    memcpy(buf, header, sizeof header - 1);
    p = put_u32(buf + 80, (uint32_t)total);
    for (i = 0; i < n; i++) {
        const sv_mesh *m = meshes[i];
        uint32_t t;
        if (!m) continue;
        for (t = 0; t < m->ntri; t++) {
            const float *v[3];
            double u[3], w[3], nr[3], l;
            int k, j;
            for (k = 0; k < 3; k++) v[k] = m->pos + (size_t)m->tri[(size_t)t * 3 + k] * 3;
            for (k = 0; k < 3; k++) {
                u[k] = (double)v[1][k] - v[0][k];
                w[k] = (double)v[2][k] - v[0][k];
            }
            nr[0] = u[1] * w[2] - u[2] * w[1];
            nr[1] = u[2] * w[0] - u[0] * w[2];
            nr[2] = u[0] * w[1] - u[1] * w[0];
            l = sqrt(nr[0] * nr[0] + nr[1] * nr[1] + nr[2] * nr[2]);
            for (k = 0; k < 3; k++) p = put_f32(p, l > 0 ? (float)(nr[k] / l) : 0.0f);
            for (j = 0; j < 3; j++)
                for (k = 0; k < 3; k++) p = put_f32(p, v[j][k]);
            *p++ = 0;
            *p++ = 0;
        }
    }
    *out = buf;
    *len = bytes;
    return SV_OK;
}

/* A growing text buffer. */
typedef struct text {
    char *s;
    size_t n, cap;
    int failed;
} text;

static void text_printf(text *t, const char *fmt, ...) SV_PRINTF(2, 3);

static void text_printf(text *t, const char *fmt, ...)
{
    va_list ap;
    int need;
    if (t->failed) return;
    for (;;) {
        va_start(ap, fmt);
        need = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
        va_end(ap);
        if (need < 0) {
            t->failed = 1;
            return;
        }
        if ((size_t)need < t->cap - t->n) break;
        {
            size_t ncap = t->cap * 2 + (size_t)need;
            char *ns = ncap > t->cap ? (char *)SV_REALLOC(t->s, ncap) : NULL; /* NULL on overflow */
            if (!ns) {
                t->failed = 1;
                return;
            }
            t->s = ns;
            t->cap = ncap;
        }
    }
    t->n += (size_t)need;
}

sv_status sv_mesh_write_obj(const sv_mesh *const *meshes, const char *const *names, size_t n, uint8_t **out,
                            size_t *len)
{
    text t;
    size_t i, base = 1, guess = 64;
    *out = NULL;
    *len = 0;
    for (i = 0; i < n; i++) /* a first capacity; it grows as needed (saturating here) */
        if (meshes[i] && guess < ((size_t)1 << 30)) guess += (size_t)meshes[i]->nvert * 90 + (size_t)meshes[i]->ntri * 40;
    if (guess > ((size_t)1 << 30)) guess = (size_t)1 << 30;
    t.n = 0;
    t.failed = 0;
    t.cap = guess;
    t.s = (char *)SV_MALLOC(t.cap);
    if (!t.s) return sv_fail(SV_ENOMEM, "out of memory writing OBJ");
    t.s[0] = 0;
    text_printf(&t, "# Wavefront OBJ from supervox; world coordinates in mm (RAS+)\n");
    for (i = 0; i < n; i++) {
        const sv_mesh *m = meshes[i];
        uint32_t v, f;
        char name[64];
        size_t k;
        if (!m) continue;
        if (names && names[i])
            snprintf(name, sizeof name, "%s", names[i]);
        else
            snprintf(name, sizeof name, "mesh_%lu", (unsigned long)i);
        for (k = 0; name[k]; k++)
            if (name[k] == ' ' || name[k] == '\t' || name[k] == '\n' || name[k] == '\r') name[k] = '_';
        text_printf(&t, "o %s\n", name[0] ? name : "mesh");
        for (v = 0; v < m->nvert; v++) {
            const float *p = m->pos + (size_t)v * 3;
            text_printf(&t, "v %.7g %.7g %.7g\n", p[0], p[1], p[2]);
        }
        if (m->normal)
            for (v = 0; v < m->nvert; v++) {
                const float *p = m->normal + (size_t)v * 3;
                text_printf(&t, "vn %.5g %.5g %.5g\n", p[0], p[1], p[2]);
            }
        for (f = 0; f < m->ntri; f++) {
            const uint32_t *tr = m->tri + (size_t)f * 3;
            unsigned long a = (unsigned long)(base + tr[0]), b = (unsigned long)(base + tr[1]),
                          c = (unsigned long)(base + tr[2]);
            if (m->normal)
                text_printf(&t, "f %lu//%lu %lu//%lu %lu//%lu\n", a, a, b, b, c, c);
            else
                text_printf(&t, "f %lu %lu %lu\n", a, b, c);
        }
        base += m->nvert;
    }
    if (t.failed) {
        SV_FREE(t.s);
        return sv_fail(SV_ENOMEM, "out of memory writing OBJ");
    }
    *out = (uint8_t *)t.s;
    *len = t.n;
    return SV_OK;
}
