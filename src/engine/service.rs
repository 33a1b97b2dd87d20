//! The plugin's engine as the shell sees it: the controller is chosen from the
//! configuration, as the shipped loader picks it (`webchat.transport.type` set: the
//! nextgen controller with that transport; otherwise the legacy GMS controller), and
//! every input is forwarded to it.

use super::command::{Command, PageEvent};
use super::emitter::Emitter;
use super::host::Host;
use super::json::Value;
use super::output::{Action, HttpResponse, LogLevel, NetError, SocketEvent, SocketId};
use super::{texts, CommandId, Millis, RequestId};

enum Engine {
    /// No usable `webchat` configuration: every command rejects (the shipped plugin then
    /// never goes ready, and commands wait forever).
    Refused(Emitter),
    #[cfg(feature = "gms")]
    Gms(Box<super::gms::Session>),
    #[cfg(feature = "guest")]
    Guest(Box<super::guest::Session>),
    #[cfg(feature = "nexus")]
    Nexus(Box<super::nexus::Session>),
    #[cfg(feature = "webmsg")]
    WebMsg(Box<super::webmsg::Session>),
}

pub struct Service {
    engine: Engine,
    /// The Genesys App plugin is on the bus: the autoload commands go to it.
    app_present: bool,
}

/// The controller and transport the configuration names, when this build has it. As the
/// shipped loader picks: `transport.type` set (Nexus v3, web messaging, or else guest chat,
/// which names an unknown type on the console), otherwise the legacy GMS controller.
#[allow(unused_variables)] // `seed` and `host` go unused in a single-transport build
fn start(webchat: &Value, seed: u64, host: &mut dyn Host) -> Option<Engine> {
    let ty = webchat.get("transport").get("type");
    #[cfg(feature = "nexus")]
    if ty.as_str() == Some(super::nexus::TRANSPORT) {
        let mut s = super::nexus::Session::new();
        s.boot();
        return Some(Engine::Nexus(Box::new(s)));
    }
    #[cfg(feature = "webmsg")]
    if ty.as_str() == Some(super::webmsg::TRANSPORT) {
        let mut s = super::webmsg::Session::new(seed);
        s.boot();
        return Some(Engine::WebMsg(Box::new(s)));
    }
    #[cfg(feature = "guest")]
    if ty.truthy() && ty.as_str() != Some(super::nexus::TRANSPORT) && ty.as_str() != Some(super::webmsg::TRANSPORT) {
        let mut s = super::guest::Session::new(seed);
        s.boot();
        return Some(Engine::Guest(Box::new(s)));
    }
    #[cfg(feature = "gms")]
    if !ty.truthy() {
        let mut s = super::gms::Session::new(seed);
        s.boot(host);
        return Some(Engine::Gms(Box::new(s)));
    }
    None
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
        } else if let Some(engine) = start(webchat, seed, host) {
            engine
        } else {
            // A module built without this configuration's transport (issue 19 builds one
            // per transport; the loader picks the right one).
            let mut out = Emitter::default();
            out.log(LogLevel::Error, "WebChatService: this build has no module for the configured webchat.transport.type; commands reject with 'Invalid configuration'.");
            out.push(Action::Ready);
            Engine::Refused(out)
        };
        Service { engine, app_present }
    }

    pub fn handle_command(&mut self, id: CommandId, cmd: Command, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(out) => out.reject_text(id, texts::INVALID_CONFIGURATION),
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.handle_command(id, cmd, now, host),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.handle_command(id, cmd, now, host),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.handle_command(id, cmd, now, host),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.handle_command(id, cmd, now, host),
        }
    }

    #[allow(unused_variables)] // `host` goes unused in a GMS- or Nexus-only build
    pub fn handle_page(&mut self, event: PageEvent, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(_) => {}
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.handle_page(event),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.handle_page(event, host),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.handle_page(event),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.handle_page(event, host),
        }
    }

    pub fn handle_http(&mut self, id: RequestId, result: Result<HttpResponse, NetError>, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(_) => {}
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.handle_http(id, result, now, host),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.handle_http(id, result, now, host),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.handle_http(id, result, now, host),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.handle_http(id, result, now, host),
        }
    }

    #[allow(unused_variables)] // no socket in a GMS- or Nexus-only build
    pub fn handle_socket(&mut self, id: SocketId, event: SocketEvent, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.handle_socket(id, event, now, host),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.handle_socket(id, event, now, host),
            _ => {}
        }
    }

    pub fn handle_timeout(&mut self, now: Millis, host: &mut dyn Host) {
        match &mut self.engine {
            Engine::Refused(_) => {}
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.handle_timeout(now, host),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.handle_timeout(now, host),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.handle_timeout(now, host),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.handle_timeout(now, host),
        }
    }

    /// The next output. Commands to the App plugin are dropped when it is not on the
    /// page (CXBus would try to load a plugin file named "app" for them).
    /// How many actions wait to be polled (at most: some may be left out as they are).
    pub fn queued_actions(&self) -> usize {
        match &self.engine {
            Engine::Refused(out) => out.len(),
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.queued_actions(),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.queued_actions(),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.queued_actions(),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.queued_actions(),
        }
    }

    pub fn poll_action(&mut self) -> Option<Action> {
        loop {
            let a = match &mut self.engine {
                Engine::Refused(out) => out.pop().map(|(a, _)| a),
                #[cfg(feature = "gms")]
                Engine::Gms(s) => s.poll_action(),
                #[cfg(feature = "guest")]
                Engine::Guest(s) => s.poll_action(),
                #[cfg(feature = "nexus")]
                Engine::Nexus(s) => s.poll_action(),
            #[cfg(feature = "webmsg")]
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
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.poll_timeout(),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.poll_timeout(),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.poll_timeout(),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.poll_timeout(),
        }
    }

    /// Whether a chat is active (for tests and diagnostics).
    pub fn is_active(&self) -> bool {
        match &self.engine {
            Engine::Refused(_) => false,
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.is_active(),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.is_active(),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.is_active(),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.is_active(),
        }
    }

    /// How many things the engine holds (requests in flight, queued messages, held
    /// frames, transcript entries, seen ids, members...): the fuzz test checks that no
    /// input makes this grow without bound.
    pub fn footprint(&self) -> usize {
        match &self.engine {
            Engine::Refused(out) => out.len(),
            #[cfg(feature = "gms")]
            Engine::Gms(s) => s.footprint(),
            #[cfg(feature = "guest")]
            Engine::Guest(s) => s.footprint(),
            #[cfg(feature = "nexus")]
            Engine::Nexus(s) => s.footprint(),
            #[cfg(feature = "webmsg")]
            Engine::WebMsg(s) => s.footprint(),
        }
    }

    /// The event names the chosen controller registers.
    pub fn event_names(&self) -> &'static [&'static str] {
        match &self.engine {
            #[cfg(feature = "gms")]
            Engine::Gms(_) => super::command::GMS_EVENT_NAMES,
            Engine::Refused(_) => super::command::GMS_EVENT_NAMES,
            #[allow(unreachable_patterns)]
            _ => super::command::GUEST_EVENT_NAMES,
        }
    }
}
