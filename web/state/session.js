// @ts-check
/* session.js — what the user is working on: the image, its label layers, the
 * label table, the cursor and the window. The worker's core owns the truth
 * (voxels, undo history); this keeps the read-only copies the views draw from
 * and applies the changed boxes the core sends back.
 *
 * Events (subscribe with on(name, fn)): 'volume', 'layers', 'labels',
 * 'cursor', 'window', 'edit' ({layer, lo, hi}), 'history' ({undo, redo}).
 */
import { makeLabel } from './labels.js';
import { voxelArray } from '../views/slice-render.js';

/**
 * @typedef {object} Layer
 * @property {number} id the core's handle
 * @property {string} name
 * @property {Uint8Array} data copy of the labels (x fastest)
 * @property {boolean} visible
 * @property {number} opacity 0..1
 */

/**
 * @typedef {object} Volume
 * @property {string} name
 * @property {number} handle
 * @property {import('../worker/core-api.js').VolumeInfo & {stats: any}} info
 * @property {import('../views/slice-render.js').VoxelArray} data
 * @property {{p005: number, p01: number, p99: number, p995: number}} percentiles
 * @property {{lo: number, hi: number, counts: Uint32Array}} histogram
 * @property {string} kind 'nifti', 'dicom' or 'png': what it was opened from
 * @property {string} key the content's key (autosave and session files find their image by it)
 * @property {Record<string, any> | null} metadata a DICOM series' patient and study tags (shown, never exported)
 * @property {string} warning e.g. uneven slice spacing or gantry tilt
 * @property {{lo: number, hi: number} | null} fileWindow the display window the file suggests
 *   (DICOM WindowCenter/WindowWidth, the first of several), the initial window when present
 */

/**
 * The window a DICOM series suggests, as [lo, hi] in its rescaled values: centre ± width / 2.
 * @param {Record<string, any> | null | undefined} m @returns {{lo: number, hi: number} | null}
 */
function fileWindowOf(m) {
  const c = m?.window_center, w = m?.window_width;
  return typeof c === 'number' && typeof w === 'number' && Number.isFinite(c) && w >= 1 ? { lo: c - w / 2, hi: c + w / 2 } : null;
}

export class Session {
  /** @param {import('../core/bridge.js').CoreBridge} bridge */
  constructor(bridge) {
    this.bridge = bridge;
    /** @type {Volume | null} */
    this.volume = null;
    /** @type {Layer[]} */
    this.layers = [];
    this.activeLayer = 0; // index into layers
    /** @type {import('./labels.js').Label[]} */
    this.labels = [makeLabel(1)];
    this.activeLabel = 1; // a label value
    this.cursor = [0, 0, 0];
    this.window = { lo: 0, hi: 1 };
    this.history = { undo: 0, redo: 0 };
    /** @type {{seg: number, count: number, labels: Uint32Array, levels: {groups: number[], maps: (Uint32Array | null)[]}, background: {threshold: number | null, voxels: number}} | null} */
    this.supervoxels = null;
    /** granularity: 0 fine, 1 and 2 coarser merges (no recomputation) */
    this.svLevel = 0;
    /** @type {Uint8Array | null} per supervoxel id: highlighted (a stroke in progress touches it) */
    this.highlight = null;
    /** @type {Uint8Array | null} per fine supervoxel id: what the stroke in progress would label (previewStroke) */
    this.preview = null;
    /** @type {Uint8Array | null} the image file, kept to restore the worker after a cancel */
    this.source = null;
    /** resolves when the core holds this session's volume and layers (after a restore) */
    this.restored = Promise.resolve();
    /** @type {Record<string, Array<(arg: any) => void>>} */
    this.listeners = {};
  }

  /** @param {string} name @param {(arg: any) => void} fn */
  on(name, fn) {
    (this.listeners[name] ||= []).push(fn);
  }

  /** @param {string} name @param {any} [arg] */
  emit(name, arg) {
    for (const fn of this.listeners[name] || []) fn(arg);
  }

  get dims() {
    return this.volume ? this.volume.info.dims : [1, 1, 1];
  }

