/* test_png.c — PNG encode (stb_image_write + zlib) and exact greyscale decode (libpng). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "supervox/nifti.h"
#include "supervox/png.h"

static void encode_decode_roundtrip_odd_size(void)
{
    enum { W = 23, H = 17 };
    uint8_t px[H][W + 3]; /* stride wider than the row */
    uint8_t *png;
    size_t len;
    sv_png_image *img;
    int x, y, bad = 0;
    for (y = 0; y < H; y++)
        for (x = 0; x < W + 3; x++) px[y][x] = (uint8_t)(x * 11 + y * 7);
    CHECK_EQ_INT(sv_png_write(&px[0][0], W, H, 1, W + 3, &png, &len), SV_OK);
    CHECK(len > 8 && memcmp(png, "\x89PNG", 4) == 0);
    CHECK_EQ_INT(sv_png_read_gray(png, len, &img), SV_OK);
    if (img) {
        CHECK_EQ_INT(img->width, W);
        CHECK_EQ_INT(img->height, H);
        CHECK_EQ_INT(img->bit_depth, 8);
        for (y = 0; y < H; y++)
            for (x = 0; x < W; x++) bad += ((uint8_t *)img->pixels)[y * W + x] != px[y][x];
        CHECK_EQ_INT(bad, 0);
    }
    sv_png_image_free(img);
    sv_free(png);
}

static void colour_refused_and_damage_reported(void)
{
    uint8_t rgb[4 * 3 * 2] = {0}, *png, *cut;
    size_t len, n;
    sv_png_image *img = (sv_png_image *)1;
    CHECK_EQ_INT(sv_png_write(rgb, 4, 2, 3, 12, &png, &len), SV_OK);
    CHECK_EQ_INT(sv_png_read_gray(png, len, &img), SV_EUNSUPPORTED);
    CHECK(img == NULL);
    CHECK(strstr(sv_last_error(), "colour") != NULL);
    sv_free(png);
    CHECK_EQ_INT(sv_png_write(rgb, 6, 4, 1, 6, &png, &len), SV_OK);
    cut = (uint8_t *)malloc(len);
    for (n = 0; n < len; n++) { /* every truncation: an error, never a crash or leak */
        memcpy(cut, png, n);
        if (sv_png_read_gray(cut, n, &img) == SV_OK) {
            CHECK(n >= len - 12); /* only the IEND chunk may be missing */
            sv_png_image_free(img);
        }
    }
    free(cut);
    sv_free(png);
    CHECK_EQ_INT(sv_png_read_gray((const uint8_t *)"GIF89a..", 8, &img), SV_EFORMAT);
    CHECK_EQ_INT(sv_png_write(rgb, 0, 4, 1, 6, &png, &len), SV_EINVAL);
    CHECK(png == NULL);
}

static void sixteen_bit_slice_matches_its_nifti(void)
{
    /* png_stack/mr_u16: stored = voxel + 1024, columns = i, row 0 = largest j, file = k */
    char path[4200];
    size_t plen, nlen;
    uint8_t *pbuf, *nbuf;
    sv_png_image *img = NULL;
    sv_volume *v = NULL;
    int k = 7, i, j, bad = 0;
    snprintf(path, sizeof path, "%s/png_stack/mr_u16/slice_%03d.png", sv_test_data, k);
    pbuf = sv_test_read_file(path, &plen);
    snprintf(path, sizeof path, "%s/mr/example_mr_sm.nii.gz", sv_test_data);
    nbuf = sv_test_read_file(path, &nlen);
    CHECK(pbuf && nbuf);
    if (pbuf && nbuf && sv_png_read_gray(pbuf, plen, &img) == SV_OK && sv_nifti_read(nbuf, nlen, &v) == SV_OK) {
        CHECK_EQ_INT(img->bit_depth, 16);
        CHECK_EQ_INT(img->width, v->dim[0]);
        CHECK_EQ_INT(img->height, v->dim[1]);
        for (j = 0; j < v->dim[1]; j++)
            for (i = 0; i < v->dim[0]; i++) {
                int row = v->dim[1] - 1 - j;
                double want = sv_volume_get(v, (size_t)i + (size_t)v->dim[0] * ((size_t)j + (size_t)v->dim[1] * k)) + 1024;
                bad += ((uint16_t *)img->pixels)[row * img->width + i] != want;
            }
        CHECK_EQ_INT(bad, 0);
    } else {
        CHECK(0);
    }
    sv_png_image_free(img);
    sv_volume_free(v);
    free(pbuf);
    free(nbuf);
}

void suite_png(void)
{
    RUN(encode_decode_roundtrip_odd_size);
    RUN(colour_refused_and_damage_reported);
    RUN(sixteen_bit_slice_matches_its_nifti);
}
