// @ts-check
/* worker.js — the Web Worker that runs the C core (wasm).
 *
 * Protocol (house style §18), one message per request:
 *   main -> worker  {id, op, args}
 *   worker -> main  {id, ok: true, result}
 *                   {id, ok: false, error: {code, message}}   code = the C status name
 *                   {id, progress: {phase, fraction}}          zero or more before the answer
 * Requests are handled one at a time, in order. Volumes stay resident here and
 * are referred to by handle; what the page needs to draw is copied out and
 * transferred.
 */
/* global importScripts, SupervoxCore, SupervoxCoreAPI */

// The glue and core-api.js sit beside this file's folder; a Blob worker (file://)
// gets them inlined instead and defines SupervoxCore before this code runs.
// Where the page is cross-origin isolated (COOP/COEP headers: SharedArrayBuffer
// works) the threaded build runs (supervox-mt.js: supervoxels and meshing on a
// pool of nested workers); everywhere else, or if it fails to load, the single one.
const INLINED = typeof SupervoxCore !== 'undefined';
// (a Blob worker's blob: URL has no folder to resolve against: only when not inlined)
const BUILD = INLINED ? '' : new URL('../build/', self.location.href).href;
const ISOLATED = !INLINED && self.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function';
let threadedGlue = false;
if (!INLINED) {
  try {
    if (!ISOLATED) throw new Error('not cross-origin isolated');
    importScripts(BUILD + 'supervox-mt.js', 'core-api.js');
    threadedGlue = true;
  } catch {
    importScripts(BUILD + 'supervox.js', 'core-api.js');
  }
}

/** @type {Promise<any> | null} */
let corePromise = null;

/** Start the core: the threaded build if its glue loaded, falling back to the single one. */
async function startCore() {
  // supervox.html (make dist) sets the core's options, its wasm as bytes, before this code:
  // a Blob worker has no folder to fetch supervox.wasm from
  const inlined = /** @type {any} */ (self).SupervoxCoreOptions;
  const locateFile = (/** @type {string} */ p) => BUILD + p;
  if (threadedGlue) {
    try {
      // the pool's workers load the glue by this URL (a classic worker's glue cannot tell its own)
      // @ts-ignore — globals from importScripts
      return await SupervoxCoreAPI.Core.create(SupervoxCore, { locateFile, mainScriptUrlOrBlob: BUILD + 'supervox-mt.js' });
    } catch {
      importScripts(BUILD + 'supervox.js'); // redefines SupervoxCore
    }
  }
  // @ts-ignore — globals from importScripts
  return SupervoxCoreAPI.Core.create(SupervoxCore, inlined || { locateFile });
}

function core() {
  if (!corePromise) corePromise = startCore();
  return corePromise;
}
// at once, not at the first request: the page's first volume is usually on its way
// (a failure reaches that request)
core().catch(() => {});

/** @typedef {(phase: string, fraction: number) => void} Progress */

/**
 * A key for an image's content (autosave finds the work of the same image
 * with it, whatever its file name): two FNV-1a hashes over the voxels, in
 * 32-bit words, and the grid.
 * @param {any} info @param {ArrayBuffer} data
 */
function contentKey(info, data) {
  const w = new Uint32Array(data, 0, data.byteLength >> 2);
  let a = 0x811c9dc5, b = 0x01000193 ^ data.byteLength;
  for (let i = 0; i < w.length; i++) {
    a = Math.imul(a ^ w[i], 0x01000193);
    b = Math.imul(b ^ w[i] ^ (i & 0xffff), 0x01000193) ^ (b >>> 13);
  }
  const tail = new Uint8Array(data, w.length * 4);
  for (let i = 0; i < tail.length; i++) a = Math.imul(a ^ tail[i], 0x01000193);
  const grid = [...info.dims, ...info.affine.flat().map((/** @type {number} */ x) => x.toFixed(3))].join(',');
  return `${(a >>> 0).toString(16).padStart(8, '0')}${(b >>> 0).toString(16).padStart(8, '0')}:${info.datatype}:${grid}`;
}

/** DICOM scans waiting for the user's choice of series. */
const scans = new Map();
let lastScan = 0;

/**
 * What the page needs of a newly opened image: its handle, description,
 * robust percentiles, a 256-bin histogram over [min, max] and a copy of the
 * voxels; with `asNifti`, also the image encoded as NIfTI (uncompressed).
 * @param {any} c the core @param {number} v a resident volume (freed on failure)
 * @param {boolean} [asNifti]
 */
function describe(c, v, asNifti) {
  try {
    const info = c.info(v, false);
    const s = c.summarize(v, [0.5, 1, 99, 99.5]);
    const [p005, p01, p99, p995] = s.percentiles;
    info.stats = { min: s.min, max: s.max, mean: s.mean };
    const data = c.volumeData(v);
    const histogram = { lo: s.min, hi: s.max > s.min ? s.max : s.min + 1, counts: s.hist };
    /** @type {any} */
    const result = { handle: v, info, percentiles: { p005, p01, p99, p995 }, histogram, data, key: contentKey(info, data) };
    const transfer = [data, s.hist.buffer];
    if (asNifti) {
      result.source = c.writeNifti(v, 0);
      transfer.push(result.source);
    }
    return { result, transfer };
  } catch (e) {
    c.freeVolume(v);
    throw e;
  }
}

