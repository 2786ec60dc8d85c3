/* bench_sv.c — native time of sv_supervoxels alone (file read excluded), median of N.
 * Usage: bench_sv FILE COUNT [THRESHOLD|-] [REPS] [OUT.raw]
 * Prints: median-seconds supervoxels min-seconds (wall clock; BENCH_CPU=1: CPU time). OUT.raw (optional) receives the uint32 map.
 * BENCH_THREADS=N: the core's threads (default: one per core). */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supervox/nifti.h"
#include "supervox/parallel.h"
#include "supervox/supervoxels.h"

static int cpu_time; /* BENCH_CPU=1: process CPU time, for comparisons on a busy machine */

static double now(void)
{
    struct timespec t;
    clock_gettime(cpu_time ? CLOCK_PROCESS_CPUTIME_ID : CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    FILE *f;
    unsigned char *buf;
    long n;
    double t[31];
    int i, reps = argc > 4 ? atoi(argv[4]) : 3;
    sv_volume *v;
    sv_sv_params p;
    uint32_t *lab = NULL, count = 0;
    if (argc < 3 || reps < 1 || reps > 31) return 2;
    cpu_time = getenv("BENCH_CPU") && atoi(getenv("BENCH_CPU")) == 1;
    if (getenv("BENCH_THREADS")) sv_set_threads((unsigned)atoi(getenv("BENCH_THREADS")));
    f = fopen(argv[1], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) return 1;
    fclose(f);
    if (sv_nifti_read(buf, (size_t)n, &v) != SV_OK) {
        fprintf(stderr, "%s\n", sv_last_error());
        return 1;
    }
    sv_sv_params_default(&p);
    p.target_count = atoi(argv[2]);
    p.threshold = argc > 3 && strcmp(argv[3], "-") != 0 ? atof(argv[3]) : -HUGE_VAL;
    for (i = 0; i < reps; i++) {
        double t0 = now();
        sv_free(lab);
        if (sv_supervoxels(v, &p, NULL, NULL, &lab, &count) != SV_OK) {
            fprintf(stderr, "%s\n", sv_last_error());
            return 1;
        }
        t[i] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    printf("%.3f %u %.3f\n", t[reps / 2], count, t[0]);
    if (argc > 5) {
        f = fopen(argv[5], "wb");
        if (!f || fwrite(lab, sizeof *lab, v->nvox, f) != v->nvox) return 1;
        fclose(f);
    }
    sv_free(lab);
    sv_volume_free(v);
    free(buf);
    return 0;
}
