// @ts-check
/* embed.js — Supervox in another page: a custom element and a JS API.
 *
 *   <script type="module" src="…/embed.js"></script>
 *   <supervox-annotator src="scan.nii.gz" labels="seg.nii.gz" readonly></supervox-annotator>
 *
 *   import { mount } from '…/embed.js';
 *   const a = mount(element, { src, labels, readonly });
 *   a.on('change', …); await a.exportLabels();  // NIfTI bytes
 *
 * Each annotator is the app in its own frame, sized by its container: several
 * on one page are independent (each has its own worker, labels, undo and
 * autosave). The frame and this page talk by postMessage; nothing goes
 * anywhere else. The app's URL defaults to index.html beside this file; pass
 * options.app to use another (e.g. supervox.html, the single-file build).
 */

const APP = new URL('./index.html', import.meta.url);

/**
 * @typedef {object} MountOptions
 * @property {string} [src] the image's URL (relative to the embedding page); the demo if absent
 * @property {string} [labels] a label map's URL, loaded onto the image
 * @property {boolean} [readonly] no editing
 * @property {string | URL} [app] the app's URL
 * @property {string} [sandbox] a sandbox attribute for the frame (e.g. "allow-scripts allow-downloads")
 */

/**
 * @typedef {object} Annotator
 * @property {HTMLIFrameElement} frame
 * @property {Promise<void>} ready resolves once the first image (and labels) are in
 * @property {(from: string | URL | ArrayBuffer | Uint8Array, name?: string) => Promise<{name: string, dims: number[]}>} loadVolume
 * @property {(from: string | URL | ArrayBuffer | Uint8Array, name?: string) => Promise<{layers: number}>} loadLabels
 * @property {(opts?: {gzip?: boolean}) => Promise<Uint8Array>} exportLabels the active layer as NIfTI (.nii.gz unless gzip is false)
 * @property {(tool: 'crosshair' | 'brush' | 'eraser' | 'stroke') => Promise<void>} setTool
 * @property {(event: 'change' | 'load' | 'error' | 'ready', fn: (detail: any) => void) => () => void} on returns an unsubscribe
 * @property {() => void} destroy
 */

/**
 * Put an annotator into `element` (it fills the element).
 * @param {HTMLElement} element @param {MountOptions} [options]
 * @returns {Annotator}
 */
export function mount(element, options = {}) {
  const url = new URL(options.app || APP, document.baseURI);
  url.searchParams.set('embed', '1');
  if (options.src) url.searchParams.set('src', new URL(options.src, document.baseURI).href);
  if (options.labels) url.searchParams.set('labels', new URL(options.labels, document.baseURI).href);
  if (options.readonly) url.searchParams.set('readonly', '1');
  const frame = document.createElement('iframe');
  frame.title = 'Supervox annotator';
  frame.style.cssText = 'width: 100%; height: 100%; border: 0; display: block;';
  frame.allow = 'fullscreen';
  if (options.sandbox) frame.setAttribute('sandbox', options.sandbox);
  frame.src = url.href;
  element.appendChild(frame);

  /** @type {Map<number, {resolve: (v: any) => void, reject: (e: Error) => void}>} */
  const pending = new Map();
  /** @type {Record<string, Set<(d: any) => void>>} */
  const listeners = { change: new Set(), load: new Set(), error: new Set(), ready: new Set() };
  let next = 1;
  let resolveReady = () => {};
  const ready = new Promise((r) => (resolveReady = r));
  /** @param {MessageEvent} e */
  const onMessage = (e) => {
    if (e.source !== frame.contentWindow || !e.data) return;
    const d = e.data;
    if (typeof d.supervox === 'number') {
      const p = pending.get(d.supervox);
      if (!p) return;
      pending.delete(d.supervox);
      if (d.ok) p.resolve(d.result);
      else p.reject(new Error(d.error));
    } else if (typeof d.supervoxEvent === 'string') {
      if (d.supervoxEvent === 'ready') resolveReady();
      for (const fn of listeners[d.supervoxEvent] || []) fn(d.detail);
    }
  };
  window.addEventListener('message', onMessage);

  /** @param {string} op @param {any} args @param {Transferable[]} [transfer] */
  const call = async (op, args, transfer = []) => {
    await ready;
    const id = next++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      /** @type {Window} */ (frame.contentWindow).postMessage({ supervox: id, op, args }, '*', transfer);
    });
  };
  /** @param {string | URL | ArrayBuffer | Uint8Array} from @param {string} [name] */
  const source = (from, name) => {
    if (typeof from === 'string' || from instanceof URL) return { args: { url: new URL(from, document.baseURI).href, name }, transfer: [] };
    const bytes = from instanceof Uint8Array ? from.slice().buffer : from.slice(0);
    return { args: { bytes, name }, transfer: [bytes] };
  };

  return {
    frame,
    ready,
    loadVolume: (from, name) => {
      const s = source(from, name);
      return call('loadVolume', s.args, s.transfer);
    },
    loadLabels: (from, name) => {
      const s = source(from, name);
      return call('loadLabels', s.args, s.transfer);
    },
    exportLabels: async (opts = {}) => new Uint8Array((await call('exportLabels', { gzip: opts.gzip !== false })).bytes),
    setTool: async (tool) => {
      await call('setTool', { tool });
    },
    on: (event, fn) => {
      if (!listeners[event]) throw new Error(`unknown event "${event}"`);
      listeners[event].add(fn);
      return () => listeners[event].delete(fn);
    },
    destroy: () => {
      window.removeEventListener('message', onMessage);
      for (const p of pending.values()) p.reject(new Error('the annotator was destroyed'));
      pending.clear();
      frame.remove();
    },
  };
}

/** <supervox-annotator src labels readonly app sandbox>: mount() as an element; its API is element.annotator. */
export class SupervoxAnnotator extends HTMLElement {
  static get observedAttributes() {
    return ['src', 'labels', 'readonly', 'app', 'sandbox'];
  }

  connectedCallback() {
    if (!this.style.display) this.style.display = 'block';
    this.remount();
  }

  disconnectedCallback() {
    this.annotator?.destroy();
    this.annotator = null;
  }

  attributeChangedCallback() {
    if (this.isConnected && this.annotator) this.remount();
  }

  remount() {
    this.annotator?.destroy();
    /** @type {Annotator | null} */
    this.annotator = mount(this, {
      src: this.getAttribute('src') || undefined,
      labels: this.getAttribute('labels') || undefined,
      readonly: this.hasAttribute('readonly'),
      app: this.getAttribute('app') || undefined,
      sandbox: this.getAttribute('sandbox') || undefined,
    });
    for (const ev of ['change', 'load', 'error', 'ready'])
      this.annotator.on(/** @type {any} */ (ev), (detail) => this.dispatchEvent(new CustomEvent(ev, { detail })));
  }
}

if (!customElements.get('supervox-annotator')) customElements.define('supervox-annotator', SupervoxAnnotator);
