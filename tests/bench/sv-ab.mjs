// sv-ab.mjs DIR_A DIR_B FILE COUNT [REPS] [mt|first] — two builds of the wasm core (each DIR
// holds supervox.js/.wasm, e.g. a copy of web/build/ made before a change, and web/build/),
// runs alternating (A B, B A, A B, ...) so that a busy machine hurts both alike. Supervoxels
// of FILE, unmasked, COUNT, compactness 0.1: the time until the core reports progress 1 (sv)
// and the whole segmenter (supervoxels, index, graph, merge levels).
//   (default) both builds in this Node process: after the first run V8 runs the optimised code;
//   mt        the same with the threaded builds (supervox-mt.js);
//   first     every run in a fresh Node process: the first call, as a page makes it, part of
//             which runs in V8's baseline tier (a wasm function moves up only between calls).
// Checks that both builds give the same map (FNV-1a of every label) and prints JSON: per
// build the median and fastest ms of each measure (wall clock; sv_cpu: the process's CPU time
// until progress 1, which a busy machine inflates less, meaningless for mt), every run's sv,
// the hashes, and the median of the per-round ratios B / A.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { ROOT } from '../node/helpers.mjs';

const require = createRequire(import.meta.url);
const { Core } = require(path.join(ROOT, 'web', 'worker', 'core-api.js'));
const median = (/** @type {number[]} */ t) => [...t].sort((a, b) => a - b)[Math.floor(t.length / 2)];

/** FNV-1a (32-bit) over a label map. @param {Uint32Array} m */
function hash(m) {
  let h = 0x811c9dc5;
  for (let i = 0; i < m.length; i++) h = Math.imul(h ^ m[i], 0x01000193) >>> 0;
  return h.toString(16);
}

/** Process CPU time in ms (all threads). */
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * One segmenter with core c: times and, if asked, the map's hash and the count.
 * @param {any} c @param {Uint8Array} bytes @param {number} count @param {boolean} withHash
 */
function run(c, bytes, count, withHash) {
  const v = c.openNifti(bytes);
  const nvox = c.info(v).dims.reduce((/** @type {number} */ a, /** @type {number} */ b) => a * b, 1);
  let t1 = 0, c1 = 0;
  const c0 = cpu();
  const t0 = performance.now();
  const { seg, count: n } = c.createSegmenter(v, { count, compactness: 0.1, threshold: null }, (/** @type {number} */ f) => {
    if (f >= 1 && !t1) {
      t1 = performance.now();
      c1 = cpu();
    }
  });
  const t2 = performance.now();
  /** @type {{sv: number, segmenter: number, sv_cpu: number, hash?: string, count?: number}} */
  const r = { sv: t1 - t0, segmenter: t2 - t0, sv_cpu: c1 - c0 };
  if (withHash) {
    r.hash = hash(c.segmenterLabels(seg, nvox));
    r.count = n;
  }
  c.freeSegmenter(seg);
  c.freeVolume(v);
  return r;
}

const self = fileURLToPath(import.meta.url);
const load = async (/** @type {string} */ dir, /** @type {boolean} */ mt) =>
  Core.create(require(path.resolve(dir, mt ? 'supervox-mt.js' : 'supervox.js')));

if (process.argv[2] === '--one') {
  // a child of `first`: one run of DIR's single-threaded build
  const [dir, file, count] = process.argv.slice(3, 6);
  const c = await load(dir, false);
  console.log(JSON.stringify(run(c, new Uint8Array(readFileSync(file)), Number(count), true)));
} else {
  const [dirA, dirB, file, count] = process.argv.slice(2, 6);
  const REPS = Number(process.argv[6] || 5);
  const mode = process.argv[7] || '';
  const bytes = new Uint8Array(readFileSync(file));
  /** @type {Record<string, any>} */
  const cores = {};
  if (mode !== 'first') {
    cores.A = await load(dirA, mode === 'mt');
    cores.B = await load(dirB, mode === 'mt');
  }
  const dirs = { A: dirA, B: dirB };
  /** @type {Record<string, {sv: number[], segmenter: number[], sv_cpu: number[], hash?: string, count?: number}>} */
  const out = { A: { sv: [], segmenter: [], sv_cpu: [] }, B: { sv: [], segmenter: [], sv_cpu: [] } };
  for (let r = 0; r < REPS; r++) {
    for (const k of r % 2 ? ['B', 'A'] : ['A', 'B']) {
      const t =
        mode === 'first'
          ? JSON.parse(execFileSync(process.execPath, [self, '--one', dirs[/** @type {'A'|'B'} */ (k)], file, count], { encoding: 'utf8' }))
          : run(cores[k], bytes, Number(count), r === 0);
      const o = out[k];
      o.sv.push(t.sv);
      o.segmenter.push(t.segmenter);
      o.sv_cpu.push(t.sv_cpu);
      if (t.hash) {
        o.hash = t.hash;
        o.count = t.count;
      }
    }
  }
  /** @type {Record<string, any>} */
  const res = { mode: mode || 'in-process', same: out.A.hash === out.B.hash };
  for (const k of ['A', 'B']) {
    const o = out[k];
    res[k] = {
      sv: median(o.sv), sv_min: Math.min(...o.sv), segmenter: median(o.segmenter), segmenter_min: Math.min(...o.segmenter),
      sv_cpu: median(o.sv_cpu), sv_cpu_min: Math.min(...o.sv_cpu), hash: o.hash, count: o.count, sv_all: o.sv.map(Math.round),
    };
  }
  res.ratio_sv = median(out.A.sv.map((a, i) => out.B.sv[i] / a));
  res.ratio_segmenter = median(out.A.segmenter.map((a, i) => out.B.segmenter[i] / a));
  console.log(JSON.stringify(res));
  if (mode === 'mt') for (const c of Object.values(cores)) c.dispose();
}
