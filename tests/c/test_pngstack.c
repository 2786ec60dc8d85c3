/* test_pngstack.c — PNG slices to a volume: natural order, the row flip,
 * 16-bit stacks with an intercept (against their source NIfTI), and errors
 * that name the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/nifti.h"
#include "supervox/png.h"
#include "supervox/pngstack.h"

/* an 8-bit W x H PNG whose pixel (x, y) is base + 10 * y + x */
static uint8_t *make_png(int w, int h, int base, size_t *len)
{
    uint8_t *px = (uint8_t *)malloc((size_t)w * h), *png = NULL;
    int x, y;
    for (y = 0; y < h; y++)
        for (x = 0; x < w; x++) px[y * w + x] = (uint8_t)(base + 10 * y + x);
    CHECK_EQ_INT(sv_png_write(px, w, h, 1, (size_t)w, &png, len), SV_OK);
    free(px);
    return png;
}

static void natural_order_and_row_flip(void)
{
    /* given out of order; slice_2 must come before slice_10 */
    static const char *const names[3] = {"slice_10.png", "slice_1.png", "slice_2.png"};
    static const int bases[3] = {100, 0, 50};
    uint8_t *png[3];
    sv_file f[3];
    sv_volume *v = NULL;
    sv_png_stack_params p;
    int k, bad = 0, i, j;
    for (k = 0; k < 3; k++) {
        png[k] = make_png(4, 3, bases[k], &f[k].len);
        f[k].bytes = png[k];
        f[k].name = names[k];
    }
    sv_png_stack_params_default(&p);
    p.spacing[0] = 0.5;
    p.spacing[1] = 0.25;
    p.spacing[2] = 2;
    p.intercept = -7;
    CHECK_EQ_INT(sv_png_stack_read(f, 3, &p, &v), SV_OK);
    if (v) {
        static const int kbase[3] = {0, 50, 100}; /* slice_1, slice_2, slice_10 */
        CHECK_EQ_INT(v->dim[0], 4);
        CHECK_EQ_INT(v->dim[1], 3);
        CHECK_EQ_INT(v->dim[2], 3);
        CHECK_EQ_INT(v->dtype, SV_DT_UINT8);
        for (k = 0; k < 3; k++)
            for (j = 0; j < 3; j++)
                for (i = 0; i < 4; i++) {
                    int y = 2 - j; /* row 0 is the largest j */
                    double want = kbase[k] + 10 * y + i - 7;
                    bad += sv_volume_get(v, ((size_t)k * 3 + j) * 4 + i) != want;
                }
        CHECK_EQ_INT(bad, 0);
        CHECK_NEAR(v->affine[0][0], 0.5, 0);
        CHECK_NEAR(v->affine[1][1], 0.25, 0);
        CHECK_NEAR(v->affine[2][2], 2, 0);
        CHECK_NEAR(v->spacing[2], 2, 0);
        CHECK_NEAR(v->scl_inter, -7, 0);
    }
    sv_volume_free(v);
    for (k = 0; k < 3; k++) free(png[k]);
}

