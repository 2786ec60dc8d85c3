// @ts-check
/* app.js — the page: three linked slice views, the tools, window/level, the
 * label table and layers, loading (demo, file picker, drag and drop, ?src=URL)
 * and the keyboard shortcuts of ITK-SNAP / 3D Slicer.
 *
 * `window.supervox` exposes the app read-only, for tests and embedding pages.
 */
import { CoreBridge } from './core/bridge.js';
import { fetchBytes } from './loaders/fetch-bytes.js';
import { classify, filesFromDrop, pngHints, readAll } from './loaders/local-files.js';
import { saveBytes, saveOptions, zipStore } from './loaders/save.js';
import { registerServiceWorker, reloadIntoIsolation } from './offline.js';
import { itkSnapLabels, labelJson, parseLabelTable, slicerColorTable } from './state/labels.js';
import { Autosave } from './state/autosave.js';
import { loadPrefs, savePrefs } from './state/prefs.js';
import { MeshSync } from './state/meshes.js';
import { openSessionFile, writeSessionFile } from './state/session-file.js';
import { Session } from './state/session.js';
import { bindLabelsPanel } from './ui/labels-panel.js';
import { HistogramView } from './views/histogram.js';
import { orientationCode } from './views/orientation.js';
import { drawsPending, SliceView } from './views/slice-view.js';
import { View3D } from './views/view3d.js';

const DEMO_URL = new URL('./demo/norm_crop.nii.gz', import.meta.url);
const params = new URLSearchParams(location.search);
/** ?readonly (embedding): look, scroll and export; no edits */
const readonly = params.has('readonly') && params.get('readonly') !== '0' && params.get('readonly') !== 'false';
/** ?embed=1: inside another page's frame, answering its messages (embed.js) */
const embedded = params.get('embed') === '1' && window.parent !== window;
const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));
const input = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

/** Window presets as [width, level] (Hounsfield units). */
const PRESETS = {
  'ct-brain': [80, 40],
  'ct-soft': [400, 40],
  'ct-lung': [1500, -600],
  'ct-bone': [1800, 400],
};

// The packaged site's first visit: its service worker makes the page cross-origin isolated (the
// threaded core) from a reload on; that one reload comes now, before the core starts, anything loads
// or any control works, so no work is ever lost to it (offline.js). Everywhere else this returns at once.
const waited = { shown: false };
if (
  await reloadIntoIsolation({
    onWait: () => {
      waited.shown = true;
      $('progress').hidden = false;
      $('progress-label').textContent = 'Setting up threads and offline use…';
      $('progress-bar').removeAttribute('value'); // an indeterminate bar
    },
  })
)
  await new Promise(() => {}); // the page is reloading: start nothing
if (waited.shown) $('progress').hidden = true; // gave up waiting: start single-threaded, offline from the next visit

// supervox.html (make dist, one file for file://) sets SupervoxInline: its worker and demo are inside the page
const INLINE = /** @type {any} */ (globalThis).SupervoxInline;
// boot.js (the page's first script) started the worker and the first download: taken over once
const BOOT = /** @type {{worker: Worker, url: string, response: Promise<Response | Error>} | undefined} */ (/** @type {any} */ (globalThis).SupervoxBoot);
let bootWorker = INLINE ? null : BOOT?.worker || null;
let bootDownload = INLINE || !BOOT ? null : { url: BOOT.url, response: BOOT.response };
const workerUrl = new URL('./worker/worker.js', import.meta.url);
const bridge = new CoreBridge(
  workerUrl,
  INLINE?.makeWorker ||
    (() => {
      const w = bootWorker || new Worker(workerUrl);
      bootWorker = null; // a restarted core (after a cancel) gets a new one
      return w;
    }),
);
/** Which core runs (the worker's answer to ping): threads in use, and whether it is the threaded build. */
let coreInfo = /** @type {{threads: number, threaded: boolean} | null} */ (null);
/** "core: 2 threads" (the threaded build, where the page is cross-origin isolated) or "core: single thread". */
const coreText = () => (!coreInfo ? '' : coreInfo.threaded && coreInfo.threads > 1 ? `${coreInfo.threads} threads` : 'single thread');
// compile the wasm core while the first volume downloads
bridge
  .call('ping')
  .then((/** @type {any} */ r) => {
    coreInfo = r;
    document.body.dataset.core = coreText();
    showMeta();
  })
  .catch(() => {});
const session = new Session(bridge);

const settings = {
  tool: 'crosshair',
  sizeMm: 5, // the current tool's size: the brush's diameter, or a stroke's path width
  onlyUnlabelled: false,
  outline: false,
  overlayOpacity: 0.6,
  /** @type {import('./views/orientation.js').Convention} */
  convention: 'radiological',
  space: false,
  strokeMode: 'paint',
  boundaries: false,
};

/**
 * Keep a setting the user chose for the next visit (prefs.js). An embedded
 * page neither reads nor writes them: its host decides how it looks.
 * @param {import('./state/prefs.js').Prefs} p
 */
function remember(p) {
  if (!embedded && prefsApplied) savePrefs(p);
}
/** Until the saved preferences are applied, setting the controls is not the user's choice. */
let prefsApplied = false;

/** A supervoxel computation is running (the Compute button's or the stroke tool's). */
let svComputing = false;
/** The volume whose supervoxel computation the user cancelled: the stroke tool does not start it again. */
let svCancelledFor = /** @type {object | null} */ (null);

// --- messages -----------------------------------------------------------------

/** @param {string} label @param {number | null} fraction null hides the bar */
function showProgress(label, fraction) {
  $('progress').hidden = fraction === null;
  $('progress-label').textContent = label;
  /** @type {HTMLProgressElement} */ ($('progress-bar')).value = fraction || 0;
}

/** @param {string | null} message */
function showError(message) {
  $('error').hidden = !message;
  $('error-text').textContent = message || '';
  if (message) emitToHost('error', { message });
}
$('error-close').addEventListener('click', () => showError(null));

// --- views ----------------------------------------------------------------------

/** @type {SliceView | View3D | null} */
let focused = null;

/**
 * The preview of a paint stroke being drawn: what it would label if released now, asked of the
 * worker (the same decision as the stroke, nothing changed) and shown in every view. One request
 * at a time; while one runs, only the latest path waits. Touch and erase strokes set what they
 * touch, which the views already show.
 */
