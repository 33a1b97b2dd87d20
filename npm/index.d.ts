// Types of webchatservice-wasm: the WebChatService plugin of Genesys Widgets, in
// Rust/WebAssembly. Hand-written from the plugin's bus contract (README, "API"); every
// command, event and data key of the shipped plugin, on all three transports (GMS Chat API
// v2, Genesys Cloud guest chat, Nexus v3).

/** Loads the plugin onto the page's bus (see index.mjs). */
export function load(options?: LoadOptions): Promise<void>;
/** Where `load()` fetches webchatservice.min.js by default (next to the module). */
export const scriptUrl: string;

export interface LoadOptions {
  /** The CXBus to register on; default `window._genesys.widgets.bus`, else `window.CXBus`. */
  bus?: CXBus;
  /** Where webchatservice.min.js is served (the .wasm is fetched next to it). */
  scriptUrl?: string | URL;
}

// ---------------------------------------------------------------- the bus

/** What a bus command returns: a jQuery-style deferred's promise. */
export interface BusPromise<Resolved, Rejected = unknown> {
  done(fn: (value: Resolved) => void): BusPromise<Resolved, Rejected>;
  fail(fn: (reason: Rejected) => void): BusPromise<Resolved, Rejected>;
  always(fn: (valueOrReason: Resolved | Rejected) => void): BusPromise<Resolved, Rejected>;
  then<R = Resolved>(done?: (value: Resolved) => R, fail?: (reason: Rejected) => unknown): BusPromise<R, Rejected>;
}

export interface BusEvent<Data> {
  event: string;
  data: Data;
}

/** A plugin's handle on the bus (`CXBus.registerPlugin(name)`), typed for WebChatService. */
export interface CXBusPlugin {
  command<K extends keyof Commands>(name: `WebChatService.${K}`, ...data: undefined extends Commands[K]['data'] ? [data?: Commands[K]['data']] : [data: Commands[K]['data']]): BusPromise<Commands[K]['resolves'], Rejection>;
  /** Commands of other plugins (every WebChatService command is typed above). */
  command<N extends string>(name: N extends `WebChatService.${string}` ? never : N, data?: unknown): BusPromise<unknown>;
  subscribe<K extends keyof Events>(name: `WebChatService.${K}`, handler: (e: BusEvent<Events[K]>) => void): unknown;
  subscribe<K extends keyof DataKeys>(name: `WebChatService.data.${K}`, handler: (e: BusEvent<{ key: string; value: DataKeys[K]; last: DataKeys[K] | undefined; time: number }>) => void): unknown;
  /** Events of other plugins (every WebChatService event is typed above). */
  subscribe<N extends string>(name: N extends `WebChatService.${string}` ? never : N, handler: (e: BusEvent<unknown>) => void): unknown;
  data<K extends keyof DataKeys>(key: `WebChatService.${K}`): DataKeys[K] | undefined;
}

export interface CXBus {
  registerPlugin(name: string): CXBusPlugin | false;
  configure?(options: { pluginsPath?: string; pluginMap?: Record<string, string> }): void;
}

/**
 * A rejection: a text of the shipped plugin ("There is no active chat session", "No more
 * messages to fetch", ...), the server's answer (a jqXHR-like object with `status` and
 * `responseText`), or nothing.
 */
export type Rejection = string | XhrLike | { errors?: unknown[]; [key: string]: unknown } | undefined;

export interface XhrLike {
  readyState: number;
  status: number;
  statusText: string;
  responseText?: string;
  responseJSON?: unknown;
}

// ---------------------------------------------------------------- configuration

/** `window._genesys.widgets.webchat`. */
export interface WebChatConfig {
  /** GMS: the chat service URL (`…/genesys/2/chat/<service>`). */
  dataURL?: string;
  apikey?: string;
  userData?: Record<string, unknown>;
  ajaxTimeout?: number;
  restoreTimeout?: number;
  pollExceptionLimit?: number;
  uploadsEnabled?: boolean;
  enableCustomHeader?: boolean;
  cometD?: { enabled?: boolean };
  transport?: GuestTransport | NexusTransport | Record<string, unknown>;
  [option: string]: unknown;
}

export interface GuestTransport {
  type: 'purecloud-v2-sockets';
  dataURL: string;
  deploymentKey: string;
  orgGuid: string;
  interactionData?: { routing?: { targetType?: string; targetAddress?: string; priority?: number; skills?: string[]; language?: string } };
  markdown?: boolean;
  sleepEnabled?: boolean;
  [option: string]: unknown;
}