  /**
   * Open NIfTI bytes as the image. On failure nothing changes and the error is
   * rethrown (with the core's reason). On success the old image and its layers
   * are released and one empty layer is created.
   * @param {Uint8Array} bytes @param {string} name
   * @param {(phase: string, f: number) => void} [onProgress]
   */
  async openImage(bytes, name, onProgress) {
    const source = bytes.slice(); // a copy stays here: a cancelled computation restarts the worker
    const r = await this.bridge.call('openVolume', { bytes: bytes.buffer, name }, { transfer: [bytes.buffer], onProgress });
    await this.adopt(r, name, source);
  }

  /**
   * Open a DICOM series from files (a folder). Several series: `choose` gets
   * them and returns the index to open, or null to keep what is open. Files
   * that are not usable images are skipped; if no series can be built, the
   * error lists why. Resolves to the scan's warnings and skipped files.
   * @param {{name: string, bytes: Uint8Array}[]} files
   * @param {(series: any[]) => Promise<number | null>} choose
   * @returns {Promise<{opened: boolean, warning: string, skipped: {file: string, reason: string}[]}>}
   */
  async openDicom(files, choose) {
    const list = files.map((f) => ({ name: f.name, bytes: f.bytes.buffer }));
    const scan = await this.bridge.call('scanDicom', { files: list }, { transfer: list.map((f) => f.bytes) });
    try {
      const usable = scan.series.filter((/** @type {any} */ s) => s.buildable);
      if (!usable.length) {
        const why = scan.series.length ? scan.series.map((/** @type {any} */ s) => s.warning).join('; ') : scan.skipped.slice(0, 3).map((/** @type {any} */ f) => (f.reason.startsWith(f.file) ? f.reason : `${f.file}: ${f.reason}`)).join('; ');
        throw new Error(`no DICOM image series could be read (${why || 'no DICOM files'})`);
      }
      const index = usable.length === 1 ? usable[0].index : await choose(usable);
      if (index === null) return { opened: false, warning: '', skipped: scan.skipped };
      const s = scan.series.find((/** @type {any} */ x) => x.index === index);
      const r = await this.bridge.call('openDicomSeries', { scan: scan.scan, index });
      const name = `${s.description || s.modality || 'DICOM'} (series ${s.number ?? index + 1}, ${s.files} file${s.files === 1 ? '' : 's'})`;
      await this.adopt(r, name, new Uint8Array(r.source), { kind: 'dicom', metadata: r.metadata, warning: s.warning });
      return { opened: true, warning: s.warning, skipped: scan.skipped };
    } finally {
      this.bridge.call('closeDicom', { scan: scan.scan }).catch(() => {});
    }
  }

  /**
   * Open PNG slices (8/16-bit grey, natural name order) as the image.
   * @param {{name: string, bytes: Uint8Array}[]} files
   * @param {{spacing: number[], slope?: number, intercept?: number}} opts
   */
  async openPngStack(files, opts) {
    const list = files.map((f) => ({ name: f.name, bytes: f.bytes.buffer }));
    const r = await this.bridge.call('openPngStack', { files: list, ...opts }, { transfer: list.map((f) => f.bytes) });
    const name = `${files.length} PNG slices (${files[0].name} …)`;
    await this.adopt(r, name, new Uint8Array(r.source), { kind: 'png' });
  }

  /**
   * Make an opened volume (the worker's answer) the session's image. On
   * failure nothing changes.
   * @private
   * @param {any} r @param {string} name @param {Uint8Array} source the image as NIfTI
   * @param {{kind?: string, metadata?: any, warning?: string}} [extra]
   */
  async adopt(r, name, source, extra = {}) {
    const { info } = r;
    let layer;
    try {
      layer = await this.bridge.call('createLayer', { image: r.handle });
    } catch (e) {
      this.bridge.call('closeVolume', { handle: r.handle }).catch(() => {});
      throw e;
    }
    // from here on nothing can fail: swap the old session out
    const old = this.volume;
    const oldLayers = this.layers;
    this.volume = {
      name,
      handle: r.handle,
      info,
      data: voxelArray(r.data, info.datatype),
      percentiles: r.percentiles,
      histogram: r.histogram,
      kind: extra.kind || 'nifti',
      key: r.key,
      metadata: extra.metadata || null,
      warning: extra.warning || '',
      fileWindow: fileWindowOf(extra.metadata),
    };
    const nvox = info.dims[0] * info.dims[1] * info.dims[2];
    this.layers = [{ id: layer.layer, name: 'Labels', data: new Uint8Array(nvox), visible: true, opacity: 1 }];
    this.activeLayer = 0;
    this.cursor = info.dims.map((/** @type {number} */ n) => Math.floor(n / 2));
    // the file's own window (a CT's soft tissue, as the scanner set it), as other viewers open it; else the robust range
    this.window = this.volume.fileWindow || { lo: r.percentiles.p005, hi: r.percentiles.p995 > r.percentiles.p005 ? r.percentiles.p995 : r.percentiles.p005 + 1 };
    for (const l of oldLayers) this.bridge.call('deleteLayer', { layer: l.id }).catch(() => {});
    if (this.supervoxels) this.bridge.call('freeSegmenter', { seg: this.supervoxels.seg }).catch(() => {});
    if (old) this.bridge.call('closeVolume', { handle: old.handle }).catch(() => {});
    this.source = source;
    this.supervoxels = null;
    this.highlight = null;
    this.preview = null;
    this.history = { undo: 0, redo: 0 };
    this.emit('volume', this.volume);
    this.emit('layers');
    this.emit('cursor', this.cursor);
    this.emit('window', this.window);
    this.emit('history', this.history);
  }

