//! Genesys Cloud guest chat: the shipped nextgen controller with its
//! `purecloud-v2-sockets` transport, step for step.
//!
//! REST calls create the conversation, look up members, send messages and typing, page
//! the history and leave; a WebSocket streams the conversation's events. As in the
//! shipped code, the controller (`ctrl_*` state: what the bus sees as `sessionActive`,
//! the transcript, the typing window) and the transport (the socket, the members, the
//! cookies) keep their own flags; each input does what the shipped code does at that
//! point, in the same order.
//!
//! Deliberate differences (README, compatibility table): a message is published as soon
//! as its sender is known (no 700 ms batching), reconnects back off instead of spinning,
//! sends wait while the stream is down, duplicates are dropped one by one, the socket is
//! closed when the chat ends, every command settles.

mod answers;
mod commands;
pub mod config;
mod last_id;
mod members;
mod messages;
mod stream;

use super::backoff::Backoff;
use super::host::Host;
use super::json::{obj, Map, Value};
use super::outbox::Outbox;
use super::output::{Action, Body, CommandData, HttpRequest, SocketId};
use super::{CommandId, Millis, RequestId};
use super::nextgen::controller::Controller;
use config::GuestConfig;
use crate::engine::seen::SeenSet;
use std::collections::VecDeque;

/// The transport's cookies (before the `main.deploymentID` prefix).
pub mod cookies {
    pub const JWT: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.JWtoken";
    pub const CONVERSATION: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.ConversationID";
    pub const MEMBER: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.MemberID";
    pub const WS_URL: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.WS_URL";
    pub const LAST_MESSAGE: &str = "_genesys.widgets.webchat.state.purecloud-v2-sockets.LastMsgId";
    /// Cookie name and the `oSessionData` key it holds, in the shipped write order.
    pub const ALL: [(&str, &str); 5] = [
        (JWT, "jwt"),
        (CONVERSATION, "conversationId"),
        (MEMBER, "memberId"),
        (WS_URL, "WebSocketUrl"),
        (LAST_MESSAGE, "lastMessageId"),
    ];
}

/// How long the agent's typing indicator lasts without news.
const AGENT_TYPING_MS: Millis = 3000;
/// The shipped transport ends the chat 1 s after it learns the visitor was disconnected.
const CUSTOMER_GONE_MS: Millis = 1000;
/// Pages followed through `next` at most, per fetch (a server looping `next` cannot
/// keep the plugin fetching forever).
const MAX_PAGES: u32 = 50;
/// Seen message ids kept for de-duplication (a bounded window).
const SEEN_KEPT: usize = 20_000;
/// Frames held while their sender is looked up, at most.
const HELD_MAX: usize = 2_000;
/// Members known at most (a conversation has a handful; beyond this, senders go
/// without a look-up).
const MEMBERS_MAX: usize = 500;
/// Look-ups of message senders in flight at most.
const LOOKUPS_MAX: usize = 8;

/// Which restore is running (`restore` resolves with the answer, `asyncRestore` with
/// nothing; both with nothing in practice).
#[derive(Debug, Clone, Copy, PartialEq)]
struct RestoreCmd {
    cmd: Option<CommandId>,
    /// `asyncRestore`: its rejections carry no value.
    asynchronous: bool,
}

/// What a socket being opened is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Opening {
    Start { cmd: CommandId },
    Restore(RestoreCmd),
    Reconnect,
}

#[derive(Debug, Clone)]
struct Socket {
    id: SocketId,
    open: bool,
    purpose: Opening,
}

/// What a history page belongs to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum PageKind {
    Restore(RestoreCmd),
    History { cmd: CommandId },
}

/// What a messages fetch that follows `next` is for.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Fetch {
    /// After a reconnect: what was missed (then members, then our own state).
    CatchUp,
    /// To learn whether an unanswered send arrived (socket healthy).
    Probe,
    /// Restore without pagination: every page.
    RestoreAll(RestoreCmd),
}

/// What the members list is fetched for.
#[derive(Debug, Clone)]
enum AfterMembers {
    Page { kind: PageKind, entities: Vec<Value>, page_size: Value, has_next: bool },
    Fetched { fetch: Fetch, messages: Vec<Value>, request: RequestId },
}

/// Why our own member is looked up.
#[derive(Debug, Clone, Copy, PartialEq)]
enum MePurpose {
    AfterStart,
    Restore(RestoreCmd),
    AfterCatchUp,
}

#[derive(Debug, Clone)]
enum Pending {
    Create { cmd: CommandId },
    Me(MePurpose),
    Member { id: String, body_type: String, last: Value },
    Send,
    Typing { cmd: CommandId },
    Delete { cmd: CommandId },
    Page(PageKind),
    Messages { fetch: Fetch, acc: Vec<Value>, pages: u32 },
    Members(AfterMembers),
}

