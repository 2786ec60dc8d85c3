/* main.c — runs every suite and prints "N passed, N failed". */
#include <stdlib.h>
#include <string.h>

#include "harness.h"

int sv_test_checks_failed, sv_tests_passed, sv_tests_failed;
const char *sv_test_data;

void sv_run_test(const char *name, sv_test_fn fn)
{
    sv_test_checks_failed = 0;
    fn();
    if (sv_test_checks_failed) {
        sv_tests_failed++;
        printf("FAIL %s\n", name);
    } else {
        sv_tests_passed++;
        printf("ok   %s\n", name);
    }
    fflush(stdout);
}

unsigned char *sv_test_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf;
    long n;
    *len = 0;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = (unsigned char *)malloc(n > 0 ? (size_t)n : 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (buf) *len = (size_t)n;
    return buf;
}

int main(void)
{
    static char data[4096];
    const char *shared = getenv("SHARED");
    snprintf(data, sizeof data, "%s/data", shared ? shared : "../shared");
    sv_test_data = data;
    suite_status();
    suite_volume();
    suite_gz();
    suite_nifti();
    suite_png();
    suite_history();
    suite_brush();
    suite_supervoxels();
    suite_propagate();
    suite_strokes();
    suite_mesh();
    suite_dicom();
    suite_pngstack();
    suite_parallel();
    printf("%d passed, %d failed\n", sv_tests_passed, sv_tests_failed);
    return sv_tests_failed ? 1 : 0;
}
