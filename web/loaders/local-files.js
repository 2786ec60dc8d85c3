// @ts-check
/* local-files.js — files the user picked or dropped, read locally (nothing is
 * uploaded): folders walked, contents read with progress, and what they are
 * told apart by content (NIfTI, PNG slices, DICOM, a label table). */

/**
 * @typedef {{name: string, bytes: Uint8Array}} NamedBytes
 */

/**
 * The files of a drop, walking dropped folders (webkitGetAsEntry).
 * @param {DataTransfer} dt @returns {Promise<File[]>}
 */
export async function filesFromDrop(dt) {
  const entries = [...dt.items].map((i) => (i.kind === 'file' && i.webkitGetAsEntry ? i.webkitGetAsEntry() : null));
  if (!entries.some((e) => e && e.isDirectory)) return [...dt.files];
  /** @type {File[]} */
  const out = [];
  /** @param {any} entry */
  async function walk(entry) {
    if (!entry) return;
    if (entry.isFile) {
      out.push(await new Promise((res, rej) => entry.file(res, rej)));
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        /** @type {any[]} */
        const batch = await new Promise((res, rej) => reader.readEntries(res, rej));
        if (!batch.length) break;
        for (const e of batch) await walk(e);
      }
    }
  }
  for (const e of entries) await walk(e);
  return out;
}

/**
 * Read files into memory with progress over their total size.
 * @param {File[]} files @param {(f: number) => void} [onProgress]
 * @returns {Promise<NamedBytes[]>}
 */
export async function readAll(files, onProgress) {
  const total = files.reduce((s, f) => s + f.size, 0) || 1;
  let done = 0;
  /** @type {NamedBytes[]} */
  const out = [];
  for (const f of files) {
    let bytes;
    try {
      bytes = new Uint8Array(await f.arrayBuffer());
    } catch (e) {
      throw new Error(`${f.name} could not be read (${/** @type {Error} */ (e).message})`);
    }
    out.push({ name: /** @type {any} */ (f).webkitRelativePath || f.name, bytes });
    done += f.size;
    onProgress?.(done / total);
  }
  return out;
}

const isPng = (/** @type {Uint8Array} */ b) => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isGzip = (/** @type {Uint8Array} */ b) => b.length > 2 && b[0] === 0x1f && b[1] === 0x8b;
const isNifti = (/** @type {Uint8Array} */ b) => {
  if (b.length < 348) return false;
  const m = String.fromCharCode(b[344], b[345], b[346]);
  const m2 = String.fromCharCode(b[4], b[5], b[6], b[7]);
  return m === 'n+1' || m === 'ni1' || m2 === 'n+2\0';
};
const isDicm = (/** @type {Uint8Array} */ b) => b.length > 132 && b[128] === 0x44 && b[129] === 0x49 && b[130] === 0x43 && b[131] === 0x4d;

/**
 * What a set of files is: one NIfTI image, a PNG stack (other files such as a
 * README are left out), a label table, or DICOM (everything else; the core
 * tells which files are not DICOM images and why).
 * @param {NamedBytes[]} files
 * @returns {{kind: 'nifti' | 'png' | 'dicom' | 'table', files: NamedBytes[]}}
 */
export function classify(files) {
  const base = (/** @type {string} */ n) => n.split('/').pop() || n;
  const visible = files.filter((f) => !base(f.name).startsWith('.'));
  const nifti = visible.filter((f) => /\.nii(\.gz)?$/i.test(f.name) || isNifti(f.bytes) || (isGzip(f.bytes) && !/\.dcm$/i.test(f.name)));
  if (nifti.length === 1 && !visible.some(isDicomLike)) return { kind: 'nifti', files: nifti };
  const png = visible.filter((f) => isPng(f.bytes));
  if (png.length && png.length >= visible.filter((f) => !/\.(json|txt|md)$/i.test(f.name)).length) return { kind: 'png', files: png };
  if (visible.length === 1 && /\.(json|txt|ctbl|lut)$/i.test(visible[0].name) && !isDicm(visible[0].bytes)) return { kind: 'table', files: visible };
  return { kind: 'dicom', files: visible.filter((f) => !/\.(json|txt|md|nii|gz)$/i.test(f.name) || isDicm(f.bytes)) };
}

/** @param {NamedBytes} f */
function isDicomLike(f) {
  return isDicm(f.bytes) || /\.dcm$/i.test(f.name);
}

/**
 * Spacing and rescale hints from a README.json next to PNG slices (the form
 * of ../shared/data/png_stack: "spacing_mm", a "value" text naming the
 * "rescale intercept"), if there is one.
 * @param {NamedBytes[]} files @returns {{spacing?: number[], intercept?: number}}
 */
export function pngHints(files) {
  const f = files.find((x) => /(^|\/)readme\.json$/i.test(x.name));
  if (!f) return {};
  try {
    const doc = JSON.parse(new TextDecoder().decode(f.bytes));
    /** @type {{spacing?: number[], intercept?: number}} */
    const out = {};
    if (Array.isArray(doc.spacing_mm) && doc.spacing_mm.length === 3 && doc.spacing_mm.every((/** @type {any} */ x) => x > 0)) out.spacing = doc.spacing_mm.map(Number);
    const m = /intercept\s*(-?\d+(\.\d+)?)/i.exec(String(doc.value || ''));
    if (m) out.intercept = Number(m[1]);
    return out;
  } catch {
    return {};
  }
}
