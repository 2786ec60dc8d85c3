/* supervox/dicom.h — DICOM series in, from memory: scan a set of files into
 * series, build one series as a volume, describe its metadata.
 *
 * Files: DICOM Part 10 (128-byte preamble + "DICM" + file meta group) or a
 * bare data set (no preamble, no meta; the encoding is guessed from the first
 * element). Transfer syntaxes read: Implicit VR Little Endian, Explicit VR
 * Little Endian, Explicit VR Big Endian. Every compressed or encapsulated
 * syntax (JPEG, JPEG-LS, JPEG 2000, RLE, deflate, MPEG, ...) is refused with
 * SV_EUNSUPPORTED and "<file>: not supported: <syntax name> (<uid>) ...".
 * Images: one frame, one sample per pixel (MONOCHROME1/2), 8, 16 or 32 bits
 * allocated, signed or unsigned. Sequences (defined or undefined length, at
 * any depth up to 64) are skipped; only top-level attributes are read.
 *
 * Geometry (what nibabel and dcm2niix give for the same files):
 *   voxel i = column, j = row, k = slice index after sorting the slices by
 *   position along the slice normal (ImageOrientationPatient row x column),
 *   ascending; never by file name or InstanceNumber.
 *   affine (RAS+) = diag(-1, -1, 1, 1) . [ r*dc  c*dr  s  p0 ] (LPS), where r, c
 *   are the IOP row and column direction cosines, dr, dc = PixelSpacing (row
 *   spacing, column spacing), p0 = ImagePositionPatient of the first sorted
 *   slice, and s = (p_last - p0) / (n - 1): the spacing between slices comes
 *   from the positions (SliceThickness only for a single slice). With gantry
 *   tilt s is not along the normal: the affine is sheared so that every voxel
 *   stays at its true position, and the series carries a warning.
 *
 * Values: RescaleSlope/RescaleIntercept are applied (slope 1, intercept 0
 * when absent; a slope of 0 is read as 1). Stored type, in this order:
 *   1. every slice's slope and intercept are whole numbers: the rescaled values
 *      are whole; stored as uint8 (8-bit data in 0..255), else int16, else
 *      uint16, else int32, with scl_slope 1, scl_inter 0 (a CT is int16 HU);
 *   2. else, if all slices share one slope and intercept: the raw pixel values
 *      in their own type (uint8/int8/uint16/int16/uint32/int32) with
 *      scl_slope/scl_inter set to them (exact, as dcm2niix does);
 *   3. else float32 of raw * slope + intercept, per slice.
 * Raw values are taken as stored in BitsAllocated bits (no masking to
 * BitsStored), as pydicom's pixel_array does.
 *
 * Privacy: patient and study attributes are kept only for
 * sv_dicom_metadata_json (a metadata panel). The volume built from a series
 * carries none of them: its descrip and intent name stay empty, so nothing
 * identifying reaches an exported NIfTI.
 *
 * ALGORITHM: one linear pass per file over the elements up to Pixel Data
 * (whose bytes are not touched by the scan); grouping is O(files x series);
 * slices are sorted by a merge sort. MEMORY: ~1.5 KB per scanned file; the
 * build allocates only the volume. PERFORMANCE: the scan is bounded by
 * header sizes; the build by one copy of the pixel data.
 */
#ifndef SUPERVOX_DICOM_H
#define SUPERVOX_DICOM_H

#include <stddef.h>
#include <stdint.h>

#include "supervox/files.h"
#include "supervox/status.h"
#include "supervox/volume.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One series found by a scan. Files that share a SeriesInstanceUID and a
 * SeriesNumber but differ in size or orientation form separate series (with
 * the same uid). */
typedef struct sv_dicom_series {
    char uid[65];          /* SeriesInstanceUID; "" if the files have none */
    char description[65];  /* SeriesDescription; "" if absent */
    int32_t number;        /* SeriesNumber; valid if has_number */
    int has_number;
    char modality[17];     /* e.g. "CT", "MR"; "" if absent */
    int32_t rows, cols;    /* pixels per slice */
    size_t nfiles;         /* slices */
    size_t *files;         /* nfiles indices into the scanned array, in slice order (k = 0 first) */
    int buildable;         /* 0 if sv_dicom_read_series will refuse it (repeated positions) */
    char warning[512];     /* "" or sentences: gantry tilt, uneven spacing (> 1 %), missing geometry, ... */
} sv_dicom_series;