export interface NexusTransport {
  type: 'pureengage-v3-rest';
  /** The sessions URL (`https://<host>/nexus/v3/chat/sessions`). */
  dataURL: string;
  endpoint: string;
  /** Sent on every request (typically `x-api-key`). */
  headers?: Record<string, string>;
  stream?: string;
  clientType?: string;
  /** Milliseconds between polls (default 3000, at least 100). */
  pollTimeout?: number;
  pollIntervalMultiplier?: number;
  pollExceptionLimit?: number;
  /** Messages per restore and history page (default 20, at least 16). */
  maxMessagePageSize?: number;
  sleepEnabled?: boolean;
  async?: NexusAsync;
  [option: string]: unknown;
}

/** A js-cookie-style cookie API handed to the async-mode functions. */
export interface CookieApi {
  get(name: string): string | undefined;
  get(): Record<string, string>;
  getJSON(name: string): unknown;
  set(name: string, value: unknown, options?: CookieOptions): string;
  remove(name: string, options?: CookieOptions): void;
}

export interface CookieOptions {
  expires?: number | Date;
  path?: string;
  domain?: string;
  secure?: boolean;
  samesite?: string;
}

/** What the integrator keeps in async mode. */
export interface StoredSession {
  token: string;
  messageIndex: number | string;
}

export interface NexusAsync {
  enabled: boolean;
  /** Given the session to keep, after the start and after each new message. */
  getSessionData?: (sessionData: StoredSession, Cookie: CookieApi, options: CookieOptions) => void;
  /** Asked for it back: return what getSessionData was given (an object or JSON text), or nothing. */
  setSessionData?: (openCookieName: string, Cookie: CookieApi, options: CookieOptions) => StoredSession | string | null | undefined | void;
  /** The session is lost: forget it. */
  deleteSessionData?: (data: { sessionData: Record<string, unknown>; response: XhrLike }, Cookie: CookieApi, options: CookieOptions) => void;
}

// ---------------------------------------------------------------- payloads

/** A transcript entry as published (`messages[]` of `messageReceived`, `getTranscript`). */
export interface Message {
  index: number | string;
  type: 'Message' | 'ParticipantJoined' | 'ParticipantLeft' | 'TypingStarted' | 'TypingStopped' | 'Notice' | 'CustomNotice' | 'PushUrl' | 'FileUploaded' | 'FileDeleted' | 'IdleAlert' | 'IdleClose' | string;
  text?: string;
  timestamp?: number | string;
  from?: { name?: string; type?: 'Agent' | 'Client' | 'Customer' | 'Supervisor' | 'External' | 'Bot' | 'System' | string; participantId?: number | string; id?: string; [key: string]: unknown };
  /** GMS FileUploaded: the file's id, name, size, type. */
  fileDetails?: { 'file-id'?: string; 'file-name'?: string; 'file-size'?: number; 'file-type'?: string; [key: string]: unknown };
  /** Nexus v3 images, as data URLs. */
  content?: { type?: string; mime?: string; url?: string; [key: string]: unknown }[];
  [key: string]: unknown;
}

export interface MessageReceived {
  messages: Message[];
  /** The transport's own objects, as received. */
  originalMessages: unknown[];
  restoring: boolean;
  sessionData?: unknown;
  /** A history page (`fetchHistory`). */
  oldMessages?: boolean;
}

export interface Agent {
  name: string;
  connected: boolean;
  supervisor?: boolean;
  connectedTime?: number | string;
  disconnectedTime?: number | string | false;
  [key: string]: unknown;
}

export interface PartyEvent {
  message?: Message;
  agents?: Record<string, Agent>;
  [key: string]: unknown;
}

export interface Capabilities {
  async: boolean;
  asyncClose: string;
  pagination: boolean;
  fileUpload: boolean;
}

export interface Transcript {
  messages: Message[];
  originalMessages: unknown[];
}

export interface FileLimits {
  'upload-max-files'?: number;
  'upload-max-file-size'?: number;
  'upload-max-total-size'?: number;
  'upload-need-agent'?: boolean;
  'upload-file-types'?: string;
  'used-upload-max-files'?: number;
  'used-upload-max-total-size'?: number;
  'used-download-max-total-size'?: number;
  [key: string]: unknown;
}

/** A server's answer, as the transport got it (GMS: `{statusCode, chatId, …}`; Nexus: `{status, data}`). */
export type ServerAnswer = Record<string, unknown>;

// ---------------------------------------------------------------- commands

type Cmd<Data, Resolves> = { data: Data; resolves: Resolves };

