/* test_volume.c — creation, indexing order, labels, stats, JSON, affine setter. */
#include <math.h>
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

/* 8-bit counts are exact across the core's pieces of 2^20 voxels and a tail
 * that is not a multiple of 4, with long runs of one value (padding) */
static void eight_bit_counts_exact_across_pieces(void)
{
    int32_t d[3] = {129, 127, 65}; /* 1 064 895 voxels: two pieces, 3 left over */
    sv_volume *v;
    size_t i;
    static size_t want[256];
    double p[3] = {0, 50, 100}, out[3];
    sv_volume_summary sm;
    int b, ok = 1;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_INT8, &v), SV_OK);
    if (!v) return;
    memset(want, 0, sizeof want);
    for (i = 0; i < v->nvox; i++) {
        /* zeros for the first 60%, then a pattern over every value */
        int x = i < v->nvox * 6 / 10 ? 0 : (int)((uint32_t)(i * 2654435761u) >> 24) - 128;
        ((int8_t *)v->data)[i] = (int8_t)x;
        want[x + 128]++;
    }
    ((int8_t *)v->data)[v->nvox - 1] = 127; /* the last voxel, in the tail */
    want[(uint32_t)((v->nvox - 1) * 2654435761u) >> 24]--;
    want[255]++;
    ((int8_t *)v->data)[0] = -128;
    want[128]--;
    want[0]++;
    CHECK_EQ_INT(sv_volume_summarize(v, p, 3, out, &sm), SV_OK);
    CHECK_NEAR(sm.min, -128, 0);
    CHECK_NEAR(sm.max, 127, 0);
    CHECK_NEAR(out[0], -128, 0);
    CHECK_NEAR(out[1], 0, 0);
    CHECK_NEAR(out[2], 127, 0);
    for (b = 0; b < 256; b++) ok &= sm.hist[b] == want[b]; /* 256 bins over 255 units: one value each */
    CHECK(ok);
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

/* A scaling that overflows to infinity (found by the NIfTI fuzzer: the
 * histogram's bin of inf / inf was converted from NaN, undefined): the summary
 * still fills in, every voxel counted once. */
static void summary_of_values_scaled_to_infinity(void)
{
    int32_t d[3] = {4, 3, 2};
    sv_volume *v;
    size_t i;
    double p[2] = {1, 99}, out[2];
    sv_volume_summary sm;
    uint64_t total = 0;
    int b;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_INT16, &v), SV_OK);
    if (!v) return;
    for (i = 0; i < v->nvox; i++) ((int16_t *)v->data)[i] = (int16_t)(i * 1000);
    v->scl_slope = 1e306; /* 1000 and more scale past DBL_MAX */
    CHECK_EQ_INT(sv_volume_summarize(v, p, 2, out, &sm), SV_OK);
    for (b = 0; b < SV_SUMMARY_BINS; b++) total += sm.hist[b];
    CHECK_EQ_INT((int)total, (int)v->nvox);
    CHECK_NEAR(sm.min, 0, 0);
    CHECK(isinf(sm.max));
    sv_volume_free(v);
    /* float data holding infinities (and a NaN, not counted) */
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_FLOAT32, &v), SV_OK);
    if (!v) return;
    for (i = 0; i < v->nvox; i++) ((float *)v->data)[i] = (float)i;
    ((float *)v->data)[0] = (float)-HUGE_VAL;
    ((float *)v->data)[1] = (float)HUGE_VAL;
    ((float *)v->data)[2] = (float)NAN;
    CHECK_EQ_INT(sv_volume_summarize(v, p, 2, out, &sm), SV_OK);
    for (total = 0, b = 0; b < SV_SUMMARY_BINS; b++) total += sm.hist[b];
    CHECK_EQ_INT((int)total, (int)v->nvox - 1);
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
    CHECK(strstr(sv_last_error(), "7x5x4 voxels vs 7x5x3") != NULL);
    sv_volume_set_affine(seg, moved, 1);
    CHECK_EQ_INT(sv_volume_labels_for(img, seg, &lab), SV_EINVAL);
    CHECK(strstr(sv_last_error(), "shifted by (0.5, 0, 0) mm") != NULL);
    CHECK(lab == NULL);
    sv_volume_free(img);
    sv_volume_free(seg);
    sv_volume_free(other);
}

