/* wasm_api.c — the plain-C surface the worker calls (listed in exports.txt).
 *
 * The core's API passes results through out-pointers; these thin wrappers
 * return them directly so the worker needs no scratch allocations per call.
 * Only 32-bit values cross the boundary (no BigInt needed). Failures return 0;
 * the worker then reads svw_last_status() and sv_last_error().
 */
#include <emscripten.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "supervox/dicom.h"
#include "supervox/files.h"
#include "supervox/nifti.h"
#include "supervox/pngstack.h"
#include "supervox/png.h"
#include "supervox/brush.h"
#include "supervox/history.h"
#include "supervox/mesh.h"
#include "supervox/propagate.h"
#include "supervox/supervoxels.h"
#include "supervox/status.h"
#include "supervox/volume.h"

static sv_status g_status;
static size_t g_len;

int svw_last_status(void) { return (int)g_status; }

/* Length in bytes of the last buffer a svw_* call returned. */
size_t svw_last_len(void) { return g_len; }

void *svw_malloc(size_t n) { return malloc(n ? n : 1); }

sv_nifti_reader *svw_nifti_open(const uint8_t *buf, size_t len)
{
    sv_nifti_reader *r = NULL;
    g_status = sv_nifti_reader_open(buf, len, &r);
    return r;
}

int svw_nifti_step(sv_nifti_reader *r, size_t max_bytes)
{
    g_status = sv_nifti_reader_step(r, max_bytes);
    return (int)g_status;
}

sv_volume *svw_nifti_finish(sv_nifti_reader *r)
{
    sv_volume *v = NULL;
    g_status = sv_nifti_reader_finish(r, &v);
    return v;
}

/* JSON description (see sv_volume_info_json); returned buffer: free with sv_free. */
char *svw_volume_info(const sv_volume *v, int with_stats)
{
    sv_volume_stats st;
    size_t need;
    char *s;
    if (with_stats) sv_volume_stats_compute(v, &st);
    need = sv_volume_info_json(v, with_stats ? &st : NULL, NULL, 0);
    s = (char *)malloc(need + 1);
    if (!s) {
        g_status = SV_ENOMEM;
        return NULL;
    }
    sv_volume_info_json(v, with_stats ? &st : NULL, s, need + 1);
    g_len = need;
    g_status = SV_OK;
    return s;
}

void *svw_volume_data(const sv_volume *v) { return v->data; }

size_t svw_volume_bytes(const sv_volume *v) { return v->nvox * sv_dtype_size(v->dtype); }

/* Encode as NIfTI-1; gzip_level 0 = plain. Returned buffer: free with sv_free;
 * its length is svw_last_len(). */
uint8_t *svw_nifti_write(const sv_volume *v, int gzip_level)
{
    uint8_t *out = NULL;
    size_t len = 0;
    g_status = sv_nifti_write(v, gzip_level, &out, &len);
    g_len = len;
    return out;
}

/* Summary of the intensities (see sv_volume_summarize): pcts and pct_out are n
 * doubles, out one sv_volume_summary, all in the heap and caller-owned. */
int svw_volume_summarize(const sv_volume *v, const double *pcts, int n, double *pct_out, sv_volume_summary *out)
{
    g_status = sv_volume_summarize(v, pcts, n, pct_out, out);
    return (int)g_status;
}

/* sizeof(sv_volume_summary), so the caller can allocate one. */
int svw_summary_bytes(void) { return (int)sizeof(sv_volume_summary); }

/* Encode 8-bit pixels (channels 1..4, rows top first, tightly packed) as PNG.
 * Returned buffer: free with sv_free; its length is svw_last_len(). */
uint8_t *svw_png_write(const uint8_t *pixels, int width, int height, int channels)
{
    uint8_t *out = NULL;
    size_t len = 0;
    g_status = sv_png_write(pixels, width, height, channels, (size_t)width * (size_t)channels, &out, &len);
    g_len = len;
    return out;
}

/* Decode a greyscale PNG (8 or 16 bit). Returns the image (free with
 * sv_png_image_free) or 0; read its fields with the accessors below. */
sv_png_image *svw_png_read(const uint8_t *buf, size_t len)
{
    sv_png_image *img = NULL;
    g_status = sv_png_read_gray(buf, len, &img);
    return img;
}
int svw_png_width(const sv_png_image *img) { return img->width; }
int svw_png_height(const sv_png_image *img) { return img->height; }
int svw_png_depth(const sv_png_image *img) { return img->bit_depth; }
void *svw_png_pixels(const sv_png_image *img) { return img->pixels; }

