//! The event stream: socket life (open, lost, reconnect with backoff, heartbeat watchdog),
//! frames turned into bus events, and the queue that publishes each message as soon as its
//! sender's role is known.

use super::wire::{self, Frame, Member};
use super::{keys, MeCheck, Pending, Phase, Queued, Session, AGENT_TYPING_MS, END_DELAY_MS};
use crate::engine::host::Host;
use crate::engine::output::{Outcome, ReplyValue, SocketEvent, SocketId};
use crate::engine::Millis;
use serde_json::{json, Map, Value};

impl Session {
    pub fn handle_socket(&mut self, id: SocketId, event: SocketEvent, now: Millis, host: &mut dyn Host) {
        if self.socket != Some(id) {
            return; // a socket we already replaced or closed
        }
        match event {
            SocketEvent::Opened => self.opened(now, host),
            SocketEvent::Message(text) => {
                let Some(frame) = wire::parse_frame(&text) else { return };
                self.watchdog_at = Some(now + self.cfg.heartbeat_ms);
                self.frame(frame, now, host);
            }
            SocketEvent::Closed => self.lost(now),
        }
    }

    fn opened(&mut self, now: Millis, host: &mut dyn Host) {
        self.socket_open = true;
        self.watchdog_at = Some(now + self.cfg.heartbeat_ms);
        match self.phase {
            Phase::Starting => {
                self.phase = Phase::Active;
                self.write_cookies(host);
                self.out.data("sessionActive", Value::Bool(true));
                let session = self.conv.as_ref().map(|c| c.session()).unwrap_or_default();
                self.out.publish("started", json!({ "data": session }));
                self.out.app_command("App.registerAutoLoad");
                if let Some(c) = self.conv.clone() {
                    self.request("GET", &c.path(&format!("/members/{}", c.member_id)), None, true, Pending::Me(MeCheck::AfterStart));
                }
                let cmd = self.start_cmd.take();
                self.out.reply(cmd, Outcome::Resolve(ReplyValue::Undefined));
                let me = self.me().unwrap_or_default();
                let joined = json!({"type": "ParticipantJoined", "index": now, "timestamp": now,
                    "from": {"id": me, "type": "Client", "name": self.display_name}});
                self.publish_batch(vec![json!({"synthetic": true})], vec![joined.clone()], false, false);
                let data = self.agents.event(joined);
                self.out.publish("clientConnected", data);
            }
            Phase::Restoring => {
                self.phase = Phase::Active;
                self.write_cookies(host);
                self.out.publish("restored", json!({}));
                self.out.app_command("App.registerAutoLoad");
                self.out.data("sessionActive", Value::Bool(true));
                if let Some(c) = self.conv.clone() {
                    let listing = super::Listing::Restore { cmd: self.restore_cmd.take(), acc: Vec::new() };
                    self.request("GET", &c.path("/members"), None, true, Pending::Members { then: Some(listing) });
                }
            }
            Phase::Active => {
                // Back after an outage: tell, catch up, check we are still in the chat.
                self.backoff.reset();
                if self.disconnected {
                    self.disconnected = false;
                    self.out.publish("reconnected", json!({}));
                }
                if let Some(c) = self.conv.clone() {
                    self.request("GET", &c.path("/members"), None, true, Pending::Members { then: None });
                    let path = match &self.last_message {
                        Some(last) => c.path(&format!("/messages?after={last}&sortOrder=ascending")),
                        None => c.path("/messages?sortOrder=ascending"),
                    };
                    self.request("GET", &path, None, true, Pending::Messages(super::Listing::CatchUp { acc: Vec::new() }));
                    self.request("GET", &c.path(&format!("/members/{}", c.member_id)), None, true, Pending::Me(MeCheck::AfterReconnect));
                }
                self.pump_outbox();
            }
            Phase::Idle | Phase::Ending => {}
        }
    }

