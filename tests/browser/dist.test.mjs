// dist.test.mjs — make dist's two forms in real Chromium, and the promise that
// nothing leaves the page:
//  - dist/ served by a plain static server under a sub-path: the demo opens,
//    supervoxels compute, a stroke labels; a reload with the network off still
//    works (the service worker answers every request from its cache);
//  - after load, opening a local file, annotating, meshing and exporting make no
//    request of any kind;
//  - dist/supervox.html from file:// with every request blocked: the same, with
//    the core in a Blob worker, and the exports are real downloads nibabel reads;
//  - no Content-Security-Policy violation anywhere, while the policy does block
//    a connection to another origin.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';

import * as h from './browser.mjs';
import { serve, withoutUpdateChecks } from './server.mjs';

const DIST = path.join(h.ROOT, 'dist');
const SHARED = h.SHARED;
const LOCAL = path.join(SHARED, 'data/brain/norm_crop.nii.gz');
const TMP = mkdtempSync(path.join(os.tmpdir(), 'supervox-dist-'));
const SUB = '/some/sub/path/';
const py = (code, ...args) => execFileSync('/usr/bin/python3', ['-c', code, ...args], { encoding: 'utf8' }).trim();

let browser;
before(async () => {
  browser = await h.launch();
});
after(() => browser?.close());

/**
 * A fresh context that records every request (page, workers, service worker)
 * and every CSP violation the page reports.
 * @param {object} [opts] browser.newContext options
 */
async function newContext(opts = {}) {
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, acceptDownloads: true, ...opts });
  /** @type {{url: string, fromSW: boolean | null}[]} */
  const requests = [];
  context.on('request', (r) => requests.push({ url: r.url(), fromSW: null }));
  context.on('requestfinished', async (r) => {
    const res = await r.response().catch(() => null);
    const e = requests.findLast((x) => x.url === r.url());
    if (e && res) e.fromSW = res.fromServiceWorker();
  });
  await context.addInitScript(() => {
    // @ts-ignore
    window.__csp = [];
    // @ts-ignore
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  return { context, requests };
}

/** Open a page of the context and wait until its first image is on screen. */
async function openPage(context, url) {
  const page = await context.newPage();
  const errors = h.watchErrors(page);
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', await page.textContent('#error'));
  return { page, errors };
}

/** Compute supervoxels (4000, background below 1) and wait for them. */
async function computeSupervoxels(page) {
  const n = await h.computeSupervoxels(page);
  assert.ok(n > 3000 && n < 5000, `${n} supervoxels`);
}

/** Draw on the axial view from (c0, r0) to (c1, r1) with the current tool; returns the voxels of the active label. */
async function draw(page, [c0, r0], [c1, r1]) {
  const a = await h.pointOn(page, 'axial', c0, r0);
  const b = await h.pointOn(page, 'axial', c1, r1);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 6 });
  await page.mouse.up();
  await h.idle(page);
  return page.evaluate(() => window.supervox.session.layer.data.reduce((s, x) => s + (x === window.supervox.session.activeLabel), 0));
}

/** A stroke over the supervoxels in the right thalamus region labels a 3D structure. */
async function stroke(page) {
  assert.equal(await page.evaluate(() => window.supervox.settings.tool), 'stroke');
  const n = await draw(page, [58, 95], [64, 97]);
  assert.ok(n > 200, `the stroke labelled ${n} voxels`);
  return n;
}

/** Wait until the 3D view's surfaces match the layer (re-meshed in the worker). */
async function meshed(page) {
  await h.idle(page);
  await page.evaluate(() => window.supervox.meshes.idle);
  await page.waitForFunction(() => window.supervox.view3d.pending.size === 0 && !window.supervox.meshes.running && !window.supervox.meshes.timer && !window.supervox.meshes.smoothTimer);
  await h.settle(page);
  return page.evaluate(() => window.supervox.view3d.triangles);
}

/** Click an export button and save every download it makes (n of them). */
async function downloads(page, selector, n) {
  const got = [];
  const all = new Promise((resolve) => {
    const on = (d) => {
      got.push(d);
      if (got.length === n) {
        page.off('download', on);
        resolve();
      }
    };
    page.on('download', on);
  });
  await page.click(selector);
  await all;
  const files = [];
  for (const d of got) {
    const file = path.join(TMP, d.suggestedFilename());
    await d.saveAs(file);
    files.push(file);
  }
  return files;
}

/** The page's CSP violations; none expected. */
const violations = (page) => page.evaluate(() => window.__csp);

/**
 * The policy is in force: a fetch of another origin is refused by the page
 * before any request is made, as a connect-src violation. Returns the errors
 * the refusal logged, to discount them.
 */
