//! Genesys Cloud Web Messaging (`genesys-web-messaging`, spec/protocols.md §4, issue 18)
//! under the WebChatService API: a page and a chat UI written for guest chat
//! (`purecloud-v2-sockets`) see the same commands, events, data keys and payloads.
//!
//! `requests.rs` builds what the client sends and `frames.rs` reads what the server
//! sends; the session here holds the nextgen [`Controller`] (the bus side) and the chat's
//! lifecycle as a typed state ([`Chat`]): ending a chat is one assignment, and what a
//! conversation holds (its token, socket, outbox, agents, seen ids) exists only while it
//! does. `commands.rs` answers the bus, `link.rs` keeps the socket (configure, health
//! check, reconnect), `inbound.rs` turns frames into bus events, `history.rs` reads the
//! REST history (restore, catch-up after a drop, `fetchHistory`), `files.rs` uploads.
//!
//! Web messaging has no shipped plugin to follow; where guest chat's behaviour does not
//! carry over, the choice is written where it is made and listed in the README.

mod commands;
pub mod config;
pub mod frames;
mod history;
mod inbound;
mod link;
pub mod requests;
mod uploads;

use super::backoff::Backoff;
use super::host::Host;
use super::json::{Map, Value};
use super::nextgen::controller::Controller;
use super::outbox::Outbox;
use super::output::{Action, Body, HttpRequest, ReadBody, SocketId};
use super::retry::Retry;
use super::seen::SeenSet;
use super::{CommandId, Millis, RequestId};
use config::Config;

/// The transport's name in `webchat.transport.type`.
pub const TRANSPORT: &str = "genesys-web-messaging";

/// The `tracingId` of the health check's `echo` (base64 of "HealthCheckMessageId", as the
/// official clients send it); its reply carries it back.
pub const HEALTH_CHECK_ID: &str = "SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=";

/// Where the session lives between page loads (before the `main.deploymentID` prefix;
/// the shell applies `main.cookieOptions`), as guest chat keeps its own.
pub mod cookies {
    pub const TOKEN: &str = "_genesys.widgets.webchat.state.genesys-web-messaging.token";
    /// The visitor's display name, for their own messages after a reload.
    pub const NAME: &str = "_genesys.widgets.webchat.state.genesys-web-messaging.name";
}

/// Message ids remembered to publish each message once.
const SEEN_KEPT: usize = 20_000;
/// Frames held while history is read (restore, catch-up), at most.
const HELD_MAX: usize = 2_000;
/// History pages read at most per fetch (a server that never ends cannot keep the plugin
/// reading).
const MAX_PAGES: u32 = 50;
/// Agents known at most.
const AGENTS_MAX: usize = 100;
/// A send whose copy has not come back after this long (socket up) is checked against
/// the history: a server that neither echoes nor refuses cannot hold the outbox.
const ECHO_WAIT_MS: Millis = 30_000;
/// A file whose upload URL or upload confirmation has not come after this long fails.
const UPLOAD_WAIT_MS: Millis = 120_000;

/// Which restore is running (`asyncRestore` rejects with no value).
#[derive(Debug, Clone, Copy, PartialEq)]
struct RestoreCmd {
    cmd: Option<CommandId>,
    asynchronous: bool,
}

/// The chat's lifecycle. Each state holds what is valid in it.
enum Chat {
    /// No conversation. `read_only`: the last one was closed by the server (sends say so).
    Idle { read_only: bool },
    /// `startChat`: a new session is being configured.
    Starting { cmd: CommandId, conv: Box<Conversation> },
    /// A stored session is being re-attached and its history read.
    Restoring { r: RestoreCmd, conv: Box<Conversation> },
    /// A conversation is on.
    Live(Box<Conversation>),
}

/// The socket of a conversation.
#[derive(Debug, Clone, PartialEq)]
enum Link {
    /// Asked to open at `since`.
    Opening { id: SocketId, since: Millis },
    /// Open, `configureSession` sent at `since`, no `SessionResponse` yet.
    Configuring { id: SocketId, since: Millis },
    /// Configured: messages can go.
    Up { id: SocketId, health: Health },
    /// Down; opened again then.
    Down { retry_at: Millis },
}

