/* nifti.c — NIfTI-1/NIfTI-2 reader and NIfTI-1 writer, from and to memory.
 *
 * ALGORITHM: the header is pulled from an sv_gz_stream (plain or gzip), decoded
 * field by field at fixed offsets in the file's byte order (detected from
 * sizeof_hdr: 348 for NIfTI-1, 540 for NIfTI-2, either order), validated, and
 * only then is the voxel buffer allocated; voxel data is read straight into it
 * in steps, then byte-swapped in place if the file was big-endian. The affine
 * follows nibabel's get_best_affine (sform > qform > base affine) so that our
 * world coordinates and nibabel's are the same numbers.
 * MEMORY: the input buffer (borrowed) + the volume's data; no other copy.
 * PERFORMANCE: memcpy speed for .nii; inflate speed for .nii.gz.
 *
 * Reference: the NIfTI-1 and NIfTI-2 headers (nifti1.h / nifti2.h), nibabel's
 * nifti1.py for the qform/base-affine conventions.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "internal.h"
#include "supervox/gz.h"
#include "supervox/nifti.h"

#define N1_HDR 348
#define N2_HDR 540

struct sv_nifti_reader {
    sv_gz_stream *gz;
    sv_volume *vol;
    size_t total;     /* bytes of voxel data to read (first frame) */
    size_t read;      /* bytes read so far */
    int swap;         /* file is big-endian */
    sv_status failed; /* sticky: SV_OK while healthy */
};

/* --- byte-order aware field access -------------------------------------- */

static uint16_t rd16(const uint8_t *p, int swap)
{
    return swap ? (uint16_t)((p[0] << 8) | p[1]) : (uint16_t)(p[0] | (p[1] << 8));
}
static uint32_t rd32(const uint8_t *p, int swap)
{
    return swap ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3]
                : ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}