/* --- file sets: DICOM series, PNG stacks -------------------------------- */

/* A set of n files in the heap (an sv_file array). The worker fills entry i
 * with svw_files_set, handing over a name and a byte buffer it allocated with
 * svw_malloc; svw_files_free frees them all. 0 on failure (SV_ENOMEM). */
sv_file *svw_files_create(int n)
{
    sv_file *f = (sv_file *)calloc(n > 0 ? (size_t)n : 1, sizeof *f);
    g_status = f ? SV_OK : SV_ENOMEM;
    return f;
}

/* Entry i takes ownership of name (NUL-terminated) and bytes[0..len). */
void svw_files_set(sv_file *files, int i, char *name, uint8_t *bytes, size_t len)
{
    files[i].name = name;
    files[i].bytes = bytes;
    files[i].len = len;
}

void svw_files_free(sv_file *files, int n)
{
    int i;
    if (!files) return;
    for (i = 0; i < n; i++) {
        free((void *)files[i].name);
        free((void *)files[i].bytes);
    }
    free(files);
}

/* Scan a file set for DICOM series (see sv_dicom_scan_files). The scan
 * borrows the set: free the scan (sv_dicom_scan_free) before the set. */
sv_dicom_scan *svw_dicom_scan(const sv_file *files, int n)
{
    sv_dicom_scan *s = NULL;
    g_status = sv_dicom_scan_files(files, n > 0 ? (size_t)n : 0, &s);
    return s;
}

/* A JSON string built by `fn` (the snprintf-style core call); free with sv_free. */
static char *json_of(size_t (*fn)(const sv_dicom_scan *, size_t, char *, size_t), const sv_dicom_scan *s, size_t arg)
{
    size_t need = fn(s, arg, NULL, 0);
    char *out = (char *)malloc(need + 1);
    if (!out) {
        g_status = SV_ENOMEM;
        return NULL;
    }
    fn(s, arg, out, need + 1);
    g_len = need;
    g_status = SV_OK;
    return out;
}

static size_t scan_json_fn(const sv_dicom_scan *s, size_t unused, char *buf, size_t cap)
{
    (void)unused;
    return sv_dicom_scan_json(s, buf, cap);
}

/* The series list and skipped files as JSON; free with sv_free. */
char *svw_dicom_scan_json(const sv_dicom_scan *s) { return json_of(scan_json_fn, s, 0); }

/* A series' patient/study metadata as JSON (display only); free with sv_free. */
char *svw_dicom_metadata_json(const sv_dicom_scan *s, int series)
{
    if (series < 0 || (size_t)series >= s->nseries) {
        g_status = SV_EINVAL;
        return NULL;
    }
    return json_of(sv_dicom_metadata_json, s, (size_t)series);
}

/* Build series `series` of a scan as a volume (free with sv_volume_free), or 0. */
sv_volume *svw_dicom_read(const sv_dicom_scan *s, int series)
{
    sv_volume *v = NULL;
    g_status = series < 0 ? sv_dicom_read_series(s, (size_t)-1, &v) : sv_dicom_read_series(s, (size_t)series, &v);
    return v;
}

/* A volume from n PNG slices (see sv_png_stack_read), or 0. */
sv_volume *svw_png_stack(const sv_file *files, int n, double sx, double sy, double sz, double slope, double intercept)
{
    sv_png_stack_params p;
    sv_volume *v = NULL;
    p.spacing[0] = sx;
    p.spacing[1] = sy;
    p.spacing[2] = sz;
    p.slope = slope;
    p.intercept = intercept;
    g_status = sv_png_stack_read(files, n > 0 ? (size_t)n : 0, &p, &v);
    return v;
}

/* --- label layers, brush, undo ------------------------------------------ */

/* The last edit's result as 7 int32: changed, lo[3], hi[3] (see sv_edit_result). */
static int32_t g_edit[7];

static int32_t *put_edit(const sv_edit_result *r)
{
    int a;
    g_edit[0] = (int32_t)r->changed;
    for (a = 0; a < 3; a++) {
        g_edit[1 + a] = r->box.lo[a];
        g_edit[4 + a] = r->box.hi[a];
    }
    return g_edit;
}

/* An empty label map on the image's grid. Free with sv_volume_free. */
sv_volume *svw_layer_create(const sv_volume *image)
{
    sv_volume *v = NULL;
    g_status = sv_volume_create_like(image, SV_DT_UINT8, &v);
    if (v) v->meta.intent_code = SV_INTENT_LABEL;
    return v;
}

/* A label map from a segmentation file, moved onto the image's grid when the
 * two differ only in axis order and direction (sv_volume_labels_for); any
 * other grid is refused with a message saying how they differ. */
