/* test_nifti.c — the NIfTI reader against headers built here by hand (both
 * byte orders, NIfTI-1 and -2), the writer's round trip for every type on odd
 * dims, every truncation of a file, and the errors for damaged headers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/gz.h"
#include "supervox/nifti.h"

/* --- an independent header builder --------------------------------------- */

typedef struct hb {
    unsigned char *p;
    int be;
} hb;

static void put(hb *h, size_t off, const void *v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) h->p[off + i] = ((const unsigned char *)v)[h->be ? n - 1 - i : i];
}
static void p16(hb *h, size_t off, int v) { int16_t x = (int16_t)v; put(h, off, &x, 2); }
static void p32(hb *h, size_t off, int32_t v) { put(h, off, &v, 4); }
static void p64(hb *h, size_t off, int64_t v) { put(h, off, &v, 8); }
static void pf(hb *h, size_t off, double v) { float x = (float)v; put(h, off, &x, 4); }
static void pd(hb *h, size_t off, double v) { put(h, off, &v, 8); }

/* Make a file (version 1 or 2, big-endian or not) with dims d[0..ndim) and the
 * given datatype and element size, sform = diag(2, 3, 4) + (10, 20, 30) with
 * code 1, data filled by a formula of (i, j, k, t) so axis mix-ups show. */
static unsigned char *make_file(int version, int be, int ndim, const int64_t *d, int dtype, int esz, double slope,
                                double inter, size_t *len)
{
    size_t hdr = version == 1 ? 348 : 540, off = hdr + 4, n = 1, i;
    int a;
    unsigned char *p;
    hb h;
    for (a = 0; a < ndim; a++) n *= (size_t)d[a];
    *len = off + n * (size_t)esz;
    p = (unsigned char *)calloc(1, *len);
    h.p = p;
    h.be = be;
    if (version == 1) {
        p32(&h, 0, 348);
        p16(&h, 40, ndim);
        for (a = 0; a < ndim; a++) p16(&h, 42 + 2 * a, (int)d[a]);
        p16(&h, 70, dtype);
        p16(&h, 72, esz * 8);
        pf(&h, 76, 1);
        pf(&h, 80, 2); pf(&h, 84, 3); pf(&h, 88, 4);
        pf(&h, 108, (double)off);
        pf(&h, 112, slope);
        pf(&h, 116, inter);
        p16(&h, 254, 1);
        pf(&h, 280, 2); pf(&h, 292, 10);
        pf(&h, 300, 3); pf(&h, 308, 20);
        pf(&h, 320, 4); pf(&h, 324, 30);
        memcpy(p + 344, "n+1\0", 4);
    } else {
        p32(&h, 0, 540);
        memcpy(p + 4, "n+2\0\r\n\032\n", 8);
        p16(&h, 12, dtype);
        p16(&h, 14, esz * 8);
        p64(&h, 16, ndim);
        for (a = 0; a < ndim; a++) p64(&h, 24 + 8 * a, d[a]);
        pd(&h, 104, 1);
        pd(&h, 112, 2); pd(&h, 120, 3); pd(&h, 128, 4);
        p64(&h, 168, (int64_t)off);
        pd(&h, 176, slope);
        pd(&h, 184, inter);
        p32(&h, 348, 1);
        pd(&h, 400, 2); pd(&h, 424, 10);
        pd(&h, 440, 3); pd(&h, 456, 20);
        pd(&h, 480, 4); pd(&h, 488, 30);
    }
    for (i = 0; i < n; i++) {
        double x = (double)(i % 97) - 20; /* includes negatives for signed types */
        unsigned char *q = p + off + i * (size_t)esz;
        h.p = q;
        switch (dtype) {
        case SV_DT_UINT8: *q = (unsigned char)(i % 251); break;
        case SV_DT_INT8: *q = (unsigned char)(int8_t)x; break;
        case SV_DT_INT16: p16(&h, 0, (int)(x * 300)); break;
        case SV_DT_UINT16: { uint16_t u = (uint16_t)(i % 60000); put(&h, 0, &u, 2); } break;
        case SV_DT_INT32: p32(&h, 0, (int32_t)(x * 100000)); break;
        case SV_DT_UINT32: { uint32_t u = (uint32_t)(i * 2654435761u); put(&h, 0, &u, 4); } break;
        case SV_DT_FLOAT32: pf(&h, 0, x * 0.125); break;
        case SV_DT_FLOAT64: pd(&h, 0, x / 3.0); break;
        }
    }
    return p;
}

