// stroke-latency.mjs FILE COUNT THRESHOLD — in wasm (Node): strokes over supervoxels on a
// volume, time from stroke to labels written (median, p95) for paint and touch, a paint
// stroke's preview while drawn (the same decision, nothing written), and the
// resident bytes per voxel (image + one label layer + supervoxel map + index + graph).
import { readFileSync } from 'node:fs';

import { loadCore } from '../node/helpers.mjs';

const core = await loadCore();
const h = core.openNifti(new Uint8Array(readFileSync(process.argv[2])));
const info = core.info(h);
const [nx, ny, nz] = info.dims;
const { seg, count } = core.createSegmenter(h, { count: Number(process.argv[3]), compactness: 0.1, threshold: Number(process.argv[4]) });
const layer = core.createLayer(h);
const data = new Uint8Array(core.volumeData(h));
// strokes: short straight lines of 10-30 voxels on axial-ish slices through the middle half, inside the foreground
let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const times = { paint: [], touch: [], preview: [] };
/** @type {Record<string, number[]>} */
const sizes = {};
for (let i = 0; i < 200; i++) {
  const j = Math.floor(ny * (0.25 + 0.5 * rnd()));
  const a = [Math.floor(nx * (0.3 + 0.4 * rnd())), j, Math.floor(nz * (0.3 + 0.4 * rnd()))];
  if (!data[a[0] + nx * (a[1] + ny * a[2])]) continue;
  const len = 10 + 20 * rnd();
  const b = [Math.min(nx - 1, a[0] + len), j, Math.min(nz - 1, a[2] + len * rnd())];
  const mode = i % 2 ? 'touch' : 'paint';
  if (mode === 'paint') {
    // what the app asks while the stroke is drawn: its preview (the decision, nothing written)
    const p0 = performance.now();
    core.previewStroke(layer, seg, { axis: 1, label: 1 + (i % 5), mode, points: [a, b] }, 0, count);
    times.preview.push(performance.now() - p0);
  }
  const t0 = performance.now();
  const e = core.propagate(layer, seg, { axis: 1, label: 1 + (i % 5), mode, points: [a, b] });
  (sizes[mode] ||= []).push(e.changed);
  times[mode].push(performance.now() - t0);
}
const q = (a, p) => [...a].sort((x, y) => x - y)[Math.min(a.length - 1, Math.floor(p * a.length))].toFixed(1);
const nvox = nx * ny * nz;
const bytes = core.M._svw_volume_bytes(h) + nvox + core.segmenterBytes(seg);
console.log(JSON.stringify({
  dims: info.dims, supervoxels: count,
  paint_ms: [q(times.paint, 0.5), q(times.paint, 0.95), times.paint.length],
  touch_ms: [q(times.touch, 0.5), q(times.touch, 0.95), times.touch.length],
  preview_ms: [q(times.preview, 0.5), q(times.preview, 0.95), times.preview.length],
  bytes_per_voxel: (bytes / nvox).toFixed(2),
  voxels_changed_median: { paint: q(sizes.paint, 0.5), touch: q(sizes.touch, 0.5) },
}));
