//! The pure engine: every decision of WebChatService, no I/O.
//!
//! The engine never touches `JsValue`, the DOM, the clock, timers or the network. The shell
//! (or a test) feeds it inputs — bus commands, HTTP answers, socket events, timer
//! expiries, page events — with the current time as an argument, and drains its outputs
//! with [`Service::poll_action`]: HTTP requests, settlements of bus commands, events to
//! publish, data keys to set, bus commands to issue, console lines, sockets to open.
//! [`Service::poll_timeout`] gives the one deadline the shell must wake it at. Synchronous
//! facilities only the page has (cookies, the typing-preview input, preprocessor
//! functions) come in through [`Host`].
//!
//! That shape ("sans-IO", as in quinn-proto and rustls) is what lets the whole behaviour be
//! tested natively with a simulated clock, and fuzzed.

pub mod backoff;
pub mod command;
pub mod diagnostics;
pub mod emitter;
pub mod filter;
mod regex;
pub mod form;
pub mod gms;
pub mod guest;
pub mod host;
pub mod json;
pub mod nexus;
pub mod nextgen;
pub mod outbox;
pub mod output;
pub mod prefilters;
pub mod retry;
pub mod seen;
pub mod service;
pub mod sort;
pub mod texts;
pub mod time;
pub mod typing;
pub mod webmsg;
pub mod xhr;

pub use command::{Command, FileInfo, PageEvent, PageInfo};
pub use host::Host;
pub use json::{FileRef, RegexSpec, Value};
pub use output::{Action, Body, CommandData, HttpRequest, HttpResponse, NetError, Outcome, SocketEvent, SocketId};
pub use service::Service;

/// Milliseconds since the Unix epoch, as `Date.now()` gives them.
pub type Millis = u64;

/// Identifies one bus command so that its deferred can be settled later.
pub type CommandId = u64;

/// Identifies one HTTP request so that its answer finds its way back.
pub type RequestId = u64;

/// The cookie names of the shipped legacy controller (before the `main.deploymentID`
/// prefix, which the shell applies together with `main.cookieOptions`).
pub mod keys {
    pub const SESSION: &str = "_genesys.widgets.webchat.state.session";
    pub const KEYS: &str = "_genesys.widgets.webchat.state.keys";
    pub const PING: &str = "_genesys.widgets.webchat.state.ping";
    pub const INDEX: &str = "_genesys.widgets.webchat.state.index";
    pub const FILTERS: &str = "_genesys.widgets.webchat.state.filters";
    pub const START_LOCK: &str = "_genesys.widgets.webchat.state.chatStartLock";
}