sv_volume *svw_layer_import(const sv_volume *image, const uint8_t *buf, size_t len)
{
    sv_volume *seg = NULL, *lab = NULL;
    g_status = sv_nifti_read(buf, len, &seg);
    if (g_status != SV_OK) return NULL;
    g_status = sv_volume_labels_for(image, seg, &lab);
    sv_volume_free(seg);
    return lab;
}

sv_history *svw_history_create(int cap_mb)
{
    sv_history *h = NULL;
    g_status = sv_history_create((size_t)cap_mb << 20, &h);
    return h;
}

int svw_history_begin(sv_history *h, sv_volume *layer)
{
    g_status = sv_history_begin(h, layer);
    return (int)g_status;
}

/* One brush segment; returns the g_edit array, or 0 on failure. */
int32_t *svw_brush(sv_history *h, int axis, double radius_mm, int value, int mode, int only_unlabelled, double x0,
                   double y0, double z0, double x1, double y1, double z1)
{
    sv_brush b;
    double p0[3], p1[3];
    sv_edit_result r;
    b.axis = axis;
    b.radius_mm = radius_mm;
    b.value = (uint8_t)value;
    b.mode = mode ? SV_BRUSH_ERASE : SV_BRUSH_PAINT;
    b.only_unlabelled = only_unlabelled;
    p0[0] = x0; p0[1] = y0; p0[2] = z0;
    p1[0] = x1; p1[1] = y1; p1[2] = z1;
    g_status = sv_brush_segment(h, &b, p0, p1, &r);
    return g_status == SV_OK ? put_edit(&r) : NULL;
}

int32_t *svw_history_end(sv_history *h)
{
    sv_edit_result r;
    g_status = sv_history_end(h, &r);
    return g_status == SV_OK ? put_edit(&r) : NULL;
}

/* Undo (redo = 0) or redo (redo = 1): returns the layer changed (0 if none or
 * on failure; tell them apart with svw_last_status); its box is in svw_edit(). */
sv_volume *svw_history_move(sv_history *h, int redo)
{
    sv_volume *layer = NULL;
    sv_edit_result r;
    g_status = redo ? sv_history_redo(h, &layer, &r) : sv_history_undo(h, &layer, &r);
    put_edit(&r);
    return layer;
}

int32_t *svw_edit(void) { return g_edit; }


/* --- supervoxels ------------------------------------------------------------ */

/* Progress goes to Module.onProgress(fraction) if the worker set one. */
EM_JS(void, js_progress, (double f), {
    if (Module['onProgress']) Module['onProgress'](f);
})

static int progress_to_js(void *ctx, double f)
{
    (void)ctx;
    js_progress(f);
    return 0; /* cancelling is done by terminating the worker */
}

/* --- propagation: a segmenter (supervoxels + index + graph) per image ------- */

#define SVW_LEVELS 3 /* fine, then merged to 1/4 and 1/16 of the count */

typedef struct svw_seg {
    uint32_t *labels;
    sv_sv_index *ix;
    sv_sv_graph *g;
    uint32_t *level[SVW_LEVELS];  /* level[0] unused (fine); else merge maps */
    uint32_t groups[SVW_LEVELS];
    sv_segmenter seg;
    uint8_t *preview; /* count + 1: the last svw_preview's answer */
} svw_seg;

void svw_segmenter_free(svw_seg *s)
{
    int l;
    if (!s) return;
    for (l = 1; l < SVW_LEVELS; l++) free(s->level[l]);
    free(s->preview);
    sv_stroke_ws_free(s->seg.ws);
    sv_sv_graph_free(s->g);
    sv_sv_index_free(s->ix);
    sv_free(s->labels);
    free(s);
}

static double g_share;

/* The image's automatic background threshold (sv_auto_threshold): -Infinity
 * for none, NaN on failure; the share of voxels it makes background is
 * svw_auto_share(). */
double svw_auto_threshold(const sv_volume *img)
{
    double t;
    g_status = sv_auto_threshold(img, &t, &g_share);
    return g_status == SV_OK ? t : NAN;
}

double svw_auto_share(void) { return g_share; }

/* Supervoxels, their index and graph for the image; 0 on failure. The map is
 * readable with svw_segmenter_labels (nvox uint32), the count is svw_last_len(). */
