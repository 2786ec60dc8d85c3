#!/usr/bin/env python3
"""DICOM and PNG-stack interop: our reader against pydicom and nibabel.

- The CT series in ../shared/data/ct_dicom/series converts to a NIfTI whose
  values equal pydicom's (pixel_array * slope + intercept, slices sorted by
  position along the normal), and whose voxel centres land on the same world
  positions as the TotalSegmentator labels made on that grid
  (example_seg_dicom.nii.gz, stored LAS: compared through both affines).
- Every file in dicom_edge either loads and agrees with pydicom (rows, cols,
  values after rescale, position and orientation) or is refused with one line
  naming the file and the reason (compressed syntaxes by name and UID).
- Slice order never follows file names or InstanceNumber: a copy of the CT
  series with both reversed converts to the same volume.
- PNG stacks equal the NIfTI volumes they were made from (README.json).
- Identifying DICOM attributes are shown by `info` but never written out.
"""
import glob
import json
import os
import shutil
import warnings

import numpy as np
import nibabel as nib
import pydicom

from harness import DATA, OUT as OUT_ROOT, check, finish, run_cli

warnings.filterwarnings("ignore")  # pydicom's notes on the odd test files
os.environ["ASAN_OPTIONS"] = "exitcode=86:detect_leaks=1"
os.environ["UBSAN_OPTIONS"] = "exitcode=87:print_stacktrace=1"

OUT = os.path.join(OUT_ROOT, "dicom")
CT = os.path.join(DATA, "ct_dicom", "series")
SEG = os.path.join(DATA, "ct_dicom", "example_seg_dicom.nii.gz")
EDGE = os.path.join(DATA, "dicom_edge")
UNCOMPRESSED = {"1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2"}
LPS_TO_RAS = np.diag([-1.0, -1.0, 1.0])
REPORT = {}  # what the final summary prints


def assert_one_line_error(code, out, err, path):
    if code != 1:
        raise AssertionError(f"exit code {code} (expected 1); stderr: {err.strip()}")
    lines = err.strip().splitlines()
    if len(lines) != 1 or not lines[0].startswith(f"supervox: {path}: "):
        raise AssertionError(f"expected one line naming the file, got: {err!r}")
    if out:
        raise AssertionError(f"unexpected stdout: {out!r}")
    return lines[0][len(f"supervox: {path}: "):]


def convert(src, name, *opts):
    dst = os.path.join(OUT, name)
    code, out, err = run_cli("convert", src, dst, *opts)
    if code != 0:
        raise AssertionError(f"convert failed ({code}): {err.strip()}")
    return nib.load(dst), err


def pydicom_stack(paths):
    """pydicom's view of a series: rescaled arrays (i = column, j = row, k =
    slice sorted along the normal) and the sorted datasets."""
    ds = [pydicom.dcmread(p) for p in paths]
    iop = np.array(ds[0].ImageOrientationPatient, dtype=np.float64)
    normal = np.cross(iop[:3], iop[3:])
    ds.sort(key=lambda d: float(np.dot(normal, np.array(d.ImagePositionPatient, dtype=np.float64))))
    vols = []
    for d in ds:
        a = d.pixel_array.astype(np.float64)
        a = a * float(getattr(d, "RescaleSlope", 1) or 1) + float(getattr(d, "RescaleIntercept", 0) or 0)
        vols.append(a.T)  # (rows, cols) -> (i = col, j = row)
    return np.stack(vols, axis=-1), ds


def expected_columns(d):
    """RAS affine columns i, j and the origin from one dataset (as dcm2niix/nibabel)."""
    iop = np.array(d.ImageOrientationPatient, dtype=np.float64)
    dr, dc = (float(x) for x in d.PixelSpacing)
    return (LPS_TO_RAS @ (iop[:3] * dc), LPS_TO_RAS @ (iop[3:] * dr),
            LPS_TO_RAS @ np.array(d.ImagePositionPatient, dtype=np.float64))