/* The value make_file put at linear index i (unscaled). */
static double expected_raw(int dtype, size_t i)
{
    double x = (double)(i % 97) - 20;
    switch (dtype) {
    case SV_DT_UINT8: return (double)(i % 251);
    case SV_DT_INT8: return x;
    case SV_DT_INT16: return x * 300;
    case SV_DT_UINT16: return (double)(i % 60000);
    case SV_DT_INT32: return x * 100000;
    case SV_DT_UINT32: return (double)(uint32_t)(i * 2654435761u);
    case SV_DT_FLOAT32: return (double)(float)(x * 0.125);
    case SV_DT_FLOAT64: return x / 3.0;
    }
    return 0;
}

static const int all_types[8][2] = {{SV_DT_UINT8, 1}, {SV_DT_INT8, 1},   {SV_DT_INT16, 2},   {SV_DT_UINT16, 2},
                                    {SV_DT_INT32, 4}, {SV_DT_UINT32, 4}, {SV_DT_FLOAT32, 4}, {SV_DT_FLOAT64, 8}};

static void check_volume(const sv_volume *v, const int64_t *d, int dtype, double slope, double inter)
{
    size_t i;
    int bad = 0;
    CHECK_EQ_INT(v->dim[0], d[0]);
    CHECK_EQ_INT(v->dim[1], d[1]);
    CHECK_EQ_INT(v->dim[2], d[2]);
    CHECK_EQ_INT(v->dtype, dtype);
    CHECK_NEAR(v->affine[0][0], 2, 0);
    CHECK_NEAR(v->affine[1][1], 3, 0);
    CHECK_NEAR(v->affine[2][2], 4, 0);
    CHECK_NEAR(v->affine[0][3], 10, 0);
    CHECK_NEAR(v->affine[2][3], 30, 0);
    CHECK_NEAR(v->spacing[2], 4, 0);
    for (i = 0; i < v->nvox && bad < 3; i++) {
        double want = expected_raw(dtype, i) * slope + inter;
        if (sv_volume_get(v, i) != want) {
            bad++;
            fprintf(stderr, "    voxel %zu: %.17g, want %.17g\n", i, sv_volume_get(v, i), want);
        }
    }
    CHECK_EQ_INT(bad, 0);
}

static void reads_every_type_both_orders_both_versions(void)
{
    static const int64_t dims[2][3] = {{7, 5, 3}, {23, 17, 11}};
    int t, be, ver, s;
    for (ver = 1; ver <= 2; ver++)
        for (be = 0; be <= 1; be++)
            for (t = 0; t < 8; t++)
                for (s = 0; s < 2; s++) {
                    size_t len;
                    unsigned char *f = make_file(ver, be, 3, dims[s], all_types[t][0], all_types[t][1], 0, 0, &len);
                    sv_volume *v = NULL;
                    sv_status st = sv_nifti_read(f, len, &v);
                    if (st != SV_OK) fprintf(stderr, "    v%d be%d type %d: %s\n", ver, be, all_types[t][0], sv_last_error());
                    CHECK_EQ_INT(st, SV_OK);
                    if (v) {
                        check_volume(v, dims[s], all_types[t][0], 1, 0);
                        CHECK_EQ_INT(v->meta.nifti_version, ver);
                        CHECK_EQ_INT(v->meta.byte_swapped, be);
                    }
                    sv_volume_free(v);
                    free(f);
                }
}

static void scaling_applied_and_zero_slope_ignored(void)
{
    int64_t d[3] = {7, 5, 3};
    size_t len;
    unsigned char *f = make_file(1, 0, 3, d, SV_DT_INT16, 2, 0.5, -1024, &len);
    sv_volume *v;
    CHECK_EQ_INT(sv_nifti_read(f, len, &v), SV_OK);
    if (v) check_volume(v, d, SV_DT_INT16, 0.5, -1024);
    sv_volume_free(v);
    free(f);
    f = make_file(2, 1, 3, d, SV_DT_INT16, 2, 0, 77, &len); /* slope 0: no scaling at all */
    CHECK_EQ_INT(sv_nifti_read(f, len, &v), SV_OK);
    if (v) {
        check_volume(v, d, SV_DT_INT16, 1, 0);
        CHECK_NEAR(v->scl_slope, 1, 0);
        CHECK_NEAR(v->scl_inter, 0, 0);
    }
    sv_volume_free(v);
    free(f);
}

