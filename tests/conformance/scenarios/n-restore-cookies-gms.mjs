// GMS restore from damaged cookies: a garbage keys cookie, a session cookie without its
// keys, a keys cookie without its session, and an empty keys object.
export default {
  description: 'GMS restore from garbage and partial cookies',
  backend: 'gms',
  steps: [
    { cmd: 'WebChatService.startChat', data: { nickname: 'Jane' } },
    { waitFor: 'WebChatService.clientConnected' },
    { cmd: 'WebChatService.stopPoll' },
    { cookie: { name: '_genesys.widgets.webchat.state.keys', value: '%7B%7D' } },
    { reload: true },
    { wait: 1500 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.restore' },
    { cookie: { name: '_genesys.widgets.webchat.state.session', value: '' } },
    { reload: true },
    { wait: 1500 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.restore' },
    { cookie: { name: '_genesys.widgets.webchat.state.session', value: 'NOSUCHCHAT' } },
    { cookie: { name: '_genesys.widgets.webchat.state.keys', value: '%7B%22secureKey%22%3A%22x%22%2C%22alias%22%3A%221%22%2C%22userId%22%3A%22u%22%7D' } },
    { reload: true },
    { wait: 2000 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.getSessionData' },
    { snapshot: 'cookies' },
  ],
};
