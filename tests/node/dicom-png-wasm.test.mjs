// dicom-png-wasm.test.mjs — DICOM series and PNG stacks in the wasm core give
// byte for byte the NIfTI the native CLI writes from the same folder.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

import { cli, DATA, loadCore, read } from './helpers.mjs';

const core = await loadCore();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'supervox-dicom-'));

/** A folder's files as the browser hands them over: {name, bytes}. */
function folder(dir) {
  return readdirSync(dir)
    .filter((n) => !n.startsWith('.') && statSync(path.join(dir, n)).isFile())
    .map((name) => ({ name, bytes: read(path.join(dir, name)) }));
}

/** The volume members of native `info` (it adds source, series, metadata). */
function volumePart(nativeJson, wasmInfo) {
  return Object.fromEntries(Object.keys(wasmInfo).map((k) => [k, nativeJson[k]]));
}

test('CT series: wasm volume, info and metadata equal native; NIfTI byte-identical', () => {
  const dir = path.join(DATA, 'ct_dicom', 'series');
  const files = folder(dir).reverse(); // any order in, the same volume out
  const native = cli('info', '--stats', dir);
  assert.equal(native.code, 0, native.stderr);
  const nj = JSON.parse(native.stdout);
  const dicom = core.openDicom(files);
  let v = 0;
  try {
    assert.equal(dicom.series.length, 1);
    assert.equal(dicom.series[0].files, 20);
    assert.deepEqual(dicom.series, nj.series);
    assert.deepEqual(dicom.skipped, []);
    v = core.readDicomSeries(dicom, 0);
    const info = core.info(v, true);
    assert.deepEqual(info, volumePart(nj, info));
    assert.equal(info.datatype, 'int16');
    assert.deepEqual(core.dicomMetadata(dicom, 0), nj.metadata);
    const out = path.join(tmp, 'ct.nii');
    const r = cli('convert', dir, out);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Buffer.from(core.writeNifti(v, 0)), readFileSync(out));
  } finally {
    if (v) core.freeVolume(v);
    core.closeDicom(dicom);
  }
});

test('a folder of compressed and non-DICOM files: skipped with the native reasons; bad index refused', () => {
  const dir = path.join(DATA, 'dicom_edge', 'transfer_syntaxes');
  const dicom = core.openDicom(folder(dir).filter((f) => f.name.endsWith('.dcm')));
  try {
    const native = JSON.parse(cli('info', dir).stdout);
    assert.deepEqual(dicom.series, native.series);
    assert.deepEqual(dicom.skipped, native.skipped.filter((s) => s.file.endsWith('.dcm')));
    assert.ok(dicom.skipped.every((s) => s.status === 'SV_EUNSUPPORTED' && s.reason.includes('not supported: ')));
    assert.throws(() => core.readDicomSeries(dicom, 7), (e) => e.code === 'SV_EINVAL');
    assert.throws(() => core.dicomMetadata(dicom, -1), (e) => e.code === 'SV_EINVAL');
  } finally {
    core.closeDicom(dicom);
  }
});

test('PNG stack mr_u16 with an intercept: wasm NIfTI byte-identical to native', () => {
  const dir = path.join(DATA, 'png_stack', 'mr_u16');
  const files = folder(dir).filter((f) => f.name.endsWith('.png')).reverse();
  const v = core.openPngStack(files, { spacing: [3, 3, 3], intercept: -1024 });
  try {
    const out = path.join(tmp, 'mr.nii');
    const r = cli('convert', dir, out, '--spacing', '3,3,3', '--intercept', '-1024');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(Buffer.from(core.writeNifti(v, 0)), readFileSync(out));
    const info = core.info(v);
    assert.deepEqual(info.dims, [117, 91, 20]);
    assert.equal(info.scl_inter, -1024);
  } finally {
    core.freeVolume(v);
  }
});

test('PNG stack errors name the file; bad spacing is refused', () => {
  const dir = path.join(DATA, 'png_stack', 'brain_u8');
  const files = folder(dir).filter((f) => f.name.endsWith('.png')).slice(0, 3);
  files.push({ name: 'slice_999.png', bytes: new TextEncoder().encode('not a png') });
  assert.throws(() => core.openPngStack(files), (e) => e.code === 'SV_EFORMAT' && e.message.startsWith('slice_999.png: '));
  assert.throws(() => core.openPngStack(files.slice(0, 1), { spacing: [1, 0, 1] }), (e) => e.code === 'SV_EINVAL');
});
