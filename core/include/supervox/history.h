/* supervox/history.h — bounded undo/redo for label edits, one step per stroke.
 *
 * Every tool that changes a label map writes through sv_history_set() between
 * sv_history_begin() and sv_history_end(); the history records each changed
 * voxel's index, old and new value. A finished step is packed (index deltas
 * as varints: a run of neighbouring voxels costs ~3 bytes per voxel) and
 * pushed; the oldest steps are dropped while the total exceeds the memory cap
 * (the newest step is always kept). A new step clears the redo side.
 *
 * MEMORY: the cap given at creation (plus the current step's recording
 * buffer, 9 bytes per voxel changed, kept between steps so a stroke does not
 * allocate once the buffer has grown to its size).
 */
#ifndef SUPERVOX_HISTORY_H
#define SUPERVOX_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/status.h"
#include "supervox/volume.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A box of voxels: lo[a] <= index < hi[a] on each axis; empty when hi <= lo. */
typedef struct sv_box {
    int32_t lo[3], hi[3];
} sv_box;

/* What an edit did: how many voxels changed and the box that holds them. */
typedef struct sv_edit_result {
    size_t changed;
    sv_box box;
} sv_edit_result;

typedef struct sv_history sv_history;

/* cap_bytes: memory the packed steps may use (e.g. 256 MB).
 * *out is caller-owned: free with sv_history_free(). Returns SV_OK or SV_ENOMEM. */
sv_status sv_history_create(size_t cap_bytes, sv_history **out);

/* Free the history (not the layers it refers to). NULL is fine. */
void sv_history_free(sv_history *h);

/* Start a step that edits `layer`, a uint8 label map (borrowed; it must
 * outlive the steps that refer to it, or be passed to sv_history_forget).
 * Returns SV_OK, SV_EINVAL (not uint8, a step is already open, or more than
 * 2^32 voxels). */
sv_status sv_history_begin(sv_history *h, sv_volume *layer);

/* The layer of the open step, or NULL. */
sv_volume *sv_history_layer(const sv_history *h);

/* Set voxel idx (< nvox) of the open step's layer to value, recording the old
 * value if it changes. Returns 1 if it changed, 0 if it already held value,
 * -1 if the recording buffer could not grow (out of memory: the voxel is left
 * unchanged). The hot path: a compare, a store and three appends. */
int sv_history_set(sv_history *h, size_t idx, uint8_t value);

/* Close the open step; if it changed anything it becomes the newest undo
 * step. *res (may be NULL) receives the step's count and box.
 * Returns SV_OK, SV_EINVAL (no open step), SV_ENOMEM (then the step's changes
 * are rolled back, so the layer is as before the step). */
sv_status sv_history_end(sv_history *h, sv_edit_result *res);

/* Undo the newest step (or redo the newest undone one). *layer receives the
 * layer it changed (NULL if there was nothing to undo/redo), *res the count
 * and box. Returns SV_OK, or SV_EINVAL while a step is open. */
sv_status sv_history_undo(sv_history *h, sv_volume **layer, sv_edit_result *res);
sv_status sv_history_redo(sv_history *h, sv_volume **layer, sv_edit_result *res);

/* Steps available to undo and to redo. */
int sv_history_undo_count(const sv_history *h);
int sv_history_redo_count(const sv_history *h);

/* Bytes used by the packed steps. */
size_t sv_history_bytes(const sv_history *h);

/* Drop every step that refers to layer (before freeing that layer). */
void sv_history_forget(sv_history *h, const sv_volume *layer);

#ifdef __cplusplus
}
#endif

#endif
