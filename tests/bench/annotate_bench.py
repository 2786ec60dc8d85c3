"""Supervoxels and propagation against scikit-image and the Dash app's method.

1. Supervoxels on the demo brain at equal counts: time (ours native via the
   CLI, skimage slic) and quality against the ground-truth labels: boundary
   recall (share of label-boundary voxels within 1 voxel of a supervoxel
   boundary) and undersegmentation error (share of voxels that leak out of
   the label their supervoxel mostly covers).
2. Annotation efficiency: a simulated annotator draws a cross (two straight
   strokes) through a structure's middle on 1, 3 and 5 axial slices spread over
   its extent. Dice against the ground truth for our `paint` propagation (the
   CLI, default settings) and for the Dash app's method (slic 300, compactness
   0.1, every touched supervoxel painted), with the same strokes.

Usage: annotate_bench.py CLI OUTDIR DATA   (prints Markdown tables)
"""
import json
import os
import subprocess
import sys
import time

import nibabel as nib
import numpy as np
from skimage.segmentation import slic, find_boundaries

CLI, OUT, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(OUT, exist_ok=True)
IMG = os.path.join(DATA, "brain", "norm_crop.nii.gz")
SEG = os.path.join(DATA, "brain", "aseg_collapsed_crop.nii.gz")
STRUCTURES = {  # FreeSurfer aseg values
    "Left lateral ventricle": 4, "Right lateral ventricle": 43,
    "Left thalamus": 10, "Right thalamus": 49,
    "Left caudate": 11, "Right caudate": 50,
    "Left putamen": 12, "Right putamen": 51,
    "Left hippocampus": 17, "Right hippocampus": 53,
    "Brain stem": 16,
}
AXIS = 1  # the demo is LIA: j runs inferior, so axial slices are across j

img = nib.load(IMG)
data = np.asanyarray(img.dataobj).astype(np.float64)
seg = np.asanyarray(nib.load(SEG).dataobj).astype(np.int32)
norm = (data - data.min()) / max(1e-12, data.max() - data.min())