/// The health check of an open socket: a browser cannot send ping frames, so after
/// [`QUIET_MS`](link::QUIET_MS) with no frame one `echo` goes, and no answer within
/// [`ECHO_WAIT_MS`](link::ECHO_WAIT_MS) means the socket is dead.
#[derive(Debug, Clone, PartialEq)]
struct Health {
    last_frame: Millis,
    echo_sent: Option<Millis>,
    /// When the last echoes went (the server takes two a minute).
    recent: [Option<Millis>; 2],
}

/// What a history read is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Purpose {
    /// At restore: the newest page (pagination) or every page.
    Restore { all: bool },
    /// After a reconnect: what the server took while the socket was down.
    CatchUp,
    /// `fetchHistory`: the next older page.
    Older { cmd: CommandId },
}

/// A file on its way: `onAttachment` → `PUT` → `UploadSuccessEvent` → the message.
#[derive(Debug, Clone)]
struct Upload {
    cmd: CommandId,
    /// When it was asked for (or last moved on).
    since: Millis,
    attachment_id: String,
    mime: String,
    step: UploadStep,
}

#[derive(Debug, Clone, PartialEq)]
enum UploadStep {
    AskedUrl,
    Putting,
}

/// How a chat ended, as far as what stays behind goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// Over here and on the server: the stored token goes.
    Over,
    /// Read-only: sends say so until the next start; the token goes.
    ReadOnly,
    /// This page's connection was closed by the server (another sign-in, the connection
    /// limit): other tabs may still be in the chat, so the shared token stays (a reload
    /// finds out whether the session lives).
    Elsewhere,
}

/// What a queued message needs to go (again).
#[derive(Debug, Clone)]
struct SendMeta {
    /// `metadata.customMessageId` and `tracingId`: its Inbound echo carries one back.
    custom_id: String,
    /// An uploaded file it carries.
    attachment: Option<String>,
}

/// What a conversation holds from its start to its end.
struct Conversation {
    token: String,
    /// Random per page load: the sends' custom ids of two tabs or two page loads on one
    /// session never collide.
    nonce: String,
    link: Link,
    /// `configureSession` asks for a new conversation (`startNew`).
    start_new: bool,
    /// `SessionResponse.maxCustomDataBytes`.
    max_custom_bytes: Option<f64>,
    outbox: Outbox<SendMeta>,
    /// Numbers the outbox's sends (its "requests").
    next_send: RequestId,
    /// A rate limit holds the next send until then.
    send_at: Option<Millis>,
    /// When the send in flight went out (its copy is awaited).
    sent_at: Option<Millis>,
    /// The `tracingId` of the last `onMessage` frame sent: an error without one is taken
    /// as that frame's.
    last_sent: Option<String>,
    /// Numbers the history reads: an answer to a read a drop abandoned is stale.
    read_id: u64,
    /// The server said read-only while a read was on: the chat ends once it is done.
    end_after_read: bool,
    /// Custom attributes to send with the next message (the form fields and userData at
    /// start, `updateUserData` later).
    attributes: Option<Map>,
    /// The attributes that went with the send in flight (pending again if it fails).
    attributes_sent: Option<Map>,
    seen: SeenSet,
    agents: Map,
    /// The agent whose typing indicator is on, and until when.
    agent_typing: Option<(String, Millis)>,
    /// When a Typing event last went (the server takes one per 5 s).
    typing_sent: Option<Millis>,
    /// The visitor's display name.
    name: String,
    /// History being read, and the frames held meanwhile (published after it, in order).
    reading: Option<Purpose>,
    held: Vec<frames::Message>,
    /// The socket went down: what the server took meanwhile is read once it is up.
    gap: bool,
    /// `disconnected` was published for the current drop.
    lost: bool,
    /// The next older history page for `fetchHistory`, and whether there is none.
    older_page: u32,
    all_received: bool,
    uploads: Vec<Upload>,
    /// A failed restore or catch-up read, tried again (1, 2, 4, 8, 16 s).
    retry: Retry,
    retry_purpose: Option<Purpose>,
    /// Opens of the socket that failed in a row (a restore gives up after a few).
    open_failures: u32,
    /// The JWT for the history API, once asked for; and the read waiting for it.
    jwt: Option<String>,
    jwt_wait: Option<(Purpose, u32, Vec<Value>, bool)>,
    /// The `getJwt` counts as unanswered then.
    jwt_due: Option<Millis>,
}

