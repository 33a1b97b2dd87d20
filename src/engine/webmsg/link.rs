//! The conversation's socket: opening it, `configureSession` and its answer (which moves
//! a start, a restore or a reconnect on), the health check, and reconnecting with backoff
//! after a drop, a refused upgrade or a dead socket.

use super::frames::{Frame, SessionInfo};
use super::requests::{self, Event};
use super::{cookies, Chat, End, Health, Link, Purpose, Session};
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::output::{Action, LogLevel, SocketEvent, SocketId};
use crate::engine::{texts, Millis};

/// An open socket that said nothing for this long gets one `echo`.
pub const QUIET_MS: Millis = 30_000;
/// An `echo` unanswered for this long means the socket is dead.
pub const ECHO_WAIT_MS: Millis = 15_000;
/// The server takes two echoes a minute.
const ECHO_WINDOW_MS: Millis = 60_000;
/// A restore whose socket cannot be opened gives up after this many tries.
const RESTORE_OPENS: u32 = 6;
/// A socket that has not opened, or a `configureSession` not answered, after this long
/// counts as failed.
pub const OPEN_WAIT_MS: Millis = 20_000;

/// A short-lived socket that tells the server a chat ended while its own socket was down.
#[derive(Debug, Clone)]
pub struct Farewell {
    pub id: SocketId,
    pub since: Millis,
    token: String,
    frames: Vec<String>,
}

/// When the health check next has something to do.
pub fn health_deadline(h: &Health) -> Millis {
    match h.echo_sent {
        Some(sent) => sent.saturating_add(ECHO_WAIT_MS),
        None => next_echo(h),
    }
}

/// When the next echo may go: after the quiet time, and within the server's limit.
fn next_echo(h: &Health) -> Millis {
    let quiet = h.last_frame.saturating_add(QUIET_MS);
    match h.recent {
        [Some(a), Some(b)] => quiet.max(a.min(b).saturating_add(ECHO_WINDOW_MS)),
        _ => quiet,
    }
}

fn fresh_health(now: Millis) -> Health {
    Health { last_frame: now, echo_sent: None, recent: [None, None] }
}

impl Session {
    pub fn handle_socket(&mut self, id: SocketId, event: SocketEvent, now: Millis, host: &mut dyn Host) {
        if self.farewell.as_ref().is_some_and(|f| f.id == id) {
            return self.farewell_event(event);
        }
        if self.conv().and_then(|c| c.socket()) != Some(id) {
            return;
        }
        match event {
            SocketEvent::Opened => self.socket_opened(id, now),
            SocketEvent::Message(text) => {
                if let Some(Link::Up { health, .. }) = self.conv_mut().map(|c| &mut c.link) {
                    health.last_frame = now;
                    health.echo_sent = None;
                }
                let frame = super::frames::read(&text);
                self.frame(frame, now, host);
            }
            SocketEvent::Closed => self.socket_closed(now, host),
        }
    }

    /// Sends a goodbye on a socket of its own (the chat's own was down when it ended).
    pub(super) fn farewell(&mut self, token: String, frames: Vec<String>, now: Millis) {
        if let Some(old) = self.farewell.take() {
            self.ctrl.out.push(Action::SocketClose { id: old.id });
        }
        let id = self.open_socket();
        self.farewell = Some(Farewell { id, since: now, token, frames });
    }

