// @ts-check
/* save.js — downloads made in the page, with no server: a Blob URL, or a
 * base64 data: URL where Blob URLs are not allowed (a sandboxed iframe has an
 * opaque origin, whose Blob URLs a download cannot use); and a zip of files
 * (stored: PNG slices are compressed already). */

/** Use data: URLs: in an opaque origin, or when the embedding page asks for it. */
export const saveOptions = { dataUrl: globalThis.self?.origin === 'null' }; // (no self in Node, where the tests read zips)

/** base64 of bytes, in chunks (no call-stack limit on large files). @param {Uint8Array} bytes */
export function base64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, /** @type {any} */ (bytes.subarray(i, i + 0x8000)));
  return btoa(s);
}

/**
 * Save bytes as a download named `name`. Returns how: 'blob' or 'data'.
 * @param {ArrayBuffer | Uint8Array} bytes @param {string} name @param {string} [type]
 * @returns {'blob' | 'data'}
 */
export function saveBytes(bytes, name, type = 'application/octet-stream') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  const a = document.createElement('a');
  a.download = name;
  let how = /** @type {'blob' | 'data'} */ ('blob');
  if (saveOptions.dataUrl) {
    a.href = `data:${type};base64,${base64(u8)}`;
    how = 'data';
  } else {
    a.href = URL.createObjectURL(new Blob([u8], { type }));
  }
  document.body.appendChild(a);
  a.click();
  a.remove();
  if (how === 'blob') setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  return how;
}

let crcTable = /** @type {Uint32Array | null} */ (null);
/** CRC-32 (zip's) of bytes. @param {Uint8Array} b */
export function crc32(b) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = crcTable[(c ^ b[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * A zip archive of the entries, stored (no compression), no zip64 (so under
 * 4 GB and 65535 entries).
 * @param {{name: string, bytes: Uint8Array}[]} entries
 * @returns {Uint8Array}
 */
export function zipStore(entries) {
  if (entries.length > 0xffff) throw new Error('too many files for a zip');
  const enc = new TextEncoder();
  const parts = [];
  const central = [];
  let offset = 0;
  for (const e of entries) {
    const name = enc.encode(e.name);
    const crc = crc32(e.bytes);
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 20, true); // version needed
    local.setUint16(6, 0x0800, true); // UTF-8 names
    local.setUint16(8, 0, true); // stored
    local.setUint32(14, crc, true);
    local.setUint32(18, e.bytes.length, true);
    local.setUint32(22, e.bytes.length, true);
    local.setUint16(26, name.length, true);
    parts.push(new Uint8Array(local.buffer), name, e.bytes);
    const c = new DataView(new ArrayBuffer(46));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 20, true);
    c.setUint16(6, 20, true);
    c.setUint16(8, 0x0800, true);
    c.setUint32(16, crc, true);
    c.setUint32(20, e.bytes.length, true);
    c.setUint32(24, e.bytes.length, true);
    c.setUint16(28, name.length, true);
    c.setUint32(42, offset, true);
    central.push(new Uint8Array(c.buffer), name);
    offset += 30 + name.length + e.bytes.length;
    if (offset > 0xffffffff) throw new Error('the zip would pass 4 GB');
  }
  const csize = central.reduce((s, p) => s + p.length, 0);
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, entries.length, true);
  end.setUint16(10, entries.length, true);
  end.setUint32(12, csize, true);
  end.setUint32(16, offset, true);
  const all = [...parts, ...central, new Uint8Array(end.buffer)];
  const out = new Uint8Array(all.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of all) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
