// @ts-check
/* boot.js — the page's first script. It has no imports, so it runs as soon
 * as the page is parsed, while app.js's modules are still loading: it starts
 * the core's worker (which compiles the wasm at once) and the first volume's
 * download (?src=, else the demo), and app.js takes both over
 * (window.SupervoxBoot). Without it (supervox.html, one file) app.js starts
 * them itself, as it does on a packaged page that may still reload once into
 * isolation (offline.js: a page naming its service worker, not yet controlled
 * by it and not isolated), where nothing may load before that reload.
 */
const mayReload =
  !!document.querySelector('meta[name="supervox-service-worker"]') &&
  !self.crossOriginIsolated &&
  'serviceWorker' in navigator &&
  !navigator.serviceWorker.controller;
if (!mayReload) {
  const src = new URLSearchParams(location.search).get('src');
  const url = (src ? new URL(src, location.href) : new URL('./demo/norm_crop.nii.gz', import.meta.url)).href;
  /** @type {any} */ (window).SupervoxBoot = {
    worker: new Worker(new URL('./worker/worker.js', import.meta.url)),
    url,
    // the Response (its body is read by app.js, with progress); a failure is app.js's to report
    response: fetch(url).catch((e) => e),
  };
}
