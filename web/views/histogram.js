// @ts-check
/* histogram.js — the volume's intensity histogram (log counts) with the
 * current window shaded on it. The counts come from the core. */

export class HistogramView {
  /** @param {HTMLCanvasElement} canvas */
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
  }

  /**
   * @param {{lo: number, hi: number, counts: Uint32Array}} hist
   * @param {{lo: number, hi: number}} win
   */
  draw(hist, win) {
    const c = this.canvas;
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 240;
    const h = c.clientHeight || 70;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr); // reallocates the canvas: only on a size change
      c.height = Math.round(h * dpr);
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const n = hist.counts.length;
    let max = 1;
    for (const x of hist.counts) max = Math.max(max, Math.log1p(x));
    const xOf = (/** @type {number} */ v) => ((v - hist.lo) / (hist.hi - hist.lo)) * w;
    ctx.fillStyle = 'rgba(79, 163, 255, 0.18)';
    const x0 = Math.max(0, xOf(win.lo));
    const x1 = Math.min(w, xOf(win.hi));
    if (x1 > x0) ctx.fillRect(x0, 0, x1 - x0, h);
    ctx.fillStyle = '#8a939d';
    for (let i = 0; i < n; i++) {
      const bh = (Math.log1p(hist.counts[i]) / max) * (h - 2);
      ctx.fillRect((i / n) * w, h - bh, Math.max(1, w / n - 0.3), bh);
    }
    ctx.strokeStyle = '#4fa3ff';
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    // the grey ramp of the window
    ctx.moveTo(0, h - 0.75);
    ctx.lineTo(xOf(win.lo), h - 0.75);
    ctx.lineTo(xOf(win.hi), 0.75);
    ctx.lineTo(w, 0.75);
    ctx.stroke();
    c.dataset.window = `${win.lo},${win.hi}`;
  }
}