def check_against_pydicom(img, ds, ref):
    data = img.get_fdata()
    if data.shape != ref.shape:
        raise AssertionError(f"shape {data.shape} vs pydicom {ref.shape}")
    diff = float(np.abs(data - ref).max())
    if diff != 0.0:
        raise AssertionError(f"values differ from pydicom's by up to {diff}")
    col_i, col_j, _ = expected_columns(ds[0])
    if not np.allclose(img.affine[:3, 0], col_i, atol=1e-6) or not np.allclose(img.affine[:3, 1], col_j, atol=1e-6):
        raise AssertionError(f"in-plane affine {img.affine[:3, :2]} vs {col_i}, {col_j}")
    err = 0.0
    for k, d in enumerate(ds):
        if "ImagePositionPatient" not in d:
            continue
        want = LPS_TO_RAS @ np.array(d.ImagePositionPatient, dtype=np.float64)
        got = img.affine @ np.array([0, 0, k, 1.0])
        err = max(err, float(np.abs(got[:3] - want).max()))
    if err > 1e-4:
        raise AssertionError(f"slice positions differ from ImagePositionPatient by {err} mm")
    return err


# --- the CT series ------------------------------------------------------------

def test_ct_series_vs_pydicom():
    img, err = convert(CT, "ct.nii.gz")
    if err.strip():
        raise AssertionError(f"unexpected notes: {err.strip()}")
    ref, ds = pydicom_stack(sorted(glob.glob(os.path.join(CT, "*.dcm"))))
    if img.get_data_dtype() != np.int16:
        raise AssertionError(f"CT stored as {img.get_data_dtype()}, expected int16 HU")
    perr = check_against_pydicom(img, ds, ref)
    lo = float(img.get_fdata().min())
    if lo > -1000:
        raise AssertionError(f"CT minimum {lo}: not in HU (air should be about -1024)")
    if int(img.header["sform_code"]) != 1:
        raise AssertionError(f"sform_code {img.header['sform_code']}")
    REPORT["ct_pydicom"] = f"values identical, slice positions within {perr:.1e} mm of ImagePositionPatient"


def test_ct_world_positions_match_the_seg():
    img = nib.load(os.path.join(OUT, "ct.nii.gz"))
    seg = nib.load(SEG)
    if img.shape != seg.shape:
        raise AssertionError(f"shape {img.shape} vs seg {seg.shape}")
    nx, ny, nz = img.shape
    ijk = np.stack(np.meshgrid(np.arange(nx), np.arange(ny), np.arange(nz), indexing="ij"), 0).reshape(3, -1)
    ijk1 = np.vstack([ijk, np.ones(ijk.shape[1])])
    world = img.affine @ ijk1
    in_seg = np.linalg.inv(seg.affine) @ world
    nearest = np.round(in_seg)
    frac = float(np.abs(in_seg - nearest).max())
    werr = float(np.abs(seg.affine @ nearest - world).max())
    if werr > 1e-3:
        raise AssertionError(f"voxel centres differ from the seg's by up to {werr} mm")
    idx = nearest[:3].astype(int)
    for a, n in enumerate(seg.shape):
        if idx[a].min() < 0 or idx[a].max() >= n:
            raise AssertionError("our grid is not the seg's grid")
    if len(set(map(tuple, idx.T))) != idx.shape[1]:
        raise AssertionError("two of our voxels land on one seg voxel")
    # the labels must sit on the anatomy: vertebrae are bone (> 150 HU), not soft tissue
    names = json.load(open(os.path.join(DATA, "ct_dicom", "labels_total_v2.json")))
    lab = np.asanyarray(seg.dataobj)[idx[0], idx[1], idx[2]].reshape(img.shape)
    hu = img.get_fdata()
    vert = [int(k) for k, v in names.items() if v.startswith("vertebrae")]
    mask = np.isin(lab, vert)
    if mask.sum() < 1000 or hu[mask].mean() < 150:
        raise AssertionError(f"vertebra labels hold {mask.sum()} voxels of mean {hu[mask].mean():.0f} HU")
    flipped = np.isin(lab[:, ::-1, :], vert)  # the same check catches a row flip
    if hu[flipped].mean() > 150:
        raise AssertionError("the bone check does not tell a flipped grid apart")
    REPORT["ct_seg"] = (f"max world-position difference {werr:.1e} mm (fractional voxel offset {frac:.1e}); "
                        f"vertebrae mean {hu[mask].mean():.0f} HU")


