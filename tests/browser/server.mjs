// server.mjs — the static file server for the browser tests: `make serve`'s own
// (wasm-build/serve.mjs) on 127.0.0.1 and a free port. By default it sends no
// special headers (no COOP/COEP), as any static host: the app must work without
// them. With {isolate: true} it sends the two that make a page cross-origin
// isolated (SharedArrayBuffer, so the threaded core), as `make serve` does.
import { startServer } from '../../wasm-build/serve.mjs';

/**
 * Serve `root` under URL prefix `base` on 127.0.0.1 and a free port; `files`
 * maps extra URL paths (below base) to files elsewhere (test data).
 * @param {string} root
 * @param {string} [base]
 * @param {Record<string, string>} [files]
 * @param {{isolate?: boolean}} [opts] isolate: send COOP/COEP with every file
 * @returns {Promise<{url: string, requests: string[], close: () => Promise<void>}>}
 *   requests: the path of every request, in order
 */
export async function serve(root, base = '/', files = {}, opts = {}) {
  /** @type {string[]} */
  const requests = [];
  const s = await startServer({ root, base, files, isolate: !!opts.isolate, onRequest: (p) => requests.push(p) });
  return { url: s.url, requests, close: s.close };
}

/**
 * Paths asked for, without the browser's own checks for a new build of the
 * service worker (a GET of sw.js some seconds after each navigation of a page it
 * controls; Chromium makes it from the browser process, past Playwright's
 * offline emulation, and with the network really off it simply fails). What
 * remains is what the page and its workers asked for.
 * @param {string[]} paths
 */
export const withoutUpdateChecks = (paths) => paths.filter((p) => !p.endsWith('/sw.js'));