#[derive(Debug, Clone)]
struct InFlight {
    id: RequestId,
    chat: u64,
    what: Pending,
}

pub struct Session {
    cfg: GuestConfig,
    /// The nextgen controller: the bus side (sessionActive, transcript, data keys,
    /// capabilities, prefilters, typing window, sleep).
    pub(crate) ctrl: Controller,
    next_request: RequestId,
    requests: Vec<InFlight>,
    /// Bumped when a chat ends: later answers to its requests only settle commands.
    chat: u64,
    /// Configuration mistakes already named on the console.
    reported: crate::engine::diagnostics::Reported,
    // The transport.
    session_data: Map,
    customer_id: String,
    active: bool,
    restoring: bool,
    opening: bool,
    lost: bool,
    all_received: bool,
    member_lookups: u32,
    seen: SeenSet,
    presences: Option<Vec<Value>>,
    members: Map,
    agents: Map,
    clients: Map,
    cache_agents: Map,
    workflows: Map,
    /// The shared object the synthetic agent join/leave items are made from (the shipped
    /// transport reuses and changes one object).
    agent_format: Map,
    agent_typing_until: Option<Millis>,
    watchdog_at: Option<Millis>,
    socket: Option<Socket>,
    next_socket: SocketId,
    backoff: Backoff,
    reconnect_at: Option<Millis>,
    /// Message frames waiting for their sender to be known.
    held: VecDeque<Value>,
    /// Senders being looked up because a message came from them.
    looking_up: Vec<String>,
    /// Senders whose look-up failed: their messages go out without a role rather than
    /// wait (and ask) forever.
    unresolvable: VecDeque<String>,
    outbox: Outbox<String>,
    probe_at: Option<Millis>,
    /// The stream went down: messages after this id may be missing until a catch-up
    /// brings them. It only moves once a catch-up succeeded (live messages and our
    /// sends' answers move `lastMessageId` meanwhile, which would skip the gap).
    gap_after: Option<String>,
    /// A failed catch-up is tried again then (backoff), from `gap_after`.
    catch_up_at: Option<Millis>,
    catch_up_failures: u32,
    /// The restore's transcript fetch that failed transiently, tried again (`retry.rs`):
    /// `true` for the paged fetch, `false` for the whole transcript.
    restore_retry: crate::engine::retry::Retry,
    restore_again: Option<(RestoreCmd, bool)>,
    end_at: Option<Millis>,
    invalid: Option<&'static str>,
    /// The conversation whose restore failed: `verifySession` no longer offers it (the
    /// shipped one never answers after a failed restore).
    failed_restore: Option<String>,
    /// When the `LastMsgId` cookie is next written (a burst writes it once per window).
    last_id: last_id::LastIdWrite,
}

impl Session {
    /// `seed` feeds the reconnect jitter (the shell passes a random number).
    pub fn new(seed: u64) -> Self {
        Session {
            reported: Default::default(),
            cfg: config::parse(&Value::object(), &mut Vec::new()),
            ctrl: Controller::default(),
            next_request: 1,
            requests: Vec::new(),
            chat: 0,
            session_data: initial_session_data(),
            customer_id: String::new(),
            active: false,
            restoring: false,
            opening: false,
            lost: false,
            all_received: false,
            member_lookups: 0,
            seen: SeenSet::new(SEEN_KEPT),
            presences: None,
            members: Map::new(),
            agents: Map::new(),
            clients: Map::new(),
            cache_agents: Map::new(),
            workflows: Map::new(),
            agent_format: {
                let mut m = Map::new();
                m.push("type", Value::str(""));
                m.push("text", Value::str(""));
                m.push("restoring", Value::Bool(false));
                m.push("index", Value::int(0));
                m.push("timestamp", Value::int(0));
                m.push("from", obj([("type", Value::str("Agent"))]));
                m
            },
            agent_typing_until: None,
            watchdog_at: None,
            socket: None,
            next_socket: 1,
            backoff: Backoff::new(500, 15_000, seed),
            reconnect_at: None,
            held: VecDeque::new(),
            looking_up: Vec::new(),
            unresolvable: VecDeque::new(),
            outbox: Outbox::default(),
            probe_at: None,
            gap_after: None,
            catch_up_at: None,
            catch_up_failures: 0,
            restore_retry: Default::default(),
            restore_again: None,
            end_at: None,
            last_id: last_id::LastIdWrite::Idle,
            invalid: None,
            failed_restore: None,
        }
    }

