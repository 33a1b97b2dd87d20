//! A simulated page for guest chat scenarios: the engine's `Service` configured for
//! `purecloud-v2-sockets`, a memory host, a jumping clock, and the requests, sockets and
//! events it produced.

use super::page::Page;
use serde_json::{json, Value};
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{Action, HttpRequest, NetError, SocketEvent};
use webchatservice::engine::{Command, CommandId, PageInfo};

pub const API: &str = "https://api.test";
pub const CONV: &str = "c4c2e5a6-f01e-48ed-960a-68d48c3e0d05";
pub const ME: &str = "8dd184ac-c481-4d67-bb33-bd6976b1b5f0";
pub const AGENT: &str = "agent-1";
pub const STREAM: &str = "wss://stream.test/v1/token/abc";
#[allow(unused_imports)]
pub use super::page::T0;

pub fn config(extra: Value) -> Value {
    let mut t = json!({"type": "purecloud-v2-sockets", "dataURL": API, "deploymentKey": "dep", "orgGuid": "org",
        "interactionData": {"routing": {"targetAddress": "Support"}}});
    if let (Value::Object(t), Value::Object(e)) = (&mut t, extra) {
        t.extend(e);
    }
    json!({"transport": t})
}

pub struct GuestSim(Page);

impl std::ops::Deref for GuestSim {
    type Target = Page;
    fn deref(&self) -> &Page {
        &self.0
    }
}

impl std::ops::DerefMut for GuestSim {
    fn deref_mut(&mut self) -> &mut Page {
        &mut self.0
    }
}

impl GuestSim {
    pub fn new(extra: Value) -> GuestSim {
        GuestSim::with_host(extra, MemoryHost::default())
    }

    pub fn with_host(extra: Value, host: MemoryHost) -> GuestSim {
        GuestSim(Page::configured(config(extra), host))
    }

    pub fn start_cmd(data: Value) -> Command {
        Command::StartChat { data, page: PageInfo { url: "https://shop.test/".into(), ..Default::default() } }
    }

    /// Takes the oldest unanswered request whose URL ends with `suffix`.
    pub fn take(&mut self, method: &str, suffix: &str) -> HttpRequest {
        let at = self.http.iter().position(|r| r.method == method && r.url.ends_with(suffix));
        match at {
            Some(i) => self.http.remove(i),
            None => panic!("no {method} …{suffix}; pending: {:?}", self.http.iter().map(|r| format!("{} {}", r.method, r.url)).collect::<Vec<_>>()),
        }
    }

    /// An answer; a `null` body is sent as an empty one (204).
    pub fn answer(&mut self, req: &HttpRequest, status: u16, body: Value) {
        let text = if body.is_null() { String::new() } else { body.to_string() };
        self.respond(req, status, text);
    }

    pub fn fail(&mut self, req: &HttpRequest) {
        self.no_answer(req, NetError::Timeout);
    }

    /// An event on the newest open socket.
    pub fn socket(&mut self, event: SocketEvent) {
        let p = &mut self.0;
        let id = p.sockets.last().map(|(i, _)| *i).expect("a socket is open");
        p.s.handle_socket(id, event, p.now, &mut p.host);
        p.drain();
    }

    pub fn frame(&mut self, frame: Value) {
        self.socket(SocketEvent::Message(frame.to_string()));
    }

    /// Moves the clock on by `ms` and runs whatever is due then.
    pub fn advance(&mut self, ms: u64) {
        let p = &mut self.0;
        p.now += ms;
        p.s.handle_timeout(p.now, &mut p.host);
        p.drain();
    }

    /// Every messageReceived since the mark, flattened to (text or type, from.type).
    pub fn received(&self) -> Vec<(String, String)> {
        self.log[self.mark..].iter().filter_map(|a| match a {
            Action::Publish { event: "messageReceived", data, .. } => Some(data["messages"].as_array().cloned().unwrap_or_default()),
            _ => None,
        }).flatten().map(|m| (m["text"].as_str().or(m["type"].as_str()).unwrap_or("").to_owned(), m["from"]["type"].as_str().unwrap_or("-").to_owned())).collect()
    }

    /// A started, active chat: created, stream open, own member looked up.
    pub fn started(&mut self) -> CommandId {
        let id = self.command(GuestSim::start_cmd(json!({"form": {"firstname": "Jane", "lastname": "Doe"}})));
        let create = self.take("POST", "/api/v2/webchat/guest/conversations");
        self.answer(&create, 200, json!({"id": CONV, "jwt": "JWT1", "eventStreamUri": STREAM, "member": {"id": ME}}));
        self.socket(SocketEvent::Opened);
        let me = self.take("GET", &format!("/members/{ME}"));
        self.answer(&me, 200, member(ME, "CUSTOMER", "Jane Doe", "CONNECTED"));
        id
    }
}

pub fn member(id: &str, role: &str, name: &str, state: &str) -> Value {
    json!({"id": id, "role": role, "displayName": name, "state": state, "avatarImageUrl": format!("https://img.test/{id}.png")})
}

pub fn message_frame(id: &str, sender: &str, body: &str, body_type: &str, at: &str) -> Value {
    json!({"topicName": format!("v2.conversations.chats.{CONV}.messages"), "version": "2",
        "eventBody": {"id": id, "conversation": {"id": CONV}, "sender": {"id": sender}, "body": body, "bodyType": body_type, "timestamp": at},
        "metadata": {"CorrelationId": "c-1", "type": "message"}})
}

pub fn entity(id: &str, sender: &str, body: &str, at: &str) -> Value {
    json!({"id": id, "conversation": {"id": CONV}, "sender": {"id": sender}, "body": body, "bodyType": "standard", "timestamp": at})
}
