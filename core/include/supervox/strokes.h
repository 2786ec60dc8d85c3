/* supervox/strokes.h — the strokes file (docs/design.md, "Strokes"):
 *
 *   {"strokes": [{"axis": 2, "label": 1, "mode": "paint", "width": 1,
 *                 "points": [[40.5, 61.0, 88], [41.0, 63.5, 88]]}]}
 *
 * mode is "paint" (default), "touch", "brush" or "erase"; width defaults to 1;
 * "only_unlabelled": true masks voxels that hold another label.
 */
#ifndef SUPERVOX_STROKES_H
#define SUPERVOX_STROKES_H

#include <stddef.h>

#include "supervox/propagate.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_stroke_list {
    size_t count;
    sv_stroke *strokes; /* count entries; their points live in `points` */
    double *points;
} sv_stroke_list;

/* Parse a strokes file from text[0..len). *out caller-owned: sv_stroke_list_free.
 * Values are checked for type and range here (axis 0..2, label 0..255, width
 * 1..1000, points of 3 finite numbers); whether points lie on one slice and
 * the path crosses the volume is checked when a stroke is applied (a path
 * partly off the volume is clipped to it).
 * Returns SV_OK, SV_EFORMAT (not JSON, or not this schema: the message says
 * which stroke and field), SV_ENOMEM. */
sv_status sv_strokes_parse(const char *text, size_t len, sv_stroke_list **out);
void sv_stroke_list_free(sv_stroke_list *l);

#ifdef __cplusplus
}
#endif

#endif
