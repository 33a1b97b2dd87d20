//! Who is in the conversation: the stream's join/leave messages carry no role, so the
//! transport looks each member up (`GET …/members/{id}`) and raises the agent, bot and
//! visitor events from the answer (the shipped `checkMemberEvents` and `getMe`).

use super::{Pending, Session, CUSTOMER_GONE_MS};
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::output::Body;
use crate::engine::Millis;

/// What the shipped `getMemberById` keeps of a member answer.
pub fn member_of(a: &Value) -> Value {
    let avatar = if a.get("avatarImageUrl").truthy() { a.get("avatarImageUrl").clone() } else { Value::str("") };
    obj([
        ("id", a.get("id").clone()),
        ("displayName", a.get("displayName").clone()),
        ("role", a.get("role").clone()),
        ("customFields", a.get("customFields").clone()),
        ("state", a.get("state").clone()),
        ("avatarImageUrl", avatar),
    ])
}

fn with_last_event(mut m: Value, last: &Value) -> Value {
    if last.truthy() {
        if let Some(o) = m.as_object_mut() {
            o.insert("lastEvent", last.clone());
        }
    }
    m
}

impl Session {
    /// A join/leave message arrived: look its member up (while the chat is on).
    pub(super) fn check_member(&mut self, body_type: &str, id: &str) {
        if self.sd("memberId").is_empty() || !self.active || self.members.len() >= super::MEMBERS_MAX {
            return;
        }
        let last = self.members.get(id).map(|m| m.get("lastEvent").clone()).unwrap_or(Value::Undefined);
        self.lookup(id, body_type, last);
    }

    pub(super) fn lookup(&mut self, id: &str, body_type: &str, last: Value) {
        self.member_lookups += 1;
        let path = self.conversation_path(&format!("/members/{}", crate::engine::output::path_segment(id)));
        let url = self.url(&path, &[]);
        self.request("GET", url, Body::None, true, Pending::Member { id: id.to_owned(), body_type: body_type.to_owned(), last });
    }