async function cspBlocksOtherOrigins(page, requests) {
  const before = requests.length;
  const r = await page.evaluate(() =>
    fetch('http://127.0.0.2:9/leak').then(
      () => 'fetched',
      (e) => `refused: ${e.message}`,
    ),
  );
  assert.match(r, /^refused/);
  await page.waitForFunction(() => window.__csp.length > 0);
  const v = await violations(page);
  assert.equal(v.length, 1, v.join('\n'));
  assert.match(v[0], /^connect-src http:\/\/127\.0\.0\.2:9\/leak/);
  assert.equal(requests.length, before, 'the refused fetch made no request');
}

/** Remove the console lines of the refused fetch from the page's errors. */
const withoutRefusal = (errors) => errors.filter((e) => !/127\.0\.0\.2:9|Content Security Policy|Failed to fetch/.test(e));

test('dist/ under a sub-path: demo, supervoxels, stroke; a reload offline works from the service worker', async () => {
  const server = await serve(DIST, SUB);
  const { context, requests } = await newContext();
  try {
    assert.ok(server.url.endsWith(SUB));
    const { page, errors } = await openPage(context, server.url);
    await computeSupervoxels(page);
    await stroke(page);
    await h.shot(page, 'dist-served');
    // every request stayed below the sub-path (relative URLs only)
    for (const p of server.requests) assert.ok(p.startsWith(SUB), `${p} is outside ${SUB}`);
    // the service worker: scoped to dist/'s folder, every file of the build in its cache
    const build = JSON.parse(readFileSync(path.join(DIST, 'sw.js'), 'utf8').match(/^const BUILD = ([\s\S]*?\n});/m)[1]);
    const sw = await page.evaluate(async () => {
      const reg = await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
      const names = await caches.keys();
      const cache = await caches.open(names.find((n) => n.startsWith('supervox ')));
      return { scope: reg.scope, names, cached: (await cache.keys()).map((r) => r.url) };
    });
    assert.equal(sw.scope, server.url);
    assert.deepEqual(sw.names, [`supervox ${server.url} ${build.version}`]);
    assert.deepEqual(sw.cached.sort(), Object.keys(build.files).map((f) => server.url + f).sort());
    assert.ok(build.files['index.html'] && build.files['build/supervox.wasm'] && build.files['demo/norm_crop.nii.gz'] && build.files['demo/NOTICE.txt']);
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(errors, []);

    // the network goes away: the reloaded page comes from the cache, whole
    await context.setOffline(true);
    const served = server.requests.length;
    const from = requests.length;
    await page.reload();
    await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30000 });
    assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', await page.textContent('#error'));
    await computeSupervoxels(page);
    await stroke(page);
    assert.ok((await meshed(page)) > 500, 'the 3D view shows the stroke');
    await h.shot(page, 'dist-offline');
    assert.deepEqual(withoutUpdateChecks(server.requests.slice(served)), [], 'the server was asked');
    const reloaded = requests.slice(from).filter((r) => !/^(blob|data):/.test(r.url));
    assert.ok(reloaded.length > 10, `${reloaded.length} requests after the reload`);
    for (const r of reloaded) assert.equal(r.fromSW, true, `${r.url} did not come from the service worker`);
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(errors, []);
    await context.setOffline(false);
    await cspBlocksOtherOrigins(page, requests);
  } finally {
    await context.close();
    await server.close();
  }
});

