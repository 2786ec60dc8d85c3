/* test_volume.c — creation, indexing order, labels, stats, JSON, affine setter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/volume.h"

static void create_odd_dims_zero_filled(void)
{
    static const int32_t shapes[2][3] = {{7, 5, 3}, {23, 17, 11}};
    int s;
    for (s = 0; s < 2; s++) {
        sv_volume *v;
        size_t i;
        int zero = 1;
        CHECK_EQ_INT(sv_volume_create(shapes[s], SV_DT_INT16, &v), SV_OK);
        if (!v) continue;
        CHECK_EQ_INT(v->nvox, (size_t)shapes[s][0] * shapes[s][1] * shapes[s][2]);
        for (i = 0; i < v->nvox; i++) zero &= ((int16_t *)v->data)[i] == 0;
        CHECK(zero);
        CHECK_NEAR(v->affine[0][0], 1.0, 0);
        CHECK_NEAR(v->affine[2][2], 1.0, 0);
        CHECK_EQ_INT(v->meta.sform_code, 2);
        CHECK_EQ_INT(v->frames, 1);
        sv_volume_free(v);
    }
}

static void create_refuses_bad_dims_and_overflow(void)
{
    sv_volume *v;
    int32_t neg[3] = {3, -1, 2}, big[3] = {INT32_MAX, INT32_MAX, INT32_MAX};
    CHECK_EQ_INT(sv_volume_create(neg, SV_DT_UINT8, &v), SV_EINVAL);
    CHECK_EQ_INT(sv_volume_create(big, SV_DT_FLOAT64, &v), SV_ERANGE);
    CHECK_EQ_INT(sv_volume_create(neg + 0, (sv_dtype)3, &v), SV_EINVAL);
    CHECK(v == NULL);
    sv_volume_free(NULL);
}

static void scaled_get_and_stats(void)
{
    int32_t d[3] = {7, 5, 3};
    sv_volume *v;
    sv_volume_stats st;
    size_t i;
    double s = 0, ws = 0;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_INT16, &v), SV_OK);
    if (!v) return;
    v->scl_slope = 2.0;
    v->scl_inter = -3.0;
    for (i = 0; i < v->nvox; i++) {
        ((int16_t *)v->data)[i] = (int16_t)((int)i - 50);
        s += ((double)i - 50) * 2 - 3;
        ws += (((double)i - 50) * 2 - 3) * (double)(1 + i % 1021);
    }
    CHECK_NEAR(sv_volume_get(v, 10), (10.0 - 50) * 2 - 3, 0);
    sv_volume_stats_compute(v, &st);
    CHECK_NEAR(st.min, -103, 0);
    CHECK_NEAR(st.max, (104.0 - 50) * 2 - 3, 0);
    CHECK_NEAR(st.sum, s, 1e-9);
    CHECK_NEAR(st.wsum, ws, 1e-6);
    CHECK_NEAR(st.mean, s / 105.0, 1e-12);
    sv_volume_free(v);
}

static void labels_from_segmentation(void)
{
    int32_t d[3] = {23, 17, 11};
    sv_volume *v, *lab;
    size_t i;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_FLOAT32, &v), SV_OK);
    if (!v) return;
    v->affine[0][3] = 12.5;
    v->meta.sform_code = 4;
    for (i = 0; i < v->nvox; i++) ((float *)v->data)[i] = (float)(i % 7);
    CHECK_EQ_INT(sv_volume_to_labels(v, &lab), SV_OK);
    if (lab) {
        CHECK_EQ_INT(lab->dtype, SV_DT_UINT8);
        CHECK_EQ_INT(lab->meta.intent_code, SV_INTENT_LABEL);
        CHECK_EQ_INT(lab->meta.sform_code, 4);
        CHECK_NEAR(lab->affine[0][3], 12.5, 0);
        CHECK_EQ_INT(((uint8_t *)lab->data)[100], 100 % 7);
        sv_volume_free(lab);
    }
    ((float *)v->data)[23 * 17 * 2 + 23 * 3 + 4] = 1.5f; /* voxel (4, 3, 2) */
    CHECK_EQ_INT(sv_volume_to_labels(v, &lab), SV_ERANGE);
    CHECK(strstr(sv_last_error(), "(4, 3, 2)") != NULL);
    ((float *)v->data)[23 * 17 * 2 + 23 * 3 + 4] = 256.0f;
    CHECK_EQ_INT(sv_volume_to_labels(v, &lab), SV_ERANGE);
    CHECK(lab == NULL);
    sv_volume_free(v);
}

