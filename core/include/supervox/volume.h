/* supervox/volume.h — the one volume type every loader converts into.
 *
 * A volume is a 3D grid of scalar voxels with NIfTI meaning: i (x) varies
 * fastest, then j, then k; the voxel-to-world matrix maps (i, j, k, 1) to RAS+
 * millimetres. Values are kept in their stored type (so a CT stays 2 bytes per
 * voxel) with the file's linear scaling; sv_volume_get() returns the scaled value.
 *
 * MEMORY: nvox * sv_dtype_size(dtype) bytes for the data, plus ~1 KB.
 */
#ifndef SUPERVOX_VOLUME_H
#define SUPERVOX_VOLUME_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stored data types; the values are NIfTI's datatype codes. */
typedef enum sv_dtype {
    SV_DT_UINT8 = 2,
    SV_DT_INT16 = 4,
    SV_DT_INT32 = 8,
    SV_DT_FLOAT32 = 16,
    SV_DT_FLOAT64 = 64,
    SV_DT_INT8 = 256,
    SV_DT_UINT16 = 512,
    SV_DT_UINT32 = 768
} sv_dtype;

/* NIfTI intent code for a label map. */
#define SV_INTENT_LABEL 1002

/* Header fields kept so that a file we read is written back faithfully.
 * Matrices are exactly as stored (float in NIfTI-1, double in NIfTI-2). */
typedef struct sv_nifti_meta {
    int qform_code, sform_code;  /* 0 = unset; 1..4 = scanner, aligned, talairach, mni */
    double quatern[3];           /* quatern_b, c, d */
    double qoffset[3];           /* mm */
    double qfac;                 /* pixdim[0]: -1 or 1 */
    double srow[3][4];           /* sform rows, mm */
    double qform[4][4];          /* the qform as a matrix (derived; identity if unset) */
    double sform[4][4];          /* the sform as a matrix (identity if unset) */
    int xyzt_units;              /* NIfTI units byte: spatial | temporal */
    int intent_code;             /* e.g. SV_INTENT_LABEL */
    double intent_p[3];
    char intent_name[17];
    char descrip[81];
    double cal_min, cal_max;
    double pixdim_t;             /* pixdim[4]: frame duration, kept for 4D inputs */
    double toffset;
    int dim_info, slice_code, slice_start, slice_end;
    double slice_duration;
    int nifti_version;           /* 1 or 2 for files we read; 1 for volumes we made */
    int byte_swapped;            /* the file was big-endian */
    int gzipped;                 /* the file was gzip-compressed */
} sv_nifti_meta;

typedef struct sv_volume {
    int32_t dim[3];          /* voxels along i, j, k; each >= 1 */
    int32_t frames;          /* frames in the file (product of dims 4..7); only the first is loaded */
    size_t nvox;             /* dim[0] * dim[1] * dim[2] */
    sv_dtype dtype;          /* stored type of data[] */
    void *data;              /* nvox values, host byte order; owned by the volume */
    double spacing[3];       /* voxel size in mm along i, j, k (positive) */
    double affine[4][4];     /* voxel -> world (RAS+ mm): sform, else qform, else spacing (as nibabel) */
    double scl_slope;        /* value = stored * scl_slope + scl_inter; 1 and 0 when the file had none */
    double scl_inter;
    sv_nifti_meta meta;
} sv_volume;

/* Bytes per voxel of a type; 0 if the type is not one of sv_dtype. */
size_t sv_dtype_size(sv_dtype dt);

/* Short lower-case name ("uint8", "int16", "float32", ...); "unknown" otherwise. */
const char *sv_dtype_name(sv_dtype dt);

/* Create a zero-filled volume of the given dims (each 1..2^31-1) and type, with
 * 1 mm spacing and an identity-scaled affine (diag(1,1,1), origin 0).
 * *out is caller-owned: free with sv_volume_free().
 * Returns SV_OK, SV_EINVAL (bad dims/type), SV_ERANGE (size overflows), SV_ENOMEM. */
sv_status sv_volume_create(const int32_t dim[3], sv_dtype dtype, sv_volume **out);

/* Create a zero-filled volume on the same grid as src (dims, spacing, affine,
 * sform/qform, units) but of another type, with no scaling and no intent.
 * Use it for label maps (SV_DT_UINT8, then set meta.intent_code). */
sv_status sv_volume_create_like(const sv_volume *src, sv_dtype dtype, sv_volume **out);

/* Make a label map from a segmentation volume: a uint8 volume on src's grid
 * (sv_volume_create_like) with intent_code SV_INTENT_LABEL, whose voxels are
 * src's scaled values. Every value must be an integer in 0..255, else
 * SV_ERANGE names the first offending voxel. *out is caller-owned. */
sv_status sv_volume_to_labels(const sv_volume *src, sv_volume **out);

/* How the voxels of one grid (the source, e.g. a label map) land on another
 * (the image's) when the two differ only in axis order and direction: the
 * source voxel with index x[0..2] is the image voxel whose index along image
 * axis r is  offset[r] + sign[r] * x[perm[r]].  (A label map stored LAS onto an
 * LPS-derived image: perm = {0, 1, 2}, sign = {1, -1, 1}, offset = {0, ny-1, 0}.) */
