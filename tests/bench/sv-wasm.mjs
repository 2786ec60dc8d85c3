// sv-wasm.mjs FILE COUNT [THRESHOLD] — wasm (Node) time for supervoxels (with their index and
// graph, as the app computes them), median of 3.
import { readFileSync } from 'node:fs';

import { loadCore } from '../node/helpers.mjs';

const core = await loadCore();
const h = core.openNifti(new Uint8Array(readFileSync(process.argv[2])));
const p = { count: Number(process.argv[3]), compactness: 0.1, threshold: process.argv[4] === undefined ? null : Number(process.argv[4]) };
const t = [];
let n = 0;
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = core.createSegmenter(h, p);
  n = r.count;
  core.freeSegmenter(r.seg);
  t.push(performance.now() - t0);
}
t.sort((a, b) => a - b);
console.log(`${(t[1] / 1000).toFixed(2)} ${n}`);