/** @type {Record<string, (args: any, progress: Progress) => Promise<{result: any, transfer?: Transferable[]}>>} */
const ops = {
  /**
   * Start the core (compile the wasm) before it is first needed; say which
   * build runs: {threads, threaded} (threads in use; whether it is the -pthread build).
   */
  async ping() {
    const c = await core();
    return { result: c.threads() };
  },

  /**
   * Parse a NIfTI file; return its handle, description, robust percentiles, a
   * 256-bin histogram over [min, max] and a copy of the voxels.
   */
  async openVolume({ bytes }, progress) {
    const c = await core();
    const v = c.openNifti(new Uint8Array(bytes), { onProgress: (f) => progress('parse', f) });
    return describe(c, v);
  },

  /**
   * Scan files (a dropped or picked folder) for DICOM series; the scan stays
   * in the worker until closeDicom, so the page can let the user choose.
   */
  async scanDicom({ files }) {
    const c = await core();
    const scan = c.openDicom(files.map((/** @type {{name: string, bytes: ArrayBuffer}} */ f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })));
    const id = ++lastScan;
    scans.set(id, scan);
    return { result: { scan: id, series: scan.series, skipped: scan.skipped } };
  },

  /**
   * Build one series of a scan as the image: as openVolume, plus the series'
   * metadata (for display only) and the image as NIfTI (no patient tags), kept
   * by the page to restore the worker after a cancel.
   */
  async openDicomSeries({ scan, index }) {
    const c = await core();
    const s = scans.get(scan);
    if (!s) throw new Error('that DICOM scan is closed');
    const v = c.readDicomSeries(s, index);
    const metadata = c.dicomMetadata(s, index);
    const r = describe(c, v, true);
    r.result.metadata = metadata;
    return r;
  },

  async closeDicom({ scan }) {
    const c = await core();
    const s = scans.get(scan);
    if (s) c.closeDicom(s);
    scans.delete(scan);
    return { result: null };
  },

  /** PNG slices (natural name order) as the image, with the image as NIfTI as for DICOM. */
  async openPngStack({ files, spacing, slope, intercept }) {
    const c = await core();
    const v = c.openPngStack(
      files.map((/** @type {{name: string, bytes: ArrayBuffer}} */ f) => ({ name: f.name, bytes: new Uint8Array(f.bytes) })),
      { spacing, slope, intercept },
    );
    return describe(c, v, true);
  },

  async volumeInfo({ handle, stats }) {
    const c = await core();
    return { result: c.info(handle, !!stats) };
  },

  /** Encode a resident volume as NIfTI-1 (.nii.gz unless gzip is 0). */
  async exportNifti({ handle, gzip }) {
    // a label layer or an image: both are resident volumes
    const c = await core();
    const bytes = c.writeNifti(handle, gzip === undefined ? 6 : gzip);
    return { result: { bytes }, transfer: [bytes] };
  },

  /**
   * A label layer as PNG slices: one 8-bit grey PNG of label values per k,
   * columns i, rows j from the largest down (the form of
   * ../shared/data/png_stack, so a stack read back is the same volume).
   */
  async encodePngStack({ layer, dims }, progress) {
    const c = await core();
    const [nx, ny, nz] = dims;
    const pngs = [];
    const flipped = new Uint8Array(nx * ny);
    for (let k = 0; k < nz; k++) {
      const slice = c.boxData(layer, dims, [0, 0, k], [nx, ny, k + 1]);
      for (let j = 0; j < ny; j++) flipped.set(slice.subarray(j * nx, (j + 1) * nx), (ny - 1 - j) * nx);
      pngs.push(c.encodePng(flipped, nx, ny, 1));
      if ((k & 15) === 0) progress('png', k / nz);
    }
    return { result: { pngs }, transfer: pngs };
  },

  /** Encode RGBA or grey pixels as PNG (stb_image_write in the core). */
  async encodePng({ pixels, width, height, channels }) {
    const c = await core();
    const png = c.encodePng(new Uint8Array(pixels), width, height, channels);
    return { result: { png }, transfer: [png] };
  },

  async closeVolume({ handle }) {
    const c = await core();
    c.freeVolume(handle);
    return { result: null };
  },

  // --- label layers and edits: each answer carries the changed box's voxels,
  // so the page patches its copy of the layer without a full transfer.

  async createLayer({ image }) {
    const c = await core();
    return { result: { layer: c.createLayer(image) } };
  },

  /** A layer from the page's copy (after the worker was restarted). */
  async layerFromData({ image, data }) {
    const c = await core();
    return { result: { layer: c.layerFromData(image, new Uint8Array(data)) } };
  },

  /** Supervoxels with their index and graph; the map is copied to the page for drawing. */
  async computeSupervoxels({ image, count, compactness, threshold, nvox }, progress) {
    const c = await core();
    const { seg, count: n, background } = c.createSegmenter(image, { count, compactness, threshold }, (f) => progress('supervoxels', f));
    const labels = c.segmenterLabels(seg, nvox);
    const levels = c.segmenterLevels(seg);
    const transfer = [labels.buffer, ...levels.maps.filter((m) => m).map((m) => /** @type {Uint32Array} */ (m).buffer)];
    return { result: { seg, count: n, labels, levels, background }, transfer };
  },

  async freeSegmenter({ seg }) {
    const c = await core();
    c.freeSegmenter(seg);
    return { result: null };
  },

  /** One stroke over supervoxels (one undo step); returns the changed box's voxels. */
  async propagate({ layer, seg, stroke, dims, level }) {
    const c = await core();
    const edit = c.propagate(layer, seg, stroke, level || 0);
    const data = edit.changed ? c.boxData(layer, dims, edit.lo, edit.hi) : new Uint8Array(0);
    return { result: { edit, data, counts: c.historyCounts() }, transfer: [data.buffer] };
  },

  /** What a stroke would label, for its preview while it is drawn (nothing changes). */
  async previewStroke({ layer, seg, stroke, level, count }) {
    const c = await core();
    const marks = c.previewStroke(layer, seg, stroke, level || 0, count);
    return { result: { marks }, transfer: [marks.buffer] };
  },

  async importLayer({ image, bytes }, progress) {
    const c = await core();
    progress('parse', 0);
    const layer = c.importLayer(image, new Uint8Array(bytes));
    const data = c.volumeData(layer);
    const seen = new Uint8Array(256);
    const v = new Uint8Array(data);
    for (let i = 0; i < v.length; i++) seen[v[i]] = 1;
    const present = [];
    for (let x = 1; x < 256; x++) if (seen[x]) present.push(x);
    return { result: { layer, data, present }, transfer: [data] };
  },

  /**
   * Surfaces of a layer's labels that changed in `boxes` (null: all), re-meshing
   * only the blocks those boxes touch. The arrays are transferred.
   */
  async meshLayer({ layer, boxes, smooth, labels, raw }, progress) {
    const c = await core();
    const t0 = performance.now();
    const meshes = c.meshLayer(layer, boxes, { smooth: smooth ?? -1, labels, raw, onProgress: (f) => progress('mesh', f) });
    const transfer = meshes.flatMap((m) => [m.positions.buffer, m.normals.buffer, m.indices.buffer]);
    return { result: { meshes, ms: performance.now() - t0 }, transfer };
  },

  /** STL or OBJ of some labels' surfaces (world mm). */
  async exportMeshes({ layer, labels, format, smooth }) {
    const c = await core();
    const bytes = c.exportMeshes(layer, labels, format, smooth ?? -1);
    return { result: { bytes }, transfer: [bytes] };
  },

  async deleteLayer({ layer }) {
    const c = await core();
    c.deleteLayer(layer);
    return { result: c.historyCounts() };
  },

  async strokeBegin({ layer }) {
    const c = await core();
    c.beginStroke(layer);
    return { result: null };
  },

  async strokeSegment({ layer, dims, brush, p0, p1 }) {
    const c = await core();
    const edit = c.brushSegment(brush, p0, p1);
    const data = edit.changed ? c.boxData(layer, dims, edit.lo, edit.hi) : new Uint8Array(0);
    return { result: { edit, data }, transfer: [data.buffer] };
  },

  async strokeEnd() {
    const c = await core();
    const edit = c.endStroke();
    return { result: { edit, counts: c.historyCounts() } };
  },

  async undoRedo({ redo, dims }) {
    const c = await core();
    const r = c.undoRedo(!!redo);
    if (!r) return { result: { layer: 0, counts: c.historyCounts() } };
    const data = c.boxData(r.layer, dims, r.edit.lo, r.edit.hi);
    return { result: { layer: r.layer, edit: r.edit, data, counts: c.historyCounts() }, transfer: [data.buffer] };
  },
};

self.onmessage = async (/** @type {MessageEvent} */ e) => {
  const { id, op, args } = e.data || {};
  /** @type {Progress} */
  const progress = (phase, fraction) => self.postMessage({ id, progress: { phase, fraction } });
  try {
    const fn = ops[op];
    if (!fn) throw Object.assign(new Error(`unknown operation "${op}"`), { code: 'SV_EINVAL' });
    const { result, transfer } = await fn(args || {}, progress);
    // @ts-ignore — worker postMessage takes a transfer list
    self.postMessage({ id, ok: true, result }, transfer || []);
  } catch (err) {
    const error = /** @type {any} */ (err);
    const code = error && error.code ? String(error.code) : 'SV_EINTERNAL';
    const message =
      error instanceof RangeError || /memory/i.test(String(error && error.message))
        ? `out of memory in the core (${error.message})`
        : String((error && error.message) || error);
    self.postMessage({ id, ok: false, error: { code, message } });
  }
};
