//! Bus commands on the GMS session: each one settles, with the shipped texts.

use super::outbox::Outgoing;
use super::wire::Ids;
use super::{Pending, Phase, Session, OWN_NAME, START_LOCK_MS, START_LOCK_REFRESH_MS, TYPING_WINDOW_MS};
use crate::engine::command::{Command, PageInfo, RegexSpec};
use crate::engine::config::{Config, ConfigError};
use crate::engine::form::flatten;
use crate::engine::host::Host;
use crate::engine::keys;
use crate::engine::output::{LogLevel, Outcome, ReplyValue};
use crate::engine::texts;
use crate::engine::value::{merge_into, object, str_of};
use crate::engine::{CommandId, Millis};
use serde_json::{json, Map, Value};

impl Session {
    /// Handles one bus command. Every command settles its deferred, now or when the
    /// request it started is answered.
    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        if !self.configured && !matches!(cmd, Command::Configure(_) | Command::Load) {
            // The shell configures before ready(), so this only happens if configure was
            // intercepted; say so instead of acting on defaults.
            self.out.reject(id, texts::INVALID_CONFIGURATION);
            return;
        }
        match cmd {
            Command::Configure(v) => self.configure(id, &v, now, host),
            Command::Load => self.out.resolve_undefined(id),
            Command::StartChat { data, page } => self.start_chat(id, &data, &page, now, host),
            Command::EndChat => self.end_chat(id, host),
            Command::SendMessage(data) => self.send_message(id, &data, host),
            Command::SendFilteredMessage { data, regex } => self.send_filtered(id, &data, regex, host),
            Command::SendCustomNotice(data) => self.send_custom_notice(id, &data, host),
            Command::SendTyping(data) => self.send_typing(id, &data, now, host),
            Command::AddPrefilter(specs) => crate::engine::shared::add_prefilter(&mut self.out, &mut self.filters, host, id, specs),
            Command::UpdateUserData(data) => self.update_user_data(id, &data, host),
            Command::Poll { commander } => {
                if commander != OWN_NAME {
                    self.out.reject(id, texts::ACCESS_DENIED);
                } else if self.phase != Phase::Active {
                    self.out.reject(id, texts::NO_ACTIVE_SESSION_SHORT);
                } else if self.poller.in_flight {
                    self.out.reject(id, texts::POLL_IN_FLIGHT);
                } else {
                    self.issue_poll(Some(id), now, host);
                }
            }
            Command::StartPoll => {
                if self.phase != Phase::Active {
                    self.out.reject(id, texts::NO_ACTIVE_SESSION_SHORT);
                } else {
                    self.start_polling(now);
                    self.out.resolve_undefined(id);
                }
            }
            Command::StopPoll => {
                if self.phase != Phase::Active {
                    self.out.reject(id, texts::NO_ACTIVE_SESSION_SHORT);
                } else if !self.poller.running {
                    self.out.reject(id, texts::NOT_POLLING);
                } else {
                    self.stop_polling();
                    self.out.resolve_undefined(id);
                }
            }
            Command::PausePoll => self.out.reject(id, texts::transport_lacks("pausePoll command")),
            Command::ResetPollExceptions => {
                self.exceptions = 0;
                self.offline = false;
                self.out.resolve_undefined(id);
            }
            // Restoring is the plugin's own business in non-async mode (it restores by itself
            // on configure); the WebChat UI's restore before a form submit is refused, and
            // the UI then starts a chat, as with the shipped plugin.
            Command::Restore { commander } if commander != OWN_NAME => self.out.reject(id, texts::RESTORE_ACCESS_DENIED),
            Command::Restore { .. } | Command::AsyncRestore => self.restore(Some(id), now, host),
            Command::GetTranscript => {
                let v = json!({"messages": self.transcript.messages, "originalMessages": self.transcript.originals});
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::GetAgents => {
                let v = json!({"agents": self.agents.to_value()});
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::GetStats => {
                let v = self.transcript.stats(self.agents.to_value());
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::GetSessionData => {
                let v = self.ids.session_data();
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::VerifySession => {
                if self.phase == Phase::Restoring {
                    self.verify_waiters.push(id);
                } else {
                    let active = self.phase == Phase::Active;
                    self.out.reply(Some(id), Outcome::resolve_json(json!({"sessionActive": active})));
                }
            }
            Command::Sleep => {
                if self.cfg.sleep_enabled && self.phase == Phase::Active && !self.sleeping {
                    self.sleeping = true;
                    self.out.publish("sleeping", object());
                    self.out.data("sleeping", Value::Bool(true));
                }
                self.out.resolve_undefined(id);
            }
            Command::Wake => {
                self.wake(host);
                self.out.resolve_undefined(id);
            }
            Command::FetchHistory => self.out.reject(id, texts::HISTORY_ASYNC_ONLY),
            Command::GetFileLimits | Command::SendFile | Command::DownloadFile => self.out.reject(id, texts::FILES_NOT_YET),
            Command::UpdateInteractionData(_) => self.out.reject(id, texts::transport_lacks("updateInteractionData command")),
        }
    }

    fn configure(&mut self, id: CommandId, v: &Value, now: Millis, host: &mut dyn Host) {
        match Config::parse(v) {
            Ok((cfg, warnings)) => {
                for w in warnings {
                    self.out.log(LogLevel::Warn, format!("WebChatService: {w}"));
                }
                self.user_data = cfg.user_data.clone();
                self.cfg = cfg;
                self.config_error = None;
                self.configured = true;
                crate::engine::shared::recall_filters(&mut self.out, &mut self.filters, host);
                self.out.resolve_undefined(id);
                if host.storage_get(keys::SESSION).is_some() {
                    self.restore(None, now, host);
                }
            }
            Err(e) => {
                self.out.log(LogLevel::Error, e.explain());
                // Keep answering: every later command rejects with the same reason.
                self.configured = !matches!(e, ConfigError::Empty);
                let text = match &e {
                    ConfigError::UnsupportedTransport(_) => "Invalid transport configuration",
                    _ => texts::INVALID_CONFIGURATION,
                };
                self.config_error = Some(e);
                self.out.reject(id, text);
            }
        }
    }

    fn config_unusable(&self) -> Option<&'static str> {
        match self.config_error {
            None => None,
            Some(ConfigError::UnsupportedTransport(_)) => Some("Invalid transport configuration"),
            Some(_) => Some(texts::INVALID_CONFIGURATION),
        }
    }

    fn wake(&mut self, host: &mut dyn Host) {
        if !self.sleeping {
            return;
        }
        self.sleeping = false;
        self.out.publish("waking", object());
        self.out.data("sleeping", Value::Bool(false));
        self.poller.wake(&self.cfg);
        if self.phase == Phase::Active {
            let mut fields = self.ids.fields();
            fields.push(("eventAttributes".into(), json!({"purpose": "cancel-idle-timer"}).to_string()));
            self.request("customNotice", fields, Pending::Plain { cmd: None }, host);
        }
    }

    fn start_chat(&mut self, id: CommandId, data: &Value, page: &PageInfo, now: Millis, host: &mut dyn Host) {
        self.wake(host);
        if self.phase != Phase::Idle {
            return self.out.reject(id, texts::ALREADY_ACTIVE);
        }
        if let Some(text) = self.config_unusable() {
            return self.out.reject(id, text);
        }
        if let Some(lock) = host.storage_get(keys::START_LOCK).and_then(|s| s.parse::<Millis>().ok()) {
            if now.saturating_sub(lock) < START_LOCK_MS {
                return self.out.reply(Some(id), Outcome::Reject(ReplyValue::Json(json!({"statusCode": 1}))));
            }
        }
        let extra = match data.get("userData") {
            None | Some(Value::Null) => Value::Object(Map::new()),
            Some(Value::Object(m)) => Value::Object(m.clone()),
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(v @ Value::Object(_)) => v,
                _ => return self.out.reject(id, texts::MALFORMED_USER_DATA),
            },
            Some(_) => return self.out.reject(id, texts::MALFORMED_USER_DATA),
        };
        let mut user_data = Map::new();
        user_data.insert("_genesys_source".into(), json!(if page.mobile { "mobile" } else { "web" }));
        user_data.insert("_genesys_referrer".into(), json!(page.referrer));
        user_data.insert("_genesys_url".into(), json!(page.url));
        user_data.insert("_genesys_pageTitle".into(), json!(page.title));
        user_data.insert("_genesys_browser".into(), json!(page.browser));
        user_data.insert("_genesys_OS".into(), json!(page.os));
        user_data.insert("_genesys_widgets".into(), json!(concat!("wasm-", env!("CARGO_PKG_VERSION"))));
        if let Some(lang) = &page.language {
            user_data.insert("GCTI_LanguageCode".into(), json!(lang));
        }
        merge_into(&mut user_data, &Value::Object(self.user_data.clone()));
        merge_into(&mut user_data, &extra);
        let form = data.get("form");
        let field = |flat: &str| -> String {
            str_of(data, flat)
                .or_else(|| form.and_then(|f| str_of(f, flat)))
                .unwrap_or("")
                .to_owned()
        };
        let mut fields = vec![
            ("nickname".to_owned(), field("nickname")),
            ("firstName".to_owned(), field("firstname")),
            ("lastName".to_owned(), field("lastname")),
            ("emailAddress".to_owned(), field("email")),
            ("subject".to_owned(), field("subject")),
            ("text".to_owned(), String::new()),
        ];
        flatten("userData", &Value::Object(user_data), &mut fields);
        if let Some(ep) = &self.cfg.endpoint {
            fields.push(("endpoint".into(), ep.clone()));
        }
        fields.extend(Ids::default().fields());
        self.ids = Ids::default();
        self.phase = Phase::Starting;
        host.storage_set(keys::START_LOCK, &now.to_string());
        self.lock_refresh_at = Some(now + START_LOCK_REFRESH_MS);
        self.request("", fields, Pending::Start { cmd: id }, host);
    }

    fn end_chat(&mut self, id: CommandId, host: &mut dyn Host) {
        if self.phase != Phase::Active {
            return self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
        self.stop_polling();
        self.typing_until = None;
        let fields = self.ids.fields();
        if self.request("disconnect", fields, Pending::Disconnect { cmd: id }, host).is_some() {
            self.phase = Phase::Ending;
        } else {
            // Another tab had already ended it: ended here too, nothing left to end.
            self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
    }

    /// Validates a message and queues it; returns the queued entry's text on success.
    fn queue_message(&mut self, id: CommandId, data: &Value, host: &mut dyn Host) {
        let text = match data.get("message") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => return self.out.reject(id, texts::NO_MESSAGE_TEXT),
        };
        if let Some(limit) = self.cfg.max_message_length {
            if text.chars().count() as u64 > limit {
                return self.out.reject(id, texts::message_too_long(limit));
            }
        }
        if self.typing_until.take().is_some() {
            self.out.publish("clientTypingStopped", object());
        }
        let mut fields = vec![
            ("message".to_owned(), text.clone()),
            ("messageType".to_owned(), str_of(data, "type").unwrap_or("text").to_owned()),
        ];
        if let Some(parent) = data.get("parentMessageID").filter(|p| !p.is_null()) {
            let parent = parent.as_str().map(str::to_owned).unwrap_or_else(|| parent.to_string());
            fields.push((
                "eventAttributes".into(),
                json!({"general-properties": {"related-event-id": parent}}).to_string(),
            ));
        }
        self.poller.activity(&self.cfg);
        self.outbox.push_back(Outgoing::new(id, text, fields));
        self.pump_outbox(host);
    }

    fn send_message(&mut self, id: CommandId, data: &Value, host: &mut dyn Host) {
        self.wake(host);
        if self.phase != Phase::Active {
            return self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
        self.queue_message(id, data, host);
    }

    fn send_filtered(&mut self, id: CommandId, data: &Value, regex: Option<RegexSpec>, host: &mut dyn Host) {
        if self.phase != Phase::Active {
            return self.out.reject(id, texts::NO_ACTIVE_SESSION_FILTERED);
        }
        if crate::engine::shared::add_message_filter(&mut self.out, &mut self.filters, host, id, regex) {
            self.queue_message(id, data, host);
        }
    }

    fn send_custom_notice(&mut self, id: CommandId, data: &Value, host: &mut dyn Host) {
        if self.phase != Phase::Active {
            return self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
        let mut fields = self.ids.fields();
        let message = data.get("message").map(crate::engine::value::to_form_string).unwrap_or_default();
        fields.push(("message".into(), message));
        if self.request("customNotice", fields, Pending::Plain { cmd: Some(id) }, host).is_none() {
            self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
    }

    fn send_typing(&mut self, id: CommandId, data: &Value, now: Millis, host: &mut dyn Host) {
        self.wake(host);
        if self.phase != Phase::Active {
            return self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
        self.poller.activity(&self.cfg);
        if self.typing_until.is_some() {
            self.typing_until = Some(now + TYPING_WINDOW_MS);
            return self.out.resolve_undefined(id);
        }
        let message = str_of(data, "message")
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .or_else(|| host.preview_text())
            .unwrap_or_default();
        let mut fields = self.ids.fields();
        fields.push(("message".into(), message));
        fields.push(("transcriptPosition".into(), self.transcript.next_position.to_string()));
        if self.request("startTyping", fields, Pending::StartTyping { cmd: id }, host).is_some() {
            self.typing_until = Some(now + TYPING_WINDOW_MS);
            self.out.publish("clientTypingStarted", object());
        } else {
            self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
    }

    fn update_user_data(&mut self, id: CommandId, data: &Value, host: &mut dyn Host) {
        let Value::Object(update) = data else {
            return self.out.reject(id, texts::MALFORMED_USER_DATA);
        };
        for (k, v) in update {
            self.user_data.insert(k.clone(), v.clone());
        }
        self.out.data("userData", Value::Object(self.user_data.clone()));
        if self.phase == Phase::Active {
            let mut fields = self.ids.fields();
            flatten("userData", data, &mut fields);
            if self.request("updateData", fields, Pending::Plain { cmd: Some(id) }, host).is_none() {
                self.out.reject(id, texts::NO_ACTIVE_SESSION);
            }
        } else {
            self.out.reply(Some(id), Outcome::resolve_json(Value::Object(self.user_data.clone())));
        }
    }

    /// Restores the chat whose identifiers the cookies hold (after a page load).
    pub(super) fn restore(&mut self, id: Option<CommandId>, now: Millis, host: &mut dyn Host) {
        let reject = |s: &mut Session, text: &str| {
            if let Some(id) = id {
                s.out.reject(id, text);
            }
        };
        match self.phase {
            Phase::Restoring => return reject(self, texts::ALREADY_RESTORING),
            Phase::Active | Phase::Starting | Phase::Ending => return reject(self, texts::RESTORE_WHILE_ACTIVE),
            Phase::Idle => {}
        }
        if self.config_unusable().is_some() {
            return reject(self, texts::NOTHING_TO_RESTORE);
        }
        let session = host.storage_get(keys::SESSION);
        let keys_cookie = host.storage_get(keys::KEYS);
        let had_cookie = session.is_some() || keys_cookie.is_some();
        let Some(ids) = Ids::from_cookies(session, keys_cookie) else {
            if had_cookie {
                self.out.log(LogLevel::Warn, "WebChatService: the saved chat session cookies are incomplete or unreadable; they were removed.");
                self.clear_session_cookies(host);
            }
            return reject(self, texts::NOTHING_TO_RESTORE);
        };
        if self.poller.never_polled() {
            if let Some(ping) = host.storage_get(keys::PING).and_then(|p| p.trim().parse::<Millis>().ok()) {
                if now.saturating_sub(ping) >= self.cfg.restore_timeout {
                    self.clear_session_cookies(host);
                    self.out.publish("restoreTimeout", object());
                    self.out.app_command("App.deregisterAutoLoad");
                    self.out.reply(id, Outcome::Reject(ReplyValue::Undefined));
                    return;
                }
            }
        }
        self.ids = ids;
        self.transcript = crate::engine::transcript::Transcript::new();
        self.agents.clear();
        self.phase = Phase::Restoring;
        let mut fields = self.ids.fields();
        fields.push(("transcriptPosition".into(), "1".into()));
        fields.push(("message".into(), String::new()));
        self.request("refresh", fields, Pending::Restore { cmd: id }, host);
    }

    /// Settles the verifySession calls that waited for a restore.
    pub(super) fn settle_verify_waiters(&mut self) {
        let active = self.phase == Phase::Active;
        for id in std::mem::take(&mut self.verify_waiters) {
            self.out.reply(Some(id), Outcome::resolve_json(json!({"sessionActive": active})));
        }
    }
}
