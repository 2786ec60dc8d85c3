// pre.js — runs inside the generated glue before it loads the wasm.
// Emscripten 3.1.6 tries fetch() on a file path under Node 20 and fails; when
// running in Node and no binary was handed in, read it from beside the glue.
// The threaded build's glue is supervox-mt.js beside supervox-mt.wasm; its pool's
// threads get the compiled module from the main thread (and have no __filename).
if (typeof process === 'object' && process.versions && process.versions.node && !Module['wasmBinary'] &&
    !Module['wasmModule'] && typeof __filename === 'string') {
  Module['wasmBinary'] = require('fs').readFileSync(__filename.replace(/\.js$/, '.wasm'));
}
