//! HTTP answers on a Nexus v3 chat: what the shipped transport's success and error
//! callbacks do with each, in the shipped order, and the messages of poll and restore
//! answers turned into bus events (`messages.rs` has the per-message rules).

use super::messages::{events, failure, normalized, sanitized_index, transform_original, Effect, Failure};
use super::session::{Pending, PollLoop, Session, AGENT_TYPING_MS};
use super::{cookies, token};
use crate::engine::emitter::Live;
use crate::engine::host::Host;
use crate::engine::json::{obj, Value};
use crate::engine::output::{Action, Body, HttpResponse, NetError, ReadBody, StorageCall};
use crate::engine::outbox::Failed;
use crate::engine::xhr::{self, Answer, Reading};
use crate::engine::{Millis, RequestId};

impl Session {
    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        self.clock = now;
        let Some(at) = self.requests.iter().position(|r| r.id == id) else { return };
        let req = self.requests.remove(at);
        let reading = if matches!(req.what, Pending::Image { .. } | Pending::Attachment { .. }) { Reading::Text } else { Reading::Auto };
        let answer = xhr::read(result, reading);
        if req.chat != self.chat {
            // A request of a chat that is over settles its command, nothing else.
            let ok = matches!(answer, Answer::Done { .. });
            let v = answer.into_value();
            let cmd = match req.what {
                Pending::Create { cmd } | Pending::UserData { cmd } | Pending::Leave { cmd } | Pending::Image { cmd } | Pending::History { cmd } => Some(cmd),
                Pending::Restore { cmd, .. } | Pending::Poll { cmd } | Pending::Typing { cmd } => cmd,
                Pending::Attachment { .. } | Pending::Recreate | Pending::Send => None,
            };
            if let Some(c) = cmd {
                if ok { self.ctrl.out.resolve(c, v) } else { self.ctrl.out.reject(c, v) }
            }
            return;
        }
        if let Pending::Attachment { batch, slot, item } = req.what {
            // Deliberate: an image that cannot be fetched keeps its server URL (the
            // shipped transport then never publishes that answer's messages).
            let url = match &answer {
                Answer::Done { data: Value::String(u), status: 200..=299 } if u.starts_with("data:") => Some(u.clone()),
                _ => None,
            };
            return self.attachment(batch, slot, item, url, now, host);
        }
        match answer {
            Answer::Done { data, .. } => self.on_done(id, req.what, data, now, host),
            Answer::Fail(x) => self.on_fail(id, req.what, Value::Xhr(Box::new(x)), now, host),
        }
    }

    fn on_done(&mut self, rid: RequestId, what: Pending, e: Value, now: Millis, host: &mut dyn Host) {
        if matches!(what, Pending::Poll { .. }) {
            host.set_poll_flag("false");
        }
        match what {
            Pending::Create { cmd } => {
                let token_text = e.path("data.clientToken").as_str().map(str::to_owned);
                let payload = token_text.as_deref().and_then(token::payload).and_then(|p| p.as_object().cloned());
                let (Some(t), Some(mut sd)) = (token_text, payload) else {
                    self.ctrl.out.reject(cmd, e.clone());
                    return self.publish_error(e);
                };
                self.active = true;
                sd.insert("token", Value::str(t.as_str()));
                self.session_data = sd;
                self.session_data_missing = false;
                self.keep_session(host);
                self.ctrl.out.publish("started", obj([("data", Value::Object(self.session_data.clone()))]));
                self.ctrl.out.command("App.registerAutoLoad");
                self.poll_now(None, None, host);
                self.ctrl.out.publish_direct("ajaxResponse", e.clone());
                self.ctrl.active = true;
                self.ctrl.out.data("sessionActive", Value::Bool(true));
                self.ctrl.out.resolve(cmd, e);
            }
            Pending::Recreate => {
                let token_text = e.path("data.clientToken").as_str().map(str::to_owned);
                let payload = token_text.as_deref().and_then(token::payload).and_then(|p| p.as_object().cloned());
                let (Some(t), Some(mut sd)) = (token_text, payload) else {
                    self.restore_failed(e.clone(), host);
                    return self.publish_error(e);
                };
                sd.insert("token", Value::str(t.as_str()));
                self.session_data = sd;
                self.session_data_missing = false;
                self.keep_session(host);
                if self.sd("sessionId") == "undefined" {
                    // Deliberate: not left restoring (the shipped one only rejects).
                    self.restore_failed(e, host);
                    return self.terminate(host);
                }
                let url = self.session_url("/messages", &[("count", self.cfg.max_page.to_string()), ("operationId", self.operation_id())]);
                let headers = self.headers(host);
                self.request("GET", url, headers, Body::None, false, Pending::Restore { cmd: None, recreated: true });
            }
            Pending::Restore { cmd, recreated } => {
                if !e.get("data").truthy() {
                    if let Some(c) = cmd {
                        self.ctrl.out.reject(c, e.clone());
                    }
                    self.restore_failed(e, host);
                    return self.terminate(host);
                }
                self.active = true;
                host.set_poll_flag("false");
                let asynchronous = self.cfg.async_mode || recreated;
                self.ctrl.out.publish("restored", obj([("async", Value::Bool(asynchronous))]));
                if asynchronous {
                    self.ctrl.out.data("WebChatService.mode", obj([("async", Value::Bool(true))]));
                }
                self.ctrl.active = true;
                self.ctrl.out.data("sessionActive", Value::Bool(true));
                self.restoring = false;
                self.ctrl.answer_verify(self.ctrl.active);
                let mut e = e;
                let mut list = messages_mut(&mut e).map(std::mem::take).unwrap_or_default();
                self.set_previous_index(&list, host);
                let published = self.take_messages(&mut list, Batch::Restore, now, host);
                if let Some(a) = messages_mut(&mut e) {
                    *a = list;
                }
                self.poll_now(None, None, host);
                if let Some(c) = cmd {
                    self.ctrl.out.resolve(c, e);
                }
                self.publish_messages(published, host);
            }
            Pending::Poll { cmd } => {
                self.poll_error = false;
                self.resume_from_own = false;
                self.poll = if self.poll == PollLoop::InFlight { PollLoop::Waiting { at: now } } else { self.poll };
                let mut published = None;
                let ended = e.path("data.chatEnded") == &Value::Bool(true) && self.active;
                if let Some(list) = e.path("data.messages").as_array() {
                    published = Some(self.take_messages(&mut list.clone(), Batch::Poll, now, host));
                }
                if ended {
                    // The messages that came with the end (the agent leaving) first.
                    if let Some(p) = published.take() {
                        self.publish_messages(p, host);
                    }
                    self.server_ended(host);
                    if let Some(c) = cmd {
                        self.ctrl.out.resolve_empty(c);
                    }
                    return;
                }
                self.schedule_poll(now);
                if self.disconnected {
                    self.disconnected = false;
                    self.ctrl.out.publish("reconnected", Value::Undefined);
                }
                if let Some(c) = cmd {
                    self.ctrl.out.resolve_empty(c);
                }
                if let Some(p) = published {
                    self.publish_messages(p, host);
                }
                // A send that got no answer and is not in what this poll brought (nor
                // waits for its images) did not arrive: it goes again. What waited for
                // the connection goes now.
                if self.batches.is_empty() {
                    self.outbox.checked(rid);
                }
                self.pump_outbox(host);
            }
            Pending::Send => {
                if let Some(m) = self.outbox.answered(rid, true) {
                    self.ctrl.out.resolve(m.cmd, e.clone());
                }
                if e.get("chatEnded") == &Value::Bool(true) && self.active {
                    self.server_ended(host);
                }
                self.pump_outbox(host);
            }
            Pending::Typing { cmd } => {
                if let Some(c) = cmd {
                    self.ctrl.out.resolve(c, e);
                }
            }
            Pending::History { cmd } => {
                if !e.get("data").truthy() {
                    self.continue_poll(host);
                    return self.ctrl.out.reject(cmd, e);
                }
                let mut e = e;
                let mut list = messages_mut(&mut e).map(std::mem::take).unwrap_or_default();
                let older = list.iter().any(|m| self.older_than_shown(&sanitized_index(m.get("index"))));
                let newer = list.iter().any(|m| self.newer_than_start(&sanitized_index(m.get("index"))));
                if !self.history_by_count && newer && !older {
                    // Deliberate: the page holds what is shown and nothing older, so the
                    // server ignored `index`: page back by a growing `count` instead.
                    self.history_by_count = true;
                    return self.history_page_by_count(cmd, host);
                }
                let published = (!list.is_empty()).then(|| {
                    self.set_previous_index(&list, host);
                    self.take_messages(&mut list, Batch::History, now, host)
                });
                // Deliberate, for servers whose pages are not the inferred ones (the page
                // before the index, that index included): a page with nothing new is the
                // start, so the next fetchHistory says "No more messages to fetch" instead
                // of asking for the same page forever.
                if published.as_ref().is_none_or(|p| p.slots.is_empty()) {
                    self.all_received = true;
                }
                if let Some(a) = messages_mut(&mut e) {
                    *a = list;
                }
                self.ctrl.out.resolve(cmd, e);
                if let Some(p) = published {
                    self.publish_messages(p, host);
                }
                // Deliberate: also when the page brought nothing new (the shipped poll
                // then stays paused for good).
                self.continue_poll(host);
            }
            Pending::UserData { cmd } => self.ctrl.out.resolve(cmd, e),
            Pending::Image { cmd } => self.ctrl.out.resolve(cmd, e),
            Pending::Attachment { .. } => {}
            Pending::Leave { cmd } => {
                self.chat_ended(host);
                self.ctrl.out.publish("agentDisconnected", obj([("agents", Value::Object(self.agents.clone()))]));
                self.ctrl.out.resolve(cmd, e);
                self.terminate(host);
            }
        }
    }

    fn on_fail(&mut self, rid: RequestId, what: Pending, x: Value, now: Millis, host: &mut dyn Host) {
        if matches!(what, Pending::Poll { .. }) {
            host.set_poll_flag("false");
        }
        if matches!(what, Pending::Recreate | Pending::Restore { .. }) && self.restoring && crate::engine::retry::transient(&x) && self.restore_retry.failed(now) {
            // Deliberate (README): the restore goes on after a failure that says nothing
            // about the chat (the shipped one gives the chat up at once).
            return;
        }
        match what {
            Pending::Create { cmd } => {
                let url = self.url("", &[]);
                let to = crate::engine::diagnostics::StartTarget { url: &url, url_option: "webchat.transport.dataURL", key_option: "webchat.transport.headers (x-api-key)" };
                crate::engine::diagnostics::start_failed(&mut self.ctrl.out, &mut self.reported, &to, x.get("status").as_f64().unwrap_or(0.0));
                self.ctrl.out.reject(cmd, x.clone());
                self.handle_error(x, host);
            }
            Pending::Recreate => {
                // Read while still restoring: a 401 now means the stored session is gone.
                let failure = failure(&x, self.cfg.async_mode && self.restoring);
                self.restore_failed(x.clone(), host);
                match failure {
                    Failure::SessionLost => self.session_lost(x, host),
                    Failure::Error(e) => self.publish_error(e),
                }
            }
            Pending::Restore { cmd, recreated } => {
                if recreated {
                    self.restore_failed(x.clone(), host);
                    self.publish_error(x.clone());
                } else {
                    self.publish_error(x.clone());
                    self.restore_failed(x.clone(), host);
                }
                // Deliberate after a re-create: not left restoring (the shipped one is).
                self.terminate(host);
                if let Some(c) = cmd {
                    self.ctrl.out.reject(c, x);
                }
            }
            Pending::Poll { cmd } => {
                self.poll = if self.poll == PollLoop::InFlight { PollLoop::Waiting { at: now } } else { self.poll };
                self.resume_from_own = true;
                let status = x.get("status").as_f64().unwrap_or(0.0);
                if status == 0.0 && !self.disconnected {
                    self.disconnected = true;
                    self.ctrl.out.publish("disconnected", Value::Undefined);
                } else if !self.disconnected {
                    self.handle_error(x.clone(), host);
                }
                if status != 429.0 {
                    self.poll_error = true;
                }
                self.schedule_poll(now);
                if let Some(c) = cmd {
                    self.ctrl.out.reject(c, Value::Undefined);
                }
            }
            Pending::Send => {
                // Deliberate (README): no answer, a cut answer or a server error may have
                // arrived; the next polls tell, and it goes again only if it did not. A
                // refusal for good rejects as shipped: `error`, then the transport's
                // rejection with nothing (one `undefined` argument).
                let status = x.get("status").as_f64().unwrap_or(0.0);
                let refused = !self.active || crate::engine::xhr::refused_for_good(status);
                match self.outbox.failed(rid, refused, self.next_request) {
                    Failed::Delivered(m) => self.ctrl.out.resolve(m.cmd, Value::Undefined),
                    Failed::Refused(m) => {
                        self.publish_error(x);
                        self.ctrl.out.reject(m.cmd, Value::Undefined);
                    }
                    Failed::Uncertain | Failed::Stale => {}
                }
                self.pump_outbox(host);
            }
            Pending::Typing { cmd } => {
                self.publish_error(x.clone());
                if let Some(c) = cmd {
                    self.ctrl.out.reject(c, x);
                }
            }
            Pending::History { cmd } => {
                self.continue_poll(host);
                self.publish_error(x.clone());
                self.ctrl.out.reject(cmd, x);
            }
            Pending::UserData { cmd } => self.ctrl.out.reject(cmd, x),
            Pending::Image { cmd } => {
                self.handle_error(x.clone(), host);
                self.ctrl.out.reject(cmd, x);
            }
            Pending::Attachment { .. } => {}
            Pending::Leave { cmd } => {
                self.chat_ended(host);
                self.ctrl.out.reject(cmd, Value::Undefined);
                self.terminate(host);
            }
        }
    }

    /// The server ended the chat (`chatEnded`: the agent closed it).
    ///
    /// Deliberate (README): ended as the other transports end a chat the server closed
    /// (`ended`, `sessionActive` false, sends reject until the next `startChat`); the
    /// shipped transport only stops polling and leaves the chat half open.
    pub(super) fn server_ended(&mut self, host: &mut dyn Host) {
        self.stop_poll(host);
        self.ctrl.reset();
        crate::engine::prefilters::clear(&mut self.ctrl.filters, host);
        self.ctrl.out.publish("ended", Value::Undefined);
        self.ctrl.out.command("App.deregisterAutoLoad");
        self.terminate(host);
    }

    /// The shipped `handleError`: a lost session, or an `error` event.
    fn handle_error(&mut self, x: Value, host: &mut dyn Host) {
        match failure(&x, self.cfg.async_mode && self.restoring) {
            Failure::SessionLost => self.session_lost(x, host),
            Failure::Error(e) => self.publish_error(e),
        }
    }

    /// The shipped `handleSessionLost`: the integrator's `deleteSessionData`, then
    /// `sessionLost`, `error` with the jqXHR, and the session is over.
    fn session_lost(&mut self, x: Value, host: &mut dyn Host) {
        if self.cfg.callbacks.delete {
            let data = obj([("sessionData", Value::Object(self.session_data.clone())), ("response", x.clone())]);
            self.ctrl.out.push(Action::Storage(StorageCall::Delete(data)));
        }
        self.restoring = false;
        host.set_poll_flag("false");
        self.ctrl.reset();
        crate::engine::prefilters::clear(&mut self.ctrl.filters, host);
        self.ctrl.out.publish("sessionLost", x.clone());
        self.publish_error(x);
        self.terminate(host);
    }

    fn restore_failed(&mut self, e: Value, host: &mut dyn Host) {
        self.restoring = false;
        self.ctrl.reset();
        crate::engine::prefilters::clear(&mut self.ctrl.filters, host);
        self.ctrl.out.publish("restoreFailed", e);
    }

    /// The shipped `formatMessages` up to the publish: new messages (by sanitised index)
    /// normalised, their originals transformed, their events published now. A message
    /// with image `content` first fetches each image (with the client key) and becomes a
    /// data URL; its events wait for that. Returns what `messageReceived` carries.
    ///
    /// The answer's messages are changed as the shipped code changes them in place (a
    /// command resolved with the answer shows it): each gets its `iTempIndex`, each new
    /// one the transformed sender.
    fn take_messages(&mut self, list: &mut [Value], batch_kind: Batch, now: Millis, host: &mut dyn Host) -> Published {
        self.next_batch += 1;
        let batch = self.next_batch;
        let mut slots = Vec::new();
        for item in list.iter_mut() {
            let Some(m) = item.as_object_mut() else { continue };
            let index = sanitized_index(m.get("index").unwrap_or(&Value::Undefined));
            m.insert("iTempIndex", Value::str(index.as_str()));
            // Deliberate: a poll of a server that answers with more than what is new (no
            // cursor, or a cursor a re-attach did not move) brings messages older than the
            // pages shown; they are left for fetchHistory, not shown as new after the
            // newest ones.
            if batch_kind == Batch::Poll && self.older_than_shown(&index) {
                continue;
            }
            if !self.seen.insert(&index) {
                continue;
            }
            // The events read the sender's type as the server wrote it.
            let mut original = item.clone();
            transform_original(item);
            let fetches = self.prepare_content(&mut original);
            if fetches.is_empty() {
                slots.push(self.finish_message(original, &index, now, host));
                continue;
            }
            let slot = slots.len();
            for (item, url) in &fetches {
                let headers = self.headers(host);
                self.request_as("GET", url.clone(), headers, Body::None, true, Pending::Attachment { batch, slot, item: *item }, ReadBody::DataUrl);
            }
            slots.push(Slot::Waiting { original, index, outstanding: fetches.len() });
        }
        Published { id: batch, slots, kind: batch_kind }
    }

    /// The shipped `getFileContents` before its fetches: item URLs made absolute (the
    /// sessions URL without `/sessions`, as its `replace` does), and the images to fetch.
    fn prepare_content(&self, original: &mut Value) -> Vec<(usize, String)> {
        let base = self.cfg.data_url.clone().unwrap_or_default().replacen("/sessions", "", 1);
        let mut fetches = Vec::new();
        let Some(items) = original.get_mut("content").and_then(Value::as_array_mut) else { return fetches };
        for (i, item) in items.iter_mut().enumerate() {
            if item.get("mime").truthy() && item.get("url").truthy() {
                let url = format!("{base}{}", item.get("url").to_js_string());
                if let Some(m) = item.as_object_mut() {
                    m.insert("url", Value::str(url.as_str()));
                }
            }
            if item.get("type").as_str() == Some("image") && fetches.len() < MAX_IMAGES_PER_MESSAGE {
                fetches.push((i, item.get("url").to_js_string()));
            }
        }
        fetches
    }

    /// One message ready: normalised, events published, the index cookie written.
    fn finish_message(&mut self, mut original: Value, index: &str, now: Millis, host: &mut dyn Host) -> Slot {
        let message = normalized(&original, index);
        let kind = original.get("type").as_str().unwrap_or("").to_owned();
        let role = original.get("from").get("type").as_str().unwrap_or("").to_owned();
        transform_original(&mut original);
        for effect in events(&kind, &role, &original, &mut self.agents) {
            match effect {
                // The shipped payload holds the transport's agents object itself, and the
                // bus delivers later: subscribers see it as it is after the whole answer.
                Effect::Publish(name, v) if v.get("agents").is_object() => self.ctrl.out.publish_live(name, v, Live::Agents),
                Effect::Publish(name, v) => self.ctrl.out.publish(name, v),
                Effect::TypingWindow => {
                    if self.agent_typing_until.is_none() {
                        self.agent_typing_until = Some(now.saturating_add(AGENT_TYPING_MS));
                    }
                }
            }
        }
        host.storage_set(cookies::INDEX, index);
        self.index = Value::str(index);
        self.original_index = original.get("index").clone();
        if self.uses_storage() {
            self.save_stored_session();
        }
        if let Some(m) = original.as_object_mut() {
            m.remove("iTempIndex");
        }
        Slot::Ready { original, message }
    }

    /// An image of a waiting message arrived (or did not: it keeps the server's URL).
    fn attachment(&mut self, batch: u64, slot: usize, item: usize, data_url: Option<String>, now: Millis, host: &mut dyn Host) {
        let Some(b) = self.batches.iter().position(|p| p.id == batch) else { return };
        let done = match self.batches[b].slots.get_mut(slot) {
            Some(Slot::Waiting { original, outstanding, .. }) => {
                if let (Some(url), Some(it)) = (data_url, original.get_mut("content").and_then(Value::as_array_mut).and_then(|a| a.get_mut(item))) {
                    if let Some(m) = it.as_object_mut() {
                        m.insert("url", Value::String(url));
                    }
                }
                *outstanding = outstanding.saturating_sub(1);
                *outstanding == 0
            }
            _ => false,
        };
        if done {
            if let Some(Slot::Waiting { original, index, .. }) = self.batches[b].slots.get(slot).cloned() {
                let ready = self.finish_message(original, &index, now, host);
                self.batches[b].slots[slot] = ready;
            }
        }
        if self.batches[b].slots.iter().all(|s| matches!(s, Slot::Ready { .. })) {
            let p = self.batches.remove(b);
            self.publish_messages(p, host);
        }
    }

    /// The later half of `formatMessages` (the shipped one resolves on a later task):
    /// prefilters, preprocessors, the transcript, `messageReceived`. A batch still
    /// fetching images waits (at most [`MAX_BATCHES`] batches; an older one goes out as
    /// it is).
    fn publish_messages(&mut self, p: Published, host: &mut dyn Host) {
        if p.slots.iter().any(|s| matches!(s, Slot::Waiting { .. })) {
            if self.batches.len() >= MAX_BATCHES {
                let old = self.batches.remove(0);
                self.publish_ready(old, host);
            }
            self.batches.push(p);
            return;
        }
        self.publish_ready(p, host);
    }

    fn publish_ready(&mut self, p: Published, host: &mut dyn Host) {
        let (mut originals, mut messages) = (Vec::new(), Vec::new());
        for s in p.slots {
            if let Slot::Ready { original, message } = s {
                originals.push(original);
                messages.push(message);
            }
        }
        if messages.is_empty() {
            return;
        }
        match p.kind {
            Batch::Restore => {
                sort_by_index(&mut messages, false);
                sort_by_index(&mut originals, false);
            }
            Batch::History => {
                sort_by_index(&mut messages, true);
                sort_by_index(&mut originals, true);
            }
            Batch::Poll => {}
        }
        self.ctrl.out.push(Action::Yield);
        // The visitor's own copies settle sends whose answers were lost (before the
        // event); the controller filters, preprocesses and keeps the transcript.
        let outbox = &mut self.outbox;
        let old = Value::Bool(p.kind == Batch::History);
        self.ctrl.publish(originals, messages, None, false, old, host, crate::engine::nextgen::controller::Copies::Raw, &mut |m, out| {
            if m.get("from").get("type").as_str() == Some("Client") && m.get("type").as_str() == Some("Message") {
                if let Some(sent) = m.get("text").as_str().and_then(|t| outbox.saw_own(t)) {
                    out.resolve(sent.cmd, Value::Undefined);
                }
            }
        });
    }
}

