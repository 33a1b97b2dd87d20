//! Bus commands on the guest chat session, with the shipped transport's texts.

use super::wire::{Conversation, PREFIX};
use super::{keys, MeCheck, Outgoing, Pending, Phase, Session, CLIENT_TYPING_MS, MAX_BODY_CHARS};
use crate::engine::command::{Command, PageInfo, RegexSpec};
use crate::engine::host::Host;
use crate::engine::output::{LogLevel, Outcome};
use crate::engine::texts;
use crate::engine::value::{merge_into, str_of};
use crate::engine::{CommandId, Millis};
use serde_json::{json, Map, Value};

impl Session {
    /// The capabilities data key and its event (published on asyncRestore, as shipped).
    pub fn publish_capabilities(&mut self) {
        let caps = json!({"async": false, "asyncClose": "hideChat", "pagination": self.cfg.pagination, "fileUpload": false});
        self.out.data("capabilities", caps.clone());
        self.out.publish("capabilitiesChanged", caps);
    }

    /// Loads the saved prefilters (configure time).
    pub fn recall_filters(&mut self, host: &mut dyn Host) {
        crate::engine::shared::recall_filters(&mut self.out, &mut self.filters, host);
    }

    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        let active = self.phase == Phase::Active;
        match cmd {
            Command::Configure(_) | Command::Load | Command::Sleep | Command::Wake => self.out.resolve_undefined(id),
            Command::StartChat { data, page } => self.start_chat(id, &data, &page),
            Command::EndChat => {
                if !active {
                    return self.out.reject(id, texts::NO_ACTIVE_SESSION);
                }
                let Some(path) = self.conv.as_ref().map(|c| c.path(&format!("/members/{}", c.member_id))) else {
                    return self.out.reject(id, texts::NO_ACTIVE_SESSION);
                };
                self.phase = Phase::Ending;
                self.request("DELETE", &path, None, true, Pending::Leave { cmd: id });
            }
            Command::SendMessage(data) => self.send_message(id, &data),
            Command::SendFilteredMessage { data, regex } => self.send_filtered(id, &data, regex, host),
            Command::SendTyping(_) => {
                if !active {
                    return self.out.reject(id, "trying to send typing indicator when session is not active");
                }
                if self.client_typing_until.is_some() {
                    self.client_typing_until = Some(now + CLIENT_TYPING_MS);
                    return self.out.resolve_undefined(id);
                }
                let Some(c) = self.conv.clone() else { return self.out.reject(id, texts::NO_ACTIVE_SESSION) };
                self.request("POST", &c.path(&format!("/members/{}/typing", c.member_id)), None, true, Pending::Typing { cmd: id });
                self.client_typing_until = Some(now + CLIENT_TYPING_MS);
                self.out.publish("clientTypingStarted", json!({}));
            }
            Command::AddPrefilter(specs) => crate::engine::shared::add_prefilter(&mut self.out, &mut self.filters, host, id, specs),
            Command::UpdateUserData(data) => {
                if active {
                    return self.out.reject(id, "This transport doesn't support updating userData during an active chat session.");
                }
                merge_into(&mut self.user_data, &data);
                self.out.data("userData", Value::Object(self.user_data.clone()));
                self.out.reply(Some(id), Outcome::resolve_json(Value::Object(self.user_data.clone())));
            }
            Command::UpdateInteractionData(data) => {
                if active {
                    return self.out.reject(id, "This transport doesn't support updating interactionData during an active chat session.");
                }
                merge_into(&mut self.interaction_data, &data);
                self.out.data("interactionData", Value::Object(self.interaction_data.clone()));
                self.out.reply(Some(id), Outcome::resolve_json(Value::Object(self.interaction_data.clone())));
            }
            Command::Poll { .. } | Command::StartPoll | Command::StopPoll | Command::PausePoll => {
                self.out.reject(id, texts::transport_lacks("polling"))
            }
            Command::ResetPollExceptions => self.out.reject(id, texts::transport_lacks("resetPollExceptions command")),
            Command::GetFileLimits => self.out.reject(id, texts::transport_lacks("getFileLimits command")),
            Command::SendCustomNotice(_) => self.out.reject(id, texts::transport_lacks("sendCustomNotice command")),
            Command::DownloadFile => self.out.reject(id, texts::transport_lacks("file download")),
            Command::SendFile => self.out.reject(id, texts::transport_lacks("file uploads")),
            Command::VerifySession => self.out.reject(id, "Transport not supported"),
            Command::Restore { .. } => self.restore(Some(id), host),
            Command::AsyncRestore => {
                self.publish_capabilities();
                self.restore(Some(id), host);
            }
            Command::GetTranscript => {
                let v = json!({"messages": self.messages, "originalMessages": self.originals});
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::GetAgents => {
                let v = json!({"agents": self.agents.to_value()});
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::GetStats => {
                let ts = |m: Option<&Value>| m.and_then(|m| m.get("timestamp")).and_then(Value::as_i64);
                let (start, end) = (ts(self.messages.first()), ts(self.messages.last()));
                let or_false = |t: Option<i64>| t.map(Value::from).unwrap_or(Value::Bool(false));
                let duration = match (start, end) {
                    (Some(s), Some(e)) => json!(e - s),
                    _ => Value::Bool(false),
                };
                let v = json!({"agents": self.agents.to_value(), "startTime": or_false(start), "endTime": or_false(end), "duration": duration});
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::GetSessionData => {
                let v = self.conv.as_ref().map(Conversation::session).unwrap_or_else(|| json!({}));
                self.out.reply(Some(id), Outcome::resolve_json(v));
            }
            Command::FetchHistory => self.fetch_history(id),
        }
    }

    fn start_chat(&mut self, id: CommandId, data: &Value, page: &PageInfo) {
        if self.phase != Phase::Idle {
            return self.out.reject(id, texts::ALREADY_ACTIVE);
        }
        let form = data.get("form").filter(|f| f.is_object());
        let field = |k: &str| -> Option<String> {
            str_of(data, k).or_else(|| form.and_then(|f| str_of(f, k))).map(str::to_owned).filter(|s| !s.trim().is_empty())
        };
        let (first, last, nick) = (field("firstname"), field("lastname"), field("nickname"));
        self.display_name = match (&nick, &first, &last) {
            (Some(n), _, _) => n.clone(),
            (None, Some(f), Some(l)) => format!("{f} {l}"),
            (None, Some(f), None) => f.clone(),
            (None, None, Some(l)) => l.clone(),
            (None, None, None) => "Customer".into(),
        };
        let mut custom = Map::new();
        if let Some(f) = form.and_then(Value::as_object) {
            for (k, v) in f {
                let key = match k.as_str() {
                    "firstname" => "firstName",
                    "lastname" => "lastName",
                    other => other,
                };
                custom.insert(key.to_owned(), v.clone());
            }
            merge_into(&mut custom, &Value::Object(self.user_data.clone()));
            for (k, v) in [("_genesys_source", json!(if page.mobile { "mobile" } else { "web" })), ("_genesys_referrer", json!(page.referrer)),
                ("_genesys_url", json!(page.url)), ("_genesys_pageTitle", json!(page.title)), ("_genesys_browser", json!(page.browser)),
                ("_genesys_OS", json!(page.os)), ("_genesys_widgets", json!(concat!("wasm-", env!("CARGO_PKG_VERSION"))))] {
                custom.insert(k.into(), v);
            }
        } else {
            for (k, key) in [("firstname", "firstName"), ("lastname", "lastName"), ("email", "email"), ("subject", "subject")] {
                if let Some(v) = field(k) {
                    custom.insert(key.into(), json!(v));
                }
            }
        }
        if let Some(n) = &nick {
            custom.insert("nickname".into(), json!(n));
        }
        let mut interaction = self.cfg.interaction_user_data.clone();
        merge_into(&mut interaction, &Value::Object(self.interaction_data.clone()));
        if let Some(phone) = interaction.remove("phone") {
            custom.insert("phoneNumber".into(), phone);
        }
        merge_into(&mut custom, &Value::Object(interaction));
        match data.get("userData") {
            Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
                Ok(v @ Value::Object(_)) => merge_into(&mut custom, &v),
                _ => return self.out.reject(id, texts::MALFORMED_USER_DATA),
            },
            Some(v @ Value::Object(_)) => merge_into(&mut custom, v),
            _ => {}
        }
        // Custom fields are strings on the wire (map<string,string>).
        let custom: Map<String, Value> = custom
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k, v.as_str().map(|s| json!(s)).unwrap_or_else(|| json!(v.to_string()))))
            .collect();
        let mut body = json!({
            "organizationId": self.cfg.organization_id,
            "deploymentId": self.cfg.deployment_key,
            "routingTarget": self.cfg.routing,
            "memberInfo": {"displayName": self.display_name, "role": "CUSTOMER", "customFields": custom},
        });
        if let Some(j) = &self.cfg.journey {
            body["journeyContext"] = j.clone();
        }
        self.phase = Phase::Starting;
        self.conv = None;
        self.messages.clear();
        self.originals.clear();
        self.seen.clear();
        self.members.clear();
        self.agents.clear();
        self.last_message = None;
        self.oldest_message = None;
        self.history_done = false;
        self.request("POST", PREFIX, Some(body), false, Pending::Create { cmd: id });
    }

    fn validate(&mut self, id: CommandId, data: &Value) -> Option<String> {
        let text = match data.get("message") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            _ => {
                self.out.reject(id, texts::NO_MESSAGE_TEXT);
                return None;
            }
        };
        if text.chars().count() as u64 > MAX_BODY_CHARS {
            self.out.reject(id, texts::message_too_long(MAX_BODY_CHARS));
            return None;
        }
        Some(text)
    }

    fn send_message(&mut self, id: CommandId, data: &Value) {
        if self.phase != Phase::Active {
            return self.out.reject(id, "There is no active chat session.");
        }
        let Some(text) = self.validate(id, data) else { return };
        self.enqueue(id, text);
    }

    fn enqueue(&mut self, id: CommandId, text: String) {
        if self.client_typing_until.take().is_some() {
            self.out.publish("clientTypingStopped", json!({}));
        }
        self.outbox.push_back(Outgoing { cmd: id, text, tried: false, in_flight: false });
        self.pump_outbox();
    }

    /// Sends the head of the outbox when the stream is up and nothing is in flight.
    pub(super) fn pump_outbox(&mut self) {
        if self.phase != Phase::Active || !self.socket_open {
            return;
        }
        let Some(c) = self.conv.clone() else { return };
        let Some(head) = self.outbox.front_mut() else { return };
        if head.in_flight {
            return;
        }
        head.in_flight = true;
        head.tried = true;
        let body = json!({"body": head.text});
        self.request("POST", &c.path(&format!("/members/{}/messages", c.member_id)), Some(body), true, Pending::Send);
    }

    fn send_filtered(&mut self, id: CommandId, data: &Value, regex: Option<RegexSpec>, host: &mut dyn Host) {
        if self.phase != Phase::Active {
            return self.out.reject(id, texts::NO_ACTIVE_SESSION_FILTERED);
        }
        if !crate::engine::shared::add_message_filter(&mut self.out, &mut self.filters, host, id, regex) {
            return;
        }
        let Some(text) = self.validate(id, data) else { return };
        self.enqueue(id, text);
    }

    /// Restores the conversation the cookies name, if its own member is still connected.
    fn restore(&mut self, id: Option<CommandId>, host: &mut dyn Host) {
        match self.phase {
            Phase::Idle => {}
            Phase::Restoring => return self.out.reply(id, Outcome::reject_text(texts::ALREADY_RESTORING)),
            _ => return self.out.reply(id, Outcome::reject_text(texts::RESTORE_WHILE_ACTIVE)),
        }
        let get = |k| host.storage_get(k).filter(|v| !v.is_empty());
        let conv = match (get(keys::CONVERSATION), get(keys::MEMBER), get(keys::JWT), get(keys::STREAM)) {
            (Some(id), Some(member_id), Some(jwt), Some(stream_url)) => Conversation { id, member_id, jwt, stream_url },
            (None, None, None, None) => return self.out.reply(id, Outcome::reject_text(texts::NOTHING_TO_RESTORE)),
            _ => {
                self.out.log(LogLevel::Warn, "WebChatService: the saved guest chat cookies are incomplete; they were removed.");
                self.clear_cookies(host);
                return self.out.reply(id, Outcome::reject_text(texts::NOTHING_TO_RESTORE));
            }
        };
        self.last_message = get(keys::LAST_MESSAGE);
        let path = conv.path(&format!("/members/{}", conv.member_id));
        self.conv = Some(conv);
        self.phase = Phase::Restoring;
        self.request("GET", &path, None, true, Pending::Me(MeCheck::Restore(id)));
    }

    fn fetch_history(&mut self, id: CommandId) {
        if !self.cfg.pagination {
            return self.out.reject(id, "Fetching chat history on scroll is not enabled.");
        }
        if self.phase != Phase::Active {
            return self.out.reject(id, texts::NO_ACTIVE_SESSION);
        }
        if self.history_done {
            return self.out.reject(id, "No more messages to fetch");
        }
        let Some(c) = self.conv.clone() else { return self.out.reject(id, texts::NO_ACTIVE_SESSION) };
        let mut path = c.path(&format!("/messages?sortOrder=descending&maxResults={}", self.cfg.max_page));
        if let Some(oldest) = &self.oldest_message {
            path.push_str(&format!("&before={oldest}"));
        }
        self.request("GET", &path, None, true, Pending::Messages(super::Listing::History { cmd: id }));
    }
}
