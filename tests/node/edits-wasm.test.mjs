// edits-wasm.test.mjs — label layers, brush strokes and undo/redo through the wasm core.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { DATA, loadCore, read } from './helpers.mjs';

const core = await loadCore();
const image = core.openNifti(read(path.join(DATA, 'brain/norm_crop.nii.gz')));
const dims = core.info(image).dims;

const count = (buf, v) => buf.reduce((n, x) => n + (x === v), 0);

test('a stroke is one undo step; undo and redo restore the exact voxels', () => {
  const layer = core.createLayer(image);
  const before = new Uint8Array(core.volumeData(layer));
  core.beginStroke(layer);
  const b = { axis: 1, radiusMm: 3, value: 5 };
  let total = 0;
  for (let x = 30; x < 90; x += 4) total += core.brushSegment(b, [x, 69, 60], [x + 4, 69, 62]).changed;
  const end = core.endStroke();
  assert.equal(end.changed, total);
  assert.deepEqual([end.lo[1], end.hi[1]], [69, 70]); // one slice, across j
  const painted = new Uint8Array(core.volumeData(layer));
  assert.equal(count(painted, 5), total);
  // the box copy holds exactly the painted voxels
  const box = core.boxData(layer, dims, end.lo, end.hi);
  assert.equal(count(box, 5), total);
  assert.deepEqual(core.historyCounts(), { undo: 1, redo: 0 });
  const u = core.undoRedo(false);
  assert.equal(u.layer, layer);
  assert.equal(u.edit.changed, total);
  assert.deepEqual(new Uint8Array(core.volumeData(layer)), before);
  core.undoRedo(true);
  assert.deepEqual(new Uint8Array(core.volumeData(layer)), painted);
  assert.equal(core.undoRedo(true), null); // nothing left to redo
  core.deleteLayer(layer);
  assert.deepEqual(core.historyCounts(), { undo: 0, redo: 0 });
});

test('importing a label map: same grid accepted, another grid refused', () => {
  const seg = core.importLayer(image, read(path.join(DATA, 'brain/aseg_collapsed_crop.nii.gz')));
  const labels = new Uint8Array(core.volumeData(seg));
  assert.ok(count(labels, 0) < labels.length / 2 + labels.length / 4);
  core.deleteLayer(seg);
  assert.throws(
    () => core.importLayer(image, read(path.join(DATA, 'mr/example_seg_mr.nii.gz'))),
    (e) => e.code === 'SV_EINVAL' && /117x91x20 voxels but the image is 133x139x182/.test(e.message),
  );
});

test('errors: a segment without a stroke, a stroke inside a stroke', () => {
  const layer = core.createLayer(image);
  assert.throws(() => core.brushSegment({ axis: 0, radiusMm: 1, value: 1 }, [1, 1, 1], [1, 1, 1]), (e) => e.code === 'SV_EINVAL');
  core.beginStroke(layer);
  assert.throws(() => core.beginStroke(layer), (e) => e.code === 'SV_EINVAL');
  assert.throws(() => core.undoRedo(false), (e) => e.code === 'SV_EINVAL');
  core.endStroke();
  core.deleteLayer(layer);
});

