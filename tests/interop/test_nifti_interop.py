#!/usr/bin/env python3
"""NIfTI interop: our reader and writer against nibabel and nifti_tool, on every
NIfTI in ../shared/data, plus the CLI's answers to damaged files.

For each file nibabel reads as a scalar 3D/4D volume, `supervox info --stats`
must agree with nibabel on dims, voxel-to-world matrix (1e-4 mm) and the scaled
voxel values (sum, sum of squares, and an order-sensitive weighted sum). Files
nibabel cannot read as scalar volumes (header-only pairs, complex, RGB) must be
refused with one clear line. Files we write must be read back by nibabel with
equal values and affines, and `nifti_tool -check_hdr -check_nim` must call them
good.
"""
import glob
import gzip
import json
import os
import shutil
import struct
import subprocess

import numpy as np
from scipy import ndimage
import nibabel as nib

from harness import DATA, OUT, check, finish, run_cli

# a crash under the sanitizers must not look like an ordinary input error (exit 1)
os.environ["ASAN_OPTIONS"] = "exitcode=86:detect_leaks=1"
os.environ["UBSAN_OPTIONS"] = "exitcode=87:print_stacktrace=1"


def nifti_files():
    pats = ["brain/*.nii.gz", "mr/*.nii.gz", "ct_dicom/*.nii.gz", "nifti_edge/*"]
    files = []
    for p in pats:
        files += sorted(glob.glob(os.path.join(DATA, p)))
    return files


def nib_first_frame(img):
    """nibabel's scaled data as float64, first frame, shape (nx, ny, nz)."""
    data = np.asanyarray(img.dataobj).astype(np.float64)
    shape = list(data.shape) + [1] * max(0, 3 - data.ndim)
    data = data.reshape(shape[:3] + [-1], order="F")[..., 0] if data.ndim > 3 else data.reshape(shape[:3], order="F")
    return data


def stats_of(data):
    flat = data.ravel(order="F")
    w = 1.0 + (np.arange(flat.size) % 1021)
    return {"sum": flat.sum(), "sumsq": (flat * flat).sum(), "wsum": (flat * w).sum(),
            "min": flat.min(), "max": flat.max()}


def close(a, b, rtol, what):
    if not np.isclose(a, b, rtol=rtol, atol=1e-9 * max(1.0, abs(b))):
        raise AssertionError(f"{what}: ours {a!r} vs nibabel {b!r}")


def is_scalar_volume(path):
    """(True, img) if nibabel reads a scalar 3D/4D volume; (False, reason) otherwise."""
    try:
        img = nib.load(path)
        dt = img.get_data_dtype()
        if dt.fields is not None or dt.kind == "c":
            return False, f"not scalar ({dt})"
        np.asanyarray(img.dataobj[(slice(None),) * 3 + (0,) * (len(img.shape) - 3)])
        return True, img
    except Exception as e:  # noqa: BLE001
        return False, f"nibabel: {e}"


def assert_one_line_error(code, out, err, path):
    if code != 1:
        raise AssertionError(f"exit code {code} (expected 1); stderr: {err.strip()}")
    lines = err.strip().splitlines()
    if len(lines) != 1 or not lines[0].startswith(f"supervox: {path}: "):
        raise AssertionError(f"expected one line naming the file, got: {err!r}")
    if out:
        raise AssertionError(f"unexpected stdout: {out!r}")


def test_read(path):
    ok, img = is_scalar_volume(path)
    code, out, err = run_cli("info", "--stats", path)
    if not ok:
        assert_one_line_error(code, out, err, path)
        return
    if code != 0:
        raise AssertionError(f"we refused a file nibabel reads: {err.strip()}")
    info = json.loads(out)
    shape = list(img.shape) + [1] * max(0, 3 - len(img.shape))
    if info["dims"] != shape[:3]:
        raise AssertionError(f"dims {info['dims']} vs nibabel {shape[:3]}")
    frames = int(np.prod(shape[3:])) if len(shape) > 3 else 1
    if info["frames"] != frames:
        raise AssertionError(f"frames {info['frames']} vs {frames}")
    aff = np.array(info["affine"], dtype=np.float64)
    if not np.allclose(aff, img.affine, atol=1e-4, rtol=0):
        raise AssertionError(f"affine differs:\nours {aff}\nnibabel {img.affine}")
    ref = stats_of(nib_first_frame(img))
    for k in ("sum", "sumsq", "wsum"):
        close(info["stats"][k], ref[k], 1e-6, k)
    close(info["stats"]["min"], ref["min"], 1e-6, "min")
    close(info["stats"]["max"], ref["max"], 1e-6, "max")
    if info["datatype"] != np.dtype(img.get_data_dtype()).newbyteorder("=").name:
        raise AssertionError(f"datatype {info['datatype']} vs {img.get_data_dtype()}")


