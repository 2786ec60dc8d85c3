// orientation.test.mjs — affine -> display axes and flips, on the real orientation files.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { axisMaps, orientationCode, viewGeometry } from '../../web/views/orientation.js';
import { renderGreySlice, voxelArray } from '../../web/views/slice-render.js';
import { DATA, loadCore, niftiFiles, python, read } from './helpers.mjs';

const core = await loadCore();

/** Open a file with the wasm core: {info, data}. */
function open(file) {
  const h = core.openNifti(read(file));
  try {
    const info = core.info(h);
    return { info, data: voxelArray(core.volumeData(h), info.datatype) };
  } finally {
    core.freeVolume(h);
  }
}

test('orientation codes agree with nibabel aff2axcodes on every readable file', () => {
  const files = niftiFiles().filter((f) => !f.endsWith('.hdr') && !/complex/.test(f));
  const codes = JSON.parse(
    python(`import json,sys,nibabel as nib
print(json.dumps({f: ''.join(nib.aff2axcodes(nib.load(f).affine)) for f in ${JSON.stringify(files)}}))`),
  );
  for (const f of files) assert.equal(orientationCode(open(f).info.affine), codes[f], path.basename(f));
});

test('known storage orders: brain is LIA, MR is LPS', () => {
  assert.equal(orientationCode(open(path.join(DATA, 'brain/norm_crop.nii.gz')).info.affine), 'LIA');
  assert.equal(orientationCode(open(path.join(DATA, 'mr/example_mr_sm.nii.gz')).info.affine), 'LPS');
});

test('letters: radiological puts R on the left of axial and coronal views; neurological swaps', () => {
  const a = [[-1, 0, 0, 0], [0, 0, 1, 0], [0, -1, 0, 0], [0, 0, 0, 1]]; // LIA
  const dims = [10, 20, 30];
  const sp = [1, 2, 3];
  const ax = viewGeometry('axial', a, dims, sp);
  assert.deepEqual(ax.letters, { left: 'R', right: 'L', top: 'A', bottom: 'P' });
  assert.equal(ax.sliceAxis, 1); // I axis is j
  assert.deepEqual([ax.h.axis, ax.h.flip, ax.v.axis, ax.v.flip], [0, false, 2, true]);
  assert.equal(ax.v.mm, 3);
  const co = viewGeometry('coronal', a, dims, sp);
  assert.deepEqual(co.letters, { left: 'R', right: 'L', top: 'S', bottom: 'I' });
  assert.deepEqual([co.sliceAxis, co.v.axis, co.v.flip], [2, 1, false]); // j runs toward I: top row is j=0
  const sa = viewGeometry('sagittal', a, dims, sp);
  assert.deepEqual(sa.letters, { left: 'A', right: 'P', top: 'S', bottom: 'I' });
  assert.equal(sa.sliceAxis, 0);
  const neuro = viewGeometry('axial', a, dims, sp, 'neurological');
  assert.deepEqual(neuro.letters, { left: 'L', right: 'R', top: 'A', bottom: 'P' });
  assert.equal(neuro.h.flip, true);
});

test('oblique affine maps each voxel axis to its closest world axis once', () => {
  const c = Math.cos(0.5), s = Math.sin(0.5); // 29 degrees about z
  const maps = axisMaps([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, -1, 0], [0, 0, 0, 1]]);
  assert.deepEqual(maps, [{ world: 0, sign: 1 }, { world: 1, sign: 1 }, { world: 2, sign: -1 }]);
});

/** Render the slice of `name` through world point p. */
function renderAt(vol, name, p) {
  const { info, data } = vol;
  const g = viewGeometry(name, info.affine, info.dims, info.spacing);
  const inv = invert(info.affine);
  const vox = [0, 1, 2].map((r) => Math.round(inv[r][0] * p[0] + inv[r][1] * p[1] + inv[r][2] * p[2] + inv[r][3]));
  const out = new Uint8ClampedArray(g.h.n * g.v.n * 4);
  renderGreySlice({ data, dims: info.dims, geometry: g, slice: vox[g.sliceAxis], slope: info.scl_slope, inter: info.scl_inter, lo: 0, hi: 100, out });
  return { g, out };
}

function invert(m) {
  // 4x4 affine inverse via the 3x3 block
  const [a, b, c] = [m[0], m[1], m[2]];
  const det = a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  const r = [
    [(b[1] * c[2] - b[2] * c[1]) / det, (a[2] * c[1] - a[1] * c[2]) / det, (a[1] * b[2] - a[2] * b[1]) / det],
    [(b[2] * c[0] - b[0] * c[2]) / det, (a[0] * c[2] - a[2] * c[0]) / det, (a[2] * b[0] - a[0] * b[2]) / det],
    [(b[0] * c[1] - b[1] * c[0]) / det, (a[1] * c[0] - a[0] * c[1]) / det, (a[0] * b[1] - a[1] * b[0]) / det],
  ];
  return r.map((row, i) => [...row, -(row[0] * m[0][3] + row[1] * m[1][3] + row[2] * m[2][3])]).concat([[0, 0, 0, 1]]);
}

test('the same image stored RAS, LAS, LPI and AIL shows identical pixels in every view', () => {
  const vols = Object.fromEntries(['RAS', 'LAS', 'LPI', 'AIL'].map((o) => [o, open(path.join(DATA, `nifti_edge/niivue_space_${o}.nii.gz`))]));
  for (const [o, v] of Object.entries(vols)) assert.equal(orientationCode(v.info.affine), o);
  const p = [2, -20, 10]; // a world point inside the head (mm)
  for (const view of ['axial', 'coronal', 'sagittal']) {
    const ref = renderAt(vols.RAS, view, p);
    let nonBlank = 0;
    for (let i = 0; i < ref.out.length; i += 4) nonBlank += ref.out[i] > 0;
    assert.ok(nonBlank > ref.out.length / 40, `${view}: the reference slice is blank`);
    for (const o of ['LAS', 'LPI', 'AIL']) {
      const got = renderAt(vols[o], view, p);
      assert.deepEqual([got.g.h.n, got.g.v.n], [ref.g.h.n, ref.g.v.n], `${o} ${view} size`);
      assert.deepEqual(got.g.letters, ref.g.letters);
      assert.ok(Buffer.from(got.out).equals(Buffer.from(ref.out)), `${o} ${view}: pixels differ from RAS`);
    }
  }
});
