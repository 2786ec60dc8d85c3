// @ts-check
/* meshes.js — keeps the 3D view's surfaces in step with the active layer.
 *
 * Every edit's changed box is collected; one re-mesh at a time runs in the
 * worker, which re-meshes only the blocks those boxes touch (the core caches
 * the rest) and sends back the surfaces of the labels whose blocks changed.
 * A re-mesh starts once edits pause for DEBOUNCE_MS (the worker is serial: a
 * re-mesh in the middle of a brush stroke would delay its next segment), and
 * edits that arrive while one runs are gathered into the next, so drawing
 * never waits for the 3D view and the view never falls far behind. Big
 * surfaces are re-meshed raw while editing (smoothing is global to a label: a
 * cortex takes ~150 ms to smooth, its raw blocks ~20 ms) and smoothed once the
 * edits pause for SMOOTH_AFTER_MS; small ones are smoothed at once.
 */

const DEBOUNCE_MS = 120;
/** Edits re-mesh raw (tens of ms even for a whole cortex); the smoothing follows once edits pause this long. */
const SMOOTH_AFTER_MS = 600;
/** Surfaces of at least this many triangles are re-meshed raw while editing (smaller ones smooth in a few ms). */
const RAW_FIRST_TRIANGLES = 100000;

/**
 * @typedef {object} MeshTarget
 * @property {(m: import('../views/view3d.js').Mesh3D) => void} setMesh
 * @property {(label: number) => void} removeMesh
 * @property {() => void} reset
 * @property {(label: number) => number} [triangleCount] triangles of a label's surface on screen
 */

export class MeshSync {
  /**
   * @param {import('./session.js').Session} session
   * @param {MeshTarget} target
   * @param {(message: string) => void} onError
   */
  constructor(session, target, onError, onProgress = () => {}) {
    this.session = session;
    this.target = target;
    this.onError = onError;
    /** @type {(fraction: number | null) => void} progress of a whole-layer mesh (null: done) */
    this.onProgress = onProgress;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    this.smooth = true;
    /** @type {number[][][]} boxes [lo, hi) changed since the last re-mesh */
    this.dirty = [];
    /** the whole layer must be (re)meshed: a new layer, a new volume, smoothing switched */
    this.full = true;
    this.running = false;
    /** @type {number | null} the layer whose surfaces are shown */
    this.layerId = null;
    /** @type {Set<number>} labels with a surface on screen */
    this.shown = new Set();
    /** resolves when the surfaces match the layer (tests wait on it) */
    this.idle = Promise.resolve();
    /** @type {(() => void) | null} */
    this.resolveIdle = null;
    /** milliseconds of the last re-mesh in the worker */
    this.lastMs = 0;
    /** @type {Set<number>} labels shown raw, to smooth when edits pause */
    this.rough = new Set();
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.smoothTimer = null;
    session.on('volume', () => {
      this.shown.clear();
      this.full = true;
      this.dirty = [];
      target.reset();
      this.schedule();
    });
    session.on('layers', () => {
      if (session.layer && session.layer.id !== this.layerId) {
        this.full = true;
        this.dirty = [];
        this.schedule();
      }
    });
    session.on('edit', (/** @type {{layer: number, lo: number[], hi: number[]}} */ e) => {
      if (!session.layer || e.layer !== session.layer.id) return;
      if (e.hi.some((h, a) => h <= e.lo[a])) return; // nothing changed
      this.dirty.push([e.lo, e.hi]);
      this.schedule();
    });
  }

  /** @param {boolean} on */
  setSmooth(on) {
    this.smooth = on;
    this.full = true;
    this.schedule();
  }

  schedule() {
    if (!this.resolveIdle) this.idle = new Promise((r) => (this.resolveIdle = r));
    if (this.smoothTimer) clearTimeout(this.smoothTimer);
    this.smoothTimer = null;
    if (this.running) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.running = true;
        this.run();
      },
      this.full ? 0 : DEBOUNCE_MS,
    );
  }

  async run() {
    try {
      while ((this.full || this.dirty.length) && this.session.volume && this.session.layer) {
        const layer = this.session.layer.id;
        const boxes = this.full || layer !== this.layerId ? null : this.dirty;
        this.full = false;
        this.dirty = [];
        await this.session.restored;
        const t0 = performance.now();
        const whole = boxes === null;
        if (whole) this.rough.clear();
        // big surfaces re-mesh raw while editing, small ones smoothed at once
        const raw = whole || !this.smooth ? [] : [...this.shown].filter((l) => (this.target.triangleCount?.(l) ?? 0) >= RAW_FIRST_TRIANGLES);
        const r = await this.session.bridge.call(
          'meshLayer',
          { layer, boxes, smooth: this.smooth ? -1 : 0, raw },
          whole ? { onProgress: (/** @type {string} */ _p, /** @type {number} */ f) => this.onProgress(f) } : {},
        );
        if (whole) this.onProgress(null);
        this.lastMs = r.ms ?? performance.now() - t0;
        if (!this.session.layer || this.session.layer.id !== layer) continue; // the layer changed meanwhile
        if (layer !== this.layerId || boxes === null) {
          // a whole layer: labels not in the answer have no surface
          const present = new Set(r.meshes.map((/** @type {{label: number}} */ m) => m.label));
          for (const l of this.shown) if (!present.has(l)) this.target.removeMesh(l);
          this.shown = new Set();
        }
        this.layerId = layer;
        for (const m of r.meshes) {
          this.target.setMesh(m);
          if (m.indices.length) this.shown.add(m.label);
          else this.shown.delete(m.label);
          if (raw.includes(m.label) && m.indices.length) this.rough.add(m.label);
          else this.rough.delete(m.label);
        }
      }
    } catch (e) {
      this.onProgress(null);
      this.onError(`The 3D surfaces could not be updated: ${/** @type {Error} */ (e).message}`);
    } finally {
      this.running = false;
      if (this.full || this.dirty.length) this.schedule();
      else if (this.rough.size && this.smooth) this.smoothTimer = setTimeout(() => this.smoothRough(), SMOOTH_AFTER_MS);
      else this.settle();
    }
  }

  /** Smooth the labels re-meshed raw, now that edits have paused. */
  async smoothRough() {
    this.smoothTimer = null;
    const layer = this.session.layer?.id;
    const labels = [...this.rough];
    if (!labels.length || layer !== this.layerId || this.running) return this.settle();
    this.running = true;
    try {
      await this.session.restored;
      const r = await this.session.bridge.call('meshLayer', { layer, boxes: [], smooth: -1, labels });
      // an edit meanwhile makes these stale: its raw re-mesh comes next and they are smoothed after it
      if (!this.full && !this.dirty.length && this.session.layer?.id === layer)
        for (const m of r.meshes) {
          this.target.setMesh(m);
          this.rough.delete(m.label);
        }
    } catch (e) {
      this.onError(`The 3D surfaces could not be smoothed: ${/** @type {Error} */ (e).message}`);
      this.rough.clear();
    } finally {
      this.running = false;
      if (this.full || this.dirty.length) this.schedule();
      else if (this.rough.size && this.smooth) this.smoothTimer = setTimeout(() => this.smoothRough(), SMOOTH_AFTER_MS);
      else this.settle();
    }
  }

  settle() {
    if (this.resolveIdle) {
      const r = this.resolveIdle;
      this.resolveIdle = null;
      r();
    }
  }
}
