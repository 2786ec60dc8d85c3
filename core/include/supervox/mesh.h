/* supervox/mesh.h — surface meshes of labels: marching cubes, a block-cached
 * mesher for live updates, Taubin smoothing, decimation, measures, STL/OBJ.
 *
 * A mesh is an indexed triangle mesh in WORLD millimetres (the label map's
 * voxel-to-world matrix applied, so anisotropic, oblique and mirrored grids
 * come out right). Every mesh the core makes is closed: each edge is shared by
 * exactly two triangles that run it in opposite directions, and triangles are
 * counter-clockwise seen from outside the label (normals point outward, also
 * when the matrix mirrors). Voxels outside the grid count as background, so a
 * label that touches the border is closed along the border.
 *
 * ALGORITHM (extraction): marching cubes over the label's indicator (1 inside,
 * 0 outside) at iso 0.5, so every vertex sits at the midpoint of a grid edge
 * whose two voxels differ (as skimage.measure.marching_cubes(mask, 0.5)). The
 * case table is built from the cube faces: on each face the crossing points
 * are joined by segments, an ambiguous face (two diagonal corners inside)
 * always joining its inside corners (as skimage does on such ties); the
 * segments of a cube close into loops that are triangulated inside the cube.
 * A face's segments depend only on its four corners, so the two cubes that
 * share it agree, and the surface is watertight and 2-manifold by
 * construction (no hole on ambiguous faces, as the classic Lorensen table
 * leaves). The table is built at first use (microseconds; like the rest of the
 * core, one thread at a time). Areas agree with skimage's to 0.001% on
 * voxelised spheres, within 1.6% on every brain label over 1000 voxels.
 * PERFORMANCE: about 1 ns per voxel to find the blocks holding the label, then
 * ~40 ns per triangle made (marching cubes, stitching, normals): the cortex of
 * the demo brain, 500k triangles, in ~25-35 ms native or in wasm (5-7x faster
 * than skimage); a label in a 256^3 map in 30-45 ms, 10-12x faster.
 */
#ifndef SUPERVOX_MESH_H
#define SUPERVOX_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/history.h"
#include "supervox/status.h"
#include "supervox/supervoxels.h"
#include "supervox/volume.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_mesh {
    uint32_t nvert;  /* vertices */
    uint32_t ntri;   /* triangles */
    float *pos;      /* nvert * 3: x, y, z in world mm (RAS+) */
    float *normal;   /* nvert * 3: unit vertex normals, pointing out of the label */
    uint32_t *tri;   /* ntri * 3: vertex indices, counter-clockwise seen from outside */
} sv_mesh;

typedef struct sv_mesh_params {
    int smooth_iterations;   /* Taubin passes (one lambda and one mu step each); 0 = raw marching cubes */
    double smooth_lambda;    /* shrink factor of a pass, 0 < lambda < 1 */
    double smooth_mu;        /* inflate factor, -1 < mu < -lambda (Taubin: 1/lambda + 1/mu ~ 0.1) */
    uint32_t max_triangles;  /* decimate to at most this many triangles; 0 = keep all */
} sv_mesh_params;

/* Defaults: 12 Taubin passes, lambda 0.6307, mu -0.6732 (Taubin's values,
 * pass band 0.1), no decimation. On a voxelised sphere of radius 20 mm the area
 * comes within 0.7% (1 mm voxels) and 2% (0.8 x 0.8 x 2 mm) of 4 pi r^2, where
 * raw marching cubes is 9% and 15% over (the staircase), and the volume stays
 * within 0.1%. */
void sv_mesh_params_default(sv_mesh_params *p);

/* Free a mesh and its arrays. NULL is fine. */
void sv_mesh_free(sv_mesh *m);

/* Mesh one label of a label map in one call (a mesher made, built, freed).
 * labels: a uint8 label map (borrowed, not modified); label: 1..255 (0, the
 * background, is refused); p: NULL for sv_mesh_params_default; progress: may
 * be NULL, called with 0..1, non-zero return cancels. *out is caller-owned
 * (sv_mesh_free); a label absent from the map gives an empty mesh and SV_OK.
 * Returns SV_OK, SV_EINVAL (not uint8, label 0, bad parameters), SV_ERANGE
 * (more than 2^32 - 1 vertices or triangles), SV_ENOMEM, SV_ECANCELLED. */
