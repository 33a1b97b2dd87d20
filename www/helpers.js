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

  // A js-cookie (v2) style Cookie for the integrator's async-mode functions (Nexus v3
  // transport.async): get(name) (all cookies without a name), getJSON, set(name, value,
  // {expires: days or Date, path ('/' by default), domain, secure, samesite}), remove.
  function dec(s) { try { return decodeURIComponent(s); } catch (e) { return s; } }
  var Cookie = {
    get: function (name) {
      var all = {}, parts = document.cookie ? document.cookie.split('; ') : [];
      for (var i = 0; i < parts.length; i++) {
        var at = parts[i].indexOf('='), k = dec(parts[i].slice(0, at)), v = parts[i].slice(at + 1);
        if (v.charAt(0) === '"') { v = v.slice(1, -1); }
        all[k] = dec(v);
        if (name === k) { return all[k]; }
      }
      return name === undefined ? all : undefined;
    },
    getJSON: function (name) {
      var v = Cookie.get(name);
      try { return typeof v === 'string' ? JSON.parse(v) : v; } catch (e) { return v; }
    },
    set: function (name, value, attrs) {
      var a = attrs || {}, exp = a.expires;
      if (value !== null && typeof value === 'object') { value = JSON.stringify(value); }
      var s = encodeURIComponent(String(name)) + '=' + encodeURIComponent(String(value)) + '; path=' + (a.path || '/');
      if (typeof exp === 'number') { exp = new Date(Date.now() + exp * 864e5); }
      if (exp instanceof Date) { s += '; expires=' + exp.toUTCString(); }
      if (a.domain) { s += '; domain=' + a.domain; }
      if (a.secure) { s += '; secure'; }
      if (a.samesite || a.sameSite) { s += '; samesite=' + (a.samesite || a.sameSite); }
      document.cookie = s;
      return s;
    },
    remove: function (name, attrs) {
      var a = {};
      for (var k in attrs || {}) { a[k] = attrs[k]; }
      a.expires = -1;
      Cookie.set(name, '', a);
    }
  };

  var helpers = { revive: revive, files: files, Cookie: Cookie };
