// files.test.mjs — files in and out in real Chromium: a DICOM folder opens
// (the same voxels as the CLI, metadata shown), a folder of several series
// asks which, PNG slices open with their spacing, and the exports are real
// downloads that nibabel, nifti_tool and PIL read: the label map (same grid,
// same voxels as in the app, intent label) with its table, by Blob URL and by
// base64 data: URL alike, the image without patient tags, the view and the
// label slices as PNG.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as h from './browser.mjs';

const SHARED = h.SHARED;
const CT = path.join(SHARED, 'data/ct_dicom/series');
const CLI = path.join(h.ROOT, 'build/supervox');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'supervox-files-'));
const py = (code, ...args) => execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' }).trim();

let page;
let errors;
let app;
before(async () => {
  app = await h.openApp();
  ({ page, errors } = app);
});
after(() => app?.close());

const idle = () => h.idle(page);
/** Checksums of the image as the page holds it: count, sum and an order-sensitive sum. */
const pageSums = () =>
  page.evaluate(() => {
    const v = window.supervox.session.volume;
    let s = 0, w = 0;
    for (let i = 0; i < v.data.length; i++) {
      const x = v.data[i] * v.info.scl_slope + v.info.scl_inter;
      s += x;
      w += x * ((i % 1009) + 1);
    }
    return [v.data.length, s, w];
  });
/** The same sums of a NIfTI file through nibabel (x fastest). */
const nibSums = (file) =>
  JSON.parse(py(`
import sys, json, numpy as np, nibabel as nib
a = np.asarray(nib.load(sys.argv[1]).dataobj, dtype=np.float64).ravel(order='F')
print(json.dumps([int(a.size), float(a.sum()), float((a * (np.arange(a.size) % 1009 + 1)).sum())]))`, file));

/** Save the next download; returns its path. */
async function downloadOf(action) {
  const [dl] = await Promise.all([page.waitForEvent('download'), action()]);
  const file = path.join(TMP, dl.suggestedFilename());
  await dl.saveAs(file);
  return file;
}

test('a DICOM folder opens with the voxels the CLI reads, and the metadata panel shows its tags', async () => {
  await page.setInputFiles('#open-folder', CT);
  await page.waitForFunction(() => window.supervox.session.volume?.kind === 'dicom', null, { timeout: 30000 });
  await idle();
  const v = await page.evaluate(() => ({ dims: window.supervox.session.volume.info.dims, spacing: window.supervox.session.volume.info.spacing }));
  assert.deepEqual(v.dims, [512, 512, 20]);
  assert.deepEqual(v.spacing.map((x) => +x.toFixed(4)), [0.9766, 0.9766, 2]);
  execFileSync(CLI, ['convert', CT, path.join(TMP, 'ct.nii.gz')]);
  const [n, s, w] = await pageSums();
  const [n2, s2, w2] = nibSums(path.join(TMP, 'ct.nii.gz'));
  assert.equal(n, n2);
  assert.ok(Math.abs(s - s2) < 1e-6 * Math.abs(s2) + 1 && Math.abs(w - w2) < 1e-6 * Math.abs(w2) + 1, `${s} ${w} vs ${s2} ${w2}`);
  const meta = await page.$eval('#meta-list', (el) => el.textContent);
  for (const t of ['ModalityCT', 'Study date2022-12-08', 'Slice thickness3 mm', 'SeriesCT Body 3.0', 'Patient ID', 'Window (file)W 300 L 40'])
    assert.ok(meta.includes(t), `${t} in ${meta}`);
  // it opens in the window its files suggest (WindowCenter 40 / WindowWidth 300, the first of two), as other viewers do
  const win = () => page.evaluate(() => ({ ...window.supervox.session.window, preset: document.getElementById('wl-preset').value, out: document.getElementById('wl-out').textContent }));
  assert.deepEqual(await win(), { lo: -110, hi: 190, preset: 'file', out: 'W 300 L 40' });
  await h.shot(page, 'files-dicom');
  await page.selectOption('#wl-preset', 'auto');
  const auto = await win();
  assert.ok(auto.hi - auto.lo > 1000, `auto: ${auto.out}`);
  await page.selectOption('#wl-preset', 'file');
  assert.equal((await win()).out, 'W 300 L 40');
  await page.selectOption('#wl-preset', 'ct-soft');
});

