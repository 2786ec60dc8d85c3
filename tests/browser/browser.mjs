// browser.mjs — Debian's Chromium driven by playwright-core (never a downloaded browser).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { serve } from './server.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const OUT = path.join(ROOT, 'tests', 'out', 'browser');
export const SHARED = path.resolve(ROOT, process.env.SHARED || '../shared');

/** The demo brain padded to 256^3 (as make bench makes it), made once: its path. */
export function brain256() {
  const dir = path.join(OUT, 'vol256');
  const file = path.join(dir, 'brain256.nii.gz');
  if (!existsSync(file)) execFileSync('/usr/bin/python3', [path.join(ROOT, 'tests/bench/make_volumes.py'), path.join(SHARED, 'data/brain/norm_crop.nii.gz'), dir]);
  return file;
}
mkdirSync(OUT, { recursive: true });

/** A fresh browser; playwright gives each launch() a new, empty profile. */
export async function launch() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * A browser whose profile (IndexedDB, caches) lives in userDataDir and
 * survives the context being closed — for autosave and offline tests.
 * @param {string} userDataDir
 */
export function launchPersistent(userDataDir) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    args: ARGS,
    viewport: { width: 1400, height: 860 },
    acceptDownloads: true,
  });
}

const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Collect console errors and uncaught page errors, to assert none happened. */
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  return errors;
}

/** Save a screenshot under tests/out/browser and say where. */
export async function shot(page, name) {
  const file = path.join(OUT, `${name}.png`);
  await page.screenshot({ path: file });
  console.log(`# screenshot: ${file}`);
}

/** Screenshot the metadata panel (it holds the "Core" row) under tests/out/browser. */
export async function shotMeta(page, name) {
  const meta = page.locator('#meta');
  await meta.scrollIntoViewIfNeeded();
  await meta.screenshot({ path: path.join(OUT, `${name}.png`) });
  console.log(`# screenshot: ${path.join(OUT, `${name}.png`)}`);
}

/** The metadata panel's "Core" row ("2 threads", "single thread"), or null. */
export const coreRow = (page) =>
  page.evaluate(() => {
    const dts = [...document.querySelectorAll('#meta-list dt')];
    const dt = dts.find((d) => d.textContent === 'Core');
    return dt ? dt.nextElementSibling.textContent : null;
  });

/**
 * Run `act` while Chromium traces its threads ("toplevel": one event per task,
 * with wall and thread time), and return the tasks of the renderers' main
 * threads that took over `ms` milliseconds of either. CPU (thread) time is
 * what the page's own work costs; wall time also counts the time the thread
 * was preempted on a busy machine or blocked on software WebGL (SwiftShader,
 * which a GPU replaces), so a timed check on wall time is a check of the
 * machine.
 * @param {import('playwright-core').Browser} browser
 * @param {import('playwright-core').Page} page
 * @param {() => Promise<void>} act
 * @returns {Promise<{wall: number, cpu: number}[]>}
 */
export async function mainThreadTasks(browser, page, act, ms = 50) {
  await browser.startTracing(page, { categories: ['toplevel'] });
  let buf;
  try {
    await act();
  } finally {
    buf = await browser.stopTracing();
  }
  const trace = JSON.parse(buf.toString());
  const events = trace.traceEvents ?? trace;
  return topLevelTasks(events)
    .map((e) => ({ wall: e.dur / 1000, cpu: (e.tdur ?? e.dur) / 1000 }))
    .filter((t) => t.wall > ms || t.cpu > ms);
}

/**
 * The main thread's top-level work in a Chromium trace ('toplevel' category):
 * its tasks, and the microtask checkpoints Blink runs outside any task (a
 * promise chain resumed by a stream or a Blob read: a CompressionStream's
 * deflate ran there, 100 ms, in no task); one nested in a task is that task's.
 * @param {any[]} events @returns {any[]} complete events ('X'), in time order
 */
