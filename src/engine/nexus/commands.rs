//! Bus commands on a Nexus v3 chat: the nextgen controller's handlers and the
//! `pureengage-v3-rest` calls they make, with the shipped texts. Where the shipped code
//! never settles, this one settles plainly (README).

use super::session::{Pending, PollLoop, Session};
use super::{cookies, TRANSPORT};
use crate::engine::command::{Command, PageEvent, PageInfo};
use crate::engine::form::flatten;
use crate::engine::host::Host;
use crate::engine::json::{obj, FileRef, Map, Value};
use crate::engine::output::{Action, Body, LogLevel};
use crate::engine::{prefilters, texts, CommandId, Millis};

const SEND_WHILE_INACTIVE: &str = texts::NO_ACTIVE_SESSION_DOT;

impl Session {
    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        self.clock = now;
        if let Some(text) = self.invalid {
            if !matches!(cmd, Command::Configure(_)) {
                return self.ctrl.out.reject_text(id, text);
            }
        }
        match cmd {
            Command::Configure(v) => self.configure(id, &v, host),
            Command::StartChat { data, page } => self.start_chat(id, &data, &page),
            Command::SendMessage(data) => self.send_message(id, &data, host),
            Command::SendTyping(_) => self.send_typing(id, now, host),
            Command::EndChat => self.end_chat(id, host),
            Command::AsyncRestore { page } => self.async_restore(id, &page, host),
            Command::Restore(_) => self.restore(Some(id), host),
            Command::FetchHistory => self.fetch_history(id, host),
            // `""` once the keys were looked for and not found, as the shipped decode of a
            // missing token answers.
            Command::GetSessionData => self.ctrl.out.resolve(id, if self.session_data_missing { Value::str("") } else { Value::Object(self.session_data.clone()) }),
            Command::StartPoll => {
                if !self.ctrl.active {
                    return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
                if self.poll == PollLoop::Off && self.active {
                    self.poll_now(None, None, host);
                }
                self.ctrl.out.resolve_empty(id);
            }
            Command::StopPoll => {
                if self.stop_poll(host) {
                    self.ctrl.out.resolve_empty(id);
                } else {
                    self.ctrl.out.reject_text(id, texts::NOT_POLLING);
                }
            }
            Command::PausePoll => {
                if !self.ctrl.active {
                    return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
                self.pause_poll(host);
                self.ctrl.out.resolve_empty(id);
            }
            Command::Poll { commander } => {
                if commander != crate::engine::gms::OWN_NAME {
                    // As shipped: refused, yet a poll still runs.
                    self.ctrl.out.reject_text(id, texts::ACCESS_DENIED);
                    if self.active && !matches!(self.poll, PollLoop::InFlight | PollLoop::Paused) {
                        self.poll_now(None, None, host);
                    }
                } else if !self.active {
                    self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                } else if matches!(self.poll, PollLoop::InFlight | PollLoop::Paused) {
                    self.ctrl.out.reject_text(id, texts::POLL_IN_FLIGHT_DOT);
                } else {
                    self.poll_now(Some(id), None, host);
                }
            }
            Command::ResetPollExceptions => self.ctrl.out.reject_text(id, texts::NO_POLL_EXCEPTIONS),
            Command::GetFileLimits => self.ctrl.out.reject_text(id, texts::transport_lacks("getFileLimits command")),
            Command::DownloadFile(_) => self.ctrl.out.reject_text(id, texts::transport_lacks("file download")),
            Command::SendFile(file) => {
                if !self.active {
                    return self.ctrl.out.reject_text(id, SEND_WHILE_INACTIVE);
                }
                let Some(_) = file else {
                    return self.ctrl.out.reject_text(id, texts::NO_FILE_CHOSEN);
                };
                // The page keeps the File under this command's id until it settles.
                let body = Body::Multipart { file: Some(FileRef(id)), fields: vec![("operationId".to_owned(), self.operation_id())] };
                let url = self.session_url("/images", &[]);
                let headers = self.headers(host);
                self.request("POST", url, headers, body, false, Pending::Image { cmd: id });
            }
            Command::VerifySession => {
                if self.restoring && self.ctrl.wait_verify(id) {
                    // As shipped, the session is looked up first: in async mode without
                    // the keys cookie that asks the integrator (capabilitiesChanged, then
                    // setSessionData); the answer then waits for the restore.
                    if self.uses_storage() && host.storage_get(cookies::KEYS).is_none() {
                        let _ = self.stored_token(host);
                    }
                } else {
                    self.session_for_verify(host);
                    self.ctrl.out.resolve(id, obj([("sessionActive", Value::Bool(self.session_valid()))]));
                }
            }
            Command::UpdateUserData(data) => {
                // Merged into the object the bus holds, in place (no data event), then
                // into `oUserData`.
                self.ctrl.merge_user_data(&data);
                if self.ctrl.active {
                    let mut fields = vec![("operationId".to_owned(), self.operation_id())];
                    flatten("data", &data, &mut fields);
                    let url = self.session_url("/userdata", &[]);
                    let headers = self.headers(host);
                    self.request("PUT", url, headers, Body::Form(fields), true, Pending::UserData { cmd: id });
                } else {
                    self.ctrl.out.resolve(id, Value::Object(self.ctrl.user_data.clone()));
                }
            }
            Command::UpdateInteractionData(data) => {
                self.ctrl.interaction.deep_assign(&data);
                self.ctrl.out.data("interactionData", Value::Object(self.ctrl.interaction.clone()));
                if self.ctrl.active {
                    self.ctrl.out.reject_text(id, texts::transport_lacks("updateInteractionData command"));
                } else {
                    self.ctrl.out.resolve(id, Value::Object(self.ctrl.interaction.clone()));
                }
            }
            // The controller's sleep pauses the transport's poll loop (which says `sleeping`
            // once more), its wake continues it (`waking` once more), as shipped.
            Command::Sleep => {
                if self.ctrl.set_sleeping(true) {
                    self.pause_poll(host);
                }
                self.ctrl.out.resolve_empty(id);
            }
            Command::Wake(_) => {
                if self.ctrl.set_sleeping(false) {
                    self.continue_poll(host);
                }
                self.ctrl.out.resolve_empty(id);
            }
            other => {
                // What the nextgen controller answers alike on every transport.
                if self.ctrl.common(id, other, &self.agents, host).is_some() {
                    self.ctrl.out.resolve_empty(id);
                }
            }
        }
    }

    pub fn handle_page(&mut self, event: PageEvent) {
        self.ctrl.page(&event);
    }

    fn configure(&mut self, id: CommandId, v: &Value, host: &mut dyn Host) {
        if v.as_object().is_none_or(|m| m.is_empty()) {
            return self.ctrl.out.reject_text(id, texts::INVALID_CONFIGURATION);
        }
        if let Value::Object(_) = v.get("userData") {
            self.ctrl.user_data.assign(v.get("userData"));
        }
        let t = v.get("transport");
        if let Value::Object(i) = t.get("interactionData") {
            self.ctrl.interaction = i.clone();
        }
        if let Some(b) = t.get("sleepEnabled").as_bool() {
            self.ctrl.sleep_enabled = b;
        }
        self.ctrl.out.data("userData", Value::Object(self.ctrl.user_data.clone()));
        self.ctrl.new_transport();
        self.ctrl.out.data("interactionData", Value::Object(self.ctrl.interaction.clone()));
        if self.ctrl.sleep_enabled {
            self.ctrl.out.data("sleeping", Value::Bool(false));
        }
        self.ctrl.out.data("sessionActive", Value::Bool(self.ctrl.active));
        if t.get("type").as_str() != Some(TRANSPORT) {
            self.ctrl.out.log(LogLevel::Error, "WebChatService: webchat.transport.type changed to one this build cannot switch to; every command rejects with 'Invalid transport configuration'.");
            self.invalid = Some(texts::INVALID_TRANSPORT);
            // Nothing will answer a verifySession waiting on a restore, or send a queued
            // message, now.
            self.ctrl.answer_verify(false);
            for m in self.outbox.drain() {
                self.ctrl.out.reject_text(m.cmd, texts::INVALID_TRANSPORT);
            }
            self.ctrl.out.reject_text(id, texts::INVALID_TRANSPORT);
            self.ctrl.out.push(Action::Ready);
            return;
        }
        self.cfg = super::config::parse(v);
        self.cfg.callbacks = host.storage_callbacks();
        if self.cfg.async_mode && !self.cfg.callbacks.open_and_save {
            self.ctrl.out.log(LogLevel::Warn, "WebChatService: transport.async needs setSessionData and getSessionData functions; cookies are used.");
        }
        // As the shipped transport's constructor: the cross-tab poll flag exists.
        if host.poll_flag().is_none() {
            host.set_poll_flag("false");
        }
        self.poll_interval = self.cfg.poll_timeout_ms;
        if !self.cfg.missing.is_empty() {
            self.ctrl.out.log(LogLevel::Error, format!("WebChatService: the {TRANSPORT} transport cannot start a chat: missing {}.", texts::list(&self.cfg.missing)));
        }
        for w in std::mem::take(&mut self.cfg.warnings) {
            self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: {w}"));
        }
        self.ctrl.capabilities.insert("async", Value::Bool(self.cfg.async_mode));
        self.ctrl.capabilities.insert("asyncClose", Value::str("endChat"));
        self.ctrl.capabilities.insert("pagination", Value::Bool(self.cfg.async_mode));
        prefilters::sync_from_cookie(&mut self.ctrl.out, &mut self.ctrl.filters, host);
        self.ctrl.out.resolve_empty(id);
        self.ctrl.out.push(Action::Yield);
        self.ctrl.out.push(Action::Ready);
        self.ctrl.out.command("WebChatService.asyncRestore");
    }

    fn start_chat(&mut self, id: CommandId, data: &Value, page: &PageInfo) {
        if self.ctrl.active {
            return self.ctrl.out.reject_text(id, texts::ALREADY_ACTIVE);
        }
        self.ctrl.start_keys(data);
        if self.active {
            // Deliberate: the shipped transport would start a second session.
            return self.ctrl.out.reject_text(id, texts::ALREADY_ACTIVE);
        }
        let mut fields = Vec::new();
        flatten("data", &self.create_form(data, page), &mut fields);
        fields.push(("operationId".into(), self.operation_id()));
        let url = match data.get("dataURL") {
            Value::String(u) if !u.is_empty() => u.clone(),
            _ => self.url("", &[]),
        };
        // The create request carries the configured headers, and in async mode the
        // integrator's stored client key when it has one.
        //
        // Deliberate (README): not the key of a chat that ended on this page (the server
        // refuses it, and the shipped transport then refuses every new chat until a reload).
        let headers = if self.uses_storage() {
            // The integrator is asked as shipped, whatever its answer is used for.
            self.ask_stored_key();
            if self.stored_key_ended {
                self.configured_headers()
            } else {
                self.configured_headers_with_key(crate::engine::output::STORED_CLIENT_KEY.into())
            }
        } else {
            self.configured_headers()
        };
        self.request("POST", url, headers, Body::Form(fields), true, Pending::Create { cmd: id });
    }

    /// Not inlined: both the create and the async re-create build it.
    ///
    /// The shipped `getFormData(form)` with startChat's `userData` and the phone mapping:
    /// `{firstName, lastName, nickname, endpoint, userData, clientType?, stream?, ...form}`
    /// (undefined values left out, as jQuery's `extend` leaves them out).
    #[inline(never)]
    fn create_form(&self, data: &Value, page: &PageInfo) -> Value {
        let mut ud = self.ctrl.user_data.clone();
        ud.insert("_genesys_source", Value::str(if page.mobile { "mobile" } else { "web" }));
        ud.insert("_genesys_referrer", Value::str(page.referrer.as_str()));
        ud.insert("_genesys_url", Value::str(page.url.as_str()));
        ud.insert("_genesys_pageTitle", Value::str(page.title.as_str()));
        ud.insert("_genesys_browser", Value::str(page.browser.as_str()));
        ud.insert("_genesys_OS", Value::str(page.os.as_str()));
        let form = data.get("form");
        let mut f = Map::new();
        let set = |m: &mut Map, k: &str, v: &Value| {
            if !v.is_undefined() {
                m.insert(k, v.clone());
            }
        };
        if form.truthy() {
            set(&mut f, "firstName", form.get("firstname"));
            set(&mut f, "lastName", form.get("lastname"));
            let nick = [form.get("nickname"), form.get("firstname"), form.get("firstName")].into_iter().find(|v| v.truthy()).cloned().unwrap_or(Value::Undefined);
            set(&mut f, "nickname", &nick);
        }
        if let Some(e) = &self.cfg.endpoint {
            f.insert("endpoint", Value::str(e.as_str()));
        }
        if form.get("userData").is_object() {
            ud.assign(form.get("userData"));
        }
        f.insert("userData", Value::Object(ud));
        if let Some(c) = &self.cfg.client_type {
            f.insert("clientType", Value::str(c.as_str()));
        }
        if let Some(s) = &self.cfg.stream {
            f.insert("stream", Value::str(s.as_str()));
        }
        if let Some(m) = form.as_object() {
            for (k, v) in m.iter() {
                if !matches!(k.as_str(), "firstname" | "lastname" | "nickname") && !v.is_undefined() {
                    f.insert(k.clone(), v.clone());
                }
            }
        }
        // `extend({}, form userData, startChat's userData)`, then userData.phone → PhoneNumber.
        if let Some(u) = f.get_mut("userData").and_then(Value::as_object_mut) {
            if data.get("userData").is_object() {
                u.assign(data.get("userData"));
            }
            if let Some(p) = u.get("phone").and_then(Value::as_str).map(str::to_owned) {
                u.insert("PhoneNumber", Value::String(p));
            }
        }
        Value::Object(f)
    }

    fn send_message(&mut self, id: CommandId, data: &Value, host: &mut dyn Host) {
        if self.ctrl.typing.close() {
            self.ctrl.out.publish("clientTypingStopped", Value::Undefined);
        }
        let message = data.get("message");
        if !matches!(message, Value::String(s) if !s.trim().is_empty()) {
            return self.ctrl.out.reject_text(id, texts::NO_MESSAGE_TEXT);
        }
        if self.ctrl.sleep_enabled {
            self.ctrl.out.command("WebChatService.wake");
        }
        if !self.active {
            return self.ctrl.out.reject_text(id, SEND_WHILE_INACTIVE);
        }
        let kind = match data.get("type") {
            Value::String(t) if t == "text" => Value::str("Text"),
            v if v.truthy() => v.clone(),
            _ => Value::str("Text"),
        };
        if self.outbox.is_full() {
            return self.ctrl.out.resolve(id, obj([("statusCode", Value::int(1))]));
        }
        // The operationId is chosen once per message: a send tried again carries the same
        // one, so a server that reads it as an idempotency key keeps the message once.
        let op = self.operation_id();
        // `operation_id` derives from the request counter: the next message gets another.
        self.next_request += 1;
        self.outbox.push(id, message.to_js_string(), (kind, op));
        self.pump_outbox(host);
    }

    pub(super) fn post_message(&mut self, kind: Value, text: Value, op: String, host: &mut dyn Host) -> crate::engine::RequestId {
        let body = Body::Form(vec![("operationId".into(), op), ("data[type]".into(), kind.to_js_string()), ("data[text]".into(), text.to_js_string())]);
        let url = self.session_url("/messages", &[]);
        let headers = self.headers(host);
        self.request("POST", url, headers, body, true, Pending::Send)
    }

    fn send_typing(&mut self, id: CommandId, now: Millis, host: &mut dyn Host) {
        if self.ctrl.typing.is_open() {
            self.ctrl.typing.touch(now);
            return self.ctrl.out.resolve_empty(id);
        }
        if !self.send_typing_request("TypingStarted", host, Some(id)) {
            self.ctrl.out.reject_text(id, SEND_WHILE_INACTIVE);
        }
        self.ctrl.out.publish("clientTypingStarted", Value::Undefined);
        self.ctrl.typing.touch(now);
    }

    fn end_chat(&mut self, id: CommandId, host: &mut dyn Host) {
        if !self.active {
            // As shipped: the DELETE goes out anyway (to …/undefined/participants/undefined)
            // and the chat "ends" when it fails; this one ends it at once.
            self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION);
            self.chat_ended(host);
            self.terminate(host);
        } else {
            self.stop_poll(host);
            let pid = crate::engine::output::path_segment(&self.sd("participantId"));
            let url = self.session_url(&format!("/participants/{pid}"), &[]);
            let headers = self.headers(host);
            let body = Body::Form(vec![("operationId".into(), self.operation_id())]);
            self.request("DELETE", url, headers, body, false, Pending::Leave { cmd: id });
        }
        self.ctrl.active = false;
        self.ctrl.out.data("sessionActive", Value::Bool(false));
    }

