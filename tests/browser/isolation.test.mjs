// isolation.test.mjs — the threaded core without the host's help.
//  - `make serve`'s server (wasm-build/serve.mjs, run as make runs it) sends
//    COOP/COEP and the right MIME types on loopback only: the demo runs on
//    "Core: N threads"; Ctrl+C stops it;
//  - dist/ on a host that sends no such headers: the service worker adds them,
//    the first visit reloads once into isolation before anything loads, then
//    runs threaded (supervoxels, a stroke); gallery.html is left un-isolated
//    so that its frames, sandboxed ones too, load; a second visit offline is
//    isolated from the start, with no reload;
//  - no reload loop where the worker cannot isolate the page: service workers
//    blocked, sw.js missing, an older worker without the headers, file://.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';

import * as h from './browser.mjs';
import { coreRow, shotMeta } from './browser.mjs';
import { serve, withoutUpdateChecks } from './server.mjs';

const DIST = path.join(h.ROOT, 'dist');
const SUB = '/hosted/supervox/';
const TMP = mkdtempSync(path.join(os.tmpdir(), 'supervox-isolation-'));

/** Count a page's main-frame navigations (a reload is one more). */
function navigations(page) {
  const n = { count: 0 };
  page.on('framenavigated', (f) => {
    if (f === page.mainFrame()) n.count++;
  });
  return n;
}

/**
 * Wait (across a reload) until the page's first image is on screen and the core
 * has said which build runs; returns what the page knows of itself.
 */
async function ready(page) {
  await page.waitForFunction(() => document.body?.dataset.state && document.body.dataset.state !== 'loading', null, { timeout: 60000 });
  assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready', await page.textContent('#error'));
  await page.waitForFunction(() => window.supervox.core !== null, null, { timeout: 30000 });
  return page.evaluate(() => ({
    isolated: self.crossOriginIsolated,
    core: window.supervox.core,
    navigation: /** @type {PerformanceNavigationTiming} */ (performance.getEntriesByType('navigation')[0]).type,
    controlled: (() => {
      try {
        return !!navigator.serviceWorker?.controller;
      } catch {
        return false; // a sandboxed frame may not even look
      }
    })(),
  }));
}

/** The threaded build runs, and the metadata panel says so. */
async function threaded(page, info) {
  assert.equal(info.isolated, true, 'cross-origin isolated');
  assert.equal(info.core.threaded, true, 'the threaded build runs');
  assert.ok(info.core.threads >= 2, `${info.core.threads} threads`);
  assert.equal(await coreRow(page), `${info.core.threads} threads`);
}

/** The single-threaded build runs, and the metadata panel says so. */
async function single(page, info) {
  assert.equal(info.isolated, false);
  assert.deepEqual(info.core, { threads: 1, threaded: false });
  assert.equal(await coreRow(page), 'single thread');
}

/** Supervoxels (4000) and a stroke that labels a structure, on whichever core runs. */
async function annotate(page) {
  const count = await h.computeSupervoxels(page);
  assert.ok(count > 3000 && count < 5000, `${count} supervoxels`);
  await page.evaluate(() => window.supervox.setTool('stroke'));
  await h.drag(page, 'axial', 60, 95, 75, 95, 3);
  await h.idle(page);
  const labelled = await page.evaluate(() => window.supervox.session.layer.data.reduce((s, x) => s + (x === window.supervox.session.activeLabel), 0));
  assert.ok(labelled > 500, `${labelled} voxels labelled`);
}

/** A fresh context of a fresh browser. @param {object} [opts] newContext options */
async function open(opts = {}) {
  const browser = await h.launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, ...opts });
  return { browser, context };
}

/** A new page of the context, with its console errors and navigations watched. */
async function newPage(context) {
  const page = await context.newPage();
  return { page, errors: h.watchErrors(page), navs: navigations(page) };
}