impl Conversation {
    fn new(token: String, nonce: String, name: String, start_new: bool, link: Link) -> Self {
        Conversation {
            token,
            nonce,
            link,
            start_new,
            max_custom_bytes: None,
            outbox: Outbox::default(),
            next_send: 1,
            send_at: None,
            sent_at: None,
            last_sent: None,
            read_id: 0,
            end_after_read: false,
            attributes: None,
            attributes_sent: None,
            seen: SeenSet::new(SEEN_KEPT),
            agents: Map::new(),
            agent_typing: None,
            typing_sent: None,
            name,
            reading: None,
            held: Vec::new(),
            gap: false,
            lost: false,
            older_page: 1,
            all_received: false,
            uploads: Vec::new(),
            retry: Retry::default(),
            retry_purpose: None,
            open_failures: 0,
            jwt: None,
            jwt_wait: None,
            jwt_due: None,
        }
    }

    fn socket(&self) -> Option<SocketId> {
        match self.link {
            Link::Opening { id, .. } | Link::Configuring { id, .. } | Link::Up { id, .. } => Some(id),
            Link::Down { .. } => None,
        }
    }

    fn is_up(&self) -> bool {
        matches!(self.link, Link::Up { .. })
    }

    fn footprint(&self) -> usize {
        self.outbox.len() + self.seen.len() + self.agents.len() + self.held.len() + self.uploads.len()
    }
}

/// What the deployment's `config.json` says (defaults: the server's own answers decide).
#[derive(Debug, Clone, Default)]
struct Deployment {
    /// `conversationClear.enabled`: `endChat` clears the conversation.
    clear: bool,
    /// `fileUpload.modes` (or `SessionResponse.allowedMedia`): MIME types, size.
    file_types: Vec<String>,
    max_file_kb: Option<f64>,
    blocked_extensions: Vec<String>,
}

#[derive(Debug, Clone)]
enum Pending {
    DeploymentConfig,
    /// `read`: which read it belongs to; `renewed`: the JWT was renewed once already.
    History { purpose: Purpose, page: u32, acc: Vec<Value>, read: u64, renewed: bool },
    Put { attachment_id: String },
}

#[derive(Debug, Clone)]
struct InFlight {
    id: RequestId,
    /// The chat it belongs to: answers for an ended chat only settle commands.
    generation: u64,
    what: Pending,
}

pub struct Session {
    ctrl: Controller,
    cfg: Config,
    /// A configuration mistake: every command rejects with it.
    invalid: Option<&'static str>,
    chat: Chat,
    generation: u64,
    next_request: RequestId,
    requests: Vec<InFlight>,
    next_socket: SocketId,
    deployment: Deployment,
    backoff: Backoff,
    /// The token whose restore failed: `verifySession` no longer offers it.
    failed_restore: Option<String>,
    /// A chat ended while its socket was down: a short-lived socket tells the server.
    farewell: Option<link::Farewell>,
}

impl Session {
    pub fn new(seed: u64) -> Self {
        Session {
            ctrl: Controller::default(),
            cfg: config::parse(&Value::object(), &mut Vec::new()),
            invalid: None,
            chat: Chat::Idle { read_only: false },
            generation: 0,
            next_request: 1,
            requests: Vec::new(),
            next_socket: 1,
            deployment: Deployment::default(),
            backoff: Backoff::new(1000, 30_000, seed),
            failed_restore: None,
            farewell: None,
        }
    }

    /// What the shipped loader does: `configure` through the bus.
    pub fn boot(&mut self) {
        self.ctrl.out.push(Action::Command { command: "WebChatService.configure", data: super::output::CommandData::WebchatConfig });
    }

    pub fn is_active(&self) -> bool {
        self.ctrl.active
    }

