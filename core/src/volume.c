/* volume.c — the canonical volume: creation, typed access, statistics, JSON description.
 *
 * PERFORMANCE: sv_volume_stats_compute is one pass over the data, O(nvox),
 * switching on the type once per call (not per voxel).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "supervox/volume.h"

size_t sv_dtype_size(sv_dtype dt)
{
    switch (dt) {
    case SV_DT_UINT8:
    case SV_DT_INT8: return 1;
    case SV_DT_INT16:
    case SV_DT_UINT16: return 2;
    case SV_DT_INT32:
    case SV_DT_UINT32:
    case SV_DT_FLOAT32: return 4;
    case SV_DT_FLOAT64: return 8;
    }
    return 0;
}

const char *sv_dtype_name(sv_dtype dt)
{
    switch (dt) {
    case SV_DT_UINT8: return "uint8";
    case SV_DT_INT8: return "int8";
    case SV_DT_INT16: return "int16";
    case SV_DT_UINT16: return "uint16";
    case SV_DT_INT32: return "int32";
    case SV_DT_UINT32: return "uint32";
    case SV_DT_FLOAT32: return "float32";
    case SV_DT_FLOAT64: return "float64";
    }
    return "unknown";
}

static void identity4(double m[4][4])
{
    int r, c;
    for (r = 0; r < 4; r++)
        for (c = 0; c < 4; c++) m[r][c] = (r == c) ? 1.0 : 0.0;
}

sv_status sv_volume_create(const int32_t dim[3], sv_dtype dtype, sv_volume **out)
{
    size_t nvox = 1, bytes, esz = sv_dtype_size(dtype);
    sv_volume *v;
    int a;
    *out = NULL;
    if (esz == 0) return sv_fail(SV_EINVAL, "unknown data type code %d", (int)dtype);
    for (a = 0; a < 3; a++) {
        if (dim[a] < 1) return sv_fail(SV_EINVAL, "dimension %d is %ld; it must be at least 1", a + 1, (long)dim[a]);
        if (!sv_mul_size(nvox, (size_t)dim[a], &nvox))
            return sv_fail(SV_ERANGE, "the volume's voxel count overflows");
    }
    if (!sv_mul_size(nvox, esz, &bytes))
        return sv_fail(SV_ERANGE, "the volume's size in bytes overflows");
    v = (sv_volume *)SV_CALLOC(1, sizeof *v);
    if (!v) return sv_fail(SV_ENOMEM, "out of memory for the volume header");
    v->data = SV_CALLOC(nvox, esz);
    if (!v->data) {
        SV_FREE(v);
        return sv_fail(SV_ENOMEM, "out of memory allocating %zu bytes for the volume", bytes);
    }
    memcpy(v->dim, dim, sizeof v->dim);
    v->frames = 1;
    v->nvox = nvox;
    v->dtype = dtype;
    v->scl_slope = 1.0;
    v->scl_inter = 0.0;
    {
        /* 1 mm grid at the origin, written as an "aligned" sform + qform so the
         * file says exactly this (without codes, readers would centre it) */
        double eye[4][4];
        identity4(eye);
        sv_volume_set_affine(v, &eye[0][0], 2);
    }
    v->meta.xyzt_units = 2; /* NIFTI_UNITS_MM */
    v->meta.nifti_version = 1;
    *out = v;
    return SV_OK;
}

/* Give dst src's grid: spacing, affine, sform/qform fields, spatial units. */
static void copy_geometry(sv_volume *v, const sv_volume *src)
{
    memcpy(v->spacing, src->spacing, sizeof v->spacing);
    memcpy(v->affine, src->affine, sizeof v->affine);
    v->meta.qform_code = src->meta.qform_code;
    v->meta.sform_code = src->meta.sform_code;
    memcpy(v->meta.quatern, src->meta.quatern, sizeof v->meta.quatern);
    memcpy(v->meta.qoffset, src->meta.qoffset, sizeof v->meta.qoffset);
    memcpy(v->meta.srow, src->meta.srow, sizeof v->meta.srow);
    memcpy(v->meta.qform, src->meta.qform, sizeof v->meta.qform);
    memcpy(v->meta.sform, src->meta.sform, sizeof v->meta.sform);
    v->meta.qfac = src->meta.qfac;
    /* keep the spatial unit; drop the temporal one (a label map has no time axis) */
    v->meta.xyzt_units = src->meta.xyzt_units & 0x07;
    v->meta.dim_info = src->meta.dim_info;
}

