/* volume.c — the canonical volume: creation, typed access, statistics,
 * reorienting onto another grid (axis order and direction), JSON description.
 *
 * PERFORMANCE: sv_volume_stats_compute is one pass over the data, O(nvox),
 * switching on the type once per call (not per voxel); so are
 * sv_volume_reorient_onto and sv_volume_labels_for (see their section).
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
            double x = (double)p[i], t;                                                          \
            long b;                                                                              \
            if (x != x) continue;                                                                \
            t = (x - lo) * scale; /* NaN or beyond long for infinities: checked, not converted */ \
            b = t >= FINE_BINS ? FINE_BINS - 1 : t > 0 ? (long)t : 0;                            \
            fine[b]++;                                                                           \
            sum += x;                                                                            \
        }                                                                                        \
    } while (0)

/* The fast path for 8- and 16-bit data: the raw value is the bin. Four
 * interleaved partial counts: a run of one value, such as a padded image's
 * zeros, would otherwise be a chain of increments of one counter, each
 * waiting for the one before (256^3 with 91% zeros: 48 -> 14 ms natively,
 * 52 -> 24 ms in wasm). The counts are 32-bit, folded into fine every
 * DIRECT_FOLD pieces (and at the end), so none can overflow; the pieces go
 * through sv_serial_for so that V8 optimises the loop after the first few
 * (a volume is summarised once, as it opens). */
#define DIRECT_PIECE ((size_t)1 << 20)
#define DIRECT_FOLD 1024

typedef struct direct_count {
    const sv_volume *v;
    uint32_t *part; /* 4 x nb partial counts */
    size_t *fine, nb, npieces;
} direct_count;

#define COUNT4(T, OFF)                                                                           \
    do {                                                                                         \
        const T *p = (const T *)d->v->data;                                                      \
        for (i = start; i + 4 <= end; i += 4) {                                                  \
            c0[(int32_t)p[i] + (OFF)]++;                                                         \
            c1[(int32_t)p[i + 1] + (OFF)]++;                                                     \
            c2[(int32_t)p[i + 2] + (OFF)]++;                                                     \
            c3[(int32_t)p[i + 3] + (OFF)]++;                                                     \
        }                                                                                        \
        for (; i < end; i++) c0[(int32_t)p[i] + (OFF)]++;                                        \
    } while (0)

static sv_status direct_piece(void *ctx, size_t piece, unsigned worker)
{
    direct_count *d = (direct_count *)ctx;
    const size_t nb = d->nb, start = piece * DIRECT_PIECE;
    const size_t end = d->v->nvox - start < DIRECT_PIECE ? d->v->nvox : start + DIRECT_PIECE;
    uint32_t *c0 = d->part, *c1 = c0 + nb, *c2 = c1 + nb, *c3 = c2 + nb;
    size_t i, b;
    (void)worker;
    switch (d->v->dtype) {
    case SV_DT_UINT8: COUNT4(uint8_t, 0); break;
    case SV_DT_INT8: COUNT4(int8_t, 128); break;
    case SV_DT_UINT16: COUNT4(uint16_t, 0); break;
    case SV_DT_INT16: COUNT4(int16_t, 32768); break;
    default: break;
    }
    if ((piece + 1) % DIRECT_FOLD == 0 || piece + 1 == d->npieces) {
        for (b = 0; b < nb; b++) d->fine[b] += (size_t)c0[b] + c1[b] + c2[b] + c3[b];
        memset(d->part, 0, 4 * nb * sizeof *d->part);
    }
    return SV_OK;
}
#undef COUNT4

