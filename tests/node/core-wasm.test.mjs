// core-wasm.test.mjs — the wasm build in Node gives exactly what the native build gives.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { cli, DATA, loadCore, niftiFiles, python, read } from './helpers.mjs';

const core = await loadCore();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervox-node-'));

for (const file of niftiFiles()) {
  const rel = path.relative(path.resolve(file, '../..'), file);
  test(`wasm reads ${rel} exactly as native does`, () => {
    const native = cli('info', '--stats', file);
    let handle = 0;
    try {
      handle = core.openNifti(read(file), { stepBytes: 1 << 16 });
    } catch (e) {
      assert.notEqual(native.code, 0, `wasm refused a file native reads: ${e.message}`);
      assert.equal(native.stderr.split('\n')[0], `supervox: ${file}: ${e.message}`);
      assert.match(e.code, /^SV_E/);
      return;
    }
    try {
      assert.equal(native.code, 0, native.stderr);
      const wasmJson = JSON.stringify(core.info(handle, true));
      assert.equal(wasmJson, JSON.stringify(JSON.parse(native.stdout)));
    } finally {
      core.freeVolume(handle);
    }
  });

  test(`wasm writes ${rel} byte-identical to native`, (t) => {
    let handle;
    try {
      handle = core.openNifti(read(file));
    } catch {
      t.skip('not a readable scalar volume');
      return;
    }
    try {
      for (const [ext, level] of [['.nii', 0], ['.nii.gz', 6]]) {
        const out = path.join(tmp, path.basename(file).replace(/\.(nii|nii\.gz|hdr)$/, '') + ext);
        const r = cli('convert', file, out);
        assert.equal(r.code, 0, r.stderr);
        const ours = new Uint8Array(core.writeNifti(handle, level));
        assert.deepEqual(Buffer.from(ours), readFileSync(out), `${ext} differs`);
      }
    } finally {
      core.freeVolume(handle);
    }
  });
}

test('summary in wasm: min, max and mean agree with the exact stats; percentiles ordered', () => {
  for (const name of ['norm_crop.nii.gz', 'example_mr_sm.nii.gz', 'niivue_hippo.nii.gz', 'niivue_shear.nii.gz']) {
    const h = core.openNifti(read(niftiFiles().find((f) => f.endsWith(name))));
    try {
      const s = core.summarize(h, [0, 1, 50, 99, 100]);
      const { stats, dims } = core.info(h, true);
      assert.equal(s.min, stats.min, name);
      assert.equal(s.max, stats.max, name);
      assert.ok(Math.abs(s.mean - stats.mean) <= 1e-6 * Math.max(1, Math.abs(stats.max - stats.min)), `${name} mean ${s.mean} vs ${stats.mean}`);
      const [p0, p1, p50, p99, p100] = s.percentiles;
      assert.ok(p0 <= p1 && p1 <= p50 && p50 <= p99 && p99 <= p100, name);
      assert.equal(s.hist.reduce((a, b) => a + b, 0), dims[0] * dims[1] * dims[2], name);
      assert.throws(() => core.summarize(h, [101]), (e) => e.code === 'SV_EINVAL');
    } finally {
      core.freeVolume(h);
    }
  }
});

test('damaged input gets a status and a message, and the core keeps working', () => {
  const good = read(niftiFiles().find((f) => f.endsWith('niivue_low_res.nii.gz')));
  assert.throws(() => core.openNifti(good.subarray(0, good.length / 2)), (e) => e.code === 'SV_EFORMAT' && /truncated|ends early/.test(e.message));
  assert.throws(() => core.openNifti(new Uint8Array(0)), (e) => e.code === 'SV_EFORMAT' && /empty/.test(e.message));
  const junk = new Uint8Array(4096).fill(7);
  assert.throws(() => core.openNifti(junk), (e) => e.code === 'SV_EFORMAT' && /not a NIfTI/.test(e.message));
  const h = core.openNifti(good);
  assert.deepEqual(core.info(h).dims, [7, 5, 3]);
  core.freeVolume(h);
});

test('the heap does not grow over repeated open/close', () => {
  const bytes = read(niftiFiles().find((f) => f.endsWith('norm_crop.nii.gz')));
  core.freeVolume(core.openNifti(bytes));
  const before = core.M.HEAPU8.length;
  for (let i = 0; i < 20; i++) {
    const h = core.openNifti(bytes);
    core.writeNifti(h, 1);
    core.info(h, true);
    core.freeVolume(h);
  }
  assert.equal(core.M.HEAPU8.length, before);
});

test('PNG encoded in wasm decodes to the same pixels in Python (PIL)', () => {
  const w = 23, h = 17;
  const px = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) px.set([(i * 7) & 255, (i * 3) & 255, 200, 255 - (i % 50)], i * 4);
  const file = path.join(tmp, 'wasm.png');
  writeFileSync(file, Buffer.from(core.encodePng(px, w, h, 4)));
  const got = JSON.parse(
    python(`import json; from PIL import Image; import numpy as np
a = np.asarray(Image.open(${JSON.stringify(file)})); print(json.dumps({"shape": list(a.shape), "px": a.ravel().tolist()}))`),
  );
  assert.deepEqual(got.shape, [h, w, 4]);
  assert.deepEqual(got.px, Array.from(px));
  assert.throws(() => core.encodePng(px, w, h, 3), (e) => e.code === 'SV_EINVAL');
});