    /// The shipped `onChatEnded`: the visitor is out of the chat.
    pub(super) fn chat_ended(&mut self, host: &mut dyn Host) {
        self.ctrl.reset();
        prefilters::clear(&mut self.ctrl.filters, host);
        self.ctrl.out.publish("clientDisconnected", Value::Undefined);
        self.ctrl.out.publish("ended", Value::Undefined);
        self.ctrl.out.command("App.deregisterAutoLoad");
    }

    /// The session named by the cookies (the keys cookie's token payload).
    pub(super) fn read_cookie_session(&mut self, host: &dyn Host) {
        let keys = host.storage_get(cookies::KEYS).filter(|k| !k.is_empty());
        self.session_data_missing = keys.is_none();
        self.session_data = keys.and_then(|t| super::token::payload(&t)).and_then(|v| v.as_object().cloned()).unwrap_or_default();
    }

    /// The shipped `asyncRestore`: the session cookie's chat, or in async mode the one
    /// whose token the integrator stored; resolved at once (the controller then marks the
    /// chat active).
    fn async_restore(&mut self, id: CommandId, page: &PageInfo, host: &mut dyn Host) {
        let keys = host.storage_get(cookies::KEYS);
        if host.storage_get(cookies::SESSION).is_some() && keys.as_deref().is_some_and(|k| !k.is_empty() && super::token::payload(k).is_none()) {
            // A keys cookie that is no token (the shipped decode throws here: nothing is
            // restored and the chat is not marked active). Deliberate: the command settles.
            return self.ctrl.out.reject_empty(id);
        }
        if host.storage_get(cookies::SESSION).is_some() {
            self.restore(None, host);
        } else if self.uses_storage() {
            let Some(token) = self.stored_token(host) else { return self.ctrl.out.reject_empty(id) };
            self.recreate(token, page);
        } else {
            if host.poll_flag().as_deref() == Some("true") && !self.active {
                host.set_poll_flag("false");
            }
            return self.ctrl.out.reject_empty(id);
        }
        self.ctrl.active = true;
        self.ctrl.out.data("sessionActive", Value::Bool(true));
        self.ctrl.out.resolve_empty(id);
    }