/* Count an 8- or 16-bit volume (nb = 256 or 65536 values) into fine; 0 when out of memory. */
static int direct_loop(const sv_volume *v, size_t nb, size_t *fine)
{
    direct_count d;
    d.v = v;
    d.fine = fine;
    d.nb = nb;
    d.npieces = (v->nvox + DIRECT_PIECE - 1) / DIRECT_PIECE;
    d.part = (uint32_t *)SV_CALLOC(4 * nb, sizeof *d.part);
    if (!d.part) return 0;
    sv_serial_for(d.npieces, direct_piece, &d);
    SV_FREE(d.part);
    return 1;
}

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
    case SV_DT_UINT8:
    case SV_DT_INT8:
    case SV_DT_UINT16:
    case SV_DT_INT16: {
        const int wide = v->dtype == SV_DT_UINT16 || v->dtype == SV_DT_INT16;
        lo = v->dtype == SV_DT_INT8 ? -128 : v->dtype == SV_DT_INT16 ? -32768 : 0;
        if (!direct_loop(v, wide ? 65536 : 256, fine)) {
            SV_FREE(fine);
            return sv_fail(SV_ENOMEM, "out of memory for a histogram");
        }
        break;
    }
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
        double x;
        if (!fine[b]) continue;
        /* x is NaN where scaling overflows to infinity (inf / inf): bin 0; the
         * range is checked before converting, as an out-of-range conversion is undefined */
        x = smax > smin ? (SCALED(RAW_OF(b)) - smin) / (smax - smin) * SV_SUMMARY_BINS : 0;
        c = x >= SV_SUMMARY_BINS ? SV_SUMMARY_BINS - 1 : x > 0 ? (long)x : 0;
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

/* --- grids that differ in axis order and direction ------------------------
 *
 * ALGORITHM: pair each image axis with the source axis whose direction is
 * closest (the best of the 6 pairings by summed |cosine| of the unit column
 * vectors), flip where they point apart, and check the pairing by comparing
 * world positions at the source's 8 corner voxels. Copying is then a walk over
 * the source in its memory order with one precomputed image stride per source
 * axis: no interpolation, no per-voxel multiply.
 * PERFORMANCE: matching is O(1); reorienting O(nvox) with one pass. A
 * 512x512x400 uint8 label map onto a CT grid, native -O2 on a shared 2-core
 * machine: 0.06-0.2 s when the i axis is kept (rows move whole, flips and j/k
 * swaps included); about 1.2 s with i and k swapped (one scattered byte per
 * voxel, in 16^3 tiles; untiled it took 4 s); float32 input about 1 s (a value
 * check per voxel). The same-grid-only import before took 1.4-1.5 s.
 * MEMORY: the output volume only. */

static double col_norm(const double m[4][4], int c)
{
    return sqrt(m[0][c] * m[0][c] + m[1][c] * m[1][c] + m[2][c] * m[2][c]);
}

/* World position of voxel x under the affine m. */
static void to_world(const double m[4][4], const double x[3], double w[3])
{
    int r;
    for (r = 0; r < 3; r++) w[r] = m[r][0] * x[0] + m[r][1] * x[1] + m[r][2] * x[2] + m[r][3];
}

/* Format a triple "a x b x c" (or "axbxc" for dims) with the fewest digits
 * (3..10) that make it differ from `other` where they differ numerically. */
static void fmt_triple(char *buf, size_t cap, const double v[3], const double other[3], const char *sep)
{
    int prec, a, differ = 0;
    char mine[96], theirs[96];
    for (a = 0; a < 3; a++) differ |= v[a] != other[a];
    for (prec = 3; prec <= 10; prec++) {
        snprintf(mine, sizeof mine, "%.*g%s%.*g%s%.*g", prec, v[0], sep, prec, v[1], sep, prec, v[2]);
        snprintf(theirs, sizeof theirs, "%.*g%s%.*g%s%.*g", prec, other[0], sep, prec, other[1], sep, prec, other[2]);
        if (!differ || strcmp(mine, theirs) != 0) break;
    }
    snprintf(buf, cap, "%s", mine);
}

