#!/usr/bin/env bash
# run.sh — `make bench`: Supervox side by side with the reference tools, as ratios.
# Timings are medians on this machine; ratios matter more than absolute numbers.
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=tests/out/bench
mkdir -p "$OUT"
DATA=${SHARED:-../shared}/data
[ -f "$OUT/brain256.nii.gz" ] && [ -f "$OUT/aseg256.nii.gz" ] ||
  /usr/bin/python3 tests/bench/make_volumes.py "$DATA/brain/norm_crop.nii.gz" "$OUT" "$DATA/brain/aseg_collapsed_crop.nii.gz" >/dev/null
cc -std=c99 -O2 -pthread -Icore/include tests/bench/bench_read.c build/libsupervox.a -lz -lpng -lm -o build/bench_read
cc -std=c99 -O2 -pthread -Icore/include tests/bench/bench_mesh.c build/libsupervox.a -lz -lpng -lm -o build/bench_mesh
cc -std=c99 -O2 -pthread -Icore/include tests/bench/bench_sv.c build/libsupervox.a -lz -lpng -lm -o build/bench_sv

{
echo "## Reading NIfTI (.nii.gz), median time to voxels in memory"
echo
echo "| volume | Supervox native | Supervox wasm (Node) | nibabel | nibabel / wasm |"
echo "|---|---|---|---|---|"
for v in "$DATA/brain/norm_crop.nii.gz" "$OUT/brain256.nii.gz" "$OUT/brain256_int16.nii.gz"; do
  n=$(build/bench_read "$v"); w=$(node tests/bench/read-wasm.mjs "$v"); p=$(/usr/bin/python3 tests/bench/read-nibabel.py "$v")
  awk -v f="$(basename "$v")" -v n="$n" -v w="$w" -v p="$p" 'BEGIN { printf "| %s | %.1f ms | %.1f ms | %.1f ms | %.2fx |\n", f, n*1000, w*1000, p*1000, p/w }'
done
echo
echo "## Slicer in Chromium, 256^3 uint8 (brain256.nii.gz)"
echo
node tests/bench/slicer-bench.mjs "$PWD/$OUT/brain256.nii.gz" | /usr/bin/python3 tests/bench/slicer_table.py
echo
echo "## Supervoxels, SNIC, compactness 0.1: native, wasm (Node), and skimage slic without a mask"
echo
echo "Native and wasm alone: sv_supervoxels (median of 3). Wasm segmenter: what the app computes"
echo "(supervoxels, their index, graph and merge levels). skimage: one run of slic, no mask, same"
echo "target count and compactness, spacing-aware, intensities normalised to [0, 1]; ratio = skimage / wasm alone."
echo
echo "| volume | target | background | native | wasm | wasm segmenter | supervoxels | skimage slic | skimage / wasm |"
echo "|---|---|---|---|---|---|---|---|---|"
for spec in "$DATA/brain/norm_crop.nii.gz 5000 1" "$DATA/brain/norm_crop.nii.gz 5000 -" "$OUT/brain256.nii.gz 20000 1" "$OUT/brain256.nii.gz 20000 -"; do
  set -- $spec; f=$1; n=$2; th=$3
  if [ "$th" = - ]; then
    w=$(node tests/bench/sv-wasm.mjs "$f" "$n"); bg=none
    sk=$(/usr/bin/python3 tests/bench/slic_skimage.py "$f" "$n" 0.1)
  else
    w=$(node tests/bench/sv-wasm.mjs "$f" "$n" "$th"); bg="< $th"; sk=-
  fi
  nat=$(build/bench_sv "$f" "$n" "$th" 3)
  awk -v f="$(basename "$f")" -v n="$n" -v bg="$bg" -v nat="$nat" -v w="$w" -v sk="$sk" 'BEGIN {
    split(nat, a, " "); split(w, b, " "); split(sk, k, " ")
    skc = sk == "-" ? "-" : sprintf("%.2f s (%d)", k[1], k[2]); r = sk == "-" ? "-" : sprintf("%.1fx", k[1] / b[3])
    printf "| %s | %s | %s | %.2f s | %.2f s | %.2f s | %d | %s | %s |\n", f, n, bg, a[1], b[3], b[1], b[2], skc, r }'
