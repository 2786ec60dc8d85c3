// build.mjs — `make dist`: web/ packaged for deployment, in dist/ (rebuilt whole).
//
//   dist/               the static site with relative URLs only: any static host,
//                       any sub-path, no server code, no special headers; plus
//                       sw.js, which precaches every file of the build so that a
//                       second visit works offline (wasm-build/dist/sw.js + a manifest
//                       of SHA-256 hashes; the build's hash names the cache)
//   dist/supervox.html  the whole app in one file that works from file:// with no
//                       network: the ES modules and three.js bundled by esbuild
//                       into one inline module script, the CSS inline, and the
//                       worker's source, the wasm and the demo as base64 data
//                       blocks (wasm-build/dist/inline-setup.js reads them)
//
// Both pages carry a Content-Security-Policy that allows no other origin; the
// inline script and style of supervox.html are allowed by their hashes.
// Usage: node wasm-build/dist/build.mjs   (after make wasm; prints the sizes)
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WEB = path.join(ROOT, 'web');
const DIST = path.join(ROOT, 'dist');
const HERE = path.join(ROOT, 'wasm-build/dist');

/** Stop the build with one clear sentence. @param {string} msg @returns {never} */
function fail(msg) {
  console.error(`make dist: ${msg}`);
  process.exit(1);
}

const sha256 = (/** @type {string | Buffer} */ data) => createHash('sha256').update(data).digest();
/** A CSP or subresource-integrity source for these exact bytes. @param {string | Buffer} data */
const hashSource = (data) => `sha256-${sha256(data).toString('base64')}`;

/** Every file below dir as a path relative to it ('/' separators), sorted. @param {string} dir @returns {string[]} */
function walk(dir, rel = '') {
  return readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(dir, path.posix.join(rel, e.name)) : [path.posix.join(rel, e.name)]))
    .sort();
}

/** The one match of re in text (group 1 if any), or fail naming what. @param {string} text @param {RegExp} re @param {string} what */
function one(text, re, what) {
  const m = text.match(re);
  if (!m) fail(`web/index.html has no ${what}`);
  return m;
}

// --- the site ---------------------------------------------------------------------

for (const f of ['build/supervox.js', 'build/supervox.wasm', 'build/vendor/three.module.js', 'demo/norm_crop.nii.gz']) {
  try {
    statSync(path.join(WEB, f));
  } catch {
    fail(`web/${f} is missing: run make first`);
  }
}

const indexHtml = readFileSync(path.join(WEB, 'index.html'), 'utf8');
const CSP_RE = /<meta http-equiv="Content-Security-Policy" content="([^"]*)" \/>/;
const csp = one(indexHtml, CSP_RE, 'Content-Security-Policy <meta>')[1];
const importMap = one(indexHtml, /<script type="importmap">([\s\S]*?)<\/script>/, 'import map')[1];
if (!csp.includes(`'${hashSource(importMap)}'`))
  fail(`web/index.html's CSP does not allow its import map: put '${hashSource(importMap)}' in script-src (the map's hash)`);

// everything in web/ but the package.json files that tell Node how to load the glue
const siteFiles = walk(WEB).filter((f) => path.posix.basename(f) !== 'package.json');
rmSync(DIST, { recursive: true, force: true });
for (const f of siteFiles) {
  mkdirSync(path.dirname(path.join(DIST, f)), { recursive: true });
  copyFileSync(path.join(WEB, f), path.join(DIST, f));
}

// dist/index.html names its service worker (offline.js registers it over http(s))
const distIndex = indexHtml.replace(CSP_RE, (m) => `${m}\n    <meta name="supervox-service-worker" content="sw.js" />`);
writeFileSync(path.join(DIST, 'index.html'), distIndex);

// relative URLs only: no attribute of the page starts at the root or names a host
for (const [, attr, url] of distIndex.matchAll(/\s(src|href|content)="([^"]*)"/g)) {
  if (attr !== 'content' && /^(\/|[a-z][a-z0-9+.-]*:\/\/)/i.test(url)) fail(`index.html: ${attr}="${url}" is not a relative URL`);
}

// the service worker: every file of the build with its hash; the build's hash names the cache
/** @type {Record<string, string>} */
const files = {};
const whole = createHash('sha256');
for (const f of siteFiles) {
  const bytes = readFileSync(path.join(DIST, f));
  files[f] = hashSource(bytes);
  whole.update(`${f}\0${files[f]}\n`);
}
const version = whole.digest('hex').slice(0, 16);
const swTemplate = readFileSync(path.join(HERE, 'sw.js'), 'utf8');
const BUILD_LINE = /^const BUILD = .*$/m;
if (!BUILD_LINE.test(swTemplate)) fail('wasm-build/dist/sw.js has no "const BUILD = ..." line to fill');
const swSource = swTemplate.replace(BUILD_LINE, () => `const BUILD = ${JSON.stringify({ version, files }, null, 2)};`);
writeFileSync(path.join(DIST, 'sw.js'), swSource);