    /// What the shipped loader does: `configure` through the bus (the controller then
    /// loads the transport and goes ready).
    pub fn boot(&mut self) {
        self.ctrl.out.push(Action::Command { command: "WebChatService.configure", data: CommandData::WebchatConfig });
    }

    pub fn is_active(&self) -> bool {
        self.ctrl.active
    }

    /// What this session holds, summed (see `Service::footprint`).
    pub fn footprint(&self) -> usize {
        self.requests.len()
            + self.outbox.len()
            + self.held.len()
            + self.looking_up.len()
            + self.unresolvable.len()
            + self.seen.len()
            + self.ctrl.footprint()
            + self.members.len()
            + self.agents.len()
            + self.cache_agents.len()
            + self.clients.len()
            + self.workflows.len()
            + self.presences.as_ref().map_or(0, Vec::len)
    }

    pub fn queued_actions(&self) -> usize {
        self.ctrl.out.len()
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        // The guest payloads are built with their final values; nothing is live.
        self.ctrl.out.pop().map(|(a, _)| a)
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        [self.ctrl.typing.deadline(), self.agent_typing_until, self.watchdog_at, self.reconnect_at, self.probe_at, self.catch_up_at, self.restore_retry.at, self.end_at, self.last_id.deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        if self.ctrl.typing.due(now) {
            self.ctrl.typing_stopped();
        }
        if self.agent_typing_until.is_some_and(|at| at <= now) {
            self.agent_typing_until = None;
            self.ctrl.out.publish("agentTypingTimeout", Value::Undefined);
        }
        if self.watchdog_at.is_some_and(|at| at <= now) {
            self.watchdog_at = None;
            self.watchdog_fired(now, host);
        }
        if self.reconnect_at.is_some_and(|at| at <= now) {
            self.reconnect_at = None;
            self.reconnect();
        }
        if self.probe_at.is_some_and(|at| at <= now) {
            self.probe_at = None;
            self.start_probe();
        }
        if self.catch_up_at.is_some_and(|at| at <= now) {
            self.catch_up_at = None;
            self.retry_catch_up();
        }
        if self.restore_retry.due(now) {
            match self.restore_again.take() {
                Some((r, true)) if self.active => self.next_page(PageKind::Restore(r)),
                Some((r, false)) if self.active => self.fetch_messages(Fetch::RestoreAll(r)),
                _ => {}
            }
        }
        if self.last_id.due(now) {
            self.write_last_id(host);
        }
        if self.end_at.is_some_and(|at| at <= now) {
            self.end_at = None;
            if self.active {
                self.ctrl.chat_ended(host);
                // What was held meanwhile arrives after `ended`, as with the shipped
                // transport, and is not part of the ended chat's transcript.
                self.ctrl.keep_transcript = false;
                self.member_lookups = 0;
                self.release_held(now, host);
                self.ctrl.keep_transcript = true;
                self.terminate(host);
            }
        }
    }

    fn sd(&self, key: &str) -> String {
        match self.session_data.get(key) {
            Some(v) if !v.is_nullish() => v.to_js_string(),
            _ => String::new(),
        }
    }

    /// `dataURL + path` (ids from outside data are encoded as path segments).
    fn url(&self, path: &str, query: &[(&str, String)]) -> String {
        let mut u = format!("{}{}", self.cfg.data_url, path);
        for (i, (k, v)) in query.iter().enumerate() {
            u.push(if i == 0 { '?' } else { '&' });
            u.push_str(k);
            u.push('=');
            super::output::encode_component(v, &mut u, false);
        }
        u
    }

    fn conversation_path(&self, rest: &str) -> String {
        format!("/api/v2/webchat/guest/conversations/{}{}", super::output::path_segment(&self.sd("conversationId")), rest)
    }

    fn me_path(&self, rest: &str) -> String {
        let me = super::output::path_segment(&self.sd("memberId"));
        self.conversation_path(&format!("/members/{me}{rest}"))
    }

    fn request(&mut self, method: &'static str, url: String, body: Body, auth: bool, what: Pending) -> RequestId {
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        if auth {
            headers.push(("Authorization".to_owned(), format!("Bearer {}", self.sd("jwt"))));
        }
        let timeout_ms = if method == "DELETE" { 12_000 } else { self.cfg.ajax_timeout };
        let id = self.next_request;
        self.next_request += 1;
        self.requests.push(InFlight { id, chat: self.chat, what });
        self.ctrl.out.push(Action::Http(Box::new(HttpRequest { id, method, url, headers, body, timeout_ms, with_credentials: false, read: crate::engine::output::ReadBody::Text })));
        id
    }

    /// The shipped `getMemberById(memberId)` for our own member.
    fn get_me(&mut self, purpose: MePurpose) {
        self.member_lookups += 1;
        let url = self.url(&self.me_path(""), &[]);
        self.request("GET", url, Body::None, true, Pending::Me(purpose));
    }

    fn get_members(&mut self, then: AfterMembers) {
        let url = self.url(&self.conversation_path("/members"), &[]);
        self.request("GET", url, Body::None, true, Pending::Members(then));
    }

    /// The shipped `updateSessionCookies`: values that are not set are not written.
    fn write_cookies(&mut self, host: &mut dyn Host) {
        for (name, key) in cookies::ALL {
            if let Some(v) = self.session_data.get(key).filter(|v| !v.is_nullish()) {
                host.storage_set(name, &v.to_js_string());
            }
        }
        self.last_id.written();
    }

    /// Writes the `LastMsgId` cookie with the newest message id (see [`last_id`]).
    fn write_last_id(&self, host: &mut dyn Host) {
        if let Some(Value::String(id)) = self.session_data.get("lastMessageId") {
            host.storage_set(cookies::LAST_MESSAGE, id);
        }
    }

    /// The shipped `getSessionFromCookie`.
    fn read_cookies(&mut self, host: &dyn Host) {
        for (name, key) in cookies::ALL {
            let v = host.storage_get(name).map(Value::String).unwrap_or(Value::Undefined);
            self.session_data.insert(key, v);
        }
        self.customer_id = self.sd("memberId");
    }

    fn publish_error(&mut self, error: Value) {
        self.ctrl.out.publish("error", obj([("errors", Value::Array(vec![error]))]));
    }

    /// The shipped `handleError`: `{code: errorReason || prefix + body.status, response}`.
    fn handle_error(&mut self, x: &Value) {
        let body = match x.get("responseJSON") {
            v if v.truthy() => v.clone(),
            _ => x.get("responseText").as_str().and_then(|t| super::json::parse(t).ok()).unwrap_or(Value::object()),
        };
        let status = body.get("status");
        let code = match x.get("errorReason") {
            v if v.truthy() => v.clone(),
            _ if status.truthy() => Value::String(format!("{}-{}", config::TRANSPORT, status.to_js_string())),
            _ => Value::str(""),
        };
        self.publish_error(obj([("code", code), ("response", x.clone())]));
    }

    fn seen_before(&mut self, id: &Value) -> bool {
        !self.seen.insert(&id.to_js_string())
    }

    /// The shipped `terminateChatSession`, plus (deliberately) closing the socket and
    /// settling what waited for it.
    fn terminate(&mut self, host: &mut dyn Host) {
        for (name, _) in cookies::ALL {
            host.storage_remove(name);
        }
        self.active = false;
        if let Some(s) = self.socket.take() {
            self.ctrl.out.push(Action::SocketClose { id: s.id });
        }
        self.watchdog_at = None;
        self.reconnect_at = None;
        self.agent_typing_until = None;
        self.agents = Map::new();
        self.clients = Map::new();
        self.workflows = Map::new();
        self.session_data = Map::new();
        self.all_received = false;
        self.opening = false;
        self.member_lookups = 0;
        self.looking_up.clear();
        self.held.clear();
        self.probe_at = None;
        self.gap_after = None;
        self.catch_up_at = None;
        self.catch_up_failures = 0;
        // A restore waiting to be tried again holds its command: it settles here.
        if let Some((r, _)) = self.restore_again.take().filter(|_| self.restore_retry.at.is_some()) {
            self.restore_reject(r, super::texts::NO_CONVERSATION_STATE);
        }
        self.restore_retry.reset();
        self.end_at = None;
        self.last_id = last_id::LastIdWrite::Idle;
        self.lost = false;
        self.restoring = false;
        self.ctrl.answer_verify(false);
        self.chat += 1;
        for m in self.outbox.drain() {
            self.ctrl.out.reject_text(m.cmd, super::texts::NO_ACTIVE_SESSION_DOT);
        }
    }
}

fn initial_session_data() -> Map {
    let mut m = Map::new();
    for k in ["jwt", "conversationId", "memberId", "displayName", "WebSocketUrl", "nextMsgURL", "lastMessageId"] {
        m.push(k, Value::str(""));
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_session_has_the_shipped_session_data() {
        let s = Session::new(1);
        assert_eq!(Value::Object(s.session_data.clone()).write(), r#"{"jwt":"","conversationId":"","memberId":"","displayName":"","WebSocketUrl":"","nextMsgURL":"","lastMessageId":""}"#);
        assert!(!s.ctrl.capabilities.is_empty());
    }
}