  /** @returns {Layer} */
  get layer() {
    return this.layers[this.activeLayer];
  }

  /** Add an empty layer and make it active. @param {string} [name] */
  async addLayer(name) {
    await this.restored;
    if (!this.volume) throw new Error('open an image first');
    const r = await this.bridge.call('createLayer', { image: this.volume.handle });
    const nvox = this.dims[0] * this.dims[1] * this.dims[2];
    this.layers.push({ id: r.layer, name: name || `Layer ${this.layers.length + 1}`, data: new Uint8Array(nvox), visible: true, opacity: 1 });
    this.activeLayer = this.layers.length - 1;
    this.emit('layers');
  }

  /**
   * Import a label map file as a new layer (its grid must match the image's up
   * to axis order and direction; the core moves its voxels onto the image's).
   * Labels found in it that the table lacks are added with default names.
   * @param {Uint8Array} bytes @param {string} name
   * @returns {Promise<{labels: number}>} how many label values (1-255) the map holds
   */
  async importLayer(bytes, name) {
    await this.restored;
    if (!this.volume) throw new Error('open an image first');
    const r = await this.bridge.call('importLayer', { image: this.volume.handle, bytes: bytes.buffer }, { transfer: [bytes.buffer] });
    const data = new Uint8Array(r.data);
    for (const v of r.present) if (!this.labels.some((l) => l.value === v)) this.labels.push(makeLabel(v));
    this.labels.sort((a, b) => a.value - b.value);
    this.layers.push({ id: r.layer, name: name.replace(/\.nii(\.gz)?$/i, ''), data, visible: true, opacity: 1 });
    this.activeLayer = this.layers.length - 1;
    this.emit('labels');
    this.emit('layers');
    this.emit('edit', { layer: r.layer, lo: [0, 0, 0], hi: this.dims.slice() });
    return { labels: r.present.length };
  }

  /**
   * Replace every layer with these (a restored autosave or session file): the
   * undo history starts afresh. On failure the layers stay as they were.
   * @param {{name: string, data: Uint8Array, visible?: boolean, opacity?: number}[]} list
   * @param {{labels?: import('./labels.js').Label[], activeLabel?: number, activeLayer?: number}} [extra]
   */
  async replaceLayers(list, extra = {}) {
    await this.restored;
    const v = /** @type {Volume} */ (this.volume);
    const nvox = this.dims[0] * this.dims[1] * this.dims[2];
    if (!list.length) throw new Error('there are no layers to restore');
    for (const l of list) if (l.data.length !== nvox) throw new Error(`layer "${l.name}" has ${l.data.length} voxels; the image has ${nvox}`);
    /** @type {Layer[]} */
    const made = [];
    try {
      for (const l of list) {
        const copy = l.data.slice();
        const r = await this.bridge.call('layerFromData', { image: v.handle, data: copy.buffer }, { transfer: [copy.buffer] });
        made.push({ id: r.layer, name: l.name, data: l.data, visible: l.visible !== false, opacity: l.opacity ?? 1 });
      }
    } catch (e) {
      for (const l of made) this.bridge.call('deleteLayer', { layer: l.id }).catch(() => {});
      throw e;
    }
    let counts = this.history;
    for (const l of this.layers) counts = await this.bridge.call('deleteLayer', { layer: l.id }).catch(() => counts);
    this.layers = made;
    this.activeLayer = Math.min(Math.max(0, extra.activeLayer ?? 0), made.length - 1);
    if (extra.labels && extra.labels.length) this.labels = extra.labels;
    for (const l of made) {
      const seen = new Uint8Array(256);
      for (let i = 0; i < l.data.length; i++) seen[l.data[i]] = 1;
      for (let x = 1; x < 256; x++) if (seen[x] && !this.labels.some((t) => t.value === x)) this.labels.push(makeLabel(x));
    }
    this.labels.sort((a, b) => a.value - b.value);
    if (extra.activeLabel && this.labels.some((t) => t.value === extra.activeLabel)) this.activeLabel = extra.activeLabel;
    this.history = counts;
    this.emit('labels');
    this.emit('layers');
    this.emit('history', this.history);
    for (const l of made) this.emit('edit', { layer: l.id, lo: [0, 0, 0], hi: this.dims.slice(), restored: true });
  }