static void info_json_sizes_like_snprintf(void)
{
    int32_t d[3] = {7, 5, 3};
    sv_volume *v;
    char small[16], *big;
    size_t need;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_UINT8, &v), SV_OK);
    if (!v) return;
    need = sv_volume_info_json(v, NULL, small, sizeof small);
    CHECK(need > sizeof small);
    CHECK(strlen(small) == sizeof small - 1);
    big = (char *)malloc(need + 1);
    CHECK_EQ_INT(sv_volume_info_json(v, NULL, big, need + 1), need);
    CHECK(strstr(big, "\"dims\": [7, 5, 3]") != NULL);
    CHECK(strstr(big, "\"datatype\": \"uint8\"") != NULL);
    free(big);
    sv_volume_free(v);
}

static void set_affine_derives_spacing_and_quaternion(void)
{
    /* 30 degrees about z, spacing 0.8 x 0.8 x 2.5, with a flip of the third axis */
    const double c = 0.86602540378443865, s = 0.5;
    double a[16] = {0.8 * c, -0.8 * s, 0, 10, 0.8 * s, 0.8 * c, 0, -20, 0, 0, -2.5, 30, 0, 0, 0, 1};
    int32_t d[3] = {7, 5, 3};
    sv_volume *v;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_UINT8, &v), SV_OK);
    if (!v) return;
    sv_volume_set_affine(v, a, 1);
    CHECK_NEAR(v->spacing[0], 0.8, 1e-12);
    CHECK_NEAR(v->spacing[2], 2.5, 1e-12);
    CHECK_NEAR(v->meta.qfac, -1.0, 0);
    /* rotation about z by 30 deg: quaternion (cos 15, 0, 0, sin 15) */
    CHECK_NEAR(v->meta.quatern[0], 0, 1e-12);
    CHECK_NEAR(v->meta.quatern[1], 0, 1e-12);
    CHECK_NEAR(v->meta.quatern[2], 0.25881904510252074, 1e-12);
    CHECK_NEAR(v->meta.qoffset[2], 30, 0);
    CHECK_EQ_INT(v->meta.qform_code, 1);
    sv_volume_free(v);
}

static void percentiles_exact_for_integers(void)
{
    int32_t d[3] = {10, 10, 10};
    sv_volume *v;
    size_t i;
    double p[4] = {0, 50, 99, 100}, out[4], bad = 101;
    sv_volume_summary sm;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_INT16, &v), SV_OK);
    if (!v) return;
    for (i = 0; i < 1000; i++) ((int16_t *)v->data)[i] = (int16_t)(i - 300); /* -300..699 */
    v->scl_slope = 2;
    v->scl_inter = 1;
    CHECK_EQ_INT(sv_volume_summarize(v, p, 4, out, &sm), SV_OK);
    CHECK_NEAR(out[0], -599, 0);
    CHECK_NEAR(out[1], 199 * 2 + 1, 0); /* sample 499.5 of 1000 -> raw 199 */
    CHECK_NEAR(out[3], 699 * 2 + 1, 0);
    CHECK(out[2] <= out[3] && out[2] > out[1]);
    CHECK_NEAR(sm.min, -599, 0);
    CHECK_NEAR(sm.max, 1399, 0);
    CHECK_NEAR(sm.mean, 199.5 * 2 + 1, 1e-9);
    {
        uint32_t total = 0;
        int b;
        for (b = 0; b < SV_SUMMARY_BINS; b++) total += sm.hist[b];
        CHECK_EQ_INT(total, 1000);
        CHECK_EQ_INT(sm.hist[0], 4); /* 256 bins over 2000 units: ~7.8 per bin, 4 raw values (step 2) */
    }
    v->scl_slope = -1; /* reversed: percentile 0 is the largest raw value's image */
    v->scl_inter = 0;
    CHECK_EQ_INT(sv_volume_summarize(v, p, 4, out, &sm), SV_OK);
    CHECK_NEAR(out[0], -699, 0);
    CHECK_NEAR(out[3], 300, 0);
    CHECK_EQ_INT(sv_volume_summarize(v, &bad, 1, out, &sm), SV_EINVAL);
    sv_volume_free(v);
}

