/* supervox/files.h — a set of named files in memory, and natural name order.
 *
 * Loaders that take several files at once (a DICOM series, a PNG stack) take
 * an array of sv_file: the browser hands the worker each File's bytes and
 * name; the CLI reads a folder into the same shape. Names are only used to
 * order the files and to say which one is wrong in a message.
 */
#ifndef SUPERVOX_FILES_H
#define SUPERVOX_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sv_file {
    const char *name;     /* NUL-terminated, borrowed; NULL reads as "(unnamed)" */
    const uint8_t *bytes; /* the whole file, borrowed; may be NULL only if len is 0 */
    size_t len;           /* bytes */
} sv_file;

/* Compare two names in natural order: runs of digits compare as numbers
 * ("slice_2" < "slice_10"; "img007" == "img7" by value, then the shorter run
 * of leading zeros first), other characters compare case-insensitively as
 * bytes, and names equal under those rules fall back to plain byte order, so
 * the order is total. NULL sorts as "". Returns < 0, 0 or > 0 like strcmp. */
int sv_natural_compare(const char *a, const char *b);

/* Fill order[0..n) (caller-allocated) with the indices of files sorted by
 * sv_natural_compare of their names (stable). files is not modified.
 * Returns SV_OK or SV_ENOMEM (merge-sort scratch of n indices). */
sv_status sv_files_natural_order(const sv_file *files, size_t n, size_t *order);

#ifdef __cplusplus
}
#endif

#endif
