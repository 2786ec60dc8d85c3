/* brush.c — a capsule-shaped 2D brush on one slice, and the capsule
 * rasterisation that strokes share.
 *
 * ALGORITHM: the segment's in-plane bounding box grown by the radius is
 * scanned; each voxel centre's squared distance (mm) to the segment decides.
 * PERFORMANCE: O(box area) per segment: a 10 mm brush on 1 mm voxels moving
 * 3 voxels per event tests ~21x24 voxels, well under a microsecond each.
 */
#include <math.h>

#include "internal.h"
#include "supervox/brush.h"

static int32_t clampi(double x, int32_t lo, int32_t hi)
{
    if (!(x > lo)) return lo; /* also catches NaN */
    if (x > hi) return hi;
    return (int32_t)x;
}

int sv_capsule_visit(const int32_t dim[3], const double spacing[3], int axis, const double p0[3], const double p1[3],
                     double radius_mm, sv_voxel_fn fn, void *ctx)
{
    int u = (axis + 1) % 3, w = (axis + 2) % 3;
    int32_t slice = sv_iround(p0[axis]), lo[2], hi[2], x, y;
    double su = spacing[u], sw = spacing[w], du, dw, len2, r2;
    size_t stride[3];
    int32_t e0u, e0w, e1u, e1w;
    if (slice < 0 || slice >= dim[axis]) return 0; /* off the volume: nothing to visit */
    stride[0] = 1;
    stride[1] = (size_t)dim[0];
    stride[2] = (size_t)dim[0] * (size_t)dim[1];
    {
        double ru = radius_mm / su, rw = radius_mm / sw;
        lo[0] = clampi(ceil(fmin(p0[u], p1[u]) - ru - 0.5), 0, dim[u] - 1);
        hi[0] = clampi(floor(fmax(p0[u], p1[u]) + ru + 0.5), 0, dim[u] - 1);
        lo[1] = clampi(ceil(fmin(p0[w], p1[w]) - rw - 0.5), 0, dim[w] - 1);
        hi[1] = clampi(floor(fmax(p0[w], p1[w]) + rw + 0.5), 0, dim[w] - 1);
    }
    du = (p1[u] - p0[u]) * su;
    dw = (p1[w] - p0[w]) * sw;
    len2 = du * du + dw * dw;
    r2 = radius_mm * radius_mm;
    e0u = sv_iround(p0[u]);
    e0w = sv_iround(p0[w]);
    e1u = sv_iround(p1[u]);
    e1w = sv_iround(p1[w]);
    for (y = lo[1]; y <= hi[1]; y++) {
        for (x = lo[0]; x <= hi[0]; x++) {
            double qu = (x - p0[u]) * su, qw = (y - p0[w]) * sw, t, eu, ew;
            int32_t p[3];
            int rc;
            t = len2 > 0 ? (qu * du + qw * dw) / len2 : 0.0;
            if (t < 0) t = 0;
            if (t > 1) t = 1;
            eu = qu - t * du;
            ew = qw - t * dw;
            if (!(eu * eu + ew * ew <= r2 || (x == e0u && y == e0w) || (x == e1u && y == e1w))) continue;
            p[axis] = slice;
            p[u] = x;
            p[w] = y;
            rc = fn(ctx, (size_t)slice * stride[axis] + (size_t)x * stride[u] + (size_t)y * stride[w], p);
            if (rc) return rc;
        }
    }
    return 0;
}

typedef struct brush_ctx {
    sv_history *h;
    const sv_brush *b;
    const uint8_t *d;
    sv_edit_result *res;
} brush_ctx;

static int brush_voxel(void *vctx, size_t idx, const int32_t p[3])
{
    brush_ctx *c = (brush_ctx *)vctx;
    uint8_t cur = c->d[idx], want;
    int a;
    if (c->b->mode == SV_BRUSH_PAINT) {
        if (c->b->only_unlabelled && cur != 0) return 0;
        want = c->b->value;
    } else {
        if (cur == 0 || (c->b->value != 0 && cur != c->b->value)) return 0;
        want = 0;
    }
    switch (sv_history_set(c->h, idx, want)) {
    case 1:
        for (a = 0; a < 3; a++) {
            if (p[a] < c->res->box.lo[a]) c->res->box.lo[a] = p[a];
            if (p[a] + 1 > c->res->box.hi[a]) c->res->box.hi[a] = p[a] + 1;
        }
        c->res->changed++;
        return 0;
    case -1: return 1; /* out of memory */
    default: return 0;
    }
}

sv_status sv_brush_segment(sv_history *h, const sv_brush *b, const double p0[3], const double p1[3], sv_edit_result *res)
{
    sv_volume *v = sv_history_layer(h);
    brush_ctx c;
    int a;
    res->changed = 0;
    for (a = 0; a < 3; a++) {
        res->box.lo[a] = INT32_MAX;
        res->box.hi[a] = 0;
    }
    if (!v) return sv_fail(SV_EINVAL, "no edit is in progress");
    if (b->axis < 0 || b->axis > 2) return sv_fail(SV_EINVAL, "brush axis %d is not 0, 1 or 2", b->axis);
    if (!(b->radius_mm >= 0 && b->radius_mm < 1e6)) return sv_fail(SV_EINVAL, "brush radius %g mm is out of range", b->radius_mm);
    for (a = 0; a < 3; a++)
        if (!isfinite(p0[a]) || !isfinite(p1[a])) return sv_fail(SV_EINVAL, "brush points must be finite");
    c.h = h;
    c.b = b;
    c.d = (const uint8_t *)v->data;
    c.res = res;
    if (sv_capsule_visit(v->dim, v->spacing, b->axis, p0, p1, b->radius_mm, brush_voxel, &c))
        return sv_fail(SV_ENOMEM, "out of memory recording the brush stroke");
    return SV_OK;
}
