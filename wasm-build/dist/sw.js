// @ts-check
/// <reference lib="webworker" />
/* sw.js — the packaged site's service worker: a second visit works with the
 * network off. `make dist` writes BUILD (every file of the build with its
 * SHA-256) into dist/sw.js; web/ has no service worker.
 *
 * install   fetch every file of the build, each checked against its hash
 *           (subresource integrity), into a cache named after this folder and
 *           the build's hash; one missing or wrong file fails the install
 *           (the browser tries again on a later visit)
 * activate  delete this folder's caches of older builds; control open pages
 * fetch     a GET for a file of the build is answered from the cache (the
 *           folder itself is index.html; a query such as ?src= is ignored),
 *           with COOP same-origin and COEP require-corp added (see below);
 *           anything else (a ?src= file, another site) is left to the browser
 *
 * Cross-origin isolation without server headers (the "coi-serviceworker"
 * technique): a page is cross-origin isolated, and SharedArrayBuffer so the
 * threaded core works, only if its response carries COOP/COEP, which most
 * static hosts cannot send. This worker adds them to the build's files it
 * serves, so a page it controls is isolated wherever the site is hosted.
 * A page loaded before the worker controlled it (the first visit) is not:
 * offline.js reloads it once, at startup, before any volume loads. The app in
 * a frame (embed.js) gets the headers too, so an isolated page may hold it.
 * Pages that embed the app (gallery.html: any page of the build but
 * index.html) are left as the host serves them: an isolated page can hold only
 * frames whose responses carry COEP, and a sandboxed frame's page never passes
 * through a service worker. Opaque, redirected and error responses pass
 * untouched: rewriting them would change what they mean.
 *
 * A new build is a new sw.js (its hash changes): the browser installs it beside
 * the old one, and it takes over once no page uses the old one, so a page
 * never mixes two builds. Several builds under different folders of one origin
 * keep separate caches.
 */

const BUILD = { version: 'dev', files: /** @type {Record<string, string>} */ ({}) }; // written by make dist

const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const SCOPE = sw.registration.scope;
const PREFIX = `supervox ${SCOPE} `;
const CACHE = PREFIX + BUILD.version;

/** The build's file a URL of this scope names, or null. @param {string} href */
function fileOf(href) {
  if (!href.startsWith(SCOPE)) return null;
  let path = decodeURIComponent(new URL(href).pathname.slice(new URL(SCOPE).pathname.length));
  if (path === '') path = 'index.html';
  return Object.prototype.hasOwnProperty.call(BUILD.files, path) ? path : null;
}

/** Fetch one file of the build; a stale copy in the HTTP cache fails the hash and is fetched again. @param {string} path */
async function fetchChecked(path) {
  const url = new URL(path, SCOPE).href;
  const integrity = BUILD.files[path];
  let res;
  try {
    res = await fetch(url, { integrity });
  } catch {
    res = await fetch(url, { integrity, cache: 'reload' });
  }
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return { url, res };
}

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const got = await Promise.all(Object.keys(BUILD.files).map(fetchChecked));
      const cache = await caches.open(CACHE);
      await Promise.all(got.map(({ url, res }) => cache.put(url, res)));
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) if (name.startsWith(PREFIX) && name !== CACHE) await caches.delete(name);
      await sw.clients.claim();
    })(),
  );
});

/**
 * The same response with COOP/COEP added (a copy: a Response's headers cannot
 * change). Only a plain same-origin success is rewritten; an opaque, redirected
 * or error response is returned as it is.
 * @param {Response} res
 */
function isolated(res) {
  if ((res.type !== 'basic' && res.type !== 'default') || res.redirected || !res.ok) return res;
  const headers = new Headers(res.headers);
  headers.set('Cross-Origin-Opener-Policy', 'same-origin');
  headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

sw.addEventListener('fetch', (event) => {
  const req = event.request;
  const path = req.method === 'GET' ? fileOf(req.url) : null;
  if (!path) return;
  // (DevTools makes such requests; fetch() would throw on them)
  if (req.cache === 'only-if-cached' && req.mode !== 'same-origin') return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(CACHE);
      const res = (await cache.match(new URL(path, SCOPE).href)) || (await fetch(req));
      return path.endsWith('.html') && path !== 'index.html' ? res : isolated(res);
    })(),
  );
});
