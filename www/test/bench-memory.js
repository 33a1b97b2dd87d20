// Benchmark helper: the page's memory as ../shared/conformance/perf.mjs counts it, JS heap in
// use after a full GC plus the byte length of every WebAssembly memory instantiated so far.
// Needs Chromium's --js-flags=--expose-gc and --enable-precise-memory-info (tests/bench.rs).
(function () {
  var memories = [];
  function track(instance) {
    try {
      Object.keys(instance.exports || {}).forEach(function (k) {
        if (instance.exports[k] instanceof WebAssembly.Memory) { memories.push(instance.exports[k]); }
      });
    } catch (e) { /* not an instance */ }
  }
  var instantiate = WebAssembly.instantiate;
  WebAssembly.instantiate = function () {
    return instantiate.apply(this, arguments).then(function (r) { track(r.instance || r); return r; });
  };
  var streaming = WebAssembly.instantiateStreaming;
  if (streaming) {
    WebAssembly.instantiateStreaming = function () {
      return streaming.apply(this, arguments).then(function (r) { track(r.instance); return r; });
    };
  }
  window.benchMemory = function () {
    if (window.gc) { window.gc(); window.gc(); }
    var wasm = memories.reduce(function (a, m) { return a + m.buffer.byteLength; }, 0);
    return { heap: performance.memory.usedJSHeapSize, wasm: wasm, total: performance.memory.usedJSHeapSize + wasm };
  };
})();
