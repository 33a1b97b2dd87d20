//! Messages and events from the server, as guest chat publishes them: each message once
//! (`messageReceived`, by id), the agents from their Presence events or their first
//! message, the agent's typing, the customer's own copies (which answer sends, and show
//! what another tab sent), and the server's refusals of a send.

use super::frames::{Event, Message};
use crate::engine::nextgen::joined_item;
use super::{Chat, Purpose, Session, AGENTS_MAX, HELD_MAX};
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::Millis;

/// The key (and name) of an agent who gives none.
const ANONYMOUS_AGENT: &str = "Agent";

impl Session {
    /// A `StructuredMessage` frame.
    pub(super) fn message(&mut self, m: Message, now: Millis, host: &mut dyn Host) {
        if self.conv().is_none() {
            return;
        }
        if m.inbound && m.kind != "Event" {
            self.own_copy(&m);
        }
        let typing_only = m.kind == "Event" && m.events.iter().all(|e| matches!(e, Event::TypingOn { .. } | Event::TypingOff));
        let reading = self.conv().and_then(|c| c.reading).is_some_and(|p| !matches!(p, Purpose::Older { .. }));
        let read_only = m.read_only;
        if typing_only {
            if !m.inbound {
                self.typing_event(&m, now);
            }
        } else if reading || matches!(self.chat, Chat::Restoring { .. }) {
            // Published after the history being read, in order.
            if let Some(c) = self.conv_mut() {
                if c.held.len() < HELD_MAX {
                    c.held.push(m);
                }
            }
        } else {
            self.show(vec![m], now, false, Value::Undefined, host);
        }
        if read_only {
            return self.server_ended("the agent closed the conversation (read-only)", host, super::End::ReadOnly, now);
        }
        self.pump(now);
    }

    /// The customer's own message came back: when it is the send in flight (or the one
    /// whose fate a drop left unknown), that send is done.
    pub(super) fn own_copy(&mut self, m: &Message) {
        let Some(c) = self.conv_mut() else { return };
        let ids = [m.custom_id.as_deref(), m.tracing_id.as_deref()];
        let no_ids = ids.iter().all(Option::is_none);
        let Some(sent) = c.outbox.settle_head(|h| ids.contains(&Some(h.meta.custom_id.as_str())) || (no_ids && h.text == m.text)) else { return };
        c.attributes_sent = None;
        c.sent_at = None;
        self.ctrl.out.resolve(sent.cmd, Value::Undefined);
    }

    /// The server refused the send in flight (`tracingId` names it; 4011 and 4013 name
    /// no other request). Returns whether it was a send's refusal.
    pub(super) fn send_refused(&mut self, code: i64, text: &str, tracing_id: Option<&str>) -> bool {
        let Some(c) = self.live_mut() else { return false };
        let Some(head) = c.outbox.head().filter(|h| matches!(h.state, crate::engine::outbox::SendState::InFlight(_))) else { return false };
        // Every request carries a `tracingId`; a server that sends none back answers the
        // last frame sent.
        let mine = match tracing_id {
            Some(t) => t == head.meta.custom_id,
            None => c.last_sent.as_deref() == Some(head.meta.custom_id.as_str()) && (400..5000).contains(&code),
        };
        if !mine {
            return false;
        }
        let Some(h) = c.outbox.settle_head(|_| true) else { return false };
        c.sent_at = None;
        let sent = c.attributes_sent.take();
        if code != 4013 {
            // Not the attributes' fault: they go with the next message.
            if let Some(mut a) = sent {
                a.assign(&Value::Object(c.attributes.take().unwrap_or_default()));
                c.attributes = Some(a);
            }
        }
        let reason = match code {
            4011 => format!("The message is longer than the server takes ({code}: {text})."),
            4013 => format!("The custom attributes (userData and the form's fields) are larger than the server takes ({code}: {text})."),
            _ => format!("The server refused the message ({code}: {text})."),
        };
        self.ctrl.out.publish("error", obj([("errors", Value::Array(vec![obj([("code", Value::str("MessageFailed")), ("response", Value::str(reason.as_str()))])]))]));
        self.ctrl.out.reject_text(h.cmd, reason);
        true
    }

