//! What the engine asks the shell to do, and what the network answers.

use super::{CommandId, RequestId};
use super::command::RegexSpec;
use serde_json::Value;

/// One output of the engine, drained in order with `Session::poll_action`. A single queue
/// keeps the shipped ordering between events, data changes and command settlements
/// (for example `ajaxResponse`, then `started`, then the resolution of `startChat`).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send an HTTP request; answer with `Session::handle_http(id, ..)`.
    Http(HttpRequest),
    /// Settle the deferred of a bus command.
    Reply { id: CommandId, outcome: Outcome },
    /// Publish `WebChatService.<event>`. `direct` selects `publishDirect` (ajaxResponse).
    Publish { event: &'static str, data: Value, direct: bool },
    /// Set a bus data key of the plugin (`sessionActive`, `userData`, ...).
    Data { key: &'static str, value: Value },
    /// Send a bus command to another plugin (`App.registerAutoLoad`, ...).
    BusCommand { command: &'static str, data: Value },
    /// A console line: configuration mistakes and refused filters are explained here.
    Log { level: LogLevel, message: String },
    /// Open a WebSocket (the guest chat event stream); report with `handle_socket(id, ..)`.
    SocketOpen { id: SocketId, url: String },
    /// Close that WebSocket; no more events from it are expected or used.
    SocketClose { id: SocketId },
}

/// Identifies one WebSocket, so that events of a replaced socket are told apart.
pub type SocketId = u64;

/// What a WebSocket reports.
#[derive(Debug, Clone, PartialEq)]
pub enum SocketEvent {
    Opened,
    /// A text frame.
    Message(String),
    /// Closed (by the server, the network, or after an error).
    Closed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

/// How a command's deferred settles.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Resolve(ReplyValue),
    Reject(ReplyValue),
}

/// The argument a deferred settles with.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyValue {
    /// `resolve()` with no argument.
    Undefined,
    Json(Value),
    /// An array of JavaScript `RegExp` objects (what `addPrefilter` resolves with).
    RegExps(Vec<RegexSpec>),
}

impl Outcome {
    pub fn reject_text(text: impl Into<String>) -> Self {
        Outcome::Reject(ReplyValue::Json(Value::String(text.into())))
    }
    pub fn resolve_json(value: Value) -> Self {
        Outcome::Resolve(ReplyValue::Json(value))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub id: RequestId,
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Abort after this many milliseconds (`ajaxTimeout`); 0 means no limit.
    pub timeout_ms: u64,
    /// `xhrFields.withCredentials`: send cookies cross-origin.
    pub with_credentials: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    /// `application/x-www-form-urlencoded` fields, already flattened to bracket keys.
    Form(Vec<(String, String)>),
    /// A JSON document (`application/json`).
    Json(String),
}

/// An HTTP answer that arrived (any status).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub status_text: String,
    pub body: String,
}

/// A request that produced no HTTP answer: jQuery reports these as status 0.
#[derive(Debug, Clone, PartialEq)]
pub enum NetError {
    /// `ajaxTimeout` passed.
    Timeout,
    /// The browser could not reach the server (offline, refused, CORS).
    Network(String),
}

impl Body {
    /// Encodes the form fields as `application/x-www-form-urlencoded` (spaces as `+`,
    /// brackets percent-encoded), byte for byte what jQuery.param sends.
    pub fn form_encoded(fields: &[(String, String)]) -> String {
        let mut out = String::new();
        for (i, (k, v)) in fields.iter().enumerate() {
            if i > 0 {
                out.push('&');
            }
            encode_component(k, &mut out);
            out.push('=');
            encode_component(v, &mut out);
        }
        out
    }
}

fn encode_component(s: &str, out: &mut String) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*'
            | b'\'' | b'(' | b')' => out.push(b as char),
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
                out.push(char::from(b"0123456789ABCDEF"[(b & 15) as usize]));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_encoding_matches_jquery_param() {
        // jQuery.param({a:'x y', 'userData[k]':'ä&='}) == "a=x+y&userData%5Bk%5D=%C3%A4%26%3D"
        let body = Body::form_encoded(&[
            ("a".into(), "x y".into()),
            ("userData[k]".into(), "ä&=".into()),
        ]);
        assert_eq!(body, "a=x+y&userData%5Bk%5D=%C3%A4%26%3D");
    }
}
