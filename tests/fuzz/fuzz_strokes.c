/* fuzz_strokes.c — libFuzzer harness for the strokes file and propagation
 * (make fuzz-strokes). The input is a strokes file; its strokes are applied,
 * in order, to an empty label layer over a small phantom's supervoxels (the
 * fine map, or a coarser level when the file's first byte is odd), each after
 * its preview. Any input must give SV_OK or a status with a message, and:
 * - a paint or touch stroke never sets a background voxel (supervoxel 0), and
 *   every voxel a paint stroke sets lies in a supervoxel its preview marked;
 * - a voxel that holds another label is left alone by an only_unlabelled stroke;
 * - undoing every step gives the empty layer back, and redoing them all gives
 *   the layer the strokes made.
 * No crash, no leak, no hang (-timeout), no huge allocation (-rss_limit_mb). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supervox/propagate.h"
#include "supervox/strokes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_STROKES 24

/* 40 x 32 x 20, 1 x 1 x 2.5 mm: background (0) on the left, tissue of 300
 * with a brighter ball (600) and a darker bar (180) in it, and noise. */
enum { NI = 40, NJ = 32, NK = 20 };
static sv_volume *img;
static uint32_t *labels, count, *level, groups;
static sv_sv_index *ix;
static sv_sv_graph *graph;

static int voxel(int i, int j, int k)
{
    uint32_t h = (uint32_t)i * 73856093u ^ (uint32_t)j * 19349663u ^ (uint32_t)k * 83492791u;
    int v;
    h ^= h >> 13;
    h *= 0x5bd1e995u;
    h ^= h >> 15;
    if (i < 8) return 0;
    v = (i - 26) * (i - 26) + (j - 16) * (j - 16) + 6 * (k - 10) * (k - 10) <= 36 ? 600 : 300;
    if (j >= 4 && j <= 7 && k >= 3 && k <= 16) v = 180;
    return v + (int)(h % 41) - 20;
}

static void setup(void)
{
    int32_t d[3] = {NI, NJ, NK};
    sv_sv_params p;
    int i, j, k;
    if (img) return;
    if (sv_volume_create(d, SV_DT_INT16, &img) != SV_OK) abort();
    img->spacing[2] = 2.5;
    for (k = 0; k < NK; k++)
        for (j = 0; j < NJ; j++)
            for (i = 0; i < NI; i++) ((int16_t *)img->data)[i + NI * (j + NJ * k)] = (int16_t)voxel(i, j, k);
    sv_sv_params_default(&p);
    p.target_count = 120;
    p.threshold = 0.01;
    if (sv_supervoxels(img, &p, NULL, NULL, &labels, &count) != SV_OK) abort();
    if (sv_sv_index_build(labels, img->nvox, count, &ix) != SV_OK) abort();
    if (sv_sv_graph_build(img, labels, ix, &graph) != SV_OK) abort();
    level = (uint32_t *)malloc((count + 1) * sizeof *level);
    if (!level || sv_sv_merge(graph, count / 4, level, &groups) != SV_OK) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sv_stroke_list *list = NULL;
    sv_segmenter seg;
    sv_volume *layer = NULL;
    sv_history *h = NULL;
    uint8_t *before = NULL, *after = NULL, *preview = NULL;
    size_t i, v, steps = 0;
    setup();
    if (sv_strokes_parse((const char *)data, size, &list) != SV_OK) {
        if (list || sv_last_error()[0] == '\0') __builtin_trap(); /* a failure must say why */
        return 0;
    }
    memset(&seg, 0, sizeof seg);
    seg.image = img;
    seg.labels = labels;
    seg.index = ix;
    seg.graph = graph;
    if (size && (data[0] & 1)) {
        seg.level = level;
        seg.level_groups = groups;
    }
    sv_paint_params_default(&seg.paint);
    if (sv_stroke_ws_create(count, &seg.ws) != SV_OK || sv_volume_create_like(img, SV_DT_UINT8, &layer) != SV_OK ||
        sv_history_create(16 << 20, &h) != SV_OK)
        abort();
    before = (uint8_t *)malloc(img->nvox);
    after = (uint8_t *)malloc(img->nvox);
    preview = (uint8_t *)malloc(count + 1);
    if (!before || !after || !preview) abort();
    for (i = 0; i < list->count && i < MAX_STROKES; i++) {
        const sv_stroke *st = &list->strokes[i];
        const uint8_t *d = (const uint8_t *)layer->data;
        sv_edit_result res;
        sv_status pr = sv_propagate_preview(layer, &seg, st, preview);
        memcpy(before, d, img->nvox);
        if (sv_propagate(h, layer, &seg, st, &res) != SV_OK) {
            if (sv_last_error()[0] == '\0' || pr == SV_OK) __builtin_trap(); /* the preview refuses what the stroke does */
            if (memcmp(before, d, img->nvox) != 0) __builtin_trap();         /* a refused stroke changes nothing */
            continue;
        }
        if (pr != SV_OK) __builtin_trap();
        if (res.changed) steps++;
        for (v = 0; v < img->nvox; v++) {
            if (d[v] == before[v]) continue;
            if (st->mode == SV_STROKE_PAINT || st->mode == SV_STROKE_TOUCH) {
                if (!labels[v] || d[v] != st->label) __builtin_trap();
                if (st->only_unlabelled && before[v]) __builtin_trap();
                if (st->mode == SV_STROKE_PAINT && !preview[labels[v]]) __builtin_trap();
            } else if (st->mode == SV_STROKE_BRUSH) {
                if (d[v] != st->label || (st->only_unlabelled && before[v])) __builtin_trap();
            } else if (d[v] != 0) {
                __builtin_trap(); /* erase only clears */
            }
        }
    }
    memcpy(after, layer->data, img->nvox);
    for (i = 0; i < steps; i++) {
        sv_volume *which = NULL;
        if (sv_history_undo(h, &which, NULL) != SV_OK || which != layer) __builtin_trap();
    }
    for (v = 0; v < img->nvox; v++)
        if (((const uint8_t *)layer->data)[v]) __builtin_trap();
    for (i = 0; i < steps; i++) {
        sv_volume *which = NULL;
        if (sv_history_redo(h, &which, NULL) != SV_OK || which != layer) __builtin_trap();
    }
    if (memcmp(after, layer->data, img->nvox) != 0) __builtin_trap();
    free(preview);
    free(after);
    free(before);
    sv_history_free(h);
    sv_volume_free(layer);
    sv_stroke_ws_free(seg.ws);
    sv_stroke_list_free(list);
    return 0;
}