  /** Delete a layer (its undo steps go with it). @param {number} index */
  async deleteLayer(index) {
    await this.restored;
    const l = this.layers[index];
    if (!l || this.layers.length === 1) throw new Error('the last layer cannot be deleted');
    this.history = await this.bridge.call('deleteLayer', { layer: l.id });
    this.layers.splice(index, 1);
    this.activeLayer = Math.min(this.activeLayer, this.layers.length - 1);
    this.emit('layers');
    this.emit('history', this.history);
    this.emit('edit', { layer: l.id, lo: [0, 0, 0], hi: this.dims.slice() });
  }

  /** Copy a box of voxels from the core into a layer's mirror. */
  patch(/** @type {number} */ layerId, /** @type {number[]} */ lo, /** @type {number[]} */ hi, /** @type {ArrayBuffer | Uint8Array} */ buf) {
    const layer = this.layers.find((l) => l.id === layerId);
    if (!layer) return;
    const src = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
    const [nx, ny] = this.dims;
    const w = hi[0] - lo[0];
    let o = 0;
    for (let k = lo[2]; k < hi[2]; k++) {
      for (let j = lo[1]; j < hi[1]; j++) {
        layer.data.set(src.subarray(o, o + w), lo[0] + nx * (j + ny * k));
        o += w;
      }
    }
    this.emit('edit', { layer: layerId, lo, hi });
  }

  // --- strokes: one undo step each -------------------------------------------

  /** @param {number[]} p0 @param {number[]} p1 voxel coordinates @param {{axis: number, radiusMm: number, erase: boolean, onlyUnlabelled: boolean}} tool */
  async strokeSegment(p0, p1, tool) {
    await this.restored;
    const layer = this.layer;
    const brush = { axis: tool.axis, radiusMm: tool.radiusMm, value: tool.erase ? 0 : this.activeLabel, erase: tool.erase, onlyUnlabelled: tool.onlyUnlabelled };
    const r = await this.bridge.call('strokeSegment', { layer: layer.id, dims: this.dims, brush, p0, p1 });
    if (r.edit.changed) this.patch(layer.id, r.edit.lo, r.edit.hi, r.data);
    return r.edit;
  }

  async beginStroke() {
    await this.restored;
    return this.bridge.call('strokeBegin', { layer: this.layer.id });
  }

  async endStroke() {
    await this.restored;
    const r = await this.bridge.call('strokeEnd', {});
    this.history = r.counts;
    this.emit('history', this.history);
    return r.edit;
  }

  /** @param {boolean} redo */
  async undoRedo(redo) {
    await this.restored;
    const r = await this.bridge.call('undoRedo', { redo, dims: this.dims });
    this.history = r.counts;
    if (r.layer) this.patch(r.layer, r.edit.lo, r.edit.hi, r.data);
    this.emit('history', this.history);
    return r.layer ? r.edit : null;
  }

  /**
   * Encode a layer as a NIfTI label map in the core: the image's dims and both
   * affines, uint8, intent "label"; gzip (.nii.gz) unless `gzip` is false.
   * @param {number} index @param {boolean} [gzip] @returns {Promise<ArrayBuffer>}
   */
  async exportLayer(index, gzip = true) {
    await this.restored;
    const r = await this.bridge.call('exportNifti', { handle: this.layers[index].id, gzip: gzip ? 6 : 0 });
    return r.bytes;
  }