static uint64_t rd64(const uint8_t *p, int swap)
{
    uint64_t lo = rd32(p + (swap ? 4 : 0), swap), hi = rd32(p + (swap ? 0 : 4), swap);
    return (hi << 32) | lo;
}
static int16_t rdi16(const uint8_t *p, int swap) { return (int16_t)rd16(p, swap); }
static int32_t rdi32(const uint8_t *p, int swap) { return (int32_t)rd32(p, swap); }
static int64_t rdi64(const uint8_t *p, int swap) { return (int64_t)rd64(p, swap); }
static double rdf32(const uint8_t *p, int swap)
{
    uint32_t u = rd32(p, swap);
    float f;
    memcpy(&f, &u, 4);
    return f;
}
static double rdf64(const uint8_t *p, int swap)
{
    uint64_t u = rd64(p, swap);
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static void wrf32(uint8_t *p, double d)
{
    float f = (float)d;
    uint32_t u;
    memcpy(&u, &f, 4);
    wr32(p, u);
}

static void copy_str(char *dst, const uint8_t *src, size_t n)
{
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void swap_data(void *data, size_t n, size_t esz)
{
    uint8_t *p = (uint8_t *)data, t;
    size_t i;
    if (esz == 2) {
        for (i = 0; i < n; i++, p += 2) { t = p[0]; p[0] = p[1]; p[1] = t; }
    } else if (esz == 4) {
        for (i = 0; i < n; i++, p += 4) {
            t = p[0]; p[0] = p[3]; p[3] = t;
            t = p[1]; p[1] = p[2]; p[2] = t;
        }
    } else if (esz == 8) {
        for (i = 0; i < n; i++, p += 8) {
            int k;
            for (k = 0; k < 4; k++) { t = p[k]; p[k] = p[7 - k]; p[7 - k] = t; }
        }
    }
}

/* --- geometry ------------------------------------------------------------ */

/* The qform as nibabel computes it: rotation from the quaternion (a filled in
 * as sqrt(1 - b^2 - c^2 - d^2), clamped at 0), times diag(pixdim1..3) with the
 * third scaled by qfac, plus the offsets. */
static void qform_matrix(const sv_nifti_meta *m, const double pix[3], double out[4][4])
{
    double b = m->quatern[0], c = m->quatern[1], d = m->quatern[2];
    double a2 = 1.0 - (b * b + c * c + d * d), a = a2 > 0 ? sqrt(a2) : 0.0;
    double nq = a * a + b * b + c * c + d * d, R[3][3], s, X, Y, Z;
    double vox[3];
    int r, k;
    if (nq < 1e-12) {
        memset(R, 0, sizeof R);
        R[0][0] = R[1][1] = R[2][2] = 1.0;
    } else {
        s = 2.0 / nq;
        X = b * s;
        Y = c * s;
        Z = d * s;
        R[0][0] = 1.0 - (c * Y + d * Z);
        R[0][1] = b * Y - a * Z;
        R[0][2] = b * Z + a * Y;
        R[1][0] = b * Y + a * Z;
        R[1][1] = 1.0 - (b * X + d * Z);
        R[1][2] = c * Z - a * X;
        R[2][0] = b * Z - a * Y;
        R[2][1] = c * Z + a * X;
        R[2][2] = 1.0 - (b * X + c * Y);
    }
    vox[0] = pix[0];
    vox[1] = pix[1];
    vox[2] = pix[2] * m->qfac;
    for (r = 0; r < 3; r++) {
        for (k = 0; k < 3; k++) out[r][k] = R[r][k] * vox[k];
        out[r][3] = m->qoffset[r];
    }
    out[3][0] = out[3][1] = out[3][2] = 0.0;
    out[3][3] = 1.0;
}

/* nibabel's base affine for files with neither sform nor qform: voxel sizes
 * on the diagonal with x negated (radiological Analyze convention), and the
 * volume centred on the origin. */
static void base_affine(const int64_t shape[3], const double pix[3], double out[4][4])
{
    double z[3];
    int r, c;
    z[0] = -pix[0];
    z[1] = pix[1];
    z[2] = pix[2];
    for (r = 0; r < 4; r++)
        for (c = 0; c < 4; c++) out[r][c] = (r == c) ? 1.0 : 0.0;
    for (r = 0; r < 3; r++) {
        out[r][r] = z[r];
        out[r][3] = -((double)(shape[r] - 1) / 2.0) * z[r];
    }
}

/* --- reader -------------------------------------------------------------- */

static int dtype_supported(int code)
{
    switch (code) {
    case SV_DT_UINT8: case SV_DT_INT8: case SV_DT_INT16: case SV_DT_UINT16:
    case SV_DT_INT32: case SV_DT_UINT32: case SV_DT_FLOAT32: case SV_DT_FLOAT64:
        return 1;
    }
    return 0;
}

static sv_status refuse_dtype(int code)
{
    switch (code) {
    case 128: case 2304:
        return sv_fail(SV_EUNSUPPORTED, "RGB colour data (NIfTI datatype %d) is not supported; a scalar volume is needed", code);
    case 32: case 1792: case 2048:
        return sv_fail(SV_EUNSUPPORTED, "complex-valued data (NIfTI datatype %d) is not supported; a scalar volume is needed", code);
    case 1024: case 1280:
        return sv_fail(SV_EUNSUPPORTED, "64-bit integer data (NIfTI datatype %d) is not supported", code);
    case 1536:
        return sv_fail(SV_EUNSUPPORTED, "128-bit float data (NIfTI datatype 1536) is not supported");
    case 1:
        return sv_fail(SV_EUNSUPPORTED, "1-bit binary data (NIfTI datatype 1) is not supported");
    }
    return sv_fail(SV_EFORMAT, "unknown NIfTI datatype code %d", code);
}

/* Header fields in a version-neutral form, before validation. */
typedef struct raw_hdr {
    int version, swap, pair;
    int64_t dim[8];
    int datatype;
    double pixdim[8];
    double vox_offset;
    double scl_slope, scl_inter;
    sv_nifti_meta meta;
} raw_hdr;

static void decode_n1(const uint8_t *h, int swap, raw_hdr *o)
{
    int i, r, c;
    sv_nifti_meta *m = &o->meta;
    for (i = 0; i < 8; i++) o->dim[i] = rdi16(h + 40 + 2 * i, swap);
    for (i = 0; i < 3; i++) m->intent_p[i] = rdf32(h + 56 + 4 * i, swap);
    m->intent_code = rdi16(h + 68, swap);
    o->datatype = rdi16(h + 70, swap);
    m->slice_start = rdi16(h + 74, swap);
    for (i = 0; i < 8; i++) o->pixdim[i] = rdf32(h + 76 + 4 * i, swap);
    o->vox_offset = rdf32(h + 108, swap);
    o->scl_slope = rdf32(h + 112, swap);
    o->scl_inter = rdf32(h + 116, swap);
    m->slice_end = rdi16(h + 120, swap);
    m->slice_code = h[122];
    m->xyzt_units = h[123];
    m->cal_max = rdf32(h + 124, swap);
    m->cal_min = rdf32(h + 128, swap);
    m->slice_duration = rdf32(h + 132, swap);
    m->toffset = rdf32(h + 136, swap);
    copy_str(m->descrip, h + 148, 80);
    m->qform_code = rdi16(h + 252, swap);
    m->sform_code = rdi16(h + 254, swap);
    for (i = 0; i < 3; i++) m->quatern[i] = rdf32(h + 256 + 4 * i, swap);
    for (i = 0; i < 3; i++) m->qoffset[i] = rdf32(h + 268 + 4 * i, swap);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 4; c++) m->srow[r][c] = rdf32(h + 280 + 16 * r + 4 * c, swap);
    copy_str(m->intent_name, h + 328, 16);
    m->dim_info = h[39];
}

static void decode_n2(const uint8_t *h, int swap, raw_hdr *o)
{
    int i, r, c;
    sv_nifti_meta *m = &o->meta;
    o->datatype = rdi16(h + 12, swap);
    for (i = 0; i < 8; i++) o->dim[i] = rdi64(h + 16 + 8 * i, swap);
    for (i = 0; i < 3; i++) m->intent_p[i] = rdf64(h + 80 + 8 * i, swap);
    for (i = 0; i < 8; i++) o->pixdim[i] = rdf64(h + 104 + 8 * i, swap);
    o->vox_offset = (double)rdi64(h + 168, swap);
    o->scl_slope = rdf64(h + 176, swap);
    o->scl_inter = rdf64(h + 184, swap);
    m->cal_max = rdf64(h + 192, swap);
    m->cal_min = rdf64(h + 200, swap);
    m->slice_duration = rdf64(h + 208, swap);
    m->toffset = rdf64(h + 216, swap);
    m->slice_start = (int)rdi64(h + 224, swap);
    m->slice_end = (int)rdi64(h + 232, swap);
    copy_str(m->descrip, h + 240, 80);
    m->qform_code = rdi32(h + 344, swap);
    m->sform_code = rdi32(h + 348, swap);
    for (i = 0; i < 3; i++) m->quatern[i] = rdf64(h + 352 + 8 * i, swap);
    for (i = 0; i < 3; i++) m->qoffset[i] = rdf64(h + 376 + 8 * i, swap);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 4; c++) m->srow[r][c] = rdf64(h + 400 + 32 * r + 8 * c, swap);
    m->slice_code = rdi32(h + 496, swap);
    m->xyzt_units = rdi32(h + 500, swap);
    m->intent_code = rdi32(h + 504, swap);
    copy_str(m->intent_name, h + 508, 16);
    m->dim_info = h[524];
}

