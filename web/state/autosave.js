// @ts-check
/* autosave.js — every edit saved to IndexedDB within 2 seconds, keyed by the
 * image's content, so reopening the same image (even after the tab was
 * killed mid-work) offers to restore exactly the last state, undo history
 * aside.
 *
 * What is saved: the layers (gzip-compressed by the browser's
 * CompressionStream a piece per task, stored as Blobs), their names,
 * visibility and opacity, the label table, the active label and layer, the
 * cursor and the window. Saving never blocks drawing: it waits for no edit,
 * copies and compresses the layers a piece per task (no main-thread task
 * over a few ms at 512x512x256), and one save at a time runs; a change
 * during a save schedules the next.
 * Storage full or unavailable: onWarning says so (once) and work goes on.
 */

const DB = 'supervox';
const STORE = 'autosave';
/** A change is saved at most this long after it is made. */
const SAVE_WITHIN_MS = 1000;

/**
 * @typedef {object} Saved
 * @property {string} key the image's content key
 * @property {string} name the image's name when saved
 * @property {number} savedAt ms since the epoch
 * @property {{name: string, visible: boolean, opacity: number, gz: Blob}[]} layers
 * @property {import('./labels.js').Label[]} labels
 * @property {number} activeLabel
 * @property {number} activeLayer
 * @property {number[]} cursor
 * @property {{lo: number, hi: number}} window
 */

/** @returns {Promise<IDBDatabase>} */
function openDb() {
  return new Promise((resolve, reject) => {
    if (typeof indexedDB === 'undefined') return reject(new Error('this browser offers no IndexedDB'));
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { keyPath: 'key' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error || new Error('IndexedDB could not be opened'));
    req.onblocked = () => reject(new Error('IndexedDB is blocked by another tab'));
  });
}

/**
 * One IndexedDB request in its own transaction.
 * @template T @param {IDBDatabase} db @param {IDBTransactionMode} mode
 * @param {(s: IDBObjectStore) => IDBRequest<T>} fn @returns {Promise<T>}
 */
function request(db, mode, fn) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction(STORE, mode);
    const req = fn(tx.objectStore(STORE));
    tx.oncomplete = () => resolve(req.result);
    tx.onerror = () => reject(tx.error || req.error);
    tx.onabort = () => reject(tx.error || new Error('the save was aborted'));
  });
}

/**
 * Bytes go through a compression stream a piece at a time, a task each.
 * Chromium runs CompressionStream's deflate on the page's own thread, within
 * the task that feeds it: a 256^3 layer given whole was one 88 ms task (eight
 * pieces of ~9 ms in one run of microtasks) once a second while editing.
 * A piece of PIECE bytes deflates in a few ms, and drawing and input run
 * between pieces.
 */
const PIECE = 1 << 20;
/** The layers are copied for a save this many bytes per task (a few ms). */
const COPY_PIECE = 8 << 20;

/** A task boundary (setTimeout, not a microtask: the page's frames and input go first). */
const nextTask = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Feed bytes through a (de)compression stream a piece at a time.
 * @param {Uint8Array} bytes @param {CompressionStream | DecompressionStream} stream @param {number} piece
 * @returns {Promise<ArrayBuffer>} its output
 */
async function throughInPieces(bytes, stream, piece) {
  const body = new Response(stream.readable).arrayBuffer();
  body.catch(() => {}); // a bad input rejects the writer too: reported once, below
  const writer = stream.writable.getWriter();
  for (let i = 0; i < bytes.length; i += piece) {
    await writer.ready;
    writer.write(bytes.subarray(i, i + piece)).catch(() => {});
    await nextTask();
  }
  await writer.close().catch(() => {});
  return body;
}

/** gzip bytes with the browser's CompressionStream. @param {Uint8Array} bytes @returns {Promise<Blob>} */
async function gzip(bytes) {
  return new Blob([await throughInPieces(bytes, new CompressionStream('gzip'), PIECE)]);
}