def run(*args):
    p = subprocess.run([CLI, *args], capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(p.stderr)
    return p


def ours_supervoxels(count, compactness=0.1, threshold="1"):
    out = os.path.join(OUT, f"sv_{count}.nii.gz")
    t0 = time.perf_counter()
    run("supervoxels", IMG, "-o", out, "--count", str(count), "--compactness", str(compactness), "--threshold", threshold)
    t = time.perf_counter() - t0
    return np.asanyarray(nib.load(out).dataobj).astype(np.int64), t, out


def skimage_supervoxels(count, compactness=0.1):
    t0 = time.perf_counter()
    lab = slic(norm, n_segments=count, compactness=compactness, channel_axis=None, spacing=img.header.get_zooms()[:3],
               start_label=1, mask=data > 0)
    return lab.astype(np.int64), time.perf_counter() - t0


def boundary_recall(sv):
    gt_b = find_boundaries(seg, mode="inner") & (seg > 0)
    sv_b = find_boundaries(sv, mode="thick")
    return (gt_b & sv_b).sum() / max(1, gt_b.sum())


def underseg_error(sv):
    fg = sv > 0
    pairs = sv[fg] * 1000 + seg[fg]
    ids, counts = np.unique(pairs, return_counts=True)
    svid = ids // 1000
    best = {}
    for s, c in zip(svid, counts):
        best[s] = max(best.get(s, 0), c)
    sizes = np.bincount(sv[fg])
    leak = sum(sizes[s] - b for s, b in best.items())
    return leak / fg.sum()


def cross_strokes(mask, n):
    """Strokes (axial) through the structure's middle on n slices over its extent."""
    js = np.where(mask.any(axis=(0, 2)))[0]
    strokes = []
    for q in range(n):
        j = int(js[0] + (js[-1] - js[0]) * (q + 1) / (n + 1))
        m = mask[:, j, :]
        if not m.any():
            continue
        ii, kk = np.nonzero(m)
        ci, ck = int(round(ii.mean())), int(round(kk.mean()))
        if not m[ci, ck]:  # centroid outside (a curved structure): nearest inside voxel
            d = (ii - ci) ** 2 + (kk - ck) ** 2
            ci, ck = int(ii[d.argmin()]), int(kk[d.argmin()])
        for axis_run in (0, 1):
            line = m[:, ck] if axis_run == 0 else m[ci, :]
            c = ci if axis_run == 0 else ck
            a = b = c
            while a - 1 >= 0 and line[a - 1]:
                a -= 1
            while b + 1 < len(line) and line[b + 1]:
                b += 1
            shrink = (b - a) // 5  # stay inside, as a careful annotator would
            a, b = a + shrink, b - shrink
            p0 = [a, j, ck] if axis_run == 0 else [ci, j, a]
            p1 = [b, j, ck] if axis_run == 0 else [ci, j, b]
            strokes.append({"axis": AXIS, "label": 1, "mode": "paint", "width": 1, "points": [p0, p1]})
    return strokes


def stroke_voxels(strokes):
    out = np.zeros(seg.shape, bool)
    for s in strokes:
        (a0, j, c0), (a1, _, c1) = s["points"]
        n = max(abs(a1 - a0), abs(c1 - c0), 1)
        for t in range(n + 1):
            out[round(a0 + (a1 - a0) * t / n), j, round(c0 + (c1 - c0) * t / n)] = True
    return out


def dice(a, b):
    return 2 * (a & b).sum() / max(1, a.sum() + b.sum())


def main():
    print("## Supervoxels on the demo brain (133x139x182), against skimage slic\n")
    print("| target | ours native | skimage slic | speed-up | boundary recall ours / skimage | undersegmentation error ours / skimage |")
    print("|---|---|---|---|---|---|")
    for count in (1000, 5000):
        o, to, _ = ours_supervoxels(count)
        s, ts = skimage_supervoxels(count)
        print(f"| {count} ({o.max()} / {len(np.unique(s)) - 1}) | {to:.2f} s | {ts:.2f} s | {ts / to:.1f}x | "
              f"{boundary_recall(o):.3f} / {boundary_recall(s):.3f} | {underseg_error(o):.3f} / {underseg_error(s):.3f} |")

    print("\n## Annotation efficiency: Dice of a cross on N axial slices (brain)\n")
    _, _, sv_path = ours_supervoxels(20000)
    dash = slic(norm, n_segments=300, compactness=0.1, channel_axis=None, start_label=1)
    print("| structure | ours N=1 | ours N=3 | ours N=5 | Dash N=1 | Dash N=3 | Dash N=5 |")
    print("|---|---|---|---|---|---|---|")
    means = {k: [] for k in ("o1", "o3", "o5", "d1", "d3", "d5")}
    for name, value in STRUCTURES.items():
        gt = seg == value
        row = [name]
        ours_d, dash_d = [], []
        for n in (1, 3, 5):
            strokes = cross_strokes(gt, n)
            path = os.path.join(OUT, "strokes.json")
            with open(path, "w") as f:
                json.dump({"strokes": strokes}, f)
            out = os.path.join(OUT, "labels.nii.gz")
            run("propagate", IMG, "--strokes", path, "--supervoxels", sv_path, "-o", out)
            lab = np.asanyarray(nib.load(out).dataobj) == 1
            ours_d.append(dice(lab, gt))
            touched = np.unique(dash[stroke_voxels(strokes)])
            dash_d.append(dice(np.isin(dash, touched), gt))
        row += [f"{x:.2f}" for x in ours_d] + [f"{x:.2f}" for x in dash_d]
        for k, x in zip(("o1", "o3", "o5"), ours_d):
            means[k].append(x)
        for k, x in zip(("d1", "d3", "d5"), dash_d):
            means[k].append(x)
        print("| " + " | ".join(row) + " |")
    print("| **mean** | " + " | ".join(f"**{np.mean(means[k]):.2f}**" for k in ("o1", "o3", "o5", "d1", "d3", "d5")) + " |")


if __name__ == "__main__":
    main()