/* --- reorienting: signed permutations of the voxel axes ------------------- */

/* An image for the reorient tests: dims `dim` (each axis a different
 * length), voxel size 0.8 x 1.1 x 2.5 mm, turned 30 degrees about z and 20
 * about x (oblique, so no axis lines up with the world's), origin off zero.
 * Voxel idx holds (idx + 1) mod 256 scrambled: on 5x4x3 every voxel differs. */
static sv_volume *reorient_image_dims(const int32_t dim[3])
{
    const double d2r = 3.14159265358979323846 / 180.0, sp[3] = {0.8, 1.1, 2.5}, org[3] = {-12.25, 30.5, 7.75};
    double rz[3][3], rx[3][3], rot[3][3], a[16];
    sv_volume *v;
    int r, c, k;
    size_t i;
    memset(rz, 0, sizeof rz);
    memset(rx, 0, sizeof rx);
    rz[0][0] = cos(30 * d2r), rz[0][1] = -sin(30 * d2r), rz[1][0] = sin(30 * d2r), rz[1][1] = cos(30 * d2r), rz[2][2] = 1;
    rx[0][0] = 1, rx[1][1] = cos(20 * d2r), rx[1][2] = -sin(20 * d2r), rx[2][1] = sin(20 * d2r), rx[2][2] = cos(20 * d2r);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 3; c++)
            for (rot[r][c] = 0, k = 0; k < 3; k++) rot[r][c] += rz[r][k] * rx[k][c];
    memset(a, 0, sizeof a);
    for (r = 0; r < 3; r++) {
        for (c = 0; c < 3; c++) a[r * 4 + c] = rot[r][c] * sp[c];
        a[r * 4 + 3] = org[r];
    }
    a[15] = 1;
    if (sv_volume_create(dim, SV_DT_UINT8, &v) != SV_OK) return NULL;
    sv_volume_set_affine(v, a, 1);
    for (i = 0; i < v->nvox; i++) ((uint8_t *)v->data)[i] = (uint8_t)((i + 1) % 256 ^ (i / 256 * 37));
    return v;
}

static sv_volume *reorient_image(void)
{
    static const int32_t dim[3] = {5, 4, 3};
    return reorient_image_dims(dim);
}

/* The image's voxels re-stored with image axis r along source axis perm[r],
 * flipped where flip[r]: dims permuted, affine B = A * M with M the index map
 * (source index -> image index), each voxel holding the image's value at the
 * same world position. The test's own construction, independent of the core. */
static sv_volume *reorient_source(const sv_volume *img, const int perm[3], const int flip[3], sv_dtype dt)
{
    int32_t dim[3];
    double M[4][4], B[16];
    sv_volume *v;
    int r, c, k;
    size_t i;
    for (r = 0; r < 3; r++) dim[perm[r]] = img->dim[r];
    memset(M, 0, sizeof M);
    for (r = 0; r < 3; r++) {
        M[r][perm[r]] = flip[r] ? -1 : 1;
        M[r][3] = flip[r] ? img->dim[r] - 1 : 0;
    }
    M[3][3] = 1;
    for (r = 0; r < 4; r++)
        for (c = 0; c < 4; c++)
            for (B[r * 4 + c] = 0, k = 0; k < 4; k++) B[r * 4 + c] += img->affine[r][k] * M[k][c];
    if (sv_volume_create(dim, dt, &v) != SV_OK) return NULL;
    sv_volume_set_affine(v, B, 1);
    for (i = 0; i < v->nvox; i++) {
        size_t x[3], y[3];
        x[0] = i % (size_t)dim[0];
        x[1] = i / (size_t)dim[0] % (size_t)dim[1];
        x[2] = i / ((size_t)dim[0] * (size_t)dim[1]);
        for (r = 0; r < 3; r++) y[r] = flip[r] ? (size_t)img->dim[r] - 1 - x[perm[r]] : x[perm[r]];
        {
            uint8_t val = ((const uint8_t *)img->data)[y[0] + (size_t)img->dim[0] * (y[1] + (size_t)img->dim[1] * y[2])];
            if (dt == SV_DT_FLOAT32)
                ((float *)v->data)[i] = val;
            else
                ((uint8_t *)v->data)[i] = val;
        }
    }
    return v;
}

