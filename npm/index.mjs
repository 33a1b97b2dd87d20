/*
 * The ES module entry of the npm package, for bundled apps (Vite, webpack, esbuild):
 *
 *   import { load } from 'webchatservice-wasm';
 *   await load();                 // the bus is window._genesys.widgets.bus or window.CXBus
 *   await load({ bus: myBus });   // or the one passed in
 *
 * It adds webchatservice.min.js (the same classic script as dist/) to the page; that
 * script registers WebChatService on the bus at once and fetches the .wasm next to itself.
 * Commands sent before the .wasm arrived wait on the bus until the plugin is ready.
 */
const defaultScript = new URL('./webchatservice.min.js', import.meta.url).href;

let loading = null;

/**
 * Loads the plugin once per page; resolves when WebChatService is registered on the bus.
 * `options.bus`: a CXBus to register on (set as `window._genesys.widgets.bus` first).
 * `options.scriptUrl`: where webchatservice.min.js is served, when the bundler does not
 * copy it next to the bundle (the .wasm is fetched next to that URL).
 */
export function load(options) {
  const o = options || {};
  if (typeof document === 'undefined') {
    return Promise.reject(new Error('webchatservice-wasm: load() runs in a browser page (no document here).'));
  }
  if (o.bus) {
    if (typeof o.bus.registerPlugin !== 'function') {
      return Promise.reject(new Error('webchatservice-wasm: options.bus is not a CXBus (it has no registerPlugin function).'));
    }
    const g = (window._genesys = window._genesys || {});
    g.widgets = g.widgets || {};
    g.widgets.bus = o.bus;
  }
  if (loading) { return loading; }
  const src = String(o.scriptUrl || defaultScript);
  loading = new Promise(function (resolve, reject) {
    const s = document.createElement('script');
    s.src = src;
    s.onload = function () { resolve(); };
    s.onerror = function () {
      loading = null;
      reject(new Error('webchatservice-wasm: could not load ' + src + ' (serve webchatservice.min.js and webchatservice_bg.wasm together, or pass options.scriptUrl).'));
    };
    document.head.appendChild(s);
  });
  return loading;
}

/** Where load() fetches the plugin script by default (next to this module). */
export const scriptUrl = defaultScript;