static void four_d_loads_first_frame(void)
{
    int64_t d[4] = {7, 5, 3, 4};
    size_t len;
    unsigned char *f = make_file(1, 1, 4, d, SV_DT_FLOAT32, 4, 0, 0, &len);
    sv_volume *v;
    CHECK_EQ_INT(sv_nifti_read(f, len, &v), SV_OK);
    if (v) {
        check_volume(v, d, SV_DT_FLOAT32, 1, 0);
        CHECK_EQ_INT(v->frames, 4);
        CHECK_EQ_INT(v->nvox, 105);
    }
    sv_volume_free(v);
    free(f);
}

static void every_truncation_fails_cleanly(void)
{
    int64_t d[3] = {7, 5, 3};
    size_t len, cut, gzlen;
    unsigned char *f = make_file(2, 0, 3, d, SV_DT_INT16, 2, 0, 0, &len), *gz;
    sv_volume *v;
    for (cut = 0; cut < len; cut++) {
        CHECK_EQ_INT(sv_nifti_read(f, cut, &v), SV_EFORMAT);
        CHECK(v == NULL);
    }
    CHECK_EQ_INT(sv_gz_compress(f, len, 6, &gz, &gzlen), SV_OK);
    for (cut = 0; cut < gzlen; cut++) {
        /* cut inside the 8-byte gzip trailer (CRC, size): every voxel is there,
         * and like nibabel we read only what the header asks for */
        sv_status st = sv_nifti_read(gz, cut, &v);
        if (cut < gzlen - 8) {
            CHECK_EQ_INT(st, SV_EFORMAT);
            CHECK(v == NULL);
        }
        sv_volume_free(v);
    }
    CHECK_EQ_INT(sv_nifti_read(gz, gzlen, &v), SV_OK);
    sv_volume_free(v);
    sv_free(gz);
    free(f);
}

static sv_status read_patched(int version, size_t off, int size, int64_t value, int dtype, int esz, sv_volume **v)
{
    int64_t d[3] = {7, 5, 3};
    size_t len;
    unsigned char *f = make_file(version, 0, 3, d, dtype, esz, 0, 0, &len);
    hb h;
    sv_status st;
    h.p = f;
    h.be = 0;
    if (size == 2) p16(&h, off, (int)value);
    else if (size == 4) p32(&h, off, (int32_t)value);
    else if (size == -4) pf(&h, off, (double)value);
    else p64(&h, off, value);
    st = sv_nifti_read(f, len, v);
    free(f);
    return st;
}

static void damaged_headers_give_reasons(void)
{
    sv_volume *v;
    CHECK_EQ_INT(read_patched(1, 42, 2, 0, SV_DT_UINT8, 1, &v), SV_EFORMAT); /* dim1 = 0 */
    CHECK(strstr(sv_last_error(), "dimension 1") != NULL);
    CHECK_EQ_INT(read_patched(1, 40, 2, 8, SV_DT_UINT8, 1, &v), SV_EFORMAT); /* dim0 = 8 */
    CHECK_EQ_INT(read_patched(2, 24, 8, (int64_t)1 << 40, SV_DT_UINT8, 1, &v), SV_ERANGE);
    CHECK_EQ_INT(read_patched(2, 24, 8, 3000000, SV_DT_UINT8, 1, &v), SV_EFORMAT); /* truncated */
    CHECK_EQ_INT(read_patched(1, 108, -4, 100000, SV_DT_UINT8, 1, &v), SV_EFORMAT); /* vox_offset */
    CHECK(strstr(sv_last_error(), "vox_offset") != NULL);
    CHECK_EQ_INT(read_patched(1, 70, 2, 99, SV_DT_UINT8, 1, &v), SV_EFORMAT);
    CHECK(strstr(sv_last_error(), "datatype") != NULL);
    CHECK_EQ_INT(read_patched(1, 70, 2, 128, SV_DT_UINT8, 1, &v), SV_EUNSUPPORTED); /* RGB */
    CHECK(strstr(sv_last_error(), "RGB") != NULL);
    CHECK_EQ_INT(read_patched(1, 70, 2, 32, SV_DT_UINT8, 1, &v), SV_EUNSUPPORTED); /* complex */
    CHECK(strstr(sv_last_error(), "complex") != NULL);
    CHECK_EQ_INT(read_patched(1, 344, 4, 0x0031696e, SV_DT_UINT8, 1, &v), SV_EUNSUPPORTED); /* "ni1" pair */
    CHECK(strstr(sv_last_error(), ".img") != NULL);
    CHECK_EQ_INT(read_patched(1, 0, 4, 349, SV_DT_UINT8, 1, &v), SV_EFORMAT);
    CHECK(v == NULL);
    /* vox_offset 0 (old writers) means right after the header */
    CHECK_EQ_INT(read_patched(1, 108, -4, 0, SV_DT_UINT8, 1, &v), SV_OK);
    sv_volume_free(v);
}

