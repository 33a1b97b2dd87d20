//! Genesys Multicloud CX "Nexus" v3 chat (`pureengage-v3-rest`, spec/protocols.md §2):
//! the session (`session.rs`, `commands.rs`, `answers.rs`) follows the shipped nextgen
//! controller and transport step for step; what the transport reads and writes is kept in
//! pure functions (`config.rs`, `token.rs`, `messages.rs`).

mod answers;
mod commands;
pub mod config;
pub mod messages;
mod session;
pub mod token;

pub use session::Session;

/// The transport's name in `webchat.transport.type`; error codes are prefixed with it.
pub const TRANSPORT: &str = "pureengage-v3-rest";

/// The transport's cookies (before the `main.deploymentID` prefix).
pub mod cookies {
    pub const SESSION: &str = "_genesys.widgets.webchat.state.pureengage-v3-rest.session";
    pub const KEYS: &str = "_genesys.widgets.webchat.state.pureengage-v3-rest.keys";
    pub const INDEX: &str = "_genesys.widgets.webchat.state.pureengage-v3-rest.index";
    /// The name handed to the integrator's `setSessionData` in async mode.
    pub const OPEN: &str = "_genesys.widgets.webchat.state.pureengage-v3-rest.open";
}
