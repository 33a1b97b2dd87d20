// Genesys Multicloud CX "Nexus" v3 chat (`pureengage-v3-rest`) for the conformance stand-in,
// written from the protocol notes (shared/spec/protocols.md §2), not from any client code.
//
//   POST   {S}                                   create (form data[...]; x-api-key), or re-attach
//                                                with x-nexus-client-key (async restore)
//   GET    {S}/{id}/messages[?index=&count=]     poll (per-transport cursor), restore, history
//   POST   {S}/{id}/messages                     data[type] Text | TypingStarted | TypingStopped
//   POST   {S}/{id}/images                       multipart `file` (images only)
//   PUT    {S}/{id}/userdata                     data[key]=value
//   DELETE {S}/{id}/participants/{pid}           the visitor leaves
//   GET    /nexus/v3/chat/images/{name}          an attachment's bytes
//
// with S = /nexus/v3/chat/sessions. Choices where the notes say [inferred] (each one is a
// guess about the real server; both implementations see the same):
// - envelopes: success {status:{code:0}, data:{...}}; errors {status:{code:"<STRING>",
//   message}} with HTTP 400 (bad input), 401 (x-api-key or client key), 404 + INVALID_SESSION
//   (unknown or dropped session);
// - the clientToken is an unsigned-looking JWT whose payload {sessionId, transportId,
//   participantId} is standard base64 without padding (what atob reads);
// - `index` is a decimal string, 1-based; a plain poll returns what this transport (the
//   token's transportId) has not been given yet and moves its cursor; `index=i` returns from i
//   (inclusive) on; `count=n` alone returns the newest n and moves the cursor to the end;
//   `index=i&count=n` returns the n messages ending at i (inclusive), oldest first;
// - visitor typing is not echoed into the transcript; a sent Text is; an image upload adds a
//   visitor message with `content: [{type:"image", mime, url:"/images/<name>"}]`;
// - DELETE of the visitor ends the chat (ParticipantLeft, chatEnded true); a re-attach of an
//   ended session is refused with 401.
//
// `operationId` is random on every call: it is checked (present) and then replaced by
// "<operationId>" in the logged form fields so that two runs compare equal (the GET query
// string is logged as sent).

import { Buffer } from 'node:buffer';

export const name = 'nexus';

const BASE = '/nexus/v3/chat';
const SESSIONS = `${BASE}/sessions`;
const API_KEY = 'harness-api-key';
const MAX_IMAGE = 1024 * 1024;
const MAX_IMAGES = 5;

export function widgets(apiBase) {
  return {
    userData: { harness: 'conformance' },
    transport: {
      type: 'pureengage-v3-rest',
      dataURL: `${apiBase}${SESSIONS}`,
      endpoint: 'harness-endpoint',
      headers: { 'x-api-key': API_KEY },
    },
  };
}

function b64(s) { return Buffer.from(s).toString('base64').replace(/=+$/, ''); }

function token(payload, n) {
  return `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(payload))}.sig${n}`;
}

function ok(data) { return { status: 200, json: { status: { code: 0 }, data } }; }
function fail(status, code, message) { return { status, json: { status: { code, message } } }; }

export class Backend {
  constructor({ clock, ids, log }) {
    this.clock = clock; this.ids = ids; this.log = log;
    this.reset();
  }

  reset() {
    this.sessions = new Map();
    this.tokens = new Map(); // clientToken -> { sessionId, transportId }
    this.images = new Map(); // name -> { mime, data }
    this.current = null;
    this.late = null;
  }

  state() {
    return {
      sessions: [...this.sessions.values()].map((s) => ({ sessionId: s.sessionId, ended: s.ended, messages: s.messages.length, userData: s.userData, cursors: Object.fromEntries(s.cursors) })),
    };
  }

  matches(pathname) { return pathname === SESSIONS || pathname.startsWith(`${BASE}/`); }

  op(method, pathname) {
    if (pathname === SESSIONS) return 'create';
    const rest = pathname.slice(SESSIONS.length + 1).split('/');
    if (!pathname.startsWith(`${SESSIONS}/`)) return 'attachment';
    const what = rest[1] || '';
    if (what === 'messages') return method === 'GET' ? 'messages.get' : 'messages.post';
    if (what === 'images') return 'images.post';
    if (what === 'userdata') return 'userdata.put';
    if (what === 'participants') return 'participant.delete';
    return `${method.toLowerCase()}.${what}`;
  }

  // `lateNext` (control): the next `count` requests of `op` ('poll': a plain GET of
  // messages, 'send': a Text POST) are processed (the cursor moves, the message is stored)
  // and answered only after `delayMs`: an answer lost or late after the server acted.
  handle(method, pathname, searchParams, body, headers) {
    const late = this.late;
    const isPoll = method === 'GET' && /\/messages$/.test(pathname) && !searchParams.has('count');
    const isSend = method === 'POST' && /\/messages$/.test(pathname) && ((body.fields || {}).data || {}).type === 'Text';
    const out = this.route(method, pathname, searchParams, body, headers);
    if (late && late.count > 0 && ((late.op === 'poll' && isPoll) || (late.op === 'send' && isSend))) {
      late.count -= 1;
      out.delayMs = late.delayMs;
    }
    return out;
  }

