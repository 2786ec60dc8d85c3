// @ts-check
/* core-api.js — the one module that owns the wasm heap (house style §15–17).
 *
 * A classic script, not an ES module: the worker loads it with importScripts()
 * next to the Emscripten glue (which also works from a Blob worker under
 * file://), and Node tests load it with require(). It defines
 * `SupervoxCoreAPI = { Core, CoreError }`.
 *
 * Rules kept here:
 * - only this file calls _svw_malloc/_sv_free; every temporary is freed in `finally`;
 * - heap views (u8, f64) are re-read after every call that may grow memory; in the
 *   threaded build a pool thread may grow it, which the glue's HEAPU8 does not see,
 *   so they come from the memory's current buffer (see heap());
 * - results leave the heap with .slice() (a copy the caller may transfer);
 * - pointers and sizes come back as signed i32: always `>>> 0`.
 */
(function (root) {
  'use strict';

  /** An error with the core's status name as `code` (e.g. "SV_EFORMAT"). */
  class CoreError extends Error {
    /** @param {string} code @param {string} message */
    constructor(code, message) {
      super(message);
      this.name = 'CoreError';
      this.code = code;
    }
  }

  /**
   * @typedef {object} VolumeInfo
   * @property {number[]} dims [nx, ny, nz]
   * @property {number} frames
   * @property {number[]} spacing mm
   * @property {string} datatype "uint8", "int16", ...
   * @property {number} scl_slope
   * @property {number} scl_inter
   * @property {number[][]} affine 4x4 voxel -> world (RAS+ mm), row-major
   * @property {string} affine_source "sform" | "qform" | "spacing"
   * @property {{min:number,max:number,mean:number,sum:number,sumsq:number,wsum:number}} [stats]
   */

  class Core {
    /** @param {any} M an instantiated Emscripten module */
    constructor(M) {
      this.M = M;
      /** @type {Map<number, number>} layer -> its mesher */
      this._meshers = new Map();
      /** @type {ArrayBufferLike | null} */
      this._buf = null;
      /** @type {Uint8Array | null} */
      this._u8 = null;
      /** @type {Float64Array | null} */
      this._f64 = null;
    }

    /**
     * Stop the threaded build's pool threads (Node: they keep the process
     * alive). The core is unusable afterwards. Nothing to do for the
     * single-threaded build.
     */
    dispose() {
      if (this.M.PThread) this.M.PThread.terminateAllThreads();
    }

    /**
     * Instantiate the wasm module and wrap it.
     * @param {(opts: object) => Promise<any>} factory the glue's SupervoxCore
     * @param {object} [options] passed to the factory (locateFile, wasmBinary)
     */
    static async create(factory, options = {}) {
      return new Core(await factory(options));
    }

    /** The heap's current buffer (a pool thread of the threaded build may have grown it). @private */
    heap() {
      const M = this.M;
      const buf = M.wasmMemory ? M.wasmMemory.buffer : M.HEAPU8.buffer;
      if (buf !== this._buf) {
        this._buf = buf;
        this._u8 = new Uint8Array(buf);
        this._f64 = new Float64Array(buf);
      }
    }

    /** The heap as bytes, re-derived now: never keep it across a core call. @returns {Uint8Array} */
    get u8() {
      this.heap();
      return /** @type {Uint8Array} */ (this._u8);
    }

    /** The heap as float64. @returns {Float64Array} */
    get f64() {
      this.heap();
      return /** @type {Float64Array} */ (this._f64);
    }

    /**
     * Which core runs: threads in use and whether the build has them.
     * @returns {{threads: number, threaded: boolean}}
     */
    threads() {
      const M = this.M;
      return { threads: M._sv_threads(), threaded: M._sv_threads_built() === 1 };
    }

    /** Use n threads (0 = one per core; 1 = serial). Returns the number now in use. @param {number} n */
    setThreads(n) {
      return this.M._sv_set_threads(n >>> 0);
    }

    /** The last failure as a CoreError. @param {string} [fallback] */
    lastError(fallback = 'the core failed') {
      const M = this.M;
      const code = M.UTF8ToString(M._sv_status_name(M._svw_last_status()) >>> 0);
      const msg = M.UTF8ToString(M._sv_last_error() >>> 0);
      return new CoreError(code, msg || fallback);
    }

    /** Copy bytes into a fresh heap buffer. Caller frees. @param {Uint8Array} bytes */
    copyIn(bytes) {
      const p = this.M._svw_malloc(bytes.length) >>> 0;
      if (!p) throw new CoreError('SV_ENOMEM', `out of memory: cannot hold ${bytes.length} bytes in the core`);
      this.u8.set(bytes, p);
      return p;
    }

    /**
     * Parse a NIfTI file (.nii or .nii.gz) into a resident volume.
     * @param {Uint8Array} bytes the file
     * @param {{onProgress?: (fraction: number) => void, stepBytes?: number}} [opts]
     * @returns {number} the volume's handle (free with freeVolume)
     */
    openNifti(bytes, opts = {}) {
      const M = this.M;
      const step = opts.stepBytes || 8 << 20;
      const buf = this.copyIn(bytes);
      try {
        const r = M._svw_nifti_open(buf, bytes.length) >>> 0;
        if (!r) throw this.lastError();
        while (!M._sv_nifti_reader_done(r)) {
          if (M._svw_nifti_step(r, step) !== 0) break;
          if (opts.onProgress) opts.onProgress(M._sv_nifti_reader_progress(r));
        }
        const v = M._svw_nifti_finish(r) >>> 0;
        if (!v) throw this.lastError();
        return v;
      } finally {
        M._sv_free(buf);
      }
    }

    /**
     * The volume's description (see sv_volume_info_json).
     * @param {number} v handle @param {boolean} [withStats]
     * @returns {VolumeInfo}
     */
    info(v, withStats = false) {
      const M = this.M;
      const p = M._svw_volume_info(v, withStats ? 1 : 0) >>> 0;
      if (!p) throw this.lastError();
      try {
        return JSON.parse(M.UTF8ToString(p));
      } finally {
        M._sv_free(p);
      }
    }

    /** A copy of the stored voxel data (host order, stored type). @param {number} v */
    volumeData(v) {
      const M = this.M;
      const p = M._svw_volume_data(v) >>> 0;
      const n = M._svw_volume_bytes(v) >>> 0;
      return this.u8.slice(p, p + n).buffer;
    }

    /**
     * Min, max, mean, a 256-bin histogram over [min, max] and percentiles of the
     * scaled values, from one pass (see sv_volume_summarize).
     * @param {number} v handle @param {number[]} pcts each 0..100
     * @returns {{min: number, max: number, mean: number, hist: Uint32Array, percentiles: number[]}}
     */
    summarize(v, pcts) {
      const M = this.M;
      const n = pcts.length;
      const size = M._svw_summary_bytes();
      const pin = M._svw_malloc(8 * n) >>> 0;
      const pout = M._svw_malloc(8 * n) >>> 0;
      const sum = M._svw_malloc(size) >>> 0;
      try {
        if (!pin || !pout || !sum) throw new CoreError('SV_ENOMEM', 'out of memory');
        this.f64.set(pcts, pin / 8);
        if (M._svw_volume_summarize(v, pin, n, pout, sum) !== 0) throw this.lastError();
        const f = this.f64.subarray(sum / 8, sum / 8 + 3);
        return {
          min: f[0],
          max: f[1],
          mean: f[2],
          hist: new Uint32Array(this.u8.slice(sum + 24, sum + size).buffer),
          percentiles: Array.from(this.f64.subarray(pout / 8, pout / 8 + n)),
        };
      } finally {
        M._sv_free(pin);
        M._sv_free(pout);
        M._sv_free(sum);
      }
    }

    /**
     * Encode a volume as NIfTI-1.
     * @param {number} v handle @param {number} gzipLevel 0 = .nii, 1..9 = .nii.gz
     * @returns {ArrayBuffer} the file
     */
    writeNifti(v, gzipLevel) {
      const M = this.M;
      const p = M._svw_nifti_write(v, gzipLevel) >>> 0;
      if (!p) throw this.lastError();
      try {
        const n = M._svw_last_len() >>> 0;
        return this.u8.slice(p, p + n).buffer;
      } finally {
        M._sv_free(p);
      }
    }

    /**
     * Encode 8-bit pixels as a PNG.
     * @param {Uint8Array | Uint8ClampedArray} pixels rows top first, tightly packed
     * @param {number} width @param {number} height @param {number} channels 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
     * @returns {ArrayBuffer} the file
     */
    encodePng(pixels, width, height, channels) {
      const M = this.M;
      if (pixels.length !== width * height * channels) {
        throw new CoreError('SV_EINVAL', `${pixels.length} bytes do not make a ${width}x${height}x${channels} image`);
      }
      const src = this.copyIn(pixels instanceof Uint8Array ? pixels : new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.length));
      try {
        const p = M._svw_png_write(src, width, height, channels) >>> 0;
        if (!p) throw this.lastError();
        try {
          return this.u8.slice(p, p + (M._svw_last_len() >>> 0)).buffer;
        } finally {
          M._sv_free(p);
        }
      } finally {
        M._sv_free(src);
      }
    }

    /**
     * Decode a greyscale PNG (8- or 16-bit, values exact).
     * @param {Uint8Array} bytes the file
     * @returns {{width: number, height: number, bitDepth: number, pixels: Uint8Array | Uint16Array}}
     */
    decodePng(bytes) {
      const M = this.M;
      const src = this.copyIn(bytes);
      try {
        const img = M._svw_png_read(src, bytes.length) >>> 0;
        if (!img) throw this.lastError();
        try {
          const width = M._svw_png_width(img);
          const height = M._svw_png_height(img);
          const bitDepth = M._svw_png_depth(img);
          const p = M._svw_png_pixels(img) >>> 0;
          const n = width * height * (bitDepth === 16 ? 2 : 1);
          const copy = this.u8.slice(p, p + n).buffer;
          return { width, height, bitDepth, pixels: bitDepth === 16 ? new Uint16Array(copy) : new Uint8Array(copy) };
        } finally {
          M._sv_png_image_free(img);
        }
      } finally {
        M._sv_free(src);
      }
    }

    /** Parse and free a JSON string the core returned. @param {number} p */
    takeJson(p) {
      const M = this.M;
      if (!p) throw this.lastError();
      try {
        return JSON.parse(M.UTF8ToString(p));
      } finally {
        M._sv_free(p);
      }
    }

    /**
     * Copy named files into a heap file set (svw_files_create). The set owns the
     * copies; free it with _svw_files_free(set, files.length).
     * @param {{name: string, bytes: Uint8Array}[]} files
     * @returns {number} the set
     */
    copyFilesIn(files) {
      const M = this.M;
      const set = M._svw_files_create(files.length) >>> 0;
      if (!set) throw this.lastError();
      const enc = new TextEncoder();
      try {
        files.forEach((f, i) => {
          const name = this.copyIn(enc.encode(`${f.name}\0`));
          let bytes;
          try {
            bytes = this.copyIn(f.bytes);
          } catch (e) {
            M._sv_free(name);
            throw e;
          }
          M._svw_files_set(set, i, name, bytes, f.bytes.length);
        });
      } catch (e) {
        M._svw_files_free(set, files.length);
        throw e;
      }
      return set;
    }

    /**
     * @typedef {object} DicomScan
     * @property {number} handle the core's scan
     * @property {number} set the files it borrows (stay in the core until closeDicom)
     * @property {number} n
     * @property {{index: number, uid: string, description: string, number: number | null, modality: string,
     *   files: number, rows: number, cols: number, buildable: boolean, warning: string}[]} series
     * @property {{file: string, status: string, reason: string}[]} skipped files that are not usable images, and why
     */

    /**
     * Scan files (a dropped folder) for DICOM series. Close with closeDicom.
     * @param {{name: string, bytes: Uint8Array}[]} files
     * @returns {DicomScan}
     */
    openDicom(files) {
      const M = this.M;
      const set = this.copyFilesIn(files);
      const scan = M._svw_dicom_scan(set, files.length) >>> 0;
      if (!scan) {
        const e = this.lastError();
        M._svw_files_free(set, files.length);
        throw e;
      }
      try {
        const { series, skipped } = this.takeJson(M._svw_dicom_scan_json(scan) >>> 0);
        return { handle: scan, set, n: files.length, series, skipped };
      } catch (e) {
        M._sv_dicom_scan_free(scan);
        M._svw_files_free(set, files.length);
        throw e;
      }
    }

    /**
     * Build one series of a scan as a resident volume.
     * @param {DicomScan} dicom @param {number} index into dicom.series
     * @returns {number} the volume's handle (free with freeVolume)
     */
    readDicomSeries(dicom, index) {
      const v = this.M._svw_dicom_read(dicom.handle, index) >>> 0;
      if (!v) throw this.lastError();
      return v;
    }

    /**
     * A series' patient and study metadata, for display only (never exported).
     * @param {DicomScan} dicom @param {number} index
     * @returns {Record<string, string | number | null>}
     */
    dicomMetadata(dicom, index) {
      return this.takeJson(this.M._svw_dicom_metadata_json(dicom.handle, index) >>> 0);
    }

    /** Free a scan and its files. @param {DicomScan} dicom */
    closeDicom(dicom) {
      this.M._sv_dicom_scan_free(dicom.handle);
      this.M._svw_files_free(dicom.set, dicom.n);
    }

    /**
     * A volume from PNG slices (8/16-bit grey), stacked in natural name order.
     * @param {{name: string, bytes: Uint8Array}[]} files
     * @param {{spacing?: number[], slope?: number, intercept?: number}} [opts] mm; value = stored * slope + intercept
     * @returns {number} the volume's handle (free with freeVolume)
     */
    openPngStack(files, opts = {}) {
      const M = this.M;
      const [sx, sy, sz] = opts.spacing || [1, 1, 1];
      const set = this.copyFilesIn(files);
      try {
        const v = M._svw_png_stack(set, files.length, sx, sy, sz, opts.slope ?? 1, opts.intercept ?? 0) >>> 0;
        if (!v) throw this.lastError();
        return v;
      } finally {
        M._svw_files_free(set, files.length);
      }
    }

    /**
     * Supervoxels of an image with their index and graph, ready for strokes.
     * threshold: voxels below it are background; null or undefined: none; 'auto': the
     * image's lowest value if at least 5% of its voxels hold it (sv_auto_threshold).
     * background: the threshold used (null: none) and the voxels it made background.
     * @param {number} v image handle
     * @param {{count?: number, sizeMm?: number, compactness?: number, threshold?: number | null | 'auto'}} p
     * @param {(fraction: number) => void} [onProgress]
     * @returns {{seg: number, count: number, background: {threshold: number | null, voxels: number}}} free with freeSegmenter
     */
    createSegmenter(v, p, onProgress) {
      const M = this.M;
      M.onProgress = onProgress || null;
      try {
        let thr = p.threshold === undefined || p.threshold === null ? -Infinity : p.threshold;
        if (thr === 'auto') {
          thr = M._svw_auto_threshold(v);
          if (Number.isNaN(thr)) throw this.lastError();
        }
        // the count crosses into wasm as an int32: one beyond it would wrap around
        if (p.count && !(Number.isInteger(p.count) && p.count > 0 && p.count <= 0x7fffffff))
          throw new Error(`the supervoxel count must be a whole number from 1 to 2147483647 (got ${p.count})`);
        const seg = M._svw_segmenter_create(v, p.count || 0, p.sizeMm || 0, p.compactness || 0.1, thr) >>> 0;
        if (!seg) throw this.lastError();
        const count = M._svw_last_len() >>> 0;
        return { seg, count, background: { threshold: thr === -Infinity ? null : thr, voxels: M._svw_segmenter_background(seg) } };
      } finally {
        M.onProgress = null;
      }
    }

    /** A copy of a segmenter's supervoxel map. @param {number} seg @param {number} nvox @returns {Uint32Array} */
    segmenterLabels(seg, nvox) {
      const p = this.M._svw_segmenter_labels(seg) >>> 0;
      return new Uint32Array(this.u8.slice(p, p + 4 * nvox).buffer);
    }

    /**
     * The coarser levels' merge maps (fine id -> group id), level 1 and 2.
     * @param {number} seg @returns {{groups: number[], maps: (Uint32Array | null)[]}}
     */
    segmenterLevels(seg) {
      const M = this.M;
      const groups = [0, 1, 2].map((l) => M._svw_segmenter_level_groups(seg, l));
      const maps = [0, 1, 2].map((l) => {
        const p = M._svw_segmenter_level_map(seg, l) >>> 0;
        return p ? new Uint32Array(this.u8.slice(p, p + 4 * (groups[0] + 1)).buffer) : null;
      });
      return { groups, maps };
    }

    /** Bytes a segmenter keeps resident (map, index, graph). @param {number} seg */
    segmenterBytes(seg) {
      return this.M._svw_segmenter_bytes(seg);
    }

    /** @param {number} seg */
    freeSegmenter(seg) {
      this.M._svw_segmenter_free(seg);
    }

    /**
     * Apply one stroke in the format of docs/design.md ("Strokes") to a layer,
     * as one undo step.
     * @param {number} layer @param {number} seg
     * @param {{axis: number, label: number, mode?: string, width?: number, points: number[][], only_unlabelled?: boolean}} st
     * @param {number} [level] granularity: 0 fine (default), 1 (1/4 of the count), 2 (1/16)
     * @returns {Edit}
     */
    propagate(layer, seg, st, level = 0) {
      return this.withStroke(st, level, (mode, p) => {
        const e = this.M._svw_propagate(this.history, layer, seg, level, st.axis, st.label, mode, st.width || 1, p, st.points.length, st.only_unlabelled ? 1 : 0);
        if (!e) throw this.lastError();
        return this.readEdit(e);
      });
    }

    /**
     * Check a stroke's mode and level, put its points in the heap, and call fn(mode code, points pointer).
     * @template T
     * @param {{mode?: string, points: number[][]}} st @param {number} level
     * @param {(mode: number, p: number) => T} fn @returns {T}
     */
    withStroke(st, level, fn) {
      const M = this.M;
      const modes = { paint: 0, touch: 1, brush: 2, erase: 3 };
      const mode = /** @type {any} */ (modes)[st.mode || 'paint'];
      if (mode === undefined) throw new CoreError('SV_EINVAL', `unknown stroke mode "${st.mode}"`);
      if (![0, 1, 2].includes(level)) throw new CoreError('SV_EINVAL', `granularity level ${level} is not 0, 1 or 2`);
      const flat = st.points.flat();
      const p = M._svw_malloc(8 * Math.max(1, flat.length)) >>> 0;
      if (!p) throw new CoreError('SV_ENOMEM', 'out of memory');
      try {
        this.f64.set(flat, p / 8);
        return fn(mode, p);
      } finally {
        M._sv_free(p);
      }
    }

    /**
     * What propagate() would set with the same stroke, changing nothing: 1 per fine supervoxel
     * (index = supervoxel id, 0 = background) whose voxels the stroke would set.
     * @param {number} layer @param {number} seg
     * @param {{axis: number, label: number, mode?: string, width?: number, points: number[][]}} st
     * @param {number | undefined} level granularity, as propagate's (undefined: 0)
     * @param {number} count the segmenter's supervoxel count
     * @returns {Uint8Array} count + 1 entries
     */
    previewStroke(layer, seg, st, level, count) {
      const lv = level || 0;
      return this.withStroke(st, lv, (mode, p) => {
        const r = this.M._svw_preview(layer, seg, lv, st.axis, st.label, mode, st.width || 1, p, st.points.length) >>> 0;
        if (!r) throw this.lastError();
        return this.u8.slice(r, r + count + 1);
      });
    }

    /** Free a resident volume. @param {number} v */
    freeVolume(v) {
      this.M._sv_volume_free(v);
    }

    // --- label layers and edits ---------------------------------------------

    /** The undo history shared by every tool (created on first use, 256 MB cap). */
    get history() {
      if (!this._history) {
        this._history = this.M._svw_history_create(256) >>> 0;
        if (!this._history) throw this.lastError();
      }
      return this._history;
    }

    /** An empty label map on the image's grid. @param {number} image @returns {number} */
    createLayer(image) {
      const l = this.M._svw_layer_create(image) >>> 0;
      if (!l) throw this.lastError();
      return l;
    }

    /**
     * A label map from a segmentation file, on the image's grid: the file's grid
     * must be the image's up to axis order and direction (e.g. stored LAS onto an
     * LPS-derived image); its voxels are moved there, never resampled. Another
     * grid is refused with SV_EINVAL saying how they differ.
     * @param {number} image @param {Uint8Array} bytes @returns {number}
     */
    importLayer(image, bytes) {
      const buf = this.copyIn(bytes);
      try {
        const l = this.M._svw_layer_import(image, buf, bytes.length) >>> 0;
        if (!l) throw this.lastError();
        return l;
      } finally {
        this.M._sv_free(buf);
      }
    }

    /** A layer on the image's grid holding a copy of data (nvox bytes). @param {number} image @param {Uint8Array} data */
    layerFromData(image, data) {
      const l = this.createLayer(image);
      const p = this.M._svw_volume_data(l) >>> 0;
      this.u8.set(data, p);
      return l;
    }

    /** Free a layer, its mesher and the undo steps that refer to it. @param {number} layer */
    deleteLayer(layer) {
      const m = this._meshers.get(layer);
      if (m) this.M._sv_mesher_free(m);
      this._meshers.delete(layer);
      if (this._history) this.M._sv_history_forget(this._history, layer);
      this.M._sv_volume_free(layer);
    }

    // --- surfaces -------------------------------------------------------------

    /**
     * @typedef {{label: number, positions: Float32Array, normals: Float32Array, indices: Uint32Array}} MeshData
     */

    /**
     * Surfaces of a layer's labels from its block-cached mesher (made on first
     * use). boxes: the edits' changed boxes since the last call, or null for
     * everything. Returns the labels whose surface changed (an empty mesh for
     * a label no longer present); with boxes null, every label present.
     * @param {number} layer @param {number[][][] | null} boxes [[lo, hi], ...]
     * @param {{smooth?: number, labels?: number[], raw?: number[], onProgress?: (f: number) => void}} [opts]
     *   smooth: Taubin passes (-1 the core's default); labels: exactly these, changed or not;
     *   raw: these without smoothing
     * @returns {MeshData[]}
     */
    meshLayer(layer, boxes, opts = {}) {
      const M = this.M;
      let m = this._meshers.get(layer);
      let all = boxes === null;
      if (!m) {
        m = M._svw_mesher_create(layer) >>> 0;
        if (!m) throw this.lastError();
        this._meshers.set(layer, m);
        all = true;
      }
      if (boxes) for (const [lo, hi] of boxes) M._svw_mesher_invalidate(m, lo[0], lo[1], lo[2], hi[0], hi[1], hi[2]);
      if (all && boxes === null) M._sv_mesher_invalidate_all(m);
      const fp = M._svw_mesher_labels(m, all ? 0 : 1) >>> 0;
      const flags = this.u8.slice(fp, fp + 256);
      const want = opts.labels ? new Set(opts.labels) : null;
      const list = [];
      // labels asked for by name are built whether they changed or not (e.g. to smooth them)
      for (let L = 1; L < 256; L++) if (want ? want.has(L) : flags[L]) list.push(L);
      /** @type {MeshData[]} */
      const out = [];
      // progress over all labels: label i of n covers [i/n, (i+1)/n)
      let done = 0;
      M.onProgress = opts.onProgress ? (/** @type {number} */ f) => opts.onProgress?.((done + f) / Math.max(1, list.length)) : null;
      try {
        for (const L of list) {
          const p = M._svw_mesher_build(m, L, opts.raw && opts.raw.includes(L) ? 0 : opts.smooth ?? -1, 0) >>> 0;
          if (!p) throw this.lastError();
          try {
            const nv = M._svw_mesh_nvert(p), nt = M._svw_mesh_ntri(p);
            const pos = M._svw_mesh_pos(p) >>> 0, nrm = M._svw_mesh_normal(p) >>> 0, tri = M._svw_mesh_tri(p) >>> 0;
            out.push({
              label: L,
              positions: new Float32Array(this.u8.slice(pos, pos + nv * 12).buffer),
              normals: new Float32Array(this.u8.slice(nrm, nrm + nv * 12).buffer),
              indices: new Uint32Array(this.u8.slice(tri, tri + nt * 12).buffer),
            });
          } finally {
            M._sv_mesh_free(p);
          }
          done++;
        }
      } finally {
        M.onProgress = null;
      }
      return out;
    }

    /**
     * STL (binary) or OBJ of some labels' surfaces from a layer's mesher.
     * @param {number} layer @param {number[]} labels @param {'stl' | 'obj'} format @param {number} smooth Taubin passes (-1 default)
     * @returns {ArrayBuffer}
     */
    exportMeshes(layer, labels, format, smooth) {
      const M = this.M;
      if (!this._meshers.get(layer)) this.meshLayer(layer, null, { labels: [] });
      const m = /** @type {number} */ (this._meshers.get(layer));
      const meshes = [];
      const arr = M._svw_malloc(Math.max(1, labels.length) * 8) >>> 0;
      if (!arr) throw new CoreError('SV_ENOMEM', 'out of memory for the export');
      try {
        for (const L of labels) {
          const p = M._svw_mesher_build(m, L, smooth, 0) >>> 0;
          if (!p) throw this.lastError();
          meshes.push(p);
        }
        const ptrs = new Uint32Array(this.u8.buffer, arr, labels.length * 2); // the meshes, then the labels (int32)
        meshes.forEach((p, i) => {
          ptrs[i] = p;
          ptrs[labels.length + i] = labels[i];
        });
        const out = M._svw_mesh_write(arr, arr + labels.length * 4, labels.length, format === 'obj' ? 1 : 0) >>> 0;
        if (!out) throw this.lastError();
        try {
          return this.u8.slice(out, out + (M._svw_last_len() >>> 0)).buffer;
        } finally {
          M._sv_free(out);
        }
      } finally {
        for (const p of meshes) M._sv_mesh_free(p);
        M._sv_free(arr);
      }
    }

    /**
     * @typedef {{changed: number, lo: number[], hi: number[]}} Edit  voxels changed and their box [lo, hi)
     */

    /** @private @param {number} p pointer to 7 int32 @returns {Edit} */
    readEdit(p) {
      const a = new Int32Array(this.u8.buffer, p >>> 0, 7);
      return { changed: a[0], lo: [a[1], a[2], a[3]], hi: [a[4], a[5], a[6]] };
    }

    /** Start a stroke (one undo step) on a layer. @param {number} layer */
    beginStroke(layer) {
      if (this.M._svw_history_begin(this.history, layer) !== 0) throw this.lastError();
    }

    /**
     * One segment of the open stroke.
     * @param {{axis: number, radiusMm: number, value: number, erase?: boolean, onlyUnlabelled?: boolean}} b
     * @param {number[]} p0 voxel coordinates [i, j, k] @param {number[]} p1
     * @returns {Edit}
     */
    brushSegment(b, p0, p1) {
      const p = this.M._svw_brush(this.history, b.axis, b.radiusMm, b.value, b.erase ? 1 : 0, b.onlyUnlabelled ? 1 : 0, p0[0], p0[1], p0[2], p1[0], p1[1], p1[2]);
      if (!p) throw this.lastError();
      return this.readEdit(p);
    }

    /** Close the open stroke. @returns {Edit} everything it changed */
    endStroke() {
      const p = this.M._svw_history_end(this.history);
      if (!p) throw this.lastError();
      return this.readEdit(p);
    }

    /**
     * Undo (or redo) the newest step.
     * @param {boolean} redo @returns {{layer: number, edit: Edit} | null} null if there was nothing to do
     */
    undoRedo(redo) {
      const M = this.M;
      const layer = M._svw_history_move(this.history, redo ? 1 : 0) >>> 0;
      if (M._svw_last_status() !== 0) throw this.lastError();
      if (!layer) return null;
      return { layer, edit: this.readEdit(M._svw_edit()) };
    }

    /** @returns {{undo: number, redo: number}} */
    historyCounts() {
      return { undo: this.M._sv_history_undo_count(this.history), redo: this.M._sv_history_redo_count(this.history) };
    }

    /**
     * A copy of a box of a uint8 volume, i fastest.
     * @param {number} v @param {number[]} dims @param {number[]} lo @param {number[]} hi
     * @returns {Uint8Array}
     */
    boxData(v, dims, lo, hi) {
      const M = this.M;
      const base = M._svw_volume_data(v) >>> 0;
      const [nx, ny] = dims;
      const w = hi[0] - lo[0];
      const out = new Uint8Array(Math.max(0, w * (hi[1] - lo[1]) * (hi[2] - lo[2])));
      let o = 0;
      for (let k = lo[2]; k < hi[2]; k++) {
        for (let j = lo[1]; j < hi[1]; j++) {
          const s = base + lo[0] + nx * (j + ny * k);
          out.set(this.u8.subarray(s, s + w), o);
          o += w;
        }
      }
      return out;
    }
  }

  const api = { Core, CoreError };
  // @ts-ignore — classic script: publish on the global and, under Node, as a module
  root.SupervoxCoreAPI = api;
  // @ts-ignore
  if (typeof module === 'object' && module.exports) module.exports = api;
})(typeof self !== 'undefined' ? self : globalThis);
