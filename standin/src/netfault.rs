//! Network faults for every transport's API (GMS, guest chat, Nexus v3, Web Messaging), applied by one
//! middleware in front of all their routes, so a fault means the same on each of them.
//!
//! A fault is picked by `transport` (`gms`, `guest`, `nexus`, `webmsg`), `op` (the operation, see
//! [`classify`]; `send` or `guest.send` alike), `method` and a `path` substring of the path
//! and query, each optional, and applies to the next `count` requests that match. Kinds:
//!
//! | kind | processed | what the client sees |
//! |---|---|---|
//! | `http` | no | HTTP `status` (503 if none) with a bare text body |
//! | `before_drop` | no | the answer's head, then the connection cut mid-body |
//! | `before_hang` | no | nothing for `delay_ms` (30 s if none), then the cut |
//! | `after_drop` | yes | the real answer's head and half its body, then the cut |
//! | `after_hang` | yes | nothing for `delay_ms` (30 s if none), then the cut |
//! | `after_late` | yes | the real answer, `delay_ms` (2 s if none) late |
//! | `after_5xx` | yes | HTTP `status` (502 if none) instead of the real answer |
//!
//! A cut always follows the head of an answer: a connection closed before any byte of an
//! answer makes Chromium send the request again by itself when the connection was a
//! reused keep-alive one (`ShouldResendRequest`), so the server would process it twice
//! whatever the plugin does. After a head, the browser gives up: `fetch` resolves and
//! reading the body fails with a network error, which is what the page sees of a lost
//! answer. On the guest event stream (`op` `stream`, a WebSocket upgrade) `http` refuses
//! the upgrade; dropping an open stream is `/control/guest/{conv}/act {"action":"drop"}`.
//!
//! Control API (`crate::control`): `POST /control/faults` with one fault or a list queues
//! them here when they name `transport`, `method` or `path`, or are of a kind only this
//! layer knows; the handlers' own faults (`status1`, `http`, `slow`, `errors` picked by
//! `op` alone, `crate::world::Fault`) keep working as before. `GET /control/faults` lists
//! both queues and the faults applied here (`applied`); `DELETE /control/faults` empties
//! both queues. Chromium's resend was seen here: a POST answered by a bare close on a
//! keep-alive connection reached the server three times.

use crate::world::{lock, now_ms, Shared, World};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;

const GMS: &str = "/genesys/2/chat/";
const GUEST: &str = "/api/v2/webchat/guest/conversations";
const GUEST_STREAM: &str = "/guest/stream/";
const NEXUS: &str = "/nexus/v3/chat/sessions";
const NEXUS_IMAGES: &str = "/nexus/v3/chat/images/";

/// How long a hang lasts when the fault names no `delay_ms`.
pub const DEFAULT_HANG_MS: u64 = 30_000;
/// How late a late answer is when the fault names no `delay_ms`.
pub const DEFAULT_LATE_MS: u64 = 2_000;
/// How long after an answer's head the connection is cut (long enough for the head to
/// leave the server: a cut before it would be an empty answer, see the module docs).
const CUT_AFTER: Duration = Duration::from_millis(150);

/// What a fault does, as the table in the module docs says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NetKind {
    #[serde(rename = "http")]
    Http,
    #[serde(rename = "before_drop")]
    BeforeDrop,
    #[serde(rename = "before_hang")]
    BeforeHang,
    #[serde(rename = "after_drop")]
    AfterDrop,
    #[serde(rename = "after_hang")]
    AfterHang,
    #[serde(rename = "after_late")]
    AfterLate,
    #[serde(rename = "after_5xx")]
    After5xx,
}

/// A queued network fault.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NetFault {
    pub kind: NetKind,
    /// `gms`, `guest` or `nexus`; any when absent.
    #[serde(default)]
    pub transport: Option<String>,
    /// The operation ([`classify`]), bare (`send`) or with its transport (`guest.send`).
    #[serde(default)]
    pub op: Option<String>,
    /// The HTTP method (`GET`, `POST`, ...).
    #[serde(default)]
    pub method: Option<String>,
    /// A substring of the request's path and query.
    #[serde(default)]
    pub path: Option<String>,
    /// The status of `http` and `after_5xx`.
    #[serde(default)]
    pub status: Option<u16>,
    /// How long `before_hang` and `after_hang` hang, how late `after_late` answers.
    #[serde(default)]
    pub delay_ms: Option<u64>,
    /// How many matching requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// A fault as it was applied, for tests to check that it fired.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub kind: NetKind,
    pub transport: &'static str,
    pub op: String,
    pub method: String,
    pub path: String,
    pub at: u64,
}

