//! Bus commands on guest chat: the nextgen controller's handlers and the transport calls
//! they make, with the shipped texts. Where the shipped code never settles, or rejects
//! yet publishes events as if the command had run, this one settles plainly (README).

use super::config::{self, TRANSPORT};
use super::{MePurpose, Opening, PageKind, Pending, RestoreCmd, Session};
use crate::engine::command::{Command, PageEvent, PageInfo};
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::output::{Action, Body, LogLevel};
use crate::engine::{prefilters, texts, CommandId, Millis};


impl Session {
    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        if let Some(text) = self.invalid {
            if !matches!(cmd, Command::Configure(_)) {
                return self.out.reject_text(id, text);
            }
        }
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
                    self.chat_ended(host);
                    self.terminate(host);
                    self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
                self.ctrl_active = false;
                self.out.data("sessionActive", Value::Bool(false));
            }
            Command::AsyncRestore { .. } => self.restore(RestoreCmd { cmd: Some(id), asynchronous: true }, host),
            Command::Restore(_) => self.restore(RestoreCmd { cmd: Some(id), asynchronous: false }, host),
            Command::FetchHistory => {
                if self.cfg.pagination {
                    self.next_page(PageKind::History { cmd: id });
                } else {
                    self.out.reject_text(id, texts::HISTORY_NOT_ENABLED);
                }
            }
            Command::GetSessionData => self.out.resolve(id, Value::Object(self.session_data.clone())),
            Command::StartPoll | Command::PausePoll => {
                if !self.ctrl_active {
                    return self.out.reject_text(id, texts::NO_ACTIVE_SESSION);
                }
                self.out.reject_text(id, texts::transport_lacks("polling"));
            }
            Command::StopPoll => self.out.reject_text(id, texts::transport_lacks("polling")),
            Command::Poll { commander } => {
                let text = if commander == crate::engine::gms::OWN_NAME { texts::transport_lacks("polling") } else { texts::ACCESS_DENIED.into() };
                self.out.reject_text(id, text);
            }
            Command::ResetPollExceptions => self.out.reject_text(id, texts::transport_lacks("resetPollExceptions command")),
            Command::GetAgents => self.out.resolve(id, obj([("agents", Value::Object(self.agents.clone()))])),
            Command::GetTranscript => self.out.resolve(id, crate::engine::nextgen::transcript(self.ctrl_active, &self.transcript, &self.originals, &self.saved)),
            Command::GetStats => self.out.resolve(id, crate::engine::nextgen::stats(&self.transcript, &self.agents)),
            Command::GetFileLimits => self.out.reject_text(id, texts::transport_lacks("getFileLimits command")),
            Command::SendCustomNotice(_) => self.out.reject_text(id, texts::transport_lacks("sendCustomNotice command")),
            Command::DownloadFile(_) => self.out.reject_text(id, texts::transport_lacks("file download")),
            Command::SendFile(_) => self.out.reject_text(id, texts::transport_lacks("file uploads")),
            Command::AddPrefilter(data) => prefilters::add_prefilter(&mut self.out, &mut self.filters, host, id, &data),
            Command::SendFilteredMessage(data) => {
                if !self.ctrl_active {
                    return self.out.reject_text(id, texts::NO_ACTIVE_SESSION_FILTERED);
                }
                prefilters::send_filtered(&mut self.out, &mut self.filters, host, id, &data);
            }
            Command::VerifySession => {
                self.read_cookies(host);
                if self.restoring && self.verify_waiters.len() < 1000 {
                    self.verify_waiters.push(id);
                } else {
                    let conversation = self.sd("conversationId");
                    let valid = !conversation.is_empty() && self.failed_restore.as_deref() != Some(conversation.as_str());
                    self.out.resolve(id, obj([("sessionActive", Value::Bool(valid))]));
                }
            }
            Command::UpdateUserData(data) => {
                // Merged into the object the bus holds, in place, then into `oUserData`.
                let mut target = self.bus_user_data().clone();
                target.deep_assign(&data);
                if self.bus_user_data.is_some() {
                    self.bus_user_data = Some(target.clone());
                }
                self.out.data_in_place("userData", Value::Object(target.clone()));
                self.cfg_user_data.deep_assign(&Value::Object(target));
                if self.ctrl_active {
                    self.out.reject_text(id, texts::transport_lacks("updating userData during an active chat session"));
                } else {
                    self.out.resolve(id, Value::Object(self.cfg_user_data.clone()));
                }
            }
            Command::UpdateInteractionData(data) => {
                self.interaction.deep_assign(&data);
                self.out.data_in_place("interactionData", Value::Object(self.interaction.clone()));
                if self.ctrl_active {
                    self.out.reject_text(id, texts::transport_lacks("updating interactionData during an active chat session"));
                } else {
                    self.out.resolve(id, Value::Object(self.interaction.clone()));
                }
            }
            Command::SendTyping(_) => self.send_typing(id, now),
            Command::Sleep => {
                crate::engine::nextgen::set_sleeping(&mut self.out, self.sleep_enabled, self.ctrl_active, &mut self.sleeping, true);
                self.out.resolve_empty(id);
            }
            Command::Wake(_) => {
                crate::engine::nextgen::set_sleeping(&mut self.out, self.sleep_enabled, self.ctrl_active, &mut self.sleeping, false);
                self.out.resolve_empty(id);
            }
        }
    }

    pub fn handle_page(&mut self, event: PageEvent, host: &mut dyn Host) {
        match event {
            PageEvent::Leaving if self.last_id.flush() => self.write_last_id(host),
            PageEvent::Focus(v) | PageEvent::Hidden { hidden: v, .. } if self.sleep_enabled && self.ctrl_active => {
                // As shipped, pageFocus and pageHidden are read the same way round.
                match v {
                    Value::Bool(false) => self.out.command("WebChatService.sleep"),
                    Value::Bool(true) => self.out.command("WebChatService.wake"),
                    _ => {}
                }
            }
            PageEvent::WebChatClosed => self.saved = (Vec::new(), Vec::new()),
            _ => {}
        }
    }

    fn configure(&mut self, id: CommandId, v: &Value, host: &mut dyn Host) {
        if v.as_object().is_none_or(|m| m.is_empty()) {
            return self.out.reject_text(id, texts::INVALID_CONFIGURATION);
        }
        config::user_data(v, &mut self.cfg_user_data);
        let t = v.get("transport");
        if let Value::Object(_) = t {
            // As shipped, a configure without a transport (say, only userData) keeps the
            // transport of the earlier one, and one without a type keeps the type.
            self.options.insert("transport", t.clone());
            if let Some(ty) = t.get("type").as_str() {
                self.transport_type = Some(ty.to_owned());
            }
        }
        if let Value::Number(_) = v.get("ajaxTimeout") {
            self.options.insert("ajaxTimeout", v.get("ajaxTimeout").clone());
        }
        let new_interaction = if let Value::Object(i) = t.get("interactionData") {
            self.interaction = i.clone();
            true
        } else {
            false
        };
        if let Some(b) = t.get("sleepEnabled").as_bool() {
            self.sleep_enabled = b;
        }
        // The shipped controller sets its own `oUserData` object each time (and its
        // `oInteractionData`, a new object only when the transport brings one): once the
        // bus holds that object, setting it again publishes nothing.
        let user = Value::Object(self.cfg_user_data.clone());
        if self.configured && self.bus_user_data.is_none() {
            self.out.data_in_place("userData", user);
        } else {
            self.out.data("userData", user);
        }
        self.bus_user_data = None;
        let interaction = Value::Object(self.interaction.clone());
        if self.configured && !new_interaction {
            self.out.data_in_place("interactionData", interaction);
        } else {
            self.out.data("interactionData", interaction);
        }
        self.configured = true;
        if self.sleep_enabled {
            self.out.data("sleeping", Value::Bool(false));
        }
        self.out.data("sessionActive", Value::Bool(self.ctrl_active));
        if self.transport_type.as_deref() != Some(TRANSPORT) {
            let name = self.transport_type.clone().unwrap_or_default();
            self.out.log(LogLevel::Error, format!("WebChatService: webchat.transport.type '{name}' is not supported by this build (supported: none = GMS Chat API v2, '{TRANSPORT}', '{}' and '{}'). Every command rejects with 'Invalid transport configuration'.", crate::engine::nexus::TRANSPORT, crate::engine::webmsg::TRANSPORT));
            self.invalid = Some(texts::INVALID_TRANSPORT);
            self.out.reject_text(id, texts::INVALID_TRANSPORT);
            // Deliberate: the shipped plugin never goes ready then (commands wait forever).
            self.out.push(Action::Ready);
            return;
        }
        let mut warnings = Vec::new();
        self.cfg = config::parse(&Value::Object(self.options.clone()), &mut warnings);
        for w in warnings {
            self.out.log(LogLevel::Warn, format!("WebChatService: {w}"));
        }
        if !self.cfg.missing.is_empty() {
            self.out.log(LogLevel::Error, format!("WebChatService: the {TRANSPORT} transport cannot start a chat: missing {}.", texts::list(&self.cfg.missing)));
        }
        // Each configure makes the shipped controller a new transport, whose new
        // capabilities object the bus publishes again at its next restore.
        self.capabilities_set = false;
        self.capabilities.insert("pagination", Value::Bool(self.cfg.pagination));
        self.capabilities.insert("fileUpload", Value::Bool(false));
        prefilters::sync_from_cookie(&mut self.out, &mut self.filters, host);
        self.out.resolve_empty(id);
        self.out.push(Action::Yield);
        self.out.push(Action::Ready);
        self.out.command("WebChatService.asyncRestore");
    }

    fn start_chat(&mut self, id: CommandId, data: &Value, page: &PageInfo) {
        if self.ctrl_active {
            return self.out.reject_text(id, texts::ALREADY_ACTIVE);
        }
        if self.sleep_enabled {
            self.out.command("WebChatService.wake");
        }
        if data.get("userData").truthy() {
            let mut fresh = Map::new();
            fresh.deep_assign(&Value::Object(self.bus_user_data().clone()));
            fresh.deep_assign(data.get("userData"));
            self.bus_user_data = Some(fresh.clone());
            self.out.data("userData", Value::Object(fresh));
        }
        if data.get("interactionData").truthy() {
            // Merged into the object the bus holds, in place.
            self.interaction.deep_assign(data.get("interactionData"));
            self.out.data_in_place("interactionData", Value::Object(self.interaction.clone()));
        }
        if self.active || self.opening {
            // Deliberate: the shipped transport leaves this start pending forever.
            self.out.reject_text(id, texts::ALREADY_ACTIVE);
        } else if !self.cfg.missing.is_empty() {
            // Named once, when configured (not again on every start).
            self.out.reject_text(id, texts::INVALID_TRANSPORT);
        } else {
            let body = self.create_body(data, page);
            self.opening = true;
            let url = self.url("/api/v2/webchat/guest/conversations", &[]);
            self.request("POST", url, Body::Json(body.to_json()), false, Pending::Create { cmd: id });
        }
        self.saved = (Vec::new(), Vec::new());
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
            let mut m = self.cfg_user_data.clone();
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
        let mut interaction = if self.interaction.is_empty() { None } else { Some(Value::Object(self.interaction.clone())) };
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
        if self.typing.close() {
            self.out.publish("clientTypingStopped", Value::Undefined);
        }
        let text = match data.get("message") {
            Value::String(s) if !s.trim().is_empty() => s.clone(),
            _ => return self.out.reject_text(id, texts::NO_MESSAGE_TEXT),
        };
        if self.sleep_enabled {
            self.out.command("WebChatService.wake");
        }
        if !self.active {
            return self.out.reject_text(id, texts::NO_ACTIVE_SESSION_DOT);
        }
        if self.outbox.is_full() {
            self.out.log(LogLevel::Warn, "WebChatService: too many messages are waiting for the connection; this one was refused.");
            return self.out.reject_text(id, texts::NO_ACTIVE_SESSION_DOT);
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
        if self.typing.is_open() {
            self.typing.touch(now);
            return self.out.resolve_empty(id);
        }
        if !self.active {
            // As shipped: the controller opens its typing window whatever the transport
            // answers, so clientTypingStarted (and, when the window closes,
            // clientTypingStopped) are published around the rejection.
            self.out.publish("clientTypingStarted", Value::Undefined);
            self.typing.touch(now);
            return self.out.reject_text(id, texts::TYPING_WHILE_INACTIVE);
        }
        let url = self.url(&self.me_path("/typing"), &[]);
        self.request("POST", url, Body::None, true, Pending::Typing { cmd: id });
        self.out.publish("clientTypingStarted", Value::Undefined);
        self.typing.touch(now);
    }

    /// The transport's `restore` (for `restore` and `asyncRestore`).
    fn restore(&mut self, r: RestoreCmd, host: &mut dyn Host) {
        self.publish_capabilities();
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
            Some(cmd) if r.asynchronous => self.out.reject_empty(cmd),
            Some(cmd) => self.out.reject_text(cmd, text),
            None => {}
        }
    }

    /// Capabilities as the controller merges them (the data key is the same object each
    /// time, so the bus publishes it once; the event every time).
    fn publish_capabilities(&mut self) {
        if !self.capabilities_set {
            self.capabilities_set = true;
            self.out.data("capabilities", Value::Object(self.capabilities.clone()));
        }
        self.out.publish("capabilitiesChanged", Value::Object(self.capabilities.clone()));
    }

    /// The shipped `getNextHundredMessages`.
    pub(super) fn next_page(&mut self, kind: PageKind) {
        let conversation = self.sd("conversationId");
        if self.all_received || conversation.is_empty() {
            return match kind {
                PageKind::History { cmd } => self.out.reject_text(cmd, texts::NO_MORE_MESSAGES),
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
        self.ctrl_reset();
        host.storage_remove(crate::engine::keys::FILTERS);
        self.out.publish("restoreFailed", data);
    }

    /// Opens the event stream.
    pub(super) fn open_socket(&mut self, purpose: Opening) {
        let id = self.next_socket;
        self.next_socket += 1;
        let url = self.sd("WebSocketUrl");
        self.socket = Some(super::Socket { id, open: false, purpose });
        self.out.push(Action::SocketOpen { id, url });
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
