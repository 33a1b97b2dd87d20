// Genesys Cloud Web Messaging (the project's genesys-web-messaging transport against
// tests/conformance/kit/backends/webmsg.mjs; no golden trace: run it against the build only):
// restore after a page reload. Messages of both directions before the reload, one agent
// message stored while the page is away (agentSay whenDetached: the stand-in stores it when the
// old page's socket closes, so it can only come back through the history), reload: the
// transport reconnects with its stored token (configureSession startNew:false ->
// newSession:false) and restores. `ui` notes count, per text, the messages published in
// messageReceived.messages on the current page: every one has to be 1 (restored exactly once,
// nothing lost, nothing doubled). The chat goes on after the restore. Then the agent leaves
// read-only (Presence Disconnect, metadata.readOnly 'true') and the page reloads again: the
// stand-in answers the reconnect with readOnly:true.
const counts = (label) => `(function () {
  var texts = ['before reload 1', 'mine before reload', 'before reload 2', 'said while reloading', 'after reload', 'mine after reload'];
  var n = {};
  texts.forEach(function (t) { n[t] = 0; });
  window.__harness.entries.forEach(function (e) {
    if (e.kind !== 'event' || e.name !== 'WebChatService.messageReceived' || !e.data) return;
    (e.data.messages || []).forEach(function (m) { if (m && Object.prototype.hasOwnProperty.call(n, m.text)) n[m.text] += 1; });
  });
  window.__harness.note(${JSON.stringify(label)}, n);
})()`;
export default {
  description: 'web messaging restore after reload: history once, a message stored while away, chat after restore, read-only after agent leave',
  backend: 'webmsg',
  steps: [
    { cmd: 'WebChatService.startChat', data: { form: { firstname: 'Jane', lastname: 'Doe' } }, timeout: 5000 },
    { waitFor: 'WebChatService.clientConnected', timeout: 8000 },
    { wait: 1000 },
    { control: 'agentJoin', body: { backend: 'webmsg', name: 'Anna' } },
    { waitFor: 'WebChatService.agentConnected' },
    { wait: 500 },
    { control: 'agentSay', body: { backend: 'webmsg', text: 'before reload 1' } },
    { waitFor: 'WebChatService.messageReceived', match: 'before reload 1' },
    { cmd: 'WebChatService.sendMessage', data: { message: 'mine before reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'mine before reload' },
    { control: 'agentSay', body: { backend: 'webmsg', text: 'before reload 2' } },
    { waitFor: 'WebChatService.messageReceived', match: 'before reload 2' },
    { wait: 500 },
    { eval: counts('counts before reload') },
    { snapshot: 'cookies' },
    // said "during" the reload: stored when the page's socket closes, pushed to nobody
    { control: 'agentSay', body: { backend: 'webmsg', text: 'said while reloading', whenDetached: true } },
    { reload: true },
    { waitFor: 'WebChatService.restored', timeout: 10000 },
    { waitFor: 'WebChatService.messageReceived', match: 'said while reloading', timeout: 8000 },
    { wait: 1500 },
    { eval: counts('counts after restore') },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.getAgents' },
    { cmd: 'WebChatService.getSessionData' },
    { cmd: 'WebChatService.getTranscript' },
    { control: 'agentSay', body: { backend: 'webmsg', text: 'after reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'after reload' },
    { cmd: 'WebChatService.sendMessage', data: { message: 'mine after reload' } },
    { waitFor: 'WebChatService.messageReceived', match: 'mine after reload' },
    { wait: 500 },
    { eval: counts('counts after chat') },
    { cmd: 'WebChatService.getTranscript' },
    { snapshot: 'cookies' },
    // the agent ends the conversation read-only; a reconnect is answered readOnly:true
    { control: 'agentLeave', body: { backend: 'webmsg', readOnly: true } },
    { waitFor: 'WebChatService.agentDisconnected' },
    { wait: 1000 },
    { reload: true },
    { wait: 3000 },
    { cmd: 'WebChatService.verifySession' },
    { cmd: 'WebChatService.getTranscript' },
    { snapshot: 'cookies' },
  ],
};
