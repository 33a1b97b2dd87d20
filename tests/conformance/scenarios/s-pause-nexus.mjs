// Nexus v3 async mode with sleepEnabled: sleep pauses the poll loop (sleeping twice), a
// message said meanwhile arrives after wake (which polls from the last index, waking
// twice); pausePoll stops polling, a poll from another plugin is refused and does not
// poll; sleep then wake resumes; a history page that fails (500) resumes the poll and
// publishes error; the integrator's stored chat is then deleted by a refused re-create
// after the session ended (401 while restoring).
const callbacks = `
  var KEY = 'harness.nexus.pause';
  function note(name, args) { if (window.__harness) window.__harness.note(name, args); }
  window._genesys.widgets.webchat.transport.async = {
    enabled: true,
    getSessionData: function (sessionData) {
      note('getSessionData', { messageIndex: sessionData.messageIndex });
      localStorage.setItem(KEY, JSON.stringify(sessionData));
    },
    setSessionData: function () { note('setSessionData', {}); return localStorage.getItem(KEY) || ''; },
    deleteSessionData: function (data) {
      note('deleteSessionData', { status: data && data.response && data.response.status });
      localStorage.removeItem(KEY);
    }
  };`;

export default {
  description: 'Nexus v3 async mode: sleep/wake, pausePoll, a failed history page, a refused re-create',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 1000, sleepEnabled: true, maxMessagePageSize: 16 } } },
  harness: { extraWidgetsJs: callbacks },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Pia' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { cmd: 'WebChatService.sleep' },
    { wait: 300 },
    { control: 'agentSay', body: { backend: 'nexus', text: 'while asleep' } },
    { wait: 2500 },
    { cmd: 'WebChatService.wake' },
    { waitFor: 'WebChatService.messageReceived', match: 'while asleep', timeout: 8000 },
    { cmd: 'WebChatService.pausePoll' },
    { wait: 300 },
    { cmd: 'WebChatService.poll' },
    { control: 'agentSay', body: { backend: 'nexus', text: 'while paused' } },
    { wait: 2500 },
    { cmd: 'WebChatService.sleep' },
    { cmd: 'WebChatService.wake' },
    { waitFor: 'WebChatService.messageReceived', match: 'while paused', timeout: 8000 },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 8000 },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'failNext', body: { api: 'nexus', op: 'messages.get', status: 500, body: { status: { code: 'INTERNAL_ERROR', message: 'no page' } } } },
    { cmd: 'WebChatService.fetchHistory' },
    { wait: 1500 },
    { control: 'agentSay', body: { backend: 'nexus', text: 'after the failed page' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after the failed page', timeout: 8000 },
    { cmd: 'WebChatService.endChat' },
    { wait: 500 },
    { reload: true },
    { wait: 2500 },
    { cmd: 'WebChatService.verifySession' },
    { snapshot: 'cookies' },
  ],
};