const preview = {
  busy: false,
  /** @type {{axis: number, mode: string, points: number[][], width: number} | null} */
  next: null,
  gen: 0,
  /** @param {{axis: number, mode: string, points: number[][], width: number}} stroke */
  request(stroke) {
    if (stroke.mode !== 'paint') return;
    this.next = stroke;
    if (!this.busy) this.run();
  },
  async run() {
    const gen = this.gen;
    this.busy = true;
    try {
      while (this.next && gen === this.gen) {
        const st = this.next;
        this.next = null;
        const marks = await session.previewStroke(st).catch(() => null); // advisory: the stroke itself reports errors
        if (gen === this.gen && marks) {
          session.preview = marks;
          allViews.forEach((v) => v.requestDraw());
        }
      }
    } finally {
      this.busy = false;
    }
  },
  /** The stroke was released (or abandoned): answers still on their way are dropped. */
  stop() {
    this.gen++;
    this.next = null;
    session.preview = null;
  },
};

/**
 * The status line after a stroke; when it changed nothing, why that can be (a stroke that
 * seems to do nothing must not look broken).
 * @param {number} changed voxels the stroke changed
 * @param {boolean} erase
 */
function strokeStatus(changed, erase) {
  if (changed) return `Stroke: ${changed.toLocaleString()} voxels ${erase ? 'cleared' : 'labelled'} in 3D`;
  if (erase) return 'Stroke: nothing to clear: no label under it';
  return settings.onlyUnlabelled
    ? 'Stroke: nothing new labelled: what it reaches already has a label (Paint only unlabelled voxels is on), or is background'
    : `Stroke: nothing new labelled: what it reaches already has label ${session.activeLabel}, or is background`;
}

/** @type {import('./views/slice-view.js').ViewHost} */
const host = {
  session,
  settings: () => ({
    tool: settings.tool,
    radiusMm: settings.sizeMm / 2,
    erase: settings.tool === 'eraser',
    onlyUnlabelled: settings.onlyUnlabelled,
    outline: settings.outline,
    overlayOpacity: settings.overlayOpacity,
    convention: settings.convention,
    space: settings.space,
    strokeMode: settings.strokeMode,
    boundaries: settings.boundaries,
    svComputing,
  }),
  previewStroke: (stroke) => preview.request(stroke),
  stroke: (stroke) => {
    preview.stop();
    session
      .propagate(stroke)
      .then((edit) => {
        $('status').textContent = strokeStatus(edit.changed, stroke.mode === 'erase');
      })
      .catch((e) => showError(`The stroke could not be applied: ${e.message}`))
      .finally(() => {
        session.highlight?.fill(0);
        session.preview = null;
        allViews.forEach((v) => v.requestDraw());
      });
  },
  redrawAll: () => allViews.forEach((v) => v.requestDraw()),
  hover: (view, ijk) => {
    if (ijk) focusView(view);
    showStatus(ijk);
  },
  toggleMaximise: (view) => toggleMaximise(view),
  focus: (view) => focusView(view),
  error: (m) => showError(m),
};

const views = {
  axial: new SliceView($('view-axial'), 'axial', host),
  sagittal: new SliceView($('view-sagittal'), 'sagittal', host),
  coronal: new SliceView($('view-coronal'), 'coronal', host),
};
const allViews = Object.values(views);
const view3d = new View3D($('view-3d'), {
  session,
  toggleMaximise: (v) => toggleMaximise(v),
  focus: (v) => focusView(v),
});
const meshes = new MeshSync(session, view3d, (m) => showError(m), (f) => showProgress('Meshing the labels', f));
const histogram = new HistogramView(/** @type {HTMLCanvasElement} */ ($('histogram')));

/** @param {SliceView | View3D} v */
function focusView(v) {
  if (focused === v) return;
  focused?.panel.classList.remove('focused');
  focused = v;
  v.panel.classList.add('focused');
}

/** Maximise a view, or restore the 2x2 layout if one is maximised. @param {SliceView | View3D} v */
function toggleMaximise(v) {
  const grid = $('views');
  const on = !grid.classList.contains('maximised');
  focusView(v);
  for (const p of grid.children) p.classList.remove('maximised');
  grid.classList.toggle('maximised', on);
  if (on) v.panel.classList.add('maximised');
  $('toggle-3d').classList.toggle('active', on && v === view3d);
}

/** Switch between the 2x2 layout and a full 3D view (camera, slices and tool stay as they are). */
function toggle3d() {
  const grid = $('views');
  if (grid.classList.contains('maximised') && !view3d.panel.classList.contains('maximised')) toggleMaximise(view3d); // leave another view's maximise first
  toggleMaximise(view3d);
}
$('toggle-3d').addEventListener('click', toggle3d);

const fmt = (/** @type {number} */ x) => (Number.isInteger(x) ? String(x) : Math.abs(x) >= 100 ? x.toFixed(1) : x.toPrecision(4));

/** @param {number[] | null} ijk the voxel under the mouse */
function showStatus(ijk) {
  const v = session.volume;
  if (!v) return;
  const p = ijk || session.cursor;
  const w = session.worldOf(p);
  const value = session.valueAt(p);
  const lv = session.labelAt(p);
  const lname = lv ? session.labels.find((l) => l.value === lv)?.name || `label ${lv} (not in the table)` : '—';
  $('status').textContent =
    `${ijk ? 'Mouse' : 'Cursor'}: voxel (${p.join(', ')}) · world (${w.map((x) => x.toFixed(1)).join(', ')}) mm · ` +
    `intensity ${fmt(value)} · label ${lname} · undo ${session.history.undo} / redo ${session.history.redo}`;
}

function showMeta() {
  const v = session.volume;
  if (!v) return;
  const { info } = v;
  const rows = {
    File: v.name,
    Dimensions: info.dims.join(' × ') + (info.frames > 1 ? ` (first of ${info.frames} frames)` : ''),
    'Voxel size': info.spacing.map(fmt).join(' × ') + ' mm',
    'Data type': info.datatype,
    Scaling: info.scl_slope === 1 && info.scl_inter === 0 ? 'none' : `× ${fmt(info.scl_slope)} + ${fmt(info.scl_inter)}`,
    Orientation: `${orientationCode(info.affine)} (from the ${info.affine_source})`,
    Range: `${fmt(info.stats.min)} … ${fmt(info.stats.max)}`,
    Origin: info.affine.slice(0, 3).map((r) => r[3].toFixed(1)).join(', ') + ' mm',
  };
  const m = v.metadata;
  if (m) {
    // shown here only: no exported file carries them
    Object.assign(rows, {
      Modality: m.modality || '—',
      'Patient ID': m.patient_id || '—',
      'Patient name': m.patient_name || '—',
      'Patient age': m.patient_age || '—',
      'Patient sex': m.patient_sex || '—',
      'Study ID': m.study_id || '—',
      'Study date': m.study_date ? String(m.study_date).replace(/^(\d{4})(\d{2})(\d{2})$/, '$1-$2-$3') : '—',
      'Slice thickness': m.slice_thickness != null ? `${fmt(Number(m.slice_thickness))} mm` : '—',
      'Window (file)': m.window_width != null ? `W ${fmt(Number(m.window_width))} L ${fmt(Number(m.window_center))}` : '—',
      Series: m.series_description || '—',
      'Transfer syntax': m.transfer_syntax || '—',
    });
  }
  if (v.warning) rows.Warning = v.warning;
  if (coreInfo) rows.Core = coreText();
  const dl = $('meta-list');
  dl.replaceChildren();
  for (const [k, val] of Object.entries(rows)) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = val;
    if (k === 'Warning') dd.className = 'warning';
    dl.append(dt, dd);
  }
}

