#!/usr/bin/env bash
# seed.sh DIR — seed the fuzz corpus with the shared NIfTI files (small ones whole,
# plus the first 64 KB of each decompressed, so the fuzzer sees plain headers too).
set -euo pipefail
dir=$1
mkdir -p "$dir"
data=${SHARED:-../shared}/data
for f in "$data"/nifti_edge/* "$data"/brain/*.nii.gz "$data"/mr/*.nii.gz; do
  b=$(basename "$f")
  if [ "$(stat -c %s "$f")" -le 65536 ]; then cp "$f" "$dir/$b"; fi
  case "$f" in *.gz) gzip -dc "$f" 2>/dev/null | head -c 65536 >"$dir/$b.raw" || true ;; esac
done
# inputs that once failed, kept as seeds so they stay fixed
cp "$(dirname "$0")"/regressions/* "$dir"/ 2>/dev/null || true
