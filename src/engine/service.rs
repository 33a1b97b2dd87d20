//! The plugin's engine: the transport is chosen by the configuration
//! (`webchat.transport.type`), as the shipped loader picks the legacy or nextgen
//! controller, and everything is forwarded to that session.

use super::command::Command;
use super::guest::{self, config::TRANSPORT};
use super::host::Host;
use super::output::{Action, HttpResponse, LogLevel, NetError, Outcome, SocketEvent, SocketId};
use super::{gms, texts, CommandId, Millis, RequestId};
use serde_json::Value;

const INVALID_TRANSPORT: &str = "Invalid transport configuration";

pub enum Service {
    /// Before `configure` (or after one that failed, `refusal` then saying why).
    Unconfigured { app_present: bool, seed: u64, early: Vec<Action>, refusal: Option<&'static str> },
    Gms(Box<gms::Session>),
    Guest(Box<guest::Session>),
}

impl Service {
    /// `seed` feeds the reconnect jitter (the shell passes a random number).
    pub fn new(app_present: bool, seed: u64) -> Self {
        Service::Unconfigured { app_present, seed, early: Vec::new(), refusal: None }
    }

    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        if let Service::Unconfigured { app_present, seed, early, refusal } = self {
            let Command::Configure(config) = &cmd else {
                let text = refusal.unwrap_or(texts::INVALID_CONFIGURATION);
                early.push(Action::Reply { id, outcome: Outcome::reject_text(text) });
                return;
            };
            let (app_present, seed) = (*app_present, *seed);
            let transport = config.get("transport").and_then(|t| t.get("type")).and_then(Value::as_str);
            if transport == Some(TRANSPORT) {
                match guest::config::parse(config) {
                    Ok((cfg, warnings)) => {
                        let mut s = guest::Session::new(cfg, app_present, seed);
                        for w in warnings {
                            early.push(Action::Log { level: LogLevel::Warn, message: format!("WebChatService: {w}") });
                        }
                        s.recall_filters(host);
                        let early = std::mem::take(early);
                        *self = Service::Guest(Box::new(s));
                        self.put_back(early);
                    }
                    Err(reason) => {
                        early.push(Action::Log { level: LogLevel::Error, message: reason });
                        early.push(Action::Reply { id, outcome: Outcome::reject_text(INVALID_TRANSPORT) });
                        *refusal = Some(INVALID_TRANSPORT);
                        // Stay unconfigured: every command keeps settling with a rejection.
                        return;
                    }
                }
            } else {
                let early = std::mem::take(early);
                *self = Service::Gms(Box::new(gms::Session::new(app_present)));
                self.put_back(early);
            }
        }
        match self {
            Service::Gms(s) => s.handle_command(id, cmd, now, host),
            Service::Guest(s) => match cmd {
                Command::Configure(_) => s.handle_command(id, Command::Load, now, host),
                other => s.handle_command(id, other, now, host),
            },
            Service::Unconfigured { .. } => {}
        }
    }

    /// Actions produced before the session existed go out first.
    fn put_back(&mut self, early: Vec<Action>) {
        for a in early.into_iter().rev() {
            match self {
                Service::Gms(s) => s.out.push_front(a),
                Service::Guest(s) => s.out.push_front(a),
                Service::Unconfigured { .. } => {}
            }
        }
    }

    /// After the page's own configure: the guest transport restores by itself
    /// (asyncRestore), as the shipped nextgen controller does once ready.
    pub fn after_ready(&mut self, now: Millis, host: &mut dyn Host) {
        if let Service::Guest(s) = self {
            s.handle_command(0, Command::AsyncRestore, now, host);
        }
    }

    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        match self {
            Service::Gms(s) => s.handle_http(id, result, now, host),
            Service::Guest(s) => s.handle_http(id, result, now, host),
            Service::Unconfigured { .. } => {}
        }
    }

    pub fn handle_socket(&mut self, id: SocketId, event: SocketEvent, now: Millis, host: &mut dyn Host) {
        if let Service::Guest(s) = self {
            s.handle_socket(id, event, now, host);
        }
    }

    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        match self {
            Service::Gms(s) => s.handle_timeout(now, host),
            Service::Guest(s) => s.handle_timeout(now, host),
            Service::Unconfigured { .. } => {}
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        match self {
            Service::Gms(s) => s.poll_action(),
            Service::Guest(s) => s.poll_action(),
            Service::Unconfigured { early, .. } => (!early.is_empty()).then(|| early.remove(0)),
        }
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        match self {
            Service::Gms(s) => s.poll_timeout(),
            Service::Guest(s) => s.poll_timeout(),
            Service::Unconfigured { .. } => None,
        }
    }
}