/* Read the fixed header; identify version, byte order and single-file-ness. */
static sv_status read_header(sv_gz_stream *gz, size_t filelen, raw_hdr *o, size_t *hdr_bytes)
{
    uint8_t h[N2_HDR];
    size_t got, more;
    uint32_t le, be;
    sv_status st;
    memset(o, 0, sizeof *o);
    st = sv_gz_read(gz, h, N1_HDR, &got);
    if (st != SV_OK) return st;
    if (got < 4) return sv_fail(SV_EFORMAT, "the file is empty or too short to be NIfTI (%zu bytes)", got);
    le = rd32(h, 0);
    be = rd32(h, 1);
    if (le == N1_HDR || be == N1_HDR) {
        o->swap = (le != N1_HDR);
        if (got < N1_HDR)
            return sv_fail(SV_EFORMAT, "the header is truncated: %zu of %d bytes", got, N1_HDR);
        if (memcmp(h + 344, "n+1\0", 4) == 0) {
            o->version = 1;
        } else if (memcmp(h + 344, "ni1\0", 4) == 0) {
            return sv_fail(SV_EUNSUPPORTED, "this is the header of a NIfTI .hdr/.img pair; the voxels are in a "
                                            "separate .img file, so open a single-file .nii or .nii.gz instead");
        } else {
            return sv_fail(SV_EUNSUPPORTED, "this is an Analyze 7.5 header or a NIfTI header with a wrong magic "
                                            "string; only single-file NIfTI (.nii, .nii.gz) is supported");
        }
        decode_n1(h, o->swap, o);
        *hdr_bytes = N1_HDR;
    } else if (le == N2_HDR || be == N2_HDR) {
        o->swap = (le != N2_HDR);
        if (got == N1_HDR) {
            st = sv_gz_read(gz, h + N1_HDR, N2_HDR - N1_HDR, &more);
            if (st != SV_OK) return st;
            got += more;
        }
        if (got < N2_HDR)
            return sv_fail(SV_EFORMAT, "the NIfTI-2 header is truncated: %zu of %d bytes", got, N2_HDR);
        if (memcmp(h + 4, "n+2\0\r\n\032\n", 8) == 0) {
            o->version = 2;
        } else if (memcmp(h + 4, "ni2\0", 4) == 0) {
            return sv_fail(SV_EUNSUPPORTED, "this is the header of a NIfTI-2 .hdr/.img pair; the voxels are in a "
                                            "separate .img file, so open a single-file .nii or .nii.gz instead");
        } else {
            return sv_fail(SV_EFORMAT, "wrong NIfTI-2 magic string: not a NIfTI file or a damaged one");
        }
        decode_n2(h, o->swap, o);
        *hdr_bytes = N2_HDR;
    } else {
        return sv_fail(SV_EFORMAT, "not a NIfTI file: the header size field is %lu, not 348 or 540%s",
                       (unsigned long)le, sv_gz_compressed(gz) ? "" : (filelen >= 2 && h[0] == 0x78 ? " (zlib data without a gzip wrapper?)" : ""));
    }
    o->meta.nifti_version = o->version;
    o->meta.byte_swapped = o->swap;
    o->meta.gzipped = sv_gz_compressed(gz);
    return SV_OK;
}

