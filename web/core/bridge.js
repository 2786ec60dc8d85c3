// @ts-check
/* bridge.js — the main thread's side of the worker protocol (house style §18–19).
 *
 * Calls are queued and sent one at a time. cancel() terminates the worker
 * (synchronous wasm cannot be interrupted), rejects the running and queued
 * calls with code SV_ECANCELLED, and the next call starts a fresh worker; the
 * caller re-sends the state the old worker held (Session.restore does).
 */

/** An error from the core or the bridge; `code` is the C status name. */
export class CoreError extends Error {
  /** @param {string} code @param {string} message */
  constructor(code, message) {
    super(message);
    this.name = 'CoreError';
    this.code = code;
  }
}

/**
 * @typedef {object} CallOptions
 * @property {Transferable[]} [transfer] buffers to move to the worker
 * @property {(phase: string, fraction: number) => void} [onProgress]
 */

/**
 * @typedef {object} Pending
 * @property {number} id
 * @property {string} op
 * @property {any} args
 * @property {CallOptions} opts
 * @property {(v: any) => void} resolve
 * @property {(e: any) => void} reject
 */

export class CoreBridge {
  /** @param {string | URL} workerUrl @param {() => Worker} [makeWorker] for Blob workers */
  constructor(workerUrl, makeWorker) {
    this.workerUrl = workerUrl;
    this.makeWorker = makeWorker || (() => new Worker(this.workerUrl));
    /** @type {Worker | null} */
    this.worker = null;
    this.nextId = 1;
    /** @type {Pending[]} */
    this.queue = [];
    /** @type {Pending | null} */
    this.current = null;
  }

  /**
   * Run an operation in the worker.
   * @param {string} op @param {any} [args] @param {CallOptions} [opts]
   * @returns {Promise<any>}
   */
  call(op, args = {}, opts = {}) {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, op, args, opts, resolve, reject });
      this.pump();
    });
  }

  /** @private */
  ensureWorker() {
    if (this.worker) return this.worker;
    const w = this.makeWorker();
    w.onmessage = (e) => this.onMessage(e.data);
    w.onerror = (e) => {
      e.preventDefault();
      this.failCurrent(new CoreError('SV_EINTERNAL', `the core's worker failed: ${e.message || 'could not start'}`));
    };
    this.worker = w;
    return w;
  }

  /** @private */
  pump() {
    if (this.current || this.queue.length === 0) return;
    const p = /** @type {Pending} */ (this.queue.shift());
    this.current = p;
    try {
      this.ensureWorker().postMessage({ id: p.id, op: p.op, args: p.args }, p.opts.transfer || []);
    } catch (e) {
      this.failCurrent(new CoreError('SV_EINTERNAL', `could not send "${p.op}" to the core: ${e}`));
    }
  }

  /** @private @param {any} msg */
  onMessage(msg) {
    const p = this.current;
    if (!p || msg.id !== p.id) return; // a late message from a cancelled call
    if (msg.progress) {
      if (p.opts.onProgress) p.opts.onProgress(msg.progress.phase, msg.progress.fraction);
      return;
    }
    this.current = null;
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new CoreError(msg.error.code, msg.error.message));
    this.pump();
  }

  /** @private @param {Error} err */
  failCurrent(err) {
    const p = this.current;
    this.current = null;
    if (p) p.reject(err);
    this.pump();
  }

  /** True while a call is running or queued. */
  get busy() {
    return !!this.current || this.queue.length > 0;
  }

  /** Stop the running call and drop the queued ones (their promises reject with SV_ECANCELLED). */
  cancel() {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    const err = () => new CoreError('SV_ECANCELLED', 'cancelled');
    const all = (this.current ? [this.current] : []).concat(this.queue);
    this.current = null;
    this.queue = [];
    for (const p of all) p.reject(err());
  }

  /** Terminate the worker for good. */
  dispose() {
    this.cancel();
  }
}