  /** The image as NIfTI (as read: DICOM or PNG slices become a volume; no patient tags). @param {boolean} [gzip] */
  async exportImage(gzip = true) {
    await this.restored;
    const v = /** @type {Volume} */ (this.volume);
    const r = await this.bridge.call('exportNifti', { handle: v.handle, gzip: gzip ? 6 : 0 });
    return r.bytes;
  }

  /** A layer as PNG slices (label values), one per k. @param {number} index @param {(f: number) => void} [onProgress] */
  async exportPngStack(index, onProgress) {
    await this.restored;
    const r = await this.bridge.call('encodePngStack', { layer: this.layers[index].id, dims: this.dims }, { onProgress: (_p, f) => onProgress?.(f) });
    return /** @type {ArrayBuffer[]} */ (r.pngs);
  }

  // --- cursor, window, labels -------------------------------------------------

  /** @param {number[]} ijk */
  setCursor(ijk) {
    const d = this.dims;
    const c = ijk.map((x, a) => Math.max(0, Math.min(d[a] - 1, Math.round(x))));
    if (c.every((x, a) => x === this.cursor[a])) return;
    this.cursor = c;
    this.emit('cursor', c);
  }

  /** @param {number} lo @param {number} hi */
  setWindow(lo, hi) {
    if (!(hi > lo)) hi = lo + 1e-6 * Math.max(1, Math.abs(lo));
    this.window = { lo, hi };
    this.emit('window', this.window);
  }

  /** Intensity (scaled) at a voxel. @param {number[]} ijk */
  valueAt(ijk) {
    const v = /** @type {Volume} */ (this.volume);
    const [nx, ny] = v.info.dims;
    return v.data[ijk[0] + nx * (ijk[1] + ny * ijk[2])] * v.info.scl_slope + v.info.scl_inter;
  }

  /** The label value under a voxel: the active layer's, else the topmost visible one's. @param {number[]} ijk */
  labelAt(ijk) {
    const [nx, ny] = this.dims;
    const idx = ijk[0] + nx * (ijk[1] + ny * ijk[2]);
    if (this.layer.data[idx]) return this.layer.data[idx];
    for (let i = this.layers.length - 1; i >= 0; i--) if (this.layers[i].visible && this.layers[i].data[idx]) return this.layers[i].data[idx];
    return 0;
  }

  /** World coordinates (mm) of a voxel. @param {number[]} ijk */
  worldOf(ijk) {
    const a = /** @type {Volume} */ (this.volume).info.affine;
    return [0, 1, 2].map((r) => a[r][0] * ijk[0] + a[r][1] * ijk[1] + a[r][2] * ijk[2] + a[r][3]);
  }

  /** The voxel (rounded, clamped to the grid) at world coordinates (mm). @param {number[]} xyz */
  voxelOf(xyz) {
    const a = /** @type {Volume} */ (this.volume).info.affine;
    // solve A ijk = xyz - t for the 3x3 part (Cramer's rule)
    const m = [0, 1, 2].map((r) => [a[r][0], a[r][1], a[r][2]]);
    const b = [0, 1, 2].map((r) => xyz[r] - a[r][3]);
    const det = (/** @type {number[][]} */ q) =>
      q[0][0] * (q[1][1] * q[2][2] - q[1][2] * q[2][1]) - q[0][1] * (q[1][0] * q[2][2] - q[1][2] * q[2][0]) + q[0][2] * (q[1][0] * q[2][1] - q[1][1] * q[2][0]);
    const d = det(m);
    const d3 = this.dims;
    return [0, 1, 2].map((c) => {
      const q = m.map((row, r) => row.map((x, k) => (k === c ? b[r] : x)));
      return Math.max(0, Math.min(d3[c] - 1, Math.round(det(q) / d)));
    });
  }

  labelsChanged() {
    this.emit('labels');
  }

  // --- supervoxels and strokes over them -----------------------------------------