def nifti_tool_ok(path):
    p = subprocess.run(["nifti_tool", "-check_hdr", "-check_nim", "-infiles", path],
                       capture_output=True, text=True, timeout=60)
    text = p.stdout + p.stderr
    if p.returncode != 0 or "IS GOOD" not in text or "BAD" in text or "INVALID" in text.upper():
        raise AssertionError(f"nifti_tool: {text.strip()}")


def test_roundtrip(path, ext):
    ok, src = is_scalar_volume(path)
    if not ok:
        return
    name = os.path.basename(path).replace(".nii.gz", "").replace(".nii", "")
    dst = os.path.join(OUT, f"rt_{name}{ext}")
    code, out, err = run_cli("convert", path, dst)
    if code != 0:
        raise AssertionError(err.strip())
    img = nib.load(dst)
    shape = list(src.shape) + [1] * max(0, 3 - len(src.shape))
    if list(img.shape) != shape[:3]:
        raise AssertionError(f"shape {img.shape} vs {shape[:3]}")
    want_dt = np.dtype(src.get_data_dtype()).newbyteorder("=")
    got_dt = np.dtype(img.get_data_dtype()).newbyteorder("=")
    if got_dt != want_dt:
        raise AssertionError(f"dtype {got_dt} vs {want_dt}")
    a = nib_first_frame(img)
    b = nib_first_frame(src)
    if not np.allclose(a, b, rtol=1e-6, atol=0, equal_nan=True):
        raise AssertionError(f"values differ: max |diff| {np.nanmax(np.abs(a - b))}")
    raw_a = np.asanyarray(img.dataobj.get_unscaled())
    raw_b = np.asanyarray(src.dataobj.get_unscaled())
    raw_b = raw_b.reshape(shape[:3] + [-1], order="F")[..., 0] if raw_b.ndim > 3 else raw_b.reshape(shape[:3], order="F")
    if not np.array_equal(raw_a, raw_b, equal_nan=True):
        raise AssertionError("stored values differ")
    if not np.allclose(img.affine, src.affine, atol=1e-4, rtol=0):
        raise AssertionError(f"affine {img.affine} vs {src.affine}")
    for form in ("sform", "qform"):
        m1, c1 = getattr(img.header, f"get_{form}")(coded=True)
        m0, c0 = getattr(src.header, f"get_{form}")(coded=True)
        if int(c1) != int(c0):
            raise AssertionError(f"{form} code {c1} vs {c0}")
        if m0 is not None and not np.allclose(m1, m0, atol=1e-4, rtol=0):
            raise AssertionError(f"{form} {m1} vs {m0}")
    if img.header.get_xyzt_units()[0] != src.header.get_xyzt_units()[0]:
        raise AssertionError(f"units {img.header.get_xyzt_units()} vs {src.header.get_xyzt_units()}")
    nifti_tool_ok(dst)


def test_labels(ext):
    src_path = os.path.join(DATA, "brain", "aseg_collapsed_crop.nii.gz")
    dst = os.path.join(OUT, f"labels{ext}")
    code, out, err = run_cli("convert", "--labels", src_path, dst)
    if code != 0:
        raise AssertionError(err.strip())
    src, img = nib.load(src_path), nib.load(dst)
    if img.get_data_dtype() != np.uint8:
        raise AssertionError(f"dtype {img.get_data_dtype()}")
    if int(img.header["intent_code"]) != 1002:
        raise AssertionError(f"intent_code {img.header['intent_code']}")
    if not np.array_equal(np.asanyarray(img.dataobj), np.asanyarray(src.dataobj).astype(np.uint8)):
        raise AssertionError("label values differ")
    if not np.allclose(img.affine, src.affine, atol=1e-5):
        raise AssertionError("affine differs")
    for form in ("sform", "qform"):
        if int(img.header[f"{form}_code"]) != int(src.header[f"{form}_code"]):
            raise AssertionError(f"{form}_code differs")
    nifti_tool_ok(dst)