static void reorient_all_48_signed_permutations_round_trip(void)
{
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    sv_volume *img = reorient_image();
    int p, f, tried = 0, exact = 0;
    if (!img) {
        CHECK(img != NULL);
        return;
    }
    for (p = 0; p < 6; p++)
        for (f = 0; f < 8; f++) {
            int flip[3] = {f & 1, f >> 1 & 1, f >> 2 & 1}, r, ok = 1;
            sv_volume *src = reorient_source(img, perms[p], flip, p % 2 ? SV_DT_FLOAT32 : SV_DT_UINT8);
            sv_volume *lab = NULL, *back = NULL, *raw = NULL;
            sv_grid_map m;
            tried++;
            if (!src) continue;
            CHECK_EQ_INT(sv_volume_match_grid(img, src, 1e-3, &m), SV_OK);
            for (r = 0; r < 3; r++) {
                ok &= m.perm[r] == perms[p][r];
                ok &= m.sign[r] == (flip[r] ? -1 : 1);
                ok &= m.offset[r] == (flip[r] ? img->dim[r] - 1 : 0);
            }
            ok &= m.error_mm < 1e-9;
            /* labels onto the image: every voxel back where it came from */
            CHECK_EQ_INT(sv_volume_labels_for(img, src, &lab), SV_OK);
            ok &= lab && memcmp(lab->data, img->data, img->nvox) == 0 && lab->meta.intent_code == SV_INTENT_LABEL;
            ok &= lab && memcmp(lab->affine, img->affine, sizeof img->affine) == 0;
            /* the stored values too, and back again: the source exactly */
            CHECK_EQ_INT(sv_volume_reorient_onto(img, src, &raw), SV_OK);
            ok &= raw && raw->dtype == src->dtype && memcmp(raw->dim, img->dim, sizeof img->dim) == 0;
            if (lab) CHECK_EQ_INT(sv_volume_reorient_onto(src, lab, &back), SV_OK);
            ok &= back && memcmp(back->dim, src->dim, sizeof src->dim) == 0;
            if (back && src->dtype == SV_DT_UINT8) ok &= memcmp(back->data, src->data, src->nvox) == 0;
            if (back && src->dtype == SV_DT_FLOAT32) {
                size_t i;
                for (i = 0; i < src->nvox; i++) ok &= ((uint8_t *)back->data)[i] == ((float *)src->data)[i];
            }
            if (raw && src->dtype == SV_DT_FLOAT32) {
                size_t i;
                for (i = 0; i < img->nvox; i++) ok &= ((float *)raw->data)[i] == ((uint8_t *)img->data)[i];
            }
            if (!ok) fprintf(stderr, "    permutation %d%d%d, flips %d%d%d did not round-trip\n", perms[p][0], perms[p][1],
                             perms[p][2], flip[0], flip[1], flip[2]);
            exact += ok;
            sv_volume_free(lab);
            sv_volume_free(back);
            sv_volume_free(raw);
            sv_volume_free(src);
        }
    CHECK_EQ_INT(tried, 48);
    CHECK_EQ_INT(exact, 48);
    sv_volume_free(img);
}

/* Bigger than the 16^3 tiles the copy walks in, no axis a multiple of 16: a
 * few pairings, every voxel back in place, and back again. */