  route(method, pathname, searchParams, body, headers) {
    const fields = body.fields || {};
    const opId = method === 'GET' ? searchParams.get('operationId') : fields.operationId;
    if (fields.operationId !== undefined) fields.operationId = '<operationId>';
    if (headers['x-api-key'] !== API_KEY) return fail(401, 'INVALID_CONTACT_CENTER', 'x-api-key missing or wrong');
    if (pathname.startsWith(`${BASE}/images/`) && method === 'GET') return this.attachment(pathname.slice(`${BASE}/images/`.length), headers);
    if (!opId) return fail(400, 'INVALID_OPERATION', 'operationId is required');
    if (pathname === SESSIONS && method === 'POST') return this.create(fields.data || {}, headers);
    const [sessionId, what, arg] = pathname.slice(SESSIONS.length + 1).split('/');
    const s = this.sessions.get(sessionId);
    if (!s || s.lost) return fail(404, 'INVALID_SESSION', `session ${sessionId} not found`);
    const t = this.tokens.get(headers['x-nexus-client-key'] || '');
    if (!t || t.sessionId !== sessionId) return fail(401, 'AUTHENTICATION_REQUIRED', 'x-nexus-client-key missing or not for this session');
    if (what === 'messages' && method === 'GET') return this.messages(s, t, searchParams);
    if (what === 'messages' && method === 'POST') return this.post(s, (fields.data || {}));
    if (what === 'images' && method === 'POST') return this.image(s, body.files || []);
    if (what === 'userdata' && method === 'PUT') {
      Object.assign(s.userData, fields.data || {});
      return ok({});
    }
    if (what === 'participants' && method === 'DELETE') {
      if (arg !== s.customer.participantId) return fail(400, 'INVALID_PARTICIPANT', `participant ${arg} is not the visitor`);
      this.end(s, true);
      return ok({ chatEnded: true });
    }
    return fail(404, 'NOT_FOUND', `${method} ${pathname}`);
  }

  create(data, headers) {
    const key = headers['x-nexus-client-key'];
    if (key) {
      // Async restore: the stored token attaches a new transport to the same session.
      const t = this.tokens.get(key);
      const s = t && this.sessions.get(t.sessionId);
      if (!s || s.ended || s.lost) return fail(401, 'AUTHENTICATION_REQUIRED', 'the stored client key is not for a live session');
      return { ...ok({ clientToken: this.issue(s), selfUri: `${SESSIONS}/${s.sessionId}` }), sessionCreated: true };
    }
    if (!data.endpoint) return fail(400, 'INVALID_ENDPOINT', 'endpoint is required');
    const nickname = data.nickname || data.firstName;
    if (!nickname) return fail(400, 'INVALID_NICKNAME', 'first name is required');
    const sessionId = this.ids.uuid('nexus-session');
    const customer = { nickname, firstName: data.firstName || '', lastName: data.lastName || '', type: 'Customer', participantId: this.ids.uuid('nexus-participant') };
    const s = { sessionId, customer, agent: null, messages: [], cursors: new Map(), ended: false, lost: false, userData: { ...(data.userData || {}) }, form: data };
    this.sessions.set(sessionId, s);
    this.current = s;
    this.append(s, { type: 'ParticipantJoined', from: this.from(customer) });
    return { ...ok({ clientToken: this.issue(s), selfUri: `${SESSIONS}/${sessionId}` }), sessionCreated: true };
  }

  issue(s) {
    const transportId = this.ids.uuid('nexus-transport');
    const t = token({ sessionId: s.sessionId, transportId, participantId: s.customer.participantId }, this.ids.n('nexus-token'));
    this.tokens.set(t, { sessionId: s.sessionId, transportId });
    s.cursors.set(transportId, 0);
    return t;
  }

  from(p) { return { nickname: p.nickname, firstName: p.firstName, lastName: p.lastName, type: p.type, participantId: p.participantId }; }

  append(s, m) {
    const entry = { index: String(s.messages.length + 1), ...m, utcTime: this.clock.next() };
    s.messages.push(entry);
    return entry;
  }

  messages(s, t, q) {
    const index = q.has('index') ? parseInt(q.get('index'), 10) : null;
    const count = q.has('count') ? parseInt(q.get('count'), 10) : null;
    let list;
    let idle = false;
    if (index !== null && count !== null) {
      const end = Math.min(Math.max(index, 0), s.messages.length);
      list = s.messages.slice(Math.max(0, end - Math.max(count, 0)), end);
    } else if (index !== null) {
      list = s.messages.slice(Math.max(index - 1, 0));
      s.cursors.set(t.transportId, s.messages.length);
    } else if (count !== null) {
      list = s.messages.slice(Math.max(0, s.messages.length - Math.max(count, 0)));
      s.cursors.set(t.transportId, s.messages.length);
    } else {
      const from = s.cursors.get(t.transportId) || 0;
      list = s.messages.slice(from);
      s.cursors.set(t.transportId, s.messages.length);
      idle = list.length === 0 && !s.ended;
    }
    return { ...ok({ chatEnded: s.ended, messages: list }), idle };
  }

