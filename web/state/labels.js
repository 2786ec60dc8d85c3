// @ts-check
/* labels.js — the label table: value, name, colour, visibility, opacity.
 * Value 0 is background and never listed. The JSON form is the one of
 * ../shared/data/brain/aseg_labels.json: {"labels": [{"value", "name", "color": [r, g, b]}]}. */

/**
 * @typedef {object} Label
 * @property {number} value 1..255
 * @property {string} name
 * @property {number[]} color [r, g, b] 0..255
 * @property {boolean} visible
 * @property {number} opacity 0..1
 */

/** Distinct colours for new labels (ITK-SNAP's first defaults, then a golden-angle walk). */
const PALETTE = [
  [255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255], [255, 0, 255],
  [255, 239, 213], [0, 0, 205], [205, 133, 63], [210, 180, 140],
];

/** @param {number} value */
export function defaultColor(value) {
  if (value >= 1 && value <= PALETTE.length) return PALETTE[value - 1].slice();
  const h = (value * 137.508) % 360;
  const f = (/** @type {number} */ n) => {
    const k = (n + h / 30) % 12;
    return Math.round(255 * (0.55 - 0.45 * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** @param {number} value @param {string} [name] @returns {Label} */
export function makeLabel(value, name) {
  return { value, name: name || `Label ${value}`, color: defaultColor(value), visible: true, opacity: 1 };
}

/**
 * Parse a label table in our JSON form. Throws an Error with a plain reason.
 * @param {string} text @returns {Label[]}
 */
export function parseLabelJson(text) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`it is not valid JSON (${/** @type {Error} */ (e).message})`);
  }
  const list = Array.isArray(doc) ? doc : doc && doc.labels;
  if (!Array.isArray(list)) throw new Error('it has no "labels" list');
  /** @type {Map<number, Label>} */
  const out = new Map();
  for (const [i, e] of list.entries()) {
    const value = Number(e && e.value);
    if (!Number.isInteger(value) || value < 1 || value > 255) throw new Error(`entry ${i + 1} has value ${e && e.value}; labels are 1..255`);
    const label = makeLabel(value, typeof e.name === 'string' && e.name ? e.name : undefined);
    if (Array.isArray(e.color) && e.color.length >= 3 && e.color.slice(0, 3).every((c) => Number.isFinite(c))) {
      label.color = e.color.slice(0, 3).map((c) => Math.max(0, Math.min(255, Math.round(c))));
    }
    if (typeof e.opacity === 'number') label.opacity = Math.max(0, Math.min(1, e.opacity));
    if (e.visible === false) label.visible = false;
    out.set(value, label);
  }
  return [...out.values()].sort((a, b) => a.value - b.value);
}

/** Our JSON form of a table. @param {Label[]} labels */
export function labelJson(labels) {
  return JSON.stringify({ labels: labels.map((l) => ({ value: l.value, name: l.name, color: l.color })) }, null, 1);
}

/**
 * A 256-entry RGBA lookup (alpha 0..255) for drawing; values without an entry
 * get their default colour, so no painted voxel is ever invisible by accident.
 * @param {Label[]} labels @param {number} opacity overall 0..1
 * @returns {Uint8ClampedArray}
 */
export function colorLookup(labels, opacity) {
  const lut = new Uint8ClampedArray(256 * 4);
  for (let v = 1; v < 256; v++) {
    const c = defaultColor(v);
    lut.set([c[0], c[1], c[2], 255 * opacity], v * 4);
  }
  for (const l of labels) {
    lut.set([l.color[0], l.color[1], l.color[2], l.visible ? 255 * opacity * l.opacity : 0], l.value * 4);
  }
  return lut;
}

// --- the label tables other tools read ---------------------------------------------

/**
 * ITK-SNAP's label description file: one line per label,
 * `IDX R G B A VIS MSH "LABEL"` (A 0..1, VIS and MSH 0/1), '#' comments, and
 * label 0 ("Clear Label") first, as ITK-SNAP writes it.
 * @param {Label[]} labels
 */
export function itkSnapLabels(labels) {
  const head = [
    '################################################',
    '# ITK-SnAP Label Description File',
    '# File format: ',
    '# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL',
    '# Fields: ',
    '#    IDX:   Zero-based index ',
    '#    -R-:   Red color component (0..255)',
    '#    -G-:   Green color component (0..255)',
    '#    -B-:   Blue color component (0..255)',
    '#    -A-:   Label transparency (0.00 .. 1.00)',
    '#    VIS:   Label visibility (0 or 1)',
    '#    MSH:   Label mesh visibility (0 or 1)',
    '#  LABEL:   Label description ',
    '################################################',
  ];
  const line = (/** @type {number} */ v, /** @type {number[]} */ c, /** @type {number} */ a, /** @type {number} */ vis, /** @type {string} */ name) =>
    `${String(v).padStart(5)} ${c.map((x) => String(x).padStart(5)).join('')} ${a.toFixed(2).padStart(8)} ${vis}  ${vis}    "${name.replace(/"/g, "'")}"`;
  return [...head, line(0, [0, 0, 0], 0, 0, 'Clear Label'), ...labels.map((l) => line(l.value, l.color, l.opacity, l.visible ? 1 : 0, l.name))].join('\n') + '\n';
}

/**
 * Parse an ITK-SNAP label description file. Throws an Error with a plain reason.
 * @param {string} text @returns {Label[]}
 */
export function parseItkSnapLabels(text) {
  /** @type {Map<number, Label>} */
  const out = new Map();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+([\d.]+)\s+(\d)\s+(\d)\s+"(.*)"\s*$/.exec(line);
    if (!m) throw new Error(`line ${i + 1} is not IDX R G B A VIS MSH "LABEL"`);
    const value = Number(m[1]);
    if (value === 0) continue; // the clear label
    if (value > 255) throw new Error(`line ${i + 1} has label ${value}; labels are 1..255`);
    const label = makeLabel(value, m[8] || undefined);
    label.color = [m[2], m[3], m[4]].map((x) => Math.min(255, Number(x)));
    const alpha = Number(m[5]);
    if (!Number.isFinite(alpha)) throw new Error(`line ${i + 1} has transparency "${m[5]}"; it is a number 0..1`);
    label.opacity = Math.max(0, Math.min(1, alpha));
    label.visible = m[6] === '1';
    out.set(value, label);
  }
  if (!out.size) throw new Error('it lists no labels');
  return [...out.values()].sort((a, b) => a.value - b.value);
}

