/* fuzz_dicom.c — libFuzzer harness for the DICOM reader (make fuzz-dicom).
 * The input is split into 1..4 files (the first byte says how many; the rest
 * is cut into equal parts), scanned as a folder, and every series found is
 * built and described. Any input must give statuses with messages: no crash,
 * no leak, no hang, no huge allocation. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "supervox/dicom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *names[4] = {"a.dcm", "b.dcm", "c.dcm", "d.dcm"};
    static char json[1 << 16];
    sv_file files[4];
    sv_dicom_scan *scan = NULL;
    size_t n, k, part;
    if (size == 0) return 0;
    n = 1 + (size_t)(data[0] % 4);
    data++;
    size--;
    part = size / n;
    for (k = 0; k < n; k++) {
        files[k].name = names[k];
        files[k].bytes = data + k * part;
        files[k].len = k + 1 == n ? size - k * part : part;
    }
    if (sv_dicom_scan_files(files, n, &scan) != SV_OK) __builtin_trap(); /* only ENOMEM could fail */
    for (k = 0; k < scan->nskipped; k++)
        if (!scan->skipped[k].reason[0]) __builtin_trap(); /* a skip must say why */
    sv_dicom_scan_json(scan, json, sizeof json);
    for (k = 0; k < scan->nseries; k++) {
        sv_volume *v = NULL;
        sv_dicom_metadata_json(scan, k, json, sizeof json);
        if (sv_dicom_read_series(scan, k, &v) != SV_OK && (v || !sv_last_error()[0])) __builtin_trap();
        sv_volume_free(v);
    }
    sv_dicom_scan_free(scan);
    return 0;
}
