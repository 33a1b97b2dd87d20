//! HTTP answers on the GMS session: what the shipped `Se` callbacks do with every answer
//! (identifiers, `reconnected`, `error`, `ajaxResponse`; `disconnected` on a lost
//! connection), and what each operation's answer settles, in the shipped order.

use super::{Pending, Session};
use crate::engine::host::Host;
use crate::engine::json::{obj, parse, FileRef, Value};
use crate::engine::output::{HttpResponse, NetError};
use crate::engine::json::loose_eq_num;
use crate::engine::xhr::{self, Answer, Reading};
use crate::engine::{keys, prefilters, CommandId, Millis, RequestId};

impl Session {
    /// Feeds the answer (or the lack of one) to a request the engine sent.
    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        let Some(at) = self.requests.iter().position(|r| r.id == id) else { return };
        let req = self.requests.remove(at);
        let reading = if matches!(req.what, Pending::FileLimits { .. } | Pending::Upload { .. }) { Reading::Text } else { Reading::Auto };
        let answer = xhr::read(result, reading);
        if self.killed || req.chat != self.chat {
            return self.settle_stale(req.what, answer);
        }
        match answer {
            Answer::Done { data, .. } => self.on_done(req.what, id, data, now, host),
            Answer::Fail(x) => self.on_fail(req.what, id, Value::Xhr(Box::new(x)), now, host),
        }
    }

    /// An answer to a request of a chat that is over: it settles its command, nothing
    /// else (the shipped plugin would apply it to the current chat).
    fn settle_stale(&mut self, what: Pending, answer: Answer) {
        let ok = matches!(answer, Answer::Done { .. });
        let value = answer.into_value();
        let cmd = match what {
            Pending::Start { cmd } | Pending::StartTyping { cmd } | Pending::FileLimits { cmd } | Pending::Upload { cmd, .. } | Pending::Disconnect { cmd } => Some(cmd),
            Pending::Restore { cmd } | Pending::Poll { cmd } | Pending::Plain { cmd } => cmd,
            Pending::Probe | Pending::Send | Pending::StopTyping => None,
        };
        if let Some(cmd) = cmd {
            if ok { self.out.resolve(cmd, value) } else { self.out.reject(cmd, value) }
        }
    }

    fn on_done(&mut self, what: Pending, rid: RequestId, mut e: Value, now: Millis, host: &mut dyn Host) {
        if e.get("id").truthy() {
            let id = e.get("id").clone();
            if let Some(m) = e.as_object_mut() {
                m.insert("sessionId", id);
            }
        }
        self.take_ids(&e, host);
        // A good upload settles last, on a later task (see the end).
        let mut uploaded = None;
        match what {
            Pending::Start { cmd } => {
                self.release_start_lock(host);
                if loose_eq_num(e.get("statusCode"), 0.0) {
                    self.active = true;
                    self.out.data("sessionActive", Value::Bool(true));
                    self.take_ids(&e, host);
                    self.out.publish("started", self.ids.to_value());
                    self.out.command("WebChatService.startPoll");
                    self.out.command("App.registerAutoLoad");
                    self.out.resolve(cmd, e.clone());
                } else {
                    self.out.reject(cmd, e.clone());
                }
            }
            Pending::Restore { cmd } => {
                self.restore_retry.reset();
                self.restore_again = None;
                self.restore_answered(cmd, &mut e, host);
            }
            Pending::Poll { cmd } => {
                self.poller.answered(true);
                self.polled(&mut e, host);
                if let Some(cmd) = cmd {
                    self.out.resolve(cmd, e.clone());
                }
                if self.outbox.checked(rid) {
                    self.pump_outbox(Some(now), host);
                }
            }
            Pending::Probe => {
                self.polled(&mut e, host);
                if self.outbox.checked(rid) {
                    self.pump_outbox(Some(now), host);
                }
            }
            Pending::Send => {
                if let Some(m) = self.outbox.answered(rid, true) {
                    if e.get("chatEnded") == &Value::Bool(true) && self.active {
                        self.end_locally(true, host);
                    }
                    self.out.resolve(m.cmd, e.clone());
                }
                self.poller.activity(&self.cfg);
            }
            Pending::StartTyping { cmd } => self.out.resolve(cmd, e.clone()),
            Pending::StopTyping => {}
            Pending::Plain { cmd } => {
                if let Some(cmd) = cmd {
                    self.out.resolve(cmd, e.clone());
                }
            }
            Pending::FileLimits { cmd } => self.out.resolve(cmd, e.clone()),
            Pending::Upload { cmd, .. } => {
                self.poller.activity(&self.cfg);
                // The answer was read as text; the shipped `sendFile` parses it itself.
                let parsed = match &e {
                    Value::String(text) => parse(text).ok(),
                    _ => None,
                };
                match parsed {
                    Some(t) if loose_eq_num(t.get("statusCode"), 0.0) => uploaded = Some((cmd, t)),
                    // Deliberate: an answer that is not JSON rejects with its text (the
                    // shipped JSON.parse throws and the command never settles).
                    Some(t) => self.out.reject(cmd, t),
                    None => self.out.reject(cmd, e.clone()),
                }
            }
            Pending::Disconnect { cmd } => {
                self.disconnect_answered = true;
                // Deliberate: the shipped endChat never settles on success.
                self.out.resolve(cmd, e.clone());
                self.finish_disconnect(host);
            }
        }
        if self.disconnected {
            self.disconnected = false;
            self.out.publish("reconnected", Value::Undefined);
        }
        let errors = e.get("errors").as_array().is_some_and(|a| !a.is_empty());
        if !self.disconnect_answered && e.get("chatEnded") == &Value::Bool(true) && e.get("statusCode").as_f64() == Some(2.0) && errors {
            self.out.publish("error", e.clone());
        }
        self.out.publish_direct("ajaxResponse", e);
        // The queue may move now: the connection is back, or the head was answered.
        self.pump_outbox(Some(now), host);
        if let Some((cmd, t)) = uploaded {
            // On a later task, as the shipped one resolves once it has read the file:
            // after the bus delivered `ajaxResponse`.
            self.out.push(crate::engine::output::Action::Yield);
            self.out.resolve(cmd, t);
        }
    }

    fn on_fail(&mut self, what: Pending, rid: RequestId, mut x: Value, now: Millis, host: &mut dyn Host) {
        if let Pending::FileLimits { cmd } = what {
            // The shipped file request has its own error callback: `error`, then reject.
            self.out.publish("error", x.clone());
            return self.out.reject(cmd, x);
        }
        if let Pending::Upload { cmd, name } = what {
            return self.upload_failed(cmd, &name, x);
        }
        if let Pending::Restore { cmd } = what {
            // Deliberate (README): a restore's refresh that got no answer or a server
            // error without a reason is tried again before the chat is given up.
            if self.restoring && crate::engine::retry::transient(&x) && self.restore_retry.failed(now) {
                if let Some(again) = self.restore_again.as_mut() {
                    again.0 = cmd;
                }
                return;
            }
        }
        let status = x.get("status").as_f64().unwrap_or(0.0);
        if status == 0.0 {
            let was = self.disconnected;
            self.disconnected = true;
            if self.active {
                // Deliberate: `disconnected` once per outage (shipped: once per failed request).
                if !was {
                    self.out.publish("disconnected", Value::Undefined);
                }
            } else {
                self.out.publish("error", x.clone());
            }
        }
        if matches!(what, Pending::Poll { .. } | Pending::Probe | Pending::Restore { .. }) {
            if let Some(errors) = x.get_mut("responseJSON").and_then(|j| j.get_mut("errors")).and_then(Value::as_array_mut) {
                // The shipped loop drops code 204 entries, skipping the one after each.
                let mut i = 0;
                while i < errors.len() {
                    if loose_eq_num(errors[i].get("code"), 204.0) {
                        errors.remove(i);
                    }
                    i += 1;
                }
            }
        }
        let errors = x.get("responseJSON").get("errors").clone();
        if ![404.0, 502.0, 500.0].contains(&status) || errors.truthy() {
            if let Some(list) = errors.as_array().filter(|l| !l.is_empty()) {
                if list.iter().any(|e| loose_eq_num(e.get("code"), 306.0)) {
                    set_reason(&mut x, "InvalidService");
                }
                self.out.publish("error", x.clone());
            }
        } else {
            set_reason(&mut x, "InvalidService");
            self.out.publish("error", x.clone());
        }
        match what {
            Pending::Start { cmd } => {
                let url = self.cfg.url("", "");
                let to = crate::engine::diagnostics::StartTarget { url: &url, url_option: "webchat.dataURL", key_option: "webchat.apikey" };
                crate::engine::diagnostics::start_failed(&mut self.out, &mut self.reported, &to, x.get("status").as_f64().unwrap_or(0.0));
                self.release_start_lock(host);
                self.out.reject(cmd, x);
            }
            Pending::Restore { cmd } => {
                self.restoring = false;
                self.restore_retry.reset();
                self.restore_again = None;
                self.ids = super::Ids::default();
                self.out.publish("restoreFailed", Value::Undefined);
                self.settle_verify_waiters();
                self.out.reply(cmd, crate::engine::output::Outcome::reject_empty());
            }
            Pending::Poll { cmd } => {
                self.poller.answered(status != 0.0);
                if let Some(cmd) = cmd {
                    self.out.reject(cmd, x);
                }
            }
            Pending::Probe => self.pump_outbox(Some(now), host),
            Pending::Send => {
                // Deliberate (README): only a refusal for good rejects. No answer, a cut
                // answer or a server error may have arrived: the next transcript tells,
                // and the message goes again only if it did not (the shipped one rejects,
                // and the Genesys WebChat UI has already cleared the visitor's input).
                let refused = !self.active || crate::engine::xhr::refused_for_good(status);
                match self.outbox.failed(rid, refused, self.next_request) {
                    crate::engine::outbox::Failed::Delivered(m) => self.out.resolve(m.cmd, obj([("statusCode", Value::int(0))])),
                    crate::engine::outbox::Failed::Refused(m) => self.out.reject(m.cmd, x),
                    crate::engine::outbox::Failed::Uncertain | crate::engine::outbox::Failed::Stale => {}
                }
                self.pump_outbox(Some(now), host);
                self.poller.activity(&self.cfg);
            }
            Pending::StartTyping { cmd } => self.out.reject(cmd, x),
            Pending::StopTyping => {}
            Pending::Plain { cmd } => {
                if let Some(cmd) = cmd {
                    self.out.reject(cmd, x);
                }
            }
            Pending::FileLimits { .. } | Pending::Upload { .. } => {}
            Pending::Disconnect { cmd } => {
                // The visitor asked to leave: the chat ends here even if the server
                // could not be told (as shipped).
                self.out.reject(cmd, x);
                self.finish_disconnect(host);
            }
        }
    }

    /// A failed upload, as the shipped file request's own error callback reports it (no
    /// `disconnected`: that callback never marks the connection lost): a 400 gets the
    /// file's name in each of its `errors` and publishes `error`; no answer at all gets
    /// `errorReason: "FileUploadError"`, the name and the File and publishes `error`; any
    /// other status only rejects.
    fn upload_failed(&mut self, cmd: CommandId, name: &str, mut x: Value) {
        self.poller.activity(&self.cfg);
        let status = x.get("status").as_f64().unwrap_or(0.0);
        if status == 400.0 {
            // Deliberate: a 400 whose text is not JSON still publishes and rejects (the
            // shipped JSON.parse throws there and the command never settles).
            if let Some(mut t) = x.get("responseText").as_str().and_then(|text| parse(text).ok()) {
                if let Some(errors) = t.get_mut("errors").and_then(Value::as_array_mut) {
                    for e in errors.iter_mut() {
                        if let Some(m) = e.as_object_mut() {
                            m.insert("filename", Value::str(name));
                        }
                    }
                }
                if let Some(m) = x.as_object_mut() {
                    m.insert("responseText", Value::String(t.to_json()));
                }
            }
            self.out.publish("error", x.clone());
        } else if status == 0.0 {
            if let Some(m) = x.as_object_mut() {
                m.insert("errorReason", Value::str("FileUploadError"));
                m.insert("filename", Value::str(name));
                m.insert("file", Value::File(FileRef(cmd)));
            }
            self.out.publish("error", x.clone());
        }
        self.out.reject(cmd, x);
    }

    /// The shipped `Xe`: a restore's refresh answered.
    fn restore_answered(&mut self, cmd: Option<CommandId>, e: &mut Value, host: &mut dyn Host) {
        self.take_ids(e, host);
        match e.get("chatEnded") {
            Value::Bool(true) | Value::Undefined if self.active => {
                // A restore of the running chat (see `restore`) found it ended: end it
                // (deliberate: the shipped one keeps a chat that ignores everything).
                self.restoring = false;
                self.end_locally(true, host);
                self.out.reply(cmd, crate::engine::output::Outcome::reject(e.clone()));
            }
            Value::Bool(true) | Value::Undefined => {
                self.clear_session_cookies(host);
                self.killed = true;
                self.restoring = false;
                self.ids = super::Ids::default();
                self.out.publish("restoreTimeout", Value::Undefined);
                self.out.command("App.deregisterAutoLoad");
                self.settle_verify_waiters();
                self.out.reply(cmd, crate::engine::output::Outcome::reject(e.clone()));
            }
            Value::Bool(false) => {
                self.out.publish("restored", Value::Undefined);
                self.out.command("App.registerAutoLoad");
                self.ingest(e, host);
                self.restoring = false;
                self.active = true;
                self.out.data("sessionActive", Value::Bool(true));
                self.out.command("WebChatService.startPoll");
                if !self.async_mode {
                    host.storage_set(keys::SESSION, &self.ids.session_id);
                }
                if loose_eq_num(e.get("statusCode"), 1.0) {
                    self.out.publish("restoredOffline", Value::Undefined);
                    self.offline = true;
                }
                self.settle_verify_waiters();
                self.out.reply(cmd, crate::engine::output::Outcome::resolve(e.clone()));
            }
            _ => {
                // Deliberate: shipped, the restore stays "in progress" forever here.
                self.restoring = false;
                self.settle_verify_waiters();
                self.out.reply(cmd, crate::engine::output::Outcome::reject(e.clone()));
            }
        }
    }

    /// The shipped `We`: a poll answered (offline/online bookkeeping, then the messages).
    fn polled(&mut self, e: &mut Value, host: &mut dyn Host) {
        let code = e.get("statusCode").clone();
        if loose_eq_num(&code, 0.0) {
            if self.offline {
                self.out.publish("chatServerBackOnline", Value::Undefined);
                self.out.publish("reconnected", Value::Undefined);
            }
            self.offline = false;
            self.offline_polls = 0;
        } else if loose_eq_num(&code, 1.0) {
            self.offline_polls += 1;
            if self.offline_polls > self.cfg.poll_exception_limit {
                self.out.publish("chatServerWentOffline", Value::Undefined);
                self.offline_polls = 0;
            }
            self.offline = true;
        }
        self.ingest(e, host);
        self.first_load = false;
        self.restoring = false;
    }

    /// The shipped `ze`: the disconnect was answered (or failed); then `Le`.
    fn finish_disconnect(&mut self, host: &mut dyn Host) {
        self.active = false;
        self.out.data("sessionActive", Value::Bool(false));
        self.clear_session_cookies(host);
        prefilters::clear(&mut self.filters, host);
        for event in ["supervisorDisconnected", "agentDisconnected", "clientDisconnected"] {
            self.out.publish(event, obj([("numAgentsConnected", Value::int(0))]));
        }
        self.out.publish("ended", Value::Undefined);
        self.out.command("App.deregisterAutoLoad");
        self.reset(true, host);
    }
}

fn set_reason(x: &mut Value, reason: &str) {
    if let Some(m) = x.as_object_mut() {
        m.insert("errorReason", Value::str(reason));
    }
}