session.on('volume', () => {
  for (const v of allViews) v.reset();
  view3d.reset();
  if (settings.tool === 'stroke') queueMicrotask(autoSupervoxels); // the new volume's supervoxels
  showMeta();
  $('file-name').textContent = session.volume?.name || '';
  const fileWindow = session.volume?.fileWindow;
  /** @type {HTMLOptionElement} */ (document.querySelector('#wl-preset option[value="file"]')).hidden = !fileWindow;
  /** @type {HTMLSelectElement} */ ($('wl-preset')).value = fileWindow ? 'file' : 'auto';
});
session.on('cursor', () => {
  for (const v of allViews) v.requestDraw();
  view3d.updatePlanes();
  showStatus(null);
});
session.on('window', (w) => {
  for (const v of allViews) v.requestDraw();
  if (session.volume) histogram.draw(session.volume.histogram, w);
  $('wl-out').textContent = `W ${fmt(w.hi - w.lo)} L ${fmt((w.hi + w.lo) / 2)}`;
});
session.on('edit', ({ lo, hi }) => {
  for (const v of allViews) {
    const a = v.geometry?.sliceAxis ?? 0;
    if (v.slice >= lo[a] && v.slice < hi[a]) v.requestDraw();
  }
});
session.on('labels', () => {
  allViews.forEach((v) => v.requestDraw());
  view3d.styleAll();
});
session.on('layers', () => {
  allViews.forEach((v) => v.requestDraw());
  view3d.styleAll();
});
session.on('history', (h) => {
  /** @type {HTMLButtonElement} */ ($('undo')).disabled = h.undo === 0;
  /** @type {HTMLButtonElement} */ ($('redo')).disabled = h.redo === 0;
  showStatus(null);
});

// --- autosave ------------------------------------------------------------------------

/** @type {import('./state/autosave.js').Saved | null} */
let offered = null;
const autosave = new Autosave(session, {
  onWarning: (m) => {
    $('storage-warning').hidden = !m;
    $('storage-warning').textContent = m || '';
  },
  onOffer: (saved) => {
    offered = saved;
    const n = saved.layers.length;
    $('offer-text').textContent = `Work on this image was saved ${new Date(saved.savedAt).toLocaleString()} (${n} layer${n > 1 ? 's' : ''}, ${saved.labels.length} label${saved.labels.length === 1 ? '' : 's'}). Restore it?`;
    $('offer').hidden = false;
  },
});
session.on('volume', () => {
  $('offer').hidden = true;
  offered = null;
});
/** @param {boolean} restore */
async function answerOffer(restore) {
  const saved = offered;
  offered = null;
  $('offer').hidden = true;
  try {
    await autosave.answer(restore ? saved : null);
    if (restore && saved) $('status').textContent = `Restored the work saved ${new Date(saved.savedAt).toLocaleString()}`;
  } catch (e) {
    showError(`The saved work could not be restored: ${/** @type {Error} */ (e).message}`);
  }
}
$('offer-restore').addEventListener('click', () => answerOffer(true));
$('offer-discard').addEventListener('click', () => answerOffer(false));

// --- loading ----------------------------------------------------------------------

/**
 * Open image bytes; a failure leaves the current volume and labels untouched.
 * @param {Uint8Array} bytes @param {string} name
 */
async function openImage(bytes, name) {
  showError(null);
  showProgress(`Reading ${name}`, 0);
  const t0 = performance.now();
  performance.mark('supervox:open-start');
  try {
    await session.openImage(bytes, name, (_p, f) => showProgress(`Reading ${name}`, f));
    // the views draw in the next frame: mark when the first slice is on screen
    // then three.js and WebGL for the 3D view: not on the way to the first slice (on two cores
    // its start slowed the worker's reading by half)
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        performance.mark('supervox:first-slice');
        view3d.start();
      }),
    );
    const info = session.volume?.info;
    const note = info && info.frames > 1 ? ` · a 4D file: showing the first of ${info.frames} frames` : '';
    document.body.dataset.state = 'ready';
    showStatus(null);
    $('status').textContent = `${name}: opened in ${Math.round(performance.now() - t0)} ms${note}`;
  } catch (e) {
    showError(`${name} could not be opened: ${/** @type {Error} */ (e).message}`);
    document.body.dataset.state = session.volume ? 'ready' : 'error';
  } finally {
    showProgress('', null);
  }
}

/** Read a local file with progress. @param {File} file @returns {Promise<Uint8Array>} */
function readFile(file) {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onprogress = (e) => e.lengthComputable && showProgress(`Reading ${file.name}`, e.loaded / e.total);
    r.onload = () => resolve(new Uint8Array(/** @type {ArrayBuffer} */ (r.result)));
    r.onerror = () => reject(new Error(`could not be read (${r.error?.message || 'unknown error'})`));
    r.readAsArrayBuffer(file);
  });
}

/** @param {File} file */
async function importLabels(file) {
  if (!session.volume) return showError('Open an image before importing a label map.');
  showError(null);
  try {
    const bytes = await readFile(file);
    showProgress(`Importing ${file.name}`, 0.5);
    const { labels } = await session.importLayer(bytes, file.name);
    $('status').textContent = `${file.name}: imported as layer “${session.layer.name}” (${labels} label${labels === 1 ? '' : 's'})`;
  } catch (e) {
    showError(`${file.name} could not be imported: ${/** @type {Error} */ (e).message}`);
  } finally {
    showProgress('', null);
  }
}

/** @param {File} file */
async function loadLabelTable(file) {
  showError(null);
  try {
    const { labels, format } = parseLabelTable(await file.text());
    session.labels = labels;
    if (!labels.some((l) => l.value === session.activeLabel)) session.activeLabel = labels[0]?.value ?? 1;
    session.labelsChanged();
    $('status').textContent = `${file.name}: ${labels.length} labels loaded (${{ json: 'Supervox JSON', itksnap: 'ITK-SNAP', slicer: '3D Slicer colour table' }[format]})`;
  } catch (e) {
    showError(`${file.name} is not a label table: ${/** @type {Error} */ (e).message}`);
  }
}