/* Deflate cannot expand data by more than 1032:1; a header that asks for more
 * voxel bytes than the compressed file could hold is lying or truncated. */
#define MAX_INFLATE_RATIO 1032u

sv_status sv_nifti_reader_open(const uint8_t *buf, size_t len, sv_nifti_reader **out)
{
    sv_nifti_reader *r = NULL;
    raw_hdr h;
    sv_status st;
    size_t hdr_bytes = 0, esz, nvox = 1, bytes, off, skipped, cap;
    int64_t frames = 1;
    int ndim, a, i;
    int32_t dims[3];

    *out = NULL;
    if (!buf && len) return sv_fail(SV_EINVAL, "no input buffer");
    r = (sv_nifti_reader *)SV_CALLOC(1, sizeof *r);
    if (!r) return sv_fail(SV_ENOMEM, "out of memory opening the reader");
    st = sv_gz_open(buf ? buf : (const uint8_t *)"", len, &r->gz);
    if (st != SV_OK) goto fail;
    st = read_header(r->gz, len, &h, &hdr_bytes);
    if (st != SV_OK) goto fail;
    r->swap = h.swap;

    /* dims */
    ndim = (int)h.dim[0];
    if (ndim < 1 || ndim > 7) {
        st = sv_fail(SV_EFORMAT, "dim[0] is %lld; NIfTI needs 1..7 dimensions", (long long)h.dim[0]);
        goto fail;
    }
    for (a = 1; a <= ndim; a++) {
        if (h.dim[a] <= 0) {
            st = sv_fail(SV_EFORMAT, "dimension %d has size %lld; every size must be at least 1", a, (long long)h.dim[a]);
            goto fail;
        }
        if (h.dim[a] > INT32_MAX) {
            st = sv_fail(SV_ERANGE, "dimension %d has size %lld, more than 2^31-1", a, (long long)h.dim[a]);
            goto fail;
        }
    }
    for (a = 0; a < 3; a++) dims[a] = (a + 1 <= ndim) ? (int32_t)h.dim[a + 1] : 1;
    for (a = 4; a <= ndim; a++) {
        if (frames > INT32_MAX / h.dim[a]) {
            st = sv_fail(SV_ERANGE, "the number of frames (dims 4 to %d) overflows", ndim);
            goto fail;
        }
        frames *= h.dim[a];
    }
    if (!dtype_supported(h.datatype)) {
        st = refuse_dtype(h.datatype);
        goto fail;
    }
    esz = sv_dtype_size((sv_dtype)h.datatype);
    for (a = 0; a < 3; a++) {
        if (!sv_mul_size(nvox, (size_t)dims[a], &nvox)) {
            st = sv_fail(SV_ERANGE, "the voxel count %ld x %ld x %ld overflows", (long)dims[0], (long)dims[1], (long)dims[2]);
            goto fail;
        }
    }
    if (!sv_mul_size(nvox, esz, &bytes)) {
        st = sv_fail(SV_ERANGE, "the voxel data size (%zu voxels of %zu bytes) overflows", nvox, esz);
        goto fail;
    }

    /* where the data starts */
    if (!isfinite(h.vox_offset) || h.vox_offset < 0 || h.vox_offset > 1e15) {
        st = sv_fail(SV_EFORMAT, "vox_offset %g is not a valid byte offset", h.vox_offset);
        goto fail;
    }
    off = (size_t)h.vox_offset;
    if (off < hdr_bytes + 4) off = hdr_bytes + 4; /* 0 in old writers means "right after the header" */
    if (!sv_gz_compressed(r->gz)) {
        if (off > len) {
            st = sv_fail(SV_EFORMAT, "vox_offset (%zu) points past the end of the file (%zu bytes)", off, len);
            goto fail;
        }
        if (bytes > len - off) {
            st = sv_fail(SV_EFORMAT, "the file is truncated: the header needs %zu bytes of voxel data after byte %zu, the file has %zu", bytes, off, len - off);
            goto fail;
        }
    } else {
        if (!sv_mul_size(len, MAX_INFLATE_RATIO, &cap)) cap = SIZE_MAX;
        if (bytes > cap || off > cap) {
            st = sv_fail(SV_EFORMAT, "the header asks for %zu bytes of voxel data, more than this %zu-byte gzip file can hold: it is truncated or the header is corrupt", bytes, len);
            goto fail;
        }
    }

    /* scaling: nibabel ignores a zero or non-finite slope */
    if (h.scl_slope == 0.0 || !isfinite(h.scl_slope)) {
        h.scl_slope = 1.0;
        h.scl_inter = 0.0;
    } else if (!isfinite(h.scl_inter)) {
        st = sv_fail(SV_EFORMAT, "scl_slope is valid but scl_inter is not a finite number");
        goto fail;
    }

    st = sv_volume_create(dims, (sv_dtype)h.datatype, &r->vol);
    if (st != SV_OK) goto fail;
    {
        sv_volume *v = r->vol;
        double pix[3];
        int64_t shape[3];
        int rr, c;
        v->frames = (int32_t)frames;
        v->scl_slope = h.scl_slope;
        v->scl_inter = h.scl_inter;
        v->meta = h.meta;
        /* NIfTI: qfac is -1 or 1; anything else (often 0) means 1 */
        v->meta.qfac = (h.pixdim[0] == -1.0) ? -1.0 : 1.0;
        v->meta.pixdim_t = h.pixdim[4];
        for (i = 0; i < 3; i++) {
            pix[i] = (i + 1 <= ndim) ? h.pixdim[i + 1] : 1.0;
            shape[i] = dims[i];
            v->spacing[i] = (isfinite(pix[i]) && pix[i] != 0.0) ? fabs(pix[i]) : 1.0;
        }
        qform_matrix(&v->meta, pix, v->meta.qform);
        for (rr = 0; rr < 4; rr++)
            for (c = 0; c < 4; c++) v->meta.sform[rr][c] = rr < 3 ? v->meta.srow[rr][c] : (c == 3);
        if (v->meta.sform_code > 0)
            memcpy(v->affine, v->meta.sform, sizeof v->affine);
        else if (v->meta.qform_code > 0)
            memcpy(v->affine, v->meta.qform, sizeof v->affine);
        else
            base_affine(shape, pix, v->affine);
    }

    /* skip extensions up to the data */
    st = sv_gz_skip(r->gz, off - hdr_bytes, &skipped);
    if (st != SV_OK) goto fail;
    if (skipped < off - hdr_bytes) {
        st = sv_fail(SV_EFORMAT, "the file ends before its voxel data starts (vox_offset %zu)", off);
        goto fail;
    }
    r->total = bytes;
    *out = r;
    return SV_OK;
fail:
    if (r) {
        sv_gz_close(r->gz);
        sv_volume_free(r->vol);
        SV_FREE(r);
    }
    return st;
}