def test_ct_order_ignores_names_and_instance_numbers():
    """The series with InstanceNumber reversed and file names reversed gives the same volume."""
    src = sorted(glob.glob(os.path.join(CT, "*.dcm")))
    tmp = os.path.join(OUT, "ct_reversed")
    os.makedirs(tmp)
    n = len(src)
    for k, p in enumerate(src):
        d = pydicom.dcmread(p)
        d.InstanceNumber = str(n - int(d.InstanceNumber) + 1000)
        d.save_as(os.path.join(tmp, f"img{n - k:03d}.dcm"))
    a, _ = convert(tmp, "ct_reversed.nii.gz")
    b = nib.load(os.path.join(OUT, "ct.nii.gz"))
    if not np.array_equal(np.asanyarray(a.dataobj), np.asanyarray(b.dataobj)) or not np.allclose(a.affine, b.affine, atol=1e-6):
        raise AssertionError("reversing names and instance numbers changed the volume")


def test_ct_uneven_spacing_warns():
    src = sorted(glob.glob(os.path.join(CT, "*.dcm")))
    tmp = os.path.join(OUT, "ct_gap")
    os.makedirs(tmp)
    for k, p in enumerate(src):
        if k != 7:
            shutil.copy(p, tmp)
    code, out, err = run_cli("info", tmp)
    if code != 0 or "Uneven slice spacing" not in err or "Uneven slice spacing" not in json.loads(out)["series"][0]["warning"]:
        raise AssertionError(f"no spacing warning: {code} {err.strip()}")


# --- dicom_edge: load and agree, or refuse with a reason -------------------------

def pydicom_verdict(path):
    """(True, ds) if pydicom decodes an uncompressed greyscale single frame; else (False, why)."""
    try:
        d = pydicom.dcmread(path, force=True)
        ts = str(getattr(d.file_meta, "TransferSyntaxUID", "")) if hasattr(d, "file_meta") else ""
        if ts not in UNCOMPRESSED:
            return False, f"transfer syntax {ts or 'missing'}"
        a = d.pixel_array
        if a.ndim != 2:
            return False, f"pixel array of shape {a.shape}"
        return True, d
    except Exception as e:  # noqa: BLE001
        return False, f"pydicom: {str(e)[:80]}"


def edge_files():
    files = sorted(glob.glob(os.path.join(EDGE, "pydicom", "*.dcm")))
    files += sorted(glob.glob(os.path.join(EDGE, "pydicom", "CT5N", "*")))
    files += sorted(glob.glob(os.path.join(EDGE, "transfer_syntaxes", "*.dcm")))
    return files


def test_edge_file(path):
    ok, d = pydicom_verdict(path)
    rel = os.path.relpath(path, EDGE)
    code, out, err = run_cli("info", "--stats", path)
    if not ok:
        why = assert_one_line_error(code, out, err, path)
        try:
            ts = str(pydicom.dcmread(path, force=True).file_meta.TransferSyntaxUID)
        except Exception:  # noqa: BLE001
            ts = ""
        if ts and ts not in UNCOMPRESSED and ("not supported" not in why or ts not in why):
            raise AssertionError(f"compressed ({ts}) but the reason does not name it: {why}")
        REPORT.setdefault("edge", []).append(f"refused  {rel}: {why}")
        return
    if code != 0:
        why = assert_one_line_error(code, out, err, path)
        if "colour" in why and int(d.SamplesPerPixel) > 1:  # a valid refusal of a file pydicom decodes
            REPORT.setdefault("edge", []).append(f"refused  {rel}: {why}")
            return
        raise AssertionError(f"we refused a file pydicom decodes: {err.strip()}")
    info = json.loads(out)
    if info["dims"] != [int(d.Columns), int(d.Rows), 1]:
        raise AssertionError(f"dims {info['dims']} vs pydicom {d.Columns}x{d.Rows}")
    img, _ = convert(path, "edge_" + rel.replace("/", "_") + ".nii")
    ref, ds = pydicom_stack([path])
    check_against_pydicom(img, ds, ref)
    note = (" (" + err.strip().split("note: ", 1)[-1] + ")") if err.strip() else ""
    REPORT.setdefault("edge", []).append(f"loaded   {rel}: {d.Columns}x{d.Rows} {info['datatype']}, equal to pydicom{note}")


