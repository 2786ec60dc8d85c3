/* test_brush.c — the capsule brush: round in mm on anisotropic voxels, every
 * axis, clipping, erase modes, masking, one undo step per stroke. */
#include <string.h>

#include "harness.h"
#include "supervox/brush.h"

static size_t count_value(const sv_volume *v, uint8_t val)
{
    size_t i, n = 0;
    for (i = 0; i < v->nvox; i++) n += ((const uint8_t *)v->data)[i] == val;
    return n;
}

static uint8_t at(const sv_volume *v, int i, int j, int k)
{
    return ((const uint8_t *)v->data)[(size_t)i + (size_t)v->dim[0] * ((size_t)j + (size_t)v->dim[1] * k)];
}

static void dab_is_a_disc_in_mm_on_anisotropic_voxels(void)
{
    int32_t d[3] = {41, 41, 5};
    sv_volume *v;
    sv_history *h;
    sv_brush b = {2, 5.0, 7, SV_BRUSH_PAINT, 0};
    double p[3] = {20, 20, 2};
    sv_edit_result r;
    sv_volume_create(d, SV_DT_UINT8, &v);
    v->spacing[0] = 0.5; /* i: 0.5 mm, j: 1 mm */
    v->spacing[1] = 1.0;
    sv_history_create(1 << 20, &h);
    sv_history_begin(h, v);
    CHECK_EQ_INT(sv_brush_segment(h, &b, p, p, &r), SV_OK);
    sv_history_end(h, NULL);
    /* radius 5 mm = 10 voxels along i, 5 along j, only on slice k = 2 */
    CHECK_EQ_INT(at(v, 30, 20, 2), 7);
    CHECK_EQ_INT(at(v, 31, 20, 2), 0);
    CHECK_EQ_INT(at(v, 10, 20, 2), 7);
    CHECK_EQ_INT(at(v, 20, 25, 2), 7);
    CHECK_EQ_INT(at(v, 20, 26, 2), 0);
    CHECK_EQ_INT(at(v, 20, 20, 1), 0);
    CHECK_EQ_INT(at(v, 20, 20, 3), 0);
    CHECK_EQ_INT(r.box.lo[0], 10);
    CHECK_EQ_INT(r.box.hi[0], 31);
    CHECK_EQ_INT(r.box.lo[1], 15);
    CHECK_EQ_INT(r.box.hi[1], 26);
    CHECK_EQ_INT(r.box.lo[2], 2);
    CHECK_EQ_INT(r.box.hi[2], 3);
    /* area ~ pi * 10 * 5 voxels */
    CHECK(r.changed > 140 && r.changed < 175);
    CHECK_EQ_INT(r.changed, count_value(v, 7));
    sv_history_free(h);
    sv_volume_free(v);
}

static void segment_on_each_axis_and_clipping(void)
{
    int32_t d[3] = {7, 5, 3};
    int axis;
    for (axis = 0; axis < 3; axis++) {
        sv_volume *v;
        sv_history *h;
        sv_brush b = {0, 0.0, 9, SV_BRUSH_PAINT, 0};
        double p0[3] = {0, 0, 0}, p1[3] = {6, 4, 2};
        sv_edit_result r;
        int a;
        b.axis = axis;
        p1[axis] = p0[axis] = 1; /* both on slice 1 */
        sv_volume_create(d, SV_DT_UINT8, &v);
        sv_history_create(1 << 20, &h);
        sv_history_begin(h, v);
        CHECK_EQ_INT(sv_brush_segment(h, &b, p0, p1, &r), SV_OK);
        /* a zero-radius line still paints both end voxels */
        CHECK_EQ_INT(r.box.lo[axis], 1);
        CHECK_EQ_INT(r.box.hi[axis], 2);
        for (a = 0; a < 3; a++)
            if (a != axis) {
                CHECK_EQ_INT(r.box.lo[a], 0);
                CHECK_EQ_INT(r.box.hi[a], d[a]);
            }
        /* far outside the volume: clipped, no crash, nothing painted */
        {
            double q0[3] = {-100, -100, -100}, q1[3] = {1e5, 1e5, 1e5};
            q0[axis] = q1[axis] = 1;
            CHECK_EQ_INT(sv_brush_segment(h, &b, q0, q1, &r), SV_OK);
            q0[axis] = q1[axis] = 50; /* slice off the volume */
            CHECK_EQ_INT(sv_brush_segment(h, &b, q0, q1, &r), SV_OK);
            CHECK_EQ_INT(r.changed, 0);
        }
        sv_history_end(h, NULL);
        sv_history_free(h);
        sv_volume_free(v);
    }
}