sv_status sv_nifti_reader_step(sv_nifti_reader *r, size_t max_bytes)
{
    size_t want, got;
    sv_status st;
    if (r->failed != SV_OK) return r->failed;
    want = r->total - r->read;
    if (max_bytes && want > max_bytes) want = max_bytes;
    st = sv_gz_read(r->gz, (uint8_t *)r->vol->data + r->read, want, &got);
    r->read += got;
    if (st == SV_OK && got < want)
        st = sv_fail(SV_EFORMAT, "the file is truncated: it holds %zu of the %zu bytes of voxel data", r->read, r->total);
    if (st != SV_OK) r->failed = st;
    return st;
}

int sv_nifti_reader_done(const sv_nifti_reader *r) { return r->failed != SV_OK || r->read >= r->total; }

double sv_nifti_reader_progress(const sv_nifti_reader *r)
{
    return r->total ? (double)r->read / (double)r->total : 1.0;
}

sv_status sv_nifti_reader_finish(sv_nifti_reader *r, sv_volume **out)
{
    sv_status st;
    *out = NULL;
    if (!r) return sv_fail(SV_EINVAL, "no reader");
    st = r->failed;
    if (st == SV_OK && r->read < r->total) st = sv_nifti_reader_step(r, 0);
    if (st == SV_OK) {
        if (r->swap) swap_data(r->vol->data, r->vol->nvox, sv_dtype_size(r->vol->dtype));
        *out = r->vol;
        r->vol = NULL;
    }
    sv_gz_close(r->gz);
    sv_volume_free(r->vol);
    SV_FREE(r);
    return st;
}

