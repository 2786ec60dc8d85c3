// @ts-check
/* inline-setup.js — supervox.html (one file, from file://, no network): what
 * the served site fetches is inside the page instead, in data blocks that are
 * never executed (<script type="application/octet-stream">, base64):
 *
 *   #supervox-worker  the worker's source: the Emscripten glue, core-api.js, worker.js
 *   #supervox-wasm    the wasm core
 *   #supervox-demo    the demo volume (norm_crop.nii.gz; #supervox-demo-notice is its NOTICE)
 *
 * `globalThis.SupervoxInline` tells app.js so: `makeWorker` starts the core in
 * a Blob worker (still off the main thread; file:// allows no worker script
 * file) whose source begins by handing the glue the wasm as bytes
 * (SupervoxCoreOptions.wasmBinary, read by worker.js); `demo()` returns the
 * demo's bytes, opened from memory instead of fetched.
 */

/** The text of a data block. @param {string} id */
function blockText(id) {
  const el = document.getElementById(id);
  if (!el) throw new Error(`this supervox.html has no ${id} block`);
  return (el.textContent || '').trim();
}

/** The bytes of a base64 data block. @param {string} id */
function blockBytes(id) {
  const s = atob(blockText(id));
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

// decodes the wasm's base64 inside the worker; runs before the glue
const PRELUDE = `(function (s) {
  var b = new Uint8Array(s.length);
  for (var i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  self.SupervoxCoreOptions = { wasmBinary: b };
})(atob(self.SupervoxWasmBase64));
delete self.SupervoxWasmBase64;
`;

/** @type {string | null} one Blob URL serves every (re)start of the worker */
let workerUrl = null;

function makeWorker() {
  if (!workerUrl) {
    const parts = [`self.SupervoxWasmBase64 = "${blockText('supervox-wasm')}";\n`, PRELUDE, blockBytes('supervox-worker')];
    workerUrl = URL.createObjectURL(new Blob(parts, { type: 'text/javascript' }));
  }
  return new Worker(workerUrl, { name: 'supervox-core' });
}

Object.defineProperty(globalThis, 'SupervoxInline', {
  value: Object.freeze({ makeWorker, demo: () => blockBytes('supervox-demo') }),
});
