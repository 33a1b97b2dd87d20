// configure again during a guest chat: with only userData, then with a transport lacking
// its type; the chat goes on.
export default {
  description: 'configure again during a guest chat (userData only, transport without type)',
  backend: 'guest',
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Jane' } } },
    { waitFor: 'WebChatService.messageReceived', count: 2, timeout: 5000 },
    { control: 'agentJoin', body: { name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected' },
    { waitFor: 'WebChatService.messageReceived', count: 2, timeout: 5000 },
    { cmd: 'WebChatService.configure', data: { userData: { tier: 'gold' } } },
    { wait: 1500 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.sendMessage', data: { message: 'after reconfigure' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after reconfigure', timeout: 5000 },
    { control: 'agentSay', body: { text: 'agent after reconfigure' } },
    { waitFor: 'WebChatService.messageReceived', match: 'agent after reconfigure', timeout: 5000 },
    { wait: 800 },
    { cmd: 'WebChatService.getSessionData' },
    { cmd: 'WebChatService.endChat' },
    { waitFor: 'WebChatService.ended' },
    { wait: 700 },
    { snapshot: 'cookies' },
  ],
};