test('dist/: after load, a local file, strokes, meshing and exports make no request', async () => {
  const server = await serve(DIST, SUB);
  const { context, requests } = await newContext({ serviceWorkers: 'block' }); // every request would reach the server
  try {
    const { page, errors } = await openPage(context, server.url);
    await meshed(page);
    const served = server.requests.length;
    const from = requests.length;
    await page.setInputFiles('#open-image', LOCAL);
    await page.waitForFunction(() => /^norm_crop\.nii\.gz: opened/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
    await computeSupervoxels(page);
    const n = await stroke(page);
    await page.evaluate(() => {
      window.supervox.setBrushSize(10);
      window.supervox.setTool('brush');
    });
    assert.ok((await draw(page, [40, 60], [55, 62])) > n, 'the brush painted');
    assert.ok((await meshed(page)) > 500, 'the 3D view shows the labels');
    const [labels, table] = await downloads(page, '#export-labels', 2);
    assert.match(path.basename(labels), /\.nii\.gz$/);
    assert.match(path.basename(table), /\.json$/);
    const [stl] = await downloads(page, '#export-stl', 1);
    assert.ok(readFileSync(stl).length > 84);
    await h.shot(page, 'dist-local-file');
    assert.deepEqual(requests.slice(from).map((r) => r.url), [], 'requests after load');
    assert.equal(server.requests.length, served, `the server was asked for ${server.requests.slice(served).join(', ')}`);
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await server.close();
  }
});

test('dist/supervox.html alone from file://, every request blocked: demo, supervoxels, stroke, 3D, exports, a local file', async () => {
  const { context, requests } = await newContext();
  /** @type {string[]} */
  const attempted = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('blob:')) return route.continue();
    attempted.push(url);
    return route.abort();
  });
  try {
    const url = pathToFileURL(path.join(DIST, 'supervox.html')).href;
    const { page, errors } = await openPage(context, url);
    // the page itself, then the core's Blob worker: nothing else
    const loads = requests.map((r) => r.url);
    assert.equal(loads[0], url);
    assert.ok(loads.slice(1).every((u) => u.startsWith('blob:')), loads.join('\n'));
    assert.equal(await page.evaluate(() => !!globalThis.SupervoxInline), true);
    // the core runs off the main thread, in a worker made from the page's own Blob
    assert.deepEqual(page.workers().map((w) => w.url().slice(0, 5)), ['blob:']);
    assert.deepEqual(await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name)), []);
    await computeSupervoxels(page);
    const n = await stroke(page);
    assert.ok((await meshed(page)) > 500, 'the 3D view shows the stroke');
    await h.shot(page, 'dist-single-file');
    // the label map downloads (a data: URL: file:// is an opaque origin) and nibabel reads it
    const [labels, table] = await downloads(page, '#export-labels', 2);
    assert.equal(await page.evaluate(() => window.supervox.lastDownload.how), 'data');
    const info = JSON.parse(
      py(
        `import sys, json, numpy as np, nibabel as nib
l, d = nib.load(sys.argv[1]), nib.load(sys.argv[2])
print(json.dumps({"shape": l.shape, "affine": bool(np.allclose(l.affine, d.affine, atol=1e-4)), "count": int((np.asarray(l.dataobj) == 1).sum())}))`,
        labels,
        path.join(DIST, 'demo/norm_crop.nii.gz'),
      ),
    );
    const dims = await page.evaluate(() => window.supervox.session.dims);
    assert.deepEqual(info, { shape: dims, affine: true, count: n });
    assert.equal(JSON.parse(readFileSync(table, 'utf8')).labels[0].value, 1);
    // a local file opens, a brush paints it, the surfaces follow
    const from = requests.length;
    await page.setInputFiles('#open-image', LOCAL);
    await page.waitForFunction(() => /^norm_crop\.nii\.gz: opened/.test(document.getElementById('status').textContent), null, { timeout: 30000 });
    await page.evaluate(() => {
      window.supervox.setTool('brush'); // from the stroke tool: each keeps its own size
      window.supervox.setBrushSize(10);
    });
    assert.ok((await draw(page, [40, 60], [55, 62])) > 100, 'the brush painted');
    assert.ok((await meshed(page)) > 100);
    await downloads(page, '#export-labels', 2);
    await h.shot(page, 'dist-single-file-local');
    assert.deepEqual(requests.slice(from).map((r) => r.url), [], 'requests after load');
    assert.deepEqual(attempted, [], 'requests attempted');
    assert.deepEqual(await violations(page), []);
    assert.deepEqual(errors, []);
    await cspBlocksOtherOrigins(page, requests);
    assert.deepEqual(attempted, []);
    assert.deepEqual(withoutRefusal(errors), []);
  } finally {
    await context.close();
  }
});

test('dist/ holds the site with relative URLs, and supervox.html holds everything inline', () => {
  const index = readFileSync(path.join(DIST, 'index.html'), 'utf8');
  for (const [, attr, url] of index.matchAll(/\s(src|href)="([^"]*)"/g)) assert.doesNotMatch(url, /^(\/|[a-z]+:\/\/)/i, `${attr}="${url}"`);
  assert.match(index, /<meta name="supervox-service-worker" content="sw\.js" \/>/);
  const csp = index.match(/http-equiv="Content-Security-Policy" content="([^"]*)"/)[1];
  assert.match(csp, /connect-src 'self' blob: data:;/);
  assert.doesNotMatch(csp, /unsafe-inline|https?:/);
  const one = readFileSync(path.join(DIST, 'supervox.html'), 'utf8');
  assert.doesNotMatch(one, /\s(src|href)="(?!data:)/, 'no file is referred to');
  const scripts = [...one.matchAll(/<script([^>]*)>/g)].map((m) => m[1].trim());
  assert.deepEqual(scripts, ['type="module"', 'type="application/octet-stream" id="supervox-worker"', 'type="application/octet-stream" id="supervox-wasm"', 'type="application/octet-stream" id="supervox-demo"', 'type="text/plain" id="supervox-demo-notice"']);
  const wasm = Buffer.from(one.match(/id="supervox-wasm">([^<]*)</)[1], 'base64');
  assert.ok(wasm.equals(readFileSync(path.join(DIST, 'build/supervox.wasm'))));
  assert.match(one, /Three\.js Authors/, "three.js's licence is kept");
});