/** Resolve once `ms` have passed (to see that no late reload comes). */
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('make serve: COOP/COEP, MIME types, loopback only; the demo runs on the threaded core; Ctrl+C stops it', async () => {
  // as the Makefile runs it, on a free port
  const child = spawn(process.execPath, ['wasm-build/serve.mjs', 'web', '0'], { cwd: h.ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const { browser, context } = await open();
  try {
    const url = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/^Supervox: (http:\/\/localhost:\d+\/) .*Ctrl\+C stops/m);
        if (m) resolve(m[1]);
      });
      exited.then(({ code }) => reject(new Error(`the server exited (${code}): ${stderr}`)));
    });
    const port = Number(new URL(url).port);
    const direct = `http://127.0.0.1:${port}/`;
    for (const [file, type] of [
      ['', 'text/html; charset=utf-8'],
      ['app.js', 'text/javascript; charset=utf-8'],
      ['worker/worker.js', 'text/javascript; charset=utf-8'],
      ['build/supervox-mt.js', 'text/javascript; charset=utf-8'],
      ['build/supervox-mt.worker.js', 'text/javascript; charset=utf-8'],
      ['build/supervox-mt.wasm', 'application/wasm'],
      ['build/supervox.wasm', 'application/wasm'],
      ['styles.css', 'text/css; charset=utf-8'],
      ['demo/norm_crop.nii.gz', 'application/gzip'],
    ]) {
      const r = await fetch(direct + file);
      assert.equal(r.status, 200, file);
      assert.equal(r.headers.get('content-type'), type, file);
      assert.equal(r.headers.get('cross-origin-opener-policy'), 'same-origin', file);
      assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp', file);
      assert.equal(Number(r.headers.get('content-length')), (await r.arrayBuffer()).byteLength, file);
    }
    assert.equal((await fetch(`${direct}no-such-file.js`)).status, 404);
    assert.equal((await fetch(`${direct}..%2fMakefile`)).status, 403);
    assert.equal((await fetch(direct, { method: 'POST' })).status, 405);
    const folder = await fetch(`${direct}demo`, { redirect: 'manual' });
    assert.deepEqual([folder.status, folder.headers.get('location')], [301, '/demo/']);
    // nothing but this machine can connect: not on its other addresses
    const outside = Object.values(os.networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal);
    if (outside) {
      const refused = await new Promise((resolve) => {
        const s = net.connect({ host: outside.address, port }, () => (s.destroy(), resolve(false)));
        s.on('error', () => resolve(true));
      });
      assert.ok(refused, `${outside.address}:${port} accepted a connection`);
    }

    // the page at the printed URL: isolated, the threaded core
    const { page, errors } = await newPage(context);
    await page.goto(url);
    const info = await ready(page);
    await threaded(page, info);
    await h.shot(page, 'isolation-make-serve');
    await shotMeta(page, 'isolation-make-serve-meta');
    assert.deepEqual(errors, []);

    // Ctrl+C
    child.kill('SIGINT');
    const end = await Promise.race([exited, sleep(5000).then(() => 'still running')]);
    assert.deepEqual(end, { code: 0, signal: null });
  } finally {
    child.kill();
    await browser.close();
  }
});

test('dist/ from a host without COOP/COEP: one reload into isolation, threaded; the gallery and its frames load; offline second visit isolated', async () => {
  const server = await serve(DIST, SUB); // no special headers, as GitHub Pages
  const { browser, context } = await open();
  try {
    const { page, errors, navs } = await newPage(context);
    await page.goto(server.url);
    const first = await ready(page);
    assert.equal(navs.count, 2, 'the page loaded, then reloaded once');
    assert.equal(first.navigation, 'reload');
    assert.equal(first.controlled, true, 'the reloaded page is served by the service worker');
    await threaded(page, first);
    await annotate(page);
    await h.settle(page);
    await h.shot(page, 'isolation-dist-first-visit');
    await shotMeta(page, 'isolation-dist-first-visit-meta');
    // the reload came before the demo: the network saw the demo once (the worker's install)
    assert.equal(server.requests.filter((p) => p === `${SUB}demo/norm_crop.nii.gz`).length, 1, server.requests.join('\n'));
    assert.ok(server.requests.every((p) => p.startsWith(SUB)), 'every request below the sub-path');
    assert.deepEqual(errors, []);
    await sleep(1000);
    assert.equal(navs.count, 2, 'no later reload');

    // gallery.html, now served by the worker, is left as the host sends it (not isolated), so that frames
    // the worker cannot serve still load: its annotators work (single-threaded, as the page is not isolated),
    // and so does a sandboxed single-file annotator (a sandboxed frame's page never passes through a worker)
    const g = await newPage(context);
    await g.page.goto(`${server.url}gallery.html`);
    assert.equal(await g.page.evaluate(() => self.crossOriginIsolated), false);
    assert.equal(await g.page.evaluate(() => !!navigator.serviceWorker.controller), true);
    await g.page.waitForFunction(() => [...document.querySelectorAll('supervox-annotator')].every((a) => a.annotator), null, { timeout: 30000 });
    await g.page.evaluate(() => Promise.all([...document.querySelectorAll('supervox-annotator')].map((a) => a.annotator.ready)));
    for (const id of ['left', 'right']) {
      const f = await (await g.page.$(`#${id} iframe`)).contentFrame();
      const info = await ready(f);
      assert.equal(info.navigation, 'navigate', `${id}: no reload in a frame`);
      assert.equal(info.controlled, true, `${id}: served by the worker`);
      await single(f, info);
    }
    await g.page.evaluate(async () => {
      const { mount } = await import('./embed.js');
      const div = document.createElement('div');
      div.id = 'sandboxed';
      div.style.cssText = 'position: fixed; inset: 20% 10%; background: #000';
      document.body.appendChild(div);
      await mount(div, { app: 'supervox.html', sandbox: 'allow-scripts allow-downloads' }).ready;
    });
    const sandboxed = await (await g.page.$('#sandboxed iframe')).contentFrame();
    await single(sandboxed, await ready(sandboxed));
    await h.shot(g.page, 'isolation-dist-gallery');
    assert.equal(g.navs.count, 1);
    assert.deepEqual(g.errors, []);
    await g.page.close();

    // a second visit with the network off: isolated from the start, no reload
    await context.setOffline(true);
    const served = server.requests.length;
    const second = await newPage(context);
    await second.page.goto(server.url);
    const info = await ready(second.page);
    assert.equal(info.navigation, 'navigate');
    assert.equal(second.navs.count, 1, 'no reload on the second visit');
    await threaded(second.page, info);
    await annotate(second.page);
    await h.settle(second.page);
    await h.shot(second.page, 'isolation-dist-offline');
    assert.deepEqual(withoutUpdateChecks(server.requests.slice(served)), [], 'the server was asked');
    assert.deepEqual(second.errors, []);
  } finally {
    await browser.close();
    await server.close();
  }
});

