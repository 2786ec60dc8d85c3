// @ts-check
/* prefs.js — the tool settings a user chose, kept for the next visit.
 *
 * An annotator sets up the tools once (brush size, the stroke's path width
 * and mode, supervoxel count and background, overlay, display convention)
 * and expects them back after a reload, as ITK-SNAP and 3D Slicer keep
 * theirs. Stored in localStorage under one key as JSON; each value is
 * checked on the way in (a value out of range or of the wrong type is left
 * out, so the default holds), and storage that is blocked, full or holds
 * something else is ignored: the app then starts with its defaults.
 * Per-image state (window, labels, layers) is the autosave's, not here.
 */

const KEY = 'supervox:prefs';

/**
 * @typedef {object} Prefs
 * @property {number} [brushMm] brush and eraser diameter, 0.5..50
 * @property {number} [strokeMm] the stroke's path width, 0.5..50
 * @property {string} [strokeMode] 'paint' | 'touch' | 'erase'
 * @property {boolean} [onlyUnlabelled]
 * @property {number} [overlayOpacity] 0..1
 * @property {boolean} [outline]
 * @property {string} [convention] 'radiological' | 'neurological'
 * @property {boolean} [boundaries] supervoxel boundaries shown
 * @property {string} [svCount] as typed: a whole number >= 10
 * @property {string} [svCompactness] as typed: a positive number
 * @property {string} [svThreshold] as typed: 'auto', 'none' or a number
 * @property {boolean} [meshSmooth]
 */

/** @type {Record<keyof Prefs, (v: any) => boolean>} */
const CHECKS = {
  brushMm: (v) => typeof v === 'number' && v >= 0.5 && v <= 50,
  strokeMm: (v) => typeof v === 'number' && v >= 0.5 && v <= 50,
  strokeMode: (v) => v === 'paint' || v === 'touch' || v === 'erase',
  onlyUnlabelled: (v) => typeof v === 'boolean',
  overlayOpacity: (v) => typeof v === 'number' && v >= 0 && v <= 1,
  outline: (v) => typeof v === 'boolean',
  convention: (v) => v === 'radiological' || v === 'neurological',
  boundaries: (v) => typeof v === 'boolean',
  svCount: (v) => typeof v === 'string' && /^\d+$/.test(v) && Number(v) >= 10 && Number(v) <= 1e6,
  svCompactness: (v) => typeof v === 'string' && Number(v) > 0 && Number(v) <= 100,
  svThreshold: (v) => typeof v === 'string' && (v === 'auto' || v === 'none' || (v.trim() !== '' && Number.isFinite(Number(v)))),
  meshSmooth: (v) => typeof v === 'boolean',
};

/** The saved preferences that pass their checks ({} when there are none or storage is unavailable). @returns {Prefs} */
export function loadPrefs() {
  /** @type {any} */
  let raw;
  try {
    raw = JSON.parse(localStorage.getItem(KEY) || '{}');
  } catch {
    return {};
  }
  /** @type {any} */
  const out = {};
  if (!raw || typeof raw !== 'object') return out;
  for (const [k, check] of Object.entries(CHECKS)) if (k in raw && check(raw[k])) out[k] = raw[k];
  return out;
}

/** @type {ReturnType<typeof setTimeout> | null} */
let timer = null;
/** @type {Prefs} */
let pending = {};

/**
 * Remember some preferences (merged with those saved); written shortly after,
 * once, however many change meanwhile (a slider dragged). Storage errors are ignored.
 * @param {Prefs} p
 */
export function savePrefs(p) {
  pending = { ...pending, ...p };
  if (timer) return;
  timer = setTimeout(() => {
    timer = null;
    const all = { ...loadPrefs(), ...pending };
    pending = {};
    try {
      localStorage.setItem(KEY, JSON.stringify(all));
    } catch {
      // blocked or full: the settings hold for this visit only
    }
  }, 300);
}
