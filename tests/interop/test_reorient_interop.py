#!/usr/bin/env python3
"""Reorienting onto an image's grid (issue 6): `supervox convert IN OUT [--labels]
--like IMAGE` against nibabel.

- The TotalSegmentator labels stored LAS (example_seg_dicom.nii.gz) import onto
  the CT built from the DICOM series (LPS-derived): every output voxel holds the
  seg's label at the same world position (nibabel's affines are the oracle), each
  label's world centroid is unchanged (1e-3 mm), and the labels sit on the
  anatomy (liver 40..150 HU, vertebrae T11/T12 > 150 HU).
- The four niivue_space_{RAS,LAS,LPI,AIL} files (one image in four axis orders)
  convert onto each other's grids equal to the other file, voxel for voxel.
- The brain's aseg, reoriented by nibabel into other axis orders, comes back
  onto the T1's grid equal to the original.
- Other grids are refused with one line naming the file and saying how the grids
  differ: size, voxel size, a turn, a half-voxel shift; non-label values by voxel.
"""
import json
import os
import shutil

import numpy as np
import nibabel as nib
from nibabel import orientations as ornt

from harness import DATA, OUT as OUT_ROOT, check, finish, run_cli

os.environ["ASAN_OPTIONS"] = "exitcode=86:detect_leaks=1"
os.environ["UBSAN_OPTIONS"] = "exitcode=87:print_stacktrace=1"

OUT = os.path.join(OUT_ROOT, "reorient")
CT = os.path.join(DATA, "ct_dicom", "series")
SEG = os.path.join(DATA, "ct_dicom", "example_seg_dicom.nii.gz")
EDGE = os.path.join(DATA, "nifti_edge")
T1 = os.path.join(DATA, "brain", "norm_crop.nii.gz")
ASEG = os.path.join(DATA, "brain", "aseg_collapsed_crop.nii.gz")
REPORT = {}  # what the final summary prints


def convert(src, name, *opts):
    dst = os.path.join(OUT, name)
    code, out, err = run_cli("convert", src, dst, *opts)
    if code != 0:
        raise AssertionError(f"convert failed ({code}): {err.strip()}")
    if err.strip():
        raise AssertionError(f"unexpected notes: {err.strip()}")
    return nib.load(dst)


def refused(src, *opts):
    """Convert that must fail: one line naming src; returns the reason."""
    dst = os.path.join(OUT, "refused.nii")
    code, out, err = run_cli("convert", src, dst, *opts)
    lines = err.strip().splitlines()
    if code != 1 or len(lines) != 1 or not lines[0].startswith(f"supervox: {src}: ") or out:
        raise AssertionError(f"expected exit 1 and one line naming {src}, got {code}: {err!r}")
    if os.path.exists(dst):
        raise AssertionError("a refused conversion left an output file")
    return lines[0][len(f"supervox: {src}: "):]


def expect_in(why, *parts):
    for p in parts:
        if p not in why:
            raise AssertionError(f"the reason lacks {p!r}: {why}")


def world_oracle(target, src):
    """src's values on target's grid by world position (nibabel affines): each
    target voxel centre mapped into src, which must land on a voxel centre."""
    shape = target.shape[:3]
    ijk = np.indices(shape).reshape(3, -1).astype(np.float64)
    world = target.affine[:3, :3] @ ijk + target.affine[:3, 3:4]
    inv = np.linalg.inv(src.affine)
    x = inv[:3, :3] @ world + inv[:3, 3:4]
    near = np.round(x)
    werr = float(np.abs(src.affine[:3, :3] @ near + src.affine[:3, 3:4] - world).max())
    if werr > 1e-3:
        raise AssertionError(f"the grids differ by {werr} mm: no exact oracle")
    idx = near.astype(np.int64)
    for a, n in enumerate(src.shape[:3]):
        if idx[a].min() < 0 or idx[a].max() >= n:
            raise AssertionError("target voxels fall outside the source grid")
    data = np.asanyarray(src.dataobj)
    return data[idx[0], idx[1], idx[2]].reshape(shape), werr


# --- the LAS seg onto the CT --------------------------------------------------

