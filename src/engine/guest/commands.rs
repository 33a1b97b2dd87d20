//! Bus commands on guest chat: the nextgen controller's handlers and the transport calls
//! they make, with the shipped texts. Where the shipped code never settles, or rejects
//! yet publishes events as if the command had run, this one settles plainly (README).

use super::config::{self, TRANSPORT};
use super::{MePurpose, Opening, PageKind, Pending, RestoreCmd, Session};
use crate::engine::command::{Command, PageEvent, PageInfo};
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::output::{Action, Body, LogLevel};
use crate::engine::{texts, CommandId, Millis};


impl Session {
    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        if let Some(text) = self.invalid {
            if !matches!(cmd, Command::Configure(_)) {
                return self.ctrl.out.reject_text(id, text);
            }
        }
        let Some(cmd) = self.ctrl.common(id, cmd, &self.agents, host) else { return };
        match cmd {
            Command::Configure(v) => self.configure(id, &v, host),
            Command::StartChat { data, page } => self.start_chat(id, &data, &page),
            Command::SendMessage(data) => self.send_message(id, &data, now),
            Command::EndChat => {
                if self.active {
                    let url = self.url(&self.me_path(""), &[]);
                    self.request("DELETE", url, Body::None, true, Pending::Delete { cmd: id });
                } else {
                    // As shipped: the transport ends "the chat" anyway (clientDisconnected,
                    // ended, App.deregisterAutoLoad) and clears its cookies; the command's
                    // rejection reaches the bus after that. A UI that resets on `ended`
                    // relies on this.
                    self.ctrl.chat_ended(host);
                    self.terminate(host);
                    self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
                self.ctrl.active = false;
                self.ctrl.out.data("sessionActive", Value::Bool(false));
            }
            Command::AsyncRestore { .. } => self.restore(RestoreCmd { cmd: Some(id), asynchronous: true }, host),
            Command::Restore(_) => self.restore(RestoreCmd { cmd: Some(id), asynchronous: false }, host),
            Command::FetchHistory => {
                if self.cfg.pagination {
                    self.next_page(PageKind::History { cmd: id });
                } else {
                    self.ctrl.out.reject_text(id, texts::HISTORY_NOT_ENABLED);
                }
            }
            Command::GetSessionData => self.ctrl.out.resolve(id, Value::Object(self.session_data.clone())),
            Command::GetFileLimits => self.ctrl.out.reject_text(id, texts::transport_lacks("getFileLimits command")),
            Command::DownloadFile(_) => self.ctrl.out.reject_text(id, texts::transport_lacks("file download")),
            Command::SendFile(_) => self.ctrl.out.reject_text(id, texts::transport_lacks("file uploads")),
            Command::VerifySession => {
                self.read_cookies(host);
                if !(self.restoring && self.ctrl.wait_verify(id)) {
                    let conversation = self.sd("conversationId");
                    let valid = !conversation.is_empty() && self.failed_restore.as_deref() != Some(conversation.as_str());
                    self.ctrl.out.resolve(id, obj([("sessionActive", Value::Bool(valid))]));
                }
            }
            Command::UpdateUserData(data) => {
                self.ctrl.merge_user_data(&data);
                if self.ctrl.active {
                    self.ctrl.out.reject_text(id, texts::transport_lacks("updating userData during an active chat session"));
                } else {
                    self.ctrl.out.resolve(id, Value::Object(self.ctrl.user_data.clone()));
                }
            }
            Command::SendTyping(_) => self.send_typing(id, now),
            // Answered by the controller.
            _ => self.ctrl.out.resolve_empty(id),
        }
    }

    pub fn handle_page(&mut self, event: PageEvent, host: &mut dyn Host) {
        match event {
            PageEvent::Leaving if self.last_id.flush() => self.write_last_id(host),
            event => self.ctrl.page(&event),
        }
    }

