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

test('importing a label map: same grid accepted, another grid refused saying how', () => {
  const seg = core.importLayer(image, read(path.join(DATA, 'brain/aseg_collapsed_crop.nii.gz')));
  const labels = new Uint8Array(core.volumeData(seg));
  assert.ok(count(labels, 0) < labels.length / 2 + labels.length / 4);
  core.deleteLayer(seg);
  assert.throws(
    () => core.importLayer(image, read(path.join(DATA, 'mr/example_seg_mr.nii.gz'))),
    (e) => e.code === 'SV_EINVAL' && /117x91x20 voxels .* vs 133x139x182; voxel size 3 x 3 x 3 mm vs 1 x 1 x 1 mm/.test(e.message),
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


test('the same strokes through the CLI and through the wasm build give identical label maps', async () => {
  const { cli } = await import('./helpers.mjs');
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const os = await import('node:os');
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervox-prop-'));
  const strokes = {
    strokes: [
      { axis: 1, label: 3, mode: 'paint', width: 1, points: [[55, 62, 95], [62, 62, 95], [64, 62, 98]] },
      { axis: 2, label: 9, mode: 'touch', width: 2, points: [[40, 80, 91], [60, 85, 91]] },
      { axis: 0, label: 4, mode: 'brush', width: 3, points: [[66, 50, 120], [66, 55, 130]] },
      { axis: 1, label: 3, mode: 'erase', width: 1, points: [[58, 62, 95]] },
    ],
  };
  const sfile = path.join(tmp, 's.json');
  writeFileSync(sfile, JSON.stringify(strokes));
  const out = path.join(tmp, 'labels.nii');
  const src = path.join(DATA, 'brain/norm_crop.nii.gz');
  const r = cli('propagate', src, '--strokes', sfile, '-o', out, '--count', '3000', '--threshold', '1');
  assert.equal(r.code, 0, r.stderr);
  const { seg } = core.createSegmenter(image, { count: 3000, compactness: 0.1, threshold: 1 });
  const layer = core.createLayer(image);
  try {
    for (const st of strokes.strokes) core.propagate(layer, seg, st);
    const ours = new Uint8Array(core.volumeData(layer));
    const h = core.openNifti(read(out));
    const theirs = new Uint8Array(core.volumeData(h));
    core.freeVolume(h);
    assert.ok(ours.some((x) => x === 3) && ours.some((x) => x === 9) && ours.some((x) => x === 4), 'every stroke painted');
    assert.ok(Buffer.from(ours).equals(Buffer.from(theirs)), 'wasm and CLI label maps differ');
    assert.deepEqual(core.historyCounts(), { undo: 4, redo: 0 });
    // undo all four strokes: back to empty
    for (let i = 0; i < 4; i++) core.undoRedo(false);
    assert.ok(new Uint8Array(core.volumeData(layer)).every((x) => x === 0));
    // the same at the coarser levels (the Granularity slider; the CLI's --level)
    for (const level of [1, 2]) {
      const lout = path.join(tmp, `labels${level}.nii`);
      const rl = cli('propagate', src, '--strokes', sfile, '-o', lout, '--count', '3000', '--threshold', '1', '--level', String(level));
      assert.equal(rl.code, 0, rl.stderr);
      for (const st of strokes.strokes) core.propagate(layer, seg, st, level);
      const hl = core.openNifti(read(lout));
      const same = Buffer.from(new Uint8Array(core.volumeData(layer))).equals(Buffer.from(new Uint8Array(core.volumeData(hl))));
      core.freeVolume(hl);
      assert.ok(same, `wasm and CLI label maps differ at level ${level}`);
      for (let i = 0; i < 4; i++) core.undoRedo(false);
    }
    assert.throws(() => core.propagate(layer, seg, { axis: 1, label: 1, points: [[1, 2, 3], [1, 3, 3]] }), (e) => e.code === 'SV_EINVAL' && /off the stroke's slice/.test(e.message));
  } finally {
    core.deleteLayer(layer);
    core.freeSegmenter(seg);
  }
});

test('coarser levels: fewer groups, and a stroke at a coarser level paints at least what the fine one does', () => {
  const { seg, count } = core.createSegmenter(image, { count: 4000, compactness: 0.1, threshold: 1 });
  const layer = core.createLayer(image);
  try {
    const { groups, maps } = core.segmenterLevels(seg);
    assert.equal(groups[0], count);
    assert.ok(groups[1] <= Math.ceil(count / 4) && groups[1] >= count / 4 - 1, `level 1: ${groups[1]} groups`);
    assert.ok(groups[2] <= Math.ceil(count / 16) && groups[2] >= count / 16 - 1, `level 2: ${groups[2]} groups`);
    assert.equal(maps[0], null);
    assert.equal(maps[1].length, count + 1);
    const stroke = { axis: 1, label: 1, mode: 'touch', points: [[60, 70, 90], [70, 70, 90]] };
    const sizes = [0, 1, 2].map((level) => {
      const e = core.propagate(layer, seg, stroke, level);
      const n = new Uint8Array(core.volumeData(layer)).reduce((a, x) => a + (x === 1), 0);
      core.undoRedo(false);
      return n;
    });
    assert.ok(sizes[0] > 0 && sizes[0] <= sizes[1] && sizes[1] <= sizes[2], `painted ${sizes}`);
    assert.ok(sizes[2] > sizes[0], 'a coarser level paints more');
    assert.throws(() => core.propagate(layer, seg, stroke, 3), (e) => e.code === 'SV_EINVAL');
  } finally {
    core.deleteLayer(layer);
    core.freeSegmenter(seg);
  }
});

test('a cross on one axial slice of the brain stem follows it from the pons into the medulla', () => {
  // the simulated annotator's 1-slice cross (tests/bench/annotate_bench.py), on the demo brain at
  // the app's defaults; Dice against FreeSurfer's brain stem (aseg 16). The Dash app's method scores
  // 0.74 with the same strokes; the label used to stop above the medulla (0.68), which is darker
  // than the pons the cross samples (TUBE_SPREAD in core/src/propagate.c): 0.77 now, ending on
  // slice 123 instead of 119
  const aseg = core.openNifti(read(path.join(DATA, 'brain/aseg_collapsed_crop.nii.gz')));
  const truth = new Uint8Array(core.volumeData(aseg)).map((x) => (x === 16 ? 1 : 0));
  core.freeVolume(aseg);
  const { seg } = core.createSegmenter(image, { count: 20000, compactness: 0.1, threshold: 'auto' });
  const layer = core.createLayer(image);
  try {
    core.propagate(layer, seg, { axis: 1, label: 1, mode: 'paint', points: [[56, 107, 73], [71, 107, 73]] });
    core.propagate(layer, seg, { axis: 1, label: 1, mode: 'paint', points: [[65, 107, 65], [65, 107, 81]] });
    const lab = new Uint8Array(core.volumeData(layer));
    let both = 0, a = 0, b = 0, lowest = 0;
    for (let i = 0; i < lab.length; i++) {
      both += lab[i] & truth[i];
      a += lab[i];
      b += truth[i];
      if (lab[i]) lowest = Math.max(lowest, Math.floor(i / dims[0]) % dims[1]);
    }
    const dice = (2 * both) / (a + b);
    assert.ok(dice > 0.74, `Dice ${dice.toFixed(3)}`);
    assert.ok(lowest >= 122, `the label ends on axial slice ${lowest} (it ended on 119; the structure on 136)`);
  } finally {
    core.deleteLayer(layer);
    core.freeSegmenter(seg);
  }
});