/* A file the scan did not use, and why. */
typedef struct sv_dicom_skip {
    size_t file;       /* index into the scanned array */
    sv_status status;  /* SV_EFORMAT: not DICOM, damaged or truncated; SV_EUNSUPPORTED: compressed, colour, multi-frame, not an image */
    char reason[320];  /* one sentence naming the file */
} sv_dicom_skip;

typedef struct sv_dicom_hdr sv_dicom_hdr; /* per-file header (private) */

typedef struct sv_dicom_scan {
    const sv_file *files;     /* the scanned array (borrowed: keep it and its bytes alive until sv_dicom_scan_free) */
    size_t nfiles;
    size_t nseries;
    sv_dicom_series *series;  /* ordered by SeriesNumber (absent last), then uid */
    size_t nskipped;
    sv_dicom_skip *skipped;   /* in natural order of the file names */
    sv_dicom_hdr *hdr;        /* private: nfiles parsed headers */
} sv_dicom_scan;

/* Scan files[0..n) (borrowed, must outlive the scan): parse every file's
 * header, group the images into series, sort each series' slices and check
 * its geometry. A file that is not a usable image is listed in skipped (never
 * an error of the scan itself), so a folder holding a README and a JPEG 2000
 * file still scans. *out is caller-owned: free with sv_dicom_scan_free.
 * Returns SV_OK (nseries may be 0: see skipped for why), SV_EINVAL (files
 * NULL with n > 0), SV_ENOMEM. */
sv_status sv_dicom_scan_files(const sv_file *files, size_t n, sv_dicom_scan **out);

/* Build series `series` (0..nseries-1) of a scan as a volume (see the top of
 * this file for geometry and value rules). *out is caller-owned
 * (sv_volume_free). Returns SV_OK, SV_EINVAL (no such series), SV_EFORMAT (a
 * file changed since the scan), SV_EUNSUPPORTED (repeated slice positions),
 * SV_ERANGE, SV_ENOMEM. */
sv_status sv_dicom_read_series(const sv_dicom_scan *scan, size_t series, sv_volume **out);

/* The scan as JSON: {"series": [{"index", "uid", "description", "number",
 * "modality", "files", "rows", "cols", "warning"}, ...], "skipped": [{"file",
 * "status", "reason"}, ...]}. Written into buf (capacity cap, NUL-terminated);
 * returns the length needed (excluding NUL), like snprintf. */
size_t sv_dicom_scan_json(const sv_dicom_scan *scan, char *buf, size_t cap);

/* Identifying and acquisition metadata of a series (from its first slice) as
 * JSON, for display only: {"patient_id", "patient_name", "patient_age",
 * "patient_sex", "study_id", "study_date", "study_uid", "series_uid",
 * "series_number", "series_description", "modality", "slice_thickness",
 * "transfer_syntax"}; absent strings are "", absent numbers null. Bytes
 * outside ASCII are escaped as \u00XX (ISO_IR 100). Returns the length needed
 * like snprintf; 0 and "" if series is out of range. */
size_t sv_dicom_metadata_json(const sv_dicom_scan *scan, size_t series, char *buf, size_t cap);

/* Free a scan (not the files it borrowed). NULL is fine. */
void sv_dicom_scan_free(sv_dicom_scan *scan);

/* 1 if buf[0..len) looks like DICOM: "DICM" at byte 128, a file meta group
 * at the start, or a plausible first data set element (group 0002..0028).
 * Reads at most 132 bytes; for picking a loader, not a validation. */
int sv_dicom_sniff(const uint8_t *buf, size_t len);

/* The name of a transfer syntax UID ("Explicit VR Little Endian", "JPEG 2000
 * Image Compression", ...) or NULL if unknown. Static string. */
const char *sv_dicom_transfer_syntax_name(const char *uid);

#ifdef __cplusplus
}
#endif

#endif
