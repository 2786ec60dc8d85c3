// @ts-check
/* slice-view.js — one orthogonal view: the slice drawn at voxel resolution on
 * a canvas that CSS scales to the panel with the voxels' true aspect ratio
 * (times the zoom, plus the pan), label layers blended over it, and a second
 * screen-resolution canvas for the crosshair and the brush outline.
 * Slices are drawn from the main thread's own copies of the voxels: no round
 * trip to the worker per slice.
 *
 * PERFORMANCE: a redraw is one pass over the slice's pixels (grey + one LUT
 * lookup per visible layer): ~1-2 ms for 256x256 with two layers.
 */
import { colorLookup } from '../state/labels.js';
import { sliceStrides, viewGeometry } from './orientation.js';
import { renderGreySlice } from './slice-render.js';

/**
 * @typedef {object} ViewHost  what a view asks of the app
 * @property {import('../state/session.js').Session} session
 * @property {() => {tool: string, radiusMm: number, erase: boolean, onlyUnlabelled: boolean, outline: boolean, overlayOpacity: number, convention: import('./orientation.js').Convention, space: boolean, strokeMode: string, boundaries: boolean, svComputing: boolean}} settings
 * @property {(stroke: {axis: number, mode: string, points: number[][], width: number}) => void} stroke a finished supervoxel stroke
 * @property {(stroke: {axis: number, mode: string, points: number[][], width: number}) => void} previewStroke a supervoxel stroke in progress: show what it would label
 * @property {() => void} redrawAll
 * @property {(view: SliceView, ijk: number[] | null) => void} hover
 * @property {(view: SliceView) => void} toggleMaximise
 * @property {(view: SliceView) => void} focus
 * @property {(message: string) => void} error
 */

/**
 * Views waiting to draw. The next animation frame draws them in turn while
 * it has spent under FRAME_BUDGET_MS (the first always), and the rest in the
 * frames after: all three views draw in one frame when each takes the usual
 * 1-3 ms, and a frame stays one short task when they are slow (the first
 * draws after supervoxels arrive, in V8's baseline tier: 10-23 ms each at
 * 256^3, which drew in one 48 ms task).
 * @type {Set<SliceView>}
 */
const waiting = new Set();
const FRAME_BUDGET_MS = 16;
let frameQueued = false;

function queueFrame() {
  if (frameQueued) return;
  frameQueued = true;
  requestAnimationFrame(() => {
    frameQueued = false;
    const t0 = performance.now();
    let drawn = 0;
    try {
      for (const v of waiting) {
        if (drawn && performance.now() - t0 > FRAME_BUDGET_MS) break;
        waiting.delete(v);
        drawn++;
        v.draw();
      }
    } finally {
      if (waiting.size) queueFrame(); // the rest, even if a draw threw
    }
  });
}

/** Some view has a redraw waiting for a frame (tests and benches wait for none). */
export function drawsPending() {
  return waiting.size > 0;
}

