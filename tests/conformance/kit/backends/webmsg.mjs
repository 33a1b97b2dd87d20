// Genesys Cloud Web Messaging (the Messenger's guest WebSocket) for the conformance stand-in,
// written from the protocol notes only (docs/web-messaging-facts.md, shared/spec/protocols.md
// §4 and §4.1), not from any client or other stand-in code: a second, independent reading.
//
//   WS   /v1?deploymentId=<id>                          one JSON frame per request / answer
//   GET  /api/v2/webmessaging/messages?pageNumber=&pageSize=   history, "Authorization: bearer <jwt>"
//   GET  /webdeployments/v1/deployments/<id>/config.json       deployment config (facts §8)
//   GET  /webmsg/files/<key>/<fileName>                 an uploaded file (the downloadUrl)
//   PUT  http://127.0.0.1:<upload port>/uploads/<key>   presigned upload, on a listener of its own
//                                                        (see "Uploads" below)
//
// Frames. Requests are {action, token, tracingId?, ...}. Answers to a request are
// {type:'response', class, code, body, tracingId}, pushes are {type:'message', class, code:200,
// body}. The echo of the visitor's own message goes to every socket of the session as a
// 'message' that carries the request's tracingId.
//
// Choices where the notes are silent or disagree (each one a guess about the real server; both
// implementations see the same):
// - a socket has to send configureSession before anything else: every other action on a socket
//   that has not configured that token is answered with {class:'string', code:4007,
//   body:'Session not found'};
// - the deployment is the one of the URL's ?deploymentId=; configureSession's own deploymentId,
//   when present, must be that one too; an unknown one is answered {class:'string', code:400,
//   body:'Deployment not found'} (the upgrade itself is accepted); a missing token is 4020;
// - a new token, or startNew:true, starts a conversation (newSession:true); startNew:true over a
//   conversation that is not read-only also answers clearedExistingSession:true;
// - closeSession: the requester gets SessionResponse{connected:false, newSession:false,
//   readOnly:true} (facts §6), the session's other sockets ConnectionClosedEvent, then every
//   socket of the session is closed (1000), the requester's too (option closeRequester); the
//   token is spent: configureSession with it again answers readOnly:true (startNew:false) or
//   starts a new conversation (startNew:true); history stays readable with its JWT;
// - Presence Clear: the Inbound Event echo (the "answer" MT ignores), SessionClearedEvent,
//   ConnectionClosedEvent, close; the conversation and its JWT are forgotten, so the same token
//   starts a new conversation at the next configureSession. `expire` forgets it the same way;
// - the rate limit (2 a second, [RL]) counts every onMessage, events included (typing too), over
//   a sliding second of real time; requests the limit refuses do not count;
// - "over 4096" is 4096 UTF-16 code units (String.length) of `text`; custom attributes are
//   counted as UTF-8 bytes of keys + values, from message.channel (MT) or the request's channel
//   (JV, ovo), limit 2048 (4013);
// - a message with neither text nor content, or any message or event other than Presence Clear
//   on a read-only conversation, is refused with a `string` 400 (MT refuses these locally, so
//   the real answer is unknown);
// - typing events are echoed but not stored; Presence Join/Disconnect and messages are stored
//   and listed by the history, newest first; an empty history is {entities:[], pageSize:0,
//   pageNumber, total:0, pageCount:0} (the MT fixture); pageSize defaults to 25, at most 100;
// - SessionExpiredEvent, GenerateUrlError and the upload events are pushes (type 'message');
// - at most 3 configured sockets per session: a 4th gets the oldest one closed with a
//   ConnectionClosedEvent without reason (§4.1, unconfirmed);
// - no server heartbeat frames (the real service uses WebSocket pings; ws answers pings).
//
// Determinism: times (channel.time, timestamps) come from the kit's virtual clock, one tick per
// stored message or scripted event; echoes of the visitor's typing (their number depends on the
// client's timing) read the clock without advancing it and take ids from their own counter, so
// they shift nothing else. The JWT is fixed per conversation; its `exp` (epoch seconds) is real
// time + 300 s, because a client compares it with its own clock (the wire log shows "<exp>"; a
// trace that carried it would not be stable, the normaliser only knows milliseconds). Answers to the client's requests leave after `latencyMs` (40 ms, like the kit's HTTP
// answers; the request is processed then too, so frames keep their order).
//
// Uploads: the kit's API server hands a backend the *parsed* body (a PUT of image bytes would
// reach it as form fields), so the presigned URL points to a small listener of this module's
// own (like S3, another origin than the API) that keeps the raw bytes; the downloadUrl is on the
// API server (its port is normalised in traces). The listener is unref()'d, and it answers CORS
// (Access-Control-Allow-Origin *, headers Authorization, Content-Type, x-amz-tagging, methods
// GET, PUT, OPTIONS) and preflights itself. On the API server the kit's server.mjs does CORS for
// every answer (it reflects the Origin, a superset of *, and the requested headers) and answers
// every OPTIONS preflight before a backend is asked.
//
// Wire log: HTTP requests are logged by the kit's server; socket traffic is logged here as
// {api:'webmsg-ws', op:<action | class | open | close | reject>, method:'IN'|'OUT'|'WS', path:'/v1',
// query?, fields, status?} (the shape the normaliser keeps), with client-random values replaced:
// tokens by <token#n>, attachment ids by <attachment#n> (first-seen order), tracingIds by
// <tracingId> (except the constant health-check id).
//
// Control (POST /__control/<action>, body {backend:'webmsg', ...}), on the newest session:
//   agentJoin {name, avatar?}        Outbound Presence Join, channel.from {nickname, image}
//   agentTyping {on?}                Outbound Typing On (duration 5000); on:false -> Off
//   agentSay {text, broadcast?, whenDetached?}   Outbound Text, originatingEntity Human;
//                                    broadcast:false stores it without pushing it;
//                                    whenDetached:true stores it when the session's last socket
//                                    closes (e.g. during a page reload), pushing nothing
//   botSay {text, quickReplies:[text | {text, payload}], name?}  Outbound Structured, Bot
//   agentLeave {readOnly?}           Outbound Presence Disconnect (metadata.readOnly 'true')
//   dropSockets                      terminate every socket (no close frame)
//   expire                           SessionExpiredEvent, close, forget the conversation
//   connectionClosed {reason?}       ConnectionClosedEvent, close (the session stays)
//   rejectSockets {count}            refuse the next upgrades (503)
//   webmsgOptions {...}              latencyMs, rateLimitPerSecond (0: off), jwtLifetimeSeconds,
//                                    maxSocketsPerSession, closeRequester, autoStart
//   reset                            forget everything
// Faults through the kit's server work as for the other backends: failNext {api:'webmsg',
// op:'history' | 'config' | 'file.get', status | mode}.