static void percentiles_of_floats_within_a_bin(void)
{
    int32_t d[3] = {23, 17, 11};
    sv_volume *v;
    size_t i;
    double p[2] = {1, 99}, out[2];
    sv_volume_summary sm;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_FLOAT32, &v), SV_OK);
    if (!v) return;
    for (i = 0; i < v->nvox; i++) ((float *)v->data)[i] = (float)i / (float)v->nvox; /* uniform 0..1 */
    CHECK_EQ_INT(sv_volume_summarize(v, p, 2, out, &sm), SV_OK);
    /* sample floor(p/100 * (n-1)) of the sorted values, within one bin (1/65536) */
    CHECK_NEAR(out[0], floor(0.01 * (double)(v->nvox - 1)) / (double)v->nvox, 2e-5);
    CHECK_NEAR(out[1], floor(0.99 * (double)(v->nvox - 1)) / (double)v->nvox, 2e-5);
    CHECK_NEAR(sm.min, 0, 0);
    CHECK_NEAR(sm.max, (double)(float)((double)(v->nvox - 1) / (double)v->nvox), 1e-7);
    CHECK_NEAR(sm.mean, 0.5 * (double)(v->nvox - 1) / (double)v->nvox, 1e-6);
    sv_volume_free(v);
}

static void labels_for_checks_the_grid(void)
{
    int32_t d[3] = {7, 5, 3}, d2[3] = {7, 5, 4};
    sv_volume *img, *seg, *other, *lab;
    double moved[16] = {1, 0, 0, 0.5, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1};
    sv_volume_create(d, SV_DT_INT16, &img);
    sv_volume_create(d, SV_DT_FLOAT32, &seg);
    sv_volume_create(d2, SV_DT_UINT8, &other);
    ((float *)seg->data)[4] = 3;
    CHECK_EQ_INT(sv_volume_labels_for(img, seg, &lab), SV_OK);
    if (lab) {
        CHECK_EQ_INT(((uint8_t *)lab->data)[4], 3);
        CHECK_EQ_INT(lab->meta.intent_code, SV_INTENT_LABEL);
    }
    sv_volume_free(lab);
    CHECK_EQ_INT(sv_volume_labels_for(img, other, &lab), SV_EINVAL);
    CHECK(strstr(sv_last_error(), "7x5x4") != NULL && strstr(sv_last_error(), "7x5x3") != NULL);
    sv_volume_set_affine(seg, moved, 1);
    CHECK_EQ_INT(sv_volume_labels_for(img, seg, &lab), SV_EINVAL);
    CHECK(strstr(sv_last_error(), "position") != NULL);
    CHECK(lab == NULL);
    sv_volume_free(img);
    sv_volume_free(seg);
    sv_volume_free(other);
}

static void summary_of_uint8_and_empty_float(void)
{
    int32_t d[3] = {7, 5, 3};
    sv_volume *v;
    size_t i;
    double p = 50, out;
    sv_volume_summary sm;
    sv_volume_create(d, SV_DT_UINT8, &v);
    for (i = 0; i < v->nvox; i++) ((uint8_t *)v->data)[i] = (uint8_t)(i < 100 ? 10 : 250);
    CHECK_EQ_INT(sv_volume_summarize(v, &p, 1, &out, &sm), SV_OK);
    CHECK_NEAR(sm.min, 10, 0);
    CHECK_NEAR(sm.max, 250, 0);
    CHECK_NEAR(out, 10, 0);
    CHECK_EQ_INT(sm.hist[0], 100);
    CHECK_EQ_INT(sm.hist[255], 5);
    sv_volume_free(v);
    sv_volume_create(d, SV_DT_FLOAT32, &v);
    for (i = 0; i < v->nvox; i++) ((float *)v->data)[i] = (float)(0.0 / 0.0); /* all NaN */
    CHECK_EQ_INT(sv_volume_summarize(v, &p, 1, &out, &sm), SV_OK);
    CHECK_NEAR(out, 0, 0);
    sv_volume_free(v);
}

void suite_volume(void)
{
    RUN(labels_for_checks_the_grid);
    RUN(summary_of_uint8_and_empty_float);
    RUN(percentiles_exact_for_integers);
    RUN(percentiles_of_floats_within_a_bin);
    RUN(create_odd_dims_zero_filled);
    RUN(create_refuses_bad_dims_and_overflow);
    RUN(scaled_get_and_stats);
    RUN(labels_from_segmentation);
    RUN(info_json_sizes_like_snprintf);
    RUN(set_affine_derives_spacing_and_quaternion);
}