svw_seg *svw_segmenter_create(const sv_volume *img, int count, double size_mm, double compactness, double threshold)
{
    svw_seg *s = (svw_seg *)calloc(1, sizeof *s);
    uint32_t n = 0;
    sv_sv_params p;
    if (!s) {
        g_status = SV_ENOMEM;
        return NULL;
    }
    sv_sv_params_default(&p);
    p.target_count = count;
    p.size_mm = size_mm;
    p.compactness = compactness;
    p.threshold = threshold;
    g_status = sv_supervoxels(img, &p, progress_to_js, NULL, &s->labels, &n);
    if (g_status == SV_OK) g_status = sv_sv_index_build(s->labels, img->nvox, n, &s->ix);
    if (g_status == SV_OK) g_status = sv_sv_graph_build(img, s->labels, s->ix, &s->g);
    if (g_status == SV_OK) {
        int l;
        uint32_t targets[SVW_LEVELS - 1];
        s->groups[0] = n;
        /* the coarser levels in one pass: level 2 goes on from level 1 */
        for (l = 1; l < SVW_LEVELS && g_status == SV_OK; l++) {
            targets[l - 1] = n >> (2 * l) ? n >> (2 * l) : 1;
            s->level[l] = (uint32_t *)malloc(((size_t)n + 1) * sizeof(uint32_t));
            if (!s->level[l]) g_status = SV_ENOMEM;
        }
        if (g_status == SV_OK) g_status = sv_sv_merge_levels(s->g, targets, SVW_LEVELS - 1, s->level + 1, s->groups + 1);
    }
    if (g_status == SV_OK) g_status = sv_stroke_ws_create(n, &s->seg.ws);
    if (g_status != SV_OK) {
        svw_segmenter_free(s);
        return NULL;
    }
    s->seg.image = img;
    s->seg.labels = s->labels;
    s->seg.index = s->ix;
    s->seg.graph = s->g;
    sv_paint_params_default(&s->seg.paint);
    g_len = n;
    return s;
}

uint32_t *svw_segmenter_labels(const svw_seg *s) { return s->labels; }

/* Level l's merge map (count + 1 entries; 0 for the fine level) and its group count. */
uint32_t *svw_segmenter_level_map(const svw_seg *s, int l) { return l > 0 && l < SVW_LEVELS ? s->level[l] : NULL; }
int svw_segmenter_level_groups(const svw_seg *s, int l) { return l >= 0 && l < SVW_LEVELS ? (int)s->groups[l] : 0; }

/* Set the segmenter's granularity level (0 fine, 1 and 2 coarser; others:
 * fine, since core-api.js refuses them) and fill st from the call's arguments. */
static void stroke_at_level(svw_seg *s, int level, sv_stroke *st, int axis, int label, int mode, double width,
                            const double *points, int npoints, int only_unlabelled)
{
    if (level < 0 || level >= SVW_LEVELS) level = 0; /* stay memory-safe */
    s->seg.level = level ? s->level[level] : NULL;
    s->seg.level_groups = s->groups[level];
    st->axis = axis;
    st->label = (uint8_t)label;
    st->mode = (sv_stroke_mode)mode;
    st->width = width;
    st->points = points;
    st->npoints = npoints > 0 ? (size_t)npoints : 0;
    st->only_unlabelled = only_unlabelled;
}

/* Apply one stroke (points: npoints x 3 doubles in the heap) to layer as one
 * undo step in h, at granularity level (0 fine, 1 and 2 coarser). Returns the
 * g_edit array, or 0 on failure. */
int32_t *svw_propagate(sv_history *h, sv_volume *layer, svw_seg *s, int level, int axis, int label, int mode,
                       double width, const double *points, int npoints, int only_unlabelled)
{
    sv_stroke st;
    sv_edit_result r;
    stroke_at_level(s, level, &st, axis, label, mode, width, points, npoints, only_unlabelled);
    g_status = sv_propagate(h, layer, &s->seg, &st, &r);
    return g_status == SV_OK ? put_edit(&r) : NULL;
}

/* What svw_propagate would set with the same arguments, changing nothing
 * (sv_propagate_preview): a buffer of count + 1 bytes, 1 per fine
 * supervoxel it would set, owned by the segmenter (valid until the next
 * call); 0 on failure. */
uint8_t *svw_preview(sv_volume *layer, svw_seg *s, int level, int axis, int label, int mode, double width,
                     const double *points, int npoints)
{
    sv_stroke st;
    if (!s->preview && !(s->preview = (uint8_t *)malloc((size_t)s->g->count + 1))) {
        g_status = SV_ENOMEM;
        return NULL;
    }
    stroke_at_level(s, level, &st, axis, label, mode, width, points, npoints, 0);
    g_status = sv_propagate_preview(layer, &s->seg, &st, s->preview);
    return g_status == SV_OK ? s->preview : NULL;
}

