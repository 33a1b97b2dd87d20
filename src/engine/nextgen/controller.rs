//! The nextgen controller's own state and behaviour, as one type a transport session
//! holds: what the bus sees as `sessionActive`, the transcript it keeps and hands out,
//! the `userData`/`interactionData` data keys, capabilities, prefilters and
//! preprocessors, the client typing window and sleep/wake. A transport session keeps its
//! wire state beside it and calls in at the shipped points (web messaging does; guest chat
//! and Nexus v3 still keep their own copies of these fields, to move here next).

use super::{keep, set_sleeping, stats, transcript};
use crate::engine::command::{Command, PageEvent};
use crate::engine::emitter::Emitter;
use crate::engine::filter::FilterSet;
use crate::engine::host::Host;
use crate::engine::json::{obj, Map, Value};
use crate::engine::output::Action;
use crate::engine::typing::TypingWindow;
use crate::engine::{prefilters, texts, CommandId};
use std::collections::VecDeque;

/// Messages kept for `getTranscript`.
pub const TRANSCRIPT_KEPT: usize = 10_000;
/// `verifySession` calls waiting on a restore, at most.
const WAITERS_MAX: usize = 1000;

pub struct Controller {
    pub out: Emitter,
    /// What the bus sees as `sessionActive`.
    pub active: bool,
    transcript: VecDeque<Value>,
    originals: VecDeque<Value>,
    /// The last ended chat's lists, for `getTranscript` after the end.
    saved: (Vec<Value>, Vec<Value>),
    verify_waiters: Vec<CommandId>,
    pub typing: TypingWindow,
    pub filters: FilterSet,
    /// The transport's `oUserData` (config userData, merged over by updateUserData).
    pub user_data: Map,
    /// The `transport` and `ajaxTimeout` options the configure calls so far set, and the
    /// transport type (kept until a configure names another).
    pub options: Map,
    pub transport_type: Option<String>,
    configured: bool,
    /// The `userData` data key, when startChat replaced it with a new object.
    bus_user_data: Option<Map>,
    /// The `interactionData` data key.
    pub interaction: Map,
    pub capabilities: Map,
    capabilities_set: bool,
    pub sleep_enabled: bool,
    sleeping: bool,
    /// Published messages join the transcript (not those that arrive as the chat ends).
    pub keep_transcript: bool,
}

impl Default for Controller {
    fn default() -> Self {
        Controller {
            out: Emitter::default(),
            active: false,
            transcript: VecDeque::new(),
            originals: VecDeque::new(),
            saved: (Vec::new(), Vec::new()),
            verify_waiters: Vec::new(),
            typing: TypingWindow::default(),
            filters: FilterSet::default(),
            user_data: Map::new(),
            options: Map::new(),
            transport_type: None,
            configured: false,
            bus_user_data: None,
            interaction: Map::new(),
            capabilities: super::default_capabilities(),
            capabilities_set: false,
            sleep_enabled: false,
            sleeping: false,
            keep_transcript: true,
        }
    }
}

/// Which messages a transport's hook in [`Controller::publish`] sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copies {
    /// As the server sent them (before the preprocessors).
    Raw,
    /// As the preprocessors left them.
    Processed,
}

/// The text a prefilter is matched against (`text || ""`).
fn text_of(v: &Value) -> String {
    let t = v.get("text");
    if t.truthy() {
        t.to_js_string()
    } else {
        String::new()
    }
}

impl Controller {
    /// What this controller holds, summed (see `Service::footprint`).
    pub fn footprint(&self) -> usize {
        self.transcript.len() + self.originals.len() + self.saved.0.len() + self.verify_waiters.len() + self.filters.custom_len() + self.out.len()
    }

