//! HTTP answers on the guest chat session.

use super::wire::{Conversation, Member};
use super::{Listing, MeCheck, Pending, Phase, Session};
use crate::engine::host::Host;
use crate::engine::output::{HttpResponse, NetError, Outcome, ReplyValue};
use crate::engine::value::str_of;
use crate::engine::{Millis, RequestId};
use serde_json::{json, Value};

/// An answer: the JSON of a 2xx (`Null` for an empty 204), or the failure.
fn classify(result: Result<HttpResponse, NetError>) -> Result<Value, (u16, Value)> {
    match result {
        Ok(r) if (200..300).contains(&r.status) => {
            if r.body.trim().is_empty() {
                Ok(Value::Null)
            } else {
                serde_json::from_str(&r.body).map_err(|_| (r.status, json!({"message": "unreadable answer"})))
            }
        }
        Ok(r) => Err((r.status, serde_json::from_str(&r.body).unwrap_or(Value::String(r.body)))),
        Err(NetError::Timeout) => Err((0, json!({"message": "timeout"}))),
        Err(NetError::Network(m)) => Err((0, json!({"message": m}))),
    }
}

impl Session {
    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        let Some(pending) = self.requests.remove(&id) else { return };
        let answer = classify(result);
        match pending {
            Pending::Create { cmd } => match answer.as_ref().ok().and_then(Conversation::from_created) {
                Some(conv) if self.phase == Phase::Starting => {
                    self.conv = Some(conv);
                    self.start_cmd = Some(cmd);
                    self.open_socket();
                }
                _ => {
                    self.phase = Phase::Idle;
                    let (status, response) = answer.err().unwrap_or((200, json!({"message": "no conversation in the answer"})));
                    let payload = Self::error_payload(if status == 0 { "StartFailed".into() } else { format!("purecloud-v2-sockets-{status}") }, response);
                    self.out.publish("error", payload.clone());
                    self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(payload)));
                }
            },
            Pending::Me(check) => self.me_answered(check, answer, host),
            Pending::Member { id, joined, at } => {
                let member = answer.ok().as_ref().and_then(Member::parse).unwrap_or(Member {
                    id: id.clone(),
                    role: String::new(),
                    name: None,
                    avatar: None,
                    state: String::new(),
                    raw: json!({"id": id}),
                });
                self.member_known(member, joined, at, now, host);
            }
            Pending::Members { then } => {
                if let Ok(list) = &answer {
                    for m in list.get("entities").and_then(Value::as_array).into_iter().flatten() {
                        if let Some(member) = Member::parse(m) {
                            if member.role == "AGENT" && member.state == "CONNECTED" {
                                self.agents.joined(&member.id, json!(member.name), false, Value::Null);
                            }
                            self.remember(member);
                        }
                    }
                }
                if let (Some(listing), Some(c)) = (then, self.conv.clone()) {
                    let path = if self.cfg.pagination {
                        c.path(&format!("/messages?sortOrder=descending&maxResults={}", self.cfg.max_page))
                    } else {
                        c.path("/messages?sortOrder=descending&maxResults=100")
                    };
                    self.request("GET", &path, None, true, Pending::Messages(listing));
                }
                self.flush(host);
            }
            Pending::Messages(listing) => self.listing_answered(listing, answer, host),
            Pending::Send => match answer {
                Ok(v) => {
                    if let Some(head) = self.outbox.pop_front() {
                        self.out.reply(Some(head.cmd), Outcome::resolve_json(v));
                    }
                    self.pump_outbox();
                }
                Err((0, _)) => {
                    // No answer: the stream is probably down too; retried after reconnecting.
                    if let Some(head) = self.outbox.front_mut() {
                        head.in_flight = false;
                    }
                }
                Err((status, response)) => {
                    let payload = Self::error_payload(format!("purecloud-v2-sockets-{status}"), response);
                    self.out.publish("error", payload.clone());
                    if let Some(head) = self.outbox.pop_front() {
                        self.out.reply(Some(head.cmd), Outcome::Reject(ReplyValue::Json(payload)));
                    }
                    self.pump_outbox();
                }
            },
            Pending::Typing { cmd } => match answer {
                Ok(v) => self.out.reply(Some(cmd), Outcome::resolve_json(v)),
                Err((status, response)) => {
                    let payload = Self::error_payload(format!("purecloud-v2-sockets-{status}"), response);
                    self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(payload)));
                }
            },
            Pending::Leave { cmd } => match answer {
                Ok(v) => {
                    self.finish(host, true);
                    self.out.reply(Some(cmd), Outcome::resolve_json(v));
                }
                Err((status, response)) => {
                    self.phase = Phase::Active;
                    let payload = Self::error_payload(format!("purecloud-v2-sockets-{status}"), response);
                    self.out.publish("error", payload.clone());
                    self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(payload)));
                }
            },
        }
    }

    fn me_answered(&mut self, check: MeCheck, answer: Result<Value, (u16, Value)>, host: &mut dyn Host) {
        let member = answer.as_ref().ok().and_then(Member::parse);
        if let Some(m) = &member {
            self.remember(m.clone());
        }
        let connected = member.as_ref().is_some_and(|m| m.state == "CONNECTED");
        match check {
            MeCheck::AfterStart => {}
            MeCheck::Restore(cmd) => {
                if connected {
                    self.restore_cmd = cmd;
                    self.open_socket();
                } else {
                    self.phase = Phase::Idle;
                    let gone = member.is_some() || matches!(answer, Err((400..=499, _)));
                    let data = match (&member, &answer) {
                        (Some(m), _) => m.raw.clone(),
                        (None, Err((status, response))) => Self::error_payload(format!("purecloud-v2-sockets-{status}"), response.clone()),
                        (None, Ok(v)) => v.clone(),
                    };
                    if gone {
                        // The conversation is over (or the token no longer valid): forget it.
                        self.clear_cookies(host);
                        self.conv = None;
                    }
                    self.out.publish("restoreFailed", data);
                    self.out.reply(cmd, Outcome::Reject(ReplyValue::Undefined));
                }
            }
            MeCheck::AfterReconnect => {
                if member.is_some() && !connected && self.phase == Phase::Active {
                    self.finish(host, false);
                }
            }
        }
    }

    fn listing_answered(&mut self, listing: Listing, answer: Result<Value, (u16, Value)>, host: &mut dyn Host) {
        let page = answer.as_ref().ok();
        let entities: Vec<Value> = page.and_then(|p| p.get("entities")).and_then(Value::as_array).cloned().unwrap_or_default();
        let next = page.and_then(|p| str_of(p, "next")).filter(|n| !n.is_empty()).map(str::to_owned);
        match listing {
            Listing::Restore { cmd, mut acc } => {
                acc.extend(entities);
                if let (Some(n), false) = (&next, self.cfg.pagination) {
                    self.request("GET", n, None, true, Pending::Messages(Listing::Restore { cmd, acc }));
                    return;
                }
                self.history_done = next.is_none();
                self.oldest_message = acc.last().and_then(|m| str_of(m, "id")).map(str::to_owned);
                acc.reverse(); // newest-first pages, published oldest first
                self.accept(acc, true, false, host);
                if answer.is_err() {
                    self.out.log(crate::engine::output::LogLevel::Warn, "WebChatService: the chat was restored but its history could not be loaded.");
                }
                self.out.reply(cmd, Outcome::Resolve(ReplyValue::Undefined));
            }
            Listing::CatchUp { mut acc } => {
                acc.extend(entities);
                if let Some(n) = next {
                    self.request("GET", &n, None, true, Pending::Messages(Listing::CatchUp { acc }));
                    return;
                }
                self.accept(acc, false, false, host);
            }
            Listing::History { cmd } => match answer {
                Ok(v) => {
                    if entities.is_empty() {
                        self.history_done = true;
                        return self.out.reject(cmd, "No more messages to fetch");
                    }
                    self.history_done = next.is_none();
                    self.oldest_message = entities.last().and_then(|m| str_of(m, "id")).map(str::to_owned);
                    self.accept(entities, false, true, host);
                    self.out.reply(Some(cmd), Outcome::resolve_json(v));
                }
                Err((status, response)) => {
                    let payload = Self::error_payload(format!("purecloud-v2-sockets-{status}"), response);
                    self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(payload)));
                }
            },
        }
    }
}
