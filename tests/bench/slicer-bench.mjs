// slicer-bench.mjs — the slicer's speed in real Chromium on a 256^3 volume:
// time from page start to the first slice on screen, long main-thread tasks
// while loading and painting, slice redraw and frame times while scrolling,
// the brush's stroke-to-screen latency, and undo / redo to screen. Prints one JSON object.
// Loading ends when the 3D view (started after the first slice) has drawn
// its shaders once. Long tasks are counted twice: by wall time (the Long Tasks
// API: what a user of this machine waits) and, while loading, by the main
// thread's CPU time from a Chromium trace (the page's own work: wall time also
// counts the thread blocked on software WebGL, SwiftShader, which a GPU replaces,
// or preempted on a busy machine).
import path from 'node:path';

import { launch, ROOT, topLevelTasks } from '../browser/browser.mjs';
import { serve } from '../browser/server.mjs';

const vol = process.argv[2];
const server = await serve(path.join(ROOT, 'web'), '/', { 'bench/volume.nii.gz': vol });
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
await page.addInitScript(() => {
  window.__long = [];
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) window.__long.push({ start: e.startTime, ms: e.duration });
  }).observe({ type: 'longtask', buffered: true });
});
await browser.startTracing(page, { categories: ['toplevel'] });
await page.goto(`${server.url}?src=bench/volume.nii.gz`);
await page.waitForFunction(() => performance.getEntriesByName('supervox:first-slice').length > 0, null, { timeout: 60000 });
await page.evaluate(() => window.supervox.view3d.warm);
await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
const trace = JSON.parse((await browser.stopTracing()).toString());
const events = trace.traceEvents ?? trace;
const cpuLong = topLevelTasks(events)
  .map((e) => (e.tdur ?? e.dur) / 1000)
  .filter((ms) => ms > 50);
const result = await page.evaluate(async () => {
  const sv = window.supervox;
  const frame = () => new Promise((r) => requestAnimationFrame(r));
  const q = (a, p) => {
    const s = [...a].sort((x, y) => x - y);
    return +s[Math.min(s.length - 1, Math.floor(p * s.length))].toFixed(2);
  };
  const mark = (n) => performance.getEntriesByName(n)[0].startTime;
  const firstSlice = mark('supervox:first-slice');
  const fromDownload = firstSlice - mark('supervox:download-start');
  // long tasks while the volume downloads, parses and is first drawn, and the 3D view starts
  // (page start-up before excluded)
  const loadLong = window.__long.filter((t) => t.start + t.ms > mark('supervox:download-start'));
  const startupLong = window.__long.filter((t) => t.start + t.ms <= mark('supervox:download-start'));
  const toolStart = performance.now();
  await frame();
  // scrolling: one slice per frame through 120 slices of the axial view
  const view = sv.views.axial;
  const draws = [];
  const frames = [];
  const orig = view.draw.bind(view);
  view.draw = () => {
    const t = performance.now();
    orig();
    draws.push(performance.now() - t);
  };
  let last = performance.now();
  for (let i = 0; i < 120; i++) {
    view.setSlice(60 + i);
    await frame();
    const t = performance.now();
    frames.push(t - last);
    last = t;
  }
  view.draw = orig;
  // brush: 60 segments, each timed from request to the painted slice drawn
  const s = sv.session;
  await s.beginStroke();
  const lat = [];
  const trip = [];
  const k = view.slice;
  for (let i = 0; i < 60; i++) {
    const t = performance.now();
    const ijk = [100 + i, k, 128];
    const a = [...ijk];
    a[view.geometry.sliceAxis] = view.slice;
    await s.strokeSegment(a, [a[0] + 1, a[1], a[2]], { axis: view.geometry.sliceAxis, radiusMm: 4, erase: false, onlyUnlabelled: false });
    trip.push(performance.now() - t); // worker painted it, the page's copy is patched
    await frame(); // the redraw that shows it
    lat.push(performance.now() - t);
  }
  await s.endStroke();
  // undo and redo of that stroke, alternating, 8 times: each timed from the request to the
  // frame that shows it (the first right after the stroke ends, as a user undoing a slip)
  const undo = [];
  for (let i = 0; i < 8; i++) {
    const t0 = performance.now();
    await s.undoRedo(i % 2 === 1);
    await frame();
    undo.push(performance.now() - t0);
  }
  const toolLong = window.__long.filter((t) => t.start >= toolStart);
  const longest = (l) => (l.length ? Math.round(Math.max(...l.map((x) => x.ms))) : 0);
  return {
    dims: s.volume.info.dims,
    first_slice_ms: Math.round(firstSlice),
    download_to_first_slice_ms: Math.round(fromDownload),
    long_tasks_startup: [startupLong.length, longest(startupLong)],
    long_tasks_loading: [loadLong.length, longest(loadLong)],
    long_tasks_tools: [toolLong.length, longest(toolLong)],
    slice_draw_ms: { median: q(draws, 0.5), p95: q(draws, 0.95) },
    scroll_frame_ms: { median: q(frames, 0.5), p95: q(frames, 0.95) },
    brush_to_screen_ms: { median: q(lat, 0.5), p95: q(lat, 0.95) },
    brush_roundtrip_ms: { median: q(trip, 0.5), p95: q(trip, 0.95) },
    undo_to_screen_ms: { first: +undo[0].toFixed(1), median: q(undo, 0.5), p95: q(undo, 0.95) },
  };
});
result.long_tasks_loading_cpu = [cpuLong.length, Math.round(Math.max(0, ...cpuLong))];
console.log(JSON.stringify(result));
await browser.close();
await server.close();