test('no reload loop where the service worker cannot isolate the page', async (t) => {
  /** Open url in a fresh context; the app must start once, single-threaded, and stay. */
  const once = async (url, { contextOptions = {}, expectNavs = 1, ignore = /$^/ } = {}) => {
    const { browser, context } = await open(contextOptions);
    try {
      const { page, errors, navs } = await newPage(context);
      await page.goto(url);
      const info = await ready(page);
      await single(page, info);
      await sleep(1500);
      assert.equal(navs.count, expectNavs, `${navs.count} navigations`);
      assert.equal(await page.evaluate(() => document.body.dataset.state), 'ready');
      assert.deepEqual(errors.filter((e) => !ignore.test(e)), []);
      return { page, context, navs, browser };
    } catch (e) {
      await browser.close();
      throw e;
    }
  };

  await t.test('service workers blocked: no reload', async () => {
    const server = await serve(DIST, SUB);
    try {
      const { browser } = await once(server.url, { contextOptions: { serviceWorkers: 'block' } });
      await browser.close();
    } finally {
      await server.close();
    }
  });

  await t.test('sw.js missing on the host: registration fails, no reload', async () => {
    const server = await serve(DIST, SUB, { 'sw.js': path.join(TMP, 'missing.js') });
    try {
      const { browser } = await once(server.url, { ignore: /ServiceWorker|sw\.js|404/ });
      await browser.close();
      assert.ok(server.requests.includes(`${SUB}sw.js`), 'the page tried to register it');
    } finally {
      await server.close();
    }
  });

  await t.test('a worker that serves the page without the headers (an older build): one reload, then none', async () => {
    const sw = readFileSync(path.join(DIST, 'sw.js'), 'utf8');
    const old = sw.replace('function isolated(res) {', 'function isolated(res) {\n  return res;');
    assert.notEqual(old, sw);
    writeFileSync(path.join(TMP, 'old-sw.js'), old);
    const server = await serve(DIST, SUB, { 'sw.js': path.join(TMP, 'old-sw.js') });
    try {
      const { page, navs, browser } = await once(server.url, { expectNavs: 2 });
      assert.equal(await page.evaluate(() => !!navigator.serviceWorker.controller), true);
      // the user reloads: still no reload of its own
      await page.reload();
      await single(page, await ready(page));
      await sleep(1000);
      assert.equal(navs.count, 3);
      await browser.close();
    } finally {
      await server.close();
    }
  });

  await t.test('supervox.html from file://: no service worker, no reload', async () => {
    const { browser } = await once(pathToFileURL(path.join(DIST, 'supervox.html')).href);
    await browser.close();
  });
});
