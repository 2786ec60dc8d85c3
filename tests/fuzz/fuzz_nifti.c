/* fuzz_nifti.c — libFuzzer harness for the NIfTI reader (make fuzz).
 * Any input must give SV_OK or a status with a message: no crash, no leak,
 * no hang, no huge allocation (-rss_limit_mb catches that). What reads is
 * written back and read again, so the writer is exercised on odd volumes too,
 * and imported as a label map onto a grid in another storage order (the
 * reorienting import "Import labels" uses). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "supervox/nifti.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sv_volume *v = NULL, *w = NULL;
    uint8_t *out = NULL;
    size_t len = 0;
    if (sv_nifti_read(data, size, &v) != SV_OK) {
        if (v || sv_last_error()[0] == '\0') __builtin_trap(); /* a failure must say why */
        return 0;
    }
    if (v->nvox <= (1u << 22)) {
        sv_volume_stats st;
        double p[2] = {1, 99}, q[2];
        sv_volume_summary sum;
        sv_volume_stats_compute(v, &st);
        sv_volume_summarize(v, p, 2, q, &sum);
        {
            /* as a label map for an image whose grid is v's with i and j swapped
             * and k reversed (as an import onto another storage order) */
            sv_volume *img = NULL, *lab = NULL;
            int32_t d[3] = {v->dim[1], v->dim[0], v->dim[2]};
            if (sv_volume_create(d, SV_DT_UINT8, &img) == SV_OK) {
                double A[16];
                int r;
                for (r = 0; r < 4; r++) {
                    A[r * 4 + 0] = v->affine[r][1];
                    A[r * 4 + 1] = v->affine[r][0];
                    A[r * 4 + 2] = -v->affine[r][2];
                    A[r * 4 + 3] = v->affine[r][3] + v->affine[r][2] * (v->dim[2] - 1);
                }
                sv_volume_set_affine(img, A, 2);
                if (sv_volume_labels_for(img, v, &lab) != SV_OK) {
                    if (lab || sv_last_error()[0] == '\0') __builtin_trap();
                } else if (lab->nvox != v->nvox || lab->dtype != SV_DT_UINT8) {
                    __builtin_trap();
                }
                sv_volume_free(lab);
                sv_volume_free(img);
            }
        }
        if (sv_nifti_write(v, 1, &out, &len) == SV_OK) {
            if (sv_nifti_read(out, len, &w) != SV_OK) __builtin_trap(); /* our own output must read */
            if (w->nvox != v->nvox || memcmp(w->data, v->data, v->nvox * sv_dtype_size(v->dtype)) != 0)
                __builtin_trap();
        }
    }
    sv_volume_free(w);
    sv_free(out);
    sv_volume_free(v);
    return 0;
}
