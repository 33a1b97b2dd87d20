// Nexus v3 async mode with the integrator's callbacks: getSessionData gets {token,
// messageIndex} as the chat goes, setSessionData gives it back after a reload (no session
// cookie), the plugin re-creates with the stored token in x-nexus-client-key, restores the
// newest page (maxMessagePageSize 16), fetchHistory pages back to "No more messages to
// fetch", the chat goes on, and the server losing the session calls deleteSessionData.
const callbacks = `
  var KEY = 'harness.nexus.async';
  function note(name, args) { if (window.__harness) window.__harness.note(name, args); }
  window._genesys.widgets.webchat.transport.async = {
    enabled: true,
    getSessionData: function (sessionData, Cookie, options) {
      note('getSessionData', { sessionData: sessionData, cookie: typeof Cookie.get + typeof Cookie.set + typeof Cookie.remove, options: options });
      localStorage.setItem(KEY, JSON.stringify(sessionData));
    },
    setSessionData: function (open, Cookie, options) {
      note('setSessionData', { open: open, options: options });
      return localStorage.getItem(KEY) || '';
    },
    deleteSessionData: function (data, Cookie, options) {
      note('deleteSessionData', { data: data && data.sessionData, status: data && data.response && data.response.status });
      localStorage.removeItem(KEY);
    }
  };`;

export default {
  description: 'Nexus v3 async mode: callbacks, token restore, history paging, session lost',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 2000, maxMessagePageSize: 16 } } },
  harness: { extraWidgetsJs: callbacks },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Asa' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { control: 'agentSayMany', body: { backend: 'nexus', count: 30, text: 'page' } },
    { waitFor: 'WebChatService.messageReceived', match: 'page 30', timeout: 8000 },
    { snapshot: 'cookies' },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 8000 },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { cmd: 'WebChatService.fetchHistory' },
    { wait: 1500 },
    { cmd: 'WebChatService.fetchHistory' },
    { wait: 1500 },
    { cmd: 'WebChatService.fetchHistory' },
    { wait: 1500 },
    { cmd: 'WebChatService.fetchHistory' },
    { wait: 1500 },
    { control: 'agentSay', body: { backend: 'nexus', text: 'after history' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after history', timeout: 8000 },
    { control: 'sessionLost', body: { backend: 'nexus' } },
    { waitFor: 'WebChatService.sessionLost', timeout: 8000 },
    { wait: 1000 },
    { cmd: 'WebChatService.verifySession' },
    { snapshot: 'cookies' },
  ],
};
