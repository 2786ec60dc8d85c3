// @ts-check
/* app.js — the page: starts the core's worker, opens the demo volume and shows
 * its middle axial slice with an automatic window, plus the volume's facts.
 *
 * `window.supervox` exposes the app's state read-only, for tests and for
 * pages that embed the annotator.
 */
import { CoreBridge } from './core/bridge.js';
import { fetchBytes } from './loaders/fetch-bytes.js';
import { orientationCode } from './views/orientation.js';
import { voxelArray } from './views/slice-render.js';
import { SliceView } from './views/slice-view.js';

const DEMO_URL = new URL('./demo/norm_crop.nii.gz', import.meta.url);

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const bridge = new CoreBridge(new URL('./worker/worker.js', import.meta.url));
const axial = new SliceView($('view-axial'), 'axial');

/** @type {{name: string, handle: number, info: any, data: any, window: number[]} | null} */
let current = null;

/** @param {string} label @param {number | null} fraction null hides the bar */
function showProgress(label, fraction) {
  const box = $('progress');
  box.hidden = fraction === null;
  $('progress-label').textContent = label;
  /** @type {HTMLProgressElement} */ ($('progress-bar')).value = fraction || 0;
}

/** @param {string | null} message */
function showError(message) {
  const el = $('error');
  el.hidden = !message;
  el.textContent = message || '';
}

/** @param {Record<string, string>} rows */
function showMeta(rows) {
  const dl = $('meta-list');
  dl.replaceChildren();
  for (const [k, v] of Object.entries(rows)) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
}

const fmt = (/** @type {number} */ x) => (Number.isInteger(x) ? String(x) : x.toFixed(3));

/**
 * Open a NIfTI file's bytes as the current volume. On failure the previous
 * volume stays as it was and the reason is shown.
 * @param {Uint8Array} bytes @param {string} name
 */
async function openVolume(bytes, name) {
  showError(null);
  showProgress(`Reading ${name}`, 0);
  try {
    const t0 = performance.now();
    const r = await bridge.call(
      'openVolume',
      { bytes: bytes.buffer, name },
      { transfer: [bytes.buffer], onProgress: (_phase, f) => showProgress(`Reading ${name}`, f) },
    );
    const previous = current;
    const info = r.info;
    current = {
      name,
      handle: r.handle,
      info,
      data: voxelArray(r.data, info.datatype),
      window: [r.percentiles.p005, r.percentiles.p995],
    };
    if (previous) bridge.call('closeVolume', { handle: previous.handle }).catch(() => {});
    axial.setVolume(current, 'radiological');
    axial.draw(current.window[0], current.window[1]);
    $('file-name').textContent = name;
    showMeta({
      File: name,
      Dimensions: info.dims.join(' × ') + (info.frames > 1 ? ` (first of ${info.frames} frames)` : ''),
      'Voxel size': info.spacing.map(fmt).join(' × ') + ' mm',
      'Data type': info.datatype,
      Scaling: info.scl_slope === 1 && info.scl_inter === 0 ? 'none' : `× ${fmt(info.scl_slope)} + ${fmt(info.scl_inter)}`,
      Orientation: `${orientationCode(info.affine)} (from the ${info.affine_source})`,
      Range: `${fmt(info.stats.min)} … ${fmt(info.stats.max)}`,
      Window: `${fmt(current.window[0])} … ${fmt(current.window[1])}`,
    });
    $('status').textContent = `${name}: opened in ${Math.round(performance.now() - t0)} ms · axial slice ${axial.slice + 1} of ${info.dims[axial.geometry?.sliceAxis ?? 2]}`;
    document.body.dataset.state = 'ready';
  } catch (e) {
    const err = /** @type {any} */ (e);
    showError(`${name} could not be opened: ${err.message}`);
    document.body.dataset.state = current ? 'ready' : 'error';
  } finally {
    showProgress('', null);
  }
}

async function openDemo() {
  const name = 'norm_crop.nii.gz (demo)';
  let bytes;
  try {
    showProgress('Downloading the demo', 0);
    bytes = await fetchBytes(DEMO_URL, (f) => showProgress('Downloading the demo', f));
  } catch (e) {
    showProgress('', null);
    showError(`The demo volume ${/** @type {Error} */ (e).message}`);
    document.body.dataset.state = 'error';
    return;
  }
  await openVolume(bytes, name);
}

const ready = openDemo();

Object.defineProperty(window, 'supervox', {
  value: Object.freeze({
    ready,
    bridge,
    get volume() {
      return current;
    },
    views: { axial },
  }),
});
