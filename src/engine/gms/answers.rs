//! HTTP answers on the GMS session: what every answer does (identifiers, reconnected,
//! ajaxResponse, errors) and what each operation's answer settles.

use super::wire::{self, Failure};
use super::{Pending, Phase, Session};
use crate::engine::host::Host;
use crate::engine::keys;
use crate::engine::output::{HttpResponse, NetError, Outcome, ReplyValue};
use crate::engine::value::object;
use crate::engine::{Millis, RequestId};
use serde_json::{json, Value};

impl Session {
    /// Feeds the answer (or the lack of one) to a request the engine sent.
    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        let Some(pending) = self.requests.remove(&id) else { return };
        let was_disconnected = self.disconnected;
        match wire::classify(result) {
            Ok(resp) => {
                self.on_answer(&resp, host);
                self.on_success(pending, resp, now, host);
            }
            Err(failure) => {
                self.on_failure_common(&failure, matches!(pending, Pending::Poll { .. } | Pending::Restore { .. }));
                self.on_failure(pending, failure, host);
            }
        }
        if was_disconnected && !self.disconnected {
            self.pump_outbox(host);
        }
    }

    /// What every successful answer does before its operation's own handling.
    fn on_answer(&mut self, resp: &Value, host: &mut dyn Host) {
        if self.ids.update_from(resp) && self.phase == Phase::Active {
            self.write_session_cookies(host);
        }
        if self.disconnected {
            self.disconnected = false;
            self.out.publish("reconnected", object());
        }
        if wire::ended_with_errors(resp) {
            self.out.publish("error", resp.clone());
        }
        self.out.publish_direct("ajaxResponse", resp.clone());
    }

    /// What every failed request does: a lost connection while chatting is `disconnected`
    /// (once); anything else is an `error`.
    fn on_failure_common(&mut self, f: &Failure, is_refresh: bool) {
        if f.is_network() && matches!(self.phase, Phase::Active | Phase::Ending) {
            if !self.disconnected {
                self.disconnected = true;
                self.out.publish("disconnected", object());
            }
            return;
        }
        let payload = f.payload(is_refresh);
        let only_dropped = is_refresh
            && f.errors().is_some_and(|e| !e.is_empty())
            && payload.get("errors").and_then(Value::as_array).is_some_and(|e| e.is_empty())
            && !f.invalid_service();
        if !only_dropped {
            self.out.publish("error", payload);
        }
    }

    fn on_success(&mut self, pending: Pending, resp: Value, now: Millis, host: &mut dyn Host) {
        match pending {
            Pending::Start { cmd } => {
                self.release_start_lock(host);
                if wire::status_code(&resp) == 0 && wire::has_chat_id(&resp) && self.phase == Phase::Starting {
                    self.transcript = crate::engine::transcript::Transcript::new();
                    self.agents.clear();
                    self.activate(host);
                    self.out.data("sessionActive", Value::Bool(true));
                    let sd = self.ids.session_data();
                    self.out.publish("started", sd);
                    self.start_polling(now);
                    self.out.app_command("App.registerAutoLoad");
                    self.out.reply(Some(cmd), Outcome::resolve_json(resp));
                } else {
                    self.phase = Phase::Idle;
                    self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(resp)));
                }
            }
            Pending::Restore { cmd } => {
                if wire::chat_ended(&resp) == Some(false) {
                    self.out.publish("restored", object());
                    self.out.app_command("App.registerAutoLoad");
                    self.activate(host);
                    let idle = resp.get("idleTimerExpire").cloned();
                    self.ingest(wire::messages(&resp), true, idle, host);
                    self.out.data("sessionActive", Value::Bool(true));
                    self.start_polling(now);
                    self.write_session_cookies(host);
                    if wire::status_code(&resp) == 1 {
                        self.offline = true;
                        self.out.publish("restoredOffline", object());
                    }
                    self.out.reply(cmd, Outcome::Resolve(ReplyValue::Undefined));
                } else {
                    // Ended while the visitor was away: the shipped plugin reuses restoreTimeout.
                    self.phase = Phase::Idle;
                    self.clear_session_cookies(host);
                    self.out.publish("restoreTimeout", object());
                    self.out.app_command("App.deregisterAutoLoad");
                    self.out.reply(cmd, Outcome::Reject(ReplyValue::Undefined));
                }
                self.settle_verify_waiters();
            }
            Pending::Poll { cmd } => {
                self.poller.answered();
                if self.phase != Phase::Active {
                    self.out.reply(cmd, Outcome::resolve_json(resp));
                    return;
                }
                match wire::status_code(&resp) {
                    1 => {
                        self.exceptions += 1;
                        if self.exceptions > self.cfg.poll_exception_limit {
                            self.exceptions = 0;
                            self.offline = true;
                            self.out.publish("chatServerWentOffline", object());
                        }
                    }
                    0 => {
                        self.exceptions = 0;
                        if self.offline {
                            self.offline = false;
                            self.out.publish("chatServerBackOnline", object());
                            self.out.publish("reconnected", object());
                        }
                    }
                    _ => {}
                }
                let idle = resp.get("idleTimerExpire").cloned();
                self.ingest(wire::messages(&resp), false, idle, host);
                host.storage_set(keys::INDEX, &self.transcript.next_position.to_string());
                let ended = wire::chat_ended(&resp) == Some(true);
                self.out.reply(cmd, Outcome::resolve_json(resp));
                if ended {
                    self.end_locally(host);
                }
            }
            Pending::Send => {
                let ended = wire::chat_ended(&resp) == Some(true);
                self.outbox_settle_head(Outcome::resolve_json(resp));
                if ended {
                    self.end_locally(host);
                } else {
                    self.pump_outbox(host);
                }
            }
            Pending::StartTyping { cmd } => self.out.reply(Some(cmd), Outcome::resolve_json(resp)),
            Pending::StopTyping => {}
            Pending::Plain { cmd } => self.out.reply(cmd, Outcome::resolve_json(resp)),
            Pending::Disconnect { cmd } => {
                self.publish_all_disconnected();
                self.finish_end(host);
                self.out.reply(Some(cmd), Outcome::resolve_json(resp));
            }
        }
    }

    fn on_failure(&mut self, pending: Pending, f: Failure, host: &mut dyn Host) {
        let payload = f.payload(false);
        match pending {
            Pending::Start { cmd } => {
                self.release_start_lock(host);
                self.phase = Phase::Idle;
                self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(payload)));
            }
            Pending::Restore { cmd } => {
                // Cookies stay: a later page load may restore once the server is reachable.
                self.phase = Phase::Idle;
                self.out.publish("restoreFailed", object());
                self.out.reply(cmd, Outcome::Reject(ReplyValue::Undefined));
                self.settle_verify_waiters();
            }
            Pending::Poll { cmd } => {
                self.poller.answered();
                self.out.reply(cmd, Outcome::Reject(ReplyValue::Json(payload)));
            }
            Pending::Send => {
                if f.is_network() && self.phase == Phase::Active {
                    self.outbox_retry_later();
                } else {
                    self.outbox_settle_head(Outcome::Reject(ReplyValue::Json(payload)));
                    self.pump_outbox(host);
                }
            }
            Pending::StartTyping { cmd } => self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(payload))),
            Pending::StopTyping => {}
            Pending::Plain { cmd } => self.out.reply(cmd, Outcome::Reject(ReplyValue::Json(payload))),
            Pending::Disconnect { cmd } => {
                // The visitor asked to leave: end here even if the server cannot be told.
                self.publish_all_disconnected();
                self.finish_end(host);
                self.out.reply(Some(cmd), Outcome::Reject(ReplyValue::Json(payload)));
            }
        }
    }

    fn publish_all_disconnected(&mut self) {
        for e in ["supervisorDisconnected", "agentDisconnected", "clientDisconnected"] {
            self.out.publish(e, json!({"numAgentsConnected": 0}));
        }
    }

    fn release_start_lock(&mut self, host: &mut dyn Host) {
        self.lock_refresh_at = None;
        host.storage_remove(keys::START_LOCK);
    }
}
