// @ts-check
/* orientation.js — from the voxel-to-world matrix to what each view shows.
 *
 * Views are laid out in anatomical directions, never in storage order: a file
 * stored RAS, LAS, LPS or LIA shows the same anatomy the same way up. Each
 * voxel axis is assigned the world axis (RAS+: +x Right, +y Anterior,
 * +z Superior) it is closest to, as ITK-SNAP and nibabel's io_orientation do;
 * oblique volumes are shown on their closest orthogonal planes without
 * resampling.
 *
 * Screen conventions (3D Slicer / ITK-SNAP): anterior and superior up; in axial
 * and coronal views the patient's right is on the screen's left (radiological,
 * the default) or on its right (neurological); sagittal views put anterior on
 * the left.
 */

/** @typedef {'axial' | 'coronal' | 'sagittal'} ViewName */
/** @typedef {'radiological' | 'neurological'} Convention */

/**
 * @typedef {object} AxisMap  where one voxel axis points in the world
 * @property {number} world 0 = x (R/L), 1 = y (A/P), 2 = z (S/I)
 * @property {number} sign +1 if increasing the voxel index moves toward +world (R, A, S)
 */

/**
 * @typedef {object} ScreenAxis  one screen direction of a view
 * @property {number} axis the voxel axis shown along it (0 = i, 1 = j, 2 = k)
 * @property {boolean} flip true if voxel index decreases as the screen coordinate increases
 * @property {number} n voxels along it
 * @property {number} mm voxel size along it
 */

/**
 * @typedef {object} ViewGeometry
 * @property {ViewName} name
 * @property {number} sliceAxis the voxel axis a slice is taken across
 * @property {ScreenAxis} h left to right
 * @property {ScreenAxis} v top to bottom
 * @property {{left: string, right: string, top: string, bottom: string}} letters
 */

const POS = ['R', 'A', 'S'];
const NEG = ['L', 'P', 'I'];

/**
 * For each voxel axis, the world axis it is closest to and its direction.
 * Greedy on the largest normalised matrix entry, so every world axis is used once.
 * @param {number[][]} affine 4x4 row-major voxel -> world
 * @returns {AxisMap[]}
 */
export function axisMaps(affine) {
  const cols = [0, 1, 2].map((c) => {
    const n = Math.hypot(affine[0][c], affine[1][c], affine[2][c]) || 1;
    return [0, 1, 2].map((r) => affine[r][c] / n);
  });
  /** @type {AxisMap[]} */
  const out = [];
  const usedRow = [false, false, false];
  const usedCol = [false, false, false];
  for (let pass = 0; pass < 3; pass++) {
    let best = -1;
    let br = 0;
    let bc = 0;
    for (let c = 0; c < 3; c++) {
      if (usedCol[c]) continue;
      for (let r = 0; r < 3; r++) {
        if (usedRow[r]) continue;
        const a = Math.abs(cols[c][r]);
        if (a > best) {
          best = a;
          br = r;
          bc = c;
        }
      }
    }
    usedRow[br] = usedCol[bc] = true;
    out[bc] = { world: br, sign: cols[bc][br] < 0 ? -1 : 1 };
  }
  return out;
}

/** Orientation code of the storage axes, e.g. "LIA" for FreeSurfer's conformed space. @param {number[][]} affine */
export function orientationCode(affine) {
  return axisMaps(affine)
    .map((m) => (m.sign > 0 ? POS : NEG)[m.world])
    .join('');
}

/**
 * The screen layout of one view.
 * @param {ViewName} name
 * @param {number[][]} affine
 * @param {number[]} dims [nx, ny, nz]
 * @param {number[]} spacing mm
 * @param {Convention} [convention]
 * @returns {ViewGeometry}
 */
export function viewGeometry(name, affine, dims, spacing, convention = 'radiological') {
  const maps = axisMaps(affine);
  const voxelAxisFor = (/** @type {number} */ w) => maps.findIndex((m) => m.world === w);
  // [slice world axis, horizontal world axis, its screen direction, vertical world axis, its direction]
  const xDir = convention === 'radiological' ? -1 : 1;
  const layout = {
    axial: [2, 0, xDir, 1, -1],
    coronal: [1, 0, xDir, 2, -1],
    sagittal: [0, 1, -1, 2, -1],
  }[name];
  if (!layout) throw new Error(`unknown view "${name}"`);
  const [sw, hw, hdir, vw, vdir] = layout;
  const screenAxis = (/** @type {number} */ w, /** @type {number} */ dir) => {
    const axis = voxelAxisFor(w);
    return { axis, flip: maps[axis].sign !== dir, n: dims[axis], mm: spacing[axis] };
  };
  const letter = (/** @type {number} */ w, /** @type {number} */ dir) => (dir > 0 ? POS : NEG)[w];
  return {
    name,
    sliceAxis: voxelAxisFor(sw),
    h: screenAxis(hw, hdir),
    v: screenAxis(vw, vdir),
    letters: {
      left: letter(hw, -hdir),
      right: letter(hw, hdir),
      top: letter(vw, -vdir),
      bottom: letter(vw, vdir),
    },
  };
}

/**
 * Linear-index arithmetic for drawing one slice: the voxel shown at screen
 * (col, row) is start + col * dh + row * dv.
 * @param {ViewGeometry} g @param {number[]} dims @param {number} slice index along g.sliceAxis
 */
export function sliceStrides(g, dims, slice) {
  const stride = [1, dims[0], dims[0] * dims[1]];
  const sh = stride[g.h.axis];
  const sv = stride[g.v.axis];
  let start = slice * stride[g.sliceAxis];
  if (g.h.flip) start += (g.h.n - 1) * sh;
  if (g.v.flip) start += (g.v.n - 1) * sv;
  return { start, dh: g.h.flip ? -sh : sh, dv: g.v.flip ? -sv : sv };
}