/// Images fetched for one message at most, and answers waiting for images at most.
const MAX_IMAGES_PER_MESSAGE: usize = 10;
const MAX_BATCHES: usize = 20;

/// What one answer's messages publish (`messageReceived`), held until after its events
/// and its images.
#[derive(Debug, Clone)]
pub(super) struct Published {
    pub id: u64,
    pub slots: Vec<Slot>,
    pub kind: Batch,
}

/// Where an answer's messages come from: the shipped transport sorts a restore page
/// ascending and a history page descending by index, and marks the latter `oldMessages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Batch {
    Poll,
    Restore,
    History,
}

impl Session {
    /// Whether a message's (sanitised) index is older than the oldest one a restore or
    /// history page has shown, while older pages remain to be fetched (async mode: only
    /// there does fetchHistory bring them; elsewhere they are shown as they come).
    pub(super) fn older_than_shown(&self, index: &str) -> bool {
        self.cfg.async_mode && !self.all_received && self.against_start(index) == Some(std::cmp::Ordering::Less)
    }

    /// Whether a message's index is newer than the oldest one shown (a history page of a
    /// server that reads `index` never holds one).
    fn newer_than_start(&self, index: &str) -> bool {
        self.against_start(index) == Some(std::cmp::Ordering::Greater)
    }

