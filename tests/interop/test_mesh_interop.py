#!/usr/bin/env python3
"""Mesh interop: `supervox mesh` against scikit-image and admesh.

Unsmoothed, our marching cubes must give the area skimage's
measure.marching_cubes(mask, 0.5, spacing) + mesh_surface_area gives on the same
(zero-padded) input: within 1% on voxelised spheres, within 2% on the brain's
labels (skimage's Lewiner MC33 opens tunnels through some cubes that we close
as two disks: labels of a few hundred fragmented voxels may differ up to 3%).
Our vertices must be skimage's, put in the world by nibabel's affine. The STL
files we write must pass admesh with nothing to fix, and the OBJ files must
parse into the meshes the JSON summary describes. Bad input: one line naming
the file, nothing written.
"""
import json
import os
import re
import subprocess

import nibabel as nib
import numpy as np
from skimage import measure

from harness import DATA, OUT, check, finish, run_cli

os.environ["ASAN_OPTIONS"] = "exitcode=86:detect_leaks=1"
os.environ["UBSAN_OPTIONS"] = "exitcode=87:print_stacktrace=1"

MOUT = os.path.join(OUT, "mesh")
BRAIN = os.path.join(DATA, "brain", "aseg_collapsed_crop.nii.gz")

STL_DTYPE = np.dtype([("n", "<f4", (3,)), ("v", "<f4", (3, 3)), ("attr", "<u2")])


def read_stl(path):
    with open(path, "rb") as f:
        data = f.read()
    n = int.from_bytes(data[80:84], "little")
    if len(data) != 84 + 50 * n:
        raise AssertionError(f"STL of {len(data)} bytes for {n} triangles")
    return np.frombuffer(data, STL_DTYPE, count=n, offset=84)


def mesh_cli(*args):
    code, out, err = run_cli("mesh", *args)
    if code != 0:
        raise AssertionError(f"exit {code}: {err.strip()}")
    return json.loads(out)


def skimage_area(mask, zooms):
    """skimage's marching cubes of a boolean mask (cropped to its box, padded by one background voxel)."""
    idx = np.argwhere(mask)
    lo, hi = idx.min(0), idx.max(0) + 1
    sub = np.pad(mask[lo[0]:hi[0], lo[1]:hi[1], lo[2]:hi[2]], 1).astype(np.float32)
    v, f, _, _ = measure.marching_cubes(sub, 0.5, spacing=tuple(float(z) for z in zooms))
    return measure.mesh_surface_area(v, f), v, f, lo


def sphere_file(name, spacing, r=20.0):
    n = [int(2 * r / s) + 6 + i for i, s in enumerate(spacing)]
    c = [n[i] * spacing[i] / 2 + 0.3 - 0.2 * i for i in range(3)]
    g = np.meshgrid(*[np.arange(n[i]) * spacing[i] - c[i] for i in range(3)], indexing="ij")
    mask = (g[0] ** 2 + g[1] ** 2 + g[2] ** 2 <= r * r).astype(np.uint8)
    path = os.path.join(MOUT, name)
    nib.save(nib.Nifti1Image(mask, np.diag(list(spacing) + [1.0])), path)
    return path, mask


def test_sphere(spacing):
    path, mask = sphere_file(f"sphere_{'x'.join(map(str, spacing))}.nii.gz", spacing)
    r = mesh_cli(path, "-o", os.path.join(MOUT, "sphere.stl"), "--smooth", "0")
    ours = r["area_mm2"]
    theirs = skimage_area(mask.astype(bool), spacing)[0]
    if abs(ours / theirs - 1) > 0.01:
        raise AssertionError(f"area {ours:.2f} mm2 vs skimage {theirs:.2f} ({100 * (ours / theirs - 1):+.3f}%)")
    voxvol = mask.sum() * float(np.prod(spacing))
    if abs(r["volume_mm3"] / voxvol - 1) > 0.01:
        raise AssertionError(f"volume {r['volume_mm3']:.1f} vs voxels {voxvol:.1f}")
    print(f"     area {ours:.2f} vs skimage {theirs:.2f} mm2 ({100 * (ours / theirs - 1):+.4f}%), "
          f"volume {100 * (r['volume_mm3'] / voxvol - 1):+.3f}% of the voxels'")