/* Append to a message being built (parts joined by "; "). */
static void msg_add(char *msg, size_t cap, const char *fmt, ...) SV_PRINTF(3, 4);
static void msg_add(char *msg, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(msg);
    va_list ap;
    if (used && used + 2 < cap) {
        memcpy(msg + used, "; ", 3);
        used += 2;
    }
    if (used >= cap) return;
    va_start(ap, fmt);
    vsnprintf(msg + used, cap - used, fmt, ap);
    va_end(ap);
}

/* Why src's grid, with the best pairing `m`, is not image's: sizes, voxel
 * sizes, turned axes, or (when all those agree) a shift. Sets the error. */
static sv_status grid_mismatch(const sv_volume *image, const sv_volume *src, const char *noun, const sv_grid_map *m,
                               const double cosines[3], double tol_mm)
{
    char msg[480] = "", a[96], b[96], c[96];
    double sd[3], id[3], pd[3], ss[3], is[3], ps[3], worst = 0.0;
    int r, identity = m->perm[0] == 0 && m->perm[1] == 1 && m->perm[2] == 2, dims_differ = 0, size_differs = 0;
    for (r = 0; r < 3; r++) {
        int s = m->perm[r];
        sd[r] = src->dim[r];
        id[r] = image->dim[r];
        pd[r] = src->dim[s];
        ss[r] = col_norm(src->affine, r);
        is[r] = col_norm(image->affine, r);
        ps[r] = col_norm(src->affine, s);
        dims_differ |= src->dim[s] != image->dim[r];
        /* a voxel-size difference matters where it moves the far voxel by more than tol */
        size_differs |= !(fabs(ps[r] - is[r]) * (image->dim[r] > 1 ? image->dim[r] - 1 : 1) <= tol_mm);
    }
    if (dims_differ) {
        fmt_triple(a, sizeof a, sd, id, "x");
        fmt_triple(b, sizeof b, id, pd, "x");
        fmt_triple(c, sizeof c, pd, id, "x");
        if (identity)
            msg_add(msg, sizeof msg, "%s voxels vs %s", a, b);
        else
            msg_add(msg, sizeof msg, "%s voxels (%s in the image's axis order) vs %s", a, c, b);
    }
    if (size_differs) {
        fmt_triple(a, sizeof a, ss, is, " x ");
        fmt_triple(b, sizeof b, is, ps, " x ");
        fmt_triple(c, sizeof c, ps, is, " x ");
        if (identity || strcmp(a, c) == 0)
            msg_add(msg, sizeof msg, "voxel size %s mm vs %s mm", a, b);
        else
            msg_add(msg, sizeof msg, "voxel size %s mm (%s in the image's axis order) vs %s mm", a, c, b);
    }
    for (r = 0; r < 3; r++) {
        /* how far a turn of this axis moves its far voxel */
        int s = m->perm[r];
        double cs = fmin(1.0, fabs(cosines[r])), sn = sqrt(1.0 - cs * cs);
        double reach = sn * ps[r] * (src->dim[s] > 1 ? src->dim[s] - 1 : 1);
        if (!(reach <= tol_mm) && !(worst >= acos(cs))) worst = acos(cs);
    }
    if (worst > 0.0)
        msg_add(msg, sizeof msg, "its axes are turned by up to %.3g degrees from the image's", worst * 180.0 / 3.14159265358979323846);
    if (!msg[0]) {
        /* the same size, spacing and directions: the grid is moved */
        double x0[3] = {0, 0, 0}, y0[3], wa[3], wb[3], d[3], vox[3];
        for (r = 0; r < 3; r++) y0[r] = m->offset[r];
        to_world(src->affine, x0, wb);
        to_world(image->affine, y0, wa);
        for (r = 0; r < 3; r++) d[r] = wb[r] - wa[r];
        for (r = 0; r < 3; r++) /* along the image's axes, in its voxels */
            vox[r] = is[r] > 0 ? (d[0] * image->affine[0][r] + d[1] * image->affine[1][r] + d[2] * image->affine[2][r]) / (is[r] * is[r]) : 0;
        for (r = 0; r < 3; r++) { /* to 1e-4 (a tenth of the usual tolerance), no "-0" or 1e-15 noise */
            d[r] = round(d[r] * 1e4) / 1e4 + 0.0;
            vox[r] = round(vox[r] * 1e4) / 1e4 + 0.0;
        }
        if (!(sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]) <= tol_mm))
            msg_add(msg, sizeof msg, "it is shifted by (%.4g, %.4g, %.4g) mm, (%.4g, %.4g, %.4g) of the image's voxels", d[0], d[1],
                    d[2], vox[0], vox[1], vox[2]);
        else
            msg_add(msg, sizeof msg, "voxel centres are up to %.3g mm apart (more than %g mm)", m->error_mm, tol_mm);
    }
    return sv_fail(SV_EINVAL, "the %s's grid does not match the image's: %s", noun, msg);
}

