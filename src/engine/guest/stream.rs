//! The event stream: opening the WebSocket (for a start, a restore or a reconnect),
//! its frames, the heartbeat watchdog, reconnecting with backoff, and what was missed
//! while it was down.

use super::messages::Kind;
use super::{Fetch, MePurpose, Opening, PageKind, Pending, Session, AGENT_TYPING_MS, HELD_MAX, MAX_PAGES};
use crate::engine::host::Host;
use crate::engine::json::{obj, parse, Value};
use crate::engine::output::{Action, Body, SocketEvent, SocketId};
use crate::engine::{texts, Millis};

impl Session {
    pub fn handle_socket(&mut self, id: SocketId, event: SocketEvent, now: Millis, host: &mut dyn Host) {
        if self.socket.as_ref().map(|s| s.id) != Some(id) {
            return;
        }
        match event {
            SocketEvent::Opened => self.socket_opened(now, host),
            SocketEvent::Message(text) => self.frame(&text, now, host),
            SocketEvent::Closed => self.socket_closed(now, host),
        }
    }

    fn socket_opened(&mut self, now: Millis, host: &mut dyn Host) {
        // A second `open` of the same socket (browsers send one) changes nothing.
        let Some(purpose) = self.socket.as_mut().filter(|s| !s.open).map(|s| {
            s.open = true;
            s.purpose
        }) else {
            return;
        };
        self.active = true;
        match purpose {
            Opening::Start { cmd } => {
                self.write_cookies(host);
                self.ctrl.out.publish("started", obj([("data", Value::Object(self.session_data.clone()))]));
                self.ctrl.out.command("App.registerAutoLoad");
                self.get_me(MePurpose::AfterStart);
                self.ctrl.out.publish_direct("ajaxResponse", Value::Undefined);
                self.ctrl.activate();
                self.ctrl.out.resolve(cmd, Value::Undefined);
                let started = crate::engine::nextgen::joined_item("Client", None, None);
                let item = self.post_synthetic(started, now, host);
                self.ctrl.out.publish("clientConnected", obj([("message", item), ("agents", Value::Object(self.agents.clone()))]));
                self.opening = false;
            }
            Opening::Restore(r) => {
                self.lost = false;
                self.ctrl.out.publish("restored", Value::Undefined);
                self.ctrl.activate();
                if self.cfg.pagination {
                    self.next_page(PageKind::Restore(r));
                } else {
                    self.fetch_messages(Fetch::RestoreAll(r));
                }
            }
            Opening::Reconnect => {
                if self.lost {
                    self.lost = false;
                    self.ctrl.out.publish("reconnected", Value::Undefined);
                }
                self.opening = false;
                if !self.sd("conversationId").is_empty() && (self.gap_after.is_some() || !self.sd("lastMessageId").is_empty()) {
                    self.fetch_messages(Fetch::CatchUp);
                } else {
                    self.gap_after = None;
                    self.get_me(MePurpose::AfterCatchUp);
                }
            }
        }
    }

    fn socket_closed(&mut self, now: Millis, host: &mut dyn Host) {
        let Some(sock) = self.socket.take() else { return };
        self.watchdog_at = None;
        if !sock.open {
            match sock.purpose {
                Opening::Start { cmd } => {
                    self.socket_error();
                    self.opening = false;
                    self.active = false;
                    return self.ctrl.out.reject_text(cmd, texts::SOCKET_FAILED);
                }
                Opening::Restore(r) => {
                    self.socket_error();
                    self.active = false;
                    self.restore_reject(r, texts::SOCKET_FAILED);
                    return self.restore_failed(Value::Undefined, host);
                }
                Opening::Reconnect => {}
            }
        }
        self.lost = true;
        self.mark_gap();
        if self.active {
            self.opening = true;
            self.reconnect_at = Some(now.saturating_add(self.backoff.next_delay()));
        }
    }

    /// The shipped socket `error` listener's report (not while reconnecting).
    fn socket_error(&mut self) {
        if !self.lost {
            self.publish_error(obj([("code", Value::str("")), ("response", obj([("isTrusted", Value::Bool(true))]))]));
        }
    }

    pub(super) fn reconnect(&mut self) {
        if self.active && self.socket.is_none() {
            self.open_socket(Opening::Reconnect);
        }
    }

