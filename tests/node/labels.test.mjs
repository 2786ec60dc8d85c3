// Label tables: our JSON, ITK-SNAP's label description file and 3D Slicer's
// colour table each round-trip, and each is recognised by content.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import test from 'node:test';

import {
  itkSnapLabels, labelJson, makeLabel, parseItkSnapLabels, parseLabelJson, parseLabelTable, parseSlicerColorTable, slicerColorTable,
} from '../../web/state/labels.js';

const SHARED = process.env.SHARED || '../shared';
const aseg = parseLabelJson(readFileSync(`${SHARED}/data/brain/aseg_labels.json`, 'utf8'));

/** @param {import('../../web/state/labels.js').Label[]} a @param {import('../../web/state/labels.js').Label[]} b */
function sameTable(a, b, { names = true, alphaStep = 0 } = {}) {
  assert.equal(a.length, b.length);
  for (const [i, l] of a.entries()) {
    assert.equal(b[i].value, l.value);
    if (names) assert.equal(b[i].name, l.name);
    assert.deepEqual(b[i].color, l.color);
    assert.equal(b[i].visible, l.visible);
    assert.ok(Math.abs(b[i].opacity - l.opacity) <= alphaStep + 1e-9, `opacity of ${l.value}: ${b[i].opacity} vs ${l.opacity}`);
  }
}

test('the aseg table has names, colours and many labels', () => {
  assert.ok(aseg.length > 30);
  assert.equal(aseg.find((l) => l.value === 17)?.name, 'Left-Hippocampus');
});

test('round trip: JSON, ITK-SNAP, Slicer, and through all three in turn', () => {
  const table = aseg.map((l, i) => ({ ...l, opacity: i % 3 === 0 ? 0.5 : 1, visible: i % 7 !== 3 }));
  sameTable(table.map((l) => ({ ...l, opacity: 1, visible: true })), parseLabelJson(labelJson(table))); // JSON keeps value, name, colour
  sameTable(table, parseItkSnapLabels(itkSnapLabels(table)), { alphaStep: 0.005 });
  // Slicer has one alpha: an invisible label is alpha 0
  const viaSlicer = parseSlicerColorTable(slicerColorTable(table));
  sameTable(table.map((l) => (l.visible ? l : { ...l, opacity: 1 })), viaSlicer, { alphaStep: 1 / 255 });
  const chain = parseLabelJson(labelJson(parseSlicerColorTable(slicerColorTable(parseItkSnapLabels(itkSnapLabels(aseg))))));
  sameTable(aseg, chain);
});

test('names with spaces and quotes survive where the format allows', () => {
  const t = [makeLabel(1, 'left kidney "upper pole"'), makeLabel(200, 'Liver')];
  assert.equal(parseItkSnapLabels(itkSnapLabels(t))[0].name, "left kidney 'upper pole'");
  assert.equal(parseSlicerColorTable(slicerColorTable(t))[0].name, 'left_kidney_"upper_pole"');
  assert.equal(parseLabelJson(labelJson(t))[0].name, 'left kidney "upper pole"');
});

test('each format is recognised by content', () => {
  assert.equal(parseLabelTable(labelJson(aseg)).format, 'json');
  assert.equal(parseLabelTable(itkSnapLabels(aseg)).format, 'itksnap');
  assert.equal(parseLabelTable(slicerColorTable(aseg)).format, 'slicer');
  // a FreeSurfer LUT line (no alpha column is fine too)
  assert.deepEqual(parseLabelTable('# FreeSurfer\n  17  Left-Hippocampus  220 216  20 0\n 53 Right-Hippocampus 220 216 20\n').labels.map((l) => l.value), [17, 53]);
});

test('bad tables are refused with the line and the reason', () => {
  assert.throws(() => parseLabelTable('hello world'), /none of/);
  assert.throws(() => parseItkSnapLabels('    1 255 0 0 1 1 1 "a"\n  300 1 2 3 1 1 1 "b"\n'), /line 2 has label 300/);
  assert.throws(() => parseSlicerColorTable('1 a 1 2\n'), /line 1 is not/);
  assert.throws(() => parseItkSnapLabels('# only comments\n'), /no labels/);
  assert.throws(() => parseLabelJson('{"labels": [{"value": 0}]}'), /entry 1 has value 0/);
});

test('damaged tables (random edits of each format) give a plain reason or a sound table', () => {
  // a fixed-seed generator: the same edits every run
  let seed = 12345;
  const rand = (/** @type {number} */ n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const pieces = ['.', '..', '1.2.3', '-', '256', '999999999999', '0', ' ', '\t', '"', '#', '\n', '{', '}', '[', ']', ',', 'NaN', '1e999', 'é', '\r\n', '"value":', '"color":[1,2]', '"opacity":'];
  const tables = [labelJson(aseg.slice(0, 6)), itkSnapLabels(aseg.slice(0, 6)), slicerColorTable(aseg.slice(0, 6))];
  // found this way: an ITK-SNAP transparency of "1.2.3" read as opacity NaN
  assert.throws(() => parseLabelTable('1 255 0 0 1.2.3 1 1 "x"'), /line 1 has transparency "1.2.3"/);
  let refused = 0;
  let read = 0;
  for (let n = 0; n < 6000; n++) {
    let t = tables[n % 3];
    for (let k = 1 + rand(3); k > 0; k--) {
      if (rand(2)) {
        // a field replaced: the edits a hand-edited table gets
        const parts = t.split(/(\s+|[,:[\]{}])/);
        const at = rand(parts.length);
        parts[at] = pieces[rand(pieces.length)];
        t = parts.join('');
      } else {
        const at = rand(t.length + 1);
        const cut = rand(4);
        t = rand(2) ? t.slice(0, at) + pieces[rand(pieces.length)] + t.slice(at + cut) : t.slice(0, at) + t.slice(at + cut);
      }
    }
    let got;
    try {
      got = parseLabelTable(t);
    } catch (e) {
      assert.ok(e instanceof Error && e.message.length > 5, `no reason for ${JSON.stringify(t)}`);
      refused++;
      continue;
    }
    read++;
    assert.ok(got.labels.length > 0);
    for (const l of got.labels) {
      const what = `${JSON.stringify(l)} from ${JSON.stringify(t)}`;
      assert.ok(Number.isInteger(l.value) && l.value >= 1 && l.value <= 255, what);
      assert.ok(typeof l.name === 'string' && l.name.length > 0, what);
      assert.ok(l.color.length === 3 && l.color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255), what);
      assert.ok(Number.isFinite(l.opacity) && l.opacity >= 0 && l.opacity <= 1, what);
      assert.equal(typeof l.visible, 'boolean', what);
    }
    assert.equal(new Set(got.labels.map((l) => l.value)).size, got.labels.length, 'a value listed twice');
  }
  assert.ok(refused > 500 && read > 500, `refused ${refused}, read ${read}`);
});