static sv_status match_grid(const sv_volume *image, const sv_volume *src, double tol_mm, const char *noun, sv_grid_map *out)
{
    static const int perms[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};
    double cosv[3][3], na[3], nb[3], best = -1.0, bestcos[3] = {0, 0, 0};
    sv_grid_map m;
    int r, c, p, corner;
    memset(&m, 0, sizeof m);
    if (!(tol_mm >= 0)) return sv_fail(SV_EINVAL, "the grid tolerance %g mm must be 0 or more", tol_mm);
    for (c = 0; c < 3; c++) {
        na[c] = col_norm(image->affine, c);
        nb[c] = col_norm(src->affine, c);
        if (!(na[c] > 0 && isfinite(na[c])))
            return sv_fail(SV_EINVAL, "the image's voxel-to-world matrix has a zero or non-finite column %d", c + 1);
        if (!(nb[c] > 0 && isfinite(nb[c])))
            return sv_fail(SV_EINVAL, "the %s's voxel-to-world matrix has a zero or non-finite column %d", noun, c + 1);
    }
    /* cosv[r][c]: cosine between image axis r and source axis c */
    for (r = 0; r < 3; r++)
        for (c = 0; c < 3; c++)
            cosv[r][c] = (image->affine[0][r] * src->affine[0][c] + image->affine[1][r] * src->affine[1][c] +
                          image->affine[2][r] * src->affine[2][c]) / (na[r] * nb[c]);
    for (p = 0; p < 6; p++) {
        double score = fabs(cosv[0][perms[p][0]]) + fabs(cosv[1][perms[p][1]]) + fabs(cosv[2][perms[p][2]]);
        if (score > best) {
            best = score;
            for (r = 0; r < 3; r++) {
                m.perm[r] = perms[p][r];
                bestcos[r] = cosv[r][perms[p][r]];
            }
        }
    }
    if (!(best >= 0)) return sv_fail(SV_EINVAL, "the %s's or the image's voxel-to-world matrix is not finite", noun);
    for (r = 0; r < 3; r++) {
        m.sign[r] = bestcos[r] < 0 ? -1 : 1;
        m.offset[r] = m.sign[r] < 0 ? src->dim[m.perm[r]] - 1 : 0;
    }
    /* the distance between matched centres is affine in the index: its
     * largest value over the grid is at one of the corners */
    m.error_mm = 0.0;
    for (corner = 0; corner < 8; corner++) {
        double x[3], y[3], wa[3], wb[3], e;
        for (c = 0; c < 3; c++) x[c] = (corner >> c & 1) ? (double)(src->dim[c] - 1) : 0.0;
        for (r = 0; r < 3; r++) y[r] = (double)m.offset[r] + (double)m.sign[r] * x[m.perm[r]];
        to_world(src->affine, x, wb);
        to_world(image->affine, y, wa);
        e = sqrt((wb[0] - wa[0]) * (wb[0] - wa[0]) + (wb[1] - wa[1]) * (wb[1] - wa[1]) + (wb[2] - wa[2]) * (wb[2] - wa[2]));
        if (!(e <= m.error_mm)) m.error_mm = e; /* NaN sticks */
    }
    for (r = 0; r < 3; r++)
        if (src->dim[m.perm[r]] != image->dim[r]) return grid_mismatch(image, src, noun, &m, bestcos, tol_mm);
    if (!(m.error_mm <= tol_mm)) return grid_mismatch(image, src, noun, &m, bestcos, tol_mm);
    *out = m;
    return SV_OK;
}