static void incremental_reader_reports_progress(void)
{
    int64_t d[3] = {23, 17, 11};
    size_t len, gzlen;
    unsigned char *f = make_file(1, 0, 3, d, SV_DT_FLOAT64, 8, 0, 0, &len), *gz;
    sv_nifti_reader *r;
    sv_volume *v;
    double last = -1;
    int steps = 0;
    CHECK_EQ_INT(sv_gz_compress(f, len, 1, &gz, &gzlen), SV_OK);
    CHECK_EQ_INT(sv_nifti_reader_open(gz, gzlen, &r), SV_OK);
    if (r) {
        while (!sv_nifti_reader_done(r)) {
            CHECK_EQ_INT(sv_nifti_reader_step(r, 1001), SV_OK);
            CHECK(sv_nifti_reader_progress(r) > last);
            last = sv_nifti_reader_progress(r);
            steps++;
        }
        CHECK_NEAR(last, 1.0, 0);
        CHECK(steps >= 30);
        CHECK_EQ_INT(sv_nifti_reader_finish(r, &v), SV_OK);
        if (v) {
            check_volume(v, d, SV_DT_FLOAT64, 1, 0);
            CHECK(v->meta.gzipped);
        }
        sv_volume_free(v);
    }
    CHECK_EQ_INT(sv_nifti_reader_finish(NULL, &v), SV_EINVAL);
    sv_free(gz);
    free(f);
}

static void write_read_roundtrip_every_type(void)
{
    static const int64_t d[3] = {23, 17, 11};
    int t, level;
    for (t = 0; t < 8; t++)
        for (level = 0; level <= 9; level += 9) {
            size_t len, outlen;
            unsigned char *f = make_file(2, 1, 3, d, all_types[t][0], all_types[t][1], 1.5, 2, &len), *out;
            sv_volume *a = NULL, *b = NULL;
            CHECK_EQ_INT(sv_nifti_read(f, len, &a), SV_OK);
            if (!a) { free(f); continue; }
            strcpy(a->meta.descrip, "round trip");
            CHECK_EQ_INT(sv_nifti_write(a, level, &out, &outlen), SV_OK);
            CHECK_EQ_INT(sv_nifti_read(out, outlen, &b), SV_OK);
            if (b) {
                check_volume(b, d, all_types[t][0], 1.5, 2);
                CHECK(memcmp(a->data, b->data, a->nvox * sv_dtype_size(a->dtype)) == 0);
                CHECK_EQ_INT(b->meta.sform_code, 1);
                CHECK_EQ_INT(b->meta.nifti_version, 1);
                CHECK_EQ_INT(b->meta.gzipped, level > 0);
                CHECK(strcmp(b->meta.descrip, "round trip") == 0);
            }
            sv_volume_free(a);
            sv_volume_free(b);
            sv_free(out);
            free(f);
        }
}

