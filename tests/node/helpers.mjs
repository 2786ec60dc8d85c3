// helpers.mjs — shared by the Node tests: paths, the wasm core, the native CLI.
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SHARED = path.resolve(ROOT, process.env.SHARED || '../shared');
export const DATA = path.join(SHARED, 'data');
export const CLI = path.join(ROOT, 'build', 'supervox');

const require = createRequire(import.meta.url);

/**
 * The wasm core, wrapped by the same core-api.js the worker uses.
 * @param {{threaded?: boolean}} [opts] threaded: the -pthread build (call
 *   core.dispose() when done, or its pool threads keep Node running)
 */
export async function loadCore(opts = {}) {
  const factory = require(path.join(ROOT, 'web', 'build', opts.threaded ? 'supervox-mt.js' : 'supervox.js'));
  const { Core } = require(path.join(ROOT, 'web', 'worker', 'core-api.js'));
  return Core.create(factory);
}

/** Every NIfTI file in the shared data that the interop suite also uses. */
export function niftiFiles() {
  const out = [];
  for (const dir of ['brain', 'mr', 'ct_dicom', 'nifti_edge']) {
    for (const f of readdirSync(path.join(DATA, dir)).sort()) {
      if (/\.(nii|nii\.gz|hdr)$/.test(f)) out.push(path.join(DATA, dir, f));
    }
  }
  return out;
}

/** Run the native CLI: {code, stdout, stderr}. */
export function cli(...args) {
  const p = spawnSync(CLI, args, { encoding: 'utf8' });
  return { code: p.status, stdout: p.stdout, stderr: p.stderr };
}

/** Debian's python with nibabel: run code, return stdout. */
export function python(code) {
  return execFileSync('/usr/bin/python3', ['-c', code], { encoding: 'utf8' });
}

export const read = (p) => new Uint8Array(readFileSync(p));
