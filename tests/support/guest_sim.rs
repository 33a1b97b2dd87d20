//! A simulated page for guest chat scenarios: the engine's `Service` configured for
//! `purecloud-v2-sockets`, a memory host, a jumping clock, and the requests, sockets and
//! events it produced.

use serde_json::{json, Value};
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{Action, HttpRequest, HttpResponse, NetError, Outcome, SocketEvent, SocketId};
use webchatservice::engine::{Command, CommandId, PageInfo, Service};

pub const API: &str = "https://api.test";
pub const CONV: &str = "c4c2e5a6-f01e-48ed-960a-68d48c3e0d05";
pub const ME: &str = "8dd184ac-c481-4d67-bb33-bd6976b1b5f0";
pub const AGENT: &str = "agent-1";
pub const STREAM: &str = "wss://stream.test/v1/token/abc";
pub const T0: u64 = 1_700_000_000_000;

pub fn config(extra: Value) -> Value {
    let mut t = json!({"type": "purecloud-v2-sockets", "dataURL": API, "deploymentKey": "dep", "orgGuid": "org",
        "interactionData": {"routing": {"targetAddress": "Support"}}});
    if let (Value::Object(t), Value::Object(e)) = (&mut t, extra) {
        t.extend(e);
    }
    json!({"transport": t})
}

pub struct GuestSim {
    pub s: Service,
    pub host: MemoryHost,
    pub now: u64,
    next: CommandId,
    pub log: Vec<Action>,
    pub http: Vec<HttpRequest>,
    /// Sockets opened and not closed: (id, url).
    pub sockets: Vec<(SocketId, String)>,
    mark: usize,
}

impl GuestSim {
    pub fn new(extra: Value) -> GuestSim {
        GuestSim::with_host(extra, MemoryHost::default())
    }

    pub fn with_host(extra: Value, host: MemoryHost) -> GuestSim {
        let mut sim = GuestSim { s: Service::new(true, 7), host, now: T0, next: 1, log: Vec::new(), http: Vec::new(), sockets: Vec::new(), mark: 0 };
        sim.command(Command::Configure(config(extra)));
        sim.s.after_ready(sim.now, &mut sim.host);
        sim.drain();
        sim
    }

    fn drain(&mut self) {
        while let Some(a) = self.s.poll_action() {
            match &a {
                Action::Http(r) => self.http.push(r.clone()),
                Action::SocketOpen { id, url } => self.sockets.push((*id, url.clone())),
                Action::SocketClose { id } => self.sockets.retain(|(i, _)| i != id),
                _ => {}
            }
            self.log.push(a);
        }
    }

    pub fn command(&mut self, cmd: Command) -> CommandId {
        let id = self.next;
        self.next += 1;
        self.s.handle_command(id, cmd, self.now, &mut self.host);
        self.drain();
        id
    }

    pub fn start_cmd(data: Value) -> Command {
        Command::StartChat { data, page: PageInfo { url: "https://shop.test/".into(), ..Default::default() } }
    }

    pub fn reply(&self, id: CommandId) -> Option<Outcome> {
        super::actions::reply(&self.log, id)
    }

    pub fn rejected_with(&self, id: CommandId) -> String {
        super::actions::rejected_with(&self.log, id)
    }

    /// Takes the oldest unanswered request whose URL ends with `suffix`.
    pub fn take(&mut self, method: &str, suffix: &str) -> HttpRequest {
        let at = self.http.iter().position(|r| r.method == method && r.url.ends_with(suffix));
        match at {
            Some(i) => self.http.remove(i),
            None => panic!("no {method} …{suffix}; pending: {:?}", self.http.iter().map(|r| format!("{} {}", r.method, r.url)).collect::<Vec<_>>()),
        }
    }

    pub fn answer(&mut self, req: &HttpRequest, status: u16, body: Value) {
        let text = if body.is_null() { String::new() } else { body.to_string() };
        self.s.handle_http(req.id, Ok(HttpResponse { status, status_text: String::new(), body: text }), self.now, &mut self.host);
        self.drain();
    }

    pub fn fail(&mut self, req: &HttpRequest) {
        self.s.handle_http(req.id, Err(NetError::Timeout), self.now, &mut self.host);
        self.drain();
    }

    pub fn socket(&mut self, event: SocketEvent) {
        let id = self.sockets.last().map(|(i, _)| *i).expect("a socket is open");
        self.s.handle_socket(id, event, self.now, &mut self.host);
        self.drain();
    }

    pub fn frame(&mut self, frame: Value) {
        self.socket(SocketEvent::Message(frame.to_string()));
    }

    /// Jumps to the next deadline and runs it.
    pub fn tick(&mut self) -> u64 {
        let at = self.s.poll_timeout().expect("a deadline");
        self.now = self.now.max(at);
        self.s.handle_timeout(self.now, &mut self.host);
        self.drain();
        self.now
    }

    pub fn advance(&mut self, ms: u64) {
        self.now += ms;
        self.s.handle_timeout(self.now, &mut self.host);
        self.drain();
    }

    pub fn mark(&mut self) {
        self.mark = self.log.len();
    }

    pub fn events(&self) -> Vec<&'static str> {
        super::actions::events(&self.log[self.mark..])
    }

    pub fn event(&self, name: &str) -> Value {
        super::actions::event(&self.log[self.mark..], name)
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