sv_status sv_volume_match_grid(const sv_volume *image, const sv_volume *src, double tol_mm, sv_grid_map *map)
{
    return match_grid(image, src, tol_mm, "volume", map);
}

/* Image strides for a walk over the source in its memory order: moving one
 * voxel along source axis c moves step[c] in the image (modulo 2^N: size_t
 * wraps, so a negative step is its two's complement; indices stay in range). */
static void map_steps(const sv_volume *image, const sv_grid_map *m, size_t step[3], size_t *base)
{
    size_t stride[3];
    int r;
    stride[0] = 1;
    stride[1] = (size_t)image->dim[0];
    stride[2] = stride[1] * (size_t)image->dim[1];
    *base = 0;
    for (r = 0; r < 3; r++) {
        step[m->perm[r]] = m->sign[r] < 0 ? (size_t)0 - stride[r] : stride[r];
        *base += (size_t)m->offset[r] * stride[r];
    }
}

/* Every source voxel once, in tiles of WALK_TILE^3 (so that when a source
 * row runs along a far image axis, the tile's reads and writes both stay in
 * cache: without tiles, i <-> k on 512x512x400 took 4 s, a miss per write):
 * BODY sees s (source index) and d (image index). size_t products wrap like
 * the steps, so d is exact modulo 2^N. */
#define WALK_TILE 16
#define WALK(BODY)                                                                               \
    do {                                                                                         \
        size_t ib_, jb_, kb_, i_, j_, k_;                                                        \
        for (kb_ = 0; kb_ < nz; kb_ += WALK_TILE)                                                \
            for (jb_ = 0; jb_ < ny; jb_ += WALK_TILE)                                            \
                for (ib_ = 0; ib_ < nx; ib_ += WALK_TILE) {                                      \
                    size_t ie_ = nx - ib_ < WALK_TILE ? nx : ib_ + WALK_TILE;                    \
                    size_t je_ = ny - jb_ < WALK_TILE ? ny : jb_ + WALK_TILE;                    \
                    size_t ke_ = nz - kb_ < WALK_TILE ? nz : kb_ + WALK_TILE;                    \
                    for (k_ = kb_; k_ < ke_; k_++)                                               \
                        for (j_ = jb_; j_ < je_; j_++) {                                         \
                            size_t s = ib_ + nx * (j_ + ny * k_);                                \
                            size_t d = base + ib_ * step[0] + j_ * step[1] + k_ * step[2];       \
                            for (i_ = ib_; i_ < ie_; i_++, s++, d += step[0]) {                  \
                                BODY;                                                            \
                            }                                                                    \
                        }                                                                        \
                }                                                                                \
    } while (0)

#define COPY_BYTES(N) WALK(memcpy(dst + d * (N), srcb + s * (N), (N)))

sv_status sv_volume_reorient_onto(const sv_volume *image, const sv_volume *src, sv_volume **out)
{
    sv_grid_map m;
    sv_volume *v;
    size_t step[3], base, nx = (size_t)src->dim[0], ny = (size_t)src->dim[1], nz = (size_t)src->dim[2];
    unsigned char *dst;
    const unsigned char *srcb = (const unsigned char *)src->data;
    sv_status st;
    *out = NULL;
    if ((st = match_grid(image, src, 1e-3, "volume", &m)) != SV_OK) return st;
    if ((st = sv_volume_create_like(image, src->dtype, &v)) != SV_OK) return st;
    dst = (unsigned char *)v->data;
    map_steps(image, &m, step, &base);
    switch (sv_dtype_size(src->dtype)) {
    case 1: COPY_BYTES(1); break;
    case 2: COPY_BYTES(2); break;
    case 4: COPY_BYTES(4); break;
    default: COPY_BYTES(8); break;
    }
    v->scl_slope = src->scl_slope;
    v->scl_inter = src->scl_inter;
    v->meta.intent_code = src->meta.intent_code;
    memcpy(v->meta.intent_p, src->meta.intent_p, sizeof v->meta.intent_p);
    memcpy(v->meta.intent_name, src->meta.intent_name, sizeof v->meta.intent_name);
    memcpy(v->meta.descrip, src->meta.descrip, sizeof v->meta.descrip);
    v->meta.cal_min = src->meta.cal_min;
    v->meta.cal_max = src->meta.cal_max;
    *out = v;
    return SV_OK;
}