/** @param {string | URL} url @param {string} name */
async function openUrl(url, name) {
  let bytes;
  performance.mark('supervox:download-start');
  try {
    showProgress(`Downloading ${name}`, 0);
    const started = bootDownload && bootDownload.url === new URL(url, location.href).href ? bootDownload.response : undefined;
    bootDownload = null;
    bytes = await fetchBytes(url, (f) => showProgress(`Downloading ${name}`, f), started);
  } catch (e) {
    showProgress('', null);
    showError(`${name} ${/** @type {Error} */ (e).message}`);
    document.body.dataset.state = session.volume ? 'ready' : 'error';
    return;
  }
  await openImage(bytes, name);
}

for (const [id, fn] of /** @type {const} */ ([['import-labels', importLabels], ['import-table', loadLabelTable]])) {
  const el = input(id);
  el.addEventListener('change', () => {
    const f = el.files?.[0];
    el.value = '';
    if (f) fn(f);
  });
}
for (const id of ['open-image', 'open-folder']) {
  const el = input(id);
  el.addEventListener('change', () => {
    const files = [...(el.files || [])];
    el.value = '';
    if (files.length) openFiles(files);
  });
}

/**
 * Open what the user picked or dropped: a NIfTI file, DICOM files (a series
 * or a folder of several: the user chooses), PNG slices, or a label table.
 * Nothing leaves the page; a failure leaves the open image as it was.
 * @param {File[]} picked
 */
async function openFiles(picked) {
  showError(null);
  let files;
  try {
    files = await readAll(picked, (f) => showProgress(`Reading ${picked.length} file${picked.length > 1 ? 's' : ''}`, f));
  } catch (e) {
    showProgress('', null);
    return showError(/** @type {Error} */ (e).message);
  }
  const what = classify(files);
  if (what.kind === 'table') {
    showProgress('', null);
    return loadLabelTable(picked[0]);
  }
  if (what.kind === 'nifti') return openImage(what.files[0].bytes, what.files[0].name.split('/').pop() || what.files[0].name);
  const t0 = performance.now();
  try {
    if (what.kind === 'png') {
      showProgress('', null);
      const opts = await askPngOptions(what.files, pngHints(files));
      if (!opts) return;
      showProgress(`Stacking ${what.files.length} PNG slices`, 0.5);
      await session.openPngStack(what.files, opts);
    } else {
      showProgress(`Reading DICOM (${what.files.length} files)`, 0.5);
      const r = await session.openDicom(what.files, (series) => {
        showProgress('', null);
        return chooseSeries(series);
      });
      if (!r.opened) return;
      const notes = [];
      if (r.warning) notes.push(`Warning: ${r.warning}`);
      if (r.skipped.length) notes.push(`${r.skipped.length} file${r.skipped.length > 1 ? 's' : ''} skipped (${r.skipped.slice(0, 2).map((f) => `${f.file.split('/').pop()}: ${f.reason}`).join('; ')}${r.skipped.length > 2 ? '; …' : ''})`);
      if (notes.length) showError(notes.join(' · '));
    }
    document.body.dataset.state = 'ready';
    showStatus(null);
    $('status').textContent = `${session.volume?.name}: opened in ${Math.round(performance.now() - t0)} ms`;
  } catch (e) {
    showError(`${what.kind === 'png' ? 'The PNG slices' : 'The DICOM files'} could not be opened: ${/** @type {Error} */ (e).message}`);
    document.body.dataset.state = session.volume ? 'ready' : 'error';
  } finally {
    showProgress('', null);
  }
}

/**
 * Ask which DICOM series to open. @param {any[]} series
 * @returns {Promise<number | null>}
 */
function chooseSeries(series) {
  const dialog = /** @type {HTMLDialogElement} */ ($('series-dialog'));
  const list = $('series-list');
  list.replaceChildren(
    ...series.map((s, i) => {
      const l = document.createElement('label');
      const r = document.createElement('input');
      r.type = 'radio';
      r.name = 'series';
      r.value = String(s.index);
      r.checked = i === 0;
      const t = document.createElement('span');
      t.textContent = `${s.number ?? '—'} · ${s.description || '(no description)'} · ${s.modality} · ${s.files} file${s.files === 1 ? '' : 's'} · ${s.cols}×${s.rows}${s.warning ? ` · ${s.warning}` : ''}`;
      l.append(r, t);
      return l;
    }),
  );
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const r = /** @type {HTMLInputElement | null} */ (list.querySelector('input:checked'));
        resolve(dialog.returnValue === 'open' && r ? Number(r.value) : null);
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
  });
}

/**
 * Ask for the voxel size and rescale of PNG slices (prefilled from a README.json beside them).
 * @param {{name: string}[]} files @param {{spacing?: number[], intercept?: number}} hints
 * @returns {Promise<{spacing: number[], slope: number, intercept: number} | null>}
 */
function askPngOptions(files, hints) {
  const dialog = /** @type {HTMLDialogElement} */ ($('png-dialog'));
  $('png-title').textContent = `${files.length} PNG slices`;
  const sp = hints.spacing || [1, 1, 1];
  ['png-sx', 'png-sy', 'png-sz'].forEach((id, i) => (input(id).value = String(sp[i])));
  input('png-slope').value = '1';
  input('png-intercept').value = String(hints.intercept ?? 0);
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        if (dialog.returnValue !== 'open') return resolve(null);
        const spacing = ['png-sx', 'png-sy', 'png-sz'].map((id) => Number(input(id).value));
        const slope = Number(input('png-slope').value), intercept = Number(input('png-intercept').value);
        if (!spacing.every((x) => x > 0) || !Number.isFinite(slope) || slope === 0 || !Number.isFinite(intercept)) {
          showError('PNG slices need a positive voxel size and a non-zero slope.');
          return resolve(null);
        }
        resolve({ spacing, slope, intercept });
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
  });
}

// drag and drop: images (a file, several, or a folder) open; a lone table loads
let dragDepth = 0;
window.addEventListener('dragenter', (e) => {
  e.preventDefault();
  dragDepth++;
  $('drop').hidden = false;
});
window.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) $('drop').hidden = true;
});
window.addEventListener('dragover', (e) => e.preventDefault());
window.addEventListener('drop', async (e) => {
  e.preventDefault();
  dragDepth = 0;
  $('drop').hidden = true;
  if (!e.dataTransfer) return;
  let files;
  try {
    files = await filesFromDrop(e.dataTransfer);
  } catch (err) {
    return showError(`The dropped files could not be read: ${/** @type {Error} */ (err).message}`);
  }
  if (files.length === 1 && /\.(json|ctbl|lut)$/i.test(files[0].name)) loadLabelTable(files[0]);
  else if (files.length) openFiles(files);
});

