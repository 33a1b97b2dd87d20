//! A Nexus v3 chat: the shipped nextgen controller with its `pureengage-v3-rest`
//! transport, step for step. As with guest chat, the controller (what the bus sees as
//! `sessionActive`, the transcript, the visitor's typing window) and the transport (the
//! session data, the poll loop, the cookies) keep their own flags.
//!
//! Async mode (`transport.async`) hands the client key to the integrator's functions
//! instead of the keys cookie (`StorageCall`, `Host::stored_token`); history pages pause
//! the poll loop and resume it from the last index seen; one poll at a time across the
//! page's tabs, through the shipped `localStorage` flag.

use crate::engine::nextgen::controller::Controller;
use super::config::NexusConfig;
use super::cookies;
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::outbox::Outbox;
use crate::engine::output::{Action, Body, CommandData, HttpRequest, ReadBody, StorageCall, STORED_CLIENT_KEY};
use crate::engine::seen::SeenSet;
use crate::engine::{CommandId, Millis, RequestId};

/// How long the agent's typing indicator lasts without news.
pub(super) const AGENT_TYPING_MS: Millis = 3000;
/// Indexes kept for de-duplication (a bounded window).
const SEEN_KEPT: usize = 20_000;
/// Polls refused in a row because the cross-tab flag says another tab polls, before the
/// flag is taken as left over by a tab that closed mid-poll.
const STALE_FLAG_REFUSALS: u8 = 3;
/// The deadline of requests the shipped transport sends without one (uploads, the
/// leave): long enough for a large image on a slow line, short of forever.
const LONG_DEADLINE_MS: Millis = 60_000;
/// The header the client key travels in.
pub(super) const CLIENT_KEY: &str = "x-nexus-client-key";

/// What an in-flight request is for.
#[derive(Debug, Clone)]
pub(super) enum Pending {
    Create { cmd: CommandId },
    /// Async restore: the create again, with the stored token as the client key.
    Recreate,
    /// `restore` resolves with the answer; `asyncRestore` already resolved. `recreated`:
    /// the page after a [`Pending::Recreate`].
    Restore { cmd: Option<CommandId>, recreated: bool },
    /// `fetchHistory`: one page of older messages.
    History { cmd: CommandId },
    Poll { cmd: Option<CommandId> },
    /// The outbox head's send (the outbox knows its command).
    Send,
    Typing { cmd: Option<CommandId> },
    UserData { cmd: CommandId },
    Leave { cmd: CommandId },
    /// `sendFile`: an image to `…/images` (the answer is read as text, as shipped).
    Image { cmd: CommandId },
    /// An image of a received message, read as a data URL.
    Attachment { batch: u64, slot: usize, item: usize },
}

#[derive(Debug, Clone)]
pub(super) struct InFlight {
    pub id: RequestId,
    pub chat: u64,
    pub what: Pending,
}

/// The transport's poll loop: one poll at a time, the next one `interval` after the
/// answer (`pollTimeout`, grown by the multiplier after an error other than 429).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum PollLoop {
    Off,
    /// The next poll is due at this time.
    Waiting { at: Millis },
    /// A poll is on its way.
    InFlight,
    /// `pausePoll` (a history page is on its way, or the page sleeps): no poll until
    /// `continuePoll`, which polls from the last index seen.
    Paused,
}

