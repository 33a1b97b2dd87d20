//! What the engine asks the shell to do, and what the network answers.

use super::json::{FileRef, Value};
use super::{CommandId, RequestId};

/// One output of the engine, drained in order. A single queue keeps the shipped ordering
/// between events, data changes, bus commands and command settlements: the shell runs
/// each one as the shipped code would at that point (a settlement or a bus command takes
/// effect at once, a publish or a data change is delivered on a later task).
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Send an HTTP request; answer with `handle_http(id, ..)`.
    Http(Box<HttpRequest>),
    /// Settle the deferred of a bus command.
    Reply { id: CommandId, outcome: Outcome },
    /// Publish `WebChatService.<event>`. `direct` selects `publishDirect` (ajaxResponse).
    Publish { event: &'static str, data: Value, direct: bool },
    /// Set a bus data key of the plugin (`sessionActive`, `userData`, ...). The bus
    /// publishes the change only when the value differs (loosely) from the stored one.
    Data { key: &'static str, value: Value },
    /// The shipped code changed, in place, the very object the bus holds for this data
    /// key (and set it again): the bus publishes nothing, yet reading the key gives the
    /// new contents. The shell gives the stored object these contents.
    DataInPlace { key: &'static str, value: Value },
    /// Issue a bus command (`App.registerAutoLoad`, or one of our own, such as
    /// `WebChatService.startPoll`, which the bus then hands back to our handler), so that
    /// other plugins see it through `before()` as they see the shipped plugin's.
    Command { command: &'static str, data: CommandData },
    /// `ready()` and `republish('ready')` on the plugin interface.
    Ready,
    /// A console line: configuration mistakes and refused filters are explained here.
    Log { level: LogLevel, message: String },
    /// Open a WebSocket (the guest chat event stream); report with `handle_socket(id, ..)`.
    SocketOpen { id: SocketId, url: String },
    /// Close that WebSocket; no more events from it are expected or used.
    SocketClose { id: SocketId },
    /// Send a text frame on that WebSocket (web messaging); dropped when it is not open.
    SocketSend { id: SocketId, text: String },
    /// Submit a form in a new window (`downloadFile`): the browser downloads the file.
    SubmitForm { url: String, fields: Vec<(String, String)> },
    /// Call one of the integrator's async-mode storage functions (Nexus v3
    /// `transport.async`), in order with the rest: the shipped transport calls them
    /// synchronously between its publishes and requests, and integrators see that order.
    Storage(StorageCall),
    /// The rest of this step's actions run on a later task, after what the bus has
    /// already scheduled (the shipped nextgen controller loads its transport module
    /// between `configure` and `ready`).
    Yield,
}

/// A call of `webchat.transport.async`'s functions, each made as
/// `fn(data, Cookie, cookieOptions)` with a js-cookie-like `Cookie`. A throw or an answer
/// of the wrong shape is named on the console and taken as no answer.
#[derive(Debug, Clone, PartialEq)]
pub enum StorageCall {
    /// `setSessionData(openCookieName, …)`: what the integrator stored. Its `token` is the
    /// client key of the next request carrying a header valued [`STORED_CLIENT_KEY`].
    Open,
    /// `getSessionData({messageIndex, token}, …)`: keep this.
    Save(Value),
    /// `deleteSessionData({sessionData, response}, …)`: the session is gone.
    Delete(Value),
}

/// A request header with this value gets the token of the last [`StorageCall::Open`]
/// instead (and is left out when there was none): in async mode the client key is the
/// integrator's, read just before each request as the shipped `getHeaders` reads it.
pub const STORED_CLIENT_KEY: &str = "\u{1}stored client key";

/// The data of a bus command the engine issues.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandData {
    Value(Value),
    /// `_genesys.widgets.webchat` itself (the object, not a copy: it may hold functions).
    WebchatConfig,
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

/// How a command's deferred settles: resolved or rejected, with one argument or none
/// (`resolve()` and `resolve(undefined)` differ to a `done(function () { arguments })`).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub ok: bool,
    pub arg: Option<Value>,
}

impl Outcome {
    pub fn resolve(v: Value) -> Self {
        Outcome { ok: true, arg: Some(v) }
    }
    pub fn reject(v: Value) -> Self {
        Outcome { ok: false, arg: Some(v) }
    }
    pub fn resolve_empty() -> Self {
        Outcome { ok: true, arg: None }
    }
    pub fn reject_empty() -> Self {
        Outcome { ok: false, arg: None }
    }
    pub fn reject_text(text: impl Into<String>) -> Self {
        Outcome::reject(Value::String(text.into()))
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
    /// How the answer's body reaches the engine.
    pub read: ReadBody,
}

/// How an answer's body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadBody {
    #[default]
    Text,
    /// As `FileReader.readAsDataURL` of the answer's blob would read it
    /// (`data:<content type>;base64,<bytes>`): a Nexus image attachment.
    DataUrl,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    None,
    /// `application/x-www-form-urlencoded` fields, already flattened to bracket keys.
    Form(Vec<(String, String)>),
    /// `multipart/form-data` (the shell builds a `FormData`): first the kept `File` of
    /// this `sendFile` command as the part `file`, when there is one, then the text fields.
    Multipart { file: Option<FileRef>, fields: Vec<(String, String)> },
    /// A JSON document (`application/json`).
    Json(String),
    /// The kept `File` of this `sendFile` command as the whole body (a presigned `PUT`).
    File(FileRef),
}

/// An HTTP answer that arrived (any status).
#[derive(Debug, Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub status_text: String,
    /// The `Content-Type` header, when there is one.
    pub content_type: Option<String>,
    pub body: String,
}

impl HttpResponse {
    pub fn json(status: u16, body: &str) -> Self {
        HttpResponse { status, status_text: reason(status).into(), content_type: Some("application/json".into()), body: body.into() }
    }
}

/// A request that produced no HTTP answer: jQuery reports these as status 0.
#[derive(Debug, Clone, PartialEq)]
pub enum NetError {
    /// `ajaxTimeout` passed.
    Timeout,
    /// The browser could not reach the server (offline, refused, CORS).
    Network(String),
}

/// The usual reason phrase, for answers built by tests.
pub fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "",
    }
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
            encode_component(k, &mut out, true);
            out.push('=');
            encode_component(v, &mut out, true);
        }
        out
    }
}