    /// The data-key half of `configure` (the transport's options are read by the
    /// session afterwards). Returns whether `v` is a usable configuration at all.
    pub fn configure(&mut self, v: &Value) -> bool {
        if v.as_object().is_none_or(|m| m.is_empty()) {
            return false;
        }
        crate::engine::guest::config::user_data(v, &mut self.user_data);
        let t = v.get("transport");
        if let Value::Object(_) = t {
            self.options.insert("transport", t.clone());
            if let Some(ty) = t.get("type").as_str() {
                self.transport_type = Some(ty.to_owned());
            }
        }
        if let Value::Number(_) = v.get("ajaxTimeout") {
            self.options.insert("ajaxTimeout", v.get("ajaxTimeout").clone());
        }
        let new_interaction = if let Value::Object(i) = t.get("interactionData") {
            self.interaction = i.clone();
            true
        } else {
            false
        };
        if let Some(b) = t.get("sleepEnabled").as_bool() {
            self.sleep_enabled = b;
        }
        let user = Value::Object(self.user_data.clone());
        if self.configured && self.bus_user_data.is_none() {
            self.out.data_in_place("userData", user);
        } else {
            self.out.data("userData", user);
        }
        self.bus_user_data = None;
        let interaction = Value::Object(self.interaction.clone());
        if self.configured && !new_interaction {
            self.out.data_in_place("interactionData", interaction);
        } else {
            self.out.data("interactionData", interaction);
        }
        self.configured = true;
        if self.sleep_enabled {
            self.out.data("sleeping", Value::Bool(false));
        }
        self.out.data("sessionActive", Value::Bool(self.active));
        true
    }

    /// The end of a successful `configure`: the controller goes ready and restores.
    pub fn configured(&mut self, id: CommandId, host: &mut dyn Host) {
        self.capabilities_set = false;
        prefilters::sync_from_cookie(&mut self.out, &mut self.filters, host);
        self.out.resolve_empty(id);
        self.out.push(Action::Yield);
        self.out.push(Action::Ready);
        self.out.command("WebChatService.asyncRestore");
    }

    /// The `transport` options the configure calls set, merged.
    pub fn transport_options(&self) -> Value {
        self.options.get("transport").cloned().unwrap_or(Value::object())
    }

    /// The `userData` data key's current object.
    pub fn bus_user_data(&self) -> &Map {
        self.bus_user_data.as_ref().unwrap_or(&self.user_data)
    }

    /// What `startChat` does to the data keys before the transport starts.
    pub fn start_keys(&mut self, data: &Value) {
        if self.sleep_enabled {
            self.out.command("WebChatService.wake");
        }
        if data.get("userData").truthy() {
            let mut fresh = Map::new();
            fresh.deep_assign(&Value::Object(self.bus_user_data().clone()));
            fresh.deep_assign(data.get("userData"));
            self.bus_user_data = Some(fresh.clone());
            self.out.data("userData", Value::Object(fresh));
        }
        if data.get("interactionData").truthy() {
            self.interaction.deep_assign(data.get("interactionData"));
            self.out.data_in_place("interactionData", Value::Object(self.interaction.clone()));
        }
        self.saved = (Vec::new(), Vec::new());
    }

    /// `updateUserData`: merged into the data key and `oUserData`. Settling is the
    /// transport's (some refuse it during a chat).
    pub fn merge_user_data(&mut self, data: &Value) {
        let mut target = self.bus_user_data().clone();
        target.deep_assign(data);
        if self.bus_user_data.is_some() {
            self.bus_user_data = Some(target.clone());
        }
        self.out.data_in_place("userData", Value::Object(target.clone()));
        self.user_data.deep_assign(&Value::Object(target));
    }