def test_brain_labels():
    img = nib.load(BRAIN)
    data = np.asanyarray(img.dataobj)
    zooms = img.header.get_zooms()[:3]
    r = mesh_cli(BRAIN, "-o", os.path.join(MOUT, "brain_raw.stl"), "--smooth", "0")
    present = sorted(int(x) for x in np.unique(data) if x)
    if [l["value"] for l in r["labels"]] != present:
        raise AssertionError(f"labels {[l['value'] for l in r['labels']]} vs present {present}")
    worst_big, worst_all, ours_total, theirs_total = (0, None), (0, None), 0.0, 0.0
    for lab in r["labels"]:
        mask = data == lab["value"]
        theirs = skimage_area(mask, zooms)[0]
        err = lab["area_mm2"] / theirs - 1
        ours_total += lab["area_mm2"]
        theirs_total += theirs
        if abs(err) > abs(worst_all[0]):
            worst_all = (err, lab["value"])
        if mask.sum() >= 1000 and abs(err) > abs(worst_big[0]):
            worst_big = (err, lab["value"])
    total_err = ours_total / theirs_total - 1
    print(f"     all {len(present)} labels: total area {100 * total_err:+.3f}%; worst label of >= 1000 voxels "
          f"{100 * worst_big[0]:+.3f}% (label {worst_big[1]}); worst of all {100 * worst_all[0]:+.3f}% (label {worst_all[1]})")
    if abs(worst_big[0]) > 0.02 or abs(worst_all[0]) > 0.03 or abs(total_err) > 0.01:
        raise AssertionError("areas differ from skimage's beyond 2% (3% for tiny labels, 1% in total)")


def test_vertices_in_world():
    """Our vertices (LIA brain, unsmoothed) are skimage's, mapped by nibabel's affine."""
    img = nib.load(BRAIN)
    data = np.asanyarray(img.dataobj)
    path = os.path.join(MOUT, "hippocampus_raw.stl")
    mesh_cli(BRAIN, "-o", path, "--label", "17", "--smooth", "0")
    ours = read_stl(path)["v"].reshape(-1, 3).astype(np.float64)
    _, v, _, lo = skimage_area(data == 17, (1, 1, 1))
    vox = v + lo - 1  # undo the crop and the padding: voxel indices
    world = vox @ img.affine[:3, :3].T + img.affine[:3, 3]
    key = lambda a: set(map(tuple, np.round(a, 2)))
    mine, theirs = key(ours), key(world)
    if not mine <= theirs:
        extra = list(mine - theirs)[:3]
        raise AssertionError(f"{len(mine - theirs)} of our vertices are not skimage's, e.g. {extra}")
    if len(mine) < 0.98 * len(theirs):
        raise AssertionError(f"{len(mine)} vertices vs skimage's {len(theirs)}")
    # outward: the STL normals point away from the label's centre, and agree with the winding
    tri = read_stl(path)
    centre = world.mean(0)
    out = ((tri["v"].mean(1) - centre) * tri["n"]).sum(1) > 0
    cr = np.cross(tri["v"][:, 1] - tri["v"][:, 0], tri["v"][:, 2] - tri["v"][:, 0])
    if out.mean() < 0.8 or not ((cr * tri["n"]).sum(1) > 0).all():
        raise AssertionError(f"normals: {out.mean():.2f} outward")


ADMESH_ZERO = ["Degenerate facets", "Edges fixed", "Facets removed", "Facets added", "Facets reversed",
               "Backwards edges", "Normals fixed"]