/// `encodeURIComponent` (with `space_as_plus`: jQuery.param's form flavour).
pub fn encode_component(s: &str, out: &mut String, space_as_plus: bool) {
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*'
            | b'\'' | b'(' | b')' => out.push(b as char),
            b' ' if space_as_plus => out.push('+'),
            _ => {
                out.push('%');
                out.push(char::from(b"0123456789ABCDEF"[(b >> 4) as usize]));
                out.push(char::from(b"0123456789ABCDEF"[(b & 15) as usize]));
            }
        }
    }
}

/// A URL path segment from outside data (ids from cookies or answers), so that an id
/// such as `../../x?y=1` cannot change which path is requested.
pub fn path_segment(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b == b'.') {
        // `.` and `..` are directory steps, and so are `%2e` and `%2e%2e` (the URL standard
        // decodes them when it resolves a path): the dots are sent encoded twice, an id no
        // server has, so the request fails instead of reaching another path.
        return "%252E".repeat(s.len());
    }
    let mut out = String::new();
    encode_component(s, &mut out, false);
    out
}

/// What `FileReader.readAsDataURL` makes of a blob of this type: the type lower-cased,
/// the bytes in standard base64 with padding.
pub fn data_url(content_type: &str, bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mime = content_type.trim().to_ascii_lowercase();
    let mut out = String::with_capacity(mime.len() + 13 + bytes.len() * 4 / 3 + 4);
    out.push_str("data:");
    out.push_str(if mime.is_empty() { "application/octet-stream" } else { &mime });
    out.push_str(";base64,");
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() { char::from(A[((n >> (18 - 6 * i)) & 63) as usize]) } else { '=' });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As FileReader.readAsDataURL writes it: standard base64 with padding.
    #[test]
    fn data_urls_are_standard_base64_with_padding() {
        assert_eq!(data_url("Image/PNG", &[7; 16]), "data:image/png;base64,BwcHBwcHBwcHBwcHBwcHBw==");
        assert_eq!(data_url("", b"fo"), "data:application/octet-stream;base64,Zm8=");
        assert_eq!(data_url("text/plain", b"foo"), "data:text/plain;base64,Zm9v");
    }

    #[test]
    fn form_encoding_matches_jquery_param() {
        // jQuery.param({a:'x y', 'userData[k]':'ä&='}) == "a=x+y&userData%5Bk%5D=%C3%A4%26%3D"
        let body = Body::form_encoded(&[("a".into(), "x y".into()), ("userData[k]".into(), "ä&=".into())]);
        assert_eq!(body, "a=x+y&userData%5Bk%5D=%C3%A4%26%3D");
    }

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        assert_eq!(path_segment("../../x?y=1#z&a"), "..%2F..%2Fx%3Fy%3D1%23z%26a");
        // Not "%2E%2E": browsers resolve that as "..".
        assert_eq!(path_segment(".."), "%252E%252E");
        assert_eq!(path_segment("."), "%252E");
    }
}