import http from 'node:http';
import { Buffer } from 'node:buffer';
import { fakeJwt, isoTime } from '../standin/util.mjs';

export const name = 'webmsg';

export const DEPLOYMENT_ID = 'harness-deployment';
const WS_PATH = '/v1';
const HISTORY = '/api/v2/webmessaging/messages';
const CONFIG_PREFIX = '/webdeployments/v1/deployments/';
const FILES = '/webmsg/files/';
const HEALTH_CHECK_ID = 'SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=';
const MAX_TEXT = 4096;
const MAX_CUSTOM_DATA_BYTES = 2048;
const MAX_FILE_KB = 10240;
const FILE_TYPES = ['image/png', 'image/jpeg', 'text/plain'];
const BLOCKED_EXTENSIONS = ['.exe'];
const TAGGING = 'organizationId=harness-org&originPlatform=PureCloud&role=harness&owner=conformance';
const CORS_HEADERS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type, x-amz-tagging',
  'Access-Control-Allow-Methods': 'GET, PUT, OPTIONS',
  'Access-Control-Max-Age': '600',
};

export function widgets(apiBase) {
  return {
    userData: { harness: 'conformance' },
    transport: {
      type: 'genesys-web-messaging',
      deploymentId: DEPLOYMENT_ID,
      // the plugin adds ?deploymentId=... itself
      webSocketURL: `${apiBase.replace(/^http/, 'ws')}${WS_PATH}`,
      apiURL: apiBase,
      deploymentConfigURL: `${apiBase}${CONFIG_PREFIX}${DEPLOYMENT_ID}/config.json`,
    },
  };
}

function utf8Bytes(s) { return Buffer.byteLength(String(s), 'utf8'); }

function extension(fileName) {
  const i = fileName.lastIndexOf('.');
  return i < 0 ? '' : fileName.slice(i).toLowerCase();
}

