//! A simulated page for engine tests: the engine's `Service`, a memory host, a clock that
//! jumps to the engine's next deadline, and a bus that behaves as CXBus does for what the
//! engine relies on: commands the plugin issues to itself (`WebChatService.startPoll`,
//! `wake`, `restore`, ...) come back to it as commands from "WebChatService", after the
//! step that issued them; `ready()` is noted; commands to other plugins are recorded.

use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::json::{parse, Value};
use webchatservice::engine::output::{
    Action, CommandData, HttpRequest, HttpResponse, NetError, Outcome, SocketEvent, SocketId,
    StorageCall, STORED_CLIENT_KEY,
};
use webchatservice::engine::{Command, CommandId, FileInfo, PageInfo, Service};

pub const T0: u64 = 1_700_000_000_000;

/// An engine value from JSON text.
pub fn v(text: &str) -> Value {
    parse(text).unwrap_or_else(|e| panic!("bad JSON in a test ({e}): {text}"))
}

/// What the page saw, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Event(&'static str, Value),
    Data(&'static str, Value),
    /// A data key's object changed in place: no event on the bus.
    DataInPlace(&'static str, Value),
    /// A bus command the plugin issued (to itself or to another plugin).
    Command(&'static str, Value),
    Settled(CommandId, Outcome),
    Ready,
    Log(String),
    /// A form submitted in a new window (a download): action URL and hidden fields.
    Form(String, Vec<(String, String)>),
    /// One of the integrator's async-mode functions was called.
    Storage(StorageCall),
}

pub struct Page {
    pub s: Service,
    pub host: MemoryHost,
    pub webchat: Value,
    pub now: u64,
    next: CommandId,
    pub seen: Vec<Seen>,
    /// Requests not yet answered, in order.
    pub http: Vec<HttpRequest>,
    /// Every request sent, in order.
    pub sent: Vec<HttpRequest>,
    /// Sockets opened and not closed: (id, url).
    pub sockets: Vec<(SocketId, String)>,
    /// Sockets that reported `open`.
    pub opened: Vec<SocketId>,
    /// Text frames sent on sockets (web messaging), in order.
    pub frames: Vec<(SocketId, String)>,
    pub ready: bool,
    /// Where the readers start.
    pub mark: usize,
    /// Wake-ups that found nothing to do in a row (a spin shows as a growing count).
    pub idle_ticks: u32,
}

pub fn page_info() -> PageInfo {
    PageInfo {
        url: "https://shop.test/p".into(),
        title: "Shop".into(),
        browser: "Chrome".into(),
        os: "Linux".into(),
        widgets_version: "9.0.018.07".into(),
        ..Default::default()
    }
}

impl Page {
    /// Loads the plugin on a page with the App plugin and this webchat configuration.
    pub fn boot(webchat: &str, host: MemoryHost) -> Page {
        let webchat = v(webchat);
        let mut host = host;
        let s = Service::boot(&webchat, true, 7, &mut host);
        let mut p = Page {
            s,
            host,
            webchat,
            now: T0,
            next: 1,
            seen: Vec::new(),
            http: Vec::new(),
            sent: Vec::new(),
            sockets: Vec::new(),
            opened: Vec::new(),
            frames: Vec::new(),
            ready: false,
            mark: 0,
            idle_ticks: 0,
        };
        p.drain();
        p
    }

    /// Drains the engine, then delivers the commands it issued to itself, in order.
    pub fn drain(&mut self) {
        let mut own: Vec<(&'static str, Value)> = Vec::new();
        while let Some(a) = self.s.poll_action() {
            match a {
                Action::Http(mut r) => {
                    // As the shell: the stored client key goes in, or the header goes.
                    let stored = self.host.stored.clone();
                    r.headers
                        .retain(|(_, v)| v != STORED_CLIENT_KEY || stored.is_some());
                    for (_, v) in r.headers.iter_mut().filter(|(_, v)| v == STORED_CLIENT_KEY) {
                        *v = stored.clone().unwrap_or_default();
                    }
                    self.sent.push((*r).clone());
                    self.http.push(*r);
                }
                Action::Storage(call) => {
                    // The integrator of the shipped documentation: it keeps what it is
                    // given and forgets it when told.
                    match &call {
                        StorageCall::Save(v) => {
                            self.host.stored = v.get("token").as_str().map(str::to_owned)
                        }
                        StorageCall::Delete(_) => self.host.stored = None,
                        StorageCall::Open => {}
                    }
                    self.seen.push(Seen::Storage(call));
                }
                Action::SocketOpen { id, url } => self.sockets.push((id, url)),
                Action::SocketClose { id } => self.sockets.retain(|(i, _)| *i != id),
                Action::SocketSend { id, text } => self.frames.push((id, text)),
                // Recorded as the page receives them: shared text read back into trees.
                Action::Publish { event, data, .. } => {
                    self.seen.push(Seen::Event(event, data.unshared()))
                }
                Action::Data { key, value } => self.seen.push(Seen::Data(key, value.unshared())),
                // The bus publishes nothing for it.
                Action::DataInPlace { key, value } => {
                    self.seen.push(Seen::DataInPlace(key, value.unshared()))
                }
                Action::Reply { id, outcome } => self.seen.push(Seen::Settled(
                    id,
                    Outcome {
                        ok: outcome.ok,
                        arg: outcome.arg.map(Value::unshared),
                    },
                )),
                Action::Ready => {
                    self.ready = true;
                    self.seen.push(Seen::Ready);
                }
                Action::Log { message, .. } => self.seen.push(Seen::Log(message)),
                Action::Command { command, data } => {
                    let data = match data {
                        CommandData::Value(v) => v,
                        CommandData::WebchatConfig => self.webchat.clone(),
                    };
                    self.seen.push(Seen::Command(command, data.clone()));
                    if let Some(name) = command.strip_prefix("WebChatService.") {
                        own.push((name, data));
                    }
                }
                Action::SubmitForm { url, fields } => self.seen.push(Seen::Form(url, fields)),
                Action::Yield => {}
            }
        }
        for (name, data) in own {
            self.bus_command("WebChatService", name, data);
        }
    }

    /// A bus command to the plugin from `commander`; returns its id.
    pub fn bus_command(&mut self, commander: &str, name: &str, data: Value) -> CommandId {
        let id = self.next;
        self.next += 1;
        if let Some(cmd) = Command::from_bus(name, commander, data, page_info, || None) {
            self.s.handle_command(id, cmd, self.now, &mut self.host);
        }
        self.drain();
        id
    }

    /// `sendFile` from the Tester plugin with this file chosen in its input (`None`: no
    /// file chosen).
    pub fn send_file(&mut self, file: Option<FileInfo>) -> CommandId {
        let id = self.next;
        self.next += 1;
        if let Some(cmd) = Command::from_bus("sendFile", "Tester", v("{}"), page_info, || file) {
            self.s.handle_command(id, cmd, self.now, &mut self.host);
        }
        self.drain();
        id
    }

    /// A command from another plugin ("Tester"), with JSON data.
    pub fn cmd(&mut self, name: &str, data: &str) -> CommandId {
        self.bus_command("Tester", name, v(data))
    }

    pub fn page_event(&mut self, e: webchatservice::engine::PageEvent) {
        self.s.handle_page(e, &mut self.host);
        self.drain();
    }

    /// An HTTP answer with this status and JSON body.
    pub fn respond(&mut self, req: &HttpRequest, status: u16, body: &str) {
        self.s.handle_http(
            req.id,
            Ok(HttpResponse::json(status, body)),
            self.now,
            &mut self.host,
        );
        self.drain();
    }

    /// An HTTP answer without a body (204) or with a non-JSON one.
    pub fn respond_raw(&mut self, req: &HttpRequest, resp: HttpResponse) {
        self.s
            .handle_http(req.id, Ok(resp), self.now, &mut self.host);
        self.drain();
    }

    /// No answer at all (timeout or network error).
    pub fn no_answer(&mut self, req: &HttpRequest, err: NetError) {
        self.s
            .handle_http(req.id, Err(err), self.now, &mut self.host);
        self.drain();
    }

    pub fn socket(&mut self, id: SocketId, e: SocketEvent) {
        match e {
            SocketEvent::Closed => self.sockets.retain(|(i, _)| *i != id),
            SocketEvent::Opened => self.opened.push(id),
            SocketEvent::Message(_) => {}
        }
        self.s.handle_socket(id, e, self.now, &mut self.host);
        self.drain();
    }

    /// Jumps the clock to the engine's next deadline (if any, and not past `limit`) and
    /// runs it. Returns whether something was due.
    pub fn tick_until(&mut self, limit: u64) -> bool {
        let Some(at) = self.s.poll_timeout() else {
            return false;
        };
        if at > limit {
            return false;
        }
        let before = self.seen.len() + self.http.len();
        self.now = self.now.max(at);
        self.s.handle_timeout(self.now, &mut self.host);
        self.drain();
        if self.seen.len() + self.http.len() == before && self.s.poll_timeout() == Some(at) {
            self.idle_ticks += 1;
        } else {
            self.idle_ticks = 0;
        }
        true
    }

    /// Runs every deadline up to `now + ms`, then sets the clock there.
    pub fn advance(&mut self, ms: u64) {
        let limit = self.now + ms;
        let mut guard = 0;
        while self.tick_until(limit) {
            guard += 1;
            assert!(
                guard < 100_000 && self.idle_ticks < 50,
                "the engine keeps asking to be woken without doing anything (a spin)"
            );
        }
        self.now = limit;
    }

    /// The oldest unanswered request whose URL contains `part`.
    pub fn take(&mut self, part: &str) -> HttpRequest {
        let at = self
            .http
            .iter()
            .position(|r| r.url.contains(part))
            .unwrap_or_else(|| {
                panic!(
                    "no pending request to {part}; pending: {:?}",
                    self.http.iter().map(|r| &r.url).collect::<Vec<_>>()
                )
            });
        self.http.remove(at)
    }

    pub fn has_request(&self, part: &str) -> bool {
        self.http.iter().any(|r| r.url.contains(part))
    }

    pub fn mark(&mut self) {
        self.mark = self.seen.len();
    }

    /// How command `id` settled; panics if it settled twice.
    pub fn outcome(&self, id: CommandId) -> Option<Outcome> {
        let mut found = self.seen.iter().filter_map(|s| match s {
            Seen::Settled(i, o) if *i == id => Some(o.clone()),
            _ => None,
        });
        let first = found.next();
        assert!(found.next().is_none(), "command {id} settled twice");
        first
    }

    /// The value command `id` resolved with (`undefined` for none); panics otherwise.
    pub fn resolved(&self, id: CommandId) -> Value {
        match self.outcome(id) {
            Some(Outcome { ok: true, arg }) => arg.unwrap_or(Value::Undefined),
            other => panic!("command {id} did not resolve: {other:?}"),
        }
    }

    /// The value command `id` rejected with (`undefined` for none); panics otherwise.
    pub fn rejected(&self, id: CommandId) -> Value {
        match self.outcome(id) {
            Some(Outcome { ok: false, arg }) => arg.unwrap_or(Value::Undefined),
            other => panic!("command {id} did not reject: {other:?}"),
        }
    }

    /// The text command `id` rejected with.
    pub fn rejected_text(&self, id: CommandId) -> String {
        self.rejected(id)
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("command {id} rejected without a text"))
    }

    /// Names of the events since the mark.
    pub fn events(&self) -> Vec<&'static str> {
        self.seen[self.mark..]
            .iter()
            .filter_map(|s| {
                if let Seen::Event(e, _) = s {
                    Some(*e)
                } else {
                    None
                }
            })
            .collect()
    }

    /// The data of the last `name` event since the mark.
    pub fn event(&self, name: &str) -> Value {
        self.seen[self.mark..]
            .iter()
            .rev()
            .find_map(|s| match s {
                Seen::Event(e, d) if *e == name => Some(d.clone()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no {name} event since the mark; saw {:?}", self.events()))
    }

    /// Every `name` event's data since the mark, in order.
    pub fn seen_events(&self, name: &str) -> Vec<Value> {
        self.seen[self.mark..]
            .iter()
            .filter_map(|s| match s {
                Seen::Event(e, d) if *e == name => Some(d.clone()),
                _ => None,
            })
            .collect()
    }

    pub fn count(&self, name: &str) -> usize {
        self.events().iter().filter(|e| **e == name).count()
    }

    /// The bus commands the plugin issued since the mark.
    pub fn commands(&self) -> Vec<&'static str> {
        self.seen[self.mark..]
            .iter()
            .filter_map(|s| {
                if let Seen::Command(c, _) = s {
                    Some(*c)
                } else {
                    None
                }
            })
            .collect()
    }

    /// Data keys set since the mark, as `key=value` (JSON).
    pub fn data_keys(&self) -> Vec<String> {
        self.seen[self.mark..]
            .iter()
            .filter_map(|s| {
                if let Seen::Data(k, v) = s {
                    Some(format!("{k}={}", v.to_json()))
                } else {
                    None
                }
            })
            .collect()
    }

    /// Everything since the mark, one line each (for order assertions).
    pub fn trace(&self) -> Vec<String> {
        self.seen[self.mark..]
            .iter()
            .filter_map(|s| match s {
                Seen::Event(e, _) => Some(format!("event {e}")),
                Seen::Data(k, v) => Some(format!("data {k}={}", v.to_json())),
                Seen::DataInPlace(k, v) => Some(format!("in place {k}={}", v.to_json())),
                Seen::Command(c, _) => Some(format!("command {c}")),
                Seen::Settled(id, o) => {
                    Some(format!("{} {id}", if o.ok { "resolve" } else { "reject" }))
                }
                Seen::Ready => Some("ready".into()),
                Seen::Form(url, _) => Some(format!("form {url}")),
                Seen::Storage(StorageCall::Open) => Some("storage open".into()),
                Seen::Storage(StorageCall::Save(v)) => {
                    Some(format!("storage save {}", v.get("messageIndex").to_json()))
                }
                Seen::Storage(StorageCall::Delete(_)) => Some("storage delete".into()),
                Seen::Log(_) => None,
            })
            .collect()
    }

    /// Console lines since the mark.
    pub fn logs(&self) -> Vec<String> {
        self.seen[self.mark..]
            .iter()
            .filter_map(|s| {
                if let Seen::Log(m) = s {
                    Some(m.clone())
                } else {
                    None
                }
            })
            .collect()
    }

    /// The form fields of a request, as `key=value`.
    pub fn fields(req: &HttpRequest) -> Vec<(String, String)> {
        match &req.body {
            webchatservice::engine::Body::Form(f)
            | webchatservice::engine::Body::Multipart { fields: f, .. } => f.clone(),
            _ => Vec::new(),
        }
    }

    pub fn field(req: &HttpRequest, key: &str) -> Option<String> {
        Page::fields(req)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}
