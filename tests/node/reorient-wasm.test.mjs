// reorient-wasm.test.mjs — importing a label map stored in another axis order
// (issue 6) through the wasm core: the TotalSegmentator labels stored LAS onto
// the CT built from its DICOM series (LPS-derived) give the native CLI's
// `convert --labels --like` result byte for byte, each label at its world
// position and on the anatomy; another grid is refused with the native reason.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';

import { cli, DATA, loadCore, read } from './helpers.mjs';

const core = await loadCore();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervox-reorient-'));
const CT = path.join(DATA, 'ct_dicom', 'series');
const SEG = path.join(DATA, 'ct_dicom', 'example_seg_dicom.nii.gz');

/** A folder's files as the browser hands them over: {name, bytes}. */
function folder(dir) {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(path.join(dir, n)).isFile())
    .map((name) => ({ name, bytes: read(path.join(dir, name)) }));
}

const dicom = core.openDicom(folder(CT));
const ct = core.readDicomSeries(dicom, 0);
after(() => {
  core.freeVolume(ct);
  core.closeDicom(dicom);
});

/** World centroid (mm) of the voxels equal to value, through a 4x4 affine. */
function centroid(data, dims, affine, value) {
  const [nx, ny] = dims;
  const s = [0, 0, 0];
  let n = 0;
  for (let idx = 0; idx < data.length; idx++) {
    if (data[idx] !== value) continue;
    const i = idx % nx, j = Math.floor(idx / nx) % ny, k = Math.floor(idx / (nx * ny));
    for (let r = 0; r < 3; r++) s[r] += affine[r][0] * i + affine[r][1] * j + affine[r][2] * k + affine[r][3];
    n++;
  }
  return { n, c: s.map((x) => x / n) };
}

test('the LAS seg onto the DICOM CT series: native bytes, rows flipped, centroids kept, on the anatomy', () => {
  const segBytes = read(SEG);
  const layer = core.importLayer(ct, segBytes);
  const raw = core.openNifti(segBytes);
  try {
    // the same NIfTI as the native CLI writes from the same inputs
    const out = path.join(tmp, 'seg_on_ct.nii');
    const r = cli('convert', SEG, out, '--labels', '--like', CT);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Buffer.from(core.writeNifti(layer, 0)), readFileSync(out));

    const ci = core.info(ct), si = core.info(raw), li = core.info(layer);
    assert.deepEqual(li.dims, ci.dims);
    assert.deepEqual(li.affine, ci.affine);
    assert.equal(li.intent_code, 1002);
    // the seg is stored LAS: its j axis runs against the CT's, i and k with it
    assert.ok(si.affine[1][1] * ci.affine[1][1] < 0 && si.affine[0][0] * ci.affine[0][0] > 0 && si.affine[2][2] * ci.affine[2][2] > 0);
    const [nx, ny, nz] = ci.dims;
    const lab = new Uint8Array(core.volumeData(layer));
    const seg = new Uint8Array(core.volumeData(raw));
    let same = 0;
    for (let k = 0; k < nz; k++)
      for (let j = 0; j < ny; j++)
        for (let i = 0; i < nx; i++) same += lab[i + nx * (j + ny * k)] === seg[i + nx * (ny - 1 - j + ny * k)] ? 1 : 0;
    assert.equal(same, nx * ny * nz);
    assert.notDeepEqual(lab, seg); // not imported as stored

    // each label at the same world position: centroids through each file's affine
    for (const v of [1, 5, 32, 33, 52]) {
      const a = centroid(seg, si.dims, si.affine, v), b = centroid(lab, ci.dims, ci.affine, v);
      assert.equal(a.n, b.n);
      assert.ok(a.n > 1000, `label ${v}: ${a.n} voxels`);
      const err = Math.hypot(a.c[0] - b.c[0], a.c[1] - b.c[1], a.c[2] - b.c[2]);
      assert.ok(err <= 1e-3, `label ${v}: centroid moved ${err} mm`);
    }

    // on the anatomy: liver soft tissue, vertebrae T12/T11 bone
    assert.equal(ci.datatype, 'int16');
    const hu = new Int16Array(core.volumeData(ct));
    const mean = (v) => {
      let s = 0, n = 0;
      for (let idx = 0; idx < lab.length; idx++) if (lab[idx] === v) { s += hu[idx] * ci.scl_slope + ci.scl_inter; n++; }
      return s / n;
    };
    const liver = mean(5), t12 = mean(32), t11 = mean(33);
    assert.ok(liver >= 40 && liver <= 150, `liver ${liver} HU`);
    assert.ok(t12 > 150 && t11 > 150, `vertebrae ${t12}, ${t11} HU`);
  } finally {
    core.deleteLayer(layer);
    core.freeVolume(raw);
  }
});

test('a label map on another grid is refused with the native reason', () => {
  const mr = path.join(DATA, 'mr', 'example_seg_mr.nii.gz');
  const r = cli('convert', mr, path.join(tmp, 'no.nii'), '--labels', '--like', CT);
  assert.equal(r.code, 1);
  const reason = r.stderr.trim().slice(`supervox: ${mr}: `.length);
  assert.match(reason, /^the label map's grid does not match the image's: 117x91x20 voxels .*vs 512x512x20; voxel size 3 x 3 x 3 mm vs 0\.977 x 0\.977 x 2 mm$/);
  assert.throws(() => core.importLayer(ct, read(mr)), (e) => e.code === 'SV_EINVAL' && e.message === reason);
});