sv_status sv_volume_create_like(const sv_volume *src, sv_dtype dtype, sv_volume **out)
{
    sv_status st = sv_volume_create(src->dim, dtype, out);
    if (st == SV_OK) copy_geometry(*out, src);
    return st;
}

sv_status sv_volume_to_labels(const sv_volume *src, sv_volume **out)
{
    sv_volume *lab;
    uint8_t *d;
    size_t i;
    sv_status st = sv_volume_create_like(src, SV_DT_UINT8, &lab);
    *out = NULL;
    if (st != SV_OK) return st;
    d = (uint8_t *)lab->data;
    for (i = 0; i < src->nvox; i++) {
        double x = sv_volume_get(src, i);
        if (!(x >= 0.0 && x <= 255.0) || x != floor(x)) {
            size_t nx = (size_t)src->dim[0], ny = (size_t)src->dim[1];
            sv_volume_free(lab);
            return sv_fail(SV_ERANGE, "voxel (%zu, %zu, %zu) holds %g; a label map needs whole numbers 0..255",
                           i % nx, (i / nx) % ny, i / (nx * ny), x);
        }
        d[i] = (uint8_t)x;
    }
    lab->meta.intent_code = SV_INTENT_LABEL;
    *out = lab;
    return SV_OK;
}

sv_status sv_volume_labels_for(const sv_volume *image, const sv_volume *seg, sv_volume **out)
{
    sv_status st;
    *out = NULL;
    if (image->dim[0] != seg->dim[0] || image->dim[1] != seg->dim[1] || image->dim[2] != seg->dim[2])
        return sv_fail(SV_EINVAL, "the label map is %ldx%ldx%ld voxels but the image is %ldx%ldx%ld; they must share a grid",
                       (long)seg->dim[0], (long)seg->dim[1], (long)seg->dim[2], (long)image->dim[0],
                       (long)image->dim[1], (long)image->dim[2]);
    if (!sv_volume_same_grid(image, seg, 1e-3))
        return sv_fail(SV_EINVAL, "the label map has the image's size but a different position or orientation in space");
    st = sv_volume_to_labels(seg, out);
    if (st != SV_OK) return st;
    /* take the image's exact geometry, so exports line up with it bit for bit */
    copy_geometry(*out, image);
    return SV_OK;
}

void sv_volume_free(sv_volume *v)
{
    if (!v) return;
    SV_FREE(v->data);
    SV_FREE(v);
}

static double raw_get(const void *data, sv_dtype dt, size_t i)
{
    switch (dt) {
    case SV_DT_UINT8: return ((const uint8_t *)data)[i];
    case SV_DT_INT8: return ((const int8_t *)data)[i];
    case SV_DT_INT16: return ((const int16_t *)data)[i];
    case SV_DT_UINT16: return ((const uint16_t *)data)[i];
    case SV_DT_INT32: return ((const int32_t *)data)[i];
    case SV_DT_UINT32: return ((const uint32_t *)data)[i];
    case SV_DT_FLOAT32: return ((const float *)data)[i];
    case SV_DT_FLOAT64: return ((const double *)data)[i];
    }
    return 0.0;
}

double sv_volume_get(const sv_volume *v, size_t idx)
{
    return raw_get(v->data, v->dtype, idx) * v->scl_slope + v->scl_inter;
}

/* Rotation (proper, det +1) from a 3x3 matrix whose columns may be scaled and,
 * if det < 0, flipped in the third column (qfac = -1), as NIfTI's qform wants.
 * Columns are orthonormalised by Gram-Schmidt, which is exact for the
 * rigid+scale affines that scanners and our loaders produce. */
