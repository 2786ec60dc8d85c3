// demo.test.mjs — the served page opens the demo in real Chromium and draws the
// middle axial slice exactly as nibabel says it looks (pixels checked).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { launch, OUT, ROOT, watchErrors } from './browser.mjs';
import { serve } from './server.mjs';

let server;
let browser;
before(async () => {
  server = await serve(path.join(ROOT, 'web'));
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

test('the demo opens and the canvas shows its middle axial slice', async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 700 } });
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', await page.textContent('#error'));
  const shot = path.join(OUT, 'demo-axial.png');
  await page.screenshot({ path: shot });
  console.log(`# screenshot: ${shot}`);

  const got = await page.evaluate(() => {
    const c = /** @type {HTMLCanvasElement} */ (document.querySelector('canvas[data-view="axial"]'));
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const grey = [];
    for (let i = 0; i < px.length; i += 4) grey.push(px[i]);
    return { width: c.width, height: c.height, grey, window: c.dataset.window.split(',').map(Number) };
  });
  const demo = path.join(ROOT, 'web', 'demo', 'norm_crop.nii.gz');
  const want = JSON.parse(execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests/browser/expected_slice.py'), demo], { encoding: 'utf8', maxBuffer: 1 << 26 }));
  assert.deepEqual([got.width, got.height], [want.width, want.height]);
  const [lo, hi] = got.window;
  assert.ok(hi > lo, `window ${lo}..${hi}`);
  let worst = 0;
  let bright = 0;
  for (let i = 0; i < want.values.length; i++) {
    const expect = Math.min(255, Math.max(0, Math.round(((want.values[i] - lo) / (hi - lo)) * 255)));
    worst = Math.max(worst, Math.abs(expect - got.grey[i]));
    bright += got.grey[i] > 128;
  }
  assert.ok(worst <= 1, `pixels differ from nibabel's slice by up to ${worst} grey levels`);
  assert.ok(bright > 1000, 'the slice is nearly black');
  // the letters of a radiological axial view
  const letters = await page.$$eval('#view-axial .letter', (els) => els.map((e) => e.textContent).join(''));
  assert.equal(letters, 'RLAP');
  assert.deepEqual(errors, []);
  await page.close();
});
