/* supervox/pngstack.h — a volume from a stack of greyscale PNG slices in memory.
 *
 * Each file is one slice (decoded by sv_png_read_gray: 8- or 16-bit grey,
 * values exact). Files are stacked in natural order of their names
 * (sv_natural_compare: slice_2 before slice_10), whatever order they come in.
 *
 * Orientation (the convention of ../shared/data/png_stack/ * /README.json, and
 * of a slice viewed upright): PNG column x = voxel i; PNG row y = voxel
 * j = height - 1 - y (row 0, the top, is the largest j); file index = k. The
 * affine is diag(spacing) with the origin at voxel (0, 0, 0) (sform and qform
 * code 2, "aligned"): a PNG stack carries no patient orientation.
 * Values: stored as uint8 or uint16 as in the files, with the caller's
 * slope/intercept as scl_slope/scl_inter (value = stored * slope + intercept).
 *
 * MEMORY: the volume plus one decoded slice at a time.
 */
#ifndef SUPERVOX_PNGSTACK_H
#define SUPERVOX_PNGSTACK_H

#include <stddef.h>

#include "supervox/files.h"
#include "supervox/status.h"
#include "supervox/volume.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_png_stack_params {
    double spacing[3];  /* mm along i (columns), j (rows), k (files); each finite and > 0 */
    double slope;       /* value = stored * slope + intercept; finite, non-zero */
    double intercept;   /* finite */
} sv_png_stack_params;

/* Defaults: 1 mm spacing on every axis, slope 1, intercept 0. */
void sv_png_stack_params_default(sv_png_stack_params *p);

/* Build a volume from files[0..n) (borrowed; names used for order and
 * messages). p may be NULL for the defaults. Every slice must have the size
 * and bit depth of the first (in name order). *out is caller-owned
 * (sv_volume_free). Returns SV_OK, SV_EINVAL (n is 0, bad parameters, slices
 * that differ in size or depth: the message names both files), SV_EFORMAT (a
 * file is not a PNG or is damaged: named), SV_EUNSUPPORTED (a colour or alpha
 * PNG: named), SV_ERANGE, SV_ENOMEM. */
sv_status sv_png_stack_read(const sv_file *files, size_t n, const sv_png_stack_params *p, sv_volume **out);

#ifdef __cplusplus
}
#endif

#endif