static void affine_to_quatern(double a[4][4], double quatern[3], double *qfac)
{
    double c[3][3], det, r[3][3], t, qa, qb, qc, qd;
    int i, k;
    for (k = 0; k < 3; k++) {
        double n = 0;
        for (i = 0; i < 3; i++) n += a[i][k] * a[i][k];
        n = sqrt(n);
        for (i = 0; i < 3; i++) c[k][i] = n > 0 ? a[i][k] / n : (i == k);
    }
    /* Gram-Schmidt: c[1] -= proj on c[0]; c[2] -= proj on c[0], c[1] */
    for (k = 1; k < 3; k++) {
        int j;
        for (j = 0; j < k; j++) {
            double d = c[k][0] * c[j][0] + c[k][1] * c[j][1] + c[k][2] * c[j][2], n = 0;
            for (i = 0; i < 3; i++) c[k][i] -= d * c[j][i];
            for (i = 0; i < 3; i++) n += c[k][i] * c[k][i];
            n = sqrt(n);
            if (n > 0)
                for (i = 0; i < 3; i++) c[k][i] /= n;
        }
    }
    det = c[0][0] * (c[1][1] * c[2][2] - c[2][1] * c[1][2]) - c[1][0] * (c[0][1] * c[2][2] - c[2][1] * c[0][2]) +
          c[2][0] * (c[0][1] * c[1][2] - c[1][1] * c[0][2]);
    *qfac = det < 0 ? -1.0 : 1.0;
    if (det < 0)
        for (i = 0; i < 3; i++) c[2][i] = -c[2][i];
    for (i = 0; i < 3; i++)
        for (k = 0; k < 3; k++) r[i][k] = c[k][i];
    /* rotation matrix -> quaternion (a >= 0), as in nifti1_io's mat44_to_quatern */
    t = r[0][0] + r[1][1] + r[2][2] + 1.0;
    if (t > 0.5) {
        qa = 0.5 * sqrt(t);
        qb = 0.25 * (r[2][1] - r[1][2]) / qa;
        qc = 0.25 * (r[0][2] - r[2][0]) / qa;
        qd = 0.25 * (r[1][0] - r[0][1]) / qa;
    } else {
        double xd = 1.0 + r[0][0] - (r[1][1] + r[2][2]);
        double yd = 1.0 + r[1][1] - (r[0][0] + r[2][2]);
        double zd = 1.0 + r[2][2] - (r[0][0] + r[1][1]);
        if (xd > 1.0) {
            qb = 0.5 * sqrt(xd);
            qc = 0.25 * (r[0][1] + r[1][0]) / qb;
            qd = 0.25 * (r[0][2] + r[2][0]) / qb;
            qa = 0.25 * (r[2][1] - r[1][2]) / qb;
        } else if (yd > 1.0) {
            qc = 0.5 * sqrt(yd);
            qb = 0.25 * (r[0][1] + r[1][0]) / qc;
            qd = 0.25 * (r[1][2] + r[2][1]) / qc;
            qa = 0.25 * (r[0][2] - r[2][0]) / qc;
        } else {
            qd = 0.5 * sqrt(zd);
            qb = 0.25 * (r[0][2] + r[2][0]) / qd;
            qc = 0.25 * (r[1][2] + r[2][1]) / qd;
            qa = 0.25 * (r[1][0] - r[0][1]) / qd;
        }
        if (qa < 0.0) {
            qb = -qb;
            qc = -qc;
            qd = -qd;
        }
    }
    quatern[0] = qb;
    quatern[1] = qc;
    quatern[2] = qd;
}

void sv_volume_set_affine(sv_volume *v, const double *affine16, int code)
{
    int r, c;
    double affine[4][4];
    memcpy(affine, affine16, sizeof affine);
    memcpy(v->affine, affine, sizeof v->affine);
    memcpy(v->meta.sform, affine, sizeof v->meta.sform);
    memcpy(v->meta.qform, affine, sizeof v->meta.qform);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 4; c++) v->meta.srow[r][c] = affine[r][c];
    for (c = 0; c < 3; c++) {
        double n = 0;
        for (r = 0; r < 3; r++) n += affine[r][c] * affine[r][c];
        v->spacing[c] = sqrt(n) > 0 ? sqrt(n) : 1.0;
        v->meta.qoffset[c] = affine[c][3];
    }
    affine_to_quatern(affine, v->meta.quatern, &v->meta.qfac);
    v->meta.sform_code = code;
    v->meta.qform_code = code;
}