export function topLevelTasks(events) {
  const main = new Set(events.filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const all = events
    .filter((e) => e.ph === 'X' && (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'BlinkScheduler_PerformMicrotaskCheckpoint') && main.has(`${e.pid}:${e.tid}`))
    .sort((a, b) => a.ts - b.ts || b.dur - a.dur);
  const out = [];
  for (const e of all) {
    const last = out[out.length - 1];
    if (last && e.ts >= last.ts && e.ts + e.dur <= last.ts + last.dur && `${e.pid}:${e.tid}` === `${last.pid}:${last.tid}`) continue;
    out.push(e);
  }
  return out;
}

/** Wait for two animation frames (the views draw in the next one). */
export const settle = (page) =>
  page.evaluate(
    () =>
      new Promise((r) => {
        // two frames, and more while slice views still wait for theirs (slow draws spread over frames)
        const more = () => requestAnimationFrame(() => (window.supervox?.drawsPending ? more() : requestAnimationFrame(r)));
        more();
      }),
  );

/** Wait until the core has answered every call, then for the redraw. */
export const idle = (page) => page.waitForFunction(() => !window.supervox.bridge.busy).then(() => settle(page));

/** Screen point of the voxel-resolution pixel (col, row) of a view's canvas. */
export const pointOn = (page, view, col, row) =>
  page.evaluate(([v, c, r]) => {
    const cv = document.querySelector(`canvas[data-view="${v}"]`);
    const b = cv.getBoundingClientRect();
    return { x: b.left + ((c + 0.5) / cv.width) * b.width, y: b.top + ((r + 0.5) / cv.height) * b.height };
  }, [view, col, row]);

/**
 * Compute supervoxels in the app: fill the count and the background ('auto', 'none' or a number), click
 * Compute and wait for "N supervoxels in X s" (the status is cleared first, so a second compute
 * waits for its own). Returns the session's supervoxel count.
 * @returns {Promise<number>}
 */
export async function computeSupervoxels(page, count = '4000', threshold = '1') {
  // one the stroke tool started by itself finishes first
  await page.waitForFunction(() => !document.getElementById('sv-compute').disabled, null, { timeout: 60000 });
  await page.fill('#sv-count', String(count));
  await page.fill('#sv-threshold', String(threshold));
  await page.evaluate(() => { document.getElementById('sv-status').textContent = ''; });
  await page.click('#sv-compute');
  await page.waitForFunction(() => /supervoxels in/.test(document.getElementById('sv-status').textContent), null, { timeout: 60000 });
  return page.evaluate(() => window.supervox.session.supervoxels.count);
}

/**
 * Drag the mouse across a view with the left button, from voxel-resolution
 * pixel (c0, r0) to (c1, r1) of its canvas: a brush or stroke line.
 */
export async function drag(page, view, c0, r0, c1, r1, steps = 6) {
  const a = await pointOn(page, view, c0, r0);
  const b = await pointOn(page, view, c1, r1);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps });
  await page.mouse.up();
}

/**
 * Serve web/, open the app in a fresh Chromium and wait until the demo is ready
 * and the 3D view has started.
 * @param {{isolate?: boolean}} [opts] isolate: serve with COOP/COEP (cross-origin isolated: the threaded core)
 * @returns {Promise<{server: any, browser: any, page: any, errors: string[], close: () => Promise<void>}>}
 */
export async function openApp(opts = {}) {
  const server = await serve(path.join(ROOT, 'web'), '/', {}, { isolate: !!opts.isolate });
  const browser = await launch();
  const context = await browser.newContext({ viewport: { width: 1400, height: 860 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = watchErrors(page);
  await page.goto(server.url);
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30000 });
  await page.evaluate(() => window.supervox.view3d.warm); // the 3D view starts after the first slice
  return { server, browser, page, errors, close: async () => { await browser.close(); await server.close(); } };
}
