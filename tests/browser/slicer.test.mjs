// slicer.test.mjs — every user action of the slicer, in real Chromium, on the demo.
// The demo brain is stored LIA: i -> L, j -> I, k -> A. So the axial view
// (across j) shows i left to right (R on the left: no flip) and k bottom to top;
// the coronal view (across k) shows i and j (top = j 0); the sagittal (across i)
// shows k (A on the left: flipped) and j.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import * as h from './browser.mjs';
import { OUT, ROOT, watchErrors } from './browser.mjs'; // watchErrors: for the ?src page

const DATA = path.resolve(ROOT, process.env.SHARED || '../shared', 'data');
let server;
let page;
let errors;

let app;
before(async () => {
  app = await h.openApp();
  ({ server, page, errors } = app);
});
after(() => app?.close());

const shot = (name) => h.shot(page, name);
const state = () =>
  page.evaluate(() => {
    const s = window.supervox.session;
    const slices = Object.fromEntries(Object.entries(window.supervox.views).map(([k, v]) => [k, v.slice]));
    return { cursor: s.cursor, slices, window: s.window, history: s.history, name: s.volume?.name, layers: s.layers.length, active: s.activeLabel };
  });
const labelled = (value, layer) =>
  page.evaluate(([v, l]) => {
    const d = window.supervox.session.layers[l ?? window.supervox.session.activeLayer].data;
    let n = 0;
    for (let i = 0; i < d.length; i++) n += v === undefined ? d[i] !== 0 : d[i] === v;
    return n;
  }, [value, layer]);
const pointOn = (view, col, row) => h.pointOn(page, view, col, row);
const pixel = (view, col, row) =>
  page.evaluate(([v, c, r]) => Array.from(document.querySelector(`canvas[data-view="${v}"]`).getContext('2d').getImageData(c, r, 1, 1).data), [view, col, row]);
const settle = () => h.settle(page);
const idle = () => h.idle(page);

test('the demo loads into three views at their middle slices', async () => {
  const s = await state();
  assert.equal(s.name, 'norm_crop.nii.gz (demo)');
  assert.deepEqual(s.cursor, [66, 69, 91]);
  assert.deepEqual(s.slices, { axial: 69, sagittal: 66, coronal: 91 });
  const sizes = await page.$$eval('canvas.slice', (cs) => cs.map((c) => `${c.dataset.view}:${c.width}x${c.height}`));
  assert.deepEqual(sizes, ['axial:133x182', 'sagittal:182x139', 'coronal:133x139']);
  const letters = await page.$$eval('.panel', (ps) => ps.filter((p) => p.dataset.view && p.dataset.view !== '3d').map((p) => [...p.querySelectorAll('.letter')].map((e) => e.textContent).join('')));
  assert.deepEqual(letters, ['RLAP', 'APSI', 'RLSI']);
  await shot('slicer-demo');
});

test('scrolling: wheel, arrow keys, Page Up/Down and the slider move one view', async () => {
  const p = await pointOn('axial', 66, 91);
  await page.mouse.move(p.x, p.y);
  await page.mouse.wheel(0, -100);
  await settle();
  assert.equal((await state()).slices.axial, 70);
  await page.mouse.wheel(0, 100);
  await page.mouse.wheel(0, 100);
  await settle();
  assert.equal((await state()).slices.axial, 68);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('PageUp');
  await settle();
  assert.equal((await state()).slices.axial, 74);
  await page.keyboard.press('PageDown');
  await page.keyboard.press('ArrowDown');
  const before = await pixel('axial', 66, 91);
  await page.$eval('#view-axial .slice-slider', (el) => {
    el.value = '40';
    el.dispatchEvent(new Event('input'));
  });
  await settle();
  const s = await state();
  assert.equal(s.slices.axial, 40);
  assert.equal(s.slices.coronal, 91, 'other views keep their slice');
  assert.notDeepEqual(await pixel('axial', 66, 91), before, 'the image changed with the slice');
  assert.equal(await page.textContent('#view-axial .slice-label'), '41 / 139');
});

