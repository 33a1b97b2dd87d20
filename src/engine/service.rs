//! The plugin's engine as the shell sees it: the controller is chosen from the
//! configuration, as the shipped loader picks it (`webchat.transport.type` set: the
//! nextgen controller with that transport; otherwise the legacy GMS controller), and
//! every input is forwarded to it.

use super::command::{Command, PageEvent};
use super::emitter::Emitter;
use super::host::Host;
use super::json::Value;
use super::output::{Action, HttpResponse, LogLevel, NetError, SocketEvent, SocketId};
use super::{gms, guest, nexus, texts, webmsg, CommandId, Millis, RequestId};

enum Engine {
    /// No usable `webchat` configuration: every command rejects (the shipped plugin then
    /// never goes ready, and commands wait forever).
    Refused(Emitter),
    Gms(Box<gms::Session>),
    Guest(Box<guest::Session>),
    Nexus(Box<nexus::Session>),
    WebMsg(Box<webmsg::Session>),
}

pub struct Service {
    engine: Engine,
    /// The Genesys App plugin is on the bus: the autoload commands go to it.
    app_present: bool,
}

impl Service {
    /// Starts the controller for `webchat` (the page's `_genesys.widgets.webchat`).
    /// `seed` feeds the reconnect jitter.
    pub fn boot(webchat: &Value, app_present: bool, seed: u64, host: &mut dyn Host) -> Service {
        let engine = if webchat.as_object().is_none_or(|m| m.is_empty()) {
            let mut out = Emitter::default();
            // One line for the one mistake, naming what is missing.
            let line = if webchat.is_object() {
                "WebChatService: webchat.dataURL is missing (webchat is empty); commands reject with 'Invalid configuration'."
            } else {
                "WebChatService: window._genesys.widgets.webchat is missing (set it before the plugin loads); commands reject with 'Invalid configuration'."
            };
            out.log(LogLevel::Error, line);
            out.push(Action::Ready);
            Engine::Refused(out)
        } else if webchat.get("transport").get("type").as_str() == Some(nexus::TRANSPORT) {
            let mut s = nexus::Session::new();
            s.boot();
            Engine::Nexus(Box::new(s))
        } else if webchat.get("transport").get("type").as_str() == Some(webmsg::TRANSPORT) {
            let mut s = webmsg::Session::new(seed);
            s.boot();
            Engine::WebMsg(Box::new(s))
        } else if webchat.get("transport").get("type").truthy() {
            let mut s = guest::Session::new(seed);
            s.boot();
            Engine::Guest(Box::new(s))
        } else {
            let mut s = gms::Session::new(seed);
            s.boot(host);
            Engine::Gms(Box::new(s))
        };
        Service { engine, app_present }
    }

    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(out) => out.reject_text(id, texts::INVALID_CONFIGURATION),
            Engine::Gms(s) => s.handle_command(id, cmd, now, host),
            Engine::Guest(s) => s.handle_command(id, cmd, now, host),
            Engine::Nexus(s) => s.handle_command(id, cmd, now, host),
            Engine::WebMsg(s) => s.handle_command(id, cmd, now, host),
        }
    }

    pub fn handle_page(&mut self, event: PageEvent, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(_) => {}
            Engine::Gms(s) => s.handle_page(event),
            Engine::Guest(s) => s.handle_page(event, host),
            Engine::Nexus(s) => s.handle_page(event),
            Engine::WebMsg(s) => s.handle_page(event, host),
        }
    }

    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(_) => {}
            Engine::Gms(s) => s.handle_http(id, result, now, host),
            Engine::Guest(s) => s.handle_http(id, result, now, host),
            Engine::Nexus(s) => s.handle_http(id, result, now, host),
            Engine::WebMsg(s) => s.handle_http(id, result, now, host),
        }
    }

    pub fn handle_socket(&mut self, id: SocketId, event: SocketEvent, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Guest(s) => s.handle_socket(id, event, now, host),
            Engine::WebMsg(s) => s.handle_socket(id, event, now, host),
            _ => {}
        }
    }

    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(_) => {}
            Engine::Gms(s) => s.handle_timeout(now, host),
            Engine::Guest(s) => s.handle_timeout(now, host),
            Engine::Nexus(s) => s.handle_timeout(now, host),
            Engine::WebMsg(s) => s.handle_timeout(now, host),
        }
    }

    /// The next output. Commands to the App plugin are dropped when it is not on the
    /// page (CXBus would try to load a plugin file named "app" for them).
    /// How many actions wait to be polled (at most: some may be left out as they are).
    pub fn queued_actions(&self) -> usize {
        match &self.engine {
            Engine::Refused(out) => out.len(),
            Engine::Gms(s) => s.queued_actions(),
            Engine::Guest(s) => s.queued_actions(),
            Engine::Nexus(s) => s.queued_actions(),
            Engine::WebMsg(s) => s.queued_actions(),
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        loop {
            let a = match &mut self.engine {
                Engine::Refused(out) => out.pop().map(|(a, _)| a),
                Engine::Gms(s) => s.poll_action(),
                Engine::Guest(s) => s.poll_action(),
                Engine::Nexus(s) => s.poll_action(),
            Engine::WebMsg(s) => s.poll_action(),
            }?;
            match &a {
                Action::Command { command, .. } if !self.app_present && command.starts_with("App.") => continue,
                _ => return Some(a),
            }
        }
    }

    pub fn poll_timeout(&self) -> Option<Millis> {
        match &self.engine {
            Engine::Refused(_) => None,
            Engine::Gms(s) => s.poll_timeout(),
            Engine::Guest(s) => s.poll_timeout(),
            Engine::Nexus(s) => s.poll_timeout(),
            Engine::WebMsg(s) => s.poll_timeout(),
        }
    }

    /// Whether a chat is active (for tests and diagnostics).
    pub fn is_active(&self) -> bool {
        match &self.engine {
            Engine::Refused(_) => false,
            Engine::Gms(s) => s.is_active(),
            Engine::Guest(s) => s.is_active(),
            Engine::Nexus(s) => s.is_active(),
            Engine::WebMsg(s) => s.is_active(),
        }
    }

    /// How many things the engine holds (requests in flight, queued messages, held
    /// frames, transcript entries, seen ids, members...): the fuzz test checks that no
    /// input makes this grow without bound.
    pub fn footprint(&self) -> usize {
        match &self.engine {
            Engine::Refused(out) => out.len(),
            Engine::Gms(s) => s.footprint(),
            Engine::Guest(s) => s.footprint(),
            Engine::Nexus(s) => s.footprint(),
            Engine::WebMsg(s) => s.footprint(),
        }
    }

    /// The event names the chosen controller registers.
    pub fn event_names(&self) -> &'static [&'static str] {
        match &self.engine {
            Engine::Guest(_) | Engine::Nexus(_) | Engine::WebMsg(_) => super::command::GUEST_EVENT_NAMES,
            _ => super::command::GMS_EVENT_NAMES,
        }
    }
}
