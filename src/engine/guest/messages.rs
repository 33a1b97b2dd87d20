//! Guest chat messages to bus events: the transport's `parseTranscript`,
//! `parseFormatmessage`, `parseMessageForEvents` and `getSenderById`, and the
//! controller's `onMessageReceived` (prefilters, preprocessors, the transcript).

use super::Session;
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::time::iso_to_millis;
use crate::engine::Millis;

/// Which fetch a batch of messages came from (the shipped `t.type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Pushed on the stream.
    Live,
    Restore,
    History,
    /// Fetched after a reconnect.
    Offline,
}

impl Kind {
    /// `oldMessages` as the shipped payload has it: `undefined` for live batches.
    fn old_messages(self) -> Value {
        match self {
            Kind::Live => Value::Undefined,
            k => Value::Bool(k == Kind::History),
        }
    }
}

fn body_type_name(t: &Value) -> &'static str {
    match t.as_str() {
        Some("member-join") => "ParticipantJoined",
        Some("member-leave") => "ParticipantLeft",
        _ => "Message",
    }
}

fn state_of(kind: &str) -> Value {
    match kind {
        "ParticipantJoined" => Value::str("CONNECTED"),
        "ParticipantLeft" => Value::str("DISCONNECTED"),
        _ => Value::Undefined,
    }
}

/// Epoch ms of an ISO time (`new Date(x).getTime()`; NaN when unreadable).
pub fn time_of(v: &Value) -> Value {
    match v {
        Value::String(s) => iso_to_millis(s).map(Value::int).unwrap_or(Value::num(f64::NAN)),
        Value::Number(n) => Value::num(n.get()),
        _ => Value::num(f64::NAN),
    }
}

impl Session {
    /// The members-list entry of a member, when the list was fetched.
    pub(super) fn presence(&self, id: &str) -> Option<&Value> {
        self.presences.as_ref()?.iter().find(|p| p.get("id").to_js_string() == id)
    }

    fn has_presences(&self) -> bool {
        self.presences.as_ref().is_some_and(|p| !p.is_empty())
    }

    /// The shipped `checkEventChanged`: whether a member's last known state differs.
    pub(super) fn event_changed(&self, id: &str, state: &Value) -> bool {
        match self.members.get(id) {
            Some(m) if !self.members.is_empty() => {
                let last = m.get("lastEvent");
                !last.truthy() || last != state
            }
            _ => true,
        }
    }

    /// The shipped `getSenderById`.
    fn sender(&self, e: &Value) -> (Value, Value) {
        let n = e.path("sender.id").to_js_string();
        let presence = self.presence(&n).cloned();
        let known = self.members.get(&n).or_else(|| self.workflows.get(&n)).cloned().or(presence.clone());
        let mut from = Map::new();
        from.push("id", e.path("sender.id").clone());
        let mut avatar = Value::str("");
        if let Some(o) = known {
            match o.get("role").as_str() {
                Some("WORKFLOW") => match e.get("bodyType").as_str() {
                    Some("standard") => from.insert("type", Value::str("Bot")),
                    Some("notice") => from.insert("type", Value::str("External")),
                    _ => {}
                },
                Some("AGENT") => {
                    let name = [self.agents.get(&n).map(|a| a.get("name").clone()), self.members.get(&n).map(|m| m.get("displayName").clone())]
                        .into_iter()
                        .flatten()
                        .find(Value::truthy)
                        .unwrap_or(Value::str("Agent"));
                    from.insert("name", name);
                    from.insert("type", Value::str("Agent"));
                    avatar = match self.members.get(&n).map(|m| m.get("avatarImageUrl").clone()) {
                        Some(v) if v.truthy() => v,
                        _ => presence.as_ref().map(|p| p.get("avatarImageUrl").clone()).unwrap_or(Value::Undefined),
                    };
                }
                Some("CUSTOMER") => {
                    let name = [self.clients.get(&n).map(|a| a.get("name").clone()), self.members.get(&n).map(|m| m.get("displayName").clone())]
                        .into_iter()
                        .flatten()
                        .find(Value::truthy)
                        .unwrap_or(Value::str("Client"));
                    from.insert("name", name);
                    from.insert("type", Value::str("Client"));
                }
                _ => {}
            }
        }
        (Value::Object(from), avatar)
    }