test('a click sets the crosshair and moves the other two views', async () => {
  await page.click('[data-tool="crosshair"]');
  const p = await pointOn('axial', 40, 60); // i = 40, k = 181 - 60 = 121
  await page.mouse.click(p.x, p.y);
  await settle();
  const s = await state();
  assert.deepEqual(s.cursor, [40, 40, 121]);
  assert.equal(s.slices.sagittal, 40);
  assert.equal(s.slices.coronal, 121);
  const status = await page.textContent('#status');
  assert.match(status, /voxel \(40, 40, 121\)/);
  assert.match(status, /world \(/);
  assert.match(status, /intensity \d/);
  // back to the middle for what follows
  await page.evaluate(() => window.supervox.session.setCursor([66, 69, 91]));
});

test('zoom with Ctrl+wheel keeps the point under the mouse; R resets', async () => {
  const width = () => page.$eval('canvas[data-view="coronal"]', (c) => c.getBoundingClientRect().width);
  const w0 = await width();
  const p = await pointOn('coronal', 30, 40);
  await page.mouse.move(p.x, p.y);
  await page.keyboard.down('Control');
  await page.mouse.wheel(0, -400);
  await page.keyboard.up('Control');
  await settle();
  assert.ok((await width()) > w0 * 1.5, 'zoomed in');
  const q = await pointOn('coronal', 30, 40);
  assert.ok(Math.abs(q.x - p.x) < 3 && Math.abs(q.y - p.y) < 3, `the voxel under the mouse moved from ${p.x},${p.y} to ${q.x},${q.y}`);
  // pan with the middle button
  await page.mouse.down({ button: 'middle' });
  await page.mouse.move(p.x + 40, p.y + 25);
  await page.mouse.up({ button: 'middle' });
  const r = await pointOn('coronal', 30, 40);
  assert.ok(Math.abs(r.x - p.x - 40) < 2 && Math.abs(r.y - p.y - 25) < 2, 'panned with the mouse');
  await shot('slicer-zoomed');
  await page.keyboard.press('r');
  await settle();
  assert.ok(Math.abs((await width()) - w0) < 1, 'reset');
});

test('window/level: right-drag, presets, histogram', async () => {
  const w0 = (await state()).window;
  const p = await pointOn('axial', 66, 91);
  await page.mouse.move(p.x, p.y);
  await page.mouse.down({ button: 'right' });
  await page.mouse.move(p.x + 80, p.y + 40, { steps: 4 });
  await page.mouse.up({ button: 'right' });
  await settle();
  const w1 = (await state()).window;
  assert.ok(w1.hi - w1.lo > w0.hi - w0.lo, 'dragging right widens the window');
  assert.ok((w1.hi + w1.lo) / 2 < (w0.hi + w0.lo) / 2, 'dragging down lowers the level');
  assert.equal(await page.$eval('#histogram', (c) => c.dataset.window), `${w1.lo},${w1.hi}`);
  await page.selectOption('#wl-preset', 'ct-bone');
  assert.deepEqual((await state()).window, { lo: -500, hi: 1300 });
  await page.selectOption('#wl-preset', 'auto');
  assert.deepEqual((await state()).window, w0);
});

test('brush paints the active label in every view; one undo step per stroke', async () => {
  await page.keyboard.press('b');
  await page.keyboard.press(']'); // 5 -> 6 mm
  assert.equal(await page.textContent('#brush-size-out'), '6 mm');
  await page.keyboard.press('[');
  // a horizontal stroke through the crosshair on the axial view (slice j = 69)
  const a = await pointOn('axial', 50, 90);
  const b = await pointOn('axial', 80, 90);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 12 });
  await page.mouse.up();
  await idle();
  const n = await labelled(1);
  // a capsule 30 voxels long, 5 mm wide, on one slice
  assert.ok(n > 150 && n < 200, `painted ${n} voxels`);
  assert.deepEqual((await state()).history, { undo: 1, redo: 0 });
  const red = await pixel('axial', 65, 90);
  assert.ok(red[0] > red[1] + 60 && red[0] > red[2] + 60, `label colour under the stroke: ${red}`);
  // the coronal view (slice k = 91) crosses the stroke: the label shows on row j = 69
  const c = await pixel('coronal', 65, 69);
  assert.ok(c[0] > c[1] + 60, `coronal shows the label: ${c}`);
  await shot('slicer-brush');
  // paint in the sagittal and coronal views too, with label 2
  await page.click('#add-label');
  assert.equal((await state()).active, 2);
  for (const [view, col, row] of [['sagittal', 100, 40], ['coronal', 30, 100]]) {
    const p = await pointOn(view, col, row);
    await page.mouse.move(p.x, p.y);
    await page.mouse.down();
    await page.mouse.move(p.x + 15, p.y + 5, { steps: 3 });
    await page.mouse.up();
  }
  await idle();
  assert.ok((await labelled(2)) > 40);
  assert.equal((await state()).history.undo, 3);
});