static void erase_and_masking(void)
{
    int32_t d[3] = {23, 17, 11};
    sv_volume *v;
    sv_history *h;
    sv_brush b = {2, 100.0, 4, SV_BRUSH_PAINT, 0};
    double p[3] = {11, 8, 5};
    sv_edit_result r;
    size_t n;
    sv_volume *which;
    sv_volume_create(d, SV_DT_UINT8, &v);
    sv_history_create(1 << 20, &h);
    ((uint8_t *)v->data)[11 + 23 * (8 + 17 * 5)] = 2; /* one voxel of another label */
    b.only_unlabelled = 1;
    sv_history_begin(h, v);
    sv_brush_segment(h, &b, p, p, &r);
    sv_history_end(h, NULL);
    CHECK_EQ_INT(at(v, 11, 8, 5), 2); /* masked: left alone */
    CHECK_EQ_INT(count_value(v, 4), 23 * 17 - 1);
    b.mode = SV_BRUSH_ERASE;
    b.value = 2; /* erase only label 2 */
    sv_history_begin(h, v);
    sv_brush_segment(h, &b, p, p, &r);
    sv_history_end(h, &r);
    CHECK_EQ_INT(r.changed, 1);
    CHECK_EQ_INT(count_value(v, 4), 23 * 17 - 1);
    b.value = 0; /* erase any label */
    sv_history_begin(h, v);
    sv_brush_segment(h, &b, p, p, &r);
    sv_history_end(h, &r);
    CHECK_EQ_INT(count_value(v, 0), v->nvox);
    n = (size_t)sv_history_undo_count(h);
    CHECK_EQ_INT(n, 3);
    sv_history_undo(h, &which, &r);
    sv_history_undo(h, &which, &r);
    CHECK_EQ_INT(at(v, 11, 8, 5), 2);
    CHECK_EQ_INT(count_value(v, 4), 23 * 17 - 1);
    sv_history_free(h);
    sv_volume_free(v);
}

static void bad_brush_refused(void)
{
    int32_t d[3] = {7, 5, 3};
    sv_volume *v;
    sv_history *h;
    sv_brush b = {3, 1.0, 1, SV_BRUSH_PAINT, 0};
    double p[3] = {1, 1, 1};
    sv_edit_result r;
    sv_volume_create(d, SV_DT_UINT8, &v);
    sv_history_create(1 << 20, &h);
    CHECK_EQ_INT(sv_brush_segment(h, &b, p, p, &r), SV_EINVAL); /* no open step */
    sv_history_begin(h, v);
    CHECK_EQ_INT(sv_brush_segment(h, &b, p, p, &r), SV_EINVAL); /* axis 3 */
    b.axis = 0;
    b.radius_mm = -1;
    CHECK_EQ_INT(sv_brush_segment(h, &b, p, p, &r), SV_EINVAL);
    b.radius_mm = 1;
    p[1] = 0.0 / 0.0;
    CHECK_EQ_INT(sv_brush_segment(h, &b, p, p, &r), SV_EINVAL);
    sv_history_end(h, NULL);
    sv_history_free(h);
    sv_volume_free(v);
}

void suite_brush(void)
{
    RUN(dab_is_a_disc_in_mm_on_anisotropic_voxels);
    RUN(segment_on_each_axis_and_clipping);
    RUN(erase_and_masking);
    RUN(bad_brush_refused);
}
