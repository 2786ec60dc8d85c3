// sv-browser.mjs FILE COUNT [RUNS] — supervoxels in the app in real Chromium, as a user
// computes them: FILE opened with ?src=, COUNT supervoxels, no background threshold, the
// Compute button clicked RUNS times (default 3) in one page; the first is a first call (the
// wasm code not yet optimised by V8); then once more with the app's default, the automatic
// background. Once served plainly (the single-threaded core) and once
// with COOP/COEP (cross-origin isolated: the threaded core), as make serve and dist/ serve it.
// Prints JSON: per build, the seconds the app reports for each run ("N supervoxels in X s":
// supervoxels, index, graph and merge levels in the worker, and the map back on the page).
import path from 'node:path';

import * as h from '../browser/browser.mjs';
import { serve } from '../browser/server.mjs';

const [file, count, runs = '3'] = process.argv.slice(2);
const out = {};
for (const isolate of [false, true]) {
  const server = await serve(path.join(h.ROOT, 'web'), '/', { 'volume.nii.gz': path.resolve(file) }, { isolate });
  const browser = await h.launch();
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 860 } })).newPage();
    await page.goto(server.url + '?src=volume.nii.gz');
    await page.waitForFunction(() => document.body.dataset.state === 'ready' && /volume\.nii\.gz: opened/.test(document.body.textContent), null, { timeout: 60000 });
    const core = await page.evaluate(() => self.crossOriginIsolated);
    const seconds = [];
    for (let run = 0; run < Number(runs); run++) {
      await h.computeSupervoxels(page, count, 'none');
      const text = await page.$eval('#sv-status', (e) => e.textContent);
      seconds.push(Number(/in ([\d.]+) s/.exec(text)[1]));
      await h.idle(page);
    }
    // then once as the app computes by default: the background automatic (here the zero padding)
    await h.computeSupervoxels(page, count, 'auto');
    const text = await page.$eval('#sv-status', (e) => e.textContent);
    const auto = { seconds: Number(/in ([\d.]+) s/.exec(text)[1]), background: /background: ([\d.]+%)/.exec(text)?.[1] || 'none' };
    await h.idle(page);
    out[isolate ? 'threaded' : 'single'] = { isolated: core, seconds, auto };
  } finally {
    await browser.close();
    await server.close();
  }
}
console.log(JSON.stringify(out));