def test_ct5n_folder():
    folder = os.path.join(EDGE, "pydicom", "CT5N")
    img, err = convert(folder, "ct5n.nii.gz")
    paths = sorted(glob.glob(os.path.join(folder, "*")))
    ref, ds = pydicom_stack(paths)
    check_against_pydicom(img, ds, ref)
    inst = [int(d.InstanceNumber) for d in ds]
    if inst != sorted(inst, reverse=True):
        raise AssertionError(f"CT5N should run against its instance numbers; sorted instances {inst}")


def test_edge_folder_scan():
    """The transfer-syntax folder as a whole: three uncompressed series listed, six files skipped by name."""
    folder = os.path.join(EDGE, "transfer_syntaxes")
    code, out, err = run_cli("info", folder)
    if code != 0:
        raise AssertionError(err.strip())
    info = json.loads(out)
    packed = [s for s in info["skipped"] if s["file"].endswith(".dcm")]
    other = sorted(s["file"] for s in info["skipped"] if not s["file"].endswith(".dcm"))
    if len(info["series"]) != 3 or len(packed) != 6 or other != ["README.md", "ref/1.json", "ref/1.nii"]:
        raise AssertionError(f"{len(info['series'])} series, skipped {[s['file'] for s in info['skipped']]}")
    for s in packed:
        if not s["reason"].startswith(s["file"] + ": not supported: ") or s["status"] != "SV_EUNSUPPORTED":
            raise AssertionError(f"skip reason: {s}")
    for s in info["skipped"]:
        if s not in packed and (s["status"] != "SV_EFORMAT" or "not a DICOM file" not in s["reason"]):
            raise AssertionError(f"skip reason: {s}")
    dst = os.path.join(OUT, "ts_none.nii")
    code, out, err = run_cli("convert", folder, dst)
    why = assert_one_line_error(code, out, err, folder)
    if "--series" not in why or "[3]" not in why or os.path.exists(dst):
        raise AssertionError(f"multi-series refusal should list the series: {why}")
    a, _ = convert(folder, "ts_2.nii", "--series", "2")
    ref, ds = pydicom_stack([os.path.join(folder, "2.dcm")])
    check_against_pydicom(a, ds, ref)
    code, out, err = run_cli("convert", folder, dst, "--series", "9")
    assert_one_line_error(code, out, err, folder)


def test_metadata_shown_not_exported():
    path = os.path.join(EDGE, "pydicom", "CT_small.dcm")
    d = pydicom.dcmread(path)
    code, out, err = run_cli("info", path)
    if code != 0:
        raise AssertionError(err.strip())
    meta = json.loads(out)["metadata"]
    if meta["patient_name"] != str(d.PatientName) or meta["patient_id"] != str(d.PatientID):
        raise AssertionError(f"metadata {meta} vs pydicom {d.PatientName} {d.PatientID}")
    if meta["modality"] != "CT" or meta["slice_thickness"] != float(d.SliceThickness):
        raise AssertionError(f"metadata {meta}")
    for ext in (".nii", ".nii.gz"):
        img, _ = convert(path, "ct_small" + ext)
        raw = open(os.path.join(OUT, "ct_small" + ext), "rb").read()
        if ext == ".nii.gz":
            import gzip
            raw = gzip.decompress(raw)
        for value in (str(d.PatientName), str(d.PatientID), str(getattr(d, "StudyID", "")), str(d.StudyDate)):
            if value and value.encode() in raw:
                raise AssertionError(f"{value!r} was written into {ext}")
        if img.header["descrip"].tobytes().strip(b"\0"):
            raise AssertionError(f"descrip {img.header['descrip']}")


def test_window_from_the_files_vs_pydicom():
    # the display window the files suggest (the first of several), as pydicom reads it; none: null
    cases = [(CT, sorted(glob.glob(os.path.join(CT, "*.dcm")))[0])]
    cases += [(os.path.join(EDGE, "pydicom", f), os.path.join(EDGE, "pydicom", f)) for f in ("CT_small.dcm", "MR_small.dcm")]
    for path, first in cases:
        d = pydicom.dcmread(first)
        code, out, err = run_cli("info", path)
        if code != 0:
            raise AssertionError(err.strip())
        meta = json.loads(out)["metadata"]
        wc, ww = d.get("WindowCenter"), d.get("WindowWidth")
        if wc is None or ww is None:
            want = (None, None)
        else:
            first_of = lambda x: float(x[0]) if isinstance(x, pydicom.multival.MultiValue) else float(x)
            want = (first_of(wc), first_of(ww))
        if (meta["window_center"], meta["window_width"]) != want:
            raise AssertionError(f"{os.path.basename(path)}: window {meta['window_center']}/{meta['window_width']}, pydicom {want}")


