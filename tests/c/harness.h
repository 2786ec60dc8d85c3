/* harness.h — a tiny test harness: CHECK records a failure and goes on; each
 * test file exposes one suite function listed in main.c; main prints the
 * closing line CI reads: "N passed, N failed". */
#ifndef SV_TEST_HARNESS_H
#define SV_TEST_HARNESS_H

#include <math.h>
#include <stdio.h>

extern int sv_test_checks_failed; /* failures inside the current test */
extern int sv_tests_passed, sv_tests_failed;
extern const char *sv_test_data;  /* ../shared/data */

#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            sv_test_checks_failed++;                                                  \
            fprintf(stderr, "    %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
        }                                                                             \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                     \
    do {                                                                                       \
        long long a_ = (long long)(a), b_ = (long long)(b);                                    \
        if (a_ != b_) {                                                                        \
            sv_test_checks_failed++;                                                           \
            fprintf(stderr, "    %s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, \
                    #a, a_, #b, b_);                                                           \
        }                                                                                      \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                  \
    do {                                                                                       \
        double a_ = (double)(a), b_ = (double)(b);                                             \
        if (!(fabs(a_ - b_) <= (tol))) {                                                       \
            sv_test_checks_failed++;                                                           \
            fprintf(stderr, "    %s:%d: %s == %.9g, expected %.9g (tol %g)\n", __FILE__, __LINE__, \
                    #a, a_, b_, (double)(tol));                                                \
        }                                                                                      \
    } while (0)

typedef void (*sv_test_fn)(void);
void sv_run_test(const char *name, sv_test_fn fn);
#define RUN(fn) sv_run_test(#fn, fn)

/* suites, one per core module */
void suite_status(void);
void suite_volume(void);
void suite_gz(void);
void suite_nifti(void);
void suite_png(void);
void suite_history(void);
void suite_brush(void);
void suite_supervoxels(void);
void suite_propagate(void);
void suite_strokes(void);
void suite_mesh(void);
void suite_dicom(void);
void suite_pngstack(void);
void suite_parallel(void);

/* helpers */
unsigned char *sv_test_read_file(const char *path, size_t *len); /* malloc'ed, NULL if missing */

#endif
