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