#define STATS_LOOP(T)                                                                            \
    do {                                                                                         \
        const T *p = (const T *)v->data;                                                         \
        double w = 1.0; /* 1 + i % 1021, without a division per voxel */                         \
        for (i = 0; i < n; i++) {                                                                \
            double x = (double)p[i] * slope + inter;                                             \
            if (x < mn) mn = x;                                                                  \
            if (x > mx) mx = x;                                                                  \
            s += x;                                                                              \
            s2 += x * x;                                                                         \
            ws += x * w;                                                                         \
            w = (w == 1021.0) ? 1.0 : w + 1.0;                                                   \
        }                                                                                        \
    } while (0)

void sv_volume_stats_compute(const sv_volume *v, sv_volume_stats *out)
{
    size_t i, n = v->nvox;
    double mn = HUGE_VAL, mx = -HUGE_VAL, s = 0, s2 = 0, ws = 0;
    double slope = v->scl_slope, inter = v->scl_inter;
    switch (v->dtype) {
    case SV_DT_UINT8: STATS_LOOP(uint8_t); break;
    case SV_DT_INT8: STATS_LOOP(int8_t); break;
    case SV_DT_INT16: STATS_LOOP(int16_t); break;
    case SV_DT_UINT16: STATS_LOOP(uint16_t); break;
    case SV_DT_INT32: STATS_LOOP(int32_t); break;
    case SV_DT_UINT32: STATS_LOOP(uint32_t); break;
    case SV_DT_FLOAT32: STATS_LOOP(float); break;
    case SV_DT_FLOAT64: STATS_LOOP(double); break;
    }
    out->min = mn;
    out->max = mx;
    out->sum = s;
    out->sumsq = s2;
    out->wsum = ws;
    out->mean = n ? s / (double)n : 0.0;
}

#define FINE_BINS 65536

/* Raw min/max, one typed pass (NaN never compares, so it is skipped). */
#define MINMAX_LOOP(T)                                                                           \
    do {                                                                                         \
        const T *p = (const T *)v->data;                                                         \
        for (i = 0; i < v->nvox; i++) {                                                          \
            double x = (double)p[i];                                                             \
            if (x < lo) lo = x;                                                                  \
            if (x > hi) hi = x;                                                                  \
        }                                                                                        \
    } while (0)

/* Count raw values into fine bins: bin = (x - lo) * scale, clamped; the sum is
 * kept for the mean of non-integer data. */
#define FINE_LOOP(T)                                                                             \
    do {                                                                                         \
        const T *p = (const T *)v->data;                                                         \
        for (i = 0; i < v->nvox; i++) {                                                          \
            double x = (double)p[i];                                                             \
            long b;                                                                              \
            if (x != x) continue;                                                                \
            b = (long)((x - lo) * scale);                                                        \
            if (b >= FINE_BINS) b = FINE_BINS - 1;                                               \
            if (b < 0) b = 0;                                                                    \
            fine[b]++;                                                                           \
            sum += x;                                                                            \
        }                                                                                        \
    } while (0)

/* The fast path for 8- and 16-bit data: the raw value is the bin. */
#define DIRECT_LOOP(T, OFF)                                                                      \
    do {                                                                                         \
        const T *p = (const T *)v->data;                                                         \
        for (i = 0; i < v->nvox; i++) fine[(int32_t)p[i] + (OFF)]++;                             \
    } while (0)

