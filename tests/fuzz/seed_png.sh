#!/usr/bin/env bash
# seed_png.sh DIR — seed the PNG fuzz corpus (see fuzz_png.c: the first byte
# says how the input is cut into files): the small PNGs of tests/fuzz/png and
# of the shared stacks as one file each, and one two-slice stack.
set -euo pipefail
dir=$1
mkdir -p "$dir"
data=${SHARED:-../shared}/data
here=$(dirname "$0")
for f in "$here"/png/*.png "$data"/png_stack/*/slice_00[0-4].png "$data"/png_stack/brain_u8/slice_17?.png; do
  if [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 16384 ]; then
    { printf '\0'; cat "$f"; } >"$dir/$(basename "$(dirname "$f")")_$(basename "$f")"
  fi
done
{ printf '\1'; cat "$here"/png/grey8.png "$here"/png/grey8.png; } >"$dir/pair_grey8"
