//! The GMS Chat API v2 session (the shipped "legacy controller"): one state machine that
//! answers every command, drives polling, and turns transcript entries into bus events.
//!
//! Inputs: [`Session::handle_command`], [`Session::handle_http`], [`Session::handle_timeout`].
//! Outputs: [`Session::poll_action`] (in order) and [`Session::poll_timeout`].

mod answers;
mod commands;
mod ingest;
mod outbox;
pub mod wire;

use super::agents::Agents;
use super::config::{Config, ConfigError};
use super::filter::FilterSet;
use super::host::Host;
use super::keys;
use super::emitter::Emitter;
use super::output::{Action, Body, HttpRequest, LogLevel};
use super::polling::Poller;
use super::transcript::Transcript;
use super::{CommandId, Millis, RequestId};
use outbox::Outgoing;
use serde_json::{Map, Value};
use super::pending::InFlight;
use std::collections::VecDeque;
use wire::Ids;

/// Where the chat is. Commands are answered by phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No chat: startChat may begin one.
    Idle,
    /// Request Chat sent, no answer yet.
    Starting,
    /// Restoring a chat from cookies after a page load.
    Restoring,
    /// Chatting: polling, sending.
    Active,
    /// endChat sent its disconnect, no answer yet.
    Ending,
}

/// What an in-flight request is for, so that its answer settles the right thing.
#[derive(Debug, Clone)]
enum Pending {
    Start { cmd: CommandId },
    Restore { cmd: Option<CommandId> },
    Poll { cmd: Option<CommandId> },
    Send,
    StartTyping { cmd: CommandId },
    StopTyping,
    Plain { cmd: Option<CommandId> },
    Disconnect { cmd: CommandId },
}

/// How long another tab's chat-start lock blocks a start, and how often ours is refreshed.
const START_LOCK_MS: Millis = 2000;
const START_LOCK_REFRESH_MS: Millis = 500;
/// The client typing window: stopTyping after this long without a keystroke.
const TYPING_WINDOW_MS: Millis = 2000;
/// The name private commands compare the commander with.
pub const OWN_NAME: &str = "WebChatService";

pub struct Session {
    cfg: Config,
    config_error: Option<ConfigError>,
    configured: bool,
    phase: Phase,
    ids: Ids,
    transcript: Transcript,
    agents: Agents,
    filters: FilterSet,
    poller: Poller,
    typing_until: Option<Millis>,
    lock_refresh_at: Option<Millis>,
    /// A request failed with no answer while chatting; cleared by the next success.
    disconnected: bool,
    /// More than `pollExceptionLimit` polls in a row said the chat server is offline.
    offline: bool,
    exceptions: u32,
    sleeping: bool,
    agent_typing: bool,
    /// Whether our own session cookie reads back (cross-tab end detection needs it).
    cookies_work: bool,
    user_data: Map<String, Value>,
    requests: InFlight<Pending>,
    outbox: VecDeque<Outgoing>,
    verify_waiters: Vec<CommandId>,
    pub(crate) out: Emitter,
    next_request: RequestId,
}

