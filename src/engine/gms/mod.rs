//! The GMS Chat API v2 session: the shipped "legacy controller", step for step.
//!
//! The shipped controller is a set of flags (`active`, `restoring`, `disconnected`,
//! `offline`, ...) changed by command handlers and request callbacks. This module keeps
//! the same observable state and does, at each input, what the shipped code does at that
//! point, in the same order, so that a page sees the same events, data changes, bus
//! commands and settlements. The deliberate improvements (README, compatibility table)
//! are marked where they are made.
//!
//! Inputs: `handle_command`, `handle_http`, `handle_timeout`, `handle_page`.
//! Outputs: `poll_action` (in order) and `poll_timeout`.

mod answers;
mod commands;
pub mod config;
pub mod ingest;
pub mod poller;
pub mod transcript;

use super::emitter::{Emitter, Live};
use super::filter::FilterSet;
use super::host::Host;
use super::json::{obj, Map, Value};
use super::outbox::Outbox;
use super::output::{Action, Body, HttpRequest, LogLevel};
use super::typing::TypingWindow;
use super::{keys, CommandId, Millis, RequestId};
use config::Config;
use poller::Poller;
use transcript::Transcript;

/// How long another tab's chat-start lock blocks a start, and how often ours is refreshed.
const START_LOCK_MS: Millis = 2000;
const START_LOCK_REFRESH_MS: Millis = 500;
/// The name private commands compare the commander with.
pub const OWN_NAME: &str = "WebChatService";

/// The identifiers of the chat (`getSessionData`, `started`, the `sessionData` data key).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ids {
    pub session_id: String,
    pub user_id: String,
    pub secure_key: String,
    pub alias: String,
}

impl Ids {
    pub fn to_value(&self) -> Value {
        obj([
            ("sessionID", Value::str(self.session_id.as_str())),
            ("userId", Value::str(self.user_id.as_str())),
            ("secureKey", Value::str(self.secure_key.as_str())),
            ("alias", Value::str(self.alias.as_str())),
        ])
    }
    /// The fields every request carries, in the shipped order.
    pub fn fields(&self) -> Vec<(String, String)> {
        vec![
            ("alias".into(), self.alias.clone()),
            ("secureKey".into(), self.secure_key.clone()),
            ("userId".into(), self.user_id.clone()),
        ]
    }
    /// The keys cookie: `{"secureKey":…,"alias":…,"userId":…}`, in the shipped order.
    pub fn keys_cookie(&self) -> String {
        obj([
            ("secureKey", Value::str(self.secure_key.as_str())),
            ("alias", Value::str(self.alias.as_str())),
            ("userId", Value::str(self.user_id.as_str())),
        ])
        .write()
    }
}

/// What an in-flight request is for, so that its answer settles the right thing.
#[derive(Debug, Clone)]
enum Pending {
    Start { cmd: CommandId },
    Restore { cmd: Option<CommandId> },
    /// `cmd` is set for a `poll` command; internal polls have none.
    Poll { cmd: Option<CommandId> },
    /// A refresh to learn whether an unanswered send arrived, while polling is stopped.
    Probe,
    Send,
    StartTyping { cmd: CommandId },
    StopTyping,
    /// Answered by resolving or rejecting with the answer (customNotice, updateData, ...).
    Plain { cmd: Option<CommandId> },
    FileLimits { cmd: CommandId },
    /// `sendFile`: the file's name goes into the error payloads of a failed upload.
    Upload { cmd: CommandId, name: String },
    Disconnect { cmd: CommandId },
}

/// A request and the chat it belongs to: answers to an earlier chat's requests must not
/// change the next chat (they only settle their command).
#[derive(Debug, Clone)]
struct InFlight {
    id: RequestId,
    chat: u64,
    what: Pending,
}

/// The typing window and the fields its `startTyping` was sent with (the shipped
/// `stopTyping` re-sends the same object, with the text re-read).
#[derive(Debug, Clone, Default)]
struct Typing {
    window: TypingWindow,
    message: Value,
    fields: Vec<(String, String)>,
}

