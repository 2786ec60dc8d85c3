/* supervox/brush.h — the round 2D brush and eraser of the slice views.
 *
 * A brush stroke is a path on one slice (across voxel axis `axis`); every
 * voxel of that slice whose centre lies within radius_mm (measured in mm, so
 * the disc stays round on anisotropic voxels) of the path segment is touched,
 * and so are the voxels under the segment's two ends (a brush smaller than a
 * voxel still paints the voxel under the cursor). Writes go through the undo
 * history's open step, so a whole stroke is one undo step.
 */
#ifndef SUPERVOX_BRUSH_H
#define SUPERVOX_BRUSH_H

#include "supervox/history.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sv_brush_mode {
    SV_BRUSH_PAINT = 0, /* set touched voxels to value */
    SV_BRUSH_ERASE = 1  /* set touched voxels holding value (any label if value is 0) to 0 */
} sv_brush_mode;

typedef struct sv_brush {
    int axis;             /* the voxel axis the slice is taken across: 0, 1 or 2 */
    double radius_mm;     /* >= 0 */
    uint8_t value;        /* the label painted, or erased */
    sv_brush_mode mode;
    int only_unlabelled;  /* paint: leave voxels that already hold a label alone */
} sv_brush;

/* Apply one segment p0 -> p1 (voxel coordinates, i j k, floats; voxel n spans
 * n-0.5 .. n+0.5) to the layer of the history's open step. The slice is
 * round(p0[axis]); points outside the volume are clipped. *res gets the
 * number of voxels changed and their box. Allocates nothing once the
 * history's recording buffer has grown.
 * Returns SV_OK, SV_EINVAL (no open step, bad axis or radius), SV_ENOMEM. */
sv_status sv_brush_segment(sv_history *h, const sv_brush *b, const double p0[3], const double p1[3], sv_edit_result *res);

#ifdef __cplusplus
}
#endif

#endif