    pub fn footprint(&self) -> usize {
        let conv = match &self.chat {
            Chat::Idle { .. } => 0,
            Chat::Starting { conv, .. } | Chat::Restoring { conv, .. } | Chat::Live(conv) => conv.footprint(),
        };
        self.ctrl.footprint() + self.requests.len() + conv
    }

    pub fn queued_actions(&self) -> usize {
        self.ctrl.out.len()
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.ctrl.out.pop().map(|(a, _)| a)
    }

    fn conv(&self) -> Option<&Conversation> {
        match &self.chat {
            Chat::Idle { .. } => None,
            Chat::Starting { conv, .. } | Chat::Restoring { conv, .. } | Chat::Live(conv) => Some(conv),
        }
    }

    fn conv_mut(&mut self) -> Option<&mut Conversation> {
        match &mut self.chat {
            Chat::Idle { .. } => None,
            Chat::Starting { conv, .. } | Chat::Restoring { conv, .. } | Chat::Live(conv) => Some(conv),
        }
    }

    /// The conversation once it exists on the server (live, or being restored).
    fn chatting_mut(&mut self) -> Option<&mut Conversation> {
        match &mut self.chat {
            Chat::Live(conv) | Chat::Restoring { conv, .. } => Some(conv),
            _ => None,
        }
    }