    /// A (sanitised) index against the oldest one a restore or history page has shown,
    /// numerically; `None` before such a page or for an index that is no number.
    fn against_start(&self, index: &str) -> Option<std::cmp::Ordering> {
        if !self.previous_start.truthy() {
            return None;
        }
        let number = |s: &str| crate::engine::json::js_decimal(s);
        number(index)?.partial_cmp(&number(&sanitized_index(&self.previous_start))?)
    }

    /// A history page for a server that ignores `index`: the newest messages, as many as
    /// were seen plus one page, so that the page's older part is what comes next.
    pub(super) fn history_page_by_count(&mut self, cmd: crate::engine::CommandId, host: &mut dyn Host) {
        let count = (self.seen.len() + self.cfg.max_page as usize).min(10_000);
        let q = [("count", count.to_string()), ("operationId", self.operation_id())];
        let url = self.session_url("/messages", &q);
        let headers = self.headers(host);
        self.request("GET", url, headers, Body::None, true, Pending::History { cmd });
    }

    /// The shipped `setPreviousIndex` on a restore or history page: a page of the one
    /// message asked from means nothing is older (the poll goes on); otherwise its first
    /// message is where the next page ends.
    fn set_previous_index(&mut self, list: &[Value], host: &mut dyn Host) {
        let Some(first) = list.first() else { return };
        let index = first.get("index").clone();
        if list.len() == 1 && index.to_js_string() == self.previous_start.to_js_string() {
            self.all_received = true;
            self.continue_poll(host);
        } else {
            self.all_received = false;
            self.previous_start = index;
        }
    }
}

#[derive(Debug, Clone)]
pub(super) enum Slot {
    Ready { original: Value, message: Value },
    /// Fetching `outstanding` images of this original (its `iTempIndex` set).
    Waiting { original: Value, index: String, outstanding: usize },
}

/// `data.messages` of an answer, to change in place.
fn messages_mut(e: &mut Value) -> Option<&mut Vec<Value>> {
    e.get_mut("data")?.get_mut("messages")?.as_array_mut()
}

/// By the (sanitised) index, numerically, ascending or descending, as the shipped restore
/// and history sort (a stable sort: equal keys keep their order).
fn sort_by_index(list: &mut Vec<Value>, descending: bool) {
    let sign = if descending { -1.0 } else { 1.0 };
    let mut keys: Vec<(f64, usize)> = list.iter().enumerate().map(|(i, v)| (sign * crate::engine::json::js_decimal(&sanitized_index(v.get("index"))).unwrap_or(0.0), i)).collect();
    crate::engine::sort::merge_sort(&mut keys);
    let mut slots: Vec<Option<Value>> = std::mem::take(list).into_iter().map(Some).collect();
    *list = keys.into_iter().filter_map(|(_, i)| slots.get_mut(i).and_then(Option::take)).collect();
}