    /// The server asked to slow down: the send in flight goes again after `retry_after_ms`
    /// (never dropped).
    pub(super) fn rate_limited(&mut self, retry_after_ms: u64, tracing_id: Option<&str>, now: Millis) {
        let Some(c) = self.live_mut() else { return };
        let mine = c.outbox.head().is_some_and(|h| tracing_id.map_or(c.last_sent.as_deref() == Some(h.meta.custom_id.as_str()), |t| t == h.meta.custom_id));
        if mine && c.outbox.again().is_some() {
            c.sent_at = None;
            if let Some(mut a) = c.attributes_sent.take() {
                a.assign(&Value::Object(c.attributes.take().unwrap_or_default()));
                c.attributes = Some(a);
            }
        }
        c.send_at = Some(now.saturating_add(retry_after_ms));
    }

    /// The send in flight got neither its copy nor a refusal in time, on a socket that
    /// is up: the history tells whether the server has it (then it is delivered), and if
    /// not it goes again. A server that drops frames cannot hold the outbox for good.
    pub(super) fn echo_overdue(&mut self, now: Millis) {
        let next = self.next_request;
        let Some(c) = self.live_mut() else { return };
        c.sent_at = None;
        let Some(head) = c.outbox.in_flight_request() else { return };
        c.outbox.lost(head, next);
        if let Some(sent) = c.attributes_sent.take() {
            let mut a = sent;
            a.assign(&Value::Object(c.attributes.take().unwrap_or_default()));
            c.attributes = Some(a);
        }
        if c.is_up() && c.reading.is_none() {
            c.gap = true;
            self.read_history(Purpose::CatchUp, 1, now);
        } else {
            c.gap = true;
        }
    }

    /// An agent's Typing event (live only: history has no use for it).
    fn typing_event(&mut self, m: &Message, now: Millis) {
        let key = self.agent_key(m);
        for e in &m.events {
            match e {
                Event::TypingOn { duration_ms } => {
                    let Some(c) = self.conv_mut() else { return };
                    let was_on = c.agent_typing.is_some();
                    c.agent_typing = Some((key.clone(), now.saturating_add(*duration_ms)));
                    if !was_on {
                        let avatar = if m.from_image.is_empty() { self.agent_avatar(&key) } else { Value::str(m.from_image.as_str()) };
                        let name = self.conv().and_then(|c| c.agents.get(&key)).map_or(Value::str(key.as_str()), |a| a.get("name").clone());
                        self.ctrl.out.publish("agentTypingStarted", obj([("from", obj([("name", name), ("id", Value::str(key.as_str())), ("avatar", avatar)]))]));
                    }
                }
                Event::TypingOff => self.typing_over(),
                _ => {}
            }
        }
    }

    /// The agent's typing indicator ends (a message came, or the agent left).
    fn typing_over(&mut self) {
        if self.conv_mut().and_then(|c| c.agent_typing.take()).is_some() {
            self.ctrl.out.publish("agentTypingStopped", Value::Undefined);
        }
    }

    /// Who an Outbound message is from: its sender's name, or the one agent known.
    fn agent_key(&self, m: &Message) -> String {
        if !m.from_name.is_empty() {
            return m.from_name.clone();
        }
        let agents = self.conv().map(|c| &c.agents);
        let connected: Vec<&String> = agents.iter().flat_map(|a| a.iter()).filter(|(_, v)| v.get("connected") == &Value::Bool(true)).map(|(k, _)| k).collect();
        match connected.as_slice() {
            [one] => (*one).clone(),
            _ => ANONYMOUS_AGENT.to_owned(),
        }
    }

    fn agent_avatar(&self, key: &str) -> Value {
        self.conv().and_then(|c| c.agents.get(key)).map_or(Value::str(""), |a| a.get("avatar").clone())
    }