    /// The commands every nextgen transport answers the same way. Returns the command
    /// when it is the transport's to answer.
    pub fn common(&mut self, id: CommandId, cmd: Command, agents: &Map, host: &mut dyn Host) -> Option<Command> {
        match cmd {
            Command::GetTranscript => self.out.resolve(id, transcript(self.active, &self.transcript, &self.originals, &self.saved)),
            Command::GetStats => self.out.resolve(id, stats(&self.transcript, agents)),
            Command::GetAgents => self.out.resolve(id, obj([("agents", Value::Object(agents.clone()))])),
            Command::AddPrefilter(data) => prefilters::add_prefilter(&mut self.out, &mut self.filters, host, id, &data),
            Command::SendFilteredMessage(data) => {
                if !self.active {
                    self.out.reject_text(id, texts::NO_ACTIVE_SESSION_FILTERED);
                } else {
                    prefilters::send_filtered(&mut self.out, &mut self.filters, host, id, &data);
                }
            }
            Command::UpdateInteractionData(data) => {
                self.interaction.deep_assign(&data);
                self.out.data_in_place("interactionData", Value::Object(self.interaction.clone()));
                if self.active {
                    self.out.reject_text(id, texts::transport_lacks("updating interactionData during an active chat session"));
                } else {
                    self.out.resolve(id, Value::Object(self.interaction.clone()));
                }
            }
            Command::StartPoll | Command::PausePoll if !self.active => self.out.reject_text(id, texts::NO_ACTIVE_SESSION),
            Command::StartPoll | Command::PausePoll | Command::StopPoll => self.out.reject_text(id, texts::transport_lacks("polling")),
            Command::Poll { commander } => {
                let text = if commander == crate::engine::gms::OWN_NAME { texts::transport_lacks("polling") } else { texts::ACCESS_DENIED.into() };
                self.out.reject_text(id, text);
            }
            Command::ResetPollExceptions => self.out.reject_text(id, texts::transport_lacks("resetPollExceptions command")),
            Command::SendCustomNotice(_) => self.out.reject_text(id, texts::transport_lacks("sendCustomNotice command")),
            Command::Sleep => {
                set_sleeping(&mut self.out, self.sleep_enabled, self.active, &mut self.sleeping, true);
                self.out.resolve_empty(id);
            }
            Command::Wake(_) => {
                set_sleeping(&mut self.out, self.sleep_enabled, self.active, &mut self.sleeping, false);
                self.out.resolve_empty(id);
            }
            other => return Some(other),
        }
        None
    }

    /// Page events as the controller takes them.
    pub fn page(&mut self, event: &PageEvent) {
        match event {
            PageEvent::Focus(v) | PageEvent::Hidden { hidden: v, .. } if self.sleep_enabled && self.active => match v {
                // As shipped, pageFocus and pageHidden are read the same way round.
                Value::Bool(false) => self.out.command("WebChatService.sleep"),
                Value::Bool(true) => self.out.command("WebChatService.wake"),
                _ => {}
            },
            PageEvent::WebChatClosed => self.saved = (Vec::new(), Vec::new()),
            _ => {}
        }
    }

    /// Capabilities as the controller merges them (the data key is published once per
    /// configure; the event every time).
    pub fn publish_capabilities(&mut self) {
        if !self.capabilities_set {
            self.capabilities_set = true;
            self.out.data("capabilities", Value::Object(self.capabilities.clone()));
        }
        self.out.publish("capabilitiesChanged", Value::Object(self.capabilities.clone()));
    }

    /// A capability changed after configure (a transport learning its limits): the data
    /// key and the event carry the new set.
    pub fn change_capability(&mut self, key: &'static str, value: Value) {
        if self.capabilities.get(key) == Some(&value) {
            return;
        }
        self.capabilities.insert(key, value);
        if self.capabilities_set {
            self.out.data_in_place("capabilities", Value::Object(self.capabilities.clone()));
            self.out.publish("capabilitiesChanged", Value::Object(self.capabilities.clone()));
        }
    }

    /// A `verifySession` that must wait for a restore to tell (bounded).
    pub fn wait_verify(&mut self, id: CommandId) -> bool {
        if self.verify_waiters.len() >= WAITERS_MAX {
            return false;
        }
        self.verify_waiters.push(id);
        true
    }

    /// Answers every waiting `verifySession`.
    pub fn answer_verify(&mut self, active: bool) {
        for id in std::mem::take(&mut self.verify_waiters) {
            self.out.resolve(id, obj([("sessionActive", Value::Bool(active))]));
        }
    }

    /// The session is on (started or restored).
    pub fn activate(&mut self) {
        self.active = true;
        self.out.data("sessionActive", Value::Bool(true));
        self.answer_verify(true);
    }

    /// The controller's reset when the chat ends or a restore fails.
    pub fn reset(&mut self) {
        self.active = false;
        self.saved = (self.transcript.iter().cloned().collect(), self.originals.iter().cloned().collect());
        self.out.data("sessionActive", Value::Bool(false));
        self.transcript.clear();
        self.originals.clear();
        self.answer_verify(false);
    }

    /// The visitor is out of the chat: `clientDisconnected`, `ended`.
    pub fn chat_ended(&mut self, host: &mut dyn Host) {
        self.reset();
        prefilters::clear(&mut self.filters, host);
        self.out.publish("clientDisconnected", Value::Undefined);
        self.out.publish("ended", Value::Undefined);
        self.out.command("App.deregisterAutoLoad");
    }

