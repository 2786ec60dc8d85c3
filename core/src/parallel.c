/* parallel.c — a small parallel-for over a persistent pool of threads.
 *
 * sv_parallel_for(n, fn, ctx) calls fn(ctx, i, worker) for every i in
 * [0, n), spread over sv_threads() threads: the caller is worker 0, the pool's
 * threads are workers 1 .. threads-1, and each claims the next unclaimed i
 * (one atomic add), so uneven pieces balance. worker only picks per-thread
 * scratch: which worker runs which i varies from run to run, so a piece's
 * result must depend on i alone. The first failure by lowest i wins: its
 * status is returned and its message becomes the caller's sv_last_error(),
 * whatever the thread count (the pieces after it may or may not have run).
 * A call made from inside a piece runs serially (no nesting).
 *
 * Without SV_THREADS (or __EMSCRIPTEN_PTHREADS__) this is a plain loop.
 * MEMORY: the pool's threads and their stacks (the system's default size;
 * wasm: the build's -sDEFAULT_PTHREAD_STACK_SIZE).
 * PERFORMANCE: waking the pool and waiting for it costs tens of microseconds
 * (a condition variable each way); pieces should be much bigger than that.
 */
#include <string.h>

#include "internal.h"
#include "supervox/parallel.h"

#if defined(__EMSCRIPTEN_PTHREADS__) && !defined(SV_THREADS)
#define SV_THREADS 1
#endif

#ifdef SV_THREADS
#include <pthread.h>
#include <unistd.h>
#ifdef __EMSCRIPTEN__
#include <emscripten/threading.h>
#endif

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t g_go = PTHREAD_COND_INITIALIZER;   /* a new job (or quit) for the pool */
static pthread_cond_t g_done = PTHREAD_COND_INITIALIZER; /* the last busy pool thread finished */
static pthread_t g_tid[SV_MAX_THREADS];
static unsigned g_started;  /* pool threads running (workers 1 .. g_started) */
static unsigned g_want;     /* threads asked for (0 = not yet chosen) */
static unsigned long g_gen; /* job generation: a pool thread runs each new one once */
static int g_busy;          /* a job is running: calls from inside it run serially */

/* the job */
static sv_task_fn g_fn;
static void *g_ctx;
static size_t g_n, g_next; /* pieces, the next unclaimed one (atomic) */
static unsigned g_workers; /* pool threads taking part (workers 1 .. g_workers) */
static unsigned g_active;  /* of those, still running */
static size_t g_fail_i;    /* the lowest failed piece (g_n if none) */
static sv_status g_fail_st;
static char g_fail_msg[512];

static void run_pieces(unsigned worker)
{
    for (;;) {
        size_t i = __atomic_fetch_add(&g_next, 1, __ATOMIC_RELAXED);
        sv_status st;
        if (i >= g_n) break;
        st = g_fn(g_ctx, i, worker);
        if (st != SV_OK) {
            pthread_mutex_lock(&g_mu);
            if (i < g_fail_i) {
                g_fail_i = i;
                g_fail_st = st;
                strncpy(g_fail_msg, sv_last_error(), sizeof g_fail_msg - 1);
                g_fail_msg[sizeof g_fail_msg - 1] = 0;
            }
            pthread_mutex_unlock(&g_mu);
            /* skip what is left: claim it all */
            __atomic_store_n(&g_next, g_n, __ATOMIC_RELAXED);
            break;
        }
    }
}

static void *pool_main(void *arg)
{
    unsigned id = (unsigned)(size_t)arg;
    unsigned long seen = 0;
    pthread_mutex_lock(&g_mu);
    for (;;) {
        while (g_gen == seen) pthread_cond_wait(&g_go, &g_mu);
        seen = g_gen;
        if (id > g_workers) continue; /* not in this job */
        pthread_mutex_unlock(&g_mu);
        run_pieces(id);
        pthread_mutex_lock(&g_mu);
        if (--g_active == 0) pthread_cond_signal(&g_done);
    }
    return NULL; /* not reached: the pool lives as long as the process */
}

static unsigned logical_cores(void)
{
#ifdef __EMSCRIPTEN__
    int n = emscripten_num_logical_cores();
#else
    long n = sysconf(_SC_NPROCESSORS_ONLN);
#endif
    return n < 1 ? 1 : n > SV_MAX_THREADS ? SV_MAX_THREADS : (unsigned)n;
}

/* Start pool threads until want - 1 run (under g_mu); fewer if the system refuses. */
static void pool_grow(unsigned want)
{
    while (g_started + 1 < want) {
        pthread_attr_t at;
        int err;
        pthread_attr_init(&at);
        pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
        err = pthread_create(&g_tid[g_started + 1], &at, pool_main, (void *)(size_t)(g_started + 1));
        pthread_attr_destroy(&at);
        if (err) break;
        g_started++;
    }
}

unsigned sv_set_threads(unsigned n)
{
    unsigned use;
    pthread_mutex_lock(&g_mu);
    g_want = n == 0 ? logical_cores() : n > SV_MAX_THREADS ? SV_MAX_THREADS : n;
    pool_grow(g_want);
    use = g_want < g_started + 1 ? g_want : g_started + 1;
    pthread_mutex_unlock(&g_mu);
    return use;
}

unsigned sv_threads(void)
{
    unsigned use;
    pthread_mutex_lock(&g_mu);
    if (!g_want) {
        g_want = logical_cores();
        pool_grow(g_want);
    }
    use = g_want < g_started + 1 ? g_want : g_started + 1;
    pthread_mutex_unlock(&g_mu);
    return use;
}

int sv_threads_built(void) { return 1; }

sv_status sv_parallel_for(size_t n, sv_task_fn fn, void *ctx)
{
    unsigned threads = 1;
    sv_status st;
    if (n > 1) {
        pthread_mutex_lock(&g_mu);
        if (!g_busy) {
            if (!g_want) {
                g_want = logical_cores();
                pool_grow(g_want);
            }
            threads = g_want < g_started + 1 ? g_want : g_started + 1;
            if ((size_t)threads > n) threads = (unsigned)n;
        }
        if (threads > 1) {
            g_busy = 1;
            g_fn = fn;
            g_ctx = ctx;
            g_n = n;
            g_next = 0;
            g_fail_i = n;
            g_workers = threads - 1;
            g_active = threads - 1;
            g_gen++;
            pthread_cond_broadcast(&g_go);
        }
        pthread_mutex_unlock(&g_mu);
    }
    if (threads <= 1) return sv_serial_for(n, fn, ctx);
    run_pieces(0);
    pthread_mutex_lock(&g_mu);
    while (g_active) pthread_cond_wait(&g_done, &g_mu);
    g_busy = 0;
    st = g_fail_i < n ? g_fail_st : SV_OK;
    pthread_mutex_unlock(&g_mu);
    if (st != SV_OK) return sv_fail(st, "%s", g_fail_msg);
    return SV_OK;
}

#else /* no threads */

unsigned sv_threads(void) { return 1; }
unsigned sv_set_threads(unsigned n)
{
    (void)n;
    return 1;
}
int sv_threads_built(void) { return 0; }

sv_status sv_parallel_for(size_t n, sv_task_fn fn, void *ctx) { return sv_serial_for(n, fn, ctx); }

#endif

sv_status sv_serial_for(size_t n, sv_task_fn fn, void *ctx)
{
    size_t i;
    sv_status st;
    for (i = 0; i < n; i++)
        if ((st = fn(ctx, i, 0)) != SV_OK) return st;
    return SV_OK;
}
