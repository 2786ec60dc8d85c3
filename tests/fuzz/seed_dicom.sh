#!/usr/bin/env bash
# seed_dicom.sh DIR — seed the DICOM fuzz corpus with the small shared DICOM
# files, each prefixed by one byte (0: the input is one file; see fuzz_dicom.c).
set -euo pipefail
dir=$1
mkdir -p "$dir"
data=${SHARED:-../shared}/data
for f in "$data"/dicom_edge/pydicom/*.dcm "$data"/dicom_edge/pydicom/CT5N/*; do
  if [ "$(stat -c %s "$f")" -le 65536 ]; then
    { printf '\0'; cat "$f"; } >"$dir/$(basename "$f")"
  fi
done
# two CT5N slices as one two-file input (first byte 1: two equal parts)
a="$data"/dicom_edge/pydicom/CT5N/2062 b="$data"/dicom_edge/pydicom/CT5N/2392
if [ "$(stat -c %s "$a")" = "$(stat -c %s "$b")" ]; then { printf '\1'; cat "$a" "$b"; } >"$dir/ct5n_pair"; fi