export class SliceView {
  /**
   * @param {HTMLElement} panel @param {import('./orientation.js').ViewName} name @param {ViewHost} host
   */
  constructor(panel, name, host) {
    this.panel = panel;
    this.name = name;
    this.host = host;
    this.session = host.session;
    panel.classList.add('view');
    panel.dataset.view = name;
    panel.tabIndex = -1;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'slice';
    this.canvas.dataset.view = name;
    this.overlay = document.createElement('canvas');
    this.overlay.className = 'overlay';
    this.title = document.createElement('span');
    this.title.className = 'view-title';
    this.title.textContent = name[0].toUpperCase() + name.slice(1);
    this.slider = document.createElement('input');
    this.slider.type = 'range';
    this.slider.className = 'slice-slider';
    this.slider.setAttribute('aria-label', `${name} slice`);
    this.sliceLabel = document.createElement('span');
    this.sliceLabel.className = 'slice-label';
    /** @type {Record<string, HTMLElement>} */
    this.letters = {};
    panel.append(this.canvas, this.overlay, this.title, this.slider, this.sliceLabel);
    for (const side of ['left', 'right', 'top', 'bottom']) {
      const el = document.createElement('span');
      el.className = `letter letter-${side}`;
      this.letters[side] = el;
      panel.appendChild(el);
    }
    this.ctx = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext('2d'));
    this.octx = /** @type {CanvasRenderingContext2D} */ (this.overlay.getContext('2d'));
    /** @type {import('./orientation.js').ViewGeometry | null} */
    this.geometry = null;
    /** @type {ImageData | null} */
    this.image = null;
    /**
     * The windowed grey slice last rendered, and what it shows: a redraw of
     * the same slice and window (labels, a stroke's preview, boundaries
     * changing) copies it instead of rendering again.
     * @type {{pixels: Uint8ClampedArray, data: unknown, geometry: unknown, slice: number, lo: number, hi: number} | null}
     */
    this.grey = null;
    /**
     * The slice's supervoxel ids (fine), and its boundary pixels at a
     * granularity, kept while the slice and the supervoxels stay: a stroke's
     * preview redraws every view each frame, and reading a 512x512x256 map
     * across its rows (stride 512 or 256K) cost more than the rest of a draw.
     * @type {{ids: Uint32Array, labels: unknown, geometry: unknown, slice: number, edge: Uint8Array | null, map: unknown} | null}
     */
    this.svCache = null;
    this.zoom = 1;
    this.pan = [0, 0];
    /** @type {{x: number, y: number} | null} mouse position in panel pixels */
    this.mouse = null;
    this.slider.addEventListener('input', () => this.setSlice(Number(this.slider.value)));
    this.bindPointer();
    new ResizeObserver(() => {
      this.layout();
      this.drawOverlay();
    }).observe(panel);
  }

  get slice() {
    return this.geometry ? this.session.cursor[this.geometry.sliceAxis] : 0;
  }

  /** Recompute the layout for the current volume and convention. */
  reset() {
    const v = this.session.volume;
    if (!v) return;
    const { info } = v;
    this.geometry = viewGeometry(this.name, info.affine, info.dims, info.spacing, this.host.settings().convention);
    this.canvas.width = this.geometry.h.n;
    this.canvas.height = this.geometry.v.n;
    this.image = this.ctx.createImageData(this.geometry.h.n, this.geometry.v.n);
    this.grey = this.svCache = null; // another image or layout: what was kept is not this view's any more
    for (const [side, el] of Object.entries(this.letters)) el.textContent = /** @type {any} */ (this.geometry.letters)[side];
    this.slider.min = '0';
    this.slider.max = String(info.dims[this.geometry.sliceAxis] - 1);
    this.resetZoom();
  }

  resetZoom() {
    this.zoom = 1;
    this.pan = [0, 0];
    this.layout();
    this.requestDraw();
  }

  /** Pixels per millimetre when the slice fits the panel (zoom 1). */
  fitScale() {
    const g = /** @type {import('./orientation.js').ViewGeometry} */ (this.geometry);
    const box = this.panel.getBoundingClientRect();
    const pad = 36; // room for the letters and the slider
    return Math.max(0.01, Math.min((box.width - pad) / (g.h.n * g.h.mm), (box.height - pad) / (g.v.n * g.v.mm)));
  }

  /** Size and place the canvases. */
  layout() {
    const g = this.geometry;
    if (!g) return;
    const box = this.panel.getBoundingClientRect();
    const s = this.fitScale() * this.zoom;
    const w = g.h.n * g.h.mm * s;
    const h = g.v.n * g.v.mm * s;
    this.rect = { left: (box.width - w) / 2 + this.pan[0], top: (box.height - h) / 2 + this.pan[1], width: w, height: h, pxPerMm: s };
    Object.assign(this.canvas.style, { width: `${w}px`, height: `${h}px`, left: `${this.rect.left}px`, top: `${this.rect.top}px` });
    const dpr = window.devicePixelRatio || 1;
    const ow = Math.max(1, Math.round(box.width * dpr));
    const oh = Math.max(1, Math.round(box.height * dpr));
    if (this.overlay.width !== ow || this.overlay.height !== oh) {
      // resizing a canvas reallocates it: only when the panel really changed size
      this.overlay.width = ow;
      this.overlay.height = oh;
      this.overlay.style.width = `${box.width}px`;
      this.overlay.style.height = `${box.height}px`;
    }
  }

  /** Continuous voxel coordinates under a panel point, on this view's slice. @param {number} x @param {number} y */
  voxelAt(x, y) {
    const g = /** @type {import('./orientation.js').ViewGeometry} */ (this.geometry);
    const r = /** @type {any} */ (this.rect);
    const col = ((x - r.left) / r.width) * g.h.n - 0.5;
    const row = ((y - r.top) / r.height) * g.v.n - 0.5;
    const ijk = this.session.cursor.slice();
    ijk[g.h.axis] = g.h.flip ? g.h.n - 1 - col : col;
    ijk[g.v.axis] = g.v.flip ? g.v.n - 1 - row : row;
    ijk[g.sliceAxis] = this.slice;
    return ijk;
  }

  /** Panel point of a voxel centre. @param {number[]} ijk */
  pointOf(ijk) {
    const g = /** @type {import('./orientation.js').ViewGeometry} */ (this.geometry);
    const r = /** @type {any} */ (this.rect);
    const col = g.h.flip ? g.h.n - 1 - ijk[g.h.axis] : ijk[g.h.axis];
    const row = g.v.flip ? g.v.n - 1 - ijk[g.v.axis] : ijk[g.v.axis];
    return [r.left + ((col + 0.5) / g.h.n) * r.width, r.top + ((row + 0.5) / g.v.n) * r.height];
  }

  /** Move to a slice (clamped). @param {number} s */
  setSlice(s) {
    if (!this.geometry) return;
    const c = this.session.cursor.slice();
    c[this.geometry.sliceAxis] = s;
    this.session.setCursor(c);
  }

  /** Coalesce redraws into the next animation frame (or the one after: see FRAME_BUDGET_MS). */
  requestDraw() {
    waiting.add(this);
    queueFrame();
  }

  /** Draw the slice, the label layers over it, then the crosshair. */
  draw() {
    const v = this.session.volume;
    const g = this.geometry;
    if (!v || !g || !this.image) return;
    const { info } = v;
    const win = this.session.window;
    const out = this.image.data;
    const gr = this.grey;
    if (gr && gr.data === v.data && gr.geometry === g && gr.slice === this.slice && gr.lo === win.lo && gr.hi === win.hi) {
      out.set(gr.pixels);
    } else {
      renderGreySlice({ data: v.data, dims: info.dims, geometry: g, slice: this.slice, slope: info.scl_slope, inter: info.scl_inter, lo: win.lo, hi: win.hi, out });
      const pixels = gr && gr.pixels.length === out.length ? gr.pixels : new Uint8ClampedArray(out.length);
      pixels.set(out);
      this.grey = { pixels, data: v.data, geometry: g, slice: this.slice, lo: win.lo, hi: win.hi };
    }
    const s = this.host.settings();
    const { start, dh, dv } = sliceStrides(g, info.dims, this.slice);
    const w = g.h.n;
    const h = g.v.n;
    for (const layer of this.session.layers) {
      if (!layer.visible) continue;
      const lut = colorLookup(this.session.labels, s.overlayOpacity * layer.opacity);
      const d = layer.data;
      let o = 0;
      for (let row = 0; row < h; row++) {
        let idx = start + row * dv;
        for (let col = 0; col < w; col++, idx += dh, o += 4) {
          const l = d[idx];
          if (!l) continue;
          if (s.outline) {
            // an outline pixel has a 4-neighbour in the slice with another value (or the edge)
            const inner = col > 0 && col < w - 1 && row > 0 && row < h - 1 && d[idx - dh] === l && d[idx + dh] === l && d[idx - dv] === l && d[idx + dv] === l;
            if (inner) continue;
          }
          const a = lut[l * 4 + 3] / 255;
          if (a === 0) continue;
          out[o] += (lut[l * 4] - out[o]) * a;
          out[o + 1] += (lut[l * 4 + 1] - out[o + 1]) * a;
          out[o + 2] += (lut[l * 4 + 2] - out[o + 2]) * a;
        }
      }
    }
    this.drawSupervoxels(out, start, dh, dv, w, h, s.boundaries);
    this.ctx.putImageData(this.image, 0, 0);
    this.canvas.dataset.slice = String(this.slice);
    this.canvas.dataset.window = `${win.lo},${win.hi}`;
    this.slider.value = String(this.slice);
    this.sliceLabel.textContent = `${this.slice + 1} / ${info.dims[g.sliceAxis]}`;
    this.drawOverlay();
  }

  /**
   * Supervoxel boundaries (yellow) and the supervoxels a stroke in progress
   * touches or would label (cyan), blended over the slice.
   * @param {Uint8ClampedArray} out @param {number} start @param {number} dh @param {number} dv
   * @param {number} w @param {number} h @param {boolean} boundaries
   */
  drawSupervoxels(out, start, dh, dv, w, h, boundaries) {
    const sv = this.session.supervoxels;
    const hl = this.session.highlight;
    const pv = this.session.preview; // per fine id: what the stroke in progress would label
    const any = (hl && hl.some((x) => x)) || !!pv;
    if (!sv) this.svCache = null; // not to hold an earlier image's map
    if (!sv || (!boundaries && !any)) return;
    const L = sv.labels;
    const map = this.session.levelMap; // boundaries and highlight at the chosen granularity
    let c = this.svCache;
    if (!c || c.labels !== L || c.geometry !== this.geometry || c.slice !== this.slice || c.ids.length !== w * h) {
      const ids = c && c.ids.length === w * h ? c.ids : new Uint32Array(w * h);
      let p = 0;
      for (let row = 0; row < h; row++) for (let col = 0, idx = start + row * dv; col < w; col++, idx += dh) ids[p++] = L[idx];
      c = this.svCache = { ids, labels: L, geometry: this.geometry, slice: this.slice, edge: null, map: null };
    }
    const ids = c.ids;
    if (boundaries && (!c.edge || c.map !== map)) {
      // a pixel is on a boundary if its right or lower neighbour is another supervoxel (group)
      const edge = c.edge || new Uint8Array(w * h);
      for (let row = 0, p = 0; row < h; row++)
        for (let col = 0; col < w; col++, p++) {
          const id = map ? map[ids[p]] : ids[p];
          edge[p] = (col < w - 1 && (map ? map[ids[p + 1]] : ids[p + 1]) !== id) || (row < h - 1 && (map ? map[ids[p + w]] : ids[p + w]) !== id) ? 1 : 0;
        }
      c.edge = edge;
      c.map = map;
    }
    const edge = boundaries ? c.edge : null;
    for (let p = 0, o = 0; p < w * h; p++, o += 4) {
      if (any) {
        const f = ids[p];
        if ((hl && hl[map ? map[f] : f]) || (pv && pv[f])) {
          out[o] += (60 - out[o]) * 0.45;
          out[o + 1] += (220 - out[o + 1]) * 0.45;
          out[o + 2] += (255 - out[o + 2]) * 0.45;
        }
      }
      if (edge && edge[p]) {
        out[o] += (255 - out[o]) * 0.5;
        out[o + 1] += (230 - out[o + 1]) * 0.5;
        out[o + 2] += (60 - out[o + 2]) * 0.5;
      }
    }
  }

  /**
   * A supervoxel stroke (docs/design.md "Strokes") along the points drawn on this view's slice.
   * @param {number[][]} drawn voxel coordinates
   */
  svStroke(drawn) {
    const g = this.geometry;
    if (!g) throw new Error('no slice on screen');
    // the stroke format wants every point on the slice: clamp into the volume's plane
    const d = this.session.dims;
    const points = drawn.map((q) => q.map((x, k) => (k === g.sliceAxis ? this.slice : Math.max(0, Math.min(d[k] - 1, x)))));
    // the path's width: the brush size (mm) in voxels of this slice, at least one
    const s = this.host.settings();
    const width = Math.max(1, Math.round((2 * s.radiusMm) / Math.min(g.h.mm, g.v.mm)));
    return { axis: g.sliceAxis, mode: s.strokeMode, points, width };
  }

  /** Mark the supervoxels under the segment a -> b (voxel coordinates), widened by the brush size, as highlighted. */
  highlightSegment(/** @type {number[]} */ a, /** @type {number[]} */ b) {
    const sv = this.session.supervoxels;
    const hl = this.session.highlight;
    const g = this.geometry;
    if (!sv || !hl || !g) return;
    const d = this.session.dims;
    const map = this.session.levelMap;
    const r = Math.max(0, Math.round(this.host.settings().radiusMm / Math.min(g.h.mm, g.v.mm) - 0.5));
    const n = Math.max(1, Math.ceil(2 * Math.max(...[0, 1, 2].map((k) => Math.abs(b[k] - a[k])))));
    for (let t = 0; t <= n; t++) {
      const c = a.map((x, k) => Math.round(x + ((b[k] - x) * t) / n));
      for (let du = -r; du <= r; du++)
        for (let dv = -r; dv <= r; dv++) {
          if (du * du + dv * dv > r * r) continue;
          const p = c.slice();
          p[g.h.axis] += du;
          p[g.v.axis] += dv;
          if (p.some((x, k) => x < 0 || x >= d[k])) continue;
          const id = sv.labels[p[0] + d[0] * (p[1] + d[1] * p[2])];
          hl[map ? map[id] : id] = 1;
        }
    }
    hl[0] = 0; // background is never painted
  }

  /** Crosshair lines and the brush outline, at screen resolution. */
  drawOverlay() {
    const g = this.geometry;
    if (!g || !this.rect) return;
    const ctx = this.octx;
    const dpr = window.devicePixelRatio || 1;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    const [cx, cy] = this.pointOf(this.session.cursor);
    ctx.strokeStyle = 'rgba(80, 170, 255, 0.85)';
    ctx.lineWidth = 1;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    ctx.moveTo(this.rect.left, cy);
    ctx.lineTo(this.rect.left + this.rect.width, cy);
    ctx.moveTo(cx, this.rect.top);
    ctx.lineTo(cx, this.rect.top + this.rect.height);
    ctx.stroke();
    ctx.setLineDash([]);
    const s = this.host.settings();
    if (this.mouse && (s.tool === 'brush' || s.tool === 'eraser' || s.tool === 'stroke')) {
      const r = Math.max(1.5, s.radiusMm * this.rect.pxPerMm);
      ctx.strokeStyle = s.tool === 'eraser' ? 'rgba(255,255,255,0.9)' : 'rgba(255, 207, 77, 0.95)';
      ctx.beginPath();
      ctx.arc(this.mouse.x, this.mouse.y, r, 0, Math.PI * 2);
      ctx.stroke();
    }
  }

  /** @private */
  bindPointer() {
    const el = this.panel;
    /** @type {null | {kind: string, x: number, y: number, zoom?: number, pan?: number[], win?: {lo: number, hi: number}, last?: number[], points?: number[][]}} */
    let drag = null;
    const local = (/** @type {MouseEvent} */ e) => {
      const b = el.getBoundingClientRect();
      return { x: e.clientX - b.left, y: e.clientY - b.top };
    };
    el.addEventListener('contextmenu', (e) => e.preventDefault());
    el.addEventListener('dblclick', () => this.host.toggleMaximise(this));
    el.addEventListener(
      'wheel',
      (e) => {
        if (!this.geometry) return;
        e.preventDefault();
        if (e.ctrlKey || e.metaKey) {
          const p = local(e);
          const f = Math.exp(-e.deltaY * 0.0015);
          this.zoomAt(p.x, p.y, f);
        } else {
          const step = e.deltaY > 0 ? -1 : e.deltaY < 0 ? 1 : 0;
          this.setSlice(this.slice + step);
        }
      },
      { passive: false },
    );
    el.addEventListener('pointerdown', (e) => {
      if (!this.geometry) return;
      this.host.focus(this);
      el.focus({ preventScroll: true });
      const p = local(e);
      const s = this.host.settings();
      el.setPointerCapture(e.pointerId);
      if (e.button === 1 || (e.button === 0 && s.space)) {
        drag = { kind: 'pan', x: p.x, y: p.y, pan: this.pan.slice() };
      } else if (e.button === 2) {
        drag = { kind: 'window', x: p.x, y: p.y, win: { ...this.session.window } };
      } else if (e.button === 0 && s.tool === 'stroke') {
        if (!this.session.supervoxels) {
          this.host.error(
            s.svComputing
              ? 'The supervoxels are being computed (see the progress bar): draw the stroke when they are ready.'
              : 'Compute supervoxels first (Supervoxels, Compute), then draw the stroke.',
          );
          return;
        }
        const ijk = this.voxelAt(p.x, p.y);
        drag = { kind: 'sv-stroke', x: p.x, y: p.y, last: ijk, points: [ijk] };
        this.session.highlight?.fill(0);
        this.highlightSegment(ijk, ijk);
        this.host.redrawAll();
      } else if (e.button === 0 && (s.tool === 'brush' || s.tool === 'eraser')) {
        const ijk = this.voxelAt(p.x, p.y);
        drag = { kind: 'stroke', x: p.x, y: p.y, last: ijk };
        this.session.beginStroke().catch((err) => this.host.error(err.message));
        this.segment(ijk, ijk);
      } else if (e.button === 0) {
        drag = { kind: 'cursor', x: p.x, y: p.y };
        this.session.setCursor(this.voxelAt(p.x, p.y));
      }
    });
    el.addEventListener('pointermove', (e) => {
      if (!this.geometry) return;
      const p = local(e);
      this.mouse = p;
      const ijk = this.voxelAt(p.x, p.y);
      const inside = ijk.every((x, a) => x > -0.5 && x < this.session.dims[a] - 0.5);
      this.host.hover(this, inside ? ijk.map(Math.round) : null);
      if (drag && drag.kind === 'pan' && drag.pan) {
        this.pan = [drag.pan[0] + p.x - drag.x, drag.pan[1] + p.y - drag.y];
        this.layout();
        this.drawOverlay();
      } else if (drag && drag.kind === 'window' && drag.win) {
        // horizontal: width, vertical: level (drag up = brighter), as in ITK-SNAP and 3D Slicer
        const v = this.session.volume;
        const range = v ? Math.max(1e-6, v.info.stats.max - v.info.stats.min) : 1;
        const k = range / 400;
        const width0 = drag.win.hi - drag.win.lo;
        const level0 = (drag.win.hi + drag.win.lo) / 2;
        const width = Math.max(range / 1000, width0 + (p.x - drag.x) * k);
        const level = level0 - (p.y - drag.y) * k;
        this.session.setWindow(level - width / 2, level + width / 2);
      } else if (drag && drag.kind === 'cursor') {
        this.session.setCursor(ijk);
      } else if (drag && drag.kind === 'stroke' && drag.last) {
        this.segment(drag.last, ijk);
        drag.last = ijk;
      } else if (drag && drag.kind === 'sv-stroke' && drag.last && drag.points) {
        drag.points.push(ijk);
        this.highlightSegment(drag.last, ijk);
        drag.last = ijk;
        this.host.redrawAll();
        this.host.previewStroke(this.svStroke(drag.points));
      }
      this.drawOverlay();
    });
    const end = (/** @type {PointerEvent} */ e) => {
      if (drag && drag.kind === 'stroke') {
        this.session.endStroke().catch((err) => this.host.error(err.message));
      }
      if (drag && drag.kind === 'sv-stroke' && drag.points && this.geometry) {
        this.host.stroke(this.svStroke(drag.points));
      }
      drag = null;
      if (el.hasPointerCapture(e.pointerId)) el.releasePointerCapture(e.pointerId);
    };
    el.addEventListener('pointerup', end);
    el.addEventListener('pointercancel', end);
    el.addEventListener('pointerleave', () => {
      this.mouse = null;
      this.host.hover(this, null);
      this.drawOverlay();
    });
  }

  /** @private @param {number[]} a @param {number[]} b */
  segment(a, b) {
    const s = this.host.settings();
    const g = /** @type {import('./orientation.js').ViewGeometry} */ (this.geometry);
    this.session
      .strokeSegment(a, b, { axis: g.sliceAxis, radiusMm: s.radiusMm, erase: s.tool === 'eraser', onlyUnlabelled: s.onlyUnlabelled })
      .catch((err) => this.host.error(err.message));
  }

  /** Zoom by factor f keeping the panel point (x, y) fixed. */
  zoomAt(/** @type {number} */ x, /** @type {number} */ y, /** @type {number} */ f) {
    const box = this.panel.getBoundingClientRect();
    const z = Math.max(0.25, Math.min(40, this.zoom * f));
    const k = z / this.zoom;
    // the point under the mouse stays put: offset from the panel centre scales by k
    const cx = box.width / 2;
    const cy = box.height / 2;
    this.pan = [x - cx - (x - cx - this.pan[0]) * k, y - cy - (y - cy - this.pan[1]) * k];
    this.zoom = z;
    this.layout();
    this.drawOverlay();
  }
}