static void reorient_across_tile_edges(void)
{
    static const int32_t dim[3] = {37, 21, 18};
    static const int perms[3][3] = {{2, 0, 1}, {1, 0, 2}, {0, 2, 1}};
    static const int flips[3][3] = {{1, 0, 1}, {0, 1, 0}, {1, 1, 1}};
    sv_volume *img = reorient_image_dims(dim);
    int t;
    if (!img) return;
    for (t = 0; t < 3; t++) {
        int dt;
        for (dt = 0; dt < 2; dt++) {
            sv_volume *src = reorient_source(img, perms[t], flips[t], dt ? SV_DT_FLOAT32 : SV_DT_UINT8), *lab = NULL, *back = NULL;
            if (!src) continue;
            CHECK_EQ_INT(sv_volume_labels_for(img, src, &lab), SV_OK);
            CHECK(lab && memcmp(lab->data, img->data, img->nvox) == 0);
            if (lab) CHECK_EQ_INT(sv_volume_reorient_onto(src, lab, &back), SV_OK);
            if (back && !dt) CHECK(memcmp(back->data, src->data, src->nvox) == 0);
            if (back && dt) {
                size_t i;
                int same = 1;
                for (i = 0; i < src->nvox; i++) same &= ((uint8_t *)back->data)[i] == ((float *)src->data)[i];
                CHECK(same);
            }
            sv_volume_free(back);
            sv_volume_free(lab);
            sv_volume_free(src);
        }
    }
    sv_volume_free(img);
}

/* Refused: the message says how the grids differ, no volume comes back. */
static void refuse(const sv_volume *img, const sv_volume *src, const char *want1, const char *want2)
{
    sv_volume *lab = (sv_volume *)&lab;
    CHECK_EQ_INT(sv_volume_labels_for(img, src, &lab), SV_EINVAL);
    CHECK(lab == NULL);
    if (getenv("SV_TEST_VERBOSE")) fprintf(stderr, "    %s\n", sv_last_error());
    if (!strstr(sv_last_error(), want1) || (want2 && !strstr(sv_last_error(), want2))) {
        CHECK(!"the message says how the grids differ");
        fprintf(stderr, "    got: %s\n", sv_last_error());
    }
    {
        const char *lead = "the label map's grid does not match the image's: ";
        CHECK(strncmp(sv_last_error(), lead, strlen(lead)) == 0);
    }
}

static void reorient_refuses_other_grids(void)
{
    static const int perm[3] = {2, 0, 1}, flip[3] = {1, 0, 1};
    sv_volume *img = reorient_image(), *src;
    double a[16], rot[16];
    int r, c, k;
    if (!img) return;
    src = reorient_source(img, perm, flip, SV_DT_UINT8);
    if (!src) {
        sv_volume_free(img);
        return;
    }
    memcpy(a, src->affine, sizeof a);
    /* half a voxel along the source's first axis (image axis 1: 1.1 mm) */
    for (r = 0; r < 3; r++) src->affine[r][3] += 0.5 * src->affine[r][0];
    refuse(img, src, "shifted by (", "of the image's voxels");
    /* along the source's first axis, which is the image's second, unflipped */
    CHECK(strstr(sv_last_error(), "(-0.2584, 0.4476, 0.1881) mm, (0, 0.5, 0) of the image's voxels") != NULL);
    /* within 1e-3 mm is the same grid */
    memcpy(src->affine, a, sizeof a);
    src->affine[0][3] += 0.0009;
    {
        sv_volume *lab = NULL;
        CHECK_EQ_INT(sv_volume_labels_for(img, src, &lab), SV_OK);
        sv_volume_free(lab);
    }
    /* a different voxel size along one axis (2.5 mm -> 3 mm) */
    memcpy(src->affine, a, sizeof a);
    for (r = 0; r < 3; r++) src->affine[r][1] *= 3.0 / 2.5;
    refuse(img, src, "voxel size 1.1 x 3 x 0.8 mm (0.8 x 1.1 x 3 in the image's axis order) vs 0.8 x 1.1 x 2.5 mm", NULL);
    /* different dims (one more slice) */
    memcpy(src->affine, a, sizeof a);
    {
        int32_t d[3] = {4, 3, 6};
        sv_volume *big;
        sv_volume_create(d, SV_DT_UINT8, &big);
        sv_volume_set_affine(big, a, 1);
        refuse(img, big, "4x3x6 voxels (6x4x3 in the image's axis order) vs 5x4x3", NULL);
        sv_volume_free(big);
    }
    /* turned 10 degrees about the world's z axis (through the world origin) */
    {
        const double t = 10 * 3.14159265358979323846 / 180.0;
        double R[3][3] = {{cos(t), -sin(t), 0}, {sin(t), cos(t), 0}, {0, 0, 1}};
        for (r = 0; r < 3; r++)
            for (c = 0; c < 4; c++)
                for (rot[r * 4 + c] = 0, k = 0; k < 3; k++) rot[r * 4 + c] += R[r][k] * a[k * 4 + c];
        rot[12] = rot[13] = rot[14] = 0;
        rot[15] = 1;
        sv_volume_set_affine(src, rot, 1);
        refuse(img, src, "its axes are turned by up to 10 degrees from the image's", NULL);
    }
    sv_volume_free(src);
    sv_volume_free(img);
}

