/* bench_read.c — native time to read a NIfTI file from memory (median of N). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "supervox/nifti.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
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
    double t[15];
    int i, reps = 15;
    if (argc != 2) return 2;
    f = fopen(argv[1], "rb");
    if (!f) return 1;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) return 1;
    fclose(f);
    for (i = 0; i < reps; i++) {
        sv_volume *v;
        double t0 = now();
        if (sv_nifti_read(buf, (size_t)n, &v) != SV_OK) {
            fprintf(stderr, "%s\n", sv_last_error());
            return 1;
        }
        t[i] = now() - t0;
        sv_volume_free(v);
    }
    qsort(t, (size_t)reps, sizeof t[0], cmp);
    printf("%.6f\n", t[reps / 2]);
    free(buf);
    return 0;
}
