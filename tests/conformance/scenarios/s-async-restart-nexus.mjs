// Nexus v3 async mode: a chat, endChat, then a second chat on the same page. Deliberate
// difference (README): the second create does not carry the ended chat's stored client
// key, so it starts (the shipped transport sends it, and the server refuses with 401).
const callbacks = `
  var KEY = 'harness.nexus.async';
  function note(name, args) { if (window.__harness) window.__harness.note(name, args); }
  window._genesys.widgets.webchat.transport.async = {
    enabled: true,
    getSessionData: function (sessionData) { note('getSessionData', { sessionData: sessionData }); localStorage.setItem(KEY, JSON.stringify(sessionData)); },
    setSessionData: function (open) { note('setSessionData', { open: open }); return localStorage.getItem(KEY) || ''; },
    deleteSessionData: function (data) { note('deleteSessionData', { status: data && data.response && data.response.status }); localStorage.removeItem(KEY); }
  };`;

export default {
  description: 'Nexus v3 async mode: end a chat, start a second one on the same page',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 1000, maxMessagePageSize: 16 } } },
  harness: { extraWidgetsJs: callbacks },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Asa' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { cmd: 'WebChatService.endChat' },
    { waitFor: 'WebChatService.ended', timeout: 8000 },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Asa' } } },
    { wait: 2000 },
    { cmd: 'WebChatService.sendMessage', data: { message: 'second chat' } },
    { wait: 2000 },
  ],
};