test('undo and redo: Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y, and the buttons', async () => {
  const n1 = await labelled(1);
  const n2 = await labelled(2);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await idle();
  assert.equal(await labelled(2), 0);
  assert.equal(await labelled(1), n1);
  await page.keyboard.press('Control+z');
  await idle();
  assert.equal(await labelled(), 0);
  assert.deepEqual((await state()).history, { undo: 0, redo: 3 });
  assert.ok(await page.$eval('#undo', (b) => b.disabled));
  await page.keyboard.press('Control+Shift+z');
  await page.keyboard.press('Control+y');
  await page.click('#redo');
  await idle();
  assert.equal(await labelled(1), n1);
  assert.equal(await labelled(2), n2);
  const red = await pixel('axial', 65, 90);
  assert.ok(red[0] > red[1] + 60, 'redraw after redo');
});

test('eraser clears labels', async () => {
  await page.keyboard.press('e');
  const a = await pointOn('axial', 48, 90);
  const b = await pointOn('axial', 66, 90);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
  await idle();
  const left = await labelled(1);
  assert.ok(left > 40 && left < 120, `${left} voxels of label 1 left`);
  await page.keyboard.press('Control+z');
  await idle();
  await page.keyboard.press('c');
});

test('label table: rename, recolour, hide, pick with number keys, delete', async () => {
  await page.fill('.label-row[data-value="1"] input.name', 'Thalamus');
  await page.press('.label-row[data-value="1"] input.name', 'Enter');
  await page.$eval('.label-row[data-value="1"] input[type=color]', (el) => {
    el.value = '#00ff00';
    el.dispatchEvent(new Event('input'));
  });
  await settle();
  const g = await pixel('axial', 70, 90);
  assert.ok(g[1] > g[0] + 60, `recoloured green: ${g}`);
  await page.keyboard.press('1');
  assert.equal((await state()).active, 1);
  await page.keyboard.press('2');
  assert.equal((await state()).active, 2);
  await page.uncheck('.label-row[data-value="1"] input[type=checkbox]');
  await settle();
  const hidden = await pixel('axial', 70, 90);
  assert.ok(Math.abs(hidden[0] - hidden[1]) < 3, `hidden label shows grey: ${hidden}`);
  await page.check('.label-row[data-value="1"] input[type=checkbox]');
  const p = await pointOn('axial', 70, 90);
  await page.mouse.move(p.x, p.y);
  assert.match(await page.textContent('#status'), /label Thalamus/);
  await page.click('.label-row[data-value="2"] button');
  assert.deepEqual(await page.$$eval('.label-row', (r) => r.map((x) => x.dataset.value)), ['1']);
  // outline-only mode and overlay opacity
  await page.keyboard.press('o');
  await settle();
  const inner = await pixel('axial', 70, 90);
  assert.ok(Math.abs(inner[0] - inner[1]) < 3, `outline mode leaves the inside grey: ${inner}`);
  await page.keyboard.press('o');
});