/** Save bytes as a download (no server: a Blob URL, or a data: URL in a sandboxed frame). @param {ArrayBuffer | Uint8Array} bytes @param {string} name */
function download(bytes, name) {
  lastDownload = { name, how: saveBytes(bytes, name) };
}
/** @type {{name: string, how: string} | null} the last download, for tests */
let lastDownload = null;

const baseName = () =>
  (session.volume?.name || 'volume')
    .replace(/ \(demo\)$/, '')
    .replace(/\.nii(\.gz)?$/i, '')
    .replace(/[^\w.-]+/g, '_')
    .replace(/^_+|_+$/g, '') || 'volume';

// --- controls ----------------------------------------------------------------------

const labelsPanel = bindLabelsPanel({
  labelList: $('label-list'),
  layerList: $('layer-list'),
  session,
  exportLayer: async (i) => {
    try {
      const bytes = await session.exportLayer(i);
      const layer = session.layers[i];
      download(bytes, `${baseName()}_${layer.name.replace(/[^\w.-]+/g, '_')}.nii.gz`);
    } catch (e) {
      showError(`The layer could not be exported: ${/** @type {Error} */ (e).message}`);
    }
  },
  error: showError,
});
$('add-label').addEventListener('click', () => labelsPanel.addLabel());
$('add-layer').addEventListener('click', () => session.addLayer().catch((e) => showError(e.message)));

/**
 * Each kind of tool keeps its own size. The brush and eraser paint voxels
 * (5 mm); the stroke draws a thin path (1 mm), since a wider one touches
 * supervoxels beyond a small structure's edge and its label spreads from
 * them (simulated annotator, brain structures, cross on 3 slices: paths
 * 1 / 3 / 5 voxels wide, mean Dice 0.80 / 0.75 / 0.65).
 * @type {Record<string, number>}
 */
const toolSizes = { paint: 5, stroke: 1 };
/** @param {string} tool */
const sizeKind = (tool) => (tool === 'stroke' ? 'stroke' : 'paint');

/** The settings saved from an earlier visit onto the controls (not on an embedded page). */
function applyPrefs() {
  const p = embedded ? {} : loadPrefs();
  if (p.brushMm !== undefined) toolSizes.paint = p.brushMm;
  if (p.strokeMm !== undefined) toolSizes.stroke = p.strokeMm;
  settings.sizeMm = toolSizes[sizeKind(settings.tool)];
  if (p.strokeMode !== undefined) /** @type {HTMLSelectElement} */ ($('stroke-mode')).value = settings.strokeMode = p.strokeMode;
  if (p.onlyUnlabelled !== undefined) input('only-unlabelled').checked = settings.onlyUnlabelled = p.onlyUnlabelled;
  if (p.overlayOpacity !== undefined) input('overlay-opacity').value = String((settings.overlayOpacity = p.overlayOpacity));
  if (p.outline !== undefined) setOutline(p.outline);
  if (p.convention !== undefined) /** @type {HTMLSelectElement} */ ($('convention')).value = settings.convention = /** @type {any} */ (p.convention);
  if (p.boundaries !== undefined) input('sv-boundaries').checked = settings.boundaries = p.boundaries;
  if (p.svCount !== undefined) input('sv-count').value = p.svCount;
  if (p.svCompactness !== undefined) input('sv-compactness').value = p.svCompactness;
  if (p.svThreshold !== undefined) input('sv-threshold').value = p.svThreshold;
  if (p.meshSmooth !== undefined) {
    input('mesh-smooth').checked = p.meshSmooth;
    meshes.setSmooth(p.meshSmooth);
  }
  prefsApplied = true;
}

/** @param {string} tool */
function setTool(tool) {
  if (readonly && tool !== 'crosshair') return;
  const was = sizeKind(settings.tool);
  settings.tool = tool;
  if (sizeKind(tool) !== was) {
    toolSizes[was] = settings.sizeMm;
    setBrushSize(toolSizes[sizeKind(tool)]);
  }
  for (const b of document.querySelectorAll('[data-tool]')) b.classList.toggle('active', /** @type {HTMLElement} */ (b).dataset.tool === tool);
  for (const v of allViews) v.panel.style.cursor = tool === 'crosshair' ? 'crosshair' : 'none';
  allViews.forEach((v) => v.drawOverlay());
  if (tool === 'stroke') autoSupervoxels();
}
for (const b of document.querySelectorAll('[data-tool]')) b.addEventListener('click', () => setTool(/** @type {string} */ (/** @type {HTMLElement} */ (b).dataset.tool)));

/** @param {number} mm */
function setBrushSize(mm) {
  settings.sizeMm = Math.max(0.5, Math.min(50, Math.round(mm * 2) / 2));
  remember(sizeKind(settings.tool) === 'stroke' ? { strokeMm: settings.sizeMm } : { brushMm: settings.sizeMm });
  input('brush-size').value = String(settings.sizeMm);
  $('brush-size-out').textContent = `${settings.sizeMm} mm`;
  $('brush-size-name').textContent = settings.tool === 'stroke' ? 'Path width' : 'Brush size';
  allViews.forEach((v) => v.drawOverlay());
}
input('brush-size').addEventListener('input', () => setBrushSize(Number(input('brush-size').value)));
input('only-unlabelled').addEventListener('change', () => {
  settings.onlyUnlabelled = input('only-unlabelled').checked;
  remember({ onlyUnlabelled: settings.onlyUnlabelled });
});
input('overlay-opacity').addEventListener('input', () => {
  settings.overlayOpacity = Number(input('overlay-opacity').value);
  remember({ overlayOpacity: settings.overlayOpacity });
  allViews.forEach((v) => v.requestDraw());
});
/** @param {boolean} on */
function setOutline(on) {
  settings.outline = on;
  remember({ outline: on });
  input('outline').checked = on;
  allViews.forEach((v) => v.requestDraw());
}
input('outline').addEventListener('change', () => setOutline(input('outline').checked));
input('mesh-smooth').addEventListener('change', () => {
  meshes.setSmooth(input('mesh-smooth').checked);
  remember({ meshSmooth: input('mesh-smooth').checked });
});

/** Download the visible labels' surfaces of the active layer. @param {'stl' | 'obj'} format */
async function exportSurfaces(format) {
  const layer = session.layer;
  if (!session.volume || !layer) return;
  const labels = view3d.labelsShown().filter((v) => session.labels.find((l) => l.value === v)?.visible !== false).sort((a, b) => a - b);
  if (!labels.length) return showError('There is no surface to export: paint a label first (hidden labels are left out).');
  try {
    await session.restored;
    showProgress(`Writing ${format.toUpperCase()}`, 0.5);
    const { bytes } = await session.bridge.call('exportMeshes', { layer: layer.id, labels, format, smooth: meshes.smooth ? -1 : 0 });
    const what = labels.length === 1 ? (session.labels.find((l) => l.value === labels[0])?.name || `label_${labels[0]}`).replace(/[^\w.-]+/g, '_') : 'labels';
    download(bytes, `${baseName()}_${what}.${format}`);
  } catch (e) {
    showError(`The surfaces could not be exported: ${/** @type {Error} */ (e).message}`);
  } finally {
    showProgress('', null);
  }
}
$('export-stl').addEventListener('click', () => exportSurfaces('stl'));