    /// The stream closed or went silent.
    fn lost(&mut self, now: Millis) {
        let was_open = self.socket_open;
        self.socket = None;
        self.socket_open = false;
        self.watchdog_at = None;
        for o in self.outbox.iter_mut() {
            o.in_flight = false;
        }
        match self.phase {
            Phase::Starting => {
                self.phase = Phase::Idle;
                let payload = Self::error_payload("websocket failed to open".into(), Value::Null);
                self.out.publish("error", payload);
                let cmd = self.start_cmd.take();
                self.out.reply(cmd, Outcome::reject_text("websocket failed to open"));
            }
            Phase::Restoring => {
                self.phase = Phase::Idle;
                self.out.publish("restoreFailed", json!({}));
                let cmd = self.restore_cmd.take();
                self.out.reply(cmd, Outcome::reject_text("websocket failed to open"));
            }
            Phase::Active => {
                if was_open && !self.disconnected {
                    self.disconnected = true;
                    self.out.publish("disconnected", json!({}));
                }
                self.reconnect_at = Some(now + self.backoff.next_delay());
            }
            Phase::Idle | Phase::Ending => {}
        }
    }

    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        if self.watchdog_at.is_some_and(|t| t <= now) {
            self.watchdog_at = None;
            if self.phase == Phase::Active && self.socket_open {
                // No heartbeat in time: the stream is dead even if the socket says otherwise.
                if let Some(id) = self.socket.take() {
                    self.out.push(crate::engine::output::Action::SocketClose { id });
                    self.socket = Some(id);
                }
                self.lost(now);
            }
        }
        if self.reconnect_at.is_some_and(|t| t <= now) {
            self.reconnect_at = None;
            if self.phase == Phase::Active {
                self.open_socket();
            }
        }
        if self.agent_typing_until.is_some_and(|t| t <= now) {
            self.agent_typing_until = None;
            self.out.publish("agentTypingTimeout", json!({}));
        }
        if self.client_typing_until.is_some_and(|t| t <= now) {
            self.client_typing_until = None;
            self.out.publish("clientTypingStopped", json!({}));
        }
        if self.end_at.is_some_and(|t| t <= now) {
            self.end_at = None;
            if matches!(self.phase, Phase::Active | Phase::Ending) {
                self.finish(host, false);
            }
        }
    }

    fn frame(&mut self, frame: Frame, now: Millis, host: &mut dyn Host) {
        match frame {
            Frame::Heartbeat | Frame::Other => {}
            Frame::Typing { sender } => {
                let agent = self.member(&sender).filter(|m| m.role == "AGENT").cloned();
                if let (Some(m), Phase::Active) = (agent, self.phase) {
                    self.out.publish("agentTypingStarted", json!({"from": {"name": m.name, "id": m.id, "avatar": m.avatar}}));
                    self.agent_typing_until = Some(now + AGENT_TYPING_MS);
                }
            }
            Frame::MemberChange { member, state } => {
                if let Some(m) = self.members.iter_mut().find(|m| m.id == member) {
                    m.state = state.clone();
                }
                if self.phase != Phase::Active && state == "DISCONNECTED" {
                    if let Some(m) = self.member(&member).filter(|m| m.role == "AGENT").cloned() {
                        self.agents.left(&m.id, json!(now));
                        let data = self.agents.event(m.raw.clone());
                        self.out.publish("agentDisconnected", data);
                    }
                }
            }
            Frame::Message(message) => {
                if self.phase == Phase::Active {
                    self.accept(vec![message], false, false, host);
                }
            }
        }
    }

    /// Takes messages (live, catch-up, restored or older), drops those already seen, looks
    /// up unknown senders, and publishes what can be published.
    pub(super) fn accept(&mut self, messages: Vec<Value>, restoring: bool, old: bool, host: &mut dyn Host) {
        for message in messages {
            let Some(id) = message.get("id").and_then(Value::as_str).map(str::to_owned) else { continue };
            if self.seen.insert(id.clone(), Value::Null).is_some() {
                continue;
            }
            if !old {
                self.last_message = Some(id.clone());
                host.storage_set(keys::LAST_MESSAGE, &id);
            }
            let bt = wire::body_type(&message).to_owned();
            let sender = wire::sender_id(&message).unwrap_or("").to_owned();
            let live_membership = !restoring && !old && (bt == "member-join" || bt == "member-leave");
            if live_membership {
                // Always ask: the frame carries no role, and the state may have changed.
                self.look_up(&sender, Some(bt == "member-join"), wire::millis(&message));
            } else if self.member(&sender).is_none() {
                self.look_up(&sender, None, None);
            }
            self.saw_own_message(&message, &sender);
            self.queue.push_back(Queued { message, restoring, old });
        }
        self.flush(host);
    }

    fn look_up(&mut self, member: &str, joined: Option<bool>, at: Option<i64>) {
        if member.is_empty() || (joined.is_none() && self.lookups.iter().any(|l| l == member)) {
            return;
        }
        let Some(c) = self.conv.clone() else { return };
        self.lookups.push(member.to_owned());
        let path = c.path(&format!("/members/{member}"));
        self.request("GET", &path, None, true, Pending::Member { id: member.to_owned(), joined, at });
    }

    /// A member look-up answered (or failed: `member` is then a placeholder).
    pub(super) fn member_known(&mut self, member: Member, joined: Option<bool>, at: Option<i64>, now: Millis, host: &mut dyn Host) {
        let id = member.id.clone();
        if let Some(at) = self.lookups.iter().position(|l| *l == id) {
            self.lookups.remove(at);
        }
        self.remember(member.clone());
        if let Some(joined) = joined {
            self.membership_events(&member, joined, at, now);
        }
        self.flush(host);
    }

    /// What a member joining or leaving means for the bus.
    fn membership_events(&mut self, m: &Member, joined: bool, at: Option<i64>, now: Millis) {
        let at = at.map(Value::from).unwrap_or(Value::Null);
        match m.role.as_str() {
            "AGENT" => {
                let kind = if joined { "ParticipantJoined" } else { "ParticipantLeft" };
                let mut item = json!({"type": kind, "index": at, "timestamp": at,
                    "from": {"id": m.id, "type": "Agent", "name": m.name.clone().unwrap_or_else(|| "Agent".into())}});
                if let Some(a) = &m.avatar {
                    item["avatar"] = json!(a);
                }
                if joined {
                    self.agents.joined(&m.id, json!(m.name), false, at.clone());
                } else {
                    self.agents.left(&m.id, at.clone());
                }
                self.publish_batch(vec![m.raw.clone()], vec![item], false, false);
                let data = self.agents.event(m.raw.clone());
                self.out.publish(if joined { "agentConnected" } else { "agentDisconnected" }, data);
            }
            "WORKFLOW" if self.cfg.bot_events => {
                let data = self.agents.event(m.raw.clone());
                self.out.publish(if joined { "botConnected" } else { "botDisconnected" }, data);
            }
            "CUSTOMER" if !joined && Some(&m.id) == self.me().as_ref() && m.state == "DISCONNECTED" && self.end_at.is_none() => {
                self.end_at = Some(now + END_DELAY_MS);
            }
            _ => {}
        }
    }

    /// Publishes queued messages, in order, as far as their senders are known.
    pub(super) fn flush(&mut self, host: &mut dyn Host) {
        let mut originals = Vec::new();
        let mut batch: Vec<Value> = Vec::new();
        let mut flags = None;
        while let Some(front) = self.queue.front() {
            let sender = wire::sender_id(&front.message).unwrap_or("").to_owned();
            let known = sender.is_empty() || (self.member(&sender).is_some() && !self.lookups.contains(&sender));
            if !known {
                break;
            }
            let f = (front.restoring, front.old);
            if flags.is_some_and(|prev| prev != f) {
                self.publish_normalized(std::mem::take(&mut originals), std::mem::take(&mut batch), flags, host);
            }
            flags = Some(f);
            let Some(q) = self.queue.pop_front() else { break };
            let sender_member = self.member(&sender).cloned();
            let bt = wire::body_type(&q.message);
            let live_membership = !q.restoring && !q.old && (bt == "member-join" || bt == "member-leave");
            let normalized = wire::normalize(&q.message, if live_membership { None } else { sender_member.as_ref() }, q.restoring);
            let is_message = normalized["type"] == "Message";
            if is_message && normalized["text"].as_str().is_some_and(|t| self.filters.matches(t)) {
                continue;
            }
            if is_message && !q.restoring && !q.old && sender_member.as_ref().is_some_and(|m| m.role == "AGENT") && self.agent_typing_until.take().is_some() {
                self.out.publish("agentTypingStopped", json!({}));
            }
            originals.push(q.message);
            batch.push(normalized);
        }
        self.publish_normalized(originals, batch, flags, host);
    }

    fn publish_normalized(&mut self, originals: Vec<Value>, batch: Vec<Value>, flags: Option<(bool, bool)>, host: &mut dyn Host) {
        let Some((restoring, old)) = flags else { return };
        if batch.is_empty() {
            return;
        }
        let processed = host.preprocess_normalized(batch);
        self.publish_batch(originals, processed, restoring, old);
    }

    /// One messageReceived: `{originalMessages, messages, restoring, sessionData, oldMessages}`.
    pub(super) fn publish_batch(&mut self, originals: Vec<Value>, mut messages: Vec<Value>, restoring: bool, old: bool) {
        let ts = |m: &Value| m.get("timestamp").and_then(Value::as_i64).unwrap_or(0);
        if old {
            messages.sort_by_key(|m| std::cmp::Reverse(ts(m)));
        }
        for (o, m) in originals.iter().zip(&messages) {
            if o.get("synthetic").is_none() {
                self.originals.push(o.clone());
            }
            self.messages.push(m.clone());
        }
        let originals: Vec<Value> = originals.into_iter().filter(|o| o.get("synthetic").is_none()).collect();
        let mut payload = Map::new();
        payload.insert("originalMessages".into(), Value::Array(originals));
        payload.insert("messages".into(), Value::Array(messages));
        payload.insert("restoring".into(), Value::Bool(restoring));
        payload.insert("oldMessages".into(), Value::Bool(old));
        self.out.publish("messageReceived", Value::Object(payload));
    }

    /// Our own message arrived on the stream: a send that timed out got through after all.
    fn saw_own_message(&mut self, message: &Value, sender: &str) {
        if Some(sender) != self.me().as_deref() || wire::body_type(message) != "standard" {
            return;
        }
        let body = message.get("body").and_then(Value::as_str).unwrap_or("");
        let delivered = self.outbox.front().is_some_and(|h| h.tried && !h.in_flight && h.text == body);
        if delivered {
            if let Some(h) = self.outbox.pop_front() {
                self.out.reply(Some(h.cmd), Outcome::resolve_json(message.clone()));
            }
            self.pump_outbox();
        }
    }
}