/// Which transport's API a request is for and which operation it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub transport: &'static str,
    pub op: String,
}

fn target(transport: &'static str, op: &str) -> Option<Target> {
    Some(Target {
        transport,
        op: op.to_owned(),
    })
}

/// The transport and operation of an API request; `None` for everything else (the control
/// API, static files).
///
/// - `gms`: `request` (start), then the path after the chat id: `refresh`, `send`,
///   `startTyping`, `stopTyping`, `customNotice`, `updateData`, `disconnect`,
///   `file/limits`, `file`, `file/{id}/download`;
/// - `guest`: `create`, `members`, `member`, `leave`, `send`, `typing`, `messages`, and
///   `stream` (the event stream's WebSocket upgrade);
/// - `nexus`: `create`, `poll` (GET messages), `send` (POST messages: text and typing),
///   `images`, `userdata`, `leave`, `image` (an attachment's bytes);
/// - `webmsg` (Web Messaging, `crate::webmsg`): `socket` (the `/v1` WebSocket upgrade),
///   `history`, `config`, `upload` (the presigned `PUT`), `download`.
///
/// Any other path under a transport's prefix is its `other`.
pub fn classify(method: &Method, path: &str) -> Option<Target> {
    if let Some(rest) = path.strip_prefix(GMS) {
        let segments: Vec<&str> = rest.split('/').collect();
        return match segments.as_slice() {
            [_service] | [_service, ""] => target("gms", "request"),
            [_service, id, op @ ..] if !id.is_empty() && !op.is_empty() => {
                target("gms", &op.join("/"))
            }
            _ => target("gms", "other"),
        };
    }
    if path.starts_with(GUEST_STREAM) {
        return target("guest", "stream");
    }
    if let Some(rest) = path.strip_prefix(GUEST) {
        let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let op = match (method, segments.as_slice()) {
            (&Method::POST, [""]) => "create",
            (_, [_conv, "members"]) => "members",
            (&Method::DELETE, [_conv, "members", _member]) => "leave",
            (_, [_conv, "members", _member]) => "member",
            (_, [_conv, "members", _member, "messages"]) => "send",
            (_, [_conv, "members", _member, "typing"]) => "typing",
            (_, [_conv, "messages"]) => "messages",
            _ => "other",
        };
        return target("guest", op);
    }
    if path.starts_with(NEXUS_IMAGES) {
        return target("nexus", "image");
    }
    if let Some(rest) = path.strip_prefix(NEXUS) {
        let segments: Vec<&str> = rest.trim_start_matches('/').split('/').collect();
        let op = match (method, segments.as_slice()) {
            (&Method::POST, [""]) => "create",
            (&Method::GET, [_id, "messages"]) => "poll",
            (&Method::POST, [_id, "messages"]) => "send",
            (_, [_id, "images"]) => "images",
            (_, [_id, "userdata"]) => "userdata",
            (_, [_id, "participants", _pid]) => "leave",
            _ => "other",
        };
        return target("nexus", op);
    }
    match path {
        "/v1" => target("webmsg", "socket"),
        "/api/v2/webmessaging/messages" => target("webmsg", "history"),
        p if p.starts_with("/webdeployments/v1/deployments/") => target("webmsg", "config"),
        p if p.starts_with("/webmsg/upload/") => target("webmsg", "upload"),
        p if p.starts_with("/webmsg/download/") => target("webmsg", "download"),
        _ => None,
    }
}

