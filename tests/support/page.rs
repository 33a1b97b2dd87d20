//! A simulated page for engine scenario tests, shared by both transports: the engine's
//! `Service`, a memory host, a clock that jumps to the engine's next deadline, and
//! everything it produced, in order (actions, unanswered requests, open sockets).

use serde_json::Value;
use webchatservice::engine::host::MemoryHost;
use webchatservice::engine::output::{Action, HttpRequest, HttpResponse, NetError, Outcome, SocketId};
use webchatservice::engine::{Command, CommandId, Service};

pub const T0: u64 = 1_700_000_000_000;

pub struct Page {
    pub s: Service,
    pub host: MemoryHost,
    pub now: u64,
    next: CommandId,
    /// Every action, in order.
    pub log: Vec<Action>,
    /// Requests not yet answered, in order.
    pub http: Vec<HttpRequest>,
    /// Sockets opened and not closed: (id, url).
    pub sockets: Vec<(SocketId, String)>,
    /// Where `events`, `event` and the transport helpers start reading the log.
    pub mark: usize,
}

impl Page {
    /// Configures the service (on a page with the App plugin) and runs what it does once ready.
    pub fn configured(config: Value, host: MemoryHost) -> Page {
        let mut page = Page { s: Service::new(true, 7), host, now: T0, next: 1, log: Vec::new(), http: Vec::new(), sockets: Vec::new(), mark: 0 };
        page.command(Command::Configure(config));
        page.s.after_ready(page.now, &mut page.host);
        page.drain();
        page
    }

    pub fn drain(&mut self) {
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

    /// An HTTP answer with this status and body text.
    pub fn respond(&mut self, req: &HttpRequest, status: u16, body: String) {
        self.s.handle_http(req.id, Ok(HttpResponse { status, status_text: String::new(), body }), self.now, &mut self.host);
        self.drain();
    }

    /// No answer at all (timeout or network error).
    pub fn no_answer(&mut self, req: &HttpRequest, err: NetError) {
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

    /// Forgets what happened so far (for `events` and friends).
    pub fn mark(&mut self) {
        self.mark = self.log.len();
    }

    pub fn reply(&self, id: CommandId) -> Option<Outcome> {
        super::actions::reply(&self.log, id)
    }

    pub fn rejected_with(&self, id: CommandId) -> String {
        super::actions::rejected_with(&self.log, id)
    }

    /// Names of the events published since the mark.
    pub fn events(&self) -> Vec<&'static str> {
        super::actions::events(&self.log[self.mark..])
    }

    /// The data of the last `name` event published since the mark.
    pub fn event(&self, name: &str) -> Value {
        super::actions::event(&self.log[self.mark..], name)
    }
}
