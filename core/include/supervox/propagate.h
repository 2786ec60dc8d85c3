/* supervox/propagate.h — strokes propagated over supervoxels.
 *
 * A stroke (the contract of docs/design.md, "Strokes") is a path on one slice:
 * points in voxel coordinates, all on the slice across `axis`, joined, and
 * widened by `width` voxels in the slice plane. What it labels depends on the
 * mode:
 *   touch  every supervoxel the path touches (the Dash app's behaviour);
 *   paint  the structure the path is drawn in: the touched supervoxels, and
 *          from them as far over the supervoxel graph as the image's edges and
 *          the stroke's own intensities say (a marker competition, below);
 *   brush  only the touched voxels themselves;
 *   erase  the touched supervoxels' voxels holding `label` (any label if 0);
 *          while they stay cleared, later paint strokes of that label (of
 *          any, for 0) treat them as background markers: they do not flood
 *          back into what the user erased.
 * Background (supervoxel id 0) is never painted. Every stroke is one undo step.
 */
#ifndef SUPERVOX_PROPAGATE_H
#define SUPERVOX_PROPAGATE_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/history.h"
#include "supervox/supervoxels.h"
#include "supervox/volume.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The supervoxel adjacency graph with per-supervoxel statistics. */
typedef struct sv_sv_graph {
    uint32_t count;     /* supervoxels (ids 1..count; arrays have count + 1 entries) */
    double *mean;       /* mean scaled intensity */
    double *sd;         /* standard deviation of the scaled intensity */
    double *centroid;   /* 3 per id: mm along i, j, k (spacing applied, not the affine) */
    uint32_t *size;     /* voxels */
    uint32_t *adj_off;  /* count + 2: neighbours of s are adj[adj_off[s] .. adj_off[s+1]) */
    uint32_t *adj;      /* 6-adjacent supervoxel ids (background excluded), each pair both ways, in increasing id */
    double *adj_w;      /* per adj entry: the edge's weight |mean[s] - mean[adj]| */
    double side_mm;     /* the mean supervoxel's size: the side of a cube of its volume (mm) */
    double sd_median;   /* the median of sd over the supervoxels: how much intensity varies within a piece of tissue */
} sv_sv_graph;

/* Build the graph of a supervoxel map (labels, its index ix) over img.
 * *out caller-owned: sv_sv_graph_free. Returns SV_OK, SV_ENOMEM. */
sv_status sv_sv_graph_build(const sv_volume *img, const uint32_t *labels, const sv_sv_index *ix, sv_sv_graph **out);
void sv_sv_graph_free(sv_sv_graph *g);

/* Coarser granularity without recomputing: merge 6-adjacent supervoxels,
 * the cheapest pair first, until `target` groups remain (fewer only if the
 * graph has fewer connected pieces). A pair's price is Ward's over the
 * groups' mean intensities and centroids (the growth of their squared
 * deviation, intensity in units of the spread of supervoxel means, position
 * in supervoxel sides, weighted low): similar neighbours join first, and a
 * group grows dearer as it grows, so groups stay compact and of like size
 * instead of chaining through uniform tissue. map (count + 1 entries, caller-owned)
 * receives each supervoxel's group, 1..*groups in order of first member;
 * map[0] = 0 (background). Deterministic. Returns SV_OK, SV_EINVAL, SV_ENOMEM. */
sv_status sv_sv_merge(const sv_sv_graph *g, uint32_t target, uint32_t *map, uint32_t *groups);

/* Several levels in one pass, fine to coarse (targets non-increasing): maps[l]
 * and groups[l] as sv_sv_merge would give for targets[l] — each level goes on
 * from the one before, which makes the same merges as starting afresh. */
sv_status sv_sv_merge_levels(const sv_sv_graph *g, const uint32_t *targets, int nlevels, uint32_t *const *maps, uint32_t *groups);

typedef enum sv_stroke_mode { SV_STROKE_PAINT = 0, SV_STROKE_TOUCH, SV_STROKE_BRUSH, SV_STROKE_ERASE } sv_stroke_mode;