static void mismatches_and_damage_name_the_file(void)
{
    uint8_t *a, *b, *c;
    sv_file f[2];
    sv_volume *v = (sv_volume *)1;
    sv_png_stack_params p;
    a = make_png(4, 3, 0, &f[0].len);
    b = make_png(5, 3, 0, &f[1].len);
    f[0].bytes = a;
    f[0].name = "s1.png";
    f[1].bytes = b;
    f[1].name = "s2.png";
    CHECK_EQ_INT(sv_png_stack_read(f, 2, NULL, &v), SV_EINVAL);
    CHECK(v == NULL);
    CHECK(strstr(sv_last_error(), "s2.png is 5x3") != NULL && strstr(sv_last_error(), "s1.png is 4x3") != NULL);
    /* a damaged slice: its name leads the message */
    c = (uint8_t *)malloc(f[0].len);
    memcpy(c, a, f[0].len);
    f[1].bytes = c;
    f[1].len = f[0].len / 2;
    CHECK_EQ_INT(sv_png_stack_read(f, 2, NULL, &v), SV_EFORMAT);
    CHECK(strncmp(sv_last_error(), "s2.png: ", 8) == 0);
    f[1].bytes = (const uint8_t *)"not a png at all";
    f[1].len = 16;
    CHECK_EQ_INT(sv_png_stack_read(f, 2, NULL, &v), SV_EFORMAT);
    CHECK(strncmp(sv_last_error(), "s2.png: not a PNG", 17) == 0);
    /* parameters */
    sv_png_stack_params_default(&p);
    p.spacing[1] = 0;
    CHECK_EQ_INT(sv_png_stack_read(f, 1, &p, &v), SV_EINVAL);
    sv_png_stack_params_default(&p);
    p.slope = 0;
    CHECK_EQ_INT(sv_png_stack_read(f, 1, &p, &v), SV_EINVAL);
    CHECK_EQ_INT(sv_png_stack_read(f, 0, NULL, &v), SV_EINVAL);
    free(a);
    free(b);
    free(c);
}

static void sixteen_bit_stack_equals_its_nifti(void)
{
    /* png_stack/mr_u16: 20 slices, stored = voxel + 1024 */
    uint8_t *bufs[20] = {0}, *nbuf, *eight = NULL;
    sv_file f[20];
    char names[20][64], path[4200];
    size_t nlen, k;
    sv_volume *v = NULL, *ref = NULL;
    sv_png_stack_params p;
    int ok = 1;
    for (k = 0; k < 20; k++) {
        /* reversed: the stack sorts by name, not by the order given */
        snprintf(names[k], sizeof names[k], "slice_%03d.png", (int)(19 - k));
        snprintf(path, sizeof path, "%s/png_stack/mr_u16/%s", sv_test_data, names[k]);
        bufs[k] = sv_test_read_file(path, &f[k].len);
        f[k].bytes = bufs[k];
        f[k].name = names[k];
        ok = ok && bufs[k];
    }
    snprintf(path, sizeof path, "%s/mr/example_mr_sm.nii.gz", sv_test_data);
    nbuf = sv_test_read_file(path, &nlen);
    CHECK(ok && nbuf);
    sv_png_stack_params_default(&p);
    p.intercept = -1024;
    p.spacing[0] = p.spacing[1] = p.spacing[2] = 3;
    if (ok && nbuf && sv_png_stack_read(f, 20, &p, &v) == SV_OK && sv_nifti_read(nbuf, nlen, &ref) == SV_OK) {
        size_t i, bad = 0;
        CHECK_EQ_INT(v->dtype, SV_DT_UINT16);
        CHECK(v->dim[0] == ref->dim[0] && v->dim[1] == ref->dim[1] && v->dim[2] == ref->dim[2]);
        for (i = 0; i < ref->nvox; i++) bad += sv_volume_get(v, i) != sv_volume_get(ref, i);
        CHECK_EQ_INT(bad, 0);
        CHECK_NEAR(v->spacing[0], 3, 0);
    } else {
        CHECK(0);
    }
    /* an 8-bit slice of the same size among them: refused, both named */
    if (ok) {
        size_t elen;
        eight = make_png(117, 91, 0, &elen);
        f[5].bytes = eight;
        f[5].len = elen;
        sv_volume_free(v);
        v = NULL;
        CHECK_EQ_INT(sv_png_stack_read(f, 20, &p, &v), SV_EINVAL);
        CHECK(strstr(sv_last_error(), "slice_014.png is 8-bit but slice_000.png is 16-bit") != NULL);
    }
    sv_volume_free(v);
    sv_volume_free(ref);
    free(eight);
    free(nbuf);
    for (k = 0; k < 20; k++) free(bufs[k]);
}

void suite_pngstack(void)
{
    RUN(natural_order_and_row_flip);
    RUN(mismatches_and_damage_name_the_file);
    RUN(sixteen_bit_stack_equals_its_nifti);
}
