// embed.test.mjs — Supervox embedded: gallery.html's two <supervox-annotator>
// tags edit independently; the JS API (mount) loads a volume and labels,
// returns NIfTI bytes that nibabel reads, sets the tool and reports changes;
// readonly forbids edits; ?src=&labels=&readonly= work for a plain iframe.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as h from './browser.mjs';
import { serve } from './server.mjs';

const SHARED = h.SHARED;
const TMP = mkdtempSync(path.join(os.tmpdir(), 'supervox-embed-'));
let server, browser, page, errors;
before(async () => {
  server = await serve(path.join(h.ROOT, 'web'), '/', {
    'data/aseg.nii.gz': path.join(SHARED, 'data/brain/aseg_collapsed_crop.nii.gz'),
    'data/mr.nii.gz': path.join(SHARED, 'data/mr/example_mr_sm.nii.gz'),
  });
  browser = await h.launch();
  const context = await browser.newContext({ viewport: { width: 1500, height: 900 }, acceptDownloads: true });
  page = await context.newPage();
  errors = h.watchErrors(page);
  await page.goto(`${server.url}gallery.html`);
  await page.waitForFunction(() => [...document.querySelectorAll('supervox-annotator')].every((a) => a.annotator), null, { timeout: 30000 });
  await page.evaluate(() => Promise.all([...document.querySelectorAll('supervox-annotator')].map((a) => a.annotator.ready)));
});
after(async () => {
  await browser?.close();
  await server?.close();
});

/** The app inside annotator `id` (its frame's window.supervox). */
const frameOf = async (id) => (await page.$(`#${id} iframe`)).contentFrame();
/** Labelled voxels of the active layer in a frame. */
const painted = (f) => f.evaluate(() => window.supervox.session.layer.data.reduce((s, x) => s + (x ? 1 : 0), 0));

test('gallery.html: two annotators side by side, each editing on its own', async () => {
  const left = await frameOf('left');
  const right = await frameOf('right');
  await left.waitForFunction(() => document.body.dataset.state === 'ready');
  await right.waitForFunction(() => document.body.dataset.state === 'ready');
  let changes = 0;
  await page.exposeFunction('__changed', () => changes++);
  await page.evaluate(() => document.getElementById('left').addEventListener('change', () => window.__changed()));
  // paint in the left one with the mouse
  await left.evaluate(() => {
    window.supervox.setBrushSize(10);
    window.supervox.setTool('brush');
  });
  const box = await (await left.$('canvas[data-view="axial"]')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 6 });
  await page.mouse.up();
  await left.waitForFunction(() => !window.supervox.bridge.busy);
  assert.ok((await painted(left)) > 100);
  assert.equal(await painted(right), 0, 'the other annotator is untouched');
  await page.waitForFunction(() => true);
  for (let i = 0; i < 20 && !changes; i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(changes >= 1, "the host heard 'change'");
  // the read-only one refuses tools, in the UI and through the API
  assert.equal(await right.evaluate(() => getComputedStyle(document.querySelector('[data-tool="brush"]')).display), 'none');
  await assert.rejects(page.evaluate(() => document.getElementById('right').annotator.setTool('brush')), /read-only/);
  await h.shot(page, 'embed-gallery');
});

