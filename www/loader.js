/*
 * The drop-in loader. Built into dist/webchatservice.min.js around the wasm-bindgen glue
 * (see scripts/build.sh), so that one classic <script> tag - or CXBus lazy loading from
 * pluginsPath / pluginMap - is the whole installation.
 *
 * It must register 'WebChatService' synchronously, while the script runs: CXBus re-dispatches
 * the command that triggered a lazy load at the script's `load` event and fails it if nothing
 * is registered by then; once registered, the bus buffers commands until ready(). Everything
 * else (waiting for App.ready, configuration, commands) happens in the wasm.
 */
  var script = document.currentScript;
  var wasmUrl = (script && script.src ? script.src.replace(/[^\/?#]*([?#].*)?$/, '') : './') + '@WASM_FILE@';

  function findBus() {
    var g = window._genesys && window._genesys.widgets;
    if (g && g.bus && typeof g.bus.registerPlugin === 'function') { return g.bus; }
    if (window.CXBus && typeof window.CXBus.registerPlugin === 'function') { return window.CXBus; }
    return null;
  }

  var started = false;
  function load(bus) {
    if (started) { return; }
    started = true;
    var plugin = bus.registerPlugin('WebChatService');
    if (!plugin) {
      console.info('WebChatService (wasm): the name WebChatService is already registered on this bus, ' +
        'so the JavaScript service is on the page (e.g. widgets.min.js). This copy stays idle.');
      return;
    }
    wasm_bindgen({ module_or_path: wasmUrl }).then(function () {
      try {
        wasm_bindgen.start(plugin, (window._genesys && window._genesys.widgets) || undefined, helpers);
      } catch (err) {
        unavailable(plugin, err);
      }
    }, function (err) {
      unavailable(plugin, err);
    });
  }

  // Every command name the plugin answers (COMMAND_NAMES in src/engine/command.rs; a test
  // keeps the two lists equal).
  var COMMANDS = ['configure', 'startChat', 'endChat', 'sendMessage', 'sendCustomNotice',
    'sendTyping', 'sendFilteredMessage', 'addPrefilter', 'registerPreProcessor',
    'registerTypingPreviewInput', 'updateUserData', 'poll', 'startPoll', 'stopPoll',
    'pausePoll', 'resetPollExceptions', 'restore', 'asyncRestore', 'getTranscript',
    'getAgents', 'getStats', 'getSessionData', 'verifySession', 'sleep', 'wake',
    'fetchHistory', 'getFileLimits', 'sendFile', 'downloadFile', 'updateInteractionData'];

  // The .wasm is missing, unreadable or does not start: every command, the ones the bus
  // buffered until now and any later one, is refused with a text that says so, instead of
  // waiting forever.
  function unavailable(plugin, err) {
    var text = 'WebChatService could not load: ' + wasmUrl;
    console.error('WebChatService (wasm): could not load ' + wasmUrl + ' (' + err + '); every command is refused.');
    COMMANDS.forEach(function (name) {
      plugin.registerCommand(name, function (e) { e.deferred.reject(text); });
    });
    plugin.ready();
  }

  // A bus defined by a script after this one: register the moment `window.CXBus` is
  // assigned, so that a command the page sends right after the bus script finds the plugin
  // (the bus would try to lazy-load it and fail). Buses put elsewhere are found by the poll.
  function watchAssignment() {
    try {
      var d = Object.getOwnPropertyDescriptor(window, 'CXBus');
      if (d && !d.configurable) { return; }
      Object.defineProperty(window, 'CXBus', {
        configurable: true,
        enumerable: true,
        get: function () { return undefined; },
        set: function (v) {
          Object.defineProperty(window, 'CXBus', { value: v, writable: true, configurable: true, enumerable: true });
          if (v && typeof v.registerPlugin === 'function') { load(v); }
        }
      });
    } catch (e) { /* the poll below finds it */ }
  }

  var bus = findBus();
  if (bus) {
    load(bus);
  } else {
    if (!window.CXBus) { watchAssignment(); }
    // The bus may be defined by a script after this one: wait for it, but not forever.
    var waited = 0;
    var timer = setInterval(function () {
      var b = findBus();
      waited += 50;
      if (started) { clearInterval(timer); return; }
      if (b) { clearInterval(timer); load(b); }
      else if (waited >= 10000) {
        clearInterval(timer);
        console.error('WebChatService (wasm): no bus after 10 s. Load cxbus.min.js or widgets-core ' +
          '(window.CXBus or window._genesys.widgets.bus) before webchatservice.min.js.');
      }
    }, 50);
  }
