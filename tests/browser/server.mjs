// server.mjs — a plain static file server for the browser tests (loopback only).
// By default it sends no special headers (no COOP/COEP): the app must work without
// them. With {isolate: true} it sends the two that make a page cross-origin isolated
// (SharedArrayBuffer, so the threaded core): COOP same-origin and COEP require-corp.
import { createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.gz': 'application/gzip',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
};

/**
 * Serve `root` under URL prefix `base` on 127.0.0.1 and a free port; `files`
 * maps extra URL paths (below base) to files elsewhere (test data).
 * @param {{isolate?: boolean}} [opts] isolate: send COOP/COEP with every file
 * @returns {Promise<{url: string, requests: string[], close: () => Promise<void>}>}
 */
export function serve(root, base = '/', files = {}, opts = {}) {
  const isolation = opts.isolate ? { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' } : {};
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push(url.pathname);
    if (!url.pathname.startsWith(base)) {
      res.writeHead(404).end();
      return;
    }
    let rel = decodeURIComponent(url.pathname.slice(base.length));
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = files[rel] || path.join(root, rel);
    if (!files[rel] && !file.startsWith(path.resolve(root))) {
      res.writeHead(403).end();
      return;
    }
    let st;
    try {
      st = statSync(file);
    } catch {
      res.writeHead(404).end('not found');
      return;
    }
    if (!st.isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream', 'content-length': st.size, ...isolation });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}${base}`, requests, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