def admesh_clean(path, volume, parts=None):
    p = subprocess.run(["admesh", path], capture_output=True, text=True, timeout=300)
    text = p.stdout + p.stderr
    if p.returncode != 0:
        raise AssertionError(f"admesh exit {p.returncode}: {text[-500:]}")
    for what in ADMESH_ZERO:
        m = re.search(rf"{what}\s*:\s*(\d+)", text)
        if not m or int(m.group(1)) != 0:
            raise AssertionError(f"admesh: {what}: {m.group(1) if m else 'missing'}")
    m = re.search(r"Total disconnected facets\s*:\s*(\d+)\s+(\d+)", text)
    if not m or m.groups() != ("0", "0"):
        raise AssertionError(f"admesh: disconnected facets {m.groups() if m else 'missing'}")
    if "No holes need to be filled" not in text and "holes" in text.lower():
        raise AssertionError("admesh filled holes")
    m = re.search(r"Volume\s*:\s*([-0-9.]+)", text)
    if not m or abs(float(m.group(1)) / volume - 1) > 1e-4:
        raise AssertionError(f"admesh volume {m.group(1) if m else '?'} vs ours {volume}")
    if parts is not None:
        m = re.search(r"Number of parts\s*:\s*(\d+)", text)
        if not m or int(m.group(1)) != parts:
            raise AssertionError(f"admesh: {m.group(1) if m else '?'} parts, expected {parts}")


def test_stl_admesh():
    sphere, _ = sphere_file("sphere_admesh.nii.gz", (0.8, 0.8, 2.0))
    for src, args, parts in [(sphere, [], 1), (BRAIN, ["--label", "17"], 1), (BRAIN, ["--label", "3"], None),
                             (BRAIN, ["--label", "17", "--decimate", "2000"], 1)]:
        path = os.path.join(MOUT, "admesh.stl")
        r = mesh_cli(src, "-o", path, *args)
        if "--decimate" in args and not 1800 <= r["triangles"] <= 2000:
            raise AssertionError(f"decimated to {r['triangles']} triangles, budget 2000")
        admesh_clean(path, r["volume_mm3"], parts)


def test_obj_parses():
    # three labels: two touching boxes and a ball, on an oblique grid
    data = np.zeros((30, 26, 21), np.uint8)
    data[3:12, 4:20, 2:15] = 1
    data[12:20, 4:20, 2:15] = 2
    g = np.meshgrid(*[np.arange(s) for s in data.shape], indexing="ij")
    data[(g[0] - 22) ** 2 + (g[1] - 18) ** 2 + (g[2] - 12) ** 2 <= 25] = 7
    aff = np.array([[0.9, 0.2, 0, -20], [-0.1, 1.1, 0.3, 5], [0, -0.2, 2.0, 12], [0, 0, 0, 1]])
    src = os.path.join(MOUT, "three.nii.gz")
    nib.save(nib.Nifti1Image(data, aff), src)
    path = os.path.join(MOUT, "three.obj")
    r = mesh_cli(src, "-o", path)
    verts, norms, faces, objects = [], [], [], []
    with open(path) as f:
        for line in f:
            w = line.split()
            if not w or w[0] == "#":
                continue
            if w[0] == "o":
                objects.append((w[1], len(faces)))
            elif w[0] == "v":
                verts.append([float(x) for x in w[1:4]])
            elif w[0] == "vn":
                norms.append([float(x) for x in w[1:4]])
            elif w[0] == "f":
                ids = [c.split("//") for c in w[1:]]
                if len(ids) != 3 or any(a != b for a, b in ids):
                    raise AssertionError(f"face line {line!r}")
                faces.append([int(a) - 1 for a, _ in ids])
            else:
                raise AssertionError(f"unexpected line {line!r}")
    v, n, fc = np.array(verts), np.array(norms), np.array(faces)
    if [o[0] for o in objects] != ["label_1", "label_2", "label_7"]:
        raise AssertionError(f"objects {objects}")
    if len(v) != r["vertices"] or len(n) != len(v) or len(fc) != r["triangles"] or fc.min() < 0 or fc.max() >= len(v):
        raise AssertionError(f"{len(v)} v, {len(n)} vn, {len(fc)} f vs {r['vertices']} vertices, {r['triangles']} triangles")
    if not np.allclose(np.linalg.norm(n, axis=1), 1, atol=1e-3):
        raise AssertionError("normals are not unit length")
    bounds = [o[1] for o in objects] + [len(fc)]
    for k, lab in enumerate(r["labels"]):
        t = v[fc[bounds[k]:bounds[k + 1]]]
        cr = np.cross(t[:, 1] - t[:, 0], t[:, 2] - t[:, 0])
        area = 0.5 * np.linalg.norm(cr, axis=1).sum()
        vol = np.einsum("ij,ij->i", t[:, 0], np.cross(t[:, 1], t[:, 2])).sum() / 6
        if abs(area / lab["area_mm2"] - 1) > 1e-4 or abs(vol / lab["volume_mm3"] - 1) > 1e-4:
            raise AssertionError(f"label {lab['value']}: OBJ area {area} volume {vol} vs {lab}")
        voxvol = (data == lab["value"]).sum() * abs(np.linalg.det(aff[:3, :3]))
        if not 0.9 < vol / voxvol < 1.02:
            raise AssertionError(f"label {lab['value']}: volume {vol} vs the voxels' {voxvol}")