test('16-bit PNG slice decoded in wasm equals its NIfTI voxels + 1024', () => {
  const png = core.decodePng(read(path.join(DATA, 'png_stack/mr_u16/slice_011.png')));
  const h = core.openNifti(read(path.join(DATA, 'mr/example_mr_sm.nii.gz')));
  try {
    const { dims } = core.info(h);
    const vox = new Int16Array(core.volumeData(h));
    assert.deepEqual([png.width, png.height, png.bitDepth], [dims[0], dims[1], 16]);
    let bad = 0;
    for (let j = 0; j < dims[1]; j++)
      for (let i = 0; i < dims[0]; i++) bad += png.pixels[(dims[1] - 1 - j) * dims[0] + i] !== vox[i + dims[0] * (j + dims[1] * 11)] + 1024;
    assert.equal(bad, 0);
  } finally {
    core.freeVolume(h);
  }
  assert.throws(() => core.decodePng(new Uint8Array([1, 2, 3])), (e) => e.code === 'SV_EFORMAT');
  // libpng's longjmp error path, in wasm
  const real = read(path.join(DATA, 'png_stack/mr_u16/slice_011.png'));
  assert.throws(() => core.decodePng(real.subarray(0, real.length >> 1)), (e) => e.code === 'SV_EFORMAT' && /truncated|damaged/.test(e.message));
  assert.equal(core.decodePng(real).width, 117); // and the core still works
});

test('supervoxels in wasm equal the native CLI output, voxel for voxel', async () => {
  const src = path.join(DATA, 'mr/example_mr_sm.nii.gz');
  const out = path.join(tmp, 'sv.nii');
  const r = cli('supervoxels', src, '-o', out, '--count', '400', '--compactness', '0.1', '--threshold', '20');
  assert.equal(r.code, 0, r.stderr);
  const h = core.openNifti(read(src));
  const fractions = [];
  try {
    const { seg, count } = core.createSegmenter(h, { count: 400, compactness: 0.1, threshold: 20 }, (f) => fractions.push(f));
    const nat = core.openNifti(read(out));
    try {
      const natLabels = new Uint32Array(core.volumeData(nat));
      const labels = core.segmenterLabels(seg, natLabels.length);
      assert.ok(Buffer.from(labels.buffer).equals(Buffer.from(natLabels.buffer)), 'maps differ');
      assert.equal(count, natLabels.reduce((a, b) => Math.max(a, b), 0));
    } finally {
      core.freeVolume(nat);
      core.freeSegmenter(seg);
    }
    assert.equal(fractions.at(-1), 1);
    assert.throws(() => core.createSegmenter(h, { count: 10, compactness: -1 }), (e) => e.code === 'SV_EINVAL');
    // a count beyond int32 would wrap around on its way into wasm (5e9 became 705 032 704)
    assert.throws(() => core.createSegmenter(h, { count: 5e9 }), /count must be a whole number from 1 to 2147483647 \(got 5000000000\)/);
    assert.throws(() => core.createSegmenter(h, { count: 2.5 }), /whole number/);
  } finally {
    core.freeVolume(h);
  }
});

test('the automatic background: the same map in wasm as the CLI by default; exactly the padding', async () => {
  const src = path.join(DATA, 'brain/norm_crop.nii.gz');
  const out = path.join(tmp, 'sv-auto.nii');
  const r = cli('supervoxels', src, '-o', out, '--count', '3000');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /background \(automatic\): the 5\d\.\d% of voxels at the lowest value, 0/);
  const h = core.openNifti(read(src));
  const segs = [];
  try {
    const img = new Uint8Array(core.volumeData(h));
    const zeros = img.reduce((a, x) => a + (x === 0 ? 1 : 0), 0);
    const auto = core.createSegmenter(h, { count: 3000, compactness: 0.1, threshold: 'auto' });
    segs.push(auto.seg);
    assert.ok(auto.background.threshold !== null && auto.background.threshold > 0 && auto.background.threshold < 1e-300);
    assert.equal(auto.background.voxels, zeros);
    const nat = core.openNifti(read(out));
    try {
      const natLabels = new Uint32Array(core.volumeData(nat));
      const labels = core.segmenterLabels(auto.seg, natLabels.length);
      assert.ok(Buffer.from(labels.buffer).equals(Buffer.from(natLabels.buffer)), 'maps differ');
      let bad = 0;
      for (let i = 0; i < img.length; i++) bad += (img[i] === 0) !== (labels[i] === 0) ? 1 : 0;
      assert.equal(bad, 0, 'background is not exactly the zero voxels');
    } finally {
      core.freeVolume(nat);
    }
    const none = core.createSegmenter(h, { count: 3000, compactness: 0.1, threshold: null });
    segs.push(none.seg);
    assert.deepEqual(none.background, { threshold: null, voxels: 0 });
  } finally {
    segs.forEach((s) => core.freeSegmenter(s));
    core.freeVolume(h);
  }
});