// --- export: label map + table, image, view and label slices as PNG ----------------

/** Run an export with a progress bar and errors in the page. @param {string} what @param {() => Promise<void>} fn */
async function exporting(what, fn) {
  if (!session.volume) return;
  showError(null);
  showProgress(`Exporting ${what}`, 0.3);
  try {
    await fn();
  } catch (e) {
    showError(`The ${what} could not be exported: ${/** @type {Error} */ (e).message}`);
  } finally {
    showProgress('', null);
  }
}

/** Label map of the active layer (+ its table in the chosen form). */
function exportLabels() {
  return exporting('label map', async () => {
    const ext = /** @type {HTMLSelectElement} */ ($('export-format')).value;
    const layer = session.layer;
    const stem = `${baseName()}_${layer.name.replace(/[^\w.-]+/g, '_')}`;
    download(await session.exportLayer(session.activeLayer, ext === 'nii.gz'), `${stem}.${ext}`);
    const form = /** @type {HTMLSelectElement} */ ($('export-table')).value;
    const table = { json: [labelJson, 'labels.json'], itksnap: [itkSnapLabels, 'itksnap.txt'], slicer: [slicerColorTable, 'ctbl'] }[form];
    if (table) download(new TextEncoder().encode(/** @type {(l: any) => string} */ (table[0])(session.labels)), `${stem}.${table[1]}`);
  });
}
$('export-labels').addEventListener('click', exportLabels);
$('export-image').addEventListener('click', () =>
  exporting('image', async () => {
    const ext = /** @type {HTMLSelectElement} */ ($('export-format')).value;
    download(await session.exportImage(ext === 'nii.gz'), `${baseName()}.${ext}`);
  }),
);

/** The focused slice view as shown (image and labels), at its true aspect ratio, as PNG. */
$('export-view-png').addEventListener('click', () =>
  exporting('view', async () => {
    const v = focused instanceof SliceView ? focused : views.axial;
    const g = v.geometry;
    if (!g) return;
    const src = v.ctx.getImageData(0, 0, v.canvas.width, v.canvas.height);
    // one output pixel per the finer voxel size: anisotropic voxels keep their shape
    const px = Math.min(g.h.mm, g.v.mm);
    const w = Math.max(1, Math.round((g.h.n * g.h.mm) / px)), h = Math.max(1, Math.round((g.v.n * g.v.mm) / px));
    const out = new Uint8Array(w * h * 4);
    for (let y = 0; y < h; y++) {
      const sy = Math.min(src.height - 1, Math.floor((y * src.height) / h));
      for (let x = 0; x < w; x++) {
        const sx = Math.min(src.width - 1, Math.floor((x * src.width) / w));
        out.set(src.data.subarray(4 * (sx + src.width * sy), 4 * (sx + src.width * sy) + 4), 4 * (x + w * y));
      }
    }
    const { png } = await bridge.call('encodePng', { pixels: out.buffer, width: w, height: h, channels: 4 }, { transfer: [out.buffer] });
    download(png, `${baseName()}_${v.name}_${v.slice}.png`);
  }),
);

/** The session as one file: layers, label table, view and (unless left out) the image. */
$('save-session').addEventListener('click', () =>
  exporting('session', async () => {
    const bytes = await writeSessionFile(session, {
      includeImage: input('session-image').checked,
      view: { convention: settings.convention, camera: view3d.cameraState },
    });
    download(bytes, `${baseName()}.supervox.zip`);
  }),
);
input('open-session').addEventListener('change', async () => {
  const f = input('open-session').files?.[0];
  input('open-session').value = '';
  if (!f) return;
  showError(null);
  showProgress(`Opening ${f.name}`, 0.3);
  try {
    const { view } = await openSessionFile(session, new Uint8Array(await f.arrayBuffer()));
    if (view && (view.convention === 'radiological' || view.convention === 'neurological') && view.convention !== settings.convention) {
      settings.convention = view.convention;
      /** @type {HTMLSelectElement} */ ($('convention')).value = view.convention;
      allViews.forEach((v) => v.reset());
    }
    if (view && view.camera) view3d.setCameraState(view.camera);
    document.body.dataset.state = 'ready';
    $('status').textContent = `${f.name}: session restored (${session.layers.length} layer${session.layers.length > 1 ? 's' : ''}, ${session.labels.length} labels)`;
  } catch (e) {
    showError(`${f.name} could not be opened as a session: ${/** @type {Error} */ (e).message}`);
  } finally {
    showProgress('', null);
  }
});

/** The active layer as PNG slices (label values) in one zip. */
$('export-png-stack').addEventListener('click', () =>
  exporting('label slices', async () => {
    const pngs = await session.exportPngStack(session.activeLayer, (f) => showProgress('Exporting label slices', f));
    const digits = Math.max(3, String(pngs.length - 1).length);
    const zip = zipStore(pngs.map((p, k) => ({ name: `slice_${String(k).padStart(digits, '0')}.png`, bytes: new Uint8Array(p) })));
    download(zip, `${baseName()}_${session.layer.name.replace(/[^\w.-]+/g, '_')}_png.zip`);
  }),
);
$('export-obj').addEventListener('click', () => exportSurfaces('obj'));
/** @type {HTMLSelectElement} */ ($('convention')).addEventListener('change', (e) => {
  settings.convention = /** @type {any} */ (/** @type {HTMLSelectElement} */ (e.target).value);
  remember({ convention: settings.convention });
  allViews.forEach((v) => v.reset());
});

/** @param {string} preset */
function applyPreset(preset) {
  const v = session.volume;
  if (!v) return;
  const p = /** @type {Record<string, number[]>} */ (PRESETS)[preset];
  if (p) session.setWindow(p[1] - p[0] / 2, p[1] + p[0] / 2);
  else if (preset === 'file' && v.fileWindow) session.setWindow(v.fileWindow.lo, v.fileWindow.hi);
  else session.setWindow(v.percentiles.p005, v.percentiles.p995);
}
/** @type {HTMLSelectElement} */ ($('wl-preset')).addEventListener('change', (e) => applyPreset(/** @type {HTMLSelectElement} */ (e.target).value));

// --- supervoxels ---------------------------------------------------------------------