    /// A restore could not go on: `restoreFailed` with `data`.
    pub fn restore_failed(&mut self, data: Value, host: &mut dyn Host) {
        self.reset();
        host.storage_remove(crate::engine::keys::FILTERS);
        self.out.publish("restoreFailed", data);
    }

    /// A synthetic item (a join or leave the transport made), stamped `now`, through the
    /// preprocessors and into the transcript. Returns the item as published.
    pub fn post_synthetic(&mut self, mut item: Map, now: u64, restoring: bool, host: &mut dyn Host) -> Value {
        item.insert("timestamp", Value::int(now as i64));
        item.insert("index", Value::int(now as i64));
        let v = Value::Object(item);
        let (left, result) = if self.filters.matches(&text_of(&v)) { (v.clone(), v.clone()) } else { host.preprocess_shared(v.clone()) };
        self.publish(vec![left.clone()], vec![v], Some(vec![result]), restoring, Value::Undefined, host, Copies::Processed, &mut |_, _| {});
        left
    }

    /// `onMessageReceived`: prefilters, preprocessors, the transcript, one
    /// `messageReceived`. `processed`: messages already through the preprocessors.
    /// `each` sees every message about to be published (before the event: a transport
    /// settles the sends whose copies they are, and the bus sees those settle first), as
    /// the server sent it (`Copies::Raw`, Nexus v3) or as the preprocessors left it
    /// (`Copies::Processed`, guest chat), as the shipped transports do.
    #[allow(clippy::too_many_arguments)]
    pub fn publish(&mut self, originals: Vec<Value>, messages: Vec<Value>, processed: Option<Vec<Value>>, restoring: bool, old: Value, host: &mut dyn Host, copies: Copies, each: &mut dyn FnMut(&Value, &mut Emitter)) {
        let kept: Vec<Value> = messages.into_iter().filter(|m| !self.filters.matches(&text_of(m))).collect();
        if copies == Copies::Raw {
            for m in &kept {
                each(m, &mut self.out);
            }
        }
        let count = kept.len();
        let messages = match processed {
            Some(p) if count == p.len() => p,
            Some(_) => Vec::new(),
            None => {
                let processed = if count > 0 { host.preprocess_normalized(kept.clone()) } else { Vec::new() };
                if processed.len() == count {
                    processed
                } else {
                    kept
                }
            }
        };
        // An original is matched by its server text (`body` on guest chat).
        let originals: Vec<Value> = originals
            .into_iter()
            .filter(|o| {
                let b = o.get("body");
                !self.filters.matches(&if b.truthy() { b.to_js_string() } else { text_of(o) })
            })
            .map(Value::shared)
            .collect();
        if copies == Copies::Processed {
            for m in &messages {
                each(m, &mut self.out);
            }
        }
        let messages: Vec<Value> = messages.into_iter().map(Value::shared).collect();
        if self.keep_transcript {
            for m in &messages {
                keep(&mut self.transcript, m.clone(), TRANSCRIPT_KEPT);
            }
            for o in &originals {
                keep(&mut self.originals, o.clone(), TRANSCRIPT_KEPT);
            }
        }
        if !messages.is_empty() {
            self.out.publish(
                "messageReceived",
                obj([
                    ("originalMessages", Value::Array(originals)),
                    ("messages", Value::Array(messages)),
                    ("restoring", Value::Bool(restoring)),
                    ("sessionData", Value::Undefined),
                    ("oldMessages", old),
                ]),
            );
        }
    }

    /// The client typing window closes (a message went, or it timed out).
    pub fn typing_stopped(&mut self) {
        if self.typing.close() {
            self.out.publish("clientTypingStopped", Value::Undefined);
        }
    }

    /// `sleep` (`asleep`) or `wake`; says whether it changed anything.
    pub fn set_sleeping(&mut self, asleep: bool) -> bool {
        set_sleeping(&mut self.out, self.sleep_enabled, self.active, &mut self.sleeping, asleep)
    }

    /// A configure made a new transport (for a transport that sets the data keys its own
    /// way): the bus holds `oUserData` itself again, and the next restore publishes the
    /// capabilities data key again.
    pub fn new_transport(&mut self) {
        self.bus_user_data = None;
        self.capabilities_set = false;
    }
}