impl Session {
    /// A session before `configure`. `app_present` says whether the Genesys App plugin is
    /// on the bus (the autoload commands go to it).
    pub fn new(app_present: bool) -> Self {
        Session {
            cfg: Config::default(),
            config_error: None,
            configured: false,
            phase: Phase::Idle,
            ids: Ids::default(),
            transcript: Transcript::new(),
            agents: Agents::default(),
            filters: FilterSet::default(),
            poller: Poller::default(),
            typing_until: None,
            lock_refresh_at: None,
            disconnected: false,
            offline: false,
            exceptions: 0,
            sleeping: false,
            agent_typing: false,
            cookies_work: false,
            user_data: Map::new(),
            requests: InFlight::default(),
            outbox: VecDeque::new(),
            verify_waiters: Vec::new(),
            out: Emitter::new(app_present),
            next_request: 1,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The next output, in the order the shipped plugin would produce them.
    pub fn poll_action(&mut self) -> Option<Action> {
        self.out.pop()
    }

    /// The one deadline at which `handle_timeout` must run next.
    pub fn poll_timeout(&self) -> Option<Millis> {
        let poll = if self.phase == Phase::Active { self.poller.next_due(self.sleeping, &self.cfg) } else { None };
        [poll, self.typing_until, self.lock_refresh_at].into_iter().flatten().min()
    }

    /// Runs whatever is due at `now`: a poll, the end of a typing window, the start lock.
    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        if let Some(at) = self.lock_refresh_at {
            if at <= now && self.phase == Phase::Starting {
                host.storage_set(keys::START_LOCK, &now.to_string());
                self.lock_refresh_at = Some(now + START_LOCK_REFRESH_MS);
            }
        }
        if let Some(until) = self.typing_until {
            if until <= now {
                self.typing_until = None;
                if self.phase == Phase::Active {
                    let mut fields = vec![
                        ("message".to_owned(), host.preview_text().unwrap_or_default()),
                        ("transcriptPosition".to_owned(), self.transcript.next_position.to_string()),
                    ];
                    fields.extend(self.ids.fields());
                    if self.request("stopTyping", fields, Pending::StopTyping, host).is_some() {
                        self.out.publish("clientTypingStopped", super::value::object());
                    }
                }
            }
        }
        if self.phase == Phase::Active {
            if let Some(due) = self.poller.next_due(self.sleeping, &self.cfg) {
                if due <= now {
                    self.issue_poll(None, now, host);
                }
            }
        }
    }

    /// Sends a POST to a GMS operation (`""` with no chat id = Request Chat). While a chat
    /// is active, first checks that another tab has not ended it (its session cookie gone);
    /// if it has, ends the chat here too and returns `None` without sending.
    fn request(&mut self, op: &str, fields: Vec<(String, String)>, pending: Pending, host: &mut dyn Host) -> Option<RequestId> {
        if matches!(self.phase, Phase::Active) && self.cookies_work {
            let cookie = host.storage_get(keys::SESSION);
            if cookie.is_none() || cookie.as_deref() != self.ids.chat_id.as_deref() {
                self.out.log(LogLevel::Info, "WebChatService: the chat was ended in another tab; ending it here too.");
                self.end_locally(host);
                return None;
            }
        }
        let url = if op.is_empty() { self.cfg.url(None, "") } else { self.cfg.url(self.ids.chat_id.as_deref(), op) };
        let mut headers = vec![("Content-Type".to_owned(), "application/x-www-form-urlencoded".to_owned())];
        if let Some(k) = &self.cfg.apikey {
            headers.push(("apikey".into(), k.clone()));
        }
        if self.cfg.enable_custom_header {
            if let Some(auth) = host_authorization(host) {
                headers.push(("Authorization".into(), auth));
            }
        }
        let id = self.next_request;
        self.next_request += 1;
        self.requests.insert(id, pending);
        self.out.push(Action::Http(HttpRequest {
            id,
            method: "POST",
            url,
            headers,
            body: Body::Form(fields),
            timeout_ms: self.cfg.ajax_timeout,
            with_credentials: self.cfg.with_credentials,
        }));
        Some(id)
    }

    fn issue_poll(&mut self, cmd: Option<CommandId>, now: Millis, host: &mut dyn Host) {
        let mut fields = self.ids.fields();
        fields.push(("transcriptPosition".into(), self.transcript.next_position.to_string()));
        fields.push(("message".into(), host.preview_text().unwrap_or_default()));
        host.storage_set(keys::PING, &now.to_string());
        if self.request("refresh", fields, Pending::Poll { cmd }, host).is_some() {
            self.poller.polled(&self.cfg, now);
        } else if let Some(cmd) = cmd {
            self.out.reject(cmd, super::texts::NO_ACTIVE_SESSION_SHORT);
        }
    }

    /// Writes the session cookies and notes whether they read back.
    fn write_session_cookies(&mut self, host: &mut dyn Host) {
        if let Some(id) = self.ids.chat_id.clone() {
            host.storage_set(keys::SESSION, &id);
            host.storage_set(keys::KEYS, &self.ids.keys_cookie());
            host.storage_set(keys::INDEX, &self.transcript.next_position.to_string());
            self.cookies_work = host.storage_get(keys::SESSION).as_deref() == Some(id.as_str());
        }
    }

    fn clear_session_cookies(&mut self, host: &mut dyn Host) {
        for k in [keys::SESSION, keys::KEYS, keys::PING, keys::INDEX, keys::FILTERS] {
            host.storage_remove(k);
        }
        self.cookies_work = false;
    }

    /// Makes the chat active with the current identifiers (start or restore).
    fn activate(&mut self, host: &mut dyn Host) {
        self.phase = Phase::Active;
        self.disconnected = false;
        self.offline = false;
        self.exceptions = 0;
        self.write_session_cookies(host);
        let sd = self.ids.session_data();
        self.out.data("WebChatService.sessionData", sd);
    }

    fn start_polling(&mut self, now: Millis) {
        self.poller.start(&self.cfg, now);
        self.out.publish("pollingStarted", super::value::object());
    }

    fn stop_polling(&mut self) {
        if self.poller.running {
            self.poller.stop();
            self.out.publish("pollingStopped", super::value::object());
        }
    }

    /// Ends the chat on this page without asking the server (it ended there, or in
    /// another tab): `ended`, session inactive, cookies and filters cleared.
    fn end_locally(&mut self, host: &mut dyn Host) {
        self.stop_polling();
        self.finish_end(host);
    }

    /// What every end shares, after any `…Disconnected` events.
    fn finish_end(&mut self, host: &mut dyn Host) {
        self.phase = Phase::Idle;
        self.typing_until = None;
        self.sleeping = false;
        self.disconnected = false;
        self.clear_session_cookies(host);
        self.filters.clear();
        self.out.data("sessionActive", Value::Bool(false));
        self.out.publish("ended", super::value::object());
        self.out.app_command("App.deregisterAutoLoad");
        self.fail_outbox();
    }
}

fn host_authorization(host: &mut dyn Host) -> Option<String> {
    host.authorization()
}