sv_status sv_volume_summarize(const sv_volume *v, const double *pcts, int npcts, double *pct_out, sv_volume_summary *out)
{
    size_t *fine, i, counted = 0, cum;
    double lo = HUGE_VAL, hi = -HUGE_VAL, width = 1.0, scale = 1.0, sum = 0.0, first, last, smin, smax;
    int k, exact = 1, b, bfirst = -1, blast = -1;
    for (k = 0; k < npcts; k++)
        if (!(pcts[k] >= 0.0 && pcts[k] <= 100.0)) return sv_fail(SV_EINVAL, "percentile %g is outside 0..100", pcts[k]);
    fine = (size_t *)SV_CALLOC(FINE_BINS, sizeof *fine);
    if (!fine) return sv_fail(SV_ENOMEM, "out of memory for a histogram");
    switch (v->dtype) {
    case SV_DT_UINT8: lo = 0; DIRECT_LOOP(uint8_t, 0); break;
    case SV_DT_INT8: lo = -128; DIRECT_LOOP(int8_t, 128); break;
    case SV_DT_UINT16: lo = 0; DIRECT_LOOP(uint16_t, 0); break;
    case SV_DT_INT16: lo = -32768; DIRECT_LOOP(int16_t, 32768); break;
    default:
        switch (v->dtype) {
        case SV_DT_INT32: MINMAX_LOOP(int32_t); break;
        case SV_DT_UINT32: MINMAX_LOOP(uint32_t); break;
        case SV_DT_FLOAT32: MINMAX_LOOP(float); break;
        case SV_DT_FLOAT64: MINMAX_LOOP(double); break;
        default: break;
        }
        if (!(lo <= hi)) { lo = 0; hi = 0; } /* empty or all NaN */
        exact = v->dtype != SV_DT_FLOAT32 && v->dtype != SV_DT_FLOAT64 && hi - lo < FINE_BINS;
        width = exact ? 1.0 : (hi - lo) / FINE_BINS;
        if (width <= 0) width = 1.0;
        scale = 1.0 / width;
        switch (v->dtype) {
        case SV_DT_INT32: FINE_LOOP(int32_t); break;
        case SV_DT_UINT32: FINE_LOOP(uint32_t); break;
        case SV_DT_FLOAT32: FINE_LOOP(float); break;
        case SV_DT_FLOAT64: FINE_LOOP(double); break;
        default: break;
        }
    }
    for (b = 0; b < FINE_BINS; b++)
        if (fine[b]) {
            if (bfirst < 0) bfirst = b;
            blast = b;
            counted += fine[b];
        }
    memset(out, 0, sizeof *out);
    if (!counted) {
        for (k = 0; k < npcts; k++) pct_out[k] = 0.0;
        SV_FREE(fine);
        return SV_OK;
    }
    /* a fine bin's raw value: exact, or the bin centre clamped to the data range */
#define RAW_OF(bin) (exact ? lo + (double)(bin) : fmin(hi, fmax(lo, lo + ((double)(bin) + 0.5) * width)))
#define SCALED(raw) ((raw) * v->scl_slope + v->scl_inter)
    first = exact ? RAW_OF(bfirst) : lo;
    last = exact ? RAW_OF(blast) : hi;
    smin = fmin(SCALED(first), SCALED(last));
    smax = fmax(SCALED(first), SCALED(last));
    out->min = smin;
    out->max = smax;
    if (exact) {
        for (b = bfirst; b <= blast; b++) sum += (double)fine[b] * RAW_OF(b);
    }
    out->mean = SCALED(sum / (double)counted);
    for (b = bfirst; b <= blast; b++) {
        long c;
        if (!fine[b]) continue;
        c = smax > smin ? (long)((SCALED(RAW_OF(b)) - smin) / (smax - smin) * SV_SUMMARY_BINS) : 0;
        if (c >= SV_SUMMARY_BINS) c = SV_SUMMARY_BINS - 1;
        if (c < 0) c = 0;
        out->hist[c] = (uint32_t)((out->hist[c] + fine[b]) > UINT32_MAX ? UINT32_MAX : out->hist[c] + fine[b]);
    }
    for (k = 0; k < npcts; k++) {
        /* a negative slope reverses the order of scaled values */
        double p = v->scl_slope < 0 ? 100.0 - pcts[k] : pcts[k];
        double target = p / 100.0 * (double)(counted - 1);
        cum = 0;
        for (b = bfirst; b < blast; b++) {
            cum += fine[b];
            if ((double)cum > target) break;
        }
        pct_out[k] = SCALED(RAW_OF(b));
    }
#undef RAW_OF
#undef SCALED
    SV_FREE(fine);
    return SV_OK;
}

int sv_volume_same_grid(const sv_volume *a, const sv_volume *b, double tol_mm)
{
    int r, c;
    for (r = 0; r < 3; r++)
        if (a->dim[r] != b->dim[r]) return 0;
    for (r = 0; r < 3; r++)
        for (c = 0; c < 4; c++)
            if (!(fabs(a->affine[r][c] - b->affine[r][c]) <= tol_mm)) return 0;
    return 1;
}