test('a folder of several series asks which to open; the patient tags show but never leave', async () => {
  const dir = path.join(TMP, 'two-series');
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(CT).slice(0, 3)) copyFileSync(path.join(CT, f), path.join(dir, f));
  copyFileSync(path.join(SHARED, 'data/dicom_edge/pydicom/CT_small.dcm'), path.join(dir, 'ct_small.dcm'));
  writeFileSync(path.join(dir, 'notes.txt'), 'not DICOM');
  await page.setInputFiles('#open-folder', dir);
  await page.waitForSelector('#series-dialog[open]');
  const options = await page.$$eval('#series-list label', (ls) => ls.map((l) => l.textContent));
  assert.equal(options.length, 2, options.join(' | '));
  await h.shot(page, 'files-series-dialog');
  const pick = options.findIndex((o) => o.includes('128×128'));
  await page.click(`#series-list label:nth-child(${pick + 1}) input`);
  await page.click('#series-open');
  await page.waitForFunction(() => window.supervox.session.volume?.info.dims[0] === 128, null, { timeout: 30000 });
  await idle();
  const meta = await page.$eval('#meta-list', (el) => el.textContent);
  assert.ok(meta.includes('CompressedSamples^CT1') && meta.includes('1CT1'), meta);
  // the image exported: no patient or study tag in its bytes
  const file = await downloadOf(() => page.click('#export-image'));
  const bytes = execFileSync('gzip', ['-dc', file]);
  for (const tag of ['CompressedSamples', '1CT1', '20040119', '1.3.6.1.4.1.5962']) assert.ok(!bytes.includes(Buffer.from(tag)), `${tag} in the export`);
  assert.equal(py('import sys, nibabel as nib; print(nib.load(sys.argv[1]).shape)', file), '(128, 128, 1)');
});

test('PNG slices open in natural order with the spacing and intercept of their README', async () => {
  await page.setInputFiles('#open-folder', path.join(SHARED, 'data/png_stack/mr_u16'));
  await page.waitForSelector('#png-dialog[open]');
  assert.deepEqual(await page.$$eval('#png-dialog input', (els) => els.map((e) => e.value)), ['3', '3', '3', '1', '-1024']);
  await h.shot(page, 'files-png-dialog');
  await page.click('#png-open');
  await page.waitForFunction(() => window.supervox.session.volume?.kind === 'png', null, { timeout: 30000 });
  await idle();
  const [n, s, w] = await pageSums();
  const [n2, s2, w2] = nibSums(path.join(SHARED, 'data/mr/example_mr_sm.nii.gz'));
  assert.deepEqual([n, s, w], [n2, s2, w2]);
  await h.shot(page, 'files-png');
});

test('label map and table export: nibabel and nifti_tool read them; base64 and Blob give the same bytes', async () => {
  await page.setInputFiles('#open-folder', CT);
  await page.waitForFunction(() => window.supervox.session.volume?.kind === 'dicom' && window.supervox.session.volume.info.dims[0] === 512, null, { timeout: 30000 });
  await idle();
  await page.evaluate(() => {
    window.supervox.setBrushSize(20);
    window.supervox.setTool('brush');
  });
  await h.drag(page, 'axial', 180, 250, 300, 260, 8);
  await idle();
  await page.selectOption('#export-table', 'itksnap');
  const files = [];
  page.on('download', (d) => files.push(d));
  const labels = await downloadOf(() => page.click('#export-labels'));
  await page.waitForFunction(() => true);
  while (files.length < 2) await new Promise((r) => setTimeout(r, 50));
  const table = path.join(TMP, files[1].suggestedFilename());
  await files[1].saveAs(table);
  assert.match(path.basename(labels), /^CT_Body_3\.0_series_1_20_files_Labels\.nii\.gz$/);
  assert.match(path.basename(table), /\.itksnap\.txt$/);
  assert.match(readFileSync(table, 'utf8'), /^\s+1\s+255\s+0\s+0\s+1\.00 1  1\s+"Label 1"$/m);
  // nibabel: the CT's grid, uint8, intent label, the app's voxels
  const info = JSON.parse(py(`
import sys, json, numpy as np, nibabel as nib
l, c = nib.load(sys.argv[1]), nib.load(sys.argv[2])
a = np.asarray(l.dataobj)
print(json.dumps({"shape": l.shape, "same_affine": bool(np.allclose(l.affine, c.affine, atol=1e-4)), "qform": bool(np.allclose(l.get_qform(), c.get_qform(), atol=1e-4)),
  "dtype": str(a.dtype), "intent": int(l.header["intent_code"]), "count": int((a == 1).sum()), "w": float(((a == 1).ravel(order='F') * (np.arange(a.size) % 1009 + 1)).sum())}))`, labels, path.join(TMP, 'ct.nii.gz')));
  const mine = await page.evaluate(() => {
    const d = window.supervox.session.layer.data;
    let n = 0, w = 0;
    for (let i = 0; i < d.length; i++) if (d[i] === 1) (n++, (w += (i % 1009) + 1));
    return { n, w };
  });
  assert.deepEqual(info.shape, [512, 512, 20]);
  assert.ok(info.same_affine && info.qform, 'sform and qform of the input');
  assert.equal(info.dtype, 'uint8');
  assert.equal(info.intent, 1002);
  assert.ok(mine.n > 1000);
  assert.deepEqual([info.count, info.w], [mine.n, mine.w]);
  execFileSync('nifti_tool', ['-check_hdr', '-check_nim', '-infiles', labels]);
  // the base64 data: URL path (sandboxed frames) yields the same bytes
  await page.selectOption('#export-table', 'none');
  await page.evaluate(() => (window.supervox.saveOptions.dataUrl = true));
  const viaData = await downloadOf(() => page.click('#export-labels'));
  assert.equal(await page.evaluate(() => window.supervox.lastDownload.how), 'data');
  await page.evaluate(() => (window.supervox.saveOptions.dataUrl = false));
  assert.ok(readFileSync(viaData).equals(readFileSync(labels)));
  // .nii on request
  await page.selectOption('#export-format', 'nii');
  const raw = await downloadOf(() => page.click('#export-labels'));
  assert.match(raw, /\.nii$/);
  assert.equal(py('import sys, nibabel as nib; print(nib.load(sys.argv[1]).shape)', raw), '(512, 512, 20)');
  await page.selectOption('#export-format', 'nii.gz');
});