/**
 * 3D Slicer's colour table (.ctbl, also FreeSurfer's LUT form): one line per
 * label, `value name r g b a` (a 0..255), '#' comments; spaces in names become
 * underscores (the format splits on white space), as Slicer writes them.
 * @param {Label[]} labels
 */
export function slicerColorTable(labels) {
  return (
    [`# Color table file written by Supervox`, `# ${labels.length + 1} values`, '0 Background 0 0 0 0']
      .concat(labels.map((l) => `${l.value} ${l.name.trim().replace(/\s+/g, '_') || `Label_${l.value}`} ${l.color.join(' ')} ${Math.round(255 * (l.visible ? l.opacity : 0))}`))
      .join('\n') + '\n'
  );
}

/**
 * Parse a Slicer / FreeSurfer colour table. Throws an Error with a plain reason.
 * @param {string} text @returns {Label[]}
 */
export function parseSlicerColorTable(text) {
  /** @type {Map<number, Label>} */
  const out = new Map();
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const f = line.split(/\s+/);
    if (f.length < 5 || !/^\d+$/.test(f[0]) || !f.slice(2, 5).every((x) => /^\d+$/.test(x))) throw new Error(`line ${i + 1} is not "value name r g b a"`);
    const value = Number(f[0]);
    if (value === 0) continue; // background
    if (value > 255) throw new Error(`line ${i + 1} has label ${value}; labels are 1..255`);
    const label = makeLabel(value, f[1]);
    label.color = f.slice(2, 5).map((x) => Math.min(255, Number(x)));
    if (f.length > 5 && /^\d+$/.test(f[5])) {
      const a = Math.min(255, Number(f[5]));
      if (a === 0) label.visible = false;
      else label.opacity = a / 255;
    }
    out.set(value, label);
  }
  if (!out.size) throw new Error('it lists no labels');
  return [...out.values()].sort((a, b) => a.value - b.value);
}

/**
 * Any of the three forms, told apart by content.
 * @param {string} text @returns {{labels: Label[], format: 'json' | 'itksnap' | 'slicer'}}
 */
export function parseLabelTable(text) {
  const t = text.trimStart();
  if (t.startsWith('{') || t.startsWith('[')) return { labels: parseLabelJson(text), format: 'json' };
  if (/^\s*\d+\s+\d+\s+\d+\s+\d+\s+[\d.]+\s+\d\s+\d\s+"/m.test(text)) return { labels: parseItkSnapLabels(text), format: 'itksnap' };
  if (/^\s*\d+\s+\S+\s+\d+\s+\d+\s+\d+/m.test(text)) return { labels: parseSlicerColorTable(text), format: 'slicer' };
  throw new Error('it is none of: Supervox JSON, an ITK-SNAP label description file, a 3D Slicer colour table');
}

/** '#rrggbb' of a colour. @param {number[]} c */
export const hex = (c) => '#' + c.map((x) => x.toString(16).padStart(2, '0')).join('');

/** [r, g, b] of '#rrggbb'. @param {string} s */
export const fromHex = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
