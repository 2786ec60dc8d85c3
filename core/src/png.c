/* png.c — PNG decode with libpng (exact greyscale values), encode with
 * stb_image_write (its deflate replaced by zlib's, which is faster and smaller).
 *
 * libpng reports errors by longjmp; the handler below records the message and
 * jumps back to the one setjmp in sv_png_read_gray, whose cleanup frees
 * everything (the rows buffer and the image are allocated before the jump
 * point can be reached again, and freed on the same exit).
 * MEMORY: the decoded image; one row-pointer array.
 */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <zlib.h>

#include "internal.h"
#include "supervox/png.h"

/* --- stb_image_write, with our allocator and zlib ------------------------ */

static unsigned char *sv_stbiw_zlib(unsigned char *data, int data_len, int *out_len, int quality);

#define STBIW_MALLOC(sz) SV_MALLOC(sz)
#define STBIW_REALLOC(p, newsz) SV_REALLOC(p, newsz)
#define STBIW_FREE(p) SV_FREE(p)
#define STBIW_ZLIB_COMPRESS sv_stbiw_zlib
#define STBI_WRITE_NO_STDIO
#define STB_IMAGE_WRITE_IMPLEMENTATION
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#endif
#include "stb_image_write.h"
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

static unsigned char *sv_stbiw_zlib(unsigned char *data, int data_len, int *out_len, int quality)
{
    uLongf cap = compressBound((uLong)data_len);
    unsigned char *out = (unsigned char *)SV_MALLOC(cap);
    (void)quality;
    if (!out) return NULL;
    if (compress2(out, &cap, data, (uLong)data_len, 6) != Z_OK) {
        SV_FREE(out);
        return NULL;
    }
    *out_len = (int)cap;
    return out;
}

typedef struct growbuf {
    uint8_t *p;
    size_t len, cap;
    int failed;
} growbuf;

static void grow_write(void *ctx, void *data, int size)
{
    growbuf *g = (growbuf *)ctx;
    size_t need;
    if (g->failed || size <= 0) return;
    if (!sv_add_size(g->len, (size_t)size, &need)) {
        g->failed = 1;
        return;
    }
    if (need > g->cap) {
        size_t ncap = g->cap ? g->cap * 2 : 4096;
        uint8_t *np;
        while (ncap < need) ncap *= 2;
        np = (uint8_t *)SV_REALLOC(g->p, ncap);
        if (!np) {
            g->failed = 1;
            return;
        }
        g->p = np;
        g->cap = ncap;
    }
    memcpy(g->p + g->len, data, (size_t)size);
    g->len = need;
}

sv_status sv_png_write(const uint8_t *pixels, int32_t width, int32_t height, int channels, size_t stride,
                       uint8_t **out, size_t *outlen)
{
    growbuf g = {NULL, 0, 0, 0};
    *out = NULL;
    *outlen = 0;
    if (width < 1 || height < 1 || channels < 1 || channels > 4)
        return sv_fail(SV_EINVAL, "cannot write a %ldx%ld PNG with %d channels", (long)width, (long)height, channels);
    if (stride < (size_t)width * (size_t)channels || stride > 0x7fffffff)
        return sv_fail(SV_EINVAL, "PNG row stride %zu does not fit %ld pixels", stride, (long)width);
    if (!stbi_write_png_to_func(grow_write, &g, width, height, channels, pixels, (int)stride) || g.failed) {
        SV_FREE(g.p);
        return sv_fail(SV_ENOMEM, "out of memory encoding a PNG");
    }
    *out = g.p;
    *outlen = g.len;
    return SV_OK;
}

/* --- libpng reading -------------------------------------------------------- */

typedef struct memsrc {
    const uint8_t *buf;
    size_t len, pos;
    char msg[200];
} memsrc;