function mediaType(mime) {
  if (/^image\//.test(mime)) return 'Image';
  if (/^video\//.test(mime)) return 'Video';
  if (/^audio\//.test(mime)) return 'Audio';
  return 'File';
}

function readRaw(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export class Backend {
  constructor({ clock, ids, log }) {
    this.clock = clock; this.ids = ids; this.log = log;
    this.apiBase = ''; this.wsBase = ''; // set by the server once it listens
    this.gen = 0;
    this.conns = new Set();
    this.reset();
    this.startUploadServer();
  }

  reset() {
    // sockets of the previous run are dropped; their late events are ignored (gen)
    for (const c of this.conns || []) { try { c.ws.terminate(); } catch { /* ignore */ } }
    this.gen += 1;
    this.conns = new Set();
    this.byToken = new Map(); // token -> session (the live conversation of that token)
    this.byJwt = new Map(); // jwt -> session
    this.uploads = new Map(); // upload key -> attachment
    this.sessions = [];
    this.current = null;
    this.rejectSockets = 0;
    this.socketCount = 0;
    this.labels = new Map(); // client-random value -> <token#n> / <attachment#n> (wire log)
    this.opts = {
      latencyMs: process.env.STANDIN_LATENCY_MS !== undefined ? Number(process.env.STANDIN_LATENCY_MS) : 40,
      rateLimitPerSecond: 2,
      jwtLifetimeSeconds: 300,
      maxSocketsPerSession: 3,
      closeRequester: true,
      autoStart: true,
    };
  }

  state() {
    return {
      sessions: this.sessions.map((s) => ({
        n: s.n, token: this.label(s.token, 'token'), live: this.byToken.get(s.token) === s, readOnly: s.readOnly, closed: s.closed,
        messages: s.messages.length, sockets: s.sockets.size, customAttributes: s.customAttributes,
        attachments: [...s.attachments.values()].map((a) => ({ fileName: a.fileName, fileType: a.fileType, uploaded: a.uploaded, size: a.data ? a.data.length : 0 })),
      })),
      sockets: this.conns.size,
      opts: this.opts,
    };
  }

  // ------------------------------------------------------------------ HTTP (kit API server)
  matches(pathname) {
    return pathname === HISTORY || pathname.startsWith(CONFIG_PREFIX) || pathname.startsWith(FILES);
  }

  op(method, pathname) {
    if (pathname === HISTORY) return 'history';
    if (pathname.startsWith(CONFIG_PREFIX)) return 'config';
    if (pathname.startsWith(FILES)) return 'file.get';
    return `${method.toLowerCase()}.unknown`;
  }

  handle(method, pathname, searchParams, body, headers) {
    if (method !== 'GET') return { status: 405, json: { message: `${method} not allowed`, code: 'method.not.allowed', status: 405 } };
    if (pathname === HISTORY) return this.history(searchParams, headers);
    if (pathname.startsWith(CONFIG_PREFIX)) {
      const m = /^([^/]+)\/config\.json$/.exec(pathname.slice(CONFIG_PREFIX.length));
      if (!m || decodeURIComponent(m[1]) !== DEPLOYMENT_ID) return { status: 404, json: { message: 'Deployment not found', code: 'not.found', status: 404 } };
      return { status: 200, json: this.deploymentConfig() };
    }
    if (pathname.startsWith(FILES)) {
      const key = pathname.slice(FILES.length).split('/')[0];
      const att = this.uploads.get(key);
      if (!att || !att.uploaded) return { status: 404, json: { message: 'Not found', code: 'not.found', status: 404 } };
      return { status: 200, buffer: att.data, headers: { 'Content-Type': att.contentType || att.fileType || 'application/octet-stream' } };
    }
    return { status: 404, json: { message: 'Not found', code: 'not.found', status: 404 } };
  }

  deploymentConfig() {
    // the shape of facts §8; typing indicators, clear and read-only disconnect on; autoStart
    // follows the option (default on: a new session is joined with Presence Join)
    return {
      id: DEPLOYMENT_ID,
      version: '3',
      languages: ['en-us'],
      defaultLanguage: 'en-us',
      apiEndpoint: this.apiBase,
      status: 'Active',
      messenger: {
        enabled: true,
        styles: { primaryColor: '#ff0000' },
        launcherButton: { visibility: 'On' },
        apps: {
          conversations: {
            messagingEndpoint: this.wsBase,
            showAgentTypingIndicator: true,
            showUserTypingIndicator: true,
            autoStart: { enabled: !!this.opts.autoStart },
            conversationDisconnect: { enabled: true, type: 'ReadOnly' },
            conversationClear: { enabled: true },
            notifications: { enabled: false, notificationContentType: 'ExcludeMessagesContent' },
            markdown: { enabled: false },
            humanize: { enabled: false },
          },
        },
        fileUpload: { enableAttachments: true, modes: [{ fileTypes: FILE_TYPES.slice(), maxFileSizeKB: MAX_FILE_KB }] },
      },
      journeyEvents: { enabled: false },
      auth: { enabled: false, allowSessionUpgrade: false },
    };
  }

  history(q, headers) {
    const m = /^bearer\s+(\S+)\s*$/i.exec(headers.authorization || '');
    const s = m ? this.byJwt.get(m[1]) : null;
    if (!s || !s.jwtExp || Date.now() / 1000 >= s.jwtExp) {
      return { status: 401, json: { message: 'Authentication failed', code: 'authentication.required', status: 401 } };
    }
    let pageSize = parseInt(q.get('pageSize') || '25', 10);
    if (!(pageSize >= 1)) pageSize = 25;
    if (pageSize > 100) pageSize = 100;
    let pageNumber = parseInt(q.get('pageNumber') || '1', 10);
    if (!(pageNumber >= 1)) pageNumber = 1;
    const total = s.messages.length;
    if (total === 0) return { status: 200, json: { entities: [], pageSize: 0, pageNumber, total: 0, pageCount: 0 } };
    const newestFirst = s.messages.slice().reverse();
    const entities = newestFirst.slice((pageNumber - 1) * pageSize, pageNumber * pageSize).map((b) => JSON.parse(JSON.stringify(b)));
    return { status: 200, json: { entities, pageSize, pageNumber, total, pageCount: Math.ceil(total / pageSize) } };
  }

  // ------------------------------------------------------------------ uploads (own listener)
  startUploadServer() {
    this.uploadBase = '';
    const srv = http.createServer((req, res) => { this.onUploadRequest(req, res).catch((e) => { try { res.writeHead(500, CORS_HEADERS); res.end(String(e)); } catch { /* ignore */ } }); });
    srv.on('error', () => { /* the uploads are then unavailable; onAttachment answers 5000 */ });
    srv.listen(0, '127.0.0.1', () => { this.uploadBase = `http://127.0.0.1:${srv.address().port}`; });
    srv.unref(); // never keeps run.mjs alive
    this.uploadServer = srv;
  }

  async onUploadRequest(req, res) {
    const url = new URL(req.url, 'http://127.0.0.1');
    const answer = (status, obj, extra = {}) => {
      res.writeHead(status, { ...CORS_HEADERS, 'Cache-Control': 'no-store', Connection: 'close', ...(obj === undefined ? {} : { 'Content-Type': 'application/json' }), ...extra });
      res.end(obj === undefined ? undefined : JSON.stringify(obj));
    };
    if (req.method === 'OPTIONS') { answer(204); return; }
    const raw = await readRaw(req);
    const key = url.pathname.startsWith('/uploads/') ? url.pathname.slice('/uploads/'.length) : '';
    const att = this.uploads.get(key);
    const gen = this.gen;
    const entry = {
      api: 'webmsg-upload', op: 'upload.put', method: req.method, path: url.pathname.replace(/^\/uploads\/.*/, '/uploads/<key>'),
      contentType: (req.headers['content-type'] || '').split(';')[0] || undefined,
      headers: req.headers['x-amz-tagging'] !== undefined ? { 'x-amz-tagging': req.headers['x-amz-tagging'] } : {},
      files: [{ size: raw.length }],
    };
    const done = (status, obj) => { entry.status = status; this.log(entry); answer(status, obj); };
    if (req.method !== 'PUT') { done(405, { code: 'MethodNotAllowed' }); return; }
    if (!att || att.put) { done(404, { code: 'NoSuchUpload', message: 'unknown or already used upload URL' }); return; }
    // a presigned URL is signed with its headers: without the tagging S3 refuses the PUT
    if (req.headers['x-amz-tagging'] !== TAGGING) { done(403, { code: 'SignatureDoesNotMatch', message: 'x-amz-tagging missing or different' }); return; }
    if (this.opts.latencyMs > 0) await new Promise((r) => setTimeout(r, this.opts.latencyMs));
    if (gen !== this.gen) { answer(410); return; }
    done(200);
    att.put = true; // a presigned URL takes one upload
    // the PUT's success is not final: the scan result comes over the socket
    setTimeout(() => { if (gen === this.gen) this.finishUpload(att, raw, entry.contentType); }, 10);
  }

  finishUpload(att, raw, contentType) {
    const s = att.session;
    let failure = null;
    if (raw.length === 0) failure = [4003, 'File content is invalid'];
    else if (raw.length > MAX_FILE_KB * 1024) failure = [4002, 'File size is greater than the maximum allowed'];
    const timestamp = isoTime(this.clock.next());
    let frame;
    if (failure) {
      frame = this.push('UploadFailureEvent', { attachmentId: att.id, errorCode: failure[0], errorMessage: failure[1], timestamp });
    } else {
      att.uploaded = true;
      att.data = raw;
      att.contentType = contentType || att.fileType;
      frame = this.push('UploadSuccessEvent', { attachmentId: att.id, downloadUrl: this.downloadUrl(att), timestamp });
    }
    // to the socket that asked for the URL, or to the session if that one is gone
    if (att.conn && att.conn.ws.readyState === 1 && att.conn.session === s) this.send(att.conn, frame);
    else this.broadcast(s, frame);
  }

  downloadUrl(att) { return `${this.apiBase}${FILES}${att.key}/${encodeURIComponent(att.fileName)}`; }

  // ------------------------------------------------------------------ WebSocket
  matchesSocket(pathname) { return pathname === WS_PATH; }

  acceptSocket(pathname, searchParams) {
    const query = searchParams.toString() ? `?${searchParams.toString()}` : undefined;
    if (this.rejectSockets > 0) {
      this.rejectSockets -= 1;
      this.log({ api: 'webmsg-ws', op: 'reject', method: 'WS', path: pathname, query, status: 503 });
      return null;
    }
    return { deploymentId: searchParams.get('deploymentId') || '', query };
  }

  attach(info, ws) {
    this.socketCount += 1;
    const conn = { ws, n: this.socketCount, gen: this.gen, deploymentId: info.deploymentId, session: null };
    this.conns.add(conn);
    this.log({ api: 'webmsg-ws', op: 'open', method: 'WS', path: WS_PATH, query: info.query, fields: { socket: conn.n } });
    ws.on('message', (data) => {
      if (conn.gen !== this.gen) return;
      const text = String(data);
      const run = () => { if (conn.gen === this.gen) this.onFrame(conn, text); };
      if (this.opts.latencyMs > 0) setTimeout(run, this.opts.latencyMs); else run();
    });
    ws.on('close', (code) => {
      if (conn.gen !== this.gen) return;
      this.conns.delete(conn);
      this.log({ api: 'webmsg-ws', op: 'close', method: 'WS', path: WS_PATH, fields: { socket: conn.n, code } });
      this.detach(conn);
    });
    ws.on('error', () => { /* a close follows */ });
  }

  detach(conn) {
    const s = conn.session;
    if (!s) return;
    conn.session = null;
    s.sockets.delete(conn);
    if (s.sockets.size === 0 && s.whenDetached.length) {
      // what the agent said "while the page was away": stored, pushed to nobody
      for (const b of s.whenDetached.splice(0)) this.store(s, this.outboundText(s, b));
    }
  }

  // envelopes
  response(cls, code, body, tracingId) {
    const f = { type: 'response', class: cls, code, body };
    if (tracingId !== undefined) f.tracingId = tracingId;
    return f;
  }

  push(cls, body, tracingId) {
    const f = { type: 'message', class: cls, code: 200, body };
    if (tracingId !== undefined) f.tracingId = tracingId;
    return f;
  }

  error(code, text, tracingId) { return this.response('string', code, text, tracingId); }

  send(conn, frame) {
    if (conn.ws.readyState !== 1) return;
    conn.ws.send(JSON.stringify(frame));
    this.log({ api: 'webmsg-ws', op: frame.class, method: 'OUT', path: WS_PATH, status: frame.code, fields: { socket: conn.n, ...this.summary(frame) } });
  }

  broadcast(s, frame) { for (const c of [...s.sockets]) this.send(c, frame); }

  closeConn(conn, code = 1000, reason = '') {
    this.detach(conn);
    try { conn.ws.close(code, reason); } catch { /* ignore */ }
  }

  summary(frame) {
    const b = frame.body;
    const out = { type: frame.type };
    if (frame.tracingId !== undefined) out.tracingId = this.tracing(frame.tracingId);
    if (frame.class === 'StructuredMessage' && b) {
      out.direction = b.direction; out.messageType = b.type;
      if (b.text !== undefined) out.text = String(b.text).slice(0, 200);
      if (b.events) out.events = b.events.map((e) => `${e.eventType}:${(e.typing || e.presence || {}).type}`);
      if (b.content) out.content = b.content.map((c) => c.contentType);
    } else if (frame.class === 'string') out.body = b;
    else if (b && typeof b === 'object') out.body = this.sanitize(b);
    return out;
  }

  label(value, kind) {
    if (!this.labels.has(value)) {
      const n = [...this.labels.values()].filter((l) => l.startsWith(`<${kind}#`)).length + 1;
      this.labels.set(value, `<${kind}#${n}>`);
    }
    return this.labels.get(value);
  }

  tracing(t) { return t === HEALTH_CHECK_ID ? t : '<tracingId>'; }

  /** a copy for the wire log: client-random values replaced, long texts cut, tokens labelled */
  sanitize(v, key = '') {
    if (typeof v === 'string') {
      if (this.labels.has(v)) return this.labels.get(v);
      if (key === 'token') return this.label(v, 'token');
      if (key === 'attachmentId') return this.label(v, 'attachment');
      if (key === 'tracingId') return this.tracing(v);
      if (key === 'jwt') return '<jwt>';
      if (key === 'exp') return '<exp>';
      if (this.uploadBase && v.includes(this.uploadBase)) v = v.split(this.uploadBase).join('http://127.0.0.1:<upload>');
      return v.length > 200 ? `${v.slice(0, 200)}...(${v.length} chars)` : v;
    }
    if (Array.isArray(v)) return v.map((x) => this.sanitize(x));
    if (v && typeof v === 'object') {
      const o = {};
      for (const [k, x] of Object.entries(v)) o[k] = k === 'exp' ? '<exp>' : this.sanitize(x, k);
      return o;
    }
    return v;
  }

  // ------------------------------------------------------------------ requests
  onFrame(conn, text) {
    let req;
    try { req = JSON.parse(text); } catch { req = null; }
    if (!req || typeof req !== 'object' || Array.isArray(req)) {
      this.log({ api: 'webmsg-ws', op: 'invalid', method: 'IN', path: WS_PATH, fields: { socket: conn.n, text: text.slice(0, 200) } });
      this.send(conn, this.error(400, 'Request failed.'));
      return;
    }
    const { action, tracingId } = req;
    if (typeof req.token === 'string' && req.token) this.label(req.token, 'token');
    this.log({ api: 'webmsg-ws', op: String(action), method: 'IN', path: WS_PATH, fields: { socket: conn.n, ...this.sanitize(req) } });
    if (action === 'configureSession') { this.configure(conn, req); return; }
    if (action === 'configureAuthenticatedSession') {
      // the harness deployment has auth.enabled false
      this.send(conn, this.error(400, 'Authenticated sessions are not enabled for this deployment', tracingId));
      return;
    }
    const s = conn.session;
    if (!s || !req.token || req.token !== s.token) { this.send(conn, this.error(4007, 'Session not found', tracingId)); return; }
    switch (action) {
      case 'onMessage': this.onMessage(conn, s, req); return;
      case 'echo': {
        // health check: a StructuredMessage *response* with the request's tracingId; the
        // request's message.metadata (older clients' customMessageId) comes back in the body
        const body = { id: this.ids.uuid('webmsg-echo'), type: 'Text', text: 'ping', direction: 'Inbound' };
        const md = req.message && req.message.metadata;
        if (md && typeof md === 'object') body.metadata = md;
        this.send(conn, this.response('StructuredMessage', 200, body, tracingId));
        return;
      }
      case 'getJwt':
        s.jwtExp = Math.floor(Date.now() / 1000) + this.opts.jwtLifetimeSeconds;
        this.send(conn, this.response('JwtResponse', 200, { jwt: s.jwt, exp: s.jwtExp }, tracingId));
        return;
      case 'onAttachment': this.onAttachment(conn, s, req); return;
      case 'getAttachment': {
        const att = s.attachments.get(req.attachmentId);
        if (!att) { this.send(conn, this.error(4009, 'Attachment not found', tracingId)); return; }
        if (!att.uploaded) { this.send(conn, this.error(4010, 'Attachment not uploaded', tracingId)); return; }
        // a refreshed download URL: empty headers, fileSize set (facts §7.8)
        this.send(conn, this.response('PresignedUrlResponse', 200, { attachmentId: att.id, headers: {}, url: this.downloadUrl(att), fileName: att.fileName, fileSize: att.data.length, fileType: att.fileType }, tracingId));
        return;
      }
      case 'deleteAttachment': {
        const att = s.attachments.get(req.attachmentId);
        if (!att) { this.send(conn, this.error(4009, 'Attachment not found', tracingId)); return; }
        s.attachments.delete(att.id);
        this.uploads.delete(att.key);
        this.send(conn, this.response('AttachmentDeletedResponse', 200, { attachmentId: att.id }, tracingId));
        return;
      }
      case 'closeSession': this.closeSession(conn, s, req); return;
      default:
        this.send(conn, this.error(400, 'Request failed.', tracingId));
    }
  }

  newSession(token) {
    const n = this.sessions.length + 1;
    const id = this.ids.uuid('webmsg-session');
    const s = {
      n, id, token, jwt: fakeJwt({ sub: id, deploymentId: DEPLOYMENT_ID }, this.ids.hex('webmsg-jwt', 43)), jwtExp: 0,
      messages: [], sockets: new Set(), readOnly: false, closed: false, customAttributes: {},
      attachments: new Map(), agent: null, sent: [], whenDetached: [],
    };
    this.sessions.push(s);
    this.byToken.set(token, s);
    this.byJwt.set(s.jwt, s);
    return s;
  }

  forget(s) {
    if (this.byToken.get(s.token) === s) this.byToken.delete(s.token);
    this.byJwt.delete(s.jwt);
    if (this.current === s) this.current = null;
  }

  configure(conn, req) {
    const t = req.tracingId;
    const dep = req.deploymentId !== undefined ? req.deploymentId : conn.deploymentId;
    if (dep !== DEPLOYMENT_ID || (conn.deploymentId && conn.deploymentId !== DEPLOYMENT_ID)) {
      this.send(conn, this.error(400, 'Deployment not found', t));
      return;
    }
    if (typeof req.token !== 'string' || !req.token) { this.send(conn, this.error(4020, 'Missing required parameter: token', t)); return; }
    let s = this.byToken.get(req.token);
    let newSession = false;
    let cleared = false;
    if (!s) { s = this.newSession(req.token); newSession = true; }
    else if (req.startNew === true) {
      cleared = !s.readOnly;
      s = this.newSession(req.token);
      newSession = true;
    }
    if (conn.session !== s) {
      this.detach(conn);
      conn.session = s;
      s.sockets.add(conn);
    }
    this.current = s;
    const body = {
      connected: true, newSession, readOnly: s.readOnly, maxCustomDataBytes: MAX_CUSTOM_DATA_BYTES,
      allowedMedia: { inbound: { fileTypes: FILE_TYPES.map((type) => ({ type })), maxFileSizeKB: MAX_FILE_KB } },
      blockedExtensions: BLOCKED_EXTENSIONS.slice(),
    };
    if (cleared) body.clearedExistingSession = true;
    this.send(conn, this.response('SessionResponse', 200, body, t));
    // too many connections: the oldest one goes
    if (s.sockets.size > this.opts.maxSocketsPerSession) {
      const oldest = [...s.sockets][0];
      this.send(oldest, this.push('ConnectionClosedEvent', {}));
      this.closeConn(oldest);
    }
  }

  rateLimited(s) {
    const limit = this.opts.rateLimitPerSecond;
    if (!limit) return false;
    const now = Date.now();
    s.sent = s.sent.filter((x) => now - x < 1000);
    if (s.sent.length >= limit) return true;
    s.sent.push(now);
    return false;
  }

  customAttributes(req) {
    const m = req.message || {};
    const ch = (m.channel && m.channel.metadata) || (req.channel && req.channel.metadata) || {};
    const attrs = ch.customAttributes;
    return attrs && typeof attrs === 'object' ? attrs : null;
  }

  onMessage(conn, s, req) {
    const t = req.tracingId;
    const m = req.message;
    if (!m || typeof m !== 'object' || !['Text', 'Structured', 'Event'].includes(m.type)) {
      this.send(conn, this.error(4020, 'Missing or invalid parameter: message', t));
      return;
    }
    if (this.rateLimited(s)) {
      this.send(conn, this.response('TooManyRequestsErrorMessage', 429, { retryAfter: 1, errorCode: 4029, errorMessage: 'Message rate too high' }, t));
      return;
    }
    const attrs = this.customAttributes(req);
    if (attrs) {
      const size = Object.entries(attrs).reduce((n, [k, v]) => n + utf8Bytes(k) + utf8Bytes(v), 0);
      if (size > MAX_CUSTOM_DATA_BYTES) {
        this.send(conn, this.error(4013, `Custom Attributes in channel metadata is larger than ${MAX_CUSTOM_DATA_BYTES} bytes`, t));
        return;
      }
    }
    if (m.type === 'Event') { this.onEvent(conn, s, req, attrs); return; }
    if (s.readOnly) { this.send(conn, this.error(400, 'Conversation is read-only', t)); return; }
    const text = m.text === undefined || m.text === null ? '' : m.text;
    if (typeof text !== 'string') { this.send(conn, this.error(4020, 'Missing or invalid parameter: text', t)); return; }
    if (text.length > MAX_TEXT) { this.send(conn, this.error(4011, 'Message exceeds maximum length', t)); return; }
    const content = [];
    for (const c of Array.isArray(m.content) ? m.content : []) {
      if (c && c.contentType === 'Attachment') {
        const id = c.attachment && c.attachment.id;
        const att = s.attachments.get(id);
        if (!att) { this.send(conn, this.error(4009, 'Attachment not found', t)); return; }
        if (!att.uploaded) { this.send(conn, this.error(4010, 'Attachment not uploaded', t)); return; }
        content.push({ contentType: 'Attachment', attachment: { id: att.id, url: this.downloadUrl(att), filename: att.fileName, mediaType: mediaType(att.fileType), mime: att.fileType, fileSize: att.data.length } });
      } else if (c && typeof c === 'object') content.push(c);
    }
    if (!text && !content.length) { this.send(conn, this.error(400, 'Message text or content is required', t)); return; }
    if (attrs) Object.assign(s.customAttributes, attrs);
    const body = { id: this.ids.uuid('webmsg-msg'), direction: 'Inbound', type: m.type, text, channel: { time: isoTime(this.clock.next()) } };
    if (m.metadata && typeof m.metadata === 'object') body.metadata = m.metadata;
    if (content.length) body.content = content;
    this.store(s, body);
    this.broadcast(s, this.push('StructuredMessage', body, t));
  }

  onEvent(conn, s, req, attrs) {
    const t = req.tracingId;
    const events = Array.isArray(req.message.events) ? req.message.events : [];
    const ev = events[0];
    if (!ev || typeof ev !== 'object') { this.send(conn, this.error(4020, 'Missing or invalid parameter: events', t)); return; }
    const kind = ev.eventType;
    const sub = kind === 'Typing' ? (ev.typing || {}).type : kind === 'Presence' ? (ev.presence || {}).type : undefined;
    if (kind === 'Presence' && sub === 'Clear') { this.clear(conn, s, req); return; }
    if (s.readOnly) { this.send(conn, this.error(400, 'Conversation is read-only', t)); return; }
    if (kind === 'Typing') {
      // echoed, not stored; timing-dependent, so no clock tick and an id counter of its own
      const body = { id: this.ids.uuid('webmsg-typing-echo'), direction: 'Inbound', type: 'Event', channel: { time: isoTime(this.clock.peek()) }, events: [{ eventType: 'Typing', typing: { type: sub || 'On' } }] };
      this.broadcast(s, this.push('StructuredMessage', body, t));
      return;
    }
    if (kind === 'Presence' && sub === 'Join') {
      if (attrs) Object.assign(s.customAttributes, attrs);
      const body = { id: this.ids.uuid('webmsg-msg'), direction: 'Inbound', type: 'Event', channel: { time: isoTime(this.clock.next()) }, events: [{ eventType: 'Presence', presence: { type: 'Join' } }] };
      this.store(s, body);
      this.broadcast(s, this.push('StructuredMessage', body, t));
      return;
    }
    this.send(conn, this.error(400, `Event ${kind}${sub ? ` ${sub}` : ''} is not supported`, t));
  }

  clear(conn, s, req) {
    const body = { id: this.ids.uuid('webmsg-msg'), direction: 'Inbound', type: 'Event', channel: { time: isoTime(this.clock.next()) }, events: [{ eventType: 'Presence', presence: { type: 'Clear' } }] };
    this.send(conn, this.push('StructuredMessage', body, req.tracingId));
    this.broadcast(s, this.push('SessionClearedEvent', {}));
    this.broadcast(s, this.push('ConnectionClosedEvent', {}));
    for (const c of [...s.sockets]) this.closeConn(c);
    this.forget(s);
  }

  closeSession(conn, s, req) {
    s.readOnly = true;
    s.closed = true;
    this.send(conn, this.response('SessionResponse', 200, { connected: false, newSession: false, readOnly: true }, req.tracingId));
    for (const c of [...s.sockets]) {
      if (c === conn) continue;
      this.send(c, this.push('ConnectionClosedEvent', {}));
      this.closeConn(c);
    }
    if (this.opts.closeRequester) this.closeConn(conn);
  }

  onAttachment(conn, s, req) {
    const t = req.tracingId;
    const id = req.attachmentId;
    if (typeof id !== 'string' || !id) { this.send(conn, this.error(4020, 'Missing required parameter: attachmentId', t)); return; }
    this.label(id, 'attachment');
    const fail = (code, text) => this.send(conn, this.push('GenerateUrlError', { attachmentId: id, errorCode: code, errorMessage: text }, t));
    if (s.readOnly) { fail(4000, 'Conversation is read-only'); return; }
    const fileName = typeof req.fileName === 'string' ? req.fileName : '';
    if (!fileName) { fail(4004, 'File name is invalid'); return; }
    if (fileName.length > 255) { fail(4005, 'File name is too long'); return; }
    if (BLOCKED_EXTENSIONS.includes(extension(fileName))) { fail(4001, 'File type is not supported'); return; }
    if (!FILE_TYPES.includes(req.fileType)) { fail(4001, 'File type is not supported'); return; }
    if (typeof req.fileSize === 'number' && req.fileSize > MAX_FILE_KB * 1024) { fail(4002, 'File size is greater than the maximum allowed'); return; }
    if (!this.uploadBase) { fail(5000, 'Unexpected error'); return; }
    const key = this.ids.hex('webmsg-upload', 24);
    const att = { id, key, session: s, conn, fileName, fileType: req.fileType, fileSize: req.fileSize, uploaded: false, data: null };
    s.attachments.set(id, att);
    this.uploads.set(key, att);
    this.send(conn, this.response('PresignedUrlResponse', 200, { attachmentId: id, headers: { 'x-amz-tagging': TAGGING }, url: `${this.uploadBase}/uploads/${key}` }, t));
  }

  store(s, body) { s.messages.push(body); return body; }

  // ------------------------------------------------------------------ control (scripted agent)
  from(agent) {
    const f = { nickname: agent.name };
    if (agent.avatar) f.image = agent.avatar;
    return f;
  }

  outboundText(s, b) {
    const agent = s.agent || { name: b.name || 'Agent' };
    return { id: this.ids.uuid('webmsg-msg'), direction: 'Outbound', type: 'Text', text: String(b.text ?? ''), channel: { time: isoTime(this.clock.next()), from: this.from(agent) }, originatingEntity: 'Human' };
  }

  control(action, b = {}) {
    if (action === 'reset') { this.reset(); return { ok: true }; }
    if (action === 'webmsgOptions') { for (const k of Object.keys(this.opts)) if (b[k] !== undefined) this.opts[k] = b[k]; return { ok: true, opts: this.opts }; }
    if (action === 'rejectSockets') { this.rejectSockets = b.count ?? 1; return { ok: true }; }
    if (action === 'dropSockets') {
      const all = [...this.conns];
      for (const c of all) { this.detach(c); try { c.ws.terminate(); } catch { /* ignore */ } }
      return { ok: true, dropped: all.length };
    }
    const s = this.current;
    if (!s) return { ok: false, error: 'no webmsg session' };
    switch (action) {
      case 'agentJoin': {
        s.agent = { name: b.name || 'Agent', avatar: b.avatar };
        const body = { id: this.ids.uuid('webmsg-msg'), direction: 'Outbound', type: 'Event', channel: { time: isoTime(this.clock.next()), from: this.from(s.agent) }, events: [{ eventType: 'Presence', presence: { type: 'Join' } }], originatingEntity: 'Human' };
        this.store(s, body);
        this.broadcast(s, this.push('StructuredMessage', body));
        return { ok: true, id: body.id };
      }
      case 'agentTyping': {
        const typing = b.on === false ? { type: 'Off' } : { type: 'On', duration: 5000 };
        const body = { id: this.ids.uuid('webmsg-agent-typing'), direction: 'Outbound', type: 'Event', channel: { time: isoTime(this.clock.next()), ...(s.agent ? { from: this.from(s.agent) } : {}) }, events: [{ eventType: 'Typing', typing }] };
        this.broadcast(s, this.push('StructuredMessage', body));
        return { ok: true };
      }
      case 'agentSay': {
        if (b.whenDetached && s.sockets.size > 0) { s.whenDetached.push({ ...b }); return { ok: true, deferred: true }; }
        const body = this.store(s, this.outboundText(s, b));
        if (b.broadcast !== false) this.broadcast(s, this.push('StructuredMessage', body));
        return { ok: true, id: body.id };
      }
      case 'botSay': {
        const content = (b.quickReplies || []).map((q) => {
          const r = typeof q === 'string' ? { text: q, payload: q } : { text: q.text, payload: q.payload ?? q.text };
          return { contentType: 'QuickReply', quickReply: { ...r, action: 'Message' } };
        });
        const channel = { time: isoTime(this.clock.next()) };
        if (b.name) channel.from = { nickname: b.name };
        const body = { id: this.ids.uuid('webmsg-msg'), direction: 'Outbound', type: 'Structured', text: String(b.text ?? ''), channel, content, originatingEntity: 'Bot' };
        this.store(s, body);
        this.broadcast(s, this.push('StructuredMessage', body));
        return { ok: true, id: body.id };
      }
      case 'agentLeave': {
        const body = { id: this.ids.uuid('webmsg-msg'), direction: 'Outbound', type: 'Event', channel: { time: isoTime(this.clock.next()), ...(s.agent ? { from: this.from(s.agent) } : {}) }, events: [{ eventType: 'Presence', presence: { type: 'Disconnect' } }] };
        if (b.readOnly) { body.metadata = { readOnly: 'true' }; s.readOnly = true; }
        s.agent = null;
        this.store(s, body);
        this.broadcast(s, this.push('StructuredMessage', body));
        return { ok: true, id: body.id };
      }
      case 'expire': {
        this.broadcast(s, this.push('SessionExpiredEvent', {}));
        for (const c of [...s.sockets]) this.closeConn(c);
        this.forget(s);
        return { ok: true };
      }
      case 'connectionClosed': {
        this.broadcast(s, this.push('ConnectionClosedEvent', b.reason ? { reason: b.reason } : {}));
        for (const c of [...s.sockets]) this.closeConn(c);
        return { ok: true };
      }
      default:
        return null;
    }
  }
}
