// mesh-wasm.test.mjs — label meshes through the wasm core: the same STL as the native CLI,
// and a mesher that re-meshes after a brush stroke gives what a fresh one gives.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { cli, DATA, loadCore, read } from './helpers.mjs';

const core = await loadCore();
const M = core.M;
const ASEG = path.join(DATA, 'brain/aseg_collapsed_crop.nii.gz');
const bytes = read(ASEG);
const image = core.openNifti(bytes);
const layer = core.importLayer(image, bytes);

/** Build label l (smooth passes, -1 = default) and copy the mesh out of the heap. */
function build(mesher, l, smooth = 0) {
  const m = M._svw_mesher_build(mesher, l, smooth, 0) >>> 0;
  if (!m) throw core.lastError();
  const nv = M._svw_mesh_nvert(m), nt = M._svw_mesh_ntri(m);
  const view = (p, n, T) => new T(M.HEAPU8.slice(p >>> 0, (p >>> 0) + n).buffer);
  const out = {
    pos: view(M._svw_mesh_pos(m), 12 * nv, Float32Array),
    normal: view(M._svw_mesh_normal(m), 12 * nv, Float32Array),
    tri: view(M._svw_mesh_tri(m), 12 * nt, Uint32Array),
    area: M._sv_mesh_area(m),
    volume: M._sv_mesh_volume(m),
    ptr: m,
  };
  return out;
}

/** STL bytes of meshes (pointers) from the wasm core. */
function stl(ptrs, labels) {
  const pm = M._svw_malloc(4 * ptrs.length) >>> 0, pl = M._svw_malloc(4 * labels.length) >>> 0;
  try {
    new Uint32Array(M.HEAPU8.buffer, pm, ptrs.length).set(ptrs);
    new Int32Array(M.HEAPU8.buffer, pl, labels.length).set(labels);
    const p = M._svw_mesh_write(pm, pl, ptrs.length, 0) >>> 0;
    if (!p) throw core.lastError();
    try {
      return M.HEAPU8.slice(p, p + (M._svw_last_len() >>> 0));
    } finally {
      M._sv_free(p);
    }
  } finally {
    M._sv_free(pm);
    M._sv_free(pl);
  }
}

test('wasm meshes are the native CLI meshes: the same STL bytes, raw and smoothed', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sv-mesh-'));
  const mesher = M._svw_mesher_create(layer) >>> 0;
  assert.ok(mesher);
  for (const smooth of [0, -1]) {
    const a = build(mesher, 17, smooth), b = build(mesher, 53, smooth);
    const file = path.join(dir, `two_${smooth}.stl`);
    const args = ['mesh', ASEG, '-o', file, '--label', '17'];
    const r = cli(...args, ...(smooth === 0 ? ['--smooth', '0'] : []));
    assert.equal(r.code, 0, r.stderr);
    const summary = JSON.parse(r.stdout);
    assert.equal(summary.triangles, a.tri.length / 3);
    assert.ok(Math.abs(summary.area_mm2 - a.area) < 1e-3 * a.area);
    assert.deepEqual(stl([a.ptr], [17]), new Uint8Array(readFileSync(file)));
    // normals are unit and the two-mesh STL holds both
    for (let i = 0; i < a.normal.length; i += 3) {
      const n = Math.hypot(a.normal[i], a.normal[i + 1], a.normal[i + 2]);
      assert.ok(Math.abs(n - 1) < 1e-4);
    }
    const both = stl([a.ptr, b.ptr], [17, 53]);
    assert.equal(new DataView(both.buffer).getUint32(80, true), (a.tri.length + b.tri.length) / 3);
    M._sv_mesh_free(a.ptr);
    M._sv_mesh_free(b.ptr);
  }
  M._sv_mesher_free(mesher);
});

test('after a brush stroke the mesher re-meshes its box and equals a fresh mesh', () => {
  const mesher = M._svw_mesher_create(layer) >>> 0;
  M._sv_mesh_free(build(mesher, 17).ptr); // cache every block of label 17
  core.beginStroke(layer);
  core.brushSegment({ axis: 1, radiusMm: 4, value: 17 }, [40, 70, 80], [70, 70, 95]);
  const edit = core.endStroke();
  assert.ok(edit.changed > 100);
  M._svw_mesher_invalidate(mesher, ...edit.lo, ...edit.hi);
  const inc = build(mesher, 17, -1);
  const fresh = M._svw_mesher_create(layer) >>> 0;
  const full = build(fresh, 17, -1);
  assert.deepEqual(inc.tri, full.tri);
  assert.deepEqual(inc.pos, full.pos);
  assert.ok(inc.volume > 0);
  // undo: back to the first mesh
  const u = core.undoRedo(false);
  M._svw_mesher_invalidate(mesher, ...u.edit.lo, ...u.edit.hi);
  const back = build(mesher, 17, 0);
  const again = M._svw_mesher_create(layer) >>> 0;
  const orig = build(again, 17, 0);
  assert.deepEqual(back.tri, orig.tri);
  assert.deepEqual(back.pos, orig.pos);
  for (const m of [inc, full, back, orig]) M._sv_mesh_free(m.ptr);
  for (const m of [mesher, fresh, again]) M._sv_mesher_free(m);
});

test('bad label and non-label layers are refused with the core\'s message', () => {
  const mesher = M._svw_mesher_create(layer) >>> 0;
  assert.equal(M._svw_mesher_build(mesher, 0, 0, 0), 0);
  assert.equal(core.lastError().code, 'SV_EINVAL');
  assert.match(core.lastError().message, /background/);
  const empty = build(mesher, 99); // absent: an empty mesh
  assert.equal(empty.tri.length, 0);
  M._sv_mesh_free(empty.ptr);
  M._sv_mesher_free(mesher);
  const mr = core.openNifti(read(path.join(DATA, 'mr/example_mr_sm.nii.gz'))); // int16
  assert.equal(M._svw_mesher_create(mr), 0);
  assert.match(core.lastError().message, /uint8 label map/);
  core.freeVolume(mr);
});