# --- PNG stacks ------------------------------------------------------------------

def test_png_stack(name, opts):
    folder = os.path.join(DATA, "png_stack", name)
    readme = json.load(open(os.path.join(folder, "README.json")))
    src = nib.load(os.path.join(DATA, readme["source"]))
    sp = readme["spacing_mm"]
    img, _ = convert(folder, f"png_{name}.nii.gz", "--spacing", ",".join(repr(float(x)) for x in sp), *opts)
    a, b = img.get_fdata(), src.get_fdata()
    if a.shape != b.shape:
        raise AssertionError(f"shape {a.shape} vs {b.shape}")
    if not np.array_equal(a, b):
        raise AssertionError(f"values differ by up to {np.abs(a - b).max()}")
    if not np.allclose(np.diag(img.affine)[:3], sp, rtol=1e-6):
        raise AssertionError(f"spacing {np.diag(img.affine)[:3]} vs {sp}")
    REPORT.setdefault("png", []).append(f"{name}: {a.shape} {img.get_data_dtype()} equal to {readme['source']}")


def test_png_errors():
    tmp = os.path.join(OUT, "png_mixed")
    os.makedirs(tmp)
    shutil.copy(os.path.join(DATA, "png_stack", "mr_u16", "slice_000.png"), os.path.join(tmp, "slice_1.png"))
    shutil.copy(os.path.join(DATA, "png_stack", "brain_u8", "slice_000.png"), os.path.join(tmp, "slice_10.png"))
    dst = os.path.join(OUT, "png_mixed.nii")
    code, out, err = run_cli("convert", tmp, dst)
    why = assert_one_line_error(code, out, err, tmp)
    if "slice_10.png" not in why or "slice_1.png" not in why:
        raise AssertionError(f"the message should name both files: {why}")
    code, out, err = run_cli("convert", tmp, dst, "--spacing", "1,0,1")
    if code != 2:
        raise AssertionError(f"bad --spacing: exit {code}")
    code, out, err = run_cli("convert", os.path.join(DATA, "png_stack", "mr_u16"), dst, "--series", "1")
    if code != 2:
        raise AssertionError(f"--series on PNG: exit {code}")


def main():
    shutil.rmtree(OUT, ignore_errors=True)
    os.makedirs(OUT)
    check("CT series: values and positions equal pydicom's; int16 HU", test_ct_series_vs_pydicom)
    check("CT series: voxel centres on the seg's world positions (1e-3 mm); labels on anatomy", test_ct_world_positions_match_the_seg)
    check("CT series: reversed names and InstanceNumbers give the same volume", test_ct_order_ignores_names_and_instance_numbers)
    check("CT series with a missing slice: uneven-spacing warning", test_ct_uneven_spacing_warns)
    for f in edge_files():
        check(f"dicom_edge {os.path.relpath(f, EDGE)}: loads equal to pydicom or refused with a reason", test_edge_file, f)
    check("CT5N folder: sorted by position against its instance numbers, equal to pydicom", test_ct5n_folder)
    check("transfer_syntaxes folder: series listed, compressed skipped by name, --series picks one", test_edge_folder_scan)
    check("patient metadata shown by info, absent from the NIfTI written", test_metadata_shown_not_exported)
    check("the display window the files suggest equals pydicom's (the first of several; none: null)", test_window_from_the_files_vs_pydicom)
    check("PNG stack brain_u8 equals its source NIfTI", test_png_stack, "brain_u8", [])
    check("PNG stack mr_u16 with --intercept -1024 equals its source NIfTI", test_png_stack, "mr_u16", ["--intercept", "-1024"])
    check("PNG stack errors: mixed depths name both files; bad options are usage errors", test_png_errors)
    if os.environ.get("VERBOSE") or os.environ.get("REPORT"):
        for k, v in REPORT.items():
            for line in (v if isinstance(v, list) else [v]):
                print(f"  {k}: {line}")
    finish()


if __name__ == "__main__":
    main()