def assert_one_line_error(code, out, err, path, words):
    lines = err.strip().splitlines()
    if code != 1 or out or len(lines) != 1 or not lines[0].startswith(f"supervox: {path}: ") or words not in lines[0]:
        raise AssertionError(f"exit {code}, stdout {out!r}, stderr {err!r}")


def test_bad_input():
    dst = os.path.join(MOUT, "precious.stl")
    with open(dst, "wb") as f:
        f.write(b"precious")
    mr = os.path.join(DATA, "mr", "example_mr_sm.nii.gz")
    assert_one_line_error(*run_cli("mesh", mr, "-o", dst), mr, "not a label map")
    assert_one_line_error(*run_cli("mesh", BRAIN, "-o", dst, "--label", "6"), BRAIN, "label 6 is not in the label map")
    ply = os.path.join(MOUT, "out.ply")
    assert_one_line_error(*run_cli("mesh", BRAIN, "-o", ply), ply, ".stl or .obj")
    missing = os.path.join(MOUT, "missing.nii.gz")
    assert_one_line_error(*run_cli("mesh", missing, "-o", dst), missing, "No such file")
    with open(dst, "rb") as f:
        if f.read() != b"precious" or os.path.exists(ply):
            raise AssertionError("a failed mesh command wrote an output")
    code, out, err = run_cli("mesh", BRAIN, "-o", dst, "--smooth", "-1")
    if code != 2:
        raise AssertionError(f"--smooth -1: exit {code}: {err!r}")


def main():
    os.makedirs(MOUT, exist_ok=True)
    check("sphere r=20 mm, 1 mm voxels: area = skimage's within 1%, volume = the voxels' within 1%", test_sphere, (1.0, 1.0, 1.0))
    check("sphere r=20 mm, 0.8x0.8x2 mm voxels: area = skimage's within 1%, volume within 1%", test_sphere, (0.8, 0.8, 2.0))
    check("brain labels: area = skimage's within 2% (labels >= 1000 voxels), 3% (all), 1% (total)", test_brain_labels)
    check("brain (LIA) vertices are skimage's mapped by nibabel's affine; normals outward", test_vertices_in_world)
    check("STL passes admesh with nothing to fix (sphere, hippocampus, cortex, decimated)", test_stl_admesh)
    check("OBJ of three labels parses into the meshes of the JSON summary", test_obj_parses)
    check("bad input: one line naming the file, nothing written", test_bad_input)
    finish()


if __name__ == "__main__":
    main()