/* --- JSON --------------------------------------------------------------- */

typedef struct jbuf {
    char *p;
    size_t cap, len;
} jbuf;

static void jput(jbuf *b, const char *fmt, ...) SV_PRINTF(2, 3);
static void jput(jbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;
    char *dst = b->len < b->cap ? b->p + b->len : NULL;
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    va_start(ap, fmt);
    n = vsnprintf(dst, room, fmt, ap);
    va_end(ap);
    if (n > 0) b->len += (size_t)n;
}

/* JSON has no NaN or infinity: write null for them. %.17g round-trips a double. */
static void jnum(jbuf *b, double x)
{
    if (isfinite(x))
        jput(b, "%.17g", x);
    else
        jput(b, "null");
}

static void jstr(jbuf *b, const char *s)
{
    jput(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            jput(b, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f)
            jput(b, "\\u%04x", ch); /* header strings are not UTF-8 aware: escape bytes */
        else
            jput(b, "%c", ch);
    }
    jput(b, "\"");
}

static void jmat(jbuf *b, const double m[4][4])
{
    int r, c;
    jput(b, "[");
    for (r = 0; r < 4; r++) {
        jput(b, "%s[", r ? ", " : "");
        for (c = 0; c < 4; c++) {
            if (c) jput(b, ", ");
            jnum(b, m[r][c]);
        }
        jput(b, "]");
    }
    jput(b, "]");
}

static const char *space_units(int u)
{
    switch (u & 0x07) {
    case 1: return "m";
    case 2: return "mm";
    case 3: return "um";
    }
    return "unknown";
}

size_t sv_volume_info_json(const sv_volume *v, const sv_volume_stats *stats, char *buf, size_t cap)
{
    jbuf b;
    int a;
    b.p = buf;
    b.cap = cap;
    b.len = 0;
    if (cap) buf[0] = '\0';
    jput(&b, "{\"dims\": [%ld, %ld, %ld]", (long)v->dim[0], (long)v->dim[1], (long)v->dim[2]);
    jput(&b, ", \"frames\": %ld", (long)v->frames);
    jput(&b, ", \"spacing\": [");
    for (a = 0; a < 3; a++) {
        if (a) jput(&b, ", ");
        jnum(&b, v->spacing[a]);
    }
    jput(&b, "], \"datatype\": \"%s\"", sv_dtype_name(v->dtype));
    jput(&b, ", \"scl_slope\": ");
    jnum(&b, v->scl_slope);
    jput(&b, ", \"scl_inter\": ");
    jnum(&b, v->scl_inter);
    jput(&b, ", \"affine\": ");
    jmat(&b, v->affine);
    jput(&b, ", \"affine_source\": \"%s\"",
         v->meta.sform_code > 0 ? "sform" : v->meta.qform_code > 0 ? "qform" : "spacing");
    jput(&b, ", \"sform_code\": %d, \"sform\": ", v->meta.sform_code);
    jmat(&b, v->meta.sform);
    jput(&b, ", \"qform_code\": %d, \"qform\": ", v->meta.qform_code);
    jmat(&b, v->meta.qform);
    jput(&b, ", \"units\": \"%s\", \"intent_code\": %d", space_units(v->meta.xyzt_units), v->meta.intent_code);
    jput(&b, ", \"descrip\": ");
    jstr(&b, v->meta.descrip);
    jput(&b, ", \"nifti_version\": %d, \"big_endian\": %s, \"gzipped\": %s", v->meta.nifti_version,
         v->meta.byte_swapped ? "true" : "false", v->meta.gzipped ? "true" : "false");
    if (stats) {
        const char *names[6] = {"min", "max", "mean", "sum", "sumsq", "wsum"};
        double vals[6];
        int k;
        vals[0] = stats->min;
        vals[1] = stats->max;
        vals[2] = stats->mean;
        vals[3] = stats->sum;
        vals[4] = stats->sumsq;
        vals[5] = stats->wsum;
        jput(&b, ", \"stats\": {");
        for (k = 0; k < 6; k++) {
            jput(&b, "%s\"%s\": ", k ? ", " : "", names[k]);
            jnum(&b, vals[k]);
        }
        jput(&b, "}");
    }
    jput(&b, "}");
    return b.len;
}