    fn configure(&mut self, id: CommandId, v: &Value, host: &mut dyn Host) {
        if !self.ctrl.configure(v) {
            return self.ctrl.out.reject_text(id, texts::INVALID_CONFIGURATION);
        }
        if self.ctrl.transport_type.as_deref() != Some(TRANSPORT) {
            let name = self.ctrl.transport_type.clone().unwrap_or_default();
            self.ctrl.out.log(LogLevel::Error, format!("WebChatService: webchat.transport.type '{name}' is not supported by this build (supported: none = GMS Chat API v2, '{TRANSPORT}', '{}' and '{}'). Every command rejects with 'Invalid transport configuration'.", crate::engine::nexus::TRANSPORT, crate::engine::webmsg::TRANSPORT));
            self.invalid = Some(texts::INVALID_TRANSPORT);
            // Nothing will answer a verifySession waiting on a restore, or send a queued
            // message, now.
            self.ctrl.answer_verify(false);
            for m in self.outbox.drain() {
                self.ctrl.out.reject_text(m.cmd, texts::INVALID_TRANSPORT);
            }
            self.ctrl.out.reject_text(id, texts::INVALID_TRANSPORT);
            // Deliberate: the shipped plugin never goes ready then (commands wait forever).
            self.ctrl.out.push(Action::Ready);
            return;
        }
        let mut warnings = Vec::new();
        self.cfg = config::parse(&Value::Object(self.ctrl.options.clone()), &mut warnings);
        for w in warnings {
            self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: {w}"));
        }
        if !self.cfg.missing.is_empty() {
            self.ctrl.out.log(LogLevel::Error, format!("WebChatService: the {TRANSPORT} transport cannot start a chat: missing {}.", texts::list(&self.cfg.missing)));
        }
        // Each configure makes the shipped controller a new transport, whose new
        // capabilities object the bus publishes again at its next restore.
        self.ctrl.capabilities.insert("pagination", Value::Bool(self.cfg.pagination));
        self.ctrl.capabilities.insert("fileUpload", Value::Bool(false));
        self.ctrl.configured(id, host);
    }

    fn start_chat(&mut self, id: CommandId, data: &Value, page: &PageInfo) {
        if self.ctrl.active {
            return self.ctrl.out.reject_text(id, texts::ALREADY_ACTIVE);
        }
        self.ctrl.start_keys(data);
        if self.active || self.opening {
            // Deliberate: the shipped transport leaves this start pending forever.
            self.ctrl.out.reject_text(id, texts::ALREADY_ACTIVE);
        } else if !self.cfg.missing.is_empty() {
            // Named once, when configured (not again on every start).
            self.ctrl.out.reject_text(id, texts::INVALID_TRANSPORT);
        } else {
            let body = self.create_body(data, page);
            self.opening = true;
            let url = self.url("/api/v2/webchat/guest/conversations", &[]);
            self.request("POST", url, Body::Json(body.to_json()), false, Pending::Create { cmd: id });
        }
    }