sv_status sv_nifti_read(const uint8_t *buf, size_t len, sv_volume **out)
{
    sv_nifti_reader *r;
    sv_status st = sv_nifti_reader_open(buf, len, &r);
    *out = NULL;
    if (st != SV_OK) return st;
    return sv_nifti_reader_finish(r, out);
}

/* --- writer -------------------------------------------------------------- */

static void put_str(uint8_t *dst, const char *s, size_t n)
{
    size_t l = strlen(s);
    memcpy(dst, s, l < n ? l : n);
}

sv_status sv_nifti_write(const sv_volume *v, int gzip_level, uint8_t **out, size_t *outlen)
{
    const size_t off = 352;
    size_t esz = sv_dtype_size(v->dtype), bytes, total;
    uint8_t *file, *h;
    const sv_nifti_meta *m = &v->meta;
    int a, r, c;
    sv_status st = SV_OK;

    *out = NULL;
    *outlen = 0;
    if (esz == 0) return sv_fail(SV_EINVAL, "cannot write data type code %d", (int)v->dtype);
    if (gzip_level < 0 || gzip_level > 9) return sv_fail(SV_EINVAL, "gzip level %d is outside 0..9", gzip_level);
    for (a = 0; a < 3; a++)
        if (v->dim[a] < 1 || v->dim[a] > 32767)
            return sv_fail(SV_ERANGE, "dimension %d is %ld; NIfTI-1 stores 1..32767", a + 1, (long)v->dim[a]);
    if (!sv_mul_size(v->nvox, esz, &bytes) || !sv_add_size(bytes, off, &total))
        return sv_fail(SV_ERANGE, "the volume is too large to write");
    {
        /* NIfTI-1 stores these as 32-bit floats: a value (from a NIfTI-2 file)
         * beyond float range would turn into infinity, so refuse it instead */
        const double vals[] = {v->scl_slope, v->scl_inter, v->spacing[0], v->spacing[1], v->spacing[2],
                               m->quatern[0], m->quatern[1], m->quatern[2], m->qoffset[0], m->qoffset[1], m->qoffset[2],
                               m->srow[0][0], m->srow[0][1], m->srow[0][2], m->srow[0][3], m->srow[1][0], m->srow[1][1],
                               m->srow[1][2], m->srow[1][3], m->srow[2][0], m->srow[2][1], m->srow[2][2], m->srow[2][3],
                               m->cal_min, m->cal_max, m->toffset, m->slice_duration, m->pixdim_t,
                               m->intent_p[0], m->intent_p[1], m->intent_p[2]};
        static const char *names[] = {"scl_slope", "scl_inter", "the voxel size", "the voxel size", "the voxel size",
                                      "the qform", "the qform", "the qform", "the qform", "the qform", "the qform",
                                      "the sform", "the sform", "the sform", "the sform", "the sform", "the sform",
                                      "the sform", "the sform", "the sform", "the sform", "the sform", "the sform",
                                      "cal_min", "cal_max", "toffset", "slice_duration", "the frame duration",
                                      "intent_p1", "intent_p2", "intent_p3"};
        size_t k;
        for (k = 0; k < sizeof vals / sizeof vals[0]; k++)
            if (isfinite(vals[k]) && fabs(vals[k]) > FLT_MAX)
                return sv_fail(SV_ERANGE, "%s (%g) is too large for NIfTI-1's 32-bit header fields", names[k], vals[k]);
    }
    file = (uint8_t *)SV_CALLOC(1, total);
    if (!file) return sv_fail(SV_ENOMEM, "out of memory allocating %zu bytes for the NIfTI file", total);
    h = file;
    wr32(h + 0, 348);
    h[39] = (uint8_t)m->dim_info;
    wr16(h + 40, 3);
    for (a = 0; a < 3; a++) wr16(h + 42 + 2 * a, (uint16_t)v->dim[a]);
    for (a = 3; a < 7; a++) wr16(h + 42 + 2 * a, 1);
    for (a = 0; a < 3; a++) wrf32(h + 56 + 4 * a, m->intent_p[a]);
    wr16(h + 68, (uint16_t)m->intent_code);
    wr16(h + 70, (uint16_t)v->dtype);
    wr16(h + 72, (uint16_t)(esz * 8));
    wr16(h + 74, (uint16_t)m->slice_start);
    wrf32(h + 76, m->qfac < 0 ? -1.0 : 1.0);
    for (a = 0; a < 3; a++) wrf32(h + 80 + 4 * a, v->spacing[a]);
    for (a = 3; a < 7; a++) wrf32(h + 80 + 4 * a, a == 3 && m->pixdim_t > 0 ? m->pixdim_t : 1.0);
    wrf32(h + 108, (double)off);
    wrf32(h + 112, v->scl_slope);
    wrf32(h + 116, v->scl_inter);
    wr16(h + 120, (uint16_t)m->slice_end);
    h[122] = (uint8_t)m->slice_code;
    h[123] = (uint8_t)m->xyzt_units;
    wrf32(h + 124, m->cal_max);
    wrf32(h + 128, m->cal_min);
    wrf32(h + 132, m->slice_duration);
    wrf32(h + 136, m->toffset);
    put_str(h + 148, m->descrip, 80);
    wr16(h + 252, (uint16_t)m->qform_code);
    wr16(h + 254, (uint16_t)m->sform_code);
    for (a = 0; a < 3; a++) wrf32(h + 256 + 4 * a, m->quatern[a]);
    for (a = 0; a < 3; a++) wrf32(h + 268 + 4 * a, m->qoffset[a]);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 4; c++) wrf32(h + 280 + 16 * r + 4 * c, m->srow[r][c]);
    put_str(h + 328, m->intent_name, 16);
    memcpy(h + 344, "n+1\0", 4);
    /* bytes 348..351: no extensions */

    /* voxel data, little-endian */
    memcpy(file + off, v->data, bytes);
    {
        const uint16_t probe = 1;
        uint8_t first;
        memcpy(&first, &probe, 1);
        if (!first) swap_data(file + off, v->nvox, esz); /* big-endian host */
    }
    if (gzip_level == 0) {
        *out = file;
        *outlen = total;
        return SV_OK;
    }
    st = sv_gz_compress(file, total, gzip_level, out, outlen);
    SV_FREE(file);
    return st;
}
