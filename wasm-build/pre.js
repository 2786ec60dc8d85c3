// pre.js — runs inside the generated glue before it loads the wasm.
// Emscripten 3.1.6 tries fetch() on a file path under Node 20 and fails; when
// running in Node and no binary was handed in, read it from beside the glue.
if (typeof process === 'object' && process.versions && process.versions.node && !Module['wasmBinary']) {
  Module['wasmBinary'] = require('fs').readFileSync(require('path').join(__dirname, 'supervox.wasm'));
}