impl NetFault {
    fn matches(&self, t: &Target, method: &str, path: &str) -> bool {
        let op_ok = self.op.as_deref().is_none_or(|o| {
            o == t.op
                || o.strip_prefix(t.transport)
                    .and_then(|r| r.strip_prefix('.'))
                    == Some(t.op.as_str())
        });
        self.transport.as_deref().is_none_or(|x| x == t.transport)
            && op_ok
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(method))
            && self.path.as_deref().is_none_or(|p| path.contains(p))
    }
}

/// Takes the first queued fault that matches the request, counts it down and notes it.
pub fn take(w: &mut World, t: &Target, method: &str, path: &str) -> Option<NetFault> {
    let pos = w
        .net_faults
        .iter()
        .position(|f| f.matches(t, method, path))?;
    let fault = w.net_faults.get_mut(pos)?;
    let taken = fault.clone();
    fault.count = fault.count.saturating_sub(1);
    if fault.count == 0 {
        w.net_faults.remove(pos);
    }
    w.net_applied.push(Applied {
        kind: taken.kind,
        transport: t.transport,
        op: t.op.clone(),
        method: method.to_owned(),
        path: path.to_owned(),
        at: now_ms(),
    });
    Some(taken)
}

fn status_or(status: Option<u16>, default: StatusCode) -> StatusCode {
    status
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(default)
}

/// `response`'s head and the first half of its body (at least a byte), then the connection cut.
async fn cut(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    // Something of the body must go out (an empty chunk would end a chunked body).
    let first = if bytes.is_empty() {
        Bytes::from_static(b"{")
    } else {
        bytes.slice(..bytes.len().div_ceil(2))
    };
    // A status without a body (204, 304) would end the answer at its head.
    if parts.status == StatusCode::NO_CONTENT
        || parts.status == StatusCode::NOT_MODIFIED
        || parts.status.is_informational()
    {
        parts.status = StatusCode::OK;
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    let torn = futures_util::stream::iter([Ok::<Bytes, std::io::Error>(first)]).chain(
        futures_util::stream::once(async {
            tokio::time::sleep(CUT_AFTER).await;
            Err(std::io::Error::other(
                "stand-in fault: the connection is cut",
            ))
        }),
    );
    Response::from_parts(parts, Body::from_stream(torn))
}

/// A head to cut after, for faults that do not process the request.
fn placeholder() -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        "{}",
    )
        .into_response()
}