    /// Publishes messages in time order, each once: the messages in one
    /// `messageReceived` (`old`: `oldMessages`; history batches newest first), the joins
    /// and leaves each as guest chat publishes them.
    pub(super) fn show(&mut self, list: Vec<Message>, now: Millis, restoring: bool, old: Value, host: &mut dyn Host) {
        let Some(c) = self.conv_mut() else { return };
        let fresh: Vec<Message> = list.into_iter().filter(|m| m.id.is_empty() || c.seen.insert(&m.id)).collect();
        // By time, stable (the one merge sort the engine links).
        let mut order: Vec<(f64, usize)> = fresh.iter().enumerate().map(|(i, m)| (m.time_ms as f64, i)).collect();
        crate::engine::sort::merge_sort(&mut order);
        let mut slots: Vec<Option<Message>> = fresh.into_iter().map(Some).collect();
        let mut fresh: Vec<Message> = order.iter().filter_map(|&(_, i)| slots.get_mut(i).and_then(Option::take)).collect();
        let newest_first = old == Value::Bool(true);
        if newest_first {
            fresh.reverse();
        }
        let (mut originals, mut items) = (Vec::new(), Vec::new());
        let mut agent_spoke = false;
        for m in fresh {
            let at = if m.time_ms > 0 { m.time_ms as u64 } else { now };
            match (m.inbound, m.kind.as_str()) {
                (true, "Event") => {}
                // A bot's presence is no agent's.
                (false, "Event") if m.bot => {}
                (false, "Event") => {
                    let key = self.agent_key(&m);
                    for e in &m.events {
                        match e {
                            Event::Join => {
                                self.flush(&mut originals, &mut items, restoring, &old, host);
                                self.agent_joined(&key, &m.from_image, at, restoring, host);
                            }
                            Event::Disconnect => {
                                self.flush(&mut originals, &mut items, restoring, &old, host);
                                self.agent_left(&m, at, restoring, host);
                            }
                            _ => {}
                        }
                    }
                }
                (inbound, _) => {
                    let from = if inbound {
                        let c = self.conv();
                        obj([("id", Value::str(c.map_or("", |c| c.token.as_str()))), ("name", Value::str(c.map_or("", |c| c.name.as_str()))), ("type", Value::str("Client"))])
                    } else if m.bot {
                        // The typing indicator was the conversation's, whoever answers.
                        agent_spoke = true;
                        let name = if m.from_name.is_empty() { "Bot" } else { m.from_name.as_str() };
                        obj([("id", Value::str(name)), ("name", Value::str(name)), ("type", Value::str("Bot"))])
                    } else {
                        let key = self.agent_key(&m);
                        if !self.conv().is_some_and(|c| c.agents.get(&key).is_some_and(|a| a.get("connected") == &Value::Bool(true))) {
                            self.flush(&mut originals, &mut items, restoring, &old, host);
                            self.agent_joined(&key, &m.from_image, at, restoring, host);
                        }
                        agent_spoke = true;
                        obj([("id", Value::str(key.as_str())), ("name", Value::str(key.as_str())), ("type", Value::str("Agent"))])
                    };
                    let mut item = Map::new();
                    item.push("type", Value::str("Message"));
                    item.push("text", Value::str(m.text.as_str()));
                    item.push("restoring", Value::Bool(restoring));
                    item.push("index", Value::int(at as i64));
                    item.push("timestamp", Value::int(at as i64));
                    item.push("id", Value::str(m.id.as_str()));
                    item.push("from", from);
                    if !inbound && !m.from_image.is_empty() {
                        item.push("avatar", Value::str(m.from_image.as_str()));
                    }
                    // Quick replies, cards, attachments: kept for a UI that shows them.
                    if m.content.as_array().is_some_and(|c| !c.is_empty()) {
                        item.push("content", m.content.clone());
                    }
                    items.push(Value::Object(item));
                    originals.push(m.raw);
                }
            }
        }
        self.flush(&mut originals, &mut items, restoring, &old, host);
        if agent_spoke && !restoring {
            self.typing_over();
        }
    }

