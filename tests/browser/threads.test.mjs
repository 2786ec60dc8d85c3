// threads.test.mjs — the threaded core in real Chromium. Served with COOP/COEP the
// page is cross-origin isolated: the worker runs supervox-mt (a pool of nested
// workers), the metadata panel says "core: N threads", supervoxels compute and a
// stroke's structure shows as a 3D surface, with no console error. Served plainly
// (no special headers, as any static host) the single-threaded core runs. dist/
// from a host that sends the headers runs the threaded core, also offline.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import * as h from './browser.mjs';
import { coreRow, shotMeta } from './browser.mjs';
import { serve, withoutUpdateChecks } from './server.mjs';

test('with COOP/COEP the threaded core computes supervoxels and a stroke shows in 3D', async () => {
  const app = await h.openApp({ isolate: true });
  const { page, errors, server } = app;
  try {
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true);
    await page.waitForFunction(() => window.supervox.core !== null);
    const info = await page.evaluate(() => window.supervox.core);
    assert.equal(info.threaded, true, 'the threaded build runs');
    assert.ok(info.threads >= 2, `${info.threads} threads`);
    assert.equal(await coreRow(page), `${info.threads} threads`);
    assert.ok(server.requests.some((r) => r.endsWith('/build/supervox-mt.wasm')), 'the threaded wasm was loaded');
    assert.ok(server.requests.some((r) => r.endsWith('/build/supervox-mt.worker.js')), 'the pool started');
    assert.ok(!server.requests.some((r) => r.endsWith('/build/supervox.wasm')), 'not the single-threaded one');

    const count = await h.computeSupervoxels(page);
    assert.ok(count > 3200 && count < 5000, `${count} supervoxels`);
    // a stroke inside the brain: the structure is labelled and its surface meshed (in parallel)
    await h.drag(page, 'axial', 60, 95, 75, 95, 3);
    await h.idle(page);
    const labelled = await page.evaluate(() => window.supervox.session.layer.data.reduce((s, x) => s + (x === window.supervox.session.activeLabel), 0));
    assert.ok(labelled > 500, `${labelled} voxels labelled`);
    await page.evaluate(() => window.supervox.meshes.idle);
    await page.waitForFunction(() => window.supervox.view3d.pending.size === 0 && !window.supervox.meshes.running && window.supervox.view3d.triangles > 500, null, { timeout: 30000 });
    await h.settle(page);
    const tris = await page.evaluate(() => window.supervox.view3d.triangles);
    assert.ok(tris > 500, `${tris} triangles in the 3D view`);
    await h.shot(page, 'threads-isolated');
    await shotMeta(page, 'threads-isolated-meta');
    assert.deepEqual(errors, []);
  } finally {
    await app.close();
  }
});

test('without the headers the single-threaded core runs', async () => {
  const app = await h.openApp();
  const { page, errors, server } = app;
  try {
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), false);
    await page.waitForFunction(() => window.supervox.core !== null);
    assert.deepEqual(await page.evaluate(() => window.supervox.core), { threads: 1, threaded: false });
    assert.equal(await coreRow(page), 'single thread');
    assert.ok(!server.requests.some((r) => r.includes('supervox-mt')), 'the threaded build is not even fetched');
    await shotMeta(page, 'threads-plain-meta');
    assert.deepEqual(errors, []);
  } finally {
    await app.close();
  }
});

test('dist/ from a host that sends COOP/COEP: the threaded core, also offline from the service worker', async () => {
  const SUB = '/site/';
  const server = await serve(path.join(h.ROOT, 'dist'), SUB, {}, { isolate: true });
  const browser = await h.launch();
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 860 } });
    const page = await context.newPage();
    const errors = h.watchErrors(page);
    const ready = async () => {
      await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 30000 });
      assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', await page.textContent('#error'));
      await page.waitForFunction(() => window.supervox.core !== null);
      const info = await page.evaluate(() => window.supervox.core);
      assert.equal(info.threaded, true, 'the threaded build runs');
      assert.ok(info.threads >= 2);
    };
    const compute = async () => {
      await h.computeSupervoxels(page);
      await h.drag(page, 'axial', 60, 95, 75, 95, 3);
      await h.idle(page);
      await page.waitForFunction(() => window.supervox.view3d.pending.size === 0 && !window.supervox.meshes.running && window.supervox.view3d.triangles > 500, null, { timeout: 30000 });
    };
    await page.goto(server.url);
    await ready();
    // isolated by the host's headers from the first load: no reload into isolation
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation')[0].type), 'navigate');
    await compute();
    // the service worker holds the threaded build's files too
    const cached = await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
      const names = await caches.keys();
      const cache = await caches.open(names.find((n) => n.startsWith('supervox ')));
      return (await cache.keys()).map((r) => r.url);
    });
    for (const f of ['supervox-mt.js', 'supervox-mt.wasm', 'supervox-mt.worker.js']) assert.ok(cached.includes(`${server.url}build/${f}`), `${f} cached`);
    // offline: the page, its worker and the pool's workers all come from the cache, still isolated
    await context.setOffline(true);
    const served = server.requests.length;
    await page.reload();
    await ready();
    assert.equal(await page.evaluate(() => self.crossOriginIsolated), true, 'the cached page keeps its headers');
    await compute();
    await h.settle(page);
    await h.shot(page, 'threads-dist-offline');
    assert.deepEqual(withoutUpdateChecks(server.requests.slice(served)), [], 'the server was asked');
    assert.deepEqual(errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});
