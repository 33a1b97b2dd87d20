//! The Genesys Cloud guest chat session (`purecloud-v2-sockets`): JSON REST for
//! commands, a WebSocket event stream for everything the agent side does.
//!
//! Differences from the shipped transport, on purpose: messages are published as soon as
//! their sender is known (no 700 ms batching); a lost stream is reconnected with capped,
//! jittered backoff instead of at once in a loop; messages typed while the stream is down
//! wait and are sent in order afterwards; nothing is published twice after a reconnect.

mod answers;
mod commands;
pub mod config;
mod stream;
pub mod wire;

use super::agents::Agents;
use super::backoff::Backoff;
use super::filter::FilterSet;
use super::host::Host;
use super::emitter::Emitter;
use super::output::{Action, Body, HttpRequest, Outcome, SocketId};
use super::{CommandId, Millis, RequestId};
use config::GuestConfig;
use serde_json::{json, Map, Value};
use super::pending::InFlight;
use std::collections::VecDeque;
use wire::{Conversation, Member};

/// Cookie names of this transport (before the `main.deploymentID` prefix).
pub mod keys {
    pub const JWT: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.JWtoken";
    pub const CONVERSATION: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.ConversationID";
    pub const MEMBER: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.MemberID";
    pub const STREAM: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.WS_URL";
    pub const LAST_MESSAGE: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.LastMsgId";
    pub const ALL: [&str; 5] = [JWT, CONVERSATION, MEMBER, STREAM, LAST_MESSAGE];
}

/// Agent typing shows for this long unless a message from the agent comes first.
const AGENT_TYPING_MS: Millis = 3000;
const CLIENT_TYPING_MS: Millis = 2000;
/// The shipped transport ends the chat this long after learning the visitor was disconnected.
const END_DELAY_MS: Millis = 1000;
/// The guest API refuses longer message bodies.
pub const MAX_BODY_CHARS: u64 = 4000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Idle,
    /// The conversation is being created, or its stream opened for the first time.
    Starting,
    /// Cookies found: the own member is being checked, or the stream reopened.
    Restoring,
    Active,
    /// endChat's DELETE is on its way.
    Ending,
}

/// Why a `GET …/members/{me}` was sent.
#[derive(Debug, Clone, Copy, PartialEq)]
enum MeCheck {
    AfterStart,
    Restore(Option<CommandId>),
    AfterReconnect,
}

/// Why a `GET …/messages` was sent.
#[derive(Debug, Clone, PartialEq)]
enum Listing {
    /// The newest page (or every page) after a restore.
    Restore { cmd: Option<CommandId>, acc: Vec<Value> },
    /// What was missed while the stream was down.
    CatchUp { acc: Vec<Value> },
    /// Older messages for fetchHistory.
    History { cmd: CommandId },
}

#[derive(Debug, Clone)]
enum Pending {
    Create { cmd: CommandId },
    Me(MeCheck),
    Member { id: String, joined: Option<bool>, at: Option<i64> },
    Members { then: Option<Listing> },
    Messages(Listing),
    Send,
    Typing { cmd: CommandId },
    Leave { cmd: CommandId },
}

/// A transcript entry waiting for its sender's role before it is published.
#[derive(Debug, Clone)]
struct Queued {
    message: Value,
    restoring: bool,
    old: bool,
}

/// A message waiting to be sent, in order.
#[derive(Debug, Clone)]
struct Outgoing {
    cmd: CommandId,
    text: String,
    tried: bool,
    in_flight: bool,
}

pub struct Session {
    cfg: GuestConfig,
    phase: Phase,
    conv: Option<Conversation>,
    display_name: String,
    socket: Option<SocketId>,
    socket_open: bool,
    next_socket: SocketId,
    start_cmd: Option<CommandId>,
    restore_cmd: Option<CommandId>,
    disconnected: bool,
    backoff: Backoff,
    reconnect_at: Option<Millis>,
    watchdog_at: Option<Millis>,
    agent_typing_until: Option<Millis>,
    client_typing_until: Option<Millis>,
    end_at: Option<Millis>,
    /// Members looked up so far (a chat has a handful).
    members: Vec<Member>,
    /// Members being looked up.
    lookups: Vec<String>,
    queue: VecDeque<Queued>,
    /// Message ids already published (keys of a JSON map: its instantiation is shared).
    seen: Map<String, Value>,
    last_message: Option<String>,
    oldest_message: Option<String>,
    history_done: bool,
    messages: Vec<Value>,
    originals: Vec<Value>,
    agents: Agents,
    filters: FilterSet,
    user_data: Map<String, Value>,
    interaction_data: Map<String, Value>,
    outbox: VecDeque<Outgoing>,
    requests: InFlight<Pending>,
    pub(crate) out: Emitter,
    next_request: RequestId,
}

