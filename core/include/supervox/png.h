/* supervox/png.h — PNG in (libpng) and out (stb_image_write), in memory.
 *
 * In: 8- and 16-bit greyscale (1/2/4-bit grey is widened to 8); values are
 * kept exactly (no gamma or colour conversion). Colour, palette and
 * alpha images are refused: slices of a scan are scalar.
 * Out: 8-bit grey, grey+alpha, RGB or RGBA, compressed with zlib.
 */
#ifndef SUPERVOX_PNG_H
#define SUPERVOX_PNG_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A decoded greyscale image: width*height samples, row-major, top row first. */
typedef struct sv_png_image {
    int32_t width, height;
    int bit_depth;      /* 8 or 16 */
    void *pixels;       /* uint8_t or uint16_t (host order) samples; owned */
} sv_png_image;

/* Decode a PNG from buf[0..len) (borrowed). *out is caller-owned: free with
 * sv_png_image_free(). Returns SV_OK, SV_EFORMAT (not a PNG, damaged),
 * SV_EUNSUPPORTED (colour or alpha), SV_ERANGE (too large), SV_ENOMEM. */
sv_status sv_png_read_gray(const uint8_t *buf, size_t len, sv_png_image **out);

/* Free a decoded image. NULL is fine. */
void sv_png_image_free(sv_png_image *img);

/* Encode width*height pixels of `channels` (1 grey, 2 grey+alpha, 3 RGB,
 * 4 RGBA) 8-bit samples, rows top first, `stride` bytes apart (borrowed).
 * *out is caller-owned (sv_free), *outlen its size.
 * Returns SV_OK, SV_EINVAL, SV_ENOMEM. */
sv_status sv_png_write(const uint8_t *pixels, int32_t width, int32_t height, int channels, size_t stride,
                       uint8_t **out, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif
