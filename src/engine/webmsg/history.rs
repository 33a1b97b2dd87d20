//! The REST side: the deployment's `config.json`, and the history (`getJwt` over the
//! socket, then `GET /api/v2/webmessaging/messages`, page 1 the newest, newest first).
//! History is read at restore, after every reconnect (the server does not replay what it
//! took while the socket was down) and for `fetchHistory`; frames that arrive meanwhile
//! are held and published with it, in time order, each once.

use super::frames;
use super::requests;
use super::{Chat, Pending, Purpose, Session, MAX_PAGES};
use crate::engine::host::Host;
use crate::engine::json::{parse, Value};
use crate::engine::output::{Body, HttpResponse, LogLevel, NetError};
use crate::engine::{texts, Millis, RequestId};

impl Session {
    /// Starts a history read (one at a time: a new one makes answers to an earlier
    /// one stale).
    pub(super) fn read_history(&mut self, purpose: Purpose, page: u32, now: Millis) {
        let Some(c) = self.conv_mut() else { return };
        c.read_id += 1;
        self.read_page(purpose, page, Vec::new(), false, now);
    }

    /// Reads one page of the current read: the JWT first, when none is known.
    /// `renewed`: the JWT was already renewed once for this read.
    fn read_page(&mut self, purpose: Purpose, page: u32, acc: Vec<Value>, renewed: bool, now: Millis) {
        let Some(c) = self.conv_mut() else { return };
        c.reading = Some(purpose);
        let read = c.read_id;
        match c.jwt.clone() {
            Some(jwt) => {
                let url = self.cfg.history(page);
                let headers = vec![("Authorization".to_owned(), format!("Bearer {jwt}"))];
                self.request("GET", url, headers, Body::None, Pending::History { purpose, page, acc, read, renewed });
            }
            None => {
                c.jwt_wait = Some((purpose, page, acc, renewed));
                c.jwt_due = Some(now.saturating_add(JWT_WAIT_MS));
                let frame = requests::get_jwt(&c.token);
                if !self.send_frame(frame) {
                    // The socket is down: a restore or catch-up starts again once it
                    // is up; `fetchHistory` says so.
                    if let Some(c) = self.conv_mut() {
                        c.reading = None;
                        c.jwt_wait = None;
                        c.jwt_due = None;
                    }
                    if let Purpose::Older { cmd } = purpose {
                        self.ctrl.out.reject_text(cmd, HISTORY_FAILED);
                    }
                }
            }
        }
    }

    /// The JWT was refused or never came: the read failed (and is tried again).
    pub(super) fn jwt_failed(&mut self, now: Millis, host: &mut dyn Host) {
        let Some(c) = self.conv_mut() else { return };
        c.jwt_due = None;
        let Some((purpose, _, _, _)) = c.jwt_wait.take() else { return };
        self.history_failed(purpose, true, now, host);
    }