    fn farewell_event(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Opened => {
                let Some(f) = self.farewell.as_mut() else { return };
                let (id, token, frames) = (f.id, f.token.clone(), std::mem::take(&mut f.frames));
                let configure = requests::configure_session(&token, &self.cfg.deployment_id, false);
                self.ctrl.out.push(Action::SocketSend { id, text: configure });
                for text in frames {
                    self.ctrl.out.push(Action::SocketSend { id, text });
                }
            }
            // The server answered: it has the goodbye.
            SocketEvent::Message(_) => {}
            SocketEvent::Closed => self.farewell = None,
        }
    }

    fn socket_opened(&mut self, id: SocketId, now: Millis) {
        let deployment = self.cfg.deployment_id.clone();
        let Some(c) = self.conv_mut().filter(|c| matches!(c.link, Link::Opening { id: i, .. } if i == id)) else { return };
        c.link = Link::Configuring { id, since: now };
        let frame = requests::configure_session(&c.token, &deployment, c.start_new);
        self.send_frame(frame);
    }

    /// `SessionResponse`: the session is configured.
    pub(super) fn session_response(&mut self, info: SessionInfo, now: Millis, host: &mut dyn Host) {
        let Some(id) = self.conv().and_then(|c| c.socket()) else { return };
        self.learn_limits(&info);
        let chat = std::mem::replace(&mut self.chat, Chat::Idle { read_only: false });
        match chat {
            Chat::Starting { cmd, mut conv } => {
                if !info.connected || info.read_only {
                    self.chat = Chat::Starting { cmd, conv };
                    return self.start_refused(format!("the server did not open the conversation (connected: {}, readOnly: {})", info.connected, info.read_only), host);
                }
                conv.link = Link::Up { id, health: fresh_health(now) };
                conv.max_custom_bytes = info.max_custom_data_bytes;
                // A reconnect re-attaches this conversation.
                conv.start_new = false;
                host.storage_set(cookies::TOKEN, &conv.token);
                host.storage_set(cookies::NAME, &conv.name);
                let token = conv.token.clone();
                let attributes = conv.attributes.take();
                self.chat = Chat::Live(conv);
                self.backoff.reset();
                self.ctrl.out.publish("started", obj([("data", self.session_data())]));
                self.ctrl.out.command("App.registerAutoLoad");
                self.ctrl.out.publish_direct("ajaxResponse", Value::Undefined);
                self.ctrl.activate();
                self.ctrl.out.resolve(cmd, Value::Undefined);
                let item = self.ctrl.post_synthetic(crate::engine::nextgen::joined_item("Client", None, None), now, false, host);
                self.ctrl.out.publish("clientConnected", obj([("message", item), ("agents", Value::Object(Map::new()))]));
                // The auto-start Join carries the form's fields and userData, when the
                // session takes that much.
                let attributes = attributes.filter(|a| match info.max_custom_data_bytes {
                    Some(limit) if super::commands::attributes_size(a) as f64 > limit => {
                        self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: the chat's custom attributes (the form's fields and userData) exceed the deployment's limit of {} bytes; the chat starts without them.", limit as u64));
                        false
                    }
                    _ => true,
                });
                let frame = requests::event(&token, Event::Join, attributes.as_ref(), requests::JOIN_TRACING);
                self.send_frame(frame);
            }
            Chat::Restoring { r, mut conv } => {
                if info.new_session || !info.connected || info.read_only {
                    // The server no longer has the conversation: the session it just made
                    // is not wanted.
                    let frame = requests::close_session(&conv.token);
                    self.chat = Chat::Restoring { r, conv };
                    self.send_frame(frame);
                    return self.restore_failed(host);
                }
                conv.link = Link::Up { id, health: fresh_health(now) };
                conv.max_custom_bytes = info.max_custom_data_bytes;
                conv.open_failures = 0;
                self.chat = Chat::Restoring { r, conv };
                self.backoff.reset();
                // Once, also when a drop during the history read re-attached it again.
                if !self.ctrl.active {
                    self.ctrl.out.publish("restored", Value::Undefined);
                    self.ctrl.activate();
                }
                self.read_history(Purpose::Restore { all: !self.cfg.pagination }, 1, now);
            }
            Chat::Live(mut conv) => {
                if info.new_session || !info.connected {
                    self.chat = Chat::Live(conv);
                    return self.server_ended("the server no longer knows the session (a new one was opened on reconnect)", host, End::Over, now);
                }
                conv.link = Link::Up { id, health: fresh_health(now) };
                conv.max_custom_bytes = info.max_custom_data_bytes;
                let was_lost = std::mem::replace(&mut conv.lost, false);
                let gap = conv.gap;
                let read_only = info.read_only;
                self.chat = Chat::Live(conv);
                self.backoff.reset();
                if was_lost {
                    self.ctrl.out.publish("reconnected", Value::Undefined);
                }
                if gap {
                    // What was missed is published before a read-only end.
                    if let Some(c) = self.live_mut() {
                        c.end_after_read = read_only;
                    }
                    self.read_history(Purpose::CatchUp, 1, now);
                } else if read_only {
                    self.server_ended("the conversation was closed while the connection was down (read-only)", host, End::ReadOnly, now);
                } else {
                    self.pump(now);
                }
            }
            idle => self.chat = idle,
        }
    }

    /// What `SessionResponse` says about files.
    fn learn_limits(&mut self, info: &SessionInfo) {
        if !info.upload_types.is_empty() {
            self.deployment.file_types = info.upload_types.clone();
            self.deployment.max_file_kb = info.upload_max_kb;
        }
        if !info.blocked_extensions.is_empty() {
            self.deployment.blocked_extensions = info.blocked_extensions.clone();
        }
        self.ctrl.change_capability("fileUpload", Value::Bool(!self.deployment.file_types.is_empty()));
    }

    /// A start the server refused (an error answer, a session it did not open, a
    /// socket that would not open): one console line, `error`, and the start rejects
    /// with the reason. The plugin is then ready to start again.
    pub(super) fn start_refused(&mut self, why: String, host: &mut dyn Host) {
        let chat = std::mem::replace(&mut self.chat, Chat::Idle { read_only: false });
        let Chat::Starting { cmd, conv } = chat else {
            self.chat = chat;
            return;
        };
        let line = format!("WebChatService: web messaging could not start a chat for deployment '{}': {why}.", self.cfg.deployment_id);
        self.ctrl.out.log(LogLevel::Error, line);
        self.ctrl.out.publish("error", obj([("errors", Value::Array(vec![obj([("code", Value::str("StartFailed")), ("response", Value::String(why.clone()))])]))]));
        if let Some(id) = conv.socket() {
            self.ctrl.out.push(Action::SocketClose { id });
        }
        self.generation += 1;
        host.storage_remove(cookies::TOKEN);
        self.ctrl.out.reject_text(cmd, why);
    }

    /// The restore cannot go on: `restoreFailed`, a clean state.
    pub(super) fn restore_failed(&mut self, host: &mut dyn Host) {
        if let Chat::Restoring { conv, .. } = &self.chat {
            self.failed_restore = Some(conv.token.clone());
        }
        self.finish(host, End::Over);
        self.ctrl.restore_failed(Value::Undefined, host);
    }

    /// The server ended the chat (read-only, expired, closed elsewhere): the chat ends
    /// as guest chat ends one the server closed, with a console line saying why.
    pub(super) fn server_ended(&mut self, why: &str, host: &mut dyn Host, end: End, now: Millis) {
        match self.chat {
            Chat::Live(_) => {}
            Chat::Restoring { .. } if end != End::Elsewhere => return self.restore_failed(host),
            Chat::Restoring { .. } => {}
            Chat::Starting { .. } => return self.start_refused(why.to_owned(), host),
            Chat::Idle { .. } => return,
        }
        // Frames held for a read that will not finish are the chat's last words.
        let held = self.conv_mut().map(|c| std::mem::take(&mut c.held)).unwrap_or_default();
        self.show(held, now, false, Value::Undefined, host);
        self.ctrl.out.log(LogLevel::Info, format!("WebChatService: the web messaging chat ended: {why}."));
        self.finish(host, end);
        self.ctrl.chat_ended(host);
    }

    fn socket_closed(&mut self, now: Millis, host: &mut dyn Host) {
        let Some(c) = self.conv_mut() else { return };
        c.link = Link::Down { retry_at: now };
        match &mut self.chat {
            Chat::Starting { .. } => {
                self.ctrl.out.publish("error", obj([("errors", Value::Array(vec![obj([("code", Value::str("")), ("response", obj([("isTrusted", Value::Bool(true))]))])]))]));
                self.start_refused(texts::SOCKET_FAILED.to_owned(), host);
            }
            Chat::Restoring { conv, .. } if !self.ctrl.active => {
                // Deliberate: a restore whose socket cannot be opened is tried again a
                // few times (a reload during a network blip keeps its chat).
                conv.open_failures += 1;
                if conv.open_failures >= RESTORE_OPENS {
                    return self.restore_failed(host);
                }
                let delay = self.backoff.next_delay();
                if let Some(c) = self.conv_mut() {
                    c.link = Link::Down { retry_at: now.saturating_add(delay) };
                }
            }
            Chat::Restoring { .. } => {
                // Re-attached (`restored` was published), then dropped while its history
                // was read: the chat is on, the restore settles, and the catch-up after
                // reconnecting brings what the read did not show.
                if let Chat::Restoring { r, conv } = std::mem::replace(&mut self.chat, Chat::Idle { read_only: false }) {
                    self.chat = Chat::Live(conv);
                    self.restore_resolve(r);
                }
                self.live_dropped(now);
            }
            Chat::Live(_) => self.live_dropped(now),
            Chat::Idle { .. } => {}
        }
    }

    /// A running chat's socket went down: `disconnected` (once per outage), a reconnect
    /// with backoff, and on its return a catch-up from the history.
    fn live_dropped(&mut self, now: Millis) {
        let delay = self.backoff.next_delay();
        let next = self.next_request;
        let Some(conv) = self.live_mut() else { return };
        conv.link = Link::Down { retry_at: now.saturating_add(delay) };
        conv.gap = true;
        conv.reading = None;
        // Answers to the read that was on are stale from now.
        conv.read_id += 1;
        conv.jwt_due = None;
        conv.sent_at = None;
        let waiting = conv.jwt_wait.take();
        // A send with no copy back yet may have arrived: the catch-up tells.
        if let Some(head) = conv.outbox.in_flight_request() {
            conv.outbox.lost(head, next);
        }
        if let Some(sent) = conv.attributes_sent.take() {
            let mut a = sent;
            a.assign(&Value::Object(conv.attributes.take().unwrap_or_default()));
            conv.attributes = Some(a);
        }
        let uploads: Vec<_> = conv.uploads.drain(..).collect();
        let first_drop = !std::mem::replace(&mut conv.lost, true);
        if first_drop {
            self.ctrl.out.publish("disconnected", Value::Undefined);
        }
        for u in uploads {
            self.ctrl.out.reject_text(u.cmd, UPLOAD_CUT);
        }
        if let Some((Purpose::Older { cmd }, ..)) = waiting {
            self.ctrl.out.reject_text(cmd, super::history::HISTORY_FAILED);
        }
    }

    /// The timers of the link: reopening, and the health check.
    pub(super) fn link_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        let token = match self.conv() {
            Some(c) => c.token.clone(),
            None => return,
        };
        let link = self.conv().map(|c| c.link.clone());
        match link {
            Some(Link::Opening { id, since } | Link::Configuring { id, since }) if since.saturating_add(OPEN_WAIT_MS) <= now => {
                // Neither opened nor answered: it counts as a failed open.
                self.ctrl.out.push(Action::SocketClose { id });
                self.socket_closed(now, host);
            }
            Some(Link::Down { retry_at }) if retry_at <= now => {
                let id = self.open_socket();
                if let Some(c) = self.conv_mut() {
                    c.link = Link::Opening { id, since: now };
                }
            }
            Some(Link::Up { id, health }) if health_deadline(&health) <= now => {
                if health.echo_sent.is_some() {
                    // No answer to the echo: the socket is dead.
                    self.ctrl.out.push(Action::SocketClose { id });
                    self.socket_closed(now, host);
                } else {
                    if let Some(Link::Up { health, .. }) = self.conv_mut().map(|c| &mut c.link) {
                        health.echo_sent = Some(now);
                        health.recent = [health.recent[1], Some(now)];
                    }
                    self.send_frame(requests::echo(&token));
                }
            }
            _ => {}
        }
    }

    /// A frame, as what it is.
    fn frame(&mut self, frame: Frame, now: Millis, host: &mut dyn Host) {
        match frame {
            Frame::Session(info) => self.session_response(info, now, host),
            Frame::Message(m) => self.message(*m, now, host),
            Frame::HealthCheck | Frame::Other => {}
            Frame::Jwt { jwt } => self.jwt(jwt, now),
            Frame::UploadUrl { attachment_id, url, headers } => self.upload_url(&attachment_id, url, headers, now),
            Frame::Uploaded { attachment_id, .. } => self.uploaded(&attachment_id, now),
            Frame::UploadFailed { attachment_id, code, text } => self.upload_failed(&attachment_id, code, &text),
            Frame::TooManyRequests { retry_after_ms, tracing_id } => self.rate_limited(retry_after_ms, tracing_id.as_deref(), now),
            Frame::SessionExpired => self.server_ended("the session expired", host, End::Over, now),
            Frame::SessionCleared => self.server_ended("the conversation was cleared", host, End::Over, now),
            Frame::ConnectionClosed { reason } => {
                let why = if reason.is_empty() { "the connection was closed by the server (another tab or device took the session, or the connection limit was reached)".to_owned() } else { format!("the connection was closed by the server ({reason})") };
                self.server_ended(&why, host, End::Elsewhere, now)
            }
            Frame::Logout => self.server_ended("the visitor was logged out", host, End::Over, now),
            Frame::Error { code, text, tracing_id } => self.error_frame(code, text, tracing_id.as_deref(), now, host),
        }
    }

    /// An error answer.
    fn error_frame(&mut self, code: i64, text: String, tracing_id: Option<&str>, now: Millis, host: &mut dyn Host) {
        let configuring = matches!(self.conv().map(|c| &c.link), Some(Link::Configuring { .. }));
        // The server cannot serve now: worth asking again later.
        let transient = matches!(code, 429 | 4029 | 5000 | 500..=599);
        match code {
            4006 | 4007 => return self.server_ended(if code == 4006 { "the session expired (4006)" } else { "the server does not know the session (4007)" }, host, End::Over, now),
            _ if configuring => {
                let why = if text.is_empty() { format!("the server refused the session ({code})") } else { format!("{text} ({code})") };
                match self.chat {
                    Chat::Starting { .. } => return self.start_refused(why, host),
                    Chat::Restoring { .. } if !transient && !self.ctrl.active => return self.restore_failed(host),
                    _ => {
                        // A reconnect (or a restore) the server could not serve: tried again.
                        self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: web messaging could not re-attach the session: {why}; trying again."));
                        if let Some(id) = self.conv().and_then(|c| c.socket()) {
                            self.ctrl.out.push(Action::SocketClose { id });
                        }
                        return self.socket_closed(now, host);
                    }
                }
            }
            _ => {}
        }
        match tracing_id {
            Some(requests::JWT_TRACING) => return self.jwt_failed(now, host),
            // The chat already ended here; the server's view of the goodbye changes nothing.
            Some(requests::CLOSE_TRACING | requests::CLEAR_TRACING) => return,
            Some(requests::JOIN_TRACING) => {
                return self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: web messaging refused the chat's custom attributes ({code}: {text}); the chat goes on without them."));
            }
            _ => {}
        }
        if self.send_refused(code, &text, tracing_id) {
            return self.pump(now);
        }
        if text.contains("Conversation Clear") {
            return;
        }
        if tracing_id.is_none() && self.conv().is_some_and(|c| c.jwt_wait.is_some()) {
            // A server that names no request: an error while a JWT is awaited answers it.
            return self.jwt_failed(now, host);
        }
        self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: web messaging error {code}: {text}"));
    }
}

/// An upload cut by a dropped connection.
pub const UPLOAD_CUT: &str = "The connection dropped during the upload; send the file again.";
