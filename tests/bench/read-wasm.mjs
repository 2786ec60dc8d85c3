// read-wasm.mjs FILE — median time for the wasm core (in Node) to read a NIfTI file.
import { readFileSync } from 'node:fs';

import { loadCore } from '../node/helpers.mjs';

const core = await loadCore();
const bytes = new Uint8Array(readFileSync(process.argv[2]));
const t = [];
for (let i = 0; i < 15; i++) {
  const t0 = performance.now();
  const h = core.openNifti(bytes);
  t.push(performance.now() - t0);
  core.freeVolume(h);
}
t.sort((a, b) => a - b);
console.log((t[7] / 1000).toFixed(6));