    /// A member lookup answered (`None`: it failed, already reported).
    pub(super) fn member_answered(&mut self, id: &str, body_type: &str, last: &Value, answer: Option<Value>, now: Millis, host: &mut dyn Host) {
        self.member_lookups = self.member_lookups.saturating_sub(1);
        self.looking_up.retain(|i| i != id);
        let Some(raw) = answer else {
            if self.unresolvable.len() >= 100 {
                self.unresolvable.pop_front();
            }
            self.unresolvable.push_back(id.to_owned());
            return self.release_held(now, host);
        };
        let a = member_of(&raw);
        let me = id == self.sd("memberId");
        match body_type {
            "member-join" if !me => {
                self.members.insert(id, with_last_event(a.clone(), last));
                if self.event_changed(id, &Value::str("CONNECTED")) {
                    match (a.get("role").as_str(), a.get("state").as_str()) {
                        (Some("AGENT"), state) => {
                            self.agent_format.insert("avatar", a.get("avatarImageUrl").clone());
                            if state == Some("CONNECTED") {
                                self.agent_format.insert("type", Value::str("ParticipantJoined"));
                                let name = if a.get("displayName").truthy() { a.get("displayName").clone() } else { Value::str("") };
                                if let Some(f) = self.agent_format.get_mut("from").and_then(Value::as_object_mut) {
                                    f.insert("name", name.clone());
                                }
                                if !self.agents.contains_key(id) {
                                    self.agents.insert(id, agent_entry(name, now));
                                }
                                let mut cached = self.agents.get(id).cloned().unwrap_or(Value::object());
                                if let Some(c) = cached.as_object_mut() {
                                    c.insert("connected", Value::Bool(true));
                                }
                                self.cache_agents.insert(id, cached);
                                let format = self.agent_format.clone();
                                self.post_synthetic(format, now, host);
                                let message = with_last_event(a.clone(), a.get("state"));
                                self.ctrl.out.publish("agentConnected", obj([("message", message), ("agents", Value::Object(self.agents.clone()))]));
                            }
                        }
                        (Some("WORKFLOW"), Some("CONNECTED")) => {
                            if !self.workflows.contains_key(id) {
                                let name = if a.get("displayName").truthy() { a.get("displayName").clone() } else { Value::str("") };
                                let mut w = agent_entry(name, now);
                                if let Some(m) = w.as_object_mut() {
                                    m.insert("role", Value::str("WORKFLOW"));
                                    m.remove("supervisor");
                                }
                                self.workflows.insert(id, w);
                            }
                            if self.cfg.bot_events {
                                self.bot_item("ParticipantJoined", &a, "botConnected", now, host);
                            }
                        }
                        _ => {}
                    }
                    self.members.insert(id, with_last_event(a.clone(), a.get("state")));
                }
            }
            "member-join" => {
                // Our own join: the fresh answer replaces what was known, so the shipped
                // "changed" check always holds here.
                let state = a.get("state").clone();
                let customer = a.get("role").as_str() == Some("CUSTOMER");
                self.members.insert(id, if customer { with_last_event(a, &state) } else { a });
            }
            "member-leave" if !me => {
                self.members.insert(id, with_last_event(a.clone(), last));
                let presence = self.presence(id).cloned();
                if self.event_changed(id, &Value::str("DISCONNECTED")) {
                    match (a.get("role").as_str(), a.get("state").as_str()) {
                        (Some("AGENT"), state) => {
                            self.agent_format.insert("avatar", a.get("avatarImageUrl").clone());
                            if state == Some("DISCONNECTED") {
                                self.agent_format.insert("type", Value::str("ParticipantLeft"));
                                let name = if a.get("displayName").truthy() { a.get("displayName").clone() } else { Value::str("") };
                                if let Some(f) = self.agent_format.get_mut("from").and_then(Value::as_object_mut) {
                                    f.insert("name", name);
                                }
                                if let Some(ag) = self.agents.get_mut(id).and_then(Value::as_object_mut) {
                                    ag.insert("name", a.get("displayName").clone());
                                    ag.insert("connected", Value::Bool(false));
                                    ag.insert("disconnectedTime", Value::int(now as i64));
                                }
                                let cached_connected = self.cache_agents.get(id).is_some_and(|c| c.get("connected") == &Value::Bool(true));
                                let present = presence.as_ref().is_some_and(|p| p.get("role").as_str() == Some("AGENT") && p.get("state").as_str() == Some("CONNECTED"));
                                if cached_connected || present {
                                    if let Some(c) = self.cache_agents.get_mut(id).and_then(Value::as_object_mut) {
                                        c.insert("connected", Value::Bool(false));
                                        c.insert("disconnectedTime", Value::int(now as i64));
                                        c.insert("name", a.get("displayName").clone());
                                    }
                                    let format = self.agent_format.clone();
                                    self.post_synthetic(format, now, host);
                                    let message = with_last_event(a.clone(), a.get("state"));
                                    self.ctrl.out.publish("agentDisconnected", obj([("message", message), ("agents", Value::Object(self.cache_agents.clone()))]));
                                }
                            }
                        }
                        (Some("WORKFLOW"), Some("DISCONNECTED")) => {
                            if let Some(w) = self.workflows.get_mut(id).and_then(Value::as_object_mut) {
                                let name = if a.get("displayName").truthy() { a.get("displayName").clone() } else { Value::str("") };
                                w.insert("name", name);
                                w.insert("connected", Value::Bool(false));
                                w.insert("disconnectedTime", Value::int(now as i64));
                            }
                            if self.cfg.bot_events {
                                self.bot_item("ParticipantLeft", &a, "botDisconnected", now, host);
                            }
                        }
                        _ => {}
                    }
                    self.members.insert(id, with_last_event(a.clone(), a.get("state")));
                }
            }
            "member-leave" => {
                // Our own leave (the chat was ended for us): the chat ends 1 s later.
                let state = a.get("state").clone();
                let gone = self.active && a.get("role").as_str() == Some("CUSTOMER") && state.as_str() == Some("DISCONNECTED");
                self.members.insert(id, with_last_event(a, &state));
                if gone && self.end_at.is_none() {
                    self.end_at = Some(now.saturating_add(CUSTOMER_GONE_MS));
                }
            }
            _ => {
                self.members.insert(id, a);
            }
        }
        self.release_held(now, host);
    }

    /// The shipped `sendBotConnected` / `sendBotDisconnected`.
    fn bot_item(&mut self, ty: &str, member: &Value, event: &'static str, now: Millis, host: &mut dyn Host) {
        let mut item = Map::new();
        item.push("type", Value::str(ty));
        item.push("index", Value::int(0));
        item.push("timestamp", Value::int(now as i64));
        item.push("from", obj([("type", Value::str("Bot"))]));
        self.post_synthetic(item, now, host);
        self.ctrl.out.publish(event, obj([("message", member.clone()), ("agents", Value::Object(self.agents.clone()))]));
    }

    /// Our own member answered (`getMe`): it is known as a client from now on.
    pub(super) fn me_known(&mut self, raw: &Value) -> Value {
        let m = member_of(raw);
        let me = self.sd("memberId");
        self.clients.insert(me.clone(), obj([("name", m.get("displayName").clone())]));
        self.members.insert(me, m.clone());
        m
    }
}

fn agent_entry(name: Value, now: Millis) -> Value {
    obj([
        ("name", name),
        ("connected", Value::Bool(true)),
        ("supervisor", Value::Bool(false)),
        ("connectedTime", Value::int(now as i64)),
        ("disconnectedTime", Value::Bool(false)),
    ])
}
