/*
 * Page-side helpers of the plugin (built into dist/webchatservice.min.js by
 * scripts/build.sh, and evaluated by the browser tests): what the wasm cannot make
 * cheaply itself. It decides nothing.
 *
 * revive(v): JSON from the engine uses marks for what JSON cannot carry (see
 * src/engine/json/write.rs): "\u0001undefined" becomes an `undefined` property (the key
 * stays, as on the shipped objects), {"\u0001regexp": [source, flags]} a RegExp, and an
 * object marked "\u0001xhr" a jqXHR as jQuery hands it to callbacks: these properties
 * plus its methods, as a promise settled the way the mark says (true: resolved).
 * {"\u0001file": id} is the File that the sendFile command `id` carried: the shell keeps
 * it in `files` until that command settles.
 */
  var MARK_UNDEFINED = '\u0001undefined', MARK_XHR = '\u0001xhr', MARK_REGEXP = '\u0001regexp', MARK_FILE = '\u0001file';
  var files = {};

  function jqXHR(x, ok) {
    var args = ok ? [x.responseJSON !== undefined ? x.responseJSON : x.responseText, 'success', x] : [x, 'error', x.statusText];
    function run(fire, fns) {
      for (var i = 0; i < fns.length; i++) {
        var f = fns[i];
        if (Array.isArray(f)) { run(fire, f); } else if (fire && typeof f === 'function') { f.apply(x, args); }
      }
      return x;
    }
    x.abort = function () { return x; };
    x.always = function () { return run(true, arguments); };
    x['catch'] = function (f) { return run(!ok, [f]); };
    x.done = function () { return run(ok, arguments); };
    x.fail = function () { return run(!ok, arguments); };
    x.getAllResponseHeaders = function () { return null; };
    x.getResponseHeader = function () { return null; };
    x.overrideMimeType = function () { return x; };
    x.pipe = function (d, f) { run(ok, [d]); return run(!ok, [f]); };
    x.progress = function () { return x; };
    x.promise = function (o) { if (o) { for (var k in x) { o[k] = x[k]; } return o; } return x; };
    x.setRequestHeader = function () { return x; };
    x.state = function () { return ok ? 'resolved' : 'rejected'; };
    x.statusCode = function (map) { if (map && typeof map[x.status] === 'function') { map[x.status].apply(x, args); } return x; };
    x.then = function (d, f) { run(ok, [d]); return run(!ok, [f]); };
    return x;
  }

  function revive(v) {
    if (v === MARK_UNDEFINED) { return undefined; }
    if (v && typeof v === 'object') {
      if (Array.isArray(v)) {
        for (var i = 0; i < v.length; i++) { v[i] = revive(v[i]); }
        return v;
      }
      if (Object.prototype.hasOwnProperty.call(v, MARK_REGEXP)) {
        var r = v[MARK_REGEXP];
        try { return new RegExp(r[0], r[1]); } catch (e) { return String(r[0]); }
      }
      if (Object.prototype.hasOwnProperty.call(v, MARK_FILE)) {
        return Object.prototype.hasOwnProperty.call(files, v[MARK_FILE]) ? files[v[MARK_FILE]] : null;
      }
      var xhr = Object.prototype.hasOwnProperty.call(v, MARK_XHR);
      var ok = v[MARK_XHR] === true;
      if (xhr) { delete v[MARK_XHR]; }
      for (var k in v) { v[k] = revive(v[k]); }
      if (xhr) { jqXHR(v, ok); }
    }
    return v;
  }

  // The Cookie handed to the integrator's async-mode functions (Nexus v3 transport.async):
  // the js-cookie 2 API the shipped transport hands over (get, getJSON, set, remove,
  // defaults, withConverter), with the same encoding, so that cookies written by either
  // read the same. Values keep # $ & + : < > = / ? @ [ ] ^ ` { } | readable; names keep
  // # $ & + ^ ` | and encode ( ); reading decodes runs of %XX (upper-case hex) and skips
  // a cookie that does not decode.
  var VALUE_KEEP = /%(23|24|26|2B|3A|3C|3E|3D|2F|3F|40|5B|5D|5E|60|7B|7D|7C)/g;
  var NAME_KEEP = /%(23|24|26|2B|5E|60|7C)/g;
  var ESCAPES = /(%[0-9A-Z]{2})+/g;
  function makeCookie(converter) {
    function api() {}
    function set(name, value, attributes) {
      if (typeof document === 'undefined') { return; }
      var a = { path: '/' }, k;
      for (k in api.defaults) { a[k] = api.defaults[k]; }
      for (k in attributes || {}) { a[k] = attributes[k]; }
      if (typeof a.expires === 'number') { a.expires = new Date(new Date() * 1 + a.expires * 864e5); }
      a.expires = a.expires ? a.expires.toUTCString() : '';
      try {
        var text = JSON.stringify(value);
        if (/^[\{\[]/.test(text)) { value = text; }
      } catch (e) { /* kept as it is */ }
      value = converter.write ? converter.write(value, name)
        : encodeURIComponent(String(value)).replace(VALUE_KEEP, decodeURIComponent);
      name = encodeURIComponent(String(name)).replace(NAME_KEEP, decodeURIComponent).replace(/[\(\)]/g, escape);
      var attrs = '';
      for (k in a) {
        if (!a[k]) { continue; }
        attrs += '; ' + k;
        if (a[k] === true) { continue; }
        attrs += '=' + a[k].split(';')[0];
      }
      return (document.cookie = name + '=' + value + attrs);
    }
    function get(name, json) {
      if (typeof document === 'undefined') { return; }
      var jar = {}, parts = document.cookie ? document.cookie.split('; ') : [];
      for (var i = 0; i < parts.length; i++) {
        var pieces = parts[i].split('='), text = pieces.slice(1).join('=');
        if (!json && text.charAt(0) === '"') { text = text.slice(1, -1); }
        try {
          var key = pieces[0].replace(ESCAPES, decodeURIComponent);
          text = (converter.read || converter)(text, key) || text.replace(ESCAPES, decodeURIComponent);
          if (json) { try { text = JSON.parse(text); } catch (e) { /* kept as text */ } }
          jar[key] = text;
          if (name === key) { break; }
        } catch (e) { /* a cookie that does not decode is skipped */ }
      }
      return name ? jar[name] : jar;
    }
    api.set = set;
    api.get = function (name) { return get(name, false); };
    api.getJSON = function (name) { return get(name, true); };
    api.remove = function (name, attributes) {
      var a = {};
      for (var k in attributes || {}) { a[k] = attributes[k]; }
      a.expires = -1;
      set(name, '', a);
    };
    api.defaults = {};
    api.withConverter = makeCookie;
    return api;
  }
  var Cookie = makeCookie(function () {});

  var helpers = { revive: revive, files: files, Cookie: Cookie };
