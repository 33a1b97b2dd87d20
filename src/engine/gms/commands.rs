//! Bus commands on the GMS session, each as the shipped legacy controller handles it:
//! the same internal bus commands (`wake` first, for most), checks in the same order,
//! the same texts. Where the shipped handler never settles, this one settles (README).

use super::{Pending, Session, Typing, OWN_NAME, START_LOCK_MS, START_LOCK_REFRESH_MS};
use crate::engine::command::{Command, PageEvent, PageInfo};
use crate::engine::form::{flatten, form_string};
use crate::engine::host::Host;
use crate::engine::json::{obj, parse, FileRef, Map, Value};
use crate::engine::output::{Action, Body, LogLevel};
use crate::engine::{keys, prefilters, texts, CommandId, Millis};

impl Session {
    /// Handles one bus command. Every command settles its deferred, now or when the
    /// request it started is answered.
    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        match cmd {
            Command::Configure(v) => self.configure(id, &v, host),
            Command::StartChat { data, page } => self.start_chat(id, &data, &page, now, host),
            Command::EndChat => self.end_chat(id, host),
            Command::SendMessage(data) => self.send_message(id, &data, now, host),
            Command::SendFilteredMessage(data) => {
                self.wake_first();
                if !self.active {
                    return self.out.reject_text(id, texts::NO_ACTIVE_SESSION_FILTERED);
                }
                prefilters::send_filtered(&mut self.out, &mut self.filters, host, id, &data);
            }
            Command::SendCustomNotice(data) => {
                self.wake_first();
                let message = match data.get("message") {
                    v if v.truthy() => v.to_js_string(),
                    _ => String::new(),
                };
                self.plain(id, "customNotice", vec![("message".into(), message)], host);
            }
            Command::SendTyping(data) => self.send_typing(id, &data, now, host),
            Command::AddPrefilter(data) => prefilters::add_prefilter(&mut self.out, &mut self.filters, host, id, &data),
            Command::UpdateUserData(data) => {
                self.wake_first();
                self.user_data.assign(&data);
                self.out.data("userData", Value::Object(self.user_data.clone()));
                if self.active {
                    let mut fields = Vec::new();
                    flatten("userData", &data, &mut fields);
                    self.plain(id, "updateData", fields, host);
                } else {
                    self.out.resolve(id, Value::Object(self.user_data.clone()));
                }
            }
            Command::UpdateInteractionData(_) => self.out.reject_text(id, texts::transport_lacks("updateInteractionData command")),
            Command::Poll { commander } => {
                // As shipped, another commander is refused yet the poll still runs (its
                // answer then settles nothing).
                let cmd = if commander != OWN_NAME {
                    self.out.reject_text(id, texts::ACCESS_DENIED);
                    None
                } else {
                    Some(id)
                };
                if self.poller.in_flight {
                    if let Some(id) = cmd {
                        self.out.reject_text(id, texts::POLL_IN_FLIGHT);
                    }
                } else {
                    self.send_poll(cmd, now, host);
                }
            }
            Command::StartPoll => {
                if !self.active {
                    return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
                if !self.poller.running() {
                    self.poller.start(&self.cfg, now);
                    self.out.publish("pollingStarted", Value::Undefined);
                }
                self.out.resolve_empty(id);
            }
            Command::StopPoll => {
                if !self.poller.running() {
                    return self.out.reject_text(id, texts::NOT_POLLING);
                }
                self.poller.stop();
                self.out.publish("pollingStopped", Value::Undefined);
                self.out.resolve_empty(id);
                self.pump_outbox(Some(now), host);
            }
            Command::PausePoll => self.out.reject_text(id, texts::transport_lacks("pausePoll command")),
            Command::ResetPollExceptions => {
                self.offline = false;
                self.offline_polls = 0;
                self.out.resolve_empty(id);
            }
            Command::Restore(_) => self.restore(Some(id), now, host),
            // Deliberate: the shipped legacy controller has no asyncRestore (it never
            // settles); here it restores as `restore` does.
            Command::AsyncRestore { .. } => self.restore(Some(id), now, host),
            Command::GetTranscript => {
                let (messages, originals) = if self.active {
                    (self.transcript.messages.iter().cloned().collect(), self.transcript.originals.iter().cloned().collect())
                } else {
                    self.saved.clone()
                };
                self.out.resolve(id, obj([("messages", Value::Array(messages)), ("originalMessages", Value::Array(originals))]));
            }
            Command::GetAgents => self.out.resolve(id, obj([("agents", Value::Object(self.transcript.agents.clone()))])),
            Command::GetStats => self.out.resolve(id, self.transcript.stats()),
            Command::GetSessionData => self.out.resolve(id, self.ids.to_value()),
            Command::VerifySession => {
                if self.restoring && self.verify_waiters.len() < 1000 {
                    self.verify_waiters.push(id);
                } else {
                    let found = self.saved_session(host).is_some() && !self.restore_timed_out(now, host);
                    self.out.resolve(id, obj([("sessionActive", Value::Bool(found))]));
                }
            }
            Command::Sleep => {
                if self.cfg.sleep_enabled && !self.async_mode && !self.sleeping && self.active {
                    self.sleeping = true;
                    self.out.publish("sleeping", Value::Undefined);
                    self.out.data("sleeping", Value::Bool(true));
                }
                self.out.resolve_empty(id);
            }
            Command::Wake(data) => {
                let notice = || vec![("eventAttributes".to_owned(), r#"{"purpose":"cancel-idle-timer"}"#.to_owned())];
                if self.sleeping && self.active {
                    self.sleeping = false;
                    self.out.publish("waking", Value::Undefined);
                    self.out.data("sleeping", Value::Bool(false));
                    self.poller.wake(&self.cfg);
                    self.request("customNotice", notice(), Pending::Plain { cmd: None }, host);
                }
                if data.get("resetIdleState") == &Value::Bool(true) {
                    self.request("customNotice", notice(), Pending::Plain { cmd: None }, host);
                }
                self.out.resolve_empty(id);
            }
            Command::FetchHistory => self.out.reject_text(id, texts::HISTORY_ASYNC_ONLY),
            Command::GetFileLimits => {
                let fields = self.file_fields();
                if self.send("file/limits", Body::Multipart { file: None, fields }, Pending::FileLimits { cmd: id }, host).is_none() {
                    self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
            }
            Command::SendFile(file) => {
                self.wake_first();
                if !self.active {
                    return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
                let Some(file) = file else {
                    return self.out.reject_text(id, texts::NO_FILE_CHOSEN);
                };
                // The page keeps the File under this command's id until it settles.
                let body = Body::Multipart { file: Some(FileRef(id)), fields: self.file_fields() };
                if self.send("file", body, Pending::Upload { cmd: id, name: file.name }, host).is_none() {
                    self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
            }
            Command::DownloadFile(data) => {
                // A form POST in a new window, as shipped (built as DOM, not as HTML text,
                // so no identifier can inject markup; the values arrive as they are).
                let file = data.get("fileId").to_js_string();
                let url = self.cfg.url(&self.ids.session_id, &format!("file/{}/download", crate::engine::output::path_segment(&file)));
                self.out.push(Action::SubmitForm { url, fields: self.ids.fields() });
                self.out.resolve_empty(id);
            }
        }
    }

    /// The text fields of the shipped file requests (`file/limits`, `file`), in its order.
    fn file_fields(&self) -> Vec<(String, String)> {
        vec![
            ("alias".to_owned(), self.ids.alias.clone()),
            ("userId".to_owned(), self.ids.user_id.clone()),
            ("secureKey".to_owned(), self.ids.secure_key.clone()),
        ]
    }

    /// What the page tells the plugin (focus, language, the UI closing, GWE ids).
    pub fn handle_page(&mut self, event: PageEvent) {
        match event {
            PageEvent::Language(lang) => self.language = lang,
            PageEvent::Focus(v) => {
                if self.cfg.sleep_enabled && self.active {
                    match v {
                        Value::Bool(false) => self.out.command("WebChatService.sleep"),
                        Value::Bool(true) => self.wake_first(),
                        _ => {}
                    }
                }
            }
            PageEvent::Hidden { hidden, focused } => {
                if self.cfg.sleep_enabled && self.active {
                    match hidden {
                        Value::Bool(false) if focused => self.wake_first(),
                        Value::Bool(true) => self.out.command("WebChatService.sleep"),
                        _ => {}
                    }
                }
            }
            PageEvent::WebChatClosed => {
                self.saved = (Vec::new(), Vec::new());
                self.disconnect_answered = false;
            }
            PageEvent::GweIds(ids) => {
                self.user_data.assign(&ids);
                self.out.data("userData", Value::Object(self.user_data.clone()));
            }
            // Every GMS cookie is written as it changes.
            PageEvent::Leaving => {}
        }
    }

    /// `wake` through the bus, as the shipped handlers begin.
    fn wake_first(&mut self) {
        self.out.command("WebChatService.wake");
    }

    /// A request answered by resolving (or rejecting) the command with the answer.
    fn plain(&mut self, id: CommandId, op: &str, fields: Vec<(String, String)>, host: &mut dyn Host) {
        if self.request(op, fields, Pending::Plain { cmd: Some(id) }, host).is_none() {
            // Deliberate: the shipped command never settles when nothing was sent.
            self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
    }

    fn configure(&mut self, id: CommandId, v: &Value, host: &mut dyn Host) {
        let nonempty = v.as_object().is_some_and(|m| !m.is_empty());
        if !nonempty {
            self.out.log(LogLevel::Error, "WebChatService: configure needs the webchat options, e.g. { dataURL: 'https://<GMS host>/genesys/2/chat/<service>' }.");
            return self.out.reject_text(id, texts::INVALID_CONFIGURATION);
        }
        for w in self.cfg.apply(v) {
            self.out.log(LogLevel::Warn, format!("WebChatService: {w}"));
        }
        if !self.cfg.has_data_url {
            self.out.log(LogLevel::Error, "WebChatService: webchat.dataURL is missing; chats cannot start. Set it to the GMS chat service URL, e.g. https://<GMS host>/genesys/2/chat/customer-support.");
        }
        if host.storage_get(keys::SESSION).is_some_and(|s| !s.is_empty()) {
            self.async_mode = false;
            self.out.command("WebChatService.restore");
        }
        self.user_data = self.cfg.user_data.clone();
        self.out.data("userData", Value::Object(self.user_data.clone()));
        self.out.resolve_empty(id);
    }

    fn start_chat(&mut self, id: CommandId, data: &Value, page: &PageInfo, now: Millis, host: &mut dyn Host) {
        self.wake_first();
        if self.active {
            return self.out.reject_text(id, texts::ALREADY_ACTIVE);
        }
        if self.start_locked(now, host) {
            return self.out.reject(id, obj([("statusCode", Value::int(1))]));
        }
        if !self.cfg.has_data_url {
            return self.out.reject_text(id, texts::INVALID_CONFIGURATION);
        }
        if let Value::Bool(b) = data.get("async") {
            self.async_mode = *b && self.cfg.cometd;
        }
        // userData: an object, or a JSON string; merged over the userData data key.
        let mut merged = Map::new();
        match data.get("userData") {
            Value::String(s) if !s.trim().is_empty() => match parse(s.trim()) {
                Ok(p) if p.is_js_object() => {
                    merged.assign(&Value::Object(self.user_data.clone()));
                    merged.assign(&p);
                }
                // A JSON number or string: the shipped Object.assign would spread a
                // string character by character into userData; not copied.
                Ok(_) => {}
                Err(_) => return self.out.reject_text(id, texts::MALFORMED_USER_DATA),
            },
            v @ (Value::Object(_) | Value::Array(_) | Value::Null) => {
                merged.assign(&Value::Object(self.user_data.clone()));
                merged.assign(v);
            }
            _ => {}
        }
        let mut ud = self.user_data.clone();
        ud.assign(&Value::Object(merged));
        self.user_data = ud;
        self.out.data("userData", Value::Object(self.user_data.clone()));
        let mut sent = Map::new();
        sent.insert("GCTI_LanguageCode", self.language.clone());
        sent.assign(&Value::Object(self.user_data.clone()));
        sent.insert("_genesys_source", Value::str(if page.mobile { "mobile" } else { "web" }));
        sent.insert("_genesys_referrer", Value::str(page.referrer.as_str()));
        sent.insert("_genesys_url", Value::str(page.url.as_str()));
        sent.insert("_genesys_pageTitle", Value::str(page.title.as_str()));
        sent.insert("_genesys_browser", Value::str(page.browser.as_str()));
        sent.insert("_genesys_OS", Value::str(page.os.as_str()));
        sent.insert("_genesys_widgets", Value::str(page.widgets_version.as_str()));
        if self.async_mode {
            let mut a = Map::new();
            a.insert("GCTI_Chat_AsyncMode", Value::str("true"));
            a.assign(&Value::Object(sent));
            sent = a;
        }
        self.reset(true, host);
        self.saved = (Vec::new(), Vec::new());
        let field = |k: &str| -> String {
            let v = data.get(k);
            if v.truthy() { v.to_js_string() } else { String::new() }
        };
        let mut fields = vec![
            ("nickname".to_owned(), field("nickname")),
            ("firstName".to_owned(), field("firstname")),
            ("lastName".to_owned(), field("lastname")),
            ("emailAddress".to_owned(), field("email")),
            ("subject".to_owned(), field("subject")),
            ("text".to_owned(), String::new()),
        ];
        flatten("userData", &Value::Object(sent), &mut fields);
        if let Some(ep) = &self.cfg.endpoint {
            fields.push(("endpoint".into(), ep.clone()));
        }
        host.storage_set(keys::START_LOCK, &now.to_string());
        self.start_lock_refresh = Some(now.saturating_add(START_LOCK_REFRESH_MS));
        if self.request("", fields, Pending::Start { cmd: id }, host).is_none() {
            self.release_start_lock(host);
            self.out.reject_text(id, texts::INVALID_CONFIGURATION);
        }
    }

    /// Another tab is starting a chat (its lock is younger than 2 s). An old lock is
    /// removed, as shipped.
    fn start_locked(&mut self, now: Millis, host: &mut dyn Host) -> bool {
        let lock = host.storage_get(keys::START_LOCK).and_then(|s| s.trim().parse::<Millis>().ok()).unwrap_or(0);
        if now.saturating_sub(lock) > START_LOCK_MS {
            self.release_start_lock(host);
            return false;
        }
        true
    }

    fn end_chat(&mut self, id: CommandId, host: &mut dyn Host) {
        if !self.active {
            return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
        self.saved = (self.transcript.messages.iter().cloned().collect(), self.transcript.originals.iter().cloned().collect());
        self.out.command("WebChatService.stopPoll");
        if self.request("disconnect", Vec::new(), Pending::Disconnect { cmd: id }, host).is_none() {
            // Another tab had ended it (ended here too), or nothing can be sent.
            self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
    }

    fn send_message(&mut self, id: CommandId, data: &Value, now: Millis, host: &mut dyn Host) {
        self.wake_first();
        // Deliberate: while disconnected the shipped plugin resolves {statusCode:1} and
        // drops the message; here it waits in the outbox (checks below still apply).
        if !self.active {
            return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
        let text = match data.get("message") {
            Value::String(s) if !s.trim().is_empty() => s.clone(),
            _ => return self.out.reject_text(id, texts::NO_MESSAGE_TEXT),
        };
        if let Some(limit) = self.cfg.max_message_length {
            if text.chars().count() as u64 > limit {
                return self.out.reject_text(id, texts::message_too_long(limit));
            }
        }
        if self.outbox.is_full() {
            self.out.log(LogLevel::Warn, "WebChatService: too many messages are waiting for the connection; this one was refused.");
            return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
        if self.typing.window.close() {
            self.out.publish("clientTypingStopped", Value::Undefined);
        }
        self.typing = Typing::default();
        let mut fields = vec![
            ("message".to_owned(), text.clone()),
            ("messageType".to_owned(), match data.get("type") { v if v.truthy() => v.to_js_string(), _ => "text".into() }),
        ];
        let parent = data.get("parentMessageID");
        if matches!(parent, Value::Number(_)) || parent.as_str().is_some_and(|s| !s.is_empty()) {
            fields.push((
                "eventAttributes".into(),
                format!(r#"{{"general-properties": {{"related-event-id":"{}"}}}}"#, parent.to_js_string()),
            ));
        }
        self.outbox.push(id, text, fields);
        self.pump_outbox(Some(now), host);
    }

    fn send_typing(&mut self, id: CommandId, data: &Value, now: Millis, host: &mut dyn Host) {
        if !self.active {
            return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
        if self.typing.window.is_open() {
            self.typing.window.touch(now);
            return self.out.resolve_empty(id);
        }
        self.wake_first();
        self.typing.message = data.get("message").clone();
        let text = self.typing_text(host);
        let fields = vec![
            ("alias".to_owned(), self.ids.alias.clone()),
            ("secureKey".to_owned(), self.ids.secure_key.clone()),
            ("userId".to_owned(), self.ids.user_id.clone()),
            ("transcriptPosition".to_owned(), self.transcript.position_text()),
            ("message".to_owned(), text),
        ];
        self.typing.fields = fields.clone();
        if self.request("startTyping", fields, Pending::StartTyping { cmd: id }, host).is_none() {
            return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        }
        self.out.publish("clientTypingStarted", Value::Undefined);
        self.typing.window.touch(now);
    }

    /// The saved chat identifiers (session cookie and a readable keys cookie), if any.
    pub(super) fn saved_session(&self, host: &dyn Host) -> Option<(String, Value)> {
        let session = host.storage_get(keys::SESSION).filter(|s| !s.is_empty())?;
        let keys = parse(&host.storage_get(keys::KEYS)?).ok()?;
        keys.as_object().filter(|m| !m.is_empty())?;
        Some((session, keys))
    }

    /// The shipped `restoreTimeout` check (only before any poll of this page answered):
    /// a chat nobody polled for `restoreTimeout` ms is abandoned, its cookies removed.
    pub(super) fn restore_timed_out(&mut self, now: Millis, host: &mut dyn Host) -> bool {
        if self.async_mode || !self.first_load {
            return false;
        }
        let Some(ping) = host.storage_get(keys::PING).and_then(|p| crate::engine::json::js_decimal(p.trim())) else { return false };
        if (now as f64) - ping < self.cfg.restore_timeout as f64 {
            return false;
        }
        self.clear_session_cookies(host);
        prefilters::clear(&mut self.filters, host);
        self.out.publish("restoreTimeout", Value::Undefined);
        self.out.command("App.deregisterAutoLoad");
        true
    }

    /// Restores the chat whose identifiers the cookies hold.
    pub(super) fn restore(&mut self, mut id: Option<CommandId>, now: Millis, host: &mut dyn Host) {
        if self.restoring {
            return self.out.reply(id, crate::engine::output::Outcome::reject_text(texts::ALREADY_RESTORING));
        }
        if self.active {
            // As shipped, the restore goes on after this rejection: it refreshes again
            // and republishes `restored` (what it finds then settles nothing).
            self.settle_verify_waiters();
            self.out.reply(id.take(), crate::engine::output::Outcome::reject_text(texts::RESTORE_WHILE_ACTIVE));
        }
        let saved = self.saved_session(host);
        if saved.is_none() && (host.storage_get(keys::SESSION).is_some() || host.storage_get(keys::KEYS).is_some()) {
            self.out.log(LogLevel::Warn, "WebChatService: the saved chat cookies are incomplete or unreadable; nothing to restore.");
        }
        let Some((session, keys)) = saved.filter(|_| !self.restore_timed_out(now, host)) else {
            self.settle_verify_waiters();
            return self.out.reply(id, crate::engine::output::Outcome::reject_text(texts::NOTHING_TO_RESTORE));
        };
        self.restoring = true;
        self.ids.session_id = session;
        let fields = vec![
            ("userId".to_owned(), form_string(keys.get("userId"))),
            ("secureKey".to_owned(), form_string(keys.get("secureKey"))),
            ("alias".to_owned(), form_string(keys.get("alias"))),
            ("transcriptPosition".to_owned(), self.transcript.position_text()),
            ("message".to_owned(), String::new()),
        ];
        self.restore_retry.reset();
        self.restore_again = Some((None, fields.clone()));
        if self.request("refresh", fields, Pending::Restore { cmd: id }, host).is_none() {
            self.restoring = false;
            self.out.reply(id, crate::engine::output::Outcome::reject_text(texts::NOTHING_TO_RESTORE));
        }
    }
}