sv_status sv_mesh_extract(const sv_volume *labels, uint8_t label, const sv_mesh_params *p, sv_progress_fn progress,
                          void *ctx, sv_mesh **out);

/* --- the block-cached mesher, for live updates --------------------------
 *
 * The grid of marching cubes is cut into blocks of 32^3 cubes; each block's
 * triangles are cached per label. An edit reports its box to
 * sv_mesher_invalidate, which marks the blocks whose cubes touch it; the next
 * sv_mesher_build re-meshes only those blocks (for the label asked) and
 * stitches all blocks into one mesh. Vertices on block faces are welded by
 * their grid edge, so the stitched mesh is the one a full re-mesh gives: the
 * same vertices, the same triangles, in the same order.
 * MEMORY: 40 bytes per block and ~450 KB of scratch (plus 4 bytes per vertex
 * of the largest block, and 8.7 KB per block face table while stitching: 1 +
 * nb[0] + nb[0] * nb[1] tables for nb blocks per axis, 0.8 MB at 256^3), and per
 * label built ~14-28 bytes per triangle cached (kept until sv_mesher_forget
 * or sv_mesher_free).
 * PERFORMANCE: a build re-reads the changed blocks (about 1 ns per voxel),
 * runs marching cubes on those that hold the label, and stitches every block
 * (~25 ns per triangle of the whole mesh, with its normals), then smooths
 * (~25 ns per vertex per pass) and decimates if asked. After a 10 mm ball is
 * painted on a 500k-triangle label at 256^3 the raw re-mesh takes ~20 ms, the
 * default smoothing adds ~100 ms: smoothing is global, so for updates at
 * stroke rate build with few or no passes and smooth when the user pauses. */
typedef struct sv_mesher sv_mesher;

/* Make a mesher over a uint8 label map (borrowed: it must outlive the mesher,
 * keep its dims, and every change to it must be reported with
 * sv_mesher_invalidate). *out is caller-owned: sv_mesher_free.
 * Returns SV_OK, SV_EINVAL (not uint8), SV_ERANGE (dims too large), SV_ENOMEM. */
sv_status sv_mesher_create(const sv_volume *labels, sv_mesher **out);

/* Free a mesher and its caches (not the label map). NULL is fine. */
void sv_mesher_free(sv_mesher *m);

/* Voxels inside box (voxel indices, lo inclusive, hi exclusive, as an edit's
 * sv_edit_result.box) changed: their blocks are re-meshed on the next build.
 * The box is clipped to the grid; an empty box does nothing. Cheap: O(blocks
 * touched). */
void sv_mesher_invalidate(sv_mesher *m, const sv_box *box);

/* Everything may have changed (a new layer loaded into the same volume, an undo
 * whose box is unknown). */
void sv_mesher_invalidate_all(sv_mesher *m);

/* Build the mesh of one label (1..255) from the cache, re-meshing dirty blocks.
 * p, progress, ctx and *out as in sv_mesh_extract. A cancelled build leaves the
 * cache valid (the blocks already re-meshed are kept). */
sv_status sv_mesher_build(sv_mesher *m, uint8_t label, const sv_mesh_params *p, sv_progress_fn progress, void *ctx,
                          sv_mesh **out);

/* Which labels (1..255) the layer holds, as bits of set[4] (label L: bit
 * L & 63 of set[L >> 6]). changed_only = 0: every label present;
 * changed_only = 1: the labels whose mesh the next build would change — a
 * label present that was never built, or one that a block invalidated since
 * its last build holds now or held before (so an erased label is listed). It
 * scans the invalidated blocks' voxels (and every block the first time). */
void sv_mesher_labels(sv_mesher *m, int changed_only, uint64_t set[4]);

/* Drop the cached triangles of one label (to save memory when it is hidden). */
void sv_mesher_forget(sv_mesher *m, uint8_t label);

/* Bytes the mesher holds: scratch, block tables and cached triangles. */
size_t sv_mesher_bytes(const sv_mesher *m);

/* --- post-processing (in place; both keep the mesh closed) ---------------- */