typedef struct sv_grid_map {
    int perm[3];       /* the source axis (0..2) that runs along image axis r; a permutation */
    int sign[3];       /* +1, or -1 where that source axis runs against image axis r */
    int32_t offset[3]; /* image index of source index 0 along image axis r: 0, or dim - 1 when flipped */
    double error_mm;   /* the largest distance between matched voxel centres (measured at the 8 corners) */
} sv_grid_map;

/* Find how src's grid maps onto image's: the signed permutation of the voxel
 * axes (one of 48) for which every voxel centre of src lies within tol_mm of
 * the image voxel centre it maps to, and whose permuted dims equal the image's.
 * No interpolation is ever implied: the mapping is exact, voxel for voxel.
 * ALGORITHM: each image axis is paired with the source axis whose direction is
 * closest (the best of the 6 pairings by summed |cosine|), flipped where they
 * point apart; the two voxel-to-world matrices are then compared at the 8
 * corners of src (the distance is affine in the index, so its maximum over the
 * grid is at a corner). O(1). Both volumes are borrowed and unchanged; *map is
 * filled on SV_OK. Returns SV_OK, or SV_EINVAL with a message saying how the
 * grids differ (sizes, voxel sizes, axes turned by an angle, or a shift in mm
 * and in image voxels), e.g. "the volume's grid does not match the image's:
 * voxel size 1 x 1 x 2 mm vs 0.98 x 0.98 x 3 mm". tol_mm must be >= 0. */
sv_status sv_volume_match_grid(const sv_volume *image, const sv_volume *src, double tol_mm, sv_grid_map *map);

/* src's voxels reoriented onto image's grid (sv_volume_match_grid, 1e-3 mm):
 * a new volume with image's dims and exact geometry (affine, sform/qform,
 * spacing) holding src's stored values, type and scaling (and its intent and
 * description), each moved to the image voxel at the same world position.
 * Never interpolates. O(nvox), one pass in src's memory order. *out is
 * caller-owned (sv_volume_free). Returns SV_OK, SV_EINVAL (the grids differ;
 * the message says how), SV_ERANGE, SV_ENOMEM. */
sv_status sv_volume_reorient_onto(const sv_volume *image, const sv_volume *src, sv_volume **out);

/* A label map for `image` from a segmentation read from a file: seg's grid
 * must match the image's up to axis order and direction (as
 * sv_volume_reorient_onto, 1e-3 mm), and every value be a whole number
 * 0..255 (as sv_volume_to_labels; the message names the offending voxel by
 * seg's own indices). The result is a uint8 label map on image's exact grid
 * with intent_code SV_INTENT_LABEL, each label at the world position it had
 * in seg. O(nvox), one pass (unscaled uint8: a byte move per voxel, whole
 * rows when the i axis is kept). *out is caller-owned. Returns SV_OK, SV_EINVAL
 * (the grids differ; the message says how), SV_ERANGE, SV_ENOMEM. */
sv_status sv_volume_labels_for(const sv_volume *image, const sv_volume *seg, sv_volume **out);

/* Free a volume and its data. NULL is fine. */
void sv_volume_free(sv_volume *v);

/* The scaled value of voxel at linear index idx (< nvox). No bounds check. */
double sv_volume_get(const sv_volume *v, size_t idx);

/* Set the affine (and matching sform + qform fields, codes set to `code`,
 * spacing re-derived from the column norms) from a voxel->world matrix given
 * as 16 doubles, row-major (borrowed). */
void sv_volume_set_affine(sv_volume *v, const double *affine16, int code);

/* Summary statistics of the scaled values, in one pass. */
typedef struct sv_volume_stats {
    double min, max, mean;
    double sum, sumsq;  /* sum of values and of their squares */
    double wsum;        /* sum of value * (1 + idx % 1021): a checksum sensitive to voxel order */
} sv_volume_stats;
void sv_volume_stats_compute(const sv_volume *v, sv_volume_stats *out);

/* What the viewer needs to know of the intensities, from one pass. */
#define SV_SUMMARY_BINS 256
typedef struct sv_volume_summary {
    double min, max, mean;               /* scaled values */
    uint32_t hist[SV_SUMMARY_BINS];      /* counts in equal bins over [min, max] (saturating) */
} sv_volume_summary;

/* Summarise the scaled values (NaNs ignored): min, max, mean, a 256-bin
 * histogram, and for each pcts[i] in 0..100 the value pct_out[i] below which
 * that share of voxels lies. 8- and 16-bit data (and 32-bit integers with a
 * range under 65536) are exact and take one pass of one increment per voxel;
 * other data use 65536 bins between min and max (error < range/65536).
 * MEMORY: 512 KB of scratch. Returns SV_OK, SV_EINVAL (a percentile outside
 * 0..100), SV_ENOMEM. */
sv_status sv_volume_summarize(const sv_volume *v, const double *pcts, int npcts, double *pct_out, sv_volume_summary *out);

/* 1 if a and b share a grid: equal dims and voxel-to-world matrices equal to
 * within tol_mm on every element (so a label map lines up with its image). */
int sv_volume_same_grid(const sv_volume *a, const sv_volume *b, double tol_mm);

/* Format a JSON description of the volume (dims, frames, spacing, datatype,
 * scaling, affine, sform/qform with codes, units, intent, byte order,
 * compression) into buf (capacity cap, NUL-terminated). If stats is non-NULL
 * a "stats" object is added. Returns the length it needed (excluding NUL), like
 * snprintf; the output is truncated if that is >= cap. */
size_t sv_volume_info_json(const sv_volume *v, const sv_volume_stats *stats, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
