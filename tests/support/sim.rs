//! The simulated page (support/page.rs) configured for GMS, with GMS helpers.

use super::page::Page;
use serde_json::{json, Value};
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{Action, HttpRequest, NetError, Outcome, ReplyValue};
use webchatservice::engine::{Command, CommandId, PageInfo};

#[allow(unused_imports)]
pub use super::page::T0;
pub const DATA_URL: &str = "http://gms.test/genesys/2/chat/customer-support";

pub struct Sim(Page);

impl std::ops::Deref for Sim {
    type Target = Page;
    fn deref(&self) -> &Page {
        &self.0
    }
}

impl std::ops::DerefMut for Sim {
    fn deref_mut(&mut self) -> &mut Page {
        &mut self.0
    }
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
        Sim(Page::configured(config, host))
    }

    pub fn start_chat_cmd(data: Value) -> Command {
        Command::StartChat { data, page: PageInfo { url: "https://shop.test/p".into(), title: "Shop".into(), ..Default::default() } }
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
        self.respond(req, status, body.to_string());
    }

    pub fn fail(&mut self, req: &HttpRequest, err: NetError) {
        self.no_answer(req, err);
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