    /// The shipped `parseFormatmessage` (which also raises the entry's member events).
    fn format(&mut self, e: &mut Value, kind: Kind, now: Millis) -> Value {
        let when = {
            let t = e.get("timestamp");
            let t = if t.truthy() { t.clone() } else if e.get("joinDate").truthy() { e.get("joinDate").clone() } else { e.get("leaveDate").clone() };
            time_of(&t)
        };
        let ty = body_type_name(e.get("bodyType"));
        let mut c = Map::new();
        c.push("type", Value::str(ty));
        if ty == "Message" {
            c.push("text", e.get("body").clone());
        }
        c.push("restoring", Value::Bool(self.restoring));
        c.push("index", when.clone());
        c.push("timestamp", when);
        c.push("id", e.get("id").clone());
        let sender_id = e.path("sender.id").to_js_string();
        let mut presence: Option<Value> = None;
        if self.has_presences() {
            if let Some(d) = self.presence(&sender_id).cloned() {
                let role = match d.get("role") {
                    r if r.truthy() => r.clone(),
                    _ => self.members.get(&sender_id).map(|m| m.get("role").clone()).unwrap_or(Value::Undefined),
                };
                if let Some(m) = e.as_object_mut() {
                    m.insert("role", role.clone());
                    m.insert("state", state_of(ty));
                }
                if role.as_str() == Some("AGENT") {
                    let avatar = if d.get("avatarImageUrl").truthy() { d.get("avatarImageUrl").clone() } else { Value::str("") };
                    self.agent_format.insert("avatar", avatar);
                    if d.get("state").as_str() == Some("CONNECTED") {
                        let name = if d.get("displayName").truthy() { d.get("displayName").clone() } else { Value::str("") };
                        if let Some(f) = self.agent_format.get_mut("from").and_then(Value::as_object_mut) {
                            f.insert("name", name);
                        }
                    }
                }
                presence = Some(d);
            }
        }
        let agent_avatar = self.agent_format.get("avatar").cloned().unwrap_or(Value::Undefined);
        if e.get("role").as_str() == Some("AGENT") && agent_avatar.truthy() {
            c.insert("avatar", agent_avatar);
        }
        let fetched = kind != Kind::Live;
        if let Some(d) = presence.as_ref().filter(|d| d.get("state").truthy() && e.get("role").truthy() && fetched) {
            let did = d.get("id").to_js_string();
            if self.event_changed(&did, e.get("state")) {
                let name = d.get("displayName").clone();
                match d.get("role").as_str() {
                    Some("AGENT") => {
                        c.insert("from", obj([("type", Value::str("Agent")), ("name", name.clone())]));
                        self.agents.insert(did.clone(), obj([("name", name)]));
                    }
                    Some("CUSTOMER") => {
                        c.insert("from", obj([("type", Value::str("Client")), ("name", name.clone())]));
                        self.clients.insert(did.clone(), obj([("name", name)]));
                    }
                    Some("WORKFLOW") => {
                        let bt = e.get("bodyType").as_str().unwrap_or("");
                        if self.cfg.bot_events && e.get("state").as_str() == Some("DISCONNECTED") {
                            c.insert("from", obj([("type", Value::str("Bot"))]));
                        }
                        if bt == "standard" || (self.cfg.bot_events && bt == "member-join") {
                            c.insert("from", obj([("type", Value::str("Bot"))]));
                            self.workflows.insert(did.clone(), obj([("type", Value::str("Bot"))]));
                        } else if bt == "notice" {
                            c.insert("from", obj([("type", Value::str("External"))]));
                            self.workflows.insert(did.clone(), obj([("type", Value::str("External"))]));
                        }
                    }
                    _ => {}
                }
            }
        }
        if ty == "Message" {
            let (from, avatar) = self.sender(e);
            if !fetched {
                c.insert("from", from);
            }
            if avatar.truthy() {
                c.insert("avatar", avatar);
            }
        }
        self.member_events(e, kind, presence.as_ref(), now);
        Value::Object(c)
    }