test('the JS API: mount, load a volume and labels, export bytes nibabel reads, destroy', async () => {
  const r = await page.evaluate(async () => {
    const { mount } = await import('./embed.js');
    const div = document.createElement('div');
    div.style.cssText = 'position: fixed; right: 0; bottom: 0; width: 700px; height: 500px; background: #000';
    document.body.appendChild(div);
    const a = mount(div, { src: 'data/mr.nii.gz' });
    window.__api = a;
    const events = [];
    a.on('load', (d) => events.push(['load', d.name]));
    await a.ready;
    const vol = await a.loadVolume('demo/norm_crop.nii.gz');
    const lab = await a.loadLabels('data/aseg.nii.gz');
    await a.setTool('brush');
    const bytes = await a.exportLabels();
    return { vol, lab, events, n: bytes.length, b64: btoa(String.fromCharCode(...bytes.subarray(0, 0)) ) && '', bytes: Array.from(bytes) };
  });
  assert.deepEqual(r.vol.dims, [133, 139, 182]);
  assert.equal(r.lab.layers, 1, 'the labels replace the empty layer');
  assert.ok(r.events.some((e) => e[0] === 'load' && /norm_crop/.test(e[1])), JSON.stringify(r.events));
  const file = path.join(TMP, 'exported.nii.gz');
  writeFileSync(file, Buffer.from(r.bytes));
  const out = execFileSync(
    '/usr/bin/python3',
    ['-c', `import sys, numpy as np, nibabel as nib
a = nib.load(sys.argv[1]); b = nib.load(sys.argv[2])
print(a.shape, str(a.get_data_dtype()), bool((np.asarray(a.dataobj) == np.asarray(b.dataobj)).all()), bool(np.allclose(a.affine, b.affine, atol=1e-4)))`, file, path.join(SHARED, 'data/brain/aseg_collapsed_crop.nii.gz')],
    { encoding: 'utf8' },
  ).trim();
  assert.equal(out, '(133, 139, 182) uint8 True True');
  // errors reach the host as a rejected promise, in plain words
  await assert.rejects(page.evaluate(() => window.__api.loadLabels('data/mr.nii.gz')), /does not match|grid/);
  await h.shot(page, 'embed-api');
  await page.evaluate(() => window.__api.destroy());
  assert.equal(await page.$$eval('iframe', (f) => f.length), 2);
});

test('a plain iframe: ?src=&labels=&readonly=', async () => {
  const p2 = await page.context().newPage();
  const errs = h.watchErrors(p2);
  await p2.setContent(`<iframe id="f" style="width:1000px;height:700px;border:0" src="${server.url}index.html?src=demo/norm_crop.nii.gz&labels=${encodeURIComponent(server.url + 'data/aseg.nii.gz')}&readonly=1"></iframe>`);
  const f = await (await p2.$('#f')).contentFrame();
  await f.waitForFunction(() => document.body.dataset.state === 'ready' && window.supervox.session.layer.data.some((x) => x), null, { timeout: 30000 });
  assert.ok(await f.evaluate(() => document.body.classList.contains('readonly')));
  await f.evaluate(() => window.supervox.setTool('brush'));
  assert.equal(await f.evaluate(() => window.supervox.settings.tool), 'crosshair');
  await h.shot(p2, 'embed-iframe-readonly');
  assert.deepEqual(errs, []);
  await p2.close();
});

test("an embedded annotator keeps its host's look: the app's saved settings are neither applied nor changed", async () => {
  // what a user of the full app on this site chose
  const saved = JSON.stringify({ convention: 'neurological', brushMm: 9, overlayOpacity: 0.2 });
  await page.evaluate((v) => localStorage.setItem('supervox:prefs', v), saved);
  await page.reload();
  await page.waitForFunction(() => [...document.querySelectorAll('supervox-annotator')].every((a) => a.annotator), null, { timeout: 30000 });
  await page.evaluate(() => Promise.all([...document.querySelectorAll('supervox-annotator')].map((a) => a.annotator.ready)));
  const left = await frameOf('left');
  assert.deepEqual(await left.evaluate(() => [window.supervox.settings.convention, window.supervox.settings.sizeMm, window.supervox.settings.overlayOpacity]), ['radiological', 5, 0.6]);
  assert.equal(await left.$$eval('#view-axial .letter', (e) => e.map((x) => x.textContent).join('')), 'RLAP');
  await left.evaluate(() => window.supervox.setBrushSize(12));
  await page.waitForTimeout(500);
  assert.equal(await page.evaluate(() => localStorage.getItem('supervox:prefs')), saved);
});

test('no page errors', () => {
  assert.deepEqual(errors, []);
});
