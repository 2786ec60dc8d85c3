// @ts-check
/* slice-view.js — one orthogonal view: a canvas at voxel resolution, scaled by
 * CSS to fit its panel with the voxels' true aspect ratio, and the orientation
 * letters on its edges. Slices are drawn from the main thread's own copy of
 * the voxels: no round trip to the worker per slice. */
import { viewGeometry } from './orientation.js';
import { renderGreySlice } from './slice-render.js';

export class SliceView {
  /**
   * @param {HTMLElement} panel the element the view fills
   * @param {import('./orientation.js').ViewName} name
   */
  constructor(panel, name) {
    this.panel = panel;
    this.name = name;
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'slice';
    this.canvas.dataset.view = name;
    this.letters = /** @type {Record<string, HTMLElement>} */ ({});
    for (const side of ['left', 'right', 'top', 'bottom']) {
      const el = document.createElement('span');
      el.className = `letter letter-${side}`;
      this.letters[side] = el;
      panel.appendChild(el);
    }
    panel.appendChild(this.canvas);
    this.ctx = /** @type {CanvasRenderingContext2D} */ (this.canvas.getContext('2d'));
    /** @type {any} */
    this.volume = null;
    /** @type {import('./orientation.js').ViewGeometry | null} */
    this.geometry = null;
    this.slice = 0;
    /** @type {ImageData | null} */
    this.image = null;
    new ResizeObserver(() => this.fit()).observe(panel);
  }

  /**
   * Show a volume, starting at its middle slice.
   * @param {{data: any, info: import('../worker/core-api.js').VolumeInfo}} volume
   * @param {import('./orientation.js').Convention} convention
   */
  setVolume(volume, convention) {
    const { info } = volume;
    this.volume = volume;
    this.geometry = viewGeometry(this.name, info.affine, info.dims, info.spacing, convention);
    this.slice = Math.floor(info.dims[this.geometry.sliceAxis] / 2);
    this.canvas.width = this.geometry.h.n;
    this.canvas.height = this.geometry.v.n;
    this.image = this.ctx.createImageData(this.geometry.h.n, this.geometry.v.n);
    for (const [side, el] of Object.entries(this.letters)) el.textContent = /** @type {any} */ (this.geometry.letters)[side];
    this.canvas.dataset.slice = String(this.slice);
    this.fit();
  }

  /** Size the canvas to the panel, keeping the physical aspect ratio (mm). */
  fit() {
    const g = this.geometry;
    if (!g) return;
    const wmm = g.h.n * g.h.mm;
    const hmm = g.v.n * g.v.mm;
    const box = this.panel.getBoundingClientRect();
    const pad = 28; // room for the orientation letters
    const scale = Math.max(0.01, Math.min((box.width - pad) / wmm, (box.height - pad) / hmm));
    this.canvas.style.width = `${wmm * scale}px`;
    this.canvas.style.height = `${hmm * scale}px`;
  }

  /** Draw the current slice with a window [lo, hi] in scaled units. @param {number} lo @param {number} hi */
  draw(lo, hi) {
    if (!this.volume || !this.geometry || !this.image) return;
    const { data, info } = this.volume;
    renderGreySlice({
      data,
      dims: info.dims,
      geometry: this.geometry,
      slice: this.slice,
      slope: info.scl_slope,
      inter: info.scl_inter,
      lo,
      hi,
      out: this.image.data,
    });
    this.ctx.putImageData(this.image, 0, 0);
    this.canvas.dataset.window = `${lo},${hi}`;
  }
}
