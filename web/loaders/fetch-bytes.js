// @ts-check
/* fetch-bytes.js — fetch a URL into memory, reporting progress. */

/**
 * @param {string | URL} url
 * @param {(fraction: number) => void} [onProgress] called with 0..1 when the size is known
 * @param {Promise<Response | Error>} [started] a fetch of url already under way (boot.js's)
 * @returns {Promise<Uint8Array>}
 */
export async function fetchBytes(url, onProgress, started) {
  let res;
  try {
    res = started ? await started : await fetch(url);
    if (res instanceof Error) throw res;
  } catch (e) {
    throw new Error(`could not be fetched (${/** @type {Error} */ (e).message})`);
  }
  if (!res.ok) throw new Error(`could not be fetched: HTTP ${res.status} ${res.statusText}`.trim());
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body || !total) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  /** @type {Uint8Array[]} */
  const chunks = [];
  let got = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    got += value.length;
    if (onProgress) onProgress(Math.min(1, got / total));
  }
  const out = new Uint8Array(got);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
