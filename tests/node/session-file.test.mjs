// A session file is checked whole before anything is opened: a damaged one is
// refused in plain words (the open work stays; tests/browser/session-file.test.mjs
// checks that in the page), and damaged optional fields are left out.
import assert from 'node:assert/strict';
import test from 'node:test';

import { zipStore } from '../../web/loaders/save.js';
import { readSessionDoc, readZip, SESSION_FORMAT } from '../../web/state/session-file.js';

const good = () => ({
  format: SESSION_FORMAT,
  version: 1,
  image: { name: 'brain.nii.gz', key: 'abc', file: 'image.nii.gz' },
  labels: [{ value: 3, name: 'Caudate', color: [10, 20, 30], visible: true, opacity: 0.5 }],
  layers: [{ name: 'Labels', file: 'layers/1.nii.gz', visible: true, opacity: 0.8 }],
  activeLayer: 0,
  activeLabel: 3,
  cursor: [1, 2, 3],
  window: { lo: 0, hi: 100 },
  view: { convention: 'radiological' },
});

/** A session zip holding doc as session.json (or text as is) and the named entries. */
async function files(/** @type {any} */ doc, names = ['image.nii.gz', 'layers/1.nii.gz']) {
  const enc = new TextEncoder();
  const entries = [{ name: 'session.json', bytes: enc.encode(typeof doc === 'string' ? doc : JSON.stringify(doc)) }];
  for (const n of names) entries.push({ name: n, bytes: new Uint8Array([1, 2, 3]) });
  return readZip(zipStore(entries));
}

test('a sound session file reads whole', async () => {
  const d = readSessionDoc(await files(good()));
  assert.deepEqual(d.image, { name: 'brain.nii.gz', key: 'abc', file: 'image.nii.gz' });
  assert.deepEqual(d.layers, [{ name: 'Labels', file: 'layers/1.nii.gz', visible: true, opacity: 0.8 }]);
  assert.equal(d.labels?.[0].name, 'Caudate');
  assert.deepEqual([d.activeLayer, d.activeLabel, d.cursor, d.window], [0, 3, [1, 2, 3], { lo: 0, hi: 100 }]);
});

test('a damaged session file is refused in plain words before anything opens', async () => {
  /** @type {[any, RegExp, string[]?][]} */
  const cases = [
    ['{"format": "supervox-session", "version": 1,', /session\.json is not valid JSON/],
    ['null', /not a Supervox session/],
    [{ ...good(), version: 2 }, /not a Supervox session \(version 1\)/],
    [{ ...good(), image: undefined }, /names no image/],
    [{ ...good(), image: 'brain.nii.gz' }, /names no image/],
    [{ ...good(), layers: undefined }, /lists no layers/],
    [{ ...good(), layers: [] }, /lists no layers/],
    [{ ...good(), layers: [{ name: 'x' }] }, /layer 1 names no file/],
    [{ ...good(), layers: [null] }, /layer 1 names no file/],
    [good(), /its layer layers\/1\.nii\.gz is missing/, ['image.nii.gz']],
    [good(), /its image \(image\.nii\.gz\) is missing/, ['layers/1.nii.gz']],
    [{ ...good(), labels: 'aseg' }, /label table is not a list/],
    [{ ...good(), labels: [{ value: 300, name: 'x' }] }, /label table: entry 1 has value 300; labels are 1\.\.255/],
  ];
  for (const [doc, want, names] of cases) {
    const f = await files(doc, names);
    assert.throws(() => readSessionDoc(f), want, JSON.stringify(doc));
  }
  assert.throws(() => readSessionDoc(new Map()), /holds no session\.json/);
  await assert.rejects(readZip(new Uint8Array(100)), /not a zip file/);
});

test('damaged optional fields are left out, and values are kept in range', async () => {
  const doc = {
    ...good(),
    layers: [{ file: 'layers/1.nii.gz', opacity: 7, visible: 0 }],
    labels: [],
    activeLayer: 9,
    activeLabel: 999,
    cursor: [1, 'x', 3],
    window: { lo: 5, hi: 5 },
    view: 'wide',
  };
  const d = readSessionDoc(await files(doc));
  assert.deepEqual(d.layers, [{ name: 'Layer 1', file: 'layers/1.nii.gz', visible: true, opacity: 1 }]);
  assert.deepEqual([d.labels, d.activeLayer, d.activeLabel, d.cursor, d.window, d.view], [null, 0, null, null, null, null]);
});