    /// No frame for `socketHeartbeatTrackerInterval` on an open socket: it is dead.
    pub(super) fn watchdog_fired(&mut self, now: Millis, host: &mut dyn Host) {
        if self.socket.as_ref().is_some_and(|s| s.open) {
            self.lost = true;
            self.ctrl.out.publish("disconnected", Value::Undefined);
            if let Some(s) = self.socket.as_ref() {
                self.ctrl.out.push(Action::SocketClose { id: s.id });
            }
            self.socket_closed(now, host);
        }
    }

    fn frame(&mut self, text: &str, now: Millis, host: &mut dyn Host) {
        let Ok(f) = parse(text) else { return };
        let body = f.get("eventBody").clone();
        let meta = f.get("metadata");
        if body.truthy() && (body.get("message").as_str() == Some("WebSocket Heartbeat") || meta.truthy()) {
            self.watchdog_at = Some(now.saturating_add(self.cfg.heartbeat_ms));
            self.backoff.reset();
        }
        if !(meta.truthy() && body.truthy()) {
            return;
        }
        match meta.get("type").as_str() {
            Some("typing-indicator") => {
                let sender = body.path("sender.id").to_js_string();
                if let Some(p) = self.presence(&sender).cloned() {
                    if p.get("role").as_str() == Some("AGENT") {
                        let avatar = if p.get("avatarImageUrl").truthy() { p.get("avatarImageUrl").clone() } else { Value::str("") };
                        self.agent_format.insert("avatar", avatar);
                    }
                }
                if let Some(agent) = self.agents.get(&sender).cloned() {
                    let avatar = self.agent_format.get("avatar").cloned().unwrap_or(Value::Undefined);
                    let from = obj([("name", agent.get("name").clone()), ("id", Value::str(sender.as_str())), ("avatar", avatar)]);
                    self.ctrl.out.publish("agentTypingStarted", obj([("from", from)]));
                    self.agent_typing_until = Some(now.saturating_add(AGENT_TYPING_MS));
                }
            }
            Some("message") => {
                let bt = body.get("bodyType").as_str().unwrap_or("").to_owned();
                let sender = body.path("sender.id").to_js_string();
                if bt != "standard" && bt != "notice" {
                    self.check_member(&bt, &sender);
                }
                self.session_data.insert("lastMessageId", body.get("id").clone());
                if self.last_id.moved(now) {
                    self.write_last_id(host);
                }
                self.held.push_back(body);
                self.release_held(now, host);
            }
            _ => {}
        }
    }

    /// Publishes the held frames whose senders are known, in order, once no member
    /// lookup is in flight (a join is announced before the messages that follow it).
    pub(super) fn release_held(&mut self, now: Millis, host: &mut dyn Host) {
        // While the chat is about to end for us, everything waits for the end (as the
        // shipped transport's buffer does).
        if (self.member_lookups > 0 || (self.end_at.is_some() && self.ctrl.keep_transcript)) && self.held.len() < HELD_MAX {
            return;
        }
        let mut batch = Vec::new();
        while let Some(head) = self.held.front() {
            let sender = head.path("sender.id").to_js_string();
            // Our own message's copy waits for the answer to its send, so the command
            // settles before the copy is published (as the shipped batching has it).
            if sender == self.sd("memberId") && self.outbox.in_flight() && self.held.len() < HELD_MAX {
                break;
            }
            let known = head.path("sender.id").is_nullish()
                || self.presence(&sender).is_some()
                || self.members.contains_key(&sender)
                || self.unresolvable.contains(&sender)
                || self.members.len() >= super::MEMBERS_MAX;
            if !known && self.held.len() < HELD_MAX {
                if !self.looking_up.contains(&sender) && self.active && self.looking_up.len() < super::LOOKUPS_MAX {
                    self.looking_up.push(sender.clone());
                    self.lookup(&sender, "", Value::Undefined);
                }
                break;
            }
            if let Some(f) = self.held.pop_front() {
                batch.push(f);
            }
        }
        if batch.is_empty() {
            return;
        }
        let typing_stops = if self.agent_typing_until.is_some() {
            batch
                .iter()
                .filter(|m| {
                    let id = m.path("sender.id").to_js_string();
                    let role = self.members.get(&id).map(|x| x.get("role").clone()).or_else(|| self.presence(&id).map(|p| p.get("role").clone()));
                    role.is_some_and(|r| r.as_str() == Some("AGENT"))
                })
                .count()
        } else {
            0
        };
        self.parse_transcript(batch, Kind::Live, now, host);
        if typing_stops > 0 {
            self.agent_typing_until = None;
            for _ in 0..typing_stops {
                self.ctrl.out.publish("agentTypingStopped", Value::Undefined);
            }
        }
        if !self.held.is_empty() {
            self.release_held(now, host);
        }
    }

