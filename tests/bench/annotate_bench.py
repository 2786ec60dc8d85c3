"""Supervoxels and propagation against scikit-image and the Dash app's method.

1. Supervoxels on the demo brain at equal counts: time (ours native via the
   CLI, skimage slic) and quality against the ground-truth labels: boundary
   recall (share of label-boundary voxels within 1 voxel of a supervoxel
   boundary) and undersegmentation error (share of voxels that leak out of
   the label their supervoxel mostly covers).
2. Annotation efficiency: a simulated annotator draws a cross (two straight
   strokes) through a structure's middle on 1, 3 and 5 axial slices spread over
   its extent, on brain structures and on CT organs and vertebrae (the CT
   series is read with pydicom onto the grid of its label map). Dice against the ground truth for our `paint` propagation (the
   CLI, default settings) and for the Dash app's method (slic 300, compactness
   0.1, every touched supervoxel painted), with the same strokes.

Usage: annotate_bench.py CLI OUTDIR DATA   (prints Markdown tables)
"""
import json
import os
import subprocess
import sys
import time

import glob

import nibabel as nib
import numpy as np
import pydicom
from scipy.ndimage import distance_transform_edt
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


def cross_strokes(mask, n, axis=AXIS):
    """Strokes across `axis` through the structure's middle on n slices over its extent."""
    other = tuple(a for a in range(3) if a != axis)
    js = np.where(mask.any(axis=other))[0]
    strokes = []
    for q in range(n):
        j = int(js[0] + (js[-1] - js[0]) * (q + 1) / (n + 1))
        m = np.take(mask, j, axis=axis)
        if not m.any():
            continue
        ii, kk = np.nonzero(m)
        ci, ck = int(round(ii.mean())), int(round(kk.mean()))
        if not m[ci, ck]:
            # The centroid is outside (a curved or ring-shaped section): an annotator puts the
            # cross where the section is thickest, the inside voxel farthest from its edge.
            depth = distance_transform_edt(np.pad(m, 1))[1:-1, 1:-1]
            ci, ck = (int(x) for x in np.unravel_index(np.argmax(depth), depth.shape))
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
            q0 = [a, ck] if axis_run == 0 else [ci, a]
            q1 = [b, ck] if axis_run == 0 else [ci, b]
            q0.insert(axis, j)
            q1.insert(axis, j)
            strokes.append({"axis": axis, "label": 1, "mode": "paint", "width": 1, "points": [q0, q1]})
    return strokes


def stroke_voxels(strokes, shape):
    out = np.zeros(shape, bool)
    for s in strokes:
        p0, p1 = np.array(s["points"][0]), np.array(s["points"][1])
        n = max(int(np.abs(p1 - p0).max()), 1)
        for t in range(n + 1):
            out[tuple(np.round(p0 + (p1 - p0) * t / n).astype(int))] = True
    return out


def ct_volume(out_dir):
    """The CT series (pydicom, HU) on the grid of its label map, as NIfTI."""
    segimg = nib.load(os.path.join(DATA, "ct_dicom", "example_seg_dicom.nii.gz"))
    ds = [pydicom.dcmread(f) for f in glob.glob(os.path.join(DATA, "ct_dicom", "series", "*.dcm"))]
    ras_to_lps = np.diag([-1, -1, 1, 1])
    vol = np.zeros(segimg.shape, np.int16)
    for d in ds:
        ipp = np.array(d.ImagePositionPatient, float)
        dr, dc = (float(x) for x in d.PixelSpacing)
        row_dir, col_dir = np.array(d.ImageOrientationPatient[:3], float), np.array(d.ImageOrientationPatient[3:], float)
        hu = d.pixel_array * float(d.RescaleSlope) + float(d.RescaleIntercept)
        # seg voxel (i, j, k) -> LPS -> (row, col, this slice?)
        vox_to_lps = ras_to_lps @ segimg.affine
        k = np.linalg.solve(vox_to_lps[:3, :3], ipp - vox_to_lps[:3, 3])
        kk = int(round(k[2]))
        ii, jj = np.meshgrid(np.arange(vol.shape[0]), np.arange(vol.shape[1]), indexing="ij")
        pts = vox_to_lps[:3, :3] @ np.stack([ii.ravel(), jj.ravel(), np.full(ii.size, kk)]) + vox_to_lps[:3, 3:4]
        rel = pts - ipp[:, None]
        col = np.rint(rel.T @ row_dir / dc).astype(int)  # along a row: the column index
        row = np.rint(rel.T @ col_dir / dr).astype(int)
        vol[:, :, kk] = hu[row, col].reshape(vol.shape[:2])
    path = os.path.join(out_dir, "ct.nii.gz")
    nib.save(nib.Nifti1Image(vol, segimg.affine), path)
    return path, vol.astype(np.float64), np.asanyarray(segimg.dataobj).astype(np.int32)