def test_seg_onto_ct():
    ct = convert(CT, "ct.nii.gz")
    seg = nib.load(SEG)
    if nib.aff2axcodes(seg.affine) == nib.aff2axcodes(ct.affine):
        raise AssertionError("the oracle needs the seg and the CT in different axis orders")
    out = convert(SEG, "seg_on_ct.nii.gz", "--labels", "--like", CT)
    lab = np.asanyarray(out.dataobj)
    if out.shape != ct.shape or out.get_data_dtype() != np.uint8 or int(out.header["intent_code"]) != 1002:
        raise AssertionError(f"{out.shape} {out.get_data_dtype()} intent {out.header['intent_code']}")
    if not np.array_equal(out.affine, ct.affine):
        raise AssertionError(f"affine {out.affine} is not the CT's {ct.affine}")
    want, werr = world_oracle(ct, seg)
    if not np.array_equal(lab, want):
        raise AssertionError(f"{int((lab != want).sum())} voxels differ from the seg at the same world position")
    # the centroid of every label, in world mm, through each file's own affine
    sdata = np.asanyarray(seg.dataobj)
    present = [int(v) for v in np.unique(sdata) if v]
    worst, per = 0.0, {}
    for v in present:
        a = np.argwhere(sdata == v)
        b = np.argwhere(lab == v)
        if len(a) != len(b):
            raise AssertionError(f"label {v}: {len(b)} voxels, the seg has {len(a)}")
        ca = nib.affines.apply_affine(seg.affine, a).mean(0)
        cb = nib.affines.apply_affine(ct.affine, b).mean(0)
        err = float(np.linalg.norm(ca - cb))
        per[v] = err
        worst = max(worst, err)
    if worst > 1e-3:
        raise AssertionError(f"label centroids moved by up to {worst} mm")
    # on the anatomy: liver is soft tissue, vertebrae are bone
    names = json.load(open(os.path.join(DATA, "ct_dicom", "labels_total_v2.json")))
    if names["5"] != "liver" or not names["32"].startswith("vertebrae") or not names["33"].startswith("vertebrae"):
        raise AssertionError("the label table changed")
    hu = ct.get_fdata()
    liver = float(hu[lab == 5].mean())
    t12, t11 = float(hu[lab == 32].mean()), float(hu[lab == 33].mean())
    if not 40 <= liver <= 150:
        raise AssertionError(f"liver mean {liver:.1f} HU, expected 40..150")
    if not (t12 > 150 and t11 > 150):
        raise AssertionError(f"vertebrae T12 {t12:.1f} HU, T11 {t11:.1f} HU, expected > 150")
    # and the same check would catch the naive import (rows not flipped)
    if 40 <= float(hu[sdata == 5].mean()) <= 150 and float(hu[np.isin(sdata, [32, 33])].mean()) > 150:
        raise AssertionError("the HU check does not tell an unflipped import apart")
    REPORT["ct_seg"] = (f"{len(present)} labels; centroid error max {worst:.2e} mm "
                        f"(liver {per[5]:.2e}, T12 {per[32]:.2e}, T11 {per[33]:.2e}); "
                        f"oracle grid error {werr:.1e} mm; liver {liver:.1f} HU, T12 {t12:.1f} HU, T11 {t11:.1f} HU")


# --- real files in four axis orders --------------------------------------------

def test_space_variants(a, b):
    src = os.path.join(EDGE, f"niivue_space_{a}.nii.gz")
    like = os.path.join(EDGE, f"niivue_space_{b}.nii.gz")
    out = convert(src, f"space_{a}_on_{b}.nii", "--like", like)
    tgt, s = nib.load(like), nib.load(src)
    if out.shape != tgt.shape or not np.array_equal(out.affine, tgt.affine) or out.get_data_dtype() != s.get_data_dtype():
        raise AssertionError(f"{out.shape} {out.get_data_dtype()} {out.affine}")
    got = np.asanyarray(out.dataobj)
    want, _ = world_oracle(tgt, s)
    if not np.array_equal(got, want):
        raise AssertionError(f"{int((got != want).sum())} voxels differ from nibabel's world mapping")
    if not np.array_equal(got, np.asanyarray(tgt.dataobj)):
        raise AssertionError(f"not equal to niivue_space_{b}")


