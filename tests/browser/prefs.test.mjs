// prefs.test.mjs — the tool settings a user chose come back after a reload
// (brush size, path width, stroke mode, masking, overlay, outline, display
// convention, supervoxel fields and boundaries, surface smoothing); stored
// values that are damaged or out of range leave the defaults, with no error.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './browser.mjs';

let app;
before(async () => {
  app = await h.openApp();
});
after(() => app?.close());

/** Reload the page and wait until it is ready again. */
async function reload(page) {
  await page.reload();
  await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 30000 });
  await page.evaluate(() => window.supervox.view3d.warm);
}

/** What the controls and the app's settings say now. */
const controls = (page) =>
  page.evaluate(() => {
    const v = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).value;
    const c = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id)).checked;
    const s = window.supervox.settings;
    return {
      brush: [v('brush-size'), s.sizeMm],
      strokeMode: [v('stroke-mode'), s.strokeMode],
      onlyUnlabelled: [c('only-unlabelled'), s.onlyUnlabelled],
      overlay: [v('overlay-opacity'), s.overlayOpacity],
      outline: [c('outline'), s.outline],
      convention: [v('convention'), s.convention],
      boundaries: [c('sv-boundaries'), s.boundaries],
      sv: [v('sv-count'), v('sv-compactness'), v('sv-threshold')],
      smooth: [c('mesh-smooth'), window.supervox.meshes.smooth],
    };
  });

const DEFAULTS = {
  brush: ['5', 5],
  strokeMode: ['paint', 'paint'],
  onlyUnlabelled: [false, false],
  overlay: ['0.6', 0.6],
  outline: [false, false],
  convention: ['radiological', 'radiological'],
  boundaries: [false, false],
  sv: ['20000', '0.1', 'auto'],
  smooth: [true, true],
};

test('the settings chosen come back after a reload', async () => {
  const { page, errors } = app;
  assert.deepEqual(await controls(page), DEFAULTS, 'a first visit starts with the defaults');
  await page.mouse.move(300, 300);
  await page.keyboard.press(']'); // brush 5 -> 6 mm
  await page.keyboard.press(']'); // -> 7 mm
  await page.keyboard.press('o'); // outline
  await page.evaluate(() => {
    window.supervox.setTool('stroke');
    window.supervox.setBrushSize(2); // the stroke's path width
  });
  await page.selectOption('#stroke-mode', 'touch');
  await page.check('#only-unlabelled');
  await page.fill('#overlay-opacity', '0.3');
  await page.dispatchEvent('#overlay-opacity', 'input');
  await page.selectOption('#convention', 'neurological');
  await page.fill('#sv-count', '8000');
  await page.dispatchEvent('#sv-count', 'change');
  await page.fill('#sv-compactness', '0.2');
  await page.dispatchEvent('#sv-compactness', 'change');
  await page.fill('#sv-threshold', 'none');
  await page.dispatchEvent('#sv-threshold', 'change');
  await page.uncheck('#mesh-smooth');
  await page.waitForTimeout(600); // written 0.3 s after the last change
  await reload(page);
  assert.deepEqual(await controls(page), {
    brush: ['7', 7], // the crosshair's size is the brush's
    strokeMode: ['touch', 'touch'],
    onlyUnlabelled: [true, true],
    overlay: ['0.3', 0.3],
    outline: [true, true],
    convention: ['neurological', 'neurological'],
    boundaries: [false, false],
    sv: ['8000', '0.2', 'none'],
    smooth: [false, false],
  });
  await page.evaluate(() => window.supervox.setTool('stroke'));
  assert.equal(await page.$eval('#brush-size-out', (e) => e.textContent), '2 mm', 'the path width came back too');
  assert.equal(await page.$eval('#brush-size-name', (e) => e.textContent), 'Path width');
  // the neurological convention is applied, not just shown: the patient's left is on the screen's left
  assert.equal(await page.$$eval('#view-axial .letter', (e) => e.map((x) => x.textContent).join('')), 'LRAP');
  await h.shot(page, 'prefs-restored');
  assert.deepEqual(errors, []);
});

test('damaged or out-of-range stored settings leave the defaults, without an error', async () => {
  const { page, errors } = app;
  await page.evaluate(() => localStorage.setItem('supervox:prefs', '{"brushMm": 7, "strokeMode'));
  await reload(page);
  assert.deepEqual(await controls(page), DEFAULTS);
  await page.evaluate(() =>
    localStorage.setItem(
      'supervox:prefs',
      JSON.stringify({ brushMm: 999, strokeMode: 'flood', overlayOpacity: '0.3', convention: 'upside-down', svCount: '5', svCompactness: '-1', svThreshold: 'below zero', meshSmooth: 'no', outline: true }),
    ),
  );
  await reload(page);
  assert.deepEqual(await controls(page), { ...DEFAULTS, outline: [true, true] }, 'only the valid value is taken');
  await page.evaluate(() => localStorage.removeItem('supervox:prefs'));
  await reload(page);
  assert.deepEqual(await controls(page), DEFAULTS);
  assert.deepEqual(errors, []);
});