test('a label table in the aseg JSON form loads; a label map on the same grid imports as a layer', async () => {
  await page.setInputFiles('#import-table', path.join(DATA, 'brain/aseg_labels.json'));
  await page.waitForFunction(() => window.supervox.session.labels.length > 30);
  assert.match(await page.textContent('.label-row[data-value="17"]').then(() => page.$eval('.label-row[data-value="17"] input.name', (e) => e.value)), /Hippocampus/);
  await page.setInputFiles('#import-labels', path.join(DATA, 'brain/aseg_collapsed_crop.nii.gz'));
  await page.waitForFunction(() => window.supervox.session.layers.length === 2);
  await idle();
  assert.ok((await labelled(undefined, 1)) > 500000);
  assert.equal(await page.textContent('#status'), 'aseg_collapsed_crop.nii.gz: imported as layer “aseg_collapsed_crop” (42 labels)');
  // the imported labels line up with the image: left thalamus (10) in the deep grey matter
  const colour = await page.evaluate(() => window.supervox.session.labels.find((l) => l.value === 10).color);
  assert.deepEqual(colour, [0, 118, 14]);
  await shot('slicer-aseg');
  for (const v of ['axial', 'sagittal', 'coronal']) {
    await page.evaluate((name) => window.supervox.views[name].panel.dispatchEvent(new MouseEvent('dblclick', { bubbles: true })), v);
    await settle();
    await shot(`slicer-aseg-${v}`);
    await page.keyboard.press('m');
    await settle();
  }
  assert.equal(await page.$eval('#views', (e) => e.classList.contains('maximised')), false);
});

test('a label map on another grid is refused and changes nothing', async () => {
  const before = await state();
  await page.setInputFiles('#import-labels', path.join(DATA, 'mr/example_seg_mr.nii.gz'));
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error-text'), /example_seg_mr\.nii\.gz could not be imported: the label map's grid does not match the image's: 117x91x20 voxels .* vs 133x139x182; voxel size 3 x 3 x 3 mm vs 1 x 1 x 1 mm/);
  assert.equal((await state()).layers, before.layers);
  await page.click('#error-close');
});

test('a damaged file shows its name and reason and leaves the volume and labels untouched', async () => {
  const before = await state();
  const n = await labelled(undefined, 1);
  const bad = path.join(OUT, 'truncated.nii');
  mkdirSync(OUT, { recursive: true });
  const good = gunzipSync(readFileSync(path.join(DATA, 'brain/norm_crop.nii.gz')));
  writeFileSync(bad, good.subarray(0, 100000));
  await page.setInputFiles('#open-image', bad);
  await page.waitForSelector('#error:not([hidden])');
  assert.match(await page.textContent('#error-text'), /truncated\.nii could not be opened: the file is truncated/);
  const after = await state();
  assert.equal(after.name, before.name);
  assert.equal(after.layers, before.layers);
  assert.equal(await labelled(undefined, 1), n);
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
  await shot('slicer-bad-file');
  await page.click('#error-close');
});

test('each layer exports on its own as a NIfTI label map nibabel reads', async () => {
  const [dl] = await Promise.all([page.waitForEvent('download'), page.click('.layer-row:nth-child(2) button[aria-label^="Export"]')]);
  const file = path.join(OUT, dl.suggestedFilename());
  await dl.saveAs(file);
  assert.match(dl.suggestedFilename(), /^norm_crop_aseg_collapsed_crop\.nii\.gz$/);
  const out = execFileSync('/usr/bin/python3', ['-c', `
import nibabel as nib, numpy as np
a = nib.load(${JSON.stringify(file)}); b = nib.load(${JSON.stringify(path.join(DATA, 'brain/aseg_collapsed_crop.nii.gz'))})
print(a.shape == b.shape, np.allclose(a.affine, b.affine, atol=1e-4), int(a.header['intent_code']), a.get_data_dtype(),
      bool((np.asanyarray(a.dataobj) == np.asanyarray(b.dataobj)).all()))`], { encoding: 'utf8' });
  assert.equal(out.trim(), 'True True 1002 uint8 True');
});

test('overlay opacity and layer visibility change what is drawn', async () => {
  // the aseg layer is on top; a voxel of white matter in the axial view
  const p0 = await pixel('axial', 40, 120);
  await page.$eval('#overlay-opacity', (el) => {
    el.value = '0';
    el.dispatchEvent(new Event('input'));
  });
  await settle();
  const p1 = await pixel('axial', 40, 120);
  assert.ok(Math.abs(p1[0] - p1[1]) < 3 && Math.abs(p1[1] - p1[2]) < 3, `opacity 0 shows the grey image: ${p1}`);
  await page.$eval('#overlay-opacity', (el) => {
    el.value = '0.6';
    el.dispatchEvent(new Event('input'));
  });
  await page.uncheck('.layer-row:nth-child(2) input[type=checkbox]');
  await settle();
  const p2 = await pixel('axial', 40, 120);
  assert.deepEqual(p2, p1, 'hiding the layer shows the image under it');
  await page.check('.layer-row:nth-child(2) input[type=checkbox]');
  await settle();
  assert.deepEqual(await pixel('axial', 40, 120), p0);
});

