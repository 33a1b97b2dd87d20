//! A simulated page for engine scenario tests: the engine, a memory host, a clock that
//! jumps to the engine's next deadline, and the actions it produced, in order.

use serde_json::{json, Value};
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{Action, HttpRequest, HttpResponse, NetError, Outcome, ReplyValue};
use webchatservice::engine::{Command, CommandId, PageInfo, Session};

pub const DATA_URL: &str = "http://gms.test/genesys/2/chat/customer-support";
pub const T0: u64 = 1_700_000_000_000;

pub struct Sim {
    pub s: Session,
    pub host: MemoryHost,
    pub now: u64,
    next: CommandId,
    /// Every action, in order.
    pub log: Vec<Action>,
    /// Requests not yet answered, in order.
    pub http: Vec<HttpRequest>,
    mark: usize,
}

impl Sim {
    /// A configured session on a page with the App plugin.
    pub fn new() -> Sim {
        Sim::with_config(json!({"dataURL": DATA_URL}))
    }

    pub fn with_config(config: Value) -> Sim {
        Sim::with_host(config, MemoryHost::default())
    }

    pub fn with_host(config: Value, host: MemoryHost) -> Sim {
        let mut sim = Sim { s: Session::new(true), host, now: T0, next: 1, log: Vec::new(), http: Vec::new(), mark: 0 };
        let id = sim.command(Command::Configure(config));
        let _ = sim.reply(id);
        sim
    }

    fn drain(&mut self) {
        while let Some(a) = self.s.poll_action() {
            if let Action::Http(r) = &a {
                self.http.push(r.clone());
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

    pub fn start_chat_cmd(data: Value) -> Command {
        Command::StartChat { data, page: PageInfo { url: "https://shop.test/p".into(), title: "Shop".into(), ..Default::default() } }
    }

    /// How the command settled, if it did.
    pub fn reply(&self, id: CommandId) -> Option<Outcome> {
        super::actions::reply(&self.log, id)
    }

    pub fn rejected_with(&self, id: CommandId) -> String {
        super::actions::rejected_with(&self.log, id)
    }

    pub fn resolved(&self, id: CommandId) -> Value {
        match self.reply(id) {
            Some(Outcome::Resolve(ReplyValue::Json(v))) => v,
            Some(Outcome::Resolve(ReplyValue::Undefined)) => Value::Null,
            other => panic!("command {id} did not resolve: {other:?}"),
        }
    }

    /// The oldest unanswered request.
    pub fn next_request(&mut self) -> HttpRequest {
        assert!(!self.http.is_empty(), "expected a request; actions: {:?}", &self.log[self.mark.min(self.log.len())..]);
        self.http.remove(0)
    }

    pub fn answer(&mut self, req: &HttpRequest, body: Value) {
        self.answer_status(req, 200, body);
    }

    pub fn answer_status(&mut self, req: &HttpRequest, status: u16, body: Value) {
        let resp = HttpResponse { status, status_text: "".into(), body: body.to_string() };
        self.s.handle_http(req.id, Ok(resp), self.now, &mut self.host);
        self.drain();
    }

    pub fn fail(&mut self, req: &HttpRequest, err: NetError) {
        self.s.handle_http(req.id, Err(err), self.now, &mut self.host);
        self.drain();
    }

    /// Jumps the clock to the engine's next deadline and runs it; returns the new time.
    pub fn tick(&mut self) -> u64 {
        let at = self.s.poll_timeout().expect("the engine has a deadline");
        self.now = self.now.max(at);
        self.s.handle_timeout(self.now, &mut self.host);
        self.drain();
        self.now
    }

    pub fn advance(&mut self, ms: u64) {
        let target = self.now + ms;
        while let Some(at) = self.s.poll_timeout().filter(|&at| at <= target) {
            self.now = self.now.max(at);
            self.s.handle_timeout(self.now, &mut self.host);
            self.drain();
            if !self.http.is_empty() {
                break;
            }
        }
        self.now = self.now.max(target).max(self.now);
    }

    /// Forgets what happened so far (for `events`).
    pub fn mark(&mut self) {
        self.mark = self.log.len();
    }

    /// Names of the events published since the mark.
    pub fn events(&self) -> Vec<&'static str> {
        super::actions::events(&self.log[self.mark..])
    }

    /// The data of the last `event` published since the mark.
    pub fn event(&self, name: &str) -> Value {
        super::actions::event(&self.log[self.mark..], name)
    }

    /// Everything since the mark, as short labels: `event:x`, `data:k=v`, `reply:n`, `app:c`, `http:op`.
    pub fn trace(&self) -> Vec<String> {
        self.log[self.mark..]
            .iter()
            .map(|a| match a {
                Action::Publish { event, .. } => format!("event:{event}"),
                Action::Data { key, value } => format!("data:{key}={value}"),
                Action::Reply { id, outcome: Outcome::Resolve(_) } => format!("resolve:{id}"),
                Action::Reply { id, outcome: Outcome::Reject(_) } => format!("reject:{id}"),
                Action::BusCommand { command, .. } => format!("bus:{command}"),
                Action::Http(r) => format!("http:{}", r.url.rsplit('/').next().unwrap_or("")),
                Action::Log { .. } => "log".into(),
                Action::SocketOpen { id, .. } => format!("socket-open:{id}"),
                Action::SocketClose { id } => format!("socket-close:{id}"),
            })
            .collect()
    }

    /// Starts a chat and answers the request; the chat is then active.
    pub fn started(&mut self) -> CommandId {
        let id = self.command(Sim::start_chat_cmd(json!({"nickname": "Jo"})));
        let req = self.next_request();
        self.answer(&req, started_body());
        id
    }
}

pub fn form(req: &HttpRequest) -> Vec<(String, String)> {
    match &req.body {
        webchatservice::engine::Body::Form(f) => f.clone(),
        other => panic!("not a form body: {other:?}"),
    }
}

pub fn field(req: &HttpRequest, key: &str) -> Option<String> {
    form(req).into_iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

pub fn started_body() -> Value {
    json!({"statusCode": 0, "alias": "117", "userId": "007555677B20000A", "secureKey": "4ee15d7e1c343c8e",
           "chatId": "00048aAPEQJ8000U",
           "messages": [{"from": {"nickname": "Jo", "participantId": 1, "type": "Client"}, "index": 1,
                         "type": "ParticipantJoined", "utcTime": 1432845088000u64}]})
}

/// A refresh answer with these transcript entries.
pub fn refresh(messages: Value) -> Value {
    json!({"statusCode": 0, "chatEnded": false, "chatId": "00048aAPEQJ8000U", "alias": "117",
           "secureKey": "4ee15d7e1c343c8e", "userId": "007555677B20000A", "messages": messages})
}

pub fn msg(index: u64, kind: &str, from_type: &str, name: &str, pid: u64, text: Option<&str>) -> Value {
    let mut m = json!({"from": {"nickname": name, "participantId": pid, "type": from_type},
                       "index": index, "type": kind, "utcTime": 1432845088000u64 + index * 1000});
    if let Some(t) = text {
        m["text"] = json!(t);
    }
    m
}