    /// `GET …/messages` (after the last id seen, for a catch-up or a probe), following
    /// `next`.
    pub(super) fn fetch_messages(&mut self, fetch: Fetch) {
        let query = match (fetch, &self.gap_after) {
            (Fetch::RestoreAll(_), _) => Vec::new(),
            // From the last message before the gap ("" when none came: everything; what
            // was published already is known by its id and left out).
            (Fetch::CatchUp, Some(after)) if after.is_empty() => Vec::new(),
            (Fetch::CatchUp, Some(after)) => vec![("after", after.clone())],
            _ => vec![("after", self.sd("lastMessageId"))],
        };
        let url = self.url(&self.conversation_path("/messages"), &query);
        self.request("GET", url, Body::None, true, Pending::Messages { fetch, acc: Vec::new(), pages: 0 });
    }

    /// A page of a messages fetch answered: the next one, or the whole set is done.
    pub(super) fn messages_page(&mut self, fetch: Fetch, mut acc: Vec<Value>, pages: u32, page: Value, request: u64, host: &mut dyn Host) {
        if let Some(items) = page.get("entities").as_array() {
            acc.extend(items.iter().cloned());
        }
        if let Some(next) = page.get("next").as_str().filter(|n| !n.is_empty()) {
            if pages + 1 < MAX_PAGES {
                let url = format!("{}{}", self.cfg.data_url, next);
                self.request("GET", url, Body::None, true, Pending::Messages { fetch, acc, pages: pages + 1 });
                return;
            }
        }
        if let Fetch::RestoreAll(r) = fetch {
            self.restoring = false;
            self.restore_resolved(r);
        }
        let _ = host;
        self.get_members(super::AfterMembers::Fetched { fetch, messages: acc, request });
    }

    /// A restore finished: the controller marks the session active.
    pub(super) fn restore_resolved(&mut self, r: super::RestoreCmd) {
        self.ctrl.activate();
        match r.cmd {
            Some(cmd) if r.asynchronous => self.ctrl.out.resolve_empty(cmd),
            Some(cmd) => self.ctrl.out.resolve(cmd, Value::Undefined),
            None => {}
        }
    }

    /// The stream is down: what arrives from now on may skip messages the server takes
    /// meanwhile, so the catch-up point stays where the stream left off.
    pub(super) fn mark_gap(&mut self) {
        if self.gap_after.is_none() && self.active {
            self.gap_after = Some(self.sd("lastMessageId"));
        }
    }

    /// The catch-up after a reconnect brought everything since the gap.
    pub(super) fn caught_up(&mut self) {
        self.gap_after = None;
        self.catch_up_failures = 0;
    }

    /// The catch-up failed (an error, no answer, a cut answer): tried again from the
    /// same point, later each time (1 s, 2 s, ... at most 30 s), while the stream is up.
    pub(super) fn catch_up_failed(&mut self, now: Millis) {
        self.catch_up_failures = self.catch_up_failures.saturating_add(1);
        let delay = (1000u64 << self.catch_up_failures.clamp(1, 6).saturating_sub(1)).min(30_000);
        self.catch_up_at = Some(now.saturating_add(delay));
    }

    pub(super) fn retry_catch_up(&mut self) {
        if self.active && !self.lost && !self.opening && self.gap_after.is_some() {
            self.fetch_messages(Fetch::CatchUp);
        }
    }

    /// A send got no answer on a healthy stream: fetch what arrived since, to learn
    /// whether it did.
    pub(super) fn start_probe(&mut self) {
        if self.active && !self.lost && !self.opening && self.outbox.uncertain() {
            self.fetch_messages(Fetch::Probe);
        }
    }
}