/** @param {Blob} blob @returns {Promise<Uint8Array>} */
async function gunzip(blob) {
  // compressed pieces of 64 KB: an empty layer's whole 16 MB comes from a few KB
  const bytes = new Uint8Array(await blob.arrayBuffer());
  return new Uint8Array(await throughInPieces(bytes, new DecompressionStream('gzip'), 1 << 16));
}

export class Autosave {
  /**
   * @param {import('./session.js').Session} session
   * @param {{onWarning: (message: string | null) => void, onOffer: (saved: Saved) => void}} ui
   */
  constructor(session, ui) {
    this.session = session;
    this.ui = ui;
    /** @type {Promise<IDBDatabase> | null} */
    this.db = null;
    /** the open image's key; null while nothing is to be saved (no image, or a restore offer pending) */
    this.key = /** @type {string | null} */ (null);
    /** the key of an image whose saved work is on offer */
    this.pendingKey = /** @type {string | null} */ (null);
    this.dirty = false;
    this.saving = false;
    /** @type {ReturnType<typeof setTimeout> | null} */
    this.timer = null;
    /** saves that finished, for tests */
    this.saves = 0;
    this.failed = false;
    /** resolves when nothing is waiting to be saved */
    this.idle = Promise.resolve();
    /** @type {(() => void) | null} */
    this.resolveIdle = null;
    session.on('volume', () => this.opened());
    const changed = (/** @type {any} */ e) => {
      if (e && e.restored) return;
      this.changed();
    };
    session.on('edit', changed);
    session.on('labels', changed);
    session.on('layers', changed);
    /** @type {{layer: number, lo: number[], hi: number[]}[] | null} boxes edited while a snapshot is copied */
    this.editedWhileCopying = null;
    session.on('edit', (/** @type {any} */ e) => this.editedWhileCopying?.push(e));
  }

  /**
   * A copy of every layer as it is when the copy ends, made a piece per task
   * (at 512x512x256 one 67 MB copy was a 63 ms task): the boxes edited
   * meanwhile are copied again at the end, at once. null if the layers
   * themselves changed meanwhile (one added, removed or replaced).
   * @returns {Promise<{name: string, visible: boolean, opacity: number, data: Uint8Array}[] | null>}
   */
  async snapshot() {
    const s = this.session;
    const layers = s.layers.slice();
    const sources = layers.map((l) => l.data);
    const [nx, ny] = s.dims;
    /** @type {{layer: number, lo: number[], hi: number[]}[]} */
    const edited = (this.editedWhileCopying = []);
    try {
      const copies = [];
      for (const src of sources) {
        const copy = new Uint8Array(src.length);
        for (let i = 0; i < src.length; i += COPY_PIECE) {
          copy.set(src.subarray(i, i + COPY_PIECE), i);
          if (i + COPY_PIECE < src.length) await nextTask();
        }
        copies.push(copy);
      }
      if (s.layers.length !== layers.length || s.layers.some((l, i) => l !== layers[i] || l.data !== sources[i])) return null;
      for (const e of edited) {
        const q = layers.findIndex((l) => l.id === e.layer);
        if (q < 0) continue;
        const w = e.hi[0] - e.lo[0];
        for (let k = e.lo[2]; k < e.hi[2]; k++)
          for (let j = e.lo[1]; j < e.hi[1]; j++) {
            const o = e.lo[0] + nx * (j + ny * k);
            copies[q].set(sources[q].subarray(o, o + w), o);
          }
      }
      return layers.map((l, q) => ({ name: l.name, visible: l.visible, opacity: l.opacity, data: copies[q] }));
    } finally {
      this.editedWhileCopying = null;
    }
  }

  /** @returns {Promise<IDBDatabase>} */
  database() {
    if (!this.db) this.db = openDb();
    return this.db;
  }

  /** A new image: look for saved work of the same content and offer it. */
  async opened() {
    const v = this.session.volume;
    this.key = null;
    this.dirty = false;
    if (!v || !v.key) return;
    const key = v.key;
    this.pendingKey = null;
    let saved = null;
    try {
      saved = await request(await this.database(), 'readonly', (s) => s.get(key));
    } catch (e) {
      this.warn(e);
    }
    if (this.session.volume !== v) return; // another image opened meanwhile
    if (saved && saved.layers && saved.layers.length) {
      // keep the saved work untouched until the user answers — or edits: then
      // the new work is saved (the offered work stays restorable from memory)
      this.pendingKey = key;
      this.ui.onOffer(saved);
    } else {
      this.key = key;
    }
  }

