// The real Genesys WebChat UI drives the service on Genesys Cloud Web Messaging (the project's
// genesys-web-messaging transport against tests/conformance/kit/backends/webmsg.mjs; no shipped
// service speaks it, so there is no golden trace: run it against the build only). The steps of
// w-ui-guest: open, the form, an agent who joins, types and writes, the visitor typing and
// sending from the UI's input, a reload mid-chat (the UI restores), more messages, the end.
// The UI's visible transcript is recorded as `ui` notes.
const transcript = "window.__harness.note('transcript', Array.from(document.querySelectorAll('.cx-webchat .cx-transcript .cx-message-text, .cx-webchat .cx-transcript .cx-system')).map(e => e.textContent.replace(/\\s+/g, ' ').replace(/\\d{1,2}:\\d{2} ?[AP]M/g, '<time>').trim()).filter(Boolean))";
export default {
  description: 'WebChat UI on web messaging: form, agent join/typing/message, visitor typing and send, reload and restore, end',
  backend: 'webmsg',
  ui: 'webchat',
  steps: [
    { cmd: 'WebChat.open', timeout: 8000 },
    { waitForSelector: '#cx_webchat_form_firstname', timeout: 10000 },
    { fill: '#cx_webchat_form_firstname', value: 'Jane' },
    { fill: '#cx_webchat_form_lastname', value: 'Doe' },
    { fill: '#cx_webchat_form_email', value: 'jane@example.com' },
    { fill: '#cx_webchat_form_subject', value: 'Order question' },
    { click: '.cx-webchat .cx-submit' },
    { waitFor: 'WebChatService.clientConnected', timeout: 10000 },
    // w-ui-guest waits for the two member-join messages here; what the visitor's Presence Join
    // becomes on the bus is the transport's choice, so a fixed wait
    { wait: 1000 },
    { control: 'agentJoin', body: { backend: 'webmsg', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected', timeout: 8000 },
    { wait: 500 },
    { control: 'agentTyping', body: { backend: 'webmsg' } },
    { waitFor: 'WebChatService.agentTypingStarted', timeout: 8000 },
    { control: 'agentSay', body: { backend: 'webmsg', text: 'Hello Jane, how can I help?' } },
    { waitFor: 'WebChatService.messageReceived', match: 'Hello Jane', timeout: 8000 },
    { wait: 500 },
    { type: '#cx_input', text: 'Where is it?' },
    { press: '#cx_input', key: 'Enter' },
    { waitFor: 'WebChatService.messageReceived', match: 'Where is it?', timeout: 8000 },
    { waitFor: 'WebChatService.clientTypingStopped', timeout: 5000 },
    { wait: 500 },
    { eval: transcript },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 10000 },
    { waitFor: 'WebChatService.messageReceived', match: 'Where is it?', timeout: 8000 },
    { wait: 1500 },
    { eval: transcript },
    { control: 'agentSay', body: { backend: 'webmsg', text: 'It ships tomorrow.' } },
    { waitFor: 'WebChatService.messageReceived', match: 'It ships tomorrow.', timeout: 8000 },
    { wait: 1000 },
    { click: '.cx-webchat .cx-button-close' },
    { waitForSelector: '.cx-webchat .cx-end-confirm', timeout: 5000 },
    { click: '.cx-webchat .cx-end-confirm' },
    { waitFor: 'WebChatService.ended', timeout: 8000 },
    { wait: 800 },
    { eval: transcript },
    { snapshot: 'cookies' },
  ],
};