// --- supervox.html ------------------------------------------------------------------

const bundle = await esbuild.build({
  entryPoints: [path.join(HERE, 'inline-entry.js')],
  bundle: true,
  format: 'esm',
  minify: true,
  target: ['es2022'],
  legalComments: 'eof', // three.js's licence stays in the file
  write: false,
  logLevel: 'warning',
});
const js = bundle.outputFiles[0].text.trim();
// the script's text ends at "</script" and "<!--" changes how the parser reads it
if (/<\/script|<!--/i.test(js)) fail('the bundle contains "</script" or "<!--": it cannot be inlined as is');

const css = readFileSync(path.join(WEB, 'styles.css'), 'utf8');
if (/<\/style/i.test(css)) fail('styles.css contains "</style"');

const worker = ['build/supervox.js', 'worker/core-api.js', 'worker/worker.js'].map((f) => readFileSync(path.join(WEB, f), 'utf8')).join('\n;\n');
const b64 = (/** @type {string | Buffer} */ data) => Buffer.from(data).toString('base64');
const notice = readFileSync(path.join(WEB, 'demo/NOTICE.txt'), 'utf8');
if (/<\/script/i.test(notice)) fail('demo/NOTICE.txt contains "</script"');

// no host but the page itself: the bundle and the CSS by their hashes, the worker from a Blob
const inlineCsp = [
  "default-src 'none'",
  `script-src '${hashSource(js)}' 'wasm-unsafe-eval'`,
  "worker-src blob:",
  "connect-src 'self' blob: data:",
  "img-src 'self' data: blob:",
  `style-src '${hashSource(css)}'`,
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

let html = indexHtml
  .replace(CSP_RE, () => `<meta http-equiv="Content-Security-Policy" content="${inlineCsp}" />`)
  .replace(/ *<!-- Nothing leaves the page:[\s\S]*?-->\n/, () =>
    '    <!-- Supervox in one file (make dist): it works from file:// and makes no request.\n' +
    '         The CSP allows only the inline script and style below (by their hashes), a Blob worker and wasm. -->\n')
  .replace(/ *<!-- three\.js is served[^\n]*\n *<script type="importmap">[\s\S]*?<\/script>\n/, '')
  .replace('<link rel="stylesheet" href="styles.css" />', () => `<style>${css}</style>`)
  .replace(/ *<script type="module" src="boot\.js"><\/script>\n/, '') // one file: the app starts its worker and demo itself
  .replace('<script type="module" src="app.js"></script>', () => `<script type="module">${js}</script>`);
for (const gone of ['importmap', 'src="boot.js"', 'src="app.js"', 'href="styles.css"'])
  if (html.includes(gone)) fail(`supervox.html: could not replace ${gone} in web/index.html`);

const blocks =
  '    <!-- data, not scripts: read by the inline script (wasm-build/dist/inline-setup.js) -->\n' +
  `    <script type="application/octet-stream" id="supervox-worker">${b64(worker)}</script>\n` +
  `    <script type="application/octet-stream" id="supervox-wasm">${b64(readFileSync(path.join(WEB, 'build/supervox.wasm')))}</script>\n` +
  `    <script type="application/octet-stream" id="supervox-demo">${b64(readFileSync(path.join(WEB, 'demo/norm_crop.nii.gz')))}</script>\n` +
  `    <script type="text/plain" id="supervox-demo-notice">\n${notice}</script>\n`;
if (!html.includes('  </body>')) fail('web/index.html has no </body>');
html = html.replace('  </body>', () => `${blocks}  </body>`);
writeFileSync(path.join(DIST, 'supervox.html'), html);

// --- sizes ------------------------------------------------------------------------------

const size = (/** @type {string} */ f) => statSync(path.join(DIST, f)).size;
const mb = (/** @type {number} */ n) => `${(n / 1e6).toFixed(2)} MB`;
const total = walk(DIST).reduce((s, f) => s + size(f), 0);
console.log(`dist/: ${walk(DIST).length} files, ${mb(total)} (site ${mb(total - size('supervox.html'))}, build ${version})`);
console.log(`dist/supervox.html: ${mb(size('supervox.html'))} (bundle ${mb(js.length)})`);