static void qform_survives_write(void)
{
    /* an oblique affine set through sv_volume_set_affine: the qform read back equals it */
    const double c = 0.96592582628906831, s = 0.25881904510252074; /* 15 degrees about x */
    double a[16] = {1.2, 0, 0, -50, 0, 1.2 * c, -3 * s, 12, 0, 1.2 * s, 3 * c, 40, 0, 0, 0, 1};
    int32_t d[3] = {7, 5, 3};
    sv_volume *v, *w = NULL;
    unsigned char *out;
    size_t len;
    int r, k;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_UINT8, &v), SV_OK);
    if (!v) return;
    sv_volume_set_affine(v, a, 1);
    v->meta.sform_code = 0; /* force the reader to use the qform */
    CHECK_EQ_INT(sv_nifti_write(v, 0, &out, &len), SV_OK);
    CHECK_EQ_INT(sv_nifti_read(out, len, &w), SV_OK);
    if (w)
        for (r = 0; r < 3; r++)
            for (k = 0; k < 4; k++) CHECK_NEAR(w->affine[r][k], a[4 * r + k], 1e-5);
    sv_volume_free(v);
    sv_volume_free(w);
    sv_free(out);
}

static void write_refuses_values_beyond_float(void)
{
    /* a NIfTI-2 file may scale by 2e161; NIfTI-1 would store infinity */
    int64_t d[3] = {7, 5, 3};
    size_t len, outlen;
    unsigned char *f = make_file(2, 0, 3, d, SV_DT_INT16, 2, 1.0, 2e161, &len), *out = (unsigned char *)1;
    sv_volume *v;
    CHECK_EQ_INT(sv_nifti_read(f, len, &v), SV_OK);
    if (v) {
        CHECK_EQ_INT(sv_nifti_write(v, 0, &out, &outlen), SV_ERANGE);
        CHECK(strstr(sv_last_error(), "scl_inter") != NULL);
        CHECK(out == NULL);
    }
    sv_volume_free(v);
    free(f);
}

static void write_refuses_what_nifti1_cannot_hold(void)
{
    int32_t d[3] = {40000, 1, 1};
    sv_volume *v;
    unsigned char *out = (unsigned char *)1;
    size_t len;
    CHECK_EQ_INT(sv_volume_create(d, SV_DT_UINT8, &v), SV_OK);
    if (!v) return;
    CHECK_EQ_INT(sv_nifti_write(v, 0, &out, &len), SV_ERANGE);
    CHECK(out == NULL);
    CHECK_EQ_INT(sv_nifti_write(v, 12, &out, &len), SV_EINVAL);
    sv_volume_free(v);
}

static void reads_real_files(void)
{
    char path[4200];
    size_t len;
    unsigned char *buf;
    sv_volume *v;
    snprintf(path, sizeof path, "%s/brain/norm_crop.nii.gz", sv_test_data);
    buf = sv_test_read_file(path, &len);
    CHECK(buf != NULL);
    if (!buf) return;
    CHECK_EQ_INT(sv_nifti_read(buf, len, &v), SV_OK);
    if (v) {
        CHECK_EQ_INT(v->dim[0], 133);
        CHECK_EQ_INT(v->dim[1], 139);
        CHECK_EQ_INT(v->dim[2], 182);
        CHECK_EQ_INT(v->dtype, SV_DT_UINT8);
    }
    sv_volume_free(v);
    free(buf);
    snprintf(path, sizeof path, "%s/nifti_edge/niivue_avg152T1_RL_nifti.nii.gz", sv_test_data);
    buf = sv_test_read_file(path, &len);
    CHECK(buf != NULL);
    if (!buf) return;
    CHECK_EQ_INT(sv_nifti_read(buf, len, &v), SV_OK);
    if (v) CHECK(v->meta.byte_swapped);
    sv_volume_free(v);
    free(buf);
}

void suite_nifti(void)
{
    RUN(reads_every_type_both_orders_both_versions);
    RUN(scaling_applied_and_zero_slope_ignored);
    RUN(four_d_loads_first_frame);
    RUN(every_truncation_fails_cleanly);
    RUN(damaged_headers_give_reasons);
    RUN(incremental_reader_reports_progress);
    RUN(write_read_roundtrip_every_type);
    RUN(qform_survives_write);
    RUN(write_refuses_what_nifti1_cannot_hold);
    RUN(write_refuses_values_beyond_float);
    RUN(reads_real_files);
}
