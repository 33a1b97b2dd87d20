//! Genesys Multicloud CX "Nexus" v3 chat (`pureengage-v3-rest`): what the shipped
//! transport reads and writes, as pure functions (spec/protocols.md §2 and the shipped
//! transport). The session that drives them under the nextgen controller comes next
//! (issue 8); these parts do not depend on how that controller is shared with guest chat.

pub mod config;
pub mod messages;
pub mod token;

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

/// The cross-tab poll lock the shipped transport keeps in `localStorage`.
pub const POLL_LOCK: &str = "_genesys.widgets.chatPollPending";
