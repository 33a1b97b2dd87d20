//! Genesys Cloud Web Messaging (`genesys-web-messaging`, spec/protocols.md §4, issue 18):
//! the guest WebSocket's frames, pure. `requests.rs` builds what the client sends,
//! `frames.rs` reads what the server sends into typed frames. The controller that turns
//! them into the WebChatService bus behaviour of guest chat comes next (issue 18); nothing
//! here is wired into the service yet.

pub mod frames;
pub mod requests;

/// The transport's name in `webchat.transport.type`.
pub const TRANSPORT: &str = "genesys-web-messaging";

/// The `tracingId` of the health check's `echo` (base64 of "HealthCheckMessageId", as the
/// official clients send it); its reply carries it back.
pub const HEALTH_CHECK_ID: &str = "SGVhbHRoQ2hlY2tNZXNzYWdlSWQ=";