/// The middleware: applies the first matching queued fault to an API request.
pub async fn layer(State(world): State<Shared>, req: Request, next: Next) -> Response {
    let Some(t) = classify(req.method(), req.uri().path()) else {
        return next.run(req).await;
    };
    let path = req
        .uri()
        .path_and_query()
        .map_or_else(|| req.uri().path().to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let Some(f) = take(&mut lock(&world), &t, &method, &path) else {
        return next.run(req).await;
    };
    let hang = Duration::from_millis(f.delay_ms.unwrap_or(DEFAULT_HANG_MS));
    match f.kind {
        NetKind::Http => (
            status_or(f.status, StatusCode::SERVICE_UNAVAILABLE),
            "stand-in fault",
        )
            .into_response(),
        NetKind::BeforeDrop => cut(placeholder()).await,
        NetKind::BeforeHang => {
            tokio::time::sleep(hang).await;
            cut(placeholder()).await
        }
        NetKind::AfterDrop => {
            let answer = next.run(req).await;
            cut(answer).await
        }
        NetKind::AfterHang => {
            drop(next.run(req).await);
            tokio::time::sleep(hang).await;
            cut(placeholder()).await
        }
        NetKind::AfterLate => {
            let answer = next.run(req).await;
            tokio::time::sleep(Duration::from_millis(f.delay_ms.unwrap_or(DEFAULT_LATE_MS))).await;
            answer
        }
        NetKind::After5xx => {
            drop(next.run(req).await);
            (
                status_or(f.status, StatusCode::BAD_GATEWAY),
                "stand-in fault",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(method: Method, path: &str) -> Option<(&'static str, String)> {
        classify(&method, path).map(|t| (t.transport, t.op))
    }

    /// Every API route of the three transports is classified with its operation, nothing else is.
    #[test]
    fn every_api_path_has_its_transport_and_operation() {
        let cases = [
            (
                Method::POST,
                "/genesys/2/chat/svc",
                Some(("gms", "request")),
            ),
            (
                Method::POST,
                "/genesys/2/chat/svc/",
                Some(("gms", "request")),
            ),
            (
                Method::POST,
                "/genesys/2/chat/svc/c1/refresh",
                Some(("gms", "refresh")),
            ),
            (
                Method::POST,
                "/genesys/2/chat/svc/c1/file/f-1/download",
                Some(("gms", "file/f-1/download")),
            ),
            (
                Method::POST,
                "/api/v2/webchat/guest/conversations",
                Some(("guest", "create")),
            ),
            (
                Method::GET,
                "/api/v2/webchat/guest/conversations/c/members",
                Some(("guest", "members")),
            ),
            (
                Method::GET,
                "/api/v2/webchat/guest/conversations/c/members/m",
                Some(("guest", "member")),
            ),
            (
                Method::DELETE,
                "/api/v2/webchat/guest/conversations/c/members/m",
                Some(("guest", "leave")),
            ),
            (
                Method::POST,
                "/api/v2/webchat/guest/conversations/c/members/m/messages",
                Some(("guest", "send")),
            ),
            (
                Method::POST,
                "/api/v2/webchat/guest/conversations/c/members/m/typing",
                Some(("guest", "typing")),
            ),
            (
                Method::GET,
                "/api/v2/webchat/guest/conversations/c/messages",
                Some(("guest", "messages")),
            ),
            (Method::GET, "/guest/stream/tok1", Some(("guest", "stream"))),
            (
                Method::POST,
                "/nexus/v3/chat/sessions",
                Some(("nexus", "create")),
            ),
            (
                Method::GET,
                "/nexus/v3/chat/sessions/s/messages",
                Some(("nexus", "poll")),
            ),
            (
                Method::POST,
                "/nexus/v3/chat/sessions/s/messages",
                Some(("nexus", "send")),
            ),
            (
                Method::POST,
                "/nexus/v3/chat/sessions/s/images",
                Some(("nexus", "images")),
            ),
            (
                Method::PUT,
                "/nexus/v3/chat/sessions/s/userdata",
                Some(("nexus", "userdata")),
            ),
            (
                Method::DELETE,
                "/nexus/v3/chat/sessions/s/participants/p",
                Some(("nexus", "leave")),
            ),
            (
                Method::GET,
                "/nexus/v3/chat/images/img-1",
                Some(("nexus", "image")),
            ),
            (Method::GET, "/control/chats", None),
            (Method::GET, "/index.html", None),
        ];
        for (method, path, want) in cases {
            assert_eq!(
                op(method, path),
                want.map(|(t, o)| (t, o.to_owned())),
                "{path}"
            );
        }
    }

    /// A fault's transport, operation (bare or qualified), method and path substring each narrow what it matches.
    #[test]
    fn a_fault_matches_on_each_of_its_keys() {
        let t = Target {
            transport: "guest",
            op: "send".into(),
        };
        let f = |v: serde_json::Value| {
            serde_json::from_value::<NetFault>(v).unwrap_or_else(|e| panic!("{e}"))
        };
        assert!(f(serde_json::json!({"kind": "http"})).matches(&t, "POST", "/x"));
        assert!(
            f(serde_json::json!({"kind": "http", "op": "guest.send"})).matches(&t, "POST", "/x")
        );
        assert!(f(serde_json::json!({"kind": "http", "op": "send", "transport": "guest", "method": "post"})).matches(&t, "POST", "/x"));
        assert!(
            !f(serde_json::json!({"kind": "http", "op": "nexus.send"})).matches(&t, "POST", "/x")
        );
        assert!(
            !f(serde_json::json!({"kind": "http", "transport": "gms"})).matches(&t, "POST", "/x")
        );
        assert!(!f(serde_json::json!({"kind": "http", "method": "GET"})).matches(&t, "POST", "/x"));
        assert!(
            f(serde_json::json!({"kind": "after_5xx", "path": "c/members"})).matches(
                &t,
                "POST",
                "/a/c/members/m"
            )
        );
        assert!(
            !f(serde_json::json!({"kind": "after_5xx", "path": "other"})).matches(
                &t,
                "POST",
                "/a/c/members/m"
            )
        );
    }
}