test('neurological convention swaps left and right', async () => {
  await page.selectOption('#convention', 'neurological');
  await settle();
  const letters = await page.$$eval('#view-axial .letter', (e) => e.map((x) => x.textContent).join(''));
  assert.equal(letters, 'LRAP');
  await page.selectOption('#convention', 'radiological');
  assert.deepEqual(errors, []);
});

test('?src= opens another volume (the MR, stored LPS) upright', async () => {
  const p2 = await page.context().newPage();
  const errs = watchErrors(p2);
  // serve the shared MR through the test server's web root
  const rel = 'build/test-mr.nii.gz';
  writeFileSync(path.join(ROOT, 'web', rel), readFileSync(path.join(DATA, 'mr/example_mr_sm.nii.gz')));
  await p2.goto(`${server.url}?src=${rel}`);
  await p2.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30000 });
  const info = await p2.evaluate(() => ({ name: window.supervox.session.volume.name, dims: window.supervox.session.volume.info.dims }));
  assert.deepEqual(info, { name: 'test-mr.nii.gz', dims: [117, 91, 20] });
  const letters = await p2.$$eval('.panel[data-view] .letter', (e) => e.map((x) => x.textContent).join(''));
  assert.equal(letters, 'RLAPAPSIRLSI');
  await p2.screenshot({ path: path.join(OUT, 'slicer-mr-src.png') });
  assert.deepEqual(errs, []);
  await p2.close();
  unlinkSync(path.join(ROOT, 'web', rel));
});

test('drag and drop opens a file, with a progress bar, and anisotropic voxels keep their aspect', async () => {
  // niivue_shear: 306 x 422 x 54 voxels of 0.48 x 0.48 x 2.37 mm
  const bytes = readFileSync(path.join(DATA, 'nifti_edge/niivue_shear.nii.gz'));
  await page.evaluate(() => {
    window.__progressSeen = false;
    new MutationObserver(() => {
      if (!document.getElementById('progress').hidden) window.__progressSeen = true;
    }).observe(document.getElementById('progress'), { attributes: true });
  });
  await page.evaluate((b64) => {
    const bin = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const dt = new DataTransfer();
    dt.items.add(new File([bin], 'niivue_shear.nii.gz'));
    for (const type of ['dragenter', 'dragover', 'drop']) window.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, bytes.toString('base64'));
  await page.waitForFunction(() => window.supervox.session.volume.name === 'niivue_shear.nii.gz');
  await settle();
  assert.ok(await page.evaluate(() => window.__progressSeen), 'the progress bar was shown');
  assert.equal(await page.$eval('#drop', (e) => e.hidden), true);
  const g = await page.evaluate(() => {
    const v = window.supervox.views.coronal;
    const r = v.canvas.getBoundingClientRect();
    return { w: r.width, h: r.height, mmW: v.geometry.h.n * v.geometry.h.mm, mmH: v.geometry.v.n * v.geometry.v.mm, px: [v.canvas.width, v.canvas.height] };
  });
  // on screen, width/height equals the physical extent's ratio, not the voxel count's
  assert.ok(Math.abs(g.w / g.h - g.mmW / g.mmH) < 0.01, `aspect ${g.w / g.h} vs ${g.mmW / g.mmH}`);
  assert.ok(Math.abs(g.px[0] / g.px[1] - g.mmW / g.mmH) > 0.5, 'the voxel grid alone would give another aspect');
  await shot('slicer-anisotropic');
  // the slider's own arrow keys move one slice, not two
  const before = (await state()).slices.axial;
  await page.focus('#view-axial .slice-slider');
  await page.keyboard.press('ArrowUp');
  await settle();
  assert.equal((await state()).slices.axial, before + 1);
});