    /// `JwtResponse`.
    pub(super) fn jwt(&mut self, jwt: String, now: Millis) {
        let Some(c) = self.conv_mut() else { return };
        if jwt.is_empty() {
            return;
        }
        c.jwt = Some(jwt);
        c.jwt_due = None;
        if let Some((purpose, page, acc, renewed)) = c.jwt_wait.take() {
            self.read_page(purpose, page, acc, renewed, now);
        }
    }

    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        let Some(at) = self.requests.iter().position(|r| r.id == id) else { return };
        let req = self.requests.remove(at);
        let (status, body) = match &result {
            Ok(r) => (r.status, parse(&r.body).unwrap_or(Value::Undefined)),
            Err(_) => (0, Value::Undefined),
        };
        match req.what {
            Pending::DeploymentConfig => self.deployment_config(status, &body),
            // An ended chat's `fetchHistory` still settles.
            Pending::History { purpose: Purpose::Older { cmd }, .. } if req.generation != self.generation => self.ctrl.out.reject_text(cmd, HISTORY_FAILED),
            _ if req.generation != self.generation => {}
            Pending::Put { attachment_id } => self.put_answered(&attachment_id, status),
            Pending::History { purpose, page, mut acc, read, renewed } => {
                if self.conv().is_none_or(|c| c.read_id != read) {
                    // A read a drop or a newer read replaced: only its command settles.
                    if let Purpose::Older { cmd } = purpose {
                        self.ctrl.out.reject_text(cmd, HISTORY_FAILED);
                    }
                    return;
                }
                if !(200..300).contains(&status) || !body.is_object() {
                    if (status == 401 || status == 403) && !renewed {
                        // The JWT expired: a new one, once per read.
                        if let Some(c) = self.conv_mut() {
                            c.jwt = None;
                            return self.read_page(purpose, page, acc, true, now);
                        }
                    }
                    return self.history_failed(purpose, status == 0 || status == 408 || status == 429 || status >= 500, now, host);
                }
                let entities = body.get("entities").as_array().cloned().unwrap_or_default();
                let count = entities.len() as u32;
                let full = count >= self.cfg.page_size && count > 0;
                let more_pages = match (body.get("pageCount").as_f64(), body.get("total").as_f64()) {
                    (Some(pages), _) => (page as f64) < pages,
                    (None, Some(total)) => ((page * self.cfg.page_size) as f64) < total,
                    _ => full,
                };
                let overlaps = self.conv().is_some_and(|c| entities.iter().any(|e| e.get("id").as_str().is_some_and(|i| c.seen.contains(i))));
                acc.extend(entities);
                let go_on = more_pages
                    && page < MAX_PAGES
                    && match purpose {
                        Purpose::Restore { all } => all,
                        Purpose::CatchUp => !overlaps,
                        Purpose::Older { .. } => false,
                    };
                if go_on {
                    return self.read_page(purpose, page + 1, acc, renewed, now);
                }
                if let Some(c) = self.conv_mut() {
                    if !matches!(purpose, Purpose::CatchUp) {
                        c.older_page = page + 1;
                        c.all_received = !more_pages;
                    }
                }
                self.history_read(purpose, acc, now, host);
            }
        }
    }

    /// A history read finished: what it brought and what was held meanwhile, published
    /// once each, oldest first; then the chat goes on.
    fn history_read(&mut self, purpose: Purpose, entities: Vec<Value>, now: Millis, host: &mut dyn Host) {
        let mut list: Vec<frames::Message> = entities.iter().filter(|e| e.is_object()).map(|e| frames::message(e, None)).collect();
        // What arrived while the page was away may answer a send a drop left unknown
        // (only a message not seen before can be that send's copy).
        let unseen: Vec<usize> = self.conv().map_or(Vec::new(), |c| list.iter().enumerate().filter(|(_, m)| m.inbound && m.kind != "Event" && (m.id.is_empty() || !c.seen.contains(&m.id))).map(|(i, _)| i).collect());
        for i in unseen {
            if let Some(m) = list.get(i) {
                self.own_copy(m);
            }
        }
        let Some(c) = self.conv_mut() else { return };
        c.reading = None;
        c.retry.reset();
        let held = std::mem::take(&mut c.held);
        match purpose {
            Purpose::Older { cmd } => {
                let empty = list.is_empty();
                self.show(list, now, false, Value::Bool(true), host);
                if empty {
                    self.ctrl.out.reject_text(cmd, texts::NO_MORE_MESSAGES);
                } else {
                    self.ctrl.out.resolve(cmd, Value::Undefined);
                }
                // Frames held meanwhile (none are, for this read) would go here.
                self.show(held, now, false, Value::Undefined, host);
                // An older page says nothing about a drop's gap or a send's fate; a gap
                // that opened meanwhile is read now.
                if self.live_mut().is_some_and(|c| c.gap && c.is_up()) {
                    return self.read_history(Purpose::CatchUp, 1, now);
                }
                return self.pump(now);
            }
            Purpose::Restore { .. } => {
                self.show(list, now, true, Value::Undefined, host);
                let chat = std::mem::replace(&mut self.chat, Chat::Idle { read_only: false });
                let Chat::Restoring { r, conv } = chat else {
                    self.chat = chat;
                    return;
                };
                self.chat = Chat::Live(conv);
                self.restore_resolve(r);
                self.show(held, now, false, Value::Undefined, host);
            }
            Purpose::CatchUp => {
                list.extend(held);
                self.show(list, now, false, Value::Undefined, host);
            }
        }
        let request = self.next_request;
        let mut end = false;
        if let Some(c) = self.conv_mut() {
            c.gap = false;
            // A send the read did not show did not arrive: it goes again.
            c.outbox.checked(request);
            end = std::mem::take(&mut c.end_after_read);
        }
        if end {
            return self.server_ended("the conversation was closed while the connection was down (read-only)", host, super::End::ReadOnly, now);
        }
        self.pump(now);
    }

    /// A history read failed. `transient`: tried again (1, 2, 4, 8, 16 s) for a restore
    /// or a catch-up.
    pub(super) fn history_failed(&mut self, purpose: Purpose, transient: bool, now: Millis, host: &mut dyn Host) {
        let Some(c) = self.conv_mut() else { return };
        c.reading = None;
        c.jwt_wait = None;
        c.jwt_due = None;
        match purpose {
            Purpose::Older { cmd } => self.ctrl.out.reject_text(cmd, HISTORY_FAILED),
            _ if transient && c.is_up() && c.retry.failed(now) => c.retry_purpose = Some(purpose),
            _ if !c.is_up() => {}
            Purpose::Restore { .. } => {
                let held = std::mem::take(&mut c.held);
                self.ctrl.out.log(LogLevel::Warn, "WebChatService: the web messaging history could not be read; the restored chat shows only new messages.");
                // The chat itself is fine: it goes on without its transcript.
                let chat = std::mem::replace(&mut self.chat, Chat::Idle { read_only: false });
                if let Chat::Restoring { r, conv } = chat {
                    self.chat = Chat::Live(conv);
                    self.restore_resolve(r);
                } else {
                    self.chat = chat;
                }
                if let Some(c) = self.conv_mut() {
                    c.held = held;
                }
                self.release_held(now, host);
            }
            Purpose::CatchUp => {
                self.ctrl.out.log(LogLevel::Warn, "WebChatService: messages sent while the connection was down could not be read from the history.");
                if let Some(c) = self.conv_mut() {
                    c.gap = false;
                    let request = u64::MAX;
                    c.outbox.checked(request);
                }
                self.release_held(now, host);
            }
        }
    }

    /// Frames held for a read that will not come are published as they are.
    fn release_held(&mut self, now: Millis, host: &mut dyn Host) {
        let held = self.conv_mut().map(|c| std::mem::take(&mut c.held)).unwrap_or_default();
        self.show(held, now, false, Value::Undefined, host);
        self.pump(now);
    }

    /// The deployment's `config.json`: clearing, and files.
    fn deployment_config(&mut self, status: u16, body: &Value) {
        if !(200..300).contains(&status) || !body.is_object() {
            self.ctrl.out.log(LogLevel::Warn, format!("WebChatService: the web messaging deployment configuration could not be read ({}); endChat closes the session instead of clearing it.", if status == 0 { "no answer".to_owned() } else { format!("status {status}") }));
            return;
        }
        let m = body.get("messenger");
        self.deployment.clear = m.path("apps.conversations.conversationClear.enabled") == &Value::Bool(true);
        if self.deployment.file_types.is_empty() {
            if let Some(modes) = m.path("fileUpload.modes").as_array() {
                for mode in modes {
                    for t in mode.get("fileTypes").as_array().into_iter().flatten() {
                        if let Some(t) = t.as_str() {
                            self.deployment.file_types.push(t.to_owned());
                        }
                    }
                    if let Some(kb) = mode.get("maxFileSizeKB").as_f64() {
                        self.deployment.max_file_kb = Some(kb);
                    }
                }
            }
        }
        self.ctrl.change_capability("fileUpload", Value::Bool(!self.deployment.file_types.is_empty()));
    }
}

/// How long a `getJwt` may go unanswered before the read counts as failed.
const JWT_WAIT_MS: Millis = 15_000;

/// `fetchHistory` when the history could not be read.
pub const HISTORY_FAILED: &str = "The chat history could not be read; try again.";
