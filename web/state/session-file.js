// @ts-check
/* session-file.js — a whole annotation session as one file, to carry to
 * another machine: a zip holding session.json (label table, layer names and
 * styles, the view: cursor, window, active label and layer, the image's name
 * and content key), each layer as a NIfTI label map (other tools read them
 * too) and, unless left out, the image as NIfTI. Without the image, the file
 * opens onto the same image (found by its content key) only.
 */
import { zipStore } from '../loaders/save.js';
import { parseLabelJson } from './labels.js';

export const SESSION_FORMAT = 'supervox-session';

/**
 * @param {import('./session.js').Session} session
 * @param {{includeImage: boolean, view?: any}} opts
 * @returns {Promise<Uint8Array>}
 */
export async function writeSessionFile(session, opts) {
  const v = session.volume;
  if (!v) throw new Error('no image is open');
  /** @type {{name: string, bytes: Uint8Array}[]} */
  const entries = [];
  const layers = [];
  for (let i = 0; i < session.layers.length; i++) {
    const l = session.layers[i];
    const file = `layers/${i + 1}.nii.gz`;
    entries.push({ name: file, bytes: new Uint8Array(await session.exportLayer(i, true)) });
    layers.push({ name: l.name, file, visible: l.visible, opacity: l.opacity });
  }
  if (opts.includeImage) entries.push({ name: 'image.nii.gz', bytes: new Uint8Array(await session.exportImage(true)) });
  const doc = {
    format: SESSION_FORMAT,
    version: 1,
    savedAt: new Date().toISOString(),
    image: { name: v.name, key: v.key, dims: v.info.dims, file: opts.includeImage ? 'image.nii.gz' : null },
    labels: session.labels,
    layers,
    activeLayer: session.activeLayer,
    activeLabel: session.activeLabel,
    cursor: session.cursor,
    window: session.window,
    view: opts.view || null,
  };
  entries.unshift({ name: 'session.json', bytes: new TextEncoder().encode(JSON.stringify(doc, null, 1)) });
  return zipStore(entries);
}

/**
 * The files of a zip (stored or deflated entries). Throws in plain words.
 * @param {Uint8Array} zip @returns {Promise<Map<string, Uint8Array>>}
 */
export async function readZip(zip) {
  const dv = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65535); i--)
    if (dv.getUint32(i, true) === 0x06054b50) {
      end = i;
      break;
    }
  if (end < 0) throw new Error('it is not a zip file');
  const count = dv.getUint16(end + 10, true);
  let p = dv.getUint32(end + 16, true);
  /** @type {Map<string, Uint8Array>} */
  const out = new Map();
  const dec = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (p + 46 > zip.length || dv.getUint32(p, true) !== 0x02014b50) throw new Error('its zip directory is damaged');
    const method = dv.getUint16(p + 10, true);
    const csize = dv.getUint32(p + 20, true);
    const nlen = dv.getUint16(p + 28, true), xlen = dv.getUint16(p + 30, true), clen = dv.getUint16(p + 32, true);
    const local = dv.getUint32(p + 42, true);
    const name = dec.decode(zip.subarray(p + 46, p + 46 + nlen));
    p += 46 + nlen + xlen + clen;
    if (local + 30 > zip.length || dv.getUint32(local, true) !== 0x04034b50) throw new Error(`its entry ${name} is damaged`);
    const start = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (start + csize > zip.length) throw new Error(`its entry ${name} is cut short`);
    const data = zip.subarray(start, start + csize);
    if (method === 0) out.set(name, data);
    else if (method === 8) {
      const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate-raw'));
      out.set(name, new Uint8Array(await new Response(stream).arrayBuffer()));
    } else throw new Error(`its entry ${name} uses zip method ${method}, which is not supported`);
  }
  return out;
}

/**
 * @typedef {object} SessionDoc
 * @property {{name: string, key: string | null, file: string | null}} image
 * @property {{name: string, file: string, visible: boolean, opacity: number}[]} layers
 * @property {import('./labels.js').Label[] | null} labels
 * @property {number} activeLayer
 * @property {number | null} activeLabel
 * @property {number[] | null} cursor
 * @property {{lo: number, hi: number} | null} window
 * @property {any} view
 */

/**
 * Check a session file's contents before anything is opened (so a damaged
 * file leaves the open work as it is): session.json in our format, its image
 * entry, every layer's file present, a sound label table. Optional fields
 * that are damaged (cursor, window, active label) are left out. Throws in
 * plain words.
 * @param {Map<string, Uint8Array>} files the zip's entries
 * @returns {SessionDoc}
 */
