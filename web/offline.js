// @ts-check
/* offline.js — the packaged site (make dist) works with the network off after
 * its first visit, and runs the threaded core wherever it is hosted.
 *
 * dist/index.html names its service worker in
 * <meta name="supervox-service-worker" content="sw.js">; this registers it,
 * scoped to its own folder (so the site works under any sub-path), when the page
 * is served over http(s). web/ itself has no such meta (no service worker
 * while developing), nor has supervox.html (file:// has none). A sandboxed frame
 * (opaque origin) cannot use service workers: nothing happens there either.
 *
 * Threads: the service worker adds COOP/COEP to every file of the build it
 * serves (dist/sw.js), so a page it controls is cross-origin isolated even when
 * the host sends no such headers. The first visit's page came from the network,
 * before the worker existed, and stays un-isolated whatever happens after; so
 * reloadIntoIsolation() runs at startup, before anything is loaded or any
 * control works: it registers the worker, waits until it controls the page
 * (it has then cached the whole build) and reloads once. The user sees
 * "Setting up threads and offline use…" for that time, never a reload of work
 * begun. At most one such reload per tab and site until a page is isolated
 * (a flag in sessionStorage), and none at all in a frame (an isolated frame
 * needs an isolated parent: the embedding page decides), where service workers
 * or sessionStorage are unavailable, or when the page is served by the worker
 * yet not isolated (an older build's worker; a reload would change nothing).
 */

/** sessionStorage key (plus the site's folder) set before the one reload. */
const RELOAD_FLAG = 'supervox-isolation-reload';

/** The service worker's URL named by the page, where one can run; else null. */
function workerUrl() {
  const meta = document.querySelector('meta[name="supervox-service-worker"]');
  if (!meta || !/^https?:$/.test(location.protocol) || self.origin === 'null' || !('serviceWorker' in navigator)) return null;
  return new URL(meta.getAttribute('content') || 'sw.js', document.baseURI);
}

/** Register the worker, scoped to its folder; null if that is impossible. @param {URL} url */
async function register(url) {
  try {
    // (a browser or an extension that blocks service workers may resolve with nothing)
    return (await navigator.serviceWorker.register(url, { scope: new URL('./', url).href })) || null;
  } catch (e) {
    // the app works without it, only not offline and single-threaded
    console.warn(`Supervox: no offline copy (${/** @type {Error} */ (e).message})`);
    return null;
  }
}

/** @returns {Promise<ServiceWorkerRegistration | null>} */
export async function registerServiceWorker() {
  const url = workerUrl();
  return url ? register(url) : null;
}

/**
 * Until the registration's worker controls this page: true; false if it fails
 * to install (it turns redundant) or takes longer than timeoutMs.
 * @param {ServiceWorkerRegistration} reg @param {number} timeoutMs
 * @returns {Promise<boolean>}
 */
function controlled(reg, timeoutMs) {
  return new Promise((resolve) => {
    const sw = navigator.serviceWorker;
    const done = (/** @type {boolean} */ ok) => {
      clearTimeout(timer);
      sw.removeEventListener('controllerchange', onControl);
      resolve(ok);
    };
    const onControl = () => done(true);
    const timer = setTimeout(() => done(false), timeoutMs);
    sw.addEventListener('controllerchange', onControl);
    const pending = reg.installing || reg.waiting;
    pending?.addEventListener('statechange', () => {
      if (pending.state === 'redundant') done(false);
    });
    if (sw.controller) done(true);
  });
}

/**
 * At startup, before anything loads: where the packaged site's page is not
 * cross-origin isolated but its service worker can make it so, register the
 * worker, wait until it controls the page and reload once (see above).
 * @param {{onWait?: () => void, timeoutMs?: number}} [opts]
 *   onWait: called if the page waits for the worker (to say so);
 *   timeoutMs: give up waiting after this long (default 10 s) and start un-isolated
 * @returns {Promise<boolean>} true: the page is reloading, start nothing; false: start the app now
 */
export async function reloadIntoIsolation(opts = {}) {
  const url = workerUrl();
  if (!url) return false;
  const key = `${RELOAD_FLAG} ${new URL('./', url).href}`;
  if (self.crossOriginIsolated) {
    // isolated (by the worker, or by the host's own headers): a later un-isolated load may try again
    try {
      sessionStorage.removeItem(key);
    } catch {
      // storage blocked: nothing to clear
    }
    return false;
  }
  // a frame cannot become isolated by itself; a page served by the worker already has its headers
  if (window.top !== window || !window.isSecureContext || !('crossOriginIsolated' in self) || navigator.serviceWorker.controller) return false;
  try {
    if (sessionStorage.getItem(key)) return false; // reloaded once already in this tab
  } catch {
    return false; // no way to guard against a reload loop: no reload
  }
  const reg = await register(url);
  if (!reg) return false;
  // active but not in control: the page was loaded past the worker (Shift+reload); a reload goes through it
  if (!reg.active) {
    opts.onWait?.();
    if (!(await controlled(reg, opts.timeoutMs ?? 10000))) return false;
  }
  try {
    sessionStorage.setItem(key, '1');
  } catch {
    return false;
  }
  location.reload();
  return true;
}
