// sv-wasm.mjs FILE COUNT [THRESHOLD] — wasm (Node) time for supervoxels, median of 3.
// Prints: seconds-for-the-segmenter supervoxels seconds-for-the-supervoxels-alone. The
// segmenter is what the app computes (supervoxels, their index, graph and merge levels);
// the supervoxels alone end when the core reports progress 1.
import { readFileSync } from 'node:fs';

import { loadCore } from '../node/helpers.mjs';

const core = await loadCore();
const h = core.openNifti(new Uint8Array(readFileSync(process.argv[2])));
const p = { count: Number(process.argv[3]), compactness: 0.1, threshold: process.argv[4] === undefined ? null : Number(process.argv[4]) };
const t = [];
const ts = [];
let n = 0;
for (let i = 0; i < 3; i++) {
  let t1 = 0;
  const t0 = performance.now();
  const r = core.createSegmenter(h, p, (f) => { if (f >= 1 && !t1) t1 = performance.now(); });
  const t2 = performance.now();
  n = r.count;
  core.freeSegmenter(r.seg);
  t.push(t2 - t0);
  ts.push(t1 - t0);
}
t.sort((a, b) => a - b);
ts.sort((a, b) => a - b);
console.log(`${(t[1] / 1000).toFixed(2)} ${n} ${(ts[1] / 1000).toFixed(2)}`);