pub struct Session {
    pub(super) cfg: NexusConfig,
    pub(super) next_request: RequestId,
    pub(super) requests: Vec<InFlight>,
    /// Bumped when a chat ends: later answers to its requests only settle commands.
    pub(super) chat: u64,
    /// Configuration mistakes already named on the console.
    pub(super) reported: crate::engine::diagnostics::Reported,
    /// The nextgen controller: the bus side (sessionActive, transcript, data keys,
    /// capabilities, prefilters, typing window, sleep).
    pub(crate) ctrl: Controller,
    /// A configure named another transport type: every command rejects with this.
    pub(super) invalid: Option<&'static str>,
    // The transport.
    /// `oSessionData`: the token's payload, plus `token` once a chat started.
    pub(super) session_data: Map,
    /// The keys cookie was read and absent: `getSessionData` answers `""` (the shipped
    /// `decodeJWTToken` of nothing) until a chat starts or ends.
    pub(super) session_data_missing: bool,
    pub(super) active: bool,
    pub(super) restoring: bool,
    pub(super) disconnected: bool,
    pub(super) poll: PollLoop,
    pub(super) poll_interval: Millis,
    pub(super) poll_error: bool,
    /// A poll was planned after an answer since the last start, stop or pause (the
    /// shipped `fPollTimeout`): only then does stopping publish `pollingStopped`.
    pub(super) poll_armed: bool,
    pub(super) seen: SeenSet,
    /// The transport's `index` (the last message's sanitised index, the number 0 before
    /// one) and `originalIndex` (as the server wrote it): what the integrator is given
    /// and where a resumed poll starts.
    pub(super) index: Value,
    pub(super) original_index: Value,
    /// `previousStartIndex`: the oldest index of the last restore or history page (falsy
    /// before one), and whether the server said there is nothing older.
    pub(super) previous_start: Value,
    pub(super) all_received: bool,
    /// The server answered a history page as if it had no `index` (nothing older than
    /// what is shown): later pages are asked for by a growing `count`.
    pub(super) history_by_count: bool,
    /// The time of the input being handled (a refused poll is retried from it).
    pub(super) clock: Millis,
    pub(super) flag_refusals: u8,
    pub(super) agents: Map,
    pub(super) agent_typing_until: Option<Millis>,
    /// Deliberate (README): the visitor's messages go out one at a time, in order; while
    /// the connection is down they wait (the shipped one resolves `{statusCode: 1}` and
    /// drops them); a send that got no answer is sent again only when a later poll shows
    /// it did not arrive. The meta is the message's `data[type]` and its `operationId`.
    pub(super) outbox: Outbox<(Value, String)>,
    /// The last poll failed: the next one asks from the last index this page has seen,
    /// since a lost answer may have moved the server's cursor past messages never shown.
    pub(super) resume_from_own: bool,
    /// Async mode: the integrator's stored client key belongs to a chat that ended on
    /// this page (the shipped transport keeps sending it, and every later start is
    /// refused with 401 until a reload). Cleared when a new chat's key is handed over.
    pub(super) stored_key_ended: bool,
    /// The restore's last request (the re-create or the page), sent again after a
    /// transient failure (`retry.rs`) instead of giving the chat up.
    pub(super) restore_request: Option<(HttpRequest, Pending)>,
    pub(super) restore_retry: crate::engine::retry::Retry,
    /// Answers whose messages wait for their images, and the last batch number.
    pub(super) batches: Vec<super::answers::Published>,
    pub(super) next_batch: u64,
}

impl Session {
    pub fn new() -> Self {
        Session {
            cfg: super::config::parse(&Value::object()),
            next_request: 1,
            requests: Vec::new(),
            chat: 0,
            reported: Default::default(),
            ctrl: Controller::default(),
            invalid: None,
            session_data: Map::new(),
            session_data_missing: false,
            active: false,
            restoring: false,
            disconnected: false,
            poll: PollLoop::Off,
            poll_interval: 3000,
            poll_error: false,
            poll_armed: false,
            seen: SeenSet::new(SEEN_KEPT),
            index: Value::int(0),
            original_index: Value::int(0),
            previous_start: Value::int(0),
            all_received: false,
            history_by_count: false,
            clock: 0,
            flag_refusals: 0,
            agents: Map::new(),
            agent_typing_until: None,
            outbox: Outbox::default(),
            resume_from_own: false,
            stored_key_ended: false,
            restore_request: None,
            restore_retry: Default::default(),
            batches: Vec::new(),
            next_batch: 0,
        }
    }

    /// What the shipped loader does: `configure` through the bus.
    pub fn boot(&mut self) {
        self.ctrl.out.push(Action::Command { command: "WebChatService.configure", data: CommandData::WebchatConfig });
    }

    pub fn is_active(&self) -> bool {
        self.ctrl.active
    }

