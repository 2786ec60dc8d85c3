/* supervox/parallel.h — how many threads the core's parallel stages use.
 *
 * Built with threads (natively with -DSV_THREADS and -pthread; in wasm with
 * -pthread, where the build defines __EMSCRIPTEN_PTHREADS__), supervoxels and
 * meshing spread their work over a small pool of worker threads, started at
 * first use and kept. Built without, everything runs on the calling thread.
 * Either way the results are identical for any thread count: the work is cut
 * into pieces that depend only on the input, and the pieces' results are
 * joined in a fixed order.
 *
 * The core is driven by one thread at a time (the CLI's main thread, or the
 * wasm worker); the pool's threads only ever run the core's own pieces.
 */
#ifndef SUPERVOX_PARALLEL_H
#define SUPERVOX_PARALLEL_H

#include "supervox/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most threads the core uses (the caller's plus the pool's). */
#define SV_MAX_THREADS 8

/* The threads the parallel stages use now: 1 in a build without threads;
 * otherwise what sv_set_threads chose, by default one per logical core
 * (at most SV_MAX_THREADS). */
unsigned sv_threads(void);

/* Use n threads from now on (1 = run everything on the calling thread; 0 =
 * one per logical core; above SV_MAX_THREADS is capped). In a build without
 * threads any n gives 1. Returns the number now in use: the pool may get
 * fewer threads than asked if the system refuses to start more (wasm: the
 * pre-started worker pool is exhausted), and never fails otherwise. */
unsigned sv_set_threads(unsigned n);

/* 1 if the core was built with threads, else 0. */
int sv_threads_built(void);

#ifdef __cplusplus
}
#endif

#endif
