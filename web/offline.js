// @ts-check
/* offline.js — the packaged site (make dist) works with the network off after
 * its first visit. dist/index.html names its service worker in
 * <meta name="supervox-service-worker" content="sw.js">; this registers it,
 * scoped to its own folder (so the site works under any sub-path), when the page
 * is served over http(s). web/ itself has no such meta (no service worker
 * while developing), nor has supervox.html (file:// has none). A sandboxed frame
 * (opaque origin) cannot use service workers: nothing happens there either.
 */

/** @returns {Promise<ServiceWorkerRegistration | null>} */
export async function registerServiceWorker() {
  const meta = document.querySelector('meta[name="supervox-service-worker"]');
  if (!meta || !/^https?:$/.test(location.protocol) || self.origin === 'null') return null;
  try {
    if (!('serviceWorker' in navigator)) return null;
    const url = new URL(meta.getAttribute('content') || 'sw.js', document.baseURI);
    return await navigator.serviceWorker.register(url, { scope: new URL('./', url).href });
  } catch (e) {
    // the app works without it, only not offline
    console.warn(`Supervox: no offline copy (${/** @type {Error} */ (e).message})`);
    return null;
  }
}