def test_aseg_reoriented_by_nibabel(codes):
    aseg = nib.load(ASEG)
    t = ornt.ornt_transform(ornt.io_orientation(aseg.affine), ornt.axcodes2ornt(codes))
    moved = aseg.as_reoriented(t)
    if nib.aff2axcodes(moved.affine) != tuple(codes):
        raise AssertionError(f"nibabel made {nib.aff2axcodes(moved.affine)}")
    path = os.path.join(OUT, f"aseg_{''.join(codes)}.nii.gz")
    nib.save(moved, path)
    out = convert(path, f"aseg_{''.join(codes)}_on_t1.nii.gz", "--labels", "--like", T1)
    if not np.array_equal(np.asanyarray(out.dataobj), np.asanyarray(aseg.dataobj)):
        raise AssertionError("the labels did not come back to their voxels")
    if not np.allclose(out.affine, nib.load(T1).affine, atol=1e-6):
        raise AssertionError("not on the T1's grid")


# --- refusals ------------------------------------------------------------------

def seg_variant(name, affine=None, data=None):
    seg = nib.load(SEG)
    data = np.asanyarray(seg.dataobj) if data is None else data
    hdr = seg.header.copy()
    hdr.set_data_dtype(data.dtype)  # stored as given: no rescaling into the seg's uint8
    img = nib.Nifti1Image(data, seg.affine if affine is None else affine, hdr)
    path = os.path.join(OUT, name)
    nib.save(img, path)
    return path


def test_refusals():
    seg = nib.load(SEG)
    why = refused(os.path.join(DATA, "mr", "example_seg_mr.nii.gz"), "--labels", "--like", T1)
    expect_in(why, "the label map's grid does not match the image's", "117x91x20 voxels", "vs 133x139x182",
              "voxel size 3 x 3 x 3 mm vs 1 x 1 x 1 mm")
    a = seg.affine.copy()
    a[:3, 3] += 0.5 * a[:3, 0]  # half a voxel along i
    why = refused(seg_variant("seg_half.nii.gz", affine=a), "--labels", "--like", CT)
    expect_in(why, "shifted by (", "(0.5, 0, 0) of the image's voxels")
    a = seg.affine.copy()
    a[:3, 2] *= 1.25  # 2 mm slices called 2.5 mm
    why = refused(seg_variant("seg_spacing.nii.gz", affine=a), "--labels", "--like", CT)
    expect_in(why, "voxel size 0.977 x 0.977 x 2.5 mm", "vs 0.977 x 0.977 x 2 mm")
    c, s = np.cos(np.radians(10)), np.sin(np.radians(10))
    rot = np.array([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1.0]])
    why = refused(seg_variant("seg_turned.nii.gz", affine=rot @ seg.affine), "--labels", "--like", CT)
    expect_in(why, "turned by up to 10 degrees")
    why = refused(seg_variant("seg_crop.nii.gz", data=np.asanyarray(seg.dataobj)[:, 1:, :]), "--labels", "--like", CT)
    expect_in(why, "512x511x20 voxels vs 512x512x20")
    f = np.asanyarray(seg.dataobj).astype(np.float32)
    f[3, 4, 5] = 1.5  # a non-label value, named by the file's own indices
    why = refused(seg_variant("seg_float.nii.gz", data=f), "--labels", "--like", CT)
    expect_in(why, "voxel (3, 4, 5) holds 1.5")
    code, out, err = run_cli("convert", SEG, os.path.join(OUT, "x.nii"), "--like")
    if code != 2:
        raise AssertionError(f"--like without an image: exit {code}")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    check("LAS seg onto the DICOM CT: labels at the same world positions, centroids within 1e-3 mm, on the anatomy",
          test_seg_onto_ct)
    for a in ("RAS", "LAS", "LPI", "AIL"):
        for b in ("RAS", "LAS", "LPI", "AIL"):
            check(f"niivue_space_{a} --like niivue_space_{b}: equal to it voxel for voxel", test_space_variants, a, b)
    for codes in (("R", "A", "S"), ("L", "P", "S"), ("S", "A", "R"), ("P", "I", "L"), ("A", "R", "I")):
        check(f"aseg reoriented to {''.join(codes)} by nibabel comes back onto the T1's grid unchanged",
              test_aseg_reoriented_by_nibabel, codes)
    check("other grids refused, saying how they differ; non-label values named by voxel", test_refusals)
    if os.environ.get("VERBOSE") or os.environ.get("REPORT"):
        for k, v in REPORT.items():
            print(f"  {k}: {v}")
    finish()


if __name__ == "__main__":
    main()
