/* pngstack.c — a volume from PNG slices: natural name order, one decode per
 * slice straight into the volume (rows flipped so row 0 is the largest j).
 *
 * MEMORY: the volume + one decoded slice. PERFORMANCE: libpng decode speed.
 */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "supervox/png.h"
#include "supervox/pngstack.h"

void sv_png_stack_params_default(sv_png_stack_params *p)
{
    p->spacing[0] = p->spacing[1] = p->spacing[2] = 1.0;
    p->slope = 1.0;
    p->intercept = 0.0;
}

static const char *name_of(const sv_file *f) { return f->name ? f->name : "(unnamed)"; }

sv_status sv_png_stack_read(const sv_file *files, size_t n, const sv_png_stack_params *params, sv_volume **out)
{
    sv_png_stack_params p;
    size_t *order = NULL, k;
    sv_png_image *img = NULL;
    sv_volume *v = NULL;
    sv_status st = SV_OK;
    const sv_file *first = NULL;
    int a;

    *out = NULL;
    if (params)
        p = *params;
    else
        sv_png_stack_params_default(&p);
    if (!files || n == 0) return sv_fail(SV_EINVAL, "no PNG slices were given");
    if (n > INT32_MAX) return sv_fail(SV_ERANGE, "too many PNG slices (%zu)", n);
    for (a = 0; a < 3; a++)
        if (!(isfinite(p.spacing[a]) && p.spacing[a] > 0))
            return sv_fail(SV_EINVAL, "the PNG stack's spacing along axis %d is %g mm; it must be positive", a + 1, p.spacing[a]);
    if (!isfinite(p.slope) || p.slope == 0.0 || !isfinite(p.intercept))
        return sv_fail(SV_EINVAL, "the PNG stack's slope (%g) must be a non-zero number and its intercept (%g) a number", p.slope, p.intercept);
    order = (size_t *)SV_MALLOC(n * sizeof *order);
    if (!order) return sv_fail(SV_ENOMEM, "out of memory ordering %zu PNG slices", n);
    if ((st = sv_files_natural_order(files, n, order)) != SV_OK) goto done;

    for (k = 0; k < n; k++) {
        const sv_file *f = &files[order[k]];
        size_t esz, row_bytes, y;
        if ((st = sv_png_read_gray(f->bytes, f->len, &img)) != SV_OK) {
            char why[400];
            memcpy(why, sv_last_error(), sizeof why - 1);
            why[sizeof why - 1] = '\0';
            st = sv_fail(st, "%s: %s", name_of(f), why);
            goto done;
        }
        if (!v) {
            int32_t dim[3];
            double aff[16] = {0};
            dim[0] = img->width;
            dim[1] = img->height;
            dim[2] = (int32_t)n;
            if ((st = sv_volume_create(dim, img->bit_depth == 16 ? SV_DT_UINT16 : SV_DT_UINT8, &v)) != SV_OK) goto done;
            for (a = 0; a < 3; a++) aff[a * 4 + a] = p.spacing[a];
            aff[15] = 1.0;
            sv_volume_set_affine(v, aff, 2);
            v->scl_slope = p.slope;
            v->scl_inter = p.intercept;
            first = f;
        } else if (img->width != v->dim[0] || img->height != v->dim[1]) {
            st = sv_fail(SV_EINVAL, "%s is %ldx%ld pixels but %s is %ldx%ld; every slice of a stack must have the same size", name_of(f),
                         (long)img->width, (long)img->height, name_of(first), (long)v->dim[0], (long)v->dim[1]);
            goto done;
        } else if ((img->bit_depth == 16) != (v->dtype == SV_DT_UINT16)) {
            st = sv_fail(SV_EINVAL, "%s is %d-bit but %s is %d-bit; every slice of a stack must have the same bit depth", name_of(f),
                         img->bit_depth, name_of(first), v->dtype == SV_DT_UINT16 ? 16 : 8);
            goto done;
        }
        esz = sv_dtype_size(v->dtype);
        row_bytes = (size_t)v->dim[0] * esz;
        for (y = 0; y < (size_t)v->dim[1]; y++) {
            size_t j = (size_t)v->dim[1] - 1 - y; /* row 0 = largest j */
            memcpy((uint8_t *)v->data + (k * (size_t)v->dim[1] + j) * row_bytes, (const uint8_t *)img->pixels + y * row_bytes, row_bytes);
        }
        sv_png_image_free(img);
        img = NULL;
    }
    *out = v;
    v = NULL;
done:
    sv_png_image_free(img);
    sv_volume_free(v);
    SV_FREE(order);
    return st;
}
