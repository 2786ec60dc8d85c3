// @ts-check
// serve.mjs — `make serve`: web/ on http://localhost:PORT/, cross-origin isolated.
//
//   node wasm-build/serve.mjs [ROOT] [PORT]      (defaults: web, 8080; PORT 0 = any free port)
//
// A small static file server, bound to the loopback interface only (nothing on
// the network can reach it). Every file goes out with the two headers that make
// the page cross-origin isolated (COOP same-origin, COEP require-corp), so the
// worker runs the threaded core (web/build/supervox-mt.*); `python3 -m
// http.server`, which it replaces, cannot send them. Files are sent with their
// MIME type (application/wasm for the core, text/javascript for modules) and
// Cache-Control: no-cache, so a rebuilt file is never served stale.
//
// The browser tests share it (tests/browser/server.mjs): there it also serves
// under a sub-path, maps extra URLs to test data, records the paths asked for,
// and by default sends no isolation headers, as any static host.
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** MIME types of the files the site holds; anything else is application/octet-stream. */
export const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.zip': 'application/zip',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** The two headers that make a page cross-origin isolated (SharedArrayBuffer, so threads). */
export const ISOLATION = Object.freeze({
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-embedder-policy': 'require-corp',
});

/**
 * @typedef {object} ServeOptions
 * @property {string} root the folder served
 * @property {string} [base] URL path the folder appears under, starting and ending with '/' (default '/')
 * @property {Record<string, string>} [files] extra URL paths (below base) mapped to files elsewhere
 * @property {boolean} [isolate] send COOP/COEP with every file (default true)
 * @property {number} [port] 0 (the default) picks a free port
 * @property {string} [host] the address to bind (default 127.0.0.1: loopback only)
 * @property {(pathname: string) => void} [onRequest] told every request's path
 */

/**
 * Start serving; resolves once listening. Rejects (EADDRINUSE, EACCES) if the
 * port cannot be had.
 * @param {ServeOptions} opts
 * @returns {Promise<{server: http.Server, port: number, url: string, close: () => Promise<void>}>}
 * url: http://127.0.0.1:PORT + base
 */
export function startServer(opts) {
  const root = path.resolve(opts.root);
  const base = opts.base || '/';
  const files = opts.files || {};
  const extra = opts.isolate === false ? {} : ISOLATION;
  const host = opts.host || '127.0.0.1';

  /** @param {http.ServerResponse} res @param {number} status @param {string} text */
  const fail = (res, status, text) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extra }).end(`${text}\n`);
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url || '/', 'http://x');
    opts.onRequest?.(url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('allow', 'GET, HEAD');
      return fail(res, 405, 'method not allowed');
    }
    if (url.pathname === base.slice(0, -1) && base !== '/') {
      res.writeHead(301, { location: base + url.search }).end();
      return;
    }
    if (!url.pathname.startsWith(base)) return fail(res, 404, 'not found');
    let rel;
    try {
      rel = decodeURIComponent(url.pathname.slice(base.length));
    } catch {
      return fail(res, 400, 'bad URL');
    }
    if (rel.includes('\0')) return fail(res, 400, 'bad URL');
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const mapped = Object.prototype.hasOwnProperty.call(files, rel) ? files[rel] : null;
    const file = mapped || path.join(root, rel);
    // nothing outside the folder (a "../" in the URL)
    if (!mapped && file !== root && !file.startsWith(root + path.sep)) return fail(res, 403, 'forbidden');
    let st;
    try {
      st = statSync(file);
    } catch {
      return fail(res, 404, 'not found');
    }
    if (st.isDirectory() && !mapped) {
      // a folder without its slash: relative URLs in its index.html need it
      res.writeHead(301, { location: `${url.pathname}/${url.search}` }).end();
      return;
    }
    if (!st.isFile()) return fail(res, 404, 'not found');
    res.writeHead(200, {
      'content-type': TYPES[/** @type {keyof typeof TYPES} */ (path.extname(file).toLowerCase())] || 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-cache',
      ...extra,
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port || 0, host, () => {
      server.off('error', reject);
      const { port } = /** @type {import('node:net').AddressInfo} */ (server.address());
      resolve({
        server,
        port,
        url: `http://${host}:${port}${base}`,
        close: () =>
          new Promise((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

// --- make serve -----------------------------------------------------------------------

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = process.argv[2] || 'web';
  const portArg = process.argv[3] ?? process.env.PORT ?? '8080';
  const port = Number(portArg);
  if (!/^\d+$/.test(portArg) || port > 65535) {
    console.error(`make serve: PORT=${portArg} is not a port number (0-65535)`);
    process.exit(2);
  }
  try {
    if (!statSync(path.join(root, 'index.html')).isFile()) throw new Error();
  } catch {
    console.error(`make serve: ${path.resolve(root)} has no index.html to serve`);
    process.exit(1);
  }
  startServer({ root, port, isolate: true }).then(
    ({ port: got }) => {
      // localhost, like 127.0.0.1, is a secure context: cross-origin isolation needs one
      console.log(`Supervox: http://localhost:${got}/  (cross-origin isolated: threaded core; Ctrl+C stops)`);
    },
    (/** @type {NodeJS.ErrnoException} */ e) => {
      if (e.code === 'EADDRINUSE') console.error(`make serve: port ${port} is already in use; pick another, e.g. make serve PORT=${port === 9000 ? 9001 : 9000}`);
      else if (e.code === 'EACCES') console.error(`make serve: not allowed to use port ${port}; pick one above 1023, e.g. make serve PORT=9000`);
      else console.error(`make serve: could not start the server (${e.message})`);
      process.exit(1);
    },
  );
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) process.on(sig, () => process.exit(0));
}