typedef struct sv_stroke {
    int axis;              /* the voxel axis the slice is taken across: 0, 1, 2 */
    uint8_t label;         /* 1..255 (erase: 0 = any label) */
    sv_stroke_mode mode;
    double width;          /* path width in voxels, >= 1 */
    const double *points;  /* npoints x (i, j, k), borrowed */
    size_t npoints;        /* >= 1 */
    int only_unlabelled;   /* paint/touch/brush: leave voxels that hold another label alone */
} sv_stroke;

/* How far `paint` spreads (core/src/propagate.c says why, with numbers).
 * The stroke's supervoxels are object markers; supervoxels whose mean
 * intensity is outside mean +- k sd of the stroke's voxels, or whose
 * centroid lies farther from the stroke than reach x (stroke length +
 * width), are background markers. A first flood (a watershed on the graph,
 * the beyond-reach markers held back) fills what intensity edges enclose
 * within reach; a label walled in by strong edges tries longer reaches while
 * its walls hold. If the reach, not an edge, cuts more than `enclosed` of
 * its frontier, a second flood decides: every supervoxel goes to the marker
 * with the cheapest path (the sum of its intensity steps in sd, plus a
 * constant per step), the beyond-reach markers competing, and, where no
 * strong edges wall the label in, supervoxels well outside the strokes'
 * envelope too. With a kept workspace (sv_segmenter.ws), a paint stroke
 * competes together with the earlier paint strokes of its label that still
 * stand (and the box spanned by their points is in reach); those of other
 * labels, and erase strokes that still stand, are background markers. */
typedef struct sv_paint_params {
    double k_sd;     /* default 2.5 */
    double reach;    /* default 1.0 */
    double enclosed; /* default 0.1: the label first fills what edges enclose within reach; if more
                        than this share of its frontier is cut by the reach instead, the
                        beyond-reach markers compete too (it stops about halfway) */
} sv_paint_params;
void sv_paint_params_default(sv_paint_params *p);

/* Scratch for strokes, sized once for a supervoxel count and kept between
 * strokes so that applying one allocates nothing (its buffers only grow when a
 * stroke touches more voxels than any before). Not shared between threads. */
typedef struct sv_stroke_ws sv_stroke_ws;
sv_status sv_stroke_ws_create(uint32_t count, sv_stroke_ws **out);
void sv_stroke_ws_free(sv_stroke_ws *ws);

/* What propagation needs, all borrowed. */
typedef struct sv_segmenter {
    const sv_volume *image;
    const uint32_t *labels;   /* supervoxel map, image->nvox entries */
    const sv_sv_index *index;
    const sv_sv_graph *graph;
    const uint32_t *level;    /* NULL, or a merge map (sv_sv_merge): strokes take whole groups */
    uint32_t level_groups;    /* groups in `level` */
    sv_paint_params paint;
    sv_stroke_ws *ws;         /* NULL: each stroke makes (and frees) its own scratch */
} sv_segmenter;

/* Apply a stroke to `layer` (uint8, on the image's grid) as one undo step in h.
 * *res (may be NULL) gets the voxels changed and their box. A path partly off
 * the volume is clipped to it.
 * Returns SV_OK, SV_EINVAL (stroke out of range, points off the slice, a path
 * that misses the volume, a step already open), SV_ENOMEM. */
sv_status sv_propagate(sv_history *h, sv_volume *layer, const sv_segmenter *s, const sv_stroke *st, sv_edit_result *res);

/* What sv_propagate would do with the stroke, without doing it (a stroke's
 * preview while it is drawn): out[id] (graph count + 1 bytes) = 1 for each
 * supervoxel whose voxels it would set (paint: the structure it decides on;
 * touch, erase, brush: the touched supervoxels, whole groups at a coarser
 * level), 0 otherwise; out[0] = 0. Nothing is remembered or changed, the
 * layer included (it is read: earlier strokes that still stand join in).
 * Same cost as the stroke's decision. Returns as sv_propagate. */
sv_status sv_propagate_preview(const sv_volume *layer, const sv_segmenter *s, const sv_stroke *st, uint8_t *out);

#ifdef __cplusplus
}
#endif

#endif