  /**
   * Compute supervoxels in the worker (replacing earlier ones).
   * @param {{count: number, compactness: number, threshold: number | null | 'auto'}} p threshold: see Core.createSegmenter
   * @param {(f: number) => void} [onProgress]
   */
  async computeSupervoxels(p, onProgress) {
    await this.restored;
    const v = /** @type {Volume} */ (this.volume);
    const nvox = this.dims[0] * this.dims[1] * this.dims[2];
    const r = await this.bridge.call(
      'computeSupervoxels',
      { image: v.handle, count: p.count, compactness: p.compactness, threshold: p.threshold, nvox },
      { onProgress: (_ph, f) => onProgress && onProgress(f) },
    );
    if (!r.count) {
      // all background: nothing a stroke could label; the supervoxels there were stay
      this.bridge.call('freeSegmenter', { seg: r.seg }).catch(() => {});
      throw new Error(
        `every voxel is below the background threshold (${r.background.threshold}): there is nothing to divide into supervoxels. Lower it, or set it to "auto" or "none".`,
      );
    }
    if (this.supervoxels) this.bridge.call('freeSegmenter', { seg: this.supervoxels.seg }).catch(() => {});
    this.supervoxels = r;
    this.highlight = new Uint8Array(r.levels.groups[this.svLevel] + 1);
    this.preview = null;
    this.emit('supervoxels', r);
  }

  /** Choose the granularity strokes and boundaries use. @param {number} level 0, 1 or 2 */
  setLevel(level) {
    this.svLevel = level;
    if (this.supervoxels) this.highlight = new Uint8Array(this.supervoxels.levels.groups[level] + 1);
    this.preview = null;
    this.emit('supervoxels', this.supervoxels);
  }

  /** The level's merge map (fine id -> group), or null at the fine level. */
  get levelMap() {
    return this.supervoxels ? this.supervoxels.levels.maps[this.svLevel] : null;
  }

  /**
   * Stop a running computation: the worker is terminated (synchronous wasm
   * cannot be interrupted) and a new one gets the image and the layers again.
   * Undo history does not survive this.
   */
  cancelAndRestore() {
    this.bridge.cancel();
    // calls made meanwhile wait for this, so none can use a handle of the dead worker
    this.restored = this.restore();
    return this.restored;
  }

  /** @private Re-send the image and the layers to a new worker. */
  async restore() {
    const v = /** @type {Volume} */ (this.volume);
    const bytes = /** @type {Uint8Array} */ (this.source).slice();
    const r = await this.bridge.call('openVolume', { bytes: bytes.buffer, name: v.name }, { transfer: [bytes.buffer] });
    v.handle = r.handle;
    for (const l of this.layers) {
      const copy = l.data.slice();
      const nl = await this.bridge.call('layerFromData', { image: v.handle, data: copy.buffer }, { transfer: [copy.buffer] });
      l.id = nl.layer;
    }
    this.supervoxels = null;
    this.highlight = null;
    this.preview = null;
    this.history = { undo: 0, redo: 0 };
    this.emit('history', this.history);
    this.emit('supervoxels', null);
  }

  /**
   * What a stroke would label if released now (nothing changes): per fine supervoxel id, 1
   * where it would set the voxels. The views show it while the stroke is drawn.
   * @param {{axis: number, mode: string, points: number[][], width?: number}} stroke
   * @returns {Promise<Uint8Array | null>} null if the supervoxels changed meanwhile
   */
  async previewStroke(stroke) {
    await this.restored;
    const sv = this.supervoxels;
    if (!sv) return null;
    const st = { ...stroke, label: stroke.mode === 'erase' ? 0 : this.activeLabel, width: stroke.width || 1 };
    const r = await this.bridge.call('previewStroke', { layer: this.layer.id, seg: sv.seg, stroke: st, level: this.svLevel, count: sv.count });
    return this.supervoxels === sv ? r.marks : null;
  }

  /**
   * Apply a stroke (docs/design.md "Strokes") over the supervoxels: one undo step.
   * @param {{axis: number, mode: string, points: number[][], width?: number}} stroke width in voxels (default 1)
   */
  async propagate(stroke) {
    await this.restored;
    const sv = this.supervoxels;
    if (!sv) throw new Error('compute supervoxels first');
    const layer = this.layer;
    const st = { ...stroke, label: stroke.mode === 'erase' ? 0 : this.activeLabel, width: stroke.width || 1 };
    const r = await this.bridge.call('propagate', { layer: layer.id, seg: sv.seg, stroke: st, dims: this.dims, level: this.svLevel });
    this.history = r.counts;
    if (r.edit.changed) this.patch(layer.id, r.edit.lo, r.edit.hi, r.data);
    this.emit('history', this.history);
    return r.edit;
  }
}
