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

/** '#rrggbb' of a colour. @param {number[]} c */
export const hex = (c) => '#' + c.map((x) => x.toString(16).padStart(2, '0')).join('');

/** [r, g, b] of '#rrggbb'. @param {string} s */
export const fromHex = (s) => [1, 3, 5].map((i) => parseInt(s.slice(i, i + 2), 16));
