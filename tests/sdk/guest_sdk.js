// Proof that the stand-in speaks the real Genesys Cloud guest chat API: the official SDK
// (purecloud-guest-chat-client) creates a conversation, the event stream is attached, a
// message is sent, the transcript is listed with paging, the visitor leaves. If the SDK and
// the stand-in disagree, the stand-in is wrong. Usage: node guest_sdk.js http://127.0.0.1:PORT
'use strict';
const platformClient = require('purecloud-guest-chat-client');
const WebSocket = require('ws');

const base = process.argv[2];
let passed = 0;
let failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; } else { failed++; console.log(`FAIL ${name}${detail === undefined ? '' : ': ' + JSON.stringify(detail)}`); }
}
function until(what, test, ms) {
  return new Promise((resolve, reject) => {
    const start = Date.now();
    (function poll() {
      const v = test();
      if (v) { return resolve(v); }
      if (Date.now() - start > ms) { return reject(new Error(`timed out waiting for ${what}`)); }
      setTimeout(poll, 25);
    })();
  });
}

(async () => {
  const client = platformClient.ApiClient.instance;
  client.config.basePath = base; // the SDK builds https://api.<environment>; point it here
  const sdk = new platformClient.WebChatApi();
  // SDK 13.2.0 bug: its request logging writes 'Authorization: [REDACTED]' into the shared
  // default-headers object, and the next request sends that instead of the JWT. Start each
  // call with clean default headers; the calls themselves are the SDK's, unchanged.
  const api = new Proxy(sdk, {
    get(target, name) {
      const f = target[name];
      return typeof f === 'function' ? (...args) => { client.defaultHeaders = {}; return f.apply(target, args); } : f;
    },
  });

  const created = await api.postWebchatGuestConversations({
    organizationId: 'org-1', deploymentId: 'dep-1',
    routingTarget: { targetType: 'QUEUE', targetAddress: 'Support' },
    memberInfo: { displayName: 'SDK Tester', customFields: { email: 'sdk@example.com' } },
  });
  check('create returns id, jwt, eventStreamUri, member.id',
    created.id && created.jwt && /^wss?:\/\//.test(created.eventStreamUri) && created.member && created.member.id, created);

  const frames = [];
  const ws = new WebSocket(created.eventStreamUri);
  ws.on('message', (data) => frames.push(JSON.parse(String(data))));
  await new Promise((resolve, reject) => { ws.on('open', resolve); ws.on('error', reject); });

  client.setJwt(created.jwt);
  const me = await api.getWebchatGuestConversationMember(created.id, created.member.id);
  check('own member is a connected CUSTOMER', me.role === 'CUSTOMER' && me.state === 'CONNECTED' && me.displayName === 'SDK Tester', me);

  await until('the agent to join on the stream', () => frames.find((f) => f.metadata && f.metadata.type === 'message' && f.eventBody.bodyType === 'member-join'), 5000);
  const join = frames.find((f) => f.eventBody && f.eventBody.bodyType === 'member-join');
  check('frames have topicName, version 2, eventBody, metadata.CorrelationId',
    /^v2\.conversations\.chats\..+\.messages$/.test(join.topicName) && join.version === '2' && typeof join.metadata.CorrelationId === 'string', join);
  const agent = await api.getWebchatGuestConversationMember(created.id, join.eventBody.sender.id);
  check('the joining member looks up as a connected AGENT', agent.role === 'AGENT' && agent.state === 'CONNECTED', agent);
  check('member-change frames precede the join', frames.some((f) => f.metadata && f.metadata.type === 'member-change' && f.eventBody.member.id === agent.id));

  const sent = await api.postWebchatGuestConversationMemberMessages(created.id, created.member.id, { body: 'hello from the SDK', bodyType: 'standard' });
  check('send returns the WebChatMessage', sent.id && sent.body === 'hello from the SDK' && sent.bodyType === 'standard' && sent.sender.id === created.member.id && !isNaN(Date.parse(sent.timestamp)), sent);
  await until('the agent to answer', () => frames.find((f) => f.eventBody && f.eventBody.body === 'You said: hello from the SDK'), 5000);
  check('the agent typed first', frames.some((f) => f.metadata && f.metadata.type === 'typing-indicator'));
  const typing = await api.postWebchatGuestConversationMemberTyping(created.id, created.member.id);
  check('typing returns WebChatTyping', typing.id && typing.sender && typing.sender.id === created.member.id && typing.timestamp, typing);

  const page1 = await api.getWebchatGuestConversationMessages(created.id, { sortOrder: 'descending', maxResults: 2 });
  check('a descending page of 2 with next', page1.entities.length === 2 && typeof page1.next === 'string' && page1.next.startsWith('/api/v2/webchat/guest/conversations/'), page1);
  const oldest = page1.entities[page1.entities.length - 1].id;
  const page2 = await api.getWebchatGuestConversationMessages(created.id, { sortOrder: 'descending', maxResults: 2, before: oldest });
  check('the next page is older', page2.entities.length > 0 && page2.entities.every((m) => Date.parse(m.timestamp) <= Date.parse(page1.entities[1].timestamp)), page2);
  const all = await api.getWebchatGuestConversationMessages(created.id, {});
  check('default order is ascending', all.entities.length >= 3 && Date.parse(all.entities[0].timestamp) <= Date.parse(all.entities[all.entities.length - 1].timestamp));
  const after = await api.getWebchatGuestConversationMessages(created.id, { after: all.entities[0].id });
  check('after= lists only newer messages', after.entities.length === all.entities.length - 1, after.entities.length);

  const members = await api.getWebchatGuestConversationMembers(created.id, {});
  check('members list has the visitor and the agent', members.entities.length >= 2 && members.entities.some((m) => m.role === 'AGENT'), members);

  let unauthorized = null;
  client.setJwt('not-the-token');
  try { await api.getWebchatGuestConversationMembers(created.id, {}); } catch (e) { unauthorized = e; }
  check('a wrong JWT is refused with 401', unauthorized && unauthorized.status === 401, unauthorized && unauthorized.status);
  client.setJwt(created.jwt);

  await api.deleteWebchatGuestConversationMember(created.id, created.member.id);
  const gone = await api.getWebchatGuestConversationMember(created.id, created.member.id);
  check('after leaving, the visitor is DISCONNECTED', gone.state === 'DISCONNECTED', gone);
  await until('the leave frame', () => frames.find((f) => f.eventBody && f.eventBody.bodyType === 'member-leave' && f.eventBody.sender.id === created.member.id), 3000);
  ws.close();
  console.log(`sdk: ${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})().catch((e) => {
  console.log(`FAIL unexpected: ${e && (e.stack || e.message || JSON.stringify(e))}`);
  console.log(`sdk: ${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