# the structures of the issue that this 20-slice series holds (it has no kidneys), and the aorta
CT_STRUCTURES = {"Liver": 5, "Spleen": 1, "Aorta": 52, "Vertebra T12": 32, "Vertebra T11": 33}


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

    # The app's Granularity slider: the fine map merged, not recomputed (sv_sv_merge), against SNIC
    # run directly at the merged count. The largest group shows whether merging chains uniform tissue.
    print("\n## Coarser granularity on the demo brain: 20 000 supervoxels merged, against SNIC at that count\n")
    print("| level | groups | boundary recall merged / SNIC | undersegmentation error merged / SNIC | largest piece (voxels) merged / SNIC |")
    print("|---|---|---|---|---|")
    for level, name in ((1, "medium"), (2, "coarse")):
        out = os.path.join(OUT, f"sv_20000_level{level}.nii.gz")
        run("supervoxels", IMG, "-o", out, "--count", "20000", "--compactness", "0.1", "--threshold", "1", "--level", str(level))
        m = np.asanyarray(nib.load(out).dataobj).astype(np.int64)
        d, _, _ = ours_supervoxels(int(m.max()))
        big = [np.bincount(x[x > 0]).max() for x in (m, d)]
        print(f"| {level} ({name}) | {m.max()} / {d.max()} | {boundary_recall(m):.3f} / {boundary_recall(d):.3f} | "
              f"{underseg_error(m):.3f} / {underseg_error(d):.3f} | {big[0]} / {big[1]} |", flush=True)

    print("\n## Annotation efficiency: Dice of a cross on N axial slices\n")
    print("| structure | ours N=1 | ours N=3 | ours N=5 | Dash N=1 | Dash N=3 | Dash N=5 |")
    print("|---|---|---|---|---|---|---|")
    _, _, sv_path = ours_supervoxels(20000)
    dash = slic(norm, n_segments=300, compactness=0.1, channel_axis=None, start_label=1)
    means = efficiency(IMG, sv_path, seg, STRUCTURES, AXIS, dash)
    ct_path, ct, ct_seg = ct_volume(OUT)
    ct_sv = os.path.join(OUT, "ct_sv.nii.gz")
    run("supervoxels", ct_path, "-o", ct_sv, "--count", "20000", "--compactness", "0.1", "--threshold", "-500")
    ct_norm = (ct - ct.min()) / max(1e-12, ct.max() - ct.min())
    ct_dash = slic(ct_norm, n_segments=300, compactness=0.1, channel_axis=None, start_label=1)
    for k, v in efficiency(ct_path, ct_sv, ct_seg, CT_STRUCTURES, 2, ct_dash).items():
        means[k] += v
    print("| **mean, all** | " + " | ".join(f"**{np.mean(means[k]):.2f}**" for k in ("o1", "o3", "o5", "d1", "d3", "d5")) + " |")
    above = [sum(o > d for o, d in zip(means[f"o{n}"], means[f"d{n}"])) for n in (1, 3, 5)]
    print(f"\nStructures where ours is above the Dash method (unrounded Dice), N = 1 / 3 / 5: "
          + " / ".join(f"{a} of {len(means['o1'])}" for a in above))

    # Many users draw one line, not a cross: the same slices with one arm of each cross.
    print("\n## Annotation efficiency: one line on N axial slices instead of a cross\n")
    print("Mean Dice over the same 16 structures; each slice gets one arm of the cross above.\n")
    print("| line | ours N=1 | ours N=3 | ours N=5 | Dash N=1 | Dash N=3 | Dash N=5 | above Dash, N = 1 / 3 / 5 |")
    print("|---|---|---|---|---|---|---|---|")
    for arm, name in ((0, "left–right"), (1, "front–back")):
        m = efficiency(IMG, sv_path, seg, STRUCTURES, AXIS, dash, line_strokes(arm), rows=False)
        for k, v in efficiency(ct_path, ct_sv, ct_seg, CT_STRUCTURES, 2, ct_dash, line_strokes(arm), rows=False).items():
            m[k] += v
        above = [sum(o > d for o, d in zip(m[f"o{n}"], m[f"d{n}"])) for n in (1, 3, 5)]
        print(f"| {name} | " + " | ".join(f"{np.mean(m[k]):.2f}" for k in ("o1", "o3", "o5", "d1", "d3", "d5"))
              + " | " + " / ".join(str(a) for a in above) + " |", flush=True)

    # A user may paint at a coarser granularity (the slider; the CLI's --level): the same crosses there.
    print("\n## Annotation efficiency at the coarser granularities: the crosses painted at level 1 and 2\n")
    print("Mean Dice over the same 16 structures; the fine level is the first table.\n")
    print("| level | ours N=1 | ours N=3 | ours N=5 | above Dash, N = 1 / 3 / 5 |")
    print("|---|---|---|---|---|")
    for level, name in ((1, "medium, 1/4"), (2, "coarse, 1/16")):
        extra = ("--level", str(level))
        m = efficiency(IMG, sv_path, seg, STRUCTURES, AXIS, dash, rows=False, extra=extra)
        for k, v in efficiency(ct_path, ct_sv, ct_seg, CT_STRUCTURES, 2, ct_dash, rows=False, extra=extra).items():
            m[k] += v
        above = [sum(o > d for o, d in zip(m[f"o{n}"], m[f"d{n}"])) for n in (1, 3, 5)]
        print(f"| {level} ({name}) | " + " | ".join(f"{np.mean(m[k]):.2f}" for k in ("o1", "o3", "o5"))
              + " | " + " / ".join(str(a) for a in above) + " |", flush=True)