    fn live_mut(&mut self) -> Option<&mut Conversation> {
        match &mut self.chat {
            Chat::Live(conv) => Some(conv),
            _ => None,
        }
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        let mut at = vec![self.ctrl.typing.deadline(), self.farewell.as_ref().map(|f| f.since.saturating_add(link::OPEN_WAIT_MS))];
        if let Some(c) = self.conv() {
            at.push(c.agent_typing.as_ref().map(|t| t.1));
            at.push(c.send_at);
            at.push(c.retry.at);
            at.push(c.jwt_due);
            at.push(c.sent_at.map(|t| t.saturating_add(ECHO_WAIT_MS)));
            at.push(c.uploads.iter().map(|u| u.since.saturating_add(UPLOAD_WAIT_MS)).min());
            at.push(match &c.link {
                Link::Down { retry_at } => Some(*retry_at),
                Link::Up { health, .. } => Some(link::health_deadline(health)),
                Link::Opening { since, .. } | Link::Configuring { since, .. } => Some(since.saturating_add(link::OPEN_WAIT_MS)),
            });
        }
        at.into_iter().flatten().min()
    }

    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        if self.ctrl.typing.due(now) {
            self.ctrl.typing_stopped();
        }
        if let Some(f) = self.farewell.take_if(|f| f.since.saturating_add(link::OPEN_WAIT_MS) <= now) {
            self.ctrl.out.push(Action::SocketClose { id: f.id });
        }
        let Some(c) = self.conv_mut() else { return };
        if c.agent_typing.as_ref().is_some_and(|t| t.1 <= now) {
            c.agent_typing = None;
            self.ctrl.out.publish("agentTypingTimeout", Value::Undefined);
        }
        let Some(c) = self.conv_mut() else { return };
        if c.send_at.is_some_and(|at| at <= now) {
            c.send_at = None;
            self.pump(now);
        }
        let Some(c) = self.conv_mut() else { return };
        if c.retry.due(now) {
            if c.reading.is_some() {
                // Another read is on (`fetchHistory`): this one goes after it.
                c.retry.at = Some(now.saturating_add(1000));
            } else if let Some(p) = c.retry_purpose.take() {
                self.read_history(p, 1, now);
            }
        }
        if self.conv().and_then(|c| c.jwt_due).is_some_and(|at| at <= now) {
            self.jwt_failed(now, host);
        }
        if self.conv().and_then(|c| c.sent_at).is_some_and(|at| at.saturating_add(ECHO_WAIT_MS) <= now) {
            self.echo_overdue(now);
        }
        self.uploads_overdue(now);
        self.link_timeout(now, host);
    }

    /// An HTTP request of this chat.
    fn request(&mut self, method: &'static str, url: String, headers: Vec<(String, String)>, body: Body, what: Pending) -> RequestId {
        let id = self.next_request;
        self.next_request += 1;
        self.requests.push(InFlight { id, generation: self.generation, what });
        self.ctrl.out.push(Action::Http(Box::new(HttpRequest { id, method, url, headers, body, timeout_ms: 30_000, with_credentials: false, read: ReadBody::Text })));
        id
    }

    /// Sends a frame on the conversation's socket, when it is open.
    fn send_frame(&mut self, text: String) -> bool {
        match self.conv().map(|c| &c.link) {
            Some(Link::Configuring { id, .. } | Link::Up { id, .. }) => {
                let id = *id;
                self.ctrl.out.push(Action::SocketSend { id, text });
                true
            }
            _ => false,
        }
    }

    /// `getSessionData` / the `started` payload: what identifies the session.
    fn session_data(&self) -> Value {
        let mut m = Map::new();
        m.push("token", self.conv().map_or(Value::str(""), |c| Value::str(c.token.as_str())));
        m.push("deploymentId", Value::str(self.cfg.deployment_id.as_str()));
        Value::Object(m)
    }

    /// The chat is over, whatever ended it: one assignment drops the conversation; the
    /// socket closes, its commands settle, the stored token goes.
    fn finish(&mut self, host: &mut dyn Host, end: End) {
        let old = std::mem::replace(&mut self.chat, Chat::Idle { read_only: end == End::ReadOnly });
        self.generation += 1;
        if end != End::Elsewhere {
            host.storage_remove(cookies::TOKEN);
            host.storage_remove(cookies::NAME);
        }
        let conv = match old {
            Chat::Idle { .. } => return,
            Chat::Starting { cmd, conv } => {
                self.ctrl.out.reject_text(cmd, super::texts::SOCKET_FAILED);
                conv
            }
            Chat::Restoring { r, conv } => {
                self.restore_reject(r, super::texts::NO_CONVERSATION_STATE);
                conv
            }
            Chat::Live(conv) => conv,
        };
        let mut conv = conv;
        if let Some(id) = conv.socket() {
            self.ctrl.out.push(Action::SocketClose { id });
        }
        if let Some((_, _)) = conv.agent_typing.take() {
            self.ctrl.out.publish("agentTypingStopped", Value::Undefined);
        }
        for m in conv.outbox.drain() {
            self.ctrl.out.reject_text(m.cmd, super::texts::NO_ACTIVE_SESSION_DOT);
        }
        for u in conv.uploads.drain(..) {
            self.ctrl.out.reject_text(u.cmd, super::texts::NO_ACTIVE_SESSION);
        }
        // A `fetchHistory` waiting for its JWT settles here; one whose request is out
        // settles when its (now stale) answer comes.
        if let Some((Purpose::Older { cmd }, ..)) = conv.jwt_wait.take() {
            self.ctrl.out.reject_text(cmd, history::HISTORY_FAILED);
        }
        self.backoff.reset();
    }

    /// A restore succeeded (`asyncRestore` resolves with no value).
    fn restore_resolve(&mut self, r: RestoreCmd) {
        match r.cmd {
            Some(cmd) if r.asynchronous => self.ctrl.out.resolve_empty(cmd),
            Some(cmd) => self.ctrl.out.resolve(cmd, Value::Undefined),
            None => {}
        }
    }

    /// Settles a restore (`asyncRestore` rejects with no value).
    fn restore_reject(&mut self, r: RestoreCmd, text: &str) {
        match r.cmd {
            Some(cmd) if r.asynchronous => self.ctrl.out.reject_empty(cmd),
            Some(cmd) => self.ctrl.out.reject_text(cmd, text),
            None => {}
        }
    }

    /// A new random session token (a UUID v4 from the page's `crypto.getRandomValues`).
    fn new_token(host: &mut dyn Host) -> String {
        let mut b = [0u8; 16];
        host.random_bytes(&mut b);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex = b"0123456789abcdef";
        let mut s = String::with_capacity(36);
        for (i, byte) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                s.push('-');
            }
            s.push(hex[(byte >> 4) as usize] as char);
            s.push(hex[(byte & 15) as usize] as char);
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::host::MemoryHost;

    #[test]
    fn tokens_are_version_4_uuids_from_the_host_randomness() {
        let mut host = MemoryHost::default();
        let a = Session::new_token(&mut host);
        let b = Session::new_token(&mut host);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"));
        assert_ne!(a, b);
    }
}
