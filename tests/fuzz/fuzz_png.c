/* fuzz_png.c — libFuzzer harness for PNG slices and PNG stacks (make fuzz-png).
 * The first byte says how the rest is cut: 0, one file; odd, two halves
 * (two slices of a stack); otherwise at that fraction of the length. The whole
 * rest is decoded alone, then the pieces are stacked (named so that natural
 * order reverses them). Any input must give SV_OK or a status with a message;
 * a stack that reads has a slice per file and the files' own size. No crash,
 * no leak, no hang, no huge allocation (-rss_limit_mb). */
#include <stddef.h>
#include <stdint.h>

#include "supervox/png.h"
#include "supervox/pngstack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sv_png_image *img = NULL;
    sv_volume *vol = NULL;
    sv_png_stack_params p;
    sv_file files[2];
    size_t n = 1, cut;
    if (size < 1) return 0;
    cut = size - 1;
    if (data[0] & 1) cut = (size - 1) / 2, n = 2;
    else if (data[0]) cut = (size - 1) * data[0] / 256, n = 2;
    if (sv_png_read_gray(data + 1, size - 1, &img) != SV_OK) {
        if (img || sv_last_error()[0] == '\0') __builtin_trap(); /* a failure must say why */
    } else if (img->width < 1 || img->height < 1 || (img->bit_depth != 8 && img->bit_depth != 16) || !img->pixels) {
        __builtin_trap();
    }
    files[0].name = "slice_10.png";
    files[0].bytes = data + 1;
    files[0].len = cut;
    files[1].name = "slice_9.png";
    files[1].bytes = data + 1 + cut;
    files[1].len = size - 1 - cut;
    sv_png_stack_params_default(&p);
    if (sv_png_stack_read(files, n, &p, &vol) != SV_OK) {
        if (vol || sv_last_error()[0] == '\0') __builtin_trap();
    } else if (vol->dim[2] != (int32_t)n || vol->dim[0] < 1 || vol->dim[1] < 1) {
        __builtin_trap();
    } else if (n == 1 && img && (vol->dim[0] != img->width || vol->dim[1] != img->height)) {
        __builtin_trap();
    }
    sv_volume_free(vol);
    sv_png_image_free(img);
    return 0;
}