  post(s, data) {
    if (s.ended) return ok({ chatEnded: true });
    const type = data.type || 'Text';
    if (type === 'Text') {
      if (!String(data.text || '').trim()) return fail(400, 'INVALID_MESSAGE', 'text is required');
      this.append(s, { type: 'Text', text: String(data.text), from: this.from(s.customer) });
    } else if (type !== 'TypingStarted' && type !== 'TypingStopped') {
      return fail(400, 'INVALID_MESSAGE_TYPE', `type ${type} is not supported`);
    }
    return ok({ chatEnded: false });
  }

  image(s, files) {
    const f = files.find((x) => x.field === 'file');
    if (!f || !/^image\//.test(f.contentType)) return fail(400, 'INVALID_FILE_TYPE', 'only images can be sent');
    if (f.data.length > MAX_IMAGE) return fail(400, 'LIMIT_FILE_SIZE', `at most ${MAX_IMAGE} bytes`);
    const mine = s.messages.filter((m) => m.content && m.from.participantId === s.customer.participantId).length;
    if (mine >= MAX_IMAGES) return fail(400, 'LIMIT_FILE_COUNT', `at most ${MAX_IMAGES} images`);
    const imageName = `img-${this.ids.n('nexus-image')}`;
    this.images.set(imageName, { mime: f.contentType, data: f.data });
    const m = this.append(s, { type: 'Text', text: '', from: this.from(s.customer), content: [{ type: 'image', mime: f.contentType, url: `/images/${imageName}` }] });
    return ok({ index: m.index });
  }

  attachment(imageName, headers) {
    const img = this.images.get(imageName);
    if (!img) return fail(404, 'NOT_FOUND', `image ${imageName}`);
    if (!this.tokens.has(headers['x-nexus-client-key'] || '')) return fail(401, 'AUTHENTICATION_REQUIRED', 'x-nexus-client-key required');
    return { status: 200, buffer: img.data, headers: { 'Content-Type': img.mime } };
  }

  end(s, byVisitor) {
    if (s.ended) return;
    if (byVisitor) this.append(s, { type: 'ParticipantLeft', from: this.from(s.customer) });
    s.ended = true;
  }

  control(action, body) {
    const s = this.current;
    if (action === 'reset') { this.reset(); return { ok: true }; }
    if (action === 'lateNext') { this.late = { op: body.op, delayMs: body.delayMs || 10000, count: body.count || 1 }; return { ok: true }; }
    if (!s) return { ok: false, error: 'no nexus session' };
    switch (action) {
      case 'agentJoin': {
        const type = body.type || 'Agent';
        s.agent = { nickname: body.name || 'Anna', firstName: body.name || 'Anna', lastName: '', type, participantId: this.ids.uuid('nexus-participant') };
        this.append(s, { type: 'ParticipantJoined', from: this.from(s.agent) });
        return { ok: true };
      }
      case 'agentTyping':
        if (!s.agent) return { ok: false, error: 'no agent' };
        this.append(s, { type: body.on === false ? 'TypingStopped' : 'TypingStarted', from: this.from(s.agent) });
        return { ok: true };
      case 'agentSay':
        if (!s.agent) return { ok: false, error: 'no agent' };
        this.append(s, { type: body.type || 'Text', text: body.text || '', ...(body.url ? { url: body.url } : {}), from: this.from(s.agent) });
        return { ok: true };
      case 'agentSayMany':
        if (!s.agent) return { ok: false, error: 'no agent' };
        for (let i = 0; i < (body.count || 1); i++) this.append(s, { type: 'Text', text: `${body.text || 'message'} ${i + 1}`, from: this.from(s.agent) });
        return { ok: true };
      case 'agentSendImage': {
        if (!s.agent) return { ok: false, error: 'no agent' };
        const imageName = `img-${this.ids.n('nexus-image')}`;
        // a 1x1 transparent PNG
        this.images.set(imageName, { mime: 'image/png', data: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64') });
        this.append(s, { type: 'Text', text: body.text || '', from: this.from(s.agent), content: [{ type: 'image', mime: 'image/png', url: `/images/${imageName}` }] });
        return { ok: true };
      }
      case 'agentLeave':
        if (!s.agent) return { ok: false, error: 'no agent' };
        this.append(s, { type: 'ParticipantLeft', from: this.from(s.agent) });
        s.agent = null;
        return { ok: true };
      case 'serverEndChat':
        this.end(s, false);
        return { ok: true };
      case 'sessionLost':
        s.lost = true;
        return { ok: true };
      default:
        return null;
    }
  }
}
