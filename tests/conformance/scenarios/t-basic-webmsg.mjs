// (t) Genesys Cloud Web Messaging (genesys-web-messaging, the project's own transport; no
// shipped service speaks it, so there is no golden trace: run it against the build only).
// The steps of g-basic-guest on the web messaging stand-in (tests/conformance/kit/backends/
// webmsg.mjs): start (configureSession, Presence Join), agent joins (Outbound Presence Join),
// typing -> agentTypingStarted -> agentTypingTimeout (duration 5000), typing then message,
// agent message, client message + typing, getters, fetchHistory (history REST with the JWT),
// agent leaves (Presence Disconnect, not read-only), endChat (closeSession).
// Where g-basic-guest waits for a count of messageReceived (the guest-chat member-join
// messages), this one waits a fixed time: how a transport maps the Join events to bus events is
// the plugin's choice, and a waitFor that never matches costs its whole timeout.
export default {
  description: 'web messaging happy path: start, agent join, typing timeout, messages, getters, history, agent leave, end',
  backend: 'webmsg',
  steps: [
    // the shape the WebChat UI sends: reserved fields + userData + form
    { cmd: 'WebChatService.startChat', data: { firstname: 'Jane', lastname: 'Doe', email: 'jane@example.com', subject: 'Order question', nickname: 'JaneD', userData: { orderId: '42' }, form: { firstname: 'Jane', lastname: 'Doe', email: 'jane@example.com', subject: 'Order question', nickname: 'JaneD', orderId: '42' } }, timeout: 5000 },
    { waitFor: 'WebChatService.clientConnected', timeout: 8000 },
    { wait: 1000 },
    { snapshot: 'cookies' },
    { control: 'agentJoin', body: { backend: 'webmsg', name: 'Anna', avatar: 'https://example.invalid/anna.png' } },
    { waitFor: 'WebChatService.agentConnected' },
    { wait: 500 },
    { control: 'agentTyping', body: { backend: 'webmsg' } },
    { waitFor: 'WebChatService.agentTypingStarted' },
    { waitFor: 'WebChatService.agentTypingTimeout', timeout: 7000 },
    { control: 'agentTyping', body: { backend: 'webmsg' } },
    { waitFor: 'WebChatService.agentTypingStarted' },
    { control: 'agentSay', body: { backend: 'webmsg', text: 'Hello from Anna' } },
    { waitFor: 'WebChatService.messageReceived', match: 'Hello from Anna' },
    { wait: 3500 },
    { cmd: 'WebChatService.sendMessage', data: { message: 'Hi Anna, I need help' } },
    { waitFor: 'WebChatService.messageReceived', match: 'Hi Anna, I need help' },
    { cmd: 'WebChatService.sendTyping', data: { isTyping: true } },
    { cmd: 'WebChatService.sendTyping', data: { isTyping: true } },
    { waitFor: 'WebChatService.clientTypingStopped', timeout: 5000 },
    { cmd: 'WebChatService.getTranscript' },
    { cmd: 'WebChatService.getAgents' },
    { cmd: 'WebChatService.getStats' },
    { cmd: 'WebChatService.getSessionData' },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.fetchHistory' },
    { wait: 1000 },
    { cmd: 'WebChatService.updateUserData', data: { tier: 'gold' } },
    { cmd: 'WebChatService.sendCustomNotice', data: { message: 'x' } },
    { cmd: 'WebChatService.getFileLimits' },
    { control: 'agentLeave', body: { backend: 'webmsg', readOnly: false } },
    { waitFor: 'WebChatService.agentDisconnected' },
    { wait: 1000 },
    { cmd: 'WebChatService.endChat' },
    { waitFor: 'WebChatService.ended' },
    { wait: 1000 },
    { cmd: 'WebChatService.getTranscript' },
    { cmd: 'WebChatService.verifySession' },
    { snapshot: 'cookies' },
  ],
};
