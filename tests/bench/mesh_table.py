"""Format the mesh benchmark: JSON lines on stdin, each {"file", "name", "ours"
(bench_mesh.c), "skimage" (mesh_skimage.py), optionally "wasm" (mesh-wasm.mjs)},
into markdown tables. Run with /usr/bin/python3."""
import json
import sys

rows = [json.loads(line) for line in sys.stdin if line.strip()]
wasm = any("wasm" in r for r in rows)

print("| volume | label | triangles | Supervox native | " + ("Supervox wasm (Node) | " if wasm else "")
      + "skimage marching_cubes | skimage / native |")
print("|---|---|---|---|" + ("---|" if wasm else "") + "---|---|")
seen_all = set()
for r in rows:
    o, s, w = r["ours"], r["skimage"], r.get("wasm")
    wcol = f"{w['full_raw_ms']:.1f} ms | " if wasm and w else ("- | " if wasm else "")
    print(f"| {r['file']} | {r['name']} | {o['triangles']} | {o['full_raw_ms']:.1f} ms | {wcol}"
          f"{s['full_ms']:.1f} ms | {s['full_ms'] / o['full_raw_ms']:.1f}x |")
    if r["file"] not in seen_all:
        seen_all.add(r["file"])
        wcol = f"{w['all_raw_ms']:.1f} ms | " if wasm and w else ("- | " if wasm else "")
        print(f"| {r['file']} | all {o['labels']} (skimage: each on its box) | {o['all_triangles']} | "
              f"{o['all_raw_ms']:.1f} ms | {wcol}{s['all_ms']:.1f} ms | {s['all_ms'] / o['all_raw_ms']:.1f}x |")
print()
print("Raw marching cubes on both sides (closed surfaces: the mask padded with background); skimage's "
      "triangle counts differ by < 2% (it opens tunnels in some ambiguous cubes).")
print()
print("| volume | label | full mesh, default smoothing (12 Taubin passes) | re-mesh after a 10 mm ball is painted, raw: median / p95 | "
      "the same, smoothed | goal |")
print("|---|---|---|---|---|---|")
for r in rows:
    o, w = r["ours"], r.get("wasm")
    line = (f"| {r['file']} | {r['name']} | {o['full_smooth_ms']:.1f} ms | {o['remesh_raw_ms'][0]:.1f} / "
            f"{o['remesh_raw_ms'][1]:.1f} ms | {o['remesh_smooth_ms'][0]:.1f} / {o['remesh_smooth_ms'][1]:.1f} ms |")
    print(line + " full < 300 ms, re-mesh < 100 ms |")
    if w:
        print(f"| {r['file']} (wasm) | {r['name']} | {w['full_smooth_ms']:.1f} ms | {w['remesh_raw_ms'][0]:.1f} / "
              f"{w['remesh_raw_ms'][1]:.1f} ms | {w['remesh_smooth_ms'][0]:.1f} / {w['remesh_smooth_ms'][1]:.1f} ms | |")
