//! HTTP answers on guest chat, each handled as the shipped transport's callback for that
//! request handles it.

use super::messages::Kind;
use super::{AfterMembers, Fetch, MePurpose, Opening, PageKind, Pending, Session};
use crate::engine::host::Host;
use crate::engine::json::{obj, Value};
use crate::engine::output::{HttpResponse, NetError};
use crate::engine::outbox::Failed;
use crate::engine::xhr::{self, Answer, Reading};
use crate::engine::{texts, Millis, RequestId};

impl Session {
    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        let Some(at) = self.requests.iter().position(|r| r.id == id) else { return };
        let req = self.requests.remove(at);
        if req.chat != self.chat {
            return self.settle_stale(req.what, result);
        }
        if let Pending::Delete { cmd } = req.what {
            return self.delete_answered(cmd, result, host);
        }
        let answer = xhr::read(result, Reading::Json);
        match req.what {
            Pending::Create { cmd } => match answer {
                Answer::Done { data: e, .. } => {
                    let ok = e.get("jwt").truthy() && e.get("id").truthy() && e.path("member.id").truthy() && e.get("eventStreamUri").as_str().is_some();
                    if ok {
                        let mut sd = crate::engine::json::Map::new();
                        sd.push("jwt", e.get("jwt").clone());
                        sd.push("conversationId", e.get("id").clone());
                        sd.push("memberId", e.path("member.id").clone());
                        sd.push("WebSocketUrl", e.get("eventStreamUri").clone());
                        self.session_data = sd;
                        self.customer_id = self.sd("memberId");
                        self.open_socket(Opening::Start { cmd });
                    } else {
                        self.opening = false;
                        self.ctrl.out.reject_text(cmd, texts::NO_CREATE_DATA);
                        self.publish_error(e);
                    }
                }
                Answer::Fail(mut x) => {
                    x.insert("errorReason", Value::str("StartFailed"));
                    self.opening = false;
                    let x = Value::Xhr(Box::new(x));
                    let url = self.url("/api/v2/webchat/guest/conversations", &[]);
                    let to = crate::engine::diagnostics::StartTarget { url: &url, url_option: "webchat.transport.dataURL", key_option: "webchat.transport.deploymentKey and orgGuid" };
                    crate::engine::diagnostics::start_failed(&mut self.ctrl.out, &mut self.reported, &to, x.get("status").as_f64().unwrap_or(0.0));
                    self.ctrl.out.reject(cmd, x.clone());
                    self.handle_error(&x);
                }
            },
            Pending::Me(purpose) => {
                self.member_lookups = self.member_lookups.saturating_sub(1);
                match (purpose, answer) {
                    (MePurpose::AfterStart, Answer::Done { data, .. }) => {
                        self.me_known(&data);
                    }
                    (MePurpose::AfterCatchUp, Answer::Done { data, .. }) => {
                        let me = self.me_known(&data);
                        if self.active && me.get("state").as_str() == Some("DISCONNECTED") {
                            self.ctrl.chat_ended(host);
                            self.terminate(host);
                            return;
                        }
                        self.pump_outbox(now);
                    }
                    (MePurpose::Restore(r), Answer::Done { data, .. }) => {
                        let me = self.me_known(&data);
                        if me.get("state").as_str() == Some("CONNECTED") {
                            self.open_socket(Opening::Restore(r));
                        } else {
                            self.restore_failed(me, host);
                            self.restore_reject(r, texts::CUSTOMER_DISCONNECTED);
                        }
                    }
                    (purpose, Answer::Fail(x)) => {
                        let x = Value::Xhr(Box::new(x));
                        self.handle_error(&x);
                        match purpose {
                            MePurpose::Restore(r) => {
                                self.restore_failed(Value::str(texts::CONVERSATION_STATE_LOST), host);
                                self.restore_reject(r, texts::NO_CONVERSATION_STATE);
                            }
                            MePurpose::AfterCatchUp => self.pump_outbox(now),
                            MePurpose::AfterStart => {}
                        }
                    }
                }
                self.release_held(now, host);
            }
            Pending::Member { id: member, body_type, last } => match answer {
                Answer::Done { data, .. } if data.truthy() => self.member_answered(&member, &body_type, &last, Some(data), now, host),
                Answer::Done { data, .. } => {
                    self.publish_error(data);
                    self.member_answered(&member, &body_type, &last, None, now, host);
                }
                Answer::Fail(x) => {
                    // Deliberate: shipped, this error is published twice.
                    self.handle_error(&Value::Xhr(Box::new(x)));
                    self.member_answered(&member, &body_type, &last, None, now, host);
                }
            },
            Pending::Send => {
                match answer {
                    Answer::Done { data, .. } => {
                        if let Some(m) = self.outbox.answered(id, true) {
                            self.session_data.insert("lastMessageId", data.get("id").clone());
                            self.write_cookies(host);
                            self.ctrl.out.resolve(m.cmd, Value::Undefined);
                        }
                    }
                    Answer::Fail(mut x) => {
                        // Deliberate (README): no answer, a cut answer or a server error
                        // may have arrived; what arrived since tells, and it goes again
                        // only if it did not. A refusal for good rejects with the server's
                        // reason (the shipped one rejects with nothing).
                        let status = x.get("status").and_then(Value::as_f64).unwrap_or(0.0);
                        match self.outbox.failed(id, xhr::refused_for_good(status), self.next_request) {
                            Failed::Delivered(m) => self.ctrl.out.resolve(m.cmd, Value::Undefined),
                            Failed::Refused(m) => {
                                let reason = refusal_reason(&x);
                                x.insert("errorReason", Value::str("MessageFailed"));
                                self.handle_error(&Value::Xhr(Box::new(x)));
                                self.ctrl.out.reject(m.cmd, reason);
                            }
                            Failed::Uncertain | Failed::Stale => {}
                        }
                    }
                }
                self.release_held(now, host);
                self.pump_outbox(now);
            }
            Pending::Typing { cmd } => match answer {
                Answer::Done { data, .. } if data.truthy() => self.ctrl.out.resolve(cmd, Value::Undefined),
                Answer::Done { .. } => self.ctrl.out.reject_text(cmd, texts::TYPING_NO_DATA),
                Answer::Fail(x) => self.ctrl.out.reject(cmd, Value::Xhr(Box::new(x))),
            },
            Pending::Delete { .. } => {}
            Pending::Page(kind) => match answer {
                Answer::Done { data: r, .. } if r.truthy() => {
                    let entities: Vec<Value> = r.get("entities").as_array().cloned().unwrap_or_default();
                    let has_next = r.get("next").truthy();
                    if has_next {
                        if let Some(last) = entities.last() {
                            self.session_data.insert("previousLastMsgId", last.get("id").clone());
                        }
                        self.session_data.insert("nextMsgURL", r.get("next").clone());
                        self.all_received = false;
                    } else {
                        self.all_received = true;
                        self.session_data.insert("nextMsgURL", Value::str(""));
                    }
                    self.get_members(AfterMembers::Page { kind, entities, page_size: r.get("pageSize").clone(), has_next });
                }
                Answer::Done { data, .. } => {
                    self.handle_error(&data);
                    self.page_failed(kind, Value::str(texts::NO_RESPONSE_DATA));
                }
                Answer::Fail(x) => {
                    let x = Value::Xhr(Box::new(x));
                    // Deliberate (README): the restore's page is fetched again after a
                    // failure that says nothing about the chat (the shipped one shows
                    // none of the transcript, for good).
                    if let PageKind::Restore(r) = kind {
                        if self.active && crate::engine::retry::transient(&x) && self.restore_retry.failed(now) {
                            self.restore_again = Some((r, true));
                            return;
                        }
                    }
                    self.publish_error(x);
                    self.page_failed(kind, Value::Undefined);
                }
            },
            Pending::Messages { fetch, acc, pages } => match answer {
                Answer::Done { data, .. } if data.truthy() => self.messages_page(fetch, acc, pages, data, id, host),
                answer => match fetch {
                    Fetch::RestoreAll(r) => {
                        let again = matches!(&answer, Answer::Fail(x) if crate::engine::retry::transient(&Value::Object(x.clone())));
                        if again && self.active && pages == 0 && self.restore_retry.failed(now) {
                            self.restore_again = Some((r, false));
                        } else {
                            self.restore_failed(Value::Undefined, host);
                        }
                    }
                    Fetch::CatchUp => {
                        self.catch_up_failed(now);
                        self.get_me(MePurpose::AfterCatchUp);
                    }
                    Fetch::Probe => self.probe_at = Some(now.saturating_add(2000)),
                },
            },
            Pending::Members(then) => {
                let entities = match &answer {
                    Answer::Done { data, .. } => Some(data.get("entities").as_array().cloned().unwrap_or_default()),
                    Answer::Fail(_) => None,
                };
                let entities = entities.map(|mut l| {
                    l.truncate(super::MEMBERS_MAX);
                    l
                });
                match then {
                    AfterMembers::Page { kind, entities: page, page_size, has_next } => match entities {
                        Some(list) => {
                            self.presences = Some(list);
                            let size = crate::engine::json::js_number(&page_size);
                            if !page.is_empty() && (page.len() as f64) < size && !has_next {
                                self.all_received = true;
                            }
                            let k = if matches!(kind, PageKind::History { .. }) { Kind::History } else { Kind::Restore };
                            self.parse_transcript(page, k, now, host);
                            match kind {
                                PageKind::Restore(r) => {
                                    self.restoring = false;
                                    self.restore_resolved(r);
                                }
                                PageKind::History { cmd } => self.ctrl.out.resolve(cmd, Value::Undefined),
                            }
                        }
                        None => self.page_failed(kind, answer.into_value()),
                    },
                    AfterMembers::Fetched { fetch, messages, request } => {
                        if fetch == Fetch::CatchUp {
                            if entities.is_some() {
                                self.caught_up();
                            } else {
                                self.catch_up_failed(now);
                            }
                        }
                        if let Some(list) = entities {
                            self.presences = Some(list);
                            if !messages.is_empty() {
                                let k = if matches!(fetch, Fetch::RestoreAll(_)) { Kind::Restore } else { Kind::Offline };
                                self.parse_transcript(messages, k, now, host);
                            }
                        }
                        if self.outbox.checked(request) {
                            self.pump_outbox(now);
                        }
                        if fetch == Fetch::CatchUp {
                            self.get_me(MePurpose::AfterCatchUp);
                        }
                    }
                }
            }
        }
    }

    fn page_failed(&mut self, kind: PageKind, value: Value) {
        match kind {
            PageKind::History { cmd } => self.ctrl.out.reject(cmd, value),
            PageKind::Restore(r) => {
                // Deliberate: shipped, the restore never settles when its page fails.
                self.restoring = false;
                self.restore_reject(r, texts::NO_CONVERSATION_STATE);
            }
        }
    }

    /// `DELETE` of our member answered: the chat is over either way.
    fn delete_answered(&mut self, cmd: crate::engine::CommandId, result: Result<HttpResponse, NetError>, host: &mut dyn Host) {
        let ok = matches!(&result, Ok(r) if r.status == 200 || r.status == 204);
        match result {
            Ok(r) if ok => {
                let x = xhr::done_xhr(r.status, &r.status_text, &r.body);
                if self.active {
                    self.ctrl.chat_ended(host);
                }
                self.ctrl.out.resolve(cmd, x);
            }
            other => {
                // jQuery's `always` passes the error text for an HTTP error, the jqXHR
                // for a lost connection; the code is that value's status.
                let (reason, code) = match other {
                    Ok(r) if (200..300).contains(&r.status) => (xhr::done_xhr(r.status, &r.status_text, &r.body), Value::int(r.status as i64)),
                    Ok(r) => (Value::String(r.status_text), Value::str("")),
                    Err(NetError::Timeout) => (Value::str("timeout"), Value::str("")),
                    Err(e) => (xhr::read(Err(e), Reading::Auto).into_value(), Value::str("")),
                };
                self.publish_error(obj([("code", code), ("message", Value::str(""))]));
                self.ctrl.out.reject(cmd, reason);
                // As shipped, the session is over here without `ended` (the rejection and
                // sessionActive false say it); what waited is settled.
            }
        }
        self.terminate(host);
    }

    fn settle_stale(&mut self, what: Pending, result: Result<HttpResponse, NetError>) {
        let cmd = match what {
            Pending::Create { cmd } | Pending::Typing { cmd } | Pending::Delete { cmd } => Some(cmd),
            Pending::Page(PageKind::History { cmd }) | Pending::Members(AfterMembers::Page { kind: PageKind::History { cmd }, .. }) => Some(cmd),
            Pending::Page(PageKind::Restore(r))
            | Pending::Me(MePurpose::Restore(r))
            | Pending::Members(AfterMembers::Page { kind: PageKind::Restore(r), .. })
            | Pending::Messages { fetch: Fetch::RestoreAll(r), .. } => r.cmd,
            _ => None,
        };
        if let Some(cmd) = cmd {
            match xhr::read(result, Reading::Json) {
                Answer::Done { .. } => self.ctrl.out.resolve(cmd, Value::Undefined),
                fail => self.ctrl.out.reject(cmd, fail.into_value()),
            }
        }
    }
}

/// What a refused send rejects with: the server's own words (`message` of its error
/// body, e.g. the text is over the 4,000 characters guest chat takes), else the HTTP
/// status line, so a UI can say why instead of "Something went wrong".
fn refusal_reason(x: &crate::engine::json::Map) -> Value {
    let body = x.get("responseJSON").cloned().unwrap_or(Value::Undefined);
    match body.get("message") {
        Value::String(m) if !m.is_empty() => Value::String(m.clone()),
        _ => {
            let status = x.get("status").map(Value::to_js_string).unwrap_or_default();
            let text = x.get("statusText").map(Value::to_js_string).unwrap_or_default();
            Value::String(format!("The message was refused: {status} {text}").trim_end().to_owned())
        }
    }
}