/// A restore's refresh to send again: the command it settles and its fields.
type RestoreAgain = (Option<CommandId>, Vec<(String, String)>);

/// The deadline of a request configured with none (`ajaxTimeout: 0`).
const NO_DEADLINE_MS: u64 = 60_000;
/// The deadline of an upload configured with none (the default `fileUploadTimeout`).
const NO_DEADLINE_UPLOAD_MS: u64 = 300_000;

pub struct Session {
    cfg: Config,
    pub(crate) out: Emitter,
    next_request: RequestId,
    requests: Vec<InFlight>,
    /// Bumped whenever the chat state is reset (the shipped `Le`).
    chat: u64,
    /// Configuration mistakes already named on the console.
    reported: crate::engine::diagnostics::Reported,
    ids: Ids,
    /// The `sessionData` data key was set once: the shipped plugin passes the same object
    /// each time, so the bus publishes it only the first time.
    session_data_set: bool,
    /// `sessionActive`.
    active: bool,
    /// A restore's refresh is in flight.
    restoring: bool,
    /// A restore found the chat ended: the shipped controller ignores every request and
    /// answer until the next `startChat`.
    killed: bool,
    /// A request got no answer; cleared by the next answer.
    disconnected: bool,
    /// A poll said the chat server is offline (statusCode 1).
    offline: bool,
    offline_polls: u32,
    /// No poll answered yet on this page (or since the last chat): the restoreTimeout
    /// check applies only then.
    first_load: bool,
    /// A disconnect was answered on this page (until `WebChat.closed`): from then on the
    /// shipped plugin no longer publishes `error` for ended-with-errors answers.
    disconnect_answered: bool,
    poller: Poller,
    transcript: Transcript,
    /// The last ended chat's transcript, for `getTranscript` until `WebChat.closed`.
    saved: (Vec<Value>, Vec<Value>),
    typing: Typing,
    filters: FilterSet,
    /// The `userData` data key as the bus holds it.
    user_data: Map,
    /// `App.language`, sent as `GCTI_LanguageCode`.
    language: Value,
    sleeping: bool,
    start_lock_refresh: Option<Millis>,
    verify_waiters: Vec<CommandId>,
    outbox: Outbox<Vec<(String, String)>>,
    /// When a refresh is due to check an unanswered send while polling is stopped.
    probe_at: Option<Millis>,
    /// A restore's refresh that failed transiently is sent again (`retry.rs`), with these
    /// fields, for this command.
    restore_retry: crate::engine::retry::Retry,
    restore_again: Option<RestoreAgain>,
    /// Whether our own session cookie reads back (cross-tab end detection needs it).
    cookies_work: bool,
    async_mode: bool,
}

impl Session {
    pub fn new(seed: u64) -> Self {
        Session {
            reported: Default::default(),
            cfg: Config::default(),
            out: Emitter::default(),
            next_request: 1,
            requests: Vec::new(),
            chat: 0,
            ids: Ids::default(),
            session_data_set: false,
            active: false,
            restoring: false,
            killed: false,
            disconnected: false,
            offline: false,
            offline_polls: 0,
            first_load: true,
            disconnect_answered: false,
            poller: Poller::new(seed),
            transcript: Transcript::default(),
            saved: (Vec::new(), Vec::new()),
            typing: Typing::default(),
            filters: FilterSet::default(),
            user_data: Map::new(),
            language: Value::Undefined,
            sleeping: false,
            start_lock_refresh: None,
            verify_waiters: Vec::new(),
            outbox: Outbox::default(),
            probe_at: None,
            restore_retry: Default::default(),
            restore_again: None,
            cookies_work: false,
            async_mode: false,
        }
    }

    /// What the shipped module does when it loads: the `sleeping` and `sessionActive`
    /// data keys, the saved filters, then `configure` through the bus and `ready`.
    pub fn boot(&mut self, host: &mut dyn Host) {
        self.out.data("sleeping", Value::Bool(false));
        self.out.data("sessionActive", Value::Bool(false));
        super::prefilters::sync_from_cookie(&mut self.out, &mut self.filters, host);
        self.out.push(Action::Command { command: "WebChatService.configure", data: super::output::CommandData::WebchatConfig });
        self.out.push(Action::Ready);
    }

