/* brush.c — a capsule-shaped 2D brush on one slice.
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

sv_status sv_brush_segment(sv_history *h, const sv_brush *b, const double p0[3], const double p1[3], sv_edit_result *res)
{
    sv_volume *v = sv_history_layer(h);
    int u, w, a;
    int32_t slice, lo[2], hi[2], x, y;
    double su, sw, du, dw, len2, r2;
    size_t stride[3];
    sv_box box;
    size_t changed = 0;

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
    u = (b->axis + 1) % 3;
    w = (b->axis + 2) % 3;
    slice = (int32_t)floor(p0[b->axis] + 0.5);
    if (slice < 0 || slice >= v->dim[b->axis]) return SV_OK; /* off the volume: nothing to do */
    stride[0] = 1;
    stride[1] = (size_t)v->dim[0];
    stride[2] = (size_t)v->dim[0] * (size_t)v->dim[1];
    su = v->spacing[u];
    sw = v->spacing[w];
    {
        double ru = b->radius_mm / su, rw = b->radius_mm / sw;
        double umin = fmin(p0[u], p1[u]) - ru, umax = fmax(p0[u], p1[u]) + ru;
        double wmin = fmin(p0[w], p1[w]) - rw, wmax = fmax(p0[w], p1[w]) + rw;
        lo[0] = clampi(ceil(umin - 0.5), 0, v->dim[u] - 1);
        hi[0] = clampi(floor(umax + 0.5), 0, v->dim[u] - 1);
        lo[1] = clampi(ceil(wmin - 0.5), 0, v->dim[w] - 1);
        hi[1] = clampi(floor(wmax + 0.5), 0, v->dim[w] - 1);
    }
    du = (p1[u] - p0[u]) * su;
    dw = (p1[w] - p0[w]) * sw;
    len2 = du * du + dw * dw;
    r2 = b->radius_mm * b->radius_mm;
    box = res->box;
    {
        /* the voxels under the two ends, so a tiny brush still paints */
        int32_t e0u = (int32_t)floor(p0[u] + 0.5), e0w = (int32_t)floor(p0[w] + 0.5);
        int32_t e1u = (int32_t)floor(p1[u] + 0.5), e1w = (int32_t)floor(p1[w] + 0.5);
        const uint8_t *d = (const uint8_t *)v->data;
        for (y = lo[1]; y <= hi[1]; y++) {
            for (x = lo[0]; x <= hi[0]; x++) {
                double qu = (x - p0[u]) * su, qw = (y - p0[w]) * sw, t, eu, ew;
                size_t idx;
                uint8_t cur, want;
                int hit;
                t = len2 > 0 ? (qu * du + qw * dw) / len2 : 0.0;
                if (t < 0) t = 0;
                if (t > 1) t = 1;
                eu = qu - t * du;
                ew = qw - t * dw;
                hit = eu * eu + ew * ew <= r2 || (x == e0u && y == e0w) || (x == e1u && y == e1w);
                if (!hit) continue;
                idx = (size_t)slice * stride[b->axis] + (size_t)x * stride[u] + (size_t)y * stride[w];
                cur = d[idx];
                if (b->mode == SV_BRUSH_PAINT) {
                    if (b->only_unlabelled && cur != 0) continue;
                    want = b->value;
                } else {
                    if (cur == 0 || (b->value != 0 && cur != b->value)) continue;
                    want = 0;
                }
                switch (sv_history_set(h, idx, want)) {
                case 1: {
                    int32_t p[3];
                    p[b->axis] = slice;
                    p[u] = x;
                    p[w] = y;
                    for (a = 0; a < 3; a++) {
                        if (p[a] < box.lo[a]) box.lo[a] = p[a];
                        if (p[a] + 1 > box.hi[a]) box.hi[a] = p[a] + 1;
                    }
                    changed++;
                    break;
                }
                case -1:
                    res->changed = changed;
                    res->box = box;
                    return sv_fail(SV_ENOMEM, "out of memory recording the brush stroke");
                default: break;
                }
            }
        }
    }
    res->changed = changed;
    res->box = box;
    return SV_OK;
}