static void src_read(png_structp png, png_bytep dst, png_size_t n)
{
    memsrc *s = (memsrc *)png_get_io_ptr(png);
    if (n > s->len - s->pos) png_error(png, "the PNG file is truncated");
    memcpy(dst, s->buf + s->pos, n);
    s->pos += n;
}

static void on_error(png_structp png, png_const_charp msg)
{
    memsrc *s = (memsrc *)png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg);
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg; /* warnings (e.g. an unknown chunk) do not stop a read */
}

sv_status sv_png_read_gray(const uint8_t *buf, size_t len, sv_png_image **out)
{
    memsrc src;
    png_structp png = NULL;
    png_infop info = NULL;
    sv_png_image *volatile img = NULL;
    png_bytep *volatile rows = NULL;
    volatile sv_status st = SV_OK;
    png_uint_32 w, h, y;
    int depth, ctype;
    size_t esz, nbytes;

    *out = NULL;
    if (len < 8 || png_sig_cmp(buf, 0, 8) != 0) return sv_fail(SV_EFORMAT, "not a PNG file (wrong signature)");
    memset(&src, 0, sizeof src);
    src.buf = buf;
    src.len = len;
    png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
    if (png) info = png_create_info_struct(png);
    if (!png || !info) {
        st = sv_fail(SV_ENOMEM, "out of memory starting the PNG decoder");
        goto done;
    }
    if (setjmp(png_jmpbuf(png))) {
        st = sv_fail(SV_EFORMAT, "damaged PNG: %s", src.msg[0] ? src.msg : "decoding failed");
        goto done;
    }
    png_set_read_fn(png, &src, src_read);
    /* refuse images whose pixel count would be absurd before allocating anything */
    png_set_user_limits(png, 65535, 65535);
    png_read_info(png, info);
    png_get_IHDR(png, info, &w, &h, &depth, &ctype, NULL, NULL, NULL);
    if (ctype != PNG_COLOR_TYPE_GRAY) {
        st = sv_fail(SV_EUNSUPPORTED, "the PNG is %s; scan slices must be greyscale without alpha",
                     ctype == PNG_COLOR_TYPE_PALETTE ? "a palette image" : (ctype & PNG_COLOR_MASK_COLOR) ? "in colour" : "greyscale with alpha");
        goto done;
    }
    if (depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (depth == 16) {
        const uint16_t probe = 1;
        uint8_t first;
        memcpy(&first, &probe, 1);
        if (first) png_set_swap(png); /* PNG is big-endian; the host is little */
    }
    png_read_update_info(png, info);
    esz = depth == 16 ? 2 : 1;
    if (!sv_mul_size((size_t)w * (size_t)h, esz, &nbytes)) {
        st = sv_fail(SV_ERANGE, "the PNG is too large (%lux%lu)", (unsigned long)w, (unsigned long)h);
        goto done;
    }
    img = (sv_png_image *)SV_CALLOC(1, sizeof *img);
    if (img) img->pixels = SV_MALLOC(nbytes ? nbytes : 1);
    rows = (png_bytep *)SV_MALLOC(h * sizeof *rows);
    if (!img || !img->pixels || !rows) {
        st = sv_fail(SV_ENOMEM, "out of memory decoding a %lux%lu PNG", (unsigned long)w, (unsigned long)h);
        goto done;
    }
    img->width = (int32_t)w;
    img->height = (int32_t)h;
    img->bit_depth = depth == 16 ? 16 : 8;
    for (y = 0; y < h; y++) rows[y] = (png_bytep)img->pixels + (size_t)y * w * esz;
    png_read_image(png, rows);
    png_read_end(png, NULL);
    *out = img;
    img = NULL;
done:
    if (png) png_destroy_read_struct(&png, info ? &info : NULL, NULL);
    SV_FREE(rows);
    sv_png_image_free(img);
    return st;
}

void sv_png_image_free(sv_png_image *img)
{
    if (!img) return;
    SV_FREE(img->pixels);
    SV_FREE(img);
}
