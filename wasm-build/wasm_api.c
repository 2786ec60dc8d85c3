/* wasm_api.c — the plain-C surface the worker calls (listed in exports.txt).
 *
 * The core's API passes results through out-pointers; these thin wrappers
 * return them directly so the worker needs no scratch allocations per call.
 * Only 32-bit values cross the boundary (no BigInt needed). Failures return 0;
 * the worker then reads svw_last_status() and sv_last_error().
 */
#include <stdlib.h>

#include "supervox/nifti.h"
#include "supervox/png.h"
#include "supervox/status.h"
#include "supervox/volume.h"

static sv_status g_status;
static size_t g_len;

int svw_last_status(void) { return (int)g_status; }

/* Length in bytes of the last buffer a svw_* call returned. */
size_t svw_last_len(void) { return g_len; }

void *svw_malloc(size_t n) { return malloc(n ? n : 1); }

sv_nifti_reader *svw_nifti_open(const uint8_t *buf, size_t len)
{
    sv_nifti_reader *r = NULL;
    g_status = sv_nifti_reader_open(buf, len, &r);
    return r;
}

int svw_nifti_step(sv_nifti_reader *r, size_t max_bytes)
{
    g_status = sv_nifti_reader_step(r, max_bytes);
    return (int)g_status;
}

sv_volume *svw_nifti_finish(sv_nifti_reader *r)
{
    sv_volume *v = NULL;
    g_status = sv_nifti_reader_finish(r, &v);
    return v;
}

/* JSON description (see sv_volume_info_json); returned buffer: free with sv_free. */
char *svw_volume_info(const sv_volume *v, int with_stats)
{
    sv_volume_stats st;
    size_t need;
    char *s;
    if (with_stats) sv_volume_stats_compute(v, &st);
    need = sv_volume_info_json(v, with_stats ? &st : NULL, NULL, 0);
    s = (char *)malloc(need + 1);
    if (!s) {
        g_status = SV_ENOMEM;
        return NULL;
    }
    sv_volume_info_json(v, with_stats ? &st : NULL, s, need + 1);
    g_len = need;
    g_status = SV_OK;
    return s;
}

void *svw_volume_data(const sv_volume *v) { return v->data; }

size_t svw_volume_bytes(const sv_volume *v) { return v->nvox * sv_dtype_size(v->dtype); }

/* Encode as NIfTI-1; gzip_level 0 = plain. Returned buffer: free with sv_free;
 * its length is svw_last_len(). */
uint8_t *svw_nifti_write(const sv_volume *v, int gzip_level)
{
    uint8_t *out = NULL;
    size_t len = 0;
    g_status = sv_nifti_write(v, gzip_level, &out, &len);
    g_len = len;
    return out;
}

/* Percentiles (see sv_volume_percentiles): pcts and out are n doubles in the
 * wasm heap, owned by the caller. Returns the status. */
int svw_volume_percentiles(const sv_volume *v, const double *pcts, int n, double *out)
{
    g_status = sv_volume_percentiles(v, pcts, n, out);
    return (int)g_status;
}

/* Encode 8-bit pixels (channels 1..4, rows top first, tightly packed) as PNG.
 * Returned buffer: free with sv_free; its length is svw_last_len(). */
uint8_t *svw_png_write(const uint8_t *pixels, int width, int height, int channels)
{
    uint8_t *out = NULL;
    size_t len = 0;
    g_status = sv_png_write(pixels, width, height, channels, (size_t)width * (size_t)channels, &out, &len);
    g_len = len;
    return out;
}

/* Decode a greyscale PNG (8 or 16 bit). Returns the image (free with
 * sv_png_image_free) or 0; read its fields with the accessors below. */
sv_png_image *svw_png_read(const uint8_t *buf, size_t len)
{
    sv_png_image *img = NULL;
    g_status = sv_png_read_gray(buf, len, &img);
    return img;
}
int svw_png_width(const sv_png_image *img) { return img->width; }
int svw_png_height(const sv_png_image *img) { return img->height; }
int svw_png_depth(const sv_png_image *img) { return img->bit_depth; }
void *svw_png_pixels(const sv_png_image *img) { return img->pixels; }