/* Labels: the scaled value must be a whole number 0..255; else stop at s. */
#define LABEL_WALK(T)                                                                            \
    do {                                                                                         \
        const T *p_ = (const T *)seg->data;                                                      \
        WALK({                                                                                   \
            double x = (double)p_[s] * slope + inter;                                            \
            if (!(x >= 0.0 && x <= 255.0) || x != (double)(uint8_t)x) {                          \
                bad = s;                                                                         \
                badx = x;                                                                        \
                goto refused;                                                                    \
            }                                                                                    \
            lab[d] = (uint8_t)x;                                                                 \
        });                                                                                      \
    } while (0)

sv_status sv_volume_labels_for(const sv_volume *image, const sv_volume *seg, sv_volume **out)
{
    sv_grid_map m;
    sv_volume *v;
    size_t step[3], base, bad = 0, nx = (size_t)seg->dim[0], ny = (size_t)seg->dim[1], nz = (size_t)seg->dim[2];
    double slope = seg->scl_slope, inter = seg->scl_inter, badx = 0;
    uint8_t *lab;
    sv_status st;
    *out = NULL;
    if ((st = match_grid(image, seg, 1e-3, "label map", &m)) != SV_OK) return st;
    if ((st = sv_volume_create_like(image, SV_DT_UINT8, &v)) != SV_OK) return st;
    lab = (uint8_t *)v->data;
    map_steps(image, &m, step, &base);
    if (seg->dtype == SV_DT_UINT8 && slope == 1.0 && inter == 0.0) {
        /* every stored byte is a label: move it; whole rows when i stays i */
        const uint8_t *p = (const uint8_t *)seg->data;
        if (step[0] == 1) {
            size_t j, k, s = 0, dk = base;
            for (k = 0; k < nz; k++, dk += step[2]) {
                size_t dj = dk;
                for (j = 0; j < ny; j++, dj += step[1], s += nx) memcpy(lab + dj, p + s, nx);
            }
        } else {
            WALK(lab[d] = p[s]);
        }
    } else {
        switch (seg->dtype) {
        case SV_DT_UINT8: LABEL_WALK(uint8_t); break;
        case SV_DT_INT8: LABEL_WALK(int8_t); break;
        case SV_DT_INT16: LABEL_WALK(int16_t); break;
        case SV_DT_UINT16: LABEL_WALK(uint16_t); break;
        case SV_DT_INT32: LABEL_WALK(int32_t); break;
        case SV_DT_UINT32: LABEL_WALK(uint32_t); break;
        case SV_DT_FLOAT32: LABEL_WALK(float); break;
        case SV_DT_FLOAT64: LABEL_WALK(double); break;
        }
    }
    v->meta.intent_code = SV_INTENT_LABEL;
    *out = v;
    return SV_OK;
refused:
    sv_volume_free(v);
    return sv_fail(SV_ERANGE, "voxel (%zu, %zu, %zu) holds %g; a label map needs whole numbers 0..255", bad % nx,
                   (bad / nx) % ny, bad / (nx * ny), badx);
}

/* --- JSON (the writer in json.c) ----------------------------------------- */

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
    jinit(&b, buf, cap);
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