/** @param {boolean} busy */
function svBusy(busy) {
  /** @type {HTMLButtonElement} */ ($('sv-compute')).disabled = busy;
  $('sv-cancel').hidden = !busy;
}

/**
 * The background field: 'auto' (or empty), 'none', or a number; undefined if it is none of these.
 * @param {string} text @returns {number | null | 'auto' | undefined}
 */
function parseThreshold(text) {
  const t = text.trim().toLowerCase();
  if (t === '' || t === 'auto') return 'auto';
  if (t === 'none') return null;
  const x = Number(t);
  return Number.isFinite(x) ? x : undefined;
}

/**
 * What the background was, for the status line.
 * @param {{threshold: number | null, voxels: number}} bg @param {number | null | 'auto'} asked @param {number} nvox
 */
function backgroundText(bg, asked, nvox) {
  if (bg.threshold === null) return asked === 'auto' ? '; no background (no lowest value fills 5% of the image)' : '; no background';
  const share = `${((100 * bg.voxels) / nvox).toFixed(1)}% of voxels`;
  // auto's threshold sits just above the lowest value: name that value
  return asked === 'auto' ? `; background: ${share}, the lowest value (auto)` : `; background: ${share}, below ${bg.threshold}`;
}

/**
 * The stroke tool needs supervoxels: choosing it (or opening a volume while it is
 * chosen) computes them with the panel's settings, as Compute would — unless a
 * computation runs, or the user cancelled one on this volume (then the stroke
 * says what is missing).
 */
function autoSupervoxels() {
  if (!session.volume || session.supervoxels || svComputing || svCancelledFor === session.volume) return;
  computeSupervoxels();
}

async function computeSupervoxels() {
  if (!session.volume || svComputing) return;
  const count = Math.round(Number(input('sv-count').value));
  const compactness = Number(input('sv-compactness').value);
  const threshold = parseThreshold(input('sv-threshold').value);
  // the field's own limits (index.html): a count past them only costs time and memory
  if (!(count >= 10 && count <= 1e6) || !(compactness > 0 && compactness <= 100) || threshold === undefined) {
    showError('Supervoxels need a count from 10 to 1,000,000, a compactness above 0 and up to 100, and for the background "auto", "none" or a number.');
    return;
  }
  showError(null);
  svBusy(true);
  svComputing = true;
  const volume = session.volume;
  const t0 = performance.now();
  showProgress('Computing supervoxels', 0);
  try {
    await session.computeSupervoxels({ count, compactness, threshold }, (f) => showProgress('Computing supervoxels', f));
    const sv = /** @type {NonNullable<typeof session.supervoxels>} */ (session.supervoxels);
    const nvox = session.dims[0] * session.dims[1] * session.dims[2];
    $('sv-status').textContent =
      `${sv.count.toLocaleString()} supervoxels in ${((performance.now() - t0) / 1000).toFixed(1)} s` + backgroundText(sv.background, threshold, nvox);
    input('sv-level').dispatchEvent(new Event('input'));
    if (settings.tool !== 'stroke') setTool('stroke');
  } catch (e) {
    const err = /** @type {any} */ (e);
    if (err.code !== 'SV_ECANCELLED') showError(`Supervoxels could not be computed: ${err.message}`);
  } finally {
    svComputing = false;
    svBusy(false);
    showProgress('', null);
  }
  // a volume opened meanwhile (its supervoxels were dropped) while the stroke tool is chosen
  if (session.volume !== volume && settings.tool === 'stroke') autoSupervoxels();
}

$('sv-compute').addEventListener('click', computeSupervoxels);
$('sv-cancel').addEventListener('click', () => {
  svCancelledFor = session.volume;
  $('sv-status').textContent = 'Cancelled.';
  session.cancelAndRestore().catch((e) => showError(`The core could not be restarted: ${e.message}`));
});
input('sv-boundaries').addEventListener('change', () => {
  settings.boundaries = input('sv-boundaries').checked;
  remember({ boundaries: settings.boundaries });
  allViews.forEach((v) => v.requestDraw());
});
input('sv-level').addEventListener('input', () => {
  const level = Number(input('sv-level').value);
  session.setLevel(level);
  const sv = session.supervoxels;
  $('sv-level-out').textContent = ['fine', 'medium', 'coarse'][level] + (sv ? ` (${sv.levels.groups[level].toLocaleString()})` : '');
});
/** @type {HTMLSelectElement} */ ($('stroke-mode')).addEventListener('change', (e) => {
  settings.strokeMode = /** @type {HTMLSelectElement} */ (e.target).value;
  remember({ strokeMode: settings.strokeMode });
});
// the supervoxel fields as typed (prefs.js keeps only valid ones)
input('sv-count').addEventListener('change', () => remember({ svCount: input('sv-count').value.trim() }));
input('sv-compactness').addEventListener('change', () => remember({ svCompactness: input('sv-compactness').value.trim() }));
input('sv-threshold').addEventListener('change', () => remember({ svThreshold: input('sv-threshold').value.trim() }));
session.on('supervoxels', (sv) => {
  if (!sv) $('sv-status').textContent = session.volume ? 'Cancelled. Undo history was reset.' : '';
  allViews.forEach((v) => v.requestDraw());
});
session.on('volume', () => {
  $('sv-status').textContent = '';
});

const undo = () => (readonly ? null : session.undoRedo(false).catch((e) => showError(e.message)));
const redo = () => (readonly ? null : session.undoRedo(true).catch((e) => showError(e.message)));
$('undo').addEventListener('click', undo);
$('redo').addEventListener('click', redo);

// --- keyboard (ITK-SNAP / 3D Slicer conventions) -------------------------------------

