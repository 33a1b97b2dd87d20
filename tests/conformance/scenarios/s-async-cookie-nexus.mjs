// Nexus v3 async mode where the integrator keeps the chat with the `Cookie` it is handed
// (js-cookie): getSessionData writes it with Cookie.set (an object, with the options it is
// given), setSessionData reads it back with Cookie.getJSON, deleteSessionData removes it.
// The cookie's text (its encoding) shows in the snapshots; a reload restores from it.
const callbacks = `
  var KEY = 'harness.nexus.kept';
  function note(name, args) { if (window.__harness) window.__harness.note(name, args); }
  window._genesys.widgets.webchat.transport.async = {
    enabled: true,
    getSessionData: function (sessionData, Cookie, options) {
      note('getSessionData', { api: Object.keys(Cookie).sort().join(','), written: Cookie.set(KEY, sessionData, options) });
    },
    setSessionData: function (open, Cookie) {
      var kept = Cookie.getJSON(KEY);
      note('setSessionData', { kept: kept, raw: Cookie.get(KEY), all: typeof Cookie.get() });
      return kept || '';
    },
    deleteSessionData: function (data, Cookie, options) {
      Cookie.remove(KEY, options);
      note('deleteSessionData', { left: Cookie.get(KEY) });
    }
  };`;

export default {
  description: 'Nexus v3 async mode kept in a cookie through the Cookie (js-cookie) it is handed',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 2000, maxMessagePageSize: 16 } } },
  harness: { extraWidgetsJs: callbacks },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Ceci' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { control: 'agentSay', body: { backend: 'nexus', text: 'kept in a cookie' } },
    { waitFor: 'WebChatService.messageReceived', match: 'kept in a cookie', timeout: 8000 },
    { snapshot: 'cookies' },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 8000 },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'sessionLost', body: { backend: 'nexus' } },
    { waitFor: 'WebChatService.sessionLost', timeout: 8000 },
    { wait: 1000 },
    { snapshot: 'cookies' },
  ],
};