/* Taubin lambda/mu smoothing (G. Taubin, "A signal processing approach to fair
 * surface design", SIGGRAPH 1995) with the uniform umbrella operator: per pass
 * p += lambda * L(p), then p += mu * L(p). Unlike plain Laplacian smoothing it
 * does not shrink the surface. Normals are recomputed. Each vertex reads its
 * neighbours from 8 fixed slots (padded with itself), so the loop never
 * mispredicts; natively (SSE2) a vertex moves as one 4-float vector (the same
 * bits as the scalar code wasm runs); ~8-15 ns per vertex per pass.
 * MEMORY: ~84 bytes per vertex (76 in wasm) + 12 per triangle while it runs.
 * Returns SV_OK, SV_EINVAL (bad parameters), SV_ENOMEM, SV_ECANCELLED (the
 * positions are then part-smoothed, the normals not updated). */
sv_status sv_mesh_smooth(sv_mesh *m, int iterations, double lambda, double mu, sv_progress_fn progress, void *ctx);

/* Decimate m (a closed mesh with valid indices, as the core makes them) to at
 * most max_triangles by quadric-error edge collapse (M.
 * Garland, P. Heckbert, "Surface simplification using quadric error metrics",
 * SIGGRAPH 1997). A collapse is refused if it would break the 2-manifold (the
 * link condition), leave a vertex of fewer than 3 neighbours, flip or
 * flatten a triangle, so the result stays closed and every component keeps at
 * least a tetrahedron; a budget below that is met as closely as it allows.
 * Vertices are renumbered and normals recomputed.
 * MEMORY: ~160 bytes per triangle while it runs.
 * PERFORMANCE: O(t log t) for t triangles; ~4 us per collapse (a 500k-triangle
 * cortex to 50k in ~2 s: an export step, not a live one).
 * Returns SV_OK, SV_ENOMEM, SV_ECANCELLED (then the mesh is unchanged). */
sv_status sv_mesh_decimate(sv_mesh *m, uint32_t max_triangles, sv_progress_fn progress, void *ctx);

/* Recompute vertex normals: the area-weighted mean of the incident triangles'
 * normals, normalised. */
void sv_mesh_compute_normals(sv_mesh *m);

/* --- measures ------------------------------------------------------------- */

/* Surface area in mm^2: the sum of the triangle areas. */
double sv_mesh_area(const sv_mesh *m);

/* Enclosed volume in mm^3 by the divergence theorem: the sum over triangles of
 * p0 . (p1 x p2) / 6. Positive for a closed mesh wound outward. */
double sv_mesh_volume(const sv_mesh *m);

/* Closedness: *bad receives the number of directed triangle edges a->b that
 * are not matched by exactly one b->a (and used exactly once), plus the number
 * of triangles with a repeated vertex; 0 means every edge is shared by exactly
 * two triangles with opposite orientation. An empty mesh is closed.
 * MEMORY: 8 bytes per triangle edge while it runs.
 * Returns SV_OK, SV_ENOMEM. */
sv_status sv_mesh_check_closed(const sv_mesh *m, size_t *bad);

/* --- writers: into a memory buffer (the browser downloads it) -------------- */

/* Binary STL of n meshes (borrowed; NULL entries and empty meshes are
 * skipped), their triangles concatenated: an 80-byte header, the count, and
 * per triangle its unit normal and three vertices (float32 little-endian, mm).
 * *out is caller-owned (sv_free), *len its size.
 * Returns SV_OK, SV_ERANGE (2^32 triangles or more), SV_ENOMEM. */
sv_status sv_mesh_write_stl(const sv_mesh *const *meshes, size_t n, uint8_t **out, size_t *len);

/* Wavefront OBJ text of n meshes: per mesh an object line "o NAME" (names[i],
 * or "mesh_<i>" if names or names[i] is NULL; spaces replaced), its "v x y z"
 * and "vn x y z" lines and "f a//a b//b c//c" faces (1-based, numbered across
 * the whole file). *out is caller-owned (sv_free), NUL-terminated; *len
 * excludes the NUL. Returns SV_OK, SV_ENOMEM. */
sv_status sv_mesh_write_obj(const sv_mesh *const *meshes, const char *const *names, size_t n, uint8_t **out,
                            size_t *len);

#ifdef __cplusplus
}
#endif

#endif
