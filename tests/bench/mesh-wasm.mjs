// mesh-wasm.mjs FILE LABEL — wasm (Node) meshing times on a label map, as JSON with
// bench_mesh.c's keys: one label from scratch (raw and with the default smoothing; the
// arrays copied out of the heap as the worker would), every label present (raw, one
// mesher), and the re-mesh after a 10 mm ball of the label is painted on its surface
// (median and p95 over 20 edits, the same edits as bench_mesh.c). Medians in ms.
import { readFileSync } from 'node:fs';

import { loadCore } from '../node/helpers.mjs';

const REPS = 5;
const EDITS = 20;
const RADIUS = 10;

const core = await loadCore();
const M = core.M;
const bytes = new Uint8Array(readFileSync(process.argv[2]));
const L = Number(process.argv[3]);
const img = core.openNifti(bytes);
const layer = core.importLayer(img, bytes);
const info = core.info(layer);
const [nx, ny, nz] = info.dims;
const sp = info.spacing;
const nvox = nx * ny * nz;
const labels = () => new Uint8Array(M.HEAPU8.buffer, M._svw_volume_data(layer) >>> 0, nvox); // re-derive after calls

const median = (t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];
const p95 = (t) => [...t].sort((a, b) => a - b)[Math.min(t.length - 1, Math.floor(t.length * 0.95))];

/** Build label l's mesh and copy it out, as the worker hands it to three.js. */
function build(mesher, l, smooth) {
  const m = M._svw_mesher_build(mesher, l, smooth, 0) >>> 0;
  if (!m) throw core.lastError();
  const nv = M._svw_mesh_nvert(m), nt = M._svw_mesh_ntri(m);
  const pos = M.HEAPU8.slice(M._svw_mesh_pos(m) >>> 0, (M._svw_mesh_pos(m) >>> 0) + 12 * nv);
  const nrm = M.HEAPU8.slice(M._svw_mesh_normal(m) >>> 0, (M._svw_mesh_normal(m) >>> 0) + 12 * nv);
  const tri = M.HEAPU8.slice(M._svw_mesh_tri(m) >>> 0, (M._svw_mesh_tri(m) >>> 0) + 12 * nt);
  M._sv_mesh_free(m);
  return { nt, bytes: pos.length + nrm.length + tri.length };
}

function fromScratch(l, smooth) {
  const t0 = performance.now();
  const mesher = M._svw_mesher_create(layer) >>> 0;
  if (!mesher) throw core.lastError();
  const r = build(mesher, l, smooth);
  M._sv_mesher_free(mesher);
  return { ms: performance.now() - t0, nt: r.nt };
}

const out = { voxels: nvox, label: L };
let t = [];
for (let r = 0; r < REPS; r++) {
  const x = fromScratch(L, 0);
  t.push(x.ms);
  out.triangles = x.nt;
}
out.full_raw_ms = median(t);
t = [];
for (let r = 0; r < REPS; r++) t.push(fromScratch(L, -1).ms);
out.full_smooth_ms = median(t);

const present = new Set(labels());
present.delete(0);
t = [];
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const mesher = M._svw_mesher_create(layer) >>> 0;
  let tris = 0;
  for (const l of [...present].sort((a, b) => a - b)) tris += build(mesher, l, 0).nt;
  M._sv_mesher_free(mesher);
  t.push(performance.now() - t0);
  out.labels = present.size;
  out.all_triangles = tris;
}
out.all_raw_ms = median(t);

// re-mesh after a 10 mm ball painted at surface voxels of L (the same picks as bench_mesh.c)
const mesher = M._svw_mesher_create(layer) >>> 0;
build(mesher, L, 0);
const nxy = nx * ny;
let lab = labels();
const isSurface = (i) => lab[i] === L && (lab[i - 1] !== L || lab[i + 1] !== L || lab[i - nx] !== L ||
  lab[i + nx] !== L || lab[i - nxy] !== L || lab[i + nxy] !== L);
let surface = 0;
for (let i = nxy; i + nxy < nvox; i++) if (isSurface(i)) surface++;
const stride = Math.floor(surface / EDITS) + 1;
const te = [], ts = [];
let seen = 0;
for (let i = nxy; i + nxy < nvox && te.length < EDITS; i++) {
  lab = labels();
  if (!isSurface(i)) continue;
  if (seen++ % stride !== Math.floor(stride / 2)) continue;
  const c = [i % nx, Math.floor(i / nx) % ny, Math.floor(i / nxy)];
  const lo = [], hi = [];
  for (let a = 0; a < 3; a++) {
    const rr = Math.ceil(RADIUS / sp[a]);
    lo.push(Math.max(0, c[a] - rr));
    hi.push(Math.min(info.dims[a], c[a] + rr + 1));
  }
  const saved = lab.slice();
  for (let z = lo[2]; z < hi[2]; z++) {
    for (let y = lo[1]; y < hi[1]; y++) {
      for (let x = lo[0]; x < hi[0]; x++) {
        const dx = (x - c[0]) * sp[0], dy = (y - c[1]) * sp[1], dz = (z - c[2]) * sp[2];
        if (dx * dx + dy * dy + dz * dz <= RADIUS * RADIUS) lab[x + nx * y + nxy * z] = L;
      }
    }
  }
  for (const [times, smooth] of [[te, 0], [ts, -1]]) {
    M._svw_mesher_invalidate(mesher, lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
    const t0 = performance.now();
    build(mesher, L, smooth);
    times.push(performance.now() - t0);
  }
  labels().set(saved); // undo, and tell the mesher (not timed)
  M._svw_mesher_invalidate(mesher, lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
  build(mesher, L, 0);
}
M._sv_mesher_free(mesher);
out.edits = te.length;
out.remesh_raw_ms = [median(te), p95(te)];
out.remesh_smooth_ms = [median(ts), p95(ts)];
for (const k of Object.keys(out)) {
  if (typeof out[k] === 'number' && !Number.isInteger(out[k])) out[k] = Math.round(out[k] * 10) / 10;
  if (Array.isArray(out[k])) out[k] = out[k].map((x) => Math.round(x * 10) / 10);
}
console.log(JSON.stringify(out));
