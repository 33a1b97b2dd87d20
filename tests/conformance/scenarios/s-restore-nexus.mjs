// Nexus v3 restore from the shipped cookies after a reload, without pagination (the whole
// transcript, count=10000), then the chat goes on and ends; and a restore of a session the
// server no longer knows (404 INVALID_SESSION).
export default {
  description: 'Nexus v3 cookie restore without pagination, chat after restore, end; restore of a lost session',
  backend: 'nexus',
  widgets: { webchat: { transport: { pollTimeout: 2000 } } },
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Rita', lastname: 'Stone' } } },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { control: 'agentJoin', body: { backend: 'nexus', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { control: 'agentSayMany', body: { backend: 'nexus', count: 5, text: 'before reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'before reload 5', timeout: 8000 },
    { cmd: 'WebChatService.sendMessage', data: { message: 'mine before reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'mine before reload', timeout: 8000 },
    { snapshot: 'cookies' },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 8000 },
    { waitFor: 'WebChatService.messageReceived', timeout: 8000 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.getSessionData' },
    { control: 'agentSay', body: { backend: 'nexus', text: 'after reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after reload', timeout: 8000 },
    { cmd: 'WebChatService.getTranscript' },
    { control: 'sessionLost', body: { backend: 'nexus' } },
    { reload: true },
    { wait: 3000 },
    { cmd: 'WebChatService.verifySession' },
    { snapshot: 'cookies' },
  ],
};
