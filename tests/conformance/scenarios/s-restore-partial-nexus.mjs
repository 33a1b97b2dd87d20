// Nexus v3 restores from cookies in odd states: an index cookie that is no index (it is
// never read: the chat restores), then a keys cookie that is no token beside a live
// session cookie (nothing is restored, and the next startChat starts a new chat).
const KEYS = '_genesys.widgets.webchat.state.pureengage-v3-rest.keys';
const INDEX = '_genesys.widgets.webchat.state.pureengage-v3-rest.index';

export default {
  description: 'Nexus v3 restore with a garbage index cookie, then with a garbage keys cookie',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 1000 } } },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Rita' } } },
    { waitFor: 'WebChatService.started', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { control: 'agentSay', body: { backend: 'nexus', text: 'before reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'before reload', timeout: 8000 },
    { cookie: { name: INDEX, value: 'garbage' } },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 8000 },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { cmd: 'WebChatService.getAgents' },
    { cookie: { name: KEYS, value: 'not-a-token' } },
    { reload: true },
    { wait: 3000 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.getSessionData' },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Rita' } } },
    { waitFor: 'WebChatService.started', timeout: 8000 },
    { snapshot: 'cookies' },
  ],
};