    /// The shipped `restore(token)`: the create again with the stored token as the
    /// client key (the server answers with a token of the same session), then the newest
    /// page.
    fn recreate(&mut self, token: String, page: &PageInfo) {
        if self.restoring || self.active {
            return;
        }
        self.restoring = true;
        self.ctrl.publish_capabilities();
        // `extend({key: token}, headers)`: a configured key wins over the stored one.
        let mut headers = self.configured_headers();
        if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(super::session::CLIENT_KEY)) {
            headers.push((super::session::CLIENT_KEY.to_owned(), token));
        }
        let mut fields = Vec::new();
        flatten("data", &self.create_form(&Value::object(), page), &mut fields);
        fields.push(("operationId".into(), self.operation_id()));
        let url = self.url("", &[]);
        self.request("POST", url, headers, Body::Form(fields), true, Pending::Recreate);
    }

    /// `verifySession`'s `fetchSessionAndRestoringInfo`: the session of the cookies or,
    /// in async mode without them, of the stored token.
    ///
    /// Deliberate: a running chat keeps its session data (the shipped one replaces it
    /// with the cookie's or the token's payload, dropping the token it saves with).
    fn session_for_verify(&mut self, host: &mut dyn Host) {
        if !self.active {
            self.read_cookie_session(host);
        }
        if self.uses_storage() && host.storage_get(cookies::KEYS).is_none() && (self.active || self.sd("sessionId") == "undefined") {
            let stored = self.stored_token(host).and_then(|t| super::token::payload(&t)).and_then(|p| p.as_object().cloned());
            if !self.active {
                self.session_data_missing = stored.is_none();
                self.session_data = stored.unwrap_or_default();
            }
        }
    }

    /// The shipped `fetchHistory` (async mode only): the poll pauses, the page of
    /// `maxMessagePageSize` messages ending at the oldest one shown comes, the poll goes on
    /// from the last index seen.
    ///
    /// Deliberate (README): with no page shown yet (a chat started on this page, or a
    /// restore that brought nothing) it rejects with "No more messages to fetch" (the
    /// shipped one never settles).
    fn fetch_history(&mut self, id: CommandId, host: &mut dyn Host) {
        if !self.cfg.async_mode {
            return self.ctrl.out.reject_text(id, texts::HISTORY_ASYNC_ONLY);
        }
        if self.all_received || !self.previous_start.truthy() || self.sd("sessionId") == "undefined" {
            self.continue_poll(host);
            return self.ctrl.out.reject_text(id, texts::NO_MORE_MESSAGES);
        }
        self.pause_poll(host);
        if self.history_by_count {
            return self.history_page_by_count(id, host);
        }
        let q = [("index", self.previous_start.to_js_string()), ("count", self.cfg.max_page.to_string()), ("operationId", self.operation_id())];
        let url = self.session_url("/messages", &q);
        let headers = self.headers(host);
        self.request("GET", url, headers, Body::None, true, Pending::History { cmd: id });
    }

    /// The shipped `restore()` from cookies (in async mode the session cookie and the
    /// stored token's payload): the newest page (all of it without pagination), then
    /// polling.
    fn restore(&mut self, cmd: Option<CommandId>, host: &mut dyn Host) {
        if self.restoring {
            return cmd.into_iter().for_each(|c| self.ctrl.out.reject_text(c, texts::ALREADY_RESTORING));
        }
        if self.active {
            return cmd.into_iter().for_each(|c| self.ctrl.out.reject_text(c, texts::RESTORE_WHILE_ACTIVE));
        }
        self.read_cookie_session(host);
        let mut session_id = self.sd("sessionId");
        if self.uses_storage() && session_id == "undefined" {
            session_id = host.storage_get(cookies::SESSION).unwrap_or_else(|| "undefined".into());
            let stored = self.stored_token(host).and_then(|t| super::token::payload(&t)).and_then(|p| p.as_object().cloned());
            self.session_data_missing = stored.is_none();
            self.session_data = stored.unwrap_or_default();
        }
        if session_id == "undefined" || session_id.is_empty() {
            return cmd.into_iter().for_each(|c| self.ctrl.out.reject_text(c, texts::NOTHING_TO_RESTORE));
        }
        self.restoring = true;
        self.ctrl.publish_capabilities();
        let count = if self.cfg.async_mode { self.cfg.max_page } else { 10_000 };
        let path = format!("/{}/messages", crate::engine::output::path_segment(&session_id));
        let url = self.url(&path, &[("count", count.to_string()), ("operationId", self.operation_id())]);
        let headers = self.headers(host);
        self.request("GET", url, headers, Body::None, true, Pending::Restore { cmd, recreated: false });
    }
}
