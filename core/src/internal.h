/* internal.h — helpers shared by the core's modules; not part of the public API. */
#ifndef SUPERVOX_INTERNAL_H
#define SUPERVOX_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "supervox/status.h"

/* One allocator hook for the whole core (stb style): define SV_MALLOC and friends
 * before building to route every allocation elsewhere. */
#ifndef SV_MALLOC
#define SV_MALLOC(n) malloc(n)
#define SV_CALLOC(n, s) calloc((n), (s))
#define SV_REALLOC(p, n) realloc((p), (n))
#define SV_FREE(p) free(p)
#endif

#if defined(__GNUC__)
#define SV_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SV_PRINTF(a, b)
#endif

/* Record a failure: formats the message and returns st, so callers can write
 * `return sv_fail(SV_EFORMAT, "...", ...);`. */
sv_status sv_fail(sv_status st, const char *fmt, ...) SV_PRINTF(2, 3);

/* Run fn(ctx, i, worker) for i in [0, n) on sv_threads() threads (parallel.c):
 * worker (0 .. sv_threads() - 1) names the thread, for per-thread scratch; a
 * piece's result must depend on i alone. Returns the status of the failing
 * piece with the lowest i (its message becomes sv_last_error()), else SV_OK.
 * Serial in a build without threads and when called from inside a piece. */
typedef sv_status (*sv_task_fn)(void *ctx, size_t i, unsigned worker);
sv_status sv_parallel_for(size_t n, sv_task_fn fn, void *ctx);
/* fn(ctx, i, 0) for i = 0 .. n - 1 in order on the calling thread, up to
 * the first failure. Long loops that run once per call (supervoxels, the
 * index, the graph) are cut into pieces called through here or
 * sv_parallel_for: V8 moves a wasm function to its optimising tier only
 * between calls, so a loop inside a function called once runs whole in its
 * baseline tier (about 2-3x slower), while pieces called many times run
 * optimised after the first few. (A piece function whose address is taken
 * stays a function of its own; so does this one, with several callers.) */
sv_status sv_serial_for(size_t n, sv_task_fn fn, void *ctx);

/* Thread-local where the build has threads: each thread's last error. */
#if defined(SV_THREADS) || defined(__EMSCRIPTEN_PTHREADS__)
#define SV_TLS __thread
#else
#define SV_TLS
#endif

/* Overflow-checked size arithmetic: return 0 and leave *out alone on overflow. */
static inline int sv_mul_size(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a) return 0;
    *out = a * b;
    return 1;
}
static inline int sv_add_size(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a) return 0;
    *out = a + b;
    return 1;
}

/* round(x) as an int32, saturating: x beyond the int32 range (a voxel
 * coordinate far off any grid) gives INT32_MIN or INT32_MAX, and so does NaN
 * (INT32_MIN), where a plain conversion would be undefined. */
static inline int32_t sv_iround(double x)
{
    x = floor(x + 0.5);
    if (!(x > -2147483648.0)) return INT32_MIN;
    if (x > 2147483647.0) return INT32_MAX;
    return (int32_t)x;
}

/* Allocate n elements of size bytes; NULL if n * size overflows (which a
 * 32-bit wasm size_t reaches long before memory runs out) or memory does. */
static inline void *sv_malloc_n(size_t n, size_t size)
{
    size_t bytes;
    if (!sv_mul_size(n, size, &bytes)) return NULL;
    return SV_MALLOC(bytes ? bytes : 1);
}

/* Visit every voxel of slice round(p0[axis]) whose centre lies within
 * radius_mm (in-plane distance, voxel sizes `spacing`) of the segment
 * p0 -> p1 (voxel coordinates), plus the voxels under the two ends. Points
 * outside the grid are clipped. fn gets the linear index and (i, j, k); a
 * non-zero return stops the visit, and is returned. Used by the brush and by
 * strokes (brush.c). */
typedef int (*sv_voxel_fn)(void *ctx, size_t idx, const int32_t p[3]);
int sv_capsule_visit(const int32_t dim[3], const double spacing[3], int axis, const double p0[3], const double p1[3],
                     double radius_mm, sv_voxel_fn fn, void *ctx);

/* Stable sort of an index array (files.c): cmp(ctx, a, b) < 0 when index a
 * goes before index b. Returns 0 if its scratch (n indices) cannot be allocated. */
typedef int (*sv_index_cmp)(const void *ctx, size_t a, size_t b);
int sv_sort_indices(size_t *idx, size_t n, sv_index_cmp cmp, const void *ctx);

/* The JSON writer (json.c): into buf[0..cap), never past it; len counts
 * what the whole text needs. */
typedef struct jbuf {
    char *p;
    size_t cap, len;
} jbuf;
#define jinit sv_jinit /* the library's symbols all start sv_ */
#define jput sv_jput
#define jnum sv_jnum
#define jstr sv_jstr
void jinit(jbuf *b, char *buf, size_t cap);
void jput(jbuf *b, const char *fmt, ...) SV_PRINTF(2, 3);
void jnum(jbuf *b, double x);      /* NaN and infinity as null */
void jstr(jbuf *b, const char *s); /* UTF-8 passes, other bytes as \u00XX */

#endif