impl Session {
    pub fn new(cfg: GuestConfig, app_present: bool, seed: u64) -> Self {
        Session {
            user_data: cfg.user_data.clone(),
            cfg,
            phase: Phase::Idle,
            conv: None,
            display_name: String::new(),
            socket: None,
            socket_open: false,
            next_socket: 1,
            start_cmd: None,
            restore_cmd: None,
            disconnected: false,
            backoff: Backoff::new(500, 15_000, seed),
            reconnect_at: None,
            watchdog_at: None,
            agent_typing_until: None,
            client_typing_until: None,
            end_at: None,
            members: Vec::new(),
            lookups: Vec::new(),
            queue: VecDeque::new(),
            seen: Map::new(),
            last_message: None,
            oldest_message: None,
            history_done: false,
            messages: Vec::new(),
            originals: Vec::new(),
            agents: Agents::default(),
            filters: FilterSet::default(),
            interaction_data: Map::new(),
            outbox: VecDeque::new(),
            requests: InFlight::default(),
            out: Emitter::new(app_present),
            next_request: 1,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        self.out.pop()
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        [self.reconnect_at, self.watchdog_at, self.agent_typing_until, self.client_typing_until, self.end_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// Sends a request to the guest API. `path` starts at `/api/v2/…`.
    fn request(&mut self, method: &'static str, path: &str, body: Option<Value>, auth: bool, pending: Pending) -> RequestId {
        let mut headers = Vec::new();
        if body.is_some() {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
        }
        if auth {
            if let Some(c) = &self.conv {
                headers.push(("Authorization".into(), format!("Bearer {}", c.jwt)));
            }
        }
        let id = self.next_request;
        self.next_request += 1;
        self.requests.insert(id, pending);
        self.out.push(Action::Http(HttpRequest {
            id,
            method,
            url: format!("{}{}", self.cfg.data_url, path),
            headers,
            body: body.map(|b| Body::Json(b.to_string())).unwrap_or(Body::None),
            timeout_ms: self.cfg.ajax_timeout,
            with_credentials: false,
        }));
        id
    }

    fn open_socket(&mut self) {
        let Some(url) = self.conv.as_ref().map(|c| c.stream_url.clone()) else { return };
        if let Some(old) = self.socket.take() {
            self.out.push(Action::SocketClose { id: old });
        }
        let id = self.next_socket;
        self.next_socket += 1;
        self.socket = Some(id);
        self.socket_open = false;
        self.out.push(Action::SocketOpen { id, url });
    }

    fn close_socket(&mut self) {
        if let Some(id) = self.socket.take() {
            self.out.push(Action::SocketClose { id });
        }
        self.socket_open = false;
        self.watchdog_at = None;
        self.reconnect_at = None;
    }

    fn write_cookies(&mut self, host: &mut dyn Host) {
        if let Some(c) = self.conv.clone() {
            host.storage_set(keys::JWT, &c.jwt);
            host.storage_set(keys::CONVERSATION, &c.id);
            host.storage_set(keys::MEMBER, &c.member_id);
            host.storage_set(keys::STREAM, &c.stream_url);
            if let Some(last) = &self.last_message {
                host.storage_set(keys::LAST_MESSAGE, last);
            }
        }
    }

    fn clear_cookies(&mut self, host: &mut dyn Host) {
        for k in keys::ALL {
            host.storage_remove(k);
        }
        host.storage_remove(crate::engine::keys::FILTERS);
    }

    /// `{errors:[{code, response}]}`, the shape the shipped transport publishes.
    fn error_payload(code: String, response: Value) -> Value {
        json!({"errors": [{"code": code, "response": response}]})
    }

    /// Ends the chat on this page: events, cookies, socket, queued sends.
    fn finish(&mut self, host: &mut dyn Host, client_event: bool) {
        self.phase = Phase::Idle;
        self.close_socket();
        self.agent_typing_until = None;
        self.client_typing_until = None;
        self.end_at = None;
        self.disconnected = false;
        self.clear_cookies(host);
        self.filters.clear();
        if client_event {
            let data = self.agents.event(Value::Null);
            self.out.publish("clientDisconnected", data);
        }
        self.out.data("sessionActive", Value::Bool(false));
        self.out.publish("ended", json!({}));
        self.out.app_command("App.deregisterAutoLoad");
        while let Some(o) = self.outbox.pop_front() {
            self.out.reply(Some(o.cmd), Outcome::reject_text("There is no active chat session."));
        }
        self.queue.clear();
    }

    fn member(&self, id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == id)
    }

    fn remember(&mut self, member: Member) {
        match self.members.iter_mut().find(|m| m.id == member.id) {
            Some(slot) => *slot = member,
            None => self.members.push(member),
        }
    }

    fn me(&self) -> Option<String> {
        self.conv.as_ref().map(|c| c.member_id.clone())
    }
}