def line_strokes(arm):
    """One arm of each cross (0: the first, 1: the second): a single line on each slice."""
    def strokes_of(mask, n, axis=AXIS):
        return cross_strokes(mask, n, axis)[arm::2]
    return strokes_of


def efficiency(img_path, sv_path, seg, structures, axis, dash, strokes_of=cross_strokes, rows=True, extra=()):
    """Rows of the Dice table (printed when rows); returns the Dice lists per column."""
    means = {k: [] for k in ("o1", "o3", "o5", "d1", "d3", "d5")}
    for name, value in structures.items():
        gt = seg == value
        row = [name]
        ours_d, dash_d = [], []
        for n in (1, 3, 5):
            strokes = strokes_of(gt, n, axis)
            path = os.path.join(OUT, "strokes.json")
            with open(path, "w") as f:
                json.dump({"strokes": strokes}, f)
            out = os.path.join(OUT, "labels.nii.gz")
            run("propagate", img_path, "--strokes", path, "--supervoxels", sv_path, "-o", out, *extra)
            lab = np.asanyarray(nib.load(out).dataobj) == 1
            ours_d.append(dice(lab, gt))
            touched = np.unique(dash[stroke_voxels(strokes, gt.shape)])
            dash_d.append(dice(np.isin(dash, touched), gt))
        row += [f"{x:.2f}" for x in ours_d] + [f"{x:.2f}" for x in dash_d]
        for k, x in zip(("o1", "o3", "o5"), ours_d):
            means[k].append(x)
        for k, x in zip(("d1", "d3", "d5"), dash_d):
            means[k].append(x)
        if rows:
            print("| " + " | ".join(row) + " |", flush=True)
    if rows:
        print("| *mean* | " + " | ".join(f"*{np.mean(means[k]):.2f}*" for k in ("o1", "o3", "o5", "d1", "d3", "d5")) + " |")
    return means


if __name__ == "__main__":
    main()
