/* supervox/nifti.h — NIfTI-1 and NIfTI-2 in and out of memory.
 *
 * Reading: `.nii` or `.nii.gz` (gzip detected by magic bytes), either byte order,
 * data types uint8, int8, int16, uint16, int32, uint32, float32, float64.
 * The voxel-to-world matrix is chosen as nibabel does: sform if sform_code > 0,
 * else qform if qform_code > 0, else the spacing-only "base affine" (x flipped,
 * centred), so our world coordinates and nibabel's agree. 4D files load their
 * first frame (sv_volume.frames says how many there are). RGB, complex, 64-bit
 * integer and header-only (.hdr/.img pair) files are refused with a message.
 *
 * Every malformed input returns a status and a one-sentence reason; sizes from
 * the header are validated against the input before anything large is allocated
 * (a gzip stream is inflated into an allocation the header asked for only after
 * the header passed the checks, and the data must then really be there).
 *
 * Writing: NIfTI-1 single file (`n+1`), `.nii` or gzip, little-endian.
 */
#ifndef SUPERVOX_NIFTI_H
#define SUPERVOX_NIFTI_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/status.h"
#include "supervox/volume.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An incremental reader, so a UI can show progress on large files and cancel
 * between steps:
 *
 *   sv_nifti_reader *r;
 *   if (sv_nifti_reader_open(buf, len, &r) != SV_OK) fail(sv_last_error());
 *   while (!sv_nifti_reader_done(r)) {
 *       if (sv_nifti_reader_step(r, 8 << 20) != SV_OK) break;   // 8 MB per step
 *       report(sv_nifti_reader_progress(r));
 *   }
 *   st = sv_nifti_reader_finish(r, &vol);   // frees r in every case
 */
typedef struct sv_nifti_reader sv_nifti_reader;

/* Parse and validate the header of the file in buf[0..len) and allocate the
 * volume. buf is borrowed and must stay valid until finish.
 * *out is caller-owned: always end with sv_nifti_reader_finish().
 * Returns SV_OK, SV_EFORMAT, SV_EUNSUPPORTED, SV_ERANGE, SV_ENOMEM. */
sv_status sv_nifti_reader_open(const uint8_t *buf, size_t len, sv_nifti_reader **out);

/* Read (inflate) up to max_bytes more of the voxel data (0 = all of it).
 * Returns SV_OK or SV_EFORMAT (truncated or corrupt data). */
sv_status sv_nifti_reader_step(sv_nifti_reader *r, size_t max_bytes);

/* 1 once all voxel data has been read. */
int sv_nifti_reader_done(const sv_nifti_reader *r);

/* Fraction of the voxel data read so far, 0..1. */
double sv_nifti_reader_progress(const sv_nifti_reader *r);

/* Finish: on success (all data read, no error so far) *out receives the volume
 * (caller-owned, free with sv_volume_free); otherwise *out is NULL and the
 * status of the failure is returned. Frees r in every case (NULL is fine). */
sv_status sv_nifti_reader_finish(sv_nifti_reader *r, sv_volume **out);

/* Read a whole file from memory in one call (open + steps + finish). */
sv_status sv_nifti_read(const uint8_t *buf, size_t len, sv_volume **out);

/* Encode v as a NIfTI-1 file. gzip_level: 0 writes plain `.nii`, 1..9 gzip.
 * The header keeps v's dims, type, scaling, sform/qform (codes and values),
 * units, intent and description. A volume whose dims exceed NIfTI-1's 32767
 * is refused (SV_ERANGE). *out is caller-owned (sv_free), *outlen its size.
 * Returns SV_OK, SV_EINVAL, SV_ERANGE, SV_ENOMEM. */
sv_status sv_nifti_write(const sv_volume *v, int gzip_level, uint8_t **out, size_t *outlen);

#ifdef __cplusplus
}
#endif

#endif