static void reorient_las_onto_lps_and_bad_values(void)
{
    /* the DICOM case: an image stored LPS-like (i, j point left and posterior,
     * negative RAS columns), a label map stored LAS: rows flipped */
    double A[16] = {-0.9765625, 0, 0, 249.51, 0, -0.9765625, 0, 437.51, 0, 0, 2, -804.5, 0, 0, 0, 1};
    double B[16] = {-0.9765625, 0, 0, 249.51, 0, 0.9765625, 0, 437.51 - 6 * 0.9765625, 0, 0, 2, -804.5, 0, 0, 0, 1};
    int32_t d[3] = {5, 7, 3};
    sv_volume *img, *seg, *lab = NULL;
    sv_grid_map m;
    sv_volume_create(d, SV_DT_INT16, &img);
    sv_volume_create(d, SV_DT_INT16, &seg);
    sv_volume_set_affine(img, A, 1);
    sv_volume_set_affine(seg, B, 1);
    ((int16_t *)seg->data)[2 + 5 * 1 + 35 * 2] = 33; /* seg voxel (2, 1, 2) */
    CHECK_EQ_INT(sv_volume_match_grid(img, seg, 1e-3, &m), SV_OK);
    CHECK_EQ_INT(m.sign[1], -1);
    CHECK_EQ_INT(m.offset[1], 6);
    CHECK_EQ_INT(m.perm[0] * 100 + m.perm[1] * 10 + m.perm[2], 12);
    CHECK_EQ_INT(sv_volume_labels_for(img, seg, &lab), SV_OK);
    if (lab) CHECK_EQ_INT(((uint8_t *)lab->data)[2 + 5 * 5 + 35 * 2], 33); /* image voxel (2, 6 - 1, 2) */
    sv_volume_free(lab);
    ((int16_t *)seg->data)[1 + 5 * 3 + 35 * 1] = 300; /* seg voxel (1, 3, 1) */
    CHECK_EQ_INT(sv_volume_labels_for(img, seg, &lab), SV_ERANGE);
    CHECK(strstr(sv_last_error(), "voxel (1, 3, 1) holds 300") != NULL);
    CHECK(lab == NULL);
    ((int16_t *)seg->data)[1 + 5 * 3 + 35 * 1] = 0;
    seg->scl_slope = 0.5; /* 33 * 0.5: not whole */
    CHECK_EQ_INT(sv_volume_labels_for(img, seg, &lab), SV_ERANGE);
    CHECK(strstr(sv_last_error(), "(2, 1, 2) holds 16.5") != NULL);
    seg->affine[0][0] = 0; /* a degenerate matrix is refused, not divided by */
    CHECK_EQ_INT(sv_volume_labels_for(img, seg, &lab), SV_EINVAL);
    CHECK(strstr(sv_last_error(), "label map's voxel-to-world matrix") != NULL);
    sv_volume_free(img);
    sv_volume_free(seg);
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
    RUN(reorient_all_48_signed_permutations_round_trip);
    RUN(reorient_across_tile_edges);
    RUN(reorient_refuses_other_grids);
    RUN(reorient_las_onto_lps_and_bad_values);
    RUN(summary_of_uint8_and_empty_float);
    RUN(percentiles_exact_for_integers);
    RUN(eight_bit_counts_exact_across_pieces);
    RUN(percentiles_of_floats_within_a_bin);
    RUN(summary_of_values_scaled_to_infinity);
    RUN(create_odd_dims_zero_filled);
    RUN(create_refuses_bad_dims_and_overflow);
    RUN(scaled_get_and_stats);
    RUN(labels_from_segmentation);
    RUN(info_json_sizes_like_snprintf);
    RUN(set_affine_derives_spacing_and_quaternion);
}