export function readSessionDoc(files) {
  const json = files.get('session.json');
  if (!json) throw new Error('it holds no session.json');
  let doc;
  try {
    doc = JSON.parse(new TextDecoder().decode(json));
  } catch (e) {
    throw new Error(`its session.json is not valid JSON (${/** @type {Error} */ (e).message})`);
  }
  if (!doc || typeof doc !== 'object' || doc.format !== SESSION_FORMAT || doc.version !== 1) throw new Error('it is not a Supervox session (version 1)');
  const img = doc.image;
  if (!img || typeof img !== 'object' || typeof img.name !== 'string') throw new Error('its session.json names no image');
  const image = { name: img.name, key: typeof img.key === 'string' ? img.key : null, file: typeof img.file === 'string' ? img.file : null };
  if (image.file && !files.has(image.file)) throw new Error(`its image (${image.file}) is missing`);
  if (!Array.isArray(doc.layers) || !doc.layers.length) throw new Error('its session.json lists no layers');
  const layers = doc.layers.map((/** @type {any} */ l, /** @type {number} */ i) => {
    if (!l || typeof l.file !== 'string') throw new Error(`its layer ${i + 1} names no file`);
    if (!files.has(l.file)) throw new Error(`its layer ${l.file} is missing`);
    const opacity = typeof l.opacity === 'number' ? Math.max(0, Math.min(1, l.opacity)) : 1;
    return { name: typeof l.name === 'string' && l.name ? l.name : `Layer ${i + 1}`, file: l.file, visible: l.visible !== false, opacity };
  });
  let labels = null;
  if (doc.labels !== undefined && doc.labels !== null) {
    if (!Array.isArray(doc.labels)) throw new Error('its label table is not a list');
    if (doc.labels.length) {
      try {
        labels = parseLabelJson(JSON.stringify({ labels: doc.labels }));
      } catch (e) {
        throw new Error(`its label table: ${/** @type {Error} */ (e).message}`);
      }
    }
  }
  const finite = (/** @type {any} */ x) => typeof x === 'number' && Number.isFinite(x);
  const w = doc.window;
  return {
    image,
    layers,
    labels,
    activeLayer: Number.isInteger(doc.activeLayer) ? Math.min(Math.max(0, doc.activeLayer), layers.length - 1) : 0,
    activeLabel: Number.isInteger(doc.activeLabel) && doc.activeLabel >= 1 && doc.activeLabel <= 255 ? doc.activeLabel : null,
    cursor: Array.isArray(doc.cursor) && doc.cursor.length === 3 && doc.cursor.every(finite) ? doc.cursor : null,
    window: w && finite(w.lo) && finite(w.hi) && w.lo < w.hi ? { lo: w.lo, hi: w.hi } : null,
    view: doc.view && typeof doc.view === 'object' ? doc.view : null,
  };
}

/**
 * Restore a session file: the image (from the file, or the open one if its
 * content matches), the layers, the label table and the view. The file is
 * checked first (readSessionDoc); a layer that does not fit the image undoes
 * the layers already brought in.
 * @param {import('./session.js').Session} session
 * @param {Uint8Array} bytes
 * @returns {Promise<{view: any}>}
 */
export async function openSessionFile(session, bytes) {
  const files = await readZip(bytes);
  const doc = readSessionDoc(files);
  const image = doc.image.file ? /** @type {Uint8Array} */ (files.get(doc.image.file)) : null;
  if (!image && (!session.volume || session.volume.key !== doc.image.key)) {
    throw new Error(`it belongs to the image "${doc.image.name}", which it does not include: open that image first`);
  }
  if (image) await session.openImage(image.slice(), doc.image.name);
  // layers: imported (each checked against the image's grid), replacing the open ones
  const before = session.layers.length;
  const labelsBefore = session.labels.slice();
  const activeBefore = session.activeLayer;
  let at = 0; // the layer being brought in
  try {
    for (const [i, l] of doc.layers.entries()) {
      at = i;
      await session.importLayer(/** @type {Uint8Array} */ (files.get(l.file)).slice(), l.name);
      const made = session.layers[session.layers.length - 1];
      made.name = l.name;
      made.visible = l.visible;
      made.opacity = l.opacity;
    }
  } catch (e) {
    while (session.layers.length > before) await session.deleteLayer(session.layers.length - 1);
    session.labels = labelsBefore;
    session.activeLayer = activeBefore;
    session.emit('layers');
    session.labelsChanged();
    const l = doc.layers[at];
    throw new Error(`its layer "${l.name}" (${l.file}): ${/** @type {Error} */ (e).message}`);
  }
  for (let i = 0; i < before; i++) await session.deleteLayer(0);
  if (doc.labels) session.labels = doc.labels;
  session.activeLayer = doc.activeLayer;
  if (doc.activeLabel) session.activeLabel = doc.activeLabel;
  session.emit('layers');
  session.labelsChanged();
  if (doc.cursor) session.setCursor(doc.cursor);
  if (doc.window) session.setWindow(doc.window.lo, doc.window.hi);
  return { view: doc.view };
}
