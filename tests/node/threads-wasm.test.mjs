// threads-wasm.test.mjs — the threaded wasm build (supervox-mt.js, -pthread) gives
// the same supervoxels, merge levels and meshes as the single-threaded one, and
// its pool threads stop when the core is disposed (else Node would not exit).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { DATA, loadCore, read } from './helpers.mjs';

const brain = read(path.join(DATA, 'brain', 'norm_crop.nii.gz'));
const aseg = read(path.join(DATA, 'brain', 'aseg_collapsed_crop.nii.gz'));

test('threaded wasm: same supervoxels and meshes as the single-threaded build', async () => {
  const single = await loadCore();
  const mt = await loadCore({ threaded: true });
  try {
    assert.deepEqual(single.threads(), { threads: 1, threaded: false });
    assert.equal(mt.threads().threaded, true);
    assert.equal(mt.setThreads(2), 2, 'the pool has a thread beyond the caller');
    assert.equal(mt.threads().threads, 2);

    for (const threshold of [null, 1]) {
      const maps = [];
      for (const c of [single, mt]) {
        const v = c.openNifti(brain);
        const nvox = c.info(v).dims.reduce((a, b) => a * b, 1);
        const { seg, count } = c.createSegmenter(v, { count: 5000, compactness: 0.1, threshold });
        maps.push({ count, labels: c.segmenterLabels(seg, nvox), levels: c.segmenterLevels(seg) });
        c.freeSegmenter(seg);
        c.freeVolume(v);
      }
      assert.ok(maps[0].count > 4000);
      assert.equal(maps[1].count, maps[0].count);
      assert.ok(Buffer.from(maps[1].labels.buffer).equals(Buffer.from(maps[0].labels.buffer)), `supervoxel maps differ (threshold ${threshold})`);
      assert.deepEqual(maps[1].levels.groups, maps[0].levels.groups);
      for (const l of [1, 2]) assert.deepEqual(maps[1].levels.maps[l], maps[0].levels.maps[l]);
    }

    for (const smooth of [0, -1]) {
      const meshes = [];
      for (const c of [single, mt]) {
        const img = c.openNifti(aseg);
        const layer = c.importLayer(img, aseg);
        meshes.push(c.meshLayer(layer, null, { smooth }));
        c.deleteLayer(layer);
        c.freeVolume(img);
      }
      assert.ok(meshes[0].length > 30, 'all labels of the brain');
      assert.equal(meshes[1].length, meshes[0].length);
      meshes[0].forEach((a, i) => {
        const b = meshes[1][i];
        assert.equal(b.label, a.label);
        for (const k of ['positions', 'normals', 'indices']) {
          assert.ok(Buffer.from(b[k].buffer).equals(Buffer.from(a[k].buffer)), `label ${a.label} ${k} differ (smooth ${smooth})`);
        }
      });
    }
  } finally {
    mt.dispose();
  }
});