    /// What this session holds, summed (see `Service::footprint`).
    pub fn footprint(&self) -> usize {
        self.requests.len() + self.seen.len() + self.ctrl.footprint() + self.agents.len() + self.outbox.len() + self.batches.len()
    }

    pub fn queued_actions(&self) -> usize {
        self.ctrl.out.len()
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        let (mut action, live) = self.ctrl.out.pop()?;
        if let Some(live) = live {
            crate::engine::emitter::fill(&mut action, live, &Value::Object(self.agents.clone()));
        }
        Some(action)
    }

    /// The earliest time the engine needs a wake-up.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let poll = match self.poll {
            PollLoop::Waiting { at } => Some(at),
            _ => None,
        };
        [poll, self.ctrl.typing.deadline(), self.agent_typing_until, self.restore_retry.at].into_iter().flatten().min()
    }

    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        self.clock = now;
        if self.ctrl.typing.due(now) {
            self.ctrl.typing.close();
            // The controller's window closed: the transport sends TypingStopped.
            self.send_typing_request("TypingStopped", host, None);
            self.ctrl.out.publish("clientTypingStopped", Value::Undefined);
        }
        if self.agent_typing_until.is_some_and(|at| at <= now) {
            self.agent_typing_until = None;
            self.ctrl.out.publish("agentTypingTimeout", Value::Undefined);
        }
        if let PollLoop::Waiting { at } = self.poll {
            if at <= now {
                self.poll_now(None, None, host);
            }
        }
        if self.restore_retry.due(now) && self.restoring {
            if let Some((mut req, what)) = self.restore_request.clone() {
                req.id = self.next_request;
                self.next_request += 1;
                self.requests.push(InFlight { id: req.id, chat: self.chat, what });
                self.ctrl.out.push(Action::Http(Box::new(req)));
            }
        }
    }

    pub(super) fn sd(&self, key: &str) -> String {
        match self.session_data.get(key) {
            Some(Value::String(s)) => s.clone(),
            Some(v) if !v.is_nullish() => v.to_js_string(),
            _ => "undefined".into(),
        }
    }

    pub(super) fn url(&self, rest: &str, query: &[(&str, String)]) -> String {
        let mut u = self.cfg.data_url.clone().unwrap_or_else(|| "undefined".into());
        u.push_str(rest);
        for (i, (k, v)) in query.iter().enumerate() {
            u.push(if i == 0 { '?' } else { '&' });
            u.push_str(k);
            u.push('=');
            crate::engine::output::encode_component(v, &mut u, false);
        }
        u
    }

    /// `{S}/{sessionId}` + `rest`.
    pub(super) fn session_url(&self, rest: &str, query: &[(&str, String)]) -> String {
        let path = format!("/{}{rest}", crate::engine::output::path_segment(&self.sd("sessionId")));
        self.url(&path, query)
    }

    /// The shipped `getHeaders`: the configured headers plus the client key, from the
    /// integrator in async mode, else from its cookie (or, where cookies do not work, the
    /// one this page got).
    pub(super) fn headers(&mut self, host: &dyn Host) -> Vec<(String, String)> {
        let key = if self.uses_storage() {
            self.ask_stored_key();
            STORED_CLIENT_KEY.to_owned()
        } else {
            host.storage_get(cookies::KEYS).or_else(|| self.session_data.get("token").and_then(Value::as_str).map(str::to_owned)).unwrap_or_default()
        };
        self.configured_headers_with_key(key)
    }

    /// The configured headers with this client key in place of any configured one.
    pub(super) fn configured_headers_with_key(&self, key: String) -> Vec<(String, String)> {
        let mut h: Vec<(String, String)> = self.configured_headers().into_iter().filter(|(k, _)| !k.eq_ignore_ascii_case(CLIENT_KEY)).collect();
        h.push((CLIENT_KEY.into(), key));
        h
    }

    /// Async mode with the integrator's `setSessionData` and `getSessionData`.
    ///
    /// Deliberate (README): `async.enabled` without them keeps the cookies (the shipped
    /// transport calls the missing function and throws on every request).
    pub(super) fn uses_storage(&self) -> bool {
        self.cfg.async_mode && self.cfg.callbacks.open_and_save
    }

    /// The shipped `getCustomerToken` as a request needs it: `capabilitiesChanged`, then
    /// `setSessionData`, whose token the shell puts on the request that follows.
    pub(super) fn ask_stored_key(&mut self) {
        self.ctrl.publish_capabilities();
        self.ctrl.out.push(Action::Storage(StorageCall::Open));
    }

    /// `getCustomerToken` where its answer decides what happens next.
    pub(super) fn stored_token(&mut self, host: &mut dyn Host) -> Option<String> {
        self.ctrl.publish_capabilities();
        host.stored_token().filter(|t| !t.is_empty())
    }

    /// The shipped `updateCustomerToken`: the integrator's `getSessionData` gets the
    /// token and the last index, when there is a token.
    pub(super) fn save_stored_session(&mut self) {
        if let Some(token) = self.session_data.get("token").filter(|t| t.truthy()).cloned() {
            let data = obj([("messageIndex", self.index.clone()), ("token", token)]);
            self.ctrl.out.push(Action::Storage(StorageCall::Save(data)));
        }
    }

    /// The shipped `updateSessionCookies` after a create: the token to the integrator or
    /// the keys cookie, the session id to its cookie.
    pub(super) fn keep_session(&mut self, host: &mut dyn Host) {
        if self.uses_storage() {
            self.stored_key_ended = false;
            self.save_stored_session();
        } else {
            host.storage_set(cookies::KEYS, &self.sd("token"));
        }
        host.storage_set(cookies::SESSION, &self.sd("sessionId"));
    }

    /// `transport.headers` as sent (null and undefined values left out).
    pub(super) fn configured_headers(&self) -> Vec<(String, String)> {
        self.cfg.headers.iter().filter(|(_, v)| !v.is_nullish()).map(|(k, v)| (k.clone(), v.to_js_string())).collect()
    }

    pub(super) fn request(&mut self, method: &'static str, url: String, headers: Vec<(String, String)>, body: Body, timeout: bool, what: Pending) -> RequestId {
        self.request_as(method, url, headers, body, timeout, what, ReadBody::Text)
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn request_as(&mut self, method: &'static str, url: String, headers: Vec<(String, String)>, body: Body, timeout: bool, what: Pending, read: ReadBody) -> RequestId {
        let mut headers = headers;
        if matches!(body, Body::Form(_)) {
            headers.push(("Content-Type".into(), "application/x-www-form-urlencoded; charset=UTF-8".into()));
        }
        let id = self.next_request;
        self.next_request += 1;
        // Every request has a deadline: uploads and the leave get a long one.
        let timeout_ms = if timeout { self.cfg.ajax_timeout_ms } else { LONG_DEADLINE_MS.max(self.cfg.ajax_timeout_ms) };
        let req = HttpRequest { id, method, url, headers, body, timeout_ms, with_credentials: false, read };
        if matches!(what, Pending::Recreate | Pending::Restore { .. }) {
            self.restore_request = Some((req.clone(), what.clone()));
            self.restore_retry.reset();
        }
        self.requests.push(InFlight { id, chat: self.chat, what });
        self.ctrl.out.push(Action::Http(Box::new(req)));
        id
    }

    /// An `operationId`: a random-looking hex string shaped as the shipped `guid()`'s
    /// (10-5-5-5-15 digits; its value means nothing to the server but tracing).
    pub(super) fn operation_id(&self) -> String {
        let mut x = (self.next_request.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ self.chat.wrapping_mul(0xbf58_476d_1ce4_e5b9)) | 1;
        let mut s = String::with_capacity(44);
        for i in 0..40 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            if matches!(i, 10 | 15 | 20 | 25) {
                s.push('-');
            }
            s.push(char::from(b"0123456789abcdef"[(x & 15) as usize]));
        }
        s
    }

    /// The shipped `poll()`: `pollingStarted`, then the GET (`index` when resuming), one
    /// at a time across tabs.
    ///
    /// Deliberate (README): while the cross-tab flag says another tab polls, this one
    /// tries again after the interval (the shipped loop stops for good), and a flag still
    /// set after [`STALE_FLAG_REFUSALS`] tries is taken as left by a closed tab. When
    /// another tab has taken messages this one has not seen (the shared index cookie is
    /// ahead of its own), the poll asks from its own last index, so no tab misses any.
    pub(super) fn poll_now(&mut self, cmd: Option<CommandId>, index: Option<String>, host: &mut dyn Host) {
        let busy = host.poll_flag().is_some_and(|f| f != "false");
        if busy && self.flag_refusals < STALE_FLAG_REFUSALS {
            self.flag_refusals += 1;
            self.poll = PollLoop::Waiting { at: self.clock.saturating_add(self.cfg.poll_timeout_ms) };
            if let Some(c) = cmd {
                self.ctrl.out.reject_text(c, crate::engine::texts::POLL_IN_FLIGHT_DOT);
            }
            return;
        }
        self.flag_refusals = 0;
        host.set_poll_flag("true");
        self.poll = PollLoop::InFlight;
        self.ctrl.out.publish("pollingStarted", Value::Undefined);
        let own = (self.resume_from_own && self.original_index.truthy()).then(|| self.original_index.to_js_string());
        let index = index.or(own).or_else(|| self.behind_other_tab(host));
        let mut q = vec![("operationId", self.operation_id())];
        if let Some(i) = index {
            q.push(("index", i));
        }
        let url = self.session_url("/messages", &q);
        let headers = self.headers(host);
        // Deliberate: a poll has the ajax deadline too (the shipped one has none, and a
        // poll the server never answers stops the chat for good).
        self.request("GET", url, headers, Body::None, true, Pending::Poll { cmd });
    }

    /// The raw index to resume from when the index cookie (written by every tab of this
    /// session) is ahead of the last index this page has seen.
    fn behind_other_tab(&self, host: &dyn Host) -> Option<String> {
        let number = |s: &str| crate::engine::json::js_decimal(s);
        let shared = host.storage_get(cookies::INDEX).and_then(|s| number(&s))?;
        let own = number(&self.index.to_js_string())?;
        (shared > own && self.original_index.truthy()).then(|| self.original_index.to_js_string())
    }

    /// The shipped `pausePoll`: no timer, the poll on its way abandoned (its command
    /// rejects), `sleeping` with `sleepEnabled`.
    pub(super) fn pause_poll(&mut self, host: &mut dyn Host) {
        if self.poll == PollLoop::InFlight {
            host.set_poll_flag("false");
            if let Some(at) = self.requests.iter().position(|r| matches!(r.what, Pending::Poll { .. })) {
                if let Pending::Poll { cmd: Some(c) } = self.requests.remove(at).what {
                    self.ctrl.out.reject(c, Value::Undefined);
                }
            }
        }
        self.poll = PollLoop::Paused;
        self.poll_armed = false;
        self.poll_error = false;
        self.poll_interval = self.cfg.poll_timeout_ms;
        if self.ctrl.sleep_enabled {
            self.ctrl.out.publish("sleeping", Value::Undefined);
        }
    }

    /// The shipped `continuePoll`: after a pause, a poll from the last index seen, then
    /// `waking`.
    pub(super) fn continue_poll(&mut self, host: &mut dyn Host) {
        if self.poll != PollLoop::Paused {
            return;
        }
        self.poll = PollLoop::Off;
        host.set_poll_flag("false");
        if self.active {
            let index = self.original_index.truthy().then(|| self.original_index.to_js_string());
            self.poll_now(None, index, host);
        }
        self.ctrl.out.publish("waking", Value::Undefined);
    }

    /// The shipped `_longPoll`: the next poll after the interval.
    pub(super) fn schedule_poll(&mut self, now: Millis) {
        if matches!(self.poll, PollLoop::Off | PollLoop::Paused) {
            return;
        }
        self.poll_interval = if self.poll_error { ((self.poll_interval as f64) * self.cfg.poll_multiplier) as Millis } else { self.cfg.poll_timeout_ms };
        self.poll_interval = self.poll_interval.clamp(100, 2_147_483_647);
        self.poll = PollLoop::Waiting { at: now.saturating_add(self.poll_interval) };
        self.poll_armed = true;
    }

    /// The shipped `stopPoll`: the cross-tab flag cleared, `pollingStopped` when a poll
    /// loop ran and a next poll had been planned (not on the first poll of a start,
    /// restore or resume; not while paused: the shipped one then answers "Not currently
    /// polling").
    pub(super) fn stop_poll(&mut self, host: &mut dyn Host) -> bool {
        host.set_poll_flag("false");
        if matches!(self.poll, PollLoop::Off | PollLoop::Paused) {
            return false;
        }
        self.poll = PollLoop::Off;
        self.poll_error = false;
        self.poll_interval = self.cfg.poll_timeout_ms;
        if std::mem::take(&mut self.poll_armed) {
            self.ctrl.out.publish("pollingStopped", Value::Undefined);
        }
        true
    }

    /// A typing request (`TypingStarted` / `TypingStopped`) with the preview input's text.
    pub(super) fn send_typing_request(&mut self, kind: &str, host: &mut dyn Host, cmd: Option<CommandId>) -> bool {
        if !self.active {
            return false;
        }
        let text = host.preview_text().unwrap_or_default();
        let body = Body::Form(vec![("operationId".into(), self.operation_id()), ("data[type]".into(), kind.into()), ("data[text]".into(), text)]);
        let url = self.session_url("/messages", &[]);
        let headers = self.headers(&*host);
        self.request("POST", url, headers, body, true, Pending::Typing { cmd });
        true
    }

    /// The shipped `fetchSessionAndRestoringInfo().bSessionValid`.
    pub(super) fn session_valid(&self) -> bool {
        let has = |k: &str| self.session_data.get(k).is_some_and(|v| v.truthy());
        has("sessionId") && has("participantId")
    }

    /// The shipped `terminateChatSession`: cookies removed, polling stopped, the session
    /// forgotten. Held sends cannot go anywhere now: they reject.
    pub(super) fn terminate(&mut self, host: &mut dyn Host) {
        for name in [cookies::SESSION, cookies::KEYS, cookies::INDEX] {
            host.storage_remove(name);
        }
        self.stop_poll(host);
        // Deliberate: a pause ends with the chat (the shipped one keeps it, and the next
        // chat on the page never polls).
        self.poll = PollLoop::Off;
        self.previous_start = Value::int(0);
        self.all_received = false;
        self.history_by_count = false;
        self.active = false;
        self.session_data = Map::new();
        self.session_data_missing = false;
        // Events already published keep the agents object they were given.
        self.ctrl.out.freeze(crate::engine::emitter::Live::Agents, &Value::Object(std::mem::take(&mut self.agents)));
        self.seen = SeenSet::new(SEEN_KEPT);
        self.agent_typing_until = None;
        self.batches.clear();
        self.chat += 1;
        self.resume_from_own = false;
        self.stored_key_ended = true;
        // A restore waiting to be tried again must not run for the ended chat; its
        // command settles here.
        if let Some((_, Pending::Restore { cmd: Some(c), .. })) = self.restore_request.take().filter(|_| self.restore_retry.at.is_some()) {
            self.ctrl.out.reject_text(c, crate::engine::texts::NOTHING_TO_RESTORE);
        }
        self.restore_retry.reset();
        for m in self.outbox.drain() {
            self.ctrl.out.reject_text(m.cmd, crate::engine::texts::NO_ACTIVE_SESSION_DOT);
        }
    }

    /// Sends the outbox head when the connection is up and nothing before it is unsettled.
    pub(super) fn pump_outbox(&mut self, host: &mut dyn Host) {
        if !self.active || self.disconnected || self.outbox.uncertain() {
            return;
        }
        let Some(head) = self.outbox.ready() else { return };
        let ((kind, op), text) = (head.meta.clone(), Value::String(head.text.clone()));
        let rid = self.post_message(kind, text, op, host);
        self.outbox.sent(rid);
    }

    pub(super) fn publish_error(&mut self, error: Value) {
        self.ctrl.out.publish("error", obj([("errors", Value::Array(vec![error]))]));
    }
}

impl Default for Session {
    fn default() -> Self {
        Session::new()
    }
}
