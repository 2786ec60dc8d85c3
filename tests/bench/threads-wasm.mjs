// threads-wasm.mjs SV_FILE SV_COUNT MESH_FILE [REPS] — the single-threaded and the
// threaded wasm core (supervox.js, supervox-mt.js) side by side in one Node process,
// runs alternating (single, threaded, single, ...) so that a busy machine hurts both
// alike. Prints JSON: threads used, and per case the median ms of each build:
//   sv: supervoxels of SV_FILE, unmasked, SV_COUNT, compactness 0.1 (until the core
//       reports progress 1), segmenter: plus their index, graph and merge levels;
//   mesh_all: every label of MESH_FILE, raw, one fresh mesher;
//   mesh_cortex: label 3 with the default smoothing, a fresh mesher.
import { readFileSync } from 'node:fs';

import { loadCore } from '../node/helpers.mjs';

const [svFile, svCount, meshFile] = process.argv.slice(2, 5);
const REPS = Number(process.argv[5] || 5);
const cores = { single: await loadCore(), threaded: await loadCore({ threaded: true }) };
const svBytes = new Uint8Array(readFileSync(svFile));
const meshBytes = new Uint8Array(readFileSync(meshFile));
const median = (/** @type {number[]} */ t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

/** @type {Record<string, (c: any) => Record<string, number>>} */
const cases = {
  sv(c) {
    const v = c.openNifti(svBytes);
    let t1 = 0;
    const t0 = performance.now();
    const { seg } = c.createSegmenter(v, { count: Number(svCount), compactness: 0.1, threshold: null }, (/** @type {number} */ f) => {
      if (f >= 1 && !t1) t1 = performance.now();
    });
    const t2 = performance.now();
    c.freeSegmenter(seg);
    c.freeVolume(v);
    return { sv: t1 - t0, segmenter: t2 - t0 };
  },
  mesh(c) {
    const img = c.openNifti(meshBytes);
    const layer = c.importLayer(img, meshBytes);
    let t0 = performance.now();
    c.meshLayer(layer, null, { smooth: 0 });
    const all = performance.now() - t0;
    c.deleteLayer(layer);
    const layer2 = c.importLayer(img, meshBytes);
    t0 = performance.now();
    c.meshLayer(layer2, null, { labels: [3], smooth: -1 });
    const cortex = performance.now() - t0;
    c.deleteLayer(layer2);
    c.freeVolume(img);
    return { mesh_all: all, mesh_cortex: cortex };
  },
};

/** @type {Record<string, Record<string, number[]>>} */
const times = { single: {}, threaded: {} };
for (const name of Object.keys(cases)) {
  for (let r = 0; r < REPS; r++) {
    for (const build of /** @type {const} */ (['single', 'threaded'])) {
      const t = cases[name](cores[build]);
      for (const [k, ms] of Object.entries(t)) (times[build][k] ||= []).push(ms);
    }
  }
}
/** @type {Record<string, any>} */
const out = { threads: cores.threaded.threads().threads };
for (const k of Object.keys(times.single)) {
  out[k] = { single: median(times.single[k]), threaded: median(times.threaded[k]), single_min: Math.min(...times.single[k]), threaded_min: Math.min(...times.threaded[k]) };
}
console.log(JSON.stringify(out));
cores.threaded.dispose();
