// session-file.test.mjs — "Save session" downloads one file that "Open
// session" restores in another browser (a fresh profile: another machine):
// the image, every layer's voxels, the label table and the cursor. Without
// the image, it opens onto the same image only, and says so otherwise.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { zipStore } from '../../web/loaders/save.js';
import { readZip } from '../../web/state/session-file.js';
import * as h from './browser.mjs';

const SHARED = h.SHARED;

const state = (page) =>
  page.evaluate(() => {
    const s = window.supervox.session;
    return {
      image: s.volume.name,
      layers: s.layers.map((l) => {
        let n = 0, w = 0;
        for (let i = 0; i < l.data.length; i++) if (l.data[i]) (n++, (w += l.data[i] * ((i % 997) + 1)));
        return [l.name, n, w];
      }),
      labels: s.labels.map((l) => [l.value, l.name, l.color.join(',')]),
      cursor: s.cursor,
    };
  });

const brush = (page, c0, c1, row) => h.drag(page, 'axial', c0, row, c1, row);

test('a saved session restores on another machine; without its image it asks for it', async () => {
  const one = await h.openApp();
  const p = one.page;
  await p.evaluate(() => {
    window.supervox.setBrushSize(10);
    window.supervox.setTool('brush');
  });
  await brush(p, 50, 80, 90);
  await p.click('#add-layer');
  await p.click('#add-label');
  await p.fill('#label-list li:last-child input[type="text"]', 'Left caudate');
  await p.dispatchEvent('#label-list li:last-child input[type="text"]', 'change');
  await p.keyboard.press('ArrowUp');
  await brush(p, 60, 75, 95);
  await h.idle(p);
  const saved = await state(p);
  assert.equal(saved.layers.length, 2);
  const [withImage] = await Promise.all([p.waitForEvent('download'), p.click('#save-session')]);
  const fileWith = path.join(h.OUT, 'session-with-image.supervox.zip');
  await withImage.saveAs(fileWith);
  assert.match(withImage.suggestedFilename(), /^norm_crop\.supervox\.zip$/);
  await p.uncheck('#session-image');
  const [without] = await Promise.all([p.waitForEvent('download'), p.click('#save-session')]);
  const fileWithout = path.join(h.OUT, 'session-without-image.supervox.zip');
  await without.saveAs(fileWithout);
  assert.deepEqual(one.errors, []);
  await one.close();

  // another machine: a fresh profile; first a different image is open
  const two = await h.openApp();
  const q = two.page;
  await q.setInputFiles('#open-image', path.join(SHARED, 'data/mr/example_mr_sm.nii.gz'));
  await q.waitForFunction(() => window.supervox.session.volume.name === 'example_mr_sm.nii.gz');
  await q.setInputFiles('#open-session', fileWithout);
  await q.waitForSelector('#error:not([hidden])');
  assert.match(await q.$eval('#error-text', (e) => e.textContent), /belongs to the image "norm_crop\.nii\.gz \(demo\)".*open that image first/);
  await q.click('#error-close');
  // the file with its image restores everything
  await q.setInputFiles('#open-session', fileWith);
  await q.waitForFunction(() => /session restored/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
  await h.idle(q);
  const got = await state(q);
  assert.deepEqual(got.layers, saved.layers);
  assert.deepEqual(got.labels, saved.labels);
  assert.deepEqual(got.cursor, saved.cursor);
  assert.deepEqual(got.image, saved.image);
  // and the one without the image opens onto that same image
  await q.setInputFiles('#open-session', fileWithout);
  await q.waitForFunction(() => /session restored/.test(document.getElementById('status').textContent) && window.supervox.session.layers.length === 2);
  await h.idle(q);
  assert.deepEqual((await state(q)).layers, saved.layers);
  await h.shot(q, 'session-restored');
  assert.deepEqual(two.errors, []);
  await two.close();
});

test('a damaged session file is refused and the open work stays as it was', async () => {
  const app = await h.openApp();
  const p = app.page;
  await p.evaluate(() => {
    window.supervox.setBrushSize(10);
    window.supervox.setTool('brush');
  });
  await brush(p, 50, 80, 90);
  await h.idle(p);
  await p.uncheck('#session-image');
  const [dl] = await Promise.all([p.waitForEvent('download'), p.click('#save-session')]);
  const saved = path.join(h.OUT, 'session-damaged-base.supervox.zip');
  await dl.saveAs(saved);
  const before = await state(p);
  // its second layer is another image's label map (not on this grid): the first is
  // brought in, then taken out again when the second fails
  const files = await readZip(new Uint8Array(readFileSync(saved)));
  const doc = JSON.parse(new TextDecoder().decode(files.get('session.json')));
  doc.layers.push({ name: 'Other', file: 'layers/2.nii.gz', visible: true, opacity: 1 });
  doc.labels.push({ value: 77, name: 'Seventy-seven', color: [1, 2, 3] });
  const entries = [...files].filter(([n]) => n !== 'session.json').map(([name, bytes]) => ({ name, bytes }));
  entries.push({ name: 'layers/2.nii.gz', bytes: new Uint8Array(readFileSync(path.join(SHARED, 'data/mr/example_mr_sm.nii.gz'))) });
  entries.unshift({ name: 'session.json', bytes: new TextEncoder().encode(JSON.stringify(doc)) });
  const bad = path.join(h.OUT, 'session-damaged.supervox.zip');
  writeFileSync(bad, zipStore(entries));
  await p.setInputFiles('#open-session', bad);
  await p.waitForSelector('#error:not([hidden])');
  assert.match(await p.$eval('#error-text', (e) => e.textContent), /session-damaged\.supervox\.zip could not be opened as a session: its layer "Other" \(layers\/2\.nii\.gz\): the label map's grid does not match the image's/);
  await h.idle(p);
  await h.shot(p, 'session-damaged');
  assert.deepEqual(await state(p), before);
  // a session.json with no layers list: refused before anything opens
  delete doc.layers;
  entries[0] = { name: 'session.json', bytes: new TextEncoder().encode(JSON.stringify(doc)) };
  writeFileSync(bad, zipStore(entries));
  await p.click('#error-close');
  await p.setInputFiles('#open-session', bad);
  await p.waitForSelector('#error:not([hidden])');
  assert.match(await p.$eval('#error-text', (e) => e.textContent), /its session\.json lists no layers/);
  assert.deepEqual(await state(p), before);
  assert.deepEqual(app.errors, []);
  await app.close();
});
