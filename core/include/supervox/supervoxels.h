/* supervox/supervoxels.h — 3D supervoxels (SNIC) and the index from each
 * supervoxel to its voxels.
 *
 * A supervoxel map gives each voxel an id: 0 for background (voxels below
 * the intensity threshold, which no supervoxel contains and no stroke paints),
 * 1..count for supervoxels. Every supervoxel is one 6-connected piece, and the
 * same input and parameters always give the same map.
 */
#ifndef SUPERVOX_SUPERVOXELS_H
#define SUPERVOX_SUPERVOXELS_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/status.h"
#include "supervox/volume.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_sv_params {
    int target_count;   /* supervoxels wanted over the foreground (> 0), or 0 to use size_mm */
    double size_mm;     /* edge of a supervoxel's seed cell in mm, used when target_count is 0 */
    double compactness; /* skimage slic's compactness on intensities normalised to [0, 1]
                           (0.1 in the Dash app; larger = more regular shapes) */
    double threshold;   /* voxels whose scaled value is below this are background; -HUGE_VAL for none */
} sv_sv_params;

/* Defaults: 20 000 supervoxels, compactness 0.1, no background. */
void sv_sv_params_default(sv_sv_params *p);

/* The background an image marks itself: its lowest value when at least 5% of
 * its voxels hold exactly that value (the zeros around a skull-stripped or
 * padded brain, the padding outside a CT's field of view), else none.
 * *threshold receives a threshold for sv_sv_params (below it: exactly the
 * voxels at the minimum) or -HUGE_VAL, and *share their share of the volume
 * (0 when none). What the CLI and the app use unless told a number or none.
 * Two passes over the volume; no scratch beyond a count per 2^20 voxels. */
sv_status sv_auto_threshold(const sv_volume *img, double *threshold, double *share);

/* A progress callback: fraction 0..1; return non-zero to cancel. May be NULL. */
typedef int (*sv_progress_fn)(void *ctx, double fraction);

/* Compute supervoxels of img. *labels (nvox uint32, caller-owned: sv_free)
 * receives the map and *count the number of supervoxels.
 * ALGORITHM: SNIC (Achanta & Susstrunk, CVPR 2017) in 3D, in millimetres,
 * grown tile by tile (32^3 voxels) in distance bands so that the work stays
 * in cache; see snic.c. Scratch: 8 bytes per voxel while running, turned in
 * place into the map; O(n) time.
 * Returns SV_OK, SV_EINVAL (parameters), SV_ENOMEM, SV_ERANGE (more than
 * 2^31 - 2 supervoxels), SV_ECANCELLED. */
sv_status sv_supervoxels(const sv_volume *img, const sv_sv_params *p, sv_progress_fn progress, void *ctx,
                         uint32_t **labels, uint32_t *count);

/* The index from supervoxel id to its voxels: the voxels of id s are
 * voxels[offsets[s] .. offsets[s+1]) in increasing order (s = 0 is the
 * background). Built in one counting pass. */
typedef struct sv_sv_index {
    uint32_t count;    /* supervoxels (ids 1..count) */
    uint32_t *offsets; /* count + 2 entries */
    uint32_t *voxels;  /* nvox entries: linear voxel indices */
} sv_sv_index;

/* Build the index of a map of nvox voxels with ids <= count. *out is
 * caller-owned: free with sv_sv_index_free(). Returns SV_OK, SV_EINVAL (an id
 * above count, more than 2^32 voxels), SV_ENOMEM. */
sv_status sv_sv_index_build(const uint32_t *labels, size_t nvox, uint32_t count, sv_sv_index **out);

/* Free an index. NULL is fine. */
void sv_sv_index_free(sv_sv_index *ix);

#ifdef __cplusplus
}
#endif

#endif