def test_labels_refused():
    path = os.path.join(DATA, "mr", "example_mr_sm.nii.gz")
    dst = os.path.join(OUT, "not_labels.nii.gz")
    code, out, err = run_cli("convert", "--labels", path, dst)
    assert_one_line_error(code, out, err, path)
    if "0..255" not in err or os.path.exists(dst):
        raise AssertionError(f"unexpected: {err!r}, output exists: {os.path.exists(dst)}")


def test_supervoxels_cli():
    src_path = os.path.join(DATA, "mr", "example_mr_sm.nii.gz")
    dst = os.path.join(OUT, "sv.nii.gz")
    code, out, err = run_cli("supervoxels", src_path, "-o", dst, "--count", "400", "--threshold", "20")
    if code != 0:
        raise AssertionError(err.strip())
    src, img = nib.load(src_path), nib.load(dst)
    lab = np.asanyarray(img.dataobj)
    if lab.shape != src.shape or img.get_data_dtype() != np.uint32:
        raise AssertionError(f"shape {lab.shape} dtype {img.get_data_dtype()}")
    if not np.allclose(img.affine, src.affine, atol=1e-5):
        raise AssertionError("affine differs from the input's")
    ids = np.unique(lab)
    n = int(ids.max())
    sizes = np.bincount(lab.ravel())[1:]
    # specks of a few voxels above the threshold, cut off from the rest, are supervoxels of their own
    grown = int((sizes > 8).sum())
    if not (320 <= grown <= 480) or len(ids) != n + 1:
        raise AssertionError(f"{grown} supervoxels over 8 voxels ({n} in all), ids present: {len(ids)}")
    data = np.asanyarray(src.dataobj)
    if not ((lab == 0) == (data < 20)).all():
        raise AssertionError("background is not exactly the voxels below the threshold")
    nifti_tool_ok(dst)
    # the coarser levels: the same supervoxels merged to a quarter / a sixteenth, each group a union of them
    for level, div in ((1, 4), (2, 16)):
        dst_l = os.path.join(OUT, f"sv_level{level}.nii.gz")
        code, out, err = run_cli("supervoxels", src_path, "-o", dst_l, "--count", "400", "--threshold", "20", "--level", str(level))
        if code != 0:
            raise AssertionError(err.strip())
        groups = np.asanyarray(nib.load(dst_l).dataobj)
        g = int(groups.max())
        # merging stops at the target, or when only separate pieces are left (specks stay apart)
        pieces = ndimage.label(lab > 0)[1]
        if not (n // div - 1 <= g <= max(n // div, pieces)) or len(np.unique(groups)) != g + 1 or not ((groups == 0) == (lab == 0)).all():
            raise AssertionError(f"level {level}: {g} groups of {n} supervoxels ({pieces} separate pieces)")
        pairs = np.unique(np.stack([lab.ravel(), groups.ravel()]), axis=1)
        if len(np.unique(pairs[0])) != pairs.shape[1]:
            raise AssertionError(f"level {level}: a supervoxel is split between groups")
    code, out, err = run_cli("supervoxels", src_path, "-o", dst, "--level", "3")
    if code != 2 or "--level must be a whole number 0..2 (got 3)" not in err:
        raise AssertionError(f"exit {code}: {err!r}")
    code, out, err = run_cli("supervoxels", src_path, "-o", dst, "--compactness", "-1")
    assert_one_line_error(code, out, err, src_path)
    code, out, err = run_cli("supervoxels", src_path, "-o", dst, "--threshold", "nothing")
    if code != 2 or "--threshold: not a number: nothing" not in err:
        raise AssertionError(f"exit {code}: {err!r}")
    code, out, err = run_cli("supervoxels", src_path, "-o", dst, "--threshold", "nan")
    if code != 2 or "--threshold takes a number, auto or none" not in err:
        raise AssertionError(f"exit {code}: {err!r}")


def test_propagate_cli():
    img_path = os.path.join(DATA, "brain", "norm_crop.nii.gz")
    sv_path = os.path.join(OUT, "brain_sv.nii.gz")
    code, out, err = run_cli("supervoxels", img_path, "-o", sv_path, "--count", "3000")
    if code != 0:
        raise AssertionError(err.strip())
    # by default the background is automatic: here the zeros around the skull-stripped brain
    data = np.asanyarray(nib.load(img_path).dataobj)
    sv = np.asanyarray(nib.load(sv_path).dataobj)
    if not ((sv == 0) == (data == 0)).all() or "background (automatic)" not in err:
        raise AssertionError(f"background is not the zero voxels: {err!r}")
    none_path = os.path.join(OUT, "brain_sv_none.nii.gz")
    code, out, err = run_cli("supervoxels", img_path, "-o", none_path, "--count", "3000", "--threshold", "none")
    if code != 0 or (np.asanyarray(nib.load(none_path).dataobj) == 0).any() or "background" in err:
        raise AssertionError(f"--threshold none left a background: {err!r}")
    strokes = os.path.join(OUT, "strokes.json")
    # a straight line along i on slice j = 70 (axial in this LIA volume), k = 90
    with open(strokes, "w") as f:
        json.dump({"strokes": [{"axis": 1, "label": 5, "mode": "touch", "width": 1,
                                "points": [[50, 70, 90], [80, 70, 90]]}]}, f)
    dst = os.path.join(OUT, "propagated.nii.gz")
    code, out, err = run_cli("propagate", img_path, "--strokes", strokes, "--supervoxels", sv_path, "-o", dst)
    if code != 0:
        raise AssertionError(err.strip())
    sv = np.asanyarray(nib.load(sv_path).dataobj)
    lab_img = nib.load(dst)
    lab = np.asanyarray(lab_img.dataobj)
    touched = set(int(x) for x in sv[50:81, 70, 90]) - {0}
    want = np.isin(sv, list(touched))
    if not np.array_equal(lab == 5, want) or not ((lab == 0) | (lab == 5)).all():
        raise AssertionError(f"painted {(lab == 5).sum()} voxels, the touched supervoxels hold {want.sum()}")
    if int(lab_img.header["intent_code"]) != 1002 or lab_img.get_data_dtype() != np.uint8:
        raise AssertionError("not a uint8 label map")
    if not np.allclose(lab_img.affine, nib.load(img_path).affine, atol=1e-5):
        raise AssertionError("affine differs")
    nifti_tool_ok(dst)
    # paint mode spreads within the structure, never onto background (value 0 in this skull-stripped T1)
    with open(strokes, "w") as f:
        json.dump({"strokes": [{"axis": 1, "label": 2, "points": [[60, 70, 90], [70, 70, 90]]}]}, f)
    code, out, err = run_cli("propagate", img_path, "--strokes", strokes, "-o", dst, "--count", "3000", "--threshold", "1")
    if code != 0:
        raise AssertionError(err.strip())
    lab = np.asanyarray(nib.load(dst).dataobj)
    data = np.asanyarray(nib.load(img_path).dataobj)
    if (lab == 2).sum() == 0 or ((lab == 2) & (data < 1)).any():
        raise AssertionError(f"paint: {(lab == 2).sum()} voxels, on background: {((lab == 2) & (data < 1)).sum()}")
    # a damaged strokes file: one line naming it, no output written
    with open(strokes, "w") as f:
        f.write('{"strokes": [{"axis": 1, "label": 2, "points": [[60, 70')
    os.remove(dst)
    code, out, err = run_cli("propagate", img_path, "--strokes", strokes, "-o", dst)
    assert_one_line_error(code, out, err, strokes)
    if os.path.exists(dst):
        raise AssertionError("an output was written for a failed run")
    # a stroke meant for another volume (its slice past this one's 139): said so, nothing written
    with open(strokes, "w") as f:
        json.dump({"strokes": [{"axis": 1, "label": 2, "points": [[60, 400, 90], [70, 400, 90]]}]}, f)
    code, out, err = run_cli("propagate", img_path, "--strokes", strokes, "-o", dst, "--count", "3000")
    if code != 1 or "stroke 1: the stroke is off the volume: its slice 400 is outside 0..138 along axis 1" not in err:
        raise AssertionError(f"exit {code}: {err!r}")
    if os.path.exists(dst):
        raise AssertionError("an output was written for a failed run")
    # a threshold above every voxel: no empty map, a reason
    code, out, err = run_cli("supervoxels", img_path, "-o", dst, "--threshold", "1000")
    assert_one_line_error(code, out, err, img_path)
    if "every voxel is below the background threshold 1000" not in err or os.path.exists(dst):
        raise AssertionError(f"{err!r}")


# --- damaged files ---------------------------------------------------------

def good_bytes():
    with gzip.open(os.path.join(DATA, "nifti_edge", "niivue_low_res.nii.gz"), "rb") as f:
        return bytearray(f.read())


def damaged_cases():
    g = good_bytes()
    cases = {}
    cases["empty.nii"] = b""
    cases["truncated_header.nii"] = g[:200]
    cases["truncated_data.nii"] = g[: len(g) - 10]
    bad = bytearray(g); bad[344:348] = b"xx1\0"; cases["wrong_magic.nii"] = bad
    bad = bytearray(g); bad[0:4] = struct.pack("<i", 123); cases["not_nifti.nii"] = bad
    bad = bytearray(g); struct.pack_into("<h", bad, 42, 0); cases["dim_zero.nii"] = bad
    bad = bytearray(g); struct.pack_into("<h", bad, 44, -5); cases["dim_negative.nii"] = bad
    bad = bytearray(g); struct.pack_into("<hhh", bad, 42, 32767, 32767, 32767); cases["dims_huge.nii"] = bad
    bad = bytearray(g); struct.pack_into("<f", bad, 108, 1e9); cases["vox_offset_past_end.nii"] = bad
    bad = bytearray(g); struct.pack_into("<h", bad, 70, 77); cases["unknown_datatype.nii"] = bad
    bad = bytearray(g); struct.pack_into("<h", bad, 40, 9); cases["dim0_bad.nii"] = bad
    gz = bytearray(gzip.compress(bytes(g)))
    cases["truncated.nii.gz"] = gz[: len(gz) // 2]
    bad = bytearray(gz)
    for i in range(20, min(60, len(bad))):
        bad[i] ^= 0x5A
    cases["corrupt.nii.gz"] = bad
    lying = bytearray(g); struct.pack_into("<hhh", lying, 42, 2000, 2000, 2000)
    cases["lying_header.nii.gz"] = gzip.compress(bytes(lying))
    return cases


def test_damaged(name, data):
    path = os.path.join(OUT, "damaged", name)
    with open(path, "wb") as f:
        f.write(data)
    code, out, err = run_cli("info", path)
    assert_one_line_error(code, out, err, path)
    dst = os.path.join(OUT, "damaged", "out.nii")
    with open(dst, "wb") as f:
        f.write(b"precious")
    code, out, err = run_cli("convert", path, dst)
    assert_one_line_error(code, out, err, path)
    with open(dst, "rb") as f:
        if f.read() != b"precious":
            raise AssertionError("a failed convert damaged the existing output file")


def test_missing_file():
    path = os.path.join(OUT, "does-not-exist.nii")
    code, out, err = run_cli("info", path)
    assert_one_line_error(code, out, err, path)


def test_usage():
    code, out, err = run_cli("frobnicate")
    if code != 2 or "usage" not in err:
        raise AssertionError(f"exit {code}: {err!r}")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(os.path.join(OUT, "damaged"))
    for f in nifti_files():
        rel = os.path.relpath(f, DATA)
        check(f"read {rel} agrees with nibabel", test_read, f)
        check(f"write {rel} as .nii reads back in nibabel, nifti_tool valid", test_roundtrip, f, ".nii")
        check(f"write {rel} as .nii.gz reads back in nibabel, nifti_tool valid", test_roundtrip, f, ".nii.gz")
    check("label map .nii.gz: uint8, intent label, source geometry", test_labels, ".nii.gz")
    check("label map .nii: uint8, intent label, source geometry", test_labels, ".nii")
    check("non-label values refused for a label map", test_labels_refused)
    check("supervoxels CLI: uint32 map on the input grid, background exact, nibabel reads it", test_supervoxels_cli)
    check("propagate CLI: touch paints exactly the touched supervoxels; paint stays off background", test_propagate_cli)
    for name, data in damaged_cases().items():
        check(f"damaged {name}: one-line error, existing output untouched", test_damaged, name, data)
    check("missing file: one-line error", test_missing_file)
    check("unknown command: usage, exit 2", test_usage)
    finish()


if __name__ == "__main__":
    main()