/* Voxels of the segmenter's background (supervoxel 0). */
double svw_segmenter_background(const svw_seg *s) { return (double)(s->ix->offsets[1] - s->ix->offsets[0]); }

/* Bytes the segmenter keeps resident: the map, the index and the graph. */
double svw_segmenter_bytes(const svw_seg *s)
{
    size_t n = s->ix->offsets[s->ix->count + 1] - s->ix->offsets[0];
    size_t c = (size_t)s->g->count + 1;
    size_t edges = s->g->adj_off[s->g->count + 1];
    return (double)(n * 4                          /* map */
                    + n * 4 + (c + 1) * 4          /* index */
                    + c * (8 + 8 + 24 + 4 + 4)     /* graph stats + offsets */
                    + edges * 12);                 /* graph edges and their weights */
}


/* --- meshes: a block-cached mesher per label layer ------------------------ */

/* A mesher over a label layer (borrowed: free the mesher with sv_mesher_free
 * before the layer). 0 on failure. */
sv_mesher *svw_mesher_create(const sv_volume *layer)
{
    sv_mesher *m = NULL;
    g_status = sv_mesher_create(layer, &m);
    return m;
}

/* The voxels in box [x0, x1) x [y0, y1) x [z0, z1) changed (an edit's box, as
 * svw_edit() returns it): their blocks are re-meshed on the next build. */
void svw_mesher_invalidate(sv_mesher *m, int x0, int y0, int z0, int x1, int y1, int z1)
{
    sv_box b;
    b.lo[0] = x0;
    b.lo[1] = y0;
    b.lo[2] = z0;
    b.hi[0] = x1;
    b.hi[1] = y1;
    b.hi[2] = z1;
    sv_mesher_invalidate(m, &b);
}

/* The mesh of one label (1..255): smooth_iterations Taubin passes (-1 = the
 * default), at most max_triangles (0 = all). Progress goes to
 * Module.onProgress. Returns the mesh (free with sv_mesh_free; read it with
 * the accessors below) or 0. */
sv_mesh *svw_mesher_build(sv_mesher *m, int label, int smooth_iterations, int max_triangles)
{
    sv_mesh_params p;
    sv_mesh *mesh = NULL;
    sv_mesh_params_default(&p);
    if (smooth_iterations >= 0) p.smooth_iterations = smooth_iterations;
    p.max_triangles = max_triangles > 0 ? (uint32_t)max_triangles : 0;
    if (label < 0 || label > 255) label = 0; /* the caller should refuse these; the core refuses 0 */
    g_status = sv_mesher_build(m, (uint8_t)label, &p, progress_to_js, NULL, &mesh);
    return mesh;
}

/* Which labels the layer holds (changed_only = 0) or which the next build
 * would change (1): a pointer to 256 bytes, 1 per label listed (0 is never). */
const uint8_t *svw_mesher_labels(sv_mesher *m, int changed_only)
{
    static uint8_t out[256];
    uint64_t set[4];
    int L;
    sv_mesher_labels(m, changed_only, set);
    for (L = 0; L < 256; L++) out[L] = (uint8_t)(set[L >> 6] >> (L & 63) & 1);
    return out;
}

int svw_mesh_nvert(const sv_mesh *m) { return (int)m->nvert; }
int svw_mesh_ntri(const sv_mesh *m) { return (int)m->ntri; }
float *svw_mesh_pos(const sv_mesh *m) { return m->pos; }       /* nvert * 3 float32, world mm */
float *svw_mesh_normal(const sv_mesh *m) { return m->normal; } /* nvert * 3 float32 */
uint32_t *svw_mesh_tri(const sv_mesh *m) { return m->tri; }    /* ntri * 3 uint32 */

/* STL (obj = 0) or OBJ (obj = 1) of n meshes (n pointers in the heap); OBJ
 * objects are named label_<labels[i]>. Returned buffer: free with sv_free;
 * its length is svw_last_len(). */
uint8_t *svw_mesh_write(const sv_mesh *const *meshes, const int *labels, int n, int obj)
{
    uint8_t *out = NULL;
    size_t len = 0;
    char names[256][16];
    const char *np[256];
    int i;
    if (n < 0 || n > 256) n = 0;
    for (i = 0; i < n; i++) {
        snprintf(names[i], sizeof names[i], "label_%d", labels ? labels[i] : i + 1);
        np[i] = names[i];
    }
    g_status = obj ? sv_mesh_write_obj(meshes, np, (size_t)n, &out, &len) : sv_mesh_write_stl(meshes, (size_t)n, &out, &len);
    g_len = len;
    return out;
}
