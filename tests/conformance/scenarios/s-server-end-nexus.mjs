// Nexus v3: the agent ends the chat (chatEnded in a poll answer). Deliberate difference
// (README): here the chat ends on the bus (ended, sessionActive false) and the next
// startChat starts a new chat; the shipped transport only stops polling, and its next
// startChat is refused.
export default {
  description: 'Nexus v3 chat ended by the agent, then a new chat',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 1000 } } },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Eve' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { control: 'serverEndChat', body: { backend: 'nexus' } },
    { wait: 3000 },
    { cmd: 'WebChatService.sendMessage', data: { message: 'anyone there?' } },
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Eve' } } },
    { wait: 2000 },
    { snapshot: 'cookies' },
  ],
};
