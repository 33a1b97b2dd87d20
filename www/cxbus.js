/*
 * A stand-in for CXBus ("CX Bus 1.0.0", Genesys Widgets 9.0.018) for pages without Genesys
 * Widgets: the demo page and the tests. Written from spec/webchatservice.md §1, including
 * the quirks a friendlier bus would hide:
 *  - exact-case registry; registerPlugin returns false for a taken name;
 *  - handlers and subscribers run in setTimeout(0) (FIFO) unless configure({async:false});
 *  - commands to a plugin that is not ready are buffered until ready(), except its own;
 *  - a missing handler leaves the promise pending forever; "A.b.c" never settles;
 *  - `before` interceptors, and non-object data rejected with the exact text;
 *  - `then` attaches callbacks and returns undefined (it does not chain);
 *  - sticky republish; unsubscribe of the last subscriber drops the sticky data;
 *  - data(key, value) with its data.* events; COMMANDS/EVENTS/LOAD on every plugin;
 *  - unknown plugins are lazy-loaded from pluginsPath / pluginMap.
 */
(function (global) {
  'use strict';
  if (global.CXBus && global.CXBus.__standin) { return; }

  /* Each call builds an independent bus; tests use CXBus.__create() for a fresh page. */
  function createBus() {
  var CANCELLED = "Command was cancelled by a 'before' function.";
  var LOAD_FAILED = 'Could not load plugin file in given location. Check your plugins path option.';

  var options = { debug: false, async: true, log: true, pluginsPath: '', pluginFilenameFormat: 'plugin.min.js', pluginMap: {} };
  var plugins = {};
  var events = {};
  var befores = {};
  var loadedFiles = {};
  var locked = false;
  var masterGiven = false;

  function later(fn) {
    if (options.async) { setTimeout(fn, 0); } else { fn(); }
  }
  function isObject(v) { return v !== null && typeof v === 'object'; }
  function toArray(a) { return Array.prototype.slice.call(a); }

  /* ---- the bus Deferred (not jQuery's) ------------------------------------------------ */
  function Deferred() {
    var state = 'pending';
    var args = [];
    var ctx;
    var lists = { resolved: [], rejected: [], progress: [] };
    function add(kind, fns) {
      fns.forEach(function (f) {
        if (Array.isArray(f)) { add(kind, f); return; }
        if (typeof f !== 'function') { return; }
        if (state === kind) { f.apply(ctx, args); } else if (state === 'pending') { lists[kind].push(f); }
      });
    }
    function settle(kind, c, a) {
      if (state !== 'pending') { return; }
      state = kind; ctx = c; args = a;
      lists[kind].forEach(function (f) { f.apply(c, a); });
      lists.resolved = []; lists.rejected = [];
    }
    var promise = {
      done: function () { add('resolved', toArray(arguments)); return promise; },
      fail: function () { add('rejected', toArray(arguments)); return promise; },
      always: function () { var a = toArray(arguments); add('resolved', a); add('rejected', a); return promise; },
      progress: function () { lists.progress = lists.progress.concat(toArray(arguments)); return promise; },
      then: function (d, f, p) { promise.done(d); promise.fail(f); if (p) { promise.progress(p); } },
      state: function () { return state; },
      isResolved: function () { return state === 'resolved'; },
      isRejected: function () { return state === 'rejected'; },
      pipe: function (d, f) {
        var next = Deferred();
        promise.done(function () { var r = d ? d.apply(this, arguments) : undefined; next.resolve.apply(next, d ? [r] : arguments); });
        promise.fail(function () { var r = f ? f.apply(this, arguments) : undefined; next.reject.apply(next, f ? [r] : arguments); });
        return next.promise();
      },
      promise: function (obj) {
        if (obj) { for (var k in promise) { obj[k] = promise[k]; } return obj; }
        return promise;
      },
      debug: function () { return { state: state, args: args }; }
    };
    var deferred = promise.promise({});
    deferred.resolve = function () { settle('resolved', this, toArray(arguments)); return deferred; };
    deferred.reject = function () { settle('rejected', this, toArray(arguments)); return deferred; };
    deferred.resolveWith = function (c, a) { settle('resolved', c, a || []); return deferred; };
    deferred.rejectWith = function (c, a) { settle('rejected', c, a || []); return deferred; };
    deferred.notify = function () { var a = toArray(arguments); lists.progress.forEach(function (f) { f.apply(this, a); }); return deferred; };
    deferred.notifyWith = function (c, a) { lists.progress.forEach(function (f) { f.apply(c, a || []); }); return deferred; };
    return deferred;
  }

  /* ---- events ----------------------------------------------------------------------- */
  function deliver(eventName, data, publisher) {
    var entry = events[eventName];
    if (!entry) { return; }
    entry.subs.slice().forEach(function (s) {
      later(function () {
        s.cb({ time: Date.now(), publisher: publisher, event: eventName, data: data || {} });
      });
    });
  }

  function subscribe(subscriber, eventName, cb) {
    if (typeof cb !== 'function' || !plugins[subscriber]) { return false; }
    var entry = events[eventName] || (events[eventName] = { subs: [], sticky: null });
    entry.subs.push({ plugin: subscriber, cb: cb });
    if (entry.sticky) {
      var st = entry.sticky;
      later(function () { cb({ time: Date.now(), publisher: st.publisher, event: eventName, data: st.data || {} }); });
    }
    return eventName;
  }

  /* ---- commands ----------------------------------------------------------------------- */
  function dispatch(caller, command, data, deferred, internal) {
    data = data || {};
    if (typeof command === 'string' && command.indexOf('.') === -1) { command = caller + '.' + command; }
    deferred = deferred || Deferred();
    if (!internal) {
      var list = befores[command] || [];
      for (var i = 0; i < list.length; i++) {
        data = list[i](data);
        if (!isObject(data)) { break; }
      }
    }
    var e = { time: Date.now(), commander: caller, command: command, deferred: deferred, data: data };
    if (!isObject(data)) {
      later(function () { deferred.reject(CANCELLED); });
      return deferred.promise();
    }
    var parts = String(command).split('.');
    var target = plugins[parts[0]];
    if (target) {
      if (target.ready || caller === parts[0]) {
        var handler = parts.length === 2 ? target.commands[parts[1]] : undefined;
        if (handler) { later(function () { handler(e); }); }
      } else {
        target.buffer.push(e);
      }
    } else {
      loadPlugin(parts[0]).done(function () {
        dispatch(caller, command, data, deferred, true);
      }).fail(function () {
        deferred.reject(LOAD_FAILED);
      });
    }
    return deferred.promise();
  }

  /* ---- plugin data (§1.5) --------------------------------------------------------------- */
  function dataOf(rec, key, value, argc) {
    if (argc >= 2) {
      if (value == undefined) { return undefined; } // eslint-disable-line eqeqeq
      var old = rec.data[key];
      if (!old || old.value != value) { // eslint-disable-line eqeqeq
        var entry = { last: old ? old.value : undefined, value: value, time: Date.now() };
        rec.data[key] = entry;
        var suffix = typeof value === 'string' ? ":'" + value + "'" : ':' + value;
        deliver(rec.name + '.data', plainData(rec), rec.name);
        deliver(rec.name + '.data.' + key, entry, rec.name);
        deliver(rec.name + '.data.' + key + suffix, entry, rec.name);
      }
      return value;
    }
    if (key === undefined) { return plainData(rec); }
    var dot = String(key).indexOf('.');
    if (dot > 0 && plugins[key.slice(0, dot)]) {
      var other = plugins[key.slice(0, dot)].data[key.slice(dot + 1)];
      return other ? other.value : undefined;
    }
    return rec.data[key] ? rec.data[key].value : undefined;
  }
  function plainData(rec) {
    var out = {};
    Object.keys(rec.data).forEach(function (k) { out[k] = rec.data[k].value; });
    return out;
  }

  function registry() {
    var out = {};
    Object.keys(plugins).forEach(function (n) {
      out[n] = { events: plugins[n].events.slice(), commands: Object.keys(plugins[n].commands) };
    });
    return out;
  }

  /* ---- plugins ------------------------------------------------------------------------ */
  function registerPlugin(name) {
    if (typeof name !== 'string' || locked || plugins[name]) { return false; }
    var rec = { name: name, ready: false, commands: {}, events: [], buffer: [], data: {} };
    plugins[name] = rec;
    var api = {
      publish: function (evt, data) { deliver(name + '.' + evt, data, name); return true; },
      publishDirect: function (evt, data) { deliver(name + '.' + evt, data, name); return true; },
      republish: function (evt, data) {
        var full = name + '.' + evt;
        var entry = events[full] || (events[full] = { subs: [], sticky: null });
        entry.sticky = { data: data, publisher: name };
        deliver(full, data, name);
        return true;
      },
      subscribe: function (evt, cb) { return subscribe(name, evt, cb); },
      unsubscribe: function (evt) {
        var entry = events[evt];
        if (!entry) { return false; }
        var before = entry.subs.length;
        entry.subs = entry.subs.filter(function (s) { return s.plugin !== name; });
        if (entry.subs.length === 0) { delete events[evt]; }
        return entry.subs.length !== before;
      },
      command: function (cmd, data) { return dispatch(name, cmd, data); },
      before: function (cmd, fn) { (befores[cmd] = befores[cmd] || []).push(fn); return true; },
      registerCommand: function (cmd, handler) { rec.commands[cmd] = handler; return true; },
      registerEvents: function (list) {
        (Array.isArray(list) ? list : [list]).forEach(function (e) { if (rec.events.indexOf(e) < 0) { rec.events.push(e); } });
        return undefined;
      },
      namespace: function () { return name; },
      subscribers: function () {
        var out = {};
        Object.keys(events).forEach(function (e) {
          if (new RegExp(name).test(e)) { out[e] = events[e].subs.map(function (s) { return s.plugin; }); }
        });
        return out;
      },
      data: function (key, value) { return dataOf(rec, key, value, arguments.length); },
      registry: registry,
      ready: function () {
        rec.ready = true;
        var queued = rec.buffer;
        rec.buffer = [];
        queued.forEach(function (e) {
          later(function () {
            var handler = rec.commands[String(e.command).split('.')[1]];
            if (handler) { handler(e); }
          });
        });
      }
    };
    api.registerCommand('COMMANDS', function (e) { e.deferred.resolve(Object.keys(rec.commands)); });
    api.registerCommand('EVENTS', function (e) { e.deferred.resolve(rec.events.slice()); });
    api.registerCommand('LOAD', function (e) { e.deferred.resolve(); });
    return api;
  }

  /* ---- lazy loading ------------------------------------------------------------------- */
  function loadPlugin(name) {
    var d = Deferred();
    var first = String(name).split('.')[0];
    var lower = first.toLowerCase();
    var taken = Object.keys(plugins).some(function (n) { return n.toLowerCase() === lower; });
    if (taken || loadedFiles[lower]) { later(function () { d.reject(); }); return d.promise(); }
    var mapped = options.pluginMap[first] !== undefined ? options.pluginMap[first] : options.pluginMap[lower];
    var url;
    if (mapped === false) { later(function () { d.reject(); }); return d.promise(); }
    if (typeof mapped === 'string') {
      if (!/\.js$/.test(mapped)) { later(function () { d.reject('Could not load plugin file: ' + mapped); }); return d.promise(); }
      url = mapped;
    } else {
      url = options.pluginsPath + options.pluginFilenameFormat.replace('plugin', first).toLowerCase();
    }
    loadedFiles[lower] = true;
    return inject(url, 'Could not load plugin file: ');
  }

  /* Adds a classic <script>; the promise settles on its load or error event. */
  function inject(url, failurePrefix) {
    var d = Deferred();
    var s = document.createElement('script');
    s.src = url;
    s.onload = function () { d.resolve(); };
    s.onerror = function () { d.reject(failurePrefix + url); };
    document.head.appendChild(s);
    return d.promise();
  }

  function configure(opts) {
    opts = opts || {};
    Object.keys(opts).forEach(function (k) { options[k] = opts[k]; });
    if (options.pluginsPath && !/\/$/.test(options.pluginsPath)) { options.pluginsPath += '/'; }
    if (opts.unlocked) {
      CXBus.getPluginInterface = function (n) { return plugins[n] ? n : undefined; };
    }
  }

  var self = registerPlugin('CXBus');
  var CXBus = {
    __standin: true,
    registerPlugin: registerPlugin,
    registerMaster: function () {
      if (masterGiven) { return undefined; }
      masterGiven = true;
      return {
        lock: function () { locked = true; },
        unlock: function () { locked = false; },
        config: configure
      };
    },
    configure: configure,
    command: function (cmd, data) { return self.command(cmd, data); },
    subscribe: function (evt, cb) { return self.subscribe(evt, cb); },
    data: function (key, value) { return arguments.length >= 2 ? self.data(key, value) : self.data(key); },
    loadPlugin: loadPlugin,
    loadFile: function (url) {
      if (loadedFiles[url]) { var d = Deferred(); later(function () { d.reject(); }); return d.promise(); }
      loadedFiles[url] = true;
      return inject(url, 'Could not load file: ');
    },
    Deferred: Deferred,
    __create: createBus
  };
  return CXBus;
  }

  global.CXBus = createBus();
})(window);