test('the labels as a PNG stack (zip) and the view as PNG', async () => {
  const zip = await downloadOf(() => page.click('#export-png-stack'));
  const r = JSON.parse(py(`
import sys, json, zipfile, io, numpy as np, nibabel as nib
from PIL import Image
z = zipfile.ZipFile(sys.argv[1])
names = sorted(z.namelist())
lab = np.asarray(nib.load(sys.argv[2]).dataobj)
ok = all((np.asarray(Image.open(io.BytesIO(z.read(n))))[::-1, :].T == lab[:, :, k]).all() for k, n in enumerate(names))
print(json.dumps({"n": len(names), "first": names[0], "ok": bool(ok)}))`, zip, path.join(TMP, 'CT_Body_3.0_series_1_20_files_Labels.nii.gz')));
  assert.deepEqual(r, { n: 20, first: 'slice_000.png', ok: true });
  await page.evaluate(() => window.supervox.setTool('crosshair'));
  await page.hover('#view-axial'); // the focused view is the one exported
  const png = await downloadOf(() => page.click('#export-view-png'));
  const size = py('import sys; from PIL import Image; im = Image.open(sys.argv[1]); print(im.size, im.mode)', png);
  assert.equal(size, "(512, 512) RGBA");
});

test('label tables in the three forms load', async () => {
  const t = path.join(TMP, 'table.ctbl');
  writeFileSync(t, '# Slicer\n0 Background 0 0 0 0\n5 liver 221 130 101 255\n1 spleen 157 108 162 255\n');
  await page.setInputFiles('#import-table', t);
  await page.waitForFunction(() => window.supervox.session.labels.length === 2);
  assert.deepEqual(await page.evaluate(() => window.supervox.session.labels.map((l) => [l.value, l.name])), [[1, 'spleen'], [5, 'liver']]);
  assert.match(await page.$eval('#status', (e) => e.textContent), /3D Slicer colour table/);
});

test('a compressed DICOM is refused in plain words, and what is open stays open', async () => {
  const before = await page.evaluate(() => window.supervox.session.volume.name);
  await page.setInputFiles('#open-image', path.join(SHARED, 'data/dicom_edge/pydicom/JPEG2000.dcm'));
  await page.waitForFunction(() => !document.getElementById('error').hidden, null, { timeout: 30000 });
  await idle();
  const msg = await page.$eval('#error-text', (e) => e.textContent);
  assert.match(msg, /could not be opened: .*not supported: JPEG 2000/);
  assert.ok(!/JPEG2000\.dcm: JPEG2000\.dcm/.test(msg), msg);
  assert.equal(await page.evaluate(() => window.supervox.session.volume.name), before);
  await h.shot(page, 'files-refused');
  await page.click('#error-close');
});

test('no page errors', () => {
  assert.deepEqual(errors, []);
});
