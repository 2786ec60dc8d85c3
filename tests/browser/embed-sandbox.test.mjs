// embed-sandbox.test.mjs — the single-file build in a sandboxed iframe
// (scripts and downloads allowed, no same-origin: an opaque origin, where
// Blob URLs cannot serve a download): it still runs its core in a worker,
// paints, and exports by a base64 data: URL, and the JS API's exportLabels
// returns bytes nibabel reads.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as h from './browser.mjs';
import { serve } from './server.mjs';

const DIST = path.join(h.ROOT, 'dist');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'supervox-sandbox-'));
let server, browser, page, errors;
before(async () => {
  assert.ok(existsSync(path.join(DIST, 'supervox.html')), 'make dist first');
  server = await serve(DIST);
  browser = await h.launch();
  const context = await browser.newContext({ viewport: { width: 1500, height: 950 }, acceptDownloads: true });
  page = await context.newPage();
  errors = h.watchErrors(page);
  await page.goto(`${server.url}gallery.html`);
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('a sandboxed single-file annotator paints and exports by data: URL and through the API', async () => {
  const info = await page.evaluate(async () => {
    const { mount } = await import('./embed.js');
    const div = document.createElement('div');
    div.id = 'sandboxed';
    div.style.cssText = 'position: fixed; inset: 0; background: #000';
    document.body.appendChild(div);
    const a = mount(div, { app: 'supervox.html', sandbox: 'allow-scripts allow-downloads' });
    window.__sandboxed = a;
    await a.ready;
    return { sandbox: a.frame.getAttribute('sandbox') };
  });
  assert.equal(info.sandbox, 'allow-scripts allow-downloads');
  const f = await (await page.$('#sandboxed iframe')).contentFrame();
  await f.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60000 });
  assert.equal(await f.evaluate(() => self.origin), 'null', 'an opaque origin');
  assert.equal(await f.evaluate(() => window.supervox.saveOptions.dataUrl), true);
  await f.evaluate(() => {
    window.supervox.setBrushSize(10);
    window.supervox.setTool('brush');
  });
  const box = await (await f.$('canvas[data-view="axial"]')).boundingBox();
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 6 });
  await page.mouse.up();
  await f.waitForFunction(() => !window.supervox.bridge.busy && window.supervox.session.layer.data.some((x) => x));
  const count = await f.evaluate(() => window.supervox.session.layer.data.reduce((s, x) => s + (x ? 1 : 0), 0));
  await f.selectOption('#export-table', 'none');
  const [dl] = await Promise.all([page.waitForEvent('download'), f.click('#export-labels')]);
  const file = path.join(TMP, dl.suggestedFilename());
  await dl.saveAs(file);
  assert.equal(await f.evaluate(() => window.supervox.lastDownload.how), 'data');
  const viaApi = await page.evaluate(async () => Array.from(await window.__sandboxed.exportLabels()));
  const apiFile = path.join(TMP, 'api.nii.gz');
  writeFileSync(apiFile, Buffer.from(viaApi));
  const out = execFileSync(
    '/usr/bin/python3',
    ['-c', 'import sys, numpy as np, nibabel as nib\nfor f in sys.argv[1:]:\n    a = np.asarray(nib.load(f).dataobj); print(a.shape, int((a > 0).sum()))', file, apiFile],
    { encoding: 'utf8' },
  ).trim().split('\n');
  assert.deepEqual(out, [`(133, 139, 182) ${count}`, `(133, 139, 182) ${count}`]);
  await h.shot(page, 'embed-sandboxed');
  assert.deepEqual(errors, []);
});
