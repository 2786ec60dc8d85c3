// sv-ab.mjs DIR_A DIR_B FILE COUNT [REPS] [mt] — two builds of the wasm core (each DIR holds
// supervox.js/.wasm, e.g. a copy of web/build/ made before a change, and web/build/) side by
// side in one Node process, runs alternating (A, B, A, B, ...) so that a busy machine hurts
// both alike. Supervoxels of FILE, unmasked, COUNT, compactness 0.1: the time until the core
// reports progress 1 (sv) and the whole segmenter (supervoxels, index, graph, merge levels).
// `mt` as the sixth argument compares the threaded builds (supervox-mt.js) instead.
// Checks that both builds give the same map (FNV-1a of every label) and prints JSON: per
// build the median and fastest ms of each measure (wall clock; sv_cpu: the process's CPU time
// until progress 1, which a busy machine inflates less), and the hashes.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

import { ROOT } from '../node/helpers.mjs';

const require = createRequire(import.meta.url);
const [dirA, dirB, file, count] = process.argv.slice(2, 6);
const REPS = Number(process.argv[6] || 5);
const mt = process.argv[7] === 'mt';
const { Core } = require(path.join(ROOT, 'web', 'worker', 'core-api.js'));
const load = async (/** @type {string} */ dir) => Core.create(require(path.resolve(dir, mt ? 'supervox-mt.js' : 'supervox.js')));
const cores = { A: await load(dirA), B: await load(dirB) };
const bytes = new Uint8Array(readFileSync(file));
const median = (/** @type {number[]} */ t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

/** FNV-1a (32-bit) over a label map. @param {Uint32Array} m */
function hash(m) {
  let h = 0x811c9dc5;
  for (let i = 0; i < m.length; i++) h = Math.imul(h ^ m[i], 0x01000193) >>> 0;
  return h.toString(16);
}

/** @type {Record<string, {sv: number[], segmenter: number[], sv_cpu: number[], hash?: string, count?: number}>} */
const out = { A: { sv: [], segmenter: [], sv_cpu: [] }, B: { sv: [], segmenter: [], sv_cpu: [] } };
/** Process CPU time in ms (all threads: meaningful for the single-threaded build). */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
for (let r = 0; r < REPS; r++) {
  for (const k of /** @type {const} */ (['A', 'B'])) {
    const c = cores[k];
    const v = c.openNifti(bytes);
    const nvox = c.info(v).dims.reduce((a, b) => a * b, 1);
    let t1 = 0, c1 = 0;
    const c0 = cpu();
    const t0 = performance.now();
    const { seg, count: n } = c.createSegmenter(v, { count: Number(count), compactness: 0.1, threshold: null }, (/** @type {number} */ f) => {
      if (f >= 1 && !t1) {
        t1 = performance.now();
        c1 = cpu();
      }
    });
    const t2 = performance.now();
    out[k].sv.push(t1 - t0);
    out[k].segmenter.push(t2 - t0);
    out[k].sv_cpu.push(c1 - c0);
    if (r === 0 && nvox) {
      out[k].hash = hash(c.segmenterLabels(seg, nvox));
      out[k].count = n;
    }
    c.freeSegmenter(seg);
    c.freeVolume(v);
  }
}
/** @type {Record<string, any>} */
const res = { same: out.A.hash === out.B.hash };
for (const k of ['A', 'B']) {
  const o = out[k];
  res[k] = { sv: median(o.sv), sv_min: Math.min(...o.sv), segmenter: median(o.segmenter), segmenter_min: Math.min(...o.segmenter), sv_cpu: median(o.sv_cpu), sv_cpu_min: Math.min(...o.sv_cpu), hash: o.hash, count: o.count, sv_all: o.sv.map(Math.round) };
}
console.log(JSON.stringify(res));
if (mt) for (const c of Object.values(cores)) c.dispose();