    /// The create request: the configured template, the form (as the shipped
    /// `getFormData` arranges it), userData and the routing of the interaction data.
    fn create_body(&self, data: &Value, page: &PageInfo) -> Value {
        let mut s = self.cfg.conversation.clone();
        let form = data.get("form");
        let mut r = Map::new();
        if form.truthy() {
            r.insert("firstName", form.get("firstname").clone());
            r.insert("lastName", form.get("lastname").clone());
            r.insert("nickname", form.get("nickname").clone());
            let mut m = self.ctrl.user_data.clone();
            m.insert("_genesys_source", Value::str(if page.mobile { "mobile" } else { "web" }));
            m.insert("_genesys_referrer", Value::str(page.referrer.as_str()));
            m.insert("_genesys_url", Value::str(page.url.as_str()));
            m.insert("_genesys_pageTitle", Value::str(page.title.as_str()));
            m.insert("_genesys_browser", Value::str(page.browser.as_str()));
            m.insert("_genesys_OS", Value::str(page.os.as_str()));
            if form.get("userData").is_object() {
                m.assign(form.get("userData"));
            }
            r.assign(&Value::Object(m));
            if let Some(f) = form.as_object() {
                for (k, v) in f.iter() {
                    if !matches!(k.as_str(), "firstname" | "lastname" | "nickname") {
                        r.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        let nickname = nickname(&r);
        if let Some(info) = s.get_mut("memberInfo").and_then(Value::as_object_mut) {
            let mut fields = info.get("customFields").and_then(Value::as_object).cloned().unwrap_or_default();
            fields.assign(&Value::Object(r));
            fields.assign(data.get("userData"));
            info.insert("customFields", Value::Object(fields));
            info.insert("displayName", Value::str(nickname));
        }
        if let Value::String(k) = data.get("deploymentKey") {
            if let Some(m) = s.as_object_mut() { m.insert("deploymentId", Value::str(k.as_str())) }
        }
        if data.get("organizationId").as_str().is_some() || data.get("orgGuid").as_str().is_some() {
            let org = if data.get("organizationId").truthy() { data.get("organizationId") } else { data.get("orgGuid") };
            if let Some(m) = s.as_object_mut() { m.insert("organizationId", org.clone()) }
        }
        let mut interaction = if self.ctrl.interaction.is_empty() { None } else { Some(Value::Object(self.ctrl.interaction.clone())) };
        if data.get("interactionData").as_object().is_some_and(|m| !m.is_empty()) {
            interaction = Some(data.get("interactionData").clone());
        }
        if let Some(o) = interaction {
            let fields = {
                let mut f = s.path("memberInfo.customFields").as_object().cloned().unwrap_or_default();
                f.assign(o.get("userData"));
                f
            };
            if let Some(info) = s.get_mut("memberInfo").and_then(Value::as_object_mut) {
                info.insert("customFields", Value::Object(fields.clone()));
            }
            config::map_properties(&obj([("interactionData", o), ("userData", Value::Object(fields))]), &mut s);
        }
        s
    }

    fn send_message(&mut self, id: CommandId, data: &Value, now: Millis) {
        if self.ctrl.typing.close() {
            self.ctrl.out.publish("clientTypingStopped", Value::Undefined);
        }
        let text = match data.get("message") {
            Value::String(s) if !s.trim().is_empty() => s.clone(),
            _ => return self.ctrl.out.reject_text(id, texts::NO_MESSAGE_TEXT),
        };
        if self.ctrl.sleep_enabled {
            self.ctrl.out.command("WebChatService.wake");
        }
        if !self.active {
            return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION_DOT);
        }
        if self.outbox.is_full() {
            self.ctrl.out.log(LogLevel::Warn, "WebChatService: too many messages are waiting for the connection; this one was refused.");
            return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION_DOT);
        }
        // Deliberate: while the stream is down the shipped transport publishes
        // MessageFailed and rejects; here the message waits and goes out in order.
        self.outbox.push(id, text.clone(), text);
        self.pump_outbox(now);
    }

    /// Sends the outbox head when the stream is healthy.
    pub(super) fn pump_outbox(&mut self, now: Millis) {
        if !self.active || self.lost || self.opening {
            return;
        }
        if self.outbox.uncertain() {
            if self.probe_at.is_none() {
                self.probe_at = Some(now.saturating_add(1000));
            }
            return;
        }
        let Some(head) = self.outbox.ready() else { return };
        let body = obj([("body", Value::str(head.meta.as_str()))]).to_json();
        let url = self.url(&self.me_path("/messages"), &[]);
        let rid = self.request("POST", url, Body::Json(body), true, Pending::Send);
        self.outbox.sent(rid);
    }

    fn send_typing(&mut self, id: CommandId, now: Millis) {
        if self.ctrl.typing.is_open() {
            self.ctrl.typing.touch(now);
            return self.ctrl.out.resolve_empty(id);
        }
        if !self.active {
            // As shipped: the controller opens its typing window whatever the transport
            // answers, so clientTypingStarted (and, when the window closes,
            // clientTypingStopped) are published around the rejection.
            self.ctrl.out.publish("clientTypingStarted", Value::Undefined);
            self.ctrl.typing.touch(now);
            return self.ctrl.out.reject_text(id, texts::TYPING_WHILE_INACTIVE);
        }
        let url = self.url(&self.me_path("/typing"), &[]);
        self.request("POST", url, Body::None, true, Pending::Typing { cmd: id });
        self.ctrl.out.publish("clientTypingStarted", Value::Undefined);
        self.ctrl.typing.touch(now);
    }

    /// The transport's `restore` (for `restore` and `asyncRestore`).
    fn restore(&mut self, r: RestoreCmd, host: &mut dyn Host) {
        self.ctrl.publish_capabilities();
        if self.restoring {
            return self.restore_reject(r, texts::ALREADY_RESTORING);
        }
        if self.active {
            return self.restore_reject(r, texts::RESTORE_WHILE_ACTIVE);
        }
        self.read_cookies(host);
        if self.sd("conversationId").is_empty() {
            return self.restore_reject(r, texts::NOTHING_TO_RESTORE);
        }
        self.restoring = true;
        self.get_me(MePurpose::Restore(r));
    }

    /// Settles a restore with the transport's text (`asyncRestore` rejects with no value).
    pub(super) fn restore_reject(&mut self, r: RestoreCmd, text: &str) {
        match r.cmd {
            Some(cmd) if r.asynchronous => self.ctrl.out.reject_empty(cmd),
            Some(cmd) => self.ctrl.out.reject_text(cmd, text),
            None => {}
        }
    }

    /// The shipped `getNextHundredMessages`.
    pub(super) fn next_page(&mut self, kind: PageKind) {
        let conversation = self.sd("conversationId");
        if self.all_received || conversation.is_empty() {
            return match kind {
                PageKind::History { cmd } => self.ctrl.out.reject_text(cmd, texts::NO_MORE_MESSAGES),
                PageKind::Restore(r) => self.restore_reject(r, texts::NO_MORE_MESSAGES),
            };
        }
        let mut query = vec![("sortOrder", "descending".to_owned()), ("maxResults", Value::num(self.cfg.max_page).to_js_string())];
        let next_url = self.session_data.get("nextMsgURL").cloned().unwrap_or(Value::Undefined);
        let previous = self.sd("previousLastMsgId");
        if next_url != Value::str("") && !previous.is_empty() {
            query.push(("before", previous));
        }
        let url = self.url(&self.conversation_path("/messages"), &query);
        self.request("GET", url, Body::None, true, Pending::Page(kind));
    }

    /// A restore could not go on: the controller's `onRestoreFailed`.
    pub(super) fn restore_failed(&mut self, data: Value, host: &mut dyn Host) {
        self.restoring = false;
        self.failed_restore = Some(self.sd("conversationId"));
        self.ctrl.restore_failed(data, host);
    }

    /// Opens the event stream.
    pub(super) fn open_socket(&mut self, purpose: Opening) {
        let id = self.next_socket;
        self.next_socket += 1;
        let url = self.sd("WebSocketUrl");
        self.socket = Some(super::Socket { id, open: false, purpose });
        self.ctrl.out.push(Action::SocketOpen { id, url });
    }
}

/// The shipped `getNickname`.
fn nickname(r: &Map) -> String {
    let get = |k: &str| r.get(k).cloned().unwrap_or(Value::Undefined);
    let (nick, first, last) = (get("nickname"), get("firstName"), get("lastName"));
    if nick.truthy() {
        return nick.to_js_string();
    }
    match (first.as_str().filter(|s| !s.is_empty()), last.as_str().filter(|s| !s.is_empty())) {
        (Some(f), Some(l)) => format!("{f} {l}"),
        (Some(f), None) => f.to_owned(),
        (None, Some(l)) => l.to_owned(),
        (None, None) => "Customer".into(),
    }
}