    pub fn is_active(&self) -> bool {
        self.active
    }

    /// What this session holds, summed (see `Service::footprint`).
    pub fn footprint(&self) -> usize {
        self.requests.len()
            + self.outbox.len()
            + self.verify_waiters.len()
            + self.transcript.messages.len()
            + self.transcript.seen_len()
            + self.transcript.agents.len()
            + self.saved.0.len()
            + self.filters.custom_len()
            + self.out.len()
    }

    /// The next output, in the order the shipped plugin would produce them.
    pub fn queued_actions(&self) -> usize {
        self.out.len()
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        let (mut action, live) = self.out.pop()?;
        if let Some(live) = live {
            let value = match live {
                Live::Agents => Value::Object(self.transcript.agents.clone()),
                Live::SessionData => self.ids.to_value(),
            };
            super::emitter::fill(&mut action, live, &value);
        }
        Some(action)
    }

    /// The one deadline at which `handle_timeout` must run next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let poll = if self.active { self.poller.next_due(self.sleeping, &self.cfg) } else { None };
        [poll, self.typing.window.deadline(), self.start_lock_refresh, self.probe_at, self.restore_retry.at].into_iter().flatten().min()
    }

    /// Runs whatever is due at `now`: the start lock, the end of a typing window, a poll,
    /// a check on an unanswered send.
    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        if let Some(at) = self.start_lock_refresh {
            if at <= now {
                host.storage_set(keys::START_LOCK, &now.to_string());
                self.start_lock_refresh = Some(now.saturating_add(START_LOCK_REFRESH_MS));
            }
        }
        if self.typing.window.due(now) {
            self.typing.window.close();
            let mut fields = std::mem::take(&mut self.typing.fields);
            let text = self.typing_text(host);
            if let Some(slot) = fields.iter_mut().find(|(k, _)| k == "message") {
                slot.1 = text;
            }
            self.request("stopTyping", fields, Pending::StopTyping, host);
            self.out.publish("clientTypingStopped", Value::Undefined);
        }
        if self.active {
            if let Some(due) = self.poller.next_due(self.sleeping, &self.cfg) {
                if due <= now {
                    self.send_poll(None, now, host);
                }
            }
        }
        if let Some(at) = self.probe_at {
            if at <= now {
                self.probe_at = None;
                self.probe(host);
            }
        }
        if self.restore_retry.due(now) {
            if let Some((cmd, fields)) = self.restore_again.take().filter(|_| self.restoring) {
                self.restore_again = Some((None, fields.clone()));
                if self.request("refresh", fields, Pending::Restore { cmd }, host).is_none() {
                    self.restoring = false;
                    self.out.reply(cmd, crate::engine::output::Outcome::reject_text(super::texts::NOTHING_TO_RESTORE));
                }
            }
        }
    }

    /// The shipped `Se`: every request carries alias, secureKey and userId first. While a
    /// chat is active and another tab has ended it (our session cookie is gone), the chat
    /// ends here instead and nothing is sent. After a restore found the chat ended,
    /// nothing is sent at all. `None` when nothing was sent.
    fn request(&mut self, op: &str, extra: Vec<(String, String)>, what: Pending, host: &mut dyn Host) -> Option<RequestId> {
        let mut fields = self.ids.fields();
        for (k, v) in extra {
            // The identifiers given by the caller replace ours (restore passes the
            // cookie's); everything else is appended (bracket keys repeat for arrays).
            match fields.iter_mut().take(3).find(|(f, _)| *f == k) {
                Some(slot) => slot.1 = v,
                None => fields.push((k, v)),
            }
        }
        self.send(op, Body::Form(fields), what, host)
    }

    fn send(&mut self, op: &str, body: Body, what: Pending, host: &mut dyn Host) -> Option<RequestId> {
        if self.active && !self.async_mode && self.cookies_work && host.storage_get(keys::SESSION).is_none() {
            self.out.log(LogLevel::Info, "WebChatService: the chat was ended in another tab; ending it here too.");
            self.end_locally(true, host);
            return None;
        }
        if self.killed {
            return None;
        }
        let url = self.cfg.url(&self.ids.session_id, op);
        let mut headers = Vec::new();
        if matches!(body, Body::Form(_)) {
            headers.push(("Content-Type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
        }
        if let Some(k) = &self.cfg.apikey {
            headers.push(("apikey".into(), k.clone()));
        }
        if self.cfg.enable_custom_header {
            if let Some(auth) = host.authorization() {
                headers.push(("Authorization".into(), auth));
            }
        }
        // Deliberate (README): every request has a deadline. `0` (jQuery's "none") gets a
        // long one: a request the server never answers must not stop the chat for good.
        let timeout_ms = match (matches!(body, Body::Multipart { .. }), self.cfg.file_upload_timeout, self.cfg.ajax_timeout) {
            (true, 0, _) => NO_DEADLINE_UPLOAD_MS,
            (true, t, _) => t,
            (false, _, 0) => NO_DEADLINE_MS,
            (false, _, t) => t,
        };
        let id = self.next_request;
        self.next_request += 1;
        self.requests.push(InFlight { id, chat: self.chat, what });
        self.out.push(Action::Http(Box::new(HttpRequest { id, method: "POST", url, headers, body, timeout_ms, with_credentials: self.cfg.with_credentials, read: crate::engine::output::ReadBody::Text })));
        Some(id)
    }

    /// The text `sendTyping` sends: its own `message`, else the preview input's.
    fn typing_text(&self, host: &dyn Host) -> String {
        match &self.typing.message {
            v if v.truthy() => v.to_js_string(),
            _ => host.preview_text().filter(|t| !t.is_empty()).unwrap_or_default(),
        }
    }

    /// A refresh at the current position (the private `poll`), with the preview text.
    fn send_poll(&mut self, cmd: Option<CommandId>, now: Millis, host: &mut dyn Host) {
        let fields = vec![
            ("transcriptPosition".to_owned(), self.transcript.position_text()),
            ("message".to_owned(), host.preview_text().unwrap_or_default()),
        ];
        self.poller.in_flight = true;
        if !self.async_mode {
            host.storage_set(keys::PING, &now.to_string());
        }
        if self.request("refresh", fields, Pending::Poll { cmd }, host).is_some() {
            self.poller.polled(self.sleeping, &self.cfg, now);
        } else {
            self.poller.in_flight = false;
            if let Some(cmd) = cmd {
                // Deliberate: the shipped poll never settles when nothing was sent.
                self.out.reject_text(cmd, super::texts::NO_ACTIVE_SESSION);
            }
        }
    }

    /// The shipped `He`: identifiers from an answer, the session cookies, the data key.
    fn take_ids(&mut self, answer: &Value, host: &mut dyn Host) {
        let take = |slot: &mut String, v: &Value| {
            if v.truthy() {
                *slot = v.to_js_string();
            }
        };
        take(&mut self.ids.session_id, answer.get("chatId"));
        take(&mut self.ids.secure_key, answer.get("secureKey"));
        take(&mut self.ids.alias, answer.get("alias"));
        take(&mut self.ids.user_id, answer.get("userId"));
        if !self.async_mode {
            host.storage_set(keys::KEYS, &self.ids.keys_cookie());
            host.storage_set(keys::SESSION, &self.ids.session_id);
            self.cookies_work = host.storage_get(keys::SESSION).as_deref() == Some(self.ids.session_id.as_str());
        }
        if !self.session_data_set {
            self.session_data_set = true;
            // The shipped plugin passes its identifiers object itself, which later
            // changes in the same task (a restore that finds the chat ended clears it).
            self.out.data_live("WebChatService.sessionData", Live::SessionData);
        }
    }

    /// The shipped `Pe`: the session cookies go.
    fn clear_session_cookies(&mut self, host: &mut dyn Host) {
        if !self.async_mode {
            for k in [keys::SESSION, keys::KEYS, keys::PING, keys::INDEX] {
                host.storage_remove(k);
            }
        }
        self.cookies_work = false;
    }

    /// The shipped `Le`: everything about the chat is forgotten (with `clear_cookies`,
    /// its cookies too). Requests still in flight now belong to a finished chat.
    fn reset(&mut self, clear_cookies: bool, host: &mut dyn Host) {
        if clear_cookies {
            self.clear_session_cookies(host);
        }
        self.active = false;
        self.out.data("sessionActive", Value::Bool(false));
        self.restoring = false;
        self.poller.reset();
        self.first_load = true;
        self.killed = false;
        self.ids = Ids::default();
        // Events already published keep the agents object they were given.
        self.out.freeze(Live::Agents, &Value::Object(std::mem::take(&mut self.transcript.agents)));
        self.transcript = Transcript::default();
        self.offline_polls = 0;
        self.offline = false;
        self.disconnected = false;
        self.chat += 1;
        // Deliberate: the shipped reset drops waiting verifySession calls unanswered.
        self.settle_verify_waiters();
        self.fail_outbox();
        self.probe_at = None;
        // A restore waiting to be tried again holds its command: it settles here.
        if self.restore_retry.at.is_some() {
            if let Some((Some(cmd), _)) = self.restore_again.take() {
                self.out.reject_text(cmd, super::texts::NOTHING_TO_RESTORE);
            }
        }
        self.restore_retry.reset();
        self.restore_again = None;
    }

    /// The shipped `De`: the chat ended without a disconnect of ours (the server ended it,
    /// or another tab did).
    fn end_locally(&mut self, clear_cookies: bool, host: &mut dyn Host) {
        self.out.command("WebChatService.stopPoll");
        self.saved = (self.transcript.messages.iter().cloned().collect(), self.transcript.originals.iter().cloned().collect());
        self.reset(clear_cookies, host);
        super::prefilters::clear(&mut self.filters, host);
        self.typing = Typing::default();
        self.out.publish("ended", Value::Undefined);
        self.out.command("App.deregisterAutoLoad");
    }

    /// Settles the verifySession calls that waited for a restore.
    fn settle_verify_waiters(&mut self) {
        for id in std::mem::take(&mut self.verify_waiters) {
            self.out.resolve(id, obj([("sessionActive", Value::Bool(self.active))]));
        }
    }

    /// The chat ended: what is still queued can no longer be sent.
    fn fail_outbox(&mut self) {
        for m in self.outbox.drain() {
            self.out.reject_text(m.cmd, super::texts::NO_ACTIVE_SESSION);
        }
    }

    fn release_start_lock(&mut self, host: &mut dyn Host) {
        self.start_lock_refresh = None;
        host.storage_remove(keys::START_LOCK);
    }

    /// Sends the outbox head when the connection is up, or plans a check on an
    /// unanswered one when no poll will bring the transcript.
    fn pump_outbox(&mut self, now: Option<Millis>, host: &mut dyn Host) {
        if !self.active || self.killed {
            return;
        }
        if self.outbox.uncertain() || self.disconnected {
            if !self.poller.running() && self.probe_at.is_none() {
                let delay = if self.disconnected { 2000 } else { 250 };
                self.probe_at = now.map(|n| n.saturating_add(delay)).or(Some(0));
            }
            return;
        }
        let Some(head) = self.outbox.ready() else { return };
        let fields = head.meta.clone();
        if let Some(id) = self.request("send", fields, Pending::Send, host) {
            self.outbox.sent(id);
        }
    }

    /// A refresh that only serves to learn whether an unanswered send arrived (and
    /// whether the connection is back), when polling is stopped.
    fn probe(&mut self, host: &mut dyn Host) {
        if !self.active || self.outbox.is_empty() {
            return;
        }
        let fields = vec![
            ("transcriptPosition".to_owned(), self.transcript.position_text()),
            ("message".to_owned(), String::new()),
        ];
        self.request("refresh", fields, Pending::Probe, host);
    }
}