window.addEventListener('keydown', (e) => {
  const t = /** @type {HTMLElement} */ (e.target);
  // text fields, sliders and menus handle their own keys (a slider's arrows must not move two slices)
  if (t && t.tagName === 'INPUT' && !['checkbox', 'radio'].includes(/** @type {HTMLInputElement} */ (t).type)) return;
  if (t && t.tagName === 'SELECT') return;
  const view = focused || views.axial;
  const sv = view instanceof SliceView ? view : views.axial; // arrows and Page keys move this view's slice
  const ctrl = e.ctrlKey || e.metaKey;
  if (ctrl && (e.key === 'z' || e.key === 'Z')) {
    e.preventDefault();
    if (e.shiftKey) redo();
    else undo();
    return;
  }
  if (ctrl && (e.key === 'y' || e.key === 'Y')) {
    e.preventDefault();
    redo();
    return;
  }
  if (ctrl) return;
  switch (e.key) {
    case 'ArrowUp':
    case 'ArrowRight':
      sv.setSlice(sv.slice + 1);
      break;
    case 'ArrowDown':
    case 'ArrowLeft':
      sv.setSlice(sv.slice - 1);
      break;
    case 'PageUp':
      sv.setSlice(sv.slice + 5);
      break;
    case 'PageDown':
      sv.setSlice(sv.slice - 5);
      break;
    case '[':
      setBrushSize(settings.sizeMm - (settings.sizeMm > 5 ? 1 : 0.5));
      break;
    case ']':
      setBrushSize(settings.sizeMm + (settings.sizeMm >= 5 ? 1 : 0.5));
      break;
    case 'b':
    case 'B':
      setTool('brush');
      break;
    case 'e':
    case 'E':
      setTool('eraser');
      break;
    case 'c':
    case 'C':
      setTool('crosshair');
      break;
    case 's':
    case 'S':
      setTool('stroke');
      break;
    case 'o':
    case 'O':
      setOutline(!settings.outline);
      break;
    case 'm':
    case 'M':
      toggleMaximise(view);
      break;
    case 'v':
    case 'V':
      toggle3d();
      break;
    case 'r':
    case 'R':
      if (view === view3d) view3d.resetCamera();
      else allViews.forEach((v) => v.resetZoom());
      break;
    case ' ':
      settings.space = true;
      break;
    default:
      if (/^[1-9]$/.test(e.key)) {
        const l = session.labels[Number(e.key) - 1];
        if (l) {
          session.activeLabel = l.value;
          session.labelsChanged();
        }
      } else return;
  }
  e.preventDefault();
});
window.addEventListener('keyup', (e) => {
  if (e.key === ' ') settings.space = false;
});

// --- start ------------------------------------------------------------------------------

applyPrefs();
setTool('crosshair');
setBrushSize(settings.sizeMm);
focusView(views.axial);
const src = params.get('src');
const labelsSrc = params.get('labels');
const ready = (
  src
    ? openUrl(new URL(src, location.href), decodeURIComponent(src.split('/').pop() || src))
    : INLINE
      ? openImage(INLINE.demo(), 'norm_crop.nii.gz (demo)')
      : openUrl(DEMO_URL, 'norm_crop.nii.gz (demo)')
).then(() => (labelsSrc && session.volume ? loadLabelsFrom(new URL(labelsSrc, location.href), decodeURIComponent(labelsSrc.split('/').pop() || labelsSrc)) : undefined));
// the packaged site works offline from its second visit (dist/sw.js); cached once the demo is open
ready.then(() => registerServiceWorker());
ready.then(() => view3d.start(), () => view3d.start()); // also when no volume opened
if (readonly) document.body.classList.add('readonly');
if (embedded) document.body.classList.add('embedded');

/**
 * A label map from a URL or bytes as the layer (replacing the empty first
 * layer of a fresh image). Errors show in the page and reach the host.
 * @param {URL | Uint8Array} from @param {string} name
 */
async function loadLabelsFrom(from, name) {
  try {
    const bytes = from instanceof Uint8Array ? from : await fetchBytes(from);
    const fresh = session.layers.length === 1 && !session.layers[0].data.some((x) => x) && session.history.undo === 0;
    await session.importLayer(bytes, name);
    if (fresh) await session.deleteLayer(0);
  } catch (e) {
    showError(`${name} could not be loaded as labels: ${/** @type {Error} */ (e).message}`);
    throw e;
  }
}

// --- embedding: the host page (embed.js) drives the app by messages ---------------------

/** Tell the host page something happened. @param {string} type @param {any} [detail] */
function emitToHost(type, detail) {
  if (embedded) window.parent.postMessage({ supervoxEvent: type, detail }, '*');
}
if (embedded) {
  let changeTimer = /** @type {ReturnType<typeof setTimeout> | null} */ (null);
  session.on('edit', () => {
    // one 'change' per burst of edits (a brush stroke is many)
    if (!changeTimer) changeTimer = setTimeout(() => ((changeTimer = null), emitToHost('change', { history: session.history })), 100);
  });
  session.on('volume', () => emitToHost('load', { name: session.volume?.name, dims: session.volume?.info.dims }));
  /** @type {Record<string, (args: any) => Promise<any>>} */
  const ops = {
    async loadVolume({ bytes, url, name }) {
      await ready.catch(() => {});
      if (url) await openUrl(new URL(url, location.href), name || String(url).split('/').pop());
      else await openImage(new Uint8Array(bytes), name || 'volume.nii.gz');
      if (!session.volume || (name && !session.volume.name.startsWith(name.split('/').pop() || name))) throw new Error($('error-text').textContent || 'the volume could not be opened');
      return { name: session.volume.name, dims: session.volume.info.dims };
    },
    async loadLabels({ bytes, url, name }) {
      await ready.catch(() => {});
      await loadLabelsFrom(url ? new URL(url, location.href) : new Uint8Array(bytes), name || 'labels.nii.gz');
      return { layers: session.layers.length };
    },
    async exportLabels({ gzip }) {
      await ready.catch(() => {});
      const bytes = await session.exportLayer(session.activeLayer, gzip !== false);
      return { bytes };
    },
    async setTool({ tool }) {
      if (!['crosshair', 'brush', 'eraser', 'stroke'].includes(tool)) throw new Error(`unknown tool "${tool}"`);
      if (readonly && tool !== 'crosshair') throw new Error('this annotator is read-only');
      setTool(tool);
      return { tool: settings.tool };
    },
  };
  window.addEventListener('message', async (e) => {
    if (e.source !== window.parent || !e.data || typeof e.data.supervox !== 'number') return;
    const { supervox: id, op, args } = e.data;
    try {
      const fn = ops[op];
      if (!fn) throw new Error(`unknown operation "${op}"`);
      const result = await fn(args || {});
      const transfer = result && result.bytes ? [result.bytes] : [];
      window.parent.postMessage({ supervox: id, ok: true, result }, '*', transfer);
    } catch (err) {
      window.parent.postMessage({ supervox: id, ok: false, error: /** @type {Error} */ (err).message }, '*');
    }
  });
  ready.then(() => emitToHost('ready', { name: session.volume?.name }), () => emitToHost('ready', { name: null }));
}

Object.defineProperty(window, 'supervox', {
  value: Object.freeze({
    ready,
    bridge,
    session,
    views,
    view3d,
    meshes,
    settings,
    saveOptions,
    autosave,
    setTool,
    setBrushSize,
    openImage,
    openFiles,
    computeSupervoxels,
    toggle3d,
    /** a slice view has a redraw waiting for a frame */
    get drawsPending() {
      return drawsPending();
    },
    /** no stroke preview is being computed or waiting */
    get previewIdle() {
      return !preview.busy && !preview.next;
    },
    /** which core runs: {threads, threaded}, null until it started */
    get core() {
      return coreInfo;
    },
    get lastDownload() {
      return lastDownload;
    },
  }),
});