  /** The user's answer to the offer: restore the saved state, or start afresh (it is then overwritten). @param {Saved | null} saved */
  async answer(saved) {
    const v = this.session.volume;
    this.pendingKey = null;
    if (!v) return;
    if (saved) {
      const layers = [];
      for (const l of saved.layers) {
        /** @type {Uint8Array} */
        let data;
        try {
          data = await gunzip(l.gz);
        } catch {
          // the browser says only "Failed to fetch" or "incorrect header check"
          throw new Error(`its layer "${l.name}" is damaged (the stored data does not decompress); your open work is unchanged`);
        }
        layers.push({ name: l.name, visible: l.visible, opacity: l.opacity, data });
      }
      await this.session.replaceLayers(layers, { labels: saved.labels, activeLabel: saved.activeLabel, activeLayer: saved.activeLayer });
      if (saved.cursor) this.session.setCursor(saved.cursor);
      if (saved.window) this.session.setWindow(saved.window.lo, saved.window.hi);
    }
    this.key = v.key;
  }

  changed() {
    if (!this.key && this.pendingKey && this.session.volume && this.session.volume.key === this.pendingKey) this.key = this.pendingKey;
    if (!this.key || !this.session.volume) return;
    this.dirty = true;
    if (!this.resolveIdle) this.idle = new Promise((r) => (this.resolveIdle = r));
    if (!this.timer && !this.saving) this.timer = setTimeout(() => this.save(), SAVE_WITHIN_MS);
  }

  async save() {
    this.timer = null;
    const s = this.session;
    const key = this.key;
    if (!key || !s.volume || s.volume.key !== key) return this.settle();
    this.saving = true;
    this.dirty = false;
    try {
      // copies first (the page's layers change as the user draws), then compress
      const copies = await this.snapshot();
      if (!copies || !s.volume || s.volume.key !== key) {
        this.dirty = true; // the layers (or the image) changed under the copy: the next save decides
        return;
      }
      /** @type {Saved} */
      const rec = {
        key,
        name: s.volume.name,
        savedAt: Date.now(),
        layers: [],
        labels: s.labels.map((l) => ({ ...l, color: l.color.slice() })),
        activeLabel: s.activeLabel,
        activeLayer: s.activeLayer,
        cursor: s.cursor.slice(),
        window: { ...s.window },
      };
      for (const l of copies) rec.layers.push({ name: l.name, visible: l.visible, opacity: l.opacity, gz: await gzip(l.data) });
      await request(await this.database(), 'readwrite', (st) => st.put(rec));
      this.saves++;
      if (this.failed) this.ui.onWarning(null);
      this.failed = false;
    } catch (e) {
      this.dirty = true;
      this.warn(e);
    } finally {
      this.saving = false;
      if (this.dirty && !this.failed) this.timer = setTimeout(() => this.save(), SAVE_WITHIN_MS);
      else this.settle();
    }
  }

  settle() {
    if (this.resolveIdle && !this.timer && !this.saving) {
      const r = this.resolveIdle;
      this.resolveIdle = null;
      r();
    }
  }

  /** @param {any} e */
  warn(e) {
    const full = e && (e.name === 'QuotaExceededError' || /quota/i.test(String(e.message)));
    this.failed = true;
    this.ui.onWarning(
      full
        ? 'Autosave stopped: this browser’s storage is full. Your work goes on but is not being saved here — export the labels or save the session.'
        : `Autosave is not available (${(e && e.message) || e}). Your work goes on but is not being saved here — export the labels or save the session.`,
    );
    this.settle();
  }

  /** Forget the saved work of an image (after it was declined). @param {string} key */
  async forget(key) {
    try {
      await request(await this.database(), 'readwrite', (s) => s.delete(key));
    } catch (e) {
      this.warn(e);
    }
  }
}
