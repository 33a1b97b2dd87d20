//! Bus commands on web messaging: what guest chat answers, with guest chat's texts, and
//! where web messaging can do more (`updateUserData` during a chat, files), that.

use super::requests::{self, Event};
use super::{config, cookies, Chat, Conversation, Link, Pending, Purpose, RestoreCmd, Session, TRANSPORT};
use crate::engine::command::{Command, PageEvent, PageInfo};
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::output::{Action, Body, LogLevel};
use crate::engine::{texts, CommandId, Millis};

/// The server takes one Typing event per 5 s.
const TYPING_EVERY_MS: Millis = 5000;

/// `sendMessage` after the server closed the conversation (read-only).
pub const READ_ONLY: &str = "The conversation was closed and is read-only; start a new chat to send messages.";

impl Session {
    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        if let Some(text) = self.invalid {
            if !matches!(cmd, Command::Configure(_)) {
                return self.ctrl.out.reject_text(id, text);
            }
        }
        let agents = self.conv().map(|c| c.agents.clone()).unwrap_or_default();
        let Some(cmd) = self.ctrl.common(id, cmd, &agents, host) else { return };
        match cmd {
            Command::Configure(v) => self.configure(id, &v, host),
            Command::StartChat { data, page } => self.start_chat(id, &data, &page, now, host),
            Command::SendMessage(data) => self.send_message(id, &data, now),
            Command::EndChat => self.end_chat(id, now, host),
            Command::AsyncRestore { .. } => self.restore(RestoreCmd { cmd: Some(id), asynchronous: true }, now, host),
            Command::Restore(_) => self.restore(RestoreCmd { cmd: Some(id), asynchronous: false }, now, host),
            Command::FetchHistory => self.fetch_history(id, now),
            Command::GetSessionData => self.ctrl.out.resolve(id, self.session_data()),
            Command::VerifySession => {
                // Waits until the server says whether the stored session lives (once it
                // re-attached, the answer is known).
                if matches!(self.chat, Chat::Restoring { .. }) && !self.ctrl.active {
                    if !self.ctrl.wait_verify(id) {
                        self.ctrl.out.resolve(id, obj([("sessionActive", Value::Bool(false))]));
                    }
                    return;
                }
                let stored = host.storage_get(cookies::TOKEN).filter(|t| !t.is_empty());
                let valid = matches!(self.chat, Chat::Live(_)) || stored.is_some_and(|t| self.failed_restore.as_deref() != Some(t.as_str()));
                self.ctrl.out.resolve(id, obj([("sessionActive", Value::Bool(valid))]));
            }
            Command::UpdateUserData(data) => self.update_user_data(id, &data),
            Command::SendTyping(_) => self.send_typing(id, now),
            Command::GetFileLimits => self.file_limits(id),
            Command::SendFile(file) => self.send_file(id, file, now, host),
            // The attachment's `url` is on the message's `content`: a link downloads it.
            Command::DownloadFile(_) => self.ctrl.out.reject_text(id, texts::transport_lacks("file download")),
            // Answered by the controller.
            _ => self.ctrl.out.resolve_empty(id),
        }
    }

    pub fn handle_page(&mut self, event: PageEvent, _host: &mut dyn Host) {
        self.ctrl.page(&event);
    }

    fn configure(&mut self, id: CommandId, v: &Value, host: &mut dyn Host) {
        if !self.ctrl.configure(v) {
            return self.ctrl.out.reject_text(id, texts::INVALID_CONFIGURATION);
        }
        if self.ctrl.transport_type.as_deref() != Some(TRANSPORT) {
            let name = self.ctrl.transport_type.clone().unwrap_or_default();
            return self.refuse(id, format!("WebChatService: webchat.transport.type changed to '{name}' after '{TRANSPORT}' was loaded; every command rejects with 'Invalid transport configuration'. Reload the page to change transports."));
        }
        let mut warnings = Vec::new();
        self.cfg = config::parse(&self.ctrl.transport_options(), &mut warnings);
        for w in warnings {
            self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: {w}"));
        }
        if !self.cfg.missing.is_empty() {
            return self.refuse(id, format!("WebChatService: the {TRANSPORT} transport needs {}; every command rejects with 'Invalid transport configuration'.", texts::list(&self.cfg.missing)));
        }
        self.invalid = None;
        self.ctrl.capabilities.insert("pagination", Value::Bool(self.cfg.pagination));
        self.ctrl.capabilities.insert("fileUpload", Value::Bool(!self.deployment.file_types.is_empty()));
        // What the deployment allows (clearing, files); the chat does not wait for it.
        let url = self.cfg.deployment_config_url.clone();
        self.request("GET", url, Vec::new(), Body::None, Pending::DeploymentConfig);
        self.ctrl.configured(id, host);
    }

    /// A configuration no chat can run on: one console line, every command rejects.
    fn refuse(&mut self, id: CommandId, line: String) {
        self.ctrl.out.log(LogLevel::Error, line);
        self.invalid = Some(texts::INVALID_TRANSPORT);
        // Nothing will answer a verifySession waiting on a restore, or send a queued
        // message or file, now.
        self.ctrl.answer_verify(false);
        if let Some(c) = self.conv_mut() {
            let (sends, uploads) = (c.outbox.drain(), std::mem::take(&mut c.uploads));
            for m in sends {
                self.ctrl.out.reject_text(m.cmd, texts::INVALID_TRANSPORT);
            }
            for u in uploads {
                self.ctrl.out.reject_text(u.cmd, texts::INVALID_TRANSPORT);
            }
        }
        self.ctrl.out.reject_text(id, texts::INVALID_TRANSPORT);
        self.ctrl.out.push(Action::Ready);
    }

    fn start_chat(&mut self, id: CommandId, data: &Value, page: &PageInfo, now: Millis, host: &mut dyn Host) {
        if self.ctrl.active || !matches!(self.chat, Chat::Idle { .. }) {
            return self.ctrl.out.reject_text(id, texts::ALREADY_ACTIVE);
        }
        self.ctrl.start_keys(data);
        let token = Self::new_token(host);
        let nonce = Self::new_token(host);
        let (attributes, name) = self.start_attributes(data, page);
        let socket = self.open_socket();
        let mut conv = Conversation::new(token, nonce, name, true, Link::Opening { id: socket, since: now });
        conv.attributes = Some(attributes);
        self.failed_restore = None;
        self.chat = Chat::Starting { cmd: id, conv: Box::new(conv) };
    }

    /// The custom attributes a new chat carries (the form's fields as guest chat names
    /// them, `userData`, the page facts), every value as text (the server takes strings),
    /// and the visitor's display name.
    fn start_attributes(&self, data: &Value, page: &PageInfo) -> (Map, String) {
        let mut a = Map::new();
        let form = data.get("form");
        let mut name = String::new();
        if let Some(f) = form.as_object() {
            for (k, v) in f.iter() {
                let key = match k.as_str() {
                    "firstname" => "firstName",
                    "lastname" => "lastName",
                    other => other,
                };
                if !v.is_nullish() && !v.is_object() {
                    a.insert(key, Value::String(v.to_js_string()));
                }
            }
            let get = |k: &str| f.get(k).and_then(Value::as_str).filter(|s| !s.is_empty()).map(str::to_owned);
            name = get("nickname").unwrap_or_else(|| [get("firstname"), get("lastname")].into_iter().flatten().collect::<Vec<_>>().join(" "));
        }
        if name.is_empty() {
            name = "Customer".into();
        }
        for (k, v) in self.ctrl.bus_user_data().iter().chain(form.get("userData").as_object().into_iter().flat_map(Map::iter)) {
            a.insert(k.as_str(), attribute_text(v));
        }
        for (k, v) in [("_genesys_source", if page.mobile { "mobile" } else { "web" }), ("_genesys_referrer", &page.referrer), ("_genesys_url", &page.url), ("_genesys_pageTitle", &page.title), ("_genesys_browser", &page.browser), ("_genesys_OS", &page.os)] {
            a.insert(k, Value::str(v));
        }
        (a, name)
    }

    fn send_message(&mut self, id: CommandId, data: &Value, now: Millis) {
        self.ctrl.typing_stopped();
        let text = match data.get("message") {
            Value::String(s) if !s.trim().is_empty() => s.clone(),
            _ => return self.ctrl.out.reject_text(id, texts::NO_MESSAGE_TEXT),
        };
        if self.ctrl.sleep_enabled {
            self.ctrl.out.command("WebChatService.wake");
        }
        self.queue_message(id, text, None, now);
    }

    /// Puts a message in the outbox (it waits while the socket is down).
    pub(super) fn queue_message(&mut self, id: CommandId, text: String, attachment: Option<String>, now: Millis) {
        let read_only = matches!(self.chat, Chat::Idle { read_only: true });
        let Some(conv) = self.chatting_mut() else {
            return self.ctrl.out.reject_text(id, if read_only { READ_ONLY } else { texts::NO_ACTIVE_SESSION_DOT });
        };
        if conv.outbox.is_full() {
            self.ctrl.out.log(LogLevel::Warn, "WebChatService: too many messages are waiting for the connection; this one was refused.");
            return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION_DOT);
        }
        let custom_id = format!("{}-{}", conv.nonce, conv.next_send);
        conv.next_send += 1;
        conv.outbox.push(id, text, super::SendMeta { custom_id, attachment });
        self.pump(now);
    }

    /// Sends the outbox head when the socket is configured, nothing is in flight, no rate
    /// limit holds it and no history is being read (a read after a drop tells whether an
    /// unanswered send arrived).
    pub(super) fn pump(&mut self, now: Millis) {
        let Some(conv) = self.live_mut() else { return };
        if !conv.is_up() || conv.send_at.is_some() || conv.reading.is_some() || conv.gap {
            return;
        }
        let token = conv.token.clone();
        let seq = conv.next_send;
        let Some(head) = conv.outbox.ready() else { return };
        let attachments: Vec<String> = head.meta.attachment.iter().cloned().collect();
        let frame = requests::text_message(&token, &head.text, &head.meta.custom_id, conv.attributes.as_ref(), &attachments);
        conv.last_sent = Some(head.meta.custom_id.clone());
        conv.next_send += 1;
        conv.outbox.sent(seq);
        conv.sent_at = Some(now);
        // Kept until the send is answered: a refusal or a drop sends them again.
        conv.attributes_sent = conv.attributes.take();
        self.send_frame(frame);
    }

    fn send_typing(&mut self, id: CommandId, now: Millis) {
        if self.ctrl.typing.is_open() {
            self.ctrl.typing.touch(now);
            return self.ctrl.out.resolve_empty(id);
        }
        let Some(conv) = self.chatting_mut() else {
            self.ctrl.out.publish("clientTypingStarted", Value::Undefined);
            self.ctrl.typing.touch(now);
            return self.ctrl.out.reject_text(id, texts::TYPING_WHILE_INACTIVE);
        };
        let due = conv.is_up() && conv.typing_sent.is_none_or(|t| now.saturating_sub(t) >= TYPING_EVERY_MS);
        if due {
            conv.typing_sent = Some(now);
            let tracing = format!("{}-typing-{now}", conv.nonce);
            let frame = requests::event(&conv.token, Event::TypingOn, None, &tracing);
            conv.last_sent = Some(tracing);
            self.send_frame(frame);
        }
        self.ctrl.out.publish("clientTypingStarted", Value::Undefined);
        self.ctrl.typing.touch(now);
        self.ctrl.out.resolve(id, Value::Undefined);
    }

    /// Deliberate (README): `endChat` clears the conversation when the deployment allows
    /// it (the agent sees the customer leave and the history is gone), and closes the
    /// session's connections (every tab's); either way the token is forgotten, so the next
    /// `startChat` is a new conversation with nothing of this one. When the socket is down
    /// a short-lived one carries the goodbye.
    fn end_chat(&mut self, id: CommandId, now: Millis, host: &mut dyn Host) {
        let Some((token, up)) = self.chatting_mut().map(|c| (c.token.clone(), c.is_up())) else {
            // As guest chat: the chat "ends" anyway, then the command rejects.
            self.finish(host, super::End::Over);
            self.ctrl.chat_ended(host);
            return self.ctrl.out.reject_text(id, texts::NO_ACTIVE_SESSION);
        };
        let goodbye = self.goodbye(&token);
        if up {
            for frame in goodbye {
                self.send_frame(frame);
            }
        } else {
            self.farewell(token, goodbye, now);
        }
        self.ctrl.active = false;
        self.ctrl.out.data("sessionActive", Value::Bool(false));
        self.finish(host, super::End::Over);
        self.ctrl.out.resolve(id, Value::Undefined);
        self.ctrl.chat_ended(host);
    }

    /// What ending a conversation sends: Presence `Clear` when the deployment allows it,
    /// then `closeSession`.
    fn goodbye(&self, token: &str) -> Vec<String> {
        let mut frames = Vec::new();
        if self.deployment.clear {
            frames.push(requests::event(token, Event::Clear, None, requests::CLEAR_TRACING));
        }
        frames.push(requests::close_session(token));
        frames
    }

    fn restore(&mut self, r: RestoreCmd, now: Millis, host: &mut dyn Host) {
        self.ctrl.publish_capabilities();
        match self.chat {
            Chat::Restoring { .. } => return self.restore_reject(r, texts::ALREADY_RESTORING),
            Chat::Live(_) | Chat::Starting { .. } => return self.restore_reject(r, texts::RESTORE_WHILE_ACTIVE),
            Chat::Idle { .. } => {}
        }
        let Some(token) = host.storage_get(cookies::TOKEN).filter(|t| is_token(t)) else {
            return self.restore_reject(r, texts::NOTHING_TO_RESTORE);
        };
        let name = host.storage_get(cookies::NAME).unwrap_or_else(|| "Customer".into());
        let nonce = Self::new_token(host);
        let socket = self.open_socket();
        self.chat = Chat::Restoring { r, conv: Box::new(Conversation::new(token, nonce, name, false, Link::Opening { id: socket, since: now })) };
    }

    fn fetch_history(&mut self, id: CommandId, now: Millis) {
        if !self.cfg.pagination {
            return self.ctrl.out.reject_text(id, texts::HISTORY_NOT_ENABLED);
        }
        let page = match self.live_mut() {
            // While a drop's gap is unread, or another read is on, it waits its turn.
            Some(c) if c.gap || c.reading.is_some() => return self.ctrl.out.reject_text(id, super::history::HISTORY_FAILED),
            Some(c) if !c.all_received => c.older_page,
            _ => return self.ctrl.out.reject_text(id, texts::NO_MORE_MESSAGES),
        };
        self.read_history(Purpose::Older { cmd: id }, page, now);
    }

    /// Deliberate (README): guest chat refuses `updateUserData` during a chat; web
    /// messaging sends the attributes with the next message, so it resolves.
    fn update_user_data(&mut self, id: CommandId, data: &Value) {
        self.ctrl.merge_user_data(data);
        let attributes: Map = self.ctrl.user_data.iter().map(|(k, v)| (k.clone(), attribute_text(v))).collect();
        let max = self.conv().and_then(|c| c.max_custom_bytes);
        if let Some(limit) = max {
            if attributes_size(&attributes) as f64 > limit {
                return self.ctrl.out.reject_text(id, attributes_too_large(limit));
            }
        }
        if let Some(c) = self.chatting_mut() {
            let mut pending = c.attributes.take().unwrap_or_default();
            pending.assign(&Value::Object(attributes));
            c.attributes = Some(pending);
        }
        self.ctrl.out.resolve(id, Value::Object(self.ctrl.user_data.clone()));
    }

    /// Opens a socket for the current deployment.
    pub(super) fn open_socket(&mut self) -> crate::engine::output::SocketId {
        let id = self.next_socket;
        self.next_socket += 1;
        self.ctrl.out.push(Action::SocketOpen { id, url: self.cfg.socket() });
        id
    }
}

/// The bytes of custom attributes as the server counts them (keys and values, UTF-8).
pub fn attributes_size(a: &Map) -> usize {
    a.iter().map(|(k, v)| k.len() + v.as_str().map_or(0, str::len)).sum()
}

/// A custom attribute's value as text (the server takes strings).
fn attribute_text(v: &Value) -> Value {
    match v {
        Value::String(_) => v.clone(),
        Value::Object(_) | Value::Array(_) => Value::String(v.to_json()),
        Value::Undefined | Value::Null => Value::str(""),
        other => Value::String(other.to_js_string()),
    }
}

/// A stored token that can be one (a UUID's characters, bounded).
fn is_token(t: &str) -> bool {
    !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub fn attributes_too_large(limit: f64) -> String {
    format!("The custom attributes (userData and the form's fields) exceed the deployment's limit of {} bytes.", limit as u64)
}