    /// The shipped `parseMessageForEvents`: join/leave events of an entry whose state is
    /// known from the members list.
    fn member_events(&mut self, e: &mut Value, kind: Kind, presence: Option<&Value>, now: Millis) {
        let state = e.get("state").clone();
        if !state.truthy() {
            return;
        }
        // Fetched entries become the member's record, and the shipped code marks the
        // entry itself (the same object the events carry) with the state.
        let fetched = kind != Kind::Live;
        if fetched {
            if let Some(o) = e.as_object_mut() {
                o.insert("lastEvent", state.clone());
            }
        }
        let e: &Value = e;
        let role = e.get("role").as_str().unwrap_or("").to_owned();
        let g = e.path("sender.id").to_js_string();
        match state.as_str() {
            Some("CONNECTED") => {
                let mut snapshot = Map::new();
                if role == "AGENT" && self.agents.contains_key(&g) {
                    // The shipped `e.joinDate || presence ? Date(presence.joinDate) : ""`.
                    let joined = if e.get("joinDate").truthy() || presence.is_some() {
                        presence.map(|p| time_of(p.get("joinDate"))).unwrap_or(Value::num(f64::NAN))
                    } else {
                        Value::str("")
                    };
                    if let Some(a) = self.agents.get_mut(&g).and_then(Value::as_object_mut) {
                        a.insert("connected", Value::Bool(true));
                        a.insert("supervisor", Value::Bool(false));
                        a.insert("connectedTime", joined);
                    }
                    snapshot = self.agents.clone();
                    if let Some(a) = self.agents.get(&g).cloned() {
                        self.cache_agents.insert(g.clone(), a);
                    }
                }
                let payload = obj([("message", e.clone()), ("agents", Value::Object(snapshot))]);
                match role.as_str() {
                    "AGENT" if self.event_changed(&g, &state) => self.ctrl.out.publish("agentConnected", payload),
                    "CUSTOMER" if self.event_changed(&g, &state) => self.ctrl.out.publish("clientConnected", payload),
                    "WORKFLOW" if self.cfg.bot_events && self.event_changed(&g, &state) => self.ctrl.out.publish("botConnected", payload),
                    _ => {}
                }
            }
            Some("DISCONNECTED") => {
                let mut snapshot = Map::new();
                if role == "AGENT" && self.agents.contains_key(&g) {
                    let presence_left = presence.map(|p| p.get("leaveDate").clone()).unwrap_or(Value::Undefined);
                    let left = if e.get("leaveDate").truthy() || presence_left.truthy() { time_of(&presence_left) } else { time_of(e.get("timestamp")) };
                    if let Some(a) = self.agents.get_mut(&g).and_then(Value::as_object_mut) {
                        a.insert("connected", Value::Bool(false));
                        a.insert("disconnectedTime", left);
                    }
                    snapshot = self.agents.clone();
                }
                let payload = obj([("message", e.clone()), ("agents", Value::Object(snapshot))]);
                match role.as_str() {
                    // As shipped, on a live leave this is the second agentDisconnected (the
                    // member's state change published the first, with the member object);
                    // this one carries the message and the agents snapshot, and UIs built
                    // on the shipped service read either.
                    "AGENT" => {
                        self.ctrl.out.publish("agentDisconnected", payload.clone());
                        self.ctrl.out.publish("agentTypingStopped", payload);
                    }
                    "CUSTOMER" => self.ctrl.out.publish("clientDisconnected", payload),
                    "WORKFLOW" if self.cfg.bot_events => self.ctrl.out.publish("botDisconnected", payload),
                    _ => {}
                }
            }
            _ => {}
        }
        let _ = now;
        if fetched {
            self.members.insert(g, e.clone());
        }
    }

    /// The shipped `parseTranscript`: unseen entries, ordered, published when any.
    pub(super) fn parse_transcript(&mut self, raw: Vec<Value>, kind: Kind, now: Millis, host: &mut dyn Host) {
        let mut items: Vec<(Value, Value)> = Vec::new();
        for mut e in raw {
            if self.seen_before(e.get("id")) {
                // Deliberate: shipped, one duplicate drops the whole batch.
                continue;
            }
            let c = self.format(&mut e, kind, now);
            items.push((c, e));
        }
        // By time, stable (entries of one millisecond keep the server's order).
        let mut order: Vec<(f64, usize)> = items.iter().enumerate().map(|(i, it)| (crate::engine::json::js_number(it.0.get("timestamp")), i)).collect();
        crate::engine::sort::merge_sort(&mut order);
        let mut slots: Vec<Option<(Value, Value)>> = items.into_iter().map(Some).collect();
        let mut items: Vec<(Value, Value)> = order.iter().filter_map(|&(_, i)| slots.get_mut(i).and_then(Option::take)).collect();
        if kind == Kind::History {
            items.reverse();
        }
        if items.is_empty() {
            return;
        }
        let (messages, originals): (Vec<Value>, Vec<Value>) = items.into_iter().unzip();
        let restoring = self.restoring;
        self.received(originals, messages, restoring, kind.old_messages(), host);
    }

    /// The shipped `postMessageWithTimestamp`: a synthetic item, stamped now.
    /// Returns the item as the preprocessors left it (the object later events carry).
    pub(super) fn post_synthetic(&mut self, item: Map, now: Millis, host: &mut dyn Host) -> Value {
        self.ctrl.post_synthetic(item, now, self.restoring, host)
    }

    /// The controller's `onMessageReceived`; the visitor's own messages settle the sends
    /// whose copies they are, before the event.
    fn received(&mut self, originals: Vec<Value>, messages: Vec<Value>, restoring: bool, old: Value, host: &mut dyn Host) {
        let outbox = &mut self.outbox;
        self.ctrl.publish(originals, messages, None, restoring, old, host, crate::engine::nextgen::controller::Copies::Processed, &mut |m, out| {
            if m.get("from").get("type").as_str() == Some("Client") && m.get("type").as_str() == Some("Message") {
                if let Some(text) = m.get("text").as_str() {
                    if let Some(sent) = outbox.saw_own(text) {
                        out.resolve(sent.cmd, Value::Undefined);
                    }
                }
            }
        });
    }
}