    fn flush(&mut self, originals: &mut Vec<Value>, items: &mut Vec<Value>, restoring: bool, old: &Value, host: &mut dyn Host) {
        if !items.is_empty() {
            self.ctrl.publish(std::mem::take(originals), std::mem::take(items), None, restoring, old.clone(), host, crate::engine::nextgen::controller::Copies::Processed, &mut |_, _| {});
        }
    }

    /// An agent joined: the join in the transcript, then `agentConnected` (once).
    fn agent_joined(&mut self, key: &str, avatar: &str, at: Millis, restoring: bool, host: &mut dyn Host) {
        let Some(c) = self.conv_mut() else { return };
        if c.agents.get(key).is_some_and(|a| a.get("connected") == &Value::Bool(true)) || (c.agents.len() >= AGENTS_MAX && c.agents.get(key).is_none()) {
            return;
        }
        let avatar = if avatar.is_empty() { c.agents.get(key).map_or(Value::str(""), |a| a.get("avatar").clone()) } else { Value::str(avatar) };
        c.agents.insert(
            key,
            obj([("name", Value::str(key)), ("connected", Value::Bool(true)), ("supervisor", Value::Bool(false)), ("connectedTime", Value::int(at as i64)), ("disconnectedTime", Value::Bool(false)), ("avatar", avatar.clone())]),
        );
        let mut item = joined_item("Agent", Some(key), avatar.as_str());
        item.insert("restoring", Value::Bool(restoring));
        self.ctrl.post_synthetic(item, at, restoring, host);
        let agents = self.conv().map(|c| c.agents.clone()).unwrap_or_default();
        self.ctrl.out.publish("agentConnected", obj([("message", member(key, &avatar, "CONNECTED")), ("agents", Value::Object(agents))]));
    }

    /// An agent left (Presence `Disconnect`): the one it names, or every agent.
    fn agent_left(&mut self, m: &Message, at: Millis, restoring: bool, host: &mut dyn Host) {
        let Some(c) = self.conv_mut() else { return };
        let keys: Vec<String> = c.agents.iter().filter(|(k, a)| a.get("connected") == &Value::Bool(true) && (m.from_name.is_empty() || **k == m.from_name)).map(|(k, _)| k.clone()).collect();
        for key in keys {
            let Some(c) = self.conv_mut() else { return };
            let avatar = c.agents.get(&key).map_or(Value::str(""), |a| a.get("avatar").clone());
            if let Some(a) = c.agents.get_mut(&key).and_then(Value::as_object_mut) {
                a.insert("connected", Value::Bool(false));
                a.insert("disconnectedTime", Value::int(at as i64));
            }
            let mut item = joined_item("Agent", Some(&key), avatar.as_str());
            item.insert("type", Value::str("ParticipantLeft"));
            item.insert("restoring", Value::Bool(restoring));
            self.ctrl.post_synthetic(item, at, restoring, host);
            let agents = self.conv().map(|c| c.agents.clone()).unwrap_or_default();
            let payload = obj([("message", member(&key, &avatar, "DISCONNECTED")), ("agents", Value::Object(agents))]);
            self.ctrl.out.publish("agentDisconnected", payload.clone());
            if self.conv_mut().and_then(|c| c.agent_typing.take()).is_some() || !restoring {
                self.ctrl.out.publish("agentTypingStopped", payload);
            }
        }
    }
}

/// An agent as guest chat's member look-up describes one.
fn member(key: &str, avatar: &Value, state: &str) -> Value {
    obj([
        ("id", Value::str(key)),
        ("displayName", Value::str(key)),
        ("role", Value::str("AGENT")),
        ("state", Value::str(state)),
        ("avatarImageUrl", avatar.clone()),
        ("lastEvent", Value::str(state)),
    ])
}