/** Every command: its data, and what it resolves with. */
export interface Commands {
  configure: Cmd<WebChatConfig, void>;
  startChat: Cmd<{ nickname?: string; firstname?: string; lastname?: string; email?: string; subject?: string; userData?: Record<string, unknown>; interactionData?: Record<string, unknown>; form?: Record<string, unknown>; [key: string]: unknown } | undefined, ServerAnswer>;
  endChat: Cmd<undefined | Record<string, never>, ServerAnswer>;
  sendMessage: Cmd<{ message: string; type?: string }, ServerAnswer>;
  sendCustomNotice: Cmd<{ message?: string } | undefined, ServerAnswer>;
  sendTyping: Cmd<{ message?: string; isTyping?: boolean } | undefined, ServerAnswer | void>;
  sendFilteredMessage: Cmd<{ message: string; regex: RegExp }, ServerAnswer>;
  addPrefilter: Cmd<{ filters: RegExp | RegExp[] }, void>;
  registerPreProcessor: Cmd<{ preprocessor: (message: Message) => Message | void }, (message: Message) => Message | void>;
  registerTypingPreviewInput: Cmd<{ input: HTMLInputElement | HTMLTextAreaElement }, void>;
  updateUserData: Cmd<Record<string, unknown>, Record<string, unknown> | ServerAnswer>;
  updateInteractionData: Cmd<Record<string, unknown>, Record<string, unknown>>;
  poll: Cmd<undefined, void>;
  startPoll: Cmd<undefined, void>;
  stopPoll: Cmd<undefined, void>;
  pausePoll: Cmd<undefined, void>;
  resetPollExceptions: Cmd<undefined, void>;
  restore: Cmd<{ sessionData?: Record<string, unknown> } | undefined, ServerAnswer>;
  asyncRestore: Cmd<undefined, void>;
  getTranscript: Cmd<undefined, Transcript>;
  getAgents: Cmd<undefined, { agents: Record<string, Agent> }>;
  getStats: Cmd<undefined, { agents: Record<string, Agent>; startTime: number | string | false; endTime: number | string | false; duration: number | false }>;
  getSessionData: Cmd<undefined, Record<string, unknown>>;
  verifySession: Cmd<undefined, { sessionActive: boolean }>;
  sleep: Cmd<undefined, void>;
  wake: Cmd<undefined | Record<string, unknown>, void>;
  fetchHistory: Cmd<undefined, ServerAnswer>;
  getFileLimits: Cmd<undefined, ServerAnswer>;
  sendFile: Cmd<{ files: HTMLInputElement }, ServerAnswer>;
  downloadFile: Cmd<{ fileId: string }, void>;
}

// ---------------------------------------------------------------- events and data keys

/** Every event (`WebChatService.<name>`) and its `data`. */
export interface Events {
  ready: undefined;
  restored: { async?: boolean } | ServerAnswer | undefined;
  restoreTimeout: undefined;
  restoreFailed: Rejection;
  restoredOffline: undefined;
  messageReceived: MessageReceived;
  error: { errors: unknown[] };
  started: { data?: Record<string, unknown>; [key: string]: unknown } | undefined;
  ended: undefined;
  agentTypingStarted: Message | PartyEvent | undefined;
  agentTypingStopped: Message | PartyEvent | undefined;
  agentTypingTimeout: undefined;
  pollingStarted: undefined;
  pollingStopped: undefined;
  clientConnected: PartyEvent;
  clientDisconnected: PartyEvent | undefined;
  agentConnected: PartyEvent;
  agentDisconnected: PartyEvent;
  supervisorConnected: PartyEvent;
  supervisorDisconnected: PartyEvent;
  botConnected: PartyEvent;
  botDisconnected: PartyEvent;
  clientTypingStarted: undefined;
  clientTypingStopped: undefined;
  ajaxResponse: ServerAnswer;
  disconnected: undefined;
  reconnected: undefined;
  chatServerWentOffline: undefined;
  chatServerBackOnline: undefined;
  chatServerTimeout: undefined;
  capabilitiesChanged: Capabilities;
  sleeping: undefined;
  waking: undefined;
  sessionLost: XhrLike | undefined;
}

/** Every data key (`plugin.data('WebChatService.<key>')`, event `WebChatService.data.<key>`). */
export interface DataKeys {
  sessionActive: boolean;
  sleeping: boolean;
  agentTyping: boolean;
  userData: Record<string, unknown>;
  interactionData: Record<string, unknown>;
  capabilities: Capabilities;
  'WebChatService.sessionData': Record<string, unknown>;
  'WebChatService.mode': { async: boolean };
}

declare global {
  interface Window {
    CXBus?: CXBus;
    _genesys?: { widgets?: { bus?: CXBus; main?: Record<string, unknown>; webchat?: WebChatConfig; [key: string]: unknown }; [key: string]: unknown };
  }
}