done
echo
echo "## Threads in wasm: the single-threaded core (supervox.js) and the threaded one (supervox-mt.js), Node, same run"
echo
echo "Runs alternate (single, threaded, single, ...; 7 each) so that a busy machine hurts both alike; median"
echo "(fastest in brackets: on a shared machine the fastest run says best what each build can do)."
echo "Supervoxels unmasked, compactness 0.1 (the segmenter adds the index, graph and merge levels); meshes:"
echo "every label raw, and the cortex (label 3) with the default smoothing, each from a fresh mesher."
echo "Both builds give the same maps and meshes (tests/node/threads-wasm.test.mjs)."
echo
echo "| volume | what | single | threaded | threads | single / threaded |"
echo "|---|---|---|---|---|---|"
for spec in "$DATA/brain/norm_crop.nii.gz 5000 $DATA/brain/aseg_collapsed_crop.nii.gz" "$OUT/brain256.nii.gz 20000 $OUT/aseg256.nii.gz"; do
  set -- $spec
  node tests/bench/threads-wasm.mjs "$1" "$2" "$3" 7 | /usr/bin/python3 -c '
import json, os, sys
r = json.load(sys.stdin)
sv, mesh, n, t = os.path.basename(sys.argv[1]), os.path.basename(sys.argv[3]), sys.argv[2], r["threads"]
rows = [("sv", sv, f"supervoxels {n}"), ("segmenter", sv, f"segmenter {n}"), ("mesh_all", mesh, "mesh, all labels, raw"),
        ("mesh_cortex", mesh, "mesh, cortex, smoothed")]
for k, f, what in rows:
    a, b, am, bm = r[k]["single"], r[k]["threaded"], r[k]["single_min"], r[k]["threaded_min"]
    print(f"| {f} | {what} | {a:.0f} ms ({am:.0f}) | {b:.0f} ms ({bm:.0f}) | {t} | {a / b:.2f}x ({am / bm:.2f}x) |")
' "$1" "$2" "$3"
done
echo
echo "## Supervoxels in the app in Chromium, 256^3 unmasked, 20 000 (brain256.nii.gz)"
echo
echo "What the app reports after Compute (\"N supervoxels in X s\": supervoxels, index, graph and merge"
echo "levels in the worker, the map back on the page), three computes in one page; the first is a first call"
echo "(V8 has not yet optimised the wasm). Served plainly: the single-threaded core; with COOP/COEP (make serve,"
echo "dist/ through its service worker): the threaded one. Last column: one more compute as the app does by default,"
echo "with the automatic background (the lowest value, here the zero padding around the brain)."
echo
node tests/bench/sv-browser.mjs "$OUT/brain256.nii.gz" 20000 3 | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print("| core | cross-origin isolated | first | second | third | goal | default background (auto) |")
print("|---|---|---|---|---|---|---|")
for k in ("single", "threaded"):
    s, iso, sec, bg = r[k]["seconds"], r[k]["isolated"], r[k]["auto"]["seconds"], r[k]["auto"]["background"]
    print(f"| {k} | {iso} | " + " | ".join(f"{x:.1f} s" for x in s) + f" | < 3 s | {sec:.1f} s ({bg} background) |")
'
echo
echo "## Strokes over ~20 000 supervoxels at 256^3 in wasm (Node), and resident memory"
echo
node tests/bench/stroke-latency.mjs "$OUT/brain256.nii.gz" 20000 1 | /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
print("| measure | value | goal |")
print("|---|---|---|")
print("| paint stroke to labels written, median / p95 | {} / {} ms | p95 < 16 ms |".format(*r["paint_ms"][:2]))
print("| touch stroke to labels written, median / p95 | {} / {} ms | p95 < 16 ms |".format(*r["touch_ms"][:2]))
print("| paint stroke preview while drawing (decision only), median / p95 | {} / {} ms | p95 < 16 ms |".format(*r["preview_ms"][:2]))
print("| resident bytes per voxel (image, one layer, supervoxel map, index, graph) | {} | <= 12 |".format(r["bytes_per_voxel"]))
'
echo
echo "## Label meshes: marching cubes against skimage, full and after an edit (median ms)"
echo
for spec in "aseg_collapsed_crop 3 cortex" "aseg_collapsed_crop 17 hippocampus" "aseg256 3 cortex" "aseg256 17 hippocampus"; do
  set -- $spec
  if [ "$1" = aseg256 ]; then f=$OUT/aseg256.nii.gz; else f=$DATA/brain/$1.nii.gz; fi
  o=$(build/bench_mesh "$f" "$2"); w=$(node tests/bench/mesh-wasm.mjs "$f" "$2"); s=$(/usr/bin/python3 tests/bench/mesh_skimage.py "$f" "$2")
  echo "{\"file\": \"$1\", \"name\": \"$2 ($3)\", \"ours\": $o, \"wasm\": $w, \"skimage\": $s}"
done | /usr/bin/python3 tests/bench/mesh_table.py
echo
/usr/bin/python3 tests/bench/annotate_bench.py build/supervox "$OUT/annotate" "$DATA"
} | tee "$OUT/results.md"
