// GMS restore with main.deploymentID (every cookie name prefixed) and main.cookieOptions.
export default {
  description: 'GMS restore with main.deploymentID and main.cookieOptions',
  backend: 'gms',
  widgets: { main: { deploymentID: 'dep42', cookieOptions: { sameSite: 'Lax', path: '/' } } },
  steps: [
    { cmd: 'WebChatService.startChat', data: { nickname: 'Jane' } },
    { waitFor: 'WebChatService.clientConnected' },
    { cmd: 'WebChatService.addPrefilter', dataJs: '({filters: /prefixed/})' },
    { control: 'agentJoin', body: { name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected' },
    { snapshot: 'cookies' },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 8000 },
    { waitFor: 'WebChatService.messageReceived', timeout: 5000 },
    { control: 'agentSay', body: { text: 'a prefixed filter hides this' } },
    { control: 'agentSay', body: { text: 'after the reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after the reload', timeout: 8000 },
    { cmd: 'WebChatService.endChat' },
    { waitFor: 'WebChatService.ended' },
    { snapshot: 'cookies' },
  ],
};
